/* gh-guest-private.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-guest.h"

G_BEGIN_DECLS

/* Only the store creates guests and changes what they show. */
GhGuest *_gh_guest_new              (const char    *name,
                                     const char    *runtime_dir);
void     _gh_guest_set_config       (GhGuest       *self,
                                     GhGuestConfig *config,
                                     const GError  *error);
void     _gh_guest_set_runtime      (GhGuest       *self,
                                     GhGuestState   state,
                                     guint          domain_id,
                                     GPid           pid);
void     _gh_guest_set_last_exit    (GhGuest       *self,
                                     const char    *last_exit);

G_END_DECLS
