/* piix-ide.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ide/atapi.h"
#include "ide/piix-ide.h"

struct PiixIde
{
  PciDevice  *pci;
  IdeChannel  channels[2];
  unsigned    n_channels_ready;
};

static uint64_t
piix_ide_bm_read (void     *opaque,
                  uint64_t  offset,
                  unsigned  size)
{
  PiixIde *ide = opaque;

  if (offset >= PIIX_IDE_BM_SIZE || size == 0 || size > 4)
    return 0;
  return ide_channel_bm_read (&ide->channels[offset / IDE_BM_LEN], offset % IDE_BM_LEN, size);
}

static void
piix_ide_bm_write (void     *opaque,
                   uint64_t  offset,
                   uint64_t  value,
                   unsigned  size)
{
  PiixIde *ide = opaque;

  if (offset >= PIIX_IDE_BM_SIZE || size == 0 || size > 4)
    return;
  ide_channel_bm_write (&ide->channels[offset / IDE_BM_LEN], offset % IDE_BM_LEN,
                        (uint32_t) value, size);
}

static const IoBusOps piix_ide_bm_ops = {
  .name  = "piix-ide-bmdma",
  .read  = piix_ide_bm_read,
  .write = piix_ide_bm_write,
};

void
piix_ide_reset (PiixIde *ide)
{
  for (unsigned ch = 0; ch < 2; ch++)
    ide_channel_reset (&ide->channels[ch]);
}

static void
piix_ide_pci_reset (void *opaque)
{
  piix_ide_reset (opaque);
}

static const PciDeviceOps piix_ide_pci_ops = {
  .reset = piix_ide_pci_reset,
};

static bool
piix_ide_config_ok (const IdeDriveConfig  drives[2][2],
                    VmmError             *err)
{
  for (unsigned ch = 0; ch < 2; ch++)
    for (unsigned unit = 0; unit < 2; unit++)
      {
        const IdeDriveConfig *c = &drives[ch][unit];

        switch (c->kind)
          {
          case IDE_DRIVE_NONE:
            if (c->file != NULL)
              {
                vmm_error_set (err, "IDE %u:%u has an image but no drive", ch, unit);
                return false;
              }
            break;
          case IDE_DRIVE_DISK:
            if (c->file == NULL)
              {
                vmm_error_set (err, "IDE disk %u:%u has no image", ch, unit);
                return false;
              }
            break;
          case IDE_DRIVE_CDROM:
            break;
          default:
            vmm_error_set (err, "IDE %u:%u: unknown kind of drive", ch, unit);
            return false;
          }
      }
  return true;
}

PiixIde *
piix_ide_new (const GuestMemory    *mem,
              const IdeDriveConfig  drives[2][2],
              const IrqLine         irq[2],
              VmmError             *err)
{
  static const PciDeviceInfo info = {
    .vendor_id = PIIX_IDE_VENDOR_ID,
    .device_id = PIIX_IDE_DEVICE_ID,
    .class_code = PIIX_IDE_CLASS,
    .interrupt_pin = 0,
  };
  PiixIde *ide;

  if (!piix_ide_config_ok (drives, err))
    return NULL;
  ide = calloc (1, sizeof *ide);
  if (ide == NULL)
    goto no_memory;
  for (unsigned ch = 0; ch < 2; ch++)
    {
      if (ide_channel_init (&ide->channels[ch], mem, irq[ch]) < 0)
        goto no_memory;
      ide->n_channels_ready++;
      for (unsigned unit = 0; unit < 2; unit++)
        {
          const IdeDriveConfig *c = &drives[ch][unit];
          char serial[21];

          if (c->kind == IDE_DRIVE_NONE)
            continue;
          if (c->serial != NULL && c->serial[0] != '\0')
            snprintf (serial, sizeof serial, "%s", c->serial);
          else
            snprintf (serial, sizeof serial, "GH-IDE-%u%u", ch, unit);
          if (ide_channel_attach (&ide->channels[ch], unit, c->kind, serial) < 0)
            goto no_memory;
        }
    }

  ide->pci = pci_device_new (&info, &piix_ide_pci_ops, ide);
  if (ide->pci == NULL
      || pci_device_set_bar (ide->pci, PIIX_IDE_BM_BAR, PCI_BAR_IO, PIIX_IDE_BM_SIZE, false,
                             &piix_ide_bm_ops, ide) < 0)
    goto no_memory;
  /* Timing registers: storage only, reset to 0 (decode disabled) as on the
   * chip; firmware sets the decode-enable bits. */
  pci_device_set_wmask (ide->pci, PIIX_IDE_IDETIM_PRI, 0xffff, 2);
  pci_device_set_wmask (ide->pci, PIIX_IDE_IDETIM_SEC, 0xffff, 2);
  pci_device_set_wmask (ide->pci, PIIX_IDE_SIDETIM, 0xff, 1);
  pci_device_set_wmask (ide->pci, PIIX_IDE_UDMACTL, 0x0f, 1);
  pci_device_set_wmask (ide->pci, PIIX_IDE_UDMATIM, 0x3333, 2);

  /* Only now, with nothing left to fail, do the images become ours. */
  for (unsigned ch = 0; ch < 2; ch++)
    for (unsigned unit = 0; unit < 2; unit++)
      ide->channels[ch].drives[unit].file = drives[ch][unit].file;
  piix_ide_reset (ide);
  return ide;

no_memory:
  vmm_error_set (err, "out of memory for the IDE controller");
  if (ide != NULL)
    {
      pci_device_free (ide->pci);
      for (unsigned ch = 0; ch < ide->n_channels_ready; ch++)
        ide_channel_destroy (&ide->channels[ch]);
      free (ide);
    }
  return NULL;
}

void
piix_ide_free (PiixIde *ide)
{
  if (ide == NULL)
    return;
  pci_device_free (ide->pci);
  for (unsigned ch = 0; ch < 2; ch++)
    ide_channel_destroy (&ide->channels[ch]);
  free (ide);
}

PciDevice *
piix_ide_pci_device (PiixIde *ide)
{
  return ide->pci;
}

IdeChannel *
piix_ide_channel (PiixIde  *ide,
                  unsigned  ch)
{
  return ch < 2 ? &ide->channels[ch] : NULL;
}

static IdeDrive *
piix_ide_cdrom (PiixIde  *ide,
                unsigned  ch,
                unsigned  unit)
{
  if (ch >= 2 || unit >= 2 || ide->channels[ch].drives[unit].kind != IDE_DRIVE_CDROM)
    return NULL;
  return &ide->channels[ch].drives[unit];
}

int
piix_ide_eject (PiixIde  *ide,
                unsigned  ch,
                unsigned  unit,
                bool      force)
{
  IdeDrive *d = piix_ide_cdrom (ide, ch, unit);
  BlockFile *old;

  if (d == NULL)
    return -ENODEV;
  ide_channel_lock (d->channel);
  if (d->locked && !force)
    {
      /* What a drive does when its button is pressed while locked: it
       * tells the host someone wants the medium out. */
      d->media_event = MEDIA_EVENT_EJECT_REQUEST;
      ide_channel_unlock (d->channel);
      return -EBUSY;
    }
  old = d->file;
  d->file = NULL;
  d->tray_open = true;
  d->locked = false;
  if (old != NULL)
    d->media_event = MEDIA_EVENT_MEDIA_REMOVAL;
  ide_channel_unlock (d->channel);

  /* The lock was held by any command reading the medium, so nothing uses
   * it any more. */
  if (old != NULL)
    {
      block_file_close (old);
      free (old);
    }
  return 0;
}

int
piix_ide_insert (PiixIde   *ide,
                 unsigned   ch,
                 unsigned   unit,
                 BlockFile *medium)
{
  IdeDrive *d = piix_ide_cdrom (ide, ch, unit);

  if (d == NULL)
    return -ENODEV;
  if (medium == NULL)
    return -EINVAL;
  ide_channel_lock (d->channel);
  if (d->file != NULL)
    {
      ide_channel_unlock (d->channel);
      return -EBUSY;
    }
  d->file = medium;
  d->tray_open = false;
  d->unit_attention = true;
  d->media_event = MEDIA_EVENT_NEW_MEDIA;
  ide_channel_unlock (d->channel);
  return 0;
}

int
piix_ide_medium_state (PiixIde        *ide,
                       unsigned        ch,
                       unsigned        unit,
                       IdeMediumState *state)
{
  IdeDrive *d = piix_ide_cdrom (ide, ch, unit);

  memset (state, 0, sizeof *state);
  if (d == NULL)
    return -ENODEV;
  ide_channel_lock (d->channel);
  state->present = true;
  state->has_medium = d->file != NULL;
  state->tray_open = d->tray_open;
  state->locked = d->locked;
  ide_channel_unlock (d->channel);
  return 0;
}
