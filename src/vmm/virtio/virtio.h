/* virtio.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

/* Numbers from the Virtual I/O Device (VIRTIO) specification, version 1.2. */

/* Device status (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE         0x01
#define VIRTIO_STATUS_DRIVER              0x02
#define VIRTIO_STATUS_DRIVER_OK           0x04
#define VIRTIO_STATUS_FEATURES_OK         0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET  0x40
#define VIRTIO_STATUS_FAILED              0x80

/* Reserved feature bits (6). */
#define VIRTIO_F_RING_INDIRECT_DESC       28
#define VIRTIO_F_RING_EVENT_IDX           29
#define VIRTIO_F_VERSION_1                32
#define VIRTIO_F_ACCESS_PLATFORM          33
#define VIRTIO_F_RING_PACKED              34
#define VIRTIO_F_IN_ORDER                 35
#define VIRTIO_F_RING_RESET               40

#define VIRTIO_FEATURE(bit)               ((uint64_t) 1 << (bit))

/* Device ids (5). */
#define VIRTIO_ID_NET                     1
#define VIRTIO_ID_BLOCK                   2
#define VIRTIO_ID_CONSOLE                 3
#define VIRTIO_ID_RNG                     4
#define VIRTIO_ID_BALLOON                 5
#define VIRTIO_ID_INPUT                   18

/* Split virtqueue (2.7). */
#define VIRTQ_DESC_F_NEXT                 1
#define VIRTQ_DESC_F_WRITE                2
#define VIRTQ_DESC_F_INDIRECT             4
#define VIRTQ_AVAIL_F_NO_INTERRUPT        1
#define VIRTQ_USED_F_NO_NOTIFY            1
#define VIRTQ_DESC_SIZE                   16
#define VIRTQ_USED_ELEM_SIZE              8
#define VIRTQ_MAX_SIZE                    32768

/* Virtio over PCI (4.1). */
#define VIRTIO_PCI_VENDOR_ID              0x1af4
#define VIRTIO_PCI_DEVICE_ID_BASE         0x1040   /* + device id: modern, non-transitional */
#define VIRTIO_PCI_REVISION               1
#define VIRTIO_PCI_NO_VECTOR              0xffff

#define VIRTIO_PCI_CAP_COMMON_CFG         1
#define VIRTIO_PCI_CAP_NOTIFY_CFG         2
#define VIRTIO_PCI_CAP_ISR_CFG            3
#define VIRTIO_PCI_CAP_DEVICE_CFG         4
#define VIRTIO_PCI_CAP_PCI_CFG            5

/* struct virtio_pci_cap: 16 bytes; the notify capability adds a dword
 * (notify_off_multiplier), the PCI configuration access one adds the data
 * window (pci_cfg_data). */
#define VIRTIO_PCI_CAP_LEN                16
#define VIRTIO_PCI_CAP_NOTIFY_LEN         20
#define VIRTIO_PCI_CAP_PCI_CFG_LEN        20
#define VIRTIO_PCI_CAP_CFG_TYPE           3
#define VIRTIO_PCI_CAP_BAR                4
#define VIRTIO_PCI_CAP_ID                 5
#define VIRTIO_PCI_CAP_OFFSET             8
#define VIRTIO_PCI_CAP_LENGTH             12
#define VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER  16
#define VIRTIO_PCI_CAP_PCI_CFG_DATA       16

/* struct virtio_pci_common_cfg. */
#define VIRTIO_PCI_COMMON_DFSELECT        0x00
#define VIRTIO_PCI_COMMON_DF              0x04
#define VIRTIO_PCI_COMMON_GFSELECT        0x08
#define VIRTIO_PCI_COMMON_GF              0x0c
#define VIRTIO_PCI_COMMON_MSIX            0x10
#define VIRTIO_PCI_COMMON_NUMQ            0x12
#define VIRTIO_PCI_COMMON_STATUS          0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION   0x15
#define VIRTIO_PCI_COMMON_Q_SELECT        0x16
#define VIRTIO_PCI_COMMON_Q_SIZE          0x18
#define VIRTIO_PCI_COMMON_Q_MSIX          0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE        0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF          0x1e
#define VIRTIO_PCI_COMMON_Q_DESC          0x20
#define VIRTIO_PCI_COMMON_Q_DRIVER        0x28
#define VIRTIO_PCI_COMMON_Q_DEVICE        0x30
#define VIRTIO_PCI_COMMON_CFG_LEN         0x38

#define VIRTIO_PCI_ISR_QUEUE              0x1
#define VIRTIO_PCI_ISR_CONFIG             0x2
