/* test-pci-host.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>

#include "pci/pci-device.h"
#include "pci/pci-host.h"

/* A machine with nothing but the two buses, the host bridge, a counting MSI
 * sink and four recording INTx lines. */
typedef struct
{
  uint64_t address;
  uint32_t data;
} Msg;

typedef struct
{
  IoBus    pio;
  IoBus    mmio;
  PciHost *host;
  Msg      msgs[32];
  unsigned n_msgs;
  bool     line[PCI_HOST_N_INTX];
  unsigned line_changes[PCI_HOST_N_INTX];
  unsigned n_reset_requests;
} Machine;

typedef struct
{
  Machine *m;
  unsigned index;
} LineRef;

static LineRef line_refs[PCI_HOST_N_INTX];

static void
machine_msi (void     *opaque,
             uint64_t  address,
             uint32_t  data)
{
  Machine *m = opaque;

  g_assert_cmpuint (m->n_msgs, <, G_N_ELEMENTS (m->msgs));
  m->msgs[m->n_msgs++] = (Msg) { address, data };
}

static void
machine_set_line (void *opaque,
                  bool  level)
{
  LineRef *ref = opaque;

  ref->m->line[ref->index] = level;
  ref->m->line_changes[ref->index]++;
}

static void
machine_reset_request (void *opaque)
{
  Machine *m = opaque;

  m->n_reset_requests++;
}

/* firmware: the machine SeaBIOS boots, an i440FX without ECAM whose BIOS
 * assigns the BARs. */
static void
machine_init_full (Machine *m,
                   bool     firmware)
{
  PciHostConfig config = { 0 };

  memset (m, 0, sizeof *m);
  io_bus_init (&m->pio);
  io_bus_init (&m->mmio);
  config.pio = &m->pio;
  config.mmio = &m->mmio;
  config.ecam_base = firmware ? 0 : PCI_HOST_ECAM_BASE;
  config.firmware_assigns = firmware;
  config.msi = machine_msi;
  config.msi_opaque = m;
  config.reset_request = machine_reset_request;
  config.reset_opaque = m;
  for (unsigned i = 0; i < PCI_HOST_N_INTX; i++)
    {
      line_refs[i] = (LineRef) { m, i };
      config.intx[i] = (IrqLine) { machine_set_line, &line_refs[i] };
    }
  m->host = pci_host_new (&config);
  g_assert_nonnull (m->host);
}

static void
machine_init (Machine *m)
{
  machine_init_full (m, false);
}

static void
machine_destroy (Machine *m)
{
  pci_host_free (m->host);
  /* Everything the host and its devices put on the buses is gone. */
  g_assert_cmpuint (m->pio.n_ranges, ==, 0);
  g_assert_cmpuint (m->mmio.n_ranges, ==, 0);
  io_bus_destroy (&m->pio);
  io_bus_destroy (&m->mmio);
}

/* Mechanism #1, as a guest does it. */
static uint32_t
cf8_read (Machine  *m,
          uint8_t   bus,
          uint8_t   devfn,
          unsigned  reg,
          unsigned  size)
{
  uint32_t address = 0x80000000u | (uint32_t) bus << 16 | (uint32_t) devfn << 8 | (reg & 0xfc);
  uint32_t value = 0;

  g_assert_true (io_bus_write (&m->pio, 0xcf8, &address, 4));
  g_assert_true (io_bus_read (&m->pio, 0xcfc + (reg & 3), &value, size));
  return value;
}

static void
cf8_write (Machine  *m,
           uint8_t   bus,
           uint8_t   devfn,
           unsigned  reg,
           uint32_t  value,
           unsigned  size)
{
  uint32_t address = 0x80000000u | (uint32_t) bus << 16 | (uint32_t) devfn << 8 | (reg & 0xfc);

  g_assert_true (io_bus_write (&m->pio, 0xcf8, &address, 4));
  g_assert_true (io_bus_write (&m->pio, 0xcfc + (reg & 3), &value, size));
}

static uint64_t
ecam_addr (uint8_t  bus,
           uint8_t  devfn,
           unsigned reg)
{
  return PCI_HOST_ECAM_BASE + ((uint64_t) bus << 20) + ((uint64_t) devfn << 12) + reg;
}

static uint32_t
ecam_read (Machine  *m,
           uint8_t   devfn,
           unsigned  reg,
           unsigned  size)
{
  uint32_t value = 0;

  g_assert_true (io_bus_read (&m->mmio, ecam_addr (0, devfn, reg), &value, size));
  return value;
}

static void
ecam_write (Machine  *m,
            uint8_t   devfn,
            unsigned  reg,
            uint32_t  value,
            unsigned  size)
{
  g_assert_true (io_bus_write (&m->mmio, ecam_addr (0, devfn, reg), &value, size));
}

/* A function with BARs served by counting ops. */
typedef struct
{
  PciDevice *pci;
  bool       level;
  unsigned   n_reads;
  unsigned   n_writes;
  uint64_t   last_offset;
  uint64_t   last_value;
  unsigned   n_moves;
  unsigned   last_bar;
  bool       last_mapped;
  uint64_t   last_addr;
  unsigned   n_resets;
  unsigned   n_config_writes;
} FakeFn;

static uint64_t
fake_bar_read (void     *opaque,
               uint64_t  offset,
               unsigned  size)
{
  FakeFn *fn = opaque;

  fn->n_reads++;
  fn->last_offset = offset;
  return 0xa5a5a5a5a5a5a5a5ull;
}

static void
fake_bar_write (void     *opaque,
                uint64_t  offset,
                uint64_t  value,
                unsigned  size)
{
  FakeFn *fn = opaque;

  fn->n_writes++;
  fn->last_offset = offset;
  fn->last_value = value;
}

static const IoBusOps fake_bar_ops = { "fake-bar", fake_bar_read, fake_bar_write };

static bool
fake_intx_level (void *opaque)
{
  FakeFn *fn = opaque;

  return __atomic_load_n (&fn->level, __ATOMIC_SEQ_CST);
}

static void
fake_bar_moved (void     *opaque,
                unsigned  bar,
                bool      mapped,
                uint64_t  addr)
{
  FakeFn *fn = opaque;

  fn->n_moves++;
  fn->last_bar = bar;
  fn->last_mapped = mapped;
  fn->last_addr = addr;
}

static void
fake_reset (void *opaque)
{
  FakeFn *fn = opaque;

  fn->n_resets++;
}

static void
fake_config_write (void     *opaque,
                   unsigned  offset,
                   unsigned  size)
{
  FakeFn *fn = opaque;

  fn->n_config_writes++;
}

static const PciDeviceOps fake_ops = {
  .config_write = fake_config_write,
  .intx_level = fake_intx_level,
  .bar_moved = fake_bar_moved,
  .reset = fake_reset,
};

/* BAR 0: 32 I/O ports; BAR 1: 4 KiB 32-bit memory; BARs 2-3: 1 MiB 64-bit
 * prefetchable memory. */
static void
fake_fn_init (FakeFn *fn,
              uint8_t pin)
{
  PciDeviceInfo info = {
    .vendor_id = 0x1234,
    .device_id = 0x5678,
    .subsystem_vendor_id = 0x1af4,
    .subsystem_id = 0x1100,
    .revision = 3,
    .class_code = 0x020000,
    .interrupt_pin = pin,
  };

  memset (fn, 0, sizeof *fn);
  fn->pci = pci_device_new (&info, &fake_ops, fn);
  g_assert_nonnull (fn->pci);
  g_assert_cmpint (pci_device_set_bar (fn->pci, 0, PCI_BAR_IO, 0x20, false, &fake_bar_ops, fn),
                   ==, 0);
  g_assert_cmpint (pci_device_set_bar (fn->pci, 1, PCI_BAR_MEM32, 0x1000, false, &fake_bar_ops,
                                       fn), ==, 0);
  g_assert_cmpint (pci_device_set_bar (fn->pci, 2, PCI_BAR_MEM64, 0x100000, true, &fake_bar_ops,
                                       fn), ==, 0);
}

static void
test_type1_probe (void)
{
  Machine m;
  uint32_t value = 0x80000000u;
  uint8_t byte = 0x01;

  machine_init (&m);

  /* Linux's pci_check_type1(): a byte to 0xcfb, then CONFIG_ADDRESS must
   * read back what was written. */
  g_assert_true (io_bus_write (&m.pio, 0xcfb, &byte, 1));
  g_assert_true (io_bus_write (&m.pio, 0xcf8, &value, 4));
  value = 0;
  g_assert_true (io_bus_read (&m.pio, 0xcf8, &value, 4));
  g_assert_cmphex (value, ==, 0x80000000u);
  /* Reserved bits read 0. */
  value = 0xffffffffu;
  g_assert_true (io_bus_write (&m.pio, 0xcf8, &value, 4));
  g_assert_true (io_bus_read (&m.pio, 0xcf8, &value, 4));
  g_assert_cmphex (value, ==, 0x80fffffcu);

  /* The host bridge at 00:00.0. */
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x00, 4), ==, 0x12378086u);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x08, 4), ==, 0x06000002u);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x0e, 1), ==, 0x00);
  /* Any width at any offset of the data window. */
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x02, 2), ==, 0x1237);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x01, 1), ==, 0x80);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x0b, 1), ==, 0x06);

  /* Nobody home: an empty slot, another function, another bus. */
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (5, 0), 0, 4), ==, 0xffffffffu);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (0, 1), 0, 4), ==, 0xffffffffu);
  g_assert_cmphex (cf8_read (&m, 1, 0, 0, 4), ==, 0xffffffffu);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (5, 0), 0, 2), ==, 0xffff);

  /* With the enable bit clear the data port decodes nothing. */
  value = 0;
  g_assert_true (io_bus_write (&m.pio, 0xcf8, &value, 4));
  g_assert_true (io_bus_read (&m.pio, 0xcfc, &value, 4));
  g_assert_cmphex (value, ==, 0xffffffffu);

  /* The chipset registers after the header are scratch that reads back. */
  cf8_write (&m, 0, 0, 0x59, 0x30, 1);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x59, 1), ==, 0x30);
  /* ... but the header is not: the ids stay. */
  cf8_write (&m, 0, 0, 0x00, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x00, 4), ==, 0x12378086u);

  machine_destroy (&m);
}

static void
test_ecam (void)
{
  Machine m;
  uint32_t value = 0;
  FakeFn fn;

  machine_init (&m);
  fake_fn_init (&fn, 1);
  g_assert_cmpint (pci_host_add_device (m.host, fn.pci, 3), ==, 3);

  g_assert_cmphex (ecam_read (&m, 0, 0x00, 4), ==, 0x12378086u);
  g_assert_cmphex (ecam_read (&m, 0, 0x02, 2), ==, 0x1237);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (3, 0), 0x00, 4), ==, 0x56781234u);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (3, 0), 0x2e, 2), ==, 0x1100);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (4, 0), 0x00, 4), ==, 0xffffffffu);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (3, 2), 0x00, 4), ==, 0xffffffffu);
  /* Past the 256 bytes of a conventional function: zeros, no capability. */
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (3, 0), 0x100, 4), ==, 0);
  /* An access crossing a dword is not a configuration request. */
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (3, 0), 0x03, 2), ==, 0xffff);

  /* ECAM and port I/O reach the same registers. */
  ecam_write (&m, PCI_DEVFN (3, 0), PCI_INTERRUPT_LINE, 0x0b, 1);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 0), PCI_INTERRUPT_LINE, 1), ==, 0x0b);
  cf8_write (&m, 0, PCI_DEVFN (3, 0), PCI_CACHE_LINE_SIZE, 0x10, 1);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (3, 0), PCI_CACHE_LINE_SIZE, 1), ==, 0x10);
  g_assert_cmpuint (fn.n_config_writes, ==, 2);

  /* Only bus 0 is decoded: the next MiB is nobody's. */
  g_assert_false (io_bus_read (&m.mmio, ecam_addr (1, 0, 0), &value, 4));

  machine_destroy (&m);
  pci_device_free (fn.pci);
}

static void
test_read_only_bits (void)
{
  Machine m;
  FakeFn fn;
  uint8_t d = PCI_DEVFN (2, 0);

  machine_init (&m);
  fake_fn_init (&fn, 2);
  g_assert_cmpint (pci_host_add_device (m.host, fn.pci, 2), ==, 2);

  /* Identity, class, header type, capability pointer, interrupt pin. */
  cf8_write (&m, 0, d, PCI_VENDOR_ID, 0, 4);
  cf8_write (&m, 0, d, PCI_REVISION_ID, 0xffffffffu, 4);
  cf8_write (&m, 0, d, PCI_HEADER_TYPE, 0xff, 1);
  cf8_write (&m, 0, d, PCI_SUBSYSTEM_VENDOR_ID, 0, 4);
  cf8_write (&m, 0, d, PCI_CAPABILITY_LIST, 0x80, 1);
  cf8_write (&m, 0, d, PCI_INTERRUPT_PIN, 4, 1);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_VENDOR_ID, 4), ==, 0x56781234u);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_REVISION_ID, 4), ==, 0x02000003u);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_HEADER_TYPE, 1), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_SUBSYSTEM_VENDOR_ID, 4), ==, 0x11001af4u);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_CAPABILITY_LIST, 1), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_INTERRUPT_PIN, 1), ==, 2);
  /* The line is the GSI of the swizzled pin: (2 + 2 - 1) mod 4 = 3. */
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_INTERRUPT_LINE, 1), ==, PCI_HOST_INTX_GSI_BASE + 3);
  cf8_write (&m, 0, d, PCI_INTERRUPT_LINE, 0x0a, 1);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_INTERRUPT_LINE, 1), ==, 0x0a);

  /* Command: only the implemented bits move. */
  cf8_write (&m, 0, d, PCI_COMMAND, 0xffff, 2);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_COMMAND, 2), ==, 0x0547);

  /* Status: error bits are write-1-to-clear, the rest read-only. */
  pci_device_config_set (fn.pci, PCI_STATUS, PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_PARITY, 2);
  cf8_write (&m, 0, d, PCI_STATUS, 0, 2);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_STATUS, 2), ==,
                   PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_PARITY);
  cf8_write (&m, 0, d, PCI_STATUS, PCI_STATUS_PARITY | PCI_STATUS_CAP_LIST, 2);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_STATUS, 2), ==, PCI_STATUS_SIG_TARGET_ABORT);
  /* A dword write to COMMAND must not clear status bits it does not set. */
  cf8_write (&m, 0, d, PCI_COMMAND, 0x00000003u, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_STATUS, 2), ==, PCI_STATUS_SIG_TARGET_ABORT);

  /* No expansion ROM: its BAR stays 0 even when sized. */
  cf8_write (&m, 0, d, PCI_ROM_ADDRESS, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_ROM_ADDRESS, 4), ==, 0);
  /* An unused BAR sizes as 0. */
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4 * 4, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 4 * 4, 4), ==, 0);

  machine_destroy (&m);
  pci_device_free (fn.pci);
}

static void
test_bar_sizing (void)
{
  Machine m;
  FakeFn fn;
  uint8_t d = PCI_DEVFN (1, 0);
  uint32_t bars[6];

  machine_init (&m);
  fake_fn_init (&fn, 1);
  g_assert_cmpint (pci_host_add_device (m.host, fn.pci, -1), ==, 1);
  for (unsigned i = 0; i < 6; i++)
    bars[i] = cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 4 * i, 4);

  /* As Linux's __pci_read_base: decoding off, all-ones, read, restore. */
  cf8_write (&m, 0, d, PCI_COMMAND, 0, 2);
  for (unsigned i = 0; i < 6; i++)
    cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4 * i, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0, 4), ==, 0xffffffe1u);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0xfffff000u);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0xfff0000cu);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 12, 4), ==, 0xffffffffu);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0);
  g_assert_false (pci_device_bar_address (fn.pci, 1, NULL));
  for (unsigned i = 0; i < 6; i++)
    cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4 * i, bars[i], 4);
  for (unsigned i = 0; i < 6; i++)
    g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 4 * i, 4), ==, bars[i]);
  cf8_write (&m, 0, d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
  g_assert_true (pci_device_bar_address (fn.pci, 1, NULL));

  machine_destroy (&m);
  pci_device_free (fn.pci);
}

static void
test_bar_assignment (void)
{
  Machine m;
  FakeFn a, b;
  uint64_t addr, addr_b;
  uint32_t value;

  machine_init (&m);
  fake_fn_init (&a, 1);
  fake_fn_init (&b, 1);
  g_assert_cmpint (pci_host_add_device (m.host, a.pci, -1), ==, 1);
  g_assert_cmpint (pci_host_add_device (m.host, b.pci, -1), ==, 2);

  /* Largest first, naturally aligned, from the bottom of the window. */
  g_assert_true (pci_device_bar_address (a.pci, 2, &addr));
  g_assert_cmphex (addr, ==, PCI_HOST_MMIO_BASE);
  g_assert_true (pci_device_bar_address (a.pci, 1, &addr));
  g_assert_cmphex (addr, ==, PCI_HOST_MMIO_BASE + 0x100000);
  g_assert_true (pci_device_bar_address (a.pci, 0, &addr));
  g_assert_cmphex (addr, ==, PCI_HOST_IO_BASE);
  g_assert_true (pci_device_bar_address (b.pci, 2, &addr_b));
  g_assert_cmphex (addr_b, ==, PCI_HOST_MMIO_BASE + 0x200000);
  g_assert_true (pci_device_bar_address (b.pci, 0, &addr_b));
  g_assert_cmphex (addr_b, ==, PCI_HOST_IO_BASE + 0x20);
  g_assert_cmpuint (a.n_moves, ==, 3);
  g_assert_true (a.last_mapped);

  /* The VMM turned decoding on, as firmware would have. */
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_COMMAND, 2), ==,
                   PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_BASE_ADDRESS_0 + 8, 4), ==,
                   (uint32_t) PCI_HOST_MMIO_BASE | 0xc);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_BASE_ADDRESS_0 + 12, 4), ==, 0);
  /* Lines: slot 1 pin A → 1, slot 2 pin A → 2. */
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_INTERRUPT_LINE, 1), ==, 17);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (2, 0), PCI_INTERRUPT_LINE, 1), ==, 18);

  /* Accesses reach the BAR's ops with offsets into the BAR. */
  g_assert_true (io_bus_read (&m.mmio, PCI_HOST_MMIO_BASE + 0x100008, &value, 4));
  g_assert_cmpuint (a.n_reads, ==, 1);
  g_assert_cmphex (a.last_offset, ==, 8);
  value = 0x1234;
  g_assert_true (io_bus_write (&m.pio, PCI_HOST_IO_BASE + 0x20 + 4, &value, 2));
  g_assert_cmpuint (b.n_writes, ==, 1);
  g_assert_cmphex (b.last_offset, ==, 4);
  g_assert_cmphex (b.last_value, ==, 0x1234);

  /* Slots: taken, reserved for the host bridge, out of range. */
  g_assert_cmpint (pci_host_add_device (m.host, a.pci, 5), ==, -EINVAL);   /* already added */
  {
    FakeFn c;

    fake_fn_init (&c, 0);
    g_assert_cmpint (pci_host_add_device (m.host, c.pci, 2), ==, -EBUSY);
    g_assert_cmpint (pci_host_add_device (m.host, c.pci, 0), ==, -EINVAL);
    g_assert_cmpint (pci_host_add_device (m.host, c.pci, 32), ==, -EINVAL);
    pci_device_free (c.pci);
  }

  machine_destroy (&m);
  pci_device_free (a.pci);
  pci_device_free (b.pci);
}

static void
test_bar_window_full (void)
{
  Machine m;
  PciDeviceInfo info = { .vendor_id = 0x1234, .device_id = 1 };
  PciDevice *big, *next;
  FakeFn fn = { 0 };

  machine_init (&m);
  big = pci_device_new (&info, NULL, NULL);
  next = pci_device_new (&info, NULL, NULL);
  g_assert_cmpint (pci_device_set_bar (big, 0, PCI_BAR_MEM64, PCI_HOST_MMIO_SIZE, false,
                                       &fake_bar_ops, &fn), ==, 0);
  g_assert_cmpint (pci_device_set_bar (next, 0, PCI_BAR_MEM32, 0x1000, false, &fake_bar_ops,
                                       &fn), ==, 0);
  g_assert_cmpint (pci_host_add_device (m.host, big, -1), ==, 1);
  g_assert_cmpint (pci_host_add_device (m.host, next, -1), ==, -ENOSPC);
  g_assert_null (pci_host_get_device (m.host, 2));

  machine_destroy (&m);
  pci_device_free (big);
  pci_device_free (next);
}

static void
test_bar_move (void)
{
  Machine m;
  FakeFn fn;
  uint8_t d = PCI_DEVFN (1, 0);
  uint64_t addr;
  uint32_t value;
  unsigned moves;

  machine_init (&m);
  fake_fn_init (&fn, 1);
  g_assert_cmpint (pci_host_add_device (m.host, fn.pci, 1), ==, 1);
  g_assert_true (pci_device_bar_address (fn.pci, 1, &addr));
  g_assert_cmphex (addr, ==, 0xc0100000u);

  /* Memory decoding off: both memory BARs leave the bus, the I/O one stays. */
  moves = fn.n_moves;
  cf8_write (&m, 0, d, PCI_COMMAND, PCI_COMMAND_IO, 2);
  g_assert_cmpuint (fn.n_moves, ==, moves + 2);
  g_assert_false (fn.last_mapped);
  g_assert_false (io_bus_read (&m.mmio, 0xc0100000u, &value, 4));
  g_assert_true (pci_device_bar_address (fn.pci, 0, NULL));

  /* The guest moves BAR 1 and turns decoding back on. */
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 0xd0000000u, 4);
  g_assert_cmpuint (fn.n_moves, ==, moves + 2);       /* nothing decoded yet */
  cf8_write (&m, 0, d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
  g_assert_true (pci_device_bar_address (fn.pci, 1, &addr));
  g_assert_cmphex (addr, ==, 0xd0000000u);
  g_assert_true (io_bus_read (&m.mmio, 0xd0000010u, &value, 4));
  g_assert_cmphex (fn.last_offset, ==, 0x10);
  g_assert_false (io_bus_read (&m.mmio, 0xc0100000u, &value, 4));

  /* Moving while decoding: one callback, the old range goes. */
  moves = fn.n_moves;
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 0xd0001000u, 4);
  g_assert_cmpuint (fn.n_moves, ==, moves + 1);
  g_assert_cmpuint (fn.last_bar, ==, 1);
  g_assert_true (fn.last_mapped);
  g_assert_cmphex (fn.last_addr, ==, 0xd0001000u);
  g_assert_false (io_bus_read (&m.mmio, 0xd0000010u, &value, 4));
  g_assert_true (io_bus_read (&m.mmio, 0xd0001010u, &value, 4));

  /* The 64-bit BAR goes above 4 GiB, one half at a time. */
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 12, 0x1, 4);
  g_assert_true (pci_device_bar_address (fn.pci, 2, &addr));
  g_assert_cmphex (addr, ==, 0x1c0000000ull);
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 8, 0x80000000u, 4);
  g_assert_true (pci_device_bar_address (fn.pci, 2, &addr));
  g_assert_cmphex (addr, ==, 0x180000000ull);
  g_assert_true (io_bus_read (&m.mmio, 0x180000040ull, &value, 4));
  g_assert_cmphex (fn.last_offset, ==, 0x40);

  /* A BAR put over another range (here the ECAM window) is not decoded,
   * and nothing else breaks. */
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, (uint32_t) PCI_HOST_ECAM_BASE, 4);
  g_assert_false (pci_device_bar_address (fn.pci, 1, NULL));
  g_assert_false (fn.last_mapped);
  g_assert_cmphex (ecam_read (&m, 0, 0, 4), ==, 0x12378086u);
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 0xd0002000u, 4);
  g_assert_true (pci_device_bar_address (fn.pci, 1, &addr));
  g_assert_cmphex (addr, ==, 0xd0002000u);

  /* Address 0 is "unassigned". */
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0, 0, 4);
  g_assert_false (pci_device_bar_address (fn.pci, 0, NULL));

  /* A machine reset puts everything back where the VMM had it. */
  pci_host_reset (m.host);
  g_assert_cmpuint (fn.n_resets, ==, 1);
  g_assert_true (pci_device_bar_address (fn.pci, 1, &addr));
  g_assert_cmphex (addr, ==, 0xc0100000u);
  g_assert_true (pci_device_bar_address (fn.pci, 2, &addr));
  g_assert_cmphex (addr, ==, 0xc0000000u);
  g_assert_true (pci_device_bar_address (fn.pci, 0, &addr));
  g_assert_cmphex (addr, ==, PCI_HOST_IO_BASE);
  g_assert_true (io_bus_read (&m.mmio, 0xc0100000u, &value, 4));
  g_assert_false (io_bus_read (&m.mmio, 0xd0002000u, &value, 4));

  machine_destroy (&m);
  pci_device_free (fn.pci);
}

static void
test_capabilities (void)
{
  Machine m;
  PciDeviceInfo info = { .vendor_id = 0x1234, .device_id = 2 };
  PciDevice *dev = pci_device_new (&info, NULL, NULL);
  uint8_t d = PCI_DEVFN (7, 0);
  int a, b;
  unsigned ptr, n = 0;

  machine_init (&m);
  a = pci_device_add_capability (dev, PCI_CAP_ID_VENDOR, 6);
  b = pci_device_add_capability (dev, PCI_CAP_ID_VENDOR, 16);
  g_assert_cmpint (a, ==, 0x40);
  g_assert_cmpint (b, ==, 0x48);              /* dword-aligned after 6 bytes */
  pci_device_config_set (dev, (unsigned) a + 2, 0xabcd, 2);
  pci_device_config_set (dev, (unsigned) b + 4, 0x11223344, 4);
  pci_device_set_wmask (dev, (unsigned) b + 4, 0x0000ffff, 4);
  g_assert_cmpint (pci_host_add_device (m.host, dev, 7), ==, 7);

  g_assert_true (cf8_read (&m, 0, d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
  for (ptr = cf8_read (&m, 0, d, PCI_CAPABILITY_LIST, 1); ptr != 0;
       ptr = cf8_read (&m, 0, d, ptr + 1, 1))
    {
      g_assert_cmpuint (ptr, >=, 0x40);
      g_assert_cmpuint (ptr & 3, ==, 0);
      g_assert_cmphex (cf8_read (&m, 0, d, ptr, 1), ==, PCI_CAP_ID_VENDOR);
      g_assert_cmpuint (++n, <=, 2);
    }
  g_assert_cmpuint (n, ==, 2);

  /* Capability bytes are read-only unless the owner opened them. */
  cf8_write (&m, 0, d, (unsigned) a, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, (unsigned) a, 4), ==, 0xabcd4809u);
  cf8_write (&m, 0, d, (unsigned) b + 4, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, (unsigned) b + 4, 4), ==, 0x1122ffffu);

  /* The space runs out. */
  g_assert_cmpint (pci_device_add_capability (dev, PCI_CAP_ID_VENDOR, 0xc0), ==, -ENOSPC);

  machine_destroy (&m);
  pci_device_free (dev);
}

static unsigned
find_cap (Machine *m,
          uint8_t  devfn,
          uint8_t  id)
{
  for (unsigned ptr = cf8_read (m, 0, devfn, PCI_CAPABILITY_LIST, 1); ptr != 0;
       ptr = cf8_read (m, 0, devfn, ptr + 1, 1))
    if (cf8_read (m, 0, devfn, ptr, 1) == id)
      return ptr;
  return 0;
}

static void
test_msix (void)
{
  Machine m;
  FakeFn fn;
  uint8_t d = PCI_DEVFN (1, 0);
  unsigned cap;
  uint32_t table_bir, pba_bir, value;
  uint64_t table, pba, qword;

  machine_init (&m);
  fake_fn_init (&fn, 1);
  g_assert_cmpint (pci_device_add_msix (fn.pci, 4, 3), ==, -EINVAL);  /* BAR 3: upper half of 2 */
  g_assert_cmpint (pci_device_add_msix (fn.pci, 4, 4), >, 0);
  g_assert_cmpint (pci_host_add_device (m.host, fn.pci, 1), ==, 1);
  g_assert_cmpuint (pci_device_msix_n_vectors (fn.pci), ==, 4);

  cap = find_cap (&m, d, PCI_CAP_ID_MSIX);
  g_assert_cmpuint (cap, !=, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, cap + PCI_MSIX_FLAGS, 2), ==, 3);   /* N - 1 */
  table_bir = cf8_read (&m, 0, d, cap + PCI_MSIX_TABLE, 4);
  pba_bir = cf8_read (&m, 0, d, cap + PCI_MSIX_PBA, 4);
  g_assert_cmpuint (table_bir & 7, ==, 4);
  g_assert_cmpuint (pba_bir & 7, ==, 4);
  g_assert_true (pci_device_bar_address (fn.pci, 4, &table));
  pba = table + (pba_bir & ~7u);
  table += table_bir & ~7u;
  g_assert_cmpuint (pba - table, >=, 4 * 16);

  /* Vectors come out of reset masked. */
  g_assert_true (io_bus_read (&m.mmio, table + 12, &value, 4));
  g_assert_cmphex (value, ==, 1);

  /* Program vector 1 (a qword for the address, as Linux does it in two
   * dwords; both work) and vector 2. */
  qword = 0xfee01000ull;
  g_assert_true (io_bus_write (&m.mmio, table + 16, &qword, 8));
  value = 0x4041;
  g_assert_true (io_bus_write (&m.mmio, table + 16 + 8, &value, 4));
  value = 0xfee02000u;
  g_assert_true (io_bus_write (&m.mmio, table + 32, &value, 4));
  value = 0x4042;
  g_assert_true (io_bus_write (&m.mmio, table + 32 + 8, &value, 4));
  g_assert_true (io_bus_read (&m.mmio, table + 16, &qword, 8));
  g_assert_cmphex (qword, ==, 0xfee01000ull);
  /* Reserved vector control bits do not stick; misaligned accesses do nothing. */
  value = 0xfffffffeu;
  g_assert_true (io_bus_write (&m.mmio, table + 32 + 12, &value, 4));
  g_assert_true (io_bus_read (&m.mmio, table + 32 + 12, &value, 4));
  g_assert_cmphex (value, ==, 0);
  value = 0xdeadbeef;
  g_assert_true (io_bus_write (&m.mmio, table + 17, &value, 2));
  g_assert_true (io_bus_read (&m.mmio, table + 16, &value, 4));
  g_assert_cmphex (value, ==, 0xfee01000u);

  /* MSI-X off: nothing goes out. */
  g_assert_false (pci_device_msix_notify (fn.pci, 1));
  g_assert_cmpuint (m.n_msgs, ==, 0);

  cf8_write (&m, 0, d, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | 0x7ff, 2);
  g_assert_cmphex (cf8_read (&m, 0, d, cap + PCI_MSIX_FLAGS, 2), ==, PCI_MSIX_FLAGS_ENABLE | 3);
  g_assert_true (pci_device_msix_enabled (fn.pci));

  /* Vector 2 was unmasked above (control written 0): it fires at once. */
  g_assert_true (pci_device_msix_notify (fn.pci, 2));
  g_assert_cmpuint (m.n_msgs, ==, 1);
  g_assert_cmphex (m.msgs[0].address, ==, 0xfee02000u);
  g_assert_cmphex (m.msgs[0].data, ==, 0x4042);

  /* Vector 1 is masked: pending, visible in the PBA, sent on unmask. */
  g_assert_true (pci_device_msix_notify (fn.pci, 1));
  g_assert_cmpuint (m.n_msgs, ==, 1);
  g_assert_true (pci_device_msix_pending (fn.pci, 1));
  g_assert_true (io_bus_read (&m.mmio, pba, &qword, 8));
  g_assert_cmphex (qword, ==, 0x2);
  /* The PBA is read-only. */
  qword = 0;
  g_assert_true (io_bus_write (&m.mmio, pba, &qword, 8));
  g_assert_true (pci_device_msix_pending (fn.pci, 1));
  value = 0;
  g_assert_true (io_bus_write (&m.mmio, table + 16 + 12, &value, 4));
  g_assert_cmpuint (m.n_msgs, ==, 2);
  g_assert_cmphex (m.msgs[1].address, ==, 0xfee01000u);
  g_assert_cmphex (m.msgs[1].data, ==, 0x4041);
  g_assert_false (pci_device_msix_pending (fn.pci, 1));

  /* Function mask: everything waits, then goes when it lifts. */
  cf8_write (&m, 0, d, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
  g_assert_true (pci_device_msix_notify (fn.pci, 1));
  g_assert_true (pci_device_msix_notify (fn.pci, 2));
  g_assert_true (pci_device_msix_notify (fn.pci, 2));   /* one pending bit, one message */
  g_assert_cmpuint (m.n_msgs, ==, 2);
  cf8_write (&m, 0, d, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
  g_assert_cmpuint (m.n_msgs, ==, 4);
  g_assert_false (pci_device_msix_pending (fn.pci, 1));
  g_assert_false (pci_device_msix_pending (fn.pci, 2));

  /* Out-of-range vectors send nothing. */
  g_assert_false (pci_device_msix_notify (fn.pci, 4));
  g_assert_cmpuint (m.n_msgs, ==, 4);

  /* Reset: disabled, all masked again. */
  pci_host_reset (m.host);
  g_assert_false (pci_device_msix_enabled (fn.pci));
  g_assert_true (pci_device_bar_address (fn.pci, 4, &table));
  g_assert_true (io_bus_read (&m.mmio, table + 16 + 12, &value, 4));
  g_assert_cmphex (value, ==, 1);

  machine_destroy (&m);
  pci_device_free (fn.pci);
}

static void
set_level (FakeFn *fn,
           bool    level)
{
  __atomic_store_n (&fn->level, level, __ATOMIC_SEQ_CST);
  pci_device_update_intx (fn->pci);
}

static void
test_intx (void)
{
  Machine m;
  FakeFn a, b;

  machine_init (&m);
  fake_fn_init (&a, 1);
  fake_fn_init (&b, 1);
  /* Slot 1 pin A and slot 5 pin A share line 1 (GSI 17). */
  g_assert_cmpint (pci_host_add_device (m.host, a.pci, 1), ==, 1);
  g_assert_cmpint (pci_host_add_device (m.host, b.pci, 5), ==, 5);
  g_assert_cmphex (pci_device_config_get (b.pci, PCI_INTERRUPT_LINE, 1), ==, 17);

  set_level (&a, true);
  g_assert_true (m.line[1]);
  g_assert_cmpuint (m.line_changes[1], ==, 1);
  g_assert_true (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
  g_assert_false (cf8_read (&m, 0, PCI_DEVFN (5, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
  set_level (&b, true);
  set_level (&a, false);
  g_assert_true (m.line[1]);                          /* b still holds it */
  g_assert_cmpuint (m.line_changes[1], ==, 1);
  set_level (&b, false);
  g_assert_false (m.line[1]);
  g_assert_cmpuint (m.line_changes[1], ==, 2);
  g_assert_false (m.line[0] || m.line[2] || m.line[3]);

  /* INTx disable masks the line; the status bit still shows the request. */
  set_level (&a, true);
  g_assert_true (m.line[1]);
  cf8_write (&m, 0, PCI_DEVFN (1, 0), PCI_COMMAND,
             PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
  g_assert_false (m.line[1]);
  g_assert_true (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
  cf8_write (&m, 0, PCI_DEVFN (1, 0), PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
  g_assert_true (m.line[1]);

  /* Repeating a level changes nothing. */
  set_level (&a, true);
  g_assert_cmpuint (m.line_changes[1], ==, 5);

  /* A reset of the whole machine asks again: still asserted. */
  pci_host_reset (m.host);
  g_assert_true (m.line[1]);
  set_level (&a, false);
  g_assert_false (m.line[1]);

  machine_destroy (&m);
  pci_device_free (a.pci);
  pci_device_free (b.pci);
}

static void
test_intx_msix_suppresses (void)
{
  Machine m;
  FakeFn fn;
  unsigned cap;

  machine_init (&m);
  fake_fn_init (&fn, 1);
  cap = (unsigned) pci_device_add_msix (fn.pci, 2, 4);
  g_assert_cmpint (pci_host_add_device (m.host, fn.pci, 3), ==, 3);

  /* Slot 3 pin A: line 3 (GSI 19). */
  set_level (&fn, true);
  g_assert_true (m.line[3]);
  /* With MSI-X enabled a function may not use INTx. */
  cf8_write (&m, 0, PCI_DEVFN (3, 0), cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
  g_assert_false (m.line[3]);
  cf8_write (&m, 0, PCI_DEVFN (3, 0), cap + PCI_MSIX_FLAGS, 0, 2);
  g_assert_true (m.line[3]);

  machine_destroy (&m);
  pci_device_free (fn.pci);
}

typedef struct
{
  FakeFn  *fn;
  unsigned iterations;
} Toggler;

static gpointer
toggle_thread (gpointer data)
{
  Toggler *t = data;

  for (unsigned i = 0; i < t->iterations; i++)
    set_level (t->fn, (i & 1) == 0);
  set_level (t->fn, false);
  return NULL;
}

/* Two threads raising and lowering INTx on two functions that share a line:
 * whatever the interleaving, the line ends where the last levels put it. */
static void
test_intx_concurrent (void)
{
  Machine m;
  FakeFn a, b;
  Toggler ta, tb;
  GThread *t1, *t2;

  machine_init (&m);
  fake_fn_init (&a, 1);
  fake_fn_init (&b, 1);
  g_assert_cmpint (pci_host_add_device (m.host, a.pci, 1), ==, 1);
  g_assert_cmpint (pci_host_add_device (m.host, b.pci, 5), ==, 5);

  ta = (Toggler) { &a, 20001 };
  tb = (Toggler) { &b, 20000 };
  t1 = g_thread_new ("a", toggle_thread, &ta);
  t2 = g_thread_new ("b", toggle_thread, &tb);
  g_thread_join (t1);
  g_thread_join (t2);
  g_assert_false (m.line[1]);

  set_level (&b, true);
  g_assert_true (m.line[1]);

  machine_destroy (&m);
  pci_device_free (a.pci);
  pci_device_free (b.pci);
}

static void
test_reset_control (void)
{
  Machine m;
  uint8_t byte;

  machine_init (&m);
  /* Linux's "cf9" reboot: SYS_RST, then SYS_RST | RST_CPU. */
  byte = 0x02;
  g_assert_true (io_bus_write (&m.pio, 0xcf9, &byte, 1));
  g_assert_cmpuint (m.n_reset_requests, ==, 0);
  g_assert_true (io_bus_read (&m.pio, 0xcf9, &byte, 1));
  g_assert_cmphex (byte, ==, 0x02);
  byte = 0x06;
  g_assert_true (io_bus_write (&m.pio, 0xcf9, &byte, 1));
  g_assert_cmpuint (m.n_reset_requests, ==, 1);
  machine_destroy (&m);
}

static void
test_bad_bars (void)
{
  PciDeviceInfo info = { .vendor_id = 0x1234, .device_id = 3 };
  PciDevice *dev = pci_device_new (&info, NULL, NULL);
  FakeFn fn = { 0 };

  g_assert_cmpint (pci_device_set_bar (dev, 6, PCI_BAR_MEM32, 0x1000, false, &fake_bar_ops, &fn),
                   ==, -EINVAL);
  g_assert_cmpint (pci_device_set_bar (dev, 0, PCI_BAR_MEM32, 0x1800, false, &fake_bar_ops, &fn),
                   ==, -EINVAL);
  g_assert_cmpint (pci_device_set_bar (dev, 0, PCI_BAR_MEM32, 8, false, &fake_bar_ops, &fn),
                   ==, -EINVAL);
  g_assert_cmpint (pci_device_set_bar (dev, 0, PCI_BAR_IO, 0x200, false, &fake_bar_ops, &fn),
                   ==, -EINVAL);
  g_assert_cmpint (pci_device_set_bar (dev, 5, PCI_BAR_MEM64, 0x1000, false, &fake_bar_ops, &fn),
                   ==, -EINVAL);
  g_assert_cmpint (pci_device_set_bar (dev, 4, PCI_BAR_MEM64, 0x1000, false, &fake_bar_ops, &fn),
                   ==, 0);
  g_assert_cmpint (pci_device_set_bar (dev, 5, PCI_BAR_MEM32, 0x1000, false, &fake_bar_ops, &fn),
                   ==, -EINVAL);
  g_assert_cmpint (pci_device_set_bar (dev, 4, PCI_BAR_MEM32, 0x1000, false, &fake_bar_ops, &fn),
                   ==, -EINVAL);
  g_assert_cmpint (pci_device_add_msix (dev, 0, 0), ==, -EINVAL);
  g_assert_cmpint (pci_device_add_msix (dev, 2049, 0), ==, -EINVAL);
  g_assert_cmpint (pci_device_add_msix (dev, 2048, 0), >, 0);
  /* 2048 vectors: 32 KiB of table, then the PBA, in a 64 KiB BAR. */
  g_assert_cmphex (pci_device_bar_size (dev, 0), ==, 0x10000);
  pci_device_free (dev);

  info.interrupt_pin = 5;
  g_assert_null (pci_device_new (&info, NULL, NULL));
}

static void
test_multifunction (void)
{
  Machine m;
  FakeFn a, b, c;

  machine_init (&m);
  fake_fn_init (&a, 1);
  fake_fn_init (&b, 2);
  fake_fn_init (&c, 1);
  g_assert_cmpint (pci_host_add_function (m.host, a.pci, 3, 0), ==, 3);
  /* Alone in its slot: a plain header. */
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 0), PCI_HEADER_TYPE, 1), ==, 0);
  g_assert_cmpint (pci_host_add_function (m.host, b.pci, 3, 2), ==, 3);
  g_assert_cmpint (pci_host_add_function (m.host, c.pci, 3, 7), ==, 3);

  /* Function 0 now says there is more to find, and both mechanisms find it. */
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 0), PCI_HEADER_TYPE, 1), ==,
                   PCI_HEADER_TYPE_MULTIFUNC);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (3, 0), PCI_HEADER_TYPE, 1), ==,
                   PCI_HEADER_TYPE_MULTIFUNC);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 2), PCI_VENDOR_ID, 4), ==, 0x56781234u);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (3, 7), PCI_VENDOR_ID, 4), ==, 0x56781234u);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 2), PCI_HEADER_TYPE, 1), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 1), PCI_VENDOR_ID, 4), ==, 0xffffffffu);
  g_assert_true (pci_host_get_function (m.host, 3, 2) == b.pci);
  g_assert_null (pci_host_get_function (m.host, 3, 1));
  g_assert_null (pci_host_get_function (m.host, 3, 8));
  g_assert_cmphex (pci_device_get_devfn (c.pci), ==, PCI_DEVFN (3, 7));

  /* Each function has its own configuration space. */
  cf8_write (&m, 0, PCI_DEVFN (3, 2), PCI_INTERRUPT_LINE, 0x05, 1);
  ecam_write (&m, PCI_DEVFN (3, 7), PCI_INTERRUPT_LINE, 0x07, 1);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 2), PCI_INTERRUPT_LINE, 1), ==, 0x05);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 7), PCI_INTERRUPT_LINE, 1), ==, 0x07);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 0), PCI_INTERRUPT_LINE, 1), ==, 19);
  g_assert_cmpuint (b.n_config_writes, ==, 1);
  g_assert_cmpuint (c.n_config_writes, ==, 1);
  g_assert_cmpuint (a.n_config_writes, ==, 0);

  /* Their BARs do not collide; a guest cannot clear the multi-function bit;
   * a reset keeps it. */
  {
    uint64_t addr_a, addr_b;

    g_assert_true (pci_device_bar_address (a.pci, 1, &addr_a));
    g_assert_true (pci_device_bar_address (b.pci, 1, &addr_b));
    g_assert_cmphex (addr_a, !=, addr_b);
  }
  cf8_write (&m, 0, PCI_DEVFN (3, 0), PCI_HEADER_TYPE, 0, 1);
  pci_host_reset (m.host);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (3, 0), PCI_HEADER_TYPE, 1), ==,
                   PCI_HEADER_TYPE_MULTIFUNC);
  g_assert_cmpuint (b.n_resets, ==, 1);
  g_assert_cmpuint (c.n_resets, ==, 1);

  /* INTx of another function: same slot, its own pin. Slot 3 pin B is
   * line (3 + 2 - 1) mod 4 = 0. */
  set_level (&b, true);
  g_assert_true (m.line[0]);
  set_level (&b, false);
  g_assert_false (m.line[0]);

  /* Bad places. */
  {
    FakeFn d;

    fake_fn_init (&d, 0);
    g_assert_cmpint (pci_host_add_function (m.host, d.pci, 3, 2), ==, -EBUSY);
    g_assert_cmpint (pci_host_add_function (m.host, d.pci, 3, 8), ==, -EINVAL);
    g_assert_cmpint (pci_host_add_function (m.host, d.pci, 0, 1), ==, -EINVAL);
    g_assert_cmpint (pci_host_add_function (m.host, d.pci, 32, 0), ==, -EINVAL);
    g_assert_cmpint (pci_host_add_function (m.host, d.pci, -1, 1), ==, -EINVAL);
    g_assert_cmpint (pci_host_add_function (m.host, a.pci, 4, 0), ==, -EINVAL);
    pci_device_free (d.pci);
  }

  machine_destroy (&m);
  pci_device_free (a.pci);
  pci_device_free (b.pci);
  pci_device_free (c.pci);
}

static void
test_function0_absent (void)
{
  Machine m;
  FakeFn a, b, c;

  machine_init (&m);
  fake_fn_init (&a, 1);
  fake_fn_init (&b, 1);
  fake_fn_init (&c, 1);
  g_assert_cmpint (pci_host_add_function (m.host, b.pci, 1, 1), ==, 1);

  /* Without function 0 the slot is empty to both mechanisms. */
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 1), PCI_VENDOR_ID, 4), ==, 0xffffffffu);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (1, 1), PCI_VENDOR_ID, 4), ==, 0xffffffffu);
  cf8_write (&m, 0, PCI_DEVFN (1, 1), PCI_INTERRUPT_LINE, 0x05, 1);
  ecam_write (&m, PCI_DEVFN (1, 1), PCI_INTERRUPT_LINE, 0x05, 1);
  g_assert_cmpuint (b.n_config_writes, ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_VENDOR_ID, 4), ==, 0xffffffffu);
  /* ... but not free: "first free slot" passes it by. */
  g_assert_cmpint (pci_host_add_device (m.host, c.pci, -1), ==, 2);

  /* Function 0 arrives last and still gets the multi-function bit. */
  g_assert_cmpint (pci_host_add_function (m.host, a.pci, 1, 0), ==, 1);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_HEADER_TYPE, 1), ==,
                   PCI_HEADER_TYPE_MULTIFUNC);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 1), PCI_VENDOR_ID, 4), ==, 0x56781234u);
  g_assert_cmphex (ecam_read (&m, PCI_DEVFN (1, 1), PCI_VENDOR_ID, 4), ==, 0x56781234u);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (2, 0), PCI_HEADER_TYPE, 1), ==, 0);

  machine_destroy (&m);
  pci_device_free (a.pci);
  pci_device_free (b.pci);
  pci_device_free (c.pci);
}

static void
test_declared_multifunction (void)
{
  Machine m;
  PciDeviceInfo info = { .vendor_id = 0x8086, .device_id = 0x7000, .class_code = 0x060100,
                         .multifunction = true };
  PciDevice *dev = pci_device_new (&info, NULL, NULL);

  machine_init (&m);
  g_assert_cmpint (pci_host_add_device (m.host, dev, 1), ==, 1);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 0), PCI_HEADER_TYPE, 1), ==,
                   PCI_HEADER_TYPE_MULTIFUNC);
  g_assert_cmphex (cf8_read (&m, 0, PCI_DEVFN (1, 1), PCI_VENDOR_ID, 4), ==, 0xffffffffu);
  machine_destroy (&m);
  pci_device_free (dev);
}

/* Under firmware, functions come up as after power-on and the guest does
 * everything; sizing, assignment and decoding work as a BIOS does them. */
static void
test_firmware_mode (void)
{
  Machine m;
  FakeFn fn;
  const uint8_t d = PCI_DEVFN (5, 0);
  uint64_t addr;
  uint32_t value;

  machine_init_full (&m, true);
  /* No ECAM: only 0xcf8 and 0xcfc are on the buses. */
  g_assert_cmpuint (m.mmio.n_ranges, ==, 0);
  g_assert_cmpuint (m.pio.n_ranges, ==, 2);
  g_assert_false (io_bus_read (&m.mmio, ecam_addr (0, 0, 0), &value, 4));

  fake_fn_init (&fn, 1);
  g_assert_cmpint (pci_host_add_device (m.host, fn.pci, 5), ==, 5);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_COMMAND, 2), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0, 4), ==, PCI_BAR_SPACE_IO);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0x0c);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 12, 4), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_INTERRUPT_LINE, 1), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_INTERRUPT_PIN, 1), ==, 1);
  g_assert_false (pci_device_bar_address (fn.pci, 0, NULL));
  g_assert_false (pci_device_bar_address (fn.pci, 1, NULL));
  g_assert_cmpuint (fn.n_moves, ==, 0);
  g_assert_cmpuint (m.pio.n_ranges, ==, 2);

  /* Sizing, as SeaBIOS's pci_bios_get_bar: all-ones, read, restore. */
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0, 4), ==, 0xffffffe1u);
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0xfffff000u);
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 8, 0xffffffffu, 4);
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 12, 0xffffffffu, 4);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0xfff0000cu);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 12, 4), ==, 0xffffffffu);
  g_assert_cmpuint (fn.n_moves, ==, 0);

  /* The BIOS's assignment, then decoding on. */
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0, 0xc040, 4);
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 0xfebf1000u, 4);
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 8, 0xfe000000u, 4);
  cf8_write (&m, 0, d, PCI_BASE_ADDRESS_0 + 12, 0, 4);
  cf8_write (&m, 0, d, PCI_INTERRUPT_LINE, 11, 1);
  g_assert_cmpuint (fn.n_moves, ==, 0);
  cf8_write (&m, 0, d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_SERR, 2);
  g_assert_cmpuint (fn.n_moves, ==, 3);
  g_assert_true (pci_device_bar_address (fn.pci, 0, &addr));
  g_assert_cmphex (addr, ==, 0xc040);
  g_assert_true (pci_device_bar_address (fn.pci, 2, &addr));
  g_assert_cmphex (addr, ==, 0xfe000000u);
  g_assert_true (io_bus_read (&m.mmio, 0xfebf1008u, &value, 4));
  g_assert_cmphex (fn.last_offset, ==, 8);

  /* Reset: back to power-on, not to what the BIOS did. */
  pci_host_reset (m.host);
  g_assert_cmpuint (fn.n_resets, ==, 1);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_COMMAND, 2), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0x0c);
  g_assert_cmphex (cf8_read (&m, 0, d, PCI_INTERRUPT_LINE, 1), ==, 0);
  g_assert_false (pci_device_bar_address (fn.pci, 0, NULL));
  g_assert_false (pci_device_bar_address (fn.pci, 2, NULL));
  g_assert_false (io_bus_read (&m.mmio, 0xfebf1008u, &value, 4));
  g_assert_cmpuint (m.pio.n_ranges, ==, 2);
  g_assert_false (fn.last_mapped);

  machine_destroy (&m);
  pci_device_free (fn.pci);
}

/* Under firmware the lines are PIRQA-D and follow the PIIX3's wiring:
 * line = (slot + pin - 2) mod 4. */
static void
test_firmware_swizzle (void)
{
  static const struct
  {
    int     slot;
    uint8_t pin;
    unsigned line;
  } cases[] = {
    { 1, 1, 0 }, { 2, 1, 1 }, { 3, 1, 2 }, { 4, 1, 3 }, { 5, 1, 0 },
    { 6, 2, 2 }, { 7, 4, 1 }, { 31, 3, 0 },
  };

  for (unsigned i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Machine m;
      FakeFn fn;

      machine_init_full (&m, true);
      fake_fn_init (&fn, cases[i].pin);
      g_assert_cmpint (pci_host_add_device (m.host, fn.pci, cases[i].slot), ==, cases[i].slot);
      set_level (&fn, true);
      for (unsigned l = 0; l < PCI_HOST_N_INTX; l++)
        g_assert_true (m.line[l] == (l == cases[i].line));
      set_level (&fn, false);
      g_assert_false (m.line[cases[i].line]);
      /* What the ACPI tables are built from agrees, in both modes. */
      g_assert_cmpuint (pci_host_swizzle (true, cases[i].slot, cases[i].pin), ==, cases[i].line);
      g_assert_cmpuint (pci_host_swizzle (false, cases[i].slot, cases[i].pin), ==,
                        (cases[i].line + 1) % PCI_HOST_N_INTX);
      machine_destroy (&m);
      pci_device_free (fn.pci);
    }
}

static void
test_host_bridge_registers (void)
{
  Machine m;
  uint32_t pam_lo, pam_hi;

  machine_init_full (&m, true);
  /* What SeaBIOS's qemu_detect() looks for. */
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_SUBSYSTEM_VENDOR_ID, 2), ==, 0x1af4);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_SUBSYSTEM_ID, 2), ==, 0x1100);
  /* Subsystem ids are read-only. */
  cf8_write (&m, 0, 0, PCI_SUBSYSTEM_VENDOR_ID, 0, 4);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_SUBSYSTEM_VENDOR_ID, 4), ==, 0x11001af4u);

  /* Power-on: PAM all "not RAM", SMRAM at its hardwired segment. */
  for (unsigned i = 0; i < PCI_HOST_N_PAM; i++)
    g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_PAM0 + i, 1), ==, PCI_HOST_PAM_RESET);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_SMRAM, 1), ==, 0x02);

  /* SeaBIOS's make_bios_writable(): two dwords at 0x58, PAM0 & 0x10 tells
   * whether RAM is already there (it must not be: see pci-host.h). */
  pam_lo = cf8_read (&m, 0, 0, 0x58, 4);
  pam_hi = cf8_read (&m, 0, 0, 0x5c, 4);
  g_assert_cmphex ((pam_lo >> 8) & 0x10, ==, 0);
  pam_lo = (pam_lo & 0xff) | 0x30u << 8 | 0x3333u << 16;
  pam_hi = 0x33333333u;
  cf8_write (&m, 0, 0, 0x58, pam_lo, 4);
  cf8_write (&m, 0, 0, 0x5c, pam_hi, 4);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x58, 4), ==, pam_lo);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x5c, 4), ==, pam_hi);
  /* make_bios_readonly(). */
  cf8_write (&m, 0, 0, PCI_HOST_PAM0, 0x10, 1);
  cf8_write (&m, 0, 0, PCI_HOST_PAM0 + 1, 0x11, 1);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_PAM0, 2), ==, 0x1110);

  /* Unimplemented bits stay 0, C_BASE_SEG stays 010b. */
  cf8_write (&m, 0, 0, PCI_HOST_PAM0, 0xff, 1);
  cf8_write (&m, 0, 0, PCI_HOST_PAM0 + 6, 0xff, 1);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_PAM0, 1), ==, 0x30);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_PAM0 + 6, 1), ==, 0x33);
  cf8_write (&m, 0, 0, PCI_HOST_SMRAM, 0xff, 1);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_SMRAM, 1), ==, 0x7a);
  cf8_write (&m, 0, 0, PCI_HOST_SMRAM, 0x00, 1);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_SMRAM, 1), ==, 0x02);
  cf8_write (&m, 0, 0, PCI_HOST_SMRAM, 0x4a, 1);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_SMRAM, 1), ==, 0x4a);

  /* Reset: power-on values again. */
  pci_host_reset (m.host);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x58, 4) >> 8, ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x5c, 4), ==, 0);
  g_assert_cmphex (cf8_read (&m, 0, 0, PCI_HOST_SMRAM, 1), ==, 0x02);
  g_assert_cmphex (cf8_read (&m, 0, 0, 0x00, 4), ==, 0x12378086u);
  machine_destroy (&m);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/pci-host/type1-probe", test_type1_probe);
  g_test_add_func ("/vmm/pci-host/ecam", test_ecam);
  g_test_add_func ("/vmm/pci-host/read-only-bits", test_read_only_bits);
  g_test_add_func ("/vmm/pci-host/bar-sizing", test_bar_sizing);
  g_test_add_func ("/vmm/pci-host/bar-assignment", test_bar_assignment);
  g_test_add_func ("/vmm/pci-host/bar-window-full", test_bar_window_full);
  g_test_add_func ("/vmm/pci-host/bar-move", test_bar_move);
  g_test_add_func ("/vmm/pci-host/bad-bars", test_bad_bars);
  g_test_add_func ("/vmm/pci-host/capabilities", test_capabilities);
  g_test_add_func ("/vmm/pci-host/msix", test_msix);
  g_test_add_func ("/vmm/pci-host/intx", test_intx);
  g_test_add_func ("/vmm/pci-host/intx-msix-suppresses", test_intx_msix_suppresses);
  g_test_add_func ("/vmm/pci-host/intx-concurrent", test_intx_concurrent);
  g_test_add_func ("/vmm/pci-host/reset-control", test_reset_control);
  g_test_add_func ("/vmm/pci-host/multifunction", test_multifunction);
  g_test_add_func ("/vmm/pci-host/function0-absent", test_function0_absent);
  g_test_add_func ("/vmm/pci-host/declared-multifunction", test_declared_multifunction);
  g_test_add_func ("/vmm/pci-host/firmware-mode", test_firmware_mode);
  g_test_add_func ("/vmm/pci-host/firmware-swizzle", test_firmware_swizzle);
  g_test_add_func ("/vmm/pci-host/host-bridge-registers", test_host_bridge_registers);
  return g_test_run ();
}
