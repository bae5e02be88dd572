/* serial.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Polled output on a 16550 UART. The VMM's UART is a real register model, so this does what a
 * driver for the real chip does: program the line, then wait for THRE before every byte. */

#include "guest.h"

#define UART_THR 0 /* transmit holding register (DLAB = 0) */
#define UART_DLL 0 /* divisor latch, low byte (DLAB = 1) */
#define UART_IER 1 /* interrupt enable (DLAB = 0) */
#define UART_DLM 1 /* divisor latch, high byte (DLAB = 1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define UART_LCR_8N1  0x03
#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear both */
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

/* 115200 baud from the 1.8432 MHz reference clock. */
#define UART_DIVISOR 1

/* A 16550 at 115200 baud empties its 16-byte FIFO in under 2 ms; a second means the model is
 * broken, and then it is better to say so and carry on than to hang until the runner's timeout
 * with nothing to show. */
#define UART_THRE_TIMEOUT_US 1000000

static unsigned int thre_timeouts;

void
serial_init (void)
{
  /* Polled: the guests run with interrupts off and want none from the UART. */
  outb (SERIAL_COM1 + UART_IER, 0x00);
  outb (SERIAL_COM1 + UART_LCR, UART_LCR_DLAB);
  outb (SERIAL_COM1 + UART_DLL, UART_DIVISOR & 0xff);
  outb (SERIAL_COM1 + UART_DLM, UART_DIVISOR >> 8);
  outb (SERIAL_COM1 + UART_LCR, UART_LCR_8N1);
  outb (SERIAL_COM1 + UART_FCR, UART_FCR_ENABLE_CLEAR);
  outb (SERIAL_COM1 + UART_MCR, UART_MCR_DTR_RTS);
}

/* Waits until the line status register shows bit; a timeout counts as a UART error. */
static void
serial_wait (uint8_t bit)
{
  if (!(inb (SERIAL_COM1 + UART_LSR) & bit))
    {
      /* Only now read the TSC: on the fast path a byte costs two port accesses and no more. */
      uint64_t deadline = deadline_after_us (UART_THRE_TIMEOUT_US);

      while (!(inb (SERIAL_COM1 + UART_LSR) & bit))
        {
          if (deadline_passed (deadline))
            {
              thre_timeouts++;
              break;
            }
          cpu_relax ();
        }
    }
}

void
serial_putc (char c)
{
  serial_wait (UART_LSR_THRE);
  outb (SERIAL_COM1 + UART_THR, (uint8_t) c);
}

void
serial_flush (void)
{
  serial_wait (UART_LSR_TEMT);
}

unsigned int
serial_error_count (void)
{
  return thre_timeouts;
}
