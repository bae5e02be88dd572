/* acpi.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "acpi/dsdt.h"
#include "memory/guest-memory.h"
#include "vmm-error.h"

/* ACPI tables for a PC-like guest, following ACPI 6.3: RSDP (revision 2),
 * XSDT and RSDT, FADT 6.3 with the PM1, PM timer and GPE0 blocks of
 * acpi/acpi-hw.h, a FACS, MADT revision 5, an MCFG when there is an ECAM
 * window, and the DSDT of acpi/dsdt.h. The AcpiMachine says what they
 * describe.
 *
 * Building is separate from placing: acpi_tables_build () lays the tables out
 * in a host buffer as they will sit at a given guest address (table pointers
 * are absolute) and acpi_build_tables () writes them into guest RAM for
 * direct kernel boot. For firmware boot, acpi_firmware_tables_build () makes
 * the fw_cfg files SeaBIOS's table loader reads: the same tables with
 * pointers relative to their file, and the commands that place and patch
 * them. */

/* xAPIC ids are 8 bits and 0xff is the broadcast id. */
#define ACPI_MAX_VCPUS           ACPI_DSDT_MAX_VCPUS

/* The platform the MADT describes. */
#define ACPI_LAPIC_ADDR          0xfee00000u
#define ACPI_IOAPIC_ADDR         0xfec00000u
#define ACPI_IOAPIC_ID           0
#define ACPI_IOAPIC_GSI_BASE     0

/* The reset register the FADT names: the PCI host's reset control port. */
#define ACPI_RESET_PORT          0xcf9
#define ACPI_RESET_VALUE         0x06

/* Worst case for ACPI_MAX_VCPUS possible vCPUs (the DSDT takes about 140
 * bytes per vCPU), rounded up. */
#define ACPI_TABLES_MAX_SIZE     0x10000

/* Offsets of the tables in the built blob, for tests and for fw_cfg. mcfg
 * is 0 when there is no MCFG. */
typedef struct
{
  size_t rsdp, facs, dsdt, fadt, madt, mcfg, xsdt, rsdt;
  size_t size;               /* bytes used */
} AcpiTablesLayout;

/* Lays out RSDP, FACS, DSDT, FADT, MADT, [MCFG,] XSDT and RSDT in buf as
 * they will sit from guest address base on. base must be 16-byte aligned
 * (the RSDP must be for scanners to find it) and everything must stay below
 * 4 GiB: the RSDT and FADT hold 32-bit addresses.
 *
 * Returns 0, -EINVAL (bad machine or base), -ERANGE (beyond 4 GiB), -ENOMEM,
 * or -ENOSPC when buf_size is too small; layout->size then says what is
 * needed (buf may be NULL to ask). */
int  acpi_tables_build          (const AcpiMachine *machine,
                                 uint64_t           base,
                                 uint8_t           *buf,
                                 size_t             buf_size,
                                 AcpiTablesLayout  *layout);

int  acpi_build_tables          (const GuestMemory *mem,
                                 uint64_t           base,
                                 uint64_t           limit,
                                 const AcpiMachine *machine,
                                 uint64_t          *rsdp_gpa,
                                 VmmError          *err);

/* fw_cfg file names, as QEMU and SeaBIOS know them. */
#define ACPI_FW_CFG_RSDP_FILE    "etc/acpi/rsdp"
#define ACPI_FW_CFG_TABLES_FILE  "etc/acpi/tables"
#define ACPI_FW_CFG_LOADER_FILE  "etc/table-loader"

/* Three malloc'd fw_cfg file contents. */
typedef struct
{
  uint8_t *rsdp;             /* ACPI_FW_CFG_RSDP_FILE: the RSDP, placed in FSEG */
  size_t   rsdp_size;
  uint8_t *tables;           /* ACPI_FW_CFG_TABLES_FILE: everything else, at base 0 */
  size_t   tables_size;
  uint8_t *loader;           /* ACPI_FW_CFG_LOADER_FILE: linker/loader commands */
  size_t   loader_size;
  AcpiTablesLayout layout;   /* offsets in tables (rsdp: in its own file) */
} AcpiFirmwareTables;

int  acpi_firmware_tables_build (const AcpiMachine  *machine,
                                 AcpiFirmwareTables *out,
                                 VmmError           *err);
/* Frees the three blobs; safe on a zeroed or already cleared struct. */
void acpi_firmware_tables_clear (AcpiFirmwareTables *tables);
