/* dsdt.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the ACPI tables describe: the DSDT here, and the FADT, MADT and MCFG
 * in boot/acpi.h. */
typedef struct
{
  unsigned n_vcpus;          /* enabled at power-on: APIC ids 0..n_vcpus-1 */
  unsigned max_vcpus;        /* possible: n_vcpus..max_vcpus-1 can be hot-added */
  bool     has_8259;         /* PC-AT PICs: the MADT says PCAT_COMPAT */
  bool     irq0_on_gsi2;     /* MADT override IRQ 0 -> GSI 2: only when the VMM
                              * routes the PIT to I/O APIC pin 2 as QEMU does;
                              * KVM's default routes keep it on pin 0 */
  bool     firmware_pc;      /* i440FX + PIIX3 with ISA devices, booted by SeaBIOS */
  uint64_t ecam_base;        /* the PCI ECAM window (MCFG); 0 for none */
  uint64_t pci_mmio_base;    /* the 32-bit PCI memory window in PCI0._CRS */
  uint64_t pci_mmio_size;
} AcpiMachine;

/* The DSDT's AML, without the table header (36 bytes, which the caller
 * writes): \_SB.PCI0 with its resources, interrupt routing and, on firmware
 * PCs, the ISA devices; \_SB.CPUS with one ACPI0007 device per possible vCPU
 * and the CPU hotplug methods over the registers in acpi/acpi-hw.h; \_GPE
 * and \_S5.
 *
 * Returns 0 and a malloc'd body, -EINVAL for a description it cannot
 * express (no vCPUs, more than ACPI_DSDT_MAX_VCPUS, n_vcpus > max_vcpus, a
 * memory window that is empty or reaches past 4 GiB), or -ENOMEM. */
#define ACPI_DSDT_MAX_VCPUS 255

int dsdt_build (const AcpiMachine *machine,
                uint8_t          **aml,
                size_t            *len);
