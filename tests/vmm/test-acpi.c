/* test-acpi.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "boot/acpi.h"
#include "pci/pci-host.h"
#include "boot/layout.h"

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

static uint32_t
get32 (const uint8_t *p)
{
  uint32_t v;

  memcpy (&v, p, 4);
  return v;
}

static uint64_t
get64 (const uint8_t *p)
{
  uint64_t v;

  memcpy (&v, p, 8);
  return v;
}

static uint8_t
sum_bytes (const uint8_t *p,
           size_t         len)
{
  uint8_t sum = 0;

  for (size_t i = 0; i < len; i++)
    sum += p[i];
  return sum;
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

static void
check_tables (Fixture  *f,
              unsigned  n_vcpus,
              bool      has_8259)
{
  uint64_t rsdp_gpa = 0;
  const uint8_t *rsdp, *xsdt, *rsdt, *fadt, *madt, *dsdt;
  uint32_t madt_len;
  unsigned n_lapic = 0, n_ioapic = 0;
  uint64_t dsdt_gpa;

  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, n_vcpus, has_8259,
                                      &rsdp_gpa, NULL), ==, 0);
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
  g_assert_cmpuint (get32 (xsdt + 4), ==, 36 + 3 * 8);
  g_assert_cmpuint (get32 (rsdt + 4), ==, 36 + 3 * 4);
  g_assert_cmphex (get64 (xsdt + 52), ==, get32 (rsdt + 44));

  /* MCFG: one allocation, segment 0, bus 0 only, at the ECAM window. */
  {
    const uint8_t *mcfg = check_table (f, get64 (xsdt + 52), "MCFG", 1);
    g_assert_cmpuint (get32 (mcfg + 4), ==, 36 + 8 + 16);
    g_assert_cmphex (get64 (mcfg + 44), ==, PCI_HOST_ECAM_BASE);
    g_assert_cmpuint (mcfg[52] | mcfg[53] << 8, ==, 0);
    g_assert_cmpuint (mcfg[54], ==, 0);
    g_assert_cmpuint (mcfg[55], ==, 0);
  }
  /* Both list FADT then MADT, at the same addresses. */
  g_assert_cmphex (get64 (xsdt + 36), ==, get32 (rsdt + 36));
  g_assert_cmphex (get64 (xsdt + 44), ==, get32 (rsdt + 40));

  fadt = check_table (f, get64 (xsdt + 36), "FACP", 6);
  g_assert_cmpuint (get32 (fadt + 4), ==, 276);
  g_assert_cmpuint (fadt[131], ==, 3);                       /* FADT 6.3 */
  g_assert_true (get32 (fadt + 112) & (1u << 20));           /* HW_REDUCED_ACPI */
  g_assert_cmphex (get32 (fadt + 36), ==, 0);                /* no FACS */
  g_assert_cmphex (get64 (fadt + 132), ==, 0);
  dsdt_gpa = get64 (fadt + 140);
  g_assert_cmphex (get32 (fadt + 40), ==, dsdt_gpa);         /* DSDT == X_DSDT */
  dsdt = check_table (f, dsdt_gpa, "DSDT", 2);
  g_assert_cmpuint (get32 (dsdt + 4), ==, 36);

  madt = check_table (f, get64 (xsdt + 44), "APIC", 5);
  madt_len = get32 (madt + 4);
  g_assert_cmphex (get32 (madt + 36), ==, 0xfee00000);
  g_assert_cmphex (get32 (madt + 40), ==, has_8259 ? 1 : 0);  /* PCAT_COMPAT */
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
          g_assert_cmphex (get32 (madt + off + 4), ==, 1);   /* enabled */
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
      else
        g_error ("unexpected MADT entry type %u (no overrides expected)", type);
      off += len;
    }
  g_assert_cmpuint (n_lapic, ==, n_vcpus);
  g_assert_cmpuint (n_ioapic, ==, 1);

  /* Every table lies inside the window the tables were given. */
  g_assert_cmphex (dsdt_gpa + 36, <=, BOOT_ACPI_END);
  g_assert_cmphex (get64 (xsdt + 44) + madt_len, <=, BOOT_ACPI_END);
}

static void
test_tables (Fixture       *f,
             gconstpointer  data)
{
  const unsigned counts[] = { 1, 2, 4, 64, ACPI_MAX_VCPUS };

  for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      check_tables (f, counts[i], true);
      check_tables (f, counts[i], false);   /* split irqchip: no 8259 PICs */
    }
}

/* Guests that are not told where the RSDP is scan 0xe0000..0xfffff for its
 * signature on 16-byte boundaries. */
static void
test_rsdp_scannable (Fixture       *f,
                     gconstpointer  data)
{
  uint64_t rsdp_gpa = 0, found = 0;

  memset (f->ram + BOOT_ACPI_START, 0, BOOT_ACPI_END - BOOT_ACPI_START);
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, 2, true, &rsdp_gpa,
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
  uint8_t a[ACPI_TABLES_MAX_SIZE], b[ACPI_TABLES_MAX_SIZE];
  AcpiTablesLayout la, lb;

  /* The same tables built for two addresses differ only in pointers: same
   * layout, same size; the MADT body is identical. */
  g_assert_cmpint (acpi_tables_build (0xe0000, 8, true, a, sizeof a, &la), ==, 0);
  g_assert_cmpint (acpi_tables_build (0x7ff00000, 8, true, b, sizeof b, &lb), ==, 0);
  g_assert_cmpuint (la.size, ==, lb.size);
  g_assert_cmpuint (la.madt, ==, lb.madt);
  g_assert_cmpmem (a + la.madt, 44 + 8 * 8 + 12, b + lb.madt, 44 + 8 * 8 + 12);
  g_assert_cmphex (get64 (b + lb.xsdt + 36), ==, 0x7ff00000 + lb.fadt);

  /* The worst case fits the advertised maximum. */
  g_assert_cmpint (acpi_tables_build (0xe0000, ACPI_MAX_VCPUS, true, a, sizeof a, &la), ==, 0);
  g_assert_cmpuint (la.size, <=, ACPI_TABLES_MAX_SIZE);
  g_assert_cmpint (acpi_tables_build (0xe0000, 4, true, a, 100, &la), ==, -ENOSPC);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  VmmError err = { { 0 } };
  uint64_t rsdp_gpa = 0;

  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, 0, true, &rsdp_gpa,
                                      &err), ==, -EINVAL);
  g_assert_nonnull (strstr (err.message, "0 vCPUs"));

  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_END, 256, true, &rsdp_gpa,
                                      &err), ==, -EINVAL);
  g_assert_nonnull (strstr (err.message, "256 vCPUs"));

  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START, BOOT_ACPI_START + 64, 1, true,
                                      &rsdp_gpa, &err), ==, -ENOSPC);
  g_assert_nonnull (strstr (err.message, "do not fit"));

  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, RAM_SIZE - 0x100, RAM_SIZE + 0x10000, 1, true,
                                      &rsdp_gpa, &err), ==, -EFAULT);
  g_assert_nonnull (strstr (err.message, "not guest RAM"));

  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, BOOT_ACPI_START + 4, BOOT_ACPI_END, 1, true,
                                      &rsdp_gpa, &err), ==, -EINVAL);

  memset (&err, 0, sizeof err);
  g_assert_cmpint (acpi_build_tables (&f->mem, 0xfffffff0ull, 0x100010000ull, 1, true, &rsdp_gpa,
                                      &err), ==, -ERANGE);
  g_assert_nonnull (strstr (err.message, "below 4 GiB"));
  g_assert_cmphex (rsdp_gpa, ==, 0);
}

/* iasl (ACPICA) is the reference parser: it must disassemble each table
 * without complaint. Skipped where acpica-tools is not installed. */
static void
test_iasl (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *iasl = g_find_program_in_path ("iasl");
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  uint8_t buf[ACPI_TABLES_MAX_SIZE];
  AcpiTablesLayout l;
  struct { const char *name; size_t offset, size; } tables[4];

  if (iasl == NULL)
    {
      g_test_skip ("iasl is not installed");
      return;
    }

  g_assert_cmpint (acpi_tables_build (0xe0000, 4, true, buf, sizeof buf, &l), ==, 0);
  tables[0] = (typeof (tables[0])) { "facp", l.fadt, 276 };
  tables[1] = (typeof (tables[1])) { "apic", l.madt, get32 (buf + l.madt + 4) };
  tables[2] = (typeof (tables[2])) { "dsdt", l.dsdt, 36 };
  tables[3] = (typeof (tables[3])) { "xsdt", l.xsdt, get32 (buf + l.xsdt + 4) };

  dir = g_dir_make_tmp ("gh-acpi-XXXXXX", &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *dat = g_strdup_printf ("%s/%s.dat", dir, tables[i].name);
      g_autofree char *dsl = g_strdup_printf ("%s/%s.dsl", dir, tables[i].name);
      g_autofree char *out = NULL;
      g_autofree char *text = NULL;
      const char *argv[] = { iasl, "-d", dat, NULL };
      int status = -1;

      g_file_set_contents (dat, (const char *) buf + tables[i].offset,
                           (gssize) tables[i].size, &error);
      g_assert_no_error (error);
      g_spawn_sync (dir, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                    NULL, &status, &error);
      g_assert_no_error (error);
      g_test_message ("iasl %s: %s", tables[i].name, out);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_file_get_contents (dsl, &text, NULL, &error);
      g_assert_no_error (error);
      /* iasl writes its complaints into the disassembly. */
      g_assert_null (strstr (text, "Invalid"));
      g_assert_null (strstr (text, "Incorrect"));
      g_assert_null (strstr (text, "**** "));
      g_unlink (dat);
      g_unlink (dsl);
    }
  g_rmdir (dir);
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
  ADD ("/vmm/acpi/iasl", test_iasl);
#undef ADD

  return g_test_run ();
}
