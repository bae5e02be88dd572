/* virtio-blk.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "block/disk-spec.h"
#include "memory/guest-memory.h"
#include "virtio/virtio-device.h"
#include "vmm-error.h"

/* virtio block device (virtio 1.2, section 5.2) over a raw image file or a
 * host block device.
 *
 * Requests: IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES; anything else
 * completes with VIRTIO_BLK_S_UNSUPP. A request that is wrong in itself
 * (header too short, sectors past the end, a write to a read-only disk, a
 * length that is not whole sectors) completes with VIRTIO_BLK_S_IOERR; one
 * with nowhere to put its status byte makes the device need a reset.
 *
 * Threads: a notification (vCPU or ioeventfd thread) only marks the queue
 * and wakes the device's own I/O thread, which does the reads and writes
 * and raises the interrupts. It takes at most VIRTIO_BLK_BUDGET requests
 * from one queue before it looks at the next, so a guest flooding one queue
 * cannot starve the others. The thread is started by virtio_blk_new and
 * stopped by virtio_blk_stop (before the transport goes); a device reset
 * waits for the batch in flight to finish, so that nothing writes guest
 * memory after it. */

#define VIRTIO_BLK_QUEUE_SIZE  256
#define VIRTIO_BLK_MAX_QUEUES  16
/* Requests taken from one queue before the next queue gets its turn. */
#define VIRTIO_BLK_BUDGET      32

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX      1
#define VIRTIO_BLK_F_SEG_MAX       2
#define VIRTIO_BLK_F_GEOMETRY      4
#define VIRTIO_BLK_F_RO            5
#define VIRTIO_BLK_F_BLK_SIZE      6
#define VIRTIO_BLK_F_FLUSH         9
#define VIRTIO_BLK_F_TOPOLOGY      10
#define VIRTIO_BLK_F_CONFIG_WCE    11
#define VIRTIO_BLK_F_MQ            12
#define VIRTIO_BLK_F_DISCARD       13
#define VIRTIO_BLK_F_WRITE_ZEROES  14

/* Request types and status (5.2.6). */
#define VIRTIO_BLK_T_IN            0
#define VIRTIO_BLK_T_OUT           1
#define VIRTIO_BLK_T_FLUSH         4
#define VIRTIO_BLK_T_GET_ID        8
#define VIRTIO_BLK_T_GET_LIFETIME  10
#define VIRTIO_BLK_T_DISCARD       11
#define VIRTIO_BLK_T_WRITE_ZEROES  13
#define VIRTIO_BLK_T_SECURE_ERASE  14

#define VIRTIO_BLK_S_OK            0
#define VIRTIO_BLK_S_IOERR         1
#define VIRTIO_BLK_S_UNSUPP        2

#define VIRTIO_BLK_ID_BYTES        20
#define VIRTIO_BLK_DISCARD_UNMAP   1u

/* struct virtio_blk_config, as far as this device fills it in. */
#define VIRTIO_BLK_CFG_CAPACITY                 0
#define VIRTIO_BLK_CFG_SIZE_MAX                 8
#define VIRTIO_BLK_CFG_SEG_MAX                  12
#define VIRTIO_BLK_CFG_BLK_SIZE                 20
#define VIRTIO_BLK_CFG_NUM_QUEUES               34
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS      36
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG          40
#define VIRTIO_BLK_CFG_DISCARD_ALIGNMENT        44
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS 48
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG     52
#define VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP   56
#define VIRTIO_BLK_CONFIG_SIZE                  60

/* What the device offers, in its configuration space. */
#define VIRTIO_BLK_SEG_MAX          (VIRTIO_BLK_QUEUE_SIZE - 2)
#define VIRTIO_BLK_SIZE_MAX         (1u << 20)
#define VIRTIO_BLK_MAX_DISCARD_SEG  32
#define VIRTIO_BLK_MAX_DISCARD_SECTORS (1u << 22)    /* 2 GiB per segment */

typedef struct VirtioBlk VirtioBlk;

/* Opens the image spec names (see block_file_open for the errors) and
 * starts the I/O thread. n_queues: 1 to VIRTIO_BLK_MAX_QUEUES; more than 1
 * offers VIRTIO_BLK_F_MQ. mem must outlive the device. NULL with err set on
 * failure. */
VirtioBlk    *virtio_blk_new          (const GuestMemory *mem,
                                       const DiskSpec    *spec,
                                       unsigned           n_queues,
                                       VmmError          *err);
/* Stops the I/O thread for good, once the request in flight is done. The
 * thread raises interrupts through the transport, so this comes BEFORE the
 * transport is freed (before pci_host_free); notifications after it are
 * ignored. Safe to call twice. */
void          virtio_blk_stop         (VirtioBlk         *blk);
/* After its transport is freed: stops the thread if still running, closes
 * (and unlocks) the image. */
void          virtio_blk_free         (VirtioBlk         *blk);
VirtioDevice *virtio_blk_get_device   (VirtioBlk         *blk);

/* For the control protocol (query-block). */
const char   *virtio_blk_get_path     (VirtioBlk         *blk);
uint64_t      virtio_blk_get_size     (VirtioBlk         *blk);
bool          virtio_blk_is_read_only (VirtioBlk         *blk);
