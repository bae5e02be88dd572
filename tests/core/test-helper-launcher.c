/* test-helper-launcher.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-test-utils.h"

static void
test_new_destroy (void)
{
  GhHelperLauncher *launcher = gh_helper_launcher_new ("/opt/gh/guesthouse-vmm");

  g_assert_cmpstr (gh_helper_launcher_get_vmm_path (launcher), ==, "/opt/gh/guesthouse-vmm");
  g_assert_finalize_object (launcher);
}

/* The golden command line: a review of this list is a review of the core ↔ VMM contract. */
static void
test_argv_kernel (void)
{
  g_autoptr(GhHelperLauncher) launcher = gh_helper_launcher_new ("/vmm");
  g_autoptr(GhGuestConfig) config = gh_guest_config_new ("web");
  g_autoptr(GhDisk) disk = gh_disk_new ("/img/root.img");
  g_autoptr(GhDisk) cdrom = gh_disk_new ("/img/cd.iso");
  g_autoptr(GhDisk) empty = gh_disk_new (NULL);
  g_autoptr(GhNic) user = gh_nic_new ();
  g_autoptr(GhNic) tap = gh_nic_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  const char * const expected[] = {
    "/vmm", "--name", "web", "--uuid", "6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b",
    "--memory", "256", "--max-memory", "1024", "--vcpus", "1", "--max-vcpus", "4",
    "--kernel", "/k/vmlinuz", "--initrd", "/k/initrd", "--cmdline", "console=ttyS0 quiet",
    "--disk", "path=/img/root.img,bus=virtio",
    "--disk", "path=/img/cd.iso,readonly=on,media=cdrom,bus=ide",
    "--disk", "media=cdrom,bus=ide",
    "--nic", "mac=0a:67:68:00:00:01,net=user",
    "--nic", "mac=0a:67:68:00:00:02,tap=tap0",
    "--display", "vnc=unix:/run/gh/web/vnc",
    "--serial", "pty:/run/gh/web/serial",
    "--control", "unix:/run/gh/web/control",
    NULL
  };

  gh_guest_config_set_uuid (config, "6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b");
  gh_guest_config_set_memory_mib (config, 256);
  gh_guest_config_set_max_memory_mib (config, 1024);
  gh_guest_config_set_max_vcpus (config, 4);
  gh_guest_config_set_kernel (config, "/k/vmlinuz");
  gh_guest_config_set_initrd (config, "/k/initrd");
  gh_guest_config_set_cmdline (config, "console=ttyS0 quiet");
  gh_guest_config_add_disk (config, disk);
  cdrom->media = GH_DISK_MEDIA_CDROM;
  cdrom->readonly = TRUE;
  cdrom->bus = GH_DISK_BUS_IDE;
  gh_guest_config_add_disk (config, cdrom);
  /* An empty drive is the drive alone, without path= or readonly=. */
  empty->media = GH_DISK_MEDIA_CDROM;
  empty->readonly = TRUE;
  empty->bus = GH_DISK_BUS_IDE;
  gh_guest_config_add_disk (config, empty);
  user->mac = g_strdup ("0a:67:68:00:00:01");
  gh_guest_config_add_nic (config, user);
  tap->mac = g_strdup ("0a:67:68:00:00:02");
  tap->backend = GH_NIC_BACKEND_TAP;
  tap->tap = g_strdup ("tap0");
  gh_guest_config_add_nic (config, tap);

  argv = gh_helper_launcher_build_argv (launcher, config, "/run/gh/web", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, expected);
}

static void
test_argv_firmware (void)
{
  g_autoptr(GhHelperLauncher) launcher = gh_helper_launcher_new ("/vmm");
  g_autoptr(GhGuestConfig) config = gh_guest_config_new ("win");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  const char * const expected[] = {
    "/vmm", "--name", "win", "--uuid", "6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b",
    "--memory", "512", "--max-memory", "512", "--vcpus", "1", "--max-vcpus", "1",
    "--firmware", "/fw/bios.bin", "--boot", "cdrom,disk",
    "--display", "none",
    "--serial", "pty:/r/win/serial",
    "--control", "unix:/r/win/control",
    NULL
  };

  gh_guest_config_set_uuid (config, "6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b");
  gh_guest_config_set_firmware (config, "/fw/bios.bin");
  gh_guest_config_set_boot_order (config, "cdrom,disk");
  gh_guest_config_set_display (config, FALSE);

  argv = gh_helper_launcher_build_argv (launcher, config, "/r/win", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, expected);
}

static void
test_argv_errors (void)
{
  g_autoptr(GhHelperLauncher) launcher = gh_helper_launcher_new ("/vmm");
  g_autoptr(GhGuestConfig) config = gh_test_config_new ("web");
  g_autoptr(GError) error = NULL;
  g_autofree char *long_dir = g_strnfill (120, 'r');
  char **argv;

  /* Invalid configurations never become command lines. */
  argv = gh_helper_launcher_build_argv (launcher, config, "/r", &error);
  g_assert_null (argv);
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY);
  g_clear_error (&error);

  gh_guest_config_set_uuid (config, "6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b");
  long_dir[0] = '/';
  argv = gh_helper_launcher_build_argv (launcher, config, long_dir, &error);
  g_assert_null (argv);
  g_assert_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_PATH_TOO_LONG);
}

static void
test_find_vmm (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;

  g_setenv ("GUESTHOUSE_VMM", FAKE_VMM_PATH, TRUE);
  found = gh_helper_launcher_find_vmm (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, FAKE_VMM_PATH);

  /* A variable pointing nowhere is an error, not a reason to look elsewhere. */
  g_setenv ("GUESTHOUSE_VMM", "/nonexistent/guesthouse-vmm", TRUE);
  g_assert_null (gh_helper_launcher_find_vmm (&error));
  g_assert_error (error, GH_LAUNCHER_ERROR, GH_LAUNCHER_ERROR_NO_VMM);
  g_assert_nonnull (strstr (error->message, "GUESTHOUSE_VMM"));
  g_unsetenv ("GUESTHOUSE_VMM");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/helper-launcher/new-destroy", test_new_destroy);
  g_test_add_func ("/core/helper-launcher/argv-kernel", test_argv_kernel);
  g_test_add_func ("/core/helper-launcher/argv-firmware", test_argv_firmware);
  g_test_add_func ("/core/helper-launcher/argv-errors", test_argv_errors);
  g_test_add_func ("/core/helper-launcher/find-vmm", test_find_vmm);

  return g_test_run ();
}
