/* cpu-hotplug.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

#include "acpi/acpi-hw.h"
#include "bus/io-bus.h"

/* The register block of QEMU's "modern" ACPI CPU hotplug interface
 * (docs/specs/acpi_cpu_hotplug.rst in QEMU), through which the DSDT's AML
 * finds CPUs with pending events and ejects them. Register it at
 * ACPI_CPU_HOTPLUG_PORT for ACPI_CPU_HOTPLUG_LEN bytes with
 * cpu_hotplug_io_ops. Layout (little-endian; accesses of 1, 2 or 4 bytes
 * anywhere in the block reach the bytes they cover):
 *
 *   0x0-0x3  read:  command data 2 (always 0: arch ids fit 32 bits)
 *            write: CPU selector
 *   0x4      read:  status: bit 0 enabled, 1 insert event, 2 remove event
 *            write: control: 1 clears the insert event, 2 clears the remove
 *                   event, 3 ejects, 4 ejects too (it hands the eject to
 *                   "firmware", which is this device, so it happens at once
 *                   and status bit 4 never reads 1)
 *   0x5      write: command: 0 select the next CPU with an event (from the
 *                   selector on, wrapping; the selector stays if none),
 *                   1 / 2 command data writes set the _OST event / status,
 *                   3 command data reads the selected CPU's arch id
 *   0x8-0xb  read:  command data: the selector after command 0, the arch id
 *                   (APIC id, which is the CPU index) after command 3, else 0
 *            write: command data: _OST event after command 1, _OST status
 *                   after command 2 (which reports both through ops->ost)
 *
 * Reserved bytes and bits read 0 and ignore writes, as do unknown commands.
 * While the selector holds a value >= max_cpus every read returns 0 and
 * writes other than to the selector are ignored.
 *
 * A CPU's life: cpu_hotplug_request_insert() makes it enabled at once (the
 * vCPU must exist and sit in wait-for-SIPI by then) with an insert event and
 * raises the GPE; the AML notifies the OS and clears the event; the OS starts
 * the CPU with INIT-SIPI through the local APICs and reports with _OST.
 * cpu_hotplug_request_remove() sets a remove event and raises the GPE; the
 * AML asks the OS to eject; the OS takes the CPU offline and its _EJ0 writes
 * the eject bit; then ops->eject runs and the CPU is absent. The guest can
 * eject only CPUs the host asked to remove. */

typedef enum
{
  CPU_HOTPLUG_ABSENT,
  CPU_HOTPLUG_ENABLED,
  CPU_HOTPLUG_PENDING_INSERT,   /* enabled; the guest has not picked the event up */
  CPU_HOTPLUG_PENDING_REMOVE,   /* enabled; the guest has not ejected it yet */
} CpuHotplugState;

/* Every callback is optional and runs without the device lock held:
 *   raise_gpe: an event is pending; the VMM calls
 *              acpi_pm_raise_gpe (pm, ACPI_GPE_CPU_HOTPLUG). Runs on the
 *              requesting thread.
 *   eject:     the guest ejected cpu, now absent; the VMM parks its vCPU.
 *              Runs on the ejecting vCPU's thread (a different one: the
 *              guest took the CPU offline first).
 *   ost:       the guest's _OST for cpu (ACPI event and status codes), run
 *              on the vCPU thread that wrote the status. */
typedef struct
{
  void (*raise_gpe) (void     *opaque);
  void (*eject)     (void     *opaque,
                     unsigned  cpu);
  void (*ost)       (void     *opaque,
                     unsigned  cpu,
                     uint32_t  event,
                     uint32_t  status);
} CpuHotplugOps;

typedef struct CpuHotplug CpuHotplug;

extern const IoBusOps cpu_hotplug_io_ops;

/* CPUs 0 .. n_enabled - 1 start enabled. ops is copied and may be NULL.
 * Returns NULL when out of memory or unless 1 <= n_enabled <= max_cpus. */
CpuHotplug      *cpu_hotplug_new            (unsigned             max_cpus,
                                             unsigned             n_enabled,
                                             const CpuHotplugOps *ops,
                                             void                *opaque);
void             cpu_hotplug_free           (CpuHotplug          *hp);

/* Machine reset: plugged CPUs stay plugged, as in QEMU; the rebooted OS
 * finds them enabled through _STA (so the MADT the VMM gives it should list
 * them too). Pending events and removal requests are dropped: the OS that
 * was to act on them is gone, and the host may ask again. The selector
 * keeps its value, as the interface's document requires. */
void             cpu_hotplug_reset          (CpuHotplug          *hp);

/* Plugs cpu in: 0, or -EINVAL (cpu >= max_cpus), -EEXIST (already enabled).
 * On a CPU whose removal is pending it cancels the removal and sends the
 * guest an insert event, so that an OS that has already taken the CPU
 * offline looks at it again. */
int              cpu_hotplug_request_insert (CpuHotplug          *hp,
                                             unsigned             cpu);

/* Asks the guest to eject cpu: 0, or -EINVAL (cpu >= max_cpus), -EPERM (CPU
 * 0, the boot CPU, which OSes cannot take offline), -ENOENT (not enabled).
 * Asking again while the removal is pending repeats the event, for a guest
 * that refused or missed it. */
int              cpu_hotplug_request_remove (CpuHotplug          *hp,
                                             unsigned             cpu);

/* ABSENT for cpu >= max_cpus. */
CpuHotplugState  cpu_hotplug_state          (CpuHotplug          *hp,
                                             unsigned             cpu);
