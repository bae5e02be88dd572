/* i8042.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bus/io-bus.h"
#include "bus/irq.h"

/* The PC keyboard controller (Intel 8042 and its descendants). Its two ports
 * are not adjacent and 0x61 between them belongs to someone else, so it is
 * one device registered as two one-byte ranges with two ops tables:
 * i8042_data_ops at I8042_DATA_PORT (0x60, data in both directions) and
 * i8042_command_ops at I8042_COMMAND_PORT (0x64, status on read, controller
 * command on write). Both take the same I8042 as opaque.
 *
 * Commands complete at once, so IBF always reads 0. The controller's own
 * commands are implemented (command byte, self-tests, port enables, output
 * port and reset, echoing a byte as if from either port). There is no PS/2
 * keyboard or mouse behind it yet: bytes meant for them are dropped without an
 * answer, as with nothing plugged in. */

#define I8042_DATA_PORT     0x60
#define I8042_COMMAND_PORT  0x64
#define I8042_PORT_LEN      1
#define I8042_KBD_IRQ       1
#define I8042_AUX_IRQ       12

typedef struct I8042 I8042;

extern const IoBusOps i8042_data_ops;
extern const IoBusOps i8042_command_ops;

/* The irq lines are copied and may be NULL. reset runs, outside the device
 * lock and on the thread of the vCPU that asked, when the guest pulses the
 * CPU reset line (command 0xFE and friends, or bit 0 of the output port
 * cleared). Returns NULL when out of memory. */
I8042 *i8042_new   (const IrqLine  *kbd_irq,
                    const IrqLine  *aux_irq,
                    void          (*reset) (void *opaque),
                    void           *opaque);
void   i8042_free  (I8042          *ctrl);

/* Machine reset: command byte and output port to their power-on values, the
 * output buffer emptied, both IRQs lowered. */
void   i8042_reset (I8042          *ctrl);
