/* control-commands.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control-commands.h"
#include "virtio/virtio-balloon.h"

static const char *
run_state_name (VmmRunState state)
{
  switch (state)
    {
    case VMM_RUN_STATE_RUNNING:  return "running";
    case VMM_RUN_STATE_PAUSED:   return "paused";
    case VMM_RUN_STATE_SHUTDOWN: return "shutdown";
    default:                     return "unknown";
    }
}

static json_object *
cmd_qmp_capabilities (Vmm          *vmm,
                      json_object  *arguments,
                      ControlError *error)
{
  return json_object_new_object ();
}

static json_object *
cmd_query_status (Vmm          *vmm,
                  json_object  *arguments,
                  ControlError *error)
{
  VmmRunState state = vmm_get_run_state (vmm);
  json_object *ret = json_object_new_object ();

  json_object_object_add (ret, "status", json_object_new_string (run_state_name (state)));
  json_object_object_add (ret, "running",
                          json_object_new_boolean (state == VMM_RUN_STATE_RUNNING));
  return ret;
}

static json_object *
cmd_query_guest (Vmm          *vmm,
                 json_object  *arguments,
                 ControlError *error)
{
  const VmmConfig *config = vmm_get_config (vmm);
  json_object *ret = json_object_new_object ();

  json_object_object_add (ret, "name", json_object_new_string (config->name ? config->name : ""));
  json_object_object_add (ret, "uuid", json_object_new_string (config->uuid ? config->uuid : ""));
  json_object_object_add (ret, "pid", json_object_new_int (getpid ()));
  json_object_object_add (ret, "memory-mib", json_object_new_int64 (config->memory_mib));
  json_object_object_add (ret, "max-memory-mib", json_object_new_int64 (config->max_memory_mib));
  json_object_object_add (ret, "vcpus", json_object_new_int (config->n_vcpus));
  json_object_object_add (ret, "max-vcpus", json_object_new_int (config->n_vcpus));
  return ret;
}

static json_object *
cmd_stop (Vmm          *vmm,
          json_object  *arguments,
          ControlError *error)
{
  vmm_pause (vmm);
  return json_object_new_object ();
}

static json_object *
cmd_cont (Vmm          *vmm,
          json_object  *arguments,
          ControlError *error)
{
  vmm_resume (vmm);
  return json_object_new_object ();
}

static json_object *
cmd_quit (Vmm          *vmm,
          json_object  *arguments,
          ControlError *error)
{
  vmm_request_exit (vmm, 0, "host-qmp-quit");
  return json_object_new_object ();
}

static void
add_chardev (json_object *list,
             const char  *label,
             const char  *pty)
{
  json_object *dev = json_object_new_object ();
  char filename[300];

  if (pty != NULL)
    snprintf (filename, sizeof filename, "pty:%s", pty);
  else
    snprintf (filename, sizeof filename, "stdio");
  json_object_object_add (dev, "label", json_object_new_string (label));
  json_object_object_add (dev, "filename", json_object_new_string (filename));
  json_object_array_add (list, dev);
}

static json_object *
cmd_query_chardev (Vmm          *vmm,
                   json_object  *arguments,
                   ControlError *error)
{
  json_object *ret = json_object_new_array ();
  const VmmConfig *config = vmm_get_config (vmm);

  if (config->serial_mode != VMM_SERIAL_NONE)
    add_chardev (ret, "serial0", vmm_get_serial_pty (vmm));
  if (vmm_get_console_pty (vmm) != NULL)
    add_chardev (ret, "console0", vmm_get_console_pty (vmm));
  return ret;
}

static VirtioBalloon *
require_balloon (Vmm          *vmm,
                 ControlError *error)
{
  VirtioBalloon *balloon = vmm_get_balloon (vmm);

  if (balloon == NULL)
    {
      error->error_class = "DeviceNotFound";
      snprintf (error->desc, sizeof error->desc,
                "this guest has no memory balloon: start it with --max-memory above --memory");
    }
  return balloon;
}

/* QEMU's meaning: value is the memory the guest should have, in bytes. */
static json_object *
cmd_balloon (Vmm          *vmm,
             json_object  *arguments,
             ControlError *error)
{
  VirtioBalloon *balloon = require_balloon (vmm, error);
  json_object *value = NULL;
  VmmError err = { { 0 } };

  if (balloon == NULL)
    return NULL;
  if (arguments == NULL || !json_object_object_get_ex (arguments, "value", &value)
      || !json_object_is_type (value, json_type_int) || json_object_get_int64 (value) < 0)
    {
      error->error_class = "InvalidArgument";
      snprintf (error->desc, sizeof error->desc,
                "\"value\" must be the guest's target memory size in bytes");
      return NULL;
    }
  if (virtio_balloon_set_target (balloon, (uint64_t) json_object_get_int64 (value), &err) < 0)
    {
      error->error_class = "InvalidArgument";
      snprintf (error->desc, sizeof error->desc, "%s", err.message);
      return NULL;
    }
  return json_object_new_object ();
}

static json_object *
cmd_query_balloon (Vmm          *vmm,
                   json_object  *arguments,
                   ControlError *error)
{
  VirtioBalloon *balloon = require_balloon (vmm, error);
  json_object *ret;

  if (balloon == NULL)
    return NULL;
  ret = json_object_new_object ();
  json_object_object_add (ret, "actual", json_object_new_int64 (virtio_balloon_get_actual (balloon)));
  json_object_object_add (ret, "target", json_object_new_int64 (virtio_balloon_get_target (balloon)));
  json_object_object_add (ret, "min", json_object_new_int64 (virtio_balloon_get_min (balloon)));
  json_object_object_add (ret, "max", json_object_new_int64 (virtio_balloon_get_max (balloon)));
  return ret;
}

/* The guest's last report; asking also requests a fresh one for next time. */
static json_object *
cmd_query_balloon_stats (Vmm          *vmm,
                         json_object  *arguments,
                         ControlError *error)
{
  VirtioBalloon *balloon = require_balloon (vmm, error);
  VirtioBalloonStats stats;
  json_object *ret, *values;

  if (balloon == NULL)
    return NULL;
  ret = json_object_new_object ();
  values = json_object_new_object ();
  if (virtio_balloon_get_stats (balloon, &stats))
    for (unsigned tag = 0; tag < VIRTIO_BALLOON_S_NR; tag++)
      {
        const char *name = virtio_balloon_stat_name (tag);
        if (name != NULL && (stats.present & (1u << tag)))
          json_object_object_add (values, name, json_object_new_int64 ((int64_t) stats.value[tag]));
      }
  else
    stats.last_update = 0;
  json_object_object_add (ret, "stats", values);
  json_object_object_add (ret, "last-update", json_object_new_int64 (stats.last_update));
  return ret;
}

static const ControlCommand control_commands[] = {
  { "qmp_capabilities", cmd_qmp_capabilities },
  { "query-status",     cmd_query_status },
  { "query-guest",      cmd_query_guest },
  { "query-chardev",    cmd_query_chardev },
  { "stop",             cmd_stop },
  { "cont",             cmd_cont },
  { "quit",             cmd_quit },
  { "balloon",          cmd_balloon },
  { "query-balloon",    cmd_query_balloon },
  { "query-balloon-stats", cmd_query_balloon_stats },
};

const ControlCommand *
control_command_find (const char *name)
{
  for (size_t i = 0; i < sizeof control_commands / sizeof control_commands[0]; i++)
    if (strcmp (control_commands[i].name, name) == 0)
      return &control_commands[i];
  return NULL;
}
