/* virtio-blk.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <endian.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "block/block-file.h"
#include "virtio-blk.h"

#define VIRTIO_BLK_HEADER_SIZE    16     /* le32 type, le32 reserved, le64 sector */
#define VIRTIO_BLK_RANGE_SIZE     16     /* le64 sector, le32 num_sectors, le32 flags */
/* Segments in one chain: the data plus the header and the status. */
#define VIRTIO_BLK_CHAIN_SEGS     (VIRTIO_BLK_SEG_MAX + 2)
#define VIRTIO_BLK_MAX_REQUEST    ((uint64_t) VIRTIO_BLK_SEG_MAX * VIRTIO_BLK_SIZE_MAX)

struct VirtioBlk
{
  VirtioDevice     vdev;              /* first: the ops get &blk->vdev */
  BlockFile        file;
  char            *path;
  uint8_t          id[VIRTIO_BLK_ID_BYTES];
  uint8_t          config[VIRTIO_BLK_CONFIG_SIZE];    /* fixed once built */
  uint64_t         n_sectors;
  unsigned         n_queues;

  /* The I/O thread's own chain and iovec storage: only it pops. */
  VirtqSeg         segs[VIRTIO_BLK_CHAIN_SEGS];
  struct iovec     iov[VIRTIO_BLK_CHAIN_SEGS];

  /* Guarded by lock. */
  pthread_mutex_t  lock;
  pthread_cond_t   wake;              /* pending or stop changed */
  pthread_cond_t   idle;              /* busy went false */
  uint32_t         pending;           /* queues notified and not yet drained */
  unsigned         next_queue;        /* where the round-robin goes on */
  bool             busy;              /* the thread is working on a queue */
  bool             failed;            /* the driver broke a request; until reset */
  bool             stop;
  pthread_t        thread;
  bool             thread_started;
};

static uint32_t
load_le32 (const uint8_t *p)
{
  uint32_t v;

  memcpy (&v, p, 4);
  return le32toh (v);
}

static uint64_t
load_le64 (const uint8_t *p)
{
  uint64_t v;

  memcpy (&v, p, 8);
  return le64toh (v);
}

static void
store_le16 (uint8_t  *p,
            uint16_t  v)
{
  v = htole16 (v);
  memcpy (p, &v, 2);
}

static void
store_le32 (uint8_t  *p,
            uint32_t  v)
{
  v = htole32 (v);
  memcpy (p, &v, 4);
}

static void
store_le64 (uint8_t  *p,
            uint64_t  v)
{
  v = htole64 (v);
  memcpy (p, &v, 8);
}

/* Whether n_bytes from sector lie on the disk. No sum may wrap. */
static bool
virtio_blk_in_range (VirtioBlk *blk,
                     uint64_t   sector,
                     uint64_t   n_bytes)
{
  uint64_t n = n_bytes / BLOCK_FILE_SECTOR_SIZE;

  return sector <= blk->n_sectors && n <= blk->n_sectors - sector;
}

/* The iovecs for len bytes of one part of the chain (readable or
 * writable), skip bytes into it. Returns how many. */
static unsigned
virtio_blk_iov (VirtioBlk        *blk,
                const VirtqChain *chain,
                bool              writable,
                uint64_t          skip,
                uint64_t          len)
{
  unsigned first = writable ? chain->n_readable : 0;
  unsigned last = writable ? chain->n_segs : chain->n_readable;
  unsigned n = 0;

  for (unsigned i = first; i < last && len > 0; i++)
    {
      const VirtqSeg *seg = &chain->segs[i];
      uint64_t take;

      if (skip >= seg->len)
        {
          skip -= seg->len;
          continue;
        }
      take = seg->len - skip;
      if (take > len)
        take = len;
      blk->iov[n++] = (struct iovec) { (uint8_t *) seg->host + skip, (size_t) take };
      len -= take;
      skip = 0;
    }
  return n;
}

/* DISCARD and WRITE_ZEROES: a list of ranges after the header. All are
 * checked before any is carried out, so a bad list changes nothing. */
static uint8_t
virtio_blk_ranges (VirtioBlk        *blk,
                   const VirtqChain *chain,
                   uint32_t          type)
{
  uint64_t payload = chain->readable_len - VIRTIO_BLK_HEADER_SIZE;
  uint64_t count = payload / VIRTIO_BLK_RANGE_SIZE;
  uint8_t raw[VIRTIO_BLK_MAX_DISCARD_SEG][VIRTIO_BLK_RANGE_SIZE];

  if (blk->file.read_only)
    return VIRTIO_BLK_S_IOERR;
  if (payload % VIRTIO_BLK_RANGE_SIZE != 0 || count == 0 || count > VIRTIO_BLK_MAX_DISCARD_SEG)
    return VIRTIO_BLK_S_IOERR;

  for (uint64_t i = 0; i < count; i++)
    {
      uint64_t sector;
      uint32_t n, flags;

      /* Copied once: the guest may change its memory while we work. */
      virtq_chain_read (chain, VIRTIO_BLK_HEADER_SIZE + i * VIRTIO_BLK_RANGE_SIZE, raw[i],
                        VIRTIO_BLK_RANGE_SIZE);
      sector = load_le64 (raw[i]);
      n = load_le32 (raw[i] + 8);
      flags = load_le32 (raw[i] + 12);
      /* 5.2.6.2: unknown flags, or unmap on a discard, are unsupported. */
      if ((flags & ~VIRTIO_BLK_DISCARD_UNMAP) != 0
          || (type == VIRTIO_BLK_T_DISCARD && (flags & VIRTIO_BLK_DISCARD_UNMAP)))
        return VIRTIO_BLK_S_UNSUPP;
      if (n > VIRTIO_BLK_MAX_DISCARD_SECTORS
          || !virtio_blk_in_range (blk, sector, (uint64_t) n * BLOCK_FILE_SECTOR_SIZE))
        return VIRTIO_BLK_S_IOERR;
    }

  for (uint64_t i = 0; i < count; i++)
    {
      uint64_t offset = load_le64 (raw[i]) * BLOCK_FILE_SECTOR_SIZE;
      uint64_t len = (uint64_t) load_le32 (raw[i] + 8) * BLOCK_FILE_SECTOR_SIZE;
      bool unmap = (load_le32 (raw[i] + 12) & VIRTIO_BLK_DISCARD_UNMAP) != 0;
      int ret;

      if (type == VIRTIO_BLK_T_DISCARD)
        ret = block_file_discard (&blk->file, offset, len);
      else
        ret = block_file_write_zeroes (&blk->file, offset, len, unmap);
      if (ret < 0)
        return VIRTIO_BLK_S_IOERR;
    }
  return VIRTIO_BLK_S_OK;
}

/* Carries out one request whose chain has at least the status byte.
 * *written: data bytes put into the guest's buffers (before the status). */
static uint8_t
virtio_blk_execute (VirtioBlk        *blk,
                    const VirtqChain *chain,
                    uint64_t          features,
                    uint32_t         *written)
{
  uint8_t header[VIRTIO_BLK_HEADER_SIZE];
  uint64_t in_len = chain->writable_len - 1;     /* what precedes the status byte */
  uint64_t out_len, sector;
  uint32_t type;
  bool writethrough = !(features & VIRTIO_FEATURE (VIRTIO_BLK_F_FLUSH));
  unsigned n;

  *written = 0;
  if (chain->readable_len < VIRTIO_BLK_HEADER_SIZE
      || virtq_chain_read (chain, 0, header, sizeof header) != sizeof header)
    return VIRTIO_BLK_S_IOERR;
  type = load_le32 (header);
  sector = load_le64 (header + 8);
  out_len = chain->readable_len - VIRTIO_BLK_HEADER_SIZE;

  switch (type)
    {
    case VIRTIO_BLK_T_IN:
      if (in_len % BLOCK_FILE_SECTOR_SIZE != 0 || in_len > VIRTIO_BLK_MAX_REQUEST
          || !virtio_blk_in_range (blk, sector, in_len))
        return VIRTIO_BLK_S_IOERR;
      n = virtio_blk_iov (blk, chain, true, 0, in_len);
      if (block_file_read (&blk->file, blk->iov, n, sector * BLOCK_FILE_SECTOR_SIZE) < 0)
        return VIRTIO_BLK_S_IOERR;
      *written = (uint32_t) in_len;
      return VIRTIO_BLK_S_OK;

    case VIRTIO_BLK_T_OUT:
      if (blk->file.read_only || out_len % BLOCK_FILE_SECTOR_SIZE != 0
          || out_len > VIRTIO_BLK_MAX_REQUEST || !virtio_blk_in_range (blk, sector, out_len))
        return VIRTIO_BLK_S_IOERR;
      n = virtio_blk_iov (blk, chain, false, VIRTIO_BLK_HEADER_SIZE, out_len);
      if (block_file_write (&blk->file, blk->iov, n, sector * BLOCK_FILE_SECTOR_SIZE) < 0)
        return VIRTIO_BLK_S_IOERR;
      /* A driver that did not take FLUSH expects each write to be stable
       * when it completes (5.2.6.3). */
      if (writethrough && block_file_flush (&blk->file) < 0)
        return VIRTIO_BLK_S_IOERR;
      return VIRTIO_BLK_S_OK;

    case VIRTIO_BLK_T_FLUSH:
      return block_file_flush (&blk->file) < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;

    case VIRTIO_BLK_T_GET_ID:
      {
        size_t len = in_len < VIRTIO_BLK_ID_BYTES ? (size_t) in_len : VIRTIO_BLK_ID_BYTES;

        *written = (uint32_t) virtq_chain_write (chain, 0, blk->id, len);
        return VIRTIO_BLK_S_OK;
      }

    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
      {
        uint8_t status = virtio_blk_ranges (blk, chain, type);

        if (status == VIRTIO_BLK_S_OK && writethrough && block_file_flush (&blk->file) < 0)
          status = VIRTIO_BLK_S_IOERR;
        return status;
      }

    default:
      return VIRTIO_BLK_S_UNSUPP;
    }
}

/* Serves up to VIRTIO_BLK_BUDGET requests from queue. Returns whether it
 * stopped because of the budget (more may be waiting). */
static bool
virtio_blk_process_queue (VirtioBlk *blk,
                          unsigned   queue)
{
  Virtqueue *vq = virtio_device_get_queue (&blk->vdev, queue);
  VirtqChain chain = { .capacity = VIRTIO_BLK_CHAIN_SEGS, .segs = blk->segs };
  uint64_t features = virtio_device_get_driver_features (&blk->vdev);
  bool pushed = false, failed = false;
  unsigned done;

  for (done = 0; done < VIRTIO_BLK_BUDGET; done++)
    {
      uint32_t written;
      uint8_t status;

      if (virtq_pop (vq, &chain) <= 0)
        break;
      if (chain.writable_len == 0)
        {
          /* No status byte: the driver cannot learn how this ended, and
           * the specification gives no way to tell it. Stop until reset. */
          failed = true;
          break;
        }
      status = virtio_blk_execute (blk, &chain, features, &written);
      virtq_chain_write (&chain, chain.writable_len - 1, &status, 1);
      virtq_push (vq, &chain, written + 1);
      pushed = true;
    }
  if (pushed)
    virtio_device_queue_done (&blk->vdev, queue);
  if (failed)
    {
      pthread_mutex_lock (&blk->lock);
      blk->failed = true;
      pthread_mutex_unlock (&blk->lock);
      virtio_device_needs_reset (&blk->vdev, "request without a device-writable status byte");
      return false;
    }
  return done == VIRTIO_BLK_BUDGET;
}

static void *
virtio_blk_thread (void *data)
{
  VirtioBlk *blk = data;

  pthread_mutex_lock (&blk->lock);
  for (;;)
    {
      unsigned q;
      bool more;

      while ((blk->pending == 0 || blk->failed) && !blk->stop)
        pthread_cond_wait (&blk->wake, &blk->lock);
      if (blk->stop)
        break;

      /* Round-robin: the first notified queue at or after next_queue. */
      for (q = blk->next_queue; !(blk->pending & (1u << q)); q = (q + 1) % blk->n_queues)
        ;
      blk->pending &= ~(1u << q);
      blk->next_queue = (q + 1) % blk->n_queues;
      blk->busy = true;
      pthread_mutex_unlock (&blk->lock);

      more = virtio_blk_process_queue (blk, q);

      pthread_mutex_lock (&blk->lock);
      blk->busy = false;
      /* Left over from the budget: back in line behind the others. */
      if (more)
        blk->pending |= 1u << q;
      pthread_cond_broadcast (&blk->idle);
    }
  pthread_mutex_unlock (&blk->lock);
  return NULL;
}

static void
virtio_blk_queue_notify (VirtioDevice *vdev,
                         unsigned      queue)
{
  VirtioBlk *blk = (VirtioBlk *) vdev;

  if (queue >= blk->n_queues)
    return;
  /* The vCPU only rings the bell; the I/O thread does the work. */
  pthread_mutex_lock (&blk->lock);
  blk->pending |= 1u << queue;
  pthread_cond_signal (&blk->wake);
  pthread_mutex_unlock (&blk->lock);
}

static void
virtio_blk_config_read (VirtioDevice *vdev,
                        unsigned      offset,
                        void         *buf,
                        unsigned      size)
{
  VirtioBlk *blk = (VirtioBlk *) vdev;

  /* The transport checked offset + size against VIRTIO_BLK_CONFIG_SIZE;
   * the configuration never changes, so no lock. */
  memcpy (buf, blk->config + offset, size);
}

static void
virtio_blk_reset (VirtioDevice *vdev)
{
  VirtioBlk *blk = (VirtioBlk *) vdev;

  /* The queues are already reset, so the thread finds nothing new; wait
   * for the batch it may be in to end, so that no request from before the
   * reset writes guest memory after it. */
  pthread_mutex_lock (&blk->lock);
  blk->pending = 0;
  while (blk->busy)
    pthread_cond_wait (&blk->idle, &blk->lock);
  blk->pending = 0;
  blk->failed = false;
  blk->next_queue = 0;
  pthread_mutex_unlock (&blk->lock);
}

static const VirtioDeviceOps virtio_blk_ops = {
  .name = "blk",
  .config_read = virtio_blk_config_read,
  .queue_notify = virtio_blk_queue_notify,
  .reset = virtio_blk_reset,
};

static void
virtio_blk_build_config (VirtioBlk *blk)
{
  uint8_t *c = blk->config;

  store_le64 (c + VIRTIO_BLK_CFG_CAPACITY, blk->n_sectors);
  store_le32 (c + VIRTIO_BLK_CFG_SIZE_MAX, VIRTIO_BLK_SIZE_MAX);
  store_le32 (c + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX);
  store_le32 (c + VIRTIO_BLK_CFG_BLK_SIZE, blk->file.block_size);
  store_le16 (c + VIRTIO_BLK_CFG_NUM_QUEUES, (uint16_t) blk->n_queues);
  store_le32 (c + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_DISCARD_SECTORS);
  store_le32 (c + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, VIRTIO_BLK_MAX_DISCARD_SEG);
  /* In sectors: discard whole host pages, or the file system cannot free
   * anything. */
  store_le32 (c + VIRTIO_BLK_CFG_DISCARD_ALIGNMENT, 4096 / BLOCK_FILE_SECTOR_SIZE);
  store_le32 (c + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS, VIRTIO_BLK_MAX_DISCARD_SECTORS);
  store_le32 (c + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, VIRTIO_BLK_MAX_DISCARD_SEG);
  c[VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = 1;
}

VirtioBlk *
virtio_blk_new (const GuestMemory *mem,
                const DiskSpec    *spec,
                unsigned           n_queues,
                VmmError          *err)
{
  uint16_t sizes[VIRTIO_BLK_MAX_QUEUES];
  uint64_t features;
  sigset_t all, old;
  VirtioBlk *blk;
  int ret;

  if (n_queues == 0 || n_queues > VIRTIO_BLK_MAX_QUEUES)
    {
      vmm_error_set (err, "a virtio disk has 1 to %d queues, not %u", VIRTIO_BLK_MAX_QUEUES,
                     n_queues);
      return NULL;
    }
  blk = calloc (1, sizeof *blk);
  if (blk == NULL)
    goto oom;
  blk->file.fd = -1;
  pthread_mutex_init (&blk->lock, NULL);
  pthread_cond_init (&blk->wake, NULL);
  pthread_cond_init (&blk->idle, NULL);
  blk->n_queues = n_queues;

  if (block_file_open (&blk->file, spec->path, spec->read_only, err) < 0)
    goto fail;
  blk->path = strdup (spec->path);
  if (blk->path == NULL)
    goto oom;
  blk->n_sectors = blk->file.size / BLOCK_FILE_SECTOR_SIZE;
  /* 20 bytes, zero-padded; no terminator when all 20 are used. */
  memcpy (blk->id, spec->serial, strnlen (spec->serial, VIRTIO_BLK_ID_BYTES));

  features = VIRTIO_FEATURE (VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_FEATURE (VIRTIO_BLK_F_SEG_MAX)
             | VIRTIO_FEATURE (VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_FEATURE (VIRTIO_BLK_F_FLUSH);
  if (spec->read_only)
    features |= VIRTIO_FEATURE (VIRTIO_BLK_F_RO);
  else
    features |= VIRTIO_FEATURE (VIRTIO_BLK_F_DISCARD) | VIRTIO_FEATURE (VIRTIO_BLK_F_WRITE_ZEROES);
  if (n_queues > 1)
    features |= VIRTIO_FEATURE (VIRTIO_BLK_F_MQ);
  for (unsigned i = 0; i < n_queues; i++)
    sizes[i] = VIRTIO_BLK_QUEUE_SIZE;
  ret = virtio_device_init (&blk->vdev, &virtio_blk_ops, mem, VIRTIO_ID_BLOCK, features,
                            VIRTIO_BLK_CONFIG_SIZE, n_queues, sizes);
  if (ret < 0)
    goto oom;
  blk->vdev.pci_class = 0x010000;        /* mass storage, SCSI, as other VMMs show it */
  virtio_blk_build_config (blk);

  /* The thread must not take the process's signals: the VMM reads them
   * from a signalfd and expects them blocked everywhere. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &old);
  ret = pthread_create (&blk->thread, NULL, virtio_blk_thread, blk);
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  if (ret != 0)
    {
      vmm_error_set (err, "cannot start the I/O thread of disk %s: %s", spec->path,
                     strerror (ret));
      goto fail;
    }
  blk->thread_started = true;
  return blk;

oom:
  vmm_error_set (err, "out of memory while creating a virtio disk");
fail:
  virtio_blk_free (blk);
  return NULL;
}

void
virtio_blk_stop (VirtioBlk *blk)
{
  if (blk == NULL || !blk->thread_started)
    return;
  pthread_mutex_lock (&blk->lock);
  blk->stop = true;
  pthread_cond_signal (&blk->wake);
  pthread_mutex_unlock (&blk->lock);
  /* The batch in flight ends first, interrupts and all: after this no
   * thread of ours touches the transport or guest memory. */
  pthread_join (blk->thread, NULL);
  blk->thread_started = false;
}

void
virtio_blk_free (VirtioBlk *blk)
{
  if (blk == NULL)
    return;
  virtio_blk_stop (blk);
  if (blk->vdev.queues != NULL)
    virtio_device_destroy (&blk->vdev);
  block_file_close (&blk->file);
  free (blk->path);
  pthread_cond_destroy (&blk->wake);
  pthread_cond_destroy (&blk->idle);
  pthread_mutex_destroy (&blk->lock);
  free (blk);
}

VirtioDevice *
virtio_blk_get_device (VirtioBlk *blk)
{
  return &blk->vdev;
}

const char *
virtio_blk_get_path (VirtioBlk *blk)
{
  return blk->path;
}

uint64_t
virtio_blk_get_size (VirtioBlk *blk)
{
  return blk->n_sectors * BLOCK_FILE_SECTOR_SIZE;
}

bool
virtio_blk_is_read_only (VirtioBlk *blk)
{
  return blk->file.read_only;
}
