/* test-piix4-pm.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "pci/piix4-pm.h"

/* What SeaBIOS reads and writes, in its order (pciinit.c, piix4_pm_setup;
 * smm.c, piix4_apmc_smm_setup). */
static void
test_seabios_setup (void)
{
  PciDevice *pm = piix4_pm_new ();

  g_assert_nonnull (pm);
  g_assert_cmphex (pci_device_config_read (pm, PCI_VENDOR_ID, 2), ==, PIIX4_PM_VENDOR_ID);
  g_assert_cmphex (pci_device_config_read (pm, PCI_DEVICE_ID, 2), ==, PIIX4_PM_DEVICE_ID);
  g_assert_cmphex (pci_device_config_read (pm, PCI_INTERRUPT_PIN, 1), ==, 0);

  /* SMM looks done already, so SeaBIOS does not wait for an SMI we would
   * never deliver. */
  g_assert_true (pci_device_config_read (pm, PIIX4_PM_DEVACTB, 4) & PIIX4_PM_APMC_EN);

  pci_device_config_write (pm, PCI_INTERRUPT_LINE, 9, 1);
  pci_device_config_write (pm, PIIX4_PM_PMBA, 0x600 | 1, 4);
  pci_device_config_write (pm, PIIX4_PM_PMREGMISC, 0x01, 1);
  pci_device_config_write (pm, PIIX4_PM_SMBBA, 0x700 | 1, 4);
  pci_device_config_write (pm, PIIX4_PM_SMBHSTCFG, 0x09, 1);
  g_assert_cmphex (pci_device_config_read (pm, PCI_INTERRUPT_LINE, 1), ==, 9);
  g_assert_cmphex (pci_device_config_read (pm, PIIX4_PM_PMBA, 4), ==, 0x601);
  g_assert_cmphex (pci_device_config_read (pm, PIIX4_PM_PMREGMISC, 1), ==, 0x01);
  g_assert_cmphex (pci_device_config_read (pm, PIIX4_PM_SMBBA, 4), ==, 0x701);
  g_assert_cmphex (pci_device_config_read (pm, PIIX4_PM_SMBHSTCFG, 1), ==, 0x09);
  pci_device_free (pm);
}

/* The I/O space bit and the alignment of the bases are the hardware's; the
 * identity registers are read-only. */
static void
test_read_only_bits (void)
{
  PciDevice *pm = piix4_pm_new ();

  pci_device_config_write (pm, PIIX4_PM_PMBA, 0xffffffffu, 4);
  g_assert_cmphex (pci_device_config_read (pm, PIIX4_PM_PMBA, 4), ==, 0xffc1);
  pci_device_config_write (pm, PIIX4_PM_SMBBA, 0, 4);
  g_assert_cmphex (pci_device_config_read (pm, PIIX4_PM_SMBBA, 4), ==, 0x0001);
  pci_device_config_write (pm, PIIX4_PM_PMREGMISC, 0xff, 1);
  g_assert_cmphex (pci_device_config_read (pm, PIIX4_PM_PMREGMISC, 1), ==, 0x01);
  pci_device_config_write (pm, PCI_VENDOR_ID, 0, 4);
  g_assert_cmphex (pci_device_config_read (pm, PCI_VENDOR_ID, 2), ==, PIIX4_PM_VENDOR_ID);

  /* Every offset and width: nothing outside the registers above changes. */
  for (unsigned off = 0x40; off < 0x100; off++)
    {
      uint32_t before = pci_device_config_read (pm, off, 1);
      bool writable = (off >= PIIX4_PM_PMBA && off < PIIX4_PM_PMBA + 2)
                      || (off >= PIIX4_PM_DEVACTB && off < PIIX4_PM_DEVACTB + 4)
                      || off == PIIX4_PM_PMREGMISC
                      || (off >= PIIX4_PM_SMBBA && off < PIIX4_PM_SMBBA + 2)
                      || off == PIIX4_PM_SMBHSTCFG;

      pci_device_config_write (pm, off, 0xa5, 1);
      if (!writable)
        g_assert_cmphex (pci_device_config_read (pm, off, 1), ==, before);
    }
  pci_device_free (pm);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/piix4-pm/seabios-setup", test_seabios_setup);
  g_test_add_func ("/vmm/piix4-pm/read-only-bits", test_read_only_bits);
  return g_test_run ();
}
