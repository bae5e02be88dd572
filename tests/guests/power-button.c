/* power-button.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Powers off when the ACPI fixed power button is pressed, as an OS does.
 *
 * Everything comes from the tables: the PM1a blocks from the FADT (which must say the power
 * button is the fixed-feature one), the S5 sleep type from the DSDT's \_S5 package. The guest
 * enters ACPI mode if the machine is not in it (QEMU's PIIX starts outside it, our VMM inside),
 * clears a stale PWRBTN_STS, sets PWRBTN_EN, prints "power-button: armed" and polls PWRBTN_STS
 * (interrupts stay off, so no SCI). The test presses the button once it sees that line. On the
 * press the guest clears the status, prints "power-button: pressed" and writes SLP_TYP, then
 * SLP_TYP | SLP_EN to PM1a_CNT, as Linux does, printing "power-button: SLP_TYP set, setting
 * SLP_EN" between the two. The machine must be off by then: the engine
 * exits with status 0. If the guest is still running a while later it reports failure.
 *
 * Command line: s5=N, when given, must equal the DSDT's S5 sleep type (the test knows each
 * engine's); timeout=SECONDS bounds each wait for a press (default 120). With ignore=1 the guest
 * lets the first press go ("power-button: ignored the press"), waits for a second one
 * ("power-button: pressed again") and passes: the press alone must not stop the machine.
 */

#include "acpi-hw.h"
#include "guest.h"

#define DEFAULT_PRESS_TIMEOUT_S 120
/* After SLP_EN the VMM stops the vCPU at that very exit; two seconds are generous. */
#define POWER_OFF_TIMEOUT_US 2000000

/* Polls PWRBTN_STS and clears it; returns PM1_STS as it was. */
static uint16_t
wait_for_press (const struct acpi_fixed_hw *hw,
                uint64_t timeout_s)
{
  uint64_t deadline = deadline_after_us (timeout_s * 1000000);
  uint16_t status;

  while (!((status = acpi_pm1_status (hw)) & ACPI_PM1_PWRBTN))
    {
      if (deadline_passed (deadline))
        guest_panic ("power-button: no press within %lu s", timeout_s);
      cpu_relax ();
    }
  /* Only the bit we handle: 1s clear status bits, 0s leave them. */
  acpi_pm1_clear_status (hw, ACPI_PM1_PWRBTN);
  if (acpi_pm1_status (hw) & ACPI_PM1_PWRBTN)
    guest_panic ("power-button: PWRBTN_STS does not clear after the press");
  return status;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  const char *cmdline = guest_cmdline ();
  struct acpi_fixed_hw hw;
  uint64_t timeout_s = DEFAULT_PRESS_TIMEOUT_S;
  uint64_t expected_s5;
  uint16_t control;
  char value[4];
  uint16_t status;
  int s5;

  if (!acpi_fixed_hw_find (start_info, &hw))
    guest_panic ("power-button: no usable FADT");
  guest_printf ("power-button: PM1a_EVT %#x (%u bytes), PM1a_CNT %#x, SMI_CMD %#x\n",
                hw.pm1a_evt, hw.pm1_evt_len, hw.pm1a_cnt, hw.smi_cmd);
  if (hw.flags & ACPI_FADT_PWR_BUTTON)
    guest_panic ("power-button: the FADT says the power button is a control method device, "
                 "not the fixed one");

  s5 = acpi_s5_sleep_type (&hw);
  if (s5 < 0)
    guest_panic ("power-button: no S5 sleep type");
  if (cmdline_get_u64 (cmdline, "s5", &expected_s5) && expected_s5 != (uint64_t) s5)
    guest_panic ("power-button: the DSDT's \\_S5 gives SLP_TYP %d, the command line s5=%lu", s5,
                 expected_s5);
  cmdline_get_u64 (cmdline, "timeout", &timeout_s);

  if (acpi_pm1_control (&hw) & ACPI_PM1_CNT_SCI_EN)
    guest_printf ("power-button: in ACPI mode from the start\n");
  else if (acpi_enter_acpi_mode (&hw))
    guest_printf ("power-button: entered ACPI mode through SMI_CMD\n");
  else
    guest_panic ("power-button: could not enter ACPI mode");

  /* A press from before we listened is not the one we wait for. */
  acpi_pm1_clear_status (&hw, ACPI_PM1_PWRBTN);
  if (acpi_pm1_status (&hw) & ACPI_PM1_PWRBTN)
    guest_panic ("power-button: PWRBTN_STS does not clear when written with 1");
  acpi_pm1_set_enable (&hw, acpi_pm1_enable (&hw) | ACPI_PM1_PWRBTN);
  if (!(acpi_pm1_enable (&hw) & ACPI_PM1_PWRBTN))
    guest_panic ("power-button: PWRBTN_EN does not stay set");

  guest_printf ("power-button: armed\n");
  serial_flush ();

  status = wait_for_press (&hw, timeout_s);
  if (cmdline_get (cmdline, "ignore", value, sizeof value) && strcmp (value, "1") == 0)
    {
      guest_printf ("power-button: ignored the press\n");
      serial_flush ();
      wait_for_press (&hw, timeout_s);
      guest_printf ("power-button: pressed again\n");
      return GUEST_EXIT_PASS;
    }
  guest_printf ("power-button: pressed (PM1_STS %#x)\n", status);
  guest_printf ("power-button: entering S5 (SLP_TYP %d)\n", s5);
  serial_flush ();

  control = acpi_pm1_control (&hw) & (uint16_t) ~(ACPI_PM1_CNT_SLP_TYP_MASK | ACPI_PM1_CNT_SLP_EN);
  control |= (uint16_t) (s5 << ACPI_PM1_CNT_SLP_TYP_SHIFT);
  /* The type first, then the enable bit. The first write must not put the machine to sleep:
   * the line after it shows that it did not. */
  acpi_pm1_set_control (&hw, control);
  guest_printf ("power-button: SLP_TYP set, setting SLP_EN\n");
  serial_flush ();
  acpi_pm1_set_control (&hw, control | ACPI_PM1_CNT_SLP_EN);

  udelay (POWER_OFF_TIMEOUT_US);
  guest_printf ("power-button: still running %d ms after SLP_EN\n", POWER_OFF_TIMEOUT_US / 1000);
  return GUEST_EXIT_FAIL;
}
