/* kernel-boot.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "acpi/dsdt.h"
#include "memory/guest-memory.h"
#include "vmm-error.h"

/* Direct kernel boot: the VMM plays boot loader. It loads a kernel (an ELF
 * image with a PVH entry note, or a Linux bzImage) and an optional initrd into
 * guest RAM, writes the boot structures, the e820 map, the ACPI and SMBIOS
 * tables, and describes the state the boot vCPU must start in. The low-memory
 * layout is in boot/layout.h. */

typedef struct
{
  const char *kernel_path;
  const char *initrd_path;   /* NULL: none */
  const char *cmdline;       /* NULL: empty */
  unsigned    n_vcpus;       /* LAPIC ids 0..n-1 */
  const AcpiMachine *acpi;   /* what the ACPI tables describe */
  const uint8_t *uuid;       /* 16 bytes, RFC 4122 order, for SMBIOS; NULL: none */
} KernelBootConfig;

typedef enum
{
  BOOT_CPU_MODE_PROTECTED32,  /* PVH: CR0.PE only, paging off */
  BOOT_CPU_MODE_LONG64,       /* bzImage: CR0.PE|PG, CR4.PAE, EFER.LME|LMA, CR3 = cr3 */
} BootCpuMode;

/* The boot vCPU's initial state; the kvm layer turns it into sregs/regs.
 * Segments are flat (base 0, limit 4 GiB); code_selector and data_selector
 * index the GDT at gdt_base, whose code descriptor matches mode (D=1 for
 * PROTECTED32, L=1 for LONG64). DS, ES, FS, GS and SS all take data_selector.
 * Interrupts are off; the other registers are zero. */
typedef struct
{
  BootCpuMode mode;
  uint64_t    rip, rsp, rsi, rbx;
  uint64_t    cr3;           /* LONG64: identity-mapped page tables, 0..4 GiB */
  uint64_t    gdt_base;
  uint16_t    gdt_limit;
  uint16_t    code_selector, data_selector;
} BootCpuState;

/* Returns 0, or -errno with one sentence in err naming the file and the
 * cause. The kernel and initrd files are untrusted input. mem must cover the
 * first MiB from guest address 0. */
int kernel_boot_load (const GuestMemory      *mem,
                      const KernelBootConfig *cfg,
                      BootCpuState           *cpu,
                      VmmError               *err);
