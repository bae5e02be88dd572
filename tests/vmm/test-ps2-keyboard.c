/* test-ps2-keyboard.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "devices/i8042.h"
#include "devices/ps2-keyboard.h"
#include "display/keymap.h"

typedef struct
{
  I8042       *ctrl;
  Ps2Keyboard *kbd;
  unsigned     irq_raises;
  bool         irq_level;
} Fixture;

static void
fake_irq_set (void *opaque,
              bool  level)
{
  Fixture *f = opaque;

  if (level && !f->irq_level)
    f->irq_raises++;
  f->irq_level = level;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  IrqLine kbd = { fake_irq_set, f };

  f->ctrl = i8042_new (&kbd, NULL, NULL, NULL);
  f->kbd = ps2_keyboard_new (f->ctrl);
  g_assert_nonnull (f->kbd);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ps2_keyboard_free (f->kbd);
  i8042_free (f->ctrl);
}

static void
out_data (Fixture *f,
          uint8_t  v)
{
  i8042_data_ops.write (f->ctrl, 0, v, 1);
}

static void
out_command (Fixture *f,
             uint8_t  v)
{
  i8042_command_ops.write (f->ctrl, 0, v, 1);
}

/* Everything waiting in the output buffer, as a hex string. */
static char *
drain (Fixture *f)
{
  GString *s = g_string_new (NULL);

  while (i8042_command_ops.read (f->ctrl, 0, 1) & 0x01)
    g_string_append_printf (s, "%s%02x", s->len ? " " : "",
                            (unsigned) i8042_data_ops.read (f->ctrl, 0, 1));
  return g_string_free (s, FALSE);
}

#define ASSERT_BYTES(f, expect) \
  G_STMT_START { g_autofree char *got_ = drain (f); g_assert_cmpstr (got_, ==, expect); } G_STMT_END

static void
set_translation (Fixture *f,
                 bool     on)
{
  out_command (f, 0x60);
  out_data (f, on ? 0x45 : 0x05);
}

static void
test_reset_and_identify (Fixture       *f,
                         gconstpointer  data)
{
  out_data (f, 0xff);
  ASSERT_BYTES (f, "fa aa");
  g_assert_cmpuint (f->irq_raises, >=, 1);
  /* With translation (the default), the id's 83 reads as 41, as on a PC. */
  out_data (f, 0xf2);
  ASSERT_BYTES (f, "fa ab 41");
  set_translation (f, false);
  out_data (f, 0xf2);
  ASSERT_BYTES (f, "fa ab 83");
  out_data (f, 0xee);
  ASSERT_BYTES (f, "ee");
  /* Not a command: resend request. */
  out_data (f, 0x12);
  ASSERT_BYTES (f, "fe");
}

static void
test_leds_typematic (Fixture       *f,
                     gconstpointer  data)
{
  out_data (f, 0xed);
  out_data (f, 0x07);
  ASSERT_BYTES (f, "fa fa");
  g_assert_cmphex (ps2_keyboard_get_leds (f->kbd), ==, 0x07);
  out_data (f, 0xed);
  out_data (f, 0xfa);
  ASSERT_BYTES (f, "fa fa");
  g_assert_cmphex (ps2_keyboard_get_leds (f->kbd), ==, 0x02);
  out_data (f, 0xf3);
  out_data (f, 0x20);
  ASSERT_BYTES (f, "fa fa");
}

static void
test_keys_translated (Fixture       *f,
                      gconstpointer  data)
{
  /* Set 2 inside, set 1 on port 0x60: A down/up, then up arrow. */
  g_assert_true (ps2_keyboard_press (f->kbd, 0x1e, true));
  g_assert_true (ps2_keyboard_press (f->kbd, 0x1e, false));
  ASSERT_BYTES (f, "1e 9e");
  g_assert_true (ps2_keyboard_press (f->kbd, 0xe048, true));
  g_assert_true (ps2_keyboard_press (f->kbd, 0xe048, false));
  ASSERT_BYTES (f, "e0 48 e0 c8");
  /* F7, the one set 2 code above 0x7f. */
  g_assert_true (ps2_keyboard_press (f->kbd, 0x41, true));
  ASSERT_BYTES (f, "41");
}

static void
test_keys_set2_raw (Fixture       *f,
                    gconstpointer  data)
{
  set_translation (f, false);
  g_assert_true (ps2_keyboard_press (f->kbd, 0x1e, true));
  g_assert_true (ps2_keyboard_press (f->kbd, 0x1e, false));
  ASSERT_BYTES (f, "1c f0 1c");
  g_assert_true (ps2_keyboard_press (f->kbd, 0xe01d, false));
  ASSERT_BYTES (f, "e0 f0 14");
  g_assert_true (ps2_keyboard_press (f->kbd, KEYMAP_PAUSE, true));
  g_assert_false (ps2_keyboard_press (f->kbd, KEYMAP_PAUSE, false));
  ASSERT_BYTES (f, "e1 14 77 e1 f0 14 f0 77");
}

static void
test_scancode_set (Fixture       *f,
                   gconstpointer  data)
{
  set_translation (f, false);
  out_data (f, 0xf0);
  out_data (f, 0x00);
  ASSERT_BYTES (f, "fa fa 02");
  out_data (f, 0xf0);
  out_data (f, 0x01);
  ASSERT_BYTES (f, "fa fa");
  g_assert_cmpuint (ps2_keyboard_get_set (f->kbd), ==, 1);
  g_assert_true (ps2_keyboard_press (f->kbd, 0xe048, false));
  ASSERT_BYTES (f, "e0 c8");
  /* Set 3 is acknowledged and not taken. */
  out_data (f, 0xf0);
  out_data (f, 0x03);
  ASSERT_BYTES (f, "fa fa");
  g_assert_cmpuint (ps2_keyboard_get_set (f->kbd), ==, 1);
  /* Reset goes back to set 2. */
  out_data (f, 0xff);
  ASSERT_BYTES (f, "fa aa");
  g_assert_cmpuint (ps2_keyboard_get_set (f->kbd), ==, 2);
}

static void
test_scanning_and_port (Fixture       *f,
                        gconstpointer  data)
{
  /* Disabled scanning drops keys. */
  out_data (f, 0xf5);
  ASSERT_BYTES (f, "fa");
  g_assert_false (ps2_keyboard_press (f->kbd, 0x1e, true));
  ASSERT_BYTES (f, "");
  out_data (f, 0xf4);
  ASSERT_BYTES (f, "fa");

  /* A disabled port holds the keyboard's bytes; controller replies still
   * come through, and the key arrives once the port is enabled. */
  out_command (f, 0xad);
  g_assert_true (ps2_keyboard_press (f->kbd, 0x10, true));
  out_command (f, 0x20);
  ASSERT_BYTES (f, "55");
  out_command (f, 0xae);
  ASSERT_BYTES (f, "10");
}

static void
test_resend_and_keysyms (Fixture       *f,
                         gconstpointer  data)
{
  out_data (f, 0xf2);
  ASSERT_BYTES (f, "fa ab 41");
  out_data (f, 0xfe);
  ASSERT_BYTES (f, "41");

  g_assert_true (ps2_keyboard_press_keysym (f->kbd, 'q', true));
  g_assert_true (ps2_keyboard_press_keysym (f->kbd, 'Q', false));
  g_assert_true (ps2_keyboard_press_keysym (f->kbd, 0xff0d, true));      /* Return */
  g_assert_true (ps2_keyboard_press_keysym (f->kbd, 0xffe4, true));      /* Control_R */
  g_assert_false (ps2_keyboard_press_keysym (f->kbd, 0x20ac, true));     /* EuroSign */
  ASSERT_BYTES (f, "10 90 1c e0 1d");

  g_assert_cmphex (keymap_qnum_to_scancode (0xc8), ==, 0xe048);
  g_assert_cmphex (keymap_qnum_to_scancode (0x1e), ==, 0x1e);
  g_assert_cmphex (keymap_qnum_to_scancode (0x100), ==, 0);
}

static void
test_queue_full (Fixture       *f,
                 gconstpointer  data)
{
  unsigned sent = 0;

  /* A guest that never reads: keys stop at the bound, whole. */
  for (unsigned i = 0; i < 100; i++)
    sent += ps2_keyboard_press (f->kbd, 0xe048, true);
  g_assert_cmpuint (sent, <=, 8);
  g_assert_cmpuint (sent, >=, 1);
  {
    g_autofree char *bytes = drain (f);

    g_assert_cmpuint (strlen (bytes), ==, sent * 6 - 1);
  }
}

static void
test_tables (void)
{
  /* Every set 1 code with a set 2 code translates back to itself. */
  for (unsigned c = 1; c < 0x80; c++)
    {
      uint8_t s2 = keymap_set1_to_set2 ((uint8_t) c);

      if (s2 != 0)
        g_assert_cmphex (keymap_set2_to_set1 (s2), ==, c);
    }
  g_assert_cmphex (keymap_set1_to_set2 (0x1e), ==, 0x1c);
  g_assert_cmphex (keymap_set1_to_set2 (0x01), ==, 0x76);
  g_assert_cmphex (keymap_set1_to_set2 (0x58), ==, 0x07);
  g_assert_cmphex (keymap_set2_to_set1 (0xfa), ==, 0xfa);

  g_assert_cmphex (keymap_qcode_to_scancode ("ctrl"), ==, 0x1d);
  g_assert_cmphex (keymap_qcode_to_scancode ("alt"), ==, 0x38);
  g_assert_cmphex (keymap_qcode_to_scancode ("delete"), ==, 0xe053);
  g_assert_cmphex (keymap_qcode_to_scancode ("f12"), ==, 0x58);
  g_assert_cmphex (keymap_qcode_to_scancode ("nonsense"), ==, 0);
  g_assert_cmphex (keymap_qcode_to_scancode (NULL), ==, 0);
}

#define ADD(name, fn) \
  g_test_add ("/vmm/ps2-keyboard/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/ps2-keyboard/tables", test_tables);
  ADD ("reset-identify", test_reset_and_identify);
  ADD ("leds-typematic", test_leds_typematic);
  ADD ("keys-translated", test_keys_translated);
  ADD ("keys-set2", test_keys_set2_raw);
  ADD ("scancode-set", test_scancode_set);
  ADD ("scanning-port", test_scanning_and_port);
  ADD ("resend-keysyms", test_resend_and_keysyms);
  ADD ("queue-full", test_queue_full);
  return g_test_run ();
}
