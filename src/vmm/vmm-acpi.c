/* vmm-acpi.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "vmm-private.h"

/* The ACPI hardware every guest gets, whichever way it boots: the power
 * button and sleep control (acpi-pm) and the CPU hotplug block, and what the
 * VMM does when the guest uses them. */

static void
vmm_on_guest_sleep (void     *opaque,
                    unsigned  slp_typ)
{
  Vmm *vmm = opaque;

  /* S5 is the only sleep state the DSDT offers; a guest asking for another
   * one wakes up at once (acpi-pm sets WAK_STS). */
  if (slp_typ == ACPI_SLP_TYP_S5)
    vmm_request_exit (vmm, 0, "guest-shutdown");
}

static void
vmm_on_cpu_hotplug_gpe (void *opaque)
{
  Vmm *vmm = opaque;

  acpi_pm_raise_gpe (vmm->acpi_pm, ACPI_GPE_CPU_HOTPLUG);
}

static void
vmm_note_vcpus_changed (Vmm *vmm)
{
  __atomic_store_n (&vmm->vcpus_changed, true, __ATOMIC_RELEASE);
  vmm_wake (vmm);
}

/* The guest has offlined a CPU we asked it to give back and ejected it:
 * its thread leaves the guest and waits, parked. Runs on another vCPU's
 * thread, so it only asks; the parked thread does the rest itself. */
static void
vmm_on_cpu_eject (void     *opaque,
                  unsigned  cpu)
{
  Vmm *vmm = opaque;

  pthread_mutex_lock (&vmm->lock);
  vmm->vcpu_plugged[cpu] = false;
  pthread_mutex_unlock (&vmm->lock);
  if (cpu < vmm->n_vcpus_created && vmm->vcpus[cpu].thread != 0)
    kvm_vcpu_request_exit (&vmm->vcpus[cpu]);
  vmm_note_vcpus_changed (vmm);
}

/* _OST: the guest says how a hotplug request went (event 1 is an insert,
 * status 0 success). */
static void
vmm_on_cpu_ost (void     *opaque,
                unsigned  cpu,
                uint32_t  event,
                uint32_t  status)
{
  vmm_note_vcpus_changed (opaque);
}

static const CpuHotplugOps vmm_cpu_hotplug_ops = {
  .raise_gpe = vmm_on_cpu_hotplug_gpe,
  .eject = vmm_on_cpu_eject,
  .ost = vmm_on_cpu_ost,
};

int
vmm_setup_acpi_devices (Vmm      *vmm,
                        VmmError *err)
{
  int ret;

  vmm->acpi_pm = acpi_pm_new (&vmm->irqs[ACPI_SCI_IRQ], vmm_on_guest_sleep, vmm);
  vmm->cpu_hotplug = cpu_hotplug_new (vmm->config.max_vcpus, vmm->config.n_vcpus,
                                      &vmm_cpu_hotplug_ops, vmm);
  if (vmm->acpi_pm == NULL || vmm->cpu_hotplug == NULL)
    {
      vmm_error_set (err, "out of memory while creating the ACPI devices");
      return -ENOMEM;
    }
  if ((ret = io_bus_insert (&vmm->pio_bus, ACPI_PM1_EVT_PORT, ACPI_PM1_EVT_LEN,
                            &acpi_pm_pm1_evt_ops, vmm->acpi_pm)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, ACPI_PM1_CNT_PORT, ACPI_PM1_CNT_LEN,
                               &acpi_pm_pm1_cnt_ops, vmm->acpi_pm)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN,
                               &acpi_pm_tmr_ops, vmm->acpi_pm)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, ACPI_GPE0_PORT, ACPI_GPE0_LEN,
                               &acpi_pm_gpe0_ops, vmm->acpi_pm)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, ACPI_CPU_HOTPLUG_PORT, ACPI_CPU_HOTPLUG_LEN,
                               &cpu_hotplug_io_ops, vmm->cpu_hotplug)) < 0)
    {
      vmm_error_set (err, "cannot place the ACPI devices on the I/O bus: %s", strerror (-ret));
      return ret;
    }
  return 0;
}

void
vmm_reset_acpi_devices (Vmm *vmm)
{
  acpi_pm_reset (vmm->acpi_pm);
  cpu_hotplug_reset (vmm->cpu_hotplug);
}

void
vmm_free_acpi_devices (Vmm *vmm)
{
  VMM_CLEAR (cpu_hotplug_free, vmm->cpu_hotplug);
  VMM_CLEAR (acpi_pm_free, vmm->acpi_pm);
}

/* What the ACPI tables describe. The vCPUs the guest has now are enabled in
 * the MADT: after a reset, hot-plugged ones stay, as on a PC. */
void
vmm_describe_acpi_machine (Vmm         *vmm,
                           AcpiMachine *machine)
{
  bool firmware = vmm->config.firmware_path != NULL;
  uint64_t low_ram_end = guest_memory_low_end (&vmm->mem);
  *machine = (AcpiMachine) {
    .n_vcpus = vmm->cpu_hotplug != NULL ? vmm_count_enabled_vcpus (vmm) : vmm->config.n_vcpus,
    .max_vcpus = vmm->config.max_vcpus,
    .has_8259 = vmm->config.irqchip == VMM_IRQCHIP_KERNEL,
    .firmware_pc = firmware,
    .ecam_base = firmware ? 0 : PCI_HOST_ECAM_BASE,
    /* SeaBIOS places BARs anywhere between the end of low RAM and the
     * I/O APIC, as it does on QEMU's PC. */
    .pci_mmio_base = firmware ? low_ram_end : PCI_HOST_MMIO_BASE,
    .pci_mmio_size = firmware ? ACPI_IOAPIC_ADDR - low_ram_end : PCI_HOST_MMIO_SIZE,
  };
}

/* Like pressing a PC's power button: the guest decides. Says whether the
 * guest's OS listens (it enabled the button's event). */
bool
vmm_system_powerdown (Vmm *vmm)
{
  acpi_pm_press_power_button (vmm->acpi_pm);
  return acpi_pm_power_button_enabled (vmm->acpi_pm);
}

static bool
vmm_vcpu_counts_as_enabled (CpuHotplugState state)
{
  return state == CPU_HOTPLUG_ENABLED || state == CPU_HOTPLUG_PENDING_INSERT;
}

/* The vCPUs the guest has now: those it has taken in and not yet given
 * back. */
unsigned
vmm_count_enabled_vcpus (Vmm *vmm)
{
  unsigned n = 0;

  for (unsigned i = 0; i < vmm->config.max_vcpus; i++)
    {
      CpuHotplugState state = cpu_hotplug_state (vmm->cpu_hotplug, i);

      n += state == CPU_HOTPLUG_ENABLED || state == CPU_HOTPLUG_PENDING_REMOVE;
    }
  return n;
}

/* Moves the guest towards count vCPUs: the lowest absent ones are plugged
 * in, the highest present ones are asked back. The guest acts on the
 * requests in its own time (VCPUS_CHANGED says when). */
int
vmm_set_vcpus (Vmm      *vmm,
               unsigned  count,
               VmmError *err)
{
  unsigned max = vmm->config.max_vcpus, wanted = 0;

  if (count < 1 || count > max)
    {
      vmm_error_set (err, "the vCPU count must be between 1 and %u (the guest's --max-vcpus), "
                     "not %u", max, count);
      return -EINVAL;
    }

  for (unsigned i = 0; i < max; i++)
    {
      CpuHotplugState state = cpu_hotplug_state (vmm->cpu_hotplug, i);
      bool stays = vmm_vcpu_counts_as_enabled (state);

      if (!stays && wanted < count)
        {
          /* The thread runs before the guest hears of the CPU, so that
           * the INIT and SIPI the guest sends find it in KVM_RUN. */
          pthread_mutex_lock (&vmm->lock);
          if (!vmm->vcpu_plugged[i])
            kvm_vcpu_forget_startup (&vmm->vcpus[i]);
          vmm->vcpu_plugged[i] = true;
          pthread_cond_broadcast (&vmm->cond);
          pthread_mutex_unlock (&vmm->lock);
          cpu_hotplug_request_insert (vmm->cpu_hotplug, i);
          stays = true;
        }
      if (stays)
        wanted++;
    }

  for (unsigned i = max; i-- > 1 && wanted > count;)
    if (vmm_vcpu_counts_as_enabled (cpu_hotplug_state (vmm->cpu_hotplug, i)))
      {
        cpu_hotplug_request_remove (vmm->cpu_hotplug, i);
        wanted--;
      }
  return 0;
}

static const char *
vmm_vcpu_state_name (CpuHotplugState state)
{
  switch (state)
    {
    case CPU_HOTPLUG_ENABLED:        return "enabled";
    case CPU_HOTPLUG_PENDING_INSERT: return "pending-insert";
    case CPU_HOTPLUG_PENDING_REMOVE: return "pending-removal";
    case CPU_HOTPLUG_ABSENT:
    default:                         return "absent";
    }
}

json_object *
vmm_query_vcpus (Vmm *vmm)
{
  json_object *list = json_object_new_array ();

  for (unsigned i = 0; i < vmm->config.max_vcpus; i++)
    {
      json_object *vcpu = json_object_new_object ();
      CpuHotplugState state = cpu_hotplug_state (vmm->cpu_hotplug, i);
      pid_t tid;

      pthread_mutex_lock (&vmm->lock);
      tid = vmm->vcpu_plugged[i] ? vmm->vcpu_tid[i] : 0;
      pthread_mutex_unlock (&vmm->lock);
      json_object_object_add (vcpu, "id", json_object_new_int ((int) i));
      json_object_object_add (vcpu, "state", json_object_new_string (vmm_vcpu_state_name (state)));
      if (tid > 0)
        json_object_object_add (vcpu, "thread-id", json_object_new_int (tid));
      json_object_array_add (list, vcpu);
    }
  return list;
}

/* From the main loop, after the guest acted on a hotplug request. */
void
vmm_emit_vcpus_changed (Vmm *vmm)
{
  json_object *data;

  if (vmm->control == NULL)
    return;
  data = json_object_new_object ();
  json_object_object_add (data, "enabled", json_object_new_int ((int) vmm_count_enabled_vcpus (vmm)));
  control_server_emit_event (vmm->control, "VCPUS_CHANGED", data);
}
