/* gh-window.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-application.h"
#include "gh-guest-page.h"

G_BEGIN_DECLS

#define GH_TYPE_WINDOW (gh_window_get_type ())

G_DECLARE_FINAL_TYPE (GhWindow, gh_window, GH, WINDOW, AdwApplicationWindow)

GhWindow    *gh_window_new               (GhApplication *application);
void         gh_window_add_toast         (GhWindow      *self,
                                          const char    *message);
GtkWindow   *gh_window_new_guest         (GhWindow      *self,
                                          GFile         *iso);
GhGuestPage *gh_window_open_guest        (GhWindow      *self,
                                          const char    *name);
GhGuestPage *gh_window_get_current_page  (GhWindow      *self);

G_END_DECLS
