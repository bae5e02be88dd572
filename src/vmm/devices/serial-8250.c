/* serial-8250.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "serial-8250.h"

/* Register offsets. With LCR.DLAB set, offsets 0 and 1 reach the divisor
 * latch instead of RBR/THR and IER. */
enum
{
  REG_DATA = 0,               /* RBR (read), THR (write), DLL */
  REG_IER  = 1,               /* IER, DLM */
  REG_IIR  = 2,               /* IIR (read), FCR (write) */
  REG_LCR  = 3,
  REG_MCR  = 4,
  REG_LSR  = 5,
  REG_MSR  = 6,
  REG_SCR  = 7,
};

#define IER_ERBFI  0x01         /* received data available */
#define IER_ETBEI  0x02         /* transmitter holding register empty */
#define IER_ELSI   0x04         /* receiver line status */
#define IER_EDSSI  0x08         /* modem status */
#define IER_MASK   0x0f         /* bits 4-7 do not exist on a 16550A; Linux checks they read 0 */

#define IIR_NONE   0x01
#define IIR_MSI    0x00
#define IIR_THRE   0x02
#define IIR_RDA    0x04
#define IIR_RLS    0x06
#define IIR_CTI    0x0c
#define IIR_FIFO   0xc0

#define FCR_ENABLE    0x01
#define FCR_RX_RESET  0x02
#define FCR_TX_RESET  0x04
#define FCR_DMA_MODE  0x08
#define FCR_TRIGGER   0xc0

#define LCR_WLS    0x03
#define LCR_DLAB   0x80

#define MCR_DTR    0x01
#define MCR_RTS    0x02
#define MCR_OUT1   0x04
#define MCR_OUT2   0x08
#define MCR_LOOP   0x10
#define MCR_MASK   0x1f

#define LSR_DR     0x01
#define LSR_OE     0x02
#define LSR_PE     0x04
#define LSR_FE     0x08
#define LSR_BI     0x10
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS   0x01
#define MSR_DDSR   0x02
#define MSR_TERI   0x04
#define MSR_DDCD   0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS    0x10
#define MSR_DSR    0x20
#define MSR_RI     0x40
#define MSR_DCD    0x80

/* What the far end of the cable shows when not in loopback: a null-modem peer
 * that is always ready (CTS, DSR, carrier present, never ringing). */
#define MSR_LINES_CONNECTED (MSR_CTS | MSR_DSR | MSR_DCD)

/* A guest can ask for at most an 8-byte access; this bounds the bytes a
 * single write can transmit. */
#define MAX_ACCESS 8

struct Serial8250
{
  pthread_mutex_t lock;
  IrqLine         irq;
  ByteSink        out;

  void          (*rx_notify) (void *opaque);
  void           *rx_notify_data;

  uint8_t         rx_fifo[SERIAL_8250_FIFO_SIZE];
  unsigned        rx_head;
  unsigned        rx_count;
  uint8_t         rbr;            /* the last byte read; RBR keeps showing it once empty */
  bool            rx_waiting;     /* the host was refused input and waits for room */

  uint8_t         ier;
  uint8_t         fcr;
  uint8_t         lcr;
  uint8_t         mcr;
  uint8_t         lsr_errors;
  uint8_t         msr;
  uint8_t         scr;
  uint8_t         dll;
  uint8_t         dlm;
  bool            thre_pending;

  uint8_t         iir_id;         /* the highest-priority pending source, from update_irq */
  bool            irq_level;      /* what the registers ask of the line */
  bool            irq_applied;    /* what the line was last set to */
  bool            irq_delivering; /* a thread is busy bringing the line up to date */
};

static unsigned
serial_8250_rx_capacity (const Serial8250 *uart)
{
  /* With FIFOs off the part behaves like a 16450: a single holding register. */
  return (uart->fcr & FCR_ENABLE) ? SERIAL_8250_FIFO_SIZE : 1;
}

static unsigned
serial_8250_rx_trigger (const Serial8250 *uart)
{
  static const unsigned levels[4] = { 1, 4, 8, 14 };

  if (!(uart->fcr & FCR_ENABLE))
    return 1;
  return levels[(uart->fcr & FCR_TRIGGER) >> 6];
}

static uint8_t
serial_8250_word_mask (const Serial8250 *uart)
{
  /* 5 to 8 data bits: the bits above the word length never go on the wire. */
  return (uint8_t) (0xff >> (3 - (uart->lcr & LCR_WLS)));
}

/* Recomputes the pending interrupt and the level the line should have. Runs
 * after every register change, with the lock held; it only computes, the line
 * itself is driven from serial_8250_unlock(). */
static void
serial_8250_update_irq (Serial8250 *uart)
{
  uint8_t id = IIR_NONE;

  if ((uart->ier & IER_ELSI) && (uart->lsr_errors & LSR_ERRORS))
    id = IIR_RLS;
  else if ((uart->ier & IER_ERBFI) && uart->rx_count >= serial_8250_rx_trigger (uart))
    id = IIR_RDA;
  else if ((uart->ier & IER_ERBFI) && uart->rx_count > 0)
    /* Data below the trigger level. Real hardware raises the character
     * timeout only after four character times without FIFO activity; we have
     * no timer, and the guest cannot tell the difference between "four
     * character times ago" and "now", so it is reported at once. Without
     * FIFOs the trigger is 1 and this branch cannot be reached. */
    id = IIR_CTI;
  else if ((uart->ier & IER_ETBEI) && uart->thre_pending)
    id = IIR_THRE;
  else if ((uart->ier & IER_EDSSI) && (uart->msr & MSR_DELTAS))
    id = IIR_MSI;

  uart->iir_id = id;

  /* On a PC the UART's interrupt pin reaches the PIC through a buffer enabled
   * by OUT2, and in loopback the part forces OUT2 inactive. Linux sets OUT2
   * when it wants interrupts, and its probe relies on there being none
   * otherwise. */
  uart->irq_level = id != IIR_NONE && (uart->mcr & MCR_OUT2) && !(uart->mcr & MCR_LOOP);
}

/* Leaves the critical section and tells the outside world what changed in it:
 * the interrupt line and, if the host is waiting for room, the notify
 * callback. Both are calls out of the device and are made without the lock, so
 * that they may come back into it. Several vCPUs can race here with different
 * levels; only one thread at a time drives the line, and it keeps going until
 * the line matches the registers, so a stale level never has the last word. */
static void
serial_8250_unlock (Serial8250 *uart)
{
  void (*notify) (void *opaque) = NULL;
  void *notify_data = NULL;

  if (uart->rx_waiting && uart->rx_count == 0 && !(uart->mcr & MCR_LOOP))
    {
      uart->rx_waiting = false;
      notify = uart->rx_notify;
      notify_data = uart->rx_notify_data;
    }

  if (!uart->irq_delivering)
    {
      uart->irq_delivering = true;
      while (uart->irq_applied != uart->irq_level)
        {
          bool level = uart->irq_level;

          pthread_mutex_unlock (&uart->lock);
          irq_line_set (&uart->irq, level);
          pthread_mutex_lock (&uart->lock);
          uart->irq_applied = level;
        }
      uart->irq_delivering = false;
    }

  pthread_mutex_unlock (&uart->lock);

  if (notify != NULL)
    notify (notify_data);
}

/* The modem inputs as the receiver sees them. In loopback the four outputs
 * are wired inside the chip to the four inputs: RTS to CTS, DTR to DSR, OUT1
 * to RI and OUT2 to DCD. */
static uint8_t
serial_8250_modem_lines (const Serial8250 *uart)
{
  uint8_t lines = 0;

  if (!(uart->mcr & MCR_LOOP))
    return MSR_LINES_CONNECTED;

  if (uart->mcr & MCR_RTS)
    lines |= MSR_CTS;
  if (uart->mcr & MCR_DTR)
    lines |= MSR_DSR;
  if (uart->mcr & MCR_OUT1)
    lines |= MSR_RI;
  if (uart->mcr & MCR_OUT2)
    lines |= MSR_DCD;
  return lines;
}

static void
serial_8250_update_msr (Serial8250 *uart)
{
  uint8_t old_lines = uart->msr & ~MSR_DELTAS;
  uint8_t new_lines = serial_8250_modem_lines (uart);
  uint8_t changed = old_lines ^ new_lines;
  uint8_t deltas = uart->msr & MSR_DELTAS;

  if (changed & MSR_CTS)
    deltas |= MSR_DCTS;
  if (changed & MSR_DSR)
    deltas |= MSR_DDSR;
  if (changed & MSR_DCD)
    deltas |= MSR_DDCD;
  /* Ring indicator reports only the trailing edge, when the ringing stops. */
  if ((old_lines & MSR_RI) && !(new_lines & MSR_RI))
    deltas |= MSR_TERI;

  uart->msr = new_lines | deltas;
}

static void
serial_8250_rx_clear (Serial8250 *uart)
{
  uart->rx_head = 0;
  uart->rx_count = 0;
}

static bool
serial_8250_rx_push (Serial8250 *uart,
                     uint8_t     byte)
{
  if (uart->rx_count >= serial_8250_rx_capacity (uart))
    return false;
  uart->rx_fifo[(uart->rx_head + uart->rx_count) % SERIAL_8250_FIFO_SIZE] = byte;
  uart->rx_count++;
  return true;
}

static uint8_t
serial_8250_rx_pop (Serial8250 *uart)
{
  if (uart->rx_count > 0)
    {
      uart->rbr = uart->rx_fifo[uart->rx_head];
      uart->rx_head = (uart->rx_head + 1) % SERIAL_8250_FIFO_SIZE;
      uart->rx_count--;
    }
  return uart->rbr;
}

static void
serial_8250_write_fcr (Serial8250 *uart,
                       uint8_t     value)
{
  if (!(value & FCR_ENABLE))
    {
      /* The other bits are only taken while FCR0 is written as 1; dropping
       * FCR0 empties both FIFOs. */
      if (uart->fcr & FCR_ENABLE)
        serial_8250_rx_clear (uart);
      uart->fcr = 0;
      return;
    }

  if (!(uart->fcr & FCR_ENABLE) || (value & FCR_RX_RESET))
    serial_8250_rx_clear (uart);
  /* FCR_TX_RESET has nothing to do: the transmitter never holds a byte. The
   * reset bits clear themselves, so only the mode bits are kept. */
  uart->fcr = value & (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER);
}

/* A byte written to THR. Transmission is instantaneous: the byte leaves (to
 * the sink, or back into the receiver in loopback) and THR is empty again at
 * once. Writing THR clears a THRE interrupt and the empty transmitter raises it
 * again straight away, which is what a guest would see on real hardware a
 * character time later; drivers that send a FIFO's worth per interrupt rely on
 * getting that next interrupt. */
static void
serial_8250_transmit (Serial8250 *uart,
                      uint8_t     byte,
                      uint8_t    *tx,
                      unsigned   *n_tx)
{
  byte &= serial_8250_word_mask (uart);

  if (uart->mcr & MCR_LOOP)
    {
      /* The receiver's shift register is overwritten and the FIFO kept. */
      if (!serial_8250_rx_push (uart, byte))
        uart->lsr_errors |= LSR_OE;
    }
  else if (*n_tx < MAX_ACCESS)
    {
      tx[(*n_tx)++] = byte;
    }

  uart->thre_pending = true;
}

static uint8_t
serial_8250_read_byte (Serial8250 *uart,
                       uint64_t    offset)
{
  uint8_t value = 0xff;

  switch (offset)
    {
    case REG_DATA:
      value = (uart->lcr & LCR_DLAB) ? uart->dll : serial_8250_rx_pop (uart);
      break;

    case REG_IER:
      value = (uart->lcr & LCR_DLAB) ? uart->dlm : uart->ier;
      break;

    case REG_IIR:
      value = uart->iir_id | ((uart->fcr & FCR_ENABLE) ? IIR_FIFO : 0);
      /* Reading IIR acknowledges a THRE interrupt, but only when it is the
       * one being reported; the other sources clear through their own
       * registers. */
      if (uart->iir_id == IIR_THRE)
        uart->thre_pending = false;
      break;

    case REG_LCR:
      value = uart->lcr;
      break;

    case REG_MCR:
      value = uart->mcr;
      break;

    case REG_LSR:
      /* No parity, framing or break errors ever enter the FIFO, so bit 7
       * (error in receiver FIFO) stays 0. */
      value = LSR_THRE | LSR_TEMT | uart->lsr_errors | (uart->rx_count > 0 ? LSR_DR : 0);
      uart->lsr_errors = 0;
      break;

    case REG_MSR:
      value = uart->msr;
      uart->msr &= ~MSR_DELTAS;
      break;

    case REG_SCR:
      value = uart->scr;
      break;

    default:
      /* Beyond the eight registers: nothing drives the bus. */
      break;
    }

  serial_8250_update_irq (uart);
  return value;
}

static void
serial_8250_write_byte (Serial8250 *uart,
                        uint64_t    offset,
                        uint8_t     value,
                        uint8_t    *tx,
                        unsigned   *n_tx)
{
  switch (offset)
    {
    case REG_DATA:
      if (uart->lcr & LCR_DLAB)
        uart->dll = value;
      else
        serial_8250_transmit (uart, value, tx, n_tx);
      break;

    case REG_IER:
      if (uart->lcr & LCR_DLAB)
        {
          uart->dlm = value;
        }
      else
        {
          uint8_t old = uart->ier;

          uart->ier = value & IER_MASK;
          /* Enabling the THRE interrupt while THR is empty (always, here)
           * asserts it. Linux's startup test turns ETBEI off and on again
           * and expects the interrupt to come back. */
          if (!(old & IER_ETBEI) && (uart->ier & IER_ETBEI))
            uart->thre_pending = true;
        }
      break;

    case REG_IIR:
      serial_8250_write_fcr (uart, value);
      break;

    case REG_LCR:
      /* Break control (bit 6) is kept but has no effect: no break is ever
       * sent to the sink or looped back. */
      uart->lcr = value;
      break;

    case REG_MCR:
      uart->mcr = value & MCR_MASK;
      serial_8250_update_msr (uart);
      break;

    case REG_LSR:
    case REG_MSR:
      /* Status registers; writing them is a factory test mode on the real
       * part, which we do not offer. */
      break;

    case REG_SCR:
      uart->scr = value;
      break;

    default:
      break;
    }

  serial_8250_update_irq (uart);
}

static uint64_t
serial_8250_read (void     *opaque,
                  uint64_t  offset,
                  unsigned  size)
{
  Serial8250 *uart = opaque;
  uint64_t value = 0;

  if (size == 0 || size > sizeof value)
    return 0;

  pthread_mutex_lock (&uart->lock);
  /* A wide access reaches consecutive registers, low byte first, as the ISA
   * bus splits it; each byte has its usual side effects. */
  for (unsigned i = 0; i < size; i++)
    {
      uint8_t byte = 0xff;

      if (offset < SERIAL_8250_LEN && i < SERIAL_8250_LEN - offset)
        byte = serial_8250_read_byte (uart, offset + i);
      value |= (uint64_t) byte << (8 * i);
    }
  serial_8250_unlock (uart);

  return value;
}

static void
serial_8250_write (void     *opaque,
                   uint64_t  offset,
                   uint64_t  value,
                   unsigned  size)
{
  Serial8250 *uart = opaque;
  uint8_t tx[MAX_ACCESS];
  unsigned n_tx = 0;

  if (size == 0 || size > sizeof value)
    return;

  pthread_mutex_lock (&uart->lock);
  for (unsigned i = 0; i < size; i++)
    {
      if (offset < SERIAL_8250_LEN && i < SERIAL_8250_LEN - offset)
        serial_8250_write_byte (uart, offset + i, (uint8_t) (value >> (8 * i)), tx, &n_tx);
    }
  serial_8250_unlock (uart);

  /* Outside the lock: the sink may block (a full pty). A guest driver holds
   * its own port lock around THR writes and each write returns only after
   * this, so output keeps the guest's order. */
  if (n_tx > 0)
    byte_sink_write (&uart->out, tx, n_tx);
}

const IoBusOps serial_8250_ops = {
  .name  = "serial-8250",
  .read  = serial_8250_read,
  .write = serial_8250_write,
};

/* Power-on state; the caller holds the lock. */
static void
serial_8250_reset_locked (Serial8250 *uart)
{
  serial_8250_rx_clear (uart);
  uart->rbr = 0;
  uart->ier = 0;
  uart->fcr = 0;
  uart->lcr = 0;
  uart->mcr = 0;
  uart->lsr_errors = 0;
  uart->thre_pending = false;
  uart->msr = serial_8250_modem_lines (uart);
  serial_8250_update_irq (uart);
}

Serial8250 *
serial_8250_new (const IrqLine  *irq,
                 const ByteSink *out)
{
  Serial8250 *uart = calloc (1, sizeof *uart);

  if (uart == NULL)
    return NULL;
  if (pthread_mutex_init (&uart->lock, NULL) != 0)
    {
      free (uart);
      return NULL;
    }
  if (irq != NULL)
    uart->irq = *irq;
  if (out != NULL)
    uart->out = *out;

  /* 115200 / 12 = 9600 baud, what PC firmware programs; the real part
   * powers up with an undefined divisor. */
  uart->dll = 12;
  serial_8250_reset_locked (uart);
  return uart;
}

void
serial_8250_free (Serial8250 *uart)
{
  if (uart == NULL)
    return;
  pthread_mutex_destroy (&uart->lock);
  free (uart);
}

void
serial_8250_reset (Serial8250 *uart)
{
  pthread_mutex_lock (&uart->lock);
  serial_8250_reset_locked (uart);
  serial_8250_unlock (uart);
}

size_t
serial_8250_receive (Serial8250    *uart,
                     const uint8_t *buf,
                     size_t         len)
{
  size_t accepted = 0;

  pthread_mutex_lock (&uart->lock);
  if (!(uart->mcr & MCR_LOOP))
    {
      uint8_t mask = serial_8250_word_mask (uart);

      while (accepted < len && serial_8250_rx_push (uart, buf[accepted] & mask))
        accepted++;
    }
  if (accepted < len)
    uart->rx_waiting = true;
  serial_8250_update_irq (uart);
  serial_8250_unlock (uart);

  return accepted;
}

size_t
serial_8250_rx_space (Serial8250 *uart)
{
  size_t space = 0;

  pthread_mutex_lock (&uart->lock);
  if (!(uart->mcr & MCR_LOOP))
    space = serial_8250_rx_capacity (uart) - uart->rx_count;
  /* A host told "no room" will wait for the notification, so arm it. */
  if (space == 0)
    uart->rx_waiting = true;
  serial_8250_unlock (uart);

  return space;
}

void
serial_8250_set_rx_notify (Serial8250  *uart,
                           void       (*notify) (void *opaque),
                           void        *opaque)
{
  pthread_mutex_lock (&uart->lock);
  uart->rx_notify = notify;
  uart->rx_notify_data = opaque;
  serial_8250_unlock (uart);
}

void
serial_8250_signal_overrun (Serial8250 *uart)
{
  pthread_mutex_lock (&uart->lock);
  uart->lsr_errors |= LSR_OE;
  serial_8250_update_irq (uart);
  serial_8250_unlock (uart);
}
