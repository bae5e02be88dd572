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
  json_object_object_add (ret, "max-memory-mib", json_object_new_int64 (config->memory_mib));
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

static json_object *
cmd_query_chardev (Vmm          *vmm,
                   json_object  *arguments,
                   ControlError *error)
{
  json_object *ret = json_object_new_array ();
  const VmmConfig *config = vmm_get_config (vmm);

  if (config->serial_mode != VMM_SERIAL_NONE)
    {
      json_object *dev = json_object_new_object ();
      const char *pty = vmm_get_serial_pty (vmm);
      char filename[300];

      if (pty != NULL)
        snprintf (filename, sizeof filename, "pty:%s", pty);
      else
        snprintf (filename, sizeof filename, "stdio");
      json_object_object_add (dev, "label", json_object_new_string ("serial0"));
      json_object_object_add (dev, "filename", json_object_new_string (filename));
      json_object_array_add (ret, dev);
    }
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
};

const ControlCommand *
control_command_find (const char *name)
{
  for (size_t i = 0; i < sizeof control_commands / sizeof control_commands[0]; i++)
    if (strcmp (control_commands[i].name, name) == 0)
      return &control_commands[i];
  return NULL;
}
