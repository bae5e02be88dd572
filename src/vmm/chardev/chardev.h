/* chardev.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chardev/byte-sink.h"
#include "vmm-error.h"

/* The host end of a guest's serial line: the VMM's own stdio, or a new
 * pseudo-terminal that a console (VTE, guesthouse-ctl console, screen)
 * attaches to whenever it likes. */
typedef struct
{
  int   in_fd;
  int   out_fd;
  int   pty_peer_fd;   /* the pty's terminal side, held open: see chardev_open_pty */
  bool  drop_when_full;
  char *pty_path;
  char *link_path;
} Chardev;

int  chardev_open_stdio (Chardev       *dev);
int  chardev_open_pty   (Chardev       *dev,
                         const char    *link_path,
                         VmmError      *err);
void chardev_close      (Chardev       *dev);
void chardev_write      (void          *chardev,
                         const uint8_t *buf,
                         size_t         len);
