/* fw-cfg.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "boot/e820.h"
#include "bus/io-bus.h"
#include "memory/guest-memory.h"

/* QEMU's firmware configuration interface (fw_cfg), as x86 firmware such as
 * SeaBIOS expects it: named and numbered read-only blobs the firmware pulls
 * through a selector/data port pair or through DMA into guest RAM.
 *
 * Register fw_cfg_io_ops at FW_CFG_IO_PORT for FW_CFG_IO_LEN bytes and
 * fw_cfg_dma_ops at FW_CFG_DMA_PORT for FW_CFG_DMA_LEN bytes, both with the
 * FwCfg as opaque. The port pair behaves as QEMU's: a 16-bit write at 0x510
 * selects an item, a byte read at 0x510 or 0x511 returns the next byte of it
 * (0 past its end), anything else reads 0 and is ignored. The DMA register
 * reads "QEMU CFG" (big-endian); the guest writes the big-endian address of
 * an FWCfgDmaAccess there, high half at offset 0, then low half at offset 4,
 * which runs the transfer on the writing vCPU's thread. Transfers only reach
 * guest RAM: a bad address or length gets the error bit, never a crash. */

#define FW_CFG_IO_PORT          0x510
#define FW_CFG_IO_LEN           2
#define FW_CFG_DMA_PORT         0x514
#define FW_CFG_DMA_LEN          8

/* Selector keys QEMU defines (include/standard-headers/linux/qemu_fw_cfg.h
 * and hw/i386/fw_cfg.h). Items whose format the device owns: SIGNATURE, ID
 * and FILE_DIR; everything else is the owner's to add, little-endian. */
#define FW_CFG_SIGNATURE        0x0000
#define FW_CFG_ID               0x0001
#define FW_CFG_UUID             0x0002
#define FW_CFG_RAM_SIZE         0x0003
#define FW_CFG_NOGRAPHIC        0x0004
#define FW_CFG_NB_CPUS          0x0005
#define FW_CFG_MACHINE_ID       0x0006
#define FW_CFG_KERNEL_ADDR      0x0007
#define FW_CFG_KERNEL_SIZE      0x0008
#define FW_CFG_KERNEL_CMDLINE   0x0009
#define FW_CFG_INITRD_ADDR      0x000a
#define FW_CFG_INITRD_SIZE      0x000b
#define FW_CFG_BOOT_DEVICE      0x000c
#define FW_CFG_NUMA             0x000d
#define FW_CFG_BOOT_MENU        0x000e
#define FW_CFG_MAX_CPUS         0x000f
#define FW_CFG_KERNEL_ENTRY     0x0010
#define FW_CFG_KERNEL_DATA      0x0011
#define FW_CFG_INITRD_DATA      0x0012
#define FW_CFG_CMDLINE_ADDR     0x0013
#define FW_CFG_CMDLINE_SIZE     0x0014
#define FW_CFG_CMDLINE_DATA     0x0015
#define FW_CFG_SETUP_ADDR       0x0016
#define FW_CFG_SETUP_SIZE       0x0017
#define FW_CFG_SETUP_DATA       0x0018
#define FW_CFG_FILE_DIR         0x0019
#define FW_CFG_FILE_FIRST       0x0020
#define FW_CFG_WRITE_CHANNEL    0x4000
#define FW_CFG_ARCH_LOCAL       0x8000
#define FW_CFG_ACPI_TABLES      (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES   (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE    (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE       (FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET             (FW_CFG_ARCH_LOCAL + 4)

/* FW_CFG_ID feature bits. */
#define FW_CFG_VERSION          0x01
#define FW_CFG_VERSION_DMA      0x02

/* FWCfgDmaAccess.control bits; SELECT takes the key from the upper 16 bits. */
#define FW_CFG_DMA_CTL_ERROR    0x01
#define FW_CFG_DMA_CTL_READ     0x02
#define FW_CFG_DMA_CTL_SKIP     0x04
#define FW_CFG_DMA_CTL_SELECT   0x08
#define FW_CFG_DMA_CTL_WRITE    0x10

#define FW_CFG_DMA_SIGNATURE    UINT64_C (0x51454d5520434647)   /* "QEMU CFG" */

/* A file name holds up to 55 bytes and its NUL. A directory entry is
 * be32 size, be16 select, be16 reserved, name; the directory is a be32
 * count followed by the entries, sorted by name as QEMU sorts them. */
#define FW_CFG_FILE_NAME_SIZE   56
#define FW_CFG_DIR_ENTRY_SIZE   64

/* SeaBIOS's "etc/e820" entry: le64 address, le64 length, le32 type, packed. */
#define FW_CFG_E820_ENTRY_SIZE  20

typedef struct FwCfg FwCfg;

extern const IoBusOps fw_cfg_io_ops;
extern const IoBusOps fw_cfg_dma_ops;

/* mem must outlive the device. Returns NULL when out of memory. */
FwCfg *fw_cfg_new   (const GuestMemory *mem);
void   fw_cfg_free  (FwCfg             *dev);

/* Back to power-on: the signature selected at offset 0, DMA address 0.
 * Items stay. */
void   fw_cfg_reset (FwCfg             *dev);

/* Adding is meant for before the guest runs; it is safe at any time, but a
 * file added later renumbers the files sorted after it. The data is copied.
 *
 * fw_cfg_add_item takes a numbered key below FW_CFG_FILE_FIRST, optionally
 * with FW_CFG_ARCH_LOCAL; SIGNATURE, ID and FILE_DIR belong to the device.
 * Returns 0, -EINVAL (key not the owner's, or a blob of 4 GiB or more),
 * -EEXIST (key already added) or -ENOMEM. */
int    fw_cfg_add_item (FwCfg      *dev,
                        uint16_t    key,
                        const void *data,
                        size_t      len);
int    fw_cfg_add_u16  (FwCfg      *dev,
                        uint16_t    key,
                        uint16_t    value);
int    fw_cfg_add_u32  (FwCfg      *dev,
                        uint16_t    key,
                        uint32_t    value);
int    fw_cfg_add_u64  (FwCfg      *dev,
                        uint16_t    key,
                        uint64_t    value);

/* Returns 0, -EINVAL (empty name, name of 56 bytes or more, blob of 4 GiB
 * or more), -EEXIST (name already added), -ENOSPC (no selector left) or
 * -ENOMEM. */
int    fw_cfg_add_file (FwCfg      *dev,
                        const char *name,
                        const void *data,
                        size_t      len);

/* Adds map as the file "etc/e820", which SeaBIOS prefers to CMOS for its
 * memory map (it reads only RAM and reserved entries from it). */
int    fw_cfg_add_e820 (FwCfg         *dev,
                        const E820Map *map);
