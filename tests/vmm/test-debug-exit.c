/* test-debug-exit.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "devices/debug-exit.h"

typedef struct
{
  unsigned calls;
  int      status;
} ExitRecord;

static void
record_exit (void *opaque,
             int   status)
{
  ExitRecord *rec = opaque;

  rec->calls++;
  rec->status = status;
}

/* One write to a fresh device; returns the status it asked for. */
static int
exit_status_for (uint64_t offset,
                 uint64_t value,
                 unsigned size)
{
  ExitRecord rec = { 0 };
  DebugExit *dev = debug_exit_new (record_exit, &rec);

  g_assert_nonnull (dev);
  debug_exit_ops.write (dev, offset, value, size);
  debug_exit_free (dev);
  g_assert_cmpuint (rec.calls, ==, 1);
  return rec.status;
}

static void
test_status (void)
{
  /* The convention test guests rely on: 0 → 1 (QEMU's "success" code for
   * such guests), 0x10 → 0x21. */
  g_assert_cmpint (exit_status_for (0, 0x00, 1), ==, 1);
  g_assert_cmpint (exit_status_for (0, 0x10, 1), ==, 0x21);
  g_assert_cmpint (exit_status_for (0, 0x01, 1), ==, 3);
  g_assert_cmpint (exit_status_for (0, 0x7f, 1), ==, 0xff);
  g_assert_cmpint (exit_status_for (0, 0x10, 2), ==, 0x21);
  g_assert_cmpint (exit_status_for (0, 0x10, 4), ==, 0x21);

  /* Any byte of the four-byte range counts, as in QEMU. */
  g_assert_cmpint (exit_status_for (1, 0x10, 1), ==, 0x21);
  g_assert_cmpint (exit_status_for (3, 0x10, 1), ==, 0x21);
}

static void
test_wide_values (void)
{
  int status;

  /* Only the bytes the access carries count. */
  g_assert_cmpint (exit_status_for (0, 0x1234, 1), ==, (0x34 << 1) | 1);
  g_assert_cmpint (exit_status_for (0, G_GUINT64_CONSTANT (0xffff0010), 2), ==, 0x21);

  /* Large values stay a non-negative int whose low byte is what QEMU's
   * exit((V << 1) | 1) would leave. */
  status = exit_status_for (0, 0xffffffff, 4);
  g_assert_cmpint (status, >=, 0);
  g_assert_cmpint (status & 0xff, ==, 0xff);
  status = exit_status_for (0, 0x80000080, 4);
  g_assert_cmpint (status, >=, 0);
  g_assert_cmpint (status & 0xff, ==, 0x01);
  status = exit_status_for (0, G_GUINT64_CONSTANT (0xffffffffffffffff), 8);
  g_assert_cmpint (status, >=, 0);
  g_assert_cmpint (status & 0xff, ==, 0xff);
  g_assert_cmpint (exit_status_for (0, (1u << 29) + 5, 4), ==, (1 << 30) + 11);
}

static void
test_first_write_wins (void)
{
  ExitRecord rec = { 0 };
  DebugExit *dev = debug_exit_new (record_exit, &rec);

  debug_exit_ops.write (dev, 0, 0x03, 1);
  debug_exit_ops.write (dev, 0, 0x00, 1);
  debug_exit_ops.write (dev, 2, 0x05, 1);
  g_assert_cmpuint (rec.calls, ==, 1);
  g_assert_cmpint (rec.status, ==, 7);
  debug_exit_free (dev);
}

static void
test_reads_and_odd_accesses (void)
{
  ExitRecord rec = { 0 };
  DebugExit *dev = debug_exit_new (record_exit, &rec);

  /* Reads return 0 (QEMU's choice) and have no effect. */
  g_assert_cmphex (debug_exit_ops.read (dev, 0, 1), ==, 0);
  g_assert_cmphex (debug_exit_ops.read (dev, 0, 4), ==, 0);
  g_assert_cmphex (debug_exit_ops.read (dev, 3, 8), ==, 0);
  g_assert_cmphex (debug_exit_ops.read (dev, UINT64_MAX, 4), ==, 0);

  /* Outside the range or of impossible size: ignored. */
  debug_exit_ops.write (dev, 4, 0x10, 1);
  debug_exit_ops.write (dev, UINT64_MAX, 0x10, 1);
  debug_exit_ops.write (dev, 0, 0x10, 0);
  debug_exit_ops.write (dev, 0, 0x10, 16);
  g_assert_cmpuint (rec.calls, ==, 0);

  debug_exit_free (dev);
  debug_exit_free (NULL);

  /* No callback: a write is harmless. */
  dev = debug_exit_new (NULL, NULL);
  debug_exit_ops.write (dev, 0, 0x10, 1);
  debug_exit_free (dev);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vmm/debug-exit/status", test_status);
  g_test_add_func ("/vmm/debug-exit/wide-values", test_wide_values);
  g_test_add_func ("/vmm/debug-exit/first-write-wins", test_first_write_wins);
  g_test_add_func ("/vmm/debug-exit/reads-and-odd-accesses", test_reads_and_odd_accesses);

  return g_test_run ();
}
