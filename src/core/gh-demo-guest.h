/* gh-demo-guest.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#if !defined (GUESTHOUSE_CORE_INSIDE) && !defined (GUESTHOUSE_CORE_COMPILATION)
# error "Only <gh-core.h> can be included directly."
#endif

#include "gh-types.h"

G_BEGIN_DECLS

#define GH_DEMO_GUEST_NAME "demo"

char    *gh_demo_guest_find_image   (void);
GhGuest *gh_demo_guest_define_once  (GhGuestStore  *store,
                                     GError       **error);

G_END_DECLS
