/* gh-store-lock.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "gh-types.h"
#include "gh-error.h"
#include "gh-store-lock-private.h"

/* Every change to the set of guests (define, undefine, start, cleaning up after a helper) is a
 * read-check-write: "is this name free, is this MAC free, which domain id is free". Two
 * guesthouse-ctl processes, or the CLI and the app, must not interleave those, so they take an
 * exclusive flock() on one lock file. flock() belongs to the open file description, so the lock
 * goes away by itself when a holder dies, however it dies: a crashed CLI never wedges the store.
 *
 * The lock is never held across anything slow that another program waits on (only file work
 * and a fork), so waiting a few seconds for it is plenty; past that something is wrong and
 * the caller gets an error rather than a hang.
 */

int
_gh_store_lock_acquire (const char  *path,
                        guint        timeout_ms,
                        GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  gint64 deadline;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_IO,
                   _("Cannot create the folder %s: %s"), dir, g_strerror (errsv));
      return -1;
    }

  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_LOCK,
                   _("Cannot open the lock file %s: %s"), path, g_strerror (errsv));
      return -1;
    }

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  for (;;)
    {
      if (flock (fd, LOCK_EX | LOCK_NB) == 0)
        return fd;

      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          int errsv = errno;

          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_LOCK,
                       _("Cannot lock %s: %s"), path, g_strerror (errsv));
          close (fd);
          return -1;
        }

      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_LOCK,
                       _("Another program has held the lock %s for too long"), path);
          close (fd);
          return -1;
        }

      g_usleep (5 * 1000);
    }
}

void
_gh_store_lock_release (int fd)
{
  if (fd >= 0)
    close (fd);
}
