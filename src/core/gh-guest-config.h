/* gh-guest-config.h
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

#define GH_TYPE_DISK (gh_disk_get_type ())
#define GH_TYPE_NIC  (gh_nic_get_type ())

/**
 * GhDisk:
 * @path: (nullable): absolute path of the image or block device; %NULL for a CD-ROM drive
 *   with no medium in it (a disk always has one)
 * @media: disk or CD-ROM
 * @bus: virtio (paravirtual) or IDE (emulated)
 * @readonly: the guest may not write (always so for CD-ROMs)
 */
struct _GhDisk
{
  char        *path;
  GhDiskMedia  media;
  GhDiskBus    bus;
  gboolean     readonly;
};

/**
 * GhNic:
 * @mac: canonical address, or %NULL until the store draws one from the pool
 * @model: the device model ("virtio")
 * @backend: user-mode networking or a TAP interface
 * @tap: the TAP interface name when @backend is %GH_NIC_BACKEND_TAP
 */
struct _GhNic
{
  char         *mac;
  char         *model;
  GhNicBackend  backend;
  char         *tap;
};

GType     gh_disk_get_type    (void) G_GNUC_CONST;
GhDisk   *gh_disk_new         (const char   *path);
GhDisk   *gh_disk_copy        (const GhDisk *disk);
void      gh_disk_free        (GhDisk       *disk);
GhDisk   *gh_disk_parse_spec  (const char   *spec,
                               guint64      *size_out,
                               GError      **error);

GType     gh_nic_get_type     (void) G_GNUC_CONST;
GhNic    *gh_nic_new          (void);
GhNic    *gh_nic_copy         (const GhNic  *nic);
void      gh_nic_free         (GhNic        *nic);
GhNic    *gh_nic_parse_spec   (const char   *spec,
                               GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhDisk, gh_disk_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhNic, gh_nic_free)

#define GH_TYPE_GUEST_CONFIG (gh_guest_config_get_type ())

G_DECLARE_FINAL_TYPE (GhGuestConfig, gh_guest_config, GH, GUEST_CONFIG, GObject)

GhGuestConfig *gh_guest_config_new                (const char     *name);
GhGuestConfig *gh_guest_config_new_from_file      (const char     *path,
                                                   GError        **error);
GhGuestConfig *gh_guest_config_new_from_data      (const char     *name,
                                                   const char     *data,
                                                   gsize           length,
                                                   const char     *origin,
                                                   GError        **error);
char          *gh_guest_config_to_data            (GhGuestConfig  *self,
                                                   gsize          *length);
gboolean       gh_guest_config_save               (GhGuestConfig  *self,
                                                   const char     *path,
                                                   GError        **error);
gboolean       gh_guest_config_validate           (GhGuestConfig  *self,
                                                   GError        **error);
GhGuestConfig *gh_guest_config_copy               (GhGuestConfig  *self,
                                                   const char     *new_name);
const char    *gh_guest_config_get_name           (GhGuestConfig  *self);
const char    *gh_guest_config_get_uuid           (GhGuestConfig  *self);
void           gh_guest_config_set_uuid           (GhGuestConfig  *self,
                                                   const char     *uuid);
guint          gh_guest_config_get_memory_mib     (GhGuestConfig  *self);
void           gh_guest_config_set_memory_mib     (GhGuestConfig  *self,
                                                   guint           memory_mib);
guint          gh_guest_config_get_max_memory_mib (GhGuestConfig  *self);
void           gh_guest_config_set_max_memory_mib (GhGuestConfig  *self,
                                                   guint           max_memory_mib);
guint          gh_guest_config_get_vcpus          (GhGuestConfig  *self);
void           gh_guest_config_set_vcpus          (GhGuestConfig  *self,
                                                   guint           vcpus);
guint          gh_guest_config_get_max_vcpus      (GhGuestConfig  *self);
void           gh_guest_config_set_max_vcpus      (GhGuestConfig  *self,
                                                   guint           max_vcpus);
const char    *gh_guest_config_get_kernel         (GhGuestConfig  *self);
void           gh_guest_config_set_kernel         (GhGuestConfig  *self,
                                                   const char     *kernel);
const char    *gh_guest_config_get_initrd         (GhGuestConfig  *self);
void           gh_guest_config_set_initrd         (GhGuestConfig  *self,
                                                   const char     *initrd);
const char    *gh_guest_config_get_cmdline        (GhGuestConfig  *self);
void           gh_guest_config_set_cmdline        (GhGuestConfig  *self,
                                                   const char     *cmdline);
const char    *gh_guest_config_get_firmware       (GhGuestConfig  *self);
void           gh_guest_config_set_firmware       (GhGuestConfig  *self,
                                                   const char     *firmware);
const char    *gh_guest_config_get_boot_order     (GhGuestConfig  *self);
void           gh_guest_config_set_boot_order     (GhGuestConfig  *self,
                                                   const char     *boot_order);
gboolean       gh_guest_config_get_display        (GhGuestConfig  *self);
void           gh_guest_config_set_display        (GhGuestConfig  *self,
                                                   gboolean        display);
guint          gh_guest_config_get_n_disks        (GhGuestConfig  *self);
const GhDisk  *gh_guest_config_get_disk           (GhGuestConfig  *self,
                                                   guint           index);
void           gh_guest_config_add_disk           (GhGuestConfig  *self,
                                                   const GhDisk   *disk);
void           gh_guest_config_set_disk_path      (GhGuestConfig  *self,
                                                   guint           index,
                                                   const char     *path);
char          *gh_guest_config_dup_drive_name     (GhGuestConfig  *self,
                                                   guint           index);
gboolean       gh_guest_config_lookup_drive       (GhGuestConfig  *self,
                                                   const char     *name,
                                                   guint          *index);
guint          gh_guest_config_get_n_nics         (GhGuestConfig  *self);
const GhNic   *gh_guest_config_get_nic            (GhGuestConfig  *self,
                                                   guint           index);
void           gh_guest_config_add_nic            (GhGuestConfig  *self,
                                                   const GhNic    *nic);
void           gh_guest_config_set_nic_mac        (GhGuestConfig  *self,
                                                   guint           index,
                                                   const char     *mac);

G_END_DECLS
