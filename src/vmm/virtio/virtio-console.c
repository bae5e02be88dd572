/* virtio-console.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <endian.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "virtio-console.h"

struct VirtioConsole
{
  VirtioDevice     vdev;            /* first: the ops get &vc->vdev */

  /* Held while bytes move from the FIFO into the receive queue, pop to
   * push, so that they arrive in order whichever thread moves them; only
   * the transport's error report can run under it (from virtq_pop). Never
   * held while calling the sink or the host's callback. */
  pthread_mutex_t  lock;
  ByteSink         out;
  uint16_t         cols;
  uint16_t         rows;
  bool             active;
  bool             rx_waiting;      /* the host was turned away; tell it when there is room */
  void           (*rx_notify) (void *opaque);
  void            *rx_opaque;
  uint8_t          fifo[VIRTIO_CONSOLE_RX_FIFO];
  size_t           fifo_head;       /* oldest byte */
  size_t           fifo_len;
};

static ByteSink
virtio_console_get_sink (VirtioConsole *vc)
{
  ByteSink sink;

  pthread_mutex_lock (&vc->lock);
  sink = vc->out;
  pthread_mutex_unlock (&vc->lock);
  return sink;
}

static void
virtio_console_transmit (VirtioConsole *vc)
{
  Virtqueue *vq = virtio_device_get_queue (&vc->vdev, VIRTIO_CONSOLE_TX_QUEUE);
  VirtqSeg segs[VIRTIO_CONSOLE_QUEUE_SIZE];
  VirtqChain chain = { .capacity = VIRTIO_CONSOLE_QUEUE_SIZE, .segs = segs };
  ByteSink sink = virtio_console_get_sink (vc);
  bool pushed = false;

  /* Until the ring is empty, with no budget: with event index the driver
   * only notifies again once we have seen the ring empty, so chains left
   * behind would wait for ever. The time goes to the guest's own vCPU
   * (Linux's hvc driver waits for each buffer to come back anyway). The
   * sink runs without our lock: it may block on a slow terminal, and must
   * be free to call back into the device. */
  while (virtq_pop (vq, &chain) > 0)
    {
      for (unsigned i = 0; i < chain.n_readable; i++)
        byte_sink_write (&sink, chain.segs[i].host, chain.segs[i].len);
      virtq_push (vq, &chain, 0);
      pushed = true;
    }
  if (pushed)
    virtio_device_queue_done (&vc->vdev, VIRTIO_CONSOLE_TX_QUEUE);
}

/* Moves FIFO bytes into the driver's receive buffers while there are
 * both. Lock held. Returns whether a buffer was used. */
static bool
virtio_console_flush_locked (VirtioConsole *vc)
{
  Virtqueue *vq = virtio_device_get_queue (&vc->vdev, VIRTIO_CONSOLE_RX_QUEUE);
  VirtqSeg segs[VIRTIO_CONSOLE_QUEUE_SIZE];
  VirtqChain chain = { .capacity = VIRTIO_CONSOLE_QUEUE_SIZE, .segs = segs };
  bool pushed = false;

  /* Before DRIVER_OK the device must not touch the buffers. */
  if (!vc->active)
    return false;
  while (vc->fifo_len > 0 && virtq_pop (vq, &chain) > 0)
    {
      size_t written = 0;

      /* The FIFO is a ring: its bytes are in at most two pieces. */
      while (vc->fifo_len > 0)
        {
          size_t run = VIRTIO_CONSOLE_RX_FIFO - vc->fifo_head;
          size_t n;

          if (run > vc->fifo_len)
            run = vc->fifo_len;
          n = virtq_chain_write (&chain, written, vc->fifo + vc->fifo_head, run);
          written += n;
          vc->fifo_head = (vc->fifo_head + n) % VIRTIO_CONSOLE_RX_FIFO;
          vc->fifo_len -= n;
          if (n < run)
            break;                  /* the buffer is full */
        }
      virtq_push (vq, &chain, (uint32_t) written);
      pushed = true;
    }
  return pushed;
}

/* After the FIFO may have drained: whether to tell a waiting host. Lock
 * held. */
static bool
virtio_console_take_rx_notify_locked (VirtioConsole  *vc,
                                      void          (**notify) (void *),
                                      void          **opaque)
{
  if (!vc->rx_waiting || vc->fifo_len == VIRTIO_CONSOLE_RX_FIFO || vc->rx_notify == NULL)
    return false;
  vc->rx_waiting = false;
  *notify = vc->rx_notify;
  *opaque = vc->rx_opaque;
  return true;
}

static void
virtio_console_queue_notify (VirtioDevice *vdev,
                             unsigned      queue)
{
  VirtioConsole *vc = (VirtioConsole *) vdev;
  void (*notify) (void *) = NULL;
  void *opaque = NULL;
  bool pushed, tell;

  if (queue == VIRTIO_CONSOLE_TX_QUEUE)
    {
      virtio_console_transmit (vc);
      return;
    }
  if (queue != VIRTIO_CONSOLE_RX_QUEUE)
    return;

  /* New receive buffers: what waits in the FIFO goes in, and a host that
   * was turned away may send again. */
  pthread_mutex_lock (&vc->lock);
  pushed = virtio_console_flush_locked (vc);
  tell = virtio_console_take_rx_notify_locked (vc, &notify, &opaque);
  pthread_mutex_unlock (&vc->lock);
  if (pushed)
    virtio_device_queue_done (vdev, VIRTIO_CONSOLE_RX_QUEUE);
  if (tell)
    notify (opaque);
}

size_t
virtio_console_receive (VirtioConsole *vc,
                        const uint8_t *buf,
                        size_t         len)
{
  size_t taken = 0;
  bool pushed = false;

  pthread_mutex_lock (&vc->lock);
  /* Fill, drain into the guest's buffers, again: a driver with plenty of
   * buffers takes more than the FIFO holds in one call. */
  while (taken < len)
    {
      size_t room = VIRTIO_CONSOLE_RX_FIFO - vc->fifo_len;
      size_t n = len - taken < room ? len - taken : room;

      if (n == 0)
        break;
      for (size_t i = 0; i < n; i++)
        vc->fifo[(vc->fifo_head + vc->fifo_len + i) % VIRTIO_CONSOLE_RX_FIFO] = buf[taken + i];
      vc->fifo_len += n;
      taken += n;
      pushed |= virtio_console_flush_locked (vc);
    }
  if (taken < len)
    vc->rx_waiting = true;
  pthread_mutex_unlock (&vc->lock);

  if (pushed)
    virtio_device_queue_done (&vc->vdev, VIRTIO_CONSOLE_RX_QUEUE);
  return taken;
}

size_t
virtio_console_rx_space (VirtioConsole *vc)
{
  size_t space;

  pthread_mutex_lock (&vc->lock);
  space = VIRTIO_CONSOLE_RX_FIFO - vc->fifo_len;
  if (space == 0)
    vc->rx_waiting = true;
  pthread_mutex_unlock (&vc->lock);
  return space;
}

static void
virtio_console_config_read (VirtioDevice *vdev,
                            unsigned      offset,
                            void         *buf,
                            unsigned      size)
{
  VirtioConsole *vc = (VirtioConsole *) vdev;
  uint8_t image[VIRTIO_CONSOLE_CONFIG_SIZE] = { 0 };
  uint16_t cols, rows;
  uint32_t ports = htole32 (1);

  pthread_mutex_lock (&vc->lock);
  cols = htole16 (vc->cols);
  rows = htole16 (vc->rows);
  pthread_mutex_unlock (&vc->lock);
  memcpy (image + VIRTIO_CONSOLE_CFG_COLS, &cols, 2);
  memcpy (image + VIRTIO_CONSOLE_CFG_ROWS, &rows, 2);
  memcpy (image + VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, &ports, 4);
  /* emerg_wr reads as 0. */
  memcpy (buf, image + offset, size);
}

static void
virtio_console_config_write (VirtioDevice *vdev,
                             unsigned      offset,
                             const void   *buf,
                             unsigned      size)
{
  VirtioConsole *vc = (VirtioConsole *) vdev;
  ByteSink sink;

  /* Emergency write (5.3.4): the low byte of a write to emerg_wr is one
   * character of output. Everything else is read-only. */
  if (offset != VIRTIO_CONSOLE_CFG_EMERG_WR)
    return;
  sink = virtio_console_get_sink (vc);
  byte_sink_write (&sink, buf, 1);
}

static int
virtio_console_activate (VirtioDevice *vdev)
{
  VirtioConsole *vc = (VirtioConsole *) vdev;

  pthread_mutex_lock (&vc->lock);
  vc->active = true;
  pthread_mutex_unlock (&vc->lock);
  return 0;
}

static void
virtio_console_reset (VirtioDevice *vdev)
{
  VirtioConsole *vc = (VirtioConsole *) vdev;
  void (*notify) (void *) = NULL;
  void *opaque = NULL;
  bool tell;

  /* Input nobody read goes, as a UART's FIFO does on reset; a host that
   * waited for room has it now. */
  pthread_mutex_lock (&vc->lock);
  vc->active = false;
  vc->fifo_head = 0;
  vc->fifo_len = 0;
  tell = virtio_console_take_rx_notify_locked (vc, &notify, &opaque);
  pthread_mutex_unlock (&vc->lock);
  if (tell)
    notify (opaque);
}

static const VirtioDeviceOps virtio_console_ops = {
  .name = "console",
  .config_read = virtio_console_config_read,
  .config_write = virtio_console_config_write,
  .queue_notify = virtio_console_queue_notify,
  .activate = virtio_console_activate,
  .reset = virtio_console_reset,
};

VirtioConsole *
virtio_console_new (const GuestMemory *mem,
                    const ByteSink    *out)
{
  static const uint16_t sizes[2] = { VIRTIO_CONSOLE_QUEUE_SIZE, VIRTIO_CONSOLE_QUEUE_SIZE };
  uint64_t features = VIRTIO_FEATURE (VIRTIO_CONSOLE_F_SIZE)
                      | VIRTIO_FEATURE (VIRTIO_CONSOLE_F_EMERG_WRITE);
  VirtioConsole *vc = calloc (1, sizeof *vc);

  if (vc == NULL)
    return NULL;
  if (virtio_device_init (&vc->vdev, &virtio_console_ops, mem, VIRTIO_ID_CONSOLE, features,
                          VIRTIO_CONSOLE_CONFIG_SIZE, 2, sizes) < 0)
    {
      free (vc);
      return NULL;
    }
  vc->vdev.pci_class = 0x078000;        /* simple communication controller, other */
  pthread_mutex_init (&vc->lock, NULL);
  if (out != NULL)
    vc->out = *out;
  vc->cols = 80;
  vc->rows = 25;
  return vc;
}

void
virtio_console_free (VirtioConsole *vc)
{
  if (vc == NULL)
    return;
  virtio_device_destroy (&vc->vdev);
  pthread_mutex_destroy (&vc->lock);
  free (vc);
}

VirtioDevice *
virtio_console_get_device (VirtioConsole *vc)
{
  return &vc->vdev;
}

void
virtio_console_set_rx_notify (VirtioConsole  *vc,
                              void          (*notify) (void *opaque),
                              void           *opaque)
{
  pthread_mutex_lock (&vc->lock);
  vc->rx_notify = notify;
  vc->rx_opaque = opaque;
  pthread_mutex_unlock (&vc->lock);
}

void
virtio_console_set_size (VirtioConsole *vc,
                         uint16_t       cols,
                         uint16_t       rows)
{
  bool changed, active;

  pthread_mutex_lock (&vc->lock);
  changed = vc->cols != cols || vc->rows != rows;
  vc->cols = cols;
  vc->rows = rows;
  active = vc->active;
  pthread_mutex_unlock (&vc->lock);
  if (changed && active)
    virtio_device_config_changed (&vc->vdev);
}
