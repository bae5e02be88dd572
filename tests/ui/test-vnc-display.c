/* test-vnc-display.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <adwaita.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "gh-display.h"
#include "gh-display-thumbnail.h"
#include "gh-ui-test-utils.h"
#include "gh-vnc-source.h"

/* The console widget against a real RFB server: QEMU's, on a Unix socket, as guesthouse-vmm's
 * will be. The guest is never started (-S): QEMU's VGA shows its own "not initialized" screen,
 * which is frames enough.
 */

typedef struct
{
  char        *socket_path;
  GPid         qemu;
  GhVncSource *source;
} Fixture;

/* QEMU binds the socket before it listens, and listens before its VNC
 * server runs: only the RFB greeting on a connection says it is there. */
static gboolean
socket_serves_rfb (gpointer data)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (data);
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_DEFAULT, NULL);
  char greeting[12];
  gssize n;

  if (probe == NULL || !g_socket_connect (probe, address, NULL, NULL))
    return FALSE;
  g_socket_set_timeout (probe, 1);
  n = g_socket_receive (probe, greeting, sizeof greeting, NULL, NULL);
  return n >= 4 && memcmp (greeting, "RFB ", 4) == 0;
}

/* QEMU goes when the test goes, even when the test aborts: else it would
 * hold the test's output open until meson's timeout. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *qemu = g_getenv ("GH_TEST_QEMU");
  g_autofree char *vnc = NULL;
  g_autoptr(GError) error = NULL;

  gh_ui_test_reset_dirs ();
  f->socket_path = g_build_filename (g_get_user_runtime_dir (), "vnc", NULL);
  vnc = g_strdup_printf ("unix:%s", f->socket_path);

  {
    const char *argv[] = {
      qemu ? qemu : "qemu-system-x86_64", "-accel", "tcg", "-M", "pc", "-nodefaults",
      "-no-user-config", "-vga", "std", "-display", "none", "-vnc", vnc, "-S", NULL,
    };

    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                  G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                                  | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                  die_with_parent, NULL, &f->qemu, &error));
    g_assert_no_error (error);
  }

  g_assert_true (gh_ui_test_wait (socket_serves_rfb, f->socket_path, 20000));
  f->source = gh_vnc_source_new (f->socket_path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->source);
  kill (f->qemu, SIGKILL);
  waitpid (f->qemu, NULL, 0);
  g_spawn_close_pid (f->qemu);
  g_free (f->socket_path);
}

static gboolean
has_updates (gpointer data)
{
  return gh_vnc_source_get_n_updates (data) > 0;
}

static gboolean
has_drawn (gpointer data)
{
  return gh_display_get_n_frames_drawn (data) > 0;
}

static gboolean
has_frame (gpointer data)
{
  return gh_display_thumbnail_get_has_frame (data);
}

static void
test_source (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *png = g_build_filename (g_get_user_runtime_dir (), "frame.png", NULL);
  g_autoptr(GdkTexture) texture = NULL;

  g_assert_true (gh_vnc_source_open (f->source, &error));
  g_assert_no_error (error);
  g_assert_true (gh_vnc_source_get_connected (f->source));
  g_assert_true (gh_ui_test_wait (has_updates, f->source, 20000));
  g_assert_cmpint (gh_vnc_source_get_width (f->source), >, 0);
  g_assert_cmpint (gh_vnc_source_get_height (f->source), >, 0);

  /* Keys and the pointer go without complaint; QEMU takes raw scancodes. */
  gh_vnc_source_send_key (f->source, GDK_KEY_a, 0x1e, TRUE);
  gh_vnc_source_send_key (f->source, GDK_KEY_a, 0x1e, FALSE);
  gh_vnc_source_send_pointer (f->source, 10, 10, GH_VNC_BUTTON_LEFT);
  gh_vnc_source_send_pointer (f->source, 10, 10, 0);
  gh_ui_test_flush ();
  g_assert_true (gh_vnc_source_get_connected (f->source));
  g_assert_true (gh_vnc_source_get_raw_keys (f->source));

  g_assert_true (gh_vnc_source_save_png (f->source, png, &error));
  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, gh_vnc_source_get_width (f->source));

  /* When the server goes, the source says so. */
  kill (f->qemu, SIGKILL);
  while (gh_vnc_source_get_connected (f->source))
    g_main_context_iteration (NULL, TRUE);
}

static void
test_display (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *window = gtk_window_new ();
  GhDisplay *display = GH_DISPLAY (gh_display_new ());
  g_autoptr(GhDisplayThumbnail) thumbnail = gh_display_thumbnail_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *screenshot = NULL;
  GtkStack *stack;
  GtkWidget *area;

  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (display));
  gtk_window_present (GTK_WINDOW (window));

  /* Without a source it says why. */
  gh_display_set_message (display, "No display here");
  stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (display), GH_TYPE_DISPLAY,
                                                     "stack"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "message");

  g_assert_true (gh_vnc_source_open (f->source, &error));
  gh_display_set_source (display, f->source);
  gh_display_thumbnail_set_source (thumbnail, f->source);
  gh_display_set_name (display, "test");
  g_assert_true (gh_ui_test_wait (has_drawn, display, 20000));
  g_assert_true (gh_ui_test_wait (has_frame, thumbnail, 20000));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (thumbnail)), >, 0);

  /* Scaled to fit by default; the action switches to 1:1, where the area is the screen's size. */
  area = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (display), GH_TYPE_DISPLAY, "area"));
  g_assert_true (gh_display_get_scale_to_fit (display));
  gtk_widget_activate_action (GTK_WIDGET (display), "display.scale-to-fit", NULL);
  g_assert_false (gh_display_get_scale_to_fit (display));
  g_assert_cmpint (gtk_drawing_area_get_content_width (GTK_DRAWING_AREA (area)), ==,
                   gh_vnc_source_get_width (f->source));

  /* Focus on the screen is the keyboard grab, with its hint; dropping it gives it back. */
  gtk_widget_grab_focus (area);
  g_assert_true (gh_display_get_keyboard_grabbed (display));
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  g_assert_false (gh_display_get_keyboard_grabbed (display));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (display), "display.send-keys", "s",
                                             "ctrl-alt-delete"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (display), "display.send-keys", "s",
                                             "ctrl-alt-f2"));

  /* Screenshots go to ~/Pictures (the test's own home). */
  screenshot = gh_display_take_screenshot (display, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (screenshot, g_get_home_dir ()));
  g_assert_true (g_file_test (screenshot, G_FILE_TEST_IS_REGULAR));

  gh_display_thumbnail_set_source (thumbnail, NULL);
  g_assert_false (gh_display_thumbnail_get_has_frame (thumbnail));
  gtk_window_destroy (GTK_WINDOW (window));
  gh_ui_test_flush ();
}

static void
test_no_socket (void)
{
  g_autoptr(GhVncSource) source = gh_vnc_source_new ("/nonexistent/vnc");
  g_autoptr(GError) error = NULL;

  g_assert_false (gh_vnc_source_open (source, &error));
  g_assert_error (error, GH_VNC_ERROR, GH_VNC_ERROR_CONNECT);
  g_assert_false (gh_vnc_source_get_connected (source));
  g_assert_null (gh_vnc_source_create_surface (source));
}

static void
test_new_destroy (void)
{
  GtkWidget *display = gh_display_new ();

  g_object_ref_sink (display);
  g_assert_finalize_object (display);
}

int
main (int   argc,
      char *argv[])
{
  if (!gh_ui_test_init (&argc, &argv))
    return 77;

  g_test_add_func ("/ui/vnc-display/new-destroy", test_new_destroy);
  g_test_add_func ("/ui/vnc-display/no-socket", test_no_socket);

  if (gh_ui_test_have_qemu ())
    {
      g_test_add ("/ui/vnc-display/source", Fixture, NULL, fixture_setup, test_source,
                  fixture_teardown);
      g_test_add ("/ui/vnc-display/display", Fixture, NULL, fixture_setup, test_display,
                  fixture_teardown);
    }
  else
    g_test_message ("qemu-system-x86_64 is missing: the RFB tests are skipped");

  return g_test_run ();
}
