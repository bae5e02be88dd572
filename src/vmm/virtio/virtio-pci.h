/* virtio-pci.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci/pci-device.h"
#include "virtio/virtio-device.h"

/* The modern (virtio 1.x, non-transitional) PCI transport (virtio 1.2,
 * section 4.1): vendor 0x1af4, device 0x1040 + device id, revision 1.
 *
 * BAR 1  32-bit memory, MSI-X: table at 0, PBA at 0x800 (n_queues + 1
 *        vectors)
 * BAR 4  64-bit memory, not prefetchable (reading the ISR clears it):
 *        0x0000  common configuration
 *        0x1000  ISR status
 *        0x2000  device-specific configuration (when the device has one)
 *        0x3000  notifications: queue q at 0x3000 + 4 * q
 *
 * plus a VIRTIO_PCI_CAP_PCI_CFG capability (the configuration space window
 * onto BAR 4 the specification requires) and INTx pin A for drivers that do
 * not enable MSI-X.
 *
 * The VMM may speed notifications up with an ioeventfd per queue, at the
 * address virtio_pci_get_notify_addr() gives, 2-byte writes, any data, whose
 * handler calls virtio_pci_kick(); the notify listener tells it when the BAR
 * moved so that it can move them. */

#define VIRTIO_PCI_MSIX_BAR          1
#define VIRTIO_PCI_BAR               4
#define VIRTIO_PCI_COMMON_OFFSET     0x0000
#define VIRTIO_PCI_ISR_OFFSET        0x1000
#define VIRTIO_PCI_DEVICE_OFFSET     0x2000
#define VIRTIO_PCI_NOTIFY_OFFSET     0x3000
#define VIRTIO_PCI_NOTIFY_MULTIPLIER 4

typedef struct VirtioPci VirtioPci;

/* Creates the PCI function for vdev (not yet on a host bridge: hand
 * virtio_pci_get_pci_device() to pci_host_add_device()). vdev must outlive
 * it. Returns NULL with errno set on failure. */
VirtioPci *virtio_pci_new                 (VirtioDevice *vdev);
/* After pci_host_free (or before the function was added). */
void       virtio_pci_free                (VirtioPci    *vp);

PciDevice *virtio_pci_get_pci_device      (VirtioPci    *vp);

/* The guest-physical address a driver writes to notify queue, while BAR 4
 * is mapped. */
bool       virtio_pci_get_notify_addr     (VirtioPci    *vp,
                                           unsigned      queue,
                                           uint64_t     *addr);
/* Called (no lock held) whenever BAR 4 is mapped, moved or unmapped. */
void       virtio_pci_set_notify_listener (VirtioPci    *vp,
                                           void        (*moved) (void      *opaque,
                                                                 VirtioPci *vp),
                                           void         *opaque);
/* Called (no lock held, on the vCPU thread) after a notification reached
 * the device through BAR 4 itself, that is with nothing (no ioeventfd) in
 * front of the address. */
void       virtio_pci_set_exit_kick_listener (VirtioPci *vp,
                                              void     (*kicked) (void      *opaque,
                                                                  VirtioPci *vp,
                                                                  unsigned   queue),
                                              void      *opaque);
/* What a write to the queue's notify address does. */
void       virtio_pci_kick                (VirtioPci    *vp,
                                           unsigned      queue);

/* The device status byte, for tests and for the control protocol. */
uint8_t    virtio_pci_get_status          (VirtioPci    *vp);
