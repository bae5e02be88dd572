/* virtio.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The modern virtio-pci transport and split virtqueues, polled (see virtio.h). Every access to
 * the device is an exit on our VMM's machines, so the driver makes few: no register is read
 * twice without a reason. */

#include "virtio.h"

/* Vendor capability (struct virtio_pci_cap, section 4.1.4). */
#define CAP_CFG_TYPE   3
#define CAP_BAR        4
#define CAP_OFFSET     8
#define CAP_LENGTH     12
#define CAP_NOTIFY_MULTIPLIER 16
#define CAP_MIN_LENGTH 16
#define CAP_NOTIFY_MIN_LENGTH 20

#define CFG_TYPE_COMMON 1
#define CFG_TYPE_NOTIFY 2
#define CFG_TYPE_ISR    3
#define CFG_TYPE_DEVICE 4

/* struct virtio_pci_common_cfg */
#define COMMON_DEVICE_FEATURE_SELECT 0x00
#define COMMON_DEVICE_FEATURE        0x04
#define COMMON_DRIVER_FEATURE_SELECT 0x08
#define COMMON_DRIVER_FEATURE        0x0c
#define COMMON_MSIX_CONFIG           0x10
#define COMMON_NUM_QUEUES            0x12
#define COMMON_DEVICE_STATUS         0x14
#define COMMON_CONFIG_GENERATION     0x15
#define COMMON_QUEUE_SELECT          0x16
#define COMMON_QUEUE_SIZE            0x18
#define COMMON_QUEUE_MSIX_VECTOR     0x1a
#define COMMON_QUEUE_ENABLE          0x1c
#define COMMON_QUEUE_NOTIFY_OFF      0x1e
#define COMMON_QUEUE_DESC            0x20
#define COMMON_QUEUE_DRIVER          0x28
#define COMMON_QUEUE_DEVICE          0x30
#define COMMON_LENGTH                0x38

#define RESET_TIMEOUT_US 1000000ull

static const char *const cfg_type_names[] = {
  [CFG_TYPE_COMMON] = "common", [CFG_TYPE_NOTIFY] = "notify", [CFG_TYPE_ISR] = "ISR",
  [CFG_TYPE_DEVICE] = "device",
};

struct bar_cache
{
  bool read;
  bool ok;
  struct pci_bar bar;
};

static bool
map_bar (struct virtio_pci *dev,
         struct bar_cache *bars,
         uint8_t index)
{
  struct bar_cache *b = &bars[index];

  if (b->read)
    return b->ok;
  b->read = true;

  if (!pci_bar_read (dev->bdf, index, &b->bar))
    {
      guest_printf ("virtio: a capability points into BAR %u, which the function does not have\n",
                    index);
      return false;
    }
  if (b->bar.io)
    {
      guest_printf ("virtio: BAR %u is an I/O BAR; modern virtio structures are in memory\n",
                    index);
      return false;
    }
  if (b->bar.addr == 0 && !pci_bar_assign (dev->bdf, index, &b->bar))
    return false;
  if (b->bar.addr + b->bar.size > 0xc0000000ull + 0x40000000ull || b->bar.addr < 0xc0000000ull)
    {
      guest_printf ("virtio: BAR %u at %#lx (%#lx bytes) is outside 0xc0000000-0xffffffff, the "
                    "uncached MMIO part of the guest's mappings\n",
                    index, b->bar.addr, b->bar.size);
      return false;
    }
  guest_printf ("virtio: BAR %u: %#lx, %#lx bytes, %s%s\n", index, b->bar.addr, b->bar.size,
                b->bar.is64 ? "64-bit" : "32-bit", b->bar.prefetchable ? ", prefetchable" : "");
  b->ok = true;
  return true;
}

bool
virtio_pci_find (uint16_t type,
                 struct virtio_pci *dev)
{
  struct bar_cache bars[6] = { 0 };
  uint16_t device_id = VIRTIO_PCI_MODERN_DEVICE_ID + type;
  uint8_t pos = 0;

  memset (dev, 0, sizeof (*dev));
  dev->type = type;
  if (!pci_find_device (VIRTIO_PCI_VENDOR_ID, device_id, &dev->bdf))
    {
      guest_printf ("virtio: no device %04x:%04x on bus 0\n", VIRTIO_PCI_VENDOR_ID, device_id);
      return false;
    }
  guest_printf ("virtio: %04x:%04x at 00:%02x.%x, revision %u\n", VIRTIO_PCI_VENDOR_ID,
                device_id, (dev->bdf >> 3) & 0x1f, dev->bdf & 7,
                pci_config_read8 (dev->bdf, PCI_REVISION_ID));

  while ((pos = pci_find_capability (dev->bdf, PCI_CAP_ID_VENDOR, pos)) != 0)
    {
      uint32_t header = pci_config_read32 (dev->bdf, pos);
      uint8_t cap_length = (uint8_t) (header >> 16);
      uint8_t cfg_type = (uint8_t) (header >> 24);
      uint8_t bar;
      uint32_t offset, length;
      uintptr_t addr;

      if (cfg_type < CFG_TYPE_COMMON || cfg_type > CFG_TYPE_DEVICE)
        continue; /* PCI configuration access, shared memory, vendor-specific... */
      if ((cfg_type == CFG_TYPE_COMMON && dev->common != 0)
          || (cfg_type == CFG_TYPE_NOTIFY && dev->notify != 0)
          || (cfg_type == CFG_TYPE_ISR && dev->isr != 0)
          || (cfg_type == CFG_TYPE_DEVICE && dev->device != 0))
        continue; /* the first one of each type is the preferred one */
      if (cap_length < (cfg_type == CFG_TYPE_NOTIFY ? CAP_NOTIFY_MIN_LENGTH : CAP_MIN_LENGTH))
        {
          guest_printf ("virtio: the %s capability at %#x is %u bytes long\n",
                        cfg_type_names[cfg_type], pos, cap_length);
          return false;
        }
      bar = pci_config_read8 (dev->bdf, pos + CAP_BAR);
      if (bar > 5)
        continue; /* reserved values: the driver must ignore the capability */
      offset = pci_config_read32 (dev->bdf, pos + CAP_OFFSET);
      length = pci_config_read32 (dev->bdf, pos + CAP_LENGTH);
      if (!map_bar (dev, bars, bar))
        return false;
      if ((uint64_t) offset + length > bars[bar].bar.size
          || (cfg_type == CFG_TYPE_COMMON && length < COMMON_LENGTH)
          || (cfg_type == CFG_TYPE_ISR && length < 1))
        {
          guest_printf ("virtio: the %s structure at BAR %u + %#x (%#x bytes) does not fit "
                        "(BAR size %#lx)\n", cfg_type_names[cfg_type], bar, offset, length,
                        bars[bar].bar.size);
          return false;
        }
      addr = (uintptr_t) bars[bar].bar.addr + offset;
      switch (cfg_type)
        {
        case CFG_TYPE_COMMON:
          dev->common = addr;
          break;
        case CFG_TYPE_NOTIFY:
          dev->notify = addr;
          dev->notify_length = length;
          dev->notify_multiplier = pci_config_read32 (dev->bdf, pos + CAP_NOTIFY_MULTIPLIER);
          break;
        case CFG_TYPE_ISR:
          dev->isr = addr;
          break;
        case CFG_TYPE_DEVICE:
          dev->device = addr;
          dev->device_length = length;
          break;
        }
    }

  if (dev->common == 0 || dev->notify == 0 || dev->isr == 0)
    {
      guest_printf ("virtio: missing capabilities:%s%s%s\n", dev->common == 0 ? " common" : "",
                    dev->notify == 0 ? " notify" : "", dev->isr == 0 ? " ISR" : "");
      return false;
    }
  pci_enable (dev->bdf, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
  return true;
}

uint8_t
virtio_status (struct virtio_pci *dev)
{
  return mmio_read8 (dev->common + COMMON_DEVICE_STATUS);
}

static void
set_status (struct virtio_pci *dev,
            uint8_t status)
{
  mmio_write8 (dev->common + COMMON_DEVICE_STATUS, status);
}

void
virtio_reset (struct virtio_pci *dev)
{
  set_status (dev, 0);
}

uint8_t
virtio_isr (struct virtio_pci *dev)
{
  return mmio_read8 (dev->isr);
}

static bool
fail (struct virtio_pci *dev)
{
  set_status (dev, virtio_status (dev) | VIRTIO_STATUS_FAILED);
  return false;
}

bool
virtio_start (struct virtio_pci *dev,
              uint64_t wanted)
{
  uint64_t deadline;
  uint8_t status;
  uint32_t low, high;

  /* Reset: the device says it is done by reading 0 (section 4.1.4.3.2). */
  set_status (dev, 0);
  deadline = deadline_after_us (RESET_TIMEOUT_US);
  while ((status = virtio_status (dev)) != 0)
    {
      if (deadline_passed (deadline))
        {
          guest_printf ("virtio: the status still reads %#x after a reset\n", status);
          return false;
        }
      cpu_relax ();
    }

  set_status (dev, VIRTIO_STATUS_ACKNOWLEDGE);
  set_status (dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);

  mmio_write32 (dev->common + COMMON_DEVICE_FEATURE_SELECT, 0);
  low = mmio_read32 (dev->common + COMMON_DEVICE_FEATURE);
  mmio_write32 (dev->common + COMMON_DEVICE_FEATURE_SELECT, 1);
  high = mmio_read32 (dev->common + COMMON_DEVICE_FEATURE);
  dev->device_features = ((uint64_t) high << 32) | low;
  dev->num_queues = mmio_read16 (dev->common + COMMON_NUM_QUEUES);
  guest_printf ("virtio: device features %#lx, %u queues\n", dev->device_features,
                dev->num_queues);
  if (!(dev->device_features & VIRTIO_F_VERSION_1))
    {
      guest_printf ("virtio: the device does not offer VIRTIO_F_VERSION_1\n");
      return fail (dev);
    }

  dev->features = VIRTIO_F_VERSION_1 | (wanted & dev->device_features);
  mmio_write32 (dev->common + COMMON_DRIVER_FEATURE_SELECT, 0);
  mmio_write32 (dev->common + COMMON_DRIVER_FEATURE, (uint32_t) dev->features);
  mmio_write32 (dev->common + COMMON_DRIVER_FEATURE_SELECT, 1);
  mmio_write32 (dev->common + COMMON_DRIVER_FEATURE, (uint32_t) (dev->features >> 32));

  set_status (dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER
              | VIRTIO_STATUS_FEATURES_OK);
  status = virtio_status (dev);
  if (!(status & VIRTIO_STATUS_FEATURES_OK))
    {
      guest_printf ("virtio: the device refused features %#lx (status %#x)\n", dev->features,
                    status);
      return fail (dev);
    }
  guest_printf ("virtio: features %#lx accepted\n", dev->features);
  return true;
}

bool
virtio_queue_setup (struct virtio_pci *dev,
                    struct virtq *q,
                    uint16_t index,
                    uint16_t size)
{
  uint16_t max, notify_off;
  size_t desc_bytes, avail_bytes, used_bytes;
  uintptr_t mem;
  uint64_t notify_offset;

  memset (q, 0, sizeof (*q));
  q->dev = dev;
  q->index = index;

  if (index >= dev->num_queues)
    {
      guest_printf ("virtio: queue %u: the device has %u queues\n", index, dev->num_queues);
      return fail (dev);
    }
  mmio_write16 (dev->common + COMMON_QUEUE_SELECT, index);
  max = mmio_read16 (dev->common + COMMON_QUEUE_SIZE);
  if (max == 0)
    {
      guest_printf ("virtio: queue %u is not available (size 0)\n", index);
      return fail (dev);
    }
  if (mmio_read16 (dev->common + COMMON_QUEUE_ENABLE) != 0)
    {
      guest_printf ("virtio: queue %u is enabled after a reset\n", index);
      return fail (dev);
    }
  q->size = size < max ? size : max;
  if (q->size != max)
    mmio_write16 (dev->common + COMMON_QUEUE_SIZE, q->size);

  /* Descriptors (16-byte aligned), available ring (2), used ring (4), with the event
   * fields, in one block. Only the rings' headers need to be zero; clear the lot anyway (a
   * few hundred bytes) so that a device reading stale entries shows up as the same bytes on
   * every run. */
  desc_bytes = 16u * q->size;
  avail_bytes = (6u + 2u * q->size + 3) & ~3u;
  used_bytes = 6u + 8u * q->size;
  mem = (uintptr_t) guest_alloc (desc_bytes + avail_bytes + used_bytes, 16);
  memset ((void *) mem, 0, desc_bytes + avail_bytes + used_bytes);
  q->desc = (volatile struct virtq_desc *) mem;
  q->avail = (volatile struct virtq_avail *) (mem + desc_bytes);
  q->used = (volatile struct virtq_used *) (mem + desc_bytes + avail_bytes);

  mmio_write32 (dev->common + COMMON_QUEUE_DESC, (uint32_t) (uintptr_t) q->desc);
  mmio_write32 (dev->common + COMMON_QUEUE_DESC + 4, 0);
  mmio_write32 (dev->common + COMMON_QUEUE_DRIVER, (uint32_t) (uintptr_t) q->avail);
  mmio_write32 (dev->common + COMMON_QUEUE_DRIVER + 4, 0);
  mmio_write32 (dev->common + COMMON_QUEUE_DEVICE, (uint32_t) (uintptr_t) q->used);
  mmio_write32 (dev->common + COMMON_QUEUE_DEVICE + 4, 0);

  notify_off = mmio_read16 (dev->common + COMMON_QUEUE_NOTIFY_OFF);
  notify_offset = (uint64_t) notify_off * dev->notify_multiplier;
  if (notify_offset + 2 > dev->notify_length)
    {
      guest_printf ("virtio: queue %u: notify offset %u x %u is past the notify structure "
                    "(%u bytes)\n", index, notify_off, dev->notify_multiplier,
                    dev->notify_length);
      return fail (dev);
    }
  q->notify_addr = dev->notify + (uintptr_t) notify_offset;

  mmio_write16 (dev->common + COMMON_QUEUE_ENABLE, 1);
  guest_printf ("virtio: queue %u: %u entries (device maximum %u) at %#lx\n", index, q->size,
                max, mem);
  return true;
}

bool
virtio_driver_ok (struct virtio_pci *dev)
{
  uint8_t status;

  set_status (dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER
              | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
  status = virtio_status (dev);
  if ((status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_DRIVER_OK))
      != VIRTIO_STATUS_DRIVER_OK)
    {
      guest_printf ("virtio: status %#x after DRIVER_OK\n", status);
      return fail (dev);
    }
  return true;
}

static uintptr_t
config_addr (struct virtio_pci *dev,
             uint32_t offset,
             uint32_t width)
{
  if (dev->device == 0 || offset + width > dev->device_length || (offset & (width - 1)) != 0)
    guest_panic ("virtio: config access of %u bytes at %#x: the device configuration is %u "
                 "bytes", width, offset, dev->device_length);
  return dev->device + offset;
}

uint8_t
virtio_config_read8 (struct virtio_pci *dev,
                     uint32_t offset)
{
  return mmio_read8 (config_addr (dev, offset, 1));
}

uint16_t
virtio_config_read16 (struct virtio_pci *dev,
                      uint32_t offset)
{
  return mmio_read16 (config_addr (dev, offset, 2));
}

uint32_t
virtio_config_read32 (struct virtio_pci *dev,
                      uint32_t offset)
{
  return mmio_read32 (config_addr (dev, offset, 4));
}

uint64_t
virtio_config_read64 (struct virtio_pci *dev,
                      uint32_t offset)
{
  uintptr_t addr = config_addr (dev, offset, 8);

  /* Two 32-bit reads, retried while the configuration changes under them (section 4.1.3.1:
   * 64-bit fields may be read as two halves; the generation tells a torn read). */
  for (unsigned int attempt = 0; attempt < 16; attempt++)
    {
      uint8_t generation = mmio_read8 (dev->common + COMMON_CONFIG_GENERATION);
      uint32_t low = mmio_read32 (addr);
      uint32_t high = mmio_read32 (addr + 4);

      if (mmio_read8 (dev->common + COMMON_CONFIG_GENERATION) == generation)
        return ((uint64_t) high << 32) | low;
    }
  guest_panic ("virtio: the configuration generation keeps changing");
}

void
virtio_config_write32 (struct virtio_pci *dev,
                       uint32_t offset,
                       uint32_t value)
{
  mmio_write32 (config_addr (dev, offset, 4), value);
}

bool
virtq_submit (struct virtq *q,
              const struct virtq_buf *bufs,
              unsigned int n)
{
  if (q->in_flight || q->chains != 0)
    {
      guest_printf ("virtio: queue %u: a chain is still in flight\n", q->index);
      return false;
    }
  if (n == 0 || n > q->size)
    {
      guest_printf ("virtio: queue %u: a chain of %u buffers\n", q->index, n);
      return false;
    }

  /* One chain at a time, so it can always start at descriptor 0. */
  for (unsigned int i = 0; i < n; i++)
    {
      q->desc[i].addr = (uintptr_t) bufs[i].addr;
      q->desc[i].len = bufs[i].len;
      q->desc[i].flags = (uint16_t) ((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0)
                                     | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
      q->desc[i].next = (uint16_t) (i + 1 < n ? i + 1 : 0);
    }
  /* The descriptors' next fields no longer make a free list. */
  q->multi_ready = false;
  q->head = 0;
  q->avail->ring[q->avail_idx % q->size] = q->head;
  /* x86 keeps stores in order; the compiler must too: the ring entry before the index, the
   * index before the notification (mmio_write16 has its own barrier). */
  __asm__ volatile ("" : : : "memory");
  q->avail_idx++;
  q->avail->idx = q->avail_idx;
  q->published = q->avail_idx;
  q->in_flight = true;
  mmio_write16 (q->notify_addr, q->index);
  return true;
}

bool
virtq_wait (struct virtq *q,
            uint64_t timeout_us,
            uint32_t *written)
{
  uint64_t deadline = deadline_after_us (timeout_us);
  uint16_t used_idx;
  uint32_t id, len;

  if (!q->in_flight)
    {
      guest_printf ("virtio: queue %u: nothing in flight to wait for\n", q->index);
      return false;
    }
  while ((used_idx = q->used->idx) == q->used_idx)
    {
      if (deadline_passed (deadline))
        {
          guest_printf ("virtio: queue %u: no used buffer within %lu ms (device status %#x)\n",
                        q->index, timeout_us / 1000, virtio_status (q->dev));
          return false;
        }
      cpu_relax ();
    }
  __asm__ volatile ("" : : : "memory");
  if ((uint16_t) (used_idx - q->used_idx) != 1)
    {
      guest_printf ("virtio: queue %u: used index went from %u to %u with one chain in "
                    "flight\n", q->index, q->used_idx, used_idx);
      return false;
    }
  id = q->used->ring[q->used_idx % q->size].id;
  len = q->used->ring[q->used_idx % q->size].len;
  q->used_idx = used_idx;
  q->in_flight = false;
  if (id != q->head)
    {
      guest_printf ("virtio: queue %u: the used element names descriptor %u, not the head %u\n",
                    q->index, id, q->head);
      return false;
    }
  if (written != NULL)
    *written = len;
  return true;
}

bool
virtq_transfer (struct virtq *q,
                const struct virtq_buf *bufs,
                unsigned int n,
                uint64_t timeout_us,
                uint32_t *written)
{
  return virtq_submit (q, bufs, n) && virtq_wait (q, timeout_us, written);
}

/* ---- several chains in flight ------------------------------------------------------------ */

static void
multi_setup (struct virtq *q)
{
  if (q->chain_length == NULL)
    q->chain_length = guest_alloc (sizeof (uint16_t) * q->size, 2);
  memset (q->chain_length, 0, sizeof (uint16_t) * q->size);
  for (uint16_t i = 0; i < q->size; i++)
    q->desc[i].next = (uint16_t) (i + 1 < q->size ? i + 1 : 0);
  q->free_head = 0;
  q->num_free = q->size;
  q->chains = 0;
  q->multi_ready = true;
}

bool
virtq_add (struct virtq *q,
           const struct virtq_buf *bufs,
           unsigned int n,
           uint16_t *head)
{
  uint16_t first, d;

  if (q->in_flight)
    {
      guest_printf ("virtio: queue %u: a virtq_submit() chain is still in flight\n", q->index);
      return false;
    }
  if (!q->multi_ready)
    multi_setup (q);
  if (n == 0 || n > q->num_free)
    {
      guest_printf ("virtio: queue %u: a chain of %u buffers, %u descriptors free\n", q->index,
                    n, q->num_free);
      return false;
    }

  /* Take n descriptors off the free list, filling them in as we go; the last one's next
   * field is where the free list goes on. */
  first = d = q->free_head;
  for (unsigned int i = 0; i < n; i++)
    {
      uint16_t next = q->desc[d].next;

      q->desc[d].addr = (uintptr_t) bufs[i].addr;
      q->desc[d].len = bufs[i].len;
      q->desc[d].flags = (uint16_t) ((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0)
                                     | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
      if (i + 1 == n)
        {
          q->free_head = next;
          break;
        }
      d = next;
    }
  q->num_free = (uint16_t) (q->num_free - n);
  q->chain_length[first] = (uint16_t) n;
  q->chains++;

  q->avail->ring[q->avail_idx % q->size] = first;
  q->avail_idx++;
  *head = first;
  return true;
}

void
virtq_kick (struct virtq *q)
{
  if (q->published == q->avail_idx)
    return;
  /* The descriptors and ring entries before the index, the index before the notification
   * (x86 keeps stores in order; the compiler must too). */
  __asm__ volatile ("" : : : "memory");
  q->avail->idx = q->avail_idx;
  q->published = q->avail_idx;
  mmio_write16 (q->notify_addr, q->index);
}

int
virtq_reap (struct virtq *q,
            uint16_t *head,
            uint32_t *written)
{
  uint16_t used_idx = q->used->idx;
  uint16_t id, n, d;
  uint32_t raw_id, len;

  if (used_idx == q->used_idx)
    return 0;
  __asm__ volatile ("" : : : "memory");
  if ((uint16_t) (used_idx - q->used_idx) > q->chains)
    {
      guest_printf ("virtio: queue %u: used index went from %u to %u with %u chains in "
                    "flight\n", q->index, q->used_idx, used_idx, q->chains);
      return -1;
    }
  raw_id = q->used->ring[q->used_idx % q->size].id;
  len = q->used->ring[q->used_idx % q->size].len;
  id = (uint16_t) raw_id;
  if (raw_id >= q->size || q->chain_length[id] == 0)
    {
      guest_printf ("virtio: queue %u: the used element names descriptor %u, not the head of "
                    "a chain in flight\n", q->index, raw_id);
      return -1;
    }
  q->used_idx++;

  /* Back on the free list, in front: the chain's last descriptor points at the old head. */
  n = q->chain_length[id];
  d = id;
  for (uint16_t i = 1; i < n; i++)
    d = q->desc[d].next;
  q->desc[d].next = q->free_head;
  q->free_head = id;
  q->num_free = (uint16_t) (q->num_free + n);
  q->chain_length[id] = 0;
  q->chains--;

  *head = id;
  if (written != NULL)
    *written = len;
  return 1;
}

bool
virtq_reap_wait (struct virtq *q,
                 uint64_t timeout_us,
                 uint16_t *head,
                 uint32_t *written)
{
  uint64_t deadline = 0;
  int r;

  if (q->chains == 0)
    {
      guest_printf ("virtio: queue %u: nothing in flight to wait for\n", q->index);
      return false;
    }
  while ((r = virtq_reap (q, head, written)) == 0)
    {
      /* The deadline only when the first poll finds nothing: it costs a few instructions,
       * which count on an emulated CPU. */
      if (deadline == 0)
        deadline = deadline_after_us (timeout_us);
      else if (deadline_passed (deadline))
        {
          guest_printf ("virtio: queue %u: no used buffer within %lu ms (%u chains in flight, "
                        "%s, device status %#x)\n", q->index, timeout_us / 1000, q->chains,
                        q->published == q->avail_idx ? "all published" : "not all published",
                        virtio_status (q->dev));
          return false;
        }
      cpu_relax ();
    }
  return r > 0;
}

void
virtq_no_interrupts (struct virtq *q)
{
  q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
}
