/* blk-bench.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A virtio-blk throughput benchmark (bench/blk runs it on our VMM and on QEMU): sequential
 * reads and writes with 4 KiB and 1 MiB requests at queue depth 1 and 32, timed with the
 * TSC, one line per point:
 *
 *   blk-bench: read 4k qd1 MiBps=123.4 us=33000 requests=1024
 *
 * The disk must be at least 256 MiB, each 4 KiB block of its first half starting with
 * READ_MAGIC | the block's number (bench/blk writes the image so). Reads go to the first half
 * and check that word in every request; writes go to the second half and put WRITE_MAGIC |
 * the block's number at the start of every request, which bench/blk checks afterwards. Each
 * point has its own stretch of the disk, in the order the points run (read 4k qd1, 4k qd32,
 * 1m qd1, 1m qd32, then the writes the same from 128 MiB on); an untimed read into every
 * buffer comes first. After each write point the guest flushes, untimed:
 * the write figures are what reached the VMM (its page cache), not the medium.
 *
 * TSC rate: calibrated against the CMOS RTC (the TSC between two changes of the seconds
 * register); without an RTC, CPUID leaf 0x15, 0x16 or the hypervisor leaf 0x40000010. The
 * guest says which and what CPUID would have given.
 *
 * Command line: small-mib=N (MiB per 4 KiB point, default 4), large-mib=N (MiB per 1 MiB
 * point, default 32), qd=N (the deep queue depth, default 32, at most MAX_QD).
 *
 * Every request is one chain of three descriptors (header, data, status) from physically
 * contiguous buffers; the queue is polled, with interrupts off (VIRTQ_AVAIL_F_NO_INTERRUPT),
 * completions reaped in batches and the freed slots refilled with one notification. */

#include "virtio.h"

#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX  (1ull << 2)
#define VIRTIO_BLK_F_RO       (1ull << 5)
#define VIRTIO_BLK_F_FLUSH    (1ull << 9)

#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4

#define VIRTIO_BLK_S_OK     0

#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SIZE_MAX 8

#define SECTOR       512
#define BLOCK        4096
#define KIB          1024ull
#define MIB          (1024ull * 1024)
#define DISK_BYTES   (256 * MIB)
#define WRITE_BASE   (128 * MIB)
#define MAX_QD       32
#define LARGE        MIB
#define QUEUE_SIZE   128            /* >= 3 * MAX_QD */
#define NO_STATUS    0xff

#define READ_MAGIC   ((uint64_t) 0x4b4c424847000000)   /* "GHBLK" above the block number */
#define WRITE_MAGIC  ((uint64_t) 0x5449525747000000)   /* "GWRIT" */

struct blk_header
{
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};

struct slot
{
  struct blk_header header;
  uint8_t status;
  uint64_t offset;             /* where on the disk, in bytes */
};

static struct virtq queue;
static struct slot *slots;      /* MAX_QD of them */
static uint8_t *buffers;        /* MAX_QD * LARGE */
static int16_t slot_of_head[QUEUE_SIZE];
static uint64_t tsc_hz;

/* ---- the TSC rate -------------------------------------------------------------------------- */

static uint64_t
cpuid_tsc_hz (const char **source)
{
  uint32_t max, a, b, c, d;

  cpuid (0, 0, &max, &b, &c, &d);
  if (max >= 0x15)
    {
      cpuid (0x15, 0, &a, &b, &c, &d);
      if (a != 0 && b != 0 && c != 0)
        {
          *source = "CPUID 0x15";
          return (uint64_t) c * b / a;
        }
    }
  if (max >= 0x16)
    {
      cpuid (0x16, 0, &a, &b, &c, &d);
      if ((a & 0xffff) != 0)
        {
          *source = "CPUID 0x16";
          return (uint64_t) (a & 0xffff) * 1000000;
        }
    }
  cpuid (0x40000000, 0, &max, &b, &c, &d);
  if (max >= 0x40000010 && max < 0x40000100)
    {
      cpuid (0x40000010, 0, &a, &b, &c, &d);
      if (a != 0)
        {
          *source = "CPUID 0x40000010";
          return (uint64_t) a * 1000;
        }
    }
  *source = "none";
  return 0;
}

static uint8_t
rtc_seconds (void)
{
  outb (0x70, 0x00);
  return inb (0x71);
}

/* The TSC at the next change of the RTC seconds, or 0 if none comes within timeout_us (at
 * the fastest plausible TSC rate, so really longer). */
static uint64_t
rtc_edge (uint64_t timeout_us)
{
  uint64_t deadline = deadline_after_us (timeout_us);
  uint8_t first = rtc_seconds (), s;

  while ((s = rtc_seconds ()) == first)
    if (deadline_passed (deadline))
      return 0;
  (void) s;
  return rdtsc ();
}

static void
calibrate (void)
{
  const char *source;
  uint64_t cpuid_hz = cpuid_tsc_hz (&source);
  uint64_t t0, t1 = 0;

  /* No RTC reads 0xff and never changes. */
  if (rtc_seconds () != 0xff && (t0 = rtc_edge (2000000)) != 0)
    t1 = rtc_edge (2000000);
  if (t1 != 0)
    {
      tsc_hz = t1 - t0;
      guest_printf ("blk-bench: tsc %lu Hz from the CMOS RTC (%s: %lu Hz)\n", tsc_hz, source,
                    cpuid_hz);
    }
  else if (cpuid_hz != 0)
    {
      tsc_hz = cpuid_hz;
      guest_printf ("blk-bench: tsc %lu Hz from %s (no RTC)\n", tsc_hz, source);
    }
  else
    {
      tsc_hz = GUEST_TSC_MAX_HZ;
      guest_printf ("blk-bench: tsc rate unknown, assuming %lu Hz\n", tsc_hz);
    }
}

/* ---- requests ------------------------------------------------------------------------------ */

static bool
add_request (unsigned int slot, uint32_t type, uint64_t offset, uint32_t len)
{
  struct slot *s = &slots[slot];
  uint8_t *data = buffers + (size_t) slot * LARGE;
  struct virtq_buf bufs[3];
  unsigned int n = 0;
  uint16_t head;

  s->header.type = type;
  s->header.reserved = 0;
  s->header.sector = offset / SECTOR;
  s->status = NO_STATUS;
  s->offset = offset;
  bufs[n++] = (struct virtq_buf) { &s->header, sizeof (s->header), false };
  if (len != 0)
    {
      if (type == VIRTIO_BLK_T_OUT)
        *(uint64_t *) data = WRITE_MAGIC | (offset / BLOCK);
      else
        *(uint64_t *) data = 0;
      bufs[n++] = (struct virtq_buf) { data, len, type == VIRTIO_BLK_T_IN };
    }
  bufs[n++] = (struct virtq_buf) { &s->status, 1, true };
  if (!virtq_add (&queue, bufs, n, &head))
    return false;
  slot_of_head[head] = (int16_t) slot;
  return true;
}

/* Reaps one completion (waiting for it) and checks it; stores its slot. */
static bool
complete_request (unsigned int *slot_out)
{
  uint16_t head;
  struct slot *s;
  unsigned int slot;
  uint8_t status;

  if (!virtq_reap_wait (&queue, VIRTIO_TIMEOUT_US, &head, NULL))
    return false;
  if (slot_of_head[head] < 0)
    {
      guest_printf ("blk-bench: descriptor %u completed, which is no request's head\n", head);
      return false;
    }
  slot = (unsigned int) slot_of_head[head];
  slot_of_head[head] = -1;
  s = &slots[slot];
  status = *(volatile uint8_t *) &s->status;
  if (status != VIRTIO_BLK_S_OK)
    {
      guest_printf ("blk-bench: request type %u at byte %lu: status %u\n", s->header.type,
                    s->offset, status);
      return false;
    }
  if (s->header.type == VIRTIO_BLK_T_IN)
    {
      uint64_t word = *(volatile uint64_t *) (buffers + (size_t) slot * LARGE);

      if (word != (READ_MAGIC | (s->offset / BLOCK)))
        {
          guest_printf ("blk-bench: the block at byte %lu starts %#lx, not %#lx: is the image "
                        "the one bench/blk writes?\n", s->offset, word,
                        READ_MAGIC | (s->offset / BLOCK));
          return false;
        }
    }
  *slot_out = slot;
  return true;
}

static bool
flush (void)
{
  unsigned int slot;

  if (!add_request (0, VIRTIO_BLK_T_FLUSH, 0, 0))
    return false;
  virtq_kick (&queue);
  return complete_request (&slot);
}

static bool
warm_up (unsigned int qd)
{
  unsigned int slot;

  for (unsigned int i = 0; i < qd; i++)
    if (!add_request (i, VIRTIO_BLK_T_IN, (uint64_t) i * LARGE, LARGE))
      return false;
  virtq_kick (&queue);
  for (unsigned int i = 0; i < qd; i++)
    if (!complete_request (&slot))
      return false;
  guest_printf ("blk-bench: warmed up %u buffers of 1 MiB\n", qd);
  return true;
}

/* One point: count requests of len bytes from offset on, qd in flight. */
static bool
run_point (bool write, uint32_t len, unsigned int qd, uint64_t offset, uint64_t bytes)
{
  uint32_t type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  uint64_t count = bytes / len, issued = 0, done = 0;
  uint64_t start, cycles, kib_x10, mibps_x10;
  unsigned int free_slots[MAX_QD], n_free = 0;

  for (unsigned int i = qd; i-- > 0;)
    free_slots[n_free++] = i;

  start = rdtsc ();
  while (done < count)
    {
      unsigned int slot;

      /* Fill every free slot, then one notification for the lot. */
      while (n_free > 0 && issued < count)
        {
          if (!add_request (free_slots[--n_free], type, offset + issued * len, len))
            return false;
          issued++;
        }
      virtq_kick (&queue);

      /* Wait for one, then take whatever else is done already. */
      if (!complete_request (&slot))
        return false;
      free_slots[n_free++] = slot;
      done++;
      while (queue.used->idx != queue.used_idx)
        {
          if (!complete_request (&slot))
            return false;
          free_slots[n_free++] = slot;
          done++;
        }
    }
  cycles = rdtsc () - start;

  kib_x10 = (bytes / KIB) * 10;
  mibps_x10 = kib_x10 * tsc_hz / cycles / 1024;
  guest_printf ("blk-bench: %s %s qd%u MiBps=%lu.%lu us=%lu requests=%lu\n",
                write ? "write" : "read", len == LARGE ? "1m" : "4k", qd, mibps_x10 / 10,
                mibps_x10 % 10, cycles * 1000000 / tsc_hz, count);

  if (write)
    {
      uint64_t t = rdtsc ();

      if (!flush ())
        return false;
      guest_printf ("blk-bench: flush after %s %s qd%u us=%lu\n", "write",
                    len == LARGE ? "1m" : "4k", qd, (rdtsc () - t) * 1000000 / tsc_hz);
    }
  return true;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  const char *cmdline = guest_cmdline ();
  struct virtio_pci dev;
  uint64_t small_mib = 4, large_mib = 32, qd = MAX_QD, capacity;
  uint64_t offset;

  (void) start_info;
  cmdline_get_u64 (cmdline, "small-mib", &small_mib);
  cmdline_get_u64 (cmdline, "large-mib", &large_mib);
  cmdline_get_u64 (cmdline, "qd", &qd);
  if (qd < 1 || qd > MAX_QD || small_mib == 0 || large_mib == 0
      || 2 * (small_mib + large_mib) * MIB > WRITE_BASE)
    {
      guest_printf ("blk-bench: qd is 1-%u, and 2 * (small-mib + large-mib) at most 128\n",
                    MAX_QD);
      return GUEST_EXIT_FAIL;
    }

  calibrate ();

  if (!virtio_pci_find (VIRTIO_ID_BLOCK, &dev)
      || !virtio_start (&dev, VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_SIZE_MAX))
    return GUEST_EXIT_FAIL;
  if (dev.device == 0 || dev.device_length < 12)
    {
      guest_printf ("blk-bench: no device configuration (or too short)\n");
      return GUEST_EXIT_FAIL;
    }
  capacity = virtio_config_read64 (&dev, VIRTIO_BLK_CFG_CAPACITY);
  if (capacity * SECTOR < DISK_BYTES)
    {
      guest_printf ("blk-bench: the disk has %lu sectors; the benchmark needs 256 MiB\n",
                    capacity);
      return GUEST_EXIT_FAIL;
    }
  if (dev.features & VIRTIO_BLK_F_RO)
    {
      guest_printf ("blk-bench: the disk is read-only\n");
      return GUEST_EXIT_FAIL;
    }
  if (!(dev.features & VIRTIO_BLK_F_FLUSH))
    {
      guest_printf ("blk-bench: the device does not offer VIRTIO_BLK_F_FLUSH\n");
      return GUEST_EXIT_FAIL;
    }
  if ((dev.features & VIRTIO_BLK_F_SIZE_MAX)
      && virtio_config_read32 (&dev, VIRTIO_BLK_CFG_SIZE_MAX) < LARGE)
    {
      guest_printf ("blk-bench: size_max %u: a 1 MiB buffer takes more than one segment\n",
                    virtio_config_read32 (&dev, VIRTIO_BLK_CFG_SIZE_MAX));
      return GUEST_EXIT_FAIL;
    }

  if (!virtio_queue_setup (&dev, &queue, 0, QUEUE_SIZE) || !virtio_driver_ok (&dev))
    return GUEST_EXIT_FAIL;
  if (queue.size < 3 * qd)
    {
      guest_printf ("blk-bench: a queue of %u entries holds fewer than %lu requests\n",
                    queue.size, qd);
      return GUEST_EXIT_FAIL;
    }
  virtq_no_interrupts (&queue);

  slots = guest_alloc (sizeof (struct slot) * MAX_QD, 64);
  buffers = guest_alloc (MAX_QD * LARGE, BLOCK);
  for (unsigned int i = 0; i < QUEUE_SIZE; i++)
    slot_of_head[i] = -1;

  /* Untimed: one 1 MiB read into every buffer, so that no point pays for the host's first
   * touch of the guest memory behind them (on either side of the device). */
  if (!warm_up ((unsigned int) qd))
    return GUEST_EXIT_FAIL;

  /* Each point its own stretch: reads in the first half, writes the same in the second. */
  for (int w = 0; w < 2; w++)
    {
      offset = w ? WRITE_BASE : 0;
      for (int large = 0; large < 2; large++)
        for (int deep = 0; deep < 2; deep++)
          {
            uint64_t bytes = (large ? large_mib : small_mib) * MIB;

            if (!run_point (w, large ? LARGE : BLOCK, deep ? (unsigned int) qd : 1, offset,
                            bytes))
              return GUEST_EXIT_FAIL;
            offset += bytes;
          }
    }

  virtio_reset (&dev);
  guest_printf ("blk-bench: done\n");
  return GUEST_EXIT_PASS;
}
