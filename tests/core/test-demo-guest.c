/* test-demo-guest.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "gh-test-utils.h"

static void
test_defined_once (void)
{
  g_autofree char *root = gh_test_make_root ();
  g_autofree char *image = g_build_filename (root, "demo.elf", NULL);
  g_autoptr(GhGuestStore) store = gh_test_store_new (root, NULL);
  g_autoptr(GError) error = NULL;
  GhGuestConfig *config;
  GhGuest *guest;

  g_assert_true (g_file_set_contents (image, "not really a kernel", -1, NULL));
  g_setenv ("GUESTHOUSE_DEMO_GUEST", image, TRUE);

  /* First run: an empty store gets the demo. */
  guest = gh_demo_guest_define_once (store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (guest);
  config = gh_guest_get_config (guest);
  g_assert_cmpstr (gh_guest_config_get_name (config), ==, "demo");
  g_assert_cmpstr (gh_guest_config_get_kernel (config), ==, image);
  g_assert_cmpuint (gh_guest_config_get_memory_mib (config), ==, 128);
  g_assert_cmpuint (gh_guest_config_get_max_memory_mib (config), ==, 256);
  g_assert_true (gh_guest_config_get_display (config));
  g_assert_cmpuint (gh_guest_config_get_n_nics (config), ==, 0);

  /* Never twice, and not again once the person deleted it. */
  g_assert_null (gh_demo_guest_define_once (store, &error));
  g_assert_no_error (error);
  g_assert_true (gh_guest_store_undefine (store, "demo", FALSE, &error));
  g_assert_no_error (error);
  g_assert_null (gh_demo_guest_define_once (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  g_unsetenv ("GUESTHOUSE_DEMO_GUEST");
  gh_test_remove_root (root);
}

static void
test_not_over_existing_guests (void)
{
  g_autofree char *root = gh_test_make_root ();
  g_autofree char *image = g_build_filename (root, "demo.elf", NULL);
  g_autoptr(GhGuestStore) store = gh_test_store_new (root, NULL);
  g_autoptr(GhGuestConfig) mine = gh_guest_config_new ("mine");
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (image, "x", -1, NULL));
  gh_guest_config_set_kernel (mine, image);
  g_assert_nonnull (gh_guest_store_define (store, mine, &error));

  /* Someone with guests of their own is not on a first run. */
  g_setenv ("GUESTHOUSE_DEMO_GUEST", image, TRUE);
  g_assert_null (gh_demo_guest_define_once (store, &error));
  g_assert_no_error (error);
  g_assert_null (gh_guest_store_lookup (store, "demo"));

  /* An empty variable turns the demo off; a missing image means none. */
  g_setenv ("GUESTHOUSE_DEMO_GUEST", "", TRUE);
  g_assert_null (gh_demo_guest_find_image ());
  g_setenv ("GUESTHOUSE_DEMO_GUEST", "/nonexistent/demo.elf", TRUE);
  g_assert_null (gh_demo_guest_find_image ());

  g_unsetenv ("GUESTHOUSE_DEMO_GUEST");
  gh_test_remove_root (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/demo-guest/defined-once", test_defined_once);
  g_test_add_func ("/core/demo-guest/not-over-existing-guests", test_not_over_existing_guests);
  return g_test_run ();
}
