/* test-cmos-rtc.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "devices/cmos-rtc.h"

#define NS  G_GINT64_CONSTANT (1000000000)
#define KIB G_GUINT64_CONSTANT (1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

/* Saturday 2026-03-14 15:09:26 UTC. */
#define T0  G_GINT64_CONSTANT (1773500966)

enum
{
  SEC = 0x00, SEC_ALARM = 0x01, MIN = 0x02, MIN_ALARM = 0x03, HOUR = 0x04, HOUR_ALARM = 0x05,
  WDAY = 0x06, MDAY = 0x07, MONTH = 0x08, YEAR = 0x09,
  REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
  CENTURY = 0x32,
};

typedef struct
{
  bool     level;
  unsigned calls;
  unsigned raises;
  unsigned lowers;
} FakeIrq;

typedef struct
{
  CmosRtc *rtc;
  FakeIrq  irq;
  int64_t  now_ns;
  unsigned deadline_notified;
} Fixture;

static void
fake_irq_set (void *opaque,
              bool  level)
{
  FakeIrq *irq = opaque;

  irq->calls++;
  if (level && !irq->level)
    irq->raises++;
  if (!level && irq->level)
    irq->lowers++;
  irq->level = level;
}

static int64_t
fake_clock (void *opaque)
{
  Fixture *f = opaque;

  return f->now_ns;
}

static void
count_deadline (void *opaque)
{
  Fixture *f = opaque;

  f->deadline_notified++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  IrqLine irq = { fake_irq_set, &f->irq };

  f->now_ns = T0 * NS + NS / 2;
  f->rtc = cmos_rtc_new (&irq, 512 * MIB, 0, 1);
  g_assert_nonnull (f->rtc);
  cmos_rtc_set_clock (f->rtc, fake_clock, f);
  cmos_rtc_set_deadline_notify (f->rtc, count_deadline, f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  cmos_rtc_free (f->rtc);
}

static uint8_t
rd (CmosRtc *rtc,
    uint8_t  index)
{
  cmos_rtc_ops.write (rtc, 0, index, 1);
  return (uint8_t) cmos_rtc_ops.read (rtc, 1, 1);
}

static void
wr (CmosRtc *rtc,
    uint8_t  index,
    uint8_t  value)
{
  cmos_rtc_ops.write (rtc, 0, index, 1);
  cmos_rtc_ops.write (rtc, 1, value, 1);
}

static void
advance (Fixture *f,
         int64_t  ns)
{
  f->now_ns += ns;
}

static void
test_new_free (void)
{
  CmosRtc *rtc = cmos_rtc_new (NULL, 0, 0, 0);
  uint8_t sec;

  g_assert_nonnull (rtc);
  /* On the real host clock, the seconds register is valid BCD. */
  sec = rd (rtc, SEC);
  g_assert_cmpuint (sec & 0x0f, <=, 9);
  g_assert_cmpuint (sec >> 4, <=, 5);
  g_assert_cmpint (cmos_rtc_next_deadline (rtc), ==, -1);
  cmos_rtc_run_timer (rtc);
  cmos_rtc_reset (rtc);
  cmos_rtc_free (rtc);
  cmos_rtc_free (NULL);
}

static void
test_index (Fixture       *f,
            gconstpointer  data)
{
  /* Bit 7 is the NMI mask, not part of the index. */
  cmos_rtc_ops.write (f->rtc, 0, 0x80 | REG_B, 1);
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 1, 1), ==, 0x02);
  cmos_rtc_ops.write (f->rtc, 0, 0x80 | 0x40, 1);
  cmos_rtc_ops.write (f->rtc, 1, 0x5a, 1);
  g_assert_cmphex (rd (f->rtc, 0x40), ==, 0x5a);
  /* The index port is write-only. */
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 0, 1), ==, 0xff);
  /* The index stays put across accesses. */
  cmos_rtc_ops.write (f->rtc, 0, 0x40, 1);
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 1, 1), ==, 0x5a);
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 1, 1), ==, 0x5a);
}

static void
test_status_defaults (Fixture       *f,
                      gconstpointer  data)
{
  g_assert_cmphex (rd (f->rtc, REG_A), ==, 0x26);
  g_assert_cmphex (rd (f->rtc, REG_B), ==, 0x02);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x00);
  g_assert_cmphex (rd (f->rtc, REG_D), ==, 0x80);

  /* C and D are read-only; A's UIP bit is too. */
  wr (f->rtc, REG_C, 0xff);
  wr (f->rtc, REG_D, 0x00);
  wr (f->rtc, REG_A, 0xff);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x00);
  g_assert_cmphex (rd (f->rtc, REG_D), ==, 0x80);
  g_assert_cmphex (rd (f->rtc, REG_A), ==, 0x7f);
  /* The divider and rate bits are kept. */
  wr (f->rtc, REG_A, 0x20);
  g_assert_cmphex (rd (f->rtc, REG_A), ==, 0x20);
}

static void
test_bcd (Fixture       *f,
          gconstpointer  data)
{
  g_assert_cmphex (rd (f->rtc, SEC), ==, 0x26);
  g_assert_cmphex (rd (f->rtc, MIN), ==, 0x09);
  g_assert_cmphex (rd (f->rtc, HOUR), ==, 0x15);
  g_assert_cmphex (rd (f->rtc, WDAY), ==, 7);
  g_assert_cmphex (rd (f->rtc, MDAY), ==, 0x14);
  g_assert_cmphex (rd (f->rtc, MONTH), ==, 0x03);
  g_assert_cmphex (rd (f->rtc, YEAR), ==, 0x26);
  g_assert_cmphex (rd (f->rtc, CENTURY), ==, 0x20);

  /* The clock runs with the host. */
  advance (f, 61 * NS);
  g_assert_cmphex (rd (f->rtc, SEC), ==, 0x27);
  g_assert_cmphex (rd (f->rtc, MIN), ==, 0x10);
}

static void
test_binary (Fixture       *f,
             gconstpointer  data)
{
  wr (f->rtc, REG_B, 0x06);
  g_assert_cmpuint (rd (f->rtc, SEC), ==, 26);
  g_assert_cmpuint (rd (f->rtc, MIN), ==, 9);
  g_assert_cmpuint (rd (f->rtc, HOUR), ==, 15);
  g_assert_cmpuint (rd (f->rtc, WDAY), ==, 7);
  g_assert_cmpuint (rd (f->rtc, MDAY), ==, 14);
  g_assert_cmpuint (rd (f->rtc, MONTH), ==, 3);
  g_assert_cmpuint (rd (f->rtc, YEAR), ==, 26);
  g_assert_cmpuint (rd (f->rtc, CENTURY), ==, 20);
}

static void
test_12_hour (Fixture       *f,
              gconstpointer  data)
{
  static const struct
  {
    int64_t when;
    uint8_t bcd;
    uint8_t binary;
  } cases[] = {
    { T0, 0x83, 0x83 },                               /* 15:09 → 3 PM */
    { G_GINT64_CONSTANT (1773448200), 0x12, 0x0c },   /* 00:30 → 12 AM */
    { G_GINT64_CONSTANT (1773489600), 0x92, 0x8c },   /* 12:00 → 12 PM */
    { G_GINT64_CONSTANT (1773532799), 0x91, 0x8b },   /* 23:59 → 11 PM */
    { G_GINT64_CONSTANT (1773489600) - 1, 0x11, 0x0b },  /* 11:59 → 11 AM */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      f->now_ns = cases[i].when * NS;
      wr (f->rtc, REG_B, 0x00);
      g_assert_cmphex (rd (f->rtc, HOUR), ==, cases[i].bcd);
      wr (f->rtc, REG_B, 0x04);
      g_assert_cmphex (rd (f->rtc, HOUR), ==, cases[i].binary);
      wr (f->rtc, REG_B, 0x02);
    }
}

static void
test_set_time (Fixture       *f,
               gconstpointer  data)
{
  static const uint8_t fields[][2] = {
    { SEC, 0x00 }, { MIN, 0x00 }, { HOUR, 0x08 }, { MDAY, 0x01 }, { MONTH, 0x01 },
    { YEAR, 0x99 }, { CENTURY, 0x19 },
  };

  /* Stop the clock, set 1999-01-01 08:00:00. */
  wr (f->rtc, REG_B, 0x82);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    wr (f->rtc, fields[i][0], fields[i][1]);

  /* While SET is 1 the clock stands still and shows what was written. */
  advance (f, 10 * NS);
  g_assert_cmphex (rd (f->rtc, SEC), ==, 0x00);
  g_assert_cmphex (rd (f->rtc, HOUR), ==, 0x08);
  g_assert_cmphex (rd (f->rtc, YEAR), ==, 0x99);
  g_assert_cmphex (rd (f->rtc, WDAY), ==, 6);

  /* Clearing SET starts it from there, as an offset from the host clock. */
  wr (f->rtc, REG_B, 0x02);
  advance (f, 5 * NS);
  g_assert_cmphex (rd (f->rtc, SEC), ==, 0x05);
  g_assert_cmphex (rd (f->rtc, MIN), ==, 0x00);
  g_assert_cmphex (rd (f->rtc, HOUR), ==, 0x08);
  g_assert_cmphex (rd (f->rtc, WDAY), ==, 6);
  g_assert_cmphex (rd (f->rtc, MDAY), ==, 0x01);
  g_assert_cmphex (rd (f->rtc, MONTH), ==, 0x01);
  g_assert_cmphex (rd (f->rtc, YEAR), ==, 0x99);
  g_assert_cmphex (rd (f->rtc, CENTURY), ==, 0x19);

  /* A write while running moves the running clock. */
  wr (f->rtc, MIN, 0x30);
  advance (f, 1 * NS);
  g_assert_cmphex (rd (f->rtc, MIN), ==, 0x30);
  g_assert_cmphex (rd (f->rtc, SEC), ==, 0x06);

  /* Written in 12-hour binary, read back in 24-hour BCD. */
  wr (f->rtc, REG_B, 0x84);
  wr (f->rtc, HOUR, 0x87);      /* 7 PM */
  wr (f->rtc, REG_B, 0x02);
  g_assert_cmphex (rd (f->rtc, HOUR), ==, 0x19);
  wr (f->rtc, REG_B, 0x80);
  wr (f->rtc, HOUR, 0x12);      /* 12 AM */
  wr (f->rtc, REG_B, 0x02);
  g_assert_cmphex (rd (f->rtc, HOUR), ==, 0x00);

  /* A date the guest got wrong is folded into a real one, not trusted. */
  wr (f->rtc, REG_B, 0x82);
  wr (f->rtc, MONTH, 0x02);
  wr (f->rtc, MDAY, 0x31);
  wr (f->rtc, REG_B, 0x02);
  g_assert_cmphex (rd (f->rtc, MONTH), ==, 0x03);
  g_assert_cmphex (rd (f->rtc, MDAY), ==, 0x03);

  /* Garbage BCD does not upset anything. */
  wr (f->rtc, REG_B, 0x82);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    wr (f->rtc, fields[i][0], 0xff);
  wr (f->rtc, REG_B, 0x02);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    rd (f->rtc, fields[i][0]);

  /* The host clock never moved: only the guest's view did. */
  g_assert_cmpint (f->now_ns, ==, (T0 + 16) * NS + NS / 2);
}

static void
test_uip (Fixture       *f,
          gconstpointer  data)
{
  f->now_ns = T0 * NS + NS / 2;
  g_assert_cmphex (rd (f->rtc, REG_A), ==, 0x26);
  /* In the last 244 µs before the second changes. */
  f->now_ns = T0 * NS + NS - 100000;
  g_assert_cmphex (rd (f->rtc, REG_A), ==, 0xa6);
  f->now_ns = T0 * NS + NS - 300000;
  g_assert_cmphex (rd (f->rtc, REG_A), ==, 0x26);
  /* No updates while SET stops the clock. */
  f->now_ns = T0 * NS + NS - 100000;
  wr (f->rtc, REG_B, 0x82);
  g_assert_cmphex (rd (f->rtc, REG_A), ==, 0x26);
}

static void
test_register_c (Fixture       *f,
                 gconstpointer  data)
{
  /* UF is set by each update even with its interrupt off, for polling. */
  advance (f, NS);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x10);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x00);
  g_assert_cmpuint (f->irq.calls, ==, 0);
  g_assert_cmpint (cmos_rtc_next_deadline (f->rtc), ==, -1);

  /* Enabling UIE gives the loop a deadline at the next second. */
  wr (f->rtc, REG_B, 0x12);
  g_assert_cmpuint (f->deadline_notified, ==, 1);
  g_assert_cmpint (cmos_rtc_next_deadline (f->rtc), ==, (T0 + 2) * NS);
  /* Early: nothing happens. */
  cmos_rtc_run_timer (f->rtc);
  g_assert_false (f->irq.level);

  advance (f, NS);
  cmos_rtc_run_timer (f->rtc);
  g_assert_true (f->irq.level);
  g_assert_cmpuint (f->irq.raises, ==, 1);
  /* Reading C returns IRQF|UF, clears them and lowers the line. */
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x90);
  g_assert_false (f->irq.level);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x00);

  /* A flag already set raises the line as soon as its enable is. */
  wr (f->rtc, REG_B, 0x02);
  advance (f, NS);
  cmos_rtc_run_timer (f->rtc);
  g_assert_false (f->irq.level);
  wr (f->rtc, REG_B, 0x12);
  g_assert_true (f->irq.level);
  g_assert_cmpuint (f->deadline_notified, ==, 2);
  /* Turning UIE off lowers it again, though UF stays set. */
  wr (f->rtc, REG_B, 0x02);
  g_assert_false (f->irq.level);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x10);

  /* Setting SET clears UIE and stops updates: no deadline. */
  wr (f->rtc, REG_B, 0x12);
  wr (f->rtc, REG_B, 0x92);
  g_assert_cmphex (rd (f->rtc, REG_B), ==, 0x82);
  g_assert_cmpint (cmos_rtc_next_deadline (f->rtc), ==, -1);
  advance (f, 3 * NS);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x00);
  wr (f->rtc, REG_B, 0x02);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x00);

  g_assert_cmpuint (f->irq.calls, ==, f->irq.raises + f->irq.lowers);
}

static void
test_alarm (Fixture       *f,
            gconstpointer  data)
{
  /* 15:09:30, four seconds from T0. */
  wr (f->rtc, SEC_ALARM, 0x30);
  wr (f->rtc, MIN_ALARM, 0x09);
  wr (f->rtc, HOUR_ALARM, 0x15);
  wr (f->rtc, REG_B, 0x22);
  g_assert_cmpuint (f->deadline_notified, ==, 1);
  g_assert_cmpint (cmos_rtc_next_deadline (f->rtc), ==, (T0 + 1) * NS);

  advance (f, 3 * NS);          /* :29 */
  cmos_rtc_run_timer (f->rtc);
  g_assert_false (f->irq.level);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x10);

  /* The timer runs late, past the alarm second: it is still noticed. */
  advance (f, 2 * NS);          /* :31 */
  cmos_rtc_run_timer (f->rtc);
  g_assert_true (f->irq.level);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0xb0);
  g_assert_false (f->irq.level);

  /* Next day, same time, with the alarm in 12-hour binary: 3 PM. */
  wr (f->rtc, REG_B, 0x20 | 0x04);
  wr (f->rtc, HOUR_ALARM, 0x83);
  wr (f->rtc, MIN_ALARM, 9);
  wr (f->rtc, SEC_ALARM, 30);
  advance (f, 86400 * NS - NS);
  cmos_rtc_run_timer (f->rtc);
  g_assert_true (f->irq.level);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0xb0);

  /* Don't-care bytes (0xc0-0xff): once a minute, at second 0. */
  wr (f->rtc, REG_B, 0x22);
  wr (f->rtc, HOUR_ALARM, 0xc0);
  wr (f->rtc, MIN_ALARM, 0xff);
  wr (f->rtc, SEC_ALARM, 0x00);
  rd (f->rtc, REG_C);
  advance (f, 29 * NS);         /* 15:09:59 */
  cmos_rtc_run_timer (f->rtc);
  g_assert_false (f->irq.level);
  advance (f, NS);              /* 15:10:00 */
  cmos_rtc_run_timer (f->rtc);
  g_assert_true (f->irq.level);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0xb0);

  /* An alarm that can never match (minute 0x99) never fires, even across
   * a host clock jump of months: the check stays bounded. */
  wr (f->rtc, MIN_ALARM, 0x99);
  advance (f, G_GINT64_CONSTANT (90) * 86400 * NS);
  cmos_rtc_run_timer (f->rtc);
  g_assert_false (f->irq.level);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x10);

  /* The host clock stepping back is not an update. */
  advance (f, -10 * NS);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x00);
}

static void
test_memory_512m (void)
{
  CmosRtc *rtc = cmos_rtc_new (NULL, 512 * MIB, 0, 1);

  /* 640 KiB of base memory. */
  g_assert_cmphex (rd (rtc, 0x15), ==, 0x80);
  g_assert_cmphex (rd (rtc, 0x16), ==, 0x02);
  /* 511 MiB above 1 MiB saturates the 16-bit KiB count. */
  g_assert_cmphex (rd (rtc, 0x17), ==, 0xff);
  g_assert_cmphex (rd (rtc, 0x18), ==, 0xff);
  g_assert_cmphex (rd (rtc, 0x30), ==, 0xff);
  g_assert_cmphex (rd (rtc, 0x31), ==, 0xff);
  /* (512 - 16) MiB in 64 KiB blocks = 7936 = 0x1f00. */
  g_assert_cmphex (rd (rtc, 0x34), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x35), ==, 0x1f);
  g_assert_cmphex (rd (rtc, 0x5b), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x5c), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x5d), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x5f), ==, 0x00);
  cmos_rtc_free (rtc);
}

static void
test_memory_4g (void)
{
  /* 4 GiB with the 32-bit hole at 3 GiB: 3 GiB below, 1 GiB above. */
  CmosRtc *rtc = cmos_rtc_new (NULL, 3 * GIB, 1 * GIB, 4);

  g_assert_cmphex (rd (rtc, 0x15), ==, 0x80);
  g_assert_cmphex (rd (rtc, 0x16), ==, 0x02);
  g_assert_cmphex (rd (rtc, 0x17), ==, 0xff);
  g_assert_cmphex (rd (rtc, 0x18), ==, 0xff);
  /* (3072 - 16) MiB in 64 KiB blocks = 48896 = 0xbf00. */
  g_assert_cmphex (rd (rtc, 0x34), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x35), ==, 0xbf);
  /* 1 GiB in 64 KiB blocks = 16384 = 0x004000. */
  g_assert_cmphex (rd (rtc, 0x5b), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x5c), ==, 0x40);
  g_assert_cmphex (rd (rtc, 0x5d), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x5f), ==, 3);
  cmos_rtc_free (rtc);
}

static void
test_memory_edges (void)
{
  CmosRtc *rtc;

  /* 16 MiB: 15 MiB of extended memory = 15360 KiB = 0x3c00, nothing above. */
  rtc = cmos_rtc_new (NULL, 16 * MIB, 0, 0);
  g_assert_cmphex (rd (rtc, 0x17), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x18), ==, 0x3c);
  g_assert_cmphex (rd (rtc, 0x30), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x31), ==, 0x3c);
  g_assert_cmphex (rd (rtc, 0x34), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x35), ==, 0x00);
  /* n_cpus 0 makes no sense; it reads as one CPU rather than wrapping. */
  g_assert_cmphex (rd (rtc, 0x5f), ==, 0);
  cmos_rtc_free (rtc);

  /* Less than 640 KiB, and counts that saturate. */
  rtc = cmos_rtc_new (NULL, 512 * KIB, G_GUINT64_CONSTANT (2) << 40, 1000);
  g_assert_cmphex (rd (rtc, 0x15), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x16), ==, 0x02);
  g_assert_cmphex (rd (rtc, 0x17), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x18), ==, 0x00);
  g_assert_cmphex (rd (rtc, 0x5b), ==, 0xff);
  g_assert_cmphex (rd (rtc, 0x5c), ==, 0xff);
  g_assert_cmphex (rd (rtc, 0x5d), ==, 0xff);
  g_assert_cmphex (rd (rtc, 0x5f), ==, 0xff);
  cmos_rtc_free (rtc);
}

static void
test_ram (Fixture       *f,
          gconstpointer  data)
{
  for (unsigned i = 0x0e; i < 0x80; i++)
    {
      if (i == CENTURY)
        continue;
      wr (f->rtc, (uint8_t) i, (uint8_t) (i ^ 0xa5));
    }
  for (unsigned i = 0x0e; i < 0x80; i++)
    {
      if (i == CENTURY)
        continue;
      g_assert_cmphex (rd (f->rtc, (uint8_t) i), ==, i ^ 0xa5);
    }

  /* The alarm bytes are plain storage too. */
  wr (f->rtc, SEC_ALARM, 0x12);
  g_assert_cmphex (rd (f->rtc, SEC_ALARM), ==, 0x12);

  /* Seeding from the host: RAM yes, clock registers no. */
  cmos_rtc_set_byte (f->rtc, 0x3d, 0x21);
  cmos_rtc_set_byte (f->rtc, 0x80 | 0x38, 0x01);
  cmos_rtc_set_byte (f->rtc, REG_B, 0x06);
  cmos_rtc_set_byte (f->rtc, CENTURY, 0x00);
  g_assert_cmphex (rd (f->rtc, 0x3d), ==, 0x21);
  g_assert_cmphex (rd (f->rtc, 0x38), ==, 0x01);
  g_assert_cmphex (rd (f->rtc, REG_B), ==, 0x02);
  g_assert_cmphex (rd (f->rtc, CENTURY), ==, 0x20);
}

static void
test_odd_accesses (Fixture       *f,
                   gconstpointer  data)
{
  /* A 16-bit write at 0x70: index in the low byte, data in the high. */
  cmos_rtc_ops.write (f->rtc, 0, 0x5540, 2);
  g_assert_cmphex (rd (f->rtc, 0x40), ==, 0x55);
  /* A 16-bit read at 0x70: floating index port, then the data. */
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 0, 2), ==, 0x55ff);
  /* Wider: the bytes past the two ports float. */
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 0, 4), ==, 0xffff55ff);
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 1, 8), ==, G_GUINT64_CONSTANT (0xffffffffffffff55));
  cmos_rtc_ops.write (f->rtc, 0, G_GUINT64_CONSTANT (0xffffffffffff6641), 8);
  g_assert_cmphex (rd (f->rtc, 0x41), ==, 0x66);

  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 2, 1), ==, 0xff);
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, UINT64_MAX, 2), ==, 0xffff);
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 1, 0), ==, 0);
  g_assert_cmphex (cmos_rtc_ops.read (f->rtc, 1, 9), ==, 0);
  cmos_rtc_ops.write (f->rtc, 2, 0x00, 1);
  cmos_rtc_ops.write (f->rtc, UINT64_MAX, 0x00, 4);
  cmos_rtc_ops.write (f->rtc, 1, 0x00, 0);
  cmos_rtc_ops.write (f->rtc, 1, 0x00, 9);
  g_assert_cmphex (rd (f->rtc, 0x41), ==, 0x66);
}

static void
test_reset (Fixture       *f,
            gconstpointer  data)
{
  wr (f->rtc, 0x50, 0x77);
  wr (f->rtc, REG_B, 0x70 | 0x08 | 0x06);
  advance (f, NS);
  cmos_rtc_run_timer (f->rtc);
  g_assert_true (f->irq.level);

  cmos_rtc_reset (f->rtc);
  g_assert_false (f->irq.level);
  g_assert_cmphex (rd (f->rtc, REG_B), ==, 0x06);
  g_assert_cmphex (rd (f->rtc, REG_C), ==, 0x00);
  g_assert_cmphex (rd (f->rtc, 0x50), ==, 0x77);
  g_assert_cmpuint (rd (f->rtc, SEC), ==, 27);

  /* A reset while the clock is being set keeps the time written so far. */
  wr (f->rtc, REG_B, 0x86);
  wr (f->rtc, MIN, 45);
  cmos_rtc_reset (f->rtc);
  g_assert_cmphex (rd (f->rtc, REG_B), ==, 0x06);
  g_assert_cmpuint (rd (f->rtc, MIN), ==, 45);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/vmm/cmos-rtc/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/vmm/cmos-rtc/new-free", test_new_free);
  ADD ("index", test_index);
  ADD ("status-defaults", test_status_defaults);
  ADD ("bcd", test_bcd);
  ADD ("binary", test_binary);
  ADD ("12-hour", test_12_hour);
  ADD ("set-time", test_set_time);
  ADD ("uip", test_uip);
  ADD ("register-c", test_register_c);
  ADD ("alarm", test_alarm);
  g_test_add_func ("/vmm/cmos-rtc/memory-512m", test_memory_512m);
  g_test_add_func ("/vmm/cmos-rtc/memory-4g", test_memory_4g);
  g_test_add_func ("/vmm/cmos-rtc/memory-edges", test_memory_edges);
  ADD ("ram", test_ram);
  ADD ("odd-accesses", test_odd_accesses);
  ADD ("reset", test_reset);

#undef ADD

  return g_test_run ();
}
