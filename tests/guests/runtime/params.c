/* params.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The command line and memory map from the start info, and key=value lookup. */

#include "guest.h"

/* The start info gives no length; a command line this long means a missing terminator. */
#define CMDLINE_MAX 4096

const char *
guest_cmdline (void)
{
  const char *cmdline;

  if (guest_start_info == NULL || guest_start_info->cmdline_paddr == 0)
    return "";
  if (guest_start_info->cmdline_paddr >= 0x100000000ull)
    guest_panic ("command line at %#lx is above the 4 GiB the guest maps",
                 guest_start_info->cmdline_paddr);

  cmdline = (const char *) (uintptr_t) guest_start_info->cmdline_paddr;
  if (strnlen (cmdline, CMDLINE_MAX) == CMDLINE_MAX)
    guest_panic ("command line at %#lx has no terminator in %d bytes",
                 guest_start_info->cmdline_paddr, CMDLINE_MAX);
  return cmdline;
}

static bool
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool
cmdline_get (const char *cmdline,
             const char *key,
             char *value,
             size_t size)
{
  size_t key_length = strlen (key);
  const char *p = cmdline;

  while (*p != '\0')
    {
      const char *token;
      size_t length;

      while (is_space (*p))
        p++;
      token = p;
      while (*p != '\0' && !is_space (*p))
        p++;
      length = (size_t) (p - token);

      if (length >= key_length && strncmp (token, key, key_length) == 0
          && (length == key_length || token[key_length] == '='))
        {
          const char *v = length == key_length ? token + length : token + key_length + 1;
          size_t v_length = (size_t) (p - v);

          if (value == NULL)
            return true;
          if (v_length + 1 > size)
            return false;
          memcpy (value, v, v_length);
          value[v_length] = '\0';
          return true;
        }
    }
  return false;
}

bool
cmdline_get_u64 (const char *cmdline,
                 const char *key,
                 uint64_t *value)
{
  char text[24];
  const char *p = text;
  unsigned int base = 10;
  uint64_t result = 0;

  if (!cmdline_get (cmdline, key, text, sizeof (text)) || text[0] == '\0')
    return false;

  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    {
      base = 16;
      p += 2;
      if (*p == '\0')
        return false;
    }

  for (; *p != '\0'; p++)
    {
      unsigned int digit;

      if (*p >= '0' && *p <= '9')
        digit = (unsigned int) (*p - '0');
      else if (base == 16 && *p >= 'a' && *p <= 'f')
        digit = (unsigned int) (*p - 'a' + 10);
      else if (base == 16 && *p >= 'A' && *p <= 'F')
        digit = (unsigned int) (*p - 'A' + 10);
      else
        return false;

      if (result > (UINT64_MAX - digit) / base)
        return false;
      result = result * base + digit;
    }

  *value = result;
  return true;
}

const struct hvm_memmap_entry *
guest_memmap (uint32_t *n_entries)
{
  *n_entries = 0;
  if (guest_start_info == NULL || guest_start_info->version < 1
      || guest_start_info->memmap_paddr == 0 || guest_start_info->memmap_entries == 0)
    return NULL;
  if (guest_start_info->memmap_paddr
      + (uint64_t) guest_start_info->memmap_entries * sizeof (struct hvm_memmap_entry)
      > 0x100000000ull)
    guest_panic ("memory map at %#lx (%u entries) is above the 4 GiB the guest maps",
                 guest_start_info->memmap_paddr, guest_start_info->memmap_entries);

  *n_entries = guest_start_info->memmap_entries;
  return (const struct hvm_memmap_entry *) (uintptr_t) guest_start_info->memmap_paddr;
}
