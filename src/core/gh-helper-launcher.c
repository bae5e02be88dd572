/* gh-helper-launcher.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "gh-types.h"
#include "gh-error.h"
#include "gh-guest.h"
#include "gh-guest-config.h"
#include "gh-helper-launcher-private.h"

/* Turns a guest configuration into a guesthouse-vmm command line and starts it detached.
 *
 * "Detached" means the helper belongs to no one who might go away: not to the terminal's
 * session (Ctrl+C or closing the terminal must not kill a guest), not to the CLI or app that
 * started it (they may exit at once), and it holds none of their file descriptors (a test or a
 * shell capturing the CLI's output would otherwise wait until the guest stops).
 *
 * Between the caller and the helper sits a small monitor process, the helper's parent. It does
 * one thing: wait for the helper to end, write down how it ended, and remove the runtime folder.
 * That is how a guest killed with SIGKILL shows up as "crashed" and leaves no stale sockets,
 * with nobody else watching. If the monitor itself is killed, the store notices the stale
 * folder on its next look and does the same.
 */

struct _GhHelperLauncher
{
  GObject  parent_instance;

  char    *vmm_path;
};

G_DEFINE_FINAL_TYPE (GhHelperLauncher, gh_helper_launcher, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_VMM_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
is_executable_file (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_access (path, X_OK) == 0;
}

/**
 * gh_helper_launcher_find_vmm:
 *
 * Looks for guesthouse-vmm, in order: `$GUESTHOUSE_VMM`; beside the running program (an
 * installed or relocated guesthouse-ctl next to an installed VMM); in the build tree when the
 * running program is in the build tree; LIBEXECDIR and BINDIR; then `$PATH`.
 *
 * Returns: (transfer full) (nullable): an absolute path
 */
char *
gh_helper_launcher_find_vmm (GError **error)
{
  const char *env = g_getenv ("GUESTHOUSE_VMM");
  g_autofree char *self_exe = NULL;
  g_autofree char *self_dir = NULL;
  g_autofree char *found = NULL;

  if (env != NULL && env[0] != '\0')
    {
      /* A variable set by hand that points nowhere is a mistake to report, not to skip. */
      if (!is_executable_file (env))
        {
          g_set_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_NO_VMM,
                       _("GUESTHOUSE_VMM is set to %s, which is not an executable file"), env);
          return NULL;
        }
      return g_canonicalize_filename (env, NULL);
    }

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe != NULL)
    {
      g_autofree char *beside = NULL;

      self_dir = g_path_get_dirname (self_exe);
      beside = g_build_filename (self_dir, GH_VMM_PROGRAM, NULL);
      if (is_executable_file (beside))
        return g_steal_pointer (&beside);

#ifdef GH_BUILD_ROOT
      if (g_str_has_prefix (self_dir, GH_BUILD_ROOT "/") || g_str_equal (self_dir, GH_BUILD_ROOT))
        {
          g_autofree char *built = g_build_filename (GH_BUILD_ROOT, "src", "vmm",
                                                     GH_VMM_PROGRAM, NULL);
          if (is_executable_file (built))
            return g_steal_pointer (&built);
        }
#endif
    }

  {
    g_autofree char *libexec = g_build_filename (LIBEXECDIR, GH_VMM_PROGRAM, NULL);
    g_autofree char *bin = g_build_filename (BINDIR, GH_VMM_PROGRAM, NULL);

    if (is_executable_file (libexec))
      return g_steal_pointer (&libexec);
    if (is_executable_file (bin))
      return g_steal_pointer (&bin);
  }

  if ((found = g_find_program_in_path (GH_VMM_PROGRAM)))
    return g_steal_pointer (&found);

  g_set_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_NO_VMM,
               _("Cannot find guesthouse-vmm: set GUESTHOUSE_VMM, install it in %s, "
                 "or put it in PATH"), LIBEXECDIR);
  return NULL;
}

/**
 * gh_helper_launcher_new:
 * @vmm_path: (nullable): the helper program, or %NULL to look it up when needed
 */
GhHelperLauncher *
gh_helper_launcher_new (const char *vmm_path)
{
  return g_object_new (GH_TYPE_HELPER_LAUNCHER, "vmm-path", vmm_path, NULL);
}

/**
 * gh_helper_launcher_get_vmm_path:
 *
 * Returns: (nullable): the helper program given at construction, if any
 */
const char *
gh_helper_launcher_get_vmm_path (GhHelperLauncher *self)
{
  g_return_val_if_fail (GH_IS_HELPER_LAUNCHER (self), NULL);

  return self->vmm_path;
}

static gboolean
check_socket_path (const char  *path,
                   GError     **error)
{
  if (strlen (path) > GH_SOCKET_PATH_MAX)
    {
      g_set_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_PATH_TOO_LONG,
                   _("The socket path %s is longer than the %d bytes a Unix socket allows; "
                     "use a shorter guest name or XDG_RUNTIME_DIR"), path, GH_SOCKET_PATH_MAX);
      return FALSE;
    }

  return TRUE;
}

/**
 * gh_helper_launcher_build_argv:
 * @config: a valid configuration
 * @runtime_dir: the guest's runtime folder, where the helper puts its sockets and pty link
 *
 * The option names are guesthouse-vmm's; every value is passed explicitly (both maximums, the
 * disk bus) so the command line reads the same whatever the helper's defaults become. argv[0]
 * is the helper program.
 *
 * Returns: (transfer full) (nullable): the command line
 */
char **
gh_helper_launcher_build_argv (GhHelperLauncher  *self,
                               GhGuestConfig     *config,
                               const char        *runtime_dir,
                               GError           **error)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree char *vmm = NULL;
  g_autofree char *control = NULL;
  g_autofree char *display = NULL;
  g_autofree char *serial = NULL;

  g_return_val_if_fail (GH_IS_HELPER_LAUNCHER (self), NULL);
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (config), NULL);
  g_return_val_if_fail (runtime_dir != NULL, NULL);

  if (!gh_guest_config_validate (config, error))
    return NULL;

  if (self->vmm_path != NULL)
    vmm = g_strdup (self->vmm_path);
  else if (!(vmm = gh_helper_launcher_find_vmm (error)))
    return NULL;

  control = g_build_filename (runtime_dir, GH_RUNTIME_CONTROL, NULL);
  display = g_build_filename (runtime_dir, GH_RUNTIME_DISPLAY, NULL);
  serial = g_build_filename (runtime_dir, GH_RUNTIME_SERIAL, NULL);
  if (!check_socket_path (control, error) || !check_socket_path (display, error))
    return NULL;

  g_strv_builder_add (argv, vmm);
  g_strv_builder_add_many (argv, "--name", gh_guest_config_get_name (config), NULL);
  g_strv_builder_add_many (argv, "--uuid", gh_guest_config_get_uuid (config), NULL);

#define ADD_UINT(opt, value) G_STMT_START {                     \
    g_autofree char *str_ = g_strdup_printf ("%u", (value));    \
    g_strv_builder_add_many (argv, (opt), str_, NULL);          \
  } G_STMT_END

  ADD_UINT ("--memory", gh_guest_config_get_memory_mib (config));
  ADD_UINT ("--max-memory", gh_guest_config_get_max_memory_mib (config));
  ADD_UINT ("--vcpus", gh_guest_config_get_vcpus (config));
  ADD_UINT ("--max-vcpus", gh_guest_config_get_max_vcpus (config));

#undef ADD_UINT

  if (gh_guest_config_get_kernel (config) != NULL)
    {
      g_strv_builder_add_many (argv, "--kernel", gh_guest_config_get_kernel (config), NULL);
      if (gh_guest_config_get_initrd (config) != NULL)
        g_strv_builder_add_many (argv, "--initrd", gh_guest_config_get_initrd (config), NULL);
      if (gh_guest_config_get_cmdline (config) != NULL)
        g_strv_builder_add_many (argv, "--cmdline", gh_guest_config_get_cmdline (config), NULL);
    }
  else
    {
      g_strv_builder_add_many (argv, "--firmware", gh_guest_config_get_firmware (config), NULL);
      if (gh_guest_config_get_boot_order (config) != NULL)
        g_strv_builder_add_many (argv, "--boot", gh_guest_config_get_boot_order (config), NULL);
    }

  for (guint i = 0; i < gh_guest_config_get_n_disks (config); i++)
    {
      const GhDisk *disk = gh_guest_config_get_disk (config, i);
      g_autoptr(GString) spec = g_string_new (NULL);

      /* An empty CD-ROM drive has no medium to be read-only: it is just the drive. */
      if (disk->path != NULL)
        {
          g_string_append_printf (spec, "path=%s,", disk->path);
          if (disk->readonly)
            g_string_append (spec, "readonly=on,");
        }
      if (disk->media == GH_DISK_MEDIA_CDROM)
        g_string_append (spec, "media=cdrom,");
      g_string_append (spec, disk->bus == GH_DISK_BUS_IDE ? "bus=ide" : "bus=virtio");

      g_strv_builder_add_many (argv, "--disk", spec->str, NULL);
    }

  for (guint i = 0; i < gh_guest_config_get_n_nics (config); i++)
    {
      const GhNic *nic = gh_guest_config_get_nic (config, i);
      g_autofree char *spec = NULL;

      if (nic->backend == GH_NIC_BACKEND_TAP)
        spec = g_strdup_printf ("mac=%s,tap=%s", nic->mac, nic->tap);
      else
        spec = g_strdup_printf ("mac=%s,net=user", nic->mac);

      g_strv_builder_add_many (argv, "--nic", spec, NULL);
    }

  if (gh_guest_config_get_display (config))
    {
      g_autofree char *spec = g_strdup_printf ("vnc=unix:%s", display);
      g_strv_builder_add_many (argv, "--display", spec, NULL);
    }
  else
    g_strv_builder_add_many (argv, "--display", "none", NULL);

  {
    g_autofree char *serial_spec = g_strdup_printf ("pty:%s", serial);
    g_autofree char *control_spec = g_strdup_printf ("unix:%s", control);

    g_strv_builder_add_many (argv, "--serial", serial_spec, NULL);
    g_strv_builder_add_many (argv, "--control", control_spec, NULL);
  }

  return g_strv_builder_end (argv);
}

/* What follows runs between fork() and exec() or _exit() in a process forked from a program
 * that may have threads (GIO's workers), so it may only use async-signal-safe calls: no malloc,
 * no stdio, no GLib. Everything it needs is computed before the fork.
 */

typedef struct
{
  char        *argv0;
  char       **argv;
  char       **envp;
  char        *runtime_files[8];
  const char  *runtime_dir;
  const char  *lock_path;
  const char  *exit_path;
  char        *exit_tmp_path;
  const char  *pid_path;
  int          log_fd;
  int          null_fd;
  int          report_fd;
  int          exec_fd;    /* close-on-exec: the caller sees EOF once the helper has exec'd */
} ForkPlan;

static void
close_from (int lowest)
{
  /* close_range() is Linux 5.9; fall back to a loop on older kernels. */
  if (close_range ((unsigned) lowest, ~0u, 0) != 0)
    for (int fd = lowest; fd < 4096; fd++)
      close (fd);
}

static void
reset_signals (void)
{
  sigset_t all;

  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
}

static gsize
format_uint (char     *buf,
             unsigned  value)
{
  char tmp[16];
  gsize n = 0, len = 0;

  do
    tmp[n++] = '0' + value % 10;
  while ((value /= 10) != 0);

  while (n > 0)
    buf[len++] = tmp[--n];

  return len;
}

static gboolean
pid_file_matches (const char *path,
                  pid_t       pid)
{
  char buf[32];
  ssize_t n;
  unsigned value = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return FALSE;

  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
    value = value * 10 + (unsigned) (buf[i] - '0');

  return value == (unsigned) pid;
}

G_GNUC_NORETURN static void
run_helper (const ForkPlan *plan)
{
  static const char msg[] = "guesthouse-vmm: cannot execute the helper program\n";

  dup2 (plan->null_fd, STDIN_FILENO);
  dup2 (plan->log_fd, STDOUT_FILENO);
  dup2 (plan->log_fd, STDERR_FILENO);
  dup2 (plan->exec_fd, 3);
  fcntl (3, F_SETFD, FD_CLOEXEC);
  close_from (4);
  reset_signals ();

  execve (plan->argv0, plan->argv, plan->envp);

  (void) !write (STDERR_FILENO, msg, sizeof msg - 1);
  _exit (127);
}

G_GNUC_NORETURN static void
run_monitor (const ForkPlan *plan)
{
  pid_t helper;
  int status = 0;
  int lock_fd;

  helper = fork ();
  if (helper < 0)
    {
      int zero = 0;
      (void) !write (plan->report_fd, &zero, sizeof zero);
      _exit (1);
    }
  if (helper == 0)
    run_helper (plan);

  (void) !write (plan->report_fd, &helper, sizeof helper);
  close (plan->exec_fd);

  /* Hold nothing of the caller's: not its terminal, not its pipes. */
  dup2 (plan->null_fd, STDIN_FILENO);
  dup2 (plan->null_fd, STDOUT_FILENO);
  dup2 (plan->null_fd, STDERR_FILENO);
  close_from (3);
  signal (SIGHUP, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);

  while (waitpid (helper, &status, 0) < 0 && errno == EINTR)
    ;

  /* Clean up under the store lock, and only if the folder is still this helper's: a new start
   * of the same guest may have found the folder stale and made its own in the meantime.
   */
  lock_fd = open (plan->lock_path, O_RDWR | O_CLOEXEC);
  if (lock_fd >= 0)
    while (flock (lock_fd, LOCK_EX) < 0 && errno == EINTR)
      ;

  if (pid_file_matches (plan->pid_path, helper))
    {
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        unlink (plan->exit_path);
      else
        {
          char buf[32];
          gsize len;
          int fd;

          if (WIFSIGNALED (status))
            {
              memcpy (buf, "signal ", 7);
              len = 7 + format_uint (buf + 7, (unsigned) WTERMSIG (status));
            }
          else
            {
              memcpy (buf, "status ", 7);
              len = 7 + format_uint (buf + 7, (unsigned) WEXITSTATUS (status));
            }
          buf[len++] = '\n';

          fd = open (plan->exit_tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
          if (fd >= 0)
            {
              (void) !write (fd, buf, len);
              close (fd);
              rename (plan->exit_tmp_path, plan->exit_path);
            }
        }

      for (guint i = 0; i < G_N_ELEMENTS (plan->runtime_files) && plan->runtime_files[i]; i++)
        unlink (plan->runtime_files[i]);
      rmdir (plan->runtime_dir);
    }

  _exit (0);
}

/**
 * _gh_helper_launcher_spawn:
 * @argv: from gh_helper_launcher_build_argv()
 *
 * Starts the helper detached (see the top of this file) and returns its pid. The caller holds
 * the store lock and writes the pid file before releasing it; the monitor takes the same lock
 * before it looks at the pid file, so it always sees the file.
 *
 * Returns: the helper's pid, or 0 with @error set
 */
GPid
_gh_helper_launcher_spawn (GhHelperLauncher     *self,
                           const char * const   *argv,
                           const GhLaunchPaths  *paths,
                           GError              **error)
{
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *exit_tmp = NULL;
  g_autofree char *pid_path = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  static const char * const runtime_files[] = {
    GH_RUNTIME_CONTROL, GH_RUNTIME_DISPLAY, GH_RUNTIME_SERIAL, GH_RUNTIME_DOMID, GH_RUNTIME_PID,
  };
  ForkPlan plan = { 0, };
  int report[2] = { -1, -1 };
  int exec_pipe[2] = { -1, -1 };
  char byte;
  pid_t middle;
  pid_t helper = 0;
  ssize_t n;

  g_return_val_if_fail (GH_IS_HELPER_LAUNCHER (self), 0);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, 0);
  g_return_val_if_fail (paths != NULL, 0);

  exit_tmp = g_strconcat (paths->exit_path, ".tmp", NULL);
  pid_path = g_build_filename (paths->runtime_dir, GH_RUNTIME_PID, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (runtime_files); i++)
    {
      char *file = g_build_filename (paths->runtime_dir, runtime_files[i], NULL);
      g_ptr_array_add (files, file);
      plan.runtime_files[i] = file;
    }

  plan.argv0 = (char *) argv[0];
  plan.argv = (char **) argv;
  plan.envp = envp;
  plan.runtime_dir = paths->runtime_dir;
  plan.lock_path = paths->lock_path;
  plan.exit_path = paths->exit_path;
  plan.exit_tmp_path = exit_tmp;
  plan.pid_path = pid_path;

  plan.log_fd = open (paths->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                      0600);
  if (plan.log_fd < 0)
    {
      int errsv = errno;

      g_set_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_SPAWN,
                   _("Cannot open the log file %s: %s"), paths->log_path, g_strerror (errsv));
      return 0;
    }

  plan.null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (plan.null_fd < 0
      || !g_unix_open_pipe (report, FD_CLOEXEC, error)
      || !g_unix_open_pipe (exec_pipe, FD_CLOEXEC, error))
    {
      if (plan.null_fd < 0)
        g_set_error_literal (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_SPAWN,
                             _("Cannot open /dev/null"));
      goto out;
    }
  plan.report_fd = report[1];
  plan.exec_fd = exec_pipe[1];

  middle = fork ();
  if (middle < 0)
    {
      int errsv = errno;

      g_set_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_SPAWN,
                   _("Cannot start the helper: %s"), g_strerror (errsv));
      goto out;
    }

  if (middle == 0)
    {
      pid_t monitor;

      /* A new session: no controlling terminal, no signals from the caller's terminal. This
       * process then exits so that the monitor is adopted by init (or a subreaper) and the
       * caller has no child left to wait for.
       */
      setsid ();
      monitor = fork ();
      if (monitor == 0)
        run_monitor (&plan);
      if (monitor < 0)
        {
          int zero = 0;
          (void) !write (plan.report_fd, &zero, sizeof zero);
        }
      _exit (0);
    }

  close (report[1]);
  report[1] = -1;
  close (exec_pipe[1]);
  exec_pipe[1] = -1;

  while (waitpid (middle, NULL, 0) < 0 && errno == EINTR)
    ;

  do
    n = read (report[0], &helper, sizeof helper);
  while (n < 0 && errno == EINTR);

  if (n != sizeof helper || helper <= 0)
    {
      g_set_error_literal (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_SPAWN,
                           _("Cannot start the helper: fork failed"));
      helper = 0;
      goto out;
    }

  /* Wait until the helper has exec'd (or failed to): from then on /proc/PID/cmdline is the
   * helper's, which is how the store tells a live helper from a reused pid.
   */
  do
    n = read (exec_pipe[0], &byte, 1);
  while (n < 0 && errno == EINTR);

out:
  if (exec_pipe[0] >= 0)
    close (exec_pipe[0]);
  if (exec_pipe[1] >= 0)
    close (exec_pipe[1]);
  if (report[0] >= 0)
    close (report[0]);
  if (report[1] >= 0)
    close (report[1]);
  if (plan.null_fd >= 0)
    close (plan.null_fd);
  close (plan.log_fd);

  return helper;
}

static void
gh_helper_launcher_finalize (GObject *object)
{
  GhHelperLauncher *self = (GhHelperLauncher *)object;

  g_clear_pointer (&self->vmm_path, g_free);

  G_OBJECT_CLASS (gh_helper_launcher_parent_class)->finalize (object);
}

static void
gh_helper_launcher_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  GhHelperLauncher *self = GH_HELPER_LAUNCHER (object);

  switch (prop_id)
    {
    case PROP_VMM_PATH:
      g_value_set_string (value, gh_helper_launcher_get_vmm_path (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_helper_launcher_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  GhHelperLauncher *self = GH_HELPER_LAUNCHER (object);

  switch (prop_id)
    {
    case PROP_VMM_PATH:
      self->vmm_path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_helper_launcher_class_init (GhHelperLauncherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gh_helper_launcher_finalize;
  object_class->get_property = gh_helper_launcher_get_property;
  object_class->set_property = gh_helper_launcher_set_property;

  properties[PROP_VMM_PATH] =
    g_param_spec_string ("vmm-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_helper_launcher_init (GhHelperLauncher *self)
{
}
