/* debug-exit.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bus/io-bus.h"

/* QEMU's isa-debug-exit convention, which test guests use to report a
 * result: a write of value V to any byte of the range asks the VMM to end with
 * exit status (V << 1) | 1, so a guest can never make the VMM report plain
 * success (0). Register it at DEBUG_EXIT_PORT for DEBUG_EXIT_LEN bytes with
 * debug_exit_ops. Reads return 0, as QEMU's device does. */

#define DEBUG_EXIT_PORT  0xf4
#define DEBUG_EXIT_LEN   4

typedef struct DebugExit DebugExit;

extern const IoBusOps debug_exit_ops;

/* on_exit runs on the writing vCPU's thread, outside the device lock, once:
 * the first write wins and later ones (another vCPU racing to report) are
 * ignored. status is a non-negative int whose low 8 bits are what QEMU's
 * exit() would leave; for V < 2^30 it is exactly (V << 1) | 1. Returns NULL
 * when out of memory. */
DebugExit *debug_exit_new  (void     (*on_exit) (void *opaque,
                                                 int   status),
                            void      *opaque);
void       debug_exit_free (DebugExit *dev);
