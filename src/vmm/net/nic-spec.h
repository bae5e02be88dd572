/* nic-spec.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The --nic option of guesthouse-vmm:
 *
 *   --nic [mac=MAC][,net=user[,hostfwd=tcp:HOSTPORT-:GUESTPORT]…]
 *   --nic [mac=MAC,]tap=IFNAME
 *
 * (also model=virtio, and a bare "user" for net=user, as the app's guest
 * configuration writes them)
 *
 * net=user (the default) is user-mode networking through libslirp: the
 * guest gets 10.0.2.15 by DHCP, 10.0.2.2 is the host and 10.0.2.3 the DNS
 * server; each hostfwd forwards 127.0.0.1:HOSTPORT on the host to GUESTPORT
 * of the guest (loopback only: a guest's services are not put on the
 * network behind the user's back). tap=IFNAME uses an existing TAP
 * interface. Without mac= the MAC comes from the guest's UUID, so that it
 * stays the same across runs (the guest's DHCP lease and its idea of
 * "which card is eth0" depend on it). */

#define NIC_MAX_NICS      4
#define NIC_MAX_HOSTFWD   8
#define NIC_IFNAME_MAX    16            /* IFNAMSIZ, with the NUL */

typedef enum
{
  NIC_NET_USER,
  NIC_NET_TAP,
} NicNet;

typedef struct
{
  uint16_t host_port;
  uint16_t guest_port;
} NicHostFwd;

typedef struct
{
  bool       has_mac;
  uint8_t    mac[6];
  NicNet     net;
  char       tap[NIC_IFNAME_MAX];
  unsigned   n_hostfwd;
  NicHostFwd hostfwd[NIC_MAX_HOSTFWD];
} NicSpec;

/* Parses one --nic value into spec. Returns 0, or -1 with a sentence in
 * error (which names the offending part). */
int  nic_spec_parse       (const char *text,
                           NicSpec    *spec,
                           char       *error,
                           size_t      error_size);
/* "12:34:56:78:9a:bc" (or with dashes), unicast only. */
bool nic_parse_mac        (const char *text,
                           uint8_t     mac[6]);
/* The MAC of the index-th card of the guest whose UUID (text form) is uuid:
 * 0a:67:68 (locally administered, unicast) and three bytes of a hash of the
 * UUID and index. Case and dashes of the UUID do not matter. */
void nic_default_mac      (const char *uuid,
                           unsigned    index,
                           uint8_t     mac[6]);
/* spec's MAC if it has one, else the default one. */
void nic_spec_get_mac     (const NicSpec *spec,
                           const char    *uuid,
                           unsigned       index,
                           uint8_t        mac[6]);
