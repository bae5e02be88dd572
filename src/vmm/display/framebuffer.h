/* framebuffer.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the display side (VNC, screendump) sees of the guest's screen: a
 * picture in one pixel format, its size, and which parts of it changed.
 *
 * The pixel format is always 32-bit XRGB, little-endian (bytes B, G, R, X:
 * cairo's RGB24 and VNC's 32/24 with shifts 16/8/0). A 32 bpp linear mode is
 * shown straight out of video memory; every other mode (text, 8/15/16/24 bpp)
 * is rendered into a shadow buffer by its producer.
 *
 * The producer (the VGA device's refresh) sets the surface and adds dirty
 * rectangles; a consumer takes the accumulated rectangles in one go. Both run
 * under the framebuffer's lock, and a consumer that copies pixels does so
 * while holding it (framebuffer_lock), so a refresh never rewrites the shadow
 * under its feet. Guest vCPUs write video memory without any lock: a consumer
 * may see a frame half drawn, as on real hardware, never memory outside the
 * buffers, which live as long as the device. */

#define FB_MAX_WIDTH   2560
#define FB_MAX_HEIGHT  1600
#define FB_BPP         4
/* Bounded so that taking an update needs no allocation; more rectangles than
 * this merge into their bounding box. */
#define FB_MAX_RECTS   32

typedef struct
{
  uint32_t x;
  uint32_t y;
  uint32_t width;
  uint32_t height;
} FbRect;

typedef struct
{
  FbRect   rects[FB_MAX_RECTS];
  unsigned n_rects;
} FbDirty;

typedef struct
{
  uint32_t       width;
  uint32_t       height;
  uint32_t       stride;        /* bytes from one row to the next */
  const uint8_t *pixels;        /* XRGB8888; NULL when there is no picture */
  uint32_t       generation;    /* changes whenever width/height/stride/pixels do */
} FbSurface;

typedef struct
{
  pthread_mutex_t lock;
  FbSurface       surface;
  FbDirty         dirty;
  uint32_t        taken_generation;
} Framebuffer;

void framebuffer_init          (Framebuffer   *fb);
void framebuffer_destroy       (Framebuffer   *fb);
void framebuffer_lock          (Framebuffer   *fb);
void framebuffer_unlock        (Framebuffer   *fb);

/* Producer side, with the lock held. A new surface marks everything dirty. */
void framebuffer_set_surface   (Framebuffer   *fb,
                                uint32_t       width,
                                uint32_t       height,
                                uint32_t       stride,
                                const uint8_t *pixels);
void framebuffer_add_dirty     (Framebuffer   *fb,
                                const FbRect  *rect);

/* Consumer side, with the lock held: the surface and the rectangles changed
 * since the previous take (the whole surface after a size change, told by
 * *resized). Returns the number of rectangles copied to dirty. */
unsigned framebuffer_take      (Framebuffer   *fb,
                                FbSurface     *surface,
                                FbDirty       *dirty,
                                bool          *resized);

/* Rectangle lists. Adding clips to width x height, joins a rectangle with the
 * last one when they cover the same columns or the same rows and touch or
 * overlap (so cells added in reading order become a few spans), and folds
 * everything into the bounding box when the list is full. */
void fb_dirty_clear            (FbDirty       *dirty);
void fb_dirty_add              (FbDirty       *dirty,
                                const FbRect  *rect,
                                uint32_t       width,
                                uint32_t       height);

/* Turns a page bitmap into rectangles: bit i of bitmap (64-bit words, as KVM's
 * KVM_GET_DIRTY_LOG returns them) says the 4 KiB page at byte i * 4096 of
 * video memory was written. The picture starts at byte offset of video memory
 * and has stride bytes per row; each written page dirties the full-width rows
 * it overlaps. n_pages bounds the bitmap. */
void fb_dirty_from_pages       (FbDirty        *dirty,
                                const uint64_t *bitmap,
                                size_t          n_pages,
                                uint64_t        offset,
                                uint32_t        stride,
                                uint32_t        width,
                                uint32_t        height);

/* Copies a rectangle of the surface into dst (XRGB8888, dst_stride), clipped
 * to the surface. For screendump and consumers with their own buffer. */
void fb_copy_rect              (const FbSurface *surface,
                                const FbRect    *rect,
                                uint8_t         *dst,
                                uint32_t         dst_stride);
