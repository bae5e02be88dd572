/* vga-font.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

#define VGA_FONT_WIDTH  8
#define VGA_FONT_HEIGHT 16

/* Code page 437, one byte per row, bit 7 the leftmost pixel. Where it comes
 * from is told in vga-font.c and gen-vga-font.py. */
extern const uint8_t vga_font_8x16[256][VGA_FONT_HEIGHT];
