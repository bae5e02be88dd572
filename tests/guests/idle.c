/* idle.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A guest that keeps running until it is stopped from outside: it prints "idle: ready" once
 * and then spins on the pause instruction forever. For the tests of the management side (the
 * control socket's pause, resume and quit), which need a live guest and no verdict.
 *
 * Not `cli; hlt`: nothing would ever wake the CPU, and a guest that looks dead is a poor
 * subject for pause and resume. Interrupts stay off (the runtime has no handlers for them),
 * so the loop polls nothing and never ends on its own. */

#include "guest.h"

int
guest_main (const struct hvm_start_info *start_info)
{
  guest_printf ("idle: ready\n");
  /* Everything printed has left the UART before the test sees the line and acts on it. */
  serial_flush ();
  for (;;)
    cpu_relax ();
}
