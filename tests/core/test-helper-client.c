/* test-helper-client.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "gh-test-utils.h"

typedef struct
{
  char           *root;
  char           *control;
  GSubprocess    *helper;
  GhHelperClient *client;
  GPtrArray      *events;
  GPtrArray      *event_data;
  char           *iso;
  char           *other_iso;
  guint           timeout_id;
} Fixture;

static gboolean
on_timeout (gpointer user_data)
{
  g_test_fail_printf ("timed out");
  g_assert_not_reached ();
}

/* @data: NULL, or a "VARIABLE=value" for the fake helper's environment */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *disk = NULL;

  f->root = gh_test_make_root ();
  f->control = g_build_filename (f->root, "control", NULL);
  f->iso = g_build_filename (f->root, "install.iso", NULL);
  f->other_iso = g_build_filename (f->root, "drivers.iso", NULL);
  disk = g_build_filename (f->root, "disk.img", NULL);
  g_assert_true (g_file_set_contents (f->iso, "", 0, NULL));
  g_assert_true (g_file_set_contents (f->other_iso, "", 0, NULL));
  g_assert_true (g_file_set_contents (disk, "", 0, NULL));
  serial = g_build_filename (f->root, "serial", NULL);
  {
    g_autofree char *control_spec = g_strconcat ("unix:", f->control, NULL);
    g_autofree char *serial_spec = g_strconcat ("pty:", serial, NULL);
    g_autofree char *cdrom_spec = g_strdup_printf ("path=%s,readonly=on,media=cdrom,bus=ide",
                                                   f->iso);
    g_autofree char *disk_spec = g_strdup_printf ("path=%s,bus=virtio", disk);
    /* Silenced: a helper left behind by a failed assertion must not hold the TAP pipe. */
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                 | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

    if (data != NULL)
      {
        g_auto(GStrv) variable = g_strsplit (data, "=", 2);
        g_subprocess_launcher_setenv (launcher, variable[0], variable[1], TRUE);
      }

    f->helper = g_subprocess_launcher_spawn (launcher, &error, FAKE_VMM_PATH,
                                             "--name", "web",
                                             "--uuid", "6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b",
                                             "--memory", "128", "--max-memory", "256",
                                             "--vcpus", "1", "--max-vcpus", "4",
                                             "--disk", cdrom_spec, "--disk", disk_spec,
                                             "--serial", serial_spec, "--control", control_spec,
                                             NULL);
  }
  g_assert_no_error (error);

  /* The socket file appears at bind(), before listen(): wait until it answers. */
  for (guint i = 0; i < 500; i++)
    {
      g_autoptr(GSocketClient) probe = g_socket_client_new ();
      g_autoptr(GSocketAddress) address = g_unix_socket_address_new (f->control);
      g_autoptr(GSocketConnection) connection =
        g_socket_client_connect (probe, G_SOCKET_CONNECTABLE (address), NULL, NULL);

      if (connection != NULL)
        break;
      g_usleep (10000);
    }

  f->client = gh_helper_client_new (f->control);
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->event_data = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  f->timeout_id = g_timeout_add_seconds (20, on_timeout, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gh_helper_client_close (f->client);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (f->client);

  g_subprocess_force_exit (f->helper);
  g_subprocess_wait (f->helper, NULL, NULL);
  g_clear_object (&f->helper);
  g_source_remove (f->timeout_id);
  g_ptr_array_unref (f->events);
  g_ptr_array_unref (f->event_data);
  gh_test_remove_root (f->root);
  g_free (f->iso);
  g_free (f->other_iso);
  g_free (f->root);
  g_free (f->control);
}

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

static void
on_event (GhHelperClient *client,
          const char     *name,
          JsonObject     *data,
          Fixture        *f)
{
  g_ptr_array_add (f->events, g_strdup (name));
  g_ptr_array_add (f->event_data, json_object_ref (data));
}

static void
wait_for_events (Fixture *f,
                 guint    n)
{
  while (f->events->len < n)
    g_main_context_iteration (NULL, TRUE);
}

static void
connect_client (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  gh_helper_client_connect_async (f->client, NULL, on_done, &result);
  g_assert_true (gh_helper_client_connect_finish (f->client, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_true (gh_helper_client_get_connected (f->client));
  g_assert_cmpstr (gh_helper_client_get_version (f->client), ==, "0.1.0-fake");
}

static void
test_new_destroy (void)
{
  GhHelperClient *client = gh_helper_client_new ("/nonexistent/control");

  g_assert_cmpstr (gh_helper_client_get_socket_path (client), ==, "/nonexistent/control");
  g_assert_false (gh_helper_client_get_connected (client));
  g_assert_finalize_object (client);
}

static void
test_connect_fails (void)
{
  g_autoptr(GhHelperClient) client = gh_helper_client_new ("/nonexistent/control");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  gh_helper_client_connect_async (client, NULL, on_done, &result);
  g_assert_false (gh_helper_client_connect_finish (client, wait_for (&result), &error));
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_CLOSED);
  g_assert_nonnull (strstr (error->message, "/nonexistent/control"));
}

static void
test_status_pause_resume (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GAsyncResult) r4 = NULL;
  g_autoptr(GError) error = NULL;
  GhGuestState state = GH_GUEST_STATE_SHUT_OFF;

  connect_client (f);
  g_signal_connect (f->client, "event", G_CALLBACK (on_event), f);

  gh_helper_client_query_status_async (f->client, NULL, on_done, &r1);
  g_assert_true (gh_helper_client_query_status_finish (f->client, wait_for (&r1), &state,
                                                       &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, GH_GUEST_STATE_RUNNING);

  /* Pipelined: two commands sent before either reply. */
  gh_helper_client_pause_async (f->client, NULL, on_done, &r2);
  gh_helper_client_query_status_async (f->client, NULL, on_done, &r3);
  g_assert_true (gh_helper_client_command_finish (f->client, wait_for (&r2), &error));
  g_assert_true (gh_helper_client_query_status_finish (f->client, wait_for (&r3), &state,
                                                       &error));
  g_assert_cmpint (state, ==, GH_GUEST_STATE_PAUSED);

  gh_helper_client_resume_async (f->client, NULL, on_done, &r4);
  g_assert_true (gh_helper_client_command_finish (f->client, wait_for (&r4), &error));
  while (f->events->len < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (f->events->pdata[0], ==, "STOP");
  g_assert_cmpstr (f->events->pdata[1], ==, "RESUME");
}

static void
test_queries (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autofree char *pty = NULL;

  connect_client (f);

  gh_helper_client_query_guest_async (f->client, NULL, on_done, &r1);
  info = gh_helper_client_query_guest_finish (f->client, wait_for (&r1), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (info, "name"), ==, "web");
  g_assert_cmpint (json_object_get_int_member (info, "max-memory-mib"), ==, 256);

  gh_helper_client_query_serial_async (f->client, NULL, on_done, &r2);
  pty = gh_helper_client_query_serial_finish (f->client, wait_for (&r2), &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (pty, "/dev/pts/"));
}

static void
test_missing_command (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;

  connect_client (f);

  /* What "shutdown" and "mem-set" meet from a VMM without these commands. */
  gh_helper_client_powerdown_async (f->client, NULL, on_done, &r1);
  g_assert_false (gh_helper_client_command_finish (f->client, wait_for (&r1), &error));
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_COMMAND_NOT_FOUND);
  g_clear_error (&error);

  gh_helper_client_set_memory_async (f->client, 128, NULL, on_done, &r2);
  g_assert_false (gh_helper_client_command_finish (f->client, wait_for (&r2), &error));
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_COMMAND_NOT_FOUND);
  g_assert_true (gh_helper_client_get_connected (f->client));
}

static void
on_closed (GhHelperClient *client,
           gboolean       *closed)
{
  *closed = TRUE;
}

static void
test_quit (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GError) error = NULL;
  gboolean closed = FALSE;

  connect_client (f);
  g_signal_connect (f->client, "event::SHUTDOWN", G_CALLBACK (on_event), f);
  g_signal_connect (f->client, "closed", G_CALLBACK (on_closed), &closed);

  gh_helper_client_quit_async (f->client, NULL, on_done, &r1);
  g_assert_true (gh_helper_client_command_finish (f->client, wait_for (&r1), &error));
  g_assert_no_error (error);

  while (!closed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpstr (f->events->pdata[0], ==, "SHUTDOWN");
  g_assert_false (gh_helper_client_get_connected (f->client));
  g_assert_true (g_subprocess_wait_check (f->helper, NULL, &error));
}

static void
test_vcpus (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GAsyncResult) r4 = NULL;
  g_autoptr(GError) error = NULL;
  guint enabled = 0, possible = 0;

  connect_client (f);
  g_signal_connect (f->client, "event::" GH_PROTOCOL_EVENT_VCPUS_CHANGED, G_CALLBACK (on_event), f);

  gh_helper_client_query_vcpus_async (f->client, NULL, on_done, &r1);
  g_assert_true (gh_helper_client_query_vcpus_finish (f->client, wait_for (&r1), &enabled,
                                                      &possible, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (enabled, ==, 1);
  g_assert_cmpuint (possible, ==, 4);

  gh_helper_client_set_vcpus_async (f->client, 3, NULL, on_done, &r2);
  g_assert_true (gh_helper_client_command_finish (f->client, wait_for (&r2), &error));
  g_assert_no_error (error);
  wait_for_events (f, 1);
  g_assert_cmpstr (f->events->pdata[0], ==, "VCPUS_CHANGED");
  g_assert_cmpint (json_object_get_int_member (f->event_data->pdata[0], "enabled"), ==, 3);

  gh_helper_client_query_vcpus_async (f->client, NULL, on_done, &r3);
  g_assert_true (gh_helper_client_query_vcpus_finish (f->client, wait_for (&r3), &enabled,
                                                      NULL, &error));
  g_assert_cmpuint (enabled, ==, 3);

  /* Above the maximum: refused, naming the limit; nothing changes. */
  gh_helper_client_set_vcpus_async (f->client, 5, NULL, on_done, &r4);
  g_assert_false (gh_helper_client_command_finish (f->client, wait_for (&r4), &error));
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "4"));
  g_assert_cmpuint (f->events->len, ==, 1);
}

static void
test_powerdown (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GError) error = NULL;
  gboolean listens = FALSE;
  gboolean closed = FALSE;

  connect_client (f);
  g_signal_connect (f->client, "event::SHUTDOWN", G_CALLBACK (on_event), f);
  g_signal_connect (f->client, "closed", G_CALLBACK (on_closed), &closed);

  gh_helper_client_powerdown_async (f->client, NULL, on_done, &r1);
  g_assert_true (gh_helper_client_powerdown_finish (f->client, wait_for (&r1), &listens, &error));
  g_assert_no_error (error);
  g_assert_true (listens);

  while (!closed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (f->event_data->pdata[0], "reason"), ==,
                   "guest-shutdown");
}

static void
test_powerdown_deaf (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;
  gboolean listens = TRUE;
  GhGuestState state = GH_GUEST_STATE_SHUT_OFF;

  connect_client (f);

  gh_helper_client_powerdown_async (f->client, NULL, on_done, &r1);
  g_assert_true (gh_helper_client_powerdown_finish (f->client, wait_for (&r1), &listens, &error));
  g_assert_no_error (error);
  g_assert_false (listens);

  /* The press was kept, the guest runs on. */
  gh_helper_client_query_status_async (f->client, NULL, on_done, &r2);
  g_assert_true (gh_helper_client_query_status_finish (f->client, wait_for (&r2), &state,
                                                       &error));
  g_assert_cmpint (state, ==, GH_GUEST_STATE_RUNNING);
}

static GPtrArray *
query_block (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *devices;

  gh_helper_client_query_block_async (f->client, NULL, on_done, &result);
  devices = gh_helper_client_query_block_finish (f->client, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (devices);

  return devices;
}

static gboolean
run_media_command (Fixture     *f,
                   const char  *device,
                   const char  *filename,
                   gboolean     force,
                   GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (filename != NULL)
    gh_helper_client_change_media_async (f->client, device, filename, NULL, on_done, &result);
  else
    gh_helper_client_eject_async (f->client, device, force, NULL, on_done, &result);

  return gh_helper_client_command_finish (f->client, wait_for (&result), error);
}

static void
test_block (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) ejected = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->root, "missing.iso", NULL);
  GhBlockDevice *cdrom, *disk;

  connect_client (f);
  g_signal_connect (f->client, "event::" GH_PROTOCOL_EVENT_TRAY_MOVED, G_CALLBACK (on_event), f);

  before = query_block (f);
  g_assert_cmpuint (before->len, ==, 2);
  cdrom = before->pdata[0];
  disk = before->pdata[1];
  g_assert_cmpstr (cdrom->device, ==, "cdrom0");
  g_assert_cmpint (cdrom->media, ==, GH_DISK_MEDIA_CDROM);
  g_assert_cmpint (cdrom->bus, ==, GH_DISK_BUS_IDE);
  g_assert_cmpstr (cdrom->file, ==, f->iso);
  g_assert_true (cdrom->inserted);
  g_assert_true (cdrom->read_only);
  g_assert_false (cdrom->tray_open);
  g_assert_cmpstr (disk->device, ==, "disk0");
  g_assert_cmpint (disk->media, ==, GH_DISK_MEDIA_DISK);
  g_assert_cmpint (disk->bus, ==, GH_DISK_BUS_VIRTIO);
  g_assert_true (disk->inserted);
  g_assert_false (disk->read_only);

  g_assert_true (run_media_command (f, "cdrom0", NULL, FALSE, &error));
  g_assert_no_error (error);
  wait_for_events (f, 1);
  g_assert_cmpstr (json_object_get_string_member (f->event_data->pdata[0], "device"), ==,
                   "cdrom0");
  g_assert_true (json_object_get_boolean_member (f->event_data->pdata[0], "tray-open"));
  ejected = query_block (f);
  cdrom = ejected->pdata[0];
  g_assert_null (cdrom->file);
  g_assert_false (cdrom->inserted);
  g_assert_true (cdrom->tray_open);

  g_assert_true (run_media_command (f, "cdrom0", f->other_iso, FALSE, &error));
  g_assert_no_error (error);
  wait_for_events (f, 2);
  g_assert_false (json_object_get_boolean_member (f->event_data->pdata[1], "tray-open"));
  changed = query_block (f);
  cdrom = changed->pdata[0];
  g_assert_cmpstr (cdrom->file, ==, f->other_iso);
  g_assert_true (cdrom->inserted);
  g_assert_false (cdrom->tray_open);

  /* Each mistake is refused with its own error, and the connection stays. */
  g_assert_false (run_media_command (f, "cdrom0", missing, FALSE, &error));
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_GENERIC);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);
  g_assert_false (run_media_command (f, "disk0", NULL, FALSE, &error));
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (run_media_command (f, "cdrom7", f->iso, FALSE, &error));
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_DEVICE_NOT_FOUND);
  g_assert_true (gh_helper_client_get_connected (f->client));
}

static void
test_locked_tray (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GError) error = NULL;

  connect_client (f);

  g_assert_false (run_media_command (f, "cdrom0", NULL, FALSE, &error));
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_GENERIC);
  g_assert_nonnull (strstr (error->message, "locked"));
  g_clear_error (&error);
  devices = query_block (f);
  g_assert_true (((GhBlockDevice *) devices->pdata[0])->locked);
  g_assert_cmpstr (((GhBlockDevice *) devices->pdata[0])->file, ==, f->iso);
  g_clear_pointer (&devices, g_ptr_array_unref);

  g_assert_true (run_media_command (f, "cdrom0", NULL, TRUE, &error));
  g_assert_no_error (error);
  devices = query_block (f);
  g_assert_false (((GhBlockDevice *) devices->pdata[0])->inserted);
}

static void
test_execute_sync (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) missing = NULL;

  reply = gh_helper_client_execute_sync (f->control, GH_PROTOCOL_CMD_QUERY_STATUS, NULL, 5000,
                                         &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "status"), ==,
                   "running");

  missing = gh_helper_client_execute_sync ("/nonexistent", GH_PROTOCOL_CMD_QUERY_STATUS, NULL,
                                           1000, &error);
  g_assert_null (missing);
  g_assert_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_CLOSED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/helper-client/new-destroy", test_new_destroy);
  g_test_add_func ("/core/helper-client/connect-fails", test_connect_fails);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/core/helper-client/status-pause-resume", test_status_pause_resume);
  ADD ("/core/helper-client/queries", test_queries);
#define ADD_WITH(path, env, func) \
  g_test_add (path, Fixture, env, fixture_setup, func, fixture_teardown)
  ADD_WITH ("/core/helper-client/missing-command", "FAKE_VMM_OMIT=system_powerdown",
            test_missing_command);
  ADD ("/core/helper-client/vcpus", test_vcpus);
  ADD ("/core/helper-client/powerdown", test_powerdown);
  ADD_WITH ("/core/helper-client/powerdown-deaf", "FAKE_VMM_DEAF=1", test_powerdown_deaf);
  ADD ("/core/helper-client/block", test_block);
  ADD_WITH ("/core/helper-client/locked-tray", "FAKE_VMM_TRAY_LOCKED=1", test_locked_tray);
  ADD ("/core/helper-client/quit", test_quit);
  ADD ("/core/helper-client/execute-sync", test_execute_sync);
#undef ADD_WITH
#undef ADD

  return g_test_run ();
}
