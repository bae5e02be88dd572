/* test-table-loader.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "acpi/table-loader.h"
#include "boot/acpi.h"
#include "pci/pci-host.h"
#include "table-bytes.h"

#define RAM_SIZE (4u << 20)

/* The entry layouts, written from QEMU's docs and SeaBIOS's
 * romfile_loader.h: command u32 at 0, then per command:
 * ALLOCATE file[56] at 4, align u32 at 60, zone u8 at 64;
 * ADD_POINTER dest[56] at 4, src[56] at 60, offset u32 at 116, size u8 at
 * 120; ADD_CHECKSUM file[56] at 4, offset u32 at 60, start u32 at 64,
 * length u32 at 68. */
static void
test_encoding (void)
{
  TableLoader *loader = table_loader_new ();
  const uint8_t *data;
  uint8_t expected[3 * 128] = { 0 };
  size_t len;

  g_assert_cmpint (table_loader_allocate (loader, "etc/a", 100, 64, TABLE_LOADER_ZONE_HIGH),
                   ==, 0);
  g_assert_cmpint (table_loader_add_pointer (loader, "etc/a", 0x10, 4, "etc/a"), ==, 0);
  g_assert_cmpint (table_loader_add_checksum (loader, "etc/a", 9, 0, 36), ==, 0);

  expected[0] = 1;
  memcpy (expected + 4, "etc/a", 5);
  expected[60] = 64;
  expected[64] = 1;

  expected[128] = 2;
  memcpy (expected + 128 + 4, "etc/a", 5);
  memcpy (expected + 128 + 60, "etc/a", 5);
  expected[128 + 116] = 0x10;
  expected[128 + 120] = 4;

  expected[256] = 3;
  memcpy (expected + 256 + 4, "etc/a", 5);
  expected[256 + 60] = 9;
  expected[256 + 64] = 0;
  expected[256 + 68] = 36;

  data = table_loader_data (loader, &len);
  g_assert_cmpmem (data, len, expected, sizeof expected);
  table_loader_free (loader);
}

static void
test_errors (void)
{
  TableLoader *loader = table_loader_new ();
  char name[TABLE_LOADER_FILE_NAME_LEN + 1];
  size_t len;

  /* 55 characters and the NUL fit, 56 do not. */
  memset (name, 'x', sizeof name);
  name[TABLE_LOADER_FILE_NAME_LEN] = '\0';
  g_assert_cmpint (table_loader_allocate (loader, name, 16, 16, TABLE_LOADER_ZONE_FSEG),
                   ==, -EINVAL);
  name[TABLE_LOADER_FILE_NAME_LEN - 1] = '\0';
  g_assert_cmpint (table_loader_allocate (loader, name, 16, 16, TABLE_LOADER_ZONE_FSEG), ==, 0);
  g_assert_cmpint (table_loader_allocate (loader, "", 16, 16, TABLE_LOADER_ZONE_FSEG), ==, -EINVAL);
  g_assert_cmpint (table_loader_allocate (loader, NULL, 16, 16, TABLE_LOADER_ZONE_FSEG),
                   ==, -EINVAL);
  g_assert_cmpint (table_loader_allocate (loader, "b", 16, 3, TABLE_LOADER_ZONE_FSEG), ==, -EINVAL);
  g_assert_cmpint (table_loader_allocate (loader, "b", 16, 0, TABLE_LOADER_ZONE_FSEG), ==, -EINVAL);
  g_assert_cmpint (table_loader_allocate (loader, "b", 16, 16, 3), ==, -EINVAL);
  g_assert_cmpint (table_loader_allocate (loader, name, 16, 16, TABLE_LOADER_ZONE_HIGH),
                   ==, -EEXIST);
  g_assert_cmpint (table_loader_allocate (loader, "b", 16, 1, TABLE_LOADER_ZONE_HIGH), ==, 0);

  /* Files must be allocated first; pointers and ranges stay inside. */
  g_assert_cmpint (table_loader_add_pointer (loader, "c", 0, 4, "b"), ==, -ENOENT);
  g_assert_cmpint (table_loader_add_pointer (loader, "b", 0, 4, "c"), ==, -ENOENT);
  g_assert_cmpint (table_loader_add_pointer (loader, "b", 0, 3, name), ==, -EINVAL);
  g_assert_cmpint (table_loader_add_pointer (loader, "b", 12, 8, name), ==, -EINVAL);
  g_assert_cmpint (table_loader_add_pointer (loader, "b", UINT32_MAX, 8, name), ==, -EINVAL);
  g_assert_cmpint (table_loader_add_pointer (loader, "b", 8, 8, name), ==, 0);
  g_assert_cmpint (table_loader_add_checksum (loader, "c", 0, 0, 16), ==, -ENOENT);
  g_assert_cmpint (table_loader_add_checksum (loader, "b", 16, 0, 16), ==, -EINVAL);
  g_assert_cmpint (table_loader_add_checksum (loader, "b", 0, 1, 16), ==, -EINVAL);
  g_assert_cmpint (table_loader_add_checksum (loader, "b", 0, 8, UINT32_MAX), ==, -EINVAL);
  g_assert_cmpint (table_loader_add_checksum (loader, "b", 15, 0, 16), ==, 0);

  /* Only the commands that succeeded are there. */
  table_loader_data (loader, &len);
  g_assert_cmpuint (len, ==, 4 * TABLE_LOADER_ENTRY_SIZE);
  table_loader_free (loader);
  table_loader_free (NULL);
}

typedef struct
{
  const char    *name;
  const uint8_t *data;
  size_t         size;
  uint64_t       addr;
  bool           allocated;
} LoaderFile;

static LoaderFile *
find_file (LoaderFile    *files,
           gsize          n_files,
           const uint8_t *name)
{
  g_assert_nonnull (memchr (name, '\0', TABLE_LOADER_FILE_NAME_LEN));
  for (gsize i = 0; i < n_files; i++)
    if (strcmp (files[i].name, (const char *) name) == 0)
      return &files[i];
  g_error ("the loader names an unknown file %s", name);
  return NULL;
}

/* What SeaBIOS's romfile_loader_execute () does, with the two zones at
 * fixed addresses in ram: copy files in, add the addresses to pointers,
 * subtract byte sums from checksum bytes. It also checks the order the
 * firmware needs: allocations first, and no pointer patched into a file
 * after a checksum of that file was fixed. */
static void
run_loader (const AcpiFirmwareTables *fw,
            uint8_t                  *ram,
            uint64_t                  fseg_addr,
            uint64_t                  high_addr,
            unsigned                  n_commands[4])
{
  LoaderFile files[] = {
    { ACPI_FW_CFG_RSDP_FILE, fw->rsdp, fw->rsdp_size, 0, false },
    { ACPI_FW_CFG_TABLES_FILE, fw->tables, fw->tables_size, 0, false },
  };
  unsigned last_command = 0;

  g_assert_cmpuint (fw->loader_size % TABLE_LOADER_ENTRY_SIZE, ==, 0);
  for (size_t off = 0; off < fw->loader_size; off += TABLE_LOADER_ENTRY_SIZE)
    {
      const uint8_t *e = fw->loader + off;
      uint32_t command = get32 (e);
      LoaderFile *file, *src;
      uint64_t value = 0;
      uint32_t offset, start, length;
      uint8_t size;

      g_assert_cmpuint (command, >=, last_command);   /* allocate, point, then sum */
      last_command = command;
      if (command < TABLE_LOADER_CMD_ALLOCATE || command > TABLE_LOADER_CMD_ADD_CHECKSUM)
        g_error ("unknown loader command %u", command);
      n_commands[command]++;
      switch (command)
        {
        case TABLE_LOADER_CMD_ALLOCATE:
          file = find_file (files, G_N_ELEMENTS (files), e + 4);
          g_assert_false (file->allocated);
          g_assert_true (e[64] == TABLE_LOADER_ZONE_FSEG || e[64] == TABLE_LOADER_ZONE_HIGH);
          file->addr = e[64] == TABLE_LOADER_ZONE_FSEG ? fseg_addr : high_addr;
          g_assert_cmpuint (file->addr % get32 (e + 60), ==, 0);
          g_assert_cmpuint (file->addr + file->size, <=, RAM_SIZE);
          memcpy (ram + file->addr, file->data, file->size);
          file->allocated = true;
          break;

        case TABLE_LOADER_CMD_ADD_POINTER:
          file = find_file (files, G_N_ELEMENTS (files), e + 4);
          src = find_file (files, G_N_ELEMENTS (files), e + 60);
          g_assert_true (file->allocated && src->allocated);
          offset = get32 (e + 116);
          size = e[120];
          g_assert_true (size == 1 || size == 2 || size == 4 || size == 8);
          g_assert_cmpuint (offset + size, <=, file->size);
          memcpy (&value, ram + file->addr + offset, size);
          value += src->addr;
          memcpy (ram + file->addr + offset, &value, size);
          break;

        case TABLE_LOADER_CMD_ADD_CHECKSUM:
          file = find_file (files, G_N_ELEMENTS (files), e + 4);
          g_assert_true (file->allocated);
          offset = get32 (e + 60);
          start = get32 (e + 64);
          length = get32 (e + 68);
          g_assert_cmpuint (offset, <, file->size);
          g_assert_cmpuint ((uint64_t) start + length, <=, file->size);
          ram[file->addr + offset] -= sum_bytes (ram + file->addr + start, length);
          break;
        }
    }
  g_assert_true (files[0].allocated && files[1].allocated);
}

/* A table at addr: signature, inside the tables' allocation, checksum. */
static const uint8_t *
check_table (const uint8_t *ram,
             uint64_t       addr,
             uint64_t       high_addr,
             size_t         tables_size,
             const char    *signature)
{
  uint32_t length;

  g_assert_cmphex (addr, >=, high_addr);
  g_assert_cmphex (addr + 36, <=, high_addr + tables_size);
  g_assert_cmpmem (ram + addr, 4, signature, 4);
  length = get32 (ram + addr + 4);
  g_assert_cmphex (addr + length, <=, high_addr + tables_size);
  g_assert_cmpuint (sum_bytes (ram + addr, length), ==, 0);
  return ram + addr;
}

static void
check_firmware_tables (const AcpiMachine *m,
                       uint64_t           fseg_addr,
                       uint64_t           high_addr)
{
  g_autofree uint8_t *ram = g_malloc0 (RAM_SIZE);
  AcpiFirmwareTables fw;
  VmmError err = { { 0 } };
  unsigned n_commands[4] = { 0 };
  unsigned n_listed = m->ecam_base != 0 ? 3 : 2;
  const uint8_t *rsdp, *xsdt, *rsdt, *fadt;
  uint64_t facs;

  g_assert_cmpint (acpi_firmware_tables_build (m, &fw, &err), ==, 0);
  g_assert_cmpuint (fw.rsdp_size, ==, 36);
  run_loader (&fw, ram, fseg_addr, high_addr, n_commands);

  /* Two files; RSDP→RSDT/XSDT, FADT→FACS/DSDT twice, the XSDT and RSDT
   * entries; every table but the FACS, and the RSDP twice. */
  g_assert_cmpuint (n_commands[TABLE_LOADER_CMD_ALLOCATE], ==, 2);
  g_assert_cmpuint (n_commands[TABLE_LOADER_CMD_ADD_POINTER], ==, 2 + 4 + 2 * n_listed);
  g_assert_cmpuint (n_commands[TABLE_LOADER_CMD_ADD_CHECKSUM], ==, 2 + n_listed + 3);

  rsdp = ram + fseg_addr;
  g_assert_cmpmem (rsdp, 8, "RSD PTR ", 8);
  g_assert_cmpuint (sum_bytes (rsdp, 20), ==, 0);
  g_assert_cmpuint (sum_bytes (rsdp, 36), ==, 0);

  xsdt = check_table (ram, get64 (rsdp + 24), high_addr, fw.tables_size, "XSDT");
  rsdt = check_table (ram, get32 (rsdp + 16), high_addr, fw.tables_size, "RSDT");
  g_assert_cmpuint (get32 (xsdt + 4), ==, 36 + 8 * n_listed);
  for (unsigned i = 0; i < n_listed; i++)
    {
      static const char *const signatures[] = { "FACP", "APIC", "MCFG" };

      g_assert_cmphex (get64 (xsdt + 36 + 8 * i), ==, get32 (rsdt + 36 + 4 * i));
      check_table (ram, get64 (xsdt + 36 + 8 * i), high_addr, fw.tables_size, signatures[i]);
    }

  fadt = ram + get64 (xsdt + 36);
  g_assert_cmphex (get32 (fadt + 40), ==, get64 (fadt + 140));
  check_table (ram, get64 (fadt + 140), high_addr, fw.tables_size, "DSDT");
  facs = get64 (fadt + 132);
  g_assert_cmphex (get32 (fadt + 36), ==, facs);
  g_assert_cmphex (facs % 64, ==, 0);
  g_assert_cmphex (facs, >=, high_addr);
  g_assert_cmpmem (ram + facs, 4, "FACS", 4);

  acpi_firmware_tables_clear (&fw);
  g_assert_null (fw.rsdp);
  acpi_firmware_tables_clear (&fw);
}

static AcpiMachine
firmware_pc (unsigned n_vcpus,
             unsigned max_vcpus,
             uint64_t ecam_base)
{
  return (AcpiMachine) {
    .n_vcpus = n_vcpus,
    .max_vcpus = max_vcpus,
    .has_8259 = true,
    .firmware_pc = true,
    .ecam_base = ecam_base,
    .pci_mmio_base = PCI_HOST_MMIO_BASE,
    .pci_mmio_size = PCI_HOST_MMIO_SIZE,
  };
}

static void
test_firmware_tables (void)
{
  AcpiMachine configs[] = {
    firmware_pc (1, 1, 0),
    firmware_pc (2, 8, 0),
    firmware_pc (2, 8, PCI_HOST_ECAM_BASE),
    firmware_pc (4, ACPI_MAX_VCPUS, PCI_HOST_ECAM_BASE),
  };

  /* Two placements: a pointer the loader forgot would still hold a file
   * offset and fail the checks at one of them at least. */
  for (gsize i = 0; i < G_N_ELEMENTS (configs); i++)
    {
      check_firmware_tables (&configs[i], 0xf5a30, 0x1234c0);
      check_firmware_tables (&configs[i], 0xfe000, 0x300000);
    }
}

static void
test_firmware_tables_errors (void)
{
  AcpiMachine m = firmware_pc (3, 2, 0);
  AcpiFirmwareTables fw;
  VmmError err = { { 0 } };

  g_assert_cmpint (acpi_firmware_tables_build (&m, &fw, &err), ==, -EINVAL);
  g_assert_nonnull (strstr (err.message, "3 vCPUs (2 possible)"));
  g_assert_null (fw.rsdp);
  g_assert_null (fw.tables);
  g_assert_null (fw.loader);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vmm/table-loader/encoding", test_encoding);
  g_test_add_func ("/vmm/table-loader/errors", test_errors);
  g_test_add_func ("/vmm/table-loader/firmware-tables", test_firmware_tables);
  g_test_add_func ("/vmm/table-loader/firmware-tables-errors", test_firmware_tables_errors);

  return g_test_run ();
}
