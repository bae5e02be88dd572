/* pci-host.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bus/io-bus.h"
#include "bus/irq.h"

typedef struct PciDevice PciDevice;

/* The PCI host bridge and bus 0: configuration mechanism #1 (ports 0xcf8 and
 * 0xcfc-0xcff) and an ECAM (MMCONFIG) window, which both reach the same
 * configuration spaces; function 00:00.0 is the host bridge itself, an
 * i440FX look-alike (8086:1237, class 0600). Devices are single-function and
 * sit in slots 1-31.
 *
 * With no firmware to enumerate the bus, the host bridge does what firmware
 * would: pci_host_add_device() gives every BAR an address, turns decoding on
 * and fills in the interrupt line, so that a directly booted Linux finds
 * everything assigned and only has to claim it.
 *
 * Guest-physical layout (inside the 32-bit hole, 0xc0000000-0xffffffff):
 *
 *   0xc0000000 - 0xdfffffff  memory BARs (32- and 64-bit), assigned upwards
 *   0xe0000000 - 0xefffffff  ECAM for buses 0-255 (reserve all of it in the
 *                            e820 map; bus 0, the first MiB, is decoded)
 *   0xf0000000 - 0xfebfffff  free: other platform devices
 *   0xfec00000               IOAPIC
 *   0xfee00000               local APICs
 *   0xfffbc000 - 0xffffffff  KVM's TSS and identity map, firmware
 *
 * Port I/O BARs: 0xc000-0xffff.
 *
 * INTx: four lines shared by all slots, the usual swizzle
 * line = (slot + pin - 1) mod 4, on IOAPIC GSIs 16-19; the interrupt line
 * register of each function says its GSI. MSI and MSI-X messages go to the
 * msi callback (the VMM turns them into KVM_SIGNAL_MSI or an irqfd route).
 *
 * Locking: the host lock guards the slot table, the address register at
 * 0xcf8 and the INTx lines. Config accesses look the function up under it and
 * then run under the function's own lock only. Devices are added before the
 * guest runs and are not removed while it runs. */

#define PCI_HOST_MMIO_BASE        0xc0000000ull
#define PCI_HOST_MMIO_SIZE        0x20000000ull
#define PCI_HOST_ECAM_BASE        0xe0000000ull
#define PCI_HOST_ECAM_SIZE        0x10000000ull   /* the reserved window */
#define PCI_HOST_ECAM_BUS_SIZE    0x100000ull     /* what is decoded: bus 0 */
#define PCI_HOST_IO_BASE          0xc000u
#define PCI_HOST_IO_SIZE          0x4000u

#define PCI_HOST_CONFIG_ADDRESS   0xcf8           /* 4 ports; 0xcf9 is the reset control register */
#define PCI_HOST_CONFIG_DATA      0xcfc           /* 4 ports */

#define PCI_HOST_N_INTX           4
#define PCI_HOST_INTX_GSI_BASE    16

#define PCI_HOST_BRIDGE_VENDOR_ID 0x8086
#define PCI_HOST_BRIDGE_DEVICE_ID 0x1237

typedef struct PciHost PciHost;

typedef struct
{
  IoBus    *pio;                  /* 0xcf8/0xcfc and I/O BARs go here */
  IoBus    *mmio;                 /* the ECAM window and memory BARs go here */
  uint64_t  ecam_base;            /* PCI_HOST_ECAM_BASE, or 0 for no ECAM */

  /* MSI/MSI-X: one message, written by a device to address with data.
   * Called from whichever thread raised it (vCPU, I/O thread), no lock held. */
  void    (*msi)           (void     *opaque,
                            uint64_t  address,
                            uint32_t  data);
  void     *msi_opaque;

  /* INTA-INTD after the swizzle: GSIs 16-19 (PCI_HOST_INTX_GSI_BASE + i). */
  IrqLine   intx[PCI_HOST_N_INTX];

  /* Optional: the guest wrote the reset bit of port 0xcf9. */
  void    (*reset_request) (void     *opaque);
  void     *reset_opaque;
} PciHostConfig;

extern const IoBusOps pci_host_address_ops;   /* 0xcf8, 4 ports */
extern const IoBusOps pci_host_data_ops;      /* 0xcfc, 4 ports */
extern const IoBusOps pci_host_ecam_ops;      /* ecam_base, PCI_HOST_ECAM_BUS_SIZE */

/* Creates bus 0 with its host bridge and puts 0xcf8, 0xcfc and the ECAM
 * window on the buses. Returns NULL and sets errno on failure. */
PciHost   *pci_host_new         (const PciHostConfig *config);
/* Takes every range off the buses and detaches the devices (their owners
 * free them after this). */
void       pci_host_free        (PciHost             *host);

/* Puts dev in slot (1-31; -1 picks the first free one), assigns its BARs from
 * the windows above, turns decoding on, sets the interrupt line and puts the
 * BARs on the buses. That state is also what a reset returns to. Returns the
 * slot, or -EBUSY (slot taken), -EINVAL, -ENOSPC (no slot or no room for the
 * BARs). */
int        pci_host_add_device  (PciHost             *host,
                                 PciDevice           *dev,
                                 int                  slot);

/* Machine reset: every function back to its post-assignment state. */
void       pci_host_reset       (PciHost             *host);

PciDevice *pci_host_get_device  (PciHost             *host,
                                 unsigned             slot);

/* Configuration access by bus/devfn, as both mechanisms do it; absent
 * functions read all-ones. For tests and for firmware interfaces. */
uint32_t   pci_host_config_read  (PciHost            *host,
                                  uint8_t             bus,
                                  uint8_t             devfn,
                                  unsigned            offset,
                                  unsigned            size);
void       pci_host_config_write (PciHost            *host,
                                  uint8_t             bus,
                                  uint8_t             devfn,
                                  unsigned            offset,
                                  uint32_t            value,
                                  unsigned            size);
