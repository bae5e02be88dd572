/* cmos-rtc.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

#include "bus/io-bus.h"
#include "bus/irq.h"

/* The PC's MC146818-style real-time clock and its 128 bytes of CMOS RAM:
 * port 0x70 selects a register (bit 7 is the NMI mask and is not part of the
 * index), port 0x71 reads or writes it. Register it at CMOS_RTC_BASE for
 * CMOS_RTC_LEN bytes with cmos_rtc_ops; a 16-bit write at 0x70 reaches both
 * ports, low byte first, as on the ISA bus.
 *
 * The time registers follow the host's UTC clock (CLOCK_REALTIME) plus an
 * offset the guest sets by writing them. Update-ended and alarm interrupts
 * (and the UF/AF flags a guest can poll in register C) are supported; the
 * periodic interrupt and PF are not. The device owns no timer: the VMM's event
 * loop asks cmos_rtc_next_deadline() when it should call cmos_rtc_run_timer(),
 * and learns through the deadline notification that a guest turned those
 * interrupts on. */

#define CMOS_RTC_BASE  0x70
#define CMOS_RTC_LEN   2
#define CMOS_RTC_IRQ   8
#define CMOS_RTC_SIZE  128

typedef struct CmosRtc CmosRtc;

extern const IoBusOps cmos_rtc_ops;

/* irq is copied and may be NULL. ram_below_4g and ram_above_4g are the bytes
 * of guest RAM under the 32-bit hole and from 4 GiB up; they fill the memory
 * size bytes PC firmware reads (SeaBIOS among them), and n_cpus fills 0x5f.
 * Returns NULL when out of memory. */
CmosRtc *cmos_rtc_new                 (const IrqLine  *irq,
                                       uint64_t        ram_below_4g,
                                       uint64_t        ram_above_4g,
                                       unsigned        n_cpus);
void     cmos_rtc_free                (CmosRtc        *rtc);

/* Machine reset: interrupt enables and flags cleared, the IRQ lowered. CMOS
 * RAM and the time offset survive, as they do on battery power. */
void     cmos_rtc_reset               (CmosRtc        *rtc);

/* Seeds one CMOS byte before the guest starts (boot order, equipment byte).
 * Indexes are taken modulo 128; the clock and status registers are not RAM
 * and ignore it. */
void     cmos_rtc_set_byte            (CmosRtc        *rtc,
                                       uint8_t         index,
                                       uint8_t         value);

/* Replaces the host clock (nanoseconds since the Unix epoch, UTC), for tests
 * or a VMM that keeps virtual time. Call it before the device is in use. */
void     cmos_rtc_set_clock           (CmosRtc        *rtc,
                                       int64_t       (*now_ns) (void *opaque),
                                       void           *opaque);

/* The host-clock time (ns since the epoch, same clock as above) at which
 * cmos_rtc_run_timer() should next run, or -1 while no interrupt needs it.
 * With timerfd, this is an absolute CLOCK_REALTIME expiry. Running the timer
 * early, late or spuriously is harmless: it looks at the clock itself. */
int64_t  cmos_rtc_next_deadline       (CmosRtc        *rtc);
void     cmos_rtc_run_timer           (CmosRtc        *rtc);

/* Called, outside the device lock, when the guest's register writes made a
 * deadline appear where there was none, so the loop re-reads it. */
void     cmos_rtc_set_deadline_notify (CmosRtc        *rtc,
                                       void          (*notify) (void *opaque),
                                       void           *opaque);
