/* pci.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* PCI configuration mechanism #1: a 32-bit write of the address to 0xcf8, then an access of
 * the wanted width at 0xcfc plus the offset's low bits. The address port only decodes 32-bit
 * accesses (narrower ones go to other legacy registers there), so it is always written with
 * outl. */

#include "guest.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_CONFIG_ENABLE  0x80000000u

static void
pci_select (uint16_t bdf,
            uint8_t offset)
{
  outl (PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | ((uint32_t) bdf << 8) | (offset & 0xfcu));
}

uint8_t
pci_config_read8 (uint16_t bdf,
                  uint8_t offset)
{
  pci_select (bdf, offset);
  return inb (PCI_CONFIG_DATA + (offset & 3));
}

uint16_t
pci_config_read16 (uint16_t bdf,
                   uint8_t offset)
{
  pci_select (bdf, offset);
  return inw (PCI_CONFIG_DATA + (offset & 2));
}

uint32_t
pci_config_read32 (uint16_t bdf,
                   uint8_t offset)
{
  pci_select (bdf, offset);
  return inl (PCI_CONFIG_DATA);
}

void
pci_config_write8 (uint16_t bdf,
                   uint8_t offset,
                   uint8_t value)
{
  pci_select (bdf, offset);
  outb (PCI_CONFIG_DATA + (offset & 3), value);
}

void
pci_config_write16 (uint16_t bdf,
                    uint8_t offset,
                    uint16_t value)
{
  pci_select (bdf, offset);
  outw (PCI_CONFIG_DATA + (offset & 2), value);
}

void
pci_config_write32 (uint16_t bdf,
                    uint8_t offset,
                    uint32_t value)
{
  pci_select (bdf, offset);
  outl (PCI_CONFIG_DATA, value);
}

bool
pci_device_present (uint16_t bdf)
{
  /* An absent function reads as all ones. */
  return pci_config_read16 (bdf, 0x00) != 0xffff;
}
