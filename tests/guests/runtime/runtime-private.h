/* runtime-private.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Between the runtime's assembly and C; guests do not use these. */

#pragma once

#include "guest.h"

struct exception_frame
{
  uint64_t vector;
  uint64_t error_code;
  uint64_t rip;
  uint64_t cs;
  uint64_t rflags;
  uint64_t rsp;
  uint64_t ss;
};

/* Called from entry.S on the boot CPU, in long mode on the boot stack. */
void runtime_start (uint32_t start_info_paddr) GUEST_NORETURN;
/* Called from exceptions.S. */
void runtime_exception (const struct exception_frame *frame) GUEST_NORETURN;
/* Called from ap-boot.S on each AP, on its own stack. */
void smp_ap_main (unsigned int index) GUEST_NORETURN;
/* Loads the exception IDT on the calling CPU. */
void runtime_load_idt (void);

/* The IDT (exceptions.S): vectors 0-31, each reported by runtime_exception(). */
struct idt_pointer
{
  uint16_t limit;
  uint64_t base;
} __attribute__ ((packed));

extern const struct idt_pointer runtime_idt_pointer;
extern const char ap_trampoline_start[];
extern const char ap_trampoline_end[];

/* How many APs have entered long mode (ap-boot.S): each takes the next value as its index. */
extern uint32_t ap_next_index;
