/* gh-window-actions.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-delete-dialog.h"
#include "gh-window-private.h"

/* The window's actions. win.* work the window; guest.* act on the selected guest (the current
 * tab's) and are enabled from one place, _gh_window_update_actions(), so menus, buttons and
 * tests see the same truth.
 *
 * Starting and stopping go through the store (which spawns and reaps helpers); pausing,
 * shutting down and rebooting are commands to the running helper. An operation outlives the
 * window if it must: the window is held by a weak pointer only, and closing it cancels nothing
 * that would stop a guest.
 */

typedef struct
{
  GhWindow       *window;   /* weak */
  GhGuestSession *session;
  char           *pane;           /* to show once a start succeeded */
  char           *not_available;  /* to say when the helper lacks the command */
} Operation;

static Operation *
operation_new (GhWindow       *window,
               GhGuestSession *session)
{
  Operation *op = g_new0 (Operation, 1);

  op->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &op->window);
  op->session = g_object_ref (session);

  return op;
}

static void
operation_free (Operation *op)
{
  if (op->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (op->window), (gpointer *) &op->window);
  g_clear_object (&op->session);
  g_free (op->pane);
  g_free (op->not_available);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Operation, operation_free)

static void
operation_closure_free (gpointer  data,
                        GClosure *closure)
{
  operation_free (data);
}

static const char *
session_name (GhGuestSession *session)
{
  return gh_guest_get_name (gh_guest_session_get_guest (session));
}

static GhGuestStore *
get_store (GhWindow *self)
{
  return gh_application_get_store (_gh_window_get_application (self));
}

static void
show_error_dialog (GhWindow   *self,
                   const char *heading,
                   const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_gh_window_update_actions (GhWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GhGuest *guest = self->selected ? gh_guest_session_get_guest (self->selected) : NULL;
  GhGuestState state = guest ? gh_guest_get_state (guest) : GH_GUEST_STATE_SHUT_OFF;
  gboolean busy = self->selected && gh_guest_session_get_busy (self->selected);
  gboolean active = guest && gh_guest_is_active (guest);
  gboolean connected = self->selected && gh_guest_session_get_client (self->selected) != NULL;
  gboolean running = guest && state == GH_GUEST_STATE_RUNNING;
  gboolean paused = guest && state == GH_GUEST_STATE_PAUSED;

  gtk_widget_action_set_enabled (widget, "guest.start",
                                 guest && !active && !busy && state != GH_GUEST_STATE_INVALID);
  gtk_widget_action_set_enabled (widget, "guest.shutdown", running && connected && !busy);
  gtk_widget_action_set_enabled (widget, "guest.reboot", running && connected && !busy);
  gtk_widget_action_set_enabled (widget, "guest.pause", running && connected && !busy);
  gtk_widget_action_set_enabled (widget, "guest.resume", paused && connected && !busy);
  gtk_widget_action_set_enabled (widget, "guest.force-off", active && !busy);
  gtk_widget_action_set_enabled (widget, "guest.delete", guest && !active && !busy);
  gtk_widget_action_set_enabled (widget, "win.close-tab",
                                 adw_tab_view_get_n_pages (self->tab_view) > 0);

  gtk_widget_set_visible (self->start_button, guest != NULL && !active);
  gtk_widget_set_visible (self->pause_button, running);
  gtk_widget_set_visible (self->resume_button, paused);
  gtk_widget_set_visible (self->guest_menu_button, guest != NULL);
}

/* Start */

static void
on_start_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;

  gh_guest_session_set_busy (op->session, FALSE);

  if (!gh_guest_store_start_finish (GH_GUEST_STORE (object), result, &error))
    {
      g_autofree char *heading = NULL;

      if (op->window == NULL)
        return;

      heading = g_strdup_printf (_("Cannot Start “%s”"), session_name (op->session));
      show_error_dialog (op->window, heading, error->message);
      return;
    }

  if (op->window != NULL && op->pane != NULL)
    {
      GhGuestPage *page = gh_window_open_guest (op->window, session_name (op->session));

      if (page != NULL)
        gh_guest_page_show_pane (page, op->pane);
    }
}

/**
 * _gh_window_start_guest:
 * @pane: (nullable): the pane to show once the guest runs
 */
void
_gh_window_start_guest (GhWindow       *self,
                        GhGuestSession *session,
                        const char     *pane)
{
  Operation *op = operation_new (self, session);

  op->pane = g_strdup (pane);
  gh_guest_session_set_busy (session, TRUE);

  /* Not cancellable: cancelling a start kills the helper, and closing the window must not. */
  gh_guest_store_start_async (get_store (self), session_name (session), NULL, on_start_done, op);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);

  _gh_window_start_guest (self, self->selected, NULL);
}

/* Commands to the helper */

static void
on_command_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;

  if (gh_helper_client_command_finish (GH_HELPER_CLIENT (object), result, &error))
    return;

  if (op->window != NULL)
    gh_window_add_toast (op->window, gh_guest_session_describe_error (error, op->not_available));
}

typedef void (*CommandFunc) (GhHelperClient      *client,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);

static void
run_command (GhWindow    *self,
             CommandFunc  func,
             const char  *not_available)
{
  GhHelperClient *client = gh_guest_session_get_client (self->selected);
  Operation *op;

  g_return_if_fail (client != NULL);

  op = operation_new (self, self->selected);
  op->not_available = g_strdup (not_available);
  func (client, NULL, on_command_done, op);
}

static void
on_shutdown_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;
  gboolean listens = TRUE;
  AdwToast *toast;

  if (!gh_helper_client_powerdown_finish (GH_HELPER_CLIENT (object), result, &listens, &error))
    {
      if (op->window != NULL)
        gh_window_add_toast (op->window,
                             gh_guest_session_describe_error (error, op->not_available));
      return;
    }

  /* The press is kept, but a guest still in its firmware, or without ACPI, may never act on
   * it: offer the way out, for this guest whichever is selected by then. */
  if (listens || op->window == NULL)
    return;

  toast = adw_toast_new (_("The guest is not listening to the power button. Force Off?"));
  adw_toast_set_button_label (toast, _("Force Off"));
  adw_toast_set_action_name (toast, "win.force-off-guest");
  adw_toast_set_action_target_value (toast, g_variant_new_string (session_name (op->session)));
  adw_toast_set_timeout (toast, 10);
  adw_toast_overlay_add_toast (op->window->toast_overlay, toast);
}

static void
shutdown_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);
  GhHelperClient *client = gh_guest_session_get_client (self->selected);
  Operation *op;

  g_return_if_fail (client != NULL);

  op = operation_new (self, self->selected);
  op->not_available = g_strdup (_("Shutting down is not available yet: this guesthouse-vmm has "
                                  "no ACPI power button. Force Off stops the guest at once."));
  gh_helper_client_powerdown_async (client, NULL, on_shutdown_done, op);
}

static void
reboot_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  run_command (GH_WINDOW (widget), gh_helper_client_reset_async,
               _("Rebooting is not available yet: this guesthouse-vmm cannot reset a guest."));
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  run_command (GH_WINDOW (widget), gh_helper_client_pause_async,
               _("Pausing is not available: this guesthouse-vmm has no “stop” command."));
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  run_command (GH_WINDOW (widget), gh_helper_client_resume_async,
               _("Resuming is not available: this guesthouse-vmm has no “cont” command."));
}

/* Force off */

static void
on_destroy_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;

  gh_guest_session_set_busy (op->session, FALSE);

  if (!gh_guest_store_destroy_finish (GH_GUEST_STORE (object), result, &error)
      && op->window != NULL)
    gh_window_add_toast (op->window, error->message);
}

static void
on_force_off_response (AdwMessageDialog *dialog,
                       const char       *response,
                       gpointer          user_data)
{
  Operation *op = user_data;

  if (g_str_equal (response, "force-off") && op->window != NULL)
    {
      gh_guest_session_set_busy (op->session, TRUE);
      gh_guest_store_destroy_async (get_store (op->window), session_name (op->session), NULL,
                                    on_destroy_done, operation_new (op->window, op->session));
    }
}

static void
force_off_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);
  g_autofree char *heading = g_strdup_printf (_("Force Off “%s”?"),
                                              session_name (self->selected));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("The guest stops at once, as if its power were cut. "
                                     "Whatever it has not saved is lost."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "force-off", _("_Force Off"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "force-off",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_force_off_response),
                         operation_new (self, self->selected), operation_closure_free,
                         0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* From the toast of a guest that ignored the power button: its tab comes up, then the usual
 * question. */
static void
force_off_guest_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (gh_window_open_guest (self, name) != NULL && self->selected != NULL
      && gh_guest_is_active (gh_guest_session_get_guest (self->selected)))
    force_off_action (widget, "guest.force-off", NULL);
}

/* Delete */

static void
on_delete_response (GhDeleteDialog *dialog,
                    const char     *response,
                    gpointer        user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!g_str_equal (response, "delete") || op->window == NULL)
    return;

  if (!gh_guest_store_undefine (get_store (op->window), session_name (op->session),
                                gh_delete_dialog_get_remove_disks (dialog), &error))
    {
      g_autofree char *heading = g_strdup_printf (_("Cannot Delete “%s”"),
                                                  session_name (op->session));

      show_error_dialog (op->window, heading, error->message);
      return;
    }

  message = g_strdup_printf (_("“%s” deleted"), session_name (op->session));
  gh_window_add_toast (op->window, message);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);
  GtkWidget *dialog = gh_delete_dialog_new (gh_guest_session_get_guest (self->selected));

  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_delete_response),
                         operation_new (self, self->selected), operation_closure_free,
                         0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Window */

static void
open_guest_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (gh_window_open_guest (self, name) == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("There is no guest named “%s”"), name);
      gh_window_add_toast (self, message);
    }
}

static void
close_tab_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);
  AdwTabPage *tab = adw_tab_view_get_selected_page (self->tab_view);

  /* The tab goes; the guest, if it runs, runs on. */
  if (tab != NULL)
    adw_tab_view_close_page (self->tab_view, tab);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gh_guest_list_set_search_mode (self->guest_list,
                                 !gh_guest_list_get_search_mode (self->guest_list));
}

static void
show_sidebar_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
}

void
_gh_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open-guest", "s", open_guest_action);
  gtk_widget_class_install_action (widget_class, "win.close-tab", NULL, close_tab_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, show_sidebar_action);
  gtk_widget_class_install_property_action (widget_class, "win.fullscreen", "fullscreened");

  gtk_widget_class_install_action (widget_class, "guest.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "guest.shutdown", NULL, shutdown_action);
  gtk_widget_class_install_action (widget_class, "guest.reboot", NULL, reboot_action);
  gtk_widget_class_install_action (widget_class, "guest.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "guest.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "guest.force-off", NULL, force_off_action);
  gtk_widget_class_install_action (widget_class, "win.force-off-guest", "s",
                                   force_off_guest_action);
  gtk_widget_class_install_action (widget_class, "guest.delete", NULL, delete_action);
}
