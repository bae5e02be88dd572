/* fake-vmm.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A stand-in for guesthouse-vmm in the core's tests: same command line, same control protocol
 * (docs/control-protocol.md), a pty behind --serial pty:LINK that echoes what it is sent, and
 * no guest. It lets the client, the launcher and guesthouse-ctl's lifecycle be tested without
 * /dev/kvm; the kvm suite runs the real helper.
 *
 * Knobs, from the environment:
 *   FAKE_VMM_ARGV_FILE  write the command line there, one argument per line
 *   FAKE_VMM_FAIL       print this as the helper's one-line error and exit with status 1
 *   FAKE_VMM_NO_SOCKET  never open the control socket (a helper stuck while starting)
 *   FAKE_VMM_OMIT       a comma-separated list of commands to answer with CommandNotFound,
 *                       as a helper that does not have them yet would
 *   FAKE_VMM_DEAF       system_powerdown reports that the guest does not listen to the power
 *                       button (and nothing happens), as a guest still in its firmware would
 *   FAKE_VMM_TRAY_LOCKED  the guest has locked every CD-ROM tray
 *
 * Set-vcpus is acted on at once (VCPUS_CHANGED follows the reply); a listening guest shuts down
 * on system_powerdown; CD-ROM media live in memory (query-block, eject, change).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

typedef struct
{
  char     *device;
  char     *file;
  gboolean  cdrom;
  gboolean  ide;
  gboolean  read_only;
  gboolean  tray_open;
  gboolean  locked;
} Drive;

typedef struct
{
  GSocketConnection *connection;
  GDataInputStream  *input;
  GOutputStream     *output;
} Client;

static GMainLoop *loop;
static GList *clients;
static char *name;
static char *uuid;
static int memory_mib;
static int max_memory_mib;
static int vcpus = 1;
static int max_vcpus;
static char *control_path;
static char *serial_link;
static char *pty_name;
static gboolean paused;
static int exit_status;
static GPtrArray *drives;
static guint n_cdroms;
static guint n_disks;

static void
send_line (Client     *client,
           JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  line = g_strconcat (text, "\n", NULL);
  g_output_stream_write_all (client->output, line, strlen (line), NULL, NULL, NULL);
}

static void
broadcast_event (const char *event,
                 JsonObject *data)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(JsonObject) timestamp = json_object_new ();
  gint64 now = g_get_real_time ();

  json_object_set_string_member (message, "event", event);
  if (data != NULL)
    json_object_set_object_member (message, "data", json_object_ref (data));
  json_object_set_int_member (timestamp, "seconds", now / G_USEC_PER_SEC);
  json_object_set_int_member (timestamp, "microseconds", now % G_USEC_PER_SEC);
  json_object_set_object_member (message, "timestamp", g_steal_pointer (&timestamp));

  for (GList *l = clients; l; l = l->next)
    send_line (l->data, message);
}

static void
reply (Client     *client,
       JsonNode   *id,
       JsonNode   *value)
{
  g_autoptr(JsonObject) message = json_object_new ();

  json_object_set_member (message, "return", value);
  if (id != NULL)
    json_object_set_member (message, "id", json_node_copy (id));
  send_line (client, message);
}

static void
reply_error (Client     *client,
             JsonNode   *id,
             const char *klass,
             const char *desc)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(JsonObject) error = json_object_new ();

  json_object_set_string_member (error, "class", klass);
  json_object_set_string_member (error, "desc", desc);
  json_object_set_object_member (message, "error", g_steal_pointer (&error));
  if (id != NULL)
    json_object_set_member (message, "id", json_node_copy (id));
  send_line (client, message);
}

static JsonNode *
empty_object (void)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, json_object_new ());

  return node;
}

static gboolean
quit_idle (gpointer data)
{
  g_main_loop_quit (loop);

  return G_SOURCE_REMOVE;
}

static void
add_drive (const char *spec)
{
  g_auto(GStrv) parts = g_strsplit (spec, ",", -1);
  Drive *drive = g_new0 (Drive, 1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_has_prefix (parts[i], "path="))
        drive->file = g_strdup (parts[i] + 5);
      else if (g_str_equal (parts[i], "media=cdrom"))
        drive->cdrom = TRUE;
      else if (g_str_equal (parts[i], "bus=ide"))
        drive->ide = TRUE;
      else if (g_str_equal (parts[i], "readonly=on"))
        drive->read_only = TRUE;
    }

  if (drive->cdrom)
    {
      drive->device = g_strdup_printf ("cdrom%u", n_cdroms++);
      drive->read_only = TRUE;
      drive->locked = g_getenv ("FAKE_VMM_TRAY_LOCKED") != NULL;
      if (drive->file != NULL && drive->file[0] == '\0')
        g_clear_pointer (&drive->file, g_free);
    }
  else
    drive->device = g_strdup_printf ("disk%u", n_disks++);

  g_ptr_array_add (drives, drive);
}

static JsonNode *
query_block (void)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < drives->len; i++)
    {
      Drive *drive = drives->pdata[i];
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "device", drive->device);
      json_object_set_string_member (item, "type", drive->cdrom ? "cdrom" : "disk");
      json_object_set_string_member (item, "bus", drive->ide ? "ide" : "virtio");
      if (drive->file != NULL)
        json_object_set_string_member (item, "file", drive->file);
      else
        json_object_set_null_member (item, "file");
      json_object_set_boolean_member (item, "read-only", drive->read_only);
      if (drive->cdrom)
        {
          json_object_set_boolean_member (item, "inserted", drive->file != NULL);
          json_object_set_boolean_member (item, "tray-open", drive->tray_open);
          json_object_set_boolean_member (item, "locked", drive->locked);
        }
      json_array_add_object_element (array, item);
    }
  json_node_take_array (node, array);

  return node;
}

static void
move_tray (Drive    *drive,
           gboolean  open)
{
  g_autoptr(JsonObject) data = json_object_new ();

  if (drive->tray_open == open)
    return;

  drive->tray_open = open;
  json_object_set_string_member (data, "device", drive->device);
  json_object_set_boolean_member (data, "tray-open", open);
  broadcast_event ("DEVICE_TRAY_MOVED", data);
}

/* Finds the CD-ROM drive a media command names, or answers with the error. */
static Drive *
find_cdrom (Client     *client,
            JsonNode   *id,
            JsonObject *arguments)
{
  const char *device = arguments
    ? json_object_get_string_member_with_default (arguments, "device", NULL) : NULL;

  for (guint i = 0; device != NULL && i < drives->len; i++)
    {
      Drive *drive = drives->pdata[i];

      if (!g_str_equal (drive->device, device))
        continue;
      if (!drive->cdrom)
        {
          g_autofree char *desc = g_strdup_printf ("%s is not a CD-ROM", device);
          reply_error (client, id, "InvalidArgument", desc);
          return NULL;
        }
      return drive;
    }

  if (device == NULL)
    reply_error (client, id, "InvalidArgument", "device is missing");
  else
    {
      g_autofree char *desc = g_strdup_printf ("There is no device %s", device);
      reply_error (client, id, "DeviceNotFound", desc);
    }

  return NULL;
}

static void
handle_eject (Client     *client,
              JsonNode   *id,
              JsonObject *arguments)
{
  Drive *drive = find_cdrom (client, id, arguments);

  if (drive == NULL)
    return;

  if (drive->locked && !json_object_get_boolean_member_with_default (arguments, "force", FALSE))
    {
      g_autofree char *desc = g_strdup_printf ("The guest has locked the tray of %s",
                                               drive->device);
      reply_error (client, id, "GenericError", desc);
      return;
    }

  g_clear_pointer (&drive->file, g_free);
  reply (client, id, empty_object ());
  move_tray (drive, TRUE);
}

static void
handle_change (Client     *client,
               JsonNode   *id,
               JsonObject *arguments)
{
  Drive *drive = find_cdrom (client, id, arguments);
  const char *filename;
  int fd;

  if (drive == NULL)
    return;

  filename = json_object_get_string_member_with_default (arguments, "filename", NULL);
  if (filename == NULL || (fd = open (filename, O_RDONLY | O_CLOEXEC)) < 0)
    {
      g_autofree char *desc = g_strdup_printf ("Cannot open %s: %s", filename ? filename : "",
                                               g_strerror (errno));
      reply_error (client, id, "GenericError", desc);
      return;
    }
  close (fd);

  move_tray (drive, TRUE);
  g_free (drive->file);
  drive->file = g_strdup (filename);
  reply (client, id, empty_object ());
  move_tray (drive, FALSE);
}

static void
handle_set_vcpus (Client     *client,
                  JsonNode   *id,
                  JsonObject *arguments)
{
  gint64 count = arguments ? json_object_get_int_member_with_default (arguments, "count", 0) : 0;
  g_autoptr(JsonObject) data = json_object_new ();

  if (count < 1 || count > max_vcpus)
    {
      g_autofree char *desc = g_strdup_printf ("count must be between 1 and %d", max_vcpus);
      reply_error (client, id, "InvalidArgument", desc);
      return;
    }

  vcpus = (int) count;
  reply (client, id, empty_object ());
  json_object_set_int_member (data, "enabled", vcpus);
  broadcast_event ("VCPUS_CHANGED", data);
}

static JsonNode *
query_vcpus (void)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();

  for (int i = 0; i < max_vcpus; i++)
    {
      JsonObject *item = json_object_new ();

      json_object_set_int_member (item, "id", i);
      json_object_set_string_member (item, "state", i < vcpus ? "enabled" : "absent");
      if (i < vcpus)
        json_object_set_int_member (item, "thread-id", getpid () + i);
      json_array_add_object_element (array, item);
    }
  json_node_take_array (node, array);

  return node;
}

static void
handle_powerdown (Client   *client,
                  JsonNode *id)
{
  JsonNode *node = empty_object ();
  gboolean listens = g_getenv ("FAKE_VMM_DEAF") == NULL;

  json_object_set_boolean_member (json_node_get_object (node), "guest-listens", listens);
  reply (client, id, node);

  if (listens)
    {
      g_autoptr(JsonObject) data = json_object_new ();

      json_object_set_string_member (data, "reason", "guest-shutdown");
      json_object_set_int_member (data, "status", 0);
      broadcast_event ("SHUTDOWN", data);
      g_idle_add (quit_idle, NULL);
    }
}

static gboolean
omitted (const char *command)
{
  g_auto(GStrv) names = g_strsplit (g_getenv ("FAKE_VMM_OMIT") ? g_getenv ("FAKE_VMM_OMIT") : "",
                                    ",", -1);

  return g_strv_contains ((const char * const *) names, command);
}

static void
handle_command (Client     *client,
                JsonObject *command)
{
  JsonNode *id = json_object_get_member (command, "id");
  const char *execute = json_object_get_string_member_with_default (command, "execute", "");
  JsonObject *arguments = json_object_has_member (command, "arguments")
    ? json_object_get_object_member (command, "arguments") : NULL;

  if (omitted (execute))
    {
      g_autofree char *desc = g_strdup_printf ("The command %s has not been found", execute);
      reply_error (client, id, "CommandNotFound", desc);
    }
  else if (g_str_equal (execute, "qmp_capabilities"))
    reply (client, id, empty_object ());
  else if (g_str_equal (execute, "query-status"))
    {
      JsonNode *node = empty_object ();
      JsonObject *object = json_node_get_object (node);

      json_object_set_string_member (object, "status", paused ? "paused" : "running");
      json_object_set_boolean_member (object, "running", !paused);
      reply (client, id, node);
    }
  else if (g_str_equal (execute, "query-guest"))
    {
      JsonNode *node = empty_object ();
      JsonObject *object = json_node_get_object (node);

      json_object_set_string_member (object, "name", name);
      json_object_set_string_member (object, "uuid", uuid);
      json_object_set_int_member (object, "pid", getpid ());
      json_object_set_int_member (object, "memory-mib", memory_mib);
      json_object_set_int_member (object, "max-memory-mib", max_memory_mib);
      json_object_set_int_member (object, "vcpus", vcpus);
      json_object_set_int_member (object, "max-vcpus", max_vcpus);
      reply (client, id, node);
    }
  else if (g_str_equal (execute, "stop"))
    {
      paused = TRUE;
      reply (client, id, empty_object ());
      broadcast_event ("STOP", NULL);
    }
  else if (g_str_equal (execute, "cont"))
    {
      paused = FALSE;
      reply (client, id, empty_object ());
      broadcast_event ("RESUME", NULL);
    }
  else if (g_str_equal (execute, "quit"))
    {
      g_autoptr(JsonObject) data = json_object_new ();

      reply (client, id, empty_object ());
      json_object_set_string_member (data, "reason", "host-qmp-quit");
      json_object_set_int_member (data, "status", 0);
      broadcast_event ("SHUTDOWN", data);
      g_idle_add (quit_idle, NULL);
    }
  else if (g_str_equal (execute, "query-chardev"))
    {
      JsonNode *node = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_new ();
      JsonObject *serial = json_object_new ();
      g_autofree char *filename = g_strconcat ("pty:", pty_name ? pty_name : "", NULL);

      json_object_set_string_member (serial, "label", "serial0");
      json_object_set_string_member (serial, "filename", filename);
      json_array_add_object_element (array, serial);
      json_node_take_array (node, array);
      reply (client, id, node);
    }
  else if (g_str_equal (execute, "set-vcpus"))
    handle_set_vcpus (client, id, arguments);
  else if (g_str_equal (execute, "query-vcpus"))
    reply (client, id, query_vcpus ());
  else if (g_str_equal (execute, "system_powerdown"))
    handle_powerdown (client, id);
  else if (g_str_equal (execute, "query-block"))
    reply (client, id, query_block ());
  else if (g_str_equal (execute, "eject"))
    handle_eject (client, id, arguments);
  else if (g_str_equal (execute, "change"))
    handle_change (client, id, arguments);
  else
    {
      g_autofree char *desc = g_strdup_printf ("The command %s has not been found", execute);
      reply_error (client, id, "CommandNotFound", desc);
    }
}

static void read_next (Client *client);

static void
on_line (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, NULL, NULL);
  if (line == NULL)
    {
      clients = g_list_remove (clients, client);
      g_object_unref (client->input);
      g_object_unref (client->connection);
      g_free (client);
      return;
    }

  if (json_parser_load_from_data (parser, line, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    handle_command (client, json_node_get_object (json_parser_get_root (parser)));
  else
    reply_error (client, NULL, "GenericError", "malformed JSON");

  read_next (client);
}

static void
read_next (Client *client)
{
  g_data_input_stream_read_line_async (client->input, G_PRIORITY_DEFAULT, NULL, on_line, client);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  Client *client = g_new0 (Client, 1);
  g_autoptr(JsonObject) greeting = json_object_new ();
  g_autoptr(JsonObject) qmp = json_object_new ();
  g_autoptr(JsonObject) version = json_object_new ();

  client->connection = g_object_ref (connection);
  client->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  client->output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  clients = g_list_append (clients, client);

  json_object_set_string_member (version, "package", "guesthouse");
  json_object_set_string_member (version, "version", "0.1.0-fake");
  json_object_set_object_member (qmp, "version", g_steal_pointer (&version));
  json_object_set_array_member (qmp, "capabilities", json_array_new ());
  json_object_set_object_member (greeting, "QMP", g_steal_pointer (&qmp));
  send_line (client, greeting);

  read_next (client);

  return TRUE;
}

static gboolean
on_pty (int          fd,
        GIOCondition condition,
        gpointer     user_data)
{
  char buf[256];
  ssize_t n = read (fd, buf, sizeof buf);

  /* Echo, so a console test sees its own bytes come back through the guest side. */
  if (n > 0)
    (void) !write (fd, buf, (size_t) n);

  return G_SOURCE_CONTINUE;
}

static gboolean
on_term (gpointer user_data)
{
  exit_status = 0;
  g_main_loop_quit (loop);

  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv_file = g_getenv ("FAKE_VMM_ARGV_FILE");
  const char *fail = g_getenv ("FAKE_VMM_FAIL");

  if (argv_file != NULL)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      for (int i = 0; i < argc; i++)
        g_string_append_printf (text, "%s\n", argv[i]);
      g_file_set_contents (argv_file, text->str, text->len, NULL);
    }

  if (fail != NULL)
    {
      g_printerr ("guesthouse-vmm: %s\n", fail);
      return 1;
    }

  drives = g_ptr_array_new ();
  for (int i = 1; i + 1 < argc; i += 2)
    {
      const char *opt = argv[i], *value = argv[i + 1];

      if (g_str_equal (opt, "--name"))
        name = g_strdup (value);
      else if (g_str_equal (opt, "--uuid"))
        uuid = g_strdup (value);
      else if (g_str_equal (opt, "--memory"))
        memory_mib = atoi (value);
      else if (g_str_equal (opt, "--max-memory"))
        max_memory_mib = atoi (value);
      else if (g_str_equal (opt, "--vcpus"))
        vcpus = atoi (value);
      else if (g_str_equal (opt, "--max-vcpus"))
        max_vcpus = atoi (value);
      else if (g_str_equal (opt, "--control") && g_str_has_prefix (value, "unix:"))
        control_path = g_strdup (value + 5);
      else if (g_str_equal (opt, "--serial") && g_str_has_prefix (value, "pty:"))
        serial_link = g_strdup (value + 4);
      else if (g_str_equal (opt, "--disk"))
        add_drive (value);
    }

  if (max_vcpus < vcpus)
    max_vcpus = vcpus;

  if (name == NULL || control_path == NULL)
    {
      g_printerr ("guesthouse-vmm: --name and --control unix:PATH are required\n");
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_term, NULL);

  if (serial_link != NULL)
    {
      int master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);

      if (master < 0 || grantpt (master) != 0 || unlockpt (master) != 0)
        {
          g_printerr ("guesthouse-vmm: cannot create a pty\n");
          return 1;
        }
      pty_name = g_strdup (ptsname (master));
      /* Held open for the fake's life, as the real helper does: with no
       * slave open, the master polls as hung up and its watch would spin. */
      if (open (pty_name, O_RDWR | O_NOCTTY | O_CLOEXEC) < 0)
        {
          g_printerr ("guesthouse-vmm: cannot open %s\n", pty_name);
          return 1;
        }
      unlink (serial_link);
      if (symlink (pty_name, serial_link) != 0)
        {
          g_printerr ("guesthouse-vmm: cannot link %s\n", serial_link);
          return 1;
        }
      g_unix_fd_add (master, G_IO_IN, on_pty, NULL);
    }

  if (g_getenv ("FAKE_VMM_NO_SOCKET") == NULL)
    {
      service = g_socket_service_new ();
      address = g_unix_socket_address_new (control_path);
      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                          NULL, NULL, &error))
        {
          g_printerr ("guesthouse-vmm: cannot listen on %s: %s\n", control_path, error->message);
          return 1;
        }
      chmod (control_path, 0600);
      g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), NULL);
      g_socket_service_start (service);
    }

  g_main_loop_run (loop);

  /* Let the last replies and the SHUTDOWN event reach the clients. */
  for (GList *l = clients; l; l = l->next)
    g_output_stream_flush (((Client *) l->data)->output, NULL, NULL);

  unlink (control_path);
  if (serial_link != NULL)
    unlink (serial_link);

  return exit_status;
}
