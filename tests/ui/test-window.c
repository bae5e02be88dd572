/* test-window.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <unistd.h>
#include <string.h>

#include "gh-application.h"
#include "gh-delete-dialog.h"
#include "gh-guest-details.h"
#include "gh-guest-list.h"
#include "gh-new-guest-dialog.h"
#include "gh-ui-test-utils.h"
#include "gh-window.h"

/* The whole app in one process, as a person would use it: define a guest through the
 * assistant, start it (on guesthouse-vmm), watch its screen and serial console, move
 * its memory slider, pause and resume it, close its tab and the app while it runs and find it
 * again, force it off and delete it. A screenshot of the window with the running guest is kept
 * in the build folder.
 */

#define START_TIMEOUT_MS  60000
#define SERIAL_TIMEOUT_MS 60000
#define STEP_TIMEOUT_MS   20000

typedef struct
{
  GhApplication *app;
  GhWindow      *window;
} Fixture;

static void
open_app (Fixture *f)
{
  f->app = gh_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (f->app), NULL, NULL));
  f->window = gh_window_new (f->app);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  gh_ui_test_reset_dirs ();
  open_app (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GhGuestStore *store;

  if (f->app == NULL)
    return;

  /* Whatever still runs is stopped here, not left to the stand-in's own time limit. */
  store = gh_application_get_store (f->app);
  gh_guest_store_reload (store, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(GhGuest) guest = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (gh_guest_is_active (guest))
        gh_guest_store_destroy (store, gh_guest_get_name (guest), NULL, NULL);
    }

  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  g_application_quit (G_APPLICATION (f->app));
  gh_ui_test_flush ();
  g_clear_object (&f->app);
}

static gpointer
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static GtkWidget *
child (gpointer    widget,
       GType       type,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);

  return GTK_WIDGET (object);
}

typedef struct
{
  GhGuestStore *store;
  const char   *name;
  GhGuestState  state;
} StateWait;

static gboolean
guest_in_state (gpointer data)
{
  StateWait *wait = data;
  GhGuest *guest = gh_guest_store_lookup (wait->store, wait->name);

  return guest != NULL && gh_guest_get_state (guest) == wait->state;
}

static void
wait_for_state (GhGuestStore *store,
                const char   *name,
                GhGuestState  state,
                guint         timeout_ms)
{
  StateWait wait = { store, name, state };

  if (!gh_ui_test_wait (guest_in_state, &wait, timeout_ms))
    {
      GhGuest *guest = gh_guest_store_lookup (store, name);

      g_error ("guest %s is not %s but %s (%s)", name, gh_guest_state_to_string (state),
               guest ? gh_guest_state_to_string (gh_guest_get_state (guest)) : "undefined",
               guest && gh_guest_get_last_exit (guest) ? gh_guest_get_last_exit (guest) : "");
    }
}

static gboolean
dialog_gone (gpointer data)
{
  return find_toplevel (GH_TYPE_NEW_GUEST_DIALOG) == NULL;
}

/* The assistant, step by step, as a person fills it in. */
static void
define_through_assistant (Fixture    *f,
                          const char *name)
{
  GhNewGuestDialog *dialog;
  g_autoptr(GFile) kernel = g_file_new_for_path (DEMO_GUEST_PATH);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "app.new-guest", NULL);
  dialog = find_toplevel (GH_TYPE_NEW_GUEST_DIALOG);
  g_assert_nonnull (dialog);

  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (dialog, GH_TYPE_NEW_GUEST_DIALOG,
                                                        "kernel_check")), TRUE);
  g_object_set (dialog, "kernel-file", kernel, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "wizard.next", NULL));
  g_assert_cmpstr (gh_new_guest_dialog_get_step (dialog), ==, "name");

  gtk_editable_set_text (GTK_EDITABLE (child (dialog, GH_TYPE_NEW_GUEST_DIALOG, "name_row")),
                         name);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "wizard.next", NULL);
  g_assert_cmpstr (gh_new_guest_dialog_get_step (dialog), ==, "memory");

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, GH_TYPE_NEW_GUEST_DIALOG,
                                                     "memory_spin")), 64);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, GH_TYPE_NEW_GUEST_DIALOG,
                                                     "max_memory_spin")), 256);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "wizard.next", NULL);
  g_assert_cmpstr (gh_new_guest_dialog_get_step (dialog), ==, "vcpus");

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, GH_TYPE_NEW_GUEST_DIALOG,
                                                     "vcpus_spin")), 1);
  /* One: guesthouse-vmm has no CPU hotplug yet, and refuses a maximum it cannot reach. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, GH_TYPE_NEW_GUEST_DIALOG,
                                                     "max_vcpus_spin")), 1);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "wizard.next", NULL);
  g_assert_cmpstr (gh_new_guest_dialog_get_step (dialog), ==, "disk");

  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (dialog, GH_TYPE_NEW_GUEST_DIALOG,
                                                        "new_disk_check")), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, GH_TYPE_NEW_GUEST_DIALOG,
                                                     "disk_size_spin")), 1);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "wizard.next", NULL);
  g_assert_cmpstr (gh_new_guest_dialog_get_step (dialog), ==, "network");

  /* The default: user-mode networking. */
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (
    child (dialog, GH_TYPE_NEW_GUEST_DIALOG, "user_net_check"))));
  gtk_widget_activate_action (GTK_WIDGET (dialog), "wizard.next", NULL);
  g_assert_cmpstr (gh_new_guest_dialog_get_step (dialog), ==, "review");

  gtk_widget_activate_action (GTK_WIDGET (dialog), "wizard.create", NULL);
  g_assert_true (gh_ui_test_wait (dialog_gone, NULL, STEP_TIMEOUT_MS));
}

typedef struct
{
  GhWindow   *window;
  const char *text;
} PageWait;

static gboolean
display_has_frames (gpointer data)
{
  GhGuestPage *page = gh_window_get_current_page (data);
  GhDisplay *display = page ? gh_guest_page_get_display (page) : NULL;
  GhVncSource *source = display ? gh_display_get_source (display) : NULL;

  return source != NULL && gh_vnc_source_get_n_updates (source) > 0
         && gh_display_get_n_frames_drawn (display) > 0;
}

static gboolean
console_shows (gpointer data)
{
  PageWait *wait = data;
  GhGuestPage *page = gh_window_get_current_page (wait->window);
  g_autofree char *text = page ? gh_serial_console_dup_text (gh_guest_page_get_console (page))
                               : NULL;

  return text != NULL && strstr (text, wait->text) != NULL;
}

/* Asks the guest's helper itself, not the app: the target must have reached the VMM. */
static gboolean
vmm_balloon_target_is_128 (gpointer data)
{
  g_autofree char *control = gh_guest_dup_runtime_path (gh_guest_session_get_guest (data),
                                                        GH_RUNTIME_CONTROL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = gh_helper_client_execute_sync (control, "query-balloon", NULL,
                                                             5000, &error);

  return reply != NULL && JSON_NODE_HOLDS_OBJECT (reply)
         && json_object_get_int_member_with_default (json_node_get_object (reply), "target", 0)
            == (gint64) 128 << 20;
}

static gboolean
target_is_128 (gpointer data)
{
  return gh_guest_session_get_memory_target_mib (data) == 128;
}

static gboolean
session_connected (gpointer data)
{
  return gh_guest_session_get_client (data) != NULL;
}

static gboolean
thumbnail_ready (gpointer data)
{
  return gh_guest_session_get_display (data) != NULL
         && gdk_paintable_get_intrinsic_width (gh_guest_session_get_thumbnail (data)) > 0;
}

static void
respond (GType       type,
         const char *response)
{
  g_autoptr(AdwMessageDialog) dialog = find_toplevel (type);

  g_assert_nonnull (dialog);
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_guest_lifecycle (Fixture       *f,
                      gconstpointer  data)
{
  GhGuestStore *store = gh_application_get_store (f->app);
  g_autofree char *screenshot = g_build_filename (g_getenv ("G_TEST_BUILDDIR"),
                                                  "guesthouse-window.png", NULL);
  g_autofree char *details_shot = g_build_filename (g_getenv ("G_TEST_BUILDDIR"),
                                                    "guesthouse-details.png", NULL);
  g_autofree char *disk = g_build_filename (g_get_user_data_dir (), "guesthouse", "images",
                                            "demo.img", NULL);
  PageWait serial = { NULL, DEMO_GUEST_LINE };
  GhGuestSession *session;
  GhGuestPage *page;
  GhGuest *guest;
  GPid pid;

  /* Define through the assistant; finishing starts the guest and shows its screen. */
  define_through_assistant (f, "demo");
  guest = gh_guest_store_lookup (store, "demo");
  g_assert_nonnull (guest);
  g_assert_true (g_file_test (disk, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (gh_guest_config_get_n_nics (gh_guest_get_config (guest)), ==, 1);
  wait_for_state (store, "demo", GH_GUEST_STATE_RUNNING, START_TIMEOUT_MS);

  page = gh_window_get_current_page (f->window);
  g_assert_nonnull (page);
  session = gh_guest_page_get_session (page);
  g_assert_true (gh_guest_session_get_guest (session) == guest);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (gh_guest_page_get_stack (page)), ==,
                   "display");

  /* The Display pane gets frames from the guest's VNC server and paints them. */
  g_assert_true (gh_ui_test_wait (display_has_frames, f->window, STEP_TIMEOUT_MS));

  /* While the screen has the keyboard, the app's shortcuts are the guest's keys. */
  {
    GtkWidget *area = child (gh_guest_page_get_display (page), GH_TYPE_DISPLAY, "area");
    g_auto(GStrv) accels = NULL;

    gtk_widget_grab_focus (area);
    g_assert_true (gh_display_get_keyboard_grabbed (gh_guest_page_get_display (page)));
    accels = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "app.quit");
    g_assert_cmpuint (g_strv_length (accels), ==, 0);
    g_clear_pointer (&accels, g_strfreev);

    gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
    g_assert_false (gh_display_get_keyboard_grabbed (gh_guest_page_get_display (page)));
    accels = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "app.quit");
    g_assert_cmpstrv (accels, ((const char *[]) { "<Control>q", NULL }));
  }

  /* The Console pane shows what the guest writes on its serial port. */
  gh_guest_page_show_pane (page, "console");
  serial.window = f->window;
  if (!gh_ui_test_wait (console_shows, &serial, SERIAL_TIMEOUT_MS))
    {
      g_autofree char *text = gh_serial_console_dup_text (gh_guest_page_get_console (page));
      g_error ("the console (%s, session %s) does not show “%s”; it shows:\n%s",
               gh_serial_console_get_path (gh_guest_page_get_console (page)),
               gh_guest_session_get_serial_path (session), DEMO_GUEST_LINE, text);
    }

  /* The memory slider sets the balloon's target in the running guest's helper. */
  gh_guest_page_show_pane (page, "details");
  g_assert_true (gh_ui_test_wait (session_connected, session, STEP_TIMEOUT_MS));
  gtk_range_set_value (GTK_RANGE (child (gh_guest_page_get_details (page), GH_TYPE_GUEST_DETAILS,
                                         "memory_scale")), 128);
  g_assert_true (gh_ui_test_wait (vmm_balloon_target_is_128, session, STEP_TIMEOUT_MS));
  g_assert_true (gh_ui_test_wait (target_is_128, session, STEP_TIMEOUT_MS));
  gh_ui_test_flush ();
  gh_ui_test_save_png (GTK_WIDGET (f->window), details_shot);

  /* The picture for people: the running guest on its Display pane, its thumbnail in the list. */
  gh_guest_page_show_pane (page, "display");
  g_assert_true (gh_ui_test_wait (thumbnail_ready, session, STEP_TIMEOUT_MS));
  /* The thumbnail follows the screen once a second. */
  gh_ui_test_sleep (1500);
  gh_ui_test_save_png (GTK_WIDGET (f->window), screenshot);
  g_test_message ("screenshot: %s", screenshot);

  /* Pause and resume, through the helper. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "guest.pause", NULL);
  wait_for_state (store, "demo", GH_GUEST_STATE_PAUSED, STEP_TIMEOUT_MS);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "guest.resume", NULL);
  wait_for_state (store, "demo", GH_GUEST_STATE_RUNNING, STEP_TIMEOUT_MS);

  /* Closing the tab, and then the app, leaves the guest running; a new app finds it. */
  pid = gh_guest_get_pid (guest);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.close-tab", NULL);
  g_assert_null (gh_window_get_current_page (f->window));
  gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  g_application_quit (G_APPLICATION (f->app));
  gh_ui_test_flush ();
  g_clear_object (&f->app);
  g_assert_cmpint (kill (pid, 0), ==, 0);

  open_app (f);
  store = gh_application_get_store (f->app);
  wait_for_state (store, "demo", GH_GUEST_STATE_RUNNING, STEP_TIMEOUT_MS);
  g_assert_nonnull (gh_window_open_guest (f->window, "demo"));
  guest = gh_guest_store_lookup (store, "demo");
  g_assert_cmpint (gh_guest_get_pid (guest), ==, pid);
  g_assert_true (gh_ui_test_wait (display_has_frames, f->window, STEP_TIMEOUT_MS));

  /* Force off asks first; then the guest stops at once. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "guest.force-off", NULL);
  respond (ADW_TYPE_MESSAGE_DIALOG, "force-off");
  wait_for_state (store, "demo", GH_GUEST_STATE_SHUT_OFF, STEP_TIMEOUT_MS);

  /* Delete, disks ticked: the configuration and the disk go, and so does the tab. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "guest.delete", NULL);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (find_toplevel (GH_TYPE_DELETE_DIALOG),
                                                        GH_TYPE_DELETE_DIALOG, "disks_check")),
                               TRUE);
  respond (GH_TYPE_DELETE_DIALOG, "delete");
  g_assert_null (gh_guest_store_lookup (store, "demo"));
  g_assert_false (g_file_test (disk, G_FILE_TEST_EXISTS));
  gh_ui_test_flush ();
  g_assert_null (gh_window_get_current_page (f->window));
}

static void
define_plain (GhGuestStore *store,
              const char   *name)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_new (name);
  g_autoptr(GError) error = NULL;

  gh_guest_config_set_memory_mib (config, 64);
  gh_guest_config_set_max_memory_mib (config, 256);
  gh_guest_config_set_max_vcpus (config, 4);
  gh_guest_config_set_kernel (config, DEMO_GUEST_PATH);
  g_assert_nonnull (gh_guest_store_define (store, config, &error));
  g_assert_no_error (error);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  GhGuestStore *store = gh_application_get_store (f->app);
  GhGuestList *list = GH_GUEST_LIST (child (f->window, GH_TYPE_WINDOW, "guest_list"));
  GListModel *shown = gh_guest_list_get_shown (list);

  define_plain (store, "web-1");
  define_plain (store, "web-2");
  define_plain (store, "mail");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 3);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL);
  g_assert_true (gh_guest_list_get_search_mode (list));
  gh_guest_list_set_search_text (list, "WEB");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 2);
  gh_guest_list_set_search_text (list, "nothing");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);
  gh_guest_list_set_search_text (list, "");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 3);

  /* Shut-off guests open in tabs too; their actions follow their state. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.open-guest", "s",
                                             "mail"));
  g_assert_nonnull (gh_window_get_current_page (f->window));
  gh_ui_test_flush ();
  g_assert_true (gtk_widget_is_sensitive (child (f->window, GH_TYPE_WINDOW, "start_button")));
  g_assert_false (gtk_widget_get_visible (child (f->window, GH_TYPE_WINDOW, "pause_button")));

  {
    g_autofree char *shot = g_build_filename (g_getenv ("G_TEST_BUILDDIR"),
                                              "guesthouse-shut-off.png", NULL);

    gh_ui_test_save_png (GTK_WIDGET (f->window), shot);
  }

  /* The shortcuts window comes from the resources. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-help-overlay",
                                             NULL));
  g_assert_nonnull (find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW));
  gtk_window_close (find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW));
}

typedef struct
{
  GhGuestStore *store;
  guint         memory_mib;
  guint         vcpus;
} ConfigWait;

static gboolean
config_is (gpointer data)
{
  ConfigWait *wait = data;
  GhGuest *guest = gh_guest_store_lookup (wait->store, "mail");
  GhGuestConfig *config = guest ? gh_guest_get_config (guest) : NULL;

  return config != NULL && gh_guest_config_get_memory_mib (config) == wait->memory_mib
         && gh_guest_config_get_vcpus (config) == wait->vcpus;
}

/* With the guest shut off, the sliders change its configuration, for its next start. */
static void
test_shut_off_details (Fixture       *f,
                       gconstpointer  data)
{
  GhGuestStore *store = gh_application_get_store (f->app);
  ConfigWait wait = { store, 128, 1 };
  GhGuestDetails *details;
  GhGuestPage *page;

  define_plain (store, "mail");
  page = gh_window_open_guest (f->window, "mail");
  g_assert_nonnull (page);
  gh_guest_page_show_pane (page, "details");
  details = gh_guest_page_get_details (page);

  gtk_range_set_value (GTK_RANGE (child (details, GH_TYPE_GUEST_DETAILS, "memory_scale")), 128);
  g_assert_true (gh_ui_test_wait (config_is, &wait, STEP_TIMEOUT_MS));

  wait.vcpus = 3;
  gtk_range_set_value (GTK_RANGE (child (details, GH_TYPE_GUEST_DETAILS, "vcpus_scale")), 3);
  g_assert_true (gh_ui_test_wait (config_is, &wait, STEP_TIMEOUT_MS));
  g_assert_false (gtk_widget_get_visible (child (details, GH_TYPE_GUEST_DETAILS,
                                                 "vcpus_error_label")));
}

/* An installation image handed to the app (the desktop file's MIME type) opens the assistant
 * on it.
 */
static void
test_open_iso (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "install.iso", NULL);
  g_autoptr(GFile) iso = g_file_new_for_path (path);
  g_autoptr(GFile) chosen = NULL;
  GhNewGuestDialog *dialog;

  g_assert_true (g_file_set_contents (path, "not really", -1, NULL));
  g_application_open (G_APPLICATION (f->app), &iso, 1, "");

  dialog = find_toplevel (GH_TYPE_NEW_GUEST_DIALOG);
  g_assert_nonnull (dialog);
  g_object_get (dialog, "iso-file", &chosen, NULL);
  g_assert_true (g_file_equal (chosen, iso));
  /* Not an ISO 9660 image after all: said, not crashed on. */
  g_assert_true (gtk_widget_get_visible (child (dialog, GH_TYPE_NEW_GUEST_DIALOG, "source_error")));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (int   argc,
      char *argv[])
{
  if (!gh_ui_test_init (&argc, &argv))
    return 77;

  g_test_add ("/ui/window/search", Fixture, NULL, fixture_setup, test_search, fixture_teardown);
  g_test_add ("/ui/window/shut-off-details", Fixture, NULL, fixture_setup, test_shut_off_details,
              fixture_teardown);
  g_test_add ("/ui/window/open-iso", Fixture, NULL, fixture_setup, test_open_iso,
              fixture_teardown);

  if (access ("/dev/kvm", R_OK | W_OK) == 0)
    g_test_add ("/ui/window/guest-lifecycle", Fixture, NULL, fixture_setup, test_guest_lifecycle,
                fixture_teardown);
  else
    g_test_message ("/dev/kvm is missing or not accessible: the running-guest test is skipped");

  return g_test_run ();
}
