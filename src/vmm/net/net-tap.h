/* net-tap.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* A TAP interface as a virtio-net back end (--nic tap=IFNAME): plain
 * Ethernet frames, no packet information and no virtio header
 * (IFF_TAP | IFF_NO_PI, IFF_VNET_HDR off), since virtio-net offers no
 * offloads. The interface is attached to, or created if the VMM may
 * (CAP_NET_ADMIN); setting it up (bridge, addresses) is the host's
 * business. The descriptor is non-blocking: a frame the kernel has no room
 * for is dropped, as on a congested link. */

#define NET_TAP_MAX_FRAME  65550

typedef struct NetTap NetTap;

/* NULL with a sentence in error. */
NetTap *net_tap_open     (const char    *ifname,
                          char          *error,
                          size_t         error_size);
void    net_tap_free     (NetTap        *tap);
/* For the caller's poll loop: readable when frames wait. */
int     net_tap_get_fd   (NetTap        *tap);
/* A NetBackend transmit function (opaque is the NetTap): one frame to the
 * interface. Any thread. */
void    net_tap_transmit (void          *opaque,
                          const uint8_t *frame,
                          size_t         len);
/* Reads the frames that wait (a bounded number per call, so that one busy
 * interface cannot starve the caller's loop) and hands each to receive. */
void    net_tap_read     (NetTap        *tap,
                          void         (*receive) (void          *opaque,
                                                   const uint8_t *frame,
                                                   size_t         len),
                          void          *opaque);
