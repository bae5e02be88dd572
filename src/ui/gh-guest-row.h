/* gh-guest-row.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gh-guest-session.h"

G_BEGIN_DECLS

#define GH_TYPE_GUEST_ROW (gh_guest_row_get_type ())

G_DECLARE_FINAL_TYPE (GhGuestRow, gh_guest_row, GH, GUEST_ROW, GtkListBoxRow)

GtkWidget      *gh_guest_row_new          (GhGuestSession *session);
GhGuestSession *gh_guest_row_get_session  (GhGuestRow     *self);
const char     *gh_guest_state_describe   (GhGuestState    state);

G_END_DECLS
