/* gh-helper-client.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>

#include "gh-types.h"
#include "gh-error.h"
#include "protocol/gh-protocol.h"
#include "gh-helper-client.h"

/* A typed client for one helper's control socket (docs/control-protocol.md).
 *
 * Replies come in the order of the commands, so pending calls wait in a FIFO; each command also
 * carries an integer "id" that the reply must echo, which catches a confused stream early.
 * Events can arrive between any two lines and are emitted as the detailed "event" signal.
 *
 * Lifetime: while connected, the pending line read holds a reference on the client, so a
 * connected client stays alive until gh_helper_client_close() or until the helper closes the
 * socket; both end the read, which drops that reference.
 */

typedef struct
{
  GTask   *task;        /* NULL once the caller cancelled; the reply is then dropped */
  gint64   id;
  gulong   cancelled_id;
} Pending;

struct _GhHelperClient
{
  GObject              parent_instance;

  char                *socket_path;
  char                *version;
  GSocketConnection   *connection;
  GDataInputStream    *input;
  GOutputStream       *output;
  GCancellable        *io_cancellable;
  GTask               *connect_task;
  GCancellable        *connect_cancellable;
  gulong               connect_cancelled_id;
  GQueue               pending;         /* of Pending*, oldest first */
  GQueue               writes;          /* of GBytes*, the head is being written */
  gint64               next_id;
  guint                connected : 1;
  guint                reading : 1;
};

G_DEFINE_FINAL_TYPE (GhHelperClient, gh_helper_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SOCKET_PATH,
  PROP_CONNECTED,
  PROP_VERSION,
  N_PROPS
};

enum {
  EVENT,
  CLOSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void read_next_line (GhHelperClient *self);
static void write_next     (GhHelperClient *self);

/* The helper is trusted to speak the protocol, but a wrong type must not turn into a
 * json-glib critical (fatal in tests): these look before they take.
 */
static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

static gboolean
member_boolean (JsonObject *object,
                const char *name,
                gboolean    fallback)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;

  return json_node_get_boolean (node);
}

void
gh_block_device_free (GhBlockDevice *device)
{
  if (device == NULL)
    return;

  g_free (device->device);
  g_free (device->file);
  g_free (device);
}

GhHelperClient *
gh_helper_client_new (const char *socket_path)
{
  g_return_val_if_fail (socket_path != NULL, NULL);

  return g_object_new (GH_TYPE_HELPER_CLIENT, "socket-path", socket_path, NULL);
}

const char *
gh_helper_client_get_socket_path (GhHelperClient *self)
{
  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), NULL);

  return self->socket_path;
}

gboolean
gh_helper_client_get_connected (GhHelperClient *self)
{
  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), FALSE);

  return self->connected;
}

/**
 * gh_helper_client_get_version:
 *
 * Returns: (nullable): the helper's version from its greeting
 */
const char *
gh_helper_client_get_version (GhHelperClient *self)
{
  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), NULL);

  return self->version;
}

static void
pending_free (Pending *pending)
{
  if (pending->task != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (pending->task);

      if (cancellable != NULL && pending->cancelled_id != 0)
        g_cancellable_disconnect (cancellable, pending->cancelled_id);
      g_clear_object (&pending->task);
    }
  g_free (pending);
}

static void
on_connect_cancelled (GCancellable *cancellable,
                      GCancellable *io_cancellable)
{
  g_cancellable_cancel (io_cancellable);
}

/* The caller's cancellable covers connecting and the greeting, not the connection's life. */
static void
disconnect_connect_cancellable (GhHelperClient *self)
{
  if (self->connect_cancellable != NULL)
    {
      g_cancellable_disconnect (self->connect_cancellable, self->connect_cancelled_id);
      self->connect_cancelled_id = 0;
      g_clear_object (&self->connect_cancellable);
    }
}

/* Ends the connection once: fails every waiting call, tells listeners. */
static void
shut_down (GhHelperClient *self,
           const GError   *reason)
{
  Pending *pending;

  if (self->connection == NULL && self->connect_task == NULL)
    return;

  g_cancellable_cancel (self->io_cancellable);
  disconnect_connect_cancellable (self);

  if (self->connect_task != NULL)
    {
      GTask *task = g_steal_pointer (&self->connect_task);

      g_task_return_new_error (task, GH_CLIENT_ERROR, GH_CLIENT_ERROR_CLOSED,
                               _("The helper closed %s before greeting: %s"),
                               self->socket_path,
                               reason ? reason->message : _("end of stream"));
      g_object_unref (task);
    }

  while ((pending = g_queue_pop_head (&self->pending)))
    {
      if (pending->task != NULL)
        g_task_return_new_error (pending->task, GH_CLIENT_ERROR, GH_CLIENT_ERROR_CLOSED,
                                 _("The helper closed the control connection"));
      pending_free (pending);
    }

  g_queue_clear_full (&self->writes, (GDestroyNotify) g_bytes_unref);

  if (self->connection != NULL)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->connection);

  if (self->connected)
    {
      self->connected = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
      g_signal_emit (self, signals[CLOSED], 0);
    }
}

/**
 * gh_helper_client_close:
 *
 * Closes the connection; waiting calls fail with %GH_CLIENT_ERROR_CLOSED. The helper goes on.
 */
void
gh_helper_client_close (GhHelperClient *self)
{
  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  shut_down (self, NULL);
}

static GError *
error_from_reply (JsonObject *error_object)
{
  const char *klass = member_string (error_object, GH_PROTOCOL_ERROR_CLASS);
  const char *desc = member_string (error_object, GH_PROTOCOL_ERROR_DESC);
  GhClientError code = GH_CLIENT_ERROR_GENERIC;

  if (klass == NULL)
    klass = GH_PROTOCOL_ERROR_GENERIC;
  if (desc == NULL)
    desc = "";

  if (g_str_equal (klass, GH_PROTOCOL_ERROR_COMMAND_NOT_FOUND))
    code = GH_CLIENT_ERROR_COMMAND_NOT_FOUND;
  else if (g_str_equal (klass, GH_PROTOCOL_ERROR_INVALID_ARGUMENT))
    code = GH_CLIENT_ERROR_INVALID_ARGUMENT;
  else if (g_str_equal (klass, GH_PROTOCOL_ERROR_DEVICE_NOT_FOUND))
    code = GH_CLIENT_ERROR_DEVICE_NOT_FOUND;

  if (desc[0] == '\0')
    return g_error_new (GH_CLIENT_ERROR, code, _("The helper answered %s"), klass);

  return g_error_new_literal (GH_CLIENT_ERROR, code, desc);
}

static void
handle_message (GhHelperClient *self,
                JsonObject     *message)
{
  if (json_object_has_member (message, GH_PROTOCOL_GREETING))
    {
      JsonObject *greeting = member_object (message, GH_PROTOCOL_GREETING);
      JsonObject *version = member_object (greeting, "version");

      if (version != NULL && member_string (version, "version") != NULL)
        {
          g_free (self->version);
          self->version = g_strdup (member_string (version, "version"));
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
        }

      if (self->connect_task != NULL)
        {
          GTask *task = g_steal_pointer (&self->connect_task);

          disconnect_connect_cancellable (self);

          self->connected = TRUE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
        }
      return;
    }

  if (json_object_has_member (message, GH_PROTOCOL_EVENT))
    {
      const char *name = member_string (message, GH_PROTOCOL_EVENT);
      JsonObject *data = member_object (message, GH_PROTOCOL_EVENT_DATA);

      if (name == NULL)
        {
          g_debug ("Ignoring an event without a name from %s", self->socket_path);
          return;
        }

      if (data == NULL)
        data = json_object_new ();
      else
        json_object_ref (data);

      g_signal_emit (self, signals[EVENT], g_quark_from_string (name), name, data);
      json_object_unref (data);
      return;
    }

  if (json_object_has_member (message, GH_PROTOCOL_RETURN)
      || json_object_has_member (message, GH_PROTOCOL_ERROR))
    {
      Pending *pending = g_queue_pop_head (&self->pending);
      JsonNode *id_node = json_object_get_member (message, GH_PROTOCOL_ID);

      if (pending == NULL)
        {
          g_debug ("Ignoring a reply nobody waits for from %s", self->socket_path);
          return;
        }

      if (id_node != NULL
          && (JSON_NODE_TYPE (id_node) != JSON_NODE_VALUE
              || json_node_get_value_type (id_node) != G_TYPE_INT64
              || json_node_get_int (id_node) != pending->id))
        {
          g_autoptr(GError) error = g_error_new (GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                                                 _("The helper answered out of order"));
          if (pending->task != NULL)
            g_task_return_error (pending->task, g_error_copy (error));
          pending_free (pending);
          shut_down (self, error);
          return;
        }

      if (pending->task != NULL)
        {
          if (member_object (message, GH_PROTOCOL_ERROR) != NULL)
            g_task_return_error (pending->task,
                                 error_from_reply (member_object (message, GH_PROTOCOL_ERROR)));
          else if (json_object_has_member (message, GH_PROTOCOL_RETURN))
            g_task_return_pointer (pending->task,
                                   json_node_copy (json_object_get_member (message,
                                                                           GH_PROTOCOL_RETURN)),
                                   (GDestroyNotify) json_node_unref);
          else
            g_task_return_new_error (pending->task, GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                                     _("The helper sent a malformed error"));
        }

      pending_free (pending);
      return;
    }

  g_debug ("Ignoring an unknown message from %s", self->socket_path);
}

static void
on_line_read (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GhHelperClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *line = NULL;
  JsonNode *root;

  self->reading = FALSE;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result,
                                                    NULL, &error);
  if (line == NULL)
    {
      shut_down (self, error);
      return;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, line, -1, &error)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autoptr(GError) protocol_error =
        g_error_new (GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                     _("The helper sent a line that is not a JSON object"));
      shut_down (self, protocol_error);
      return;
    }

  handle_message (self, json_node_get_object (root));

  if (self->input != NULL)
    read_next_line (self);
}

static void
read_next_line (GhHelperClient *self)
{
  g_assert (!self->reading);

  self->reading = TRUE;
  g_data_input_stream_read_line_async (self->input, G_PRIORITY_DEFAULT, self->io_cancellable,
                                       on_line_read, g_object_ref (self));
}

static void
on_connected (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GhHelperClient) self = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      GTask *task = g_steal_pointer (&self->connect_task);

      disconnect_connect_cancellable (self);
      if (task == NULL)
        return;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, GH_CLIENT_ERROR, GH_CLIENT_ERROR_CLOSED,
                                 _("Cannot connect to %s: %s"), self->socket_path,
                                 error->message);
      g_object_unref (task);
      return;
    }

  if (self->connect_task == NULL)
    {
      /* Closed while connecting. */
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      g_object_unref (connection);
      return;
    }

  self->connection = connection;
  self->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (self->input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  self->output = g_object_ref (g_io_stream_get_output_stream (G_IO_STREAM (connection)));

  /* The connect task completes on the greeting, in handle_message(). */
  read_next_line (self);
}

/**
 * gh_helper_client_connect_async:
 *
 * Connects and waits for the helper's greeting.
 */
void
gh_helper_client_connect_async (GhHelperClient      *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_helper_client_connect_async);

  if (self->connection != NULL || self->connect_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The client is already connected"));
      return;
    }

  g_cancellable_reset (self->io_cancellable);
  self->connect_task = g_steal_pointer (&task);

  /* The caller's cancellable also ends the connection attempt and the wait for the greeting. */
  if (cancellable != NULL)
    {
      self->connect_cancellable = g_object_ref (cancellable);
      self->connect_cancelled_id = g_cancellable_connect (cancellable,
                                                          G_CALLBACK (on_connect_cancelled),
                                                          self->io_cancellable, NULL);
    }

  client = g_socket_client_new ();
  address = g_unix_socket_address_new (self->socket_path);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), self->io_cancellable,
                                 on_connected, g_object_ref (self));
}

gboolean
gh_helper_client_connect_finish (GhHelperClient  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_written (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GhHelperClient) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      shut_down (self, error);
      return;
    }

  g_bytes_unref (g_queue_pop_head (&self->writes));
  if (!g_queue_is_empty (&self->writes))
    write_next (self);
}

static void
write_next (GhHelperClient *self)
{
  GBytes *bytes = g_queue_peek_head (&self->writes);
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  g_output_stream_write_all_async (self->output, data, size, G_PRIORITY_DEFAULT,
                                   self->io_cancellable, on_written, g_object_ref (self));
}

static gboolean
on_pending_cancelled_idle (gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_error_if_cancelled (task);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

static void
on_pending_cancelled (GCancellable *cancellable,
                      Pending      *pending)
{
  GTask *task = pending->task;

  /* The reply will still come, in order; it is dropped then. The caller hears now, from the
   * task's own main context, as GTask requires.
   */
  pending->task = NULL;
  pending->cancelled_id = 0;
  g_main_context_invoke (g_task_get_context (task), on_pending_cancelled_idle, task);
}

/**
 * gh_helper_client_execute_async:
 * @command: a command name from protocol/gh-protocol.h
 * @arguments: (nullable): its arguments
 *
 * Sends any command; the typed calls below are built on it.
 */
void
gh_helper_client_execute_async (GhHelperClient      *self,
                                const char          *command,
                                JsonObject          *arguments,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  Pending *pending;
  char *text;
  gsize length;

  g_return_if_fail (GH_IS_HELPER_CLIENT (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_helper_client_execute_async);
  g_task_set_task_data (task, g_strdup (command), g_free);

  if (!self->connected)
    {
      g_task_return_new_error (task, GH_CLIENT_ERROR, GH_CLIENT_ERROR_CLOSED,
                               _("Not connected to the helper"));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, GH_PROTOCOL_EXECUTE);
  json_builder_add_string_value (builder, command);
  if (arguments != NULL)
    {
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, arguments);
      json_builder_set_member_name (builder, GH_PROTOCOL_ARGUMENTS);
      json_builder_add_value (builder, node);
    }
  json_builder_set_member_name (builder, GH_PROTOCOL_ID);
  json_builder_add_int_value (builder, ++self->next_id);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  /* One object per line: the generator writes no newlines when not pretty-printing. */
  text = g_realloc (text, length + 2);
  text[length++] = '\n';
  text[length] = '\0';

  pending = g_new0 (Pending, 1);
  pending->task = g_steal_pointer (&task);
  pending->id = self->next_id;
  if (cancellable != NULL)
    pending->cancelled_id = g_cancellable_connect (cancellable,
                                                   G_CALLBACK (on_pending_cancelled),
                                                   pending, NULL);
  g_queue_push_tail (&self->pending, pending);

  g_queue_push_tail (&self->writes, g_bytes_new_take (text, length));
  if (g_queue_get_length (&self->writes) == 1)
    write_next (self);
}

/**
 * gh_helper_client_execute_finish:
 *
 * Returns: (transfer full): the "return" member of the reply
 */
JsonNode *
gh_helper_client_execute_finish (GhHelperClient  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Typed calls. Each one is execute + a look at the reply. */

static void
on_typed_reply (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GhHelperClient *self = GH_HELPER_CLIENT (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *reply;

  reply = gh_helper_client_execute_finish (self, result, &error);
  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) json_node_unref);
}

static void
execute_typed (GhHelperClient      *self,
               gpointer             source_tag,
               const char          *command,
               JsonObject          *arguments,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  gh_helper_client_execute_async (self, command, arguments, cancellable, on_typed_reply, task);
}

static JsonNode *
finish_typed (GhHelperClient  *self,
              GAsyncResult    *result,
              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gh_helper_client_query_status_async (GhHelperClient      *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  execute_typed (self, gh_helper_client_query_status_async, GH_PROTOCOL_CMD_QUERY_STATUS, NULL,
                 cancellable, callback, user_data);
}

/**
 * gh_helper_client_query_status_finish:
 * @state: (out): running or paused; a helper reporting "shutdown" is on its way out and shows
 *   as shut off
 */
gboolean
gh_helper_client_query_status_finish (GhHelperClient  *self,
                                      GAsyncResult    *result,
                                      GhGuestState    *state,
                                      GError         **error)
{
  g_autoptr(JsonNode) reply = finish_typed (self, result, error);
  const char *status;

  if (reply == NULL)
    return FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (reply)
      || !(status = member_string (json_node_get_object (reply), GH_PROTOCOL_STATUS)))
    {
      g_set_error_literal (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                           _("The helper's status reply has no status"));
      return FALSE;
    }

  if (g_str_equal (status, GH_PROTOCOL_STATUS_RUNNING))
    *state = GH_GUEST_STATE_RUNNING;
  else if (g_str_equal (status, GH_PROTOCOL_STATUS_PAUSED))
    *state = GH_GUEST_STATE_PAUSED;
  else if (g_str_equal (status, GH_PROTOCOL_STATUS_SHUTDOWN))
    *state = GH_GUEST_STATE_SHUT_OFF;
  else
    {
      g_set_error (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                   _("The helper reports an unknown status “%s”"), status);
      return FALSE;
    }

  return TRUE;
}

void
gh_helper_client_query_guest_async (GhHelperClient      *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  execute_typed (self, gh_helper_client_query_guest_async, GH_PROTOCOL_CMD_QUERY_GUEST, NULL,
                 cancellable, callback, user_data);
}

/**
 * gh_helper_client_query_guest_finish:
 *
 * Returns: (transfer full): name, uuid, pid, memory-mib, max-memory-mib, vcpus, max-vcpus
 */
JsonObject *
gh_helper_client_query_guest_finish (GhHelperClient  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_autoptr(JsonNode) reply = finish_typed (self, result, error);

  if (reply == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (reply))
    {
      g_set_error_literal (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                           _("The helper's guest reply is not an object"));
      return NULL;
    }

  return json_object_ref (json_node_get_object (reply));
}

void
gh_helper_client_query_serial_async (GhHelperClient      *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  execute_typed (self, gh_helper_client_query_serial_async, GH_PROTOCOL_CMD_QUERY_CHARDEV,
                 NULL, cancellable, callback, user_data);
}

/**
 * gh_helper_client_query_serial_finish:
 *
 * Returns: (transfer full): the pty of the first serial port ("/dev/pts/N")
 */
char *
gh_helper_client_query_serial_finish (GhHelperClient  *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  g_autoptr(JsonNode) reply = finish_typed (self, result, error);
  JsonArray *array;

  if (reply == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_ARRAY (reply))
    goto malformed;

  array = json_node_get_array (reply);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *item;
      const char *label, *filename;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        goto malformed;

      item = json_node_get_object (node);
      label = member_string (item, GH_PROTOCOL_CHARDEV_LABEL);
      filename = member_string (item, GH_PROTOCOL_CHARDEV_FILENAME);
      if (g_strcmp0 (label, GH_PROTOCOL_CHARDEV_SERIAL0) == 0
          && g_str_has_prefix (filename ? filename : "", "pty:"))
        return g_strdup (filename + strlen ("pty:"));
    }

  g_set_error_literal (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_DEVICE_NOT_FOUND,
                       _("The guest has no serial port on a pty"));
  return NULL;

malformed:
  g_set_error_literal (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                       _("The helper's chardev reply is malformed"));
  return NULL;
}

#define DEFINE_SIMPLE_COMMAND(func, command)                                       \
  void                                                                             \
  gh_helper_client_##func##_async (GhHelperClient      *self,                      \
                                   GCancellable        *cancellable,               \
                                   GAsyncReadyCallback  callback,                  \
                                   gpointer             user_data)                 \
  {                                                                                \
    g_return_if_fail (GH_IS_HELPER_CLIENT (self));                                 \
    execute_typed (self, gh_helper_client_command_finish, (command), NULL,         \
                   cancellable, callback, user_data);                              \
  }

DEFINE_SIMPLE_COMMAND (pause, GH_PROTOCOL_CMD_STOP)
DEFINE_SIMPLE_COMMAND (resume, GH_PROTOCOL_CMD_CONT)
DEFINE_SIMPLE_COMMAND (quit, GH_PROTOCOL_CMD_QUIT)
DEFINE_SIMPLE_COMMAND (powerdown, GH_PROTOCOL_CMD_SYSTEM_POWERDOWN)
DEFINE_SIMPLE_COMMAND (reset, GH_PROTOCOL_CMD_SYSTEM_RESET)

/**
 * gh_helper_client_powerdown_finish:
 * @guest_listens: (out) (optional): whether the guest's OS handles the power button now; when
 *   it does not, the press was delivered but nothing may come of it
 */
gboolean
gh_helper_client_powerdown_finish (GhHelperClient  *self,
                                   GAsyncResult    *result,
                                   gboolean        *guest_listens,
                                   GError         **error)
{
  g_autoptr(JsonNode) reply = NULL;

  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), FALSE);

  if (!(reply = finish_typed (self, result, error)))
    return FALSE;

  /* A helper that does not say is taken at its word that the press went through. */
  if (guest_listens != NULL)
    *guest_listens = member_boolean (JSON_NODE_HOLDS_OBJECT (reply)
                                     ? json_node_get_object (reply) : NULL,
                                     GH_PROTOCOL_GUEST_LISTENS, TRUE);

  return TRUE;
}

void
gh_helper_client_query_vcpus_async (GhHelperClient      *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  execute_typed (self, gh_helper_client_query_vcpus_async, GH_PROTOCOL_CMD_QUERY_VCPUS, NULL,
                 cancellable, callback, user_data);
}

/**
 * gh_helper_client_query_vcpus_finish:
 * @enabled: (out) (optional): the vCPUs the guest has now ("enabled" or "pending-removal":
 *   the guest still runs on one it was asked to give back)
 * @possible: (out) (optional): all the vCPUs the guest could have (its maximum)
 */
gboolean
gh_helper_client_query_vcpus_finish (GhHelperClient  *self,
                                     GAsyncResult    *result,
                                     guint           *enabled,
                                     guint           *possible,
                                     GError         **error)
{
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *array;
  guint n_enabled = 0;

  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), FALSE);

  if (!(reply = finish_typed (self, result, error)))
    return FALSE;

  if (!JSON_NODE_HOLDS_ARRAY (reply))
    goto malformed;

  array = json_node_get_array (reply);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *state;

      if (!JSON_NODE_HOLDS_OBJECT (node)
          || !(state = member_string (json_node_get_object (node), GH_PROTOCOL_VCPU_STATE)))
        goto malformed;

      if (g_str_equal (state, GH_PROTOCOL_VCPU_STATE_ENABLED)
          || g_str_equal (state, GH_PROTOCOL_VCPU_STATE_PENDING_REMOVAL))
        n_enabled++;
    }

  if (enabled != NULL)
    *enabled = n_enabled;
  if (possible != NULL)
    *possible = json_array_get_length (array);

  return TRUE;

malformed:
  g_set_error_literal (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                       _("The helper's vCPU reply is malformed"));
  return FALSE;
}

void
gh_helper_client_query_block_async (GhHelperClient      *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  execute_typed (self, gh_helper_client_query_block_async, GH_PROTOCOL_CMD_QUERY_BLOCK, NULL,
                 cancellable, callback, user_data);
}

/**
 * gh_helper_client_query_block_finish:
 *
 * Returns: (transfer full) (element-type GhBlockDevice): the guest's drives, in the helper's
 *   order
 */
GPtrArray *
gh_helper_client_query_block_finish (GhHelperClient  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  JsonArray *array;

  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), NULL);

  if (!(reply = finish_typed (self, result, error)))
    return NULL;

  if (!JSON_NODE_HOLDS_ARRAY (reply))
    goto malformed;

  devices = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_block_device_free);
  array = json_node_get_array (reply);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(GhBlockDevice) device = g_new0 (GhBlockDevice, 1);
      JsonObject *item;
      const char *name, *type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        goto malformed;

      item = json_node_get_object (node);
      name = member_string (item, GH_PROTOCOL_BLOCK_DEVICE);
      type = member_string (item, GH_PROTOCOL_BLOCK_TYPE);
      if (name == NULL || type == NULL)
        goto malformed;

      device->device = g_strdup (name);
      device->media = g_str_equal (type, GH_PROTOCOL_BLOCK_TYPE_CDROM) ? GH_DISK_MEDIA_CDROM
                                                                       : GH_DISK_MEDIA_DISK;
      device->bus = g_strcmp0 (member_string (item, GH_PROTOCOL_BLOCK_BUS), "ide") == 0
                    ? GH_DISK_BUS_IDE : GH_DISK_BUS_VIRTIO;
      device->file = g_strdup (member_string (item, GH_PROTOCOL_BLOCK_FILE));
      device->read_only = member_boolean (item, GH_PROTOCOL_BLOCK_READ_ONLY, FALSE);
      /* Disks have no tray: they always hold their image. */
      device->inserted = member_boolean (item, GH_PROTOCOL_BLOCK_INSERTED, device->file != NULL);
      device->tray_open = member_boolean (item, GH_PROTOCOL_BLOCK_TRAY_OPEN, FALSE);
      device->locked = member_boolean (item, GH_PROTOCOL_BLOCK_LOCKED, FALSE);
      g_ptr_array_add (devices, g_steal_pointer (&device));
    }

  return g_steal_pointer (&devices);

malformed:
  g_set_error_literal (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_PROTOCOL,
                       _("The helper's block device reply is malformed"));
  return NULL;
}

/**
 * gh_helper_client_eject_async:
 * @device: a CD-ROM drive (cdrom0, …)
 * @force: eject even though the guest locked the tray
 *
 * Opens the drive's tray and takes its medium out. Fails with %GH_CLIENT_ERROR_GENERIC while the
 * guest holds the tray locked and @force is %FALSE.
 */
void
gh_helper_client_eject_async (GhHelperClient      *self,
                              const char          *device,
                              gboolean             force,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(JsonObject) arguments = json_object_new ();

  g_return_if_fail (GH_IS_HELPER_CLIENT (self));
  g_return_if_fail (device != NULL);

  json_object_set_string_member (arguments, GH_PROTOCOL_ARG_DEVICE, device);
  if (force)
    json_object_set_boolean_member (arguments, GH_PROTOCOL_ARG_FORCE, TRUE);
  execute_typed (self, gh_helper_client_command_finish, GH_PROTOCOL_CMD_EJECT, arguments,
                 cancellable, callback, user_data);
}

/**
 * gh_helper_client_change_media_async:
 * @device: a CD-ROM drive (cdrom0, …)
 * @filename: the image to insert, an absolute path the helper can open
 *
 * Puts another medium in the drive; the old one is taken out first, even from a locked tray.
 */
void
gh_helper_client_change_media_async (GhHelperClient      *self,
                                     const char          *device,
                                     const char          *filename,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(JsonObject) arguments = json_object_new ();

  g_return_if_fail (GH_IS_HELPER_CLIENT (self));
  g_return_if_fail (device != NULL);
  g_return_if_fail (filename != NULL);

  json_object_set_string_member (arguments, GH_PROTOCOL_ARG_DEVICE, device);
  json_object_set_string_member (arguments, GH_PROTOCOL_ARG_FILENAME, filename);
  execute_typed (self, gh_helper_client_command_finish, GH_PROTOCOL_CMD_CHANGE, arguments,
                 cancellable, callback, user_data);
}

/**
 * gh_helper_client_set_memory_async:
 * @memory_mib: the memory the guest should have; the balloon takes the rest up to the maximum
 *
 * Uses the QMP `balloon` command, whose value is the guest's target size in bytes.
 */
void
gh_helper_client_set_memory_async (GhHelperClient      *self,
                                   guint                memory_mib,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(JsonObject) arguments = json_object_new ();

  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  json_object_set_int_member (arguments, GH_PROTOCOL_ARG_VALUE, (gint64) memory_mib << 20);
  execute_typed (self, gh_helper_client_command_finish, GH_PROTOCOL_CMD_BALLOON, arguments,
                 cancellable, callback, user_data);
}

void
gh_helper_client_set_vcpus_async (GhHelperClient      *self,
                                  guint                vcpus,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(JsonObject) arguments = json_object_new ();

  g_return_if_fail (GH_IS_HELPER_CLIENT (self));

  json_object_set_int_member (arguments, GH_PROTOCOL_ARG_COUNT, vcpus);
  execute_typed (self, gh_helper_client_command_finish, GH_PROTOCOL_CMD_SET_VCPUS, arguments,
                 cancellable, callback, user_data);
}

void
gh_helper_client_screendump_async (GhHelperClient      *self,
                                   const char          *filename,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(JsonObject) arguments = json_object_new ();

  g_return_if_fail (GH_IS_HELPER_CLIENT (self));
  g_return_if_fail (filename != NULL);

  json_object_set_string_member (arguments, GH_PROTOCOL_ARG_FILENAME, filename);
  execute_typed (self, gh_helper_client_command_finish, GH_PROTOCOL_CMD_SCREENDUMP, arguments,
                 cancellable, callback, user_data);
}

/**
 * gh_helper_client_command_finish:
 *
 * Finishes the calls without a reply value: pause, resume, quit, powerdown, reset, set-memory,
 * set-vcpus, screendump, eject, change-media.
 */
gboolean
gh_helper_client_command_finish (GhHelperClient  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_autoptr(JsonNode) reply = NULL;

  g_return_val_if_fail (GH_IS_HELPER_CLIENT (self), FALSE);

  reply = finish_typed (self, result, error);

  return reply != NULL;
}

/* A blocking call for command-line tools and worker threads: the whole exchange runs in a
 * private main context, so nothing of the caller's loop runs meanwhile and no callback leaks
 * into it.
 */

typedef struct
{
  GAsyncResult *result;
} SyncData;

static void
on_sync_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncData *data = user_data;

  data->result = g_object_ref (result);
}

static gboolean
on_sync_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);

  return G_SOURCE_REMOVE;
}

/**
 * gh_helper_client_execute_sync:
 * @timeout_ms: how long the connection and the command may take together
 *
 * Returns: (transfer full) (nullable): the reply's "return" member
 */
JsonNode *
gh_helper_client_execute_sync (const char  *socket_path,
                               const char  *command,
                               JsonObject  *arguments,
                               guint        timeout_ms,
                               GError     **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GhHelperClient) client = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *reply = NULL;
  SyncData data = { NULL };

  g_return_val_if_fail (socket_path != NULL, NULL);
  g_return_val_if_fail (command != NULL, NULL);

  g_main_context_push_thread_default (context);

  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, on_sync_timeout, cancellable, NULL);
  g_source_attach (timeout, context);

  client = gh_helper_client_new (socket_path);
  gh_helper_client_connect_async (client, cancellable, on_sync_done, &data);
  while (data.result == NULL)
    g_main_context_iteration (context, TRUE);

  if (gh_helper_client_connect_finish (client, data.result, &local_error))
    {
      g_clear_object (&data.result);
      gh_helper_client_execute_async (client, command, arguments, cancellable, on_sync_done,
                                      &data);
      while (data.result == NULL)
        g_main_context_iteration (context, TRUE);
      reply = gh_helper_client_execute_finish (client, data.result, &local_error);
    }
  g_clear_object (&data.result);

  if (local_error != NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&local_error);
      g_set_error (&local_error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_CLOSED,
                   _("The helper did not answer “%s” within %u ms"), command, timeout_ms);
    }

  /* Let the pending read and writes end so that they drop their references in this context. */
  gh_helper_client_close (client);
  while (g_main_context_pending (context) || client->reading)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return reply;
}

static void
gh_helper_client_dispose (GObject *object)
{
  GhHelperClient *self = (GhHelperClient *)object;

  shut_down (self, NULL);

  G_OBJECT_CLASS (gh_helper_client_parent_class)->dispose (object);
}

static void
gh_helper_client_finalize (GObject *object)
{
  GhHelperClient *self = (GhHelperClient *)object;

  g_clear_object (&self->io_cancellable);
  g_clear_pointer (&self->socket_path, g_free);
  g_clear_pointer (&self->version, g_free);

  G_OBJECT_CLASS (gh_helper_client_parent_class)->finalize (object);
}

static void
gh_helper_client_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GhHelperClient *self = GH_HELPER_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH:
      g_value_set_string (value, gh_helper_client_get_socket_path (self));
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, gh_helper_client_get_connected (self));
      break;
    case PROP_VERSION:
      g_value_set_string (value, gh_helper_client_get_version (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_helper_client_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GhHelperClient *self = GH_HELPER_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH:
      self->socket_path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_helper_client_class_init (GhHelperClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_helper_client_dispose;
  object_class->finalize = gh_helper_client_finalize;
  object_class->get_property = gh_helper_client_get_property;
  object_class->set_property = gh_helper_client_set_property;

  properties[PROP_SOCKET_PATH] =
    g_param_spec_string ("socket-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GhHelperClient::event:
   * @name: the event name (STOP, RESUME, SHUTDOWN, RESET, …), also the signal detail
   * @data: (transfer none): the event's data, empty when it has none
   *
   * A helper event. Connect to "event::SHUTDOWN" for one kind.
   */
  signals[EVENT] =
    g_signal_new ("event",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);

  /**
   * GhHelperClient::closed:
   *
   * The connection ended: the helper exited or gh_helper_client_close() was called.
   */
  signals[CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
gh_helper_client_init (GhHelperClient *self)
{
  self->io_cancellable = g_cancellable_new ();
  g_queue_init (&self->pending);
  g_queue_init (&self->writes);
}
