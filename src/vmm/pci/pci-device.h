/* pci-device.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bus/io-bus.h"
#include "pci/pci-regs.h"

/* One PCI function: its configuration space and the address ranges (BARs) it
 * decodes.
 *
 * The configuration space is a byte array with two masks beside it: a write
 * mask (the bits a guest may change) and a write-1-to-clear mask. A guest
 * write only ever changes the bits the masks allow, so identity registers,
 * the capability list and the BAR type bits stay what the device said they
 * are. BAR sizing needs no special case: a BAR's write mask covers only the
 * address bits above its size, so writing all-ones reads back the size mask.
 *
 * The device's owner (a virtio transport, say) describes the function at set
 * up: identity, BARs with the IoBusOps that serve them, capabilities, MSI-X.
 * When the guest moves a BAR or turns decoding on or off, the PCI layer moves
 * the range on the port-I/O or MMIO bus itself (once the function sits on a
 * host bridge) and tells the owner through bar_moved, e.g. so that the VMM
 * can move the ioeventfds it attached to that BAR.
 *
 * Locking: every function has its own lock for its configuration space and
 * MSI-X state. vCPU threads may access it concurrently. The owner's
 * callbacks are always called without that lock held, so they may call back
 * into any pci_device_* function. */

typedef struct PciDevice PciDevice;

typedef enum
{
  PCI_BAR_UNUSED = 0,
  PCI_BAR_IO,                   /* port I/O, 16-bit decode */
  PCI_BAR_MEM32,                /* memory below 4 GiB */
  PCI_BAR_MEM64,                /* memory anywhere; uses this BAR and the next */
} PciBarType;

typedef struct
{
  uint16_t vendor_id;
  uint16_t device_id;
  uint16_t subsystem_vendor_id;
  uint16_t subsystem_id;
  uint8_t  revision;
  uint32_t class_code;          /* base class << 16 | subclass << 8 | programming interface */
  uint8_t  interrupt_pin;       /* 0: no INTx, 1-4: INTA#-INTD# */
  bool     extended;            /* 4 KiB configuration space (PCIe), else 256 bytes */
  /* Function 0 of a device that has (or, like a PIIX3, always says it has)
   * more functions. The host bridge also sets it on function 0 by itself
   * when a second function joins the slot. */
  bool     multifunction;
} PciDeviceInfo;

typedef struct
{
  /* Before the guest reads [offset, offset + size): a chance to refresh a
   * register whose value the owner computes (pci_device_config_set). */
  void (*config_read)  (void     *opaque,
                        unsigned  offset,
                        unsigned  size);
  /* After a guest write to [offset, offset + size) was stored through the
   * masks: a chance to act on registers the owner made writable. */
  void (*config_write) (void     *opaque,
                        unsigned  offset,
                        unsigned  size);
  /* The owner's interrupt request, before the command register's INTx
   * disable bit and MSI-X are taken into account. Asked from
   * pci_device_update_intx(). */
  bool (*intx_level)   (void     *opaque);
  /* A BAR was mapped at addr, moved there, or (mapped false) unmapped. The
   * bus range has already been moved. */
  void (*bar_moved)    (void     *opaque,
                        unsigned  bar,
                        bool      mapped,
                        uint64_t  addr);
  /* Machine reset: configuration space is back at its reset values. */
  void (*reset)        (void     *opaque);
} PciDeviceOps;

/* The MSI-X capability uses a BAR of its own: the table at offset 0, the PBA
 * after it. */
#define PCI_MSIX_PBA_ALIGN 0x800

/* ops may be NULL. Returns NULL when out of memory or info is unusable. */
PciDevice *pci_device_new             (const PciDeviceInfo *info,
                                       const PciDeviceOps  *ops,
                                       void                *opaque);
/* Detach the function from its host bridge (pci_host_free) first. */
void       pci_device_free            (PciDevice           *dev);

/* Set up, before the function is added to a host bridge. size is a power of
 * two, at least 16 for memory and 4 for I/O; ops serve the BAR's range with
 * offsets into it. Returns 0, or -EINVAL (bad index, size or overlap with a
 * 64-bit BAR's upper half). */
int        pci_device_set_bar         (PciDevice           *dev,
                                       unsigned             bar,
                                       PciBarType           type,
                                       uint64_t             size,
                                       bool                 prefetchable,
                                       const IoBusOps      *ops,
                                       void                *opaque);
/* Appends a capability of len bytes (header included) to the list and
 * returns its offset, or -ENOSPC. Its bytes start zero and read-only; the
 * owner fills them with pci_device_config_set and opens registers with
 * pci_device_set_wmask. */
int        pci_device_add_capability  (PciDevice           *dev,
                                       uint8_t              id,
                                       unsigned             len);
/* Adds the MSI-X capability with n_vectors (1-2048) vectors, table and PBA in
 * BAR bar, which it defines (32-bit memory). Returns the capability offset or
 * -errno. Vectors start masked, as after a reset. */
int        pci_device_add_msix        (PciDevice           *dev,
                                       unsigned             n_vectors,
                                       unsigned             bar);

/* The device side: stores value as is, whatever the masks say. size is 1, 2
 * or 4 and the range must lie in configuration space (else ignored / 0). */
void       pci_device_config_set      (PciDevice           *dev,
                                       unsigned             offset,
                                       uint32_t             value,
                                       unsigned             size);
uint32_t   pci_device_config_get      (PciDevice           *dev,
                                       unsigned             offset,
                                       unsigned             size);
void       pci_device_set_wmask       (PciDevice           *dev,
                                       unsigned             offset,
                                       uint32_t             mask,
                                       unsigned             size);
void       pci_device_set_w1cmask     (PciDevice           *dev,
                                       unsigned             offset,
                                       uint32_t             mask,
                                       unsigned             size);

/* The guest side, as the host bridge's configuration mechanisms call it.
 * Reads outside the configuration space return 0; writes there are dropped. */
uint32_t   pci_device_config_read     (PciDevice           *dev,
                                       unsigned             offset,
                                       unsigned             size);
void       pci_device_config_write    (PciDevice           *dev,
                                       unsigned             offset,
                                       uint32_t             value,
                                       unsigned             size);

/* Where BAR bar is decoded now. Returns false when it is not (decoding off,
 * no address, or the range could not be placed on the bus). */
bool       pci_device_bar_address     (PciDevice           *dev,
                                       unsigned             bar,
                                       uint64_t            *addr);
uint64_t   pci_device_bar_size        (PciDevice           *dev,
                                       unsigned             bar);

/* Interrupts. After any change that may move its INTx request, the owner
 * calls pci_device_update_intx() without holding its own lock; the PCI layer
 * asks intx_level() and drives the shared line. */
void       pci_device_update_intx     (PciDevice           *dev);
bool       pci_device_msix_enabled    (PciDevice           *dev);
/* Sends MSI-X vector, or marks it pending while it or the function is masked.
 * Returns false when MSI-X is off or vector is out of range (nothing sent). */
bool       pci_device_msix_notify     (PciDevice           *dev,
                                       unsigned             vector);
bool       pci_device_msix_pending    (PciDevice           *dev,
                                       unsigned             vector);
unsigned   pci_device_msix_n_vectors  (PciDevice           *dev);

/* Back to the configuration the function had when it was added to the host
 * bridge (BARs where the VMM put them, or unassigned and not decoded when
 * firmware assigns them), MSI-X masked; then the owner's reset. */
void       pci_device_reset           (PciDevice           *dev);

/* Bus, device and function number, 0 until added to a host bridge. */
uint8_t    pci_device_get_devfn       (PciDevice           *dev);
