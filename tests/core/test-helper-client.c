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
  guint           timeout_id;
} Fixture;

static gboolean
on_timeout (gpointer user_data)
{
  g_test_fail_printf ("timed out");
  g_assert_not_reached ();
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *serial = NULL;

  f->root = gh_test_make_root ();
  f->control = g_build_filename (f->root, "control", NULL);
  serial = g_build_filename (f->root, "serial", NULL);
  {
    g_autofree char *control_spec = g_strconcat ("unix:", f->control, NULL);
    g_autofree char *serial_spec = g_strconcat ("pty:", serial, NULL);

    /* Silenced: a helper left behind by a failed assertion must not hold the TAP pipe. */
    f->helper = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                  | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                  &error, FAKE_VMM_PATH,
                                  "--name", "web", "--uuid", "6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b",
                                  "--memory", "128", "--max-memory", "256",
                                  "--serial", serial_spec, "--control", control_spec, NULL);
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
  gh_test_remove_root (f->root);
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

  /* What "shutdown" and "mem-set" meet until the VMM has these commands. */
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
  ADD ("/core/helper-client/missing-command", test_missing_command);
  ADD ("/core/helper-client/quit", test_quit);
  ADD ("/core/helper-client/execute-sync", test_execute_sync);
#undef ADD

  return g_test_run ();
}
