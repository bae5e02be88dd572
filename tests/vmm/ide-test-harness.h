/* ide-test-harness.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Shared by test-ide.c and test-atapi.c: a PIIX IDE controller over
 * temporary raw images with a known pattern, fake guest memory and
 * recording interrupt lines, and the port accesses a guest driver makes. */

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ide/piix-ide.h"

#define RAM_SIZE        (4u << 20)

typedef struct
{
  unsigned raises;
  bool     level;
} IrqRecord;

typedef struct
{
  GuestMemory  mem;
  uint8_t     *ram;
  IrqRecord    irq_rec[2];
  PiixIde     *ide;
  IdeChannel  *ch[2];
  char        *paths[4];
  unsigned     n_paths;
} Harness;

static void
record_irq (void *opaque,
            bool  level)
{
  IrqRecord *rec = opaque;

  if (level && !rec->level)
    rec->raises++;
  rec->level = level;
}

/* Byte at offset of every test image. */
static uint8_t
pattern_byte (uint64_t offset)
{
  return (uint8_t) ((offset * 7) ^ (offset >> 9) ^ (offset >> 17));
}

/* A temporary image of size bytes (sparse beyond the first pattern_len). */
static char *
make_image (Harness  *h,
            uint64_t  size,
            uint64_t  pattern_len)
{
  GError *error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("ide-test-XXXXXX.img", &path, &error);
  uint8_t chunk[4096];

  g_assert_no_error (error);
  g_assert_cmpint (ftruncate (fd, (off_t) size), ==, 0);
  for (uint64_t off = 0; off < pattern_len; off += sizeof chunk)
    {
      for (unsigned i = 0; i < sizeof chunk; i++)
        chunk[i] = pattern_byte (off + i);
      g_assert_cmpint (pwrite (fd, chunk, sizeof chunk, (off_t) off), ==, sizeof chunk);
    }
  close (fd);
  g_assert_cmpuint (h->n_paths, <, G_N_ELEMENTS (h->paths));
  h->paths[h->n_paths++] = path;
  return path;
}

static BlockFile *
open_image (const char *path,
            bool        read_only)
{
  BlockFile *bf = calloc (1, sizeof *bf);
  VmmError err;

  g_assert_nonnull (bf);
  g_assert_cmpint (block_file_open (bf, path, read_only, &err), ==, 0);
  return bf;
}

static void
harness_init (Harness              *h,
              const IdeDriveConfig  drives[2][2])
{
  IrqLine irq[2];
  VmmError err = { { 0 } };

  memset (h->irq_rec, 0, sizeof h->irq_rec);
  h->ram = g_malloc0 (RAM_SIZE);
  memset (&h->mem, 0, sizeof h->mem);
  g_assert_cmpint (guest_memory_add_region (&h->mem, 0, h->ram, RAM_SIZE), ==, 0);
  for (unsigned i = 0; i < 2; i++)
    irq[i] = (IrqLine) { record_irq, &h->irq_rec[i] };
  h->ide = piix_ide_new (&h->mem, drives, irq, &err);
  g_assert_nonnull (h->ide);
  h->ch[0] = piix_ide_channel (h->ide, 0);
  h->ch[1] = piix_ide_channel (h->ide, 1);
}

static void
harness_destroy (Harness *h)
{
  piix_ide_free (h->ide);
  g_free (h->ram);
  for (unsigned i = 0; i < h->n_paths; i++)
    {
      g_unlink (h->paths[i]);
      g_free (h->paths[i]);
    }
  memset (h, 0, sizeof *h);
}

static void
outb (IdeChannel *ch,
      unsigned    reg,
      uint8_t     value)
{
  ide_command_block_ops.write (ch, reg, value, 1);
}

static uint8_t
inb (IdeChannel *ch,
     unsigned    reg)
{
  return (uint8_t) ide_command_block_ops.read (ch, reg, 1);
}

static uint16_t
inw (IdeChannel *ch)
{
  return (uint16_t) ide_command_block_ops.read (ch, IDE_REG_DATA, 2);
}

static void
outw (IdeChannel *ch,
      uint16_t    value)
{
  ide_command_block_ops.write (ch, IDE_REG_DATA, value, 2);
}

static uint8_t
alt_status (IdeChannel *ch)
{
  return (uint8_t) ide_control_block_ops.read (ch, 0, 1);
}

static void
device_control (IdeChannel *ch,
                uint8_t     value)
{
  ide_control_block_ops.write (ch, 0, value, 1);
}

static void
read_data (IdeChannel *ch,
           uint8_t    *buf,
           size_t      len)
{
  for (size_t i = 0; i < len; i += 2)
    {
      uint16_t w = inw (ch);

      buf[i] = w & 0xff;
      if (i + 1 < len)
        buf[i + 1] = w >> 8;
    }
}

static void
bm_write8 (IdeChannel *ch,
           unsigned    reg,
           uint8_t     value)
{
  ide_channel_bm_write (ch, reg, value, 1);
}

static uint8_t
bm_status (IdeChannel *ch)
{
  return (uint8_t) ide_channel_bm_read (ch, IDE_BM_STATUS, 1);
}

/* A PRD table of n entries at table in guest memory. */
static void
put_prd (Harness  *h,
         uint32_t  table,
         unsigned  index,
         uint32_t  addr,
         uint32_t  count,
         bool      eot)
{
  uint32_t entry[2] = { addr, (count & 0xffff) | (eot ? IDE_PRD_EOT : 0) };

  memcpy (h->ram + table + 8 * index, entry, sizeof entry);
}

static void
bm_setup (IdeChannel *ch,
          uint32_t    table,
          bool        to_memory)
{
  ide_channel_bm_write (ch, IDE_BM_PRD_TABLE, table, 4);
  bm_write8 (ch, IDE_BM_CMD, to_memory ? IDE_BM_CMD_TO_MEMORY : 0);
  bm_write8 (ch, IDE_BM_STATUS, IDE_BM_STATUS_ERROR | IDE_BM_STATUS_INTR);
}

static void
bm_start (IdeChannel *ch,
          bool        to_memory)
{
  bm_write8 (ch, IDE_BM_CMD, IDE_BM_CMD_START | (to_memory ? IDE_BM_CMD_TO_MEMORY : 0));
}
