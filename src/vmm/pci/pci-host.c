/* pci-host.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pci-device-private.h"

/* CONFIG_ADDRESS (0xcf8): enable bit, bus, device, function, dword. Bits
 * 30:24 are reserved and read 0, as do the two low bits. */
#define CONFIG_ADDRESS_ENABLE  0x80000000u
#define CONFIG_ADDRESS_MASK    0x80fffffcu

/* 0xcf9, the PIIX reset control register: writing RST_CPU starts a reset;
 * SYS_RST (hard reset) and FULL_RST only choose its kind and read back. */
#define RCR_SYS_RST            0x02
#define RCR_RST_CPU            0x04
#define RCR_FULL_RST           0x08

#define N_DEVFNS               (PCI_MAX_SLOTS * PCI_HOST_N_FUNCTIONS)

/* The 82441FX's implemented bits: PAM0 has only the upper nibble (the BIOS
 * segment is one 64 KiB region), PAM1-6 have read and write enables for two
 * 16 KiB regions each. In SMRAM, C_BASE_SEG (bits 2:0) is hardwired and
 * bit 7 reserved. */
#define PAM0_WRITABLE          0x30
#define PAM_WRITABLE           0x33
#define SMRAM_WRITABLE         0x78

struct PciHost
{
  pthread_mutex_t  lock;
  PciHostConfig    config;
  PciDevice       *bridge;
  PciDevice       *functions[N_DEVFNS];    /* by devfn; 0 is the bridge */

  uint32_t         config_address;
  uint8_t          reset_control;

  uint64_t         mmio_next;          /* bump allocators for the BAR windows */
  uint32_t         io_next;

  /* INTx: how many functions assert each line, what the line was last set
   * to, and whether a thread is busy bringing the lines up to date. */
  unsigned         line_count[PCI_HOST_N_INTX];
  bool             line_applied[PCI_HOST_N_INTX];
  bool             intx_busy;

  bool             address_on_bus;
  bool             data_on_bus;
  bool             ecam_on_bus;
};

static uint32_t
pci_all_ones (unsigned size)
{
  return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static PciDevice *
pci_host_lookup (PciHost *host,
                 uint8_t  bus,
                 uint8_t  devfn)
{
  PciDevice *dev = NULL;

  /* One bus. A slot without function 0 is empty, whatever else it holds:
   * enumeration never looks further. */
  if (bus != 0)
    return NULL;
  pthread_mutex_lock (&host->lock);
  if (host->functions[PCI_DEVFN (PCI_SLOT (devfn), 0)] != NULL)
    dev = host->functions[devfn];
  pthread_mutex_unlock (&host->lock);
  return dev;
}

uint32_t
pci_host_config_read (PciHost  *host,
                      uint8_t   bus,
                      uint8_t   devfn,
                      unsigned  offset,
                      unsigned  size)
{
  PciDevice *dev = pci_host_lookup (host, bus, devfn);

  /* No function answers: the read ends in a master abort, all-ones. */
  if (dev == NULL)
    return pci_all_ones (size);
  return pci_device_config_read (dev, offset, size);
}

void
pci_host_config_write (PciHost  *host,
                       uint8_t   bus,
                       uint8_t   devfn,
                       unsigned  offset,
                       uint32_t  value,
                       unsigned  size)
{
  PciDevice *dev = pci_host_lookup (host, bus, devfn);

  if (dev != NULL)
    pci_device_config_write (dev, offset, value, size);
}

/* Port 0xcf8-0xcfb. Only a dword access at 0xcf8 reaches CONFIG_ADDRESS; a
 * byte at 0xcf9 is the reset control register. Other accesses are not
 * decoded (Linux's probe writes a byte to 0xcfb and expects nothing). */
static uint64_t
pci_host_address_read (void     *opaque,
                       uint64_t  offset,
                       unsigned  size)
{
  PciHost *host = opaque;
  uint64_t value = UINT64_MAX;

  pthread_mutex_lock (&host->lock);
  if (offset == 0 && size == 4)
    value = host->config_address;
  else if (offset == 1 && size == 1)
    value = host->reset_control;
  pthread_mutex_unlock (&host->lock);
  return value;
}

static void
pci_host_address_write (void     *opaque,
                        uint64_t  offset,
                        uint64_t  value,
                        unsigned  size)
{
  PciHost *host = opaque;
  bool reset = false;

  pthread_mutex_lock (&host->lock);
  if (offset == 0 && size == 4)
    host->config_address = (uint32_t) value & CONFIG_ADDRESS_MASK;
  else if (offset == 1 && size == 1)
    {
      host->reset_control = value & (RCR_SYS_RST | RCR_FULL_RST);
      reset = (value & RCR_RST_CPU) != 0;
    }
  pthread_mutex_unlock (&host->lock);

  if (reset && host->config.reset_request != NULL)
    host->config.reset_request (host->config.reset_opaque);
}

/* Port 0xcfc-0xcff: the dword CONFIG_ADDRESS points at, any width at any
 * offset inside it (the bus never hands us an access that runs past 0xcff). */
static bool
pci_host_data_target (PciHost  *host,
                      uint64_t  offset,
                      uint8_t  *devfn,
                      unsigned *reg,
                      uint8_t  *bus)
{
  uint32_t address;

  pthread_mutex_lock (&host->lock);
  address = host->config_address;
  pthread_mutex_unlock (&host->lock);
  if (!(address & CONFIG_ADDRESS_ENABLE))
    return false;
  *bus = (uint8_t) (address >> 16);
  *devfn = (uint8_t) (address >> 8);
  *reg = (address & 0xfc) + (unsigned) offset;
  return true;
}

static uint64_t
pci_host_data_read (void     *opaque,
                    uint64_t  offset,
                    unsigned  size)
{
  PciHost *host = opaque;
  uint8_t bus, devfn;
  unsigned reg;

  if (size > 4 || !pci_host_data_target (host, offset, &devfn, &reg, &bus))
    return UINT64_MAX;
  return pci_host_config_read (host, bus, devfn, reg, size);
}

static void
pci_host_data_write (void     *opaque,
                     uint64_t  offset,
                     uint64_t  value,
                     unsigned  size)
{
  PciHost *host = opaque;
  uint8_t bus, devfn;
  unsigned reg;

  if (size > 4 || !pci_host_data_target (host, offset, &devfn, &reg, &bus))
    return;
  pci_host_config_write (host, bus, devfn, reg, (uint32_t) value, size);
}

/* ECAM: bus << 20 | device << 15 | function << 12 | register. Like a
 * PCIe configuration request, an access may not cross a dword. */
static bool
pci_host_ecam_valid (uint64_t offset,
                     unsigned size)
{
  return (size == 1 || size == 2 || size == 4) && (offset & 3) + size <= 4;
}

static uint64_t
pci_host_ecam_read (void     *opaque,
                    uint64_t  offset,
                    unsigned  size)
{
  PciHost *host = opaque;

  if (!pci_host_ecam_valid (offset, size) || (offset >> 20) > 0xff)
    return UINT64_MAX;
  return pci_host_config_read (host, (uint8_t) (offset >> 20), (uint8_t) (offset >> 12),
                               offset & 0xfff, size);
}

static void
pci_host_ecam_write (void     *opaque,
                     uint64_t  offset,
                     uint64_t  value,
                     unsigned  size)
{
  PciHost *host = opaque;

  if (!pci_host_ecam_valid (offset, size) || (offset >> 20) > 0xff)
    return;
  pci_host_config_write (host, (uint8_t) (offset >> 20), (uint8_t) (offset >> 12),
                         offset & 0xfff, (uint32_t) value, size);
}

const IoBusOps pci_host_address_ops = {
  "pci-config-address",
  pci_host_address_read,
  pci_host_address_write,
};

const IoBusOps pci_host_data_ops = {
  "pci-config-data",
  pci_host_data_read,
  pci_host_data_write,
};

const IoBusOps pci_host_ecam_ops = {
  "pci-ecam",
  pci_host_ecam_read,
  pci_host_ecam_write,
};

void
_pci_host_send_msi (PciHost  *host,
                    uint64_t  address,
                    uint32_t  data)
{
  if (host->config.msi != NULL)
    host->config.msi (host->config.msi_opaque, address, data);
}

/* INTx lines are shared and level-triggered: a line is up while any function
 * on it asserts. Functions are asked for their level without the host lock,
 * and lines are driven without it, so only one thread at a time does the
 * work; others mark their function dirty and leave, and the working thread
 * goes round until no function is dirty and every line matches its count.
 * That way the last level a function reported is the one the line shows. */
void
_pci_host_update_intx (PciHost   *host,
                       PciDevice *dev)
{
  pthread_mutex_lock (&host->lock);
  dev->intx_dirty = true;
  if (host->intx_busy)
    {
      pthread_mutex_unlock (&host->lock);
      return;
    }
  host->intx_busy = true;
  for (;;)
    {
      PciDevice *dirty = NULL;
      int line = -1;

      for (unsigned f = 0; f < N_DEVFNS && dirty == NULL; f++)
        if (host->functions[f] != NULL && host->functions[f]->intx_dirty)
          dirty = host->functions[f];
      /* A function not on the bus (yet) only updates its own status. */
      if (dirty == NULL && dev->intx_dirty)
        dirty = dev;

      if (dirty != NULL)
        {
          bool level;

          dirty->intx_dirty = false;
          pthread_mutex_unlock (&host->lock);
          level = _pci_device_intx_effective (dirty);
          pthread_mutex_lock (&host->lock);
          if (dirty->host == host && level != dirty->intx_asserted)
            {
              dirty->intx_asserted = level;
              if (level)
                host->line_count[dirty->intx_line]++;
              else
                host->line_count[dirty->intx_line]--;
            }
          continue;
        }

      for (unsigned l = 0; l < PCI_HOST_N_INTX && line < 0; l++)
        if ((host->line_count[l] > 0) != host->line_applied[l])
          line = (int) l;
      if (line < 0)
        break;

      host->line_applied[line] = host->line_count[line] > 0;
      {
        bool level = host->line_applied[line];

        pthread_mutex_unlock (&host->lock);
        irq_line_set (&host->config.intx[line], level);
        pthread_mutex_lock (&host->lock);
      }
    }
  host->intx_busy = false;
  pthread_mutex_unlock (&host->lock);
}

static int
pci_host_bar_cmp (const void *a,
                  const void *b)
{
  const PciBar *x = *(const PciBar * const *) a;
  const PciBar *y = *(const PciBar * const *) b;

  /* Largest first: with natural alignment, that leaves no holes. */
  return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

/* Gives every BAR an address, naturally aligned, from the windows. Host
 * lock held; the device is not on the bus yet, so nothing else touches it. */
static int
pci_host_assign_bars_locked (PciHost   *host,
                             PciDevice *dev,
                             uint16_t  *command)
{
  PciBar *order[PCI_NUM_BARS];
  uint64_t addrs[PCI_NUM_BARS] = { 0 };
  uint64_t mmio_next = host->mmio_next;
  uint32_t io_next = host->io_next;
  unsigned n = 0;

  for (unsigned i = 0; i < PCI_NUM_BARS; i++)
    if (dev->bars[i].type != PCI_BAR_UNUSED)
      order[n++] = &dev->bars[i];
  qsort (order, n, sizeof order[0], pci_host_bar_cmp);

  *command = 0;
  for (unsigned k = 0; k < n; k++)
    {
      PciBar *bar = order[k];
      unsigned i = (unsigned) (bar - dev->bars);

      if (bar->type == PCI_BAR_IO)
        {
          uint32_t addr = (io_next + (uint32_t) bar->size - 1) & ~((uint32_t) bar->size - 1);

          if (addr + bar->size > PCI_HOST_IO_BASE + PCI_HOST_IO_SIZE)
            return -ENOSPC;
          addrs[i] = addr;
          io_next = addr + (uint32_t) bar->size;
          *command |= PCI_COMMAND_IO;
        }
      else
        {
          const uint64_t end = PCI_HOST_MMIO_BASE + PCI_HOST_MMIO_SIZE;
          uint64_t addr = (mmio_next + bar->size - 1) & ~(bar->size - 1);

          if (addr < mmio_next || addr > end || bar->size > end - addr)
            return -ENOSPC;
          addrs[i] = addr;
          mmio_next = addr + bar->size;
          *command |= PCI_COMMAND_MEMORY;
        }
    }

  for (unsigned i = 0; i < PCI_NUM_BARS; i++)
    if (dev->bars[i].type != PCI_BAR_UNUSED)
      _pci_device_set_bar_address (dev, i, addrs[i]);
  host->mmio_next = mmio_next;
  host->io_next = io_next;
  return 0;
}

static bool
pci_host_slot_empty_locked (PciHost  *host,
                            unsigned  slot)
{
  for (unsigned f = 0; f < PCI_HOST_N_FUNCTIONS; f++)
    if (host->functions[PCI_DEVFN (slot, f)] != NULL)
      return false;
  return true;
}

/* Function 0 says multi-function once the slot has another function; set
 * whichever of the two arrives last. Host lock held. */
static void
pci_host_mark_multifunction_locked (PciHost  *host,
                                    unsigned  slot)
{
  PciDevice *fn0 = host->functions[PCI_DEVFN (slot, 0)];
  unsigned n = 0;

  for (unsigned f = 0; f < PCI_HOST_N_FUNCTIONS; f++)
    if (host->functions[PCI_DEVFN (slot, f)] != NULL)
      n++;
  if (fn0 != NULL && n > 1)
    _pci_device_set_multifunction (fn0);
}

int
pci_host_add_function (PciHost   *host,
                       PciDevice *dev,
                       int        slot,
                       unsigned   function)
{
  unsigned line = 0;
  uint8_t devfn;
  int ret;

  if (dev == NULL || dev->host != NULL || slot == 0 || slot >= PCI_MAX_SLOTS || slot < -1
      || function >= PCI_HOST_N_FUNCTIONS || (slot < 0 && function != 0))
    return -EINVAL;

  pthread_mutex_lock (&host->lock);
  if (slot < 0)
    {
      for (slot = 1; slot < PCI_MAX_SLOTS && !pci_host_slot_empty_locked (host, (unsigned) slot);
           slot++)
        ;
      if (slot == PCI_MAX_SLOTS)
        {
          pthread_mutex_unlock (&host->lock);
          return -ENOSPC;
        }
    }
  devfn = (uint8_t) PCI_DEVFN (slot, function);
  if (host->functions[devfn] != NULL)
    {
      pthread_mutex_unlock (&host->lock);
      return -EBUSY;
    }

  if (dev->info.interrupt_pin != 0)
    line = pci_host_swizzle (host->config.firmware_assigns, (unsigned) slot,
                             dev->info.interrupt_pin);
  if (!host->config.firmware_assigns)
    {
      uint16_t command;

      ret = pci_host_assign_bars_locked (host, dev, &command);
      if (ret < 0)
        {
          pthread_mutex_unlock (&host->lock);
          return ret;
        }
      if (dev->info.interrupt_pin != 0)
        pci_device_config_set (dev, PCI_INTERRUPT_LINE, PCI_HOST_INTX_GSI_BASE + line, 1);
      pci_device_config_set (dev, PCI_COMMAND,
                             pci_device_config_get (dev, PCI_COMMAND, 2) | command, 2);
    }
  _pci_device_attach (dev, host, devfn, host->config.pio, host->config.mmio, line);
  _pci_device_save_reset_state (dev);
  host->functions[devfn] = dev;
  pci_host_mark_multifunction_locked (host, (unsigned) slot);
  pthread_mutex_unlock (&host->lock);

  _pci_device_update_mappings (dev);
  return slot;
}

int
pci_host_add_device (PciHost   *host,
                     PciDevice *dev,
                     int        slot)
{
  return pci_host_add_function (host, dev, slot, 0);
}

PciDevice *
pci_host_get_function (PciHost  *host,
                       unsigned  slot,
                       unsigned  function)
{
  PciDevice *dev = NULL;

  pthread_mutex_lock (&host->lock);
  if (slot < PCI_MAX_SLOTS && function < PCI_HOST_N_FUNCTIONS)
    dev = host->functions[PCI_DEVFN (slot, function)];
  pthread_mutex_unlock (&host->lock);
  return dev;
}

PciDevice *
pci_host_get_device (PciHost  *host,
                     unsigned  slot)
{
  return pci_host_get_function (host, slot, 0);
}

void
pci_host_reset (PciHost *host)
{
  pthread_mutex_lock (&host->lock);
  host->config_address = 0;
  host->reset_control = 0;
  pthread_mutex_unlock (&host->lock);

  for (unsigned f = 0; f < N_DEVFNS; f++)
    {
      PciDevice *dev = pci_host_get_function (host, PCI_SLOT (f), PCI_FUNC (f));

      if (dev != NULL)
        pci_device_reset (dev);
    }
}

PciHost *
pci_host_new (const PciHostConfig *config)
{
  static const PciDeviceInfo bridge_info = {
    .vendor_id = PCI_HOST_BRIDGE_VENDOR_ID,
    .device_id = PCI_HOST_BRIDGE_DEVICE_ID,
    .subsystem_vendor_id = PCI_HOST_SUBSYSTEM_VENDOR,
    .subsystem_id = PCI_HOST_SUBSYSTEM_ID,
    .revision = 2,
    .class_code = PCI_CLASS_BRIDGE_HOST,
  };
  PciHost *host;
  int ret;

  if (config == NULL || config->pio == NULL || config->mmio == NULL)
    {
      errno = EINVAL;
      return NULL;
    }
  host = calloc (1, sizeof *host);
  if (host == NULL)
    return NULL;
  pthread_mutex_init (&host->lock, NULL);
  host->config = *config;
  host->mmio_next = PCI_HOST_MMIO_BASE;
  host->io_next = PCI_HOST_IO_BASE;

  host->bridge = pci_device_new (&bridge_info, NULL, NULL);
  if (host->bridge == NULL)
    {
      ret = -ENOMEM;
      goto fail;
    }
  /* The chipset registers after the header (PAM, SMRAM, DRAM rows on a real
   * 440FX) are stored and read back but do nothing: guest RAM is RAM (see
   * pci-host.h for PAM's power-on value). */
  for (unsigned off = PCI_CAPABILITY_START; off < PCI_CONFIG_SIZE; off += 4)
    pci_device_set_wmask (host->bridge, off, 0xffffffffu, 4);
  for (unsigned i = 0; i < PCI_HOST_N_PAM; i++)
    {
      pci_device_config_set (host->bridge, PCI_HOST_PAM0 + i, PCI_HOST_PAM_RESET, 1);
      pci_device_set_wmask (host->bridge, PCI_HOST_PAM0 + i, i == 0 ? PAM0_WRITABLE : PAM_WRITABLE,
                            1);
    }
  pci_device_config_set (host->bridge, PCI_HOST_SMRAM, PCI_HOST_SMRAM_RESET, 1);
  pci_device_set_wmask (host->bridge, PCI_HOST_SMRAM, SMRAM_WRITABLE, 1);
  _pci_device_attach (host->bridge, host, PCI_DEVFN (0, 0), config->pio, config->mmio, 0);
  _pci_device_save_reset_state (host->bridge);
  host->functions[0] = host->bridge;

  if ((ret = io_bus_insert (config->pio, PCI_HOST_CONFIG_ADDRESS, 4, &pci_host_address_ops,
                            host)) < 0)
    goto fail;
  host->address_on_bus = true;
  if ((ret = io_bus_insert (config->pio, PCI_HOST_CONFIG_DATA, 4, &pci_host_data_ops, host)) < 0)
    goto fail;
  host->data_on_bus = true;
  if (config->ecam_base != 0)
    {
      if ((ret = io_bus_insert (config->mmio, config->ecam_base, PCI_HOST_ECAM_BUS_SIZE,
                                &pci_host_ecam_ops, host)) < 0)
        goto fail;
      host->ecam_on_bus = true;
    }
  return host;

fail:
  pci_host_free (host);
  errno = -ret;
  return NULL;
}

void
pci_host_free (PciHost *host)
{
  if (host == NULL)
    return;
  if (host->address_on_bus)
    io_bus_remove (host->config.pio, PCI_HOST_CONFIG_ADDRESS, host);
  if (host->data_on_bus)
    io_bus_remove (host->config.pio, PCI_HOST_CONFIG_DATA, host);
  if (host->ecam_on_bus)
    io_bus_remove (host->config.mmio, host->config.ecam_base, host);
  for (unsigned f = 0; f < N_DEVFNS; f++)
    if (host->functions[f] != NULL)
      _pci_device_detach (host->functions[f]);
  pci_device_free (host->bridge);
  pthread_mutex_destroy (&host->lock);
  free (host);
}
