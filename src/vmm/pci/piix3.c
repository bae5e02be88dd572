/* piix3.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "pci/pci-host.h"
#include "piix3.h"

/* The IRQs a route register may name (82371SB datasheet, PIRQRC bits 3:0):
 * 3-7, 9-12, 14 and 15. Bits 6:4 of the register are reserved and read 0. */
#define ROUTABLE_IRQS   0xdef8u
#define ROUTE_IRQ_MASK  0x0f
#define ROUTE_WRITABLE  (PIIX3_ROUTE_DISABLE | ROUTE_IRQ_MASK)

#define PIIX3_COMMAND_RESET 0x0007      /* I/O, memory, bus master */
#define PIIX3_STATUS_RESET  0x0200      /* medium DEVSEL timing */

/* Power-on values of the registers after the header that are not zero, as
 * QEMU's PIIX3 sets them at reset. */
static const struct
{
  uint8_t offset;
  uint8_t value;
} piix3_power_on[] = {
  { 0x4c, 0x4d },       /* IORT: ISA I/O recovery timer */
  { 0x4e, 0x03 },       /* XBCS: RTC and keyboard controller chip selects on */
  { 0x69, 0x02 },       /* TOM: top of memory */
  { 0x70, 0x80 },       /* MBIRQ0: motherboard interrupt route, disabled */
  { 0x76, 0x0c },       /* MBDMA0/1: motherboard DMA channels, disabled */
  { 0x77, 0x0c },
  { 0x78, 0x02 },       /* PCSC: programmable chip select */
  { 0xa0, 0x08 },       /* SMICNTL */
  { 0xa8, 0x0f },       /* FTMR: fast-off timer */
};

struct Piix3
{
  pthread_mutex_t lock;
  Piix3Config     config;
  PciDevice      *pci;

  bool            pirq_level[PIIX3_N_PIRQ];
  int             route[PIIX3_N_PIRQ];             /* ISA IRQ, or -1: not routed */
  /* What each ISA line was last set to, and whether a thread is busy
   * bringing the lines up to date. */
  bool            isa_applied[PIIX3_N_ISA_IRQ];
  bool            busy;

  uint8_t         port92;
};

static int
piix3_decode_route (uint8_t value)
{
  unsigned irq = value & ROUTE_IRQ_MASK;

  if ((value & PIIX3_ROUTE_DISABLE) || !(ROUTABLE_IRQS & (1u << irq)))
    return -1;
  return (int) irq;
}

/* The route registers live in configuration space; the device lock is
 * taken inside the bridge lock here, and never the other way round (the PCI
 * layer calls config_write and reset without the device lock). */
static void
piix3_load_routes_locked (Piix3 *piix3)
{
  for (unsigned i = 0; i < PIIX3_N_PIRQ; i++)
    piix3->route[i] = piix3_decode_route (
        (uint8_t) pci_device_config_get (piix3->pci, PIIX3_PIRQ_ROUTE + i, 1));
}

static uint32_t
piix3_wanted_locked (Piix3 *piix3)
{
  uint32_t wanted = 0;

  for (unsigned i = 0; i < PIIX3_N_PIRQ; i++)
    if (piix3->pirq_level[i] && piix3->route[i] >= 0)
      wanted |= 1u << piix3->route[i];
  return wanted;
}

/* Called with the lock held; returns with it released. ISA lines are
 * driven without the lock, so only one thread at a time does it; others
 * change the state and leave, and the working thread goes round until every
 * line matches, so the last state set is the one the lines show. */
static void
piix3_drive_lines_and_unlock (Piix3 *piix3)
{
  if (piix3->busy)
    {
      pthread_mutex_unlock (&piix3->lock);
      return;
    }
  piix3->busy = true;
  for (;;)
    {
      uint32_t wanted = piix3_wanted_locked (piix3);
      int irq = -1;
      bool level;

      for (unsigned i = 0; i < PIIX3_N_ISA_IRQ && irq < 0; i++)
        if (((wanted >> i) & 1) != piix3->isa_applied[i])
          irq = (int) i;
      if (irq < 0)
        break;

      level = !piix3->isa_applied[irq];
      piix3->isa_applied[irq] = level;
      pthread_mutex_unlock (&piix3->lock);
      irq_line_set (&piix3->config.isa_irq[irq], level);
      pthread_mutex_lock (&piix3->lock);
    }
  piix3->busy = false;
  pthread_mutex_unlock (&piix3->lock);
}

void
piix3_set_pirq (Piix3    *piix3,
                unsigned  pirq,
                bool      level)
{
  if (pirq >= PIIX3_N_PIRQ)
    return;
  pthread_mutex_lock (&piix3->lock);
  piix3->pirq_level[pirq] = level;
  piix3_drive_lines_and_unlock (piix3);
}

static void
piix3_config_write (void     *opaque,
                    unsigned  offset,
                    unsigned  size)
{
  Piix3 *piix3 = opaque;

  if (offset >= PIIX3_PIRQ_ROUTE + PIIX3_N_PIRQ || offset + size <= PIIX3_PIRQ_ROUTE)
    return;
  pthread_mutex_lock (&piix3->lock);
  piix3_load_routes_locked (piix3);
  piix3_drive_lines_and_unlock (piix3);
}

/* Configuration space is back at power-on: every route disabled. The PIRQ
 * levels are the PCI functions' and stay; pci-host asks them again. */
static void
piix3_reset (void *opaque)
{
  Piix3 *piix3 = opaque;

  pthread_mutex_lock (&piix3->lock);
  piix3->port92 &= (uint8_t) ~PIIX3_PORT92_RESET;
  piix3_load_routes_locked (piix3);
  piix3_drive_lines_and_unlock (piix3);
}

static uint64_t
piix3_port92_read (void     *opaque,
                   uint64_t  offset,
                   unsigned  size)
{
  Piix3 *piix3 = opaque;
  uint8_t value;

  if (offset != 0 || size != 1)
    return UINT64_MAX;
  pthread_mutex_lock (&piix3->lock);
  value = piix3->port92;
  pthread_mutex_unlock (&piix3->lock);
  return value;
}

static void
piix3_port92_write (void     *opaque,
                    uint64_t  offset,
                    uint64_t  value,
                    unsigned  size)
{
  Piix3 *piix3 = opaque;
  bool reset;

  if (offset != 0 || size != 1)
    return;
  pthread_mutex_lock (&piix3->lock);
  /* Only a rising edge of bit 0 resets: firmware that writes the byte back
   * with the bit still set must not reset again. */
  reset = (value & PIIX3_PORT92_RESET) && !(piix3->port92 & PIIX3_PORT92_RESET);
  piix3->port92 = (uint8_t) value;
  pthread_mutex_unlock (&piix3->lock);

  if (reset && piix3->config.reset_request != NULL)
    piix3->config.reset_request (piix3->config.reset_opaque);
}

const IoBusOps piix3_port92_ops = {
  .name  = "port92",
  .read  = piix3_port92_read,
  .write = piix3_port92_write,
};

Piix3 *
piix3_new (const Piix3Config *config)
{
  static const PciDeviceOps ops = {
    .config_write = piix3_config_write,
    .reset = piix3_reset,
  };
  const PciDeviceInfo info = {
    .vendor_id = PIIX3_VENDOR_ID,
    .device_id = PIIX3_DEVICE_ID,
    .subsystem_vendor_id = PCI_HOST_SUBSYSTEM_VENDOR,
    .subsystem_id = PCI_HOST_SUBSYSTEM_ID,
    .class_code = PIIX3_CLASS,
    .multifunction = true,
  };
  Piix3 *piix3 = calloc (1, sizeof *piix3);

  if (piix3 == NULL)
    return NULL;
  if (config != NULL)
    piix3->config = *config;
  piix3->pci = pci_device_new (&info, &ops, piix3);
  if (piix3->pci == NULL || pthread_mutex_init (&piix3->lock, NULL) != 0)
    {
      pci_device_free (piix3->pci);
      free (piix3);
      return NULL;
    }

  pci_device_config_set (piix3->pci, PCI_COMMAND, PIIX3_COMMAND_RESET, 2);
  pci_device_config_set (piix3->pci, PCI_STATUS, PIIX3_STATUS_RESET, 2);
  /* Firmware and OSes poke chipset registers we do not model; like QEMU,
   * let them all read back. */
  for (unsigned off = PCI_CAPABILITY_START; off < PCI_CONFIG_SIZE; off += 4)
    pci_device_set_wmask (piix3->pci, off, 0xffffffffu, 4);
  for (size_t i = 0; i < sizeof piix3_power_on / sizeof piix3_power_on[0]; i++)
    pci_device_config_set (piix3->pci, piix3_power_on[i].offset, piix3_power_on[i].value, 1);
  for (unsigned i = 0; i < PIIX3_N_PIRQ; i++)
    {
      pci_device_config_set (piix3->pci, PIIX3_PIRQ_ROUTE + i, PIIX3_ROUTE_DISABLE, 1);
      pci_device_set_wmask (piix3->pci, PIIX3_PIRQ_ROUTE + i, ROUTE_WRITABLE, 1);
      piix3->route[i] = -1;
    }
  return piix3;
}

void
piix3_free (Piix3 *piix3)
{
  if (piix3 == NULL)
    return;
  pci_device_free (piix3->pci);
  pthread_mutex_destroy (&piix3->lock);
  free (piix3);
}

PciDevice *
piix3_get_pci_device (Piix3 *piix3)
{
  return piix3->pci;
}
