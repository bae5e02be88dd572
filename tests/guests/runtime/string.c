/* string.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The C library functions the compiler may call even in freestanding code. memcpy and memset
 * are string instructions rather than loops because GCC recognises such loops and would turn
 * them back into calls to memcpy and memset, that is, into themselves. */

#include "guest.h"

void *
memcpy (void *dest,
        const void *src,
        size_t n)
{
  void *d = dest;

  __asm__ volatile ("rep movsb" : "+D" (d), "+S" (src), "+c" (n) : : "memory");
  return dest;
}

void *
memmove (void *dest,
         const void *src,
         size_t n)
{
  if ((uintptr_t) dest <= (uintptr_t) src || (uintptr_t) dest >= (uintptr_t) src + n)
    return memcpy (dest, src, n);

  /* Overlapping with dest above src: copy backwards, from the last byte down. */
  {
    char *d = (char *) dest + n - 1;
    const char *s = (const char *) src + n - 1;

    __asm__ volatile ("std; rep movsb; cld" : "+D" (d), "+S" (s), "+c" (n) : : "memory");
  }
  return dest;
}

void *
memset (void *s,
        int c,
        size_t n)
{
  void *d = s;

  __asm__ volatile ("rep stosb" : "+D" (d), "+c" (n) : "a" (c) : "memory");
  return s;
}

int
memcmp (const void *a,
        const void *b,
        size_t n)
{
  const unsigned char *x = a;
  const unsigned char *y = b;

  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i])
      return x[i] < y[i] ? -1 : 1;
  return 0;
}

size_t
strlen (const char *s)
{
  size_t n = 0;

  while (s[n] != '\0')
    n++;
  return n;
}

size_t
strnlen (const char *s,
         size_t max)
{
  size_t n = 0;

  while (n < max && s[n] != '\0')
    n++;
  return n;
}

int
strcmp (const char *a,
        const char *b)
{
  while (*a != '\0' && *a == *b)
    {
      a++;
      b++;
    }
  return (unsigned char) *a - (unsigned char) *b;
}

int
strncmp (const char *a,
         const char *b,
         size_t n)
{
  for (; n > 0; n--, a++, b++)
    {
      if (*a != *b)
        return (unsigned char) *a - (unsigned char) *b;
      if (*a == '\0')
        return 0;
    }
  return 0;
}
