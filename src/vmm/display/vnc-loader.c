/* vnc-loader.c
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

#include "display/vnc-loader-config.h"
#include "vnc-module.h"

static const GhVncModule *
vnc_module_try (const char *path,
                char       *error,
                size_t      error_size)
{
  GhVncModuleGetFunc get;
  const GhVncModule *module;
  void *handle;

  /* RTLD_LOCAL: libvncserver's symbols stay out of the VMM's namespace. */
  handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL)
    {
      snprintf (error, error_size, "cannot load the VNC module %s: %s", path, dlerror ());
      return NULL;
    }
  get = (GhVncModuleGetFunc) dlsym (handle, GH_VNC_MODULE_SYMBOL);
  module = get != NULL ? get (GH_VNC_MODULE_ABI) : NULL;
  if (module == NULL || module->abi != GH_VNC_MODULE_ABI)
    {
      snprintf (error, error_size, "%s is not a VNC module for this guesthouse-vmm", path);
      dlclose (handle);
      return NULL;
    }
  return module;
}

const GhVncModule *
vnc_module_load (char   *error,
                 size_t  error_size)
{
  const char *env = getenv ("GUESTHOUSE_VNC_MODULE");
  char exe[PATH_MAX], path[PATH_MAX + 64];
  ssize_t n;

  if (env != NULL && env[0] != '\0')
    return vnc_module_try (env, error, error_size);

  /* The build tree: src/vmm/guesthouse-vmm next to src/vmm/display/. */
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0)
    {
      char *slash;

      exe[n] = '\0';
      slash = strrchr (exe, '/');
      if (slash != NULL)
        {
          *slash = '\0';
          snprintf (path, sizeof path, "%s/display/%s", exe, GH_VNC_MODULE_NAME);
          if (access (path, R_OK) == 0)
            return vnc_module_try (path, error, error_size);
        }
    }
  snprintf (path, sizeof path, "%s/%s", GH_VNC_MODULE_DIR, GH_VNC_MODULE_NAME);
  return vnc_module_try (path, error, error_size);
}
