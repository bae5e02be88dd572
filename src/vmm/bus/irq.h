/* irq.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>

/* An interrupt line handed to a device. The VMM wires it to the in-kernel
 * irqchip; tests wire it to a counter. Devices never know which. */
typedef struct
{
  void (*set_level) (void *opaque,
                     bool  level);
  void  *opaque;
} IrqLine;

static inline void
irq_line_set (const IrqLine *line,
              bool           level)
{
  if (line->set_level != NULL)
    line->set_level (line->opaque, level);
}
