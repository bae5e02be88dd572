/* gh-guest-details.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "gh-guest-details.h"
#include "gh-stats-graph.h"

/* The Details pane: who the guest is, what it has, two sliders and its CD-ROM drives.
 *
 * Memory: while the guest runs, the slider sets the balloon's target, between a floor and the
 * maximum memory the guest was started with, and the balloon's own count of the memory the
 * guest has is shown beside it. While it is shut off, the slider sets the initial memory in its
 * configuration. vCPUs: while the guest runs, the slider asks it to plug vCPUs in or give them
 * back, and the count it settles on is shown beside it; the configuration's vCPU count follows,
 * so the next start has as many. While it is shut off, the slider sets the configuration only.
 *
 * A slider applies its value a moment after it stops moving, so a drag sends one request, not
 * one per pixel. A request that fails says why under the slider, which goes back to the value
 * in force.
 *
 * CD-ROM drives: each shows its medium, with Change… and Eject. On a running guest the helper
 * changes the medium at once and the configuration follows for the next start (an eject leaves
 * the drive empty there too); on a stopped guest only the configuration changes.
 */

#define APPLY_DELAY_MS 300

struct _GhGuestDetails
{
  AdwPreferencesPage  parent_instance;

  GhGuestSession     *session;
  GPtrArray          *disk_rows;
  GPtrArray          *nic_rows;
  GCancellable       *cancellable;
  guint               memory_apply_source;
  guint               vcpus_apply_source;
  guint               vcpus_requested;  /* the last count sent to the running guest */
  guint               syncing : 1;

  /* Template widgets */
  AdwActionRow       *name_row;
  AdwActionRow       *domain_row;
  AdwActionRow       *uuid_row;
  AdwPreferencesGroup *memory_group;
  GtkScale           *memory_scale;
  GtkLabel           *memory_value_label;
  GtkLabel           *memory_floor_label;
  GtkLabel           *memory_max_label;
  GtkLabel           *memory_actual_label;
  GtkLabel           *memory_error_label;
  AdwPreferencesGroup *vcpus_group;
  GtkScale           *vcpus_scale;
  GtkLabel           *vcpus_value_label;
  GtkLabel           *vcpus_max_label;
  GtkLabel           *vcpus_actual_label;
  GtkLabel           *vcpus_error_label;
  AdwPreferencesGroup *disks_group;
  AdwPreferencesGroup *nics_group;
  GhStatsGraph       *memory_graph;
  GtkLabel           *memory_usage_label;
  GhStatsGraph       *cpu_graph;
  GtkLabel           *cpu_usage_label;
};

G_DEFINE_FINAL_TYPE (GhGuestDetails, gh_guest_details, ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GhGuest *
get_guest (GhGuestDetails *self)
{
  return gh_guest_session_get_guest (self->session);
}

static GhGuestConfig *
get_config (GhGuestDetails *self)
{
  return gh_guest_get_config (get_guest (self));
}

static gboolean
is_live (GhGuestDetails *self)
{
  return gh_guest_is_active (get_guest (self));
}

static char *
format_mib (guint mib)
{
  /* Translators: a memory size in mebibytes */
  return g_strdup_printf (_("%u MiB"), mib);
}

static void
set_error (GtkLabel   *label,
           const char *message)
{
  gtk_label_set_label (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

/* Identity, disks and NICs */

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static void
add_row (AdwPreferencesGroup *group,
         GPtrArray           *rows,
         const char          *title,
         const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (rows, row);
}

static const char *
describe_disk (const GhDisk *disk)
{
  if (disk->media == GH_DISK_MEDIA_CDROM)
    return disk->bus == GH_DISK_BUS_IDE ? _("CD-ROM on IDE, read-only")
                                        : _("CD-ROM on virtio, read-only");
  if (disk->readonly)
    return disk->bus == GH_DISK_BUS_IDE ? _("Disk on IDE, read-only")
                                        : _("Disk on virtio, read-only");
  return disk->bus == GH_DISK_BUS_IDE ? _("Disk on IDE") : _("Disk on virtio");
}

/* CD-ROM drives */

static void media_change_clicked (GtkButton      *button,
                                  GhGuestDetails *self);
static void media_eject_clicked  (GtkButton      *button,
                                  GhGuestDetails *self);

static const GhBlockDevice *
find_block_device (GhGuestDetails *self,
                   const char     *drive)
{
  GPtrArray *devices = gh_guest_session_get_block_devices (self->session);

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      const GhBlockDevice *device = g_ptr_array_index (devices, i);

      if (g_str_equal (device->device, drive))
        return device;
    }

  return NULL;
}

/* The row of a drive, found again by name: the rows are rebuilt whenever the guest changes. */
static GtkWidget *
find_media_row (GhGuestDetails *self,
                const char     *drive)
{
  for (guint i = 0; i < self->disk_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->disk_rows, i);

      if (ADW_IS_ACTION_ROW (row) && g_str_equal (gtk_widget_get_name (row), drive))
        return row;
    }

  return NULL;
}

static void
set_media_error (GhGuestDetails *self,
                 const char     *drive,
                 const char     *message,
                 gboolean        offer_force)
{
  GtkWidget *row = find_media_row (self, drive);

  if (row == NULL)
    return;

  set_error (g_object_get_data (G_OBJECT (row), "error-label"), message);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "force-button"), offer_force);
}

static GtkWidget *
media_button (GhGuestDetails *self,
              const char     *name,
              const char     *label,
              GCallback       callback)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_name (button, name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect_object (button, "clicked", callback, self, 0);

  return button;
}

static void
add_media_row (GhGuestDetails *self,
               guint           index,
               const GhDisk   *disk,
               const char     *subtitle)
{
  g_autofree char *drive = gh_guest_config_dup_drive_name (get_config (self), index);
  const GhBlockDevice *device = is_live (self) ? find_block_device (self, drive) : NULL;
  /* The helper knows best what is in a running guest's drive; the configuration otherwise. */
  const char *file = device ? (device->inserted ? device->file : NULL) : disk->path;
  g_autofree char *title = file ? g_path_get_basename (file) : g_strdup (_("Empty"));
  g_autofree char *full_subtitle = g_strdup_printf ("%s\n%s", subtitle, file ? file : drive);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *error_label = gtk_label_new (NULL);
  GtkWidget *change = media_button (self, "change", _("C_hange…"),
                                    G_CALLBACK (media_change_clicked));
  GtkWidget *eject = media_button (self, "eject", _("_Eject"), G_CALLBACK (media_eject_clicked));
  GtkWidget *force = media_button (self, "force-eject", _("_Force Eject"),
                                   G_CALLBACK (media_eject_clicked));

  gtk_widget_set_name (row, drive);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), full_subtitle);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);

  g_object_set_data_full (G_OBJECT (change), "drive", g_strdup (drive), g_free);
  g_object_set_data_full (G_OBJECT (eject), "drive", g_strdup (drive), g_free);
  g_object_set_data_full (G_OBJECT (force), "drive", g_strdup (drive), g_free);
  g_object_set_data (G_OBJECT (force), "force", GINT_TO_POINTER (TRUE));
  gtk_widget_set_visible (force, FALSE);
  gtk_widget_add_css_class (force, "destructive-action");

  gtk_widget_set_sensitive (eject, file != NULL);

  adw_action_row_add_suffix (ADW_ACTION_ROW (row), change);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), eject);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), force);

  gtk_widget_set_name (error_label, "error");
  gtk_label_set_wrap (GTK_LABEL (error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (error_label), 0);
  gtk_widget_set_margin_top (error_label, 6);
  gtk_widget_add_css_class (error_label, "error");
  gtk_widget_set_visible (error_label, FALSE);
  g_object_set_data (G_OBJECT (row), "error-label", error_label);
  g_object_set_data (G_OBJECT (row), "force-button", force);

  adw_preferences_group_add (self->disks_group, row);
  g_ptr_array_add (self->disk_rows, row);
  adw_preferences_group_add (self->disks_group, error_label);
  g_ptr_array_add (self->disk_rows, error_label);
}

static void
update_devices (GhGuestDetails *self)
{
  GhGuestConfig *config = get_config (self);
  guint n_disks = config ? gh_guest_config_get_n_disks (config) : 0;
  guint n_nics = config ? gh_guest_config_get_n_nics (config) : 0;

  clear_rows (self->disks_group, self->disk_rows);
  clear_rows (self->nics_group, self->nic_rows);

  for (guint i = 0; i < n_disks; i++)
    {
      const GhDisk *disk = gh_guest_config_get_disk (config, i);
      g_autofree char *subtitle = NULL;
      g_autofree char *basename = NULL;

      if (disk->media == GH_DISK_MEDIA_CDROM)
        {
          add_media_row (self, i, disk, describe_disk (disk));
          continue;
        }

      subtitle = g_strdup_printf ("%s\n%s", describe_disk (disk), disk->path);
      basename = g_path_get_basename (disk->path);
      add_row (self->disks_group, self->disk_rows, basename, subtitle);
    }
  if (n_disks == 0)
    add_row (self->disks_group, self->disk_rows, _("No disks"), NULL);

  for (guint i = 0; i < n_nics; i++)
    {
      const GhNic *nic = gh_guest_config_get_nic (config, i);
      g_autofree char *subtitle = nic->backend == GH_NIC_BACKEND_TAP
        ? g_strdup_printf (_("%s, on the TAP interface %s"), nic->model, nic->tap)
        : g_strdup_printf (_("%s, user-mode networking"), nic->model);

      add_row (self->nics_group, self->nic_rows, nic->mac ? nic->mac : "", subtitle);
    }
  if (n_nics == 0)
    add_row (self->nics_group, self->nic_rows, _("No network cards"), NULL);
}

static void
update_identity (GhGuestDetails *self)
{
  GhGuest *guest = get_guest (self);
  GhGuestConfig *config = get_config (self);
  g_autofree char *domain = NULL;

  adw_action_row_set_subtitle (self->name_row, gh_guest_get_name (guest));

  if (gh_guest_get_domain_id (guest) > 0)
    domain = g_strdup_printf ("%u", gh_guest_get_domain_id (guest));
  adw_action_row_set_subtitle (self->domain_row,
                               domain ? domain
                                      : _("None: a domain id is given while the guest runs"));

  adw_action_row_set_subtitle (self->uuid_row, config ? gh_guest_config_get_uuid (config) : "");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "details.copy-uuid", config != NULL);
}

/* Sliders */

static void
update_memory (GhGuestDetails *self)
{
  GhGuestConfig *config = get_config (self);
  gboolean live = is_live (self);
  guint floor_mib = GH_GUEST_MEMORY_MIN_MIB;
  guint max_mib, value, actual;
  g_autofree char *floor_text = NULL;
  g_autofree char *max_text = NULL;
  g_autofree char *actual_text = NULL;

  if (config == NULL)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->memory_scale), FALSE);
      return;
    }

  max_mib = gh_guest_config_get_max_memory_mib (config);
  value = live ? gh_guest_session_get_memory_target_mib (self->session)
               : gh_guest_config_get_memory_mib (config);
  /* While it runs, the balloon's own floor applies (unless the guest is
   * already below it), so the slider offers no target the helper refuses. */
  if (live)
    floor_mib = MIN (GH_PROTOCOL_BALLOON_FLOOR_MIB, MIN (value, max_mib));
  value = CLAMP (value, floor_mib, MAX (floor_mib, max_mib));

  /* The store reloads whenever files change; a value the user is still moving stays. */
  self->syncing = TRUE;
  gtk_range_set_range (GTK_RANGE (self->memory_scale), floor_mib, MAX (floor_mib + 1, max_mib));
  if (self->memory_apply_source == 0)
    gtk_range_set_value (GTK_RANGE (self->memory_scale), value);
  self->syncing = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->memory_scale), max_mib > floor_mib);
  floor_text = format_mib (floor_mib);
  max_text = format_mib (max_mib);
  gtk_label_set_label (self->memory_floor_label, floor_text);
  gtk_label_set_label (self->memory_max_label, max_text);
  {
    g_autofree char *value_text =
      format_mib ((guint) round (gtk_range_get_value (GTK_RANGE (self->memory_scale))));
    gtk_label_set_label (self->memory_value_label, value_text);
  }

  adw_preferences_group_set_description (self->memory_group,
                                         live ? _("Applies now: the guest’s balloon gives memory "
                                                  "back or takes it while it runs")
                                              : _("Applies at next start"));

  actual = gh_guest_session_get_memory_actual_mib (self->session);
  if (!live)
    actual_text = g_strdup (_("Not running"));
  else if (actual == 0)
    actual_text = g_strdup (_("Unknown: the guest has no balloon"));
  else
    actual_text = format_mib (actual);
  gtk_label_set_label (self->memory_actual_label, actual_text);
}

static void
update_vcpus (GhGuestDetails *self)
{
  GhGuestConfig *config = get_config (self);
  gboolean live = is_live (self);
  guint max_vcpus, vcpus, enabled;
  g_autofree char *max_text = NULL;
  g_autofree char *value_text = NULL;
  g_autofree char *actual_text = NULL;

  if (config == NULL)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->vcpus_scale), FALSE);
      return;
    }

  /* The configuration follows every live change, so it holds the count asked for either way. */
  max_vcpus = gh_guest_config_get_max_vcpus (config);
  vcpus = gh_guest_config_get_vcpus (config);

  self->syncing = TRUE;
  gtk_range_set_range (GTK_RANGE (self->vcpus_scale), 1, MAX (2, max_vcpus));
  if (self->vcpus_apply_source == 0)
    gtk_range_set_value (GTK_RANGE (self->vcpus_scale), vcpus);
  self->syncing = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->vcpus_scale), max_vcpus > 1);
  max_text = g_strdup_printf ("%u", max_vcpus);
  value_text = g_strdup_printf ("%u",
                                (guint) round (gtk_range_get_value (GTK_RANGE (self->vcpus_scale))));
  gtk_label_set_label (self->vcpus_max_label, max_text);
  gtk_label_set_label (self->vcpus_value_label, value_text);

  adw_preferences_group_set_description (self->vcpus_group,
                                         live ? _("Applies now: the guest plugs vCPUs in or "
                                                  "gives them back while it runs")
                                              : _("Applies at next start"));

  enabled = gh_guest_session_get_vcpus_enabled (self->session);
  if (!live)
    actual_text = g_strdup (_("Not running"));
  else if (enabled == 0)
    actual_text = g_strdup (_("Unknown"));
  else
    actual_text = g_strdup_printf ("%u", enabled);
  gtk_label_set_label (self->vcpus_actual_label, actual_text);
}

static gboolean
update_config (GhGuestDetails *self,
               guint           memory_mib,
               guint           vcpus,
               GtkLabel       *error_label)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_copy (get_config (self), NULL);
  g_autoptr(GError) error = NULL;

  if (memory_mib != 0)
    gh_guest_config_set_memory_mib (config, memory_mib);
  if (vcpus != 0)
    gh_guest_config_set_vcpus (config, vcpus);

  if (!gh_guest_store_update (gh_guest_session_get_store (self->session), config, &error))
    {
      set_error (error_label, error->message);
      return FALSE;
    }

  set_error (error_label, NULL);

  return TRUE;
}

static void
on_set_memory_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GhGuestDetails) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gh_guest_session_set_memory_finish (GH_GUEST_SESSION (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      set_error (self->memory_error_label,
                 gh_guest_session_describe_error (error,
                                                  _("Live memory changes are not available yet: "
                                                    "this guesthouse-vmm has no balloon device.")));
      update_memory (self);
      return;
    }

  set_error (self->memory_error_label, NULL);
}

static gboolean
apply_memory_cb (gpointer user_data)
{
  GhGuestDetails *self = user_data;
  guint value = (guint) round (gtk_range_get_value (GTK_RANGE (self->memory_scale)));

  self->memory_apply_source = 0;

  if (get_config (self) == NULL)
    return G_SOURCE_REMOVE;

  if (is_live (self))
    gh_guest_session_set_memory_async (self->session, value, self->cancellable,
                                       on_set_memory_done, g_object_ref (self));
  else if (!update_config (self, value, 0, self->memory_error_label))
    update_memory (self);

  return G_SOURCE_REMOVE;
}

static void
on_set_vcpus_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GhGuestDetails) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gh_guest_session_command_finish (GH_GUEST_SESSION (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      set_error (self->vcpus_error_label,
                 gh_guest_session_describe_error (error,
                                                  _("Live vCPU changes are not available: this "
                                                    "guesthouse-vmm has no CPU hotplug.")));
      update_vcpus (self);
      return;
    }

  /* The next start gets what the guest was asked to have now. */
  if (get_config (self) != NULL
      && !update_config (self, 0, self->vcpus_requested, self->vcpus_error_label))
    update_vcpus (self);
}

static gboolean
apply_vcpus_cb (gpointer user_data)
{
  GhGuestDetails *self = user_data;
  guint value = (guint) round (gtk_range_get_value (GTK_RANGE (self->vcpus_scale)));

  self->vcpus_apply_source = 0;

  if (get_config (self) == NULL)
    return G_SOURCE_REMOVE;

  if (is_live (self))
    {
      self->vcpus_requested = value;
      gh_guest_session_set_vcpus_async (self->session, value, self->cancellable,
                                        on_set_vcpus_done, g_object_ref (self));
    }
  else if (!update_config (self, 0, value, self->vcpus_error_label))
    update_vcpus (self);

  return G_SOURCE_REMOVE;
}

static void
on_memory_value_changed (GhGuestDetails *self)
{
  g_autofree char *text = NULL;

  if (self->syncing)
    return;

  text = format_mib ((guint) round (gtk_range_get_value (GTK_RANGE (self->memory_scale))));
  gtk_label_set_label (self->memory_value_label, text);

  g_clear_handle_id (&self->memory_apply_source, g_source_remove);
  self->memory_apply_source = g_timeout_add (APPLY_DELAY_MS, apply_memory_cb, self);
}

static void
on_vcpus_value_changed (GhGuestDetails *self)
{
  g_autofree char *text = NULL;

  if (self->syncing)
    return;

  text = g_strdup_printf ("%u",
                          (guint) round (gtk_range_get_value (GTK_RANGE (self->vcpus_scale))));
  gtk_label_set_label (self->vcpus_value_label, text);

  g_clear_handle_id (&self->vcpus_apply_source, g_source_remove);
  self->vcpus_apply_source = g_timeout_add (APPLY_DELAY_MS, apply_vcpus_cb, self);
}

/* Media commands */

typedef struct
{
  GhGuestDetails *self;
  char           *drive;
  char           *path;    /* NULL to eject */
  guint           index;
} MediaOp;

static void
media_op_free (MediaOp *op)
{
  g_object_unref (op->self);
  g_free (op->drive);
  g_free (op->path);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MediaOp, media_op_free)

/* The configuration that puts @path in the drive (or empties it), or NULL with the reason in
 * the row. */
static GhGuestConfig *
config_with_media (GhGuestDetails *self,
                   MediaOp        *op)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_copy (get_config (self), NULL);
  g_autoptr(GError) error = NULL;

  gh_guest_config_set_disk_path (config, op->index, op->path);
  if (!gh_guest_config_validate (config, &error))
    {
      set_media_error (self, op->drive, error->message, FALSE);
      return NULL;
    }

  return g_steal_pointer (&config);
}

static void
store_media (GhGuestDetails *self,
             MediaOp        *op)
{
  g_autoptr(GhGuestConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  if (get_config (self) == NULL || !(config = config_with_media (self, op)))
    return;

  if (!gh_guest_store_update (gh_guest_session_get_store (self->session), config, &error))
    set_media_error (self, op->drive, error->message, FALSE);
}

static void
on_media_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(MediaOp) op = user_data;
  g_autoptr(GError) error = NULL;

  if (!gh_guest_session_command_finish (GH_GUEST_SESSION (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      /* On an eject, the helper's GenericError is the guest holding the tray locked. */
      set_media_error (op->self, op->drive,
                       gh_guest_session_describe_error (error,
                                                        _("Changing media is not available: "
                                                          "this guesthouse-vmm cannot change "
                                                          "CD-ROM media.")),
                       op->path == NULL
                       && g_error_matches (error, GH_CLIENT_ERROR, GH_CLIENT_ERROR_GENERIC));
      return;
    }

  set_media_error (op->self, op->drive, NULL, FALSE);
  store_media (op->self, op);
}

static void
apply_media (GhGuestDetails *self,
             const char     *drive,
             const char     *path,
             gboolean        force)
{
  g_autoptr(MediaOp) op = g_new0 (MediaOp, 1);
  g_autoptr(GhGuestConfig) checked = NULL;
  GhGuestConfig *config = get_config (self);

  op->self = g_object_ref (self);
  op->drive = g_strdup (drive);
  op->path = g_strdup (path);

  if (config == NULL || !gh_guest_config_lookup_drive (config, drive, &op->index))
    return;

  if (!is_live (self))
    {
      store_media (self, op);
      return;
    }

  /* Checked first, so that the guest and its configuration never disagree. */
  if (!(checked = config_with_media (self, op)))
    return;

  gh_guest_session_change_media_async (self->session, drive, path, force, self->cancellable,
                                       on_media_done, g_steal_pointer (&op));
}

static void
media_eject_clicked (GtkButton      *button,
                     GhGuestDetails *self)
{
  apply_media (self, g_object_get_data (G_OBJECT (button), "drive"), NULL,
               g_object_get_data (G_OBJECT (button), "force") != NULL);
}

static void
on_media_chosen (GtkNativeDialog *chooser,
                 int              response,
                 gpointer         user_data)
{
  g_autoptr(GhGuestDetails) self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT
      && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser)))
      && (path = g_file_get_path (file)))
    apply_media (self, g_object_get_data (G_OBJECT (chooser), "drive"), path, FALSE);

  g_object_unref (chooser);
}

static void
media_change_clicked (GtkButton      *button,
                      GhGuestDetails *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkFileFilter) images = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Choose a CD Image"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data_full (G_OBJECT (chooser), "drive",
                          g_strdup (g_object_get_data (G_OBJECT (button), "drive")), g_free);

  gtk_file_filter_set_name (images, _("CD Images"));
  gtk_file_filter_add_mime_type (images, "application/x-cd-image");
  gtk_file_filter_add_suffix (images, "iso");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), images);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);

  g_signal_connect (chooser, "response", G_CALLBACK (on_media_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Usage */

static void
update_usage (GhGuestDetails *self)
{
  GhGuestConfig *config = get_config (self);
  const double *memory, *cpu;
  guint n_samples;
  double memory_max, cpu_max;

  memory = gh_guest_session_get_memory_samples (self->session, &n_samples);
  cpu = gh_guest_session_get_cpu_samples (self->session, &n_samples);

  /* The helper's own memory comes on top of the guest's, so leave headroom above the maximum. */
  memory_max = config ? gh_guest_config_get_max_memory_mib (config) * 1.25 : 1024;
  cpu_max = 100.0 * (config ? gh_guest_config_get_vcpus (config) : 1);
  for (guint i = 0; i < n_samples; i++)
    memory_max = MAX (memory_max, memory[i]);

  gh_stats_graph_set_samples (self->memory_graph, memory, n_samples, GH_GUEST_SESSION_N_SAMPLES,
                              memory_max);
  gh_stats_graph_set_samples (self->cpu_graph, cpu, n_samples, GH_GUEST_SESSION_N_SAMPLES,
                              cpu_max);

  if (n_samples == 0)
    {
      gtk_label_set_label (self->memory_usage_label, is_live (self) ? "" : _("Not running"));
      gtk_label_set_label (self->cpu_usage_label, is_live (self) ? "" : _("Not running"));
    }
  else
    {
      g_autofree char *memory_text = format_mib ((guint) round (memory[n_samples - 1]));
      /* Translators: CPU use, in percent of one CPU */
      g_autofree char *cpu_text = g_strdup_printf (_("%.0f %%"), cpu[n_samples - 1]);

      gtk_label_set_label (self->memory_usage_label, memory_text);
      gtk_label_set_label (self->cpu_usage_label, cpu_text);
    }
}

static void
update_all (GhGuestDetails *self)
{
  update_identity (self);
  update_memory (self);
  update_vcpus (self);
  update_devices (self);
  update_usage (self);
}

static void
on_state_changed (GhGuestDetails *self)
{
  /* A request for the old run does not apply to the new one. */
  g_clear_handle_id (&self->memory_apply_source, g_source_remove);
  g_clear_handle_id (&self->vcpus_apply_source, g_source_remove);
  set_error (self->memory_error_label, NULL);
  set_error (self->vcpus_error_label, NULL);
  update_identity (self);
  update_memory (self);
  update_vcpus (self);
  update_devices (self);
  update_usage (self);
}

/* Actions */

static void
copy_uuid_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  GhGuestDetails *self = GH_GUEST_DETAILS (widget);
  GhGuestConfig *config = get_config (self);
  GtkWidget *overlay;

  if (config == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), gh_guest_config_get_uuid (config));

  if ((overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY)))
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (_("UUID copied")));
}

/* GObject */

GtkWidget *
gh_guest_details_new (void)
{
  return g_object_new (GH_TYPE_GUEST_DETAILS, NULL);
}

/**
 * gh_guest_details_get_session:
 *
 * Returns: (transfer none) (nullable): the guest's session
 */
GhGuestSession *
gh_guest_details_get_session (GhGuestDetails *self)
{
  g_return_val_if_fail (GH_IS_GUEST_DETAILS (self), NULL);

  return self->session;
}

/**
 * gh_guest_details_set_session:
 *
 * Sets the guest shown, once: a pane belongs to one guest for its life.
 */
void
gh_guest_details_set_session (GhGuestDetails *self,
                              GhGuestSession *session)
{
  GhGuest *guest;

  g_return_if_fail (GH_IS_GUEST_DETAILS (self));
  g_return_if_fail (GH_IS_GUEST_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  guest = get_guest (self);

  g_signal_connect_object (guest, "notify::config", G_CALLBACK (update_all), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (guest, "notify::state", G_CALLBACK (on_state_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (guest, "notify::domain-id", G_CALLBACK (update_identity), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::memory-target-mib", G_CALLBACK (update_memory),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::memory-actual-mib", G_CALLBACK (update_memory),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::vcpus-enabled", G_CALLBACK (update_vcpus), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "block-devices-changed", G_CALLBACK (update_devices), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "sampled", G_CALLBACK (update_usage), self,
                           G_CONNECT_SWAPPED);

  update_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
gh_guest_details_dispose (GObject *object)
{
  GhGuestDetails *self = (GhGuestDetails *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->memory_apply_source, g_source_remove);
  g_clear_handle_id (&self->vcpus_apply_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_GUEST_DETAILS);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (gh_guest_details_parent_class)->dispose (object);
}

static void
gh_guest_details_finalize (GObject *object)
{
  GhGuestDetails *self = (GhGuestDetails *)object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->disk_rows, g_ptr_array_unref);
  g_clear_pointer (&self->nic_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (gh_guest_details_parent_class)->finalize (object);
}

static void
gh_guest_details_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GhGuestDetails *self = GH_GUEST_DETAILS (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, gh_guest_details_get_session (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_details_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GhGuestDetails *self = GH_GUEST_DETAILS (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      gh_guest_details_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_details_class_init (GhGuestDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_guest_details_dispose;
  object_class->finalize = gh_guest_details_finalize;
  object_class->get_property = gh_guest_details_get_property;
  object_class->set_property = gh_guest_details_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GH_TYPE_GUEST_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (GH_TYPE_STATS_GRAPH);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-guest-details.ui");
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, name_row);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, domain_row);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, uuid_row);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_group);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_scale);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_value_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_floor_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_max_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_actual_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_error_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, vcpus_group);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, vcpus_scale);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, vcpus_value_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, vcpus_max_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, vcpus_actual_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, vcpus_error_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, disks_group);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, nics_group);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_graph);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, memory_usage_label);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, cpu_graph);
  gtk_widget_class_bind_template_child (widget_class, GhGuestDetails, cpu_usage_label);
  gtk_widget_class_bind_template_callback (widget_class, on_memory_value_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_vcpus_value_changed);

  gtk_widget_class_install_action (widget_class, "details.copy-uuid", NULL, copy_uuid_action);
}

static void
gh_guest_details_init (GhGuestDetails *self)
{
  self->disk_rows = g_ptr_array_new ();
  self->nic_rows = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}
