/* table-bytes.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Reading firmware tables (ACPI, SMBIOS, the table loader's commands) the
 * way a guest does: little-endian fields at any alignment, and byte sums
 * that must come to 0. */

static inline uint16_t
get16 (const uint8_t *p)
{
  uint16_t v;

  memcpy (&v, p, 2);
  return v;
}

static inline uint32_t
get32 (const uint8_t *p)
{
  uint32_t v;

  memcpy (&v, p, 4);
  return v;
}

static inline uint64_t
get64 (const uint8_t *p)
{
  uint64_t v;

  memcpy (&v, p, 8);
  return v;
}

static inline uint8_t
sum_bytes (const uint8_t *p,
           size_t         len)
{
  uint8_t sum = 0;

  for (size_t i = 0; i < len; i++)
    sum += p[i];
  return sum;
}
