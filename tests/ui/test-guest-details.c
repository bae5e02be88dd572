/* test-guest-details.c
 *
 * Copyright 2026 The Guesthouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-application.h"
#include "gh-guest-details.h"
#include "gh-ui-test-utils.h"
#include "gh-window.h"

/* The Details pane against a running guest on fake-vmm (tests/core), which acts on set-vcpus at
 * once and keeps CD-ROM media in memory: the vCPU slider applies live and the configuration
 * follows; a CD-ROM drive's Eject empties it in the guest and in the configuration, and a tray
 * the guest locked says so and offers Force Eject; once the guest stops, both go back to editing
 * the configuration, where Eject leaves the drive empty.
 * And in the window: Shut Down on a guest that ignores the power button offers Force Off.
 */

typedef struct
{
  GhGuestStore   *store;
  GhGuest        *guest;
  GhGuestSession *session;
  GhGuestDetails *details;
  GtkWindow      *window;
  char           *iso;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_new ("details");
  g_autoptr(GhDisk) cdrom = NULL;
  g_autoptr(GError) error = NULL;

  gh_ui_test_reset_dirs ();
  f->iso = g_build_filename (g_get_user_data_dir (), "install.iso", NULL);
  g_assert_true (g_file_set_contents (f->iso, "", 0, NULL));

  f->store = gh_guest_store_new ();
  g_assert_true (gh_guest_store_reload (f->store, &error));

  cdrom = gh_disk_new (f->iso);
  cdrom->media = GH_DISK_MEDIA_CDROM;
  cdrom->bus = GH_DISK_BUS_IDE;
  cdrom->readonly = TRUE;
  gh_guest_config_set_kernel (config, DEMO_GUEST_PATH);
  gh_guest_config_set_vcpus (config, 1);
  gh_guest_config_set_max_vcpus (config, 4);
  gh_guest_config_add_disk (config, cdrom);
  g_assert_nonnull (gh_guest_store_define (f->store, config, &error));
  g_assert_no_error (error);

  f->guest = g_object_ref (gh_guest_store_lookup (f->store, "details"));
  f->session = gh_guest_session_new (f->store, f->guest);
  f->details = GH_GUEST_DETAILS (gh_guest_details_new ());
  gh_guest_details_set_session (f->details, f->session);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 600, 900);
  gtk_window_set_child (f->window, GTK_WIDGET (f->details));
  gtk_window_present (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (gh_guest_is_active (f->guest))
    g_assert_true (gh_guest_store_destroy (f->store, "details", NULL, NULL));

  gh_guest_session_shutdown (f->session);
  gtk_window_destroy (f->window);
  gh_ui_test_flush ();
  g_clear_object (&f->session);
  g_clear_object (&f->guest);
  g_clear_object (&f->store);
  g_free (f->iso);
}

static GtkWidget *
child (Fixture    *f,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (f->details),
                                                   GH_TYPE_GUEST_DETAILS, name);

  g_assert_nonnull (object);

  return GTK_WIDGET (object);
}

/* A widget by its name, anywhere under @root. */
static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  if (g_str_equal (gtk_widget_get_name (root), name))
    return root;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
cdrom_row (Fixture *f)
{
  GtkWidget *row = find_named (GTK_WIDGET (f->details), "cdrom0");

  g_assert_nonnull (row);

  return row;
}

static const char *
vcpus_description (Fixture *f)
{
  return adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (child (f, "vcpus_group")));
}

static gboolean
connected (gpointer data)
{
  Fixture *f = data;

  return gh_guest_session_get_client (f->session) != NULL
         && gh_guest_session_get_vcpus_enabled (f->session) == 1
         && gh_guest_session_get_block_devices (f->session) != NULL;
}

static gboolean
three_vcpus (gpointer data)
{
  Fixture *f = data;

  return gh_guest_session_get_vcpus_enabled (f->session) == 3
         && gh_guest_config_get_vcpus (gh_guest_get_config (f->guest)) == 3;
}

static gboolean
cdrom_empty (gpointer data)
{
  Fixture *f = data;
  GtkWidget *row = find_named (GTK_WIDGET (f->details), "cdrom0");

  return row != NULL
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "Empty") == 0;
}

static void
start_guest (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_guest_store_start (f->store, "details", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gh_ui_test_wait (connected, f, 10000));
}

static void
test_vcpus_live (Fixture       *f,
                 gconstpointer  data)
{
  GtkLabel *actual = GTK_LABEL (child (f, "vcpus_actual_label"));

  g_assert_nonnull (strstr (vcpus_description (f), "Applies at next start"));

  start_guest (f);
  g_assert_nonnull (strstr (vcpus_description (f), "Applies now"));
  g_assert_cmpstr (gtk_label_get_label (actual), ==, "1");

  /* The guest acts on set-vcpus (VCPUS_CHANGED), and the configuration follows. */
  gtk_range_set_value (GTK_RANGE (child (f, "vcpus_scale")), 3);
  g_assert_true (gh_ui_test_wait (three_vcpus, f, 10000));
  g_assert_cmpstr (gtk_label_get_label (actual), ==, "3");
  g_assert_false (gtk_widget_get_visible (child (f, "vcpus_error_label")));

  g_assert_true (gh_guest_store_destroy (f->store, "details", NULL, NULL));
  gh_ui_test_flush ();
  g_assert_nonnull (strstr (vcpus_description (f), "Applies at next start"));
  g_assert_cmpstr (gtk_label_get_label (actual), ==, "Not running");
}

static const char *
config_cdrom_path (Fixture *f)
{
  return gh_guest_config_get_disk (gh_guest_get_config (f->guest), 0)->path;
}

static gboolean
config_cdrom_emptied (gpointer data)
{
  return config_cdrom_path (data) == NULL;
}

static void
test_cdrom_eject_stopped (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *eject;

  /* Stopped: the drive shows the configuration's image, and Eject empties the configuration. */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (cdrom_row (f))), ==,
                   "install.iso");
  eject = find_named (cdrom_row (f), "eject");
  g_assert_true (gtk_widget_get_sensitive (eject));
  g_assert_true (gtk_widget_get_sensitive (find_named (cdrom_row (f), "change")));
  gtk_widget_activate (eject);
  g_assert_true (gh_ui_test_wait (cdrom_empty, f, 10000));
  g_assert_null (config_cdrom_path (f));
  g_assert_false (gtk_widget_get_visible (g_object_get_data (G_OBJECT (cdrom_row (f)),
                                                             "error-label")));

  /* Nothing left to eject; Change… can fill the drive again. */
  g_assert_false (gtk_widget_get_sensitive (find_named (cdrom_row (f), "eject")));
  g_assert_true (gtk_widget_get_sensitive (find_named (cdrom_row (f), "change")));

  /* The guest starts with the drive empty. */
  start_guest (f);
  g_assert_true (gh_ui_test_wait (cdrom_empty, f, 10000));
  g_assert_false (((GhBlockDevice *) gh_guest_session_get_block_devices (f->session)->pdata[0])
                  ->inserted);
}

static void
test_cdrom_eject (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *eject;
  GPtrArray *devices;

  start_guest (f);
  eject = find_named (cdrom_row (f), "eject");
  g_assert_true (gtk_widget_get_sensitive (eject));
  gtk_widget_activate (eject);
  g_assert_true (gh_ui_test_wait (cdrom_empty, f, 10000));

  devices = gh_guest_session_get_block_devices (f->session);
  g_assert_cmpuint (devices->len, ==, 1);
  g_assert_false (((GhBlockDevice *) devices->pdata[0])->inserted);
  g_assert_true (((GhBlockDevice *) devices->pdata[0])->tray_open);
  /* The configuration follows, so the next start has the drive empty too. */
  g_assert_true (gh_ui_test_wait (config_cdrom_emptied, f, 10000));

  g_assert_true (gh_guest_store_destroy (f->store, "details", NULL, NULL));
  gh_ui_test_flush ();
  g_assert_true (cdrom_empty (f));
  g_assert_false (gtk_widget_get_sensitive (find_named (cdrom_row (f), "eject")));
}

static gboolean
eject_refused (gpointer data)
{
  Fixture *f = data;
  GtkWidget *row = find_named (GTK_WIDGET (f->details), "cdrom0");
  GtkWidget *error = row ? g_object_get_data (G_OBJECT (row), "error-label") : NULL;

  return error != NULL && gtk_widget_get_visible (error);
}

static void
test_cdrom_locked (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *row, *error, *force;

  /* The helper inherits the environment: this guest locks its tray. */
  g_setenv ("FAKE_VMM_TRAY_LOCKED", "1", TRUE);
  start_guest (f);
  g_unsetenv ("FAKE_VMM_TRAY_LOCKED");

  row = cdrom_row (f);
  force = find_named (row, "force-eject");
  g_assert_false (gtk_widget_get_visible (force));
  gtk_widget_activate (find_named (row, "eject"));
  g_assert_true (gh_ui_test_wait (eject_refused, f, 10000));

  /* The helper's reason shows in the row, with the way past it. */
  error = g_object_get_data (G_OBJECT (row), "error-label");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error)), "locked"));
  g_assert_true (gtk_widget_get_visible (force));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "install.iso");
  /* A refused eject leaves the configuration alone. */
  g_assert_cmpstr (config_cdrom_path (f), ==, f->iso);

  gtk_widget_activate (force);
  g_assert_true (gh_ui_test_wait (cdrom_empty, f, 10000));
  g_assert_false (gtk_widget_get_visible (find_named (cdrom_row (f), "force-eject")));
  g_assert_true (gh_ui_test_wait (config_cdrom_emptied, f, 10000));
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
has_label (GtkWidget  *root,
           const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return TRUE;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (has_label (c, text))
      return TRUE;

  return FALSE;
}

static gboolean
label_shown (gpointer data)
{
  LabelWait *wait = data;

  return has_label (wait->root, wait->text);
}

static gboolean
session_connected (gpointer data)
{
  GListModel *sessions = gh_application_get_sessions (data);

  for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr(GhGuestSession) session = g_list_model_get_item (sessions, i);

      if (g_str_equal (gh_guest_get_name (gh_guest_session_get_guest (session)), "details"))
        return gh_guest_session_get_client (session) != NULL;
    }

  return FALSE;
}

static gboolean
force_off_question (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window))
          && g_str_has_prefix (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (window)),
                               "Force Off"))
        return TRUE;
    }

  return FALSE;
}

static void
test_shutdown_deaf (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GhApplication) app = gh_application_new (G_APPLICATION_NON_UNIQUE);
  GhGuestStore *store;
  GhWindow *window;
  LabelWait wait;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  window = gh_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  store = gh_application_get_store (app);

  g_setenv ("FAKE_VMM_DEAF", "1", TRUE);
  g_assert_true (gh_guest_store_start (store, "details", NULL, NULL));
  g_unsetenv ("FAKE_VMM_DEAF");
  g_assert_nonnull (gh_window_open_guest (window, "details"));

  /* Shut Down is enabled once the app's session reaches the helper; the press is taken. */
  g_assert_true (gh_ui_test_wait (session_connected, app, 10000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "guest.shutdown", NULL));
  wait.root = GTK_WIDGET (window);
  wait.text = "The guest is not listening to the power button. Force Off?";
  g_assert_true (gh_ui_test_wait (label_shown, &wait, 10000));

  /* The toast's button asks the usual question about that guest. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off-guest", "s",
                                             "details"));
  g_assert_true (gh_ui_test_wait (force_off_question, NULL, 10000));

  g_assert_true (gh_guest_store_destroy (store, "details", NULL, NULL));
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  gh_ui_test_flush ();
}

int
main (int   argc,
      char *argv[])
{
  if (!gh_ui_test_init (&argc, &argv))
    return 0;

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/ui/guest-details/vcpus-live", test_vcpus_live);
  ADD ("/ui/guest-details/cdrom-eject-stopped", test_cdrom_eject_stopped);
  ADD ("/ui/guest-details/cdrom-eject", test_cdrom_eject);
  ADD ("/ui/guest-details/cdrom-locked", test_cdrom_locked);
  ADD ("/ui/guest-details/shutdown-deaf", test_shutdown_deaf);
#undef ADD

  return g_test_run ();
}
