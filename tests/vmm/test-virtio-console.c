/* test-virtio-console.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "virtio/virtio-console.h"
#include "virtio-test-driver.h"

/* virtio-console end to end: a driver doing what Linux's virtio_console
 * does for port 0 (hvc0), a test buffer as the host's sink and the host's
 * input fed through virtio_console_receive(). */

#define RAM_SIZE     (4u << 20)
#define RX_GPA       0x200000u
#define TX_GPA       0x280000u
#define Q_RX         VIRTIO_CONSOLE_RX_QUEUE
#define Q_TX         VIRTIO_CONSOLE_TX_QUEUE

#define F_VERSION_1  VIRTIO_FEATURE (VIRTIO_F_VERSION_1)
#define F_EVENT_IDX  VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)
#define F_SIZE       VIRTIO_FEATURE (VIRTIO_CONSOLE_F_SIZE)
#define F_EMERG      VIRTIO_FEATURE (VIRTIO_CONSOLE_F_EMERG_WRITE)
#define F_LINUX      (F_VERSION_1 | F_EVENT_IDX | F_SIZE | F_EMERG)

typedef struct
{
  TestDriver     td;
  VirtioConsole *vc;
  GByteArray    *out;
  unsigned       n_rx_notify;
} Fixture;

static void
sink_write (void          *opaque,
            const uint8_t *buf,
            size_t         len)
{
  Fixture *f = opaque;

  g_byte_array_append (f->out, buf, (guint) len);
}

static void
on_rx_space (void *opaque)
{
  Fixture *f = opaque;

  f->n_rx_notify++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  ByteSink sink;

  memset (f, 0, sizeof *f);
  f->out = g_byte_array_new ();
  sink = (ByteSink) { sink_write, f };
  td_init (&f->td, RAM_SIZE);
  f->vc = virtio_console_new (&f->td.mem, &sink);
  g_assert_nonnull (f->vc);
  virtio_console_set_rx_notify (f->vc, on_rx_space, f);
  td_attach (&f->td, virtio_console_get_device (f->vc));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  td_detach (&f->td);
  virtio_console_free (f->vc);
  td_free_ram (&f->td);
  g_byte_array_unref (f->out);
}

/* Posts one device-writable receive buffer of len bytes. */
static void
post_rx (Fixture  *f,
         uint64_t  gpa,
         uint32_t  len)
{
  td_avail (&f->td, Q_RX, td_desc (&f->td, Q_RX, gpa, len, VIRTQ_DESC_F_WRITE, false));
}

static void
test_config (Fixture       *f,
             gconstpointer  data)
{
  uint64_t offered;

  td_probe (&f->td, VIRTIO_ID_CONSOLE);
  offered = td_device_features (&f->td);
  g_assert_true (offered & F_SIZE);
  g_assert_true (offered & F_EMERG);
  g_assert_false (offered & VIRTIO_FEATURE (VIRTIO_CONSOLE_F_MULTIPORT));
  g_assert_cmphex (td_start (&f->td, VIRTIO_ID_CONSOLE, F_LINUX, 2), ==, F_LINUX);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_CONSOLE_CFG_COLS, 2), ==, 80);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_CONSOLE_CFG_ROWS, 2), ==, 25);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, 4), ==, 1);

  virtio_console_set_size (f->vc, 132, 43);
  g_assert_cmpuint (td_msgs (&f->td, 0), ==, 1);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_CONSOLE_CFG_COLS, 4), ==, 132 | 43 << 16);
  virtio_console_set_size (f->vc, 132, 43);
  g_assert_cmpuint (td_msgs (&f->td, 0), ==, 1);
  /* The driver cannot change them. */
  td_config_write (&f->td, VIRTIO_CONSOLE_CFG_COLS, 1, 2);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_CONSOLE_CFG_COLS, 2), ==, 132);

  /* Emergency write: one character per write, straight out. */
  td_config_write (&f->td, VIRTIO_CONSOLE_CFG_EMERG_WR, 'E', 4);
  td_config_write (&f->td, VIRTIO_CONSOLE_CFG_EMERG_WR, 0x100 | '!', 4);
  g_assert_cmpuint (f->out->len, ==, 2);
  g_assert_cmpmem (f->out->data, 2, "E!", 2);
}

static void
test_transmit (Fixture       *f,
               gconstpointer  data)
{
  uint16_t head;
  uint32_t id, len;

  td_start (&f->td, VIRTIO_ID_CONSOLE, F_LINUX, 2);
  /* put_chars: one buffer per write; a chain of two works too. */
  memcpy (f->td.ram + TX_GPA, "hello, ", 7);
  memcpy (f->td.ram + TX_GPA + 0x100, "host\n", 5);
  head = td_desc (&f->td, Q_TX, TX_GPA, 7, 0, false);
  td_avail (&f->td, Q_TX, head);
  td_kick (&f->td, Q_TX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_TX), ==, 1);
  td_used_elem (&f->td, Q_TX, 0, &id, &len);
  g_assert_cmpuint (id, ==, head);
  g_assert_cmpuint (len, ==, 0);
  g_assert_cmpuint (td_msgs (&f->td, 1 + Q_TX), ==, 1);

  head = td_desc (&f->td, Q_TX, TX_GPA + 0x100, 2, 0, true);
  td_desc (&f->td, Q_TX, TX_GPA + 0x102, 3, 0, false);
  td_avail (&f->td, Q_TX, head);
  td_kick (&f->td, Q_TX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_TX), ==, 2);
  g_assert_cmpuint (f->out->len, ==, 12);
  g_assert_cmpmem (f->out->data, 12, "hello, host\n", 12);

  /* A burst of chains and one notification: all of them go. */
  for (unsigned i = 0; i < 100; i++)
    {
      memcpy (f->td.ram + TX_GPA + 0x1000 + 8 * i, "burst-0\n", 8);
      f->td.ram[TX_GPA + 0x1000 + 8 * i + 6] = (uint8_t) ('0' + i % 10);
      td_avail (&f->td, Q_TX, td_desc (&f->td, Q_TX, TX_GPA + 0x1000 + 8 * i, 8, 0, false));
    }
  td_kick (&f->td, Q_TX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_TX), ==, 102);
  g_assert_cmpuint (f->out->len, ==, 12 + 800);
  g_assert_cmpmem (f->out->data + 12 + 8 * 99, 8, "burst-9\n", 8);
  g_byte_array_set_size (f->out, 12);

  /* Device-writable buffers in a transmit chain carry nothing. */
  head = td_desc (&f->td, Q_TX, TX_GPA, 3, 0, true);
  td_desc (&f->td, Q_TX, TX_GPA + 0x200, 16, VIRTQ_DESC_F_WRITE, false);
  td_avail (&f->td, Q_TX, head);
  td_kick (&f->td, Q_TX);
  g_assert_cmpuint (f->out->len, ==, 15);

  /* A buffer outside RAM: the device needs a reset; nothing is written. */
  head = td_desc (&f->td, Q_TX, RAM_SIZE - 2, 4, 0, false);
  td_avail (&f->td, Q_TX, head);
  td_kick (&f->td, Q_TX);
  g_assert_true (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_cmpuint (f->out->len, ==, 15);
}

static void
test_receive (Fixture       *f,
              gconstpointer  data)
{
  const uint8_t *text = (const uint8_t *) "0123456789abcdefghij";
  uint32_t id, len;

  /* Before the driver: the FIFO keeps the bytes, until the driver's first
   * act, a reset, drops them. */
  g_assert_cmpuint (virtio_console_rx_space (f->vc), ==, VIRTIO_CONSOLE_RX_FIFO);
  g_assert_cmpuint (virtio_console_receive (f->vc, (const uint8_t *) "lost", 4), ==, 4);
  g_assert_cmpuint (virtio_console_rx_space (f->vc), ==, VIRTIO_CONSOLE_RX_FIFO - 4);
  td_start_queues (&f->td, VIRTIO_ID_CONSOLE, F_LINUX, 2);
  g_assert_cmpuint (virtio_console_rx_space (f->vc), ==, VIRTIO_CONSOLE_RX_FIFO);

  /* Queues enabled but no DRIVER_OK: buffers are not touched yet. */
  g_assert_cmpuint (virtio_console_receive (f->vc, text, 20), ==, 20);
  post_rx (f, RX_GPA, 8);
  post_rx (f, RX_GPA + 0x1000, 8);
  td_kick (&f->td, Q_RX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 0);
  /* DRIVER_OK: the device looks at its queues and 16 of the 20 go in. */
  td_driver_ok (&f->td);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 2);
  td_used_elem (&f->td, Q_RX, 0, &id, &len);
  g_assert_cmpuint (len, ==, 8);
  td_used_elem (&f->td, Q_RX, 1, &id, &len);
  g_assert_cmpuint (len, ==, 8);
  g_assert_cmpmem (f->td.ram + RX_GPA, 8, "01234567", 8);
  g_assert_cmpmem (f->td.ram + RX_GPA + 0x1000, 8, "89abcdef", 8);
  g_assert_cmpuint (td_msgs (&f->td, 1 + Q_RX), ==, 1);

  /* The rest goes with the next buffer, followed by new input, in order. */
  post_rx (f, RX_GPA + 0x2000, 64);
  td_kick (&f->td, Q_RX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 3);
  td_used_elem (&f->td, Q_RX, 2, &id, &len);
  g_assert_cmpuint (len, ==, 4);
  g_assert_cmpmem (f->td.ram + RX_GPA + 0x2000, 4, "ghij", 4);
  post_rx (f, RX_GPA + 0x3000, 64);
  td_kick (&f->td, Q_RX);
  g_assert_cmpuint (virtio_console_receive (f->vc, (const uint8_t *) "xyz", 3), ==, 3);
  g_assert_cmpmem (f->td.ram + RX_GPA + 0x3000, 3, "xyz", 3);
  g_assert_cmpuint (virtio_console_rx_space (f->vc), ==, VIRTIO_CONSOLE_RX_FIFO);
  /* Nobody was turned away: nobody was told anything. */
  g_assert_cmpuint (f->n_rx_notify, ==, 0);

  /* A receive buffer the device cannot write gets nothing; the bytes wait
   * for the next one. */
  td_avail (&f->td, Q_RX, td_desc (&f->td, Q_RX, RX_GPA + 0x4000, 8, 0, false));
  g_assert_cmpuint (virtio_console_receive (f->vc, (const uint8_t *) "uv", 2), ==, 2);
  td_used_elem (&f->td, Q_RX, 4, &id, &len);
  g_assert_cmpuint (len, ==, 0);
  post_rx (f, RX_GPA + 0x5000, 64);
  td_kick (&f->td, Q_RX);
  g_assert_cmpmem (f->td.ram + RX_GPA + 0x5000, 2, "uv", 2);
}

/* The host sends more than the guest takes: the FIFO fills, the host is
 * turned away and told when to come back; nothing is lost or reordered. */
static void
test_backpressure (Fixture       *f,
                   gconstpointer  data)
{
  const size_t total = 3 * VIRTIO_CONSOLE_RX_FIFO;
  g_autofree uint8_t *input = g_malloc (total);
  g_autoptr (GByteArray) got = g_byte_array_new ();
  size_t sent = 0, taken;
  uint16_t used = 0;

  for (size_t i = 0; i < total; i++)
    input[i] = (uint8_t) (i * 7 + i / 251);
  td_start (&f->td, VIRTIO_ID_CONSOLE, F_LINUX, 2);

  /* No buffers: the FIFO takes its fill and no more. */
  taken = virtio_console_receive (f->vc, input, total);
  g_assert_cmpuint (taken, ==, VIRTIO_CONSOLE_RX_FIFO);
  sent += taken;
  g_assert_cmpuint (virtio_console_rx_space (f->vc), ==, 0);
  g_assert_cmpuint (virtio_console_receive (f->vc, input + sent, 1), ==, 0);

  /* The guest reads 1000 bytes at a time; the host sends whenever told. */
  while (got->len < total)
    {
      unsigned before = f->n_rx_notify;
      uint32_t id, len;

      post_rx (f, RX_GPA, 1000);
      td_kick (&f->td, Q_RX);
      td_used_elem (&f->td, Q_RX, used, &id, &len);
      g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, used + 1);
      used++;
      g_byte_array_append (got, f->td.ram + RX_GPA, len);
      if (sent < total)
        {
          g_assert_cmpuint (f->n_rx_notify, ==, before + 1);
          taken = virtio_console_receive (f->vc, input + sent, total - sent);
          g_assert_cmpuint (taken, ==, MIN (len, total - sent));
          sent += taken;
        }
    }
  g_assert_cmpuint (got->len, ==, total);
  g_assert_cmpmem (got->data, total, input, total);
}

typedef struct
{
  Fixture       *f;
  const uint8_t *input;
  size_t         total;
  int            told;          /* set by the rx notify, cleared by the host */
} HostFeeder;

static void
feeder_on_rx_space (void *opaque)
{
  HostFeeder *feeder = opaque;

  __atomic_store_n (&feeder->told, 1, __ATOMIC_SEQ_CST);
}

/* The host's event loop: send, and when turned away wait to be told. */
static gpointer
feeder_thread (gpointer data)
{
  HostFeeder *feeder = data;
  size_t sent = 0;

  while (sent < feeder->total)
    {
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      __atomic_store_n (&feeder->told, 0, __ATOMIC_SEQ_CST);
      sent += virtio_console_receive (feeder->f->vc, feeder->input + sent,
                                      MIN (feeder->total - sent, 700u));
      if (sent == feeder->total)
        break;
      while (!__atomic_load_n (&feeder->told, __ATOMIC_SEQ_CST)
             && virtio_console_rx_space (feeder->f->vc) == 0)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_usleep (20);
        }
    }
  return NULL;
}

/* The host feeds from its own thread while the guest reads on another:
 * every byte arrives once, in order. */
static void
test_receive_threads (Fixture       *f,
                      gconstpointer  data)
{
  const size_t total = 64 * 1024;
  g_autofree uint8_t *input = g_malloc (total);
  g_autoptr (GByteArray) got = g_byte_array_new ();
  HostFeeder feeder = { f, input, total, 0 };
  GRand *rand = g_rand_new_with_seed (7);
  GThread *thread;
  uint16_t used = 0;

  for (size_t i = 0; i < total; i++)
    input[i] = (uint8_t) (i ^ (i >> 8));
  virtio_console_set_rx_notify (f->vc, feeder_on_rx_space, &feeder);
  td_start (&f->td, VIRTIO_ID_CONSOLE, F_LINUX, 2);
  thread = g_thread_new ("host", feeder_thread, &feeder);

  while (got->len < total)
    {
      uint32_t size = (uint32_t) g_rand_int_range (rand, 1, 1500), id, len;

      post_rx (f, RX_GPA, size);
      td_kick (&f->td, Q_RX);
      td_wait_used (&f->td, Q_RX, (uint16_t) (used + 1));
      td_used_elem (&f->td, Q_RX, used, &id, &len);
      used++;
      g_assert_cmpuint (len, <=, size);
      g_byte_array_append (got, f->td.ram + RX_GPA, len);
    }
  g_thread_join (thread);
  g_rand_free (rand);
  g_assert_cmpuint (got->len, ==, total);
  g_assert_cmpmem (got->data, total, input, total);
}

/* A reset drops the FIFO; a host that waited for room is told it has it,
 * and the next driver gets only what comes after. */
static void
test_receive_reset (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree uint8_t *fill = g_malloc0 (VIRTIO_CONSOLE_RX_FIFO + 1);

  td_start (&f->td, VIRTIO_ID_CONSOLE, F_LINUX, 2);
  g_assert_cmpuint (virtio_console_receive (f->vc, fill, VIRTIO_CONSOLE_RX_FIFO + 1), ==,
                    VIRTIO_CONSOLE_RX_FIFO);
  td_wr (&f->td, f->td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_cmpuint (f->n_rx_notify, ==, 1);
  g_assert_cmpuint (virtio_console_rx_space (f->vc), ==, VIRTIO_CONSOLE_RX_FIFO);

  f->td.q[Q_RX] = (TdQueue) { 0 };
  f->td.q[Q_TX] = (TdQueue) { 0 };
  td_start (&f->td, VIRTIO_ID_CONSOLE, F_VERSION_1, 2);
  post_rx (f, RX_GPA + 0x100, 4);
  td_kick (&f->td, Q_RX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 0);
  g_assert_cmpuint (virtio_console_receive (f->vc, (const uint8_t *) "ef", 2), ==, 2);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 1);
  g_assert_cmpmem (f->td.ram + RX_GPA + 0x100, 2, "ef", 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add ("/vmm/virtio-console/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("config", test_config);
  ADD ("transmit", test_transmit);
  ADD ("receive", test_receive);
  ADD ("backpressure", test_backpressure);
  ADD ("receive-threads", test_receive_threads);
  ADD ("receive-reset", test_receive_reset);
#undef ADD
  return g_test_run ();
}
