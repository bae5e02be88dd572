/* event-loop.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "event-loop.h"

struct EventLoopWatch
{
  int           fd;
  EventLoopFunc func;
  void           *opaque;
  bool            removed;
  EventLoopWatch *next_removed;
};

int
event_loop_init (EventLoop *loop)
{
  loop->quit = false;
  loop->removed = NULL;
  loop->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  return loop->epoll_fd < 0 ? -errno : 0;
}

void
event_loop_destroy (EventLoop *loop)
{
  while (loop->removed != NULL)
    {
      EventLoopWatch *watch = loop->removed;
      loop->removed = watch->next_removed;
      free (watch);
    }
  if (loop->epoll_fd >= 0)
    close (loop->epoll_fd);
  loop->epoll_fd = -1;
}

EventLoopWatch *
event_loop_add (EventLoop     *loop,
                int            fd,
                uint32_t       events,
                EventLoopFunc  func,
                void          *opaque)
{
  EventLoopWatch *watch = calloc (1, sizeof *watch);
  struct epoll_event ev = { .events = events };

  if (watch == NULL)
    return NULL;
  *watch = (EventLoopWatch) { fd, func, opaque, false, NULL };
  ev.data.ptr = watch;
  if (epoll_ctl (loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
    {
      free (watch);
      return NULL;
    }
  return watch;
}

int
event_loop_modify (EventLoop      *loop,
                   EventLoopWatch *watch,
                   uint32_t        events)
{
  struct epoll_event ev = { .events = events, .data.ptr = watch };

  return epoll_ctl (loop->epoll_fd, EPOLL_CTL_MOD, watch->fd, &ev) < 0 ? -errno : 0;
}

/* Only from the loop's own thread. The watch is freed after the current
 * batch of events, because a later event in the same batch may point at it. */
void
event_loop_remove (EventLoop      *loop,
                   EventLoopWatch *watch)
{
  epoll_ctl (loop->epoll_fd, EPOLL_CTL_DEL, watch->fd, NULL);
  watch->removed = true;
  watch->next_removed = loop->removed;
  loop->removed = watch;
}

void
event_loop_run (EventLoop *loop)
{
  struct epoll_event events[32];

  while (!loop->quit)
    {
      int n = epoll_wait (loop->epoll_fd, events, 32, -1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      for (int i = 0; i < n; i++)
        {
          EventLoopWatch *watch = events[i].data.ptr;
          if (!watch->removed)
            watch->func (watch->opaque, events[i].events);
        }
      while (loop->removed != NULL)
        {
          EventLoopWatch *watch = loop->removed;
          loop->removed = watch->next_removed;
          free (watch);
        }
    }
}
