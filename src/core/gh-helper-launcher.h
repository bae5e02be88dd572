/* gh-helper-launcher.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#if !defined (GUESTHOUSE_CORE_INSIDE) && !defined (GUESTHOUSE_CORE_COMPILATION)
# error "Only <gh-core.h> can be included directly."
#endif

#include <glib-object.h>

#include "gh-types.h"

G_BEGIN_DECLS

#define GH_VMM_PROGRAM "guesthouse-vmm"

/* sun_path holds 108 bytes with the NUL; the helper's sockets must fit. */
#define GH_SOCKET_PATH_MAX 107

#define GH_TYPE_HELPER_LAUNCHER (gh_helper_launcher_get_type ())

G_DECLARE_FINAL_TYPE (GhHelperLauncher, gh_helper_launcher, GH, HELPER_LAUNCHER, GObject)

GhHelperLauncher  *gh_helper_launcher_new           (const char        *vmm_path);
const char        *gh_helper_launcher_get_vmm_path  (GhHelperLauncher  *self);
char              *gh_helper_launcher_find_vmm      (GError           **error);
char             **gh_helper_launcher_build_argv    (GhHelperLauncher  *self,
                                                     GhGuestConfig     *config,
                                                     const char        *runtime_dir,
                                                     GError           **error);

G_END_DECLS
