/* gh-core.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#define GUESTHOUSE_CORE_INSIDE
# include "gh-types.h"
# include "gh-core-enums.h"
# include "gh-error.h"
# include "protocol/gh-protocol.h"
# include "gh-guest-id.h"
# include "gh-guest-config.h"
# include "gh-demo-guest.h"
# include "gh-disk-image.h"
# include "gh-guest.h"
# include "gh-guest-store.h"
# include "gh-helper-launcher.h"
# include "gh-helper-client.h"
#undef GUESTHOUSE_CORE_INSIDE
