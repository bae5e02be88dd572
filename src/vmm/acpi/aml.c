/* aml.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aml.h"

/* Opcodes from the ACPI 6.3 AML grammar (20.2). */
enum
{
  AML_ZERO_OP        = 0x00,
  AML_ONE_OP         = 0x01,
  AML_NAME_OP        = 0x08,
  AML_BYTE_PREFIX    = 0x0a,
  AML_WORD_PREFIX    = 0x0b,
  AML_DWORD_PREFIX   = 0x0c,
  AML_STRING_PREFIX  = 0x0d,
  AML_QWORD_PREFIX   = 0x0e,
  AML_SCOPE_OP       = 0x10,
  AML_BUFFER_OP      = 0x11,
  AML_PACKAGE_OP     = 0x12,
  AML_METHOD_OP      = 0x14,
  AML_DUAL_NAME      = 0x2e,
  AML_MULTI_NAME     = 0x2f,
  AML_EXT_PREFIX     = 0x5b,
  AML_ROOT_CHAR      = '\\',
  AML_PARENT_CHAR    = '^',
  AML_LOCAL0_OP      = 0x60,
  AML_ARG0_OP        = 0x68,
  AML_STORE_OP       = 0x70,
  AML_ADD_OP         = 0x72,
  AML_SUBTRACT_OP    = 0x74,
  AML_INCREMENT_OP   = 0x75,
  AML_SHIFT_LEFT_OP  = 0x79,
  AML_AND_OP         = 0x7b,
  AML_OR_OP          = 0x7d,
  AML_NOTIFY_OP      = 0x86,
  AML_LAND_OP        = 0x90,
  AML_LNOT_OP        = 0x92,
  AML_LEQUAL_OP      = 0x93,
  AML_LLESS_OP       = 0x95,
  AML_IF_OP          = 0xa0,
  AML_ELSE_OP        = 0xa1,
  AML_WHILE_OP       = 0xa2,
  AML_RETURN_OP      = 0xa4,
  AML_BREAK_OP       = 0xa5,
  AML_ONES_OP        = 0xff,

  /* After AML_EXT_PREFIX. */
  AML_MUTEX_OP       = 0x01,
  AML_ACQUIRE_OP     = 0x23,
  AML_RELEASE_OP     = 0x27,
  AML_OP_REGION_OP   = 0x80,
  AML_FIELD_OP       = 0x81,
  AML_DEVICE_OP      = 0x82,
};

/* Resource descriptor tags and fields (ACPI 6.3, 6.4). */
enum
{
  RES_IRQ_NO_FLAGS   = 0x22,       /* small item 4, 2 bytes */
  RES_IO             = 0x47,       /* small item 8, 7 bytes */
  RES_END_TAG        = 0x79,       /* small item 15, 1 byte */
  RES_DWORD_ADDRESS  = 0x87,
  RES_WORD_ADDRESS   = 0x88,
  RES_QWORD_ADDRESS  = 0x8a,

  RES_TYPE_MEMORY    = 0,
  RES_TYPE_IO        = 1,
  RES_TYPE_BUS       = 2,

  /* General flags: producer (bit 0 clear), positive decode (bit 1 clear),
   * minimum and maximum fixed. */
  RES_FLAGS_FIXED_WINDOW = (1 << 2) | (1 << 3),
  RES_IO_ENTIRE_RANGE    = 3,
  RES_MEM_CACHEABLE_RW   = (1 << 1) | (1 << 0),
};

typedef enum
{
  AML_KIND_LIST,        /* plain bytes */
  AML_KIND_BLOCK,       /* op PkgLength data */
  AML_KIND_PACKAGE,     /* op PkgLength NumElements data */
  AML_KIND_BUFFER,      /* op PkgLength BufferSize data */
  AML_KIND_RESOURCES,   /* a buffer that ends with an EndTag */
} AmlKind;

struct Aml
{
  AmlKind  kind;
  uint8_t  op[2];
  size_t   op_len;
  uint8_t *data;
  size_t   len;
  size_t   cap;
  int      error;
  unsigned n_elements;       /* packages */
  unsigned field_bit;        /* fields: where the next unit starts */
};

static Aml *
aml_alloc (AmlKind kind)
{
  Aml *aml = calloc (1, sizeof *aml);

  if (aml != NULL)
    aml->kind = kind;
  return aml;
}

void
aml_free (Aml *aml)
{
  if (aml == NULL)
    return;
  free (aml->data);
  free (aml);
}

Aml *
aml_new (void)
{
  return aml_alloc (AML_KIND_LIST);
}

static void
aml_set_error (Aml *aml,
               int  error)
{
  if (aml->error == 0)
    aml->error = error;
}

static void
aml_put (Aml        *aml,
         const void *bytes,
         size_t      len)
{
  if (aml->error != 0 || len == 0)
    return;
  if (len > aml->cap - aml->len)
    {
      size_t cap = aml->cap < 64 ? 64 : aml->cap;
      uint8_t *data;

      while (cap - aml->len < len)
        {
          if (cap > SIZE_MAX / 2)
            {
              aml_set_error (aml, -EOVERFLOW);
              return;
            }
          cap *= 2;
        }
      data = realloc (aml->data, cap);
      if (data == NULL)
        {
          aml_set_error (aml, -ENOMEM);
          return;
        }
      aml->data = data;
      aml->cap = cap;
    }
  memcpy (aml->data + aml->len, bytes, len);
  aml->len += len;
}

static void
aml_put_byte (Aml     *aml,
              uint8_t  byte)
{
  aml_put (aml, &byte, 1);
}

static void
aml_put_le (Aml      *aml,
            uint64_t  value,
            unsigned  n_bytes)
{
  uint8_t bytes[8];

  for (unsigned i = 0; i < n_bytes; i++)
    bytes[i] = (uint8_t) (value >> (8 * i));
  aml_put (aml, bytes, n_bytes);
}

static void
aml_put_int (Aml      *aml,
             uint64_t  value)
{
  if (value == 0)
    aml_put_byte (aml, AML_ZERO_OP);
  else if (value == 1)
    aml_put_byte (aml, AML_ONE_OP);
  else if (value == UINT64_MAX)
    aml_put_byte (aml, AML_ONES_OP);
  else if (value <= UINT8_MAX)
    {
      aml_put_byte (aml, AML_BYTE_PREFIX);
      aml_put_le (aml, value, 1);
    }
  else if (value <= UINT16_MAX)
    {
      aml_put_byte (aml, AML_WORD_PREFIX);
      aml_put_le (aml, value, 2);
    }
  else if (value <= UINT32_MAX)
    {
      aml_put_byte (aml, AML_DWORD_PREFIX);
      aml_put_le (aml, value, 4);
    }
  else
    {
      aml_put_byte (aml, AML_QWORD_PREFIX);
      aml_put_le (aml, value, 8);
    }
}

/* The PkgLength encoding of a value that is already final: 6 bits in one
 * byte, or a count of 1-3 following bytes in bits 7-6, the low nibble in
 * bits 3-0 and the rest in the following bytes. */
static int
aml_encode_length_value (size_t   value,
                         unsigned n_bytes,
                         uint8_t  out[4])
{
  if (n_bytes == 1)
    {
      out[0] = (uint8_t) value;
      return 1;
    }
  out[0] = (uint8_t) (((n_bytes - 1) << 6) | (value & 0x0f));
  for (unsigned i = 1; i < n_bytes; i++)
    out[i] = (uint8_t) (value >> (4 + 8 * (i - 1)));
  return (int) n_bytes;
}

int
aml_encode_pkg_length (size_t  body_len,
                       uint8_t out[4])
{
  static const size_t limits[] = { 0x3f, 0xfff, 0xfffff, AML_PKG_LENGTH_MAX };

  for (unsigned n = 1; n <= 4; n++)
    if (body_len <= limits[n - 1] - n)
      return aml_encode_length_value (body_len + n, n, out);
  return -EOVERFLOW;
}

/* Field unit widths use the PkgLength encoding for a plain bit count. */
static void
aml_put_field_length (Aml    *aml,
                      size_t  bits)
{
  uint8_t bytes[4];
  unsigned n = bits <= 0x3f ? 1 : bits <= 0xfff ? 2 : bits <= 0xfffff ? 3 : 4;

  if (bits > AML_PKG_LENGTH_MAX)
    {
      aml_set_error (aml, -EOVERFLOW);
      return;
    }
  aml_put (aml, bytes, (size_t) aml_encode_length_value (bits, n, bytes));
}

static bool
aml_is_lead_char (char c)
{
  return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
aml_is_name_char (char c)
{
  return aml_is_lead_char (c) || (c >= '0' && c <= '9');
}

/* NameString := RootChar NamePath | PrefixPath NamePath, with NamePath one
 * NameSeg, DualNamePrefix and two, MultiNamePrefix, a count and more, or
 * NullName. Segments of fewer than four characters are padded with '_'. */
static void
aml_put_name (Aml        *aml,
              const char *name)
{
  const char *p = name;
  char segs[255][4];
  unsigned n_segs = 0;

  if (name == NULL)
    {
      aml_set_error (aml, -EINVAL);
      return;
    }
  if (*p == AML_ROOT_CHAR)
    aml_put_byte (aml, *p++);
  else
    while (*p == AML_PARENT_CHAR)
      aml_put_byte (aml, *p++);

  while (*p != '\0')
    {
      unsigned n = 0;

      if (n_segs == sizeof segs / sizeof segs[0] || !aml_is_lead_char (*p))
        {
          aml_set_error (aml, -EINVAL);
          return;
        }
      while (aml_is_name_char (*p) && n < 4)
        segs[n_segs][n++] = *p++;
      while (n < 4)
        segs[n_segs][n++] = '_';
      n_segs++;
      if (*p == '.' && p[1] != '\0')
        p++;
      else if (*p != '\0')
        {
          aml_set_error (aml, -EINVAL);
          return;
        }
    }

  if (n_segs == 0)
    aml_put_byte (aml, AML_ZERO_OP);
  else if (n_segs == 2)
    aml_put_byte (aml, AML_DUAL_NAME);
  else if (n_segs > 2)
    {
      aml_put_byte (aml, AML_MULTI_NAME);
      aml_put_byte (aml, (uint8_t) n_segs);
    }
  aml_put (aml, segs, 4 * (size_t) n_segs);
}

/* Turns a block into its final bytes, now that its content is known. */
static void
aml_close (Aml *aml)
{
  Aml *out;
  uint8_t pkg_length[4];
  size_t body_len;
  int n;

  if (aml->kind == AML_KIND_LIST || aml->error != 0)
    return;

  out = aml_new ();
  if (out == NULL)
    {
      aml_set_error (aml, -ENOMEM);
      return;
    }

  if (aml->kind == AML_KIND_RESOURCES)
    {
      aml_put_byte (aml, RES_END_TAG);
      aml_put_byte (aml, 0);
    }

  body_len = aml->len;
  if (aml->kind == AML_KIND_PACKAGE)
    {
      if (aml->n_elements > UINT8_MAX)
        aml_set_error (aml, -EOVERFLOW);
      body_len += 1;
    }
  else if (aml->kind == AML_KIND_BUFFER || aml->kind == AML_KIND_RESOURCES)
    {
      Aml size = { 0 };

      aml_put_int (&size, aml->len);
      if (size.error != 0)
        aml_set_error (aml, size.error);
      body_len += size.len;
      free (size.data);
    }

  n = aml_encode_pkg_length (body_len, pkg_length);
  if (n < 0)
    aml_set_error (aml, n);
  if (aml->error != 0)
    {
      aml_free (out);
      return;
    }

  aml_put (out, aml->op, aml->op_len);
  aml_put (out, pkg_length, (size_t) n);
  if (aml->kind == AML_KIND_PACKAGE)
    aml_put_byte (out, (uint8_t) aml->n_elements);
  else if (aml->kind != AML_KIND_BLOCK)
    aml_put_int (out, aml->len);
  aml_put (out, aml->data, aml->len);

  if (out->error != 0)
    aml_set_error (aml, out->error);
  else
    {
      free (aml->data);
      aml->data = out->data;
      aml->len = out->len;
      aml->cap = out->cap;
      aml->kind = AML_KIND_LIST;
      out->data = NULL;
    }
  aml_free (out);
}

void
aml_append (Aml *parent,
            Aml *child)
{
  if (parent == NULL)
    {
      aml_free (child);
      return;
    }
  if (child == NULL)
    {
      aml_set_error (parent, -ENOMEM);
      return;
    }
  aml_close (child);
  if (child->error != 0)
    aml_set_error (parent, child->error);
  aml_put (parent, child->data, child->len);
  parent->n_elements++;
  aml_free (child);
}

int
aml_finish (Aml      *aml,
            uint8_t **bytes,
            size_t   *len)
{
  int error;

  *bytes = NULL;
  *len = 0;
  if (aml == NULL)
    return -ENOMEM;
  aml_close (aml);
  error = aml->error;
  if (error == 0)
    {
      *bytes = aml->data;
      *len = aml->len;
      aml->data = NULL;
    }
  aml_free (aml);
  return error;
}

/* A fragment of the given opcode followed by its operands, which it takes. */
static Aml *
aml_op_v (const uint8_t *op,
          size_t         op_len,
          unsigned       n,
          va_list        operands)
{
  Aml *aml = aml_new ();

  if (aml != NULL)
    aml_put (aml, op, op_len);
  for (unsigned i = 0; i < n; i++)
    aml_append (aml, va_arg (operands, Aml *));
  return aml;
}

static Aml *
aml_op (uint8_t  op,
        unsigned n,
        ...)
{
  va_list operands;
  Aml *aml;

  va_start (operands, n);
  aml = aml_op_v (&op, 1, n, operands);
  va_end (operands);
  return aml;
}

/* Target := SuperName | NullName. */
static Aml *
aml_target (Aml *target)
{
  return target != NULL ? target : aml_name ("");
}

static Aml *
aml_block (AmlKind  kind,
           uint8_t  op0,
           int      op1)
{
  Aml *aml = aml_alloc (kind);

  if (aml == NULL)
    return NULL;
  aml->op[0] = op0;
  aml->op_len = 1;
  if (op1 >= 0)
    aml->op[aml->op_len++] = (uint8_t) op1;
  return aml;
}

Aml *
aml_int (uint64_t value)
{
  Aml *aml = aml_new ();

  if (aml != NULL)
    aml_put_int (aml, value);
  return aml;
}

Aml *
aml_string (const char *text)
{
  Aml *aml = aml_new ();

  if (aml == NULL)
    return NULL;
  if (text == NULL)
    {
      aml_set_error (aml, -EINVAL);
      return aml;
    }
  /* AsciiCharList: 0x01-0x7f, then NullChar. */
  for (const char *p = text; *p != '\0'; p++)
    if ((unsigned char) *p > 0x7f)
      aml_set_error (aml, -EINVAL);
  aml_put_byte (aml, AML_STRING_PREFIX);
  aml_put (aml, text, strlen (text) + 1);
  return aml;
}

/* Three letters of 5 bits each ('A' is 1), then four hex digits, stored
 * big-endian as the spec's EISAID() macro does. */
Aml *
aml_eisaid (const char *id)
{
  Aml *aml = aml_new ();
  uint32_t value = 0;

  if (aml == NULL)
    return NULL;
  if (id == NULL || strlen (id) != 7)
    {
      aml_set_error (aml, -EINVAL);
      return aml;
    }
  for (unsigned i = 0; i < 3; i++)
    {
      if (id[i] < 'A' || id[i] > 'Z')
        aml_set_error (aml, -EINVAL);
      value = (value << 5) | (uint32_t) ((id[i] - 'A' + 1) & 0x1f);
    }
  for (unsigned i = 3; i < 7; i++)
    {
      char c = id[i];
      unsigned digit = c >= '0' && c <= '9' ? (unsigned) (c - '0')
                     : c >= 'A' && c <= 'F' ? (unsigned) (c - 'A' + 10) : 16;

      if (digit == 16)
        aml_set_error (aml, -EINVAL);
      value = (value << 4) | (digit & 0xf);
    }
  aml_put_byte (aml, AML_DWORD_PREFIX);
  aml_put_byte (aml, (uint8_t) (value >> 24));
  aml_put_byte (aml, (uint8_t) (value >> 16));
  aml_put_byte (aml, (uint8_t) (value >> 8));
  aml_put_byte (aml, (uint8_t) value);
  return aml;
}

Aml *
aml_buffer (const uint8_t *bytes,
            size_t         len)
{
  Aml *aml = aml_block (AML_KIND_BUFFER, AML_BUFFER_OP, -1);

  if (aml != NULL)
    aml_put (aml, bytes, len);
  return aml;
}

Aml *
aml_package (void)
{
  return aml_block (AML_KIND_PACKAGE, AML_PACKAGE_OP, -1);
}

Aml *
aml_name (const char *name)
{
  Aml *aml = aml_new ();

  if (aml != NULL)
    aml_put_name (aml, name);
  return aml;
}

Aml *
aml_call (const char *name,
          unsigned    n_args,
          ...)
{
  va_list args;
  Aml *aml = aml_name (name);

  va_start (args, n_args);
  for (unsigned i = 0; i < n_args; i++)
    aml_append (aml, va_arg (args, Aml *));
  va_end (args);
  return aml;
}

Aml *
aml_local (unsigned n)
{
  Aml *aml = aml_op ((uint8_t) (AML_LOCAL0_OP + (n & 7)), 0);

  if (aml != NULL && n > 7)
    aml_set_error (aml, -EINVAL);
  return aml;
}

Aml *
aml_arg (unsigned n)
{
  Aml *aml = aml_op ((uint8_t) (AML_ARG0_OP + (n % 7)), 0);

  if (aml != NULL && n > 6)
    aml_set_error (aml, -EINVAL);
  return aml;
}

Aml *
aml_name_decl (const char *name,
               Aml        *value)
{
  Aml *aml = aml_op (AML_NAME_OP, 0);

  if (aml != NULL)
    aml_put_name (aml, name);
  aml_append (aml, value);
  return aml;
}

static Aml *
aml_named_block (uint8_t     op0,
                 int         op1,
                 const char *name)
{
  Aml *aml = aml_block (AML_KIND_BLOCK, op0, op1);

  if (aml != NULL)
    aml_put_name (aml, name);
  return aml;
}

Aml *
aml_scope (const char *name)
{
  return aml_named_block (AML_SCOPE_OP, -1, name);
}

Aml *
aml_device (const char *name)
{
  return aml_named_block (AML_EXT_PREFIX, AML_DEVICE_OP, name);
}

/* MethodFlags: ArgCount in bits 0-2, SerializeFlag in bit 3, SyncLevel 0. */
Aml *
aml_method (const char *name,
            unsigned    n_args,
            bool        serialized)
{
  Aml *aml = aml_named_block (AML_METHOD_OP, -1, name);

  if (aml == NULL)
    return NULL;
  if (n_args > 7)
    aml_set_error (aml, -EINVAL);
  aml_put_byte (aml, (uint8_t) ((n_args & 7) | (serialized ? 1 << 3 : 0)));
  return aml;
}

Aml *
aml_mutex (const char *name,
           unsigned    sync_level)
{
  const uint8_t op[] = { AML_EXT_PREFIX, AML_MUTEX_OP };
  Aml *aml = aml_new ();

  if (aml == NULL)
    return NULL;
  if (sync_level > 15)
    aml_set_error (aml, -EINVAL);
  aml_put (aml, op, sizeof op);
  aml_put_name (aml, name);
  aml_put_byte (aml, (uint8_t) (sync_level & 15));
  return aml;
}

Aml *
aml_operation_region (const char     *name,
                      AmlRegionSpace  space,
                      uint64_t        offset,
                      uint64_t        length)
{
  const uint8_t op[] = { AML_EXT_PREFIX, AML_OP_REGION_OP };
  Aml *aml = aml_new ();

  if (aml == NULL)
    return NULL;
  aml_put (aml, op, sizeof op);
  aml_put_name (aml, name);
  aml_put_byte (aml, (uint8_t) space);
  aml_put_int (aml, offset);
  aml_put_int (aml, length);
  return aml;
}

/* FieldFlags: AccessType in bits 0-3, LockRule in bit 4, UpdateRule in
 * bits 5-6. */
Aml *
aml_field (const char     *region,
           AmlFieldAccess  access,
           bool            lock,
           AmlFieldUpdate  update)
{
  Aml *aml = aml_named_block (AML_EXT_PREFIX, AML_FIELD_OP, region);

  if (aml != NULL)
    aml_put_byte (aml, (uint8_t) (access | (lock ? 1 << 4 : 0) | (update << 5)));
  return aml;
}

/* NamedField := NameSeg PkgLength: a single segment, never a path. */
void
aml_field_unit (Aml        *field,
                const char *name,
                unsigned    bits)
{
  char seg[4] = { '_', '_', '_', '_' };
  size_t len = name != NULL ? strlen (name) : 0;

  if (field == NULL)
    return;
  if (len == 0 || len > 4 || !aml_is_lead_char (name[0]) || bits == 0)
    {
      aml_set_error (field, -EINVAL);
      return;
    }
  for (size_t i = 0; i < len; i++)
    {
      if (!aml_is_name_char (name[i]))
        aml_set_error (field, -EINVAL);
      seg[i] = name[i];
    }
  aml_put (field, seg, sizeof seg);
  aml_put_field_length (field, bits);
  field->field_bit += bits;
}

/* ReservedField := 0x00 PkgLength. */
void
aml_field_reserve (Aml      *field,
                   unsigned  bits)
{
  if (field == NULL || bits == 0)
    return;
  aml_put_byte (field, 0x00);
  aml_put_field_length (field, bits);
  field->field_bit += bits;
}

void
aml_field_offset (Aml      *field,
                  unsigned  byte_offset)
{
  if (field == NULL)
    return;
  if (byte_offset > UINT32_MAX / 8 || 8 * byte_offset < field->field_bit)
    {
      aml_set_error (field, -EINVAL);
      return;
    }
  aml_field_reserve (field, 8 * byte_offset - field->field_bit);
}

static Aml *
aml_predicate_block (uint8_t  op,
                     Aml     *predicate)
{
  Aml *aml = aml_block (AML_KIND_BLOCK, op, -1);

  if (aml == NULL)
    {
      aml_free (predicate);
      return NULL;
    }
  aml_append (aml, predicate);
  return aml;
}

Aml *
aml_if (Aml *predicate)
{
  return aml_predicate_block (AML_IF_OP, predicate);
}

Aml *
aml_else (void)
{
  return aml_block (AML_KIND_BLOCK, AML_ELSE_OP, -1);
}

Aml *
aml_while (Aml *predicate)
{
  return aml_predicate_block (AML_WHILE_OP, predicate);
}

Aml *
aml_break (void)
{
  return aml_op (AML_BREAK_OP, 0);
}

Aml *
aml_return (Aml *value)
{
  return aml_op (AML_RETURN_OP, 1, value);
}

Aml *
aml_store (Aml *value,
           Aml *target)
{
  return aml_op (AML_STORE_OP, 2, value, target);
}

Aml *
aml_notify (Aml *object,
            Aml *value)
{
  return aml_op (AML_NOTIFY_OP, 2, object, value);
}

Aml *
aml_acquire (const char *mutex,
             uint16_t    timeout)
{
  const uint8_t op[] = { AML_EXT_PREFIX, AML_ACQUIRE_OP };
  Aml *aml = aml_new ();

  if (aml == NULL)
    return NULL;
  aml_put (aml, op, sizeof op);
  aml_put_name (aml, mutex);
  aml_put_le (aml, timeout, 2);
  return aml;
}

Aml *
aml_release (const char *mutex)
{
  const uint8_t op[] = { AML_EXT_PREFIX, AML_RELEASE_OP };
  Aml *aml = aml_new ();

  if (aml == NULL)
    return NULL;
  aml_put (aml, op, sizeof op);
  aml_put_name (aml, mutex);
  return aml;
}

Aml *
aml_lequal (Aml *a,
            Aml *b)
{
  return aml_op (AML_LEQUAL_OP, 2, a, b);
}

Aml *
aml_lless (Aml *a,
           Aml *b)
{
  return aml_op (AML_LLESS_OP, 2, a, b);
}

Aml *
aml_land (Aml *a,
          Aml *b)
{
  return aml_op (AML_LAND_OP, 2, a, b);
}

Aml *
aml_lnot (Aml *a)
{
  return aml_op (AML_LNOT_OP, 1, a);
}

Aml *
aml_add (Aml *a,
         Aml *b,
         Aml *target)
{
  return aml_op (AML_ADD_OP, 3, a, b, aml_target (target));
}

Aml *
aml_subtract (Aml *a,
              Aml *b,
              Aml *target)
{
  return aml_op (AML_SUBTRACT_OP, 3, a, b, aml_target (target));
}

Aml *
aml_shift_left (Aml *a,
                Aml *b,
                Aml *target)
{
  return aml_op (AML_SHIFT_LEFT_OP, 3, a, b, aml_target (target));
}

Aml *
aml_and (Aml *a,
         Aml *b,
         Aml *target)
{
  return aml_op (AML_AND_OP, 3, a, b, aml_target (target));
}

Aml *
aml_or (Aml *a,
        Aml *b,
        Aml *target)
{
  return aml_op (AML_OR_OP, 3, a, b, aml_target (target));
}

Aml *
aml_increment (Aml *target)
{
  return aml_op (AML_INCREMENT_OP, 1, target);
}

Aml *
aml_resource_template (void)
{
  return aml_block (AML_KIND_RESOURCES, AML_BUFFER_OP, -1);
}

Aml *
aml_io (uint16_t min,
        uint16_t max,
        uint8_t  align,
        uint8_t  length)
{
  Aml *aml = aml_new ();

  if (aml == NULL)
    return NULL;
  aml_put_byte (aml, RES_IO);
  aml_put_byte (aml, 1);              /* decodes 16 address bits */
  aml_put_le (aml, min, 2);
  aml_put_le (aml, max, 2);
  aml_put_byte (aml, align);
  aml_put_byte (aml, length);
  return aml;
}

Aml *
aml_irq_no_flags (unsigned irq)
{
  Aml *aml = aml_new ();

  if (aml == NULL)
    return NULL;
  if (irq > 15)
    aml_set_error (aml, -EINVAL);
  aml_put_byte (aml, RES_IRQ_NO_FLAGS);
  aml_put_le (aml, 1u << (irq & 15), 2);
  return aml;
}

/* Word, DWord and QWord address space descriptors share one layout with
 * fields of the given width: tag, length, resource type, general flags,
 * type-specific flags, then granularity, minimum, maximum, translation
 * offset and length. */
static Aml *
aml_address_space (uint8_t  tag,
                   unsigned width,
                   uint8_t  type,
                   uint8_t  type_flags,
                   uint64_t min,
                   uint64_t max)
{
  Aml *aml = aml_new ();

  if (aml == NULL)
    return NULL;
  if (max < min)
    aml_set_error (aml, -EINVAL);
  aml_put_byte (aml, tag);
  aml_put_le (aml, 3 + 5 * width, 2);
  aml_put_byte (aml, type);
  aml_put_byte (aml, RES_FLAGS_FIXED_WINDOW);
  aml_put_byte (aml, type_flags);
  aml_put_le (aml, 0, width);
  aml_put_le (aml, min, width);
  aml_put_le (aml, max, width);
  aml_put_le (aml, 0, width);
  aml_put_le (aml, max - min + 1, width);
  return aml;
}

Aml *
aml_word_bus_number (uint16_t min,
                     uint16_t max)
{
  return aml_address_space (RES_WORD_ADDRESS, 2, RES_TYPE_BUS, 0, min, max);
}

Aml *
aml_word_io (uint16_t min,
             uint16_t max)
{
  return aml_address_space (RES_WORD_ADDRESS, 2, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, min, max);
}

Aml *
aml_dword_memory (uint32_t min,
                  uint32_t max)
{
  return aml_address_space (RES_DWORD_ADDRESS, 4, RES_TYPE_MEMORY, RES_MEM_CACHEABLE_RW,
                            min, max);
}

Aml *
aml_qword_memory (uint64_t min,
                  uint64_t max)
{
  return aml_address_space (RES_QWORD_ADDRESS, 8, RES_TYPE_MEMORY, RES_MEM_CACHEABLE_RW,
                            min, max);
}
