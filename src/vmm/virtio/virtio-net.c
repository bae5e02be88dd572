/* virtio-net.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <endian.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "virtio-net.h"

struct VirtioNet
{
  VirtioDevice     vdev;            /* first: the ops get &net->vdev */
  /* Guards the fields below and is held from pop to push on the receive
   * queue, so that frames from several host threads land whole and in
   * order. Only the transport's error report runs under it (from
   * virtq_pop); the back end's callbacks never do. */
  pthread_mutex_t  lock;
  NetBackend       backend;
  uint8_t          mac[6];
  bool             active;
  VirtioNetStats   stats;
};

/* The header of a frame for the guest: no checksum or GSO to report, one
 * buffer. */
static void
virtio_net_fill_rx_header (uint8_t hdr[VIRTIO_NET_HDR_SIZE])
{
  uint16_t num_buffers = htole16 (1);

  memset (hdr, 0, VIRTIO_NET_HDR_SIZE);
  memcpy (hdr + 10, &num_buffers, 2);
}

static void
virtio_net_count_tx (VirtioNet *net,
                     bool       sent,
                     size_t     len)
{
  pthread_mutex_lock (&net->lock);
  if (sent)
    {
      net->stats.tx_frames++;
      net->stats.tx_bytes += len;
    }
  else
    net->stats.tx_dropped++;
  pthread_mutex_unlock (&net->lock);
}

static void
virtio_net_transmit (VirtioNet *net)
{
  Virtqueue *vq = virtio_device_get_queue (&net->vdev, VIRTIO_NET_TX_QUEUE);
  VirtqSeg segs[VIRTIO_NET_QUEUE_SIZE];
  VirtqChain chain = { .capacity = VIRTIO_NET_QUEUE_SIZE, .segs = segs };
  NetBackend backend;
  uint8_t *frame = NULL;
  bool pushed = false;

  pthread_mutex_lock (&net->lock);
  backend = net->backend;
  pthread_mutex_unlock (&net->lock);

  /* Until the ring is empty: with event index the driver notifies again
   * only once we saw it empty. Each frame is copied out of guest memory
   * first, so that the back end never sees bytes the guest changes under
   * it, and so that a frame split over segments reaches it in one piece. */
  while (virtq_pop (vq, &chain) > 0)
    {
      uint64_t total = chain.readable_len;
      size_t len;

      /* The header says nothing we act on: we offered no offloads, so
       * there is no checksum to finish and no segment to cut. */
      if (total < VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MIN_FRAME
          || total > VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME)
        {
          virtio_net_count_tx (net, false, 0);
          virtq_push (vq, &chain, 0);
          pushed = true;
          continue;
        }
      len = (size_t) total - VIRTIO_NET_HDR_SIZE;
      if (frame == NULL)
        frame = malloc (VIRTIO_NET_MAX_FRAME);
      if (frame == NULL || virtq_chain_read (&chain, VIRTIO_NET_HDR_SIZE, frame, len) != len)
        {
          virtio_net_count_tx (net, false, 0);
          virtq_push (vq, &chain, 0);
          pushed = true;
          continue;
        }
      /* The buffer goes back before the back end runs: the frame is ours
       * now, and the guest can reuse the buffer at once. */
      virtq_push (vq, &chain, 0);
      pushed = true;
      if (backend.transmit != NULL)
        backend.transmit (backend.opaque, frame, len);
      virtio_net_count_tx (net, backend.transmit != NULL, len);
    }
  free (frame);

  if (pushed)
    virtio_device_queue_done (&net->vdev, VIRTIO_NET_TX_QUEUE);
}

size_t
virtio_net_receive (VirtioNet     *net,
                    const uint8_t *frame,
                    size_t         len)
{
  Virtqueue *vq = virtio_device_get_queue (&net->vdev, VIRTIO_NET_RX_QUEUE);
  VirtqSeg segs[VIRTIO_NET_QUEUE_SIZE];
  VirtqChain chain = { .capacity = VIRTIO_NET_QUEUE_SIZE, .segs = segs };
  uint8_t hdr[VIRTIO_NET_HDR_SIZE];
  bool pushed = false, delivered = false;

  pthread_mutex_lock (&net->lock);
  if (len > VIRTIO_NET_MAX_FRAME)
    {
      net->stats.rx_oversize++;
      goto drop;
    }
  /* Before DRIVER_OK the device must not touch the buffers. */
  if (!net->active || len < VIRTIO_NET_MIN_FRAME)
    goto drop;
  if (virtq_pop (vq, &chain) <= 0)
    goto drop;
  pushed = true;
  /* Without MRG_RXBUF a frame must fit one chain; a chain too small gets
   * nothing (the guest sees a used length of 0 and reposts it). */
  if (chain.writable_len < VIRTIO_NET_HDR_SIZE + (uint64_t) len)
    {
      virtq_push (vq, &chain, 0);
      goto drop;
    }
  virtio_net_fill_rx_header (hdr);
  virtq_chain_write (&chain, 0, hdr, VIRTIO_NET_HDR_SIZE);
  virtq_chain_write (&chain, VIRTIO_NET_HDR_SIZE, frame, len);
  virtq_push (vq, &chain, (uint32_t) (VIRTIO_NET_HDR_SIZE + len));
  net->stats.rx_frames++;
  net->stats.rx_bytes += len;
  delivered = true;
  goto out;

drop:
  net->stats.rx_dropped++;
out:
  pthread_mutex_unlock (&net->lock);
  if (pushed)
    virtio_device_queue_done (&net->vdev, VIRTIO_NET_RX_QUEUE);
  return delivered ? len : 0;
}

static void
virtio_net_queue_notify (VirtioDevice *vdev,
                         unsigned      queue)
{
  VirtioNet *net = (VirtioNet *) vdev;
  NetBackend backend;

  if (queue == VIRTIO_NET_TX_QUEUE)
    {
      virtio_net_transmit (net);
      return;
    }
  if (queue != VIRTIO_NET_RX_QUEUE)
    return;
  /* New receive buffers: nothing waits here (frames that found no room
   * were dropped), but a back end that holds frames back may send now. */
  pthread_mutex_lock (&net->lock);
  backend = net->backend;
  pthread_mutex_unlock (&net->lock);
  if (backend.rx_ready != NULL)
    backend.rx_ready (backend.opaque);
}

static void
virtio_net_config_read (VirtioDevice *vdev,
                        unsigned      offset,
                        void         *buf,
                        unsigned      size)
{
  VirtioNet *net = (VirtioNet *) vdev;
  uint8_t image[VIRTIO_NET_CONFIG_SIZE] = { 0 };
  uint16_t status = htole16 (VIRTIO_NET_S_LINK_UP);

  pthread_mutex_lock (&net->lock);
  memcpy (image + VIRTIO_NET_CFG_MAC, net->mac, 6);
  pthread_mutex_unlock (&net->lock);
  memcpy (image + VIRTIO_NET_CFG_STATUS, &status, 2);
  memcpy (buf, image + offset, size);
}

/* The MAC is the host's choice (a legacy driver may write it; a modern
 * one must not, 5.1.4.1), so config writes are ignored. */
static void
virtio_net_config_write (VirtioDevice *vdev,
                         unsigned      offset,
                         const void   *buf,
                         unsigned      size)
{
}

static int
virtio_net_activate (VirtioDevice *vdev)
{
  VirtioNet *net = (VirtioNet *) vdev;

  pthread_mutex_lock (&net->lock);
  net->active = true;
  pthread_mutex_unlock (&net->lock);
  return 0;
}

static void
virtio_net_reset (VirtioDevice *vdev)
{
  VirtioNet *net = (VirtioNet *) vdev;

  pthread_mutex_lock (&net->lock);
  net->active = false;
  pthread_mutex_unlock (&net->lock);
}

static const VirtioDeviceOps virtio_net_ops = {
  .name = "net",
  .config_read = virtio_net_config_read,
  .config_write = virtio_net_config_write,
  .queue_notify = virtio_net_queue_notify,
  .activate = virtio_net_activate,
  .reset = virtio_net_reset,
};

VirtioNet *
virtio_net_new (const GuestMemory *mem,
                const uint8_t      mac[6],
                const NetBackend  *backend)
{
  static const uint16_t sizes[2] = { VIRTIO_NET_QUEUE_SIZE, VIRTIO_NET_QUEUE_SIZE };
  uint64_t features = VIRTIO_FEATURE (VIRTIO_NET_F_MAC) | VIRTIO_FEATURE (VIRTIO_NET_F_STATUS);
  VirtioNet *net;

  /* A multicast source address would make every frame the guest sends
   * invalid on the wire. */
  if (mac == NULL || (mac[0] & 1))
    return NULL;
  net = calloc (1, sizeof *net);
  if (net == NULL)
    return NULL;
  if (virtio_device_init (&net->vdev, &virtio_net_ops, mem, VIRTIO_ID_NET, features,
                          VIRTIO_NET_CONFIG_SIZE, 2, sizes) < 0)
    {
      free (net);
      return NULL;
    }
  net->vdev.pci_class = 0x020000;       /* network controller, Ethernet */
  pthread_mutex_init (&net->lock, NULL);
  memcpy (net->mac, mac, 6);
  if (backend != NULL)
    net->backend = *backend;
  return net;
}

void
virtio_net_free (VirtioNet *net)
{
  if (net == NULL)
    return;
  virtio_device_destroy (&net->vdev);
  pthread_mutex_destroy (&net->lock);
  free (net);
}

VirtioDevice *
virtio_net_get_device (VirtioNet *net)
{
  return &net->vdev;
}

void
virtio_net_get_stats (VirtioNet      *net,
                      VirtioNetStats *stats)
{
  pthread_mutex_lock (&net->lock);
  *stats = net->stats;
  pthread_mutex_unlock (&net->lock);
}
