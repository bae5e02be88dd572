/* kernel-boot-test.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

#include "boot/kernel-boot.h"
#include "pci/pci-host.h"

/* Direct kernel boot as the VMM does it for a machine of n_vcpus vCPUs,
 * all enabled, on the PCI host's ECAM and window, for the tests of the
 * loaders (pvh, bzimage, kernel-boot). err is cleared first. */
static inline int
boot_test_load (const GuestMemory *mem,
                const char        *kernel,
                const char        *initrd,
                const char        *cmdline,
                unsigned           n_vcpus,
                BootCpuState      *cpu,
                VmmError          *err)
{
  AcpiMachine acpi = {
    .n_vcpus = n_vcpus,
    .max_vcpus = n_vcpus,
    .ecam_base = PCI_HOST_ECAM_BASE,
    .pci_mmio_base = PCI_HOST_MMIO_BASE,
    .pci_mmio_size = PCI_HOST_MMIO_SIZE,
  };
  KernelBootConfig cfg = {
    .kernel_path = kernel,
    .initrd_path = initrd,
    .cmdline = cmdline,
    .n_vcpus = n_vcpus,
    .acpi = &acpi,
  };

  memset (err, 0, sizeof *err);
  return kernel_boot_load (mem, &cfg, cpu, err);
}
