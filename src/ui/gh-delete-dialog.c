/* gh-delete-dialog.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-delete-dialog.h"

/* "Delete this guest?", saying exactly what goes: the configuration always; its own disk
 * images, listed by path, only when ticked. CD-ROMs and read-only disks are never deleted (the
 * store keeps them: they are usually shared installation media), so they are not listed.
 */

struct _GhDeleteDialog
{
  AdwMessageDialog  parent_instance;

  GhGuest          *guest;

  /* Template widgets */
  GtkCheckButton   *disks_check;
  GtkLabel         *disks_label;
};

G_DEFINE_FINAL_TYPE (GhDeleteDialog, gh_delete_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_GUEST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
gh_delete_dialog_new (GhGuest *guest)
{
  g_return_val_if_fail (GH_IS_GUEST (guest), NULL);

  return g_object_new (GH_TYPE_DELETE_DIALOG, "guest", guest, NULL);
}

GhGuest *
gh_delete_dialog_get_guest (GhDeleteDialog *self)
{
  g_return_val_if_fail (GH_IS_DELETE_DIALOG (self), NULL);

  return self->guest;
}

/**
 * gh_delete_dialog_get_remove_disks:
 *
 * Returns: whether the guest's own disk images go too
 */
gboolean
gh_delete_dialog_get_remove_disks (GhDeleteDialog *self)
{
  g_return_val_if_fail (GH_IS_DELETE_DIALOG (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->disks_check))
         && gtk_check_button_get_active (self->disks_check);
}

static void
gh_delete_dialog_constructed (GObject *object)
{
  GhDeleteDialog *self = (GhDeleteDialog *)object;
  GhGuestConfig *config = gh_guest_get_config (self->guest);
  g_autoptr(GString) disks = g_string_new (NULL);
  g_autofree char *heading = NULL;

  G_OBJECT_CLASS (gh_delete_dialog_parent_class)->constructed (object);

  heading = g_strdup_printf (_("Delete “%s”?"), gh_guest_get_name (self->guest));
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);

  for (guint i = 0; config != NULL && i < gh_guest_config_get_n_disks (config); i++)
    {
      const GhDisk *disk = gh_guest_config_get_disk (config, i);

      if (disk->media != GH_DISK_MEDIA_DISK || disk->readonly)
        continue;
      if (disks->len > 0)
        g_string_append_c (disks, '\n');
      g_string_append (disks, disk->path);
    }

  if (disks->len > 0)
    {
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self),
                                   _("Its configuration is deleted. Its disk images are kept "
                                     "unless you tick the box below."));
      gtk_label_set_label (self->disks_label, disks->str);
    }
  else
    {
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self),
                                   _("Its configuration is deleted. It has no disk images of "
                                     "its own; shared and read-only images are never deleted."));
      gtk_widget_set_visible (GTK_WIDGET (self->disks_check), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->disks_label), FALSE);
    }
}

static void
gh_delete_dialog_dispose (GObject *object)
{
  GhDeleteDialog *self = (GhDeleteDialog *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_DELETE_DIALOG);
  g_clear_object (&self->guest);

  G_OBJECT_CLASS (gh_delete_dialog_parent_class)->dispose (object);
}

static void
gh_delete_dialog_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GhDeleteDialog *self = GH_DELETE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_GUEST:
      g_value_set_object (value, gh_delete_dialog_get_guest (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_delete_dialog_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GhDeleteDialog *self = GH_DELETE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_GUEST:
      self->guest = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_delete_dialog_class_init (GhDeleteDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = gh_delete_dialog_constructed;
  object_class->dispose = gh_delete_dialog_dispose;
  object_class->get_property = gh_delete_dialog_get_property;
  object_class->set_property = gh_delete_dialog_set_property;

  properties[PROP_GUEST] =
    g_param_spec_object ("guest", NULL, NULL, GH_TYPE_GUEST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-delete-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, GhDeleteDialog, disks_check);
  gtk_widget_class_bind_template_child (widget_class, GhDeleteDialog, disks_label);
}

static void
gh_delete_dialog_init (GhDeleteDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
