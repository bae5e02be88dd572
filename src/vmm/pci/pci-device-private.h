/* pci-device-private.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pthread.h>

#include "pci/pci-device.h"
#include "pci/pci-host.h"

typedef struct
{
  PciBarType      type;
  bool            upper;          /* the upper half of the 64-bit BAR below it */
  bool            prefetchable;
  uint64_t        size;
  const IoBusOps *ops;
  void           *opaque;

  /* Guarded by the device lock; changed only by the thread that owns
   * map_busy. decoded/decoded_addr: what configuration space asked for when
   * last looked at. on_bus: whether the range is on the bus at decoded_addr
   * (an insert can fail when the guest puts a BAR over another range). */
  bool            decoded;
  uint64_t        decoded_addr;
  bool            on_bus;
} PciBar;

struct PciDevice
{
  pthread_mutex_t     lock;
  PciDeviceInfo       info;
  const PciDeviceOps *ops;
  void               *opaque;

  unsigned            config_size;
  uint8_t            *config;       /* config_size bytes each, one allocation */
  uint8_t            *wmask;
  uint8_t            *w1cmask;
  uint8_t            *reset_config;
  unsigned            cap_free;     /* next free capability offset */
  unsigned            cap_last;     /* offset of the last capability, 0 if none */

  PciBar              bars[PCI_NUM_BARS];
  bool                map_busy;     /* a thread is bringing the bus ranges up to date */
  bool                map_dirty;    /* configuration changed since it last looked */

  /* MSI-X; msix_cap 0 means none. table holds four dwords a vector. */
  unsigned            msix_cap;
  unsigned            n_vectors;
  uint32_t            msix_pba_offset;
  uint32_t           *msix_table;
  uint64_t           *msix_pba;

  bool                intx_raw;     /* the owner's last answer; mirrored in STATUS.INTERRUPT */

  /* Set once by pci_host_add_function, before the guest runs. */
  PciHost            *host;
  uint8_t             devfn;
  IoBus              *pio;
  IoBus              *mmio;

  /* Guarded by the host lock. */
  unsigned            intx_line;    /* 0-3 on the host's INTx lines */
  bool                intx_dirty;
  bool                intx_asserted;
};

/* Little-endian access to a configuration byte array. */
static inline uint32_t
pci_config_load (const uint8_t *bytes,
                 unsigned       size)
{
  uint32_t value = 0;

  for (unsigned i = 0; i < size; i++)
    value |= (uint32_t) bytes[i] << (8 * i);
  return value;
}

static inline void
pci_config_store (uint8_t  *bytes,
                  uint32_t  value,
                  unsigned  size)
{
  for (unsigned i = 0; i < size; i++)
    bytes[i] = (uint8_t) (value >> (8 * i));
}

/* For pci-host.c. */
void _pci_device_attach            (PciDevice *dev,
                                    PciHost   *host,
                                    uint8_t    devfn,
                                    IoBus     *pio,
                                    IoBus     *mmio,
                                    unsigned   intx_line);
void _pci_device_detach            (PciDevice *dev);
void _pci_device_set_bar_address   (PciDevice *dev,
                                    unsigned   bar,
                                    uint64_t   addr);
void _pci_device_save_reset_state  (PciDevice *dev);
/* Header type bit 7, now and after every reset. */
void _pci_device_set_multifunction (PciDevice *dev);
void _pci_device_update_mappings   (PciDevice *dev);
bool _pci_device_intx_effective    (PciDevice *dev);

/* For pci-msix.c and pci-device.c; the _locked ones with dev->lock held. */
bool _pci_msix_enabled_locked      (PciDevice *dev);
void _pci_msix_reset_locked        (PciDevice *dev);
void _pci_msix_deliver_pending     (PciDevice *dev);
void _pci_msix_free                (PciDevice *dev);

/* For pci-device.c and pci-msix.c: MSI delivery and INTx lines. */
void _pci_host_send_msi            (PciHost   *host,
                                    uint64_t   address,
                                    uint32_t   data);
void _pci_host_update_intx         (PciHost   *host,
                                    PciDevice *dev);
