/* test-bzimage.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/bzimage.h"
#include "boot/kernel-boot.h"
#include "boot/layout.h"
#include "kernel-boot-test.h"

#define GUEST_RAM     (64ull << 20)
#define PAYLOAD_SIZE  0x10000u
#define LOAD_ADDR     0x1000000ull
#define INIT_SIZE     0x800000u

/* A synthetic bzImage: a setup header with the fields a 64-bit loader reads,
 * the setup sectors, and PAYLOAD_SIZE bytes of "protected-mode kernel" in a
 * pattern the test can recognise in guest RAM. */
typedef struct
{
  uint16_t version;
  uint8_t  setup_sects;
  uint8_t  jump_len;          /* byte at 0x201: the header ends at 0x202 + this */
  uint16_t boot_flag;
  uint16_t xloadflags;
  uint8_t  relocatable;
  uint32_t kernel_alignment;
  uint64_t pref_address;
  uint32_t init_size;
  uint32_t initrd_addr_max;
  uint32_t cmdline_size;
  uint32_t syssize;
  gsize    truncate_to;       /* 0: whole image */
} FakeBzImage;

typedef struct
{
  GuestMemory  mem;
  char        *dir;
  char        *kernel;
  char        *initrd;
  VmmError     err;
  BootCpuState cpu;
} Fixture;

static FakeBzImage
fake_default (void)
{
  return (FakeBzImage) {
    .version = 0x020f,
    .setup_sects = 4,
    .jump_len = 0x6a,
    .boot_flag = 0xaa55,
    .xloadflags = 0x3,          /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
    .relocatable = 1,
    .kernel_alignment = 0x200000,
    .pref_address = LOAD_ADDR,
    .init_size = INIT_SIZE,
    .initrd_addr_max = 0x7fffffff,
    .cmdline_size = 2047,
    .syssize = PAYLOAD_SIZE / 16,
  };
}

static uint8_t
payload_byte (gsize i)
{
  return (uint8_t) (i * 13 + 7);
}

static uint8_t
initrd_byte (gsize i)
{
  return (uint8_t) (i * 5 + 1);
}

static void
write_fake (const Fixture     *f,
            const FakeBzImage *fake)
{
  unsigned sects = fake->setup_sects ? fake->setup_sects : 4;
  gsize setup = (sects + 1) * 512;
  gsize len = setup + PAYLOAD_SIZE;
  g_autofree uint8_t *img = g_malloc0 (len);
  g_autoptr (GError) error = NULL;

  img[0x1ef] = 0xee;                                   /* must not reach the zero page */
  img[BZIMAGE_SETUP_SECTS] = fake->setup_sects;
  memcpy (img + BZIMAGE_SYSSIZE, &fake->syssize, 4);
  memcpy (img + BZIMAGE_BOOT_FLAG, &fake->boot_flag, 2);
  img[BZIMAGE_JUMP] = 0xeb;
  img[BZIMAGE_JUMP + 1] = fake->jump_len;
  memcpy (img + BZIMAGE_HEADER_MAGIC_OFFSET, "HdrS", 4);
  memcpy (img + BZIMAGE_VERSION, &fake->version, 2);
  img[0x20e] = 0x34;                                   /* kernel_version: copied as is */
  img[0x20f] = 0x12;
  img[BZIMAGE_TYPE_OF_LOADER] = 0x00;
  img[BZIMAGE_LOADFLAGS] = 0x01;                       /* LOADED_HIGH, as bzImages say */
  memset (img + BZIMAGE_HEAP_END_PTR, 0x77, 2);
  memset (img + BZIMAGE_CMD_LINE_PTR, 0x77, 4);
  memcpy (img + BZIMAGE_INITRD_ADDR_MAX, &fake->initrd_addr_max, 4);
  memcpy (img + BZIMAGE_KERNEL_ALIGNMENT, &fake->kernel_alignment, 4);
  img[BZIMAGE_RELOCATABLE_KERNEL] = fake->relocatable;
  memcpy (img + BZIMAGE_XLOADFLAGS, &fake->xloadflags, 2);
  memcpy (img + BZIMAGE_CMDLINE_SIZE, &fake->cmdline_size, 4);
  memset (img + BZIMAGE_SETUP_DATA, 0x66, 8);          /* junk: must become 0 */
  memcpy (img + BZIMAGE_PREF_ADDRESS, &fake->pref_address, 8);
  memcpy (img + BZIMAGE_INIT_SIZE, &fake->init_size, 4);
  memset (img + 0x26c, 0x5a, BZIMAGE_HEADER_MAX_END - 0x26c); /* past the header: code */

  for (gsize i = 0; i < PAYLOAD_SIZE; i++)
    img[setup + i] = payload_byte (i);

  if (fake->truncate_to != 0)
    len = fake->truncate_to;
  g_file_set_contents (f->kernel, (const char *) img, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
write_initrd (const Fixture *f,
              gsize          len)
{
  g_autofree uint8_t *data = g_malloc (len);
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < len; i++)
    data[i] = initrd_byte (i);
  g_file_set_contents (f->initrd, (const char *) data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  memset (f, 0, sizeof *f);
  g_assert_cmpint (guest_memory_init (&f->mem, GUEST_RAM), ==, 0);
  f->dir = g_dir_make_tmp ("gh-bzimage-XXXXXX", &error);
  g_assert_no_error (error);
  f->kernel = g_build_filename (f->dir, "bzImage", NULL);
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
  guest_memory_destroy (&f->mem);
}

static int
boot (Fixture    *f,
      const char *initrd,
      const char *cmdline)
{
  return boot_test_load (&f->mem, f->kernel, initrd, cmdline, 2, &f->cpu, &f->err);
}

static uint8_t *
zero_page (Fixture *f)
{
  uint8_t *zp = guest_memory_translate (&f->mem, BOOT_ZERO_PAGE_ADDR, ZERO_PAGE_SIZE);

  g_assert_nonnull (zp);
  return zp;
}

static uint64_t
zp_get (const uint8_t *zp,
        unsigned       offset,
        unsigned       size)
{
  uint64_t v = 0;

  memcpy (&v, zp + offset, size);
  return v;
}

/* Walks the guest's 4-level page tables as the MMU would, for 4 KiB, 2 MiB
 * and 1 GiB pages. Returns FALSE when va is not mapped. */
static gboolean
page_walk (const GuestMemory *mem,
           uint64_t           cr3,
           uint64_t           va,
           uint64_t          *pa)
{
  const uint64_t addr_mask = 0x000ffffffffff000ull;
  uint64_t table = cr3 & addr_mask;

  for (int level = 3; level >= 0; level--)
    {
      unsigned shift = 12 + 9 * level;
      uint64_t entry;

      if (guest_memory_read (mem, table + ((va >> shift) & 511) * 8, &entry, 8) < 0)
        return FALSE;
      if (!(entry & 1))
        return FALSE;
      if (level == 0 || ((level == 1 || level == 2) && (entry & 0x80)))
        {
          uint64_t page_mask = (1ull << shift) - 1;
          *pa = (entry & addr_mask & ~page_mask) | (va & page_mask);
          return TRUE;
        }
      table = entry & addr_mask;
    }
  return FALSE;
}

static void
test_load (Fixture       *f,
           gconstpointer  data)
{
  FakeBzImage fake = fake_default ();
  const char *cmdline = "console=ttyS0 root=/dev/vda rw";
  const gsize initrd_len = 100000;
  const uint8_t *zp, *kernel, *initrd;
  uint64_t initrd_addr, initrd_size, gdt[4];
  const uint64_t probes[] = { 0, 0x1000, BOOT_ZERO_PAGE_ADDR, LOAD_ADDR + 0x200,
                              GUEST_RAM - 1, 0xbfffffffull, 0xfee00000ull, 0xffffffffull };

  write_fake (f, &fake);
  write_initrd (f, initrd_len);
  g_assert_cmpint (boot (f, f->initrd, cmdline), ==, 0);
  g_assert_cmpstr (f->err.message, ==, "");

  /* CPU state for the 64-bit entry point. */
  g_assert_cmpint (f->cpu.mode, ==, BOOT_CPU_MODE_LONG64);
  g_assert_cmphex (f->cpu.rip, ==, LOAD_ADDR + 0x200);
  g_assert_cmphex (f->cpu.rsi, ==, BOOT_ZERO_PAGE_ADDR);
  g_assert_cmphex (f->cpu.cr3, ==, BOOT_PML4_ADDR);
  g_assert_cmpuint (f->cpu.code_selector, ==, 0x10);
  g_assert_cmpuint (f->cpu.data_selector, ==, 0x18);
  g_assert_cmphex (f->cpu.gdt_base, ==, BOOT_GDT_ADDR);
  g_assert_cmpuint (f->cpu.gdt_limit, ==, 4 * 8 - 1);
  g_assert_cmpint (guest_memory_read (&f->mem, f->cpu.gdt_base, gdt, sizeof gdt), ==, 0);
  g_assert_cmphex (gdt[0], ==, 0);
  g_assert_true (gdt[2] & (1ull << 53));                  /* L: 64-bit code */
  g_assert_false (gdt[2] & (1ull << 54));                 /* D must be 0 with L */
  g_assert_cmphex ((gdt[2] >> 40) & 0x9a, ==, 0x9a);      /* present, code, readable */
  g_assert_cmphex ((gdt[3] >> 40) & 0x9a, ==, 0x92);      /* present, data, writable */

  /* Identity map of the first 4 GiB, including everything the kernel needs. */
  for (gsize i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      uint64_t pa = ~0ull;
      g_assert_true (page_walk (&f->mem, f->cpu.cr3, probes[i], &pa));
      g_assert_cmphex (pa, ==, probes[i]);
    }

  /* The protected-mode kernel, byte for byte, at the load address. */
  kernel = guest_memory_translate (&f->mem, LOAD_ADDR, PAYLOAD_SIZE);
  for (gsize i = 0; i < PAYLOAD_SIZE; i++)
    if (kernel[i] != payload_byte (i))
      g_error ("kernel byte %" G_GSIZE_FORMAT " differs", i);

  zp = zero_page (f);
  /* The header is the image's; the loader's fields are ours. */
  g_assert_cmphex (zp_get (zp, 0x20e, 2), ==, 0x1234);
  g_assert_cmphex (zp_get (zp, BZIMAGE_VERSION, 2), ==, 0x020f);
  g_assert_cmphex (zp_get (zp, BZIMAGE_BOOT_FLAG, 2), ==, 0xaa55);
  g_assert_cmphex (zp[0x1ef], ==, 0);                     /* sentinel */
  g_assert_cmphex (zp[0x270], ==, 0);                     /* past the header: not copied */
  g_assert_cmphex (zp[BZIMAGE_TYPE_OF_LOADER], ==, 0xff);
  g_assert_cmphex (zp[BZIMAGE_LOADFLAGS] & 0x81, ==, 0x81);
  g_assert_cmphex (zp_get (zp, BZIMAGE_HEAP_END_PTR, 2), ==, 0xfe00);
  g_assert_cmphex (zp_get (zp, BZIMAGE_CODE32_START, 4), ==, LOAD_ADDR);
  g_assert_cmphex (zp_get (zp, BZIMAGE_SETUP_DATA, 8), ==, 0);

  g_assert_cmphex (zp_get (zp, BZIMAGE_CMD_LINE_PTR, 4), ==, BOOT_CMDLINE_ADDR);
  g_assert_cmphex (zp_get (zp, ZERO_PAGE_EXT_CMD_LINE_PTR, 4), ==, 0);
  g_assert_cmpstr (guest_memory_translate (&f->mem, BOOT_CMDLINE_ADDR, strlen (cmdline) + 1),
                   ==, cmdline);

  /* The initrd: page-aligned, above the kernel's init_size, as high in RAM
   * as it goes, and intact. */
  initrd_addr = zp_get (zp, BZIMAGE_RAMDISK_IMAGE, 4)
                | zp_get (zp, ZERO_PAGE_EXT_RAMDISK_IMAGE, 4) << 32;
  initrd_size = zp_get (zp, BZIMAGE_RAMDISK_SIZE, 4)
                | zp_get (zp, ZERO_PAGE_EXT_RAMDISK_SIZE, 4) << 32;
  g_assert_cmpuint (initrd_size, ==, initrd_len);
  g_assert_cmphex (initrd_addr % 4096, ==, 0);
  g_assert_cmphex (initrd_addr, >=, LOAD_ADDR + INIT_SIZE);
  g_assert_cmphex (initrd_addr + initrd_size, <=, GUEST_RAM);
  g_assert_cmphex (initrd_addr, ==, (GUEST_RAM - initrd_len) & ~0xfffull);
  initrd = guest_memory_translate (&f->mem, initrd_addr, initrd_size);
  g_assert_nonnull (initrd);
  for (gsize i = 0; i < initrd_len; i++)
    if (initrd[i] != initrd_byte (i))
      g_error ("initrd byte %" G_GSIZE_FORMAT " differs", i);

  /* e820: conventional RAM, the legacy window, RAM from 1 MiB. */
  g_assert_cmpuint (zp[ZERO_PAGE_E820_ENTRIES], ==, 4);   /* RAM, legacy, RAM, ECAM */
  {
    const uint64_t want[3][3] = {
      { 0, 0x9fc00, 1 },
      { 0x9fc00, 0x100000 - 0x9fc00, 2 },
      { 0x100000, GUEST_RAM - 0x100000, 1 },
    };
    for (unsigned i = 0; i < 3; i++)
      {
        const uint8_t *e = zp + ZERO_PAGE_E820_TABLE + i * 20;
        g_assert_cmphex (zp_get (e, 0, 8), ==, want[i][0]);
        g_assert_cmphex (zp_get (e, 8, 8), ==, want[i][1]);
        g_assert_cmphex (zp_get (e, 16, 4), ==, want[i][2]);
      }
  }

  /* Protocol 2.15 gets the RSDP address, and it is an RSDP. */
  g_assert_cmphex (zp_get (zp, ZERO_PAGE_ACPI_RSDP_ADDR, 8), ==, BOOT_ACPI_START);
  g_assert_cmpmem (guest_memory_translate (&f->mem, BOOT_ACPI_START, 8), 8, "RSD PTR ", 8);
}

static void
test_no_initrd_no_cmdline (Fixture       *f,
                           gconstpointer  data)
{
  FakeBzImage fake = fake_default ();
  const uint8_t *zp;

  fake.version = 0x020c;        /* 2.12: no acpi_rsdp_addr field yet */
  write_fake (f, &fake);
  g_assert_cmpint (boot (f, NULL, NULL), ==, 0);
  zp = zero_page (f);
  g_assert_cmphex (zp_get (zp, BZIMAGE_RAMDISK_IMAGE, 4), ==, 0);
  g_assert_cmphex (zp_get (zp, BZIMAGE_RAMDISK_SIZE, 4), ==, 0);
  g_assert_cmphex (zp_get (zp, ZERO_PAGE_ACPI_RSDP_ADDR, 8), ==, 0);
  g_assert_cmphex (zp_get (zp, BZIMAGE_CMD_LINE_PTR, 4), ==, BOOT_CMDLINE_ADDR);
  g_assert_cmpstr (guest_memory_translate (&f->mem, BOOT_CMDLINE_ADDR, 1), ==, "");
}

static void
test_initrd_addr_max (Fixture       *f,
                      gconstpointer  data)
{
  FakeBzImage fake = fake_default ();
  const gsize initrd_len = 5000;
  const uint8_t *zp;
  uint64_t addr;

  fake.initrd_addr_max = 0x1ffffff;     /* the initrd's last byte at or below 32 MiB - 1 */
  write_fake (f, &fake);
  write_initrd (f, initrd_len);
  g_assert_cmpint (boot (f, f->initrd, NULL), ==, 0);
  zp = zero_page (f);
  addr = zp_get (zp, BZIMAGE_RAMDISK_IMAGE, 4);
  g_assert_cmphex (addr, ==, (0x2000000 - initrd_len) & ~0xfffull);
  g_assert_cmphex (addr + initrd_len - 1, <=, 0x1ffffff);
}

/* setup_sects 0 means 4; a pref_address off the alignment is rounded up. */
static void
test_setup_sects_and_alignment (Fixture       *f,
                                gconstpointer  data)
{
  FakeBzImage fake = fake_default ();
  const uint8_t *kernel;

  fake.setup_sects = 0;
  fake.pref_address = LOAD_ADDR + 0x1000;
  write_fake (f, &fake);
  g_assert_cmpint (boot (f, NULL, NULL), ==, 0);
  g_assert_cmphex (f->cpu.rip, ==, LOAD_ADDR + 0x200000 + 0x200);
  kernel = guest_memory_translate (&f->mem, LOAD_ADDR + 0x200000, 16);
  for (gsize i = 0; i < 16; i++)
    g_assert_cmphex (kernel[i], ==, payload_byte (i));
}

static void
test_not_relocatable (Fixture       *f,
                      gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  fake.relocatable = 0;
  fake.kernel_alignment = 0;            /* meaningless without relocation */
  fake.pref_address = 0x1234000;
  write_fake (f, &fake);
  g_assert_cmpint (boot (f, NULL, NULL), ==, 0);
  g_assert_cmphex (f->cpu.rip, ==, 0x1234000 + 0x200);

  fake.pref_address = 0x10000;
  write_fake (f, &fake);
  g_assert_cmpint (boot (f, NULL, NULL), ==, -ENOEXEC);
  g_assert_nonnull (strstr (f->err.message, "not relocatable"));
}

static void
assert_refused (Fixture           *f,
                const FakeBzImage *fake,
                int                expected,
                const char        *needle)
{
  write_fake (f, fake);
  g_assert_cmpint (boot (f, NULL, NULL), ==, expected);
  g_test_message ("error: %s", f->err.message);
  g_assert_nonnull (strstr (f->err.message, f->kernel));
  g_assert_nonnull (strstr (f->err.message, needle));
  /* A failed load leaves no half-made CPU state behind. */
  g_assert_cmphex (f->cpu.rip, ==, 0);
}

static void
test_old_protocol (Fixture       *f,
                   gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  fake.version = 0x020a;
  assert_refused (f, &fake, -ENOEXEC, "boot protocol 2.10");
}

static void
test_not_64bit (Fixture       *f,
                gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  fake.xloadflags = 0;
  assert_refused (f, &fake, -ENOEXEC, "XLF_KERNEL_64");
}

static void
test_bad_boot_flag (Fixture       *f,
                    gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  fake.boot_flag = 0x1234;
  assert_refused (f, &fake, -ENOEXEC, "boot flag");
}

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  /* The kernel is cut short... */
  fake.truncate_to = 5 * 512 + PAYLOAD_SIZE - 1;
  assert_refused (f, &fake, -ENOEXEC, "truncated");
  /* ...or the header promises more than there is... */
  fake = fake_default ();
  fake.syssize = 0x10000000;
  assert_refused (f, &fake, -ENOEXEC, "truncated");
  /* ...or the file ends inside the setup header itself. */
  fake = fake_default ();
  fake.truncate_to = 0x220;
  assert_refused (f, &fake, -ENOEXEC, "truncated");
  fake.truncate_to = 0x207;
  assert_refused (f, &fake, -ENOEXEC, "truncated");
}

static void
test_hostile_header (Fixture       *f,
                     gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  fake.jump_len = 0x10;                 /* header too short for 2.12 fields */
  assert_refused (f, &fake, -ENOEXEC, "setup header ends");

  fake = fake_default ();
  fake.kernel_alignment = 0x300000;     /* not a power of two */
  assert_refused (f, &fake, -ENOEXEC, "kernel_alignment");

  fake = fake_default ();
  fake.syssize = 0;
  assert_refused (f, &fake, -ENOEXEC, "empty");

  fake = fake_default ();
  fake.pref_address = 0xfffffffffff00000ull;
  assert_refused (f, &fake, -ENOMEM, "does not fit");
}

static void
test_kernel_too_big (Fixture       *f,
                     gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  fake.init_size = 0x4000000;           /* 64 MiB from 16 MiB in 64 MiB of RAM */
  assert_refused (f, &fake, -ENOMEM, "does not fit in guest memory");
}

static void
test_initrd_does_not_fit (Fixture       *f,
                          gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  /* 16 MiB are free above the kernel (32 MiB from 16 MiB); the initrd takes 24. */
  fake.init_size = 0x2000000;
  write_fake (f, &fake);
  write_initrd (f, 24 << 20);
  g_assert_cmpint (boot (f, f->initrd, NULL), ==, -ENOMEM);
  g_assert_nonnull (strstr (f->err.message, f->initrd));
  g_assert_nonnull (strstr (f->err.message, "does not fit"));

  /* Below initrd_addr_max there is no room either. */
  fake = fake_default ();
  fake.initrd_addr_max = LOAD_ADDR + INIT_SIZE + 0x1000;
  write_fake (f, &fake);
  write_initrd (f, 0x4000);
  g_assert_cmpint (boot (f, f->initrd, NULL), ==, -ENOMEM);
}

static void
test_missing_initrd (Fixture       *f,
                     gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  write_fake (f, &fake);
  g_assert_cmpint (boot (f, f->initrd, NULL), ==, -ENOENT);
  g_assert_nonnull (strstr (f->err.message, "initrd"));
  g_assert_nonnull (strstr (f->err.message, f->initrd));
}

static void
test_cmdline_too_long (Fixture       *f,
                       gconstpointer  data)
{
  FakeBzImage fake = fake_default ();

  fake.cmdline_size = 16;
  write_fake (f, &fake);
  g_assert_cmpint (boot (f, NULL, "0123456789abcdef"), ==, 0);        /* exactly 16 */
  g_assert_cmpint (boot (f, NULL, "0123456789abcdefg"), ==, -E2BIG);  /* 17 */
  g_assert_nonnull (strstr (f->err.message, "17 bytes"));
  g_assert_nonnull (strstr (f->err.message, "at most 16"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/vmm/bzimage/load", test_load);
  ADD ("/vmm/bzimage/no-initrd-no-cmdline", test_no_initrd_no_cmdline);
  ADD ("/vmm/bzimage/initrd-addr-max", test_initrd_addr_max);
  ADD ("/vmm/bzimage/setup-sects-and-alignment", test_setup_sects_and_alignment);
  ADD ("/vmm/bzimage/not-relocatable", test_not_relocatable);
  ADD ("/vmm/bzimage/old-protocol", test_old_protocol);
  ADD ("/vmm/bzimage/not-64bit", test_not_64bit);
  ADD ("/vmm/bzimage/bad-boot-flag", test_bad_boot_flag);
  ADD ("/vmm/bzimage/truncated", test_truncated);
  ADD ("/vmm/bzimage/hostile-header", test_hostile_header);
  ADD ("/vmm/bzimage/kernel-too-big", test_kernel_too_big);
  ADD ("/vmm/bzimage/initrd-does-not-fit", test_initrd_does_not_fit);
  ADD ("/vmm/bzimage/missing-initrd", test_missing_initrd);
  ADD ("/vmm/bzimage/cmdline-too-long", test_cmdline_too_long);
#undef ADD

  return g_test_run ();
}
