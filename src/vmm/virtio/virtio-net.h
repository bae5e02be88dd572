/* virtio-net.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "memory/guest-memory.h"
#include "virtio/virtio-device.h"

/* virtio network card (virtio 1.2, section 5.1): one receive queue and one
 * transmit queue, Ethernet frames behind the 12-byte struct virtio_net_hdr
 * (VERSION_1 always has num_buffers).
 *
 * Features: VIRTIO_NET_F_MAC (the MAC in the configuration space) and
 * VIRTIO_NET_F_STATUS (link always up). No VIRTIO_NET_F_MRG_RXBUF and no
 * checksum or segmentation offload: every frame is a plain, complete
 * Ethernet frame of at most VIRTIO_NET_MAX_FRAME bytes, and each frame for
 * the guest goes into one receive chain (num_buffers is always 1). Linux
 * then posts receive buffers of a full frame plus the header.
 *
 * The host side is a NetBackend: frames the guest sends go to its transmit
 * callback, from the thread that notified the transmit queue; frames for the
 * guest go in with virtio_net_receive(), from any thread. A frame that cannot
 * be delivered (no buffer, buffer too small, too big, device not running)
 * is dropped and counted, as a real card drops frames on a full ring. */

#define VIRTIO_NET_QUEUE_SIZE      256
#define VIRTIO_NET_RX_QUEUE        0
#define VIRTIO_NET_TX_QUEUE        1

#define VIRTIO_NET_F_MAC           5
#define VIRTIO_NET_F_MRG_RXBUF     15
#define VIRTIO_NET_F_STATUS        16

#define VIRTIO_NET_S_LINK_UP       1

/* struct virtio_net_config, up to status. */
#define VIRTIO_NET_CFG_MAC         0
#define VIRTIO_NET_CFG_STATUS      6
#define VIRTIO_NET_CONFIG_SIZE     8

/* struct virtio_net_hdr with num_buffers. */
#define VIRTIO_NET_HDR_SIZE        12
/* The largest Ethernet frame either way: 64 KiB of payload plus the
 * Ethernet header and a VLAN tag. Larger frames are dropped. */
#define VIRTIO_NET_MAX_FRAME       65550
/* The smallest: an Ethernet header. */
#define VIRTIO_NET_MIN_FRAME       14

typedef struct
{
  /* A frame from the guest (no virtio header), on the thread that notified
   * the transmit queue; no device lock held. frame is only valid during the
   * call. */
  void  (*transmit) (void          *opaque,
                     const uint8_t *frame,
                     size_t         len);
  /* Optional: the driver posted receive buffers (a back end that holds
   * frames back while there is no room may send again). vCPU or I/O
   * thread, no device lock held. */
  void  (*rx_ready) (void          *opaque);
  void   *opaque;
} NetBackend;

typedef struct
{
  uint64_t tx_frames;
  uint64_t tx_bytes;
  uint64_t tx_dropped;          /* malformed header, too short or too long */
  uint64_t rx_frames;
  uint64_t rx_bytes;
  uint64_t rx_dropped;          /* no buffer, buffer too small, not running */
  uint64_t rx_oversize;         /* of rx_dropped: longer than VIRTIO_NET_MAX_FRAME */
} VirtioNetStats;

typedef struct VirtioNet VirtioNet;

/* mac must be a unicast address; backend is copied (NULL or a NULL transmit:
 * guest frames are dropped). mem must outlive the device. NULL when out of
 * memory. */
VirtioNet    *virtio_net_new        (const GuestMemory *mem,
                                     const uint8_t      mac[6],
                                     const NetBackend  *backend);
/* After its transport is freed. */
void          virtio_net_free       (VirtioNet         *net);
VirtioDevice *virtio_net_get_device (VirtioNet         *net);

/* Host to guest: one Ethernet frame (no virtio header). Returns len when
 * the frame went into a receive buffer, 0 when it was dropped. */
size_t        virtio_net_receive    (VirtioNet         *net,
                                     const uint8_t     *frame,
                                     size_t             len);
void          virtio_net_get_stats  (VirtioNet         *net,
                                     VirtioNetStats    *stats);
