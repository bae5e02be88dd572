/* ide-channel.c
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
#include "ide/ide-channel.h"

/* ATA commands (ATA8-ACS). */
#define ATA_CMD_DEVICE_RESET        0x08
#define ATA_CMD_RECALIBRATE         0x10    /* 0x10-0x1f */
#define ATA_CMD_READ_SECTORS        0x20
#define ATA_CMD_READ_SECTORS_NR     0x21
#define ATA_CMD_READ_SECTORS_EXT    0x24
#define ATA_CMD_READ_DMA_EXT        0x25
#define ATA_CMD_READ_MULTIPLE_EXT   0x29
#define ATA_CMD_WRITE_SECTORS       0x30
#define ATA_CMD_WRITE_SECTORS_NR    0x31
#define ATA_CMD_WRITE_SECTORS_EXT   0x34
#define ATA_CMD_WRITE_DMA_EXT       0x35
#define ATA_CMD_WRITE_MULTIPLE_EXT  0x39
#define ATA_CMD_VERIFY              0x40
#define ATA_CMD_VERIFY_NR           0x41
#define ATA_CMD_VERIFY_EXT          0x42
#define ATA_CMD_DIAGNOSTIC          0x90
#define ATA_CMD_INIT_PARAMETERS     0x91
#define ATA_CMD_STANDBY_IMM_OLD     0x94
#define ATA_CMD_IDLE_IMM_OLD        0x95
#define ATA_CMD_STANDBY_OLD         0x96
#define ATA_CMD_IDLE_OLD            0x97
#define ATA_CMD_CHECK_POWER_OLD     0x98
#define ATA_CMD_SLEEP_OLD           0x99
#define ATA_CMD_PACKET              0xa0
#define ATA_CMD_IDENTIFY_PACKET     0xa1
#define ATA_CMD_READ_MULTIPLE       0xc4
#define ATA_CMD_WRITE_MULTIPLE      0xc5
#define ATA_CMD_SET_MULTIPLE        0xc6
#define ATA_CMD_READ_DMA            0xc8
#define ATA_CMD_READ_DMA_NR         0xc9
#define ATA_CMD_WRITE_DMA           0xca
#define ATA_CMD_WRITE_DMA_NR        0xcb
#define ATA_CMD_STANDBY_IMMEDIATE   0xe0
#define ATA_CMD_IDLE_IMMEDIATE      0xe1
#define ATA_CMD_STANDBY             0xe2
#define ATA_CMD_IDLE                0xe3
#define ATA_CMD_CHECK_POWER         0xe5
#define ATA_CMD_SLEEP               0xe6
#define ATA_CMD_FLUSH_CACHE         0xe7
#define ATA_CMD_FLUSH_CACHE_EXT     0xea
#define ATA_CMD_IDENTIFY            0xec
#define ATA_CMD_SET_FEATURES        0xef

/* SET FEATURES subcommands. */
#define ATA_SF_WCACHE_ON            0x02
#define ATA_SF_XFER_MODE            0x03
#define ATA_SF_RLA_OFF              0x55
#define ATA_SF_REVERT_OFF           0x66
#define ATA_SF_WCACHE_OFF           0x82
#define ATA_SF_RLA_ON               0xaa
#define ATA_SF_REVERT_ON            0xcc

/* Transfer mode values of SET FEATURES 03h. */
#define ATA_XFER_PIO_DEFAULT        0x00
#define ATA_XFER_PIO_FLOW           0x08    /* | mode, 0-4 */
#define ATA_XFER_MWDMA              0x20    /* | mode, 0-2 */
#define ATA_XFER_UDMA               0x40    /* | mode, 0-5 */

#define IDE_DEFAULT_HEADS           16
#define IDE_DEFAULT_SECTORS         63
#define IDE_MAX_CYLINDERS           16383
#define ATA_LBA28_MAX               0x0fffffffu

/* Both drives latch the device register, so either copy tells which one is
 * selected - and only that one drives INTRQ on the cable. */
static IdeDrive *
ide_selected (IdeChannel *ch)
{
  return &ch->drives[(ch->drives[0].select & IDE_SELECT_DEV) ? 1 : 0];
}

static void
ide_channel_update_irq (IdeChannel *ch)
{
  ch->irq_level = ide_selected (ch)->intrq && !(ch->control & IDE_CTRL_NIEN);
}

void
ide_channel_lock (IdeChannel *ch)
{
  pthread_mutex_lock (&ch->lock);
}

/* Several vCPUs may race here with different levels: only one thread at a
 * time drives the line, and it keeps going until the line matches the
 * registers, so a stale level never has the last word. The line is set
 * without the lock so that the irqchip may call back into the device. */
void
ide_channel_unlock (IdeChannel *ch)
{
  ide_channel_update_irq (ch);
  if (!ch->irq_delivering)
    {
      ch->irq_delivering = true;
      while (ch->irq_applied != ch->irq_level)
        {
          bool level = ch->irq_level;

          pthread_mutex_unlock (&ch->lock);
          irq_line_set (&ch->irq, level);
          pthread_mutex_lock (&ch->lock);
          ch->irq_applied = level;
          ide_channel_update_irq (ch);
        }
      ch->irq_delivering = false;
    }
  pthread_mutex_unlock (&ch->lock);
}

static bool
ide_channel_empty (const IdeChannel *ch)
{
  return ch->drives[0].kind == IDE_DRIVE_NONE && ch->drives[1].kind == IDE_DRIVE_NONE;
}

/* The PIIX sets its bus-master interrupt bit whenever a drive of the channel
 * asserts INTRQ, DMA command or not. */
void
ide_drive_raise_irq (IdeDrive *d)
{
  d->intrq = true;
  d->channel->bm.status |= IDE_BM_STATUS_INTR;
}

int
ide_drive_read_file (IdeDrive *d,
                     void     *buf,
                     size_t    len,
                     uint64_t  offset)
{
  struct iovec iov = { .iov_base = buf, .iov_len = len };

  if (d->file == NULL)
    return -ENOMEDIUM;
  return block_file_read (d->file, &iov, 1, offset);
}

static int
ide_drive_write_file (IdeDrive   *d,
                      const void *buf,
                      size_t      len,
                      uint64_t    offset)
{
  struct iovec iov = { .iov_base = (void *) buf, .iov_len = len };

  return block_file_write (d->file, &iov, 1, offset);
}

static void
ide_drive_stop_transfer (IdeDrive *d)
{
  d->pos = d->end = 0;
  d->pio_next = IDE_PIO_NONE;
  d->dma = IDE_DMA_NONE;
  d->xfer_left = 0;
  d->chunk_len = d->chunk_pos = 0;
}

static void
ata_set_signature (IdeDrive *d)
{
  d->nsector = 1;
  d->sector = 1;
  d->lcyl = 0;
  d->hcyl = 0;
}

static void
ide_drive_set_signature (IdeDrive *d)
{
  if (d->kind == IDE_DRIVE_CDROM)
    atapi_set_signature (d);
  else
    ata_set_signature (d);
}

/* The state a drive is in after a reset (power-on, SRST, DEVICE RESET or
 * EXECUTE DEVICE DIAGNOSTIC): signature in the task file, diagnostic code
 * 01h (no error) in the error register. */
static void
ide_drive_reset_registers (IdeDrive *d)
{
  ide_drive_stop_transfer (d);
  d->error = 0x01;
  d->feature = 0;
  d->hob_feature = d->hob_nsector = d->hob_sector = d->hob_lcyl = d->hob_hcyl = 0;
  d->select &= ~0x0f;
  ide_drive_set_signature (d);
  d->status = d->kind == IDE_DRIVE_DISK ? IDE_STATUS_DRDY | IDE_STATUS_DSC : 0;
  d->intrq = false;
}

/* ATA settings go back to their defaults on power-on and hardware reset,
 * not on SRST (ATA8-ACS 4.10 "software settings preservation" aside, which
 * we do not claim). */
static void
ide_drive_power_on (IdeDrive *d)
{
  d->select = 0;
  d->multiple_count = IDE_MAX_MULTIPLE;
  d->cur_heads = IDE_DEFAULT_HEADS;
  d->cur_sectors = IDE_DEFAULT_SECTORS;
  d->xfer_mode = ATA_XFER_MWDMA | 2;
  d->write_cache = true;
  d->sense_key = SENSE_NO_SENSE;
  d->asc = d->ascq = 0;
  /* The tray stays where it is, as on a real drive; the lock is the
   * running OS's and goes with it. */
  d->locked = false;
  ide_drive_reset_registers (d);
}

static void
ide_command_done (IdeDrive *d)
{
  d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
  ide_drive_raise_irq (d);
}

static void
ide_command_error (IdeDrive *d,
                   uint8_t   error)
{
  ide_drive_stop_transfer (d);
  d->error = error;
  d->status = IDE_STATUS_DRDY | IDE_STATUS_ERR;
  ide_drive_raise_irq (d);
}

static void
ide_command_abort (IdeDrive *d)
{
  ide_command_error (d, IDE_ERROR_ABRT);
}

/* --- Addressing ------------------------------------------------------ */

static uint64_t
ata_total_sectors (const IdeDrive *d)
{
  return d->file != NULL ? d->file->size / IDE_SECTOR_SIZE : 0;
}

static void
ata_default_geometry (const IdeDrive *d,
                      unsigned       *cylinders)
{
  uint64_t cyl = ata_total_sectors (d) / (IDE_DEFAULT_HEADS * IDE_DEFAULT_SECTORS);

  *cylinders = cyl > IDE_MAX_CYLINDERS ? IDE_MAX_CYLINDERS : (unsigned) cyl;
}

static unsigned
ata_current_cylinders (const IdeDrive *d)
{
  uint64_t cyl;

  if (d->cur_heads == 0 || d->cur_sectors == 0)
    return 0;
  cyl = ata_total_sectors (d) / (d->cur_heads * d->cur_sectors);
  return cyl > 65535 ? 65535 : (unsigned) cyl;
}

/* The address the task file holds. Returns false for a CHS address outside
 * the current geometry. */
static bool
ata_get_lba (const IdeDrive *d,
             bool            lba48,
             uint64_t       *lba)
{
  unsigned cyl, head;

  if (lba48)
    {
      *lba = (uint64_t) d->hob_hcyl << 40 | (uint64_t) d->hob_lcyl << 32
             | (uint64_t) d->hob_sector << 24 | (uint64_t) d->hcyl << 16
             | (uint64_t) d->lcyl << 8 | d->sector;
      return true;
    }
  if (d->select & IDE_SELECT_LBA)
    {
      *lba = (uint64_t) (d->select & 0x0f) << 24 | (uint64_t) d->hcyl << 16
             | (uint64_t) d->lcyl << 8 | d->sector;
      return true;
    }
  cyl = (unsigned) d->hcyl << 8 | d->lcyl;
  head = d->select & 0x0f;
  if (d->sector == 0 || d->sector > d->cur_sectors || head >= d->cur_heads
      || cyl >= ata_current_cylinders (d))
    return false;
  *lba = ((uint64_t) cyl * d->cur_heads + head) * d->cur_sectors + d->sector - 1;
  return true;
}

/* Writes lba back in the addressing mode of the command, as ATA asks on an
 * error (the first failing sector) and QEMU does after each block. */
static void
ata_set_lba (IdeDrive *d,
             bool      lba48,
             uint64_t  lba)
{
  if (lba48)
    {
      d->sector = lba & 0xff;
      d->lcyl = (lba >> 8) & 0xff;
      d->hcyl = (lba >> 16) & 0xff;
      d->hob_sector = (lba >> 24) & 0xff;
      d->hob_lcyl = (lba >> 32) & 0xff;
      d->hob_hcyl = (lba >> 40) & 0xff;
    }
  else if (d->select & IDE_SELECT_LBA)
    {
      d->sector = lba & 0xff;
      d->lcyl = (lba >> 8) & 0xff;
      d->hcyl = (lba >> 16) & 0xff;
      d->select = (d->select & 0xf0) | ((lba >> 24) & 0x0f);
    }
  else if (d->cur_heads != 0 && d->cur_sectors != 0)
    {
      uint64_t track = lba / d->cur_sectors;
      uint64_t cyl = track / d->cur_heads;

      d->sector = lba % d->cur_sectors + 1;
      d->select = (d->select & 0xf0) | (track % d->cur_heads);
      d->lcyl = cyl & 0xff;
      d->hcyl = (cyl >> 8) & 0xff;
    }
}

static uint32_t
ata_sector_count (const IdeDrive *d,
                  bool            lba48)
{
  uint32_t count;

  if (lba48)
    {
      count = (uint32_t) d->hob_nsector << 8 | d->nsector;
      return count == 0 ? 65536 : count;
    }
  return d->nsector == 0 ? 256 : d->nsector;
}

/* Sets up xfer_lba / xfer_left for a sector command; on a bad address ends
 * the command with IDNF and returns false. */
static bool
ata_prepare_transfer (IdeDrive *d,
                      bool      lba48)
{
  uint64_t lba;
  uint32_t count = ata_sector_count (d, lba48);

  if (!ata_get_lba (d, lba48, &lba) || lba > ata_total_sectors (d)
      || count > ata_total_sectors (d) - lba)
    {
      ide_command_error (d, IDE_ERROR_IDNF);
      return false;
    }
  d->xfer_lba = lba;
  d->xfer_left = count;
  d->xfer_lba48 = lba48;
  return true;
}

/* --- IDENTIFY -------------------------------------------------------- */

static void
ide_put_string (uint16_t   *words,
                const char *s,
                unsigned    n_bytes)
{
  size_t len = strlen (s);

  /* ATA strings: space padded, two characters per word, first one in the
   * high byte. */
  for (unsigned i = 0; i < n_bytes; i++)
    {
      uint8_t c = i < len ? (uint8_t) s[i] : ' ';

      if (i % 2 == 0)
        words[i / 2] = (uint16_t) (c << 8);
      else
        words[i / 2] |= c;
    }
}

/* Word 93: how the reset went, as device 0 or 1 saw the other. */
static uint16_t
ide_reset_result (const IdeDrive *d)
{
  const IdeDrive *other = &d->channel->drives[d->unit ^ 1];

  if (d->unit == 0)
    /* Bit 0 and 14 set, jumper-selected (01b in bits 2:1), diagnostics
     * passed; bits 5 and 6: device 1 asserted PDIAG- and DASP-. */
    return 0x400b | (other->kind != IDE_DRIVE_NONE ? 0x0060 : 0);
  return 0x4000 | 0x0100 | 0x0200;
}

static uint16_t
ide_mwdma_word (const IdeDrive *d)
{
  uint16_t word = 0x0007;

  if ((d->xfer_mode & 0xf8) == ATA_XFER_MWDMA)
    word |= 0x100 << (d->xfer_mode & 0x07);
  return word;
}

static uint16_t
ide_udma_word (const IdeDrive *d)
{
  uint16_t word = 0x003f;

  if ((d->xfer_mode & 0xf8) == ATA_XFER_UDMA)
    word |= 0x100 << (d->xfer_mode & 0x07);
  return word;
}

void
ide_identify_common (const IdeDrive *d,
                     uint16_t       *words,
                     const char     *model)
{
  ide_put_string (words + 10, d->serial, 20);
  ide_put_string (words + 23, PACKAGE_VERSION, 8);
  ide_put_string (words + 27, model, 40);
  words[53] = 0x0006;                   /* words 64-70 and 88 valid */
  words[63] = ide_mwdma_word (d);
  words[64] = 0x0003;                   /* PIO modes 3 and 4 */
  words[65] = 120;                      /* fastest DMA and PIO cycle times, ns */
  words[66] = 120;
  words[67] = 120;
  words[68] = 120;
  words[80] = 0x00f0;                   /* ATA/ATAPI-4 to -7 */
  words[88] = ide_udma_word (d);
  words[93] = ide_reset_result (d);
}

static void
ata_identify (IdeDrive *d,
              uint16_t *words)
{
  uint64_t total = ata_total_sectors (d);
  uint64_t current;
  unsigned cylinders, cur_cylinders = ata_current_cylinders (d);

  memset (words, 0, 512);
  ata_default_geometry (d, &cylinders);
  ide_identify_common (d, words, "Guesthouse HARDDISK");
  words[0] = 0x0040;                    /* fixed device */
  words[1] = cylinders;
  words[3] = IDE_DEFAULT_HEADS;
  words[6] = IDE_DEFAULT_SECTORS;
  words[47] = 0x8000 | IDE_MAX_MULTIPLE;
  words[49] = 0x0b00;                   /* IORDY, LBA, DMA */
  words[50] = 0x4000;
  words[51] = 0x0200;                   /* obsolete PIO timing: mode 2 */
  words[53] |= 0x0001;                  /* words 54-58 valid */
  words[54] = cur_cylinders;
  words[55] = d->cur_heads;
  words[56] = d->cur_sectors;
  current = (uint64_t) cur_cylinders * d->cur_heads * d->cur_sectors;
  words[57] = current & 0xffff;
  words[58] = current >> 16;
  words[59] = d->multiple_count != 0 ? 0x0100 | d->multiple_count : 0;
  words[60] = (total > ATA_LBA28_MAX ? ATA_LBA28_MAX : total) & 0xffff;
  words[61] = (total > ATA_LBA28_MAX ? ATA_LBA28_MAX : total) >> 16;
  /* Supported / enabled: NOP, read look-ahead, write cache, power
   * management; 48-bit addressing, FLUSH CACHE and FLUSH CACHE EXT. */
  words[82] = 0x4068;
  words[83] = 0x7400;
  words[84] = 0x4000;
  words[85] = 0x4048 | (d->write_cache ? 0x0020 : 0);
  words[86] = 0x3400;
  words[87] = 0x4000;
  words[100] = total & 0xffff;
  words[101] = (total >> 16) & 0xffff;
  words[102] = (total >> 32) & 0xffff;
  words[103] = (total >> 48) & 0xffff;
}

/* Starts a PIO data-in phase of len bytes of buf. */
static void
ide_start_pio_in (IdeDrive   *d,
                  uint32_t    len,
                  IdePioNext  next)
{
  d->pos = 0;
  d->end = len;
  d->pio_next = next;
  d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ;
  ide_drive_raise_irq (d);
}

static void
ide_identify_command (IdeDrive *d)
{
  uint16_t words[256];

  if (d->kind == IDE_DRIVE_DISK)
    ata_identify (d, words);
  else
    atapi_identify (d, words);
  for (unsigned i = 0; i < 256; i++)
    {
      d->buf[2 * i] = words[i] & 0xff;
      d->buf[2 * i + 1] = words[i] >> 8;
    }
  ide_start_pio_in (d, 512, IDE_PIO_IDENTIFY);
}

/* --- Sector transfers ------------------------------------------------ */

static uint32_t
ata_chunk_sectors (const IdeDrive *d,
                   uint32_t        max)
{
  return d->xfer_left < max ? d->xfer_left : max;
}

static void
ata_read_error (IdeDrive *d)
{
  ata_set_lba (d, d->xfer_lba48, d->xfer_lba);
  ide_command_error (d, IDE_ERROR_UNC);
}

static void
ata_write_error (IdeDrive *d)
{
  ata_set_lba (d, d->xfer_lba48, d->xfer_lba);
  ide_command_error (d, IDE_ERROR_ABRT);
}

/* The last sector of a write is in: with the write cache off, ATA promises
 * it is on the medium, so make it stable before saying so. */
static void
ata_write_done (IdeDrive *d)
{
  if (!d->write_cache && block_file_flush (d->file) < 0)
    ide_command_abort (d);
  else
    ide_command_done (d);
}

/* Loads the next DRQ block of a PIO read and offers it to the host. */
static void
ata_pio_read_block (IdeDrive *d)
{
  uint32_t n = ata_chunk_sectors (d, d->xfer_block);

  if (ide_drive_read_file (d, d->buf, (size_t) n * IDE_SECTOR_SIZE,
                           d->xfer_lba * IDE_SECTOR_SIZE) < 0)
    {
      ata_read_error (d);
      return;
    }
  ide_start_pio_in (d, n * IDE_SECTOR_SIZE, IDE_PIO_ATA_READ);
}

static void
ata_pio_write_block_request (IdeDrive *d)
{
  uint32_t n = ata_chunk_sectors (d, d->xfer_block);

  d->pos = 0;
  d->end = n * IDE_SECTOR_SIZE;
  d->pio_next = IDE_PIO_ATA_WRITE;
  d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ;
}

static void
ata_start_pio (IdeDrive *d,
               bool      write,
               bool      lba48,
               unsigned  block)
{
  if (write && d->file->read_only)
    {
      ide_command_abort (d);
      return;
    }
  if (!ata_prepare_transfer (d, lba48))
    return;
  d->xfer_block = block;
  if (write)
    /* The first block of a write is asked for without an interrupt. */
    ata_pio_write_block_request (d);
  else
    ata_pio_read_block (d);
}

static void
ata_start_multiple (IdeDrive *d,
                    bool      write,
                    bool      lba48)
{
  if (d->multiple_count == 0)
    {
      ide_command_abort (d);
      return;
    }
  ata_start_pio (d, write, lba48, d->multiple_count);
}

static void
ata_start_dma (IdeDrive *d,
               bool      write,
               bool      lba48)
{
  if (write && d->file->read_only)
    {
      ide_command_abort (d);
      return;
    }
  if (!ata_prepare_transfer (d, lba48))
    return;
  ide_drive_start_dma (d, write ? IDE_DMA_ATA_WRITE : IDE_DMA_ATA_READ);
}

/* The host moved the last byte of a DRQ block. */
static void
ide_pio_block_done (IdeDrive *d)
{
  IdePioNext next = d->pio_next;
  uint32_t end = d->end;
  uint32_t n;

  d->pio_next = IDE_PIO_NONE;
  d->pos = d->end = 0;
  switch (next)
    {
    case IDE_PIO_IDENTIFY:
      d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
      break;

    case IDE_PIO_ATA_READ:
      n = ata_chunk_sectors (d, d->xfer_block);
      d->xfer_lba += n;
      d->xfer_left -= n;
      ata_set_lba (d, d->xfer_lba48, d->xfer_lba);
      if (d->xfer_left == 0)
        /* No interrupt after the last block of a PIO read. */
        d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
      else
        ata_pio_read_block (d);
      break;

    case IDE_PIO_ATA_WRITE:
      n = ata_chunk_sectors (d, d->xfer_block);
      if (ide_drive_write_file (d, d->buf, (size_t) n * IDE_SECTOR_SIZE,
                                d->xfer_lba * IDE_SECTOR_SIZE) < 0)
        {
          ata_write_error (d);
          break;
        }
      d->xfer_lba += n;
      d->xfer_left -= n;
      ata_set_lba (d, d->xfer_lba48, d->xfer_lba);
      if (d->xfer_left == 0)
        ata_write_done (d);
      else
        {
          ata_pio_write_block_request (d);
          ide_drive_raise_irq (d);
        }
      break;

    case IDE_PIO_ATAPI_PACKET:
      atapi_run_packet (d);
      break;

    case IDE_PIO_ATAPI_DATA_IN:
      d->chunk_pos = end;
      atapi_pio_block_done (d);
      break;

    case IDE_PIO_NONE:
    default:
      break;
    }
}

static uint32_t
ide_data_read (IdeChannel *ch,
               unsigned    size)
{
  IdeDrive *d = ide_selected (ch);
  uint32_t value = 0;

  if (!(d->status & IDE_STATUS_DRQ) || d->pio_next == IDE_PIO_NONE
      || d->pio_next == IDE_PIO_ATA_WRITE || d->pio_next == IDE_PIO_ATAPI_PACKET)
    return 0;
  for (unsigned i = 0; i < size && d->pos < d->end; i++)
    value |= (uint32_t) d->buf[d->pos++] << (8 * i);
  if (d->pos >= d->end)
    ide_pio_block_done (d);
  return value;
}

static void
ide_data_write (IdeChannel *ch,
                uint32_t    value,
                unsigned    size)
{
  IdeDrive *d = ide_selected (ch);

  if (!(d->status & IDE_STATUS_DRQ)
      || (d->pio_next != IDE_PIO_ATA_WRITE && d->pio_next != IDE_PIO_ATAPI_PACKET))
    return;
  for (unsigned i = 0; i < size && d->pos < d->end; i++)
    d->buf[d->pos++] = (value >> (8 * i)) & 0xff;
  if (d->pos >= d->end)
    ide_pio_block_done (d);
}

/* --- Bus-master DMA ------------------------------------------------- */

typedef enum
{
  IDE_DMA_MOVED,                /* all of it */
  IDE_DMA_TABLE_END,            /* the PRD table ended first */
  IDE_DMA_FAULT,                /* a table entry or buffer outside RAM */
} IdeDmaResult;

static void
ide_bm_restart (IdeBusMaster *bm)
{
  bm->prd_index = 0;
  bm->prd_left = 0;
  bm->prd_last = false;
}

/* Moves len bytes between buf and the memory the PRD table describes,
 * continuing where the last call stopped. */
static IdeDmaResult
ide_bm_move (IdeChannel *ch,
             uint8_t    *buf,
             uint32_t    len,
             bool        to_memory)
{
  IdeBusMaster *bm = &ch->bm;

  while (len > 0)
    {
      uint32_t n;
      int ret;

      if (bm->prd_left == 0)
        {
          uint32_t entry[2];
          uint64_t entry_addr = (uint64_t) bm->prd_table + 8ull * bm->prd_index;

          if (bm->prd_last || bm->prd_index >= IDE_PRD_MAX_ENTRIES)
            return IDE_DMA_TABLE_END;
          if (guest_memory_read (ch->mem, entry_addr, entry, sizeof entry) < 0)
            return IDE_DMA_FAULT;
          bm->prd_index++;
          /* Little-endian in the guest; the VMM only runs on x86 hosts. */
          bm->prd_addr = entry[0] & ~1u;
          bm->prd_left = entry[1] & 0xfffe;
          if (bm->prd_left == 0)
            bm->prd_left = 0x10000;
          bm->prd_last = (entry[1] & IDE_PRD_EOT) != 0;
        }
      n = len < bm->prd_left ? len : bm->prd_left;
      if (to_memory)
        ret = guest_memory_write (ch->mem, bm->prd_addr, buf, n);
      else
        ret = guest_memory_read (ch->mem, bm->prd_addr, buf, n);
      if (ret < 0)
        return IDE_DMA_FAULT;
      buf += n;
      len -= n;
      bm->prd_addr += n;
      bm->prd_left -= n;
    }
  return IDE_DMA_MOVED;
}

/* The engine and the drive are both ready: the whole data phase happens
 * now. How it ends follows SFF-8038i and QEMU: with PRDs left over, ACTIVE
 * stays set beside INTERRUPT; a table that runs out first stops the engine
 * (ACTIVE clear) with no interrupt and the drive idle, and the guest's
 * driver times out; a table or buffer outside RAM is a master abort: ERROR,
 * and the drive ends the command with ABRT. */
static void
ide_dma_run (IdeChannel *ch,
             IdeDrive   *d)
{
  IdeBusMaster *bm = &ch->bm;
  IdeDmaKind kind = d->dma;

  d->dma = IDE_DMA_NONE;
  for (;;)
    {
      uint32_t len, n = 0;
      IdeDmaResult res;

      if (kind == IDE_DMA_ATAPI_IN)
        {
          int more = atapi_next_chunk (d);

          if (more < 0)
            {
              bm->status &= ~IDE_BM_STATUS_ACTIVE;
              return;
            }
          if (more == 0)
            break;
          len = d->chunk_len - d->chunk_pos;
        }
      else
        {
          if (d->xfer_left == 0)
            break;
          n = ata_chunk_sectors (d, IDE_BUFFER_SIZE / IDE_SECTOR_SIZE);
          len = n * IDE_SECTOR_SIZE;
          if (kind == IDE_DMA_ATA_READ
              && ide_drive_read_file (d, d->buf, len, d->xfer_lba * IDE_SECTOR_SIZE) < 0)
            {
              ata_read_error (d);
              bm->status &= ~IDE_BM_STATUS_ACTIVE;
              return;
            }
        }

      res = ide_bm_move (ch, kind == IDE_DMA_ATAPI_IN ? d->buf + d->chunk_pos : d->buf, len,
                         kind != IDE_DMA_ATA_WRITE);
      if (res == IDE_DMA_FAULT)
        {
          bm->status = (bm->status & ~IDE_BM_STATUS_ACTIVE) | IDE_BM_STATUS_ERROR;
          if (kind == IDE_DMA_ATAPI_IN)
            {
              atapi_check_condition (d, SENSE_ABORTED_COMMAND, 0, 0);
            }
          else
            {
              ata_set_lba (d, d->xfer_lba48, d->xfer_lba);
              ide_command_abort (d);
            }
          return;
        }
      if (res == IDE_DMA_TABLE_END)
        {
          bm->status &= ~IDE_BM_STATUS_ACTIVE;
          ide_drive_stop_transfer (d);
          d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
          return;
        }

      if (kind == IDE_DMA_ATAPI_IN)
        {
          d->chunk_pos = d->chunk_len;
          continue;
        }
      if (kind == IDE_DMA_ATA_WRITE
          && ide_drive_write_file (d, d->buf, len, d->xfer_lba * IDE_SECTOR_SIZE) < 0)
        {
          ata_write_error (d);
          bm->status &= ~IDE_BM_STATUS_ACTIVE;
          return;
        }
      d->xfer_lba += n;
      d->xfer_left -= n;
    }

  if (bm->prd_left == 0 && bm->prd_last)
    bm->status &= ~IDE_BM_STATUS_ACTIVE;
  if (kind == IDE_DMA_ATAPI_IN)
    atapi_complete (d);
  else
    {
      ata_set_lba (d, d->xfer_lba48, d->xfer_lba);
      if (kind == IDE_DMA_ATA_WRITE)
        ata_write_done (d);
      else
        ide_command_done (d);
    }
}

void
ide_drive_start_dma (IdeDrive   *d,
                     IdeDmaKind  kind)
{
  IdeChannel *ch = d->channel;

  d->dma = kind;
  d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ;
  if ((ch->bm.cmd & IDE_BM_CMD_START) && (ch->bm.status & IDE_BM_STATUS_ACTIVE))
    ide_dma_run (ch, d);
}

uint64_t
ide_channel_bm_read (IdeChannel *ch,
                     unsigned    offset,
                     unsigned    size)
{
  uint8_t regs[IDE_BM_LEN] = { 0 };
  uint64_t value = 0;

  ide_channel_lock (ch);
  regs[IDE_BM_CMD] = ch->bm.cmd;
  regs[IDE_BM_STATUS] = ch->bm.status;
  for (unsigned i = 0; i < 4; i++)
    regs[IDE_BM_PRD_TABLE + i] = (ch->bm.prd_table >> (8 * i)) & 0xff;
  ide_channel_unlock (ch);

  for (unsigned i = 0; i < size && offset + i < IDE_BM_LEN; i++)
    value |= (uint64_t) regs[offset + i] << (8 * i);
  return value;
}

static void
ide_bm_write_cmd (IdeChannel *ch,
                  uint8_t     value)
{
  IdeBusMaster *bm = &ch->bm;
  bool was_started = bm->cmd & IDE_BM_CMD_START;

  /* The direction bit only reads back: the drive's command decides which
   * way data moves, as in QEMU, so a guest that sets it wrong gets its data
   * anyway rather than a hung command. */
  bm->cmd = value & (IDE_BM_CMD_START | IDE_BM_CMD_TO_MEMORY);
  if (!(value & IDE_BM_CMD_START))
    {
      /* Stopping the engine abandons whatever a drive still wanted to move. */
      bm->status &= ~IDE_BM_STATUS_ACTIVE;
      return;
    }
  if (was_started)
    return;
  bm->status |= IDE_BM_STATUS_ACTIVE;
  ide_bm_restart (bm);
  for (unsigned unit = 0; unit < 2; unit++)
    if (ch->drives[unit].dma != IDE_DMA_NONE)
      {
        ide_dma_run (ch, &ch->drives[unit]);
        break;
      }
}

void
ide_channel_bm_write (IdeChannel *ch,
                      unsigned    offset,
                      uint32_t    value,
                      unsigned    size)
{
  ide_channel_lock (ch);
  for (unsigned i = 0; i < size && offset + i < IDE_BM_LEN; i++)
    {
      uint8_t byte = (value >> (8 * i)) & 0xff;
      unsigned reg = offset + i;

      if (reg == IDE_BM_CMD)
        ide_bm_write_cmd (ch, byte);
      else if (reg == IDE_BM_STATUS)
        {
          /* ERROR and INTERRUPT: write 1 to clear; the drive DMA-capable
           * bits: scratch for the firmware; ACTIVE: read-only. */
          uint8_t clear = byte & (IDE_BM_STATUS_ERROR | IDE_BM_STATUS_INTR);

          ch->bm.status = (ch->bm.status & ~(clear | IDE_BM_STATUS_DMA_CAP))
                          | (byte & IDE_BM_STATUS_DMA_CAP);
        }
      else if (reg >= IDE_BM_PRD_TABLE)
        {
          unsigned shift = 8 * (reg - IDE_BM_PRD_TABLE);
          uint32_t table = (ch->bm.prd_table & ~(0xffu << shift)) | ((uint32_t) byte << shift);

          ch->bm.prd_table = table & ~3u;
        }
    }
  ide_channel_unlock (ch);
}

/* --- Commands -------------------------------------------------------- */

static void
ide_execute_diagnostic (IdeChannel *ch)
{
  for (unsigned unit = 0; unit < 2; unit++)
    if (ch->drives[unit].kind != IDE_DRIVE_NONE)
      ide_drive_reset_registers (&ch->drives[unit]);
  for (unsigned unit = 0; unit < 2; unit++)
    ch->drives[unit].select &= ~IDE_SELECT_DEV;
  if (ch->drives[0].kind != IDE_DRIVE_NONE)
    ide_drive_raise_irq (&ch->drives[0]);
  else
    /* Device 1 answers for an absent device 0 (ATA8-ACS 7.10). */
    ide_drive_raise_irq (&ch->drives[1]);
}

static void
ide_set_features (IdeDrive *d)
{
  uint8_t mode = d->nsector;

  switch (d->feature)
    {
    case ATA_SF_XFER_MODE:
      /* 00h and 01h: default PIO mode, with or without IORDY. */
      if (mode <= (ATA_XFER_PIO_DEFAULT | 1)
          || (mode >= ATA_XFER_PIO_FLOW && mode <= (ATA_XFER_PIO_FLOW | 4))
          || (mode >= ATA_XFER_MWDMA && mode <= (ATA_XFER_MWDMA | 2))
          || (mode >= ATA_XFER_UDMA && mode <= (ATA_XFER_UDMA | 5)))
        d->xfer_mode = mode;
      else
        {
          ide_command_abort (d);
          return;
        }
      break;
    case ATA_SF_WCACHE_ON:
    case ATA_SF_WCACHE_OFF:
      if (d->kind != IDE_DRIVE_DISK)
        {
          ide_command_abort (d);
          return;
        }
      d->write_cache = d->feature == ATA_SF_WCACHE_ON;
      break;
    case ATA_SF_RLA_ON:
    case ATA_SF_RLA_OFF:
    case ATA_SF_REVERT_ON:
    case ATA_SF_REVERT_OFF:
      break;
    default:
      ide_command_abort (d);
      return;
    }
  ide_command_done (d);
}

static void
ide_flush (IdeDrive *d)
{
  if (block_file_flush (d->file) < 0)
    ide_command_abort (d);
  else
    ide_command_done (d);
}

static void
ata_verify (IdeDrive *d,
            bool      lba48)
{
  if (ata_prepare_transfer (d, lba48))
    {
      ata_set_lba (d, lba48, d->xfer_lba + d->xfer_left - 1);
      d->xfer_left = 0;
      ide_command_done (d);
    }
}

static void
ata_command (IdeDrive *d,
             uint8_t   cmd)
{
  switch (cmd)
    {
    case ATA_CMD_IDENTIFY:
      ide_identify_command (d);
      break;
    case ATA_CMD_READ_SECTORS:
    case ATA_CMD_READ_SECTORS_NR:
      ata_start_pio (d, false, false, 1);
      break;
    case ATA_CMD_READ_SECTORS_EXT:
      ata_start_pio (d, false, true, 1);
      break;
    case ATA_CMD_WRITE_SECTORS:
    case ATA_CMD_WRITE_SECTORS_NR:
      ata_start_pio (d, true, false, 1);
      break;
    case ATA_CMD_WRITE_SECTORS_EXT:
      ata_start_pio (d, true, true, 1);
      break;
    case ATA_CMD_READ_MULTIPLE:
      ata_start_multiple (d, false, false);
      break;
    case ATA_CMD_READ_MULTIPLE_EXT:
      ata_start_multiple (d, false, true);
      break;
    case ATA_CMD_WRITE_MULTIPLE:
      ata_start_multiple (d, true, false);
      break;
    case ATA_CMD_WRITE_MULTIPLE_EXT:
      ata_start_multiple (d, true, true);
      break;
    case ATA_CMD_READ_DMA:
    case ATA_CMD_READ_DMA_NR:
      ata_start_dma (d, false, false);
      break;
    case ATA_CMD_READ_DMA_EXT:
      ata_start_dma (d, false, true);
      break;
    case ATA_CMD_WRITE_DMA:
    case ATA_CMD_WRITE_DMA_NR:
      ata_start_dma (d, true, false);
      break;
    case ATA_CMD_WRITE_DMA_EXT:
      ata_start_dma (d, true, true);
      break;
    case ATA_CMD_VERIFY:
    case ATA_CMD_VERIFY_NR:
      ata_verify (d, false);
      break;
    case ATA_CMD_VERIFY_EXT:
      ata_verify (d, true);
      break;
    case ATA_CMD_SET_MULTIPLE:
      if (d->nsector > IDE_MAX_MULTIPLE || (d->nsector & (d->nsector - 1)) != 0)
        ide_command_abort (d);
      else
        {
          d->multiple_count = d->nsector;
          ide_command_done (d);
        }
      break;
    case ATA_CMD_INIT_PARAMETERS:
      /* Any geometry is taken; one the disk cannot hold makes CHS
       * commands fail with IDNF, as on a real drive. */
      d->cur_heads = (d->select & 0x0f) + 1u;
      d->cur_sectors = d->nsector;
      ide_command_done (d);
      break;
    case ATA_CMD_FLUSH_CACHE:
    case ATA_CMD_FLUSH_CACHE_EXT:
      ide_flush (d);
      break;
    case ATA_CMD_CHECK_POWER:
    case ATA_CMD_CHECK_POWER_OLD:
      d->nsector = 0xff;                /* active or idle */
      ide_command_done (d);
      break;
    default:
      if ((cmd & 0xf0) == ATA_CMD_RECALIBRATE)
        {
          ide_command_done (d);
          break;
        }
      ide_command_abort (d);
      break;
    }
}

static void
atapi_ata_command (IdeDrive *d,
                   uint8_t   cmd)
{
  switch (cmd)
    {
    case ATA_CMD_IDENTIFY_PACKET:
      ide_identify_command (d);
      break;
    case ATA_CMD_PACKET:
      /* Overlapped or queued commands (features bit 1) are not offered. */
      if (d->feature & 0x02)
        {
          ide_command_abort (d);
          break;
        }
      d->packet_dma = d->feature & 0x01;
      d->byte_limit = (uint16_t) (d->hcyl << 8 | d->lcyl);
      d->pos = 0;
      d->end = ATAPI_PACKET_SIZE;
      d->pio_next = IDE_PIO_ATAPI_PACKET;
      d->nsector = ATAPI_IREASON_COD;
      d->status = IDE_STATUS_DRDY | IDE_STATUS_DRQ;
      break;
    case ATA_CMD_DEVICE_RESET:
      ide_drive_reset_registers (d);
      break;
    case ATA_CMD_CHECK_POWER:
      d->nsector = 0xff;
      ide_command_done (d);
      break;
    case ATA_CMD_IDENTIFY:
    case ATA_CMD_READ_SECTORS:
    case ATA_CMD_READ_SECTORS_NR:
      /* How a host tells an ATAPI device from a disk (ATA8-ACS 7.16). */
      ide_command_abort (d);
      atapi_set_signature (d);
      break;
    default:
      ide_command_abort (d);
      break;
    }
}

static void
ide_command (IdeChannel *ch,
             uint8_t     cmd)
{
  IdeDrive *d = ide_selected (ch);

  if (cmd == ATA_CMD_DIAGNOSTIC)
    {
      if (!ide_channel_empty (ch))
        ide_execute_diagnostic (ch);
      return;
    }
  if (d->kind == IDE_DRIVE_NONE)
    return;

  ide_drive_stop_transfer (d);
  d->intrq = false;
  d->error = 0;
  switch (cmd)
    {
    case ATA_CMD_SET_FEATURES:
      ide_set_features (d);
      return;
    case ATA_CMD_STANDBY_IMMEDIATE:
    case ATA_CMD_IDLE_IMMEDIATE:
    case ATA_CMD_STANDBY:
    case ATA_CMD_IDLE:
    case ATA_CMD_SLEEP:
    case ATA_CMD_STANDBY_IMM_OLD:
    case ATA_CMD_IDLE_IMM_OLD:
    case ATA_CMD_STANDBY_OLD:
    case ATA_CMD_IDLE_OLD:
    case ATA_CMD_SLEEP_OLD:
      /* A virtual disk never spins down. */
      ide_command_done (d);
      return;
    default:
      break;
    }
  if (d->kind == IDE_DRIVE_DISK)
    ata_command (d, cmd);
  else
    atapi_ata_command (d, cmd);
}

/* --- Registers ------------------------------------------------------- */

static uint8_t
ide_register_read (IdeChannel *ch,
                   unsigned    reg)
{
  IdeDrive *d = ide_selected (ch);
  bool hob = ch->control & IDE_CTRL_HOB;
  bool absent = d->kind == IDE_DRIVE_NONE;

  /* An empty channel reads as zero, and so do the status and error of an
   * absent device beside a present one (QEMU; what SeaBIOS and Linux expect
   * from it). The other registers were latched by both devices. */
  if (ide_channel_empty (ch))
    return 0;
  switch (reg)
    {
    case IDE_REG_ERROR:
      return absent ? 0 : hob ? d->hob_feature : d->error;
    case IDE_REG_NSECTOR:
      return hob ? d->hob_nsector : d->nsector;
    case IDE_REG_SECTOR:
      return hob ? d->hob_sector : d->sector;
    case IDE_REG_LCYL:
      return hob ? d->hob_lcyl : d->lcyl;
    case IDE_REG_HCYL:
      return hob ? d->hob_hcyl : d->hcyl;
    case IDE_REG_SELECT:
      return d->select;
    case IDE_REG_STATUS:
      if (absent)
        return 0;
      d->intrq = false;
      return d->status;
    default:
      return 0xff;
    }
}

static void
ide_register_write (IdeChannel *ch,
                    unsigned    reg,
                    uint8_t     value)
{
  /* While SRST is asserted the devices are busy and ignore the registers. */
  if (ch->control & IDE_CTRL_SRST)
    return;

  for (unsigned unit = 0; unit < 2; unit++)
    {
      IdeDrive *d = &ch->drives[unit];

      switch (reg)
        {
        case IDE_REG_ERROR:
          d->hob_feature = d->feature;
          d->feature = value;
          break;
        case IDE_REG_NSECTOR:
          d->hob_nsector = d->nsector;
          d->nsector = value;
          break;
        case IDE_REG_SECTOR:
          d->hob_sector = d->sector;
          d->sector = value;
          break;
        case IDE_REG_LCYL:
          d->hob_lcyl = d->lcyl;
          d->lcyl = value;
          break;
        case IDE_REG_HCYL:
          d->hob_hcyl = d->hcyl;
          d->hcyl = value;
          break;
        case IDE_REG_SELECT:
          d->select = value;
          break;
        default:
          break;
        }
    }
  if (reg == IDE_REG_STATUS)
    ide_command (ch, value);
}

static void
ide_control_write (IdeChannel *ch,
                   uint8_t     value)
{
  bool was_reset = ch->control & IDE_CTRL_SRST;

  ch->control = value;
  if (!was_reset && (value & IDE_CTRL_SRST))
    {
      for (unsigned unit = 0; unit < 2; unit++)
        {
          IdeDrive *d = &ch->drives[unit];

          ide_drive_stop_transfer (d);
          d->intrq = false;
          if (d->kind != IDE_DRIVE_NONE)
            d->status = IDE_STATUS_BSY;
        }
    }
  else if (was_reset && !(value & IDE_CTRL_SRST))
    {
      for (unsigned unit = 0; unit < 2; unit++)
        {
          IdeDrive *d = &ch->drives[unit];

          if (d->kind != IDE_DRIVE_NONE)
            ide_drive_reset_registers (d);
          d->select &= ~IDE_SELECT_DEV;
        }
    }
}

static uint64_t
ide_command_block_read (void     *opaque,
                        uint64_t  offset,
                        unsigned  size)
{
  IdeChannel *ch = opaque;
  uint64_t value;

  if (offset >= IDE_COMMAND_BLOCK_LEN || size == 0 || size > 4)
    return 0;
  ide_channel_lock (ch);
  if (offset == IDE_REG_DATA)
    value = ide_data_read (ch, size);
  else
    value = ide_register_read (ch, (unsigned) offset);
  ide_channel_unlock (ch);
  return value;
}

static void
ide_command_block_write (void     *opaque,
                         uint64_t  offset,
                         uint64_t  value,
                         unsigned  size)
{
  IdeChannel *ch = opaque;

  if (offset >= IDE_COMMAND_BLOCK_LEN || size == 0 || size > 4)
    return;
  ide_channel_lock (ch);
  if (offset == IDE_REG_DATA)
    ide_data_write (ch, (uint32_t) value, size);
  else
    ide_register_write (ch, (unsigned) offset, value & 0xff);
  ide_channel_unlock (ch);
}

const IoBusOps ide_command_block_ops = {
  .name  = "ide-command-block",
  .read  = ide_command_block_read,
  .write = ide_command_block_write,
};

static uint64_t
ide_control_block_read (void     *opaque,
                        uint64_t  offset,
                        unsigned  size)
{
  IdeChannel *ch = opaque;
  IdeDrive *d;
  uint64_t value = 0;

  if (offset != 0 || size == 0 || size > 4)
    return 0xff;
  ide_channel_lock (ch);
  d = ide_selected (ch);
  /* Alternate status: the status without acknowledging the interrupt. */
  if (d->kind != IDE_DRIVE_NONE)
    value = d->status;
  ide_channel_unlock (ch);
  return value;
}

static void
ide_control_block_write (void     *opaque,
                         uint64_t  offset,
                         uint64_t  value,
                         unsigned  size)
{
  IdeChannel *ch = opaque;

  if (offset != 0 || size == 0 || size > 4)
    return;
  ide_channel_lock (ch);
  ide_control_write (ch, value & 0xff);
  ide_channel_unlock (ch);
}

const IoBusOps ide_control_block_ops = {
  .name  = "ide-control-block",
  .read  = ide_control_block_read,
  .write = ide_control_block_write,
};

/* --- Life cycle ------------------------------------------------------ */

int
ide_channel_init (IdeChannel        *ch,
                  const GuestMemory *mem,
                  IrqLine            irq)
{
  memset (ch, 0, sizeof *ch);
  if (pthread_mutex_init (&ch->lock, NULL) != 0)
    return -ENOMEM;
  ch->mem = mem;
  ch->irq = irq;
  for (unsigned unit = 0; unit < 2; unit++)
    {
      ch->drives[unit].channel = ch;
      ch->drives[unit].unit = unit;
    }
  return 0;
}

int
ide_channel_attach (IdeChannel   *ch,
                    unsigned      unit,
                    IdeDriveKind  kind,
                    const char   *serial)
{
  IdeDrive *d = &ch->drives[unit];

  d->buf = calloc (1, IDE_BUFFER_SIZE);
  if (d->buf == NULL)
    return -ENOMEM;
  d->kind = kind;
  snprintf (d->serial, sizeof d->serial, "%s", serial);
  return 0;
}

void
ide_channel_destroy (IdeChannel *ch)
{
  for (unsigned unit = 0; unit < 2; unit++)
    {
      IdeDrive *d = &ch->drives[unit];

      if (d->file != NULL)
        {
          block_file_close (d->file);
          free (d->file);
        }
      free (d->buf);
    }
  pthread_mutex_destroy (&ch->lock);
}

void
ide_channel_reset (IdeChannel *ch)
{
  ide_channel_lock (ch);
  ch->control = 0;
  memset (&ch->bm, 0, sizeof ch->bm);
  for (unsigned unit = 0; unit < 2; unit++)
    {
      IdeDrive *d = &ch->drives[unit];

      ide_drive_power_on (d);
      d->unit_attention = false;
      d->media_event = MEDIA_EVENT_NONE;
    }
  ide_channel_unlock (ch);
}
