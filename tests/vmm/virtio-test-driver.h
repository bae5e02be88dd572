/* virtio-test-driver.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <string.h>
#include <sys/mman.h>

#include "pci/pci-host.h"
#include "pci/pci-regs.h"
#include "virtio/virtio-pci.h"

/* A fake machine for virtio device tests: RAM from mmap (private and
 * anonymous, as the VMM's, so that madvise behaves the same), a PCI host
 * bridge on fake buses, one virtio-pci function, and a driver that does
 * what Linux's virtio_pci_modern does: probe the capabilities, negotiate,
 * set up MSI-X (vector 0 for the configuration, q + 1 for queue q) and the
 * queues, DRIVER_OK. Each test file includes it once. */

#define TD_MAX_QUEUES   8
#define TD_RING_BASE    0x100000u       /* queue q's rings at TD_RING_BASE + q * TD_RING_STRIDE */
#define TD_RING_STRIDE  0x10000u
#define TD_DATA_BASE    0x200000u       /* free for the tests from here */

typedef struct
{
  uint16_t size;
  uint16_t avail_idx;
  uint16_t next_desc;
  uint64_t desc;
  uint64_t avail;
  uint64_t used;
} TdQueue;

typedef struct TestDriver TestDriver;

/* One INTx line of the host bridge, as the test sees it. */
typedef struct
{
  TestDriver *td;
  unsigned    index;
} TdLine;

struct TestDriver
{
  GuestMemory  mem;
  uint8_t     *ram;
  size_t       ram_size;
  IoBus        pio;
  IoBus        mmio;
  PciHost     *host;
  VirtioPci   *vp;
  uint8_t      devfn;
  unsigned     n_msgs[TD_MAX_QUEUES + 1];   /* per MSI-X vector */
  bool         line[PCI_HOST_N_INTX];       /* INTA-INTD after the swizzle */
  TdLine       lines[PCI_HOST_N_INTX];
  /* Set before td_start: no MSI-X, so interrupts go to the INTx line. */
  bool         intx_only;
  /* Optional: runs in the thread that raised each message. */
  void       (*on_msg) (void *data, unsigned vector);
  void        *on_msg_data;

  uint64_t     common;
  uint64_t     isr;
  uint64_t     notify;
  uint64_t     device_cfg;
  uint32_t     multiplier;
  unsigned     n_queues;
  TdQueue      q[TD_MAX_QUEUES];
};

static void
td_msi (void     *opaque,
        uint64_t  address,
        uint32_t  data)
{
  TestDriver *td = opaque;
  unsigned vector = data - 0x30;

  g_assert_cmphex (address & 0xfff00000u, ==, 0xfee00000u);
  g_assert_cmpuint (vector, <=, TD_MAX_QUEUES);
  __atomic_fetch_add (&td->n_msgs[vector], 1, __ATOMIC_SEQ_CST);
  if (td->on_msg != NULL)
    td->on_msg (td->on_msg_data, vector);
}

static void
td_set_line (void *opaque,
             bool  level)
{
  TdLine *line = opaque;

  line->td->line[line->index] = level;
}

static G_GNUC_UNUSED unsigned
td_msgs (TestDriver *td,
         unsigned    vector)
{
  return __atomic_load_n (&td->n_msgs[vector], __ATOMIC_SEQ_CST);
}

static uint32_t
td_cfg_read (TestDriver *td,
             unsigned    reg,
             unsigned    size)
{
  uint32_t address = 0x80000000u | (uint32_t) td->devfn << 8 | (reg & 0xfc), value = 0;

  g_assert_true (io_bus_write (&td->pio, 0xcf8, &address, 4));
  g_assert_true (io_bus_read (&td->pio, 0xcfc + (reg & 3), &value, size));
  return value;
}

static void
td_cfg_write (TestDriver *td,
              unsigned    reg,
              uint32_t    value,
              unsigned    size)
{
  uint32_t address = 0x80000000u | (uint32_t) td->devfn << 8 | (reg & 0xfc);

  g_assert_true (io_bus_write (&td->pio, 0xcf8, &address, 4));
  g_assert_true (io_bus_write (&td->pio, 0xcfc + (reg & 3), &value, size));
}

static uint64_t
td_rd (TestDriver *td,
       uint64_t    addr,
       unsigned    size)
{
  uint64_t value = 0;

  g_assert_true (io_bus_read (&td->mmio, addr, &value, size));
  return value;
}

static void
td_wr (TestDriver *td,
       uint64_t    addr,
       uint64_t    value,
       unsigned    size)
{
  g_assert_true (io_bus_write (&td->mmio, addr, &value, size));
}

/* RAM only; the test then creates its device on td->mem and attaches it. */
static void
td_init (TestDriver *td,
         size_t      ram_size)
{
  memset (td, 0, sizeof *td);
  td->ram_size = ram_size;
  td->ram = mmap (NULL, ram_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  g_assert_true (td->ram != MAP_FAILED);
  g_assert_cmpint (guest_memory_add_region (&td->mem, 0, td->ram, ram_size), ==, 0);
}

static void
td_attach (TestDriver   *td,
           VirtioDevice *vdev)
{
  PciHostConfig config = { 0 };
  int slot;

  io_bus_init (&td->pio);
  io_bus_init (&td->mmio);
  config.pio = &td->pio;
  config.mmio = &td->mmio;
  config.ecam_base = PCI_HOST_ECAM_BASE;
  config.msi = td_msi;
  config.msi_opaque = td;
  for (unsigned i = 0; i < PCI_HOST_N_INTX; i++)
    {
      td->lines[i] = (TdLine) { td, i };
      config.intx[i] = (IrqLine) { td_set_line, &td->lines[i] };
    }
  td->host = pci_host_new (&config);
  g_assert_nonnull (td->host);
  td->vp = virtio_pci_new (vdev);
  g_assert_nonnull (td->vp);
  slot = pci_host_add_device (td->host, virtio_pci_get_pci_device (td->vp), -1);
  g_assert_cmpint (slot, ==, 1);
  td->devfn = PCI_DEVFN (slot, 0);
}

/* Takes the transport away; the test frees its device after this, then
 * calls td_free_ram. */
static void
td_detach (TestDriver *td)
{
  pci_host_free (td->host);
  virtio_pci_free (td->vp);
  io_bus_destroy (&td->pio);
  io_bus_destroy (&td->mmio);
}

static void
td_free_ram (TestDriver *td)
{
  munmap (td->ram, td->ram_size);
}

static void
td_probe (TestDriver *td,
          unsigned    device_id)
{
  uint64_t bar[PCI_NUM_BARS] = { 0 };

  g_assert_cmphex (td_cfg_read (td, PCI_VENDOR_ID, 2), ==, 0x1af4);
  g_assert_cmphex (td_cfg_read (td, PCI_DEVICE_ID, 2), ==, 0x1040 + device_id);
  for (unsigned i = 0; i < PCI_NUM_BARS; i++)
    {
      uint32_t lo = td_cfg_read (td, PCI_BASE_ADDRESS_0 + 4 * i, 4);

      if ((lo & (PCI_BAR_SPACE_IO | PCI_BAR_MEM_TYPE_64)) == PCI_BAR_MEM_TYPE_64)
        {
          uint64_t hi = td_cfg_read (td, PCI_BASE_ADDRESS_0 + 4 * (i + 1), 4);

          bar[i] = (lo & ~0xfu) | hi << 32;
          i++;
        }
      else if (!(lo & PCI_BAR_SPACE_IO))
        bar[i] = lo & ~0xfu;
    }
  td->common = td->isr = td->notify = td->device_cfg = 0;
  for (unsigned ptr = td_cfg_read (td, PCI_CAPABILITY_LIST, 1); ptr != 0;
       ptr = td_cfg_read (td, ptr + 1, 1))
    {
      unsigned type, b;
      uint64_t where;

      if (td_cfg_read (td, ptr, 1) != PCI_CAP_ID_VENDOR)
        continue;
      type = td_cfg_read (td, ptr + VIRTIO_PCI_CAP_CFG_TYPE, 1);
      b = td_cfg_read (td, ptr + VIRTIO_PCI_CAP_BAR, 1);
      if (b >= PCI_NUM_BARS)
        continue;
      where = bar[b] + td_cfg_read (td, ptr + VIRTIO_PCI_CAP_OFFSET, 4);
      if (type == VIRTIO_PCI_CAP_COMMON_CFG && td->common == 0)
        td->common = where;
      else if (type == VIRTIO_PCI_CAP_ISR_CFG && td->isr == 0)
        td->isr = where;
      else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && td->device_cfg == 0)
        td->device_cfg = where;
      else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && td->notify == 0)
        {
          td->notify = where;
          td->multiplier = td_cfg_read (td, ptr + VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER, 4);
        }
    }
  g_assert_cmphex (td->common, !=, 0);
  g_assert_cmphex (td->notify, !=, 0);
}

static uint8_t
td_status (TestDriver *td)
{
  return (uint8_t) td_rd (td, td->common + VIRTIO_PCI_COMMON_STATUS, 1);
}

static void
td_add_status (TestDriver *td,
               uint8_t     bits)
{
  td_wr (td, td->common + VIRTIO_PCI_COMMON_STATUS, td_status (td) | bits, 1);
}

static void
td_msix_setup (TestDriver *td)
{
  unsigned cap = 0;
  uint32_t table;
  uint64_t base;

  for (unsigned ptr = td_cfg_read (td, PCI_CAPABILITY_LIST, 1); ptr != 0 && cap == 0;
       ptr = td_cfg_read (td, ptr + 1, 1))
    if (td_cfg_read (td, ptr, 1) == PCI_CAP_ID_MSIX)
      cap = ptr;
  g_assert_cmpuint (cap, !=, 0);
  table = td_cfg_read (td, cap + PCI_MSIX_TABLE, 4);
  base = (td_cfg_read (td, PCI_BASE_ADDRESS_0 + 4 * (table & 7), 4) & ~0xfu) + (table & ~7u);
  for (unsigned v = 0; v <= td->n_queues; v++)
    {
      td_wr (td, base + 16 * v, 0xfee00000u, 4);
      td_wr (td, base + 16 * v + 4, 0, 4);
      td_wr (td, base + 16 * v + 8, 0x30 + v, 4);
      td_wr (td, base + 16 * v + 12, 0, 4);
    }
  td_cfg_write (td, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
}

static uint64_t
td_device_features (TestDriver *td)
{
  uint64_t features;

  td_wr (td, td->common + VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
  features = td_rd (td, td->common + VIRTIO_PCI_COMMON_DF, 4);
  td_wr (td, td->common + VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
  features |= td_rd (td, td->common + VIRTIO_PCI_COMMON_DF, 4) << 32;
  return features;
}

/* Reset, negotiate (the offered features masked with wanted), set up
 * n_queues queues at their full size; no DRIVER_OK yet. Returns the
 * features. */
static uint64_t
td_start_queues (TestDriver *td,
                 unsigned    device_id,
                 uint64_t    wanted,
                 unsigned    n_queues)
{
  uint64_t features;

  g_assert_cmpuint (n_queues, <=, TD_MAX_QUEUES);
  td_probe (td, device_id);
  td_wr (td, td->common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_cmpuint (td_status (td), ==, 0);
  td_add_status (td, VIRTIO_STATUS_ACKNOWLEDGE);
  td_add_status (td, VIRTIO_STATUS_DRIVER);
  features = td_device_features (td);
  g_assert_true (features & VIRTIO_FEATURE (VIRTIO_F_VERSION_1));
  features &= wanted | VIRTIO_FEATURE (VIRTIO_F_VERSION_1);
  td_wr (td, td->common + VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
  td_wr (td, td->common + VIRTIO_PCI_COMMON_GF, (uint32_t) features, 4);
  td_wr (td, td->common + VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
  td_wr (td, td->common + VIRTIO_PCI_COMMON_GF, features >> 32, 4);
  td_add_status (td, VIRTIO_STATUS_FEATURES_OK);
  g_assert_true (td_status (td) & VIRTIO_STATUS_FEATURES_OK);

  td->n_queues = n_queues;
  if (!td->intx_only)
    {
      td_msix_setup (td);
      td_wr (td, td->common + VIRTIO_PCI_COMMON_MSIX, 0, 2);
      g_assert_cmphex (td_rd (td, td->common + VIRTIO_PCI_COMMON_MSIX, 2), ==, 0);
    }
  g_assert_cmpuint (td_rd (td, td->common + VIRTIO_PCI_COMMON_NUMQ, 2), >=, n_queues);
  for (unsigned i = 0; i < n_queues; i++)
    {
      TdQueue *q = &td->q[i];
      uint64_t base = TD_RING_BASE + (uint64_t) i * TD_RING_STRIDE;

      td_wr (td, td->common + VIRTIO_PCI_COMMON_Q_SELECT, i, 2);
      *q = (TdQueue) {
        .size = (uint16_t) td_rd (td, td->common + VIRTIO_PCI_COMMON_Q_SIZE, 2),
        .desc = base,
        .avail = base + 0x8000,
        .used = base + 0xa000,
      };
      g_assert_cmpuint (q->size, >=, 1);
      g_assert_cmpuint (q->size, <=, 512);
      memset (td->ram + base, 0, TD_RING_STRIDE);
      g_assert_cmpuint (td_rd (td, td->common + VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 0);
      if (!td->intx_only)
        {
          td_wr (td, td->common + VIRTIO_PCI_COMMON_Q_MSIX, i + 1, 2);
          g_assert_cmphex (td_rd (td, td->common + VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, i + 1);
        }
      td_wr (td, td->common + VIRTIO_PCI_COMMON_Q_DESC, q->desc, 8);
      td_wr (td, td->common + VIRTIO_PCI_COMMON_Q_DRIVER, q->avail, 8);
      td_wr (td, td->common + VIRTIO_PCI_COMMON_Q_DEVICE, q->used, 8);
      td_wr (td, td->common + VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    }
  return features;
}

static void
td_driver_ok (TestDriver *td)
{
  td_add_status (td, VIRTIO_STATUS_DRIVER_OK);
  g_assert_cmphex (td_status (td), ==, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER
                                       | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

/* td_start_queues, then DRIVER_OK. */
static uint64_t
td_start (TestDriver *td,
          unsigned    device_id,
          uint64_t    wanted,
          unsigned    n_queues)
{
  uint64_t features = td_start_queues (td, device_id, wanted, n_queues);

  td_driver_ok (td);
  return features;
}

static G_GNUC_UNUSED uint64_t
td_config_read (TestDriver *td,
                unsigned    offset,
                unsigned    size)
{
  g_assert_cmphex (td->device_cfg, !=, 0);
  return td_rd (td, td->device_cfg + offset, size);
}

static G_GNUC_UNUSED void
td_config_write (TestDriver *td,
                 unsigned    offset,
                 uint64_t    value,
                 unsigned    size)
{
  td_wr (td, td->device_cfg + offset, value, size);
}

/* Writes the next free descriptor of queue qi; chained ones point at the
 * one written next. */
static uint16_t
td_desc (TestDriver *td,
         unsigned    qi,
         uint64_t    addr,
         uint32_t    len,
         uint16_t    flags,
         bool        chained)
{
  TdQueue *q = &td->q[qi];
  uint16_t index = q->next_desc++ % q->size;
  uint16_t next = (uint16_t) ((index + 1) % q->size);
  uint8_t *d = td->ram + q->desc + 16 * index;

  flags |= chained ? VIRTQ_DESC_F_NEXT : 0;
  memcpy (d, &addr, 8);
  memcpy (d + 8, &len, 4);
  memcpy (d + 12, &flags, 2);
  memcpy (d + 14, &next, 2);
  return index;
}

static void
td_avail (TestDriver *td,
          unsigned    qi,
          uint16_t    head)
{
  TdQueue *q = &td->q[qi];

  memcpy (td->ram + q->avail + 4 + 2 * (q->avail_idx % q->size), &head, 2);
  q->avail_idx++;
  __atomic_store_n ((uint16_t *) (void *) (td->ram + q->avail + 2), q->avail_idx,
                    __ATOMIC_RELEASE);
}

static void
td_kick (TestDriver *td,
         unsigned    qi)
{
  td_wr (td, td->notify + (uint64_t) td->multiplier * qi, qi, 2);
}

static uint16_t
td_used_idx (TestDriver *td,
             unsigned    qi)
{
  return __atomic_load_n ((uint16_t *) (void *) (td->ram + td->q[qi].used + 2), __ATOMIC_ACQUIRE);
}

static G_GNUC_UNUSED void
td_used_elem (TestDriver *td,
              unsigned    qi,
              uint16_t    n,
              uint32_t   *id,
              uint32_t   *len)
{
  TdQueue *q = &td->q[qi];

  memcpy (id, td->ram + q->used + 4 + 8 * (n % q->size), 4);
  memcpy (len, td->ram + q->used + 4 + 8 * (n % q->size) + 4, 4);
}

/* For devices that complete on their own thread. */
static G_GNUC_UNUSED void
td_wait_used (TestDriver *td,
              unsigned    qi,
              uint16_t    n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while ((uint16_t) (td_used_idx (td, qi) - n) > 0x8000)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("queue %u: used index %u, expected %u", qi, td_used_idx (td, qi), n);
      g_usleep (200);
    }
}
