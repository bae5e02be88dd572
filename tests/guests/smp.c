/* smp.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Starts every CPU the MADT lists and checks that each one arrives.
 *
 * Exercises the VMM's MADT, its in-kernel local APICs (INIT and start-up IPIs), the vCPUs'
 * reset state (real mode at the SIPI vector), and their CPUID (each AP's initial APIC id must
 * match its APIC's). Prints "smp: N of M CPUs checked in"; with cpus=N on the command line, M
 * must be N.
 */

#include "guest.h"
#include "segments.h"

/* Generous: on the build machines' software-nested /dev/kvm every APIC access and mode switch
 * is emulated, and under TCG the vCPUs share two host cores. At the assumed 4 GHz TSC this is
 * 20 s; slower TSCs make it longer. */
#define CHECK_IN_TIMEOUT_US 20000000

struct arrival
{
  uint32_t apic_id;       /* from the local APIC's ID register */
  uint32_t cpuid_apic_id; /* CPUID leaf 1, EBX[31:24] */
};

static struct arrival arrivals[SMP_MAX_APS];
static uint32_t checked_in;

static void
ap_check_in (unsigned int index)
{
  uint32_t eax, ebx, ecx, edx;

  cpuid (1, 0, &eax, &ebx, &ecx, &edx);
  arrivals[index].apic_id = lapic_id ();
  arrivals[index].cpuid_apic_id = ebx >> 24;
  /* Record first, then count (sequentially consistent), so that a CPU seen in the count has
   * its record in place. */
  __atomic_fetch_add (&checked_in, 1, __ATOMIC_SEQ_CST);
}

static bool
arrived (uint32_t apic_id,
         uint32_t n_arrived)
{
  for (uint32_t i = 0; i < n_arrived; i++)
    if (arrivals[i].apic_id == apic_id)
      return true;
  return false;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  const struct acpi_rsdp *rsdp;
  const struct acpi_sdt_header *madt;
  uint32_t apic_ids[SMP_MAX_APS + 1];
  uint32_t bsp;
  uint32_t n_arrived;
  uint64_t deadline;
  uint64_t cpus;
  int n_cpus;
  bool bsp_listed = false;
  bool ok = true;

  rsdp = acpi_find_rsdp (start_info);
  if (rsdp == NULL)
    guest_panic ("smp: no ACPI RSDP");
  madt = acpi_find_table (rsdp, "APIC");
  if (madt == NULL)
    guest_panic ("smp: no MADT");
  n_cpus = acpi_madt_cpus (madt, apic_ids, GUEST_ARRAY_SIZE (apic_ids));
  if (n_cpus < 0)
    guest_panic ("smp: the MADT is malformed");
  if (n_cpus == 0 || (unsigned int) n_cpus > GUEST_ARRAY_SIZE (apic_ids))
    guest_panic ("smp: the MADT lists %d enabled CPUs; this guest handles 1 to %zu", n_cpus,
                 GUEST_ARRAY_SIZE (apic_ids));

  bsp = lapic_id ();
  for (int i = 0; i < n_cpus; i++)
    {
      for (int j = 0; j < i; j++)
        if (apic_ids[j] == apic_ids[i])
          guest_panic ("smp: the MADT lists APIC id %u twice", apic_ids[i]);
      if (apic_ids[i] == bsp)
        bsp_listed = true;
    }
  if (!bsp_listed)
    guest_panic ("smp: the boot CPU's APIC id %u is not in the MADT", bsp);
  guest_printf ("smp: the MADT at %p (RSDP at %p) lists %d enabled CPUs; boot CPU APIC id %u\n",
                (const void *) madt, (const void *) rsdp, n_cpus, bsp);

  if (n_cpus > 1 && !smp_boot_aps (apic_ids, (unsigned int) n_cpus, ap_check_in))
    guest_panic ("smp: could not send the start-up IPIs");

  deadline = deadline_after_us (CHECK_IN_TIMEOUT_US);
  while (__atomic_load_n (&checked_in, __ATOMIC_SEQ_CST) < (uint32_t) n_cpus - 1
         && !deadline_passed (deadline))
    cpu_relax ();
  n_arrived = __atomic_load_n (&checked_in, __ATOMIC_SEQ_CST);

  guest_printf ("smp: %u of %d CPUs checked in\n", n_arrived + 1, n_cpus);

  /* By APIC id rather than by count: an AP that started twice could hide a missing one. */
  for (int i = 0; i < n_cpus; i++)
    if (apic_ids[i] != bsp && !arrived (apic_ids[i], n_arrived))
      {
        if (ok)
          guest_printf ("smp: %s; missing APIC ids:",
                        n_arrived + 1 < (uint32_t) n_cpus ? "timed out" : "wrong CPUs");
        guest_printf (" %u", apic_ids[i]);
        ok = false;
      }
  if (!ok)
    guest_printf ("\n");

  for (uint32_t i = 0; i < n_arrived && i < SMP_MAX_APS; i++)
    {
      const struct arrival *a = &arrivals[i];
      bool listed = false;

      for (int j = 0; j < n_cpus; j++)
        listed |= apic_ids[j] == a->apic_id;
      if (!listed || a->apic_id == bsp)
        {
          guest_printf ("smp: a CPU with APIC id %u arrived that the MADT does not list as an AP\n",
                        a->apic_id);
          ok = false;
        }
      if (a->cpuid_apic_id != (a->apic_id & 0xff))
        {
          guest_printf ("smp: APIC id %u reports initial APIC id %u in CPUID\n", a->apic_id,
                        a->cpuid_apic_id);
          ok = false;
        }
      for (uint32_t j = 0; j < i; j++)
        if (arrivals[j].apic_id == a->apic_id)
          {
            guest_printf ("smp: APIC id %u checked in twice\n", a->apic_id);
            ok = false;
          }
    }

  if (cmdline_get_u64 (guest_cmdline (), "cpus", &cpus) && cpus != (uint64_t) n_cpus)
    {
      guest_printf ("smp: the command line says cpus=%lu but the MADT lists %d\n", cpus, n_cpus);
      ok = false;
    }

  return ok ? GUEST_EXIT_PASS : GUEST_EXIT_FAIL;
}
