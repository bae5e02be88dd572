/* ps2-mouse.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "ps2-mouse.h"

#define MOUSE_ACK           0xfa
#define MOUSE_RESEND        0xfe
#define MOUSE_BAT_OK        0xaa

#define CMD_SCALING_1_1     0xe6
#define CMD_SCALING_2_1     0xe7
#define CMD_RESOLUTION      0xe8
#define CMD_STATUS          0xe9
#define CMD_STREAM          0xea
#define CMD_READ_DATA       0xeb
#define CMD_RESET_WRAP      0xec
#define CMD_WRAP            0xee
#define CMD_REMOTE          0xf0
#define CMD_IDENTIFY        0xf2
#define CMD_SAMPLE_RATE     0xf3
#define CMD_ENABLE          0xf4
#define CMD_DISABLE         0xf5
#define CMD_DEFAULTS        0xf6
#define CMD_RESEND          0xfe
#define CMD_RESET           0xff

#define ID_STANDARD         0x00
#define ID_INTELLIMOUSE     0x03

/* Motion kept for later is bounded: a host that moves a mouse the guest
 * never enabled must not wind up counters without end. */
#define MOUSE_MAX_PENDING   4096

typedef enum
{
  MOUSE_STREAM,
  MOUSE_REMOTE,
  MOUSE_WRAP,
} MouseMode;

struct Ps2Mouse
{
  pthread_mutex_t lock;
  I8042          *ctrl;
  MouseMode       mode;
  MouseMode       mode_before_wrap;
  bool            enabled;
  bool            scaling_2_1;
  uint8_t         resolution;
  uint8_t         sample_rate;
  uint8_t         id;
  uint8_t         rates[3];     /* the last three sample rates, newest last */
  uint8_t         pending;
  uint8_t         last_sent;

  uint8_t         buttons;
  int32_t         dx;
  int32_t         dy;           /* PS/2 direction: up is positive */
  int32_t         dz;
};

static void
ps2_mouse_defaults (Ps2Mouse *mouse)
{
  mouse->mode = MOUSE_STREAM;
  mouse->enabled = false;
  mouse->scaling_2_1 = false;
  mouse->resolution = 2;        /* 4 counts/mm */
  mouse->sample_rate = 100;
  mouse->pending = 0;
  mouse->dx = mouse->dy = mouse->dz = 0;
}

static int32_t
clamp (int32_t v,
       int32_t lo,
       int32_t hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* One movement packet from the accumulated motion; sent[] says how much of
 * it the packet carries, to take off the counters once it is on its way.
 * Returns its length (3, or 4 for the IntelliMouse). */
static size_t
ps2_mouse_packet (const Ps2Mouse *mouse,
                  uint8_t        *out,
                  int32_t         sent[3])
{
  int32_t dx = clamp (mouse->dx, -255, 255);
  int32_t dy = clamp (mouse->dy, -255, 255);
  int32_t dz = mouse->id == ID_INTELLIMOUSE ? clamp (mouse->dz, -8, 7) : mouse->dz;
  size_t n = 0;

  out[n++] = (uint8_t) (0x08 | (mouse->buttons & 0x07) | (dx < 0 ? 0x10 : 0)
                        | (dy < 0 ? 0x20 : 0));
  out[n++] = (uint8_t) dx;
  out[n++] = (uint8_t) dy;
  /* Without a wheel in the protocol, wheel motion is dropped. */
  if (mouse->id == ID_INTELLIMOUSE)
    out[n++] = (uint8_t) (dz & 0x0f);
  sent[0] = dx;
  sent[1] = dy;
  sent[2] = dz;
  return n;
}

static void
ps2_mouse_take (Ps2Mouse      *mouse,
                const int32_t  sent[3])
{
  mouse->dx -= sent[0];
  mouse->dy -= sent[1];
  mouse->dz -= sent[2];
}

static size_t
ps2_mouse_command (Ps2Mouse *mouse,
                   uint8_t   byte,
                   uint8_t  *reply)
{
  size_t n = 0;
  uint8_t cmd = mouse->pending;

  if (mouse->mode == MOUSE_WRAP && byte != CMD_RESET_WRAP && byte != CMD_RESET)
    {
      /* Wrap mode echoes everything but its two ways out. */
      reply[n++] = byte;
      return n;
    }

  if (cmd != 0)
    {
      mouse->pending = 0;
      if (cmd == CMD_SAMPLE_RATE)
        {
          mouse->sample_rate = byte;
          mouse->rates[0] = mouse->rates[1];
          mouse->rates[1] = mouse->rates[2];
          mouse->rates[2] = byte;
          /* The IntelliMouse knock. */
          if (mouse->rates[0] == 200 && mouse->rates[1] == 100 && mouse->rates[2] == 80)
            mouse->id = ID_INTELLIMOUSE;
          reply[n++] = MOUSE_ACK;
          return n;
        }
      if (cmd == CMD_RESOLUTION)
        {
          mouse->resolution = byte & 0x03;
          reply[n++] = MOUSE_ACK;
          return n;
        }
    }

  switch (byte)
    {
    case CMD_SCALING_1_1:
      mouse->scaling_2_1 = false;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_SCALING_2_1:
      mouse->scaling_2_1 = true;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_RESOLUTION:
    case CMD_SAMPLE_RATE:
      mouse->pending = byte;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_STATUS:
      reply[n++] = MOUSE_ACK;
      reply[n++] = (uint8_t) ((mouse->mode == MOUSE_REMOTE ? 0x40 : 0)
                              | (mouse->enabled ? 0x20 : 0)
                              | (mouse->scaling_2_1 ? 0x10 : 0)
                              | (mouse->buttons & PS2_MOUSE_LEFT ? 0x04 : 0)
                              | (mouse->buttons & PS2_MOUSE_MIDDLE ? 0x02 : 0)
                              | (mouse->buttons & PS2_MOUSE_RIGHT ? 0x01 : 0));
      reply[n++] = mouse->resolution;
      reply[n++] = mouse->sample_rate;
      break;

    case CMD_STREAM:
      mouse->mode = MOUSE_STREAM;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_READ_DATA:
      {
        int32_t sent[3];

        reply[n++] = MOUSE_ACK;
        n += ps2_mouse_packet (mouse, reply + n, sent);
        ps2_mouse_take (mouse, sent);
      }
      break;

    case CMD_RESET_WRAP:
      if (mouse->mode == MOUSE_WRAP)
        mouse->mode = mouse->mode_before_wrap;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_WRAP:
      mouse->mode_before_wrap = mouse->mode;
      mouse->mode = MOUSE_WRAP;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_REMOTE:
      mouse->mode = MOUSE_REMOTE;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_IDENTIFY:
      reply[n++] = MOUSE_ACK;
      reply[n++] = mouse->id;
      break;

    case CMD_ENABLE:
      mouse->enabled = true;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_DISABLE:
      mouse->enabled = false;
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_DEFAULTS:
      ps2_mouse_defaults (mouse);
      reply[n++] = MOUSE_ACK;
      break;

    case CMD_RESEND:
      reply[n++] = mouse->last_sent;
      break;

    case CMD_RESET:
      ps2_mouse_defaults (mouse);
      mouse->id = ID_STANDARD;
      mouse->rates[0] = mouse->rates[1] = mouse->rates[2] = 0;
      reply[n++] = MOUSE_ACK;
      reply[n++] = MOUSE_BAT_OK;
      reply[n++] = ID_STANDARD;
      break;

    default:
      reply[n++] = MOUSE_RESEND;
      break;
    }
  return n;
}

static void
ps2_mouse_write (void    *opaque,
                 uint8_t  byte)
{
  Ps2Mouse *mouse = opaque;
  uint8_t reply[8];
  size_t n;

  pthread_mutex_lock (&mouse->lock);
  n = ps2_mouse_command (mouse, byte, reply);
  if (n > 0 && byte != CMD_RESEND)
    mouse->last_sent = reply[n - 1];
  pthread_mutex_unlock (&mouse->lock);
  if (n > 0)
    i8042_port_send (mouse->ctrl, I8042_PORT_AUX, reply, n);
}

void
ps2_mouse_move (Ps2Mouse *mouse,
                int32_t   dx,
                int32_t   dy,
                int32_t   dz,
                uint8_t   buttons)
{
  bool changed;

  pthread_mutex_lock (&mouse->lock);
  changed = (buttons & 0x07) != mouse->buttons || dx != 0 || dy != 0 || dz != 0;
  dx = clamp (dx, -MOUSE_MAX_PENDING, MOUSE_MAX_PENDING);
  dy = clamp (dy, -MOUSE_MAX_PENDING, MOUSE_MAX_PENDING);
  dz = clamp (dz, -MOUSE_MAX_PENDING, MOUSE_MAX_PENDING);
  mouse->dx = clamp (mouse->dx + dx, -MOUSE_MAX_PENDING, MOUSE_MAX_PENDING);
  mouse->dy = clamp (mouse->dy - dy, -MOUSE_MAX_PENDING, MOUSE_MAX_PENDING);
  mouse->dz = clamp (mouse->dz + dz, -MOUSE_MAX_PENDING, MOUSE_MAX_PENDING);
  mouse->buttons = buttons & 0x07;
  pthread_mutex_unlock (&mouse->lock);
  if (!changed)
    return;

  /* A packet moves at most 255 counts each way: a few packets carry a big
   * jump; what does not fit in the controller's queue waits for the next
   * event. The first packet goes even without motion: it carries buttons. */
  for (unsigned i = 0; i < 4; i++)
    {
      uint8_t packet[4];
      int32_t sent[3];
      size_t n = 0;

      pthread_mutex_lock (&mouse->lock);
      if (mouse->mode == MOUSE_STREAM && mouse->enabled
          && (i == 0 || mouse->dx != 0 || mouse->dy != 0 || mouse->dz != 0))
        n = ps2_mouse_packet (mouse, packet, sent);
      pthread_mutex_unlock (&mouse->lock);

      if (n == 0 || !i8042_port_send (mouse->ctrl, I8042_PORT_AUX, packet, n))
        return;
      pthread_mutex_lock (&mouse->lock);
      ps2_mouse_take (mouse, sent);
      pthread_mutex_unlock (&mouse->lock);
    }
}

bool
ps2_mouse_is_enabled (Ps2Mouse *mouse)
{
  bool enabled;

  pthread_mutex_lock (&mouse->lock);
  enabled = mouse->enabled;
  pthread_mutex_unlock (&mouse->lock);
  return enabled;
}

Ps2Mouse *
ps2_mouse_new (I8042 *ctrl)
{
  Ps2Mouse *mouse = calloc (1, sizeof *mouse);

  if (mouse == NULL)
    return NULL;
  pthread_mutex_init (&mouse->lock, NULL);
  mouse->ctrl = ctrl;
  ps2_mouse_defaults (mouse);
  i8042_attach (ctrl, I8042_PORT_AUX, ps2_mouse_write, mouse);
  return mouse;
}

void
ps2_mouse_free (Ps2Mouse *mouse)
{
  if (mouse == NULL)
    return;
  i8042_attach (mouse->ctrl, I8042_PORT_AUX, NULL, NULL);
  pthread_mutex_destroy (&mouse->lock);
  free (mouse);
}

void
ps2_mouse_reset (Ps2Mouse *mouse)
{
  pthread_mutex_lock (&mouse->lock);
  ps2_mouse_defaults (mouse);
  mouse->id = ID_STANDARD;
  mouse->buttons = 0;
  mouse->rates[0] = mouse->rates[1] = mouse->rates[2] = 0;
  mouse->last_sent = 0;
  pthread_mutex_unlock (&mouse->lock);
}
