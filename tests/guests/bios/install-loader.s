/* install-loader.s
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The install CD's El Torito boot program ("no emulation"): an installer in miniature, with
 * nothing but BIOS services.
 *
 * The boot file on the CD is this loader (one 2048-byte CD sector, the only part the BIOS
 * loads: -boot-load-size 4) followed by the install data: an MBR (install-mbr.s) and the
 * installed system (install-payload.s), in 512-byte sectors (install.ld lays them out).
 * xorriso's -boot-info-table writes the boot file's own LBA and length into bytes 8-63, so
 * the loader finds the install data behind itself on the CD without any file system code.
 *
 * It says where it booted from, reads the install data from the CD (INT 13h AH=42h on the
 * drive the BIOS handed over in %dl), writes the system to the first hard disk (0x80) from
 * sector 1 on and the MBR, told how many sectors to load, to sector 0 last (AH=43h), reads it
 * all back to compare, and then waits with its lines on the screen until a byte arrives on
 * COM1 or a key is pressed: the test takes its screendump then. Last it powers the machine
 * off through APM (INT 15h AX=5301h, 530Eh, 5307h). Each failure is a line on screen and
 * serial and GUEST_EXIT_FAIL; a power-off that returns is INSTALL_EXIT_POWER_OFF_RETURNED. */

        .set    INSTALL_EXIT_POWER_OFF_RETURNED, 0x12

        .set    LOADER_SIZE, 2048
        .set    CD_SECTOR, 2048
        .set    DISK_SECTOR, 512
        .set    HARD_DISK, 0x80
        .set    BDA_HARD_DISK_COUNT, 0x475
        /* The install data, read from the CD, and the disk read back for the comparison:
         * each within one 64 KiB segment, as INT 13h buffers must be. */
        .set    DATA_SEGMENT, 0x1000
        .set    READBACK_SEGMENT, 0x2000
        /* MBR plus at most 63 sectors of system, so that the install data (rounded up to
         * whole CD sectors) and the read-back stay below 64 KiB and the MBR's load of the
         * system (at 0x8000) below the end of segment 0. */
        .set    MAX_DATA_SECTORS, 64
        /* Where the MBR keeps the number of system sectors it loads (install-mbr.s). */
        .set    MBR_PAYLOAD_SECTORS, 2

        .code16
        .section .loader, "ax"

        jmp     main

        .org    8
/* The El Torito boot information table, filled in by xorriso -boot-info-table. */
boot_info_pvd_lba:
        .long   0
boot_info_file_lba:
        .long   0
boot_info_file_length:
        .long   0
boot_info_checksum:
        .long   0
        .fill   40, 1, 0

        .org    64
main:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x7c00, %sp
        /* Some BIOSes enter at 07C0:0000, SeaBIOS at 0000:7C00: one CS for the labels. */
        ljmp    $0, $1f
1:      sti
        cld
        mov     %dl, cd_drive

        call    serial_init
        mov     $msg_booting, %si
        call    puts
        mov     cd_drive, %al
        call    put_hex8
        mov     $msg_crlf, %si
        call    puts

        /* What follows the loader in the boot file, in disk sectors: the MBR and the system. */
        mov     boot_info_file_length, %eax
        sub     $LOADER_SIZE, %eax
        jb      bad_boot_info
        test    $(DISK_SECTOR - 1), %eax
        jnz     bad_boot_info
        shr     $9, %eax
        cmp     $2, %eax
        jb      bad_boot_info
        cmp     $MAX_DATA_SECTORS, %eax
        ja      bad_boot_info
        mov     %ax, data_sectors

        /* Whole CD sectors from the one after the loader's. */
        add     $3, %ax
        shr     $2, %ax
        mov     %ax, dap_count
        movw    $0, dap_offset
        movw    $DATA_SEGMENT, dap_segment
        mov     boot_info_file_lba, %eax
        inc     %eax
        mov     %eax, dap_lba
        movl    $0, dap_lba + 4
        mov     $0x42, %ah
        mov     cd_drive, %dl
        mov     $dap, %si
        int     $0x13
        mov     $msg_cd_read_failed, %si
        jc      fail_status

        /* The MBR must carry the boot signature, as the BIOS will check. */
        mov     $DATA_SEGMENT, %ax
        mov     %ax, %es
        cmpw    $0xaa55, %es:510
        mov     $msg_no_signature, %si
        jne     fail

        mov     $msg_read, %si
        call    puts
        mov     data_sectors, %al
        call    put_hex8
        mov     $msg_read_tail, %si
        call    puts

        /* A PC installer writes to the first hard disk: there must be one. */
        cmpb    $0, BDA_HARD_DISK_COUNT
        mov     $msg_no_hard_disk, %si
        je      fail

        /* The system first, from sector 1 on... */
        mov     $DATA_SEGMENT, %ax
        mov     %ax, %es
        mov     data_sectors, %ax
        dec     %ax
        mov     %ax, %es:MBR_PAYLOAD_SECTORS
        mov     %ax, dap_count
        movw    $DISK_SECTOR, dap_offset
        movl    $1, dap_lba
        movl    $0, dap_lba + 4
        mov     $0x4300, %ax            /* AL=0: write without verify */
        mov     $HARD_DISK, %dl
        mov     $dap, %si
        int     $0x13
        mov     $msg_write_failed, %si
        jc      fail_status

        /* ...then the MBR that loads it, so that the disk never boots half a system. */
        movw    $1, dap_count
        movw    $0, dap_offset
        movl    $0, dap_lba
        mov     $0x4300, %ax
        mov     $HARD_DISK, %dl
        mov     $dap, %si
        int     $0x13
        mov     $msg_write_failed, %si
        jc      fail_status

        /* Read it all back and compare. */
        mov     data_sectors, %ax
        mov     %ax, dap_count
        movw    $0, dap_offset
        movw    $READBACK_SEGMENT, dap_segment
        movl    $0, dap_lba
        mov     $0x42, %ah
        mov     $HARD_DISK, %dl
        mov     $dap, %si
        int     $0x13
        mov     $msg_readback_failed, %si
        jc      fail_status
        mov     data_sectors, %cx
        shl     $8, %cx                 /* words */
        mov     $DATA_SEGMENT, %ax
        mov     %ax, %ds
        mov     $READBACK_SEGMENT, %ax
        mov     %ax, %es
        xor     %si, %si
        xor     %di, %di
        repe cmpsw
        mov     $0, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     $msg_readback_differs, %si
        jne     fail

        mov     $msg_installed, %si
        call    puts
        mov     data_sectors, %al
        call    put_hex8
        mov     $msg_installed_tail, %si
        call    puts

        /* The lines stay on the screen until someone has looked. Halting between polls
         * wakes up on the BIOS timer tick (18.2 Hz) or the keyboard. */
        mov     $msg_waiting, %si
        call    puts
wait_for_go:
        mov     $0x03, %ah              /* COM1 status: %ah = line status */
        xor     %dx, %dx
        int     $0x14
        test    $0x01, %ah              /* data ready */
        jnz     serial_byte
        mov     $0x01, %ah              /* ZF clear: a key is waiting */
        int     $0x16
        jnz     key_pressed
        hlt
        jmp     wait_for_go
serial_byte:
        mov     $0x02, %ah
        xor     %dx, %dx
        int     $0x14
        jmp     power_off
key_pressed:
        xor     %ah, %ah
        int     $0x16

power_off:
        mov     $msg_power_off, %si
        call    puts
        /* Installation check: %bx = "PM". */
        mov     $0x5300, %ax
        xor     %bx, %bx
        int     $0x15
        mov     $msg_no_apm, %si
        jc      fail_status
        cmp     $0x504d, %bx
        jne     fail
        /* Connect the real-mode interface; "already connected" (AH=02h) is as good. */
        mov     $0x5301, %ax
        xor     %bx, %bx
        int     $0x15
        jnc     1f
        cmp     $0x02, %ah
        mov     $msg_apm_connect_failed, %si
        jne     fail_status
1:      /* We speak APM 1.2. */
        mov     $0x530e, %ax
        xor     %bx, %bx
        mov     $0x0102, %cx
        int     $0x15
        mov     $msg_apm_version_failed, %si
        jc      fail_status
        /* All devices (BX=0001h) off (CX=0003h). */
        mov     $0x5307, %ax
        mov     $0x0001, %bx
        mov     $0x0003, %cx
        int     $0x15
        push    %ax
        mov     $msg_power_off_returned, %si
        call    puts
        pop     %ax
        mov     %ah, %al
        call    put_hex8
        mov     $msg_status_tail, %si
        call    puts
        mov     $INSTALL_EXIT_POWER_OFF_RETURNED, %al
        jmp     guest_exit

bad_boot_info:
        mov     $msg_bad_boot_info, %si
        call    puts
        mov     boot_info_file_length + 3, %al
        call    put_hex8
        mov     boot_info_file_length + 2, %al
        call    put_hex8
        mov     boot_info_file_length + 1, %al
        call    put_hex8
        mov     boot_info_file_length, %al
        call    put_hex8
        mov     $msg_bad_boot_info_tail, %si
        call    puts
        mov     $GUEST_EXIT_FAIL, %al
        jmp     guest_exit

/* %si: what failed; %ah: the BIOS status. */
fail_status:
        push    %ax
        push    %si
        mov     $msg_fail, %si
        call    puts
        pop     %si
        call    puts
        mov     $msg_status, %si
        call    puts
        pop     %ax
        mov     %ah, %al
        call    put_hex8
        mov     $msg_status_tail, %si
        call    puts
        mov     $GUEST_EXIT_FAIL, %al
        jmp     guest_exit

/* %si: what failed. */
fail:
        push    %si
        mov     $msg_fail, %si
        call    puts
        pop     %si
        call    puts
        mov     $msg_crlf, %si
        call    puts
        mov     $GUEST_EXIT_FAIL, %al
        jmp     guest_exit

        .include "bios-io.inc"

cd_drive:
        .byte   0
data_sectors:
        .word   0

/* The INT 13h extensions' disk address packet. */
dap:
        .byte   16, 0
dap_count:
        .word   0
dap_offset:
        .word   0
dap_segment:
        .word   0
dap_lba:
        .quad   0

msg_booting:
        .asciz  "Guesthouse install test: booting from CD, drive 0x"
msg_read:
        .asciz  "Guesthouse install test: read 0x"
msg_read_tail:
        .asciz  " sectors of install data from the CD\r\n"
msg_installed:
        .asciz  "Guesthouse install test: installed to disk, 0x"
msg_installed_tail:
        .asciz  " sectors on drive 0x80\r\n"
msg_waiting:
        .asciz  "Guesthouse install test: press a key or send a byte on COM1 to power off\r\n"
msg_power_off:
        .asciz  "Guesthouse install test: powering off through APM\r\n"
msg_power_off_returned:
        .asciz  "Guesthouse install test: FAIL: APM power-off returned (status 0x"
msg_fail:
        .asciz  "Guesthouse install test: FAIL: "
msg_status:
        .asciz  " (status 0x"
msg_status_tail:
        .asciz  ")\r\n"
msg_crlf:
        .asciz  "\r\n"
msg_bad_boot_info:
        .ascii  "Guesthouse install test: FAIL: "
        .asciz  "no install data after the loader (boot file length 0x"
msg_bad_boot_info_tail:
        .asciz  "; made without -boot-info-table?)\r\n"
msg_cd_read_failed:
        .asciz  "reading the install data from the CD"
msg_no_signature:
        .asciz  "the MBR in the install data has no 0x55AA signature"
msg_no_hard_disk:
        .asciz  "the BIOS reports no hard disk"
msg_write_failed:
        .asciz  "writing to drive 0x80"
msg_readback_failed:
        .asciz  "reading back drive 0x80"
msg_readback_differs:
        .asciz  "drive 0x80 reads back other data than was written"
msg_no_apm:
        .asciz  "no APM BIOS"
msg_apm_connect_failed:
        .asciz  "APM real-mode connect"
msg_apm_version_failed:
        .asciz  "APM driver version 1.2"

        .org    LOADER_SIZE
