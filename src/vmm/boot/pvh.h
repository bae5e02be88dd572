/* pvh.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

#include "kernel-boot-private.h"

/* The PVH boot ABI (Xen's docs/misc/pvh.pandoc and public/arch-x86/hvm/
 * start_info.h): an ELF kernel names its 32-bit entry point in an ELF note,
 * and is entered in flat 32-bit protected mode with EBX pointing at
 * hvm_start_info. */

#define PVH_NOTE_NAME            "Xen"
#define PVH_NOTE_PHYS32_ENTRY    18      /* XEN_ELFNOTE_PHYS32_ENTRY */
#define PVH_START_MAGIC          0x336ec578u
#define PVH_START_VERSION        1       /* has memmap_paddr / memmap_entries */

typedef struct __attribute__ ((packed))
{
  uint32_t magic;
  uint32_t version;
  uint32_t flags;
  uint32_t nr_modules;
  uint64_t modlist_paddr;
  uint64_t cmdline_paddr;
  uint64_t rsdp_paddr;
  uint64_t memmap_paddr;      /* version 1 */
  uint32_t memmap_entries;    /* version 1 */
  uint32_t reserved;
} PvhStartInfo;

typedef struct __attribute__ ((packed))
{
  uint64_t paddr;
  uint64_t size;
  uint64_t cmdline_paddr;
  uint64_t reserved;
} PvhModlistEntry;

typedef struct __attribute__ ((packed))
{
  uint64_t addr;
  uint64_t size;
  uint32_t type;              /* E820_TYPE_* */
  uint32_t reserved;
} PvhMemmapEntry;

_Static_assert (sizeof (PvhStartInfo) == 56, "hvm_start_info layout");
_Static_assert (sizeof (PvhModlistEntry) == 32, "hvm_modlist_entry layout");
_Static_assert (sizeof (PvhMemmapEntry) == 24, "hvm_memmap_table_entry layout");

int pvh_load (const BootContext *ctx,
              const BootFile    *kernel,
              BootCpuState      *cpu,
              VmmError          *err);
