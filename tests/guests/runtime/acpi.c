/* acpi.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Finding ACPI tables, as the ACPI specification describes it (section 5.2), and reading the
 * MADT's processor entries. Every length and address from the tables is checked before use:
 * the tables come from the VMM under test. */

#include "guest.h"

#define RSDP_SIGNATURE      "RSD PTR "
#define RSDP_V1_LENGTH      20
#define EBDA_SEGMENT_PTR    0x40e
#define BIOS_AREA_START     0xe0000
#define BIOS_AREA_END       0x100000
/* A bound for table lengths: the guests' tables are a few KiB at most; this only stops a bad
 * length from walking off across all of memory. */
#define TABLE_MAX_LENGTH    (1u << 20)

#define MADT_HEADER_LENGTH  44 /* SDT header, local APIC address, flags */
#define MADT_LOCAL_APIC     0
#define MADT_LOCAL_X2APIC   9
#define MADT_ENABLED        0x1

bool
acpi_checksum_ok (const void *data,
                  size_t length)
{
  const uint8_t *p = data;
  uint8_t sum = 0;

  for (size_t i = 0; i < length; i++)
    sum += p[i];
  return sum == 0;
}

static const struct acpi_rsdp *
rsdp_check (uintptr_t addr)
{
  const struct acpi_rsdp *rsdp = (const struct acpi_rsdp *) addr;

  if (memcmp (rsdp->signature, RSDP_SIGNATURE, 8) != 0
      || !acpi_checksum_ok (rsdp, RSDP_V1_LENGTH))
    return NULL;
  /* Revision 2 added the XSDT and a checksum over the whole, longer structure. */
  if (rsdp->revision >= 2
      && (rsdp->length < sizeof (*rsdp) || rsdp->length > 4096
          || !acpi_checksum_ok (rsdp, rsdp->length)))
    return NULL;
  return rsdp;
}

static const struct acpi_rsdp *
rsdp_scan (uintptr_t start,
           uintptr_t end)
{
  /* The RSDP sits on a 16-byte boundary. */
  for (uintptr_t addr = start; addr + sizeof (struct acpi_rsdp) <= end; addr += 16)
    {
      const struct acpi_rsdp *rsdp = rsdp_check (addr);

      if (rsdp != NULL)
        return rsdp;
    }
  return NULL;
}

const struct acpi_rsdp *
acpi_find_rsdp (const struct hvm_start_info *start_info)
{
  const struct acpi_rsdp *rsdp;
  uintptr_t ebda;

  if (start_info != NULL && start_info->rsdp_paddr != 0)
    {
      if (start_info->rsdp_paddr >= 0x100000000ull - sizeof (struct acpi_rsdp))
        {
          guest_printf ("acpi: rsdp_paddr %#lx is above 4 GiB\n", start_info->rsdp_paddr);
          return NULL;
        }
      rsdp = rsdp_check ((uintptr_t) start_info->rsdp_paddr);
      if (rsdp == NULL)
        guest_printf ("acpi: no valid RSDP at rsdp_paddr %#lx\n", start_info->rsdp_paddr);
      return rsdp;
    }

  /* The first KiB of the EBDA, whose segment the BIOS data area holds (0 without a BIOS,
   * which then just scans the IVT harmlessly); then the BIOS read-only area. */
  ebda = (uintptr_t) mmio_read16 (EBDA_SEGMENT_PTR) << 4;
  if (ebda != 0 && ebda < BIOS_AREA_START)
    {
      rsdp = rsdp_scan (ebda, ebda + 1024);
      if (rsdp != NULL)
        return rsdp;
    }
  rsdp = rsdp_scan (BIOS_AREA_START, BIOS_AREA_END);
  if (rsdp == NULL)
    guest_printf ("acpi: no RSDP (none in the start info, the EBDA or 0xe0000-0xfffff)\n");
  return rsdp;
}

static const struct acpi_sdt_header *
table_check (uint64_t addr)
{
  const struct acpi_sdt_header *table;

  if (addr == 0 || addr >= 0x100000000ull - TABLE_MAX_LENGTH)
    {
      guest_printf ("acpi: table address %#lx is outside the mapped 4 GiB\n", addr);
      return NULL;
    }
  table = (const struct acpi_sdt_header *) (uintptr_t) addr;
  if (table->length < sizeof (*table) || table->length > TABLE_MAX_LENGTH)
    {
      guest_printf ("acpi: table %.4s at %#lx has a bad length %u\n", table->signature, addr,
                    table->length);
      return NULL;
    }
  if (!acpi_checksum_ok (table, table->length))
    {
      guest_printf ("acpi: table %.4s at %#lx has a bad checksum\n", table->signature, addr);
      return NULL;
    }
  return table;
}

const struct acpi_sdt_header *
acpi_find_table (const struct acpi_rsdp *rsdp,
                 const char *signature)
{
  const struct acpi_sdt_header *root;
  bool xsdt = rsdp->revision >= 2 && rsdp->xsdt_address != 0;
  size_t entry_size = xsdt ? 8 : 4;
  size_t n;

  root = table_check (xsdt ? rsdp->xsdt_address : rsdp->rsdt_address);
  if (root == NULL)
    return NULL;
  if (memcmp (root->signature, xsdt ? "XSDT" : "RSDT", 4) != 0)
    {
      guest_printf ("acpi: the RSDP points to a %.4s table, not the %s\n", root->signature,
                    xsdt ? "XSDT" : "RSDT");
      return NULL;
    }

  n = (root->length - sizeof (*root)) / entry_size;
  for (size_t i = 0; i < n; i++)
    {
      const char *entry = (const char *) (root + 1) + i * entry_size;
      uint64_t addr = 0;
      const struct acpi_sdt_header *table;

      /* XSDT entries are 64-bit but only 4-byte aligned: copy rather than dereference. */
      memcpy (&addr, entry, entry_size);
      table = table_check (addr);
      if (table != NULL && memcmp (table->signature, signature, 4) == 0)
        return table;
    }
  return NULL;
}

int
acpi_madt_cpus (const struct acpi_sdt_header *madt,
                uint32_t *apic_ids,
                unsigned int max)
{
  const uint8_t *p = (const uint8_t *) madt;
  size_t offset = MADT_HEADER_LENGTH;
  unsigned int count = 0;

  if (madt->length < MADT_HEADER_LENGTH)
    return -1;

  while (offset < madt->length)
    {
      uint8_t type;
      uint8_t length;
      uint32_t apic_id;
      uint32_t flags;

      if (madt->length - offset < 2)
        return -1;
      type = p[offset];
      length = p[offset + 1];
      if (length < 2 || length > madt->length - offset)
        return -1;

      if (type == MADT_LOCAL_APIC)
        {
          /* uid (1), APIC id (1), flags (4) */
          if (length < 8)
            return -1;
          apic_id = p[offset + 3];
          memcpy (&flags, p + offset + 4, 4);
        }
      else if (type == MADT_LOCAL_X2APIC)
        {
          /* reserved (2), x2APIC id (4), flags (4), uid (4) */
          if (length < 16)
            return -1;
          memcpy (&apic_id, p + offset + 4, 4);
          memcpy (&flags, p + offset + 8, 4);
        }
      else
        {
          offset += length;
          continue;
        }

      if (flags & MADT_ENABLED)
        {
          if (count < max)
            apic_ids[count] = apic_id;
          count++;
        }
      offset += length;
    }
  return (int) count;
}
