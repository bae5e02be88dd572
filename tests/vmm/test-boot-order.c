/* test-boot-order.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/boot-order.h"

/* What SeaBIOS (src/boot.c) does with the file, restated here so the test
 * checks our lines against SeaBIOS's lookups rather than against
 * themselves:
 *   - the file splits at '\n' into lines, trailing spaces dropped;
 *   - for each disk it formats a glob: build_pci_path with device name '*'
 *     ("/pci@i0cf8/" then "*@<slot hex>", then ",<function hex>" when not
 *     0), and for an IDE drive build_ata_path appends
 *     "/drive@<channel hex>/disk@<unit hex>";
 *   - find_prio returns 1 + the index of the first line the glob is a
 *     prefix of (glob_prefix: '*' eats characters up to a '/' or the glob's
 *     next character, and the line must end or go on with '/' where the
 *     glob ends), or -1. */

static const char *
glob_prefix (const char *glob,
             const char *str)
{
  for (;;)
    {
      if (*glob == '\0')
        return *str == '\0' || *str == '/' ? str : NULL;
      if (*glob == '*')
        {
          if (*str == '\0' || *str == '/' || *str == glob[1])
            glob++;
          else
            str++;
          continue;
        }
      if (*glob != *str)
        return NULL;
      glob++;
      str++;
    }
}

static int
seabios_priority (const char *file,
                  const char *glob)
{
  g_auto (GStrv) lines = g_strsplit (file, "\n", -1);

  for (unsigned i = 0; lines[i] != NULL; i++)
    if (glob_prefix (glob, g_strchomp (lines[i])) != NULL)
      return (int) i + 1;
  return -1;
}

static char *
seabios_pci_glob (unsigned slot,
                  unsigned function)
{
  if (function == 0)
    return g_strdup_printf ("/pci@i0cf8/*@%x", slot);
  return g_strdup_printf ("/pci@i0cf8/*@%x,%x", slot, function);
}

static char *
seabios_ata_glob (unsigned slot,
                  unsigned function,
                  unsigned channel,
                  unsigned unit)
{
  g_autofree char *pci = seabios_pci_glob (slot, function);

  return g_strdup_printf ("%s/drive@%x/disk@%x", pci, channel, unit);
}

static char *
build (const BootOrderDevice *devices,
       unsigned               n)
{
  char *text = (char *) 1;

  g_assert_cmpint (boot_order_build (devices, n, &text), ==, 0);
  g_assert_nonnull (text);
  return text;
}

static void
test_ide_paths (void)
{
  static const struct
  {
    BootOrderDevice dev;
    const char     *path;
  } cases[] = {
    /* The PIIX3 IDE function of QEMU's i440FX machine. */
    { { BOOT_ORDER_IDE, 1, 1, 0, 0 }, "/pci@i0cf8/ide@1,1/drive@0/disk@0" },
    { { BOOT_ORDER_IDE, 1, 1, 0, 1 }, "/pci@i0cf8/ide@1,1/drive@0/disk@1" },
    { { BOOT_ORDER_IDE, 1, 1, 1, 0 }, "/pci@i0cf8/ide@1,1/drive@1/disk@0" },
    { { BOOT_ORDER_IDE, 1, 1, 1, 1 }, "/pci@i0cf8/ide@1,1/drive@1/disk@1" },
    { { BOOT_ORDER_IDE, 0x1f, 7, 1, 1 }, "/pci@i0cf8/ide@1f,7/drive@1/disk@1" },
    { { BOOT_ORDER_IDE, 4, 0, 0, 0 }, "/pci@i0cf8/ide@4/drive@0/disk@0" },
  };

  for (unsigned i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const BootOrderDevice *d = &cases[i].dev;
      g_autofree char *text = build (d, 1);
      g_autofree char *glob = seabios_ata_glob (d->pci_slot, d->pci_function,
                                                d->ide_channel, d->ide_unit);

      g_assert_cmpstr (text, ==, cases[i].path);
      g_assert_cmpint (seabios_priority (text, glob), ==, 1);
    }
}

static void
test_virtio_blk_paths (void)
{
  static const struct
  {
    BootOrderDevice dev;
    const char     *path;
  } cases[] = {
    { { BOOT_ORDER_VIRTIO_BLK, 5, 0, 0, 0 }, "/pci@i0cf8/scsi@5/disk@0,0" },
    { { BOOT_ORDER_VIRTIO_BLK, 0xa, 3, 0, 0 }, "/pci@i0cf8/scsi@a,3/disk@0,0" },
    { { BOOT_ORDER_VIRTIO_BLK, 0x1f, 0, 0, 0 }, "/pci@i0cf8/scsi@1f/disk@0,0" },
  };

  for (unsigned i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const BootOrderDevice *d = &cases[i].dev;
      g_autofree char *text = build (d, 1);
      g_autofree char *glob = seabios_pci_glob (d->pci_slot, d->pci_function);

      g_assert_cmpstr (text, ==, cases[i].path);
      g_assert_cmpint (seabios_priority (text, glob), ==, 1);
    }
}

/* A whole machine: SeaBIOS must rank each disk by its place in our list,
 * and find no line for the disks we left out. */
static void
test_priorities (void)
{
  static const BootOrderDevice order[] = {
    { BOOT_ORDER_VIRTIO_BLK, 5, 0, 0, 0 },
    { BOOT_ORDER_IDE, 1, 1, 1, 0 },
    { BOOT_ORDER_VIRTIO_BLK, 0x15, 0, 0, 0 },
    { BOOT_ORDER_IDE, 1, 1, 0, 0 },
    { BOOT_ORDER_VIRTIO_BLK, 1, 0, 0, 0 },
  };
  g_autofree char *text = build (order, G_N_ELEMENTS (order));
  g_autofree char *glob = NULL;

  g_assert_cmpstr (text, ==,
                   "/pci@i0cf8/scsi@5/disk@0,0\n"
                   "/pci@i0cf8/ide@1,1/drive@1/disk@0\n"
                   "/pci@i0cf8/scsi@15/disk@0,0\n"
                   "/pci@i0cf8/ide@1,1/drive@0/disk@0\n"
                   "/pci@i0cf8/scsi@1/disk@0,0");

#define PRIO(g) (g_free (glob), glob = (g), seabios_priority (text, glob))
  g_assert_cmpint (PRIO (seabios_pci_glob (5, 0)), ==, 1);
  g_assert_cmpint (PRIO (seabios_ata_glob (1, 1, 1, 0)), ==, 2);
  g_assert_cmpint (PRIO (seabios_pci_glob (0x15, 0)), ==, 3);
  g_assert_cmpint (PRIO (seabios_ata_glob (1, 1, 0, 0)), ==, 4);
  g_assert_cmpint (PRIO (seabios_pci_glob (1, 0)), ==, 5);
  /* Not listed: the other drives, neighbours whose numbers share digits. */
  g_assert_cmpint (PRIO (seabios_ata_glob (1, 1, 0, 1)), ==, -1);
  g_assert_cmpint (PRIO (seabios_ata_glob (1, 1, 1, 1)), ==, -1);
  g_assert_cmpint (PRIO (seabios_pci_glob (5, 1)), ==, -1);
  g_assert_cmpint (PRIO (seabios_pci_glob (1, 2)), ==, -1);
  /* The IDE controller itself, as a PCI device, ranks as its first drive. */
  g_assert_cmpint (PRIO (seabios_pci_glob (1, 1)), ==, 2);
  g_assert_cmpint (PRIO (seabios_pci_glob (0x15, 1)), ==, -1);
  g_assert_cmpint (PRIO (seabios_pci_glob (0x51, 0)), ==, -1);
  g_assert_cmpint (PRIO (seabios_pci_glob (2, 0)), ==, -1);
  /* SeaBIOS's strict mode line is absent. */
  g_assert_cmpint (PRIO (g_strdup ("HALT")), ==, -1);
#undef PRIO
}

static void
test_empty_and_invalid (void)
{
  static const BootOrderDevice bad[] = {
    { BOOT_ORDER_IDE, 32, 0, 0, 0 },
    { BOOT_ORDER_IDE, 1, 8, 0, 0 },
    { BOOT_ORDER_IDE, 1, 1, 2, 0 },
    { BOOT_ORDER_IDE, 1, 1, 0, 2 },
    { BOOT_ORDER_VIRTIO_BLK, 0xff, 0, 0, 0 },
    { BOOT_ORDER_VIRTIO_BLK, 3, 0xff, 0, 0 },
    { (BootOrderKind) 7, 3, 0, 0, 0 },
  };
  static const BootOrderDevice good = { BOOT_ORDER_VIRTIO_BLK, 3, 0, 0, 0 };
  g_autofree char *empty = build (NULL, 0);

  g_assert_cmpstr (empty, ==, "");
  for (unsigned i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      BootOrderDevice pair[2] = { good, bad[i] };
      char *text = (char *) 1;

      g_assert_cmpint (boot_order_build (pair, 2, &text), ==, -EINVAL);
      g_assert_null (text);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vmm/boot-order/ide-paths", test_ide_paths);
  g_test_add_func ("/vmm/boot-order/virtio-blk-paths", test_virtio_blk_paths);
  g_test_add_func ("/vmm/boot-order/priorities", test_priorities);
  g_test_add_func ("/vmm/boot-order/empty-and-invalid", test_empty_and_invalid);

  return g_test_run ();
}
