/* table-loader.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* The commands of QEMU's BIOS linker/loader ("etc/table-loader" in fw_cfg),
 * which SeaBIOS runs to place ACPI tables it does not build itself: 128-byte
 * little-endian entries, a u32 command and its arguments.
 *
 *   ALLOCATE     copy a fw_cfg file into memory: file[56], align u32,
 *                zone u8 (1: high memory, 2: the F segment)
 *   ADD_POINTER  add the address where src_file landed to the size-byte
 *                (1, 2, 4 or 8) little-endian value at offset in dest_file:
 *                dest_file[56], src_file[56], offset u32, size u8
 *   ADD_CHECKSUM subtract the byte sum of [start, start + length) of file
 *                from the byte at offset, so that the range sums to 0 when
 *                the byte is in it: file[56], offset u32, start u32,
 *                length u32
 *
 * Commands run in order, so a table's checksum must come after every
 * pointer patched into it. The builder checks what it can: names fit,
 * files are allocated once and before use, offsets and ranges lie inside
 * the files. */

#define TABLE_LOADER_ENTRY_SIZE    128
#define TABLE_LOADER_FILE_NAME_LEN 56       /* NUL included */

enum
{
  TABLE_LOADER_CMD_ALLOCATE     = 1,
  TABLE_LOADER_CMD_ADD_POINTER  = 2,
  TABLE_LOADER_CMD_ADD_CHECKSUM = 3,
};

typedef enum
{
  TABLE_LOADER_ZONE_HIGH = 1,
  TABLE_LOADER_ZONE_FSEG = 2,
} TableLoaderZone;

typedef struct TableLoader TableLoader;

/* NULL when out of memory. */
TableLoader   *table_loader_new          (void);
void           table_loader_free         (TableLoader     *loader);

/* size is the file's length, for the bounds checks of later commands.
 * Returns 0, -EINVAL (name too long or empty, align not a power of two,
 * unknown zone), -EEXIST (already allocated) or -ENOMEM. */
int            table_loader_allocate     (TableLoader     *loader,
                                          const char      *file,
                                          uint32_t         size,
                                          uint32_t         align,
                                          TableLoaderZone  zone);
/* Returns 0, -ENOENT (a file not allocated), -EINVAL (size not 1/2/4/8,
 * offset + size beyond dest_file) or -ENOMEM. */
int            table_loader_add_pointer  (TableLoader     *loader,
                                          const char      *dest_file,
                                          uint32_t         offset,
                                          uint8_t          size,
                                          const char      *src_file);
/* Returns 0, -ENOENT, -EINVAL (result or range outside the file) or
 * -ENOMEM. */
int            table_loader_add_checksum (TableLoader     *loader,
                                          const char      *file,
                                          uint32_t         result_offset,
                                          uint32_t         start,
                                          uint32_t         length);

/* The commands so far; valid until the next call on loader. */
const uint8_t *table_loader_data         (TableLoader     *loader,
                                          size_t          *len);
