/* display-console.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <linux/input.h>
#include <pthread.h>
#include <stdlib.h>

#include "display/keymap.h"
#include "display-console.h"

#define DC_N_PAGES (VGA_VRAM_SIZE / 4096)

struct DisplayConsole
{
  DisplayConsoleConfig config;

  /* Pointer state, under lock: input may come from several threads (VNC
   * clients are serialized by the module, the control socket is not). */
  pthread_mutex_t      lock;
  bool                 have_position;
  uint32_t             x;
  uint32_t             y;
  uint32_t             buttons;
  /* The size of the last picture handed out, which the viewer's positions
   * refer to; 0 before the first. */
  uint32_t             pic_width;
  uint32_t             pic_height;

  /* Only the display thread (acquire) uses this. */
  uint64_t             dirty[DC_N_PAGES / 64];
};

static uint8_t
dc_ps2_buttons (uint32_t buttons)
{
  /* RFB: left 1, middle 2, right 4; PS/2: left 1, right 2, middle 4. */
  return (uint8_t) ((buttons & GH_VNC_BUTTON_LEFT ? PS2_MOUSE_LEFT : 0)
                    | (buttons & GH_VNC_BUTTON_MIDDLE ? PS2_MOUSE_MIDDLE : 0)
                    | (buttons & GH_VNC_BUTTON_RIGHT ? PS2_MOUSE_RIGHT : 0));
}

static bool
dc_acquire (void       *opaque,
            GhVncFrame *frame)
{
  DisplayConsole *console = opaque;
  Framebuffer *fb = vga_get_framebuffer (console->config.vga);
  const uint64_t *dirty = NULL;
  FbSurface surface;
  FbDirty rects;
  bool resized;

  if (vga_uses_vram (console->config.vga) && console->config.get_dirty_log != NULL
      && console->config.get_dirty_log (console->config.opaque, console->dirty, DC_N_PAGES))
    dirty = console->dirty;
  vga_refresh (console->config.vga, dirty, DC_N_PAGES);

  /* Held until dc_release: the shadow buffer must not be redrawn while the
   * module copies out of it. */
  framebuffer_lock (fb);
  framebuffer_take (fb, &surface, &rects, &resized);
  if (surface.pixels == NULL)
    {
      framebuffer_unlock (fb);
      return false;
    }
  frame->width = surface.width;
  frame->height = surface.height;
  frame->stride = surface.stride;
  frame->pixels = surface.pixels;
  frame->resized = resized;
  frame->n_rects = 0;
  pthread_mutex_lock (&console->lock);
  console->pic_width = surface.width;
  console->pic_height = surface.height;
  pthread_mutex_unlock (&console->lock);
  for (unsigned i = 0; i < rects.n_rects && i < GH_VNC_MAX_RECTS; i++)
    frame->rects[frame->n_rects++] = (GhVncRect) { rects.rects[i].x, rects.rects[i].y,
                                                   rects.rects[i].width,
                                                   rects.rects[i].height };
  return true;
}

static void
dc_release (void *opaque)
{
  DisplayConsole *console = opaque;

  framebuffer_unlock (vga_get_framebuffer (console->config.vga));
}

bool
display_console_key (DisplayConsole *console,
                     bool            down,
                     uint32_t        keysym,
                     uint32_t        qnum)
{
  uint16_t scancode = qnum != 0 ? keymap_qnum_to_scancode (qnum) : 0;
  uint16_t key;

  if (scancode == 0)
    scancode = keymap_keysym_to_scancode (keysym);
  if (scancode == 0)
    return false;
  /* The virtio keyboard while its driver is up, else PS/2: see the header
   * for why never both. */
  if (console->config.keyboard != NULL && virtio_input_is_ready (console->config.keyboard)
      && (key = virtio_input_scancode_to_key (scancode)) != 0)
    {
      VirtioInputEvent events[2] = {
        { EV_KEY, key, down ? 1 : 0 },
        { EV_SYN, SYN_REPORT, 0 },
      };

      /* The driver may have gone away since the check: then PS/2. */
      if (virtio_input_send (console->config.keyboard, events, 2))
        return true;
    }
  return console->config.kbd != NULL && ps2_keyboard_press (console->config.kbd, scancode, down);
}

static void
dc_key (void     *opaque,
        bool      down,
        uint32_t  keysym,
        uint32_t  qnum)
{
  display_console_key (opaque, down, keysym, qnum);
}

void
display_console_motion (DisplayConsole *console,
                        int32_t         dx,
                        int32_t         dy,
                        int32_t         dz,
                        uint32_t        buttons)
{
  if (console->config.mouse != NULL)
    ps2_mouse_move (console->config.mouse, dx, dy, dz, dc_ps2_buttons (buttons));
}

/* A position in a picture size long → the tablet's 0..VIRTIO_INPUT_ABS_MAX,
 * the last pixel on the maximum. Positions past the edge (a viewer may lag
 * a resize) stick to it. Size 0 (no picture at all) passes positions
 * through, clamped. */
static int32_t
dc_scale (uint32_t pos,
          uint32_t size)
{
  if (size == 0)
    return (int32_t) (pos < VIRTIO_INPUT_ABS_MAX ? pos : VIRTIO_INPUT_ABS_MAX);
  if (size == 1)
    return 0;
  if (pos > size - 1)
    pos = size - 1;
  return (int32_t) ((uint64_t) pos * VIRTIO_INPUT_ABS_MAX / (size - 1));
}

/* Sends the pointer to the tablet; false when its driver is not up. */
static bool
dc_tablet_pointer (DisplayConsole *console,
                   uint32_t        x,
                   uint32_t        y,
                   uint32_t        width,
                   uint32_t        height,
                   uint32_t        buttons,
                   uint32_t        changed,
                   int32_t         wheel)
{
  static const struct
  {
    uint32_t vnc;
    uint16_t btn;
  } map[] = {
    { GH_VNC_BUTTON_LEFT, BTN_LEFT },
    { GH_VNC_BUTTON_MIDDLE, BTN_MIDDLE },
    { GH_VNC_BUTTON_RIGHT, BTN_RIGHT },
  };
  VirtioInputEvent events[8];
  unsigned n = 0;

  if (console->config.tablet == NULL || !virtio_input_is_ready (console->config.tablet))
    return false;
  events[n++] = (VirtioInputEvent) { EV_ABS, ABS_X, dc_scale (x, width) };
  events[n++] = (VirtioInputEvent) { EV_ABS, ABS_Y, dc_scale (y, height) };
  for (unsigned i = 0; i < sizeof map / sizeof map[0]; i++)
    if (changed & map[i].vnc)
      events[n++] = (VirtioInputEvent) { EV_KEY, map[i].btn, buttons & map[i].vnc ? 1 : 0 };
  /* evdev's wheel counts up (away from the user) positive. */
  if (wheel != 0)
    events[n++] = (VirtioInputEvent) { EV_REL, REL_WHEEL, wheel };
  events[n++] = (VirtioInputEvent) { EV_SYN, SYN_REPORT, 0 };
  return virtio_input_send (console->config.tablet, events, n);
}

void
display_console_pointer (DisplayConsole *console,
                         uint32_t        x,
                         uint32_t        y,
                         uint32_t        buttons)
{
  int32_t dx = 0, dy = 0, dz = 0;
  uint32_t pressed, changed, width, height;

  pthread_mutex_lock (&console->lock);
  if (console->have_position)
    {
      dx = (int32_t) (x - console->x);
      dy = (int32_t) (y - console->y);
    }
  /* The wheel comes as a press of button 4 (up) or 5 (down). */
  pressed = buttons & ~console->buttons;
  changed = buttons ^ console->buttons;
  if (pressed & GH_VNC_BUTTON_WHEEL_UP)
    dz--;
  if (pressed & GH_VNC_BUTTON_WHEEL_DOWN)
    dz++;
  console->have_position = true;
  console->x = x;
  console->y = y;
  console->buttons = buttons;
  width = console->pic_width;
  height = console->pic_height;
  pthread_mutex_unlock (&console->lock);

  /* No picture handed out yet (the control socket's input-send-event
   * before any viewer): the one the VGA shows now. */
  if (width == 0)
    {
      Framebuffer *fb = vga_get_framebuffer (console->config.vga);

      framebuffer_lock (fb);
      width = fb->surface.width;
      height = fb->surface.height;
      framebuffer_unlock (fb);
    }
  if (dc_tablet_pointer (console, x, y, width, height, buttons, changed, -dz))
    return;
  display_console_motion (console, dx, dy, dz, buttons);
}

static void
dc_pointer (void     *opaque,
            uint32_t  x,
            uint32_t  y,
            uint32_t  buttons)
{
  display_console_pointer (opaque, x, y, buttons);
}

void
display_console_vnc_callbacks (DisplayConsole *console,
                               GhVncCallbacks *callbacks)
{
  *callbacks = (GhVncCallbacks) {
    .opaque = console,
    .acquire_frame = dc_acquire,
    .release_frame = dc_release,
    .key_event = dc_key,
    .pointer_event = dc_pointer,
  };
}

DisplayConsole *
display_console_new (const DisplayConsoleConfig *config)
{
  DisplayConsole *console;

  if (config->vga == NULL)
    return NULL;
  console = calloc (1, sizeof *console);
  if (console == NULL)
    return NULL;
  console->config = *config;
  pthread_mutex_init (&console->lock, NULL);
  return console;
}

void
display_console_free (DisplayConsole *console)
{
  if (console == NULL)
    return;
  pthread_mutex_destroy (&console->lock);
  free (console);
}
