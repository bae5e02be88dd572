/* test-serial-8250.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <pthread.h>

#include "devices/serial-8250.h"

enum
{
  RBR = 0, THR = 0, DLL = 0,
  IER = 1, DLM = 1,
  IIR = 2, FCR = 2,
  LCR = 3,
  MCR = 4,
  LSR = 5,
  MSR = 6,
  SCR = 7,
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
  Serial8250 *uart;
  FakeIrq     irq;
  GByteArray *out;
  gint        notified;     /* atomic: the threads test notifies from several threads */
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
sink_write (void          *opaque,
            const uint8_t *buf,
            size_t         len)
{
  /* The device writes to its sink without holding its lock, so two vCPUs
   * can be in here at once; a real sink (a file descriptor) copes, a
   * GByteArray needs help. */
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

  pthread_mutex_lock (&lock);
  g_byte_array_append (opaque, buf, (guint) len);
  pthread_mutex_unlock (&lock);
}

static void
count_notify (void *opaque)
{
  Fixture *f = opaque;

  g_atomic_int_inc (&f->notified);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  IrqLine irq = { fake_irq_set, &f->irq };
  ByteSink out;

  f->out = g_byte_array_new ();
  out = (ByteSink) { sink_write, f->out };
  f->uart = serial_8250_new (&irq, &out);
  g_assert_nonnull (f->uart);
  serial_8250_set_rx_notify (f->uart, count_notify, f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  serial_8250_free (f->uart);
  g_byte_array_unref (f->out);
}

static uint8_t
rd (Fixture  *f,
    unsigned  reg)
{
  return (uint8_t) serial_8250_ops.read (f->uart, reg, 1);
}

static void
wr (Fixture  *f,
    unsigned  reg,
    uint8_t   value)
{
  serial_8250_ops.write (f->uart, reg, value, 1);
}

static void
test_new_free (void)
{
  Serial8250 *uart = serial_8250_new (NULL, NULL);

  g_assert_nonnull (uart);
  /* Without a sink or a line, everything still works and goes nowhere. */
  serial_8250_ops.write (uart, THR, 'x', 1);
  serial_8250_ops.write (uart, IER, 0x0f, 1);
  serial_8250_ops.write (uart, MCR, 0x08, 1);
  g_assert_cmpuint (serial_8250_ops.read (uart, IIR, 1), ==, 0x02);
  serial_8250_free (uart);
  serial_8250_free (NULL);
}

static void
test_reset_values (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmphex (rd (f, IER), ==, 0x00);
  g_assert_cmphex (rd (f, IIR), ==, 0x01);
  g_assert_cmphex (rd (f, LCR), ==, 0x00);
  g_assert_cmphex (rd (f, MCR), ==, 0x00);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
  /* A peer that is always ready: CTS, DSR and DCD, no ring, no deltas. */
  g_assert_cmphex (rd (f, MSR), ==, 0xb0);
  g_assert_cmpuint (f->irq.calls, ==, 0);

  /* Dirty everything, then reset. */
  wr (f, LCR, 0x03);
  wr (f, MCR, 0x1f);
  wr (f, IER, 0x0f);
  wr (f, FCR, 0xc1);
  wr (f, SCR, 0x5a);
  serial_8250_reset (f->uart);
  g_assert_cmphex (rd (f, IER), ==, 0x00);
  g_assert_cmphex (rd (f, IIR), ==, 0x01);
  g_assert_cmphex (rd (f, LCR), ==, 0x00);
  g_assert_cmphex (rd (f, MCR), ==, 0x00);
  g_assert_cmphex (rd (f, MSR), ==, 0xb0);
  g_assert_cmphex (rd (f, SCR), ==, 0x5a);
  g_assert_false (f->irq.level);
}

static void
test_divisor_latch (Fixture       *f,
                    gconstpointer  data)
{
  wr (f, IER, 0x05);
  wr (f, LCR, 0x83);
  wr (f, DLL, 0x01);
  wr (f, DLM, 0x02);
  g_assert_cmphex (rd (f, DLL), ==, 0x01);
  g_assert_cmphex (rd (f, DLM), ==, 0x02);
  g_assert_cmphex (rd (f, LCR), ==, 0x83);
  /* With DLAB set, offset 0 is the latch, not the transmitter. */
  g_assert_cmpuint (f->out->len, ==, 0);

  wr (f, LCR, 0x03);
  g_assert_cmphex (rd (f, IER), ==, 0x05);
  wr (f, IER, 0x00);
  wr (f, THR, 'A');
  g_assert_cmpuint (f->out->len, ==, 1);

  wr (f, LCR, 0x83);
  g_assert_cmphex (rd (f, DLL), ==, 0x01);
  g_assert_cmphex (rd (f, DLM), ==, 0x02);
  wr (f, LCR, 0x03);
  g_assert_cmphex (rd (f, IER), ==, 0x00);

  /* The latch survives a master reset, as on the real part. */
  serial_8250_reset (f->uart);
  wr (f, LCR, 0x80);
  g_assert_cmphex (rd (f, DLL), ==, 0x01);
  g_assert_cmphex (rd (f, DLM), ==, 0x02);
}

static void
test_scratch (Fixture       *f,
              gconstpointer  data)
{
  static const uint8_t patterns[] = { 0x00, 0x55, 0xaa, 0xff, 0xa5 };

  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      wr (f, SCR, patterns[i]);
      g_assert_cmphex (rd (f, SCR), ==, patterns[i]);
    }
  /* DLAB does not hide it. */
  wr (f, LCR, 0x80);
  g_assert_cmphex (rd (f, SCR), ==, 0xa5);
}

static void
test_transmit (Fixture       *f,
               gconstpointer  data)
{
  wr (f, LCR, 0x03);
  wr (f, THR, 'h');
  wr (f, THR, 'i');
  g_assert_cmpmem (f->out->data, f->out->len, "hi", 2);
  /* Instantaneous transmit: holding register and shifter empty again. */
  g_assert_cmphex (rd (f, LSR), ==, 0x60);

  /* Seven data bits: bit 7 never goes on the wire. */
  wr (f, LCR, 0x02);
  wr (f, THR, 0xff);
  g_assert_cmpuint (f->out->len, ==, 3);
  g_assert_cmphex (f->out->data[2], ==, 0x7f);
  /* Five data bits. */
  wr (f, LCR, 0x00);
  wr (f, THR, 0xff);
  g_assert_cmphex (f->out->data[3], ==, 0x1f);

  /* LSR and MSR are read-only. */
  wr (f, LSR, 0x00);
  wr (f, MSR, 0x00);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
  g_assert_cmphex (rd (f, MSR), ==, 0xb0);
}

static void
test_loopback (Fixture       *f,
               gconstpointer  data)
{
  const uint8_t from_host = 'h';

  wr (f, LCR, 0x03);
  rd (f, MSR);

  /* Linux's probe: RTS and OUT2 in loopback must show as CTS and DCD. */
  wr (f, MCR, 0x10 | 0x0a);
  g_assert_cmphex (rd (f, MCR), ==, 0x1a);
  g_assert_cmphex (rd (f, MSR) & 0xf0, ==, 0x90);

  /* DTR → DSR, OUT1 → RI. CTS and DCD drop, DSR and RI rise: three deltas,
   * because RI reports only its trailing edge. */
  wr (f, MCR, 0x10 | 0x01 | 0x04);
  g_assert_cmphex (rd (f, MSR), ==, 0x60 | 0x01 | 0x02 | 0x08);
  /* Deltas clear on read. */
  g_assert_cmphex (rd (f, MSR), ==, 0x60);
  /* RI going away is a trailing edge: TERI. */
  wr (f, MCR, 0x10 | 0x01);
  g_assert_cmphex (rd (f, MSR), ==, 0x20 | 0x04);
  /* RI rising is not reported. */
  wr (f, MCR, 0x10 | 0x01 | 0x04);
  g_assert_cmphex (rd (f, MSR), ==, 0x60);

  /* Transmitted bytes come back to the receiver instead of the sink. */
  wr (f, FCR, 0x01);
  wr (f, THR, 'x');
  wr (f, THR, 'y');
  g_assert_cmpuint (f->out->len, ==, 0);
  g_assert_cmphex (rd (f, LSR), ==, 0x61);
  g_assert_cmphex (rd (f, RBR), ==, 'x');
  g_assert_cmphex (rd (f, RBR), ==, 'y');
  g_assert_cmphex (rd (f, LSR), ==, 0x60);

  /* The line input is cut off in loopback. */
  g_assert_cmpuint (serial_8250_receive (f->uart, &from_host, 1), ==, 0);
  g_assert_cmpuint (serial_8250_rx_space (f->uart), ==, 0);

  /* Interrupts work inside the chip but never reach the PIC: OUT2 is forced
   * inactive. */
  wr (f, MCR, 0x10 | 0x08);
  wr (f, IER, 0x0f);
  wr (f, THR, 'z');
  g_assert_cmphex (rd (f, IIR) & 0x01, ==, 0x00);
  g_assert_false (f->irq.level);
  g_assert_cmpuint (f->irq.raises, ==, 0);

  /* Leaving loopback: the modem lines come back, and the host, refused
   * above, is told once the receiver has been drained. */
  g_assert_cmpint (f->notified, ==, 0);
  wr (f, IER, 0x00);
  wr (f, MCR, 0x00);
  g_assert_cmphex (rd (f, MSR) & 0xf0, ==, 0xb0);
  g_assert_cmpint (f->notified, ==, 0);
  g_assert_cmphex (rd (f, RBR), ==, 'z');
  g_assert_cmpint (f->notified, ==, 1);
  g_assert_cmpuint (serial_8250_receive (f->uart, &from_host, 1), ==, 1);
  g_assert_cmphex (rd (f, RBR), ==, 'h');
  g_assert_cmpint (f->notified, ==, 1);
}

static void
test_loopback_overrun (Fixture       *f,
                       gconstpointer  data)
{
  wr (f, LCR, 0x03);
  wr (f, FCR, 0x07);
  wr (f, MCR, 0x10);
  for (unsigned i = 0; i < SERIAL_8250_FIFO_SIZE; i++)
    wr (f, THR, (uint8_t) i);
  g_assert_cmphex (rd (f, LSR), ==, 0x61);
  wr (f, IER, 0x04);
  wr (f, THR, 0xee);
  g_assert_cmphex (rd (f, IIR), ==, 0xc6);
  g_assert_cmphex (rd (f, LSR), ==, 0x63);
  /* Reading LSR cleared OE and the line status interrupt. */
  g_assert_cmphex (rd (f, LSR), ==, 0x61);
  g_assert_cmphex (rd (f, IIR), ==, 0xc1);
  /* The FIFO kept the first sixteen; the seventeenth was lost. */
  for (unsigned i = 0; i < SERIAL_8250_FIFO_SIZE; i++)
    g_assert_cmphex (rd (f, RBR), ==, i);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
}

static void
test_fifo_trigger (Fixture       *f,
                   gconstpointer  data)
{
  uint8_t buf[32];

  for (unsigned i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t) (0x40 + i);

  wr (f, LCR, 0x03);
  wr (f, FCR, 0xc7);            /* FIFO on, both reset, trigger 14 */
  wr (f, IER, 0x01);
  wr (f, MCR, 0x08);
  g_assert_cmphex (rd (f, IIR), ==, 0xc1);
  g_assert_cmpuint (serial_8250_rx_space (f->uart), ==, 16);

  /* Below the trigger level: reported as a character timeout. */
  g_assert_cmpuint (serial_8250_receive (f->uart, buf, 13), ==, 13);
  g_assert_cmphex (rd (f, IIR), ==, 0xcc);
  g_assert_true (f->irq.level);
  g_assert_cmpuint (f->irq.raises, ==, 1);

  /* At the trigger level: received data available. */
  g_assert_cmpuint (serial_8250_receive (f->uart, buf + 13, 1), ==, 1);
  g_assert_cmphex (rd (f, IIR), ==, 0xc4);

  /* Only as much as fits is taken; nothing is lost and no overrun is
   * flagged. */
  g_assert_cmpuint (serial_8250_receive (f->uart, buf + 14, 5), ==, 2);
  g_assert_cmpuint (serial_8250_rx_space (f->uart), ==, 0);
  g_assert_cmpuint (serial_8250_receive (f->uart, buf + 16, 1), ==, 0);
  g_assert_cmphex (rd (f, LSR), ==, 0x61);

  for (unsigned i = 0; i < 16; i++)
    {
      g_assert_cmpint (f->notified, ==, 0);
      g_assert_cmphex (rd (f, RBR), ==, buf[i]);
    }
  /* Drained: the host is told once, and the interrupt goes away. */
  g_assert_cmpint (f->notified, ==, 1);
  g_assert_cmphex (rd (f, IIR), ==, 0xc1);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
  g_assert_false (f->irq.level);
  g_assert_cmpuint (f->irq.lowers, ==, 1);
  /* RBR keeps showing the last byte once empty. */
  g_assert_cmphex (rd (f, RBR), ==, buf[15]);
  g_assert_cmpint (f->notified, ==, 1);

  /* The other trigger levels. */
  {
    static const struct { uint8_t fcr; unsigned level; } triggers[] = {
      { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 },
    };

    for (guint t = 0; t < G_N_ELEMENTS (triggers); t++)
      {
        wr (f, FCR, triggers[t].fcr | 0x02);
        for (unsigned n = 1; n <= 16; n++)
          {
            g_assert_cmpuint (serial_8250_receive (f->uart, buf, 1), ==, 1);
            g_assert_cmphex (rd (f, IIR), ==, n >= triggers[t].level ? 0xc4 : 0xcc);
          }
      }
  }
}

static void
test_fifo_modes (Fixture       *f,
                 gconstpointer  data)
{
  const uint8_t abc[] = "abc";

  wr (f, LCR, 0x03);
  wr (f, FCR, 0x01);
  g_assert_cmpuint (serial_8250_receive (f->uart, abc, 3), ==, 3);

  /* The receive reset bit empties the FIFO and clears itself. */
  wr (f, FCR, 0x03);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
  g_assert_cmphex (rd (f, IIR), ==, 0xc1);
  g_assert_cmpuint (serial_8250_rx_space (f->uart), ==, 16);

  /* Bits other than FCR0 are ignored while FCR0 is written as 0, and
   * dropping FCR0 empties the FIFO: a 16450 with a single holding register. */
  g_assert_cmpuint (serial_8250_receive (f->uart, abc, 3), ==, 3);
  wr (f, FCR, 0xc0);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
  g_assert_cmphex (rd (f, IIR), ==, 0x01);
  g_assert_cmpuint (serial_8250_rx_space (f->uart), ==, 1);
  g_assert_cmpuint (serial_8250_receive (f->uart, abc, 3), ==, 1);
  wr (f, IER, 0x01);
  /* No FIFO bits, and one byte is "received data available", not a timeout. */
  g_assert_cmphex (rd (f, IIR), ==, 0x04);
  g_assert_cmphex (rd (f, RBR), ==, 'a');
  g_assert_cmpint (f->notified, ==, 1);

  /* Turning FIFOs on empties the holding register too. */
  g_assert_cmpuint (serial_8250_receive (f->uart, abc + 1, 2), ==, 1);
  wr (f, FCR, 0x01);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
  g_assert_cmpint (f->notified, ==, 2);
}

static void
test_thre (Fixture       *f,
           gconstpointer  data)
{
  wr (f, LCR, 0x03);
  wr (f, MCR, 0x08);
  g_assert_cmphex (rd (f, IIR), ==, 0x01);

  /* Enabling ETBEI with THR empty asserts the interrupt. */
  wr (f, IER, 0x02);
  g_assert_true (f->irq.level);
  g_assert_cmphex (rd (f, IIR), ==, 0x02);
  /* Reading IIR while THRE is reported acknowledged it. */
  g_assert_false (f->irq.level);
  g_assert_cmphex (rd (f, IIR), ==, 0x01);

  /* Rewriting IER with ETBEI still set does not bring it back... */
  wr (f, IER, 0x02);
  g_assert_cmphex (rd (f, IIR), ==, 0x01);
  /* ...turning it off and on again does (Linux's startup test)... */
  wr (f, IER, 0x00);
  wr (f, IER, 0x02);
  g_assert_cmphex (rd (f, IIR), ==, 0x02);
  g_assert_cmphex (rd (f, IIR), ==, 0x01);
  /* ...and so does sending a byte: the transmitter empties again at once. */
  wr (f, THR, 'a');
  g_assert_true (f->irq.level);
  g_assert_cmphex (rd (f, IIR), ==, 0x02);
  g_assert_false (f->irq.level);

  /* A pending THRE is not acknowledged by an IIR read that reports
   * something else. */
  wr (f, THR, 'b');
  wr (f, IER, 0x03);
  serial_8250_receive (f->uart, (const uint8_t *) "r", 1);
  g_assert_cmphex (rd (f, IIR), ==, 0x04);
  g_assert_cmphex (rd (f, IIR), ==, 0x04);
  rd (f, RBR);
  g_assert_cmphex (rd (f, IIR), ==, 0x02);
  g_assert_cmphex (rd (f, IIR), ==, 0x01);

  /* THRE while ETBEI is off is not reported. */
  wr (f, IER, 0x00);
  wr (f, THR, 'c');
  g_assert_cmphex (rd (f, IIR), ==, 0x01);
  g_assert_false (f->irq.level);
  g_assert_cmpmem (f->out->data, f->out->len, "abc", 3);
}

static void
test_priorities (Fixture       *f,
                 gconstpointer  data)
{
  wr (f, LCR, 0x03);
  wr (f, FCR, 0x01);            /* trigger 1 */
  /* Pass through loopback to leave modem status deltas behind. */
  wr (f, MCR, 0x10);
  wr (f, MCR, 0x08);
  g_assert_cmphex (rd (f, IIR), ==, 0xc1);

  wr (f, IER, 0x0f);            /* THRE pending from here */
  serial_8250_receive (f->uart, (const uint8_t *) "d", 1);
  serial_8250_signal_overrun (f->uart);

  /* Line status first; reading LSR clears it. */
  g_assert_cmphex (rd (f, IIR), ==, 0xc6);
  g_assert_true (f->irq.level);
  g_assert_cmphex (rd (f, LSR), ==, 0x63);
  /* Then received data; reading the byte clears it. */
  g_assert_cmphex (rd (f, IIR), ==, 0xc4);
  g_assert_cmphex (rd (f, RBR), ==, 'd');
  /* Then THRE; the IIR read that reports it clears it. */
  g_assert_cmphex (rd (f, IIR), ==, 0xc2);
  /* Then modem status; reading MSR clears it. */
  g_assert_cmphex (rd (f, IIR), ==, 0xc0);
  g_assert_true (f->irq.level);
  g_assert_cmphex (rd (f, MSR) & 0x0f, !=, 0);
  g_assert_cmphex (rd (f, IIR), ==, 0xc1);
  g_assert_false (f->irq.level);

  /* A character timeout outranks THRE. */
  wr (f, FCR, 0x41);            /* trigger 4 */
  wr (f, THR, 'x');
  serial_8250_receive (f->uart, (const uint8_t *) "e", 1);
  g_assert_cmphex (rd (f, IIR), ==, 0xcc);
  rd (f, RBR);
  g_assert_cmphex (rd (f, IIR), ==, 0xc2);

  /* Disabled sources are not reported at all. */
  wr (f, IER, 0x00);
  serial_8250_receive (f->uart, (const uint8_t *) "f", 1);
  serial_8250_signal_overrun (f->uart);
  g_assert_cmphex (rd (f, IIR), ==, 0xc1);
  g_assert_false (f->irq.level);
}

static void
test_out2_gating (Fixture       *f,
                  gconstpointer  data)
{
  wr (f, LCR, 0x03);
  wr (f, IER, 0x01);
  serial_8250_receive (f->uart, (const uint8_t *) "g", 1);
  /* The UART has an interrupt pending, but OUT2 keeps it from the PIC. */
  g_assert_cmphex (rd (f, IIR), ==, 0x04);
  g_assert_cmpuint (f->irq.calls, ==, 0);

  wr (f, MCR, 0x0b);            /* DTR, RTS, OUT2 as Linux sets them */
  g_assert_true (f->irq.level);
  g_assert_cmpuint (f->irq.raises, ==, 1);
  wr (f, MCR, 0x03);
  g_assert_false (f->irq.level);
  wr (f, MCR, 0x0b);
  g_assert_true (f->irq.level);
  /* OUT1 alone does nothing on a PC. */
  wr (f, MCR, 0x07);
  g_assert_false (f->irq.level);
  wr (f, MCR, 0x0b);
  rd (f, RBR);
  g_assert_false (f->irq.level);
  /* Only changes reach the line. */
  g_assert_cmpuint (f->irq.calls, ==, f->irq.raises + f->irq.lowers);
  g_assert_cmpuint (f->irq.raises, ==, 3);
}

/* The probe Linux's 8250 driver runs (autoconfig() and autoconfig_16550a()
 * in drivers/tty/serial/8250/8250_port.c), step by step, with the checks that
 * decide the port type; then the THRE test from serial8250_do_startup(). */
static void
test_linux_autoconfig (Fixture       *f,
                       gconstpointer  data)
{
  uint8_t save_ier, save_mcr, save_lcr, status1, status2, iir1, iir;

  /* Existence test: IER bits 0-3 hold what is written. */
  save_ier = rd (f, IER);
  wr (f, IER, 0x00);
  g_assert_cmphex (rd (f, IER) & 0x0f, ==, 0x00);
  wr (f, IER, 0x0f);
  g_assert_cmphex (rd (f, IER) & 0x0f, ==, 0x0f);
  wr (f, IER, save_ier);

  /* Loopback test: RTS|OUT2 must read back as CTS|DCD. */
  save_mcr = rd (f, MCR);
  save_lcr = rd (f, LCR);
  wr (f, MCR, 0x10 | 0x0a);
  g_assert_cmphex (rd (f, MSR) & 0xf0, ==, 0x90);
  wr (f, MCR, save_mcr);

  /* EFR (offset 2 under LCR 0xBF) is FCR on a 16550A. */
  wr (f, LCR, 0xbf);
  wr (f, 2, 0x00);
  wr (f, LCR, 0x00);
  wr (f, FCR, 0x01);
  /* IIR bits 7:6 = 3: a 16550A with working FIFOs. */
  g_assert_cmphex (rd (f, IIR) >> 6, ==, 3);

  /* autoconfig_16550a(): no EFR under LCR 0x80 or 0xBF (the reads see IIR,
   * which is non-zero with FIFOs on)... */
  wr (f, LCR, 0x80);
  g_assert_cmphex (rd (f, 2), !=, 0);
  wr (f, LCR, 0xbf);
  g_assert_cmphex (rd (f, 2), !=, 0);

  /* ...not a National SuperIO (IIR bit 4 never follows MCR.LOOP)... */
  wr (f, LCR, 0x00);
  status1 = rd (f, MCR);
  wr (f, LCR, 0xe0);
  status2 = rd (f, 2);
  if (!((status2 ^ status1) & 0x10))
    {
      wr (f, LCR, 0x00);
      wr (f, MCR, status1 ^ 0x10);
      wr (f, LCR, 0xe0);
      status2 = rd (f, 2);
      wr (f, LCR, 0x00);
      wr (f, MCR, status1);
      g_assert_false ((status2 ^ status1) & 0x10);
    }

  /* ...not a 16750 (no 64-byte FIFO bit in IIR)... */
  wr (f, LCR, 0x00);
  wr (f, FCR, 0x01 | 0x20);
  status1 = rd (f, IIR) >> 5;
  wr (f, FCR, 0x01);
  wr (f, LCR, 0x80);
  wr (f, FCR, 0x01 | 0x20);
  status2 = rd (f, IIR) >> 5;
  wr (f, FCR, 0x01);
  wr (f, LCR, 0x00);
  g_assert_false (status1 == 6 && status2 == 7);
  g_assert_cmphex (status1, ==, 6);

  /* ...and not an XScale (IER bit 6 does not stick). */
  save_ier = rd (f, IER);
  wr (f, IER, save_ier | 0x40);
  g_assert_cmphex (rd (f, IER) & 0x40, ==, 0);
  wr (f, IER, save_ier);

  /* The 8250/16450 scratch test, for good measure. */
  wr (f, SCR, 0xa5);
  status1 = rd (f, SCR);
  wr (f, SCR, 0x5a);
  status2 = rd (f, SCR);
  g_assert_cmphex (status1, ==, 0xa5);
  g_assert_cmphex (status2, ==, 0x5a);

  /* Put it back as found. */
  wr (f, LCR, save_lcr);
  wr (f, MCR, save_mcr);
  wr (f, FCR, 0x01);
  wr (f, FCR, 0x07);
  wr (f, FCR, 0x00);
  rd (f, RBR);
  wr (f, IER, 0x00);

  /* serial8250_do_startup(): clear interrupts, refuse an LSR of 0xff. */
  rd (f, LSR);
  rd (f, RBR);
  rd (f, IIR);
  rd (f, MSR);
  g_assert_cmphex (rd (f, LSR), !=, 0xff);

  /* The THRE test: a real 16550 reasserts THRE when ETBEI is enabled again
   * after the interrupt was cleared. Failing sets UART_BUG_THRE. */
  wr (f, LCR, 0x03);
  wr (f, MCR, 0x0b);
  g_assert_true (rd (f, LSR) & 0x20);
  wr (f, IER, 0x02);
  iir1 = rd (f, IIR);
  wr (f, IER, 0x00);
  wr (f, IER, 0x02);
  iir = rd (f, IIR);
  wr (f, IER, 0x00);
  g_assert_false (!(iir1 & 0x01) && (iir & 0x01));
  g_assert_cmphex (iir1, ==, 0x02);
  g_assert_cmphex (iir, ==, 0x02);
  g_assert_false (f->irq.level);
}

static void
test_odd_accesses (Fixture       *f,
                   gconstpointer  data)
{
  /* A 16-bit write at LCR sets LCR and MCR, low byte first. */
  serial_8250_ops.write (f->uart, LCR, 0x0b03, 2);
  g_assert_cmphex (rd (f, LCR), ==, 0x03);
  g_assert_cmphex (rd (f, MCR), ==, 0x0b);
  g_assert_cmphex (serial_8250_ops.read (f->uart, LCR, 2), ==, 0x0b03);

  /* A 32-bit read at offset 6: MSR, SCR, then two bytes of nothing. */
  wr (f, SCR, 0x42);
  g_assert_cmphex (serial_8250_ops.read (f->uart, MSR, 4), ==, 0xffff42b0);

  /* Outside the device, or sizes no CPU makes. */
  g_assert_cmphex (serial_8250_ops.read (f->uart, 8, 1), ==, 0xff);
  g_assert_cmphex (serial_8250_ops.read (f->uart, UINT64_MAX, 4), ==, 0xffffffff);
  g_assert_cmphex (serial_8250_ops.read (f->uart, 0, 0), ==, 0);
  g_assert_cmphex (serial_8250_ops.read (f->uart, 0, 16), ==, 0);
  serial_8250_ops.write (f->uart, 8, 0xff, 1);
  serial_8250_ops.write (f->uart, UINT64_MAX, 0xff, 4);
  serial_8250_ops.write (f->uart, 0, 0xff, 0);
  serial_8250_ops.write (f->uart, 0, 0xff, 16);
  g_assert_cmpuint (f->out->len, ==, 0);

  /* An 8-byte write touches all eight registers once, in order: THR gets
   * 0x41 and leaves, IER 0, FCR 0, LCR 3, MCR 0, LSR/MSR ignored, SCR 0x99. */
  serial_8250_ops.write (f->uart, 0, 0x9900000003000041ull, 8);
  g_assert_cmpmem (f->out->data, f->out->len, "A", 1);
  g_assert_cmphex (rd (f, LCR), ==, 0x03);
  g_assert_cmphex (rd (f, SCR), ==, 0x99);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
  /* And an 8-byte read at 0 reads them all. */
  g_assert_cmphex (serial_8250_ops.read (f->uart, 0, 8), ==, 0x99b0600003010000ull);
}

typedef struct
{
  Serial8250 *uart;
  unsigned    isr_runs;
  unsigned    lowered;
  GString    *got;
} IsrData;

/* A line whose raising runs the guest's interrupt handler right there, on
 * the raising thread, inside the device's own call: the device must not hold
 * its lock while it drives the line. */
static void
isr_irq_set (void *opaque,
             bool  level)
{
  IsrData *d = opaque;

  if (!level)
    {
      d->lowered++;
      return;
    }

  d->isr_runs++;
  for (unsigned pass = 0; pass < 64; pass++)
    {
      uint8_t iir = (uint8_t) serial_8250_ops.read (d->uart, IIR, 1);

      if (iir & 0x01)
        break;
      switch (iir & 0x0e)
        {
        case 0x04:
        case 0x0c:
          while (serial_8250_ops.read (d->uart, LSR, 1) & 0x01)
            g_string_append_c (d->got, (char) serial_8250_ops.read (d->uart, RBR, 1));
          break;
        case 0x06:
          serial_8250_ops.read (d->uart, LSR, 1);
          break;
        case 0x00:
          serial_8250_ops.read (d->uart, MSR, 1);
          break;
        default:
          break;                /* THRE: the IIR read acknowledged it */
        }
    }
}

static void
test_irq_reentry (void)
{
  IsrData d = { NULL, 0, 0, g_string_new (NULL) };
  IrqLine irq = { isr_irq_set, &d };

  d.uart = serial_8250_new (&irq, NULL);
  serial_8250_ops.write (d.uart, LCR, 0x03, 1);
  serial_8250_ops.write (d.uart, FCR, 0x81, 1);
  serial_8250_ops.write (d.uart, MCR, 0x0b, 1);
  serial_8250_ops.write (d.uart, IER, 0x03, 1);
  /* Enabling ETBEI raised THRE and the handler took it. */
  g_assert_cmpuint (d.isr_runs, ==, 1);
  g_assert_cmpuint (d.lowered, ==, 1);

  g_assert_cmpuint (serial_8250_receive (d.uart, (const uint8_t *) "hello", 5), ==, 5);
  g_assert_cmpstr (d.got->str, ==, "hello");
  g_assert_cmpuint (d.isr_runs, ==, 2);
  g_assert_cmpuint (d.lowered, ==, 2);
  g_assert_cmphex (serial_8250_ops.read (d.uart, IIR, 1), ==, 0xc1);

  serial_8250_free (d.uart);
  g_string_free (d.got, TRUE);
}

typedef struct
{
  Serial8250    *uart;
  const uint8_t *rest;
  size_t         rest_len;
  size_t         taken;
} NotifyData;

static void
refill_notify (void *opaque)
{
  NotifyData *d = opaque;

  /* The host resumes reading from inside the notification. */
  d->taken += serial_8250_receive (d->uart, d->rest + d->taken, d->rest_len - d->taken);
}

static void
test_notify_reentry (void)
{
  const uint8_t input[] = "0123456789abcdefXYZ";
  NotifyData d = { NULL, input, sizeof input - 1, 0 };
  GString *got = g_string_new (NULL);

  d.uart = serial_8250_new (NULL, NULL);
  serial_8250_set_rx_notify (d.uart, refill_notify, &d);
  serial_8250_ops.write (d.uart, FCR, 0x01, 1);
  serial_8250_ops.write (d.uart, LCR, 0x03, 1);

  d.taken = serial_8250_receive (d.uart, input, d.rest_len);
  g_assert_cmpuint (d.taken, ==, 16);

  /* A polling guest drains it; the last read lets the host in again. */
  while (serial_8250_ops.read (d.uart, LSR, 1) & 0x01)
    g_string_append_c (got, (char) serial_8250_ops.read (d.uart, RBR, 1));
  g_assert_cmpuint (d.taken, ==, d.rest_len);
  g_assert_cmpstr (got->str, ==, (const char *) input);

  serial_8250_free (d.uart);
  g_string_free (got, TRUE);
}

typedef struct
{
  Fixture *f;
  unsigned n;
} ThreadData;

static gpointer
writer_thread (gpointer data)
{
  ThreadData *td = data;

  for (unsigned i = 0; i < td->n; i++)
    {
      wr (td->f, THR, 'w');
      rd (td->f, IIR);
      rd (td->f, LSR);
    }
  return NULL;
}

static gpointer
host_thread (gpointer data)
{
  ThreadData *td = data;
  unsigned sent = 0;

  while (sent < td->n)
    {
      if (serial_8250_receive (td->f->uart, (const uint8_t *) "h", 1) == 1)
        sent++;
      else
        g_thread_yield ();
    }
  return NULL;
}

static gpointer
reader_thread (gpointer data)
{
  ThreadData *td = data;
  unsigned got = 0;

  while (got < td->n)
    {
      if (rd (td->f, LSR) & 0x01)
        {
          g_assert_cmphex (rd (td->f, RBR), ==, 'h');
          got++;
        }
      else
        {
          g_thread_yield ();
        }
    }
  return NULL;
}

/* vCPUs and the host call in at once. Nothing may be lost or duplicated, and
 * once everyone is done the line must agree with the registers. */
static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  ThreadData td = { f, 2000 };
  GThread *threads[4];

  wr (f, LCR, 0x03);
  wr (f, FCR, 0x81);
  wr (f, MCR, 0x0b);
  wr (f, IER, 0x03);

  threads[0] = g_thread_new ("writer-1", writer_thread, &td);
  threads[1] = g_thread_new ("writer-2", writer_thread, &td);
  threads[2] = g_thread_new ("host", host_thread, &td);
  threads[3] = g_thread_new ("reader", reader_thread, &td);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpuint (f->out->len, ==, 2 * td.n);
  g_assert_cmphex (rd (f, LSR), ==, 0x60);
  g_assert_cmpuint (f->irq.calls, ==, f->irq.raises + f->irq.lowers);
  /* Only THRE can be left; whether it is depends on the last IIR read. */
  g_assert_cmpint (f->irq.level, ==, (rd (f, IIR) & 0x01) == 0);
  g_assert_false (f->irq.level);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/vmm/serial-8250/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/vmm/serial-8250/new-free", test_new_free);
  ADD ("reset-values", test_reset_values);
  ADD ("divisor-latch", test_divisor_latch);
  ADD ("scratch", test_scratch);
  ADD ("transmit", test_transmit);
  ADD ("loopback", test_loopback);
  ADD ("loopback-overrun", test_loopback_overrun);
  ADD ("fifo-trigger", test_fifo_trigger);
  ADD ("fifo-modes", test_fifo_modes);
  ADD ("thre", test_thre);
  ADD ("priorities", test_priorities);
  ADD ("out2-gating", test_out2_gating);
  ADD ("linux-autoconfig", test_linux_autoconfig);
  ADD ("odd-accesses", test_odd_accesses);
  ADD ("threads", test_threads);
  g_test_add_func ("/vmm/serial-8250/irq-reentry", test_irq_reentry);
  g_test_add_func ("/vmm/serial-8250/notify-reentry", test_notify_reentry);

#undef ADD

  return g_test_run ();
}
