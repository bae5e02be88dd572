/* gh-test-utils.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "gh-test-utils.h"

char *
gh_test_make_root (void)
{
  g_autoptr(GError) error = NULL;
  char *root = g_dir_make_tmp ("ghcore-XXXXXX", &error);

  g_assert_no_error (error);

  return root;
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)))
    {
      g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_file_delete (child, NULL, NULL);
      g_object_unref (info);
    }

  g_file_delete (file, NULL, NULL);
}

/* Any helper a failed test left running is killed before its folder goes. */
void
gh_test_kill_helpers (const char *root)
{
  g_autofree char *run = g_build_filename (root, "run", "guesthouse", NULL);
  g_autoptr(GDir) dir = g_dir_open (run, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *pid_path = g_build_filename (run, entry, "pid", NULL);
      g_autofree char *text = NULL;

      if (g_file_get_contents (pid_path, &text, NULL, NULL) && atoi (text) > 0)
        kill (atoi (text), SIGKILL);
    }
}

void
gh_test_remove_root (const char *root)
{
  g_autoptr(GFile) file = g_file_new_for_path (root);

  gh_test_kill_helpers (root);
  remove_tree (file);
}

GhGuestStore *
gh_test_store_new (const char *root,
                   const char *vmm_path)
{
  g_autofree char *config = g_build_filename (root, "config", "guesthouse", "guests", NULL);
  g_autofree char *run = g_build_filename (root, "run", "guesthouse", NULL);
  g_autofree char *state = g_build_filename (root, "state", "guesthouse", NULL);
  g_autoptr(GhHelperLauncher) launcher = gh_helper_launcher_new (vmm_path ? vmm_path
                                                                          : FAKE_VMM_PATH);

  return gh_guest_store_new_for_dirs (config, run, state, launcher);
}

GhGuestConfig *
gh_test_config_new (const char *name)
{
  GhGuestConfig *config = gh_guest_config_new (name);

  gh_guest_config_set_memory_mib (config, 128);
  gh_guest_config_set_max_memory_mib (config, 256);
  gh_guest_config_set_kernel (config, "/nonexistent/vmlinuz");

  return config;
}

char **
gh_test_environ (const char *root,
                 const char *vmm_path)
{
  char **env = g_get_environ ();
  g_autofree char *config = g_build_filename (root, "config", NULL);
  g_autofree char *run = g_build_filename (root, "run", NULL);
  g_autofree char *state = g_build_filename (root, "state", NULL);
  g_autofree char *home = g_build_filename (root, "home", NULL);

  env = g_environ_setenv (env, "HOME", home, TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", run, TRUE);
  env = g_environ_setenv (env, "XDG_STATE_HOME", state, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", home, TRUE);
  env = g_environ_setenv (env, "GUESTHOUSE_VMM", vmm_path ? vmm_path : FAKE_VMM_PATH, TRUE);
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);

  return env;
}

/**
 * gh_test_run:
 *
 * Runs guesthouse-ctl with the arguments in @root's XDG folders.
 *
 * Returns: its exit status
 */
int
gh_test_run (const char  *root,
             const char  *vmm_path,
             char       **out,
             char       **err,
             const char  *first_arg,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = gh_test_environ (root, vmm_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  const char *arg;
  va_list ap;
  int status;

  g_ptr_array_add (argv, (char *) CTL_PATH);
  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (root, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                &stdout_text, &stderr_text, &status, &error);
  g_assert_no_error (error);

  if (g_test_verbose ())
    g_printerr ("$ guesthouse-ctl %s\n%s%s", first_arg, stdout_text, stderr_text);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);

  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
