/* vnc-loader.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "module-loader.h"
#include "vnc-module.h"

const GhVncModule *
vnc_module_load (char   *error,
                 size_t  error_size)
{
  static const VmmModuleSpec spec = {
    "VNC", "GUESTHOUSE_VNC_MODULE", "display", GH_VNC_MODULE_NAME,
    GH_VNC_MODULE_SYMBOL, GH_VNC_MODULE_ABI,
  };

  return vmm_module_load (&spec, error, error_size);
}
