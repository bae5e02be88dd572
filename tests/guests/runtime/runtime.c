/* runtime.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* From entry.S to guest_main(), and every way out of the guest. */

#include "runtime-private.h"

const struct hvm_start_info *guest_start_info;

/* Set on the first panic: a fault while reporting one must not recurse through the serial
 * code that may have caused it. */
static int panicking;

void
guest_exit (unsigned int value)
{
  if (value == GUEST_EXIT_PASS && serial_error_count () != 0)
    {
      guest_printf ("guest: the UART stayed busy (%u times): output may be incomplete\n",
                    serial_error_count ());
      value = GUEST_EXIT_FAIL;
    }

  outl (GUEST_EXIT_PORT, value);
  /* Still here: no debug exit device. Parking at least stops the guest doing anything else,
   * and the runner's timeout will report it. */
  cpu_park ();
}

void
guest_panic (const char *fmt,
             ...)
{
  va_list ap;

  if (__atomic_exchange_n (&panicking, 1, __ATOMIC_SEQ_CST))
    guest_exit (GUEST_EXIT_FAIL);

  guest_printf ("PANIC: ");
  va_start (ap, fmt);
  guest_vprintf (fmt, ap);
  va_end (ap);
  guest_printf ("\n");
  guest_exit (GUEST_EXIT_FAIL);
}

static const char *
exception_name (uint64_t vector)
{
  static const char *const names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM no FPU", "#DF double fault",
    "coprocessor overrun", "#TS invalid TSS", "#NP segment not present", "#SS stack fault",
    "#GP general protection", "#PF page fault", "reserved", "#MF x87 error",
    "#AC alignment check", "#MC machine check", "#XM SIMD error", "#VE virtualization",
    "#CP control protection",
  };

  if (vector < GUEST_ARRAY_SIZE (names) && names[vector] != NULL)
    return names[vector];
  return "reserved";
}

void
runtime_exception (const struct exception_frame *frame)
{
  uint64_t cr2;

  __asm__ volatile ("mov %%cr2, %0" : "=r" (cr2));
  guest_panic ("exception %lu (%s) on APIC id %u: error code %#lx, rip %#lx, rsp %#lx, cr2 %#lx",
               frame->vector, exception_name (frame->vector), lapic_id (), frame->error_code,
               frame->rip, frame->rsp, cr2);
}

void
runtime_load_idt (void)
{
  __asm__ volatile ("lidt %0" : : "m" (runtime_idt_pointer));
}

void
runtime_start (uint32_t start_info_paddr)
{
  const struct hvm_start_info *start_info;

  serial_init ();
  runtime_load_idt ();

  /* Any 32-bit address is mapped, so reading the magic cannot fault. */
  start_info = (const struct hvm_start_info *) (uintptr_t) start_info_paddr;
  if (start_info == NULL || start_info->magic != HVM_START_MAGIC)
    guest_panic ("no PVH start info: %%ebx = %#x, magic %#x (want %#x)", start_info_paddr,
                 start_info != NULL ? start_info->magic : 0, HVM_START_MAGIC);
  guest_start_info = start_info;

  guest_exit ((unsigned int) guest_main (start_info));
}

uint64_t
deadline_after_us (uint64_t us)
{
  return rdtsc () + us * (GUEST_TSC_MAX_HZ / 1000000);
}

bool
deadline_passed (uint64_t deadline)
{
  return (int64_t) (rdtsc () - deadline) >= 0;
}

void
udelay (uint64_t us)
{
  uint64_t deadline = deadline_after_us (us);

  while (!deadline_passed (deadline))
    cpu_relax ();
}
