/* test-guest-memory.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "memory/guest-memory.h"

static void
test_split_around_hole (void)
{
  GuestMemory mem;

  g_assert_cmpint (guest_memory_init (&mem, 4ull << 30), ==, 0);
  g_assert_cmpuint (mem.n_regions, ==, 2);
  g_assert_cmpuint (mem.regions[0].gpa, ==, 0);
  g_assert_cmpuint (mem.regions[0].size, ==, GUEST_MEMORY_HOLE_START);
  g_assert_cmpuint (mem.regions[1].gpa, ==, GUEST_MEMORY_HIGH_START);
  g_assert_cmpuint (mem.regions[1].size, ==, (4ull << 30) - GUEST_MEMORY_HOLE_START);
  g_assert_cmpuint (guest_memory_ram_size (&mem), ==, 4ull << 30);
  /* The hole itself is not RAM. */
  g_assert_null (guest_memory_translate (&mem, GUEST_MEMORY_HOLE_START, 1));
  g_assert_nonnull (guest_memory_translate (&mem, GUEST_MEMORY_HIGH_START, 4096));
  guest_memory_destroy (&mem);
}

static void
test_bounds (void)
{
  GuestMemory mem;
  uint8_t buf[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  uint8_t back[16] = { 0 };
  const uint64_t size = 1 << 20;

  g_assert_cmpint (guest_memory_init (&mem, size), ==, 0);
  g_assert_cmpuint (mem.n_regions, ==, 1);

  g_assert_cmpint (guest_memory_write (&mem, size - 16, buf, 16), ==, 0);
  g_assert_cmpint (guest_memory_read (&mem, size - 16, back, 16), ==, 0);
  g_assert_cmpmem (buf, 16, back, 16);

  /* One byte past the end, straddling it, far past it, and wrapping around. */
  g_assert_cmpint (guest_memory_write (&mem, size, buf, 1), ==, -EFAULT);
  g_assert_cmpint (guest_memory_write (&mem, size - 15, buf, 16), ==, -EFAULT);
  g_assert_cmpint (guest_memory_read (&mem, UINT64_MAX - 7, back, 16), ==, -EFAULT);
  g_assert_null (guest_memory_translate (&mem, 16, UINT64_MAX - 8));
  g_assert_null (guest_memory_translate (&mem, UINT64_MAX, 2));
  /* A zero-length access inside RAM is fine; at the very end too. */
  g_assert_nonnull (guest_memory_translate (&mem, size - 1, 0));
  guest_memory_destroy (&mem);
}

static void
test_regions_never_overlap (void)
{
  GuestMemory mem = { 0 };
  static uint8_t backing[3 * 4096];

  g_assert_cmpint (guest_memory_add_region (&mem, 0x1000, backing, 0x2000), ==, 0);
  g_assert_cmpint (guest_memory_add_region (&mem, 0x2000, backing, 0x1000), ==, -EEXIST);
  g_assert_cmpint (guest_memory_add_region (&mem, 0x0, backing, 0x1001), ==, -EEXIST);
  g_assert_cmpint (guest_memory_add_region (&mem, 0x0, backing, 0), ==, -EINVAL);
  g_assert_cmpint (guest_memory_add_region (&mem, UINT64_MAX - 10, backing, 0x1000), ==, -EINVAL);
  g_assert_cmpint (guest_memory_add_region (&mem, 0x3000, backing + 0x2000, 0x1000), ==, 0);
  /* Adjacent regions are still separate: no access may span both. */
  g_assert_null (guest_memory_translate (&mem, 0x2ff0, 0x20));
  g_assert_true (guest_memory_translate (&mem, 0x3000, 0x10) == backing + 0x2000);
}

/* The RAM below 4 GiB, as the boot loaders, the RTC and the ACPI window
 * see it. NORESERVE mappings: the 5 GiB costs nothing. */
static void
test_low_end (void)
{
  GuestMemory mem;
  static uint8_t page[4096];

  g_assert_cmpint (guest_memory_init (&mem, 64 << 20), ==, 0);
  g_assert_cmphex (guest_memory_low_end (&mem), ==, 64 << 20);
  guest_memory_destroy (&mem);

  g_assert_cmpint (guest_memory_init (&mem, 5ull << 30), ==, 0);
  g_assert_cmphex (guest_memory_low_end (&mem), ==, GUEST_MEMORY_HOLE_START);
  g_assert_cmphex (guest_memory_ram_size (&mem) - guest_memory_low_end (&mem), ==,
                   (5ull << 30) - GUEST_MEMORY_HOLE_START);
  guest_memory_destroy (&mem);

  /* Nothing at address 0: no low RAM. */
  memset (&mem, 0, sizeof mem);
  g_assert_cmpint (guest_memory_add_region (&mem, 0x100000, page, sizeof page), ==, 0);
  g_assert_cmphex (guest_memory_low_end (&mem), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/guest-memory/split-around-hole", test_split_around_hole);
  g_test_add_func ("/vmm/guest-memory/bounds", test_bounds);
  g_test_add_func ("/vmm/guest-memory/low-end", test_low_end);
  g_test_add_func ("/vmm/guest-memory/regions-never-overlap", test_regions_never_overlap);
  return g_test_run ();
}
