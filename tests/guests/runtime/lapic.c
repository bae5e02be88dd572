/* lapic.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The local APIC (xAPIC, through its MMIO page) and starting application processors with the
 * INIT-SIPI-SIPI sequence of the Intel SDM (volume 3, "MP Initialization"). */

#include "runtime-private.h"
#include "segments.h"

#define MSR_APIC_BASE          0x1b
#define APIC_BASE_X2APIC       (1u << 10)
#define APIC_BASE_ENABLE       (1u << 11)
#define APIC_BASE_ADDRESS_MASK 0xffffff000ull

#define LAPIC_ID      0x020
#define LAPIC_SVR     0x0f0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310

#define LAPIC_SVR_ENABLE       (1u << 8)
#define LAPIC_SPURIOUS_VECTOR  0xff
#define ICR_DELIVERY_INIT      (5u << 8)
#define ICR_DELIVERY_STARTUP   (6u << 8)
#define ICR_DELIVERY_PENDING   (1u << 12)
#define ICR_LEVEL_ASSERT       (1u << 14)

/* The SDM's waits between the IPIs. */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
/* The ICR's delivery status clears as soon as the IPI is accepted; a hundred milliseconds is
 * far beyond anything but a broken APIC model. */
#define ICR_TIMEOUT_US 100000

static smp_ap_fn ap_fn;

uintptr_t
lapic_base (void)
{
  static uintptr_t base;
  uint64_t msr;

  if (base != 0)
    return base;

  msr = rdmsr (MSR_APIC_BASE);
  if (!(msr & APIC_BASE_ENABLE))
    guest_panic ("the local APIC is disabled (IA32_APIC_BASE = %#lx)", msr);
  if (msr & APIC_BASE_X2APIC)
    guest_panic ("the local APIC is in x2APIC mode, xAPIC MMIO is unavailable");
  base = (uintptr_t) (msr & APIC_BASE_ADDRESS_MASK);
  return base;
}

uint32_t
lapic_id (void)
{
  return mmio_read32 (lapic_base () + LAPIC_ID) >> 24;
}

static bool
lapic_send_ipi (uint32_t apic_id,
                uint32_t icr_low)
{
  uintptr_t base = lapic_base ();
  uint64_t deadline;

  mmio_write32 (base + LAPIC_ICR_HIGH, apic_id << 24);
  /* Writing the low half sends the IPI. */
  mmio_write32 (base + LAPIC_ICR_LOW, icr_low);

  deadline = deadline_after_us (ICR_TIMEOUT_US);
  while (mmio_read32 (base + LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING)
    {
      if (deadline_passed (deadline))
        {
          guest_printf ("smp: IPI %#x to APIC id %u still pending after %d ms\n", icr_low,
                        apic_id, ICR_TIMEOUT_US / 1000);
          return false;
        }
      cpu_relax ();
    }
  return true;
}

static bool
ranges_overlap (uint64_t a,
                uint64_t a_size,
                uint64_t b,
                uint64_t b_size)
{
  return a < b + b_size && b < a + a_size;
}

/* The trampoline page must be RAM and must not hold anything the loader left for us. */
static bool
trampoline_page_usable (void)
{
  const uint64_t page = SMP_TRAMPOLINE_ADDR;
  const struct hvm_start_info *si = guest_start_info;
  const struct hvm_memmap_entry *map;
  uint32_t n;
  bool in_ram = false;

  map = guest_memmap (&n);
  for (uint32_t i = 0; i < n; i++)
    if (map[i].type == HVM_MEMMAP_RAM && map[i].addr <= page
        && map[i].addr + map[i].size >= page + 4096)
      in_ram = true;
  if (map != NULL && !in_ram)
    {
      guest_printf ("smp: the trampoline page %#lx is not RAM in the memory map\n", page);
      return false;
    }

  if (ranges_overlap (page, 4096, (uintptr_t) si, sizeof (*si))
      || (si->cmdline_paddr != 0
          && ranges_overlap (page, 4096, si->cmdline_paddr, strlen (guest_cmdline ()) + 1))
      || (map != NULL
          && ranges_overlap (page, 4096, si->memmap_paddr, n * sizeof (*map)))
      || (si->rsdp_paddr != 0 && ranges_overlap (page, 4096, si->rsdp_paddr,
                                                 sizeof (struct acpi_rsdp))))
    {
      guest_printf ("smp: the trampoline page %#lx holds boot data from the loader\n", page);
      return false;
    }
  return true;
}

bool
smp_boot_aps (const uint32_t *apic_ids,
              unsigned int count,
              smp_ap_fn fn)
{
  uintptr_t base = lapic_base ();
  uint32_t self = lapic_id ();
  size_t size = (size_t) (ap_trampoline_end - ap_trampoline_start);
  uint32_t sipi = ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | (SMP_TRAMPOLINE_ADDR >> 12);
  bool ok = true;

  if (!trampoline_page_usable ())
    return false;
  memcpy ((void *) (uintptr_t) SMP_TRAMPOLINE_ADDR, ap_trampoline_start, size);
  __atomic_store_n (&ap_fn, fn, __ATOMIC_RELEASE);

  /* Software-enable our own APIC: sending IPIs does not need it everywhere, but some models
   * (and the SDM's example) expect it, and it costs one write. */
  mmio_write32 (base + LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);

  for (unsigned int i = 0; i < count; i++)
    {
      if (apic_ids[i] == self)
        continue;
      if (apic_ids[i] > 0xfe)
        {
          /* xAPIC destinations are 8 bits and 0xff is broadcast. */
          guest_printf ("smp: APIC id %u cannot be reached in xAPIC mode\n", apic_ids[i]);
          ok = false;
          continue;
        }
      ok &= lapic_send_ipi (apic_ids[i], ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
    }
  udelay (INIT_DELAY_US);

  /* Two start-ups, as the SDM's sequence has it: a CPU that took the first ignores the
   * second, which is there for one that missed it. */
  for (int round = 0; round < 2; round++)
    {
      for (unsigned int i = 0; i < count; i++)
        if (apic_ids[i] != self && apic_ids[i] <= 0xfe)
          ok &= lapic_send_ipi (apic_ids[i], sipi);
      udelay (SIPI_DELAY_US);
    }
  return ok;
}

void
smp_ap_main (unsigned int index)
{
  smp_ap_fn fn = __atomic_load_n (&ap_fn, __ATOMIC_ACQUIRE);

  runtime_load_idt ();
  if (fn != NULL)
    fn (index);
  cpu_park ();
}
