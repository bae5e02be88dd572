/* bzimage.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "bzimage.h"
#include "layout.h"

/* Boots a bzImage through the 64-bit boot protocol: the real-mode setup code
 * is never run (nor loaded); the protected-mode kernel is entered at its
 * 64-bit entry point, load address + 0x200, in long mode with the zero page
 * in RSI. That needs protocol 2.12 (xloadflags, XLF_KERNEL_64). */

/* heap_end_ptr is an offset from the real-mode code, minus 0x200. We load no
 * real-mode code, so this is the conventional "whole 64 KiB segment" value;
 * the 64-bit entry path never reads it. */
#define BZIMAGE_HEAP_END             0xfe00

/* Bounds on what a hostile header may ask for. */
#define BZIMAGE_MAX_ALIGNMENT        (1u << 30)

static uint32_t
get_le16 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8;
}

static uint32_t
get_le32 (const uint8_t *p)
{
  return get_le16 (p) | get_le16 (p + 2) << 16;
}

static uint64_t
get_le64 (const uint8_t *p)
{
  return get_le32 (p) | (uint64_t) get_le32 (p + 4) << 32;
}

static void
put_le16 (uint8_t  *p,
          uint32_t  v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
}

static void
put_le32 (uint8_t  *p,
          uint32_t  v)
{
  put_le16 (p, v);
  put_le16 (p + 2, v >> 16);
}

static void
put_le64 (uint8_t  *p,
          uint64_t  v)
{
  put_le32 (p, (uint32_t) v);
  put_le32 (p + 4, (uint32_t) (v >> 32));
}

/* What the checks take from the setup header. */
typedef struct
{
  unsigned version;
  size_t   header_end;       /* clamped to BZIMAGE_HEADER_MAX_END */
  uint64_t setup_size;       /* bytes before the protected-mode kernel */
  uint64_t kernel_size;      /* protected-mode kernel bytes in the file */
  uint64_t load_addr;
  uint64_t mem_size;         /* bytes from load_addr the kernel needs */
  uint64_t initrd_ceiling;   /* initrd_addr_max + 1 */
  uint32_t cmdline_max;
} BzImageInfo;

static int
bzimage_check (const BootContext *ctx,
               const BootFile    *file,
               const uint8_t     *hdr,
               BzImageInfo       *info,
               VmmError          *err)
{
  const char *path = file->path;
  unsigned setup_sects, xloadflags;
  uint64_t header_end, pref, align, init_size;
  bool relocatable;

  if (file->size < BZIMAGE_VERSION + 2)
    {
      vmm_error_set (err, "the kernel %s is truncated: it ends inside its setup header", path);
      return -ENOEXEC;
    }
  info->version = get_le16 (hdr + BZIMAGE_VERSION);
  if (info->version < BZIMAGE_MIN_VERSION)
    {
      vmm_error_set (err, "the kernel %s uses Linux boot protocol %u.%02u; direct boot needs "
                     "2.12 or newer (a 64-bit bzImage from Linux 3.8 or later)", path,
                     info->version >> 8, info->version & 0xff);
      return -ENOEXEC;
    }

  /* The header's own length: the jump at 0x200 skips exactly over it. */
  header_end = 0x202 + (uint64_t) hdr[BZIMAGE_JUMP + 1];
  if (header_end > file->size)
    {
      vmm_error_set (err, "the kernel %s is truncated: it ends inside its setup header", path);
      return -ENOEXEC;
    }
  if (header_end < BZIMAGE_HEADER_MIN_END)
    {
      vmm_error_set (err, "the kernel %s is damaged: its setup header ends at 0x%" PRIx64
                     ", too early for boot protocol %u.%02u", path, header_end,
                     info->version >> 8, info->version & 0xff);
      return -ENOEXEC;
    }
  info->header_end = header_end < BZIMAGE_HEADER_MAX_END ? header_end : BZIMAGE_HEADER_MAX_END;

  if (get_le16 (hdr + BZIMAGE_BOOT_FLAG) != BZIMAGE_BOOT_FLAG_MAGIC)
    {
      vmm_error_set (err, "the kernel %s is not a valid bzImage: its boot flag is 0x%04x, not "
                     "0xaa55", path, get_le16 (hdr + BZIMAGE_BOOT_FLAG));
      return -ENOEXEC;
    }

  xloadflags = get_le16 (hdr + BZIMAGE_XLOADFLAGS);
  if (!(xloadflags & BZIMAGE_XLF_KERNEL_64))
    {
      vmm_error_set (err, "the kernel %s has no 64-bit entry point (XLF_KERNEL_64 is not set); "
                     "direct boot needs a 64-bit kernel", path);
      return -ENOEXEC;
    }

  setup_sects = hdr[BZIMAGE_SETUP_SECTS];
  if (setup_sects == 0)
    setup_sects = 4;
  info->setup_size = (setup_sects + 1) * 512ull;
  info->kernel_size = get_le32 (hdr + BZIMAGE_SYSSIZE) * 16ull;
  if (info->kernel_size == 0)
    {
      vmm_error_set (err, "the kernel %s is damaged: its setup header says the kernel is empty",
                     path);
      return -ENOEXEC;
    }
  if (!boot_file_has (file, info->setup_size, info->kernel_size))
    {
      vmm_error_set (err, "the kernel %s is truncated: its header promises %" PRIu64 " bytes of "
                     "setup and %" PRIu64 " bytes of kernel, but the file has %" PRIu64, path,
                     info->setup_size, info->kernel_size, file->size);
      return -ENOEXEC;
    }

  /* Where to load: boot.rst has a relocatable kernel run from pref_address
   * when loaded below it, aligned up to kernel_alignment; so load it right
   * there. A kernel that is not relocatable must sit at pref_address. */
  relocatable = hdr[BZIMAGE_RELOCATABLE_KERNEL] != 0;
  pref = get_le64 (hdr + BZIMAGE_PREF_ADDRESS);
  align = get_le32 (hdr + BZIMAGE_KERNEL_ALIGNMENT);
  init_size = get_le32 (hdr + BZIMAGE_INIT_SIZE);
  if (relocatable)
    {
      if (align < 0x1000 || align > BZIMAGE_MAX_ALIGNMENT || (align & (align - 1)) != 0)
        {
          vmm_error_set (err, "the kernel %s is damaged: its kernel_alignment 0x%" PRIx64
                         " is not a power of two between 4 KiB and 1 GiB", path, align);
          return -ENOEXEC;
        }
      if (pref < BOOT_KERNEL_MIN_ADDR)
        pref = BOOT_KERNEL_MIN_ADDR;
      /* Beyond low RAM it fails the fit check below, with pref in the
       * message; below it, aligning up cannot wrap. */
      info->load_addr = pref < ctx->low_ram_end ? (pref + align - 1) & ~(align - 1) : pref;
    }
  else
    {
      if (pref < BOOT_KERNEL_MIN_ADDR)
        {
          vmm_error_set (err, "the kernel %s is not relocatable and wants to run at 0x%" PRIx64
                         ", below 1 MiB", path, pref);
          return -ENOEXEC;
        }
      info->load_addr = pref;
    }

  info->mem_size = init_size > info->kernel_size ? init_size : info->kernel_size;
  if (info->load_addr >= ctx->low_ram_end
      || info->mem_size > ctx->low_ram_end - info->load_addr)
    {
      vmm_error_set (err, "the kernel %s does not fit in guest memory: it needs %" PRIu64
                     " MiB from 0x%" PRIx64 ", and RAM below the 32-bit hole ends at 0x%" PRIx64,
                     path, (info->mem_size + 0xfffff) >> 20, info->load_addr, ctx->low_ram_end);
      return -ENOMEM;
    }

  info->initrd_ceiling = (uint64_t) get_le32 (hdr + BZIMAGE_INITRD_ADDR_MAX) + 1;
  info->cmdline_max = get_le32 (hdr + BZIMAGE_CMDLINE_SIZE);
  return 0;
}

static void
bzimage_fill_zero_page (const BootContext *ctx,
                        const uint8_t     *hdr,
                        const BzImageInfo *info,
                        uint64_t           initrd_gpa,
                        uint64_t           initrd_size,
                        uint8_t           *zp)
{
  unsigned n_e820 = ctx->e820.n_entries;

  /* Everything outside the setup header starts at zero; the header is the
   * image's own, with the loader's fields filled in. The sentinel byte at
   * 0x1ef stays zero: the kernel takes a non-zero one to mean the loader
   * copied stale bytes past the header and would clear fields we set. */
  memset (zp, 0, ZERO_PAGE_SIZE);
  memcpy (zp + BZIMAGE_SETUP_SECTS, hdr + BZIMAGE_SETUP_SECTS,
          info->header_end - BZIMAGE_SETUP_SECTS);

  zp[BZIMAGE_TYPE_OF_LOADER] = BZIMAGE_LOADER_UNDEFINED;
  zp[BZIMAGE_LOADFLAGS] |= BZIMAGE_LOADED_HIGH | BZIMAGE_CAN_USE_HEAP;
  put_le16 (zp + BZIMAGE_HEAP_END_PTR, BZIMAGE_HEAP_END);
  put_le32 (zp + BZIMAGE_CODE32_START, (uint32_t) info->load_addr);

  put_le32 (zp + BZIMAGE_CMD_LINE_PTR, (uint32_t) BOOT_CMDLINE_ADDR);
  put_le32 (zp + ZERO_PAGE_EXT_CMD_LINE_PTR, (uint32_t) (BOOT_CMDLINE_ADDR >> 32));

  put_le32 (zp + BZIMAGE_RAMDISK_IMAGE, (uint32_t) initrd_gpa);
  put_le32 (zp + BZIMAGE_RAMDISK_SIZE, (uint32_t) initrd_size);
  put_le32 (zp + ZERO_PAGE_EXT_RAMDISK_IMAGE, (uint32_t) (initrd_gpa >> 32));
  put_le32 (zp + ZERO_PAGE_EXT_RAMDISK_SIZE, (uint32_t) (initrd_size >> 32));

  /* We pass no setup_data list; whatever the file holds there is not a
   * guest address. */
  put_le64 (zp + BZIMAGE_SETUP_DATA, 0);

  _Static_assert (E820_MAX_ENTRIES <= ZERO_PAGE_E820_MAX, "e820 map fits the zero page");
  zp[ZERO_PAGE_E820_ENTRIES] = (uint8_t) n_e820;
  for (unsigned i = 0; i < n_e820; i++)
    {
      uint8_t *e = zp + ZERO_PAGE_E820_TABLE + i * 20;

      put_le64 (e, ctx->e820.entries[i].addr);
      put_le64 (e + 8, ctx->e820.entries[i].size);
      put_le32 (e + 16, ctx->e820.entries[i].type);
    }

  /* Older kernels find the RSDP by scanning 0xe0000..0xfffff. */
  if (info->version >= 0x020e)
    put_le64 (zp + ZERO_PAGE_ACPI_RSDP_ADDR, ctx->rsdp_gpa);
}

int
bzimage_load (const BootContext *ctx,
              const BootFile    *kernel,
              BootCpuState      *cpu,
              VmmError          *err)
{
  uint8_t hdr[BZIMAGE_HEADER_MAX_END] = { 0 };
  uint8_t zp[ZERO_PAGE_SIZE];
  BzImageInfo info;
  uint64_t initrd_gpa, initrd_size, cr3;
  int ret;

  /* Files shorter than the largest header we copy are fine as long as their
   * own header ends inside them; bzimage_check makes sure of that. */
  ret = boot_file_read (kernel, 0, hdr, kernel->size < sizeof hdr ? kernel->size : sizeof hdr,
                        err);
  if (ret < 0)
    return ret;
  if ((ret = bzimage_check (ctx, kernel, hdr, &info, err)) < 0)
    return ret;

  if ((ret = boot_file_load (kernel, info.setup_size, info.kernel_size, ctx->mem,
                             info.load_addr, err)) < 0)
    return ret;
  if ((ret = boot_load_initrd (ctx, info.load_addr + info.mem_size, info.initrd_ceiling,
                               &initrd_gpa, &initrd_size, err)) < 0)
    return ret;
  if ((ret = boot_write_cmdline (ctx, info.cmdline_max, kernel->path, err)) < 0)
    return ret;

  bzimage_fill_zero_page (ctx, hdr, &info, initrd_gpa, initrd_size, zp);
  if ((ret = guest_memory_write (ctx->mem, BOOT_ZERO_PAGE_ADDR, zp, sizeof zp)) < 0
      || (ret = boot_write_page_tables (ctx->mem, &cr3)) < 0
      || (ret = boot_write_gdt (ctx->mem, BOOT_CPU_MODE_LONG64, cpu)) < 0)
    return ret;

  cpu->mode = BOOT_CPU_MODE_LONG64;
  cpu->rip = info.load_addr + BZIMAGE_ENTRY_64_OFFSET;
  cpu->rsi = BOOT_ZERO_PAGE_ADDR;
  cpu->rsp = BOOT_STACK_TOP;
  cpu->cr3 = cr3;
  return 0;
}
