/* gh-guest-id.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <uuid/uuid.h>

#include <glib/gi18n.h>

#include "gh-types.h"
#include "gh-error.h"
#include "gh-guest-id.h"

/**
 * gh_guest_name_validate:
 * @name: (nullable): a candidate domain name
 *
 * A name is also a file name (`<name>.conf`) and a folder name in the runtime folder, so it
 * keeps to a set of characters that needs no quoting anywhere: letters, digits, `-`, `_`, `.`;
 * "." and ".." are refused because they mean something to the file system.
 */
gboolean
gh_guest_name_validate (const char  *name,
                        GError     **error)
{
  gsize len;

  if (name == NULL || name[0] == '\0')
    {
      g_set_error_literal (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_NAME,
                           _("The guest name is empty"));
      return FALSE;
    }

  len = strlen (name);
  if (len > GH_GUEST_NAME_MAX_LEN)
    {
      g_set_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_NAME,
                   _("The guest name is longer than %d characters"), GH_GUEST_NAME_MAX_LEN);
      return FALSE;
    }

  for (gsize i = 0; i < len; i++)
    {
      char c = name[i];

      if (!(g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.'))
        {
          g_set_error_literal (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_NAME,
                               _("The guest name may hold only letters, digits, “-”, “_” and “.”"));
          return FALSE;
        }
    }

  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    {
      g_set_error_literal (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_NAME,
                           _("The guest name may not be “.” or “..”"));
      return FALSE;
    }

  return TRUE;
}

/**
 * gh_guest_uuid_generate:
 *
 * Returns: (transfer full): a new random (version 4) UUID in lower case
 */
char *
gh_guest_uuid_generate (void)
{
  uuid_t uuid;
  char buf[37];

  uuid_generate_random (uuid);
  uuid_unparse_lower (uuid, buf);

  return g_strdup (buf);
}

gboolean
gh_guest_uuid_validate (const char  *uuid,
                        GError     **error)
{
  uuid_t parsed;

  /* uuid_parse() accepts exactly the 36-character form; the length check keeps it from reading
   * past a shorter string's end on old libuuid versions.
   */
  if (uuid == NULL || strlen (uuid) != 36 || uuid_parse (uuid, parsed) != 0)
    {
      g_set_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_UUID,
                   _("“%s” is not a UUID"), uuid ? uuid : "");
      return FALSE;
    }

  return TRUE;
}

/**
 * gh_mac_parse:
 * @mac: six hex byte pairs separated by `:` (or all by `-`)
 * @out: (out caller-allocates): the address
 */
gboolean
gh_mac_parse (const char  *mac,
              guint8       out[6],
              GError     **error)
{
  char sep;

  g_return_val_if_fail (out != NULL, FALSE);

  if (mac == NULL || strlen (mac) != GH_MAC_STRING_LEN)
    goto malformed;

  sep = mac[2];
  if (sep != ':' && sep != '-')
    goto malformed;

  for (guint i = 0; i < 6; i++)
    {
      const char *p = mac + i * 3;
      int hi = g_ascii_xdigit_value (p[0]);
      int lo = g_ascii_xdigit_value (p[1]);

      if (hi < 0 || lo < 0)
        goto malformed;
      if (i < 5 && p[2] != sep)
        goto malformed;

      out[i] = (guint8) (hi << 4 | lo);
    }

  return TRUE;

malformed:
  g_set_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_MAC,
               _("“%s” is not a MAC address (expected six hex pairs such as 0a:67:68:12:34:56)"),
               mac ? mac : "");
  return FALSE;
}

static char *
format_mac (const guint8 mac[6])
{
  return g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x",
                          mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/**
 * gh_mac_normalize:
 *
 * Returns: (transfer full) (nullable): @mac in the canonical lower-case, colon form used in
 *   configuration files and for comparisons
 */
char *
gh_mac_normalize (const char  *mac,
                  GError     **error)
{
  guint8 bytes[6];

  if (!gh_mac_parse (mac, bytes, error))
    return NULL;

  return format_mac (bytes);
}

/**
 * gh_mac_validate_manual:
 * @mac: an address a person typed
 * @in_use: (nullable): canonical addresses of the other defined guests' NICs
 *
 * Returns: (transfer full) (nullable): the canonical form of @mac, or %NULL with @error set if
 *   it is malformed, multicast, all zero, or used by another guest
 */
char *
gh_mac_validate_manual (const char  *mac,
                        GHashTable  *in_use,
                        GError     **error)
{
  guint8 bytes[6];
  g_autofree char *canonical = NULL;

  if (!gh_mac_parse (mac, bytes, error))
    return NULL;

  /* The lowest bit of the first byte marks group (multicast and broadcast) addresses; a NIC
   * with one would receive other hosts' traffic and confuse every switch on the way.
   */
  if (bytes[0] & 0x01)
    {
      g_set_error (error, GH_ID_ERROR, GH_ID_ERROR_MAC_NOT_UNICAST,
                   _("“%s” is a multicast address; a NIC needs a unicast one"), mac);
      return NULL;
    }

  if ((bytes[0] | bytes[1] | bytes[2] | bytes[3] | bytes[4] | bytes[5]) == 0)
    {
      g_set_error (error, GH_ID_ERROR, GH_ID_ERROR_INVALID_MAC,
                   _("“%s” is the all-zero address, which no NIC may have"), mac);
      return NULL;
    }

  canonical = format_mac (bytes);

  if (in_use != NULL && g_hash_table_contains (in_use, canonical))
    {
      g_set_error (error, GH_ID_ERROR, GH_ID_ERROR_MAC_IN_USE,
                   _("The MAC address %s is already used by another guest"), canonical);
      return NULL;
    }

  return g_steal_pointer (&canonical);
}

/**
 * gh_mac_allocate:
 * @in_use: (nullable): canonical addresses already taken
 * @rand: (nullable): the random source; %NULL for GLib's global one (tests pass a seeded one)
 *
 * Draws the lower 24 bits at random under %GH_MAC_PREFIX until the address is free. Random
 * draws keep two guests defined on different machines unlikely to clash when both later join
 * one network; when the pool is nearly full, a bounded number of draws is followed by a linear
 * walk so that the call always ends.
 *
 * Returns: (transfer full) (nullable): a canonical address not in @in_use
 */
char *
gh_mac_allocate (GHashTable  *in_use,
                 GRand       *rand,
                 GError     **error)
{
  guint8 bytes[6] = { GH_MAC_PREFIX_0, GH_MAC_PREFIX_1, GH_MAC_PREFIX_2, 0, 0, 0 };
  guint32 start;

  for (guint attempt = 0; attempt < 64; attempt++)
    {
      guint32 low = (rand ? g_rand_int (rand) : g_random_int ()) & (GH_MAC_POOL_SIZE - 1);
      g_autofree char *candidate = NULL;

      bytes[3] = (low >> 16) & 0xff;
      bytes[4] = (low >> 8) & 0xff;
      bytes[5] = low & 0xff;
      candidate = format_mac (bytes);

      if (in_use == NULL || !g_hash_table_contains (in_use, candidate))
        return g_steal_pointer (&candidate);
    }

  start = (rand ? g_rand_int (rand) : g_random_int ()) & (GH_MAC_POOL_SIZE - 1);
  for (guint32 i = 0; i < GH_MAC_POOL_SIZE; i++)
    {
      guint32 low = (start + i) & (GH_MAC_POOL_SIZE - 1);
      g_autofree char *candidate = NULL;

      bytes[3] = (low >> 16) & 0xff;
      bytes[4] = (low >> 8) & 0xff;
      bytes[5] = low & 0xff;
      candidate = format_mac (bytes);

      if (!g_hash_table_contains (in_use, candidate))
        return g_steal_pointer (&candidate);
    }

  g_set_error_literal (error, GH_ID_ERROR, GH_ID_ERROR_EXHAUSTED,
                       _("Every MAC address of the pool is in use"));
  return NULL;
}

/**
 * gh_domain_id_allocate:
 * @in_use: (array length=n_in_use): domain ids of the running guests
 *
 * Returns: the smallest integer ≥ 1 not in @in_use (0 is the host)
 */
guint
gh_domain_id_allocate (const guint *in_use,
                       gsize        n_in_use)
{
  g_autofree gboolean *taken = NULL;

  g_return_val_if_fail (in_use != NULL || n_in_use == 0, 0);

  /* Among n running guests, one of 1 … n+1 is always free, so a bitmap of n+2 entries is
   * enough and ids beyond it can be ignored.
   */
  taken = g_new0 (gboolean, n_in_use + 2);
  for (gsize i = 0; i < n_in_use; i++)
    if (in_use[i] <= n_in_use + 1)
      taken[in_use[i]] = TRUE;

  for (guint id = 1; id <= n_in_use + 1; id++)
    if (!taken[id])
      return id;

  g_assert_not_reached ();
}
