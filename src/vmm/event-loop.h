/* event-loop.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

/* The VMM's main thread waits here: control clients, serial input, signals
 * and wake-ups from vCPU threads. epoll_ctl is thread-safe, so other threads
 * may re-arm a watch (event_loop_modify) without waking the loop first. */

typedef void (*EventLoopFunc) (void     *opaque,
                               uint32_t  events);

typedef struct EventLoopWatch EventLoopWatch;

typedef struct
{
  int             epoll_fd;
  bool            quit;
  EventLoopWatch *removed;   /* freed once the current batch of events is done */
} EventLoop;

int             event_loop_init    (EventLoop       *loop);
void            event_loop_destroy (EventLoop       *loop);
EventLoopWatch *event_loop_add     (EventLoop       *loop,
                                    int              fd,
                                    uint32_t         events,
                                    EventLoopFunc    func,
                                    void            *opaque);
int             event_loop_modify  (EventLoop       *loop,
                                    EventLoopWatch  *watch,
                                    uint32_t         events);
void            event_loop_remove  (EventLoop       *loop,
                                    EventLoopWatch  *watch);
void            event_loop_run     (EventLoop       *loop);
