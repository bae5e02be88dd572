/* gh-application.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-core.h"
#include "gh-guest-session.h"

G_BEGIN_DECLS

#define GH_TYPE_APPLICATION (gh_application_get_type ())

G_DECLARE_FINAL_TYPE (GhApplication, gh_application, GH, APPLICATION, AdwApplication)

GhApplication  *gh_application_new                  (GApplicationFlags  flags);
GhGuestStore   *gh_application_get_store            (GhApplication     *self);
GListModel     *gh_application_get_sessions         (GhApplication     *self);
GhGuestSession *gh_application_lookup_session       (GhApplication     *self,
                                                     const char        *name);
void            gh_application_queue_reload         (GhApplication     *self);
void            gh_application_inhibit_shortcuts    (GhApplication     *self);
void            gh_application_uninhibit_shortcuts  (GhApplication     *self);

G_END_DECLS
