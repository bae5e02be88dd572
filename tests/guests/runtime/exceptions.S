/* exceptions.S
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One entry point per CPU exception (vectors 0-31). Without them any fault would triple-fault
 * and the VMM would just stop; with them the guest says what went wrong and where. Each entry
 * point makes the stack look the same (a zero pushed where the CPU pushes no error code) and
 * adds its vector, then runtime_exception() reports and exits. */

#include "segments.h"

#define IDT_INTERRUPT_GATE 0x8e                /* present, DPL 0, 64-bit interrupt gate */
#define ENTRY_SIZE 16

  .text
  .code64

  .balign ENTRY_SIZE
  .globl runtime_exception_entry_base
runtime_exception_entry_base:
  .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  /* Where the IDT expects it: the assembler fails if the previous entry point ran past. */
  .org runtime_exception_entry_base + \vec * ENTRY_SIZE
exception_entry_\vec:
  /* Vectors for which the CPU pushes an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP,
   * #VC, #SX. */
  .if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21)
  .elseif (\vec == 29) || (\vec == 30)
  .else
  pushq $0
  .endif
  pushq $\vec
  jmp exception_common
  .endr

exception_common:
  movq %rsp, %rdi
  andq $-16, %rsp
  call runtime_exception
1:
  cli
  hlt
  jmp 1b

/* The IDT, complete in the image: building it at boot costs about half a millisecond on the
 * build machines' /dev/kvm, where every ring-0 instruction is emulated. A gate splits the
 * handler's address into 16, 16 and 32 bits, which no relocation does; guest.ld supplies the
 * pieces of the entry points' base address (runtime_exception_entry_low and _mid: the entry
 * points lie in one 64 KiB block below 4 GiB, which it checks), and they are ENTRY_SIZE
 * apart. */
  .section .rodata
  .balign 16
runtime_idt:
  /* Nothing else refers to the entry points: keep --gc-sections from dropping them. */
  .reloc ., R_X86_64_NONE, runtime_exception_entry_base
  .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  .word runtime_exception_entry_low + \vec * ENTRY_SIZE   /* offset 15:0 */
  .word SEL_CODE64
  .byte 0                                               /* IST */
  .byte IDT_INTERRUPT_GATE
  .word runtime_exception_entry_mid                      /* offset 31:16 */
  .long 0                                               /* offset 63:32 */
  .long 0
  .endr
runtime_idt_end:

  .balign 8
  .globl runtime_idt_pointer
runtime_idt_pointer:
  .word runtime_idt_end - runtime_idt - 1
  .quad runtime_idt

  .section .note.GNU-stack, "", @progbits
