/* vmm-error.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* One error message, filled by whoever failed first, printed once by main.c
 * as the single line a person sees. Lower layers (kvm/) return -errno; the
 * layer that knows what was being attempted writes the sentence. */
typedef struct
{
  char message[512];
} VmmError;

void vmm_error_set (VmmError   *err,
                    const char *format,
                    ...) __attribute__ ((format (printf, 2, 3)));
