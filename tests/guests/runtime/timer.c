/* timer.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Sleeping cheaply: the local APIC's TSC-deadline timer wakes a halted CPU, so a guest that
 * waits between polls costs the host almost nothing instead of a spinning vCPU. Interrupts
 * are on only inside the halt; the timer's vector and a spurious one are the only gates added
 * to the runtime's IDT (copied, so the exception handlers stay). */

#include "guest.h"
#include "segments.h"

#define MSR_TSC_DEADLINE 0x6e0
#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_LVT_LINT0  0x350
#define LAPIC_LVT_LINT1  0x360
#define LVT_MASKED       (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define TIMER_VECTOR     0x20
#define SPURIOUS_VECTOR  0xff

struct idt_gate
{
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;
  uint8_t type;
  uint16_t offset_mid;
  uint32_t offset_high;
  uint32_t reserved;
};

static struct idt_gate idt[256] __attribute__ ((aligned (16)));
uintptr_t runtime_timer_lapic_eoi;
volatile unsigned int runtime_timer_ticks;
static bool can_halt;

void runtime_timer_isr (void);
void runtime_spurious_isr (void);
__asm__ (".text\n"
         ".globl runtime_timer_isr\n"
         "runtime_timer_isr:\n"
         "  push %rax\n"
         "  incl runtime_timer_ticks(%rip)\n"
         "  mov runtime_timer_lapic_eoi(%rip), %rax\n"
         "  movl $0, (%rax)\n"
         "  pop %rax\n"
         "  iretq\n"
         ".globl runtime_spurious_isr\n"
         "runtime_spurious_isr:\n"
         "  iretq\n");

static void
set_gate (unsigned int vector, void (*handler) (void))
{
  uintptr_t a = (uintptr_t) handler;

  idt[vector] = (struct idt_gate) { (uint16_t) a, SEL_CODE64, 0, 0x8e, (uint16_t) (a >> 16),
                                    (uint32_t) (a >> 32), 0 };
}

/* Halts until the TSC passes deadline (or spins, without a working timer). */
void
guest_sleep_until (uint64_t deadline)
{
  while (!deadline_passed (deadline))
    {
      if (can_halt)
        {
          wrmsr (MSR_TSC_DEADLINE, deadline);
          __asm__ volatile ("sti; hlt; cli" : : : "memory");
        }
      else
        cpu_relax ();
    }
}

/* Sets up the TSC-deadline timer and checks it fires: on a VMM without one (QEMU's TCG CPU
 * model, say) guest_sleep_until() spins instead. */
bool
guest_timer_init (void)
{
  uint32_t a, b, c, d;
  struct { uint16_t limit; uint64_t base; } __attribute__ ((packed)) idtr;
  uint64_t deadline;

  cpuid (1, 0, &a, &b, &c, &d);
  if (!(c & (1u << 24)) || !(d & (1u << 9)))
    return false;
  __asm__ volatile ("sidt %0" : "=m" (idtr));
  memcpy (idt, (const void *) idtr.base, 32 * sizeof idt[0]);
  set_gate (TIMER_VECTOR, runtime_timer_isr);
  set_gate (SPURIOUS_VECTOR, runtime_spurious_isr);
  idtr.limit = sizeof idt - 1;
  idtr.base = (uintptr_t) idt;
  __asm__ volatile ("lidt %0" : : "m" (idtr));

  /* Nothing but the timer: mask LINT0, where an 8259 would deliver (unprogrammed, as vectors
   * 8-15), and LINT1. The I/O APIC's entries are masked from reset and stay so. */
  mmio_write32 (lapic_base () + LAPIC_LVT_LINT0, LVT_MASKED);
  mmio_write32 (lapic_base () + LAPIC_LVT_LINT1, LVT_MASKED);
  runtime_timer_lapic_eoi = lapic_base () + LAPIC_EOI;
  mmio_write32 (lapic_base () + LAPIC_SVR, (1u << 8) | SPURIOUS_VECTOR);
  mmio_write32 (lapic_base () + LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | TIMER_VECTOR);

  wrmsr (MSR_TSC_DEADLINE, rdtsc () + 1000);
  deadline = deadline_after_us (20000);
  __asm__ volatile ("sti" : : : "memory");
  while (runtime_timer_ticks == 0 && !deadline_passed (deadline))
    cpu_relax ();
  __asm__ volatile ("cli" : : : "memory");
  can_halt = runtime_timer_ticks != 0;
  return can_halt;
}
