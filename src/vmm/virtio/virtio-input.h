/* virtio-input.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "memory/guest-memory.h"
#include "virtio/virtio-device.h"

/* virtio input device (virtio 1.2, section 5.8), in two flavours:
 *
 *   - a tablet: an absolute pointer (ABS_X, ABS_Y over 0..32767), the left,
 *     right and middle buttons and a wheel (REL_WHEEL), so that the guest's
 *     pointer sits exactly where the viewer's is;
 *   - a keyboard: EV_KEY with Linux key codes for every key the PS/2 side
 *     knows (see virtio_input_scancode_to_key), EV_REP (the guest repeats
 *     keys itself) and EV_LED (the guest reports its lock lights on the
 *     status queue; they are read and ignored).
 *
 * The configuration space answers the driver's select/subsel queries
 * (names, ids, property and event bitmaps, axis ranges). The host queues
 * evdev events, 8 bytes each on the wire (le16 type, le16 code, le32 value);
 * they go into the buffers the driver posts on the event queue, in order.
 * While the driver posts none, up to VIRTIO_INPUT_PENDING events wait; past
 * that the oldest whole report (up to its EV_SYN) is dropped and counted, so
 * that the guest never sees half a report. Events queued before DRIVER_OK
 * are discarded: nobody is there to want them. */

#define VIRTIO_INPUT_QUEUE_SIZE      64
#define VIRTIO_INPUT_EVENT_QUEUE     0
#define VIRTIO_INPUT_STATUS_QUEUE    1
#define VIRTIO_INPUT_PENDING         256
#define VIRTIO_INPUT_ABS_MAX         32767

/* struct virtio_input_config. */
#define VIRTIO_INPUT_CFG_SELECT      0
#define VIRTIO_INPUT_CFG_SUBSEL      1
#define VIRTIO_INPUT_CFG_SIZE        2
#define VIRTIO_INPUT_CFG_U           8
#define VIRTIO_INPUT_CFG_U_SIZE      128
#define VIRTIO_INPUT_CONFIG_SIZE     (VIRTIO_INPUT_CFG_U + VIRTIO_INPUT_CFG_U_SIZE)

/* Values of select. */
#define VIRTIO_INPUT_CFG_UNSET       0x00
#define VIRTIO_INPUT_CFG_ID_NAME     0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL   0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS   0x03
#define VIRTIO_INPUT_CFG_PROP_BITS   0x10
#define VIRTIO_INPUT_CFG_EV_BITS     0x11
#define VIRTIO_INPUT_CFG_ABS_INFO    0x12

typedef enum
{
  VIRTIO_INPUT_TABLET,
  VIRTIO_INPUT_KEYBOARD,
} VirtioInputKind;

/* One evdev event, host byte order (the device converts). */
typedef struct
{
  uint16_t type;
  uint16_t code;
  int32_t  value;
} VirtioInputEvent;

typedef struct VirtioInput VirtioInput;

/* mem must outlive the device. NULL when out of memory. */
VirtioInput  *virtio_input_new             (const GuestMemory      *mem,
                                            VirtioInputKind         kind);
/* After its transport is freed. */
void          virtio_input_free            (VirtioInput            *vi);
VirtioDevice *virtio_input_get_device      (VirtioInput            *vi);

/* Whether the guest's driver is up (DRIVER_OK, no reset since, no
 * DEVICE_NEEDS_RESET): only then do queued events reach anyone. */
bool          virtio_input_is_ready        (VirtioInput            *vi);

/* Queues n events as they are (the caller ends each report with
 * EV_SYN/SYN_REPORT) and passes what it can on to the driver's buffers at
 * once. Returns false when the driver is not up (nothing queued). */
bool          virtio_input_send            (VirtioInput            *vi,
                                            const VirtioInputEvent *events,
                                            unsigned                n);
/* Events dropped because the driver posted no buffers in time. */
uint64_t      virtio_input_get_dropped     (VirtioInput            *vi);

/* A key as keymap.h names it (set 1 make code, 0xe0 in the high byte for
 * the extended keys) → its Linux key code (KEY_*), 0 for none. */
uint16_t      virtio_input_scancode_to_key (uint16_t                scancode);
