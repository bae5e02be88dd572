/* keymap.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

/* PC keyboard codes. A key is named by its scan code set 1 ("XT") make code,
 * with 0xe0 in the high byte for the extended keys: 0x001e is A, 0xe048 the
 * up arrow. That is what ps2_keyboard_press() takes. */

#define KEYMAP_PAUSE        0xe046      /* sent as the E1 sequence */
#define KEYMAP_PRINT        0xe037      /* sent as the E0 2A E0 37 sequence */

/* The 8042's set 2 → set 1 translation (command byte bit 6), as every PC
 * controller has it: codes below 0x80 through the table, 0x83 (F7) to 0x41,
 * the rest (ACK, BAT, echo, the F0 break prefix is handled by the
 * controller) unchanged. */
uint8_t  keymap_set2_to_set1      (uint8_t  code);

/* Set 1 make code (without 0xe0) → set 2 make code; 0 for none. */
uint8_t  keymap_set1_to_set2      (uint8_t  code);

/* QEMU's "qnum" key numbers, as the QEMU extended key event of RFB and the
 * send-key command carry them: set 1 codes, with 0x80 standing for the 0xe0
 * prefix (0xc8 is E0 48). Returns the 0xe0XX form, 0 for none. */
uint16_t keymap_qnum_to_scancode  (uint32_t qnum);

/* An X keysym (as plain VNC key events carry them) → the key that makes it
 * on a US keyboard, 0 for none. Shifted symbols give the unshifted key:
 * the client sends Shift itself. */
uint16_t keymap_keysym_to_scancode (uint32_t keysym);

/* A QEMU "qcode" key name (QMP send-key and input-send-event: "ctrl",
 * "alt", "delete", "a", "f1", "kp_enter" ...) → the 0xe0XX form, 0 for an
 * unknown name. */
uint16_t keymap_qcode_to_scancode (const char *name);
