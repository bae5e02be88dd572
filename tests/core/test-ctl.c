/* test-ctl.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* guesthouse-ctl end to end, with fake-vmm as the helper: define, start, pause, resume,
 * destroy, vCPUs, shutdown, CD-ROM media, the commands a VMM may lack, and a helper killed with
 * SIGKILL.
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gh-test-utils.h"

typedef struct
{
  char *root;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->root = gh_test_make_root ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gh_test_remove_root (f->root);
  g_free (f->root);
}

#define CTL(f, out, err, ...) gh_test_run ((f)->root, NULL, out, err, __VA_ARGS__, NULL)

static void
assert_one_line_error (const char *err,
                       const char *guest,
                       const char *needle)
{
  g_autofree char *prefix = g_strdup_printf ("guesthouse-ctl: guest “%s”: ", guest);

  g_assert_true (g_str_has_prefix (err, prefix));
  g_assert_nonnull (strstr (err, needle));
  g_assert_true (g_str_has_suffix (err, "\n"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

static char *
state_of (Fixture    *f,
          const char *name)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_cmpint (CTL (f, &out, NULL, "--json", "dominfo", name), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));

  return g_strdup (json_object_get_string_member (object, "state"));
}

static void
test_define_list (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *image = g_build_filename (f->root, "web.img", NULL);
  g_autofree char *disk = g_strdup_printf ("path=%s,size=64M", image);

  g_assert_cmpint (CTL (f, &out, &err, "define", "web", "--memory", "128", "--max-memory", "512",
                        "--kernel", "/nonexistent/vmlinuz", "--nic", "", "--disk", disk), ==, 0);
  g_assert_true (g_file_test (image, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Nothing is overwritten: same disk again without --force fails and defines nothing. */
  g_assert_cmpint (CTL (f, NULL, &err, "define", "web2", "--kernel", "/k", "--disk", disk), ==, 1);
  assert_one_line_error (err, "web2", "already exists");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, &out, &err, "list"), ==, 0);
  g_assert_null (strstr (out, "web"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, &out, &err, "list", "--all"), ==, 0);
  g_assert_nonnull (strstr (out, "Mem(MiB)"));
  g_assert_nonnull (strstr (out, "web"));
  g_assert_nonnull (strstr (out, "shut off"));
  g_assert_null (strstr (out, "web2"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, NULL, &err, "define", "web", "--kernel", "/k"), ==, 1);
  assert_one_line_error (err, "web", "already defined");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, NULL, &err, "define", "x", "--kernel", "/k", "--nic", "mac=ff:ff:ff:ff:ff:ff"),
                   ==, 1);
  assert_one_line_error (err, "x", "multicast");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, NULL, &err, "start", "nobody"), ==, 1);
  assert_one_line_error (err, "nobody", "no guest");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, NULL, &err, "undefine", "web", "--remove-disks"), ==, 0);
  g_assert_false (g_file_test (image, G_FILE_TEST_EXISTS));
}

static void
test_disk_create (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *image = g_build_filename (f->root, "d.img", NULL);
  g_autofree char *err = NULL;

  g_assert_cmpint (CTL (f, NULL, NULL, "disk-create", image, "10M"), ==, 0);
  g_assert_cmpint (CTL (f, NULL, &err, "disk-create", image, "20M"), ==, 1);
  g_assert_nonnull (strstr (err, "--force"));
  g_assert_cmpint (CTL (f, NULL, NULL, "disk-create", image, "20M", "--force"), ==, 0);
}

static void
test_lifecycle (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *state = NULL;

  g_assert_cmpint (CTL (f, NULL, NULL, "define", "one", "--memory", "128", "--max-memory", "256",
                        "--kernel", "/k", "--nic", ""), ==, 0);
  g_assert_cmpint (CTL (f, NULL, NULL, "define", "two", "--kernel", "/k"), ==, 0);

  /* "one" gets a helper without the power button and hotplug: the environment is inherited by
   * guesthouse-ctl and from it by the helper it starts. */
  g_setenv ("FAKE_VMM_OMIT", "system_powerdown,set-vcpus", TRUE);
  g_assert_cmpint (CTL (f, &out, &err, "start", "one"), ==, 0);
  g_unsetenv ("FAKE_VMM_OMIT");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "two"), ==, 0);

  g_assert_cmpint (CTL (f, &out, NULL, "list"), ==, 0);
  g_assert_nonnull (strstr (out, "running"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (CTL (f, &out, NULL, "domid", "one"), ==, 0);
  g_assert_cmpstr (out, ==, "1\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CTL (f, &out, NULL, "domid", "two"), ==, 0);
  g_assert_cmpstr (out, ==, "2\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CTL (f, &out, NULL, "domname", "2"), ==, 0);
  g_assert_cmpstr (out, ==, "two\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CTL (f, &out, NULL, "domuuid", "one"), ==, 0);
  g_strstrip (out);
  g_assert_true (gh_guest_uuid_validate (out, NULL));
  uuid = g_steal_pointer (&out);

  g_assert_cmpint (CTL (f, NULL, NULL, "pause", "one"), ==, 0);
  state = state_of (f, "one");
  g_assert_cmpstr (state, ==, "paused");
  g_clear_pointer (&state, g_free);
  g_assert_cmpint (CTL (f, NULL, NULL, "resume", "one"), ==, 0);
  state = state_of (f, "one");
  g_assert_cmpstr (state, ==, "running");
  g_clear_pointer (&state, g_free);

  /* Commands the helper lacks say so, in one line, and fail. */
  g_assert_cmpint (CTL (f, NULL, &err, "shutdown", "one"), ==, 1);
  assert_one_line_error (err, "one", "not available");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "mem-set", "one", "200"), ==, 1);
  assert_one_line_error (err, "one", "not available");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "mem-set", "one", "300"), ==, 1);
  assert_one_line_error (err, "one", "above the guest's maximum");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "vcpu-set", "one", "1"), ==, 1);
  assert_one_line_error (err, "one", "not available");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "screenshot", "one", "shot.png"), ==, 1);
  assert_one_line_error (err, "one", "not available");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, NULL, &err, "undefine", "one"), ==, 1);
  assert_one_line_error (err, "one", "running");
  g_clear_pointer (&err, g_free);

  /* Id 1 is freed at stop and given again. */
  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "one"), ==, 0);
  state = state_of (f, "one");
  g_assert_cmpstr (state, ==, "shut-off");
  g_clear_pointer (&state, g_free);
  g_assert_cmpint (CTL (f, &out, NULL, "domid", "one"), ==, 0);
  g_assert_cmpstr (out, ==, "-\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "pause", "one"), ==, 1);
  assert_one_line_error (err, "one", "not running");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, NULL, NULL, "start", "one"), ==, 0);
  g_assert_cmpint (CTL (f, &out, NULL, "domid", "one"), ==, 0);
  g_assert_cmpstr (out, ==, "1\n");
  g_clear_pointer (&out, g_free);

  /* The UUID never changes. */
  g_assert_cmpint (CTL (f, &out, NULL, "domuuid", "one"), ==, 0);
  g_strstrip (out);
  g_assert_cmpstr (out, ==, uuid);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "one"), ==, 0);
  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "two"), ==, 0);
}

/* Waits for the helper to go after a shutdown it acted on: a poll with a
 * deadline generous enough for a loaded machine. */
static void
wait_for_state (Fixture    *f,
                const char *name,
                const char *state)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_autofree char *now = NULL;

  while (g_get_monotonic_time () < deadline)
    {
      g_free (now);
      now = state_of (f, name);
      if (g_str_equal (now, state))
        return;
      g_usleep (10000);
    }
  g_error ("%s is still %s after 30 s, not %s", name, now, state);
}

static void
test_vcpus_shutdown (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *state = NULL;

  g_assert_cmpint (CTL (f, NULL, NULL, "define", "v", "--kernel", "/k", "--vcpus", "1",
                        "--max-vcpus", "4", "--nic", ""), ==, 0);
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "v"), ==, 0);

  g_assert_cmpint (CTL (f, &out, &err, "vcpu-set", "v", "3"), ==, 0);
  g_assert_nonnull (strstr (out, "3 vCPUs"));
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "vcpu-set", "v", "5"), ==, 1);
  assert_one_line_error (err, "v", "above the guest's maximum of 4");
  g_clear_pointer (&err, g_free);

  /* A guest that listens powers off. */
  g_assert_cmpint (CTL (f, &out, &err, "shutdown", "v"), ==, 0);
  g_assert_nonnull (strstr (out, "being shut down"));
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  wait_for_state (f, "v", "shut-off");

  /* One that does not: the press is delivered (success), with a warning, and it runs on. */
  g_setenv ("FAKE_VMM_DEAF", "1", TRUE);
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "v"), ==, 0);
  g_unsetenv ("FAKE_VMM_DEAF");
  g_assert_cmpint (CTL (f, NULL, &err, "shutdown", "v"), ==, 0);
  assert_one_line_error (err, "v", "not listening to the power button");
  state = state_of (f, "v");
  g_assert_cmpstr (state, ==, "running");
  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "v"), ==, 0);
}

static char *
config_disk_path (Fixture    *f,
                  const char *name,
                  guint       index)
{
  g_autoptr(GhGuestStore) store = gh_test_store_new (f->root, NULL);
  GhGuest *guest;

  g_assert_true (gh_guest_store_reload (store, NULL));
  guest = gh_guest_store_lookup (store, name);
  g_assert_nonnull (guest);

  return g_strdup (gh_guest_config_get_disk (gh_guest_get_config (guest), index)->path);
}

/* The helper's own view of the drive, asked directly. */
static char *
live_cdrom_file (Fixture    *f,
                 const char *name)
{
  g_autofree char *control = g_build_filename (f->root, "run", "guesthouse", name, "control",
                                               NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = gh_helper_client_execute_sync (control, "query-block", NULL, 5000,
                                                             &error);
  JsonArray *drives;

  g_assert_no_error (error);
  drives = json_node_get_array (reply);
  for (guint i = 0; i < json_array_get_length (drives); i++)
    {
      JsonObject *drive = json_array_get_object_element (drives, i);

      if (g_str_equal (json_object_get_string_member (drive, "device"), "cdrom0"))
        return g_strdup (json_object_get_string_member (drive, "file"));
    }
  g_assert_not_reached ();
}

static void
test_change_media (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *install = g_build_filename (f->root, "install.iso", NULL);
  g_autofree char *drivers = g_build_filename (f->root, "drivers.iso", NULL);
  g_autofree char *missing = g_build_filename (f->root, "missing.iso", NULL);
  g_autofree char *image = g_build_filename (f->root, "m.img", NULL);
  g_autofree char *cdrom_spec = g_strdup_printf ("path=%s,media=cdrom,bus=ide", install);
  g_autofree char *disk_spec = g_strdup_printf ("path=%s,size=1M", image);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *path = NULL;

  g_assert_true (g_file_set_contents (install, "", 0, NULL));
  g_assert_true (g_file_set_contents (drivers, "", 0, NULL));
  g_assert_cmpint (CTL (f, NULL, NULL, "define", "m", "--firmware", install, "--disk", disk_spec,
                        "--disk", cdrom_spec, "--nic", ""), ==, 0);

  /* Stopped: only the configuration changes. */
  g_assert_cmpint (CTL (f, &out, NULL, "change-media", "m", "cdrom0", drivers), ==, 0);
  g_assert_nonnull (strstr (out, "next start"));
  g_clear_pointer (&out, g_free);
  path = config_disk_path (f, "m", 1);
  g_assert_cmpstr (path, ==, drivers);
  g_clear_pointer (&path, g_free);

  g_assert_cmpint (CTL (f, &out, NULL, "change-media", "m", "cdrom0", "--eject"), ==, 0);
  g_assert_nonnull (strstr (out, "empty from the next start"));
  g_clear_pointer (&out, g_free);
  path = config_disk_path (f, "m", 1);
  g_assert_null (path);
  g_assert_cmpint (CTL (f, &out, NULL, "dominfo", "m"), ==, 0);
  g_assert_nonnull (strstr (out, "empty (cdrom, ide, read-only)"));
  g_clear_pointer (&out, g_free);

  /* The empty drive starts empty, and takes a medium again once stopped. */
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "m"), ==, 0);
  path = live_cdrom_file (f, "m");
  g_assert_null (path);
  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "m"), ==, 0);
  g_assert_cmpint (CTL (f, NULL, NULL, "change-media", "m", "cdrom0", drivers), ==, 0);
  path = config_disk_path (f, "m", 1);
  g_assert_cmpstr (path, ==, drivers);
  g_clear_pointer (&path, g_free);

  g_assert_cmpint (CTL (f, NULL, &err, "change-media", "m", "disk0", drivers), ==, 1);
  assert_one_line_error (err, "m", "not a CD-ROM");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "change-media", "m", "cdrom1", drivers), ==, 1);
  assert_one_line_error (err, "m", "no drive “cdrom1”");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "change-media", "m", "cdrom0", missing), ==, 1);
  assert_one_line_error (err, "m", missing);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "change-media", "nobody", "cdrom0", drivers), ==, 1);
  assert_one_line_error (err, "nobody", "No such guest");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, NULL, "change-media", "m", "cdrom0"), ==, 2);
  g_assert_cmpint (CTL (f, NULL, NULL, "change-media", "m", "cdrom0", drivers, "--force"), ==, 2);

  /* Running: the guest sees the new medium now, and the configuration keeps it. */
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "m"), ==, 0);
  path = live_cdrom_file (f, "m");
  g_assert_cmpstr (path, ==, drivers);
  g_clear_pointer (&path, g_free);

  g_assert_cmpint (CTL (f, &out, NULL, "change-media", "m", "cdrom0", install), ==, 0);
  g_assert_nonnull (strstr (out, "now holds"));
  g_clear_pointer (&out, g_free);
  path = live_cdrom_file (f, "m");
  g_assert_cmpstr (path, ==, install);
  g_clear_pointer (&path, g_free);
  path = config_disk_path (f, "m", 1);
  g_assert_cmpstr (path, ==, install);
  g_clear_pointer (&path, g_free);

  g_assert_cmpint (CTL (f, &out, NULL, "change-media", "m", "cdrom0", "--eject"), ==, 0);
  g_assert_nonnull (strstr (out, "ejected; the drive stays empty"));
  g_clear_pointer (&out, g_free);
  path = live_cdrom_file (f, "m");
  g_assert_null (path);
  /* The configuration follows: the next start has an empty drive too. */
  path = config_disk_path (f, "m", 1);
  g_assert_null (path);
  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "m"), ==, 0);
  g_assert_cmpint (CTL (f, NULL, NULL, "change-media", "m", "cdrom0", install), ==, 0);

  /* A locked tray refuses a plain eject, not a forced one. */
  g_setenv ("FAKE_VMM_TRAY_LOCKED", "1", TRUE);
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "m"), ==, 0);
  g_unsetenv ("FAKE_VMM_TRAY_LOCKED");
  g_assert_cmpint (CTL (f, NULL, &err, "change-media", "m", "cdrom0", "--eject"), ==, 1);
  assert_one_line_error (err, "m", "locked");
  g_clear_pointer (&err, g_free);
  path = config_disk_path (f, "m", 1);
  g_assert_cmpstr (path, ==, install);
  g_clear_pointer (&path, g_free);
  g_assert_cmpint (CTL (f, NULL, NULL, "change-media", "m", "cdrom0", "--eject", "--force"), ==,
                   0);
  path = live_cdrom_file (f, "m");
  g_assert_null (path);
  path = config_disk_path (f, "m", 1);
  g_assert_null (path);
  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "m"), ==, 0);

  /* A helper without media commands says so, and the configuration is left alone. */
  g_setenv ("FAKE_VMM_OMIT", "change,eject", TRUE);
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "m"), ==, 0);
  g_unsetenv ("FAKE_VMM_OMIT");
  g_assert_cmpint (CTL (f, NULL, &err, "change-media", "m", "cdrom0", drivers), ==, 1);
  assert_one_line_error (err, "m", "not available");
  g_clear_pointer (&err, g_free);
  path = config_disk_path (f, "m", 1);
  g_assert_null (path);
  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "m"), ==, 0);

  /* define makes an empty drive from media=cdrom alone, but not an empty disk. */
  g_assert_cmpint (CTL (f, NULL, NULL, "define", "e", "--firmware", install,
                        "--disk", "media=cdrom,bus=ide"), ==, 0);
  path = config_disk_path (f, "e", 0);
  g_assert_null (path);
  g_assert_cmpint (CTL (f, NULL, &err, "define", "e2", "--firmware", install,
                        "--disk", "bus=ide"), ==, 1);
  assert_one_line_error (err, "e2", "only a CD-ROM drive");
  g_clear_pointer (&err, g_free);
}

static void
test_sigkill (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *state = NULL;
  g_autofree char *dir = g_build_filename (f->root, "run", "guesthouse", "victim", NULL);
  g_autofree char *config = g_build_filename (f->root, "config", "guesthouse", "guests",
                                              "victim.conf", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gint64 pid;

  g_assert_cmpint (CTL (f, NULL, NULL, "define", "victim", "--kernel", "/k", "--nic", ""), ==, 0);
  g_assert_true (g_file_get_contents (config, &before, NULL, NULL));
  g_assert_cmpint (CTL (f, &out, NULL, "--json", "start", "victim"), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  pid = json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)), "pid");
  g_assert_cmpint (pid, >, 0);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);
  for (guint i = 0; i < 500 && g_file_test (dir, G_FILE_TEST_EXISTS); i++)
    g_usleep (10000);

  /* The runtime folder is cleaned, the config is intact, the state says crashed. */
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (config, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
  state = state_of (f, "victim");
  g_assert_cmpstr (state, ==, "crashed");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CTL (f, &out, NULL, "list", "--all"), ==, 0);
  g_assert_nonnull (strstr (out, "crashed"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CTL (f, &out, NULL, "dominfo", "victim"), ==, 0);
  g_assert_nonnull (strstr (out, "signal 9"));
  g_clear_pointer (&state, g_free);

  /* It starts again. */
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "victim"), ==, 0);
  state = state_of (f, "victim");
  g_assert_cmpstr (state, ==, "running");
  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "victim"), ==, 0);
}

static void
test_sigkill_with_monitor (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *state = NULL;
  g_autofree char *dir = g_build_filename (f->root, "run", "guesthouse", "victim", NULL);
  g_autofree char *pid_path = g_build_filename (dir, "pid", NULL);
  g_autofree char *pid_text = NULL;
  g_autofree char *stat_path = NULL;
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  pid_t pid, monitor;

  g_assert_cmpint (CTL (f, NULL, NULL, "define", "victim", "--kernel", "/k"), ==, 0);
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "victim"), ==, 0);
  g_assert_true (g_file_get_contents (pid_path, &pid_text, NULL, NULL));
  pid = atoi (pid_text);

  /* Kill the monitor first, then the helper: nobody cleans up but the next look. */
  stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_assert_true (g_file_get_contents (stat_path, &stat, NULL, NULL));
  fields = g_strsplit (strrchr (stat, ')') + 2, " ", 4);
  monitor = atoi (fields[1]);
  g_assert_cmpint (monitor, >, 1);
  g_assert_cmpint (kill (monitor, SIGKILL), ==, 0);
  g_usleep (100000);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_usleep (200000);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  g_assert_cmpint (CTL (f, &out, &err, "list", "--all"), ==, 0);
  g_assert_nonnull (strstr (out, "crashed"));
  /* The cleanup is reported. */
  assert_one_line_error (err, "victim", "stale runtime folder");
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  state = state_of (f, "victim");
  g_assert_cmpstr (state, ==, "crashed");
}

static void
test_broken_config (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->root, "config", "guesthouse", "guests", NULL);
  g_autofree char *path = g_build_filename (dir, "broken.conf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *where = g_strdup_printf ("%s:2:", path);

  g_assert_cmpint (CTL (f, NULL, NULL, "define", "fine", "--kernel", "/k"), ==, 0);
  g_assert_true (g_file_set_contents (path, "[Guest]\nthis is not a key file\n", -1, NULL));

  g_assert_cmpint (CTL (f, &out, &err, "list", "--all"), ==, 0);
  g_assert_nonnull (strstr (out, "broken"));
  g_assert_nonnull (strstr (out, "fine"));
  assert_one_line_error (err, "broken", where);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CTL (f, NULL, &err, "define", "broken", "--kernel", "/k"), ==, 1);
  assert_one_line_error (err, "broken", "untouched");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CTL (f, NULL, &err, "start", "broken"), ==, 1);
  assert_one_line_error (err, "broken", where);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "[Guest]\nthis is not a key file\n");
}

static const char *
state_of_c (Fixture *f)
{
  static char state[32];
  g_autofree char *s = state_of (f, "c");

  g_strlcpy (state, s, sizeof state);

  return state;
}

static void
test_console (Fixture       *f,
              gconstpointer  data)
{
  g_auto(GStrv) env = gh_test_environ (f->root, NULL);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) console = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  GOutputStream *in;
  GInputStream *out;

  g_assert_cmpint (CTL (f, NULL, NULL, "define", "c", "--kernel", "/k"), ==, 0);
  g_assert_cmpint (CTL (f, NULL, NULL, "start", "c"), ==, 0);

  /* The fake helper echoes its serial port: what goes in comes back through the pty. Then
   * Ctrl+] detaches and the command ends successfully, the guest still running.
   */
  g_subprocess_launcher_set_environ (launcher, env);
  console = g_subprocess_launcher_spawn (launcher, &error, CTL_PATH, "console", "c", NULL);
  g_assert_no_error (error);
  in = g_subprocess_get_stdin_pipe (console);
  out = g_subprocess_get_stdout_pipe (console);

  g_assert_true (g_output_stream_write_all (in, "hello", 5, NULL, NULL, &error));
  while (strstr (seen->str, "hello") == NULL)
    {
      char buf[64];
      gssize n = g_input_stream_read (out, buf, sizeof buf, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (seen, buf, n);
    }
  g_assert_true (g_output_stream_write_all (in, "\x1d", 1, NULL, NULL, &error));
  g_assert_true (g_subprocess_wait_check (console, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (state_of_c (f), ==, "running");

  g_assert_cmpint (CTL (f, NULL, NULL, "destroy", "c"), ==, 0);
}

static void
test_concurrent_define (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(GStrv) env = gh_test_environ (f->root, NULL);
  g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) macs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GhGuestStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint ok = 0;

  /* Two CLIs defining the same name at once: exactly one wins. Others in parallel. */
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                   | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_autofree char *name = g_strdup_printf ("g%u", i / 2);
      GSubprocess *proc;

      g_subprocess_launcher_set_environ (launcher, env);
      proc = g_subprocess_launcher_spawn (launcher, &error, CTL_PATH, "define", name,
                                          "--kernel", "/k", "--nic", "", "--nic", "", NULL);
      g_assert_no_error (error);
      g_ptr_array_add (procs, proc);
    }

  for (guint i = 0; i < procs->len; i++)
    {
      g_subprocess_wait (procs->pdata[i], NULL, NULL);
      if (g_subprocess_get_successful (procs->pdata[i]))
        ok++;
    }
  g_assert_cmpuint (ok, ==, 3);

  store = gh_test_store_new (f->root, NULL);
  g_assert_true (gh_guest_store_reload (store, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GhGuest) guest = g_list_model_get_item (G_LIST_MODEL (store), i);
      GhGuestConfig *config = gh_guest_get_config (guest);

      for (guint j = 0; j < gh_guest_config_get_n_nics (config); j++)
        g_assert_true (g_hash_table_add (macs, g_strdup (gh_guest_config_get_nic (config, j)->mac)));
    }
  g_assert_cmpuint (g_hash_table_size (macs), ==, 6);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/core/ctl/define-list", test_define_list);
  ADD ("/core/ctl/disk-create", test_disk_create);
  ADD ("/core/ctl/lifecycle", test_lifecycle);
  ADD ("/core/ctl/vcpus-shutdown", test_vcpus_shutdown);
  ADD ("/core/ctl/change-media", test_change_media);
  ADD ("/core/ctl/sigkill", test_sigkill);
  ADD ("/core/ctl/sigkill-with-monitor", test_sigkill_with_monitor);
  ADD ("/core/ctl/broken-config", test_broken_config);
  ADD ("/core/ctl/console", test_console);
  ADD ("/core/ctl/concurrent-define", test_concurrent_define);
#undef ADD

  return g_test_run ();
}
