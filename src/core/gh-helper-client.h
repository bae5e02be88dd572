/* gh-helper-client.h
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
#include <json-glib/json-glib.h>

#include "gh-types.h"

G_BEGIN_DECLS

#define GH_TYPE_HELPER_CLIENT (gh_helper_client_get_type ())

G_DECLARE_FINAL_TYPE (GhHelperClient, gh_helper_client, GH, HELPER_CLIENT, GObject)

GhHelperClient *gh_helper_client_new                  (const char           *socket_path);
const char     *gh_helper_client_get_socket_path      (GhHelperClient       *self);
gboolean        gh_helper_client_get_connected        (GhHelperClient       *self);
const char     *gh_helper_client_get_version          (GhHelperClient       *self);
void            gh_helper_client_close                (GhHelperClient       *self);

void            gh_helper_client_connect_async        (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean        gh_helper_client_connect_finish       (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

void            gh_helper_client_execute_async        (GhHelperClient       *self,
                                                       const char           *command,
                                                       JsonObject           *arguments,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
JsonNode       *gh_helper_client_execute_finish       (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
JsonNode       *gh_helper_client_execute_sync         (const char           *socket_path,
                                                       const char           *command,
                                                       JsonObject           *arguments,
                                                       guint                 timeout_ms,
                                                       GError              **error);

void            gh_helper_client_query_status_async   (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean        gh_helper_client_query_status_finish  (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       GhGuestState         *state,
                                                       GError              **error);
void            gh_helper_client_query_guest_async    (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
JsonObject     *gh_helper_client_query_guest_finish   (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
void            gh_helper_client_query_serial_async   (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
char           *gh_helper_client_query_serial_finish  (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

/* Commands without a reply value. The ones the VMM does not have yet (powerdown, reset,
 * set-memory, set-vcpus, screendump) fail with GH_CLIENT_ERROR_COMMAND_NOT_FOUND.
 */
void            gh_helper_client_pause_async          (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
void            gh_helper_client_resume_async         (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
void            gh_helper_client_quit_async           (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
void            gh_helper_client_powerdown_async      (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
void            gh_helper_client_reset_async          (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
void            gh_helper_client_set_memory_async     (GhHelperClient       *self,
                                                       guint                 memory_mib,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
void            gh_helper_client_set_vcpus_async      (GhHelperClient       *self,
                                                       guint                 vcpus,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
void            gh_helper_client_screendump_async     (GhHelperClient       *self,
                                                       const char           *filename,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean        gh_helper_client_command_finish       (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
