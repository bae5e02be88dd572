/* nic-spec.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic-spec.h"

static int
nic_fail (char       *error,
          size_t      error_size,
          const char *format,
          ...)
{
  va_list args;

  va_start (args, format);
  vsnprintf (error, error_size, format, args);
  va_end (args);
  return -1;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char) tolower ((unsigned char) c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

bool
nic_parse_mac (const char *text,
               uint8_t     mac[6])
{
  uint8_t out[6];
  char sep = 0;

  /* Exactly six pairs of hex digits, one kind of separator. */
  if (strlen (text) != 17)
    return false;
  for (unsigned i = 0; i < 6; i++)
    {
      int hi = hex_value (text[3 * i]), lo = hex_value (text[3 * i + 1]);

      if (hi < 0 || lo < 0)
        return false;
      out[i] = (uint8_t) (hi << 4 | lo);
      if (i < 5)
        {
          char c = text[3 * i + 2];

          if (c != ':' && c != '-')
            return false;
          if (sep == 0)
            sep = c;
          else if (c != sep)
            return false;
        }
    }
  /* A group address cannot be a card's own. */
  if (out[0] & 1)
    return false;
  memcpy (mac, out, 6);
  return true;
}

static bool
parse_port (const char *text,
            size_t      len,
            uint16_t   *port)
{
  unsigned long value = 0;

  if (len == 0 || len > 5)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (!isdigit ((unsigned char) text[i]))
        return false;
      value = value * 10 + (unsigned long) (text[i] - '0');
    }
  if (value == 0 || value > 65535)
    return false;
  *port = (uint16_t) value;
  return true;
}

/* tcp:HOSTPORT-:GUESTPORT. The empty guest address between '-' and ':'
 * keeps QEMU's spelling; the guest is always the DHCP address. */
static bool
parse_hostfwd (const char *text,
               size_t      len,
               NicHostFwd *fwd)
{
  const char *dash;

  if (len < 4 || strncmp (text, "tcp:", 4) != 0)
    return false;
  text += 4;
  len -= 4;
  dash = memchr (text, '-', len);
  if (dash == NULL || (size_t) (dash - text) + 2 > len || dash[1] != ':')
    return false;
  return parse_port (text, (size_t) (dash - text), &fwd->host_port)
         && parse_port (dash + 2, len - (size_t) (dash - text) - 2, &fwd->guest_port);
}

static bool
valid_ifname (const char *name,
              size_t      len)
{
  if (len == 0 || len >= NIC_IFNAME_MAX)
    return false;
  /* What the kernel's dev_valid_name() takes, without the odd corners. */
  if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
    return false;
  for (size_t i = 0; i < len; i++)
    if (name[i] == '/' || name[i] == ':' || isspace ((unsigned char) name[i])
        || !isprint ((unsigned char) name[i]))
      return false;
  return true;
}

int
nic_spec_parse (const char *text,
                NicSpec    *spec,
                char       *error,
                size_t      error_size)
{
  bool has_net = false, has_tap = false;
  const char *p = text;

  memset (spec, 0, sizeof *spec);
  spec->net = NIC_NET_USER;
  if (text == NULL)
    return nic_fail (error, error_size, "no network card description");

  while (*p != '\0')
    {
      const char *end = strchr (p, ',');
      size_t len = end != NULL ? (size_t) (end - p) : strlen (p);
      const char *eq = memchr (p, '=', len);
      size_t key_len, value_len;
      const char *value;
      char item[128];

      snprintf (item, sizeof item, "%.*s", (int) (len < 100 ? len : 100), p);
      /* A bare "user" is net=user, as the app's guest configuration
       * spells it. */
      if (eq == NULL && len == 4 && strncmp (p, "user", 4) == 0)
        {
          key_len = 3;
          value = p;
          value_len = 4;
          p = "net";
        }
      else if (eq == NULL)
        return nic_fail (error, error_size, "“%s” is not KEY=VALUE", item);
      else
        {
          key_len = (size_t) (eq - p);
          value = eq + 1;
          value_len = len - key_len - 1;
        }

      if (key_len == 5 && strncmp (p, "model", 5) == 0)
        {
          /* The app's configuration names the model; virtio is the only
           * one there is. */
          if (value_len != 6 || strncmp (value, "virtio", 6) != 0)
            return nic_fail (error, error_size, "“%s”: the only model is virtio", item);
        }
      else if (key_len == 3 && strncmp (p, "mac", 3) == 0)
        {
          char mac[32];

          if (spec->has_mac)
            return nic_fail (error, error_size, "mac= is given twice");
          snprintf (mac, sizeof mac, "%.*s", (int) (value_len < 31 ? value_len : 31), value);
          if (value_len > 17 || !nic_parse_mac (mac, spec->mac))
            return nic_fail (error, error_size,
                             "“%s” is not a unicast MAC address (expected xx:xx:xx:xx:xx:xx, "
                             "first byte even)", item);
          spec->has_mac = true;
        }
      else if (key_len == 3 && strncmp (p, "net", 3) == 0)
        {
          if (has_net)
            return nic_fail (error, error_size, "net= is given twice");
          if (value_len != 4 || strncmp (value, "user", 4) != 0)
            return nic_fail (error, error_size, "“%s”: the only network is net=user", item);
          has_net = true;
        }
      else if (key_len == 7 && strncmp (p, "hostfwd", 7) == 0)
        {
          NicHostFwd fwd;

          if (!parse_hostfwd (value, value_len, &fwd))
            return nic_fail (error, error_size,
                             "“%s” is not hostfwd=tcp:HOSTPORT-:GUESTPORT (ports 1 to 65535)",
                             item);
          if (spec->n_hostfwd == NIC_MAX_HOSTFWD)
            return nic_fail (error, error_size, "more than %d hostfwd=", NIC_MAX_HOSTFWD);
          for (unsigned i = 0; i < spec->n_hostfwd; i++)
            if (spec->hostfwd[i].host_port == fwd.host_port)
              return nic_fail (error, error_size, "host port %u is forwarded twice",
                               fwd.host_port);
          spec->hostfwd[spec->n_hostfwd++] = fwd;
        }
      else if (key_len == 3 && strncmp (p, "tap", 3) == 0)
        {
          if (has_tap)
            return nic_fail (error, error_size, "tap= is given twice");
          if (!valid_ifname (value, value_len))
            return nic_fail (error, error_size, "“%s” is not a network interface name", item);
          memcpy (spec->tap, value, value_len);
          spec->tap[value_len] = '\0';
          has_tap = true;
        }
      else
        return nic_fail (error, error_size,
                         "unknown “%s” (expected mac=, net=user, hostfwd=, tap= or model=virtio)", item);

      if (end == NULL)
        break;
      p = end + 1;
      if (*p == '\0')
        return nic_fail (error, error_size, "trailing comma");
    }

  if (has_tap && (has_net || spec->n_hostfwd > 0))
    return nic_fail (error, error_size, "tap= cannot go with net=user or hostfwd=");
  if (has_tap)
    spec->net = NIC_NET_TAP;
  return 0;
}

void
nic_default_mac (const char *uuid,
                 unsigned    index,
                 uint8_t     mac[6])
{
  /* FNV-1a over the UUID's hex digits, lower-cased, then the index: the
   * same guest gets the same MACs on every run and every host. */
  uint32_t hash = 2166136261u;

  for (const char *c = uuid != NULL ? uuid : ""; *c != '\0'; c++)
    {
      if (hex_value (*c) < 0)
        continue;
      hash ^= (uint8_t) tolower ((unsigned char) *c);
      hash *= 16777619u;
    }
  for (unsigned i = 0; i < 4; i++)
    {
      hash ^= (uint8_t) (index >> (8 * i));
      hash *= 16777619u;
    }
  mac[0] = 0x0a;
  mac[1] = 0x67;
  mac[2] = 0x68;
  mac[3] = (uint8_t) (hash >> 16);
  mac[4] = (uint8_t) (hash >> 8);
  mac[5] = (uint8_t) hash;
}

void
nic_spec_get_mac (const NicSpec *spec,
                  const char    *uuid,
                  unsigned       index,
                  uint8_t        mac[6])
{
  if (spec->has_mac)
    memcpy (mac, spec->mac, 6);
  else
    nic_default_mac (uuid, index, mac);
}
