/* test-piix3.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "pci/pci-device.h"
#include "pci/pci-host.h"
#include "pci/piix3.h"

/* A firmware machine's PCI side: the host bridge without ECAM, the PIIX3 at
 * 00:01.0 and port 0x92, sixteen recording ISA lines, and the host's INTx
 * lines wired to the PIIX3 as the VMM wires them. */
typedef struct Machine Machine;

typedef struct
{
  Machine  *m;
  unsigned  index;
} LineRef;

struct Machine
{
  IoBus     pio;
  IoBus     mmio;
  PciHost  *host;
  Piix3    *piix3;
  LineRef   isa_refs[PIIX3_N_ISA_IRQ];
  LineRef   intx_refs[PCI_HOST_N_INTX];
  int       isa[PIIX3_N_ISA_IRQ];           /* atomics: lines may move on any thread */
  unsigned  isa_changes[PIIX3_N_ISA_IRQ];
  unsigned  isa_redundant;                  /* a line set to the level it had */
  unsigned  n_reset_requests;

  /* Optional: runs inside the ISA line callback, no lock held. */
  void    (*on_isa) (Machine  *m,
                     unsigned  irq,
                     bool      level);
};

static void
machine_set_isa (void *opaque,
                 bool  level)
{
  LineRef *ref = opaque;
  Machine *m = ref->m;
  int old = __atomic_exchange_n (&m->isa[ref->index], level, __ATOMIC_SEQ_CST);

  if (old == level)
    __atomic_add_fetch (&m->isa_redundant, 1, __ATOMIC_SEQ_CST);
  __atomic_add_fetch (&m->isa_changes[ref->index], 1, __ATOMIC_SEQ_CST);
  if (m->on_isa != NULL)
    m->on_isa (m, ref->index, level);
}

static void
machine_set_intx (void *opaque,
                  bool  level)
{
  LineRef *ref = opaque;

  piix3_set_pirq (ref->m->piix3, ref->index, level);
}

static void
machine_reset_request (void *opaque)
{
  Machine *m = opaque;

  m->n_reset_requests++;
}

static void
machine_init (Machine *m)
{
  PciHostConfig host_config = { 0 };
  Piix3Config config = { 0 };

  memset (m, 0, sizeof *m);
  io_bus_init (&m->pio);
  io_bus_init (&m->mmio);
  for (unsigned i = 0; i < PIIX3_N_ISA_IRQ; i++)
    {
      m->isa_refs[i] = (LineRef) { m, i };
      config.isa_irq[i] = (IrqLine) { machine_set_isa, &m->isa_refs[i] };
    }
  config.reset_request = machine_reset_request;
  config.reset_opaque = m;
  m->piix3 = piix3_new (&config);
  g_assert_nonnull (m->piix3);
  g_assert_cmpint (io_bus_insert (&m->pio, PIIX3_PORT92, PIIX3_PORT92_LEN, &piix3_port92_ops,
                                  m->piix3), ==, 0);

  host_config.pio = &m->pio;
  host_config.mmio = &m->mmio;
  host_config.firmware_assigns = true;
  for (unsigned i = 0; i < PCI_HOST_N_INTX; i++)
    {
      m->intx_refs[i] = (LineRef) { m, i };
      host_config.intx[i] = (IrqLine) { machine_set_intx, &m->intx_refs[i] };
    }
  m->host = pci_host_new (&host_config);
  g_assert_nonnull (m->host);
  g_assert_cmpint (pci_host_add_function (m->host, piix3_get_pci_device (m->piix3), PIIX3_SLOT, 0),
                   ==, PIIX3_SLOT);
}

static void
machine_destroy (Machine *m)
{
  pci_host_free (m->host);
  g_assert_cmpint (io_bus_remove (&m->pio, PIIX3_PORT92, m->piix3), ==, 0);
  piix3_free (m->piix3);
  g_assert_cmpuint (m->pio.n_ranges, ==, 0);
  g_assert_cmpuint (m->mmio.n_ranges, ==, 0);
  io_bus_destroy (&m->pio);
  io_bus_destroy (&m->mmio);
}

static bool
isa (Machine  *m,
     unsigned  irq)
{
  return __atomic_load_n (&m->isa[irq], __ATOMIC_SEQ_CST) != 0;
}

static unsigned
isa_changes (Machine  *m,
             unsigned  irq)
{
  return __atomic_load_n (&m->isa_changes[irq], __ATOMIC_SEQ_CST);
}

/* The lines that are up, one bit per IRQ. */
static uint32_t
isa_mask (Machine *m)
{
  uint32_t mask = 0;

  for (unsigned i = 0; i < PIIX3_N_ISA_IRQ; i++)
    if (isa (m, i))
      mask |= 1u << i;
  return mask;
}

/* Mechanism #1, as a guest does it. */
static uint32_t
cf8_read (Machine  *m,
          uint8_t   devfn,
          unsigned  reg,
          unsigned  size)
{
  uint32_t address = 0x80000000u | (uint32_t) devfn << 8 | (reg & 0xfc);
  uint32_t value = 0;

  g_assert_true (io_bus_write (&m->pio, PCI_HOST_CONFIG_ADDRESS, &address, 4));
  g_assert_true (io_bus_read (&m->pio, PCI_HOST_CONFIG_DATA + (reg & 3), &value, size));
  return value;
}

static void
cf8_write (Machine  *m,
           uint8_t   devfn,
           unsigned  reg,
           uint32_t  value,
           unsigned  size)
{
  uint32_t address = 0x80000000u | (uint32_t) devfn << 8 | (reg & 0xfc);

  g_assert_true (io_bus_write (&m->pio, PCI_HOST_CONFIG_ADDRESS, &address, 4));
  g_assert_true (io_bus_write (&m->pio, PCI_HOST_CONFIG_DATA + (reg & 3), &value, size));
}

#define PIIX3_DEVFN PCI_DEVFN (PIIX3_SLOT, 0)

static void
set_route (Machine  *m,
           unsigned  pirq,
           uint8_t   value)
{
  cf8_write (m, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE + pirq, value, 1);
}

static uint8_t
port92_read (Machine *m)
{
  uint8_t value = 0;

  g_assert_true (io_bus_read (&m->pio, PIIX3_PORT92, &value, 1));
  return value;
}

static void
port92_write (Machine *m,
              uint8_t  value)
{
  g_assert_true (io_bus_write (&m->pio, PIIX3_PORT92, &value, 1));
}

static void
test_identity (void)
{
  Machine m;
  const uint8_t d = PIIX3_DEVFN;

  machine_init (&m);
  g_assert_cmphex (cf8_read (&m, d, PCI_VENDOR_ID, 4), ==, 0x70008086u);
  g_assert_cmphex (cf8_read (&m, d, PCI_REVISION_ID, 4) >> 8, ==, PIIX3_CLASS);
  g_assert_cmphex (cf8_read (&m, d, PCI_HEADER_TYPE, 1), ==, PCI_HEADER_TYPE_MULTIFUNC);
  g_assert_cmphex (cf8_read (&m, d, PCI_SUBSYSTEM_VENDOR_ID, 4), ==, 0x11001af4u);
  g_assert_cmphex (cf8_read (&m, d, PCI_COMMAND, 4), ==, 0x02000007u);
  g_assert_cmphex (cf8_read (&m, d, PCI_INTERRUPT_PIN, 1), ==, 0);
  /* Power-on values SeaBIOS and Linux may look at. */
  g_assert_cmphex (cf8_read (&m, d, PIIX3_PIRQ_ROUTE, 4), ==, 0x80808080u);
  g_assert_cmphex (cf8_read (&m, d, 0x4c, 4), ==, 0x0003004du);
  g_assert_cmphex (cf8_read (&m, d, 0x69, 1), ==, 0x02);
  g_assert_cmphex (cf8_read (&m, d, 0x70, 1), ==, 0x80);
  g_assert_cmphex (cf8_read (&m, d, 0x76, 2), ==, 0x0c0c);
  g_assert_cmphex (cf8_read (&m, d, 0x78, 2), ==, 0x0002);
  g_assert_cmphex (cf8_read (&m, d, 0xa0, 1), ==, 0x08);
  g_assert_cmphex (cf8_read (&m, d, 0xa8, 1), ==, 0x0f);
  /* Chipset registers read back what is written; identity does not move. */
  cf8_write (&m, d, 0x4e, 0x0107, 2);
  g_assert_cmphex (cf8_read (&m, d, 0x4e, 2), ==, 0x0107);
  cf8_write (&m, d, PCI_VENDOR_ID, 0, 4);
  g_assert_cmphex (cf8_read (&m, d, PCI_VENDOR_ID, 4), ==, 0x70008086u);
  /* Nothing else is in slot 1 yet; its other functions read as absent. */
  g_assert_cmphex (cf8_read (&m, PCI_DEVFN (PIIX3_SLOT, 1), 0, 4), ==, 0xffffffffu);
  machine_destroy (&m);
}

static void
test_route (void)
{
  Machine m;

  machine_init (&m);
  /* Reserved bits 6:4 read 0. */
  set_route (&m, 0, 0x7a);
  g_assert_cmphex (cf8_read (&m, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE, 1), ==, 0x0a);

  piix3_set_pirq (m.piix3, 0, true);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 10);
  g_assert_cmpuint (isa_changes (&m, 10), ==, 1);
  piix3_set_pirq (m.piix3, 0, true);                /* no news, no call */
  g_assert_cmpuint (isa_changes (&m, 10), ==, 1);
  piix3_set_pirq (m.piix3, 0, false);
  g_assert_cmphex (isa_mask (&m), ==, 0);
  g_assert_cmpuint (isa_changes (&m, 10), ==, 2);

  /* A dword write sets all four routes at once, as SeaBIOS leaves them. */
  cf8_write (&m, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE, 0x0b0b0a0au, 4);
  piix3_set_pirq (m.piix3, 3, true);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11);
  piix3_set_pirq (m.piix3, 1, true);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11 | 1u << 10);
  piix3_set_pirq (m.piix3, 3, false);
  piix3_set_pirq (m.piix3, 1, false);
  g_assert_cmphex (isa_mask (&m), ==, 0);
  g_assert_cmpuint (m.isa_redundant, ==, 0);
  machine_destroy (&m);
}

static void
test_shared (void)
{
  Machine m;

  machine_init (&m);
  set_route (&m, 0, 10);
  set_route (&m, 2, 10);
  piix3_set_pirq (m.piix3, 0, true);
  piix3_set_pirq (m.piix3, 2, true);
  g_assert_true (isa (&m, 10));
  g_assert_cmpuint (isa_changes (&m, 10), ==, 1);
  piix3_set_pirq (m.piix3, 0, false);
  g_assert_true (isa (&m, 10));                     /* PIRQC still holds it */
  g_assert_cmpuint (isa_changes (&m, 10), ==, 1);
  piix3_set_pirq (m.piix3, 2, false);
  g_assert_false (isa (&m, 10));
  g_assert_cmpuint (isa_changes (&m, 10), ==, 2);
  g_assert_cmphex (isa_mask (&m), ==, 0);
  machine_destroy (&m);
}

static void
test_reroute_asserted (void)
{
  Machine m;

  machine_init (&m);
  set_route (&m, 0, 10);
  set_route (&m, 1, 10);
  piix3_set_pirq (m.piix3, 0, true);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 10);

  /* Moving the only holder moves the level. */
  set_route (&m, 0, 11);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11);

  /* Moving one of two holders leaves the other's. */
  piix3_set_pirq (m.piix3, 1, true);
  set_route (&m, 1, 11);
  set_route (&m, 0, 5);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11 | 1u << 5);

  /* Disabling drops it; enabling again brings it back. */
  set_route (&m, 0, PIIX3_ROUTE_DISABLE | 5);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11);
  set_route (&m, 0, 5);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11 | 1u << 5);
  g_assert_cmpuint (m.isa_redundant, ==, 0);
  machine_destroy (&m);
}

static void
test_disabled (void)
{
  Machine m;

  machine_init (&m);
  /* Power-on: nothing routed. */
  for (unsigned i = 0; i < PIIX3_N_PIRQ; i++)
    piix3_set_pirq (m.piix3, i, true);
  g_assert_cmphex (isa_mask (&m), ==, 0);
  /* An IRQ number with the disable bit: still nothing. */
  set_route (&m, 2, PIIX3_ROUTE_DISABLE | 10);
  g_assert_cmphex (isa_mask (&m), ==, 0);
  /* PIRQs past D do not exist. */
  piix3_set_pirq (m.piix3, 4, true);
  piix3_set_pirq (m.piix3, UINT32_MAX, true);
  g_assert_cmphex (isa_mask (&m), ==, 0);
  for (unsigned i = 0; i < PIIX3_N_ISA_IRQ; i++)
    g_assert_cmpuint (isa_changes (&m, i), ==, 0);
  machine_destroy (&m);
}

static void
test_reserved_irqs (void)
{
  Machine m;

  machine_init (&m);
  piix3_set_pirq (m.piix3, 0, true);
  for (unsigned irq = 0; irq < PIIX3_N_ISA_IRQ; irq++)
    {
      bool reserved = irq <= 2 || irq == 8 || irq == 13;

      set_route (&m, 0, (uint8_t) irq);
      g_assert_cmphex (cf8_read (&m, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE, 1), ==, irq);
      g_assert_cmphex (isa_mask (&m), ==, reserved ? 0 : 1u << irq);
    }
  for (unsigned irq = 0; irq < PIIX3_N_ISA_IRQ; irq++)
    if (irq <= 2 || irq == 8 || irq == 13)
      g_assert_cmpuint (isa_changes (&m, irq), ==, 0);
  machine_destroy (&m);
}

/* What the lines should show: the OR of the asserted PIRQs routed to each
 * IRQ, with the route registers as the guest reads them. */
static uint32_t
expected_mask (Machine    *m,
               const bool *pirq)
{
  uint32_t routes = cf8_read (m, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE, 4);
  uint32_t mask = 0;

  for (unsigned i = 0; i < PIIX3_N_PIRQ; i++)
    {
      uint8_t r = (uint8_t) (routes >> (8 * i));
      unsigned irq = r & 0x0f;

      g_assert_cmphex (r & 0x70, ==, 0);
      if (pirq[i] && !(r & PIIX3_ROUTE_DISABLE) && irq > 2 && irq != 8 && irq != 13)
        mask |= 1u << irq;
    }
  return mask;
}

static void
check_invariants (Machine    *m,
                  const bool *pirq)
{
  const uint8_t d = PIIX3_DEVFN;

  g_assert_cmphex (isa_mask (m), ==, expected_mask (m, pirq));
  g_assert_cmphex (cf8_read (m, d, PCI_VENDOR_ID, 4), ==, 0x70008086u);
  g_assert_cmphex (cf8_read (m, d, PCI_REVISION_ID, 4) >> 8, ==, PIIX3_CLASS);
  g_assert_cmphex (cf8_read (m, d, PCI_HEADER_TYPE, 1), ==, PCI_HEADER_TYPE_MULTIFUNC);
  g_assert_cmphex (cf8_read (m, d, PCI_INTERRUPT_PIN, 1), ==, 0);
  g_assert_cmphex (cf8_read (m, d, PCI_BASE_ADDRESS_0, 4), ==, 0);
  for (unsigned irq = 0; irq < PIIX3_N_ISA_IRQ; irq++)
    if (irq <= 2 || irq == 8 || irq == 13)
      g_assert_cmpuint (isa_changes (m, irq), ==, 0);
}

/* Hostile configuration writes: every width at every offset (and past the
 * end of the space), then random ones mixed with PIRQ changes. The lines
 * always match the registers, identity stays, reserved IRQs never move. */
static void
test_config_fuzz (void)
{
  static const uint32_t patterns[] = { 0xffffffffu, 0, 0x8f0f7a0bu, 0x0d080201u, 0x0e0f0c09u };
  static const unsigned sizes[] = { 1, 2, 4, 3, 0, 8 };
  Machine m;
  bool pirq[PIIX3_N_PIRQ] = { true, false, true, true };
  GRand *rand = g_rand_new_with_seed (0x9113);

  machine_init (&m);
  for (unsigned i = 0; i < PIIX3_N_PIRQ; i++)
    piix3_set_pirq (m.piix3, i, pirq[i]);

  for (unsigned p = 0; p < G_N_ELEMENTS (patterns); p++)
    for (unsigned s = 0; s < G_N_ELEMENTS (sizes); s++)
      for (unsigned off = 0; off < PCI_CONFIG_SIZE + 8; off++)
        {
          pci_host_config_write (m.host, 0, PIIX3_DEVFN, off, patterns[p], sizes[s]);
          (void) pci_host_config_read (m.host, 0, PIIX3_DEVFN, off, sizes[s]);
          check_invariants (&m, pirq);
        }
  /* The same through the ports, at every byte of the data window. */
  for (unsigned off = 0; off < PCI_CONFIG_SIZE; off++)
    for (unsigned s = 1; s <= 4; s <<= 1)
      if ((off & 3) + s <= 4)
        {
          cf8_write (&m, PIIX3_DEVFN, off, g_rand_int (rand), s);
          check_invariants (&m, pirq);
        }

  for (unsigned n = 0; n < 20000; n++)
    {
      if (g_rand_int_range (rand, 0, 4) == 0)
        {
          unsigned i = (unsigned) g_rand_int_range (rand, 0, PIIX3_N_PIRQ);

          pirq[i] = g_rand_boolean (rand);
          piix3_set_pirq (m.piix3, i, pirq[i]);
        }
      else
        {
          /* Mostly at the route registers, where it matters. */
          unsigned off = g_rand_boolean (rand)
                         ? (unsigned) g_rand_int_range (rand, PIIX3_PIRQ_ROUTE - 3,
                                                        PIIX3_PIRQ_ROUTE + 4)
                         : (unsigned) g_rand_int_range (rand, 0, PCI_CONFIG_SIZE + 16);

          pci_host_config_write (m.host, 0, PIIX3_DEVFN, off, g_rand_int (rand),
                                 sizes[g_rand_int_range (rand, 0, G_N_ELEMENTS (sizes))]);
        }
      check_invariants (&m, pirq);
    }
  g_assert_cmpuint (m.isa_redundant, ==, 0);
  g_rand_free (rand);
  machine_destroy (&m);
}

static void
test_port92 (void)
{
  Machine m;
  uint16_t word = 0;

  machine_init (&m);
  g_assert_cmphex (port92_read (&m), ==, 0);

  /* Fast A20: only remembered. */
  port92_write (&m, PIIX3_PORT92_A20);
  g_assert_cmphex (port92_read (&m), ==, PIIX3_PORT92_A20);
  g_assert_cmpuint (m.n_reset_requests, ==, 0);

  /* Fast reset on the rising edge of bit 0, once. */
  port92_write (&m, PIIX3_PORT92_A20 | PIIX3_PORT92_RESET);
  g_assert_cmpuint (m.n_reset_requests, ==, 1);
  g_assert_cmphex (port92_read (&m), ==, PIIX3_PORT92_A20 | PIIX3_PORT92_RESET);
  port92_write (&m, PIIX3_PORT92_A20 | PIIX3_PORT92_RESET);
  g_assert_cmpuint (m.n_reset_requests, ==, 1);

  /* The machine reset clears the bit and keeps A20; the next edge resets
   * again. */
  pci_host_reset (m.host);
  g_assert_cmphex (port92_read (&m), ==, PIIX3_PORT92_A20);
  port92_write (&m, PIIX3_PORT92_RESET);
  g_assert_cmpuint (m.n_reset_requests, ==, 2);
  port92_write (&m, 0);
  port92_write (&m, PIIX3_PORT92_RESET);
  g_assert_cmpuint (m.n_reset_requests, ==, 3);

  /* Only a byte at 0x92 is the register. */
  g_assert_false (io_bus_write (&m.pio, PIIX3_PORT92, &word, 2));
  piix3_port92_ops.write (m.piix3, 0, 0, 2);
  piix3_port92_ops.write (m.piix3, 1, 0, 1);
  g_assert_cmphex (port92_read (&m), ==, PIIX3_PORT92_RESET);
  g_assert_cmphex (piix3_port92_ops.read (m.piix3, 0, 2), ==, UINT64_MAX);
  g_assert_cmpuint (m.n_reset_requests, ==, 3);
  machine_destroy (&m);
}

static void
test_reset (void)
{
  Machine m;

  machine_init (&m);
  set_route (&m, 0, 10);
  set_route (&m, 3, 11);
  piix3_set_pirq (m.piix3, 0, true);
  piix3_set_pirq (m.piix3, 3, true);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 10 | 1u << 11);
  cf8_write (&m, PIIX3_DEVFN, 0x69, 0xf2, 1);

  pci_host_reset (m.host);
  g_assert_cmphex (isa_mask (&m), ==, 0);
  g_assert_cmphex (cf8_read (&m, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE, 4), ==, 0x80808080u);
  g_assert_cmphex (cf8_read (&m, PIIX3_DEVFN, 0x69, 1), ==, 0x02);
  /* The PIRQ levels are the devices' and survive: routing brings them out. */
  set_route (&m, 3, 11);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11);
  machine_destroy (&m);
}

/* A PCI function's INTx, through the host's swizzle and the router, to the
 * ISA IRQ SeaBIOS wrote in its interrupt line register. */
typedef struct
{
  PciDevice *pci;
  int        level;
} Fn;

static bool
fn_intx_level (void *opaque)
{
  Fn *fn = opaque;

  return __atomic_load_n (&fn->level, __ATOMIC_SEQ_CST) != 0;
}

static void
test_pci_intx (void)
{
  static const PciDeviceOps ops = { .intx_level = fn_intx_level };
  static const uint8_t seabios_irqs[PIIX3_N_PIRQ] = { 10, 10, 11, 11 };
  PciDeviceInfo info = { .vendor_id = 0x1af4, .device_id = 0x1005, .interrupt_pin = 1 };
  Machine m;
  Fn fn3 = { 0 }, fn4 = { 0 };

  machine_init (&m);
  fn3.pci = pci_device_new (&info, &ops, &fn3);
  fn4.pci = pci_device_new (&info, &ops, &fn4);
  g_assert_cmpint (pci_host_add_device (m.host, fn3.pci, 3), ==, 3);
  g_assert_cmpint (pci_host_add_device (m.host, fn4.pci, 4), ==, 4);
  for (unsigned i = 0; i < PIIX3_N_PIRQ; i++)
    set_route (&m, i, seabios_irqs[i]);

  /* Slot 3 INTA# is PIRQC# (SeaBIOS: (pin - 1 + slot - 1) & 3), IRQ 11;
   * slot 4 INTA# is PIRQD#, also IRQ 11. */
  __atomic_store_n (&fn3.level, 1, __ATOMIC_SEQ_CST);
  pci_device_update_intx (fn3.pci);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11);
  __atomic_store_n (&fn4.level, 1, __ATOMIC_SEQ_CST);
  pci_device_update_intx (fn4.pci);
  __atomic_store_n (&fn3.level, 0, __ATOMIC_SEQ_CST);
  pci_device_update_intx (fn3.pci);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11);
  __atomic_store_n (&fn4.level, 0, __ATOMIC_SEQ_CST);
  pci_device_update_intx (fn4.pci);
  g_assert_cmphex (isa_mask (&m), ==, 0);

  machine_destroy (&m);
  pci_device_free (fn3.pci);
  pci_device_free (fn4.pci);
}

/* An ISA line's owner that calls straight back into the bridge (another
 * device's interrupt, a config read) from the callback: no deadlock, and
 * the lines end where the last levels put them. */
static void
reenter (Machine  *m,
         unsigned  irq,
         bool      level)
{
  if (irq == 10 && level)
    {
      (void) cf8_read (m, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE, 4);
      piix3_set_pirq (m->piix3, 0, false);
      piix3_set_pirq (m->piix3, 1, true);
    }
}

static void
test_reentrant (void)
{
  Machine m;

  machine_init (&m);
  set_route (&m, 0, 10);
  set_route (&m, 1, 11);
  m.on_isa = reenter;
  piix3_set_pirq (m.piix3, 0, true);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 11);
  g_assert_cmpuint (isa_changes (&m, 10), ==, 2);
  m.on_isa = NULL;
  machine_destroy (&m);
}

typedef struct
{
  Machine  *m;
  unsigned  pirq;
  unsigned  iterations;
} Toggler;

static gpointer
toggle_thread (gpointer data)
{
  Toggler *t = data;

  for (unsigned i = 0; i < t->iterations; i++)
    piix3_set_pirq (t->m->piix3, t->pirq, (i & 1) == 0);
  piix3_set_pirq (t->m->piix3, t->pirq, false);
  return NULL;
}

static gpointer
reroute_thread (gpointer data)
{
  Toggler *t = data;

  for (unsigned i = 0; i < t->iterations; i++)
    pci_host_config_write (t->m->host, 0, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE + t->pirq,
                           (i & 1) ? 10 : 11, 1);
  pci_host_config_write (t->m->host, 0, PIIX3_DEVFN, PIIX3_PIRQ_ROUTE + t->pirq, 10, 1);
  return NULL;
}

/* Three threads: two raise and lower PIRQs that share IRQ 10, a third moves
 * one of them between IRQs 10 and 11. Whatever the interleaving, the lines
 * end where the final levels and routes put them. */
static void
test_concurrent (void)
{
  Machine m;
  Toggler ta, tb, tr;
  GThread *t1, *t2, *t3;

  machine_init (&m);
  set_route (&m, 0, 10);
  set_route (&m, 1, 10);
  ta = (Toggler) { &m, 0, 20001 };
  tb = (Toggler) { &m, 1, 20000 };
  tr = (Toggler) { &m, 1, 5001 };
  t1 = g_thread_new ("a", toggle_thread, &ta);
  t2 = g_thread_new ("b", toggle_thread, &tb);
  t3 = g_thread_new ("route", reroute_thread, &tr);
  g_thread_join (t1);
  g_thread_join (t2);
  g_thread_join (t3);
  g_assert_cmphex (isa_mask (&m), ==, 0);
  g_assert_cmpuint (m.isa_redundant, ==, 0);

  piix3_set_pirq (m.piix3, 1, true);
  g_assert_cmphex (isa_mask (&m), ==, 1u << 10);
  machine_destroy (&m);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/piix3/identity", test_identity);
  g_test_add_func ("/vmm/piix3/route", test_route);
  g_test_add_func ("/vmm/piix3/shared", test_shared);
  g_test_add_func ("/vmm/piix3/reroute-asserted", test_reroute_asserted);
  g_test_add_func ("/vmm/piix3/disabled", test_disabled);
  g_test_add_func ("/vmm/piix3/reserved-irqs", test_reserved_irqs);
  g_test_add_func ("/vmm/piix3/config-fuzz", test_config_fuzz);
  g_test_add_func ("/vmm/piix3/port92", test_port92);
  g_test_add_func ("/vmm/piix3/reset", test_reset);
  g_test_add_func ("/vmm/piix3/pci-intx", test_pci_intx);
  g_test_add_func ("/vmm/piix3/reentrant", test_reentrant);
  g_test_add_func ("/vmm/piix3/concurrent", test_concurrent);
  return g_test_run ();
}
