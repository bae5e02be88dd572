/* test-disk-image.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "gh-test-utils.h"

static void
test_parse_size (void)
{
  struct { const char *text; guint64 size; } good[] = {
    { "512", 512 }, { "1K", 1024 }, { "4M", 4u << 20 }, { "10G", G_GUINT64_CONSTANT (10) << 30 },
    { "2T", G_GUINT64_CONSTANT (2) << 40 }, { "8MiB", 8u << 20 }, { "1g", 1u << 30 },
  };
  const char *bad[] = { "", "G", "-1G", "1.5G", "1X", "100", "0", "65T", "1 G",
                        "99999999999999999999999" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      guint64 size = 0;

      g_assert_true (gh_disk_image_parse_size (good[i].text, &size, NULL));
      g_assert_cmpuint (size, ==, good[i].size);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 size = 0;

      g_assert_false (gh_disk_image_parse_size (bad[i], &size, &error));
      g_assert_error (error, GH_DISK_ERROR, GH_DISK_ERROR_INVALID_SIZE);
    }
}

static void
test_create (void)
{
  g_autofree char *root = gh_test_make_root ();
  g_autofree char *path = g_build_filename (root, "images", "a.img", NULL);
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_true (gh_disk_image_create (path, G_GUINT64_CONSTANT (1) << 30, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 1 << 30);
  /* Sparse: a gibibyte that takes (almost) no blocks. */
  g_assert_cmpint (st.st_blocks, <, 64);

  /* Never overwritten unless asked. */
  g_file_set_contents (path, "precious", -1, NULL);
  g_assert_false (gh_disk_image_create (path, 1 << 20, FALSE, &error));
  g_assert_error (error, GH_DISK_ERROR, GH_DISK_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 8);

  g_assert_true (gh_disk_image_create (path, 1 << 20, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 1 << 20);

  gh_test_remove_root (root);
}

static void
test_force_not_special (void)
{
  g_autofree char *root = gh_test_make_root ();
  g_autofree char *link = g_build_filename (root, "link.img", NULL);
  g_autofree char *target = g_build_filename (root, "target", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_file_set_contents (target, "keep", -1, NULL);
  g_assert_cmpint (symlink (target, link), ==, 0);

  /* --force replaces regular files only; a symlink is not followed to clobber its target. */
  g_assert_false (gh_disk_image_create (link, 1 << 20, TRUE, &error));
  g_assert_error (error, GH_DISK_ERROR, GH_DISK_ERROR_EXISTS);
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep");

  gh_test_remove_root (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/disk-image/parse-size", test_parse_size);
  g_test_add_func ("/core/disk-image/create", test_create);
  g_test_add_func ("/core/disk-image/force-not-special", test_force_not_special);

  return g_test_run ();
}
