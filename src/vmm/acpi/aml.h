/* aml.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A builder for ACPI Machine Language (ACPI 6.3, chapter 20), enough for the
 * VMM's DSDT.
 *
 * Every constructor returns a fragment (Aml *) that owns its encoded bytes.
 * Constructors that take fragments as operands take ownership of them, so a
 * whole expression is written as nested calls:
 *
 *   aml_store (aml_add (aml_local (0), aml_int (1), NULL), aml_local (0))
 *
 * Blocks (Scope, Device, Method, If, Else, While, Package, Buffer, Field,
 * ResourceTemplate) collect children with aml_append (); their PkgLength is
 * only written when the block itself is appended to its parent or turned
 * into bytes by aml_finish (), once the length of the content is known.
 *
 * Errors never crash: an allocation that fails gives NULL, and any
 * constructor handed NULL or an invalid argument (a bad name, a PkgLength
 * beyond 2^28, more than 255 package elements) returns a fragment marked
 * with the error, which spreads to every parent. aml_finish () reports it. */

typedef struct Aml Aml;

typedef enum
{
  AML_SYSTEM_MEMORY = 0x00,
  AML_SYSTEM_IO     = 0x01,
} AmlRegionSpace;

typedef enum
{
  AML_ANY_ACC   = 0,
  AML_BYTE_ACC  = 1,
  AML_WORD_ACC  = 2,
  AML_DWORD_ACC = 3,
  AML_QWORD_ACC = 4,
} AmlFieldAccess;

typedef enum
{
  AML_PRESERVE       = 0,
  AML_WRITE_AS_ONES  = 1,
  AML_WRITE_AS_ZEROS = 2,
} AmlFieldUpdate;

/* The longest PkgLength (28 bits). */
#define AML_PKG_LENGTH_MAX 0x0fffffffu

/* Encodes the PkgLength of a package whose content after the PkgLength is
 * body_len bytes: the value counts its own bytes too. Returns how many
 * bytes (1-4) it wrote to out, or -EOVERFLOW. */
int   aml_encode_pkg_length (size_t       body_len,
                             uint8_t      out[4]);

/* The list everything goes into: a table body, or a block's content. */
Aml  *aml_new               (void);
void  aml_free              (Aml         *aml);
/* Moves child (finishing it if it is a block) to the end of parent. */
void  aml_append            (Aml         *parent,
                             Aml         *child);
/* Hands over the encoded bytes (malloc'd, caller frees) and frees aml.
 * Returns 0, or the first error any part of the tree met (-ENOMEM, -EINVAL,
 * -EOVERFLOW); then *bytes is NULL. */
int   aml_finish            (Aml         *aml,
                             uint8_t    **bytes,
                             size_t      *len);

/* Data: integers take the shortest encoding (ZeroOp, OneOp, OnesOp, then
 * Byte/Word/DWord/QWord prefixes). */
Aml  *aml_int               (uint64_t     value);
Aml  *aml_string            (const char  *text);
/* "PNP0A03" as the 32-bit compressed EISA id (always a DWord). */
Aml  *aml_eisaid            (const char  *id);
Aml  *aml_buffer            (const uint8_t *bytes,
                             size_t       len);
/* A block: aml_append () its elements. */
Aml  *aml_package           (void);

/* A NameString used as a reference ("\\_SB.PCI0", "^C000", "CSEL"); short
 * segments are padded with '_'. */
Aml  *aml_name              (const char  *name);
/* A method invocation: name followed by n_args fragments. */
Aml  *aml_call              (const char  *name,
                             unsigned     n_args,
                             ...);
Aml  *aml_local             (unsigned     n);          /* Local0-7 */
Aml  *aml_arg               (unsigned     n);          /* Arg0-6 */

/* Named objects and blocks. */
Aml  *aml_name_decl         (const char  *name,
                             Aml         *value);
Aml  *aml_scope             (const char  *name);
Aml  *aml_device            (const char  *name);
Aml  *aml_method            (const char  *name,
                             unsigned     n_args,
                             bool         serialized);
Aml  *aml_mutex             (const char  *name,
                             unsigned     sync_level);
Aml  *aml_operation_region  (const char  *name,
                             AmlRegionSpace space,
                             uint64_t     offset,
                             uint64_t     length);
/* A block of field units over region; add them in order with
 * aml_field_unit (), aml_field_reserve () and aml_field_offset (). */
Aml  *aml_field             (const char  *region,
                             AmlFieldAccess access,
                             bool         lock,
                             AmlFieldUpdate update);
void  aml_field_unit        (Aml         *field,
                             const char  *name,
                             unsigned     bits);
void  aml_field_reserve     (Aml         *field,
                             unsigned     bits);
/* Skips to byte_offset (ASL's Offset ()); going backwards is an error. */
void  aml_field_offset      (Aml         *field,
                             unsigned     byte_offset);

/* Control flow: blocks whose predicate is given. */
Aml  *aml_if                (Aml         *predicate);
Aml  *aml_else              (void);
Aml  *aml_while             (Aml         *predicate);
Aml  *aml_break             (void);
Aml  *aml_return            (Aml         *value);

/* Statements and expressions. A NULL target is no target (NullName). */
Aml  *aml_store             (Aml         *value,
                             Aml         *target);
Aml  *aml_notify            (Aml         *object,
                             Aml         *value);
Aml  *aml_acquire           (const char  *mutex,
                             uint16_t     timeout);
Aml  *aml_release           (const char  *mutex);
Aml  *aml_lequal            (Aml         *a,
                             Aml         *b);
Aml  *aml_lless             (Aml         *a,
                             Aml         *b);
Aml  *aml_land              (Aml         *a,
                             Aml         *b);
Aml  *aml_lnot              (Aml         *a);
Aml  *aml_add               (Aml         *a,
                             Aml         *b,
                             Aml         *target);
Aml  *aml_subtract          (Aml         *a,
                             Aml         *b,
                             Aml         *target);
Aml  *aml_shift_left        (Aml         *a,
                             Aml         *b,
                             Aml         *target);
Aml  *aml_and               (Aml         *a,
                             Aml         *b,
                             Aml         *target);
Aml  *aml_or                (Aml         *a,
                             Aml         *b,
                             Aml         *target);
Aml  *aml_increment         (Aml         *target);

/* Resource descriptors (ACPI 6.3, 6.4), for a ResourceTemplate: a buffer
 * block that aml_finish/aml_append closes with an EndTag (checksum byte 0,
 * which means "treat as valid", as iasl writes it). */
Aml  *aml_resource_template (void);
Aml  *aml_io                (uint16_t     min,
                             uint16_t     max,
                             uint8_t      align,
                             uint8_t      length);            /* Decode16 */
Aml  *aml_irq_no_flags      (unsigned     irq);               /* 0-15 */
/* Producer, MinFixed, MaxFixed, PosDecode windows. */
Aml  *aml_word_bus_number   (uint16_t     min,
                             uint16_t     max);
Aml  *aml_word_io           (uint16_t     min,
                             uint16_t     max);              /* EntireRange */
Aml  *aml_dword_memory      (uint32_t     min,
                             uint32_t     max);              /* Cacheable, ReadWrite */
Aml  *aml_qword_memory      (uint64_t     min,
                             uint64_t     max);              /* Cacheable, ReadWrite */
