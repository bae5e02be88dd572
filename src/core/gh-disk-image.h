/* gh-disk-image.h
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

/* Raw images are at least one sector and at most 64 TiB (what a sparse file reasonably holds). */
#define GH_DISK_IMAGE_SIZE_MIN  512
#define GH_DISK_IMAGE_SIZE_MAX  (G_GUINT64_CONSTANT (64) << 40)

gboolean gh_disk_image_parse_size (const char  *text,
                                   guint64     *size,
                                   GError     **error);
gboolean gh_disk_image_create     (const char  *path,
                                   guint64      size,
                                   gboolean     force,
                                   GError     **error);

G_END_DECLS
