/* gh-delete-dialog.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-core.h"

G_BEGIN_DECLS

#define GH_TYPE_DELETE_DIALOG (gh_delete_dialog_get_type ())

G_DECLARE_FINAL_TYPE (GhDeleteDialog, gh_delete_dialog, GH, DELETE_DIALOG, AdwMessageDialog)

GtkWidget *gh_delete_dialog_new               (GhGuest        *guest);
GhGuest   *gh_delete_dialog_get_guest         (GhDeleteDialog *self);
gboolean   gh_delete_dialog_get_remove_disks  (GhDeleteDialog *self);

G_END_DECLS
