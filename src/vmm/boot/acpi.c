/* acpi.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "acpi.h"
#include "pci/pci-host.h"

/* Table layouts from the ACPI 6.3 specification, chapter 5.2. All fields are
 * little-endian, as is every host KVM on x86 runs on. */

#define ACPI_OEM_ID            "GHOUSE"
#define ACPI_OEM_TABLE_ID      "GHVMM   "
#define ACPI_OEM_REVISION      1
#define ACPI_CREATOR_ID        "GHVM"
#define ACPI_CREATOR_REVISION  1

typedef struct __attribute__ ((packed))
{
  char     signature[8];      /* "RSD PTR " */
  uint8_t  checksum;          /* over the first 20 bytes (the ACPI 1.0 part) */
  char     oem_id[6];
  uint8_t  revision;          /* 2: ACPI 2.0 and later, has the XSDT */
  uint32_t rsdt_address;
  uint32_t length;
  uint64_t xsdt_address;
  uint8_t  extended_checksum; /* over all 36 bytes */
  uint8_t  reserved[3];
} AcpiRsdp;

typedef struct __attribute__ ((packed))
{
  char     signature[4];
  uint32_t length;
  uint8_t  revision;
  uint8_t  checksum;
  char     oem_id[6];
  char     oem_table_id[8];
  uint32_t oem_revision;
  char     creator_id[4];
  uint32_t creator_revision;
} AcpiHeader;

typedef struct __attribute__ ((packed))
{
  uint8_t  space_id;
  uint8_t  bit_width;
  uint8_t  bit_offset;
  uint8_t  access_size;
  uint64_t address;
} AcpiGas;

typedef struct __attribute__ ((packed))
{
  AcpiHeader header;
  uint32_t   firmware_ctrl;
  uint32_t   dsdt;
  uint8_t    reserved0;
  uint8_t    preferred_pm_profile;
  uint16_t   sci_int;
  uint32_t   smi_cmd;
  uint8_t    acpi_enable;
  uint8_t    acpi_disable;
  uint8_t    s4bios_req;
  uint8_t    pstate_cnt;
  uint32_t   pm1a_evt_blk;
  uint32_t   pm1b_evt_blk;
  uint32_t   pm1a_cnt_blk;
  uint32_t   pm1b_cnt_blk;
  uint32_t   pm2_cnt_blk;
  uint32_t   pm_tmr_blk;
  uint32_t   gpe0_blk;
  uint32_t   gpe1_blk;
  uint8_t    pm1_evt_len;
  uint8_t    pm1_cnt_len;
  uint8_t    pm2_cnt_len;
  uint8_t    pm_tmr_len;
  uint8_t    gpe0_blk_len;
  uint8_t    gpe1_blk_len;
  uint8_t    gpe1_base;
  uint8_t    cst_cnt;
  uint16_t   p_lvl2_lat;
  uint16_t   p_lvl3_lat;
  uint16_t   flush_size;
  uint16_t   flush_stride;
  uint8_t    duty_offset;
  uint8_t    duty_width;
  uint8_t    day_alrm;
  uint8_t    mon_alrm;
  uint8_t    century;
  uint16_t   iapc_boot_arch;
  uint8_t    reserved1;
  uint32_t   flags;
  AcpiGas    reset_reg;
  uint8_t    reset_value;
  uint16_t   arm_boot_arch;
  uint8_t    minor_version;
  uint64_t   x_firmware_ctrl;
  uint64_t   x_dsdt;
  AcpiGas    x_pm1a_evt_blk;
  AcpiGas    x_pm1b_evt_blk;
  AcpiGas    x_pm1a_cnt_blk;
  AcpiGas    x_pm1b_cnt_blk;
  AcpiGas    x_pm2_cnt_blk;
  AcpiGas    x_pm_tmr_blk;
  AcpiGas    x_gpe0_blk;
  AcpiGas    x_gpe1_blk;
  AcpiGas    sleep_control_reg;
  AcpiGas    sleep_status_reg;
  uint64_t   hypervisor_vendor_id;
} AcpiFadt;

typedef struct __attribute__ ((packed))
{
  AcpiHeader header;
  uint32_t   lapic_address;
  uint32_t   flags;
} AcpiMadt;

typedef struct __attribute__ ((packed))
{
  uint8_t  type;              /* 0 */
  uint8_t  length;            /* 8 */
  uint8_t  processor_uid;
  uint8_t  apic_id;
  uint32_t flags;
} AcpiMadtLapic;

typedef struct __attribute__ ((packed))
{
  uint8_t  type;              /* 1 */
  uint8_t  length;            /* 12 */
  uint8_t  ioapic_id;
  uint8_t  reserved;
  uint32_t address;
  uint32_t gsi_base;
} AcpiMadtIoapic;

_Static_assert (sizeof (AcpiRsdp) == 36, "RSDP layout");
_Static_assert (sizeof (AcpiHeader) == 36, "table header layout");
_Static_assert (sizeof (AcpiGas) == 12, "generic address layout");
_Static_assert (offsetof (AcpiFadt, flags) == 112, "FADT layout");
_Static_assert (offsetof (AcpiFadt, x_dsdt) == 140, "FADT layout");
_Static_assert (sizeof (AcpiFadt) == 276, "FADT layout");
_Static_assert (sizeof (AcpiMadt) == 44, "MADT layout");
_Static_assert (sizeof (AcpiMadtLapic) == 8, "MADT LAPIC layout");
_Static_assert (sizeof (AcpiMadtIoapic) == 12, "MADT I/O APIC layout");

#define ACPI_FADT_HW_REDUCED_ACPI       (1u << 20)
#define ACPI_FADT_BOOT_LEGACY_DEVICES   (1u << 0)
#define ACPI_FADT_BOOT_8042             (1u << 1)
#define ACPI_MADT_PCAT_COMPAT           (1u << 0)
#define ACPI_MADT_LAPIC_ENABLED         (1u << 0)

static uint8_t
acpi_checksum (const uint8_t *bytes,
               size_t         len)
{
  uint8_t sum = 0;

  for (size_t i = 0; i < len; i++)
    sum += bytes[i];
  return (uint8_t) -sum;
}

static void
acpi_header_init (AcpiHeader *header,
                  const char *signature,
                  size_t      length,
                  uint8_t     revision)
{
  memcpy (header->signature, signature, 4);
  header->length = (uint32_t) length;
  header->revision = revision;
  memcpy (header->oem_id, ACPI_OEM_ID, 6);
  memcpy (header->oem_table_id, ACPI_OEM_TABLE_ID, 8);
  header->oem_revision = ACPI_OEM_REVISION;
  memcpy (header->creator_id, ACPI_CREATOR_ID, 4);
  header->creator_revision = ACPI_CREATOR_REVISION;
}

/* The checksum byte sits at offset 9 of every table with a standard header. */
static void
acpi_table_finish (uint8_t *table,
                   size_t   length)
{
  table[9] = 0;
  table[9] = acpi_checksum (table, length);
}

static size_t
acpi_align (size_t offset)
{
  return (offset + 15) & ~(size_t) 15;
}

static size_t
acpi_madt_size (unsigned n_vcpus)
{
  return sizeof (AcpiMadt) + n_vcpus * sizeof (AcpiMadtLapic) + sizeof (AcpiMadtIoapic);
}

static void
acpi_build_fadt (uint8_t  *table,
                 uint64_t  dsdt_gpa)
{
  AcpiFadt fadt = { 0 };

  acpi_header_init (&fadt.header, "FACP", sizeof fadt, 6);
  fadt.minor_version = 3;

  /* Hardware-reduced ACPI, for now: the VMM has no PM1 event and control
   * blocks, PM timer or GPE blocks yet (the ACPI power-management device and
   * the AML for power button and CPU hotplug come later). A full FADT would
   * have to point at those, and at a FACS; with HW_REDUCED_ACPI the OS
   * ignores every fixed-hardware field, needs no FACS (FIRMWARE_CTRL and
   * X_FIRMWARE_CTRL stay 0), and does not try to switch ACPI mode through
   * SMI_CMD. Linux then also skips the legacy PIC and PIT timer set-up and
   * routes ISA interrupts through the I/O APIC; kvmclock gives it time. */
  fadt.flags = ACPI_FADT_HW_REDUCED_ACPI;

  /* The guest has ISA-style legacy devices (16550 UARTs, the CMOS RTC) and
   * an i8042; without the 8042 bit Linux would not probe the keyboard
   * controller. "CMOS RTC not present" stays clear. */
  fadt.iapc_boot_arch = ACPI_FADT_BOOT_LEGACY_DEVICES | ACPI_FADT_BOOT_8042;

  /* Both DSDT pointers, equal: X_DSDT wins where the OS reads it, and
   * ACPICA complains when the two disagree. */
  fadt.dsdt = (uint32_t) dsdt_gpa;
  fadt.x_dsdt = dsdt_gpa;

  memcpy (table, &fadt, sizeof fadt);
  acpi_table_finish (table, sizeof fadt);
}

/* One Processor Local APIC entry per vCPU, ACPI processor UID = APIC id =
 * vCPU index, all enabled; then the I/O APIC. No interrupt source overrides:
 * KVM's default routing sends ISA IRQ n to I/O APIC pin n (GSI n), which is
 * exactly what the OS assumes without overrides.
 *
 * The I/O APIC id is 0, the value KVM's in-kernel I/O APIC holds in its ID
 * register after reset, so the MADT and the hardware agree and no OS feels
 * it must reprogram the id. It shares the number with LAPIC 0, which has not
 * mattered since I/O APIC and local APIC ids stopped sharing a serial bus
 * (Pentium 4 and later, and every x2APIC system). */
static void
acpi_build_madt (uint8_t  *table,
                 unsigned  n_vcpus,
                 bool      has_8259)
{
  size_t size = acpi_madt_size (n_vcpus);
  AcpiMadt madt = { 0 };
  AcpiMadtIoapic ioapic = { 0 };
  size_t offset = sizeof madt;

  acpi_header_init (&madt.header, "APIC", size, 5);
  madt.lapic_address = ACPI_LAPIC_ADDR;
  madt.flags = has_8259 ? ACPI_MADT_PCAT_COMPAT : 0;
  memcpy (table, &madt, sizeof madt);

  for (unsigned i = 0; i < n_vcpus; i++)
    {
      AcpiMadtLapic lapic = {
        .type = 0,
        .length = sizeof lapic,
        .processor_uid = (uint8_t) i,
        .apic_id = (uint8_t) i,
        .flags = ACPI_MADT_LAPIC_ENABLED,
      };
      memcpy (table + offset, &lapic, sizeof lapic);
      offset += sizeof lapic;
    }

  ioapic.type = 1;
  ioapic.length = sizeof ioapic;
  ioapic.ioapic_id = ACPI_IOAPIC_ID;
  ioapic.address = ACPI_IOAPIC_ADDR;
  ioapic.gsi_base = ACPI_IOAPIC_GSI_BASE;
  memcpy (table + offset, &ioapic, sizeof ioapic);

  acpi_table_finish (table, size);
}

/* A valid definition block with no AML in it. Revision 2 makes AML integers
 * 64 bits wide once there is AML. */
static void
acpi_build_dsdt (uint8_t *table)
{
  AcpiHeader dsdt = { 0 };

  acpi_header_init (&dsdt, "DSDT", sizeof dsdt, 2);
  memcpy (table, &dsdt, sizeof dsdt);
  acpi_table_finish (table, sizeof dsdt);
}

typedef struct __attribute__ ((packed))
{
  AcpiHeader header;
  uint64_t   reserved;
  uint64_t   ecam_base;
  uint16_t   segment;
  uint8_t    start_bus;
  uint8_t    end_bus;
  uint32_t   reserved2;
} AcpiMcfg;

/* The PCI Express memory-mapped configuration window (ECAM). Without it
 * guests fall back to ports 0xcf8/0xcfc, which work but cannot reach the
 * extended configuration space. The window is reserved in the e820 map,
 * which Linux checks before trusting it. */
static void
acpi_build_mcfg (uint8_t *table)
{
  AcpiMcfg mcfg = { 0 };

  acpi_header_init (&mcfg.header, "MCFG", sizeof mcfg, 1);
  mcfg.ecam_base = PCI_HOST_ECAM_BASE;
  mcfg.segment = 0;
  mcfg.start_bus = 0;
  mcfg.end_bus = 0;
  memcpy (table, &mcfg, sizeof mcfg);
  acpi_table_finish (table, sizeof mcfg);
}

/* Lays out RSDP, XSDT, RSDT, FADT, MADT, MCFG and DSDT, 16-byte aligned, in buf as
 * they will sit from guest address base on. base must be 16-byte aligned
 * (the RSDP must be for scanners to find it) and everything must stay below
 * 4 GiB: the RSDT and FADT.DSDT hold 32-bit addresses. */
int
acpi_tables_build (uint64_t          base,
                   unsigned          n_vcpus,
                   bool              has_8259,
                   uint8_t          *buf,
                   size_t            buf_size,
                   AcpiTablesLayout *layout)
{
  const size_t xsdt_size = sizeof (AcpiHeader) + 3 * sizeof (uint64_t);
  const size_t rsdt_size = sizeof (AcpiHeader) + 3 * sizeof (uint32_t);
  AcpiTablesLayout l;
  AcpiHeader header = { 0 };
  AcpiRsdp rsdp = { 0 };
  uint64_t pointers64[3];
  uint32_t pointers32[3];

  if (n_vcpus == 0 || n_vcpus > ACPI_MAX_VCPUS || base % 16 != 0)
    return -EINVAL;

  l.rsdp = 0;
  l.xsdt = acpi_align (l.rsdp + sizeof (AcpiRsdp));
  l.rsdt = acpi_align (l.xsdt + xsdt_size);
  l.fadt = acpi_align (l.rsdt + rsdt_size);
  l.madt = acpi_align (l.fadt + sizeof (AcpiFadt));
  l.mcfg = acpi_align (l.madt + acpi_madt_size (n_vcpus));
  l.dsdt = acpi_align (l.mcfg + sizeof (AcpiMcfg));
  l.size = l.dsdt + sizeof (AcpiHeader);

  if (l.size > buf_size)
    return -ENOSPC;
  if (base > UINT32_MAX || l.size > UINT32_MAX - base + 1)
    return -ERANGE;
  memset (buf, 0, l.size);

  acpi_build_dsdt (buf + l.dsdt);
  acpi_build_madt (buf + l.madt, n_vcpus, has_8259);
  acpi_build_mcfg (buf + l.mcfg);
  acpi_build_fadt (buf + l.fadt, base + l.dsdt);

  /* The XSDT and RSDT list the same tables; the DSDT is reached through the
   * FADT, never listed. The RSDT is for ACPI 1.0-era OSes; newer ones take
   * the XSDT. */
  pointers64[0] = base + l.fadt;
  pointers64[1] = base + l.madt;
  pointers64[2] = base + l.mcfg;
  acpi_header_init (&header, "XSDT", xsdt_size, 1);
  memcpy (buf + l.xsdt, &header, sizeof header);
  memcpy (buf + l.xsdt + sizeof header, pointers64, sizeof pointers64);
  acpi_table_finish (buf + l.xsdt, xsdt_size);

  pointers32[0] = (uint32_t) (base + l.fadt);
  pointers32[1] = (uint32_t) (base + l.madt);
  pointers32[2] = (uint32_t) (base + l.mcfg);
  acpi_header_init (&header, "RSDT", rsdt_size, 1);
  memcpy (buf + l.rsdt, &header, sizeof header);
  memcpy (buf + l.rsdt + sizeof header, pointers32, sizeof pointers32);
  acpi_table_finish (buf + l.rsdt, rsdt_size);

  memcpy (rsdp.signature, "RSD PTR ", 8);
  memcpy (rsdp.oem_id, ACPI_OEM_ID, 6);
  rsdp.revision = 2;
  rsdp.rsdt_address = (uint32_t) (base + l.rsdt);
  rsdp.length = sizeof rsdp;
  rsdp.xsdt_address = base + l.xsdt;
  rsdp.checksum = acpi_checksum ((const uint8_t *) &rsdp, 20);
  rsdp.extended_checksum = acpi_checksum ((const uint8_t *) &rsdp, sizeof rsdp);
  memcpy (buf + l.rsdp, &rsdp, sizeof rsdp);

  *layout = l;
  return 0;
}

int
acpi_build_tables (const GuestMemory *mem,
                   uint64_t           base,
                   uint64_t           limit,
                   unsigned           n_vcpus,
                   bool               has_8259,
                   uint64_t          *rsdp_gpa,
                   VmmError          *err)
{
  uint8_t buf[ACPI_TABLES_MAX_SIZE];
  AcpiTablesLayout layout;
  int ret;

  if (n_vcpus == 0 || n_vcpus > ACPI_MAX_VCPUS)
    {
      vmm_error_set (err, "cannot describe %u vCPUs in the ACPI tables: the MADT takes 1 to %u",
                     n_vcpus, ACPI_MAX_VCPUS);
      return -EINVAL;
    }

  ret = acpi_tables_build (base, n_vcpus, has_8259, buf, sizeof buf, &layout);
  if (ret == 0 && (limit < base || layout.size > limit - base))
    ret = -ENOSPC;
  if (ret == 0)
    ret = guest_memory_write (mem, base, buf, layout.size);
  if (ret < 0)
    {
      vmm_error_set (err, "cannot place the ACPI tables at guest address 0x%" PRIx64
                     " (limit 0x%" PRIx64 "): %s", base, limit,
                     ret == -EFAULT ? "that is not guest RAM"
                     : ret == -ENOSPC ? "they do not fit"
                     : "the address must be 16-byte aligned and below 4 GiB");
      return ret;
    }

  *rsdp_gpa = base + layout.rsdp;
  return 0;
}
