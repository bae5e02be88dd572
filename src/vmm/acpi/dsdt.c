/* dsdt.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "acpi-hw.h"
#include "aml.h"
#include "dsdt.h"
#include "pci/pci-host.h"

/* Notify values (ACPI 6.3, 5.6.6). */
#define NOTIFY_DEVICE_CHECK   1
#define NOTIFY_EJECT_REQUEST  3

/* _STA: present, enabled, shown in the UI, functioning. */
#define STA_PRESENT           0x0f

/* The CPU hotplug register block (QEMU's docs/specs/acpi_cpu_hotplug.rst,
 * the "modern" interface): the selector at 0 (write) shares its dword with
 * "command data 2" (read), the status/control byte is at 4, the command at
 * 5 and the command data dword at 8. */
#define CPU_HP_STATUS_OFFSET  4
#define CPU_HP_COMMAND_OFFSET 5
#define CPU_HP_DATA_OFFSET    8

#define CPU_HP_CMD_NEXT_EVENT 0   /* select the next CPU with an event */
#define CPU_HP_CMD_OST_EVENT  1
#define CPU_HP_CMD_OST_STATUS 2

#define MADT_LAPIC_ENABLED    1

#define PCI_SLOTS             32
#define PCI_PINS              4

static Aml *
dsdt_resources_io_irq (uint16_t port,
                       uint8_t  n_ports,
                       unsigned irq)
{
  Aml *crs = aml_resource_template ();

  aml_append (crs, aml_io (port, port, 1, n_ports));
  aml_append (crs, aml_irq_no_flags (irq));
  return crs;
}

static Aml *
dsdt_isa_device (const char *name,
                 const char *eisaid,
                 Aml        *crs)
{
  Aml *dev = aml_device (name);

  aml_append (dev, aml_name_decl ("_HID", aml_eisaid (eisaid)));
  aml_append (dev, aml_name_decl ("_CRS", crs));
  return dev;
}

/* The PIIX3 function at 00:01.0 and the legacy devices behind it. SeaBIOS
 * reads this part of the DSDT too: it only initialises the PS/2 keyboard
 * when a PNP0303 device is here. */
static Aml *
dsdt_isa_bridge (void)
{
  Aml *isa = aml_device ("ISA");
  Aml *crs;
  Aml *com1;

  aml_append (isa, aml_name_decl ("_ADR", aml_int (0x00010000)));

  crs = aml_resource_template ();
  aml_append (crs, aml_io (0x60, 0x60, 1, 1));
  aml_append (crs, aml_io (0x64, 0x64, 1, 1));
  aml_append (crs, aml_irq_no_flags (1));
  aml_append (isa, dsdt_isa_device ("KBD", "PNP0303", crs));

  crs = aml_resource_template ();
  aml_append (crs, aml_irq_no_flags (12));
  aml_append (isa, dsdt_isa_device ("MOU", "PNP0F13", crs));

  com1 = dsdt_isa_device ("COM1", "PNP0501", dsdt_resources_io_irq (0x3f8, 8, 4));
  aml_append (com1, aml_name_decl ("_UID", aml_int (1)));
  aml_append (isa, com1);

  aml_append (isa, dsdt_isa_device ("RTC", "PNP0B00", dsdt_resources_io_irq (0x70, 2, 8)));
  return isa;
}

/* Bus 0 only, the configuration ports, all I/O ports around them, the VGA
 * window and the 32-bit BAR window. */
static Aml *
dsdt_pci_resources (const AcpiMachine *machine)
{
  Aml *crs = aml_resource_template ();

  aml_append (crs, aml_word_bus_number (0, 0xff));
  aml_append (crs, aml_io (PCI_HOST_CONFIG_ADDRESS, PCI_HOST_CONFIG_ADDRESS, 1, 8));
  aml_append (crs, aml_word_io (0x0000, PCI_HOST_CONFIG_ADDRESS - 1));
  aml_append (crs, aml_word_io (0x0d00, 0xffff));
  aml_append (crs, aml_dword_memory (0xa0000, 0xbffff));
  aml_append (crs, aml_dword_memory ((uint32_t) machine->pci_mmio_base,
                                     (uint32_t) (machine->pci_mmio_base
                                                 + machine->pci_mmio_size - 1)));
  return crs;
}

/* Every slot's INTA-INTD straight to its GSI (no link devices), with the
 * host bridge's swizzle, which on a firmware PC is the PIIX3's. */
static Aml *
dsdt_pci_routing (const AcpiMachine *machine)
{
  Aml *prt = aml_package ();

  for (unsigned slot = 1; slot < PCI_SLOTS; slot++)
    for (unsigned pin = 0; pin < PCI_PINS; pin++)
      {
        Aml *entry = aml_package ();

        aml_append (entry, aml_int (((uint64_t) slot << 16) | 0xffff));
        aml_append (entry, aml_int (pin));
        aml_append (entry, aml_int (0));
        aml_append (entry, aml_int (PCI_HOST_INTX_GSI_BASE
                                    + pci_host_swizzle (machine->firmware_pc, slot, pin + 1)));
        aml_append (prt, entry);
      }
  return prt;
}

static Aml *
dsdt_pci_root (const AcpiMachine *machine)
{
  Aml *pci = aml_device ("PCI0");

  /* No _ADR: a device has a _HID or an _ADR, not both (ACPI 6.3, 6.1),
   * and a root bridge has no address on a parent bus. */
  aml_append (pci, aml_name_decl ("_HID", aml_eisaid ("PNP0A03")));
  aml_append (pci, aml_name_decl ("_UID", aml_int (0)));
  aml_append (pci, aml_name_decl ("_BBN", aml_int (0)));
  aml_append (pci, aml_name_decl ("_SEG", aml_int (0)));
  aml_append (pci, aml_name_decl ("_CRS", dsdt_pci_resources (machine)));
  aml_append (pci, aml_name_decl ("_PRT", dsdt_pci_routing (machine)));
  if (machine->firmware_pc)
    aml_append (pci, dsdt_isa_bridge ());
  return pci;
}

static void
dsdt_cpu_name (char     name[5],
               unsigned cpu)
{
  snprintf (name, 5, "C%03X", cpu & 0xfff);
}

/* The registers, read and written under CPLK: the selector is shared state
 * of the whole block, so every method selects and then accesses as one
 * step. The status byte is WriteAsZeros: its write bits are commands (clear
 * insert event, clear remove event, eject) and bit 0 must be written 0. */
static void
dsdt_cpu_hotplug_registers (Aml *cpus)
{
  Aml *field;

  aml_append (cpus, aml_mutex ("CPLK", 0));
  aml_append (cpus, aml_operation_region ("PRST", AML_SYSTEM_IO, ACPI_CPU_HOTPLUG_PORT,
                                          ACPI_CPU_HOTPLUG_LEN));

  field = aml_field ("PRST", AML_DWORD_ACC, false, AML_PRESERVE);
  aml_field_unit (field, "CSEL", 32);
  aml_field_offset (field, CPU_HP_DATA_OFFSET);
  aml_field_unit (field, "CDAT", 32);
  aml_append (cpus, field);

  field = aml_field ("PRST", AML_BYTE_ACC, false, AML_WRITE_AS_ZEROS);
  aml_field_offset (field, CPU_HP_STATUS_OFFSET);
  aml_field_unit (field, "CPEN", 1);   /* enabled */
  aml_field_unit (field, "CINS", 1);   /* insert event; write 1 to clear */
  aml_field_unit (field, "CRMV", 1);   /* remove event; write 1 to clear */
  aml_field_unit (field, "CEJ0", 1);   /* write 1 to eject */
  aml_field_offset (field, CPU_HP_COMMAND_OFFSET);
  aml_field_unit (field, "CCMD", 8);
  aml_append (cpus, field);
}

/* CSTA (cpu): 0xF when the CPU is enabled, else 0. */
static Aml *
dsdt_cpu_status_method (void)
{
  Aml *method = aml_method ("CSTA", 1, false);
  Aml *enabled;

  aml_append (method, aml_acquire ("CPLK", 0xffff));
  aml_append (method, aml_store (aml_arg (0), aml_name ("CSEL")));
  aml_append (method, aml_store (aml_int (0), aml_local (0)));
  enabled = aml_if (aml_lequal (aml_name ("CPEN"), aml_int (1)));
  aml_append (enabled, aml_store (aml_int (STA_PRESENT), aml_local (0)));
  aml_append (method, enabled);
  aml_append (method, aml_release ("CPLK"));
  aml_append (method, aml_return (aml_local (0)));
  return method;
}

/* CEJX (cpu): the OS is done with the CPU; the VMM removes it. */
static Aml *
dsdt_cpu_eject_method (void)
{
  Aml *method = aml_method ("CEJX", 1, false);

  aml_append (method, aml_acquire ("CPLK", 0xffff));
  aml_append (method, aml_store (aml_arg (0), aml_name ("CSEL")));
  aml_append (method, aml_store (aml_int (1), aml_name ("CEJ0")));
  aml_append (method, aml_release ("CPLK"));
  return method;
}

/* COST (cpu, event, status): _OST's report, through the command data
 * register after selecting the OST event, then the OST status command. */
static Aml *
dsdt_cpu_ost_method (void)
{
  Aml *method = aml_method ("COST", 3, false);

  aml_append (method, aml_acquire ("CPLK", 0xffff));
  aml_append (method, aml_store (aml_arg (0), aml_name ("CSEL")));
  aml_append (method, aml_store (aml_int (CPU_HP_CMD_OST_EVENT), aml_name ("CCMD")));
  aml_append (method, aml_store (aml_arg (1), aml_name ("CDAT")));
  aml_append (method, aml_store (aml_int (CPU_HP_CMD_OST_STATUS), aml_name ("CCMD")));
  aml_append (method, aml_store (aml_arg (2), aml_name ("CDAT")));
  aml_append (method, aml_release ("CPLK"));
  return method;
}

/* CTFY (cpu, value): Notify needs the device by name, so one test per
 * possible CPU. */
static Aml *
dsdt_cpu_notify_method (unsigned max_vcpus)
{
  Aml *method = aml_method ("CTFY", 2, false);

  for (unsigned cpu = 0; cpu < max_vcpus; cpu++)
    {
      Aml *match = aml_if (aml_lequal (aml_arg (0), aml_int (cpu)));
      char name[5];

      dsdt_cpu_name (name, cpu);
      aml_append (match, aml_notify (aml_name (name), aml_arg (1)));
      aml_append (method, match);
    }
  return method;
}

/* CSCN: \_GPE._E02's work. Asks the block for the next CPU with a pending
 * event (selector 0, command 0), tells the OS (device check for an insert,
 * eject request for a remove) and clears that event, until none is left.
 * Each round clears one event, so 2 * max_vcpus rounds cover every CPU
 * having both; the bound keeps a misbehaving device from hanging the OS's
 * GPE handler. */
static Aml *
dsdt_cpu_scan_method (unsigned max_vcpus)
{
  Aml *method = aml_method ("CSCN", 0, false);
  Aml *loop;
  Aml *none;
  Aml *insert;
  Aml *remove;

  aml_append (method, aml_acquire ("CPLK", 0xffff));
  aml_append (method, aml_store (aml_int (0), aml_local (1)));
  loop = aml_while (aml_lless (aml_local (1), aml_int (2 * (uint64_t) max_vcpus)));

  aml_append (loop, aml_store (aml_int (0), aml_name ("CSEL")));
  aml_append (loop, aml_store (aml_int (CPU_HP_CMD_NEXT_EVENT), aml_name ("CCMD")));
  none = aml_if (aml_land (aml_lequal (aml_name ("CINS"), aml_int (0)),
                           aml_lequal (aml_name ("CRMV"), aml_int (0))));
  aml_append (none, aml_break ());
  aml_append (loop, none);
  aml_append (loop, aml_store (aml_name ("CDAT"), aml_local (0)));

  insert = aml_if (aml_lequal (aml_name ("CINS"), aml_int (1)));
  aml_append (insert, aml_call ("CTFY", 2, aml_local (0), aml_int (NOTIFY_DEVICE_CHECK)));
  aml_append (insert, aml_store (aml_int (1), aml_name ("CINS")));
  aml_append (loop, insert);
  remove = aml_else ();
  aml_append (remove, aml_call ("CTFY", 2, aml_local (0), aml_int (NOTIFY_EJECT_REQUEST)));
  aml_append (remove, aml_store (aml_int (1), aml_name ("CRMV")));
  aml_append (loop, remove);

  aml_append (loop, aml_increment (aml_local (1)));
  aml_append (method, loop);
  aml_append (method, aml_release ("CPLK"));
  return method;
}

/* One processor device; _UID is the MADT's processor UID and APIC id. */
static Aml *
dsdt_cpu_device (unsigned cpu)
{
  uint8_t entry[8] = { 0, sizeof entry, (uint8_t) cpu, (uint8_t) cpu, 0, 0, 0, 0 };
  Aml *dev;
  Aml *method;
  Aml *enabled;
  char name[5];

  dsdt_cpu_name (name, cpu);
  dev = aml_device (name);
  aml_append (dev, aml_name_decl ("_HID", aml_string ("ACPI0007")));
  aml_append (dev, aml_name_decl ("_UID", aml_int (cpu)));

  method = aml_method ("_STA", 0, false);
  aml_append (method, aml_return (aml_call ("CSTA", 1, aml_int (cpu))));
  aml_append (dev, method);

  /* The MADT Local APIC entry of this CPU, enabled while it is. */
  method = aml_method ("_MAT", 0, false);
  enabled = aml_if (aml_lequal (aml_call ("CSTA", 1, aml_int (cpu)), aml_int (STA_PRESENT)));
  entry[4] = MADT_LAPIC_ENABLED;
  aml_append (enabled, aml_return (aml_buffer (entry, sizeof entry)));
  aml_append (method, enabled);
  entry[4] = 0;
  aml_append (method, aml_return (aml_buffer (entry, sizeof entry)));
  aml_append (dev, method);

  method = aml_method ("_EJ0", 1, false);
  aml_append (method, aml_call ("CEJX", 1, aml_int (cpu)));
  aml_append (dev, method);

  method = aml_method ("_OST", 3, false);
  aml_append (method, aml_call ("COST", 3, aml_int (cpu), aml_arg (0), aml_arg (1)));
  aml_append (dev, method);
  return dev;
}

/* The processor container: ACPI0010, which Linux and Windows both take as
 * the parent of ACPI0007 devices. */
static Aml *
dsdt_cpus (const AcpiMachine *machine)
{
  Aml *cpus = aml_device ("CPUS");

  aml_append (cpus, aml_name_decl ("_HID", aml_string ("ACPI0010")));
  aml_append (cpus, aml_name_decl ("_CID", aml_eisaid ("PNP0A05")));
  dsdt_cpu_hotplug_registers (cpus);
  aml_append (cpus, dsdt_cpu_status_method ());
  aml_append (cpus, dsdt_cpu_eject_method ());
  aml_append (cpus, dsdt_cpu_ost_method ());
  aml_append (cpus, dsdt_cpu_notify_method (machine->max_vcpus));
  aml_append (cpus, dsdt_cpu_scan_method (machine->max_vcpus));
  for (unsigned cpu = 0; cpu < machine->max_vcpus; cpu++)
    aml_append (cpus, dsdt_cpu_device (cpu));
  return cpus;
}

int
dsdt_build (const AcpiMachine *machine,
            uint8_t          **aml,
            size_t            *len)
{
  Aml *root;
  Aml *sb;
  Aml *s5;
  Aml *gpe;
  Aml *method;
  char gpe_method[5];

  *aml = NULL;
  *len = 0;
  if (machine->n_vcpus == 0 || machine->max_vcpus > ACPI_DSDT_MAX_VCPUS
      || machine->n_vcpus > machine->max_vcpus
      || machine->pci_mmio_size == 0 || machine->pci_mmio_base > UINT32_MAX
      || machine->pci_mmio_size > (UINT64_C (1) << 32) - machine->pci_mmio_base)
    return -EINVAL;

  root = aml_new ();
  sb = aml_scope ("\\_SB");
  aml_append (sb, dsdt_pci_root (machine));
  aml_append (sb, dsdt_cpus (machine));
  aml_append (root, sb);

  /* PM1_CNT.SLP_TYP for S5, in PM1a and PM1b, then two reserved values. */
  s5 = aml_package ();
  aml_append (s5, aml_int (ACPI_SLP_TYP_S5));
  aml_append (s5, aml_int (ACPI_SLP_TYP_S5));
  aml_append (s5, aml_int (0));
  aml_append (s5, aml_int (0));
  aml_append (root, aml_name_decl ("\\_S5", s5));

  gpe = aml_scope ("\\_GPE");
  snprintf (gpe_method, sizeof gpe_method, "_E%02X", ACPI_GPE_CPU_HOTPLUG);
  method = aml_method (gpe_method, 0, false);
  aml_append (method, aml_call ("\\_SB.CPUS.CSCN", 0));
  aml_append (gpe, method);
  aml_append (root, gpe);

  return aml_finish (root, aml, len);
}
