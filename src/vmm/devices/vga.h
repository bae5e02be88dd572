/* vga.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/io-bus.h"
#include "display/framebuffer.h"
#include "pci/pci-device.h"

/* A PCI VGA adapter compatible with QEMU's "-device VGA" (the Bochs/QEMU
 * "stdvga"): PCI 1234:1111, class 0300, which Linux drives with bochs-drm and
 * SeaVGABIOS/OVMF with their Bochs VBE code.
 *
 *   BAR0  16 MiB prefetchable memory: video memory, linear framebuffer.
 *         It is plain memory: the VMM maps vga_get_vram() as a KVM memory
 *         slot at the BAR's address (with dirty logging) and moves the slot
 *         when vram_moved says so. vga_vram_ops serves the BAR while no slot
 *         is there, slowly, through MMIO exits.
 *   BAR2  4 KiB MMIO, QEMU's layout: 0x000-0x3ff EDID (none: reads 0),
 *         0x400-0x41f the VGA ports 0x3c0-0x3df, 0x500-0x515 the DISPI
 *         registers (16-bit, 0x500 + index * 2), 0x600-0x607 QEMU's extended
 *         registers (size, framebuffer endianness: little).
 *   ports 0x3c0-0x3df  VGA registers (attribute, misc, sequencer, DAC,
 *         graphics controller, colour CRTC, input status)
 *   ports 0x1ce-0x1d0  Bochs DISPI index (0x1ce) and data (0x1cf, 0x1d0)
 *   0xa0000-0xbfffff   legacy memory window: text mode at 0xb8000 and mode
 *         13h at 0xa0000 (a separate 128 KiB buffer), or with DISPI on, the
 *         64 KiB bank of video memory that the bank register selects.
 *
 * Shown: 80x25 text mode at power-on, as a BIOS leaves it (attribute colours
 * through the attribute controller palette and the DAC, cursor from CRTC
 * registers 0x0a/0x0b/0x0e/0x0f, no blinking); other text geometries from the
 * CRTC; mode 13h (320x200, 256 colours); DISPI modes of 8, 15, 16, 24 and
 * 32 bpp up to FB_MAX_WIDTH x FB_MAX_HEIGHT with virtual width and x/y
 * offsets (page flipping). Planar 16-colour modes (0x12 and friends) are
 * decoded into registers but show black.
 *
 * Everything the guest writes is checked: a DISPI mode that does not fit in
 * video memory is clamped as QEMU does (fewer lines, offsets dropped), never
 * read past the end.
 *
 * Threads: vCPUs call the ops; the display side calls vga_refresh and reads
 * the framebuffer; the control thread may call vga_screendump. The register
 * state has its own lock; the framebuffer (display side) has another, taken
 * first when both are needed. vram_moved is called without either. */

#define VGA_PCI_VENDOR_ID      0x1234
#define VGA_PCI_DEVICE_ID      0x1111
#define VGA_VRAM_SIZE          (16u << 20)
#define VGA_VRAM_BAR           0
#define VGA_MMIO_BAR           2
#define VGA_MMIO_SIZE          0x1000

#define VGA_IO_BASE            0x3c0
#define VGA_IO_LEN             0x20
#define VGA_DISPI_IO_BASE      0x1ce
#define VGA_DISPI_IO_LEN       3
#define VGA_LEGACY_BASE        0xa0000
#define VGA_LEGACY_SIZE        0x20000

/* Bochs DISPI registers. */
#define VBE_DISPI_INDEX_ID           0x0
#define VBE_DISPI_INDEX_XRES         0x1
#define VBE_DISPI_INDEX_YRES         0x2
#define VBE_DISPI_INDEX_BPP          0x3
#define VBE_DISPI_INDEX_ENABLE       0x4
#define VBE_DISPI_INDEX_BANK         0x5
#define VBE_DISPI_INDEX_VIRT_WIDTH   0x6
#define VBE_DISPI_INDEX_VIRT_HEIGHT  0x7
#define VBE_DISPI_INDEX_X_OFFSET     0x8
#define VBE_DISPI_INDEX_Y_OFFSET     0x9
#define VBE_DISPI_INDEX_VIDEO_MEMORY_64K 0xa
#define VBE_DISPI_INDEX_NB           0xb

#define VBE_DISPI_ID0                0xb0c0
#define VBE_DISPI_ID5                0xb0c5
#define VBE_DISPI_ENABLED            0x01
#define VBE_DISPI_GETCAPS            0x02
#define VBE_DISPI_8BIT_DAC           0x20
#define VBE_DISPI_LFB_ENABLED        0x40
#define VBE_DISPI_NOCLEARMEM         0x80

typedef struct Vga Vga;

/* Port ranges and the legacy window; all take the Vga as opaque. */
extern const IoBusOps vga_ioport_ops;   /* VGA_IO_BASE, VGA_IO_LEN */
extern const IoBusOps vga_dispi_ops;    /* VGA_DISPI_IO_BASE, VGA_DISPI_IO_LEN */
extern const IoBusOps vga_legacy_ops;   /* VGA_LEGACY_BASE, VGA_LEGACY_SIZE (MMIO) */

/* BAR0 moved: mapped at gpa, or (mapped false) no longer decoded. Called on
 * the vCPU thread that wrote the BAR or the command register, without device
 * locks held. May be NULL. */
typedef void (*VgaVramMoved) (void     *opaque,
                              bool      mapped,
                              uint64_t  gpa);

/* Allocates video memory (VGA_VRAM_SIZE, mapped lazily: untouched pages cost
 * nothing) and the PCI function. Returns NULL when out of memory. */
Vga          *vga_new              (VgaVramMoved  vram_moved,
                                    void         *opaque);
/* Take the PCI function off its host bridge (pci_host_free) first. */
void          vga_free             (Vga          *vga);
/* Machine reset: text mode 80x25, DISPI off; video memory is kept. */
void          vga_reset            (Vga          *vga);

PciDevice    *vga_get_pci_device   (Vga          *vga);
uint8_t      *vga_get_vram         (Vga          *vga,
                                    size_t       *size);
Framebuffer  *vga_get_framebuffer  (Vga          *vga);

/* True while the picture comes from video memory (a DISPI mode): only then
 * does the dirty log of the BAR0 slot matter. */
bool          vga_uses_vram        (Vga          *vga);

/* Brings the framebuffer up to date and adds what changed to its dirty
 * rectangles. dirty_pages is the dirty log of the BAR0 slot since the previous
 * call (bit per 4 KiB page, 64-bit words, n_pages bits), or NULL when the
 * caller has none: then all of the mode's memory counts as written. Writes
 * that came through vga_vram_ops or the banked window are tracked by the
 * device itself and always count. Call it from one thread (the display). */
void          vga_refresh          (Vga            *vga,
                                    const uint64_t *dirty_pages,
                                    size_t          n_pages);

/* Refreshes (without a dirty log) and writes the picture as PNG. Returns 0
 * or -errno. */
int           vga_screendump       (Vga          *vga,
                                    const char   *path);

/* For tests and the control protocol: the current picture size. */
void          vga_get_size         (Vga          *vga,
                                    uint32_t     *width,
                                    uint32_t     *height);
