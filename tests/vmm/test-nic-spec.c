/* test-nic-spec.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "net/nic-spec.h"

/* --nic parsing: what is taken, what is refused and why, and the MAC a
 * guest gets without mac=. */

static void
test_parse_ok (void)
{
  static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
  char error[256] = "";
  NicSpec spec;

  g_assert_cmpint (nic_spec_parse ("", &spec, error, sizeof error), ==, 0);
  g_assert_false (spec.has_mac);
  g_assert_cmpint (spec.net, ==, NIC_NET_USER);
  g_assert_cmpuint (spec.n_hostfwd, ==, 0);

  g_assert_cmpint (nic_spec_parse ("net=user", &spec, error, sizeof error), ==, 0);
  g_assert_cmpint (spec.net, ==, NIC_NET_USER);

  g_assert_cmpint (nic_spec_parse ("mac=52:54:00:AB:cd:ef,net=user,hostfwd=tcp:2222-:22,"
                                   "hostfwd=tcp:8080-:80", &spec, error, sizeof error), ==, 0);
  g_assert_true (spec.has_mac);
  g_assert_cmpmem (spec.mac, 6, mac, 6);
  g_assert_cmpuint (spec.n_hostfwd, ==, 2);
  g_assert_cmpuint (spec.hostfwd[0].host_port, ==, 2222);
  g_assert_cmpuint (spec.hostfwd[0].guest_port, ==, 22);
  g_assert_cmpuint (spec.hostfwd[1].host_port, ==, 8080);
  g_assert_cmpuint (spec.hostfwd[1].guest_port, ==, 80);

  /* hostfwd implies net=user. */
  g_assert_cmpint (nic_spec_parse ("hostfwd=tcp:65535-:1", &spec, error, sizeof error), ==, 0);
  g_assert_cmpuint (spec.hostfwd[0].host_port, ==, 65535);

  /* The app's spelling. */
  g_assert_cmpint (nic_spec_parse ("user,model=virtio", &spec, error, sizeof error), ==, 0);
  g_assert_cmpint (spec.net, ==, NIC_NET_USER);

  g_assert_cmpint (nic_spec_parse ("tap=tap0", &spec, error, sizeof error), ==, 0);
  g_assert_cmpint (spec.net, ==, NIC_NET_TAP);
  g_assert_cmpstr (spec.tap, ==, "tap0");
  g_assert_cmpint (nic_spec_parse ("mac=52-54-00-ab-cd-ef,tap=gh-guest.0", &spec, error,
                                   sizeof error), ==, 0);
  g_assert_cmpmem (spec.mac, 6, mac, 6);
  g_assert_cmpstr (spec.tap, ==, "gh-guest.0");
}

static void
test_parse_bad (void)
{
  static const struct
  {
    const char *text;
    const char *error;          /* part of the message */
  } cases[] = {
    { "mac=01:00:5e:00:00:01", "unicast" },         /* multicast */
    { "mac=ff:ff:ff:ff:ff:ff", "unicast" },
    { "mac=52:54:00:ab:cd", "not a unicast MAC" },
    { "mac=52:54:00:ab:cd:eff", "not a unicast MAC" },
    { "mac=52:54:00:ab:cd:eg", "not a unicast MAC" },
    { "mac=52:54-00:ab:cd:ef", "not a unicast MAC" }, /* mixed separators */
    { "mac=52:54:00:ab:cd:ef,mac=52:54:00:ab:cd:ef", "twice" },
    { "net=tap", "net=user" },
    { "net=user,net=user", "twice" },
    { "net", "KEY=VALUE" },
    { "foo=bar", "unknown" },
    { "model=e1000", "only model is virtio" },
    { "tap", "KEY=VALUE" },
    { "net=user,", "trailing comma" },
    { "hostfwd=udp:53-:53", "hostfwd=tcp" },
    { "hostfwd=tcp:0-:22", "ports 1 to 65535" },
    { "hostfwd=tcp:65536-:22", "ports 1 to 65535" },
    { "hostfwd=tcp:2222-:", "hostfwd=tcp" },
    { "hostfwd=tcp:2222:22", "hostfwd=tcp" },
    { "hostfwd=tcp:2222-10.0.2.15:22", "hostfwd=tcp" },
    { "hostfwd=tcp:22x2-:22", "hostfwd=tcp" },
    { "hostfwd=tcp:2222-:22,hostfwd=tcp:2222-:23", "forwarded twice" },
    { "tap=", "interface name" },
    { "tap=a/b", "interface name" },
    { "tap=0123456789abcdef", "interface name" },     /* 16 characters */
    { "tap=tap0,net=user", "cannot go with" },
    { "hostfwd=tcp:1-:1,tap=tap0", "cannot go with" },
  };
  char many[512] = "";
  NicSpec spec;

  for (unsigned i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char error[256] = "";

      g_test_message ("%s", cases[i].text);
      g_assert_cmpint (nic_spec_parse (cases[i].text, &spec, error, sizeof error), ==, -1);
      g_assert_nonnull (strstr (error, cases[i].error));
    }

  for (unsigned i = 0; i <= NIC_MAX_HOSTFWD; i++)
    g_snprintf (many + strlen (many), sizeof many - strlen (many), "%shostfwd=tcp:%u-:22",
                i > 0 ? "," : "", 2000 + i);
  {
    char error[256] = "";

    g_assert_cmpint (nic_spec_parse (many, &spec, error, sizeof error), ==, -1);
    g_assert_nonnull (strstr (error, "more than"));
  }
}

static void
test_parse_mac (void)
{
  uint8_t mac[6];

  g_assert_true (nic_parse_mac ("02:00:00:00:00:00", mac));
  g_assert_cmphex (mac[0], ==, 2);
  g_assert_false (nic_parse_mac ("03:00:00:00:00:00", mac));
  g_assert_false (nic_parse_mac ("", mac));
  g_assert_false (nic_parse_mac ("020000000000", mac));
  g_assert_false (nic_parse_mac ("02:00:00:00:00:00 ", mac));
}

static void
test_default_mac (void)
{
  const char *uuid = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";
  uint8_t a[6], b[6], c[6], d[6];
  NicSpec spec;
  char error[64];

  nic_default_mac (uuid, 0, a);
  /* Stable: the same UUID, any case, the same MAC; a known value, so that
   * a change of the hash (and of every guest's MAC) shows here. */
  nic_default_mac ("6F1C2A9E-3B4D-4E5F-8A7B-9C0D1E2F3A4B", 0, b);
  g_assert_cmpmem (a, 6, b, 6);
  g_assert_cmphex (a[0], ==, 0x0a);
  g_assert_cmphex (a[1], ==, 0x67);
  g_assert_cmphex (a[2], ==, 0x68);
  g_test_message ("default MAC %02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
  /* Locally administered, unicast. */
  g_assert_cmphex (a[0] & 3, ==, 2);

  /* The next card, another guest: other MACs. */
  nic_default_mac (uuid, 1, c);
  g_assert_cmpint (memcmp (a, c, 6), !=, 0);
  nic_default_mac ("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4c", 0, d);
  g_assert_cmpint (memcmp (a, d, 6), !=, 0);

  g_assert_cmpint (nic_spec_parse ("net=user", &spec, error, sizeof error), ==, 0);
  nic_spec_get_mac (&spec, uuid, 0, b);
  g_assert_cmpmem (a, 6, b, 6);
  g_assert_cmpint (nic_spec_parse ("mac=02:11:22:33:44:55", &spec, error, sizeof error), ==, 0);
  nic_spec_get_mac (&spec, uuid, 0, b);
  g_assert_cmphex (b[5], ==, 0x55);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/nic-spec/parse-ok", test_parse_ok);
  g_test_add_func ("/vmm/nic-spec/parse-bad", test_parse_bad);
  g_test_add_func ("/vmm/nic-spec/parse-mac", test_parse_mac);
  g_test_add_func ("/vmm/nic-spec/default-mac", test_default_mac);
  return g_test_run ();
}
