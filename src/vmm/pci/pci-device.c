/* pci-device.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci-device-private.h"

/* The command bits a guest may change. Bus mastering is allowed although no
 * device checks it yet; memory write-invalidate, VGA snooping, fast
 * back-to-back and the like are hardwired to 0, which the specification
 * permits. */
#define PCI_COMMAND_WRITABLE (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER \
                              | PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

static bool
pci_device_range_ok (const PciDevice *dev,
                     unsigned         offset,
                     unsigned         size)
{
  return (size == 1 || size == 2 || size == 4) && offset < dev->config_size
         && size <= dev->config_size - offset;
}

static bool
pci_range_touches (unsigned offset,
                   unsigned size,
                   unsigned reg,
                   unsigned reg_size)
{
  return offset < reg + reg_size && reg < offset + size;
}

PciDevice *
pci_device_new (const PciDeviceInfo *info,
                const PciDeviceOps  *ops,
                void                *opaque)
{
  static const PciDeviceOps no_ops = { 0 };
  PciDevice *dev;
  unsigned size;

  if (info == NULL || info->interrupt_pin > 4 || info->class_code > 0xffffff)
    {
      errno = EINVAL;
      return NULL;
    }

  dev = calloc (1, sizeof *dev);
  if (dev == NULL)
    return NULL;
  size = info->extended ? PCI_CONFIG_SIZE_EXTENDED : PCI_CONFIG_SIZE;
  dev->config = calloc (4, size);
  if (dev->config == NULL)
    {
      free (dev);
      return NULL;
    }
  dev->wmask = dev->config + size;
  dev->w1cmask = dev->wmask + size;
  dev->reset_config = dev->w1cmask + size;
  dev->config_size = size;
  dev->info = *info;
  dev->ops = ops != NULL ? ops : &no_ops;
  dev->opaque = opaque;
  dev->cap_free = PCI_CAPABILITY_START;
  pthread_mutex_init (&dev->lock, NULL);

  pci_config_store (dev->config + PCI_VENDOR_ID, info->vendor_id, 2);
  pci_config_store (dev->config + PCI_DEVICE_ID, info->device_id, 2);
  dev->config[PCI_REVISION_ID] = info->revision;
  pci_config_store (dev->config + PCI_CLASS_PROG, info->class_code, 3);
  dev->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL
                                 | (info->multifunction ? PCI_HEADER_TYPE_MULTIFUNC : 0);
  pci_config_store (dev->config + PCI_SUBSYSTEM_VENDOR_ID, info->subsystem_vendor_id, 2);
  pci_config_store (dev->config + PCI_SUBSYSTEM_ID, info->subsystem_id, 2);
  dev->config[PCI_INTERRUPT_PIN] = info->interrupt_pin;

  pci_config_store (dev->wmask + PCI_COMMAND, PCI_COMMAND_WRITABLE, 2);
  pci_config_store (dev->w1cmask + PCI_STATUS, PCI_STATUS_ERRORS, 2);
  /* Linux writes the cache line size; the latency timer is harmless scratch
   * on a bus with no arbitration to tune. */
  dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
  dev->wmask[PCI_LATENCY_TIMER] = 0xff;
  /* Firmware and OS note the IRQ they routed here; the device ignores it. */
  dev->wmask[PCI_INTERRUPT_LINE] = 0xff;

  memcpy (dev->reset_config, dev->config, size);
  return dev;
}

void
pci_device_free (PciDevice *dev)
{
  if (dev == NULL)
    return;
  _pci_msix_free (dev);
  pthread_mutex_destroy (&dev->lock);
  free (dev->config);
  free (dev);
}

int
pci_device_set_bar (PciDevice      *dev,
                    unsigned        bar,
                    PciBarType      type,
                    uint64_t        size,
                    bool            prefetchable,
                    const IoBusOps *ops,
                    void           *opaque)
{
  unsigned reg = PCI_BASE_ADDRESS_0 + 4 * bar;
  uint64_t mask;
  uint32_t flags;

  if (bar >= PCI_NUM_BARS || dev->bars[bar].type != PCI_BAR_UNUSED || dev->bars[bar].upper
      || ops == NULL || size == 0 || (size & (size - 1)) != 0)
    return -EINVAL;

  switch (type)
    {
    case PCI_BAR_IO:
      /* All 32 address bits are writable, as on QEMU's devices: SeaBIOS
       * sizes an I/O BAR in 32 bits and takes hard-wired-zero upper bits
       * for a 4 GiB request. Only addresses in the 64 KiB port space
       * decode (pci_device_bar_decode_locked). */
      if (size < 4 || size > 0x100)
        return -EINVAL;
      mask = ~(size - 1) & PCI_BAR_IO_MASK;
      flags = PCI_BAR_SPACE_IO;
      prefetchable = false;
      break;
    case PCI_BAR_MEM32:
      if (size < 16 || size > 0x80000000ull)
        return -EINVAL;
      mask = ~(size - 1) & PCI_BAR_MEM_MASK;
      flags = prefetchable ? PCI_BAR_MEM_PREFETCH : 0;
      break;
    case PCI_BAR_MEM64:
      if (size < 16 || bar + 1 >= PCI_NUM_BARS || dev->bars[bar + 1].type != PCI_BAR_UNUSED
          || (size >> 63) != 0)
        return -EINVAL;
      mask = ~(size - 1) & ~(uint64_t) 0xf;
      flags = PCI_BAR_MEM_TYPE_64 | (prefetchable ? PCI_BAR_MEM_PREFETCH : 0);
      break;
    case PCI_BAR_UNUSED:
    default:
      return -EINVAL;
    }

  pthread_mutex_lock (&dev->lock);
  dev->bars[bar] = (PciBar) { .type = type, .prefetchable = prefetchable, .size = size,
                              .ops = ops, .opaque = opaque };
  pci_config_store (dev->config + reg, flags, 4);
  pci_config_store (dev->wmask + reg, (uint32_t) mask, 4);
  if (type == PCI_BAR_MEM64)
    {
      dev->bars[bar + 1] = (PciBar) { .upper = true };
      pci_config_store (dev->config + reg + 4, 0, 4);
      pci_config_store (dev->wmask + reg + 4, (uint32_t) (mask >> 32), 4);
    }
  memcpy (dev->reset_config, dev->config, dev->config_size);
  pthread_mutex_unlock (&dev->lock);
  return 0;
}

int
pci_device_add_capability (PciDevice *dev,
                           uint8_t    id,
                           unsigned   len)
{
  unsigned offset;

  if (len < 2)
    return -EINVAL;

  pthread_mutex_lock (&dev->lock);
  offset = dev->cap_free;
  /* Capabilities live in the device-specific part of the 256-byte space:
   * the pointers are 8 bits. */
  if (offset + len > PCI_CONFIG_SIZE)
    {
      pthread_mutex_unlock (&dev->lock);
      return -ENOSPC;
    }
  dev->config[offset] = id;
  dev->config[offset + 1] = 0;
  if (dev->cap_last == 0)
    dev->config[PCI_CAPABILITY_LIST] = (uint8_t) offset;
  else
    dev->config[dev->cap_last + 1] = (uint8_t) offset;
  dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
  dev->cap_last = offset;
  /* Capability pointers have their two low bits reserved: dword alignment. */
  dev->cap_free = (offset + len + 3) & ~3u;
  memcpy (dev->reset_config, dev->config, dev->config_size);
  pthread_mutex_unlock (&dev->lock);
  return (int) offset;
}

void
pci_device_config_set (PciDevice *dev,
                       unsigned   offset,
                       uint32_t   value,
                       unsigned   size)
{
  if (!pci_device_range_ok (dev, offset, size))
    return;
  pthread_mutex_lock (&dev->lock);
  pci_config_store (dev->config + offset, value, size);
  /* Before the function is on a host bridge this is set up, and set up is
   * what a reset returns to. */
  if (dev->host == NULL)
    pci_config_store (dev->reset_config + offset, value, size);
  pthread_mutex_unlock (&dev->lock);
}

uint32_t
pci_device_config_get (PciDevice *dev,
                       unsigned   offset,
                       unsigned   size)
{
  uint32_t value;

  if (!pci_device_range_ok (dev, offset, size))
    return 0;
  pthread_mutex_lock (&dev->lock);
  value = pci_config_load (dev->config + offset, size);
  pthread_mutex_unlock (&dev->lock);
  return value;
}

void
pci_device_set_wmask (PciDevice *dev,
                      unsigned   offset,
                      uint32_t   mask,
                      unsigned   size)
{
  if (!pci_device_range_ok (dev, offset, size))
    return;
  pthread_mutex_lock (&dev->lock);
  pci_config_store (dev->wmask + offset, mask, size);
  pthread_mutex_unlock (&dev->lock);
}

void
pci_device_set_w1cmask (PciDevice *dev,
                        unsigned   offset,
                        uint32_t   mask,
                        unsigned   size)
{
  if (!pci_device_range_ok (dev, offset, size))
    return;
  pthread_mutex_lock (&dev->lock);
  pci_config_store (dev->w1cmask + offset, mask, size);
  pthread_mutex_unlock (&dev->lock);
}

uint32_t
pci_device_config_read (PciDevice *dev,
                        unsigned   offset,
                        unsigned   size)
{
  uint32_t value;

  if (!pci_device_range_ok (dev, offset, size))
    return 0;
  if (dev->ops->config_read != NULL)
    dev->ops->config_read (dev->opaque, offset, size);
  pthread_mutex_lock (&dev->lock);
  value = pci_config_load (dev->config + offset, size);
  pthread_mutex_unlock (&dev->lock);
  return value;
}

void
pci_device_config_write (PciDevice *dev,
                         unsigned   offset,
                         uint32_t   value,
                         unsigned   size)
{
  bool remap, msix_changed = false, intx_changed;
  uint16_t old_command, new_command;

  if (!pci_device_range_ok (dev, offset, size))
    return;

  pthread_mutex_lock (&dev->lock);
  old_command = (uint16_t) pci_config_load (dev->config + PCI_COMMAND, 2);
  for (unsigned i = 0; i < size; i++)
    {
      uint8_t byte = (uint8_t) (value >> (8 * i));
      uint8_t *cur = &dev->config[offset + i];
      uint8_t wmask = dev->wmask[offset + i];

      *cur = (uint8_t) ((*cur & ~wmask) | (byte & wmask));
      *cur &= (uint8_t) ~(byte & dev->w1cmask[offset + i]);
    }
  new_command = (uint16_t) pci_config_load (dev->config + PCI_COMMAND, 2);
  remap = pci_range_touches (offset, size, PCI_COMMAND, 2)
          || pci_range_touches (offset, size, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS);
  if (dev->msix_cap != 0)
    msix_changed = pci_range_touches (offset, size, dev->msix_cap + PCI_MSIX_FLAGS, 2);
  intx_changed = ((old_command ^ new_command) & PCI_COMMAND_INTX_DISABLE) != 0 || msix_changed;
  pthread_mutex_unlock (&dev->lock);

  if (remap)
    _pci_device_update_mappings (dev);
  if (msix_changed)
    _pci_msix_deliver_pending (dev);
  if (intx_changed)
    pci_device_update_intx (dev);
  if (dev->ops->config_write != NULL)
    dev->ops->config_write (dev->opaque, offset, size);
}

/* Where configuration space says BAR i should be decoded. Lock held. */
static bool
pci_device_bar_decode_locked (PciDevice *dev,
                              unsigned   i,
                              uint64_t  *addr)
{
  const PciBar *bar = &dev->bars[i];
  uint16_t command = (uint16_t) pci_config_load (dev->config + PCI_COMMAND, 2);
  uint32_t lo = pci_config_load (dev->config + PCI_BASE_ADDRESS_0 + 4 * i, 4);
  uint64_t a;

  switch (bar->type)
    {
    case PCI_BAR_IO:
      if (!(command & PCI_COMMAND_IO))
        return false;
      a = lo & PCI_BAR_IO_MASK;
      if (a > 0x10000 - bar->size)
        return false;
      break;
    case PCI_BAR_MEM32:
      if (!(command & PCI_COMMAND_MEMORY))
        return false;
      a = lo & PCI_BAR_MEM_MASK;
      break;
    case PCI_BAR_MEM64:
      if (!(command & PCI_COMMAND_MEMORY))
        return false;
      a = (lo & PCI_BAR_MEM_MASK)
          | (uint64_t) pci_config_load (dev->config + PCI_BASE_ADDRESS_0 + 4 * (i + 1), 4) << 32;
      break;
    case PCI_BAR_UNUSED:
    default:
      return false;
    }
  /* Address 0 means "not assigned" to every OS; a range that wraps cannot
   * be decoded. */
  if (a == 0 || a + (bar->size - 1) < a)
    return false;
  *addr = a;
  return true;
}

/* Brings the bus ranges in line with configuration space. The bus calls
 * and bar_moved run without the device lock; while they do, other threads
 * only mark the mapping dirty, and the thread doing the work goes round again
 * until nothing changed under it, so the last configuration always wins. */
void
_pci_device_update_mappings (PciDevice *dev)
{
  pthread_mutex_lock (&dev->lock);
  dev->map_dirty = true;
  if (dev->map_busy)
    {
      pthread_mutex_unlock (&dev->lock);
      return;
    }
  dev->map_busy = true;
  while (dev->map_dirty)
    {
      dev->map_dirty = false;
      for (unsigned i = 0; i < PCI_NUM_BARS; i++)
        {
          PciBar *bar = &dev->bars[i];
          uint64_t addr = 0;
          bool decoded = pci_device_bar_decode_locked (dev, i, &addr);
          bool was_on_bus = bar->on_bus, on_bus;
          uint64_t old_addr = bar->decoded_addr;
          IoBus *bus = bar->type == PCI_BAR_IO ? dev->pio : dev->mmio;

          if (decoded == bar->decoded && (!decoded || addr == bar->decoded_addr))
            continue;
          bar->decoded = decoded;
          bar->decoded_addr = addr;
          pthread_mutex_unlock (&dev->lock);

          if (was_on_bus && bus != NULL)
            io_bus_remove (bus, old_addr, bar->opaque);
          on_bus = decoded && (bus == NULL
                               || io_bus_insert (bus, addr, bar->size, bar->ops, bar->opaque) == 0);
          if ((was_on_bus || on_bus) && dev->ops->bar_moved != NULL)
            dev->ops->bar_moved (dev->opaque, i, on_bus, addr);

          pthread_mutex_lock (&dev->lock);
          bar->on_bus = on_bus;
        }
    }
  dev->map_busy = false;
  pthread_mutex_unlock (&dev->lock);
}

bool
pci_device_bar_address (PciDevice *dev,
                        unsigned   bar,
                        uint64_t  *addr)
{
  bool on_bus;

  if (bar >= PCI_NUM_BARS)
    return false;
  pthread_mutex_lock (&dev->lock);
  on_bus = dev->bars[bar].on_bus;
  if (on_bus && addr != NULL)
    *addr = dev->bars[bar].decoded_addr;
  pthread_mutex_unlock (&dev->lock);
  return on_bus;
}

uint64_t
pci_device_bar_size (PciDevice *dev,
                     unsigned   bar)
{
  return bar < PCI_NUM_BARS ? dev->bars[bar].size : 0;
}

/* The owner's request, masked the way the command register and MSI-X say,
 * with STATUS.INTERRUPT brought up to date on the way. */
bool
_pci_device_intx_effective (PciDevice *dev)
{
  bool raw = dev->ops->intx_level != NULL && dev->ops->intx_level (dev->opaque);
  bool effective;

  pthread_mutex_lock (&dev->lock);
  dev->intx_raw = raw;
  if (raw)
    dev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
  else
    dev->config[PCI_STATUS] &= (uint8_t) ~PCI_STATUS_INTERRUPT;
  effective = raw
              && !(pci_config_load (dev->config + PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE)
              && !_pci_msix_enabled_locked (dev);
  pthread_mutex_unlock (&dev->lock);
  return effective;
}

void
pci_device_update_intx (PciDevice *dev)
{
  if (dev->info.interrupt_pin == 0)
    return;
  if (dev->host != NULL)
    _pci_host_update_intx (dev->host, dev);
  else
    (void) _pci_device_intx_effective (dev);
}

void
_pci_device_attach (PciDevice *dev,
                    PciHost   *host,
                    uint8_t    devfn,
                    IoBus     *pio,
                    IoBus     *mmio,
                    unsigned   intx_line)
{
  pthread_mutex_lock (&dev->lock);
  dev->host = host;
  dev->devfn = devfn;
  dev->pio = pio;
  dev->mmio = mmio;
  dev->intx_line = intx_line;
  /* Anything "mapped" before had no bus to be on. */
  for (unsigned i = 0; i < PCI_NUM_BARS; i++)
    {
      dev->bars[i].decoded = false;
      dev->bars[i].on_bus = false;
    }
  pthread_mutex_unlock (&dev->lock);
}

void
_pci_device_detach (PciDevice *dev)
{
  pthread_mutex_lock (&dev->lock);
  for (unsigned i = 0; i < PCI_NUM_BARS; i++)
    {
      PciBar *bar = &dev->bars[i];
      IoBus *bus = bar->type == PCI_BAR_IO ? dev->pio : dev->mmio;

      if (bar->on_bus && bus != NULL)
        io_bus_remove (bus, bar->decoded_addr, bar->opaque);
      bar->on_bus = false;
      bar->decoded = false;
    }
  dev->host = NULL;
  dev->pio = NULL;
  dev->mmio = NULL;
  pthread_mutex_unlock (&dev->lock);
}

void
_pci_device_set_bar_address (PciDevice *dev,
                             unsigned   bar,
                             uint64_t   addr)
{
  unsigned reg = PCI_BASE_ADDRESS_0 + 4 * bar;
  uint32_t lo, mask;

  pthread_mutex_lock (&dev->lock);
  lo = pci_config_load (dev->config + reg, 4);
  mask = pci_config_load (dev->wmask + reg, 4);
  lo = (lo & ~mask) | ((uint32_t) addr & mask);
  pci_config_store (dev->config + reg, lo, 4);
  if (dev->bars[bar].type == PCI_BAR_MEM64)
    pci_config_store (dev->config + reg + 4, (uint32_t) (addr >> 32), 4);
  pthread_mutex_unlock (&dev->lock);
}

void
_pci_device_set_multifunction (PciDevice *dev)
{
  pthread_mutex_lock (&dev->lock);
  dev->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTIFUNC;
  dev->reset_config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTIFUNC;
  pthread_mutex_unlock (&dev->lock);
}

void
_pci_device_save_reset_state (PciDevice *dev)
{
  pthread_mutex_lock (&dev->lock);
  memcpy (dev->reset_config, dev->config, dev->config_size);
  pthread_mutex_unlock (&dev->lock);
}

void
pci_device_reset (PciDevice *dev)
{
  pthread_mutex_lock (&dev->lock);
  memcpy (dev->config, dev->reset_config, dev->config_size);
  _pci_msix_reset_locked (dev);
  pthread_mutex_unlock (&dev->lock);

  _pci_device_update_mappings (dev);
  if (dev->ops->reset != NULL)
    dev->ops->reset (dev->opaque);
  pci_device_update_intx (dev);
}

uint8_t
pci_device_get_devfn (PciDevice *dev)
{
  return dev->devfn;
}
