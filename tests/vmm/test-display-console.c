/* test-display-console.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <linux/input.h>

#include "display/display-console.h"
#include "virtio-test-driver.h"

#define VI_RAM_SIZE  (4u << 20)
#define VI_FEATURES  (VIRTIO_FEATURE (VIRTIO_F_VERSION_1) | VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX))

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

  /* With data != NULL: a virtio-input tablet and keyboard, each on its own
   * fake machine. */
  TestDriver      tablet_td;
  TestDriver      keyboard_td;
  VirtioInput    *tablet;
  VirtioInput    *keyboard;
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
  if (data != NULL)
    {
      td_init (&f->tablet_td, VI_RAM_SIZE);
      td_init (&f->keyboard_td, VI_RAM_SIZE);
      f->tablet = virtio_input_new (&f->tablet_td.mem, VIRTIO_INPUT_TABLET);
      f->keyboard = virtio_input_new (&f->keyboard_td.mem, VIRTIO_INPUT_KEYBOARD);
      td_attach (&f->tablet_td, virtio_input_get_device (f->tablet));
      td_attach (&f->keyboard_td, virtio_input_get_device (f->keyboard));
      config.tablet = f->tablet;
      config.keyboard = f->keyboard;
    }
  f->console = display_console_new (&config);
  g_assert_nonnull (f->console);
  display_console_vnc_callbacks (f->console, &f->cb);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  display_console_free (f->console);
  if (f->tablet != NULL)
    {
      td_detach (&f->tablet_td);
      td_detach (&f->keyboard_td);
      virtio_input_free (f->tablet);
      virtio_input_free (f->keyboard);
      td_free_ram (&f->tablet_td);
      td_free_ram (&f->keyboard_td);
    }
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

/* The driver's side: n event buffers posted, DRIVER_OK. */
static void
vi_start (TestDriver *td,
          unsigned    n)
{
  td_start (td, VIRTIO_ID_INPUT, VI_FEATURES, 2);
  for (unsigned i = 0; i < n; i++)
    td_avail (td, 0, td_desc (td, 0, TD_DATA_BASE + 8 * i, 8, VIRTQ_DESC_F_WRITE, false));
  td_kick (td, 0);
}

/* The events the device put in the used ring, from element from on, as
 * "type:code:value" words. */
static char *
vi_events (TestDriver *td,
           uint16_t    from)
{
  GString *s = g_string_new (NULL);

  for (uint16_t n = from; n != td_used_idx (td, 0); n++)
    {
      uint32_t id, len;
      uint64_t gpa;
      uint16_t type, code;
      int32_t value;

      td_used_elem (td, 0, n, &id, &len);
      g_assert_cmpuint (len, ==, 8);
      memcpy (&gpa, td->ram + td->q[0].desc + 16 * id, 8);
      memcpy (&type, td->ram + gpa, 2);
      memcpy (&code, td->ram + gpa + 2, 2);
      memcpy (&value, td->ram + gpa + 4, 4);
      g_string_append_printf (s, "%s%u:%u:%d", s->len ? " " : "", type, code, value);
    }
  return g_string_free (s, FALSE);
}

#define ASSERT_EVENTS(td, from, expect) \
  G_STMT_START { g_autofree char *got_ = vi_events (td, from); g_assert_cmpstr (got_, ==, expect); } G_STMT_END

static void
test_virtio_keys (Fixture       *f,
                  gconstpointer  data)
{
  uint16_t used;

  /* No driver yet: PS/2, as without the device. */
  g_assert_true (display_console_key (f->console, true, 0, 0x1e));
  ASSERT_BYTES (f, "1e");

  /* Driver up: the virtio keyboard only, in Linux codes. */
  vi_start (&f->keyboard_td, 32);
  g_assert_true (display_console_key (f->console, false, 0, 0x1e));
  g_assert_true (display_console_key (f->console, true, 0, 0xc8));
  f->cb.key_event (f->cb.opaque, true, 'b', 0);
  ASSERT_BYTES (f, "");
  ASSERT_EVENTS (&f->keyboard_td, 0, "1:30:0 0:0:0 1:103:1 0:0:0 1:48:1 0:0:0");
  g_assert_false (display_console_key (f->console, true, 0x20ac, 0));

  /* The driver resets the device: back to PS/2. */
  used = td_used_idx (&f->keyboard_td, 0);
  td_wr (&f->keyboard_td, f->keyboard_td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_true (display_console_key (f->console, false, 0, 0xc8));
  ASSERT_BYTES (f, "e0 c8");
  g_assert_cmpuint (td_used_idx (&f->keyboard_td, 0), ==, used);
}

static void
test_virtio_pointer (Fixture       *f,
                     gconstpointer  data)
{
  GhVncFrame frame;

  i8042_command_ops.write (f->ctrl, 0, 0xd4, 1);
  i8042_data_ops.write (f->ctrl, 0, 0xf4, 1);
  ASSERT_BYTES (f, "fa");

  /* No driver yet: relative PS/2 motion. */
  f->cb.pointer_event (f->cb.opaque, 10, 10, 0);
  f->cb.pointer_event (f->cb.opaque, 15, 12, 0);
  ASSERT_BYTES (f, "28 05 fe");

  /* Driver up: absolute, scaled from the 720x400 text-mode picture. */
  g_assert_true (f->cb.acquire_frame (f->cb.opaque, &frame));
  f->cb.release_frame (f->cb.opaque);
  vi_start (&f->tablet_td, 64);
  f->cb.pointer_event (f->cb.opaque, 0, 0, 0);
  ASSERT_EVENTS (&f->tablet_td, 0, "3:0:0 3:1:0 0:0:0");
  f->cb.pointer_event (f->cb.opaque, 719, 399, GH_VNC_BUTTON_LEFT);
  ASSERT_EVENTS (&f->tablet_td, 3, "3:0:32767 3:1:32767 1:272:1 0:0:0");
  /* The middle: 360 * 32767 / 719, 200 * 32767 / 399; buttons that change
   * and the wheel (up is positive in evdev). */
  f->cb.pointer_event (f->cb.opaque, 360, 200, GH_VNC_BUTTON_RIGHT | GH_VNC_BUTTON_WHEEL_UP);
  ASSERT_EVENTS (&f->tablet_td, 7, "3:0:16406 3:1:16424 1:272:0 1:273:1 2:8:1 0:0:0");
  f->cb.pointer_event (f->cb.opaque, 5000, 5000, GH_VNC_BUTTON_WHEEL_DOWN);
  ASSERT_EVENTS (&f->tablet_td, 13, "3:0:32767 3:1:32767 1:273:0 2:8:-1 0:0:0");
  ASSERT_BYTES (f, "");

  /* The driver resets the device: back to PS/2, relative to the last
   * position. */
  td_wr (&f->tablet_td, f->tablet_td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  f->cb.pointer_event (f->cb.opaque, 4990, 5000, 0);
  ASSERT_BYTES (f, "18 f6 00");
}

#define ADD(name, fn) \
  g_test_add ("/vmm/display-console/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
#define ADD_VIRTIO(name, fn) \
  g_test_add ("/vmm/display-console/" name, Fixture, "virtio", fixture_setup, fn, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ADD ("frames", test_frames);
  ADD ("keys", test_keys);
  ADD ("pointer", test_pointer);
  ADD_VIRTIO ("virtio-keys", test_virtio_keys);
  ADD_VIRTIO ("virtio-pointer", test_virtio_pointer);
  return g_test_run ();
}
