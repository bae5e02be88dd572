/* ioapic.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ioapic.h"

#define IOAPIC_REG_SELECT     0x00
#define IOAPIC_REG_WINDOW     0x10
#define IOAPIC_REG_EOI        0x40

#define IOAPIC_INDEX_ID       0x00
#define IOAPIC_INDEX_VERSION  0x01
#define IOAPIC_INDEX_ARB      0x02
#define IOAPIC_INDEX_REDIR    0x10

#define IOAPIC_VERSION        0x20

#define REDIR_VECTOR_MASK     0xffull
#define REDIR_DELIVERY_SHIFT  8
#define REDIR_DEST_LOGICAL    (1ull << 11)
#define REDIR_DELIVERY_STATUS (1ull << 12)
#define REDIR_REMOTE_IRR      (1ull << 14)
#define REDIR_LEVEL           (1ull << 15)
#define REDIR_MASKED          (1ull << 16)
#define REDIR_DEST_SHIFT      56
/* What software may write: all but delivery status and remote IRR. */
#define REDIR_WRITABLE        (~(REDIR_DELIVERY_STATUS | REDIR_REMOTE_IRR))

#define MSI_ADDRESS_BASE      0xfee00000ull
#define MSI_DATA_LEVEL_ASSERT (1u << 14)
#define MSI_DATA_TRIGGER      (1u << 15)

struct Ioapic
{
  pthread_mutex_t lock;
  IoapicOutput    output;
  uint8_t         id;
  uint32_t        select;
  uint64_t        redir[IOAPIC_N_PINS];
  uint32_t        line;            /* bit n: pin n's input is asserted */
};

/* What a change of state asks the caller to do once the lock is dropped. */
typedef struct
{
  uint32_t deliver;   /* pins */
  uint32_t reroute;   /* pins */
} IoapicWork;

static void
ioapic_message (uint64_t  redir,
                uint64_t *address,
                uint32_t *data)
{
  uint32_t dest = (uint32_t) (redir >> REDIR_DEST_SHIFT);

  *address = MSI_ADDRESS_BASE | ((uint64_t) dest << 12)
             | ((redir & REDIR_DEST_LOGICAL) ? 1u << 2 : 0);
  *data = (uint32_t) (redir & REDIR_VECTOR_MASK)
          | (uint32_t) (((redir >> REDIR_DELIVERY_SHIFT) & 7) << 8);
  if (redir & REDIR_LEVEL)
    *data |= MSI_DATA_TRIGGER | MSI_DATA_LEVEL_ASSERT;
}

/* Under the lock: pin's line or entry changed; does it fire now? An edge
 * pin fires on the rising edge only (the caller passes rising); a level pin
 * fires while its line is high and no delivery awaits its EOI. */
static void
ioapic_service (Ioapic     *ioapic,
                unsigned    pin,
                bool        rising,
                IoapicWork *work)
{
  uint64_t *entry = &ioapic->redir[pin];

  if (!(ioapic->line & (1u << pin)) || (*entry & REDIR_MASKED))
    return;
  if (*entry & REDIR_LEVEL)
    {
      if (*entry & REDIR_REMOTE_IRR)
        return;
      *entry |= REDIR_REMOTE_IRR;
      work->deliver |= 1u << pin;
    }
  else if (rising)
    work->deliver |= 1u << pin;
}

static void
ioapic_do_work (Ioapic     *ioapic,
                IoapicWork *work)
{
  for (unsigned pin = 0; pin < IOAPIC_N_PINS; pin++)
    {
      if (work->reroute & (1u << pin))
        {
          uint64_t entry, address;
          uint32_t data;

          pthread_mutex_lock (&ioapic->lock);
          entry = ioapic->redir[pin];
          pthread_mutex_unlock (&ioapic->lock);
          ioapic_message (entry, &address, &data);
          ioapic->output.route (ioapic->output.opaque, pin, address, data,
                                (entry & REDIR_MASKED) != 0);
        }
      if (work->deliver & (1u << pin))
        ioapic->output.deliver (ioapic->output.opaque, pin);
    }
}

static uint32_t
ioapic_read_register (Ioapic   *ioapic,
                      uint32_t  index)
{
  switch (index)
    {
    case IOAPIC_INDEX_ID:
      return (uint32_t) ioapic->id << 24;
    case IOAPIC_INDEX_VERSION:
      return ((IOAPIC_N_PINS - 1) << 16) | IOAPIC_VERSION;
    case IOAPIC_INDEX_ARB:
      return (uint32_t) ioapic->id << 24;
    default:
      if (index >= IOAPIC_INDEX_REDIR && index < IOAPIC_INDEX_REDIR + 2 * IOAPIC_N_PINS)
        {
          uint64_t entry = ioapic->redir[(index - IOAPIC_INDEX_REDIR) / 2];
          return (index & 1) ? (uint32_t) (entry >> 32) : (uint32_t) entry;
        }
      return 0;
    }
}

static void
ioapic_write_register (Ioapic     *ioapic,
                       uint32_t    index,
                       uint32_t    value,
                       IoapicWork *work)
{
  unsigned pin;
  uint64_t *entry, old, written;

  if (index == IOAPIC_INDEX_ID)
    {
      ioapic->id = (value >> 24) & 0x0f;
      return;
    }
  if (index < IOAPIC_INDEX_REDIR || index >= IOAPIC_INDEX_REDIR + 2 * IOAPIC_N_PINS)
    return;   /* version and arbitration are read-only; the rest does not exist */

  pin = (index - IOAPIC_INDEX_REDIR) / 2;
  entry = &ioapic->redir[pin];
  old = *entry;
  if (index & 1)
    written = (old & 0xffffffffull) | ((uint64_t) value << 32);
  else
    written = (old & ~0xffffffffull) | value;
  *entry = (old & ~REDIR_WRITABLE) | (written & REDIR_WRITABLE);
  /* Switching a pin to edge mode drops a pending level handshake. */
  if (!(*entry & REDIR_LEVEL))
    *entry &= ~REDIR_REMOTE_IRR;

  if (*entry != old)
    work->reroute |= 1u << pin;
  /* Unmasking a level pin whose line is high delivers it now. */
  ioapic_service (ioapic, pin, false, work);
}

static uint64_t
ioapic_read (void     *opaque,
             uint64_t  offset,
             unsigned  size)
{
  Ioapic *ioapic = opaque;
  uint64_t value = 0;

  pthread_mutex_lock (&ioapic->lock);
  if (offset == IOAPIC_REG_SELECT)
    value = ioapic->select;
  else if (offset == IOAPIC_REG_WINDOW)
    value = ioapic_read_register (ioapic, ioapic->select);
  pthread_mutex_unlock (&ioapic->lock);
  return value;
}

static void
ioapic_write (void     *opaque,
              uint64_t  offset,
              uint64_t  value,
              unsigned  size)
{
  Ioapic *ioapic = opaque;
  IoapicWork work = { 0, 0 };

  if (offset == IOAPIC_REG_EOI)
    {
      ioapic_eoi (ioapic, (uint8_t) value);
      return;
    }
  pthread_mutex_lock (&ioapic->lock);
  if (offset == IOAPIC_REG_SELECT)
    ioapic->select = (uint32_t) value & 0xff;
  else if (offset == IOAPIC_REG_WINDOW)
    ioapic_write_register (ioapic, ioapic->select, (uint32_t) value, &work);
  pthread_mutex_unlock (&ioapic->lock);
  ioapic_do_work (ioapic, &work);
}

const IoBusOps ioapic_ops = {
  .name = "ioapic",
  .read = ioapic_read,
  .write = ioapic_write,
};

Ioapic *
ioapic_new (uint8_t             id,
            const IoapicOutput *output)
{
  Ioapic *ioapic = calloc (1, sizeof *ioapic);

  if (ioapic == NULL)
    return NULL;
  pthread_mutex_init (&ioapic->lock, NULL);
  ioapic->output = *output;
  ioapic->id = id & 0x0f;
  ioapic_reset (ioapic);
  return ioapic;
}

void
ioapic_free (Ioapic *ioapic)
{
  pthread_mutex_destroy (&ioapic->lock);
  free (ioapic);
}

/* Power-on state: every pin masked; the id survives, as the VMM assigned it
 * and the ACPI tables name it. The line levels belong to the devices. */
void
ioapic_reset (Ioapic *ioapic)
{
  IoapicWork work = { 0, 0 };

  pthread_mutex_lock (&ioapic->lock);
  ioapic->select = 0;
  for (unsigned pin = 0; pin < IOAPIC_N_PINS; pin++)
    {
      ioapic->redir[pin] = REDIR_MASKED;
      work.reroute |= 1u << pin;
    }
  pthread_mutex_unlock (&ioapic->lock);
  ioapic_do_work (ioapic, &work);
}

void
ioapic_set_irq (Ioapic   *ioapic,
                unsigned  pin,
                bool      level)
{
  IoapicWork work = { 0, 0 };
  bool was;

  if (pin >= IOAPIC_N_PINS)
    return;
  pthread_mutex_lock (&ioapic->lock);
  was = (ioapic->line & (1u << pin)) != 0;
  /* Devices drive logical levels (asserted or not), so the polarity bit is
   * kept for the guest to read back but not applied: the wire's electrical
   * sense is what ACPI describes and what the guest programs to match. */
  if (level)
    ioapic->line |= 1u << pin;
  else
    ioapic->line &= ~(1u << pin);
  if (level)
    ioapic_service (ioapic, pin, !was, &work);
  pthread_mutex_unlock (&ioapic->lock);
  ioapic_do_work (ioapic, &work);
}

/* A local APIC finished a level-triggered interrupt with this vector. */
void
ioapic_eoi (Ioapic  *ioapic,
            uint8_t  vector)
{
  IoapicWork work = { 0, 0 };

  pthread_mutex_lock (&ioapic->lock);
  for (unsigned pin = 0; pin < IOAPIC_N_PINS; pin++)
    {
      uint64_t *entry = &ioapic->redir[pin];
      if ((*entry & REDIR_REMOTE_IRR) && (*entry & REDIR_VECTOR_MASK) == vector)
        {
          *entry &= ~REDIR_REMOTE_IRR;
          ioapic_service (ioapic, pin, false, &work);
        }
    }
  pthread_mutex_unlock (&ioapic->lock);
  ioapic_do_work (ioapic, &work);
}
