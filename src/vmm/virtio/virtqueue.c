/* virtqueue.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio.h"
#include "virtqueue.h"

/* Ring layout (2.7.6, 2.7.8): avail = flags, idx, ring[size], used_event;
 * used = flags, idx, ring[size] of {id, len}, avail_event. */
#define AVAIL_FLAGS   0
#define AVAIL_IDX     2
#define AVAIL_RING    4
#define USED_FLAGS    0
#define USED_IDX      2
#define USED_RING     4

typedef struct
{
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
} VirtqDesc;

/* The ring indices are 16-bit fields the driver updates while we read them;
 * each is read and written as one naturally aligned access (virtq_enable
 * checked the alignment), never byte by byte. */
static uint16_t
virtq_load16 (const uint8_t *p,
              int            order)
{
  return le16toh (__atomic_load_n ((const uint16_t *) (const void *) p, order));
}

static void
virtq_store16 (uint8_t  *p,
               uint16_t  value,
               int       order)
{
  __atomic_store_n ((uint16_t *) (void *) p, htole16 (value), order);
}

void
virtq_init (Virtqueue         *vq,
            const GuestMemory *mem,
            unsigned           index,
            uint16_t           max_size)
{
  memset (vq, 0, sizeof *vq);
  pthread_mutex_init (&vq->lock, NULL);
  vq->mem = mem;
  vq->index = index;
  vq->max_size = max_size;
}

void
virtq_destroy (Virtqueue *vq)
{
  pthread_mutex_destroy (&vq->lock);
}

void
virtq_set_error_handler (Virtqueue      *vq,
                         VirtqErrorFunc  func,
                         void           *opaque)
{
  pthread_mutex_lock (&vq->lock);
  vq->on_error = func;
  vq->error_opaque = opaque;
  pthread_mutex_unlock (&vq->lock);
}

/* Marks the queue broken with a reason. Lock held. Returns whether this
 * broke it (the caller then reports it once the lock is gone). */
static bool
virtq_fail_locked (Virtqueue  *vq,
                   const char *format,
                   ...) __attribute__ ((format (printf, 2, 3)));

static bool
virtq_fail_locked (Virtqueue  *vq,
                   const char *format,
                   ...)
{
  va_list args;

  if (vq->broken)
    return false;
  vq->broken = true;
  va_start (args, format);
  vsnprintf (vq->error, sizeof vq->error, format, args);
  va_end (args);
  return true;
}

/* Unlocks and, if the queue just broke, tells whoever listens. */
static void
virtq_unlock_report (Virtqueue *vq,
                     bool       newly_broken)
{
  VirtqErrorFunc func = vq->on_error;
  void *opaque = vq->error_opaque;
  char reason[sizeof vq->error];

  if (newly_broken)
    memcpy (reason, vq->error, sizeof reason);
  pthread_mutex_unlock (&vq->lock);
  if (newly_broken && func != NULL)
    func (opaque, vq, reason);
}

/* The host view of [gpa, gpa + len), which must lie in RAM and be aligned
 * to align, in the guest and (so that the atomics above are sound) here. */
static uint8_t *
virtq_map_area (Virtqueue *vq,
                uint64_t   gpa,
                uint64_t   len,
                uint64_t   align)
{
  uint8_t *host;

  if (gpa & (align - 1))
    return NULL;
  host = guest_memory_translate (vq->mem, gpa, len);
  if (host == NULL || ((uintptr_t) host & (align - 1)) != 0)
    return NULL;
  return host;
}

int
virtq_enable (Virtqueue *vq,
              uint16_t   size,
              uint64_t   desc_gpa,
              uint64_t   driver_gpa,
              uint64_t   device_gpa,
              uint64_t   features)
{
  bool broke = false;
  int ret = 0;

  pthread_mutex_lock (&vq->lock);
  vq->ready = false;
  vq->desc = vq->avail = vq->used = NULL;
  if (size == 0 || size > vq->max_size || (size & (size - 1)) != 0)
    broke = virtq_fail_locked (vq, "queue %u: size %u is not a power of two up to %u",
                               vq->index, size, vq->max_size);
  else if ((vq->desc = virtq_map_area (vq, desc_gpa, (uint64_t) size * VIRTQ_DESC_SIZE,
                                       16)) == NULL)
    broke = virtq_fail_locked (vq, "queue %u: descriptor table at 0x%" PRIx64
                               " is misaligned or not in RAM", vq->index, desc_gpa);
  else if ((vq->avail = virtq_map_area (vq, driver_gpa, AVAIL_RING + 2 * (uint64_t) size + 2,
                                        2)) == NULL)
    broke = virtq_fail_locked (vq, "queue %u: available ring at 0x%" PRIx64
                               " is misaligned or not in RAM", vq->index, driver_gpa);
  else if ((vq->used = virtq_map_area (vq, device_gpa,
                                       USED_RING + VIRTQ_USED_ELEM_SIZE * (uint64_t) size + 2,
                                       4)) == NULL)
    broke = virtq_fail_locked (vq, "queue %u: used ring at 0x%" PRIx64
                               " is misaligned or not in RAM", vq->index, device_gpa);

  if (vq->broken)
    {
      vq->desc = vq->avail = vq->used = NULL;
      ret = -EINVAL;
    }
  else
    {
      vq->size = size;
      vq->indirect = (features & VIRTIO_FEATURE (VIRTIO_F_RING_INDIRECT_DESC)) != 0;
      vq->event_idx = (features & VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)) != 0;
      /* The driver zeroes the rings before enabling; start where it does. */
      vq->last_avail = 0;
      vq->used_idx = 0;
      vq->signalled_used = 0;
      vq->signalled_valid = false;
      vq->ready = true;
    }
  virtq_unlock_report (vq, broke);
  return ret;
}

void
virtq_reset (Virtqueue *vq)
{
  pthread_mutex_lock (&vq->lock);
  vq->ready = false;
  vq->broken = false;
  vq->indirect = false;
  vq->event_idx = false;
  vq->size = 0;
  vq->desc = vq->avail = vq->used = NULL;
  vq->last_avail = 0;
  vq->used_idx = 0;
  vq->signalled_used = 0;
  vq->signalled_valid = false;
  vq->error[0] = '\0';
  vq->epoch++;
  pthread_mutex_unlock (&vq->lock);
}

bool
virtq_is_ready (Virtqueue *vq)
{
  bool ready;

  pthread_mutex_lock (&vq->lock);
  ready = vq->ready && !vq->broken;
  pthread_mutex_unlock (&vq->lock);
  return ready;
}

bool
virtq_is_broken (Virtqueue *vq)
{
  bool broken;

  pthread_mutex_lock (&vq->lock);
  broken = vq->broken;
  pthread_mutex_unlock (&vq->lock);
  return broken;
}

void
virtq_get_error (Virtqueue *vq,
                 char      *buf,
                 size_t     size)
{
  if (size == 0)
    return;
  pthread_mutex_lock (&vq->lock);
  snprintf (buf, size, "%s", vq->error);
  pthread_mutex_unlock (&vq->lock);
}

static VirtqDesc
virtq_read_desc (const uint8_t *table,
                 unsigned       index)
{
  uint8_t raw[VIRTQ_DESC_SIZE];
  VirtqDesc d;

  /* One copy: whatever the driver changes afterwards, we check and use
   * these bytes only. */
  memcpy (raw, table + (size_t) index * VIRTQ_DESC_SIZE, sizeof raw);
  memcpy (&d.addr, raw, 8);
  memcpy (&d.len, raw + 8, 4);
  memcpy (&d.flags, raw + 12, 2);
  memcpy (&d.next, raw + 14, 2);
  d.addr = le64toh (d.addr);
  d.len = le32toh (d.len);
  d.flags = le16toh (d.flags);
  d.next = le16toh (d.next);
  return d;
}

/* Follows the chain from head into chain. Lock held. Returns true, or false
 * with the queue marked broken (*newly_broken says whether by this call). */
static bool
virtq_walk_locked (Virtqueue  *vq,
                   uint16_t    head,
                   VirtqChain *chain,
                   bool       *newly_broken)
{
  const uint8_t *table = vq->desc;
  unsigned table_size = vq->size;
  unsigned budget = vq->size;       /* descriptors left before the chain must have ended */
  bool in_indirect = false;
  unsigned index = head;

  chain->n_segs = 0;
  chain->n_readable = 0;
  chain->readable_len = 0;
  chain->writable_len = 0;

#define FAIL(...) \
  do { *newly_broken = virtq_fail_locked (vq, __VA_ARGS__); return false; } while (0)

  for (;;)
    {
      VirtqDesc d;

      /* A chain that does not end within the table's size visits some
       * descriptor twice: a loop, or at best longer than allowed. */
      if (budget == 0)
        FAIL ("queue %u: descriptor chain from %u is longer than its table (a loop?)",
              vq->index, head);
      budget--;
      d = virtq_read_desc (table, index);

      if (d.flags & VIRTQ_DESC_F_INDIRECT)
        {
          uint64_t n;

          if (!vq->indirect)
            FAIL ("queue %u: indirect descriptor, but VIRTIO_F_RING_INDIRECT_DESC was not "
                  "negotiated", vq->index);
          if (in_indirect)
            FAIL ("queue %u: indirect descriptor inside an indirect table", vq->index);
          if (d.flags & VIRTQ_DESC_F_NEXT)
            FAIL ("queue %u: indirect descriptor with NEXT set", vq->index);
          if (d.len == 0 || d.len % VIRTQ_DESC_SIZE != 0)
            FAIL ("queue %u: indirect table length %" PRIu32 " is not a multiple of %u",
                  vq->index, d.len, VIRTQ_DESC_SIZE);
          n = d.len / VIRTQ_DESC_SIZE;
          if (n > VIRTQ_MAX_SIZE)
            FAIL ("queue %u: indirect table of %" PRIu64 " descriptors", vq->index, n);
          table = guest_memory_translate (vq->mem, d.addr, d.len);
          if (table == NULL)
            FAIL ("queue %u: indirect table at 0x%" PRIx64 "+%" PRIu32 " is not in RAM",
                  vq->index, d.addr, d.len);
          table_size = (unsigned) n;
          budget = (unsigned) n;
          in_indirect = true;
          index = 0;
          continue;
        }

      if (d.len > 0)
        {
          bool writable = (d.flags & VIRTQ_DESC_F_WRITE) != 0;
          void *host;

          if (!writable && chain->n_segs > chain->n_readable)
            FAIL ("queue %u: device-readable buffer after a device-writable one", vq->index);
          if (chain->n_segs == chain->capacity)
            FAIL ("queue %u: descriptor chain has more than %u buffers",
                  vq->index, chain->capacity);
          host = guest_memory_translate (vq->mem, d.addr, d.len);
          if (host == NULL)
            FAIL ("queue %u: buffer at 0x%" PRIx64 "+%" PRIu32 " is not in RAM",
                  vq->index, d.addr, d.len);
          chain->segs[chain->n_segs++] = (VirtqSeg) { d.addr, d.len, writable, host };
          if (writable)
            chain->writable_len += d.len;
          else
            {
              chain->n_readable++;
              chain->readable_len += d.len;
            }
        }

      if (!(d.flags & VIRTQ_DESC_F_NEXT))
        return true;
      if (d.next >= table_size)
        FAIL ("queue %u: descriptor %u points past the end of its table (%u)",
              vq->index, d.next, table_size);
      index = d.next;
    }

#undef FAIL
}

int
virtq_pop (Virtqueue  *vq,
           VirtqChain *chain)
{
  bool broke = false;
  uint16_t avail_idx, pending, head;

  pthread_mutex_lock (&vq->lock);
  if (vq->broken)
    {
      pthread_mutex_unlock (&vq->lock);
      return -EIO;
    }
  if (!vq->ready)
    {
      pthread_mutex_unlock (&vq->lock);
      return 0;
    }

  /* Acquire: the ring entries and descriptors the driver wrote before it
   * moved idx are visible once we see idx move. */
  avail_idx = virtq_load16 (vq->avail + AVAIL_IDX, __ATOMIC_ACQUIRE);
  pending = (uint16_t) (avail_idx - vq->last_avail);
  if (pending == 0 && vq->event_idx)
    {
      /* Ask to be told about the next entry, then look again: a buffer
       * added between the first look and the request would otherwise sit
       * there with no notification coming. */
      virtq_store16 (vq->used + USED_RING + VIRTQ_USED_ELEM_SIZE * vq->size, vq->last_avail,
                     __ATOMIC_RELAXED);
      __atomic_thread_fence (__ATOMIC_SEQ_CST);
      avail_idx = virtq_load16 (vq->avail + AVAIL_IDX, __ATOMIC_ACQUIRE);
      pending = (uint16_t) (avail_idx - vq->last_avail);
    }
  if (pending == 0)
    {
      pthread_mutex_unlock (&vq->lock);
      return 0;
    }
  if (pending > vq->size)
    {
      broke = virtq_fail_locked (vq, "queue %u: available index jumped by %u, more than the "
                                 "queue size %u", vq->index, pending, vq->size);
      virtq_unlock_report (vq, broke);
      return -EIO;
    }

  head = virtq_load16 (vq->avail + AVAIL_RING + 2 * (vq->last_avail % vq->size),
                       __ATOMIC_RELAXED);
  if (head >= vq->size)
    {
      broke = virtq_fail_locked (vq, "queue %u: available head %u is out of range (%u)",
                                 vq->index, head, vq->size);
      virtq_unlock_report (vq, broke);
      return -EIO;
    }
  if (!virtq_walk_locked (vq, head, chain, &broke))
    {
      virtq_unlock_report (vq, broke);
      return -EIO;
    }
  vq->last_avail++;
  chain->head = head;
  chain->epoch = vq->epoch;
  pthread_mutex_unlock (&vq->lock);
  return 1;
}

int
virtq_push (Virtqueue        *vq,
            const VirtqChain *chain,
            uint32_t          len)
{
  uint8_t *elem;
  uint32_t id_le, len_le;

  pthread_mutex_lock (&vq->lock);
  if (!vq->ready || vq->broken || chain->epoch != vq->epoch || chain->head >= vq->size)
    {
      pthread_mutex_unlock (&vq->lock);
      return -ESTALE;
    }
  if (len > chain->writable_len)
    len = (uint32_t) chain->writable_len;
  elem = vq->used + USED_RING + VIRTQ_USED_ELEM_SIZE * (vq->used_idx % vq->size);
  id_le = htole32 (chain->head);
  len_le = htole32 (len);
  memcpy (elem, &id_le, 4);
  memcpy (elem + 4, &len_le, 4);
  vq->used_idx++;
  /* Release: the element (and the data the back end wrote) before idx. */
  virtq_store16 (vq->used + USED_IDX, vq->used_idx, __ATOMIC_RELEASE);
  pthread_mutex_unlock (&vq->lock);
  return 0;
}

bool
virtq_should_notify (Virtqueue *vq)
{
  bool notify;

  pthread_mutex_lock (&vq->lock);
  if (!vq->ready || vq->broken)
    {
      pthread_mutex_unlock (&vq->lock);
      return false;
    }
  /* Our used idx store must be visible before we read what the driver
   * asked for, or both sides can decide the other one will act. */
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
  if (vq->event_idx)
    {
      uint16_t used_event = virtq_load16 (vq->avail + AVAIL_RING + 2 * vq->size,
                                          __ATOMIC_RELAXED);
      uint16_t old = vq->signalled_used, now = vq->used_idx;
      bool valid = vq->signalled_valid;

      vq->signalled_used = now;
      vq->signalled_valid = true;
      /* Interrupt when used idx moved past used_event since the last
       * decision (2.7.10, vring_need_event). */
      notify = !valid || (uint16_t) (now - used_event - 1) < (uint16_t) (now - old);
    }
  else
    notify = !(virtq_load16 (vq->avail + AVAIL_FLAGS, __ATOMIC_RELAXED)
               & VIRTQ_AVAIL_F_NO_INTERRUPT);
  pthread_mutex_unlock (&vq->lock);
  return notify;
}

int
virtq_chain_init (VirtqChain *chain,
                  unsigned    capacity)
{
  memset (chain, 0, sizeof *chain);
  if (capacity == 0)
    return -EINVAL;
  chain->segs = calloc (capacity, sizeof *chain->segs);
  if (chain->segs == NULL)
    return -ENOMEM;
  chain->capacity = capacity;
  return 0;
}

void
virtq_chain_destroy (VirtqChain *chain)
{
  free (chain->segs);
  memset (chain, 0, sizeof *chain);
}

static size_t
virtq_chain_copy (const VirtqChain *chain,
                  bool              writable,
                  uint64_t          offset,
                  void             *out,
                  const void       *in,
                  size_t            len)
{
  unsigned first = writable ? chain->n_readable : 0;
  unsigned last = writable ? chain->n_segs : chain->n_readable;
  size_t done = 0;

  for (unsigned i = first; i < last && done < len; i++)
    {
      const VirtqSeg *seg = &chain->segs[i];
      size_t n;

      if (offset >= seg->len)
        {
          offset -= seg->len;
          continue;
        }
      n = seg->len - offset;
      if (n > len - done)
        n = len - done;
      if (writable)
        memcpy ((uint8_t *) seg->host + offset, (const uint8_t *) in + done, n);
      else
        memcpy ((uint8_t *) out + done, (const uint8_t *) seg->host + offset, n);
      done += n;
      offset = 0;
    }
  return done;
}

size_t
virtq_chain_read (const VirtqChain *chain,
                  uint64_t          offset,
                  void             *buf,
                  size_t            len)
{
  return virtq_chain_copy (chain, false, offset, buf, NULL, len);
}

size_t
virtq_chain_write (const VirtqChain *chain,
                   uint64_t          offset,
                   const void       *buf,
                   size_t            len)
{
  return virtq_chain_copy (chain, true, offset, NULL, buf, len);
}

unsigned
virtq_chain_iovec (const VirtqChain *chain,
                   bool              writable,
                   struct iovec     *iov,
                   unsigned          max)
{
  unsigned first = writable ? chain->n_readable : 0;
  unsigned last = writable ? chain->n_segs : chain->n_readable;
  unsigned n = 0;

  for (unsigned i = first; i < last && n < max; i++)
    iov[n++] = (struct iovec) { chain->segs[i].host, chain->segs[i].len };
  return n;
}
