/* bzimage.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "kernel-boot-private.h"

/* The Linux/x86 boot protocol (Documentation/arch/x86/boot.rst) and the zero
 * page (zero-page.rst), as byte offsets. The setup header sits at the same
 * offsets in the bzImage file and in struct boot_params, which is why one set
 * of numbers serves both. */

/* Setup header, offsets from the start of the file / zero page. */
#define BZIMAGE_SETUP_SECTS          0x1f1  /* u8: 512-byte setup sectors; 0 means 4 */
#define BZIMAGE_SYSSIZE              0x1f4  /* u32: protected-mode code, 16-byte units */
#define BZIMAGE_BOOT_FLAG            0x1fe  /* u16: 0xaa55 */
#define BZIMAGE_JUMP                 0x200  /* u16: short jmp; its byte at 0x201 sizes the header */
#define BZIMAGE_HEADER_MAGIC_OFFSET  0x202  /* "HdrS" */
#define BZIMAGE_VERSION              0x206  /* u16: protocol, major << 8 | minor */
#define BZIMAGE_TYPE_OF_LOADER       0x210  /* u8 */
#define BZIMAGE_LOADFLAGS            0x211  /* u8 */
#define BZIMAGE_CODE32_START         0x214  /* u32 */
#define BZIMAGE_RAMDISK_IMAGE        0x218  /* u32 */
#define BZIMAGE_RAMDISK_SIZE         0x21c  /* u32 */
#define BZIMAGE_HEAP_END_PTR         0x224  /* u16 */
#define BZIMAGE_CMD_LINE_PTR         0x228  /* u32 */
#define BZIMAGE_INITRD_ADDR_MAX      0x22c  /* u32: highest address the initrd may occupy */
#define BZIMAGE_KERNEL_ALIGNMENT     0x230  /* u32 */
#define BZIMAGE_RELOCATABLE_KERNEL   0x234  /* u8 */
#define BZIMAGE_XLOADFLAGS           0x236  /* u16 */
#define BZIMAGE_CMDLINE_SIZE         0x238  /* u32: longest command line, NUL excluded */
#define BZIMAGE_SETUP_DATA           0x250  /* u64 */
#define BZIMAGE_PREF_ADDRESS         0x258  /* u64 */
#define BZIMAGE_INIT_SIZE            0x260  /* u32 */

/* Where the header must reach for protocol 2.12 (through handover_offset),
 * and where struct boot_params stops taking header bytes (edd_mbr_sig_buffer
 * starts there). */
#define BZIMAGE_HEADER_MIN_END       0x268
#define BZIMAGE_HEADER_MAX_END       0x290

/* Zero-page fields outside the setup header. */
#define ZERO_PAGE_ACPI_RSDP_ADDR     0x070  /* u64, protocol 2.14 */
#define ZERO_PAGE_EXT_RAMDISK_IMAGE  0x0c0  /* u32: bits 32..63 */
#define ZERO_PAGE_EXT_RAMDISK_SIZE   0x0c4  /* u32 */
#define ZERO_PAGE_EXT_CMD_LINE_PTR   0x0c8  /* u32 */
#define ZERO_PAGE_E820_ENTRIES       0x1e8  /* u8 */
#define ZERO_PAGE_E820_TABLE         0x2d0  /* {u64 addr, u64 size, u32 type} x 128 */
#define ZERO_PAGE_E820_MAX           128
#define ZERO_PAGE_SIZE               0x1000

#define BZIMAGE_BOOT_FLAG_MAGIC      0xaa55
#define BZIMAGE_MIN_VERSION          0x020c
#define BZIMAGE_LOADED_HIGH          (1u << 0)
#define BZIMAGE_CAN_USE_HEAP         (1u << 7)
#define BZIMAGE_XLF_KERNEL_64        (1u << 0)
#define BZIMAGE_LOADER_UNDEFINED     0xff
#define BZIMAGE_ENTRY_64_OFFSET      0x200

int bzimage_load (const BootContext *ctx,
                  const BootFile    *kernel,
                  BootCpuState      *cpu,
                  VmmError          *err);
