/* ioapic.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bus/io-bus.h"

/* An 82093AA-style I/O APIC (version 0x20, with the EOI register), for a
 * split irqchip: the local APICs stay in the kernel, this one lives here.
 * It turns pin levels into MSI messages (the form in which an I/O APIC's
 * interrupts travel to the local APICs) and handles the level-triggered
 * handshake: remote IRR set on delivery, cleared by the local APIC's EOI,
 * redelivered if the line is still high.
 *
 * Its output goes through two callbacks:
 *   route:   a pin's redirection entry changed; the VMM tells KVM which
 *            message the pin sends (KVM then knows which vectors' EOIs
 *            must come back to us). masked: the pin sends nothing.
 *   deliver: send the pin's message now.
 * Both are called without the IOAPIC's lock held. */

#define IOAPIC_BASE     0xfec00000ull
#define IOAPIC_SIZE     0x1000
#define IOAPIC_N_PINS   24

typedef struct
{
  void (*route)   (void     *opaque,
                   unsigned  pin,
                   uint64_t  msi_address,
                   uint32_t  msi_data,
                   bool      masked);
  void (*deliver) (void     *opaque,
                   unsigned  pin);
  void  *opaque;
} IoapicOutput;

typedef struct Ioapic Ioapic;

extern const IoBusOps ioapic_ops;

Ioapic *ioapic_new     (uint8_t             id,
                        const IoapicOutput *output);
void    ioapic_free    (Ioapic             *ioapic);
void    ioapic_reset   (Ioapic             *ioapic);
void    ioapic_set_irq (Ioapic             *ioapic,
                        unsigned            pin,
                        bool                level);
void    ioapic_eoi     (Ioapic             *ioapic,
                        uint8_t             vector);
