/* test-net-tap.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net-tap.h"

/* The TAP back end on a real interface: it creates one (which needs
 * CAP_NET_ADMIN; skipped without), brings it up, and plays the host's
 * network with a packet socket bound to it. Frames the back end writes
 * come out of the interface; frames sent into the interface come back to
 * the back end whole, without packet information or virtio header. */

#define ETHERTYPE_TEST 0x88b5     /* IEEE local experimental */

typedef struct
{
  GByteArray *got;
  unsigned    n;
} Received;

static char ifname[IFNAMSIZ];

static void
on_frame (void          *opaque,
          const uint8_t *frame,
          size_t         len)
{
  Received *r = opaque;

  /* The kernel puts frames of its own (IPv6 neighbour discovery) on a new
   * interface: only ours count. */
  if (len < 14 || frame[12] != (ETHERTYPE_TEST >> 8) || frame[13] != (ETHERTYPE_TEST & 0xff))
    return;
  r->n++;
  g_byte_array_set_size (r->got, 0);
  g_byte_array_append (r->got, frame, (guint) len);
}

static void
make_frame (uint8_t *buf,
            size_t   len,
            uint8_t  seed)
{
  static const uint8_t src[6] = { 0x0a, 0x67, 0x68, 0, 0, 1 };

  memset (buf, 0xff, 6);
  memcpy (buf + 6, src, 6);
  buf[12] = ETHERTYPE_TEST >> 8;
  buf[13] = ETHERTYPE_TEST & 0xff;
  for (size_t i = 14; i < len; i++)
    buf[i] = (uint8_t) (i + seed);
}

static int
packet_socket (void)
{
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons (ETHERTYPE_TEST) };
  int fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (ETHERTYPE_TEST));

  g_assert_cmpint (fd, >=, 0);
  sll.sll_ifindex = (int) if_nametoindex (ifname);
  g_assert_cmpint (sll.sll_ifindex, >, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sll, sizeof sll), ==, 0);
  return fd;
}

static void
set_up (int up)
{
  struct ifreq ifr = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_strlcpy (ifr.ifr_name, ifname, sizeof ifr.ifr_name);
  g_assert_cmpint (ioctl (fd, SIOCGIFFLAGS, &ifr), ==, 0);
  if (up)
    ifr.ifr_flags |= IFF_UP;
  else
    ifr.ifr_flags &= ~IFF_UP;
  g_assert_cmpint (ioctl (fd, SIOCSIFFLAGS, &ifr), ==, 0);
  close (fd);
}

static void
test_frames (gconstpointer data)
{
  NetTap *tap = (NetTap *) data;
  Received r = { g_byte_array_new (), 0 };
  uint8_t out[1514], in[1514], buf[2048];
  struct pollfd pfd;
  int sock;
  ssize_t n;

  set_up (1);
  sock = packet_socket ();

  /* Guest to network. */
  make_frame (out, sizeof out, 1);
  net_tap_transmit (tap, out, sizeof out);
  pfd = (struct pollfd) { .fd = sock, .events = POLLIN };
  g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);
  n = recv (sock, buf, sizeof buf, 0);
  g_assert_cmpint (n, ==, sizeof out);
  g_assert_cmpmem (buf, n, out, sizeof out);

  /* Network to guest. */
  make_frame (in, 100, 7);
  g_assert_cmpint (send (sock, in, 100, 0), ==, 100);
  pfd = (struct pollfd) { .fd = net_tap_get_fd (tap), .events = POLLIN };
  for (int tries = 0; r.n == 0 && tries < 50; tries++)
    {
      g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);
      net_tap_read (tap, on_frame, &r);
    }
  g_assert_cmpuint (r.n, ==, 1);
  g_assert_cmpmem (r.got->data, r.got->len, in, 100);

  /* Nothing of ours waiting: a read hands nothing on and does not block. */
  r.n = 0;
  net_tap_read (tap, on_frame, &r);
  g_assert_cmpuint (r.n, ==, 0);

  /* Down: writes are dropped, not blocking or failing the caller. */
  set_up (0);
  net_tap_transmit (tap, out, sizeof out);
  close (sock);
  g_byte_array_unref (r.got);
}

static void
test_bad_name (void)
{
  char error[256] = "";

  g_assert_null (net_tap_open ("", error, sizeof error));
  g_assert_nonnull (strstr (error, "interface name"));
  g_assert_null (net_tap_open ("0123456789abcdefg", error, sizeof error));
}

int
main (int   argc,
      char *argv[])
{
  char error[256] = "";
  NetTap *tap;
  bool tapmode = false;
  int ret;

  for (int i = 1; i < argc; i++)
    tapmode |= strcmp (argv[i], "--tap") == 0;
  g_snprintf (ifname, sizeof ifname, "ghtest%u", (unsigned) getpid () % 100000);
  tap = net_tap_open (ifname, error, sizeof error);
  if (tap == NULL)
    {
      /* No CAP_NET_ADMIN or no /dev/net/tun: nothing to test here. */
      if (tapmode)
        {
          printf ("1..0 # SKIP %s\n", error);
          return 0;
        }
      fprintf (stderr, "skipped: %s\n", error);
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/vmm/net-tap/frames", tap, test_frames);
  g_test_add_func ("/vmm/net-tap/bad-name", test_bad_name);
  ret = g_test_run ();
  /* A non-persistent TAP interface goes away with its last descriptor. */
  net_tap_free (tap);
  return ret;
}
