/* test-png.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "display/png.h"

static void
test_checksums (void)
{
  const uint8_t *s = (const uint8_t *) "123456789";

  /* The check values of both algorithms' specifications. */
  g_assert_cmphex (png_crc32 (0, s, 9), ==, 0xcbf43926);
  g_assert_cmphex (png_adler32 (1, s, 9), ==, 0x091e01de);
}

/* Decodes the PNG with Python's zlib (python3 is on every build machine)
 * and compares the pixels; with no python3 the structure checks above and
 * the chunk CRCs below still run. */
static void
check_with_python (const char *path,
                   uint32_t    width,
                   uint32_t    height,
                   const char *expect_hex)
{
  static const char script[] =
    "import sys, struct, zlib\n"
    "d = open(sys.argv[1], 'rb').read()\n"
    "assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n"
    "p = 8; idat = b''\n"
    "while p < len(d):\n"
    "    n, = struct.unpack('>I', d[p:p+4]); t = d[p+4:p+8]; body = d[p+8:p+8+n]\n"
    "    crc, = struct.unpack('>I', d[p+8+n:p+12+n])\n"
    "    assert zlib.crc32(t + body) == crc, t\n"
    "    if t == b'IHDR': w, h = struct.unpack('>II', body[:8])\n"
    "    if t == b'IDAT': idat += body\n"
    "    p += 12 + n\n"
    "raw = zlib.decompress(idat)\n"
    "rows = [raw[y*(1+3*w)+1:(y+1)*(1+3*w)] for y in range(h)]\n"
    "print(w, h, b''.join(rows)[:12].hex(), len(raw))\n";
  g_autofree char *out = NULL, *err = NULL, *expect = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "python3", "-c", script, path, NULL };
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    {
      g_test_message ("no python3, skipping the zlib cross-check: %s", error->message);
      return;
    }
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  expect = g_strdup_printf ("%u %u %s %u\n", width, height, expect_hex,
                            (1 + 3 * width) * height);
  g_assert_cmpstr (out, ==, expect);
}

static void
test_encode (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gh-png-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "shot.png", NULL);
  /* Large enough to need several stored blocks (65535 bytes each). */
  uint32_t w = 300, h = 200, stride = w * 4 + 16;
  g_autofree uint8_t *pixels = g_malloc0 ((size_t) stride * h);
  FbSurface s = { w, h, stride, pixels, 1 };
  uint8_t *data = NULL;
  size_t len = 0;

  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++)
      {
        uint32_t v = (x & 0xff) << 16 | (y & 0xff) << 8 | ((x + y) & 0xff);

        memcpy (pixels + (size_t) y * stride + x * 4, &v, 4);
      }
  g_assert_cmpint (png_encode_xrgb (pixels, w, h, stride, &data, &len), ==, 0);
  g_assert_cmpuint (len, >, (size_t) w * h * 3);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);
  g_assert_cmpmem (data + len - 8, 4, "IEND", 4);
  free (data);

  g_assert_cmpint (png_encode_xrgb (pixels, 0, h, stride, &data, &len), ==, -EINVAL);
  g_assert_cmpint (png_encode_xrgb (pixels, w, h, w, &data, &len), ==, -EINVAL);

  g_assert_cmpint (png_write_file (path, &s), ==, 0);
  /* Pixels (0,0), (1,0), (2,0), (3,0) as RGB. */
  check_with_python (path, w, h, "000000010001020002030003");
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/png/checksums", test_checksums);
  g_test_add_func ("/vmm/png/encode", test_encode);
  return g_test_run ();
}
