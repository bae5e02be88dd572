/* install-payload.s
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The installed system: what the install CD puts on the hard disk from sector 1 on and the
 * MBR loads to 0000:8000. Booted, it says so on the screen and COM1, naming the drive it came
 * from, and passes. It is padded to 16 sectors ending in the end mark "GHPL" so that the
 * install and the boot each move more than a sector. */

        .set    PAYLOAD_SIZE, 16 * 512

        .code16
        .section .payload, "ax"

        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x7c00, %sp
        sti
        cld
        mov     %dl, %bl

        call    serial_init
        mov     $msg_installed, %si
        call    puts
        mov     %bl, %al
        call    put_hex8
        mov     $msg_crlf, %si
        call    puts
        mov     $GUEST_EXIT_PASS, %al
        jmp     guest_exit

        .include "bios-io.inc"

msg_installed:
        .asciz  "Guesthouse install test: installed system booted from drive 0x"
msg_crlf:
        .asciz  "\r\n"

        .org    PAYLOAD_SIZE - 4
        .ascii  "GHPL"
