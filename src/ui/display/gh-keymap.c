/* gh-keymap.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-keymap.h"

/* Raw keys travel to the guest as PC scancodes in QEMU's extended key event, in the "qnum"
 * encoding of the RFB specification: a one-byte XT (set 1) make code as is, and a two-byte code
 * "E0 xx" as xx with the high bit set. So the guest sees the key the user pressed whatever the
 * keyboard layout on either side, and keys no keysym describes (Hangul, Hanja, the Japanese
 * conversion keys) reach it too.
 *
 * GDK reports XKB keycodes on both X11 and Wayland, which are Linux evdev codes plus 8.
 * Evdev codes 1–83 (Escape to keypad period) equal their XT make codes; the rest is the table
 * below, after the keycodemapdb project that QEMU and GTK-VNC share. A key missing here goes as
 * a plain keysym event.
 */

static const guint8 evdev_to_qnum_high[] = {
  /* 84 */ 0x00,   /* unused */
  /* 85 */ 0x76,   /* KEY_ZENKAKUHANKAKU */
  /* 86 */ 0x56,   /* KEY_102ND */
  /* 87 */ 0x57,   /* KEY_F11 */
  /* 88 */ 0x58,   /* KEY_F12 */
  /* 89 */ 0x73,   /* KEY_RO */
  /* 90 */ 0x78,   /* KEY_KATAKANA */
  /* 91 */ 0x77,   /* KEY_HIRAGANA */
  /* 92 */ 0x79,   /* KEY_HENKAN */
  /* 93 */ 0x70,   /* KEY_KATAKANAHIRAGANA */
  /* 94 */ 0x7b,   /* KEY_MUHENKAN */
  /* 95 */ 0x5c,   /* KEY_KPJPCOMMA */
  /* 96 */ 0x9c,   /* KEY_KPENTER */
  /* 97 */ 0x9d,   /* KEY_RIGHTCTRL */
  /* 98 */ 0xb5,   /* KEY_KPSLASH */
  /* 99 */ 0xb7,   /* KEY_SYSRQ (Print Screen) */
  /* 100 */ 0xb8,  /* KEY_RIGHTALT */
  /* 101 */ 0x00,  /* KEY_LINEFEED */
  /* 102 */ 0xc7,  /* KEY_HOME */
  /* 103 */ 0xc8,  /* KEY_UP */
  /* 104 */ 0xc9,  /* KEY_PAGEUP */
  /* 105 */ 0xcb,  /* KEY_LEFT */
  /* 106 */ 0xcd,  /* KEY_RIGHT */
  /* 107 */ 0xcf,  /* KEY_END */
  /* 108 */ 0xd0,  /* KEY_DOWN */
  /* 109 */ 0xd1,  /* KEY_PAGEDOWN */
  /* 110 */ 0xd2,  /* KEY_INSERT */
  /* 111 */ 0xd3,  /* KEY_DELETE */
  /* 112 */ 0x00,  /* KEY_MACRO */
  /* 113 */ 0xa0,  /* KEY_MUTE */
  /* 114 */ 0xae,  /* KEY_VOLUMEDOWN */
  /* 115 */ 0xb0,  /* KEY_VOLUMEUP */
  /* 116 */ 0xde,  /* KEY_POWER */
  /* 117 */ 0x59,  /* KEY_KPEQUAL */
  /* 118 */ 0x00,  /* KEY_KPPLUSMINUS */
  /* 119 */ 0xc6,  /* KEY_PAUSE */
  /* 120 */ 0x00,  /* KEY_SCALE */
  /* 121 */ 0x7e,  /* KEY_KPCOMMA */
  /* 122 */ 0x72,  /* KEY_HANGEUL */
  /* 123 */ 0x71,  /* KEY_HANJA */
  /* 124 */ 0x7d,  /* KEY_YEN */
  /* 125 */ 0xdb,  /* KEY_LEFTMETA */
  /* 126 */ 0xdc,  /* KEY_RIGHTMETA */
  /* 127 */ 0xdd,  /* KEY_COMPOSE */
};

/**
 * gh_keymap_evdev_to_qnum:
 * @evdev_code: a Linux input event code (KEY_*)
 *
 * Returns: the key's scancode in QEMU's qnum encoding, or 0 when it has none
 */
guint
gh_keymap_evdev_to_qnum (guint evdev_code)
{
  if (evdev_code >= 1 && evdev_code <= 83)
    return evdev_code;

  if (evdev_code >= 84 && evdev_code < 84 + G_N_ELEMENTS (evdev_to_qnum_high))
    return evdev_to_qnum_high[evdev_code - 84];

  switch (evdev_code)
    {
    case 142: return 0xdf;  /* KEY_SLEEP */
    case 143: return 0xe3;  /* KEY_WAKEUP */
    case 163: return 0x99;  /* KEY_NEXTSONG */
    case 164: return 0xa2;  /* KEY_PLAYPAUSE */
    case 165: return 0x90;  /* KEY_PREVIOUSSONG */
    case 166: return 0xa4;  /* KEY_STOPCD */
    default:  return 0;
    }
}

/**
 * gh_keymap_keycode_to_qnum:
 * @gdk_keycode: a hardware keycode from a #GdkKeyEvent (an XKB keycode)
 *
 * Returns: the key's scancode in QEMU's qnum encoding, or 0 when it has none
 */
guint
gh_keymap_keycode_to_qnum (guint gdk_keycode)
{
  if (gdk_keycode < 8)
    return 0;

  return gh_keymap_evdev_to_qnum (gdk_keycode - 8);
}

/**
 * gh_keymap_function_key:
 * @n: 1 to 12
 *
 * Returns: the qnum scancode of F@n
 */
guint
gh_keymap_function_key (guint n)
{
  g_return_val_if_fail (n >= 1 && n <= 12, 0);

  /* F1–F10 are consecutive; F11 and F12 came later and sit elsewhere. */
  return n <= 10 ? GH_QNUM_F1 + n - 1 : GH_QNUM_F11 + n - 11;
}
