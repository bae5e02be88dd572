/* user-mode.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Ring 3 for guests whose work is too much for ring 0 on an emulating /dev/kvm (see guest.h).
 *
 * guest_run_user() loads, once, a GDT that is the runtime's plus user data and code segments
 * and a TSS, and an IDT that is a copy of the current one whose #UD gate also takes the way
 * back (user-mode.S). Both keep what was there, so no selector or handler changes. Only the boot
 * CPU is set up: an AP keeps the runtime's tables. */

#include "runtime-private.h"
#include "segments.h"

#define PTE_USER    0x004
#define PTE_PWT     0x008
#define PTE_PCD     0x010
#define PAGE_2M     (UINT64_C (1) << 21)
#define GIB         (UINT64_C (1) << 30)
#define IDT_INTERRUPT_GATE 0x8e
#define VECTOR_UD   6
#define IDT_ENTRIES 256

/* The 64-bit TSS: only rsp0 matters. No I/O bitmap (its offset is the limit): ring 3 gets no
 * ports (see user-mode.S). */
struct tss64
{
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t io_map_base;
} __attribute__ ((packed));

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

extern const uint64_t runtime_gdt[];
extern uint64_t runtime_page_tables[];
extern char runtime_user_kernel_stack_top[];
void runtime_user_enter (void (*fn) (void *), void *arg);
void runtime_user_ud (void);

static uint64_t user_gdt[USER_GDT_SIZE / 8] __attribute__ ((aligned (16)));
static struct tss64 user_tss __attribute__ ((aligned (16)));
static struct idt_gate user_idt[IDT_ENTRIES] __attribute__ ((aligned (16)));
static bool user_ready;

static void
user_setup (void)
{
  uint64_t tss = (uintptr_t) &user_tss;
  uintptr_t ud = (uintptr_t) runtime_user_ud;
  struct
  {
    uint16_t limit;
    uint64_t base;
  } __attribute__ ((packed)) gdtr = { USER_GDT_SIZE - 1, (uintptr_t) user_gdt }, idtr;
  size_t idt_bytes;

  memcpy (user_gdt, runtime_gdt, GDT_SIZE);
  /* Accessed bits preset, as in entry.S. */
  user_gdt[SEL_USER_DATA / 8] = 0x00cff3000000ffff;
  user_gdt[SEL_USER_CODE64 / 8] = 0x00affb000000ffff;
  user_gdt[SEL_TSS / 8] = (sizeof user_tss - 1) | (tss & 0xffffff) << 16
                          | UINT64_C (0x89) << 40 | (tss >> 24 & 0xff) << 56;
  user_gdt[SEL_TSS / 8 + 1] = tss >> 32;
  user_tss.rsp[0] = (uintptr_t) runtime_user_kernel_stack_top;
  user_tss.io_map_base = sizeof user_tss;
  __asm__ volatile ("lgdt %0" : : "m" (gdtr) : "memory");
  __asm__ volatile ("ltr %w0" : : "r" (SEL_TSS));

  __asm__ volatile ("sidt %0" : "=m" (idtr));
  idt_bytes = (size_t) idtr.limit + 1;
  if (idt_bytes > sizeof user_idt)
    idt_bytes = sizeof user_idt;
  memcpy (user_idt, (const void *) (uintptr_t) idtr.base, idt_bytes);
  user_idt[VECTOR_UD] = (struct idt_gate) { (uint16_t) ud, SEL_CODE64, 0, IDT_INTERRUPT_GATE,
                                            (uint16_t) (ud >> 16), (uint32_t) (ud >> 32), 0 };
  idtr.limit = sizeof user_idt - 1;
  idtr.base = (uintptr_t) user_idt;
  __asm__ volatile ("lidt %0" : : "m" (idtr) : "memory");

  guest_user_map ((uintptr_t) __image_start, (size_t) (__image_end - __image_start));
  user_ready = true;
}

void
guest_user_map (uintptr_t addr,
                size_t    size)
{
  uint64_t *pml4 = runtime_page_tables;
  uint64_t *pdpt = runtime_page_tables + 512;
  uint64_t *pd = runtime_page_tables + 1024;
  uint64_t first = addr / PAGE_2M;
  uint64_t end = ((uint64_t) addr + size + PAGE_2M - 1) / PAGE_2M;

  if (size == 0)
    return;
  if ((uint64_t) addr + size > 4 * GIB || (uint64_t) addr + size < addr)
    guest_panic ("guest_user_map: %#lx+%#zx is not below 4 GiB", (unsigned long) addr, size);
  pml4[0] |= PTE_USER;
  for (uint64_t gib = first / 512; gib <= (end - 1) / 512; gib++)
    pdpt[gib] |= PTE_USER;
  for (uint64_t page = first; page < end; page++)
    pd[page] = (pd[page] | PTE_USER) & ~(uint64_t) (PTE_PCD | PTE_PWT);
  __asm__ volatile ("mov %%cr3, %%rax; mov %%rax, %%cr3" : : : "rax", "memory");
}

void
guest_run_user (void  (*fn) (void *),
                void   *arg)
{
  if (!user_ready)
    user_setup ();
  runtime_user_enter (fn, arg);
}
