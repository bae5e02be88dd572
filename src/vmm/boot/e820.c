/* e820.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "e820.h"
#include "pci/pci-host.h"
#include "layout.h"

static void
e820_append (E820Map  *map,
             uint64_t  addr,
             uint64_t  size,
             uint32_t  type)
{
  if (size > 0 && map->n_entries < E820_MAX_ENTRIES)
    map->entries[map->n_entries++] = (E820Entry) { addr, size, type };
}

/* RAM is every guest memory region minus the legacy window (EBDA, VGA, ROMs,
 * BIOS area), which is listed once as reserved: our ACPI tables live there,
 * and a PC guest expects that window not to be general-purpose memory. The
 * 32-bit MMIO hole needs no entry: nothing is listed there, so nothing uses
 * it as RAM, and PCI resource allocation treats it as free address space. */
int
e820_build (const GuestMemory *mem,
            E820Map           *map)
{
  memset (map, 0, sizeof *map);

  for (unsigned i = 0; i < mem->n_regions; i++)
    {
      uint64_t start = mem->regions[i].gpa;
      uint64_t end = start + mem->regions[i].size;

      if (start < BOOT_EBDA_START)
        e820_append (map, start, (end < BOOT_EBDA_START ? end : BOOT_EBDA_START) - start,
                     E820_TYPE_RAM);
      if (end > BOOT_LEGACY_END)
        {
          uint64_t from = start > BOOT_LEGACY_END ? start : BOOT_LEGACY_END;
          e820_append (map, from, end - from, E820_TYPE_RAM);
        }
    }
  if (map->n_entries == 0)
    return -EINVAL;
  e820_append (map, BOOT_EBDA_START, BOOT_LEGACY_END - BOOT_EBDA_START, E820_TYPE_RESERVED);
  /* The PCI configuration window the MCFG table announces. */
  e820_append (map, PCI_HOST_ECAM_BASE, PCI_HOST_ECAM_SIZE, E820_TYPE_RESERVED);

  /* Guests expect the map sorted; regions may have been added in any order. */
  for (unsigned i = 1; i < map->n_entries; i++)
    {
      E820Entry e = map->entries[i];
      unsigned j = i;

      for (; j > 0 && map->entries[j - 1].addr > e.addr; j--)
        map->entries[j] = map->entries[j - 1];
      map->entries[j] = e;
    }

  /* Regions that touch (two buffers registered back to back) become one
   * entry, as a guest would see them on real hardware. */
  for (unsigned i = 1; i < map->n_entries;)
    {
      E820Entry *prev = &map->entries[i - 1];
      E820Entry *cur = &map->entries[i];

      if (prev->type == cur->type && prev->addr + prev->size == cur->addr)
        {
          prev->size += cur->size;
          memmove (cur, cur + 1, (map->n_entries - i - 1) * sizeof *cur);
          map->n_entries--;
        }
      else
        i++;
    }
  return 0;
}
