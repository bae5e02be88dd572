/* test-guest-config.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "gh-test-utils.h"

#define GOOD_UUID "6f1c1b5e-8a57-4b1a-9f0e-3c2d1e0f4a5b"

static const char good_file[] =
  "# a comment\n"
  "[Guest]\n"
  "UUID=" GOOD_UUID "\n"
  "Memory=512\n"
  "MaxMemory=2048\n"
  "VCPUs=2\n"
  "MaxVCPUs=4\n"
  "Display=false\n"
  "\n"
  "[Boot]\n"
  "Firmware=/usr/share/seabios/bios.bin\n"
  "Order=cdrom,disk\n"
  "\n"
  "[Disk 1]\n"
  "Path=/srv/images/install.iso\n"
  "Media=cdrom\n"
  "Bus=ide\n"
  "ReadOnly=true\n"
  "\n"
  "[Disk 0]\n"
  "Path=/srv/images/root.img\n"
  "\n"
  "[NIC 0]\n"
  "MAC=0A:67:68:01:02:03\n"
  "Backend=tap\n"
  "Tap=tap0\n";

static void
test_new_destroy (void)
{
  GhGuestConfig *config = gh_guest_config_new ("web");

  g_assert_cmpstr (gh_guest_config_get_name (config), ==, "web");
  g_assert_null (gh_guest_config_get_uuid (config));
  g_assert_cmpuint (gh_guest_config_get_memory_mib (config), ==, 512);
  g_assert_cmpuint (gh_guest_config_get_vcpus (config), ==, 1);
  g_assert_true (gh_guest_config_get_display (config));

  g_assert_finalize_object (config);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_properties_notify (void)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_new ("web");
  guint notified = 0;
  guint memory;

  g_signal_connect (config, "notify", G_CALLBACK (count_notify), &notified);

  g_object_set (config, "memory-mib", 1024, NULL);
  g_object_set (config, "memory-mib", 1024, NULL);   /* same value: no notify */
  gh_guest_config_set_kernel (config, "/boot/vmlinuz");
  gh_guest_config_set_kernel (config, "/boot/vmlinuz");
  gh_guest_config_set_kernel (config, "");           /* empty means unset */

  g_object_get (config, "memory-mib", &memory, NULL);
  g_assert_cmpuint (memory, ==, 1024);
  g_assert_null (gh_guest_config_get_kernel (config));
  g_assert_cmpuint (notified, ==, 3);
}

static void
test_load_good (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhGuestConfig) config = NULL;
  const GhDisk *disk;
  const GhNic *nic;

  config = gh_guest_config_new_from_data ("web", good_file, strlen (good_file), "web.conf",
                                          &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gh_guest_config_get_uuid (config), ==, GOOD_UUID);
  g_assert_cmpuint (gh_guest_config_get_memory_mib (config), ==, 512);
  g_assert_cmpuint (gh_guest_config_get_max_memory_mib (config), ==, 2048);
  g_assert_cmpuint (gh_guest_config_get_vcpus (config), ==, 2);
  g_assert_cmpuint (gh_guest_config_get_max_vcpus (config), ==, 4);
  g_assert_false (gh_guest_config_get_display (config));
  g_assert_null (gh_guest_config_get_kernel (config));
  g_assert_cmpstr (gh_guest_config_get_firmware (config), ==, "/usr/share/seabios/bios.bin");
  g_assert_cmpstr (gh_guest_config_get_boot_order (config), ==, "cdrom,disk");

  /* Disks come in index order, whatever the order of the groups. */
  g_assert_cmpuint (gh_guest_config_get_n_disks (config), ==, 2);
  disk = gh_guest_config_get_disk (config, 0);
  g_assert_cmpstr (disk->path, ==, "/srv/images/root.img");
  g_assert_cmpint (disk->media, ==, GH_DISK_MEDIA_DISK);
  g_assert_cmpint (disk->bus, ==, GH_DISK_BUS_VIRTIO);
  g_assert_false (disk->readonly);
  disk = gh_guest_config_get_disk (config, 1);
  g_assert_cmpint (disk->media, ==, GH_DISK_MEDIA_CDROM);
  g_assert_cmpint (disk->bus, ==, GH_DISK_BUS_IDE);
  g_assert_true (disk->readonly);

  g_assert_cmpuint (gh_guest_config_get_n_nics (config), ==, 1);
  nic = gh_guest_config_get_nic (config, 0);
  g_assert_cmpstr (nic->mac, ==, "0a:67:68:01:02:03");
  g_assert_cmpint (nic->backend, ==, GH_NIC_BACKEND_TAP);
  g_assert_cmpstr (nic->tap, ==, "tap0");
  g_assert_cmpstr (nic->model, ==, "virtio");
}

static void
test_defaults (void)
{
  const char *data = "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GhGuestConfig) config = gh_guest_config_new_from_data ("a", data, strlen (data),
                                                                    NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (gh_guest_config_get_max_memory_mib (config), ==, 256);
  g_assert_cmpuint (gh_guest_config_get_vcpus (config), ==, 1);
  g_assert_cmpuint (gh_guest_config_get_max_vcpus (config), ==, 1);
  g_assert_true (gh_guest_config_get_display (config));
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhGuestConfig) config = NULL;
  g_autoptr(GhGuestConfig) again = NULL;
  g_autofree char *data = NULL;
  g_autofree char *data2 = NULL;
  g_autofree char *root = gh_test_make_root ();
  g_autofree char *path = g_build_filename (root, "sub", "web.conf", NULL);
  gsize length;

  config = gh_guest_config_new_from_data ("web", good_file, strlen (good_file), NULL, &error);
  g_assert_no_error (error);

  g_assert_true (gh_guest_config_save (config, path, &error));
  g_assert_no_error (error);

  again = gh_guest_config_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gh_guest_config_get_name (again), ==, "web");

  data = gh_guest_config_to_data (config, &length);
  data2 = gh_guest_config_to_data (again, NULL);
  g_assert_cmpstr (data, ==, data2);

  {
    GStatBuf st;

    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  gh_test_remove_root (root);
}

/* An empty CD-ROM drive is saved without a Path key; an empty Path= by hand reads the same. */
static void
test_empty_cdrom (void)
{
  const char *data = "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nFirmware=/fw\n"
                     "[Disk 0]\nMedia=cdrom\nBus=ide\nReadOnly=true\n"
                     "[Disk 1]\nPath=\nMedia=cdrom\nBus=ide\nReadOnly=true\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GhGuestConfig) config = NULL;
  g_autoptr(GhGuestConfig) again = NULL;
  g_autoptr(GhGuestConfig) copy = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *saved_again = NULL;

  config = gh_guest_config_new_from_data ("cd", data, strlen (data), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gh_guest_config_get_n_disks (config), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_null (gh_guest_config_get_disk (config, i)->path);
      g_assert_cmpint (gh_guest_config_get_disk (config, i)->media, ==, GH_DISK_MEDIA_CDROM);
    }

  saved = gh_guest_config_to_data (config, NULL);
  g_assert_null (strstr (saved, "Path"));
  again = gh_guest_config_new_from_data ("cd", saved, strlen (saved), NULL, &error);
  g_assert_no_error (error);
  g_assert_null (gh_guest_config_get_disk (again, 1)->path);
  saved_again = gh_guest_config_to_data (again, NULL);
  g_assert_cmpstr (saved, ==, saved_again);

  copy = gh_guest_config_copy (config, "cd2");
  g_assert_null (gh_guest_config_get_disk (copy, 0)->path);

  /* Filled and emptied again, as change-media and Eject do. */
  gh_guest_config_set_disk_path (config, 1, "/images/install.iso");
  g_assert_cmpstr (gh_guest_config_get_disk (config, 1)->path, ==, "/images/install.iso");
  g_assert_true (gh_guest_config_validate (config, &error));
  gh_guest_config_set_disk_path (config, 1, NULL);
  g_assert_null (gh_guest_config_get_disk (config, 1)->path);
  g_assert_true (gh_guest_config_validate (config, &error));
  g_assert_no_error (error);
}

/* Only a CD-ROM drive may be empty: a hard disk without an image is refused, and says why. */
static void
test_empty_disk_refused (void)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_new ("hd");
  g_autoptr(GhDisk) disk = gh_disk_new ("/images/root.img");
  g_autoptr(GError) error = NULL;

  gh_guest_config_set_uuid (config, GOOD_UUID);
  gh_guest_config_set_kernel (config, "/k");
  gh_guest_config_add_disk (config, disk);
  g_assert_true (gh_guest_config_validate (config, &error));
  g_assert_no_error (error);

  gh_guest_config_set_disk_path (config, 0, NULL);
  g_assert_false (gh_guest_config_validate (config, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY);
  g_assert_nonnull (strstr (error->message, "only a CD-ROM drive may be empty"));
}

typedef struct
{
  const char *what;
  const char *data;
  int         code;
  guint       line;    /* 0: no line expected */
} BadCase;

static const BadCase bad_cases[] = {
  { "not a key file", "hello\n", GH_CONFIG_ERROR_PARSE, 1 },
  { "key before group", "UUID=x\n[Guest]\n", GH_CONFIG_ERROR_PARSE, 1 },
  { "broken group", "[Guest]\nUUID=" GOOD_UUID "\n[Boot\n", GH_CONFIG_ERROR_PARSE, 3 },
  { "duplicate key", "[Guest]\nUUID=" GOOD_UUID "\nMemory=1\nMemory=2\n",
    GH_CONFIG_ERROR_PARSE, 4 },
  { "duplicate group", "[Guest]\nMemory=1\n[Boot]\n[Guest]\n", GH_CONFIG_ERROR_PARSE, 4 },
  { "NUL byte", "[Guest]\nUUID=a\0b\n", GH_CONFIG_ERROR_PARSE, 2 },
  { "not UTF-8", "[Guest]\nUUID=\xff\xfe\n", GH_CONFIG_ERROR_PARSE, 2 },
  { "no Guest group", "[Boot]\nKernel=/k\n", GH_CONFIG_ERROR_MISSING_KEY, 0 },
  { "no UUID", "[Guest]\nMemory=256\n[Boot]\nKernel=/k\n", GH_CONFIG_ERROR_MISSING_KEY, 1 },
  { "bad UUID", "[Guest]\nUUID=nope\nMemory=256\n[Boot]\nKernel=/k\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 2 },
  { "negative memory", "[Guest]\nUUID=" GOOD_UUID "\nMemory=-5\n[Boot]\nKernel=/k\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 3 },
  { "memory overflow", "[Guest]\nUUID=" GOOD_UUID "\nMemory=99999999999999999999\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 3 },
  { "hex memory", "[Guest]\nUUID=" GOOD_UUID "\nMemory=0x100\n", GH_CONFIG_ERROR_INVALID_VALUE, 3 },
  { "memory too big", "[Guest]\nUUID=" GOOD_UUID "\nMemory=2000000\n[Boot]\nKernel=/k\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 3 },
  { "memory above max",
    "[Guest]\nUUID=" GOOD_UUID "\nMaxMemory=128\nMemory=256\n[Boot]\nKernel=/k\n",
    GH_CONFIG_ERROR_INCONSISTENT, 4 },
  { "zero vcpus", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\nVCPUs=0\n[Boot]\nKernel=/k\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 4 },
  { "vcpus above max",
    "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\nVCPUs=4\nMaxVCPUs=2\n[Boot]\nKernel=/k\n",
    GH_CONFIG_ERROR_INCONSISTENT, 4 },
  { "bad boolean", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\nDisplay=maybe\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 4 },
  { "unknown key", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\nColour=red\n",
    GH_CONFIG_ERROR_UNKNOWN_KEY, 4 },
  { "unknown group", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Extra]\n",
    GH_CONFIG_ERROR_UNKNOWN_KEY, 4 },
  { "disk index too big", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Disk 16]\nPath=/a\n",
    GH_CONFIG_ERROR_UNKNOWN_KEY, 4 },
  { "disk index with zero", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Disk 01]\nPath=/a\n",
    GH_CONFIG_ERROR_UNKNOWN_KEY, 4 },
  { "no boot source", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n",
    GH_CONFIG_ERROR_MISSING_KEY, 1 },
  { "kernel and firmware",
    "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\nFirmware=/f\n",
    GH_CONFIG_ERROR_INCONSISTENT, 6 },
  { "relative kernel", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=k\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 5 },
  { "boot order with kernel",
    "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\nOrder=disk\n",
    GH_CONFIG_ERROR_INCONSISTENT, 6 },
  { "bad boot order",
    "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nFirmware=/f\nOrder=disk,disk\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 6 },
  { "disk without path", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[Disk 0]\nBus=ide\n", GH_CONFIG_ERROR_MISSING_KEY, 6 },
  { "disk with empty path", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[Disk 0]\nMedia=disk\nPath=\n", GH_CONFIG_ERROR_MISSING_KEY, 8 },
  { "disk path with comma", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[Disk 0]\nPath=/a,readonly=off\n", GH_CONFIG_ERROR_INVALID_VALUE, 7 },
  { "disk path escapes newline", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[Disk 0]\nPath=/a\\nb\n", GH_CONFIG_ERROR_INVALID_VALUE, 7 },
  { "writable cdrom", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[Disk 0]\nPath=/a.iso\nMedia=cdrom\nReadOnly=false\n", GH_CONFIG_ERROR_INCONSISTENT, 9 },
  { "bad bus", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[Disk 0]\nPath=/a\nBus=scsi\n", GH_CONFIG_ERROR_INVALID_VALUE, 8 },
  { "same disk twice", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[Disk 0]\nPath=/a\n[Disk 1]\nPath=/a\n", GH_CONFIG_ERROR_INCONSISTENT, 9 },
  { "multicast MAC", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[NIC 0]\nMAC=01:00:5e:00:00:01\n", GH_CONFIG_ERROR_INVALID_VALUE, 7 },
  { "malformed MAC", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[NIC 0]\nMAC=0a:67:68\n", GH_CONFIG_ERROR_INVALID_VALUE, 7 },
  { "same MAC twice", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[NIC 0]\nMAC=0a:67:68:00:00:01\n[NIC 1]\nMAC=0a:67:68:00:00:01\n",
    GH_CONFIG_ERROR_INCONSISTENT, 9 },
  { "bad tap name", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[NIC 0]\nMAC=0a:67:68:00:00:01\nBackend=tap\nTap=../../etc\n",
    GH_CONFIG_ERROR_INVALID_VALUE, 9 },
  { "unknown backend", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[NIC 0]\nMAC=0a:67:68:00:00:01\nBackend=bridge\n", GH_CONFIG_ERROR_INVALID_VALUE, 8 },
  { "unknown model", "[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n[Boot]\nKernel=/k\n"
    "[NIC 0]\nMAC=0a:67:68:00:00:01\nModel=e1000\n", GH_CONFIG_ERROR_INVALID_VALUE, 8 },
};

static void
test_load_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(GhGuestConfig) config = NULL;
      g_autofree char *prefix = NULL;
      gsize length = strlen (c->data);

      /* The NUL case has its NUL in the middle; measure up to the real end. */
      if (g_str_equal (c->what, "NUL byte"))
        length = sizeof "[Guest]\nUUID=a\0b\n" - 1;

      g_test_message ("case: %s", c->what);
      config = gh_guest_config_new_from_data ("g", c->data, length, "/x/g.conf", &error);
      g_assert_null (config);
      g_assert_error (error, GH_CONFIG_ERROR, c->code);

      prefix = c->line ? g_strdup_printf ("/x/g.conf:%u: ", c->line) : g_strdup ("/x/g.conf: ");
      if (!g_str_has_prefix (error->message, prefix))
        g_error ("case “%s”: expected “%s…”, got “%s”", c->what, prefix, error->message);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_load_hostile (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhGuestConfig) config = NULL;
  g_autoptr(GString) big = g_string_new ("[Guest]\n");
  g_autoptr(GString) many = g_string_new ("[Guest]\nUUID=" GOOD_UUID "\nMemory=256\n"
                                          "[Boot]\nKernel=/k\n");
  g_autofree char *random = g_malloc (4096);
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  /* Too large to be a guest configuration. */
  while (big->len < 300 * 1024)
    g_string_append (big, "# padding padding padding padding padding padding padding\n");
  config = gh_guest_config_new_from_data ("g", big->str, big->len, "g.conf", &error);
  g_assert_null (config);
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_PARSE);
  g_clear_error (&error);

  /* More NICs than allowed can only be written with indexes out of range. */
  for (guint i = 0; i < 9; i++)
    g_string_append_printf (many, "[NIC %u]\nMAC=0a:67:68:00:00:%02x\n", i, i + 1);
  config = gh_guest_config_new_from_data ("g", many->str, many->len, "g.conf", &error);
  g_assert_null (config);
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY);
  g_clear_error (&error);

  /* Random bytes never crash the parser and always give an error. */
  for (guint round = 0; round < 200; round++)
    {
      for (guint i = 0; i < 4096; i++)
        random[i] = (char) g_rand_int_range (rand, 0, 256);
      config = gh_guest_config_new_from_data ("g", random, 4096, "g.conf", &error);
      g_assert_null (config);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }

  /* A name that is not a guest name. */
  config = gh_guest_config_new_from_data ("../evil", good_file, strlen (good_file), NULL, &error);
  g_assert_null (config);
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE);
}

static void
test_validate (void)
{
  g_autoptr(GhGuestConfig) config = gh_test_config_new ("web");
  g_autoptr(GError) error = NULL;

  /* No UUID yet: define gives one. */
  g_assert_false (gh_guest_config_validate (config, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY);
  g_clear_error (&error);

  gh_guest_config_set_uuid (config, GOOD_UUID);
  g_assert_true (gh_guest_config_validate (config, &error));
  g_assert_no_error (error);

  gh_guest_config_set_memory_mib (config, 8);
  g_assert_false (gh_guest_config_validate (config, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  gh_guest_config_set_memory_mib (config, 128);

  gh_guest_config_set_initrd (config, "/initrd");
  gh_guest_config_set_kernel (config, NULL);
  gh_guest_config_set_firmware (config, "/bios.bin");
  g_assert_false (gh_guest_config_validate (config, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT);
}

static void
test_disk_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhDisk) disk = NULL;
  g_autoptr(GhDisk) cdrom = NULL;
  g_autoptr(GhDisk) bare = NULL;
  g_autoptr(GhDisk) empty = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *expected = g_build_filename (cwd, "rel.img", NULL);
  guint64 size = 1;

  disk = gh_disk_parse_spec ("path=/a.img,readonly=on,bus=ide,size=1G", &size, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (disk->path, ==, "/a.img");
  g_assert_true (disk->readonly);
  g_assert_cmpint (disk->bus, ==, GH_DISK_BUS_IDE);
  g_assert_cmpuint (size, ==, G_GUINT64_CONSTANT (1) << 30);

  cdrom = gh_disk_parse_spec ("path=/a.iso,media=cdrom", &size, &error);
  g_assert_no_error (error);
  g_assert_true (cdrom->readonly);
  g_assert_cmpuint (size, ==, 0);

  empty = gh_disk_parse_spec ("media=cdrom,bus=ide", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (empty->path);
  g_assert_cmpint (empty->media, ==, GH_DISK_MEDIA_CDROM);
  g_assert_true (empty->readonly);

  bare = gh_disk_parse_spec ("rel.img", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bare->path, ==, expected);

  g_assert_null (gh_disk_parse_spec ("path=/a.iso,media=cdrom,readonly=off", NULL, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT);
  g_clear_error (&error);
  g_assert_null (gh_disk_parse_spec ("path=/a,colour=red", NULL, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY);
  g_clear_error (&error);
  g_assert_null (gh_disk_parse_spec ("readonly=on", NULL, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_null (gh_disk_parse_spec ("media=cdrom,size=1M", NULL, &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_INCONSISTENT);
  g_clear_error (&error);
  g_assert_null (gh_disk_parse_spec ("path=/a,size=lots", NULL, &error));
  g_assert_error (error, GH_DISK_ERROR, GH_DISK_ERROR_INVALID_SIZE);
}

static void
test_nic_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhNic) pool = NULL;
  g_autoptr(GhNic) tap = NULL;

  pool = gh_nic_parse_spec ("", &error);
  g_assert_no_error (error);
  g_assert_null (pool->mac);
  g_assert_cmpint (pool->backend, ==, GH_NIC_BACKEND_USER);

  tap = gh_nic_parse_spec ("mac=0A:67:68:00:00:09,tap=tap3", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tap->mac, ==, "0a:67:68:00:00:09");
  g_assert_cmpint (tap->backend, ==, GH_NIC_BACKEND_TAP);
  g_assert_cmpstr (tap->tap, ==, "tap3");

  g_assert_null (gh_nic_parse_spec ("mac=zz", &error));
  g_assert_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_MAC);
  g_clear_error (&error);
  g_assert_null (gh_nic_parse_spec ("net=bridge", &error));
  g_assert_error (error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY);
}

static void
test_drive_names (void)
{
  g_autoptr(GhGuestConfig) config = gh_guest_config_new ("drives");
  const char *specs[] = {
    "path=/images/a.img", "path=/images/install.iso,media=cdrom,bus=ide",
    "path=/images/b.img,bus=ide", "path=/images/drivers.iso,media=cdrom",
  };
  const char *names[] = { "disk0", "cdrom0", "disk1", "cdrom1" };
  guint index = 99;

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GhDisk) disk = gh_disk_parse_spec (specs[i], NULL, &error);

      g_assert_no_error (error);
      gh_guest_config_add_disk (config, disk);
    }

  /* Each kind is counted apart, in configuration order, as the helper names them. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *name = gh_guest_config_dup_drive_name (config, i);

      g_assert_cmpstr (name, ==, names[i]);
      g_assert_true (gh_guest_config_lookup_drive (config, names[i], &index));
      g_assert_cmpuint (index, ==, i);
    }
  g_assert_false (gh_guest_config_lookup_drive (config, "cdrom2", &index));
  g_assert_false (gh_guest_config_lookup_drive (config, "cdrom", &index));
  g_assert_false (gh_guest_config_lookup_drive (config, "", &index));

  gh_guest_config_set_disk_path (config, 3, "/images/other.iso");
  g_assert_cmpstr (gh_guest_config_get_disk (config, 3)->path, ==, "/images/other.iso");
  g_assert_cmpint (gh_guest_config_get_disk (config, 3)->media, ==, GH_DISK_MEDIA_CDROM);
  g_assert_true (gh_guest_config_get_disk (config, 3)->readonly);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/guest-config/new-destroy", test_new_destroy);
  g_test_add_func ("/core/guest-config/properties-notify", test_properties_notify);
  g_test_add_func ("/core/guest-config/load-good", test_load_good);
  g_test_add_func ("/core/guest-config/defaults", test_defaults);
  g_test_add_func ("/core/guest-config/round-trip", test_round_trip);
  g_test_add_func ("/core/guest-config/empty-cdrom", test_empty_cdrom);
  g_test_add_func ("/core/guest-config/empty-disk-refused", test_empty_disk_refused);
  g_test_add_func ("/core/guest-config/load-bad", test_load_bad);
  g_test_add_func ("/core/guest-config/load-hostile", test_load_hostile);
  g_test_add_func ("/core/guest-config/validate", test_validate);
  g_test_add_func ("/core/guest-config/disk-spec", test_disk_spec);
  g_test_add_func ("/core/guest-config/nic-spec", test_nic_spec);
  g_test_add_func ("/core/guest-config/drive-names", test_drive_names);

  return g_test_run ();
}
