/* gh-store-lock-private.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

int  _gh_store_lock_acquire (const char  *path,
                             guint        timeout_ms,
                             GError     **error);
void _gh_store_lock_release (int          fd);

G_END_DECLS
