/* virtio-pci.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio-pci.h"

#define VIRTIO_PCI_BAR_SIZE       0x4000
#define VIRTIO_PCI_REGION_SIZE    0x1000
/* Subsystem ids of 0x40 and up keep pre-1.0 drivers, which bind on the
 * subsystem id, off a modern-only device. */
#define VIRTIO_PCI_SUBSYSTEM_ID   0x1100
/* Breakage is reported on stderr this many times per device, no more: a
 * guest that breaks and resets its device in a loop must not flood the log. */
#define VIRTIO_PCI_MAX_REPORTS    8

typedef struct
{
  uint16_t size;
  uint16_t msix_vector;
  bool     enabled;
  uint64_t desc;
  uint64_t driver;
  uint64_t device;
} VirtioPciQueue;

struct VirtioPci
{
  pthread_mutex_t  lock;
  VirtioDevice    *vdev;
  PciDevice       *pci;
  unsigned         cfg_cap;             /* VIRTIO_PCI_CAP_PCI_CFG offset */

  /* Common configuration, guarded by lock. */
  uint32_t         device_feature_select;
  uint32_t         driver_feature_select;
  uint64_t         driver_features;
  uint16_t         msix_config;
  uint8_t          status;
  uint8_t          config_generation;
  uint16_t         queue_select;
  VirtioPciQueue  *queues;
  uint8_t          isr;
  unsigned         n_reports;

  void           (*notify_moved) (void      *opaque,
                                  VirtioPci *vp);
  void            *notify_opaque;
  void           (*exit_kick)    (void      *opaque,
                                  VirtioPci *vp,
                                  unsigned   queue);
  void            *exit_kick_opaque;
};

static void
virtio_pci_store (uint8_t  *bytes,
                  uint64_t  value,
                  unsigned  size)
{
  for (unsigned i = 0; i < size; i++)
    bytes[i] = (uint8_t) (value >> (8 * i));
}

/* Interrupts. With MSI-X enabled a notification is a message on the
 * vector the driver chose (none for NO_VECTOR); without, it sets an ISR bit
 * and raises INTx until the driver reads the ISR. */
static void
virtio_pci_interrupt (VirtioPci *vp,
                      uint16_t   vector,
                      uint8_t    isr_bit)
{
  if (pci_device_msix_enabled (vp->pci))
    {
      if (vector != VIRTIO_PCI_NO_VECTOR)
        pci_device_msix_notify (vp->pci, vector);
      return;
    }
  pthread_mutex_lock (&vp->lock);
  vp->isr |= isr_bit;
  pthread_mutex_unlock (&vp->lock);
  pci_device_update_intx (vp->pci);
}

static void
virtio_pci_queue_interrupt (void     *opaque,
                            unsigned  queue)
{
  VirtioPci *vp = opaque;
  uint16_t vector;

  if (queue >= vp->vdev->n_queues)
    return;
  pthread_mutex_lock (&vp->lock);
  vector = vp->queues[queue].msix_vector;
  pthread_mutex_unlock (&vp->lock);
  virtio_pci_interrupt (vp, vector, VIRTIO_PCI_ISR_QUEUE);
}

static void
virtio_pci_signal_config (VirtioPci *vp)
{
  uint16_t vector;

  pthread_mutex_lock (&vp->lock);
  vector = vp->msix_config;
  pthread_mutex_unlock (&vp->lock);
  virtio_pci_interrupt (vp, vector, VIRTIO_PCI_ISR_CONFIG);
}

static void
virtio_pci_config_changed (void *opaque)
{
  VirtioPci *vp = opaque;

  pthread_mutex_lock (&vp->lock);
  vp->config_generation++;
  pthread_mutex_unlock (&vp->lock);
  virtio_pci_signal_config (vp);
}

static void
virtio_pci_needs_reset (void       *opaque,
                        const char *reason)
{
  VirtioPci *vp = opaque;
  bool already, report = false;

  pthread_mutex_lock (&vp->lock);
  already = (vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
  vp->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  if (!already && vp->n_reports < VIRTIO_PCI_MAX_REPORTS)
    {
      vp->n_reports++;
      report = true;
    }
  pthread_mutex_unlock (&vp->lock);

  if (already)
    return;
  if (report)
    fprintf (stderr, "guesthouse-vmm: virtio-%s: %s; the device stops until the driver resets it\n",
             vp->vdev->ops->name, reason);
  virtio_pci_signal_config (vp);
}

static const VirtioTransportOps virtio_pci_transport_ops = {
  virtio_pci_queue_interrupt,
  virtio_pci_config_changed,
  virtio_pci_needs_reset,
};

/* Device reset (status 0 or machine reset), transport half. Lock held; the
 * back end's reset follows without it. */
static void
virtio_pci_reset_locked (VirtioPci *vp)
{
  vp->device_feature_select = 0;
  vp->driver_feature_select = 0;
  vp->driver_features = 0;
  vp->msix_config = VIRTIO_PCI_NO_VECTOR;
  vp->status = 0;
  vp->queue_select = 0;
  vp->isr = 0;
  for (unsigned i = 0; i < vp->vdev->n_queues; i++)
    {
      vp->queues[i] = (VirtioPciQueue) {
        .size = vp->vdev->queues[i].max_size,
        .msix_vector = VIRTIO_PCI_NO_VECTOR,
      };
      virtq_reset (&vp->vdev->queues[i]);
    }
  virtio_device_set_driver_features (vp->vdev, 0);
}

static void
virtio_pci_reset (VirtioPci *vp)
{
  pthread_mutex_lock (&vp->lock);
  virtio_pci_reset_locked (vp);
  pthread_mutex_unlock (&vp->lock);
  if (vp->vdev->ops->reset != NULL)
    vp->vdev->ops->reset (vp->vdev);
  pci_device_update_intx (vp->pci);
}

void
virtio_pci_kick (VirtioPci *vp,
                 unsigned   queue)
{
  bool ok;

  pthread_mutex_lock (&vp->lock);
  ok = queue < vp->vdev->n_queues && vp->queues[queue].enabled
       && (vp->status & VIRTIO_STATUS_DRIVER_OK)
       && !(vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  pthread_mutex_unlock (&vp->lock);
  if (ok)
    vp->vdev->ops->queue_notify (vp->vdev, queue);
}

/* The driver may only accept what was offered, and a modern device only
 * works with a driver that accepts VIRTIO_F_VERSION_1. */
static bool
virtio_pci_features_acceptable (VirtioPci *vp)
{
  return (vp->driver_features & ~vp->vdev->features) == 0
         && (vp->driver_features & VIRTIO_FEATURE (VIRTIO_F_VERSION_1));
}

static void
virtio_pci_write_status (VirtioPci *vp,
                         uint8_t    value)
{
  bool activate = false, refuse = false;
  uint8_t old, status;

  if (value == 0)
    {
      virtio_pci_reset (vp);
      return;
    }

  pthread_mutex_lock (&vp->lock);
  old = vp->status;
  /* DEVICE_NEEDS_RESET is the device's to set and only a reset clears it. */
  status = (uint8_t) ((value & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET)
                      | (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
  if ((status & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK))
    {
      /* Refusing means not setting the bit: the driver reads the status
       * back to learn whether we agreed. */
      if (virtio_pci_features_acceptable (vp))
        virtio_device_set_driver_features (vp->vdev, vp->driver_features);
      else
        status &= (uint8_t) ~VIRTIO_STATUS_FEATURES_OK;
    }
  if ((status & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
    {
      if (status & VIRTIO_STATUS_FEATURES_OK)
        activate = true;
      else
        {
          status &= (uint8_t) ~VIRTIO_STATUS_DRIVER_OK;
          refuse = true;
        }
    }
  vp->status = status;
  pthread_mutex_unlock (&vp->lock);

  if (refuse)
    virtio_pci_needs_reset (vp, "DRIVER_OK without FEATURES_OK");
  if (activate)
    {
      if (vp->vdev->ops->activate != NULL && vp->vdev->ops->activate (vp->vdev) < 0)
        {
          virtio_pci_needs_reset (vp, "the device refused its configuration");
          return;
        }
      /* Drivers may make buffers available before DRIVER_OK; the device
       * must not touch them until now, so look at every queue once. */
      for (unsigned i = 0; i < vp->vdev->n_queues; i++)
        virtio_pci_kick (vp, i);
    }
}

static uint16_t
virtio_pci_checked_vector (VirtioPci *vp,
                           uint16_t   vector)
{
  /* A vector the function does not have cannot be mapped; the driver learns
   * that by reading back NO_VECTOR. */
  return vector < pci_device_msix_n_vectors (vp->pci) ? vector : VIRTIO_PCI_NO_VECTOR;
}

/* The common configuration structure as the driver sees it now. Lock held. */
static void
virtio_pci_common_image_locked (VirtioPci *vp,
                                uint8_t    image[VIRTIO_PCI_COMMON_CFG_LEN])
{
  const VirtioDevice *vdev = vp->vdev;
  const VirtioPciQueue *q = NULL;
  uint32_t df = 0, gf = 0;

  if (vp->queue_select < vdev->n_queues)
    q = &vp->queues[vp->queue_select];

  if (vp->device_feature_select < 2)
    df = (uint32_t) (vdev->features >> (32 * vp->device_feature_select));
  if (vp->driver_feature_select < 2)
    gf = (uint32_t) (vp->driver_features >> (32 * vp->driver_feature_select));

  memset (image, 0, VIRTIO_PCI_COMMON_CFG_LEN);
  virtio_pci_store (image + VIRTIO_PCI_COMMON_DFSELECT, vp->device_feature_select, 4);
  virtio_pci_store (image + VIRTIO_PCI_COMMON_DF, df, 4);
  virtio_pci_store (image + VIRTIO_PCI_COMMON_GFSELECT, vp->driver_feature_select, 4);
  virtio_pci_store (image + VIRTIO_PCI_COMMON_GF, gf, 4);
  virtio_pci_store (image + VIRTIO_PCI_COMMON_MSIX, vp->msix_config, 2);
  virtio_pci_store (image + VIRTIO_PCI_COMMON_NUMQ, vdev->n_queues, 2);
  image[VIRTIO_PCI_COMMON_STATUS] = vp->status;
  image[VIRTIO_PCI_COMMON_CFGGENERATION] = vp->config_generation;
  virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_SELECT, vp->queue_select, 2);
  /* A queue that does not exist has size 0 ("unavailable"). */
  virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_PCI_NO_VECTOR, 2);
  if (q != NULL)
    {
      virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_SIZE, q->size, 2);
      virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_MSIX, q->msix_vector, 2);
      virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_ENABLE, q->enabled, 2);
      virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_NOFF, vp->queue_select, 2);
      virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_DESC, q->desc, 8);
      virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_DRIVER, q->driver, 8);
      virtio_pci_store (image + VIRTIO_PCI_COMMON_Q_DEVICE, q->device, 8);
    }
}

static uint64_t
virtio_pci_common_read (VirtioPci *vp,
                        uint64_t   offset,
                        unsigned   size)
{
  uint8_t image[VIRTIO_PCI_COMMON_CFG_LEN];
  uint64_t value = 0;

  if (offset >= VIRTIO_PCI_COMMON_CFG_LEN || size > VIRTIO_PCI_COMMON_CFG_LEN - offset)
    return 0;
  pthread_mutex_lock (&vp->lock);
  virtio_pci_common_image_locked (vp, image);
  pthread_mutex_unlock (&vp->lock);
  for (unsigned i = 0; i < size; i++)
    value |= (uint64_t) image[offset + i] << (8 * i);
  return value;
}

/* A 64-bit queue address register, written whole or as two dwords (Linux
 * writes it in halves). */
static void
virtio_pci_write_u64_part (uint64_t *reg,
                           uint64_t  offset,
                           uint64_t  value,
                           unsigned  size)
{
  if (size == 8 && offset == 0)
    *reg = value;
  else if (size == 4 && offset == 0)
    *reg = (*reg & 0xffffffff00000000ull) | (uint32_t) value;
  else if (size == 4 && offset == 4)
    *reg = (*reg & 0xffffffffull) | ((uint64_t) (uint32_t) value << 32);
}

static void
virtio_pci_queue_enable (VirtioPci *vp)
{
  VirtioPciQueue q;
  uint16_t index;
  uint64_t features;

  pthread_mutex_lock (&vp->lock);
  index = vp->queue_select;
  /* Queues are set up after FEATURES_OK: their ring format depends on the
   * features. An enable before that, or twice, is ignored. */
  if (index >= vp->vdev->n_queues || vp->queues[index].enabled
      || !(vp->status & VIRTIO_STATUS_FEATURES_OK))
    {
      pthread_mutex_unlock (&vp->lock);
      return;
    }
  vp->queues[index].enabled = true;
  q = vp->queues[index];
  features = vp->driver_features;
  pthread_mutex_unlock (&vp->lock);

  /* Without the lock: a bad ring breaks the queue, whose error handler comes
   * back here through virtio_pci_needs_reset. */
  virtq_enable (&vp->vdev->queues[index], q.size, q.desc, q.driver, q.device, features);
}

static void
virtio_pci_common_write (VirtioPci *vp,
                         uint64_t   offset,
                         uint64_t   value,
                         unsigned   size)
{
  VirtioPciQueue *q;

  /* Everything with a side effect is handled without the lock. */
  if (offset == VIRTIO_PCI_COMMON_STATUS && size == 1)
    {
      virtio_pci_write_status (vp, (uint8_t) value);
      return;
    }
  if (offset == VIRTIO_PCI_COMMON_Q_ENABLE && size == 2)
    {
      if (value == 1)
        virtio_pci_queue_enable (vp);
      return;
    }

  pthread_mutex_lock (&vp->lock);
  q = vp->queue_select < vp->vdev->n_queues ? &vp->queues[vp->queue_select] : NULL;
  /* Queue registers are frozen while the queue is enabled. */
  if (q != NULL && q->enabled)
    q = NULL;

  if (offset == VIRTIO_PCI_COMMON_DFSELECT && size == 4)
    vp->device_feature_select = (uint32_t) value;
  else if (offset == VIRTIO_PCI_COMMON_GFSELECT && size == 4)
    vp->driver_feature_select = (uint32_t) value;
  else if (offset == VIRTIO_PCI_COMMON_GF && size == 4)
    {
      /* Features are fixed from FEATURES_OK on. */
      if (vp->driver_feature_select < 2 && !(vp->status & VIRTIO_STATUS_FEATURES_OK))
        {
          unsigned shift = 32 * vp->driver_feature_select;
          vp->driver_features = (vp->driver_features & ~(0xffffffffull << shift))
                                | ((uint64_t) (uint32_t) value << shift);
        }
    }
  else if (offset == VIRTIO_PCI_COMMON_MSIX && size == 2)
    vp->msix_config = virtio_pci_checked_vector (vp, (uint16_t) value);
  else if (offset == VIRTIO_PCI_COMMON_Q_SELECT && size == 2)
    vp->queue_select = (uint16_t) value;
  else if (offset == VIRTIO_PCI_COMMON_Q_MSIX && size == 2)
    {
      /* The vector may change while the queue runs (drivers move vectors
       * between CPUs), so this one ignores the freeze. */
      if (vp->queue_select < vp->vdev->n_queues)
        vp->queues[vp->queue_select].msix_vector = virtio_pci_checked_vector (vp, (uint16_t) value);
    }
  else if (q != NULL && offset == VIRTIO_PCI_COMMON_Q_SIZE && size == 2)
    q->size = (uint16_t) value;   /* checked when the queue is enabled */
  else if (q != NULL && offset >= VIRTIO_PCI_COMMON_Q_DESC && offset < VIRTIO_PCI_COMMON_Q_DESC + 8)
    virtio_pci_write_u64_part (&q->desc, offset - VIRTIO_PCI_COMMON_Q_DESC, value, size);
  else if (q != NULL && offset >= VIRTIO_PCI_COMMON_Q_DRIVER
           && offset < VIRTIO_PCI_COMMON_Q_DRIVER + 8)
    virtio_pci_write_u64_part (&q->driver, offset - VIRTIO_PCI_COMMON_Q_DRIVER, value, size);
  else if (q != NULL && offset >= VIRTIO_PCI_COMMON_Q_DEVICE
           && offset < VIRTIO_PCI_COMMON_Q_DEVICE + 8)
    virtio_pci_write_u64_part (&q->device, offset - VIRTIO_PCI_COMMON_Q_DEVICE, value, size);
  /* Anything else is read-only or not a register: dropped. */
  pthread_mutex_unlock (&vp->lock);
}

static uint64_t
virtio_pci_isr_read (VirtioPci *vp)
{
  uint8_t isr;

  /* Reading acknowledges: the bits clear and INTx goes down. */
  pthread_mutex_lock (&vp->lock);
  isr = vp->isr;
  vp->isr = 0;
  pthread_mutex_unlock (&vp->lock);
  if (isr != 0)
    pci_device_update_intx (vp->pci);
  return isr;
}

static uint64_t
virtio_pci_bar_read_value (VirtioPci *vp,
                           uint64_t   offset,
                           unsigned   size)
{
  uint64_t region = offset & ~(uint64_t) (VIRTIO_PCI_REGION_SIZE - 1);
  uint64_t off = offset - region;
  VirtioDevice *vdev = vp->vdev;

  if (size == 0 || size > 8 || off + size > VIRTIO_PCI_REGION_SIZE)
    return 0;
  switch (region)
    {
    case VIRTIO_PCI_COMMON_OFFSET:
      return virtio_pci_common_read (vp, off, size);
    case VIRTIO_PCI_ISR_OFFSET:
      return off == 0 ? virtio_pci_isr_read (vp) : 0;
    case VIRTIO_PCI_DEVICE_OFFSET:
      if (off < vdev->config_size && size <= vdev->config_size - off
          && vdev->ops->config_read != NULL)
        {
          uint8_t buf[8] = { 0 };
          uint64_t value = 0;

          vdev->ops->config_read (vdev, (unsigned) off, buf, size);
          for (unsigned i = 0; i < size; i++)
            value |= (uint64_t) buf[i] << (8 * i);
          return value;
        }
      return 0;
    default:
      return 0;   /* notifications are write-only */
    }
}

static void
virtio_pci_bar_write_value (VirtioPci *vp,
                            uint64_t   offset,
                            uint64_t   value,
                            unsigned   size)
{
  uint64_t region = offset & ~(uint64_t) (VIRTIO_PCI_REGION_SIZE - 1);
  uint64_t off = offset - region;
  VirtioDevice *vdev = vp->vdev;

  if (size == 0 || size > 8 || off + size > VIRTIO_PCI_REGION_SIZE)
    return;
  switch (region)
    {
    case VIRTIO_PCI_COMMON_OFFSET:
      virtio_pci_common_write (vp, off, value, size);
      break;
    case VIRTIO_PCI_DEVICE_OFFSET:
      if (off < vdev->config_size && size <= vdev->config_size - off
          && vdev->ops->config_write != NULL)
        {
          uint8_t buf[8];

          for (unsigned i = 0; i < size; i++)
            buf[i] = (uint8_t) (value >> (8 * i));
          vdev->ops->config_write (vdev, (unsigned) off, buf, size);
        }
      break;
    case VIRTIO_PCI_NOTIFY_OFFSET:
      /* The data (the queue index) is redundant with the address. */
      {
        unsigned queue = (unsigned) (off / VIRTIO_PCI_NOTIFY_MULTIPLIER);
        void (*exit_kick) (void *, VirtioPci *, unsigned);
        void *exit_kick_opaque;

        virtio_pci_kick (vp, queue);
        pthread_mutex_lock (&vp->lock);
        exit_kick = vp->exit_kick;
        exit_kick_opaque = vp->exit_kick_opaque;
        pthread_mutex_unlock (&vp->lock);
        if (exit_kick != NULL)
          exit_kick (exit_kick_opaque, vp, queue);
      }
      break;
    default:
      break;       /* the ISR is read-only */
    }
}

static uint64_t
virtio_pci_bar_read (void     *opaque,
                     uint64_t  offset,
                     unsigned  size)
{
  return virtio_pci_bar_read_value (opaque, offset, size);
}

static void
virtio_pci_bar_write (void     *opaque,
                      uint64_t  offset,
                      uint64_t  value,
                      unsigned  size)
{
  virtio_pci_bar_write_value (opaque, offset, value, size);
}

static const IoBusOps virtio_pci_bar_ops = {
  "virtio-pci",
  virtio_pci_bar_read,
  virtio_pci_bar_write,
};

/* VIRTIO_PCI_CAP_PCI_CFG: the driver names a BAR, an offset and a length
 * (1, 2 or 4, offset aligned to it) in the capability, and pci_cfg_data
 * becomes a window onto those bytes. Returns false when the window does not
 * point at anything. */
static bool
virtio_pci_cfg_window (VirtioPci *vp,
                       uint32_t  *offset,
                       unsigned  *length)
{
  unsigned cap = vp->cfg_cap;
  uint32_t bar = pci_device_config_get (vp->pci, cap + VIRTIO_PCI_CAP_BAR, 1);
  uint32_t off = pci_device_config_get (vp->pci, cap + VIRTIO_PCI_CAP_OFFSET, 4);
  uint32_t len = pci_device_config_get (vp->pci, cap + VIRTIO_PCI_CAP_LENGTH, 4);

  if (bar != VIRTIO_PCI_BAR || (len != 1 && len != 2 && len != 4) || off % len != 0
      || off >= VIRTIO_PCI_BAR_SIZE)
    return false;
  *offset = off;
  *length = len;
  return true;
}

static bool
virtio_pci_touches_cfg_data (VirtioPci *vp,
                             unsigned   offset,
                             unsigned   size)
{
  unsigned data = vp->cfg_cap + VIRTIO_PCI_CAP_PCI_CFG_DATA;

  return offset < data + 4 && data < offset + size;
}

static void
virtio_pci_config_read_hook (void     *opaque,
                             unsigned  offset,
                             unsigned  size)
{
  VirtioPci *vp = opaque;
  uint32_t off;
  unsigned len;

  if (virtio_pci_touches_cfg_data (vp, offset, size) && virtio_pci_cfg_window (vp, &off, &len))
    pci_device_config_set (vp->pci, vp->cfg_cap + VIRTIO_PCI_CAP_PCI_CFG_DATA,
                           (uint32_t) virtio_pci_bar_read_value (vp, off, len), 4);
}

static void
virtio_pci_config_write_hook (void     *opaque,
                              unsigned  offset,
                              unsigned  size)
{
  VirtioPci *vp = opaque;
  uint32_t off;
  unsigned len;

  if (virtio_pci_touches_cfg_data (vp, offset, size) && virtio_pci_cfg_window (vp, &off, &len))
    {
      uint32_t data = pci_device_config_get (vp->pci, vp->cfg_cap + VIRTIO_PCI_CAP_PCI_CFG_DATA, 4);
      virtio_pci_bar_write_value (vp, off, data, len);
    }
}

static bool
virtio_pci_intx_level (void *opaque)
{
  VirtioPci *vp = opaque;
  bool level;

  pthread_mutex_lock (&vp->lock);
  level = vp->isr != 0;
  pthread_mutex_unlock (&vp->lock);
  return level;
}

static void
virtio_pci_bar_moved (void     *opaque,
                      unsigned  bar,
                      bool      mapped,
                      uint64_t  addr)
{
  VirtioPci *vp = opaque;
  void (*moved) (void *, VirtioPci *);
  void *moved_opaque;

  if (bar != VIRTIO_PCI_BAR)
    return;
  pthread_mutex_lock (&vp->lock);
  moved = vp->notify_moved;
  moved_opaque = vp->notify_opaque;
  pthread_mutex_unlock (&vp->lock);
  if (moved != NULL)
    moved (moved_opaque, vp);
}

static void
virtio_pci_pci_reset (void *opaque)
{
  virtio_pci_reset (opaque);
}

static const PciDeviceOps virtio_pci_pci_ops = {
  .config_read = virtio_pci_config_read_hook,
  .config_write = virtio_pci_config_write_hook,
  .intx_level = virtio_pci_intx_level,
  .bar_moved = virtio_pci_bar_moved,
  .reset = virtio_pci_pci_reset,
};

static int
virtio_pci_add_cap (VirtioPci *vp,
                    uint8_t    cfg_type,
                    unsigned   cap_len,
                    uint32_t   offset,
                    uint32_t   length)
{
  int cap = pci_device_add_capability (vp->pci, PCI_CAP_ID_VENDOR, cap_len);

  if (cap < 0)
    return cap;
  pci_device_config_set (vp->pci, (unsigned) cap + 2, cap_len, 1);
  pci_device_config_set (vp->pci, (unsigned) cap + VIRTIO_PCI_CAP_CFG_TYPE, cfg_type, 1);
  pci_device_config_set (vp->pci, (unsigned) cap + VIRTIO_PCI_CAP_BAR,
                         cfg_type == VIRTIO_PCI_CAP_PCI_CFG ? 0 : VIRTIO_PCI_BAR, 1);
  pci_device_config_set (vp->pci, (unsigned) cap + VIRTIO_PCI_CAP_OFFSET, offset, 4);
  pci_device_config_set (vp->pci, (unsigned) cap + VIRTIO_PCI_CAP_LENGTH, length, 4);
  return cap;
}

static int
virtio_pci_build (VirtioPci *vp)
{
  VirtioDevice *vdev = vp->vdev;
  unsigned n_vectors = vdev->n_queues + 1;
  int ret, cap;

  if ((ret = pci_device_set_bar (vp->pci, VIRTIO_PCI_BAR, PCI_BAR_MEM64, VIRTIO_PCI_BAR_SIZE,
                                 false, &virtio_pci_bar_ops, vp)) < 0)
    return ret;
  if (n_vectors > PCI_MSIX_MAX_VECTORS)
    n_vectors = PCI_MSIX_MAX_VECTORS;
  if ((ret = pci_device_add_msix (vp->pci, n_vectors, VIRTIO_PCI_MSIX_BAR)) < 0)
    return ret;

  if ((ret = virtio_pci_add_cap (vp, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_LEN,
                                 VIRTIO_PCI_COMMON_OFFSET, VIRTIO_PCI_COMMON_CFG_LEN)) < 0)
    return ret;
  if ((cap = virtio_pci_add_cap (vp, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_CAP_NOTIFY_LEN,
                                 VIRTIO_PCI_NOTIFY_OFFSET,
                                 VIRTIO_PCI_NOTIFY_MULTIPLIER * vdev->n_queues)) < 0)
    return cap;
  pci_device_config_set (vp->pci, (unsigned) cap + VIRTIO_PCI_CAP_NOTIFY_MULTIPLIER,
                         VIRTIO_PCI_NOTIFY_MULTIPLIER, 4);
  if ((ret = virtio_pci_add_cap (vp, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_CAP_LEN,
                                 VIRTIO_PCI_ISR_OFFSET, 1)) < 0)
    return ret;
  if (vdev->config_size > 0
      && (ret = virtio_pci_add_cap (vp, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_CAP_LEN,
                                    VIRTIO_PCI_DEVICE_OFFSET, vdev->config_size)) < 0)
    return ret;
  if ((cap = virtio_pci_add_cap (vp, VIRTIO_PCI_CAP_PCI_CFG, VIRTIO_PCI_CAP_PCI_CFG_LEN, 0, 0)) < 0)
    return cap;
  vp->cfg_cap = (unsigned) cap;
  pci_device_set_wmask (vp->pci, vp->cfg_cap + VIRTIO_PCI_CAP_BAR, 0xff, 1);
  pci_device_set_wmask (vp->pci, vp->cfg_cap + VIRTIO_PCI_CAP_OFFSET, 0xffffffffu, 4);
  pci_device_set_wmask (vp->pci, vp->cfg_cap + VIRTIO_PCI_CAP_LENGTH, 0xffffffffu, 4);
  pci_device_set_wmask (vp->pci, vp->cfg_cap + VIRTIO_PCI_CAP_PCI_CFG_DATA, 0xffffffffu, 4);
  return 0;
}

VirtioPci *
virtio_pci_new (VirtioDevice *vdev)
{
  PciDeviceInfo info = {
    .vendor_id = VIRTIO_PCI_VENDOR_ID,
    .subsystem_vendor_id = VIRTIO_PCI_VENDOR_ID,
    .subsystem_id = VIRTIO_PCI_SUBSYSTEM_ID,
    .revision = VIRTIO_PCI_REVISION,
    .interrupt_pin = 1,
  };
  VirtioPci *vp;
  int ret;

  if (vdev == NULL || vdev->ops == NULL || vdev->ops->queue_notify == NULL
      || vdev->device_id > 0x3f || vdev->n_queues == 0)
    {
      errno = EINVAL;
      return NULL;
    }
  info.device_id = (uint16_t) (VIRTIO_PCI_DEVICE_ID_BASE + vdev->device_id);
  info.class_code = vdev->pci_class;

  vp = calloc (1, sizeof *vp);
  if (vp == NULL)
    return NULL;
  pthread_mutex_init (&vp->lock, NULL);
  vp->vdev = vdev;
  vp->queues = calloc (vdev->n_queues, sizeof *vp->queues);
  vp->pci = pci_device_new (&info, &virtio_pci_pci_ops, vp);
  if (vp->queues == NULL || vp->pci == NULL)
    {
      ret = -ENOMEM;
      goto fail;
    }
  if ((ret = virtio_pci_build (vp)) < 0)
    goto fail;

  virtio_pci_reset_locked (vp);
  virtio_device_set_transport (vdev, &virtio_pci_transport_ops, vp);
  return vp;

fail:
  pci_device_free (vp->pci);
  free (vp->queues);
  pthread_mutex_destroy (&vp->lock);
  free (vp);
  errno = -ret;
  return NULL;
}

void
virtio_pci_free (VirtioPci *vp)
{
  if (vp == NULL)
    return;
  virtio_device_set_transport (vp->vdev, NULL, NULL);
  pci_device_free (vp->pci);
  free (vp->queues);
  pthread_mutex_destroy (&vp->lock);
  free (vp);
}

PciDevice *
virtio_pci_get_pci_device (VirtioPci *vp)
{
  return vp->pci;
}

bool
virtio_pci_get_notify_addr (VirtioPci *vp,
                            unsigned   queue,
                            uint64_t  *addr)
{
  uint64_t base;

  if (queue >= vp->vdev->n_queues || !pci_device_bar_address (vp->pci, VIRTIO_PCI_BAR, &base))
    return false;
  *addr = base + VIRTIO_PCI_NOTIFY_OFFSET + (uint64_t) VIRTIO_PCI_NOTIFY_MULTIPLIER * queue;
  return true;
}

void
virtio_pci_set_notify_listener (VirtioPci  *vp,
                                void      (*moved) (void      *opaque,
                                                    VirtioPci *vp),
                                void       *opaque)
{
  pthread_mutex_lock (&vp->lock);
  vp->notify_moved = moved;
  vp->notify_opaque = opaque;
  pthread_mutex_unlock (&vp->lock);
}

void
virtio_pci_set_exit_kick_listener (VirtioPci  *vp,
                                   void      (*kicked) (void      *opaque,
                                                        VirtioPci *vp,
                                                        unsigned   queue),
                                   void       *opaque)
{
  pthread_mutex_lock (&vp->lock);
  vp->exit_kick = kicked;
  vp->exit_kick_opaque = opaque;
  pthread_mutex_unlock (&vp->lock);
}

uint8_t
virtio_pci_get_status (VirtioPci *vp)
{
  uint8_t status;

  pthread_mutex_lock (&vp->lock);
  status = vp->status;
  pthread_mutex_unlock (&vp->lock);
  return status;
}
