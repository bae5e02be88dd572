/* table-loader.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "table-loader.h"

/* Entry layout: command at 0, then the arguments from offset 4. */
#define ENTRY_ARGS           4
#define NAME_LEN             TABLE_LOADER_FILE_NAME_LEN

typedef struct
{
  char     name[NAME_LEN];
  uint32_t size;
} LoaderFile;

struct TableLoader
{
  uint8_t    *data;
  size_t      len;
  size_t      cap;
  LoaderFile *files;
  size_t      n_files;
};

TableLoader *
table_loader_new (void)
{
  return calloc (1, sizeof (TableLoader));
}

void
table_loader_free (TableLoader *loader)
{
  if (loader == NULL)
    return;
  free (loader->data);
  free (loader->files);
  free (loader);
}

static bool
name_is_valid (const char *name)
{
  return name != NULL && name[0] != '\0' && strlen (name) < NAME_LEN;
}

static const LoaderFile *
find_file (const TableLoader *loader,
           const char        *name)
{
  if (!name_is_valid (name))
    return NULL;
  for (size_t i = 0; i < loader->n_files; i++)
    if (strcmp (loader->files[i].name, name) == 0)
      return &loader->files[i];
  return NULL;
}

/* A zeroed entry at the end, for the caller to fill. */
static uint8_t *
new_entry (TableLoader *loader,
           uint32_t     command)
{
  uint8_t *entry;

  if (loader->len == loader->cap)
    {
      size_t cap = loader->cap == 0 ? 16 * TABLE_LOADER_ENTRY_SIZE : 2 * loader->cap;
      uint8_t *data = realloc (loader->data, cap);

      if (data == NULL)
        return NULL;
      loader->data = data;
      loader->cap = cap;
    }
  entry = loader->data + loader->len;
  memset (entry, 0, TABLE_LOADER_ENTRY_SIZE);
  loader->len += TABLE_LOADER_ENTRY_SIZE;
  for (unsigned i = 0; i < 4; i++)
    entry[i] = (uint8_t) (command >> (8 * i));
  return entry;
}

static void
put_u32 (uint8_t  *p,
         uint32_t  value)
{
  for (unsigned i = 0; i < 4; i++)
    p[i] = (uint8_t) (value >> (8 * i));
}

int
table_loader_allocate (TableLoader     *loader,
                       const char      *file,
                       uint32_t         size,
                       uint32_t         align,
                       TableLoaderZone  zone)
{
  LoaderFile *files;
  uint8_t *entry;

  if (!name_is_valid (file) || align == 0 || (align & (align - 1)) != 0
      || (zone != TABLE_LOADER_ZONE_HIGH && zone != TABLE_LOADER_ZONE_FSEG))
    return -EINVAL;
  if (find_file (loader, file) != NULL)
    return -EEXIST;

  files = realloc (loader->files, (loader->n_files + 1) * sizeof *files);
  if (files == NULL)
    return -ENOMEM;
  loader->files = files;
  entry = new_entry (loader, TABLE_LOADER_CMD_ALLOCATE);
  if (entry == NULL)
    return -ENOMEM;

  memset (&files[loader->n_files], 0, sizeof files[0]);
  strcpy (files[loader->n_files].name, file);
  files[loader->n_files].size = size;
  loader->n_files++;

  strcpy ((char *) entry + ENTRY_ARGS, file);
  put_u32 (entry + ENTRY_ARGS + NAME_LEN, align);
  entry[ENTRY_ARGS + NAME_LEN + 4] = (uint8_t) zone;
  return 0;
}

int
table_loader_add_pointer (TableLoader *loader,
                          const char  *dest_file,
                          uint32_t     offset,
                          uint8_t      size,
                          const char  *src_file)
{
  const LoaderFile *dest = find_file (loader, dest_file);
  uint8_t *entry;

  if (dest == NULL || find_file (loader, src_file) == NULL)
    return -ENOENT;
  if ((size != 1 && size != 2 && size != 4 && size != 8)
      || offset > dest->size || size > dest->size - offset)
    return -EINVAL;

  entry = new_entry (loader, TABLE_LOADER_CMD_ADD_POINTER);
  if (entry == NULL)
    return -ENOMEM;
  strcpy ((char *) entry + ENTRY_ARGS, dest_file);
  strcpy ((char *) entry + ENTRY_ARGS + NAME_LEN, src_file);
  put_u32 (entry + ENTRY_ARGS + 2 * NAME_LEN, offset);
  entry[ENTRY_ARGS + 2 * NAME_LEN + 4] = size;
  return 0;
}

int
table_loader_add_checksum (TableLoader *loader,
                           const char  *file,
                           uint32_t     result_offset,
                           uint32_t     start,
                           uint32_t     length)
{
  const LoaderFile *f = find_file (loader, file);
  uint8_t *entry;

  if (f == NULL)
    return -ENOENT;
  if (result_offset >= f->size || start > f->size || length > f->size - start)
    return -EINVAL;

  entry = new_entry (loader, TABLE_LOADER_CMD_ADD_CHECKSUM);
  if (entry == NULL)
    return -ENOMEM;
  strcpy ((char *) entry + ENTRY_ARGS, file);
  put_u32 (entry + ENTRY_ARGS + NAME_LEN, result_offset);
  put_u32 (entry + ENTRY_ARGS + NAME_LEN + 4, start);
  put_u32 (entry + ENTRY_ARGS + NAME_LEN + 8, length);
  return 0;
}

const uint8_t *
table_loader_data (TableLoader *loader,
                   size_t      *len)
{
  *len = loader->len;
  return loader->data;
}
