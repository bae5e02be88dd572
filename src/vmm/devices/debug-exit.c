/* debug-exit.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "debug-exit.h"

struct DebugExit
{
  pthread_mutex_t lock;
  void          (*on_exit) (void *opaque,
                            int   status);
  void           *opaque;
  bool            fired;
};

static uint64_t
debug_exit_read (void     *opaque,
                 uint64_t  offset,
                 unsigned  size)
{
  return 0;
}

static void
debug_exit_write (void     *opaque,
                  uint64_t  offset,
                  uint64_t  value,
                  unsigned  size)
{
  DebugExit *dev = opaque;
  uint64_t status;
  bool first;

  if (size == 0 || size > sizeof value || offset >= DEBUG_EXIT_LEN)
    return;
  if (size < sizeof value)
    value &= (UINT64_C (1) << (8 * size)) - 1;

  /* QEMU hands (V << 1) | 1 to exit(), which keeps the low 8 bits. Keeping
   * 31 bits gives the same exit status and a status that fits an int without
   * going negative. */
  status = ((value << 1) | 1) & INT32_MAX;

  pthread_mutex_lock (&dev->lock);
  first = !dev->fired;
  dev->fired = true;
  pthread_mutex_unlock (&dev->lock);

  if (first && dev->on_exit != NULL)
    dev->on_exit (dev->opaque, (int) status);
}

const IoBusOps debug_exit_ops = {
  .name  = "debug-exit",
  .read  = debug_exit_read,
  .write = debug_exit_write,
};

DebugExit *
debug_exit_new (void     (*on_exit) (void *opaque,
                                     int   status),
                void      *opaque)
{
  DebugExit *dev = calloc (1, sizeof *dev);

  if (dev == NULL)
    return NULL;
  if (pthread_mutex_init (&dev->lock, NULL) != 0)
    {
      free (dev);
      return NULL;
    }
  dev->on_exit = on_exit;
  dev->opaque = opaque;
  return dev;
}

void
debug_exit_free (DebugExit *dev)
{
  if (dev == NULL)
    return;
  pthread_mutex_destroy (&dev->lock);
  free (dev);
}
