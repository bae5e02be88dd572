/* gh-guest-details.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-guest-session.h"

G_BEGIN_DECLS

#define GH_TYPE_GUEST_DETAILS (gh_guest_details_get_type ())

G_DECLARE_FINAL_TYPE (GhGuestDetails, gh_guest_details, GH, GUEST_DETAILS, AdwPreferencesPage)

GtkWidget      *gh_guest_details_new          (void);
GhGuestSession *gh_guest_details_get_session  (GhGuestDetails *self);
void            gh_guest_details_set_session  (GhGuestDetails *self,
                                               GhGuestSession *session);

G_END_DECLS
