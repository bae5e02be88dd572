/* ctl-define.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ctl.h"

static gboolean
parse_mib (const char  *option,
           const char  *text,
           guint       *out,
           GError     **error)
{
  guint64 value;

  if (text == NULL)
    return TRUE;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL))
    {
      g_set_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE,
                   _("%s takes a whole number, not “%s”"), option, text);
      return FALSE;
    }

  *out = (guint) value;

  return TRUE;
}

static gboolean
parse_display (const char *text,
               gboolean   *display)
{
  if (g_strcmp0 (text, "on") == 0 || g_strcmp0 (text, "vnc") == 0
      || g_strcmp0 (text, "yes") == 0)
    *display = TRUE;
  else if (g_strcmp0 (text, "off") == 0 || g_strcmp0 (text, "none") == 0
           || g_strcmp0 (text, "no") == 0)
    *display = FALSE;
  else
    return FALSE;

  return TRUE;
}

int
ctl_cmd_define (Ctl   *ctl,
                int    argc,
                char **argv)
{
  g_autofree char *memory = NULL;
  g_autofree char *max_memory = NULL;
  g_autofree char *vcpus = NULL;
  g_autofree char *max_vcpus = NULL;
  g_autofree char *kernel = NULL;
  g_autofree char *initrd = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *firmware = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *display = NULL;
  g_autofree char *uuid = NULL;
  g_auto(GStrv) disks = NULL;
  g_auto(GStrv) nics = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "memory", 0, 0, G_OPTION_ARG_STRING, &memory, N_("Initial memory (default 512)"), N_("MIB") },
    { "max-memory", 0, 0, G_OPTION_ARG_STRING, &max_memory,
      N_("Maximum memory for the balloon (default: the initial memory)"), N_("MIB") },
    { "vcpus", 0, 0, G_OPTION_ARG_STRING, &vcpus, N_("Initial vCPUs (default 1)"), N_("N") },
    { "max-vcpus", 0, 0, G_OPTION_ARG_STRING, &max_vcpus,
      N_("Maximum vCPUs for hotplug (default: the initial vCPUs)"), N_("N") },
    { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &kernel, N_("Boot this kernel directly"),
      N_("FILE") },
    { "initrd", 0, 0, G_OPTION_ARG_FILENAME, &initrd, N_("Initial ramdisk for the kernel"),
      N_("FILE") },
    { "cmdline", 0, 0, G_OPTION_ARG_STRING, &cmdline, N_("Kernel command line"), N_("STR") },
    { "firmware", 0, 0, G_OPTION_ARG_FILENAME, &firmware, N_("Boot through this firmware"),
      N_("FILE") },
    { "boot", 0, 0, G_OPTION_ARG_STRING, &boot, N_("Firmware boot order"), N_("cdrom,disk") },
    { "disk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &disks,
      N_("A disk, or an empty CD-ROM drive with media=cdrom and no path; with size= a new "
         "sparse image is created (repeatable)"),
      N_("path=FILE[,readonly=on][,media=cdrom][,bus=ide|virtio][,size=SIZE]") },
    { "nic", 0, 0, G_OPTION_ARG_STRING_ARRAY, &nics,
      N_("A NIC; without mac= it gets an address from the pool (repeatable)"),
      N_("[mac=MAC][,net=user|tap=IFNAME]") },
    { "display", 0, 0, G_OPTION_ARG_STRING, &display, N_("Graphical display (default on)"),
      N_("on|off") },
    { "uuid", 0, 0, G_OPTION_ARG_STRING, &uuid, N_("Use this UUID instead of a new one"),
      N_("UUID") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Replace existing image files when a disk has size="), NULL },
    { NULL }
  };
  g_autoptr(GhGuestConfig) config = NULL;
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) sizes = g_array_new (FALSE, TRUE, sizeof (guint64));
  g_autoptr(GError) error = NULL;
  const char *name;
  guint value;

  if (!ctl_parse_options ("define", "NAME", _("Define a new guest."), entries, &argc, &argv, 1))
    return 2;

  name = argv[1];
  if (!gh_guest_name_validate (name, &error))
    return ctl_fail (name, error);

  config = gh_guest_config_new (name);

  value = gh_guest_config_get_memory_mib (config);
  if (!parse_mib ("--memory", memory, &value, &error))
    return ctl_fail (name, error);
  gh_guest_config_set_memory_mib (config, value);
  if (max_memory == NULL)
    gh_guest_config_set_max_memory_mib (config, value);
  else if (!parse_mib ("--max-memory", max_memory, &value, &error))
    return ctl_fail (name, error);
  gh_guest_config_set_max_memory_mib (config, value);

  value = gh_guest_config_get_vcpus (config);
  if (!parse_mib ("--vcpus", vcpus, &value, &error))
    return ctl_fail (name, error);
  gh_guest_config_set_vcpus (config, value);
  if (max_vcpus == NULL)
    gh_guest_config_set_max_vcpus (config, value);
  else if (!parse_mib ("--max-vcpus", max_vcpus, &value, &error))
    return ctl_fail (name, error);
  gh_guest_config_set_max_vcpus (config, value);

  /* The helper runs in another folder: paths are made absolute here. */
  if (kernel != NULL)
    {
      g_autofree char *path = g_canonicalize_filename (kernel, NULL);
      gh_guest_config_set_kernel (config, path);
    }
  if (initrd != NULL)
    {
      g_autofree char *path = g_canonicalize_filename (initrd, NULL);
      gh_guest_config_set_initrd (config, path);
    }
  if (firmware != NULL)
    {
      g_autofree char *path = g_canonicalize_filename (firmware, NULL);
      gh_guest_config_set_firmware (config, path);
    }
  gh_guest_config_set_cmdline (config, cmdline);
  gh_guest_config_set_boot_order (config, boot);

  if (display != NULL)
    {
      gboolean on;

      if (!parse_display (display, &on))
        return ctl_fail_literal (name, _("--display takes “on” or “off”"));
      gh_guest_config_set_display (config, on);
    }

  for (guint i = 0; disks && disks[i]; i++)
    {
      g_autoptr(GhDisk) disk = NULL;
      guint64 size = 0;

      if (!(disk = gh_disk_parse_spec (disks[i], &size, &error)))
        return ctl_fail (name, error);

      /* size= is kept on the side; images are created only once all else is valid. */
      g_array_append_val (sizes, size);
      gh_guest_config_add_disk (config, disk);
    }

  for (guint i = 0; nics && nics[i]; i++)
    {
      g_autoptr(GhNic) nic = NULL;

      if (!(nic = gh_nic_parse_spec (nics[i], &error)))
        return ctl_fail (name, error);
      gh_guest_config_add_nic (config, nic);
    }

  /* Check everything the store does not fill in itself, with stand-ins for what it does. */
  {
    g_autoptr(GhGuestConfig) check = gh_guest_config_copy (config, NULL);
    g_autofree char *stand_in = gh_guest_uuid_generate ();

    gh_guest_config_set_uuid (check, uuid ? uuid : stand_in);
    for (guint i = 0; i < gh_guest_config_get_n_nics (check); i++)
      if (gh_guest_config_get_nic (check, i)->mac == NULL)
        {
          g_autofree char *mac = g_strdup_printf ("%s:00:00:%02x", GH_MAC_PREFIX, i);
          gh_guest_config_set_nic_mac (check, i, mac);
        }

    if (!gh_guest_config_validate (check, &error))
      return ctl_fail (name, error);
  }
  gh_guest_config_set_uuid (config, uuid);

  for (guint i = 0; i < gh_guest_config_get_n_disks (config); i++)
    {
      const GhDisk *disk = gh_guest_config_get_disk (config, i);
      guint64 size = g_array_index (sizes, guint64, i);

      if (size == 0)
        continue;

      if (!gh_disk_image_create (disk->path, size, force, &error))
        goto fail;
      g_ptr_array_add (created, g_strdup (disk->path));
    }

  if (!gh_guest_store_define (ctl->store, config, &error))
    goto fail;

  if (ctl->json)
    {
      GhGuest *guest = gh_guest_store_lookup (ctl->store, name);
      GhGuestConfig *saved = gh_guest_get_config (guest);
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonArray) macs = json_array_new ();

      json_object_set_string_member (object, "name", name);
      json_object_set_string_member (object, "uuid", gh_guest_config_get_uuid (saved));
      for (guint i = 0; i < gh_guest_config_get_n_nics (saved); i++)
        json_array_add_string_element (macs, gh_guest_config_get_nic (saved, i)->mac);
      json_object_set_array_member (object, "macs", g_steal_pointer (&macs));
      json_node_set_object (root, object);
      ctl_print_json (root);
    }
  else
    g_print (_("Guest “%s” defined\n"), name);

  return EXIT_SUCCESS;

fail:
  /* Images made for a guest that was not defined would be litter. */
  for (guint i = 0; i < created->len; i++)
    g_unlink (g_ptr_array_index (created, i));

  return ctl_fail (name, error);
}

int
ctl_cmd_undefine (Ctl   *ctl,
                  int    argc,
                  char **argv)
{
  gboolean remove_disks = FALSE;
  GOptionEntry entries[] = {
    { "remove-disks", 0, 0, G_OPTION_ARG_NONE, &remove_disks,
      N_("Also delete the guest's writable disk images"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!ctl_parse_options ("undefine", "NAME", _("Remove a guest's definition."), entries,
                          &argc, &argv, 1))
    return 2;

  if (!gh_guest_store_undefine (ctl->store, argv[1], remove_disks, &error))
    return ctl_fail (argv[1], error);

  if (!ctl->json)
    g_print (_("Guest “%s” undefined\n"), argv[1]);

  return EXIT_SUCCESS;
}

int
ctl_cmd_disk_create (Ctl   *ctl,
                     int    argc,
                     char **argv)
{
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace an existing image file"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint64 size;

  if (!ctl_parse_options ("disk-create", "PATH SIZE",
                          _("Create a sparse raw disk image. SIZE takes K, M, G or T."),
                          entries, &argc, &argv, 2))
    return 2;

  path = g_canonicalize_filename (argv[1], NULL);
  if (!gh_disk_image_parse_size (argv[2], &size, &error)
      || !gh_disk_image_create (path, size, force, &error))
    return ctl_fail_literal (NULL, error->message);

  if (!ctl->json)
    g_print (_("Created %s (%" G_GUINT64_FORMAT " bytes)\n"), path, size);

  return EXIT_SUCCESS;
}
