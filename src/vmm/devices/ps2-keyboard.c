/* ps2-keyboard.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "display/keymap.h"
#include "ps2-keyboard.h"

#define KBD_ACK         0xfa
#define KBD_RESEND      0xfe
#define KBD_BAT_OK      0xaa
#define KBD_ECHO        0xee

#define CMD_SET_LEDS    0xed
#define CMD_ECHO        0xee
#define CMD_SCANCODE    0xf0
#define CMD_IDENTIFY    0xf2
#define CMD_TYPEMATIC   0xf3
#define CMD_ENABLE      0xf4
#define CMD_DISABLE     0xf5
#define CMD_DEFAULTS    0xf6
#define CMD_RESEND      0xfe
#define CMD_RESET       0xff

#define TYPEMATIC_DEFAULT 0x2b   /* 10.9 characters/s after 500 ms */

/* The longest thing a key sends: Pause in set 2. */
#define KBD_MAX_SEQ     8

struct Ps2Keyboard
{
  pthread_mutex_t lock;
  I8042          *ctrl;
  bool            scanning;
  unsigned        set;
  uint8_t         leds;
  uint8_t         typematic;
  uint8_t         pending;      /* a command waiting for its argument, or 0 */
  uint8_t         last_sent;
};

static void
ps2_keyboard_defaults (Ps2Keyboard *kbd)
{
  kbd->scanning = true;
  kbd->set = 2;
  kbd->leds = 0;
  kbd->typematic = TYPEMATIC_DEFAULT;
  kbd->pending = 0;
}

/* Sends outside the device lock, as every call out of a device. */
static bool
ps2_keyboard_send (Ps2Keyboard   *kbd,
                   const uint8_t *bytes,
                   size_t         n)
{
  if (n == 0)
    return true;
  return i8042_port_send (kbd->ctrl, I8042_PORT_KBD, bytes, n);
}

static size_t
ps2_keyboard_command (Ps2Keyboard *kbd,
                      uint8_t      byte,
                      uint8_t     *reply)
{
  size_t n = 0;
  uint8_t cmd = kbd->pending;

  if (cmd != 0)
    {
      kbd->pending = 0;
      switch (cmd)
        {
        case CMD_SET_LEDS:
          kbd->leds = byte & 0x07;
          reply[n++] = KBD_ACK;
          return n;

        case CMD_TYPEMATIC:
          kbd->typematic = byte & 0x7f;
          reply[n++] = KBD_ACK;
          return n;

        case CMD_SCANCODE:
          reply[n++] = KBD_ACK;
          if (byte == 0)
            reply[n++] = (uint8_t) kbd->set;
          else if (byte == 1 || byte == 2)
            kbd->set = byte;
          /* Set 3 is acknowledged and not taken, like many real
           * keyboards; a guest that reads the set back sees it. */
          return n;

        default:
          break;
        }
    }

  switch (byte)
    {
    case CMD_SET_LEDS:
    case CMD_TYPEMATIC:
    case CMD_SCANCODE:
      kbd->pending = byte;
      reply[n++] = KBD_ACK;
      break;

    case CMD_ECHO:
      reply[n++] = KBD_ECHO;
      break;

    case CMD_IDENTIFY:
      reply[n++] = KBD_ACK;
      reply[n++] = 0xab;
      reply[n++] = 0x83;
      break;

    case CMD_ENABLE:
      kbd->scanning = true;
      reply[n++] = KBD_ACK;
      break;

    case CMD_DISABLE:
      ps2_keyboard_defaults (kbd);
      kbd->scanning = false;
      reply[n++] = KBD_ACK;
      break;

    case CMD_DEFAULTS:
      ps2_keyboard_defaults (kbd);
      reply[n++] = KBD_ACK;
      break;

    case CMD_RESEND:
      reply[n++] = kbd->last_sent;
      break;

    case CMD_RESET:
      ps2_keyboard_defaults (kbd);
      reply[n++] = KBD_ACK;
      reply[n++] = KBD_BAT_OK;
      break;

    default:
      if (byte >= 0xf7 && byte <= 0xfd)
        reply[n++] = KBD_ACK;     /* set 3 key types: nothing to do */
      else
        reply[n++] = KBD_RESEND;  /* not a command: ask again */
      break;
    }
  return n;
}

static void
ps2_keyboard_write (void    *opaque,
                    uint8_t  byte)
{
  Ps2Keyboard *kbd = opaque;
  uint8_t reply[4];
  size_t n;

  pthread_mutex_lock (&kbd->lock);
  n = ps2_keyboard_command (kbd, byte, reply);
  if (n > 0 && byte != CMD_RESEND)
    kbd->last_sent = reply[n - 1];
  pthread_mutex_unlock (&kbd->lock);
  ps2_keyboard_send (kbd, reply, n);
}

/* The bytes a key sends in the given set. */
static size_t
ps2_keyboard_encode (unsigned  set,
                     uint16_t  scancode,
                     bool      down,
                     uint8_t  *out)
{
  static const uint8_t pause1[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };
  static const uint8_t pause2[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
  static const uint8_t print1_down[] = { 0xe0, 0x2a, 0xe0, 0x37 };
  static const uint8_t print1_up[] = { 0xe0, 0xb7, 0xe0, 0xaa };
  static const uint8_t print2_down[] = { 0xe0, 0x12, 0xe0, 0x7c };
  static const uint8_t print2_up[] = { 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12 };
  uint8_t code = scancode & 0xff, prefix = scancode >> 8;
  size_t n = 0;

#define COPY(a) (memcpy (out, a, sizeof a), sizeof a)
  if (scancode == KEYMAP_PAUSE)
    {
      /* Pause has no break code at all. */
      if (!down)
        return 0;
      return set == 1 ? COPY (pause1) : COPY (pause2);
    }
  if (scancode == KEYMAP_PRINT)
    {
      if (set == 1)
        return down ? COPY (print1_down) : COPY (print1_up);
      return down ? COPY (print2_down) : COPY (print2_up);
    }
#undef COPY

  if (code == 0 || code >= 0x80 || (prefix != 0 && prefix != 0xe0))
    return 0;
  if (prefix == 0xe0)
    out[n++] = 0xe0;
  if (set == 1)
    {
      out[n++] = down ? code : (uint8_t) (code | 0x80);
      return n;
    }
  code = keymap_set1_to_set2 (code);
  if (code == 0)
    return 0;
  if (!down)
    out[n++] = 0xf0;
  out[n++] = code;
  return n;
}

bool
ps2_keyboard_press (Ps2Keyboard *kbd,
                    uint16_t     scancode,
                    bool         down)
{
  uint8_t seq[KBD_MAX_SEQ];
  size_t n = 0;

  pthread_mutex_lock (&kbd->lock);
  if (kbd->scanning)
    n = ps2_keyboard_encode (kbd->set, scancode, down, seq);
  if (n > 0)
    kbd->last_sent = seq[n - 1];
  pthread_mutex_unlock (&kbd->lock);
  return n > 0 && ps2_keyboard_send (kbd, seq, n);
}

bool
ps2_keyboard_press_keysym (Ps2Keyboard *kbd,
                           uint32_t     keysym,
                           bool         down)
{
  uint16_t scancode = keymap_keysym_to_scancode (keysym);

  return scancode != 0 && ps2_keyboard_press (kbd, scancode, down);
}

uint8_t
ps2_keyboard_get_leds (Ps2Keyboard *kbd)
{
  uint8_t leds;

  pthread_mutex_lock (&kbd->lock);
  leds = kbd->leds;
  pthread_mutex_unlock (&kbd->lock);
  return leds;
}

unsigned
ps2_keyboard_get_set (Ps2Keyboard *kbd)
{
  unsigned set;

  pthread_mutex_lock (&kbd->lock);
  set = kbd->set;
  pthread_mutex_unlock (&kbd->lock);
  return set;
}

Ps2Keyboard *
ps2_keyboard_new (I8042 *ctrl)
{
  Ps2Keyboard *kbd = calloc (1, sizeof *kbd);

  if (kbd == NULL)
    return NULL;
  pthread_mutex_init (&kbd->lock, NULL);
  kbd->ctrl = ctrl;
  ps2_keyboard_defaults (kbd);
  i8042_attach (ctrl, I8042_PORT_KBD, ps2_keyboard_write, kbd);
  return kbd;
}

void
ps2_keyboard_free (Ps2Keyboard *kbd)
{
  if (kbd == NULL)
    return;
  i8042_attach (kbd->ctrl, I8042_PORT_KBD, NULL, NULL);
  pthread_mutex_destroy (&kbd->lock);
  free (kbd);
}

void
ps2_keyboard_reset (Ps2Keyboard *kbd)
{
  pthread_mutex_lock (&kbd->lock);
  ps2_keyboard_defaults (kbd);
  kbd->last_sent = 0;
  pthread_mutex_unlock (&kbd->lock);
}
