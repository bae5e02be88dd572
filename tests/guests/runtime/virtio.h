/* virtio.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A small driver for modern virtio-pci devices (virtio 1.2, section 4.1.4) with split
 * virtqueues (section 2.7), polled: no interrupts, no MSI-X. Devices are the non-transitional
 * ones (device id 0x1040 + virtio device type, QEMU's disable-legacy=on).
 *
 * Sequence: virtio_pci_find() (the function, its capabilities and BARs), virtio_start()
 * (reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK), virtio_queue_setup() for each queue the
 * guest uses, virtio_driver_ok(); then virtq_transfer() for each request. One chain is in
 * flight per queue at a time, which is all most of these guests need; virtq_add(),
 * virtq_kick() and virtq_reap() keep several in flight (see below). Every step checks what
 * the device does and says on COM1 what went wrong.
 */

#pragma once

#include "guest.h"

#define VIRTIO_PCI_VENDOR_ID        0x1af4
#define VIRTIO_PCI_MODERN_DEVICE_ID 0x1040 /* + the device type */

/* Device types (section 5). */
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_RNG     4
#define VIRTIO_ID_BALLOON 5

/* Device status (section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER      0x02
#define VIRTIO_STATUS_DRIVER_OK   0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED      0x80

/* Reserved feature bits (section 6). */
#define VIRTIO_F_INDIRECT_DESC   (1ull << 28)
#define VIRTIO_F_EVENT_IDX       (1ull << 29)
#define VIRTIO_F_VERSION_1       (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)
#define VIRTIO_F_RING_PACKED     (1ull << 34)

/* Split virtqueue layout (section 2.7). */
#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_desc
{
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

struct virtq_avail
{
  uint16_t flags;
  uint16_t idx;
  uint16_t ring[];
};

struct virtq_used_elem
{
  uint32_t id;
  uint32_t len;
};

struct virtq_used
{
  uint16_t flags;
  uint16_t idx;
  struct virtq_used_elem ring[];
};

struct virtio_pci
{
  uint16_t bdf;
  uint16_t type;               /* VIRTIO_ID_* */
  uintptr_t common;            /* struct virtio_pci_common_cfg */
  uintptr_t isr;
  uintptr_t device;            /* device-specific configuration; 0 when there is none */
  uint32_t device_length;
  uintptr_t notify;
  uint32_t notify_length;
  uint32_t notify_multiplier;
  uint16_t num_queues;
  uint64_t device_features;
  uint64_t features;           /* what was negotiated */
};

struct virtq
{
  struct virtio_pci *dev;
  uint16_t index;
  uint16_t size;
  volatile struct virtq_desc *desc;
  volatile struct virtq_avail *avail;
  volatile struct virtq_used *used;
  uintptr_t notify_addr;
  uint16_t avail_idx;          /* the driver's copy of avail->idx */
  uint16_t used_idx;           /* the last used->idx seen */
  uint16_t head;               /* the chain in flight */
  bool in_flight;
  /* Several chains in flight (virtq_add() and the rest); set up by the first virtq_add(). */
  bool multi_ready;            /* the free list and chain_length are set up */
  uint16_t free_head;          /* the first free descriptor */
  uint16_t num_free;           /* descriptors on the free list */
  uint16_t chains;             /* chains added and not yet reaped */
  uint16_t published;          /* the avail->idx the device has been told about */
  uint16_t *chain_length;      /* descriptors in the chain whose head this is; 0: none */
};

/* One buffer of a chain: the device reads it (device_writes false) or writes it. Chains put
 * the device-readable buffers first. */
struct virtq_buf
{
  void *addr;
  uint32_t len;
  bool device_writes;
};

/* Finds the first modern virtio-pci function of this type on bus 0, checks its id, revision
 * and class, walks its vendor capabilities (common, notify, ISR, device configuration), reads
 * the BARs they point into (assigning a BAR that reads 0, see pci_bar_assign()), checks every
 * structure lies inside its BAR, and turns on memory decoding and bus mastering. */
bool virtio_pci_find (uint16_t type, struct virtio_pci *dev);

/* Reset (waiting for the status to read 0), ACKNOWLEDGE, DRIVER, then features: the device's
 * features are read into dev->device_features and the driver accepts
 * VIRTIO_F_VERSION_1 | (wanted & offered); VERSION_1 must be offered. Then FEATURES_OK, which
 * must read back set. On failure sets FAILED and returns false. */
bool virtio_start (struct virtio_pci *dev, uint64_t wanted);

/* Sets up queue index with min(size, the device's maximum) entries in memory from
 * guest_alloc(), and enables it. Before virtio_driver_ok(). */
bool virtio_queue_setup (struct virtio_pci *dev, struct virtq *q, uint16_t index, uint16_t size);

/* Sets DRIVER_OK and checks the device did not ask for a reset. */
bool virtio_driver_ok (struct virtio_pci *dev);
/* Writes 0 to the status: the device drops its queues. */
void virtio_reset (struct virtio_pci *dev);
uint8_t virtio_status (struct virtio_pci *dev);
/* Reads (and so clears) the ISR status byte. */
uint8_t virtio_isr (struct virtio_pci *dev);

/* Device-specific configuration at offset (bounded by what the capability gives; an access
 * outside it panics). virtio_config_read64() reads both halves under one config generation. */
uint8_t virtio_config_read8 (struct virtio_pci *dev, uint32_t offset);
uint16_t virtio_config_read16 (struct virtio_pci *dev, uint32_t offset);
uint32_t virtio_config_read32 (struct virtio_pci *dev, uint32_t offset);
uint64_t virtio_config_read64 (struct virtio_pci *dev, uint32_t offset);
void virtio_config_write32 (struct virtio_pci *dev, uint32_t offset, uint32_t value);

/* Puts a chain of n buffers (at most q->size) on the available ring and notifies the device.
 * Returns false if a chain is still in flight. */
bool virtq_submit (struct virtq *q, const struct virtq_buf *bufs, unsigned int n);
/* Polls the used ring for the chain in flight until timeout_us passes; checks the used
 * element names that chain and stores the length the device wrote in *written (may be NULL). */
bool virtq_wait (struct virtq *q, uint64_t timeout_us, uint32_t *written);
/* Both. */
bool virtq_transfer (struct virtq *q, const struct virtq_buf *bufs, unsigned int n,
                     uint64_t timeout_us, uint32_t *written);

/* Several chains in flight on one queue. Descriptors come from a free list (built by the
 * first virtq_add() on the queue, and again after virtq_submit() has used the table), so up
 * to q->size descriptors, in chains of any length, can be in flight together. The two ways of
 * using a queue do not mix while anything is in flight: virtq_submit() refuses while chains
 * added here are, and virtq_add() while a virtq_submit() chain is.
 *
 * virtq_add() puts a chain on the available ring without telling the device (its entry is
 * written, the index is not) and stores its head descriptor in *head, the id virtq_reap()
 * gives back; it returns false (having said why) when fewer than n descriptors are free.
 * virtq_kick() publishes what was added since the last kick and notifies the device once:
 * batching additions saves exits. virtq_reap() takes one used element if there is one:
 * returns 1 and stores the head and the length the device wrote, 0 when nothing is used
 * yet, -1 (having said why) when the device returned something that was not in flight.
 * virtq_reap_wait() polls until one element is reaped or timeout_us passes. */
bool virtq_add (struct virtq *q, const struct virtq_buf *bufs, unsigned int n, uint16_t *head);
void virtq_kick (struct virtq *q);
int virtq_reap (struct virtq *q, uint16_t *head, uint32_t *written);
bool virtq_reap_wait (struct virtq *q, uint64_t timeout_us, uint16_t *head, uint32_t *written);
/* Asks the device not to interrupt when it uses buffers (VIRTQ_AVAIL_F_NO_INTERRUPT, a hint
 * the device may ignore): these drivers poll. */
void virtq_no_interrupts (struct virtq *q);

/* A generous bound for one request on an emulated machine. */
#define VIRTIO_TIMEOUT_US 10000000ull
