/* boot-order.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

/* The text of fw_cfg's "bootorder" file: one OpenFirmware-style device path
 * a line, most preferred first, in the form QEMU writes for the same devices
 * on an i440FX PC (root bus 0, host bridge at 0xcf8). SeaBIOS gives a disk
 * the priority of the first line its own path for that disk is a prefix of;
 * disks no line names boot after all named ones. */

typedef enum
{
  BOOT_ORDER_IDE,           /* a drive on an IDE controller's channel */
  BOOT_ORDER_VIRTIO_BLK,    /* a virtio-blk PCI function */
} BootOrderKind;

typedef struct
{
  BootOrderKind kind;
  uint8_t       pci_slot;       /* 0..31: the IDE controller's or virtio-blk's */
  uint8_t       pci_function;   /* 0..7 */
  uint8_t       ide_channel;    /* IDE only: 0 primary, 1 secondary */
  uint8_t       ide_unit;       /* IDE only: 0 master, 1 slave */
} BootOrderDevice;

/* Stores in *text a malloc'd string: the devices' paths joined by '\n', no
 * newline after the last ("" for none). Hand it to fw_cfg_add_file with
 * strlen (text) + 1 bytes: QEMU's file ends in a NUL too. Returns 0, -EINVAL
 * (a slot, function, channel or unit out of range, or an unknown kind) or
 * -ENOMEM; *text is NULL on failure. */
int boot_order_build (const BootOrderDevice  *devices,
                      unsigned                n_devices,
                      char                  **text);
