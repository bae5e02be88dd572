/* gh-error.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#if !defined (GUESTHOUSE_CORE_INSIDE) && !defined (GUESTHOUSE_CORE_COMPILATION)
# error "Only <gh-core.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* One error domain per module of the core. */

#define GH_CONFIG_ERROR (gh_config_error_quark ())
typedef enum
{
  GH_CONFIG_ERROR_PARSE,          /* not a key file, or a line that is not one */
  GH_CONFIG_ERROR_INVALID_VALUE,  /* a key with a value out of range or of the wrong kind */
  GH_CONFIG_ERROR_MISSING_KEY,
  GH_CONFIG_ERROR_UNKNOWN_KEY,
  GH_CONFIG_ERROR_INCONSISTENT,   /* each value fine, together not (memory above maximum …) */
  GH_CONFIG_ERROR_IO,
} GhConfigError;

#define GH_ID_ERROR (gh_id_error_quark ())
typedef enum
{
  GH_ID_ERROR_INVALID_NAME,
  GH_ID_ERROR_INVALID_UUID,
  GH_ID_ERROR_INVALID_MAC,
  GH_ID_ERROR_MAC_NOT_UNICAST,
  GH_ID_ERROR_MAC_IN_USE,
  GH_ID_ERROR_EXHAUSTED,
} GhIdError;

#define GH_STORE_ERROR (gh_store_error_quark ())
typedef enum
{
  GH_STORE_ERROR_NOT_FOUND,
  GH_STORE_ERROR_EXISTS,
  GH_STORE_ERROR_BROKEN,       /* the guest's configuration file does not parse */
  GH_STORE_ERROR_RUNNING,      /* the operation needs a shut-off guest */
  GH_STORE_ERROR_NOT_RUNNING,
  GH_STORE_ERROR_LOCK,
  GH_STORE_ERROR_IO,
} GhStoreError;

#define GH_DISK_ERROR (gh_disk_error_quark ())
typedef enum
{
  GH_DISK_ERROR_EXISTS,
  GH_DISK_ERROR_INVALID_SIZE,
  GH_DISK_ERROR_IO,
} GhDiskError;

#define GH_LAUNCHER_ERROR (gh_launcher_error_quark ())
typedef enum
{
  GH_LAUNCHER_ERROR_NO_VMM,
  GH_LAUNCHER_ERROR_SPAWN,
  GH_LAUNCHER_ERROR_HELPER_FAILED,  /* the helper exited while starting */
  GH_LAUNCHER_ERROR_TIMEOUT,
  GH_LAUNCHER_ERROR_PATH_TOO_LONG,
} GhLauncherError;

#define GH_CLIENT_ERROR (gh_client_error_quark ())
typedef enum
{
  GH_CLIENT_ERROR_PROTOCOL,           /* the helper sent something we cannot read */
  GH_CLIENT_ERROR_CLOSED,
  GH_CLIENT_ERROR_GENERIC,            /* the helper's GenericError */
  GH_CLIENT_ERROR_COMMAND_NOT_FOUND,  /* this helper does not have the command yet */
  GH_CLIENT_ERROR_INVALID_ARGUMENT,
  GH_CLIENT_ERROR_DEVICE_NOT_FOUND,
} GhClientError;

GQuark gh_config_error_quark   (void);
GQuark gh_id_error_quark       (void);
GQuark gh_store_error_quark    (void);
GQuark gh_disk_error_quark     (void);
GQuark gh_launcher_error_quark (void);
GQuark gh_client_error_quark   (void);

G_END_DECLS
