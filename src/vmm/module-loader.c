/* module-loader.c
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

#include "module-loader.h"

typedef const void *(*VmmModuleGetFunc) (uint32_t abi);

static const void *
vmm_module_try (const VmmModuleSpec *spec,
                const char          *path,
                char                *error,
                size_t               error_size)
{
  VmmModuleGetFunc get;
  const void *module;
  void *handle;

  /* RTLD_LOCAL: the module's libraries keep their symbols to themselves. */
  handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL)
    {
      snprintf (error, error_size, "cannot load the %s module %s: %s", spec->what, path,
                dlerror ());
      return NULL;
    }
  get = (VmmModuleGetFunc) dlsym (handle, spec->symbol);
  module = get != NULL ? get (spec->abi) : NULL;
  if (module == NULL || *(const uint32_t *) module != spec->abi)
    {
      snprintf (error, error_size, "%s is not a %s module for this guesthouse-vmm", path,
                spec->what);
      dlclose (handle);
      return NULL;
    }
  return module;
}

const void *
vmm_module_load (const VmmModuleSpec *spec,
                 char                *error,
                 size_t               error_size)
{
  const char *env = getenv (spec->env_var);
  char exe[PATH_MAX], path[PATH_MAX + 64];
  ssize_t n;

  if (env != NULL && env[0] != '\0')
    return vmm_module_try (spec, env, error, error_size);

  /* The build tree: src/vmm/guesthouse-vmm, the module in a folder beside it. */
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0)
    {
      char *slash;

      exe[n] = '\0';
      slash = strrchr (exe, '/');
      if (slash != NULL)
        {
          *slash = '\0';
          snprintf (path, sizeof path, "%s/%s/%s", exe, spec->build_subdir, spec->file_name);
          if (access (path, R_OK) == 0)
            return vmm_module_try (spec, path, error, error_size);
        }
    }
  snprintf (path, sizeof path, "%s/%s", VMM_MODULE_DIR, spec->file_name);
  return vmm_module_try (spec, path, error, error_size);
}
