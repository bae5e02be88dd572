/* layout.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Where direct kernel boot puts things in guest-physical memory.
 *
 * Everything the loader builds lives below 1 MiB, and every kernel is loaded
 * at or above 1 MiB, so the two never meet. The first MiB looks like a PC's:
 *
 *   0x00000 - 0x00fff  real-mode IVT and BIOS data area. Left zero: Linux
 *                      reads the EBDA pointer at 0x40e, and zero means none.
 *   0x01000 - 0x01fff  GDT for the boot vCPU
 *   0x02000 - 0x02fff  PVH: hvm_start_info, the module list, the memory map
 *   0x03000 - 0x03fff  bzImage: boot_params ("zero page")
 *   0x04000 - 0x09fff  page tables identity-mapping 0..4 GiB (long mode)
 *   0x0a000 - 0x1ffff  boot stack, growing down from 0x20000
 *   0x20000 - 0x2ffff  kernel command line
 *   0x30000 - 0x9fbff  free conventional memory (RAM in the e820 map)
 *   0x9fc00 - 0x9ffff  EBDA                   \
 *   0xa0000 - 0xbffff  VGA window              > reserved in the e820 map
 *   0xc0000 - 0xdffff  option ROMs             |
 *   0xe0000 - 0xeffff  BIOS area: ACPI tables  |
 *   0xf0000 - 0xfffff  SMBIOS tables          /
 *   0x100000 -         kernel, then free RAM, initrd at the top of low RAM
 *
 * All of it is RAM as far as KVM is concerned; "reserved" only tells the
 * guest not to use it. The boot structures sit in pages the e820 map calls
 * RAM: both boot protocols have the kernel copy what it needs out of them
 * before it hands those pages to its allocator. */

/* Kernels may not load below this: the boot structures above live there. */
#define BOOT_KERNEL_MIN_ADDR        0x100000ull

/* Four descriptors: null, unused, code (0x10), data (0x18). The selectors are
 * the ones the Linux 64-bit boot protocol names __BOOT_CS and __BOOT_DS; PVH
 * lets us pick, so both protocols use the same numbers. */
#define BOOT_GDT_ADDR               0x1000ull
#define BOOT_GDT_ENTRIES            4
#define BOOT_CODE_SELECTOR          0x10
#define BOOT_DATA_SELECTOR          0x18

/* PVH start of day: hvm_start_info (56 bytes), one hvm_modlist_entry for the
 * initrd (32 bytes) and the memory map (24 bytes an entry, up to 0xf80 bytes)
 * share one page. */
#define BOOT_PVH_START_INFO_ADDR    0x2000ull
#define BOOT_PVH_MODLIST_ADDR       0x2040ull
#define BOOT_PVH_MEMMAP_ADDR        0x2080ull
#define BOOT_PVH_MEMMAP_MAX_ENTRIES ((0x1000 - 0x80) / 24)

/* The Linux zero page: struct boot_params, 4 KiB. */
#define BOOT_ZERO_PAGE_ADDR         0x3000ull

/* One PML4, one PDPT, four page directories of 2 MiB pages: 4 GiB mapped
 * 1:1, which covers everything the 64-bit entry needs (kernel, zero page,
 * command line, initrd: all below the 3 GiB hole). */
#define BOOT_PML4_ADDR              0x4000ull
#define BOOT_PDPT_ADDR              0x5000ull
#define BOOT_PD_ADDR                0x6000ull
#define BOOT_PD_COUNT               4

/* Neither protocol promises the kernel a stack, but a valid one costs nothing
 * and keeps a small test guest from pushing onto address 0. */
#define BOOT_STACK_TOP              0x20000ull

/* The command line, NUL included. Below 0xa0000 as the bzImage protocol
 * wants; 64 KiB is far above any kernel's COMMAND_LINE_SIZE. */
#define BOOT_CMDLINE_ADDR           0x20000ull
#define BOOT_CMDLINE_MAX            0x10000ull

/* The legacy window the e820 map reports as reserved. */
#define BOOT_EBDA_START             0x9fc00ull
#define BOOT_LEGACY_END             0x100000ull

/* ACPI tables: the RSDP must sit on a 16-byte boundary in 0xe0000..0xfffff
 * for guests (and SeaBIOS-era OSes) that scan for it instead of being told. */
#define BOOT_ACPI_START             0xe0000ull
#define BOOT_ACPI_END               0xf0000ull

/* SMBIOS entry points and structures: guests without EFI find them by
 * scanning 0xf0000..0xfffff on 16-byte boundaries. */
#define BOOT_SMBIOS_START           0xf0000ull
#define BOOT_SMBIOS_END             0x100000ull
