/* acpi-hw.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The ACPI fixed hardware as the FADT describes it: where the PM1 and GPE0 register blocks
 * are, switching the machine into ACPI mode, and the sleep type of \_S5 from the DSDT. For the
 * guests that act as the operating system does on an ACPI event (power-button.c,
 * cpu-hotplug.c). Port I/O only: a FADT that puts these blocks in memory space is reported,
 * not followed. */

#pragma once

#include "guest.h"

/* The power button's bit in PM1_STS and PM1_EN (ACPI 6.5, 4.8.3.1). */
#define ACPI_PM1_PWRBTN         (1u << 8)
/* PM1 control (4.8.3.2). */
#define ACPI_PM1_CNT_SCI_EN     (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK  (7u << 10)
#define ACPI_PM1_CNT_SLP_EN     (1u << 13)

/* FADT flags (5.2.9, table 5.10). */
#define ACPI_FADT_PWR_BUTTON    (1u << 4)  /* set: the power button is a control method device */
#define ACPI_FADT_HW_REDUCED    (1u << 20) /* set: there is no fixed hardware at all */

struct acpi_fixed_hw
{
  const struct acpi_sdt_header *fadt;
  const struct acpi_sdt_header *dsdt;
  uint32_t flags;
  uint16_t smi_cmd;      /* 0: no SMI command port, ACPI mode cannot be switched */
  uint8_t acpi_enable;   /* the value to write to smi_cmd */
  uint16_t pm1a_evt;     /* PM1_STS, then PM1_EN at pm1a_evt + pm1_evt_len / 2 */
  uint8_t pm1_evt_len;
  uint16_t pm1a_cnt;
  uint8_t pm1_cnt_len;
  uint16_t gpe0;         /* GPE0_STS, then GPE0_EN at gpe0 + gpe0_len / 2; 0 when absent */
  uint8_t gpe0_len;
};

/* Finds the FADT and DSDT and reads the register blocks, preferring the 64-bit X_ fields of
 * FADT revision 2 and later, as the specification asks. Returns false, having said why on COM1,
 * when something is missing or unusable (no PM1a blocks, a block in memory space or above
 * 0xffff, lengths the specification does not allow). */
bool acpi_fixed_hw_find (const struct hvm_start_info *start_info, struct acpi_fixed_hw *hw);

/* Puts the machine in ACPI mode if it is not already (SCI_EN clear): writes ACPI_ENABLE to the
 * SMI command port and waits for SCI_EN, as the specification's OSPM does (4.8.3.2.1). Returns
 * false, having said why, when SCI_EN stays clear. */
bool acpi_enter_acpi_mode (const struct acpi_fixed_hw *hw);

/* The PM1a registers: 16-bit accesses, as the specification requires. Status bits clear when
 * written with 1. */
uint16_t acpi_pm1_status (const struct acpi_fixed_hw *hw);
void acpi_pm1_clear_status (const struct acpi_fixed_hw *hw, uint16_t bits);
uint16_t acpi_pm1_enable (const struct acpi_fixed_hw *hw);
void acpi_pm1_set_enable (const struct acpi_fixed_hw *hw, uint16_t value);
uint16_t acpi_pm1_control (const struct acpi_fixed_hw *hw);
void acpi_pm1_set_control (const struct acpi_fixed_hw *hw, uint16_t value);

/* One GPE0 bit (0 .. 8 * gpe0_len / 2 - 1), through byte accesses. */
bool acpi_gpe0_status (const struct acpi_fixed_hw *hw, unsigned int gpe);
void acpi_gpe0_clear_status (const struct acpi_fixed_hw *hw, unsigned int gpe);
void acpi_gpe0_set_enabled (const struct acpi_fixed_hw *hw, unsigned int gpe, bool enabled);

/* The PM1a SLP_TYP of \_S5 without an AML interpreter: finds the named object _S5_ in the DSDT
 * and reads the first element of its package, which must be a constant (Zero, One or a byte).
 * Returns it (0-7), or -1 after saying why. */
int acpi_s5_sleep_type (const struct acpi_fixed_hw *hw);
