/* piix3.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>

#include "bus/io-bus.h"
#include "bus/irq.h"
#include "pci/pci-device.h"

/* The PCI-to-ISA bridge of an i440FX PC, an 82371SB PIIX3 (function 0 of
 * the slot that QEMU puts at 00:01.0): 8086:7000, class 060100, header type
 * multi-function. What a BIOS needs from it is the PCI interrupt router and
 * System Control Port A; the ISA devices themselves (PIC, PIT, RTC, DMA)
 * live elsewhere in the VMM or in KVM.
 *
 * Interrupt router: the four PCI interrupt lines PIRQA#-PIRQD# come in
 * through piix3_set_pirq(); the PIRQ route control registers (0x60-0x63)
 * send each to an ISA IRQ. Bit 7 set (the power-on value 0x80) disables a
 * route; bits 3:0 name the IRQ, of which 0-2, 8 and 13 are reserved and
 * route nothing here (QEMU would route them, onto the timer, the cascade,
 * the RTC or the FPU). Each ISA IRQ line the owner hands in carries the OR
 * of the PIRQs routed to it. The owner should not also drive those IRQs
 * from another device through KVM_IRQ_LINE: KVM keeps one level per GSI for
 * all of userspace, so the last writer wins.
 *
 * The Edge/Level Control Registers (ports 0x4d0/0x4d1) that go with the
 * router are not here: KVM's in-kernel PIC implements them (and with a split
 * irqchip there is no PIC to steer).
 *
 * The other PIIX3 registers (0x40-0xff: IORT, XBCS, TOM, MBIRQ, APICBASE,
 * SMI control...) read back what is written and power up with the values
 * QEMU gives them; nothing behind them is emulated.
 *
 * System Control Port A (port 0x92, one byte): bit 0 going from 0 to 1
 * asks for a reset (reset_request); bit 1 is the fast A20 gate, which only
 * reads back (KVM has no A20 masking: A20 is always on). The other bits
 * are kept too. A machine reset clears bit 0.
 *
 * Locking: the bridge's own lock guards the PIRQ levels and the ISA lines.
 * The ISA IrqLines and reset_request are called with no lock held, so
 * piix3_set_pirq() may be called from the pci-host INTx lines' callbacks,
 * on any thread. */

#define PIIX3_VENDOR_ID     0x8086
#define PIIX3_DEVICE_ID     0x7000
#define PIIX3_CLASS         0x060100
#define PIIX3_SLOT          1               /* where QEMU and SeaBIOS's tables expect it */

#define PIIX3_N_PIRQ        4
#define PIIX3_N_ISA_IRQ     16
#define PIIX3_PIRQ_ROUTE    0x60            /* PIRQRC[A-D], 0x60-0x63 */
#define PIIX3_ROUTE_DISABLE 0x80

#define PIIX3_PORT92        0x92
#define PIIX3_PORT92_LEN    1
#define PIIX3_PORT92_RESET  0x01
#define PIIX3_PORT92_A20    0x02

typedef struct Piix3 Piix3;

typedef struct
{
  /* ISA IRQ 0-15 as the PIRQ router drives them; unused entries may stay
   * zeroed. */
  IrqLine   isa_irq[PIIX3_N_ISA_IRQ];

  /* Optional: the guest set the fast reset bit of port 0x92. */
  void    (*reset_request) (void *opaque);
  void     *reset_opaque;
} Piix3Config;

/* Port 0x92 (PIIX3_PORT92, PIIX3_PORT92_LEN); opaque is the Piix3. */
extern const IoBusOps piix3_port92_ops;

/* Returns NULL when out of memory. Put piix3_get_pci_device() on the host
 * bridge with pci_host_add_function (host, dev, PIIX3_SLOT, 0); a machine
 * reset through pci_host_reset() also resets the PIIX3 (routes disabled,
 * port 0x92's reset bit clear). */
Piix3     *piix3_new            (const Piix3Config *config);
/* After pci_host_free() and after taking piix3_port92_ops off the bus. */
void       piix3_free           (Piix3             *piix3);
PciDevice *piix3_get_pci_device (Piix3             *piix3);

/* PIRQA#-PIRQD# (pirq 0-3; others are ignored) is now at level. Call it
 * whenever pci-host's INTx line pirq changes. */
void       piix3_set_pirq       (Piix3             *piix3,
                                 unsigned           pirq,
                                 bool               level);
