/* ps2-mouse.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "devices/i8042.h"

/* A PS/2 mouse on the i8042's aux port: a standard 3-button mouse (id 00)
 * that becomes an IntelliMouse with a wheel (id 03, 4-byte packets) after
 * the usual sample-rate knock 200, 100, 80.
 *
 * Guest commands: reset (0xFF → FA AA 00), resend, defaults, enable/disable
 * reporting (0xF4/0xF5), sample rate (0xF3), identify (0xF2), remote mode
 * (0xF0) and read data (0xEB), wrap mode (0xEE/0xEC), stream mode (0xEA),
 * status request (0xE9), resolution (0xE8), scaling (0xE7/0xE6; 2:1 is
 * reported, motion is sent unscaled).
 *
 * Host input is relative motion; a pointer with absolute coordinates (VNC)
 * must be turned into deltas by the caller. Motion that cannot be sent
 * (reporting off, queue full) is kept and sent with the next event. */

#define PS2_MOUSE_LEFT    0x01
#define PS2_MOUSE_RIGHT   0x02
#define PS2_MOUSE_MIDDLE  0x04

typedef struct Ps2Mouse Ps2Mouse;

/* Attaches itself to ctrl's aux port. NULL when out of memory. */
Ps2Mouse *ps2_mouse_new      (I8042    *ctrl);
void      ps2_mouse_free     (Ps2Mouse *mouse);
void      ps2_mouse_reset    (Ps2Mouse *mouse);

/* dx to the right, dy downwards (screen directions; the packet's y points
 * up), dz wheel clicks (positive: towards the user, as the PS/2 wheel
 * counts), buttons PS2_MOUSE_*. Any thread. */
void      ps2_mouse_move     (Ps2Mouse *mouse,
                              int32_t   dx,
                              int32_t   dy,
                              int32_t   dz,
                              uint8_t   buttons);

/* True once the guest has enabled reporting (its driver is there). */
bool      ps2_mouse_is_enabled (Ps2Mouse *mouse);
