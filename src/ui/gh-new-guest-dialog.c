/* gh-new-guest-dialog.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gh-new-guest-dialog.h"

/* The new-guest assistant. Steps: where the guest boots from (an installation image, an
 * existing disk image, or a Linux kernel), its name, memory, vCPUs, a new disk, the network,
 * and a review. Each step checks its fields as they change and says what is wrong under them;
 * Next stays off until the step is right, and odd input (a file that is gone or unreadable, a
 * file that is no CD image, a size of zero, a name in use) is a message, never a crash.
 *
 * Create makes the disk image, defines the guest through the store and emits ::created; the
 * window then starts the guest and shows its screen, or, with "Customize before start", opens
 * its details instead.
 */

typedef enum
{
  SOURCE_ISO,
  SOURCE_DISK,
  SOURCE_KERNEL,
} SourceKind;

static const char * const steps[] = {
  "source", "name", "memory", "vcpus", "disk", "network", "review",
};

/* Where an ISO 9660 image keeps its signature: the first volume descriptor, at sector 16. */
#define ISO9660_MAGIC_OFFSET 0x8001
#define ISO9660_MAGIC        "CD001"

#define DEFAULT_DISK_GIB     20

struct _GhNewGuestDialog
{
  AdwWindow            parent_instance;

  GhGuestStore        *store;
  GSettings           *settings;
  GFile               *iso_file;
  GFile               *disk_file;
  GFile               *kernel_file;
  GFile               *initrd_file;
  GPtrArray           *review_rows;
  guint                step;
  guint                name_edited : 1;

  /* Template widgets */
  AdwWindowTitle      *window_title;
  GtkWidget           *back_button;
  GtkWidget           *next_button;
  GtkWidget           *create_button;
  GtkStack            *stack;
  GtkCheckButton      *iso_check;
  GtkCheckButton      *disk_check;
  GtkCheckButton      *kernel_check;
  GtkWidget           *iso_group;
  AdwActionRow        *iso_row;
  GtkWidget           *disk_group;
  AdwActionRow        *disk_row;
  GtkWidget           *kernel_group;
  AdwActionRow        *kernel_row;
  AdwActionRow        *initrd_row;
  AdwEntryRow         *cmdline_row;
  GtkLabel            *source_error;
  AdwEntryRow         *name_row;
  GtkLabel            *name_error;
  GtkSpinButton       *memory_spin;
  GtkSpinButton       *max_memory_spin;
  GtkLabel            *memory_error;
  GtkSpinButton       *vcpus_spin;
  GtkSpinButton       *max_vcpus_spin;
  GtkLabel            *vcpus_error;
  GtkCheckButton      *new_disk_check;
  GtkCheckButton      *no_disk_check;
  GtkSpinButton       *disk_size_spin;
  AdwActionRow        *disk_path_row;
  GtkLabel            *disk_error;
  GtkCheckButton      *user_net_check;
  GtkCheckButton      *no_net_check;
  AdwPreferencesGroup *review_group;
  GtkSwitch           *customize_switch;
  GtkLabel            *review_error;
};

G_DEFINE_FINAL_TYPE (GhNewGuestDialog, gh_new_guest_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_SETTINGS,
  PROP_ISO_FILE,
  PROP_DISK_FILE,
  PROP_KERNEL_FILE,
  PROP_INITRD_FILE,
  PROP_STEP,
  N_PROPS
};

enum {
  CREATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void update (GhNewGuestDialog *self);

/* Reading the fields */

static SourceKind
get_source_kind (GhNewGuestDialog *self)
{
  if (gtk_check_button_get_active (self->disk_check))
    return SOURCE_DISK;
  if (gtk_check_button_get_active (self->kernel_check))
    return SOURCE_KERNEL;
  return SOURCE_ISO;
}

static const char *
get_name (GhNewGuestDialog *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->name_row));
}

static guint
spin_value (GtkSpinButton *spin)
{
  return (guint) gtk_spin_button_get_value_as_int (spin);
}

/* The firmware that boots images: SeaBIOS, from Debian's seabios package or QEMU's copy. */
static const char *
find_firmware (void)
{
  static const char * const candidates[] = {
    "/usr/share/seabios/bios-256k.bin",
    "/usr/share/seabios/bios.bin",
    "/usr/share/qemu/bios-256k.bin",
  };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR))
      return candidates[i];

  return NULL;
}

static char *
dup_new_disk_path (GhNewGuestDialog *self)
{
  g_autofree char *file = g_strconcat (get_name (self), ".img", NULL);

  return g_build_filename (g_get_user_data_dir (), "guesthouse", "images", file, NULL);
}

/* Validation: each returns a message for people, or NULL when the step is right. */

static char *
check_file (GFile      *file,
            const char *none_chosen,
            gboolean    want_iso)
{
  g_autofree char *path = NULL;
  char magic[sizeof ISO9660_MAGIC - 1];
  GStatBuf st;
  int fd;

  if (file == NULL)
    return g_strdup (none_chosen);

  if (!(path = g_file_get_path (file)))
    return g_strdup (_("The file is not on this computer’s file system"));

  if (g_stat (path, &st) != 0)
    {
      int errsv = errno;
      return g_strdup_printf (_("Cannot use %s: %s"), path, g_strerror (errsv));
    }

  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    return g_strdup_printf (_("%s is not a file"), path);

  if (S_ISREG (st.st_mode) && st.st_size == 0)
    return g_strdup_printf (_("%s is empty"), path);

  if ((fd = g_open (path, O_RDONLY | O_CLOEXEC, 0)) < 0)
    {
      int errsv = errno;
      return g_strdup_printf (_("Cannot read %s: %s"), path, g_strerror (errsv));
    }

  if (want_iso
      && (pread (fd, magic, sizeof magic, ISO9660_MAGIC_OFFSET) != (ssize_t) sizeof magic
          || memcmp (magic, ISO9660_MAGIC, sizeof magic) != 0))
    {
      close (fd);
      return g_strdup_printf (_("%s is not a CD image (it has no ISO 9660 file system)"), path);
    }

  close (fd);

  return NULL;
}

static char *
validate_source (GhNewGuestDialog *self)
{
  SourceKind kind = get_source_kind (self);

  if (kind != SOURCE_KERNEL && find_firmware () == NULL)
    return g_strdup (_("Booting an image needs the SeaBIOS firmware, which is not installed "
                       "(Debian’s package is seabios)"));

  switch (kind)
    {
    case SOURCE_ISO:
      return check_file (self->iso_file, _("Choose an installation image"), TRUE);

    case SOURCE_DISK:
      return check_file (self->disk_file, _("Choose a disk image"), FALSE);

    case SOURCE_KERNEL:
    default:
      {
        char *message = check_file (self->kernel_file, _("Choose a kernel"), FALSE);

        if (message == NULL && self->initrd_file != NULL)
          message = check_file (self->initrd_file, NULL, FALSE);
        return message;
      }
    }
}

static char *
validate_name (GhNewGuestDialog *self)
{
  const char *name = get_name (self);
  g_autoptr(GError) error = NULL;

  if (name[0] == '\0')
    return g_strdup (_("Give the guest a name"));

  if (!gh_guest_name_validate (name, &error))
    return g_strdup (error->message);

  if (gh_guest_store_lookup (self->store, name) != NULL)
    return g_strdup_printf (_("There is already a guest named “%s”"), name);

  return NULL;
}

static char *
validate_memory (GhNewGuestDialog *self)
{
  guint memory = spin_value (self->memory_spin);
  guint max_memory = spin_value (self->max_memory_spin);

  if (memory < GH_GUEST_MEMORY_MIN_MIB)
    return g_strdup_printf (_("A guest needs at least %u MiB of memory"), GH_GUEST_MEMORY_MIN_MIB);

  if (max_memory < memory)
    return g_strdup (_("The maximum memory must be at least the memory the guest starts with"));

  return NULL;
}

static char *
validate_vcpus (GhNewGuestDialog *self)
{
  guint vcpus = spin_value (self->vcpus_spin);
  guint max_vcpus = spin_value (self->max_vcpus_spin);

  if (vcpus < 1)
    return g_strdup (_("A guest needs at least one vCPU"));

  if (max_vcpus < vcpus)
    return g_strdup (_("The maximum vCPUs must be at least the vCPUs the guest starts with"));

  return NULL;
}

static char *
validate_disk (GhNewGuestDialog *self)
{
  g_autofree char *path = NULL;
  guint64 size;

  if (!gtk_check_button_get_active (self->new_disk_check))
    return NULL;

  size = (guint64) gtk_spin_button_get_value_as_int (self->disk_size_spin) << 30;
  if (size == 0)
    return g_strdup (_("The disk needs a size of at least 1 GiB"));
  if (size > GH_DISK_IMAGE_SIZE_MAX)
    return g_strdup (_("The disk can be at most 64 TiB"));

  path = dup_new_disk_path (self);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_strdup_printf (_("%s already exists; choose another guest name, or no new disk"),
                            path);

  return NULL;
}

/* Building the configuration */

static char *
dup_path (GFile *file)
{
  return file ? g_file_get_path (file) : NULL;
}

static GhGuestConfig *
build_config (GhNewGuestDialog *self)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_new (get_name (self));

  gh_guest_config_set_memory_mib (config, spin_value (self->memory_spin));
  gh_guest_config_set_max_memory_mib (config, spin_value (self->max_memory_spin));
  gh_guest_config_set_vcpus (config, spin_value (self->vcpus_spin));
  gh_guest_config_set_max_vcpus (config, spin_value (self->max_vcpus_spin));

  switch (get_source_kind (self))
    {
    case SOURCE_ISO:
      {
        g_autofree char *path = dup_path (self->iso_file);
        g_autoptr(GhDisk) cdrom = gh_disk_new (path);

        cdrom->media = GH_DISK_MEDIA_CDROM;
        cdrom->bus = GH_DISK_BUS_IDE;
        cdrom->readonly = TRUE;
        gh_guest_config_add_disk (config, cdrom);
        gh_guest_config_set_firmware (config, find_firmware ());
        gh_guest_config_set_boot_order (config, "cdrom,disk");
      }
      break;

    case SOURCE_DISK:
      {
        g_autofree char *path = dup_path (self->disk_file);
        g_autoptr(GhDisk) disk = gh_disk_new (path);

        disk->readonly = path != NULL && g_access (path, W_OK) != 0;
        gh_guest_config_add_disk (config, disk);
        gh_guest_config_set_firmware (config, find_firmware ());
        gh_guest_config_set_boot_order (config, "disk");
      }
      break;

    case SOURCE_KERNEL:
    default:
      {
        g_autofree char *kernel = dup_path (self->kernel_file);
        g_autofree char *initrd = dup_path (self->initrd_file);
        const char *cmdline = gtk_editable_get_text (GTK_EDITABLE (self->cmdline_row));

        gh_guest_config_set_kernel (config, kernel);
        gh_guest_config_set_initrd (config, initrd);
        gh_guest_config_set_cmdline (config, cmdline[0] ? cmdline : NULL);
      }
      break;
    }

  if (gtk_check_button_get_active (self->new_disk_check))
    {
      g_autofree char *path = dup_new_disk_path (self);
      g_autoptr(GhDisk) disk = gh_disk_new (path);

      gh_guest_config_add_disk (config, disk);
    }

  if (gtk_check_button_get_active (self->user_net_check))
    {
      g_autoptr(GhNic) nic = gh_nic_new ();

      gh_guest_config_add_nic (config, nic);
    }

  return g_steal_pointer (&config);
}

/* Everything the store does not fill in itself, checked with stand-ins for what it does (a
 * UUID, MAC addresses), as `guesthouse-ctl define` does; the disk image does not exist yet.
 */
static char *
validate_review (GhNewGuestDialog *self)
{
  g_autoptr(GhGuestConfig) config = NULL;
  g_autofree char *uuid = gh_guest_uuid_generate ();
  g_autoptr(GError) error = NULL;
  char *message;

  for (guint i = 0; i < G_N_ELEMENTS (steps) - 1; i++)
    {
      char *(*validate[]) (GhNewGuestDialog *) = {
        validate_source, validate_name, validate_memory, validate_vcpus, validate_disk,
      };

      if (i < G_N_ELEMENTS (validate) && (message = validate[i] (self)))
        return message;
    }

  config = build_config (self);
  gh_guest_config_set_uuid (config, uuid);
  for (guint i = 0; i < gh_guest_config_get_n_nics (config); i++)
    {
      g_autofree char *mac = g_strdup_printf ("%s:00:00:%02x", GH_MAC_PREFIX, i);
      gh_guest_config_set_nic_mac (config, i, mac);
    }

  if (!gh_guest_config_validate (config, &error))
    return g_strdup (error->message);

  return NULL;
}

static char *
validate_step (GhNewGuestDialog *self,
               guint             step)
{
  switch (step)
    {
    case 0: return validate_source (self);
    case 1: return validate_name (self);
    case 2: return validate_memory (self);
    case 3: return validate_vcpus (self);
    case 4: return validate_disk (self);
    case 5: return NULL;
    case 6: return validate_review (self);
    default: g_return_val_if_reached (NULL);
    }
}

/* The review */

static void
add_review_row (GhNewGuestDialog *self,
                const char       *title,
                const char       *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_group_add (self->review_group, row);
  g_ptr_array_add (self->review_rows, row);
}

static void
update_review (GhNewGuestDialog *self)
{
  g_autofree char *source = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *vcpus = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *path = NULL;

  for (guint i = 0; i < self->review_rows->len; i++)
    adw_preferences_group_remove (self->review_group, g_ptr_array_index (self->review_rows, i));
  g_ptr_array_set_size (self->review_rows, 0);

  switch (get_source_kind (self))
    {
    case SOURCE_ISO:
      path = dup_path (self->iso_file);
      source = g_strdup_printf (_("Installs from %s"), path ? path : "");
      break;
    case SOURCE_DISK:
      path = dup_path (self->disk_file);
      source = g_strdup_printf (_("Boots the disk image %s"), path ? path : "");
      break;
    case SOURCE_KERNEL:
    default:
      path = dup_path (self->kernel_file);
      source = g_strdup_printf (_("Boots the kernel %s"), path ? path : "");
      break;
    }

  memory = g_strdup_printf (_("%u MiB, up to %u MiB while it runs"),
                            spin_value (self->memory_spin), spin_value (self->max_memory_spin));
  vcpus = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u vCPU, at most %u",
                                        "%u vCPUs, at most %u", spin_value (self->vcpus_spin)),
                           spin_value (self->vcpus_spin), spin_value (self->max_vcpus_spin));
  if (gtk_check_button_get_active (self->new_disk_check))
    {
      g_autofree char *disk_path = dup_new_disk_path (self);
      disk = g_strdup_printf (_("A new %u GiB image, %s"),
                              spin_value (self->disk_size_spin), disk_path);
    }
  else
    disk = g_strdup (_("No new disk"));

  add_review_row (self, _("Source"), source);
  add_review_row (self, _("Name"), get_name (self));
  add_review_row (self, _("Memory"), memory);
  add_review_row (self, _("Processors"), vcpus);
  add_review_row (self, _("Disk"), disk);
  add_review_row (self, _("Network"),
                  gtk_check_button_get_active (self->user_net_check)
                  ? _("User-mode networking") : _("No network"));
}

/* Showing the state */

static GtkLabel *
error_label_of_step (GhNewGuestDialog *self,
                     guint             step)
{
  GtkLabel *labels[] = {
    self->source_error, self->name_error, self->memory_error, self->vcpus_error,
    self->disk_error, NULL, self->review_error,
  };

  return labels[step];
}

static void
set_file_row (AdwActionRow *row,
              GFile        *file,
              const char   *none)
{
  g_autofree char *path = dup_path (file);

  adw_action_row_set_subtitle (row, path ? path : none);
}

static void
update (GhNewGuestDialog *self)
{
  SourceKind kind = get_source_kind (self);
  g_autofree char *message = validate_step (self, self->step);
  g_autofree char *step_text = g_strdup_printf (_("Step %u of %u"), self->step + 1,
                                                (guint) G_N_ELEMENTS (steps));
  g_autofree char *disk_path = dup_new_disk_path (self);
  GtkLabel *error_label = error_label_of_step (self, self->step);
  gboolean last = self->step == G_N_ELEMENTS (steps) - 1;
  /* An empty name is the starting point, not a mistake to point out. */
  gboolean quiet = self->step == 1 && !self->name_edited;

  /* Building the template sets fields before the store is there. */
  if (self->store == NULL)
    return;

  gtk_widget_set_visible (self->iso_group, kind == SOURCE_ISO);
  gtk_widget_set_visible (self->disk_group, kind == SOURCE_DISK);
  gtk_widget_set_visible (self->kernel_group, kind == SOURCE_KERNEL);
  set_file_row (self->iso_row, self->iso_file, _("None chosen"));
  set_file_row (self->disk_row, self->disk_file, _("None chosen"));
  set_file_row (self->kernel_row, self->kernel_file, _("None chosen"));
  set_file_row (self->initrd_row, self->initrd_file, _("None (optional)"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.clear-initrd",
                                 self->initrd_file != NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->disk_size_spin),
                            gtk_check_button_get_active (self->new_disk_check));
  adw_action_row_set_subtitle (self->disk_path_row, disk_path);

  if (last)
    update_review (self);

  adw_window_title_set_subtitle (self->window_title, step_text);
  gtk_stack_set_visible_child_name (self->stack, steps[self->step]);
  gtk_widget_set_visible (self->back_button, self->step > 0);
  gtk_widget_set_visible (self->next_button, !last);
  gtk_widget_set_visible (self->create_button, last);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.back", self->step > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next", !last && message == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.create", last && message == NULL);

  if (error_label != NULL)
    {
      gtk_label_set_label (error_label, message ? message : "");
      gtk_widget_set_visible (GTK_WIDGET (error_label), message != NULL && !quiet);
    }
}

/* A name from the image's file name ("debian-12.5.0-amd64-netinst.iso" → "debian-12.5.0-amd64-
 * netinst"), with what a name may not hold replaced and a number added when it is taken; only
 * while the user has not typed one.
 */
static void
suggest_name (GhNewGuestDialog *self,
              GFile            *file)
{
  g_autofree char *basename = g_file_get_basename (file);
  g_autoptr(GString) name = g_string_new (NULL);
  char *dot;

  if (self->name_edited || basename == NULL)
    return;

  if ((dot = strrchr (basename, '.')) && dot != basename)
    *dot = '\0';

  for (const char *p = basename; *p && name->len < GH_GUEST_NAME_MAX_LEN - 4; p++)
    {
      gboolean allowed = g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.';

      g_string_append_c (name, allowed ? *p : '-');
    }

  if (!gh_guest_name_validate (name->str, NULL))
    return;

  for (guint n = 2; gh_guest_store_lookup (self->store, name->str) != NULL && n < 100; n++)
    {
      g_autofree char *numbered = g_strdup_printf ("%s-%u", name->str, n);

      if (gh_guest_store_lookup (self->store, numbered) == NULL)
        g_string_assign (name, numbered);
    }

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name->str);
  self->name_edited = FALSE;
}

/* Files */

static void
set_file (GhNewGuestDialog  *self,
          GFile            **field,
          GFile             *file,
          int                prop)
{
  if (!g_set_object (field, file))
    return;

  if (file != NULL && prop != PROP_INITRD_FILE)
    suggest_name (self, file);

  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  update (self);
}

typedef struct
{
  GhNewGuestDialog *self;
  int               prop;
} ChooseData;

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  g_autofree ChooseData *data = user_data;
  GhNewGuestDialog *self = data->self;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GFile) folder = file ? g_file_get_parent (file) : NULL;
      g_autofree char *folder_path = folder ? g_file_get_path (folder) : NULL;

      if (folder_path != NULL)
        g_settings_set_string (self->settings, "last-folder", folder_path);

      g_object_set (self, g_param_spec_get_name (properties[data->prop]), file, NULL);
    }

  g_object_unref (chooser);
  g_object_unref (self);
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  GhNewGuestDialog *self = GH_NEW_GUEST_DIALOG (widget);
  const char *which = g_variant_get_string (parameter, NULL);
  g_autofree char *last_folder = g_settings_get_string (self->settings, "last-folder");
  GtkFileChooserNative *chooser;
  ChooseData *data = g_new0 (ChooseData, 1);
  const char *title;

  data->self = g_object_ref (self);

  if (g_str_equal (which, "iso"))
    {
      title = _("Choose an Installation Image");
      data->prop = PROP_ISO_FILE;
    }
  else if (g_str_equal (which, "disk"))
    {
      title = _("Choose a Disk Image");
      data->prop = PROP_DISK_FILE;
    }
  else if (g_str_equal (which, "initrd"))
    {
      title = _("Choose an Initial Ramdisk");
      data->prop = PROP_INITRD_FILE;
    }
  else
    {
      title = _("Choose a Kernel");
      data->prop = PROP_KERNEL_FILE;
    }

  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);

  if (data->prop == PROP_ISO_FILE)
    {
      g_autoptr(GtkFileFilter) images = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (images, _("CD Images"));
      gtk_file_filter_add_mime_type (images, "application/x-cd-image");
      gtk_file_filter_add_suffix (images, "iso");
      gtk_file_filter_set_name (all, _("All Files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), images);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
    }

  if (last_folder[0] != '\0' && g_file_test (last_folder, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) folder = g_file_new_for_path (last_folder);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
    }

  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
clear_initrd_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  GhNewGuestDialog *self = GH_NEW_GUEST_DIALOG (widget);

  set_file (self, &self->initrd_file, NULL, PROP_INITRD_FILE);
}

/* Navigation */

static void
go_to_step (GhNewGuestDialog *self,
            guint             step)
{
  self->step = step;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);

  if (step == 1)
    gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  GhNewGuestDialog *self = GH_NEW_GUEST_DIALOG (widget);
  g_autofree char *message = validate_step (self, self->step);

  if (message != NULL || self->step + 1 >= G_N_ELEMENTS (steps))
    return;

  go_to_step (self, self->step + 1);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  GhNewGuestDialog *self = GH_NEW_GUEST_DIALOG (widget);

  if (self->step > 0)
    go_to_step (self, self->step - 1);
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GhNewGuestDialog *self = GH_NEW_GUEST_DIALOG (widget);
  g_autofree char *message = validate_review (self);
  g_autoptr(GhGuestConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *disk_path = NULL;
  g_autofree char *name = NULL;

  if (message != NULL)
    {
      update (self);
      return;
    }

  config = build_config (self);
  name = g_strdup (get_name (self));

  if (gtk_check_button_get_active (self->new_disk_check))
    {
      g_autofree char *folder = NULL;
      guint64 size = (guint64) gtk_spin_button_get_value_as_int (self->disk_size_spin) << 30;

      disk_path = dup_new_disk_path (self);
      folder = g_path_get_dirname (disk_path);
      g_mkdir_with_parents (folder, 0700);

      if (!gh_disk_image_create (disk_path, size, FALSE, &error))
        {
          gtk_label_set_label (self->review_error, error->message);
          gtk_widget_set_visible (GTK_WIDGET (self->review_error), TRUE);
          return;
        }
    }

  if (!gh_guest_store_define (self->store, config, &error))
    {
      /* An image made for a guest that was not defined would be litter. */
      if (disk_path != NULL)
        g_unlink (disk_path);

      gtk_label_set_label (self->review_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->review_error), TRUE);
      return;
    }

  g_signal_emit (self, signals[CREATED], 0, name,
                 gtk_switch_get_active (self->customize_switch));
  gtk_window_close (GTK_WINDOW (self));
}

/* Template callbacks */

static void
on_field_changed (GhNewGuestDialog *self)
{
  update (self);
}

static void
on_name_changed (GhNewGuestDialog *self)
{
  self->name_edited = TRUE;
  update (self);
}

static void
on_memory_changed (GhNewGuestDialog *self)
{
  /* The maximum follows the memory up; it never starts below it. */
  if (spin_value (self->max_memory_spin) < spin_value (self->memory_spin))
    gtk_spin_button_set_value (self->max_memory_spin, spin_value (self->memory_spin));
  update (self);
}

static void
on_vcpus_changed (GhNewGuestDialog *self)
{
  if (spin_value (self->max_vcpus_spin) < spin_value (self->vcpus_spin))
    gtk_spin_button_set_value (self->max_vcpus_spin, spin_value (self->vcpus_spin));
  update (self);
}

/* Public API */

GtkWidget *
gh_new_guest_dialog_new (GhGuestStore *store,
                         GSettings    *settings)
{
  g_return_val_if_fail (GH_IS_GUEST_STORE (store), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (GH_TYPE_NEW_GUEST_DIALOG, "store", store, "settings", settings, NULL);
}

/**
 * gh_new_guest_dialog_set_iso:
 *
 * Starts from an installation image.
 */
void
gh_new_guest_dialog_set_iso (GhNewGuestDialog *self,
                             GFile            *iso)
{
  g_return_if_fail (GH_IS_NEW_GUEST_DIALOG (self));
  g_return_if_fail (G_IS_FILE (iso));

  gtk_check_button_set_active (self->iso_check, TRUE);
  set_file (self, &self->iso_file, iso, PROP_ISO_FILE);
}

/**
 * gh_new_guest_dialog_get_step:
 *
 * Returns: the current step: "source", "name", "memory", "vcpus", "disk", "network" or
 *   "review"
 */
const char *
gh_new_guest_dialog_get_step (GhNewGuestDialog *self)
{
  g_return_val_if_fail (GH_IS_NEW_GUEST_DIALOG (self), NULL);

  return steps[self->step];
}

/* GObject */

static void
gh_new_guest_dialog_constructed (GObject *object)
{
  GhNewGuestDialog *self = (GhNewGuestDialog *)object;

  G_OBJECT_CLASS (gh_new_guest_dialog_parent_class)->constructed (object);

  update (self);
}

static void
gh_new_guest_dialog_dispose (GObject *object)
{
  GhNewGuestDialog *self = (GhNewGuestDialog *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_NEW_GUEST_DIALOG);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->iso_file);
  g_clear_object (&self->disk_file);
  g_clear_object (&self->kernel_file);
  g_clear_object (&self->initrd_file);

  G_OBJECT_CLASS (gh_new_guest_dialog_parent_class)->dispose (object);
}

static void
gh_new_guest_dialog_finalize (GObject *object)
{
  GhNewGuestDialog *self = (GhNewGuestDialog *)object;

  g_clear_pointer (&self->review_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (gh_new_guest_dialog_parent_class)->finalize (object);
}

static void
gh_new_guest_dialog_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GhNewGuestDialog *self = GH_NEW_GUEST_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_ISO_FILE:
      g_value_set_object (value, self->iso_file);
      break;
    case PROP_DISK_FILE:
      g_value_set_object (value, self->disk_file);
      break;
    case PROP_KERNEL_FILE:
      g_value_set_object (value, self->kernel_file);
      break;
    case PROP_INITRD_FILE:
      g_value_set_object (value, self->initrd_file);
      break;
    case PROP_STEP:
      g_value_set_string (value, gh_new_guest_dialog_get_step (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_new_guest_dialog_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GhNewGuestDialog *self = GH_NEW_GUEST_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_ISO_FILE:
      set_file (self, &self->iso_file, g_value_get_object (value), PROP_ISO_FILE);
      break;
    case PROP_DISK_FILE:
      set_file (self, &self->disk_file, g_value_get_object (value), PROP_DISK_FILE);
      break;
    case PROP_KERNEL_FILE:
      set_file (self, &self->kernel_file, g_value_get_object (value), PROP_KERNEL_FILE);
      break;
    case PROP_INITRD_FILE:
      set_file (self, &self->initrd_file, g_value_get_object (value), PROP_INITRD_FILE);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_new_guest_dialog_class_init (GhNewGuestDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                | G_PARAM_STATIC_STRINGS;

  object_class->constructed = gh_new_guest_dialog_constructed;
  object_class->dispose = gh_new_guest_dialog_dispose;
  object_class->finalize = gh_new_guest_dialog_finalize;
  object_class->get_property = gh_new_guest_dialog_get_property;
  object_class->set_property = gh_new_guest_dialog_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, GH_TYPE_GUEST_STORE, construct);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS, construct);
  properties[PROP_ISO_FILE] = g_param_spec_object ("iso-file", NULL, NULL, G_TYPE_FILE, rw);
  properties[PROP_DISK_FILE] = g_param_spec_object ("disk-file", NULL, NULL, G_TYPE_FILE, rw);
  properties[PROP_KERNEL_FILE] =
    g_param_spec_object ("kernel-file", NULL, NULL, G_TYPE_FILE, rw);
  properties[PROP_INITRD_FILE] =
    g_param_spec_object ("initrd-file", NULL, NULL, G_TYPE_FILE, rw);
  properties[PROP_STEP] =
    g_param_spec_string ("step", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GhNewGuestDialog::created:
   * @name: the new guest's name
   * @customize: whether to open its details instead of starting it
   *
   * The guest is defined (and its disk made).
   */
  signals[CREATED] =
    g_signal_new ("created",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-new-guest-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, back_button);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, next_button);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, create_button);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, iso_check);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, disk_check);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, kernel_check);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, iso_group);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, iso_row);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, disk_group);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, disk_row);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, kernel_group);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, kernel_row);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, initrd_row);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, cmdline_row);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, source_error);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, name_error);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, memory_spin);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, max_memory_spin);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, memory_error);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, vcpus_spin);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, max_vcpus_spin);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, vcpus_error);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, new_disk_check);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, no_disk_check);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, disk_size_spin);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, disk_path_row);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, disk_error);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, user_net_check);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, no_net_check);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, review_group);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, customize_switch);
  gtk_widget_class_bind_template_child (widget_class, GhNewGuestDialog, review_error);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_memory_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_vcpus_changed);

  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "wizard.create", NULL, create_action);
  gtk_widget_class_install_action (widget_class, "wizard.choose-file", "s", choose_file_action);
  gtk_widget_class_install_action (widget_class, "wizard.clear-initrd", NULL,
                                   clear_initrd_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gh_new_guest_dialog_init (GhNewGuestDialog *self)
{
  self->review_rows = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_spin_button_set_range (self->memory_spin, 0, GH_GUEST_MEMORY_MAX_MIB);
  gtk_spin_button_set_range (self->max_memory_spin, 0, GH_GUEST_MEMORY_MAX_MIB);
  gtk_spin_button_set_range (self->vcpus_spin, 0, GH_GUEST_VCPUS_MAX);
  gtk_spin_button_set_range (self->max_vcpus_spin, 0, GH_GUEST_VCPUS_MAX);
  gtk_spin_button_set_range (self->disk_size_spin, 0, 64 * 1024);
  gtk_spin_button_set_value (self->memory_spin, 1024);
  gtk_spin_button_set_value (self->max_memory_spin, 2048);
  gtk_spin_button_set_value (self->vcpus_spin, 1);
  gtk_spin_button_set_value (self->max_vcpus_spin, MIN (2, g_get_num_processors ()));
  gtk_spin_button_set_value (self->disk_size_spin, DEFAULT_DISK_GIB);
  self->name_edited = FALSE;
}
