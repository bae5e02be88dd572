/* gh-test-utils.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-core.h"

G_BEGIN_DECLS

/* Every test works in its own short folder under /tmp (sockets need short paths), never in
 * the real home.
 */
char          *gh_test_make_root    (void);
void           gh_test_remove_root  (const char  *root);
GhGuestStore  *gh_test_store_new    (const char  *root,
                                     const char  *vmm_path);
GhGuestConfig *gh_test_config_new   (const char  *name);
char         **gh_test_environ      (const char  *root,
                                     const char  *vmm_path);
int            gh_test_run          (const char  *root,
                                     const char  *vmm_path,
                                     char       **out,
                                     char       **err,
                                     const char  *first_arg,
                                     ...) G_GNUC_NULL_TERMINATED;
void           gh_test_kill_helpers (const char  *root);

G_END_DECLS
