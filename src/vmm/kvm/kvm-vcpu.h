/* kvm-vcpu.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/kernel-boot.h"
#include "bus/io-bus.h"
#include "kvm-vm.h"

struct kvm_run;

typedef enum
{
  KVM_VCPU_EXIT_CONTINUE,        /* handled (I/O, MMIO); run again */
  KVM_VCPU_EXIT_INTERRUPTED,     /* kicked by another thread */
  KVM_VCPU_EXIT_SHUTDOWN,        /* triple fault */
  KVM_VCPU_EXIT_INTERNAL_ERROR,  /* KVM could not emulate an instruction */
  KVM_VCPU_EXIT_FAIL_ENTRY,      /* the hardware refused the guest state */
  KVM_VCPU_EXIT_SYSTEM_RESET,
  KVM_VCPU_EXIT_SYSTEM_OFF,
  KVM_VCPU_EXIT_UNEXPECTED,
} KvmVcpuExit;

typedef void (*KvmUnknownAccessFunc) (void     *opaque,
                                      bool      is_mmio,
                                      bool      is_write,
                                      uint64_t  addr,
                                      unsigned  size);

typedef void (*KvmIoapicEoiFunc) (void    *opaque,
                                  uint8_t  vector);

/* What the run loop hands back to the VMM while it handles an exit. */
typedef struct
{
  KvmUnknownAccessFunc unknown_access;
  KvmIoapicEoiFunc     ioapic_eoi;
  void                *opaque;
} KvmVcpuHooks;

typedef struct
{
  int                  fd;
  unsigned             id;
  struct kvm_run      *run;
  size_t               run_size;
  pthread_t            thread;
  IoBus               *pio_bus;
  IoBus               *mmio_bus;
  KvmVcpuHooks         hooks;
} KvmVcpu;

int         kvm_vcpu_create          (KvmVm              *vm,
                                      unsigned            id,
                                      unsigned            n_vcpus,
                                      KvmVcpu            *vcpu);
void        kvm_vcpu_destroy         (KvmVcpu            *vcpu);
int         kvm_vcpu_set_boot_state  (KvmVcpu            *vcpu,
                                      const BootCpuState *state);
/* Drops an INIT latched while the vCPU was not running (say, the firmware's
 * broadcast to all processors at boot, when this one was not plugged in),
 * so that when it joins it waits for the guest's own INIT-SIPI-SIPI. Best
 * effort: 0 or -errno. Call it while the vCPU's thread is parked. */
int         kvm_vcpu_forget_startup  (KvmVcpu            *vcpu);
KvmVcpuExit kvm_vcpu_run             (KvmVcpu            *vcpu);
void        kvm_vcpu_request_exit    (KvmVcpu            *vcpu);
void        kvm_vcpu_describe        (KvmVcpu            *vcpu,
                                      KvmVcpuExit         why,
                                      char               *buf,
                                      size_t              size);
void        kvm_vcpu_install_kick_handler (void);
