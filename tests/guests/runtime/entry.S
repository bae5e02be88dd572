/* entry.S
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* PVH entry: from 32-bit protected mode with paging off to long mode and C.
 *
 * The PVH ABI hands over CS, DS, ES and SS as flat segments but no stack, no usable GDT
 * (the selector values are unspecified) and %ebx = physical address of hvm_start_info.
 * Nothing here may touch the stack or reload a segment register before our own GDT is loaded.
 *
 * On the build machines' /dev/kvm (kvm_pvm, software nested virtualization) every instruction
 * the guest runs in ring 0 is emulated, with paging on or off, at 0.5-0.8 us each: filling the
 * 2048 page-directory entries in a loop cost 9 ms there, clearing 45 KiB with `rep stosb`
 * 15 ms. So the way to C is kept to a few dozen instructions: the page tables are data in the
 * image (the loader copies them, at no cost to the guest), and only the part of .bss that
 * must be zero is cleared (stacks need not be: guest.ld puts them after it).
 */

#include "segments.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define CR0_PE    0x00000001
#define CR0_PG    0x80000000
#define CR4_PAE   0x00000020
#define MSR_EFER  0xc0000080
#define EFER_LME  0x00000100

#define PTE_PRESENT 0x001
#define PTE_WRITE   0x002
#define PTE_PWT     0x008
#define PTE_PCD     0x010
#define PTE_LARGE   0x080

#define BOOT_STACK_SIZE 16384

/* The note that makes loaders (QEMU's -kernel, our VMM) take the 32-bit entry below. The
 * descriptor is 8 bytes with a zero upper half: Xen reads 4 or 8 bytes by n_descsz, QEMU always
 * reads 8 (a size_t), so 8 is right for both. 4-byte alignment keeps the name padding the
 * same whether a reader aligns by 4 (the common practice) or by the segment's p_align. */
  .section .note.pvh, "a", @note
  .balign 4
  .long 2f - 1f                          /* n_namesz */
  .long 4f - 3f                          /* n_descsz */
  .long XEN_ELFNOTE_PHYS32_ENTRY         /* n_type */
1:
  .asciz "Xen"
2:
  .balign 4
3:
  .quad pvh_start32
4:
  .balign 4

  .section .text.entry, "ax", @progbits
  .code32
  .globl pvh_start32
  .type pvh_start32, @function
pvh_start32:
  cli
  lgdt runtime_gdt_pointer
  /* %ebx, the start info, stays in its register until runtime_start(). */
  movl $boot_long_mode, %esi
  jmp runtime_enter_long_mode

/* Enter long mode on runtime_page_tables, then jump to %esi in 64-bit code. Shared with the
 * APs, which come here from ap-boot.S with our GDT loaded, no stack and data segments from
 * real mode: nothing here touches memory. */
  .globl runtime_enter_long_mode
  .type runtime_enter_long_mode, @function
runtime_enter_long_mode:
  movl $runtime_page_tables, %eax
  movl %eax, %cr3

  movl %cr4, %eax
  orl $CR4_PAE, %eax
  movl %eax, %cr4

  movl $MSR_EFER, %ecx
  rdmsr
  orl $EFER_LME, %eax
  wrmsr

  movl %cr0, %eax
  orl $(CR0_PG + CR0_PE), %eax
  movl %eax, %cr0

  ljmp $SEL_CODE64, $1f
  .code64
1:
  /* Upper halves of registers are undefined after the mode switch; a 32-bit move clears it. */
  movl %esi, %esi
  jmp *%rsi

boot_long_mode:
  cld
  movl $SEL_DATA, %eax
  movl %eax, %ds
  movl %eax, %es
  movl %eax, %ss
  movl %eax, %fs
  movl %eax, %gs

  /* Loaders zero the part of the segment past the file contents, but the VMM under test is
   * one of those loaders: do not depend on it. Both ends are 8-byte aligned (guest.ld). */
  movl $__bss_start, %edi
  movl $__bss_end, %ecx
  subl %edi, %ecx
  shrl $3, %ecx
  xorl %eax, %eax
  rep stosq

  movl $boot_stack_top, %esp
  movl %ebx, %edi
  call runtime_start
2:
  cli
  hlt
  jmp 2b

  .data
  .balign 8
  .globl runtime_gdt
runtime_gdt:
  .quad 0
  /* Accessed bits preset, so the CPU never writes back into the table. */
  .quad 0x00cf9b000000ffff               /* SEL_CODE32: base 0, 4 GiB, 32-bit */
  .quad 0x00cf93000000ffff               /* SEL_DATA: base 0, 4 GiB, writable */
  .quad 0x00af9b000000ffff               /* SEL_CODE64: long mode */
runtime_gdt_end:
  .if runtime_gdt_end - runtime_gdt != GDT_SIZE
  .error "GDT_SIZE in segments.h is out of date"
  .endif

  .balign 8
  .globl runtime_gdt_pointer
runtime_gdt_pointer:
  .word GDT_SIZE - 1
  .long runtime_gdt

/* The identity map of the first 4 GiB with 2 MiB pages, built by the assembler: PML4[0] ->
 * PDPT, PDPT[0..3] -> four page directories of 512 entries each. 24 KiB of the image, placed
 * by guest.ld at its start, which is page-aligned: aligning the section itself would
 * page-align the segment in the file and pad every image. The CPU sets accessed and dirty
 * bits in it as it goes; nothing else writes to it. */
  .section .page_tables, "aw", @progbits
  .globl runtime_page_tables
runtime_page_tables:
  .quad runtime_page_tables + 4096 + PTE_PRESENT + PTE_WRITE     /* PML4[0] -> PDPT */
  .fill 511, 8, 0
  .quad runtime_page_tables + 2 * 4096 + PTE_PRESENT + PTE_WRITE /* PDPT[0..3] -> PDs */
  .quad runtime_page_tables + 3 * 4096 + PTE_PRESENT + PTE_WRITE
  .quad runtime_page_tables + 4 * 4096 + PTE_PRESENT + PTE_WRITE
  .quad runtime_page_tables + 5 * 4096 + PTE_PRESENT + PTE_WRITE
  .fill 508, 8, 0
  .set page, 0
  .rept 2048
  /* The top GiB holds the LAPIC, the IOAPIC and PCI BARs: map it uncached so that no write to
   * a device register lingers in a cache, as real hardware would require. */
  .if page < 3 * 512
  .quad (page << 21) + PTE_PRESENT + PTE_WRITE + PTE_LARGE
  .else
  .quad (page << 21) + PTE_PRESENT + PTE_WRITE + PTE_LARGE + PTE_PCD + PTE_PWT
  .endif
  .set page, page + 1
  .endr
runtime_page_tables_end:
  .if runtime_page_tables_end - runtime_page_tables != 6 * 4096
  .error "the page tables are not six pages"
  .endif

/* Stacks need no clearing: guest.ld puts them past .bss. */
  .section .stack, "aw", @nobits
  .balign 16
boot_stack:
  .skip BOOT_STACK_SIZE
boot_stack_top:

  .section .note.GNU-stack, "", @progbits
