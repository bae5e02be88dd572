/* slirp-module.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The C ABI between guesthouse-vmm and its user-mode networking module
 * (guesthouse-vmm-slirp.so), which links libslirp and, through it, GLib.
 * The VMM loads the module with dlopen() only when a --nic uses net=user,
 * so a guest without one never maps either (start-up time and RSS are
 * benchmarked).
 *
 * The module exports one function, GH_SLIRP_MODULE_SYMBOL, of type
 * GhSlirpModuleGetFunc: asked for an ABI version, it returns its table or
 * NULL. Everything crosses as plain C types; the module includes nothing of
 * the VMM but this header.
 *
 * Each network runs libslirp on a thread of its own, in a poll() loop over
 * slirp's sockets and timers: libslirp is not thread-safe, so frames from
 * the guest are queued and handed to it on that thread. */

#define GH_SLIRP_MODULE_ABI      1
#define GH_SLIRP_MODULE_SYMBOL   "gh_slirp_module_get"
#define GH_SLIRP_MODULE_NAME     "guesthouse-vmm-slirp.so"
#define GH_SLIRP_MAX_HOSTFWD     8
/* Frames from the guest waiting for the slirp thread; more are dropped
 * (TCP retransmits, as on a congested link). */
#define GH_SLIRP_TX_QUEUE        512

typedef struct
{
  uint16_t host_port;           /* on 127.0.0.1 */
  uint16_t guest_port;          /* on the guest's DHCP address, 10.0.2.15 */
} GhSlirpHostFwd;

typedef struct
{
  /* libslirp's defaults: 10.0.2.0/24, host 10.0.2.2, DNS 10.0.2.3, DHCP
   * from 10.0.2.15. No IPv6. */
  unsigned        n_hostfwd;
  GhSlirpHostFwd  hostfwd[GH_SLIRP_MAX_HOSTFWD];
  /* The DHCP host name; NULL for none. */
  const char     *hostname;
} GhSlirpConfig;

typedef struct
{
  void  *opaque;
  /* A frame for the guest, on the slirp thread. May drop it. */
  void (*receive) (void          *opaque,
                   const uint8_t *frame,
                   size_t         len);
  /* Optional: one line, no newline (libslirp's guest-error reports). Slirp
   * thread. NULL drops them. */
  void (*log)     (void          *opaque,
                   const char    *message);
} GhSlirpCallbacks;

typedef struct GhSlirp GhSlirp;

typedef struct
{
  uint32_t   abi;
  /* Sets up the network, binds the forwarded ports and starts the thread.
   * callbacks is copied. On failure returns NULL with a sentence in
   * error. */
  GhSlirp *(*start)    (const GhSlirpConfig    *config,
                        const GhSlirpCallbacks *callbacks,
                        char                   *error,
                        size_t                  error_size);
  /* A frame from the guest: copied and queued for the slirp thread. Any
   * thread; never blocks on the network. */
  void     (*transmit) (GhSlirp                *slirp,
                        const uint8_t          *frame,
                        size_t                  len);
  /* Stops the thread, closes every socket, frees. No callback runs after
   * it returns. */
  void     (*stop)     (GhSlirp                *slirp);
} GhSlirpModule;

typedef const GhSlirpModule *(*GhSlirpModuleGetFunc) (uint32_t abi);

/* VMM side (slirp-loader.c): finds and loads the module. Looks at
 * $GUESTHOUSE_SLIRP_MODULE, then next to the executable (the build tree:
 * <exe dir>/net/), then the installed module directory. Returns NULL with
 * a sentence in error. The module stays loaded until exit. */
const GhSlirpModule *slirp_module_load (char   *error,
                                        size_t  error_size);
