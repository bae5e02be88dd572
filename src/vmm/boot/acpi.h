/* acpi.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "memory/guest-memory.h"
#include "vmm-error.h"

/* ACPI tables for a PC-like guest, following ACPI 6.3: RSDP (revision 2),
 * XSDT and RSDT, FADT 6.3, MADT revision 5, and a DSDT with no AML yet.
 *
 * Building is separate from placing: acpi_tables_build () lays the tables out
 * in a host buffer as they will sit at a given guest address (table pointers
 * are absolute), so firmware boot can hand the same bytes to fw_cfg, and
 * acpi_build_tables () writes them into guest RAM for direct kernel boot. */

/* xAPIC ids are 8 bits and 0xff is the broadcast id. */
#define ACPI_MAX_VCPUS           255

/* The platform the MADT describes. */
#define ACPI_LAPIC_ADDR          0xfee00000u
#define ACPI_IOAPIC_ADDR         0xfec00000u
#define ACPI_IOAPIC_ID           0
#define ACPI_IOAPIC_GSI_BASE     0

/* Worst case for ACPI_MAX_VCPUS, rounded up. */
#define ACPI_TABLES_MAX_SIZE     0x1000

/* Offsets of the tables in the built blob, for tests and for fw_cfg. */
typedef struct
{
  size_t rsdp, xsdt, rsdt, fadt, madt, mcfg, dsdt;
  size_t size;               /* bytes used */
} AcpiTablesLayout;

/* has_8259: the machine has the PC-AT pair of 8259 PICs (the in-kernel
 * irqchip), which the MADT announces with PCAT_COMPAT. */
int acpi_tables_build (uint64_t           base,
                       unsigned           n_vcpus,
                       bool               has_8259,
                       uint8_t           *buf,
                       size_t             buf_size,
                       AcpiTablesLayout  *layout);

int acpi_build_tables (const GuestMemory *mem,
                       uint64_t           base,
                       uint64_t           limit,
                       unsigned           n_vcpus,
                       bool               has_8259,
                       uint64_t          *rsdp_gpa,
                       VmmError          *err);
