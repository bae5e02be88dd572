/* test-vga.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "devices/vga.h"
#include "pci/pci-host.h"
#include "display/vga-font.h"

typedef struct
{
  Vga     *vga;
  unsigned moves;
  bool     mapped;
  uint64_t gpa;
} Fixture;

static void
on_vram_moved (void     *opaque,
               bool      mapped,
               uint64_t  gpa)
{
  Fixture *f = opaque;

  f->moves++;
  f->mapped = mapped;
  f->gpa = gpa;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->vga = vga_new (on_vram_moved, f);
  g_assert_nonnull (f->vga);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  vga_free (f->vga);
}

static void
dispi_set (Fixture  *f,
           uint16_t  index,
           uint16_t  value)
{
  vga_dispi_ops.write (f->vga, 0, index, 2);
  vga_dispi_ops.write (f->vga, 1, value, 2);
}

static uint16_t
dispi_get (Fixture  *f,
           uint16_t  index)
{
  vga_dispi_ops.write (f->vga, 0, index, 2);
  return (uint16_t) vga_dispi_ops.read (f->vga, 1, 2);
}

static void
port_out (Fixture  *f,
          unsigned  port,
          uint8_t   value)
{
  vga_ioport_ops.write (f->vga, port - VGA_IO_BASE, value, 1);
}

static uint8_t
port_in (Fixture  *f,
         unsigned  port)
{
  return (uint8_t) vga_ioport_ops.read (f->vga, port - VGA_IO_BASE, 1);
}

static const FbSurface *
surface (Fixture *f)
{
  return &vga_get_framebuffer (f->vga)->surface;
}

static uint32_t
pixel (Fixture  *f,
       uint32_t  x,
       uint32_t  y)
{
  const FbSurface *s = surface (f);
  uint32_t v;

  g_assert_cmpuint (x, <, s->width);
  g_assert_cmpuint (y, <, s->height);
  memcpy (&v, s->pixels + (size_t) y * s->stride + x * 4, 4);
  return v & 0xffffff;
}

static unsigned
take (Fixture *f,
      FbDirty *dirty)
{
  Framebuffer *fb = vga_get_framebuffer (f->vga);
  FbSurface s;
  bool resized;
  unsigned n;

  framebuffer_lock (fb);
  n = framebuffer_take (fb, &s, dirty, &resized);
  framebuffer_unlock (fb);
  return n;
}

static void
test_pci_identity (Fixture       *f,
                   gconstpointer  data)
{
  PciDevice *pci = vga_get_pci_device (f->vga);

  g_assert_cmphex (pci_device_config_read (pci, 0x00, 2), ==, 0x1234);
  g_assert_cmphex (pci_device_config_read (pci, 0x02, 2), ==, 0x1111);
  g_assert_cmphex (pci_device_config_read (pci, 0x08, 4) >> 8, ==, 0x030000);
  g_assert_cmphex (pci_device_bar_size (pci, VGA_VRAM_BAR), ==, 16u << 20);
  g_assert_cmphex (pci_device_bar_size (pci, VGA_MMIO_BAR), ==, 0x1000);
  /* Prefetchable 32-bit memory. */
  g_assert_cmphex (pci_device_config_read (pci, 0x10, 4) & 0xf, ==, 0x8);
}

static void
test_text_power_on (Fixture       *f,
                    gconstpointer  data)
{
  FbDirty dirty;
  uint32_t fg, bg;

  /* 'A', bright white on blue, in the top left cell; the cursor (at 0 after
   * power-on) out of the way in the last cell. */
  port_out (f, 0x3d4, 0x0e);
  port_out (f, 0x3d5, 1999 >> 8);
  port_out (f, 0x3d4, 0x0f);
  port_out (f, 0x3d5, 1999 & 0xff);
  vga_legacy_ops.write (f->vga, 0x18000, 0x1f41, 2);
  vga_refresh (f->vga, NULL, 0);
  g_assert_cmpuint (surface (f)->width, ==, 720);
  g_assert_cmpuint (surface (f)->height, ==, 400);
  take (f, &dirty);

  fg = 0xffffff;
  bg = 0x0000aa;
  for (uint32_t y = 0; y < 16; y++)
    for (uint32_t x = 0; x < 8; x++)
      {
        bool on = vga_font_8x16['A'][y] & (0x80 >> x);

        g_assert_cmphex (pixel (f, x, y), ==, (on ? fg : bg));
      }
  /* The glyph has pixels at all. */
  g_assert_cmphex (pixel (f, 3, 4), ==, fg);

  /* Only the changed cell is redrawn and reported. */
  vga_legacy_ops.write (f->vga, 0x18000 + 2 * 81, 0x0742, 2);
  vga_refresh (f->vga, NULL, 0);
  g_assert_cmpuint (take (f, &dirty), ==, 1);
  g_assert_cmpuint (dirty.rects[0].x, ==, 9);
  g_assert_cmpuint (dirty.rects[0].y, ==, 16);
  g_assert_cmpuint (dirty.rects[0].width, ==, 9);
  g_assert_cmpuint (dirty.rects[0].height, ==, 16);
  vga_refresh (f->vga, NULL, 0);
  g_assert_cmpuint (take (f, &dirty), ==, 0);
}

static void
test_text_cursor (Fixture       *f,
                  gconstpointer  data)
{
  FbDirty dirty;

  /* Cursor to row 1, column 2 (cell 82): scan lines 13-14 in light grey. */
  port_out (f, 0x3d4, 0x0e);
  port_out (f, 0x3d5, 0);
  port_out (f, 0x3d4, 0x0f);
  port_out (f, 0x3d5, 82);
  vga_refresh (f->vga, NULL, 0);
  take (f, &dirty);
  g_assert_cmphex (pixel (f, 2 * 9 + 3, 16 + 13), ==, 0xaaaaaa);
  g_assert_cmphex (pixel (f, 2 * 9 + 3, 16 + 12), ==, 0x000000);

  /* Moving it redraws two cells. */
  port_out (f, 0x3d5, 83);
  vga_refresh (f->vga, NULL, 0);
  g_assert_cmpuint (take (f, &dirty), ==, 1);
  g_assert_cmpuint (dirty.rects[0].x, ==, 18);
  g_assert_cmpuint (dirty.rects[0].width, ==, 18);
  g_assert_cmphex (pixel (f, 2 * 9 + 3, 16 + 13), ==, 0x000000);

  /* Disabled with bit 5 of the cursor start register. */
  port_out (f, 0x3d4, 0x0a);
  port_out (f, 0x3d5, 0x20);
  vga_refresh (f->vga, NULL, 0);
  g_assert_cmphex (pixel (f, 3 * 9 + 3, 16 + 13), ==, 0x000000);
}

static void
test_registers (Fixture       *f,
                gconstpointer  data)
{
  /* Sequencer, graphics controller, CRTC index/data, with word writes. */
  vga_ioport_ops.write (f->vga, 0x3c4 - VGA_IO_BASE, 0x0f02, 2);
  port_out (f, 0x3c4, 0x02);
  g_assert_cmphex (port_in (f, 0x3c5), ==, 0x0f);

  /* The attribute controller's flip-flop, reset by reading 0x3da. */
  (void) port_in (f, 0x3da);
  port_out (f, 0x3c0, 0x21);            /* index 1, PAS kept */
  port_out (f, 0x3c0, 0x3b);
  g_assert_cmphex (port_in (f, 0x3c1), ==, 0x3b);

  /* DAC: write entry 5, read it back. */
  port_out (f, 0x3c8, 5);
  port_out (f, 0x3c9, 0x3f);
  port_out (f, 0x3c9, 0x20);
  port_out (f, 0x3c9, 0x01);
  port_out (f, 0x3c7, 5);
  g_assert_cmphex (port_in (f, 0x3c9), ==, 0x3f);
  g_assert_cmphex (port_in (f, 0x3c9), ==, 0x20);
  g_assert_cmphex (port_in (f, 0x3c9), ==, 0x01);

  /* CRTC write protection of registers 0-7. */
  port_out (f, 0x3d4, 0x11);
  port_out (f, 0x3d5, 0x8e);
  port_out (f, 0x3d4, 0x01);
  port_out (f, 0x3d5, 0x27);
  g_assert_cmphex (port_in (f, 0x3d5), ==, 0x4f);

  /* Retrace toggles. */
  g_assert_cmphex (port_in (f, 0x3da) ^ port_in (f, 0x3da), ==, 0x09);
}

static void
test_dispi_mode (Fixture       *f,
                 gconstpointer  data)
{
  size_t size;
  uint8_t *vram = vga_get_vram (f->vga, &size);
  uint64_t bitmap[VGA_VRAM_SIZE / 4096 / 64] = { 0 };
  FbDirty dirty;

  g_assert_cmphex (dispi_get (f, VBE_DISPI_INDEX_ID), ==, VBE_DISPI_ID5);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_VIDEO_MEMORY_64K), ==, 256);
  dispi_set (f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_XRES), ==, FB_MAX_WIDTH);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_YRES), ==, FB_MAX_HEIGHT);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_BPP), ==, 32);
  dispi_set (f, VBE_DISPI_INDEX_ENABLE, 0);

  dispi_set (f, VBE_DISPI_INDEX_XRES, 1920);
  dispi_set (f, VBE_DISPI_INDEX_YRES, 1080);
  dispi_set (f, VBE_DISPI_INDEX_BPP, 32);
  dispi_set (f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_XRES), ==, 1920);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_YRES), ==, 1080);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_VIRT_WIDTH), ==, 1920);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_VIRT_HEIGHT), ==, (16u << 20) / (1920 * 4));
  g_assert_true (vga_uses_vram (f->vga));

  vga_refresh (f->vga, NULL, 0);
  g_assert_cmpuint (surface (f)->width, ==, 1920);
  g_assert_cmpuint (surface (f)->height, ==, 1080);
  g_assert_cmpuint (surface (f)->stride, ==, 1920 * 4);
  /* 32 bpp is shown straight from video memory. */
  g_assert_true (surface (f)->pixels == vram);
  take (f, &dirty);

  /* The guest draws (as through a KVM slot) and the dirty log says where. */
  memcpy (vram + 7680 * 100 + 40, "\x11\x22\x33\x00", 4);
  bitmap[(7680 * 100) / 4096 / 64] |= UINT64_C (1) << ((7680 * 100) / 4096 % 64);
  vga_refresh (f->vga, bitmap, G_N_ELEMENTS (bitmap) * 64);
  g_assert_cmpuint (take (f, &dirty), ==, 1);
  g_assert_cmpuint (dirty.rects[0].y, <=, 100);
  g_assert_cmpuint (dirty.rects[0].y + dirty.rects[0].height, >, 100);
  g_assert_cmphex (pixel (f, 10, 100), ==, 0x332211);
}

static void
test_dispi_bounds (Fixture       *f,
                   gconstpointer  data)
{
  /* Too big in every way: clamped to what fits, never past the memory. */
  dispi_set (f, VBE_DISPI_INDEX_XRES, 65535);
  dispi_set (f, VBE_DISPI_INDEX_YRES, 65535);
  dispi_set (f, VBE_DISPI_INDEX_BPP, 32);
  dispi_set (f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_NOCLEARMEM);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_XRES), ==, FB_MAX_WIDTH);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_YRES), ==, FB_MAX_HEIGHT);

  dispi_set (f, VBE_DISPI_INDEX_VIRT_WIDTH, 65535);
  g_assert_cmpuint ((uint64_t) dispi_get (f, VBE_DISPI_INDEX_VIRT_WIDTH) * 4
                    * dispi_get (f, VBE_DISPI_INDEX_YRES), <=, VGA_VRAM_SIZE);
  dispi_set (f, VBE_DISPI_INDEX_Y_OFFSET, 60000);
  dispi_set (f, VBE_DISPI_INDEX_X_OFFSET, 60000);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_Y_OFFSET), ==, 0);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_X_OFFSET), ==, 0);

  /* An unknown depth becomes 8 bpp; a bank past the end is refused. */
  dispi_set (f, VBE_DISPI_INDEX_BPP, 13);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_BPP), ==, 8);
  dispi_set (f, VBE_DISPI_INDEX_BANK, 256);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_BANK), ==, 0);
  vga_refresh (f->vga, NULL, 0);
  g_assert_cmpuint (surface (f)->width, ==, FB_MAX_WIDTH);

  /* Page flipping within the memory is kept. */
  dispi_set (f, VBE_DISPI_INDEX_XRES, 800);
  dispi_set (f, VBE_DISPI_INDEX_YRES, 600);
  dispi_set (f, VBE_DISPI_INDEX_BPP, 32);
  dispi_set (f, VBE_DISPI_INDEX_Y_OFFSET, 600);
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_Y_OFFSET), ==, 600);
  vga_refresh (f->vga, NULL, 0);
  g_assert_true (surface (f)->pixels == vga_get_vram (f->vga, NULL) + 800 * 4 * 600);
}

static void
test_dispi_16bpp_and_bank (Fixture       *f,
                           gconstpointer  data)
{
  FbDirty dirty;

  dispi_set (f, VBE_DISPI_INDEX_XRES, 640);
  dispi_set (f, VBE_DISPI_INDEX_YRES, 480);
  dispi_set (f, VBE_DISPI_INDEX_BPP, 16);
  dispi_set (f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED);
  vga_refresh (f->vga, NULL, 0);
  take (f, &dirty);

  /* Bank 1 of the legacy window is bytes 64 KiB on: row 51, x 64. */
  dispi_set (f, VBE_DISPI_INDEX_BANK, 1);
  vga_legacy_ops.write (f->vga, 0, 0xf800, 2);
  vga_refresh (f->vga, NULL, 0);
  {
    uint32_t w, h;

    vga_get_size (f->vga, &w, &h);
    g_assert_cmpuint (w, ==, 640);
    g_assert_cmpuint (h, ==, 480);
  }
  g_assert_cmphex (pixel (f, (65536 % 1280) / 2, 65536 / 1280), ==, 0xff0000);
  g_assert_cmpuint (take (f, &dirty), >=, 1);
}

static void
test_screendump (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("gh-vga-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "screen.png", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;

  vga_legacy_ops.write (f->vga, 0x18000, 0x0748, 2);
  g_assert_cmpint (vga_screendump (f->vga, path), ==, 0);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 720 * 400 * 3);
  g_assert_cmpmem (contents + 1, 3, "PNG", 3);
  /* Width and height in IHDR. */
  g_assert_cmphex ((guint8) contents[18] << 8 | (guint8) contents[19], ==, 720);
  g_assert_cmphex ((guint8) contents[22] << 8 | (guint8) contents[23], ==, 400);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_pci_bars (Fixture       *f,
               gconstpointer  data)
{
  PciHostConfig config = { 0 };
  IoBus pio, mmio;
  PciHost *host;
  PciDevice *pci = vga_get_pci_device (f->vga);
  uint64_t vram_addr = 0, mmio_addr = 0, v = 0;
  uint16_t w;
  FbDirty dirty;

  io_bus_init (&pio);
  io_bus_init (&mmio);
  config.pio = &pio;
  config.mmio = &mmio;
  host = pci_host_new (&config);
  g_assert_nonnull (host);
  g_assert_cmpint (pci_host_add_device (host, pci, -1), >, 0);
  g_assert_true (pci_device_bar_address (pci, VGA_VRAM_BAR, &vram_addr));
  g_assert_true (pci_device_bar_address (pci, VGA_MMIO_BAR, &mmio_addr));
  /* The VMM learns where to put its memory slot. */
  g_assert_cmpuint (f->moves, >=, 1);
  g_assert_true (f->mapped);
  g_assert_cmphex (f->gpa, ==, vram_addr);
  g_assert_cmphex (vram_addr % (16u << 20), ==, 0);

  /* QEMU's stdvga MMIO: DISPI registers at 0x500 + index * 2. */
  w = 800;
  g_assert_true (io_bus_write (&mmio, mmio_addr + 0x500 + 2 * VBE_DISPI_INDEX_XRES, &w, 2));
  w = 600;
  g_assert_true (io_bus_write (&mmio, mmio_addr + 0x500 + 2 * VBE_DISPI_INDEX_YRES, &w, 2));
  w = 32;
  g_assert_true (io_bus_write (&mmio, mmio_addr + 0x500 + 2 * VBE_DISPI_INDEX_BPP, &w, 2));
  w = VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED;
  g_assert_true (io_bus_write (&mmio, mmio_addr + 0x500 + 2 * VBE_DISPI_INDEX_ENABLE, &w, 2));
  g_assert_cmpuint (dispi_get (f, VBE_DISPI_INDEX_XRES), ==, 800);
  g_assert_true (io_bus_read (&mmio, mmio_addr + 0x500 + 2 * VBE_DISPI_INDEX_ID, &w, 2));
  g_assert_cmphex (w, ==, VBE_DISPI_ID5);
  /* The VGA ports at 0x400 + port - 0x3c0. */
  g_assert_true (io_bus_read (&mmio, mmio_addr + 0x400 + 0x3cc - 0x3c0, &v, 1));
  g_assert_cmphex (v, ==, 0x67);
  /* QEMU's extended registers: 8 bytes, little-endian framebuffer. */
  g_assert_true (io_bus_read (&mmio, mmio_addr + 0x600, &v, 4));
  g_assert_cmphex (v, ==, 8);
  g_assert_true (io_bus_read (&mmio, mmio_addr + 0x604, &v, 4));
  g_assert_cmphex (v, ==, 0x1e1e1e1e);

  vga_refresh (f->vga, NULL, 0);
  take (f, &dirty);
  /* BAR0 through MMIO exits (no KVM slot): the device tracks the page. */
  v = 0x00ff00;
  g_assert_true (io_bus_write (&mmio, vram_addr + 3200 * 300 + 8, &v, 4));
  vga_refresh (f->vga, (const uint64_t[]) { 0 }, 1);
  g_assert_cmpuint (take (f, &dirty), ==, 1);
  g_assert_cmpuint (dirty.rects[0].y, <=, 300);
  g_assert_cmpuint (dirty.rects[0].y + dirty.rects[0].height, >, 300);
  g_assert_cmphex (pixel (f, 2, 300), ==, 0x00ff00);

  pci_host_free (host);
  io_bus_destroy (&pio);
  io_bus_destroy (&mmio);
}

/* Whatever the guest writes, in whatever order, nothing reads or writes
 * outside the device's buffers (run it under ASan to see). */
static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  GRand *rand = g_rand_new_with_seed (0x5eed);
  FbDirty dirty;

  for (unsigned i = 0; i < 40000; i++)
    {
      uint32_t what = i % 200 == 199 ? 4 : g_rand_int_range (rand, 0, 4);
      uint32_t v = g_rand_int (rand);
      unsigned size = 1u << g_rand_int_range (rand, 0, 3);

      switch (what)
        {
        case 0:
          vga_ioport_ops.write (f->vga, g_rand_int_range (rand, 0, VGA_IO_LEN), v, size);
          (void) vga_ioport_ops.read (f->vga, g_rand_int_range (rand, 0, VGA_IO_LEN), size);
          break;
        case 1:
          dispi_set (f, (uint16_t) g_rand_int_range (rand, 0, 16), (uint16_t) v);
          break;
        case 2:
          /* Enable with a random mode now and then; mostly without
           * clearing memory, which is slow for big modes. */
          dispi_set (f, VBE_DISPI_INDEX_ENABLE,
                     (uint16_t) ((v & 0xc3) | (v & 0xf00 ? VBE_DISPI_NOCLEARMEM : 0)));
          break;
        case 3:
          vga_legacy_ops.write (f->vga, g_rand_int_range (rand, 0, VGA_LEGACY_SIZE), v, size);
          break;
        default:
          vga_refresh (f->vga, NULL, 0);
          take (f, &dirty);
          break;
        }
    }
  g_rand_free (rand);
}

#define ADD(name, fn) \
  g_test_add ("/vmm/vga/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ADD ("pci-identity", test_pci_identity);
  ADD ("text-power-on", test_text_power_on);
  ADD ("text-cursor", test_text_cursor);
  ADD ("registers", test_registers);
  ADD ("dispi-mode", test_dispi_mode);
  ADD ("dispi-bounds", test_dispi_bounds);
  ADD ("dispi-16bpp-bank", test_dispi_16bpp_and_bank);
  ADD ("screendump", test_screendump);
  ADD ("pci-bars", test_pci_bars);
  ADD ("hostile", test_hostile);
  return g_test_run ();
}
