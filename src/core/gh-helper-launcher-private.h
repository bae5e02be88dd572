/* gh-helper-launcher-private.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-helper-launcher.h"

G_BEGIN_DECLS

/* What the monitor process needs to know to clean up after the helper, all decided by the
 * store before the fork.
 */
typedef struct
{
  const char *runtime_dir;   /* the guest's folder, removed when the helper ends */
  const char *lock_path;     /* the store lock, taken while cleaning up */
  const char *log_path;      /* the helper's stdout and stderr */
  const char *exit_path;     /* where the monitor writes how the helper ended */
} GhLaunchPaths;

GPid _gh_helper_launcher_spawn (GhHelperLauncher     *self,
                                const char * const   *argv,
                                const GhLaunchPaths  *paths,
                                GError              **error);

G_END_DECLS
