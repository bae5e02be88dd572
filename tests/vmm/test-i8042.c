/* test-i8042.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "devices/i8042.h"

#define ST_OBF      0x01
#define ST_IBF      0x02
#define ST_SYS      0x04
#define ST_A2       0x08
#define ST_UNLOCKED 0x10
#define ST_AUX_OBF  0x20

typedef struct
{
  bool     level;
  unsigned calls;
  unsigned raises;
  unsigned lowers;
} FakeIrq;

typedef struct
{
  I8042   *ctrl;
  FakeIrq  kbd;
  FakeIrq  aux;
  unsigned resets;
  uint8_t  status_in_reset;
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

static void
count_reset (void *opaque)
{
  Fixture *f = opaque;

  f->resets++;
  /* The callback runs without the device lock: calling back in must not
   * deadlock. */
  f->status_in_reset = (uint8_t) i8042_command_ops.read (f->ctrl, 0, 1);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  IrqLine kbd = { fake_irq_set, &f->kbd };
  IrqLine aux = { fake_irq_set, &f->aux };

  f->ctrl = i8042_new (&kbd, &aux, count_reset, f);
  g_assert_nonnull (f->ctrl);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  i8042_free (f->ctrl);
}

static uint8_t
status (Fixture *f)
{
  return (uint8_t) i8042_command_ops.read (f->ctrl, 0, 1);
}

static void
command (Fixture *f,
         uint8_t  cmd)
{
  i8042_command_ops.write (f->ctrl, 0, cmd, 1);
}

static uint8_t
data_read (Fixture *f)
{
  return (uint8_t) i8042_data_ops.read (f->ctrl, 0, 1);
}

static void
data_write (Fixture *f,
            uint8_t  value)
{
  i8042_data_ops.write (f->ctrl, 0, value, 1);
}

/* Issues a command that answers one byte and returns that byte, checking
 * the status register around it. */
static uint8_t
command_reply (Fixture *f,
               uint8_t  cmd)
{
  command (f, cmd);
  g_assert_cmphex (status (f) & (ST_OBF | ST_IBF | ST_A2 | ST_AUX_OBF), ==, ST_OBF | ST_A2);
  return data_read (f);
}

static void
test_new_free (void)
{
  I8042 *ctrl = i8042_new (NULL, NULL, NULL, NULL);

  g_assert_nonnull (ctrl);
  /* No lines, no reset handler: a reboot request goes nowhere. */
  i8042_command_ops.write (ctrl, 0, 0xfe, 1);
  i8042_command_ops.write (ctrl, 0, 0xaa, 1);
  g_assert_cmphex (i8042_data_ops.read (ctrl, 0, 1), ==, 0x55);
  i8042_free (ctrl);
  i8042_free (NULL);
}

static void
test_status (Fixture       *f,
             gconstpointer  data)
{
  /* Keylock open, system flag set (as after POST), nothing to read, never
   * busy. */
  g_assert_cmphex (status (f), ==, ST_UNLOCKED | ST_SYS);
  g_assert_cmpuint (f->kbd.calls + f->aux.calls, ==, 0);

  /* A2 tells which port was written last. */
  command (f, 0xad);
  g_assert_cmphex (status (f), ==, ST_UNLOCKED | ST_SYS | ST_A2);
  data_write (f, 0x00);
  g_assert_cmphex (status (f), ==, ST_UNLOCKED | ST_SYS);
}

static void
test_self_test (Fixture       *f,
                gconstpointer  data)
{
  command (f, 0xaa);
  g_assert_cmphex (status (f), ==, ST_UNLOCKED | ST_SYS | ST_A2 | ST_OBF);
  /* The default command byte enables the keyboard interrupt. */
  g_assert_true (f->kbd.level);
  g_assert_false (f->aux.level);
  g_assert_cmphex (data_read (f), ==, 0x55);
  g_assert_false (f->kbd.level);
  g_assert_cmphex (status (f) & ST_OBF, ==, 0);
  /* An empty output buffer still shows its last byte. */
  g_assert_cmphex (data_read (f), ==, 0x55);
  g_assert_cmpuint (f->kbd.raises, ==, 1);
  g_assert_cmpuint (f->kbd.lowers, ==, 1);

  /* The self-test sets the system flag. */
  command (f, 0x60);
  data_write (f, 0x00);
  g_assert_cmphex (status (f) & ST_SYS, ==, 0);
  g_assert_cmphex (command_reply (f, 0xaa), ==, 0x55);
  g_assert_cmphex (status (f) & ST_SYS, ==, ST_SYS);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x04);
}

static void
test_command_byte (Fixture       *f,
                   gconstpointer  data)
{
  /* Keyboard interrupt, system flag, translation. */
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45);

  command (f, 0x60);
  g_assert_cmphex (status (f), ==, ST_UNLOCKED | ST_SYS | ST_A2);
  data_write (f, 0x47);
  g_assert_cmphex (status (f), ==, ST_UNLOCKED | ST_SYS);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x47);

  /* The status register's SYS bit follows the command byte. */
  command (f, 0x60);
  data_write (f, 0x40);
  g_assert_cmphex (status (f), ==, ST_UNLOCKED);

  /* With the keyboard interrupt off, replies raise nothing. */
  f->kbd = (FakeIrq) { 0 };
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x40);
  g_assert_cmphex (command_reply (f, 0xab), ==, 0x00);
  g_assert_cmpuint (f->kbd.calls, ==, 0);

  /* Turning it on while a byte waits raises the line then. */
  command (f, 0xaa);
  g_assert_false (f->kbd.level);
  command (f, 0x60);
  data_write (f, 0x01);
  g_assert_true (f->kbd.level);
  g_assert_cmphex (data_read (f), ==, 0x55);
  g_assert_false (f->kbd.level);
}

static void
test_interface_tests (Fixture       *f,
                      gconstpointer  data)
{
  g_assert_cmphex (command_reply (f, 0xab), ==, 0x00);
  g_assert_cmphex (command_reply (f, 0xa9), ==, 0x00);
}

static void
test_port_enables (Fixture       *f,
                   gconstpointer  data)
{
  command (f, 0xad);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45 | 0x10);
  command (f, 0xa7);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45 | 0x10 | 0x20);
  command (f, 0xae);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45 | 0x20);
  command (f, 0xa8);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45);
}

static void
test_reset_pulse (Fixture       *f,
                  gconstpointer  data)
{
  command (f, 0xfe);
  g_assert_cmpuint (f->resets, ==, 1);
  g_assert_cmphex (f->status_in_reset, ==, ST_UNLOCKED | ST_SYS | ST_A2);
  command (f, 0xff);
  g_assert_cmpuint (f->resets, ==, 1);

  /* Every pulse command with bit 0 clear resets; the others pulse lines
   * that do nothing. */
  for (unsigned cmd = 0xf0; cmd <= 0xff; cmd++)
    command (f, (uint8_t) cmd);
  g_assert_cmpuint (f->resets, ==, 1 + 8);

  /* None of them leaves anything to read. */
  g_assert_cmphex (status (f) & ST_OBF, ==, 0);
}

static void
test_reset_outport (Fixture       *f,
                    gconstpointer  data)
{
  /* Reset line released, A20 on. */
  g_assert_cmphex (command_reply (f, 0xd0), ==, 0x03);

  command (f, 0xd1);
  data_write (f, 0x03);
  g_assert_cmpuint (f->resets, ==, 0);

  command (f, 0xd1);
  g_assert_cmpuint (f->resets, ==, 0);
  data_write (f, 0x02);
  g_assert_cmpuint (f->resets, ==, 1);
  /* The machine restarts rather than hanging in reset: the line reads as
   * released again. */
  g_assert_cmphex (command_reply (f, 0xd0), ==, 0x03);

  /* Other bits are kept; A20 off changes nothing else. */
  command (f, 0xd1);
  data_write (f, 0x01);
  g_assert_cmpuint (f->resets, ==, 1);
  g_assert_cmphex (command_reply (f, 0xd0), ==, 0x01);
}

static void
test_write_output_buffer (Fixture       *f,
                          gconstpointer  data)
{
  /* Both interrupts on. */
  command (f, 0x60);
  data_write (f, 0x47);

  command (f, 0xd2);
  data_write (f, 0x12);
  command (f, 0xd3);
  data_write (f, 0x34);

  /* The keyboard byte is first: IRQ1, AUX_OBF clear. */
  g_assert_cmphex (status (f) & (ST_OBF | ST_AUX_OBF), ==, ST_OBF);
  g_assert_true (f->kbd.level);
  g_assert_false (f->aux.level);
  g_assert_cmphex (data_read (f), ==, 0x12);

  /* Then the aux byte: IRQ12, AUX_OBF set. */
  g_assert_cmphex (status (f) & (ST_OBF | ST_AUX_OBF), ==, ST_OBF | ST_AUX_OBF);
  g_assert_false (f->kbd.level);
  g_assert_true (f->aux.level);
  g_assert_cmphex (data_read (f), ==, 0x34);
  g_assert_cmphex (status (f) & (ST_OBF | ST_AUX_OBF), ==, 0);
  g_assert_false (f->aux.level);
  g_assert_cmpuint (f->aux.raises, ==, 1);

  /* With the aux interrupt off, aux bytes raise nothing. */
  command (f, 0x60);
  data_write (f, 0x45);
  command (f, 0xd3);
  data_write (f, 0x5a);
  g_assert_cmphex (status (f) & (ST_OBF | ST_AUX_OBF), ==, ST_OBF | ST_AUX_OBF);
  g_assert_false (f->aux.level);
  g_assert_false (f->kbd.level);
  g_assert_cmphex (data_read (f), ==, 0x5a);
  g_assert_cmpuint (f->aux.raises, ==, 1);
}

static void
test_no_devices (Fixture       *f,
                 gconstpointer  data)
{
  /* A keyboard command (reset) and a mouse command (0xD4, enable): no device
   * answers, nothing appears. */
  data_write (f, 0xff);
  g_assert_cmphex (status (f) & ST_OBF, ==, 0);
  command (f, 0xd4);
  data_write (f, 0xf4);
  g_assert_cmphex (status (f) & ST_OBF, ==, 0);
  /* Unknown controller commands are ignored too. */
  command (f, 0xc0);
  command (f, 0xa4);
  command (f, 0x00);
  g_assert_cmphex (status (f) & ST_OBF, ==, 0);
  g_assert_cmpuint (f->kbd.calls + f->aux.calls, ==, 0);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45);
}

static void
test_pending_aborted (Fixture       *f,
                      gconstpointer  data)
{
  /* A command waiting for its data byte is abandoned by the next command;
   * the byte after that goes to the keyboard instead. */
  command (f, 0x60);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45);
  data_write (f, 0x00);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45);

  command (f, 0xd1);
  command (f, 0xad);
  data_write (f, 0x00);
  g_assert_cmpuint (f->resets, ==, 0);
}

static void
test_queue_bounded (Fixture       *f,
                    gconstpointer  data)
{
  unsigned n = 0;

  /* A guest that asks and never reads cannot grow anything. */
  for (unsigned i = 0; i < 1000; i++)
    command (f, 0x20);
  while ((status (f) & ST_OBF) && n < 1000)
    {
      g_assert_cmphex (data_read (f), ==, 0x45);
      n++;
    }
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, 16);
  g_assert_false (f->kbd.level);
}

static void
test_ram (Fixture       *f,
          gconstpointer  data)
{
  for (unsigned i = 1; i < 32; i++)
    {
      command (f, (uint8_t) (0x60 + i));
      data_write (f, (uint8_t) (0x80 + i));
    }
  for (unsigned i = 1; i < 32; i++)
    g_assert_cmphex (command_reply (f, (uint8_t) (0x20 + i)), ==, 0x80 + i);
  /* Byte 0 is the command byte. */
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45);
}

static void
test_odd_accesses (Fixture       *f,
                   gconstpointer  data)
{
  /* Each port is one byte; wider reads see a floating bus above it. */
  g_assert_cmphex (i8042_command_ops.read (f->ctrl, 0, 2), ==, 0xff14);
  g_assert_cmphex (i8042_command_ops.read (f->ctrl, 0, 8), ==,
                   G_GUINT64_CONSTANT (0xffffffffffffff14));
  g_assert_cmphex (i8042_command_ops.read (f->ctrl, 1, 1), ==, 0xff);
  g_assert_cmphex (i8042_data_ops.read (f->ctrl, UINT64_MAX, 4), ==, 0xffffffff);
  g_assert_cmphex (i8042_data_ops.read (f->ctrl, 0, 0), ==, 0);
  g_assert_cmphex (i8042_data_ops.read (f->ctrl, 0, 9), ==, 0);

  /* Writes beyond the port, or of no size, do nothing. */
  i8042_command_ops.write (f->ctrl, 1, 0xfe, 1);
  i8042_command_ops.write (f->ctrl, 0, 0xfe, 0);
  i8042_command_ops.write (f->ctrl, 0, 0xfe, 9);
  g_assert_cmpuint (f->resets, ==, 0);
  g_assert_cmphex (status (f) & ST_A2, ==, 0);

  /* A wide write uses its low byte. */
  i8042_command_ops.write (f->ctrl, 0, 0xffffffaa, 4);
  g_assert_cmphex (data_read (f), ==, 0x55);
}

static void
test_reset (Fixture       *f,
            gconstpointer  data)
{
  command (f, 0x60);
  data_write (f, 0x03);
  command (f, 0xd3);
  data_write (f, 0x11);
  command (f, 0xd1);
  data_write (f, 0x01);
  command (f, 0xd1);
  g_assert_true (f->aux.level);

  i8042_reset (f->ctrl);
  g_assert_false (f->aux.level);
  g_assert_false (f->kbd.level);
  g_assert_cmphex (status (f), ==, ST_UNLOCKED | ST_SYS);
  /* The pending 0xD1 is gone: this byte does not reach the output port. */
  data_write (f, 0x00);
  g_assert_cmpuint (f->resets, ==, 0);
  g_assert_cmphex (command_reply (f, 0x20), ==, 0x45);
  g_assert_cmphex (command_reply (f, 0xd0), ==, 0x03);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/vmm/i8042/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/vmm/i8042/new-free", test_new_free);
  ADD ("status", test_status);
  ADD ("self-test", test_self_test);
  ADD ("command-byte", test_command_byte);
  ADD ("interface-tests", test_interface_tests);
  ADD ("port-enables", test_port_enables);
  ADD ("reset-pulse", test_reset_pulse);
  ADD ("reset-outport", test_reset_outport);
  ADD ("write-output-buffer", test_write_output_buffer);
  ADD ("no-devices", test_no_devices);
  ADD ("pending-aborted", test_pending_aborted);
  ADD ("queue-bounded", test_queue_bounded);
  ADD ("ram", test_ram);
  ADD ("odd-accesses", test_odd_accesses);
  ADD ("reset", test_reset);

#undef ADD

  return g_test_run ();
}
