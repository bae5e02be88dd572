/* gh-guest-id.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#if !defined (GUESTHOUSE_CORE_INSIDE) && !defined (GUESTHOUSE_CORE_COMPILATION)
# error "Only <gh-core.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* Guest NICs get addresses under this locally administered, unicast prefix ("gh" in its last two
 * bytes); the lower 24 bits are drawn at random.
 */
#define GH_MAC_PREFIX        "0a:67:68"
#define GH_MAC_PREFIX_0      0x0a
#define GH_MAC_PREFIX_1      0x67
#define GH_MAC_PREFIX_2      0x68
#define GH_MAC_POOL_SIZE     (1u << 24)
#define GH_MAC_STRING_LEN    17

gboolean  gh_guest_name_validate  (const char    *name,
                                   GError       **error);
char     *gh_guest_uuid_generate  (void);
gboolean  gh_guest_uuid_validate  (const char    *uuid,
                                   GError       **error);
char     *gh_mac_normalize        (const char    *mac,
                                   GError       **error);
gboolean  gh_mac_parse            (const char    *mac,
                                   guint8         out[6],
                                   GError       **error);
char     *gh_mac_validate_manual  (const char    *mac,
                                   GHashTable    *in_use,
                                   GError       **error);
char     *gh_mac_allocate         (GHashTable    *in_use,
                                   GRand         *rand,
                                   GError       **error);
guint     gh_domain_id_allocate   (const guint   *in_use,
                                   gsize          n_in_use);

G_END_DECLS
