/* module-loader.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* The VMM's optional parts (the VNC server, user-mode networking) are
 * shared modules it dlopen()s only for guests that use them, so that their
 * libraries cost the others nothing. Each exports one function, symbol,
 * that takes the ABI version the VMM was built for and returns the module's
 * table of functions, whose first member is that same uint32_t version. */
typedef struct
{
  const char *what;           /* for messages: "VNC", "user-mode networking" */
  const char *env_var;        /* a path that overrides the search */
  const char *build_subdir;   /* beside the VMM in the build tree */
  const char *file_name;
  const char *symbol;
  uint32_t    abi;
} VmmModuleSpec;

/* Looks in $env_var, then the build tree, then the install directory.
 * Returns the module's table, or NULL with a sentence in error. */
const void *vmm_module_load (const VmmModuleSpec *spec,
                             char                *error,
                             size_t               error_size);
