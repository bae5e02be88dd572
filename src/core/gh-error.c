/* gh-error.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-types.h"
#include "gh-error.h"

G_DEFINE_QUARK (gh-config-error-quark, gh_config_error)
G_DEFINE_QUARK (gh-id-error-quark, gh_id_error)
G_DEFINE_QUARK (gh-store-error-quark, gh_store_error)
G_DEFINE_QUARK (gh-disk-error-quark, gh_disk_error)
G_DEFINE_QUARK (gh-launcher-error-quark, gh_launcher_error)
G_DEFINE_QUARK (gh-client-error-quark, gh_client_error)
