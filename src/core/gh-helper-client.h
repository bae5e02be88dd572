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

/**
 * GhBlockDevice:
 * @device: the helper's name for the drive: cdrom0, cdrom1, … and disk0, disk1, …, each
 *   numbered in the order of the guest's disks of that kind
 * @media: disk or CD-ROM
 * @bus: virtio or IDE
 * @file: (nullable): the image, %NULL for a CD-ROM drive without a medium
 * @read_only: the guest may not write
 * @inserted: a CD-ROM drive holds a medium (always %TRUE for disks)
 * @tray_open: a CD-ROM drive's tray is open
 * @locked: the guest has locked a CD-ROM drive's tray (it prevents medium removal)
 *
 * One drive of a running guest, from the helper's query-block.
 */
typedef struct
{
  char        *device;
  GhDiskMedia  media;
  GhDiskBus    bus;
  char        *file;
  gboolean     read_only;
  gboolean     inserted;
  gboolean     tray_open;
  gboolean     locked;
} GhBlockDevice;

void            gh_block_device_free                  (GhBlockDevice        *device);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhBlockDevice, gh_block_device_free)

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

void            gh_helper_client_query_vcpus_async    (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean        gh_helper_client_query_vcpus_finish   (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       guint                *enabled,
                                                       guint                *possible,
                                                       GError              **error);
void            gh_helper_client_query_block_async    (GhHelperClient       *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
GPtrArray      *gh_helper_client_query_block_finish   (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
gboolean        gh_helper_client_powerdown_finish     (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       gboolean             *guest_listens,
                                                       GError              **error);

/* Commands without a reply value (powerdown may also be finished with
 * gh_helper_client_powerdown_finish() to learn whether the guest listens). A helper without
 * the command fails them with GH_CLIENT_ERROR_COMMAND_NOT_FOUND.
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
void            gh_helper_client_eject_async          (GhHelperClient       *self,
                                                       const char           *device,
                                                       gboolean              force,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
void            gh_helper_client_change_media_async   (GhHelperClient       *self,
                                                       const char           *device,
                                                       const char           *filename,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean        gh_helper_client_command_finish       (GhHelperClient       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
