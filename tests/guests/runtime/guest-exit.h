/* guest-exit.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* How every test guest reports its verdict. This header is the one place the convention lives;
 * it holds only macros so that host-side code (the VMM's tests, tools) can include it too.
 *
 * A 32-bit write of V to GUEST_EXIT_PORT ends the VM; the VMM (like QEMU's isa-debug-exit)
 * exits with status (V << 1) | 1. The odd status can never be confused with a clean exit (0)
 * of a VMM that stopped for another reason, such as a triple fault under -no-reboot.
 */

#pragma once

#define GUEST_EXIT_PORT 0xf4

#define GUEST_EXIT_PASS 0x10
#define GUEST_EXIT_FAIL 0x11

/* What the VMM's process exit status is for each verdict. */
#define GUEST_EXIT_STATUS(value) ((((value) << 1) | 1) & 0xff)
#define GUEST_EXIT_STATUS_PASS   GUEST_EXIT_STATUS (GUEST_EXIT_PASS) /* 33 */
#define GUEST_EXIT_STATUS_FAIL   GUEST_EXIT_STATUS (GUEST_EXIT_FAIL) /* 35 */
