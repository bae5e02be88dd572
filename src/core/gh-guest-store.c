/* gh-guest-store.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gh-types.h"
#include "gh-error.h"
#include "protocol/gh-protocol.h"
#include "gh-guest-config.h"
#include "gh-guest-id.h"
#include "gh-guest-private.h"
#include "gh-guest-store.h"
#include "gh-helper-client.h"
#include "gh-helper-launcher-private.h"
#include "gh-store-lock-private.h"

/* The store is the one place that knows where guests live:
 *
 *   $XDG_CONFIG_HOME/guesthouse/guests/NAME.conf   the configuration (what a guest is)
 *   $XDG_CONFIG_HOME/guesthouse/guests/.lock       serializes every change, across processes
 *   $XDG_RUNTIME_DIR/guesthouse/NAME/              exists while a helper runs: sockets, pty
 *                                                  link, pid, domain id
 *   $XDG_STATE_HOME/guesthouse/NAME.log            the last helper's output
 *   $XDG_STATE_HOME/guesthouse/NAME.exit           how the last helper ended, when not cleanly
 *
 * The files are the truth and the list model is a view of them, refreshed by
 * gh_guest_store_reload(). Nothing is cached between processes: two CLIs and the app see the
 * same guests because they read the same files.
 */

#define LOCK_TIMEOUT_MS        20000
#define QUERY_TIMEOUT_MS       2000
#define QUIT_TIMEOUT_MS        3000
#define EXIT_WAIT_MS           5000
#define START_TIMEOUT_MS       30000

struct _GhGuestStore
{
  GObject           parent_instance;

  char             *config_dir;
  char             *runtime_dir;
  char             *state_dir;
  char             *lock_path;
  GhHelperLauncher *launcher;
  GPtrArray        *guests;      /* of GhGuest, sorted by name */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GhGuestStore, gh_guest_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_CONFIG_DIR,
  PROP_RUNTIME_DIR,
  PROP_STATE_DIR,
  PROP_LAUNCHER,
  N_PROPS
};

enum {
  RUNTIME_CLEANED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Small file helpers */

static gboolean
read_uint_file (const char *path,
                guint      *out)
{
  g_autofree char *text = NULL;
  guint64 value;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;

  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT, &value, NULL))
    return FALSE;

  *out = (guint) value;

  return TRUE;
}

static gboolean
write_uint_file (const char  *path,
                 guint        value,
                 GError     **error)
{
  g_autofree char *text = g_strdup_printf ("%u\n", value);

  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* Is @pid a live (not zombie) guesthouse-vmm for @name? The command line check keeps a reused
 * pid from passing for a helper after a crash.
 */
static gboolean
helper_alive (GPid        pid,
              const char *name)
{
  g_autofree char *stat_path = NULL;
  g_autofree char *cmdline_path = NULL;
  g_autofree char *stat = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *needle = NULL;
  gsize length, needle_len;
  const char *paren;

  if (pid <= 0 || (kill (pid, 0) != 0 && errno != EPERM))
    return FALSE;

  stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  if (!g_file_get_contents (stat_path, &stat, NULL, NULL))
    return FALSE;
  paren = strrchr (stat, ')');
  if (paren == NULL || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X')
    return FALSE;

  cmdline_path = g_strdup_printf ("/proc/%d/cmdline", pid);
  if (!g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
    return FALSE;

  /* "--name\0NAME\0" somewhere in the NUL-separated arguments. */
  needle = g_strdup_printf ("--name%c%s", '\0', name);
  needle_len = strlen ("--name") + 1 + strlen (name) + 1;
  for (gsize i = 0; i + needle_len <= length; i++)
    if ((i == 0 || cmdline[i - 1] == '\0') && memcmp (cmdline + i, needle, needle_len) == 0)
      return TRUE;

  return FALSE;
}

static gboolean
wait_for_exit (GPid        pid,
               const char *name,
               guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (helper_alive (pid, name))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }

  return TRUE;
}

/* Removes a runtime folder and whatever is in it (the helper may have left files we did not
 * name); folders inside are not followed.
 */
static void
remove_runtime_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *file = g_build_filename (path, entry, NULL);
      g_unlink (file);
    }

  g_rmdir (path);
}

typedef struct
{
  gboolean exists;
  gboolean alive;
  GPid     pid;
  guint    domain_id;
} RuntimeInfo;

static void
read_runtime (GhGuestStore *self,
              const char   *name,
              RuntimeInfo  *info)
{
  g_autofree char *dir = g_build_filename (self->runtime_dir, name, NULL);
  g_autofree char *pid_path = g_build_filename (dir, GH_RUNTIME_PID, NULL);
  g_autofree char *domid_path = g_build_filename (dir, GH_RUNTIME_DOMID, NULL);
  guint pid = 0;

  memset (info, 0, sizeof *info);
  info->exists = g_file_test (dir, G_FILE_TEST_IS_DIR);
  if (!info->exists)
    return;

  if (read_uint_file (pid_path, &pid))
    info->pid = (GPid) pid;
  if (!read_uint_file (domid_path, &info->domain_id))
    info->domain_id = 0;
  info->alive = info->pid > 0 && helper_alive (info->pid, name);
}

static char *
dup_exit_path (GhGuestStore *self,
               const char   *name)
{
  g_autofree char *file = g_strconcat (name, ".exit", NULL);

  return g_build_filename (self->state_dir, file, NULL);
}

char *
gh_guest_store_dup_log_path (GhGuestStore *self,
                             const char   *name)
{
  g_autofree char *file = NULL;

  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  file = g_strconcat (name, ".log", NULL);

  return g_build_filename (self->state_dir, file, NULL);
}

char *
gh_guest_store_dup_config_path (GhGuestStore *self,
                                const char   *name)
{
  g_autofree char *file = NULL;

  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  file = g_strconcat (name, ".conf", NULL);

  return g_build_filename (self->config_dir, file, NULL);
}

/* The last line the helper wrote: its one-line error when it fails. */
static char *
read_log_tail (GhGuestStore *self,
               const char   *name)
{
  g_autofree char *path = gh_guest_store_dup_log_path (self, name);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, NULL) || length == 0)
    return NULL;

  lines = g_strsplit (text, "\n", -1);
  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] != '\0')
        {
          if (!g_utf8_validate (lines[i], -1, NULL))
            return NULL;
          return g_strdup (lines[i]);
        }
    }

  return NULL;
}

/* How the last helper ended, from the record the monitor (or a stale-folder cleanup) wrote.
 * Returns whether that counts as a crash, and a sentence for people.
 */
static gboolean
read_exit_record (GhGuestStore  *self,
                  const char    *name,
                  char         **description)
{
  g_autofree char *path = dup_exit_path (self, name);
  g_autofree char *text = NULL;
  g_autofree char *tail = NULL;
  guint64 value = 0;

  *description = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  g_strstrip (text);

  if (g_str_has_prefix (text, "signal ")
      && g_ascii_string_to_unsigned (text + 7, 10, 1, 64, &value, NULL))
    {
      *description = g_strdup_printf (_("The helper was killed by signal %u (%s)"),
                                      (guint) value, g_strsignal ((int) value));
      return TRUE;
    }

  if (g_str_has_prefix (text, "status ")
      && g_ascii_string_to_unsigned (text + 7, 10, 0, 255, &value, NULL))
    {
      /* 1 is the helper's own error exit, 127 a helper that could not be executed; other odd
       * values come from the guest through the debug-exit port ((V << 1) | 1), which is the
       * guest's choice to stop, not a crash.
       */
      if (value == 1 || value == 127)
        {
          tail = read_log_tail (self, name);
          *description = tail
            ? g_strdup_printf (_("The helper failed with status %u: %s"), (guint) value, tail)
            : g_strdup_printf (_("The helper failed with status %u"), (guint) value);
          return TRUE;
        }
      *description = g_strdup_printf (_("The guest exited with status %u"), (guint) value);
      return (value % 2) == 0;
    }

  if (g_str_has_prefix (text, "stale"))
    {
      *description = g_strdup (_("The helper ended unwatched; its runtime folder was stale "
                                 "and has been removed"));
      return TRUE;
    }

  return FALSE;
}

static void
write_stale_record (GhGuestStore *self,
                    const char   *name)
{
  g_autofree char *path = dup_exit_path (self, name);

  g_mkdir_with_parents (self->state_dir, 0700);
  g_file_set_contents_full (path, "stale\n", -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
}

/* Under the store lock: if @name's runtime folder is still stale, removes it and records a
 * crash. Returns whether it removed something.
 */
static gboolean
clean_stale_locked (GhGuestStore *self,
                    const char   *name,
                    GPid         *stale_pid)
{
  g_autofree char *dir = g_build_filename (self->runtime_dir, name, NULL);
  RuntimeInfo info;

  read_runtime (self, name, &info);
  if (!info.exists || info.alive)
    return FALSE;

  *stale_pid = info.pid;
  remove_runtime_folder (dir);
  write_stale_record (self, name);

  return TRUE;
}

static gboolean
clean_stale (GhGuestStore  *self,
             const char    *name,
             GPid          *stale_pid,
             GError       **error)
{
  gboolean cleaned;
  int lock;

  if ((lock = _gh_store_lock_acquire (self->lock_path, LOCK_TIMEOUT_MS, error)) < 0)
    return FALSE;

  cleaned = clean_stale_locked (self, name, stale_pid);
  _gh_store_lock_release (lock);

  return cleaned;
}

/* The list model */

static GType
list_model_get_item_type (GListModel *model)
{
  return GH_TYPE_GUEST;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return GH_GUEST_STORE (model)->guests->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  GhGuestStore *self = GH_GUEST_STORE (model);

  if (position >= self->guests->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->guests, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

/* Reload */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
list_config_names (GhGuestStore  *self,
                   GError       **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  dir = g_dir_open (self->config_dir, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&names);

      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_IO,
                   _("Cannot read the guest folder %s: %s"), self->config_dir,
                   local_error->message);
      return NULL;
    }

  while ((entry = g_dir_read_name (dir)))
    {
      /* Dot files are ours (the lock) or editors' (.NAME.conf.swp); temporary files from an
       * atomic write end in a random suffix, not ".conf".
       */
      if (entry[0] == '.' || !g_str_has_suffix (entry, ".conf"))
        continue;

      g_ptr_array_add (names, g_strndup (entry, strlen (entry) - strlen (".conf")));
    }

  g_ptr_array_sort (names, compare_names);

  return g_steal_pointer (&names);
}

static GhGuest *
find_guest (GPtrArray  *guests,
            const char *name)
{
  for (guint i = 0; i < guests->len; i++)
    {
      GhGuest *guest = g_ptr_array_index (guests, i);

      if (g_strcmp0 (gh_guest_get_name (guest), name) == 0)
        return guest;
    }

  return NULL;
}

static GhGuestState
query_state (GhGuestStore *self,
             const char   *name)
{
  g_autofree char *dir = g_build_filename (self->runtime_dir, name, NULL);
  g_autofree char *control = g_build_filename (dir, GH_RUNTIME_CONTROL, NULL);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *status = NULL;

  reply = gh_helper_client_execute_sync (control, GH_PROTOCOL_CMD_QUERY_STATUS, NULL,
                                         QUERY_TIMEOUT_MS, &error);
  if (reply == NULL)
    {
      /* A live helper that does not answer (busy, or still starting) is running for all we
       * know; a later look will tell.
       */
      g_debug ("Cannot query %s: %s", name, error->message);
      return GH_GUEST_STATE_RUNNING;
    }

  if (JSON_NODE_HOLDS_OBJECT (reply))
    {
      JsonNode *node = json_object_get_member (json_node_get_object (reply), GH_PROTOCOL_STATUS);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
          && json_node_get_value_type (node) == G_TYPE_STRING)
        status = json_node_get_string (node);
    }

  return g_strcmp0 (status, GH_PROTOCOL_STATUS_PAUSED) == 0
    ? GH_GUEST_STATE_PAUSED
    : GH_GUEST_STATE_RUNNING;
}

/**
 * gh_guest_store_reload:
 *
 * Reads every configuration file and runtime folder again and updates the list. A file that
 * does not load stays in the list as an %GH_GUEST_STATE_INVALID guest carrying the error. A
 * runtime folder whose helper is gone is removed (under the lock), the guest shows as crashed,
 * and #GhGuestStore::runtime-cleaned is emitted.
 *
 * Running guests are asked for their state (running or paused), so this blocks for up to a
 * couple of seconds per unresponsive helper.
 */
gboolean
gh_guest_store_reload (GhGuestStore  *self,
                       GError       **error)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) guests = NULL;
  gboolean same_names;

  g_return_val_if_fail (GH_IS_GUEST_STORE (self), FALSE);

  if (!(names = list_config_names (self, error)))
    return FALSE;

  guests = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(GhGuest) guest = NULL;
      g_autoptr(GhGuestConfig) config = NULL;
      g_autoptr(GError) config_error = NULL;
      g_autofree char *config_path = gh_guest_store_dup_config_path (self, name);
      g_autofree char *runtime = g_build_filename (self->runtime_dir, name, NULL);
      g_autofree char *last_exit = NULL;
      GhGuestState state = GH_GUEST_STATE_SHUT_OFF;
      RuntimeInfo info;
      gboolean crashed;

      guest = find_guest (self->guests, name);
      if (guest != NULL)
        g_object_ref (guest);
      else
        guest = _gh_guest_new (name, runtime);

      config = gh_guest_config_new_from_file (config_path, &config_error);
      _gh_guest_set_config (guest, config, config_error);

      crashed = read_exit_record (self, name, &last_exit);

      if (gh_guest_name_validate (name, NULL))
        {
          read_runtime (self, name, &info);
          if (info.exists && !info.alive)
            {
              GPid stale_pid = 0;
              g_autoptr(GError) clean_error = NULL;

              if (clean_stale (self, name, &stale_pid, &clean_error))
                {
                  g_autofree char *message =
                    g_strdup_printf (_("Removed the stale runtime folder of guest “%s”: its "
                                       "helper (pid %d) is gone"), name, stale_pid);

                  g_clear_pointer (&last_exit, g_free);
                  crashed = read_exit_record (self, name, &last_exit);
                  g_signal_emit (self, signals[RUNTIME_CLEANED], 0, guest, message);
                }
              else if (clean_error != NULL)
                g_warning ("%s", clean_error->message);

              read_runtime (self, name, &info);
            }
        }
      else
        memset (&info, 0, sizeof info);

      if (info.alive)
        state = query_state (self, name);
      else if (config == NULL)
        state = GH_GUEST_STATE_INVALID;
      else if (crashed)
        state = GH_GUEST_STATE_CRASHED;

      _gh_guest_set_runtime (guest, state, info.alive ? info.domain_id : 0,
                             info.alive ? info.pid : 0);
      _gh_guest_set_last_exit (guest, last_exit);

      g_ptr_array_add (guests, g_steal_pointer (&guest));
    }

  same_names = guests->len == self->guests->len;
  for (guint i = 0; same_names && i < guests->len; i++)
    same_names = guests->pdata[i] == self->guests->pdata[i];

  if (!same_names)
    {
      guint removed = self->guests->len;

      g_ptr_array_unref (self->guests);
      self->guests = g_steal_pointer (&guests);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->guests->len);
    }

  return TRUE;
}

/**
 * gh_guest_store_lookup:
 *
 * Returns: (transfer none) (nullable): the guest named @name as of the last reload
 */
GhGuest *
gh_guest_store_lookup (GhGuestStore *self,
                       const char   *name)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return find_guest (self->guests, name);
}

/**
 * gh_guest_store_lookup_by_domain_id:
 *
 * Returns: (transfer none) (nullable): the running guest with @domain_id
 */
GhGuest *
gh_guest_store_lookup_by_domain_id (GhGuestStore *self,
                                    guint         domain_id)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);

  if (domain_id == 0)
    return NULL;

  for (guint i = 0; i < self->guests->len; i++)
    {
      GhGuest *guest = g_ptr_array_index (self->guests, i);

      if (gh_guest_get_domain_id (guest) == domain_id)
        return guest;
    }

  return NULL;
}

/**
 * gh_guest_store_lookup_by_uuid:
 *
 * Returns: (transfer none) (nullable): the guest with @uuid (any letter case)
 */
GhGuest *
gh_guest_store_lookup_by_uuid (GhGuestStore *self,
                               const char   *uuid)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);
  g_return_val_if_fail (uuid != NULL, NULL);

  for (guint i = 0; i < self->guests->len; i++)
    {
      GhGuest *guest = g_ptr_array_index (self->guests, i);
      GhGuestConfig *config = gh_guest_get_config (guest);

      if (config != NULL && g_ascii_strcasecmp (gh_guest_config_get_uuid (config), uuid) == 0)
        return guest;
    }

  return NULL;
}

/* Define and undefine */

/* MACs and UUIDs of every guest but @except, read leniently: a file that does not pass full
 * validation still reserves whatever addresses it names, so fixing it later cannot create a
 * clash.
 */
static void
collect_identities (GhGuestStore *self,
                    GPtrArray    *names,
                    const char   *except,
                    GHashTable   *macs,
                    GHashTable   *uuids)
{
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = NULL;
      g_autoptr(GKeyFile) kf = NULL;
      g_auto(GStrv) groups = NULL;
      g_autofree char *uuid = NULL;

      if (g_strcmp0 (name, except) == 0)
        continue;

      path = gh_guest_store_dup_config_path (self, name);
      kf = g_key_file_new ();
      if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
        continue;

      if ((uuid = g_key_file_get_string (kf, "Guest", "UUID", NULL)))
        g_hash_table_add (uuids, g_ascii_strdown (uuid, -1));

      groups = g_key_file_get_groups (kf, NULL);
      for (guint j = 0; groups[j] != NULL; j++)
        {
          g_autofree char *mac = NULL;
          char *canonical;

          if (!g_str_has_prefix (groups[j], "NIC "))
            continue;
          mac = g_key_file_get_string (kf, groups[j], "MAC", NULL);
          if (mac != NULL && (canonical = gh_mac_normalize (mac, NULL)))
            g_hash_table_add (macs, canonical);
        }
    }
}

/* A NIC without an address draws one from the pool; one set by hand is
 * checked. Either way it joins macs, so that the next NIC cannot take it. */
static gboolean
assign_nic_macs (GhGuestConfig  *config,
                 GHashTable     *macs,
                 GError        **error)
{
  for (guint i = 0; i < gh_guest_config_get_n_nics (config); i++)
    {
      const GhNic *nic = gh_guest_config_get_nic (config, i);
      g_autofree char *mac = NULL;

      if (nic->mac == NULL)
        mac = gh_mac_allocate (macs, NULL, error);
      else
        mac = gh_mac_validate_manual (nic->mac, macs, error);
      if (mac == NULL)
        return FALSE;

      gh_guest_config_set_nic_mac (config, i, mac);
      g_hash_table_add (macs, g_steal_pointer (&mac));
    }
  return TRUE;
}

typedef gboolean (*LockedWrite) (GhGuestStore   *self,
                                 GhGuestConfig  *config,
                                 GError        **error);

/* Writes a copy of config under the store lock, then reloads, so that the
 * returned guest is what the file now says. */
static GhGuest *
write_under_lock (GhGuestStore   *self,
                  GhGuestConfig  *config,
                  LockedWrite     write,
                  GError        **error)
{
  g_autoptr(GhGuestConfig) copy = NULL;
  gboolean ok;
  int lock;

  if (!gh_guest_name_validate (gh_guest_config_get_name (config), error))
    return NULL;

  copy = gh_guest_config_copy (config, NULL);

  if ((lock = _gh_store_lock_acquire (self->lock_path, LOCK_TIMEOUT_MS, error)) < 0)
    return NULL;
  ok = write (self, copy, error);
  _gh_store_lock_release (lock);

  if (!ok || !gh_guest_store_reload (self, error))
    return NULL;

  return gh_guest_store_lookup (self, gh_guest_config_get_name (copy));
}

static gboolean
define_locked (GhGuestStore   *self,
               GhGuestConfig  *config,
               GError        **error)
{
  const char *name = gh_guest_config_get_name (config);
  g_autofree char *path = gh_guest_store_dup_config_path (self, name);
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GHashTable) macs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GStatBuf st;

  /* Never replace a file, even one that does not load: it may be a guest someone is fixing. */
  if (g_lstat (path, &st) == 0)
    {
      g_autoptr(GError) load_error = NULL;
      g_autoptr(GhGuestConfig) existing = gh_guest_config_new_from_file (path, &load_error);

      if (existing != NULL)
        g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_EXISTS,
                     _("A guest named “%s” is already defined"), name);
      else
        g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_BROKEN,
                     _("A configuration for “%s” exists but does not load; it is left "
                       "untouched: %s"), name, load_error->message);
      return FALSE;
    }

  if (!(names = list_config_names (self, error)))
    return FALSE;
  collect_identities (self, names, name, macs, uuids);

  if (gh_guest_config_get_uuid (config) == NULL)
    {
      g_autofree char *uuid = NULL;

      do
        {
          g_free (uuid);
          uuid = gh_guest_uuid_generate ();
        }
      while (g_hash_table_contains (uuids, uuid));
      gh_guest_config_set_uuid (config, uuid);
    }
  else
    {
      g_autofree char *lower = NULL;

      if (!gh_guest_uuid_validate (gh_guest_config_get_uuid (config), error))
        return FALSE;
      lower = g_ascii_strdown (gh_guest_config_get_uuid (config), -1);
      if (g_hash_table_contains (uuids, lower))
        {
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_EXISTS,
                       _("The UUID %s belongs to another guest"), lower);
          return FALSE;
        }
      gh_guest_config_set_uuid (config, lower);
    }

  if (!assign_nic_macs (config, macs, error))
    return FALSE;

  return gh_guest_config_save (config, path, error);
}

/**
 * gh_guest_store_define:
 * @config: the new guest; not changed (the store works on a copy)
 *
 * Defines a guest: gives it a UUID if it has none, gives each NIC without an address one from
 * the pool, checks addresses set by hand, and writes the file, all under the store lock so
 * that two processes defining at once cannot pick the same name or address.
 *
 * Returns: (transfer none) (nullable): the new guest in the store
 */
GhGuest *
gh_guest_store_define (GhGuestStore   *self,
                       GhGuestConfig  *config,
                       GError        **error)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (config), NULL);

  return write_under_lock (self, config, define_locked, error);
}

static gboolean
update_locked (GhGuestStore   *self,
               GhGuestConfig  *config,
               GError        **error)
{
  const char *name = gh_guest_config_get_name (config);
  g_autofree char *path = gh_guest_store_dup_config_path (self, name);
  g_autoptr(GhGuestConfig) existing = NULL;
  g_autoptr(GError) load_error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GHashTable) macs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   _("There is no guest named “%s”"), name);
      return FALSE;
    }

  /* A file that does not load is left for the person fixing it, as define does. */
  if (!(existing = gh_guest_config_new_from_file (path, &load_error)))
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_BROKEN,
                   _("The configuration of “%s” does not load; it is left untouched: %s"),
                   name, load_error->message);
      return FALSE;
    }

  /* The UUID is the guest's identity: set once by define, never changed after. */
  if (gh_guest_config_get_uuid (config) == NULL)
    gh_guest_config_set_uuid (config, gh_guest_config_get_uuid (existing));
  else if (g_ascii_strcasecmp (gh_guest_config_get_uuid (config),
                               gh_guest_config_get_uuid (existing)) != 0)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                   _("The UUID of guest “%s” is %s and cannot change"), name,
                   gh_guest_config_get_uuid (existing));
      return FALSE;
    }

  if (!(names = list_config_names (self, error)))
    return FALSE;
  collect_identities (self, names, name, macs, uuids);

  if (!assign_nic_macs (config, macs, error))
    return FALSE;

  if (!gh_guest_config_validate (config, error))
    return FALSE;

  return gh_guest_config_save (config, path, error);
}

/**
 * gh_guest_store_update:
 * @config: the guest's new configuration, named as the guest; not changed (the store works on
 *   a copy)
 *
 * Replaces a defined guest's configuration, under the store lock. The UUID stays what define
 * gave (a %NULL UUID in @config means "the same"); NICs keep their addresses and a NIC without
 * one gets one from the pool. A running guest may be updated: its helper goes on with the
 * values it was started with, and the new ones apply at its next start.
 *
 * Returns: (transfer none) (nullable): the guest in the store
 */
GhGuest *
gh_guest_store_update (GhGuestStore   *self,
                       GhGuestConfig  *config,
                       GError        **error)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (config), NULL);

  return write_under_lock (self, config, update_locked, error);
}

/**
 * gh_guest_store_undefine:
 * @remove_disks: also delete the guest's writable disk images (never CD-ROMs or read-only
 *   disks, which are usually shared installation media)
 *
 * Refuses while the guest runs.
 */
gboolean
gh_guest_store_undefine (GhGuestStore  *self,
                         const char    *name,
                         gboolean       remove_disks,
                         GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *exit_path = NULL;
  g_autofree char *log_path = NULL;
  g_autoptr(GhGuestConfig) config = NULL;
  g_autoptr(GError) load_error = NULL;
  RuntimeInfo info;
  gboolean ok = FALSE;
  int lock;

  g_return_val_if_fail (GH_IS_GUEST_STORE (self), FALSE);

  if (!gh_guest_name_validate (name, error))
    return FALSE;

  path = gh_guest_store_dup_config_path (self, name);
  exit_path = dup_exit_path (self, name);
  log_path = gh_guest_store_dup_log_path (self, name);

  if ((lock = _gh_store_lock_acquire (self->lock_path, LOCK_TIMEOUT_MS, error)) < 0)
    return FALSE;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   _("There is no guest named “%s”"), name);
      goto out;
    }

  read_runtime (self, name, &info);
  if (info.alive)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_RUNNING,
                   _("Guest “%s” is running; destroy it first"), name);
      goto out;
    }

  config = gh_guest_config_new_from_file (path, &load_error);
  if (remove_disks)
    {
      if (config == NULL)
        {
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_BROKEN,
                       _("Cannot tell which disks to remove: %s"), load_error->message);
          goto out;
        }

      for (guint i = 0; i < gh_guest_config_get_n_disks (config); i++)
        {
          const GhDisk *disk = gh_guest_config_get_disk (config, i);

          if (disk->media != GH_DISK_MEDIA_DISK || disk->readonly)
            continue;

          if (g_file_test (disk->path, G_FILE_TEST_IS_REGULAR) && g_unlink (disk->path) != 0)
            {
              int errsv = errno;

              g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_IO,
                           _("Cannot remove the disk %s: %s"), disk->path, g_strerror (errsv));
              goto out;
            }
        }
    }

  if (g_unlink (path) != 0)
    {
      int errsv = errno;

      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_IO,
                   _("Cannot remove %s: %s"), path, g_strerror (errsv));
      goto out;
    }

  g_unlink (exit_path);
  g_unlink (log_path);
  if (info.exists)
    {
      g_autofree char *dir = g_build_filename (self->runtime_dir, name, NULL);
      remove_runtime_folder (dir);
    }
  ok = TRUE;

out:
  _gh_store_lock_release (lock);

  if (ok)
    return gh_guest_store_reload (self, error);

  return FALSE;
}

/* Start. The blocking part runs without touching the list, so start_async can run it in a
 * worker thread; only the reload afterwards runs in the caller's thread.
 */

static int
try_connect (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;
  int ret;

  if (strlen (path) >= sizeof addr.sun_path)
    return -1;
  strcpy (addr.sun_path, path);

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  ret = connect (fd, (struct sockaddr *) &addr, sizeof addr);
  close (fd);

  return ret;
}

static gboolean
start_blocking (GhGuestStore  *self,
                const char    *name,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autofree char *config_path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *pid_path = NULL;
  g_autofree char *domid_path = NULL;
  g_autofree char *control = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *exit_path = NULL;
  g_autoptr(GhGuestConfig) config = NULL;
  g_autoptr(GArray) in_use = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) names = NULL;
  g_auto(GStrv) argv = NULL;
  GhLaunchPaths paths;
  RuntimeInfo info;
  guint domain_id;
  GPid pid = 0;
  GPid stale_pid = 0;
  gint64 deadline;
  int lock;

  if (!gh_guest_name_validate (name, error))
    return FALSE;

  config_path = gh_guest_store_dup_config_path (self, name);
  dir = g_build_filename (self->runtime_dir, name, NULL);
  pid_path = g_build_filename (dir, GH_RUNTIME_PID, NULL);
  domid_path = g_build_filename (dir, GH_RUNTIME_DOMID, NULL);
  control = g_build_filename (dir, GH_RUNTIME_CONTROL, NULL);
  log_path = gh_guest_store_dup_log_path (self, name);
  exit_path = dup_exit_path (self, name);

  if ((lock = _gh_store_lock_acquire (self->lock_path, LOCK_TIMEOUT_MS, error)) < 0)
    return FALSE;

  if (!g_file_test (config_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   _("There is no guest named “%s”"), name);
      goto fail;
    }

  if (!(config = gh_guest_config_new_from_file (config_path, error)))
    goto fail;

  read_runtime (self, name, &info);
  if (info.alive)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_RUNNING,
                   _("Guest “%s” is already running"), name);
      goto fail;
    }
  clean_stale_locked (self, name, &stale_pid);

  /* Domain ids of the running guests, from their runtime folders. */
  if (!(names = list_config_names (self, error)))
    goto fail;
  for (guint i = 0; i < names->len; i++)
    {
      RuntimeInfo other;

      if (!gh_guest_name_validate (g_ptr_array_index (names, i), NULL))
        continue;
      read_runtime (self, g_ptr_array_index (names, i), &other);
      if (other.alive && other.domain_id > 0)
        g_array_append_val (in_use, other.domain_id);
    }
  domain_id = gh_domain_id_allocate ((const guint *) in_use->data, in_use->len);

  if (!(argv = gh_helper_launcher_build_argv (self->launcher, config, dir, error)))
    goto fail;

  if (g_mkdir_with_parents (self->runtime_dir, 0700) != 0
      || g_mkdir_with_parents (self->state_dir, 0700) != 0
      || g_mkdir (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_IO,
                   _("Cannot create the runtime folder %s: %s"), dir, g_strerror (errsv));
      goto fail;
    }

  if (!write_uint_file (domid_path, domain_id, error))
    goto fail_remove;

  g_unlink (exit_path);

  paths.runtime_dir = dir;
  paths.lock_path = self->lock_path;
  paths.log_path = log_path;
  paths.exit_path = exit_path;
  if (!(pid = _gh_helper_launcher_spawn (self->launcher, (const char * const *) argv, &paths,
                                         error)))
    goto fail_remove;

  if (!write_uint_file (pid_path, (guint) pid, error))
    {
      kill (pid, SIGKILL);
      goto fail_remove;
    }

  _gh_store_lock_release (lock);
  lock = -1;

  /* Up when the control socket answers; failed when the helper is gone first. */
  deadline = g_get_monotonic_time () + (gint64) START_TIMEOUT_MS * 1000;
  for (;;)
    {
      if (try_connect (control) == 0)
        return TRUE;

      if (!helper_alive (pid, name))
        {
          g_autofree char *description = NULL;
          g_autofree char *tail = read_log_tail (self, name);

          /* Give the monitor a moment to write its record, for the message. */
          for (guint i = 0; i < 50 && g_file_test (dir, G_FILE_TEST_EXISTS); i++)
            g_usleep (10 * 1000);
          read_exit_record (self, name, &description);

          g_set_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_HELPER_FAILED,
                       _("The helper of guest “%s” exited while starting: %s"), name,
                       tail ? tail : description ? description : _("no message"));
          return FALSE;
        }

      if (g_get_monotonic_time () >= deadline
          || g_cancellable_is_cancelled (cancellable))
        {
          kill (pid, SIGKILL);
          g_set_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_TIMEOUT,
                       _("The helper of guest “%s” did not open its control socket within "
                         "%u seconds; it was stopped"), name, START_TIMEOUT_MS / 1000);
          return FALSE;
        }

      g_usleep (10 * 1000);
    }

fail_remove:
  remove_runtime_folder (dir);
fail:
  _gh_store_lock_release (lock);
  return FALSE;
}

/**
 * gh_guest_store_start:
 *
 * Starts the guest's helper detached and waits until its control socket answers. Blocks; use
 * gh_guest_store_start_async() from a UI.
 */
gboolean
gh_guest_store_start (GhGuestStore  *self,
                      const char    *name,
                      GCancellable  *cancellable,
                      GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (GH_IS_GUEST_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  ok = start_blocking (self, name, cancellable, error);

  if (!gh_guest_store_reload (self, ok ? error : NULL))
    return FALSE;

  return ok;
}

/* Destroy */

static gboolean
destroy_blocking (GhGuestStore  *self,
                  const char    *name,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *control = NULL;
  g_autofree char *exit_path = NULL;
  g_autoptr(JsonNode) reply = NULL;
  RuntimeInfo info;
  int lock;

  if (!gh_guest_name_validate (name, error))
    return FALSE;

  dir = g_build_filename (self->runtime_dir, name, NULL);
  control = g_build_filename (dir, GH_RUNTIME_CONTROL, NULL);
  exit_path = dup_exit_path (self, name);

  read_runtime (self, name, &info);
  if (!info.alive)
    {
      GPid stale_pid;

      if (info.exists)
        clean_stale (self, name, &stale_pid, NULL);
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_RUNNING,
                   _("Guest “%s” is not running"), name);
      return FALSE;
    }

  /* Ask the helper to quit; if it does not within a few seconds, kill it. Either way the guest
   * is gone at once, as pulling the plug would do.
   */
  reply = gh_helper_client_execute_sync (control, GH_PROTOCOL_CMD_QUIT, NULL, QUIT_TIMEOUT_MS,
                                         NULL);
  if (!wait_for_exit (info.pid, name, reply ? EXIT_WAIT_MS : 0))
    {
      kill (info.pid, SIGKILL);
      if (!wait_for_exit (info.pid, name, EXIT_WAIT_MS))
        {
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_RUNNING,
                       _("The helper of guest “%s” (pid %d) does not die"), name, info.pid);
          return FALSE;
        }
    }

  /* The monitor removes the folder; wait for it briefly, then do it ourselves if it is gone
   * too. A destroyed guest is shut off, not crashed, however the helper ended.
   */
  for (guint i = 0; i < 200 && g_file_test (dir, G_FILE_TEST_EXISTS); i++)
    g_usleep (10 * 1000);

  if ((lock = _gh_store_lock_acquire (self->lock_path, LOCK_TIMEOUT_MS, error)) < 0)
    return FALSE;

  read_runtime (self, name, &info);
  if (info.exists && !info.alive)
    remove_runtime_folder (dir);
  g_unlink (exit_path);

  _gh_store_lock_release (lock);

  return TRUE;
}

/**
 * gh_guest_store_destroy:
 *
 * Stops the guest's helper at once (asks it to quit, kills it if it does not). Blocks for up
 * to a few seconds.
 */
gboolean
gh_guest_store_destroy (GhGuestStore  *self,
                        const char    *name,
                        GCancellable  *cancellable,
                        GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (GH_IS_GUEST_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  ok = destroy_blocking (self, name, cancellable, error);

  if (!gh_guest_store_reload (self, ok ? error : NULL))
    return FALSE;

  return ok;
}

/* Async wrappers: the blocking part in a worker thread, the reload back in the caller's. */

typedef gboolean (*BlockingFunc) (GhGuestStore  *self,
                                  const char    *name,
                                  GCancellable  *cancellable,
                                  GError       **error);

static void
blocking_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  BlockingFunc func = g_task_get_source_tag (task) == gh_guest_store_start_async
    ? start_blocking
    : destroy_blocking;
  GError *error = NULL;

  if (func (source_object, task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_blocking_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GhGuestStore *self = GH_GUEST_STORE (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      gh_guest_store_reload (self, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!gh_guest_store_reload (self, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
run_blocking_async (GhGuestStore        *self,
                    gpointer             source_tag,
                    const char          *name,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) inner = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  inner = g_task_new (self, cancellable, on_blocking_done, g_steal_pointer (&task));
  g_task_set_source_tag (inner, source_tag);
  g_task_set_task_data (inner, g_strdup (name), g_free);
  g_task_run_in_thread (inner, blocking_thread);
}

void
gh_guest_store_start_async (GhGuestStore        *self,
                            const char          *name,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (GH_IS_GUEST_STORE (self));
  g_return_if_fail (name != NULL);

  run_blocking_async (self, gh_guest_store_start_async, name, cancellable, callback, user_data);
}

gboolean
gh_guest_store_start_finish (GhGuestStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gh_guest_store_destroy_async (GhGuestStore        *self,
                              const char          *name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (GH_IS_GUEST_STORE (self));
  g_return_if_fail (name != NULL);

  run_blocking_async (self, gh_guest_store_destroy_async, name, cancellable, callback,
                      user_data);
}

gboolean
gh_guest_store_destroy_finish (GhGuestStore  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The object */

/**
 * gh_guest_store_new:
 *
 * Returns: (transfer full): a store over the user's XDG folders; call gh_guest_store_reload()
 *   to fill it
 */
GhGuestStore *
gh_guest_store_new (void)
{
  return g_object_new (GH_TYPE_GUEST_STORE, NULL);
}

/**
 * gh_guest_store_new_for_dirs:
 * @config_dir: (nullable): where NAME.conf files live
 * @runtime_dir: (nullable): where runtime folders live
 * @state_dir: (nullable): where logs and exit records live
 * @launcher: (nullable): how helpers are started
 *
 * %NULL means the XDG default for each.
 */
GhGuestStore *
gh_guest_store_new_for_dirs (const char       *config_dir,
                             const char       *runtime_dir,
                             const char       *state_dir,
                             GhHelperLauncher *launcher)
{
  return g_object_new (GH_TYPE_GUEST_STORE,
                       "config-dir", config_dir,
                       "runtime-dir", runtime_dir,
                       "state-dir", state_dir,
                       "launcher", launcher,
                       NULL);
}

const char *
gh_guest_store_get_config_dir (GhGuestStore *self)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);

  return self->config_dir;
}

const char *
gh_guest_store_get_runtime_dir (GhGuestStore *self)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);

  return self->runtime_dir;
}

const char *
gh_guest_store_get_state_dir (GhGuestStore *self)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);

  return self->state_dir;
}

/**
 * gh_guest_store_get_launcher:
 *
 * Returns: (transfer none): the launcher that starts helpers
 */
GhHelperLauncher *
gh_guest_store_get_launcher (GhGuestStore *self)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (self), NULL);

  return self->launcher;
}

static void
gh_guest_store_constructed (GObject *object)
{
  GhGuestStore *self = (GhGuestStore *)object;

  G_OBJECT_CLASS (gh_guest_store_parent_class)->constructed (object);

  if (self->config_dir == NULL)
    self->config_dir = g_build_filename (g_get_user_config_dir (), "guesthouse", "guests", NULL);
  if (self->runtime_dir == NULL)
    self->runtime_dir = g_build_filename (g_get_user_runtime_dir (), "guesthouse", NULL);
  if (self->state_dir == NULL)
    self->state_dir = g_build_filename (g_get_user_state_dir (), "guesthouse", NULL);
  if (self->launcher == NULL)
    self->launcher = gh_helper_launcher_new (NULL);

  self->lock_path = g_build_filename (self->config_dir, ".lock", NULL);
}

static void
gh_guest_store_dispose (GObject *object)
{
  GhGuestStore *self = (GhGuestStore *)object;

  if (self->guests->len > 0)
    {
      guint removed = self->guests->len;

      g_ptr_array_set_size (self->guests, 0);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
    }
  g_clear_object (&self->launcher);

  G_OBJECT_CLASS (gh_guest_store_parent_class)->dispose (object);
}

static void
gh_guest_store_finalize (GObject *object)
{
  GhGuestStore *self = (GhGuestStore *)object;

  g_clear_pointer (&self->guests, g_ptr_array_unref);
  g_clear_pointer (&self->config_dir, g_free);
  g_clear_pointer (&self->runtime_dir, g_free);
  g_clear_pointer (&self->state_dir, g_free);
  g_clear_pointer (&self->lock_path, g_free);

  G_OBJECT_CLASS (gh_guest_store_parent_class)->finalize (object);
}

static void
gh_guest_store_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GhGuestStore *self = GH_GUEST_STORE (object);

  switch (prop_id)
    {
    case PROP_CONFIG_DIR:
      g_value_set_string (value, gh_guest_store_get_config_dir (self));
      break;
    case PROP_RUNTIME_DIR:
      g_value_set_string (value, gh_guest_store_get_runtime_dir (self));
      break;
    case PROP_STATE_DIR:
      g_value_set_string (value, gh_guest_store_get_state_dir (self));
      break;
    case PROP_LAUNCHER:
      g_value_set_object (value, gh_guest_store_get_launcher (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_store_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GhGuestStore *self = GH_GUEST_STORE (object);

  switch (prop_id)
    {
    case PROP_CONFIG_DIR:
      self->config_dir = g_value_dup_string (value);
      break;
    case PROP_RUNTIME_DIR:
      self->runtime_dir = g_value_dup_string (value);
      break;
    case PROP_STATE_DIR:
      self->state_dir = g_value_dup_string (value);
      break;
    case PROP_LAUNCHER:
      self->launcher = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_store_class_init (GhGuestStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                | G_PARAM_STATIC_STRINGS;

  object_class->constructed = gh_guest_store_constructed;
  object_class->dispose = gh_guest_store_dispose;
  object_class->finalize = gh_guest_store_finalize;
  object_class->get_property = gh_guest_store_get_property;
  object_class->set_property = gh_guest_store_set_property;

  properties[PROP_CONFIG_DIR] = g_param_spec_string ("config-dir", NULL, NULL, NULL, construct);
  properties[PROP_RUNTIME_DIR] = g_param_spec_string ("runtime-dir", NULL, NULL, NULL, construct);
  properties[PROP_STATE_DIR] = g_param_spec_string ("state-dir", NULL, NULL, NULL, construct);
  properties[PROP_LAUNCHER] =
    g_param_spec_object ("launcher", NULL, NULL, GH_TYPE_HELPER_LAUNCHER, construct);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GhGuestStore::runtime-cleaned:
   * @guest: the guest
   * @message: a sentence for people saying what was found and removed
   *
   * A runtime folder whose helper is gone (it crashed and its monitor did not clean up) was
   * removed during a reload. The guest now shows as crashed.
   */
  signals[RUNTIME_CLEANED] =
    g_signal_new ("runtime-cleaned",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, GH_TYPE_GUEST, G_TYPE_STRING);
}

static void
gh_guest_store_init (GhGuestStore *self)
{
  self->guests = g_ptr_array_new_with_free_func (g_object_unref);
}
