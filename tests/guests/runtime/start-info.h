/* start-info.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The PVH boot ABI's start-of-day structure, as the loader hands it over in %ebx.
 * Written from the PVH ABI description; offsets are pinned below because the VMM's boot code
 * fills the same layout and a silent mismatch would be hard to see.
 */

#pragma once

#include <stdint.h>

#define HVM_START_MAGIC 0x336ec578u

/* Memory map entry types (the E820 numbering). */
#define HVM_MEMMAP_RAM      1
#define HVM_MEMMAP_RESERVED 2
#define HVM_MEMMAP_ACPI     3
#define HVM_MEMMAP_NVS      4
#define HVM_MEMMAP_UNUSABLE 5

struct hvm_start_info
{
  uint32_t magic;
  uint32_t version;
  uint32_t flags;
  uint32_t nr_modules;
  uint64_t modlist_paddr;
  uint64_t cmdline_paddr;
  uint64_t rsdp_paddr;
  /* Version 1 and later only. */
  uint64_t memmap_paddr;
  uint32_t memmap_entries;
  uint32_t reserved;
};

struct hvm_memmap_entry
{
  uint64_t addr;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;
};

_Static_assert (__builtin_offsetof (struct hvm_start_info, cmdline_paddr) == 0x18, "PVH ABI");
_Static_assert (__builtin_offsetof (struct hvm_start_info, rsdp_paddr) == 0x20, "PVH ABI");
_Static_assert (__builtin_offsetof (struct hvm_start_info, memmap_paddr) == 0x28, "PVH ABI");
_Static_assert (__builtin_offsetof (struct hvm_start_info, memmap_entries) == 0x30, "PVH ABI");
_Static_assert (sizeof (struct hvm_start_info) == 0x38, "PVH ABI");
_Static_assert (sizeof (struct hvm_memmap_entry) == 24, "PVH ABI");
