/* ap-boot.S
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* How an application processor gets from its start-up IPI to C.
 *
 * A SIPI with vector V starts the AP in real mode at CS = V << 8, IP = 0, so the first
 * instructions must sit in a page below 1 MiB: smp_boot_aps() copies ap_trampoline_start ..
 * ap_trampoline_end to SMP_TRAMPOLINE_ADDR. That part is position-independent (CS-relative);
 * it only loads the runtime's GDT and jumps, in protected mode, into the image, which shares
 * the boot CPU's way into long mode and its page tables. Each AP then takes an index with an
 * atomic add and uses the stack of that index: no per-AP patching, so APs may start at once.
 */

#include "segments.h"

  .section .rodata.ap_trampoline, "a", @progbits
  .code16
  .globl ap_trampoline_start
ap_trampoline_start:
  /* The build machines' /dev/kvm emulates every ring-0 instruction: the way to long mode is
   * kept to a dozen of them, and the data segments are loaded only once, in 64-bit code. */
  cli
  /* The 32-bit operand size form, so the whole 32-bit base is loaded; CS-relative, as the
   * code runs wherever it was copied. */
  lgdtl %cs:(ap_trampoline_gdt_pointer - ap_trampoline_start)
  movl %cr0, %eax
  orl $1, %eax
  movl %eax, %cr0
  movl $ap_long_mode, %esi
  ljmpl $SEL_CODE32, $runtime_enter_long_mode

  .balign 8
ap_trampoline_gdt_pointer:
  .word GDT_SIZE - 1
  .long runtime_gdt
  .globl ap_trampoline_end
ap_trampoline_end:

  .text
  .code64
ap_long_mode:
  cld
  movl $SEL_DATA, %eax
  movl %eax, %ds
  movl %eax, %es
  movl %eax, %ss
  movl %eax, %fs
  movl %eax, %gs

  movl $1, %eax
  lock xaddl %eax, ap_next_index(%rip)
  /* More APs than stacks (a misbehaving VMM starting one twice): park the extras. They are
   * still visible to the boot CPU through ap_next_index. */
  cmpl $SMP_MAX_APS, %eax
  jae 1f

  movl %eax, %edi
  leal 1(%eax), %edx
  imull $SMP_AP_STACK_SIZE, %edx
  leaq ap_stacks(%rip), %rsp
  addq %rdx, %rsp
  call smp_ap_main
1:
  cli
  hlt
  jmp 1b

  .data
  .balign 4
  .globl ap_next_index
ap_next_index:
  .long 0

  .section .stack, "aw", @nobits
  .balign 16
ap_stacks:
  .skip SMP_MAX_APS * SMP_AP_STACK_SIZE

  .section .note.GNU-stack, "", @progbits
