/* vnc-module.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The C ABI between guesthouse-vmm and its VNC server module
 * (guesthouse-vmm-vnc.so), which links libvncserver. The VMM loads the
 * module with dlopen() only when asked for a VNC display, so a guest without
 * one never maps libvncserver and its dependencies.
 *
 * The module exports one function, GH_VNC_MODULE_SYMBOL, of type
 * GhVncModuleGetFunc: asked for an ABI version, it returns its table or NULL.
 * Everything crosses as plain C types; the module includes nothing of the
 * VMM but this header. */

#define GH_VNC_MODULE_ABI     1
#define GH_VNC_MODULE_SYMBOL  "gh_vnc_module_get"
#define GH_VNC_MODULE_NAME    "guesthouse-vmm-vnc.so"
#define GH_VNC_MAX_RECTS      32

/* RFB pointer buttons, as clients send them. */
#define GH_VNC_BUTTON_LEFT        0x01
#define GH_VNC_BUTTON_MIDDLE      0x02
#define GH_VNC_BUTTON_RIGHT       0x04
#define GH_VNC_BUTTON_WHEEL_UP    0x08
#define GH_VNC_BUTTON_WHEEL_DOWN  0x10

typedef struct
{
  uint32_t x;
  uint32_t y;
  uint32_t width;
  uint32_t height;
} GhVncRect;

/* The guest's picture: 32-bit XRGB little-endian (bytes B, G, R, X). */
typedef struct
{
  uint32_t       width;
  uint32_t       height;
  uint32_t       stride;
  const uint8_t *pixels;
  bool           resized;       /* size or buffer changed: take all of it */
  uint32_t       n_rects;       /* changed since the previous acquire */
  GhVncRect      rects[GH_VNC_MAX_RECTS];
} GhVncFrame;

typedef struct
{
  void  *opaque;

  /* On the module's refresh thread, every refresh period while a client is
   * connected and after notify_update. Fills frame and keeps the pixels
   * stable until release_frame. Returns false when there is nothing to show
   * (release_frame is then not called). */
  bool (*acquire_frame) (void       *opaque,
                         GhVncFrame *frame);
  void (*release_frame) (void       *opaque);

  /* Input, on client threads; the module calls them one at a time. qnum is
   * the key's QEMU number (set 1 code, 0x80 for the E0 prefix) from a client
   * using QEMU's extended key event, else 0 and only keysym is known. */
  void (*key_event)     (void       *opaque,
                         bool        down,
                         uint32_t    keysym,
                         uint32_t    qnum);
  /* Absolute position in the picture and the GH_VNC_BUTTON_* mask. */
  void (*pointer_event) (void       *opaque,
                         uint32_t    x,
                         uint32_t    y,
                         uint32_t    buttons);

  /* Optional: one line, no newline; where the module's and libvncserver's
   * messages go. NULL drops them. Any thread. */
  void (*log)           (void       *opaque,
                         const char *message);
} GhVncCallbacks;

typedef struct
{
  /* A Unix socket to listen on (created mode 0600; a stale socket there is
   * replaced; removed at stop), or NULL. */
  const char *unix_path;
  /* TCP: an IPv4 address ("127.0.0.1" unless told otherwise) and port, or
   * tcp_port 0 for none. Never the IPv6 wildcard. */
  const char *tcp_address;
  int         tcp_port;
  /* Desktop name shown by viewers; NULL: "guesthouse". */
  const char *name;
  /* Picture refresh period; 0: 16 ms (60 Hz). */
  unsigned    refresh_ms;
} GhVncConfig;

typedef struct GhVncServer GhVncServer;

typedef struct
{
  uint32_t      abi;
  /* Starts listening and the server's threads. callbacks is copied. On
   * failure returns NULL with a sentence in error. */
  GhVncServer *(*start)         (const GhVncConfig    *config,
                                 const GhVncCallbacks *callbacks,
                                 char                 *error,
                                 size_t                error_size);
  /* Something changed (a mode switch, say): refresh now. Any thread. */
  void         (*notify_update) (GhVncServer          *server);
  /* Disconnects every client, stops the threads, frees. No callback runs
   * after it returns. */
  void         (*stop)          (GhVncServer          *server);
} GhVncModule;

typedef const GhVncModule *(*GhVncModuleGetFunc) (uint32_t abi);

/* VMM side (vnc-loader.c): finds and loads the module. Looks at
 * $GUESTHOUSE_VNC_MODULE, then next to the executable (the build tree:
 * <exe dir>/display/), then the installed module directory. Returns NULL
 * with a sentence in error. The module stays loaded until exit. */
const GhVncModule *vnc_module_load (char   *error,
                                    size_t  error_size);
