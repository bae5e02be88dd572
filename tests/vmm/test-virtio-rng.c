/* test-virtio-rng.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "pci/pci-host.h"
#include "virtio/virtio-pci.h"
#include "virtio/virtio-rng.h"

/* virtio-rng end to end: a PCI host bridge on fake buses, the device on it,
 * and a driver that does what Linux's virtio_pci_modern + virtio_rng do. */

#define RAM_SIZE   0x200000u
#define DESC_GPA   0x1000u
#define AVAIL_GPA  0x2000u
#define USED_GPA   0x3000u
#define DATA_GPA   0x10000u

#define F_VERSION_1   VIRTIO_FEATURE (VIRTIO_F_VERSION_1)
#define F_EVENT_IDX   VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)
#define F_INDIRECT    VIRTIO_FEATURE (VIRTIO_F_RING_INDIRECT_DESC)

typedef struct
{
  GuestMemory mem;
  uint8_t    *ram;
  IoBus       pio;
  IoBus       mmio;
  PciHost    *host;
  VirtioRng  *rng;
  VirtioPci  *vp;
  uint8_t     devfn;
  unsigned    n_msgs;
  uint32_t    last_data;
  bool        line[PCI_HOST_N_INTX];

  uint64_t    common;
  uint64_t    isr;
  uint64_t    notify;
  uint32_t    multiplier;
  uint16_t    qsize;
  uint16_t    avail_idx;
  uint16_t    next_desc;
} Machine;

static Machine *line_machine;

static void
machine_msi (void     *opaque,
             uint64_t  address,
             uint32_t  data)
{
  Machine *m = opaque;

  /* Messages come from whichever thread kicked. */
  g_assert_cmphex (address & 0xfff00000u, ==, 0xfee00000u);
  __atomic_fetch_add (&m->n_msgs, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n (&m->last_data, data, __ATOMIC_SEQ_CST);
}

static void
machine_set_line (void *opaque,
                  bool  level)
{
  line_machine->line[GPOINTER_TO_UINT (opaque)] = level;
}

/* Configuration space through ports 0xcf8/0xcfc, as Linux's pci=conf1. */
static uint32_t
cfg_read (Machine  *m,
          unsigned  reg,
          unsigned  size)
{
  uint32_t address = 0x80000000u | (uint32_t) m->devfn << 8 | (reg & 0xfc), value = 0;

  g_assert_true (io_bus_write (&m->pio, 0xcf8, &address, 4));
  g_assert_true (io_bus_read (&m->pio, 0xcfc + (reg & 3), &value, size));
  return value;
}

static void
cfg_write (Machine  *m,
           unsigned  reg,
           uint32_t  value,
           unsigned  size)
{
  uint32_t address = 0x80000000u | (uint32_t) m->devfn << 8 | (reg & 0xfc);

  g_assert_true (io_bus_write (&m->pio, 0xcf8, &address, 4));
  g_assert_true (io_bus_write (&m->pio, 0xcfc + (reg & 3), &value, size));
}

static uint64_t
rd (Machine  *m,
    uint64_t  addr,
    unsigned  size)
{
  uint64_t value = 0;

  g_assert_true (io_bus_read (&m->mmio, addr, &value, size));
  return value;
}

static void
wr (Machine  *m,
    uint64_t  addr,
    uint64_t  value,
    unsigned  size)
{
  g_assert_true (io_bus_write (&m->mmio, addr, &value, size));
}

static void
machine_init (Machine *m)
{
  PciHostConfig config = { 0 };
  int slot;

  memset (m, 0, sizeof *m);
  line_machine = m;
  m->ram = g_malloc0 (RAM_SIZE);
  g_assert_cmpint (guest_memory_add_region (&m->mem, 0, m->ram, RAM_SIZE), ==, 0);
  io_bus_init (&m->pio);
  io_bus_init (&m->mmio);
  config.pio = &m->pio;
  config.mmio = &m->mmio;
  config.ecam_base = PCI_HOST_ECAM_BASE;
  config.msi = machine_msi;
  config.msi_opaque = m;
  for (unsigned i = 0; i < PCI_HOST_N_INTX; i++)
    config.intx[i] = (IrqLine) { machine_set_line, GUINT_TO_POINTER (i) };

  /* What vmm.c does. */
  m->host = pci_host_new (&config);
  g_assert_nonnull (m->host);
  m->rng = virtio_rng_new (&m->mem);
  g_assert_nonnull (m->rng);
  m->vp = virtio_pci_new (virtio_rng_get_device (m->rng));
  g_assert_nonnull (m->vp);
  slot = pci_host_add_device (m->host, virtio_pci_get_pci_device (m->vp), -1);
  g_assert_cmpint (slot, ==, 1);
  m->devfn = PCI_DEVFN (slot, 0);
}

static void
machine_destroy (Machine *m)
{
  pci_host_free (m->host);
  virtio_pci_free (m->vp);
  virtio_rng_free (m->rng);
  io_bus_destroy (&m->pio);
  io_bus_destroy (&m->mmio);
  g_free (m->ram);
}

/* virtio_pci_modern_probe: ids, then the capabilities. */
static void
driver_probe (Machine *m)
{
  uint16_t device = (uint16_t) cfg_read (m, PCI_DEVICE_ID, 2);
  uint64_t bar[PCI_NUM_BARS] = { 0 };

  g_assert_cmphex (cfg_read (m, PCI_VENDOR_ID, 2), ==, 0x1af4);
  g_assert_cmphex (device, ==, 0x1040 + VIRTIO_ID_RNG);
  g_assert_cmphex (cfg_read (m, PCI_REVISION_ID, 1), ==, 1);
  for (unsigned i = 0; i < PCI_NUM_BARS; i++)
    {
      uint32_t lo = cfg_read (m, PCI_BASE_ADDRESS_0 + 4 * i, 4);

      if ((lo & (PCI_BAR_SPACE_IO | PCI_BAR_MEM_TYPE_64)) == PCI_BAR_MEM_TYPE_64)
        {
          uint64_t hi = cfg_read (m, PCI_BASE_ADDRESS_0 + 4 * (i + 1), 4);

          bar[i] = (lo & ~0xfu) | hi << 32;
          i++;
        }
      else if (!(lo & PCI_BAR_SPACE_IO))
        bar[i] = lo & ~0xfu;
    }
  for (unsigned ptr = cfg_read (m, PCI_CAPABILITY_LIST, 1); ptr != 0;
       ptr = cfg_read (m, ptr + 1, 1))
    {
      unsigned type, b;
      uint64_t where;

      if (cfg_read (m, ptr, 1) != PCI_CAP_ID_VENDOR)
        continue;
      type = cfg_read (m, ptr + VIRTIO_PCI_CAP_CFG_TYPE, 1);
      b = cfg_read (m, ptr + VIRTIO_PCI_CAP_BAR, 1);
      if (b >= PCI_NUM_BARS)
        continue;
      where = bar[b] + cfg_read (m, ptr + VIRTIO_PCI_CAP_OFFSET, 4);
      if (type == VIRTIO_PCI_CAP_COMMON_CFG && m->common == 0)
        m->common = where;
      else if (type == VIRTIO_PCI_CAP_ISR_CFG && m->isr == 0)
        m->isr = where;
      else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && m->notify == 0)
        {
          m->notify = where;
          m->multiplier = cfg_read (m, ptr + VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER, 4);
        }
      /* rng has no device configuration. */
      g_assert_cmpuint (type, !=, VIRTIO_PCI_CAP_DEVICE_CFG);
    }
  g_assert_cmphex (m->common, !=, 0);
  g_assert_cmphex (m->isr, !=, 0);
  g_assert_cmphex (m->notify, !=, 0);
}

static uint8_t
get_status (Machine *m)
{
  return (uint8_t) rd (m, m->common + VIRTIO_PCI_COMMON_STATUS, 1);
}

static void
add_status (Machine *m,
            uint8_t  bits)
{
  wr (m, m->common + VIRTIO_PCI_COMMON_STATUS, get_status (m) | bits, 1);
}

static void
msix_setup (Machine *m)
{
  unsigned cap = 0;
  uint32_t table;
  uint64_t base;

  for (unsigned ptr = cfg_read (m, PCI_CAPABILITY_LIST, 1); ptr != 0 && cap == 0;
       ptr = cfg_read (m, ptr + 1, 1))
    if (cfg_read (m, ptr, 1) == PCI_CAP_ID_MSIX)
      cap = ptr;
  g_assert_cmpuint (cap, !=, 0);
  g_assert_cmpuint (cfg_read (m, cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, ==, 1);
  table = cfg_read (m, cap + PCI_MSIX_TABLE, 4);
  base = (cfg_read (m, PCI_BASE_ADDRESS_0 + 4 * (table & 7), 4) & ~0xfu) + (table & ~7u);
  for (unsigned v = 0; v < 2; v++)
    {
      wr (m, base + 16 * v, 0xfee00000u, 4);
      wr (m, base + 16 * v + 4, 0, 4);
      wr (m, base + 16 * v + 8, 0x30 + v, 4);
      wr (m, base + 16 * v + 12, 0, 4);
    }
  cfg_write (m, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
}

/* virtio_dev_probe + vp_find_vqs + virtio_device_ready, in that order.
 * Returns the negotiated features. */
static uint64_t
driver_start (Machine  *m,
              bool      msix,
              uint64_t  driver_features)
{
  uint64_t features;
  uint16_t size;

  driver_probe (m);
  /* Reset and wait for it to finish. */
  wr (m, m->common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  while (get_status (m) != 0)
    ;
  add_status (m, VIRTIO_STATUS_ACKNOWLEDGE);
  add_status (m, VIRTIO_STATUS_DRIVER);

  wr (m, m->common + VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
  features = rd (m, m->common + VIRTIO_PCI_COMMON_DF, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
  features |= rd (m, m->common + VIRTIO_PCI_COMMON_DF, 4) << 32;
  g_assert_true (features & F_VERSION_1);
  features &= driver_features;
  wr (m, m->common + VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_GF, (uint32_t) features, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_GF, features >> 32, 4);
  add_status (m, VIRTIO_STATUS_FEATURES_OK);
  g_assert_true (get_status (m) & VIRTIO_STATUS_FEATURES_OK);

  if (msix)
    {
      msix_setup (m);
      wr (m, m->common + VIRTIO_PCI_COMMON_MSIX, 0, 2);
      g_assert_cmphex (rd (m, m->common + VIRTIO_PCI_COMMON_MSIX, 2), ==, 0);
    }
  g_assert_cmpuint (rd (m, m->common + VIRTIO_PCI_COMMON_NUMQ, 2), ==, 1);
  wr (m, m->common + VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
  size = (uint16_t) rd (m, m->common + VIRTIO_PCI_COMMON_Q_SIZE, 2);
  g_assert_cmpuint (size, ==, VIRTIO_RNG_QUEUE_SIZE);
  g_assert_cmpuint (rd (m, m->common + VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 0);
  m->qsize = size;
  if (msix)
    {
      wr (m, m->common + VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
      g_assert_cmphex (rd (m, m->common + VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, 1);
    }
  wr (m, m->common + VIRTIO_PCI_COMMON_Q_DESC, DESC_GPA, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_Q_DESC + 4, 0, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_Q_DRIVER, AVAIL_GPA, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_Q_DRIVER + 4, 0, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_Q_DEVICE, USED_GPA, 4);
  wr (m, m->common + VIRTIO_PCI_COMMON_Q_DEVICE + 4, 0, 4);
  g_assert_cmpuint (rd (m, m->common + VIRTIO_PCI_COMMON_Q_NOFF, 2), ==, 0);
  wr (m, m->common + VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);

  add_status (m, VIRTIO_STATUS_DRIVER_OK);
  g_assert_cmphex (get_status (m), ==, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER
                                       | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
  return features;
}

static uint16_t
put_desc (Machine  *m,
          uint64_t  addr,
          uint32_t  len,
          uint16_t  flags,
          bool      chained)
{
  uint16_t index = m->next_desc++ % m->qsize;
  uint16_t next = (uint16_t) ((index + 1) % m->qsize);
  uint8_t *d = m->ram + DESC_GPA + 16 * index;

  flags |= chained ? VIRTQ_DESC_F_NEXT : 0;
  memcpy (d, &addr, 8);
  memcpy (d + 8, &len, 4);
  memcpy (d + 12, &flags, 2);
  memcpy (d + 14, &next, 2);
  return index;
}

static void
avail_add (Machine  *m,
           uint16_t  head)
{
  memcpy (m->ram + AVAIL_GPA + 4 + 2 * (m->avail_idx % m->qsize), &head, 2);
  m->avail_idx++;
  memcpy (m->ram + AVAIL_GPA + 2, &m->avail_idx, 2);
}

static void
kick (Machine *m)
{
  wr (m, m->notify, 0, 2);
}

static uint16_t
used_idx (Machine *m)
{
  uint16_t idx;

  memcpy (&idx, m->ram + USED_GPA + 2, 2);
  return idx;
}

static void
used_elem (Machine  *m,
           uint16_t  n,
           uint32_t *id,
           uint32_t *len)
{
  memcpy (id, m->ram + USED_GPA + 4 + 8 * (n % m->qsize), 4);
  memcpy (len, m->ram + USED_GPA + 4 + 8 * (n % m->qsize) + 4, 4);
}

static bool
all_bytes (const uint8_t *p,
           size_t         len,
           uint8_t        value)
{
  for (size_t i = 0; i < len; i++)
    if (p[i] != value)
      return false;
  return true;
}

static void
test_linux_read (void)
{
  Machine m;
  uint64_t features;
  uint32_t id, len;
  uint16_t head;

  machine_init (&m);
  features = driver_start (&m, true, F_VERSION_1 | F_EVENT_IDX | F_INDIRECT);
  g_assert_cmphex (features, ==, F_VERSION_1 | F_EVENT_IDX | F_INDIRECT);

  /* virtio_read: one device-writable buffer, then a kick. */
  head = put_desc (&m, DATA_GPA, 64, VIRTQ_DESC_F_WRITE, false);
  avail_add (&m, head);
  kick (&m);

  g_assert_cmpuint (used_idx (&m), ==, 1);
  used_elem (&m, 0, &id, &len);
  g_assert_cmpuint (id, ==, head);
  g_assert_cmpuint (len, ==, 64);
  /* 64 random bytes are not all zero (odds 2^-512), and nothing past them
   * was touched. */
  g_assert_false (all_bytes (m.ram + DATA_GPA, 64, 0));
  g_assert_true (all_bytes (m.ram + DATA_GPA + 64, 64, 0));
  g_assert_cmpuint (m.n_msgs, ==, 1);
  g_assert_cmphex (m.last_data, ==, 0x31);

  /* Another request: different bytes. */
  head = put_desc (&m, DATA_GPA + 0x100, 64, VIRTQ_DESC_F_WRITE, false);
  avail_add (&m, head);
  kick (&m);
  g_assert_cmpuint (used_idx (&m), ==, 2);
  g_assert_cmpint (memcmp (m.ram + DATA_GPA, m.ram + DATA_GPA + 0x100, 16), !=, 0);
  machine_destroy (&m);
}

static void
test_linux_read_intx (void)
{
  Machine m;
  unsigned line = (1 + 1 - 1) % PCI_HOST_N_INTX;   /* slot 1, pin A */
  uint16_t head;

  machine_init (&m);
  driver_start (&m, false, F_VERSION_1);
  g_assert_cmpuint (cfg_read (&m, PCI_INTERRUPT_LINE, 1), ==, PCI_HOST_INTX_GSI_BASE + line);
  head = put_desc (&m, DATA_GPA, 32, VIRTQ_DESC_F_WRITE, false);
  avail_add (&m, head);
  kick (&m);
  g_assert_cmpuint (used_idx (&m), ==, 1);
  g_assert_true (m.line[line]);
  g_assert_cmphex (rd (&m, m.isr, 1), ==, VIRTIO_PCI_ISR_QUEUE);
  g_assert_false (m.line[line]);
  g_assert_cmpuint (m.n_msgs, ==, 0);
  machine_destroy (&m);
}

/* A request gets at most VIRTIO_RNG_MAX_REQUEST bytes, whatever it offers;
 * readable buffers in it are left alone. */
static void
test_bounded_request (void)
{
  Machine m;
  uint16_t head;
  uint32_t id, len;
  const uint32_t seg = 40000;

  machine_init (&m);
  driver_start (&m, true, F_VERSION_1);
  memset (m.ram + DATA_GPA, 0xee, 0x100);
  memset (m.ram + 0x20000, 0, 3 * seg);
  head = put_desc (&m, DATA_GPA, 0x100, 0, true);
  put_desc (&m, 0x20000, seg, VIRTQ_DESC_F_WRITE, true);
  put_desc (&m, 0x20000 + seg, seg, VIRTQ_DESC_F_WRITE, true);
  put_desc (&m, 0x20000 + 2 * seg, seg, VIRTQ_DESC_F_WRITE, false);
  avail_add (&m, head);
  kick (&m);

  g_assert_cmpuint (used_idx (&m), ==, 1);
  used_elem (&m, 0, &id, &len);
  g_assert_cmpuint (id, ==, head);
  g_assert_cmpuint (len, ==, VIRTIO_RNG_MAX_REQUEST);
  g_assert_true (all_bytes (m.ram + DATA_GPA, 0x100, 0xee));
  g_assert_false (all_bytes (m.ram + 0x20000 + seg, 64, 0));
  g_assert_false (all_bytes (m.ram + 0x20000 + VIRTIO_RNG_MAX_REQUEST - 64, 64, 0));
  g_assert_true (all_bytes (m.ram + 0x20000 + VIRTIO_RNG_MAX_REQUEST,
                            3 * seg - VIRTIO_RNG_MAX_REQUEST, 0));
  machine_destroy (&m);
}

/* A full ring in one notification; with event index, one interrupt. */
static void
test_full_ring (void)
{
  Machine m;

  machine_init (&m);
  driver_start (&m, true, F_VERSION_1 | F_EVENT_IDX);
  for (unsigned i = 0; i < m.qsize; i++)
    avail_add (&m, put_desc (&m, DATA_GPA + 16 * i, 16, VIRTQ_DESC_F_WRITE, false));
  kick (&m);
  g_assert_cmpuint (used_idx (&m), ==, m.qsize);
  g_assert_cmpuint (m.n_msgs, ==, 1);
  for (unsigned i = 0; i < m.qsize; i++)
    {
      uint32_t id, len;

      used_elem (&m, (uint16_t) i, &id, &len);
      g_assert_cmpuint (id, ==, i);
      g_assert_cmpuint (len, ==, 16);
    }
  machine_destroy (&m);
}

static void
test_indirect (void)
{
  Machine m;
  uint8_t *table;
  uint64_t addr;
  uint32_t len;
  uint16_t flags, head;

  machine_init (&m);
  driver_start (&m, true, F_VERSION_1 | F_INDIRECT);
  /* An indirect table of two writable buffers. */
  table = m.ram + 0x8000;
  for (unsigned i = 0; i < 2; i++)
    {
      uint16_t next = 1;

      addr = DATA_GPA + 0x100 * i;
      len = 24;
      flags = VIRTQ_DESC_F_WRITE | (i == 0 ? VIRTQ_DESC_F_NEXT : 0);
      memcpy (table + 16 * i, &addr, 8);
      memcpy (table + 16 * i + 8, &len, 4);
      memcpy (table + 16 * i + 12, &flags, 2);
      memcpy (table + 16 * i + 14, &next, 2);
    }
  head = put_desc (&m, 0x8000, 32, VIRTQ_DESC_F_INDIRECT, false);
  avail_add (&m, head);
  kick (&m);
  g_assert_cmpuint (used_idx (&m), ==, 1);
  g_assert_false (all_bytes (m.ram + DATA_GPA + 0x100, 24, 0));
  machine_destroy (&m);
}

/* A hostile driver: a descriptor pointing outside RAM breaks the device
 * (DEVICE_NEEDS_RESET, a configuration interrupt) and nothing else. */
static void
test_malformed (void)
{
  Machine m;
  uint16_t head;

  machine_init (&m);
  driver_start (&m, true, F_VERSION_1);
  head = put_desc (&m, RAM_SIZE - 16, 64, VIRTQ_DESC_F_WRITE, false);
  avail_add (&m, head);
  kick (&m);
  g_assert_cmpuint (used_idx (&m), ==, 0);
  g_assert_true (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_cmpuint (m.n_msgs, ==, 1);
  g_assert_cmphex (m.last_data, ==, 0x30);           /* the config vector */

  /* The driver resets and starts over. */
  m.avail_idx = 0;
  m.next_desc = 0;
  memset (m.ram + DESC_GPA, 0, 0x3000);
  driver_start (&m, true, F_VERSION_1);
  head = put_desc (&m, DATA_GPA, 8, VIRTQ_DESC_F_WRITE, false);
  avail_add (&m, head);
  kick (&m);
  g_assert_cmpuint (used_idx (&m), ==, 1);
  machine_destroy (&m);
}

static gpointer
kick_thread (gpointer data)
{
  VirtioPci *vp = data;

  for (unsigned i = 0; i < 200; i++)
    virtio_pci_kick (vp, 0);
  return NULL;
}

/* vCPUs (or an ioeventfd thread and a vCPU) kicking the same queue at once:
 * every request is served exactly once. */
static void
test_concurrent_kicks (void)
{
  Machine m;
  GThread *threads[4];
  bool seen[VIRTIO_RNG_QUEUE_SIZE] = { false };

  machine_init (&m);
  driver_start (&m, true, F_VERSION_1 | F_EVENT_IDX);
  for (unsigned i = 0; i < m.qsize; i++)
    avail_add (&m, put_desc (&m, DATA_GPA + 64 * i, 64, VIRTQ_DESC_F_WRITE, false));
  for (unsigned t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("kick", kick_thread, m.vp);
  for (unsigned t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);

  g_assert_cmpuint (used_idx (&m), ==, m.qsize);
  for (unsigned i = 0; i < m.qsize; i++)
    {
      uint32_t id, len;

      used_elem (&m, (uint16_t) i, &id, &len);
      g_assert_cmpuint (id, <, m.qsize);
      g_assert_false (seen[id]);
      seen[id] = true;
      g_assert_cmpuint (len, ==, 64);
    }
  g_assert_cmpuint (m.n_msgs, >=, 1);
  machine_destroy (&m);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/virtio-rng/linux-read", test_linux_read);
  g_test_add_func ("/vmm/virtio-rng/linux-read-intx", test_linux_read_intx);
  g_test_add_func ("/vmm/virtio-rng/bounded-request", test_bounded_request);
  g_test_add_func ("/vmm/virtio-rng/full-ring", test_full_ring);
  g_test_add_func ("/vmm/virtio-rng/indirect", test_indirect);
  g_test_add_func ("/vmm/virtio-rng/malformed", test_malformed);
  g_test_add_func ("/vmm/virtio-rng/concurrent-kicks", test_concurrent_kicks);
  return g_test_run ();
}
