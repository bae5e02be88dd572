/* png.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "png.h"

/* A stored deflate block holds at most 65535 bytes. */
#define PNG_STORED_MAX 65535u

static uint32_t png_crc_table[256];
static pthread_once_t png_crc_once = PTHREAD_ONCE_INIT;

/* Built on first use rather than stored: nothing to do at start-up. */
static void
png_crc_table_init (void)
{
  for (uint32_t n = 0; n < 256; n++)
    {
      uint32_t c = n;

      for (int k = 0; k < 8; k++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      png_crc_table[n] = c;
    }
}

uint32_t
png_crc32 (uint32_t       crc,
           const uint8_t *data,
           size_t         len)
{
  pthread_once (&png_crc_once, png_crc_table_init);
  crc = ~crc;
  for (size_t i = 0; i < len; i++)
    crc = png_crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

uint32_t
png_adler32 (uint32_t       adler,
             const uint8_t *data,
             size_t         len)
{
  uint32_t a = adler & 0xffff, b = adler >> 16;

  while (len > 0)
    {
      /* 5552 bytes is the most that cannot overflow b before the modulo. */
      size_t n = len < 5552 ? len : 5552;

      len -= n;
      while (n-- > 0)
        {
          a += *data++;
          b += a;
        }
      a %= 65521;
      b %= 65521;
    }
  return (b << 16) | a;
}

static uint8_t *
png_put32 (uint8_t  *p,
           uint32_t  v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
  return p + 4;
}

/* Writes a chunk: length, type, data (already at p + 8), CRC over type and
 * data. Returns the end of the chunk. */
static uint8_t *
png_finish_chunk (uint8_t    *p,
                  const char *type,
                  uint32_t    len)
{
  png_put32 (p, len);
  memcpy (p + 4, type, 4);
  return png_put32 (p + 8 + len, png_crc32 (0, p + 4, 4 + len));
}

int
png_encode_xrgb (const uint8_t  *pixels,
                 uint32_t        width,
                 uint32_t        height,
                 uint32_t        stride,
                 uint8_t       **out,
                 size_t         *out_len)
{
  static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  size_t row_len, raw_len, n_blocks, zlen, total;
  const uint8_t *row;
  uint8_t *buf, *p, *z;
  uint32_t a = 1, b = 0, since_mod = 0;
  size_t in_block = 0;

  if (pixels == NULL || width == 0 || height == 0 || width > FB_MAX_WIDTH * 4
      || height > FB_MAX_HEIGHT * 4 || stride < (uint64_t) width * FB_BPP)
    return -EINVAL;

  row_len = 1 + (size_t) width * 3;              /* filter byte + RGB */
  raw_len = row_len * height;
  n_blocks = raw_len / PNG_STORED_MAX + 1;
  zlen = 2 + raw_len + 5 * n_blocks + 4;         /* header, data, block headers, Adler-32 */
  if (zlen > UINT32_MAX - 64)
    return -EINVAL;
  total = sizeof signature + (12 + 13) + (12 + zlen) + 12;
  buf = malloc (total);
  if (buf == NULL)
    return -ENOMEM;

  p = buf;
  memcpy (p, signature, sizeof signature);
  p += sizeof signature;

  /* IHDR: 8-bit truecolour, deflate, no filter method variants, no interlace. */
  png_put32 (p + 8, width);
  png_put32 (p + 12, height);
  p[16] = 8;
  p[17] = 2;
  p[18] = 0;
  p[19] = 0;
  p[20] = 0;
  p = png_finish_chunk (p, "IHDR", 13);

  /* IDAT: a zlib stream of stored blocks. The rows are produced straight into
   * the blocks, a block header being inserted every 65535 bytes. */
  z = p + 8;
  *z++ = 0x78;                                   /* CM 8, 32 KiB window */
  *z++ = 0x01;                                   /* FCHECK: 0x7801 % 31 == 0 */
  {
    size_t left = raw_len;
    uint8_t pixel[3];

    for (uint32_t y = 0; y < height; y++)
      {
        row = pixels + (size_t) y * stride;
        for (size_t i = 0; i < row_len; i++)
          {
            uint8_t byte;

            if (in_block == 0)
              {
                size_t n = left < PNG_STORED_MAX ? left : PNG_STORED_MAX;

                *z++ = left <= PNG_STORED_MAX;   /* BFINAL, BTYPE 00 */
                *z++ = (uint8_t) n;
                *z++ = (uint8_t) (n >> 8);
                *z++ = (uint8_t) ~n;
                *z++ = (uint8_t) (~n >> 8);
                in_block = n;
              }
            if (i == 0)
              byte = 0;                          /* filter type None */
            else
              {
                size_t x = (i - 1) / 3, c = (i - 1) % 3;

                if (c == 0)
                  {
                    /* XRGB little-endian: bytes B, G, R, X. */
                    pixel[0] = row[x * 4 + 2];
                    pixel[1] = row[x * 4 + 1];
                    pixel[2] = row[x * 4];
                  }
                byte = pixel[c];
              }
            *z++ = byte;
            /* Adler-32 inline; see png_adler32 for the 5552. */
            a += byte;
            b += a;
            if (++since_mod == 5552)
              {
                a %= 65521;
                b %= 65521;
                since_mod = 0;
              }
            in_block--;
            left--;
          }
      }
  }
  z = png_put32 (z, ((b % 65521) << 16) | (a % 65521));
  p = png_finish_chunk (p, "IDAT", (uint32_t) (z - (p + 8)));
  p = png_finish_chunk (p, "IEND", 0);

  *out = buf;
  *out_len = (size_t) (p - buf);
  return 0;
}

int
png_write_file (const char      *path,
                const FbSurface *surface)
{
  uint8_t *data = NULL;
  size_t len = 0, done = 0;
  char *tmp = NULL;
  int fd, ret;

  ret = png_encode_xrgb (surface->pixels, surface->width, surface->height, surface->stride,
                         &data, &len);
  if (ret < 0)
    return ret;
  if (asprintf (&tmp, "%s.XXXXXX", path) < 0)
    {
      free (data);
      return -ENOMEM;
    }
  fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    {
      ret = -errno;
      goto out;
    }
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          ret = n < 0 ? -errno : -EIO;
          break;
        }
      done += (size_t) n;
    }
  if (close (fd) < 0 && ret == 0)
    ret = -errno;
  if (ret == 0 && rename (tmp, path) < 0)
    ret = -errno;
  if (ret < 0)
    unlink (tmp);
out:
  free (tmp);
  free (data);
  return ret;
}
