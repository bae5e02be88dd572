/* kvm-vm.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm-vm.h"

/* Intel VMX needs a TSS and an identity-map page for real mode; both live in
 * the 32-bit hole just below the firmware, where no RAM or device is. */
#define KVM_TSS_ADDR          0xfffbd000ull
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ull
#define KVM_CPUID_MAX_ENTRIES 256

static int
kvm_vm_get_supported_cpuid (KvmVm *vm)
{
  struct kvm_cpuid2 *cpuid;

  cpuid = calloc (1, sizeof *cpuid + KVM_CPUID_MAX_ENTRIES * sizeof cpuid->entries[0]);
  if (cpuid == NULL)
    return -ENOMEM;
  cpuid->nent = KVM_CPUID_MAX_ENTRIES;
  if (ioctl (vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
    {
      int ret = -errno;
      free (cpuid);
      return ret;
    }
  vm->supported_cpuid = cpuid;
  return 0;
}

static int
kvm_vm_create_irqchip (KvmVm *vm)
{
  struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
  struct kvm_enable_cap split = {
    .cap = KVM_CAP_SPLIT_IRQCHIP,
    .args = { KVM_VM_IOAPIC_PINS },
  };

  if (vm->irqchip == KVM_IRQCHIP_SPLIT)
    {
      vm->routes = calloc (1, sizeof *vm->routes
                              + KVM_VM_IOAPIC_PINS * sizeof vm->routes->entries[0]);
      if (vm->routes == NULL)
        return -ENOMEM;
      return ioctl (vm->vm_fd, KVM_ENABLE_CAP, &split) < 0 ? -errno : 0;
    }
  /* The in-kernel PIC, IOAPIC, LAPICs and PIT: a timer tick costs no exit. */
  if (ioctl (vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0
      || ioctl (vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
    return -errno;
  return 0;
}

int
kvm_vm_open (KvmVm          *vm,
             KvmIrqchipMode  irqchip)
{
  int ret;

  memset (vm, 0, sizeof *vm);
  vm->vm_fd = -1;
  vm->irqchip = irqchip;
  pthread_mutex_init (&vm->routes_lock, NULL);
  vm->kvm_fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (vm->kvm_fd < 0)
    return -errno;

  if (ioctl (vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
    {
      ret = -ENOTSUP;
      goto fail;
    }
  vm->vcpu_mmap_size = ioctl (vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (vm->vcpu_mmap_size <= 0)
    {
      ret = -ENOTSUP;
      goto fail;
    }
  ret = ioctl (vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
  vm->max_vcpus = ret > 0 ? (unsigned) ret : 4;

  if ((ret = kvm_vm_get_supported_cpuid (vm)) < 0)
    goto fail;

  vm->vm_fd = ioctl (vm->kvm_fd, KVM_CREATE_VM, 0);
  if (vm->vm_fd < 0)
    {
      ret = -errno;
      goto fail;
    }
  if (ioctl (vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long) KVM_TSS_ADDR) < 0)
    goto fail_errno;
  {
    uint64_t identity_map = KVM_IDENTITY_MAP_ADDR;
    if (ioctl (vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity_map) < 0)
      goto fail_errno;
  }
  if ((ret = kvm_vm_create_irqchip (vm)) < 0)
    goto fail;
  return 0;

fail_errno:
  ret = -errno;
fail:
  kvm_vm_close (vm);
  return ret;
}

void
kvm_vm_close (KvmVm *vm)
{
  if (vm->vm_fd >= 0)
    close (vm->vm_fd);
  if (vm->kvm_fd >= 0)
    close (vm->kvm_fd);
  free (vm->supported_cpuid);
  free (vm->routes);
  pthread_mutex_destroy (&vm->routes_lock);
  memset (vm, 0, sizeof *vm);
  vm->kvm_fd = vm->vm_fd = -1;
}

int
kvm_vm_set_memory (KvmVm    *vm,
                   unsigned  slot,
                   uint64_t  gpa,
                   uint64_t  size,
                   void     *host)
{
  return kvm_vm_set_memory_flags (vm, slot, gpa, size, host, 0);
}

/* size 0 deletes the slot. */
int
kvm_vm_set_memory_flags (KvmVm    *vm,
                         unsigned  slot,
                         uint64_t  gpa,
                         uint64_t  size,
                         void     *host,
                         uint32_t  flags)
{
  struct kvm_userspace_memory_region region = {
    .slot = slot,
    .flags = ((flags & KVM_VM_LOG_DIRTY) ? KVM_MEM_LOG_DIRTY_PAGES : 0)
             | ((flags & KVM_VM_READONLY) ? KVM_MEM_READONLY : 0),
    .guest_phys_addr = gpa,
    .memory_size = size,
    .userspace_addr = (uintptr_t) host,
  };

  return ioctl (vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0 ? -errno : 0;
}

/* Fetches and clears the slot's dirty-page bitmap (one bit per 4 KiB page,
 * in 64-bit words; the caller sizes it for the slot). */
int
kvm_vm_get_dirty_log (KvmVm    *vm,
                      unsigned  slot,
                      uint64_t *bitmap)
{
  struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

  return ioctl (vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0 ? -errno : 0;
}

int
kvm_vm_irq_line (KvmVm    *vm,
                 unsigned  gsi,
                 bool      level)
{
  struct kvm_irq_level irq = { .irq = gsi, .level = level };

  return ioctl (vm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

/* KVM_IRQCHIP_SPLIT: what IOAPIC pin n sends, as GSI n. KVM reads these
 * routes to learn which vectors are level-triggered, and sends their EOIs
 * back to us (KVM_EXIT_IOAPIC_EOI). The whole table goes in at once. */
int
kvm_vm_set_pin_route (KvmVm    *vm,
                      unsigned  pin,
                      uint64_t  msi_address,
                      uint32_t  msi_data,
                      bool      enabled)
{
  struct kvm_irq_routing *table;
  unsigned n = 0;
  int ret;

  if (vm->routes == NULL || pin >= KVM_VM_IOAPIC_PINS)
    return -EINVAL;

  pthread_mutex_lock (&vm->routes_lock);
  table = calloc (1, sizeof *table + KVM_VM_IOAPIC_PINS * sizeof table->entries[0]);
  if (table == NULL)
    {
      pthread_mutex_unlock (&vm->routes_lock);
      return -ENOMEM;
    }
  vm->routes->entries[pin] = (struct kvm_irq_routing_entry) {
    .gsi = pin,
    .type = KVM_IRQ_ROUTING_MSI,
    .u.msi = {
      .address_lo = (uint32_t) msi_address,
      .address_hi = (uint32_t) (msi_address >> 32),
      .data = msi_data,
    },
  };
  if (enabled)
    vm->routes_enabled |= 1u << pin;
  else
    vm->routes_enabled &= ~(1u << pin);
  for (unsigned i = 0; i < KVM_VM_IOAPIC_PINS; i++)
    if (vm->routes_enabled & (1u << i))
      table->entries[n++] = vm->routes->entries[i];
  table->nr = n;
  ret = ioctl (vm->vm_fd, KVM_SET_GSI_ROUTING, table) < 0 ? -errno : 0;
  pthread_mutex_unlock (&vm->routes_lock);
  free (table);
  return ret;
}

int
kvm_vm_signal_msi (KvmVm    *vm,
                   uint64_t  address,
                   uint32_t  data)
{
  struct kvm_msi msi = {
    .address_lo = (uint32_t) address,
    .address_hi = (uint32_t) (address >> 32),
    .data = data,
  };

  /* 0: the guest's APIC had the vector masked or blocked; not our error. */
  return ioctl (vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

/* A guest write of len bytes to mmio_address signals fd inside the kernel
 * instead of stopping the vCPU for us. */
int
kvm_vm_set_ioeventfd (KvmVm    *vm,
                      uint64_t  mmio_address,
                      unsigned  len,
                      int       fd,
                      bool      assign)
{
  struct kvm_ioeventfd ioeventfd = {
    .addr = mmio_address,
    .len = len,
    .fd = fd,
    .flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
  };

  return ioctl (vm->vm_fd, KVM_IOEVENTFD, &ioeventfd) < 0 ? -errno : 0;
}
