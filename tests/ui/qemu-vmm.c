/* qemu-vmm.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A stand-in for guesthouse-vmm in the UI tests, backed by QEMU (TCG), for the parts of the
 * helper that guesthouse-vmm does not have yet: a VNC display on the runtime folder's display
 * socket, virtio-balloon and the power commands. It takes the command line the core builds
 * for guesthouse-vmm, runs the guest on qemu-system-x86_64 with a standard VGA, its first
 * serial port on a pty and QMP on a private socket, and serves the control protocol
 * (docs/control-protocol.md) by passing commands through to QMP, which it is modelled on.
 * Only "query-guest" is answered here.
 *
 * Environment:
 *   GH_TEST_QEMU          the QEMU program (default qemu-system-x86_64)
 *   GH_TEST_VMM_LOG       append every control command received there, one JSON line each
 *   GH_TEST_VMM_LIFETIME  stop after this many seconds whatever happens (default 300), so a
 *                         crashed test never leaves a guest behind
 *
 * Exit status: QEMU's, or 1 with one line on stderr when it cannot start.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

typedef struct
{
  GSocketConnection *connection;
  GDataInputStream  *input;
  GOutputStream     *output;
  GCancellable      *cancellable;
} Client;

typedef struct
{
  Client   *client;       /* NULL once the client went away */
  JsonNode *id;           /* the client's own id, or NULL */
} Pending;

static GMainLoop *loop;
static GList *clients;
static GHashTable *pending;  /* internal id → Pending */
static gint64 next_id;
static GSocketConnection *qmp;
static GDataInputStream *qmp_input;
static GPid qemu_pid;
static int exit_status = 1;

static char *opt_name;
static char *opt_uuid;
static int opt_memory = 256;
static int opt_max_memory;
static int opt_vcpus = 1;
static int opt_max_vcpus;
static char *opt_kernel;
static char *opt_initrd;
static char *opt_cmdline;
static char *opt_firmware;
static char *opt_boot;
static char **opt_disks;
static char **opt_nics;
static char *opt_display;
static char *opt_serial;
static char *opt_control;

static int
fail (const char *message)
{
  g_printerr ("qemu-vmm: %s\n", message);
  if (qemu_pid > 0)
    kill (qemu_pid, SIGKILL);
  return 1;
}

static void
write_line (GOutputStream *output,
            JsonObject    *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  line = g_strconcat (text, "\n", NULL);
  g_output_stream_write_all (output, line, strlen (line), NULL, NULL, NULL);
}

static void
log_command (const char *line)
{
  const char *path = g_getenv ("GH_TEST_VMM_LOG");
  FILE *file;

  if (path == NULL || (file = fopen (path, "a")) == NULL)
    return;
  fprintf (file, "%s\n", line);
  fclose (file);
}

/* The QEMU side */

static void read_qmp (void);

static void
on_qmp_line (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *line = NULL;
  JsonObject *message;

  line = g_data_input_stream_read_line_finish_utf8 (qmp_input, result, NULL, NULL);
  if (line == NULL)
    return;  /* QEMU is exiting; the child watch ends the loop */

  if (!json_parser_load_from_data (parser, line, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      read_qmp ();
      return;
    }
  message = json_node_get_object (json_parser_get_root (parser));

  if (json_object_has_member (message, "event"))
    {
      for (GList *l = clients; l; l = l->next)
        write_line (((Client *) l->data)->output, message);
    }
  else if (json_object_has_member (message, "id"))
    {
      gint64 id = json_object_get_int_member (message, "id");
      Pending *p = g_hash_table_lookup (pending, &id);

      if (p != NULL)
        {
          json_object_remove_member (message, "id");
          if (p->id != NULL)
            json_object_set_member (message, "id", json_node_copy (p->id));
          if (p->client != NULL)
            write_line (p->client->output, message);
          g_hash_table_remove (pending, &id);
        }
    }

  read_qmp ();
}

static void
read_qmp (void)
{
  g_data_input_stream_read_line_async (qmp_input, G_PRIORITY_DEFAULT, NULL, on_qmp_line, NULL);
}

static JsonObject *
qmp_call_sync (const char  *command,
               GError     **error)
{
  g_autofree char *request = g_strdup_printf ("{\"execute\": \"%s\"}\n", command);
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (qmp));

  if (!g_output_stream_write_all (output, request, strlen (request), NULL, NULL, error))
    return NULL;

  for (;;)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *line = g_data_input_stream_read_line_utf8 (qmp_input, NULL, NULL, error);
      JsonObject *message;

      if (line == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "QMP closed");
          return NULL;
        }
      if (!json_parser_load_from_data (parser, line, -1, error))
        return NULL;
      message = json_node_get_object (json_parser_get_root (parser));
      if (json_object_has_member (message, "event"))
        continue;
      if (!json_object_has_member (message, "return"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "QMP %s failed: %s", command, line);
          return NULL;
        }
      return json_object_ref (message);
    }
}

static char *
find_serial_pty (GError **error)
{
  g_autoptr(JsonObject) reply = qmp_call_sync ("query-chardev", error);
  JsonArray *array;

  if (reply == NULL)
    return NULL;

  array = json_object_get_array_member (reply, "return");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      const char *label = json_object_get_string_member_with_default (item, "label", "");
      const char *filename = json_object_get_string_member_with_default (item, "filename", "");

      if (g_str_equal (label, "serial0") && g_str_has_prefix (filename, "pty:"))
        return g_strdup (filename + 4);
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "QEMU made no serial pty");
  return NULL;
}

static gboolean
connect_qmp (const char  *path,
             GError     **error)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autofree char *greeting = NULL;
  g_autoptr(JsonObject) reply = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      int status;

      qmp = g_socket_client_connect (socket_client, G_SOCKET_CONNECTABLE (address), NULL,
                                     &local_error);
      if (qmp != NULL)
        break;

      if (waitpid (qemu_pid, &status, WNOHANG) == qemu_pid)
        {
          qemu_pid = 0;
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "QEMU exited while starting");
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_usleep (20 * 1000);
    }

  qmp_input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (qmp)));
  g_data_input_stream_set_newline_type (qmp_input, G_DATA_STREAM_NEWLINE_TYPE_ANY);

  if (!(greeting = g_data_input_stream_read_line_utf8 (qmp_input, NULL, NULL, error)))
    return FALSE;

  reply = qmp_call_sync ("qmp_capabilities", error);

  return reply != NULL;
}

/* The control side */

static void
client_free (Client *client)
{
  GHashTableIter iter;
  Pending *p;

  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &p))
    if (p->client == client)
      p->client = NULL;

  g_cancellable_cancel (client->cancellable);
  g_clear_object (&client->cancellable);
  g_clear_object (&client->input);
  g_clear_object (&client->connection);
  g_free (client);
}

static void
pending_free (Pending *p)
{
  g_clear_pointer (&p->id, json_node_unref);
  g_free (p);
}

static JsonNode *
query_guest (void)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "name", opt_name);
  json_object_set_string_member (object, "uuid", opt_uuid ? opt_uuid : "");
  json_object_set_int_member (object, "pid", getpid ());
  json_object_set_int_member (object, "memory-mib", opt_memory);
  json_object_set_int_member (object, "max-memory-mib", MAX (opt_memory, opt_max_memory));
  json_object_set_int_member (object, "vcpus", opt_vcpus);
  json_object_set_int_member (object, "max-vcpus", MAX (opt_vcpus, opt_max_vcpus));
  json_node_take_object (node, object);

  return node;
}

static void
handle_command (Client     *client,
                JsonObject *command)
{
  const char *execute = json_object_get_string_member_with_default (command, "execute", "");
  JsonNode *id = json_object_get_member (command, "id");

  if (g_str_equal (execute, "qmp_capabilities") || g_str_equal (execute, "query-guest"))
    {
      g_autoptr(JsonObject) reply = json_object_new ();

      if (g_str_equal (execute, "query-guest"))
        json_object_set_member (reply, "return", query_guest ());
      else
        json_object_set_object_member (reply, "return", json_object_new ());
      if (id != NULL)
        json_object_set_member (reply, "id", json_node_copy (id));
      write_line (client->output, reply);
      return;
    }

  {
    g_autoptr(JsonObject) forward = json_object_new ();
    Pending *p = g_new0 (Pending, 1);
    gint64 *key = g_new (gint64, 1);
    JsonNode *arguments = json_object_get_member (command, "arguments");

    *key = ++next_id;
    p->client = client;
    p->id = id ? json_node_copy (id) : NULL;
    g_hash_table_insert (pending, key, p);

    json_object_set_string_member (forward, "execute", execute);
    if (arguments != NULL)
      json_object_set_member (forward, "arguments", json_node_copy (arguments));
    json_object_set_int_member (forward, "id", *key);
    write_line (g_io_stream_get_output_stream (G_IO_STREAM (qmp)), forward);
  }
}

static void read_client (Client *client);

static void
on_client_line (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL,
                                                    &error);
  if (line == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          clients = g_list_remove (clients, client);
          client_free (client);
        }
      return;
    }

  log_command (line);

  if (json_parser_load_from_data (parser, line, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    handle_command (client, json_node_get_object (json_parser_get_root (parser)));
  else
    {
      g_autoptr(JsonObject) reply = json_object_new ();
      g_autoptr(JsonObject) error_object = json_object_new ();

      json_object_set_string_member (error_object, "class", "GenericError");
      json_object_set_string_member (error_object, "desc", "malformed JSON");
      json_object_set_object_member (reply, "error", g_steal_pointer (&error_object));
      write_line (client->output, reply);
    }

  read_client (client);
}

static void
read_client (Client *client)
{
  g_data_input_stream_read_line_async (client->input, G_PRIORITY_DEFAULT, client->cancellable,
                                       on_client_line, client);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  Client *client = g_new0 (Client, 1);
  g_autoptr(JsonObject) greeting = json_object_new ();
  g_autoptr(JsonObject) qmp_member = json_object_new ();
  g_autoptr(JsonObject) version = json_object_new ();

  client->connection = g_object_ref (connection);
  client->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  client->output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  client->cancellable = g_cancellable_new ();
  clients = g_list_append (clients, client);

  json_object_set_string_member (version, "package", "guesthouse");
  json_object_set_string_member (version, "version", "0.1.0-qemu");
  json_object_set_object_member (qmp_member, "version", g_steal_pointer (&version));
  json_object_set_array_member (qmp_member, "capabilities", json_array_new ());
  json_object_set_object_member (greeting, "QMP", g_steal_pointer (&qmp_member));
  write_line (client->output, greeting);

  read_client (client);

  return TRUE;
}

/* Process */

static void
on_qemu_exit (GPid     pid,
              int      status,
              gpointer user_data)
{
  qemu_pid = 0;
  if (WIFEXITED (status))
    exit_status = WEXITSTATUS (status);
  else if (WIFSIGNALED (status))
    exit_status = 128 + WTERMSIG (status);
  g_spawn_close_pid (pid);
  g_main_loop_quit (loop);
}

static gboolean
on_stop_signal (gpointer user_data)
{
  if (qemu_pid > 0)
    kill (qemu_pid, SIGTERM);

  return G_SOURCE_CONTINUE;
}

static gboolean
on_lifetime_over (gpointer user_data)
{
  g_printerr ("qemu-vmm: lifetime over, stopping the guest\n");
  if (qemu_pid > 0)
    kill (qemu_pid, SIGKILL);

  return G_SOURCE_REMOVE;
}

static GStrv
build_qemu_argv (const char *qmp_path,
                 const char *vnc_path)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  const char *qemu = g_getenv ("GH_TEST_QEMU");
  g_autofree char *memory = g_strdup_printf ("%d", opt_memory);
  g_autofree char *smp = g_strdup_printf ("%d", opt_vcpus);
  g_autofree char *qmp_spec = g_strdup_printf ("unix:%s,server=on,wait=off", qmp_path);

  g_strv_builder_add_many (argv, qemu ? qemu : "qemu-system-x86_64",
                           "-accel", "tcg", "-M", "pc", "-nodefaults", "-no-user-config",
                           "-m", memory, "-smp", smp, "-serial", "pty", "-display", "none",
                           "-qmp", qmp_spec, "-device", "virtio-balloon-pci", NULL);

  if (vnc_path != NULL)
    {
      g_autofree char *vnc_spec = g_strdup_printf ("unix:%s", vnc_path);
      g_strv_builder_add_many (argv, "-vga", "std", "-vnc", vnc_spec, NULL);
    }

  if (opt_kernel != NULL)
    g_strv_builder_add_many (argv, "-kernel", opt_kernel, NULL);
  if (opt_initrd != NULL)
    g_strv_builder_add_many (argv, "-initrd", opt_initrd, NULL);
  if (opt_cmdline != NULL)
    g_strv_builder_add_many (argv, "-append", opt_cmdline, NULL);
  if (opt_firmware != NULL)
    g_strv_builder_add_many (argv, "-bios", opt_firmware, NULL);

  for (guint i = 0; opt_disks && opt_disks[i]; i++)
    {
      g_auto(GStrv) parts = g_strsplit (opt_disks[i], ",", -1);
      g_autoptr(GString) drive = g_string_new ("format=raw");

      for (guint j = 0; parts[j]; j++)
        {
          if (g_str_has_prefix (parts[j], "path="))
            g_string_append_printf (drive, ",file=%s", parts[j] + 5);
          else if (g_str_equal (parts[j], "readonly=on"))
            g_string_append (drive, ",readonly=on");
          else if (g_str_equal (parts[j], "media=cdrom"))
            g_string_append (drive, ",media=cdrom");
          else if (g_str_equal (parts[j], "bus=ide"))
            g_string_append (drive, ",if=ide");
          else if (g_str_equal (parts[j], "bus=virtio"))
            g_string_append (drive, ",if=virtio");
        }
      g_strv_builder_add_many (argv, "-drive", drive->str, NULL);
    }

  for (guint i = 0; opt_nics && opt_nics[i]; i++)
    {
      g_auto(GStrv) parts = g_strsplit (opt_nics[i], ",", -1);
      g_autofree char *netdev = g_strdup_printf ("user,id=net%u", i);
      g_autofree char *device = NULL;
      const char *mac = "";

      for (guint j = 0; parts[j]; j++)
        if (g_str_has_prefix (parts[j], "mac="))
          mac = parts[j] + 4;
      device = g_strdup_printf ("virtio-net-pci,netdev=net%u,mac=%s", i, mac);
      g_strv_builder_add_many (argv, "-netdev", netdev, "-device", device, NULL);
    }

  return g_strv_builder_end (argv);
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, NULL, NULL },
    { "uuid", 0, 0, G_OPTION_ARG_STRING, &opt_uuid, NULL, NULL },
    { "memory", 0, 0, G_OPTION_ARG_INT, &opt_memory, NULL, NULL },
    { "max-memory", 0, 0, G_OPTION_ARG_INT, &opt_max_memory, NULL, NULL },
    { "vcpus", 0, 0, G_OPTION_ARG_INT, &opt_vcpus, NULL, NULL },
    { "max-vcpus", 0, 0, G_OPTION_ARG_INT, &opt_max_vcpus, NULL, NULL },
    { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &opt_kernel, NULL, NULL },
    { "initrd", 0, 0, G_OPTION_ARG_FILENAME, &opt_initrd, NULL, NULL },
    { "cmdline", 0, 0, G_OPTION_ARG_STRING, &opt_cmdline, NULL, NULL },
    { "firmware", 0, 0, G_OPTION_ARG_FILENAME, &opt_firmware, NULL, NULL },
    { "boot", 0, 0, G_OPTION_ARG_STRING, &opt_boot, NULL, NULL },
    { "disk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_disks, NULL, NULL },
    { "nic", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_nics, NULL, NULL },
    { "display", 0, 0, G_OPTION_ARG_STRING, &opt_display, NULL, NULL },
    { "serial", 0, 0, G_OPTION_ARG_STRING, &opt_serial, NULL, NULL },
    { "control", 0, 0, G_OPTION_ARG_STRING, &opt_control, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_auto(GStrv) qemu_argv = NULL;
  g_autofree char *runtime_dir = NULL;
  g_autofree char *qmp_path = NULL;
  g_autofree char *pty = NULL;
  const char *control_path;
  const char *vnc_path = NULL;
  const char *serial_link = NULL;
  const char *lifetime;
  struct termios raw;
  int serial_hold;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (error->message);

  if (opt_name == NULL || opt_control == NULL || !g_str_has_prefix (opt_control, "unix:"))
    return fail ("--name and --control unix:PATH are needed");
  control_path = opt_control + 5;
  if (opt_display != NULL && g_str_has_prefix (opt_display, "vnc=unix:"))
    vnc_path = opt_display + strlen ("vnc=unix:");
  if (opt_serial != NULL && g_str_has_prefix (opt_serial, "pty:"))
    serial_link = opt_serial + 4;

  runtime_dir = g_path_get_dirname (control_path);
  qmp_path = g_build_filename (runtime_dir, "qmp", NULL);

  qemu_argv = build_qemu_argv (qmp_path, vnc_path);
  if (!g_spawn_async (NULL, qemu_argv, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                      | G_SPAWN_CHILD_INHERITS_STDIN,
                      NULL, NULL, &qemu_pid, &error))
    return fail (error->message);

  if (!connect_qmp (qmp_path, &error) || !(pty = find_serial_pty (&error)))
    return fail (error->message);

  if (serial_link != NULL)
    {
      g_unlink (serial_link);
      if (symlink (pty, serial_link) != 0)
        return fail (g_strerror (errno));
    }

  /* QEMU drops serial output while nobody has the pty open. A helper keeps what the guest
   * wrote until a console attaches, so hold the pty open (in raw mode, as consoles use it)
   * without reading: the output waits in the pty's buffer.
   */
  if ((serial_hold = open (pty, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
    return fail (g_strerror (errno));
  if (tcgetattr (serial_hold, &raw) == 0)
    {
      cfmakeraw (&raw);
      tcsetattr (serial_hold, TCSANOW, &raw);
    }

  loop = g_main_loop_new (NULL, FALSE);
  pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                   (GDestroyNotify) pending_free);
  g_child_watch_add (qemu_pid, on_qemu_exit, NULL);
  g_unix_signal_add (SIGTERM, on_stop_signal, NULL);
  g_unix_signal_add (SIGINT, on_stop_signal, NULL);
  lifetime = g_getenv ("GH_TEST_VMM_LIFETIME");
  g_timeout_add_seconds (lifetime ? (guint) atoi (lifetime) : 300, on_lifetime_over, NULL);

  service = g_socket_service_new ();
  address = g_unix_socket_address_new (control_path);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL,
                                      NULL, &error))
    return fail (error->message);
  g_chmod (control_path, 0600);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), NULL);
  g_socket_service_start (service);

  read_qmp ();
  g_main_loop_run (loop);

  g_socket_service_stop (service);
  close (serial_hold);
  g_unlink (control_path);
  if (serial_link != NULL)
    g_unlink (serial_link);

  return exit_status;
}
