/* piix4-pm.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pci/pci-device.h"

/* The power management function of an Intel PIIX4 (82371AB function 3,
 * 8086:7113), as QEMU's PC machine has it at 00:01.3. SeaBIOS looks for it
 * to learn where the ACPI PM1 control register and PM timer are (the PM
 * base it programs, plus 4 and 8); without it, its APM power-off does
 * nothing.
 *
 * Only the configuration registers are here. The ACPI registers themselves
 * are devices/acpi-pm.c, at the fixed ports of acpi/acpi-hw.h, which is
 * where SeaBIOS puts the PM base (0x600) on QEMU too; a guest that moves
 * the base does not move them. SMM is not emulated, so the APMC enable bit
 * starts set, which tells SeaBIOS its SMM set-up is done, as QEMU does when
 * SMM is off. */

#define PIIX4_PM_VENDOR_ID    0x8086
#define PIIX4_PM_DEVICE_ID    0x7113
#define PIIX4_PM_FUNCTION     3
#define PIIX4_PM_PMBA         0x40      /* PM I/O base, bit 0 reads 1 */
#define PIIX4_PM_DEVACTB      0x58      /* device activity B; APMC_EN is bit 25 */
#define PIIX4_PM_APMC_EN      (1u << 25)
#define PIIX4_PM_PMREGMISC    0x80      /* bit 0: PM I/O space enabled */
#define PIIX4_PM_SMBBA        0x90      /* SMBus I/O base, bit 0 reads 1 */
#define PIIX4_PM_SMBHSTCFG    0xd2

/* The function, to be added to the PIIX3's slot; its owner frees it with
 * pci_device_free () after the host has let go. NULL when out of memory. */
PciDevice *piix4_pm_new (void);
