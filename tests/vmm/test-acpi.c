/* test-acpi.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "acpi/acpi-hw.h"
#include "boot/acpi.h"
#include "boot/layout.h"
#include "pci/pci-host.h"
#include "table-bytes.h"

#define RAM_SIZE  (2u << 20)

typedef struct
{
  uint8_t    *ram;
  GuestMemory mem;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  memset (f, 0, sizeof *f);
  f->ram = g_malloc (RAM_SIZE);
  memset (f->ram, 0xa5, RAM_SIZE);     /* stale bytes must not leak into the tables */
  g_assert_cmpint (guest_memory_add_region (&f->mem, 0, f->ram, RAM_SIZE), ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_free (f->ram);
}

/* Checks a table with a standard header at gpa: signature, length inside
 * RAM, checksum. Returns its bytes. */
static const uint8_t *
check_table (Fixture    *f,
             uint64_t    gpa,
             const char *signature,
             uint8_t     revision)
{
  const uint8_t *t = guest_memory_translate (&f->mem, gpa, 36);
  uint32_t length;

  g_assert_nonnull (t);
  g_assert_cmpmem (t, 4, signature, 4);
  length = get32 (t + 4);
  g_assert_cmpuint (length, >=, 36);
  t = guest_memory_translate (&f->mem, gpa, length);
  g_assert_nonnull (t);
  g_assert_cmpuint (sum_bytes (t, length), ==, 0);
  g_assert_cmpuint (t[8], ==, revision);
  g_assert_cmpmem (t + 10, 6, "GHOUSE", 6);
  return t;
}

static AcpiMachine
machine_for (unsigned n_vcpus,
             unsigned max_vcpus,
             bool     has_8259,
             uint64_t ecam_base)
{
  return (AcpiMachine) {
    .n_vcpus = n_vcpus,
    .max_vcpus = max_vcpus,
    .has_8259 = has_8259,
    .irq0_on_gsi2 = false,
    .firmware_pc = false,
    .ecam_base = ecam_base,
    .pci_mmio_base = PCI_HOST_MMIO_BASE,
    .pci_mmio_size = PCI_HOST_MMIO_SIZE,
  };
}

static void
check_gas_io (const uint8_t *gas,
              uint16_t       port,
              unsigned       bits)
{
  g_assert_cmpuint (gas[0], ==, 1);                          /* SystemIO */
  g_assert_cmpuint (gas[1], ==, bits);
  g_assert_cmpuint (gas[2], ==, 0);
  g_assert_cmpuint (gas[3], >=, 1);                          /* an access size */
  g_assert_cmpuint (gas[3], <=, 3);
  g_assert_cmphex (get64 (gas + 4), ==, port);
}

static void
check_tables (Fixture           *f,
              const AcpiMachine *m)
{
  uint64_t rsdp_gpa = 0;
  const uint8_t *rsdp, *xsdt, *rsdt, *fadt, *madt, *dsdt, *facs;
  uint32_t madt_len, fadt_flags;
  unsigned n_lapic = 0, n_ioapic = 0, n_sci_override = 0, n_irq0_override = 0;
  unsigned n_listed = m->ecam_base != 0 ? 3 : 2;
  uint64_t dsdt_gpa, facs_gpa;

  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, m, &rsdp_gpa, NULL),
                   ==, 0);
  g_assert_cmphex (rsdp_gpa, ==, BOOT_ACPI_START);

  /* RSDP: revision 2, both checksums, pointing at XSDT and RSDT. */
  rsdp = guest_memory_translate (&f->mem, rsdp_gpa, 36);
  g_assert_cmpmem (rsdp, 8, "RSD PTR ", 8);
  g_assert_cmpuint (rsdp[15], ==, 2);
  g_assert_cmpuint (sum_bytes (rsdp, 20), ==, 0);
  g_assert_cmpuint (get32 (rsdp + 20), ==, 36);
  g_assert_cmpuint (sum_bytes (rsdp, 36), ==, 0);

  xsdt = check_table (f, get64 (rsdp + 24), "XSDT", 1);
  rsdt = check_table (f, get32 (rsdp + 16), "RSDT", 1);
  g_assert_cmpuint (get32 (xsdt + 4), ==, 36 + n_listed * 8);
  g_assert_cmpuint (get32 (rsdt + 4), ==, 36 + n_listed * 4);
  for (unsigned i = 0; i < n_listed; i++)
    g_assert_cmphex (get64 (xsdt + 36 + 8 * i), ==, get32 (rsdt + 36 + 4 * i));

  /* MCFG: only with an ECAM window; one allocation, segment 0, bus 0. */
  if (m->ecam_base != 0)
    {
      const uint8_t *mcfg = check_table (f, get64 (xsdt + 52), "MCFG", 1);

      g_assert_cmpuint (get32 (mcfg + 4), ==, 36 + 8 + 16);
      g_assert_cmphex (get64 (mcfg + 44), ==, m->ecam_base);
      g_assert_cmpuint (mcfg[52] | mcfg[53] << 8, ==, 0);
      g_assert_cmpuint (mcfg[54], ==, 0);
      g_assert_cmpuint (mcfg[55], ==, 0);
    }

  /* FADT 6.3 with the PM hardware of acpi-hw.h. */
  fadt = check_table (f, get64 (xsdt + 36), "FACP", 6);
  g_assert_cmpuint (get32 (fadt + 4), ==, 276);
  g_assert_cmpuint (fadt[131], ==, 3);
  fadt_flags = get32 (fadt + 112);
  g_assert_false (fadt_flags & (1u << 20));                  /* not HW_REDUCED_ACPI */
  g_assert_true (fadt_flags & (1u << 0));                    /* WBINVD */
  g_assert_true (fadt_flags & (1u << 2));                    /* PROC_C1 */
  g_assert_false (fadt_flags & (1u << 4));                   /* fixed power button */
  g_assert_true (fadt_flags & (1u << 5));                    /* no sleep button */
  g_assert_false (fadt_flags & (1u << 8));                   /* 24-bit timer */
  g_assert_true (fadt_flags & (1u << 10));                   /* RESET_REG_SUP */
  g_assert_cmpuint (!!(fadt_flags & (1u << 19)), ==, m->max_vcpus > 8);
  g_assert_cmpuint (fadt[46] | fadt[47] << 8, ==, ACPI_SCI_IRQ);
  g_assert_cmphex (get32 (fadt + 48), ==, 0);                /* SMI_CMD: no mode switch */
  g_assert_cmphex (get32 (fadt + 56), ==, ACPI_PM1_EVT_PORT);
  g_assert_cmphex (get32 (fadt + 60), ==, 0);                /* no PM1b */
  g_assert_cmphex (get32 (fadt + 64), ==, ACPI_PM1_CNT_PORT);
  g_assert_cmphex (get32 (fadt + 76), ==, ACPI_PM_TMR_PORT);
  g_assert_cmphex (get32 (fadt + 80), ==, ACPI_GPE0_PORT);
  g_assert_cmpuint (fadt[88], ==, ACPI_PM1_EVT_LEN);
  g_assert_cmpuint (fadt[89], ==, ACPI_PM1_CNT_LEN);
  g_assert_cmpuint (fadt[91], ==, ACPI_PM_TMR_LEN);
  g_assert_cmpuint (fadt[92], ==, ACPI_GPE0_LEN);
  g_assert_cmpuint (fadt[93], ==, 0);                        /* no GPE1 */
  g_assert_cmpuint (fadt[108], ==, 0x32);                    /* CMOS century */
  g_assert_cmphex (fadt[109] | fadt[110] << 8, ==, 3);       /* legacy devices, 8042 */
  check_gas_io (fadt + 116, 0xcf9, 8);                       /* RESET_REG */
  g_assert_cmphex (fadt[128], ==, 0x06);
  check_gas_io (fadt + 148, ACPI_PM1_EVT_PORT, 8 * ACPI_PM1_EVT_LEN);
  check_gas_io (fadt + 172, ACPI_PM1_CNT_PORT, 8 * ACPI_PM1_CNT_LEN);
  check_gas_io (fadt + 208, ACPI_PM_TMR_PORT, 8 * ACPI_PM_TMR_LEN);
  check_gas_io (fadt + 220, ACPI_GPE0_PORT, 8 * ACPI_GPE0_LEN);

  /* FACS: both pointers, 64-byte aligned. */
  facs_gpa = get64 (fadt + 132);
  g_assert_cmphex (get32 (fadt + 36), ==, facs_gpa);
  g_assert_cmphex (facs_gpa % 64, ==, 0);
  facs = guest_memory_translate (&f->mem, facs_gpa, 64);
  g_assert_nonnull (facs);
  g_assert_cmpmem (facs, 4, "FACS", 4);
  g_assert_cmpuint (get32 (facs + 4), ==, 64);

  dsdt_gpa = get64 (fadt + 140);
  g_assert_cmphex (get32 (fadt + 40), ==, dsdt_gpa);         /* DSDT == X_DSDT */
  dsdt = check_table (f, dsdt_gpa, "DSDT", 2);
  g_assert_cmpuint (get32 (dsdt + 4), >, 36);
  g_assert_nonnull (memmem (dsdt, get32 (dsdt + 4), "_S5_", 4));

  madt = check_table (f, get64 (xsdt + 44), "APIC", 5);
  madt_len = get32 (madt + 4);
  g_assert_cmphex (get32 (madt + 36), ==, 0xfee00000);
  g_assert_cmphex (get32 (madt + 40), ==, m->has_8259 ? 1 : 0);  /* PCAT_COMPAT */
  for (uint32_t off = 44; off < madt_len;)
    {
      uint8_t type = madt[off], len = madt[off + 1];

      g_assert_cmpuint (len, >=, 2);
      g_assert_cmpuint (off + len, <=, madt_len);
      if (type == 0)
        {
          g_assert_cmpuint (len, ==, 8);
          g_assert_cmpuint (madt[off + 2], ==, n_lapic);     /* processor UID */
          g_assert_cmpuint (madt[off + 3], ==, n_lapic);     /* APIC id */
          /* Enabled, or Online Capable for those that can be hot-added. */
          g_assert_cmphex (get32 (madt + off + 4), ==, n_lapic < m->n_vcpus ? 1 : 2);
          n_lapic++;
        }
      else if (type == 1)
        {
          g_assert_cmpuint (len, ==, 12);
          g_assert_cmpuint (madt[off + 2], ==, ACPI_IOAPIC_ID);
          g_assert_cmphex (get32 (madt + off + 4), ==, 0xfec00000);
          g_assert_cmpuint (get32 (madt + off + 8), ==, 0);  /* GSI base */
          n_ioapic++;
        }
      else if (type == 2)
        {
          g_assert_cmpuint (len, ==, 10);
          g_assert_cmpuint (madt[off + 2], ==, 0);           /* ISA */
          if (madt[off + 3] == ACPI_SCI_IRQ)
            {
              g_assert_cmpuint (get32 (madt + off + 4), ==, ACPI_SCI_IRQ);
              g_assert_cmphex (madt[off + 8] | madt[off + 9] << 8, ==, 0x000d);
              n_sci_override++;
            }
          else
            {
              g_assert_cmpuint (madt[off + 3], ==, 0);
              g_assert_cmpuint (get32 (madt + off + 4), ==, 2);
              n_irq0_override++;
            }
        }
      else
        g_error ("unexpected MADT entry type %u", type);
      off += len;
    }
  g_assert_cmpuint (n_lapic, ==, m->max_vcpus);
  g_assert_cmpuint (n_ioapic, ==, 1);
  g_assert_cmpuint (n_sci_override, ==, 1);
  g_assert_cmpuint (n_irq0_override, ==, m->irq0_on_gsi2 ? 1 : 0);

  /* Every table lies inside the window the tables were given. */
  g_assert_cmphex (dsdt_gpa + get32 (dsdt + 4), <=, BOOT_ACPI_END);
  g_assert_cmphex (get32 (rsdp + 16) + get32 (rsdt + 4), <=, BOOT_ACPI_END);
}

static void
test_tables (Fixture       *f,
             gconstpointer  data)
{
  const unsigned counts[] = { 1, 2, 4, 64, ACPI_MAX_VCPUS };

  for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      AcpiMachine m = machine_for (counts[i], counts[i], true, PCI_HOST_ECAM_BASE);

      check_tables (f, &m);
      m.has_8259 = false;                 /* split irqchip: no 8259 PICs */
      m.ecam_base = 0;                    /* no ECAM: no MCFG */
      check_tables (f, &m);
      m.max_vcpus = ACPI_MAX_VCPUS;       /* the rest can be hot-added */
      m.irq0_on_gsi2 = true;
      check_tables (f, &m);
    }
}

/* Guests that are not told where the RSDP is scan 0xe0000..0xfffff for its
 * signature on 16-byte boundaries. */
static void
test_rsdp_scannable (Fixture       *f,
                     gconstpointer  data)
{
  AcpiMachine m = machine_for (2, 8, true, PCI_HOST_ECAM_BASE);
  uint64_t rsdp_gpa = 0, found = 0;

  memset (f->ram + BOOT_ACPI_START, 0, BOOT_ACPI_END - BOOT_ACPI_START);
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, &m, &rsdp_gpa,
                                      NULL), ==, 0);
  for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
    if (memcmp (f->ram + a, "RSD PTR ", 8) == 0 && sum_bytes (f->ram + a, 20) == 0)
      {
        found = a;
        break;
      }
  g_assert_cmphex (found, ==, rsdp_gpa);
}

static void
test_build_is_placement_independent (Fixture       *f,
                                     gconstpointer  data)
{
  static uint8_t a[ACPI_TABLES_MAX_SIZE], b[ACPI_TABLES_MAX_SIZE];
  AcpiMachine m = machine_for (8, 8, true, PCI_HOST_ECAM_BASE);
  AcpiTablesLayout la, lb;

  /* The same tables built for two addresses differ only in pointers: same
   * layout, same size; the MADT and DSDT bodies are identical. */
  g_assert_cmpint (acpi_tables_build (&m, 0xe0000, a, sizeof a, &la), ==, 0);
  g_assert_cmpint (acpi_tables_build (&m, 0x7ff00000, b, sizeof b, &lb), ==, 0);
  g_assert_cmpuint (la.size, ==, lb.size);
  g_assert_cmpuint (la.madt, ==, lb.madt);
  g_assert_cmpmem (a + la.madt, 44 + 8 * 8 + 12 + 10, b + lb.madt, 44 + 8 * 8 + 12 + 10);
  g_assert_cmpmem (a + la.dsdt, get32 (a + la.dsdt + 4), b + lb.dsdt, get32 (b + lb.dsdt + 4));
  g_assert_cmphex (get64 (b + lb.xsdt + 36), ==, 0x7ff00000 + lb.fadt);

  /* The worst case fits the advertised maximum, and the direct-boot
   * window. */
  m = machine_for (1, ACPI_MAX_VCPUS, true, PCI_HOST_ECAM_BASE);
  m.irq0_on_gsi2 = true;
  m.firmware_pc = true;
  g_assert_cmpint (acpi_tables_build (&m, 0xe0000, a, sizeof a, &la), ==, 0);
  g_assert_cmpuint (la.size, <=, ACPI_TABLES_MAX_SIZE);
  g_assert_cmpuint (la.size, <=, BOOT_ACPI_END - BOOT_ACPI_START);

  /* Too small a buffer, or none: -ENOSPC and the size needed. */
  g_assert_cmpint (acpi_tables_build (&m, 0xe0000, a, 100, &lb), ==, -ENOSPC);
  g_assert_cmpuint (lb.size, ==, la.size);
  g_assert_cmpint (acpi_tables_build (&m, 0xe0000, NULL, 0, &lb), ==, -ENOSPC);
  g_assert_cmpuint (lb.size, ==, la.size);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  VmmError err = { { 0 } };
  uint64_t rsdp_gpa = 0;
  AcpiMachine m = machine_for (0, 1, true, 0);

  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, &m, &rsdp_gpa,
                                      &err), ==, -EINVAL);
  g_assert_nonnull (strstr (err.message, "0 vCPUs"));

  memset (&err, 0, sizeof err);
  m = machine_for (256, 256, true, 0);
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, &m, &rsdp_gpa,
                                      &err), ==, -EINVAL);
  g_assert_nonnull (strstr (err.message, "256 vCPUs"));

  memset (&err, 0, sizeof err);
  m = machine_for (4, 2, true, 0);                   /* more enabled than possible */
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, &m, &rsdp_gpa,
                                      &err), ==, -EINVAL);
  g_assert_nonnull (strstr (err.message, "4 vCPUs (2 possible)"));

  memset (&err, 0, sizeof err);
  m = machine_for (1, 1, true, 0);
  m.pci_mmio_base = 0xf0000000;
  m.pci_mmio_size = 0x20000000;                      /* crosses 4 GiB */
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, &m, &rsdp_gpa,
                                      &err), ==, -EINVAL);
  g_assert_nonnull (strstr (err.message, "PCI memory window"));
  m.pci_mmio_size = 0;
  g_assert_cmpint (acpi_tables_build (&m, BOOT_ACPI_START, NULL, 0,
                                      &(AcpiTablesLayout) { 0 }), ==, -EINVAL);

  m = machine_for (1, 1, true, 0);
  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_START + 64, &m,
                                      &rsdp_gpa, &err), ==, -ENOSPC);
  g_assert_nonnull (strstr (err.message, "do not fit"));

  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, RAM_SIZE - 0x100, RAM_SIZE + 0x10000, &m,
                                      &rsdp_gpa, &err), ==, -EFAULT);
  g_assert_nonnull (strstr (err.message, "not guest RAM"));

  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START + 4, BOOT_ACPI_END, &m,
                                      &rsdp_gpa, &err), ==, -EINVAL);

  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, 0xfffffff0ull, 0x100010000ull, &m, &rsdp_gpa,
                                      &err), ==, -ERANGE);
  g_assert_nonnull (strstr (err.message, "below 4 GiB"));
  g_assert_cmphex (rsdp_gpa, ==, 0);
}

static unsigned
count_bytes (const uint8_t *haystack,
             size_t         len,
             const void    *needle,
             size_t         needle_len)
{
  unsigned n = 0;

  for (size_t i = 0; i + needle_len <= len; i++)
    if (memcmp (haystack + i, needle, needle_len) == 0)
      n++;
  return n;
}

/* Without iasl (test-dsdt-iasl does the full parse): one processor device
 * per possible vCPU, the GPE handler, and the ISA devices (SeaBIOS looks
 * for the keyboard's EISAID bytes) only on firmware PCs. */
static void
test_dsdt_content (Fixture       *f,
                   gconstpointer  data)
{
  static uint8_t buf[ACPI_TABLES_MAX_SIZE];
  const uint8_t kbd_hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x03, 0x03 };
  AcpiMachine m = machine_for (2, 8, true, 0);
  AcpiTablesLayout l;
  const uint8_t *dsdt;
  size_t len;

  for (int firmware_pc = 0; firmware_pc <= 1; firmware_pc++)
    {
      m.firmware_pc = firmware_pc;
      g_assert_cmpint (acpi_tables_build (&m, 0xe0000, buf, sizeof buf, &l), ==, 0);
      dsdt = buf + l.dsdt;
      len = get32 (dsdt + 4);
      g_assert_cmpuint (count_bytes (dsdt, len, "\x0d" "ACPI0007", 10), ==, 8);
      g_assert_cmpuint (count_bytes (dsdt, len, "C007", 4), >, 0);
      g_assert_cmpuint (count_bytes (dsdt, len, "C008", 4), ==, 0);
      g_assert_cmpuint (count_bytes (dsdt, len, "_E02", 4), ==, 1);
      g_assert_cmpuint (count_bytes (dsdt, len, kbd_hid, sizeof kbd_hid), ==, firmware_pc);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/vmm/acpi/tables", test_tables);
  ADD ("/vmm/acpi/rsdp-scannable", test_rsdp_scannable);
  ADD ("/vmm/acpi/build-is-placement-independent", test_build_is_placement_independent);
  ADD ("/vmm/acpi/errors", test_errors);
  ADD ("/vmm/acpi/dsdt-content", test_dsdt_content);
#undef ADD

  return g_test_run ();
}
