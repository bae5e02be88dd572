/* keys.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Prints every byte the PS/2 keyboard sends: "keys: ready" once, then "keys: XX" (two hex
 * digits) on COM1 for each byte read from the i8042's data port 0x60 — make and break codes,
 * prefixes included, in set 1 as the controller translates them (its default command byte
 * has translation on). Bytes from the mouse (status bit 5) are printed as "keys: aux XX".
 * No verdict, never exits: the VMM's display test (tests/kvm's vmm-display) sends keys through
 * the control socket and VNC, reads the lines and ends the VM with "quit".
 *
 * The status port is polled every POLL_US. Between polls the CPU halts on the local APIC's
 * TSC-deadline timer (checked to fire at start, as demo.c does), so waiting costs the host next
 * to nothing; without one it spins on pause. */

#include "guest.h"

#define POLL_US      10000
#define I8042_DATA   0x60
#define I8042_STATUS 0x64
#define I8042_OBF    0x01
#define I8042_AUX    0x20

/* ---- main --------------------------------------------------------------------------------- */

int
guest_main (const struct hvm_start_info *start_info)
{
  (void) start_info;
  bool can_halt = guest_timer_init ();

  guest_printf ("keys: ready%s\n", can_halt ? "" : " (no TSC-deadline timer: spinning)");
  serial_flush ();
  for (;;)
    {
      uint8_t status;

      /* The bound keeps a stuck controller from holding the loop. */
      for (int i = 0; i < 64 && ((status = inb (I8042_STATUS)) & I8042_OBF); i++)
        {
          uint8_t code = inb (I8042_DATA);

          guest_printf ((status & I8042_AUX) ? "keys: aux %02x\n" : "keys: %02x\n", code);
        }
      guest_sleep_until (deadline_after_us (POLL_US));
    }
}
