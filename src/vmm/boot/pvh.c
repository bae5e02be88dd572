/* pvh.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "pvh.h"

/* Limits on what a kernel file may ask us to read before anything is
 * checked against guest RAM. Real kernels have a handful of program headers
 * and a few hundred bytes of notes. */
#define PVH_MAX_PHDRS      256
#define PVH_MAX_NOTES_SIZE (64 * 1024)

/* One program header (or, for the note fallback, section), ELF32 and ELF64
 * widened to the same shape. */
typedef struct
{
  uint32_t type;
  uint64_t offset;
  uint64_t paddr;
  uint64_t filesz;
  uint64_t memsz;
  uint64_t align;
} PvhSegment;

typedef struct
{
  const BootFile *file;
  bool            is64;
  uint16_t        machine;
  uint16_t        type;
  uint64_t        phoff, shoff;
  uint16_t        phentsize, phnum;
  uint16_t        shentsize, shnum;
  PvhSegment     *segments;
  unsigned        n_segments;
} PvhImage;

static int
pvh_read_header (PvhImage *img,
                 VmmError *err)
{
  const BootFile *file = img->file;
  unsigned char ident[EI_NIDENT];
  int ret;

  if ((ret = boot_file_read (file, 0, ident, sizeof ident, err)) < 0)
    return ret;
  if (ident[EI_DATA] != ELFDATA2LSB)
    {
      vmm_error_set (err, "the kernel %s is not a little-endian ELF file", file->path);
      return -ENOEXEC;
    }

  if (ident[EI_CLASS] == ELFCLASS64)
    {
      Elf64_Ehdr eh;

      if ((ret = boot_file_read (file, 0, &eh, sizeof eh, err)) < 0)
        return ret;
      img->is64 = true;
      img->type = eh.e_type;
      img->machine = eh.e_machine;
      img->phoff = eh.e_phoff;
      img->phentsize = eh.e_phentsize;
      img->phnum = eh.e_phnum;
      img->shoff = eh.e_shoff;
      img->shentsize = eh.e_shentsize;
      img->shnum = eh.e_shnum;
    }
  else if (ident[EI_CLASS] == ELFCLASS32)
    {
      Elf32_Ehdr eh;

      if ((ret = boot_file_read (file, 0, &eh, sizeof eh, err)) < 0)
        return ret;
      img->is64 = false;
      img->type = eh.e_type;
      img->machine = eh.e_machine;
      img->phoff = eh.e_phoff;
      img->phentsize = eh.e_phentsize;
      img->phnum = eh.e_phnum;
      img->shoff = eh.e_shoff;
      img->shentsize = eh.e_shentsize;
      img->shnum = eh.e_shnum;
    }
  else
    {
      vmm_error_set (err, "the kernel %s is an ELF file of unknown class %u", file->path,
                     ident[EI_CLASS]);
      return -ENOEXEC;
    }

  if (img->machine != EM_X86_64 && img->machine != EM_386)
    {
      vmm_error_set (err, "the kernel %s is an ELF file for another architecture (e_machine %u)",
                     file->path, img->machine);
      return -ENOEXEC;
    }
  if (img->type != ET_EXEC)
    {
      vmm_error_set (err, "the kernel %s is not an ELF executable (e_type %u)", file->path,
                     img->type);
      return -ENOEXEC;
    }
  return 0;
}

/* Reads a table of phnum entries (program or section headers) into
 * PvhSegments, after checking that the table lies inside the file. */
static int
pvh_read_table (PvhImage   *img,
                bool        sections,
                PvhSegment *out,
                VmmError   *err)
{
  const BootFile *file = img->file;
  const char *what = sections ? "section" : "program";
  size_t want = sections
    ? (img->is64 ? sizeof (Elf64_Shdr) : sizeof (Elf32_Shdr))
    : (img->is64 ? sizeof (Elf64_Phdr) : sizeof (Elf32_Phdr));
  uint64_t off = sections ? img->shoff : img->phoff;
  unsigned entsize = sections ? img->shentsize : img->phentsize;
  unsigned num = sections ? img->shnum : img->phnum;
  uint8_t *raw;
  int ret;

  if (entsize != want)
    {
      vmm_error_set (err, "the kernel %s has %s headers of %u bytes; ELF says %zu", file->path,
                     what, entsize, want);
      return -ENOEXEC;
    }
  if (num > PVH_MAX_PHDRS)
    {
      vmm_error_set (err, "the kernel %s has %u %s headers, more than the %u a kernel may have",
                     file->path, num, what, PVH_MAX_PHDRS);
      return -ENOEXEC;
    }
  if (!boot_file_has (file, off, (uint64_t) num * entsize))
    {
      vmm_error_set (err, "the kernel %s is damaged: its %s header table (%u entries at offset "
                     "%" PRIu64 ") lies outside the file", file->path, what, num, off);
      return -ENOEXEC;
    }

  raw = malloc ((size_t) num * entsize);
  if (raw == NULL)
    return -ENOMEM;
  if ((ret = boot_file_read (file, off, raw, (size_t) num * entsize, err)) < 0)
    {
      free (raw);
      return ret;
    }

  for (unsigned i = 0; i < num; i++)
    {
      const uint8_t *p = raw + (size_t) i * entsize;

      if (!sections && img->is64)
        {
          Elf64_Phdr ph;
          memcpy (&ph, p, sizeof ph);
          out[i] = (PvhSegment) { ph.p_type, ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz,
                                  ph.p_align };
        }
      else if (!sections)
        {
          Elf32_Phdr ph;
          memcpy (&ph, p, sizeof ph);
          out[i] = (PvhSegment) { ph.p_type, ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz,
                                  ph.p_align };
        }
      else if (img->is64)
        {
          Elf64_Shdr sh;
          memcpy (&sh, p, sizeof sh);
          out[i] = (PvhSegment) { sh.sh_type, sh.sh_offset, 0, sh.sh_size, 0, sh.sh_addralign };
        }
      else
        {
          Elf32_Shdr sh;
          memcpy (&sh, p, sizeof sh);
          out[i] = (PvhSegment) { sh.sh_type, sh.sh_offset, 0, sh.sh_size, 0, sh.sh_addralign };
        }
    }
  free (raw);
  return 0;
}

/* Walks the notes in buf. Each is {namesz, descsz, type}, then the name and
 * the descriptor, each padded to align (4 by the ELF spec and in practice;
 * 8 where the segment says so, as for GNU property notes). Returns 1 with
 * *entry set when the PVH entry note is there, 0 when it is not, and
 * -ENOEXEC when a note claims more bytes than remain. */
static int
pvh_scan_notes (const uint8_t *buf,
                size_t         len,
                size_t         align,
                uint64_t      *entry,
                uint32_t      *bad_descsz)
{
  size_t off = 0;

  while (len - off >= 12)
    {
      uint32_t namesz, descsz, type;
      const uint8_t *name, *desc;
      uint64_t span;

      memcpy (&namesz, buf + off, 4);
      memcpy (&descsz, buf + off + 4, 4);
      memcpy (&type, buf + off + 8, 4);
      off += 12;

      /* 64-bit arithmetic: a 32-bit size plus padding cannot wrap it. */
      span = ((uint64_t) namesz + align - 1) & ~(uint64_t) (align - 1);
      if (span > len - off)
        return -ENOEXEC;
      name = buf + off;
      off += span;

      if (descsz > len - off)
        return -ENOEXEC;
      desc = buf + off;
      span = ((uint64_t) descsz + align - 1) & ~(uint64_t) (align - 1);
      off += span < len - off ? span : len - off;

      if (type == PVH_NOTE_PHYS32_ENTRY && namesz == sizeof PVH_NOTE_NAME
          && memcmp (name, PVH_NOTE_NAME, sizeof PVH_NOTE_NAME) == 0)
        {
          /* Linux emits it as .long in newer and as a pointer-sized value in
           * older 64-bit kernels. */
          if (descsz == 4)
            {
              uint32_t v;
              memcpy (&v, desc, 4);
              *entry = v;
            }
          else if (descsz == 8)
            memcpy (entry, desc, 8);
          else
            {
              *bad_descsz = descsz;
              return -EINVAL;
            }
          return 1;
        }
    }
  return 0;
}

/* Looks through the PT_NOTE segments, then (for images whose program headers
 * have no PT_NOTE, as some linker scripts produce) the SHT_NOTE sections. */
static int
pvh_find_entry (PvhImage   *img,
                uint64_t   *entry,
                VmmError   *err)
{
  const BootFile *file = img->file;
  PvhSegment *list = img->segments;
  unsigned n = img->n_segments;
  PvhSegment *sections = NULL;
  uint32_t want = PT_NOTE;
  int found = 0;
  int ret = 0;

  for (int pass = 0; pass < 2 && found == 0; pass++)
    {
      if (pass == 1)
        {
          if (img->shoff == 0 || img->shnum == 0)
            break;
          sections = calloc (img->shnum, sizeof *sections);
          if (sections == NULL)
            return -ENOMEM;
          if ((ret = pvh_read_table (img, true, sections, err)) < 0)
            break;
          list = sections;
          n = img->shnum;
          want = SHT_NOTE;
        }

      for (unsigned i = 0; i < n && found == 0; i++)
        {
          const PvhSegment *s = &list[i];
          uint32_t bad_descsz = 0;
          uint8_t *notes;

          if (s->type != want || s->filesz == 0)
            continue;
          if (s->filesz > PVH_MAX_NOTES_SIZE || !boot_file_has (file, s->offset, s->filesz))
            {
              vmm_error_set (err, "the kernel %s is damaged: its note %s %u (%" PRIu64
                             " bytes at offset %" PRIu64 ") %s", file->path,
                             pass == 0 ? "segment" : "section", i, s->filesz, s->offset,
                             s->filesz > PVH_MAX_NOTES_SIZE ? "is implausibly large"
                             : "lies outside the file");
              ret = -ENOEXEC;
              break;
            }
          notes = malloc (s->filesz);
          if (notes == NULL)
            {
              ret = -ENOMEM;
              break;
            }
          ret = boot_file_read (file, s->offset, notes, s->filesz, err);
          if (ret == 0)
            {
              found = pvh_scan_notes (notes, s->filesz, s->align == 8 ? 8 : 4, entry,
                                      &bad_descsz);
              if (found == -EINVAL)
                vmm_error_set (err, "the kernel %s has a PVH entry note with a %" PRIu32
                               "-byte value; it must be 4 or 8 bytes", file->path, bad_descsz);
              else if (found < 0)
                vmm_error_set (err, "the kernel %s is damaged: a note in its note %s %u runs "
                               "past the end of it", file->path,
                               pass == 0 ? "segment" : "section", i);
              if (found < 0)
                ret = found;
            }
          free (notes);
          if (ret < 0)
            break;
        }
      if (ret < 0)
        break;
    }

  free (sections);
  if (ret < 0)
    return ret;
  if (found == 0)
    {
      vmm_error_set (err, "the kernel %s is neither an ELF kernel with a PVH entry note nor a "
                     "Linux bzImage: it is an ELF file without a XEN_ELFNOTE_PHYS32_ENTRY note",
                     file->path);
      return -ENOEXEC;
    }
  return 0;
}

/* Every PT_LOAD must come from inside the file and land inside guest RAM,
 * above the boot data; entry must fall in one of them. Checked before any
 * byte is copied. */
static int
pvh_check_segments (PvhImage          *img,
                    const BootContext *ctx,
                    uint64_t           entry,
                    uint64_t          *kernel_end,
                    VmmError          *err)
{
  const char *path = img->file->path;
  unsigned n_load = 0;
  bool entry_ok = false;

  *kernel_end = BOOT_KERNEL_MIN_ADDR;
  for (unsigned i = 0; i < img->n_segments; i++)
    {
      const PvhSegment *s = &img->segments[i];

      if (s->type != PT_LOAD)
        continue;
      if (s->filesz > s->memsz)
        {
          vmm_error_set (err, "the kernel %s is damaged: segment %u has more bytes in the file "
                         "(%" PRIu64 ") than in memory (%" PRIu64 ")", path, i, s->filesz,
                         s->memsz);
          return -ENOEXEC;
        }
      if (s->memsz == 0)
        continue;
      n_load++;
      if (!boot_file_has (img->file, s->offset, s->filesz))
        {
          vmm_error_set (err, "the kernel %s is damaged: segment %u (%" PRIu64 " bytes at "
                         "offset %" PRIu64 ") lies outside the file", path, i, s->filesz,
                         s->offset);
          return -ENOEXEC;
        }
      if (s->paddr < BOOT_KERNEL_MIN_ADDR)
        {
          vmm_error_set (err, "the kernel %s has segment %u at 0x%" PRIx64 ", below 1 MiB, "
                         "where the boot data lives", path, i, s->paddr);
          return -ENOEXEC;
        }
      if (guest_memory_translate (ctx->mem, s->paddr, s->memsz) == NULL)
        {
          vmm_error_set (err, "the kernel %s does not fit in guest RAM: segment %u needs %"
                         PRIu64 " bytes at 0x%" PRIx64, path, i, s->memsz, s->paddr);
          return -ENOMEM;
        }
      if (entry >= s->paddr && entry - s->paddr < s->memsz)
        entry_ok = true;
      /* The initrd goes above the highest segment in low RAM. */
      if (s->paddr < ctx->low_ram_end && s->paddr + s->memsz > *kernel_end)
        *kernel_end = s->paddr + s->memsz;
    }

  if (n_load == 0)
    {
      vmm_error_set (err, "the kernel %s has no loadable segments", path);
      return -ENOEXEC;
    }
  if (!entry_ok)
    {
      vmm_error_set (err, "the kernel %s has its PVH entry point 0x%" PRIx64 " outside its "
                     "loaded segments", path, entry);
      return -ENOEXEC;
    }
  return 0;
}

static int
pvh_write_start_info (const BootContext *ctx,
                      uint64_t           initrd_gpa,
                      uint64_t           initrd_size)
{
  PvhMemmapEntry memmap[E820_MAX_ENTRIES];
  PvhStartInfo info = {
    .magic = PVH_START_MAGIC,
    .version = PVH_START_VERSION,
    .cmdline_paddr = BOOT_CMDLINE_ADDR,
    .rsdp_paddr = ctx->rsdp_gpa,
    .memmap_paddr = BOOT_PVH_MEMMAP_ADDR,
    .memmap_entries = ctx->e820.n_entries,
  };
  int ret;

  _Static_assert (E820_MAX_ENTRIES <= BOOT_PVH_MEMMAP_MAX_ENTRIES, "memmap fits its page");
  _Static_assert (BOOT_PVH_START_INFO_ADDR + sizeof (PvhStartInfo) <= BOOT_PVH_MODLIST_ADDR,
                  "start info and module list do not overlap");
  _Static_assert (BOOT_PVH_MODLIST_ADDR + sizeof (PvhModlistEntry) <= BOOT_PVH_MEMMAP_ADDR,
                  "module list and memory map do not overlap");

  /* The initrd is the one module; a zero address means "no modules". */
  if (initrd_size > 0)
    {
      PvhModlistEntry module = { .paddr = initrd_gpa, .size = initrd_size };

      info.nr_modules = 1;
      info.modlist_paddr = BOOT_PVH_MODLIST_ADDR;
      if ((ret = guest_memory_write (ctx->mem, BOOT_PVH_MODLIST_ADDR, &module,
                                     sizeof module)) < 0)
        return ret;
    }

  for (unsigned i = 0; i < ctx->e820.n_entries; i++)
    memmap[i] = (PvhMemmapEntry) {
      .addr = ctx->e820.entries[i].addr,
      .size = ctx->e820.entries[i].size,
      .type = ctx->e820.entries[i].type,
    };
  if ((ret = guest_memory_write (ctx->mem, BOOT_PVH_MEMMAP_ADDR, memmap,
                                 ctx->e820.n_entries * sizeof memmap[0])) < 0)
    return ret;
  return guest_memory_write (ctx->mem, BOOT_PVH_START_INFO_ADDR, &info, sizeof info);
}

int
pvh_load (const BootContext *ctx,
          const BootFile    *kernel,
          BootCpuState      *cpu,
          VmmError          *err)
{
  PvhSegment segments[PVH_MAX_PHDRS];
  PvhImage img = { .file = kernel, .segments = segments };
  uint64_t entry = 0, kernel_end, initrd_gpa, initrd_size;
  int ret;

  if ((ret = pvh_read_header (&img, err)) < 0)
    return ret;
  if (img.phnum == 0)
    {
      vmm_error_set (err, "the kernel %s has no program headers", kernel->path);
      return -ENOEXEC;
    }
  if ((ret = pvh_read_table (&img, false, segments, err)) < 0)
    return ret;
  img.n_segments = img.phnum;

  if ((ret = pvh_find_entry (&img, &entry, err)) < 0)
    return ret;
  if (entry > UINT32_MAX)
    {
      vmm_error_set (err, "the kernel %s has its PVH entry point 0x%" PRIx64 " above 4 GiB",
                     kernel->path, entry);
      return -ENOEXEC;
    }
  if ((ret = pvh_check_segments (&img, ctx, entry, &kernel_end, err)) < 0)
    return ret;

  for (unsigned i = 0; i < img.n_segments; i++)
    {
      const PvhSegment *s = &segments[i];
      uint8_t *dst;

      if (s->type != PT_LOAD || s->memsz == 0)
        continue;
      dst = guest_memory_translate (ctx->mem, s->paddr, s->memsz);
      if (dst == NULL)
        return -EFAULT;   /* pvh_check_segments made sure it is not */
      if ((ret = boot_file_load (kernel, s->offset, s->filesz, ctx->mem, s->paddr, err)) < 0)
        return ret;
      /* The part of the segment past the file bytes is .bss: zero, even if
       * guest RAM held something before (a reboot). */
      memset (dst + s->filesz, 0, s->memsz - s->filesz);
    }

  if ((ret = boot_load_initrd (ctx, kernel_end, ctx->low_ram_end, &initrd_gpa, &initrd_size,
                               err)) < 0)
    return ret;
  if ((ret = boot_write_cmdline (ctx, BOOT_CMDLINE_MAX - 1, kernel->path, err)) < 0)
    return ret;
  if ((ret = pvh_write_start_info (ctx, initrd_gpa, initrd_size)) < 0
      || (ret = boot_write_gdt (ctx->mem, BOOT_CPU_MODE_PROTECTED32, cpu)) < 0)
    return ret;

  cpu->mode = BOOT_CPU_MODE_PROTECTED32;
  cpu->rip = entry;
  cpu->rbx = BOOT_PVH_START_INFO_ADDR;
  cpu->rsp = BOOT_STACK_TOP;
  return 0;
}
