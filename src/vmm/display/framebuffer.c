/* framebuffer.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "framebuffer.h"

#define FB_PAGE_SIZE 4096u

void
framebuffer_init (Framebuffer *fb)
{
  memset (fb, 0, sizeof *fb);
  pthread_mutex_init (&fb->lock, NULL);
}

void
framebuffer_destroy (Framebuffer *fb)
{
  pthread_mutex_destroy (&fb->lock);
}

void
framebuffer_lock (Framebuffer *fb)
{
  pthread_mutex_lock (&fb->lock);
}

void
framebuffer_unlock (Framebuffer *fb)
{
  pthread_mutex_unlock (&fb->lock);
}

void
framebuffer_set_surface (Framebuffer   *fb,
                         uint32_t       width,
                         uint32_t       height,
                         uint32_t       stride,
                         const uint8_t *pixels)
{
  FbSurface *s = &fb->surface;
  FbRect all = { 0, 0, width, height };

  if (s->width == width && s->height == height && s->stride == stride && s->pixels == pixels)
    return;
  s->width = width;
  s->height = height;
  s->stride = stride;
  s->pixels = pixels;
  s->generation++;
  fb_dirty_clear (&fb->dirty);
  fb_dirty_add (&fb->dirty, &all, width, height);
}

void
framebuffer_add_dirty (Framebuffer  *fb,
                       const FbRect *rect)
{
  fb_dirty_add (&fb->dirty, rect, fb->surface.width, fb->surface.height);
}

unsigned
framebuffer_take (Framebuffer *fb,
                  FbSurface   *surface,
                  FbDirty     *dirty,
                  bool        *resized)
{
  *surface = fb->surface;
  *resized = fb->taken_generation != fb->surface.generation;
  fb->taken_generation = fb->surface.generation;
  if (*resized)
    {
      FbRect all = { 0, 0, surface->width, surface->height };

      fb_dirty_clear (dirty);
      fb_dirty_add (dirty, &all, surface->width, surface->height);
    }
  else
    *dirty = fb->dirty;
  fb_dirty_clear (&fb->dirty);
  return dirty->n_rects;
}

void
fb_dirty_clear (FbDirty *dirty)
{
  dirty->n_rects = 0;
}

static void
fb_rect_union (FbRect       *a,
               const FbRect *b)
{
  uint32_t x1 = a->x + a->width > b->x + b->width ? a->x + a->width : b->x + b->width;
  uint32_t y1 = a->y + a->height > b->y + b->height ? a->y + a->height : b->y + b->height;

  a->x = a->x < b->x ? a->x : b->x;
  a->y = a->y < b->y ? a->y : b->y;
  a->width = x1 - a->x;
  a->height = y1 - a->y;
}

/* Whether two rectangles make a rectangle: the same columns and touching or
 * overlapping rows, or the same rows and touching or overlapping columns. */
static bool
fb_rect_joinable (const FbRect *a,
                  const FbRect *b)
{
  if (a->x == b->x && a->width == b->width)
    return b->y <= a->y + a->height && a->y <= b->y + b->height;
  if (a->y == b->y && a->height == b->height)
    return b->x <= a->x + a->width && a->x <= b->x + b->width;
  return false;
}

void
fb_dirty_add (FbDirty      *dirty,
              const FbRect *rect,
              uint32_t      width,
              uint32_t      height)
{
  FbRect r = *rect;

  /* Clip first, with care for sums that would wrap. */
  if (r.x >= width || r.y >= height || r.width == 0 || r.height == 0)
    return;
  if (r.width > width - r.x)
    r.width = width - r.x;
  if (r.height > height - r.y)
    r.height = height - r.y;

  if (dirty->n_rects > 0 && fb_rect_joinable (&dirty->rects[dirty->n_rects - 1], &r))
    {
      fb_rect_union (&dirty->rects[dirty->n_rects - 1], &r);
      /* A span that grew may now match the one before it: cells added row
       * by row become one rectangle per block of rows. */
      while (dirty->n_rects > 1
             && fb_rect_joinable (&dirty->rects[dirty->n_rects - 2],
                                  &dirty->rects[dirty->n_rects - 1]))
        {
          fb_rect_union (&dirty->rects[dirty->n_rects - 2], &dirty->rects[dirty->n_rects - 1]);
          dirty->n_rects--;
        }
      return;
    }
  if (dirty->n_rects == FB_MAX_RECTS)
    {
      for (unsigned i = 1; i < dirty->n_rects; i++)
        fb_rect_union (&dirty->rects[0], &dirty->rects[i]);
      fb_rect_union (&dirty->rects[0], &r);
      dirty->n_rects = 1;
      return;
    }
  dirty->rects[dirty->n_rects++] = r;
}

static inline bool
fb_page_dirty (const uint64_t *bitmap,
               size_t          page)
{
  return (bitmap[page / 64] >> (page % 64)) & 1;
}

void
fb_dirty_from_pages (FbDirty        *dirty,
                     const uint64_t *bitmap,
                     size_t          n_pages,
                     uint64_t        offset,
                     uint32_t        stride,
                     uint32_t        width,
                     uint32_t        height)
{
  uint64_t end;
  size_t first, last;

  if (bitmap == NULL || stride == 0 || width == 0 || height == 0)
    return;
  end = offset + (uint64_t) stride * height;
  first = offset / FB_PAGE_SIZE;
  last = (end - 1) / FB_PAGE_SIZE;
  if (first >= n_pages)
    return;
  if (last >= n_pages)
    last = n_pages - 1;

  /* Runs of written pages become runs of rows: a page covers the rows its
   * first and last byte fall in (partly, at both ends; the whole row is sent
   * anyway, which is what most of a VNC update of a scrolled console is). */
  for (size_t page = first; page <= last; page++)
    {
      size_t run_end;
      uint64_t lo, hi;
      FbRect r;

      if (!fb_page_dirty (bitmap, page))
        continue;
      run_end = page;
      while (run_end + 1 <= last && fb_page_dirty (bitmap, run_end + 1))
        run_end++;

      lo = (uint64_t) page * FB_PAGE_SIZE;
      hi = (uint64_t) (run_end + 1) * FB_PAGE_SIZE;
      lo = lo > offset ? lo - offset : 0;
      hi = hi < end ? hi - offset : end - offset;
      r.x = 0;
      r.width = width;
      r.y = (uint32_t) (lo / stride);
      r.height = (uint32_t) ((hi - 1) / stride) + 1 - r.y;
      fb_dirty_add (dirty, &r, width, height);
      page = run_end;
    }
}

void
fb_copy_rect (const FbSurface *surface,
              const FbRect    *rect,
              uint8_t         *dst,
              uint32_t         dst_stride)
{
  FbRect r = *rect;

  if (surface->pixels == NULL || r.x >= surface->width || r.y >= surface->height)
    return;
  if (r.width > surface->width - r.x)
    r.width = surface->width - r.x;
  if (r.height > surface->height - r.y)
    r.height = surface->height - r.y;
  for (uint32_t y = r.y; y < r.y + r.height; y++)
    memcpy (dst + (size_t) y * dst_stride + (size_t) r.x * FB_BPP,
            surface->pixels + (size_t) y * surface->stride + (size_t) r.x * FB_BPP,
            (size_t) r.width * FB_BPP);
}
