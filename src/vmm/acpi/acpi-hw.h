/* acpi-hw.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Where the ACPI hardware sits, shared by the devices that implement it and
 * by the tables (FADT, DSDT) that describe it. The addresses are those of
 * QEMU's PIIX machine, so the same guest code finds the same registers on
 * both VMMs.
 *
 * PM1a event block: PM1_STS (2 bytes) then PM1_EN (2 bytes).
 * PM1a control block: PM1_CNT (2 bytes), SCI_EN always set: there is no SMI
 * command port, so ACPI mode is on from power-on.
 * PM timer: 24-bit, 3.579545 MHz.
 * GPE0 block: GPE0_STS (2 bytes) then GPE0_EN (2 bytes).
 * The CPU hotplug block follows QEMU's "modern" ACPI CPU hotplug interface
 * and signals through GPE0 bit ACPI_GPE_CPU_HOTPLUG (\_GPE._E02).
 * Sleep type 0 in PM1_CNT.SLP_TYP is S5 (soft off), the only state the DSDT
 * offers (\_S5). */

#define ACPI_PM1_EVT_PORT        0x600
#define ACPI_PM1_EVT_LEN         4
#define ACPI_PM1_CNT_PORT        0x604
#define ACPI_PM1_CNT_LEN         2
#define ACPI_PM_TMR_PORT         0x608
#define ACPI_PM_TMR_LEN          4
#define ACPI_PM_TIMER_HZ         3579545u
#define ACPI_GPE0_PORT           0xafe0
#define ACPI_GPE0_LEN            4
#define ACPI_CPU_HOTPLUG_PORT    0xaf00
#define ACPI_CPU_HOTPLUG_LEN     12
#define ACPI_SCI_IRQ             9
#define ACPI_GPE_CPU_HOTPLUG     2
#define ACPI_SLP_TYP_S5          0

/* PM1 status/enable bits used here. */
#define ACPI_PM1_TMR_STS         (1u << 0)
#define ACPI_PM1_PWRBTN_STS      (1u << 8)
#define ACPI_PM1_WAK_STS         (1u << 15)
#define ACPI_PM1_CNT_SCI_EN      (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK  (7u << 10)
#define ACPI_PM1_CNT_SLP_EN      (1u << 13)
