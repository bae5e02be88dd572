/* display-console.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/ps2-keyboard.h"
#include "devices/ps2-mouse.h"
#include "devices/vga.h"
#include "display/vnc-module.h"
#include "virtio/virtio-input.h"

/* The glue between the guest's console devices and a display front end
 * (the VNC module, screendump, the control commands): pictures from the VGA
 * with the dirty log of its video memory, keys to the PS/2 keyboard (QEMU
 * key numbers, or keysyms through the US table), and an absolute pointer
 * turned into relative PS/2 mouse motion.
 *
 * A PS/2 mouse only reports motion, which the guest accelerates: the guest's
 * pointer drifts from the viewer's. So once the guest's driver for the
 * virtio-input tablet is up, the absolute position goes there instead,
 * scaled from the picture the viewer last got to the tablet's 0..32767;
 * until then (firmware, boot loaders, guests without the driver) the PS/2
 * mouse gets relative motion, as QEMU does without a tablet.
 *
 * Keys go to the virtio-input keyboard once its driver is up, else to the
 * PS/2 keyboard; never to both, because a guest that has drivers for both
 * merges them (Linux's VT, X, Wayland) and would see every key twice.
 * QEMU routes keys to a single device the same way. */

typedef struct DisplayConsole DisplayConsole;

typedef struct
{
  Vga         *vga;
  Ps2Keyboard *kbd;             /* may be NULL */
  Ps2Mouse    *mouse;           /* may be NULL */

  /* Optional: fetches (and clears) KVM's dirty log of the slot that maps
   * video memory: n_pages bits, 64-bit words. Returns false when there is
   * none (no slot yet, logging off): everything counts as changed then. */
  bool       (*get_dirty_log) (void     *opaque,
                               uint64_t *bitmap,
                               size_t    n_pages);
  void        *opaque;

  /* Optional, last so that positional initializers stay valid: virtio-input
   * devices that take over from the PS/2 ones while their driver is up.
   * They must outlive the console. */
  VirtioInput *tablet;
  VirtioInput *keyboard;
} DisplayConsoleConfig;

DisplayConsole *display_console_new           (const DisplayConsoleConfig *config);
void            display_console_free          (DisplayConsole             *console);

/* Callbacks for GhVncModule.start; log stays NULL for the caller to set. */
void            display_console_vnc_callbacks (DisplayConsole             *console,
                                               GhVncCallbacks             *callbacks);

/* A key by QEMU number (qnum, 0 for none) or else keysym, as the control
 * protocol's send-key and input-send-event carry them. Returns false when
 * nothing was sent. */
bool            display_console_key           (DisplayConsole             *console,
                                               bool                        down,
                                               uint32_t                    keysym,
                                               uint32_t                    qnum);
/* Absolute pointer position and GH_VNC_BUTTON_* buttons. */
void            display_console_pointer       (DisplayConsole             *console,
                                               uint32_t                    x,
                                               uint32_t                    y,
                                               uint32_t                    buttons);
/* Relative motion, for input-send-event's "rel" events. */
void            display_console_motion        (DisplayConsole             *console,
                                               int32_t                     dx,
                                               int32_t                     dy,
                                               int32_t                     dz,
                                               uint32_t                    buttons);
