/* slirp-loader.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "module-loader.h"
#include "slirp-module.h"

const GhSlirpModule *
slirp_module_load (char   *error,
                   size_t  error_size)
{
  static const VmmModuleSpec spec = {
    "user-mode networking", "GUESTHOUSE_SLIRP_MODULE", "net", GH_SLIRP_MODULE_NAME,
    GH_SLIRP_MODULE_SYMBOL, GH_SLIRP_MODULE_ABI,
  };

  return vmm_module_load (&spec, error, error_size);
}
