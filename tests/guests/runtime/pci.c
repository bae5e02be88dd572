/* pci.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* PCI configuration space, finding functions on bus 0 and reading their BARs.
 *
 * Two ways to configuration space. Mechanism #1: a 32-bit write of the address to 0xcf8, then
 * an access of the wanted width at 0xcfc plus the offset's low bits; the address port only
 * decodes 32-bit accesses (narrower ones go to other legacy registers there), so it is always
 * written with outl. ECAM: one MMIO access at base + (bus << 20 | devfn << 12 | offset), used
 * once pci_setup() has found an ACPI MCFG table describing it, as on QEMU's microvm with
 * pcie=on (a GPEX host, which has no 0xcf8 at all) and on our VMM (which has both). One ECAM
 * access is one exit where mechanism #1 takes two. */

#include "guest.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_CONFIG_ENABLE  0x80000000u

#define MCFG_ENTRIES_OFFSET 44 /* SDT header, 8 reserved bytes */
#define MCFG_ENTRY_SIZE     16 /* base (8), segment (2), start bus (1), end bus (1), reserved */

/* Where BARs that read 0 (nobody assigned them) get an address: the top 128 MiB of the 32-bit
 * window that QEMU's microvm (GPEX) and our VMM both route to PCI, 0xc0000000-0xdfffffff. Our
 * VMM assigns upwards from 0xc0000000, so a handful of devices never reach it. */
#define PCI_FALLBACK_MMIO_BASE 0xd8000000u
#define PCI_FALLBACK_MMIO_END  0xe0000000u

static bool pci_setup_done;
static uintptr_t pci_ecam_base;
static uint8_t pci_ecam_end_bus;
static uint32_t pci_fallback_next = PCI_FALLBACK_MMIO_BASE;

static uintptr_t
pci_ecam_addr (uint16_t bdf,
               uint8_t offset)
{
  if (pci_ecam_base == 0 || (bdf >> 8) > pci_ecam_end_bus)
    return 0;
  return pci_ecam_base + ((uintptr_t) bdf << 12) + offset;
}

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
  uintptr_t ecam = pci_ecam_addr (bdf, offset);

  if (ecam != 0)
    return mmio_read8 (ecam);
  pci_select (bdf, offset);
  return inb (PCI_CONFIG_DATA + (offset & 3));
}

uint16_t
pci_config_read16 (uint16_t bdf,
                   uint8_t offset)
{
  uintptr_t ecam = pci_ecam_addr (bdf, offset & 0xfeu);

  if (ecam != 0)
    return mmio_read16 (ecam);
  pci_select (bdf, offset);
  return inw (PCI_CONFIG_DATA + (offset & 2));
}

uint32_t
pci_config_read32 (uint16_t bdf,
                   uint8_t offset)
{
  uintptr_t ecam = pci_ecam_addr (bdf, offset & 0xfcu);

  if (ecam != 0)
    return mmio_read32 (ecam);
  pci_select (bdf, offset);
  return inl (PCI_CONFIG_DATA);
}

void
pci_config_write8 (uint16_t bdf,
                   uint8_t offset,
                   uint8_t value)
{
  uintptr_t ecam = pci_ecam_addr (bdf, offset);

  if (ecam != 0)
    {
      mmio_write8 (ecam, value);
      return;
    }
  pci_select (bdf, offset);
  outb (PCI_CONFIG_DATA + (offset & 3), value);
}

void
pci_config_write16 (uint16_t bdf,
                    uint8_t offset,
                    uint16_t value)
{
  uintptr_t ecam = pci_ecam_addr (bdf, offset & 0xfeu);

  if (ecam != 0)
    {
      mmio_write16 (ecam, value);
      return;
    }
  pci_select (bdf, offset);
  outw (PCI_CONFIG_DATA + (offset & 2), value);
}

void
pci_config_write32 (uint16_t bdf,
                    uint8_t offset,
                    uint32_t value)
{
  uintptr_t ecam = pci_ecam_addr (bdf, offset & 0xfcu);

  if (ecam != 0)
    {
      mmio_write32 (ecam, value);
      return;
    }
  pci_select (bdf, offset);
  outl (PCI_CONFIG_DATA, value);
}

bool
pci_device_present (uint16_t bdf)
{
  /* An absent function reads as all ones. */
  return pci_config_read16 (bdf, PCI_VENDOR_ID) != 0xffff;
}

uintptr_t
pci_setup (void)
{
  const struct acpi_rsdp *rsdp;
  const struct acpi_sdt_header *mcfg;
  const uint8_t *p;

  if (pci_setup_done)
    return pci_ecam_base;
  pci_setup_done = true;

  rsdp = acpi_find_rsdp (guest_start_info);
  mcfg = rsdp != NULL ? acpi_find_table (rsdp, "MCFG") : NULL;
  if (mcfg == NULL)
    {
      uint64_t base;

      /* QEMU's microvm has a GPEX host with only an ECAM, at 0xe0000000, but no MCFG table
       * (its DSDT describes the host): the runner says where on the command line. */
      if (cmdline_get_u64 (guest_cmdline (), "pci-ecam", &base))
        {
          if (base == 0 || (base & 0xfffff) != 0 || base + 0x100000 > 0x100000000ull)
            {
              guest_printf ("pci: pci-ecam=%#lx is misaligned or above 4 GiB\n", base);
              return 0;
            }
          pci_ecam_base = (uintptr_t) base;
          pci_ecam_end_bus = 0;
          guest_printf ("pci: ECAM at %#lx for bus 0 (no MCFG; pci-ecam= on the command "
                        "line)\n", base);
          return pci_ecam_base;
        }
      guest_printf ("pci: no MCFG table, configuration mechanism #1 (0xcf8)\n");
      return 0;
    }

  /* The entry for segment 0 that covers bus 0. */
  p = (const uint8_t *) mcfg;
  for (uint32_t offset = MCFG_ENTRIES_OFFSET; offset + MCFG_ENTRY_SIZE <= mcfg->length;
       offset += MCFG_ENTRY_SIZE)
    {
      uint64_t base;
      uint16_t segment;
      uint8_t start_bus = p[offset + 10];
      uint8_t end_bus = p[offset + 11];

      memcpy (&base, p + offset, 8);
      memcpy (&segment, p + offset + 8, 2);
      if (segment != 0 || start_bus != 0)
        continue;
      if (base == 0 || (base & 0xfffff) != 0
          || base + ((uint64_t) end_bus + 1) * 0x100000 > 0x100000000ull)
        {
          guest_printf ("pci: MCFG gives ECAM at %#lx for buses 0-%u, outside the 4 GiB the "
                        "guest maps or misaligned; using 0xcf8\n", base, end_bus);
          return 0;
        }
      pci_ecam_base = (uintptr_t) base;
      pci_ecam_end_bus = end_bus;
      guest_printf ("pci: ECAM at %#lx for buses 0-%u (MCFG)\n", base, end_bus);
      return pci_ecam_base;
    }

  guest_printf ("pci: the MCFG table has no entry for segment 0 from bus 0; using 0xcf8\n");
  return 0;
}

int
pci_find_devices (uint16_t vendor_id,
                  uint16_t device_id,
                  uint16_t *bdfs,
                  unsigned int max)
{
  unsigned int count = 0;

  pci_setup ();
  for (unsigned int dev = 0; dev < 32; dev++)
    {
      unsigned int n_functions = 1;

      for (unsigned int fn = 0; fn < n_functions; fn++)
        {
          uint16_t bdf = PCI_BDF (0, dev, fn);
          uint32_t id = pci_config_read32 (bdf, PCI_VENDOR_ID);

          if ((id & 0xffff) == 0xffff)
            continue;
          if (fn == 0 && (pci_config_read8 (bdf, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNCTION))
            n_functions = 8;
          if ((id & 0xffff) == vendor_id && (id >> 16) == device_id)
            {
              if (count < max)
                bdfs[count] = bdf;
              count++;
            }
        }
    }
  return (int) count;
}

bool
pci_find_device (uint16_t vendor_id,
                 uint16_t device_id,
                 uint16_t *bdf)
{
  return pci_find_devices (vendor_id, device_id, bdf, 1) > 0;
}

bool
pci_bar_read (uint16_t bdf,
              unsigned int index,
              struct pci_bar *bar)
{
  uint8_t offset = (uint8_t) (PCI_BAR0 + 4 * index);
  uint16_t command;
  uint32_t low, low_mask, high = 0, high_mask = 0;

  memset (bar, 0, sizeof (*bar));
  if (index > 5)
    return false;

  /* Sizing: all ones in, the size mask out, with decoding off meanwhile so that the BAR
   * never decodes at the all-ones address. */
  command = pci_config_read16 (bdf, PCI_COMMAND);
  pci_config_write16 (bdf, PCI_COMMAND, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));

  low = pci_config_read32 (bdf, offset);
  pci_config_write32 (bdf, offset, 0xffffffffu);
  low_mask = pci_config_read32 (bdf, offset);
  pci_config_write32 (bdf, offset, low);

  bar->io = (low & PCI_BAR_IO) != 0;
  bar->is64 = !bar->io && (low & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
  bar->prefetchable = !bar->io && (low & PCI_BAR_MEM_PREFETCH) != 0;
  if (bar->is64)
    {
      if (index == 5)
        {
          pci_config_write16 (bdf, PCI_COMMAND, command);
          guest_printf ("pci: %02x:%02x.%x BAR 5 claims to be 64-bit\n", bdf >> 8,
                        (bdf >> 3) & 0x1f, bdf & 7);
          return false;
        }
      high = pci_config_read32 (bdf, offset + 4);
      pci_config_write32 (bdf, offset + 4, 0xffffffffu);
      high_mask = pci_config_read32 (bdf, offset + 4);
      pci_config_write32 (bdf, offset + 4, high);
    }
  pci_config_write16 (bdf, PCI_COMMAND, command);

  if (bar->io)
    {
      uint32_t mask = low_mask & ~0x3u;

      bar->addr = low & ~0x3u;
      /* I/O BARs may implement only 16 address bits. */
      if ((mask & 0xffff0000u) == 0)
        mask |= 0xffff0000u;
      bar->size = mask != 0 ? (uint64_t) (~mask + 1) : 0;
    }
  else
    {
      uint64_t mask = ((uint64_t) high_mask << 32) | (low_mask & ~0xfu);

      if (!bar->is64)
        mask |= 0xffffffff00000000ull;
      bar->addr = ((uint64_t) high << 32) | (low & ~0xfu);
      bar->size = mask != 0 ? ~mask + 1 : 0;
    }
  return bar->size != 0;
}

bool
pci_bar_assign (uint16_t bdf,
                unsigned int index,
                struct pci_bar *bar)
{
  uint8_t offset = (uint8_t) (PCI_BAR0 + 4 * index);
  uint16_t command;
  uint32_t base;

  if (bar->io || bar->size == 0 || bar->size > PCI_FALLBACK_MMIO_END - PCI_FALLBACK_MMIO_BASE)
    return false;
  /* Naturally aligned, as BARs are. */
  base = (uint32_t) ((pci_fallback_next + bar->size - 1) & ~(bar->size - 1));
  if (base < pci_fallback_next || base + bar->size > PCI_FALLBACK_MMIO_END)
    {
      guest_printf ("pci: no room for a %#lx-byte BAR in the fallback window\n", bar->size);
      return false;
    }
  pci_fallback_next = (uint32_t) (base + bar->size);

  command = pci_config_read16 (bdf, PCI_COMMAND);
  pci_config_write16 (bdf, PCI_COMMAND, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
  pci_config_write32 (bdf, offset,
                      base | (pci_config_read32 (bdf, offset) & 0xfu));
  if (bar->is64)
    pci_config_write32 (bdf, offset + 4, 0);
  pci_config_write16 (bdf, PCI_COMMAND, command);
  guest_printf ("pci: %02x:%02x.%x BAR %u was unassigned; put it at %#x\n", bdf >> 8,
                (bdf >> 3) & 0x1f, bdf & 7, index, base);
  bar->addr = base;
  return true;
}

void
pci_enable (uint16_t bdf,
            uint16_t bits)
{
  uint16_t command = pci_config_read16 (bdf, PCI_COMMAND);

  if ((command & bits) != bits)
    pci_config_write16 (bdf, PCI_COMMAND, command | bits);
}

uint8_t
pci_find_capability (uint16_t bdf,
                     uint8_t id,
                     uint8_t start)
{
  uint8_t pos;
  /* A bound on the walk: 48 capabilities of 4 bytes fill the 192 bytes past the header. */
  unsigned int ttl = 48;

  if (start == 0)
    {
      if (!(pci_config_read16 (bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
      pos = pci_config_read8 (bdf, PCI_CAPABILITY_LIST);
    }
  else
    pos = pci_config_read8 (bdf, start + 1);

  while (ttl-- > 0)
    {
      uint16_t header;

      pos &= 0xfc;
      if (pos < 0x40)
        return 0;
      header = pci_config_read16 (bdf, pos);
      if ((header & 0xff) == id)
        return pos;
      pos = (uint8_t) (header >> 8);
    }
  guest_printf ("pci: the capability list of %02x:%02x.%x loops\n", bdf >> 8,
                (bdf >> 3) & 0x1f, bdf & 7);
  return 0;
}
