/* vga-animate.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The display benchmark's guest (bench/display): sets 1920x1080 at 32 bpp through the Bochs
 * DISPI registers, with the linear framebuffer in BAR0 of the PCI VGA function 1234:1111, and
 * redraws all of it, frame after frame, in ring 3 (ring 0 would be emulated, instruction by
 * instruction, on the build machines' /dev/kvm). `frames=N` on the command line stops it after
 * N frames with a pass; without it, it runs until stopped. `period=T` draws one frame every T
 * TSC ticks and halts in between (on the local APIC's TSC-deadline timer), leaving the host's
 * CPU to the display path; without it, frames follow each other as fast as they can.
 *
 * What the viewer decodes (pixels are XRGB, blue in the lowest byte; only the low 24 bits
 * carry anything, since a VNC pixel need not keep the padding byte):
 *   - pixel 0 of every row: the number of the frame that row was last drawn for (mod 2^24);
 *     the rest of the row one colour, derived from the frame and row numbers, so that every
 *     pixel changes every frame;
 *   - row 0, pixels 1-5, once a frame is complete: its number, the TSC read just before these
 *     writes (bits 0-23, 24-47, 48-63), and its number again, written in that order. A viewer
 *     that reads equal numbers in pixels 1 and 5 got the stamp whole. The row's fill leaves
 *     them alone, so they always hold the last complete frame's.
 *
 * Prints "vga-animate: tsc N" (for comparing the guest's TSC with the host's) and
 * "vga-animate: drawing" on COM1 before the first frame; with frames=N, "vga-animate: N frames
 * drawn" and the TSC ticks per frame at the end. */

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

#define WIDTH        1920
#define HEIGHT       1080
#define FB_BYTES     ((uint64_t) WIDTH * HEIGHT * 4)
#define HEADER_END   6
#define PIXEL_MASK   0xffffffu

struct animation
{
  volatile uint32_t *lfb;
  uint64_t frames;              /* 0: forever */
  uint64_t drawn;
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
fill (volatile uint32_t *dst, uint64_t count, uint32_t colour)
{
  __asm__ volatile ("rep stosl" : "+D" (dst), "+c" (count) : "a" (colour) : "memory");
}

/* Ring 3: the next frame. */
static void
draw_frame (void *data)
{
  struct animation *a = data;
  uint64_t n = a->drawn + 1;
  uint32_t number = (uint32_t) n & PIXEL_MASK;
  uint64_t stamp;

  for (uint32_t y = 0; y < HEIGHT; y++)
    {
      volatile uint32_t *row = a->lfb + (size_t) y * WIDTH;
      uint32_t start = y == 0 ? HEADER_END : 1;

      row[0] = number;
      fill (row + start, WIDTH - start, (uint32_t) (n * 0x030507 + y * 0x010101) & PIXEL_MASK);
    }
  stamp = rdtsc ();
  a->lfb[1] = number;
  a->lfb[2] = (uint32_t) stamp & PIXEL_MASK;
  a->lfb[3] = (uint32_t) (stamp >> 24) & PIXEL_MASK;
  a->lfb[4] = (uint32_t) (stamp >> 48);
  a->lfb[5] = number;
  a->drawn = n;
}

/* Ring 3: frames back to back. */
static void
draw_frames (void *data)
{
  struct animation *a = data;

  while (a->frames == 0 || a->drawn < a->frames)
    draw_frame (a);
}

int
guest_main (const struct hvm_start_info *start_info)
{
  struct animation a = { 0 };
  struct pci_bar bar;
  uint16_t bdf, id;
  uint64_t start, period, ticks;
  bool can_halt = false;

  (void) start_info;
  if (!cmdline_get_u64 (guest_cmdline (), "frames", &a.frames))
    a.frames = 0;
  if (!cmdline_get_u64 (guest_cmdline (), "period", &period))
    period = 0;
  /* Before guest_run_user(), whose IDT is a copy of the one this sets up. */
  if (period != 0)
    can_halt = guest_timer_init ();
  id = dispi_read (DISPI_ID);
  if (id < 0xb0c0 || id > 0xb0c5)
    {
      guest_printf ("vga-animate: DISPI id 0x%x, not 0xb0c0-0xb0c5\n", id);
      return GUEST_EXIT_FAIL;
    }
  if (!pci_find_device (0x1234, 0x1111, &bdf))
    {
      guest_printf ("vga-animate: no PCI function 1234:1111\n");
      return GUEST_EXIT_FAIL;
    }
  if (!pci_bar_read (bdf, 0, &bar) || bar.io || bar.size < FB_BYTES)
    {
      guest_printf ("vga-animate: BAR0 of %02x:%02x.%x is not a memory BAR of 8 MiB or more\n",
                    bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
      return GUEST_EXIT_FAIL;
    }
  if (bar.addr == 0 && !pci_bar_assign (bdf, 0, &bar))
    return GUEST_EXIT_FAIL;
  if (bar.addr + FB_BYTES > (UINT64_C (1) << 32))
    {
      guest_printf ("vga-animate: BAR0 at 0x%lx is not below 4 GiB\n", (unsigned long) bar.addr);
      return GUEST_EXIT_FAIL;
    }
  pci_enable (bdf, PCI_COMMAND_MEMORY);
  a.lfb = (volatile uint32_t *) (uintptr_t) bar.addr;

  dispi_write (DISPI_ENABLE, 0);
  dispi_write (DISPI_XRES, WIDTH);
  dispi_write (DISPI_YRES, HEIGHT);
  dispi_write (DISPI_BPP, 32);
  dispi_write (DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB);
  if (dispi_read (DISPI_XRES) != WIDTH || dispi_read (DISPI_YRES) != HEIGHT
      || dispi_read (DISPI_BPP) != 32)
    {
      guest_printf ("vga-animate: the mode reads back as %ux%ux%u\n", dispi_read (DISPI_XRES),
                    dispi_read (DISPI_YRES), dispi_read (DISPI_BPP));
      return GUEST_EXIT_FAIL;
    }
  guest_user_map ((uintptr_t) bar.addr, FB_BYTES);

  guest_printf ("vga-animate: tsc %lu\n", (unsigned long) rdtsc ());
  guest_printf ("vga-animate: drawing%s%s\n", period != 0 ? ", one frame per period" : "",
                period != 0 && !can_halt ? " (no TSC-deadline timer: spinning)" : "");
  serial_flush ();
  start = rdtsc ();
  if (period == 0)
    guest_run_user (draw_frames, &a);
  else
    {
      /* One frame per period, halted in between; a late frame starts the next period. */
      uint64_t deadline = start;

      while (a.frames == 0 || a.drawn < a.frames)
        {
          guest_run_user (draw_frame, &a);
          deadline += period;
          if (deadline_passed (deadline))
            deadline = rdtsc ();
          else
            guest_sleep_until (deadline);
        }
    }
  ticks = rdtsc () - start;
  guest_printf ("vga-animate: %lu frames drawn\n", (unsigned long) a.drawn);
  guest_printf ("vga-animate: %lu TSC ticks per frame\n",
                (unsigned long) (a.drawn != 0 ? ticks / a.drawn : 0));
  return GUEST_EXIT_PASS;
}
