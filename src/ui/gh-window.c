/* gh-window.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-guest-row.h"
#include "gh-new-guest-dialog.h"
#include "gh-window-private.h"

/* The main window: the guests in a sidebar, open guests in tabs. The guest of the current tab
 * is "the selected guest": the header bar shows its name, state and panes, and the guest.*
 * actions (gh-window-actions.c) act on it.
 */

G_DEFINE_FINAL_TYPE (GhWindow, gh_window, ADW_TYPE_APPLICATION_WINDOW)

GhApplication *
_gh_window_get_application (GhWindow *self)
{
  return GH_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

GhWindow *
gh_window_new (GhApplication *application)
{
  g_return_val_if_fail (GH_IS_APPLICATION (application), NULL);

  return g_object_new (GH_TYPE_WINDOW, "application", application, NULL);
}

/**
 * gh_window_add_toast:
 *
 * Shows a short message over the window.
 */
void
gh_window_add_toast (GhWindow   *self,
                     const char *message)
{
  AdwToast *toast;

  g_return_if_fail (GH_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* The selected guest */

static void
update_title (GhWindow *self)
{
  GhGuest *guest = self->selected ? gh_guest_session_get_guest (self->selected) : NULL;

  adw_view_switcher_title_set_title (self->switcher_title,
                                     guest ? gh_guest_get_name (guest) : _("Guesthouse"));
  adw_view_switcher_title_set_subtitle (self->switcher_title,
                                        guest ? gh_guest_state_describe (gh_guest_get_state (guest))
                                              : NULL);
}

static void
on_selected_guest_changed (GhWindow *self)
{
  update_title (self);
  _gh_window_update_actions (self);
}

static void
set_selected (GhWindow       *self,
              GhGuestSession *session)
{
  if (!g_set_object (&self->selected, session))
    return;

  g_signal_group_set_target (self->session_signals, session);
  g_signal_group_set_target (self->guest_signals,
                             session ? gh_guest_session_get_guest (session) : NULL);
  gh_guest_list_select_session (self->guest_list, session);

  on_selected_guest_changed (self);
}

/* Tabs */

static GhGuestPage *
page_of (AdwTabPage *tab)
{
  return GH_GUEST_PAGE (adw_tab_page_get_child (tab));
}

static AdwTabPage *
find_tab (GhWindow       *self,
          GhGuestSession *session)
{
  for (int i = 0; i < adw_tab_view_get_n_pages (self->tab_view); i++)
    {
      AdwTabPage *tab = adw_tab_view_get_nth_page (self->tab_view, i);

      if (gh_guest_page_get_session (page_of (tab)) == session)
        return tab;
    }

  return NULL;
}

/**
 * gh_window_get_current_page:
 *
 * Returns: (transfer none) (nullable): the guest in the current tab
 */
GhGuestPage *
gh_window_get_current_page (GhWindow *self)
{
  AdwTabPage *tab;

  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);

  tab = adw_tab_view_get_selected_page (self->tab_view);

  return tab ? page_of (tab) : NULL;
}

static void
update_tab_tooltip (AdwTabPage *tab)
{
  GhGuest *guest = gh_guest_session_get_guest (gh_guest_page_get_session (page_of (tab)));

  adw_tab_page_set_tooltip (tab, gh_guest_state_describe (gh_guest_get_state (guest)));
}

/**
 * gh_window_open_guest:
 * @name: a guest in the store
 *
 * Shows the guest in its tab, opening one if it has none.
 *
 * Returns: (transfer none) (nullable): the guest's page, or %NULL if there is no such guest
 */
GhGuestPage *
gh_window_open_guest (GhWindow   *self,
                      const char *name)
{
  GhGuestSession *session;
  AdwTabPage *tab;

  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!(session = gh_application_lookup_session (_gh_window_get_application (self), name)))
    return NULL;

  if (!(tab = find_tab (self, session)))
    {
      GhGuest *guest = gh_guest_session_get_guest (session);
      GtkWidget *page = gh_guest_page_new (session);

      gh_guest_page_set_fullscreen (GH_GUEST_PAGE (page),
                                    gtk_window_is_fullscreen (GTK_WINDOW (self)));
      gh_guest_page_set_narrow (GH_GUEST_PAGE (page),
                                adw_view_switcher_title_get_title_visible (self->switcher_title));

      tab = adw_tab_view_append (self->tab_view, page);
      g_object_bind_property (guest, "name", tab, "title", G_BINDING_SYNC_CREATE);
      g_object_bind_property (session, "busy", tab, "loading", G_BINDING_SYNC_CREATE);
      g_signal_connect_object (guest, "notify::state", G_CALLBACK (update_tab_tooltip), tab,
                               G_CONNECT_SWAPPED);
      update_tab_tooltip (tab);
    }

  adw_tab_view_set_selected_page (self->tab_view, tab);
  adw_leaflet_set_visible_child (self->leaflet, self->content);

  return page_of (tab);
}

static void
on_selected_page_changed (GhWindow *self)
{
  GhGuestPage *page = gh_window_get_current_page (self);

  adw_view_switcher_title_set_stack (self->switcher_title,
                                     page ? gh_guest_page_get_stack (page) : NULL);
  set_selected (self, page ? gh_guest_page_get_session (page) : NULL);
}

static void
update_tab_bar (GhWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->tab_bar),
                          adw_tab_view_get_n_pages (self->tab_view) > 0
                          && !gtk_window_is_fullscreen (GTK_WINDOW (self)));
}

static void
on_n_pages_changed (GhWindow *self)
{
  gtk_stack_set_visible_child_name (self->content_stack,
                                    adw_tab_view_get_n_pages (self->tab_view) > 0
                                    ? "tabs" : "empty");
  update_tab_bar (self);
  _gh_window_update_actions (self);
}

static void
on_session_activated (GhWindow       *self,
                      GhGuestSession *session)
{
  gh_window_open_guest (self, gh_guest_get_name (gh_guest_session_get_guest (session)));
}

static void
on_title_visible_changed (GhWindow *self)
{
  gboolean narrow = adw_view_switcher_title_get_title_visible (self->switcher_title);

  for (int i = 0; i < adw_tab_view_get_n_pages (self->tab_view); i++)
    gh_guest_page_set_narrow (page_of (adw_tab_view_get_nth_page (self->tab_view, i)), narrow);
}

static void
on_store_items_changed (GhWindow *self)
{
  GhGuestStore *store = gh_application_get_store (_gh_window_get_application (self));

  /* A guest that left the store (deleted, here or elsewhere) takes its tab along. */
  for (int i = adw_tab_view_get_n_pages (self->tab_view) - 1; i >= 0; i--)
    {
      AdwTabPage *tab = adw_tab_view_get_nth_page (self->tab_view, i);
      GhGuest *guest = gh_guest_session_get_guest (gh_guest_page_get_session (page_of (tab)));

      if (gh_guest_store_lookup (store, gh_guest_get_name (guest)) != guest)
        adw_tab_view_close_page (self->tab_view, tab);
    }
}

/* Full screen */

static void
on_fullscreened_changed (GhWindow *self)
{
  gboolean fullscreen = gtk_window_is_fullscreen (GTK_WINDOW (self));

  gtk_widget_set_visible (self->sidebar, !fullscreen);
  gtk_widget_set_visible (adw_leaflet_page_get_child (self->separator_page), !fullscreen);
  gtk_widget_set_visible (GTK_WIDGET (self->content_header), !fullscreen);
  update_tab_bar (self);

  for (int i = 0; i < adw_tab_view_get_n_pages (self->tab_view); i++)
    gh_guest_page_set_fullscreen (page_of (adw_tab_view_get_nth_page (self->tab_view, i)),
                                  fullscreen);

  if (fullscreen)
    gh_window_add_toast (self, _("Press F11 to leave full screen; while the guest has the "
                                 "keyboard, press Ctrl+Alt first"));
}

/* New guests */

static void
on_guest_created (GhWindow   *self,
                  const char *name,
                  gboolean    customize)
{
  GhGuestPage *page = gh_window_open_guest (self, name);

  if (page == NULL)
    return;

  if (customize)
    gh_guest_page_show_pane (page, "details");
  else
    _gh_window_start_guest (self, gh_guest_page_get_session (page), "display");
}

/**
 * gh_window_new_guest:
 * @iso: (nullable): an installation image to start from
 *
 * Opens the new-guest assistant over the window.
 *
 * Returns: (transfer none): the assistant
 */
GtkWindow *
gh_window_new_guest (GhWindow *self,
                     GFile    *iso)
{
  GhGuestStore *store;
  GtkWindow *dialog;

  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);
  g_return_val_if_fail (iso == NULL || G_IS_FILE (iso), NULL);

  store = gh_application_get_store (_gh_window_get_application (self));
  dialog = GTK_WINDOW (gh_new_guest_dialog_new (store, self->settings));
  gtk_window_set_transient_for (dialog, GTK_WINDOW (self));
  gtk_window_set_modal (dialog, TRUE);
  if (iso != NULL)
    gh_new_guest_dialog_set_iso (GH_NEW_GUEST_DIALOG (dialog), iso);

  g_signal_connect_object (dialog, "created", G_CALLBACK (on_guest_created), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (dialog);

  return dialog;
}

/* GtkWindow */

static gboolean
gh_window_close_request (GtkWindow *window)
{
  GhWindow *self = GH_WINDOW (window);
  int width, height;

  /* Closing the window never stops a guest: the helpers run on their own. */
  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (gh_window_parent_class)->close_request (window);
}

/* The application comes as a property, after construction; the window takes its guests from
 * the first one it gets.
 */
static void
on_application_changed (GhWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (!GH_IS_APPLICATION (app) || gh_guest_list_get_model (self->guest_list) != NULL)
    return;

  gh_guest_list_set_model (self->guest_list, gh_application_get_sessions (GH_APPLICATION (app)));
  g_signal_connect_object (gh_application_get_store (GH_APPLICATION (app)), "items-changed",
                           G_CALLBACK (on_store_items_changed), self, G_CONNECT_SWAPPED);
}

static void
gh_window_dispose (GObject *object)
{
  GhWindow *self = (GhWindow *)object;

  g_signal_group_set_target (self->session_signals, NULL);
  g_signal_group_set_target (self->guest_signals, NULL);
  g_clear_object (&self->selected);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_WINDOW);

  G_OBJECT_CLASS (gh_window_parent_class)->dispose (object);
}

static void
gh_window_finalize (GObject *object)
{
  GhWindow *self = (GhWindow *)object;

  g_clear_object (&self->session_signals);
  g_clear_object (&self->guest_signals);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gh_window_parent_class)->finalize (object);
}

static void
gh_window_class_init (GhWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = gh_window_dispose;
  object_class->finalize = gh_window_finalize;

  window_class->close_request = gh_window_close_request;

  g_type_ensure (GH_TYPE_GUEST_LIST);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GhWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, separator_page);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, content);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, content_header);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, start_button);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, resume_button);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, guest_menu_button);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, tab_bar);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, tab_view);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, guest_list);
  gtk_widget_class_bind_template_callback (widget_class, on_selected_page_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_n_pages_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_session_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_title_visible_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_fullscreened_changed);

  _gh_window_class_actions_init (widget_class);
}

static void
gh_window_init (GhWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  self->session_signals = g_signal_group_new (GH_TYPE_GUEST_SESSION);
  g_signal_group_connect_swapped (self->session_signals, "notify::busy",
                                  G_CALLBACK (_gh_window_update_actions), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::client",
                                  G_CALLBACK (_gh_window_update_actions), self);

  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_changed), NULL);

  self->guest_signals = g_signal_group_new (GH_TYPE_GUEST);
  g_signal_group_connect_swapped (self->guest_signals, "notify::state",
                                  G_CALLBACK (on_selected_guest_changed), self);

  on_n_pages_changed (self);
  update_title (self);
}
