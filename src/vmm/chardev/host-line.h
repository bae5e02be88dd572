/* host-line.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "chardev/chardev.h"
#include "event-loop.h"

/* A guest console's line to the host: the chardev (stdio or a pty), the
 * watch that reads host input, and the device that input goes to (a UART,
 * a virtio console). Input is read only while the device has room for it;
 * the device says when room appears again (host_line_rx_ready), from
 * whatever thread drained it. */

typedef struct
{
  size_t (*rx_space) (void          *device);
  size_t (*receive)  (void          *device,
                      const uint8_t *buf,
                      size_t         len);
} HostLineDeviceOps;

typedef struct
{
  Chardev                  chardev;
  bool                     open;
  EventLoop               *loop;
  pthread_mutex_t          lock;      /* watch against rx_ready from vCPU threads */
  EventLoopWatch          *watch;
  const HostLineDeviceOps *ops;
  void                    *device;
} HostLine;

int      host_line_open_stdio (HostLine                *line,
                               EventLoop               *loop);
int      host_line_open_pty   (HostLine                *line,
                               EventLoop               *loop,
                               const char              *link_path,
                               VmmError                *err);
void     host_line_attach     (HostLine                *line,
                               const HostLineDeviceOps *ops,
                               void                    *device);
void     host_line_rx_ready   (void                    *line);
ByteSink host_line_sink       (HostLine                *line);
void     host_line_close      (HostLine                *line);
