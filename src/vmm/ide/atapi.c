/* atapi.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ide/atapi.h"

/* Packet commands (SPC-3, MMC-6). */
#define GPCMD_TEST_UNIT_READY       0x00
#define GPCMD_REQUEST_SENSE         0x03
#define GPCMD_INQUIRY               0x12
#define GPCMD_MODE_SENSE_6          0x1a
#define GPCMD_START_STOP_UNIT       0x1b
#define GPCMD_PREVENT_ALLOW         0x1e
#define GPCMD_READ_CAPACITY         0x25
#define GPCMD_READ_10               0x28
#define GPCMD_SEEK_10               0x2b
#define GPCMD_READ_TOC              0x43
#define GPCMD_GET_CONFIGURATION     0x46
#define GPCMD_GET_EVENT_STATUS      0x4a
#define GPCMD_READ_DISC_INFO        0x51
#define GPCMD_MODE_SENSE_10         0x5a
#define GPCMD_READ_12               0xa8
#define GPCMD_READ_DVD_STRUCTURE    0xad
#define GPCMD_SET_CD_SPEED          0xbb
#define GPCMD_MECHANISM_STATUS      0xbd
#define GPCMD_READ_CD               0xbe

#define MMC_PROFILE_NONE            0x0000
#define MMC_PROFILE_CD_ROM          0x0008
#define MMC_PROFILE_DVD_ROM         0x0010

/* 80 minutes of 75 blocks a second: anything bigger is a DVD (QEMU draws
 * the line in the same place). */
#define CD_MAX_BLOCKS               (80u * 60u * 75u)
/* Lead-in: LBA 0 is MSF 00:02:00. */
#define CD_MSF_OFFSET               150

#define ATAPI_DEFAULT_BYTE_LIMIT    0xfffe
/* Where the data zone of a DVD starts (ECMA-267): sector 030000h. */
#define DVD_DATA_START              0x30000u

typedef enum
{
  ATAPI_NEEDS_MEDIUM = 1 << 0,    /* NOT READY without one */
  ATAPI_ALLOW_UA     = 1 << 1,    /* runs with a unit attention pending */
} AtapiFlags;

typedef struct
{
  uint8_t    opcode;
  AtapiFlags flags;
  void     (*run) (IdeDrive      *d,
                   const uint8_t *cdb);
} AtapiCommand;

static uint16_t
get_be16 (const uint8_t *p)
{
  return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t
get_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void
put_be16 (uint8_t  *p,
          uint16_t  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void
put_be32 (uint8_t  *p,
          uint32_t  v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

static bool
atapi_has_medium (const IdeDrive *d)
{
  return d->file != NULL && !d->tray_open;
}

uint32_t
atapi_medium_blocks (const IdeDrive *d)
{
  uint64_t blocks;

  if (!atapi_has_medium (d))
    return 0;
  blocks = d->file->size / ATAPI_BLOCK_SIZE;
  /* READ CAPACITY and the CDBs address 32 bits of blocks (8 TiB). */
  return blocks > UINT32_MAX ? UINT32_MAX : (uint32_t) blocks;
}

static bool
atapi_is_dvd (const IdeDrive *d)
{
  return atapi_medium_blocks (d) > CD_MAX_BLOCKS;
}

void
atapi_set_signature (IdeDrive *d)
{
  d->nsector = 0x01;
  d->sector = 0x01;
  d->lcyl = 0x14;
  d->hcyl = 0xeb;
}

void
atapi_identify (IdeDrive *d,
                uint16_t *words)
{
  memset (words, 0, 512);
  ide_identify_common (d, words, "Guesthouse DVD-ROM");
  /* ATAPI, CD-ROM device type, removable, DRQ within 50 us, 12-byte
   * packets. */
  words[0] = 0x85c0;
  words[49] = 0x0b00;                   /* IORDY, LBA, DMA */
  words[53] |= 0x0001;
  words[71] = 30;                       /* typical release / service times, ns */
  words[72] = 30;
  /* PACKET and power management feature sets; NOP. */
  words[82] = 0x4018;
  words[83] = 0x4000;
  words[84] = 0x4000;
  words[85] = 0x4018;
  words[86] = 0x0000;
  words[87] = 0x4000;
}

void
atapi_complete (IdeDrive *d)
{
  d->sense_key = SENSE_NO_SENSE;
  d->asc = d->ascq = 0;
  d->chunk_len = d->chunk_pos = 0;
  d->xfer_left = 0;
  d->error = 0;
  d->nsector = ATAPI_IREASON_IO | ATAPI_IREASON_COD;
  d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
  ide_drive_raise_irq (d);
}

/* The ATAPI way of CHECK CONDITION: ERR in the status and the sense key in
 * the upper nibble of the error register; the rest waits for REQUEST
 * SENSE. */
void
atapi_check_condition (IdeDrive *d,
                       uint8_t   key,
                       uint8_t   asc,
                       uint8_t   ascq)
{
  d->pos = d->end = 0;
  d->pio_next = IDE_PIO_NONE;
  d->dma = IDE_DMA_NONE;
  d->chunk_len = d->chunk_pos = 0;
  d->xfer_left = 0;
  d->sense_key = key;
  d->asc = asc;
  d->ascq = ascq;
  d->error = (uint8_t) (key << 4);
  d->nsector = ATAPI_IREASON_IO | ATAPI_IREASON_COD;
  d->status = IDE_STATUS_DRDY | IDE_STATUS_ERR;
  ide_drive_raise_irq (d);
}

static void
atapi_invalid_field (IdeDrive *d)
{
  atapi_check_condition (d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
}

static void
atapi_not_ready (IdeDrive *d)
{
  /* ASCQ 01h: tray closed, 02h: tray open. */
  atapi_check_condition (d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT, d->tray_open ? 0x02 : 0x01);
}

int
atapi_next_chunk (IdeDrive *d)
{
  uint32_t n;

  if (d->chunk_pos < d->chunk_len)
    return 1;
  if (d->xfer_left == 0)
    return 0;
  /* Ejected from the control socket in the middle of a long read. */
  if (!atapi_has_medium (d))
    {
      atapi_not_ready (d);
      return -1;
    }
  n = d->xfer_left < IDE_BUFFER_SIZE / ATAPI_BLOCK_SIZE ? d->xfer_left
                                                        : IDE_BUFFER_SIZE / ATAPI_BLOCK_SIZE;
  if (ide_drive_read_file (d, d->buf, (size_t) n * ATAPI_BLOCK_SIZE,
                           d->xfer_lba * ATAPI_BLOCK_SIZE) < 0)
    {
      atapi_check_condition (d, SENSE_MEDIUM_ERROR, ASC_READ_ERROR, 0);
      return -1;
    }
  d->chunk_pos = 0;
  d->chunk_len = n * ATAPI_BLOCK_SIZE;
  d->xfer_lba += n;
  d->xfer_left -= n;
  return 1;
}

/* Offers the next DRQ block of a PIO data-in phase, as big as the byte count
 * limit of the PACKET command allows, or ends the command. */
static void
atapi_pio_next (IdeDrive *d)
{
  uint32_t limit = d->byte_limit;
  uint32_t n;
  int more = atapi_next_chunk (d);

  if (more < 0)
    return;
  if (more == 0)
    {
      atapi_complete (d);
      return;
    }
  /* 0 is not a valid limit and FFFFh is odd: both mean "as much as fits". */
  if (limit == 0 || limit == 0xffff)
    limit = ATAPI_DEFAULT_BYTE_LIMIT;
  n = d->chunk_len - d->chunk_pos;
  if (n > limit)
    {
      /* Only the last block of a transfer may have an odd length. */
      n = limit & ~1u;
      if (n == 0)
        n = 2;
    }
  d->pos = d->chunk_pos;
  d->end = d->chunk_pos + n;
  d->pio_next = IDE_PIO_ATAPI_DATA_IN;
  d->lcyl = n & 0xff;
  d->hcyl = (n >> 8) & 0xff;
  d->nsector = ATAPI_IREASON_IO;
  d->status = IDE_STATUS_DRDY | IDE_STATUS_DRQ;
  ide_drive_raise_irq (d);
}

void
atapi_pio_block_done (IdeDrive *d)
{
  atapi_pio_next (d);
}

/* Starts the data-in phase of what is in buf[0, len) followed by xfer_left
 * blocks from xfer_lba, or ends a command with nothing to send. */
static void
atapi_start_data (IdeDrive *d,
                  uint32_t  len)
{
  d->chunk_pos = 0;
  d->chunk_len = len;
  if (len == 0 && d->xfer_left == 0)
    atapi_complete (d);
  else if (d->packet_dma)
    ide_drive_start_dma (d, IDE_DMA_ATAPI_IN);
  else
    atapi_pio_next (d);
}

/* A reply of len bytes the command built in buf, cut to the allocation
 * length of the CDB. */
static void
atapi_reply (IdeDrive *d,
             uint32_t  len,
             uint32_t  alloc)
{
  atapi_start_data (d, len < alloc ? len : alloc);
}

static void
atapi_test_unit_ready (IdeDrive      *d,
                       const uint8_t *cdb)
{
  atapi_complete (d);
}

static void
atapi_request_sense (IdeDrive      *d,
                     const uint8_t *cdb)
{
  uint8_t *r = d->buf;

  memset (r, 0, 18);
  r[0] = 0x70;                          /* current error, fixed format */
  r[2] = d->sense_key;
  r[7] = 10;
  r[12] = d->asc;
  r[13] = d->ascq;
  atapi_reply (d, 18, cdb[4]);
}

static void
atapi_inquiry (IdeDrive      *d,
               const uint8_t *cdb)
{
  uint8_t *r = d->buf;

  /* No vital product data pages. */
  if (cdb[1] & 0x01)
    {
      atapi_invalid_field (d);
      return;
    }
  memset (r, 0, 36);
  r[0] = 0x05;                          /* CD/DVD device */
  r[1] = 0x80;                          /* removable */
  r[2] = 0x00;                          /* no standard claimed, as ATAPI drives do */
  r[3] = 0x21;                          /* ATAPI, response data format 1 */
  r[4] = 36 - 5;
  memcpy (r + 8, "Guesthse", 8);
  memcpy (r + 16, "DVD-ROM         ", 16);
  memset (r + 32, ' ', 4);
  memcpy (r + 32, PACKAGE_VERSION, strlen (PACKAGE_VERSION) < 4 ? strlen (PACKAGE_VERSION) : 4);
  atapi_reply (d, 36, get_be16 (cdb + 3));
}

static void
atapi_read_capacity (IdeDrive      *d,
                     const uint8_t *cdb)
{
  uint32_t blocks = atapi_medium_blocks (d);

  put_be32 (d->buf, blocks > 0 ? blocks - 1 : 0);
  put_be32 (d->buf + 4, ATAPI_BLOCK_SIZE);
  atapi_reply (d, 8, 8);
}

static void
atapi_start_read (IdeDrive *d,
                  uint32_t  lba,
                  uint32_t  count)
{
  uint32_t blocks = atapi_medium_blocks (d);

  if (lba > blocks || count > blocks - lba)
    {
      atapi_check_condition (d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
      return;
    }
  d->xfer_lba = lba;
  d->xfer_left = count;
  atapi_start_data (d, 0);
}

static void
atapi_read_10 (IdeDrive      *d,
               const uint8_t *cdb)
{
  atapi_start_read (d, get_be32 (cdb + 2), get_be16 (cdb + 7));
}

static void
atapi_read_12 (IdeDrive      *d,
               const uint8_t *cdb)
{
  atapi_start_read (d, get_be32 (cdb + 2), get_be32 (cdb + 6));
}

static void
atapi_read_cd (IdeDrive      *d,
               const uint8_t *cdb)
{
  uint32_t count = (uint32_t) cdb[6] << 16 | (uint32_t) cdb[7] << 8 | cdb[8];
  uint8_t fields = cdb[9] & 0xf8;
  uint8_t sector_type = (cdb[1] >> 2) & 0x07;

  /* A data disc has Mode 1 sectors: any type or Mode 1 is what we hold.
   * Only user data, or nothing at all, is on offer - no sync, headers,
   * EDC/ECC or subchannels, which an ISO image does not have. */
  if ((sector_type != 0 && sector_type != 2) || (fields != 0x10 && fields != 0x00)
      || (cdb[10] & 0x07) != 0)
    {
      atapi_invalid_field (d);
      return;
    }
  if (fields == 0x00)
    count = 0;
  atapi_start_read (d, get_be32 (cdb + 2), count);
}

static void
atapi_seek (IdeDrive      *d,
            const uint8_t *cdb)
{
  if (get_be32 (cdb + 2) >= atapi_medium_blocks (d))
    atapi_check_condition (d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
  else
    atapi_complete (d);
}

static uint32_t
atapi_mode_page (const IdeDrive *d,
                 uint8_t        *p,
                 uint8_t         page,
                 bool            changeable)
{
  uint32_t len;

  switch (page)
    {
    case 0x01:                          /* read error recovery */
      len = 12;
      memset (p, 0, len);
      p[0] = 0x01;
      p[1] = 10;
      if (!changeable)
        p[3] = 5;                       /* read retry count */
      return len;
    case 0x2a:                          /* CD/DVD capabilities and mechanical status */
      len = 22;
      memset (p, 0, len);
      p[0] = 0x2a;
      p[1] = 20;
      if (changeable)
        return len;
      p[2] = 0x3b;                      /* reads CD-R, CD-RW, method 2, DVD-ROM, DVD-R */
      p[4] = 0x71;                      /* multi-session, mode 2 form 1/2, audio play */
      p[5] = 0x01;                      /* CD-DA commands */
      /* Tray loading, eject, lock, and whether it is locked now. */
      p[6] = 0x29 | (d->locked ? 0x02 : 0);
      put_be16 (p + 8, 706);            /* obsolete maximum speed, kB/s (4x) */
      put_be16 (p + 10, 2);             /* volume levels */
      put_be16 (p + 12, 512);           /* buffer, KiB */
      put_be16 (p + 14, 706);
      return len;
    default:
      return 0;
    }
}

static void
atapi_mode_sense (IdeDrive      *d,
                  const uint8_t *cdb)
{
  bool ten = cdb[0] == GPCMD_MODE_SENSE_10;
  uint32_t header = ten ? 8 : 4;
  uint32_t alloc = ten ? get_be16 (cdb + 7) : cdb[4];
  uint8_t control = cdb[2] >> 6;
  uint8_t page = cdb[2] & 0x3f;
  uint8_t *r = d->buf;
  uint32_t len = header;

  if (control == 3)
    {
      atapi_check_condition (d, SENSE_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED, 0);
      return;
    }
  memset (r, 0, header);
  if (page == 0x3f)
    {
      len += atapi_mode_page (d, r + len, 0x01, control == 1);
      len += atapi_mode_page (d, r + len, 0x2a, control == 1);
    }
  else
    {
      uint32_t n = atapi_mode_page (d, r + len, page, control == 1);

      if (n == 0)
        {
          atapi_invalid_field (d);
          return;
        }
      len += n;
    }
  if (ten)
    put_be16 (r, (uint16_t) (len - 2));
  else
    r[0] = (uint8_t) (len - 1);
  atapi_reply (d, len, alloc);
}

static uint32_t
atapi_put_feature (uint8_t  *p,
                   uint16_t  code,
                   uint8_t   version,
                   bool      current,
                   uint8_t   len)
{
  put_be16 (p, code);
  p[2] = (uint8_t) (version << 2) | 0x02 | (current ? 0x01 : 0);
  p[3] = len;
  memset (p + 4, 0, len);
  return 4u + len;
}

static void
atapi_get_configuration (IdeDrive      *d,
                         const uint8_t *cdb)
{
  uint8_t rt = cdb[1] & 0x03;
  uint16_t start = get_be16 (cdb + 2);
  bool medium = atapi_has_medium (d);
  bool dvd = atapi_is_dvd (d);
  uint16_t profile = !medium ? MMC_PROFILE_NONE : dvd ? MMC_PROFILE_DVD_ROM : MMC_PROFILE_CD_ROM;
  static const uint16_t features[] = { 0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x001e, 0x001f };
  uint8_t *r = d->buf;
  uint32_t len = 8;

  if (rt == 3)
    {
      atapi_invalid_field (d);
      return;
    }
  memset (r, 0, 8);
  put_be16 (r + 6, profile);
  for (unsigned i = 0; i < sizeof features / sizeof features[0]; i++)
    {
      uint16_t code = features[i];
      bool current = code < 0x0010 || (medium && (code != 0x001f || dvd));
      uint8_t *p = r + len;

      if (rt == 2 ? code != start : code < start)
        continue;
      if (rt == 1 && !current)
        continue;
      switch (code)
        {
        case 0x0000:                    /* profile list */
          len += atapi_put_feature (p, code, 0, true, 8);
          put_be16 (p + 4, MMC_PROFILE_DVD_ROM);
          p[6] = profile == MMC_PROFILE_DVD_ROM;
          put_be16 (p + 8, MMC_PROFILE_CD_ROM);
          p[10] = profile == MMC_PROFILE_CD_ROM;
          break;
        case 0x0001:                    /* core: ATAPI */
          len += atapi_put_feature (p, code, 2, true, 8);
          put_be32 (p + 4, 2);
          break;
        case 0x0002:                    /* morphing: GET EVENT STATUS polling */
          len += atapi_put_feature (p, code, 1, true, 4);
          break;
        case 0x0003:                    /* removable medium: tray, eject, lock */
          len += atapi_put_feature (p, code, 0, true, 4);
          p[4] = 0x29 | (d->locked ? 0x04 : 0);
          break;
        case 0x0010:                    /* random readable */
          len += atapi_put_feature (p, code, 0, current, 8);
          put_be32 (p + 4, ATAPI_BLOCK_SIZE);
          put_be16 (p + 8, dvd ? 16 : 1);
          break;
        case 0x001e:                    /* CD read */
          len += atapi_put_feature (p, code, 2, current, 4);
          break;
        case 0x001f:                    /* DVD read */
          len += atapi_put_feature (p, code, 0, current, 4);
          break;
        default:
          break;
        }
    }
  put_be32 (r, len - 4);
  atapi_reply (d, len, get_be16 (cdb + 7));
}

static void
atapi_put_address (uint8_t  *p,
                   uint32_t  lba,
                   bool      msf)
{
  if (msf)
    {
      uint32_t frames = lba + CD_MSF_OFFSET;

      p[0] = 0;
      p[1] = (uint8_t) (frames / (60 * 75));
      p[2] = (frames / 75) % 60;
      p[3] = frames % 75;
    }
  else
    put_be32 (p, lba);
}

static void
atapi_read_toc (IdeDrive      *d,
                const uint8_t *cdb)
{
  bool msf = cdb[1] & 0x02;
  uint8_t format = cdb[2] & 0x0f;
  uint8_t track = cdb[6];
  uint8_t *r = d->buf;
  uint32_t len = 4;

  /* Old drives took the format from the top bits of the control byte. */
  if (format == 0)
    format = cdb[9] >> 6;
  memset (r, 0, 4);
  r[2] = 1;
  r[3] = 1;
  switch (format)
    {
    case 0:
      if (track > 1 && track != 0xaa)
        {
          atapi_invalid_field (d);
          return;
        }
      if (track <= 1)
        {
          r[len + 1] = 0x14;            /* data track, ADR 1 */
          r[len + 2] = 1;
          atapi_put_address (r + len + 4, 0, msf);
          len += 8;
        }
      r[len + 1] = 0x14;
      r[len + 2] = 0xaa;                /* lead-out */
      atapi_put_address (r + len + 4, atapi_medium_blocks (d), msf);
      len += 8;
      break;
    case 1:                             /* one complete session */
      r[len + 1] = 0x14;
      r[len + 2] = 1;
      atapi_put_address (r + len + 4, 0, msf);
      len += 8;
      break;
    case 2:                             /* full TOC, always in MSF */
      {
        static const uint8_t points[] = { 0xa0, 0xa1, 0xa2, 0x01 };

        for (unsigned i = 0; i < sizeof points; i++)
          {
            uint8_t *q = r + len;

            memset (q, 0, 11);
            q[0] = 1;                   /* session */
            q[1] = 0x14;
            q[3] = points[i];
            if (points[i] == 0xa0 || points[i] == 0xa1)
              q[8] = 1;                 /* first / last track; disc type 00h */
            else
              atapi_put_address (q + 7, points[i] == 0xa2 ? atapi_medium_blocks (d) : 0, true);
            len += 11;
          }
      }
      break;
    default:
      atapi_invalid_field (d);
      return;
    }
  put_be16 (r, (uint16_t) (len - 2));
  atapi_reply (d, len, get_be16 (cdb + 7));
}

static void
atapi_read_dvd_structure (IdeDrive      *d,
                          const uint8_t *cdb)
{
  uint8_t *r = d->buf;
  uint32_t blocks = atapi_medium_blocks (d);
  uint32_t len;

  /* Only the structures of a DVD-ROM's only layer, for DVD media. */
  if (cdb[7] > 0x01 || cdb[6] != 0 || cdb[1] != 0)
    {
      atapi_invalid_field (d);
      return;
    }
  if (!atapi_is_dvd (d))
    {
      atapi_check_condition (d, SENSE_ILLEGAL_REQUEST, ASC_INCOMPATIBLE_MEDIUM, 0x02);
      return;
    }
  if (cdb[7] == 0x00)
    {
      /* Physical format information: DVD-ROM book, 120 mm, one layer,
       * the data zone. */
      len = 4 + 2048;
      memset (r, 0, len);
      r[4] = 0x01;
      r[5] = 0x0f;
      r[6] = 0x01;
      put_be32 (r + 8, DVD_DATA_START);
      put_be32 (r + 12, DVD_DATA_START + blocks - 1);
    }
  else
    {
      /* Copyright information: no protection, every region. */
      len = 8;
      memset (r, 0, len);
    }
  put_be16 (r, (uint16_t) (len - 2));
  atapi_reply (d, len, get_be16 (cdb + 8));
}

static void
atapi_get_event_status (IdeDrive      *d,
                        const uint8_t *cdb)
{
  uint8_t *r = d->buf;
  uint32_t len = 4;

  /* Only polled operation: there is no asynchronous notification. */
  if (!(cdb[1] & 0x01))
    {
      atapi_invalid_field (d);
      return;
    }
  memset (r, 0, 8);
  r[3] = 0x10;                          /* supported: media class */
  if (cdb[4] & 0x10)
    {
      r[2] = 0x04;
      r[4] = d->media_event;
      r[5] = (d->tray_open ? 0x01 : 0) | (atapi_has_medium (d) ? 0x02 : 0);
      d->media_event = MEDIA_EVENT_NONE;
      len = 8;
    }
  else
    r[2] = 0x80;                        /* no event available */
  put_be16 (r, (uint16_t) (len - 2));
  atapi_reply (d, len, get_be16 (cdb + 7));
}

static void
atapi_prevent_allow (IdeDrive      *d,
                     const uint8_t *cdb)
{
  d->locked = cdb[4] & 0x01;
  atapi_complete (d);
}

static void
atapi_start_stop (IdeDrive      *d,
                  const uint8_t *cdb)
{
  bool start = cdb[4] & 0x01;
  bool load_eject = cdb[4] & 0x02;

  if (load_eject && !start)
    {
      if (d->locked)
        {
          atapi_check_condition (d, SENSE_ILLEGAL_REQUEST, ASC_MEDIUM_REMOVAL_PREVENTED, 0x02);
          return;
        }
      if (!d->tray_open && d->file != NULL)
        d->media_event = MEDIA_EVENT_MEDIA_REMOVAL;
      d->tray_open = true;
    }
  else if (load_eject && start && d->tray_open)
    {
      d->tray_open = false;
      if (d->file != NULL)
        {
          d->unit_attention = true;
          d->media_event = MEDIA_EVENT_NEW_MEDIA;
        }
    }
  atapi_complete (d);
}

static void
atapi_mechanism_status (IdeDrive      *d,
                        const uint8_t *cdb)
{
  uint8_t *r = d->buf;

  memset (r, 0, 8);
  r[1] = d->tray_open ? 0x10 : 0;
  atapi_reply (d, 8, get_be16 (cdb + 8));
}

static void
atapi_read_disc_info (IdeDrive      *d,
                      const uint8_t *cdb)
{
  uint8_t *r = d->buf;

  if ((cdb[1] & 0x07) != 0)
    {
      atapi_invalid_field (d);
      return;
    }
  memset (r, 0, 34);
  put_be16 (r, 32);
  r[2] = 0x0e;                          /* complete disc, complete last session */
  r[3] = 1;                             /* first track */
  r[4] = 1;                             /* sessions */
  r[5] = 1;                             /* first track of the last session */
  r[6] = 1;                             /* last track of the last session */
  r[8] = 0x00;                          /* CD-DA or CD-ROM disc */
  memset (r + 16, 0xff, 8);             /* no lead-in / lead-out times */
  atapi_reply (d, 34, get_be16 (cdb + 7));
}

static void
atapi_nothing_to_do (IdeDrive      *d,
                     const uint8_t *cdb)
{
  atapi_complete (d);
}

static const AtapiCommand atapi_commands[] = {
  { GPCMD_TEST_UNIT_READY, ATAPI_NEEDS_MEDIUM, atapi_test_unit_ready },
  { GPCMD_REQUEST_SENSE, ATAPI_ALLOW_UA, atapi_request_sense },
  { GPCMD_INQUIRY, ATAPI_ALLOW_UA, atapi_inquiry },
  { GPCMD_MODE_SENSE_6, 0, atapi_mode_sense },
  { GPCMD_START_STOP_UNIT, 0, atapi_start_stop },
  { GPCMD_PREVENT_ALLOW, 0, atapi_prevent_allow },
  { GPCMD_READ_CAPACITY, ATAPI_NEEDS_MEDIUM, atapi_read_capacity },
  { GPCMD_READ_10, ATAPI_NEEDS_MEDIUM, atapi_read_10 },
  { GPCMD_SEEK_10, ATAPI_NEEDS_MEDIUM, atapi_seek },
  { GPCMD_READ_TOC, ATAPI_NEEDS_MEDIUM, atapi_read_toc },
  { GPCMD_GET_CONFIGURATION, ATAPI_ALLOW_UA, atapi_get_configuration },
  { GPCMD_GET_EVENT_STATUS, ATAPI_ALLOW_UA, atapi_get_event_status },
  { GPCMD_READ_DISC_INFO, ATAPI_NEEDS_MEDIUM, atapi_read_disc_info },
  { GPCMD_MODE_SENSE_10, 0, atapi_mode_sense },
  { GPCMD_READ_12, ATAPI_NEEDS_MEDIUM, atapi_read_12 },
  { GPCMD_READ_DVD_STRUCTURE, ATAPI_NEEDS_MEDIUM, atapi_read_dvd_structure },
  { GPCMD_SET_CD_SPEED, 0, atapi_nothing_to_do },
  { GPCMD_MECHANISM_STATUS, 0, atapi_mechanism_status },
  { GPCMD_READ_CD, ATAPI_NEEDS_MEDIUM, atapi_read_cd },
};

void
atapi_run_packet (IdeDrive *d)
{
  const AtapiCommand *command = NULL;

  memcpy (d->packet, d->buf, ATAPI_PACKET_SIZE);
  d->chunk_len = d->chunk_pos = 0;
  d->xfer_left = 0;
  for (unsigned i = 0; i < sizeof atapi_commands / sizeof atapi_commands[0]; i++)
    if (atapi_commands[i].opcode == d->packet[0])
      command = &atapi_commands[i];

  if (command == NULL)
    {
      atapi_check_condition (d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
      return;
    }
  /* A medium change is reported once, to the first command that may
   * report it (SPC-3 5.8.7: not INQUIRY, REQUEST SENSE, and the MMC
   * commands a host polls with). */
  if (d->unit_attention && !(command->flags & ATAPI_ALLOW_UA))
    {
      d->unit_attention = false;
      atapi_check_condition (d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_MAY_HAVE_CHANGED, 0);
      return;
    }
  if ((command->flags & ATAPI_NEEDS_MEDIUM) && !atapi_has_medium (d))
    {
      atapi_not_ready (d);
      return;
    }
  command->run (d, d->packet);
}
