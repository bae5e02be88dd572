/* hello.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The smallest guest: proves the boot path (PVH entry, long mode), the UART and the debug
 * exit port. It prints exactly one line, so a test can also tell that nothing else (firmware,
 * the VMM) writes to the guest's serial port. */

#include "guest.h"

int
guest_main (const struct hvm_start_info *start_info)
{
  guest_printf ("Hello from the Guesthouse hello guest\n");
  return GUEST_EXIT_PASS;
}
