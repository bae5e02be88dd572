/* test-dsdt-iasl.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "boot/acpi.h"
#include "pci/pci-host.h"

/* iasl (ACPICA, Debian's acpica-tools) is the reference: the DSDT must
 * disassemble, and the disassembly must compile again without errors or
 * warnings; every other table must disassemble without complaint. */

static char *iasl;

typedef struct
{
  unsigned n_vcpus;
  unsigned max_vcpus;
  bool     firmware_pc;
} Config;

static const Config configs[] = {
  { 1, 1, false },
  { 2, 8, false },
  { 2, 8, true },
  { 1, ACPI_MAX_VCPUS, true },
};

static uint32_t
get32 (const uint8_t *p)
{
  uint32_t v;

  memcpy (&v, p, 4);
  return v;
}

static AcpiMachine
machine_for (const Config *c)
{
  return (AcpiMachine) {
    .n_vcpus = c->n_vcpus,
    .max_vcpus = c->max_vcpus,
    .has_8259 = true,
    .irq0_on_gsi2 = c->firmware_pc,
    .firmware_pc = c->firmware_pc,
    .ecam_base = PCI_HOST_ECAM_BASE,
    .pci_mmio_base = PCI_HOST_MMIO_BASE,
    .pci_mmio_size = PCI_HOST_MMIO_SIZE,
  };
}

/* Runs iasl with args in dir; returns what it printed, both streams. */
static char *
run_iasl (const char *dir,
          const char *arg1,
          const char *arg2)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { iasl, arg1, arg2, NULL };
  char *text;
  int status = -1;

  g_spawn_sync (dir, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  text = g_strconcat (out, err, NULL);
  g_test_message ("iasl %s %s:\n%s", arg1, arg2 != NULL ? arg2 : "", text);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("iasl %s %s failed:\n%s", arg1, arg2 != NULL ? arg2 : "", text);
  return text;
}

static char *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("gh-iasl-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

/* Writes table (length from its header) to dir/name.dat, disassembles it
 * and returns the disassembly. */
static char *
disassemble (const char    *dir,
             const char    *name,
             const uint8_t *table)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dat = g_strdup_printf ("%s.dat", name);
  g_autofree char *dsl = g_strdup_printf ("%s/%s.dsl", dir, name);
  g_autofree char *path = g_build_filename (dir, dat, NULL);
  g_autofree char *out = NULL;
  char *text = NULL;

  g_file_set_contents (path, (const char *) table, get32 (table + 4), &error);
  g_assert_no_error (error);
  out = run_iasl (dir, "-d", dat);
  g_assert_null (strstr (out, "Error"));
  g_assert_null (strstr (out, "Warning"));
  g_file_get_contents (dsl, &text, NULL, &error);
  g_assert_no_error (error);
  /* The data table disassembler writes its complaints into the output. */
  g_assert_null (strstr (text, "Invalid"));
  g_assert_null (strstr (text, "Incorrect"));
  g_assert_null (strstr (text, "**** "));
  return text;
}

static void
test_dsdt_round_trip (gconstpointer data)
{
  const Config *c = data;
  AcpiMachine m = machine_for (c);
  static uint8_t buf[ACPI_TABLES_MAX_SIZE];
  g_autofree char *dir = make_dir ();
  g_autofree char *dsl = NULL;
  g_autofree char *out = NULL;
  g_autofree char *last_cpu = g_strdup_printf ("Device (C%03X)", c->max_vcpus - 1);
  g_autofree char *beyond = g_strdup_printf ("Device (C%03X)", c->max_vcpus);
  AcpiTablesLayout l;

  g_assert_cmpint (acpi_tables_build (&m, 0xe0000, buf, sizeof buf, &l), ==, 0);
  dsl = disassemble (dir, "dsdt", buf + l.dsdt);

  g_assert_nonnull (strstr (dsl, "Scope (\\_SB)"));
  g_assert_nonnull (strstr (dsl, "Device (PCI0)"));
  g_assert_nonnull (strstr (dsl, "PNP0A03"));
  g_assert_nonnull (strstr (dsl, "Name (_PRT, Package (0x7C)"));    /* 31 slots x 4 pins */
  g_assert_nonnull (strstr (dsl, "Device (CPUS)"));
  g_assert_nonnull (strstr (dsl, "Method (CSCN, 0"));
  g_assert_nonnull (strstr (dsl, "OperationRegion (PRST, SystemIO, 0xAF00, 0x0C)"));
  g_assert_nonnull (strstr (dsl, "ACPI0007"));
  g_assert_nonnull (strstr (dsl, last_cpu));
  g_assert_null (strstr (dsl, beyond));
  g_assert_nonnull (strstr (dsl, "Method (_E02, 0"));
  g_assert_nonnull (strstr (dsl, "\\_SB.CPUS.CSCN ()"));
  g_assert_nonnull (strstr (dsl, "Name (\\_S5, Package (0x04)"));
  if (c->firmware_pc)
    {
      g_assert_nonnull (strstr (dsl, "Device (ISA)"));
      g_assert_nonnull (strstr (dsl, "PNP0303"));
      g_assert_nonnull (strstr (dsl, "PNP0F13"));
      g_assert_nonnull (strstr (dsl, "PNP0501"));
      g_assert_nonnull (strstr (dsl, "PNP0B00"));
    }
  else
    g_assert_null (strstr (dsl, "PNP0303"));

  out = run_iasl (dir, "dsdt.dsl", NULL);
  g_assert_nonnull (strstr (out, "Compilation successful"));
  g_assert_nonnull (strstr (out, " 0 Errors, 0 Warnings"));
  remove_dir (dir);
}

/* Every table once, with Online Capable processors and both overrides. */
static void
test_table_set (void)
{
  Config c = { 2, 8, true };
  AcpiMachine m = machine_for (&c);
  static uint8_t buf[ACPI_TABLES_MAX_SIZE];
  g_autofree char *dir = make_dir ();
  AcpiTablesLayout l;
  const struct { const char *name; size_t *offset; } tables[] = {
    { "facp", &l.fadt }, { "apic", &l.madt }, { "mcfg", &l.mcfg }, { "xsdt", &l.xsdt },
    { "rsdt", &l.rsdt }, { "facs", &l.facs }, { "dsdt", &l.dsdt },
  };

  g_assert_cmpint (acpi_tables_build (&m, 0xe0000, buf, sizeof buf, &l), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (tables); i++)
    g_free (disassemble (dir, tables[i].name, buf + *tables[i].offset));
  remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  iasl = g_find_program_in_path ("iasl");
  if (iasl == NULL)
    {
      g_print ("1..0 # SKIP iasl is not installed (Debian package acpica-tools)\n");
      return 77;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (configs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/vmm/dsdt-iasl/round-trip/%u-of-%u-%s",
                                               configs[i].n_vcpus, configs[i].max_vcpus,
                                               configs[i].firmware_pc ? "firmware" : "direct");

      g_test_add_data_func (path, &configs[i], test_dsdt_round_trip);
    }
  g_test_add_func ("/vmm/dsdt-iasl/table-set", test_table_set);

  ret = g_test_run ();
  g_free (iasl);
  return ret;
}
