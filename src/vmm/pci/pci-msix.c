/* pci-msix.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci-device-private.h"

/* MSI-X (PCI Local Bus Specification 3.0, section 6.8.2): a table of
 * (address, data, mask) entries and a pending-bit array, both in a memory
 * BAR, plus a capability whose message control word holds the enable and
 * function-mask bits. A message raised while its vector or the whole
 * function is masked is remembered in the PBA and sent when the mask goes
 * away; that is what lets a guest mask, reprogram and unmask a vector without
 * losing an interrupt. The state is guarded by the function's lock, and
 * messages are sent after it is released. */

static uint32_t *
pci_msix_entry (PciDevice *dev,
                unsigned   vector)
{
  return &dev->msix_table[vector * (PCI_MSIX_ENTRY_SIZE / 4)];
}

static uint16_t
pci_msix_control_locked (PciDevice *dev)
{
  return (uint16_t) pci_config_load (dev->config + dev->msix_cap + PCI_MSIX_FLAGS, 2);
}

bool
_pci_msix_enabled_locked (PciDevice *dev)
{
  return dev->msix_cap != 0 && (pci_msix_control_locked (dev) & PCI_MSIX_FLAGS_ENABLE);
}

static bool
pci_msix_masked_locked (PciDevice *dev,
                        unsigned   vector)
{
  return (pci_msix_control_locked (dev) & PCI_MSIX_FLAGS_MASKALL)
         || (pci_msix_entry (dev, vector)[PCI_MSIX_ENTRY_CTRL / 4] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static bool
pci_msix_pending_locked (PciDevice *dev,
                         unsigned   vector)
{
  return (dev->msix_pba[vector / 64] >> (vector % 64)) & 1;
}

static void
pci_msix_set_pending_locked (PciDevice *dev,
                             unsigned   vector,
                             bool       pending)
{
  uint64_t bit = (uint64_t) 1 << (vector % 64);

  if (pending)
    dev->msix_pba[vector / 64] |= bit;
  else
    dev->msix_pba[vector / 64] &= ~bit;
}

void
_pci_msix_reset_locked (PciDevice *dev)
{
  if (dev->msix_cap == 0)
    return;
  memset (dev->msix_table, 0, (size_t) dev->n_vectors * PCI_MSIX_ENTRY_SIZE);
  memset (dev->msix_pba, 0, ((dev->n_vectors + 63) / 64) * sizeof (uint64_t));
  for (unsigned v = 0; v < dev->n_vectors; v++)
    pci_msix_entry (dev, v)[PCI_MSIX_ENTRY_CTRL / 4] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

void
_pci_msix_free (PciDevice *dev)
{
  free (dev->msix_table);
  free (dev->msix_pba);
  dev->msix_table = NULL;
  dev->msix_pba = NULL;
}

/* Sends every pending message whose mask went away. One vector at a time,
 * so that each message leaves without the lock. */
void
_pci_msix_deliver_pending (PciDevice *dev)
{
  if (dev->msix_cap == 0)
    return;
  for (unsigned v = 0; v < dev->n_vectors; v++)
    {
      uint64_t address = 0;
      uint32_t data = 0;
      bool send = false;

      pthread_mutex_lock (&dev->lock);
      if (_pci_msix_enabled_locked (dev) && pci_msix_pending_locked (dev, v)
          && !pci_msix_masked_locked (dev, v))
        {
          const uint32_t *entry = pci_msix_entry (dev, v);

          pci_msix_set_pending_locked (dev, v, false);
          address = entry[0] | (uint64_t) entry[1] << 32;
          data = entry[2];
          send = true;
        }
      pthread_mutex_unlock (&dev->lock);
      if (send && dev->host != NULL)
        _pci_host_send_msi (dev->host, address, data);
    }
}

bool
pci_device_msix_notify (PciDevice *dev,
                        unsigned   vector)
{
  uint64_t address;
  uint32_t data;

  pthread_mutex_lock (&dev->lock);
  if (!_pci_msix_enabled_locked (dev) || vector >= dev->n_vectors)
    {
      pthread_mutex_unlock (&dev->lock);
      return false;
    }
  if (pci_msix_masked_locked (dev, vector))
    {
      pci_msix_set_pending_locked (dev, vector, true);
      pthread_mutex_unlock (&dev->lock);
      return true;
    }
  address = pci_msix_entry (dev, vector)[0] | (uint64_t) pci_msix_entry (dev, vector)[1] << 32;
  data = pci_msix_entry (dev, vector)[2];
  pthread_mutex_unlock (&dev->lock);

  if (dev->host != NULL)
    _pci_host_send_msi (dev->host, address, data);
  return true;
}

bool
pci_device_msix_enabled (PciDevice *dev)
{
  bool enabled;

  pthread_mutex_lock (&dev->lock);
  enabled = _pci_msix_enabled_locked (dev);
  pthread_mutex_unlock (&dev->lock);
  return enabled;
}

bool
pci_device_msix_pending (PciDevice *dev,
                         unsigned   vector)
{
  bool pending = false;

  pthread_mutex_lock (&dev->lock);
  if (dev->msix_cap != 0 && vector < dev->n_vectors)
    pending = pci_msix_pending_locked (dev, vector);
  pthread_mutex_unlock (&dev->lock);
  return pending;
}

unsigned
pci_device_msix_n_vectors (PciDevice *dev)
{
  return dev->n_vectors;
}

/* One dword of the BAR, lock held. */
static uint32_t
pci_msix_read_dword_locked (PciDevice *dev,
                            uint64_t   offset)
{
  uint64_t table_size = (uint64_t) dev->n_vectors * PCI_MSIX_ENTRY_SIZE;
  uint64_t pba_size = ((dev->n_vectors + 63) / 64) * sizeof (uint64_t);

  if (offset < table_size)
    return dev->msix_table[offset / 4];
  if (offset >= dev->msix_pba_offset && offset - dev->msix_pba_offset < pba_size)
    {
      uint64_t qword = dev->msix_pba[(offset - dev->msix_pba_offset) / 8];
      return (uint32_t) (qword >> (offset & 4 ? 32 : 0));
    }
  return 0;
}

/* Returns true when a mask bit went from set to clear. Lock held. */
static bool
pci_msix_write_dword_locked (PciDevice *dev,
                             uint64_t   offset,
                             uint32_t   value)
{
  uint64_t table_size = (uint64_t) dev->n_vectors * PCI_MSIX_ENTRY_SIZE;
  uint32_t *slot;

  /* The PBA is read-only, everything past the table and PBA reserved. */
  if (offset >= table_size)
    return false;
  slot = &dev->msix_table[offset / 4];
  if (offset % PCI_MSIX_ENTRY_SIZE == PCI_MSIX_ENTRY_CTRL)
    {
      bool unmasked = (*slot & PCI_MSIX_ENTRY_CTRL_MASKBIT)
                      && !(value & PCI_MSIX_ENTRY_CTRL_MASKBIT);
      /* Only the mask bit exists; the rest of vector control is reserved. */
      *slot = value & PCI_MSIX_ENTRY_CTRL_MASKBIT;
      return unmasked;
    }
  *slot = value;
  return false;
}

/* The specification allows aligned dword and qword accesses; anything else
 * is undefined, so it reads 0 and writes nothing. */
static uint64_t
pci_msix_bar_read (void     *opaque,
                   uint64_t  offset,
                   unsigned  size)
{
  PciDevice *dev = opaque;
  uint64_t value;

  if ((size != 4 && size != 8) || offset % size != 0)
    return 0;
  pthread_mutex_lock (&dev->lock);
  value = pci_msix_read_dword_locked (dev, offset);
  if (size == 8)
    value |= (uint64_t) pci_msix_read_dword_locked (dev, offset + 4) << 32;
  pthread_mutex_unlock (&dev->lock);
  return value;
}

static void
pci_msix_bar_write (void     *opaque,
                    uint64_t  offset,
                    uint64_t  value,
                    unsigned  size)
{
  PciDevice *dev = opaque;
  bool unmasked;

  if ((size != 4 && size != 8) || offset % size != 0)
    return;
  pthread_mutex_lock (&dev->lock);
  unmasked = pci_msix_write_dword_locked (dev, offset, (uint32_t) value);
  if (size == 8)
    unmasked |= pci_msix_write_dword_locked (dev, offset + 4, (uint32_t) (value >> 32));
  pthread_mutex_unlock (&dev->lock);
  if (unmasked)
    _pci_msix_deliver_pending (dev);
}

static const IoBusOps pci_msix_bar_ops = {
  "pci-msix",
  pci_msix_bar_read,
  pci_msix_bar_write,
};

int
pci_device_add_msix (PciDevice *dev,
                     unsigned   n_vectors,
                     unsigned   bar)
{
  uint32_t table_size, pba_offset, pba_size;
  uint64_t bar_size = 0x1000;
  int cap, ret;

  if (n_vectors == 0 || n_vectors > PCI_MSIX_MAX_VECTORS || bar >= PCI_NUM_BARS
      || dev->msix_cap != 0)
    return -EINVAL;

  table_size = n_vectors * PCI_MSIX_ENTRY_SIZE;
  pba_offset = (table_size + PCI_MSIX_PBA_ALIGN - 1) & ~(uint32_t) (PCI_MSIX_PBA_ALIGN - 1);
  pba_size = ((n_vectors + 63) / 64) * sizeof (uint64_t);
  while (bar_size < pba_offset + pba_size)
    bar_size *= 2;

  dev->msix_table = calloc (n_vectors, PCI_MSIX_ENTRY_SIZE);
  dev->msix_pba = calloc ((n_vectors + 63) / 64, sizeof (uint64_t));
  if (dev->msix_table == NULL || dev->msix_pba == NULL)
    {
      _pci_msix_free (dev);
      return -ENOMEM;
    }

  ret = pci_device_set_bar (dev, bar, PCI_BAR_MEM32, bar_size, false, &pci_msix_bar_ops, dev);
  if (ret < 0)
    {
      _pci_msix_free (dev);
      return ret;
    }
  cap = pci_device_add_capability (dev, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_SIZE);
  if (cap < 0)
    {
      /* The BAR stays defined; the caller gives up on the device anyway. */
      _pci_msix_free (dev);
      return cap;
    }

  pthread_mutex_lock (&dev->lock);
  dev->n_vectors = n_vectors;
  dev->msix_pba_offset = pba_offset;
  dev->msix_cap = (unsigned) cap;
  pci_config_store (dev->config + cap + PCI_MSIX_FLAGS, n_vectors - 1, 2);
  pci_config_store (dev->config + cap + PCI_MSIX_TABLE, bar, 4);
  pci_config_store (dev->config + cap + PCI_MSIX_PBA, pba_offset | bar, 4);
  pci_config_store (dev->wmask + cap + PCI_MSIX_FLAGS,
                    PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
  _pci_msix_reset_locked (dev);
  memcpy (dev->reset_config, dev->config, dev->config_size);
  pthread_mutex_unlock (&dev->lock);
  return cap;
}
