/* test-guest-id.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-test-utils.h"

static void
test_name_valid (void)
{
  const char *good[] = { "a", "web", "Web-01", "a_b.c", "x.y.z", "...", "-dash",
                         "0123456789012345678901234567890123456789012345678901234567890123" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (gh_guest_name_validate (good[i], &error));
      g_assert_no_error (error);
    }
}

static void
test_name_invalid (void)
{
  const char *bad[] = { "", ".", "..", "a/b", "a b", "é", "a\nb", "a:b", "a,b", "*", "$(x)",
                        "01234567890123456789012345678901234567890123456789012345678901234" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (gh_guest_name_validate (bad[i], &error));
      g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_NAME);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (gh_guest_name_validate (NULL, &error));
    g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_NAME);
  }
}

static void
test_uuid (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *bad[] = { "", "x", "0a0b0c0d-0000-0000-0000-00000000000",
                        "0a0b0c0d-0000-0000-0000-0000000000000", "0a0b0c0d00000000000000000000000000" ,
                        "0a0b0c0d-0000-0000-0000-00000000000g" };

  for (guint i = 0; i < 1000; i++)
    {
      char *uuid = gh_guest_uuid_generate ();

      g_assert_cmpuint (strlen (uuid), ==, 36);
      g_assert_true (gh_guest_uuid_validate (uuid, NULL));
      for (const char *p = uuid; *p; p++)
        g_assert_false (g_ascii_isupper (*p));
      g_assert_true (g_hash_table_add (seen, uuid));
    }

  g_assert_true (gh_guest_uuid_validate ("0A0B0C0D-0000-4000-8000-000000000001", NULL));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (gh_guest_uuid_validate (bad[i], &error));
      g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_UUID);
    }
}

static void
test_mac_parse (void)
{
  struct { const char *in; const char *out; } good[] = {
    { "0a:67:68:00:00:01", "0a:67:68:00:00:01" },
    { "0A:67:68:AB:CD:EF", "0a:67:68:ab:cd:ef" },
    { "52-54-00-12-34-56", "52:54:00:12:34:56" },
  };
  const char *bad[] = { "", "0a:67:68:00:00", "0a:67:68:00:00:01:02", "0a:67:68:00:00:0g",
                        "0a-67:68:00:00:01", "0a.67.68.00.00.01", " a:67:68:00:00:01",
                        "0a:67:68:00:00:1 ", "0a:67:68:00:001" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *mac = gh_mac_normalize (good[i].in, NULL);
      g_assert_cmpstr (mac, ==, good[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *mac = gh_mac_normalize (bad[i], &error);

      g_assert_null (mac);
      g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_MAC);
    }
}

static void
test_mac_manual (void)
{
  g_autoptr(GHashTable) in_use = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = NULL;
  g_autofree char *taken = NULL;
  g_autofree char *multicast = NULL;
  g_autofree char *broadcast = NULL;
  g_autofree char *zero = NULL;
  g_autofree char *malformed = NULL;

  g_hash_table_add (in_use, (char *) "0a:67:68:00:00:01");

  ok = gh_mac_validate_manual ("52:54:00:AA:BB:CC", in_use, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ok, ==, "52:54:00:aa:bb:cc");

  /* In use by another guest, whatever the letter case or separator. */
  taken = gh_mac_validate_manual ("0A-67-68-00-00-01", in_use, &error);
  g_assert_null (taken);
  g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_MAC_IN_USE);
  g_clear_error (&error);

  multicast = gh_mac_validate_manual ("01:00:5e:00:00:01", in_use, &error);
  g_assert_null (multicast);
  g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_MAC_NOT_UNICAST);
  g_clear_error (&error);

  broadcast = gh_mac_validate_manual ("ff:ff:ff:ff:ff:ff", in_use, &error);
  g_assert_null (broadcast);
  g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_MAC_NOT_UNICAST);
  g_clear_error (&error);

  zero = gh_mac_validate_manual ("00:00:00:00:00:00", in_use, &error);
  g_assert_null (zero);
  g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_MAC);
  g_clear_error (&error);

  malformed = gh_mac_validate_manual ("hello", in_use, &error);
  g_assert_null (malformed);
  g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_MAC);
}

static void
test_mac_allocate_unique (void)
{
  g_autoptr(GHashTable) in_use = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* 10,000 allocations, each checked against all before it, as define does. */
  for (guint i = 0; i < 10000; i++)
    {
      g_autoptr(GError) error = NULL;
      char *mac = gh_mac_allocate (in_use, NULL, &error);
      guint8 bytes[6];

      g_assert_no_error (error);
      g_assert_nonnull (mac);
      g_assert_true (g_str_has_prefix (mac, GH_MAC_PREFIX ":"));
      g_assert_true (gh_mac_parse (mac, bytes, NULL));
      g_assert_cmpint (bytes[0] & 0x01, ==, 0);  /* unicast */
      g_assert_cmpint (bytes[0] & 0x02, ==, 0x02);  /* locally administered */
      g_assert_true (g_hash_table_add (in_use, mac));
    }

  g_assert_cmpuint (g_hash_table_size (in_use), ==, 10000);
}

static void
test_mac_allocate_redraw (void)
{
  g_autoptr(GHashTable) in_use = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GRand) replay = g_rand_new_with_seed (42);
  g_autofree char *mac = NULL;

  /* Take the first 64 addresses this seed would draw: the allocator must walk past them. */
  for (guint i = 0; i < 64; i++)
    {
      guint32 low = g_rand_int (replay) & (GH_MAC_POOL_SIZE - 1);

      g_hash_table_add (in_use, g_strdup_printf ("%s:%02x:%02x:%02x", GH_MAC_PREFIX,
                                                 (low >> 16) & 0xff, (low >> 8) & 0xff,
                                                 low & 0xff));
    }

  mac = gh_mac_allocate (in_use, rand, NULL);
  g_assert_nonnull (mac);
  g_assert_false (g_hash_table_contains (in_use, mac));
  g_assert_true (g_str_has_prefix (mac, GH_MAC_PREFIX ":"));
}

static void
test_domain_id (void)
{
  const guint none[] = { 0 };
  const guint one[] = { 1 };
  const guint gap[] = { 1, 2, 4, 5 };
  const guint unordered[] = { 3, 1, 2 };
  const guint high[] = { 7, 9, 100 };

  g_assert_cmpuint (gh_domain_id_allocate (none, 0), ==, 1);
  g_assert_cmpuint (gh_domain_id_allocate (NULL, 0), ==, 1);
  g_assert_cmpuint (gh_domain_id_allocate (one, 1), ==, 2);
  g_assert_cmpuint (gh_domain_id_allocate (gap, G_N_ELEMENTS (gap)), ==, 3);
  g_assert_cmpuint (gh_domain_id_allocate (unordered, G_N_ELEMENTS (unordered)), ==, 4);
  g_assert_cmpuint (gh_domain_id_allocate (high, G_N_ELEMENTS (high)), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/guest-id/name-valid", test_name_valid);
  g_test_add_func ("/core/guest-id/name-invalid", test_name_invalid);
  g_test_add_func ("/core/guest-id/uuid", test_uuid);
  g_test_add_func ("/core/guest-id/mac-parse", test_mac_parse);
  g_test_add_func ("/core/guest-id/mac-manual", test_mac_manual);
  g_test_add_func ("/core/guest-id/mac-allocate-unique", test_mac_allocate_unique);
  g_test_add_func ("/core/guest-id/mac-allocate-redraw", test_mac_allocate_redraw);
  g_test_add_func ("/core/guest-id/domain-id", test_domain_id);

  return g_test_run ();
}
