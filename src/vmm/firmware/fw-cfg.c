/* fw-cfg.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fw-cfg.h"

/* Files take the selectors from FW_CFG_FILE_FIRST up to where the write
 * channel bit starts. */
#define FW_CFG_MAX_FILES  (FW_CFG_WRITE_CHANNEL - FW_CFG_FILE_FIRST)

#define FW_CFG_DMA_ACCESS_SIZE  16

typedef struct
{
  uint16_t  key;
  uint32_t  len;
  uint8_t  *data;
} FwCfgItem;

typedef struct
{
  char      name[FW_CFG_FILE_NAME_SIZE];
  uint32_t  len;
  uint8_t  *data;
} FwCfgFile;

typedef struct
{
  const uint8_t *data;
  uint32_t       len;
} FwCfgBlob;

struct FwCfg
{
  pthread_mutex_t    lock;
  const GuestMemory *mem;
  FwCfgItem         *items;
  unsigned           n_items;
  FwCfgFile         *files;     /* sorted by name; file i has selector FW_CFG_FILE_FIRST + i */
  unsigned           n_files;
  uint8_t           *dir;
  uint32_t           dir_len;
  uint8_t            id[4];
  uint16_t           selector;
  uint32_t           offset;
  uint64_t           dma_addr;
};

static const uint8_t fw_cfg_signature[4] = { 'Q', 'E', 'M', 'U' };
static const uint8_t fw_cfg_dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

static void
store_be16 (uint8_t  *p,
            uint16_t  v)
{
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

static void
store_be32 (uint8_t  *p,
            uint32_t  v)
{
  store_be16 (p, (uint16_t) (v >> 16));
  store_be16 (p + 2, (uint16_t) v);
}

static uint32_t
load_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void
store_le (uint8_t  *p,
          uint64_t  v,
          unsigned  n)
{
  for (unsigned i = 0; i < n; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

/* QEMU ignores the write channel bit when it looks an item up (writes
 * through the data port are gone since 2.4), so 0x4000 | key reads key. */
static FwCfgBlob
fw_cfg_lookup (const FwCfg *dev,
               uint16_t     selector)
{
  uint16_t key = selector & ~FW_CFG_WRITE_CHANNEL;

  switch (key)
    {
    case FW_CFG_SIGNATURE:
      return (FwCfgBlob) { fw_cfg_signature, sizeof fw_cfg_signature };
    case FW_CFG_ID:
      return (FwCfgBlob) { dev->id, sizeof dev->id };
    case FW_CFG_FILE_DIR:
      return (FwCfgBlob) { dev->dir, dev->dir_len };
    default:
      break;
    }
  if (key >= FW_CFG_FILE_FIRST && key < FW_CFG_ARCH_LOCAL)
    {
      unsigned index = key - FW_CFG_FILE_FIRST;

      if (index < dev->n_files)
        return (FwCfgBlob) { dev->files[index].data, dev->files[index].len };
      return (FwCfgBlob) { NULL, 0 };
    }
  for (unsigned i = 0; i < dev->n_items; i++)
    if (dev->items[i].key == key)
      return (FwCfgBlob) { dev->items[i].data, dev->items[i].len };
  return (FwCfgBlob) { NULL, 0 };
}

static void
fw_cfg_select (FwCfg    *dev,
               uint16_t  selector)
{
  dev->selector = selector;
  dev->offset = 0;
}

/* A file added while the guest reads can renumber the selected one, so the
 * offset may lie beyond what is now selected. */
static uint32_t
fw_cfg_remaining (const FwCfg *dev,
                  FwCfgBlob    blob)
{
  return dev->offset < blob.len ? blob.len - dev->offset : 0;
}

/* The port pair is one 2-byte region in QEMU: a 16-bit write at the
 * selector port selects, a byte read at either port returns data (the data
 * port overlaps the selector's high byte), and every other access is
 * refused, which reads as 0. Byte writes are accepted and dropped: data port
 * writes are gone since QEMU 2.4. */
static uint64_t
fw_cfg_io_read (void     *opaque,
                uint64_t  offset,
                unsigned  size)
{
  FwCfg *dev = opaque;
  FwCfgBlob blob;
  uint8_t value = 0;

  if (size != 1 || offset >= FW_CFG_IO_LEN)
    return 0;

  pthread_mutex_lock (&dev->lock);
  blob = fw_cfg_lookup (dev, dev->selector);
  if (fw_cfg_remaining (dev, blob) > 0)
    value = blob.data[dev->offset++];
  pthread_mutex_unlock (&dev->lock);
  return value;
}

static void
fw_cfg_io_write (void     *opaque,
                 uint64_t  offset,
                 uint64_t  value,
                 unsigned  size)
{
  FwCfg *dev = opaque;

  if (size != 2 || offset != 0)
    return;

  pthread_mutex_lock (&dev->lock);
  fw_cfg_select (dev, (uint16_t) value);
  pthread_mutex_unlock (&dev->lock);
}

const IoBusOps fw_cfg_io_ops = {
  .name  = "fw-cfg",
  .read  = fw_cfg_io_read,
  .write = fw_cfg_io_write,
};

/* Fills [gpa, gpa + len) with zeros, the caller having checked that the
 * whole range is RAM. */
static void
fw_cfg_dma_zero (const GuestMemory *mem,
                 uint64_t           gpa,
                 uint32_t           len)
{
  static const uint8_t zeros[4096];

  while (len > 0)
    {
      uint32_t chunk = len < sizeof zeros ? len : sizeof zeros;

      guest_memory_write (mem, gpa, zeros, chunk);
      gpa += chunk;
      len -= chunk;
    }
}

/* What the item has left goes first, and the rest of the buffer is zeroed,
 * as QEMU does for reads past the end or of an absent item. The buffer is
 * checked whole first, so a refused transfer moves nothing, not even the
 * offset. */
static uint32_t
fw_cfg_dma_read (FwCfg    *dev,
                 uint64_t  gpa,
                 uint32_t  len)
{
  FwCfgBlob blob;
  uint32_t n;

  if (len == 0)
    return 0;
  if (guest_memory_translate (dev->mem, gpa, len) == NULL)
    return FW_CFG_DMA_CTL_ERROR;

  blob = fw_cfg_lookup (dev, dev->selector);
  n = fw_cfg_remaining (dev, blob);
  if (n > len)
    n = len;
  if (n > 0)
    guest_memory_write (dev->mem, gpa, blob.data + dev->offset, n);
  fw_cfg_dma_zero (dev->mem, gpa + n, len - n);
  dev->offset += n;
  return 0;
}

static void
fw_cfg_dma_skip (FwCfg    *dev,
                 uint32_t  len)
{
  uint32_t n = fw_cfg_remaining (dev, fw_cfg_lookup (dev, dev->selector));

  dev->offset += len < n ? len : n;
}

/* Reads the access structure, does what its control word asks and writes
 * the control word back, as QEMU does: 0 for success or
 * FW_CFG_DMA_CTL_ERROR. SELECT takes effect even when the rest fails.
 * Nothing here is writable, so WRITE fails whenever it would move a byte,
 * as QEMU's read-only items do. */
static void
fw_cfg_dma_transfer (FwCfg    *dev,
                     uint64_t  access_gpa)
{
  uint8_t access[FW_CFG_DMA_ACCESS_SIZE];
  uint8_t status_be[4];
  uint32_t control, len, status = 0;
  uint64_t gpa;

  if (guest_memory_read (dev->mem, access_gpa, access, sizeof access) < 0)
    {
      /* The control word alone may still be in RAM. */
      store_be32 (status_be, FW_CFG_DMA_CTL_ERROR);
      guest_memory_write (dev->mem, access_gpa, status_be, sizeof status_be);
      return;
    }
  control = load_be32 (access);
  len = load_be32 (access + 4);
  gpa = (uint64_t) load_be32 (access + 8) << 32 | load_be32 (access + 12);

  if (control & FW_CFG_DMA_CTL_SELECT)
    fw_cfg_select (dev, (uint16_t) (control >> 16));

  if (control & FW_CFG_DMA_CTL_READ)
    status = fw_cfg_dma_read (dev, gpa, len);
  else if (control & FW_CFG_DMA_CTL_WRITE)
    status = len > 0 ? FW_CFG_DMA_CTL_ERROR : 0;
  else if (control & FW_CFG_DMA_CTL_SKIP)
    fw_cfg_dma_skip (dev, len);

  store_be32 (status_be, status);
  guest_memory_write (dev->mem, access_gpa, status_be, sizeof status_be);
}

/* The register is big-endian and the port bus hands us the bytes the guest
 * wrote as a little-endian value: the address is that value byte-swapped. */
static void
fw_cfg_dma_write (void     *opaque,
                  uint64_t  offset,
                  uint64_t  value,
                  unsigned  size)
{
  FwCfg *dev = opaque;
  uint64_t access_gpa;
  bool run = false;

  pthread_mutex_lock (&dev->lock);
  if (size == 4 && offset == 0)
    dev->dma_addr = (uint64_t) __builtin_bswap32 ((uint32_t) value) << 32;
  else if (size == 4 && offset == 4)
    {
      access_gpa = dev->dma_addr | __builtin_bswap32 ((uint32_t) value);
      run = true;
    }
  else if (size == 8 && offset == 0)
    {
      access_gpa = __builtin_bswap64 (value);
      run = true;
    }
  if (run)
    {
      /* 32-bit firmware only ever writes the low half: the high half must
       * read as 0 again after every transfer. */
      dev->dma_addr = 0;
      fw_cfg_dma_transfer (dev, access_gpa);
    }
  pthread_mutex_unlock (&dev->lock);
}

static uint64_t
fw_cfg_dma_read_register (void     *opaque,
                          uint64_t  offset,
                          unsigned  size)
{
  uint64_t value = 0;

  if (size == 0 || offset >= FW_CFG_DMA_LEN || size > FW_CFG_DMA_LEN - offset)
    return 0;
  for (unsigned i = 0; i < size; i++)
    value |= (uint64_t) fw_cfg_dma_signature[offset + i] << (8 * i);
  return value;
}

const IoBusOps fw_cfg_dma_ops = {
  .name  = "fw-cfg-dma",
  .read  = fw_cfg_dma_read_register,
  .write = fw_cfg_dma_write,
};

static uint8_t *
fw_cfg_copy (const void *data,
             size_t      len)
{
  uint8_t *copy = malloc (len > 0 ? len : 1);

  if (copy != NULL && len > 0)
    memcpy (copy, data, len);
  return copy;
}

/* Called with the lock held. The directory is rebuilt whole, so a guest
 * never sees one half-updated. */
static int
fw_cfg_rebuild_dir (FwCfg *dev)
{
  uint32_t len = 4 + dev->n_files * FW_CFG_DIR_ENTRY_SIZE;
  uint8_t *dir = calloc (1, len);

  if (dir == NULL)
    return -ENOMEM;
  store_be32 (dir, dev->n_files);
  for (unsigned i = 0; i < dev->n_files; i++)
    {
      uint8_t *entry = dir + 4 + i * FW_CFG_DIR_ENTRY_SIZE;

      store_be32 (entry, dev->files[i].len);
      store_be16 (entry + 4, (uint16_t) (FW_CFG_FILE_FIRST + i));
      memcpy (entry + 8, dev->files[i].name, FW_CFG_FILE_NAME_SIZE);
    }
  free (dev->dir);
  dev->dir = dir;
  dev->dir_len = len;
  return 0;
}

FwCfg *
fw_cfg_new (const GuestMemory *mem)
{
  FwCfg *dev = calloc (1, sizeof *dev);

  if (dev == NULL)
    return NULL;
  if (pthread_mutex_init (&dev->lock, NULL) != 0)
    {
      free (dev);
      return NULL;
    }
  dev->mem = mem;
  store_le (dev->id, FW_CFG_VERSION | FW_CFG_VERSION_DMA, sizeof dev->id);
  if (fw_cfg_rebuild_dir (dev) < 0)
    {
      fw_cfg_free (dev);
      return NULL;
    }
  return dev;
}

void
fw_cfg_free (FwCfg *dev)
{
  if (dev == NULL)
    return;
  for (unsigned i = 0; i < dev->n_items; i++)
    free (dev->items[i].data);
  for (unsigned i = 0; i < dev->n_files; i++)
    free (dev->files[i].data);
  free (dev->items);
  free (dev->files);
  free (dev->dir);
  pthread_mutex_destroy (&dev->lock);
  free (dev);
}

void
fw_cfg_reset (FwCfg *dev)
{
  pthread_mutex_lock (&dev->lock);
  fw_cfg_select (dev, FW_CFG_SIGNATURE);
  dev->dma_addr = 0;
  pthread_mutex_unlock (&dev->lock);
}

static bool
fw_cfg_key_is_owners (uint16_t key)
{
  uint16_t index = key & ~FW_CFG_ARCH_LOCAL;

  if (key & FW_CFG_WRITE_CHANNEL || index >= FW_CFG_FILE_FIRST)
    return false;
  if (key & FW_CFG_ARCH_LOCAL)
    return true;
  return key != FW_CFG_SIGNATURE && key != FW_CFG_ID && key != FW_CFG_FILE_DIR;
}

int
fw_cfg_add_item (FwCfg      *dev,
                 uint16_t    key,
                 const void *data,
                 size_t      len)
{
  FwCfgItem *items;
  uint8_t *copy;
  int ret = 0;

  if (!fw_cfg_key_is_owners (key) || len > UINT32_MAX)
    return -EINVAL;
  copy = fw_cfg_copy (data, len);
  if (copy == NULL)
    return -ENOMEM;

  pthread_mutex_lock (&dev->lock);
  for (unsigned i = 0; i < dev->n_items; i++)
    if (dev->items[i].key == key)
      {
        ret = -EEXIST;
        goto out;
      }
  items = realloc (dev->items, (dev->n_items + 1) * sizeof *items);
  if (items == NULL)
    {
      ret = -ENOMEM;
      goto out;
    }
  dev->items = items;
  dev->items[dev->n_items++] = (FwCfgItem) { key, (uint32_t) len, copy };
  copy = NULL;

out:
  pthread_mutex_unlock (&dev->lock);
  free (copy);
  return ret;
}

int
fw_cfg_add_u16 (FwCfg    *dev,
                uint16_t  key,
                uint16_t  value)
{
  uint8_t le[2];

  store_le (le, value, sizeof le);
  return fw_cfg_add_item (dev, key, le, sizeof le);
}

int
fw_cfg_add_u32 (FwCfg    *dev,
                uint16_t  key,
                uint32_t  value)
{
  uint8_t le[4];

  store_le (le, value, sizeof le);
  return fw_cfg_add_item (dev, key, le, sizeof le);
}

int
fw_cfg_add_u64 (FwCfg    *dev,
                uint16_t  key,
                uint64_t  value)
{
  uint8_t le[8];

  store_le (le, value, sizeof le);
  return fw_cfg_add_item (dev, key, le, sizeof le);
}

/* QEMU keeps the directory sorted by name (machine types without legacy
 * fw_cfg order), each file's selector following its place in it. SeaBIOS
 * finds files by name, but lists them in directory order, which decides for
 * instance the order in which it runs option ROMs. */
int
fw_cfg_add_file (FwCfg      *dev,
                 const char *name,
                 const void *data,
                 size_t      len)
{
  size_t name_len = strnlen (name, FW_CFG_FILE_NAME_SIZE);
  FwCfgFile *files;
  uint8_t *copy;
  unsigned at;
  int ret = 0;

  if (name_len == 0 || name_len == FW_CFG_FILE_NAME_SIZE || len > UINT32_MAX)
    return -EINVAL;
  copy = fw_cfg_copy (data, len);
  if (copy == NULL)
    return -ENOMEM;

  pthread_mutex_lock (&dev->lock);
  for (at = 0; at < dev->n_files; at++)
    {
      int cmp = strcmp (name, dev->files[at].name);

      if (cmp == 0)
        {
          ret = -EEXIST;
          goto out;
        }
      if (cmp < 0)
        break;
    }
  if (dev->n_files == FW_CFG_MAX_FILES)
    {
      ret = -ENOSPC;
      goto out;
    }
  files = realloc (dev->files, (dev->n_files + 1) * sizeof *files);
  if (files == NULL)
    {
      ret = -ENOMEM;
      goto out;
    }
  dev->files = files;
  memmove (&files[at + 1], &files[at], (dev->n_files - at) * sizeof *files);
  memset (&files[at], 0, sizeof files[at]);
  memcpy (files[at].name, name, name_len);
  files[at].len = (uint32_t) len;
  files[at].data = copy;
  dev->n_files++;
  ret = fw_cfg_rebuild_dir (dev);
  if (ret < 0)
    {
      dev->n_files--;
      memmove (&files[at], &files[at + 1], (dev->n_files - at) * sizeof *files);
      goto out;
    }
  copy = NULL;

out:
  pthread_mutex_unlock (&dev->lock);
  free (copy);
  return ret;
}

int
fw_cfg_add_e820 (FwCfg         *dev,
                 const E820Map *map)
{
  uint8_t table[E820_MAX_ENTRIES * FW_CFG_E820_ENTRY_SIZE];

  if (map->n_entries > E820_MAX_ENTRIES)
    return -EINVAL;
  for (unsigned i = 0; i < map->n_entries; i++)
    {
      uint8_t *entry = table + i * FW_CFG_E820_ENTRY_SIZE;

      store_le (entry, map->entries[i].addr, 8);
      store_le (entry + 8, map->entries[i].size, 8);
      store_le (entry + 16, map->entries[i].type, 4);
    }
  return fw_cfg_add_file (dev, "etc/e820", table,
                          map->n_entries * FW_CFG_E820_ENTRY_SIZE);
}
