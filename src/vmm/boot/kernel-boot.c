/* kernel-boot.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acpi.h"
#include "bzimage.h"
#include "kernel-boot-private.h"
#include "layout.h"
#include "pvh.h"
#include "smbios.h"

/* Page-table entry bits: present, writable, and (in a page directory) a
 * 2 MiB page rather than a pointer to a page table. */
#define PTE_PRESENT   (1ull << 0)
#define PTE_WRITABLE  (1ull << 1)
#define PTE_LARGE     (1ull << 7)

/* Flat 4 GiB descriptors: limit 0xfffff in 4 KiB units (G), base 0, present,
 * DPL 0, accessed already set so the CPU never writes to the GDT. The code
 * descriptor is 32-bit (D) for PVH and 64-bit (L) for the Linux 64-bit entry;
 * the data descriptor is the same for both. */
#define GDT_CODE32    0x00cf9b000000ffffull
#define GDT_CODE64    0x00af9b000000ffffull
#define GDT_DATA      0x00cf93000000ffffull

int
boot_file_open (BootFile   *file,
                const char *path,
                const char *what,
                VmmError   *err)
{
  struct stat st;
  int ret;

  file->path = path;
  file->what = what;
  file->size = 0;
  file->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (file->fd < 0)
    {
      ret = -errno;
      vmm_error_set (err, "cannot open the %s %s: %s", what, path, strerror (-ret));
      return ret;
    }
  if (fstat (file->fd, &st) < 0)
    {
      ret = -errno;
      vmm_error_set (err, "cannot read the %s %s: %s", what, path, strerror (-ret));
      goto fail;
    }
  if (!S_ISREG (st.st_mode))
    {
      ret = -EINVAL;
      vmm_error_set (err, "the %s %s is not a regular file", what, path);
      goto fail;
    }
  if (st.st_size == 0)
    {
      ret = -ENOEXEC;
      vmm_error_set (err, "the %s %s is empty", what, path);
      goto fail;
    }
  file->size = (uint64_t) st.st_size;
  return 0;

fail:
  boot_file_close (file);
  return ret;
}

void
boot_file_close (BootFile *file)
{
  if (file->fd >= 0)
    close (file->fd);
  file->fd = -1;
}

/* Whether [offset, offset + len) lies inside the file; no sum can wrap. */
bool
boot_file_has (const BootFile *file,
               uint64_t        offset,
               uint64_t        len)
{
  return offset <= file->size && len <= file->size - offset;
}

/* pread until len bytes have come; a file that shrinks under us (or a read
 * error) is reported, never turned into a partly filled buffer. */
static int
boot_file_pread (const BootFile *file,
                 uint64_t        offset,
                 uint8_t        *dst,
                 uint64_t        len,
                 VmmError       *err)
{
  while (len > 0)
    {
      size_t chunk = len > (1u << 30) ? (1u << 30) : (size_t) len;
      ssize_t n = pread (file->fd, dst, chunk, (off_t) offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int ret = -errno;
          vmm_error_set (err, "cannot read the %s %s: %s", file->what, file->path,
                         strerror (-ret));
          return ret;
        }
      if (n == 0)
        {
          vmm_error_set (err, "the %s %s became shorter while it was being read", file->what,
                         file->path);
          return -EIO;
        }
      dst += n;
      offset += (uint64_t) n;
      len -= (uint64_t) n;
    }
  return 0;
}

int
boot_file_read (const BootFile *file,
                uint64_t        offset,
                void           *buf,
                size_t          len,
                VmmError       *err)
{
  if (!boot_file_has (file, offset, len))
    {
      vmm_error_set (err, "the %s %s is truncated: it ends at byte %" PRIu64
                     ", before the %zu bytes at offset %" PRIu64, file->what, file->path,
                     file->size, len, offset);
      return -ENOEXEC;
    }
  return boot_file_pread (file, offset, buf, len, err);
}

/* Copies file bytes straight into guest RAM: no bounce buffer for a kernel
 * or initrd of many MiB. */
int
boot_file_load (const BootFile    *file,
                uint64_t           offset,
                uint64_t           len,
                const GuestMemory *mem,
                uint64_t           gpa,
                VmmError          *err)
{
  uint8_t *dst;

  if (len == 0)
    return 0;
  if (!boot_file_has (file, offset, len))
    {
      vmm_error_set (err, "the %s %s is truncated: it ends at byte %" PRIu64
                     ", before the %" PRIu64 " bytes at offset %" PRIu64, file->what,
                     file->path, file->size, len, offset);
      return -ENOEXEC;
    }
  dst = guest_memory_translate (mem, gpa, len);
  if (dst == NULL)
    {
      vmm_error_set (err, "the %s %s does not fit in guest RAM: %" PRIu64
                     " bytes at guest address 0x%" PRIx64, file->what, file->path, len, gpa);
      return -ENOMEM;
    }
  return boot_file_pread (file, offset, dst, len, err);
}

int
boot_write_cmdline (const BootContext *ctx,
                    size_t             max_len,
                    const char        *kernel_path,
                    VmmError          *err)
{
  const char *cmdline = ctx->cfg->cmdline != NULL ? ctx->cfg->cmdline : "";
  size_t len = strlen (cmdline);

  if (max_len > BOOT_CMDLINE_MAX - 1)
    max_len = BOOT_CMDLINE_MAX - 1;
  if (len > max_len)
    {
      vmm_error_set (err, "the kernel command line is %zu bytes long, but the kernel %s takes "
                     "at most %zu", len, kernel_path, max_len);
      return -E2BIG;
    }
  return guest_memory_write (ctx->mem, BOOT_CMDLINE_ADDR, cmdline, len + 1);
}

/* Puts the initrd as high as it may go: page-aligned, ending at or below
 * ceiling (and the end of low RAM, so below the 32-bit hole), starting at or
 * above floor (the end of the kernel). High, because the kernel decompresses
 * and grows upwards from its load address. */
int
boot_load_initrd (const BootContext *ctx,
                  uint64_t           floor,
                  uint64_t           ceiling,
                  uint64_t          *gpa,
                  uint64_t          *size,
                  VmmError          *err)
{
  const char *path = ctx->cfg->initrd_path;
  BootFile file;
  uint64_t addr;
  int ret;

  *gpa = 0;
  *size = 0;
  if (path == NULL)
    return 0;
  if ((ret = boot_file_open (&file, path, "initrd", err)) < 0)
    return ret;

  if (ceiling > ctx->low_ram_end)
    ceiling = ctx->low_ram_end;
  floor = (floor + 0xfff) & ~0xfffull;
  if (file.size > ceiling || ceiling - file.size < floor)
    {
      vmm_error_set (err, "the initrd %s (%" PRIu64 " bytes) does not fit in guest RAM between "
                     "the end of the kernel at 0x%" PRIx64 " and 0x%" PRIx64, path, file.size,
                     floor, ceiling);
      boot_file_close (&file);
      return -ENOMEM;
    }
  addr = (ceiling - file.size) & ~0xfffull;

  ret = boot_file_load (&file, 0, file.size, ctx->mem, addr, err);
  if (ret == 0)
    {
      *gpa = addr;
      *size = file.size;
    }
  boot_file_close (&file);
  return ret;
}

int
boot_write_gdt (const GuestMemory *mem,
                BootCpuMode        mode,
                BootCpuState      *cpu)
{
  uint64_t gdt[BOOT_GDT_ENTRIES] = { 0 };

  gdt[BOOT_CODE_SELECTOR / 8] = mode == BOOT_CPU_MODE_LONG64 ? GDT_CODE64 : GDT_CODE32;
  gdt[BOOT_DATA_SELECTOR / 8] = GDT_DATA;

  cpu->gdt_base = BOOT_GDT_ADDR;
  cpu->gdt_limit = sizeof gdt - 1;
  cpu->code_selector = BOOT_CODE_SELECTOR;
  cpu->data_selector = BOOT_DATA_SELECTOR;
  return guest_memory_write (mem, BOOT_GDT_ADDR, gdt, sizeof gdt);
}

/* 1:1 map of 0..4 GiB with 2 MiB pages: PML4[0] -> PDPT, PDPT[0..3] -> four
 * page directories of 512 entries each. Addresses above 4 GiB (high RAM) are
 * left for the kernel's own page tables, built long before it needs them. */
int
boot_write_page_tables (const GuestMemory *mem,
                        uint64_t          *cr3)
{
  uint64_t table[512];
  int ret;

  memset (table, 0, sizeof table);
  table[0] = BOOT_PDPT_ADDR | PTE_PRESENT | PTE_WRITABLE;
  if ((ret = guest_memory_write (mem, BOOT_PML4_ADDR, table, sizeof table)) < 0)
    return ret;

  memset (table, 0, sizeof table);
  for (unsigned i = 0; i < BOOT_PD_COUNT; i++)
    table[i] = (BOOT_PD_ADDR + i * 0x1000ull) | PTE_PRESENT | PTE_WRITABLE;
  if ((ret = guest_memory_write (mem, BOOT_PDPT_ADDR, table, sizeof table)) < 0)
    return ret;

  for (unsigned i = 0; i < BOOT_PD_COUNT; i++)
    {
      for (unsigned j = 0; j < 512; j++)
        table[j] = ((uint64_t) (i * 512 + j) << 21) | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
      if ((ret = guest_memory_write (mem, BOOT_PD_ADDR + i * 0x1000ull, table, sizeof table)) < 0)
        return ret;
    }

  *cr3 = BOOT_PML4_ADDR;
  return 0;
}

int
kernel_boot_load (const GuestMemory      *mem,
                  const KernelBootConfig *cfg,
                  BootCpuState           *cpu,
                  VmmError               *err)
{
  BootContext ctx = { .mem = mem, .cfg = cfg };
  uint8_t magic[BZIMAGE_HEADER_MAGIC_OFFSET + 4] = { 0 };
  SmbiosConfig smbios;
  BootFile kernel;
  int ret;

  memset (cpu, 0, sizeof *cpu);

  if (cfg->kernel_path == NULL)
    {
      vmm_error_set (err, "no kernel was given for direct kernel boot");
      return -EINVAL;
    }
  if (cfg->n_vcpus == 0 || cfg->n_vcpus > ACPI_MAX_VCPUS)
    {
      vmm_error_set (err, "cannot boot the kernel %s with %u vCPUs: direct boot supports 1 to %u",
                     cfg->kernel_path, cfg->n_vcpus, ACPI_MAX_VCPUS);
      return -EINVAL;
    }

  /* The boot structures need the first MiB, and a kernel needs some room
   * above it; the loaders check the exact amount. */
  ctx.low_ram_end = guest_memory_low_end (mem);
  if (ctx.low_ram_end <= BOOT_KERNEL_MIN_ADDR || e820_build (mem, &ctx.e820) < 0)
    {
      vmm_error_set (err, "cannot boot the kernel %s: guest RAM must start at address 0 and "
                     "reach beyond the first MiB", cfg->kernel_path);
      return -EINVAL;
    }
  if ((ret = acpi_build_tables (mem, BOOT_ACPI_START, BOOT_ACPI_END,
                                cfg->acpi, &ctx.rsdp_gpa, err)) < 0)
    return ret;
  /* The RAM size is the GuestMemory's, all of it: the guest owns what a
   * balloon later takes back, just as a PC's DIMMs stay its size. */
  smbios = (SmbiosConfig) {
    .uuid = cfg->uuid,
    .n_vcpus = cfg->n_vcpus,
    .ram_size = guest_memory_ram_size (mem),
  };
  if ((ret = smbios_build_tables (mem, BOOT_SMBIOS_START, BOOT_SMBIOS_END, &smbios, err)) < 0)
    return ret;

  if ((ret = boot_file_open (&kernel, cfg->kernel_path, "kernel", err)) < 0)
    return ret;

  /* Either format is recognised by a few bytes at a fixed place: the ELF
   * magic at 0, "HdrS" in the bzImage setup header. */
  ret = boot_file_pread (&kernel, 0, magic,
                         kernel.size < sizeof magic ? kernel.size : sizeof magic, err);
  if (ret == 0)
    {
      if (memcmp (magic, ELFMAG, SELFMAG) == 0)
        ret = pvh_load (&ctx, &kernel, cpu, err);
      else if (memcmp (magic + BZIMAGE_HEADER_MAGIC_OFFSET, "HdrS", 4) == 0)
        ret = bzimage_load (&ctx, &kernel, cpu, err);
      else
        {
          vmm_error_set (err, "the kernel %s is neither an ELF kernel with a PVH entry note nor "
                         "a Linux bzImage", cfg->kernel_path);
          ret = -ENOEXEC;
        }
    }
  boot_file_close (&kernel);

  if (ret < 0)
    {
      /* Only the low-memory writes the checks above make safe report
       * nothing themselves; the first message set wins. */
      vmm_error_set (err, "cannot load the kernel %s: %s", cfg->kernel_path, strerror (-ret));
      memset (cpu, 0, sizeof *cpu);
    }
  return ret;
}
