/* virtqueue.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "memory/guest-memory.h"

/* The device side of a split virtqueue (virtio 1.2, section 2.7): the
 * descriptor table, the available ring the driver fills and the used ring the
 * device fills, with indirect descriptors and event-index notification
 * suppression.
 *
 * Everything in those rings is written by the guest and is hostile. The
 * rings' own addresses are checked against guest RAM once, when the queue is
 * enabled; every descriptor is copied out once and checked before it is
 * used; chains are bounded (no descriptor visited twice, no longer than the
 * queue or than the indirect table, no table inside a table) and every buffer
 * must lie in RAM. A queue that finds the driver broke the rules stops for
 * good ("broken"): every later pop fails, and the error handler tells the
 * transport, which sets DEVICE_NEEDS_RESET. Only a reset revives it.
 *
 * Locking: each queue has its own lock, taken inside every call, so a
 * transport thread may reset a queue while a back end pops from it. A chain
 * popped before a reset is stale: pushing it does nothing. The error handler
 * runs without the lock. */

typedef struct Virtqueue Virtqueue;

typedef void (*VirtqErrorFunc) (void       *opaque,
                                Virtqueue  *vq,
                                const char *reason);

/* One guest buffer of a chain. host points at gpa in the VMM's mapping of
 * guest RAM, and all len bytes from there are RAM. */
typedef struct
{
  uint64_t  gpa;
  uint32_t  len;
  bool      writable;         /* device-writable (VIRTQ_DESC_F_WRITE) */
  void     *host;
} VirtqSeg;

/* A popped descriptor chain. The device-readable segments come first, then
 * the device-writable ones, as the specification requires of drivers;
 * zero-length descriptors are dropped. */
typedef struct
{
  uint16_t  head;             /* the id to push back */
  unsigned  n_segs;
  unsigned  n_readable;       /* segs[0, n_readable) readable, the rest writable */
  uint64_t  readable_len;
  uint64_t  writable_len;
  unsigned  capacity;
  VirtqSeg *segs;
  uint64_t  epoch;            /* the queue incarnation it came from */
} VirtqChain;

struct Virtqueue
{
  pthread_mutex_t     lock;
  const GuestMemory  *mem;
  unsigned            index;
  uint16_t            max_size;
  VirtqErrorFunc      on_error;
  void               *error_opaque;

  /* Set by virtq_enable. */
  bool                ready;
  bool                broken;
  bool                indirect;          /* VIRTIO_F_RING_INDIRECT_DESC negotiated */
  bool                event_idx;         /* VIRTIO_F_RING_EVENT_IDX negotiated */
  uint16_t            size;
  uint8_t            *desc;              /* host views of the three areas */
  uint8_t            *avail;
  uint8_t            *used;

  uint16_t            last_avail;        /* next available entry to pop */
  uint16_t            used_idx;          /* our copy of used->idx */
  uint16_t            signalled_used;    /* used_idx at the last interrupt decision */
  bool                signalled_valid;
  uint64_t            epoch;
  char                error[160];
};

/* max_size: the largest queue the device offers, a power of two up to
 * VIRTQ_MAX_SIZE. mem must outlive the queue. */
void   virtq_init              (Virtqueue         *vq,
                                const GuestMemory *mem,
                                unsigned           index,
                                uint16_t           max_size);
void   virtq_destroy           (Virtqueue         *vq);
void   virtq_set_error_handler (Virtqueue         *vq,
                                VirtqErrorFunc     func,
                                void              *opaque);

/* The transport, when the driver enables the queue. features are the
 * negotiated ones (ring features are taken from them). On a bad size,
 * misaligned areas or areas outside RAM the queue is broken and -EINVAL
 * returned (the error handler has run). */
int    virtq_enable            (Virtqueue         *vq,
                                uint16_t           size,
                                uint64_t           desc_gpa,
                                uint64_t           driver_gpa,
                                uint64_t           device_gpa,
                                uint64_t           features);
/* Back to the state after virtq_init: not ready, not broken; chains popped
 * before are stale. */
void   virtq_reset             (Virtqueue         *vq);
bool   virtq_is_ready          (Virtqueue         *vq);
bool   virtq_is_broken         (Virtqueue         *vq);
/* The reason the queue broke, copied into buf; "" if it did not. */
void   virtq_get_error         (Virtqueue         *vq,
                                char              *buf,
                                size_t             size);

/* The back end. pop returns 1 with the next chain, 0 when the ring is empty
 * (or the queue not ready), -EIO when the driver broke the ring (the queue is
 * now broken and the error handler has run). With event index it asks the
 * driver for a notification whenever it finds the ring empty. */
int    virtq_pop               (Virtqueue         *vq,
                                VirtqChain        *chain);
/* Hands the chain back with len bytes written into it (clamped to what the
 * chain can hold). Returns -ESTALE for a chain from before a reset. */
int    virtq_push              (Virtqueue         *vq,
                                const VirtqChain  *chain,
                                uint32_t           len);
/* After pushing: whether the driver wants an interrupt now (its
 * VIRTQ_AVAIL_F_NO_INTERRUPT flag, or used_event with event index). Each
 * call that answers counts as the decision for what was pushed so far. */
bool   virtq_should_notify     (Virtqueue         *vq);

/* A chain holding up to capacity segments; a chain the driver makes longer
 * than that is malformed. Back ends use the queue's max_size. A chain may
 * also be set up by hand over caller storage ({ .capacity = n, .segs = a }),
 * e.g. on the stack, so that concurrent pops need no shared buffer. */
int      virtq_chain_init      (VirtqChain        *chain,
                                unsigned           capacity);
void     virtq_chain_destroy   (VirtqChain        *chain);
/* Copies out of the readable part / into the writable part, starting offset
 * bytes into it. Return the bytes copied. */
size_t   virtq_chain_read      (const VirtqChain  *chain,
                                uint64_t           offset,
                                void              *buf,
                                size_t             len);
size_t   virtq_chain_write     (const VirtqChain  *chain,
                                uint64_t           offset,
                                const void        *buf,
                                size_t             len);
/* Fills iov with the readable or the writable segments; returns how many
 * (at most max). */
unsigned virtq_chain_iovec     (const VirtqChain  *chain,
                                bool               writable,
                                struct iovec      *iov,
                                unsigned           max);
