/* test-bios-image.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "firmware/bios-image.h"

/* A file of size bytes whose every byte is its offset's low 8 bits xor
 * seed, so copies can be checked anywhere. */
static char *
write_image (const char *dir,
             const char *name,
             size_t      size,
             uint8_t     seed)
{
  char *path = g_build_filename (dir, name, NULL);
  uint8_t *data = g_malloc (size > 0 ? size : 1);

  for (size_t i = 0; i < size; i++)
    data[i] = (uint8_t) (i ^ seed);
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) size, NULL));
  g_free (data);
  return path;
}

static void
test_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gh-firmware-XXXXXX", NULL);
  g_autofree char *path = write_image (dir, "bios.bin", 0x40000, 0x5a);
  FirmwareImage fw;
  GuestMemory mem;
  VmmError err = { { 0 } };
  uint8_t low[FIRMWARE_LOW_SIZE];

  g_assert_cmpint (firmware_image_open (&fw, path, &err), ==, 0);
  g_assert_cmpuint (fw.size, ==, 0x40000);
  g_assert_cmphex (firmware_image_rom_base (&fw), ==, 0xfffc0000);
  g_assert_cmpint ((uintptr_t) fw.image % 4096, ==, 0);

  /* The last 128 KiB land just below 1 MiB, where the reset code and the
   * BIOS's 16-bit entry points expect them. */
  g_assert_cmpint (guest_memory_init (&mem, 16 << 20), ==, 0);
  g_assert_cmpint (firmware_image_load_low (&fw, &mem), ==, 0);
  g_assert_cmpint (guest_memory_read (&mem, 0xe0000, low, sizeof low), ==, 0);
  g_assert_cmpmem (low, sizeof low, fw.image + 0x20000, sizeof low);
  g_assert_cmpuint (low[sizeof low - 16], ==, (uint8_t) ((0x40000 - 16) ^ 0x5a));

  firmware_image_close (&fw);
  g_assert_null (fw.image);
  guest_memory_destroy (&mem);
  g_unlink (path);
  g_rmdir (dir);
}

/* A 64 KiB image is mapped at 4 GiB - 64 KiB and copied whole below 1 MiB. */
static void
test_small_image (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gh-firmware-XXXXXX", NULL);
  g_autofree char *path = write_image (dir, "small.bin", 0x10000, 0x11);
  FirmwareImage fw;
  GuestMemory mem;
  VmmError err = { { 0 } };
  uint8_t byte;

  g_assert_cmpint (firmware_image_open (&fw, path, &err), ==, 0);
  g_assert_cmphex (firmware_image_rom_base (&fw), ==, 0xffff0000);
  g_assert_cmpint (guest_memory_init (&mem, 16 << 20), ==, 0);
  g_assert_cmpint (firmware_image_load_low (&fw, &mem), ==, 0);
  g_assert_cmpint (guest_memory_read (&mem, 0xf0000, &byte, 1), ==, 0);
  g_assert_cmpuint (byte, ==, 0x11);
  firmware_image_close (&fw);
  guest_memory_destroy (&mem);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_bad_images (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gh-firmware-XXXXXX", NULL);
  struct { const char *name; size_t size; const char *message; } cases[] = {
    { "empty.bin", 0, "is 0 bytes" },
    { "odd.bin", 0x10001, "not a multiple of 64 KiB" },
    { "huge.bin", 0x50000, "must be between 1 and 262144" },
  };
  FirmwareImage fw;
  VmmError err;

  for (unsigned i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_image (dir, cases[i].name, cases[i].size, 0);

      memset (&err, 0, sizeof err);
      g_assert_cmpint (firmware_image_open (&fw, path, &err), <, 0);
      g_assert_null (fw.image);
      if (strstr (err.message, cases[i].message) == NULL || strstr (err.message, path) == NULL)
        g_error ("%s: message '%s' lacks '%s'", cases[i].name, err.message, cases[i].message);
      g_unlink (path);
    }

  memset (&err, 0, sizeof err);
  g_assert_cmpint (firmware_image_open (&fw, dir, &err), ==, -EINVAL);
  g_assert_nonnull (strstr (err.message, "not a regular file"));
  g_rmdir (dir);
}

/* A missing default image says which package brings it. */
static void
test_missing (void)
{
  FirmwareImage fw;
  VmmError err = { { 0 } };

  g_assert_cmpint (firmware_image_open (&fw, FIRMWARE_SEABIOS_DIR "/no-such-bios.bin", &err),
                   ==, -ENOENT);
  g_assert_nonnull (strstr (err.message, "apt install seabios"));

  memset (&err, 0, sizeof err);
  g_assert_cmpint (firmware_image_open (&fw, "/nonexistent/bios.bin", &err), ==, -ENOENT);
  g_assert_null (strstr (err.message, "seabios"));
}

static void
test_read_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gh-firmware-XXXXXX", NULL);
  g_autofree char *path = write_image (dir, "rom.bin", 3000, 7);
  VmmError err = { { 0 } };
  uint8_t *data;
  size_t size;

  g_assert_cmpint (firmware_read_file ("option ROM", path, 4096, &data, &size, &err), ==, 0);
  g_assert_cmpuint (size, ==, 3000);
  g_assert_cmpuint (data[2999], ==, (uint8_t) (2999 ^ 7));
  g_free (data);

  g_assert_cmpint (firmware_read_file ("option ROM", path, 2048, &data, &size, &err), ==,
                   -EFBIG);
  g_assert_null (data);
  g_assert_nonnull (strstr (err.message, "option ROM"));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/bios-image/load", test_load);
  g_test_add_func ("/vmm/bios-image/small-image", test_small_image);
  g_test_add_func ("/vmm/bios-image/bad-images", test_bad_images);
  g_test_add_func ("/vmm/bios-image/missing", test_missing);
  g_test_add_func ("/vmm/bios-image/read-file", test_read_file);
  return g_test_run ();
}
