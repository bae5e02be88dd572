/* virtio-device.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtio-device.h"

/* What every device gets from the virtqueue code, whatever it is. */
#define VIRTIO_DEVICE_COMMON_FEATURES (VIRTIO_FEATURE (VIRTIO_F_VERSION_1)              \
                                       | VIRTIO_FEATURE (VIRTIO_F_RING_INDIRECT_DESC) \
                                       | VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX))

static void
virtio_device_on_queue_error (void       *opaque,
                              Virtqueue  *vq,
                              const char *reason)
{
  virtio_device_needs_reset (opaque, reason);
}

int
virtio_device_init (VirtioDevice          *vdev,
                    const VirtioDeviceOps *ops,
                    const GuestMemory     *mem,
                    uint16_t               device_id,
                    uint64_t               features,
                    unsigned               config_size,
                    unsigned               n_queues,
                    const uint16_t        *queue_max_sizes)
{
  memset (vdev, 0, sizeof *vdev);
  if (ops == NULL || mem == NULL || n_queues == 0 || n_queues > 1024 || config_size > 0x1000
      || queue_max_sizes == NULL)
    return -EINVAL;
  for (unsigned i = 0; i < n_queues; i++)
    {
      uint16_t s = queue_max_sizes[i];
      if (s == 0 || (s & (s - 1)) != 0)
        return -EINVAL;
    }

  vdev->queues = calloc (n_queues, sizeof *vdev->queues);
  if (vdev->queues == NULL)
    return -ENOMEM;
  vdev->ops = ops;
  vdev->mem = mem;
  vdev->device_id = device_id;
  vdev->pci_class = 0xff0000;
  vdev->features = features | VIRTIO_DEVICE_COMMON_FEATURES;
  vdev->config_size = config_size;
  vdev->n_queues = n_queues;
  for (unsigned i = 0; i < n_queues; i++)
    {
      virtq_init (&vdev->queues[i], mem, i, queue_max_sizes[i]);
      virtq_set_error_handler (&vdev->queues[i], virtio_device_on_queue_error, vdev);
    }
  return 0;
}

void
virtio_device_destroy (VirtioDevice *vdev)
{
  for (unsigned i = 0; i < vdev->n_queues; i++)
    virtq_destroy (&vdev->queues[i]);
  free (vdev->queues);
  vdev->queues = NULL;
  vdev->n_queues = 0;
}

Virtqueue *
virtio_device_get_queue (VirtioDevice *vdev,
                         unsigned      queue)
{
  return queue < vdev->n_queues ? &vdev->queues[queue] : NULL;
}

uint64_t
virtio_device_get_driver_features (VirtioDevice *vdev)
{
  return __atomic_load_n (&vdev->driver_features, __ATOMIC_ACQUIRE);
}

void
virtio_device_set_driver_features (VirtioDevice *vdev,
                                   uint64_t      features)
{
  __atomic_store_n (&vdev->driver_features, features, __ATOMIC_RELEASE);
}

void
virtio_device_set_transport (VirtioDevice             *vdev,
                             const VirtioTransportOps *ops,
                             void                     *opaque)
{
  vdev->transport = ops;
  vdev->transport_opaque = opaque;
}

void
virtio_device_queue_done (VirtioDevice *vdev,
                          unsigned      queue)
{
  if (queue >= vdev->n_queues || vdev->transport == NULL)
    return;
  if (virtq_should_notify (&vdev->queues[queue]))
    vdev->transport->queue_interrupt (vdev->transport_opaque, queue);
}

void
virtio_device_config_changed (VirtioDevice *vdev)
{
  if (vdev->transport != NULL)
    vdev->transport->config_changed (vdev->transport_opaque);
}

void
virtio_device_needs_reset (VirtioDevice *vdev,
                           const char   *reason)
{
  if (vdev->transport != NULL)
    vdev->transport->needs_reset (vdev->transport_opaque, reason);
}
