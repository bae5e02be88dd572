/* pci-regs.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Type 0 configuration header, as the PCI Local Bus Specification 3.0
 * (section 6.1) lays it out, plus the MSI-X capability (section 6.8.2). */

#define PCI_CONFIG_SIZE             256     /* conventional PCI */
#define PCI_CONFIG_SIZE_EXTENDED    4096    /* PCI Express, reached through ECAM only */

#define PCI_VENDOR_ID               0x00    /* 16 bits */
#define PCI_DEVICE_ID               0x02    /* 16 bits */
#define PCI_COMMAND                 0x04    /* 16 bits */
#define PCI_STATUS                  0x06    /* 16 bits */
#define PCI_REVISION_ID             0x08    /* 8 bits, then the 24-bit class code */
#define PCI_CLASS_PROG              0x09
#define PCI_CACHE_LINE_SIZE         0x0c
#define PCI_LATENCY_TIMER           0x0d
#define PCI_HEADER_TYPE             0x0e
#define PCI_BIST                    0x0f
#define PCI_BASE_ADDRESS_0          0x10    /* six 32-bit BARs */
#define PCI_CARDBUS_CIS             0x28
#define PCI_SUBSYSTEM_VENDOR_ID     0x2c
#define PCI_SUBSYSTEM_ID            0x2e
#define PCI_ROM_ADDRESS             0x30
#define PCI_CAPABILITY_LIST         0x34
#define PCI_INTERRUPT_LINE          0x3c
#define PCI_INTERRUPT_PIN           0x3d
#define PCI_MIN_GNT                 0x3e
#define PCI_MAX_LAT                 0x3f
#define PCI_CAPABILITY_START        0x40    /* first byte after the standard header */

#define PCI_NUM_BARS                6

#define PCI_COMMAND_IO              0x0001
#define PCI_COMMAND_MEMORY          0x0002
#define PCI_COMMAND_MASTER          0x0004
#define PCI_COMMAND_PARITY          0x0040
#define PCI_COMMAND_SERR            0x0100
#define PCI_COMMAND_INTX_DISABLE    0x0400

#define PCI_STATUS_INTERRUPT        0x0008
#define PCI_STATUS_CAP_LIST         0x0010
#define PCI_STATUS_PARITY           0x0100
#define PCI_STATUS_SIG_TARGET_ABORT 0x0800
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY  0x8000
#define PCI_STATUS_ERRORS           0xf900  /* the write-1-to-clear error bits */

#define PCI_HEADER_TYPE_NORMAL      0x00
#define PCI_HEADER_TYPE_MULTIFUNC   0x80

#define PCI_BAR_SPACE_IO            0x01
#define PCI_BAR_MEM_TYPE_64         0x04
#define PCI_BAR_MEM_PREFETCH        0x08
#define PCI_BAR_IO_MASK             0xfffffffcu
#define PCI_BAR_MEM_MASK            0xfffffff0u

#define PCI_CAP_ID_MSI              0x05
#define PCI_CAP_ID_VENDOR           0x09
#define PCI_CAP_ID_MSIX             0x11

/* MSI-X capability: 12 bytes. */
#define PCI_MSIX_FLAGS              0x02    /* message control, 16 bits */
#define PCI_MSIX_TABLE              0x04    /* table offset | BIR */
#define PCI_MSIX_PBA                0x08    /* PBA offset | BIR */
#define PCI_MSIX_CAP_SIZE           12
#define PCI_MSIX_FLAGS_QSIZE        0x07ff  /* table size - 1 */
#define PCI_MSIX_FLAGS_MASKALL      0x4000
#define PCI_MSIX_FLAGS_ENABLE       0x8000
#define PCI_MSIX_MAX_VECTORS        2048

/* One MSI-X table entry: 16 bytes. */
#define PCI_MSIX_ENTRY_SIZE         16
#define PCI_MSIX_ENTRY_ADDR_LO      0x0
#define PCI_MSIX_ENTRY_ADDR_HI      0x4
#define PCI_MSIX_ENTRY_DATA         0x8
#define PCI_MSIX_ENTRY_CTRL         0xc
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1

#define PCI_CLASS_BRIDGE_HOST       0x060000
#define PCI_CLASS_OTHERS            0xff0000

/* devfn: device (slot) in bits 7:3, function in bits 2:0. */
#define PCI_DEVFN(slot, fn)         ((((slot) & 0x1f) << 3) | ((fn) & 0x07))
#define PCI_SLOT(devfn)             (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)             ((devfn) & 0x07)
#define PCI_MAX_SLOTS               32
