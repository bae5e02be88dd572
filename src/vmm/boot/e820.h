/* e820.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

#include "memory/guest-memory.h"

/* The guest's memory map, in the BIOS INT 15h/E820 sense. Both boot
 * protocols pass the same map: the zero page as {u64, u64, u32} entries, PVH
 * as {u64, u64, u32, u32}. */

#define E820_TYPE_RAM       1
#define E820_TYPE_RESERVED  2
#define E820_TYPE_ACPI      3
#define E820_TYPE_NVS       4

/* Each RAM region can be cut in two around the legacy window, plus the one
 * reserved entry for the window itself. */
#define E820_MAX_ENTRIES    (2 * GUEST_MEMORY_MAX_REGIONS + 1)

typedef struct
{
  uint64_t addr;
  uint64_t size;
  uint32_t type;
} E820Entry;

typedef struct
{
  E820Entry entries[E820_MAX_ENTRIES];
  unsigned  n_entries;
} E820Map;

int e820_build (const GuestMemory *mem,
                E820Map           *map);
