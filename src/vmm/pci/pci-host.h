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
 * 0xcfc-0xcff) and, optionally, an ECAM (MMCONFIG) window, which both reach
 * the same configuration spaces; function 00:00.0 is the host bridge itself,
 * an i440FX look-alike (8086:1237, class 0600, subsystem 1af4:1100 as QEMU's,
 * which is how SeaBIOS recognises a QEMU machine and looks for fw_cfg).
 * Devices sit in slots 1-31, functions 0-7; as on real PCI, functions 1-7
 * of a slot are only seen when function 0 is there, and function 0 says
 * "multi-function" in its header type once the slot has more than one.
 *
 * Two ways to start a machine:
 *
 * - No firmware (the default): the host bridge does what firmware would.
 *   Adding a function gives every BAR an address, turns decoding on and fills
 *   in the interrupt line, so that a directly booted Linux finds everything
 *   assigned and only has to claim it. A reset returns to that state.
 *
 * - firmware_assigns: the machine boots a BIOS (SeaBIOS) that enumerates the
 *   bus itself. Functions are left as they power up: BARs 0, decoding off,
 *   interrupt line 0. A reset returns to that state.
 *
 * Guest-physical layout without firmware (inside the 32-bit hole,
 * 0xc0000000-0xffffffff; with firmware, SeaBIOS places the BARs itself: 32-bit
 * ones from 0x80000000 or 0xc0000000, depending on RAM size, up to
 * 0xfec00000, 64-bit ones possibly above 4 GiB, I/O from 0xc000):
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
 * INTx: four lines shared by all slots. Without firmware the swizzle is
 * line = (slot + pin - 1) mod 4 (pin 1-4 for INTA#-INTD#), on IOAPIC GSIs
 * 16-19, and the interrupt line register of each function says its GSI. With
 * firmware_assigns the lines are the PIIX3's PIRQA#-PIRQD# and the swizzle is
 * the one SeaBIOS and QEMU's i440FX ACPI tables assume:
 * line = (slot + pin - 2) mod 4; the owner hands each line change to
 * piix3_set_pirq() too. MSI and MSI-X messages go to the msi callback (the VMM
 * turns them into KVM_SIGNAL_MSI or an irqfd route).
 *
 * The host bridge's chipset registers: PAM0-PAM6 (0x59-0x5f) and SMRAM (0x72)
 * keep the bits an 82441FX implements and power up as QEMU's do (PAM 0x00,
 * SMRAM 0x02). Nothing behind them is emulated: the BIOS area
 * 0xc0000-0xfffff is always plain read/write RAM, and the BIOS image is also
 * ROM at the top of 4 GiB. PAM0 = 0x00 ("not RAM") must stay the power-on
 * value: it sends SeaBIOS's make_bios_writable() down the path it takes on
 * QEMU, where it runs its PAM code from the ROM below 4 GiB and copies its
 * whole image from there into low memory. Debian's bios-256k.bin has code
 * below 0xe0000 (from 0xd2720 up), so a VMM that, like QEMU, puts only the last
 * 128 KiB at 0xe0000 needs that copy; with PAM0 = 0x30 SeaBIOS would trust
 * low RAM, skip it and run into zeros. On this machine the copy also
 * restores the pristine image at every POST. The remaining bytes 0x40-0xff
 * read back what was written and do nothing.
 *
 * Locking: the host lock guards the function table, the address register at
 * 0xcf8 and the INTx lines. Config accesses look the function up under it and
 * then run under the function's own lock only. Functions are added before
 * the guest runs and are not removed while it runs. */

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

#define PCI_HOST_N_FUNCTIONS      8               /* per slot */

#define PCI_HOST_BRIDGE_VENDOR_ID 0x8086
#define PCI_HOST_BRIDGE_DEVICE_ID 0x1237
#define PCI_HOST_SUBSYSTEM_VENDOR 0x1af4          /* Red Hat: what QEMU puts here */
#define PCI_HOST_SUBSYSTEM_ID     0x1100          /* "QEMU virtual machine" */

/* 82441FX chipset registers in the host bridge's configuration space. */
#define PCI_HOST_PAM0             0x59            /* 0xf0000-0xfffff; PAM1-6 follow */
#define PCI_HOST_N_PAM            7
#define PCI_HOST_SMRAM            0x72
#define PCI_HOST_PAM_RESET        0x00
#define PCI_HOST_SMRAM_RESET      0x02            /* C_BASE_SEG = 010b, hardwired */

typedef struct PciHost PciHost;

typedef struct
{
  IoBus    *pio;                  /* 0xcf8/0xcfc and I/O BARs go here */
  IoBus    *mmio;                 /* the ECAM window and memory BARs go here */
  uint64_t  ecam_base;            /* PCI_HOST_ECAM_BASE, or 0 for no ECAM (an i440FX has none) */
  /* A BIOS enumerates the bus: leave BARs, decoding and interrupt lines
   * alone, and use the PIIX3's INTx swizzle. See above. */
  bool      firmware_assigns;

  /* MSI/MSI-X: one message, written by a device to address with data.
   * Called from whichever thread raised it (vCPU, I/O thread), no lock held. */
  void    (*msi)           (void     *opaque,
                            uint64_t  address,
                            uint32_t  data);
  void     *msi_opaque;

  /* INTA-INTD after the swizzle: GSIs 16-19 (PCI_HOST_INTX_GSI_BASE + i);
   * with firmware_assigns also PIRQA-PIRQD. Called with no lock held. */
  IrqLine   intx[PCI_HOST_N_INTX];

  /* Optional: the guest wrote the reset bit of port 0xcf9. */
  void    (*reset_request) (void     *opaque);
  void     *reset_opaque;
} PciHostConfig;

/* The INTx line (0-3) that pin (1-4 for INTA#-INTD#) of a function in slot
 * drives, for a host with that firmware_assigns: what ACPI's _PRT must say
 * (GSI PCI_HOST_INTX_GSI_BASE + line). */
static inline unsigned
pci_host_swizzle (bool     firmware_assigns,
                  unsigned slot,
                  unsigned pin)
{
  return (slot + pin + PCI_HOST_N_INTX - (firmware_assigns ? 2 : 1)) % PCI_HOST_N_INTX;
}

extern const IoBusOps pci_host_address_ops;   /* 0xcf8, 4 ports */
extern const IoBusOps pci_host_data_ops;      /* 0xcfc, 4 ports */
extern const IoBusOps pci_host_ecam_ops;      /* ecam_base, PCI_HOST_ECAM_BUS_SIZE */

/* Creates bus 0 with its host bridge and puts 0xcf8, 0xcfc and the ECAM
 * window on the buses. Returns NULL and sets errno on failure. */
PciHost   *pci_host_new          (const PciHostConfig *config);
/* Takes every range off the buses and detaches the devices (their owners
 * free them after this). */
void       pci_host_free         (PciHost *host);

/* Puts dev at function 0 of slot (1-31; -1 picks the first slot with no
 * function in it): pci_host_add_function (host, dev, slot, 0). */
int        pci_host_add_device   (PciHost   *host,
                                  PciDevice *dev,
                                  int        slot);

/* Puts dev at slot (1-31) and function (0-7). Without firmware_assigns it
 * assigns the BARs from the windows above, turns decoding on, sets the
 * interrupt line and puts the BARs on the buses; with it, it leaves the
 * function as it powers up. That state is also what a reset returns to. When
 * the slot now has more than one function, function 0's header type says
 * multi-function. slot -1 picks the first empty slot, for function 0 only.
 * Returns the slot, or -EBUSY (taken), -EINVAL, -ENOSPC (no slot or no room
 * for the BARs). */
int        pci_host_add_function (PciHost   *host,
                                  PciDevice *dev,
                                  int        slot,
                                  unsigned   function);

/* Machine reset: every function back to the state it was added in, and the
 * host bridge's registers (PAM, SMRAM) to their power-on values. */
void       pci_host_reset        (PciHost *host);

/* Function 0 of slot, or NULL. */
PciDevice *pci_host_get_device   (PciHost  *host,
                                  unsigned  slot);
PciDevice *pci_host_get_function (PciHost  *host,
                                  unsigned  slot,
                                  unsigned  function);

/* Configuration access by bus/devfn, as both mechanisms do it; absent
 * functions read all-ones. For tests and for firmware interfaces. */
uint32_t   pci_host_config_read  (PciHost  *host,
                                  uint8_t   bus,
                                  uint8_t   devfn,
                                  unsigned  offset,
                                  unsigned  size);
void       pci_host_config_write (PciHost  *host,
                                  uint8_t   bus,
                                  uint8_t   devfn,
                                  unsigned  offset,
                                  uint32_t  value,
                                  unsigned  size);
