/* smbios.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Finds the SMBIOS tables the way a guest without EFI does and checks the system UUID.
 *
 * Scans 0xf0000-0xfffff on 16-byte boundaries for the 64-bit entry point "_SM3_", falling back
 * to the 32-bit "_SM_" one (as Linux does), checks its checksum, walks the structure table by
 * each structure's length and string set to the System Information structure (type 1), and
 * formats its UUID the way Linux shows it in /sys/class/dmi/id/product_uuid: lower case, and
 * from SMBIOS 2.6 on with the first three fields byte-swapped back from little-endian. Prints
 * "smbios: uuid <uuid>" and passes when that equals uuid=<uuid> on the command line.
 */

#include "guest.h"

#define SCAN_START 0xf0000u
#define SCAN_END   0x100000u
#define UUID_TEXT  37

static bool
checksum_ok (const uint8_t *p, size_t len)
{
  uint8_t sum = 0;

  for (size_t i = 0; i < len; i++)
    sum += p[i];
  return sum == 0;
}

/* The structure table of the first valid entry point: "_SM3_" anywhere wins over "_SM_". */
static bool
find_table (uint64_t *addr, uint32_t *size, unsigned int *version)
{
  for (uintptr_t a = SCAN_START; a + 24 <= SCAN_END; a += 16)
    {
      const uint8_t *ep = (const uint8_t *) a;

      if (memcmp (ep, "_SM3_", 5) == 0 && ep[6] >= 24 && a + ep[6] <= SCAN_END
          && checksum_ok (ep, ep[6]))
        {
          memcpy (size, ep + 0x0c, 4);
          memcpy (addr, ep + 0x10, 8);
          *version = (unsigned int) ep[7] << 8 | ep[8];
          guest_printf ("smbios: _SM3_ entry point at %#lx, version %u.%u\n", (unsigned long) a,
                        ep[7], ep[8]);
          return true;
        }
    }
  for (uintptr_t a = SCAN_START; a + 31 <= SCAN_END; a += 16)
    {
      const uint8_t *ep = (const uint8_t *) a;
      uint32_t table_addr;
      uint16_t table_len;

      if (memcmp (ep, "_SM_", 4) == 0 && ep[5] >= 31 && a + ep[5] <= SCAN_END
          && checksum_ok (ep, ep[5]) && memcmp (ep + 0x10, "_DMI_", 5) == 0
          && checksum_ok (ep + 0x10, 15))
        {
          memcpy (&table_len, ep + 0x16, 2);
          memcpy (&table_addr, ep + 0x18, 4);
          *size = table_len;
          *addr = table_addr;
          *version = (unsigned int) ep[6] << 8 | ep[7];
          guest_printf ("smbios: _SM_ entry point at %#lx, version %u.%u\n", (unsigned long) a,
                        ep[6], ep[7]);
          return true;
        }
    }
  return false;
}

/* The first type 1 structure, every step bounded by the table's size. */
static const uint8_t *
find_system (const uint8_t *table, uint32_t size)
{
  const uint8_t *s = table;
  const uint8_t *end = table + size;

  while (end - s >= 4)
    {
      const uint8_t *strings;

      if (s[1] < 4 || end - s < s[1] + 2)
        {
          guest_printf ("smbios: structure at %p (type %u) has a bad length %u\n", s, s[0], s[1]);
          return NULL;
        }
      if (s[0] == 1)
        return s;
      if (s[0] == 127)
        break;
      strings = s + s[1];
      while (!(strings[0] == '\0' && strings[1] == '\0'))
        {
          strings++;
          if (end - strings < 2)
            {
              guest_printf ("smbios: the strings of structure type %u run off the table\n", s[0]);
              return NULL;
            }
        }
      s = strings + 2;
    }
  guest_printf ("smbios: no system information structure (type 1)\n");
  return NULL;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  static const uint8_t swapped[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
  static const uint8_t in_order[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
  const uint8_t *system, *order, *u;
  char expected[UUID_TEXT];
  char uuid[UUID_TEXT];
  unsigned int version;
  uint64_t addr;
  uint32_t size;

  (void) start_info;

  if (!find_table (&addr, &size, &version))
    {
      guest_printf ("smbios: no entry point in %#x-%#x\n", SCAN_START, SCAN_END - 1);
      return GUEST_EXIT_FAIL;
    }
  if (addr >= 0x100000000ull || size > 0x100000000ull - addr)
    {
      guest_printf ("smbios: the table at %#lx (%u bytes) is not below 4 GiB\n",
                    (unsigned long) addr, size);
      return GUEST_EXIT_FAIL;
    }
  system = find_system ((const uint8_t *) (uintptr_t) addr, size);
  if (system == NULL)
    return GUEST_EXIT_FAIL;
  if (system[1] < 0x19)
    {
      guest_printf ("smbios: the system structure has no UUID (length %u)\n", system[1]);
      return GUEST_EXIT_FAIL;
    }

  /* What Linux's dmi_save_uuid () does: SMBIOS 2.6 and later store the first three fields
   * little-endian. */
  u = system + 8;
  order = version >= 0x0206 ? swapped : in_order;
  guest_snprintf (uuid, sizeof uuid,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                  u[order[0]], u[order[1]], u[order[2]], u[order[3]], u[order[4]], u[order[5]],
                  u[order[6]], u[order[7]], u[order[8]], u[order[9]], u[order[10]], u[order[11]],
                  u[order[12]], u[order[13]], u[order[14]], u[order[15]]);
  guest_printf ("smbios: uuid %s\n", uuid);

  if (!cmdline_get (guest_cmdline (), "uuid", expected, sizeof expected))
    {
      guest_printf ("smbios: no uuid=<uuid> on the command line to compare with\n");
      return GUEST_EXIT_FAIL;
    }
  if (strcmp (uuid, expected) != 0)
    {
      guest_printf ("smbios: expected uuid %s\n", expected);
      return GUEST_EXIT_FAIL;
    }
  return GUEST_EXIT_PASS;
}
