/* test-smbios.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "boot/layout.h"
#include "boot/smbios.h"
#include "table-bytes.h"

#define RAM_SIZE  (2u << 20)
#define MIB       (1ull << 20)

/* The parser below reads the blob the way a guest does: from the entry
 * points, by each structure's length and string set, never by what the
 * builder's layout says beyond where to start. */

typedef struct
{
  const uint8_t *table;          /* the first structure */
  size_t         table_size;
  const uint8_t *by_type[128];   /* the first structure of each type */
  unsigned       n_structures;
} Parsed;

/* String number n (1-based) of the structure at s; NULL when absent. */
static const char *
structure_string (const uint8_t *s,
                  unsigned       n)
{
  const char *str = (const char *) s + s[1];

  if (n == 0)
    return NULL;
  while (--n > 0)
    {
      if (*str == '\0')
        return NULL;
      str += strlen (str) + 1;
    }
  return *str != '\0' ? str : NULL;
}

/* Checks both entry points at blob (guest address base) and walks the table
 * they point at to the end-of-table structure. */
static void
parse (const uint8_t *blob,
       size_t         blob_size,
       uint64_t       base,
       Parsed        *p)
{
  const uint8_t *ep64 = blob;
  const uint8_t *ep32 = blob + 0x20;
  const uint8_t *s, *end;
  uint64_t table_gpa;
  size_t max_structure = 0;
  bool seen_end = false;

  memset (p, 0, sizeof *p);

  /* "_SM3_": 24 bytes, version 3.0, entry point revision 1. */
  g_assert_cmpmem (ep64, 5, "_SM3_", 5);
  g_assert_cmpuint (ep64[6], ==, 0x18);
  g_assert_cmpuint (sum_bytes (ep64, ep64[6]), ==, 0);
  g_assert_cmpuint (ep64[7], ==, 3);
  g_assert_cmpuint (ep64[8], ==, 0);
  g_assert_cmpuint (ep64[10], ==, 1);
  table_gpa = get64 (ep64 + 0x10);
  g_assert_cmpuint (table_gpa, >=, base);
  g_assert_cmpuint (table_gpa % 16, ==, 0);
  p->table = blob + (table_gpa - base);
  p->table_size = get32 (ep64 + 0x0c);
  g_assert_cmpuint (table_gpa - base + p->table_size, <=, blob_size);

  /* "_SM_" with its "_DMI_" part, on the next 16-byte boundary that is free:
   * the same table, the same version. */
  g_assert_cmpmem (ep32, 4, "_SM_", 4);
  g_assert_cmpuint (ep32[5], ==, 0x1f);
  g_assert_cmpuint (sum_bytes (ep32, 0x1f), ==, 0);
  g_assert_cmpmem (ep32 + 0x10, 5, "_DMI_", 5);
  g_assert_cmpuint (sum_bytes (ep32 + 0x10, 0x0f), ==, 0);
  g_assert_cmpuint (ep32[6], ==, 3);
  g_assert_cmpuint (ep32[7], ==, 0);
  g_assert_cmpuint (ep32[0x1e], ==, 0x30);
  g_assert_cmpuint (get32 (ep32 + 0x18), ==, table_gpa);
  g_assert_cmpuint (get16 (ep32 + 0x16), ==, p->table_size);

  s = p->table;
  end = p->table + p->table_size;
  while (!seen_end)
    {
      const uint8_t *strings;

      g_assert_cmpuint (end - s, >=, 4);
      g_assert_cmpuint (s[1], >=, 4);
      g_assert_cmpuint (end - s, >=, s[1] + 2);
      /* The string set: strings up to the double NUL, or two NULs. */
      strings = s + s[1];
      if (strings[0] == '\0')
        strings += 2;
      else
        {
          while (!(strings[0] == '\0' && strings[1] == '\0'))
            {
              strings++;
              g_assert_true (strings + 1 < end);
            }
          strings += 2;
        }
      g_assert_cmpuint (s[0], <, 128);
      if (p->by_type[s[0]] == NULL)
        p->by_type[s[0]] = s;
      /* Handles are unique: numbered in order here. */
      g_assert_cmpuint (get16 (s + 2), ==, p->n_structures);
      p->n_structures++;
      if ((size_t) (strings - s) > max_structure)
        max_structure = strings - s;
      seen_end = s[0] == 127;
      s = strings;
    }
  /* The end-of-table structure ends the table exactly. */
  g_assert_true (s == end);
  g_assert_cmpuint (get16 (ep32 + 0x1c), ==, p->n_structures);
  g_assert_cmpuint (get16 (ep32 + 0x08), ==, max_structure);
}

static void
build (const uint8_t *uuid,
       unsigned       n_vcpus,
       uint64_t       ram_size,
       uint8_t       *buf,
       Parsed        *p)
{
  SmbiosConfig cfg = { .uuid = uuid, .n_vcpus = n_vcpus, .ram_size = ram_size };
  SmbiosTablesLayout layout;

  memset (buf, 0xa5, SMBIOS_TABLES_MAX_SIZE);
  g_assert_cmpint (smbios_tables_build (BOOT_SMBIOS_START, &cfg, buf, SMBIOS_TABLES_MAX_SIZE,
                                        &layout), ==, 0);
  g_assert_cmpuint (layout.ep64, ==, 0);
  g_assert_cmpuint (layout.ep32, ==, 0x20);
  g_assert_cmpuint (layout.size, <=, BOOT_SMBIOS_END - BOOT_SMBIOS_START);
  parse (buf, layout.size, BOOT_SMBIOS_START, p);
  g_assert_cmpuint (p->table - buf, ==, layout.table);
  g_assert_cmpuint (p->table_size, ==, layout.table_size);
  g_assert_cmpuint (p->n_structures, ==, layout.n_structures);
}

static void
test_structures (void)
{
  static const unsigned types[] = { 0, 1, 3, 4, 16, 17, 32, 127 };
  uint8_t buf[SMBIOS_TABLES_MAX_SIZE];
  const uint8_t *s;
  Parsed p;

  build (NULL, 1, 128 * MIB, buf, &p);
  g_assert_cmpuint (p.n_structures, ==, G_N_ELEMENTS (types));
  for (unsigned i = 0; i < G_N_ELEMENTS (types); i++)
    g_assert_nonnull (p.by_type[types[i]]);

  /* BIOS: vendor, version, an mm/dd/yyyy date; the "virtual machine" bit. */
  s = p.by_type[0];
  g_assert_cmpuint (s[1], ==, 0x18);
  g_assert_cmpstr (structure_string (s, s[4]), ==, "Guesthouse");
  g_assert_cmpstr (structure_string (s, s[5]), ==, PACKAGE_VERSION);
  g_assert_cmpuint (strlen (structure_string (s, s[8])), ==, 10);
  g_assert_cmpuint (s[0x13] & 0x10, !=, 0);

  /* System: no UUID given, so all zero; woken by the power switch. */
  s = p.by_type[1];
  g_assert_cmpuint (s[1], ==, 0x1b);
  g_assert_cmpstr (structure_string (s, s[4]), ==, "Guesthouse");
  g_assert_cmpstr (structure_string (s, s[5]), ==, "Guesthouse");
  g_assert_cmpstr (structure_string (s, s[6]), ==, PACKAGE_VERSION);
  g_assert_null (structure_string (s, s[7]));
  for (unsigned i = 0; i < 16; i++)
    g_assert_cmpuint (s[8 + i], ==, 0);
  g_assert_cmpuint (s[0x18], ==, 0x06);
  g_assert_cmpstr (structure_string (s, s[0x1a]), ==, "Virtual Machine");

  /* Chassis: "other". */
  s = p.by_type[3];
  g_assert_cmpuint (s[5], ==, 0x01);
  g_assert_cmpstr (structure_string (s, s[4]), ==, "Guesthouse");

  /* The memory device belongs to the array. */
  g_assert_cmpuint (get16 (p.by_type[17] + 4), ==, get16 (p.by_type[16] + 2));
  g_assert_cmpuint (p.by_type[16][5], ==, 0x03);    /* system memory */
  g_assert_cmpuint (get16 (p.by_type[16] + 0x0d), ==, 1);
}

/* RFC 4122 order in, SMBIOS order in the table: the first three fields
 * little-endian, the last two as they are. */
static void
test_uuid (void)
{
  static const uint8_t uuid[16] = {
    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
  };
  static const uint8_t smbios[16] = {
    0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
  };
  uint8_t buf[SMBIOS_TABLES_MAX_SIZE];
  Parsed p;

  build (uuid, 2, 512 * MIB, buf, &p);
  g_assert_cmpmem (p.by_type[1] + 8, 16, smbios, 16);
}

static void
check_memory (uint64_t ram_size,
              uint16_t size,
              uint32_t extended_size,
              uint32_t max_capacity,
              uint64_t extended_max_capacity)
{
  uint8_t buf[SMBIOS_TABLES_MAX_SIZE];
  Parsed p;

  build (NULL, 1, ram_size, buf, &p);
  g_assert_cmpuint (p.by_type[16][1], ==, 0x17);
  g_assert_cmphex (get32 (p.by_type[16] + 7), ==, max_capacity);
  g_assert_cmpuint (get64 (p.by_type[16] + 0x0f), ==, extended_max_capacity);
  g_assert_cmpuint (p.by_type[17][1], ==, 0x28);
  g_assert_cmphex (get16 (p.by_type[17] + 0x0c), ==, size);
  g_assert_cmpuint (get32 (p.by_type[17] + 0x1c), ==, extended_size);
}

static void
test_memory (void)
{
  check_memory (512 * MIB, 512, 0, 512 * 1024, 0);
  check_memory (5120 * MIB, 5120, 0, 5120 * 1024, 0);
  /* From 32 GiB - 1 MiB on, the size moves to the extended field. */
  check_memory (32767 * MIB, 0x7fff, 32767, 32767 * 1024, 0);
  check_memory (64 * 1024 * MIB, 0x7fff, 65536, 64 * 1024 * 1024, 0);
  /* 2 TiB is 0x80000000 KiB: the array's capacity goes to bytes. */
  check_memory (2048 * 1024 * MIB, 0x7fff, 2048 * 1024, 0x80000000u, 2048 * 1024 * MIB);
}

static void
check_vcpus (unsigned n_vcpus,
             uint8_t  count8)
{
  uint8_t buf[SMBIOS_TABLES_MAX_SIZE];
  const uint8_t *s;
  Parsed p;

  build (NULL, n_vcpus, 128 * MIB, buf, &p);
  s = p.by_type[4];
  g_assert_cmpuint (s[1], ==, 0x30);
  g_assert_cmpuint (s[0x05], ==, 0x03);             /* central processor */
  g_assert_cmpuint (s[0x18], ==, 0x41);             /* populated, enabled */
  g_assert_cmpuint (s[0x23], ==, count8);           /* core count */
  g_assert_cmpuint (s[0x24], ==, count8);           /* cores enabled */
  g_assert_cmpuint (s[0x25], ==, count8);           /* threads */
  g_assert_cmpuint (get16 (s + 0x2a), ==, n_vcpus); /* core count 2 */
  g_assert_cmpuint (get16 (s + 0x2c), ==, n_vcpus);
  g_assert_cmpuint (get16 (s + 0x2e), ==, n_vcpus);
  g_assert_cmphex (get16 (s + 0x1a), ==, 0xffff);   /* no cache structures */
  g_assert_cmpstr (structure_string (s, s[4]), ==, "CPU 0");
}

static void
test_vcpus (void)
{
  check_vcpus (1, 1);
  check_vcpus (4, 4);
  check_vcpus (255, 255);
  check_vcpus (256, 0xff);
  check_vcpus (1000, 0xff);
}

/* Placed in guest RAM where a scanning guest finds it, over stale bytes. */
static void
test_place (void)
{
  static const uint8_t uuid[16] = { 0xde, 0xad, 0xbe, 0xef };
  SmbiosConfig cfg = { .uuid = uuid, .n_vcpus = 2, .ram_size = 512 * MIB };
  g_autofree uint8_t *ram = g_malloc (RAM_SIZE);
  VmmError err = { { 0 } };
  GuestMemory mem = { 0 };
  const uint8_t *found = NULL;
  Parsed p;

  memset (ram, 0xa5, RAM_SIZE);
  g_assert_cmpint (guest_memory_add_region (&mem, 0, ram, RAM_SIZE), ==, 0);
  g_assert_cmpint (smbios_build_tables (&mem, BOOT_SMBIOS_START, BOOT_SMBIOS_END, &cfg, &err),
                   ==, 0);
  for (uint64_t a = 0xf0000; a < 0x100000 && found == NULL; a += 16)
    if (memcmp (ram + a, "_SM3_", 5) == 0)
      found = ram + a;
  g_assert_true (found == ram + BOOT_SMBIOS_START);
  parse (found, BOOT_SMBIOS_END - BOOT_SMBIOS_START, BOOT_SMBIOS_START, &p);
  g_assert_cmpuint (p.by_type[1][8 + 3], ==, 0xde);
}

static void
test_errors (void)
{
  SmbiosConfig cfg = { .n_vcpus = 1, .ram_size = 128 * MIB };
  g_autofree uint8_t *ram = g_malloc0 (RAM_SIZE);
  uint8_t buf[SMBIOS_TABLES_MAX_SIZE];
  SmbiosTablesLayout layout;
  VmmError err = { { 0 } };
  GuestMemory mem = { 0 };

  g_assert_cmpint (guest_memory_add_region (&mem, 0, ram, RAM_SIZE), ==, 0);

  /* Scanners look on 16-byte boundaries only. */
  g_assert_cmpint (smbios_tables_build (BOOT_SMBIOS_START + 4, &cfg, buf, sizeof buf, &layout),
                   ==, -EINVAL);
  cfg.n_vcpus = 0;
  g_assert_cmpint (smbios_tables_build (BOOT_SMBIOS_START, &cfg, buf, sizeof buf, &layout),
                   ==, -EINVAL);
  cfg.n_vcpus = 0xffff;
  g_assert_cmpint (smbios_tables_build (BOOT_SMBIOS_START, &cfg, buf, sizeof buf, &layout),
                   ==, -EINVAL);
  cfg.n_vcpus = 1;
  /* Every length is bounded: a buffer too small at any point is refused. */
  g_assert_cmpint (smbios_tables_build (BOOT_SMBIOS_START, &cfg, buf, sizeof buf, &layout), ==, 0);
  for (size_t size = 0; size < layout.size; size++)
    {
      SmbiosTablesLayout small;

      g_assert_cmpint (smbios_tables_build (BOOT_SMBIOS_START, &cfg, buf, size, &small), ==,
                       -ENOSPC);
    }
  /* The 32-bit entry point holds a 32-bit table address. */
  g_assert_cmpint (smbios_tables_build (0xffffff00ull, &cfg, buf, sizeof buf, &layout), ==,
                   -ERANGE);

  g_assert_cmpint (smbios_build_tables (&mem, BOOT_SMBIOS_START, BOOT_SMBIOS_START + 0x40, &cfg,
                                        &err), ==, -ENOSPC);
  g_assert_nonnull (strstr (err.message, "do not fit"));
  memset (&err, 0, sizeof err);
  g_assert_cmpint (smbios_build_tables (&mem, RAM_SIZE, RAM_SIZE + 0x10000, &cfg, &err), ==,
                   -EFAULT);
  g_assert_nonnull (strstr (err.message, "not guest RAM"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smbios/structures", test_structures);
  g_test_add_func ("/smbios/uuid", test_uuid);
  g_test_add_func ("/smbios/memory", test_memory);
  g_test_add_func ("/smbios/vcpus", test_vcpus);
  g_test_add_func ("/smbios/place", test_place);
  g_test_add_func ("/smbios/errors", test_errors);

  return g_test_run ();
}
