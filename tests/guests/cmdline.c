/* cmdline.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Checks what the loader told the guest: the command line and the memory map.
 *
 * token=<T> on the command line must be there and is echoed as "cmdline: token=<T>", for the
 * test to compare. With mem=<MiB> (the memory the test gave the VM), the RAM (type 1) entries
 * of the memory map must add up to between MiB - 1 MiB and MiB: a PC memory map never calls
 * the legacy hole from 640 KiB to 1 MiB RAM (384 KiB), and firmware may keep a little more for
 * itself (SeaBIOS reserves 128 KiB at the top of low RAM, the EBDA takes 1 KiB), while more
 * RAM than the VM was given, or a MiB missing, is a bug. The map must also be sorted and
 * without overlaps (empty entries are ignored), and the image itself must lie in RAM.
 */

#include "guest.h"

#define MIB (1024ull * 1024)
#define TOKEN_MAX 128

static const char *
type_name (uint32_t type)
{
  switch (type)
    {
    case HVM_MEMMAP_RAM:
      return "ram";
    case HVM_MEMMAP_RESERVED:
      return "reserved";
    case HVM_MEMMAP_ACPI:
      return "acpi";
    case HVM_MEMMAP_NVS:
      return "nvs";
    case HVM_MEMMAP_UNUSABLE:
      return "unusable";
    default:
      return "unknown";
    }
}

static bool
check_memmap (uint64_t *ram_bytes)
{
  const struct hvm_memmap_entry *map;
  uint64_t image_start = (uintptr_t) __image_start;
  uint64_t image_end = (uintptr_t) __image_end;
  bool image_in_ram = false;
  bool have_previous = false;
  uint64_t previous_end = 0;
  bool ok = true;
  uint32_t n;

  *ram_bytes = 0;
  map = guest_memmap (&n);
  if (map == NULL)
    {
      guest_printf ("memmap: none (start info version %u, %u entries at %#lx)\n",
                    guest_start_info->version, guest_start_info->memmap_entries,
                    guest_start_info->memmap_paddr);
      return false;
    }

  for (uint32_t i = 0; i < n; i++)
    {
      uint64_t addr = map[i].addr;
      uint64_t size = map[i].size;

      /* An empty entry describes no memory, so it can neither overlap nor mislead; operating
       * systems drop them (Linux's E820 sanitizing does). QEMU's microvm firmware ends its map
       * with one (all zero), so tolerate them, but show them. */
      if (size == 0)
        {
          guest_printf ("memmap: %#014lx (empty, type %u, ignored)\n", addr, map[i].type);
          continue;
        }

      guest_printf ("memmap: %#014lx-%#014lx %s\n", addr, addr + size - 1,
                    type_name (map[i].type));

      if (addr + size - 1 < addr)
        {
          guest_printf ("memmap: entry %u wraps around\n", i);
          ok = false;
          continue;
        }
      if (have_previous && addr < previous_end)
        {
          guest_printf ("memmap: entry %u is out of order or overlaps the one before\n", i);
          ok = false;
        }
      have_previous = true;
      previous_end = addr + size;

      if (map[i].type == HVM_MEMMAP_RAM)
        {
          *ram_bytes += size;
          if (addr <= image_start && image_end <= addr + size)
            image_in_ram = true;
        }
    }

  guest_printf ("memmap: %u entries, %lu KiB of RAM\n", n, *ram_bytes / 1024);
  if (!image_in_ram)
    {
      guest_printf ("memmap: the image at %#lx-%#lx is not in one RAM entry\n", image_start,
                    image_end - 1);
      ok = false;
    }
  return ok;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  const char *cmdline = guest_cmdline ();
  char token[TOKEN_MAX];
  uint64_t ram_bytes;
  uint64_t mem_mib;
  bool ok;

  guest_printf ("cmdline: \"%s\"\n", cmdline);

  ok = check_memmap (&ram_bytes);

  if (cmdline_get (cmdline, "token", token, sizeof (token)))
    guest_printf ("cmdline: token=%s\n", token);
  else
    {
      guest_printf ("cmdline: no token=<T> (of at most %d bytes) on the command line\n",
                    TOKEN_MAX - 1);
      ok = false;
    }

  if (cmdline_get_u64 (cmdline, "mem", &mem_mib))
    {
      if (mem_mib == 0 || ram_bytes > mem_mib * MIB || ram_bytes < (mem_mib - 1) * MIB)
        {
          guest_printf ("cmdline: mem=%lu MiB, but the memory map has %lu KiB of RAM\n", mem_mib,
                        ram_bytes / 1024);
          ok = false;
        }
      else
        guest_printf ("cmdline: mem=%lu MiB matches the memory map\n", mem_mib);
    }

  return ok ? GUEST_EXIT_PASS : GUEST_EXIT_FAIL;
}
