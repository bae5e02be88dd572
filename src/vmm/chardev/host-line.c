/* host-line.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "host-line.h"

static void
host_line_on_input (void     *opaque,
                    uint32_t  events)
{
  HostLine *line = opaque;
  uint8_t buf[256];
  size_t space;
  ssize_t n;

  if (line->ops == NULL)
    return;
  space = line->ops->rx_space (line->device);
  if (space == 0)
    {
      /* Wait for the guest to read; host_line_rx_ready re-arms us. The
       * second look closes the race with a read in between. */
      event_loop_modify (line->loop, line->watch, 0);
      if (line->ops->rx_space (line->device) > 0)
        event_loop_modify (line->loop, line->watch, EPOLLIN);
      return;
    }
  n = read (line->chardev.in_fd, buf, space < sizeof buf ? space : sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      /* End of input (stdin closed): the guest keeps running without it. */
      pthread_mutex_lock (&line->lock);
      event_loop_remove (line->loop, line->watch);
      line->watch = NULL;
      pthread_mutex_unlock (&line->lock);
      return;
    }
  line->ops->receive (line->device, buf, n);
}

static int
host_line_watch (HostLine  *line,
                 EventLoop *loop)
{
  line->loop = loop;
  line->open = true;
  pthread_mutex_init (&line->lock, NULL);
  /* Input that cannot be polled (a regular file, /dev/null) is simply not read. */
  line->watch = event_loop_add (loop, line->chardev.in_fd, EPOLLIN, host_line_on_input, line);
  return 0;
}

int
host_line_open_stdio (HostLine  *line,
                      EventLoop *loop)
{
  memset (line, 0, sizeof *line);
  chardev_open_stdio (&line->chardev);
  return host_line_watch (line, loop);
}

int
host_line_open_pty (HostLine   *line,
                    EventLoop  *loop,
                    const char *link_path,
                    VmmError   *err)
{
  memset (line, 0, sizeof *line);
  if (chardev_open_pty (&line->chardev, link_path, err) < 0)
    return -1;
  return host_line_watch (line, loop);
}

void
host_line_attach (HostLine                *line,
                  const HostLineDeviceOps *ops,
                  void                    *device)
{
  line->ops = ops;
  line->device = device;
}

void
host_line_rx_ready (void *opaque)
{
  HostLine *line = opaque;

  pthread_mutex_lock (&line->lock);
  if (line->watch != NULL)
    event_loop_modify (line->loop, line->watch, EPOLLIN);
  pthread_mutex_unlock (&line->lock);
}

/* Output goes straight to the chardev; a closed line drops it. */
ByteSink
host_line_sink (HostLine *line)
{
  if (!line->open)
    return (ByteSink) { NULL, NULL };
  return (ByteSink) { chardev_write, &line->chardev };
}

void
host_line_close (HostLine *line)
{
  if (!line->open)
    return;
  if (line->watch != NULL)
    event_loop_remove (line->loop, line->watch);
  chardev_close (&line->chardev);
  pthread_mutex_destroy (&line->lock);
  line->open = false;
}
