/* gh-demo-guest.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-demo-guest.h"
#include "gh-guest-config.h"
#include "gh-guest-store.h"

/* Remembers, beside the guests, that the demo was offered: a person who
 * deletes it does not get it back at the next start. */
#define GH_DEMO_MARKER ".demo-offered"

#define GH_DEMO_IMAGE "guest-demo.elf"

/**
 * gh_demo_guest_find_image:
 *
 * The demo guest's kernel image (tests/guests/demo.c): GUESTHOUSE_DEMO_GUEST
 * when set (empty: no demo), else the one built beside a program running from
 * the build tree, else the installed one.
 *
 * Returns: (transfer full) (nullable): its path, or %NULL when there is none
 */
char *
gh_demo_guest_find_image (void)
{
  const char *env = g_getenv ("GUESTHOUSE_DEMO_GUEST");
  g_autofree char *installed = g_build_filename (DATADIR, "guesthouse", GH_DEMO_IMAGE, NULL);

  if (env != NULL)
    return env[0] != '\0' && g_file_test (env, G_FILE_TEST_IS_REGULAR) ? g_strdup (env) : NULL;

#ifdef GH_BUILD_ROOT
  {
    g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);

    if (self_exe != NULL && g_str_has_prefix (self_exe, GH_BUILD_ROOT "/"))
      {
        g_autofree char *built = g_build_filename (GH_BUILD_ROOT, "tests", "guests",
                                                   GH_DEMO_IMAGE, NULL);
        if (g_file_test (built, G_FILE_TEST_IS_REGULAR))
          return g_steal_pointer (&built);
      }
  }
#endif

  return g_file_test (installed, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&installed) : NULL;
}

/**
 * gh_demo_guest_define_once:
 *
 * On the first run (no guest defined, the demo never offered), defines the
 * demo guest: 128 MiB that the balloon can take up to 256, one vCPU, a
 * screen, no network card.
 *
 * Returns: (transfer none) (nullable): the new guest, or %NULL when there was
 *   nothing to do or it failed (then @error is set)
 */
GhGuest *
gh_demo_guest_define_once (GhGuestStore  *store,
                           GError       **error)
{
  g_autofree char *marker = NULL;
  g_autofree char *image = NULL;
  g_autoptr(GhGuestConfig) config = NULL;
  GhGuest *guest;

  g_return_val_if_fail (GH_IS_GUEST_STORE (store), NULL);

  marker = g_build_filename (gh_guest_store_get_config_dir (store), GH_DEMO_MARKER, NULL);
  if (g_file_test (marker, G_FILE_TEST_EXISTS)
      || g_list_model_get_n_items (G_LIST_MODEL (store)) > 0
      || (image = gh_demo_guest_find_image ()) == NULL)
    return NULL;

  config = gh_guest_config_new (GH_DEMO_GUEST_NAME);
  gh_guest_config_set_memory_mib (config, 128);
  gh_guest_config_set_max_memory_mib (config, 256);
  gh_guest_config_set_vcpus (config, 1);
  gh_guest_config_set_max_vcpus (config, 1);
  gh_guest_config_set_kernel (config, image);
  gh_guest_config_set_display (config, TRUE);

  guest = gh_guest_store_define (store, config, error);
  if (guest != NULL && !g_file_set_contents (marker, "", 0, error))
    return NULL;
  return guest;
}
