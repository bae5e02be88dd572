/* test-new-guest-dialog.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "gh-new-guest-dialog.h"
#include "gh-ui-test-utils.h"

/* The assistant checks every field as it changes and says what is wrong, and never lets odd
 * input through or crash on it: a missing or empty file, a file that is no CD image, a name
 * that is taken or not a name, too little memory, a maximum below the start value, a disk of
 * size zero. What passes makes a guest in the store.
 */

typedef struct
{
  GhGuestStore     *store;
  GSettings        *settings;
  GhNewGuestDialog *dialog;
  char             *created;
  gboolean          customize;
} Fixture;

static void
on_created (GhNewGuestDialog *dialog,
            const char       *name,
            gboolean          customize,
            Fixture          *f)
{
  g_free (f->created);
  f->created = g_strdup (name);
  f->customize = customize;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  gh_ui_test_reset_dirs ();

  f->store = gh_guest_store_new ();
  g_assert_true (gh_guest_store_reload (f->store, NULL));
  f->settings = g_settings_new (APP_ID);
  f->dialog = GH_NEW_GUEST_DIALOG (gh_new_guest_dialog_new (f->store, f->settings));
  g_object_ref_sink (f->dialog);
  g_signal_connect (f->dialog, "created", G_CALLBACK (on_created), f);
  gtk_window_present (GTK_WINDOW (f->dialog));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  g_assert_finalize_object (f->dialog);
  g_clear_object (&f->settings);
  g_assert_finalize_object (f->store);
  g_free (f->created);
}

static GtkWidget *
child (Fixture    *f,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (f->dialog),
                                                   GH_TYPE_NEW_GUEST_DIALOG, name);

  g_assert_nonnull (object);

  return GTK_WIDGET (object);
}

/* Whether the button for @action (wizard.next, wizard.create) can be pressed: buttons follow
 * their action's enabled state.
 */
static gboolean
can (Fixture    *f,
     const char *action)
{
  const char *button = g_str_equal (action, "wizard.next") ? "next_button" : "create_button";

  return gtk_widget_get_sensitive (child (f, button));
}

/* The message under the fields, or NULL when none shows. */
static const char *
error_of (Fixture    *f,
          const char *label)
{
  GtkWidget *widget = child (f, label);

  return gtk_widget_get_visible (widget) ? gtk_label_get_label (GTK_LABEL (widget)) : NULL;
}

static GFile *
make_file (const char *name,
           gsize       size,
           gboolean    iso)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autofree char *contents = g_malloc0 (MAX (size, 1));

  if (iso)
    memcpy (contents + 0x8001, "CD001", 5);
  g_assert_true (g_file_set_contents (path, contents, size, NULL));

  return g_file_new_for_path (path);
}

static void
define_taken (Fixture *f)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_new ("taken");

  gh_guest_config_set_kernel (config, DEMO_GUEST_PATH);
  g_assert_nonnull (gh_guest_store_define (f->store, config, NULL));
}

static void
test_source_checks (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/kernel");
  g_autoptr(GFile) empty = make_file ("empty.img", 0, FALSE);
  g_autoptr(GFile) not_iso = make_file ("not.iso", 64 * 1024, FALSE);
  g_autoptr(GFile) kernel = g_file_new_for_path (DEMO_GUEST_PATH);

  g_assert_cmpstr (gh_new_guest_dialog_get_step (f->dialog), ==, "source");
  g_assert_false (can (f, "wizard.next"));

  /* An installation image must be a CD image. */
  g_object_set (f->dialog, "iso-file", not_iso, NULL);
  if (g_file_test ("/usr/share/seabios/bios-256k.bin", G_FILE_TEST_EXISTS)
      || g_file_test ("/usr/share/seabios/bios.bin", G_FILE_TEST_EXISTS)
      || g_file_test ("/usr/share/qemu/bios-256k.bin", G_FILE_TEST_EXISTS))
    g_assert_nonnull (strstr (error_of (f, "source_error"), "not a CD image"));
  else
    g_assert_nonnull (strstr (error_of (f, "source_error"), "SeaBIOS"));
  g_assert_false (can (f, "wizard.next"));

  /* A kernel that is not there, or empty, is refused with a message. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (f, "kernel_check")), TRUE);
  g_assert_nonnull (error_of (f, "source_error"));
  g_object_set (f->dialog, "kernel-file", missing, NULL);
  g_assert_nonnull (strstr (error_of (f, "source_error"), "/nonexistent/kernel"));
  g_assert_false (can (f, "wizard.next"));
  g_object_set (f->dialog, "kernel-file", empty, NULL);
  g_assert_nonnull (strstr (error_of (f, "source_error"), "empty"));
  g_assert_false (can (f, "wizard.next"));

  g_object_set (f->dialog, "kernel-file", kernel, NULL);
  g_assert_null (error_of (f, "source_error"));
  g_assert_true (can (f, "wizard.next"));
}

static void
test_field_checks (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GFile) kernel = g_file_new_for_path (DEMO_GUEST_PATH);
  GtkEditable *name = GTK_EDITABLE (child (f, "name_row"));

  define_taken (f);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (f, "kernel_check")), TRUE);
  g_object_set (f->dialog, "kernel-file", kernel, NULL);
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);
  g_assert_cmpstr (gh_new_guest_dialog_get_step (f->dialog), ==, "name");

  /* The kernel's file name is only a suggestion; names are checked as they are typed. */
  gtk_editable_set_text (name, "taken");
  g_assert_nonnull (strstr (error_of (f, "name_error"), "already"));
  g_assert_false (can (f, "wizard.next"));
  gtk_editable_set_text (name, "not a name!");
  g_assert_nonnull (error_of (f, "name_error"));
  g_assert_false (can (f, "wizard.next"));
  gtk_editable_set_text (name, "");
  g_assert_nonnull (error_of (f, "name_error"));
  gtk_editable_set_text (name, "fresh");
  g_assert_null (error_of (f, "name_error"));
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);

  /* Memory: a floor, and a maximum that is at least the start. */
  g_assert_cmpstr (gh_new_guest_dialog_get_step (f->dialog), ==, "memory");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "memory_spin")), 8);
  g_assert_nonnull (error_of (f, "memory_error"));
  g_assert_false (can (f, "wizard.next"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "memory_spin")), 512);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "max_memory_spin")), 256);
  g_assert_nonnull (error_of (f, "memory_error"));
  g_assert_false (can (f, "wizard.next"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "max_memory_spin")), 1024);
  g_assert_null (error_of (f, "memory_error"));
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);

  g_assert_cmpstr (gh_new_guest_dialog_get_step (f->dialog), ==, "vcpus");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "vcpus_spin")), 0);
  g_assert_nonnull (error_of (f, "vcpus_error"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "vcpus_spin")), 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "max_vcpus_spin")), 1);
  g_assert_nonnull (error_of (f, "vcpus_error"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "max_vcpus_spin")), 4);
  g_assert_null (error_of (f, "vcpus_error"));
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);

  /* A disk of size zero is no disk. */
  g_assert_cmpstr (gh_new_guest_dialog_get_step (f->dialog), ==, "disk");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "disk_size_spin")), 0);
  g_assert_nonnull (error_of (f, "disk_error"));
  g_assert_false (can (f, "wizard.next"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (f, "no_disk_check")), TRUE);
  g_assert_null (error_of (f, "disk_error"));
  g_assert_true (can (f, "wizard.next"));

  /* Back keeps what was entered. */
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.back", NULL);
  g_assert_cmpstr (gh_new_guest_dialog_get_step (f->dialog), ==, "vcpus");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (child (f, "max_vcpus_spin"))),
                   ==, 4);
}

static void
test_create (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GFile) kernel = g_file_new_for_path (DEMO_GUEST_PATH);
  g_autofree char *disk_path = g_build_filename (g_get_user_data_dir (), "guesthouse", "images",
                                                 "made.img", NULL);
  GhGuestConfig *config;
  GhGuest *guest;
  GStatBuf st;

  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (f, "kernel_check")), TRUE);
  g_object_set (f->dialog, "kernel-file", kernel, NULL);
  gtk_editable_set_text (GTK_EDITABLE (child (f, "cmdline_row")), "console=ttyS0");
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);
  gtk_editable_set_text (GTK_EDITABLE (child (f, "name_row")), "made");
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "memory_spin")), 64);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "max_memory_spin")), 128);
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, "disk_size_spin")), 2);
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL);
  g_assert_cmpstr (gh_new_guest_dialog_get_step (f->dialog), ==, "review");
  g_assert_null (error_of (f, "review_error"));
  gtk_switch_set_active (GTK_SWITCH (child (f, "customize_switch")), TRUE);

  {
    g_autofree char *shot = g_build_filename (g_getenv ("G_TEST_BUILDDIR"),
                                              "guesthouse-new-guest.png", NULL);

    gh_ui_test_flush ();
    gh_ui_test_save_png (GTK_WIDGET (f->dialog), shot);
  }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.create", NULL));
  g_assert_cmpstr (f->created, ==, "made");
  g_assert_true (f->customize);

  guest = gh_guest_store_lookup (f->store, "made");
  g_assert_nonnull (guest);
  config = gh_guest_get_config (guest);
  g_assert_cmpuint (gh_guest_config_get_memory_mib (config), ==, 64);
  g_assert_cmpuint (gh_guest_config_get_max_memory_mib (config), ==, 128);
  g_assert_cmpstr (gh_guest_config_get_kernel (config), ==, DEMO_GUEST_PATH);
  g_assert_cmpstr (gh_guest_config_get_cmdline (config), ==, "console=ttyS0");
  g_assert_cmpuint (gh_guest_config_get_n_disks (config), ==, 1);
  g_assert_cmpstr (gh_guest_config_get_disk (config, 0)->path, ==, disk_path);
  g_assert_cmpuint (gh_guest_config_get_n_nics (config), ==, 1);
  g_assert_nonnull (gh_guest_config_get_nic (config, 0)->mac);

  /* A sparse image of the size asked. */
  g_assert_cmpint (g_stat (disk_path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, (goffset) 2 << 30);
}

static void
test_iso (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GFile) iso = make_file ("Debian 12 netinst.iso", 64 * 1024, TRUE);

  if (!g_file_test ("/usr/share/seabios/bios-256k.bin", G_FILE_TEST_EXISTS)
      && !g_file_test ("/usr/share/seabios/bios.bin", G_FILE_TEST_EXISTS)
      && !g_file_test ("/usr/share/qemu/bios-256k.bin", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("SeaBIOS is not installed");
      return;
    }

  /* An image handed over (as from the file manager) starts the assistant, with a name. */
  gh_new_guest_dialog_set_iso (f->dialog, iso);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (child (f, "iso_check"))));
  g_assert_null (error_of (f, "source_error"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (f, "name_row"))), ==,
                   "Debian-12-netinst");

  for (guint i = 0; i < 6; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.next", NULL));
  g_assert_cmpstr (gh_new_guest_dialog_get_step (f->dialog), ==, "review");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (f, "no_disk_check")), TRUE);
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "wizard.create", NULL);

  {
    GhGuest *guest = gh_guest_store_lookup (f->store, "Debian-12-netinst");
    GhGuestConfig *config = guest ? gh_guest_get_config (guest) : NULL;
    const GhDisk *cdrom;

    g_assert_nonnull (config);
    g_assert_nonnull (gh_guest_config_get_firmware (config));
    g_assert_cmpstr (gh_guest_config_get_boot_order (config), ==, "cdrom,disk");
    cdrom = gh_guest_config_get_disk (config, 0);
    g_assert_cmpint (cdrom->media, ==, GH_DISK_MEDIA_CDROM);
    g_assert_true (cdrom->readonly);
  }
}

int
main (int   argc,
      char *argv[])
{
  if (!gh_ui_test_init (&argc, &argv))
    return 77;

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/ui/new-guest-dialog/source-checks", test_source_checks);
  ADD ("/ui/new-guest-dialog/field-checks", test_field_checks);
  ADD ("/ui/new-guest-dialog/create", test_create);
  ADD ("/ui/new-guest-dialog/iso", test_iso);
#undef ADD

  return g_test_run ();
}
