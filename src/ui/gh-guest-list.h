/* gh-guest-list.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gh-guest-session.h"

G_BEGIN_DECLS

#define GH_TYPE_GUEST_LIST (gh_guest_list_get_type ())

G_DECLARE_FINAL_TYPE (GhGuestList, gh_guest_list, GH, GUEST_LIST, GtkWidget)

GtkWidget  *gh_guest_list_new             (void);
GListModel *gh_guest_list_get_model       (GhGuestList    *self);
void        gh_guest_list_set_model       (GhGuestList    *self,
                                           GListModel     *model);
GListModel *gh_guest_list_get_shown       (GhGuestList    *self);
gboolean    gh_guest_list_get_search_mode (GhGuestList    *self);
void        gh_guest_list_set_search_mode (GhGuestList    *self,
                                           gboolean        search_mode);
void        gh_guest_list_set_search_text (GhGuestList    *self,
                                           const char     *text);
void        gh_guest_list_select_session  (GhGuestList    *self,
                                           GhGuestSession *session);

G_END_DECLS
