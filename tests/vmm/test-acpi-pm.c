/* test-acpi-pm.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <time.h>

#include <glib.h>

#include "devices/acpi-pm.h"

#define NS_PER_SEC  G_GUINT64_CONSTANT (1000000000)

/* The bits the spec defines in PM1_EN, all of which read back. */
#define PM1_EN_DEFINED  0x4721u

typedef struct
{
  AcpiPm   *pm;
  bool      sci;
  unsigned  sci_changes;
  unsigned  sleeps;
  unsigned  slp_typ;
  uint64_t  sts_seen_by_sci;   /* PM1_STS read from inside the SCI callback */
  bool      reenter;
} Machine;

static void
record_sci (void *opaque,
            bool  level)
{
  Machine *m = opaque;

  if (level != m->sci)
    m->sci_changes++;
  m->sci = level;
  /* An interrupt controller may call back into the device at once. */
  if (m->reenter)
    m->sts_seen_by_sci = acpi_pm_pm1_evt_ops.read (m->pm, 0, 2);
}

static void
record_sleep (void     *opaque,
              unsigned  slp_typ)
{
  Machine *m = opaque;

  m->sleeps++;
  m->slp_typ = slp_typ;
}

static void
machine_init (Machine *m)
{
  IrqLine sci = { record_sci, m };

  *m = (Machine) { 0 };
  m->pm = acpi_pm_new (&sci, record_sleep, m);
  g_assert_nonnull (m->pm);
}

static uint64_t
pm1_read (Machine  *m,
          uint64_t  offset,
          unsigned  size)
{
  return acpi_pm_pm1_evt_ops.read (m->pm, offset, size);
}

static void
pm1_write (Machine  *m,
           uint64_t  offset,
           uint64_t  value,
           unsigned  size)
{
  acpi_pm_pm1_evt_ops.write (m->pm, offset, value, size);
}

static uint64_t
cnt_read (Machine *m)
{
  return acpi_pm_pm1_cnt_ops.read (m->pm, 0, 2);
}

static void
cnt_write (Machine  *m,
           uint64_t  offset,
           uint64_t  value,
           unsigned  size)
{
  acpi_pm_pm1_cnt_ops.write (m->pm, offset, value, size);
}

static uint64_t
gpe_read (Machine  *m,
          uint64_t  offset,
          unsigned  size)
{
  return acpi_pm_gpe0_ops.read (m->pm, offset, size);
}

static void
gpe_write (Machine  *m,
           uint64_t  offset,
           uint64_t  value,
           unsigned  size)
{
  acpi_pm_gpe0_ops.write (m->pm, offset, value, size);
}

static uint32_t
tmr_read (AcpiPm *pm)
{
  return acpi_pm_tmr_ops.read (pm, 0, 4);
}

static void
test_power_on_state (void)
{
  Machine m;

  machine_init (&m);
  g_assert_cmphex (pm1_read (&m, 0, 4), ==, 0);
  g_assert_cmphex (cnt_read (&m), ==, ACPI_PM1_CNT_SCI_EN);
  g_assert_cmphex (gpe_read (&m, 0, 4), ==, 0);
  g_assert_false (m.sci);
  g_assert_cmpuint (m.sci_changes, ==, 0);
  g_assert_false (acpi_pm_power_button_enabled (m.pm));
  acpi_pm_free (m.pm);
}

static void
test_power_button (void)
{
  Machine m;

  machine_init (&m);

  /* Before the OS enables the event, a press is latched but silent. */
  acpi_pm_press_power_button (m.pm);
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, ACPI_PM1_PWRBTN_STS);
  g_assert_false (m.sci);
  g_assert_false (acpi_pm_power_button_enabled (m.pm));

  /* The OS clears stale status, then enables the event, as ACPICA does. */
  pm1_write (&m, 0, ACPI_PM1_PWRBTN_STS, 2);
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, 0);
  pm1_write (&m, 2, ACPI_PM1_PWRBTN_EN, 2);
  g_assert_true (acpi_pm_power_button_enabled (m.pm));
  g_assert_false (m.sci);

  acpi_pm_press_power_button (m.pm);
  g_assert_true (m.sci);
  g_assert_cmpuint (m.sci_changes, ==, 1);

  /* Writing 0, or 1 to other bits, clears nothing. */
  pm1_write (&m, 0, 0, 2);
  pm1_write (&m, 0, (uint16_t) ~ACPI_PM1_PWRBTN_STS, 2);
  g_assert_true (m.sci);
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, ACPI_PM1_PWRBTN_STS);

  /* Write-1-to-clear drops the line. */
  pm1_write (&m, 0, ACPI_PM1_PWRBTN_STS, 2);
  g_assert_false (m.sci);
  g_assert_cmpuint (m.sci_changes, ==, 2);

  /* Pressing twice before the OS answers still takes one clear. */
  acpi_pm_press_power_button (m.pm);
  acpi_pm_press_power_button (m.pm);
  g_assert_true (m.sci);
  g_assert_cmpuint (m.sci_changes, ==, 3);

  /* Disabling the event with the status set lowers the SCI; enabling it
   * again raises it. */
  pm1_write (&m, 2, 0, 2);
  g_assert_false (m.sci);
  g_assert_false (acpi_pm_power_button_enabled (m.pm));
  pm1_write (&m, 2, ACPI_PM1_PWRBTN_EN, 2);
  g_assert_true (m.sci);

  acpi_pm_free (m.pm);
}

static void
test_pm1_widths (void)
{
  Machine m;

  machine_init (&m);

  /* A byte write to PM1_EN's high byte sets PWRBTN_EN (bit 8). */
  pm1_write (&m, 3, 0x01, 1);
  g_assert_true (acpi_pm_power_button_enabled (m.pm));
  acpi_pm_press_power_button (m.pm);

  /* The dword view is STS | EN << 16; narrower reads see their bytes. */
  g_assert_cmphex (pm1_read (&m, 0, 4), ==, ACPI_PM1_PWRBTN_STS | ACPI_PM1_PWRBTN_EN << 16);
  g_assert_cmphex (pm1_read (&m, 0, 1), ==, 0x00);
  g_assert_cmphex (pm1_read (&m, 1, 1), ==, 0x01);
  g_assert_cmphex (pm1_read (&m, 2, 2), ==, ACPI_PM1_PWRBTN_EN);
  g_assert_cmphex (pm1_read (&m, 3, 1), ==, 0x01);
  g_assert_cmphex (pm1_read (&m, 1, 2), ==, 0x0001);

  /* A byte write to the low half of PM1_EN leaves the high half alone. */
  pm1_write (&m, 2, 0x00, 1);
  g_assert_true (acpi_pm_power_button_enabled (m.pm));

  /* One dword write can clear status and set enables at once. */
  pm1_write (&m, 0, ACPI_PM1_PWRBTN_STS | (uint32_t) ACPI_PM1_PWRBTN_EN << 16, 4);
  g_assert_cmphex (pm1_read (&m, 0, 4), ==, ACPI_PM1_PWRBTN_EN << 16);
  g_assert_false (m.sci);

  /* Only the enable bits the spec defines stick. */
  pm1_write (&m, 2, 0xffff, 2);
  g_assert_cmphex (pm1_read (&m, 2, 2), ==, PM1_EN_DEFINED);

  /* Status bits cannot be set by writing 1 to them. */
  pm1_write (&m, 0, 0xffff, 2);
  g_assert_cmphex (pm1_read (&m, 0, 2) & ~ACPI_PM1_TMR_STS, ==, 0);

  acpi_pm_free (m.pm);
}

static void
test_sleep (void)
{
  Machine m;

  machine_init (&m);

  /* Linux writes SLP_TYP first, then SLP_TYP | SLP_EN. */
  cnt_write (&m, 0, ACPI_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT, 2);
  g_assert_cmpuint (m.sleeps, ==, 0);
  cnt_write (&m, 0, 5 << ACPI_PM1_CNT_SLP_TYP_SHIFT, 2);
  g_assert_cmpuint (m.sleeps, ==, 0);
  g_assert_cmphex (cnt_read (&m), ==, ACPI_PM1_CNT_SCI_EN | 5 << ACPI_PM1_CNT_SLP_TYP_SHIFT);

  cnt_write (&m, 0, ACPI_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN, 2);
  g_assert_cmpuint (m.sleeps, ==, 1);
  g_assert_cmpuint (m.slp_typ, ==, ACPI_SLP_TYP_S5);
  /* SLP_EN reads 0; SCI_EN cannot be cleared. */
  g_assert_cmphex (cnt_read (&m), ==, ACPI_PM1_CNT_SCI_EN);
  cnt_write (&m, 0, 0, 2);
  g_assert_cmphex (cnt_read (&m), ==, ACPI_PM1_CNT_SCI_EN);

  /* Another type is passed on for the VMM to refuse; the guest sees an
   * immediate wake-up. */
  cnt_write (&m, 0, 1 << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN, 2);
  g_assert_cmpuint (m.sleeps, ==, 2);
  g_assert_cmpuint (m.slp_typ, ==, 1);
  g_assert_cmphex (pm1_read (&m, 0, 2) & ACPI_PM1_WAK_STS, ==, ACPI_PM1_WAK_STS);
  pm1_write (&m, 1, ACPI_PM1_WAK_STS >> 8, 1);
  g_assert_cmphex (pm1_read (&m, 0, 2) & ACPI_PM1_WAK_STS, ==, 0);
  g_assert_false (m.sci);

  /* Byte accesses: SLP_TYP and SLP_EN live in the high byte. */
  cnt_write (&m, 0, 0xff, 1);
  g_assert_cmpuint (m.sleeps, ==, 2);
  cnt_write (&m, 1, (7u << 2) | (1u << 5), 1);
  g_assert_cmpuint (m.sleeps, ==, 3);
  g_assert_cmpuint (m.slp_typ, ==, 7);
  g_assert_cmphex (acpi_pm_pm1_cnt_ops.read (m.pm, 1, 1), ==, 7u << 2);
  g_assert_cmphex (acpi_pm_pm1_cnt_ops.read (m.pm, 0, 1), ==, ACPI_PM1_CNT_SCI_EN);

  /* A byte write to the high byte replaces SLP_TYP with the byte's. */
  cnt_write (&m, 1, 1u << 5, 1);
  g_assert_cmpuint (m.sleeps, ==, 4);
  g_assert_cmpuint (m.slp_typ, ==, ACPI_SLP_TYP_S5);

  acpi_pm_free (m.pm);

  /* No callback: a sleep request is harmless. */
  m.pm = acpi_pm_new (NULL, NULL, NULL);
  cnt_write (&m, 0, ACPI_PM1_CNT_SLP_EN, 2);
  acpi_pm_free (m.pm);
}

static void
test_gpe (void)
{
  Machine m;

  machine_init (&m);

  acpi_pm_raise_gpe (m.pm, ACPI_GPE_CPU_HOTPLUG);
  g_assert_cmphex (gpe_read (&m, 0, 2), ==, 1u << ACPI_GPE_CPU_HOTPLUG);
  g_assert_false (m.sci);

  /* Enabling another GPE does nothing; enabling the raised one (a byte
   * write to GPE0_EN's low byte) raises the SCI. */
  gpe_write (&m, 2, 0x01, 1);
  g_assert_false (m.sci);
  gpe_write (&m, 2, 0x01 | 1u << ACPI_GPE_CPU_HOTPLUG, 1);
  g_assert_true (m.sci);
  g_assert_cmphex (gpe_read (&m, 0, 4), ==,
                   1u << ACPI_GPE_CPU_HOTPLUG | (0x01u | 1u << ACPI_GPE_CPU_HOTPLUG) << 16);

  /* Clearing another status bit leaves it; clearing this one drops it. */
  gpe_write (&m, 0, 0xfffb, 2);
  g_assert_true (m.sci);
  gpe_write (&m, 0, 1u << ACPI_GPE_CPU_HOTPLUG, 1);
  g_assert_false (m.sci);
  g_assert_cmphex (gpe_read (&m, 0, 2), ==, 0);

  /* The high GPE of the block, through its high bytes. */
  acpi_pm_raise_gpe (m.pm, 15);
  g_assert_cmphex (gpe_read (&m, 1, 1), ==, 0x80);
  gpe_write (&m, 3, 0x80, 1);
  g_assert_true (m.sci);
  g_assert_cmphex (gpe_read (&m, 2, 2), ==, 0x8005);
  gpe_write (&m, 1, 0x80, 1);
  g_assert_false (m.sci);

  /* GPEs past the block do not exist. */
  acpi_pm_raise_gpe (m.pm, ACPI_N_GPE0);
  acpi_pm_raise_gpe (m.pm, G_MAXUINT);
  g_assert_cmphex (gpe_read (&m, 0, 2), ==, 0);

  /* The SCI is shared: it stays up while any source is. */
  pm1_write (&m, 2, ACPI_PM1_PWRBTN_EN, 2);
  acpi_pm_press_power_button (m.pm);
  acpi_pm_raise_gpe (m.pm, 0);
  g_assert_true (m.sci);
  pm1_write (&m, 0, ACPI_PM1_PWRBTN_STS, 2);
  g_assert_true (m.sci);
  gpe_write (&m, 0, 0x0001, 2);
  g_assert_false (m.sci);

  acpi_pm_free (m.pm);
}

static void
test_sci_callback_reenters (void)
{
  Machine m;

  machine_init (&m);
  m.reenter = true;
  pm1_write (&m, 2, ACPI_PM1_PWRBTN_EN, 2);
  acpi_pm_press_power_button (m.pm);
  g_assert_true (m.sci);
  g_assert_cmphex (m.sts_seen_by_sci & ACPI_PM1_PWRBTN_STS, ==, ACPI_PM1_PWRBTN_STS);
  acpi_pm_free (m.pm);
}

static void
test_reset (void)
{
  Machine m;

  machine_init (&m);
  pm1_write (&m, 2, ACPI_PM1_PWRBTN_EN, 2);
  acpi_pm_press_power_button (m.pm);
  gpe_write (&m, 2, 0xffff, 2);
  acpi_pm_raise_gpe (m.pm, 3);
  cnt_write (&m, 0, 3 << ACPI_PM1_CNT_SLP_TYP_SHIFT, 2);
  g_assert_true (m.sci);

  acpi_pm_reset (m.pm);
  g_assert_false (m.sci);
  g_assert_cmphex (pm1_read (&m, 0, 4) & ~ACPI_PM1_TMR_STS, ==, 0);
  g_assert_cmphex (gpe_read (&m, 0, 4), ==, 0);
  g_assert_cmphex (cnt_read (&m), ==, ACPI_PM1_CNT_SCI_EN);
  g_assert_false (acpi_pm_power_button_enabled (m.pm));
  acpi_pm_free (m.pm);
}

static int64_t
monotonic_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * (int64_t) NS_PER_SEC + ts.tv_nsec;
}

/* Whole PM timer ticks in ns nanoseconds (ns < 1 s). */
static uint64_t
ticks_in (int64_t ns)
{
  return (uint64_t) ns * ACPI_PM_TIMER_HZ / NS_PER_SEC;
}

static void
test_timer_rate (void)
{
  AcpiPm *pm = acpi_pm_new (NULL, NULL, NULL);
  int64_t before_first, after_first, before_last, after_last;
  uint32_t first, last, previous, elapsed;

  /* The counter only moves forward (modulo 2^24). */
  previous = tmr_read (pm);
  for (unsigned i = 0; i < 10000; i++)
    {
      uint32_t now = tmr_read (pm);

      g_assert_cmpuint (now, <=, 0xffffff);
      g_assert_cmpuint ((now - previous) & 0xffffff, <, 1u << 23);
      previous = now;
    }

  /* Its rate, against the same clock, over 20 ms of spinning: the ticks
   * between two reads lie between those of the shortest and the longest
   * span the reads can have been apart, give or take the rounding. */
  before_first = monotonic_ns ();
  first = tmr_read (pm);
  after_first = monotonic_ns ();
  do
    before_last = monotonic_ns ();
  while (before_last - after_first < 20 * 1000 * 1000);
  last = tmr_read (pm);
  after_last = monotonic_ns ();

  elapsed = (last - first) & 0xffffff;
  g_assert_cmpuint (elapsed + 1, >=, ticks_in (before_last - after_first));
  g_assert_cmpuint (elapsed, <=, ticks_in (after_last - before_first) + 1);
  g_assert_cmpuint (elapsed, >=, ACPI_PM_TIMER_HZ / 50 - 1);

  acpi_pm_free (pm);
}

static int64_t
fake_now (void *opaque)
{
  return *(int64_t *) opaque;
}

/* The first nanosecond at which the timer has counted ticks ticks. */
static int64_t
ns_for_ticks (uint64_t ticks)
{
  return (ticks * NS_PER_SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

static void
test_timer_wrap_and_status (void)
{
  Machine m;
  int64_t now = G_GINT64_CONSTANT (123456789);
  int64_t origin = now;

  machine_init (&m);
  acpi_pm_set_clock (m.pm, fake_now, &now);
  g_assert_cmphex (tmr_read (m.pm), ==, 0);

  now = origin + ns_for_ticks (0x123456);
  g_assert_cmphex (tmr_read (m.pm), ==, 0x123456);
  g_assert_cmphex (acpi_pm_tmr_ops.read (m.pm, 0, 1), ==, 0x56);
  g_assert_cmphex (acpi_pm_tmr_ops.read (m.pm, 1, 2), ==, 0x1234);
  g_assert_cmphex (acpi_pm_tmr_ops.read (m.pm, 3, 1), ==, 0);
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, 0);

  /* Bit 23 turning on sets TMR_STS. */
  now = origin + ns_for_ticks (0x800000) - 1;
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, 0);
  now = origin + ns_for_ticks (0x800000);
  g_assert_cmphex (tmr_read (m.pm), ==, 0x800000);
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, ACPI_PM1_TMR_STS);

  /* TMR_EN is kept, but the overflow interrupt is not generated. */
  pm1_write (&m, 2, 0x0001, 2);
  g_assert_cmphex (pm1_read (&m, 2, 2), ==, 0x0001);
  g_assert_false (m.sci);

  /* Cleared, it stays clear until bit 23 changes again, at the wrap. */
  pm1_write (&m, 0, ACPI_PM1_TMR_STS, 2);
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, 0);
  now = origin + ns_for_ticks (0xffffff);
  g_assert_cmphex (tmr_read (m.pm), ==, 0xffffff);
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, 0);
  now = origin + ns_for_ticks (0x1000005);
  g_assert_cmphex (tmr_read (m.pm), ==, 0x000005);
  g_assert_cmphex (pm1_read (&m, 0, 2), ==, ACPI_PM1_TMR_STS);

  /* Days in, the count is still exact (no overflow in the scaling). */
  now = origin + G_GINT64_CONSTANT (86400) * (int64_t) NS_PER_SEC;
  g_assert_cmphex (tmr_read (m.pm), ==, (G_GUINT64_CONSTANT (86400) * ACPI_PM_TIMER_HZ) & 0xffffff);

  /* Writes to the timer do nothing. */
  acpi_pm_tmr_ops.write (m.pm, 0, 0, 4);
  g_assert_cmphex (tmr_read (m.pm), ==, (G_GUINT64_CONSTANT (86400) * ACPI_PM_TIMER_HZ) & 0xffffff);

  acpi_pm_free (m.pm);
}

typedef struct
{
  const IoBusOps *ops;
  unsigned        len;
} Block;

static void
test_hostile_accesses (void)
{
  const Block blocks[] = {
    { &acpi_pm_pm1_evt_ops, ACPI_PM1_EVT_LEN },
    { &acpi_pm_pm1_cnt_ops, ACPI_PM1_CNT_LEN },
    { &acpi_pm_tmr_ops,     ACPI_PM_TMR_LEN },
    { &acpi_pm_gpe0_ops,    ACPI_GPE0_LEN },
  };
  const unsigned sizes[] = { 0, 1, 2, 3, 4, 8, 16 };
  const uint64_t far_offsets[] = { 4, 5, 64, G_MAXUINT32, G_MAXUINT64 - 1, G_MAXUINT64 };
  Machine m;

  machine_init (&m);
  pm1_write (&m, 2, ACPI_PM1_PWRBTN_EN, 2);
  acpi_pm_press_power_button (m.pm);
  acpi_pm_raise_gpe (m.pm, 1);

  for (unsigned b = 0; b < G_N_ELEMENTS (blocks); b++)
    for (unsigned s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        unsigned size = sizes[s];
        bool valid_size = size == 1 || size == 2 || size == 4;

        /* Accesses that do not fit the block read 0 and write nothing. */
        for (uint64_t offset = 0; offset < blocks[b].len + 2; offset++)
          if (!valid_size || offset + size > blocks[b].len)
            {
              g_assert_cmphex (blocks[b].ops->read (m.pm, offset, size), ==, 0);
              blocks[b].ops->write (m.pm, offset, G_MAXUINT64, size);
            }
        for (unsigned f = 0; f < G_N_ELEMENTS (far_offsets); f++)
          {
            g_assert_cmphex (blocks[b].ops->read (m.pm, far_offsets[f], size), ==, 0);
            blocks[b].ops->write (m.pm, far_offsets[f], G_MAXUINT64, size);
          }
      }

  g_assert_cmpuint (m.sleeps, ==, 0);
  g_assert_cmphex (pm1_read (&m, 0, 4) & ~ACPI_PM1_TMR_STS, ==, ACPI_PM1_PWRBTN_STS | ACPI_PM1_PWRBTN_EN << 16);
  g_assert_cmphex (gpe_read (&m, 0, 4), ==, 0x0002);
  g_assert_true (m.sci);

  /* Every valid offset and width of the read-only timer and of the control
   * register, written with all ones: nothing but SLP_TYP changes there. */
  for (uint64_t offset = 0; offset < ACPI_PM_TMR_LEN; offset++)
    for (unsigned size = 1; offset + size <= ACPI_PM_TMR_LEN; size *= 2)
      acpi_pm_tmr_ops.write (m.pm, offset, G_MAXUINT64, size);
  g_assert_cmpuint (tmr_read (m.pm), <=, 0xffffff);
  cnt_write (&m, 0, 0xffff & ~ACPI_PM1_CNT_SLP_EN, 2);
  g_assert_cmphex (cnt_read (&m), ==, ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_SLP_TYP_MASK);
  g_assert_cmpuint (m.sleeps, ==, 0);

  acpi_pm_free (m.pm);
  acpi_pm_free (NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vmm/acpi-pm/power-on-state", test_power_on_state);
  g_test_add_func ("/vmm/acpi-pm/power-button", test_power_button);
  g_test_add_func ("/vmm/acpi-pm/pm1-widths", test_pm1_widths);
  g_test_add_func ("/vmm/acpi-pm/sleep", test_sleep);
  g_test_add_func ("/vmm/acpi-pm/gpe", test_gpe);
  g_test_add_func ("/vmm/acpi-pm/sci-callback-reenters", test_sci_callback_reenters);
  g_test_add_func ("/vmm/acpi-pm/reset", test_reset);
  g_test_add_func ("/vmm/acpi-pm/timer-rate", test_timer_rate);
  g_test_add_func ("/vmm/acpi-pm/timer-wrap-and-status", test_timer_wrap_and_status);
  g_test_add_func ("/vmm/acpi-pm/hostile-accesses", test_hostile_accesses);

  return g_test_run ();
}
