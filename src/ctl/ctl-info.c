/* ctl-info.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "ctl.h"

/* Stable, untranslated state names for --json. */
static const char *
state_id (GhGuestState state)
{
  switch (state)
    {
    case GH_GUEST_STATE_RUNNING:  return "running";
    case GH_GUEST_STATE_PAUSED:   return "paused";
    case GH_GUEST_STATE_CRASHED:  return "crashed";
    case GH_GUEST_STATE_INVALID:  return "invalid";
    case GH_GUEST_STATE_SHUT_OFF:
    default:                      return "shut-off";
    }
}

static void
add_guest_summary (JsonBuilder *builder,
                   GhGuest     *guest)
{
  GhGuestConfig *config = gh_guest_get_config (guest);

  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, gh_guest_get_name (guest));
  json_builder_set_member_name (builder, "id");
  if (gh_guest_get_domain_id (guest) > 0)
    json_builder_add_int_value (builder, gh_guest_get_domain_id (guest));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, state_id (gh_guest_get_state (guest)));
  if (config != NULL)
    {
      json_builder_set_member_name (builder, "uuid");
      json_builder_add_string_value (builder, gh_guest_config_get_uuid (config));
      json_builder_set_member_name (builder, "memory-mib");
      json_builder_add_int_value (builder, gh_guest_config_get_memory_mib (config));
      json_builder_set_member_name (builder, "vcpus");
      json_builder_add_int_value (builder, gh_guest_config_get_vcpus (config));
    }
  else
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, gh_guest_get_config_error (guest)->message);
    }
}

int
ctl_cmd_list (Ctl   *ctl,
              int    argc,
              char **argv)
{
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_("Also list guests that are not running"), NULL },
    { NULL }
  };
  GListModel *model;
  guint n;

  if (!ctl_parse_options ("list", NULL, _("List guests."), entries, &argc, &argv, 0))
    return 2;

  if (!ctl_reload (ctl))
    return EXIT_FAILURE;

  model = G_LIST_MODEL (ctl->store);
  n = g_list_model_get_n_items (model);

  /* A file that does not load is listed and reported, never skipped in silence. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GhGuest) guest = g_list_model_get_item (model, i);

      if (gh_guest_get_config_error (guest) != NULL)
        ctl_fail (gh_guest_get_name (guest), gh_guest_get_config_error (guest));
    }

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GhGuest) guest = g_list_model_get_item (model, i);

          if (!all && !gh_guest_is_active (guest))
            continue;
          json_builder_begin_object (builder);
          add_guest_summary (builder, guest);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      ctl_print_json (root);
      return EXIT_SUCCESS;
    }

  g_print (" %-20s %5s %9s %6s  %-10s %s\n", _("Name"), _("ID"), _("Mem(MiB)"), _("VCPUs"),
           _("State"), _("UUID"));
  g_print ("%s\n", "-----------------------------------------------------------------------"
                   "--------------------------------");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GhGuest) guest = g_list_model_get_item (model, i);
      GhGuestConfig *config = gh_guest_get_config (guest);
      g_autofree char *id = NULL;
      g_autofree char *memory = NULL;
      g_autofree char *vcpus = NULL;

      if (!all && !gh_guest_is_active (guest))
        continue;

      id = gh_guest_get_domain_id (guest) > 0
        ? g_strdup_printf ("%u", gh_guest_get_domain_id (guest))
        : g_strdup ("-");
      memory = config ? g_strdup_printf ("%u", gh_guest_config_get_memory_mib (config))
                      : g_strdup ("-");
      vcpus = config ? g_strdup_printf ("%u", gh_guest_config_get_vcpus (config))
                     : g_strdup ("-");

      g_print (" %-20s %5s %9s %6s  %-10s %s\n", gh_guest_get_name (guest), id, memory, vcpus,
               gh_guest_state_to_string (gh_guest_get_state (guest)),
               config ? gh_guest_config_get_uuid (config) : "-");
    }

  return EXIT_SUCCESS;
}

static const char *
media_name (GhDiskMedia media)
{
  return media == GH_DISK_MEDIA_CDROM ? "cdrom" : "disk";
}

static const char *
bus_name (GhDiskBus bus)
{
  return bus == GH_DISK_BUS_IDE ? "ide" : "virtio";
}

int
ctl_cmd_dominfo (Ctl   *ctl,
                 int    argc,
                 char **argv)
{
  g_autofree char *config_path = NULL;
  GhGuestConfig *config;
  GhGuest *guest;

  if (!ctl_parse_options ("dominfo", "NAME", _("Show a guest's details."), NULL, &argc, &argv, 1))
    return 2;

  if (!(guest = ctl_lookup (ctl, argv[1])))
    return EXIT_FAILURE;

  config = gh_guest_get_config (guest);
  config_path = gh_guest_store_dup_config_path (ctl->store, argv[1]);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      add_guest_summary (builder, guest);
      json_builder_set_member_name (builder, "config-file");
      json_builder_add_string_value (builder, config_path);
      if (gh_guest_get_pid (guest) > 0)
        {
          json_builder_set_member_name (builder, "pid");
          json_builder_add_int_value (builder, gh_guest_get_pid (guest));
        }
      if (gh_guest_get_last_exit (guest) != NULL)
        {
          json_builder_set_member_name (builder, "last-exit");
          json_builder_add_string_value (builder, gh_guest_get_last_exit (guest));
        }
      if (config != NULL)
        {
          json_builder_set_member_name (builder, "max-memory-mib");
          json_builder_add_int_value (builder, gh_guest_config_get_max_memory_mib (config));
          json_builder_set_member_name (builder, "max-vcpus");
          json_builder_add_int_value (builder, gh_guest_config_get_max_vcpus (config));
          json_builder_set_member_name (builder, "display");
          json_builder_add_boolean_value (builder, gh_guest_config_get_display (config));
          json_builder_set_member_name (builder, "disks");
          json_builder_begin_array (builder);
          for (guint i = 0; i < gh_guest_config_get_n_disks (config); i++)
            {
              const GhDisk *disk = gh_guest_config_get_disk (config, i);

              json_builder_begin_object (builder);
              json_builder_set_member_name (builder, "path");
              if (disk->path != NULL)
                json_builder_add_string_value (builder, disk->path);
              else
                json_builder_add_null_value (builder);
              json_builder_set_member_name (builder, "media");
              json_builder_add_string_value (builder, media_name (disk->media));
              json_builder_set_member_name (builder, "bus");
              json_builder_add_string_value (builder, bus_name (disk->bus));
              json_builder_set_member_name (builder, "readonly");
              json_builder_add_boolean_value (builder, disk->readonly);
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
          json_builder_set_member_name (builder, "nics");
          json_builder_begin_array (builder);
          for (guint i = 0; i < gh_guest_config_get_n_nics (config); i++)
            {
              const GhNic *nic = gh_guest_config_get_nic (config, i);

              json_builder_begin_object (builder);
              json_builder_set_member_name (builder, "mac");
              json_builder_add_string_value (builder, nic->mac);
              json_builder_set_member_name (builder, "model");
              json_builder_add_string_value (builder, nic->model);
              json_builder_set_member_name (builder, "backend");
              json_builder_add_string_value (builder, nic->backend == GH_NIC_BACKEND_TAP
                                                      ? "tap" : "user");
              if (nic->tap != NULL)
                {
                  json_builder_set_member_name (builder, "tap");
                  json_builder_add_string_value (builder, nic->tap);
                }
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      ctl_print_json (root);
      return EXIT_SUCCESS;
    }

#define ROW(label, ...) G_STMT_START { g_print ("%-16s ", label); g_print (__VA_ARGS__); \
    g_print ("\n"); } G_STMT_END

  ROW (_("Name:"), "%s", gh_guest_get_name (guest));
  if (gh_guest_get_domain_id (guest) > 0)
    ROW (_("ID:"), "%u", gh_guest_get_domain_id (guest));
  else
    ROW (_("ID:"), "-");
  ROW (_("State:"), "%s", gh_guest_state_to_string (gh_guest_get_state (guest)));
  if (gh_guest_get_pid (guest) > 0)
    ROW (_("Helper pid:"), "%d", gh_guest_get_pid (guest));
  if (gh_guest_get_last_exit (guest) != NULL)
    ROW (_("Last exit:"), "%s", gh_guest_get_last_exit (guest));
  ROW (_("Config file:"), "%s", config_path);

  if (config == NULL)
    {
      ROW (_("Error:"), "%s", gh_guest_get_config_error (guest)->message);
      return EXIT_SUCCESS;
    }

  ROW (_("UUID:"), "%s", gh_guest_config_get_uuid (config));
  ROW (_("Memory:"), "%u MiB", gh_guest_config_get_memory_mib (config));
  ROW (_("Max memory:"), "%u MiB", gh_guest_config_get_max_memory_mib (config));
  ROW (_("vCPUs:"), "%u", gh_guest_config_get_vcpus (config));
  ROW (_("Max vCPUs:"), "%u", gh_guest_config_get_max_vcpus (config));
  if (gh_guest_config_get_kernel (config) != NULL)
    {
      ROW (_("Kernel:"), "%s", gh_guest_config_get_kernel (config));
      if (gh_guest_config_get_initrd (config))
        ROW (_("Initrd:"), "%s", gh_guest_config_get_initrd (config));
      if (gh_guest_config_get_cmdline (config))
        ROW (_("Command line:"), "%s", gh_guest_config_get_cmdline (config));
    }
  else
    {
      ROW (_("Firmware:"), "%s", gh_guest_config_get_firmware (config));
      if (gh_guest_config_get_boot_order (config))
        ROW (_("Boot order:"), "%s", gh_guest_config_get_boot_order (config));
    }
  for (guint i = 0; i < gh_guest_config_get_n_disks (config); i++)
    {
      const GhDisk *disk = gh_guest_config_get_disk (config, i);

      ROW (_("Disk:"), "%s (%s, %s%s)", disk->path ? disk->path : _("empty"),
           media_name (disk->media), bus_name (disk->bus),
           disk->readonly ? _(", read-only") : "");
    }
  for (guint i = 0; i < gh_guest_config_get_n_nics (config); i++)
    {
      const GhNic *nic = gh_guest_config_get_nic (config, i);

      if (nic->backend == GH_NIC_BACKEND_TAP)
        ROW (_("NIC:"), "%s (%s, tap %s)", nic->mac, nic->model, nic->tap);
      else
        ROW (_("NIC:"), "%s (%s, user)", nic->mac, nic->model);
    }
  ROW (_("Display:"), "%s", gh_guest_config_get_display (config) ? _("on") : _("off"));

#undef ROW

  return EXIT_SUCCESS;
}

int
ctl_cmd_domid (Ctl   *ctl,
               int    argc,
               char **argv)
{
  GhGuest *guest;

  if (!ctl_parse_options ("domid", "NAME", _("Show a running guest's domain id (“-” when not "
                                             "running)."), NULL, &argc, &argv, 1))
    return 2;

  if (!(guest = ctl_lookup (ctl, argv[1])))
    return EXIT_FAILURE;

  if (ctl->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) object = json_object_new ();

      if (gh_guest_get_domain_id (guest) > 0)
        json_object_set_int_member (object, "id", gh_guest_get_domain_id (guest));
      else
        json_object_set_null_member (object, "id");
      json_node_set_object (root, object);
      ctl_print_json (root);
    }
  else if (gh_guest_get_domain_id (guest) > 0)
    g_print ("%u\n", gh_guest_get_domain_id (guest));
  else
    g_print ("-\n");

  return EXIT_SUCCESS;
}

int
ctl_cmd_domname (Ctl   *ctl,
                 int    argc,
                 char **argv)
{
  guint64 id;
  GhGuest *guest;

  if (!ctl_parse_options ("domname", "ID", _("Show the name of the running guest with a domain "
                                             "id."), NULL, &argc, &argv, 1))
    return 2;

  if (!g_ascii_string_to_unsigned (argv[1], 10, 0, G_MAXUINT, &id, NULL))
    return ctl_usage_error ("domname", _("The domain id must be a whole number"));

  if (id == 0)
    return ctl_fail_literal (NULL, _("Domain 0 is the host, not a guest"));

  if (!ctl_reload (ctl))
    return EXIT_FAILURE;

  if (!(guest = gh_guest_store_lookup_by_domain_id (ctl->store, (guint) id)))
    {
      g_autofree char *message = g_strdup_printf (_("No running guest has the domain id %u"),
                                                  (guint) id);
      return ctl_fail_literal (NULL, message);
    }

  if (ctl->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_string_member (object, "name", gh_guest_get_name (guest));
      json_node_set_object (root, object);
      ctl_print_json (root);
    }
  else
    g_print ("%s\n", gh_guest_get_name (guest));

  return EXIT_SUCCESS;
}

int
ctl_cmd_domuuid (Ctl   *ctl,
                 int    argc,
                 char **argv)
{
  GhGuest *guest;
  GhGuestConfig *config;

  if (!ctl_parse_options ("domuuid", "NAME", _("Show a guest's UUID."), NULL, &argc, &argv, 1))
    return 2;

  if (!(guest = ctl_lookup (ctl, argv[1])))
    return EXIT_FAILURE;

  if (!(config = gh_guest_get_config (guest)))
    return ctl_fail (argv[1], gh_guest_get_config_error (guest));

  if (ctl->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_string_member (object, "uuid", gh_guest_config_get_uuid (config));
      json_node_set_object (root, object);
      ctl_print_json (root);
    }
  else
    g_print ("%s\n", gh_guest_config_get_uuid (config));

  return EXIT_SUCCESS;
}
