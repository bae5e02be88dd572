/* disk-boot.s
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A hard disk whose MBR proves the BIOS booted it: it names the drive it came from (%dl),
 * checks that INT 13h has the extensions (AH=41h) for that drive, reads sector 1 with AH=42h,
 * prints the line that sector holds (behind its mark "GHDB") and passes. Whatever the disk's
 * interface (IDE, virtio-blk), the BIOS's INT 13h is all it uses. */

        .set    SECTOR_1_ADDRESS, 0x7e00

        .code16
        .section .mbr, "ax"

        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x7c00, %sp
        ljmp    $0, $1f
1:      sti
        cld
        mov     %dl, boot_drive

        call    serial_init
        mov     $msg_booted, %si
        call    puts
        mov     boot_drive, %al
        call    put_hex8
        mov     $msg_crlf, %si
        call    puts

        /* Extensions present (BX=AA55h) with the packet interface (CX bit 0). */
        mov     $0x41, %ah
        mov     $0x55aa, %bx
        mov     boot_drive, %dl
        int     $0x13
        mov     $msg_no_extensions, %si
        jc      fail
        cmp     $0xaa55, %bx
        jne     fail
        test    $0x0001, %cx
        jz      fail

        mov     $0x42, %ah
        mov     boot_drive, %dl
        mov     $dap, %si
        int     $0x13
        mov     $msg_read_failed, %si
        jc      fail
        cmpl    $0x42444847, SECTOR_1_ADDRESS   /* "GHDB" */
        mov     $msg_no_mark, %si
        jne     fail

        mov     $SECTOR_1_ADDRESS + 4, %si
        call    puts
        mov     $GUEST_EXIT_PASS, %al
        jmp     guest_exit

/* %si: what failed. */
fail:
        push    %si
        mov     $msg_fail, %si
        call    puts
        pop     %si
        call    puts
        mov     $GUEST_EXIT_FAIL, %al
        jmp     guest_exit

        .include "bios-io.inc"

boot_drive:
        .byte   0

dap:
        .byte   16, 0
        .word   1                       /* sectors */
        .word   SECTOR_1_ADDRESS, 0     /* offset, segment */
        .quad   1                       /* LBA */

msg_booted:
        .asciz  "Guesthouse disk boot test: booted from drive 0x"
msg_crlf:
        .asciz  "\r\n"
msg_fail:
        .asciz  "Guesthouse disk boot test: FAIL: "
msg_no_extensions:
        .asciz  "no INT 13h extensions (AH=41h)\r\n"
msg_read_failed:
        .asciz  "reading sector 1 (AH=42h)\r\n"
msg_no_mark:
        .asciz  "sector 1 lacks its mark\r\n"

        .org    510
        .word   0xaa55

/* Sector 1. */
        .ascii  "GHDB"
        .asciz  "Guesthouse disk boot test: sector 1 read through INT 13h AH=42h\r\n"
        .org    1024
