/* io-bus.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* An address space (port I/O or MMIO) made of device ranges. A device sees
 * offsets into its own range, never absolute addresses. Accesses come from
 * vCPU threads concurrently, so each device guards its own state; the bus only
 * guards its table of ranges (PCI BARs move while the guest runs). */

typedef struct
{
  const char *name;
  uint64_t  (*read)  (void     *opaque,
                      uint64_t  offset,
                      unsigned  size);
  void      (*write) (void     *opaque,
                      uint64_t  offset,
                      uint64_t  value,
                      unsigned  size);
} IoBusOps;

typedef struct
{
  uint64_t        base;
  uint64_t        len;
  const IoBusOps *ops;
  void           *opaque;
} IoBusRange;

typedef struct
{
  pthread_rwlock_t lock;
  IoBusRange      *ranges;      /* sorted by base, never overlapping */
  unsigned         n_ranges;
  unsigned         n_allocated;
} IoBus;

void io_bus_init    (IoBus          *bus);
void io_bus_destroy (IoBus          *bus);
int  io_bus_insert  (IoBus          *bus,
                     uint64_t        base,
                     uint64_t        len,
                     const IoBusOps *ops,
                     void           *opaque);
int  io_bus_remove  (IoBus          *bus,
                     uint64_t        base,
                     void           *opaque);
bool io_bus_read    (IoBus          *bus,
                     uint64_t        addr,
                     void           *data,
                     unsigned        size);
bool io_bus_write   (IoBus          *bus,
                     uint64_t        addr,
                     const void     *data,
                     unsigned        size);
