/* gh-guest-config.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "gh-types.h"
#include "gh-error.h"
#include "gh-disk-image.h"
#include "gh-guest-config.h"
#include "gh-guest-id.h"
#include "protocol/gh-protocol.h"

/* A configuration file is read by people, written by two programs and possibly edited by hand,
 * so loading is strict: unknown groups and keys, duplicates, values out of range and lines that
 * are not key-file syntax are all errors naming the file and line. Nothing in a file that fails
 * to load is ever rewritten; the store keeps such a guest in its list as "invalid".
 */

#define CONFIG_FILE_MAX_SIZE (256 * 1024)

#define GROUP_GUEST "Guest"
#define GROUP_BOOT  "Boot"
#define GROUP_DISK  "Disk"
#define GROUP_NIC   "NIC"

struct _GhGuestConfig
{
  GObject    parent_instance;

  char      *name;
  char      *uuid;
  guint      memory_mib;
  guint      max_memory_mib;
  guint      vcpus;
  guint      max_vcpus;
  char      *kernel;
  char      *initrd;
  char      *cmdline;
  char      *firmware;
  char      *boot_order;
  GPtrArray *disks;
  GPtrArray *nics;
  guint      display : 1;
};

G_DEFINE_FINAL_TYPE (GhGuestConfig, gh_guest_config, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_UUID,
  PROP_MEMORY_MIB,
  PROP_MAX_MEMORY_MIB,
  PROP_VCPUS,
  PROP_MAX_VCPUS,
  PROP_KERNEL,
  PROP_INITRD,
  PROP_CMDLINE,
  PROP_FIRMWARE,
  PROP_BOOT_ORDER,
  PROP_DISPLAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GhDisk and GhNic */

G_DEFINE_BOXED_TYPE (GhDisk, gh_disk, gh_disk_copy, gh_disk_free)
G_DEFINE_BOXED_TYPE (GhNic, gh_nic, gh_nic_copy, gh_nic_free)

/**
 * gh_disk_new:
 * @path: (nullable): the image, or %NULL for an empty CD-ROM drive once @media is set to
 *   %GH_DISK_MEDIA_CDROM
 */
GhDisk *
gh_disk_new (const char *path)
{
  GhDisk *disk = g_new0 (GhDisk, 1);

  disk->path = g_strdup (path);
  disk->media = GH_DISK_MEDIA_DISK;
  disk->bus = GH_DISK_BUS_VIRTIO;

  return disk;
}

GhDisk *
gh_disk_copy (const GhDisk *disk)
{
  GhDisk *copy;

  g_return_val_if_fail (disk != NULL, NULL);

  copy = g_memdup2 (disk, sizeof *disk);
  copy->path = g_strdup (disk->path);

  return copy;
}

void
gh_disk_free (GhDisk *disk)
{
  if (disk == NULL)
    return;

  g_free (disk->path);
  g_free (disk);
}

GhNic *
gh_nic_new (void)
{
  GhNic *nic = g_new0 (GhNic, 1);

  nic->model = g_strdup ("virtio");
  nic->backend = GH_NIC_BACKEND_USER;

  return nic;
}

GhNic *
gh_nic_copy (const GhNic *nic)
{
  GhNic *copy;

  g_return_val_if_fail (nic != NULL, NULL);

  copy = g_memdup2 (nic, sizeof *nic);
  copy->mac = g_strdup (nic->mac);
  copy->model = g_strdup (nic->model);
  copy->tap = g_strdup (nic->tap);

  return copy;
}

void
gh_nic_free (GhNic *nic)
{
  if (nic == NULL)
    return;

  g_free (nic->mac);
  g_free (nic->model);
  g_free (nic->tap);
  g_free (nic);
}

static gboolean
parse_on_off (const char *value,
              gboolean   *out)
{
  if (g_strcmp0 (value, "on") == 0 || g_strcmp0 (value, "true") == 0
      || g_strcmp0 (value, "yes") == 0)
    *out = TRUE;
  else if (g_strcmp0 (value, "off") == 0 || g_strcmp0 (value, "false") == 0
           || g_strcmp0 (value, "no") == 0)
    *out = FALSE;
  else
    return FALSE;

  return TRUE;
}

static gboolean
parse_media (const char  *value,
             GhDiskMedia *out)
{
  if (g_strcmp0 (value, "disk") == 0)
    *out = GH_DISK_MEDIA_DISK;
  else if (g_strcmp0 (value, "cdrom") == 0)
    *out = GH_DISK_MEDIA_CDROM;
  else
    return FALSE;

  return TRUE;
}

static gboolean
parse_bus (const char *value,
           GhDiskBus  *out)
{
  if (g_strcmp0 (value, "virtio") == 0)
    *out = GH_DISK_BUS_VIRTIO;
  else if (g_strcmp0 (value, "ide") == 0)
    *out = GH_DISK_BUS_IDE;
  else
    return FALSE;

  return TRUE;
}

static const char *
media_to_string (GhDiskMedia media)
{
  return media == GH_DISK_MEDIA_CDROM ? "cdrom" : "disk";
}

static const char *
bus_to_string (GhDiskBus bus)
{
  return bus == GH_DISK_BUS_IDE ? "ide" : "virtio";
}

/**
 * gh_disk_parse_spec:
 * @spec: `path=FILE[,readonly=on][,media=cdrom|disk][,bus=ide|virtio][,size=SIZE]`, the form
 *   of guesthouse-vmm's `--disk`, plus `size=` for an image to create at define time
 * @size_out: (out) (optional): the requested size in bytes, 0 when not given
 *
 * A relative path is taken from the current folder and made absolute, since the helper runs
 * with another working folder. `media=cdrom` without a path is an empty CD-ROM drive.
 */
GhDisk *
gh_disk_parse_spec (const char  *spec,
                    guint64     *size_out,
                    GError     **error)
{
  g_autoptr(GhDisk) disk = gh_disk_new (NULL);
  g_auto(GStrv) parts = NULL;
  gboolean readonly_given = FALSE;
  guint64 size = 0;

  g_return_val_if_fail (spec != NULL, NULL);

  parts = g_strsplit (spec, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = parts[i];
      const char *eq = strchr (part, '=');
      g_autofree char *key = NULL;
      const char *value;

      /* A bare first word is the path, as a shortcut for `path=`. */
      if (eq == NULL && i == 0)
        {
          key = g_strdup ("path");
          value = part;
        }
      else if (eq == NULL)
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                       _("Disk option “%s” has no value"), part);
          return NULL;
        }
      else
        {
          key = g_strndup (part, eq - part);
          value = eq + 1;
        }

      if (strcmp (key, "path") == 0)
        {
          if (value[0] == '\0')
            continue;
          g_free (disk->path);
          disk->path = g_canonicalize_filename (value, NULL);
        }
      else if (strcmp (key, "readonly") == 0)
        {
          if (!parse_on_off (value, &disk->readonly))
            goto bad_value;
          readonly_given = TRUE;
        }
      else if (strcmp (key, "media") == 0)
        {
          if (!parse_media (value, &disk->media))
            goto bad_value;
        }
      else if (strcmp (key, "bus") == 0)
        {
          if (!parse_bus (value, &disk->bus))
            goto bad_value;
        }
      else if (strcmp (key, "size") == 0)
        {
          if (!gh_disk_image_parse_size (value, &size, error))
            return NULL;
        }
      else
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY,
                       _("Unknown disk option “%s” (known: path, readonly, media, bus, size)"),
                       key);
          return NULL;
        }

      continue;

    bad_value:
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("Disk option “%s” has an invalid value “%s”"), key, value);
      return NULL;
    }

  if (disk->path == NULL && disk->media != GH_DISK_MEDIA_CDROM)
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY,
                           _("A disk needs a path (path=FILE); only a CD-ROM drive "
                             "(media=cdrom) may be empty"));
      return NULL;
    }
  if (disk->path == NULL && size > 0)
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                           _("size= creates an image, so it needs a path (path=FILE)"));
      return NULL;
    }

  if (disk->media == GH_DISK_MEDIA_CDROM)
    {
      if (readonly_given && !disk->readonly)
        {
          g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                               _("A CD-ROM is always read-only"));
          return NULL;
        }
      disk->readonly = TRUE;
    }

  if (size_out != NULL)
    *size_out = size;

  return g_steal_pointer (&disk);
}

/**
 * gh_nic_parse_spec:
 * @spec: `[mac=MAC][,net=user|tap=IFNAME][,model=virtio]`, the form of guesthouse-vmm's `--nic`
 *   with every part optional ("" is a user-mode NIC with an address from the pool)
 *
 * The address is only checked for form here; whether it is free is the store's business.
 */
GhNic *
gh_nic_parse_spec (const char  *spec,
                   GError     **error)
{
  g_autoptr(GhNic) nic = gh_nic_new ();
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (spec != NULL, NULL);

  parts = g_strsplit (spec, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = parts[i];
      const char *eq = strchr (part, '=');
      g_autofree char *key = NULL;
      const char *value;

      if (part[0] == '\0')
        continue;

      if (eq == NULL)
        {
          /* `--nic user` reads naturally; take a bare word as the network. */
          key = g_strdup ("net");
          value = part;
        }
      else
        {
          key = g_strndup (part, eq - part);
          value = eq + 1;
        }

      if (strcmp (key, "mac") == 0)
        {
          g_free (nic->mac);
          if (!(nic->mac = gh_mac_normalize (value, error)))
            return NULL;
        }
      else if (strcmp (key, "net") == 0 && strcmp (value, "user") == 0)
        {
          nic->backend = GH_NIC_BACKEND_USER;
          g_clear_pointer (&nic->tap, g_free);
        }
      else if (strcmp (key, "tap") == 0)
        {
          nic->backend = GH_NIC_BACKEND_TAP;
          g_free (nic->tap);
          nic->tap = g_strdup (value);
        }
      else if (strcmp (key, "model") == 0)
        {
          g_free (nic->model);
          nic->model = g_strdup (value);
        }
      else
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY,
                       _("Unknown NIC option “%s” (known: mac, net=user, tap, model)"), part);
          return NULL;
        }
    }

  return g_steal_pointer (&nic);
}

/* Validation */

typedef enum {
  WHERE_GUEST,
  WHERE_BOOT,
  WHERE_DISK,
  WHERE_NIC,
} Where;

/* Where a semantic error lies, so that loading can turn it into a file line. */
typedef struct
{
  Where       where;
  guint       index;
  const char *key;
} Culprit;

static gboolean
is_tap_name_valid (const char *name)
{
  gsize len;

  /* IFNAMSIZ is 16 with the terminating NUL. */
  if (name == NULL || (len = strlen (name)) == 0 || len > 15)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_isalnum (name[i]) || name[i] == '-' || name[i] == '_' || name[i] == '.'))
      return FALSE;

  return TRUE;
}

/* The helper's options are comma-separated key=value lists, so a path with a comma would be
 * cut in two there. Control characters have no business in a path given to a program either.
 */
static gboolean
check_path (const char  *what,
            const char  *path,
            GError     **error)
{
  if (!g_path_is_absolute (path))
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("The %s path “%s” is not absolute"), what, path);
      return FALSE;
    }

  if (!g_utf8_validate (path, -1, NULL))
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("The %s path is not valid UTF-8"), what);
      return FALSE;
    }

  for (const char *p = path; *p; p++)
    if (*p == ',' || (guchar) *p < 0x20 || *p == 0x7f)
      {
        g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                     _("The %s path “%s” holds a comma or a control character"), what, path);
        return FALSE;
      }

  return TRUE;
}

static gboolean
check_boot_order (const char  *order,
                  GError     **error)
{
  g_auto(GStrv) items = g_strsplit (order, ",", -1);
  gboolean seen_cdrom = FALSE, seen_disk = FALSE;

  if (items[0] == NULL)
    goto bad;

  for (guint i = 0; items[i] != NULL; i++)
    {
      if (strcmp (items[i], "cdrom") == 0 && !seen_cdrom)
        seen_cdrom = TRUE;
      else if (strcmp (items[i], "disk") == 0 && !seen_disk)
        seen_disk = TRUE;
      else
        goto bad;
    }

  return TRUE;

bad:
  g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
               _("The boot order “%s” is not a list of “cdrom” and “disk”, each at most once"),
               order);
  return FALSE;
}

static gboolean
config_check (GhGuestConfig  *self,
              Culprit        *culprit,
              GError        **error)
{
  g_autoptr(GHashTable) macs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);

#define FAIL_AT(w, i, k) G_STMT_START { culprit->where = (w); culprit->index = (i); \
    culprit->key = (k); return FALSE; } G_STMT_END

  if (!gh_guest_name_validate (self->name, error))
    FAIL_AT (WHERE_GUEST, 0, NULL);

  if (self->uuid == NULL)
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY,
                           _("The guest has no UUID"));
      FAIL_AT (WHERE_GUEST, 0, "UUID");
    }
  if (!gh_guest_uuid_validate (self->uuid, error))
    FAIL_AT (WHERE_GUEST, 0, "UUID");

  if (self->memory_mib < GH_GUEST_MEMORY_MIN_MIB || self->memory_mib > GH_GUEST_MEMORY_MAX_MIB)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("Memory must be between %u and %u MiB, not %u"),
                   GH_GUEST_MEMORY_MIN_MIB, GH_GUEST_MEMORY_MAX_MIB, self->memory_mib);
      FAIL_AT (WHERE_GUEST, 0, "Memory");
    }
  if (self->max_memory_mib > GH_GUEST_MEMORY_MAX_MIB)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("Maximum memory must be at most %u MiB, not %u"),
                   GH_GUEST_MEMORY_MAX_MIB, self->max_memory_mib);
      FAIL_AT (WHERE_GUEST, 0, "MaxMemory");
    }
  if (self->max_memory_mib < self->memory_mib)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                   _("Memory (%u MiB) is above the maximum memory (%u MiB)"),
                   self->memory_mib, self->max_memory_mib);
      FAIL_AT (WHERE_GUEST, 0, "Memory");
    }

  if (self->vcpus < 1 || self->vcpus > GH_GUEST_VCPUS_MAX)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("vCPUs must be between 1 and %u, not %u"), GH_GUEST_VCPUS_MAX, self->vcpus);
      FAIL_AT (WHERE_GUEST, 0, "VCPUs");
    }
  if (self->max_vcpus > GH_GUEST_VCPUS_MAX)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("Maximum vCPUs must be at most %u, not %u"),
                   GH_GUEST_VCPUS_MAX, self->max_vcpus);
      FAIL_AT (WHERE_GUEST, 0, "MaxVCPUs");
    }
  if (self->max_vcpus < self->vcpus)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                   _("vCPUs (%u) are more than the maximum vCPUs (%u)"),
                   self->vcpus, self->max_vcpus);
      FAIL_AT (WHERE_GUEST, 0, "VCPUs");
    }

  /* Boot source: a kernel (direct Linux/PVH boot) or firmware (with a boot order), not both. */
  if (self->kernel == NULL && self->firmware == NULL)
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY,
                           _("The guest has no boot source: give a kernel or a firmware"));
      FAIL_AT (WHERE_BOOT, 0, NULL);
    }
  if (self->kernel != NULL && self->firmware != NULL)
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                           _("The guest has both a kernel and a firmware; give one of them"));
      FAIL_AT (WHERE_BOOT, 0, "Firmware");
    }
  if (self->kernel != NULL && !check_path (_("kernel"), self->kernel, error))
    FAIL_AT (WHERE_BOOT, 0, "Kernel");
  if (self->initrd != NULL && self->kernel == NULL)
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                           _("An initrd needs a kernel"));
      FAIL_AT (WHERE_BOOT, 0, "Initrd");
    }
  if (self->initrd != NULL && !check_path (_("initrd"), self->initrd, error))
    FAIL_AT (WHERE_BOOT, 0, "Initrd");
  if (self->cmdline != NULL && self->kernel == NULL)
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                           _("A kernel command line needs a kernel"));
      FAIL_AT (WHERE_BOOT, 0, "Cmdline");
    }
  if (self->cmdline != NULL
      && (!g_utf8_validate (self->cmdline, -1, NULL) || strlen (self->cmdline) > 4096))
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                           _("The kernel command line is not UTF-8 or longer than 4096 bytes"));
      FAIL_AT (WHERE_BOOT, 0, "Cmdline");
    }
  if (self->firmware != NULL && !check_path (_("firmware"), self->firmware, error))
    FAIL_AT (WHERE_BOOT, 0, "Firmware");
  if (self->boot_order != NULL && self->firmware == NULL)
    {
      g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                           _("A boot order needs a firmware; a kernel boots by itself"));
      FAIL_AT (WHERE_BOOT, 0, "Order");
    }
  if (self->boot_order != NULL && !check_boot_order (self->boot_order, error))
    FAIL_AT (WHERE_BOOT, 0, "Order");

  if (self->disks->len > GH_GUEST_DISKS_MAX)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("A guest may have at most %u disks"), GH_GUEST_DISKS_MAX);
      FAIL_AT (WHERE_DISK, GH_GUEST_DISKS_MAX, NULL);
    }
  for (guint i = 0; i < self->disks->len; i++)
    {
      const GhDisk *disk = g_ptr_array_index (self->disks, i);

      if (disk->path == NULL && disk->media != GH_DISK_MEDIA_CDROM)
        {
          g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY,
                               _("A disk has no path; only a CD-ROM drive may be empty"));
          FAIL_AT (WHERE_DISK, i, "Path");
        }
      /* Empty drives share no image, so any number of them may coexist. */
      if (disk->path != NULL && !check_path (_("disk"), disk->path, error))
        FAIL_AT (WHERE_DISK, i, "Path");
      if (disk->path != NULL && !g_hash_table_add (paths, disk->path))
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                       _("The disk “%s” is given twice"), disk->path);
          FAIL_AT (WHERE_DISK, i, "Path");
        }
      if (disk->media == GH_DISK_MEDIA_CDROM && !disk->readonly)
        {
          g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                               _("A CD-ROM must be read-only"));
          FAIL_AT (WHERE_DISK, i, "ReadOnly");
        }
    }

  if (self->nics->len > GH_GUEST_NICS_MAX)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("A guest may have at most %u NICs"), GH_GUEST_NICS_MAX);
      FAIL_AT (WHERE_NIC, GH_GUEST_NICS_MAX, NULL);
    }
  for (guint i = 0; i < self->nics->len; i++)
    {
      const GhNic *nic = g_ptr_array_index (self->nics, i);
      g_autofree char *mac = NULL;

      if (nic->mac == NULL)
        {
          g_set_error_literal (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY,
                               _("A NIC has no MAC address"));
          FAIL_AT (WHERE_NIC, i, "MAC");
        }
      if (!(mac = gh_mac_validate_manual (nic->mac, NULL, error)))
        FAIL_AT (WHERE_NIC, i, "MAC");
      if (!g_hash_table_add (macs, nic->mac))
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                       _("The MAC address %s is given to two NICs"), nic->mac);
          FAIL_AT (WHERE_NIC, i, "MAC");
        }
      if (g_strcmp0 (nic->model, "virtio") != 0)
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                       _("The NIC model “%s” is not known (known: virtio)"),
                       nic->model ? nic->model : "");
          FAIL_AT (WHERE_NIC, i, "Model");
        }
      if (nic->backend == GH_NIC_BACKEND_TAP && !is_tap_name_valid (nic->tap))
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                       _("“%s” is not a TAP interface name (1–15 letters, digits, “-”, “_”, “.”)"),
                       nic->tap ? nic->tap : "");
          FAIL_AT (WHERE_NIC, i, "Tap");
        }
    }

#undef FAIL_AT

  return TRUE;
}

/**
 * gh_guest_config_validate:
 *
 * Checks each value and how they fit together; what a file may hold and what `define` accepts
 * are the same rules.
 */
gboolean
gh_guest_config_validate (GhGuestConfig  *self,
                          GError        **error)
{
  Culprit culprit;

  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), FALSE);

  return config_check (self, &culprit, error);
}

/* Loading */

typedef struct
{
  const char *origin;
  GHashTable *lines;         /* "group\x1fkey" and "group" → line number (1-based) */
  GPtrArray  *disk_groups;   /* group names by disk index, for error lines */
  GPtrArray  *nic_groups;
  guint       last_line;
} LoadState;

static void
load_state_clear (LoadState *state)
{
  g_clear_pointer (&state->lines, g_hash_table_unref);
  g_clear_pointer (&state->disk_groups, g_ptr_array_unref);
  g_clear_pointer (&state->nic_groups, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LoadState, load_state_clear)

static guint
line_of (LoadState  *state,
         const char *group,
         const char *key)
{
  g_autofree char *id = NULL;
  gpointer line;

  if (group == NULL)
    return 0;

  if (key != NULL)
    {
      id = g_strconcat (group, "\x1f", key, NULL);
      if ((line = g_hash_table_lookup (state->lines, id)))
        return GPOINTER_TO_UINT (line);
    }

  return GPOINTER_TO_UINT (g_hash_table_lookup (state->lines, group));
}

/* Moves @error to @dest, prefixed by "ORIGIN:LINE: " as compilers do, so a person can jump to it. */
static void
propagate_at (GError    **dest,
              GError     *error,
              LoadState  *state,
              guint       line)
{
  GQuark domain = error->domain;
  int code = error->code;

  /* Errors from other modules (names, UUIDs, MACs) are about a bad value in the file. */
  if (domain != GH_CONFIG_ERROR)
    {
      domain = GH_CONFIG_ERROR;
      code = GH_CONFIG_ERROR_INVALID_VALUE;
    }

  /* Values from the file end up in messages; a hostile file must not make them span lines or
   * carry terminal escapes.
   */
  for (char *p = error->message; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';

  if (line > 0)
    g_set_error (dest, domain, code, _("%s:%u: %s"), state->origin, line, error->message);
  else
    g_set_error (dest, domain, code, _("%s: %s"), state->origin, error->message);

  g_error_free (error);
}

/* A line scanner in front of GKeyFile: GKeyFile reports neither line numbers nor duplicate keys
 * and groups (the last one silently wins), and both matter for a file a person edits.
 */
static gboolean
scan_lines (LoadState   *state,
            const char  *data,
            gsize        length,
            GError     **error)
{
  g_autofree char *group = NULL;
  const char *p = data;
  const char *end = data + length;
  guint line = 0;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl ? nl : end;
      const char *text_start = p;
      g_autofree char *text = g_strndup (p, line_end - p);
      char *s;

      line++;
      p = nl ? nl + 1 : end;

      /* g_strndup() stops at a NUL; a NUL inside a line is binary junk, not a key file. */
      if (memchr (text_start, '\0', line_end - text_start) != NULL)
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                       _("%s:%u: The line holds a NUL byte"), state->origin, line);
          return FALSE;
        }

      if (!g_utf8_validate (text, -1, NULL))
        {
          g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                       _("%s:%u: The line is not valid UTF-8"), state->origin, line);
          return FALSE;
        }

      s = g_strstrip (text);
      if (s[0] == '\0' || s[0] == '#')
        continue;

      if (s[0] == '[')
        {
          gsize len = strlen (s);

          if (len < 3 || s[len - 1] != ']' || strpbrk (s + 1, "[") != NULL
              || memchr (s + 1, ']', len - 2) != NULL)
            {
              g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                           _("%s:%u: “%s” is not a group header"), state->origin, line, s);
              return FALSE;
            }

          g_free (group);
          group = g_strndup (s + 1, len - 2);
          if (g_hash_table_contains (state->lines, group))
            {
              g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                           _("%s:%u: The group [%s] appears twice"), state->origin, line, group);
              return FALSE;
            }
          g_hash_table_insert (state->lines, g_strdup (group), GUINT_TO_POINTER (line));
        }
      else
        {
          char *eq = strchr (s, '=');
          g_autofree char *key = NULL;

          if (eq == NULL || eq == s)
            {
              g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                           _("%s:%u: The line is neither a group, a key=value pair nor a comment"),
                           state->origin, line);
              return FALSE;
            }

          if (group == NULL)
            {
              g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                           _("%s:%u: A key comes before the first group"), state->origin, line);
              return FALSE;
            }

          *eq = '\0';
          key = g_strconcat (group, "\x1f", g_strchomp (s), NULL);
          if (g_hash_table_contains (state->lines, key))
            {
              g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                           _("%s:%u: The key “%s” appears twice in [%s]"),
                           state->origin, line, s, group);
              return FALSE;
            }
          g_hash_table_insert (state->lines, g_steal_pointer (&key), GUINT_TO_POINTER (line));
        }
    }

  state->last_line = line;

  return TRUE;
}

static gboolean
fail_at_key (LoadState   *state,
             const char  *group,
             const char  *key,
             GError     **error,
             GError      *cause)
{
  propagate_at (error, cause, state, line_of (state, group, key));
  return FALSE;
}

/* Reads an optional string; %NULL stays %NULL when the key is absent. */
static gboolean
read_string (GKeyFile    *kf,
             LoadState   *state,
             const char  *group,
             const char  *key,
             gboolean     required,
             char       **out,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *value = NULL;

  if (!g_key_file_has_key (kf, group, key, NULL))
    {
      if (!required)
        return TRUE;

      return fail_at_key (state, group, NULL, error,
                          g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY,
                                       _("The key “%s” is missing from [%s]"), key, group));
    }

  if (!(value = g_key_file_get_string (kf, group, key, &local_error)))
    return fail_at_key (state, group, key, error,
                        g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                                     _("The value of “%s” cannot be read: %s"),
                                     key, local_error->message));

  /* An empty value means "not set", as an absent key does. */
  if (value[0] == '\0')
    {
      if (required)
        return fail_at_key (state, group, key, error,
                            g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                                         _("The key “%s” is empty"), key));
      return TRUE;
    }

  g_free (*out);
  *out = g_steal_pointer (&value);

  return TRUE;
}

static gboolean
read_uint (GKeyFile    *kf,
           LoadState   *state,
           const char  *group,
           const char  *key,
           gboolean     required,
           guint        max,
           guint       *out,
           GError     **error)
{
  g_autofree char *text = NULL;
  guint64 value;

  if (!read_string (kf, state, group, key, required, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;

  /* Strict decimal: no sign, no spaces, no hex, no overflow. */
  if (!g_ascii_isdigit (text[0])
      || !g_ascii_string_to_unsigned (text, 10, 0, max, &value, NULL))
    return fail_at_key (state, group, key, error,
                        g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                                     _("“%s” is not a whole number from 0 to %u for “%s”"),
                                     text, max, key));

  *out = (guint) value;

  return TRUE;
}

static gboolean
read_bool (GKeyFile    *kf,
           LoadState   *state,
           const char  *group,
           const char  *key,
           gboolean    *out,
           GError     **error)
{
  g_autofree char *text = NULL;

  if (!read_string (kf, state, group, key, FALSE, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;

  if (strcmp (text, "true") == 0)
    *out = TRUE;
  else if (strcmp (text, "false") == 0)
    *out = FALSE;
  else
    return fail_at_key (state, group, key, error,
                        g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                                     _("“%s” is not “true” or “false” for “%s”"), text, key));

  return TRUE;
}

static gboolean
check_keys (GKeyFile           *kf,
            LoadState          *state,
            const char         *group,
            const char * const *known,
            GError            **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);

  for (guint i = 0; keys && keys[i]; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_autofree char *list = g_strjoinv (", ", (GStrv) known);

        return fail_at_key (state, group, keys[i], error,
                            g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY,
                                         _("Unknown key “%s” in [%s] (known: %s)"),
                                         keys[i], group, list));
      }

  return TRUE;
}

/* "Disk 3" → 3; only canonical decimal numbers below @max, so "Disk 03" cannot shadow "Disk 3". */
static gboolean
parse_indexed_group (const char *group,
                     const char *prefix,
                     guint       max,
                     guint      *index)
{
  gsize plen = strlen (prefix);
  guint64 value;

  if (strncmp (group, prefix, plen) != 0 || group[plen] != ' ')
    return FALSE;

  group += plen + 1;
  if (!g_ascii_isdigit (group[0]) || (group[0] == '0' && group[1] != '\0'))
    return FALSE;
  if (!g_ascii_string_to_unsigned (group, 10, 0, max - 1, &value, NULL))
    return FALSE;

  *index = (guint) value;

  return TRUE;
}

static gint
compare_index (gconstpointer a,
               gconstpointer b)
{
  guint ia = GPOINTER_TO_UINT (*(gpointer *) a);
  guint ib = GPOINTER_TO_UINT (*(gpointer *) b);

  return ia < ib ? -1 : ia > ib;
}

static gboolean
load_disk (GhGuestConfig  *self,
           GKeyFile       *kf,
           LoadState      *state,
           const char     *group,
           GError        **error)
{
  static const char * const known[] = { "Path", "Media", "Bus", "ReadOnly", NULL };
  g_autoptr(GhDisk) disk = gh_disk_new (NULL);
  g_autofree char *media = NULL;
  g_autofree char *bus = NULL;

  /* Path is optional here so that an empty CD-ROM drive loads, whether its Path key is absent
   * (as saved) or empty (as someone may write it by hand); the check after loading still
   * demands one of every disk. */
  if (!check_keys (kf, state, group, known, error)
      || !read_string (kf, state, group, "Path", FALSE, &disk->path, error)
      || !read_string (kf, state, group, "Media", FALSE, &media, error)
      || !read_string (kf, state, group, "Bus", FALSE, &bus, error)
      || !read_bool (kf, state, group, "ReadOnly", &disk->readonly, error))
    return FALSE;

  if (media != NULL && !parse_media (media, &disk->media))
    return fail_at_key (state, group, "Media", error,
                        g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                                     _("“%s” is not a disk media (disk, cdrom)"), media));
  if (bus != NULL && !parse_bus (bus, &disk->bus))
    return fail_at_key (state, group, "Bus", error,
                        g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                                     _("“%s” is not a disk bus (virtio, ide)"), bus));

  g_ptr_array_add (self->disks, g_steal_pointer (&disk));
  g_ptr_array_add (state->disk_groups, g_strdup (group));

  return TRUE;
}

static gboolean
load_nic (GhGuestConfig  *self,
          GKeyFile       *kf,
          LoadState      *state,
          const char     *group,
          GError        **error)
{
  static const char * const known[] = { "MAC", "Model", "Backend", "Tap", NULL };
  g_autoptr(GhNic) nic = gh_nic_new ();
  g_autofree char *backend = NULL;
  g_autofree char *mac = NULL;

  if (!check_keys (kf, state, group, known, error)
      || !read_string (kf, state, group, "MAC", TRUE, &mac, error)
      || !read_string (kf, state, group, "Model", FALSE, &nic->model, error)
      || !read_string (kf, state, group, "Backend", FALSE, &backend, error)
      || !read_string (kf, state, group, "Tap", FALSE, &nic->tap, error))
    return FALSE;

  {
    GError *local_error = NULL;

    if (!(nic->mac = gh_mac_normalize (mac, &local_error)))
      return fail_at_key (state, group, "MAC", error, local_error);
  }

  if (backend == NULL || strcmp (backend, "user") == 0)
    nic->backend = GH_NIC_BACKEND_USER;
  else if (strcmp (backend, "tap") == 0)
    nic->backend = GH_NIC_BACKEND_TAP;
  else
    return fail_at_key (state, group, "Backend", error,
                        g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                                     _("“%s” is not a NIC backend (user, tap)"), backend));

  if (nic->backend == GH_NIC_BACKEND_USER && nic->tap != NULL)
    return fail_at_key (state, group, "Tap", error,
                        g_error_new_literal (GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT,
                                             _("A TAP interface is given for a user-mode NIC")));

  g_ptr_array_add (self->nics, g_steal_pointer (&nic));
  g_ptr_array_add (state->nic_groups, g_strdup (group));

  return TRUE;
}

static gboolean
load_key_file (GhGuestConfig  *self,
               GKeyFile       *kf,
               LoadState      *state,
               GError        **error)
{
  static const char * const guest_keys[] = {
    "UUID", "Memory", "MaxMemory", "VCPUs", "MaxVCPUs", "Display", NULL
  };
  static const char * const boot_keys[] = {
    "Kernel", "Initrd", "Cmdline", "Firmware", "Order", NULL
  };
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);
  g_autoptr(GPtrArray) disk_groups = g_ptr_array_new ();
  g_autoptr(GPtrArray) nic_groups = g_ptr_array_new ();
  gboolean display = TRUE;
  Culprit culprit = { 0, };
  GError *local_error = NULL;

  for (guint i = 0; groups[i] != NULL; i++)
    {
      guint index;

      if (strcmp (groups[i], GROUP_GUEST) == 0 || strcmp (groups[i], GROUP_BOOT) == 0)
        continue;

      if (parse_indexed_group (groups[i], GROUP_DISK, GH_GUEST_DISKS_MAX, &index))
        g_ptr_array_add (disk_groups, GUINT_TO_POINTER (index));
      else if (parse_indexed_group (groups[i], GROUP_NIC, GH_GUEST_NICS_MAX, &index))
        g_ptr_array_add (nic_groups, GUINT_TO_POINTER (index));
      else
        return fail_at_key (state, groups[i], NULL, error,
                            g_error_new (GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY,
                                         _("Unknown group [%s] (known: [Guest], [Boot], "
                                           "[Disk 0] … [Disk %u], [NIC 0] … [NIC %u])"),
                                         groups[i], GH_GUEST_DISKS_MAX - 1,
                                         GH_GUEST_NICS_MAX - 1));
    }

  if (!g_key_file_has_group (kf, GROUP_GUEST))
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY,
                   _("%s: The group [%s] is missing"), state->origin, GROUP_GUEST);
      return FALSE;
    }

  if (!check_keys (kf, state, GROUP_GUEST, guest_keys, error)
      || !read_string (kf, state, GROUP_GUEST, "UUID", TRUE, &self->uuid, error)
      || !read_uint (kf, state, GROUP_GUEST, "Memory", TRUE, G_MAXUINT, &self->memory_mib, error)
      || !read_uint (kf, state, GROUP_GUEST, "MaxMemory", FALSE, G_MAXUINT,
                     &self->max_memory_mib, error)
      || !read_uint (kf, state, GROUP_GUEST, "VCPUs", FALSE, G_MAXUINT, &self->vcpus, error)
      || !read_uint (kf, state, GROUP_GUEST, "MaxVCPUs", FALSE, G_MAXUINT, &self->max_vcpus,
                     error)
      || !read_bool (kf, state, GROUP_GUEST, "Display", &display, error))
    return FALSE;

  /* Maximums default to the initial amounts: a guest that does not grow. */
  if (!g_key_file_has_key (kf, GROUP_GUEST, "MaxMemory", NULL))
    self->max_memory_mib = self->memory_mib;
  if (!g_key_file_has_key (kf, GROUP_GUEST, "MaxVCPUs", NULL))
    self->max_vcpus = self->vcpus;
  self->display = display;

  if (g_key_file_has_group (kf, GROUP_BOOT)
      && (!check_keys (kf, state, GROUP_BOOT, boot_keys, error)
          || !read_string (kf, state, GROUP_BOOT, "Kernel", FALSE, &self->kernel, error)
          || !read_string (kf, state, GROUP_BOOT, "Initrd", FALSE, &self->initrd, error)
          || !read_string (kf, state, GROUP_BOOT, "Cmdline", FALSE, &self->cmdline, error)
          || !read_string (kf, state, GROUP_BOOT, "Firmware", FALSE, &self->firmware, error)
          || !read_string (kf, state, GROUP_BOOT, "Order", FALSE, &self->boot_order, error)))
    return FALSE;

  g_ptr_array_sort (disk_groups, compare_index);
  for (guint i = 0; i < disk_groups->len; i++)
    {
      g_autofree char *group = g_strdup_printf ("%s %u", GROUP_DISK,
                                                GPOINTER_TO_UINT (disk_groups->pdata[i]));
      if (!load_disk (self, kf, state, group, error))
        return FALSE;
    }

  g_ptr_array_sort (nic_groups, compare_index);
  for (guint i = 0; i < nic_groups->len; i++)
    {
      g_autofree char *group = g_strdup_printf ("%s %u", GROUP_NIC,
                                                GPOINTER_TO_UINT (nic_groups->pdata[i]));
      if (!load_nic (self, kf, state, group, error))
        return FALSE;
    }

  if (!config_check (self, &culprit, &local_error))
    {
      const char *group = NULL;

      switch (culprit.where)
        {
        case WHERE_GUEST:
          group = GROUP_GUEST;
          break;
        case WHERE_BOOT:
          group = g_key_file_has_group (kf, GROUP_BOOT) ? GROUP_BOOT : GROUP_GUEST;
          break;
        case WHERE_DISK:
          if (culprit.index < state->disk_groups->len)
            group = g_ptr_array_index (state->disk_groups, culprit.index);
          break;
        case WHERE_NIC:
          if (culprit.index < state->nic_groups->len)
            group = g_ptr_array_index (state->nic_groups, culprit.index);
          break;
        default:
          g_assert_not_reached ();
        }

      return fail_at_key (state, group, culprit.key, error, local_error);
    }

  return TRUE;
}

/**
 * gh_guest_config_new_from_data:
 * @name: the guest's name (the file's name without `.conf`)
 * @origin: what to call the data in errors, usually the file's path
 *
 * Returns: (transfer full) (nullable): the configuration, or %NULL with @error set to a
 *   %GH_CONFIG_ERROR whose message starts with "ORIGIN:LINE: "
 */
GhGuestConfig *
gh_guest_config_new_from_data (const char  *name,
                               const char  *data,
                               gsize        length,
                               const char  *origin,
                               GError     **error)
{
  g_autoptr(GhGuestConfig) self = NULL;
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(LoadState) state = { 0, };

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  state.origin = origin ? origin : name;
  state.lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state.disk_groups = g_ptr_array_new_with_free_func (g_free);
  state.nic_groups = g_ptr_array_new_with_free_func (g_free);

  if (!gh_guest_name_validate (name, &local_error))
    {
      propagate_at (error, g_steal_pointer (&local_error), &state, 0);
      return NULL;
    }

  if (length > CONFIG_FILE_MAX_SIZE)
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                   _("%s: The file is larger than %u KiB; it is not a guest configuration"),
                   state.origin, CONFIG_FILE_MAX_SIZE / 1024);
      return NULL;
    }

  if (!scan_lines (&state, data, length, error))
    return NULL;

  kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, data, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE,
                   _("%s: %s"), state.origin, local_error->message);
      return NULL;
    }

  self = g_object_new (GH_TYPE_GUEST_CONFIG, "name", name, NULL);

  if (!load_key_file (self, kf, &state, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * gh_guest_config_new_from_file:
 * @path: a `NAME.conf` file; the name comes from the file name
 */
GhGuestConfig *
gh_guest_config_new_from_file (const char  *path,
                               GError     **error)
{
  g_autofree char *basename = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  basename = g_path_get_basename (path);
  if (!g_str_has_suffix (basename, ".conf"))
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_IO,
                   _("%s: A guest configuration file name ends in “.conf”"), path);
      return NULL;
    }
  basename[strlen (basename) - strlen (".conf")] = '\0';

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_IO, "%s", local_error->message);
      return NULL;
    }

  return gh_guest_config_new_from_data (basename, data, length, path, error);
}

/* Saving */

static void
set_optional (GKeyFile   *kf,
              const char *group,
              const char *key,
              const char *value)
{
  if (value != NULL)
    g_key_file_set_string (kf, group, key, value);
}

/**
 * gh_guest_config_to_data:
 *
 * Returns: (transfer full): the configuration as key-file text, the same for the same model
 */
char *
gh_guest_config_to_data (GhGuestConfig *self,
                         gsize         *length)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), NULL);

  g_key_file_set_string (kf, GROUP_GUEST, "UUID", self->uuid ? self->uuid : "");
  g_key_file_set_uint64 (kf, GROUP_GUEST, "Memory", self->memory_mib);
  g_key_file_set_uint64 (kf, GROUP_GUEST, "MaxMemory", self->max_memory_mib);
  g_key_file_set_uint64 (kf, GROUP_GUEST, "VCPUs", self->vcpus);
  g_key_file_set_uint64 (kf, GROUP_GUEST, "MaxVCPUs", self->max_vcpus);
  g_key_file_set_boolean (kf, GROUP_GUEST, "Display", self->display);
  g_key_file_set_comment (kf, NULL, NULL,
                          " Guesthouse guest configuration. The file name is the guest's name.\n"
                          " Written by guesthouse-ctl and Guesthouse; edit only while the guest is"
                          " shut off.", NULL);

  if (self->kernel || self->firmware || self->boot_order || self->initrd || self->cmdline)
    {
      set_optional (kf, GROUP_BOOT, "Kernel", self->kernel);
      set_optional (kf, GROUP_BOOT, "Initrd", self->initrd);
      set_optional (kf, GROUP_BOOT, "Cmdline", self->cmdline);
      set_optional (kf, GROUP_BOOT, "Firmware", self->firmware);
      set_optional (kf, GROUP_BOOT, "Order", self->boot_order);
    }

  for (guint i = 0; i < self->disks->len; i++)
    {
      const GhDisk *disk = g_ptr_array_index (self->disks, i);
      g_autofree char *group = g_strdup_printf ("%s %u", GROUP_DISK, i);

      /* An empty CD-ROM drive is saved without a Path key. */
      set_optional (kf, group, "Path", disk->path);
      g_key_file_set_string (kf, group, "Media", media_to_string (disk->media));
      g_key_file_set_string (kf, group, "Bus", bus_to_string (disk->bus));
      g_key_file_set_boolean (kf, group, "ReadOnly", disk->readonly);
    }

  for (guint i = 0; i < self->nics->len; i++)
    {
      const GhNic *nic = g_ptr_array_index (self->nics, i);
      g_autofree char *group = g_strdup_printf ("%s %u", GROUP_NIC, i);

      g_key_file_set_string (kf, group, "MAC", nic->mac ? nic->mac : "");
      g_key_file_set_string (kf, group, "Model", nic->model ? nic->model : "virtio");
      g_key_file_set_string (kf, group, "Backend",
                             nic->backend == GH_NIC_BACKEND_TAP ? "tap" : "user");
      set_optional (kf, group, "Tap", nic->tap);
    }

  return g_key_file_to_data (kf, length, NULL);
}

/**
 * gh_guest_config_save:
 *
 * Validates, then writes @path atomically (a temporary file renamed over it, synced first), so
 * a reader sees the old or the new file and a crash never leaves half of one. The caller holds
 * the store lock so that two writers do not interleave.
 */
gboolean
gh_guest_config_save (GhGuestConfig  *self,
                      const char     *path,
                      GError        **error)
{
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!gh_guest_config_validate (self, error))
    return FALSE;

  data = gh_guest_config_to_data (self, &length);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_IO,
                   _("Cannot create the folder %s: %s"), dir, g_strerror (errsv));
      return FALSE;
    }

  if (!g_file_set_contents_full (path, data, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* The object */

/**
 * gh_guest_config_new:
 * @name: the guest's name; not checked here, gh_guest_config_validate() does
 *
 * Returns: (transfer full): a configuration with 512 MiB, one vCPU, a display, no UUID yet and
 *   no boot source
 */
GhGuestConfig *
gh_guest_config_new (const char *name)
{
  return g_object_new (GH_TYPE_GUEST_CONFIG, "name", name, NULL);
}

/**
 * gh_guest_config_copy:
 * @new_name: (nullable): a name for the copy, or %NULL to keep the name
 *
 * Returns: (transfer full): a deep copy (same UUID and MACs: the caller changes those)
 */
GhGuestConfig *
gh_guest_config_copy (GhGuestConfig *self,
                      const char    *new_name)
{
  GhGuestConfig *copy;

  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), NULL);

  copy = gh_guest_config_new (new_name ? new_name : self->name);
  copy->uuid = g_strdup (self->uuid);
  copy->memory_mib = self->memory_mib;
  copy->max_memory_mib = self->max_memory_mib;
  copy->vcpus = self->vcpus;
  copy->max_vcpus = self->max_vcpus;
  copy->kernel = g_strdup (self->kernel);
  copy->initrd = g_strdup (self->initrd);
  copy->cmdline = g_strdup (self->cmdline);
  copy->firmware = g_strdup (self->firmware);
  copy->boot_order = g_strdup (self->boot_order);
  copy->display = self->display;
  for (guint i = 0; i < self->disks->len; i++)
    g_ptr_array_add (copy->disks, gh_disk_copy (g_ptr_array_index (self->disks, i)));
  for (guint i = 0; i < self->nics->len; i++)
    g_ptr_array_add (copy->nics, gh_nic_copy (g_ptr_array_index (self->nics, i)));

  return copy;
}

static void
gh_guest_config_finalize (GObject *object)
{
  GhGuestConfig *self = (GhGuestConfig *)object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->uuid, g_free);
  g_clear_pointer (&self->kernel, g_free);
  g_clear_pointer (&self->initrd, g_free);
  g_clear_pointer (&self->cmdline, g_free);
  g_clear_pointer (&self->firmware, g_free);
  g_clear_pointer (&self->boot_order, g_free);
  g_clear_pointer (&self->disks, g_ptr_array_unref);
  g_clear_pointer (&self->nics, g_ptr_array_unref);

  G_OBJECT_CLASS (gh_guest_config_parent_class)->finalize (object);
}

static void
gh_guest_config_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GhGuestConfig *self = GH_GUEST_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, gh_guest_config_get_name (self));
      break;
    case PROP_UUID:
      g_value_set_string (value, gh_guest_config_get_uuid (self));
      break;
    case PROP_MEMORY_MIB:
      g_value_set_uint (value, gh_guest_config_get_memory_mib (self));
      break;
    case PROP_MAX_MEMORY_MIB:
      g_value_set_uint (value, gh_guest_config_get_max_memory_mib (self));
      break;
    case PROP_VCPUS:
      g_value_set_uint (value, gh_guest_config_get_vcpus (self));
      break;
    case PROP_MAX_VCPUS:
      g_value_set_uint (value, gh_guest_config_get_max_vcpus (self));
      break;
    case PROP_KERNEL:
      g_value_set_string (value, gh_guest_config_get_kernel (self));
      break;
    case PROP_INITRD:
      g_value_set_string (value, gh_guest_config_get_initrd (self));
      break;
    case PROP_CMDLINE:
      g_value_set_string (value, gh_guest_config_get_cmdline (self));
      break;
    case PROP_FIRMWARE:
      g_value_set_string (value, gh_guest_config_get_firmware (self));
      break;
    case PROP_BOOT_ORDER:
      g_value_set_string (value, gh_guest_config_get_boot_order (self));
      break;
    case PROP_DISPLAY:
      g_value_set_boolean (value, gh_guest_config_get_display (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_config_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GhGuestConfig *self = GH_GUEST_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_UUID:
      gh_guest_config_set_uuid (self, g_value_get_string (value));
      break;
    case PROP_MEMORY_MIB:
      gh_guest_config_set_memory_mib (self, g_value_get_uint (value));
      break;
    case PROP_MAX_MEMORY_MIB:
      gh_guest_config_set_max_memory_mib (self, g_value_get_uint (value));
      break;
    case PROP_VCPUS:
      gh_guest_config_set_vcpus (self, g_value_get_uint (value));
      break;
    case PROP_MAX_VCPUS:
      gh_guest_config_set_max_vcpus (self, g_value_get_uint (value));
      break;
    case PROP_KERNEL:
      gh_guest_config_set_kernel (self, g_value_get_string (value));
      break;
    case PROP_INITRD:
      gh_guest_config_set_initrd (self, g_value_get_string (value));
      break;
    case PROP_CMDLINE:
      gh_guest_config_set_cmdline (self, g_value_get_string (value));
      break;
    case PROP_FIRMWARE:
      gh_guest_config_set_firmware (self, g_value_get_string (value));
      break;
    case PROP_BOOT_ORDER:
      gh_guest_config_set_boot_order (self, g_value_get_string (value));
      break;
    case PROP_DISPLAY:
      gh_guest_config_set_display (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_config_class_init (GhGuestConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = gh_guest_config_finalize;
  object_class->get_property = gh_guest_config_get_property;
  object_class->set_property = gh_guest_config_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, rw);
  properties[PROP_MEMORY_MIB] =
    g_param_spec_uint ("memory-mib", NULL, NULL, 0, G_MAXUINT, 512, rw);
  properties[PROP_MAX_MEMORY_MIB] =
    g_param_spec_uint ("max-memory-mib", NULL, NULL, 0, G_MAXUINT, 512, rw);
  properties[PROP_VCPUS] = g_param_spec_uint ("vcpus", NULL, NULL, 0, G_MAXUINT, 1, rw);
  properties[PROP_MAX_VCPUS] = g_param_spec_uint ("max-vcpus", NULL, NULL, 0, G_MAXUINT, 1, rw);
  properties[PROP_KERNEL] = g_param_spec_string ("kernel", NULL, NULL, NULL, rw);
  properties[PROP_INITRD] = g_param_spec_string ("initrd", NULL, NULL, NULL, rw);
  properties[PROP_CMDLINE] = g_param_spec_string ("cmdline", NULL, NULL, NULL, rw);
  properties[PROP_FIRMWARE] = g_param_spec_string ("firmware", NULL, NULL, NULL, rw);
  properties[PROP_BOOT_ORDER] = g_param_spec_string ("boot-order", NULL, NULL, NULL, rw);
  properties[PROP_DISPLAY] = g_param_spec_boolean ("display", NULL, NULL, TRUE, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_guest_config_init (GhGuestConfig *self)
{
  self->memory_mib = 512;
  self->max_memory_mib = 512;
  self->vcpus = 1;
  self->max_vcpus = 1;
  self->display = TRUE;
  self->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_disk_free);
  self->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_nic_free);
}

/* Accessors. Empty strings are stored as %NULL: "not set" has one spelling. */

static gboolean
set_string (char       **field,
            const char  *value)
{
  char *copy;

  if (value != NULL && value[0] == '\0')
    value = NULL;

  /* g_set_str() is GLib 2.76; we build against 2.74. */
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  copy = g_strdup (value);
  g_free (*field);
  *field = copy;

  return TRUE;
}

#define DEFINE_STRING_ACCESSORS(field, PROP)                                  \
  const char *                                                                \
  gh_guest_config_get_##field (GhGuestConfig *self)                           \
  {                                                                           \
    g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), NULL);                   \
    return self->field;                                                       \
  }                                                                           \
                                                                              \
  void                                                                        \
  gh_guest_config_set_##field (GhGuestConfig *self,                           \
                               const char    *value)                          \
  {                                                                           \
    g_return_if_fail (GH_IS_GUEST_CONFIG (self));                             \
    if (set_string (&self->field, value))                                     \
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]);           \
  }

#define DEFINE_UINT_ACCESSORS(field, PROP)                                    \
  guint                                                                       \
  gh_guest_config_get_##field (GhGuestConfig *self)                           \
  {                                                                           \
    g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), 0);                      \
    return self->field;                                                       \
  }                                                                           \
                                                                              \
  void                                                                        \
  gh_guest_config_set_##field (GhGuestConfig *self,                           \
                               guint          value)                          \
  {                                                                           \
    g_return_if_fail (GH_IS_GUEST_CONFIG (self));                             \
    if (self->field != value)                                                 \
      {                                                                       \
        self->field = value;                                                  \
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]);         \
      }                                                                       \
  }

DEFINE_STRING_ACCESSORS (uuid, PROP_UUID)
DEFINE_STRING_ACCESSORS (kernel, PROP_KERNEL)
DEFINE_STRING_ACCESSORS (initrd, PROP_INITRD)
DEFINE_STRING_ACCESSORS (cmdline, PROP_CMDLINE)
DEFINE_STRING_ACCESSORS (firmware, PROP_FIRMWARE)
DEFINE_STRING_ACCESSORS (boot_order, PROP_BOOT_ORDER)
DEFINE_UINT_ACCESSORS (memory_mib, PROP_MEMORY_MIB)
DEFINE_UINT_ACCESSORS (max_memory_mib, PROP_MAX_MEMORY_MIB)
DEFINE_UINT_ACCESSORS (vcpus, PROP_VCPUS)
DEFINE_UINT_ACCESSORS (max_vcpus, PROP_MAX_VCPUS)

const char *
gh_guest_config_get_name (GhGuestConfig *self)
{
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), NULL);

  return self->name;
}

gboolean
gh_guest_config_get_display (GhGuestConfig *self)
{
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), FALSE);

  return self->display;
}

void
gh_guest_config_set_display (GhGuestConfig *self,
                             gboolean       display)
{
  g_return_if_fail (GH_IS_GUEST_CONFIG (self));

  display = !!display;
  if (self->display != display)
    {
      self->display = display;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY]);
    }
}

guint
gh_guest_config_get_n_disks (GhGuestConfig *self)
{
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), 0);

  return self->disks->len;
}

const GhDisk *
gh_guest_config_get_disk (GhGuestConfig *self,
                          guint          index)
{
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), NULL);
  g_return_val_if_fail (index < self->disks->len, NULL);

  return g_ptr_array_index (self->disks, index);
}

void
gh_guest_config_add_disk (GhGuestConfig *self,
                          const GhDisk  *disk)
{
  g_return_if_fail (GH_IS_GUEST_CONFIG (self));
  g_return_if_fail (disk != NULL);

  g_ptr_array_add (self->disks, gh_disk_copy (disk));
}

guint
gh_guest_config_get_n_nics (GhGuestConfig *self)
{
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), 0);

  return self->nics->len;
}

const GhNic *
gh_guest_config_get_nic (GhGuestConfig *self,
                         guint          index)
{
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), NULL);
  g_return_val_if_fail (index < self->nics->len, NULL);

  return g_ptr_array_index (self->nics, index);
}

void
gh_guest_config_add_nic (GhGuestConfig *self,
                         const GhNic   *nic)
{
  g_return_if_fail (GH_IS_GUEST_CONFIG (self));
  g_return_if_fail (nic != NULL);

  g_ptr_array_add (self->nics, gh_nic_copy (nic));
}

void
gh_guest_config_set_nic_mac (GhGuestConfig *self,
                             guint          index,
                             const char    *mac)
{
  GhNic *nic;

  g_return_if_fail (GH_IS_GUEST_CONFIG (self));
  g_return_if_fail (index < self->nics->len);

  nic = g_ptr_array_index (self->nics, index);
  set_string (&nic->mac, mac);
}

/**
 * gh_guest_config_set_disk_path:
 * @path: (nullable): an absolute path, or %NULL to empty a CD-ROM drive;
 *   gh_guest_config_validate() checks it
 *
 * Points a disk at another image: how a CD-ROM drive gets another medium, or loses it.
 */
void
gh_guest_config_set_disk_path (GhGuestConfig *self,
                               guint          index,
                               const char    *path)
{
  GhDisk *disk;

  g_return_if_fail (GH_IS_GUEST_CONFIG (self));
  g_return_if_fail (index < self->disks->len);

  disk = g_ptr_array_index (self->disks, index);
  set_string (&disk->path, path);
}

/**
 * gh_guest_config_dup_drive_name:
 *
 * Returns: (transfer full): the running helper's name for disk @index, its kind and number:
 *   CD-ROMs and disks are each counted apart, in the order of the configuration (cdrom0, disk0,
 *   disk1, …), which is the order the launcher hands them over in
 */
char *
gh_guest_config_dup_drive_name (GhGuestConfig *self,
                                guint          index)
{
  const GhDisk *disk;
  guint n = 0;

  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), NULL);
  g_return_val_if_fail (index < self->disks->len, NULL);

  disk = g_ptr_array_index (self->disks, index);
  for (guint i = 0; i < index; i++)
    if (((const GhDisk *) g_ptr_array_index (self->disks, i))->media == disk->media)
      n++;

  return g_strdup_printf ("%s%u",
                          disk->media == GH_DISK_MEDIA_CDROM ? GH_PROTOCOL_BLOCK_TYPE_CDROM
                                                             : GH_PROTOCOL_BLOCK_TYPE_DISK,
                          n);
}

/**
 * gh_guest_config_lookup_drive:
 * @name: a drive name as gh_guest_config_dup_drive_name() gives them
 * @index: (out): the disk's index in the configuration
 *
 * Returns: whether the configuration has that drive
 */
gboolean
gh_guest_config_lookup_drive (GhGuestConfig *self,
                              const char    *name,
                              guint         *index)
{
  g_return_val_if_fail (GH_IS_GUEST_CONFIG (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < self->disks->len; i++)
    {
      g_autofree char *drive = gh_guest_config_dup_drive_name (self, i);

      if (g_str_equal (drive, name))
        {
          *index = i;
          return TRUE;
        }
    }

  return FALSE;
}
