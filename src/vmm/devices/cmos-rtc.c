/* cmos-rtc.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmos-rtc.h"

enum
{
  PORT_INDEX = 0,
  PORT_DATA  = 1,
};

enum
{
  REG_SECONDS       = 0x00,
  REG_SECONDS_ALARM = 0x01,
  REG_MINUTES       = 0x02,
  REG_MINUTES_ALARM = 0x03,
  REG_HOURS         = 0x04,
  REG_HOURS_ALARM   = 0x05,
  REG_WEEKDAY       = 0x06,
  REG_DAY           = 0x07,
  REG_MONTH         = 0x08,
  REG_YEAR          = 0x09,
  REG_A             = 0x0a,
  REG_B             = 0x0b,
  REG_C             = 0x0c,
  REG_D             = 0x0d,
  REG_FIRST_RAM     = 0x0e,

  /* The memory size bytes as PC firmware (and QEMU, and so SeaBIOS) lay
   * them out. */
  REG_BASE_MEM_LO   = 0x15,
  REG_BASE_MEM_HI   = 0x16,
  REG_EXT_MEM_LO    = 0x17,
  REG_EXT_MEM_HI    = 0x18,
  REG_EXT_MEM2_LO   = 0x30,
  REG_EXT_MEM2_HI   = 0x31,
  REG_CENTURY       = 0x32,
  REG_MEM_16M_LO    = 0x34,
  REG_MEM_16M_HI    = 0x35,
  REG_MEM_4G_LO     = 0x5b,
  REG_MEM_4G_MID    = 0x5c,
  REG_MEM_4G_HI     = 0x5d,
  REG_CPU_COUNT     = 0x5f,
};

#define A_UIP        0x80
#define A_WRITABLE   0x7f
#define A_DEFAULT    0x26       /* 32.768 kHz time base, 1024 Hz periodic rate */

#define B_SET        0x80
#define B_PIE        0x40
#define B_AIE        0x20
#define B_UIE        0x10
#define B_SQWE       0x08
#define B_DM_BINARY  0x04
#define B_24H        0x02
#define B_DEFAULT    B_24H

#define C_IRQF       0x80
#define C_PF         0x40
#define C_AF         0x20
#define C_UF         0x10
#define C_SOURCES    (C_PF | C_AF | C_UF)   /* same bit positions as PIE, AIE, UIE in B */

#define D_VRT        0x80

#define ALARM_DONT_CARE 0xc0    /* an alarm byte of 0xc0-0xff matches any value */

#define NS_PER_SEC   INT64_C(1000000000)
#define SECS_PER_DAY INT64_C(86400)

/* UIP rises this long before each update (the MC146818's tBUC), so a guest
 * that saw it clear has that long to read the time without a roll-over. */
#define UIP_LEAD_NS  INT64_C(244000)

#define KIB          UINT64_C(1024)
#define MIB          (KIB * 1024)

struct CmosRtc
{
  pthread_mutex_t lock;
  IrqLine         irq;

  int64_t       (*now_ns) (void *opaque);
  void           *clock_data;

  void          (*deadline_notify) (void *opaque);
  void           *deadline_data;
  bool            deadline_appeared;

  uint8_t         ram[CMOS_RTC_SIZE];   /* also holds A, B and the alarm bytes */
  uint8_t         index;
  uint8_t         flags;                /* C_PF/C_AF/C_UF; IRQF is derived */

  int64_t         offset;               /* guest seconds minus host seconds */
  struct tm       set_time;             /* the stopped clock while B.SET is 1 */
  int64_t         last_update;          /* guest second the flags were brought up to */

  bool            irq_level;
  bool            irq_applied;
  bool            irq_delivering;
};

static int64_t
floor_div (int64_t a,
           int64_t b)
{
  int64_t q = a / b;

  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
floor_mod (int64_t a,
           int64_t b)
{
  return a - floor_div (a, b) * b;
}

static int64_t
cmos_rtc_default_now (void *opaque)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* The clock is read before the lock is taken: it is a call out of the
 * device, and it needs nothing the lock protects. */
static int64_t
cmos_rtc_now (CmosRtc *rtc)
{
  return rtc->now_ns (rtc->clock_data);
}

static int64_t
cmos_rtc_guest_seconds (const CmosRtc *rtc,
                        int64_t        now_ns)
{
  return floor_div (now_ns, NS_PER_SEC) + rtc->offset;
}

static void
cmos_rtc_break_down (int64_t    seconds,
                     struct tm *tm)
{
  time_t t = (time_t) seconds;

  if (gmtime_r (&t, tm) == NULL)
    memset (tm, 0, sizeof *tm);
}

static int64_t
cmos_rtc_seconds_of (const struct tm *tm)
{
  struct tm copy = *tm;

  /* Normalises what the guest wrote (February 31st, minute 99); fields come
   * from single bytes, so the result stays far inside time_t. */
  return (int64_t) timegm (&copy);
}

static bool
cmos_rtc_binary (const CmosRtc *rtc)
{
  return rtc->ram[REG_B] & B_DM_BINARY;
}

static uint8_t
cmos_rtc_encode (const CmosRtc *rtc,
                 int            value)
{
  if (value < 0)
    value = 0;
  if (cmos_rtc_binary (rtc))
    return (uint8_t) value;
  return (uint8_t) ((((value / 10) % 10) << 4) | (value % 10));
}

static int
cmos_rtc_decode (const CmosRtc *rtc,
                 uint8_t        raw)
{
  if (cmos_rtc_binary (rtc))
    return raw;
  /* Not checked for valid BCD: a nibble above 9 just makes a large number,
   * which timegm() folds into the next unit like any other bad value. */
  return (raw >> 4) * 10 + (raw & 0x0f);
}

/* In 12-hour mode the hour runs 12, 1 … 11 with bit 7 set for PM. */
static uint8_t
cmos_rtc_encode_hour (const CmosRtc *rtc,
                      int            hour)
{
  int h12;

  if (rtc->ram[REG_B] & B_24H)
    return cmos_rtc_encode (rtc, hour);

  h12 = hour % 12;
  return cmos_rtc_encode (rtc, h12 == 0 ? 12 : h12) | (hour >= 12 ? 0x80 : 0);
}

static int
cmos_rtc_decode_hour (const CmosRtc *rtc,
                      uint8_t        raw)
{
  if (rtc->ram[REG_B] & B_24H)
    return cmos_rtc_decode (rtc, raw);
  return cmos_rtc_decode (rtc, raw & 0x7f) % 12 + ((raw & 0x80) ? 12 : 0);
}

static bool
cmos_rtc_alarm_byte_matches (uint8_t alarm,
                             uint8_t now)
{
  return alarm >= ALARM_DONT_CARE || alarm == now;
}

/* The chip compares the alarm bytes with the time bytes as stored, so the
 * comparison happens in the guest's current format. */
static bool
cmos_rtc_alarm_matches (const CmosRtc *rtc,
                        int64_t        seconds)
{
  int64_t sod = floor_mod (seconds, SECS_PER_DAY);

  return cmos_rtc_alarm_byte_matches (rtc->ram[REG_SECONDS_ALARM],
                                      cmos_rtc_encode (rtc, (int) (sod % 60)))
         && cmos_rtc_alarm_byte_matches (rtc->ram[REG_MINUTES_ALARM],
                                         cmos_rtc_encode (rtc, (int) (sod / 60 % 60)))
         && cmos_rtc_alarm_byte_matches (rtc->ram[REG_HOURS_ALARM],
                                         cmos_rtc_encode_hour (rtc, (int) (sod / 3600)));
}

/* Brings UF and AF up to the present. The chip sets them once a second
 * whether or not their interrupts are enabled, and a guest may poll them, so
 * they are worked out lazily from the clock on every access instead of from a
 * timer. The alarm check looks at each second that passed, but never more than
 * a day of them: the alarm repeats at least daily. */
static void
cmos_rtc_catch_up (CmosRtc *rtc,
                   int64_t  now_ns)
{
  int64_t now, first;

  /* SET stops updates. */
  if (rtc->ram[REG_B] & B_SET)
    return;

  now = cmos_rtc_guest_seconds (rtc, now_ns);
  if (now <= rtc->last_update)
    {
      /* The host clock stepped back: no update happened, start from here. */
      rtc->last_update = now;
      return;
    }

  rtc->flags |= C_UF;
  first = rtc->last_update + 1;
  if (now - first >= SECS_PER_DAY)
    first = now - SECS_PER_DAY + 1;
  for (int64_t t = first; t <= now; t++)
    {
      if (cmos_rtc_alarm_matches (rtc, t))
        {
          rtc->flags |= C_AF;
          break;
        }
    }
  rtc->last_update = now;
}

/* IRQF, and with it the IRQ pin, is high while any flag is set whose enable
 * bit is set, whichever of the two came first. */
static void
cmos_rtc_update_irq (CmosRtc *rtc)
{
  rtc->irq_level = (rtc->flags & rtc->ram[REG_B] & C_SOURCES) != 0;
}

/* Leaves the critical section, then makes the calls out of the device that
 * the critical section asked for: driving the IRQ line and telling the loop
 * about a new deadline. Only one thread drives the line at a time, and it
 * loops until the line matches the registers, so racing vCPUs cannot leave a
 * stale level behind. */
static void
cmos_rtc_unlock (CmosRtc *rtc)
{
  void (*notify) (void *opaque) = NULL;
  void *notify_data = NULL;

  if (rtc->deadline_appeared)
    {
      rtc->deadline_appeared = false;
      notify = rtc->deadline_notify;
      notify_data = rtc->deadline_data;
    }

  if (!rtc->irq_delivering)
    {
      rtc->irq_delivering = true;
      while (rtc->irq_applied != rtc->irq_level)
        {
          bool level = rtc->irq_level;

          pthread_mutex_unlock (&rtc->lock);
          irq_line_set (&rtc->irq, level);
          pthread_mutex_lock (&rtc->lock);
          rtc->irq_applied = level;
        }
      rtc->irq_delivering = false;
    }

  pthread_mutex_unlock (&rtc->lock);

  if (notify != NULL)
    notify (notify_data);
}

static bool
cmos_rtc_needs_deadline (uint8_t b)
{
  return !(b & B_SET) && (b & (B_UIE | B_AIE));
}

static bool
cmos_rtc_is_time_register (uint8_t index)
{
  switch (index)
    {
    case REG_SECONDS:
    case REG_MINUTES:
    case REG_HOURS:
    case REG_WEEKDAY:
    case REG_DAY:
    case REG_MONTH:
    case REG_YEAR:
    case REG_CENTURY:
      return true;
    default:
      return false;
    }
}

/* The time the guest sees: the stopped clock while SET is 1, else host time
 * plus the offset. */
static void
cmos_rtc_guest_time (const CmosRtc *rtc,
                     int64_t        now_ns,
                     struct tm     *tm)
{
  if (rtc->ram[REG_B] & B_SET)
    *tm = rtc->set_time;
  else
    cmos_rtc_break_down (cmos_rtc_guest_seconds (rtc, now_ns), tm);
}

static uint8_t
cmos_rtc_read_time (const CmosRtc *rtc,
                    uint8_t        index,
                    int64_t        now_ns)
{
  struct tm tm;
  int64_t year;

  cmos_rtc_guest_time (rtc, now_ns, &tm);
  year = (int64_t) tm.tm_year + 1900;

  switch (index)
    {
    case REG_SECONDS:
      return cmos_rtc_encode (rtc, tm.tm_sec);
    case REG_MINUTES:
      return cmos_rtc_encode (rtc, tm.tm_min);
    case REG_HOURS:
      return cmos_rtc_encode_hour (rtc, tm.tm_hour);
    case REG_WEEKDAY:
      {
        /* The day of the week follows from the date (a written value is not
         * kept); while the clock is stopped the date may be half-written, so
         * normalise a copy. */
        struct tm normal;

        cmos_rtc_break_down (cmos_rtc_seconds_of (&tm), &normal);
        return cmos_rtc_encode (rtc, normal.tm_wday + 1);
      }
    case REG_DAY:
      return cmos_rtc_encode (rtc, tm.tm_mday);
    case REG_MONTH:
      return cmos_rtc_encode (rtc, tm.tm_mon + 1);
    case REG_YEAR:
      return cmos_rtc_encode (rtc, (int) floor_mod (year, 100));
    case REG_CENTURY:
      return cmos_rtc_encode (rtc, (int) floor_mod (floor_div (year, 100), 100));
    default:
      return 0xff;
    }
}

/* A write to a time register. While SET is 1 it changes the stopped clock,
 * which becomes the new offset when SET is cleared; otherwise it moves the
 * running clock at once. */
static void
cmos_rtc_write_time (CmosRtc *rtc,
                     uint8_t  index,
                     uint8_t  raw,
                     int64_t  now_ns)
{
  struct tm tm;
  int64_t year;
  bool running = !(rtc->ram[REG_B] & B_SET);

  cmos_rtc_guest_time (rtc, now_ns, &tm);
  year = (int64_t) tm.tm_year + 1900;

  switch (index)
    {
    case REG_SECONDS:
      tm.tm_sec = cmos_rtc_decode (rtc, raw);
      break;
    case REG_MINUTES:
      tm.tm_min = cmos_rtc_decode (rtc, raw);
      break;
    case REG_HOURS:
      tm.tm_hour = cmos_rtc_decode_hour (rtc, raw);
      break;
    case REG_DAY:
      tm.tm_mday = cmos_rtc_decode (rtc, raw);
      break;
    case REG_MONTH:
      tm.tm_mon = cmos_rtc_decode (rtc, raw) - 1;
      break;
    case REG_YEAR:
      tm.tm_year = (int) (floor_div (year, 100) * 100 + cmos_rtc_decode (rtc, raw) - 1900);
      break;
    case REG_CENTURY:
      tm.tm_year = (int) (cmos_rtc_decode (rtc, raw) * 100 + floor_mod (year, 100) - 1900);
      break;
    case REG_WEEKDAY:
    default:
      return;
    }

  if (!running)
    {
      rtc->set_time = tm;
      return;
    }

  rtc->offset = cmos_rtc_seconds_of (&tm) - floor_div (now_ns, NS_PER_SEC);
  /* A new time is not an update: no UF or alarm for the seconds skipped. */
  rtc->last_update = cmos_rtc_guest_seconds (rtc, now_ns);
}

static void
cmos_rtc_write_b (CmosRtc *rtc,
                  uint8_t  value,
                  int64_t  now_ns)
{
  uint8_t old = rtc->ram[REG_B];

  if (!(old & B_SET) && (value & B_SET))
    {
      /* Setting SET stops the clock where it is and clears UIE. */
      cmos_rtc_break_down (cmos_rtc_guest_seconds (rtc, now_ns), &rtc->set_time);
      value &= ~B_UIE;
    }

  rtc->ram[REG_B] = value;

  if ((old & B_SET) && !(value & B_SET))
    {
      rtc->offset = cmos_rtc_seconds_of (&rtc->set_time) - floor_div (now_ns, NS_PER_SEC);
      rtc->last_update = cmos_rtc_guest_seconds (rtc, now_ns);
    }

  if (!cmos_rtc_needs_deadline (old) && cmos_rtc_needs_deadline (value))
    rtc->deadline_appeared = true;
}

static uint8_t
cmos_rtc_read_data (CmosRtc *rtc,
                    int64_t  now_ns)
{
  uint8_t index = rtc->index;
  uint8_t value;

  if (cmos_rtc_is_time_register (index))
    return cmos_rtc_read_time (rtc, index, now_ns);

  switch (index)
    {
    case REG_A:
      /* Modelled simply: UIP is high in the last 244 µs of each host second,
       * the window in which the time is about to change. */
      value = rtc->ram[REG_A] & A_WRITABLE;
      if (!(rtc->ram[REG_B] & B_SET)
          && floor_mod (now_ns, NS_PER_SEC) >= NS_PER_SEC - UIP_LEAD_NS)
        value |= A_UIP;
      return value;

    case REG_C:
      /* Reading C acknowledges everything in it and lowers the IRQ. */
      value = rtc->flags | ((rtc->flags & rtc->ram[REG_B] & C_SOURCES) ? C_IRQF : 0);
      rtc->flags = 0;
      return value;

    case REG_D:
      return D_VRT;         /* the battery is always good */

    default:
      return rtc->ram[index];
    }
}

static void
cmos_rtc_write_data (CmosRtc *rtc,
                     uint8_t  value,
                     int64_t  now_ns)
{
  uint8_t index = rtc->index;

  if (cmos_rtc_is_time_register (index))
    {
      cmos_rtc_write_time (rtc, index, value, now_ns);
      return;
    }

  switch (index)
    {
    case REG_A:
      /* Divider and rate bits are kept (a guest reads back what it wrote) but
       * the clock keeps running from the host whatever the divider says. */
      rtc->ram[REG_A] = value & A_WRITABLE;
      break;

    case REG_B:
      cmos_rtc_write_b (rtc, value, now_ns);
      break;

    case REG_C:
    case REG_D:
      break;                /* read-only */

    default:
      rtc->ram[index] = value;
      break;
    }
}

static uint64_t
cmos_rtc_read (void     *opaque,
               uint64_t  offset,
               unsigned  size)
{
  CmosRtc *rtc = opaque;
  uint64_t value = 0;
  int64_t now_ns;

  if (size == 0 || size > sizeof value)
    return 0;

  now_ns = cmos_rtc_now (rtc);
  pthread_mutex_lock (&rtc->lock);
  cmos_rtc_catch_up (rtc, now_ns);
  for (unsigned i = 0; i < size; i++)
    {
      /* The index port is write-only: reading it sees a floating bus. */
      uint8_t byte = 0xff;

      if (offset < CMOS_RTC_LEN && i < CMOS_RTC_LEN - offset && offset + i == PORT_DATA)
        byte = cmos_rtc_read_data (rtc, now_ns);
      value |= (uint64_t) byte << (8 * i);
    }
  cmos_rtc_update_irq (rtc);
  cmos_rtc_unlock (rtc);

  return value;
}

static void
cmos_rtc_write (void     *opaque,
                uint64_t  offset,
                uint64_t  value,
                unsigned  size)
{
  CmosRtc *rtc = opaque;
  int64_t now_ns;

  if (size == 0 || size > sizeof value)
    return;

  now_ns = cmos_rtc_now (rtc);
  pthread_mutex_lock (&rtc->lock);
  cmos_rtc_catch_up (rtc, now_ns);
  for (unsigned i = 0; i < size; i++)
    {
      uint8_t byte = (uint8_t) (value >> (8 * i));

      if (offset >= CMOS_RTC_LEN || i >= CMOS_RTC_LEN - offset)
        break;
      if (offset + i == PORT_INDEX)
        /* Bit 7 masks NMIs on a PC; we have no NMI source to mask. */
        rtc->index = byte & (CMOS_RTC_SIZE - 1);
      else
        cmos_rtc_write_data (rtc, byte, now_ns);
    }
  cmos_rtc_update_irq (rtc);
  cmos_rtc_unlock (rtc);
}

const IoBusOps cmos_rtc_ops = {
  .name  = "cmos-rtc",
  .read  = cmos_rtc_read,
  .write = cmos_rtc_write,
};

static void
cmos_rtc_put16 (CmosRtc *rtc,
                uint8_t  lo,
                uint8_t  hi,
                uint64_t value)
{
  if (value > 0xffff)
    value = 0xffff;
  rtc->ram[lo] = (uint8_t) value;
  rtc->ram[hi] = (uint8_t) (value >> 8);
}

static void
cmos_rtc_fill_memory (CmosRtc  *rtc,
                      uint64_t  below_4g,
                      uint64_t  above_4g,
                      unsigned  n_cpus)
{
  uint64_t base_kib = below_4g / KIB;
  uint64_t ext_kib = below_4g > MIB ? (below_4g - MIB) / KIB : 0;
  uint64_t mid_64k = below_4g > 16 * MIB ? (below_4g - 16 * MIB) / (64 * KIB) : 0;
  uint64_t high_64k = above_4g / (64 * KIB);

  /* Conventional memory: everything below 640 KiB is RAM on a PC. */
  cmos_rtc_put16 (rtc, REG_BASE_MEM_LO, REG_BASE_MEM_HI, base_kib < 640 ? base_kib : 640);
  /* KiB above 1 MiB, saturating at 0xffff (just under 64 MiB); 0x30/0x31 are
   * the copy the BIOS keeps, which firmware reads too. */
  cmos_rtc_put16 (rtc, REG_EXT_MEM_LO, REG_EXT_MEM_HI, ext_kib);
  cmos_rtc_put16 (rtc, REG_EXT_MEM2_LO, REG_EXT_MEM2_HI, ext_kib);
  /* 64 KiB blocks from 16 MiB up to the 32-bit hole. */
  cmos_rtc_put16 (rtc, REG_MEM_16M_LO, REG_MEM_16M_HI, mid_64k);
  /* 64 KiB blocks above 4 GiB, in three bytes (up to 1 TiB). */
  if (high_64k > 0xffffff)
    high_64k = 0xffffff;
  rtc->ram[REG_MEM_4G_LO] = (uint8_t) high_64k;
  rtc->ram[REG_MEM_4G_MID] = (uint8_t) (high_64k >> 8);
  rtc->ram[REG_MEM_4G_HI] = (uint8_t) (high_64k >> 16);
  /* SeaBIOS learns how many CPUs to wait for from here. */
  rtc->ram[REG_CPU_COUNT] = n_cpus == 0 ? 0 : (n_cpus - 1 > 0xff ? 0xff : (uint8_t) (n_cpus - 1));
}

CmosRtc *
cmos_rtc_new (const IrqLine *irq,
              uint64_t       ram_below_4g,
              uint64_t       ram_above_4g,
              unsigned       n_cpus)
{
  CmosRtc *rtc = calloc (1, sizeof *rtc);

  if (rtc == NULL)
    return NULL;
  if (pthread_mutex_init (&rtc->lock, NULL) != 0)
    {
      free (rtc);
      return NULL;
    }
  if (irq != NULL)
    rtc->irq = *irq;

  rtc->now_ns = cmos_rtc_default_now;
  rtc->ram[REG_A] = A_DEFAULT;
  rtc->ram[REG_B] = B_DEFAULT;
  cmos_rtc_fill_memory (rtc, ram_below_4g, ram_above_4g, n_cpus);
  rtc->last_update = cmos_rtc_guest_seconds (rtc, cmos_rtc_now (rtc));

  return rtc;
}

void
cmos_rtc_free (CmosRtc *rtc)
{
  if (rtc == NULL)
    return;
  pthread_mutex_destroy (&rtc->lock);
  free (rtc);
}

void
cmos_rtc_reset (CmosRtc *rtc)
{
  int64_t now_ns = cmos_rtc_now (rtc);

  pthread_mutex_lock (&rtc->lock);
  /* The reset pin clears the interrupt enables and the square-wave output,
   * and the flags with them. */
  rtc->ram[REG_B] &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
  if (rtc->ram[REG_B] & B_SET)
    {
      /* A reset in the middle of setting the clock: keep what was set. */
      rtc->offset = cmos_rtc_seconds_of (&rtc->set_time) - floor_div (now_ns, NS_PER_SEC);
      rtc->ram[REG_B] &= ~B_SET;
    }
  rtc->flags = 0;
  rtc->index = 0;
  rtc->last_update = cmos_rtc_guest_seconds (rtc, now_ns);
  cmos_rtc_update_irq (rtc);
  cmos_rtc_unlock (rtc);
}

void
cmos_rtc_set_byte (CmosRtc *rtc,
                   uint8_t  index,
                   uint8_t  value)
{
  index &= CMOS_RTC_SIZE - 1;
  if (index < REG_FIRST_RAM || index == REG_CENTURY)
    return;

  pthread_mutex_lock (&rtc->lock);
  rtc->ram[index] = value;
  cmos_rtc_unlock (rtc);
}

void
cmos_rtc_set_clock (CmosRtc  *rtc,
                    int64_t (*now_ns) (void *opaque),
                    void     *opaque)
{
  int64_t (*clock) (void *opaque) = now_ns != NULL ? now_ns : cmos_rtc_default_now;
  int64_t now = clock (opaque);

  pthread_mutex_lock (&rtc->lock);
  rtc->now_ns = clock;
  rtc->clock_data = opaque;
  rtc->last_update = cmos_rtc_guest_seconds (rtc, now);
  cmos_rtc_unlock (rtc);
}

int64_t
cmos_rtc_next_deadline (CmosRtc *rtc)
{
  int64_t now_ns = cmos_rtc_now (rtc);
  int64_t deadline = -1;

  pthread_mutex_lock (&rtc->lock);
  /* Both interrupts can only fire at an update, and updates happen on host
   * second boundaries because the offset is whole seconds. */
  if (cmos_rtc_needs_deadline (rtc->ram[REG_B]))
    deadline = (floor_div (now_ns, NS_PER_SEC) + 1) * NS_PER_SEC;
  cmos_rtc_unlock (rtc);

  return deadline;
}

void
cmos_rtc_run_timer (CmosRtc *rtc)
{
  int64_t now_ns = cmos_rtc_now (rtc);

  pthread_mutex_lock (&rtc->lock);
  cmos_rtc_catch_up (rtc, now_ns);
  cmos_rtc_update_irq (rtc);
  cmos_rtc_unlock (rtc);
}

void
cmos_rtc_set_deadline_notify (CmosRtc  *rtc,
                              void    (*notify) (void *opaque),
                              void     *opaque)
{
  pthread_mutex_lock (&rtc->lock);
  rtc->deadline_notify = notify;
  rtc->deadline_data = opaque;
  cmos_rtc_unlock (rtc);
}
