/* virtio-rng.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "virtio-rng.h"

/* No state but the queue, which has its own lock: two vCPUs kicking at once
 * each pop their own requests, into chains on their own stacks. */
struct VirtioRng
{
  VirtioDevice vdev;          /* first: the ops get &rng->vdev */
};

/* Fills [buf, buf + len) from the kernel's CSPRNG. getrandom() on the
 * urandom source only returns short when a signal interrupts it. */
static size_t
virtio_rng_fill (void   *buf,
                 size_t  len)
{
  size_t done = 0;

  while (done < len)
    {
      ssize_t n = getrandom ((uint8_t *) buf + done, len - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (size_t) n;
    }
  return done;
}

static void
virtio_rng_queue_notify (VirtioDevice *vdev,
                         unsigned      queue)
{
  Virtqueue *vq = virtio_device_get_queue (vdev, 0);
  VirtqSeg segs[VIRTIO_RNG_QUEUE_SIZE];
  VirtqChain chain = { .capacity = VIRTIO_RNG_QUEUE_SIZE, .segs = segs };
  bool pushed = false;

  if (queue != 0)
    return;

  while (virtq_pop (vq, &chain) > 0)
    {
      size_t budget = VIRTIO_RNG_MAX_REQUEST, written = 0;

      /* Readable buffers have no meaning in a request; they are skipped. */
      for (unsigned i = chain.n_readable; i < chain.n_segs && budget > 0; i++)
        {
          const VirtqSeg *seg = &chain.segs[i];
          size_t want = seg->len < budget ? seg->len : budget;
          size_t got = virtio_rng_fill (seg->host, want);

          written += got;
          budget -= got;
          if (got < want)
            break;
        }
      virtq_push (vq, &chain, (uint32_t) written);
      pushed = true;
    }

  if (pushed)
    virtio_device_queue_done (vdev, 0);
}

static void
virtio_rng_reset (VirtioDevice *vdev)
{
  /* Nothing is kept between requests. */
}

static const VirtioDeviceOps virtio_rng_ops = {
  .name = "rng",
  .queue_notify = virtio_rng_queue_notify,
  .reset = virtio_rng_reset,
};

VirtioRng *
virtio_rng_new (const GuestMemory *mem)
{
  static const uint16_t sizes[1] = { VIRTIO_RNG_QUEUE_SIZE };
  VirtioRng *rng = calloc (1, sizeof *rng);

  if (rng == NULL)
    return NULL;
  if (virtio_device_init (&rng->vdev, &virtio_rng_ops, mem, VIRTIO_ID_RNG, 0, 0, 1, sizes) < 0)
    {
      free (rng);
      return NULL;
    }
  return rng;
}

void
virtio_rng_free (VirtioRng *rng)
{
  if (rng == NULL)
    return;
  virtio_device_destroy (&rng->vdev);
  free (rng);
}

VirtioDevice *
virtio_rng_get_device (VirtioRng *rng)
{
  return &rng->vdev;
}
