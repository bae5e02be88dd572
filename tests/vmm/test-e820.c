/* test-e820.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>

#include "boot/e820.h"
#include "pci/pci-host.h"
#include "boot/layout.h"

static void
assert_entry (const E820Map *map,
              unsigned       i,
              uint64_t       addr,
              uint64_t       end,
              uint32_t       type)
{
  g_assert_cmpuint (i, <, map->n_entries);
  g_assert_cmphex (map->entries[i].addr, ==, addr);
  g_assert_cmphex (map->entries[i].addr + map->entries[i].size, ==, end);
  g_assert_cmpuint (map->entries[i].type, ==, type);
}

static void
test_low_only (void)
{
  GuestMemory mem;
  E820Map map;

  g_assert_cmpint (guest_memory_init (&mem, 64 << 20), ==, 0);
  g_assert_cmpint (e820_build (&mem, &map), ==, 0);
  g_assert_cmpuint (map.n_entries, ==, 4);
  assert_entry (&map, 0, 0, 0x9fc00, E820_TYPE_RAM);
  assert_entry (&map, 1, 0x9fc00, 0x100000, E820_TYPE_RESERVED);
  assert_entry (&map, 2, 0x100000, 64 << 20, E820_TYPE_RAM);
  assert_entry (&map, 3, PCI_HOST_ECAM_BASE, PCI_HOST_ECAM_BASE + PCI_HOST_ECAM_SIZE,
                E820_TYPE_RESERVED);
  guest_memory_destroy (&mem);
}

/* 5 GiB: 3 GiB below the hole, 2 GiB from 4 GiB on. The hole gets no entry.
 * The mapping is NORESERVE and never touched, so this costs no RAM. */
static void
test_split_at_hole (void)
{
  GuestMemory mem;
  E820Map map;

  g_assert_cmpint (guest_memory_init (&mem, 5ull << 30), ==, 0);
  g_assert_cmpint (e820_build (&mem, &map), ==, 0);
  g_assert_cmpuint (map.n_entries, ==, 5);
  assert_entry (&map, 0, 0, 0x9fc00, E820_TYPE_RAM);
  assert_entry (&map, 1, 0x9fc00, 0x100000, E820_TYPE_RESERVED);
  assert_entry (&map, 2, 0x100000, GUEST_MEMORY_HOLE_START, E820_TYPE_RAM);
  assert_entry (&map, 3, PCI_HOST_ECAM_BASE, PCI_HOST_ECAM_BASE + PCI_HOST_ECAM_SIZE,
                E820_TYPE_RESERVED);
  assert_entry (&map, 4, GUEST_MEMORY_HIGH_START, GUEST_MEMORY_HIGH_START + (2ull << 30),
                E820_TYPE_RAM);
  guest_memory_destroy (&mem);
}

/* Regions registered out of order, one of them inside the legacy window and
 * two touching: the map comes out sorted, clipped and merged. */
static void
test_unsorted_regions (void)
{
  static uint8_t backing[4096];
  GuestMemory mem = { 0 };
  E820Map map;

  /* Host pointers are never dereferenced by e820_build. */
  g_assert_cmpint (guest_memory_add_region (&mem, 0x180000, backing, 0x180000), ==, 0);
  g_assert_cmpint (guest_memory_add_region (&mem, 0xc0000, backing, 0x20000), ==, 0);
  g_assert_cmpint (guest_memory_add_region (&mem, 0, backing, 0xa0000), ==, 0);
  g_assert_cmpint (guest_memory_add_region (&mem, 0x100000, backing, 0x80000), ==, 0);
  g_assert_cmpint (e820_build (&mem, &map), ==, 0);
  g_assert_cmpuint (map.n_entries, ==, 4);
  assert_entry (&map, 0, 0, 0x9fc00, E820_TYPE_RAM);
  assert_entry (&map, 1, 0x9fc00, 0x100000, E820_TYPE_RESERVED);
  assert_entry (&map, 2, 0x100000, 0x300000, E820_TYPE_RAM);
  assert_entry (&map, 3, PCI_HOST_ECAM_BASE, PCI_HOST_ECAM_BASE + PCI_HOST_ECAM_SIZE,
                E820_TYPE_RESERVED);
}

static void
test_no_ram (void)
{
  static uint8_t backing[4096];
  GuestMemory mem = { 0 };
  E820Map map;

  g_assert_cmpint (e820_build (&mem, &map), ==, -EINVAL);
  /* RAM only inside the legacy window is no usable RAM either. */
  g_assert_cmpint (guest_memory_add_region (&mem, 0xa0000, backing, 0x1000), ==, 0);
  g_assert_cmpint (e820_build (&mem, &map), ==, -EINVAL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/e820/low-only", test_low_only);
  g_test_add_func ("/vmm/e820/split-at-hole", test_split_at_hole);
  g_test_add_func ("/vmm/e820/unsorted-regions", test_unsorted_regions);
  g_test_add_func ("/vmm/e820/no-ram", test_no_ram);
  return g_test_run ();
}
