/* format.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A small printf: enough for test reports, no floating point (the guests run without SSE). */

#include "guest.h"

struct sink
{
  bool serial;  /* to COM1, else to buf */
  char *buf;
  size_t size;
  size_t length; /* what the output would be, even past size */
};

static void
sink_putc (struct sink *sink,
           char c)
{
  if (sink->serial)
    {
      /* Terminals and the VMM's pty want CRLF; the test runner strips the CR. */
      if (c == '\n')
        serial_putc ('\r');
      serial_putc (c);
    }
  else if (sink->length + 1 < sink->size)
    sink->buf[sink->length] = c;
  sink->length++;
}

static void
sink_pad (struct sink *sink,
          char c,
          int count)
{
  for (; count > 0; count--)
    sink_putc (sink, c);
}

struct spec
{
  bool left;
  bool zero;
  bool alternate;
  int width;
  int precision; /* -1: none */
};

static void
format_string (struct sink *sink,
               const struct spec *spec,
               const char *s)
{
  size_t length;

  if (s == NULL)
    s = "(null)";
  length = spec->precision >= 0 ? strnlen (s, (size_t) spec->precision) : strlen (s);
  if (!spec->left)
    sink_pad (sink, ' ', spec->width - (int) length);
  for (size_t i = 0; i < length; i++)
    sink_putc (sink, s[i]);
  if (spec->left)
    sink_pad (sink, ' ', spec->width - (int) length);
}

static void
format_number (struct sink *sink,
               const struct spec *spec,
               uint64_t value,
               bool negative,
               unsigned int base,
               bool upper)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[24];
  int n = 0;
  const char *prefix = "";
  int prefix_length;
  int padding;

  do
    {
      buf[n++] = digits[value % base];
      value /= base;
    }
  while (value != 0);

  if (negative)
    prefix = "-";
  else if (spec->alternate && base == 16)
    prefix = upper ? "0X" : "0x";
  prefix_length = (int) strlen (prefix);
  padding = spec->width - n - prefix_length;

  if (!spec->left && !spec->zero)
    sink_pad (sink, ' ', padding);
  for (int i = 0; i < prefix_length; i++)
    sink_putc (sink, prefix[i]);
  if (!spec->left && spec->zero)
    sink_pad (sink, '0', padding);
  while (n > 0)
    sink_putc (sink, buf[--n]);
  if (spec->left)
    sink_pad (sink, ' ', padding);
}

static void
format (struct sink *sink,
        const char *fmt,
        va_list ap)
{
  while (*fmt != '\0')
    {
      struct spec spec = { .precision = -1 };
      int length = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
      bool is_signed = false;
      unsigned int base = 10;
      uint64_t value;

      if (*fmt != '%')
        {
          sink_putc (sink, *fmt++);
          continue;
        }
      fmt++;

      for (;; fmt++)
        {
          if (*fmt == '-')
            spec.left = true;
          else if (*fmt == '0')
            spec.zero = true;
          else if (*fmt == '#')
            spec.alternate = true;
          else
            break;
        }

      if (*fmt == '*')
        {
          spec.width = va_arg (ap, int);
          fmt++;
        }
      else
        for (; *fmt >= '0' && *fmt <= '9'; fmt++)
          spec.width = spec.width * 10 + (*fmt - '0');

      if (*fmt == '.')
        {
          fmt++;
          spec.precision = 0;
          if (*fmt == '*')
            {
              spec.precision = va_arg (ap, int);
              fmt++;
            }
          else
            for (; *fmt >= '0' && *fmt <= '9'; fmt++)
              spec.precision = spec.precision * 10 + (*fmt - '0');
        }

      for (;; fmt++)
        {
          if (*fmt == 'h')
            length--;
          else if (*fmt == 'l')
            length++;
          else if (*fmt == 'z')
            length = 3;
          else
            break;
        }

      switch (*fmt)
        {
        case 'd':
        case 'i':
          is_signed = true;
          break;
        case 'u':
          break;
        case 'x':
        case 'X':
          base = 16;
          break;
        case 'p':
          spec.alternate = true;
          format_number (sink, &spec, (uint64_t) (uintptr_t) va_arg (ap, void *), false, 16,
                         false);
          fmt++;
          continue;
        case 's':
          format_string (sink, &spec, va_arg (ap, const char *));
          fmt++;
          continue;
        case 'c':
          sink_putc (sink, (char) va_arg (ap, int));
          fmt++;
          continue;
        case '%':
          sink_putc (sink, '%');
          fmt++;
          continue;
        default:
          /* Unknown conversion: show it rather than guess at the arguments. */
          sink_putc (sink, '%');
          if (*fmt == '\0')
            return;
          sink_putc (sink, *fmt++);
          continue;
        }

      if (is_signed)
        {
          int64_t s;

          if (length >= 1)
            s = length == 1 ? va_arg (ap, long) : va_arg (ap, long long);
          else
            s = va_arg (ap, int);
          if (length == -1)
            s = (short) s;
          else if (length <= -2)
            s = (signed char) s;
          format_number (sink, &spec, s < 0 ? -(uint64_t) s : (uint64_t) s, s < 0, base, false);
        }
      else
        {
          if (length == 1)
            value = va_arg (ap, unsigned long);
          else if (length == 2)
            value = va_arg (ap, unsigned long long);
          else if (length == 3)
            value = va_arg (ap, size_t);
          else
            value = va_arg (ap, unsigned int);
          if (length == -1)
            value = (unsigned short) value;
          else if (length <= -2)
            value = (unsigned char) value;
          format_number (sink, &spec, value, false, base, *fmt == 'X');
        }
      fmt++;
    }
}

int
guest_vprintf (const char *fmt,
               va_list ap)
{
  struct sink sink = { .serial = true };
  va_list copy;

  va_copy (copy, ap);
  format (&sink, fmt, copy);
  va_end (copy);
  return (int) sink.length;
}

int
guest_printf (const char *fmt,
              ...)
{
  va_list ap;
  int length;

  va_start (ap, fmt);
  length = guest_vprintf (fmt, ap);
  va_end (ap);
  return length;
}

int
guest_vsnprintf (char *buf,
                 size_t size,
                 const char *fmt,
                 va_list ap)
{
  struct sink sink = { .buf = buf, .size = size };
  va_list copy;

  va_copy (copy, ap);
  format (&sink, fmt, copy);
  va_end (copy);
  if (size > 0)
    buf[sink.length < size ? sink.length : size - 1] = '\0';
  return (int) sink.length;
}

int
guest_snprintf (char *buf,
                size_t size,
                const char *fmt,
                ...)
{
  va_list ap;
  int length;

  va_start (ap, fmt);
  length = guest_vsnprintf (buf, size, fmt, ap);
  va_end (ap);
  return length;
}
