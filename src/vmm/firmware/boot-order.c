/* boot-order.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot-order.h"

/* The longest line: "/pci@i0cf8/ide@1f,7/drive@1/disk@1" plus room. */
#define BOOT_ORDER_LINE_MAX  64

/* SeaBIOS (src/boot.c) builds a path per disk and looks for the first
 * bootorder line it is a prefix of (up to a '/' or the line's end), with the
 * glob '*' as device name, so any name matches:
 *   build_pci_path:  "/pci@i0cf8/NAME@<slot>", then ",<function>" unless it
 *                    is 0, all hex (bus 0 devices have no parent bridge);
 *   build_ata_path:  that + "/drive@<channel>/disk@<unit>", hex, which
 *                    bootprio_find_ata_device looks up for an IDE drive;
 *   bootprio_find_pci_device: the PCI path alone, for a virtio-blk.
 * The names are the ones QEMU writes (its PCI class name "ide", and "scsi"
 * for virtio-blk, whose disk it calls "disk@0,0"), which OVMF's boot order
 * parser expects as well. */
static int
boot_order_line (const BootOrderDevice *dev,
                 char                  *line)
{
  char pci[24];

  if (dev->pci_slot > 31 || dev->pci_function > 7)
    return -EINVAL;

  switch (dev->kind)
    {
    case BOOT_ORDER_IDE:
      if (dev->ide_channel > 1 || dev->ide_unit > 1)
        return -EINVAL;
      if (dev->pci_function == 0)
        snprintf (pci, sizeof pci, "/pci@i0cf8/ide@%x", dev->pci_slot);
      else
        snprintf (pci, sizeof pci, "/pci@i0cf8/ide@%x,%x", dev->pci_slot, dev->pci_function);
      return snprintf (line, BOOT_ORDER_LINE_MAX, "%s/drive@%x/disk@%x",
                       pci, dev->ide_channel, dev->ide_unit);

    case BOOT_ORDER_VIRTIO_BLK:
      if (dev->pci_function == 0)
        snprintf (pci, sizeof pci, "/pci@i0cf8/scsi@%x", dev->pci_slot);
      else
        snprintf (pci, sizeof pci, "/pci@i0cf8/scsi@%x,%x", dev->pci_slot, dev->pci_function);
      return snprintf (line, BOOT_ORDER_LINE_MAX, "%s/disk@0,0", pci);

    default:
      return -EINVAL;
    }
}

int
boot_order_build (const BootOrderDevice  *devices,
                  unsigned                n_devices,
                  char                  **text)
{
  char line[BOOT_ORDER_LINE_MAX];
  size_t size = 1, at = 0;
  char *out;

  *text = NULL;
  for (unsigned i = 0; i < n_devices; i++)
    {
      int len = boot_order_line (&devices[i], line);

      if (len < 0)
        return len;
      size += (size_t) len + 1;
    }

  out = malloc (size);
  if (out == NULL)
    return -ENOMEM;
  for (unsigned i = 0; i < n_devices; i++)
    {
      size_t len = (size_t) boot_order_line (&devices[i], line);

      if (i > 0)
        out[at++] = '\n';
      memcpy (out + at, line, len);
      at += len;
    }
  out[at] = '\0';
  *text = out;
  return 0;
}
