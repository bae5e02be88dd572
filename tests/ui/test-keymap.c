/* test-keymap.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <linux/input-event-codes.h>

#include "gh-keymap.h"

/* Keys become PC scancodes in QEMU's encoding: evdev codes for the main block are XT make codes,
 * E0-prefixed keys carry the high bit, and keys without a scancode say so with 0.
 */

static void
test_main_block (void)
{
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_ESC), ==, 0x01);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_A), ==, 0x1e);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_ENTER), ==, 0x1c);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_LEFTCTRL), ==, GH_QNUM_LEFT_CTRL);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_LEFTALT), ==, GH_QNUM_LEFT_ALT);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_BACKSPACE), ==, GH_QNUM_BACKSPACE);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_KPDOT), ==, 0x53);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_102ND), ==, 0x56);
}

static void
test_extended (void)
{
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_RIGHTCTRL), ==, 0x9d);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_RIGHTALT), ==, 0xb8);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_KPENTER), ==, 0x9c);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_UP), ==, 0xc8);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_DELETE), ==, GH_QNUM_DELETE);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_LEFTMETA), ==, 0xdb);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_HANGEUL), ==, 0x72);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_HANJA), ==, 0x71);
}

static void
test_function_keys (void)
{
  g_assert_cmpuint (gh_keymap_function_key (1), ==, gh_keymap_evdev_to_qnum (KEY_F1));
  g_assert_cmpuint (gh_keymap_function_key (10), ==, gh_keymap_evdev_to_qnum (KEY_F10));
  g_assert_cmpuint (gh_keymap_function_key (11), ==, gh_keymap_evdev_to_qnum (KEY_F11));
  g_assert_cmpuint (gh_keymap_function_key (12), ==, gh_keymap_evdev_to_qnum (KEY_F12));
}

static void
test_unknown (void)
{
  /* GDK keycodes are evdev + 8; anything below is no key. */
  g_assert_cmpuint (gh_keymap_keycode_to_qnum (0), ==, 0);
  g_assert_cmpuint (gh_keymap_keycode_to_qnum (KEY_A + 8), ==, 0x1e);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_RESERVED), ==, 0);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (84), ==, 0);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_MACRO), ==, 0);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (KEY_MAX), ==, 0);
  g_assert_cmpuint (gh_keymap_evdev_to_qnum (G_MAXUINT), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/keymap/main-block", test_main_block);
  g_test_add_func ("/ui/keymap/extended", test_extended);
  g_test_add_func ("/ui/keymap/function-keys", test_function_keys);
  g_test_add_func ("/ui/keymap/unknown", test_unknown);

  return g_test_run ();
}
