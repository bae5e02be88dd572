/* test-kernel-boot.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "boot/kernel-boot.h"
#include "boot/layout.h"
#include "kernel-boot-test.h"

/* What kernel_boot_load does before it knows the kernel's format: argument
 * checks, file checks, format detection. The formats have their own tests
 * (test-pvh, test-bzimage). */

typedef struct
{
  GuestMemory  mem;
  char        *dir;
  char        *path;
  VmmError     err;
  BootCpuState cpu;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  memset (f, 0, sizeof *f);
  g_assert_cmpint (guest_memory_init (&f->mem, 16 << 20), ==, 0);
  f->dir = g_dir_make_tmp ("gh-kernel-boot-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "kernel", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  guest_memory_destroy (&f->mem);
}

static int
boot_path (Fixture    *f,
           const char *path,
           unsigned    n_vcpus)
{
  memset (&f->cpu, 0x55, sizeof f->cpu);
  return boot_test_load (&f->mem, path, NULL, NULL, n_vcpus, &f->cpu, &f->err);
}

static void
write_kernel (Fixture    *f,
              const void *data,
              gsize       len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (f->path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
assert_error (Fixture    *f,
              int         ret,
              int         expected,
              const char *needle)
{
  static const BootCpuState zero;

  g_test_message ("error: %s", f->err.message);
  g_assert_cmpint (ret, ==, expected);
  g_assert_nonnull (strstr (f->err.message, needle));
  /* One sentence, one line. */
  g_assert_null (strchr (f->err.message, '\n'));
  /* The CPU state is never left half-filled. */
  g_assert_cmpmem (&f->cpu, sizeof f->cpu, &zero, sizeof zero);
}

static void
test_missing (Fixture       *f,
              gconstpointer  data)
{
  int ret = boot_path (f, f->path, 1);

  assert_error (f, ret, -ENOENT, f->path);
  g_assert_nonnull (strstr (f->err.message, "cannot open the kernel"));
}

static void
test_neither (Fixture       *f,
              gconstpointer  data)
{
  g_autofree uint8_t *junk = g_malloc (4096);
  int ret;

  for (gsize i = 0; i < 4096; i++)
    junk[i] = (uint8_t) g_test_rand_int ();
  junk[0] = 'M';                        /* not ELF */
  junk[0x202] = 'X';                    /* not HdrS */
  write_kernel (f, junk, 4096);
  ret = boot_path (f, f->path, 1);
  assert_error (f, ret, -ENOEXEC,
                "is neither an ELF kernel with a PVH entry note nor a Linux bzImage");
  g_assert_nonnull (strstr (f->err.message, f->path));

  /* Too short to hold either header. */
  write_kernel (f, "\x7f" "EL", 3);
  ret = boot_path (f, f->path, 1);
  assert_error (f, ret, -ENOEXEC, "neither");
}

static void
test_empty_and_directory (Fixture       *f,
                          gconstpointer  data)
{
  int ret;

  write_kernel (f, "", 0);
  ret = boot_path (f, f->path, 1);
  assert_error (f, ret, -ENOEXEC, "is empty");

  ret = boot_path (f, f->dir, 1);
  assert_error (f, ret, -EINVAL, "not a regular file");
}

static void
test_bad_arguments (Fixture       *f,
                    gconstpointer  data)
{
  int ret;

  write_kernel (f, "x", 1);
  ret = boot_path (f, f->path, 0);
  assert_error (f, ret, -EINVAL, "0 vCPUs");
  ret = boot_path (f, f->path, 256);
  assert_error (f, ret, -EINVAL, "256 vCPUs");
  ret = boot_path (f, NULL, 1);
  assert_error (f, ret, -EINVAL, "no kernel");
}

/* Guest RAM that does not start at 0 (or ends inside the first MiB) leaves
 * no room for the boot structures. */
static void
test_no_low_ram (Fixture       *f,
                 gconstpointer  data)
{
  static uint8_t backing[0x1000];
  GuestMemory saved = f->mem;
  int ret;

  write_kernel (f, "x", 1);
  memset (&f->mem, 0, sizeof f->mem);
  g_assert_cmpint (guest_memory_add_region (&f->mem, 0x100000000ull, backing, sizeof backing),
                   ==, 0);
  ret = boot_path (f, f->path, 1);
  assert_error (f, ret, -EINVAL, "first MiB");
  f->mem = saved;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/vmm/kernel-boot/missing", test_missing);
  ADD ("/vmm/kernel-boot/neither", test_neither);
  ADD ("/vmm/kernel-boot/empty-and-directory", test_empty_and_directory);
  ADD ("/vmm/kernel-boot/bad-arguments", test_bad_arguments);
  ADD ("/vmm/kernel-boot/no-low-ram", test_no_low_ram);
#undef ADD

  return g_test_run ();
}
