/* gh-guest-session.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gh-core.h"
#include "gh-vnc-source.h"

G_BEGIN_DECLS

/* Samples kept for the usage graphs: one a second, for a minute. */
#define GH_GUEST_SESSION_N_SAMPLES 60

#define GH_TYPE_GUEST_SESSION (gh_guest_session_get_type ())

G_DECLARE_FINAL_TYPE (GhGuestSession, gh_guest_session, GH, GUEST_SESSION, GObject)

GhGuestSession *gh_guest_session_new                    (GhGuestStore        *store,
                                                         GhGuest             *guest);
void            gh_guest_session_shutdown               (GhGuestSession      *self);
GhGuest        *gh_guest_session_get_guest              (GhGuestSession      *self);
GhGuestStore   *gh_guest_session_get_store              (GhGuestSession      *self);
GhHelperClient *gh_guest_session_get_client             (GhGuestSession      *self);
GhVncSource    *gh_guest_session_get_display            (GhGuestSession      *self);
const char     *gh_guest_session_get_display_message    (GhGuestSession      *self);
GdkPaintable   *gh_guest_session_get_thumbnail          (GhGuestSession      *self);
const char     *gh_guest_session_get_serial_path        (GhGuestSession      *self);
gboolean        gh_guest_session_get_busy               (GhGuestSession      *self);
void            gh_guest_session_set_busy               (GhGuestSession      *self,
                                                         gboolean             busy);
guint           gh_guest_session_get_memory_target_mib  (GhGuestSession      *self);
guint           gh_guest_session_get_memory_actual_mib  (GhGuestSession      *self);
void            gh_guest_session_set_memory_async       (GhGuestSession      *self,
                                                         guint                memory_mib,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean        gh_guest_session_set_memory_finish      (GhGuestSession      *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
guint           gh_guest_session_get_vcpus_enabled      (GhGuestSession      *self);
void            gh_guest_session_set_vcpus_async        (GhGuestSession      *self,
                                                         guint                vcpus,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
GPtrArray      *gh_guest_session_get_block_devices      (GhGuestSession      *self);
void            gh_guest_session_change_media_async     (GhGuestSession      *self,
                                                         const char          *device,
                                                         const char          *filename,
                                                         gboolean             force,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean        gh_guest_session_command_finish         (GhGuestSession      *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
const double   *gh_guest_session_get_cpu_samples        (GhGuestSession      *self,
                                                         guint               *n_samples);
const double   *gh_guest_session_get_memory_samples     (GhGuestSession      *self,
                                                         guint               *n_samples);
const char     *gh_guest_session_describe_error         (const GError        *error,
                                                         const char          *not_available);

G_END_DECLS
