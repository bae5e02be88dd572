/* ide-channel.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "block/block-file.h"
#include "bus/io-bus.h"
#include "bus/irq.h"
#include "memory/guest-memory.h"

/* One IDE channel (cable) with its two drive positions, as the task-file
 * registers, the control register and the ATA protocol state machine of each
 * drive see it (ATA8-ACS and ATA/ATAPI-6 for the protocol; SFF-8038i for the
 * bus-master engine, whose registers live here too because a DMA command
 * cannot finish without them).
 *
 * Commands run to completion synchronously on the vCPU thread that writes
 * the command register (or starts the bus-master engine): reads and writes
 * of the image happen right there, under the channel lock. That is simple
 * and obviously correct - a guest never sees BSY, and ejecting a medium from
 * the control thread just waits for the lock - at the price of a vCPU
 * blocked for the length of one disk access; moving the I/O to a thread of
 * its own is a later step. Data moves through each drive's buffer of
 * IDE_BUFFER_SIZE bytes, so no guest request makes the host allocate more.
 *
 * Internal to src/vmm/ide: the VMM uses piix-ide.h. */

#define IDE_SECTOR_SIZE       512
#define ATAPI_BLOCK_SIZE      2048
#define IDE_BUFFER_SIZE       (64 * 1024)
#define IDE_MAX_MULTIPLE      16
#define ATAPI_PACKET_SIZE     12

/* Command block register offsets. */
#define IDE_REG_DATA          0
#define IDE_REG_ERROR         1         /* read; write: features */
#define IDE_REG_NSECTOR       2
#define IDE_REG_SECTOR        3         /* LBA low */
#define IDE_REG_LCYL          4         /* LBA mid */
#define IDE_REG_HCYL          5         /* LBA high */
#define IDE_REG_SELECT        6         /* device/head */
#define IDE_REG_STATUS        7         /* read; write: command */
#define IDE_COMMAND_BLOCK_LEN 8
#define IDE_CONTROL_BLOCK_LEN 1

/* Status register. */
#define IDE_STATUS_ERR        0x01
#define IDE_STATUS_DRQ        0x08
#define IDE_STATUS_DSC        0x10
#define IDE_STATUS_DRDY       0x40
#define IDE_STATUS_BSY        0x80

/* Error register. */
#define IDE_ERROR_ABRT        0x04
#define IDE_ERROR_IDNF        0x10
#define IDE_ERROR_UNC         0x40

/* Device control register. */
#define IDE_CTRL_NIEN         0x02
#define IDE_CTRL_SRST         0x04
#define IDE_CTRL_HOB          0x80

/* Device register. */
#define IDE_SELECT_DEV        0x10
#define IDE_SELECT_LBA        0x40

/* ATAPI interrupt reason, in the sector count register. */
#define ATAPI_IREASON_COD     0x01
#define ATAPI_IREASON_IO      0x02

/* Bus-master registers (per channel, 8 bytes of BAR4). */
#define IDE_BM_CMD            0
#define IDE_BM_STATUS         2
#define IDE_BM_PRD_TABLE      4
#define IDE_BM_LEN            8
#define IDE_BM_CMD_START      0x01
#define IDE_BM_CMD_TO_MEMORY  0x08
#define IDE_BM_STATUS_ACTIVE  0x01
#define IDE_BM_STATUS_ERROR   0x02
#define IDE_BM_STATUS_INTR    0x04
#define IDE_BM_STATUS_DMA_CAP 0x60      /* drive 0 / drive 1 DMA capable: scratch */
/* A PRD table may not cross a 64 KiB boundary, so it holds at most this many
 * 8-byte entries: the walk stops there even without an end-of-table bit. */
#define IDE_PRD_MAX_ENTRIES   (65536 / 8)
#define IDE_PRD_EOT           0x80000000u

typedef enum
{
  IDE_DRIVE_NONE = 0,
  IDE_DRIVE_DISK,
  IDE_DRIVE_CDROM,
} IdeDriveKind;

/* What happens when the host has moved the last byte of the current DRQ
 * data block. */
typedef enum
{
  IDE_PIO_NONE = 0,
  IDE_PIO_ATA_READ,
  IDE_PIO_ATA_WRITE,
  IDE_PIO_IDENTIFY,
  IDE_PIO_ATAPI_PACKET,
  IDE_PIO_ATAPI_DATA_IN,
} IdePioNext;

/* The data phase of a DMA command, waiting for (or running on) the
 * bus-master engine. */
typedef enum
{
  IDE_DMA_NONE = 0,
  IDE_DMA_ATA_READ,
  IDE_DMA_ATA_WRITE,
  IDE_DMA_ATAPI_IN,
} IdeDmaKind;

typedef struct IdeChannel IdeChannel;

typedef struct
{
  IdeChannel   *channel;
  unsigned      unit;                 /* 0: master, 1: slave */
  IdeDriveKind  kind;
  BlockFile    *file;                 /* disk image or CD medium; owned */
  char          serial[21];
  uint8_t      *buf;                  /* IDE_BUFFER_SIZE bytes */

  /* Task file, as this drive latched it. hob_* hold the previous write of
   * each register, the upper half of a 48-bit command. */
  uint8_t       status;
  uint8_t       error;
  uint8_t       feature;
  uint8_t       nsector;
  uint8_t       sector;
  uint8_t       lcyl;
  uint8_t       hcyl;
  uint8_t       select;
  uint8_t       hob_feature;
  uint8_t       hob_nsector;
  uint8_t       hob_sector;
  uint8_t       hob_lcyl;
  uint8_t       hob_hcyl;
  bool          intrq;

  /* ATA settings the guest can change. */
  unsigned      multiple_count;       /* 0: READ/WRITE MULTIPLE refused */
  unsigned      cur_heads;
  unsigned      cur_sectors;
  uint8_t       xfer_mode;            /* SET FEATURES subcommand 03h value */
  bool          write_cache;

  /* The PIO data window [pos, end) of buf. */
  uint32_t      pos;
  uint32_t      end;
  IdePioNext    pio_next;

  /* Sector transfers (ATA, and CD reads in 2048-byte blocks). */
  uint64_t      xfer_lba;
  uint32_t      xfer_left;            /* sectors or blocks still to move */
  unsigned      xfer_block;           /* sectors per DRQ block (ATA PIO) */
  bool          xfer_lba48;
  IdeDmaKind    dma;

  /* ATAPI. */
  uint8_t       packet[ATAPI_PACKET_SIZE];
  bool          packet_dma;           /* features bit 0 of the PACKET command */
  uint16_t      byte_limit;           /* LBA mid/high of the PACKET command */
  uint32_t      chunk_len;            /* bytes of reply data in buf */
  uint32_t      chunk_pos;
  uint8_t       sense_key;
  uint8_t       asc;
  uint8_t       ascq;
  bool          unit_attention;
  bool          tray_open;
  bool          locked;
  uint8_t       media_event;          /* GET EVENT STATUS media event code */
} IdeDrive;

typedef struct
{
  uint8_t  cmd;
  uint8_t  status;
  uint32_t prd_table;
  /* Walk position, reset each time the engine starts. */
  unsigned prd_index;
  uint32_t prd_addr;
  uint32_t prd_left;
  bool     prd_last;
} IdeBusMaster;

struct IdeChannel
{
  pthread_mutex_t    lock;
  const GuestMemory *mem;
  IrqLine            irq;
  bool               irq_level;
  bool               irq_applied;
  bool               irq_delivering;
  uint8_t            control;
  IdeDrive           drives[2];
  IdeBusMaster       bm;
};

extern const IoBusOps ide_command_block_ops;
extern const IoBusOps ide_control_block_ops;

/* Returns 0 or -ENOMEM. */
int  ide_channel_init       (IdeChannel        *ch,
                             const GuestMemory *mem,
                             IrqLine            irq);
/* Drive set up; serial is copied (20 characters at most). The owner then
 * puts the image in drives[unit].file (NULL: an empty CD-ROM), which the
 * channel closes and frees from then on. Returns 0 or -ENOMEM. */
int  ide_channel_attach     (IdeChannel        *ch,
                             unsigned           unit,
                             IdeDriveKind       kind,
                             const char        *serial);
/* Closes and frees the files. */
void ide_channel_destroy    (IdeChannel        *ch);
/* Power-on state; the lock is taken inside. */
void ide_channel_reset      (IdeChannel        *ch);

/* The bus-master registers of this channel (offset 0-7). */
uint64_t ide_channel_bm_read  (IdeChannel *ch,
                               unsigned    offset,
                               unsigned    size);
void     ide_channel_bm_write (IdeChannel *ch,
                               unsigned    offset,
                               uint32_t    value,
                               unsigned    size);

/* Takes the lock; ide_channel_unlock drives the interrupt line from the
 * state left behind, outside the lock. */
void ide_channel_lock   (IdeChannel *ch);
void ide_channel_unlock (IdeChannel *ch);

/* For atapi.c, with the lock held. */
void ide_drive_raise_irq   (IdeDrive *d);
int  ide_drive_read_file   (IdeDrive *d,
                            void     *buf,
                            size_t    len,
                            uint64_t  offset);
void ide_drive_start_dma   (IdeDrive *d,
                            IdeDmaKind kind);
/* Serial, firmware revision, model, transfer modes and reset result of
 * IDENTIFY (PACKET) DEVICE, in words zeroed by the caller. */
void ide_identify_common   (const IdeDrive *d,
                            uint16_t       *words,
                            const char     *model);
