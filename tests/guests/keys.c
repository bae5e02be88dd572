/* keys.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Prints every byte the PS/2 keyboard sends: "keys: ready" once, then "keys: XX" (two hex
 * digits) on COM1 for each byte read from the i8042's data port 0x60 — make and break codes,
 * prefixes included, in set 1 as the controller translates them (its default command byte
 * has translation on). Bytes from the mouse (status bit 5) are printed as "keys: aux XX".
 * No verdict, never exits: the VMM's display test (tests/kvm's vmm-display) sends keys through
 * the control socket and VNC, reads the lines and ends the VM with "quit".
 *
 * The status port is polled every POLL_US. Between polls the CPU halts on the local APIC's
 * TSC-deadline timer (checked to fire at start, as demo.c does), so waiting costs the host next
 * to nothing; without one it spins on pause. */

#include "guest.h"
#include "segments.h"

#define POLL_US      10000
#define I8042_DATA   0x60
#define I8042_STATUS 0x64
#define I8042_OBF    0x01
#define I8042_AUX    0x20

/* ---- sleeping, as in demo.c --------------------------------------------------------------- */

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
uintptr_t keys_lapic_eoi;
volatile unsigned int keys_timer_ticks;
static bool can_halt;

void keys_timer_isr (void);
void keys_spurious_isr (void);
__asm__ (".text\n"
         ".globl keys_timer_isr\n"
         "keys_timer_isr:\n"
         "  push %rax\n"
         "  incl keys_timer_ticks(%rip)\n"
         "  mov keys_lapic_eoi(%rip), %rax\n"
         "  movl $0, (%rax)\n"
         "  pop %rax\n"
         "  iretq\n"
         ".globl keys_spurious_isr\n"
         "keys_spurious_isr:\n"
         "  iretq\n");

static void
set_gate (unsigned int vector, void (*handler) (void))
{
  uintptr_t a = (uintptr_t) handler;

  idt[vector] = (struct idt_gate) { (uint16_t) a, SEL_CODE64, 0, 0x8e, (uint16_t) (a >> 16),
                                    (uint32_t) (a >> 32), 0 };
}

static void
sleep_until (uint64_t deadline)
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

static void
timer_init (void)
{
  uint32_t a, b, c, d;
  struct { uint16_t limit; uint64_t base; } __attribute__ ((packed)) idtr;
  uint64_t deadline;

  cpuid (1, 0, &a, &b, &c, &d);
  if (!(c & (1u << 24)) || !(d & (1u << 9)))
    return;
  __asm__ volatile ("sidt %0" : "=m" (idtr));
  memcpy (idt, (const void *) idtr.base, 32 * sizeof idt[0]);
  set_gate (TIMER_VECTOR, keys_timer_isr);
  set_gate (SPURIOUS_VECTOR, keys_spurious_isr);
  idtr.limit = sizeof idt - 1;
  idtr.base = (uintptr_t) idt;
  __asm__ volatile ("lidt %0" : : "m" (idtr));

  /* Nothing but the timer: LINT0 (an 8259's output) and LINT1 stay masked. */
  mmio_write32 (lapic_base () + LAPIC_LVT_LINT0, LVT_MASKED);
  mmio_write32 (lapic_base () + LAPIC_LVT_LINT1, LVT_MASKED);
  keys_lapic_eoi = lapic_base () + LAPIC_EOI;
  mmio_write32 (lapic_base () + LAPIC_SVR, (1u << 8) | SPURIOUS_VECTOR);
  mmio_write32 (lapic_base () + LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | TIMER_VECTOR);

  wrmsr (MSR_TSC_DEADLINE, rdtsc () + 1000);
  deadline = deadline_after_us (20000);
  __asm__ volatile ("sti" : : : "memory");
  while (keys_timer_ticks == 0 && !deadline_passed (deadline))
    cpu_relax ();
  __asm__ volatile ("cli" : : : "memory");
  can_halt = keys_timer_ticks != 0;
}

/* ---- main --------------------------------------------------------------------------------- */

int
guest_main (const struct hvm_start_info *start_info)
{
  (void) start_info;
  timer_init ();
  guest_printf ("keys: ready%s\n", can_halt ? "" : " (no TSC-deadline timer: spinning)");
  serial_flush ();
  for (;;)
    {
      uint8_t status;

      /* The bound keeps a stuck controller from holding the loop. */
      for (int i = 0; i < 64 && ((status = inb (I8042_STATUS)) & I8042_OBF); i++)
        {
          uint8_t code = inb (I8042_DATA);

          guest_printf ((status & I8042_AUX) ? "keys: aux %02x\n" : "keys: %02x\n", code);
        }
      sleep_until (deadline_after_us (POLL_US));
    }
}
