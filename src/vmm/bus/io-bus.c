/* io-bus.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io-bus.h"

void
io_bus_init (IoBus *bus)
{
  memset (bus, 0, sizeof *bus);
  pthread_rwlock_init (&bus->lock, NULL);
}

void
io_bus_destroy (IoBus *bus)
{
  free (bus->ranges);
  pthread_rwlock_destroy (&bus->lock);
  memset (bus, 0, sizeof *bus);
}

/* Index of the first range whose end lies above addr. */
static unsigned
io_bus_lower_bound (const IoBus *bus,
                    uint64_t     addr)
{
  unsigned lo = 0, hi = bus->n_ranges;

  while (lo < hi)
    {
      unsigned mid = lo + (hi - lo) / 2;
      const IoBusRange *r = &bus->ranges[mid];
      if (r->base + (r->len - 1) < addr)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

int
io_bus_insert (IoBus          *bus,
               uint64_t        base,
               uint64_t        len,
               const IoBusOps *ops,
               void           *opaque)
{
  unsigned at;
  int ret = 0;

  if (len == 0 || base + (len - 1) < base || ops == NULL)
    return -EINVAL;

  pthread_rwlock_wrlock (&bus->lock);
  at = io_bus_lower_bound (bus, base);
  if (at < bus->n_ranges && bus->ranges[at].base <= base + (len - 1))
    {
      ret = -EEXIST;
      goto out;
    }
  if (bus->n_ranges == bus->n_allocated)
    {
      unsigned n = bus->n_allocated ? bus->n_allocated * 2 : 16;
      IoBusRange *grown = realloc (bus->ranges, n * sizeof *grown);
      if (grown == NULL)
        {
          ret = -ENOMEM;
          goto out;
        }
      bus->ranges = grown;
      bus->n_allocated = n;
    }
  memmove (&bus->ranges[at + 1], &bus->ranges[at],
           (bus->n_ranges - at) * sizeof *bus->ranges);
  bus->ranges[at] = (IoBusRange) { base, len, ops, opaque };
  bus->n_ranges++;

out:
  pthread_rwlock_unlock (&bus->lock);
  return ret;
}

int
io_bus_remove (IoBus    *bus,
               uint64_t  base,
               void     *opaque)
{
  unsigned at;
  int ret = -ENOENT;

  pthread_rwlock_wrlock (&bus->lock);
  at = io_bus_lower_bound (bus, base);
  if (at < bus->n_ranges && bus->ranges[at].base == base && bus->ranges[at].opaque == opaque)
    {
      memmove (&bus->ranges[at], &bus->ranges[at + 1],
               (bus->n_ranges - at - 1) * sizeof *bus->ranges);
      bus->n_ranges--;
      ret = 0;
    }
  pthread_rwlock_unlock (&bus->lock);
  return ret;
}

/* Finds the range holding the whole access. An access that straddles two
 * ranges or runs past one is treated as unclaimed: no device is asked to
 * handle bytes outside its range. */
static bool
io_bus_find (IoBus      *bus,
             uint64_t    addr,
             unsigned    size,
             IoBusRange *out)
{
  unsigned at = io_bus_lower_bound (bus, addr);
  const IoBusRange *r;

  if (at == bus->n_ranges)
    return false;
  r = &bus->ranges[at];
  if (addr < r->base || size == 0 || size - 1 > r->len - 1 - (addr - r->base))
    return false;
  *out = *r;
  return true;
}

bool
io_bus_read (IoBus    *bus,
             uint64_t  addr,
             void     *data,
             unsigned  size)
{
  IoBusRange r;
  uint64_t value;
  bool found;

  if (size > sizeof value)
    return false;
  pthread_rwlock_rdlock (&bus->lock);
  found = io_bus_find (bus, addr, size, &r);
  pthread_rwlock_unlock (&bus->lock);
  if (!found || r.ops->read == NULL)
    return false;

  value = r.ops->read (r.opaque, addr - r.base, size);
  memcpy (data, &value, size);   /* x86 is little-endian: the low bytes first */
  return true;
}

bool
io_bus_write (IoBus      *bus,
              uint64_t    addr,
              const void *data,
              unsigned    size)
{
  IoBusRange r;
  uint64_t value = 0;
  bool found;

  if (size > sizeof value)
    return false;
  pthread_rwlock_rdlock (&bus->lock);
  found = io_bus_find (bus, addr, size, &r);
  pthread_rwlock_unlock (&bus->lock);
  if (!found || r.ops->write == NULL)
    return false;

  memcpy (&value, data, size);
  r.ops->write (r.opaque, addr - r.base, value, size);
  return true;
}
