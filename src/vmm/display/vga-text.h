/* vga-text.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "framebuffer.h"

/* Renders VGA text mode: cells of a character byte and an attribute byte
 * (foreground colour in the low nibble, background in the high one; blink is
 * not emulated, bit 7 gives a bright background as with blinking off), drawn
 * with the built-in 8x16 font. The cache remembers what was drawn last so that
 * only cells that changed (or the cursor's old and new cell) are drawn again
 * and reported dirty. */

#define VGA_TEXT_MAX_COLS 132
#define VGA_TEXT_MAX_ROWS 64

typedef struct
{
  uint32_t cols;                /* 1..VGA_TEXT_MAX_COLS */
  uint32_t rows;                /* 1..VGA_TEXT_MAX_ROWS */
  uint32_t char_width;          /* 8 or 9 */
  uint32_t char_height;         /* 1..32; the font is scaled to it */
  uint32_t start;               /* first cell shown, in cells */
  int32_t  cursor;              /* cell index in text memory, -1: hidden */
  uint32_t cursor_start;        /* scan lines of the cursor, inclusive */
  uint32_t cursor_end;
  uint32_t palette[16];         /* XRGB of attribute colours 0-15 */
} VgaTextState;

typedef struct
{
  VgaTextState state;
  uint16_t     cells[VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS];
  bool         valid;
} VgaTextCache;

static inline uint32_t
vga_text_width (const VgaTextState *st)
{
  return st->cols * st->char_width;
}

static inline uint32_t
vga_text_height (const VgaTextState *st)
{
  return st->rows * st->char_height;
}

/* Clamps the state to what can be drawn. */
void vga_text_sanitize (VgaTextState       *st);

/* mem holds mem_cells little-endian 16-bit cells (character, attribute);
 * addresses wrap around inside it. pixels must have room for
 * vga_text_width x vga_text_height at stride bytes per row. Changed cells
 * are added to dirty (with those dimensions). */
void vga_text_render   (VgaTextCache       *cache,
                        const VgaTextState *st,
                        const uint8_t      *mem,
                        size_t              mem_cells,
                        uint8_t            *pixels,
                        uint32_t            stride,
                        FbDirty            *dirty);
