/* test-virtio-pci.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "pci/pci-host.h"
#include "virtio/virtio-pci.h"

/* The transport driven the way a driver drives it: configuration space
 * through the host bridge, the BARs through the MMIO bus, rings in 1 MiB of
 * fake guest RAM. The back end is a fake "echo" device: two queues; on queue
 * 0 it copies each request's readable bytes into its writable ones. */

#define RAM_SIZE   0x100000u
#define DESC_GPA   0x1000u
#define AVAIL_GPA  0x2000u
#define USED_GPA   0x3000u
#define DATA_GPA   0x10000u
#define SLOT       4

#define F_VERSION_1   VIRTIO_FEATURE (VIRTIO_F_VERSION_1)
#define F_EVENT_IDX   VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)
#define F_INDIRECT    VIRTIO_FEATURE (VIRTIO_F_RING_INDIRECT_DESC)
#define F_FAKE        VIRTIO_FEATURE (0)

typedef struct
{
  VirtioDevice vdev;
  GMutex       lock;
  VirtqChain   chain;
  unsigned     n_notify[2];
  unsigned     n_activate;
  unsigned     n_reset;
  int          activate_result;
  uint8_t      config[8];
  unsigned     n_config_writes;
} FakeDev;

typedef struct
{
  uint64_t address;
  uint32_t data;
} Msg;

typedef struct
{
  GuestMemory mem;
  uint8_t    *ram;
  IoBus       pio;
  IoBus       mmio;
  PciHost    *host;
  FakeDev     fake;
  VirtioPci  *vp;
  PciDevice  *pci;
  Msg         msgs[64];
  unsigned    n_msgs;
  bool        line[PCI_HOST_N_INTX];

  /* What the "driver" learned. */
  uint64_t    bar;
  uint64_t    msix_table;
  unsigned    msix_cap;
  uint64_t    common;
  uint64_t    isr;
  uint64_t    device;
  uint64_t    notify;
  uint32_t    notify_multiplier;
  unsigned    cfg_cap;
  uint16_t    avail_idx;
  uint16_t    qsize;
  unsigned    n_moved;
} Machine;

static Machine *line_machine;

static void
fake_echo (FakeDev *fake)
{
  Virtqueue *vq = virtio_device_get_queue (&fake->vdev, 0);
  bool pushed = false;

  g_mutex_lock (&fake->lock);
  while (virtq_pop (vq, &fake->chain) > 0)
    {
      uint8_t buf[256];
      size_t n = virtq_chain_read (&fake->chain, 0, buf, sizeof buf);

      n = virtq_chain_write (&fake->chain, 0, buf, n);
      g_assert_cmpint (virtq_push (vq, &fake->chain, (uint32_t) n), ==, 0);
      pushed = true;
    }
  g_mutex_unlock (&fake->lock);
  if (pushed)
    virtio_device_queue_done (&fake->vdev, 0);
}

static void
fake_queue_notify (VirtioDevice *vdev,
                   unsigned      queue)
{
  FakeDev *fake = (FakeDev *) vdev;

  /* The transport only passes queues that exist. */
  g_assert_cmpuint (queue, <, G_N_ELEMENTS (fake->n_notify));
  if (queue < G_N_ELEMENTS (fake->n_notify))
    fake->n_notify[queue]++;
  if (queue == 0)
    fake_echo (fake);
}

static void
fake_config_read (VirtioDevice *vdev,
                  unsigned      offset,
                  void         *buf,
                  unsigned      size)
{
  FakeDev *fake = (FakeDev *) vdev;

  g_assert_cmpuint (offset + size, <=, sizeof fake->config);
  memcpy (buf, fake->config + offset, size);
}

static void
fake_config_write (VirtioDevice *vdev,
                   unsigned      offset,
                   const void   *buf,
                   unsigned      size)
{
  FakeDev *fake = (FakeDev *) vdev;

  g_assert_cmpuint (offset + size, <=, sizeof fake->config);
  /* Only the second dword is writable. */
  if (offset >= 4)
    memcpy (fake->config + offset, buf, size);
  fake->n_config_writes++;
}

static int
fake_activate (VirtioDevice *vdev)
{
  FakeDev *fake = (FakeDev *) vdev;

  fake->n_activate++;
  return fake->activate_result;
}

static void
fake_reset (VirtioDevice *vdev)
{
  FakeDev *fake = (FakeDev *) vdev;

  fake->n_reset++;
}

static const VirtioDeviceOps fake_ops = {
  .name = "fake",
  .config_read = fake_config_read,
  .config_write = fake_config_write,
  .queue_notify = fake_queue_notify,
  .activate = fake_activate,
  .reset = fake_reset,
};

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
  line_machine->line[GPOINTER_TO_UINT (opaque)] = level;
}

static void
machine_notify_moved (void      *opaque,
                      VirtioPci *vp)
{
  Machine *m = opaque;

  m->n_moved++;
}

static uint32_t
cfg_read (Machine  *m,
          unsigned  offset,
          unsigned  size)
{
  return pci_host_config_read (m->host, 0, PCI_DEVFN (SLOT, 0), offset, size);
}

static void
cfg_write (Machine  *m,
           unsigned  offset,
           uint32_t  value,
           unsigned  size)
{
  pci_host_config_write (m->host, 0, PCI_DEVFN (SLOT, 0), offset, value, size);
}

static uint64_t
mmio_read (Machine  *m,
           uint64_t  addr,
           unsigned  size)
{
  uint64_t value = 0;

  g_assert_true (io_bus_read (&m->mmio, addr, &value, size));
  return value;
}

static void
mmio_write (Machine  *m,
            uint64_t  addr,
            uint64_t  value,
            unsigned  size)
{
  g_assert_true (io_bus_write (&m->mmio, addr, &value, size));
}

/* Finds the virtio structures the way Linux's virtio_pci_modern does: walk
 * the vendor capabilities, take the first of each type. */
static void
machine_discover (Machine *m)
{
  m->bar = (cfg_read (m, PCI_BASE_ADDRESS_0 + 16, 4) & ~0xfu)
           | (uint64_t) cfg_read (m, PCI_BASE_ADDRESS_0 + 20, 4) << 32;
  for (unsigned ptr = cfg_read (m, PCI_CAPABILITY_LIST, 1); ptr != 0;
       ptr = cfg_read (m, ptr + 1, 1))
    {
      uint8_t id = (uint8_t) cfg_read (m, ptr, 1);

      if (id == PCI_CAP_ID_MSIX)
        {
          uint32_t table = cfg_read (m, ptr + PCI_MSIX_TABLE, 4);
          uint32_t bar = table & 7;

          m->msix_cap = ptr;
          m->msix_table = (cfg_read (m, PCI_BASE_ADDRESS_0 + 4 * bar, 4) & ~0xfu) + (table & ~7u);
        }
      else if (id == PCI_CAP_ID_VENDOR)
        {
          uint8_t type = (uint8_t) cfg_read (m, ptr + VIRTIO_PCI_CAP_CFG_TYPE, 1);
          uint8_t bar = (uint8_t) cfg_read (m, ptr + VIRTIO_PCI_CAP_BAR, 1);
          uint64_t where = m->bar + cfg_read (m, ptr + VIRTIO_PCI_CAP_OFFSET, 4);

          if (type != VIRTIO_PCI_CAP_PCI_CFG)
            g_assert_cmpuint (bar, ==, 4);
          switch (type)
            {
            case VIRTIO_PCI_CAP_COMMON_CFG:
              m->common = where;
              g_assert_cmpuint (cfg_read (m, ptr + VIRTIO_PCI_CAP_LENGTH, 4), >=, 0x38);
              break;
            case VIRTIO_PCI_CAP_NOTIFY_CFG:
              m->notify = where;
              m->notify_multiplier = cfg_read (m, ptr + VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER, 4);
              break;
            case VIRTIO_PCI_CAP_ISR_CFG:
              m->isr = where;
              break;
            case VIRTIO_PCI_CAP_DEVICE_CFG:
              m->device = where;
              g_assert_cmpuint (cfg_read (m, ptr + VIRTIO_PCI_CAP_LENGTH, 4), ==, 8);
              break;
            case VIRTIO_PCI_CAP_PCI_CFG:
              m->cfg_cap = ptr;
              break;
            default:
              g_assert_not_reached ();
            }
        }
    }
  g_assert_cmpuint (m->common, !=, 0);
  g_assert_cmpuint (m->notify, !=, 0);
  g_assert_cmpuint (m->isr, !=, 0);
  g_assert_cmpuint (m->device, !=, 0);
  g_assert_cmpuint (m->cfg_cap, !=, 0);
  g_assert_cmpuint (m->msix_cap, !=, 0);
}

static void
machine_init (Machine *m)
{
  static const uint16_t sizes[2] = { 16, 8 };
  PciHostConfig config = { 0 };

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
  m->host = pci_host_new (&config);
  g_assert_nonnull (m->host);

  g_mutex_init (&m->fake.lock);
  g_assert_cmpint (virtio_device_init (&m->fake.vdev, &fake_ops, &m->mem, VIRTIO_ID_CONSOLE,
                                       F_FAKE, sizeof m->fake.config, 2, sizes), ==, 0);
  g_assert_cmpint (virtq_chain_init (&m->fake.chain, 16), ==, 0);
  memcpy (m->fake.config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);

  m->vp = virtio_pci_new (&m->fake.vdev);
  g_assert_nonnull (m->vp);
  virtio_pci_set_notify_listener (m->vp, machine_notify_moved, m);
  m->pci = virtio_pci_get_pci_device (m->vp);
  g_assert_cmpint (pci_host_add_device (m->host, m->pci, SLOT), ==, SLOT);
  machine_discover (m);
}

static void
machine_destroy (Machine *m)
{
  pci_host_free (m->host);
  g_assert_cmpuint (m->mmio.n_ranges, ==, 0);
  virtio_pci_free (m->vp);
  virtq_chain_destroy (&m->fake.chain);
  virtio_device_destroy (&m->fake.vdev);
  g_mutex_clear (&m->fake.lock);
  io_bus_destroy (&m->pio);
  io_bus_destroy (&m->mmio);
  g_free (m->ram);
}

static uint64_t
common_read (Machine  *m,
             unsigned  offset,
             unsigned  size)
{
  return mmio_read (m, m->common + offset, size);
}

static void
common_write (Machine  *m,
              unsigned  offset,
              uint64_t  value,
              unsigned  size)
{
  mmio_write (m, m->common + offset, value, size);
}

static uint8_t
get_status (Machine *m)
{
  return (uint8_t) common_read (m, VIRTIO_PCI_COMMON_STATUS, 1);
}

static void
add_status (Machine *m,
            uint8_t  bits)
{
  common_write (m, VIRTIO_PCI_COMMON_STATUS, get_status (m) | bits, 1);
}

static uint64_t
read_device_features (Machine *m)
{
  uint64_t f;

  common_write (m, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
  f = common_read (m, VIRTIO_PCI_COMMON_DF, 4);
  common_write (m, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
  f |= common_read (m, VIRTIO_PCI_COMMON_DF, 4) << 32;
  return f;
}

static void
write_driver_features (Machine  *m,
                       uint64_t  f)
{
  common_write (m, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
  common_write (m, VIRTIO_PCI_COMMON_GF, (uint32_t) f, 4);
  common_write (m, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
  common_write (m, VIRTIO_PCI_COMMON_GF, f >> 32, 4);
}

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (checked). */
static bool
negotiate (Machine  *m,
           uint64_t  features)
{
  common_write (m, VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_cmpuint (get_status (m), ==, 0);
  add_status (m, VIRTIO_STATUS_ACKNOWLEDGE);
  add_status (m, VIRTIO_STATUS_DRIVER);
  write_driver_features (m, features);
  add_status (m, VIRTIO_STATUS_FEATURES_OK);
  return (get_status (m) & VIRTIO_STATUS_FEATURES_OK) != 0;
}

static void
setup_queue (Machine  *m,
             uint16_t  queue,
             uint16_t  size,
             uint16_t  vector)
{
  memset (m->ram + DESC_GPA, 0, 0x3000);
  m->avail_idx = 0;
  m->qsize = size;
  common_write (m, VIRTIO_PCI_COMMON_Q_SELECT, queue, 2);
  common_write (m, VIRTIO_PCI_COMMON_Q_SIZE, size, 2);
  common_write (m, VIRTIO_PCI_COMMON_Q_MSIX, vector, 2);
  /* In halves, as Linux's vp_iowrite64_twopart. */
  common_write (m, VIRTIO_PCI_COMMON_Q_DESC, DESC_GPA, 4);
  common_write (m, VIRTIO_PCI_COMMON_Q_DESC + 4, 0, 4);
  common_write (m, VIRTIO_PCI_COMMON_Q_DRIVER, AVAIL_GPA, 4);
  common_write (m, VIRTIO_PCI_COMMON_Q_DRIVER + 4, 0, 4);
  common_write (m, VIRTIO_PCI_COMMON_Q_DEVICE, USED_GPA, 4);
  common_write (m, VIRTIO_PCI_COMMON_Q_DEVICE + 4, 0, 4);
  common_write (m, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
}

static void
enable_msix (Machine *m)
{
  /* Vector v: address 0xfee00000 + v * 0x1000, data 0x40 + v, unmasked. */
  for (unsigned v = 0; v < 3; v++)
    {
      mmio_write (m, m->msix_table + 16 * v, 0xfee00000u + v * 0x1000, 4);
      mmio_write (m, m->msix_table + 16 * v + 4, 0, 4);
      mmio_write (m, m->msix_table + 16 * v + 8, 0x40 + v, 4);
      mmio_write (m, m->msix_table + 16 * v + 12, 0, 4);
    }
  cfg_write (m, m->msix_cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
}

static void
put_desc (Machine  *m,
          unsigned  index,
          uint64_t  addr,
          uint32_t  len,
          uint16_t  flags,
          uint16_t  next)
{
  uint8_t *d = m->ram + DESC_GPA + 16 * index;

  memcpy (d, &addr, 8);
  memcpy (d + 8, &len, 4);
  memcpy (d + 12, &flags, 2);
  memcpy (d + 14, &next, 2);
}

static void
avail_add (Machine  *m,
           uint16_t  head)
{
  memcpy (m->ram + AVAIL_GPA + 4 + 2 * (m->avail_idx % m->qsize), &head, 2);
  m->avail_idx++;
  memcpy (m->ram + AVAIL_GPA + 2, &m->avail_idx, 2);
}

static uint16_t
used_idx (Machine *m)
{
  uint16_t idx;

  memcpy (&idx, m->ram + USED_GPA + 2, 2);
  return idx;
}

static void
kick (Machine  *m,
      uint16_t  queue)
{
  mmio_write (m, m->notify + (uint64_t) m->notify_multiplier * queue, queue, 2);
}

/* A request "ping" → 16 writable bytes, head 0. */
static void
post_ping (Machine *m)
{
  memcpy (m->ram + DATA_GPA, "ping", 4);
  memset (m->ram + DATA_GPA + 0x100, 0, 16);
  put_desc (m, 0, DATA_GPA, 4, VIRTQ_DESC_F_NEXT, 1);
  put_desc (m, 1, DATA_GPA + 0x100, 16, VIRTQ_DESC_F_WRITE, 0);
  avail_add (m, 0);
}

static void
test_identity (void)
{
  Machine m;
  uint64_t addr;

  machine_init (&m);
  g_assert_cmphex (cfg_read (&m, PCI_VENDOR_ID, 2), ==, 0x1af4);
  g_assert_cmphex (cfg_read (&m, PCI_DEVICE_ID, 2), ==, 0x1040 + VIRTIO_ID_CONSOLE);
  g_assert_cmphex (cfg_read (&m, PCI_REVISION_ID, 1), ==, 1);
  g_assert_cmphex (cfg_read (&m, PCI_SUBSYSTEM_VENDOR_ID, 2), ==, 0x1af4);
  g_assert_cmphex (cfg_read (&m, PCI_SUBSYSTEM_ID, 2), >=, 0x40);
  g_assert_cmphex (cfg_read (&m, PCI_INTERRUPT_PIN, 1), ==, 1);
  g_assert_true (cfg_read (&m, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);

  /* BAR 4: 64-bit memory, not prefetchable (reading the ISR has effects). */
  g_assert_cmphex (cfg_read (&m, PCI_BASE_ADDRESS_0 + 16, 4) & 0xf, ==, PCI_BAR_MEM_TYPE_64);
  g_assert_cmphex (pci_device_bar_size (m.pci, 4), ==, 0x4000);
  g_assert_cmphex (m.common, ==, m.bar);
  g_assert_cmphex (m.isr, ==, m.bar + 0x1000);
  g_assert_cmphex (m.device, ==, m.bar + 0x2000);
  g_assert_cmphex (m.notify, ==, m.bar + 0x3000);
  g_assert_cmpuint (m.notify_multiplier, ==, 4);
  /* One vector per queue plus one for configuration changes. */
  g_assert_cmphex (cfg_read (&m, m.msix_cap + PCI_MSIX_FLAGS, 2), ==, 2);

  /* Where the VMM would put ioeventfds. */
  g_assert_true (virtio_pci_get_notify_addr (m.vp, 1, &addr));
  g_assert_cmphex (addr, ==, m.bar + 0x3004);
  g_assert_false (virtio_pci_get_notify_addr (m.vp, 2, &addr));
  g_assert_cmpuint (m.n_moved, ==, 1);
  cfg_write (&m, PCI_COMMAND, 0, 2);
  g_assert_cmpuint (m.n_moved, ==, 2);
  g_assert_false (virtio_pci_get_notify_addr (m.vp, 0, &addr));

  machine_destroy (&m);
}

static void
test_feature_negotiation (void)
{
  Machine m;
  uint64_t f;

  machine_init (&m);
  f = read_device_features (&m);
  g_assert_cmphex (f, ==, F_VERSION_1 | F_EVENT_IDX | F_INDIRECT | F_FAKE);
  common_write (&m, VIRTIO_PCI_COMMON_DFSELECT, 2, 4);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_DF, 4), ==, 0);

  /* A legacy driver (no VERSION_1) is refused, and so is a feature we did
   * not offer. */
  g_assert_false (negotiate (&m, F_FAKE));
  g_assert_false (negotiate (&m, F_VERSION_1 | VIRTIO_FEATURE (5)));
  g_assert_false (negotiate (&m, F_VERSION_1 | VIRTIO_FEATURE (VIRTIO_F_RING_PACKED)));
  g_assert_cmphex (virtio_device_get_driver_features (&m.fake.vdev), ==, 0);

  g_assert_true (negotiate (&m, F_VERSION_1 | F_EVENT_IDX));
  g_assert_cmphex (virtio_device_get_driver_features (&m.fake.vdev), ==, F_VERSION_1 | F_EVENT_IDX);
  /* Fixed from FEATURES_OK on. */
  write_driver_features (&m, F_VERSION_1 | F_FAKE);
  common_write (&m, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_GF, 4), ==, F_EVENT_IDX);
  g_assert_cmphex (virtio_device_get_driver_features (&m.fake.vdev), ==, F_VERSION_1 | F_EVENT_IDX);

  /* DEVICE_NEEDS_RESET is not the driver's to set. */
  add_status (&m, VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_false (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);

  /* Reset forgets everything. */
  common_write (&m, VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_cmpuint (get_status (&m), ==, 0);
  g_assert_cmphex (virtio_device_get_driver_features (&m.fake.vdev), ==, 0);
  g_assert_cmpuint (m.fake.n_reset, >=, 1);
  machine_destroy (&m);
}

static void
test_queue_setup (void)
{
  Machine m;

  machine_init (&m);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_NUMQ, 2), ==, 2);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_PCI_NO_VECTOR);

  common_write (&m, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 8);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_NOFF, 2), ==, 1);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, VIRTIO_PCI_NO_VECTOR);
  /* A queue that does not exist reads as size 0. */
  common_write (&m, VIRTIO_PCI_COMMON_Q_SELECT, 2, 2);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 0);
  common_write (&m, VIRTIO_PCI_COMMON_Q_SIZE, 4, 2);
  common_write (&m, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 0);

  /* Enabling before FEATURES_OK does nothing. */
  common_write (&m, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 16);
  common_write (&m, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 0);

  g_assert_true (negotiate (&m, F_VERSION_1));
  /* Vectors: there are three; anything else reads back as NO_VECTOR. */
  common_write (&m, VIRTIO_PCI_COMMON_MSIX, 0, 2);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_MSIX, 2), ==, 0);
  common_write (&m, VIRTIO_PCI_COMMON_MSIX, 3, 2);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_PCI_NO_VECTOR);

  setup_queue (&m, 0, 4, 1);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 1);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 4);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_Q_DESC, 8), ==, DESC_GPA);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_Q_DRIVER, 4), ==, AVAIL_GPA);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_Q_DEVICE + 4, 4), ==, 0);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, 1);
  g_assert_true (virtq_is_ready (virtio_device_get_queue (&m.fake.vdev, 0)));
  /* Frozen while enabled. */
  common_write (&m, VIRTIO_PCI_COMMON_Q_SIZE, 8, 2);
  common_write (&m, VIRTIO_PCI_COMMON_Q_DESC, 0x5000, 8);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 4);
  g_assert_cmphex (common_read (&m, VIRTIO_PCI_COMMON_Q_DESC, 8), ==, DESC_GPA);

  /* Reads of anything, anywhere in the window, are harmless. */
  for (unsigned off = 0; off < 0x1000; off++)
    for (unsigned size = 1; size <= 8; size *= 2)
      if (off + size <= 0x1000)
        (void) common_read (&m, off, size);
  g_assert_cmpuint (common_read (&m, 0x38, 4), ==, 0);

  machine_destroy (&m);
}

static void
test_notify_msix (void)
{
  Machine m;

  machine_init (&m);
  enable_msix (&m);
  g_assert_true (negotiate (&m, F_VERSION_1));
  common_write (&m, VIRTIO_PCI_COMMON_MSIX, 0, 2);
  setup_queue (&m, 0, 8, 1);
  g_assert_cmpuint (m.fake.n_activate, ==, 0);
  add_status (&m, VIRTIO_STATUS_DRIVER_OK);
  g_assert_cmpuint (m.fake.n_activate, ==, 1);

  post_ping (&m);
  kick (&m, 0);
  g_assert_cmpuint (m.fake.n_notify[0], ==, 2);       /* one at DRIVER_OK, one now */
  g_assert_cmpuint (used_idx (&m), ==, 1);
  g_assert_cmpmem (m.ram + DATA_GPA + 0x100, 4, "ping", 4);
  g_assert_cmpuint (m.n_msgs, ==, 1);
  g_assert_cmphex (m.msgs[0].address, ==, 0xfee01000u);
  g_assert_cmphex (m.msgs[0].data, ==, 0x41);
  /* No ISR, no INTx with MSI-X. */
  g_assert_cmphex (mmio_read (&m, m.isr, 1), ==, 0);
  g_assert_false (m.line[0] || m.line[1] || m.line[2] || m.line[3]);

  /* The VMM's ioeventfd path does the same as the MMIO write. */
  post_ping (&m);
  virtio_pci_kick (m.vp, 0);
  g_assert_cmpuint (used_idx (&m), ==, 2);
  g_assert_cmpuint (m.n_msgs, ==, 2);

  /* A queue the driver did not enable is not the back end's business. */
  kick (&m, 1);
  kick (&m, 7);
  g_assert_cmpuint (m.fake.n_notify[1], ==, 0);

  /* A masked vector holds the message until unmasked. */
  mmio_write (&m, m.msix_table + 16 + 12, 1, 4);
  post_ping (&m);
  kick (&m, 0);
  g_assert_cmpuint (m.n_msgs, ==, 2);
  mmio_write (&m, m.msix_table + 16 + 12, 0, 4);
  g_assert_cmpuint (m.n_msgs, ==, 3);

  /* NO_VECTOR: the driver wants no interrupts for the queue. */
  common_write (&m, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
  common_write (&m, VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_PCI_NO_VECTOR, 2);
  post_ping (&m);
  kick (&m, 0);
  g_assert_cmpuint (used_idx (&m), ==, 4);
  g_assert_cmpuint (m.n_msgs, ==, 3);

  machine_destroy (&m);
}

static unsigned
device_line (void)
{
  return (SLOT + 1 - 1) % PCI_HOST_N_INTX;
}

static void
test_intx_isr (void)
{
  Machine m;

  machine_init (&m);
  g_assert_cmphex (cfg_read (&m, PCI_INTERRUPT_LINE, 1), ==, 16 + device_line ());
  g_assert_true (negotiate (&m, F_VERSION_1));
  setup_queue (&m, 0, 8, VIRTIO_PCI_NO_VECTOR);
  add_status (&m, VIRTIO_STATUS_DRIVER_OK);

  post_ping (&m);
  kick (&m, 0);
  g_assert_cmpuint (used_idx (&m), ==, 1);
  g_assert_true (m.line[device_line ()]);
  /* Reading the ISR acknowledges: it clears and the line drops. */
  g_assert_cmphex (mmio_read (&m, m.isr, 1), ==, VIRTIO_PCI_ISR_QUEUE);
  g_assert_false (m.line[device_line ()]);
  g_assert_cmphex (mmio_read (&m, m.isr, 1), ==, 0);

  /* A configuration change: ISR bit 1, a new generation. */
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_CFGGENERATION, 1), ==, 0);
  virtio_device_config_changed (&m.fake.vdev);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_CFGGENERATION, 1), ==, 1);
  g_assert_true (m.line[device_line ()]);
  g_assert_cmphex (mmio_read (&m, m.isr, 4), ==, VIRTIO_PCI_ISR_CONFIG);
  g_assert_false (m.line[device_line ()]);

  /* INTx disable in the command register keeps the line down. */
  cfg_write (&m, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
  post_ping (&m);
  kick (&m, 0);
  g_assert_false (m.line[device_line ()]);
  cfg_write (&m, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
  g_assert_true (m.line[device_line ()]);
  /* A reset clears the ISR and the line. */
  common_write (&m, VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_false (m.line[device_line ()]);

  machine_destroy (&m);
}

static void
test_device_config (void)
{
  Machine m;

  machine_init (&m);
  g_assert_cmphex (mmio_read (&m, m.device, 4), ==, 0x04030201u);
  g_assert_cmphex (mmio_read (&m, m.device + 6, 2), ==, 0x0807);
  g_assert_cmphex (mmio_read (&m, m.device, 8), ==, 0x0807060504030201ull);
  mmio_write (&m, m.device + 4, 0xaabbccdd, 4);
  g_assert_cmphex (mmio_read (&m, m.device + 4, 4), ==, 0xaabbccddu);
  /* Past the end of the device's configuration: nothing reaches it. */
  g_assert_cmphex (mmio_read (&m, m.device + 6, 4), ==, 0);
  mmio_write (&m, m.device + 8, 0xffffffffu, 4);
  mmio_write (&m, m.device + 0xffc, 0xffffffffu, 4);
  g_assert_cmpuint (m.fake.n_config_writes, ==, 1);
  machine_destroy (&m);
}

/* The configuration-space window onto BAR 4 (VIRTIO_PCI_CAP_PCI_CFG). */
static void
test_pci_cfg_window (void)
{
  Machine m;
  unsigned data = 0;

  machine_init (&m);
  data = m.cfg_cap + VIRTIO_PCI_CAP_PCI_CFG_DATA;
  g_assert_true (negotiate (&m, F_VERSION_1));

  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_BAR, 4, 1);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_STATUS, 4);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_LENGTH, 1, 4);
  g_assert_cmphex (cfg_read (&m, data, 4) & 0xff, ==, get_status (&m));

  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_Q_SELECT, 4);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_LENGTH, 2, 4);
  cfg_write (&m, data, 1, 4);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_SELECT, 2), ==, 1);
  g_assert_cmpuint (cfg_read (&m, data, 2), ==, 1);

  /* The device-specific configuration, four bytes at once. */
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_OFFSET, 0x2000, 4);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_LENGTH, 4, 4);
  g_assert_cmphex (cfg_read (&m, data, 4), ==, 0x04030201u);

  /* Windows that point at nothing do nothing: misaligned, wrong length,
   * wrong BAR, past the BAR. */
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_Q_SELECT, 4);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_LENGTH, 4, 4);
  cfg_write (&m, data, 0, 4);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_LENGTH, 3, 4);
  cfg_write (&m, data, 0, 4);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_LENGTH, 2, 4);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_BAR, 1, 1);
  cfg_write (&m, data, 0, 4);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_BAR, 4, 1);
  cfg_write (&m, m.cfg_cap + VIRTIO_PCI_CAP_OFFSET, 0xfffffffeu, 4);
  cfg_write (&m, data, 0, 4);
  (void) cfg_read (&m, data, 4);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_SELECT, 2), ==, 1);

  machine_destroy (&m);
}

static void
test_needs_reset (void)
{
  Machine m;
  unsigned notified;

  machine_init (&m);
  enable_msix (&m);
  g_assert_true (negotiate (&m, F_VERSION_1));
  common_write (&m, VIRTIO_PCI_COMMON_MSIX, 2, 2);
  setup_queue (&m, 0, 8, 1);
  add_status (&m, VIRTIO_STATUS_DRIVER_OK);

  /* A descriptor loop. */
  put_desc (&m, 0, DATA_GPA, 4, VIRTQ_DESC_F_NEXT, 1);
  put_desc (&m, 1, DATA_GPA, 4, VIRTQ_DESC_F_NEXT, 0);
  avail_add (&m, 0);
  kick (&m, 0);
  g_assert_true (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_true (get_status (&m) & VIRTIO_STATUS_DRIVER_OK);
  g_assert_cmpuint (used_idx (&m), ==, 0);
  /* A configuration change message on the config vector. */
  g_assert_cmpuint (m.n_msgs, ==, 1);
  g_assert_cmphex (m.msgs[0].data, ==, 0x42);

  /* The device is stopped: kicks do not reach the back end, and the
   * driver cannot clear the bit by writing status. */
  notified = m.fake.n_notify[0];
  kick (&m, 0);
  g_assert_cmpuint (m.fake.n_notify[0], ==, notified);
  common_write (&m, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 1);
  g_assert_true (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_cmpuint (m.n_msgs, ==, 1);

  /* Reset, set up again: it works. */
  g_assert_true (negotiate (&m, F_VERSION_1));
  g_assert_false (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  setup_queue (&m, 0, 8, 1);
  add_status (&m, VIRTIO_STATUS_DRIVER_OK);
  post_ping (&m);
  kick (&m, 0);
  g_assert_cmpuint (used_idx (&m), ==, 1);
  g_assert_cmpuint (get_status (&m), ==, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER
                                         | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
  machine_destroy (&m);
}

static void
test_bad_ring_address (void)
{
  Machine m;

  machine_init (&m);
  g_assert_true (negotiate (&m, F_VERSION_1));
  common_write (&m, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
  common_write (&m, VIRTIO_PCI_COMMON_Q_DESC, 0xfee00000u, 8);   /* not RAM */
  common_write (&m, VIRTIO_PCI_COMMON_Q_DRIVER, AVAIL_GPA, 8);
  common_write (&m, VIRTIO_PCI_COMMON_Q_DEVICE, USED_GPA, 8);
  common_write (&m, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
  g_assert_true (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* Without MSI-X the config change shows in the ISR. */
  g_assert_cmphex (mmio_read (&m, m.isr, 1), ==, VIRTIO_PCI_ISR_CONFIG);

  /* A size that is not a power of two, on the other queue, after a reset. */
  g_assert_true (negotiate (&m, F_VERSION_1));
  common_write (&m, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
  common_write (&m, VIRTIO_PCI_COMMON_Q_SIZE, 6, 2);
  common_write (&m, VIRTIO_PCI_COMMON_Q_DESC, DESC_GPA, 8);
  common_write (&m, VIRTIO_PCI_COMMON_Q_DRIVER, AVAIL_GPA, 8);
  common_write (&m, VIRTIO_PCI_COMMON_Q_DEVICE, USED_GPA, 8);
  common_write (&m, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
  g_assert_true (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  machine_destroy (&m);
}

static void
test_driver_ok_rules (void)
{
  Machine m;

  machine_init (&m);
  /* DRIVER_OK without FEATURES_OK is a broken driver. */
  common_write (&m, VIRTIO_PCI_COMMON_STATUS, 0, 1);
  add_status (&m, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  add_status (&m, VIRTIO_STATUS_DRIVER_OK);
  g_assert_false (get_status (&m) & VIRTIO_STATUS_DRIVER_OK);
  g_assert_true (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_cmpuint (m.fake.n_activate, ==, 0);

  /* A back end that refuses its configuration. */
  m.fake.activate_result = -EINVAL;
  g_assert_true (negotiate (&m, F_VERSION_1));
  add_status (&m, VIRTIO_STATUS_DRIVER_OK);
  g_assert_cmpuint (m.fake.n_activate, ==, 1);
  g_assert_true (get_status (&m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);

  /* Buffers made available before DRIVER_OK are taken at DRIVER_OK. */
  m.fake.activate_result = 0;
  g_assert_true (negotiate (&m, F_VERSION_1));
  setup_queue (&m, 0, 8, VIRTIO_PCI_NO_VECTOR);
  post_ping (&m);
  kick (&m, 0);
  g_assert_cmpuint (used_idx (&m), ==, 0);
  add_status (&m, VIRTIO_STATUS_DRIVER_OK);
  g_assert_cmpuint (used_idx (&m), ==, 1);
  machine_destroy (&m);
}

static void
test_machine_reset (void)
{
  Machine m;
  unsigned resets;

  machine_init (&m);
  enable_msix (&m);
  g_assert_true (negotiate (&m, F_VERSION_1));
  setup_queue (&m, 0, 8, 1);
  add_status (&m, VIRTIO_STATUS_DRIVER_OK);
  resets = m.fake.n_reset;

  pci_host_reset (m.host);
  g_assert_cmpuint (m.fake.n_reset, ==, resets + 1);
  g_assert_cmpuint (get_status (&m), ==, 0);
  g_assert_false (pci_device_msix_enabled (m.pci));
  g_assert_false (virtq_is_ready (virtio_device_get_queue (&m.fake.vdev, 0)));
  common_write (&m, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 0);
  g_assert_cmpuint (common_read (&m, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 16);
  machine_destroy (&m);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/virtio-pci/identity", test_identity);
  g_test_add_func ("/vmm/virtio-pci/feature-negotiation", test_feature_negotiation);
  g_test_add_func ("/vmm/virtio-pci/queue-setup", test_queue_setup);
  g_test_add_func ("/vmm/virtio-pci/notify-msix", test_notify_msix);
  g_test_add_func ("/vmm/virtio-pci/intx-isr", test_intx_isr);
  g_test_add_func ("/vmm/virtio-pci/device-config", test_device_config);
  g_test_add_func ("/vmm/virtio-pci/pci-cfg-window", test_pci_cfg_window);
  g_test_add_func ("/vmm/virtio-pci/needs-reset", test_needs_reset);
  g_test_add_func ("/vmm/virtio-pci/bad-ring-address", test_bad_ring_address);
  g_test_add_func ("/vmm/virtio-pci/driver-ok-rules", test_driver_ok_rules);
  g_test_add_func ("/vmm/virtio-pci/machine-reset", test_machine_reset);
  return g_test_run ();
}
