/* test-framebuffer.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "display/framebuffer.h"

static void
set_page (uint64_t *bitmap,
          unsigned  page)
{
  bitmap[page / 64] |= UINT64_C (1) << (page % 64);
}

static void
test_pages_to_rows (void)
{
  uint64_t bitmap[4] = { 0 };
  FbDirty dirty;

  /* 1024x768x32: a row is 4096 bytes, one page. */
  fb_dirty_clear (&dirty);
  set_page (bitmap, 3);
  set_page (bitmap, 4);
  set_page (bitmap, 10);
  fb_dirty_from_pages (&dirty, bitmap, 256, 0, 4096, 1024, 768);
  g_assert_cmpuint (dirty.n_rects, ==, 2);
  g_assert_cmpuint (dirty.rects[0].x, ==, 0);
  g_assert_cmpuint (dirty.rects[0].y, ==, 3);
  g_assert_cmpuint (dirty.rects[0].width, ==, 1024);
  g_assert_cmpuint (dirty.rects[0].height, ==, 2);
  g_assert_cmpuint (dirty.rects[1].y, ==, 10);
  g_assert_cmpuint (dirty.rects[1].height, ==, 1);
}

static void
test_pages_partial_rows (void)
{
  uint64_t bitmap[1] = { 0 };
  FbDirty dirty;

  /* 800x600x32 (3200 bytes a row) starting 1000 bytes into the page: page 1
   * (4096-8191) is bytes 3096-7191 of the picture, rows 0-2. */
  fb_dirty_clear (&dirty);
  set_page (bitmap, 1);
  fb_dirty_from_pages (&dirty, bitmap, 64, 1000, 3200, 800, 600);
  g_assert_cmpuint (dirty.n_rects, ==, 1);
  g_assert_cmpuint (dirty.rects[0].y, ==, 0);
  g_assert_cmpuint (dirty.rects[0].height, ==, 3);

  /* Pages outside the picture or past n_pages count for nothing. */
  fb_dirty_clear (&dirty);
  bitmap[0] = UINT64_MAX;
  fb_dirty_from_pages (&dirty, bitmap, 1, 8192, 3200, 800, 600);
  g_assert_cmpuint (dirty.n_rects, ==, 0);
}

static void
test_rect_merge_and_overflow (void)
{
  FbDirty dirty;

  fb_dirty_clear (&dirty);
  /* Cells in reading order become one span per row, rows one rectangle. */
  for (uint32_t y = 0; y < 2; y++)
    for (uint32_t x = 0; x < 4; x++)
      {
        FbRect r = { x * 9, y * 16, 9, 16 };

        fb_dirty_add (&dirty, &r, 720, 400);
      }
  g_assert_cmpuint (dirty.n_rects, ==, 1);
  g_assert_cmpuint (dirty.rects[0].width, ==, 36);
  g_assert_cmpuint (dirty.rects[0].height, ==, 32);

  /* Clipping, and rectangles that would wrap around. */
  fb_dirty_clear (&dirty);
  fb_dirty_add (&dirty, &(FbRect) { 700, 390, 100, 100 }, 720, 400);
  fb_dirty_add (&dirty, &(FbRect) { 720, 0, 10, 10 }, 720, 400);
  fb_dirty_add (&dirty, &(FbRect) { 10, 10, UINT32_MAX, UINT32_MAX }, 720, 400);
  g_assert_cmpuint (dirty.n_rects, ==, 2);
  g_assert_cmpuint (dirty.rects[0].width, ==, 20);
  g_assert_cmpuint (dirty.rects[0].height, ==, 10);
  g_assert_cmpuint (dirty.rects[1].width, ==, 710);
  g_assert_cmpuint (dirty.rects[1].height, ==, 390);

  /* Too many: folded into the bounding box. */
  fb_dirty_clear (&dirty);
  for (uint32_t i = 0; i < FB_MAX_RECTS + 5; i++)
    fb_dirty_add (&dirty, &(FbRect) { i * 20, i * 10, 5, 5 }, 2000, 2000);
  g_assert_cmpuint (dirty.n_rects, <=, FB_MAX_RECTS);
  {
    uint32_t max_x = 0, max_y = 0;

    for (unsigned i = 0; i < dirty.n_rects; i++)
      {
        max_x = MAX (max_x, dirty.rects[i].x + dirty.rects[i].width);
        max_y = MAX (max_y, dirty.rects[i].y + dirty.rects[i].height);
      }
    g_assert_cmpuint (max_x, ==, (FB_MAX_RECTS + 4) * 20 + 5);
    g_assert_cmpuint (max_y, ==, (FB_MAX_RECTS + 4) * 10 + 5);
  }
}

static void
test_take (void)
{
  static uint8_t pixels[64 * 32 * 4];
  Framebuffer fb;
  FbSurface s;
  FbDirty dirty;
  bool resized;

  framebuffer_init (&fb);
  framebuffer_lock (&fb);
  framebuffer_set_surface (&fb, 64, 32, 256, pixels);
  g_assert_cmpuint (framebuffer_take (&fb, &s, &dirty, &resized), ==, 1);
  g_assert_true (resized);
  g_assert_cmpuint (dirty.rects[0].width, ==, 64);
  g_assert_cmpuint (framebuffer_take (&fb, &s, &dirty, &resized), ==, 0);
  g_assert_false (resized);
  framebuffer_add_dirty (&fb, &(FbRect) { 1, 2, 3, 4 });
  g_assert_cmpuint (framebuffer_take (&fb, &s, &dirty, &resized), ==, 1);
  g_assert_false (resized);
  g_assert_cmpuint (dirty.rects[0].x, ==, 1);
  g_assert_cmpuint (dirty.rects[0].height, ==, 4);
  framebuffer_unlock (&fb);
  framebuffer_destroy (&fb);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/framebuffer/pages-to-rows", test_pages_to_rows);
  g_test_add_func ("/vmm/framebuffer/pages-partial-rows", test_pages_partial_rows);
  g_test_add_func ("/vmm/framebuffer/rect-merge", test_rect_merge_and_overflow);
  g_test_add_func ("/vmm/framebuffer/take", test_take);
  return g_test_run ();
}
