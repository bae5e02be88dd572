/* acpi-pm.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "acpi-pm.h"

#define NS_PER_SEC  UINT64_C (1000000000)

#define PM1_TMR_EN           (1u << 0)
#define PM1_GBL_EN           (1u << 5)
#define PM1_SLPBTN_EN        (1u << 9)
#define PM1_RTC_EN           (1u << 10)
#define PM1_PCIEXP_WAKE_DIS  (1u << 14)

/* Every enable bit the spec defines reads back as written, although only
 * PWRBTN_EN has an effect here: ACPICA checks that an enable bit stuck
 * (RTC_EN for the CMOS clock's handler, GBL_EN for the global lock) and
 * complains or gives up on the feature when it does not. */
#define PM1_EN_WRITABLE  (PM1_TMR_EN | PM1_GBL_EN | ACPI_PM1_PWRBTN_EN \
                          | PM1_SLPBTN_EN | PM1_RTC_EN | PM1_PCIEXP_WAKE_DIS)

/* The counter's top bit: TMR_STS is set each time it changes. */
#define TMR_STS_SHIFT  23
#define TMR_MASK       ((UINT32_C (1) << 24) - 1)

struct AcpiPm
{
  pthread_mutex_t lock;
  IrqLine         sci;

  void          (*on_sleep) (void     *opaque,
                             unsigned  slp_typ);
  void           *opaque;

  int64_t       (*now_ns) (void *opaque);
  void           *clock_data;
  int64_t         clock_origin;   /* the clock's value at timer count 0 */
  uint64_t        tmr_sts_since;  /* the count when TMR_STS was last cleared */

  uint16_t        pm1_sts;        /* latched bits only; TMR_STS is worked out */
  uint16_t        pm1_en;
  unsigned        slp_typ;
  uint16_t        gpe0_sts;
  uint16_t        gpe0_en;

  bool            sci_level;
  bool            sci_applied;
  bool            sci_delivering;
};

static int64_t
monotonic_ns (void *opaque)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * (int64_t) NS_PER_SEC + ts.tv_nsec;
}

/* The timer count since power-on, not yet cut to 24 bits. Seconds and the
 * rest are scaled apart because ns * ACPI_PM_TIMER_HZ would overflow 64 bits
 * after some 86 minutes. */
static uint64_t
acpi_pm_ticks (const AcpiPm *pm)
{
  uint64_t ns = (uint64_t) (pm->now_ns (pm->clock_data) - pm->clock_origin);

  return ns / NS_PER_SEC * ACPI_PM_TIMER_HZ
         + ns % NS_PER_SEC * ACPI_PM_TIMER_HZ / NS_PER_SEC;
}

/* The bits of a block's register image that an access of size bytes at
 * offset covers, or 0 when the access is not one of 1, 2 or 4 bytes within
 * the len bytes of the block. */
static uint32_t
access_mask (uint64_t offset,
             unsigned size,
             unsigned len)
{
  if ((size != 1 && size != 2 && size != 4) || offset >= len || size > len - offset)
    return 0;
  return (size == 4 ? UINT32_MAX : (UINT32_C (1) << (8 * size)) - 1) << (8 * offset);
}

static uint64_t
image_read (uint32_t image,
            uint64_t offset,
            unsigned size,
            unsigned len)
{
  uint32_t mask = access_mask (offset, size, len);

  return mask == 0 ? 0 : (image & mask) >> (8 * offset);
}

/* The written value placed in the block's register image, for an access
 * access_mask() accepted; only the bits under its mask are meaningful. */
static uint32_t
image_bits (uint64_t offset,
            uint64_t value)
{
  return (uint32_t) value << (8 * offset);
}

static void
acpi_pm_update_sci (AcpiPm *pm)
{
  pm->sci_level = (pm->pm1_sts & pm->pm1_en & ACPI_PM1_PWRBTN_STS) != 0
                  || (pm->gpe0_sts & pm->gpe0_en) != 0;
}

/* Leaves the critical section, bringing the SCI in line with the registers
 * without the lock held, so that the line's owner may call back in. Only one
 * thread at a time drives the line, and it keeps going until the line
 * matches, so a stale level from a racing vCPU never has the last word. */
static void
acpi_pm_unlock (AcpiPm *pm)
{
  if (!pm->sci_delivering)
    {
      pm->sci_delivering = true;
      while (pm->sci_applied != pm->sci_level)
        {
          bool level = pm->sci_level;

          pthread_mutex_unlock (&pm->lock);
          irq_line_set (&pm->sci, level);
          pthread_mutex_lock (&pm->lock);
          pm->sci_applied = level;
        }
      pm->sci_delivering = false;
    }
  pthread_mutex_unlock (&pm->lock);
}

static uint16_t
acpi_pm_pm1_sts_locked (const AcpiPm *pm)
{
  uint16_t sts = pm->pm1_sts;

  if ((acpi_pm_ticks (pm) >> TMR_STS_SHIFT) != (pm->tmr_sts_since >> TMR_STS_SHIFT))
    sts |= ACPI_PM1_TMR_STS;
  return sts;
}

static uint64_t
acpi_pm_pm1_evt_read (void     *opaque,
                      uint64_t  offset,
                      unsigned  size)
{
  AcpiPm *pm = opaque;
  uint32_t image;

  pthread_mutex_lock (&pm->lock);
  image = acpi_pm_pm1_sts_locked (pm) | (uint32_t) pm->pm1_en << 16;
  pthread_mutex_unlock (&pm->lock);
  return image_read (image, offset, size, ACPI_PM1_EVT_LEN);
}

static void
acpi_pm_pm1_evt_write (void     *opaque,
                       uint64_t  offset,
                       uint64_t  value,
                       unsigned  size)
{
  AcpiPm *pm = opaque;
  uint32_t mask = access_mask (offset, size, ACPI_PM1_EVT_LEN);
  uint16_t en_mask = (mask >> 16) & PM1_EN_WRITABLE;
  uint32_t bits;
  uint16_t clear;

  if (mask == 0)
    return;
  bits = image_bits (offset, value);
  clear = bits & mask;

  pthread_mutex_lock (&pm->lock);
  if (clear & ACPI_PM1_TMR_STS)
    pm->tmr_sts_since = acpi_pm_ticks (pm);
  pm->pm1_sts &= ~clear;
  pm->pm1_en = (pm->pm1_en & ~en_mask) | ((bits >> 16) & en_mask);
  acpi_pm_update_sci (pm);
  acpi_pm_unlock (pm);
}

const IoBusOps acpi_pm_pm1_evt_ops = {
  .name  = "acpi-pm1-evt",
  .read  = acpi_pm_pm1_evt_read,
  .write = acpi_pm_pm1_evt_write,
};

static uint64_t
acpi_pm_pm1_cnt_read (void     *opaque,
                      uint64_t  offset,
                      unsigned  size)
{
  AcpiPm *pm = opaque;
  uint32_t image;

  pthread_mutex_lock (&pm->lock);
  image = ACPI_PM1_CNT_SCI_EN | pm->slp_typ << ACPI_PM1_CNT_SLP_TYP_SHIFT;
  pthread_mutex_unlock (&pm->lock);
  return image_read (image, offset, size, ACPI_PM1_CNT_LEN);
}

static void
acpi_pm_pm1_cnt_write (void     *opaque,
                       uint64_t  offset,
                       uint64_t  value,
                       unsigned  size)
{
  AcpiPm *pm = opaque;
  uint32_t mask = access_mask (offset, size, ACPI_PM1_CNT_LEN);
  uint32_t bits;
  bool sleep;
  unsigned slp_typ;

  if (mask == 0)
    return;
  bits = image_bits (offset, value) & mask;
  sleep = (bits & ACPI_PM1_CNT_SLP_EN) != 0;

  pthread_mutex_lock (&pm->lock);
  if (mask & ACPI_PM1_CNT_SLP_TYP_MASK)
    pm->slp_typ = (bits & ACPI_PM1_CNT_SLP_TYP_MASK) >> ACPI_PM1_CNT_SLP_TYP_SHIFT;
  slp_typ = pm->slp_typ;
  /* There is nothing to sleep in but power-off, which ends the guest; any
   * other request is over as soon as it is made. */
  if (sleep)
    pm->pm1_sts |= ACPI_PM1_WAK_STS;
  acpi_pm_unlock (pm);

  if (sleep && pm->on_sleep != NULL)
    pm->on_sleep (pm->opaque, slp_typ);
}

const IoBusOps acpi_pm_pm1_cnt_ops = {
  .name  = "acpi-pm1-cnt",
  .read  = acpi_pm_pm1_cnt_read,
  .write = acpi_pm_pm1_cnt_write,
};

/* Takes no lock: the clock fields do not change once the guest runs. */
static uint64_t
acpi_pm_tmr_read (void     *opaque,
                  uint64_t  offset,
                  unsigned  size)
{
  AcpiPm *pm = opaque;

  return image_read (acpi_pm_ticks (pm) & TMR_MASK, offset, size, ACPI_PM_TMR_LEN);
}

/* The timer is read-only. */
static void
acpi_pm_tmr_write (void     *opaque,
                   uint64_t  offset,
                   uint64_t  value,
                   unsigned  size)
{
}

const IoBusOps acpi_pm_tmr_ops = {
  .name  = "acpi-pm-tmr",
  .read  = acpi_pm_tmr_read,
  .write = acpi_pm_tmr_write,
};

static uint64_t
acpi_pm_gpe0_read (void     *opaque,
                   uint64_t  offset,
                   unsigned  size)
{
  AcpiPm *pm = opaque;
  uint32_t image;

  pthread_mutex_lock (&pm->lock);
  image = pm->gpe0_sts | (uint32_t) pm->gpe0_en << 16;
  pthread_mutex_unlock (&pm->lock);
  return image_read (image, offset, size, ACPI_GPE0_LEN);
}

static void
acpi_pm_gpe0_write (void     *opaque,
                    uint64_t  offset,
                    uint64_t  value,
                    unsigned  size)
{
  AcpiPm *pm = opaque;
  uint32_t mask = access_mask (offset, size, ACPI_GPE0_LEN);
  uint16_t en_mask = mask >> 16;
  uint32_t bits;

  if (mask == 0)
    return;
  bits = image_bits (offset, value);

  pthread_mutex_lock (&pm->lock);
  pm->gpe0_sts &= ~(bits & mask);
  pm->gpe0_en = (pm->gpe0_en & ~en_mask) | ((bits >> 16) & en_mask);
  acpi_pm_update_sci (pm);
  acpi_pm_unlock (pm);
}

const IoBusOps acpi_pm_gpe0_ops = {
  .name  = "acpi-gpe0",
  .read  = acpi_pm_gpe0_read,
  .write = acpi_pm_gpe0_write,
};

static void
acpi_pm_reset_locked (AcpiPm *pm)
{
  pm->pm1_sts = 0;
  pm->pm1_en = 0;
  pm->slp_typ = 0;
  pm->gpe0_sts = 0;
  pm->gpe0_en = 0;
  pm->tmr_sts_since = acpi_pm_ticks (pm);
  acpi_pm_update_sci (pm);
}

AcpiPm *
acpi_pm_new (const IrqLine  *sci,
             void          (*on_sleep) (void     *opaque,
                                        unsigned  slp_typ),
             void           *opaque)
{
  AcpiPm *pm = calloc (1, sizeof *pm);

  if (pm == NULL)
    return NULL;
  if (pthread_mutex_init (&pm->lock, NULL) != 0)
    {
      free (pm);
      return NULL;
    }
  if (sci != NULL)
    pm->sci = *sci;
  pm->on_sleep = on_sleep;
  pm->opaque = opaque;
  pm->now_ns = monotonic_ns;
  pm->clock_origin = monotonic_ns (NULL);
  acpi_pm_reset_locked (pm);
  return pm;
}

void
acpi_pm_free (AcpiPm *pm)
{
  if (pm == NULL)
    return;
  pthread_mutex_destroy (&pm->lock);
  free (pm);
}

void
acpi_pm_reset (AcpiPm *pm)
{
  pthread_mutex_lock (&pm->lock);
  acpi_pm_reset_locked (pm);
  acpi_pm_unlock (pm);
}

void
acpi_pm_press_power_button (AcpiPm *pm)
{
  pthread_mutex_lock (&pm->lock);
  pm->pm1_sts |= ACPI_PM1_PWRBTN_STS;
  acpi_pm_update_sci (pm);
  acpi_pm_unlock (pm);
}

bool
acpi_pm_power_button_enabled (AcpiPm *pm)
{
  bool enabled;

  pthread_mutex_lock (&pm->lock);
  enabled = (pm->pm1_en & ACPI_PM1_PWRBTN_EN) != 0;
  pthread_mutex_unlock (&pm->lock);
  return enabled;
}

void
acpi_pm_raise_gpe (AcpiPm   *pm,
                   unsigned  gpe)
{
  if (gpe >= ACPI_N_GPE0)
    return;

  pthread_mutex_lock (&pm->lock);
  pm->gpe0_sts |= 1u << gpe;
  acpi_pm_update_sci (pm);
  acpi_pm_unlock (pm);
}

void
acpi_pm_set_clock (AcpiPm   *pm,
                   int64_t (*now_ns) (void *opaque),
                   void     *opaque)
{
  pthread_mutex_lock (&pm->lock);
  pm->now_ns = now_ns;
  pm->clock_data = opaque;
  pm->clock_origin = now_ns (opaque);
  pm->tmr_sts_since = 0;
  pthread_mutex_unlock (&pm->lock);
}
