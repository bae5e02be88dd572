/* png.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "framebuffer.h"

/* A minimal PNG writer for screendumps: 8-bit RGB, no filtering, the image
 * data in zlib "stored" (uncompressed) blocks. Files come out about as big as
 * the raw pixels, which is fine for an occasional screenshot and keeps zlib
 * and libpng out of the VMM. */

uint32_t png_crc32       (uint32_t        crc,
                          const uint8_t  *data,
                          size_t          len);
uint32_t png_adler32     (uint32_t        adler,
                          const uint8_t  *data,
                          size_t          len);

/* Encodes width x height XRGB8888 pixels (stride bytes per row) into a newly
 * malloc'd buffer. Returns 0 and sets *out and *out_len, or -errno (-EINVAL for
 * an empty or oversized picture, -ENOMEM). */
int      png_encode_xrgb (const uint8_t  *pixels,
                          uint32_t        width,
                          uint32_t        height,
                          uint32_t        stride,
                          uint8_t       **out,
                          size_t         *out_len);

/* Writes the surface to path (mode 0600: it is the guest's screen) via a temporary
 * file and a rename, so a reader never sees half a file. Returns 0 or
 * -errno. */
int      png_write_file  (const char      *path,
                          const FbSurface *surface);
