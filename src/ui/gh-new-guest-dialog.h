/* gh-new-guest-dialog.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-core.h"

G_BEGIN_DECLS

#define GH_TYPE_NEW_GUEST_DIALOG (gh_new_guest_dialog_get_type ())

G_DECLARE_FINAL_TYPE (GhNewGuestDialog, gh_new_guest_dialog, GH, NEW_GUEST_DIALOG, AdwWindow)

GtkWidget  *gh_new_guest_dialog_new       (GhGuestStore     *store,
                                           GSettings        *settings);
void        gh_new_guest_dialog_set_iso   (GhNewGuestDialog *self,
                                           GFile            *iso);
const char *gh_new_guest_dialog_get_step  (GhNewGuestDialog *self);

G_END_DECLS
