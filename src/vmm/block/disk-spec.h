/* disk-spec.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>

#include "vmm-error.h"

/* The value of one --disk option:
 *
 *   path=FILE[,readonly=on|off][,serial=ID][,bus=virtio|ide][,media=disk|cdrom]
 *
 * A first item without '=' is the path (--disk FILE). A comma inside a value
 * is written twice (path=a,,b.img names "a,b.img"), as QEMU does. Booleans
 * take on/off, yes/no, true/false, 1/0. The serial is what the guest reads
 * (virtio-blk GET_ID, ATA IDENTIFY): up to 20 printable ASCII characters.
 *
 * A CD-ROM (media=cdrom) is an ATAPI drive on the IDE bus, always read-only,
 * and may start empty (no path): the medium can be changed while the guest
 * runs. bus= defaults to virtio for disks and to ide for CD-ROMs. */

#define DISK_SPEC_SERIAL_MAX 20

typedef enum
{
  DISK_BUS_VIRTIO,
  DISK_BUS_IDE,
} DiskBus;

typedef enum
{
  DISK_MEDIA_DISK,
  DISK_MEDIA_CDROM,
} DiskMedia;

typedef struct
{
  char      *path;                              /* owned; NULL: an empty CD-ROM drive */
  bool       read_only;
  char       serial[DISK_SPEC_SERIAL_MAX + 1];  /* "" when not given */
  DiskBus    bus;
  DiskMedia  media;
} DiskSpec;

/* Fills out (which the caller later clears with disk_spec_clear) or, on a
 * malformed spec, sets err to a sentence quoting the option and returns
 * -EINVAL (-ENOMEM when out of memory); out is then empty. */
int  disk_spec_parse (const char *spec,
                      DiskSpec   *out,
                      VmmError   *err);
void disk_spec_clear (DiskSpec   *spec);
