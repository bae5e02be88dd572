/* memory.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* guest_alloc(): the RAM past the image, handed out upwards and never freed. */

#include "guest.h"

/* The cached, identity-mapped part of the page tables (entry.S): the top GiB below 4 GiB is
 * mapped uncached for MMIO. */
#define CACHED_LIMIT 0xc0000000ull

static uintptr_t alloc_next;
static uintptr_t alloc_end;

static void
alloc_init (void)
{
  const struct hvm_memmap_entry *map;
  uint64_t start = (uintptr_t) __image_end;
  uint32_t n;

  map = guest_memmap (&n);
  for (uint32_t i = 0; i < n; i++)
    {
      uint64_t end = map[i].addr + map[i].size;

      if (map[i].type != HVM_MEMMAP_RAM || map[i].addr > start || end <= start)
        continue;
      if (end > CACHED_LIMIT)
        end = CACHED_LIMIT;
      alloc_next = (uintptr_t) start;
      alloc_end = (uintptr_t) end;
      return;
    }
  guest_panic ("memory: no RAM entry in the memory map holds the end of the image (%#lx)",
               start);
}

size_t
guest_alloc_available (size_t align)
{
  uintptr_t addr;

  if (alloc_end == 0)
    alloc_init ();
  addr = (alloc_next + align - 1) & ~(uintptr_t) (align - 1);
  return addr < alloc_end ? alloc_end - addr : 0;
}

void *
guest_alloc (size_t size,
             size_t align)
{
  uintptr_t addr;

  if (alloc_end == 0)
    alloc_init ();
  GUEST_ASSERT (align != 0 && (align & (align - 1)) == 0);
  addr = (alloc_next + align - 1) & ~(uintptr_t) (align - 1);
  if (addr < alloc_next || addr > alloc_end || size > alloc_end - addr)
    guest_panic ("memory: cannot allocate %zu bytes: %#lx-%#lx is left", size, alloc_next,
                 alloc_end);
  alloc_next = addr + size;
  return (void *) addr;
}
