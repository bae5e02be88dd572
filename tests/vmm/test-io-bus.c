/* test-io-bus.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>

#include "bus/io-bus.h"

typedef struct
{
  uint64_t last_offset;
  uint64_t last_value;
  unsigned last_size;
  unsigned n_reads;
  unsigned n_writes;
} FakeDevice;

static uint64_t
fake_read (void     *opaque,
           uint64_t  offset,
           unsigned  size)
{
  FakeDevice *dev = opaque;

  dev->n_reads++;
  dev->last_offset = offset;
  dev->last_size = size;
  return 0x1122334455667788ull;
}

static void
fake_write (void     *opaque,
            uint64_t  offset,
            uint64_t  value,
            unsigned  size)
{
  FakeDevice *dev = opaque;

  dev->n_writes++;
  dev->last_offset = offset;
  dev->last_value = value;
  dev->last_size = size;
}

static const IoBusOps fake_ops = { "fake", fake_read, fake_write };

static void
test_dispatch_by_offset (void)
{
  IoBus bus;
  FakeDevice a = { 0 }, b = { 0 };
  uint32_t word = 0;
  uint16_t half = 0xbeef;

  io_bus_init (&bus);
  g_assert_cmpint (io_bus_insert (&bus, 0x3f8, 8, &fake_ops, &a), ==, 0);
  g_assert_cmpint (io_bus_insert (&bus, 0x70, 2, &fake_ops, &b), ==, 0);

  g_assert_true (io_bus_read (&bus, 0x3fd, &word, 4) == false);   /* runs past the range */
  g_assert_true (io_bus_read (&bus, 0x3fc, &word, 4));
  g_assert_cmpuint (a.last_offset, ==, 4);
  g_assert_cmpuint (word, ==, 0x55667788);                        /* the low bytes */

  g_assert_true (io_bus_write (&bus, 0x71, &half, 1));
  g_assert_cmpuint (b.last_offset, ==, 1);
  g_assert_cmpuint (b.last_value, ==, 0xef);
  g_assert_cmpuint (b.last_size, ==, 1);
  g_assert_cmpuint (a.n_writes, ==, 0);

  /* Nobody there. */
  g_assert_false (io_bus_read (&bus, 0x80, &word, 1));
  g_assert_false (io_bus_write (&bus, 0x6f, &half, 2));   /* straddles into b's range */
  g_assert_cmpuint (b.n_writes, ==, 1);
  io_bus_destroy (&bus);
}

static void
test_rejects_bad_ranges (void)
{
  IoBus bus;
  FakeDevice a = { 0 };

  io_bus_init (&bus);
  g_assert_cmpint (io_bus_insert (&bus, 0x100, 0x10, &fake_ops, &a), ==, 0);
  g_assert_cmpint (io_bus_insert (&bus, 0x10f, 1, &fake_ops, &a), ==, -EEXIST);
  g_assert_cmpint (io_bus_insert (&bus, 0xf0, 0x11, &fake_ops, &a), ==, -EEXIST);
  g_assert_cmpint (io_bus_insert (&bus, 0x0, 0x1000, &fake_ops, &a), ==, -EEXIST);
  g_assert_cmpint (io_bus_insert (&bus, 0x200, 0, &fake_ops, &a), ==, -EINVAL);
  g_assert_cmpint (io_bus_insert (&bus, UINT64_MAX, 2, &fake_ops, &a), ==, -EINVAL);
  g_assert_cmpint (io_bus_insert (&bus, 0xf0, 0x10, &fake_ops, &a), ==, 0);   /* adjacent is fine */
  g_assert_cmpint (io_bus_insert (&bus, UINT64_MAX, 1, &fake_ops, &a), ==, 0);
  io_bus_destroy (&bus);
}

static void
test_remove_and_many (void)
{
  IoBus bus;
  FakeDevice devs[100] = { 0 };
  uint8_t byte;

  io_bus_init (&bus);
  /* Inserted out of order, looked up by binary search. */
  for (int i = 99; i >= 0; i--)
    g_assert_cmpint (io_bus_insert (&bus, 0x1000 + i * 0x10, 0x10, &fake_ops, &devs[i]), ==, 0);
  for (int i = 0; i < 100; i++)
    {
      g_assert_true (io_bus_read (&bus, 0x1000 + i * 0x10 + 3, &byte, 1));
      g_assert_cmpuint (devs[i].n_reads, ==, 1);
      g_assert_cmpuint (devs[i].last_offset, ==, 3);
    }
  g_assert_cmpint (io_bus_remove (&bus, 0x1500, &devs[0]), ==, -ENOENT);   /* not its owner */
  g_assert_cmpint (io_bus_remove (&bus, 0x1500, &devs[0x50]), ==, 0);
  g_assert_false (io_bus_read (&bus, 0x1505, &byte, 1));
  g_assert_true (io_bus_read (&bus, 0x1515, &byte, 1));
  io_bus_destroy (&bus);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/io-bus/dispatch-by-offset", test_dispatch_by_offset);
  g_test_add_func ("/vmm/io-bus/rejects-bad-ranges", test_rejects_bad_ranges);
  g_test_add_func ("/vmm/io-bus/remove-and-many", test_remove_and_many);
  return g_test_run ();
}
