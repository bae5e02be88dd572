/* test-ps2-mouse.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "devices/i8042.h"
#include "devices/ps2-mouse.h"

typedef struct
{
  I8042    *ctrl;
  Ps2Mouse *mouse;
  unsigned  aux_raises;
  bool      aux_level;
} Fixture;

static void
fake_irq_set (void *opaque,
              bool  level)
{
  Fixture *f = opaque;

  if (level && !f->aux_level)
    f->aux_raises++;
  f->aux_level = level;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  IrqLine aux = { fake_irq_set, f };

  f->ctrl = i8042_new (NULL, &aux, NULL, NULL);
  f->mouse = ps2_mouse_new (f->ctrl);
  g_assert_nonnull (f->mouse);
  /* What a driver does first: aux port on, its interrupt on. */
  i8042_command_ops.write (f->ctrl, 0, 0xa8, 1);
  i8042_command_ops.write (f->ctrl, 0, 0x60, 1);
  i8042_data_ops.write (f->ctrl, 0, 0x47, 1);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ps2_mouse_free (f->mouse);
  i8042_free (f->ctrl);
}

static void
to_mouse (Fixture *f,
          uint8_t  v)
{
  i8042_command_ops.write (f->ctrl, 0, 0xd4, 1);
  i8042_data_ops.write (f->ctrl, 0, v, 1);
}

static char *
drain (Fixture *f)
{
  GString *s = g_string_new (NULL);
  uint8_t st;

  while ((st = (uint8_t) i8042_command_ops.read (f->ctrl, 0, 1)) & 0x01)
    {
      /* Everything here comes from the aux port. */
      g_assert_cmphex (st & 0x20, ==, 0x20);
      g_string_append_printf (s, "%s%02x", s->len ? " " : "",
                              (unsigned) i8042_data_ops.read (f->ctrl, 0, 1));
    }
  return g_string_free (s, FALSE);
}

#define ASSERT_BYTES(f, expect) \
  G_STMT_START { g_autofree char *got_ = drain (f); g_assert_cmpstr (got_, ==, expect); } G_STMT_END

static void
test_reset_identify (Fixture       *f,
                     gconstpointer  data)
{
  to_mouse (f, 0xff);
  ASSERT_BYTES (f, "fa aa 00");
  g_assert_cmpuint (f->aux_raises, >=, 1);
  to_mouse (f, 0xf2);
  ASSERT_BYTES (f, "fa 00");
  to_mouse (f, 0x00);
  ASSERT_BYTES (f, "fe");
}

static void
test_streaming (Fixture       *f,
                gconstpointer  data)
{
  /* Nothing before reporting is enabled. */
  ps2_mouse_move (f->mouse, 5, 5, 0, 0);
  ASSERT_BYTES (f, "");
  to_mouse (f, 0xf4);
  ASSERT_BYTES (f, "fa");
  g_assert_true (ps2_mouse_is_enabled (f->mouse));

  /* Right 3, down 2 (the packet's y is up: -2), left button. The motion
   * kept from before reporting was on comes along. */
  ps2_mouse_move (f->mouse, 3, 2, 0, PS2_MOUSE_LEFT);
  ASSERT_BYTES (f, "29 08 f9");
  ps2_mouse_move (f->mouse, -1, -1, 0, PS2_MOUSE_LEFT | PS2_MOUSE_RIGHT);
  ASSERT_BYTES (f, "1b ff 01");
  /* A button change alone is a packet too; nothing changed is none. */
  ps2_mouse_move (f->mouse, 0, 0, 0, 0);
  ASSERT_BYTES (f, "08 00 00");
  ps2_mouse_move (f->mouse, 0, 0, 0, 0);
  ASSERT_BYTES (f, "");
  /* A big jump takes several packets. */
  ps2_mouse_move (f->mouse, 300, 0, 0, 0);
  ASSERT_BYTES (f, "08 ff 00 08 2d 00");

  to_mouse (f, 0xf5);
  ASSERT_BYTES (f, "fa");
  ps2_mouse_move (f->mouse, 1, 1, 0, 0);
  ASSERT_BYTES (f, "");
}

static void
test_settings_status (Fixture       *f,
                      gconstpointer  data)
{
  to_mouse (f, 0xf3);
  to_mouse (f, 40);
  to_mouse (f, 0xe8);
  to_mouse (f, 3);
  to_mouse (f, 0xe7);
  to_mouse (f, 0xf4);
  ASSERT_BYTES (f, "fa fa fa fa fa fa");
  to_mouse (f, 0xe9);
  ASSERT_BYTES (f, "fa 30 03 28");
  to_mouse (f, 0xf6);
  to_mouse (f, 0xe9);
  ASSERT_BYTES (f, "fa fa 00 02 64");
}

static void
test_intellimouse (Fixture       *f,
                   gconstpointer  data)
{
  static const uint8_t knock[] = { 200, 100, 80 };

  for (unsigned i = 0; i < 3; i++)
    {
      to_mouse (f, 0xf3);
      to_mouse (f, knock[i]);
    }
  to_mouse (f, 0xf2);
  to_mouse (f, 0xf4);
  ASSERT_BYTES (f, "fa fa fa fa fa fa fa 03 fa");
  ps2_mouse_move (f->mouse, 0, 0, -1, 0);
  ASSERT_BYTES (f, "08 00 00 0f");
}

static void
test_remote_wrap (Fixture       *f,
                  gconstpointer  data)
{
  to_mouse (f, 0xf0);
  ASSERT_BYTES (f, "fa");
  to_mouse (f, 0xf4);
  ASSERT_BYTES (f, "fa");
  ps2_mouse_move (f->mouse, 2, 0, 0, 0);
  ASSERT_BYTES (f, "");
  to_mouse (f, 0xeb);
  ASSERT_BYTES (f, "fa 08 02 00");

  to_mouse (f, 0xee);
  to_mouse (f, 0x55);
  to_mouse (f, 0xec);
  to_mouse (f, 0xf2);
  ASSERT_BYTES (f, "fa 55 fa fa 00");
}

static void
test_disabled_port_holds (Fixture       *f,
                          gconstpointer  data)
{
  to_mouse (f, 0xf4);
  ASSERT_BYTES (f, "fa");
  i8042_command_ops.write (f->ctrl, 0, 0xa7, 1);
  ps2_mouse_move (f->mouse, 1, 0, 0, 0);
  ASSERT_BYTES (f, "");
  i8042_command_ops.write (f->ctrl, 0, 0xa8, 1);
  ASSERT_BYTES (f, "08 01 00");
}

#define ADD(name, fn) \
  g_test_add ("/vmm/ps2-mouse/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ADD ("reset-identify", test_reset_identify);
  ADD ("streaming", test_streaming);
  ADD ("settings-status", test_settings_status);
  ADD ("intellimouse", test_intellimouse);
  ADD ("remote-wrap", test_remote_wrap);
  ADD ("disabled-port-holds", test_disabled_port_holds);
  return g_test_run ();
}
