/* gh-display.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gh-vnc-source.h"

G_BEGIN_DECLS

#define GH_TYPE_DISPLAY (gh_display_get_type ())

G_DECLARE_FINAL_TYPE (GhDisplay, gh_display, GH, DISPLAY, GtkWidget)

GtkWidget   *gh_display_new                   (void);
GhVncSource *gh_display_get_source            (GhDisplay   *self);
void         gh_display_set_source            (GhDisplay   *self,
                                               GhVncSource *source);
const char  *gh_display_get_message           (GhDisplay   *self);
void         gh_display_set_message           (GhDisplay   *self,
                                               const char  *message);
const char  *gh_display_get_name              (GhDisplay   *self);
void         gh_display_set_name              (GhDisplay   *self,
                                               const char  *name);
gboolean     gh_display_get_scale_to_fit      (GhDisplay   *self);
void         gh_display_set_scale_to_fit      (GhDisplay   *self,
                                               gboolean     scale_to_fit);
gboolean     gh_display_get_show_toolbar      (GhDisplay   *self);
void         gh_display_set_show_toolbar      (GhDisplay   *self,
                                               gboolean     show_toolbar);
gboolean     gh_display_get_keyboard_grabbed  (GhDisplay   *self);
guint        gh_display_get_n_frames_drawn    (GhDisplay   *self);
char        *gh_display_take_screenshot       (GhDisplay   *self,
                                               GError     **error);

G_END_DECLS
