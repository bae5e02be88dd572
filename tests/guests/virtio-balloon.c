/* virtio-balloon.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Drives a traditional memory balloon (virtio 1.2, section 5.5) through the modern PCI
 * transport, following the target the host sets, until the host takes it back to zero.
 *
 * Protocol, for the host-side test (lines on COM1):
 *
 *   "virtio-balloon: ready"            the driver is up (DRIVER_OK); actual is 0. From here
 *                                      the guest polls num_pages every millisecond or so.
 *   "virtio-balloon: target N pages"   num_pages changed to N (4 KiB pages)...
 *   "virtio-balloon: inflated to N pages" / "virtio-balloon: deflated to N pages"
 *                                      ...and the balloon now holds N pages: every page was
 *                                      handed over on the inflate (or deflate) queue, in
 *                                      batches of at most BATCH_PAGES, and actual was updated
 *                                      after each batch (so actual == N once this prints).
 *   "virtio-balloon: ok"               num_pages went back to 0 after having been non-zero
 *                                      and everything was deflated; the guest then passes.
 *
 * The host may change num_pages any number of times; each change is followed as above.
 * cycles=N (default 1): the guest passes the N-th time num_pages comes back to 0.
 * touch=1: the guest writes each page before handing it over and after taking it back (a
 * chunk of up to CHUNK_PAGES pages at a time, around that chunk's requests), so that every
 * page moved is resident on the host on one side of the move and freed on the other, and the
 * host's memory use shows the balloon at work. One word per page is written: that is enough
 * to make the host page resident. A target the guest cannot meet (more pages than the RAM
 * past the image, less MARGIN) fails with a line saying so, as does num_pages staying the
 * same for timeout=S seconds (command line; default 60).
 *
 * Without touch=1 the pages are never touched by the guest. They come from guest_alloc(), in
 * one contiguous run, so the balloon is always the pages [base, base + actual).
 *
 * The per-page loops (page numbers, touches) run in ring 3 (guest_run_user()): on a /dev/kvm
 * that emulates ring 0 they would otherwise be most of the time an inflation takes, which is
 * the machine's cost and not the device's. Requests, notifications and actual stay in ring 0.
 */

#include "virtio.h"

#define VIRTIO_BALLOON_CFG_NUM_PAGES 0
#define VIRTIO_BALLOON_CFG_ACTUAL    4
#define VIRTIO_BALLOON_PFN_SHIFT     12
#define PAGE_SIZE                    4096u

#define INFLATEQ 0
#define DEFLATEQ 1
#define BATCH_PAGES 256
#define CHUNK_PAGES (64 * BATCH_PAGES)
#define POLL_US 1000
#define DEFAULT_TIMEOUT_S 60
/* Left to the guest whatever the target. */
#define MARGIN (1024u * 1024)

static struct virtio_pci dev;
static struct virtq inflateq;
static struct virtq deflateq;
static uint32_t *pfns;

static uint64_t base_pfn;   /* the first page of the balloon's run */
static uint32_t reserved;   /* pages of the run taken from guest_alloc() so far */
static uint32_t actual;     /* pages in the balloon: [base_pfn, base_pfn + actual) */
static bool touch;          /* write each page moved (touch=1) */

/* Ring-3 work on pages [first_pfn, first_pfn + count): loops over that many pages run
 * natively there, where ring 0 would have every instruction emulated on a software /dev/kvm
 * and take most of an inflation's time. */
struct pages_job
{
  uint64_t first_pfn;
  uint32_t count;
  bool touch;
};

static void
touch_pages (void *arg)
{
  const struct pages_job *job = arg;

  for (uint32_t i = 0; i < job->count; i++)
    *(volatile uint64_t *) (uintptr_t) ((job->first_pfn + i) << VIRTIO_BALLOON_PFN_SHIFT) = i;
}

/* pfns[i] = first_pfn + i, then the touch if asked for. */
static void
prepare_pages (void *arg)
{
  const struct pages_job *job = arg;

  for (uint32_t i = 0; i < job->count; i++)
    pfns[i] = (uint32_t) (job->first_pfn + i);
  if (job->touch)
    touch_pages (arg);
}

/* Hands pages [first, first + count) over on q, BATCH_PAGES at a time, and moves actual
 * with each batch. The page numbers of CHUNK_PAGES pages are written in one go in ring 3;
 * the requests are made from slices of that array. */
static bool
transfer (struct virtq *q,
          uint32_t first,
          uint32_t count,
          bool inflate)
{
  while (count > 0)
    {
      uint32_t chunk = count < CHUNK_PAGES ? count : CHUNK_PAGES;
      struct pages_job job;

      if (!inflate)
        first -= chunk;
      job = (struct pages_job) { base_pfn + first, chunk, touch && inflate };
      guest_run_user (prepare_pages, &job);
      for (uint32_t done = 0; done < chunk;)
        {
          uint32_t n = chunk - done < BATCH_PAGES ? chunk - done : BATCH_PAGES;
          /* Deflate from the top down, so the balloon stays one run. */
          uint32_t offset = inflate ? done : chunk - done - n;
          struct virtq_buf b = { pfns + offset, n * 4, false };

          if (!virtq_transfer (q, &b, 1, VIRTIO_TIMEOUT_US, NULL))
            return false;
          if (inflate)
            actual += n;
          else
            actual -= n;
          virtio_config_write32 (&dev, VIRTIO_BALLOON_CFG_ACTUAL, actual);
          done += n;
        }
      if (touch && !inflate)
        guest_run_user (touch_pages, &job);
      if (inflate)
        first += chunk;
      count -= chunk;
    }
  return true;
}

static bool
follow (uint32_t target)
{
  if (target > actual)
    {
      if (target > reserved)
        {
          size_t bytes = (size_t) (target - reserved) * PAGE_SIZE;
          uintptr_t pages;

          if (guest_alloc_available (PAGE_SIZE) < bytes + MARGIN)
            {
              guest_printf ("virtio-balloon: cannot give %u pages: %zu KiB of RAM is free "
                            "past the image and %u KiB must stay\n", target,
                            (guest_alloc_available (PAGE_SIZE) + (size_t) reserved * PAGE_SIZE)
                            / 1024, MARGIN / 1024);
              return false;
            }
          pages = (uintptr_t) guest_alloc (bytes, PAGE_SIZE);
          if (reserved == 0)
            base_pfn = pages >> VIRTIO_BALLOON_PFN_SHIFT;
          else if (pages != (base_pfn + reserved) << VIRTIO_BALLOON_PFN_SHIFT)
            guest_panic ("virtio-balloon: the balloon's pages are not one run");
          reserved = target;
          if (touch)
            guest_user_map (pages, bytes);
        }
      if (!transfer (&inflateq, actual, target - actual, true))
        return false;
      guest_printf ("virtio-balloon: inflated to %u pages\n", actual);
    }
  else if (target < actual)
    {
      if (!transfer (&deflateq, actual, actual - target, false))
        return false;
      guest_printf ("virtio-balloon: deflated to %u pages\n", actual);
    }
  return true;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  uint64_t timeout_s = DEFAULT_TIMEOUT_S;
  uint64_t cycles = 1, touch_flag = 0;
  uint32_t target = 0;
  bool was_inflated = false;

  cmdline_get_u64 (guest_cmdline (), "timeout", &timeout_s);
  cmdline_get_u64 (guest_cmdline (), "cycles", &cycles);
  cmdline_get_u64 (guest_cmdline (), "touch", &touch_flag);
  touch = touch_flag != 0;

  if (!virtio_pci_find (VIRTIO_ID_BALLOON, &dev) || !virtio_start (&dev, 0))
    return GUEST_EXIT_FAIL;
  if (dev.device == 0 || dev.device_length < 8)
    {
      guest_printf ("virtio-balloon: no device configuration (or shorter than 8 bytes)\n");
      return GUEST_EXIT_FAIL;
    }
  if (!virtio_queue_setup (&dev, &inflateq, INFLATEQ, 8)
      || !virtio_queue_setup (&dev, &deflateq, DEFLATEQ, 8) || !virtio_driver_ok (&dev))
    return GUEST_EXIT_FAIL;
  /* Everything else the guest allocates comes before the balloon's run. */
  pfns = guest_alloc (CHUNK_PAGES * 4, 64);
  /* Written in ring 3 (prepare_pages). */
  guest_user_map ((uintptr_t) pfns, CHUNK_PAGES * 4);
  virtio_config_write32 (&dev, VIRTIO_BALLOON_CFG_ACTUAL, 0);
  guest_printf ("virtio-balloon: ready\n");

  for (;;)
    {
      uint64_t deadline = deadline_after_us (timeout_s * 1000000);
      uint32_t num_pages;

      while ((num_pages = virtio_config_read32 (&dev, VIRTIO_BALLOON_CFG_NUM_PAGES)) == target)
        {
          if (deadline_passed (deadline))
            {
              guest_printf ("virtio-balloon: num_pages stayed %u for %lu s\n", target,
                            timeout_s);
              return GUEST_EXIT_FAIL;
            }
          udelay (POLL_US);
        }
      target = num_pages;
      guest_printf ("virtio-balloon: target %u pages\n", target);
      if (!follow (target))
        return GUEST_EXIT_FAIL;
      if (target != 0)
        was_inflated = true;
      else if (was_inflated && --cycles == 0)
        break;
    }

  virtio_reset (&dev);
  guest_printf ("virtio-balloon: ok\n");
  return GUEST_EXIT_PASS;
}
