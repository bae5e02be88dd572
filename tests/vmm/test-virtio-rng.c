/* test-virtio-rng.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "virtio/virtio-rng.h"
#include "virtio-test-driver.h"

/* virtio-rng end to end: a PCI host bridge on fake buses, the device on it,
 * and a driver that does what Linux's virtio_pci_modern + virtio_rng do. */

#define RAM_SIZE   0x200000u
#define DATA_GPA   0x10000u

#define F_VERSION_1   VIRTIO_FEATURE (VIRTIO_F_VERSION_1)
#define F_EVENT_IDX   VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)
#define F_INDIRECT    VIRTIO_FEATURE (VIRTIO_F_RING_INDIRECT_DESC)

#define CONFIG_VECTOR 0
#define QUEUE_VECTOR  1

typedef struct
{
  TestDriver  td;
  VirtioRng  *rng;
} Machine;

static void
machine_init (Machine *m)
{
  td_init (&m->td, RAM_SIZE);
  m->rng = virtio_rng_new (&m->td.mem);
  g_assert_nonnull (m->rng);
  td_attach (&m->td, virtio_rng_get_device (m->rng));
}

static void
machine_destroy (Machine *m)
{
  td_detach (&m->td);
  virtio_rng_free (m->rng);
  td_free_ram (&m->td);
}

/* virtio_dev_probe + vp_find_vqs + virtio_device_ready, with MSI-X or,
 * intx_only, on the INTx line. Returns the negotiated features. */
static uint64_t
driver_start (Machine  *m,
              bool      intx_only,
              uint64_t  driver_features)
{
  TestDriver *td = &m->td;
  uint64_t features;

  td->intx_only = intx_only;
  features = td_start (td, VIRTIO_ID_RNG, driver_features, 1);
  /* What is particular to rng: one queue of its size, no device
   * configuration, a modern-only revision. */
  g_assert_cmphex (td_cfg_read (td, PCI_REVISION_ID, 1), ==, 1);
  g_assert_cmphex (td->isr, !=, 0);
  g_assert_cmphex (td->device_cfg, ==, 0);
  g_assert_cmpuint (td_rd (td, td->common + VIRTIO_PCI_COMMON_NUMQ, 2), ==, 1);
  g_assert_cmpuint (td->q[0].size, ==, VIRTIO_RNG_QUEUE_SIZE);
  td_wr (td, td->common + VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
  g_assert_cmpuint (td_rd (td, td->common + VIRTIO_PCI_COMMON_Q_NOFF, 2), ==, 0);
  return features;
}

static unsigned
all_msgs (Machine *m)
{
  return td_msgs (&m->td, CONFIG_VECTOR) + td_msgs (&m->td, QUEUE_VECTOR);
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
  features = driver_start (&m, false, F_VERSION_1 | F_EVENT_IDX | F_INDIRECT);
  g_assert_cmphex (features, ==, F_VERSION_1 | F_EVENT_IDX | F_INDIRECT);

  /* virtio_read: one device-writable buffer, then a kick. */
  head = td_desc (&m.td, 0, DATA_GPA, 64, VIRTQ_DESC_F_WRITE, false);
  td_avail (&m.td, 0, head);
  td_kick (&m.td, 0);

  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, 1);
  td_used_elem (&m.td, 0, 0, &id, &len);
  g_assert_cmpuint (id, ==, head);
  g_assert_cmpuint (len, ==, 64);
  /* 64 random bytes are not all zero (odds 2^-512), and nothing past them
   * was touched. */
  g_assert_false (all_bytes (m.td.ram + DATA_GPA, 64, 0));
  g_assert_true (all_bytes (m.td.ram + DATA_GPA + 64, 64, 0));
  g_assert_cmpuint (all_msgs (&m), ==, 1);
  g_assert_cmpuint (td_msgs (&m.td, QUEUE_VECTOR), ==, 1);

  /* Another request: different bytes. */
  head = td_desc (&m.td, 0, DATA_GPA + 0x100, 64, VIRTQ_DESC_F_WRITE, false);
  td_avail (&m.td, 0, head);
  td_kick (&m.td, 0);
  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, 2);
  g_assert_cmpint (memcmp (m.td.ram + DATA_GPA, m.td.ram + DATA_GPA + 0x100, 16), !=, 0);
  machine_destroy (&m);
}

static void
test_linux_read_intx (void)
{
  Machine m;
  unsigned line = (1 + 1 - 1) % PCI_HOST_N_INTX;   /* slot 1, pin A */
  uint16_t head;

  machine_init (&m);
  driver_start (&m, true, F_VERSION_1);
  g_assert_cmpuint (td_cfg_read (&m.td, PCI_INTERRUPT_LINE, 1), ==,
                    PCI_HOST_INTX_GSI_BASE + line);
  head = td_desc (&m.td, 0, DATA_GPA, 32, VIRTQ_DESC_F_WRITE, false);
  td_avail (&m.td, 0, head);
  td_kick (&m.td, 0);
  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, 1);
  g_assert_true (m.td.line[line]);
  g_assert_cmphex (td_rd (&m.td, m.td.isr, 1), ==, VIRTIO_PCI_ISR_QUEUE);
  g_assert_false (m.td.line[line]);
  g_assert_cmpuint (all_msgs (&m), ==, 0);
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
  driver_start (&m, false, F_VERSION_1);
  memset (m.td.ram + DATA_GPA, 0xee, 0x100);
  memset (m.td.ram + 0x20000, 0, 3 * seg);
  head = td_desc (&m.td, 0, DATA_GPA, 0x100, 0, true);
  td_desc (&m.td, 0, 0x20000, seg, VIRTQ_DESC_F_WRITE, true);
  td_desc (&m.td, 0, 0x20000 + seg, seg, VIRTQ_DESC_F_WRITE, true);
  td_desc (&m.td, 0, 0x20000 + 2 * seg, seg, VIRTQ_DESC_F_WRITE, false);
  td_avail (&m.td, 0, head);
  td_kick (&m.td, 0);

  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, 1);
  td_used_elem (&m.td, 0, 0, &id, &len);
  g_assert_cmpuint (id, ==, head);
  g_assert_cmpuint (len, ==, VIRTIO_RNG_MAX_REQUEST);
  g_assert_true (all_bytes (m.td.ram + DATA_GPA, 0x100, 0xee));
  g_assert_false (all_bytes (m.td.ram + 0x20000 + seg, 64, 0));
  g_assert_false (all_bytes (m.td.ram + 0x20000 + VIRTIO_RNG_MAX_REQUEST - 64, 64, 0));
  g_assert_true (all_bytes (m.td.ram + 0x20000 + VIRTIO_RNG_MAX_REQUEST,
                            3 * seg - VIRTIO_RNG_MAX_REQUEST, 0));
  machine_destroy (&m);
}

/* A full ring in one notification; with event index, one interrupt. */
static void
test_full_ring (void)
{
  Machine m;

  machine_init (&m);
  driver_start (&m, false, F_VERSION_1 | F_EVENT_IDX);
  for (unsigned i = 0; i < m.td.q[0].size; i++)
    td_avail (&m.td, 0, td_desc (&m.td, 0, DATA_GPA + 16 * i, 16, VIRTQ_DESC_F_WRITE, false));
  td_kick (&m.td, 0);
  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, m.td.q[0].size);
  g_assert_cmpuint (all_msgs (&m), ==, 1);
  for (unsigned i = 0; i < m.td.q[0].size; i++)
    {
      uint32_t id, len;

      td_used_elem (&m.td, 0, (uint16_t) i, &id, &len);
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
  driver_start (&m, false, F_VERSION_1 | F_INDIRECT);
  /* An indirect table of two writable buffers. */
  table = m.td.ram + 0x8000;
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
  head = td_desc (&m.td, 0, 0x8000, 32, VIRTQ_DESC_F_INDIRECT, false);
  td_avail (&m.td, 0, head);
  td_kick (&m.td, 0);
  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, 1);
  g_assert_false (all_bytes (m.td.ram + DATA_GPA + 0x100, 24, 0));
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
  driver_start (&m, false, F_VERSION_1);
  head = td_desc (&m.td, 0, RAM_SIZE - 16, 64, VIRTQ_DESC_F_WRITE, false);
  td_avail (&m.td, 0, head);
  td_kick (&m.td, 0);
  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, 0);
  g_assert_true (td_status (&m.td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_cmpuint (all_msgs (&m), ==, 1);
  g_assert_cmpuint (td_msgs (&m.td, CONFIG_VECTOR), ==, 1);

  /* The driver resets and starts over (td_start clears its rings). */
  driver_start (&m, false, F_VERSION_1);
  head = td_desc (&m.td, 0, DATA_GPA, 8, VIRTQ_DESC_F_WRITE, false);
  td_avail (&m.td, 0, head);
  td_kick (&m.td, 0);
  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, 1);
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
  driver_start (&m, false, F_VERSION_1 | F_EVENT_IDX);
  for (unsigned i = 0; i < m.td.q[0].size; i++)
    td_avail (&m.td, 0, td_desc (&m.td, 0, DATA_GPA + 64 * i, 64, VIRTQ_DESC_F_WRITE, false));
  for (unsigned t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("kick", kick_thread, m.td.vp);
  for (unsigned t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);

  g_assert_cmpuint (td_used_idx (&m.td, 0), ==, m.td.q[0].size);
  for (unsigned i = 0; i < m.td.q[0].size; i++)
    {
      uint32_t id, len;

      td_used_elem (&m.td, 0, (uint16_t) i, &id, &len);
      g_assert_cmpuint (id, <, m.td.q[0].size);
      g_assert_false (seen[id]);
      seen[id] = true;
      g_assert_cmpuint (len, ==, 64);
    }
  g_assert_cmpuint (all_msgs (&m), >=, 1);
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
