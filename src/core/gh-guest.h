/* gh-guest.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#if !defined (GUESTHOUSE_CORE_INSIDE) && !defined (GUESTHOUSE_CORE_COMPILATION)
# error "Only <gh-core.h> can be included directly."
#endif

#include <glib-object.h>

#include "gh-types.h"

G_BEGIN_DECLS

/* Files in a running guest's runtime folder, $XDG_RUNTIME_DIR/guesthouse/<name>/. */
#define GH_RUNTIME_CONTROL  "control"
#define GH_RUNTIME_DISPLAY  "vnc"
#define GH_RUNTIME_SERIAL   "serial"
#define GH_RUNTIME_PID      "pid"
#define GH_RUNTIME_DOMID    "domid"

#define GH_TYPE_GUEST (gh_guest_get_type ())

G_DECLARE_FINAL_TYPE (GhGuest, gh_guest, GH, GUEST, GObject)

const char    *gh_guest_get_name          (GhGuest *self);
GhGuestConfig *gh_guest_get_config        (GhGuest *self);
const GError  *gh_guest_get_config_error  (GhGuest *self);
GhGuestState   gh_guest_get_state         (GhGuest *self);
gboolean       gh_guest_is_active         (GhGuest *self);
guint          gh_guest_get_domain_id     (GhGuest *self);
GPid           gh_guest_get_pid           (GhGuest *self);
const char    *gh_guest_get_runtime_dir   (GhGuest *self);
char          *gh_guest_dup_runtime_path  (GhGuest    *self,
                                           const char *file);
const char    *gh_guest_get_last_exit     (GhGuest *self);

G_END_DECLS
