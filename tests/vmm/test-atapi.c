/* test-atapi.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>

#include "ide-test-harness.h"
#include "ide/atapi.h"

#define CD_BLOCKS    300
#define CD_SIZE      (CD_BLOCKS * 2048u)
/* Status of a command that ended with GOOD status. */
#define GOOD         (IDE_STATUS_DRDY | IDE_STATUS_DSC)

/* The CD-ROM is the secondary master, as QEMU's -cdrom; a disk is the
 * primary master. */
typedef struct
{
  Harness     h;
  IdeChannel *ch;
  char       *cd_path;
} Cd;

static void
setup_cd (Cd       *cd,
          uint64_t  size,
          bool      with_medium)
{
  IdeDriveConfig drives[2][2] = { { { 0 } } };
  char *disk = make_image (&cd->h, 1 << 20, 0);

  cd->cd_path = make_image (&cd->h, size, size < (8u << 20) ? size : (8u << 20));
  drives[0][0] = (IdeDriveConfig) { IDE_DRIVE_DISK, open_image (disk, false), NULL };
  drives[1][0] = (IdeDriveConfig) { IDE_DRIVE_CDROM,
                                    with_medium ? open_image (cd->cd_path, true) : NULL, NULL };
  harness_init (&cd->h, drives);
  cd->ch = cd->h.ch[1];
  outb (cd->ch, IDE_REG_SELECT, 0xa0);
}

/* Issues PACKET and writes the 12 bytes of cdb. */
static void
send_packet (IdeChannel    *ch,
             const uint8_t *cdb,
             uint16_t       byte_limit,
             bool           dma)
{
  outb (ch, IDE_REG_ERROR, dma ? 0x01 : 0x00);
  outb (ch, IDE_REG_LCYL, byte_limit & 0xff);
  outb (ch, IDE_REG_HCYL, byte_limit >> 8);
  outb (ch, IDE_REG_STATUS, 0xa0);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DRQ);
  g_assert_cmphex (inb (ch, IDE_REG_NSECTOR) & 3, ==, ATAPI_IREASON_COD);
  for (unsigned i = 0; i < ATAPI_PACKET_SIZE; i += 2)
    outw (ch, (uint16_t) (cdb[i] | cdb[i + 1] << 8));
}

/* The data-in phase as a driver runs it: on each interrupt, the status, the
 * interrupt reason and the byte count of the DRQ block. Returns the bytes
 * read; *status is the final status. max_block: the largest block seen. */
static size_t
pio_reply (IdeChannel *ch,
           uint8_t    *buf,
           size_t      len,
           uint8_t    *status,
           unsigned   *max_block)
{
  size_t total = 0;

  if (max_block != NULL)
    *max_block = 0;
  for (;;)
    {
      uint8_t st = inb (ch, IDE_REG_STATUS);
      unsigned n;

      if (!(st & IDE_STATUS_DRQ))
        {
          *status = st;
          g_assert_cmphex (inb (ch, IDE_REG_NSECTOR) & 3, ==,
                           ATAPI_IREASON_IO | ATAPI_IREASON_COD);
          return total;
        }
      g_assert_cmphex (inb (ch, IDE_REG_NSECTOR) & 3, ==, ATAPI_IREASON_IO);
      n = inb (ch, IDE_REG_LCYL) | inb (ch, IDE_REG_HCYL) << 8;
      g_assert_cmpuint (n, >, 0);
      g_assert_cmpuint (total + n, <=, len);
      if (max_block != NULL && n > *max_block)
        *max_block = n;
      read_data (ch, buf + total, n);
      total += n;
    }
}

/* A command without data, or whose data we only count. Returns the status. */
static uint8_t
run_packet (IdeChannel    *ch,
            const uint8_t *cdb,
            uint8_t       *buf,
            size_t         len,
            size_t        *got)
{
  uint8_t scratch[65536];
  uint8_t status;
  size_t n;

  send_packet (ch, cdb, 0xfffe, false);
  n = pio_reply (ch, buf != NULL ? buf : scratch, buf != NULL ? len : sizeof scratch, &status,
                 NULL);
  if (got != NULL)
    *got = n;
  return status;
}

static void
get_sense (IdeChannel *ch,
           uint8_t    *key,
           uint8_t    *asc,
           uint8_t    *ascq)
{
  const uint8_t cdb[12] = { 0x03, 0, 0, 0, 18 };
  uint8_t sense[18];
  size_t got;

  g_assert_cmphex (run_packet (ch, cdb, sense, sizeof sense, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 18);
  g_assert_cmphex (sense[0], ==, 0x70);
  *key = sense[2] & 0x0f;
  *asc = sense[12];
  *ascq = sense[13];
}

/* The command failed with CHECK CONDITION and this sense. */
static void
assert_check_condition (IdeChannel *ch,
                        uint8_t     status,
                        uint8_t     key,
                        uint8_t     asc,
                        uint8_t     ascq)
{
  uint8_t k, a, q;

  g_assert_cmphex (status, ==, IDE_STATUS_DRDY | IDE_STATUS_ERR);
  g_assert_cmphex (inb (ch, IDE_REG_ERROR), ==, key << 4);
  get_sense (ch, &k, &a, &q);
  g_assert_cmphex (k, ==, key);
  g_assert_cmphex (a, ==, asc);
  g_assert_cmphex (q, ==, ascq);
}

static const uint8_t tur[12] = { 0x00 };

static void
check_cd_pattern (const uint8_t *buf,
                  uint64_t       offset,
                  size_t         len)
{
  for (size_t i = 0; i < len; i++)
    if (buf[i] != pattern_byte (offset + i))
      g_error ("byte %zu of a read at %" G_GUINT64_FORMAT " is wrong", i, offset);
}

static void
test_signature_and_identify (void)
{
  Cd cd = { 0 };
  uint16_t w[256];
  char model[41];

  setup_cd (&cd, CD_SIZE, true);
  g_assert_cmphex (inb (cd.ch, IDE_REG_LCYL), ==, 0x14);
  g_assert_cmphex (inb (cd.ch, IDE_REG_HCYL), ==, 0xeb);
  g_assert_cmphex (inb (cd.ch, IDE_REG_STATUS), ==, 0);

  /* IDENTIFY DEVICE: aborted, signature in place. */
  outb (cd.ch, IDE_REG_LCYL, 0);
  outb (cd.ch, IDE_REG_STATUS, 0xec);
  g_assert_cmphex (inb (cd.ch, IDE_REG_STATUS) & IDE_STATUS_ERR, ==, IDE_STATUS_ERR);
  g_assert_cmphex (inb (cd.ch, IDE_REG_ERROR), ==, IDE_ERROR_ABRT);
  g_assert_cmphex (inb (cd.ch, IDE_REG_LCYL), ==, 0x14);
  g_assert_cmphex (inb (cd.ch, IDE_REG_HCYL), ==, 0xeb);

  outb (cd.ch, IDE_REG_STATUS, 0xa1);
  g_assert_cmphex (inb (cd.ch, IDE_REG_STATUS) & IDE_STATUS_DRQ, ==, IDE_STATUS_DRQ);
  for (unsigned i = 0; i < 256; i++)
    w[i] = inw (cd.ch);
  g_assert_cmphex (w[0], ==, 0x85c0);
  for (unsigned i = 0; i < 20; i++)
    {
      model[2 * i] = w[27 + i] >> 8;
      model[2 * i + 1] = w[27 + i] & 0xff;
    }
  model[40] = '\0';
  g_strchomp (model);
  g_assert_cmpstr (model, ==, "Guesthouse DVD-ROM");
  g_assert_cmphex (w[49] & 0x0300, ==, 0x0300);
  g_assert_cmphex (alt_status (cd.ch) & IDE_STATUS_DRQ, ==, 0);

  /* DEVICE RESET: the signature again, no interrupt. */
  inb (cd.ch, IDE_REG_STATUS);
  outb (cd.ch, IDE_REG_LCYL, 0);
  outb (cd.ch, IDE_REG_STATUS, 0x08);
  g_assert_false (cd.h.irq_rec[1].level);
  g_assert_cmphex (inb (cd.ch, IDE_REG_LCYL), ==, 0x14);
  g_assert_cmphex (inb (cd.ch, IDE_REG_STATUS) & (IDE_STATUS_BSY | IDE_STATUS_ERR), ==, 0);

  /* ATA commands a CD-ROM does not have. */
  outb (cd.ch, IDE_REG_STATUS, 0xc8);
  g_assert_cmphex (inb (cd.ch, IDE_REG_ERROR), ==, IDE_ERROR_ABRT);
  outb (cd.ch, IDE_REG_STATUS, 0x30);
  g_assert_cmphex (inb (cd.ch, IDE_REG_ERROR), ==, IDE_ERROR_ABRT);
  g_assert_cmphex (alt_status (cd.ch) & IDE_STATUS_DRQ, ==, 0);
  harness_destroy (&cd.h);
}

static void
test_inquiry (void)
{
  Cd cd = { 0 };
  const uint8_t inquiry[12] = { 0x12, 0, 0, 0, 96 };
  const uint8_t short_inquiry[12] = { 0x12, 0, 0, 0, 5 };
  const uint8_t evpd[12] = { 0x12, 1, 0x80, 0, 96 };
  uint8_t buf[96];
  size_t got;

  setup_cd (&cd, CD_SIZE, true);
  g_assert_cmphex (run_packet (cd.ch, inquiry, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 36);
  g_assert_cmphex (buf[0], ==, 0x05);
  g_assert_cmphex (buf[1], ==, 0x80);
  g_assert_cmpmem (buf + 8, 8, "Guesthse", 8);
  g_assert_cmpmem (buf + 16, 16, "DVD-ROM         ", 16);
  g_assert_cmpuint (cd.h.irq_rec[1].raises, >=, 1);

  g_assert_cmphex (run_packet (cd.ch, short_inquiry, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 5);

  assert_check_condition (cd.ch, run_packet (cd.ch, evpd, NULL, 0, NULL),
                          0x05, 0x24, 0);
  harness_destroy (&cd.h);
}

static void
test_read_capacity (void)
{
  Cd cd = { 0 };
  const uint8_t cdb[12] = { 0x25 };
  uint8_t buf[8];
  size_t got;

  setup_cd (&cd, CD_SIZE, true);
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 8);
  g_assert_cmpuint ((uint32_t) buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3], ==,
                    CD_BLOCKS - 1);
  g_assert_cmpuint ((uint32_t) buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7], ==, 2048);
  harness_destroy (&cd.h);
}

static void
read10_cdb (uint8_t  *cdb,
            uint32_t  lba,
            uint16_t  count)
{
  memset (cdb, 0, 12);
  cdb[0] = 0x28;
  cdb[2] = lba >> 24;
  cdb[3] = (lba >> 16) & 0xff;
  cdb[4] = (lba >> 8) & 0xff;
  cdb[5] = lba & 0xff;
  cdb[7] = count >> 8;
  cdb[8] = count & 0xff;
}

static void
test_read10_pio (void)
{
  Cd cd = { 0 };
  uint8_t cdb[12];
  uint8_t *buf = g_malloc (80 * 2048);
  unsigned max_block;
  uint8_t status;
  size_t got;

  setup_cd (&cd, CD_SIZE, true);
  /* A byte count limit smaller than a block: blocks of 512 bytes. */
  read10_cdb (cdb, 7, 2);
  send_packet (cd.ch, cdb, 512, false);
  got = pio_reply (cd.ch, buf, 2 * 2048, &status, &max_block);
  g_assert_cmphex (status, ==, GOOD);
  g_assert_cmpuint (got, ==, 2 * 2048);
  g_assert_cmpuint (max_block, ==, 512);
  check_cd_pattern (buf, 7 * 2048, got);

  /* An odd limit is rounded down to even. */
  read10_cdb (cdb, 1, 1);
  send_packet (cd.ch, cdb, 1001, false);
  got = pio_reply (cd.ch, buf, 2048, &status, &max_block);
  g_assert_cmpuint (got, ==, 2048);
  g_assert_cmpuint (max_block, ==, 1000);
  check_cd_pattern (buf, 2048, got);

  /* A limit of 0 and a read bigger than the buffer (80 blocks). */
  read10_cdb (cdb, 200, 80);
  send_packet (cd.ch, cdb, 0, false);
  got = pio_reply (cd.ch, buf, 80 * 2048, &status, &max_block);
  g_assert_cmphex (status, ==, GOOD);
  g_assert_cmpuint (got, ==, 80 * 2048);
  g_assert_cmpuint (max_block, <=, 0xfffe);
  check_cd_pattern (buf, 200 * 2048, got);

  /* READ(12) and READ CD (user data) of the last block. */
  memset (cdb, 0, 12);
  cdb[0] = 0xa8;
  cdb[5] = (CD_BLOCKS - 1) & 0xff;
  cdb[4] = (CD_BLOCKS - 1) >> 8;
  cdb[9] = 1;
  send_packet (cd.ch, cdb, 0x8000, false);
  got = pio_reply (cd.ch, buf, 2048, &status, NULL);
  g_assert_cmpuint (got, ==, 2048);
  check_cd_pattern (buf, (CD_BLOCKS - 1) * 2048ull, got);
  memset (cdb, 0, 12);
  cdb[0] = 0xbe;
  cdb[5] = 3;
  cdb[8] = 2;
  cdb[9] = 0x10;
  send_packet (cd.ch, cdb, 0x8000, false);
  got = pio_reply (cd.ch, buf, 4096, &status, NULL);
  g_assert_cmpuint (got, ==, 4096);
  check_cd_pattern (buf, 3 * 2048, got);
  /* READ CD of raw sectors (sync and headers): not on an ISO image. */
  cdb[9] = 0xf8;
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x24, 0);

  /* Zero blocks: GOOD, no data. */
  read10_cdb (cdb, 5, 0);
  g_assert_cmphex (run_packet (cd.ch, cdb, NULL, 0, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 0);
  g_free (buf);
  harness_destroy (&cd.h);
}

static void
test_read10_dma (void)
{
  Cd cd = { 0 };
  uint8_t cdb[12];
  IdeChannel *ch;

  setup_cd (&cd, CD_SIZE, true);
  ch = cd.ch;
  put_prd (&cd.h, 0x1000, 0, 0x10000, 2048, false);
  put_prd (&cd.h, 0x1000, 1, 0x20000, 0, true);
  bm_setup (ch, 0x1000, true);
  /* 33 blocks: more than the drive's buffer holds at once. */
  read10_cdb (cdb, 11, 33);
  send_packet (ch, cdb, 0, true);
  g_assert_cmphex (alt_status (ch) & IDE_STATUS_DRQ, ==, IDE_STATUS_DRQ);
  bm_start (ch, true);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, GOOD);
  g_assert_cmphex (inb (ch, IDE_REG_NSECTOR) & 3, ==, ATAPI_IREASON_IO | ATAPI_IREASON_COD);
  check_cd_pattern (cd.h.ram + 0x10000, 11 * 2048, 2048);
  check_cd_pattern (cd.h.ram + 0x20000, 12 * 2048, 65536);
  bm_write8 (ch, IDE_BM_CMD, 0);

  /* A reply that is not medium data (INQUIRY) by DMA, engine first. */
  {
    const uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };

    bm_setup (ch, 0x1000, true);
    bm_start (ch, true);
    send_packet (ch, inquiry, 0, true);
    g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR | IDE_BM_STATUS_ACTIVE);
    g_assert_cmpmem (cd.h.ram + 0x10000 + 8, 8, "Guesthse", 8);
    bm_write8 (ch, IDE_BM_CMD, 0);
  }

  /* A buffer outside RAM: CHECK CONDITION, BM error. */
  put_prd (&cd.h, 0x1000, 0, RAM_SIZE, 2048, true);
  bm_setup (ch, 0x1000, true);
  read10_cdb (cdb, 0, 1);
  send_packet (ch, cdb, 0, true);
  bm_start (ch, true);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR | IDE_BM_STATUS_ERROR);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_ERR);
  bm_write8 (ch, IDE_BM_CMD, 0);
  harness_destroy (&cd.h);
}

static void
test_read_past_end (void)
{
  Cd cd = { 0 };
  uint8_t cdb[12];

  setup_cd (&cd, CD_SIZE, true);
  read10_cdb (cdb, CD_BLOCKS - 1, 2);
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x21, 0);
  read10_cdb (cdb, 0xffffffff, 0xffff);
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x21, 0);
  memset (cdb, 0, 12);
  cdb[0] = 0xa8;
  memset (cdb + 2, 0xff, 8);
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x21, 0);
  /* A later good command clears the sense. */
  g_assert_cmphex (run_packet (cd.ch, tur, NULL, 0, NULL), ==, GOOD);
  {
    uint8_t k, a, q;

    get_sense (cd.ch, &k, &a, &q);
    g_assert_cmphex (k, ==, 0);
  }
  harness_destroy (&cd.h);
}

static void
test_no_medium (void)
{
  Cd cd = { 0 };
  const uint8_t capacity[12] = { 0x25 };
  const uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };
  const uint8_t config[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64 };
  uint8_t cdb[12], buf[64];
  IdeMediumState state;
  size_t got;

  setup_cd (&cd, CD_SIZE, false);
  g_assert_cmpint (piix_ide_medium_state (cd.h.ide, 1, 0, &state), ==, 0);
  g_assert_true (state.present);
  g_assert_false (state.has_medium);
  g_assert_cmpint (piix_ide_medium_state (cd.h.ide, 0, 0, &state), ==, -ENODEV);

  assert_check_condition (cd.ch, run_packet (cd.ch, tur, NULL, 0, NULL), 0x02, 0x3a, 0x01);
  assert_check_condition (cd.ch, run_packet (cd.ch, capacity, NULL, 0, NULL), 0x02, 0x3a, 0x01);
  read10_cdb (cdb, 0, 1);
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x02, 0x3a, 0x01);
  /* INQUIRY and GET CONFIGURATION work without one: no current profile. */
  g_assert_cmphex (run_packet (cd.ch, inquiry, NULL, 0, NULL), ==, GOOD);
  g_assert_cmphex (run_packet (cd.ch, config, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, >=, 8);
  g_assert_cmphex (buf[6] << 8 | buf[7], ==, 0);
  harness_destroy (&cd.h);
}

static uint8_t
media_event (IdeChannel *ch,
             uint8_t    *media_status)
{
  const uint8_t gesn[12] = { 0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8 };
  uint8_t buf[8];
  size_t got;

  g_assert_cmphex (run_packet (ch, gesn, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 8);
  g_assert_cmphex (buf[2], ==, 0x04);
  if (media_status != NULL)
    *media_status = buf[5];
  return buf[4] & 0x0f;
}

static void
test_eject_locked (void)
{
  Cd cd = { 0 };
  const uint8_t prevent[12] = { 0x1e, 0, 0, 0, 1 };
  const uint8_t allow[12] = { 0x1e, 0, 0, 0, 0 };
  const uint8_t eject[12] = { 0x1b, 0, 0, 0, 0x02 };
  IdeMediumState state;
  uint8_t media;

  setup_cd (&cd, CD_SIZE, true);
  g_assert_cmphex (run_packet (cd.ch, prevent, NULL, 0, NULL), ==, GOOD);
  g_assert_cmpint (piix_ide_medium_state (cd.h.ide, 1, 0, &state), ==, 0);
  g_assert_true (state.locked);
  g_assert_cmpint (piix_ide_eject (cd.h.ide, 1, 0, false), ==, -EBUSY);
  /* The guest hears that someone pressed the button. */
  g_assert_cmpuint (media_event (cd.ch, &media), ==, 1);
  g_assert_cmphex (media, ==, 0x02);
  g_assert_cmphex (run_packet (cd.ch, tur, NULL, 0, NULL), ==, GOOD);
  /* The guest cannot eject a tray it locked either. */
  assert_check_condition (cd.ch, run_packet (cd.ch, eject, NULL, 0, NULL), 0x05, 0x53, 0x02);

  g_assert_cmphex (run_packet (cd.ch, allow, NULL, 0, NULL), ==, GOOD);
  g_assert_cmpint (piix_ide_eject (cd.h.ide, 1, 0, false), ==, 0);
  g_assert_cmpint (piix_ide_medium_state (cd.h.ide, 1, 0, &state), ==, 0);
  g_assert_false (state.has_medium);
  g_assert_true (state.tray_open);
  g_assert_false (state.locked);
  g_assert_cmpuint (media_event (cd.ch, &media), ==, 3);
  g_assert_cmphex (media, ==, 0x01);
  assert_check_condition (cd.ch, run_packet (cd.ch, tur, NULL, 0, NULL), 0x02, 0x3a, 0x02);
  /* Ejecting nothing is fine. */
  g_assert_cmpint (piix_ide_eject (cd.h.ide, 1, 0, false), ==, 0);
  g_assert_cmpint (piix_ide_eject (cd.h.ide, 0, 0, false), ==, -ENODEV);
  g_assert_cmpint (piix_ide_eject (cd.h.ide, 5, 0, false), ==, -ENODEV);

  /* Forced, while locked. */
  g_assert_cmpint (piix_ide_insert (cd.h.ide, 1, 0, open_image (cd.cd_path, true)), ==, 0);
  assert_check_condition (cd.ch, run_packet (cd.ch, prevent, NULL, 0, NULL), 0x06, 0x28, 0);
  g_assert_cmphex (run_packet (cd.ch, prevent, NULL, 0, NULL), ==, GOOD);
  g_assert_cmpint (piix_ide_eject (cd.h.ide, 1, 0, true), ==, 0);
  g_assert_cmpint (piix_ide_medium_state (cd.h.ide, 1, 0, &state), ==, 0);
  g_assert_false (state.has_medium);
  harness_destroy (&cd.h);
}

static void
test_medium_change (void)
{
  Cd cd = { 0 };
  const uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };
  uint8_t cdb[12], buf[2048];
  BlockFile *busy;
  size_t got;

  setup_cd (&cd, CD_SIZE, false);
  g_assert_cmpint (piix_ide_insert (cd.h.ide, 1, 0, open_image (cd.cd_path, true)), ==, 0);
  /* A second medium does not fit; the caller keeps it. */
  busy = open_image (cd.cd_path, true);
  g_assert_cmpint (piix_ide_insert (cd.h.ide, 1, 0, busy), ==, -EBUSY);
  g_assert_cmpint (piix_ide_insert (cd.h.ide, 0, 0, busy), ==, -ENODEV);
  block_file_close (busy);
  free (busy);

  /* INQUIRY does not consume the unit attention; TEST UNIT READY does. */
  g_assert_cmphex (run_packet (cd.ch, inquiry, NULL, 0, NULL), ==, GOOD);
  assert_check_condition (cd.ch, run_packet (cd.ch, tur, NULL, 0, NULL), 0x06, 0x28, 0);
  g_assert_cmphex (run_packet (cd.ch, tur, NULL, 0, NULL), ==, GOOD);
  g_assert_cmpuint (media_event (cd.ch, NULL), ==, 2);
  g_assert_cmpuint (media_event (cd.ch, NULL), ==, 0);
  read10_cdb (cdb, 4, 1);
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 2048);
  check_cd_pattern (buf, 4 * 2048, got);

  /* Ejected while the guest reads more than the drive buffers at once: the
   * read ends with NOT READY. */
  {
    uint8_t *big = g_malloc (40 * 2048);
    uint8_t status;
    size_t total = 0;

    read10_cdb (cdb, 0, 40);
    send_packet (cd.ch, cdb, 0xfffe, false);
    g_assert_cmphex (inb (cd.ch, IDE_REG_STATUS) & IDE_STATUS_DRQ, ==, IDE_STATUS_DRQ);
    g_assert_cmpint (piix_ide_eject (cd.h.ide, 1, 0, false), ==, 0);
    for (;;)
      {
        unsigned n = inb (cd.ch, IDE_REG_LCYL) | inb (cd.ch, IDE_REG_HCYL) << 8;

        read_data (cd.ch, big + total, n);
        total += n;
        status = inb (cd.ch, IDE_REG_STATUS);
        if (!(status & IDE_STATUS_DRQ))
          break;
      }
    g_assert_cmpuint (total, ==, 32 * 2048);
    check_cd_pattern (big, 0, total);
    assert_check_condition (cd.ch, status, 0x02, 0x3a, 0x02);
    g_free (big);
    g_assert_cmpint (piix_ide_insert (cd.h.ide, 1, 0, open_image (cd.cd_path, true)), ==, 0);
    assert_check_condition (cd.ch, run_packet (cd.ch, tur, NULL, 0, NULL), 0x06, 0x28, 0);
  }

  /* The guest opens and closes the tray itself: the medium stays, and is
   * reported as changed. */
  {
    const uint8_t open_tray[12] = { 0x1b, 0, 0, 0, 0x02 };
    const uint8_t close_tray[12] = { 0x1b, 0, 0, 0, 0x03 };
    IdeMediumState state;

    g_assert_cmphex (run_packet (cd.ch, open_tray, NULL, 0, NULL), ==, GOOD);
    g_assert_cmpint (piix_ide_medium_state (cd.h.ide, 1, 0, &state), ==, 0);
    g_assert_true (state.tray_open);
    g_assert_true (state.has_medium);
    assert_check_condition (cd.ch, run_packet (cd.ch, tur, NULL, 0, NULL), 0x02, 0x3a, 0x02);
    g_assert_cmphex (run_packet (cd.ch, close_tray, NULL, 0, NULL), ==, GOOD);
    assert_check_condition (cd.ch, run_packet (cd.ch, tur, NULL, 0, NULL), 0x06, 0x28, 0);
    g_assert_cmphex (run_packet (cd.ch, tur, NULL, 0, NULL), ==, GOOD);
  }
  harness_destroy (&cd.h);
}

static void
test_invalid_opcode (void)
{
  static const uint8_t opcodes[] = { 0x01, 0x0a, 0x15, 0x2a, 0x55, 0xa1, 0xff };
  Cd cd = { 0 };
  uint8_t cdb[12] = { 0 };

  setup_cd (&cd, CD_SIZE, true);
  for (unsigned i = 0; i < G_N_ELEMENTS (opcodes); i++)
    {
      cdb[0] = opcodes[i];
      assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x20, 0);
    }
  harness_destroy (&cd.h);
}

static void
test_mode_sense (void)
{
  Cd cd = { 0 };
  uint8_t cdb[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 255 };
  uint8_t buf[255];
  size_t got;

  setup_cd (&cd, CD_SIZE, true);
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 8 + 22);
  g_assert_cmpuint (buf[0] << 8 | buf[1], ==, got - 2);
  g_assert_cmphex (buf[8], ==, 0x2a);
  g_assert_cmphex (buf[9], ==, 20);
  g_assert_cmphex (buf[14] & 0x29, ==, 0x29);           /* tray, eject, lock */

  cdb[2] = 0x01;
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 8 + 12);
  g_assert_cmphex (buf[8], ==, 0x01);

  cdb[2] = 0x3f;
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 8 + 12 + 22);

  /* MODE SENSE(6) with a short allocation length. */
  memset (cdb, 0, sizeof cdb);
  cdb[0] = 0x1a;
  cdb[2] = 0x2a;
  cdb[4] = 10;
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 10);
  g_assert_cmpuint (buf[0], ==, 4 + 22 - 1);

  cdb[2] = 0x05;
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x24, 0);
  cdb[2] = 0xea;                                        /* saved values */
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x39, 0);
  harness_destroy (&cd.h);
}

static uint16_t
current_profile (Cd *cd)
{
  const uint8_t cdb[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 255 };
  uint8_t buf[255];
  size_t got;

  g_assert_cmphex (run_packet (cd->ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 4 + ((uint32_t) buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3]));
  /* The profile list comes first. */
  g_assert_cmphex (buf[8] << 8 | buf[9], ==, 0);
  return (uint16_t) (buf[6] << 8 | buf[7]);
}

static void
test_get_configuration (void)
{
  Cd cd = { 0 }, dvd = { 0 };
  const uint8_t one[12] = { 0x46, 0x02, 0x00, 0x1e, 0, 0, 0, 0, 255 };
  uint8_t buf[255];
  size_t got;

  setup_cd (&cd, CD_SIZE, true);
  g_assert_cmphex (current_profile (&cd), ==, 0x0008);
  g_assert_cmphex (run_packet (cd.ch, one, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 8 + 8);
  g_assert_cmphex (buf[8] << 8 | buf[9], ==, 0x001e);
  /* DVD structures are not on a CD. */
  {
    const uint8_t physical[12] = { 0xad, 0, 0, 0, 0, 0, 0, 0x00, 0x08, 0x04 };

    assert_check_condition (cd.ch, run_packet (cd.ch, physical, NULL, 0, NULL), 0x05, 0x30, 0x02);
  }
  harness_destroy (&cd.h);

  /* Bigger than 80 minutes of CD: a DVD. Sparse, so it costs nothing. */
  setup_cd (&dvd, 1ull << 30, true);
  g_assert_cmphex (current_profile (&dvd), ==, 0x0010);
  {
    const uint8_t physical[12] = { 0xad, 0, 0, 0, 0, 0, 0, 0x00, 0x08, 0x04 };
    uint8_t *big = g_malloc (4096);

    g_assert_cmphex (run_packet (dvd.ch, physical, big, 4096, &got), ==, GOOD);
    g_assert_cmpuint (got, ==, 2052);
    g_assert_cmphex (big[6], ==, 0x01);
    g_assert_cmpuint ((uint32_t) big[12] << 24 | big[13] << 16 | big[14] << 8 | big[15], ==,
                      0x30000 + (1u << 30) / 2048 - 1);
    g_free (big);
  }
  harness_destroy (&dvd.h);
}

static void
test_read_toc (void)
{
  Cd cd = { 0 };
  uint8_t cdb[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 255 };
  uint8_t buf[255];
  size_t got;
  uint32_t leadout = CD_BLOCKS + 150;

  setup_cd (&cd, CD_SIZE, true);
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 20);
  g_assert_cmpuint (buf[0] << 8 | buf[1], ==, 18);
  g_assert_cmpuint (buf[2], ==, 1);
  g_assert_cmpuint (buf[3], ==, 1);
  g_assert_cmphex (buf[5], ==, 0x14);
  g_assert_cmpuint (buf[6], ==, 1);
  g_assert_cmpuint (buf[14], ==, 0xaa);
  g_assert_cmpuint ((uint32_t) buf[16] << 24 | buf[17] << 16 | buf[18] << 8 | buf[19], ==,
                    CD_BLOCKS);

  /* MSF. */
  cdb[1] = 0x02;
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (buf[9], ==, 0);
  g_assert_cmpuint (buf[10], ==, 2);
  g_assert_cmpuint (buf[11], ==, 0);
  g_assert_cmpuint (buf[17], ==, leadout / 4500);
  g_assert_cmpuint (buf[18], ==, (leadout / 75) % 60);
  g_assert_cmpuint (buf[19], ==, leadout % 75);

  /* Session information. */
  cdb[1] = 0;
  cdb[2] = 1;
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 12);
  g_assert_cmpuint (buf[6], ==, 1);

  /* Full TOC: points A0h, A1h, A2h (lead-out, MSF) and track 1. */
  cdb[2] = 2;
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 4 + 4 * 11);
  g_assert_cmphex (buf[4 + 3], ==, 0xa0);
  g_assert_cmphex (buf[4 + 2 * 11 + 3], ==, 0xa2);
  g_assert_cmpuint (buf[4 + 2 * 11 + 8], ==, leadout / 4500);
  g_assert_cmpuint (buf[4 + 2 * 11 + 9], ==, (leadout / 75) % 60);
  g_assert_cmpuint (buf[4 + 2 * 11 + 10], ==, leadout % 75);
  g_assert_cmphex (buf[4 + 3 * 11 + 3], ==, 0x01);
  g_assert_cmpuint (buf[4 + 3 * 11 + 9], ==, 2);

  /* Formats past 2 are not offered; a track that does not exist. */
  cdb[2] = 3;
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x24, 0);
  cdb[2] = 0;
  cdb[6] = 5;
  assert_check_condition (cd.ch, run_packet (cd.ch, cdb, NULL, 0, NULL), 0x05, 0x24, 0);
  harness_destroy (&cd.h);
}

static void
test_misc_commands (void)
{
  Cd cd = { 0 };
  const uint8_t speed[12] = { 0xbb, 0, 0xff, 0xff, 0xff, 0xff };
  const uint8_t mech[12] = { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
  const uint8_t disc_info[12] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 34 };
  const uint8_t gesn_async[12] = { 0x4a, 0x00, 0, 0, 0x10, 0, 0, 0, 8 };
  uint8_t buf[64];
  size_t got;

  setup_cd (&cd, CD_SIZE, true);
  g_assert_cmphex (run_packet (cd.ch, speed, NULL, 0, NULL), ==, GOOD);
  g_assert_cmphex (run_packet (cd.ch, mech, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 8);
  g_assert_cmphex (buf[1] & 0x10, ==, 0);
  g_assert_cmphex (run_packet (cd.ch, disc_info, buf, sizeof buf, &got), ==, GOOD);
  g_assert_cmpuint (got, ==, 34);
  g_assert_cmphex (buf[2], ==, 0x0e);
  assert_check_condition (cd.ch, run_packet (cd.ch, gesn_async, NULL, 0, NULL), 0x05, 0x24, 0);
  harness_destroy (&cd.h);
}

static void
test_srst_mid_reply (void)
{
  Cd cd = { 0 };
  uint8_t cdb[12], buf[2048];
  size_t got;

  setup_cd (&cd, CD_SIZE, true);
  read10_cdb (cdb, 0, 4);
  send_packet (cd.ch, cdb, 0x800, false);
  g_assert_cmphex (inb (cd.ch, IDE_REG_STATUS) & IDE_STATUS_DRQ, ==, IDE_STATUS_DRQ);
  read_data (cd.ch, buf, 100);
  device_control (cd.ch, IDE_CTRL_SRST);
  device_control (cd.ch, 0);
  g_assert_cmphex (inb (cd.ch, IDE_REG_STATUS), ==, 0);
  g_assert_cmphex (inb (cd.ch, IDE_REG_LCYL), ==, 0x14);
  g_assert_cmphex (inb (cd.ch, IDE_REG_HCYL), ==, 0xeb);
  g_assert_cmphex (inw (cd.ch), ==, 0);

  /* Half a packet, then SRST: the packet is forgotten. */
  outb (cd.ch, IDE_REG_STATUS, 0xa0);
  outw (cd.ch, 0x28);
  device_control (cd.ch, IDE_CTRL_SRST);
  device_control (cd.ch, 0);
  read10_cdb (cdb, 1, 1);
  g_assert_cmphex (run_packet (cd.ch, cdb, buf, sizeof buf, &got), ==, GOOD);
  check_cd_pattern (buf, 2048, got);
  harness_destroy (&cd.h);
}

static gpointer
swap_media (gpointer data)
{
  Cd *cd = data;

  for (unsigned i = 0; i < 300; i++)
    {
      g_assert_cmpint (piix_ide_eject (cd->h.ide, 1, 0, true), ==, 0);
      g_assert_cmpint (piix_ide_insert (cd->h.ide, 1, 0, open_image (cd->cd_path, true)), ==, 0);
    }
  return NULL;
}

/* The control socket's thread changes media while a vCPU reads: every
 * read ends, with data or with a sense, and nothing is used after it was
 * closed (ASan would say). */
static void
test_swap_while_reading (void)
{
  Cd cd = { 0 };
  uint8_t *buf = g_malloc (40 * 2048);
  GThread *thread;
  unsigned good = 0;

  setup_cd (&cd, CD_SIZE, true);
  thread = g_thread_new ("swap-media", swap_media, &cd);
  for (unsigned i = 0; i < 300; i++)
    {
      uint8_t cdb[12];
      uint8_t status;
      size_t got;

      read10_cdb (cdb, i % 200, 40);
      send_packet (cd.ch, cdb, 0xfffe, false);
      got = pio_reply (cd.ch, buf, 40 * 2048, &status, NULL);
      g_assert_cmphex (status & (IDE_STATUS_BSY | IDE_STATUS_DRQ), ==, 0);
      if (status == GOOD)
        {
          g_assert_cmpuint (got, ==, 40 * 2048);
          check_cd_pattern (buf, (i % 200) * 2048ull, got);
          good++;
        }
      else
        {
          /* Medium gone, or the unit attention of a new one. */
          uint8_t key = inb (cd.ch, IDE_REG_ERROR) >> 4;

          g_assert_true (key == SENSE_NOT_READY || key == SENSE_UNIT_ATTENTION);
        }
    }
  g_thread_join (thread);
  g_test_message ("%u of 300 reads were not disturbed", good);
  /* Once the media stay put, reads work again after one unit attention. */
  {
    uint8_t cdb[12];
    size_t got;

    read10_cdb (cdb, 3, 1);
    if (run_packet (cd.ch, cdb, buf, 2048, &got) != GOOD)
      g_assert_cmphex (run_packet (cd.ch, cdb, buf, 2048, &got), ==, GOOD);
    check_cd_pattern (buf, 3 * 2048, 2048);
  }
  g_free (buf);
  harness_destroy (&cd.h);
}

/* Random packets, with random byte count limits and DMA or not: every one
 * ends with the drive idle or in a data phase a driver can finish. */
static void
test_garbage_packets (void)
{
  Cd cd = { 0 };
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  uint8_t *buf = g_malloc (65536);

  setup_cd (&cd, CD_SIZE, true);
  put_prd (&cd.h, 0x1000, 0, 0x10000, 0, true);
  for (unsigned iter = 0; iter < 3000; iter++)
    {
      uint8_t cdb[12];
      uint8_t status;
      bool dma = g_rand_int_range (rand, 0, 4) == 0;

      for (unsigned i = 0; i < 12; i++)
        cdb[i] = (uint8_t) g_rand_int (rand);
      /* Mostly valid opcodes with garbage fields, some garbage opcodes. */
      if (g_rand_boolean (rand))
        {
          static const uint8_t ops[] = { 0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2b,
                                         0x43, 0x46, 0x4a, 0x51, 0x5a, 0xa8, 0xbb, 0xbd, 0xbe };

          cdb[0] = ops[g_rand_int_range (rand, 0, G_N_ELEMENTS (ops))];
        }
      /* Keep reads small enough to finish quickly. */
      if (cdb[0] == 0x28 || cdb[0] == 0xa8 || cdb[0] == 0xbe)
        {
          cdb[2] = cdb[3] = cdb[6] = 0;
          cdb[7] = 0;
        }
      if (cdb[0] == 0x1b)
        cdb[4] |= 0x01;               /* keep the tray closed */
      if (dma)
        {
          bm_setup (cd.ch, 0x1000, true);
          bm_start (cd.ch, true);
        }
      send_packet (cd.ch, cdb, (uint16_t) g_rand_int (rand), dma);
      if (dma)
        {
          status = inb (cd.ch, IDE_REG_STATUS);
          bm_write8 (cd.ch, IDE_BM_CMD, 0);
        }
      else
        {
          for (unsigned blocks = 0; blocks < 100000; blocks++)
            {
              status = inb (cd.ch, IDE_REG_STATUS);
              if (!(status & IDE_STATUS_DRQ))
                break;
              read_data (cd.ch, buf, (inb (cd.ch, IDE_REG_LCYL) | inb (cd.ch, IDE_REG_HCYL) << 8));
            }
        }
      g_assert_cmphex (status & (IDE_STATUS_BSY | IDE_STATUS_DRQ), ==, 0);
      g_assert_cmphex (status & IDE_STATUS_DRDY, ==, IDE_STATUS_DRDY);
    }
  /* Still a working drive. */
  {
    const uint8_t allow[12] = { 0x1e };
    uint8_t cdb[12];
    size_t got;

    run_packet (cd.ch, allow, NULL, 0, NULL);
    run_packet (cd.ch, tur, NULL, 0, NULL);
    read10_cdb (cdb, 2, 1);
    g_assert_cmphex (run_packet (cd.ch, cdb, buf, 2048, &got), ==, GOOD);
    check_cd_pattern (buf, 2 * 2048, 2048);
  }
  g_free (buf);
  g_rand_free (rand);
  harness_destroy (&cd.h);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vmm/atapi/signature-and-identify", test_signature_and_identify);
  g_test_add_func ("/vmm/atapi/inquiry", test_inquiry);
  g_test_add_func ("/vmm/atapi/read-capacity", test_read_capacity);
  g_test_add_func ("/vmm/atapi/read10-pio", test_read10_pio);
  g_test_add_func ("/vmm/atapi/read10-dma", test_read10_dma);
  g_test_add_func ("/vmm/atapi/read-past-end", test_read_past_end);
  g_test_add_func ("/vmm/atapi/no-medium", test_no_medium);
  g_test_add_func ("/vmm/atapi/eject-locked", test_eject_locked);
  g_test_add_func ("/vmm/atapi/medium-change", test_medium_change);
  g_test_add_func ("/vmm/atapi/invalid-opcode", test_invalid_opcode);
  g_test_add_func ("/vmm/atapi/mode-sense", test_mode_sense);
  g_test_add_func ("/vmm/atapi/get-configuration", test_get_configuration);
  g_test_add_func ("/vmm/atapi/read-toc", test_read_toc);
  g_test_add_func ("/vmm/atapi/misc-commands", test_misc_commands);
  g_test_add_func ("/vmm/atapi/srst-mid-reply", test_srst_mid_reply);
  g_test_add_func ("/vmm/atapi/swap-while-reading", test_swap_while_reading);
  g_test_add_func ("/vmm/atapi/garbage-packets", test_garbage_packets);

  return g_test_run ();
}
