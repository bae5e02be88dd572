/* control-commands.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control-commands.h"
#include "devices/vga.h"
#include "display/display-console.h"
#include "display/keymap.h"
#include "display/vnc-module.h"
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
  json_object_object_add (ret, "max-vcpus", json_object_new_int (config->max_vcpus));
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

/* The reset button: the guest gets no say, as on a real PC. */
static json_object *
cmd_system_reset (Vmm          *vmm,
                  json_object  *arguments,
                  ControlError *error)
{
  vmm_request_reset (vmm, "host-qmp-system-reset");
  return json_object_new_object ();
}

/* The ACPI power button. A guest whose OS has not enabled the button's event
 * (still in the firmware, or no ACPI) will not react; the reply says so, as
 * QEMU's does not, so a user is not left waiting. */
static json_object *
cmd_system_powerdown (Vmm          *vmm,
                      json_object  *arguments,
                      ControlError *error)
{
  json_object *ret = json_object_new_object ();

  json_object_object_add (ret, "guest-listens",
                          json_object_new_boolean (vmm_system_powerdown (vmm)));
  return ret;
}

static json_object *
cmd_set_vcpus (Vmm          *vmm,
               json_object  *arguments,
               ControlError *error)
{
  json_object *count = NULL;
  VmmError err = { { 0 } };
  int64_t value;

  if (arguments == NULL || !json_object_object_get_ex (arguments, "count", &count)
      || !json_object_is_type (count, json_type_int))
    {
      error->error_class = "InvalidArgument";
      snprintf (error->desc, sizeof error->desc,
                "\"count\" must be the number of vCPUs the guest should have");
      return NULL;
    }
  value = json_object_get_int64 (count);
  if (vmm_set_vcpus (vmm, value < 0 || value > UINT32_MAX ? 0 : (unsigned) value, &err) < 0)
    {
      error->error_class = "InvalidArgument";
      snprintf (error->desc, sizeof error->desc, "%s", err.message);
      return NULL;
    }
  return json_object_new_object ();
}

static json_object *
cmd_query_vcpus (Vmm          *vmm,
                 json_object  *arguments,
                 ControlError *error)
{
  return vmm_query_vcpus (vmm);
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

static void
invalid_argument (ControlError *error,
                  const char   *desc)
{
  error->error_class = "InvalidArgument";
  snprintf (error->desc, sizeof error->desc, "%s", desc);
}

static json_object *
cmd_screendump (Vmm          *vmm,
                json_object  *arguments,
                ControlError *error)
{
  json_object *filename;
  int ret;

  if (arguments == NULL || !json_object_object_get_ex (arguments, "filename", &filename)
      || !json_object_is_type (filename, json_type_string)
      || json_object_get_string_len (filename) == 0)
    {
      invalid_argument (error, "\"filename\" must name the PNG file to write");
      return NULL;
    }
  ret = vga_screendump (vmm_get_vga (vmm), json_object_get_string (filename));
  if (ret < 0)
    {
      error->error_class = "GenericError";
      snprintf (error->desc, sizeof error->desc, "cannot write %s: %s",
                json_object_get_string (filename), strerror (-ret));
      return NULL;
    }
  return json_object_new_object ();
}

static json_object *
cmd_query_block (Vmm          *vmm,
                 json_object  *arguments,
                 ControlError *error)
{
  return vmm_query_block (vmm);
}

/* The "device" argument of eject and change. */
static const char *
device_argument (json_object  *arguments,
                 ControlError *error)
{
  json_object *device;

  if (arguments == NULL || !json_object_object_get_ex (arguments, "device", &device)
      || !json_object_is_type (device, json_type_string))
    {
      error->error_class = "InvalidArgument";
      snprintf (error->desc, sizeof error->desc,
                "\"device\" must name a CD-ROM drive, such as \"cdrom0\" (see query-block)");
      return NULL;
    }
  return json_object_get_string (device);
}

static void
media_error (ControlError   *error,
             int             ret,
             const VmmError *err)
{
  error->error_class = ret == -ENODEV ? "DeviceNotFound"
                       : ret == -ENOTTY ? "InvalidArgument" : "GenericError";
  snprintf (error->desc, sizeof error->desc, "%s", err->message);
}

static json_object *
cmd_eject (Vmm          *vmm,
           json_object  *arguments,
           ControlError *error)
{
  const char *device = device_argument (arguments, error);
  json_object *force = NULL;
  VmmError err = { { 0 } };
  int ret;

  if (device == NULL)
    return NULL;
  if (json_object_object_get_ex (arguments, "force", &force)
      && !json_object_is_type (force, json_type_boolean))
    {
      invalid_argument (error, "\"force\" must be true or false");
      return NULL;
    }
  ret = vmm_eject_medium (vmm, device, force != NULL && json_object_get_boolean (force), &err);
  if (ret < 0)
    {
      media_error (error, ret, &err);
      return NULL;
    }
  return json_object_new_object ();
}

static json_object *
cmd_change (Vmm          *vmm,
            json_object  *arguments,
            ControlError *error)
{
  const char *device = device_argument (arguments, error);
  json_object *filename;
  VmmError err = { { 0 } };
  int ret;

  if (device == NULL)
    return NULL;
  if (!json_object_object_get_ex (arguments, "filename", &filename)
      || !json_object_is_type (filename, json_type_string)
      || json_object_get_string_len (filename) == 0)
    {
      invalid_argument (error, "\"filename\" must name the disc image to insert");
      return NULL;
    }
  ret = vmm_change_medium (vmm, device, json_object_get_string (filename), &err);
  if (ret < 0)
    {
      media_error (error, ret, &err);
      return NULL;
    }
  return json_object_new_object ();
}

/* A key as QMP writes it: "ctrl", or {"type": "qcode", "data": "ctrl"}, or
 * {"type": "number", "data": QNUM}. Returns QEMU's key number, 0 if none. */
static uint32_t
key_to_qnum (json_object *key)
{
  json_object *type, *data;
  uint16_t scancode = 0;

  if (json_object_is_type (key, json_type_string))
    scancode = keymap_qcode_to_scancode (json_object_get_string (key));
  else if (json_object_is_type (key, json_type_object)
           && json_object_object_get_ex (key, "type", &type)
           && json_object_object_get_ex (key, "data", &data))
    {
      const char *kind = json_object_get_string (type);
      if (strcmp (kind, "qcode") == 0 && json_object_is_type (data, json_type_string))
        scancode = keymap_qcode_to_scancode (json_object_get_string (data));
      else if (strcmp (kind, "number") == 0 && json_object_is_type (data, json_type_int))
        {
          int64_t qnum = json_object_get_int64 (data);
          return qnum > 0 && qnum < 0x100 ? (uint32_t) qnum : 0;
        }
    }
  /* 0xe0XX → QEMU's 0x80 | XX. */
  return (scancode >> 8) == 0xe0 ? 0x80 | (scancode & 0x7f) : scancode;
}

/* Presses the keys in order, then lets them go in reverse: a chord. */
static json_object *
cmd_send_key (Vmm          *vmm,
              json_object  *arguments,
              ControlError *error)
{
  json_object *keys;
  uint32_t qnums[16];
  size_t n;

  if (arguments == NULL || !json_object_object_get_ex (arguments, "keys", &keys)
      || !json_object_is_type (keys, json_type_array)
      || (n = json_object_array_length (keys)) == 0 || n > 16)
    {
      invalid_argument (error, "\"keys\" must be a list of 1 to 16 keys, like [\"ctrl\", "
                        "\"alt\", \"delete\"]");
      return NULL;
    }
  for (size_t i = 0; i < n; i++)
    if ((qnums[i] = key_to_qnum (json_object_array_get_idx (keys, i))) == 0)
      {
        error->error_class = "InvalidArgument";
        snprintf (error->desc, sizeof error->desc, "unknown key %s",
                  json_object_to_json_string (json_object_array_get_idx (keys, i)));
        return NULL;
      }
  for (size_t i = 0; i < n; i++)
    display_console_key (vmm_get_display (vmm), true, 0, qnums[i]);
  for (size_t i = n; i-- > 0;)
    display_console_key (vmm_get_display (vmm), false, 0, qnums[i]);
  return json_object_new_object ();
}

/* input-send-event keeps the pointer's state between calls, as a device
 * would: absolute position and buttons held. */
static struct
{
  uint32_t x, y, buttons;
} pointer_state;

static uint32_t
button_bit (const char *name)
{
  if (strcmp (name, "left") == 0)
    return GH_VNC_BUTTON_LEFT;
  if (strcmp (name, "middle") == 0)
    return GH_VNC_BUTTON_MIDDLE;
  if (strcmp (name, "right") == 0)
    return GH_VNC_BUTTON_RIGHT;
  if (strcmp (name, "wheel-up") == 0)
    return GH_VNC_BUTTON_WHEEL_UP;
  if (strcmp (name, "wheel-down") == 0)
    return GH_VNC_BUTTON_WHEEL_DOWN;
  return 0;
}

/* QMP's events: key {down, key}, btn {down, button}, abs {axis, value
 * 0..0x7fff}, rel {axis, value}. All are checked before any is sent. */
static json_object *
cmd_input_send_event (Vmm          *vmm,
                      json_object  *arguments,
                      ControlError *error)
{
  DisplayConsole *display = vmm_get_display (vmm);
  json_object *events;
  uint32_t width = 0, height = 0;
  int32_t dx = 0, dy = 0;
  bool moved_abs = false;
  size_t n;

  if (arguments == NULL || !json_object_object_get_ex (arguments, "events", &events)
      || !json_object_is_type (events, json_type_array)
      || (n = json_object_array_length (events)) == 0 || n > 64)
    {
      invalid_argument (error, "\"events\" must be a list of 1 to 64 input events");
      return NULL;
    }
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n; i++)
      {
        json_object *event = json_object_array_get_idx (events, i), *type, *data, *field, *value;
        const char *kind;

        if (!json_object_object_get_ex (event, "type", &type)
            || !json_object_object_get_ex (event, "data", &data)
            || !json_object_is_type (data, json_type_object))
          goto bad;
        kind = json_object_get_string (type);
        if (strcmp (kind, "key") == 0)
          {
            uint32_t qnum;
            if (!json_object_object_get_ex (data, "down", &value)
                || !json_object_object_get_ex (data, "key", &field)
                || (qnum = key_to_qnum (field)) == 0)
              goto bad;
            if (pass == 1)
              display_console_key (display, json_object_get_boolean (value), 0, qnum);
          }
        else if (strcmp (kind, "btn") == 0)
          {
            uint32_t bit;
            if (!json_object_object_get_ex (data, "down", &value)
                || !json_object_object_get_ex (data, "button", &field)
                || (bit = button_bit (json_object_get_string (field))) == 0)
              goto bad;
            if (pass == 1)
              pointer_state.buttons = json_object_get_boolean (value)
                                      ? pointer_state.buttons | bit : pointer_state.buttons & ~bit;
          }
        else if (strcmp (kind, "abs") == 0 || strcmp (kind, "rel") == 0)
          {
            const char *axis;
            int64_t v;
            if (!json_object_object_get_ex (data, "axis", &field)
                || !json_object_object_get_ex (data, "value", &value)
                || !json_object_is_type (value, json_type_int))
              goto bad;
            axis = json_object_get_string (field);
            v = json_object_get_int64 (value);
            if ((strcmp (axis, "x") != 0 && strcmp (axis, "y") != 0)
                || (kind[0] == 'a' && (v < 0 || v > 0x7fff))
                || (kind[0] == 'r' && (v < -0x7fff || v > 0x7fff)))
              goto bad;
            if (pass == 0)
              continue;
            if (kind[0] == 'a')
              {
                /* 0..0x7fff spans the picture, as QEMU's absolute axes do. */
                if (width == 0)
                  vga_get_size (vmm_get_vga (vmm), &width, &height);
                if (axis[0] == 'x')
                  pointer_state.x = (uint32_t) (v * (width > 0 ? width - 1 : 0) / 0x7fff);
                else
                  pointer_state.y = (uint32_t) (v * (height > 0 ? height - 1 : 0) / 0x7fff);
                moved_abs = true;
              }
            else if (axis[0] == 'x')
              dx += (int32_t) v;
            else
              dy += (int32_t) v;
          }
        else
          goto bad;
      }

  if (dx != 0 || dy != 0)
    display_console_motion (display, dx, dy, 0, pointer_state.buttons);
  else if (moved_abs || n > 0)
    display_console_pointer (display, pointer_state.x, pointer_state.y, pointer_state.buttons);
  return json_object_new_object ();

bad:
  invalid_argument (error, "each event is {\"type\": \"key\"|\"btn\"|\"abs\"|\"rel\", "
                    "\"data\": {...}} as in QMP's input-send-event");
  return NULL;
}

static const ControlCommand control_commands[] = {
  { "qmp_capabilities", cmd_qmp_capabilities },
  { "query-status",     cmd_query_status },
  { "query-guest",      cmd_query_guest },
  { "query-chardev",    cmd_query_chardev },
  { "stop",             cmd_stop },
  { "cont",             cmd_cont },
  { "quit",             cmd_quit },
  { "system_reset",     cmd_system_reset },
  { "system_powerdown", cmd_system_powerdown },
  { "set-vcpus",        cmd_set_vcpus },
  { "query-vcpus",      cmd_query_vcpus },
  { "query-block",      cmd_query_block },
  { "eject",            cmd_eject },
  { "change",           cmd_change },
  { "balloon",          cmd_balloon },
  { "query-balloon",    cmd_query_balloon },
  { "query-balloon-stats", cmd_query_balloon_stats },
  { "screendump",       cmd_screendump },
  { "send-key",         cmd_send_key },
  { "input-send-event", cmd_input_send_event },
};

const ControlCommand *
control_command_find (const char *name)
{
  for (size_t i = 0; i < sizeof control_commands / sizeof control_commands[0]; i++)
    if (strcmp (control_commands[i].name, name) == 0)
      return &control_commands[i];
  return NULL;
}
