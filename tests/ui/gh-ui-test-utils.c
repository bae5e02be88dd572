/* gh-ui-test-utils.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "gh-ui-test-utils.h"

/* Shared by the UI tests: start GTK under Xvfb the way FINDINGS.md found reliable, empty the
 * test's own XDG folders, wait for things under the main loop, and render widgets to PNG.
 */

/**
 * gh_ui_test_init:
 *
 * Returns: %FALSE when there is no display to test on: skip
 */
gboolean
gh_ui_test_init (int    *argc,
                 char ***argv)
{
  /* gtk_test_init() aborts without a display; a skip says why instead. */
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display: run the UI tests under xvfb-run\n");
      return FALSE;
    }

  gtk_test_init (argc, argv, NULL);
  adw_init ();

  /* Transitions would make the tests wait and the screenshots catch pages mid-slide. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  return TRUE;
}

gboolean
gh_ui_test_have_qemu (void)
{
  const char *qemu = g_getenv ("GH_TEST_QEMU");
  g_autofree char *found = g_find_program_in_path (qemu ? qemu : "qemu-system-x86_64");

  return found != NULL;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }

  g_rmdir (path);
}

/* Each test has its own folders under the build folder (tests/ui/meson.build). They are
 * emptied only when they really lie there, so that a test run by hand with a person's own
 * XDG_CONFIG_HOME never touches their guests.
 */
void
gh_ui_test_reset_dirs (void)
{
  static const char * const variables[] = {
    "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "XDG_STATE_HOME",
    "XDG_CACHE_HOME",
  };
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *prefix = NULL;
  g_autofree char *log = NULL;

  g_assert_nonnull (builddir);
  prefix = g_build_filename (builddir, "xdg", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      const char *path = g_getenv (variables[i]);

      if (path == NULL || !g_str_has_prefix (path, prefix))
        g_error ("%s must be a folder under %s (see tests/ui/meson.build)", variables[i], prefix);

      remove_tree (path);
      g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
    }

  if ((log = g_strdup (g_getenv ("GH_TEST_VMM_LOG"))) && g_str_has_prefix (log, prefix))
    g_unlink (log);
}

static gboolean
on_timeout (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * gh_ui_test_wait:
 *
 * Runs the main loop until @condition holds or @timeout_ms pass. The loop also wakes every few
 * milliseconds, for conditions that no event announces (a file appearing).
 *
 * Returns: whether the condition came true
 */
gboolean
gh_ui_test_wait (GhUiTestCondition condition,
                 gpointer          data,
                 guint             timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &timed_out);
  guint tick = g_timeout_add (10, on_tick, NULL);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (tick);
  if (!timed_out)
    g_source_remove (id);

  return condition (data);
}

/* Lets pending work (idle handlers, redraws, layout) run. */
void
gh_ui_test_flush (void)
{
  for (guint i = 0; i < 10; i++)
    {
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Runs the main loop for @ms. */
void
gh_ui_test_sleep (guint ms)
{
  gh_ui_test_wait (never, NULL, ms);
}

/* Renders @widget as it is on screen, into a PNG (FINDINGS.md: a widget paintable rendered with
 * the window's renderer).
 */
void
gh_ui_test_save_png (GtkWidget  *widget,
                     const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_nonnull (renderer);
  g_assert_cmpint (width, >, 0);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

char *
gh_ui_test_read_vmm_log (void)
{
  const char *path = g_getenv ("GH_TEST_VMM_LOG");
  char *text = NULL;

  if (path == NULL || !g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");

  return text;
}
