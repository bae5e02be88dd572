/* gh-application.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-application.h"
#include "gh-window.h"

/* The application owns what its windows share: the store of guests and one session per guest
 * (the connections to a running guest's helper). The files are the truth (see the store), so it
 * watches the configuration folder and the runtime folder and reloads when either changes: a
 * guest defined by guesthouse-ctl shows up, a helper that exits takes its guest to shut off.
 *
 * Helpers outlive the application. Quitting closes connections, never guests.
 */

#define RELOAD_DELAY_MS 100

struct _GhApplication
{
  AdwApplication   parent_instance;

  GhGuestStore    *store;
  GHashTable      *sessions;         /* name → GhGuestSession */
  GtkMapListModel *session_model;
  GFileMonitor    *config_monitor;
  GFileMonitor    *runtime_monitor;
  guint            reload_source;
  guint            shortcuts_inhibited;
  gboolean         demo_offered;
  char            *guest_to_show;    /* --show, until that guest has been loaded */
};

G_DEFINE_FINAL_TYPE (GhApplication, gh_application, ADW_TYPE_APPLICATION)

/* Every accelerator of the app, in one table: a display that has the keyboard takes them all
 * away for as long as it has it (see gh_application_inhibit_shortcuts()).
 */
static const struct
{
  const char *action;
  const char *accels[3];
} shortcuts[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "app.new-guest", { "<Control>n", NULL } },
  { "win.show-help-overlay", { "<Control>question", NULL } },
  { "win.search", { "<Control>f", NULL } },
  { "win.close-tab", { "<Control>w", NULL } },
  { "win.fullscreen", { "F11", NULL } },
};

static void
set_shortcuts (GhApplication *self,
               gboolean       enabled)
{
  static const char * const none[] = { NULL };

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), shortcuts[i].action,
                                           enabled ? shortcuts[i].accels : none);
}

/**
 * gh_application_inhibit_shortcuts:
 *
 * Turns the app's keyboard shortcuts off until the matching
 * gh_application_uninhibit_shortcuts(): while a guest's display has the keyboard, Ctrl+Q or F11
 * belong to the guest.
 */
void
gh_application_inhibit_shortcuts (GhApplication *self)
{
  g_return_if_fail (GH_IS_APPLICATION (self));

  if (self->shortcuts_inhibited++ == 0)
    set_shortcuts (self, FALSE);
}

void
gh_application_uninhibit_shortcuts (GhApplication *self)
{
  g_return_if_fail (GH_IS_APPLICATION (self));
  g_return_if_fail (self->shortcuts_inhibited > 0);

  if (--self->shortcuts_inhibited == 0)
    set_shortcuts (self, TRUE);
}

static GhWindow *
find_window (GhApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (GH_IS_WINDOW (window))
    return GH_WINDOW (window);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (GH_IS_WINDOW (l->data))
      return l->data;

  return NULL;
}

static GhWindow *
get_window (GhApplication *self)
{
  GhWindow *window = find_window (self);

  return window ? window : gh_window_new (self);
}

/* Messages go to a window if there is one; without windows nobody is there to read them. */
static void
show_message (GhApplication *self,
              const char    *message)
{
  GhWindow *window = find_window (self);

  if (window != NULL)
    gh_window_add_toast (window, message);
  else
    g_debug ("%s", message);
}

/* `guesthouse --show NAME` opens a guest's tab at its Display, for benchmarks and scripts. The
 * store loads after start-up, so the guest may only show up with a later reload.
 */
static void
show_pending_guest (GhApplication *self)
{
  GhWindow *window;
  GhGuestPage *page;

  if (self->guest_to_show == NULL || !(window = find_window (self)))
    return;

  if (!(page = gh_window_open_guest (window, self->guest_to_show)))
    return;

  gh_guest_page_show_pane (page, "display");
  g_clear_pointer (&self->guest_to_show, g_free);
}

/* Sessions */

static void
on_session_helper_event (GhGuestSession *session,
                         const char     *event,
                         GhApplication  *self)
{
  /* A pause, resume or shutdown changes what the store reports; the files say so only once the
   * helper has gone, so ask again now.
   */
  gh_application_queue_reload (self);
}

static GhGuestSession *
ensure_session (GhApplication *self,
                GhGuest       *guest)
{
  const char *name = gh_guest_get_name (guest);
  GhGuestSession *session = g_hash_table_lookup (self->sessions, name);

  if (session != NULL && gh_guest_session_get_guest (session) == guest)
    return session;

  /* A guest undefined and defined again under its old name is a new guest. */
  if (session != NULL)
    {
      gh_guest_session_shutdown (session);
      g_hash_table_remove (self->sessions, name);
    }

  session = gh_guest_session_new (self->store, guest);
  g_signal_connect_object (session, "helper-event", G_CALLBACK (on_session_helper_event), self,
                           0);
  g_hash_table_insert (self->sessions, g_strdup (name), session);

  return session;
}

static gpointer
map_guest_to_session (gpointer item,
                      gpointer user_data)
{
  g_autoptr(GhGuest) guest = item;

  return g_object_ref (ensure_session (user_data, guest));
}

static void
on_store_items_changed (GListModel    *model,
                        guint          position,
                        guint          removed,
                        guint          added,
                        GhApplication *self)
{
  GHashTableIter iter;
  const char *name;
  GhGuestSession *session;

  /* Sessions of guests that are gone end here; the guests that stay keep theirs. */
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &session))
    if (gh_guest_store_lookup (self->store, name) != gh_guest_session_get_guest (session))
      {
        gh_guest_session_shutdown (session);
        g_hash_table_iter_remove (&iter);
      }

  for (guint i = 0; i < added; i++)
    {
      g_autoptr(GhGuest) guest = g_list_model_get_item (model, position + i);
      ensure_session (self, guest);
    }

  show_pending_guest (self);
}

/**
 * gh_application_lookup_session:
 *
 * Returns: (transfer none) (nullable): the session of the guest named @name
 */
GhGuestSession *
gh_application_lookup_session (GhApplication *self,
                               const char    *name)
{
  GhGuest *guest;

  g_return_val_if_fail (GH_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!(guest = gh_guest_store_lookup (self->store, name)))
    return NULL;

  return ensure_session (self, guest);
}

/**
 * gh_application_get_sessions:
 *
 * Returns: (transfer none): a list of #GhGuestSession, one per guest in the store, in its order
 */
GListModel *
gh_application_get_sessions (GhApplication *self)
{
  g_return_val_if_fail (GH_IS_APPLICATION (self), NULL);

  return G_LIST_MODEL (self->session_model);
}

/**
 * gh_application_get_store:
 *
 * Returns: (transfer none): the store of guests
 */
GhGuestStore *
gh_application_get_store (GhApplication *self)
{
  g_return_val_if_fail (GH_IS_APPLICATION (self), NULL);

  return self->store;
}

/* Reloading */

static gboolean
reload_cb (gpointer user_data)
{
  GhApplication *self = user_data;
  g_autoptr(GError) error = NULL;

  self->reload_source = 0;

  if (!gh_guest_store_reload (self->store, &error))
    show_message (self, error->message);
  else if (!self->demo_offered)
    {
      /* First run: the demo guest, so that a fresh machine shows something real. */
      self->demo_offered = TRUE;
      if (gh_demo_guest_define_once (self->store, &error) == NULL && error != NULL)
        show_message (self, error->message);
    }

  return G_SOURCE_REMOVE;
}

/**
 * gh_application_queue_reload:
 *
 * Reloads the store soon; bursts of file changes make one reload.
 */
void
gh_application_queue_reload (GhApplication *self)
{
  g_return_if_fail (GH_IS_APPLICATION (self));

  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload_cb, self);
}

static void
on_folder_changed (GFileMonitor      *monitor,
                   GFile             *file,
                   GFile             *other_file,
                   GFileMonitorEvent  event,
                   GhApplication     *self)
{
  g_autofree char *basename = g_file_get_basename (file);

  /* The store's lock and editors' swap files say nothing about guests. */
  if (basename[0] == '.')
    return;

  if (event == G_FILE_MONITOR_EVENT_CREATED || event == G_FILE_MONITOR_EVENT_DELETED
      || event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_MOVED_IN
      || event == G_FILE_MONITOR_EVENT_MOVED_OUT || event == G_FILE_MONITOR_EVENT_RENAMED)
    gh_application_queue_reload (self);
}

static GFileMonitor *
watch_folder (GhApplication *self,
              const char    *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  GFileMonitor *monitor;

  /* Both folders are private; made here so that there is something to watch. */
  g_mkdir_with_parents (path, 0700);

  if (!(monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error)))
    {
      g_debug ("Not watching %s: %s", path, error->message);
      return NULL;
    }

  g_signal_connect_object (monitor, "changed", G_CALLBACK (on_folder_changed), self, 0);

  return monitor;
}

static void
on_runtime_cleaned (GhGuestStore  *store,
                    GhGuest       *guest,
                    const char    *message,
                    GhApplication *self)
{
  show_message (self, message);
}

/* Actions */

static void
new_guest_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  GhWindow *window = get_window (user_data);

  gtk_window_present (GTK_WINDOW (window));
  gh_window_new_guest (window, NULL);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  static const char *developers[] = { "The Guesthouse authors", NULL };
  GhApplication *self = user_data;

  adw_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "application-name", _("Guesthouse"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The Guesthouse authors"),
                         "developers", developers,
                         "comments", _("Create virtual machines, watch their screens and "
                                       "consoles, and resize them while they run"),
                         "website", "https://github.com/guesthouse/guesthouse",
                         "issue-url", "https://github.com/guesthouse/guesthouse/issues",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  /* Windows go; guests stay. */
  for (GList *l = gtk_application_get_windows (user_data); l; l = l->next)
    gtk_window_destroy (l->data);
}

static const GActionEntry app_actions[] = {
  { "new-guest", new_guest_action },
  { "about", about_action },
  { "quit", quit_action },
};

/* GApplication */

static void
gh_application_startup (GApplication *app)
{
  GhApplication *self = (GhApplication *)app;

  G_APPLICATION_CLASS (gh_application_parent_class)->startup (app);

  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  set_shortcuts (self, TRUE);

  self->store = gh_guest_store_new ();
  g_signal_connect_object (self->store, "runtime-cleaned", G_CALLBACK (on_runtime_cleaned),
                           self, 0);
  g_signal_connect_object (self->store, "items-changed", G_CALLBACK (on_store_items_changed),
                           self, 0);
  self->session_model = gtk_map_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                                map_guest_to_session, self, NULL);

  self->config_monitor = watch_folder (self, gh_guest_store_get_config_dir (self->store));
  self->runtime_monitor = watch_folder (self, gh_guest_store_get_runtime_dir (self->store));

  /* A folder that cannot be read shows up when the first window does. */
  gh_application_queue_reload (self);
}

static void
gh_application_shutdown (GApplication *app)
{
  GhApplication *self = (GhApplication *)app;
  GHashTableIter iter;
  GhGuestSession *session;

  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_clear_object (&self->config_monitor);
  g_clear_object (&self->runtime_monitor);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    gh_guest_session_shutdown (session);

  G_APPLICATION_CLASS (gh_application_parent_class)->shutdown (app);
}

static int
gh_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  GhApplication *self = (GhApplication *)app;

  g_variant_dict_lookup (options, "show", "s", &self->guest_to_show);

  return -1;
}

static void
gh_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (GH_APPLICATION (app))));
  show_pending_guest (GH_APPLICATION (app));
}

static void
gh_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  GhWindow *window = get_window (GH_APPLICATION (app));

  /* An ISO image handed to the app (the desktop file's MIME type) starts a new guest. */
  gtk_window_present (GTK_WINDOW (window));
  gh_window_new_guest (window, n_files > 0 ? files[0] : NULL);
}

static void
gh_application_dispose (GObject *object)
{
  GhApplication *self = (GhApplication *)object;

  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_clear_object (&self->config_monitor);
  g_clear_object (&self->runtime_monitor);
  g_clear_object (&self->session_model);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_object (&self->store);
  g_clear_pointer (&self->guest_to_show, g_free);

  G_OBJECT_CLASS (gh_application_parent_class)->dispose (object);
}

static void
gh_application_class_init (GhApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = gh_application_dispose;

  app_class->startup = gh_application_startup;
  app_class->shutdown = gh_application_shutdown;
  app_class->handle_local_options = gh_application_handle_local_options;
  app_class->activate = gh_application_activate;
  app_class->open = gh_application_open;
}

static void
gh_application_init (GhApplication *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  g_application_add_main_option (G_APPLICATION (self), "show", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_STRING, _("Open a guest at its Display"),
                                 _("GUEST"));
}

/**
 * gh_application_new:
 * @flags: %G_APPLICATION_HANDLES_OPEN is always added
 */
GhApplication *
gh_application_new (GApplicationFlags flags)
{
  return g_object_new (GH_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/io/github/guesthouse/Guesthouse",
                       "flags", flags | G_APPLICATION_HANDLES_OPEN,
                       NULL);
}
