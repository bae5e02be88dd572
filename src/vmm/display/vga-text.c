/* vga-text.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "vga-font.h"
#include "vga-text.h"

void
vga_text_sanitize (VgaTextState *st)
{
  if (st->cols == 0)
    st->cols = 1;
  if (st->cols > VGA_TEXT_MAX_COLS)
    st->cols = VGA_TEXT_MAX_COLS;
  if (st->char_width != 8)
    st->char_width = 9;
  if (st->char_height == 0)
    st->char_height = 1;
  if (st->char_height > 32)
    st->char_height = 32;
  if (st->rows == 0)
    st->rows = 1;
  if (st->rows > VGA_TEXT_MAX_ROWS)
    st->rows = VGA_TEXT_MAX_ROWS;
  if (st->rows * st->char_height > FB_MAX_HEIGHT)
    st->rows = FB_MAX_HEIGHT / st->char_height;
  if (st->cursor_end >= st->char_height)
    st->cursor_end = st->char_height - 1;
}

static void
vga_text_draw_cell (const VgaTextState *st,
                    uint16_t            cell,
                    bool                cursor,
                    uint8_t            *origin,
                    uint32_t            stride)
{
  uint8_t ch = cell & 0xff, attr = cell >> 8;
  uint32_t fg = st->palette[attr & 0x0f], bg = st->palette[attr >> 4];
  /* Line-drawing characters repeat their eighth column in the ninth, so
   * that horizontal lines join, as the VGA does in 9-dot mode. */
  bool line_graphics = ch >= 0xc0 && ch <= 0xdf;

  for (uint32_t y = 0; y < st->char_height; y++)
    {
      uint32_t *row = (uint32_t *) (origin + (size_t) y * stride);
      uint8_t bits = vga_font_8x16[ch][y * VGA_FONT_HEIGHT / st->char_height];

      if (cursor && y >= st->cursor_start && y <= st->cursor_end)
        bits = 0xff;
      for (uint32_t x = 0; x < 8; x++)
        row[x] = (bits & (0x80 >> x)) ? fg : bg;
      if (st->char_width == 9)
        row[8] = (line_graphics && (bits & 1)) || (cursor && bits == 0xff) ? fg : bg;
    }
}

void
vga_text_render (VgaTextCache       *cache,
                 const VgaTextState *st,
                 const uint8_t      *mem,
                 size_t              mem_cells,
                 uint8_t            *pixels,
                 uint32_t            stride,
                 FbDirty            *dirty)
{
  uint32_t width = vga_text_width (st), height = vga_text_height (st);
  int32_t old_cursor = cache->valid ? cache->state.cursor : -1;
  VgaTextState same_cursor = *st;
  bool full;

  /* A cursor that moved redraws two cells, not the screen. */
  same_cursor.cursor = cache->state.cursor;
  full = !cache->valid || memcmp (&cache->state, &same_cursor, sizeof same_cursor) != 0;

  if (mem_cells == 0)
    return;
  for (uint32_t row = 0; row < st->rows; row++)
    for (uint32_t col = 0; col < st->cols; col++)
      {
        uint32_t i = row * st->cols + col;
        size_t at = (st->start + i) % mem_cells;
        uint16_t cell = mem[2 * at] | mem[2 * at + 1] << 8;
        bool cursor = st->cursor >= 0 && (size_t) st->cursor % mem_cells == at;
        bool cursor_was = old_cursor >= 0 && (size_t) old_cursor % mem_cells == at;
        FbRect r;

        if (!full && cache->cells[i] == cell && cursor == cursor_was)
          continue;
        cache->cells[i] = cell;
        vga_text_draw_cell (st, cell, cursor,
                            pixels + (size_t) row * st->char_height * stride
                            + (size_t) col * st->char_width * FB_BPP, stride);
        r = (FbRect) { col * st->char_width, row * st->char_height,
                       st->char_width, st->char_height };
        fb_dirty_add (dirty, &r, width, height);
      }
  cache->state = *st;
  cache->valid = true;
}
