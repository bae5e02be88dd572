/* debug-console.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "debug-console.h"

#define DEBUG_CONSOLE_BUFFER 256

struct DebugConsole
{
  pthread_mutex_t lock;
  int             fd;
  char            pending[DEBUG_CONSOLE_BUFFER];
  size_t          n_pending;
};

/* A log must never stop the guest: a full disk or a closed pipe loses the
 * rest of the line, nothing else. */
static void
debug_console_flush_locked (DebugConsole *con)
{
  size_t done = 0;

  while (done < con->n_pending)
    {
      ssize_t n = write (con->fd, con->pending + done, con->n_pending - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (size_t) n;
    }
  con->n_pending = 0;
}

static uint64_t
debug_console_read (void     *opaque,
                    uint64_t  offset,
                    unsigned  size)
{
  return DEBUG_CONSOLE_READBACK;
}

static void
debug_console_write (void     *opaque,
                     uint64_t  offset,
                     uint64_t  value,
                     unsigned  size)
{
  DebugConsole *con = opaque;
  char c = (char) (value & 0xff);

  if (offset != 0 || size != 1)
    return;
  pthread_mutex_lock (&con->lock);
  con->pending[con->n_pending++] = c;
  if (c == '\n' || con->n_pending == DEBUG_CONSOLE_BUFFER)
    debug_console_flush_locked (con);
  pthread_mutex_unlock (&con->lock);
}

const IoBusOps debug_console_ops = {
  .name  = "debug-console",
  .read  = debug_console_read,
  .write = debug_console_write,
};

DebugConsole *
debug_console_new (int fd)
{
  DebugConsole *con = calloc (1, sizeof *con);

  if (con == NULL)
    return NULL;
  if (pthread_mutex_init (&con->lock, NULL) != 0)
    {
      free (con);
      return NULL;
    }
  con->fd = fd;
  return con;
}

void
debug_console_free (DebugConsole *con)
{
  if (con == NULL)
    return;
  debug_console_flush_locked (con);
  close (con->fd);
  pthread_mutex_destroy (&con->lock);
  free (con);
}
