/* debug-console.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bus/io-bus.h"

/* QEMU's debugcon: a write-only byte port where firmware prints its debug
 * log. SeaBIOS writes to port 0x402 once a read there returns 0xe9, and
 * tells what it finds and decides while it boots: the first thing to read
 * when a guest does not start. --firmware-log puts it in a file.
 *
 * Lines are written out whole (or when 256 bytes are waiting), so a busy
 * log costs one write () a line, not one a byte. */

#define DEBUG_CONSOLE_PORT      0x402
#define DEBUG_CONSOLE_LEN       1
#define DEBUG_CONSOLE_READBACK  0xe9

typedef struct DebugConsole DebugConsole;

extern const IoBusOps debug_console_ops;

/* Writes to fd, which it takes over (closed by debug_console_free). NULL
 * when out of memory. */
DebugConsole *debug_console_new  (int           fd);
/* Writes out what is waiting, then closes the file. */
void          debug_console_free (DebugConsole *con);
