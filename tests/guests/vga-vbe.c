/* vga-vbe.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Sets 640x480 at 32 bpp through the Bochs DISPI registers (index port 0x1ce, data 0x1cf),
 * finds the linear framebuffer in BAR0 of the PCI VGA function 1234:1111, draws a known
 * pattern there, prints "vga-vbe: ready" on COM1 and parks. The VMM's display test (tests/kvm's
 * vmm-display) checks the screendump and the VNC picture. No verdict; the test ends the VM with
 * "quit".
 *
 * The pattern (the test has the same table): eight vertical bars, 80 pixels wide, colours
 * BARS[0..7] left to right in rows 0-239 and BARS[7..0] in rows 240-479. Pixels are XRGB
 * (blue in the lowest byte). Each bar segment of a row is one `rep stosq` of 40 pairs of
 * pixels: the LFB is plain memory on our VMM, so this is about 150,000 iterations and no exits.
 *
 * Also checks the DISPI id register and that the mode reads back as set. */

#include "guest.h"

#define DISPI_INDEX   0x1ce
#define DISPI_DATA    0x1cf
#define DISPI_ID      0x0
#define DISPI_XRES    0x1
#define DISPI_YRES    0x2
#define DISPI_BPP     0x3
#define DISPI_ENABLE  0x4
#define DISPI_ENABLED 0x01
#define DISPI_LFB     0x40

#define WIDTH  640
#define HEIGHT 480
#define BAR_W  (WIDTH / 8)

static const uint32_t bars[8] = {
  0x00000000, 0x00ff0000, 0x0000ff00, 0x000000ff,
  0x00123456, 0x00fedcba, 0x0080c040, 0x00ffffff,
};

static void
dispi_write (uint16_t index, uint16_t value)
{
  outw (DISPI_INDEX, index);
  outw (DISPI_DATA, value);
}

static uint16_t
dispi_read (uint16_t index)
{
  outw (DISPI_INDEX, index);
  return inw (DISPI_DATA);
}

static void
fill_row (uintptr_t row, bool reversed)
{
  for (int b = 0; b < 8; b++)
    {
      uint32_t c = bars[reversed ? 7 - b : b];
      uint64_t pair = (uint64_t) c << 32 | c;
      void *dst = (void *) (row + (uintptr_t) b * BAR_W * 4);
      uint64_t n = BAR_W / 2;

      __asm__ volatile ("rep stosq" : "+D" (dst), "+c" (n) : "a" (pair) : "memory");
    }
}

int
guest_main (const struct hvm_start_info *start_info)
{
  struct pci_bar bar;
  uint16_t bdf, id;
  uintptr_t lfb;

  (void) start_info;
  id = dispi_read (DISPI_ID);
  if (id < 0xb0c0 || id > 0xb0c5)
    {
      guest_printf ("vga-vbe: DISPI id 0x%x, not 0xb0c0-0xb0c5\n", id);
      return GUEST_EXIT_FAIL;
    }
  if (!pci_find_device (0x1234, 0x1111, &bdf))
    {
      guest_printf ("vga-vbe: no PCI function 1234:1111\n");
      return GUEST_EXIT_FAIL;
    }
  if (!pci_bar_read (bdf, 0, &bar) || bar.io || bar.size < WIDTH * HEIGHT * 4)
    {
      guest_printf ("vga-vbe: BAR0 of %02x:%02x.%x is not a memory BAR of 1.2 MB or more\n",
                    bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
      return GUEST_EXIT_FAIL;
    }
  if (bar.addr == 0 && !pci_bar_assign (bdf, 0, &bar))
    return GUEST_EXIT_FAIL;
  pci_enable (bdf, PCI_COMMAND_MEMORY);
  lfb = (uintptr_t) bar.addr;

  dispi_write (DISPI_ENABLE, 0);
  dispi_write (DISPI_XRES, WIDTH);
  dispi_write (DISPI_YRES, HEIGHT);
  dispi_write (DISPI_BPP, 32);
  dispi_write (DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB);
  if (dispi_read (DISPI_XRES) != WIDTH || dispi_read (DISPI_YRES) != HEIGHT
      || dispi_read (DISPI_BPP) != 32)
    {
      guest_printf ("vga-vbe: the mode reads back as %ux%ux%u\n", dispi_read (DISPI_XRES),
                    dispi_read (DISPI_YRES), dispi_read (DISPI_BPP));
      return GUEST_EXIT_FAIL;
    }

  for (int y = 0; y < HEIGHT; y++)
    fill_row (lfb + (uintptr_t) y * WIDTH * 4, y >= HEIGHT / 2);

  guest_printf ("vga-vbe: LFB at 0x%lx (%02x:%02x.%x BAR0, %lu MiB)\n", (unsigned long) lfb,
                bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, (unsigned long) (bar.size >> 20));
  guest_printf ("vga-vbe: ready\n");
  serial_flush ();
  /* Nothing more to do: halt with interrupts off until the VMM is told to quit. */
  cpu_park ();
}
