/* gh-guest-store.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#if !defined (GUESTHOUSE_CORE_INSIDE) && !defined (GUESTHOUSE_CORE_COMPILATION)
# error "Only <gh-core.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gh-types.h"

G_BEGIN_DECLS

#define GH_TYPE_GUEST_STORE (gh_guest_store_get_type ())

G_DECLARE_FINAL_TYPE (GhGuestStore, gh_guest_store, GH, GUEST_STORE, GObject)

GhGuestStore     *gh_guest_store_new                  (void);
GhGuestStore     *gh_guest_store_new_for_dirs         (const char           *config_dir,
                                                       const char           *runtime_dir,
                                                       const char           *state_dir,
                                                       GhHelperLauncher     *launcher);
const char       *gh_guest_store_get_config_dir       (GhGuestStore         *self);
const char       *gh_guest_store_get_runtime_dir      (GhGuestStore         *self);
const char       *gh_guest_store_get_state_dir        (GhGuestStore         *self);
GhHelperLauncher *gh_guest_store_get_launcher         (GhGuestStore         *self);
char             *gh_guest_store_dup_config_path      (GhGuestStore         *self,
                                                       const char           *name);
char             *gh_guest_store_dup_log_path         (GhGuestStore         *self,
                                                       const char           *name);
gboolean          gh_guest_store_reload               (GhGuestStore         *self,
                                                       GError              **error);
GhGuest          *gh_guest_store_lookup               (GhGuestStore         *self,
                                                       const char           *name);
GhGuest          *gh_guest_store_lookup_by_domain_id  (GhGuestStore         *self,
                                                       guint                 domain_id);
GhGuest          *gh_guest_store_lookup_by_uuid       (GhGuestStore         *self,
                                                       const char           *uuid);
GhGuest          *gh_guest_store_define               (GhGuestStore         *self,
                                                       GhGuestConfig        *config,
                                                       GError              **error);
GhGuest          *gh_guest_store_update               (GhGuestStore         *self,
                                                       GhGuestConfig        *config,
                                                       GError              **error);
gboolean          gh_guest_store_undefine             (GhGuestStore         *self,
                                                       const char           *name,
                                                       gboolean              remove_disks,
                                                       GError              **error);
gboolean          gh_guest_store_start                (GhGuestStore         *self,
                                                       const char           *name,
                                                       GCancellable         *cancellable,
                                                       GError              **error);
void              gh_guest_store_start_async          (GhGuestStore         *self,
                                                       const char           *name,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean          gh_guest_store_start_finish         (GhGuestStore         *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
gboolean          gh_guest_store_destroy              (GhGuestStore         *self,
                                                       const char           *name,
                                                       GCancellable         *cancellable,
                                                       GError              **error);
void              gh_guest_store_destroy_async        (GhGuestStore         *self,
                                                       const char           *name,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean          gh_guest_store_destroy_finish       (GhGuestStore         *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
