/* test-aml.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/aml.h"

/* The expected bytes below are written from the AML grammar of ACPI 6.3
 * (chapter 20) and the resource descriptor layouts (6.4), not from the
 * builder. */

static void
check_bytes (Aml           *aml,
             const uint8_t *expected,
             size_t         expected_len)
{
  uint8_t *bytes = NULL;
  size_t len = 0;

  g_assert_cmpint (aml_finish (aml, &bytes, &len), ==, 0);
  g_assert_cmpmem (bytes, len, expected, expected_len);
  free (bytes);
}

#define CHECK(aml, ...) \
  G_STMT_START { \
    const uint8_t expected_[] = { __VA_ARGS__ }; \
    check_bytes ((aml), expected_, sizeof expected_); \
  } G_STMT_END

static void
check_error (Aml *aml,
             int  error)
{
  uint8_t *bytes = (uint8_t *) &bytes;
  size_t len = 1;

  g_assert_cmpint (aml_finish (aml, &bytes, &len), ==, error);
  g_assert_null (bytes);
  g_assert_cmpuint (len, ==, 0);
}

static void
check_pkg_length (size_t         body_len,
                  const uint8_t *expected,
                  int            expected_len)
{
  uint8_t out[4] = { 0 };

  g_assert_cmpint (aml_encode_pkg_length (body_len, out), ==, expected_len);
  g_assert_cmpmem (out, expected_len, expected, expected_len);
}

/* The PkgLength value counts its own bytes: one byte holds up to 63, two up
 * to 2^12 - 1, three up to 2^20 - 1, four up to 2^28 - 1. */
static void
test_pkg_length (void)
{
  check_pkg_length (0, (const uint8_t[]) { 0x01 }, 1);
  check_pkg_length (62, (const uint8_t[]) { 0x3f }, 1);                    /* 63 */
  check_pkg_length (63, (const uint8_t[]) { 0x41, 0x04 }, 2);              /* 65 */
  check_pkg_length (4093, (const uint8_t[]) { 0x4f, 0xff }, 2);            /* 4095 */
  check_pkg_length (4094, (const uint8_t[]) { 0x81, 0x00, 0x01 }, 3);      /* 4097 */
  check_pkg_length (0xffffc, (const uint8_t[]) { 0x8f, 0xff, 0xff }, 3);   /* 2^20 - 1 */
  check_pkg_length (0xffffd, (const uint8_t[]) { 0xc1, 0x00, 0x00, 0x01 }, 4); /* 2^20 + 1 */
  check_pkg_length (0x0ffffffb, (const uint8_t[]) { 0xcf, 0xff, 0xff, 0xff }, 4);
  g_assert_cmpint (aml_encode_pkg_length (0x0ffffffc, (uint8_t[4]) { 0 }), ==, -EOVERFLOW);
  g_assert_cmpint (aml_encode_pkg_length (SIZE_MAX, (uint8_t[4]) { 0 }), ==, -EOVERFLOW);
}

/* The same boundaries inside real blocks: BufferOp PkgLength BufferSize. */
static void
test_pkg_length_in_blocks (void)
{
  static uint8_t data[1 << 20];
  uint8_t *bytes;
  size_t len;

  /* 60 data bytes + BufferSize (0a 3c) = 62: one byte. */
  g_assert_cmpint (aml_finish (aml_buffer (data, 60), &bytes, &len), ==, 0);
  g_assert_cmpuint (len, ==, 1 + 1 + 2 + 60);
  g_assert_cmpmem (bytes, 4, ((const uint8_t[]) { 0x11, 0x3f, 0x0a, 0x3c }), 4);
  free (bytes);

  /* 61 + 2 = 63: two bytes, value 65. */
  g_assert_cmpint (aml_finish (aml_buffer (data, 61), &bytes, &len), ==, 0);
  g_assert_cmpuint (len, ==, 1 + 2 + 2 + 61);
  g_assert_cmpmem (bytes, 5, ((const uint8_t[]) { 0x11, 0x41, 0x04, 0x0a, 0x3d }), 5);
  free (bytes);

  /* 2^20 data bytes + BufferSize (0c 00 00 10 00): four bytes, value
   * 2^20 + 9. */
  memset (data, 0x5a, sizeof data);
  g_assert_cmpint (aml_finish (aml_buffer (data, sizeof data), &bytes, &len), ==, 0);
  g_assert_cmpuint (len, ==, 1 + 4 + 5 + sizeof data);
  g_assert_cmpmem (bytes, 10, ((const uint8_t[]) { 0x11, 0xc9, 0x00, 0x00, 0x01,
                                                   0x0c, 0x00, 0x00, 0x10, 0x00 }), 10);
  g_assert_cmpmem (bytes + 10, sizeof data, data, sizeof data);
  free (bytes);
}

static void
test_names (void)
{
  CHECK (aml_name ("_HID"), '_', 'H', 'I', 'D');
  CHECK (aml_name ("ISA"), 'I', 'S', 'A', '_');                 /* padded */
  CHECK (aml_name ("\\_SB.PCI0"),
         '\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0');   /* DualNamePrefix */
  CHECK (aml_name ("\\_SB.PCI0.ISA"),
         '\\', 0x2f, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'I', 'S', 'A', '_');
  CHECK (aml_name ("^C000"), '^', 'C', '0', '0', '0');
  CHECK (aml_name ("^^AB"), '^', '^', 'A', 'B', '_', '_');
  CHECK (aml_name ("\\"), '\\', 0x00);                         /* root: NullName */
  CHECK (aml_name (""), 0x00);
  CHECK (aml_name ("\\_GPE"), '\\', '_', 'G', 'P', 'E');

  check_error (aml_name ("1ABC"), -EINVAL);                    /* digit leads */
  check_error (aml_name ("ABCDE"), -EINVAL);                   /* 5 characters */
  check_error (aml_name ("A..B"), -EINVAL);
  check_error (aml_name ("AB."), -EINVAL);
  check_error (aml_name ("pci0"), -EINVAL);
  check_error (aml_name ("\\^A"), -EINVAL);
  check_error (aml_name (NULL), -EINVAL);
}

static void
test_integers (void)
{
  CHECK (aml_int (0), 0x00);                                   /* ZeroOp */
  CHECK (aml_int (1), 0x01);                                   /* OneOp */
  CHECK (aml_int (UINT64_MAX), 0xff);                          /* OnesOp */
  CHECK (aml_int (2), 0x0a, 0x02);
  CHECK (aml_int (0xff), 0x0a, 0xff);
  CHECK (aml_int (0x100), 0x0b, 0x00, 0x01);
  CHECK (aml_int (0xffff), 0x0b, 0xff, 0xff);
  CHECK (aml_int (0x10000), 0x0c, 0x00, 0x00, 0x01, 0x00);
  CHECK (aml_int (0xffffffff), 0x0c, 0xff, 0xff, 0xff, 0xff);
  CHECK (aml_int (0x100000000), 0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00);
  CHECK (aml_int (0xfffffffffffffffe), 0x0e, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
}

static void
test_strings_and_ids (void)
{
  CHECK (aml_string ("ACPI0007"), 0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0x00);
  CHECK (aml_string (""), 0x0d, 0x00);
  check_error (aml_string ("caf\xc3\xa9"), -EINVAL);

  /* EISAID: 'P' 'N' 'P' as 5-bit letters, then the product number. */
  CHECK (aml_eisaid ("PNP0A03"), 0x0c, 0x41, 0xd0, 0x0a, 0x03);
  CHECK (aml_eisaid ("PNP0303"), 0x0c, 0x41, 0xd0, 0x03, 0x03);
  CHECK (aml_eisaid ("PNP0F13"), 0x0c, 0x41, 0xd0, 0x0f, 0x13);
  CHECK (aml_eisaid ("PNP0B00"), 0x0c, 0x41, 0xd0, 0x0b, 0x00);
  check_error (aml_eisaid ("pnp0a03"), -EINVAL);
  check_error (aml_eisaid ("PNP0A0"), -EINVAL);
  check_error (aml_eisaid ("PNP0G03"), -EINVAL);
}

static void
test_packages (void)
{
  Aml *pkg = aml_package ();
  Aml *s5;

  CHECK (aml_package (), 0x12, 0x02, 0x00);

  for (int i = 0; i < 4; i++)
    aml_append (pkg, aml_int (0));
  s5 = aml_name_decl ("_S5", pkg);
  CHECK (s5, 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00);

  /* Nested: {0x0001FFFF, One, Zero, 0x11} as a _PRT entry. */
  pkg = aml_package ();
  aml_append (pkg, aml_int (0x1ffff));
  aml_append (pkg, aml_int (1));
  aml_append (pkg, aml_int (0));
  aml_append (pkg, aml_int (0x11));
  CHECK (pkg, 0x12, 0x0b, 0x04, 0x0c, 0xff, 0xff, 0x01, 0x00, 0x01, 0x00, 0x0a, 0x11);

  /* NumElements is one byte: 256 elements need VarPackage, which the
   * builder does not offer. */
  pkg = aml_package ();
  for (int i = 0; i < 256; i++)
    aml_append (pkg, aml_int (0));
  check_error (pkg, -EOVERFLOW);

  CHECK (aml_buffer ((const uint8_t[]) { 0x00, 0x08, 0x01, 0x01 }, 4),
         0x11, 0x07, 0x0a, 0x04, 0x00, 0x08, 0x01, 0x01);
  CHECK (aml_buffer (NULL, 0), 0x11, 0x02, 0x00);
}

static void
test_blocks (void)
{
  Aml *scope = aml_scope ("\\_SB");
  Aml *dev = aml_device ("PCI0");
  Aml *method;

  aml_append (dev, aml_name_decl ("_ADR", aml_int (0)));
  aml_append (scope, dev);
  CHECK (scope,
         0x10, 0x13, '\\', '_', 'S', 'B', '_',
         0x5b, 0x82, 0x0b, 'P', 'C', 'I', '0',
         0x08, '_', 'A', 'D', 'R', 0x00);

  method = aml_method ("_STA", 0, false);
  aml_append (method, aml_return (aml_int (0x0f)));
  CHECK (method, 0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f);

  /* MethodFlags: 3 arguments, serialized. */
  method = aml_method ("COST", 3, true);
  CHECK (method, 0x14, 0x06, 'C', 'O', 'S', 'T', 0x0b);
  check_error (aml_method ("BAD", 8, false), -EINVAL);

  CHECK (aml_mutex ("CPLK", 0), 0x5b, 0x01, 'C', 'P', 'L', 'K', 0x00);
  CHECK (aml_operation_region ("PRST", AML_SYSTEM_IO, 0xaf00, 12),
         0x5b, 0x80, 'P', 'R', 'S', 'T', 0x01, 0x0b, 0x00, 0xaf, 0x0a, 0x0c);
  CHECK (aml_operation_region ("MEM", AML_SYSTEM_MEMORY, 0xfed00000, 0x400),
         0x5b, 0x80, 'M', 'E', 'M', '_', 0x00, 0x0c, 0x00, 0x00, 0xd0, 0xfe, 0x0b, 0x00, 0x04);
}

static void
test_fields (void)
{
  Aml *field = aml_field ("PRST", AML_BYTE_ACC, false, AML_WRITE_AS_ZEROS);

  aml_field_offset (field, 4);
  aml_field_unit (field, "CPEN", 1);
  aml_field_unit (field, "CINS", 1);
  aml_field_unit (field, "CRMV", 1);
  aml_field_unit (field, "CEJ0", 1);
  aml_field_offset (field, 5);
  aml_field_unit (field, "CCMD", 8);
  /* FieldFlags 0x41: ByteAcc, NoLock, WriteAsZeros. Offset (4) is a
   * 32-bit ReservedField, Offset (5) after four bits a 4-bit one. */
  CHECK (field,
         0x5b, 0x81, 0x23, 'P', 'R', 'S', 'T', 0x41,
         0x00, 0x20,
         'C', 'P', 'E', 'N', 0x01,
         'C', 'I', 'N', 'S', 0x01,
         'C', 'R', 'M', 'V', 0x01,
         'C', 'E', 'J', '0', 0x01,
         0x00, 0x04,
         'C', 'C', 'M', 'D', 0x08);

  /* A 64-bit unit needs a two-byte length; DWordAcc, Lock, Preserve. */
  field = aml_field ("REG", AML_DWORD_ACC, true, AML_PRESERVE);
  aml_field_unit (field, "DATA", 64);
  aml_field_unit (field, "X", 32);
  CHECK (field, 0x5b, 0x81, 0x11, 'R', 'E', 'G', '_', 0x13,
         'D', 'A', 'T', 'A', 0x40, 0x04, 'X', '_', '_', '_', 0x20);

  field = aml_field ("REG", AML_BYTE_ACC, false, AML_PRESERVE);
  aml_field_unit (field, "A", 16);
  aml_field_offset (field, 1);                               /* backwards */
  check_error (field, -EINVAL);

  field = aml_field ("REG", AML_BYTE_ACC, false, AML_PRESERVE);
  aml_field_unit (field, "A.B", 1);
  check_error (field, -EINVAL);

  field = aml_field ("REG", AML_BYTE_ACC, false, AML_PRESERVE);
  aml_field_unit (field, "HUGE", AML_PKG_LENGTH_MAX + 1u);
  check_error (field, -EOVERFLOW);
}

static void
test_control_flow (void)
{
  Aml *list = aml_new ();
  Aml *if_block = aml_if (aml_lequal (aml_arg (0), aml_int (1)));
  Aml *else_block = aml_else ();
  Aml *loop = aml_while (aml_lless (aml_local (1), aml_int (0x10)));

  aml_append (if_block, aml_return (aml_int (1)));
  aml_append (else_block, aml_return (aml_int (0)));
  aml_append (list, if_block);
  aml_append (list, else_block);
  aml_append (loop, aml_increment (aml_local (1)));
  aml_append (loop, aml_break ());
  aml_append (list, loop);
  CHECK (list,
         0xa0, 0x06, 0x93, 0x68, 0x01, 0xa4, 0x01,
         0xa1, 0x03, 0xa4, 0x00,
         0xa2, 0x08, 0x95, 0x61, 0x0a, 0x10, 0x75, 0x61, 0xa5);
}

static void
test_expressions (void)
{
  CHECK (aml_store (aml_arg (0), aml_name ("CSEL")), 0x70, 0x68, 'C', 'S', 'E', 'L');
  CHECK (aml_notify (aml_name ("C001"), aml_arg (1)), 0x86, 'C', '0', '0', '1', 0x69);
  CHECK (aml_add (aml_local (0), aml_int (1), aml_local (0)), 0x72, 0x60, 0x01, 0x60);
  CHECK (aml_subtract (aml_local (0), aml_int (2), NULL), 0x74, 0x60, 0x0a, 0x02, 0x00);
  CHECK (aml_shift_left (aml_int (1), aml_arg (0), aml_local (1)), 0x79, 0x01, 0x68, 0x61);
  CHECK (aml_and (aml_local (0), aml_int (0x0f), aml_local (0)),
         0x7b, 0x60, 0x0a, 0x0f, 0x60);
  CHECK (aml_or (aml_local (0), aml_int (1), NULL), 0x7d, 0x60, 0x01, 0x00);
  CHECK (aml_land (aml_lequal (aml_local (0), aml_int (0)), aml_lnot (aml_arg (2))),
         0x90, 0x93, 0x60, 0x00, 0x92, 0x6a);
  CHECK (aml_acquire ("CPLK", 0xffff), 0x5b, 0x23, 'C', 'P', 'L', 'K', 0xff, 0xff);
  CHECK (aml_release ("CPLK"), 0x5b, 0x27, 'C', 'P', 'L', 'K');
  CHECK (aml_call ("CSTA", 1, aml_int (1)), 'C', 'S', 'T', 'A', 0x01);
  CHECK (aml_call ("\\_SB.CPUS.CSCN", 0),
         '\\', 0x2f, 3, '_', 'S', 'B', '_', 'C', 'P', 'U', 'S', 'C', 'S', 'C', 'N');
  CHECK (aml_local (7), 0x67);
  CHECK (aml_arg (6), 0x6e);
  check_error (aml_local (8), -EINVAL);
  check_error (aml_arg (7), -EINVAL);
}

/* Byte for byte what iasl makes of the same ASL. */
static void
test_resources (void)
{
  Aml *crs = aml_resource_template ();

  aml_append (crs, aml_io (0x60, 0x60, 1, 1));
  aml_append (crs, aml_irq_no_flags (1));
  CHECK (crs, 0x11, 0x10, 0x0a, 0x0d,
         0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
         0x22, 0x02, 0x00,
         0x79, 0x00);

  CHECK (aml_word_bus_number (0, 0xff),
         0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00,
         0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01);
  CHECK (aml_word_io (0xd00, 0xffff),
         0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
         0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3);
  CHECK (aml_dword_memory (0xa0000, 0xbffff),
         0x87, 0x17, 0x00, 0x00, 0x0c, 0x03,
         0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x0a, 0x00,  0xff, 0xff, 0x0b, 0x00,
         0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x02, 0x00);
  CHECK (aml_qword_memory (0x800000000, 0xfffffffff),
         0x8a, 0x2b, 0x00, 0x00, 0x0c, 0x03,
         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
         0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
         0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x00,
         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
         0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00);
  CHECK (aml_irq_no_flags (12), 0x22, 0x00, 0x10);

  check_error (aml_irq_no_flags (16), -EINVAL);
  check_error (aml_dword_memory (0x2000, 0x1000), -EINVAL);
  CHECK (aml_resource_template (), 0x11, 0x05, 0x0a, 0x02, 0x79, 0x00);
}

/* An error anywhere reaches the top, and a missing fragment (what a failed
 * allocation returns) counts as ENOMEM. */
static void
test_error_propagation (void)
{
  Aml *scope = aml_scope ("\\_SB");
  Aml *dev = aml_device ("GOOD");
  Aml *method = aml_method ("_STA", 0, false);

  aml_append (method, aml_return (aml_int (0x0f)));
  aml_append (dev, method);
  aml_append (dev, aml_device ("bad"));
  aml_append (scope, dev);
  aml_append (scope, aml_name_decl ("_S5", aml_int (0)));
  check_error (scope, -EINVAL);

  check_error (aml_store (NULL, aml_local (0)), -ENOMEM);
  scope = aml_scope ("\\");
  aml_append (scope, NULL);
  check_error (scope, -ENOMEM);
  check_error (NULL, -ENOMEM);

  /* Appending to nothing frees the child (ASan checks the leak). */
  aml_append (NULL, aml_int (5));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vmm/aml/pkg-length", test_pkg_length);
  g_test_add_func ("/vmm/aml/pkg-length-in-blocks", test_pkg_length_in_blocks);
  g_test_add_func ("/vmm/aml/names", test_names);
  g_test_add_func ("/vmm/aml/integers", test_integers);
  g_test_add_func ("/vmm/aml/strings-and-ids", test_strings_and_ids);
  g_test_add_func ("/vmm/aml/packages", test_packages);
  g_test_add_func ("/vmm/aml/blocks", test_blocks);
  g_test_add_func ("/vmm/aml/fields", test_fields);
  g_test_add_func ("/vmm/aml/control-flow", test_control_flow);
  g_test_add_func ("/vmm/aml/expressions", test_expressions);
  g_test_add_func ("/vmm/aml/resources", test_resources);
  g_test_add_func ("/vmm/aml/error-propagation", test_error_propagation);

  return g_test_run ();
}
