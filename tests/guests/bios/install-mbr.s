/* install-mbr.s
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The MBR the install CD writes to sector 0 of the hard disk. The installer tells it how
 * many sectors the system has (the word at offset 2); it loads them from sector 1 on to
 * 0000:8000 with INT 13h AH=42h from the drive the BIOS booted (%dl), checks that the
 * system's last four bytes are its end mark (so that every sector arrived), and jumps to it
 * with %dl unchanged. Silent unless something fails. */

        .set    PAYLOAD_ADDRESS, 0x8000
        .set    MAX_PAYLOAD_SECTORS, 63

        .code16
        .section .mbr, "ax"

        jmp     main
/* Offset 2: filled in by the installer. */
payload_sectors:
        .word   0

main:
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

        mov     payload_sectors, %ax
        test    %ax, %ax
        jz      bad_count
        cmp     $MAX_PAYLOAD_SECTORS, %ax
        ja      bad_count
        mov     %ax, dap_count
        mov     $0x42, %ah
        mov     $dap, %si
        int     $0x13
        jc      read_failed

        /* The end mark: the last 4 bytes of the last sector. */
        mov     payload_sectors, %bx
        shl     $9, %bx
        cmpl    $0x4c504847, PAYLOAD_ADDRESS - 4(%bx)   /* "GHPL" */
        jne     no_end_mark

        mov     boot_drive, %dl
        ljmp    $0, $PAYLOAD_ADDRESS

bad_count:
        mov     $msg_bad_count, %si
        jmp     fail
read_failed:
        mov     $msg_read_failed, %si
        jmp     fail
no_end_mark:
        mov     $msg_no_end_mark, %si
fail:
        call    serial_init
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
dap_count:
        .word   0
        .word   PAYLOAD_ADDRESS, 0      /* offset, segment */
        .quad   1                       /* from sector 1 */

msg_fail:
        .asciz  "Guesthouse install test: FAIL: the MBR "
msg_bad_count:
        .asciz  "has no valid system size\r\n"
msg_read_failed:
        .asciz  "could not read the system\r\n"
msg_no_end_mark:
        .asciz  "read a system without its end mark\r\n"

        /* The partition table stays empty: nothing but this MBR reads the disk. */
        .org    510
        .word   0xaa55
