/* serial-8250.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bus/io-bus.h"
#include "bus/irq.h"
#include "chardev/byte-sink.h"

/* A 16550A UART: eight byte-wide registers, 16-byte receive FIFO, and a
 * transmitter that sends each byte the moment the guest writes it. Register
 * it on the port-I/O bus at base (COM1: 0x3f8, IRQ 4) for SERIAL_8250_LEN
 * bytes with serial_8250_ops; wider accesses are split into byte accesses at
 * consecutive offsets, as the ISA bus does. */

#define SERIAL_8250_COM1_BASE  0x3f8
#define SERIAL_8250_COM1_IRQ   4
#define SERIAL_8250_LEN        8
#define SERIAL_8250_FIFO_SIZE  16

typedef struct Serial8250 Serial8250;

extern const IoBusOps serial_8250_ops;

/* irq and out are copied; either may be NULL (no line, output discarded).
 * Returns NULL when out of memory. */
Serial8250 *serial_8250_new            (const IrqLine  *irq,
                                        const ByteSink *out);
void        serial_8250_free           (Serial8250     *uart);

/* Master reset (machine reset): registers to their power-on values, FIFOs
 * emptied. The divisor latch and the scratch register keep their contents, as
 * on the real part. */
void        serial_8250_reset          (Serial8250     *uart);

/* Host side of the receive line. receive() takes as many bytes as the
 * receive FIFO has room for and returns that count; it never drops input. When
 * it takes fewer than offered (or rx_space() answers 0), the host should stop
 * reading its source until the notify callback runs: that happens, outside the
 * device lock, once the guest has emptied the receive FIFO. In loopback mode
 * the receiver is cut off from the line, so nothing is accepted. */
size_t      serial_8250_receive        (Serial8250     *uart,
                                        const uint8_t  *buf,
                                        size_t          len);
size_t      serial_8250_rx_space       (Serial8250     *uart);
void        serial_8250_set_rx_notify  (Serial8250     *uart,
                                        void          (*notify) (void *opaque),
                                        void           *opaque);

/* For a host back end that chose to drop input: reports an overrun error
 * (LSR.OE, and a line-status interrupt if the guest enabled it). */
void        serial_8250_signal_overrun (Serial8250     *uart);
