/* vmm-error.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "vmm-error.h"

/* The first error wins: it is the cause, what follows is fallout. */
void
vmm_error_set (VmmError   *err,
               const char *format,
               ...)
{
  va_list args;

  if (err == NULL || err->message[0] != '\0')
    return;
  va_start (args, format);
  vsnprintf (err->message, sizeof err->message, format, args);
  va_end (args);
}
