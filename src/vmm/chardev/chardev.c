/* chardev.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "chardev.h"

int
chardev_open_stdio (Chardev *dev)
{
  memset (dev, 0, sizeof *dev);
  dev->in_fd = STDIN_FILENO;
  dev->out_fd = STDOUT_FILENO;
  dev->pty_peer_fd = -1;
  return 0;
}

int
chardev_open_pty (Chardev    *dev,
                  const char *link_path,
                  VmmError   *err)
{
  struct termios tio;
  const char *name;
  int master;

  memset (dev, 0, sizeof *dev);
  dev->in_fd = dev->out_fd = dev->pty_peer_fd = -1;

  master = posix_openpt (O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0
      || (name = ptsname (master)) == NULL)
    {
      vmm_error_set (err, "cannot create a pseudo-terminal for the serial port: %s",
                     strerror (errno));
      if (master >= 0)
        close (master);
      return -1;
    }
  dev->in_fd = dev->out_fd = master;
  dev->pty_path = strdup (name);

  /* Holding the terminal side open keeps the master from seeing a hang-up
   * (and epoll from spinning on it) while no console is attached; the guest's
   * output then waits in the pty's buffer for the next console, and what no
   * longer fits is dropped rather than stalling the vCPU. */
  dev->pty_peer_fd = open (dev->pty_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (dev->pty_peer_fd >= 0 && tcgetattr (dev->pty_peer_fd, &tio) == 0)
    {
      cfmakeraw (&tio);
      tcsetattr (dev->pty_peer_fd, TCSANOW, &tio);
    }
  dev->drop_when_full = true;

  if (link_path != NULL)
    {
      unlink (link_path);
      if (symlink (dev->pty_path, link_path) < 0)
        {
          vmm_error_set (err, "cannot create the serial link %s: %s", link_path,
                         strerror (errno));
          chardev_close (dev);
          return -1;
        }
      dev->link_path = strdup (link_path);
    }
  return 0;
}

void
chardev_close (Chardev *dev)
{
  if (dev->link_path != NULL)
    unlink (dev->link_path);
  if (dev->pty_path != NULL)
    {
      close (dev->in_fd);
      if (dev->pty_peer_fd >= 0)
        close (dev->pty_peer_fd);
    }
  free (dev->pty_path);
  free (dev->link_path);
  memset (dev, 0, sizeof *dev);
  dev->in_fd = dev->out_fd = dev->pty_peer_fd = -1;
}

void
chardev_write (void          *chardev,
               const uint8_t *buf,
               size_t         len)
{
  Chardev *dev = chardev;

  while (len > 0)
    {
      ssize_t n = write (dev->out_fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;   /* full pty with no reader, or a closed stdout: the byte is lost, not the VM */
      buf += n;
      len -= n;
    }
}
