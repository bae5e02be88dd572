/* gh-guest-page.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-display.h"
#include "gh-guest-details.h"
#include "gh-guest-session.h"
#include "gh-serial-console.h"

G_BEGIN_DECLS

#define GH_TYPE_GUEST_PAGE (gh_guest_page_get_type ())

G_DECLARE_FINAL_TYPE (GhGuestPage, gh_guest_page, GH, GUEST_PAGE, GtkWidget)

GtkWidget       *gh_guest_page_new             (GhGuestSession *session);
GhGuestSession  *gh_guest_page_get_session     (GhGuestPage    *self);
AdwViewStack    *gh_guest_page_get_stack       (GhGuestPage    *self);
GhDisplay       *gh_guest_page_get_display     (GhGuestPage    *self);
GhSerialConsole *gh_guest_page_get_console     (GhGuestPage    *self);
GhGuestDetails  *gh_guest_page_get_details     (GhGuestPage    *self);
void             gh_guest_page_show_pane       (GhGuestPage    *self,
                                                const char     *name);
gboolean         gh_guest_page_get_fullscreen  (GhGuestPage    *self);
void             gh_guest_page_set_fullscreen  (GhGuestPage    *self,
                                                gboolean        fullscreen);
void             gh_guest_page_set_narrow      (GhGuestPage    *self,
                                                gboolean        narrow);

G_END_DECLS
