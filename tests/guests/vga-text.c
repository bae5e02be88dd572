/* vga-text.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Writes a known 80x25 screen in VGA text mode at 0xb8000, prints "vga-text: ready" on COM1
 * and parks: the VMM's display test (tests/kvm's vmm-display) takes a screendump and checks
 * every cell's pixels against the font and the attribute's colours. No verdict; the test
 * ends the VM with "quit".
 *
 * The screen (the test computes the same, so change both together):
 *
 *   row 0      HEADER at column 0, white on blue (0x1f), the rest of the row spaces in 0x1f
 *   row 1      code page 437 0xb0-0xdf at columns 0-47 in yellow on blue (0x1e): the line
 *              graphics 0xc0-0xdf repeat their eighth column in the ninth, the others do not;
 *              the rest of the row spaces in 0x07. The cursor, scan lines 14-15, sits at
 *              column CURSOR_COL of this row.
 *   rows 2-24  character 0x20 + ((row - 2) * 80 + col) % 95 (all printable ASCII, in
 *              order, wrapping), background (row - 2) % 16 (bit 7 is a bright background,
 *              blinking being off), foreground col % 16, or 15 - background where the two
 *              would be equal.
 *
 * Every cell is computed into a buffer and copied with 64-bit writes (500 of them): on a VMM
 * that emulates the legacy window each is an exit. */

#include "guest.h"

#define VGA_TEXT    0xb8000
#define COLS        80
#define ROWS        25
#define CRTC_INDEX  0x3d4
#define CRTC_DATA   0x3d5
#define CURSOR_ROW  1
#define CURSOR_COL  60

static const char header[] = "Guesthouse vga-text: 80x25, code page 437, 9-dot cells";

static uint16_t screen[ROWS * COLS] __attribute__ ((aligned (8)));

static void
crtc_write (uint8_t index, uint8_t value)
{
  outb (CRTC_INDEX, index);
  outb (CRTC_DATA, value);
}

int
guest_main (const struct hvm_start_info *start_info)
{
  const uint64_t *src = (const uint64_t *) screen;
  uint16_t pos = CURSOR_ROW * COLS + CURSOR_COL;

  (void) start_info;
  for (int c = 0; c < COLS; c++)
    screen[c] = 0x1f00 | (c < (int) sizeof header - 1 ? (uint8_t) header[c] : ' ');
  for (int c = 0; c < COLS; c++)
    screen[COLS + c] = c < 48 ? (uint16_t) (0x1e00 | (0xb0 + c)) : 0x0720;
  for (int r = 2; r < ROWS; r++)
    for (int c = 0; c < COLS; c++)
      {
        unsigned int bg = (unsigned int) (r - 2) % 16, fg = (unsigned int) c % 16;

        if (fg == bg)
          fg = 15 - bg;
        screen[r * COLS + c] = (uint16_t) ((bg << 12) | (fg << 8)
                                           | (0x20 + ((r - 2) * COLS + c) % 95));
      }
  for (unsigned int i = 0; i < sizeof screen / 8; i++)
    mmio_write64 (VGA_TEXT + i * 8, src[i]);

  crtc_write (0x0a, 14);
  crtc_write (0x0b, 15);
  crtc_write (0x0e, pos >> 8);
  crtc_write (0x0f, pos & 0xff);

  guest_printf ("vga-text: ready\n");
  serial_flush ();
  /* Nothing more to do: halt with interrupts off until the VMM is told to quit. */
  cpu_park ();
}
