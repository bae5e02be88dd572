/* piix-ide.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>

#include "block/block-file.h"
#include "bus/io-bus.h"
#include "bus/irq.h"
#include "ide/ide-channel.h"
#include "memory/guest-memory.h"
#include "pci/pci-device.h"
#include "vmm-error.h"

/* The IDE function of an Intel PIIX3 (82371SB, 8086:7010): two channels in
 * legacy mode at the ISA addresses and IRQs, plus SFF-8038i bus-master DMA
 * in BAR4, with up to two ATA disks or ATAPI CD/DVD-ROMs per channel.
 *
 * Wiring, by the owner:
 *   - the PCI function (piix_ide_pci_device) at 00:01.1, beside the PIIX3
 *     ISA bridge at 00:01.0; BAR4 moves with the guest's programming;
 *   - for channel ch, piix_ide_channel (ide, ch) as the opaque of
 *     ide_command_block_ops at PIIX_IDE_CMD_PORT(ch) for
 *     IDE_COMMAND_BLOCK_LEN ports and of ide_control_block_ops at
 *     PIIX_IDE_CTRL_PORT(ch) for IDE_CONTROL_BLOCK_LEN port;
 *   - irq[ch] to ISA IRQ PIIX_IDE_IRQ(ch), level: high while the selected
 *     drive has an interrupt pending and the guest has not set nIEN.
 *
 * The ports are decoded whatever the IDETIM decode-enable bits say (as in
 * QEMU); IDETIM (40h-43h), SIDETIM (44h) and the UDMA registers (48h, 4Ah)
 * are plain storage that SeaBIOS and Linux write and read back.
 *
 * Commands run synchronously on the vCPU thread that issues them (see
 * ide-channel.h). Each channel has its own lock; the media functions below
 * may be called from any thread while vCPUs run, and wait for a command in
 * progress on that channel to finish.
 *
 * Ownership of images: every BlockFile handed to the controller - in
 * IdeDriveConfig or to piix_ide_insert - must come from malloc() and be
 * open; from then on the controller owns it and closes and frees it
 * (block_file_close + free) when the medium is ejected or the controller is
 * freed. */

#define PIIX_IDE_VENDOR_ID     0x8086
#define PIIX_IDE_DEVICE_ID     0x7010
#define PIIX_IDE_CLASS         0x010180 /* IDE, legacy mode, bus master */
#define PIIX_IDE_BM_BAR        4
#define PIIX_IDE_BM_SIZE       16

#define PIIX_IDE_CMD_PORT(ch)  ((ch) == 0 ? 0x1f0 : 0x170)
#define PIIX_IDE_CTRL_PORT(ch) ((ch) == 0 ? 0x3f6 : 0x376)
#define PIIX_IDE_IRQ(ch)       ((ch) == 0 ? 14 : 15)

/* IDE timing registers in configuration space. */
#define PIIX_IDE_IDETIM_PRI    0x40
#define PIIX_IDE_IDETIM_SEC    0x42
#define PIIX_IDE_IDETIM_DECODE 0x8000 /* what firmware sets; not acted on */
#define PIIX_IDE_SIDETIM       0x44
#define PIIX_IDE_UDMACTL       0x48
#define PIIX_IDE_UDMATIM       0x4a

typedef struct PiixIde PiixIde;

typedef struct
{
  IdeDriveKind  kind;          /* NONE, DISK or CDROM */
  BlockFile    *file;          /* a disk needs one; NULL is an empty CD-ROM */
  const char   *serial;        /* NULL: a default unique to the position */
} IdeDriveConfig;

typedef struct
{
  bool present;                /* a CD-ROM drive at this position */
  bool has_medium;             /* a medium is in the drive (tray open or not) */
  bool tray_open;
  bool locked;                 /* the guest PREVENTed medium removal */
} IdeMediumState;

/* drives[channel][unit]. On success the controller owns every file in
 * drives (see above); on failure (NULL, err set) the caller still does.
 * mem must outlive the controller. */
PiixIde    *piix_ide_new          (const GuestMemory    *mem,
                                   const IdeDriveConfig  drives[2][2],
                                   const IrqLine         irq[2],
                                   VmmError             *err);
/* After pci_host_free (or before the function was ever added to a host):
 * closes and frees the images. */
void        piix_ide_free         (PiixIde              *ide);
PciDevice  *piix_ide_pci_device   (PiixIde              *ide);
/* The opaque for ide_command_block_ops / ide_control_block_ops; ch is 0 or
 * 1. */
IdeChannel *piix_ide_channel      (PiixIde              *ide,
                                   unsigned              ch);
/* Machine reset of the drives and the bus-master engine. pci_host_reset
 * already does this through the PCI function's reset. */
void        piix_ide_reset        (PiixIde              *ide);

/* Removable media. -ENODEV: no CD-ROM drive at (ch, unit). */
/* Takes the medium out, closes and frees it, and leaves the tray open.
 * -EBUSY when the guest has locked the tray and force is false; 0 also
 * when there was no medium. */
int         piix_ide_eject        (PiixIde              *ide,
                                   unsigned              ch,
                                   unsigned              unit,
                                   bool                  force);
/* Puts medium (see ownership above; the controller owns it only when this
 * returns 0) in and closes the tray: the guest sees UNIT ATTENTION and a
 * new-media event. -EBUSY when a medium is already in. */
int         piix_ide_insert       (PiixIde              *ide,
                                   unsigned              ch,
                                   unsigned              unit,
                                   BlockFile            *medium);
int         piix_ide_medium_state (PiixIde              *ide,
                                   unsigned              ch,
                                   unsigned              unit,
                                   IdeMediumState       *state);
