/* kernel-boot-private.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e820.h"
#include "kernel-boot.h"

/* What kernel-boot.c shares with the two loaders (pvh.c, bzimage.c). */

/* An open kernel or initrd. Its contents are untrusted: every offset and
 * length taken from it is checked against size before use. */
typedef struct
{
  const char *path;
  const char *what;          /* "kernel" or "initrd", for messages */
  int         fd;
  uint64_t    size;
} BootFile;

/* Prepared by kernel_boot_load before a loader runs: the memory map and the
 * ACPI tables are written, the command line is not (its limit depends on the
 * kernel). */
typedef struct
{
  const GuestMemory      *mem;
  const KernelBootConfig *cfg;
  E820Map                 e820;
  uint64_t                rsdp_gpa;
  uint64_t                low_ram_end;  /* end of the RAM region at address 0 */
} BootContext;

int  boot_file_open           (BootFile           *file,
                               const char         *path,
                               const char         *what,
                               VmmError           *err);
void boot_file_close          (BootFile           *file);
bool boot_file_has            (const BootFile     *file,
                               uint64_t            offset,
                               uint64_t            len);
int  boot_file_read           (const BootFile     *file,
                               uint64_t            offset,
                               void               *buf,
                               size_t              len,
                               VmmError           *err);
int  boot_file_load           (const BootFile     *file,
                               uint64_t            offset,
                               uint64_t            len,
                               const GuestMemory  *mem,
                               uint64_t            gpa,
                               VmmError           *err);

int  boot_write_cmdline       (const BootContext  *ctx,
                               size_t              max_len,
                               const char         *kernel_path,
                               VmmError           *err);
int  boot_load_initrd         (const BootContext  *ctx,
                               uint64_t            floor,
                               uint64_t            ceiling,
                               uint64_t           *gpa,
                               uint64_t           *size,
                               VmmError           *err);
int  boot_write_gdt           (const GuestMemory  *mem,
                               BootCpuMode         mode,
                               BootCpuState       *cpu);
int  boot_write_page_tables   (const GuestMemory  *mem,
                               uint64_t           *cr3);
