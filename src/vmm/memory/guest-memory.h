/* guest-memory.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest RAM as the host sees it. This is the only way devices and loaders
 * touch guest memory: every guest-physical address and length a guest hands
 * us is hostile, so each accessor checks that the whole range lies inside one
 * RAM region before any byte moves. */

#define GUEST_MEMORY_MAX_REGIONS 4

typedef struct
{
  uint64_t gpa;
  uint64_t size;
  uint8_t *host;
} GuestMemoryRegion;

typedef struct
{
  GuestMemoryRegion regions[GUEST_MEMORY_MAX_REGIONS];
  unsigned          n_regions;
} GuestMemory;

/* Start of the 32-bit hole (PCI MMIO, IOAPIC, LAPIC, firmware); RAM above it
 * continues at 4 GiB. */
#define GUEST_MEMORY_HOLE_START  0xc0000000ull
#define GUEST_MEMORY_HIGH_START  0x100000000ull

int   guest_memory_init         (GuestMemory       *mem,
                                 uint64_t           size);
void  guest_memory_destroy      (GuestMemory       *mem);
int   guest_memory_add_region   (GuestMemory       *mem,
                                 uint64_t           gpa,
                                 uint8_t           *host,
                                 uint64_t           size);
void *guest_memory_translate    (const GuestMemory *mem,
                                 uint64_t           gpa,
                                 uint64_t           len);
int   guest_memory_read         (const GuestMemory *mem,
                                 uint64_t           gpa,
                                 void              *buf,
                                 size_t             len);
int   guest_memory_write        (const GuestMemory *mem,
                                 uint64_t           gpa,
                                 const void        *buf,
                                 size_t             len);
uint64_t guest_memory_ram_size  (const GuestMemory *mem);
/* The end of the RAM region that starts at guest address 0, which is all
 * the RAM below 4 GiB: guest_memory_init caps it at the 32-bit hole, and a
 * hand-built GuestMemory is capped here. 0 when there is none. */
uint64_t guest_memory_low_end   (const GuestMemory *mem);
