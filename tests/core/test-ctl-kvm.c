/* test-ctl-kvm.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* guesthouse-ctl with the real guesthouse-vmm on /dev/kvm: start, pause, resume, destroy, and
 * SIGKILL. Skips (77) with a reason when /dev/kvm, the VMM or a guest image is missing.
 * The guest is tests/guests' idle image, which keeps running; GH_KVM_GUEST may name another.
 */

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gh-test-utils.h"

#ifndef REAL_VMM_PATH
# define REAL_VMM_PATH NULL
#endif
#ifndef IDLE_GUEST_PATH
# define IDLE_GUEST_PATH NULL
#endif
#ifndef DEMO_GUEST_PATH
# define DEMO_GUEST_PATH NULL
#endif

static const char *
kvm_guest_image (void)
{
  const char *image = g_getenv ("GH_KVM_GUEST");

  return image != NULL ? image : IDLE_GUEST_PATH;
}

static char *
state_of (const char *root,
          const char *name)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, &out, NULL, "--json", "dominfo", name,
                                NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));

  return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "state"));
}

static void
test_lifecycle (void)
{
  const char *guest_image = kvm_guest_image ();
  g_autofree char *root = gh_test_make_root ();
  g_autofree char *kernel = NULL;
  g_autofree char *state = NULL;
  g_autofree char *err = NULL;
  g_autofree char *pid_text = NULL;
  g_autofree char *pid_path = g_build_filename (root, "run", "guesthouse", "k", "pid", NULL);
  g_autofree char *dir = g_build_filename (root, "run", "guesthouse", "k", NULL);

  kernel = g_canonicalize_filename (guest_image, NULL);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "define", "k", "--memory", "64",
                                "--kernel", kernel, "--display", "off", NULL), ==, 0);
  if (gh_test_run (root, REAL_VMM_PATH, NULL, &err, "start", "k", NULL) != 0)
    g_error ("start failed: %s", err);

  state = state_of (root, "k");
  g_assert_cmpstr (state, ==, "running");
  g_clear_pointer (&state, g_free);

  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "pause", "k", NULL), ==, 0);
  state = state_of (root, "k");
  g_assert_cmpstr (state, ==, "paused");
  g_clear_pointer (&state, g_free);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "resume", "k", NULL), ==, 0);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "destroy", "k", NULL), ==, 0);
  state = state_of (root, "k");
  g_assert_cmpstr (state, ==, "shut-off");
  g_clear_pointer (&state, g_free);

  /* The demo guest, with a balloon and a screen: mem-set moves the balloon within its
   * limits, screenshot writes the screen as PNG. */
  if (DEMO_GUEST_PATH == NULL)
    {
      g_test_skip ("the demo guest is not built");
      gh_test_remove_root (root);
      return;
    }
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "define", "b", "--memory", "64",
                                "--max-memory", "128", "--max-vcpus", "2",
                                "--kernel", DEMO_GUEST_PATH, NULL), ==, 0);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "start", "b", NULL), ==, 0);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "mem-set", "b", "96", NULL), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, &err, "mem-set", "b", "512", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "128 MiB"));
  {
    g_autofree char *shot = g_build_filename (root, "screen.png", NULL);
    g_autofree char *png = NULL;
    gsize len = 0;

    g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "screenshot", "b", shot, NULL),
                     ==, 0);
    g_assert_true (g_file_get_contents (shot, &png, &len, NULL));
    g_assert_cmpuint (len, >, 8);
    g_assert_cmpmem (png, 8, "\x89PNG\r\n\x1a\n", 8);
  }
  /* The ACPI requests reach the VMM; the demo guest has no ACPI driver, so it neither
   * plugs the vCPU in nor listens to the power button, and shutdown says so. */
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "vcpu-set", "b", "2", NULL), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, &err, "vcpu-set", "b", "3", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "2"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, &err, "shutdown", "b", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "not listening to the power button"));
  state = state_of (root, "b");
  g_assert_cmpstr (state, ==, "running");
  g_clear_pointer (&state, g_free);
  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "destroy", "b", NULL), ==, 0);
  state = state_of (root, "k");
  g_assert_cmpstr (state, ==, "shut-off");
  g_clear_pointer (&state, g_free);

  g_assert_cmpint (gh_test_run (root, REAL_VMM_PATH, NULL, NULL, "start", "k", NULL), ==, 0);
  g_assert_true (g_file_get_contents (pid_path, &pid_text, NULL, NULL));
  g_assert_cmpint (kill (atoi (pid_text), SIGKILL), ==, 0);
  for (guint i = 0; i < 500 && g_file_test (dir, G_FILE_TEST_EXISTS); i++)
    g_usleep (10000);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  state = state_of (root, "k");
  g_assert_cmpstr (state, ==, "crashed");

  gh_test_remove_root (root);
}

int
main (int   argc,
      char *argv[])
{
  const char *guest_image = kvm_guest_image ();
  int fd;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (REAL_VMM_PATH == NULL || !g_file_test (REAL_VMM_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_print ("1..0 # SKIP guesthouse-vmm is not built yet\n");
      return 77;
    }
  if ((fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
    {
      g_print ("1..0 # SKIP /dev/kvm is not available\n");
      return 77;
    }
  close (fd);
  if (guest_image == NULL || !g_file_test (guest_image, G_FILE_TEST_IS_REGULAR))
    {
      g_print ("1..0 # SKIP set GH_KVM_GUEST to a test guest image that keeps running\n");
      return 77;
    }

  g_test_add_func ("/core/ctl-kvm/lifecycle", test_lifecycle);

  return g_test_run ();
}
