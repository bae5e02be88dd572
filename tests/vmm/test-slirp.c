/* test-slirp.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/slirp-module.h"
#include "virtio/virtio-net.h"
#include "virtio-test-driver.h"

/* The real user-mode network module behind virtio-net, as the VMM wires
 * them: the guest's DHCP DISCOVER goes out through the transmit queue,
 * libslirp answers on its own thread and the OFFER lands in a receive
 * buffer; a host port forward listens on the loopback only and reaches
 * the guest. Skipped (77, or a TAP skip plan) without the module. */

#define RAM_SIZE     (4u << 20)
#define RX_GPA       0x200000u
#define TX_GPA       0x300000u
#define RX_BUF       (VIRTIO_NET_HDR_SIZE + 1514)
#define N_RX         32
#define Q_RX         VIRTIO_NET_RX_QUEUE
#define Q_TX         VIRTIO_NET_TX_QUEUE
#define HDR          VIRTIO_NET_HDR_SIZE

#define F_NET        (VIRTIO_FEATURE (VIRTIO_F_VERSION_1) | VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX) \
                      | VIRTIO_FEATURE (VIRTIO_NET_F_MAC) | VIRTIO_FEATURE (VIRTIO_NET_F_STATUS))

static const GhSlirpModule *module;
static const uint8_t guest_mac[6] = { 0x0a, 0x67, 0x68, 0x01, 0x02, 0x03 };

typedef struct
{
  TestDriver  td;
  VirtioNet  *net;
  GhSlirp    *slirp;
  uint16_t    rx_seen;
} Fixture;

static void
to_slirp (void          *opaque,
          const uint8_t *frame,
          size_t         len)
{
  Fixture *f = opaque;

  module->transmit (f->slirp, frame, len);
}

static void
to_guest (void          *opaque,
          const uint8_t *frame,
          size_t         len)
{
  Fixture *f = opaque;

  virtio_net_receive (f->net, frame, len);
}

static void
fixture_start (Fixture             *f,
               const GhSlirpConfig *config)
{
  NetBackend backend = { to_slirp, NULL, NULL };
  GhSlirpCallbacks callbacks = { 0 };
  char error[256] = "";

  memset (f, 0, sizeof *f);
  backend.opaque = f;
  td_init (&f->td, RAM_SIZE);
  f->net = virtio_net_new (&f->td.mem, guest_mac, &backend);
  g_assert_nonnull (f->net);
  td_attach (&f->td, virtio_net_get_device (f->net));
  td_start (&f->td, VIRTIO_ID_NET, F_NET, 2);
  for (unsigned i = 0; i < N_RX; i++)
    td_avail (&f->td, Q_RX, td_desc (&f->td, Q_RX, RX_GPA + (uint64_t) i * 0x800, RX_BUF,
                                     VIRTQ_DESC_F_WRITE, false));
  td_kick (&f->td, Q_RX);

  callbacks.opaque = f;
  callbacks.receive = to_guest;
  f->slirp = module->start (config, &callbacks, error, sizeof error);
  if (f->slirp == NULL)
    g_error ("%s", error);
}

static void
fixture_stop (Fixture *f)
{
  /* The network first: its thread calls into the device. */
  module->stop (f->slirp);
  td_detach (&f->td);
  virtio_net_free (f->net);
  td_free_ram (&f->td);
}

static void
send_frame (Fixture       *f,
            const uint8_t *frame,
            size_t         len)
{
  memset (f->td.ram + TX_GPA, 0, HDR);
  memcpy (f->td.ram + TX_GPA + HDR, frame, len);
  td_avail (&f->td, Q_TX, td_desc (&f->td, Q_TX, TX_GPA, (uint32_t) (HDR + len), 0, false));
  td_kick (&f->td, Q_TX);
}

/* Waits for the next frame into the guest; its bytes (without the
 * header) and length. */
static const uint8_t *
next_frame (Fixture  *f,
            uint32_t *len)
{
  uint32_t id;

  td_wait_used (&f->td, Q_RX, (uint16_t) (f->rx_seen + 1));
  td_used_elem (&f->td, Q_RX, f->rx_seen, &id, len);
  f->rx_seen++;
  g_assert_cmpuint (id, <, N_RX);
  g_assert_cmpuint (*len, >=, HDR + 14);
  *len -= HDR;
  return f->td.ram + RX_GPA + (uint64_t) id * 0x800 + HDR;
}

static uint16_t
ip_checksum (const uint8_t *p,
             size_t         len)
{
  uint32_t sum = 0;

  for (size_t i = 0; i + 1 < len; i += 2)
    sum += (uint32_t) (p[i] << 8 | p[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t) ~sum;
}

/* Ethernet + IPv4 + UDP 68 → 67 + a 300-byte BOOTP DHCPDISCOVER. */
static size_t
make_discover (uint8_t  *buf,
               uint32_t  xid)
{
  const size_t bootp_len = 300, udp_len = 8 + bootp_len, ip_len = 20 + udp_len;
  uint8_t *ip = buf + 14, *udp = ip + 20, *bp = udp + 8;
  uint16_t sum;

  memset (buf, 0, 14 + ip_len);
  memset (buf, 0xff, 6);
  memcpy (buf + 6, guest_mac, 6);
  buf[12] = 0x08;
  ip[0] = 0x45;
  ip[2] = (uint8_t) (ip_len >> 8);
  ip[3] = (uint8_t) ip_len;
  ip[8] = 64;
  ip[9] = 17;
  memset (ip + 16, 0xff, 4);
  sum = ip_checksum (ip, 20);
  ip[10] = (uint8_t) (sum >> 8);
  ip[11] = (uint8_t) sum;
  udp[1] = 68;
  udp[3] = 67;
  udp[4] = (uint8_t) (udp_len >> 8);
  udp[5] = (uint8_t) udp_len;
  bp[0] = 1;                    /* BOOTREQUEST */
  bp[1] = 1;                    /* Ethernet */
  bp[2] = 6;
  memcpy (bp + 4, &xid, 4);
  memcpy (bp + 28, guest_mac, 6);
  bp[236] = 99;                 /* the magic cookie */
  bp[237] = 130;
  bp[238] = 83;
  bp[239] = 99;
  bp[240] = 53;                 /* DHCP message type: DISCOVER */
  bp[241] = 1;
  bp[242] = 1;
  bp[243] = 255;
  return 14 + ip_len;
}

static void
test_dhcp (void)
{
  GhSlirpConfig config = { 0 };
  uint8_t discover[400];
  const uint8_t *frame, *ip, *udp, *bp;
  uint32_t len, xid = 0x12345678;
  char yiaddr[INET_ADDRSTRLEN];
  bool offer = false;
  Fixture f;

  fixture_start (&f, &config);
  send_frame (&f, discover, make_discover (discover, xid));

  frame = next_frame (&f, &len);
  /* To the guest, or broadcast: it has no address yet. */
  g_assert_true (memcmp (frame, guest_mac, 6) == 0
                 || memcmp (frame, "\xff\xff\xff\xff\xff\xff", 6) == 0);
  g_assert_cmphex (frame[12] << 8 | frame[13], ==, 0x0800);
  ip = frame + 14;
  g_assert_cmpuint (ip[9], ==, 17);
  udp = ip + 4 * (ip[0] & 0xf);
  g_assert_cmpuint (udp[0] << 8 | udp[1], ==, 67);
  g_assert_cmpuint (udp[2] << 8 | udp[3], ==, 68);
  bp = udp + 8;
  g_assert_cmpuint ((size_t) (bp - frame) + 244, <=, len);
  g_assert_cmpuint (bp[0], ==, 2);       /* BOOTREPLY */
  g_assert_cmpmem (bp + 4, 4, &xid, 4);
  inet_ntop (AF_INET, bp + 16, yiaddr, sizeof yiaddr);
  g_assert_cmpstr (yiaddr, ==, "10.0.2.15");
  g_assert_cmpmem (bp + 236, 4, ((uint8_t[]) { 99, 130, 83, 99 }), 4);
  for (size_t o = (size_t) (bp - frame) + 240; o + 2 < len && frame[o] != 255;)
    {
      if (frame[o] == 0)
        {
          o++;
          continue;
        }
      if (frame[o] == 53 && frame[o + 1] == 1)
        offer = frame[o + 2] == 2;      /* DHCPOFFER */
      o += 2 + frame[o + 1];
    }
  g_assert_true (offer);
  fixture_stop (&f);
}

/* Whether something listens on addr:port (network byte order address, as
 * /proc/net/tcp prints it in host order hex). */
static bool
tcp_listening (const char *addr_hex,
               uint16_t    port)
{
  g_autofree char *text = NULL;
  g_autofree char *want = g_strdup_printf ("%s:%04X", addr_hex, port);
  g_auto (GStrv) lines = NULL;

  g_assert_true (g_file_get_contents ("/proc/net/tcp", &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (unsigned i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      GPtrArray *v = g_ptr_array_new ();
      bool match;

      for (unsigned j = 0; fields[j] != NULL; j++)
        if (fields[j][0] != '\0')
          g_ptr_array_add (v, fields[j]);
      match = v->len > 3 && strcmp (v->pdata[1], want) == 0 && strcmp (v->pdata[3], "0A") == 0;
      g_ptr_array_free (v, TRUE);
      if (match)
        return true;
    }
  return false;
}

static uint16_t
free_port (void)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t sl = sizeof sin;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  uint16_t port;

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sin, &sl), ==, 0);
  port = ntohs (sin.sin_port);
  close (fd);
  return port;
}

/* A host connection to the forwarded port reaches the guest: slirp first
 * asks who has 10.0.2.15 (it has not seen the guest yet) or sends the SYN
 * to port 22 straight away. */
static void
test_hostfwd (void)
{
  GhSlirpConfig config = { 0 };
  struct sockaddr_in sin = { .sin_family = AF_INET };
  uint16_t port = free_port ();
  const uint8_t *frame;
  uint32_t len;
  Fixture f;
  int fd;

  config.n_hostfwd = 1;
  config.hostfwd[0].host_port = port;
  config.hostfwd[0].guest_port = 22;
  fixture_start (&f, &config);
  /* 127.0.0.1 only, never the wildcard. */
  g_assert_true (tcp_listening ("0100007F", port));
  g_assert_false (tcp_listening ("00000000", port));

  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  sin.sin_port = htons (port);
  connect (fd, (struct sockaddr *) &sin, sizeof sin);

  frame = next_frame (&f, &len);
  if ((frame[12] << 8 | frame[13]) == 0x0806)
    {
      /* ARP request for 10.0.2.15. */
      g_assert_cmpuint (len, >=, 42);
      g_assert_cmpuint (frame[21], ==, 1);
      g_assert_cmpmem (frame + 38, 4, ((uint8_t[]) { 10, 0, 2, 15 }), 4);
    }
  else
    {
      const uint8_t *ip = frame + 14, *tcp;

      g_assert_cmphex (frame[12] << 8 | frame[13], ==, 0x0800);
      g_assert_cmpuint (ip[9], ==, 6);
      g_assert_cmpmem (ip + 16, 4, ((uint8_t[]) { 10, 0, 2, 15 }), 4);
      tcp = ip + 4 * (ip[0] & 0xf);
      g_assert_cmpuint (tcp[2] << 8 | tcp[3], ==, 22);
      g_assert_true (tcp[13] & 0x02);   /* SYN */
    }
  close (fd);
  fixture_stop (&f);
  /* Stopped: the port is closed. */
  g_assert_false (tcp_listening ("0100007F", port));
}

/* A forward that cannot bind fails start with a sentence. */
static void
test_hostfwd_busy (void)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  GhSlirpCallbacks callbacks = { .receive = to_guest };
  GhSlirpConfig config = { 0 };
  socklen_t sl = sizeof sin;
  char error[256] = "";
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (fd, 1), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sin, &sl), ==, 0);
  config.n_hostfwd = 1;
  config.hostfwd[0].host_port = ntohs (sin.sin_port);
  config.hostfwd[0].guest_port = 80;
  g_assert_null (module->start (&config, &callbacks, error, sizeof error));
  g_assert_nonnull (strstr (error, "cannot forward"));
  close (fd);
}

int
main (int   argc,
      char *argv[])
{
  char error[512] = "";
  bool tap = false;

  for (int i = 1; i < argc; i++)
    tap |= strcmp (argv[i], "--tap") == 0;
  if (g_getenv ("GUESTHOUSE_SLIRP_MODULE") == NULL
      || (module = slirp_module_load (error, sizeof error)) == NULL)
    {
      /* meson's TAP reader takes a skip plan, not 77. */
      if (tap)
        {
          printf ("1..0 # SKIP no user-mode networking module %s\n", error);
          return 0;
        }
      fprintf (stderr, "skipped: no user-mode networking module %s\n", error);
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/slirp/dhcp", test_dhcp);
  g_test_add_func ("/vmm/slirp/hostfwd", test_hostfwd);
  g_test_add_func ("/vmm/slirp/hostfwd-busy", test_hostfwd_busy);
  return g_test_run ();
}
