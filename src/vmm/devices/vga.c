/* vga.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "display/png.h"
#include "display/vga-text.h"
#include "vga.h"

#define VGA_PAGE_SIZE      4096u
#define VGA_N_PAGES        (VGA_VRAM_SIZE / VGA_PAGE_SIZE)
#define VGA_BANK_SIZE      0x10000u
#define VGA_SHADOW_SIZE    ((size_t) FB_MAX_WIDTH * FB_MAX_HEIGHT * FB_BPP)

/* Mode 13h and friends: at most a 64 KiB window of chained pixels. */
#define VGA_CHAIN4_SIZE    0x10000u
#define VGA_TEXT_MEM_SIZE  0x8000u

#define VGA_MMIO_EDID_END  0x400
#define VGA_MMIO_PORTS     0x400
#define VGA_MMIO_DISPI     0x500
#define VGA_MMIO_QEXT      0x600
#define VGA_QEXT_SIZE      8
#define VGA_QEXT_LITTLE    0x1e1e1e1e

#define AR_PAS             0x20     /* palette address source: clear = screen blanked */

typedef enum
{
  VGA_SHOW_NONE,
  VGA_SHOW_TEXT,
  VGA_SHOW_CHAIN4,
  VGA_SHOW_PLANAR,
  VGA_SHOW_DISPI,
  VGA_SHOW_BLANK,
} VgaShow;

/* What the display side needs to know to draw a frame; compared with the
 * previous one to tell a mode change from a repaint. */
typedef struct
{
  VgaShow  show;
  uint32_t width;
  uint32_t height;
  uint32_t bpp;
  uint32_t stride;              /* bytes per row in the source */
  uint32_t pad;                 /* compared with memcmp: no hidden padding */
  uint64_t offset;              /* first byte of the picture in its source */
} VgaMode;

struct Vga
{
  pthread_mutex_t lock;         /* registers and the legacy buffer */
  PciDevice      *pci;
  uint8_t        *vram;
  uint8_t        *legacy;       /* 128 KiB behind 0xa0000 while DISPI is off */
  VgaVramMoved    vram_moved;
  void           *vram_moved_data;

  uint8_t         misc;
  uint8_t         seq_index;
  uint8_t         seq[8];
  uint8_t         gc_index;
  uint8_t         gc[16];
  uint8_t         crtc_index;
  uint8_t         crtc[32];
  uint8_t         ar_index;
  uint8_t         ar[0x15];
  bool            ar_flip;      /* next write to 0x3c0 is data */
  uint8_t         st1;
  uint8_t         dac_mask;
  uint8_t         dac_read;
  uint8_t         dac_write;
  uint8_t         dac_sub;
  uint8_t         dac_state;
  uint8_t         dac_latch[3];
  uint8_t         dac[256][3];
  uint16_t        dispi_index;
  uint16_t        dispi[VBE_DISPI_INDEX_NB];

  /* Pages of video memory written through our own ops (BAR0 without a KVM
   * slot, the banked window), set with atomics by vCPUs, taken by refresh. */
  uint64_t        own_dirty[VGA_N_PAGES / 64];

  /* Display side, under fb.lock. */
  Framebuffer     fb;
  uint8_t        *shadow;
  VgaMode         shown;
  uint32_t        shown_palette[256];
  VgaTextCache    text_cache;
  uint8_t         snapshot[VGA_CHAIN4_SIZE];
  uint8_t         chain4_prev[VGA_CHAIN4_SIZE];
};

/* Register values a PC BIOS leaves behind after setting mode 3 (80x25
 * colour text, 9x16 cells, 720x400). */
static const uint8_t vga_seq_mode3[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t vga_gc_mode3[9] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff };
static const uint8_t vga_crtc_mode3[0x19] = {
  0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
  0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
};
static const uint8_t vga_ar_mode3[0x15] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
  0x0c, 0x00, 0x0f, 0x08, 0x00,
};

static inline void
vga_mark_page (Vga      *vga,
               uint64_t  offset)
{
  uint64_t page = offset / VGA_PAGE_SIZE;

  if (page < VGA_N_PAGES)
    __atomic_fetch_or (&vga->own_dirty[page / 64], UINT64_C (1) << (page % 64), __ATOMIC_RELAXED);
}

/* ---- registers ---------------------------------------------------------- */

static void
vga_reset_locked (Vga *vga)
{
  vga->misc = 0x67;
  memset (vga->seq, 0, sizeof vga->seq);
  memcpy (vga->seq, vga_seq_mode3, sizeof vga_seq_mode3);
  memset (vga->gc, 0, sizeof vga->gc);
  memcpy (vga->gc, vga_gc_mode3, sizeof vga_gc_mode3);
  memset (vga->crtc, 0, sizeof vga->crtc);
  memcpy (vga->crtc, vga_crtc_mode3, sizeof vga_crtc_mode3);
  memcpy (vga->ar, vga_ar_mode3, sizeof vga_ar_mode3);
  vga->seq_index = vga->gc_index = vga->crtc_index = 0;
  vga->ar_index = AR_PAS;
  vga->ar_flip = false;
  vga->st1 = 0;
  vga->dac_mask = 0xff;
  vga->dac_read = vga->dac_write = vga->dac_sub = 0;
  vga->dac_state = 0;

  /* The DAC as mode 3 loads it: the EGA's 64 colours, two bits per channel
   * (bits 2/1/0 are red/green/blue at 2/3, bits 5/4/3 add 1/3), in 6 bits. */
  memset (vga->dac, 0, sizeof vga->dac);
  for (unsigned i = 0; i < 64; i++)
    {
      vga->dac[i][0] = (uint8_t) ((((i >> 2) & 1) * 2 + ((i >> 5) & 1)) * 0x15);
      vga->dac[i][1] = (uint8_t) ((((i >> 1) & 1) * 2 + ((i >> 4) & 1)) * 0x15);
      vga->dac[i][2] = (uint8_t) ((((i >> 0) & 1) * 2 + ((i >> 3) & 1)) * 0x15);
    }

  memset (vga->dispi, 0, sizeof vga->dispi);
  vga->dispi[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
  vga->dispi[VBE_DISPI_INDEX_XRES] = 640;
  vga->dispi[VBE_DISPI_INDEX_YRES] = 480;
  vga->dispi[VBE_DISPI_INDEX_BPP] = 32;
  vga->dispi_index = 0;
  memset (vga->legacy, 0, VGA_LEGACY_SIZE);
  /* Light grey on black, as a cleared BIOS screen is, so that a guest that
   * only writes characters gets visible text. */
  for (unsigned i = 0; i < 80 * 25; i++)
    vga->legacy[0x18000 + 2 * i + 1] = 0x07;
}

static unsigned
vga_dispi_bytes_per_pixel (unsigned bpp)
{
  return (bpp + 7) / 8;
}

/* Makes the DISPI registers describe a mode that fits in video memory, as
 * QEMU's vbe_fixup_regs does: an unknown depth becomes 8 bpp, the width a
 * multiple of 8 within the maximum, a virtual width at least the width,
 * fewer lines when they do not fit, offsets dropped when the picture would
 * reach past the end. */
static void
vga_dispi_fixup (Vga *vga)
{
  uint16_t *r = vga->dispi;
  uint32_t bpp = r[VBE_DISPI_INDEX_BPP];
  uint32_t xres = r[VBE_DISPI_INDEX_XRES], yres = r[VBE_DISPI_INDEX_YRES];
  uint32_t vw = r[VBE_DISPI_INDEX_VIRT_WIDTH];
  uint32_t xo = r[VBE_DISPI_INDEX_X_OFFSET], yo = r[VBE_DISPI_INDEX_Y_OFFSET];
  uint64_t line, vh, offset;
  unsigned bytes;

  if (bpp != 8 && bpp != 15 && bpp != 16 && bpp != 24 && bpp != 32)
    bpp = 8;
  bytes = vga_dispi_bytes_per_pixel (bpp);
  if (xres > FB_MAX_WIDTH)
    xres = FB_MAX_WIDTH;
  xres &= ~7u;
  if (xres == 0)
    xres = 8;
  if (yres > FB_MAX_HEIGHT)
    yres = FB_MAX_HEIGHT;
  if (yres == 0)
    yres = 1;
  if (vw < xres)
    vw = xres;
  line = (uint64_t) vw * bytes;
  vh = VGA_VRAM_SIZE / line;
  if (vh < yres)
    {
      vw = xres;
      line = (uint64_t) vw * bytes;
      vh = VGA_VRAM_SIZE / line;
      if (vh < yres)
        yres = (uint32_t) vh;
    }
  if (vh > 0xffff)
    vh = 0xffff;
  if (xo > vw - xres)
    xo = 0;
  offset = (uint64_t) yo * line + (uint64_t) xo * bytes;
  if (offset + line * yres > VGA_VRAM_SIZE)
    {
      xo = yo = 0;
    }
  r[VBE_DISPI_INDEX_BPP] = (uint16_t) bpp;
  r[VBE_DISPI_INDEX_XRES] = (uint16_t) xres;
  r[VBE_DISPI_INDEX_YRES] = (uint16_t) yres;
  r[VBE_DISPI_INDEX_VIRT_WIDTH] = (uint16_t) vw;
  r[VBE_DISPI_INDEX_VIRT_HEIGHT] = (uint16_t) vh;
  r[VBE_DISPI_INDEX_X_OFFSET] = (uint16_t) xo;
  r[VBE_DISPI_INDEX_Y_OFFSET] = (uint16_t) yo;
}

static uint16_t
vga_dispi_read (Vga *vga)
{
  unsigned index = vga->dispi_index;
  bool caps = vga->dispi[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS;

  switch (index)
    {
    case VBE_DISPI_INDEX_XRES:
      return caps ? FB_MAX_WIDTH : vga->dispi[index];
    case VBE_DISPI_INDEX_YRES:
      return caps ? FB_MAX_HEIGHT : vga->dispi[index];
    case VBE_DISPI_INDEX_BPP:
      return caps ? 32 : vga->dispi[index];
    case VBE_DISPI_INDEX_VIDEO_MEMORY_64K:
      return VGA_VRAM_SIZE / VGA_BANK_SIZE;
    default:
      return index < VBE_DISPI_INDEX_NB ? vga->dispi[index] : 0;
    }
}

static void
vga_dispi_write (Vga      *vga,
                 uint16_t  value)
{
  unsigned index = vga->dispi_index;
  uint16_t *r = vga->dispi;
  bool was_enabled = r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;

  switch (index)
    {
    case VBE_DISPI_INDEX_ID:
      if (value >= VBE_DISPI_ID0 && value <= VBE_DISPI_ID5)
        r[index] = value;
      return;

    case VBE_DISPI_INDEX_XRES:
    case VBE_DISPI_INDEX_YRES:
    case VBE_DISPI_INDEX_BPP:
      r[index] = value;
      /* The virtual width follows the width until it is set itself, as a
       * driver setting a mode expects when it reads it back. */
      if (index == VBE_DISPI_INDEX_XRES)
        r[VBE_DISPI_INDEX_VIRT_WIDTH] = value;
      r[VBE_DISPI_INDEX_X_OFFSET] = r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
      break;

    case VBE_DISPI_INDEX_ENABLE:
      r[index] = value;
      if ((value & VBE_DISPI_ENABLED) && !was_enabled)
        {
          vga_dispi_fixup (vga);
          r[VBE_DISPI_INDEX_BANK] = 0;
          if (!(value & VBE_DISPI_NOCLEARMEM))
            {
              uint64_t len = (uint64_t) r[VBE_DISPI_INDEX_VIRT_WIDTH]
                             * vga_dispi_bytes_per_pixel (r[VBE_DISPI_INDEX_BPP])
                             * r[VBE_DISPI_INDEX_YRES];

              memset (vga->vram, 0, len < VGA_VRAM_SIZE ? len : VGA_VRAM_SIZE);
            }
        }
      return;

    case VBE_DISPI_INDEX_BANK:
      /* Banks past the end of video memory are refused. */
      if ((uint32_t) value * VGA_BANK_SIZE < VGA_VRAM_SIZE)
        r[index] = value;
      return;

    case VBE_DISPI_INDEX_VIRT_WIDTH:
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
      r[index] = value;
      break;

    default:
      /* VIRT_HEIGHT and VIDEO_MEMORY_64K are computed; the rest is absent. */
      return;
    }
  if (r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED)
    vga_dispi_fixup (vga);
}

static uint8_t
vga_port_read (Vga      *vga,
               unsigned  port)
{
  uint8_t v = 0;

  switch (port)
    {
    case 0x3c0:
      v = vga->ar_flip ? 0 : vga->ar_index;
      break;
    case 0x3c1:
      v = (vga->ar_index & 0x1f) < sizeof vga->ar ? vga->ar[vga->ar_index & 0x1f] : 0;
      break;
    case 0x3c2:
      v = 0;                                    /* input status 0 */
      break;
    case 0x3c4:
      v = vga->seq_index;
      break;
    case 0x3c5:
      v = vga->seq[vga->seq_index & 7];
      break;
    case 0x3c6:
      v = vga->dac_mask;
      break;
    case 0x3c7:
      v = vga->dac_state;
      break;
    case 0x3c8:
      v = vga->dac_write;
      break;
    case 0x3c9:
      v = vga->dac[vga->dac_read][vga->dac_sub];
      if (++vga->dac_sub == 3)
        {
          vga->dac_sub = 0;
          vga->dac_read++;
        }
      break;
    case 0x3cc:
      v = vga->misc;
      break;
    case 0x3ce:
      v = vga->gc_index;
      break;
    case 0x3cf:
      v = vga->gc[vga->gc_index & 0x0f];
      break;
    case 0x3d4:
      v = vga->crtc_index;
      break;
    case 0x3d5:
      v = vga->crtc[vga->crtc_index & 0x1f];
      break;
    case 0x3da:
      /* Input status 1. Retrace and display-enable toggle on every read, so
       * that code waiting for a retrace edge sees one at once. */
      vga->ar_flip = false;
      vga->st1 ^= 0x09;
      v = vga->st1;
      break;
    default:
      v = 0xff;
      break;
    }
  return v;
}

static void
vga_port_write (Vga      *vga,
                unsigned  port,
                uint8_t   v)
{
  switch (port)
    {
    case 0x3c0:
      if (!vga->ar_flip)
        vga->ar_index = v & 0x3f;
      else if ((vga->ar_index & 0x1f) < sizeof vga->ar)
        vga->ar[vga->ar_index & 0x1f] = v;
      vga->ar_flip = !vga->ar_flip;
      break;
    case 0x3c2:
      vga->misc = v;
      break;
    case 0x3c4:
      vga->seq_index = v & 7;
      break;
    case 0x3c5:
      vga->seq[vga->seq_index & 7] = v;
      break;
    case 0x3c6:
      vga->dac_mask = v;
      break;
    case 0x3c7:
      vga->dac_read = v;
      vga->dac_sub = 0;
      vga->dac_state = 3;
      break;
    case 0x3c8:
      vga->dac_write = v;
      vga->dac_sub = 0;
      vga->dac_state = 0;
      break;
    case 0x3c9:
      vga->dac_latch[vga->dac_sub++] = v;
      if (vga->dac_sub == 3)
        {
          memcpy (vga->dac[vga->dac_write], vga->dac_latch, 3);
          vga->dac_write++;
          vga->dac_sub = 0;
        }
      break;
    case 0x3ce:
      vga->gc_index = v & 0x0f;
      break;
    case 0x3cf:
      vga->gc[vga->gc_index & 0x0f] = v;
      break;
    case 0x3d4:
      vga->crtc_index = v & 0x1f;
      break;
    case 0x3d5:
      {
        unsigned i = vga->crtc_index & 0x1f;

        /* CRTC 0x11 bit 7 write-protects registers 0-7, but for the line
         * compare bit (bit 4) of the overflow register 7. */
        if ((vga->crtc[0x11] & 0x80) && i <= 7)
          {
            if (i == 7)
              vga->crtc[7] = (vga->crtc[7] & ~0x10) | (v & 0x10);
            break;
          }
        vga->crtc[i] = v;
      }
      break;
    default:
      break;
    }
}

/* Accesses wider than a byte to the VGA ports are byte accesses to
 * consecutive ports (outw to an index port sets index and data at once). */
static uint64_t
vga_ports_read (Vga      *vga,
                unsigned  port,
                unsigned  size)
{
  uint64_t v = 0;

  if (size == 0 || size > 8)
    return 0;
  pthread_mutex_lock (&vga->lock);
  for (unsigned i = 0; i < size; i++)
    {
      uint8_t b = port + i < VGA_IO_BASE + VGA_IO_LEN ? vga_port_read (vga, port + i) : 0xff;

      v |= (uint64_t) b << (8 * i);
    }
  pthread_mutex_unlock (&vga->lock);
  return v;
}

static void
vga_ports_write (Vga      *vga,
                 unsigned  port,
                 uint64_t  value,
                 unsigned  size)
{
  if (size == 0 || size > 8)
    return;
  pthread_mutex_lock (&vga->lock);
  for (unsigned i = 0; i < size && port + i < VGA_IO_BASE + VGA_IO_LEN; i++)
    vga_port_write (vga, port + i, (uint8_t) (value >> (8 * i)));
  pthread_mutex_unlock (&vga->lock);
}

static uint64_t
vga_ioport_read (void     *opaque,
                 uint64_t  offset,
                 unsigned  size)
{
  return vga_ports_read (opaque, VGA_IO_BASE + (unsigned) offset, size);
}

static void
vga_ioport_write (void     *opaque,
                  uint64_t  offset,
                  uint64_t  value,
                  unsigned  size)
{
  vga_ports_write (opaque, VGA_IO_BASE + (unsigned) offset, value, size);
}

const IoBusOps vga_ioport_ops = {
  .name  = "vga",
  .read  = vga_ioport_read,
  .write = vga_ioport_write,
};

/* 0x1ce: index; 0x1cf (and 0x1d0, an alias some BIOSes use): data. */
static uint64_t
vga_dispi_port_read (void     *opaque,
                     uint64_t  offset,
                     unsigned  size)
{
  Vga *vga = opaque;
  uint16_t v;

  pthread_mutex_lock (&vga->lock);
  v = offset == 0 ? vga->dispi_index : vga_dispi_read (vga);
  pthread_mutex_unlock (&vga->lock);
  return size == 1 ? (v & 0xff) : v;
}

static void
vga_dispi_port_write (void     *opaque,
                      uint64_t  offset,
                      uint64_t  value,
                      unsigned  size)
{
  Vga *vga = opaque;

  pthread_mutex_lock (&vga->lock);
  if (offset == 0)
    vga->dispi_index = (uint16_t) value;
  else
    vga_dispi_write (vga, (uint16_t) value);
  pthread_mutex_unlock (&vga->lock);
}

const IoBusOps vga_dispi_ops = {
  .name  = "vga-dispi",
  .read  = vga_dispi_port_read,
  .write = vga_dispi_port_write,
};

/* ---- memory ------------------------------------------------------------- */

/* Where an access to the legacy window lands: a bank of video memory while
 * DISPI is on, else the legacy buffer. NULL for nothing (a bank past the end,
 * the upper 64 KiB in DISPI modes). Called with the lock held. */
static uint8_t *
vga_legacy_target (Vga      *vga,
                   uint64_t  offset,
                   unsigned  size,
                   bool      write)
{
  if (size == 0 || size > 8 || offset > VGA_LEGACY_SIZE - size)
    return NULL;
  if (vga->dispi[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED)
    {
      uint64_t at = (uint64_t) vga->dispi[VBE_DISPI_INDEX_BANK] * VGA_BANK_SIZE + offset;

      if (offset + size > VGA_BANK_SIZE || at + size > VGA_VRAM_SIZE)
        return NULL;
      if (write)
        {
          vga_mark_page (vga, at);
          vga_mark_page (vga, at + size - 1);
        }
      return vga->vram + at;
    }
  return vga->legacy + offset;
}

static uint64_t
vga_legacy_read (void     *opaque,
                 uint64_t  offset,
                 unsigned  size)
{
  Vga *vga = opaque;
  uint64_t v = UINT64_MAX;
  uint8_t *p;

  pthread_mutex_lock (&vga->lock);
  p = vga_legacy_target (vga, offset, size, false);
  if (p != NULL)
    {
      v = 0;
      memcpy (&v, p, size);
    }
  pthread_mutex_unlock (&vga->lock);
  if (size < 8)
    v &= (UINT64_C (1) << (8 * size)) - 1;
  return v;
}

static void
vga_legacy_write (void     *opaque,
                  uint64_t  offset,
                  uint64_t  value,
                  unsigned  size)
{
  Vga *vga = opaque;
  uint8_t *p;

  pthread_mutex_lock (&vga->lock);
  p = vga_legacy_target (vga, offset, size, true);
  if (p != NULL)
    memcpy (p, &value, size);
  pthread_mutex_unlock (&vga->lock);
}

const IoBusOps vga_legacy_ops = {
  .name  = "vga-legacy",
  .read  = vga_legacy_read,
  .write = vga_legacy_write,
};

/* BAR0 while it is not a KVM slot. Video memory is written by the guest
 * without any lock once it is a slot, so these need none either. */
static uint64_t
vga_vram_read (void     *opaque,
               uint64_t  offset,
               unsigned  size)
{
  Vga *vga = opaque;
  uint64_t v = 0;

  if (size == 0 || size > 8 || offset >= VGA_VRAM_SIZE || size > VGA_VRAM_SIZE - offset)
    return 0;
  memcpy (&v, vga->vram + offset, size);
  return v;
}

static void
vga_vram_write (void     *opaque,
                uint64_t  offset,
                uint64_t  value,
                unsigned  size)
{
  Vga *vga = opaque;

  if (size == 0 || size > 8 || offset >= VGA_VRAM_SIZE || size > VGA_VRAM_SIZE - offset)
    return;
  memcpy (vga->vram + offset, &value, size);
  vga_mark_page (vga, offset);
  vga_mark_page (vga, offset + size - 1);
}

static const IoBusOps vga_vram_ops = {
  .name  = "vga-vram",
  .read  = vga_vram_read,
  .write = vga_vram_write,
};

static uint64_t
vga_mmio_read (void     *opaque,
               uint64_t  offset,
               unsigned  size)
{
  Vga *vga = opaque;
  uint64_t v = 0;

  if (offset >= VGA_MMIO_PORTS && offset < VGA_MMIO_PORTS + VGA_IO_LEN)
    return vga_ports_read (vga, VGA_IO_BASE + (unsigned) (offset - VGA_MMIO_PORTS), size);
  if (offset >= VGA_MMIO_DISPI && offset < VGA_MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB)
    {
      pthread_mutex_lock (&vga->lock);
      vga->dispi_index = (uint16_t) ((offset - VGA_MMIO_DISPI) / 2);
      v = vga_dispi_read (vga);
      pthread_mutex_unlock (&vga->lock);
      if (offset & 1)
        v >>= 8;
      return size == 1 ? (v & 0xff) : v;
    }
  if (offset == VGA_MMIO_QEXT && size == 4)
    return VGA_QEXT_SIZE;
  if (offset == VGA_MMIO_QEXT + 4 && size == 4)
    return VGA_QEXT_LITTLE;
  /* Also the EDID block: there is none, and a header of zeros says so. */
  return 0;
}

static void
vga_mmio_write (void     *opaque,
                uint64_t  offset,
                uint64_t  value,
                unsigned  size)
{
  Vga *vga = opaque;

  if (offset >= VGA_MMIO_PORTS && offset < VGA_MMIO_PORTS + VGA_IO_LEN)
    {
      vga_ports_write (vga, VGA_IO_BASE + (unsigned) (offset - VGA_MMIO_PORTS), value, size);
      return;
    }
  if (offset >= VGA_MMIO_DISPI && offset < VGA_MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB
      && size == 2 && !(offset & 1))
    {
      pthread_mutex_lock (&vga->lock);
      vga->dispi_index = (uint16_t) ((offset - VGA_MMIO_DISPI) / 2);
      vga_dispi_write (vga, (uint16_t) value);
      pthread_mutex_unlock (&vga->lock);
    }
  /* QEXT's endianness register: only little-endian is offered, a write of
   * anything is ignored. */
}

static const IoBusOps vga_mmio_ops = {
  .name  = "vga-mmio",
  .read  = vga_mmio_read,
  .write = vga_mmio_write,
};

/* ---- display side ------------------------------------------------------- */

static uint32_t
vga_dac_xrgb (const Vga *vga,
              uint8_t    index,
              bool       dac8)
{
  const uint8_t *c = vga->dac[index & vga->dac_mask];

  if (dac8)
    return (uint32_t) c[0] << 16 | (uint32_t) c[1] << 8 | c[2];
  /* 6-bit DAC values to 8 bits, 0x3f becoming 0xff. */
  return (uint32_t) ((c[0] & 0x3f) * 255 / 63) << 16 | (uint32_t) ((c[1] & 0x3f) * 255 / 63) << 8
         | (uint32_t) ((c[2] & 0x3f) * 255 / 63);
}

/* Attribute colour (0-15) through the attribute controller's palette and
 * colour select register to a DAC entry. */
static uint8_t
vga_ar_colour (const Vga *vga,
               unsigned   colour)
{
  uint8_t v = vga->ar[colour & 0x0f];

  if (vga->ar[0x10] & 0x80)
    return (uint8_t) (((vga->ar[0x14] & 0x0f) << 4) | (v & 0x0f));
  return (uint8_t) (((vga->ar[0x14] & 0x0c) << 4) | (v & 0x3f));
}

static uint32_t
vga_crtc_lines (const Vga *vga)
{
  const uint8_t *c = vga->crtc;

  return (c[0x12] | ((c[0x07] & 0x02) << 7) | ((c[0x07] & 0x40) << 3)) + 1u;
}

/* Reads the registers into a mode and, for text, the text state; copies
 * what the renderer needs out of the legacy buffer. Lock held. */
static void
vga_snapshot_locked (Vga          *vga,
                     VgaMode      *mode,
                     VgaTextState *text,
                     uint32_t     *palette)
{
  const uint16_t *r = vga->dispi;
  bool dac8 = r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;

  memset (mode, 0, sizeof *mode);
  for (unsigned i = 0; i < 256; i++)
    palette[i] = vga_dac_xrgb (vga, (uint8_t) i, dac8);

  if (!(vga->ar_index & AR_PAS))
    {
      mode->show = VGA_SHOW_BLANK;
    }
  else if (r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED)
    {
      unsigned bytes = vga_dispi_bytes_per_pixel (r[VBE_DISPI_INDEX_BPP]);

      mode->show = VGA_SHOW_DISPI;
      mode->width = r[VBE_DISPI_INDEX_XRES];
      mode->height = r[VBE_DISPI_INDEX_YRES];
      mode->bpp = r[VBE_DISPI_INDEX_BPP];
      mode->stride = (uint32_t) r[VBE_DISPI_INDEX_VIRT_WIDTH] * bytes;
      mode->offset = (uint64_t) r[VBE_DISPI_INDEX_Y_OFFSET] * mode->stride
                     + (uint64_t) r[VBE_DISPI_INDEX_X_OFFSET] * bytes;
      /* vga_dispi_fixup keeps the picture inside video memory: this is the
       * belt to its braces, in case a path to the registers skipped it. */
      if (mode->width == 0 || mode->height == 0 || mode->width > FB_MAX_WIDTH
          || mode->height > FB_MAX_HEIGHT || mode->stride < mode->width * bytes
          || mode->offset + (uint64_t) mode->stride * mode->height > VGA_VRAM_SIZE)
        mode->show = VGA_SHOW_BLANK;
    }
  else if (!(vga->gc[6] & 0x01))
    {
      uint32_t cheight = (vga->crtc[0x09] & 0x1f) + 1u;
      uint32_t lines = vga_crtc_lines (vga);
      unsigned map = (vga->gc[6] >> 2) & 3;

      if (vga->crtc[0x09] & 0x80)
        lines /= 2;
      text->cols = vga->crtc[0x01] + 1u;
      text->char_height = cheight;
      text->rows = lines / cheight;
      text->char_width = (vga->seq[1] & 0x01) ? 8 : 9;
      text->start = (uint32_t) vga->crtc[0x0c] << 8 | vga->crtc[0x0d];
      text->cursor_start = vga->crtc[0x0a] & 0x1f;
      text->cursor_end = vga->crtc[0x0b] & 0x1f;
      text->cursor = (vga->crtc[0x0a] & 0x20) || text->cursor_start > text->cursor_end
                     ? -1 : (int32_t) ((uint32_t) vga->crtc[0x0e] << 8 | vga->crtc[0x0f]);
      for (unsigned i = 0; i < 16; i++)
        text->palette[i] = palette[vga_ar_colour (vga, i)];
      vga_text_sanitize (text);
      mode->show = VGA_SHOW_TEXT;
      mode->width = vga_text_width (text);
      mode->height = vga_text_height (text);
      mode->stride = mode->width * FB_BPP;
      mode->offset = map == 3 ? 0x18000 : map == 2 ? 0x10000 : 0;
      memcpy (vga->snapshot, vga->legacy + mode->offset, VGA_TEXT_MEM_SIZE);
    }
  else
    {
      uint32_t lines = vga_crtc_lines (vga);

      lines /= ((vga->crtc[0x09] & 0x1f) + 1u) * ((vga->crtc[0x09] & 0x80) ? 2 : 1);
      mode->width = (vga->crtc[0x01] + 1u) * ((vga->seq[4] & 0x08) ? 4 : 8);
      mode->height = lines;
      if (mode->width > FB_MAX_WIDTH)
        mode->width = FB_MAX_WIDTH;
      if (mode->height > FB_MAX_HEIGHT)
        mode->height = FB_MAX_HEIGHT;
      if (mode->width == 0 || mode->height == 0)
        mode->show = VGA_SHOW_BLANK;
      else if (vga->seq[4] & 0x08)
        {
          /* Chain-4, 256 colours: mode 13h, one byte per pixel. */
          mode->show = VGA_SHOW_CHAIN4;
          mode->bpp = 8;
          mode->stride = mode->width;
          if ((uint64_t) mode->width * mode->height > VGA_CHAIN4_SIZE)
            mode->height = VGA_CHAIN4_SIZE / mode->width;
          memcpy (vga->snapshot, vga->legacy, VGA_CHAIN4_SIZE);
        }
      else
        mode->show = VGA_SHOW_PLANAR;
    }
  if (mode->show == VGA_SHOW_BLANK || mode->show == VGA_SHOW_PLANAR)
    {
      /* Keep the size shown before, so a blanked screen does not resize
       * the viewer; start from 640x480 for nothing. */
      if (mode->width == 0 || mode->height == 0)
        {
          mode->width = vga->shown.width ? vga->shown.width : 640;
          mode->height = vga->shown.height ? vga->shown.height : 480;
        }
      mode->stride = mode->width * FB_BPP;
    }
}

static uint32_t
vga_convert_pixel (const uint8_t  *src,
                   uint32_t        bpp,
                   const uint32_t *palette)
{
  uint32_t v, r, g, b;

  switch (bpp)
    {
    case 8:
      return palette[src[0]];
    case 15:
      v = src[0] | src[1] << 8;
      r = (v >> 10) & 0x1f;
      g = (v >> 5) & 0x1f;
      b = v & 0x1f;
      return (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
    case 16:
      v = src[0] | src[1] << 8;
      r = (v >> 11) & 0x1f;
      g = (v >> 5) & 0x3f;
      b = v & 0x1f;
      return (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
    case 24:
      return (uint32_t) src[2] << 16 | (uint32_t) src[1] << 8 | src[0];
    default:
      return (uint32_t) src[2] << 16 | (uint32_t) src[1] << 8 | src[0];
    }
}

static void
vga_convert_rows (Vga            *vga,
                  const VgaMode  *mode,
                  const uint8_t  *src,
                  const uint32_t *palette,
                  uint32_t        y0,
                  uint32_t        y1)
{
  unsigned bytes = vga_dispi_bytes_per_pixel (mode->bpp);

  for (uint32_t y = y0; y < y1 && y < mode->height; y++)
    {
      const uint8_t *in = src + mode->offset + (size_t) y * mode->stride;
      uint32_t *out = (uint32_t *) (vga->shadow + (size_t) y * mode->width * FB_BPP);

      for (uint32_t x = 0; x < mode->width; x++)
        out[x] = vga_convert_pixel (in + (size_t) x * bytes, mode->bpp, palette);
    }
}

static void
vga_take_own_dirty (Vga      *vga,
                    uint64_t *pages)
{
  for (unsigned i = 0; i < VGA_N_PAGES / 64; i++)
    pages[i] = __atomic_exchange_n (&vga->own_dirty[i], 0, __ATOMIC_RELAXED);
}

void
vga_refresh (Vga            *vga,
             const uint64_t *dirty_pages,
             size_t          n_pages)
{
  uint64_t pages[VGA_N_PAGES / 64];
  uint32_t palette[256];
  VgaTextState text = { 0 };
  VgaMode mode;
  bool changed, palette_changed;
  Framebuffer *fb = &vga->fb;
  FbDirty dirty;

  framebuffer_lock (fb);
  pthread_mutex_lock (&vga->lock);
  vga_snapshot_locked (vga, &mode, &text, palette);
  pthread_mutex_unlock (&vga->lock);
  vga_take_own_dirty (vga, pages);

  changed = memcmp (&mode, &vga->shown, sizeof mode) != 0;
  palette_changed = memcmp (palette, vga->shown_palette, sizeof palette) != 0;
  fb_dirty_clear (&dirty);

  switch (mode.show)
    {
    case VGA_SHOW_TEXT:
      if (changed)
        vga->text_cache.valid = false;
      framebuffer_set_surface (fb, mode.width, mode.height, mode.stride, vga->shadow);
      vga_text_render (&vga->text_cache, &text, vga->snapshot, VGA_TEXT_MEM_SIZE / 2,
                       vga->shadow, mode.stride, &dirty);
      break;

    case VGA_SHOW_DISPI:
      if (dirty_pages != NULL)
        {
          size_t n = n_pages < VGA_N_PAGES ? n_pages : VGA_N_PAGES;

          for (size_t i = 0; i < (n + 63) / 64; i++)
            {
              uint64_t w = dirty_pages[i];

              if (n - i * 64 < 64)
                w &= (UINT64_C (1) << (n - i * 64)) - 1;
              pages[i] |= w;
            }
        }
      else
        memset (pages, 0xff, sizeof pages);
      if (mode.bpp == 32)
        {
          framebuffer_set_surface (fb, mode.width, mode.height, mode.stride,
                                   vga->vram + mode.offset);
          if (!changed)
            fb_dirty_from_pages (&dirty, pages, VGA_N_PAGES, mode.offset, mode.stride,
                                 mode.width, mode.height);
          break;
        }
      framebuffer_set_surface (fb, mode.width, mode.height, mode.width * FB_BPP, vga->shadow);
      if (changed || (mode.bpp == 8 && palette_changed))
        {
          FbRect all = { 0, 0, mode.width, mode.height };

          vga_convert_rows (vga, &mode, vga->vram, palette, 0, mode.height);
          fb_dirty_add (&dirty, &all, mode.width, mode.height);
        }
      else
        {
          fb_dirty_from_pages (&dirty, pages, VGA_N_PAGES, mode.offset, mode.stride,
                               mode.width, mode.height);
          for (unsigned i = 0; i < dirty.n_rects; i++)
            vga_convert_rows (vga, &mode, vga->vram, palette, dirty.rects[i].y,
                              dirty.rects[i].y + dirty.rects[i].height);
        }
      break;

    case VGA_SHOW_CHAIN4:
      framebuffer_set_surface (fb, mode.width, mode.height, mode.width * FB_BPP, vga->shadow);
      if (changed || palette_changed
          || memcmp (vga->snapshot, vga->chain4_prev, VGA_CHAIN4_SIZE) != 0)
        {
          FbRect all = { 0, 0, mode.width, mode.height };

          memcpy (vga->chain4_prev, vga->snapshot, VGA_CHAIN4_SIZE);
          vga_convert_rows (vga, &mode, vga->snapshot, palette, 0, mode.height);
          fb_dirty_add (&dirty, &all, mode.width, mode.height);
        }
      break;

    case VGA_SHOW_PLANAR:
    case VGA_SHOW_BLANK:
    case VGA_SHOW_NONE:
    default:
      framebuffer_set_surface (fb, mode.width, mode.height, mode.stride, vga->shadow);
      if (changed)
        {
          memset (vga->shadow, 0, (size_t) mode.stride * mode.height);
          vga->text_cache.valid = false;
        }
      break;
    }

  for (unsigned i = 0; i < dirty.n_rects; i++)
    framebuffer_add_dirty (fb, &dirty.rects[i]);
  vga->shown = mode;
  memcpy (vga->shown_palette, palette, sizeof palette);
  framebuffer_unlock (fb);
}

int
vga_screendump (Vga        *vga,
                const char *path)
{
  int ret;

  vga_refresh (vga, NULL, 0);
  framebuffer_lock (&vga->fb);
  ret = png_write_file (path, &vga->fb.surface);
  framebuffer_unlock (&vga->fb);
  return ret;
}

void
vga_get_size (Vga      *vga,
              uint32_t *width,
              uint32_t *height)
{
  framebuffer_lock (&vga->fb);
  *width = vga->fb.surface.width;
  *height = vga->fb.surface.height;
  framebuffer_unlock (&vga->fb);
}

bool
vga_uses_vram (Vga *vga)
{
  bool uses;

  pthread_mutex_lock (&vga->lock);
  uses = (vga->dispi[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED) != 0;
  pthread_mutex_unlock (&vga->lock);
  return uses;
}

/* ---- life cycle --------------------------------------------------------- */

static void
vga_pci_bar_moved (void     *opaque,
                   unsigned  bar,
                   bool      mapped,
                   uint64_t  addr)
{
  Vga *vga = opaque;

  if (bar == VGA_VRAM_BAR && vga->vram_moved != NULL)
    vga->vram_moved (vga->vram_moved_data, mapped, addr);
}

static const PciDeviceOps vga_pci_ops = {
  .bar_moved = vga_pci_bar_moved,
};

Vga *
vga_new (VgaVramMoved  vram_moved,
         void         *opaque)
{
  PciDeviceInfo info = {
    .vendor_id = VGA_PCI_VENDOR_ID,
    .device_id = VGA_PCI_DEVICE_ID,
    /* What QEMU's VGA says: Red Hat's subsystem ids. */
    .subsystem_vendor_id = 0x1af4,
    .subsystem_id = 0x1100,
    .revision = 2,
    .class_code = 0x030000,
  };
  Vga *vga = calloc (1, sizeof *vga);

  if (vga == NULL)
    return NULL;
  pthread_mutex_init (&vga->lock, NULL);
  framebuffer_init (&vga->fb);
  vga->vram_moved = vram_moved;
  vga->vram_moved_data = opaque;
  /* Both big buffers are reserved, not committed: a guest in text mode
   * never touches video memory, and the shadow only as far as its mode. */
  vga->vram = mmap (NULL, VGA_VRAM_SIZE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  vga->shadow = mmap (NULL, VGA_SHADOW_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  vga->legacy = malloc (VGA_LEGACY_SIZE);
  if (vga->vram == MAP_FAILED)
    vga->vram = NULL;
  if (vga->shadow == MAP_FAILED)
    vga->shadow = NULL;
  vga->pci = pci_device_new (&info, &vga_pci_ops, vga);
  if (vga->vram == NULL || vga->shadow == NULL || vga->legacy == NULL || vga->pci == NULL
      || pci_device_set_bar (vga->pci, VGA_VRAM_BAR, PCI_BAR_MEM32, VGA_VRAM_SIZE, true,
                             &vga_vram_ops, vga) < 0
      || pci_device_set_bar (vga->pci, VGA_MMIO_BAR, PCI_BAR_MEM32, VGA_MMIO_SIZE, false,
                             &vga_mmio_ops, vga) < 0)
    {
      vga_free (vga);
      return NULL;
    }
  vga_reset_locked (vga);
  return vga;
}

void
vga_free (Vga *vga)
{
  if (vga == NULL)
    return;
  if (vga->pci != NULL)
    pci_device_free (vga->pci);
  if (vga->vram != NULL)
    munmap (vga->vram, VGA_VRAM_SIZE);
  if (vga->shadow != NULL)
    munmap (vga->shadow, VGA_SHADOW_SIZE);
  free (vga->legacy);
  framebuffer_destroy (&vga->fb);
  pthread_mutex_destroy (&vga->lock);
  free (vga);
}

void
vga_reset (Vga *vga)
{
  pthread_mutex_lock (&vga->lock);
  vga_reset_locked (vga);
  pthread_mutex_unlock (&vga->lock);
}

PciDevice *
vga_get_pci_device (Vga *vga)
{
  return vga->pci;
}

uint8_t *
vga_get_vram (Vga    *vga,
              size_t *size)
{
  if (size != NULL)
    *size = VGA_VRAM_SIZE;
  return vga->vram;
}

Framebuffer *
vga_get_framebuffer (Vga *vga)
{
  return &vga->fb;
}
