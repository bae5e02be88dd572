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
 *   path=FILE[,readonly=on|off][,serial=ID][,bus=virtio][,media=disk]
 *
 * A first item without '=' is the path (--disk FILE). A comma inside a value
 * is written twice (path=a,,b.img names "a,b.img"), as QEMU does. Booleans
 * take on/off, yes/no, true/false, 1/0. The serial is what the guest reads
 * (virtio-blk GET_ID): up to 20 printable ASCII characters. bus= and media=
 * only know virtio and disk for now; IDE and CD-ROM come with the IDE
 * controller. */

#define DISK_SPEC_SERIAL_MAX 20

typedef enum
{
  DISK_BUS_VIRTIO,
} DiskBus;

typedef enum
{
  DISK_MEDIA_DISK,
} DiskMedia;

typedef struct
{
  char      *path;                              /* owned */
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
