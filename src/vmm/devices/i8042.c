/* i8042.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "display/keymap.h"
#include "i8042.h"

#define STATUS_OBF      0x01    /* output buffer full */
#define STATUS_IBF      0x02    /* input buffer full: never, commands finish at once */
#define STATUS_SYS      0x04    /* system flag, a copy of command byte bit 2 */
#define STATUS_A2       0x08    /* last write went to the command port */
#define STATUS_UNLOCKED 0x10    /* keyboard inhibit switch open */
#define STATUS_AUX_OBF  0x20    /* the byte in the output buffer came from the aux port */

#define CTR_KBD_INT     0x01
#define CTR_AUX_INT     0x02
#define CTR_SYS         0x04
#define CTR_KBD_DIS     0x10
#define CTR_AUX_DIS     0x20
#define CTR_XLATE       0x40

/* What a PC BIOS leaves behind after POST: keyboard interrupt on, scan code
 * translation on, and the system flag set by the passed self-test. A guest
 * booted directly (no firmware) finds the controller as firmware would have
 * left it. */
#define CTR_DEFAULT     (CTR_KBD_INT | CTR_SYS | CTR_XLATE)

#define OUTPORT_RESET   0x01    /* active low: 0 holds the CPU in reset */
#define OUTPORT_A20     0x02
#define OUTPORT_DEFAULT (OUTPORT_RESET | OUTPORT_A20)

enum
{
  CMD_READ_RAM_FIRST  = 0x20,   /* 0x20 reads the command byte, RAM byte 0 */
  CMD_READ_RAM_LAST   = 0x3f,
  CMD_WRITE_RAM_FIRST = 0x60,   /* 0x60 writes the command byte */
  CMD_WRITE_RAM_LAST  = 0x7f,
  CMD_AUX_DISABLE     = 0xa7,
  CMD_AUX_ENABLE      = 0xa8,
  CMD_AUX_TEST        = 0xa9,
  CMD_SELF_TEST       = 0xaa,
  CMD_KBD_TEST        = 0xab,
  CMD_KBD_DISABLE     = 0xad,
  CMD_KBD_ENABLE      = 0xae,
  CMD_READ_OUTPORT    = 0xd0,
  CMD_WRITE_OUTPORT   = 0xd1,
  CMD_WRITE_KBD_OBUF  = 0xd2,
  CMD_WRITE_AUX_OBUF  = 0xd3,
  CMD_WRITE_AUX       = 0xd4,
  CMD_PULSE_FIRST     = 0xf0,
};

#define SELF_TEST_PASSED 0x55
#define PORT_TEST_PASSED 0x00

#define RAM_SIZE    32

/* The real controller has a one-byte output buffer; the keyboard and mouse
 * hold their bytes until it is free. Keeping those bytes here, each tagged
 * with the port it came from, gives the later PS/2 devices a place to put
 * theirs while status, IRQ and AUX_OBF always describe the head of the
 * queue. The bound keeps a guest that issues commands without reading from
 * growing anything: further bytes are dropped. */
#define QUEUE_SIZE  16

typedef enum
{
  I8042_SOURCE_KBD,             /* the keyboard, held while its port is disabled */
  I8042_SOURCE_AUX,             /* the mouse, likewise */
  I8042_SOURCE_CTRL,            /* the controller's own replies: like the keyboard's, never held */
} I8042Source;

typedef struct
{
  uint8_t     byte;
  I8042Source source;
} I8042Output;

struct I8042
{
  pthread_mutex_t lock;
  IrqLine         kbd_irq;
  IrqLine         aux_irq;
  void          (*reset) (void *opaque);
  void           *reset_data;
  bool            reset_requested;

  I8042Output     queue[QUEUE_SIZE];
  unsigned        head;
  unsigned        count;
  uint8_t         last_data;    /* what port 0x60 keeps showing once empty */

  uint8_t         ram[RAM_SIZE];   /* byte 0 is the command byte */
  uint8_t         outport;
  uint8_t         pending;      /* a command waiting for its data byte, or 0 */
  bool            a2;

  /* The PS/2 devices behind the two ports, and a byte the guest sent to one
   * of them, delivered once the lock is dropped. */
  I8042PortWrite  port_write[I8042_N_PORTS];
  void           *port_data[I8042_N_PORTS];
  bool            to_device;
  unsigned        to_device_port;
  uint8_t         to_device_byte;
  bool            xlate_break;  /* translating: an F0 came, the next code is a break */

  bool            kbd_level;
  bool            aux_level;
  bool            kbd_applied;
  bool            aux_applied;
  bool            irq_delivering;
};

/* Whether the byte at queue position i may reach the output buffer: device
 * bytes wait in the queue while the guest has their port disabled, as they
 * would in the device. */
static bool
i8042_deliverable (const I8042 *ctrl,
                   unsigned     i)
{
  I8042Source source = ctrl->queue[(ctrl->head + i) % QUEUE_SIZE].source;

  if (source == I8042_SOURCE_KBD)
    return !(ctrl->ram[0] & CTR_KBD_DIS);
  if (source == I8042_SOURCE_AUX)
    return !(ctrl->ram[0] & CTR_AUX_DIS);
  return true;
}

/* The queue position of the byte in the output buffer, or -1 for none. */
static int
i8042_output (const I8042 *ctrl)
{
  for (unsigned i = 0; i < ctrl->count; i++)
    if (i8042_deliverable (ctrl, i))
      return (int) i;
  return -1;
}

static I8042Source
i8042_output_source (const I8042 *ctrl)
{
  int at = i8042_output (ctrl);

  if (at < 0)
    return I8042_SOURCE_CTRL;
  return ctrl->queue[(ctrl->head + (unsigned) at) % QUEUE_SIZE].source;
}

/* Recomputes both IRQ levels. The 8042 raises IRQ1 or IRQ12, depending on
 * where the byte in its output buffer came from, while that byte is unread and
 * the matching command byte bit allows it. */
static void
i8042_update_irq (I8042 *ctrl)
{
  bool full = i8042_output (ctrl) >= 0;
  I8042Source source = i8042_output_source (ctrl);

  ctrl->kbd_level = full && source != I8042_SOURCE_AUX && (ctrl->ram[0] & CTR_KBD_INT);
  ctrl->aux_level = full && source == I8042_SOURCE_AUX && (ctrl->ram[0] & CTR_AUX_INT);
}

/* Leaves the critical section, then makes the calls out of the device it
 * asked for. The lines are driven without the lock so that whatever sits
 * behind them may call back in; one thread at a time does it and loops until
 * both lines match the registers, so racing vCPUs cannot leave a stale level.
 * The reset callback comes last: the VMM may tear the machine down from it. */
static void
i8042_unlock (I8042 *ctrl)
{
  void (*reset) (void *opaque) = NULL;
  void *reset_data = NULL;
  I8042PortWrite port_write = NULL;
  void *port_data = NULL;
  uint8_t port_byte = 0;

  if (ctrl->to_device)
    {
      ctrl->to_device = false;
      port_write = ctrl->port_write[ctrl->to_device_port];
      port_data = ctrl->port_data[ctrl->to_device_port];
      port_byte = ctrl->to_device_byte;
    }

  if (ctrl->reset_requested)
    {
      ctrl->reset_requested = false;
      reset = ctrl->reset;
      reset_data = ctrl->reset_data;
    }

  if (!ctrl->irq_delivering)
    {
      ctrl->irq_delivering = true;
      while (ctrl->kbd_applied != ctrl->kbd_level || ctrl->aux_applied != ctrl->aux_level)
        {
          bool kbd = ctrl->kbd_level;
          bool aux = ctrl->aux_level;
          bool kbd_changed = kbd != ctrl->kbd_applied;
          bool aux_changed = aux != ctrl->aux_applied;

          pthread_mutex_unlock (&ctrl->lock);
          if (kbd_changed)
            irq_line_set (&ctrl->kbd_irq, kbd);
          if (aux_changed)
            irq_line_set (&ctrl->aux_irq, aux);
          pthread_mutex_lock (&ctrl->lock);
          ctrl->kbd_applied = kbd;
          ctrl->aux_applied = aux;
        }
      ctrl->irq_delivering = false;
    }

  pthread_mutex_unlock (&ctrl->lock);

  /* The device answers through i8042_port_send(), which takes the lock
   * again: the byte is handed over only now. */
  if (port_write != NULL)
    port_write (port_data, port_byte);
  if (reset != NULL)
    reset (reset_data);
}

static void
i8042_push (I8042       *ctrl,
            uint8_t      byte,
            I8042Source  source)
{
  if (ctrl->count >= QUEUE_SIZE)
    return;
  ctrl->queue[(ctrl->head + ctrl->count) % QUEUE_SIZE] = (I8042Output) { byte, source };
  ctrl->count++;
}

static uint8_t
i8042_pop (I8042 *ctrl)
{
  int at = i8042_output (ctrl);

  if (at >= 0)
    {
      unsigned pos = (unsigned) at;

      ctrl->last_data = ctrl->queue[(ctrl->head + pos) % QUEUE_SIZE].byte;
      /* Close the gap; bytes held behind a disabled port keep their order. */
      for (unsigned i = pos; i + 1 < ctrl->count; i++)
        ctrl->queue[(ctrl->head + i) % QUEUE_SIZE] =
          ctrl->queue[(ctrl->head + i + 1) % QUEUE_SIZE];
      ctrl->count--;
    }
  return ctrl->last_data;
}

static uint8_t
i8042_status (const I8042 *ctrl)
{
  uint8_t status = STATUS_UNLOCKED;

  if (i8042_output (ctrl) >= 0)
    {
      status |= STATUS_OBF;
      if (i8042_output_source (ctrl) == I8042_SOURCE_AUX)
        status |= STATUS_AUX_OBF;
    }
  if (ctrl->ram[0] & CTR_SYS)
    status |= STATUS_SYS;
  if (ctrl->a2)
    status |= STATUS_A2;
  return status;
}

/* The output port's bit 0 drives the CPU's reset line. A guest that lowers it
 * asks for a reboot; the VMM restarts the machine rather than holding a CPU in
 * reset, so the line reads as released again afterwards. A20 (bit 1) is kept
 * for reading back but gates nothing: the address line is always on. */
static void
i8042_write_outport (I8042   *ctrl,
                     uint8_t  value)
{
  if (!(value & OUTPORT_RESET))
    ctrl->reset_requested = true;
  ctrl->outport = value | OUTPORT_RESET;
}

static void
i8042_write_command (I8042   *ctrl,
                     uint8_t  cmd)
{
  ctrl->a2 = true;
  /* A new command abandons one still waiting for its data byte. */
  ctrl->pending = 0;

  if (cmd >= CMD_READ_RAM_FIRST && cmd <= CMD_READ_RAM_LAST)
    {
      i8042_push (ctrl, ctrl->ram[cmd - CMD_READ_RAM_FIRST], I8042_SOURCE_CTRL);
      return;
    }
  if (cmd >= CMD_WRITE_RAM_FIRST && cmd <= CMD_WRITE_RAM_LAST)
    {
      ctrl->pending = cmd;
      return;
    }
  if (cmd >= CMD_PULSE_FIRST)
    {
      /* The low nibble says which output port lines to pulse low: a 0 bit
       * pulses. Only bit 0, CPU reset, has an effect; 0xFE is the classic
       * reboot and 0xFF does nothing. */
      if (!(cmd & OUTPORT_RESET))
        ctrl->reset_requested = true;
      return;
    }

  switch (cmd)
    {
    case CMD_AUX_DISABLE:
      ctrl->ram[0] |= CTR_AUX_DIS;
      break;

    case CMD_AUX_ENABLE:
      ctrl->ram[0] &= ~CTR_AUX_DIS;
      break;

    case CMD_AUX_TEST:
    case CMD_KBD_TEST:
      i8042_push (ctrl, PORT_TEST_PASSED, I8042_SOURCE_CTRL);
      break;

    case CMD_SELF_TEST:
      ctrl->ram[0] |= CTR_SYS;
      i8042_push (ctrl, SELF_TEST_PASSED, I8042_SOURCE_CTRL);
      break;

    case CMD_KBD_DISABLE:
      ctrl->ram[0] |= CTR_KBD_DIS;
      break;

    case CMD_KBD_ENABLE:
      ctrl->ram[0] &= ~CTR_KBD_DIS;
      break;

    case CMD_READ_OUTPORT:
      i8042_push (ctrl, ctrl->outport, I8042_SOURCE_CTRL);
      break;

    case CMD_WRITE_OUTPORT:
    case CMD_WRITE_KBD_OBUF:
    case CMD_WRITE_AUX_OBUF:
    case CMD_WRITE_AUX:
      ctrl->pending = cmd;
      break;

    default:
      /* Vendor commands, password security, input port reads: not offered.
       * Ignoring them is what a controller without them does. */
      break;
    }
}

static void
i8042_write_data (I8042   *ctrl,
                  uint8_t  value)
{
  uint8_t cmd = ctrl->pending;

  ctrl->a2 = false;
  ctrl->pending = 0;

  if (cmd >= CMD_WRITE_RAM_FIRST && cmd <= CMD_WRITE_RAM_LAST)
    {
      ctrl->ram[cmd - CMD_WRITE_RAM_FIRST] = value;
      return;
    }

  switch (cmd)
    {
    case CMD_WRITE_OUTPORT:
      i8042_write_outport (ctrl, value);
      break;

    case CMD_WRITE_KBD_OBUF:
      i8042_push (ctrl, value, I8042_SOURCE_CTRL);
      break;

    case CMD_WRITE_AUX_OBUF:
      i8042_push (ctrl, value, I8042_SOURCE_AUX);
      break;

    case CMD_WRITE_AUX:
      /* A byte for the mouse. Without one it goes nowhere and no reply
       * comes: the guest's driver times out as with nothing plugged in. */
      if (ctrl->port_write[I8042_PORT_AUX] != NULL)
        {
          ctrl->to_device = true;
          ctrl->to_device_port = I8042_PORT_AUX;
          ctrl->to_device_byte = value;
        }
      break;

    default:
      /* With no command pending, a byte for the keyboard. Sending to it
       * enables its port again, as on the real controller (and QEMU's). */
      if (ctrl->port_write[I8042_PORT_KBD] != NULL)
        {
          ctrl->ram[0] &= ~CTR_KBD_DIS;
          ctrl->to_device = true;
          ctrl->to_device_port = I8042_PORT_KBD;
          ctrl->to_device_byte = value;
        }
      break;
    }
}

static uint64_t
i8042_read_port (I8042    *ctrl,
                 bool      command_port,
                 uint64_t  offset,
                 unsigned  size)
{
  uint64_t value;

  if (size == 0 || size > sizeof value)
    return 0;

  /* Each port is one byte wide; the bytes of a wider access beyond it read
   * as a floating bus. */
  value = UINT64_MAX;
  if (size < sizeof value)
    value &= (UINT64_C (1) << (8 * size)) - 1;
  if (offset != 0)
    return value;

  pthread_mutex_lock (&ctrl->lock);
  value &= ~UINT64_C (0xff);
  value |= command_port ? i8042_status (ctrl) : i8042_pop (ctrl);
  i8042_update_irq (ctrl);
  i8042_unlock (ctrl);

  return value;
}

static void
i8042_write_port (I8042    *ctrl,
                  bool      command_port,
                  uint64_t  offset,
                  uint64_t  value,
                  unsigned  size)
{
  if (size == 0 || size > sizeof value || offset != 0)
    return;

  pthread_mutex_lock (&ctrl->lock);
  if (command_port)
    i8042_write_command (ctrl, (uint8_t) value);
  else
    i8042_write_data (ctrl, (uint8_t) value);
  i8042_update_irq (ctrl);
  i8042_unlock (ctrl);
}

static uint64_t
i8042_data_read (void     *opaque,
                 uint64_t  offset,
                 unsigned  size)
{
  return i8042_read_port (opaque, false, offset, size);
}

static void
i8042_data_write (void     *opaque,
                  uint64_t  offset,
                  uint64_t  value,
                  unsigned  size)
{
  i8042_write_port (opaque, false, offset, value, size);
}

static uint64_t
i8042_command_read (void     *opaque,
                    uint64_t  offset,
                    unsigned  size)
{
  return i8042_read_port (opaque, true, offset, size);
}

static void
i8042_command_write (void     *opaque,
                     uint64_t  offset,
                     uint64_t  value,
                     unsigned  size)
{
  i8042_write_port (opaque, true, offset, value, size);
}

const IoBusOps i8042_data_ops = {
  .name  = "i8042-data",
  .read  = i8042_data_read,
  .write = i8042_data_write,
};

const IoBusOps i8042_command_ops = {
  .name  = "i8042-command",
  .read  = i8042_command_read,
  .write = i8042_command_write,
};

static void
i8042_reset_locked (I8042 *ctrl)
{
  for (unsigned i = 0; i < RAM_SIZE; i++)
    ctrl->ram[i] = 0;
  ctrl->ram[0] = CTR_DEFAULT;
  ctrl->outport = OUTPORT_DEFAULT;
  ctrl->head = 0;
  ctrl->count = 0;
  ctrl->last_data = 0;
  ctrl->pending = 0;
  ctrl->a2 = false;
  ctrl->reset_requested = false;
  ctrl->to_device = false;
  ctrl->xlate_break = false;
  i8042_update_irq (ctrl);
}

I8042 *
i8042_new (const IrqLine  *kbd_irq,
           const IrqLine  *aux_irq,
           void          (*reset) (void *opaque),
           void           *opaque)
{
  I8042 *ctrl = calloc (1, sizeof *ctrl);

  if (ctrl == NULL)
    return NULL;
  if (pthread_mutex_init (&ctrl->lock, NULL) != 0)
    {
      free (ctrl);
      return NULL;
    }
  if (kbd_irq != NULL)
    ctrl->kbd_irq = *kbd_irq;
  if (aux_irq != NULL)
    ctrl->aux_irq = *aux_irq;
  ctrl->reset = reset;
  ctrl->reset_data = opaque;
  i8042_reset_locked (ctrl);
  return ctrl;
}

void
i8042_free (I8042 *ctrl)
{
  if (ctrl == NULL)
    return;
  pthread_mutex_destroy (&ctrl->lock);
  free (ctrl);
}

void
i8042_reset (I8042 *ctrl)
{
  pthread_mutex_lock (&ctrl->lock);
  i8042_reset_locked (ctrl);
  i8042_unlock (ctrl);
}

void
i8042_attach (I8042          *ctrl,
              unsigned        port,
              I8042PortWrite  write,
              void           *opaque)
{
  if (port >= I8042_N_PORTS)
    return;
  pthread_mutex_lock (&ctrl->lock);
  ctrl->port_write[port] = write;
  ctrl->port_data[port] = opaque;
  pthread_mutex_unlock (&ctrl->lock);
}

bool
i8042_port_send (I8042         *ctrl,
                 unsigned       port,
                 const uint8_t *bytes,
                 size_t         n)
{
  I8042Source source = port == I8042_PORT_AUX ? I8042_SOURCE_AUX : I8042_SOURCE_KBD;
  uint8_t out[QUEUE_SIZE];
  size_t n_out = 0;
  bool xlate_break;
  bool sent = false;

  if (port >= I8042_N_PORTS || n > QUEUE_SIZE)
    return false;

  pthread_mutex_lock (&ctrl->lock);
  /* Set 2 → set 1 translation of what the keyboard sends, with an F0
   * prefix folded into the break bit of the next code. Done as bytes
   * arrive, which is when the real controller does it too. */
  xlate_break = ctrl->xlate_break;
  for (size_t i = 0; i < n; i++)
    {
      uint8_t b = bytes[i];

      if (source == I8042_SOURCE_KBD && (ctrl->ram[0] & CTR_XLATE))
        {
          if (b == 0xf0)
            {
              xlate_break = true;
              continue;
            }
          b = keymap_set2_to_set1 (b);
          if (xlate_break)
            b |= 0x80;
          xlate_break = false;
        }
      out[n_out++] = b;
    }
  /* All or nothing: half a mouse packet or key sequence would leave the
   * guest's driver out of step for good. */
  if (ctrl->count + n_out <= QUEUE_SIZE)
    {
      for (size_t i = 0; i < n_out; i++)
        i8042_push (ctrl, out[i], source);
      ctrl->xlate_break = xlate_break;
      sent = true;
    }
  i8042_update_irq (ctrl);
  i8042_unlock (ctrl);
  return sent;
}
