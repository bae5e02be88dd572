/* test-display-console.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "display/display-console.h"

typedef struct
{
  I8042          *ctrl;
  Vga            *vga;
  Ps2Keyboard    *kbd;
  Ps2Mouse       *mouse;
  DisplayConsole *console;
  GhVncCallbacks  cb;
  unsigned        dirty_calls;
  unsigned        dirty_page;
} Fixture;

static bool
fake_dirty_log (void     *opaque,
                uint64_t *bitmap,
                size_t    n_pages)
{
  Fixture *f = opaque;

  f->dirty_calls++;
  memset (bitmap, 0, n_pages / 8);
  bitmap[f->dirty_page / 64] |= UINT64_C (1) << (f->dirty_page % 64);
  return true;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  DisplayConsoleConfig config = { 0 };

  f->ctrl = i8042_new (NULL, NULL, NULL, NULL);
  f->vga = vga_new (NULL, NULL);
  f->kbd = ps2_keyboard_new (f->ctrl);
  f->mouse = ps2_mouse_new (f->ctrl);
  config.vga = f->vga;
  config.kbd = f->kbd;
  config.mouse = f->mouse;
  config.get_dirty_log = fake_dirty_log;
  config.opaque = f;
  f->console = display_console_new (&config);
  g_assert_nonnull (f->console);
  display_console_vnc_callbacks (f->console, &f->cb);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  display_console_free (f->console);
  ps2_mouse_free (f->mouse);
  ps2_keyboard_free (f->kbd);
  vga_free (f->vga);
  i8042_free (f->ctrl);
}

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
dispi_set (Fixture  *f,
           uint16_t  index,
           uint16_t  value)
{
  vga_dispi_ops.write (f->vga, 0, index, 2);
  vga_dispi_ops.write (f->vga, 1, value, 2);
}

static void
test_frames (Fixture       *f,
             gconstpointer  data)
{
  GhVncFrame frame;

  /* Text mode: no dirty log needed, a 720x400 picture. */
  g_assert_true (f->cb.acquire_frame (f->cb.opaque, &frame));
  g_assert_true (frame.resized);
  g_assert_cmpuint (frame.width, ==, 720);
  g_assert_cmpuint (frame.height, ==, 400);
  f->cb.release_frame (f->cb.opaque);
  g_assert_cmpuint (f->dirty_calls, ==, 0);
  g_assert_true (f->cb.acquire_frame (f->cb.opaque, &frame));
  g_assert_false (frame.resized);
  g_assert_cmpuint (frame.n_rects, ==, 0);
  f->cb.release_frame (f->cb.opaque);

  /* 1024x768x32: the dirty log decides (page 10 is row 10). */
  dispi_set (f, VBE_DISPI_INDEX_XRES, 1024);
  dispi_set (f, VBE_DISPI_INDEX_YRES, 768);
  dispi_set (f, VBE_DISPI_INDEX_BPP, 32);
  dispi_set (f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
  g_assert_true (f->cb.acquire_frame (f->cb.opaque, &frame));
  g_assert_true (frame.resized);
  g_assert_cmpuint (frame.width, ==, 1024);
  f->cb.release_frame (f->cb.opaque);
  f->dirty_page = 10;
  g_assert_true (f->cb.acquire_frame (f->cb.opaque, &frame));
  g_assert_false (frame.resized);
  g_assert_cmpuint (frame.n_rects, ==, 1);
  g_assert_cmpuint (frame.rects[0].y, ==, 10);
  g_assert_cmpuint (frame.rects[0].height, ==, 1);
  g_assert_cmpuint (frame.rects[0].width, ==, 1024);
  f->cb.release_frame (f->cb.opaque);
  g_assert_cmpuint (f->dirty_calls, ==, 2);
}

static void
test_keys (Fixture       *f,
           gconstpointer  data)
{
  /* A QEMU key number wins over the keysym; without one, the keysym. */
  f->cb.key_event (f->cb.opaque, true, 'z', 0x1e);
  f->cb.key_event (f->cb.opaque, true, 'b', 0);
  f->cb.key_event (f->cb.opaque, false, 0, 0xc8);
  ASSERT_BYTES (f, "1e 30 e0 c8");
  g_assert_false (display_console_key (f->console, true, 0x20ac, 0));
}

static void
test_pointer (Fixture       *f,
              gconstpointer  data)
{
  /* The guest's driver enables the mouse. */
  i8042_command_ops.write (f->ctrl, 0, 0xd4, 1);
  i8042_data_ops.write (f->ctrl, 0, 0xf4, 1);
  ASSERT_BYTES (f, "fa");

  f->cb.pointer_event (f->cb.opaque, 10, 10, 0);
  ASSERT_BYTES (f, "");
  /* Right 5, down 2, left button; then the middle button and wheel down. */
  f->cb.pointer_event (f->cb.opaque, 15, 12, GH_VNC_BUTTON_LEFT);
  ASSERT_BYTES (f, "29 05 fe");
  f->cb.pointer_event (f->cb.opaque, 15, 12, GH_VNC_BUTTON_MIDDLE | GH_VNC_BUTTON_WHEEL_DOWN);
  ASSERT_BYTES (f, "0c 00 00");
}

#define ADD(name, fn) \
  g_test_add ("/vmm/display-console/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ADD ("frames", test_frames);
  ADD ("keys", test_keys);
  ADD ("pointer", test_pointer);
  return g_test_run ();
}
