/* ctl-lifecycle.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "ctl.h"

#define CALL_TIMEOUT_MS 10000

typedef void (*ClientCall) (GhHelperClient      *client,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data);

typedef struct
{
  guint       uint_arg;
  const char *string_arg;
  const char *device_arg;
  gboolean    force_arg;
  gboolean    guest_listens;  /* out, for powerdown */
} CallArgs;

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);

  return G_SOURCE_REMOVE;
}

/* Connects to the running guest's helper, runs one typed call and waits for it, with a timeout
 * so that a wedged helper cannot hang the command line.
 */
static gboolean
call_helper (Ctl         *ctl,
             GhGuest     *guest,
             const char  *command_name,
             gpointer     call,
             CallArgs    *args,
             GError     **error)
{
  g_autofree char *control = gh_guest_dup_runtime_path (guest, GH_RUNTIME_CONTROL);
  g_autoptr(GhHelperClient) client = gh_helper_client_new (control);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;
  guint timeout_id;

  timeout_id = g_timeout_add (CALL_TIMEOUT_MS, on_timeout, cancellable);

  gh_helper_client_connect_async (client, cancellable, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ok = gh_helper_client_connect_finish (client, result, error);
  g_clear_object (&result);

  if (ok)
    {
      if (call == (gpointer) gh_helper_client_set_memory_async)
        gh_helper_client_set_memory_async (client, args->uint_arg, cancellable, on_done,
                                           &result);
      else if (call == (gpointer) gh_helper_client_set_vcpus_async)
        gh_helper_client_set_vcpus_async (client, args->uint_arg, cancellable, on_done, &result);
      else if (call == (gpointer) gh_helper_client_screendump_async)
        gh_helper_client_screendump_async (client, args->string_arg, cancellable, on_done,
                                           &result);
      else if (call == (gpointer) gh_helper_client_change_media_async)
        gh_helper_client_change_media_async (client, args->device_arg, args->string_arg,
                                             cancellable, on_done, &result);
      else if (call == (gpointer) gh_helper_client_eject_async)
        gh_helper_client_eject_async (client, args->device_arg, args->force_arg, cancellable,
                                      on_done, &result);
      else
        ((ClientCall) call) (client, cancellable, on_done, &result);

      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      if (call == (gpointer) gh_helper_client_powerdown_async)
        ok = gh_helper_client_powerdown_finish (client, result, &args->guest_listens, error);
      else
        ok = gh_helper_client_command_finish (client, result, error);
    }

  if (g_cancellable_is_cancelled (cancellable) && error && *error
      && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (error);
      g_set_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_CLOSED,
                   _("The helper did not answer %s within %u seconds"), command_name,
                   CALL_TIMEOUT_MS / 1000);
    }
  else
    g_source_remove (timeout_id);

  gh_helper_client_close (client);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);

  return ok;
}

static void
print_done (const char *command,
            const char *name,
            guint       value)
{
  if (g_str_equal (command, "pause"))
    g_print (_("Guest “%s” paused\n"), name);
  else if (g_str_equal (command, "resume"))
    g_print (_("Guest “%s” resumed\n"), name);
  else if (g_str_equal (command, "shutdown"))
    g_print (_("Guest “%s” is being shut down\n"), name);
  else if (g_str_equal (command, "reboot"))
    g_print (_("Guest “%s” is being rebooted\n"), name);
  else if (g_str_equal (command, "mem-set"))
    g_print (_("Guest “%s”: memory target set to %u MiB\n"), name, value);
  else if (g_str_equal (command, "vcpu-set"))
    g_print (_("Guest “%s”: %u vCPUs\n"), name, value);
}

/* Commands whose VMM side lands later: a helper without the command says CommandNotFound, and
 * the user hears exactly that, in one line, with a non-zero status.
 */
static int
run_simple (Ctl        *ctl,
            const char *command,
            const char *vmm_command,
            const char *feature,
            int         argc,
            char      **argv,
            const char *summary,
            gpointer    call)
{
  g_autoptr(GError) error = NULL;
  CallArgs args = { 0, };
  GhGuest *guest;

  if (!ctl_parse_options (command, "NAME", summary, NULL, &argc, &argv, 1))
    return 2;

  if (!(guest = ctl_lookup_running (ctl, argv[1])))
    return EXIT_FAILURE;

  if (!call_helper (ctl, guest, command, call, &args, &error))
    {
      if (g_error_matches (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_COMMAND_NOT_FOUND))
        {
          g_autofree char *message =
            g_strdup_printf (_("%s is not available yet: this guesthouse-vmm has no “%s” "
                               "command (%s)"), command, vmm_command, feature);
          return ctl_fail_literal (argv[1], message);
        }
      return ctl_fail (argv[1], error);
    }

  if (!ctl->json)
    print_done (command, argv[1], 0);

  /* The press is delivered and kept, so this is no failure; but nothing may come of it. */
  if (call == (gpointer) gh_helper_client_powerdown_async && !args.guest_listens)
    g_printerr (_("guesthouse-ctl: guest “%s”: warning: the guest is not listening to the power "
                  "button (it is still in its firmware, or has no ACPI); it may not shut down\n"),
                argv[1]);

  return EXIT_SUCCESS;
}

int
ctl_cmd_start (Ctl   *ctl,
               int    argc,
               char **argv)
{
  g_autoptr(GError) error = NULL;
  GhGuest *guest;

  if (!ctl_parse_options ("start", "NAME", _("Start a guest."), NULL, &argc, &argv, 1))
    return 2;

  if (!gh_guest_store_start (ctl->store, argv[1], NULL, &error))
    return ctl_fail (argv[1], error);

  guest = gh_guest_store_lookup (ctl->store, argv[1]);
  if (ctl->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_string_member (object, "name", argv[1]);
      json_object_set_int_member (object, "id", gh_guest_get_domain_id (guest));
      json_object_set_int_member (object, "pid", gh_guest_get_pid (guest));
      json_node_set_object (root, object);
      ctl_print_json (root);
    }
  else
    g_print (_("Guest “%s” started (domain id %u)\n"), argv[1], gh_guest_get_domain_id (guest));

  return EXIT_SUCCESS;
}

int
ctl_cmd_destroy (Ctl   *ctl,
                 int    argc,
                 char **argv)
{
  g_autoptr(GError) error = NULL;

  if (!ctl_parse_options ("destroy", "NAME", _("Stop a guest at once, as pulling the plug "
                                               "would."), NULL, &argc, &argv, 1))
    return 2;

  if (!gh_guest_store_destroy (ctl->store, argv[1], NULL, &error))
    return ctl_fail (argv[1], error);

  if (!ctl->json)
    g_print (_("Guest “%s” destroyed\n"), argv[1]);

  return EXIT_SUCCESS;
}

int
ctl_cmd_pause (Ctl   *ctl,
               int    argc,
               char **argv)
{
  return run_simple (ctl, "pause", GH_PROTOCOL_CMD_STOP, "", argc, argv,
                     _("Pause a guest's vCPUs."), gh_helper_client_pause_async);
}

int
ctl_cmd_resume (Ctl   *ctl,
                int    argc,
                char **argv)
{
  return run_simple (ctl, "resume", GH_PROTOCOL_CMD_CONT, "", argc, argv,
                     _("Resume a paused guest."), gh_helper_client_resume_async);
}

int
ctl_cmd_shutdown (Ctl   *ctl,
                  int    argc,
                  char **argv)
{
  return run_simple (ctl, "shutdown", GH_PROTOCOL_CMD_SYSTEM_POWERDOWN,
                     _("it comes with the ACPI power button"), argc, argv,
                     _("Ask a guest to power off (ACPI power button)."),
                     gh_helper_client_powerdown_async);
}

int
ctl_cmd_reboot (Ctl   *ctl,
                int    argc,
                char **argv)
{
  return run_simple (ctl, "reboot", GH_PROTOCOL_CMD_SYSTEM_RESET,
                     _("it comes with system reset support"), argc, argv,
                     _("Reset a guest."), gh_helper_client_reset_async);
}

static int
run_with_uint (Ctl        *ctl,
               const char *command,
               const char *vmm_command,
               const char *feature,
               int         argc,
               char      **argv,
               const char *parameters,
               const char *summary,
               gpointer    call,
               guint       (*get_max) (GhGuestConfig *),
               guint       minimum)
{
  g_autoptr(GError) error = NULL;
  GhGuestConfig *config;
  GhGuest *guest;
  CallArgs args = { 0, };
  guint64 value;

  if (!ctl_parse_options (command, parameters, summary, NULL, &argc, &argv, 2))
    return 2;

  if (!g_ascii_string_to_unsigned (argv[2], 10, 0, G_MAXUINT, &value, NULL))
    return ctl_usage_error (command, _("The value must be a whole number"));

  if (!(guest = ctl_lookup_running (ctl, argv[1])))
    return EXIT_FAILURE;

  config = gh_guest_get_config (guest);
  if (config == NULL)
    return ctl_fail (argv[1], gh_guest_get_config_error (guest));

  if (value > get_max (config))
    {
      g_autofree char *message =
        g_str_equal (command, "mem-set")
        ? g_strdup_printf (_("%u MiB is above the guest's maximum memory of %u MiB"),
                           (guint) value, get_max (config))
        : g_strdup_printf (_("%u vCPUs are above the guest's maximum of %u"),
                           (guint) value, get_max (config));
      return ctl_fail_literal (argv[1], message);
    }
  if (value < minimum)
    {
      g_autofree char *message = g_strdup_printf (_("%u is below the minimum of %u"),
                                                  (guint) value, minimum);
      return ctl_fail_literal (argv[1], message);
    }

  args.uint_arg = (guint) value;
  if (!call_helper (ctl, guest, command, call, &args, &error))
    {
      if (g_error_matches (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_COMMAND_NOT_FOUND))
        {
          g_autofree char *message =
            g_strdup_printf (_("%s is not available yet: this guesthouse-vmm has no “%s” "
                               "command (%s)"), command, vmm_command, feature);
          return ctl_fail_literal (argv[1], message);
        }
      return ctl_fail (argv[1], error);
    }

  if (!ctl->json)
    print_done (command, argv[1], (guint) value);

  return EXIT_SUCCESS;
}

int
ctl_cmd_mem_set (Ctl   *ctl,
                 int    argc,
                 char **argv)
{
  return run_with_uint (ctl, "mem-set", GH_PROTOCOL_CMD_BALLOON,
                        _("it comes with virtio-balloon"), argc, argv, "NAME MIB",
                        _("Set a running guest's memory through the balloon."),
                        gh_helper_client_set_memory_async, gh_guest_config_get_max_memory_mib,
                        GH_GUEST_MEMORY_MIN_MIB);
}

int
ctl_cmd_vcpu_set (Ctl   *ctl,
                  int    argc,
                  char **argv)
{
  return run_with_uint (ctl, "vcpu-set", GH_PROTOCOL_CMD_SET_VCPUS,
                        _("it comes with ACPI CPU hotplug"), argc, argv, "NAME N",
                        _("Set a running guest's vCPU count (hotplug)."),
                        gh_helper_client_set_vcpus_async, gh_guest_config_get_max_vcpus, 1);
}

int
ctl_cmd_screenshot (Ctl   *ctl,
                    int    argc,
                    char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  CallArgs args = { 0, };
  GhGuest *guest;

  if (!ctl_parse_options ("screenshot", "NAME FILE.png", _("Save a guest's screen as PNG."),
                          NULL, &argc, &argv, 2))
    return 2;

  if (!(guest = ctl_lookup_running (ctl, argv[1])))
    return EXIT_FAILURE;

  /* The helper writes the file itself and runs in another folder. */
  path = g_canonicalize_filename (argv[2], NULL);
  args.string_arg = path;
  if (!call_helper (ctl, guest, "screenshot", gh_helper_client_screendump_async, &args, &error))
    {
      if (g_error_matches (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_COMMAND_NOT_FOUND))
        return ctl_fail_literal (argv[1], _("screenshot is not available yet: this "
                                            "guesthouse-vmm has no “screendump” command"));
      return ctl_fail (argv[1], error);
    }

  if (!ctl->json)
    g_print (_("Saved the screen of guest “%s” to %s\n"), argv[1], path);

  return EXIT_SUCCESS;
}

/* change-media: the running guest gets the medium at once, and the configuration names it so
 * that the next start has it too; an eject empties the drive in both.
 */
int
ctl_cmd_change_media (Ctl   *ctl,
                      int    argc,
                      char **argv)
{
  gboolean eject = FALSE;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "eject", 0, 0, G_OPTION_ARG_NONE, &eject,
      N_("Take the medium out, leaving the drive empty"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("With --eject: eject even though the guest locked the tray"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GhGuestConfig) updated = NULL;
  g_autofree char *path = NULL;
  GhGuestConfig *config;
  const GhDisk *disk;
  CallArgs args = { 0, };
  GhGuest *guest;
  gboolean live;
  guint index;

  /* The number of arguments depends on --eject, which the parser has not seen yet. */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--eject"))
      eject = TRUE;

  if (!ctl_parse_options ("change-media", "NAME DEVICE {FILE | --eject [--force]}",
                          _("Put another CD image in a guest's CD-ROM drive (cdrom0, …), or "
                            "take it out."), entries, &argc, &argv, eject ? 2 : 3))
    return 2;

  if (force && !eject)
    return ctl_usage_error ("change-media", _("--force goes with --eject"));

  if (!(guest = ctl_lookup (ctl, argv[1])))
    return EXIT_FAILURE;

  if (!(config = gh_guest_get_config (guest)))
    return ctl_fail (argv[1], gh_guest_get_config_error (guest));

  if (!gh_guest_config_lookup_drive (config, argv[2], &index))
    {
      g_autofree char *message = g_strdup_printf (_("The guest has no drive “%s”"), argv[2]);
      return ctl_fail_literal (argv[1], message);
    }

  disk = gh_guest_config_get_disk (config, index);
  if (disk->media != GH_DISK_MEDIA_CDROM)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a CD-ROM drive"), argv[2]);
      return ctl_fail_literal (argv[1], message);
    }

  live = gh_guest_is_active (guest);

  if (!eject)
    {
      /* The helper opens the file itself, from another folder. */
      path = g_canonicalize_filename (argv[3], NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *message = g_strdup_printf (_("%s is not a file"), path);
          return ctl_fail_literal (argv[1], message);
        }
    }

  /* Checked before the guest sees the change, so the two never disagree. */
  updated = gh_guest_config_copy (config, NULL);
  gh_guest_config_set_disk_path (updated, index, path);
  if (!gh_guest_config_validate (updated, &error))
    return ctl_fail (argv[1], error);

  if (live)
    {
      args.device_arg = argv[2];
      args.string_arg = path;
      args.force_arg = force;
      if (!call_helper (ctl, guest, "change-media",
                        eject ? (gpointer) gh_helper_client_eject_async
                              : (gpointer) gh_helper_client_change_media_async,
                        &args, &error))
        {
          if (g_error_matches (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_COMMAND_NOT_FOUND))
            {
              g_autofree char *message =
                g_strdup_printf (_("change-media is not available yet: this guesthouse-vmm "
                                   "has no “%s” command"),
                                 eject ? GH_PROTOCOL_CMD_EJECT : GH_PROTOCOL_CMD_CHANGE);
              return ctl_fail_literal (argv[1], message);
            }
          return ctl_fail (argv[1], error);
        }
    }

  if (!gh_guest_store_update (ctl->store, updated, &error))
    return ctl_fail (argv[1], error);

  if (ctl->json)
    return EXIT_SUCCESS;

  if (eject && live)
    g_print (_("Guest “%s”: %s ejected; the drive stays empty at the next start\n"),
             argv[1], argv[2]);
  else if (eject)
    g_print (_("Guest “%s”: %s will be empty from the next start\n"), argv[1], argv[2]);
  else if (live)
    g_print (_("Guest “%s”: %s now holds %s\n"), argv[1], argv[2], path);
  else
    g_print (_("Guest “%s”: %s will hold %s from the next start\n"), argv[1], argv[2], path);

  return EXIT_SUCCESS;
}
