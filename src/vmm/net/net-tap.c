/* net-tap.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net-tap.h"

/* Frames handed on per net_tap_read call. */
#define NET_TAP_READ_BUDGET  64

struct NetTap
{
  int      fd;
  /* Only the thread that reads uses it (one reader: the main loop). */
  uint8_t *buf;
};

NetTap *
net_tap_open (const char *ifname,
              char       *error,
              size_t      error_size)
{
  struct ifreq ifr = { 0 };
  NetTap *tap;
  int fd;

  if (ifname == NULL || ifname[0] == '\0' || strlen (ifname) >= IFNAMSIZ)
    {
      snprintf (error, error_size, "not a network interface name");
      return NULL;
    }
  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      snprintf (error, error_size, "cannot open /dev/net/tun: %s", strerror (errno));
      return NULL;
    }
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  memcpy (ifr.ifr_name, ifname, strlen (ifname));
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      snprintf (error, error_size, "cannot attach to the TAP interface %s: %s%s", ifname,
                strerror (errno),
                errno == EPERM ? " (create it for this user first: ip tuntap add mode tap user …)"
                               : "");
      close (fd);
      return NULL;
    }
  tap = calloc (1, sizeof *tap);
  if (tap != NULL)
    tap->buf = malloc (NET_TAP_MAX_FRAME);
  if (tap == NULL || tap->buf == NULL)
    {
      snprintf (error, error_size, "out of memory");
      free (tap);
      close (fd);
      return NULL;
    }
  tap->fd = fd;
  return tap;
}

void
net_tap_free (NetTap *tap)
{
  if (tap == NULL)
    return;
  close (tap->fd);
  free (tap->buf);
  free (tap);
}

int
net_tap_get_fd (NetTap *tap)
{
  return tap->fd;
}

void
net_tap_transmit (void          *opaque,
                  const uint8_t *frame,
                  size_t         len)
{
  NetTap *tap = opaque;
  ssize_t n;

  /* One write is one frame. EAGAIN (the queue is full) and EIO (the
   * interface is down) drop it, as the wire would. */
  do
    n = write (tap->fd, frame, len);
  while (n < 0 && errno == EINTR);
}

void
net_tap_read (NetTap  *tap,
              void   (*receive) (void          *opaque,
                                 const uint8_t *frame,
                                 size_t         len),
              void    *opaque)
{
  for (unsigned i = 0; i < NET_TAP_READ_BUDGET; i++)
    {
      ssize_t n = read (tap->fd, tap->buf, NET_TAP_MAX_FRAME);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      receive (opaque, tap->buf, (size_t) n);
    }
}
