/* virtio-balloon.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "virtio-balloon.h"

#define VIRTIO_BALLOON_N_QUEUES     4       /* inflate, deflate, then stats and reporting */
/* Frame numbers read from a request at a time (Linux sends 256 a buffer). */
#define VIRTIO_BALLOON_PFN_BATCH    256
#define VIRTIO_BALLOON_CHAIN_SEGS   VIRTIO_BALLOON_QUEUE_SIZE
#define VIRTIO_BALLOON_NO_QUEUE     UINT32_MAX

struct VirtioBalloon
{
  VirtioDevice             vdev;              /* first: the ops get &b->vdev */
  uint64_t                 max_bytes;
  uint64_t                 min_bytes;
  bool                     can_discard;       /* host pages are 4 KiB */

  pthread_mutex_t          lock;
  uint32_t                 num_pages;         /* the target, as the balloon's size */
  uint32_t                 actual;            /* the driver's report */
  bool                     active;            /* DRIVER_OK until reset */
  unsigned                 stats_queue;       /* VIRTIO_BALLOON_NO_QUEUE when not negotiated */
  unsigned                 report_queue;
  VirtioBalloonStats       stats;
  VirtqChain               stats_chain;       /* the driver's buffer, held until we want news */
  VirtqSeg                 stats_segs[8];
  bool                     holding_stats;
  VirtioBalloonCounters    counters;
  VirtioBalloonActualFunc  actual_func;
  void                    *actual_opaque;
};

static int
virtio_balloon_compare_u32 (const void *a,
                            const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

  return (x > y) - (x < y);
}

/* Gives [host, host + len) back to the host. The range is whole pages of
 * guest RAM, checked by the caller. */
static void
virtio_balloon_discard (VirtioBalloon *b,
                        uint8_t       *host,
                        uint64_t       len)
{
  if (len > 0 && b->can_discard)
    madvise (host, len, MADV_DONTNEED);
}

/* An inflate or deflate request: an array of le32 frame numbers. Sorting
 * each batch lets runs of neighbouring frames go to the kernel as one
 * madvise, which is most of the cost. Returns how many were in RAM. */
static uint64_t
virtio_balloon_do_pfns (VirtioBalloon    *b,
                        const VirtqChain *chain,
                        bool              inflate,
                        uint64_t         *bad)
{
  uint32_t pfns[VIRTIO_BALLOON_PFN_BATCH];
  uint64_t total = chain->readable_len / 4, good = 0;

  for (uint64_t done = 0; done < total;)
    {
      unsigned n = total - done < VIRTIO_BALLOON_PFN_BATCH ? (unsigned) (total - done)
                                                           : VIRTIO_BALLOON_PFN_BATCH;
      uint8_t *run = NULL;
      uint64_t run_len = 0;

      /* Copied once: the guest may rewrite the array while we work. */
      virtq_chain_read (chain, done * 4, pfns, (size_t) n * 4);
      done += n;
      for (unsigned i = 0; i < n; i++)
        pfns[i] = le32toh (pfns[i]);
      if (inflate)
        qsort (pfns, n, sizeof *pfns, virtio_balloon_compare_u32);

      for (unsigned i = 0; i < n; i++)
        {
          uint64_t gpa = (uint64_t) pfns[i] << VIRTIO_BALLOON_PFN_SHIFT;
          uint8_t *host = guest_memory_translate (b->vdev.mem, gpa, VIRTIO_BALLOON_PAGE_SIZE);

          if (host == NULL)
            {
              (*bad)++;
              continue;
            }
          good++;
          if (!inflate)
            continue;
          if (i > 0 && pfns[i] == pfns[i - 1])
            continue;             /* a frame twice in one batch */
          if (run != NULL && run + run_len == host)
            run_len += VIRTIO_BALLOON_PAGE_SIZE;
          else
            {
              if (run != NULL)
                virtio_balloon_discard (b, run, run_len);
              run = host;
              run_len = VIRTIO_BALLOON_PAGE_SIZE;
            }
        }
      if (run != NULL)
        virtio_balloon_discard (b, run, run_len);
    }
  return good;
}

/* Free page reporting: every buffer is a free range of guest RAM (the
 * virtqueue checked that it is RAM). Only whole pages are discarded. */
static uint64_t
virtio_balloon_do_report (VirtioBalloon    *b,
                          const VirtqChain *chain)
{
  uint64_t freed = 0;

  for (unsigned i = 0; i < chain->n_segs; i++)
    {
      uintptr_t start = (uintptr_t) chain->segs[i].host;
      uintptr_t end = start + chain->segs[i].len;

      start = (start + VIRTIO_BALLOON_PAGE_SIZE - 1) & ~(uintptr_t) (VIRTIO_BALLOON_PAGE_SIZE - 1);
      end &= ~(uintptr_t) (VIRTIO_BALLOON_PAGE_SIZE - 1);
      if (end > start)
        {
          virtio_balloon_discard (b, (uint8_t *) start, end - start);
          freed += end - start;
        }
    }
  return freed;
}

/* A statistics buffer: tagged values, 10 bytes each. */
static void
virtio_balloon_parse_stats (const VirtqChain   *chain,
                            VirtioBalloonStats *stats)
{
  uint64_t n = chain->readable_len / VIRTIO_BALLOON_STAT_SIZE;

  memset (stats, 0, sizeof *stats);
  /* Tags may repeat or come in any order; 64 entries is more than any
   * driver sends and bounds the work. */
  for (uint64_t i = 0; i < n && i < 64; i++)
    {
      uint8_t raw[VIRTIO_BALLOON_STAT_SIZE];
      uint16_t tag;
      uint64_t value;

      virtq_chain_read (chain, i * VIRTIO_BALLOON_STAT_SIZE, raw, sizeof raw);
      memcpy (&tag, raw, 2);
      memcpy (&value, raw + 2, 8);
      tag = le16toh (tag);
      if (tag >= VIRTIO_BALLOON_S_NR)
        continue;
      stats->value[tag] = le64toh (value);
      stats->present |= 1u << tag;
    }
  stats->last_update = time (NULL);
}

static void
virtio_balloon_notify_stats (VirtioBalloon *b,
                             Virtqueue     *vq,
                             unsigned       queue)
{
  VirtqSeg segs[8];
  VirtqChain chain = { .capacity = 8, .segs = segs };
  VirtqChain old;
  bool return_old = false;
  int ret;

  while ((ret = virtq_pop (vq, &chain)) > 0)
    {
      VirtioBalloonStats stats;

      virtio_balloon_parse_stats (&chain, &stats);
      pthread_mutex_lock (&b->lock);
      b->stats = stats;
      /* A driver posts one buffer at a time; if it sends another, the old
       * one goes back so that it is not lost. */
      if (b->holding_stats)
        {
          old = b->stats_chain;
          return_old = true;
        }
      b->stats_chain = chain;
      b->stats_chain.segs = b->stats_segs;
      memcpy (b->stats_segs, segs, chain.n_segs * sizeof *segs);
      b->holding_stats = true;
      pthread_mutex_unlock (&b->lock);
      if (return_old)
        {
          virtq_push (vq, &old, 0);
          virtio_device_queue_done (&b->vdev, queue);
          return_old = false;
        }
    }
}

static void
virtio_balloon_queue_notify (VirtioDevice *vdev,
                             unsigned      queue)
{
  VirtioBalloon *b = (VirtioBalloon *) vdev;
  Virtqueue *vq = virtio_device_get_queue (vdev, queue);
  VirtqSeg segs[VIRTIO_BALLOON_CHAIN_SEGS];
  VirtqChain chain = { .capacity = VIRTIO_BALLOON_CHAIN_SEGS, .segs = segs };
  unsigned stats_queue, report_queue;
  bool pushed = false;

  if (vq == NULL)
    return;
  pthread_mutex_lock (&b->lock);
  stats_queue = b->stats_queue;
  report_queue = b->report_queue;
  pthread_mutex_unlock (&b->lock);

  if (queue == stats_queue)
    {
      virtio_balloon_notify_stats (b, vq, queue);
      return;
    }
  if (queue > 1 && queue != report_queue)
    return;                         /* a queue the negotiated features do not have */

  while (virtq_pop (vq, &chain) > 0)
    {
      uint64_t bad = 0, good = 0, reported = 0;

      if (queue == report_queue)
        reported = virtio_balloon_do_report (b, &chain);
      else
        good = virtio_balloon_do_pfns (b, &chain, queue == 0, &bad);

      pthread_mutex_lock (&b->lock);
      if (queue == 0)
        b->counters.inflated_bytes += good * VIRTIO_BALLOON_PAGE_SIZE;
      else if (queue == 1)
        b->counters.deflated_bytes += good * VIRTIO_BALLOON_PAGE_SIZE;
      b->counters.reported_bytes += reported;
      b->counters.bad_pfns += bad;
      pthread_mutex_unlock (&b->lock);

      virtq_push (vq, &chain, 0);
      pushed = true;
    }
  if (pushed)
    virtio_device_queue_done (vdev, queue);
}

static void
virtio_balloon_config_image (VirtioBalloon *b,
                             uint8_t        image[VIRTIO_BALLOON_CONFIG_SIZE])
{
  uint32_t num_pages = htole32 (b->num_pages), actual = htole32 (b->actual);

  memcpy (image + VIRTIO_BALLOON_CFG_NUM_PAGES, &num_pages, 4);
  memcpy (image + VIRTIO_BALLOON_CFG_ACTUAL, &actual, 4);
}

static void
virtio_balloon_config_read (VirtioDevice *vdev,
                            unsigned      offset,
                            void         *buf,
                            unsigned      size)
{
  VirtioBalloon *b = (VirtioBalloon *) vdev;
  uint8_t image[VIRTIO_BALLOON_CONFIG_SIZE];

  pthread_mutex_lock (&b->lock);
  virtio_balloon_config_image (b, image);
  pthread_mutex_unlock (&b->lock);
  memcpy (buf, image + offset, size);
}

static uint64_t
virtio_balloon_pages_to_actual (VirtioBalloon *b,
                                uint32_t       pages)
{
  uint64_t bytes = (uint64_t) pages * VIRTIO_BALLOON_PAGE_SIZE;

  return bytes < b->max_bytes ? b->max_bytes - bytes : 0;
}

static void
virtio_balloon_config_write (VirtioDevice *vdev,
                             unsigned      offset,
                             const void   *buf,
                             unsigned      size)
{
  VirtioBalloon *b = (VirtioBalloon *) vdev;
  uint8_t image[VIRTIO_BALLOON_CONFIG_SIZE];
  VirtioBalloonActualFunc func;
  void *opaque;
  uint32_t actual;
  bool changed;

  pthread_mutex_lock (&b->lock);
  virtio_balloon_config_image (b, image);
  /* Only actual is the driver's to write; bytes of num_pages are dropped. */
  for (unsigned i = 0; i < size; i++)
    if (offset + i >= VIRTIO_BALLOON_CFG_ACTUAL)
      image[offset + i] = ((const uint8_t *) buf)[i];
  memcpy (&actual, image + VIRTIO_BALLOON_CFG_ACTUAL, 4);
  actual = le32toh (actual);
  changed = actual != b->actual;
  b->actual = actual;
  func = b->actual_func;
  opaque = b->actual_opaque;
  pthread_mutex_unlock (&b->lock);

  if (changed && func != NULL)
    func (opaque, virtio_balloon_pages_to_actual (b, actual));
}

static int
virtio_balloon_activate (VirtioDevice *vdev)
{
  VirtioBalloon *b = (VirtioBalloon *) vdev;
  uint64_t features = virtio_device_get_driver_features (vdev);
  unsigned next = 2;

  /* Queues the driver did not negotiate do not exist, and those after
   * them move down (5.5.2): with reporting but no statistics, reporting is
   * queue 2. */
  pthread_mutex_lock (&b->lock);
  b->stats_queue = VIRTIO_BALLOON_NO_QUEUE;
  b->report_queue = VIRTIO_BALLOON_NO_QUEUE;
  if (features & VIRTIO_FEATURE (VIRTIO_BALLOON_F_STATS_VQ))
    b->stats_queue = next++;
  if (features & VIRTIO_FEATURE (VIRTIO_BALLOON_F_REPORTING))
    b->report_queue = next++;
  b->active = true;
  pthread_mutex_unlock (&b->lock);
  return 0;
}

static void
virtio_balloon_reset (VirtioDevice *vdev)
{
  VirtioBalloon *b = (VirtioBalloon *) vdev;
  VirtioBalloonActualFunc func;
  void *opaque;
  bool changed;

  /* The guest's driver is gone and with it the balloon: every page is the
   * guest's again. The target stays: the next driver inflates to it. */
  pthread_mutex_lock (&b->lock);
  changed = b->actual != 0;
  b->actual = 0;
  b->active = false;
  b->holding_stats = false;
  b->stats_queue = VIRTIO_BALLOON_NO_QUEUE;
  b->report_queue = VIRTIO_BALLOON_NO_QUEUE;
  memset (&b->stats, 0, sizeof b->stats);
  func = b->actual_func;
  opaque = b->actual_opaque;
  pthread_mutex_unlock (&b->lock);

  if (changed && func != NULL)
    func (opaque, b->max_bytes);
}

static const VirtioDeviceOps virtio_balloon_ops = {
  .name = "balloon",
  .config_read = virtio_balloon_config_read,
  .config_write = virtio_balloon_config_write,
  .queue_notify = virtio_balloon_queue_notify,
  .activate = virtio_balloon_activate,
  .reset = virtio_balloon_reset,
};

static int
virtio_balloon_check_target (VirtioBalloon *b,
                             uint64_t       bytes,
                             VmmError      *err)
{
  if (bytes > b->max_bytes)
    {
      vmm_error_set (err, "balloon target of %" PRIu64 " MiB is above the guest's maximum "
                     "memory of %" PRIu64 " MiB", bytes >> 20, b->max_bytes >> 20);
      return -ERANGE;
    }
  if (bytes < b->min_bytes)
    {
      vmm_error_set (err, "balloon target of %" PRIu64 " MiB is below the minimum of %" PRIu64
                     " MiB", bytes >> 20, b->min_bytes >> 20);
      return -ERANGE;
    }
  return 0;
}

VirtioBalloon *
virtio_balloon_new (const GuestMemory *mem,
                    uint64_t           initial_bytes,
                    VmmError          *err)
{
  static const uint16_t sizes[VIRTIO_BALLOON_N_QUEUES] = {
    VIRTIO_BALLOON_QUEUE_SIZE, VIRTIO_BALLOON_QUEUE_SIZE,
    VIRTIO_BALLOON_QUEUE_SIZE, VIRTIO_BALLOON_QUEUE_SIZE,
  };
  uint64_t features = VIRTIO_FEATURE (VIRTIO_BALLOON_F_STATS_VQ)
                      | VIRTIO_FEATURE (VIRTIO_BALLOON_F_DEFLATE_ON_OOM)
                      | VIRTIO_FEATURE (VIRTIO_BALLOON_F_REPORTING);
  VirtioBalloon *b = calloc (1, sizeof *b);

  if (b == NULL
      || virtio_device_init (&b->vdev, &virtio_balloon_ops, mem, VIRTIO_ID_BALLOON, features,
                             VIRTIO_BALLOON_CONFIG_SIZE, VIRTIO_BALLOON_N_QUEUES, sizes) < 0)
    {
      free (b);
      vmm_error_set (err, "out of memory while creating the memory balloon");
      return NULL;
    }
  pthread_mutex_init (&b->lock, NULL);
  b->max_bytes = guest_memory_ram_size (mem) & ~(uint64_t) (VIRTIO_BALLOON_PAGE_SIZE - 1);
  b->min_bytes = b->max_bytes < VIRTIO_BALLOON_MIN_TARGET ? b->max_bytes
                                                          : VIRTIO_BALLOON_MIN_TARGET;
  /* With bigger host pages a 4 KiB frame cannot be given back alone; the
   * balloon then only keeps the guest from using the memory. */
  b->can_discard = sysconf (_SC_PAGESIZE) == VIRTIO_BALLOON_PAGE_SIZE;
  b->stats_queue = VIRTIO_BALLOON_NO_QUEUE;
  b->report_queue = VIRTIO_BALLOON_NO_QUEUE;
  if (initial_bytes == 0)
    initial_bytes = b->max_bytes;
  if (virtio_balloon_check_target (b, initial_bytes, err) < 0
      || (b->max_bytes - initial_bytes) / VIRTIO_BALLOON_PAGE_SIZE > UINT32_MAX)
    {
      vmm_error_set (err, "balloon target of %" PRIu64 " MiB is out of range",
                     initial_bytes >> 20);
      virtio_balloon_free (b);
      return NULL;
    }
  b->num_pages = (uint32_t) ((b->max_bytes - initial_bytes) / VIRTIO_BALLOON_PAGE_SIZE);
  return b;
}

void
virtio_balloon_free (VirtioBalloon *b)
{
  if (b == NULL)
    return;
  virtio_device_destroy (&b->vdev);
  pthread_mutex_destroy (&b->lock);
  free (b);
}

VirtioDevice *
virtio_balloon_get_device (VirtioBalloon *b)
{
  return &b->vdev;
}

int
virtio_balloon_set_target (VirtioBalloon *b,
                           uint64_t       bytes,
                           VmmError      *err)
{
  uint64_t pages;
  bool changed, active;
  int ret;

  if ((ret = virtio_balloon_check_target (b, bytes, err)) < 0)
    return ret;
  pages = (b->max_bytes - bytes) / VIRTIO_BALLOON_PAGE_SIZE;
  if (pages > UINT32_MAX)
    {
      vmm_error_set (err, "balloon target of %" PRIu64 " MiB would need a balloon larger than "
                     "16 TiB", bytes >> 20);
      return -ERANGE;
    }
  pthread_mutex_lock (&b->lock);
  changed = b->num_pages != pages;
  b->num_pages = (uint32_t) pages;
  active = b->active;
  pthread_mutex_unlock (&b->lock);

  /* Before DRIVER_OK the driver reads the configuration anyway. */
  if (changed && active)
    virtio_device_config_changed (&b->vdev);
  return 0;
}

uint64_t
virtio_balloon_get_target (VirtioBalloon *b)
{
  uint32_t pages;

  pthread_mutex_lock (&b->lock);
  pages = b->num_pages;
  pthread_mutex_unlock (&b->lock);
  return virtio_balloon_pages_to_actual (b, pages);
}

uint64_t
virtio_balloon_get_actual (VirtioBalloon *b)
{
  uint32_t pages;

  pthread_mutex_lock (&b->lock);
  pages = b->actual;
  pthread_mutex_unlock (&b->lock);
  return virtio_balloon_pages_to_actual (b, pages);
}

uint64_t
virtio_balloon_get_max (VirtioBalloon *b)
{
  return b->max_bytes;
}

uint64_t
virtio_balloon_get_min (VirtioBalloon *b)
{
  return b->min_bytes;
}

void
virtio_balloon_set_actual_notify (VirtioBalloon           *b,
                                  VirtioBalloonActualFunc  func,
                                  void                    *opaque)
{
  pthread_mutex_lock (&b->lock);
  b->actual_func = func;
  b->actual_opaque = opaque;
  pthread_mutex_unlock (&b->lock);
}

void
virtio_balloon_request_stats (VirtioBalloon *b)
{
  VirtqChain chain;
  unsigned queue;
  bool have;

  pthread_mutex_lock (&b->lock);
  have = b->holding_stats && b->active;
  b->holding_stats = false;
  chain = b->stats_chain;
  queue = b->stats_queue;
  pthread_mutex_unlock (&b->lock);

  /* The push only needs the head and the epoch: a buffer from before a
   * reset is refused by the queue. */
  if (have && queue != VIRTIO_BALLOON_NO_QUEUE)
    {
      Virtqueue *vq = virtio_device_get_queue (&b->vdev, queue);

      if (virtq_push (vq, &chain, 0) == 0)
        virtio_device_queue_done (&b->vdev, queue);
    }
}

bool
virtio_balloon_get_stats (VirtioBalloon      *b,
                          VirtioBalloonStats *stats)
{
  bool have;

  pthread_mutex_lock (&b->lock);
  *stats = b->stats;
  have = b->stats.last_update != 0;
  pthread_mutex_unlock (&b->lock);
  virtio_balloon_request_stats (b);
  return have;
}

const char *
virtio_balloon_stat_name (unsigned tag)
{
  static const char *const names[] = {
    [VIRTIO_BALLOON_S_SWAP_IN] = "stat-swap-in",
    [VIRTIO_BALLOON_S_SWAP_OUT] = "stat-swap-out",
    [VIRTIO_BALLOON_S_MAJFLT] = "stat-major-faults",
    [VIRTIO_BALLOON_S_MINFLT] = "stat-minor-faults",
    [VIRTIO_BALLOON_S_MEMFREE] = "stat-free-memory",
    [VIRTIO_BALLOON_S_MEMTOT] = "stat-total-memory",
    [VIRTIO_BALLOON_S_AVAIL] = "stat-available-memory",
    [VIRTIO_BALLOON_S_CACHES] = "stat-disk-caches",
    [VIRTIO_BALLOON_S_HTLB_PGALLOC] = "stat-htlb-pgalloc",
    [VIRTIO_BALLOON_S_HTLB_PGFAIL] = "stat-htlb-pgfail",
  };

  return tag < sizeof names / sizeof names[0] ? names[tag] : NULL;
}

void
virtio_balloon_get_counters (VirtioBalloon         *b,
                             VirtioBalloonCounters *counters)
{
  pthread_mutex_lock (&b->lock);
  *counters = b->counters;
  pthread_mutex_unlock (&b->lock);
}
