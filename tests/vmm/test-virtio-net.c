/* test-virtio-net.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "virtio/virtio-net.h"
#include "virtio-test-driver.h"

/* virtio-net end to end through the PCI transport: a driver doing what
 * Linux's virtio_net does without mergeable buffers, a fake back end that
 * records what the guest sends, and host frames fed through
 * virtio_net_receive(). */

#define RAM_SIZE     (4u << 20)
#define RX_GPA       0x200000u
#define TX_GPA       0x300000u
#define Q_RX         VIRTIO_NET_RX_QUEUE
#define Q_TX         VIRTIO_NET_TX_QUEUE
#define HDR          VIRTIO_NET_HDR_SIZE

#define F_VERSION_1  VIRTIO_FEATURE (VIRTIO_F_VERSION_1)
#define F_EVENT_IDX  VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)
#define F_MAC        VIRTIO_FEATURE (VIRTIO_NET_F_MAC)
#define F_STATUS     VIRTIO_FEATURE (VIRTIO_NET_F_STATUS)
#define F_MRG        VIRTIO_FEATURE (VIRTIO_NET_F_MRG_RXBUF)
#define F_LINUX      (F_VERSION_1 | F_EVENT_IDX | F_MAC | F_STATUS | F_MRG)

static const uint8_t test_mac[6] = { 0x0a, 0x67, 0x68, 0x12, 0x34, 0x56 };

typedef struct
{
  TestDriver  td;
  VirtioNet  *net;
  GPtrArray  *sent;             /* GBytes, one per frame the guest sent */
  unsigned    n_rx_ready;
} Fixture;

static void
backend_transmit (void          *opaque,
                  const uint8_t *frame,
                  size_t         len)
{
  Fixture *f = opaque;

  g_ptr_array_add (f->sent, g_bytes_new (frame, len));
}

static void
backend_rx_ready (void *opaque)
{
  Fixture *f = opaque;

  f->n_rx_ready++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  NetBackend backend = { backend_transmit, backend_rx_ready, NULL };

  memset (f, 0, sizeof *f);
  f->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  backend.opaque = f;
  td_init (&f->td, RAM_SIZE);
  f->net = virtio_net_new (&f->td.mem, test_mac, &backend);
  g_assert_nonnull (f->net);
  td_attach (&f->td, virtio_net_get_device (f->net));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  td_detach (&f->td);
  virtio_net_free (f->net);
  td_free_ram (&f->td);
  g_ptr_array_unref (f->sent);
}

/* An Ethernet frame of len bytes: to the broadcast address, from the
 * guest's MAC, EtherType 0x0800, then a pattern. */
static void
make_frame (uint8_t *buf,
            size_t   len,
            uint8_t  seed)
{
  memset (buf, 0xff, 6);
  memcpy (buf + 6, test_mac, 6);
  buf[12] = 0x08;
  buf[13] = 0x00;
  for (size_t i = 14; i < len; i++)
    buf[i] = (uint8_t) (i * 3 + seed);
}

static void
post_rx (Fixture  *f,
         uint64_t  gpa,
         uint32_t  len)
{
  td_avail (&f->td, Q_RX, td_desc (&f->td, Q_RX, gpa, len, VIRTQ_DESC_F_WRITE, false));
}

static void
test_no_mac (void)
{
  static const uint8_t multicast[6] = { 0x01, 0, 0, 0, 0, 1 };
  GuestMemory mem = { 0 };

  g_assert_null (virtio_net_new (&mem, multicast, NULL));
  g_assert_null (virtio_net_new (&mem, NULL, NULL));
}

static void
test_config (Fixture       *f,
             gconstpointer  data)
{
  uint64_t offered;

  td_probe (&f->td, VIRTIO_ID_NET);
  g_assert_cmphex (td_cfg_read (&f->td, 0x08, 4) >> 8, ==, 0x020000);
  offered = td_device_features (&f->td);
  g_assert_true (offered & F_MAC);
  g_assert_true (offered & F_STATUS);
  /* One receive buffer per frame: no mergeable buffers, no offloads. */
  g_assert_false (offered & F_MRG);
  g_assert_false (offered & VIRTIO_FEATURE (0));
  g_assert_false (offered & VIRTIO_FEATURE (1));
  g_assert_cmphex (td_start (&f->td, VIRTIO_ID_NET, F_LINUX, 2), ==,
                   F_VERSION_1 | F_EVENT_IDX | F_MAC | F_STATUS);
  for (unsigned i = 0; i < 6; i++)
    g_assert_cmphex (td_config_read (&f->td, VIRTIO_NET_CFG_MAC + i, 1), ==, test_mac[i]);
  g_assert_cmphex (td_config_read (&f->td, VIRTIO_NET_CFG_STATUS, 2), ==, VIRTIO_NET_S_LINK_UP);
  /* The MAC is the host's. */
  td_config_write (&f->td, VIRTIO_NET_CFG_MAC, 0x42, 1);
  g_assert_cmphex (td_config_read (&f->td, VIRTIO_NET_CFG_MAC, 1), ==, test_mac[0]);
}

static void
test_transmit (Fixture       *f,
               gconstpointer  data)
{
  uint8_t frame[1514];
  VirtioNetStats stats;
  uint16_t head;
  uint32_t id, len;
  gsize size;
  const uint8_t *got;

  td_start (&f->td, VIRTIO_ID_NET, F_LINUX, 2);
  make_frame (frame, sizeof frame, 1);

  /* Header and frame in one buffer, as Linux sends with any_header_sg. */
  memset (f->td.ram + TX_GPA, 0, HDR);
  memcpy (f->td.ram + TX_GPA + HDR, frame, 60);
  head = td_desc (&f->td, Q_TX, TX_GPA, HDR + 60, 0, false);
  td_avail (&f->td, Q_TX, head);
  td_kick (&f->td, Q_TX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_TX), ==, 1);
  td_used_elem (&f->td, Q_TX, 0, &id, &len);
  g_assert_cmpuint (id, ==, head);
  g_assert_cmpuint (len, ==, 0);
  g_assert_cmpuint (td_msgs (&f->td, 1 + Q_TX), ==, 1);
  g_assert_cmpuint (f->sent->len, ==, 1);
  got = g_bytes_get_data (f->sent->pdata[0], &size);
  g_assert_cmpmem (got, size, frame, 60);

  /* Header apart, the frame split in three: one frame arrives whole. */
  memcpy (f->td.ram + TX_GPA + 0x1000, frame, 100);
  memcpy (f->td.ram + TX_GPA + 0x2000, frame + 100, 1000);
  memcpy (f->td.ram + TX_GPA + 0x3000, frame + 1100, 414);
  head = td_desc (&f->td, Q_TX, TX_GPA, HDR, 0, true);
  td_desc (&f->td, Q_TX, TX_GPA + 0x1000, 100, 0, true);
  td_desc (&f->td, Q_TX, TX_GPA + 0x2000, 1000, 0, true);
  td_desc (&f->td, Q_TX, TX_GPA + 0x3000, 414, 0, false);
  td_avail (&f->td, Q_TX, head);
  td_kick (&f->td, Q_TX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_TX), ==, 2);
  g_assert_cmpuint (f->sent->len, ==, 2);
  got = g_bytes_get_data (f->sent->pdata[1], &size);
  g_assert_cmpmem (got, size, frame, sizeof frame);

  /* Shorter than header plus an Ethernet header: dropped, buffer back. */
  td_avail (&f->td, Q_TX, td_desc (&f->td, Q_TX, TX_GPA, HDR + 10, 0, false));
  td_kick (&f->td, Q_TX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_TX), ==, 3);
  g_assert_cmpuint (f->sent->len, ==, 2);

  virtio_net_get_stats (f->net, &stats);
  g_assert_cmpuint (stats.tx_frames, ==, 2);
  g_assert_cmpuint (stats.tx_bytes, ==, 60 + 1514);
  g_assert_cmpuint (stats.tx_dropped, ==, 1);
}

/* The largest frame goes; one byte more is dropped and counted, both
 * ways. */
static void
test_oversize (Fixture       *f,
               gconstpointer  data)
{
  g_autofree uint8_t *big = g_malloc (VIRTIO_NET_MAX_FRAME + 1);
  VirtioNetStats stats;

  make_frame (big, VIRTIO_NET_MAX_FRAME + 1, 9);
  td_start (&f->td, VIRTIO_ID_NET, F_LINUX, 2);

  memset (f->td.ram + TX_GPA, 0, HDR);
  memcpy (f->td.ram + TX_GPA + HDR, big, VIRTIO_NET_MAX_FRAME + 1);
  td_avail (&f->td, Q_TX, td_desc (&f->td, Q_TX, TX_GPA, HDR + VIRTIO_NET_MAX_FRAME, 0, false));
  td_avail (&f->td, Q_TX, td_desc (&f->td, Q_TX, TX_GPA, HDR + VIRTIO_NET_MAX_FRAME + 1, 0, false));
  td_kick (&f->td, Q_TX);
  g_assert_cmpuint (td_used_idx (&f->td, Q_TX), ==, 2);
  g_assert_cmpuint (f->sent->len, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (f->sent->pdata[0]), ==, VIRTIO_NET_MAX_FRAME);

  post_rx (f, RX_GPA, HDR + VIRTIO_NET_MAX_FRAME + 1);
  post_rx (f, RX_GPA + 0x20000, HDR + VIRTIO_NET_MAX_FRAME);
  g_assert_cmpuint (virtio_net_receive (f->net, big, VIRTIO_NET_MAX_FRAME + 1), ==, 0);
  /* The buffer was not even taken. */
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 0);
  g_assert_cmpuint (virtio_net_receive (f->net, big, VIRTIO_NET_MAX_FRAME), ==,
                    VIRTIO_NET_MAX_FRAME);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 1);
  g_assert_cmpmem (f->td.ram + RX_GPA + HDR, VIRTIO_NET_MAX_FRAME, big, VIRTIO_NET_MAX_FRAME);

  virtio_net_get_stats (f->net, &stats);
  g_assert_cmpuint (stats.tx_frames, ==, 1);
  g_assert_cmpuint (stats.tx_dropped, ==, 1);
  g_assert_cmpuint (stats.rx_frames, ==, 1);
  g_assert_cmpuint (stats.rx_dropped, ==, 1);
  g_assert_cmpuint (stats.rx_oversize, ==, 1);
}

static void
test_receive (Fixture       *f,
              gconstpointer  data)
{
  uint8_t frame[1514], hdr[HDR] = { 0 };
  VirtioNetStats stats;
  uint32_t id, len;
  uint16_t num_buffers = 1;

  make_frame (frame, sizeof frame, 5);
  memcpy (hdr + 10, &num_buffers, 2);

  /* Before the driver: dropped. */
  g_assert_cmpuint (virtio_net_receive (f->net, frame, 60), ==, 0);
  td_start_queues (&f->td, VIRTIO_ID_NET, F_LINUX, 2);
  post_rx (f, RX_GPA, HDR + 1514);
  td_kick (&f->td, Q_RX);
  g_assert_cmpuint (f->n_rx_ready, ==, 0);
  /* Queues enabled, no DRIVER_OK: the buffer is not touched. */
  g_assert_cmpuint (virtio_net_receive (f->net, frame, 60), ==, 0);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 0);
  /* DRIVER_OK: the transport looks at the queues for the device, which
   * tells the back end there are buffers. */
  td_driver_ok (&f->td);
  g_assert_cmpuint (f->n_rx_ready, ==, 1);

  memset (f->td.ram + RX_GPA, 0xaa, HDR + 1514);
  g_assert_cmpuint (virtio_net_receive (f->net, frame, 60), ==, 60);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 1);
  td_used_elem (&f->td, Q_RX, 0, &id, &len);
  g_assert_cmpuint (len, ==, HDR + 60);
  g_assert_cmpmem (f->td.ram + RX_GPA, HDR, hdr, HDR);
  g_assert_cmpmem (f->td.ram + RX_GPA + HDR, 60, frame, 60);
  g_assert_cmpuint (td_msgs (&f->td, 1 + Q_RX), ==, 1);

  /* No buffer: dropped. */
  g_assert_cmpuint (virtio_net_receive (f->net, frame, 60), ==, 0);

  /* Header and data in two buffers, as a driver may post them. */
  td_avail (&f->td, Q_RX, td_desc (&f->td, Q_RX, RX_GPA + 0x1000, HDR, VIRTQ_DESC_F_WRITE, true));
  td_desc (&f->td, Q_RX, RX_GPA + 0x2000, 1514, VIRTQ_DESC_F_WRITE, false);
  td_kick (&f->td, Q_RX);
  g_assert_cmpuint (f->n_rx_ready, ==, 2);
  g_assert_cmpuint (virtio_net_receive (f->net, frame, 1514), ==, 1514);
  g_assert_cmpmem (f->td.ram + RX_GPA + 0x1000, HDR, hdr, HDR);
  g_assert_cmpmem (f->td.ram + RX_GPA + 0x2000, 1514, frame, 1514);

  /* A buffer too small for the frame: it comes back empty, the frame is
   * dropped. */
  post_rx (f, RX_GPA + 0x4000, HDR + 100);
  g_assert_cmpuint (virtio_net_receive (f->net, frame, 101), ==, 0);
  g_assert_cmpuint (td_used_idx (&f->td, Q_RX), ==, 3);
  td_used_elem (&f->td, Q_RX, 2, &id, &len);
  g_assert_cmpuint (len, ==, 0);

  virtio_net_get_stats (f->net, &stats);
  g_assert_cmpuint (stats.rx_frames, ==, 2);
  g_assert_cmpuint (stats.rx_bytes, ==, 60 + 1514);
  g_assert_cmpuint (stats.rx_dropped, ==, 4);
  g_assert_cmpuint (stats.rx_oversize, ==, 0);

  /* After a reset nothing goes in until the next DRIVER_OK. */
  td_wr (&f->td, f->td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  f->td.q[Q_RX] = (TdQueue) { 0 };
  f->td.q[Q_TX] = (TdQueue) { 0 };
  td_start (&f->td, VIRTIO_ID_NET, F_VERSION_1 | F_MAC, 2);
  post_rx (f, RX_GPA, HDR + 1514);
  g_assert_cmpuint (virtio_net_receive (f->net, frame, 64), ==, 64);
  g_assert_cmpmem (f->td.ram + RX_GPA + HDR, 64, frame, 64);
}

/* Broken rings are the virtqueue layer's to catch: the device needs a
 * reset and nothing reaches the back end. */
static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  uint8_t frame[60];

  make_frame (frame, sizeof frame, 3);
  td_start (&f->td, VIRTIO_ID_NET, F_LINUX, 2);
  /* A transmit buffer running off the end of RAM. */
  td_avail (&f->td, Q_TX, td_desc (&f->td, Q_TX, RAM_SIZE - 30, 72, 0, false));
  td_kick (&f->td, Q_TX);
  g_assert_true (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_cmpuint (f->sent->len, ==, 0);
}

static void
test_malformed_rx (Fixture       *f,
                   gconstpointer  data)
{
  uint8_t frame[60];
  uint16_t head;

  make_frame (frame, sizeof frame, 3);
  td_start (&f->td, VIRTIO_ID_NET, F_LINUX, 2);
  /* A receive chain that loops on itself. */
  head = td_desc (&f->td, Q_RX, RX_GPA, 100, VIRTQ_DESC_F_WRITE, true);
  td_desc (&f->td, Q_RX, RX_GPA + 0x100, 100, VIRTQ_DESC_F_WRITE, false);
  {
    uint16_t next = head, flags = VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT;
    uint8_t *d = f->td.ram + f->td.q[Q_RX].desc + 16 * (head + 1);

    memcpy (d + 12, &flags, 2);
    memcpy (d + 14, &next, 2);
  }
  td_avail (&f->td, Q_RX, head);
  g_assert_cmpuint (virtio_net_receive (f->net, frame, sizeof frame), ==, 0);
  g_assert_true (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* And stays refused until a reset. */
  post_rx (f, RX_GPA + 0x1000, HDR + 1514);
  g_assert_cmpuint (virtio_net_receive (f->net, frame, sizeof frame), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/virtio-net/no-mac", test_no_mac);
#define ADD(name, func) \
  g_test_add ("/vmm/virtio-net/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("config", test_config);
  ADD ("transmit", test_transmit);
  ADD ("receive", test_receive);
  ADD ("oversize", test_oversize);
  ADD ("malformed-tx", test_malformed);
  ADD ("malformed-rx", test_malformed_rx);
#undef ADD
  return g_test_run ();
}
