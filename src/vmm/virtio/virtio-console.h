/* virtio-console.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "chardev/byte-sink.h"
#include "memory/guest-memory.h"
#include "virtio/virtio-device.h"

/* virtio console (virtio 1.2, section 5.3) with a single port, port 0 (no
 * MULTIPORT): the guest's /dev/hvc0. Two queues: receiveq (host to guest,
 * buffers the driver posts and the device fills) and transmitq (guest to
 * host). The host side is a byte stream with the same contract as the
 * 16550A's (serial-8250.h), so that the VMM drives both the same way:
 *
 *   - guest output goes to a ByteSink, from the thread that notified;
 *   - host input goes in with virtio_console_receive(), into a receive FIFO
 *     of VIRTIO_CONSOLE_RX_FIFO bytes that is emptied, in order, into the
 *     buffers the driver posts. receive() takes what the FIFO has room for
 *     and never drops a byte; when it takes fewer than offered (or
 *     rx_space() answers 0), the host stops reading its source until the rx
 *     notify callback runs, once the driver has taken bytes and the FIFO has
 *     room again. A device reset empties the FIFO.
 *
 * Also VIRTIO_CONSOLE_F_SIZE (the terminal's columns and rows, for the
 * guest's TIOCGWINSZ) and VIRTIO_CONSOLE_F_EMERG_WRITE (a byte written to
 * the configuration space goes straight to the sink; early boot code uses
 * it before the queues exist). */

#define VIRTIO_CONSOLE_QUEUE_SIZE        128
#define VIRTIO_CONSOLE_RX_FIFO           4096
#define VIRTIO_CONSOLE_RX_QUEUE          0
#define VIRTIO_CONSOLE_TX_QUEUE          1

#define VIRTIO_CONSOLE_F_SIZE            0
#define VIRTIO_CONSOLE_F_MULTIPORT       1
#define VIRTIO_CONSOLE_F_EMERG_WRITE     2

/* struct virtio_console_config. */
#define VIRTIO_CONSOLE_CFG_COLS          0
#define VIRTIO_CONSOLE_CFG_ROWS          2
#define VIRTIO_CONSOLE_CFG_MAX_NR_PORTS  4
#define VIRTIO_CONSOLE_CFG_EMERG_WR      8
#define VIRTIO_CONSOLE_CONFIG_SIZE       12

typedef struct VirtioConsole VirtioConsole;

/* out is copied; its write may be NULL (output discarded). mem must outlive
 * the device. NULL when out of memory. */
VirtioConsole *virtio_console_new           (const GuestMemory *mem,
                                             const ByteSink    *out);
/* After its transport is freed. */
void           virtio_console_free          (VirtioConsole     *vc);
VirtioDevice  *virtio_console_get_device    (VirtioConsole     *vc);

/* Host to guest: takes as much of buf as the receive FIFO has room for,
 * passes what it can on to the driver's buffers at once, and returns the
 * count taken. */
size_t         virtio_console_receive       (VirtioConsole     *vc,
                                             const uint8_t     *buf,
                                             size_t             len);
size_t         virtio_console_rx_space      (VirtioConsole     *vc);
/* Called (from a vCPU thread, no lock held) when the FIFO has room again
 * after receive() took fewer than offered or rx_space() answered 0. */
void           virtio_console_set_rx_notify (VirtioConsole     *vc,
                                             void             (*notify) (void *opaque),
                                             void              *opaque);
/* The terminal size the guest sees (a configuration change interrupt when
 * the driver is running). */
void           virtio_console_set_size      (VirtioConsole     *vc,
                                             uint16_t           cols,
                                             uint16_t           rows);
