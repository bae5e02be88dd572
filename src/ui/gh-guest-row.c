/* gh-guest-row.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-display-thumbnail.h"
#include "gh-guest-row.h"

/* A guest in the list: a live thumbnail of its screen while it runs, its name, its state, and
 * how much memory and how many vCPUs it has.
 */

struct _GhGuestRow
{
  GtkListBoxRow   parent_instance;

  GhGuestSession *session;

  /* Template widgets */
  GtkStack       *thumbnail_stack;
  GtkPicture     *thumbnail;
  GtkLabel       *name_label;
  GtkWidget      *state_dot;
  GtkLabel       *state_label;
  GtkLabel       *resources_label;
};

G_DEFINE_FINAL_TYPE (GhGuestRow, gh_guest_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * gh_guest_state_describe:
 *
 * Returns: the state as the app shows it
 */
const char *
gh_guest_state_describe (GhGuestState state)
{
  switch (state)
    {
    case GH_GUEST_STATE_RUNNING:  return _("Running");
    case GH_GUEST_STATE_PAUSED:   return _("Paused");
    case GH_GUEST_STATE_CRASHED:  return _("Crashed");
    case GH_GUEST_STATE_INVALID:  return _("Configuration cannot be read");
    case GH_GUEST_STATE_SHUT_OFF:
    default:                      return _("Shut off");
    }
}

static const char *
state_class (GhGuestState state)
{
  switch (state)
    {
    case GH_GUEST_STATE_RUNNING:  return "running";
    case GH_GUEST_STATE_PAUSED:   return "paused";
    case GH_GUEST_STATE_CRASHED:
    case GH_GUEST_STATE_INVALID:  return "failed";
    case GH_GUEST_STATE_SHUT_OFF:
    default:                      return "shut-off";
    }
}

static void
update (GhGuestRow *self)
{
  GhGuest *guest = gh_guest_session_get_guest (self->session);
  GhGuestConfig *config = gh_guest_get_config (guest);
  GhGuestState state = gh_guest_get_state (guest);
  const char *classes[] = { "state-dot", state_class (state), NULL };
  GdkPaintable *thumbnail = gh_guest_session_get_thumbnail (self->session);
  gboolean has_frame = gh_display_thumbnail_get_has_frame (GH_DISPLAY_THUMBNAIL (thumbnail));

  gtk_label_set_label (self->name_label, gh_guest_get_name (guest));
  gtk_label_set_label (self->state_label, gh_guest_state_describe (state));
  gtk_widget_set_css_classes (self->state_dot, classes);

  if (config != NULL)
    {
      guint vcpus = gh_guest_config_get_vcpus (config);
      g_autofree char *resources =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u MiB · %u vCPU", "%u MiB · %u vCPUs",
                                      vcpus),
                         gh_guest_config_get_memory_mib (config), vcpus);

      gtk_label_set_label (self->resources_label, resources);
    }
  else
    gtk_label_set_label (self->resources_label, "");

  gtk_stack_set_visible_child_name (self->thumbnail_stack, has_frame ? "thumbnail" : "icon");
}

GtkWidget *
gh_guest_row_new (GhGuestSession *session)
{
  g_return_val_if_fail (GH_IS_GUEST_SESSION (session), NULL);

  return g_object_new (GH_TYPE_GUEST_ROW, "session", session, NULL);
}

GhGuestSession *
gh_guest_row_get_session (GhGuestRow *self)
{
  g_return_val_if_fail (GH_IS_GUEST_ROW (self), NULL);

  return self->session;
}

static void
gh_guest_row_constructed (GObject *object)
{
  GhGuestRow *self = (GhGuestRow *)object;
  GhGuest *guest = gh_guest_session_get_guest (self->session);

  G_OBJECT_CLASS (gh_guest_row_parent_class)->constructed (object);

  gtk_picture_set_paintable (self->thumbnail, gh_guest_session_get_thumbnail (self->session));

  g_signal_connect_object (guest, "notify::state", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (guest, "notify::config", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gh_guest_session_get_thumbnail (self->session), "notify::has-frame",
                           G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
}

static void
gh_guest_row_dispose (GObject *object)
{
  GhGuestRow *self = (GhGuestRow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_GUEST_ROW);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (gh_guest_row_parent_class)->dispose (object);
}

static void
gh_guest_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  GhGuestRow *self = GH_GUEST_ROW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, gh_guest_row_get_session (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  GhGuestRow *self = GH_GUEST_ROW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_row_class_init (GhGuestRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = gh_guest_row_constructed;
  object_class->dispose = gh_guest_row_dispose;
  object_class->get_property = gh_guest_row_get_property;
  object_class->set_property = gh_guest_row_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GH_TYPE_GUEST_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-guest-row.ui");
  gtk_widget_class_bind_template_child (widget_class, GhGuestRow, thumbnail_stack);
  gtk_widget_class_bind_template_child (widget_class, GhGuestRow, thumbnail);
  gtk_widget_class_bind_template_child (widget_class, GhGuestRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestRow, state_dot);
  gtk_widget_class_bind_template_child (widget_class, GhGuestRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestRow, resources_label);
}

static void
gh_guest_row_init (GhGuestRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
