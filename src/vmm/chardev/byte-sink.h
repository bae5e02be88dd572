/* byte-sink.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* Where a character device's output goes (stdout, a pty, a test buffer). */
typedef struct
{
  void (*write) (void          *opaque,
                 const uint8_t *buf,
                 size_t         len);
  void  *opaque;
} ByteSink;

static inline void
byte_sink_write (const ByteSink *sink,
                 const uint8_t  *buf,
                 size_t          len)
{
  if (sink->write != NULL)
    sink->write (sink->opaque, buf, len);
}
