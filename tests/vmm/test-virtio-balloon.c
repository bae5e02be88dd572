/* test-virtio-balloon.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "virtio/virtio-balloon.h"
#include "virtio-test-driver.h"

/* virtio-balloon end to end, with RAM from mmap as the VMM has it, so that
 * the pages given back really leave (mincore tells). */

#define RAM_SIZE       (128u << 20)
#define ARRAY_GPA      0x200000u     /* PFN arrays and stats buffers */
#define BALLOON_GPA    (32u << 20)   /* pages the "guest" gives away */
#define PAGE           4096u

#define F_VERSION_1    VIRTIO_FEATURE (VIRTIO_F_VERSION_1)
#define F_EVENT_IDX    VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)
#define F_STATS        VIRTIO_FEATURE (VIRTIO_BALLOON_F_STATS_VQ)
#define F_OOM          VIRTIO_FEATURE (VIRTIO_BALLOON_F_DEFLATE_ON_OOM)
#define F_REPORTING    VIRTIO_FEATURE (VIRTIO_BALLOON_F_REPORTING)
#define F_LINUX        (F_VERSION_1 | F_EVENT_IDX | F_STATS | F_OOM | F_REPORTING)

#define Q_INFLATE      0
#define Q_DEFLATE      1

typedef struct
{
  TestDriver     td;
  VirtioBalloon *b;
  unsigned       n_actual;
  uint64_t       last_actual;
} Fixture;

static void
on_actual (void     *opaque,
           uint64_t  bytes)
{
  Fixture *f = opaque;

  f->n_actual++;
  f->last_actual = bytes;
}

static void
fixture_setup_with (Fixture  *f,
                    uint64_t  initial,
                    size_t    ram_size)
{
  VmmError err = { { 0 } };

  memset (f, 0, sizeof *f);
  td_init (&f->td, ram_size);
  f->b = virtio_balloon_new (&f->td.mem, initial, &err);
  g_assert_cmpstr (err.message, ==, "");
  g_assert_nonnull (f->b);
  virtio_balloon_set_actual_notify (f->b, on_actual, f);
  td_attach (&f->td, virtio_balloon_get_device (f->b));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  /* --memory 96 --max-memory 128: 32 MiB in the balloon from the start. */
  fixture_setup_with (f, 96u << 20, RAM_SIZE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  td_detach (&f->td);
  virtio_balloon_free (f->b);
  td_free_ram (&f->td);
}

/* Resident pages of [gpa, gpa + len). */
static size_t
resident_pages (Fixture  *f,
                uint64_t  gpa,
                size_t    len)
{
  size_t n = len / PAGE, count = 0;
  unsigned char *vec = g_malloc (n);

  g_assert_cmpint (mincore (f->td.ram + gpa, len, vec), ==, 0);
  for (size_t i = 0; i < n; i++)
    count += vec[i] & 1;
  g_free (vec);
  return count;
}

/* One request of PFNs on queue q, from array slot `slot`; waits for it. */
static void
send_pfns (Fixture        *f,
           unsigned        q,
           const uint32_t *pfns,
           unsigned        n,
           unsigned        slot)
{
  uint64_t gpa = ARRAY_GPA + (uint64_t) slot * 1024;
  uint16_t used = td_used_idx (&f->td, q);

  g_assert_cmpuint (n, <=, 256);
  memcpy (f->td.ram + gpa, pfns, n * 4);
  td_avail (&f->td, q, td_desc (&f->td, q, gpa, n * 4, 0, false));
  td_kick (&f->td, q);
  td_wait_used (&f->td, q, (uint16_t) (used + 1));
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
test_config (Fixture       *f,
             gconstpointer  data)
{
  uint64_t offered;
  VmmError err = { { 0 } };

  td_probe (&f->td, VIRTIO_ID_BALLOON);
  offered = td_device_features (&f->td);
  g_assert_true (offered & F_STATS);
  g_assert_true (offered & F_OOM);
  g_assert_true (offered & F_REPORTING);
  g_assert_false (offered & VIRTIO_FEATURE (VIRTIO_BALLOON_F_MUST_TELL_HOST));
  g_assert_cmphex (td_start (&f->td, VIRTIO_ID_BALLOON, F_LINUX, 4), ==, F_LINUX);

  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BALLOON_CFG_NUM_PAGES, 4), ==,
                    (32u << 20) / PAGE);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BALLOON_CFG_ACTUAL, 4), ==, 0);
  g_assert_cmpuint (virtio_balloon_get_max (f->b), ==, RAM_SIZE);
  g_assert_cmpuint (virtio_balloon_get_min (f->b), ==, 64u << 20);
  g_assert_cmpuint (virtio_balloon_get_target (f->b), ==, 96u << 20);
  g_assert_cmpuint (virtio_balloon_get_actual (f->b), ==, RAM_SIZE);

  /* The host moves the target: a configuration interrupt. */
  g_assert_cmpint (virtio_balloon_set_target (f->b, 80u << 20, &err), ==, 0);
  g_assert_cmpuint (td_msgs (&f->td, 0), ==, 1);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BALLOON_CFG_NUM_PAGES, 4), ==,
                    (48u << 20) / PAGE);
  g_assert_cmpuint (virtio_balloon_get_target (f->b), ==, 80u << 20);
  /* The same target again: nothing to tell. */
  g_assert_cmpint (virtio_balloon_set_target (f->b, 80u << 20, &err), ==, 0);
  g_assert_cmpuint (td_msgs (&f->td, 0), ==, 1);

  /* Out of range, with the limit named. */
  g_assert_cmpint (virtio_balloon_set_target (f->b, 129u << 20, &err), ==, -ERANGE);
  g_assert_nonnull (strstr (err.message, "above the guest's maximum memory of 128 MiB"));
  memset (&err, 0, sizeof err);
  g_assert_cmpint (virtio_balloon_set_target (f->b, 63u << 20, &err), ==, -ERANGE);
  g_assert_nonnull (strstr (err.message, "below the minimum of 64 MiB"));
  g_assert_cmpuint (virtio_balloon_get_target (f->b), ==, 80u << 20);
  /* Both ends are allowed. */
  g_assert_cmpint (virtio_balloon_set_target (f->b, 64u << 20, &err), ==, 0);
  g_assert_cmpint (virtio_balloon_set_target (f->b, RAM_SIZE, &err), ==, 0);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BALLOON_CFG_NUM_PAGES, 4), ==, 0);

  /* The driver reports what it did; num_pages is not its to write. */
  td_config_write (&f->td, VIRTIO_BALLOON_CFG_ACTUAL, 1000, 4);
  g_assert_cmpuint (f->n_actual, ==, 1);
  g_assert_cmpuint (f->last_actual, ==, RAM_SIZE - 1000 * PAGE);
  g_assert_cmpuint (virtio_balloon_get_actual (f->b), ==, RAM_SIZE - 1000 * PAGE);
  td_config_write (&f->td, VIRTIO_BALLOON_CFG_ACTUAL, 1000, 4);
  g_assert_cmpuint (f->n_actual, ==, 1);
  td_config_write (&f->td, VIRTIO_BALLOON_CFG_NUM_PAGES, 5, 4);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BALLOON_CFG_NUM_PAGES, 4), ==, 0);
  /* A byte at a time works too. */
  td_config_write (&f->td, VIRTIO_BALLOON_CFG_ACTUAL + 1, 0, 1);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_BALLOON_CFG_ACTUAL, 4), ==, 1000 & 0xff);

  /* A reset empties the balloon and says so; the target stays. */
  td_wr (&f->td, f->td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_cmpuint (f->last_actual, ==, RAM_SIZE);
  g_assert_cmpuint (virtio_balloon_get_actual (f->b), ==, RAM_SIZE);
  g_assert_cmpuint (virtio_balloon_get_target (f->b), ==, RAM_SIZE);
}

static void
test_new_errors (void)
{
  TestDriver td;
  VmmError err = { { 0 } };
  VirtioBalloon *b;

  td_init (&td, RAM_SIZE);
  g_assert_null (virtio_balloon_new (&td.mem, 256u << 20, &err));
  g_assert_nonnull (strstr (err.message, "above"));
  memset (&err, 0, sizeof err);
  g_assert_null (virtio_balloon_new (&td.mem, 32u << 20, &err));
  g_assert_nonnull (strstr (err.message, "below the minimum of 64 MiB"));
  b = virtio_balloon_new (&td.mem, 0, &err);
  g_assert_nonnull (b);
  g_assert_cmpuint (virtio_balloon_get_target (b), ==, RAM_SIZE);
  virtio_balloon_free (b);
  td_free_ram (&td);

  /* A guest smaller than the floor: the floor is its size. */
  td_init (&td, 32u << 20);
  memset (&err, 0, sizeof err);
  b = virtio_balloon_new (&td.mem, 0, &err);
  g_assert_nonnull (b);
  g_assert_cmpuint (virtio_balloon_get_min (b), ==, 32u << 20);
  g_assert_cmpint (virtio_balloon_set_target (b, 16u << 20, &err), ==, -ERANGE);
  virtio_balloon_free (b);
  td_free_ram (&td);
}

static void
test_inflate_deflate (Fixture       *f,
                      gconstpointer  data)
{
  const unsigned n_pages = 1024;      /* 4 MiB */
  uint32_t pfns[256];
  VirtioBalloonCounters c;

  td_start (&f->td, VIRTIO_ID_BALLOON, F_LINUX, 4);
  memset (f->td.ram + BALLOON_GPA, 0xab, (size_t) n_pages * PAGE);
  g_assert_cmpuint (resident_pages (f, BALLOON_GPA, n_pages * PAGE), ==, n_pages);

  /* Four requests of 256 frames: ascending, descending (Linux's allocator
   * often hands pages out that way), interleaved, and one with every frame
   * twice in it. */
  for (unsigned r = 0; r < 4; r++)
    {
      for (unsigned i = 0; i < 256; i++)
        {
          unsigned k = r == 1 ? 255 - i : r == 2 ? (i % 2) * 128 + i / 2 : r == 3 ? i / 2 : i;

          pfns[i] = BALLOON_GPA / PAGE + r * 256 + k;
        }
      send_pfns (f, Q_INFLATE, pfns, 256, r);
    }
  /* The last request only named 128 distinct frames. */
  g_assert_cmpuint (resident_pages (f, BALLOON_GPA, n_pages * PAGE), ==, 128);
  g_assert_true (all_bytes (f->td.ram + BALLOON_GPA, 3 * 256 * PAGE, 0));
  g_assert_true (all_bytes (f->td.ram + BALLOON_GPA + 3 * 256 * PAGE, 128 * PAGE, 0));
  g_assert_true (all_bytes (f->td.ram + BALLOON_GPA + (3 * 256 + 128) * PAGE, 128 * PAGE, 0xab));
  virtio_balloon_get_counters (f->b, &c);
  g_assert_cmpuint (c.inflated_bytes, ==, 1024u * PAGE);
  g_assert_cmpuint (c.bad_pfns, ==, 0);
  g_assert_cmpuint (td_msgs (&f->td, 1 + Q_INFLATE), >=, 1);

  /* The driver tells the host. */
  td_config_write (&f->td, VIRTIO_BALLOON_CFG_ACTUAL, 1024, 4);
  g_assert_cmpuint (virtio_balloon_get_actual (f->b), ==, RAM_SIZE - 1024u * PAGE);
  g_assert_cmpuint (f->last_actual, ==, RAM_SIZE - 1024u * PAGE);

  /* Deflate: nothing to do but count; the pages come back on use. */
  for (unsigned i = 0; i < 256; i++)
    pfns[i] = BALLOON_GPA / PAGE + i;
  send_pfns (f, Q_DEFLATE, pfns, 256, 8);
  virtio_balloon_get_counters (f->b, &c);
  g_assert_cmpuint (c.deflated_bytes, ==, 256u * PAGE);
  f->td.ram[BALLOON_GPA] = 1;
  g_assert_cmpuint (resident_pages (f, BALLOON_GPA, PAGE), ==, 1);
}

/* Frame numbers outside RAM are skipped, the rest of the request is
 * served, and the device goes on. */
static void
test_bad_pfns (Fixture       *f,
               gconstpointer  data)
{
  uint32_t pfns[] = {
    RAM_SIZE / PAGE,                  /* just past the end */
    0xffffffffu,                      /* far past */
    0xc0000u,                         /* in the 32-bit hole */
    BALLOON_GPA / PAGE,               /* a good one */
    (RAM_SIZE / PAGE) - 1,            /* the last page: good */
  };
  VirtioBalloonCounters c;
  uint16_t head;

  td_start (&f->td, VIRTIO_ID_BALLOON, F_LINUX, 4);
  memset (f->td.ram + BALLOON_GPA, 0xab, PAGE);
  memset (f->td.ram + RAM_SIZE - PAGE, 0xab, PAGE);
  send_pfns (f, Q_INFLATE, pfns, G_N_ELEMENTS (pfns), 0);
  virtio_balloon_get_counters (f->b, &c);
  g_assert_cmpuint (c.bad_pfns, ==, 3);
  g_assert_cmpuint (c.inflated_bytes, ==, 2 * PAGE);
  g_assert_true (all_bytes (f->td.ram + BALLOON_GPA, PAGE, 0));
  g_assert_true (all_bytes (f->td.ram + RAM_SIZE - PAGE, PAGE, 0));

  /* A request whose length is not whole frames: the tail is ignored. */
  memcpy (f->td.ram + ARRAY_GPA, pfns + 3, 4);
  head = td_desc (&f->td, Q_INFLATE, ARRAY_GPA, 6, 0, false);
  td_avail (&f->td, Q_INFLATE, head);
  td_kick (&f->td, Q_INFLATE);
  g_assert_cmpuint (td_used_idx (&f->td, Q_INFLATE), ==, 2);

  /* An array outside RAM breaks the queue, as any such buffer does. */
  head = td_desc (&f->td, Q_INFLATE, RAM_SIZE - 4, 8, 0, false);
  td_avail (&f->td, Q_INFLATE, head);
  td_kick (&f->td, Q_INFLATE);
  g_assert_true (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_cmpuint (virtio_balloon_get_actual (f->b), ==, RAM_SIZE);
}

static void
put_stat (uint8_t  *p,
          uint16_t  tag,
          uint64_t  value)
{
  memcpy (p, &tag, 2);
  memcpy (p + 2, &value, 8);
}

static void
test_stats (Fixture       *f,
            gconstpointer  data)
{
  VirtioBalloonStats stats;
  const unsigned q_stats = 2;
  uint8_t *buf = f->td.ram + ARRAY_GPA;

  /* Before any driver: nothing, and asking does no harm. */
  g_assert_false (virtio_balloon_get_stats (f->b, &stats));
  g_assert_cmpuint (stats.present, ==, 0);

  td_start (&f->td, VIRTIO_ID_BALLOON, F_LINUX, 4);
  /* init_vqs: the first buffer, posted at once. An unknown tag (99) is
   * ignored. */
  put_stat (buf, VIRTIO_BALLOON_S_MEMFREE, 50u << 20);
  put_stat (buf + 10, VIRTIO_BALLOON_S_MEMTOT, 90u << 20);
  put_stat (buf + 20, 99, 1);
  put_stat (buf + 30, VIRTIO_BALLOON_S_AVAIL, 70u << 20);
  td_avail (&f->td, q_stats, td_desc (&f->td, q_stats, ARRAY_GPA, 40, 0, false));
  td_kick (&f->td, q_stats);
  /* Held, not returned. */
  g_assert_cmpuint (td_used_idx (&f->td, q_stats), ==, 0);

  g_assert_true (virtio_balloon_get_stats (f->b, &stats));
  g_assert_cmpuint (stats.value[VIRTIO_BALLOON_S_MEMFREE], ==, 50u << 20);
  g_assert_cmpuint (stats.value[VIRTIO_BALLOON_S_MEMTOT], ==, 90u << 20);
  g_assert_cmpuint (stats.value[VIRTIO_BALLOON_S_AVAIL], ==, 70u << 20);
  g_assert_cmphex (stats.present, ==, (1u << VIRTIO_BALLOON_S_MEMFREE)
                                      | (1u << VIRTIO_BALLOON_S_MEMTOT)
                                      | (1u << VIRTIO_BALLOON_S_AVAIL));
  g_assert_cmpint (stats.last_update, >, 0);
  g_assert_cmpstr (virtio_balloon_stat_name (VIRTIO_BALLOON_S_MEMFREE), ==, "stat-free-memory");
  g_assert_null (virtio_balloon_stat_name (99));

  /* Asking returned the buffer: the driver's stats_request runs. */
  g_assert_cmpuint (td_used_idx (&f->td, q_stats), ==, 1);
  g_assert_cmpuint (td_msgs (&f->td, 1 + q_stats), ==, 1);
  /* Asking again before the driver answered: nothing to return. */
  virtio_balloon_request_stats (f->b);
  g_assert_cmpuint (td_used_idx (&f->td, q_stats), ==, 1);

  /* update_balloon_stats_func: fresh values, the buffer again. */
  put_stat (buf, VIRTIO_BALLOON_S_MEMFREE, 40u << 20);
  put_stat (buf + 10, VIRTIO_BALLOON_S_SWAP_IN, 7);
  td_avail (&f->td, q_stats, td_desc (&f->td, q_stats, ARRAY_GPA, 20, 0, false));
  td_kick (&f->td, q_stats);
  g_assert_true (virtio_balloon_get_stats (f->b, &stats));
  g_assert_cmpuint (stats.value[VIRTIO_BALLOON_S_MEMFREE], ==, 40u << 20);
  g_assert_cmpuint (stats.value[VIRTIO_BALLOON_S_SWAP_IN], ==, 7);
  g_assert_false (stats.present & (1u << VIRTIO_BALLOON_S_MEMTOT));
  g_assert_cmpuint (td_used_idx (&f->td, q_stats), ==, 2);

  /* A reset forgets them. */
  td_wr (&f->td, f->td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_false (virtio_balloon_get_stats (f->b, &stats));
}

static void
report_range (Fixture  *f,
              unsigned  q,
              uint64_t  gpa,
              uint32_t  len)
{
  uint16_t used = td_used_idx (&f->td, q);

  /* Linux adds reported ranges as device-writable ("in") buffers. */
  td_avail (&f->td, q, td_desc (&f->td, q, gpa, len, VIRTQ_DESC_F_WRITE, false));
  td_kick (&f->td, q);
  td_wait_used (&f->td, q, (uint16_t) (used + 1));
}

static void
test_reporting (Fixture       *f,
                gconstpointer  data)
{
  VirtioBalloonCounters c;

  /* With statistics the reporting queue is the fourth. */
  td_start (&f->td, VIRTIO_ID_BALLOON, F_LINUX, 4);
  memset (f->td.ram + BALLOON_GPA, 0xab, 8u << 20);
  report_range (f, 3, BALLOON_GPA, 4u << 20);
  g_assert_cmpuint (resident_pages (f, BALLOON_GPA, 8u << 20), ==, (4u << 20) / PAGE);
  g_assert_true (all_bytes (f->td.ram + BALLOON_GPA, 4u << 20, 0));
  /* Ragged edges: only whole pages go. */
  report_range (f, 3, BALLOON_GPA + (4u << 20) + 100, 3 * PAGE);
  g_assert_cmpuint (resident_pages (f, BALLOON_GPA + (4u << 20), 4 * PAGE), ==, 2);
  g_assert_cmpuint (f->td.ram[BALLOON_GPA + (4u << 20) + 100], ==, 0xab);
  virtio_balloon_get_counters (f->b, &c);
  g_assert_cmpuint (c.reported_bytes, ==, (4u << 20) + 2 * PAGE);
  /* Reporting does not change the balloon. */
  g_assert_cmpuint (c.inflated_bytes, ==, 0);
  g_assert_cmpuint (virtio_balloon_get_actual (f->b), ==, RAM_SIZE);

  /* Without statistics it moves up to the third. */
  f->td.q[2] = (TdQueue) { 0 };
  td_start (&f->td, VIRTIO_ID_BALLOON, F_VERSION_1 | F_REPORTING, 3);
  memset (f->td.ram + BALLOON_GPA, 0xcd, 1u << 20);
  report_range (f, 2, BALLOON_GPA, 1u << 20);
  g_assert_cmpuint (resident_pages (f, BALLOON_GPA, 1u << 20), ==, 0);
}

/* Inflate n_pages of touched RAM, 256 frames a request as Linux sends
 * them; returns the seconds it took. */
static double
inflate_timed (Fixture  *f,
               uint64_t  gpa,
               unsigned  n_pages,
               bool      shuffled)
{
  uint32_t *order = g_new (uint32_t, n_pages);
  GRand *rand = g_rand_new_with_seed (42);
  gint64 start;
  unsigned slot = 0;

  for (unsigned i = 0; i < n_pages; i++)
    order[i] = (uint32_t) (gpa / PAGE) + i;
  if (shuffled)
    for (unsigned i = n_pages - 1; i > 0; i--)
      {
        unsigned j = g_rand_int_range (rand, 0, (gint32) i + 1);
        uint32_t t = order[i];

        order[i] = order[j];
        order[j] = t;
      }

  start = g_get_monotonic_time ();
  for (unsigned done = 0; done < n_pages; done += 256)
    {
      send_pfns (f, Q_INFLATE, order + done, MIN (256u, n_pages - done), slot);
      slot = (slot + 1) % 512;
    }
  g_rand_free (rand);
  g_free (order);
  return (g_get_monotonic_time () - start) / 1e6;
}

/* The process's resident set, in MiB (/proc/self/statm). */
static double
rss_mib (void)
{
  g_autofree char *text = NULL;
  unsigned long size = 0, resident = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL));
  g_assert_cmpint (sscanf (text, "%lu %lu", &size, &resident), ==, 2);
  return resident * (double) sysconf (_SC_PAGESIZE) / (1 << 20);
}

static void
run_benchmark (Fixture  *f,
               uint64_t  bytes,
               bool      shuffled)
{
  unsigned n_pages = (unsigned) (bytes / PAGE);
  double seconds, rss_before, rss_after;
  size_t left;

  memset (f->td.ram + BALLOON_GPA, 0x5a, bytes);
  g_assert_cmpuint (resident_pages (f, BALLOON_GPA, bytes), ==, n_pages);
  rss_before = rss_mib ();
  seconds = inflate_timed (f, BALLOON_GPA, n_pages, shuffled);
  rss_after = rss_mib ();
  left = resident_pages (f, BALLOON_GPA, bytes);
  g_test_message ("inflate %" G_GUINT64_FORMAT " MiB (%s frames): %.3f s, %.0f MiB/s; "
                  "RSS %.0f -> %.0f MiB; %zu of %u pages still resident", bytes >> 20,
                  shuffled ? "shuffled" : "ascending", seconds, (bytes >> 20) / seconds,
                  rss_before, rss_after, left, n_pages);
  g_assert_cmpuint (left, ==, 0);
}

/* A small run on every test pass (figures in the log), for regressions. */
static void
test_inflate_speed (Fixture       *f,
                    gconstpointer  data)
{
  td_start (&f->td, VIRTIO_ID_BALLOON, F_LINUX, 4);
  run_benchmark (f, 16u << 20, false);
  run_benchmark (f, 16u << 20, true);
}

static void
fixture_setup_big (Fixture       *f,
                   gconstpointer  data)
{
  fixture_setup_with (f, 0, (1u << 30) + BALLOON_GPA);
}

/* The target, in perf mode (-m perf): 1 GiB given back in under a
 * second. */
static void
test_inflate_1g (Fixture       *f,
                 gconstpointer  data)
{
  if (!g_test_perf ())
    {
      g_test_skip ("a 1 GiB benchmark: run with -m perf");
      return;
    }
  td_start (&f->td, VIRTIO_ID_BALLOON, F_LINUX, 4);
  run_benchmark (f, 1u << 30, false);
  run_benchmark (f, 1u << 30, true);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, setup, func) \
  g_test_add ("/vmm/virtio-balloon/" name, Fixture, NULL, setup, func, fixture_teardown)
  ADD ("config", fixture_setup, test_config);
  ADD ("inflate-deflate", fixture_setup, test_inflate_deflate);
  ADD ("bad-pfns", fixture_setup, test_bad_pfns);
  ADD ("stats", fixture_setup, test_stats);
  ADD ("reporting", fixture_setup, test_reporting);
  ADD ("inflate-speed", fixture_setup, test_inflate_speed);
  ADD ("inflate-1g", fixture_setup_big, test_inflate_1g);
#undef ADD
  g_test_add_func ("/vmm/virtio-balloon/new-errors", test_new_errors);
  return g_test_run ();
}
