/* gh-vnc-source.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <cairo.h>
#include <glib-object.h>

G_BEGIN_DECLS

/* RFB pointer button bits */
#define GH_VNC_BUTTON_LEFT        (1 << 0)
#define GH_VNC_BUTTON_MIDDLE      (1 << 1)
#define GH_VNC_BUTTON_RIGHT       (1 << 2)
#define GH_VNC_BUTTON_WHEEL_UP    (1 << 3)
#define GH_VNC_BUTTON_WHEEL_DOWN  (1 << 4)
#define GH_VNC_BUTTON_WHEEL_LEFT  (1 << 5)
#define GH_VNC_BUTTON_WHEEL_RIGHT (1 << 6)

#define GH_VNC_ERROR (gh_vnc_error_quark ())

typedef enum
{
  GH_VNC_ERROR_CONNECT,
  GH_VNC_ERROR_NO_FRAME,
  GH_VNC_ERROR_WRITE,
} GhVncError;

#define GH_TYPE_VNC_SOURCE (gh_vnc_source_get_type ())

G_DECLARE_FINAL_TYPE (GhVncSource, gh_vnc_source, GH, VNC_SOURCE, GObject)

GQuark           gh_vnc_error_quark             (void);
GhVncSource     *gh_vnc_source_new              (const char   *socket_path);
const char      *gh_vnc_source_get_socket_path  (GhVncSource  *self);
gboolean         gh_vnc_source_open             (GhVncSource  *self,
                                                 GError      **error);
void             gh_vnc_source_close            (GhVncSource  *self);
gboolean         gh_vnc_source_get_connected    (GhVncSource  *self);
int              gh_vnc_source_get_width        (GhVncSource  *self);
int              gh_vnc_source_get_height       (GhVncSource  *self);
guint            gh_vnc_source_get_n_updates    (GhVncSource  *self);
gboolean         gh_vnc_source_get_raw_keys     (GhVncSource  *self);
cairo_surface_t *gh_vnc_source_create_surface   (GhVncSource  *self);
gboolean         gh_vnc_source_save_png         (GhVncSource  *self,
                                                 const char   *path,
                                                 GError      **error);
void             gh_vnc_source_send_key         (GhVncSource  *self,
                                                 guint         keysym,
                                                 guint         qnum,
                                                 gboolean      down);
void             gh_vnc_source_send_pointer     (GhVncSource  *self,
                                                 int           x,
                                                 int           y,
                                                 guint         buttons);

G_END_DECLS
