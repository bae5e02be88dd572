/* test-guest.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-test-utils.h"

static void
test_new_destroy (void)
{
  g_autofree char *root = gh_test_make_root ();
  g_autoptr(GhGuestStore) store = gh_test_store_new (root, NULL);
  g_autoptr(GhGuestConfig) config = gh_test_config_new ("web");
  g_autoptr(GError) error = NULL;
  g_autofree char *control = NULL;
  GhGuest *guest;

  guest = gh_guest_store_define (store, config, &error);
  g_assert_no_error (error);
  g_object_ref (guest);

  g_assert_cmpstr (gh_guest_get_name (guest), ==, "web");
  g_assert_cmpint (gh_guest_get_state (guest), ==, GH_GUEST_STATE_SHUT_OFF);
  g_assert_false (gh_guest_is_active (guest));
  g_assert_cmpuint (gh_guest_get_domain_id (guest), ==, 0);
  g_assert_cmpint (gh_guest_get_pid (guest), ==, 0);
  g_assert_null (gh_guest_get_config_error (guest));
  g_assert_nonnull (gh_guest_get_config (guest));
  control = gh_guest_dup_runtime_path (guest, GH_RUNTIME_CONTROL);
  g_assert_true (g_str_has_suffix (control, "/run/guesthouse/web/control"));
  g_assert_cmpstr (gh_guest_state_to_string (GH_GUEST_STATE_CRASHED), ==, "crashed");

  g_clear_object (&store);
  g_assert_finalize_object (guest);
  gh_test_remove_root (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/guest/new-destroy", test_new_destroy);

  return g_test_run ();
}
