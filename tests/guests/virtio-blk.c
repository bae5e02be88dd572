/* virtio-blk.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Drives a virtio block device (virtio 1.2, section 5.2) through the modern PCI transport,
 * on the image run-guest makes (--disk @pattern): 1 MiB, sector N holding the text
 * "guesthouse sector N" and then zeros.
 *
 * Command line: sectors=N (the capacity the configuration must give), serial=ID (what
 * GET_ID must return), readonly (the disk is read-only: the device must offer
 * VIRTIO_BLK_F_RO and fail a write with VIRTIO_BLK_S_IOERR).
 *
 * Reads sectors 0-7 in one request and checks them, reads the last sector, checks a read
 * past the end fails. Writable disk: writes sector 5 (WRITTEN_TEXT), flushes, reads
 * sectors 4-6 back (4 and 6 must be untouched); the runner then finds the text in the image
 * file. Read-only disk: the write must fail and sector 5 stay as it was. Prints
 * "virtio-blk: ok" at the end. */

#include "virtio.h"

#define VIRTIO_BLK_F_RO    (1ull << 5)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)

#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_ID_BYTES 20

#define SECTOR 512
#define READ_SECTORS 8
#define WRITE_SECTOR 5
#define WRITTEN_TEXT "guesthouse sector 5 written by the guest"
#define NO_STATUS 0xff

struct blk_header
{
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};

static struct virtq queue;
static struct blk_header *header;
static uint8_t *status;
static uint8_t *data;

static const char *
status_name (uint8_t s)
{
  switch (s)
    {
    case VIRTIO_BLK_S_OK:
      return "OK";
    case VIRTIO_BLK_S_IOERR:
      return "IOERR";
    case VIRTIO_BLK_S_UNSUPP:
      return "UNSUPP";
    case NO_STATUS:
      return "not written";
    default:
      return "invalid";
    }
}

/* One request: header, data (len bytes at data, none for len 0), status. Returns the status
 * the device wrote, NO_STATUS if it wrote none, or -1 if the request did not complete. */
static int
request (uint32_t type,
         uint64_t sector,
         uint32_t len)
{
  struct virtq_buf bufs[3];
  unsigned int n = 0;
  bool device_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;

  header->type = type;
  header->reserved = 0;
  header->sector = sector;
  *status = NO_STATUS;
  bufs[n++] = (struct virtq_buf) { header, sizeof (*header), false };
  if (len != 0)
    bufs[n++] = (struct virtq_buf) { data, len, device_writes };
  bufs[n++] = (struct virtq_buf) { status, 1, true };
  if (!virtq_transfer (&queue, bufs, n, VIRTIO_TIMEOUT_US, NULL))
    return -1;
  return *(volatile uint8_t *) status;
}

static bool
read_sectors (uint64_t sector,
              unsigned int count,
              int want_status)
{
  int s;

  /* Not what any sector holds, so data the device did not write shows. */
  memset (data, 0xa5, count * SECTOR);
  s = request (VIRTIO_BLK_T_IN, sector, count * SECTOR);
  if (s < 0)
    return false;
  if (s != want_status)
    {
      guest_printf ("virtio-blk: reading %u sectors at %lu: status %s (%d), not %s\n", count,
                    sector, status_name ((uint8_t) s), s, status_name ((uint8_t) want_status));
      return false;
    }
  return true;
}

/* A sector must hold text and zeros after it. */
static bool
sector_holds (const uint8_t *sector_data,
              const char *text,
              uint64_t sector)
{
  size_t length = strlen (text);
  const uint64_t *words;

  if (memcmp (sector_data, text, length) != 0)
    goto mismatch;
  for (size_t i = length; i < ((length + 7) & ~(size_t) 7); i++)
    if (sector_data[i] != 0)
      goto mismatch;
  /* The rest a word at a time: byte loops cost on an emulated CPU. */
  words = (const uint64_t *) sector_data;
  for (size_t i = (length + 7) / 8; i < SECTOR / 8; i++)
    if (words[i] != 0)
      goto mismatch;
  return true;

mismatch:
  guest_printf ("virtio-blk: sector %lu does not hold \"%s\" and zeros; it starts \"%.40s\"\n",
                sector, text, (const char *) sector_data);
  return false;
}

static bool
sector_is_original (const uint8_t *sector_data,
                    uint64_t sector)
{
  char text[32];

  guest_snprintf (text, sizeof (text), "guesthouse sector %lu", sector);
  return sector_holds (sector_data, text, sector);
}

static bool
check_id (const char *serial)
{
  char id[VIRTIO_BLK_ID_BYTES + 1];
  size_t length;
  int s;

  memset (data, 0, VIRTIO_BLK_ID_BYTES);
  s = request (VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES);
  if (s < 0)
    return false;
  if (s != VIRTIO_BLK_S_OK)
    {
      guest_printf ("virtio-blk: GET_ID: status %s (%d)\n", status_name ((uint8_t) s), s);
      return false;
    }
  /* 20 bytes, NUL-terminated only when shorter. */
  memcpy (id, data, VIRTIO_BLK_ID_BYTES);
  id[VIRTIO_BLK_ID_BYTES] = '\0';
  length = strlen (serial);
  if (length > VIRTIO_BLK_ID_BYTES)
    length = VIRTIO_BLK_ID_BYTES;
  if (strnlen (id, VIRTIO_BLK_ID_BYTES) != length || memcmp (id, serial, length) != 0)
    {
      guest_printf ("virtio-blk: GET_ID returned \"%s\", not \"%.20s\"\n", id, serial);
      return false;
    }
  guest_printf ("virtio-blk: serial %s\n", id);
  return true;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  const char *cmdline = guest_cmdline ();
  struct virtio_pci dev;
  char serial[64];
  bool have_serial = cmdline_get (cmdline, "serial", serial, sizeof (serial));
  bool readonly = cmdline_get (cmdline, "readonly", NULL, 0);
  uint64_t want_sectors = 0;
  uint64_t capacity;
  int s;

  if (!virtio_pci_find (VIRTIO_ID_BLOCK, &dev)
      || !virtio_start (&dev, VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH))
    return GUEST_EXIT_FAIL;
  if (dev.device == 0 || dev.device_length < 8)
    {
      guest_printf ("virtio-blk: no device configuration (or shorter than the capacity)\n");
      return GUEST_EXIT_FAIL;
    }

  capacity = virtio_config_read64 (&dev, VIRTIO_BLK_CFG_CAPACITY);
  guest_printf ("virtio-blk: capacity %lu sectors\n", capacity);
  if (cmdline_get_u64 (cmdline, "sectors", &want_sectors) && capacity != want_sectors)
    {
      guest_printf ("virtio-blk: the capacity should be %lu sectors\n", want_sectors);
      return GUEST_EXIT_FAIL;
    }
  if (capacity < READ_SECTORS)
    {
      guest_printf ("virtio-blk: the disk is too small for the test\n");
      return GUEST_EXIT_FAIL;
    }

  if (readonly != ((dev.features & VIRTIO_BLK_F_RO) != 0))
    {
      guest_printf ("virtio-blk: the disk is %s, but the device %s VIRTIO_BLK_F_RO\n",
                    readonly ? "read-only" : "writable",
                    readonly ? "does not offer" : "offers");
      return GUEST_EXIT_FAIL;
    }
  if (readonly)
    guest_printf ("virtio-blk: read-only (VIRTIO_BLK_F_RO)\n");
  if (!readonly && !(dev.features & VIRTIO_BLK_F_FLUSH))
    {
      guest_printf ("virtio-blk: the device does not offer VIRTIO_BLK_F_FLUSH\n");
      return GUEST_EXIT_FAIL;
    }

  if (!virtio_queue_setup (&dev, &queue, 0, 16) || !virtio_driver_ok (&dev))
    return GUEST_EXIT_FAIL;

  header = guest_alloc (sizeof (*header), 16);
  status = guest_alloc (1, 1);
  data = guest_alloc (READ_SECTORS * SECTOR, 4096);

  /* Sectors 0-7 in one request. */
  if (!read_sectors (0, READ_SECTORS, VIRTIO_BLK_S_OK))
    return GUEST_EXIT_FAIL;
  for (unsigned int i = 0; i < READ_SECTORS; i++)
    if (!sector_is_original (data + i * SECTOR, i))
      return GUEST_EXIT_FAIL;
  guest_printf ("virtio-blk: sectors 0-%u read and checked\n", READ_SECTORS - 1);

  /* The last sector, then one past it. */
  if (!read_sectors (capacity - 1, 1, VIRTIO_BLK_S_OK)
      || !sector_is_original (data, capacity - 1))
    return GUEST_EXIT_FAIL;
  if (!read_sectors (capacity, 1, VIRTIO_BLK_S_IOERR))
    return GUEST_EXIT_FAIL;
  guest_printf ("virtio-blk: the last sector reads, the one past it fails\n");

  /* Sector 5. */
  memset (data, 0, SECTOR);
  memcpy (data, WRITTEN_TEXT, sizeof (WRITTEN_TEXT) - 1);
  s = request (VIRTIO_BLK_T_OUT, WRITE_SECTOR, SECTOR);
  if (s < 0)
    return GUEST_EXIT_FAIL;
  if (readonly)
    {
      if (s != VIRTIO_BLK_S_IOERR)
        {
          guest_printf ("virtio-blk: writing to a read-only disk: status %s (%d), not IOERR\n",
                        status_name ((uint8_t) s), s);
          return GUEST_EXIT_FAIL;
        }
      guest_printf ("virtio-blk: the write failed with IOERR\n");
    }
  else
    {
      if (s != VIRTIO_BLK_S_OK)
        {
          guest_printf ("virtio-blk: writing sector %u: status %s (%d)\n", WRITE_SECTOR,
                        status_name ((uint8_t) s), s);
          return GUEST_EXIT_FAIL;
        }
      s = request (VIRTIO_BLK_T_FLUSH, 0, 0);
      if (s != VIRTIO_BLK_S_OK)
        {
          if (s >= 0)
            guest_printf ("virtio-blk: flush: status %s (%d)\n", status_name ((uint8_t) s), s);
          return GUEST_EXIT_FAIL;
        }
      guest_printf ("virtio-blk: wrote sector %u and flushed\n", WRITE_SECTOR);
    }

  /* Sectors 4-6: only 5 may have changed, and only on a writable disk. */
  if (!read_sectors (WRITE_SECTOR - 1, 3, VIRTIO_BLK_S_OK)
      || !sector_is_original (data, WRITE_SECTOR - 1)
      || !(readonly ? sector_is_original (data + SECTOR, WRITE_SECTOR)
                    : sector_holds (data + SECTOR, WRITTEN_TEXT, WRITE_SECTOR))
      || !sector_is_original (data + 2 * SECTOR, WRITE_SECTOR + 1))
    return GUEST_EXIT_FAIL;
  guest_printf ("virtio-blk: sector %u reads back %s\n", WRITE_SECTOR,
                readonly ? "unchanged" : "as written");

  if (have_serial && !check_id (serial))
    return GUEST_EXIT_FAIL;

  virtio_reset (&dev);
  guest_printf ("virtio-blk: ok\n");
  return GUEST_EXIT_PASS;
}
