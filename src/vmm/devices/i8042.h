/* i8042.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * port and reset, echoing a byte as if from either port). A PS/2 keyboard
 * and mouse plug in with i8042_attach() (devices/ps2-keyboard.h,
 * devices/ps2-mouse.h); bytes meant for an empty port are dropped without an
 * answer, as with nothing plugged in.
 *
 * What the devices send waits in the controller's queue (16 bytes in all)
 * while the guest has their port disabled. Keyboard bytes are translated
 * from scan code set 2 to set 1 when command byte bit 6 says so. */

#define I8042_DATA_PORT     0x60
#define I8042_COMMAND_PORT  0x64
#define I8042_PORT_LEN      1
#define I8042_KBD_IRQ       1
#define I8042_AUX_IRQ       12

typedef struct I8042 I8042;

#define I8042_PORT_KBD      0
#define I8042_PORT_AUX      1
#define I8042_N_PORTS       2

/* A byte the guest sent to the device on a port. Called on the vCPU thread,
 * without the controller's lock; the device answers with i8042_port_send(). */
typedef void (*I8042PortWrite) (void    *opaque,
                                uint8_t  byte);

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

/* Plugs a device into port (I8042_PORT_KBD or I8042_PORT_AUX); write NULL
 * unplugs. Before the guest runs. */
void   i8042_attach    (I8042          *ctrl,
                        unsigned        port,
                        I8042PortWrite  write,
                        void           *opaque);

/* The device on port sends n bytes (a reply, a key sequence, a mouse packet)
 * to the guest. Any thread; call it without the device's own lock. All of
 * them are queued or, when the queue has no room, none: returns false. */
bool   i8042_port_send (I8042          *ctrl,
                        unsigned        port,
                        const uint8_t  *bytes,
                        size_t          n);
