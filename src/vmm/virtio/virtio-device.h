/* virtio-device.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "memory/guest-memory.h"
#include "virtio/virtio.h"
#include "virtio/virtqueue.h"

/* What a virtio back end (rng, blk, net …) is, seen from a transport. The
 * back end embeds a VirtioDevice, fills in its ops table, and never knows
 * whether PCI or anything else carries it: it pops chains from its queues,
 * pushes them back, and calls virtio_device_queue_done() to let the transport
 * interrupt the driver if the driver wants that.
 *
 * The transport owns feature negotiation, the device status and the queues'
 * configuration; it calls the ops below. Each back end guards its own state;
 * ops are called without any transport lock held. */

typedef struct VirtioDevice VirtioDevice;

typedef struct
{
  const char *name;
  /* Device-specific configuration space; offset + size <= config_size,
   * checked by the transport. Either may be NULL when config_size is 0. */
  void (*config_read)  (VirtioDevice *vdev,
                        unsigned      offset,
                        void         *buf,
                        unsigned      size);
  void (*config_write) (VirtioDevice *vdev,
                        unsigned      offset,
                        const void   *buf,
                        unsigned      size);
  /* The driver made buffers available on queue (only after DRIVER_OK and
   * with the queue enabled). From a vCPU or an I/O thread. */
  void (*queue_notify) (VirtioDevice *vdev,
                        unsigned      queue);
  /* Optional. DRIVER_OK: features are final and the queues set up. A
   * negative return refuses the configuration (DEVICE_NEEDS_RESET). */
  int  (*activate)     (VirtioDevice *vdev);
  /* The driver reset the device (or the machine reset): drop whatever is in
   * flight and go back to the initial state. The queues are already reset. */
  void (*reset)        (VirtioDevice *vdev);
} VirtioDeviceOps;

/* The transport's side, given to the back end through the VirtioDevice:
 * a used-buffer notification for queue; a configuration change notification
 * (new config_generation); DEVICE_NEEDS_RESET plus a configuration change
 * notification. */
typedef struct
{
  void (*queue_interrupt) (void       *opaque,
                           unsigned    queue);
  void (*config_changed)  (void       *opaque);
  void (*needs_reset)     (void       *opaque,
                           const char *reason);
} VirtioTransportOps;

struct VirtioDevice
{
  const VirtioDeviceOps    *ops;
  const GuestMemory        *mem;
  uint16_t                  device_id;       /* VIRTIO_ID_* */
  uint32_t                  pci_class;       /* class code a PCI transport shows */
  uint64_t                  features;        /* offered, ring features and VERSION_1 included */
  unsigned                  config_size;
  unsigned                  n_queues;
  Virtqueue                *queues;

  /* Set by the transport before the guest runs. */
  const VirtioTransportOps *transport;
  void                     *transport_opaque;

  /* Negotiated at FEATURES_OK, 0 after a reset; read with
   * virtio_device_get_driver_features(). */
  uint64_t                  driver_features;
};

/* features: the device-specific ones; VIRTIO_F_VERSION_1 and the ring
 * features this virtqueue implements are added. queue_max_sizes: one power
 * of two per queue. Returns 0 or -errno. */
int      virtio_device_init                (VirtioDevice          *vdev,
                                            const VirtioDeviceOps *ops,
                                            const GuestMemory     *mem,
                                            uint16_t               device_id,
                                            uint64_t               features,
                                            unsigned               config_size,
                                            unsigned               n_queues,
                                            const uint16_t        *queue_max_sizes);
void     virtio_device_destroy             (VirtioDevice          *vdev);

Virtqueue *virtio_device_get_queue         (VirtioDevice          *vdev,
                                            unsigned               queue);
uint64_t virtio_device_get_driver_features (VirtioDevice          *vdev);

/* For back ends. After pushing used buffers: interrupts the driver if it
 * asked for it. */
void     virtio_device_queue_done          (VirtioDevice          *vdev,
                                            unsigned               queue);
/* The device-specific configuration changed. */
void     virtio_device_config_changed      (VirtioDevice          *vdev);
/* Something the driver did makes the device unusable until reset. */
void     virtio_device_needs_reset         (VirtioDevice          *vdev,
                                            const char            *reason);

/* For transports. */
void     virtio_device_set_transport       (VirtioDevice             *vdev,
                                            const VirtioTransportOps *ops,
                                            void                     *opaque);
void     virtio_device_set_driver_features (VirtioDevice          *vdev,
                                            uint64_t               features);
