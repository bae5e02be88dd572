/* segments.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Layout of the runtime's own GDT, shared by the assembly (boot CPU and AP entry paths) and C
 * (the IDT's code selector). Only numbers here, so that both languages can include it. */

#pragma once

#define SEL_CODE32 0x08
#define SEL_DATA   0x10
#define SEL_CODE64 0x18
#define GDT_SIZE   32

/* Where application processors start: the SIPI vector is this address's page number, and the
 * page must be in the first MiB because APs begin in real mode. 0x8000 is conventional RAM on
 * every PC memory map and clear of the real-mode IVT, BDA and EBDA. */
#define SMP_TRAMPOLINE_ADDR 0x8000

#define SMP_MAX_APS      63
#define SMP_AP_STACK_SIZE 4096

/* The GDT guest_run_user() loads (user-mode.c): the entries above, then these. */
#define SEL_USER_DATA   0x20
#define SEL_USER_CODE64 0x28
#define SEL_TSS         0x30
#define USER_GDT_SIZE   0x40
