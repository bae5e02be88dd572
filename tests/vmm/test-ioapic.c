/* test-ioapic.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "devices/ioapic.h"

typedef struct
{
  Ioapic   *ioapic;
  unsigned  delivered[IOAPIC_N_PINS];
  unsigned  n_routes;
  uint64_t  route_address[IOAPIC_N_PINS];
  uint32_t  route_data[IOAPIC_N_PINS];
  bool      route_masked[IOAPIC_N_PINS];
} Fixture;

static void
fake_route (void     *opaque,
            unsigned  pin,
            uint64_t  address,
            uint32_t  data,
            bool      masked)
{
  Fixture *f = opaque;

  f->n_routes++;
  f->route_address[pin] = address;
  f->route_data[pin] = data;
  f->route_masked[pin] = masked;
}

static void
fake_deliver (void     *opaque,
              unsigned  pin)
{
  Fixture *f = opaque;

  f->delivered[pin]++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  IoapicOutput output = { fake_route, fake_deliver, f };

  memset (f, 0, sizeof *f);
  f->ioapic = ioapic_new (2, &output);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ioapic_free (f->ioapic);
}

static uint32_t
reg_read (Fixture  *f,
          uint32_t  index)
{
  ioapic_ops.write (f->ioapic, 0x00, index, 4);
  return (uint32_t) ioapic_ops.read (f->ioapic, 0x10, 4);
}

static void
reg_write (Fixture  *f,
           uint32_t  index,
           uint32_t  value)
{
  ioapic_ops.write (f->ioapic, 0x00, index, 4);
  ioapic_ops.write (f->ioapic, 0x10, value, 4);
}

static void
program_pin (Fixture  *f,
             unsigned  pin,
             uint64_t  entry)
{
  reg_write (f, 0x11 + 2 * pin, (uint32_t) (entry >> 32));
  reg_write (f, 0x10 + 2 * pin, (uint32_t) entry);
}

static void
test_identity_and_reset (Fixture       *f,
                         gconstpointer  data)
{
  g_assert_cmpuint (reg_read (f, 0x00), ==, 2u << 24);
  g_assert_cmpuint (reg_read (f, 0x01), ==, (23u << 16) | 0x20);
  /* After reset every pin is masked, and KVM was told so for each. */
  g_assert_cmpuint (f->n_routes, ==, IOAPIC_N_PINS);
  for (unsigned pin = 0; pin < IOAPIC_N_PINS; pin++)
    {
      g_assert_cmpuint (reg_read (f, 0x10 + 2 * pin), ==, 1u << 16);
      g_assert_true (f->route_masked[pin]);
    }
  /* Registers that do not exist read as zero and ignore writes. */
  reg_write (f, 0x01, 0xffffffff);
  g_assert_cmpuint (reg_read (f, 0x01), ==, (23u << 16) | 0x20);
  g_assert_cmpuint (reg_read (f, 0x10 + 2 * IOAPIC_N_PINS), ==, 0);
  g_assert_cmpuint (reg_read (f, 0xff), ==, 0);
}

static void
test_edge (Fixture       *f,
           gconstpointer  data)
{
  /* Vector 0x31, fixed, physical destination APIC 1, edge, unmasked. */
  program_pin (f, 4, (1ull << 56) | 0x31);
  g_assert_false (f->route_masked[4]);
  g_assert_cmphex (f->route_address[4], ==, 0xfee01000);
  g_assert_cmphex (f->route_data[4], ==, 0x31);

  ioapic_set_irq (f->ioapic, 4, true);
  g_assert_cmpuint (f->delivered[4], ==, 1);
  ioapic_set_irq (f->ioapic, 4, true);            /* no new edge */
  g_assert_cmpuint (f->delivered[4], ==, 1);
  ioapic_set_irq (f->ioapic, 4, false);
  ioapic_set_irq (f->ioapic, 4, true);
  g_assert_cmpuint (f->delivered[4], ==, 2);
  /* Edge pins have no EOI handshake. */
  ioapic_eoi (f->ioapic, 0x31);
  g_assert_cmpuint (f->delivered[4], ==, 2);
  g_assert_cmpuint (reg_read (f, 0x10 + 8) & (1u << 14), ==, 0);
}

static void
test_level_handshake (Fixture       *f,
                      gconstpointer  data)
{
  /* Vector 0x41, lowest priority, logical destination 0x3, level. */
  program_pin (f, 10, (3ull << 56) | (1ull << 15) | (1ull << 11) | (1ull << 8) | 0x41);
  g_assert_cmphex (f->route_address[10], ==, 0xfee03004);
  g_assert_cmphex (f->route_data[10], ==, 0x41 | (1 << 8) | (1 << 14) | (1 << 15));

  ioapic_set_irq (f->ioapic, 10, true);
  g_assert_cmpuint (f->delivered[10], ==, 1);
  g_assert_cmpuint (reg_read (f, 0x10 + 20) & (1u << 14), !=, 0);    /* remote IRR */
  ioapic_set_irq (f->ioapic, 10, true);
  ioapic_set_irq (f->ioapic, 10, false);
  ioapic_set_irq (f->ioapic, 10, true);
  g_assert_cmpuint (f->delivered[10], ==, 1);                        /* awaits EOI */

  ioapic_eoi (f->ioapic, 0x40);                                      /* other vector */
  g_assert_cmpuint (f->delivered[10], ==, 1);
  ioapic_eoi (f->ioapic, 0x41);                                      /* still high: again */
  g_assert_cmpuint (f->delivered[10], ==, 2);

  ioapic_set_irq (f->ioapic, 10, false);
  ioapic_ops.write (f->ioapic, 0x40, 0x41, 4);                       /* EOI register */
  g_assert_cmpuint (f->delivered[10], ==, 2);
  g_assert_cmpuint (reg_read (f, 0x10 + 20) & (1u << 14), ==, 0);
}

static void
test_unmask_delivers_pending_level (Fixture       *f,
                                    gconstpointer  data)
{
  program_pin (f, 9, (1ull << 16) | (1ull << 15) | 0x51);
  ioapic_set_irq (f->ioapic, 9, true);
  g_assert_cmpuint (f->delivered[9], ==, 0);
  program_pin (f, 9, (1ull << 15) | 0x51);
  g_assert_cmpuint (f->delivered[9], ==, 1);
  g_assert_false (f->route_masked[9]);
}

static void
test_read_only_bits_and_bad_pins (Fixture       *f,
                                  gconstpointer  data)
{
  /* A guest cannot set delivery status or remote IRR by writing them. */
  program_pin (f, 3, (1ull << 15) | (1ull << 14) | (1ull << 12) | 0x61);
  g_assert_cmpuint (reg_read (f, 0x10 + 6) & ((1u << 14) | (1u << 12)), ==, 0);
  /* Lines past the last pin are ignored. */
  ioapic_set_irq (f->ioapic, IOAPIC_N_PINS, true);
  ioapic_set_irq (f->ioapic, 1000, true);
  for (unsigned pin = 0; pin < IOAPIC_N_PINS; pin++)
    g_assert_cmpuint (f->delivered[pin], ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add ("/vmm/ioapic/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("identity-and-reset", test_identity_and_reset);
  ADD ("edge", test_edge);
  ADD ("level-handshake", test_level_handshake);
  ADD ("unmask-delivers-pending-level", test_unmask_delivers_pending_level);
  ADD ("read-only-bits-and-bad-pins", test_read_only_bits_and_bad_pins);
#undef ADD
  return g_test_run ();
}
