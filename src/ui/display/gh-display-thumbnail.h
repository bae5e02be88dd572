/* gh-display-thumbnail.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gh-vnc-source.h"

G_BEGIN_DECLS

#define GH_TYPE_DISPLAY_THUMBNAIL (gh_display_thumbnail_get_type ())

G_DECLARE_FINAL_TYPE (GhDisplayThumbnail, gh_display_thumbnail, GH, DISPLAY_THUMBNAIL, GObject)

GhDisplayThumbnail *gh_display_thumbnail_new            (void);
void                gh_display_thumbnail_set_source     (GhDisplayThumbnail *self,
                                                         GhVncSource        *source);
gboolean            gh_display_thumbnail_get_has_frame  (GhDisplayThumbnail *self);

G_END_DECLS
