/* kvm-vm.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* The VM file descriptor and what hangs off it. This folder is the only
 * place that includes <linux/kvm.h> or calls ioctl(); its functions return
 * 0 or -errno and leave the sentence to the caller. */

struct kvm_cpuid2;
struct kvm_irq_routing;

typedef enum
{
  /* PIC, IOAPIC, LAPICs and PIT all in the kernel: what firmware and old
   * guests need. */
  KVM_IRQCHIP_KERNEL,
  /* Only the LAPICs in the kernel; the IOAPIC is ours and there is no PIC
   * or PIT. Creating and destroying a VM costs about 1 ms instead of ~20 ms
   * on kernels where the full irqchip makes memory-slot changes wait for RCU
   * grace periods, and it is all a modern guest with MSI needs. */
  KVM_IRQCHIP_SPLIT,
} KvmIrqchipMode;

#define KVM_VM_IOAPIC_PINS 24
#define KVM_VM_LOG_DIRTY   1u   /* KVM_MEM_LOG_DIRTY_PAGES, for kvm_vm_set_memory_flags */
#define KVM_VM_READONLY    2u   /* KVM_MEM_READONLY: guest writes exit as MMIO (ROM) */

typedef struct
{
  int                     kvm_fd;
  int                     vm_fd;
  int                     vcpu_mmap_size;
  unsigned                max_vcpus;
  KvmIrqchipMode          irqchip;
  struct kvm_cpuid2      *supported_cpuid;
  pthread_mutex_t         routes_lock;
  struct kvm_irq_routing *routes;     /* KVM_IRQCHIP_SPLIT: one MSI route per IOAPIC pin */
  uint32_t                routes_enabled;
} KvmVm;

int  kvm_vm_open           (KvmVm          *vm,
                            KvmIrqchipMode  irqchip);
void kvm_vm_close          (KvmVm    *vm);
int  kvm_vm_set_memory     (KvmVm    *vm,
                            unsigned  slot,
                            uint64_t  gpa,
                            uint64_t  size,
                            void     *host);
int  kvm_vm_set_memory_flags (KvmVm   *vm,
                            unsigned  slot,
                            uint64_t  gpa,
                            uint64_t  size,
                            void     *host,
                            uint32_t  flags);
int  kvm_vm_get_dirty_log  (KvmVm    *vm,
                            unsigned  slot,
                            uint64_t *bitmap);
int  kvm_vm_irq_line       (KvmVm    *vm,
                            unsigned  gsi,
                            bool      level);
int  kvm_vm_set_pin_route  (KvmVm    *vm,
                            unsigned  pin,
                            uint64_t  msi_address,
                            uint32_t  msi_data,
                            bool      enabled);
int  kvm_vm_set_ioeventfd  (KvmVm    *vm,
                            uint64_t  mmio_address,
                            unsigned  len,
                            int       fd,
                            bool      assign);
int  kvm_vm_signal_msi     (KvmVm    *vm,
                            uint64_t  address,
                            uint32_t  data);
