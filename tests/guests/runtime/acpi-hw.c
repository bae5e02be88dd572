/* acpi-hw.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The FADT's fixed hardware (ACPI 6.5, 5.2.9) and the little of the DSDT an OS without an AML
 * interpreter needs to power off. Every value comes from the VMM under test, so each is checked
 * before the guest touches a port with it. */

#include "acpi-hw.h"

/* FADT byte offsets (5.2.9, table 5.9). */
#define FADT_DSDT          40
#define FADT_SMI_CMD       48
#define FADT_ACPI_ENABLE   52
#define FADT_PM1A_EVT_BLK  56
#define FADT_PM1A_CNT_BLK  64
#define FADT_GPE0_BLK      80
#define FADT_PM1_EVT_LEN   88
#define FADT_PM1_CNT_LEN   89
#define FADT_GPE0_BLK_LEN  92
#define FADT_FLAGS         112
#define FADT_X_DSDT        140
#define FADT_X_PM1A_EVT    148
#define FADT_X_PM1A_CNT    172
#define FADT_X_GPE0        220
#define FADT_V1_LENGTH     116

#define GAS_SIZE           12
#define GAS_SYSTEM_IO      1

/* The specification gives no bound; real firmware switches in microseconds and QEMU at once.
 * Generous, as every wait in these guests. */
#define ACPI_MODE_TIMEOUT_US 3000000

/* AML encodings (20.2) used to read \_S5. */
#define AML_ZERO_OP        0x00
#define AML_ONE_OP         0x01
#define AML_NAME_OP        0x08
#define AML_BYTE_PREFIX    0x0a
#define AML_PACKAGE_OP     0x12
#define AML_ROOT_CHAR      0x5c

static uint32_t
read32 (const struct acpi_sdt_header *table,
        size_t offset)
{
  uint32_t value;

  memcpy (&value, (const uint8_t *) table + offset, sizeof value);
  return value;
}

static uint64_t
read64 (const struct acpi_sdt_header *table,
        size_t offset)
{
  uint64_t value;

  memcpy (&value, (const uint8_t *) table + offset, sizeof value);
  return value;
}

static uint8_t
read8 (const struct acpi_sdt_header *table,
       size_t offset)
{
  return ((const uint8_t *) table)[offset];
}

/* A register block's port: the X_ field (a Generic Address Structure) when the FADT has one
 * that is set, else the 32-bit field. When both are set they must agree: an OS would silently
 * take the X_ field, and a VMM whose two fields disagree has a bug worth a failure. */
static bool
block_port (const struct acpi_sdt_header *fadt,
            const char *name,
            size_t legacy_offset,
            size_t gas_offset,
            bool required,
            uint16_t *port)
{
  uint32_t legacy = read32 (fadt, legacy_offset);
  uint64_t address = legacy;

  if (fadt->revision >= 2 && fadt->length >= gas_offset + GAS_SIZE)
    {
      uint64_t gas_address = read64 (fadt, gas_offset + 4);
      uint8_t space = read8 (fadt, gas_offset);

      if (gas_address != 0)
        {
          if (space != GAS_SYSTEM_IO)
            {
              guest_printf ("acpi: X_%s is in address space %u, not system I/O\n", name, space);
              return false;
            }
          if (legacy != 0 && legacy != gas_address)
            {
              guest_printf ("acpi: %s %#x and X_%s %#lx disagree\n", name, legacy, name,
                            gas_address);
              return false;
            }
          address = gas_address;
        }
    }

  if (address == 0 && required)
    {
      guest_printf ("acpi: the FADT has no %s\n", name);
      return false;
    }
  if (address > 0xffff)
    {
      guest_printf ("acpi: %s %#lx is not an I/O port\n", name, address);
      return false;
    }
  *port = (uint16_t) address;
  return true;
}

bool
acpi_fixed_hw_find (const struct hvm_start_info *start_info,
                    struct acpi_fixed_hw *hw)
{
  const struct acpi_rsdp *rsdp;
  const struct acpi_sdt_header *fadt;
  uint64_t dsdt = 0;
  uint32_t smi_cmd;

  memset (hw, 0, sizeof (*hw));
  rsdp = acpi_find_rsdp (start_info);
  if (rsdp == NULL)
    return false;
  fadt = acpi_find_table (rsdp, "FACP");
  if (fadt == NULL)
    {
      guest_printf ("acpi: no FADT\n");
      return false;
    }
  if (fadt->length < FADT_V1_LENGTH)
    {
      guest_printf ("acpi: the FADT is %u bytes, shorter than revision 1's %d\n", fadt->length,
                    FADT_V1_LENGTH);
      return false;
    }
  hw->fadt = fadt;
  hw->flags = read32 (fadt, FADT_FLAGS);
  if (hw->flags & ACPI_FADT_HW_REDUCED)
    {
      guest_printf ("acpi: the FADT says hardware-reduced ACPI: no fixed hardware\n");
      return false;
    }

  smi_cmd = read32 (fadt, FADT_SMI_CMD);
  if (smi_cmd > 0xffff)
    {
      guest_printf ("acpi: SMI_CMD %#x is not an I/O port\n", smi_cmd);
      return false;
    }
  hw->smi_cmd = (uint16_t) smi_cmd;
  hw->acpi_enable = read8 (fadt, FADT_ACPI_ENABLE);

  if (!block_port (fadt, "PM1a_EVT_BLK", FADT_PM1A_EVT_BLK, FADT_X_PM1A_EVT, true,
                   &hw->pm1a_evt)
      || !block_port (fadt, "PM1a_CNT_BLK", FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT, true,
                      &hw->pm1a_cnt)
      || !block_port (fadt, "GPE0_BLK", FADT_GPE0_BLK, FADT_X_GPE0, false, &hw->gpe0))
    return false;

  /* PM1_EVT_LEN >= 4 and PM1_CNT_LEN >= 2 (5.2.9); GPE0_BLK_LEN a multiple of 2. */
  hw->pm1_evt_len = read8 (fadt, FADT_PM1_EVT_LEN);
  hw->pm1_cnt_len = read8 (fadt, FADT_PM1_CNT_LEN);
  hw->gpe0_len = read8 (fadt, FADT_GPE0_BLK_LEN);
  if (hw->pm1_evt_len < 4 || hw->pm1_evt_len % 2 != 0 || hw->pm1_cnt_len < 2
      || (hw->gpe0 != 0 && (hw->gpe0_len < 2 || hw->gpe0_len % 2 != 0)))
    {
      guest_printf ("acpi: bad FADT block lengths: PM1_EVT_LEN %u, PM1_CNT_LEN %u, "
                    "GPE0_BLK_LEN %u\n", hw->pm1_evt_len, hw->pm1_cnt_len, hw->gpe0_len);
      return false;
    }
  if (hw->pm1a_evt + hw->pm1_evt_len > 0x10000 || hw->pm1a_cnt + hw->pm1_cnt_len > 0x10000
      || hw->gpe0 + hw->gpe0_len > 0x10000)
    {
      guest_printf ("acpi: a PM register block runs past port 0xffff\n");
      return false;
    }

  if (fadt->revision >= 2 && fadt->length >= FADT_X_DSDT + 8)
    dsdt = read64 (fadt, FADT_X_DSDT);
  if (dsdt == 0)
    dsdt = read32 (fadt, FADT_DSDT);
  if (dsdt != 0)
    {
      const struct acpi_sdt_header *table;

      if (dsdt >= 0x100000000ull - sizeof (*table))
        {
          guest_printf ("acpi: the DSDT at %#lx is above the mapped 4 GiB\n", dsdt);
          return false;
        }
      table = (const struct acpi_sdt_header *) (uintptr_t) dsdt;
      if (memcmp (table->signature, "DSDT", 4) != 0 || table->length < sizeof (*table)
          || table->length > (1u << 20) || dsdt + table->length > 0x100000000ull
          || !acpi_checksum_ok (table, table->length))
        {
          guest_printf ("acpi: no valid DSDT at %#lx\n", dsdt);
          return false;
        }
      hw->dsdt = table;
    }
  return true;
}

uint16_t
acpi_pm1_status (const struct acpi_fixed_hw *hw)
{
  return inw (hw->pm1a_evt);
}

void
acpi_pm1_clear_status (const struct acpi_fixed_hw *hw,
                       uint16_t bits)
{
  outw (hw->pm1a_evt, bits);
}

uint16_t
acpi_pm1_enable (const struct acpi_fixed_hw *hw)
{
  return inw ((uint16_t) (hw->pm1a_evt + hw->pm1_evt_len / 2));
}

void
acpi_pm1_set_enable (const struct acpi_fixed_hw *hw,
                     uint16_t value)
{
  outw ((uint16_t) (hw->pm1a_evt + hw->pm1_evt_len / 2), value);
}

uint16_t
acpi_pm1_control (const struct acpi_fixed_hw *hw)
{
  return inw (hw->pm1a_cnt);
}

void
acpi_pm1_set_control (const struct acpi_fixed_hw *hw,
                      uint16_t value)
{
  outw (hw->pm1a_cnt, value);
}

bool
acpi_enter_acpi_mode (const struct acpi_fixed_hw *hw)
{
  uint64_t deadline;

  if (acpi_pm1_control (hw) & ACPI_PM1_CNT_SCI_EN)
    return true;
  if (hw->smi_cmd == 0 || hw->acpi_enable == 0)
    {
      guest_printf ("acpi: SCI_EN is clear and the FADT gives no SMI_CMD/ACPI_ENABLE to set it\n");
      return false;
    }
  outb (hw->smi_cmd, hw->acpi_enable);
  deadline = deadline_after_us (ACPI_MODE_TIMEOUT_US);
  while (!(acpi_pm1_control (hw) & ACPI_PM1_CNT_SCI_EN))
    {
      if (deadline_passed (deadline))
        {
          guest_printf ("acpi: SCI_EN still clear after writing %#x to SMI_CMD %#x\n",
                        hw->acpi_enable, hw->smi_cmd);
          return false;
        }
      cpu_relax ();
    }
  return true;
}

/* The callers pass constants: a GPE outside the block is the guest's own bug. */
static void
gpe_check (const struct acpi_fixed_hw *hw,
           unsigned int gpe)
{
  if (hw->gpe0 == 0 || gpe >= 8u * (hw->gpe0_len / 2u))
    guest_panic ("acpi: GPE %u is outside GPE0 (%u bytes at %#x)", gpe, hw->gpe0_len, hw->gpe0);
}

bool
acpi_gpe0_status (const struct acpi_fixed_hw *hw,
                  unsigned int gpe)
{
  gpe_check (hw, gpe);
  return inb ((uint16_t) (hw->gpe0 + gpe / 8)) & (1u << (gpe % 8));
}

void
acpi_gpe0_clear_status (const struct acpi_fixed_hw *hw,
                        unsigned int gpe)
{
  gpe_check (hw, gpe);
  outb ((uint16_t) (hw->gpe0 + gpe / 8), (uint8_t) (1u << (gpe % 8)));
}

void
acpi_gpe0_set_enabled (const struct acpi_fixed_hw *hw,
                       unsigned int gpe,
                       bool enabled)
{
  uint16_t port;
  uint8_t value;

  gpe_check (hw, gpe);
  port = (uint16_t) (hw->gpe0 + hw->gpe0_len / 2 + gpe / 8);
  value = inb (port);
  if (enabled)
    value |= (uint8_t) (1u << (gpe % 8));
  else
    value &= (uint8_t) ~(1u << (gpe % 8));
  outb (port, value);
}

/* A package's PkgLength (20.2.4): the lead byte's top two bits count the bytes that follow.
 * Returns the encoding's own length, or 0 when it runs past end. */
static size_t
pkg_length_size (const uint8_t *p,
                 const uint8_t *end)
{
  size_t size;

  if (p >= end)
    return 0;
  size = 1 + (p[0] >> 6);
  return (size_t) (end - p) >= size ? size : 0;
}

int
acpi_s5_sleep_type (const struct acpi_fixed_hw *hw)
{
  const uint8_t *start;
  const uint8_t *end;

  if (hw->dsdt == NULL)
    {
      guest_printf ("acpi: no DSDT, so no \\_S5\n");
      return -1;
    }
  start = (const uint8_t *) (hw->dsdt + 1);
  end = (const uint8_t *) hw->dsdt + hw->dsdt->length;

  /* Name (_S5, Package () {SLP_TYPa, ...}): NameOp, the name (with or without a root prefix),
   * PackageOp, PkgLength, NumElements, then the elements. A byte scan, as small OSes do: in
   * these DSDTs the string "_S5_" occurs only there. */
  for (const uint8_t *p = start; p + 4 <= end; p++)
    {
      const uint8_t *q;
      size_t size;

      if (memcmp (p, "_S5_", 4) != 0)
        continue;
      if (!((p - start >= 1 && p[-1] == AML_NAME_OP)
            || (p - start >= 2 && p[-1] == AML_ROOT_CHAR && p[-2] == AML_NAME_OP)))
        continue;

      q = p + 4;
      if (q >= end || *q != AML_PACKAGE_OP)
        {
          guest_printf ("acpi: \\_S5 is not a package\n");
          return -1;
        }
      q++;
      size = pkg_length_size (q, end);
      if (size == 0)
        break;
      q += size;
      /* NumElements, then the first element. */
      if (end - q < 2 || q[0] < 1)
        break;
      q++;
      switch (q[0])
        {
        case AML_ZERO_OP:
          return 0;
        case AML_ONE_OP:
          return 1;
        case AML_BYTE_PREFIX:
          if (end - q < 2)
            break;
          if (q[1] > 7)
            {
              guest_printf ("acpi: \\_S5 SLP_TYPa %u does not fit the 3-bit field\n", q[1]);
              return -1;
            }
          return q[1];
        default:
          guest_printf ("acpi: \\_S5's first element (opcode %#x) is not a constant this guest "
                        "reads\n", q[0]);
          return -1;
        }
      break;
    }
  guest_printf ("acpi: no readable \\_S5 package in the DSDT\n");
  return -1;
}
