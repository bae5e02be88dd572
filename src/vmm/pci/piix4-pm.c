/* piix4-pm.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "piix4-pm.h"

#define PIIX4_PM_CLASS     0x068000   /* bridge, other */
#define PIIX4_PM_REVISION  0x03

PciDevice *
piix4_pm_new (void)
{
  const PciDeviceInfo info = {
    .vendor_id = PIIX4_PM_VENDOR_ID,
    .device_id = PIIX4_PM_DEVICE_ID,
    .subsystem_vendor_id = 0x1af4,
    .subsystem_id = 0x1100,
    .revision = PIIX4_PM_REVISION,
    .class_code = PIIX4_PM_CLASS,
    /* The SCI is wired to ISA IRQ 9, not to a PCI interrupt pin. */
    .interrupt_pin = 0,
  };
  PciDevice *dev = pci_device_new (&info, NULL, NULL);

  if (dev == NULL)
    return NULL;
  /* The I/O bases decode 64-byte and 16-byte blocks; bit 0 says "I/O". */
  pci_device_config_set (dev, PIIX4_PM_PMBA, 1, 4);
  pci_device_set_wmask (dev, PIIX4_PM_PMBA, 0xffc0, 4);
  pci_device_config_set (dev, PIIX4_PM_SMBBA, 1, 4);
  pci_device_set_wmask (dev, PIIX4_PM_SMBBA, 0xfff0, 4);
  pci_device_set_wmask (dev, PIIX4_PM_PMREGMISC, 0x01, 1);
  pci_device_set_wmask (dev, PIIX4_PM_SMBHSTCFG, 0xff, 1);
  pci_device_config_set (dev, PIIX4_PM_DEVACTB, PIIX4_PM_APMC_EN, 4);
  pci_device_set_wmask (dev, PIIX4_PM_DEVACTB, 0xffffffffu, 4);
  return dev;
}
