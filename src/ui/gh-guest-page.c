/* gh-guest-page.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-guest-page.h"

/* One guest in a tab: its Display, Console and Details panes. The page shows what its session
 * has; closing the tab drops the page, never the guest.
 */

struct _GhGuestPage
{
  GtkWidget           parent_instance;

  GhGuestSession     *session;
  guint               fullscreen : 1;
  guint               narrow : 1;

  /* Template widgets */
  AdwViewStack       *stack;
  GtkStack           *display_stack;
  AdwStatusPage      *display_off;
  GhDisplay          *display;
  GtkStack           *console_stack;
  AdwStatusPage      *console_off;
  GhSerialConsole    *console;
  GhGuestDetails     *details;
  AdwViewSwitcherBar *switcher_bar;
};

G_DEFINE_FINAL_TYPE (GhGuestPage, gh_guest_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_FULLSCREEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_off_pages (GhGuestPage *self)
{
  GhGuest *guest = gh_guest_session_get_guest (self->session);
  const GError *config_error = gh_guest_get_config_error (guest);
  const char *title, *description;

  switch (gh_guest_get_state (guest))
    {
    case GH_GUEST_STATE_RUNNING:
    case GH_GUEST_STATE_PAUSED:
      gtk_stack_set_visible_child_name (self->display_stack, "display");
      return;

    case GH_GUEST_STATE_CRASHED:
      title = _("Guest Crashed");
      description = gh_guest_get_last_exit (guest);
      break;

    case GH_GUEST_STATE_INVALID:
      title = _("Configuration Cannot Be Read");
      description = config_error ? config_error->message : NULL;
      break;

    case GH_GUEST_STATE_SHUT_OFF:
    default:
      title = _("Guest Is Shut Off");
      description = gh_guest_get_last_exit (guest);
      if (description == NULL)
        description = _("Start it to see its screen here.");
      break;
    }

  adw_status_page_set_title (self->display_off, title);
  adw_status_page_set_description (self->display_off, description);
  gtk_stack_set_visible_child_name (self->display_stack, "off");
}

static void
update_console (GhGuestPage *self)
{
  const char *path = gh_guest_session_get_serial_path (self->session);
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    {
      /* Whatever the guest printed stays readable after it stopped. */
      if (gh_serial_console_get_path (self->console) == NULL
          && !gh_guest_is_active (gh_guest_session_get_guest (self->session)))
        {
          adw_status_page_set_description (self->console_off,
                                           _("The guest’s serial port shows here while it "
                                             "runs."));
          gtk_stack_set_visible_child_name (self->console_stack, "off");
        }
      return;
    }

  if (!gh_serial_console_attach (self->console, path, &error))
    {
      adw_status_page_set_description (self->console_off, error->message);
      gtk_stack_set_visible_child_name (self->console_stack, "off");
      return;
    }

  gtk_stack_set_visible_child_name (self->console_stack, "terminal");
}

static void
on_state_changed (GhGuestPage *self)
{
  update_off_pages (self);
  update_console (self);
}

static void
update_chrome (GhGuestPage *self)
{
  gh_display_set_show_toolbar (self->display, !self->fullscreen);
  adw_view_switcher_bar_set_reveal (self->switcher_bar, self->narrow && !self->fullscreen);
}

GtkWidget *
gh_guest_page_new (GhGuestSession *session)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (session), NULL);

  return g_object_new (GH_TYPE_GUEST_PAGE, "session", session, NULL);
}

GhGuestSession *
gh_guest_page_get_session (GhGuestPage *self)
{
  g_return_val_if_fail (GH_IS_GUEST_PAGE (self), NULL);

  return self->session;
}

/**
 * gh_guest_page_get_stack:
 *
 * Returns: (transfer none): the stack of panes, for a view switcher
 */
AdwViewStack *
gh_guest_page_get_stack (GhGuestPage *self)
{
  g_return_val_if_fail (GH_IS_GUEST_PAGE (self), NULL);

  return self->stack;
}

/**
 * gh_guest_page_get_display:
 *
 * Returns: (transfer none): the Display pane's widget
 */
GhDisplay *
gh_guest_page_get_display (GhGuestPage *self)
{
  g_return_val_if_fail (GH_IS_GUEST_PAGE (self), NULL);

  return self->display;
}

/**
 * gh_guest_page_get_console:
 *
 * Returns: (transfer none): the Console pane's terminal
 */
GhSerialConsole *
gh_guest_page_get_console (GhGuestPage *self)
{
  g_return_val_if_fail (GH_IS_GUEST_PAGE (self), NULL);

  return self->console;
}

/**
 * gh_guest_page_get_details:
 *
 * Returns: (transfer none): the Details pane
 */
GhGuestDetails *
gh_guest_page_get_details (GhGuestPage *self)
{
  g_return_val_if_fail (GH_IS_GUEST_PAGE (self), NULL);

  return self->details;
}

/**
 * gh_guest_page_show_pane:
 * @name: "display", "console" or "details"
 */
void
gh_guest_page_show_pane (GhGuestPage *self,
                         const char  *name)
{
  g_return_if_fail (GH_IS_GUEST_PAGE (self));
  g_return_if_fail (name != NULL);

  adw_view_stack_set_visible_child_name (self->stack, name);
}

gboolean
gh_guest_page_get_fullscreen (GhGuestPage *self)
{
  g_return_val_if_fail (GH_IS_GUEST_PAGE (self), FALSE);

  return self->fullscreen;
}

/**
 * gh_guest_page_set_fullscreen:
 *
 * In full screen the page is the guest's screen and nothing else.
 */
void
gh_guest_page_set_fullscreen (GhGuestPage *self,
                              gboolean     fullscreen)
{
  g_return_if_fail (GH_IS_GUEST_PAGE (self));

  fullscreen = !!fullscreen;
  if (self->fullscreen == fullscreen)
    return;

  self->fullscreen = fullscreen;
  if (fullscreen)
    gh_guest_page_show_pane (self, "display");
  update_chrome (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FULLSCREEN]);
}

/**
 * gh_guest_page_set_narrow:
 *
 * Whether the window is too narrow for the view switcher in its header bar, so that the page
 * shows one at its bottom.
 */
void
gh_guest_page_set_narrow (GhGuestPage *self,
                          gboolean     narrow)
{
  g_return_if_fail (GH_IS_GUEST_PAGE (self));

  self->narrow = !!narrow;
  update_chrome (self);
}

static void
gh_guest_page_constructed (GObject *object)
{
  GhGuestPage *self = (GhGuestPage *)object;
  GhGuest *guest = gh_guest_session_get_guest (self->session);

  G_OBJECT_CLASS (gh_guest_page_parent_class)->constructed (object);

  gh_display_set_name (self->display, gh_guest_get_name (guest));
  g_object_bind_property (self->session, "display", self->display, "source",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->session, "display-message", self->display, "message",
                          G_BINDING_SYNC_CREATE);
  gh_guest_details_set_session (self->details, self->session);

  g_signal_connect_object (guest, "notify::state", G_CALLBACK (on_state_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (guest, "notify::last-exit", G_CALLBACK (update_off_pages), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::serial-path", G_CALLBACK (update_console),
                           self, G_CONNECT_SWAPPED);

  on_state_changed (self);
}

static void
gh_guest_page_dispose (GObject *object)
{
  GhGuestPage *self = (GhGuestPage *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_GUEST_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (gh_guest_page_parent_class)->dispose (object);
}

static void
gh_guest_page_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GhGuestPage *self = GH_GUEST_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, gh_guest_page_get_session (self));
      break;
    case PROP_FULLSCREEN:
      g_value_set_boolean (value, gh_guest_page_get_fullscreen (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_page_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GhGuestPage *self = GH_GUEST_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_FULLSCREEN:
      gh_guest_page_set_fullscreen (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_page_class_init (GhGuestPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = gh_guest_page_constructed;
  object_class->dispose = gh_guest_page_dispose;
  object_class->get_property = gh_guest_page_get_property;
  object_class->set_property = gh_guest_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GH_TYPE_GUEST_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FULLSCREEN] =
    g_param_spec_boolean ("fullscreen", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (GH_TYPE_DISPLAY);
  g_type_ensure (GH_TYPE_GUEST_DETAILS);
  g_type_ensure (GH_TYPE_SERIAL_CONSOLE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-guest-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, stack);
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, display_stack);
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, display_off);
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, display);
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, console_stack);
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, console_off);
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, console);
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, details);
  gtk_widget_class_bind_template_child (widget_class, GhGuestPage, switcher_bar);
}

static void
gh_guest_page_init (GhGuestPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
