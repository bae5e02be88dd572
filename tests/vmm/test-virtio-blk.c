/* test-virtio-blk.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/disk-spec.h"
#include "virtio/virtio-blk.h"
#include "virtio-test-driver.h"

/* virtio-blk end to end: an image file in a temporary folder, the device on
 * a PCI host bridge on fake buses, and a driver doing what Linux's
 * virtio_blk does. The device completes requests on its own thread, so the
 * driver waits for the used ring to move. */

#define RAM_SIZE     (16u << 20)
#define DISK_SIZE    (8u << 20)
#define HDR_GPA      0x200000u      /* request headers, 16 bytes apart */
#define STATUS_GPA   0x210000u      /* status bytes */
#define DATA_GPA     0x300000u

#define F_VERSION_1  VIRTIO_FEATURE (VIRTIO_F_VERSION_1)
#define F_EVENT_IDX  VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)
#define F_INDIRECT   VIRTIO_FEATURE (VIRTIO_F_RING_INDIRECT_DESC)
#define F_LINUX      (F_VERSION_1 | F_EVENT_IDX | F_INDIRECT                                    \
                      | VIRTIO_FEATURE (VIRTIO_BLK_F_SEG_MAX)                                   \
                      | VIRTIO_FEATURE (VIRTIO_BLK_F_SIZE_MAX)                                  \
                      | VIRTIO_FEATURE (VIRTIO_BLK_F_BLK_SIZE)                                  \
                      | VIRTIO_FEATURE (VIRTIO_BLK_F_FLUSH)                                     \
                      | VIRTIO_FEATURE (VIRTIO_BLK_F_RO)                                        \
                      | VIRTIO_FEATURE (VIRTIO_BLK_F_MQ)                                        \
                      | VIRTIO_FEATURE (VIRTIO_BLK_F_DISCARD)                                   \
                      | VIRTIO_FEATURE (VIRTIO_BLK_F_WRITE_ZEROES))

typedef struct
{
  TestDriver  td;
  char       *dir;
  char       *path;
  VirtioBlk  *blk;
  unsigned    n_req;          /* requests built so far (their header slots) */
} Fixture;

static char *
make_image (const char *dir,
            const char *name,
            size_t      size,
            bool        fill)
{
  char *path = g_build_filename (dir, name, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0644);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) size), ==, 0);
  if (fill)
    {
      /* Sector s holds the byte s & 0xff everywhere. */
      uint8_t *buf = g_malloc (size);

      for (size_t s = 0; s < size / 512; s++)
        memset (buf + 512 * s, (int) (s & 0xff), 512);
      g_assert_cmpint (pwrite (fd, buf, size, 0), ==, (ssize_t) size);
      g_free (buf);
    }
  g_assert_cmpint (fsync (fd), ==, 0);
  close (fd);
  return path;
}

static VirtioBlk *
open_blk (TestDriver *td,
          const char *spec_text,
          unsigned    n_queues,
          VmmError   *err)
{
  DiskSpec spec;
  VirtioBlk *blk;

  g_assert_cmpint (disk_spec_parse (spec_text, &spec, err), ==, 0);
  blk = virtio_blk_new (&td->mem, &spec, n_queues, err);
  disk_spec_clear (&spec);
  return blk;
}

static void
fixture_setup_with (Fixture    *f,
                    const char *options,
                    unsigned    n_queues)
{
  VmmError err = { { 0 } };
  g_autofree char *spec = NULL;

  memset (f, 0, sizeof *f);
  f->dir = g_dir_make_tmp ("test-virtio-blk-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = make_image (f->dir, "disk.img", DISK_SIZE, true);
  td_init (&f->td, RAM_SIZE);
  spec = g_strdup_printf ("path=%s%s", f->path, options);
  f->blk = open_blk (&f->td, spec, n_queues, &err);
  g_assert_cmpstr (err.message, ==, "");
  g_assert_nonnull (f->blk);
  td_attach (&f->td, virtio_blk_get_device (f->blk));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_with (f, ",serial=gh-disk-0001", 1);
}

static void
fixture_setup_ro (Fixture       *f,
                  gconstpointer  data)
{
  fixture_setup_with (f, ",readonly=on", 1);
}

static void
fixture_setup_mq (Fixture       *f,
                  gconstpointer  data)
{
  fixture_setup_with (f, "", 2);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* As vmm.c must: the thread first, then the transport it interrupts
   * through, then the device. */
  virtio_blk_stop (f->blk);
  td_detach (&f->td);
  virtio_blk_free (f->blk);
  td_free_ram (&f->td);
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* Writes a request header into the next slot and returns its address. */
static uint64_t
put_header (Fixture  *f,
            uint32_t  type,
            uint64_t  sector)
{
  uint64_t gpa = HDR_GPA + 16 * (uint64_t) (f->n_req % 4096);
  uint32_t zero = 0;

  memcpy (f->td.ram + gpa, &type, 4);
  memcpy (f->td.ram + gpa + 4, &zero, 4);
  memcpy (f->td.ram + gpa + 8, &sector, 8);
  return gpa;
}

static uint64_t
status_gpa (Fixture *f)
{
  return STATUS_GPA + f->n_req % 4096;
}

/* header | one data buffer (device-writable for reads) | status, as Linux
 * builds them. Returns the head; the status byte is preset to 0xff. */
static uint16_t
queue_request (Fixture  *f,
               unsigned  q,
               uint32_t  type,
               uint64_t  sector,
               uint64_t  data_gpa,
               uint32_t  data_len)
{
  uint64_t hdr = put_header (f, type, sector), st = status_gpa (f);
  bool in = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
  uint16_t head;

  f->td.ram[st] = 0xff;
  head = td_desc (&f->td, q, hdr, 16, 0, true);
  if (data_len > 0)
    td_desc (&f->td, q, data_gpa, data_len, in ? VIRTQ_DESC_F_WRITE : 0, true);
  td_desc (&f->td, q, st, 1, VIRTQ_DESC_F_WRITE, false);
  td_avail (&f->td, q, head);
  f->n_req++;
  return head;
}

/* Queues a request, kicks, waits; returns its status byte and the used
 * length in *len. */
static uint8_t
do_request (Fixture  *f,
            uint32_t  type,
            uint64_t  sector,
            uint64_t  data_gpa,
            uint32_t  data_len,
            uint32_t *used_len)
{
  uint16_t n = td_used_idx (&f->td, 0);
  uint64_t st = status_gpa (f);
  uint16_t head = queue_request (f, 0, type, sector, data_gpa, data_len);
  uint32_t id, len;

  td_kick (&f->td, 0);
  td_wait_used (&f->td, 0, (uint16_t) (n + 1));
  td_used_elem (&f->td, 0, n, &id, &len);
  g_assert_cmpuint (id, ==, head);
  if (used_len != NULL)
    *used_len = len;
  return f->td.ram[st];
}

static void
read_file (Fixture  *f,
           uint64_t  offset,
           void     *buf,
           size_t    len)
{
  int fd = open (f->path, O_RDONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, buf, len, (off_t) offset), ==, (ssize_t) len);
  close (fd);
}

static bool
all_bytes (const uint8_t *p,
           size_t         len,
           uint8_t        value)
{
  for (size_t i = 0; i < len; i++)
    if (p[i] != value)
      return false;
  return true;
}

static void
test_negotiation (Fixture       *f,
                  gconstpointer  data)
{
  uint64_t offered, features;

  td_probe (&f->td, VIRTIO_ID_BLOCK);
  offered = td_device_features (&f->td);
  g_assert_true (offered & VIRTIO_FEATURE (VIRTIO_BLK_F_FLUSH));
  g_assert_true (offered & VIRTIO_FEATURE (VIRTIO_BLK_F_DISCARD));
  g_assert_true (offered & VIRTIO_FEATURE (VIRTIO_BLK_F_WRITE_ZEROES));
  g_assert_true (offered & VIRTIO_FEATURE (VIRTIO_BLK_F_SEG_MAX));
  g_assert_true (offered & VIRTIO_FEATURE (VIRTIO_BLK_F_SIZE_MAX));
  g_assert_true (offered & VIRTIO_FEATURE (VIRTIO_BLK_F_BLK_SIZE));
  g_assert_true (offered & F_EVENT_IDX);
  g_assert_true (offered & F_INDIRECT);
  g_assert_false (offered & VIRTIO_FEATURE (VIRTIO_BLK_F_RO));
  g_assert_false (offered & VIRTIO_FEATURE (VIRTIO_BLK_F_MQ));

  features = td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  g_assert_cmphex (features, ==, offered & F_LINUX);
  g_assert_cmpuint (f->td.q[0].size, ==, VIRTIO_BLK_QUEUE_SIZE);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_CAPACITY, 8), ==, DISK_SIZE / 512);
  /* Linux reads 64-bit fields as two dwords. */
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_CAPACITY, 4), ==, DISK_SIZE / 512);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_CAPACITY + 4, 4), ==, 0);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_SEG_MAX, 4), ==, VIRTIO_BLK_SEG_MAX);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_SIZE_MAX, 4), ==, VIRTIO_BLK_SIZE_MAX);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_BLK_SIZE, 4), ==, 512);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 4), ==,
                    VIRTIO_BLK_MAX_DISCARD_SEG);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP, 1), ==, 1);
  g_assert_cmpuint (virtio_blk_get_size (f->blk), ==, DISK_SIZE);
  g_assert_false (virtio_blk_is_read_only (f->blk));
  g_assert_cmpstr (virtio_blk_get_path (f->blk), ==, f->path);
}

static void
test_read_write (Fixture       *f,
                 gconstpointer  data)
{
  uint8_t buf[4096];
  uint32_t len;
  uint16_t head, n;

  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);

  /* Read sectors 3-10. */
  memset (f->td.ram + DATA_GPA, 0xaa, 8192);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, 3, DATA_GPA, 4096, &len), ==,
                    VIRTIO_BLK_S_OK);
  g_assert_cmpuint (len, ==, 4096 + 1);
  for (unsigned s = 0; s < 8; s++)
    g_assert_true (all_bytes (f->td.ram + DATA_GPA + 512 * s, 512, (uint8_t) (3 + s)));
  g_assert_true (all_bytes (f->td.ram + DATA_GPA + 4096, 4096, 0xaa));
  g_assert_cmpuint (td_msgs (&f->td, 1), >=, 1);

  /* Write two sectors from two buffers (a scatter list), with the status
   * byte in the last data buffer's descriptor, as allowed. */
  memset (f->td.ram + DATA_GPA, 0x5a, 512);
  memset (f->td.ram + DATA_GPA + 0x1000, 0xa5, 512);
  n = td_used_idx (&f->td, 0);
  head = td_desc (&f->td, 0, put_header (f, VIRTIO_BLK_T_OUT, 100), 16, 0, true);
  td_desc (&f->td, 0, DATA_GPA, 512, 0, true);
  td_desc (&f->td, 0, DATA_GPA + 0x1000, 512, 0, true);
  f->td.ram[DATA_GPA + 0x2000 + 7] = 0xff;
  td_desc (&f->td, 0, DATA_GPA + 0x2000, 8, VIRTQ_DESC_F_WRITE, false);
  td_avail (&f->td, 0, head);
  td_kick (&f->td, 0);
  td_wait_used (&f->td, 0, (uint16_t) (n + 1));
  g_assert_cmpuint (f->td.ram[DATA_GPA + 0x2000 + 7], ==, VIRTIO_BLK_S_OK);
  read_file (f, 100 * 512, buf, 1024);
  g_assert_true (all_bytes (buf, 512, 0x5a));
  g_assert_true (all_bytes (buf + 512, 512, 0xa5));

  /* And read back through the device, into an indirect table. */
  {
    uint8_t *table = f->td.ram + DATA_GPA + 0x3000;
    uint64_t addrs[3] = { put_header (f, VIRTIO_BLK_T_IN, 100), DATA_GPA + 0x4000,
                          status_gpa (f) };
    uint32_t lens[3] = { 16, 1024, 1 };
    uint16_t flags[3] = { VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
                          VIRTQ_DESC_F_WRITE };
    uint64_t st = status_gpa (f);

    for (uint16_t i = 0; i < 3; i++)
      {
        uint16_t next = i + 1;

        memcpy (table + 16 * i, &addrs[i], 8);
        memcpy (table + 16 * i + 8, &lens[i], 4);
        memcpy (table + 16 * i + 12, &flags[i], 2);
        memcpy (table + 16 * i + 14, &next, 2);
      }
    f->n_req++;
    n = td_used_idx (&f->td, 0);
    head = td_desc (&f->td, 0, DATA_GPA + 0x3000, 48, VIRTQ_DESC_F_INDIRECT, false);
    td_avail (&f->td, 0, head);
    td_kick (&f->td, 0);
    td_wait_used (&f->td, 0, (uint16_t) (n + 1));
    g_assert_cmpuint (f->td.ram[st], ==, VIRTIO_BLK_S_OK);
    g_assert_true (all_bytes (f->td.ram + DATA_GPA + 0x4000, 512, 0x5a));
    g_assert_true (all_bytes (f->td.ram + DATA_GPA + 0x4200, 512, 0xa5));
  }

  /* The last sector, exactly. */
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, DISK_SIZE / 512 - 1, DATA_GPA, 512, NULL),
                    ==, VIRTIO_BLK_S_OK);
  g_assert_true (all_bytes (f->td.ram + DATA_GPA, 512, (DISK_SIZE / 512 - 1) & 0xff));
}

static void
test_flush_get_id (Fixture       *f,
                   gconstpointer  data)
{
  uint32_t len;

  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, &len), ==, VIRTIO_BLK_S_OK);
  g_assert_cmpuint (len, ==, 1);

  memset (f->td.ram + DATA_GPA, 0xcc, 32);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, &len), ==,
                    VIRTIO_BLK_S_OK);
  g_assert_cmpuint (len, ==, 21);
  g_assert_cmpmem (f->td.ram + DATA_GPA, 12, "gh-disk-0001", 12);
  g_assert_true (all_bytes (f->td.ram + DATA_GPA + 12, 8, 0));
  g_assert_true (all_bytes (f->td.ram + DATA_GPA + 20, 12, 0xcc));

  /* A buffer shorter than 20 bytes gets what fits. */
  memset (f->td.ram + DATA_GPA, 0xcc, 32);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 4, &len), ==,
                    VIRTIO_BLK_S_OK);
  g_assert_cmpuint (len, ==, 5);
  g_assert_cmpmem (f->td.ram + DATA_GPA, 4, "gh-d", 4);
  g_assert_cmpuint (f->td.ram[DATA_GPA + 4], ==, 0xcc);
}

/* Requests that are wrong in themselves fail alone: an error status, the
 * device goes on. */
static void
test_bad_requests (Fixture       *f,
                   gconstpointer  data)
{
  uint8_t buf[512];
  uint16_t head, n;
  uint32_t len;
  uint64_t st;

  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);

  /* Past the end; straddling the end; a sector number that would wrap. */
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, DISK_SIZE / 512, DATA_GPA, 512, &len), ==,
                    VIRTIO_BLK_S_IOERR);
  g_assert_cmpuint (len, ==, 1);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_OUT, DISK_SIZE / 512 - 1, DATA_GPA, 1024, NULL),
                    ==, VIRTIO_BLK_S_IOERR);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, UINT64_MAX - 1, DATA_GPA, 1024, NULL), ==,
                    VIRTIO_BLK_S_IOERR);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_OUT, UINT64_MAX / 512 + 1, DATA_GPA, 512, NULL),
                    ==, VIRTIO_BLK_S_IOERR);
  /* Not whole sectors. */
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, 0, DATA_GPA, 100, NULL), ==,
                    VIRTIO_BLK_S_IOERR);
  /* Unknown and unsupported types. */
  g_assert_cmpuint (do_request (f, 0x1234, 0, 0, 0, NULL), ==, VIRTIO_BLK_S_UNSUPP);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_GET_LIFETIME, 0, DATA_GPA, 16, NULL), ==,
                    VIRTIO_BLK_S_UNSUPP);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_SECURE_ERASE, 0, DATA_GPA, 16, NULL), ==,
                    VIRTIO_BLK_S_UNSUPP);

  /* A header of 8 bytes. */
  n = td_used_idx (&f->td, 0);
  st = status_gpa (f);
  f->td.ram[st] = 0xff;
  head = td_desc (&f->td, 0, put_header (f, VIRTIO_BLK_T_IN, 0), 8, 0, true);
  td_desc (&f->td, 0, DATA_GPA, 512, VIRTQ_DESC_F_WRITE, true);
  td_desc (&f->td, 0, st, 1, VIRTQ_DESC_F_WRITE, false);
  td_avail (&f->td, 0, head);
  f->n_req++;
  td_kick (&f->td, 0);
  td_wait_used (&f->td, 0, (uint16_t) (n + 1));
  g_assert_cmpuint (f->td.ram[st], ==, VIRTIO_BLK_S_IOERR);

  /* A header split over two descriptors is fine. */
  n = td_used_idx (&f->td, 0);
  st = status_gpa (f);
  head = td_desc (&f->td, 0, put_header (f, VIRTIO_BLK_T_IN, 4), 10, 0, true);
  td_desc (&f->td, 0, HDR_GPA + 16 * (uint64_t) f->n_req + 10, 6, 0, true);
  td_desc (&f->td, 0, DATA_GPA, 512, VIRTQ_DESC_F_WRITE, true);
  td_desc (&f->td, 0, st, 1, VIRTQ_DESC_F_WRITE, false);
  td_avail (&f->td, 0, head);
  f->n_req++;
  td_kick (&f->td, 0);
  td_wait_used (&f->td, 0, (uint16_t) (n + 1));
  g_assert_cmpuint (f->td.ram[st], ==, VIRTIO_BLK_S_OK);
  g_assert_true (all_bytes (f->td.ram + DATA_GPA, 512, 4));

  /* Discard: unmap flag (not allowed on discard), unknown flags, too many
   * sectors, past the end, not whole ranges, none at all. */
  {
    struct { uint64_t sector; uint32_t n, flags; } cases[] = {
      { 0, 8, VIRTIO_BLK_DISCARD_UNMAP },
      { 0, 8, 0x80 },
      { 0, VIRTIO_BLK_MAX_DISCARD_SECTORS + 1, 0 },
      { DISK_SIZE / 512 - 4, 8, 0 },
    };
    uint8_t expect[] = { VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_S_IOERR,
                         VIRTIO_BLK_S_IOERR };

    for (unsigned i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        memcpy (f->td.ram + DATA_GPA, &cases[i], 16);
        g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_DISCARD, 0, DATA_GPA, 16, NULL), ==,
                          expect[i]);
      }
    g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_DISCARD, 0, DATA_GPA, 24, NULL), ==,
                      VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 0, 0, NULL), ==,
                      VIRTIO_BLK_S_IOERR);
    /* More ranges than max_discard_seg. */
    memset (f->td.ram + DATA_GPA, 0, 16 * (VIRTIO_BLK_MAX_DISCARD_SEG + 1));
    g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_DISCARD, 0, DATA_GPA,
                                  16 * (VIRTIO_BLK_MAX_DISCARD_SEG + 1), NULL), ==,
                      VIRTIO_BLK_S_IOERR);
  }

  /* None of that touched the disk. */
  read_file (f, 0, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 0));
  read_file (f, DISK_SIZE - 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, (DISK_SIZE / 512 - 1) & 0xff));
  g_assert_cmpuint (virtio_pci_get_status (f->td.vp) & VIRTIO_STATUS_DEVICE_NEEDS_RESET, ==, 0);
}

/* The I/O thread sets DEVICE_NEEDS_RESET, then sends the configuration
 * interrupt, the n_msgs-th so far: wait for both. */
static void
wait_needs_reset (Fixture  *f,
                  unsigned  n_msgs)
{
  for (unsigned i = 0; i < 20000; i++)
    {
      if ((td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
          && td_msgs (&f->td, 0) >= n_msgs)
        {
          g_assert_cmpuint (td_msgs (&f->td, 0), ==, n_msgs);
          return;
        }
      g_usleep (500);
    }
  g_error ("the device did not ask for a reset");
}

/* Requests the device cannot even answer: the device needs a reset, and
 * works again after one. */
static void
test_broken_requests (Fixture       *f,
                      gconstpointer  data)
{
  uint16_t head;
  uint8_t *table;

  /* Every buffer device-readable: no status byte. */
  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  head = td_desc (&f->td, 0, put_header (f, VIRTIO_BLK_T_IN, 0), 16, 0, true);
  td_desc (&f->td, 0, DATA_GPA, 512, 0, true);
  td_desc (&f->td, 0, status_gpa (f), 1, 0, false);
  td_avail (&f->td, 0, head);
  td_kick (&f->td, 0);
  wait_needs_reset (f, 1);

  /* The driver resets and starts over; a good request works. */
  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, 7, DATA_GPA, 512, NULL), ==,
                    VIRTIO_BLK_S_OK);
  g_assert_true (all_bytes (f->td.ram + DATA_GPA, 512, 7));

  /* A huge segment count: an indirect table of 4096 data buffers, far
   * more than seg_max. The queue breaks; nothing is read. */
  table = f->td.ram + DATA_GPA + 0x100000;
  for (unsigned i = 0; i < 4096; i++)
    {
      uint64_t addr = i == 0 ? put_header (f, VIRTIO_BLK_T_IN, 0)
                             : i == 4095 ? status_gpa (f) : DATA_GPA + 512 * (i % 64);
      uint32_t len = i == 0 ? 16 : i == 4095 ? 1 : 512;
      uint16_t flags = (i == 0 ? 0 : VIRTQ_DESC_F_WRITE) | (i < 4095 ? VIRTQ_DESC_F_NEXT : 0);
      uint16_t next = (uint16_t) (i + 1);

      memcpy (table + 16 * i, &addr, 8);
      memcpy (table + 16 * i + 8, &len, 4);
      memcpy (table + 16 * i + 12, &flags, 2);
      memcpy (table + 16 * i + 14, &next, 2);
    }
  memset (f->td.ram + DATA_GPA, 0xee, 512 * 64);
  head = td_desc (&f->td, 0, DATA_GPA + 0x100000, 16 * 4096, VIRTQ_DESC_F_INDIRECT, false);
  td_avail (&f->td, 0, head);
  td_kick (&f->td, 0);
  wait_needs_reset (f, 2);
  g_assert_true (all_bytes (f->td.ram + DATA_GPA, 512 * 64, 0xee));

  /* A data buffer outside RAM. */
  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  head = td_desc (&f->td, 0, put_header (f, VIRTIO_BLK_T_IN, 0), 16, 0, true);
  td_desc (&f->td, 0, RAM_SIZE - 256, 512, VIRTQ_DESC_F_WRITE, true);
  td_desc (&f->td, 0, status_gpa (f), 1, VIRTQ_DESC_F_WRITE, false);
  td_avail (&f->td, 0, head);
  td_kick (&f->td, 0);
  wait_needs_reset (f, 3);
}

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  uint8_t buf[512];
  uint64_t features;
  VmmError err = { { 0 } };
  g_autofree char *spec = g_strdup_printf ("path=%s", f->path);
  g_autofree char *spec_ro = g_strdup_printf ("path=%s,readonly=on", f->path);
  VirtioBlk *other;

  features = td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  g_assert_true (features & VIRTIO_FEATURE (VIRTIO_BLK_F_RO));
  g_assert_false (features & VIRTIO_FEATURE (VIRTIO_BLK_F_DISCARD));
  g_assert_true (virtio_blk_is_read_only (f->blk));

  memset (f->td.ram + DATA_GPA, 0x77, 512);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_OUT, 1, DATA_GPA, 512, NULL), ==,
                    VIRTIO_BLK_S_IOERR);
  memset (f->td.ram + DATA_GPA, 0, 16);
  f->td.ram[DATA_GPA + 8] = 8;
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_DISCARD, 0, DATA_GPA, 16, NULL), ==,
                    VIRTIO_BLK_S_IOERR);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_GPA, 16, NULL), ==,
                    VIRTIO_BLK_S_IOERR);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, NULL), ==, VIRTIO_BLK_S_OK);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, 1, DATA_GPA, 512, NULL), ==,
                    VIRTIO_BLK_S_OK);
  g_assert_true (all_bytes (f->td.ram + DATA_GPA, 512, 1));
  read_file (f, 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 1));

  /* Readers share; a writer is refused while a reader holds the image. */
  other = open_blk (&f->td, spec_ro, 1, &err);
  g_assert_nonnull (other);
  virtio_blk_free (other);
  other = open_blk (&f->td, spec, 1, &err);
  g_assert_null (other);
  g_assert_nonnull (strstr (err.message, "in use"));
}

static void
test_lock (Fixture       *f,
           gconstpointer  data)
{
  VmmError err = { { 0 } };
  g_autofree char *spec = g_strdup_printf ("path=%s", f->path);
  g_autofree char *spec_ro = g_strdup_printf ("path=%s,readonly=on", f->path);

  /* The fixture's device has the image for writing: a second writer and a
   * reader are both refused, with a sentence naming the image. */
  g_assert_null (open_blk (&f->td, spec, 1, &err));
  g_assert_nonnull (strstr (err.message, f->path));
  g_assert_nonnull (strstr (err.message, "in use"));
  memset (&err, 0, sizeof err);
  g_assert_null (open_blk (&f->td, spec_ro, 1, &err));
  g_assert_nonnull (strstr (err.message, "in use"));

  /* Once it is gone, the image is free again. */
  virtio_blk_stop (f->blk);
  td_detach (&f->td);
  virtio_blk_free (f->blk);
  memset (&err, 0, sizeof err);
  f->blk = open_blk (&f->td, spec, 1, &err);
  g_assert_nonnull (f->blk);
  td_attach (&f->td, virtio_blk_get_device (f->blk));
}

static void
test_open_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-virtio-blk-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.img", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *spec = NULL;
  TestDriver td;
  VmmError err = { { 0 } };

  td_init (&td, RAM_SIZE);
  spec = g_strdup_printf ("path=%s", missing);
  g_assert_null (open_blk (&td, spec, 1, &err));
  g_assert_nonnull (strstr (err.message, missing));
  g_assert_nonnull (strstr (err.message, "No such file"));

  memset (&err, 0, sizeof err);
  g_free (spec);
  spec = g_strdup_printf ("path=%s", dir);
  g_assert_null (open_blk (&td, spec, 1, &err));
  g_assert_cmpstr (err.message, !=, "");

  /* A FIFO must be refused, not waited on. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  memset (&err, 0, sizeof err);
  g_free (spec);
  spec = g_strdup_printf ("path=%s,readonly=on", fifo);
  g_assert_null (open_blk (&td, spec, 1, &err));
  g_assert_nonnull (strstr (err.message, "neither a regular file nor a block device"));

  memset (&err, 0, sizeof err);
  g_free (spec);
  spec = g_strdup_printf ("path=/dev/null");
  g_assert_null (open_blk (&td, spec, 1, &err));
  g_assert_nonnull (strstr (err.message, "neither"));

  g_unlink (fifo);
  g_rmdir (dir);
  td_free_ram (&td);
}

static uint64_t
file_blocks (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return (uint64_t) st.st_blocks;
}

static void
test_discard_write_zeroes (Fixture       *f,
                           gconstpointer  data)
{
  struct { uint64_t sector; uint32_t n, flags; } ranges[2];
  uint64_t before, after;
  uint8_t buf[512];

  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  before = file_blocks (f->path);
  g_assert_cmpuint (before * 512, >=, DISK_SIZE);

  /* Discard the first 2 MiB and 1 MiB at 4 MiB, in one request. */
  ranges[0] = (typeof (ranges[0])) { 0, 4096, 0 };
  ranges[1] = (typeof (ranges[1])) { 8192, 2048, 0 };
  memcpy (f->td.ram + DATA_GPA, ranges, sizeof ranges);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_DISCARD, 0, DATA_GPA, sizeof ranges, NULL), ==,
                    VIRTIO_BLK_S_OK);
  after = file_blocks (f->path);
  g_test_message ("discard: %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " blocks", before, after);
  g_assert_cmpuint (after * 512, <=, before * 512 - (3u << 20));
  read_file (f, 4096 * 512 - 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 0));
  read_file (f, 4096 * 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 4096 & 0xff));
  g_assert_cmpuint (virtio_blk_get_size (f->blk), ==, DISK_SIZE);

  /* Write zeroes with unmap frees the blocks too. */
  before = after;
  ranges[0] = (typeof (ranges[0])) { 12288, 2048, VIRTIO_BLK_DISCARD_UNMAP };
  memcpy (f->td.ram + DATA_GPA, ranges, 16);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_GPA, 16, NULL), ==,
                    VIRTIO_BLK_S_OK);
  after = file_blocks (f->path);
  g_assert_cmpuint (after * 512, <=, before * 512 - (1u << 20));
  read_file (f, 12288 * 512 + 4096, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 0));

  /* Without unmap the range reads as zeros; the blocks may stay. */
  ranges[0] = (typeof (ranges[0])) { 14336 + 1, 3, 0 };
  memcpy (f->td.ram + DATA_GPA, ranges, 16);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_GPA, 16, NULL), ==,
                    VIRTIO_BLK_S_OK);
  read_file (f, (14336 + 1) * 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 0));
  read_file (f, 14336 * 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 14336 & 0xff));
  read_file (f, (14336 + 4) * 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, (14336 + 4) & 0xff));

  /* Reads through the device see the same. */
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, 100, DATA_GPA, 512, NULL), ==,
                    VIRTIO_BLK_S_OK);
  g_assert_true (all_bytes (f->td.ram + DATA_GPA, 512, 0));
}

typedef struct
{
  Fixture    *f;
  bool        kicked;
  int         q0_used_at_q1;    /* queue 0's used index when queue 1's interrupt came */
} FairnessProbe;

/* Runs on the I/O thread, between two batches of queue 0's flood. */
static void
fairness_on_msg (void     *data,
                 unsigned  vector)
{
  FairnessProbe *probe = data;

  if (vector == 1 && !probe->kicked)
    {
      /* Queue 0's first batch is done: only now does queue 1 get its
       * request, so what follows does not depend on scheduling. */
      probe->kicked = true;
      queue_request (probe->f, 1, VIRTIO_BLK_T_IN, 9, DATA_GPA + 0x300000, 512);
      td_kick (&probe->f->td, 1);
    }
  if (vector == 2 && probe->q0_used_at_q1 < 0)
    probe->q0_used_at_q1 = td_used_idx (&probe->f->td, 0);
}

/* A guest flooding queue 0 does not hold queue 1 up: a request made on
 * queue 1 while the flood is served waits for one batch at most. */
static void
test_fairness (Fixture       *f,
               gconstpointer  data)
{
  FairnessProbe probe = { f, false, -1 };
  uint64_t features;
  const uint16_t n = 80;        /* 3 descriptors each: 240 of the 256 */

  /* The flood is in the ring before DRIVER_OK, whose look at every queue
   * starts the work. */
  features = td_start_queues (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 2);
  g_assert_true (features & VIRTIO_FEATURE (VIRTIO_BLK_F_MQ));
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_NUM_QUEUES, 2), ==, 2);
  f->td.on_msg = fairness_on_msg;
  f->td.on_msg_data = &probe;
  for (uint16_t i = 0; i < n; i++)
    queue_request (f, 0, VIRTIO_BLK_T_IN, (uint64_t) i * 64 % (DISK_SIZE / 512),
                   DATA_GPA + 0x8000 * (uint64_t) (i % 64), 0x8000);
  td_driver_ok (&f->td);

  td_wait_used (&f->td, 0, n);
  td_wait_used (&f->td, 1, 1);
  g_test_message ("queue 0 had %d of %u done when queue 1's request completed",
                  probe.q0_used_at_q1, n);
  g_assert_true (probe.kicked);
  g_assert_cmpint (probe.q0_used_at_q1, ==, VIRTIO_BLK_BUDGET);
  g_assert_true (all_bytes (f->td.ram + DATA_GPA + 0x300000, 512, 9));
}

/* A reset while the thread is busy: it returns only when the thread has
 * let go, and the device works afterwards. Freeing with requests queued
 * stops the thread cleanly. */
static void
test_reset_in_flight (Fixture       *f,
                      gconstpointer  data)
{
  for (unsigned round = 0; round < 3; round++)
    {
      td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
      for (uint16_t i = 0; i < 80; i++)
        queue_request (f, 0, VIRTIO_BLK_T_IN, (uint64_t) i * 64, DATA_GPA + 0x8000 * (i % 64),
                       0x8000);
      td_kick (&f->td, 0);
      g_usleep (100 * round);
      td_wr (&f->td, f->td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
      g_assert_cmpuint (td_status (&f->td), ==, 0);
      f->td.q[0].next_desc = 0;
      f->td.q[0].avail_idx = 0;
    }
  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_IN, 5, DATA_GPA, 512, NULL), ==,
                    VIRTIO_BLK_S_OK);
  for (uint16_t i = 0; i < 80; i++)
    queue_request (f, 0, VIRTIO_BLK_T_IN, (uint64_t) i * 64, DATA_GPA + 0x8000 * (i % 64),
                   0x8000);
  td_kick (&f->td, 0);
}

/* A host block device, when the environment names a scratch one
 * (GH_TEST_BLOCK_DEVICE=/dev/loop0: its contents are destroyed). */
static void
test_block_device (void)
{
  const char *dev = g_getenv ("GH_TEST_BLOCK_DEVICE");
  g_autofree char *spec = NULL;
  VmmError err = { { 0 } };
  Fixture fx = { 0 }, *f = &fx;
  uint8_t buf[512];
  off_t size;
  int fd;

  if (dev == NULL)
    {
      g_test_skip ("set GH_TEST_BLOCK_DEVICE to a scratch block device");
      return;
    }
  fd = open (dev, O_RDONLY);
  g_assert_cmpint (fd, >=, 0);
  size = lseek (fd, 0, SEEK_END);
  close (fd);

  td_init (&f->td, RAM_SIZE);
  f->path = g_strdup (dev);
  spec = g_strdup_printf ("path=%s", dev);
  f->blk = open_blk (&f->td, spec, 1, &err);
  g_assert_cmpstr (err.message, ==, "");
  td_attach (&f->td, virtio_blk_get_device (f->blk));
  td_start (&f->td, VIRTIO_ID_BLOCK, F_LINUX, 1);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BLK_CFG_CAPACITY, 8), ==, (uint64_t) size / 512);
  g_assert_null (open_blk (&f->td, spec, 1, &err));
  g_assert_nonnull (strstr (err.message, "in use"));

  memset (f->td.ram + DATA_GPA, 0x3c, 512);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_OUT, 10, DATA_GPA, 512, NULL), ==,
                    VIRTIO_BLK_S_OK);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, NULL), ==, VIRTIO_BLK_S_OK);
  read_file (f, 10 * 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 0x3c));

  /* Write zeroes works on any device (written by hand at worst); discard
   * is advisory. */
  memcpy (f->td.ram + DATA_GPA, &(struct { uint64_t s; uint32_t n, fl; }) { 8, 8, 1 }, 16);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_GPA, 16, NULL), ==,
                    VIRTIO_BLK_S_OK);
  read_file (f, 10 * 512, buf, sizeof buf);
  g_assert_true (all_bytes (buf, 512, 0));
  memcpy (f->td.ram + DATA_GPA, &(struct { uint64_t s; uint32_t n, fl; }) { 0, 64, 0 }, 16);
  g_assert_cmpuint (do_request (f, VIRTIO_BLK_T_DISCARD, 0, DATA_GPA, 16, NULL), ==,
                    VIRTIO_BLK_S_OK);

  virtio_blk_stop (f->blk);
  td_detach (&f->td);
  virtio_blk_free (f->blk);
  td_free_ram (&f->td);
  g_free (f->path);
}

static void
test_spec_parse (void)
{
  DiskSpec spec;
  VmmError err = { { 0 } };
  struct { const char *text; const char *message; } bad[] = {
    { "", "needs a disk image" },
    { "readonly=on", "no path" },
    { "path=", "empty" },
    { "path=a,readonly=maybe", "readonly=maybe" },
    { "path=a,colour=blue", "unknown key 'colour'" },
    { "path=a,path=b", "twice" },
    { "path=a,bus=scsi", "unknown bus" },
    { "path=a,media=floppy", "unknown media" },
    { "bus=ide", "no path" },
    { "path=a,media=cdrom,readonly=off", "CD-ROM is read-only" },
    { "path=a,media=cdrom,bus=virtio", "use bus=ide" },
    { "path=a,serial=123456789012345678901", "longer than 20" },
    { "path=a,serial=a\tb", "printable" },
    { "path=a,oops", "not key=value" },
  };

  g_assert_cmpint (disk_spec_parse ("path=/x/disk.img", &spec, &err), ==, 0);
  g_assert_cmpstr (spec.path, ==, "/x/disk.img");
  g_assert_false (spec.read_only);
  g_assert_cmpstr (spec.serial, ==, "");
  g_assert_cmpint (spec.bus, ==, DISK_BUS_VIRTIO);
  disk_spec_clear (&spec);

  g_assert_cmpint (disk_spec_parse ("path=/x/a,,b.img,readonly=on,serial=ABC-123,bus=virtio,"
                                    "media=disk", &spec, &err), ==, 0);
  g_assert_cmpstr (spec.path, ==, "/x/a,b.img");
  g_assert_true (spec.read_only);
  g_assert_cmpstr (spec.serial, ==, "ABC-123");
  disk_spec_clear (&spec);

  g_assert_cmpint (disk_spec_parse ("/x/plain.img,readonly=off,serial=12345678901234567890",
                                    &spec, &err), ==, 0);
  g_assert_cmpstr (spec.path, ==, "/x/plain.img");
  g_assert_false (spec.read_only);
  g_assert_cmpstr (spec.serial, ==, "12345678901234567890");
  disk_spec_clear (&spec);

  g_assert_cmpint (disk_spec_parse ("path=/x/hd.img,bus=ide", &spec, &err), ==, 0);
  g_assert_cmpint (spec.bus, ==, DISK_BUS_IDE);
  g_assert_cmpint (spec.media, ==, DISK_MEDIA_DISK);
  g_assert_false (spec.read_only);
  disk_spec_clear (&spec);

  /* A CD-ROM is read-only and on IDE without being told; it may be empty. */
  g_assert_cmpint (disk_spec_parse ("path=/x/install.iso,media=cdrom", &spec, &err), ==, 0);
  g_assert_cmpint (spec.bus, ==, DISK_BUS_IDE);
  g_assert_cmpint (spec.media, ==, DISK_MEDIA_CDROM);
  g_assert_true (spec.read_only);
  disk_spec_clear (&spec);
  g_assert_cmpint (disk_spec_parse ("media=cdrom,bus=ide,readonly=on", &spec, &err), ==, 0);
  g_assert_null (spec.path);
  g_assert_cmpint (spec.media, ==, DISK_MEDIA_CDROM);
  disk_spec_clear (&spec);
  g_assert_cmpstr (err.message, ==, "");

  for (unsigned i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      memset (&err, 0, sizeof err);
      g_assert_cmpint (disk_spec_parse (bad[i].text, &spec, &err), <, 0);
      g_assert_null (spec.path);
      if (strstr (err.message, bad[i].message) == NULL)
        g_error ("'%s': message '%s' lacks '%s'", bad[i].text, err.message, bad[i].message);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, setup, func) \
  g_test_add ("/vmm/virtio-blk/" name, Fixture, NULL, setup, func, fixture_teardown)
  ADD ("negotiation", fixture_setup, test_negotiation);
  ADD ("read-write", fixture_setup, test_read_write);
  ADD ("flush-get-id", fixture_setup, test_flush_get_id);
  ADD ("bad-requests", fixture_setup, test_bad_requests);
  ADD ("broken-requests", fixture_setup, test_broken_requests);
  ADD ("read-only", fixture_setup_ro, test_read_only);
  ADD ("lock", fixture_setup, test_lock);
  ADD ("discard-write-zeroes", fixture_setup, test_discard_write_zeroes);
  ADD ("fairness", fixture_setup_mq, test_fairness);
  ADD ("reset-in-flight", fixture_setup, test_reset_in_flight);
#undef ADD
  g_test_add_func ("/vmm/virtio-blk/open-errors", test_open_errors);
  g_test_add_func ("/vmm/virtio-blk/spec-parse", test_spec_parse);
  g_test_add_func ("/vmm/virtio-blk/block-device", test_block_device);
  return g_test_run ();
}
