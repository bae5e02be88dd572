/* gh-guest-session.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "gh-display-thumbnail.h"
#include "gh-guest-session.h"

/* What the app holds for one guest while it runs: the control connection to its helper, the
 * display connection, the pty of its serial port, the balloon's sizes, its vCPU count, its
 * drives and a minute of usage samples. A session exists for every guest in the store and
 * follows its state: it connects when the store reports the guest running or paused (with a
 * helper pid), and lets go when the guest stops. Pages, rows and the details pane all read the
 * same session, so a guest open in a tab and shown in the list costs one connection of each kind.
 */

struct _GhGuestSession
{
  GObject             parent_instance;

  GhGuestStore       *store;
  GhGuest            *guest;

  /* Valid while active, that is while a helper runs for the guest. */
  GPid                active_pid;
  GCancellable       *cancellable;
  GhHelperClient     *client;
  GhVncSource        *display;
  char               *display_message;
  GFileMonitor       *runtime_monitor;
  char               *serial_path;
  guint               memory_target_mib;
  guint               memory_actual_mib;
  guint               vcpus_enabled;
  GPtrArray          *block_devices;
  guint               sample_source;
  guint               client_retry_source;
  guint               display_retry_source;
  guint64             last_cpu_ticks;
  gint64              last_sample_time;
  double              cpu_samples[GH_GUEST_SESSION_N_SAMPLES];
  double              memory_samples[GH_GUEST_SESSION_N_SAMPLES];
  guint               n_samples;

  GhDisplayThumbnail *thumbnail;
  guint               busy : 1;
};

G_DEFINE_FINAL_TYPE (GhGuestSession, gh_guest_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_GUEST,
  PROP_CLIENT,
  PROP_DISPLAY,
  PROP_DISPLAY_MESSAGE,
  PROP_THUMBNAIL,
  PROP_SERIAL_PATH,
  PROP_BUSY,
  PROP_MEMORY_TARGET_MIB,
  PROP_MEMORY_ACTUAL_MIB,
  PROP_VCPUS_ENABLED,
  N_PROPS
};

enum {
  HELPER_EVENT,
  SAMPLED,
  BLOCK_DEVICES_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define BALLOON_CHANGE_EVENT "BALLOON_CHANGE"

/* A helper is reported running as soon as its pid file is written, a moment before its sockets
 * answer; a display connection can also drop (QEMU's server, for one, closes a client that
 * raced a mode switch). Both are tried again while the guest runs.
 */
#define CLIENT_RETRY_MS  500
#define DISPLAY_RETRY_MS 1000

static void connect_client (GhGuestSession *self);
static void try_open_display (GhGuestSession *self);

/**
 * gh_guest_session_describe_error:
 * @not_available: the sentence for a helper that lacks the command
 *
 * Returns: what to tell people about @error: @not_available when the helper does not have the
 *   command yet, else the error's own message
 */
const char *
gh_guest_session_describe_error (const GError *error,
                                 const char   *not_available)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_COMMAND_NOT_FOUND))
    return not_available;

  return error->message;
}

static void
set_string (GhGuestSession  *self,
            char           **field,
            const char      *value,
            int              prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_uint (GhGuestSession *self,
          guint          *field,
          guint           value,
          int             prop)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* Usage samples, from /proc: the helper's CPU time and resident memory. They are the host's
 * view of the guest, which is what a person sizing guests on this host wants to see.
 */

static gboolean
read_proc_sample (GPid     pid,
                  guint64 *cpu_ticks,
                  guint64 *resident_bytes)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *statm_path = g_strdup_printf ("/proc/%d/statm", pid);
  g_autofree char *stat = NULL;
  g_autofree char *statm = NULL;
  g_auto(GStrv) fields = NULL;
  g_auto(GStrv) pages = NULL;
  const char *after_name;
  guint64 utime, stime, resident;

  if (!g_file_get_contents (stat_path, &stat, NULL, NULL)
      || !g_file_get_contents (statm_path, &statm, NULL, NULL))
    return FALSE;

  /* The command name may hold spaces and parentheses; the fields start after the last ')'. */
  if (!(after_name = strrchr (stat, ')')))
    return FALSE;
  fields = g_strsplit (after_name + 2, " ", -1);
  pages = g_strsplit (statm, " ", -1);

  /* After the name come state (field 3), …, utime (14) and stime (15). */
  if (g_strv_length (fields) < 13 || g_strv_length (pages) < 2
      || !g_ascii_string_to_unsigned (fields[11], 10, 0, G_MAXUINT64, &utime, NULL)
      || !g_ascii_string_to_unsigned (fields[12], 10, 0, G_MAXUINT64, &stime, NULL)
      || !g_ascii_string_to_unsigned (pages[1], 10, 0, G_MAXUINT64, &resident, NULL))
    return FALSE;

  *cpu_ticks = utime + stime;
  *resident_bytes = resident * (guint64) sysconf (_SC_PAGESIZE);

  return TRUE;
}

static void
push_sample (double *samples,
             guint   n_samples,
             double  value)
{
  if (n_samples == GH_GUEST_SESSION_N_SAMPLES)
    memmove (samples, samples + 1, (GH_GUEST_SESSION_N_SAMPLES - 1) * sizeof *samples);
  samples[MIN (n_samples, GH_GUEST_SESSION_N_SAMPLES - 1)] = value;
}

static gboolean
on_sample_timeout (gpointer user_data)
{
  GhGuestSession *self = user_data;
  gint64 now = g_get_monotonic_time ();
  guint64 ticks, resident;

  if (!read_proc_sample (self->active_pid, &ticks, &resident))
    return G_SOURCE_CONTINUE;

  if (self->last_sample_time != 0 && now > self->last_sample_time && ticks >= self->last_cpu_ticks)
    {
      double seconds = (now - self->last_sample_time) / (double) G_USEC_PER_SEC;
      double cpu = (ticks - self->last_cpu_ticks) / (double) sysconf (_SC_CLK_TCK);

      push_sample (self->cpu_samples, self->n_samples, 100.0 * cpu / seconds);
      push_sample (self->memory_samples, self->n_samples, resident / (1024.0 * 1024.0));
      self->n_samples = MIN (self->n_samples + 1, GH_GUEST_SESSION_N_SAMPLES);
      g_signal_emit (self, signals[SAMPLED], 0);
    }

  self->last_cpu_ticks = ticks;
  self->last_sample_time = now;

  return G_SOURCE_CONTINUE;
}

/* The display */

static void
set_display (GhGuestSession *self,
             GhVncSource    *display)
{
  if (self->display == display)
    return;

  if (self->display != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->display, self);
      gh_vnc_source_close (self->display);
      g_clear_object (&self->display);
    }
  self->display = display ? g_object_ref (display) : NULL;
  gh_display_thumbnail_set_source (self->thumbnail, display);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY]);
}

static gboolean
display_retry_cb (gpointer user_data)
{
  GhGuestSession *self = user_data;

  self->display_retry_source = 0;
  try_open_display (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_display_retry (GhGuestSession *self)
{
  if (self->display_retry_source == 0 && self->active_pid != 0)
    self->display_retry_source = g_timeout_add (DISPLAY_RETRY_MS, display_retry_cb, self);
}

static void
on_display_connected_changed (GhVncSource    *source,
                              GParamSpec     *pspec,
                              GhGuestSession *self)
{
  if (gh_vnc_source_get_connected (source))
    return;

  set_display (self, NULL);
  set_string (self, &self->display_message, _("The display connection closed."),
              PROP_DISPLAY_MESSAGE);
  schedule_display_retry (self);
}

static void
try_open_display (GhGuestSession *self)
{
  g_autofree char *path = gh_guest_dup_runtime_path (self->guest, GH_RUNTIME_DISPLAY);
  g_autoptr(GhVncSource) source = NULL;
  g_autoptr(GError) error = NULL;

  if (self->display != NULL)
    return;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      set_string (self, &self->display_message,
                  _("The guest’s helper offers no display: this guesthouse-vmm does not serve "
                    "one yet. The Console tab shows the guest’s serial port."),
                  PROP_DISPLAY_MESSAGE);
      return;
    }

  source = gh_vnc_source_new (path);
  if (!gh_vnc_source_open (source, &error))
    {
      set_string (self, &self->display_message, error->message, PROP_DISPLAY_MESSAGE);
      schedule_display_retry (self);
      return;
    }

  g_signal_connect_object (source, "notify::connected",
                           G_CALLBACK (on_display_connected_changed), self, 0);
  set_string (self, &self->display_message, NULL, PROP_DISPLAY_MESSAGE);
  set_display (self, source);
}

static void
on_runtime_changed (GFileMonitor      *monitor,
                    GFile             *file,
                    GFile             *other_file,
                    GFileMonitorEvent  event,
                    GhGuestSession    *self)
{
  g_autofree char *basename = g_file_get_basename (file);

  if (g_str_equal (basename, GH_RUNTIME_DISPLAY) && event == G_FILE_MONITOR_EVENT_CREATED)
    try_open_display (self);
}

/* The control connection */

static void
on_query_balloon (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GhGuestSession) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object_reply;

  if (!(reply = gh_helper_client_execute_finish (GH_HELPER_CLIENT (object), result, &error)))
    {
      /* A helper without a balloon leaves the current size unknown, which is what it is. */
      g_debug ("query-balloon: %s", error->message);
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (reply)
      && (object_reply = json_node_get_object (reply))
      && json_object_has_member (object_reply, "actual"))
    set_uint (self, &self->memory_actual_mib,
              (guint) (json_object_get_int_member (object_reply, "actual") >> 20),
              PROP_MEMORY_ACTUAL_MIB);
}

static void
on_query_serial (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GhGuestSession) self = user_data;
  g_autofree char *pty = NULL;
  g_autoptr(GError) error = NULL;

  if (!(pty = gh_helper_client_query_serial_finish (GH_HELPER_CLIENT (object), result, &error)))
    {
      g_debug ("query-chardev: %s", error->message);
      return;
    }

  set_string (self, &self->serial_path, pty, PROP_SERIAL_PATH);
}

static void
on_query_vcpus (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GhGuestSession) self = user_data;
  g_autoptr(GError) error = NULL;
  guint enabled;

  if (!gh_helper_client_query_vcpus_finish (GH_HELPER_CLIENT (object), result, &enabled, NULL,
                                            &error))
    {
      /* A helper without hotplug leaves the count unknown. */
      g_debug ("query-vcpus: %s", error->message);
      return;
    }

  set_uint (self, &self->vcpus_enabled, enabled, PROP_VCPUS_ENABLED);
}

static void
on_query_block (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GhGuestSession) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *devices;

  if (!(devices = gh_helper_client_query_block_finish (GH_HELPER_CLIENT (object), result,
                                                       &error)))
    {
      g_debug ("query-block: %s", error->message);
      return;
    }

  g_clear_pointer (&self->block_devices, g_ptr_array_unref);
  self->block_devices = devices;
  g_signal_emit (self, signals[BLOCK_DEVICES_CHANGED], 0);
}

static void
refresh_block_devices (GhGuestSession *self)
{
  if (self->client != NULL)
    gh_helper_client_query_block_async (self->client, self->cancellable, on_query_block,
                                        g_object_ref (self));
}

static void
on_helper_event (GhHelperClient *client,
                 const char     *name,
                 JsonObject     *data,
                 GhGuestSession *self)
{
  if (g_str_equal (name, BALLOON_CHANGE_EVENT))
    {
      if (json_object_has_member (data, "actual"))
        set_uint (self, &self->memory_actual_mib,
                  (guint) (json_object_get_int_member (data, "actual") >> 20),
                  PROP_MEMORY_ACTUAL_MIB);
      return;
    }

  if (g_str_equal (name, GH_PROTOCOL_EVENT_VCPUS_CHANGED))
    {
      JsonNode *enabled = json_object_get_member (data, GH_PROTOCOL_VCPUS_ENABLED);

      if (enabled != NULL && JSON_NODE_HOLDS_VALUE (enabled)
          && json_node_get_value_type (enabled) == G_TYPE_INT64)
        set_uint (self, &self->vcpus_enabled,
                  (guint) CLAMP (json_node_get_int (enabled), 0, G_MAXUINT),
                  PROP_VCPUS_ENABLED);
      return;
    }

  /* The event says which tray moved; a fresh look also tells what is in the drive now. */
  if (g_str_equal (name, GH_PROTOCOL_EVENT_TRAY_MOVED))
    {
      refresh_block_devices (self);
      return;
    }

  g_signal_emit (self, signals[HELPER_EVENT], 0, name);
}

static gboolean
client_retry_cb (gpointer user_data)
{
  GhGuestSession *self = user_data;

  self->client_retry_source = 0;
  connect_client (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_client_retry (GhGuestSession *self)
{
  if (self->client_retry_source == 0 && self->active_pid != 0)
    self->client_retry_source = g_timeout_add (CLIENT_RETRY_MS, client_retry_cb, self);
}

static void
on_client_closed (GhHelperClient *client,
                  GhGuestSession *self)
{
  if (self->client != client)
    return;

  g_signal_handlers_disconnect_by_data (client, self);
  g_clear_object (&self->client);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
  g_signal_emit (self, signals[HELPER_EVENT], 0, "closed");

  /* The helper is going, or went and came back; the store tells which, and a reload stops
   * the retries of a guest that is gone.
   */
  schedule_client_retry (self);
}

static void
on_client_connected (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GhGuestSession) self = user_data;
  g_autoptr(GhHelperClient) client = GH_HELPER_CLIENT (object);
  g_autoptr(GError) error = NULL;

  if (!gh_helper_client_connect_finish (client, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      /* Not up yet, or stopped meanwhile (then the store deactivates us). */
      g_debug ("Cannot connect to the helper of %s: %s", gh_guest_get_name (self->guest),
               error->message);
      schedule_client_retry (self);
      return;
    }

  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    {
      gh_helper_client_close (client);
      return;
    }

  self->client = g_steal_pointer (&client);
  g_signal_connect_object (self->client, "event", G_CALLBACK (on_helper_event), self, 0);
  g_signal_connect_object (self->client, "closed", G_CALLBACK (on_client_closed), self, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);

  gh_helper_client_query_serial_async (self->client, self->cancellable, on_query_serial,
                                       g_object_ref (self));
  gh_helper_client_execute_async (self->client, GH_PROTOCOL_CMD_QUERY_BALLOON, NULL,
                                  self->cancellable, on_query_balloon, g_object_ref (self));
  gh_helper_client_query_vcpus_async (self->client, self->cancellable, on_query_vcpus,
                                      g_object_ref (self));
  refresh_block_devices (self);
}

static void
connect_client (GhGuestSession *self)
{
  g_autofree char *control = gh_guest_dup_runtime_path (self->guest, GH_RUNTIME_CONTROL);

  if (self->client != NULL || self->cancellable == NULL)
    return;

  /* The callback owns the client until it is connected. */
  gh_helper_client_connect_async (gh_helper_client_new (control), self->cancellable,
                                  on_client_connected, g_object_ref (self));
}

/* Following the guest's state */

static void
deactivate (GhGuestSession *self)
{
  if (self->active_pid == 0)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  self->active_pid = 0;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->sample_source, g_source_remove);
  g_clear_handle_id (&self->client_retry_source, g_source_remove);
  g_clear_handle_id (&self->display_retry_source, g_source_remove);
  g_clear_object (&self->runtime_monitor);

  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      gh_helper_client_close (self->client);
      g_clear_object (&self->client);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
    }

  set_display (self, NULL);
  set_string (self, &self->display_message, NULL, PROP_DISPLAY_MESSAGE);
  set_string (self, &self->serial_path, NULL, PROP_SERIAL_PATH);
  set_uint (self, &self->memory_actual_mib, 0, PROP_MEMORY_ACTUAL_MIB);
  set_uint (self, &self->memory_target_mib, 0, PROP_MEMORY_TARGET_MIB);
  set_uint (self, &self->vcpus_enabled, 0, PROP_VCPUS_ENABLED);
  if (self->block_devices != NULL)
    {
      g_clear_pointer (&self->block_devices, g_ptr_array_unref);
      g_signal_emit (self, signals[BLOCK_DEVICES_CHANGED], 0);
    }
  self->n_samples = 0;
  self->last_sample_time = 0;
  g_signal_emit (self, signals[SAMPLED], 0);

  g_object_thaw_notify (G_OBJECT (self));
}

static void
activate (GhGuestSession *self,
          GPid            pid)
{
  GhGuestConfig *config = gh_guest_get_config (self->guest);

  self->active_pid = pid;
  self->cancellable = g_cancellable_new ();

  /* The helper starts with the initial memory; the balloon holds the rest. */
  if (config != NULL)
    set_uint (self, &self->memory_target_mib, gh_guest_config_get_memory_mib (config),
              PROP_MEMORY_TARGET_MIB);

  connect_client (self);

  self->sample_source = g_timeout_add_seconds (1, on_sample_timeout, self);
  on_sample_timeout (self);

  if (config != NULL && !gh_guest_config_get_display (config))
    {
      set_string (self, &self->display_message,
                  _("This guest has no graphical display: its configuration turns it off. The "
                    "Console tab shows its serial port."),
                  PROP_DISPLAY_MESSAGE);
      return;
    }

  {
    g_autoptr(GFile) dir = g_file_new_for_path (gh_guest_get_runtime_dir (self->guest));

    self->runtime_monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_NONE, NULL, NULL);
    if (self->runtime_monitor != NULL)
      g_signal_connect_object (self->runtime_monitor, "changed",
                               G_CALLBACK (on_runtime_changed), self, 0);
  }

  try_open_display (self);
}

static void
update_activation (GhGuestSession *self)
{
  GPid pid = gh_guest_get_pid (self->guest);
  gboolean active = gh_guest_is_active (self->guest) && pid > 0;

  if (active && self->active_pid == pid)
    return;

  deactivate (self);
  if (active)
    activate (self, pid);
}

/* Public API */

GhGuestSession *
gh_guest_session_new (GhGuestStore *store,
                      GhGuest      *guest)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (store), NULL);
  g_return_val_if_fail (GH_IS_GUEST (guest), NULL);

  return g_object_new (GH_TYPE_GUEST_SESSION, "store", store, "guest", guest, NULL);
}

/**
 * gh_guest_session_shutdown:
 *
 * Lets go of the helper's connections for good: the guest left the store, or the app quits.
 * The guest goes on running.
 */
void
gh_guest_session_shutdown (GhGuestSession *self)
{
  g_return_if_fail (GH_IS_GUEST_SESSION (self));

  g_signal_handlers_disconnect_by_data (self->guest, self);
  deactivate (self);
}

GhGuest *
gh_guest_session_get_guest (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  return self->guest;
}

GhGuestStore *
gh_guest_session_get_store (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  return self->store;
}

/**
 * gh_guest_session_get_client:
 *
 * Returns: (transfer none) (nullable): the connected control client, while the guest runs
 */
GhHelperClient *
gh_guest_session_get_client (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  return self->client;
}

/**
 * gh_guest_session_get_display:
 *
 * Returns: (transfer none) (nullable): the display connection, while there is one
 */
GhVncSource *
gh_guest_session_get_display (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  return self->display;
}

/**
 * gh_guest_session_get_display_message:
 *
 * Returns: (nullable): why a running guest has no display connection
 */
const char *
gh_guest_session_get_display_message (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  return self->display_message;
}

/**
 * gh_guest_session_get_thumbnail:
 *
 * Returns: (transfer none): a small, slowly refreshed picture of the guest's screen
 */
GdkPaintable *
gh_guest_session_get_thumbnail (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  return GDK_PAINTABLE (self->thumbnail);
}

/**
 * gh_guest_session_get_serial_path:
 *
 * Returns: (nullable): the pty of the guest's first serial port, while it runs
 */
const char *
gh_guest_session_get_serial_path (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  return self->serial_path;
}

/**
 * gh_guest_session_get_busy:
 *
 * Returns: whether a start or stop of the guest is under way
 */
gboolean
gh_guest_session_get_busy (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), FALSE);

  return self->busy;
}

void
gh_guest_session_set_busy (GhGuestSession *self,
                           gboolean        busy)
{
  g_return_if_fail (GH_IS_GUEST_SESSION (self));

  busy = !!busy;
  if (self->busy == busy)
    return;

  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/**
 * gh_guest_session_get_memory_target_mib:
 *
 * Returns: the memory the guest was last asked to have, or 0 when it does not run
 */
guint
gh_guest_session_get_memory_target_mib (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), 0);

  return self->memory_target_mib;
}

/**
 * gh_guest_session_get_memory_actual_mib:
 *
 * Returns: the memory the guest has now by its balloon's count, or 0 when unknown
 */
guint
gh_guest_session_get_memory_actual_mib (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), 0);

  return self->memory_actual_mib;
}

static void
on_set_memory_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GhGuestSession *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!gh_helper_client_command_finish (GH_HELPER_CLIENT (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  set_uint (self, &self->memory_target_mib, GPOINTER_TO_UINT (g_task_get_task_data (task)),
            PROP_MEMORY_TARGET_MIB);
  g_task_return_boolean (task, TRUE);
}

/**
 * gh_guest_session_set_memory_async:
 * @memory_mib: the memory the running guest should have
 *
 * Sets the balloon's target; the guest's driver then gives memory back or takes it.
 */
void
gh_guest_session_set_memory_async (GhGuestSession      *self,
                                   guint                memory_mib,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GH_IS_GUEST_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_guest_session_set_memory_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (memory_mib), NULL);

  if (self->client == NULL)
    {
      g_task_return_new_error (task, GH_STORE_ERROR, GH_STORE_ERROR_NOT_RUNNING,
                               _("Guest “%s” is not running"), gh_guest_get_name (self->guest));
      return;
    }

  gh_helper_client_set_memory_async (self->client, memory_mib, cancellable, on_set_memory_done,
                                     g_steal_pointer (&task));
}

gboolean
gh_guest_session_set_memory_finish (GhGuestSession  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gh_guest_session_get_vcpus_enabled:
 *
 * Returns: the vCPUs the running guest has by the helper's count (from query-vcpus and
 *   VCPUS_CHANGED), or 0 when unknown
 */
guint
gh_guest_session_get_vcpus_enabled (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), 0);

  return self->vcpus_enabled;
}

static void
on_command_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!gh_helper_client_command_finish (GH_HELPER_CLIENT (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static GTask *
command_task_new (GhGuestSession      *self,
                  gpointer             source_tag,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (self->client == NULL)
    {
      g_task_return_new_error (task, GH_STORE_ERROR, GH_STORE_ERROR_NOT_RUNNING,
                               _("Guest “%s” is not running"), gh_guest_get_name (self->guest));
      g_clear_object (&task);
    }

  return task;
}

/**
 * gh_guest_session_set_vcpus_async:
 * @vcpus: the vCPUs the running guest should have
 *
 * Asks the guest to plug vCPUs in or give them back; it acts in its own time, and
 * #GhGuestSession:vcpus-enabled follows.
 */
void
gh_guest_session_set_vcpus_async (GhGuestSession      *self,
                                  guint                vcpus,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GH_IS_GUEST_SESSION (self));

  if ((task = command_task_new (self, gh_guest_session_set_vcpus_async, cancellable, callback,
                                user_data)))
    gh_helper_client_set_vcpus_async (self->client, vcpus, cancellable, on_command_done, task);
}

/**
 * gh_guest_session_get_block_devices:
 *
 * Returns: (transfer none) (nullable) (element-type GhBlockDevice): the running guest's drives,
 *   as its helper last reported them
 */
GPtrArray *
gh_guest_session_get_block_devices (GhGuestSession *self)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  return self->block_devices;
}

static void
on_media_command_done (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GhGuestSession *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!gh_helper_client_command_finish (GH_HELPER_CLIENT (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* A change need not move the tray as the helper sees it; look again either way. */
  refresh_block_devices (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * gh_guest_session_change_media_async:
 * @device: a CD-ROM drive of the running guest (cdrom0, …)
 * @filename: (nullable): the image to insert, or %NULL to eject the medium
 * @force: when ejecting, eject even though the guest locked the tray
 */
void
gh_guest_session_change_media_async (GhGuestSession      *self,
                                     const char          *device,
                                     const char          *filename,
                                     gboolean             force,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GH_IS_GUEST_SESSION (self));
  g_return_if_fail (device != NULL);

  if (!(task = command_task_new (self, gh_guest_session_change_media_async, cancellable,
                                 callback, user_data)))
    return;

  if (filename != NULL)
    gh_helper_client_change_media_async (self->client, device, filename, cancellable,
                                         on_media_command_done, task);
  else
    gh_helper_client_eject_async (self->client, device, force, cancellable,
                                  on_media_command_done, task);
}

/**
 * gh_guest_session_command_finish:
 *
 * Finishes gh_guest_session_set_vcpus_async() and gh_guest_session_change_media_async().
 */
gboolean
gh_guest_session_command_finish (GhGuestSession  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gh_guest_session_get_cpu_samples:
 *
 * Returns: (array length=n_samples): the helper's CPU use in percent of one CPU, oldest first
 */
const double *
gh_guest_session_get_cpu_samples (GhGuestSession *self,
                                  guint          *n_samples)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  *n_samples = self->n_samples;

  return self->cpu_samples;
}

/**
 * gh_guest_session_get_memory_samples:
 *
 * Returns: (array length=n_samples): the helper's resident memory in MiB, oldest first
 */
const double *
gh_guest_session_get_memory_samples (GhGuestSession *self,
                                     guint          *n_samples)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (self), NULL);

  *n_samples = self->n_samples;

  return self->memory_samples;
}

/* GObject */

static void
gh_guest_session_constructed (GObject *object)
{
  GhGuestSession *self = (GhGuestSession *)object;

  G_OBJECT_CLASS (gh_guest_session_parent_class)->constructed (object);

  g_signal_connect_object (self->guest, "notify::state", G_CALLBACK (update_activation), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->guest, "notify::pid", G_CALLBACK (update_activation), self,
                           G_CONNECT_SWAPPED);
  update_activation (self);
}

static void
gh_guest_session_dispose (GObject *object)
{
  GhGuestSession *self = (GhGuestSession *)object;

  deactivate (self);
  g_clear_object (&self->thumbnail);
  g_clear_object (&self->guest);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (gh_guest_session_parent_class)->dispose (object);
}

static void
gh_guest_session_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GhGuestSession *self = GH_GUEST_SESSION (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, gh_guest_session_get_store (self));
      break;
    case PROP_GUEST:
      g_value_set_object (value, gh_guest_session_get_guest (self));
      break;
    case PROP_CLIENT:
      g_value_set_object (value, gh_guest_session_get_client (self));
      break;
    case PROP_DISPLAY:
      g_value_set_object (value, gh_guest_session_get_display (self));
      break;
    case PROP_DISPLAY_MESSAGE:
      g_value_set_string (value, gh_guest_session_get_display_message (self));
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, gh_guest_session_get_thumbnail (self));
      break;
    case PROP_SERIAL_PATH:
      g_value_set_string (value, gh_guest_session_get_serial_path (self));
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, gh_guest_session_get_busy (self));
      break;
    case PROP_MEMORY_TARGET_MIB:
      g_value_set_uint (value, gh_guest_session_get_memory_target_mib (self));
      break;
    case PROP_MEMORY_ACTUAL_MIB:
      g_value_set_uint (value, gh_guest_session_get_memory_actual_mib (self));
      break;
    case PROP_VCPUS_ENABLED:
      g_value_set_uint (value, gh_guest_session_get_vcpus_enabled (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_session_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GhGuestSession *self = GH_GUEST_SESSION (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_GUEST:
      self->guest = g_value_dup_object (value);
      break;
    case PROP_BUSY:
      gh_guest_session_set_busy (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_session_class_init (GhGuestSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = gh_guest_session_constructed;
  object_class->dispose = gh_guest_session_dispose;
  object_class->get_property = gh_guest_session_get_property;
  object_class->set_property = gh_guest_session_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, GH_TYPE_GUEST_STORE, construct);
  properties[PROP_GUEST] =
    g_param_spec_object ("guest", NULL, NULL, GH_TYPE_GUEST, construct);
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, GH_TYPE_HELPER_CLIENT, ro);
  properties[PROP_DISPLAY] =
    g_param_spec_object ("display", NULL, NULL, GH_TYPE_VNC_SOURCE, ro);
  properties[PROP_DISPLAY_MESSAGE] =
    g_param_spec_string ("display-message", NULL, NULL, NULL, ro);
  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_PAINTABLE, ro);
  properties[PROP_SERIAL_PATH] =
    g_param_spec_string ("serial-path", NULL, NULL, NULL, ro);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MEMORY_TARGET_MIB] =
    g_param_spec_uint ("memory-target-mib", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_MEMORY_ACTUAL_MIB] =
    g_param_spec_uint ("memory-actual-mib", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_VCPUS_ENABLED] =
    g_param_spec_uint ("vcpus-enabled", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GhGuestSession::helper-event:
   * @event: the helper's event (STOP, RESUME, SHUTDOWN, RESET …), or "closed" when the control
   *   connection ended
   *
   * Something changed that the store learns only by asking again.
   */
  signals[HELPER_EVENT] =
    g_signal_new ("helper-event",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * GhGuestSession::block-devices-changed:
   *
   * The running guest's drives, or what is in them, changed; or the guest stopped.
   */
  signals[BLOCK_DEVICES_CHANGED] =
    g_signal_new ("block-devices-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * GhGuestSession::sampled:
   *
   * The usage samples changed.
   */
  signals[SAMPLED] =
    g_signal_new ("sampled",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
gh_guest_session_init (GhGuestSession *self)
{
  self->thumbnail = gh_display_thumbnail_new ();
}
