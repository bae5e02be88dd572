/* acpi.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "acpi/acpi-hw.h"
#include "acpi/table-loader.h"

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

/* The Firmware ACPI Control Structure: no checksum, 64-byte aligned. The
 * OS keeps its waking vector and the global lock here; nothing in it is
 * used by the VMM. */
typedef struct __attribute__ ((packed))
{
  char     signature[4];      /* "FACS" */
  uint32_t length;
  uint32_t hardware_signature;
  uint32_t firmware_waking_vector;
  uint32_t global_lock;
  uint32_t flags;
  uint64_t x_firmware_waking_vector;
  uint8_t  version;
  uint8_t  reserved[3];
  uint32_t ospm_flags;
  uint8_t  reserved2[24];
} AcpiFacs;

typedef struct __attribute__ ((packed))
{
  uint8_t  type;              /* 2 */
  uint8_t  length;            /* 10 */
  uint8_t  bus;               /* 0: ISA */
  uint8_t  source;            /* ISA IRQ */
  uint32_t gsi;
  uint16_t flags;
} AcpiMadtOverride;

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

_Static_assert (sizeof (AcpiRsdp) == 36, "RSDP layout");
_Static_assert (sizeof (AcpiFacs) == 64, "FACS layout");
_Static_assert (sizeof (AcpiMadtOverride) == 10, "MADT override layout");
_Static_assert (sizeof (AcpiMcfg) == 60, "MCFG layout");
_Static_assert (sizeof (AcpiHeader) == 36, "table header layout");
_Static_assert (sizeof (AcpiGas) == 12, "generic address layout");
_Static_assert (offsetof (AcpiFadt, flags) == 112, "FADT layout");
_Static_assert (offsetof (AcpiFadt, x_dsdt) == 140, "FADT layout");
_Static_assert (sizeof (AcpiFadt) == 276, "FADT layout");
_Static_assert (sizeof (AcpiMadt) == 44, "MADT layout");
_Static_assert (sizeof (AcpiMadtLapic) == 8, "MADT LAPIC layout");
_Static_assert (sizeof (AcpiMadtIoapic) == 12, "MADT I/O APIC layout");


/* FADT flags (ACPI 6.3, table 5-34). */
#define ACPI_FADT_WBINVD                (1u << 0)
#define ACPI_FADT_PROC_C1               (1u << 2)
#define ACPI_FADT_SLP_BUTTON            (1u << 5)
#define ACPI_FADT_FIX_RTC               (1u << 6)
#define ACPI_FADT_RESET_REG_SUP         (1u << 10)
#define ACPI_FADT_FORCE_APIC_PHYSICAL   (1u << 19)
#define ACPI_FADT_BOOT_LEGACY_DEVICES   (1u << 0)
#define ACPI_FADT_BOOT_8042             (1u << 1)
#define ACPI_MADT_PCAT_COMPAT           (1u << 0)
#define ACPI_MADT_LAPIC_ENABLED         (1u << 0)
#define ACPI_MADT_LAPIC_ONLINE_CAPABLE  (1u << 1)
/* MPS INTI flags: polarity in bits 1-0 (1: active high), trigger mode in
 * bits 3-2 (3: level). */
#define ACPI_MADT_INTI_HIGH_LEVEL       0x000d

#define ACPI_GAS_SYSTEM_IO              1
#define ACPI_GAS_ACCESS_BYTE            1
#define ACPI_GAS_ACCESS_WORD            2
#define ACPI_GAS_ACCESS_DWORD           3

/* The CMOS RTC's century register (devices/cmos-rtc.c). */
#define ACPI_CMOS_CENTURY               0x32

/* P_LVL2_LAT above 100 and P_LVL3_LAT above 1000 microseconds: no C2 or
 * C3 (there is no P_BLK to enter them through anyway). */
#define ACPI_NO_C2_LATENCY              101
#define ACPI_NO_C3_LATENCY              1001

/* Every pointer field in the tables, so that firmware boot can have the
 * loader relocate them: offsets in the tables blob, sizes in bytes. */
#define ACPI_MAX_POINTERS               16

typedef struct
{
  struct
  {
    size_t  offset;
    uint8_t size;
  } at[ACPI_MAX_POINTERS];
  unsigned n;
} AcpiPointers;

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

/* Writes a size-byte little-endian pointer at buf + offset and, when
 * pointers is given, remembers where it is. */
static void
acpi_put_pointer (uint8_t      *buf,
                  size_t        offset,
                  uint8_t       size,
                  uint64_t      value,
                  AcpiPointers *pointers)
{
  memcpy (buf + offset, &value, size);
  if (pointers != NULL && pointers->n < ACPI_MAX_POINTERS)
    {
      pointers->at[pointers->n].offset = offset;
      pointers->at[pointers->n].size = size;
      pointers->n++;
    }
}

static unsigned
acpi_madt_n_overrides (const AcpiMachine *machine)
{
  return machine->irq0_on_gsi2 ? 2 : 1;
}

static size_t
acpi_madt_size (const AcpiMachine *machine)
{
  return sizeof (AcpiMadt) + machine->max_vcpus * sizeof (AcpiMadtLapic)
         + sizeof (AcpiMadtIoapic) + acpi_madt_n_overrides (machine) * sizeof (AcpiMadtOverride);
}

static unsigned
acpi_n_listed_tables (const AcpiMachine *machine)
{
  return machine->ecam_base != 0 ? 3 : 2;      /* FADT, MADT[, MCFG] */
}

static AcpiGas
acpi_gas_io (uint16_t port,
             unsigned len,
             uint8_t  access_size)
{
  return (AcpiGas) {
    .space_id = ACPI_GAS_SYSTEM_IO,
    .bit_width = (uint8_t) (8 * len),
    .bit_offset = 0,
    .access_size = access_size,
    .address = port,
  };
}

static void
acpi_build_facs (uint8_t *table)
{
  AcpiFacs facs = { 0 };

  memcpy (facs.signature, "FACS", 4);
  facs.length = sizeof facs;
  facs.version = 2;
  memcpy (table, &facs, sizeof facs);
}

/* A full (not hardware-reduced) FADT: the PM1a event and control blocks,
 * the PM timer and GPE0 are the ports of acpi/acpi-hw.h, the power button
 * is the fixed-feature one, and there is no sleep button. With SMI_CMD 0
 * there is no ACPI mode switch: SCI_EN reads 1 from power-on, so the OS
 * takes ACPI as already enabled. Both the 32-bit fields and the X_ generic
 * addresses carry each block, equal: ACPICA complains when they differ. */
static void
acpi_build_fadt (const AcpiMachine *machine,
                 uint8_t           *buf,
                 size_t             offset,
                 uint64_t           facs_addr,
                 uint64_t           dsdt_addr,
                 AcpiPointers      *pointers)
{
  AcpiFadt fadt = { 0 };

  acpi_header_init (&fadt.header, "FACP", sizeof fadt, 6);
  fadt.minor_version = 3;

  fadt.sci_int = ACPI_SCI_IRQ;
  fadt.smi_cmd = 0;
  fadt.pm1a_evt_blk = ACPI_PM1_EVT_PORT;
  fadt.pm1a_cnt_blk = ACPI_PM1_CNT_PORT;
  fadt.pm_tmr_blk = ACPI_PM_TMR_PORT;
  fadt.gpe0_blk = ACPI_GPE0_PORT;
  fadt.pm1_evt_len = ACPI_PM1_EVT_LEN;
  fadt.pm1_cnt_len = ACPI_PM1_CNT_LEN;
  fadt.pm_tmr_len = ACPI_PM_TMR_LEN;
  fadt.gpe0_blk_len = ACPI_GPE0_LEN;
  fadt.p_lvl2_lat = ACPI_NO_C2_LATENCY;
  fadt.p_lvl3_lat = ACPI_NO_C3_LATENCY;
  fadt.century = ACPI_CMOS_CENTURY;

  fadt.x_pm1a_evt_blk = acpi_gas_io (ACPI_PM1_EVT_PORT, ACPI_PM1_EVT_LEN, ACPI_GAS_ACCESS_WORD);
  fadt.x_pm1a_cnt_blk = acpi_gas_io (ACPI_PM1_CNT_PORT, ACPI_PM1_CNT_LEN, ACPI_GAS_ACCESS_WORD);
  fadt.x_pm_tmr_blk = acpi_gas_io (ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN, ACPI_GAS_ACCESS_DWORD);
  fadt.x_gpe0_blk = acpi_gas_io (ACPI_GPE0_PORT, ACPI_GPE0_LEN, ACPI_GAS_ACCESS_BYTE);

  /* Writing 6 to 0xcf9 is the PCI host's hard reset. The 24-bit PM timer
   * leaves TMR_VAL_EXT clear. FIX_RTC: PM1 has no RTC_STS/RTC_EN, so RTC
   * wake-up is not a fixed event. Beyond 8 CPUs the xAPIC logical flat
   * model runs out of bits; the OS must use physical destinations. */
  fadt.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC
               | ACPI_FADT_RESET_REG_SUP;
  if (machine->max_vcpus > 8)
    fadt.flags |= ACPI_FADT_FORCE_APIC_PHYSICAL;
  fadt.reset_reg = acpi_gas_io (ACPI_RESET_PORT, 1, ACPI_GAS_ACCESS_BYTE);
  fadt.reset_value = ACPI_RESET_VALUE;

  /* The guest has ISA-style legacy devices (16550 UARTs, the CMOS RTC) and
   * an i8042; without the 8042 bit Linux would not probe the keyboard
   * controller. "CMOS RTC not present" stays clear. */
  fadt.iapc_boot_arch = ACPI_FADT_BOOT_LEGACY_DEVICES | ACPI_FADT_BOOT_8042;

  memcpy (buf + offset, &fadt, sizeof fadt);
  acpi_put_pointer (buf, offset + offsetof (AcpiFadt, firmware_ctrl), 4, facs_addr, pointers);
  acpi_put_pointer (buf, offset + offsetof (AcpiFadt, dsdt), 4, dsdt_addr, pointers);
  acpi_put_pointer (buf, offset + offsetof (AcpiFadt, x_firmware_ctrl), 8, facs_addr, pointers);
  acpi_put_pointer (buf, offset + offsetof (AcpiFadt, x_dsdt), 8, dsdt_addr, pointers);
  acpi_table_finish (buf + offset, sizeof fadt);
}

static void
acpi_put_override (uint8_t  *table,
                   size_t   *offset,
                   uint8_t   irq,
                   uint32_t  gsi,
                   uint16_t  flags)
{
  AcpiMadtOverride override = {
    .type = 2,
    .length = sizeof override,
    .bus = 0,
    .source = irq,
    .gsi = gsi,
    .flags = flags,
  };

  memcpy (table + *offset, &override, sizeof override);
  *offset += sizeof override;
}

/* One Processor Local APIC entry per possible vCPU, ACPI processor UID =
 * APIC id = vCPU index: the first n_vcpus enabled, the others Online
 * Capable (MADT revision 5), which tells the OS they can be hot-added
 * through \_SB.CPUS. Then the I/O APIC and the overrides.
 *
 * KVM's default routing sends ISA IRQ n to I/O APIC pin n (GSI n), which
 * is what the OS assumes without overrides. The SCI is level-triggered and
 * active high, unlike an ISA interrupt, so it has an override of its own.
 * IRQ 0 -> GSI 2 is only right when the VMM routes the PIT to pin 2 as a
 * PC's chipset does (irq0_on_gsi2).
 *
 * The I/O APIC id is 0, the value KVM's in-kernel I/O APIC holds in its ID
 * register after reset, so the MADT and the hardware agree and no OS feels
 * it must reprogram the id. It shares the number with LAPIC 0, which has not
 * mattered since I/O APIC and local APIC ids stopped sharing a serial bus
 * (Pentium 4 and later, and every x2APIC system). */
static void
acpi_build_madt (const AcpiMachine *machine,
                 uint8_t           *table)
{
  size_t size = acpi_madt_size (machine);
  AcpiMadt madt = { 0 };
  AcpiMadtIoapic ioapic = { 0 };
  size_t offset = sizeof madt;

  acpi_header_init (&madt.header, "APIC", size, 5);
  madt.lapic_address = ACPI_LAPIC_ADDR;
  madt.flags = machine->has_8259 ? ACPI_MADT_PCAT_COMPAT : 0;
  memcpy (table, &madt, sizeof madt);

  for (unsigned i = 0; i < machine->max_vcpus; i++)
    {
      AcpiMadtLapic lapic = {
        .type = 0,
        .length = sizeof lapic,
        .processor_uid = (uint8_t) i,
        .apic_id = (uint8_t) i,
        .flags = i < machine->n_vcpus ? ACPI_MADT_LAPIC_ENABLED : ACPI_MADT_LAPIC_ONLINE_CAPABLE,
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
  offset += sizeof ioapic;

  if (machine->irq0_on_gsi2)
    acpi_put_override (table, &offset, 0, 2, 0);
  acpi_put_override (table, &offset, ACPI_SCI_IRQ, ACPI_SCI_IRQ, ACPI_MADT_INTI_HIGH_LEVEL);

  acpi_table_finish (table, size);
}

/* The PCI Express memory-mapped configuration window (ECAM). Without it
 * guests fall back to ports 0xcf8/0xcfc, which work but cannot reach the
 * extended configuration space. The window is reserved in the e820 map,
 * which Linux checks before trusting it. Bus 0 only: that is all the host
 * decodes. */
static void
acpi_build_mcfg (const AcpiMachine *machine,
                 uint8_t           *table)
{
  AcpiMcfg mcfg = { 0 };

  acpi_header_init (&mcfg.header, "MCFG", sizeof mcfg, 1);
  mcfg.ecam_base = machine->ecam_base;
  mcfg.segment = 0;
  mcfg.start_bus = 0;
  mcfg.end_bus = 0;
  memcpy (table, &mcfg, sizeof mcfg);
  acpi_table_finish (table, sizeof mcfg);
}

/* Revision 2 makes AML integers 64 bits wide. */
static void
acpi_build_dsdt (uint8_t       *table,
                 const uint8_t *aml,
                 size_t         aml_len)
{
  AcpiHeader dsdt = { 0 };

  acpi_header_init (&dsdt, "DSDT", sizeof dsdt + aml_len, 2);
  memcpy (table, &dsdt, sizeof dsdt);
  memcpy (table + sizeof dsdt, aml, aml_len);
  acpi_table_finish (table, sizeof dsdt + aml_len);
}

/* The XSDT and RSDT list the same tables; the DSDT and FACS are reached
 * through the FADT, never listed. The RSDT is for ACPI 1.0-era OSes; newer
 * ones take the XSDT. */
static void
acpi_build_root_tables (const AcpiMachine      *machine,
                        uint8_t                *buf,
                        uint64_t                base,
                        const AcpiTablesLayout *l,
                        AcpiPointers           *pointers)
{
  unsigned n = acpi_n_listed_tables (machine);
  size_t listed[3] = { l->fadt, l->madt, l->mcfg };
  AcpiHeader header = { 0 };

  acpi_header_init (&header, "XSDT", sizeof header + 8 * n, 1);
  memcpy (buf + l->xsdt, &header, sizeof header);
  for (unsigned i = 0; i < n; i++)
    acpi_put_pointer (buf, l->xsdt + sizeof header + 8 * i, 8, base + listed[i], pointers);
  acpi_table_finish (buf + l->xsdt, sizeof header + 8 * n);

  acpi_header_init (&header, "RSDT", sizeof header + 4 * n, 1);
  memcpy (buf + l->rsdt, &header, sizeof header);
  for (unsigned i = 0; i < n; i++)
    acpi_put_pointer (buf, l->rsdt + sizeof header + 4 * i, 4, base + listed[i], pointers);
  acpi_table_finish (buf + l->rsdt, sizeof header + 4 * n);
}

static void
acpi_build_rsdp (uint8_t  *table,
                 uint64_t  rsdt_addr,
                 uint64_t  xsdt_addr)
{
  AcpiRsdp rsdp = { 0 };

  memcpy (rsdp.signature, "RSD PTR ", 8);
  memcpy (rsdp.oem_id, ACPI_OEM_ID, 6);
  rsdp.revision = 2;
  rsdp.rsdt_address = (uint32_t) rsdt_addr;
  rsdp.length = sizeof rsdp;
  rsdp.xsdt_address = xsdt_addr;
  rsdp.checksum = acpi_checksum ((const uint8_t *) &rsdp, 20);
  rsdp.extended_checksum = acpi_checksum ((const uint8_t *) &rsdp, sizeof rsdp);
  memcpy (table, &rsdp, sizeof rsdp);
}

/* Where everything but the RSDP goes, from start on, for tables that will
 * sit at guest address base: the FACS first, 64-byte aligned in guest
 * memory, then the rest 16-byte aligned. */
static void
acpi_layout (const AcpiMachine *machine,
             uint64_t           base,
             size_t             start,
             size_t             dsdt_aml_len,
             AcpiTablesLayout  *l)
{
  unsigned n = acpi_n_listed_tables (machine);
  size_t next;

  memset (l, 0, sizeof *l);
  l->facs = start + (size_t) ((64 - (base + start) % 64) % 64);
  l->dsdt = acpi_align (l->facs + sizeof (AcpiFacs));
  l->fadt = acpi_align (l->dsdt + sizeof (AcpiHeader) + dsdt_aml_len);
  l->madt = acpi_align (l->fadt + sizeof (AcpiFadt));
  next = acpi_align (l->madt + acpi_madt_size (machine));
  if (machine->ecam_base != 0)
    {
      l->mcfg = next;
      next = acpi_align (l->mcfg + sizeof (AcpiMcfg));
    }
  l->xsdt = next;
  l->rsdt = acpi_align (l->xsdt + sizeof (AcpiHeader) + 8 * n);
  l->size = l->rsdt + sizeof (AcpiHeader) + 4 * n;
}

/* Everything in the layout but the RSDP, pointers absolute from base. */
static void
acpi_write_tables (const AcpiMachine      *machine,
                   uint8_t                *buf,
                   uint64_t                base,
                   const AcpiTablesLayout *l,
                   const uint8_t          *dsdt_aml,
                   size_t                  dsdt_aml_len,
                   AcpiPointers           *pointers)
{
  memset (buf, 0, l->size);
  acpi_build_facs (buf + l->facs);
  acpi_build_dsdt (buf + l->dsdt, dsdt_aml, dsdt_aml_len);
  acpi_build_fadt (machine, buf, l->fadt, base + l->facs, base + l->dsdt, pointers);
  acpi_build_madt (machine, buf + l->madt);
  if (machine->ecam_base != 0)
    acpi_build_mcfg (machine, buf + l->mcfg);
  acpi_build_root_tables (machine, buf, base, l, pointers);
}

static bool
acpi_machine_is_valid (const AcpiMachine *machine)
{
  return machine->n_vcpus >= 1 && machine->n_vcpus <= machine->max_vcpus
         && machine->max_vcpus <= ACPI_MAX_VCPUS;
}

int
acpi_tables_build (const AcpiMachine *machine,
                   uint64_t           base,
                   uint8_t           *buf,
                   size_t             buf_size,
                   AcpiTablesLayout  *layout)
{
  uint8_t *dsdt_aml;
  size_t dsdt_aml_len;
  AcpiTablesLayout l;
  int ret;

  if (!acpi_machine_is_valid (machine) || base % 16 != 0)
    return -EINVAL;
  if ((ret = dsdt_build (machine, &dsdt_aml, &dsdt_aml_len)) < 0)
    return ret;

  acpi_layout (machine, base, sizeof (AcpiRsdp), dsdt_aml_len, &l);
  *layout = l;
  if (buf == NULL || l.size > buf_size)
    ret = -ENOSPC;
  else if (base > UINT32_MAX || l.size > UINT32_MAX - base + 1)
    ret = -ERANGE;
  else
    {
      acpi_write_tables (machine, buf, base, &l, dsdt_aml, dsdt_aml_len, NULL);
      acpi_build_rsdp (buf + l.rsdp, base + l.rsdt, base + l.xsdt);
    }
  free (dsdt_aml);
  return ret;
}

static int
acpi_machine_check (const AcpiMachine *machine,
                    VmmError          *err)
{
  if (!acpi_machine_is_valid (machine))
    {
      vmm_error_set (err, "cannot describe %u vCPUs (%u possible) in the ACPI tables: the MADT "
                     "takes 1 to %u, and at least as many possible as enabled",
                     machine->n_vcpus, machine->max_vcpus, ACPI_MAX_VCPUS);
      return -EINVAL;
    }
  if (machine->pci_mmio_size == 0 || machine->pci_mmio_base > UINT32_MAX
      || machine->pci_mmio_size > (UINT64_C (1) << 32) - machine->pci_mmio_base)
    {
      vmm_error_set (err, "cannot describe the PCI memory window 0x%" PRIx64 "+0x%" PRIx64
                     " in the DSDT: it must be non-empty and below 4 GiB",
                     machine->pci_mmio_base, machine->pci_mmio_size);
      return -EINVAL;
    }
  return 0;
}

int
acpi_build_tables (const GuestMemory *mem,
                   uint64_t           base,
                   uint64_t           limit,
                   const AcpiMachine *machine,
                   uint64_t          *rsdp_gpa,
                   VmmError          *err)
{
  AcpiTablesLayout layout;
  uint8_t *buf = NULL;
  int ret;

  if ((ret = acpi_machine_check (machine, err)) < 0)
    return ret;

  ret = acpi_tables_build (machine, base, NULL, 0, &layout);
  if (ret == -ENOSPC)
    {
      if (limit < base || layout.size > limit - base)
        ret = -ENOSPC;
      else if ((buf = malloc (layout.size)) == NULL)
        ret = -ENOMEM;
      else
        ret = acpi_tables_build (machine, base, buf, layout.size, &layout);
    }
  if (ret == 0)
    ret = guest_memory_write (mem, base, buf, layout.size);
  free (buf);
  if (ret < 0)
    {
      vmm_error_set (err, "cannot place the ACPI tables at guest address 0x%" PRIx64
                     " (limit 0x%" PRIx64 "): %s", base, limit,
                     ret == -EFAULT ? "that is not guest RAM"
                     : ret == -ENOSPC ? "they do not fit"
                     : ret == -ENOMEM ? "out of memory"
                     : "the address must be 16-byte aligned and below 4 GiB");
      return ret;
    }

  *rsdp_gpa = base + layout.rsdp;
  return 0;
}

void
acpi_firmware_tables_clear (AcpiFirmwareTables *tables)
{
  free (tables->rsdp);
  free (tables->tables);
  free (tables->loader);
  memset (tables, 0, sizeof *tables);
}

/* The loader commands: place the RSDP in the F segment (where OSes scan for
 * it) and the tables in high memory, relocate every pointer by where the
 * tables landed, then fix every checksum; SeaBIOS runs them in this order,
 * so the checksums see the final pointers. */
static int
acpi_firmware_loader (const AcpiMachine        *machine,
                      const AcpiFirmwareTables *fw,
                      const AcpiPointers       *pointers,
                      TableLoader              *loader)
{
  const AcpiTablesLayout *l = &fw->layout;
  struct { size_t offset, length; } sums[6];
  unsigned n_sums = 0;
  int ret;

  if ((ret = table_loader_allocate (loader, ACPI_FW_CFG_RSDP_FILE, (uint32_t) fw->rsdp_size, 16,
                                    TABLE_LOADER_ZONE_FSEG)) < 0
      || (ret = table_loader_allocate (loader, ACPI_FW_CFG_TABLES_FILE,
                                       (uint32_t) fw->tables_size, 64,
                                       TABLE_LOADER_ZONE_HIGH)) < 0
      || (ret = table_loader_add_pointer (loader, ACPI_FW_CFG_RSDP_FILE,
                                          offsetof (AcpiRsdp, rsdt_address), 4,
                                          ACPI_FW_CFG_TABLES_FILE)) < 0
      || (ret = table_loader_add_pointer (loader, ACPI_FW_CFG_RSDP_FILE,
                                          offsetof (AcpiRsdp, xsdt_address), 8,
                                          ACPI_FW_CFG_TABLES_FILE)) < 0)
    return ret;
  for (unsigned i = 0; i < pointers->n; i++)
    if ((ret = table_loader_add_pointer (loader, ACPI_FW_CFG_TABLES_FILE,
                                         (uint32_t) pointers->at[i].offset, pointers->at[i].size,
                                         ACPI_FW_CFG_TABLES_FILE)) < 0)
      return ret;

  sums[n_sums++].offset = l->dsdt;
  sums[n_sums++].offset = l->fadt;
  sums[n_sums++].offset = l->madt;
  if (machine->ecam_base != 0)
    sums[n_sums++].offset = l->mcfg;
  sums[n_sums++].offset = l->xsdt;
  sums[n_sums++].offset = l->rsdt;
  for (unsigned i = 0; i < n_sums; i++)
    {
      uint32_t length;

      memcpy (&length, fw->tables + sums[i].offset + offsetof (AcpiHeader, length), 4);
      if ((ret = table_loader_add_checksum (loader, ACPI_FW_CFG_TABLES_FILE,
                                            (uint32_t) sums[i].offset
                                            + offsetof (AcpiHeader, checksum),
                                            (uint32_t) sums[i].offset, length)) < 0)
        return ret;
    }

  /* The first checksum covers the ACPI 1.0 part, the extended one all of
   * it, the first checksum byte included, so it comes second. */
  if ((ret = table_loader_add_checksum (loader, ACPI_FW_CFG_RSDP_FILE,
                                        offsetof (AcpiRsdp, checksum), 0, 20)) < 0
      || (ret = table_loader_add_checksum (loader, ACPI_FW_CFG_RSDP_FILE,
                                           offsetof (AcpiRsdp, extended_checksum), 0,
                                           sizeof (AcpiRsdp))) < 0)
    return ret;
  return 0;
}

int
acpi_firmware_tables_build (const AcpiMachine  *machine,
                            AcpiFirmwareTables *out,
                            VmmError           *err)
{
  AcpiFirmwareTables fw = { 0 };
  AcpiPointers pointers = { 0 };
  TableLoader *loader = NULL;
  uint8_t *dsdt_aml = NULL;
  size_t dsdt_aml_len;
  const uint8_t *commands;
  int ret;

  memset (out, 0, sizeof *out);
  if ((ret = acpi_machine_check (machine, err)) < 0)
    return ret;
  if ((ret = dsdt_build (machine, &dsdt_aml, &dsdt_aml_len)) < 0)
    goto out;

  /* The tables file starts at 0 and the loader allocates it 64-byte
   * aligned, which the FACS at its start needs. */
  acpi_layout (machine, 0, 0, dsdt_aml_len, &fw.layout);
  fw.tables_size = fw.layout.size;
  fw.rsdp_size = sizeof (AcpiRsdp);
  fw.tables = malloc (fw.tables_size);
  fw.rsdp = malloc (fw.rsdp_size);
  loader = table_loader_new ();
  if (fw.tables == NULL || fw.rsdp == NULL || loader == NULL)
    {
      ret = -ENOMEM;
      goto out;
    }
  acpi_write_tables (machine, fw.tables, 0, &fw.layout, dsdt_aml, dsdt_aml_len, &pointers);
  acpi_build_rsdp (fw.rsdp, fw.layout.rsdt, fw.layout.xsdt);

  if ((ret = acpi_firmware_loader (machine, &fw, &pointers, loader)) < 0)
    goto out;
  commands = table_loader_data (loader, &fw.loader_size);
  fw.loader = malloc (fw.loader_size);
  if (fw.loader == NULL)
    {
      ret = -ENOMEM;
      goto out;
    }
  memcpy (fw.loader, commands, fw.loader_size);
  *out = fw;
  memset (&fw, 0, sizeof fw);

out:
  if (ret < 0)
    vmm_error_set (err, "cannot build the ACPI tables for the firmware: %s", strerror (-ret));
  acpi_firmware_tables_clear (&fw);
  table_loader_free (loader);
  free (dsdt_aml);
  return ret;
}
