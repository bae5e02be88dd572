/* test-pvh.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <elf.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "boot/e820.h"
#include "boot/kernel-boot.h"
#include "boot/layout.h"
#include "boot/pvh.h"
#include "kernel-boot-test.h"

#define GUEST_RAM    (64ull << 20)

/* The synthetic PVH kernel, at fixed offsets so hostile variants can patch
 * any field after building:
 *
 *   0x000  ELF header
 *   0x040  program headers: LOAD text, LOAD data + bss, NOTE
 *   0x200  notes: a GNU build id, a Xen note of another type, the PVH entry
 *   0x300  section headers: null, SHT_NOTE over the notes
 *   0x1000 text, 0x2000 bytes, to 0x100000; the entry point is inside
 *   0x3000 data, 0x800 bytes, to 0x200000, memsz 0x1800 (0x1000 of bss) */
#define PH_OFF          0x40
#define NOTES_OFF       0x200
#define SH_OFF          0x300
#define TEXT_OFF        0x1000
#define TEXT_SIZE       0x2000
#define TEXT_PADDR      0x100000ull
#define DATA_OFF        0x3000
#define DATA_SIZE       0x800
#define DATA_MEMSZ      0x1800
#define DATA_PADDR      0x200000ull
#define IMAGE_SIZE      0x3800
#define ENTRY           (TEXT_PADDR + 0x40)

typedef enum
{
  NOTE_IN_SEGMENT,
  NOTE_IN_SECTION_ONLY,
  NOTE_NONE,
} NotePlace;

typedef struct
{
  gboolean  is64;
  unsigned  entry_size;          /* 4 or 8 */
  NotePlace place;
} ElfOptions;

typedef struct
{
  GuestMemory  mem;
  char        *dir;
  char        *kernel;
  char        *initrd;
  uint8_t     *image;
  size_t       notes_len;
  size_t       entry_note_off;   /* where the PVH note's header starts */
  VmmError     err;
  BootCpuState cpu;
} Fixture;

static uint8_t
text_byte (gsize i)
{
  return (uint8_t) (i * 3 + 11);
}

static uint8_t
data_byte (gsize i)
{
  return (uint8_t) (i * 7 + 5);
}

static size_t
add_note (uint8_t    *at,
          const char *name,
          uint32_t    type,
          const void *desc,
          uint32_t    descsz)
{
  uint32_t namesz = strlen (name) + 1;
  size_t off = 12;

  memcpy (at, &namesz, 4);
  memcpy (at + 4, &descsz, 4);
  memcpy (at + 8, &type, 4);
  memcpy (at + off, name, namesz);
  off += (namesz + 3) & ~3u;
  memcpy (at + off, desc, descsz);
  off += (descsz + 3) & ~3u;
  return off;
}

/* Builds the image into f->image (IMAGE_SIZE bytes, 8-byte aligned). */
static void
build_elf (Fixture          *f,
           const ElfOptions *o)
{
  const uint8_t build_id[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  uint8_t *img = g_malloc0 (IMAGE_SIZE);
  uint64_t entry = ENTRY;
  size_t n = 0;
  struct { uint32_t type; uint64_t off, paddr, filesz, memsz, align; } ph[3] = {
    { PT_LOAD, TEXT_OFF, TEXT_PADDR, TEXT_SIZE, TEXT_SIZE, 0x1000 },
    { PT_LOAD, DATA_OFF, DATA_PADDR, DATA_SIZE, DATA_MEMSZ, 0x1000 },
    { PT_NOTE, NOTES_OFF, 0, 0, 0, 4 },
  };
  unsigned n_ph = o->place == NOTE_IN_SEGMENT ? 3 : 2;

  g_free (f->image);
  f->image = img;

  n += add_note (img + NOTES_OFF + n, "GNU", NT_GNU_BUILD_ID, build_id, sizeof build_id);
  n += add_note (img + NOTES_OFF + n, "Xen", 6, "linux", 6);
  f->entry_note_off = NOTES_OFF + n;
  if (o->place != NOTE_NONE)
    n += add_note (img + NOTES_OFF + n, "Xen", PVH_NOTE_PHYS32_ENTRY, &entry, o->entry_size);
  f->notes_len = n;
  ph[2].filesz = n;

  for (gsize i = 0; i < TEXT_SIZE; i++)
    img[TEXT_OFF + i] = text_byte (i);
  for (gsize i = 0; i < DATA_SIZE; i++)
    img[DATA_OFF + i] = data_byte (i);

  if (o->is64)
    {
      Elf64_Ehdr *eh = (Elf64_Ehdr *) img;
      Elf64_Phdr *p = (Elf64_Phdr *) (img + PH_OFF);
      Elf64_Shdr *sh = (Elf64_Shdr *) (img + SH_OFF);

      memcpy (eh->e_ident, ELFMAG, SELFMAG);
      eh->e_ident[EI_CLASS] = ELFCLASS64;
      eh->e_ident[EI_DATA] = ELFDATA2LSB;
      eh->e_ident[EI_VERSION] = EV_CURRENT;
      eh->e_type = ET_EXEC;
      eh->e_machine = EM_X86_64;
      eh->e_version = EV_CURRENT;
      eh->e_entry = 0xffffffff81000000ull;   /* virtual: PVH ignores it */
      eh->e_phoff = PH_OFF;
      eh->e_shoff = SH_OFF;
      eh->e_ehsize = sizeof *eh;
      eh->e_phentsize = sizeof *p;
      eh->e_phnum = n_ph;
      eh->e_shentsize = sizeof *sh;
      eh->e_shnum = 2;
      for (unsigned i = 0; i < n_ph; i++)
        p[i] = (Elf64_Phdr) { .p_type = ph[i].type, .p_offset = ph[i].off,
                              .p_vaddr = ph[i].paddr + 0xffffffff80000000ull,
                              .p_paddr = ph[i].paddr, .p_filesz = ph[i].filesz,
                              .p_memsz = ph[i].memsz, .p_align = ph[i].align };
      sh[1] = (Elf64_Shdr) { .sh_type = SHT_NOTE, .sh_offset = NOTES_OFF, .sh_size = n,
                             .sh_addralign = 4 };
    }
  else
    {
      Elf32_Ehdr *eh = (Elf32_Ehdr *) img;
      Elf32_Phdr *p = (Elf32_Phdr *) (img + PH_OFF);
      Elf32_Shdr *sh = (Elf32_Shdr *) (img + SH_OFF);

      memcpy (eh->e_ident, ELFMAG, SELFMAG);
      eh->e_ident[EI_CLASS] = ELFCLASS32;
      eh->e_ident[EI_DATA] = ELFDATA2LSB;
      eh->e_ident[EI_VERSION] = EV_CURRENT;
      eh->e_type = ET_EXEC;
      eh->e_machine = EM_386;
      eh->e_version = EV_CURRENT;
      eh->e_entry = (uint32_t) ENTRY;
      eh->e_phoff = PH_OFF;
      eh->e_shoff = SH_OFF;
      eh->e_ehsize = sizeof *eh;
      eh->e_phentsize = sizeof *p;
      eh->e_phnum = n_ph;
      eh->e_shentsize = sizeof *sh;
      eh->e_shnum = 2;
      for (unsigned i = 0; i < n_ph; i++)
        p[i] = (Elf32_Phdr) { .p_type = ph[i].type, .p_offset = ph[i].off,
                              .p_vaddr = ph[i].paddr, .p_paddr = ph[i].paddr,
                              .p_filesz = ph[i].filesz, .p_memsz = ph[i].memsz,
                              .p_align = ph[i].align };
      sh[1] = (Elf32_Shdr) { .sh_type = SHT_NOTE, .sh_offset = NOTES_OFF, .sh_size = n,
                             .sh_addralign = 4 };
    }
}

static Elf64_Ehdr *
ehdr64 (Fixture *f)
{
  return (Elf64_Ehdr *) f->image;
}

static Elf64_Phdr *
phdr64 (Fixture  *f,
        unsigned  i)
{
  return (Elf64_Phdr *) (f->image + PH_OFF) + i;
}

static void
write_file (const char *path,
            const void *data,
            gsize       len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  uint8_t *ram;

  memset (f, 0, sizeof *f);
  g_assert_cmpint (guest_memory_init (&f->mem, GUEST_RAM), ==, 0);
  /* Old contents everywhere, so that zeroing (.bss) and exact placement show. */
  ram = guest_memory_translate (&f->mem, 0, GUEST_RAM);
  memset (ram, 0xcc, GUEST_RAM);
  f->dir = g_dir_make_tmp ("gh-pvh-XXXXXX", &error);
  g_assert_no_error (error);
  f->kernel = g_build_filename (f->dir, "guest.elf", NULL);
  f->initrd = g_build_filename (f->dir, "initrd.img", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_unlink (f->kernel);
  g_unlink (f->initrd);
  g_rmdir (f->dir);
  g_free (f->kernel);
  g_free (f->initrd);
  g_free (f->dir);
  g_free (f->image);
  guest_memory_destroy (&f->mem);
}

static int
boot (Fixture    *f,
      const char *initrd,
      const char *cmdline)
{
  write_file (f->kernel, f->image, IMAGE_SIZE);
  return boot_test_load (&f->mem, f->kernel, initrd, cmdline, 1, &f->cpu, &f->err);
}

static void
assert_loaded (Fixture *f)
{
  const uint8_t *text = guest_memory_translate (&f->mem, TEXT_PADDR, TEXT_SIZE);
  const uint8_t *data = guest_memory_translate (&f->mem, DATA_PADDR, DATA_MEMSZ);
  uint64_t gdt[4];

  g_assert_cmpstr (f->err.message, ==, "");
  for (gsize i = 0; i < TEXT_SIZE; i++)
    if (text[i] != text_byte (i))
      g_error ("text byte %" G_GSIZE_FORMAT " differs", i);
  for (gsize i = 0; i < DATA_SIZE; i++)
    if (data[i] != data_byte (i))
      g_error ("data byte %" G_GSIZE_FORMAT " differs", i);
  for (gsize i = DATA_SIZE; i < DATA_MEMSZ; i++)
    if (data[i] != 0)
      g_error (".bss byte %" G_GSIZE_FORMAT " is not zero", i);
  /* Nothing written past the segment. */
  g_assert_cmphex (data[DATA_MEMSZ - 1], ==, 0);
  g_assert_cmphex (*(uint8_t *) guest_memory_translate (&f->mem, DATA_PADDR + DATA_MEMSZ, 1),
                   ==, 0xcc);

  /* 32-bit protected mode, flat segments, EBX = start info. */
  g_assert_cmpint (f->cpu.mode, ==, BOOT_CPU_MODE_PROTECTED32);
  g_assert_cmphex (f->cpu.rip, ==, ENTRY);
  g_assert_cmphex (f->cpu.rbx, ==, BOOT_PVH_START_INFO_ADDR);
  g_assert_cmphex (f->cpu.cr3, ==, 0);
  g_assert_cmphex (f->cpu.gdt_base, ==, BOOT_GDT_ADDR);
  g_assert_cmpint (guest_memory_read (&f->mem, f->cpu.gdt_base, gdt, sizeof gdt), ==, 0);
  g_assert_cmphex (gdt[f->cpu.code_selector / 8], ==, 0x00cf9b000000ffffull);
  g_assert_cmphex (gdt[f->cpu.data_selector / 8], ==, 0x00cf93000000ffffull);
  g_assert_cmpuint (f->cpu.gdt_limit, >=, f->cpu.data_selector + 7);
}

static void
test_load_elf64 (Fixture       *f,
                 gconstpointer  data)
{
  ElfOptions o = { .is64 = TRUE, .entry_size = 8, .place = NOTE_IN_SEGMENT };
  const char *cmdline = "console=ttyS0 quiet";
  const gsize initrd_len = 12345;
  g_autofree uint8_t *initrd = g_malloc (initrd_len);
  PvhStartInfo info;
  PvhModlistEntry module;
  PvhMemmapEntry map[8];

  for (gsize i = 0; i < initrd_len; i++)
    initrd[i] = (uint8_t) (i ^ 0x5a);
  write_file (f->initrd, initrd, initrd_len);
  build_elf (f, &o);
  g_assert_cmpint (boot (f, f->initrd, cmdline), ==, 0);
  assert_loaded (f);

  g_assert_cmpint (guest_memory_read (&f->mem, f->cpu.rbx, &info, sizeof info), ==, 0);
  g_assert_cmphex (info.magic, ==, 0x336ec578);
  g_assert_cmpuint (info.version, ==, 1);
  g_assert_cmphex (info.flags, ==, 0);
  g_assert_cmphex (info.rsdp_paddr, ==, BOOT_ACPI_START);
  g_assert_cmpmem (guest_memory_translate (&f->mem, info.rsdp_paddr, 8), 8, "RSD PTR ", 8);
  g_assert_cmpstr (guest_memory_translate (&f->mem, info.cmdline_paddr, strlen (cmdline) + 1),
                   ==, cmdline);

  /* The initrd is the one module: page-aligned, above the kernel, at the
   * top of RAM, intact. */
  g_assert_cmpuint (info.nr_modules, ==, 1);
  g_assert_cmphex (info.modlist_paddr, !=, 0);
  g_assert_cmpint (guest_memory_read (&f->mem, info.modlist_paddr, &module, sizeof module), ==, 0);
  g_assert_cmpuint (module.size, ==, initrd_len);
  g_assert_cmphex (module.paddr % 4096, ==, 0);
  g_assert_cmphex (module.paddr, >=, DATA_PADDR + DATA_MEMSZ);
  g_assert_cmphex (module.paddr, ==, (GUEST_RAM - initrd_len) & ~0xfffull);
  g_assert_cmphex (module.cmdline_paddr, ==, 0);
  g_assert_cmpmem (guest_memory_translate (&f->mem, module.paddr, initrd_len), initrd_len,
                   initrd, initrd_len);

  /* The memory map: same three entries the zero page would get. */
  g_assert_cmpuint (info.memmap_entries, ==, 4);   /* RAM, legacy, RAM, ECAM */
  g_assert_cmpint (guest_memory_read (&f->mem, info.memmap_paddr, map, 3 * sizeof map[0]), ==, 0);
  g_assert_cmphex (map[0].addr, ==, 0);
  g_assert_cmphex (map[0].size, ==, 0x9fc00);
  g_assert_cmpuint (map[0].type, ==, E820_TYPE_RAM);
  g_assert_cmphex (map[1].addr, ==, 0x9fc00);
  g_assert_cmphex (map[1].addr + map[1].size, ==, 0x100000);
  g_assert_cmpuint (map[1].type, ==, E820_TYPE_RESERVED);
  g_assert_cmphex (map[2].addr, ==, 0x100000);
  g_assert_cmphex (map[2].addr + map[2].size, ==, GUEST_RAM);
  g_assert_cmpuint (map[2].type, ==, E820_TYPE_RAM);
  g_assert_cmpuint (map[0].reserved | map[1].reserved | map[2].reserved, ==, 0);
}

static void
test_load_elf32 (Fixture       *f,
                 gconstpointer  data)
{
  ElfOptions o = { .is64 = FALSE, .entry_size = 4, .place = NOTE_IN_SEGMENT };
  PvhStartInfo info;

  build_elf (f, &o);
  g_assert_cmpint (boot (f, NULL, NULL), ==, 0);
  assert_loaded (f);
  g_assert_cmpint (guest_memory_read (&f->mem, f->cpu.rbx, &info, sizeof info), ==, 0);
  g_assert_cmphex (info.magic, ==, 0x336ec578);
  /* No initrd: no modules, and a zero list address. */
  g_assert_cmpuint (info.nr_modules, ==, 0);
  g_assert_cmphex (info.modlist_paddr, ==, 0);
  g_assert_cmpstr (guest_memory_translate (&f->mem, info.cmdline_paddr, 1), ==, "");
}

static void
test_note_in_section (Fixture       *f,
                      gconstpointer  data)
{
  ElfOptions o = { .is64 = TRUE, .entry_size = 4, .place = NOTE_IN_SECTION_ONLY };

  build_elf (f, &o);
  g_assert_cmpint (boot (f, NULL, NULL), ==, 0);
  assert_loaded (f);

  o.is64 = FALSE;
  build_elf (f, &o);
  g_assert_cmpint (boot (f, NULL, NULL), ==, 0);
  assert_loaded (f);
}

static void
assert_refused (Fixture    *f,
                int         expected,
                const char *needle)
{
  g_assert_cmpint (boot (f, NULL, NULL), ==, expected);
  g_test_message ("error: %s", f->err.message);
  g_assert_nonnull (strstr (f->err.message, f->kernel));
  g_assert_nonnull (strstr (f->err.message, needle));
  g_assert_cmphex (f->cpu.rip, ==, 0);
}

static void
test_no_note (Fixture       *f,
              gconstpointer  data)
{
  ElfOptions o = { .is64 = TRUE, .entry_size = 4, .place = NOTE_NONE };

  build_elf (f, &o);
  assert_refused (f, -ENOEXEC,
                  "is neither an ELF kernel with a PVH entry note nor a Linux bzImage");
  /* Nothing was loaded from an image that cannot boot. */
  g_assert_cmphex (*(uint8_t *) guest_memory_translate (&f->mem, TEXT_PADDR, 1), ==, 0xcc);
}

static void
test_hostile_headers (Fixture       *f,
                      gconstpointer  data)
{
  ElfOptions o = { .is64 = TRUE, .entry_size = 8, .place = NOTE_IN_SEGMENT };

  build_elf (f, &o);
  ehdr64 (f)->e_phoff = IMAGE_SIZE - 8;
  assert_refused (f, -ENOEXEC, "program header table");

  build_elf (f, &o);
  ehdr64 (f)->e_phoff = UINT64_MAX - 8;          /* offset + size wraps */
  assert_refused (f, -ENOEXEC, "program header table");

  build_elf (f, &o);
  ehdr64 (f)->e_phentsize = 32;
  assert_refused (f, -ENOEXEC, "program headers of 32 bytes");

  build_elf (f, &o);
  ehdr64 (f)->e_phnum = 0;
  assert_refused (f, -ENOEXEC, "no program headers");

  build_elf (f, &o);
  ehdr64 (f)->e_phnum = 60000;
  assert_refused (f, -ENOEXEC, "program headers");

  build_elf (f, &o);
  ehdr64 (f)->e_machine = EM_AARCH64;
  assert_refused (f, -ENOEXEC, "another architecture");

  build_elf (f, &o);
  ehdr64 (f)->e_type = ET_DYN;
  assert_refused (f, -ENOEXEC, "not an ELF executable");

  build_elf (f, &o);
  ehdr64 (f)->e_ident[EI_DATA] = ELFDATA2MSB;
  assert_refused (f, -ENOEXEC, "little-endian");

  build_elf (f, &o);
  ehdr64 (f)->e_ident[EI_CLASS] = 7;
  assert_refused (f, -ENOEXEC, "unknown class");

  /* The ELF header itself cut short. */
  build_elf (f, &o);
  write_file (f->kernel, f->image, 40);
  {
    g_assert_cmpint (boot_test_load (&f->mem, f->kernel, NULL, NULL, 1, &f->cpu, &f->err), ==,
                     -ENOEXEC);
    g_assert_nonnull (strstr (f->err.message, "truncated"));
  }
}

static void
test_hostile_segments (Fixture       *f,
                       gconstpointer  data)
{
  ElfOptions o = { .is64 = TRUE, .entry_size = 8, .place = NOTE_IN_SEGMENT };

  build_elf (f, &o);
  phdr64 (f, 1)->p_filesz = DATA_MEMSZ + 1;
  assert_refused (f, -ENOEXEC, "more bytes in the file");

  build_elf (f, &o);
  phdr64 (f, 1)->p_offset = IMAGE_SIZE - 0x10;
  assert_refused (f, -ENOEXEC, "lies outside the file");

  build_elf (f, &o);
  phdr64 (f, 1)->p_offset = UINT64_MAX - 0x10;
  assert_refused (f, -ENOEXEC, "lies outside the file");

  build_elf (f, &o);
  phdr64 (f, 1)->p_paddr = GUEST_RAM - 0x1000;   /* .bss runs off the end of RAM */
  assert_refused (f, -ENOMEM, "does not fit in guest RAM");

  build_elf (f, &o);
  phdr64 (f, 1)->p_paddr = 0xc0000000;           /* the 32-bit hole */
  assert_refused (f, -ENOMEM, "does not fit in guest RAM");

  build_elf (f, &o);
  phdr64 (f, 1)->p_memsz = UINT64_MAX - 0x100;   /* paddr + memsz wraps */
  assert_refused (f, -ENOMEM, "does not fit in guest RAM");

  build_elf (f, &o);
  phdr64 (f, 0)->p_paddr = 0x8000;               /* over the boot data */
  assert_refused (f, -ENOEXEC, "below 1 MiB");

  build_elf (f, &o);
  phdr64 (f, 0)->p_paddr = 0x400000;             /* the entry point is left in no segment */
  assert_refused (f, -ENOEXEC, "outside its loaded segments");

  build_elf (f, &o);
  phdr64 (f, 0)->p_type = PT_NULL;
  phdr64 (f, 1)->p_type = PT_NULL;
  assert_refused (f, -ENOEXEC, "no loadable segments");
}

static void
test_hostile_notes (Fixture       *f,
                    gconstpointer  data)
{
  ElfOptions o = { .is64 = TRUE, .entry_size = 8, .place = NOTE_IN_SEGMENT };
  uint32_t v;

  /* namesz of the first note runs past the segment (and would wrap 32 bits
   * with padding). */
  build_elf (f, &o);
  v = 0xfffffffe;
  memcpy (f->image + NOTES_OFF, &v, 4);
  assert_refused (f, -ENOEXEC, "runs past the end");

  /* descsz likewise. */
  build_elf (f, &o);
  v = 0x7ffffff0;
  memcpy (f->image + NOTES_OFF + 4, &v, 4);
  assert_refused (f, -ENOEXEC, "runs past the end");

  /* The PVH note's own descriptor claims more than is left. */
  build_elf (f, &o);
  v = 9;
  memcpy (f->image + f->entry_note_off + 4, &v, 4);
  assert_refused (f, -ENOEXEC, "runs past the end");

  /* A descriptor of a size that is neither 32 nor 64 bits. */
  build_elf (f, &o);
  v = 2;
  memcpy (f->image + f->entry_note_off + 4, &v, 4);
  assert_refused (f, -EINVAL, "4 or 8 bytes");

  /* The note segment outside the file, or absurdly large. */
  build_elf (f, &o);
  phdr64 (f, 2)->p_offset = IMAGE_SIZE;
  assert_refused (f, -ENOEXEC, "lies outside the file");

  build_elf (f, &o);
  phdr64 (f, 2)->p_filesz = 1ull << 40;
  assert_refused (f, -ENOEXEC, "implausibly large");

  /* An entry point above 4 GiB cannot be a 32-bit entry. */
  build_elf (f, &o);
  {
    uint64_t entry = 0x100000000ull + ENTRY;
    memcpy (f->image + f->entry_note_off + 16, &entry, 8);
  }
  assert_refused (f, -ENOEXEC, "above 4 GiB");

  /* Section fallback with a broken section table. */
  o.place = NOTE_IN_SECTION_ONLY;
  build_elf (f, &o);
  ehdr64 (f)->e_shoff = IMAGE_SIZE - 4;
  assert_refused (f, -ENOEXEC, "section header table");
}

static void
test_initrd_does_not_fit (Fixture       *f,
                          gconstpointer  data)
{
  ElfOptions o = { .is64 = TRUE, .entry_size = 8, .place = NOTE_IN_SEGMENT };
  g_autofree uint8_t *big = g_malloc0 (GUEST_RAM);

  write_file (f->initrd, big, GUEST_RAM - 0x200000);
  build_elf (f, &o);
  g_assert_cmpint (boot (f, f->initrd, NULL), ==, -ENOMEM);
  g_assert_nonnull (strstr (f->err.message, f->initrd));
  g_assert_nonnull (strstr (f->err.message, "does not fit"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/vmm/pvh/load-elf64", test_load_elf64);
  ADD ("/vmm/pvh/load-elf32", test_load_elf32);
  ADD ("/vmm/pvh/note-in-section", test_note_in_section);
  ADD ("/vmm/pvh/no-note", test_no_note);
  ADD ("/vmm/pvh/hostile-headers", test_hostile_headers);
  ADD ("/vmm/pvh/hostile-segments", test_hostile_segments);
  ADD ("/vmm/pvh/hostile-notes", test_hostile_notes);
  ADD ("/vmm/pvh/initrd-does-not-fit", test_initrd_does_not_fit);
#undef ADD

  return g_test_run ();
}
