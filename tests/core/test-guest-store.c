/* test-guest-store.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "gh-test-utils.h"

typedef struct
{
  char         *root;
  GhGuestStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->root = gh_test_make_root ();
  f->store = gh_test_store_new (f->root, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->store);
  gh_test_remove_root (f->root);
  g_free (f->root);
}

static GhGuest *
define (Fixture    *f,
        const char *name,
        guint       n_nics)
{
  g_autoptr(GhGuestConfig) config = gh_test_config_new (name);
  g_autoptr(GError) error = NULL;
  GhGuest *guest;

  for (guint i = 0; i < n_nics; i++)
    {
      g_autoptr(GhNic) nic = gh_nic_new ();
      gh_guest_config_add_nic (config, nic);
    }

  guest = gh_guest_store_define (f->store, config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (guest);

  return guest;
}

static void
test_new_destroy (void)
{
  g_autofree char *root = gh_test_make_root ();
  GhGuestStore *store = gh_test_store_new (root, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (G_IS_LIST_MODEL (store));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == GH_TYPE_GUEST);
  g_assert_true (gh_guest_store_reload (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  g_assert_finalize_object (store);
  gh_test_remove_root (root);
}

static void
test_default_dirs (void)
{
  g_autoptr(GhGuestStore) store = gh_guest_store_new ();
  g_autofree char *config = g_build_filename (g_get_user_config_dir (), "guesthouse", "guests",
                                              NULL);

  /* G_TEST_OPTION_ISOLATE_DIRS: these are per-test temporary folders. */
  g_assert_cmpstr (gh_guest_store_get_config_dir (store), ==, config);
  g_assert_true (g_str_has_suffix (gh_guest_store_get_runtime_dir (store), "/guesthouse"));
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *count)
{
  (*count)++;
}

static void
test_define_reload (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GhGuestStore) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  guint changes = 0;
  GhGuest *guest;

  g_signal_connect (f->store, "items-changed", G_CALLBACK (on_items_changed), &changes);

  guest = define (f, "beta", 1);
  define (f, "alpha", 0);
  g_assert_cmpuint (changes, ==, 2);
  uuid = g_strdup (gh_guest_config_get_uuid (gh_guest_get_config (guest)));
  g_assert_true (gh_guest_uuid_validate (uuid, NULL));

  /* Sorted by name. */
  {
    g_autoptr(GhGuest) first = g_list_model_get_item (G_LIST_MODEL (f->store), 0);
    g_assert_cmpstr (gh_guest_get_name (first), ==, "alpha");
  }

  /* The UUID survives: another store (another process) reads the same one. */
  path = gh_guest_store_dup_config_path (f->store, "beta");
  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));
  other = gh_test_store_new (f->root, NULL);
  g_assert_true (gh_guest_store_reload (other, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (other)), ==, 2);
  g_assert_cmpstr (gh_guest_config_get_uuid (gh_guest_get_config (gh_guest_store_lookup (other,
                                                                                        "beta"))),
                   ==, uuid);
  g_assert_true (gh_guest_store_lookup_by_uuid (other, uuid)
                 == gh_guest_store_lookup (other, "beta"));

  /* A reload rewrites nothing. */
  g_assert_true (gh_guest_store_reload (f->store, &error));
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (changes, ==, 2);

  /* Defining the name again is refused. */
  {
    g_autoptr(GhGuestConfig) again = gh_test_config_new ("beta");

    g_assert_null (gh_guest_store_define (f->store, again, &error));
    g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_EXISTS);
  }
}

static void
test_broken_file (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = gh_guest_store_dup_config_path (f->store, "broken");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhGuestConfig) config = gh_test_config_new ("broken");
  g_autofree char *contents = NULL;
  const char *text = "[Guest]\nUUID=6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b\nMemory=lots\n";
  GhGuest *guest;

  define (f, "fine", 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));

  g_assert_true (gh_guest_store_reload (f->store, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 2);

  guest = gh_guest_store_lookup (f->store, "broken");
  g_assert_nonnull (guest);
  g_assert_null (gh_guest_get_config (guest));
  g_assert_cmpint (gh_guest_get_state (guest), ==, GH_GUEST_STATE_INVALID);
  g_assert_error (gh_guest_get_config_error (guest), GH_CONFIG_ERROR,
                  GH_CONFIG_ERROR_INVALID_VALUE);
  g_assert_true (g_str_has_prefix (gh_guest_get_config_error (guest)->message, path));
  g_assert_nonnull (strstr (gh_guest_get_config_error (guest)->message, ":3: "));

  /* Never overwritten by a define of the same name. */
  g_assert_null (gh_guest_store_define (f->store, config, &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_BROKEN);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, text);
}

static void
test_macs_across_guests (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GhGuestConfig) manual = gh_test_config_new ("manual");
  g_autoptr(GhNic) nic = gh_nic_new ();
  g_autoptr(GError) error = NULL;
  const char *taken;
  GhGuest *guest;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("g%u", i);

      guest = define (f, name, 3);
      for (guint j = 0; j < 3; j++)
        {
          const GhNic *n = gh_guest_config_get_nic (gh_guest_get_config (guest), j);

          g_assert_true (g_str_has_prefix (n->mac, GH_MAC_PREFIX));
          g_assert_true (g_hash_table_add (seen, n->mac));
        }
    }

  /* A hand-set address that another guest has is refused, in any spelling. */
  taken = gh_guest_config_get_nic (gh_guest_get_config (gh_guest_store_lookup (f->store, "g3")),
                                   1)->mac;
  nic->mac = g_ascii_strup (taken, -1);
  gh_guest_config_add_nic (manual, nic);
  g_assert_null (gh_guest_store_define (f->store, manual, &error));
  g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_MAC_IN_USE);
  g_assert_null (gh_guest_store_lookup (f->store, "manual"));
}

static void
test_undefine (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GhGuestConfig) config = gh_test_config_new ("disks");
  g_autofree char *image = g_build_filename (f->root, "disk.img", NULL);
  g_autofree char *iso = g_build_filename (f->root, "install.iso", NULL);
  g_autoptr(GhDisk) disk = gh_disk_new (image);
  g_autoptr(GhDisk) cdrom = gh_disk_new (iso);
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_disk_image_create (image, 1 << 20, FALSE, NULL));
  g_assert_true (g_file_set_contents (iso, "iso", -1, NULL));
  cdrom->media = GH_DISK_MEDIA_CDROM;
  cdrom->readonly = TRUE;
  gh_guest_config_add_disk (config, disk);
  gh_guest_config_add_disk (config, cdrom);
  g_assert_nonnull (gh_guest_store_define (f->store, config, &error));

  g_assert_false (gh_guest_store_undefine (f->store, "nobody", FALSE, &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (gh_guest_store_undefine (f->store, "disks", TRUE, &error));
  g_assert_no_error (error);
  g_assert_null (gh_guest_store_lookup (f->store, "disks"));
  g_assert_false (g_file_test (image, G_FILE_TEST_EXISTS));
  /* Installation media are shared: kept. */
  g_assert_true (g_file_test (iso, G_FILE_TEST_EXISTS));
}

static void
test_update (Fixture       *f,
             gconstpointer  data)
{
  GhGuest *guest = define (f, "web", 1);
  g_autoptr(GhGuestConfig) config = gh_guest_config_copy (gh_guest_get_config (guest), NULL);
  g_autoptr(GhGuestConfig) other_uuid = NULL;
  g_autoptr(GhGuestConfig) nobody = gh_test_config_new ("nobody");
  g_autoptr(GhNic) nic = gh_nic_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = g_strdup (gh_guest_config_get_uuid (config));
  g_autofree char *mac = g_strdup (gh_guest_config_get_nic (config, 0)->mac);
  GhGuestConfig *saved;

  /* Values change; the identity stays, and a new NIC gets an address of its own. */
  gh_guest_config_set_vcpus (config, 2);
  gh_guest_config_set_max_vcpus (config, 4);
  gh_guest_config_set_uuid (config, NULL);
  gh_guest_config_add_nic (config, nic);
  guest = gh_guest_store_update (f->store, config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (guest);
  saved = gh_guest_get_config (guest);
  g_assert_cmpuint (gh_guest_config_get_vcpus (saved), ==, 2);
  g_assert_cmpuint (gh_guest_config_get_max_vcpus (saved), ==, 4);
  g_assert_cmpstr (gh_guest_config_get_uuid (saved), ==, uuid);
  g_assert_cmpuint (gh_guest_config_get_n_nics (saved), ==, 2);
  g_assert_cmpstr (gh_guest_config_get_nic (saved, 0)->mac, ==, mac);
  g_assert_nonnull (gh_guest_config_get_nic (saved, 1)->mac);
  g_assert_cmpstr (gh_guest_config_get_nic (saved, 1)->mac, !=, mac);

  /* Invalid values are refused and the file stays as it was. */
  gh_guest_config_set_vcpus (config, 8);
  g_assert_null (gh_guest_store_update (f->store, config, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT);
  g_clear_error (&error);
  g_assert_cmpuint (gh_guest_config_get_vcpus (gh_guest_get_config (guest)), ==, 2);

  other_uuid = gh_guest_config_copy (gh_guest_get_config (guest), NULL);
  gh_guest_config_set_uuid (other_uuid, "0b3cf1a4-5ad7-4c1e-9e0e-3f1d7c2a9b10");
  g_assert_null (gh_guest_store_update (f->store, other_uuid, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT);
  g_clear_error (&error);

  g_assert_null (gh_guest_store_update (f->store, nobody, &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
}

static void
on_cleaned (GhGuestStore *store,
            GhGuest      *guest,
            const char   *message,
            char        **out)
{
  g_free (*out);
  *out = g_strdup (message);
}

static void
test_stale_runtime (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (gh_guest_store_get_runtime_dir (f->store), "web",
                                           NULL);
  g_autofree char *pid = g_build_filename (dir, GH_RUNTIME_PID, NULL);
  g_autofree char *domid = g_build_filename (dir, GH_RUNTIME_DOMID, NULL);
  g_autofree char *sock = g_build_filename (dir, GH_RUNTIME_CONTROL, NULL);
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  GhGuest *guest;

  define (f, "web", 0);

  /* What a helper killed together with its monitor leaves behind; pid 1 is alive but is not a
   * helper for "web", as a reused pid would be.
   */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (pid, "1\n", -1, NULL));
  g_assert_true (g_file_set_contents (domid, "1\n", -1, NULL));
  g_assert_true (g_file_set_contents (sock, "", -1, NULL));

  g_signal_connect (f->store, "runtime-cleaned", G_CALLBACK (on_cleaned), &message);
  g_assert_true (gh_guest_store_reload (f->store, &error));
  g_assert_no_error (error);

  guest = gh_guest_store_lookup (f->store, "web");
  g_assert_cmpint (gh_guest_get_state (guest), ==, GH_GUEST_STATE_CRASHED);
  g_assert_cmpuint (gh_guest_get_domain_id (guest), ==, 0);
  g_assert_nonnull (gh_guest_get_last_exit (guest));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "web"));
  g_assert_nonnull (gh_guest_get_config (guest));
}

static void
test_lifecycle (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *control = NULL;
  GhGuest *one, *two;
  GStatBuf st;
  GPid pid;

  define (f, "one", 1);
  define (f, "two", 0);

  g_assert_true (gh_guest_store_start (f->store, "one", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gh_guest_store_start (f->store, "two", NULL, &error));
  g_assert_no_error (error);

  one = gh_guest_store_lookup (f->store, "one");
  two = gh_guest_store_lookup (f->store, "two");
  g_assert_cmpint (gh_guest_get_state (one), ==, GH_GUEST_STATE_RUNNING);
  g_assert_cmpuint (gh_guest_get_domain_id (one), ==, 1);
  g_assert_cmpuint (gh_guest_get_domain_id (two), ==, 2);
  g_assert_true (gh_guest_store_lookup_by_domain_id (f->store, 2) == two);
  g_assert_null (gh_guest_store_lookup_by_domain_id (f->store, 0));

  dir = g_strdup (gh_guest_get_runtime_dir (one));
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  control = gh_guest_dup_runtime_path (one, GH_RUNTIME_CONTROL);
  g_assert_true (g_file_test (control, G_FILE_TEST_EXISTS));

  g_assert_false (gh_guest_store_start (f->store, "one", NULL, &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_RUNNING);
  g_clear_error (&error);

  g_assert_false (gh_guest_store_undefine (f->store, "one", FALSE, &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_RUNNING);
  g_clear_error (&error);

  /* Freed at stop; the next start takes the smallest free id. */
  g_assert_true (gh_guest_store_destroy (f->store, "one", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gh_guest_get_state (one), ==, GH_GUEST_STATE_SHUT_OFF);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_null (gh_guest_get_last_exit (one));

  g_assert_true (gh_guest_store_start (f->store, "one", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gh_guest_get_domain_id (one), ==, 1);

  /* SIGKILL: the monitor records it, removes the folder, the config stays. */
  pid = gh_guest_get_pid (one);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  for (guint i = 0; i < 500 && g_file_test (dir, G_FILE_TEST_EXISTS); i++)
    g_usleep (10000);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (gh_guest_store_reload (f->store, &error));
  g_assert_cmpint (gh_guest_get_state (one), ==, GH_GUEST_STATE_CRASHED);
  g_assert_nonnull (strstr (gh_guest_get_last_exit (one), "signal 9"));
  g_assert_nonnull (gh_guest_get_config (one));

  g_assert_true (gh_guest_store_destroy (f->store, "two", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (gh_guest_store_destroy (f->store, "two", NULL, &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_RUNNING);
}

static void
test_start_failure (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GhGuest *guest;

  define (f, "bad", 0);

  g_setenv ("FAKE_VMM_FAIL", "cannot open /dev/kvm: No such file or directory", TRUE);
  g_assert_false (gh_guest_store_start (f->store, "bad", NULL, &error));
  g_unsetenv ("FAKE_VMM_FAIL");

  g_assert_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_HELPER_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot open /dev/kvm"));

  guest = gh_guest_store_lookup (f->store, "bad");
  g_assert_cmpint (gh_guest_get_state (guest), ==, GH_GUEST_STATE_CRASHED);
  g_assert_false (g_file_test (gh_guest_get_runtime_dir (guest), G_FILE_TEST_EXISTS));
}

static void
on_async_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_start_async (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  define (f, "async", 0);

  gh_guest_store_start_async (f->store, "async", NULL, on_async_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gh_guest_store_start_finish (f->store, result, &error));
  g_assert_no_error (error);
  g_assert_true (gh_guest_is_active (gh_guest_store_lookup (f->store, "async")));
  g_clear_object (&result);

  gh_guest_store_destroy_async (f->store, "async", NULL, on_async_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gh_guest_store_destroy_finish (f->store, result, &error));
  g_assert_no_error (error);
  g_assert_false (gh_guest_is_active (gh_guest_store_lookup (f->store, "async")));
}

/* Two processes defining at once: each defines its own guests with NICs, and both try the
 * same names. The lock must leave every MAC unique and every name defined exactly once.
 */
static int
run_define_worker (const char *root,
                   const char *tag)
{
  g_autoptr(GhGuestStore) store = gh_test_store_new (root, NULL);
  guint defined = 0;

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *own = g_strdup_printf ("%s-%u", tag, i);
      g_autofree char *shared = g_strdup_printf ("shared-%u", i);
      const char *names[] = { own, shared };

      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        {
          g_autoptr(GhGuestConfig) config = gh_test_config_new (names[k]);
          g_autoptr(GError) error = NULL;

          for (guint j = 0; j < 4; j++)
            {
              g_autoptr(GhNic) nic = gh_nic_new ();
              gh_guest_config_add_nic (config, nic);
            }
          if (gh_guest_store_define (store, config, &error))
            defined++;
          else if (!g_error_matches (error, GH_STORE_ERROR, GH_STORE_ERROR_EXISTS))
            {
              g_printerr ("worker %s: %s\n", tag, error->message);
              return 1;
            }
        }
    }

  return defined > 0 ? 0 : 1;
}

static void
test_concurrent_define (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GSubprocess) a = NULL;
  g_autoptr(GSubprocess) b = NULL;
  g_autoptr(GHashTable) macs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) uuids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  guint n;

  a = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self, "--define-worker", f->root, "a",
                        NULL);
  g_assert_no_error (error);
  b = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self, "--define-worker", f->root, "b",
                        NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (a, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (b, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (gh_guest_store_reload (f->store, &error));
  n = g_list_model_get_n_items (G_LIST_MODEL (f->store));
  g_assert_cmpuint (n, ==, 75);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GhGuest) guest = g_list_model_get_item (G_LIST_MODEL (f->store), i);
      GhGuestConfig *config = gh_guest_get_config (guest);

      g_assert_nonnull (config);
      g_assert_true (g_hash_table_add (uuids, (char *) gh_guest_config_get_uuid (config)));
      for (guint j = 0; j < gh_guest_config_get_n_nics (config); j++)
        g_assert_true (g_hash_table_add (macs, gh_guest_config_get_nic (config, j)->mac));
    }
  g_assert_cmpuint (g_hash_table_size (macs), ==, 300);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && g_str_equal (argv[1], "--define-worker"))
    return run_define_worker (argv[2], argv[3]);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/guest-store/new-destroy", test_new_destroy);
  g_test_add_func ("/core/guest-store/default-dirs", test_default_dirs);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/core/guest-store/define-reload", test_define_reload);
  ADD ("/core/guest-store/broken-file", test_broken_file);
  ADD ("/core/guest-store/macs-across-guests", test_macs_across_guests);
  ADD ("/core/guest-store/update", test_update);
  ADD ("/core/guest-store/undefine", test_undefine);
  ADD ("/core/guest-store/stale-runtime", test_stale_runtime);
  ADD ("/core/guest-store/lifecycle", test_lifecycle);
  ADD ("/core/guest-store/start-failure", test_start_failure);
  ADD ("/core/guest-store/start-async", test_start_async);
  ADD ("/core/guest-store/concurrent-define", test_concurrent_define);
#undef ADD

  return g_test_run ();
}
