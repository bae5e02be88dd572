/* acpi-pm.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "acpi/acpi-hw.h"
#include "bus/io-bus.h"
#include "bus/irq.h"

/* The fixed ACPI hardware (ACPI spec chapter 4) of a PIIX4-like chipset, at
 * the ports acpi/acpi-hw.h gives. Each block has its own IoBusOps, which see
 * offsets into that block; register them as
 *
 *   ACPI_PM1_EVT_PORT, ACPI_PM1_EVT_LEN  acpi_pm_pm1_evt_ops  PM1_STS, PM1_EN
 *   ACPI_PM1_CNT_PORT, ACPI_PM1_CNT_LEN  acpi_pm_pm1_cnt_ops  PM1_CNT
 *   ACPI_PM_TMR_PORT,  ACPI_PM_TMR_LEN   acpi_pm_tmr_ops      PM_TMR
 *   ACPI_GPE0_PORT,    ACPI_GPE0_LEN     acpi_pm_gpe0_ops     GPE0_STS, GPE0_EN
 *
 * Any access of 1, 2 or 4 bytes inside a block works as on a real chipset: a
 * 4-byte read of the PM1 event block returns PM1_STS | PM1_EN << 16, a byte
 * write changes only the byte it hits. Status bits are cleared by writing 1.
 *
 * The SCI is level-triggered: high while a PWRBTN_STS/PWRBTN_EN pair or any
 * GPE0_STS/GPE0_EN pair is set. SCI_EN reads 1 for good (there is no SMI
 * command port: ACPI mode is on from power-on).
 *
 * The PM timer is a 24-bit count at ACPI_PM_TIMER_HZ (the FADT must not set
 * TMR_VAL_EXT), worked out from the clock on each read, so the device needs
 * no host timer. For the same reason TMR_STS (the counter's bit 23 changed
 * since the guest last cleared it) can be read but never raises the SCI,
 * whatever TMR_EN says: no OS we know of relies on that interrupt.
 *
 * A write of SLP_EN asks for the sleep state in SLP_TYP; SLP_EN reads 0.
 * The device sets WAK_STS at once, so an OS that waits for it after asking
 * for a state the VMM does not carry out sees an immediate wake-up. */

#define ACPI_PM1_PWRBTN_EN  (1u << 8)
#define ACPI_N_GPE0         16

typedef struct AcpiPm AcpiPm;

extern const IoBusOps acpi_pm_pm1_evt_ops;
extern const IoBusOps acpi_pm_pm1_cnt_ops;
extern const IoBusOps acpi_pm_tmr_ops;
extern const IoBusOps acpi_pm_gpe0_ops;

/* sci is copied and may be NULL. on_sleep (may be NULL) runs on the writing
 * vCPU's thread, outside the device lock, each time the guest writes SLP_EN;
 * slp_typ is the 3-bit SLP_TYP field of that write. The VMM powers off for
 * ACPI_SLP_TYP_S5 and ignores other types. Returns NULL when out of memory. */
AcpiPm  *acpi_pm_new                   (const IrqLine  *sci,
                                        void          (*on_sleep) (void     *opaque,
                                                                   unsigned  slp_typ),
                                        void           *opaque);
void     acpi_pm_free                  (AcpiPm         *pm);

/* Machine reset: status and enable bits and SLP_TYP cleared, the SCI
 * lowered. The PM timer keeps counting, as it does on the real part. */
void     acpi_pm_reset                 (AcpiPm         *pm);

/* The power button: sets PWRBTN_STS; the SCI rises if the guest's OS has
 * set PWRBTN_EN. */
void     acpi_pm_press_power_button    (AcpiPm         *pm);

/* Whether the guest's OS has enabled the power button event, i.e. whether a
 * press can reach it. False until an ACPI OS has booted, and for guests that
 * ignore ACPI: the VMM can tell the user so. */
bool     acpi_pm_power_button_enabled  (AcpiPm         *pm);

/* Sets GPE0_STS bit gpe (< ACPI_N_GPE0; others are ignored); the SCI rises
 * if the guest has enabled that GPE. */
void     acpi_pm_raise_gpe             (AcpiPm         *pm,
                                        unsigned        gpe);

/* Replaces the host clock (nanoseconds, CLOCK_MONOTONIC by default), for
 * tests. The PM timer restarts from 0. Call it before the device is in use. */
void     acpi_pm_set_clock             (AcpiPm         *pm,
                                        int64_t       (*now_ns) (void *opaque),
                                        void           *opaque);
