/* virtio-balloon.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "memory/guest-memory.h"
#include "virtio/virtio-device.h"
#include "vmm-error.h"

/* Traditional memory balloon (virtio 1.2, section 5.5): how the guest gives
 * memory back and takes it again while it runs.
 *
 * The guest is created with its maximum memory; the host sets a target (the
 * memory the guest should have) and the guest's driver inflates the balloon
 * by allocating pages and sending their frame numbers (4 KiB frames, 32
 * bits) on the inflate queue, or deflates it. Every inflated frame is
 * checked against guest RAM and its host memory handed back with
 * madvise(MADV_DONTNEED): RAM is private anonymous memory, so the host frees
 * it at once and the guest finds zeros if it ever touches it again.
 * Deflating needs nothing: the pages fault back in on use.
 *
 * Also: the statistics queue (VIRTIO_BALLOON_F_STATS_VQ), deflate on OOM
 * (the guest may shrink the balloon when it runs out of memory) and free
 * page reporting (VIRTIO_BALLOON_F_REPORTING: the guest reports free ranges,
 * which are discarded the same way, without changing the balloon's size).
 *
 * All sizes in the host API are bytes of memory the guest can use, as QEMU's
 * balloon commands count them: target = max - num_pages * 4 KiB,
 * actual = max - actual_pages * 4 KiB.
 *
 * Threads: queue notifications run on the notifying thread (madvise is
 * quick: see the figures in the tests); the host API may be called from any
 * thread. The device's state is guarded by its own lock; the actual-changed
 * callback runs without it. */

#define VIRTIO_BALLOON_QUEUE_SIZE   128
#define VIRTIO_BALLOON_PFN_SHIFT    12
#define VIRTIO_BALLOON_PAGE_SIZE    (1u << VIRTIO_BALLOON_PFN_SHIFT)
/* The smallest target accepted (or the maximum, when that is smaller). */
#define VIRTIO_BALLOON_MIN_TARGET   (64ull << 20)

/* Feature bits (5.5.3). */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST  0
#define VIRTIO_BALLOON_F_STATS_VQ        1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM  2
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT  3
#define VIRTIO_BALLOON_F_PAGE_POISON     4
#define VIRTIO_BALLOON_F_REPORTING       5

/* struct virtio_balloon_config. */
#define VIRTIO_BALLOON_CFG_NUM_PAGES     0
#define VIRTIO_BALLOON_CFG_ACTUAL        4
#define VIRTIO_BALLOON_CONFIG_SIZE       8

/* Statistics tags (5.5.6.3). */
#define VIRTIO_BALLOON_S_SWAP_IN         0
#define VIRTIO_BALLOON_S_SWAP_OUT        1
#define VIRTIO_BALLOON_S_MAJFLT          2
#define VIRTIO_BALLOON_S_MINFLT          3
#define VIRTIO_BALLOON_S_MEMFREE         4
#define VIRTIO_BALLOON_S_MEMTOT          5
#define VIRTIO_BALLOON_S_AVAIL           6
#define VIRTIO_BALLOON_S_CACHES          7
#define VIRTIO_BALLOON_S_HTLB_PGALLOC    8
#define VIRTIO_BALLOON_S_HTLB_PGFAIL     9
#define VIRTIO_BALLOON_S_NR              16     /* tags kept; later ones are ignored */
#define VIRTIO_BALLOON_STAT_SIZE         10     /* le16 tag, le64 value, packed */

typedef struct
{
  uint64_t value[VIRTIO_BALLOON_S_NR];
  uint32_t present;          /* bit t set: the guest reported tag t */
  int64_t  last_update;      /* CLOCK_REALTIME seconds of the last report; 0: none yet */
} VirtioBalloonStats;

typedef struct VirtioBalloon VirtioBalloon;

typedef void (*VirtioBalloonActualFunc) (void     *opaque,
                                         uint64_t  actual_bytes);

/* The maximum is the size of mem. initial_bytes: the first target (--memory
 * when --max-memory is larger), checked as virtio_balloon_set_target does;
 * 0 means the maximum (an empty balloon). NULL with err set on failure. */
VirtioBalloon *virtio_balloon_new               (const GuestMemory       *mem,
                                                 uint64_t                 initial_bytes,
                                                 VmmError                *err);
/* After its transport is freed. */
void           virtio_balloon_free              (VirtioBalloon           *b);
VirtioDevice  *virtio_balloon_get_device        (VirtioBalloon           *b);

/* The memory the guest should have, in bytes: from the floor
 * (VIRTIO_BALLOON_MIN_TARGET, or the maximum if smaller) to the maximum.
 * Rounded down to 4 KiB. Tells the driver when it runs. -ERANGE with err set
 * (a sentence naming the limit) when out of range. */
int            virtio_balloon_set_target        (VirtioBalloon           *b,
                                                 uint64_t                 bytes,
                                                 VmmError                *err);
uint64_t       virtio_balloon_get_target        (VirtioBalloon           *b);
/* The memory the guest has now, as its driver last reported. */
uint64_t       virtio_balloon_get_actual        (VirtioBalloon           *b);
uint64_t       virtio_balloon_get_max           (VirtioBalloon           *b);
uint64_t       virtio_balloon_get_min           (VirtioBalloon           *b);

/* Called (from a vCPU thread, no lock held) whenever the driver changes
 * actual, and on a device reset that empties the balloon: for the
 * BALLOON_CHANGE event. */
void           virtio_balloon_set_actual_notify (VirtioBalloon           *b,
                                                 VirtioBalloonActualFunc  func,
                                                 void                    *opaque);

/* The statistics the guest last reported; false when it has reported none
 * (no driver, or a driver without the statistics queue). Either way, asks
 * the guest for fresh ones (5.5.6.3: by giving its buffer back), which
 * arrive a moment later. */
bool           virtio_balloon_get_stats         (VirtioBalloon           *b,
                                                 VirtioBalloonStats      *stats);
/* Only the request, for a periodic timer. */
void           virtio_balloon_request_stats     (VirtioBalloon           *b);
/* QMP's name for a tag ("stat-free-memory" …), NULL for an unknown one. */
const char    *virtio_balloon_stat_name         (unsigned                 tag);

/* What the device has done since it was created, for the control protocol
 * and for tests: bytes handed back to the host by inflation and by free
 * page reporting, and frame numbers refused (outside RAM). */
typedef struct
{
  uint64_t inflated_bytes;
  uint64_t deflated_bytes;
  uint64_t reported_bytes;
  uint64_t bad_pfns;
} VirtioBalloonCounters;

void           virtio_balloon_get_counters      (VirtioBalloon           *b,
                                                 VirtioBalloonCounters   *counters);
