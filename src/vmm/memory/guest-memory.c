/* guest-memory.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "guest-memory.h"

/* Maps anonymous memory for the guest and splits it around the 32-bit hole.
 * MAP_NORESERVE: the guest's maximum size is address space, not a promise;
 * pages are only taken from the host when the guest touches them. */
int
guest_memory_init (GuestMemory *mem,
                   uint64_t     size)
{
  uint64_t low = size < GUEST_MEMORY_HOLE_START ? size : GUEST_MEMORY_HOLE_START;
  uint8_t *host;
  int ret;

  memset (mem, 0, sizeof *mem);
  if (size == 0)
    return -EINVAL;

  host = mmap (NULL, size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (host == MAP_FAILED)
    return -errno;

  ret = guest_memory_add_region (mem, 0, host, low);
  if (ret == 0 && size > low)
    ret = guest_memory_add_region (mem, GUEST_MEMORY_HIGH_START, host + low, size - low);
  if (ret < 0)
    {
      munmap (host, size);
      memset (mem, 0, sizeof *mem);
    }
  return ret;
}

void
guest_memory_destroy (GuestMemory *mem)
{
  /* guest_memory_init makes one mapping; its regions are consecutive in it. */
  if (mem->n_regions > 0)
    munmap (mem->regions[0].host, guest_memory_ram_size (mem));
  memset (mem, 0, sizeof *mem);
}

int
guest_memory_add_region (GuestMemory *mem,
                         uint64_t     gpa,
                         uint8_t     *host,
                         uint64_t     size)
{
  if (mem->n_regions == GUEST_MEMORY_MAX_REGIONS)
    return -ENOSPC;
  if (size == 0 || gpa + size < gpa)
    return -EINVAL;
  for (unsigned i = 0; i < mem->n_regions; i++)
    {
      const GuestMemoryRegion *r = &mem->regions[i];
      if (gpa < r->gpa + r->size && r->gpa < gpa + size)
        return -EEXIST;
    }
  mem->regions[mem->n_regions++] = (GuestMemoryRegion) { gpa, size, host };
  return 0;
}

/* Returns the host address of [gpa, gpa + len) when the whole range lies in
 * one region, else NULL. Written so that no sum can wrap around. */
void *
guest_memory_translate (const GuestMemory *mem,
                        uint64_t           gpa,
                        uint64_t           len)
{
  for (unsigned i = 0; i < mem->n_regions; i++)
    {
      const GuestMemoryRegion *r = &mem->regions[i];
      if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
        return r->host + (gpa - r->gpa);
    }
  return NULL;
}

int
guest_memory_read (const GuestMemory *mem,
                   uint64_t           gpa,
                   void              *buf,
                   size_t             len)
{
  const void *src = guest_memory_translate (mem, gpa, len);

  if (src == NULL)
    return -EFAULT;
  memcpy (buf, src, len);
  return 0;
}

int
guest_memory_write (const GuestMemory *mem,
                    uint64_t           gpa,
                    const void        *buf,
                    size_t             len)
{
  void *dst = guest_memory_translate (mem, gpa, len);

  if (dst == NULL)
    return -EFAULT;
  memcpy (dst, buf, len);
  return 0;
}

uint64_t
guest_memory_low_end (const GuestMemory *mem)
{
  for (unsigned i = 0; i < mem->n_regions; i++)
    if (mem->regions[i].gpa == 0)
      return mem->regions[i].size < GUEST_MEMORY_HOLE_START
             ? mem->regions[i].size : GUEST_MEMORY_HOLE_START;
  return 0;
}

uint64_t
guest_memory_ram_size (const GuestMemory *mem)
{
  uint64_t total = 0;

  for (unsigned i = 0; i < mem->n_regions; i++)
    total += mem->regions[i].size;
  return total;
}
