/* gh-keymap.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A few scancodes in QEMU's "qnum" encoding, for the Send Key menu. */
#define GH_QNUM_BACKSPACE  0x0e
#define GH_QNUM_LEFT_CTRL  0x1d
#define GH_QNUM_LEFT_ALT   0x38
#define GH_QNUM_F1         0x3b
#define GH_QNUM_F11        0x57
#define GH_QNUM_DELETE     0xd3

guint gh_keymap_evdev_to_qnum    (guint evdev_code);
guint gh_keymap_keycode_to_qnum  (guint gdk_keycode);
guint gh_keymap_function_key     (guint n);

G_END_DECLS
