/* ps2-keyboard.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "devices/i8042.h"

/* A PS/2 keyboard on the i8042's keyboard port (MF2, id AB 83).
 *
 * Guest commands: set LEDs (0xED), echo (0xEE), get/set scan code set
 * (0xF0; sets 1 and 2, a request for set 3 is acknowledged and ignored),
 * identify (0xF2), typematic rate (0xF3, kept, repeat is the host's),
 * enable/disable scanning (0xF4/0xF5), defaults (0xF6), resend (0xFE) and
 * reset (0xFF → FA AA). The set 3 key-type commands (0xF7-0xFD) are
 * acknowledged. The controller translates set 2 to set 1 when the guest asks
 * it to (the PC default), so a guest normally sees set 1.
 *
 * Host input: ps2_keyboard_press() with a set 1 code (0xe0XX for extended
 * keys, keymap.h), or a keysym through the US table. Keys are dropped while
 * scanning is disabled or the controller's queue is full. */

typedef struct Ps2Keyboard Ps2Keyboard;

/* Attaches itself to ctrl's keyboard port. NULL when out of memory. */
Ps2Keyboard *ps2_keyboard_new           (I8042       *ctrl);
/* Detaches and frees. */
void         ps2_keyboard_free          (Ps2Keyboard *kbd);
/* Power-on state: scanning on, set 2, LEDs off. Sends nothing. */
void         ps2_keyboard_reset         (Ps2Keyboard *kbd);

/* A key went down or up. Returns false when it was not sent (unknown key,
 * scanning off, queue full). Any thread. */
bool         ps2_keyboard_press         (Ps2Keyboard *kbd,
                                         uint16_t     scancode,
                                         bool         down);
bool         ps2_keyboard_press_keysym  (Ps2Keyboard *kbd,
                                         uint32_t     keysym,
                                         bool         down);

/* LED state the guest set: bit 0 Scroll Lock, 1 Num Lock, 2 Caps Lock. */
uint8_t      ps2_keyboard_get_leds      (Ps2Keyboard *kbd);
/* The scan code set the keyboard sends (1 or 2). */
unsigned     ps2_keyboard_get_set       (Ps2Keyboard *kbd);
