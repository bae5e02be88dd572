/* gh-types.h
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

G_BEGIN_DECLS

typedef struct _GhDisk             GhDisk;
typedef struct _GhNic              GhNic;
typedef struct _GhGuest            GhGuest;
typedef struct _GhGuestConfig      GhGuestConfig;
typedef struct _GhGuestStore       GhGuestStore;
typedef struct _GhHelperClient     GhHelperClient;
typedef struct _GhHelperLauncher   GhHelperLauncher;

/* Limits that keep a configuration file, hand-written or hostile, within what the VMM can do. */
#define GH_GUEST_NAME_MAX_LEN    64
#define GH_GUEST_MEMORY_MIN_MIB  16
#define GH_GUEST_MEMORY_MAX_MIB  (1024 * 1024)
#define GH_GUEST_VCPUS_MAX       255
#define GH_GUEST_DISKS_MAX       16
#define GH_GUEST_NICS_MAX        8

typedef enum
{
  GH_GUEST_STATE_SHUT_OFF,
  GH_GUEST_STATE_RUNNING,
  GH_GUEST_STATE_PAUSED,
  GH_GUEST_STATE_CRASHED,
  GH_GUEST_STATE_INVALID,  /* the configuration file does not parse */
} GhGuestState;

typedef enum
{
  GH_DISK_MEDIA_DISK,
  GH_DISK_MEDIA_CDROM,
} GhDiskMedia;

typedef enum
{
  GH_DISK_BUS_VIRTIO,
  GH_DISK_BUS_IDE,
} GhDiskBus;

typedef enum
{
  GH_NIC_BACKEND_USER,
  GH_NIC_BACKEND_TAP,
} GhNicBackend;

const char *gh_guest_state_to_string (GhGuestState state);

G_END_DECLS
