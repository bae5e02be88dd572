/* test-ide.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>

#include "ide-test-harness.h"
#include "pci/pci-host.h"

#define DISK_SIZE     (4u << 20)          /* 8192 sectors */
#define DISK_SECTORS  (DISK_SIZE / 512)

/* Primary master: a disk; secondary: empty. */
static BlockFile *
setup_disk (Harness *h,
            bool     read_only)
{
  IdeDriveConfig drives[2][2] = { { { 0 } } };
  char *path = make_image (h, DISK_SIZE, DISK_SIZE);
  BlockFile *bf = open_image (path, read_only);

  drives[0][0] = (IdeDriveConfig) { IDE_DRIVE_DISK, bf, "TESTSERIAL" };
  harness_init (h, drives);
  return bf;
}

static void
read_file (Harness  *h,
           uint64_t  offset,
           void     *buf,
           size_t    len)
{
  int fd = open (h->paths[0], O_RDONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, buf, len, (off_t) offset), ==, (ssize_t) len);
  close (fd);
}

static void
check_pattern (const uint8_t *buf,
               uint64_t       offset,
               size_t         len)
{
  for (size_t i = 0; i < len; i++)
    if (buf[i] != pattern_byte (offset + i))
      g_error ("byte %zu of a read at %" G_GUINT64_FORMAT " is %02x, not %02x", i, offset,
               buf[i], pattern_byte (offset + i));
}

static void
set_lba28 (IdeChannel *ch,
           unsigned    dev,
           uint32_t    lba,
           uint8_t     count)
{
  outb (ch, IDE_REG_SELECT, 0xe0 | (dev << 4) | ((lba >> 24) & 0x0f));
  outb (ch, IDE_REG_NSECTOR, count);
  outb (ch, IDE_REG_SECTOR, lba & 0xff);
  outb (ch, IDE_REG_LCYL, (lba >> 8) & 0xff);
  outb (ch, IDE_REG_HCYL, (lba >> 16) & 0xff);
}

static void
set_lba48 (IdeChannel *ch,
           uint64_t    lba,
           uint16_t    count)
{
  outb (ch, IDE_REG_SELECT, 0x40);
  outb (ch, IDE_REG_NSECTOR, count >> 8);
  outb (ch, IDE_REG_SECTOR, (lba >> 24) & 0xff);
  outb (ch, IDE_REG_LCYL, (lba >> 32) & 0xff);
  outb (ch, IDE_REG_HCYL, (lba >> 40) & 0xff);
  outb (ch, IDE_REG_NSECTOR, count & 0xff);
  outb (ch, IDE_REG_SECTOR, lba & 0xff);
  outb (ch, IDE_REG_LCYL, (lba >> 8) & 0xff);
  outb (ch, IDE_REG_HCYL, (lba >> 16) & 0xff);
}

/* Status after an error: ERR set, and the error register. */
static void
assert_error (IdeChannel *ch,
              uint8_t     error)
{
  uint8_t status = inb (ch, IDE_REG_STATUS);

  g_assert_cmphex (status & (IDE_STATUS_ERR | IDE_STATUS_BSY | IDE_STATUS_DRQ), ==,
                   IDE_STATUS_ERR);
  g_assert_cmphex (inb (ch, IDE_REG_ERROR), ==, error);
}

static void
test_pci_config (void)
{
  Harness h = { 0 };
  PciDevice *pci;

  setup_disk (&h, false);
  pci = piix_ide_pci_device (h.ide);
  g_assert_cmphex (pci_device_config_read (pci, PCI_VENDOR_ID, 2), ==, 0x8086);
  g_assert_cmphex (pci_device_config_read (pci, PCI_DEVICE_ID, 2), ==, 0x7010);
  g_assert_cmphex (pci_device_config_read (pci, PCI_REVISION_ID, 4) >> 8, ==, 0x010180);
  g_assert_cmphex (pci_device_config_read (pci, PCI_INTERRUPT_PIN, 1), ==, 0);
  /* BAR4: 16 bytes of I/O. */
  g_assert_cmphex (pci_device_config_read (pci, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0x1);
  pci_device_config_write (pci, PCI_BASE_ADDRESS_0 + 16, 0xffffffff, 4);
  g_assert_cmphex (pci_device_config_read (pci, PCI_BASE_ADDRESS_0 + 16, 4) & 0xffff, ==, 0xfff1);
  g_assert_cmpuint (pci_device_bar_size (pci, 4), ==, 16);
  for (unsigned bar = 0; bar < 4; bar++)
    g_assert_cmphex (pci_device_config_read (pci, PCI_BASE_ADDRESS_0 + 4 * bar, 4), ==, 0);

  /* What SeaBIOS's piix_ide_setup writes, and Linux's ata_piix checks. */
  g_assert_cmphex (pci_device_config_read (pci, 0x40, 2), ==, 0);
  pci_device_config_write (pci, PIIX_IDE_IDETIM_PRI, PIIX_IDE_IDETIM_DECODE, 2);
  pci_device_config_write (pci, PIIX_IDE_IDETIM_SEC, PIIX_IDE_IDETIM_DECODE, 2);
  pci_device_config_write (pci, PIIX_IDE_SIDETIM, 0x5a, 1);
  g_assert_cmphex (pci_device_config_read (pci, 0x40, 4), ==, 0x80008000);
  g_assert_cmphex (pci_device_config_read (pci, 0x44, 1), ==, 0x5a);
  pci_device_reset (pci);
  g_assert_cmphex (pci_device_config_read (pci, 0x40, 4), ==, 0);
  harness_destroy (&h);
}

static void
test_signature_and_probe (void)
{
  Harness h = { 0 };
  IdeChannel *ch;

  setup_disk (&h, false);
  ch = h.ch[0];
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  g_assert_cmphex (inb (ch, IDE_REG_ERROR), ==, 0x01);
  g_assert_cmphex (inb (ch, IDE_REG_NSECTOR), ==, 1);
  g_assert_cmphex (inb (ch, IDE_REG_SECTOR), ==, 1);
  g_assert_cmphex (inb (ch, IDE_REG_LCYL), ==, 0);
  g_assert_cmphex (inb (ch, IDE_REG_HCYL), ==, 0);

  /* SeaBIOS's ata_detect on each device: the registers of a present
   * master and of the absent slave hold what was written; the absent slave's
   * status reads 0, which ends its detection. */
  for (unsigned dev = 0; dev < 2; dev++)
    {
      uint8_t dh = 0xa0 | (dev << 4);

      outb (ch, IDE_REG_SELECT, dh);
      outb (ch, IDE_REG_NSECTOR, 0x55);
      outb (ch, IDE_REG_SECTOR, 0xaa);
      g_assert_cmphex (inb (ch, IDE_REG_SELECT), ==, dh);
      g_assert_cmphex (inb (ch, IDE_REG_NSECTOR), ==, 0x55);
      g_assert_cmphex (inb (ch, IDE_REG_SECTOR), ==, 0xaa);
    }
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, 0);
  g_assert_cmphex (alt_status (ch), ==, 0);

  /* SRST: signatures again, device 0 selected. */
  outb (ch, IDE_REG_SELECT, 0xa0);
  device_control (ch, IDE_CTRL_SRST | IDE_CTRL_NIEN);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_BSY);
  outb (ch, IDE_REG_SELECT, 0xb0);
  device_control (ch, IDE_CTRL_NIEN);
  g_assert_cmphex (inb (ch, IDE_REG_SELECT) & IDE_SELECT_DEV, ==, 0);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  g_assert_cmphex (inb (ch, IDE_REG_NSECTOR), ==, 1);
  g_assert_cmphex (inb (ch, IDE_REG_SECTOR), ==, 1);

  /* An empty channel reads as zeros and ignores commands. */
  outb (h.ch[1], IDE_REG_NSECTOR, 0x55);
  g_assert_cmphex (inb (h.ch[1], IDE_REG_NSECTOR), ==, 0);
  outb (h.ch[1], IDE_REG_STATUS, 0xec);
  g_assert_cmphex (inb (h.ch[1], IDE_REG_STATUS), ==, 0);
  g_assert_cmpuint (h.irq_rec[1].raises, ==, 0);

  /* EXECUTE DEVICE DIAGNOSTIC: code 01h, interrupt from device 0. */
  device_control (ch, 0);
  outb (ch, IDE_REG_SELECT, 0xb0);
  outb (ch, IDE_REG_STATUS, 0x90);
  g_assert_true (h.irq_rec[0].level);
  g_assert_cmphex (inb (ch, IDE_REG_ERROR), ==, 0x01);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  g_assert_false (h.irq_rec[0].level);
  harness_destroy (&h);
}

static void
get_identify (IdeChannel *ch,
              uint8_t     cmd,
              uint16_t   *words)
{
  outb (ch, IDE_REG_STATUS, cmd);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==,
                   IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ);
  for (unsigned i = 0; i < 256; i++)
    words[i] = inw (ch);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
}

static void
id_string (const uint16_t *words,
           unsigned        n_words,
           char           *out)
{
  for (unsigned i = 0; i < n_words; i++)
    {
      out[2 * i] = words[i] >> 8;
      out[2 * i + 1] = words[i] & 0xff;
    }
  out[2 * n_words] = '\0';
  g_strchomp (out);
}

static void
test_identify (void)
{
  Harness h = { 0 };
  uint16_t w[256];
  char s[41];

  setup_disk (&h, false);
  outb (h.ch[0], IDE_REG_SELECT, 0xa0);
  get_identify (h.ch[0], 0xec, w);
  g_assert_cmpuint (h.irq_rec[0].raises, ==, 1);
  g_assert_cmphex (w[0], ==, 0x0040);
  id_string (w + 27, 20, s);
  g_assert_cmpstr (s, ==, "Guesthouse HARDDISK");
  id_string (w + 10, 10, s);
  g_assert_cmpstr (s, ==, "TESTSERIAL");
  id_string (w + 23, 4, s);
  g_assert_cmpstr (s, ==, PACKAGE_VERSION);
  g_assert_cmpuint (w[1], ==, DISK_SECTORS / (16 * 63));
  g_assert_cmpuint (w[3], ==, 16);
  g_assert_cmpuint (w[6], ==, 63);
  g_assert_cmpuint (w[60] | (uint32_t) w[61] << 16, ==, DISK_SECTORS);
  g_assert_cmpuint (w[100] | (uint64_t) w[101] << 16, ==, DISK_SECTORS);
  g_assert_cmpuint (w[102] | w[103], ==, 0);
  g_assert_cmphex (w[47], ==, 0x8010);
  g_assert_cmphex (w[49] & 0x0300, ==, 0x0300);
  g_assert_cmphex (w[83] & 0xc400, ==, 0x4400);      /* LBA48 */
  g_assert_cmphex (w[86] & 0x0400, ==, 0x0400);
  g_assert_cmphex (w[63] & 0x07, ==, 0x07);           /* MWDMA 0-2 */
  g_assert_cmphex (w[88] & 0x3f, ==, 0x3f);           /* UDMA 0-5 */
  g_assert_cmphex (w[93] & 0x4001, ==, 0x4001);

  /* SET FEATURES: UDMA 5, then it is the selected mode. */
  outb (h.ch[0], IDE_REG_ERROR, 0x03);
  outb (h.ch[0], IDE_REG_NSECTOR, 0x45);
  outb (h.ch[0], IDE_REG_STATUS, 0xef);
  g_assert_cmphex (inb (h.ch[0], IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  get_identify (h.ch[0], 0xec, w);
  g_assert_cmphex (w[88], ==, 0x203f);
  g_assert_cmphex (w[63], ==, 0x0007);
  /* A mode that does not exist. */
  outb (h.ch[0], IDE_REG_NSECTOR, 0x47);
  outb (h.ch[0], IDE_REG_STATUS, 0xef);
  assert_error (h.ch[0], IDE_ERROR_ABRT);

  /* IDENTIFY PACKET DEVICE is not for a disk. */
  outb (h.ch[0], IDE_REG_STATUS, 0xa1);
  assert_error (h.ch[0], IDE_ERROR_ABRT);
  harness_destroy (&h);
}

static void
test_pio_read_lba28 (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  uint8_t buf[512];

  setup_disk (&h, false);
  ch = h.ch[0];
  set_lba28 (ch, 0, 5, 3);
  outb (ch, IDE_REG_STATUS, 0x20);
  for (unsigned s = 0; s < 3; s++)
    {
      /* An interrupt for each sector. */
      g_assert_true (h.irq_rec[0].level);
      g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==,
                       IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ);
      g_assert_false (h.irq_rec[0].level);
      read_data (ch, buf, sizeof buf);
      check_pattern (buf, (5 + s) * 512ull, sizeof buf);
    }
  g_assert_false (h.irq_rec[0].level);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  g_assert_cmpuint (h.irq_rec[0].raises, ==, 3);

  /* 32-bit data port accesses work the same. */
  set_lba28 (ch, 0, 100, 1);
  outb (ch, IDE_REG_STATUS, 0x20);
  for (unsigned i = 0; i < 512; i += 4)
    {
      uint32_t v = (uint32_t) ide_command_block_ops.read (ch, 0, 4);

      memcpy (buf + i, &v, 4);
    }
  check_pattern (buf, 100 * 512ull, sizeof buf);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);

  /* Count 0 means 256 sectors. */
  set_lba28 (ch, 0, 0, 0);
  outb (ch, IDE_REG_STATUS, 0x20);
  for (unsigned s = 0; s < 256; s++)
    {
      g_assert_cmphex (inb (ch, IDE_REG_STATUS) & IDE_STATUS_DRQ, ==, IDE_STATUS_DRQ);
      read_data (ch, buf, sizeof buf);
    }
  check_pattern (buf, 255 * 512ull, sizeof buf);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  harness_destroy (&h);
}

/* Bytes i and i + 1 of sector s of a write: seed + s + i. */
static uint16_t
written_word (uint8_t  seed,
              unsigned s,
              unsigned i)
{
  return (uint16_t) ((seed + s + i) & 0xff) | (uint16_t) (((seed + s + i + 1) & 0xff) << 8);
}

/* Writes sectors as a driver does, acknowledging each interrupt with a
 * status read (an interrupt handler's). */
static void
write_sectors_pio (IdeChannel *ch,
                   unsigned    n_sectors,
                   uint8_t     seed)
{
  for (unsigned s = 0; s < n_sectors; s++)
    {
      g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ);
      for (unsigned i = 0; i < 512; i += 2)
        outw (ch, written_word (seed, s, i));
      if (s + 1 < n_sectors)
        inb (ch, IDE_REG_STATUS);
    }
}

/* One DRQ block of n_sectors, as check_written expects them. */
static void
write_sectors_pio_multiple (IdeChannel *ch,
                            unsigned    n_sectors,
                            uint8_t     seed)
{
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==,
                   IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ);
  for (unsigned s = 0; s < n_sectors; s++)
    for (unsigned i = 0; i < 512; i += 2)
      outw (ch, written_word (seed, s, i));
}

static void
check_written (Harness  *h,
               uint64_t  lba,
               unsigned  n_sectors,
               uint8_t   seed)
{
  uint8_t *buf = g_malloc (n_sectors * 512);

  read_file (h, lba * 512, buf, n_sectors * 512);
  for (unsigned s = 0; s < n_sectors; s++)
    for (unsigned i = 0; i < 512; i++)
      g_assert_cmphex (buf[s * 512 + i], ==, (uint8_t) (seed + s + i));
  g_free (buf);
}

static void
test_pio_write_lba48 (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  uint8_t buf[512];

  setup_disk (&h, false);
  ch = h.ch[0];
  set_lba48 (ch, 8000, 3);
  outb (ch, IDE_REG_STATUS, 0x34);
  /* The first block is asked for without an interrupt. */
  g_assert_cmpuint (h.irq_rec[0].raises, ==, 0);
  write_sectors_pio (ch, 1, 0x11);
  g_assert_cmpuint (h.irq_rec[0].raises, ==, 1);
  inb (ch, IDE_REG_STATUS);
  write_sectors_pio (ch, 2, 0x12);
  g_assert_cmpuint (h.irq_rec[0].raises, ==, 3);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  check_written (&h, 8000, 1, 0x11);
  check_written (&h, 8001, 2, 0x12);
  read_file (&h, 7999 * 512, buf, sizeof buf);
  check_pattern (buf, 7999 * 512, sizeof buf);

  /* Read it back with READ SECTORS EXT. */
  set_lba48 (ch, 8001, 1);
  outb (ch, IDE_REG_STATUS, 0x24);
  read_data (ch, buf, sizeof buf);
  for (unsigned i = 0; i < 512; i++)
    g_assert_cmphex (buf[i], ==, (uint8_t) (0x12 + i));

  /* LBA28 write, then FLUSH CACHE and FLUSH CACHE EXT. */
  set_lba28 (ch, 0, 0x123, 1);
  outb (ch, IDE_REG_STATUS, 0x30);
  write_sectors_pio (ch, 1, 0x77);
  check_written (&h, 0x123, 1, 0x77);
  outb (ch, IDE_REG_STATUS, 0xe7);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  outb (ch, IDE_REG_STATUS, 0xea);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);

  /* Write cache off (SET FEATURES 82h): IDENTIFY says so, writes still
   * work. */
  {
    uint16_t w[256];

    outb (ch, IDE_REG_ERROR, 0x82);
    outb (ch, IDE_REG_STATUS, 0xef);
    g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
    outb (ch, IDE_REG_STATUS, 0xec);
    for (unsigned i = 0; i < 256; i++)
      w[i] = inw (ch);
    g_assert_cmphex (w[85] & 0x0020, ==, 0);
    g_assert_cmphex (w[82] & 0x0020, ==, 0x0020);
    set_lba28 (ch, 0, 0x124, 1);
    outb (ch, IDE_REG_STATUS, 0x30);
    write_sectors_pio (ch, 1, 0x78);
    g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
    check_written (&h, 0x124, 1, 0x78);
  }
  harness_destroy (&h);
}

static void
test_multiple (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  uint8_t buf[4 * 512];
  unsigned raises;

  setup_disk (&h, false);
  ch = h.ch[0];
  /* Not a power of two: refused. */
  outb (ch, IDE_REG_NSECTOR, 3);
  outb (ch, IDE_REG_STATUS, 0xc6);
  assert_error (ch, IDE_ERROR_ABRT);
  outb (ch, IDE_REG_NSECTOR, 4);
  outb (ch, IDE_REG_STATUS, 0xc6);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);

  /* READ MULTIPLE of 6 sectors: a block of 4, then one of 2. */
  raises = h.irq_rec[0].raises;
  set_lba28 (ch, 0, 10, 6);
  outb (ch, IDE_REG_STATUS, 0xc4);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS) & IDE_STATUS_DRQ, ==, IDE_STATUS_DRQ);
  read_data (ch, buf, 4 * 512);
  check_pattern (buf, 10 * 512, 4 * 512);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS) & IDE_STATUS_DRQ, ==, IDE_STATUS_DRQ);
  read_data (ch, buf, 2 * 512);
  check_pattern (buf, 14 * 512, 2 * 512);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  g_assert_cmpuint (h.irq_rec[0].raises - raises, ==, 2);

  /* WRITE MULTIPLE EXT of 5 sectors. */
  set_lba48 (ch, 20, 5);
  outb (ch, IDE_REG_STATUS, 0x39);
  write_sectors_pio_multiple (ch, 4, 0x40);
  write_sectors_pio_multiple (ch, 1, 0x44);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  check_written (&h, 20, 4, 0x40);
  check_written (&h, 24, 1, 0x44);

  /* Multiple mode off: READ MULTIPLE is refused. */
  outb (ch, IDE_REG_NSECTOR, 0);
  outb (ch, IDE_REG_STATUS, 0xc6);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  set_lba28 (ch, 0, 10, 1);
  outb (ch, IDE_REG_STATUS, 0xc4);
  assert_error (ch, IDE_ERROR_ABRT);
  harness_destroy (&h);
}

static void
test_chs (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  uint8_t buf[512];

  setup_disk (&h, false);
  ch = h.ch[0];
  /* Cylinder 2, head 3, sector 4 with 16 heads and 63 sectors. */
  outb (ch, IDE_REG_SELECT, 0xa0 | 3);
  outb (ch, IDE_REG_NSECTOR, 1);
  outb (ch, IDE_REG_SECTOR, 4);
  outb (ch, IDE_REG_LCYL, 2);
  outb (ch, IDE_REG_HCYL, 0);
  outb (ch, IDE_REG_STATUS, 0x20);
  read_data (ch, buf, sizeof buf);
  check_pattern (buf, ((2 * 16 + 3) * 63 + 3) * 512ull, sizeof buf);

  /* Sector 0 does not exist. */
  outb (ch, IDE_REG_SECTOR, 0);
  outb (ch, IDE_REG_STATUS, 0x20);
  assert_error (ch, IDE_ERROR_IDNF);

  /* INITIALIZE DEVICE PARAMETERS: 4 heads, 32 sectors. */
  outb (ch, IDE_REG_SELECT, 0xa0 | 3);
  outb (ch, IDE_REG_NSECTOR, 32);
  outb (ch, IDE_REG_STATUS, 0x91);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  outb (ch, IDE_REG_SELECT, 0xa0 | 1);
  outb (ch, IDE_REG_NSECTOR, 1);
  outb (ch, IDE_REG_SECTOR, 2);
  outb (ch, IDE_REG_LCYL, 1);
  outb (ch, IDE_REG_HCYL, 0);
  outb (ch, IDE_REG_STATUS, 0x20);
  read_data (ch, buf, sizeof buf);
  check_pattern (buf, ((1 * 4 + 1) * 32 + 1) * 512ull, sizeof buf);

  /* A geometry of 0 sectors: every CHS access is IDNF, no division by
   * zero. */
  outb (ch, IDE_REG_NSECTOR, 0);
  outb (ch, IDE_REG_STATUS, 0x91);
  outb (ch, IDE_REG_NSECTOR, 1);
  outb (ch, IDE_REG_SECTOR, 1);
  outb (ch, IDE_REG_STATUS, 0x20);
  assert_error (ch, IDE_ERROR_IDNF);
  outb (ch, IDE_REG_STATUS, 0xec);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS) & IDE_STATUS_DRQ, ==, IDE_STATUS_DRQ);
  harness_destroy (&h);
}

static void
test_past_end (void)
{
  Harness h = { 0 };
  IdeChannel *ch;

  setup_disk (&h, false);
  ch = h.ch[0];
  set_lba28 (ch, 0, DISK_SECTORS - 1, 2);
  outb (ch, IDE_REG_STATUS, 0x20);
  assert_error (ch, IDE_ERROR_IDNF);
  g_assert_true (h.irq_rec[0].raises > 0);
  set_lba28 (ch, 0, DISK_SECTORS, 1);
  outb (ch, IDE_REG_STATUS, 0x30);
  assert_error (ch, IDE_ERROR_IDNF);
  set_lba48 (ch, G_GUINT64_CONSTANT (0xffffffffffff), 0);
  outb (ch, IDE_REG_STATUS, 0x24);
  assert_error (ch, IDE_ERROR_IDNF);
  set_lba48 (ch, G_GUINT64_CONSTANT (0xffffffffffff), 0);
  outb (ch, IDE_REG_STATUS, 0x25);
  assert_error (ch, IDE_ERROR_IDNF);
  set_lba28 (ch, 0, DISK_SECTORS - 1, 2);
  outb (ch, IDE_REG_STATUS, 0x40);
  assert_error (ch, IDE_ERROR_IDNF);
  /* The last sector itself is fine. */
  set_lba28 (ch, 0, DISK_SECTORS - 1, 1);
  outb (ch, IDE_REG_STATUS, 0x40);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  set_lba48 (ch, DISK_SECTORS - 1, 1);
  outb (ch, IDE_REG_STATUS, 0x42);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  harness_destroy (&h);
}

static void
test_read_only (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  uint8_t buf[512];

  setup_disk (&h, true);
  ch = h.ch[0];
  set_lba28 (ch, 0, 1, 1);
  outb (ch, IDE_REG_STATUS, 0x30);
  assert_error (ch, IDE_ERROR_ABRT);
  g_assert_cmphex (alt_status (ch) & IDE_STATUS_DRQ, ==, 0);
  set_lba48 (ch, 1, 1);
  outb (ch, IDE_REG_STATUS, 0x35);
  assert_error (ch, IDE_ERROR_ABRT);
  outb (ch, IDE_REG_STATUS, 0xc5);
  assert_error (ch, IDE_ERROR_ABRT);
  outb (ch, IDE_REG_STATUS, 0xca);
  assert_error (ch, IDE_ERROR_ABRT);
  set_lba28 (ch, 0, 1, 1);
  outb (ch, IDE_REG_STATUS, 0x20);
  read_data (ch, buf, sizeof buf);
  check_pattern (buf, 512, sizeof buf);
  harness_destroy (&h);
}

static void
test_io_errors (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  BlockFile *bf;
  int fd;

  bf = setup_disk (&h, false);
  ch = h.ch[0];
  /* Swap the image's descriptor for one that cannot read. */
  fd = open (h.paths[0], O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (dup2 (fd, bf->fd), ==, bf->fd);
  close (fd);
  set_lba28 (ch, 0, 7, 1);
  outb (ch, IDE_REG_STATUS, 0x20);
  assert_error (ch, IDE_ERROR_UNC);
  g_assert_cmphex (inb (ch, IDE_REG_SECTOR), ==, 7);

  /* And one that cannot write. */
  fd = open (h.paths[0], O_RDONLY);
  g_assert_cmpint (dup2 (fd, bf->fd), ==, bf->fd);
  close (fd);
  set_lba28 (ch, 0, 9, 1);
  outb (ch, IDE_REG_STATUS, 0x30);
  write_sectors_pio (ch, 1, 0);
  assert_error (ch, IDE_ERROR_ABRT);
  harness_destroy (&h);
}

static void
test_unknown_opcodes (void)
{
  static const uint8_t invalid[] = { 0x00, 0x03, 0x08, 0x50, 0x87, 0xa0, 0xa1, 0xb0, 0xb1,
                                     0xf8, 0x27, 0xff };
  Harness h = { 0 };
  IdeChannel *ch;

  setup_disk (&h, false);
  ch = h.ch[0];
  for (unsigned i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      unsigned raises = h.irq_rec[0].raises;

      outb (ch, IDE_REG_STATUS, invalid[i]);
      g_assert_cmpuint (h.irq_rec[0].raises, ==, raises + 1);
      assert_error (ch, IDE_ERROR_ABRT);
    }
  /* SET FEATURES with an unknown subcommand. */
  outb (ch, IDE_REG_ERROR, 0x99);
  outb (ch, IDE_REG_STATUS, 0xef);
  assert_error (ch, IDE_ERROR_ABRT);

  /* Every opcode, with whatever the registers hold: never BSY afterwards,
   * and a reset always brings the drive back. */
  for (unsigned op = 0; op < 256; op++)
    {
      if (op == 0x90)
        continue;
      set_lba28 (ch, 0, 0, 1);
      outb (ch, IDE_REG_STATUS, op);
      g_assert_cmphex (alt_status (ch) & IDE_STATUS_BSY, ==, 0);
      device_control (ch, IDE_CTRL_SRST);
      device_control (ch, 0);
      g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
    }
  harness_destroy (&h);
}

static void
test_absent_slave (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  unsigned raises;

  setup_disk (&h, false);
  ch = h.ch[0];
  raises = h.irq_rec[0].raises;
  outb (ch, IDE_REG_SELECT, 0xb0);
  outb (ch, IDE_REG_STATUS, 0xec);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, 0);
  g_assert_cmphex (inb (ch, IDE_REG_ERROR), ==, 0);
  g_assert_cmphex (inw (ch), ==, 0);
  outb (ch, IDE_REG_STATUS, 0x20);
  g_assert_cmphex (alt_status (ch), ==, 0);
  g_assert_cmpuint (h.irq_rec[0].raises, ==, raises);
  /* The master did not take the slave's commands. */
  outb (ch, IDE_REG_SELECT, 0xa0);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  harness_destroy (&h);
}

static void
test_data_port_without_drq (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  uint8_t before[512];

  setup_disk (&h, false);
  ch = h.ch[0];
  read_file (&h, 0, before, sizeof before);
  for (unsigned i = 0; i < 1000; i++)
    {
      g_assert_cmphex (inw (ch), ==, 0);
      outw (ch, 0xdead);
      ide_command_block_ops.write (ch, 0, 0xffffffff, 4);
      ide_command_block_ops.write (ch, 0, 0xff, 1);
    }
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  check_pattern (before, 0, sizeof before);
  read_file (&h, 0, before, sizeof before);
  check_pattern (before, 0, sizeof before);

  /* Writes to the data port of a read, reads of a write: ignored. */
  set_lba28 (ch, 0, 3, 1);
  outb (ch, IDE_REG_STATUS, 0x30);
  g_assert_cmphex (inw (ch), ==, 0);
  device_control (ch, IDE_CTRL_SRST);
  device_control (ch, 0);
  read_file (&h, 3 * 512, before, sizeof before);
  check_pattern (before, 3 * 512, sizeof before);
  harness_destroy (&h);
}

static void
test_srst_mid_command (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  uint8_t buf[512];

  setup_disk (&h, false);
  ch = h.ch[0];
  set_lba28 (ch, 0, 40, 4);
  outb (ch, IDE_REG_STATUS, 0x20);
  read_data (ch, buf, 256);
  device_control (ch, IDE_CTRL_SRST);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_BSY);
  g_assert_false (h.irq_rec[0].level);
  /* Registers are ignored while busy. */
  outb (ch, IDE_REG_STATUS, 0xec);
  device_control (ch, 0);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  g_assert_cmphex (inb (ch, IDE_REG_NSECTOR), ==, 1);
  g_assert_cmphex (inw (ch), ==, 0);

  /* A write interrupted the same way leaves the file alone. */
  set_lba28 (ch, 0, 50, 1);
  outb (ch, IDE_REG_STATUS, 0x30);
  for (unsigned i = 0; i < 100; i++)
    outw (ch, 0);
  device_control (ch, IDE_CTRL_SRST);
  device_control (ch, 0);
  for (unsigned i = 0; i < 200; i++)
    outw (ch, 0);
  read_file (&h, 50 * 512, buf, sizeof buf);
  check_pattern (buf, 50 * 512, sizeof buf);

  /* Then the drive works normally. */
  set_lba28 (ch, 0, 41, 1);
  outb (ch, IDE_REG_STATUS, 0x20);
  read_data (ch, buf, sizeof buf);
  check_pattern (buf, 41 * 512, sizeof buf);
  harness_destroy (&h);
}

static void
test_nien (void)
{
  Harness h = { 0 };
  IdeChannel *ch;

  setup_disk (&h, false);
  ch = h.ch[0];
  device_control (ch, IDE_CTRL_NIEN);
  outb (ch, IDE_REG_STATUS, 0xe7);
  g_assert_false (h.irq_rec[0].level);
  device_control (ch, 0);
  g_assert_true (h.irq_rec[0].level);
  /* The alternate status does not acknowledge; the status does. */
  alt_status (ch);
  g_assert_true (h.irq_rec[0].level);
  inb (ch, IDE_REG_STATUS);
  g_assert_false (h.irq_rec[0].level);
  /* The bus-master interrupt bit followed it; write 1 to clear. */
  g_assert_cmphex (bm_status (ch) & IDE_BM_STATUS_INTR, ==, IDE_BM_STATUS_INTR);
  bm_write8 (ch, IDE_BM_STATUS, IDE_BM_STATUS_INTR | IDE_BM_STATUS_DMA_CAP);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_DMA_CAP);
  harness_destroy (&h);
}

#define PRD_TABLE  0x1000
#define DMA_BUF    0x10000

static void
test_dma_read_write (void)
{
  Harness h = { 0 };
  IdeChannel *ch;

  setup_disk (&h, false);
  ch = h.ch[0];
  /* Two PRDs, the second across a 64 KiB count (0 = 65536 bytes). */
  put_prd (&h, PRD_TABLE, 0, DMA_BUF, 1024, false);
  put_prd (&h, PRD_TABLE, 1, 0x40000, 0, true);
  bm_setup (ch, PRD_TABLE, true);
  set_lba28 (ch, 0, 30, 130);
  outb (ch, IDE_REG_STATUS, 0xc8);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ);
  g_assert_false (h.irq_rec[0].level);
  bm_start (ch, true);
  g_assert_true (h.irq_rec[0].level);
  /* Exactly the table: ACTIVE clear. */
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  check_pattern (h.ram + DMA_BUF, 30 * 512, 1024);
  check_pattern (h.ram + 0x40000, 32 * 512, 65536);
  bm_write8 (ch, IDE_BM_CMD, 0);

  /* WRITE DMA EXT with the engine started first (Linux's order is the
   * other way round; both work). */
  for (unsigned i = 0; i < 2048; i++)
    h.ram[DMA_BUF + i] = (uint8_t) (0x33 + (i % 512) + i / 512);
  put_prd (&h, PRD_TABLE, 0, DMA_BUF, 2048, true);
  bm_setup (ch, PRD_TABLE, false);
  bm_start (ch, false);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_ACTIVE);
  set_lba48 (ch, 600, 4);
  outb (ch, IDE_REG_STATUS, 0x35);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  check_written (&h, 600, 4, 0x33);
  bm_write8 (ch, IDE_BM_CMD, 0);

  /* PRDs longer than the transfer: success, ACTIVE stays set. */
  put_prd (&h, PRD_TABLE, 0, DMA_BUF, 4096, true);
  bm_setup (ch, PRD_TABLE, true);
  set_lba28 (ch, 0, 1, 1);
  outb (ch, IDE_REG_STATUS, 0xc8);
  bm_start (ch, true);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR | IDE_BM_STATUS_ACTIVE);
  g_assert_cmphex (inb (ch, IDE_REG_STATUS), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  check_pattern (h.ram + DMA_BUF, 512, 512);
  bm_write8 (ch, IDE_BM_CMD, 0);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR);
  harness_destroy (&h);
}

static void
test_dma_bad_tables (void)
{
  Harness h = { 0 };
  IdeChannel *ch;
  uint8_t before[1024];

  setup_disk (&h, false);
  ch = h.ch[0];

  /* A buffer outside RAM: master abort, ERROR, drive ABRT. */
  put_prd (&h, PRD_TABLE, 0, RAM_SIZE - 256, 512, true);
  bm_setup (ch, PRD_TABLE, true);
  set_lba28 (ch, 0, 0, 1);
  outb (ch, IDE_REG_STATUS, 0xc8);
  bm_start (ch, true);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR | IDE_BM_STATUS_ERROR);
  assert_error (ch, IDE_ERROR_ABRT);
  bm_write8 (ch, IDE_BM_CMD, 0);

  /* The table itself outside RAM. */
  bm_setup (ch, 0xfffffff8u, true);
  outb (ch, IDE_REG_STATUS, 0xc8);
  bm_start (ch, true);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_INTR | IDE_BM_STATUS_ERROR);
  assert_error (ch, IDE_ERROR_ABRT);
  bm_write8 (ch, IDE_BM_CMD, 0);

  /* A write from outside RAM leaves the disk alone. */
  read_file (&h, 0, before, sizeof before);
  put_prd (&h, PRD_TABLE, 0, DMA_BUF, 512, false);
  put_prd (&h, PRD_TABLE, 1, 0x7ffffe00u, 512, true);
  bm_setup (ch, PRD_TABLE, false);
  set_lba28 (ch, 0, 0, 2);
  outb (ch, IDE_REG_STATUS, 0xca);
  bm_start (ch, false);
  g_assert_cmphex (bm_status (ch) & IDE_BM_STATUS_ERROR, ==, IDE_BM_STATUS_ERROR);
  assert_error (ch, IDE_ERROR_ABRT);
  bm_write8 (ch, IDE_BM_CMD, 0);
  read_file (&h, 0, before + 512, 512);
  check_pattern (before + 512, 0, 512);

  /* A table shorter than the transfer: the engine stops, no interrupt,
   * the drive is no longer busy; what fitted was moved. */
  memset (h.ram + DMA_BUF, 0, 2048);
  put_prd (&h, PRD_TABLE, 0, DMA_BUF, 512, true);
  bm_setup (ch, PRD_TABLE, true);
  set_lba28 (ch, 0, 8, 2);
  outb (ch, IDE_REG_STATUS, 0xc8);
  inb (ch, IDE_REG_STATUS);
  bm_start (ch, true);
  g_assert_cmphex (bm_status (ch), ==, 0);
  g_assert_false (h.irq_rec[0].level);
  g_assert_cmphex (alt_status (ch) & (IDE_STATUS_BSY | IDE_STATUS_DRQ), ==, 0);
  g_assert_cmphex (h.ram[DMA_BUF + 600], ==, 0);
  bm_write8 (ch, IDE_BM_CMD, 0);

  /* No end-of-table bit anywhere: the walk stops after one 64 KiB page of
   * entries (2 bytes each here, 16 KiB in all) for a 32 KiB read. */
  for (unsigned i = 0; i < IDE_PRD_MAX_ENTRIES; i++)
    put_prd (&h, 0x100000, i, 0x200000 + 2 * i, 2, false);
  put_prd (&h, 0x100000, IDE_PRD_MAX_ENTRIES, 0x300000, 0, true);
  bm_setup (ch, 0x100000, true);
  set_lba28 (ch, 0, 64, 64);
  outb (ch, IDE_REG_STATUS, 0xc8);
  bm_start (ch, true);
  g_assert_cmphex (bm_status (ch), ==, 0);
  check_pattern (h.ram + 0x200000, 64 * 512, 16384);
  g_assert_cmphex (h.ram[0x300000], ==, 0);
  bm_write8 (ch, IDE_BM_CMD, 0);

  /* Odd addresses and a misaligned table are rounded the way the chip
   * wires them: bit 0 of a buffer and bits 1:0 of the table are 0. */
  ide_channel_bm_write (ch, IDE_BM_PRD_TABLE, 0x12345677, 4);
  g_assert_cmphex (ide_channel_bm_read (ch, IDE_BM_PRD_TABLE, 4), ==, 0x12345674);

  /* Starting the engine with no DMA command does nothing. */
  bm_setup (ch, PRD_TABLE, true);
  bm_start (ch, true);
  g_assert_cmphex (bm_status (ch), ==, IDE_BM_STATUS_ACTIVE);
  bm_write8 (ch, IDE_BM_CMD, 0);
  g_assert_cmphex (alt_status (ch), ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  harness_destroy (&h);
}

/* Random accesses to every register of both channels, with a CD-ROM and a
 * disk on the primary channel and a read-only disk on the secondary, and
 * PRD tables of random bytes in RAM. Nothing may crash, hang or trip the
 * sanitizers. */
static void
test_fuzz (void)
{
  IdeDriveConfig drives[2][2] = { { { 0 } } };
  Harness h = { 0 };
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  char *disk = make_image (&h, 1 << 20, 1 << 20);
  char *cd = make_image (&h, 1 << 20, 1 << 20);
  char *ro = make_image (&h, 1 << 20, 1 << 20);

  drives[0][0] = (IdeDriveConfig) { IDE_DRIVE_DISK, open_image (disk, false), NULL };
  drives[0][1] = (IdeDriveConfig) { IDE_DRIVE_CDROM, open_image (cd, true), NULL };
  drives[1][1] = (IdeDriveConfig) { IDE_DRIVE_DISK, open_image (ro, true), NULL };
  harness_init (&h, drives);
  for (unsigned i = 0; i < 0x20000; i++)
    h.ram[i] = (uint8_t) g_rand_int (rand);
  for (unsigned iter = 0; iter < 200000; iter++)
    {
      IdeChannel *ch = h.ch[g_rand_int_range (rand, 0, 2)];
      unsigned what = g_rand_int_range (rand, 0, 100);
      unsigned size = 1u << g_rand_int_range (rand, 0, 3);
      uint32_t value = g_rand_int (rand);
      unsigned reg = g_rand_int_range (rand, 0, 9);

      if (what < 15)
        ide_command_block_ops.read (ch, reg, size);
      else if (what < 25)
        {
          /* A burst on the data port, as a driver draining a block. */
          unsigned n = g_rand_int_range (rand, 1, 600);

          for (unsigned i = 0; i < n; i++)
            {
              if (what < 20)
                ide_command_block_ops.read (ch, IDE_REG_DATA, size);
              else
                ide_command_block_ops.write (ch, IDE_REG_DATA, g_rand_int (rand), size);
            }
        }
      else if (what < 45)
        ide_command_block_ops.write (ch, reg, value & 0xff, 1);
      else if (what < 60)
        {
          /* A command as a driver sets it up, mostly one a driver uses. */
          static const uint8_t cmds[] = { 0x20, 0x24, 0x29, 0x30, 0x34, 0x39, 0xc4, 0xc5, 0xc8,
                                          0xca, 0x25, 0x35, 0xa0, 0xa0, 0xa0, 0xa1, 0xec, 0x08,
                                          0x90, 0xef, 0xc6, 0x91, 0x40, 0x42, 0xe7, 0xe5 };
          uint8_t cmd = g_rand_int_range (rand, 0, 4) == 0
                        ? (uint8_t) value : cmds[g_rand_int_range (rand, 0, G_N_ELEMENTS (cmds))];

          /* Mostly addresses inside the 1 MiB images, LBA and CHS. */
          outb (ch, IDE_REG_SELECT, (g_rand_boolean (rand) ? 0xe0 : 0xa0)
                                    | (g_rand_boolean (rand) ? 0x10 : 0)
                                    | (g_rand_int_range (rand, 0, 8) == 0 ? value & 0x0f : 0));
          for (unsigned hob = 0; hob < 2; hob++)
            {
              bool wild = g_rand_int_range (rand, 0, 8) == 0;

              outb (ch, IDE_REG_ERROR, g_rand_int_range (rand, 0, 4));
              outb (ch, IDE_REG_NSECTOR, hob == 0 && !wild ? 0 : g_rand_int_range (rand, 0, 40));
              outb (ch, IDE_REG_SECTOR, hob == 0 && !wild ? 0 : g_rand_int (rand) & 0xff);
              outb (ch, IDE_REG_LCYL, hob == 0 && !wild ? 0 : g_rand_int_range (rand, 0, 8));
              outb (ch, IDE_REG_HCYL, wild ? g_rand_int (rand) & 0xff : 0);
            }
          outb (ch, IDE_REG_STATUS, cmd);
        }
      else if (what < 70)
        {
          /* A packet of mostly real opcodes with random fields. */
          static const uint8_t ops[] = { 0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2b,
                                         0x43, 0x46, 0x4a, 0x51, 0x5a, 0xa8, 0xbb, 0xbd, 0xbe };
          uint8_t cdb[12];

          for (unsigned i = 0; i < 12; i++)
            cdb[i] = (uint8_t) g_rand_int (rand);
          if (g_rand_int_range (rand, 0, 4) != 0)
            cdb[0] = ops[g_rand_int_range (rand, 0, G_N_ELEMENTS (ops))];
          if (g_rand_boolean (rand))
            cdb[2] = cdb[3] = cdb[4] = 0;
          for (unsigned i = 0; i < 12; i += 2)
            outw (ch, (uint16_t) (cdb[i] | cdb[i + 1] << 8));
        }
      else if (what < 74)
        {
          /* SRST now and then; mostly other device control bits. */
          uint8_t ctl = value & 0xff;

          if (g_rand_int_range (rand, 0, 8) != 0)
            ctl &= ~IDE_CTRL_SRST;
          ide_control_block_ops.write (ch, g_rand_int_range (rand, 0, 2), ctl, 1);
        }
      else if (what < 76)
        ide_control_block_ops.read (ch, g_rand_int_range (rand, 0, 2), size);
      else if (what < 88)
        {
          unsigned bm = g_rand_int_range (rand, 0, 8);

          if (bm >= IDE_BM_PRD_TABLE && g_rand_boolean (rand))
            value = 0x2000;
          else if (bm == IDE_BM_CMD && g_rand_boolean (rand))
            value = IDE_BM_CMD_START | (value & IDE_BM_CMD_TO_MEMORY);
          ide_channel_bm_write (ch, bm, value, size);
        }
      else if (what < 94)
        ide_channel_bm_read (ch, g_rand_int_range (rand, 0, 9), size);
      else if (what < 96)
        piix_ide_eject (h.ide, 0, 1, g_rand_boolean (rand));
      else if (what < 98)
        {
          BlockFile *medium = open_image (cd, true);

          if (piix_ide_insert (h.ide, 0, 1, medium) < 0)
            {
              block_file_close (medium);
              free (medium);
            }
        }
      else if (what < 99)
        {
          /* New random PRD tables. */
          for (unsigned i = 0; i < 16; i++)
            put_prd (&h, 0x2000, i, g_rand_int_range (rand, 0, RAM_SIZE + 0x10000),
                     g_rand_int (rand), g_rand_int_range (rand, 0, 4) == 0);
        }
      else
        piix_ide_reset (h.ide);
    }
  g_rand_free (rand);
  harness_destroy (&h);
}

/* As the VMM wires it and SeaBIOS programs it: function 00:01.1 on the host
 * bridge, the legacy ports on the port bus, BAR4 where the firmware puts
 * it; then a DMA read through port accesses only. */
static void
test_on_pci_host (void)
{
  PciHostConfig config = { 0 };
  Harness h = { 0 };
  IoBus pio, mmio;
  PciHost *host;
  PciDevice *pci;
  uint32_t table = 0x1000, bm = 0xc000, value;
  uint64_t bar;
  uint8_t b;

  setup_disk (&h, false);
  io_bus_init (&pio);
  io_bus_init (&mmio);
  config.pio = &pio;
  config.mmio = &mmio;
  config.firmware_assigns = true;
  host = pci_host_new (&config);
  g_assert_nonnull (host);
  pci = piix_ide_pci_device (h.ide);
  g_assert_cmpint (pci_host_add_function (host, pci, 1, 1), ==, 1);
  for (unsigned ch = 0; ch < 2; ch++)
    {
      g_assert_cmpint (io_bus_insert (&pio, PIIX_IDE_CMD_PORT (ch), IDE_COMMAND_BLOCK_LEN,
                                      &ide_command_block_ops, h.ch[ch]), ==, 0);
      g_assert_cmpint (io_bus_insert (&pio, PIIX_IDE_CTRL_PORT (ch), IDE_CONTROL_BLOCK_LEN,
                                      &ide_control_block_ops, h.ch[ch]), ==, 0);
    }

  /* pciinit.c's piix_ide_setup and ata.c's init_pciata. */
  pci_device_config_write (pci, 0x40, 0x8000, 2);
  pci_device_config_write (pci, 0x42, 0x8000, 2);
  pci_device_config_write (pci, PCI_BASE_ADDRESS_0 + 16, bm | 1, 4);
  pci_device_config_write (pci, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
  g_assert_true (pci_device_bar_address (pci, 4, &bar));
  g_assert_cmphex (bar, ==, bm);

  put_prd (&h, table, 0, DMA_BUF, 1024, true);
  g_assert_true (io_bus_write (&pio, bm + IDE_BM_PRD_TABLE, &table, 4));
  b = IDE_BM_CMD_TO_MEMORY;
  io_bus_write (&pio, bm + IDE_BM_CMD, &b, 1);
  b = IDE_BM_STATUS_ERROR | IDE_BM_STATUS_INTR;
  io_bus_write (&pio, bm + IDE_BM_STATUS, &b, 1);
  b = 0xe0;
  io_bus_write (&pio, 0x1f6, &b, 1);
  b = 2;
  io_bus_write (&pio, 0x1f2, &b, 1);
  b = 9;
  io_bus_write (&pio, 0x1f3, &b, 1);
  b = 0;
  io_bus_write (&pio, 0x1f4, &b, 1);
  io_bus_write (&pio, 0x1f5, &b, 1);
  b = 0xc8;
  io_bus_write (&pio, 0x1f7, &b, 1);
  b = IDE_BM_CMD_START | IDE_BM_CMD_TO_MEMORY;
  io_bus_write (&pio, bm + IDE_BM_CMD, &b, 1);
  io_bus_read (&pio, bm + IDE_BM_STATUS, &b, 1);
  g_assert_cmphex (b, ==, IDE_BM_STATUS_INTR);
  value = 0;
  io_bus_read (&pio, 0x3f6, &value, 1);
  g_assert_cmphex (value, ==, IDE_STATUS_DRDY | IDE_STATUS_DSC);
  check_pattern (h.ram + DMA_BUF, 9 * 512, 1024);
  /* The secondary channel's engine is the second half of BAR4. */
  table = 0x12345678;
  io_bus_write (&pio, bm + IDE_BM_LEN + IDE_BM_PRD_TABLE, &table, 4);
  g_assert_cmphex (ide_channel_bm_read (h.ch[1], IDE_BM_PRD_TABLE, 4), ==, 0x12345678);

  /* A machine reset through the host: timing registers and engine back to
   * power-on. */
  pci_host_reset (host);
  g_assert_cmphex (pci_device_config_read (pci, 0x40, 4), ==, 0);
  g_assert_cmphex (ide_channel_bm_read (h.ch[1], IDE_BM_PRD_TABLE, 4), ==, 0);

  pci_host_free (host);
  io_bus_destroy (&pio);
  io_bus_destroy (&mmio);
  harness_destroy (&h);
}

static void
test_bad_config (void)
{
  IdeDriveConfig drives[2][2] = { { { 0 } } };
  IrqLine irq[2] = { { 0 } };
  GuestMemory mem = { 0 };
  VmmError err = { { 0 } };

  drives[1][0].kind = IDE_DRIVE_DISK;
  g_assert_null (piix_ide_new (&mem, drives, irq, &err));
  g_assert_nonnull (strstr (err.message, "no image"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vmm/ide/pci-config", test_pci_config);
  g_test_add_func ("/vmm/ide/signature-and-probe", test_signature_and_probe);
  g_test_add_func ("/vmm/ide/identify", test_identify);
  g_test_add_func ("/vmm/ide/pio-read-lba28", test_pio_read_lba28);
  g_test_add_func ("/vmm/ide/pio-write-lba48", test_pio_write_lba48);
  g_test_add_func ("/vmm/ide/multiple", test_multiple);
  g_test_add_func ("/vmm/ide/chs", test_chs);
  g_test_add_func ("/vmm/ide/past-end", test_past_end);
  g_test_add_func ("/vmm/ide/read-only", test_read_only);
  g_test_add_func ("/vmm/ide/io-errors", test_io_errors);
  g_test_add_func ("/vmm/ide/unknown-opcodes", test_unknown_opcodes);
  g_test_add_func ("/vmm/ide/absent-slave", test_absent_slave);
  g_test_add_func ("/vmm/ide/data-port-without-drq", test_data_port_without_drq);
  g_test_add_func ("/vmm/ide/srst-mid-command", test_srst_mid_command);
  g_test_add_func ("/vmm/ide/nien", test_nien);
  g_test_add_func ("/vmm/ide/dma-read-write", test_dma_read_write);
  g_test_add_func ("/vmm/ide/dma-bad-tables", test_dma_bad_tables);
  g_test_add_func ("/vmm/ide/fuzz", test_fuzz);
  g_test_add_func ("/vmm/ide/on-pci-host", test_on_pci_host);
  g_test_add_func ("/vmm/ide/bad-config", test_bad_config);

  return g_test_run ();
}
