/* user-mode.S
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The switch to ring 3 and back for guest_run_user() (user-mode.c sets up the GDT, the TSS
 * and the IDT first). The way in is an iretq. The way back is the #UD of the `ud2` that ends
 * the trampoline once the user function has returned: runtime_user_ud, the IDT's #UD gate,
 * recognizes that address and switches to the stack saved on the way in; any other #UD goes
 * to the runtime's exception entry point. Neither syscall nor a software interrupt works on the
 * build machines' /dev/kvm (kvm_pvm): a syscall from ring 3 left the CPU at CPL 3, and
 * `int $n` raised #UD. */

#include "segments.h"

#define USER_STACK_SIZE   16384
#define KERNEL_STACK_SIZE 4096
/* Interrupts off and IOPL 0: ring 3 may not use the ports. IOPL 3 would let it on QEMU, but
 * kvm_pvm raises #GP on port I/O from ring 3 whatever the IOPL; a guest had better fail alike
 * on both. */
#define USER_RFLAGS       0x0002
#define VECTOR_UD         6
#define ENTRY_SIZE         16             /* as in exceptions.S */

  .text
  .code64

/* runtime_user_enter (fn, arg): returns when fn (arg) has returned in ring 3. */
  .globl runtime_user_enter
  .type runtime_user_enter, @function
runtime_user_enter:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, user_kernel_rsp(%rip)

  pushq $(SEL_USER_DATA | 3)
  leaq user_stack_top(%rip), %rax
  pushq %rax
  pushq $USER_RFLAGS
  pushq $(SEL_USER_CODE64 | 3)
  leaq user_trampoline(%rip), %rax
  pushq %rax
  iretq

/* Ring 3. The stack is 16-byte aligned here, so it is as the ABI wants it at fn's entry. */
user_trampoline:
  movq %rdi, %rax
  movq %rsi, %rdi
  call *%rax
user_return_point:
  ud2

/* #UD, in ring 0 on the TSS's stack with the exception frame, whose first word is the
 * faulting %rip. For the way back the frame is dropped: the exception left SS null and the
 * iretq DS and ES, and the runtime's come back. */
  .globl runtime_user_ud
  .type runtime_user_ud, @function
runtime_user_ud:
  pushq %rax
  leaq user_return_point(%rip), %rax
  cmpq %rax, 8(%rsp)
  popq %rax
  jne runtime_exception_entry_base + VECTOR_UD * ENTRY_SIZE
  movq user_kernel_rsp(%rip), %rsp
  movl $SEL_DATA, %eax
  movl %eax, %ss
  movl %eax, %ds
  movl %eax, %es
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret

  .bss
  .balign 8
user_kernel_rsp:
  .quad 0

/* Stacks need no clearing (see entry.S). The kernel stack is the TSS's: for the way back and
 * for an exception in ring 3, which the exception entry points then report. */
  .section .stack, "aw", @nobits
  .balign 16
user_stack:
  .skip USER_STACK_SIZE
user_stack_top:
  .balign 16
  .skip KERNEL_STACK_SIZE
  .globl runtime_user_kernel_stack_top
runtime_user_kernel_stack_top:

  .section .note.GNU-stack, "", @progbits
