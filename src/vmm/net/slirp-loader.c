/* slirp-loader.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/slirp-loader-config.h"
#include "slirp-module.h"

static const GhSlirpModule *
slirp_module_try (const char *path,
                char       *error,
                size_t      error_size)
{
  GhSlirpModuleGetFunc get;
  const GhSlirpModule *module;
  void *handle;

  /* RTLD_LOCAL: libslirp and GLib's symbols stay out of the VMM's namespace. */
  handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL)
    {
      snprintf (error, error_size, "cannot load the user-mode networking module %s: %s", path, dlerror ());
      return NULL;
    }
  get = (GhSlirpModuleGetFunc) dlsym (handle, GH_SLIRP_MODULE_SYMBOL);
  module = get != NULL ? get (GH_SLIRP_MODULE_ABI) : NULL;
  if (module == NULL || module->abi != GH_SLIRP_MODULE_ABI)
    {
      snprintf (error, error_size, "%s is not a user-mode networking module for this guesthouse-vmm", path);
      dlclose (handle);
      return NULL;
    }
  return module;
}

const GhSlirpModule *
slirp_module_load (char   *error,
                 size_t  error_size)
{
  const char *env = getenv ("GUESTHOUSE_SLIRP_MODULE");
  char exe[PATH_MAX], path[PATH_MAX + 64];
  ssize_t n;

  if (env != NULL && env[0] != '\0')
    return slirp_module_try (env, error, error_size);

  /* The build tree: src/vmm/guesthouse-vmm next to src/vmm/net/. */
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0)
    {
      char *slash;

      exe[n] = '\0';
      slash = strrchr (exe, '/');
      if (slash != NULL)
        {
          *slash = '\0';
          snprintf (path, sizeof path, "%s/net/%s", exe, GH_SLIRP_MODULE_NAME);
          if (access (path, R_OK) == 0)
            return slirp_module_try (path, error, error_size);
        }
    }
  snprintf (path, sizeof path, "%s/%s", GH_SLIRP_MODULE_DIR, GH_SLIRP_MODULE_NAME);
  return slirp_module_try (path, error, error_size);
}
