/* smbios.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "memory/guest-memory.h"
#include "vmm-error.h"

/* SMBIOS tables (DSP0134 3.0) for directly booted guests, mainly so that the
 * guest knows its UUID (Linux: /sys/class/dmi/id/product_uuid).
 *
 * Both entry points, the 64-bit "_SM3_" and the 32-bit "_SM_" one older
 * tools look for, point at one structure table: BIOS (type 0), system (1),
 * chassis (3), one processor (4) with a core per vCPU, a physical memory
 * array (16) holding one memory device (17) with all guest RAM, system boot
 * information (32) and the end-of-table marker (127).
 *
 * As with acpi.h, building is separate from placing: smbios_tables_build ()
 * lays the entry points and the table out in a host buffer as they will sit
 * at a given guest address, smbios_build_tables () writes them into guest
 * RAM, where guests find them by scanning 0xf0000..0xfffff. */

/* Far above what the structures take (well under 1 KiB). */
#define SMBIOS_TABLES_MAX_SIZE   0x1000

/* The processor structure's Core Count 2 is 16 bits wide and 0xffff is
 * reserved. */
#define SMBIOS_MAX_VCPUS         0xfffe

typedef struct
{
  const uint8_t *uuid;       /* 16 bytes, RFC 4122 (big-endian) order; NULL: all zero */
  unsigned       n_vcpus;
  uint64_t       ram_size;   /* bytes; reported in whole MiB */
} SmbiosConfig;

/* Offsets in the built blob, for tests. */
typedef struct
{
  size_t   ep64;             /* "_SM3_" */
  size_t   ep32;             /* "_SM_" */
  size_t   table;            /* the first structure */
  size_t   table_size;       /* up to and including the type 127 string set */
  unsigned n_structures;
  size_t   size;             /* bytes used */
} SmbiosTablesLayout;

/* base must be 16-byte aligned (scanners look on 16-byte boundaries) and the
 * whole blob below 4 GiB (the 32-bit entry point's table address). Returns
 * 0, -EINVAL, -ENOSPC (buf too small) or -ERANGE. */
int smbios_tables_build (uint64_t            base,
                         const SmbiosConfig *cfg,
                         uint8_t            *buf,
                         size_t              buf_size,
                         SmbiosTablesLayout *layout);

int smbios_build_tables (const GuestMemory  *mem,
                         uint64_t            base,
                         uint64_t            limit,
                         const SmbiosConfig *cfg,
                         VmmError           *err);
