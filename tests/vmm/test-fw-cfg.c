/* test-fw-cfg.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <string.h>

#include "bus/io-bus.h"
#include "firmware/fw-cfg.h"

/* The device on a port bus at its PC ports, 1 MiB of fake RAM at 0, and a
 * guest doing what SeaBIOS's src/fw/paravirt.c does: outw to 0x510, inb from
 * 0x511, and DMA through an access structure whose big-endian address goes
 * to 0x514 (high half) and 0x518 (low half, which starts the transfer). */

#define RAM_SIZE     0x100000u
#define ACCESS_GPA   0x1000u
#define BUF_GPA      0x2000u
#define BUF_SIZE     0x1000u
#define FILLER       0xaa

typedef struct
{
  GuestMemory  mem;
  uint8_t     *ram;
  IoBus        bus;
  FwCfg       *dev;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->ram = g_malloc0 (RAM_SIZE);
  memset (&f->mem, 0, sizeof f->mem);
  g_assert_cmpint (guest_memory_add_region (&f->mem, 0, f->ram, RAM_SIZE), ==, 0);
  f->dev = fw_cfg_new (&f->mem);
  g_assert_nonnull (f->dev);
  io_bus_init (&f->bus);
  g_assert_cmpint (io_bus_insert (&f->bus, FW_CFG_IO_PORT, FW_CFG_IO_LEN, &fw_cfg_io_ops, f->dev), ==, 0);
  g_assert_cmpint (io_bus_insert (&f->bus, FW_CFG_DMA_PORT, FW_CFG_DMA_LEN, &fw_cfg_dma_ops, f->dev), ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  io_bus_destroy (&f->bus);
  fw_cfg_free (f->dev);
  g_free (f->ram);
}

static void
outw (Fixture  *f,
      uint16_t  port,
      uint16_t  value)
{
  uint8_t b[2] = { (uint8_t) value, (uint8_t) (value >> 8) };

  g_assert_true (io_bus_write (&f->bus, port, b, sizeof b));
}

static uint8_t
inb (Fixture  *f,
     uint16_t  port)
{
  uint8_t b;

  g_assert_true (io_bus_read (&f->bus, port, &b, 1));
  return b;
}

static void
select_io (Fixture  *f,
           uint16_t  key)
{
  outw (f, FW_CFG_IO_PORT, key);
}

static void
read_io (Fixture *f,
         void    *buf,
         size_t   len)
{
  uint8_t *p = buf;

  for (size_t i = 0; i < len; i++)
    p[i] = inb (f, FW_CFG_IO_PORT + 1);
}

static void
put_be32 (uint8_t  *p,
          uint32_t  v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static uint32_t
get_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static uint64_t
get_le (const uint8_t *p,
        unsigned       n)
{
  uint64_t v = 0;

  for (unsigned i = n; i > 0; i--)
    v = v << 8 | p[i - 1];
  return v;
}

/* The guest's outl of cpu_to_be32 (half): the address bytes go out most
 * significant first. */
static void
dma_write_half (Fixture  *f,
                uint16_t  port,
                uint32_t  half)
{
  uint8_t b[4];

  put_be32 (b, half);
  g_assert_true (io_bus_write (&f->bus, port, b, sizeof b));
}

static void
dma_kick (Fixture  *f,
          uint64_t  access_gpa)
{
  if (access_gpa >> 32)
    dma_write_half (f, FW_CFG_DMA_PORT, (uint32_t) (access_gpa >> 32));
  dma_write_half (f, FW_CFG_DMA_PORT + 4, (uint32_t) access_gpa);
}

/* Writes an access structure at ACCESS_GPA, starts it and returns the
 * control word the device wrote back. */
static uint32_t
dma (Fixture  *f,
     uint32_t  control,
     uint32_t  len,
     uint64_t  addr)
{
  uint8_t *access = f->ram + ACCESS_GPA;

  put_be32 (access, control);
  put_be32 (access + 4, len);
  put_be32 (access + 8, (uint32_t) (addr >> 32));
  put_be32 (access + 12, (uint32_t) addr);
  dma_kick (f, ACCESS_GPA);
  return get_be32 (access);
}

static uint32_t
select_read (uint16_t key)
{
  return (uint32_t) key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
}

static void
fill_buf (Fixture *f)
{
  memset (f->ram + BUF_GPA, FILLER, BUF_SIZE);
}

static void
assert_filler (const uint8_t *p,
               size_t         len)
{
  for (size_t i = 0; i < len; i++)
    g_assert_cmphex (p[i], ==, FILLER);
}

static void
assert_zero (const uint8_t *p,
             size_t         len)
{
  for (size_t i = 0; i < len; i++)
    g_assert_cmphex (p[i], ==, 0);
}

/* Walks the directory as SeaBIOS's qemu_cfg_init does, through the ports;
 * returns the file's selector, or 0. */
static uint16_t
find_file (Fixture    *f,
           const char *name,
           uint32_t   *size)
{
  uint8_t count_be[4], entry[FW_CFG_DIR_ENTRY_SIZE];
  uint16_t found = 0;
  uint32_t count;

  select_io (f, FW_CFG_FILE_DIR);
  read_io (f, count_be, sizeof count_be);
  count = get_be32 (count_be);
  for (uint32_t i = 0; i < count; i++)
    {
      read_io (f, entry, sizeof entry);
      if (found == 0 && strcmp ((const char *) entry + 8, name) == 0)
        {
          found = (uint16_t) (entry[4] << 8 | entry[5]);
          *size = get_be32 (entry);
        }
    }
  return found;
}

static void
test_signature_and_id (Fixture       *f,
                       gconstpointer  data)
{
  uint8_t buf[8], id[4];
  uint16_t w;

  select_io (f, FW_CFG_SIGNATURE);
  read_io (f, buf, 4);
  g_assert_cmpmem (buf, 4, "QEMU", 4);
  /* Past the end: zeros. */
  read_io (f, buf, 2);
  g_assert_cmphex (buf[0], ==, 0);
  g_assert_cmphex (buf[1], ==, 0);

  /* A byte read at the selector port reads data too (the ports overlap in
   * QEMU's one 2-byte region). */
  select_io (f, FW_CFG_SIGNATURE);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT), ==, 'Q');
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 'E');

  /* A 16-bit read is refused: 0, and the offset stays. */
  g_assert_true (io_bus_read (&f->bus, FW_CFG_IO_PORT, &w, 2));
  g_assert_cmphex (w, ==, 0);
  /* Data port writes are ignored. */
  g_assert_true (io_bus_write (&f->bus, FW_CFG_IO_PORT + 1, "x", 1));
  g_assert_true (io_bus_write (&f->bus, FW_CFG_IO_PORT, "x", 1));
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 'M');

  select_io (f, FW_CFG_ID);
  read_io (f, id, 4);
  g_assert_cmphex (get_le (id, 4), ==, FW_CFG_VERSION | FW_CFG_VERSION_DMA);

  /* The DMA register reads "QEMU CFG", big-endian, at any width. */
  g_assert_true (io_bus_read (&f->bus, FW_CFG_DMA_PORT, buf, 4));
  g_assert_true (io_bus_read (&f->bus, FW_CFG_DMA_PORT + 4, buf + 4, 4));
  g_assert_cmpmem (buf, 8, "QEMU CFG", 8);
  g_assert_cmphex (inb (f, FW_CFG_DMA_PORT + 7), ==, 'G');
  g_assert_true (io_bus_read (&f->bus, FW_CFG_DMA_PORT + 2, &w, 2));
  g_assert_cmphex (w, ==, 'M' | 'U' << 8);
  g_assert_cmphex (fw_cfg_dma_ops.read (f->dev, 0, 8), ==, GUINT64_SWAP_LE_BE (FW_CFG_DMA_SIGNATURE));

  /* The ID through DMA, as SeaBIOS's qemu_cfg_detect reads it. */
  g_assert_cmphex (dma (f, select_read (FW_CFG_ID), 4, BUF_GPA), ==, 0);
  g_assert_cmphex (get_le (f->ram + BUF_GPA, 4), ==, 3);
}

static void
test_directory (Fixture       *f,
                gconstpointer  data)
{
  char long_name[FW_CFG_FILE_NAME_SIZE + 1];
  static const char *sorted[] = { "bootorder", "etc/boot-fail-wait", "etc/e820", "zz" };
  uint8_t *dir = f->ram + BUF_GPA;

  /* Empty: a count of 0. */
  fill_buf (f);
  g_assert_cmphex (dma (f, select_read (FW_CFG_FILE_DIR), 8, BUF_GPA), ==, 0);
  assert_zero (dir, 8);

  g_assert_cmpint (fw_cfg_add_file (f->dev, "zz", "1", 1), ==, 0);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "etc/e820", "12345", 5), ==, 0);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "bootorder", NULL, 0), ==, 0);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "etc/boot-fail-wait", "\xff\xff\xff\xff", 0x4), ==, 0);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "etc/e820", "x", 1), ==, -EEXIST);

  memset (long_name, 'a', sizeof long_name);
  long_name[FW_CFG_FILE_NAME_SIZE] = '\0';
  g_assert_cmpint (fw_cfg_add_file (f->dev, long_name, "x", 1), ==, -EINVAL);
  long_name[FW_CFG_FILE_NAME_SIZE - 1] = '\0';
  g_assert_cmpint (fw_cfg_add_file (f->dev, long_name, "x", 1), ==, 0);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "", "x", 1), ==, -EINVAL);

  fill_buf (f);
  g_assert_cmphex (dma (f, select_read (FW_CFG_FILE_DIR), BUF_SIZE, BUF_GPA), ==, 0);
  g_assert_cmpuint (get_be32 (dir), ==, 5);
  /* Sorted by name, selectors following the order; "aaa..." sorts first. */
  g_assert_cmpmem (dir + 4 + 8, FW_CFG_FILE_NAME_SIZE - 1, long_name, FW_CFG_FILE_NAME_SIZE - 1);
  g_assert_cmphex (dir[4 + 63], ==, 0);
  for (unsigned i = 0; i < G_N_ELEMENTS (sorted); i++)
    {
      const uint8_t *e = dir + 4 + (i + 1) * FW_CFG_DIR_ENTRY_SIZE;
      static const uint32_t sizes[] = { 0, 4, 5, 1 };
      char name[FW_CFG_FILE_NAME_SIZE] = { 0 };

      g_assert_cmpuint (get_be32 (e), ==, sizes[i]);
      g_assert_cmphex (e[4] << 8 | e[5], ==, FW_CFG_FILE_FIRST + 1 + i);
      g_assert_cmphex (e[6] | e[7], ==, 0);
      strcpy (name, sorted[i]);
      g_assert_cmpmem (e + 8, FW_CFG_FILE_NAME_SIZE, name, FW_CFG_FILE_NAME_SIZE);
    }
  /* Exactly the count and entries; zeros after. */
  assert_zero (dir + 4 + 5 * FW_CFG_DIR_ENTRY_SIZE, BUF_SIZE - 4 - 5 * FW_CFG_DIR_ENTRY_SIZE);

  /* A file's selector reads that file. */
  g_assert_cmphex (dma (f, select_read (FW_CFG_FILE_FIRST + 3), 5, BUF_GPA), ==, 0);
  g_assert_cmpmem (f->ram + BUF_GPA, 5, "12345", 5);
}

static void
test_file_io (Fixture       *f,
              gconstpointer  data)
{
  static const char text[] = "/pci@i0cf8/ide@1,1/drive@0/disk@0";
  char buf[sizeof text + 4];
  uint32_t size = 0;
  uint16_t key;

  g_assert_cmpint (fw_cfg_add_file (f->dev, "etc/other", "abc", 3), ==, 0);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "bootorder", text, sizeof text), ==, 0);
  key = find_file (f, "bootorder", &size);
  g_assert_cmphex (key, ==, FW_CFG_FILE_FIRST);
  g_assert_cmpuint (size, ==, sizeof text);

  select_io (f, key);
  read_io (f, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, text);
  assert_zero ((const uint8_t *) buf + sizeof text, 4);

  /* Selecting again starts over; the write channel bit is ignored. */
  select_io (f, key | FW_CFG_WRITE_CHANNEL);
  read_io (f, buf, 4);
  g_assert_cmpmem (buf, 4, text, 4);
  g_assert_cmpuint (find_file (f, "nothing", &size), ==, 0);
}

static void
test_file_dma (Fixture       *f,
               gconstpointer  data)
{
  static const uint8_t blob[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  uint8_t *buf = f->ram + BUF_GPA;
  uint32_t size = 0;
  uint16_t key;

  g_assert_cmpint (fw_cfg_add_file (f->dev, "etc/blob", blob, sizeof blob), ==, 0);
  key = find_file (f, "etc/blob", &size);
  g_assert_cmpuint (size, ==, sizeof blob);

  /* Select and read in one. */
  fill_buf (f);
  g_assert_cmphex (dma (f, select_read (key), 4, BUF_GPA), ==, 0);
  g_assert_cmpmem (buf, 4, blob, 4);
  assert_filler (buf + 4, 16);

  /* The offset moved on: a plain read continues, a skip jumps. */
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_READ, 2, BUF_GPA), ==, 0);
  g_assert_cmpmem (buf, 2, blob + 4, 2);
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_SKIP, 1, 0), ==, 0);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 8);

  /* Across the end: the rest of the item, then zeros to the length. */
  fill_buf (f);
  g_assert_cmphex (dma (f, select_read (key) , 16, BUF_GPA), ==, 0);
  g_assert_cmpmem (buf, 10, blob, 10);
  assert_zero (buf + 10, 6);
  assert_filler (buf + 16, 16);
  /* Past the end: zeros only. */
  fill_buf (f);
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_READ, 3, BUF_GPA), ==, 0);
  assert_zero (buf, 3);
  assert_filler (buf + 3, 16);

  /* A skip past the end stops there; selecting alone rewinds. */
  g_assert_cmphex (dma (f, (uint32_t) key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP,
                        0xffffffff, 0), ==, 0);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 0);
  g_assert_cmphex (dma (f, (uint32_t) key << 16 | FW_CFG_DMA_CTL_SELECT, 100, BUF_GPA), ==, 0);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 1);

  /* No operation bit: nothing moves. */
  fill_buf (f);
  g_assert_cmphex (dma (f, 0, 4, BUF_GPA), ==, 0);
  assert_filler (buf, 4);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 2);

  /* Length 0 touches no memory, wherever it points. */
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_READ, 0, G_GUINT64_CONSTANT (0xfffffffffffff000)), ==, 0);
}

static void
test_dma_hostile (Fixture       *f,
                  gconstpointer  data)
{
  static const uint8_t blob[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
  uint8_t *buf = f->ram + BUF_GPA;
  uint8_t *end = f->ram + RAM_SIZE;
  uint16_t key = FW_CFG_FILE_FIRST;

  g_assert_cmpint (fw_cfg_add_file (f->dev, "etc/blob", blob, sizeof blob), ==, 0);
  select_io (f, key);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 0x11);

  /* Access structure outside RAM: nothing happens, the state stays. */
  dma_kick (f, RAM_SIZE);
  dma_kick (f, G_GUINT64_CONSTANT (0xfffffffffffffff8));
  dma_kick (f, G_GUINT64_CONSTANT (0x100000000) + ACCESS_GPA);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 0x22);

  /* Straddling the end: its control word is in RAM and gets the error;
   * the half that is there is not acted on. */
  put_be32 (end - 8, select_read (FW_CFG_SIGNATURE));
  put_be32 (end - 4, 4);
  dma_kick (f, RAM_SIZE - 8);
  g_assert_cmphex (get_be32 (end - 8), ==, FW_CFG_DMA_CTL_ERROR);
  g_assert_cmphex (get_be32 (end - 4), ==, 4);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 0x33);

  /* The high half is 0 again after every transfer: a low half alone then
   * reaches ACCESS_GPA, not 4 GiB above it. */
  dma_write_half (f, FW_CFG_DMA_PORT, 1);
  dma_write_half (f, FW_CFG_DMA_PORT + 4, ACCESS_GPA);
  put_be32 (f->ram + ACCESS_GPA, select_read (key));
  put_be32 (f->ram + ACCESS_GPA + 4, 1);
  memset (f->ram + ACCESS_GPA + 8, 0, 4);
  put_be32 (f->ram + ACCESS_GPA + 12, BUF_GPA);
  fill_buf (f);
  dma_write_half (f, FW_CFG_DMA_PORT + 4, ACCESS_GPA);
  g_assert_cmphex (get_be32 (f->ram + ACCESS_GPA), ==, 0);
  g_assert_cmphex (buf[0], ==, 0x11);

  /* Buffer outside RAM: error, and nothing moves but the selection. */
  select_io (f, FW_CFG_SIGNATURE);
  g_assert_cmphex (dma (f, select_read (key), 4, RAM_SIZE), ==, FW_CFG_DMA_CTL_ERROR);
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_READ, 4, G_GUINT64_CONSTANT (0x100000000)), ==,
                   FW_CFG_DMA_CTL_ERROR);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 0x11);

  /* Straddling the end of RAM: error, the part in RAM untouched. */
  memset (end - 4, FILLER, 4);
  g_assert_cmphex (dma (f, select_read (key), 8, RAM_SIZE - 4), ==, FW_CFG_DMA_CTL_ERROR);
  assert_filler (end - 4, 4);
  g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 0x11);

  /* Longest length, from inside RAM, and an address that wraps. */
  fill_buf (f);
  g_assert_cmphex (dma (f, select_read (key), 0xffffffff, BUF_GPA), ==, FW_CFG_DMA_CTL_ERROR);
  assert_filler (buf, BUF_SIZE);
  g_assert_cmphex (dma (f, select_read (key), 0x2000, G_GUINT64_CONSTANT (0xfffffffffffff000)), ==,
                   FW_CFG_DMA_CTL_ERROR);
  /* The whole rest of RAM is fine: 8 bytes, then zeros to the end. */
  memset (f->ram + BUF_GPA, FILLER, RAM_SIZE - BUF_GPA);
  g_assert_cmphex (dma (f, select_read (key), RAM_SIZE - BUF_GPA, BUF_GPA), ==, 0);
  g_assert_cmpmem (buf, 8, blob, 8);
  assert_zero (buf + 8, RAM_SIZE - BUF_GPA - 8);

  /* WRITE: nothing is writable; the buffer is not read into anything. */
  memset (buf, 0x5a, 8);
  g_assert_cmphex (dma (f, (uint32_t) key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE,
                        8, BUF_GPA), ==, FW_CFG_DMA_CTL_ERROR);
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_WRITE, 1, RAM_SIZE), ==, FW_CFG_DMA_CTL_ERROR);
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_WRITE, 0, BUF_GPA), ==, 0);
  g_assert_cmphex (dma (f, select_read (key), 8, BUF_GPA), ==, 0);
  g_assert_cmpmem (buf, 8, blob, 8);
  /* READ wins over WRITE, as in QEMU. */
  memset (buf, 0x5a, 8);
  g_assert_cmphex (dma (f, select_read (key) | FW_CFG_DMA_CTL_WRITE, 8, BUF_GPA), ==, 0);
  g_assert_cmpmem (buf, 8, blob, 8);

  /* Unknown selectors read as zeros, without error. */
  {
    static const uint16_t unknown[] = { 0x1234, 0x3fff, FW_CFG_FILE_FIRST + 1,
                                        FW_CFG_E820_TABLE, 0xffff, FW_CFG_UUID };

    for (unsigned i = 0; i < G_N_ELEMENTS (unknown); i++)
      {
        fill_buf (f);
        g_assert_cmphex (dma (f, select_read (unknown[i]), 16, BUF_GPA), ==, 0);
        assert_zero (buf, 16);
        assert_filler (buf + 16, 16);
        g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_SKIP, 5, 0), ==, 0);
        g_assert_cmphex (inb (f, FW_CFG_IO_PORT + 1), ==, 0);
      }
  }
}

static void
test_selector_changes (Fixture       *f,
                       gconstpointer  data)
{
  uint8_t *buf = f->ram + BUF_GPA;
  uint8_t b[4];

  g_assert_cmpint (fw_cfg_add_file (f->dev, "a", "abcdefgh", 8), ==, 0);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "b", "ABCDEFGH", 8), ==, 0);

  select_io (f, FW_CFG_FILE_FIRST);
  read_io (f, b, 2);
  g_assert_cmpmem (b, 2, "ab", 2);
  /* DMA selecting the other file starts it from its beginning... */
  g_assert_cmphex (dma (f, select_read (FW_CFG_FILE_FIRST + 1), 3, BUF_GPA), ==, 0);
  g_assert_cmpmem (buf, 3, "ABC", 3);
  /* ...and the ports go on from there. */
  read_io (f, b, 2);
  g_assert_cmpmem (b, 2, "DE", 2);
  /* Back to the first: from its start again. */
  select_io (f, FW_CFG_FILE_FIRST);
  read_io (f, b, 1);
  g_assert_cmphex (b[0], ==, 'a');

  /* A file added while one is being read renumbers it: what the selector
   * now names is shorter than the offset, and reads are zeros. */
  g_assert_cmpint (fw_cfg_add_file (f->dev, "0-long", "0123456789abcdef", 16), ==, 0);
  select_io (f, FW_CFG_FILE_FIRST);
  read_io (f, b, 4);
  g_assert_cmpmem (b, 4, "0123", 4);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "-", "z", 1), ==, 0);
  read_io (f, b, 2);
  g_assert_cmphex (b[0], ==, 0);
  g_assert_cmphex (b[1], ==, 0);
  fill_buf (f);
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_READ, 4, BUF_GPA), ==, 0);
  assert_zero (buf, 4);
  g_assert_cmphex (dma (f, FW_CFG_DMA_CTL_SKIP, 4, 0), ==, 0);
}

static void
test_items (Fixture       *f,
            gconstpointer  data)
{
  uint8_t *buf = f->ram + BUF_GPA;

  g_assert_cmpint (fw_cfg_add_u16 (f->dev, FW_CFG_NB_CPUS, 4), ==, 0);
  g_assert_cmpint (fw_cfg_add_u16 (f->dev, FW_CFG_MAX_CPUS, 0x102), ==, 0);
  g_assert_cmpint (fw_cfg_add_u32 (f->dev, FW_CFG_IRQ0_OVERRIDE, 1), ==, 0);
  g_assert_cmpint (fw_cfg_add_u64 (f->dev, FW_CFG_RAM_SIZE, G_GUINT64_CONSTANT (0x123456789a)), ==, 0);
  g_assert_cmpint (fw_cfg_add_item (f->dev, FW_CFG_UUID, "0123456789abcdef", 16), ==, 0);

  g_assert_cmpint (fw_cfg_add_u16 (f->dev, FW_CFG_NB_CPUS, 2), ==, -EEXIST);
  g_assert_cmpint (fw_cfg_add_u32 (f->dev, FW_CFG_SIGNATURE, 0), ==, -EINVAL);
  g_assert_cmpint (fw_cfg_add_u32 (f->dev, FW_CFG_ID, 0), ==, -EINVAL);
  g_assert_cmpint (fw_cfg_add_u32 (f->dev, FW_CFG_FILE_DIR, 0), ==, -EINVAL);
  g_assert_cmpint (fw_cfg_add_u32 (f->dev, FW_CFG_FILE_FIRST, 0), ==, -EINVAL);
  g_assert_cmpint (fw_cfg_add_u32 (f->dev, FW_CFG_WRITE_CHANNEL | FW_CFG_NUMA, 0), ==, -EINVAL);
  g_assert_cmpint (fw_cfg_add_u32 (f->dev, FW_CFG_ARCH_LOCAL | FW_CFG_FILE_FIRST, 0), ==, -EINVAL);

  select_io (f, FW_CFG_NB_CPUS);
  read_io (f, buf, 2);
  g_assert_cmphex (get_le (buf, 2), ==, 4);
  g_assert_cmphex (dma (f, select_read (FW_CFG_MAX_CPUS), 2, BUF_GPA), ==, 0);
  g_assert_cmphex (get_le (buf, 2), ==, 0x102);
  g_assert_cmphex (dma (f, select_read (FW_CFG_IRQ0_OVERRIDE), 4, BUF_GPA), ==, 0);
  g_assert_cmphex (get_le (buf, 4), ==, 1);
  g_assert_cmphex (dma (f, select_read (FW_CFG_RAM_SIZE), 8, BUF_GPA), ==, 0);
  g_assert_cmphex (get_le (buf, 8), ==, G_GUINT64_CONSTANT (0x123456789a));
  g_assert_cmphex (dma (f, select_read (FW_CFG_UUID), 16, BUF_GPA), ==, 0);
  g_assert_cmpmem (buf, 16, "0123456789abcdef", 16);
  /* The arch bit picks another key: 0x8005 is not NB_CPUS. */
  fill_buf (f);
  g_assert_cmphex (dma (f, select_read (FW_CFG_ARCH_LOCAL | FW_CFG_NB_CPUS), 2, BUF_GPA), ==, 0);
  assert_zero (buf, 2);
}

static void
test_e820 (Fixture       *f,
           gconstpointer  data)
{
  E820Map map = {
    .entries = {
      { 0, 0x9fc00, E820_TYPE_RAM },
      { 0x9fc00, 0x60400, E820_TYPE_RESERVED },
      { 0x100000, G_GUINT64_CONSTANT (0xbff00000), E820_TYPE_RAM },
      { G_GUINT64_CONSTANT (0x100000000), G_GUINT64_CONSTANT (0x140000000), E820_TYPE_RAM },
    },
    .n_entries = 4,
  };
  uint8_t *buf = f->ram + BUF_GPA;
  uint32_t size = 0;
  uint16_t key;

  g_assert_cmpint (fw_cfg_add_e820 (f->dev, &map), ==, 0);
  g_assert_cmpint (fw_cfg_add_e820 (f->dev, &map), ==, -EEXIST);
  key = find_file (f, "etc/e820", &size);
  g_assert_cmphex (key, !=, 0);
  g_assert_cmpuint (size, ==, 4 * 20);

  fill_buf (f);
  g_assert_cmphex (dma (f, select_read (key), size, BUF_GPA), ==, 0);
  for (unsigned i = 0; i < map.n_entries; i++)
    {
      const uint8_t *e = buf + i * 20;

      g_assert_cmphex (get_le (e, 8), ==, map.entries[i].addr);
      g_assert_cmphex (get_le (e + 8, 8), ==, map.entries[i].size);
      g_assert_cmphex (get_le (e + 16, 4), ==, map.entries[i].type);
    }
  assert_filler (buf + size, 16);
  /* Spot-check the packing: the second entry's type, byte by byte. */
  g_assert_cmpmem (buf + 20 + 16, 4, "\x02\0\0\0", 4);

  map.n_entries = E820_MAX_ENTRIES + 1;
  g_assert_cmpint (fw_cfg_add_e820 (f->dev, &map), ==, -EINVAL);
}

static void
test_reset (Fixture       *f,
            gconstpointer  data)
{
  uint8_t b[4];

  select_io (f, FW_CFG_ID);
  read_io (f, b, 2);
  dma_write_half (f, FW_CFG_DMA_PORT, 1);
  fw_cfg_reset (f->dev);

  /* Power-on: the signature at offset 0... */
  read_io (f, b, 4);
  g_assert_cmpmem (b, 4, "QEMU", 4);
  /* ...and a DMA address high half of 0. */
  g_assert_cmphex (dma (f, select_read (FW_CFG_ID), 4, BUF_GPA), ==, 0);
  g_assert_cmphex (get_le (f->ram + BUF_GPA, 4), ==, 3);
}

/* Two vCPUs each reading their own file by select+read in one DMA transfer:
 * each transfer is atomic, so each always gets its own bytes. */
typedef struct
{
  Fixture  *f;
  uint64_t  access_gpa;
  uint64_t  buf_gpa;
  uint16_t  key;
  uint8_t   expect;
  unsigned  bad;
} Reader;

static void *
reader_run (void *opaque)
{
  Reader *r = opaque;
  uint8_t *access = r->f->ram + r->access_gpa;
  uint8_t *buf = r->f->ram + r->buf_gpa;
  uint8_t half[4];

  for (unsigned n = 0; n < 20000; n++)
    {
      put_be32 (access, select_read (r->key));
      put_be32 (access + 4, 64);
      memset (access + 8, 0, 4);
      put_be32 (access + 12, (uint32_t) r->buf_gpa);
      memset (buf, 0, 64);
      put_be32 (half, (uint32_t) r->access_gpa);
      io_bus_write (&r->f->bus, FW_CFG_DMA_PORT + 4, half, 4);
      for (unsigned i = 0; i < 64; i++)
        if (buf[i] != r->expect || get_be32 (access) != 0)
          {
            r->bad++;
            break;
          }
    }
  return NULL;
}

static void
test_concurrent_dma (Fixture       *f,
                     gconstpointer  data)
{
  uint8_t a[64], b[64];
  Reader readers[2] = {
    { f, 0x10000, 0x11000, FW_CFG_FILE_FIRST, 'a', 0 },
    { f, 0x20000, 0x21000, FW_CFG_FILE_FIRST + 1, 'b', 0 },
  };
  pthread_t threads[2];

  memset (a, 'a', sizeof a);
  memset (b, 'b', sizeof b);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "a", a, sizeof a), ==, 0);
  g_assert_cmpint (fw_cfg_add_file (f->dev, "b", b, sizeof b), ==, 0);
  for (unsigned i = 0; i < 2; i++)
    g_assert_cmpint (pthread_create (&threads[i], NULL, reader_run, &readers[i]), ==, 0);
  for (unsigned i = 0; i < 2; i++)
    pthread_join (threads[i], NULL);
  g_assert_cmpuint (readers[0].bad, ==, 0);
  g_assert_cmpuint (readers[1].bad, ==, 0);
}

static void
test_lifecycle (void)
{
  GuestMemory mem = { 0 };

  fw_cfg_free (NULL);
  /* Adding allocates; freeing must release everything (ASan checks). */
  for (unsigned i = 0; i < 3; i++)
    {
      FwCfg *dev = fw_cfg_new (&mem);
      char name[16];

      g_assert_nonnull (dev);
      for (unsigned j = 0; j < 40; j++)
        {
          g_snprintf (name, sizeof name, "opt/%u", (j * 7) % 40);
          g_assert_cmpint (fw_cfg_add_file (dev, name, name, strlen (name)), ==, 0);
        }
      g_assert_cmpint (fw_cfg_add_u16 (dev, FW_CFG_NB_CPUS, 1), ==, 0);
      /* No RAM at all: DMA errors out quietly. */
      fw_cfg_dma_ops.write (dev, 4, 0, 4);
      fw_cfg_free (dev);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/vmm/fw-cfg/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("signature-and-id", test_signature_and_id);
  ADD ("directory", test_directory);
  ADD ("file-io", test_file_io);
  ADD ("file-dma", test_file_dma);
  ADD ("dma-hostile", test_dma_hostile);
  ADD ("selector-changes", test_selector_changes);
  ADD ("items", test_items);
  ADD ("e820", test_e820);
  ADD ("reset", test_reset);
  ADD ("concurrent-dma", test_concurrent_dma);
  g_test_add_func ("/vmm/fw-cfg/lifecycle", test_lifecycle);

#undef ADD

  return g_test_run ();
}
