/* reboot.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Resets the machine twice through the keyboard controller and checks that it comes back.
 *
 * The boot count lives in a byte of CMOS RAM, which a reset keeps (it is battery-backed on a
 * PC): each boot prints "reboot: boot N"; boots 0 and 1 store N + 1 and pulse the CPU reset
 * line with the i8042's command 0xFE, boot 2 clears the byte and passes. So a run that passes
 * has printed boots 0, 1 and 2, each from a fresh start of the image at its PVH entry.
 * Exercises the VMM's reset path (vCPUs, devices and RAM set up again, the kernel reloaded),
 * its i8042 output-port reset and its CMOS RAM surviving the reset.
 */

#include "guest.h"

#define CMOS_INDEX  0x70
#define CMOS_DATA   0x71
#define CMOS_NMI_OFF 0x80     /* bit 7 of the index port: keep NMIs masked, as firmware does */
/* The last byte of the standard 64: PC firmware leaves 0x3f unused (the BIOS's own bytes are
 * below 0x3e, and the extended bank starts at 0x40). */
#define BOOT_COUNT_INDEX 0x3f
#define BOOTS 2

#define I8042_STATUS  0x64
#define I8042_COMMAND 0x64
#define I8042_STATUS_INPUT_FULL 0x02
#define I8042_CMD_PULSE_RESET   0xfe

/* The controller takes a command within microseconds; a reset takes effect at once in a VMM.
 * Both deadlines are generous for an emulated machine. */
#define I8042_READY_TIMEOUT_US 100000
#define RESET_TIMEOUT_US 2000000

static uint8_t
cmos_read (uint8_t index)
{
  outb (CMOS_INDEX, CMOS_NMI_OFF | index);
  return inb (CMOS_DATA);
}

static void
cmos_write (uint8_t index,
            uint8_t value)
{
  outb (CMOS_INDEX, CMOS_NMI_OFF | index);
  outb (CMOS_DATA, value);
}

static bool
cmos_store (uint8_t value)
{
  uint8_t back;

  cmos_write (BOOT_COUNT_INDEX, value);
  back = cmos_read (BOOT_COUNT_INDEX);
  if (back != value)
    {
      guest_printf ("reboot: CMOS byte %#x reads %u after writing %u\n", BOOT_COUNT_INDEX, back,
                    value);
      return false;
    }
  return true;
}

static bool
i8042_reset (void)
{
  uint64_t deadline = deadline_after_us (I8042_READY_TIMEOUT_US);

  while (inb (I8042_STATUS) & I8042_STATUS_INPUT_FULL)
    {
      if (deadline_passed (deadline))
        {
          guest_printf ("reboot: the keyboard controller's input buffer stays full\n");
          return false;
        }
      cpu_relax ();
    }
  outb (I8042_COMMAND, I8042_CMD_PULSE_RESET);

  deadline = deadline_after_us (RESET_TIMEOUT_US);
  while (!deadline_passed (deadline))
    cpu_relax ();
  guest_printf ("reboot: still running %d ms after the keyboard controller's reset command\n",
                RESET_TIMEOUT_US / 1000);
  return false;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  uint8_t boot = cmos_read (BOOT_COUNT_INDEX);

  guest_printf ("reboot: boot %u\n", boot);
  if (boot > BOOTS)
    {
      /* Not from this run: the test starts a new machine, whose CMOS RAM is blank there. */
      guest_printf ("reboot: CMOS byte %#x held %u at the first boot\n", BOOT_COUNT_INDEX, boot);
      cmos_store (0);
      return GUEST_EXIT_FAIL;
    }
  if (boot == BOOTS)
    return cmos_store (0) ? GUEST_EXIT_PASS : GUEST_EXIT_FAIL;

  if (!cmos_store (boot + 1))
    return GUEST_EXIT_FAIL;
  /* The line must be out before the reset, which may take the UART's FIFO with it. */
  serial_flush ();
  i8042_reset ();
  return GUEST_EXIT_FAIL;
}
