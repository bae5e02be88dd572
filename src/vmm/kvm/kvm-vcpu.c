/* kvm-vcpu.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "cpuid.h"
#include "kvm-vcpu.h"

/* Another thread stops a vCPU by setting immediate_exit and sending this
 * signal: the signal interrupts KVM_RUN if the vCPU is inside it, and
 * immediate_exit covers the window just before it enters. */
#define KVM_VCPU_KICK_SIGNAL SIGUSR1

#define APIC_LVT_LINT0      0x350
#define APIC_LVT_LINT1      0x360
#define APIC_MODE_EXTINT    0x7
#define APIC_MODE_NMI       0x4

#define X86_CR0_PE          (1ull << 0)
#define X86_CR0_ET          (1ull << 4)
#define X86_CR0_PG          (1ull << 31)
#define X86_CR4_PAE         (1ull << 5)
#define X86_EFER_LME        (1ull << 8)
#define X86_EFER_LMA        (1ull << 10)

static void
kvm_vcpu_kick_handler (int signo)
{
}

void
kvm_vcpu_install_kick_handler (void)
{
  struct sigaction sa = { .sa_handler = kvm_vcpu_kick_handler };

  sigemptyset (&sa.sa_mask);
  sigaction (KVM_VCPU_KICK_SIGNAL, &sa, NULL);
}

static void
apic_set_lvt_mode (struct kvm_lapic_state *lapic,
                   unsigned                reg,
                   uint32_t                mode)
{
  uint32_t value;

  memcpy (&value, &lapic->regs[reg], sizeof value);
  value = (value & ~0x700u) | (mode << 8);
  memcpy (&lapic->regs[reg], &value, sizeof value);
}

/* Virtual-wire mode, as a PC's firmware leaves it: PIC interrupts reach the
 * CPU through LINT0 and NMIs through LINT1 until the guest programs its own
 * APIC. */
static int
kvm_vcpu_setup_lapic (KvmVcpu *vcpu)
{
  struct kvm_lapic_state lapic;

  if (ioctl (vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
    return -errno;
  apic_set_lvt_mode (&lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
  apic_set_lvt_mode (&lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
  return ioctl (vcpu->fd, KVM_SET_LAPIC, &lapic) < 0 ? -errno : 0;
}

static int
kvm_vcpu_setup_fpu (KvmVcpu *vcpu)
{
  struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

  return ioctl (vcpu->fd, KVM_SET_FPU, &fpu) < 0 ? -errno : 0;
}

int
kvm_vcpu_create (KvmVm    *vm,
                 unsigned  id,
                 unsigned  n_vcpus,
                 KvmVcpu  *vcpu)
{
  void *run;
  int ret;

  memset (vcpu, 0, sizeof *vcpu);
  vcpu->id = id;
  vcpu->fd = ioctl (vm->vm_fd, KVM_CREATE_VCPU, (unsigned long) id);
  if (vcpu->fd < 0)
    return -errno;

  run = mmap (NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
  if (run == MAP_FAILED)
    {
      ret = -errno;
      goto fail;
    }
  vcpu->run = run;
  vcpu->run_size = vm->vcpu_mmap_size;

  if ((ret = cpuid_setup_vcpu (vm, vcpu->fd, id, n_vcpus)) < 0
      || (ret = kvm_vcpu_setup_lapic (vcpu)) < 0
      || (ret = kvm_vcpu_setup_fpu (vcpu)) < 0)
    goto fail;
  return 0;

fail:
  kvm_vcpu_destroy (vcpu);
  return ret;
}

void
kvm_vcpu_destroy (KvmVcpu *vcpu)
{
  if (vcpu->run != NULL)
    munmap (vcpu->run, vcpu->run_size);
  if (vcpu->fd >= 0)
    close (vcpu->fd);
  memset (vcpu, 0, sizeof *vcpu);
  vcpu->fd = -1;
}

static void
segment_flat (struct kvm_segment *seg,
              uint16_t            selector,
              bool                code,
              bool                long_mode)
{
  *seg = (struct kvm_segment) {
    .base = 0,
    .limit = 0xffffffff,
    .selector = selector,
    .type = code ? 0xb : 0x3,   /* execute/read or read/write, accessed */
    .present = 1,
    .dpl = 0,
    .db = code && long_mode ? 0 : 1,
    .s = 1,
    .l = code && long_mode ? 1 : 0,
    .g = 1,
  };
}

int
kvm_vcpu_set_boot_state (KvmVcpu            *vcpu,
                         const BootCpuState *state)
{
  bool long_mode = state->mode == BOOT_CPU_MODE_LONG64;
  struct kvm_sregs sregs;
  struct kvm_regs regs = {
    .rip = state->rip,
    .rsp = state->rsp,
    .rsi = state->rsi,
    .rbx = state->rbx,
    .rflags = 0x2,   /* bit 1 is reserved and always set; interrupts off */
  };

  if (ioctl (vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
    return -errno;

  segment_flat (&sregs.cs, state->code_selector, true, long_mode);
  segment_flat (&sregs.ds, state->data_selector, false, long_mode);
  sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
  sregs.gdt.base = state->gdt_base;
  sregs.gdt.limit = state->gdt_limit;
  sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
  sregs.cr4 = 0;
  sregs.efer = 0;
  if (long_mode)
    {
      sregs.cr0 |= X86_CR0_PG;
      sregs.cr3 = state->cr3;
      sregs.cr4 |= X86_CR4_PAE;
      sregs.efer |= X86_EFER_LME | X86_EFER_LMA;
    }

  if (ioctl (vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
    return -errno;
  return ioctl (vcpu->fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

static void
kvm_vcpu_handle_io (KvmVcpu *vcpu)
{
  struct kvm_run *run = vcpu->run;
  uint8_t *data = (uint8_t *) run + run->io.data_offset;
  bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

  /* A string instruction (rep outsb …) comes as count accesses in a row. */
  for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
    {
      bool claimed = is_write
        ? io_bus_write (vcpu->pio_bus, run->io.port, data, run->io.size)
        : io_bus_read (vcpu->pio_bus, run->io.port, data, run->io.size);
      if (!claimed)
        {
          if (!is_write)
            memset (data, 0xff, run->io.size);   /* as an ISA bus with nothing on it */
          if (vcpu->hooks.unknown_access != NULL)
            vcpu->hooks.unknown_access (vcpu->hooks.opaque, false, is_write,
                                        run->io.port, run->io.size);
        }
    }
}

static void
kvm_vcpu_handle_mmio (KvmVcpu *vcpu)
{
  struct kvm_run *run = vcpu->run;
  bool claimed;

  if (run->mmio.len > sizeof run->mmio.data)
    return;
  claimed = run->mmio.is_write
    ? io_bus_write (vcpu->mmio_bus, run->mmio.phys_addr, run->mmio.data, run->mmio.len)
    : io_bus_read (vcpu->mmio_bus, run->mmio.phys_addr, run->mmio.data, run->mmio.len);
  if (!claimed)
    {
      if (!run->mmio.is_write)
        memset (run->mmio.data, 0xff, run->mmio.len);
      if (vcpu->hooks.unknown_access != NULL)
        vcpu->hooks.unknown_access (vcpu->hooks.opaque, true, run->mmio.is_write,
                                    run->mmio.phys_addr, run->mmio.len);
    }
}

/* KVM keeps a latched INIT as a pending event; KVM_SET_VCPU_EVENTS can only
 * clear it through the SMM part of the structure, so that part is read back
 * and written unchanged but for latched_init. A latched SIPI needs nothing:
 * KVM drops it unless an INIT came first. */
int
kvm_vcpu_forget_startup (KvmVcpu *vcpu)
{
  struct kvm_vcpu_events events;

  if (ioctl (vcpu->fd, KVM_GET_VCPU_EVENTS, &events) < 0)
    return -errno;
  events.flags |= KVM_VCPUEVENT_VALID_SMM;
  events.smi.latched_init = 0;
  return ioctl (vcpu->fd, KVM_SET_VCPU_EVENTS, &events) < 0 ? -errno : 0;
}

KvmVcpuExit
kvm_vcpu_run (KvmVcpu *vcpu)
{
  struct kvm_run *run = vcpu->run;

  if (ioctl (vcpu->fd, KVM_RUN, 0) < 0)
    {
      run->immediate_exit = 0;
      if (errno == EINTR || errno == EAGAIN)
        return KVM_VCPU_EXIT_INTERRUPTED;
      return KVM_VCPU_EXIT_UNEXPECTED;
    }

  switch (run->exit_reason)
    {
    case KVM_EXIT_IO:
      kvm_vcpu_handle_io (vcpu);
      return KVM_VCPU_EXIT_CONTINUE;

    case KVM_EXIT_MMIO:
      kvm_vcpu_handle_mmio (vcpu);
      return KVM_VCPU_EXIT_CONTINUE;

    case KVM_EXIT_INTR:
      return KVM_VCPU_EXIT_INTERRUPTED;

    case KVM_EXIT_IOAPIC_EOI:
      if (vcpu->hooks.ioapic_eoi != NULL)
        vcpu->hooks.ioapic_eoi (vcpu->hooks.opaque, run->eoi.vector);
      return KVM_VCPU_EXIT_CONTINUE;

    case KVM_EXIT_SHUTDOWN:
      return KVM_VCPU_EXIT_SHUTDOWN;

    case KVM_EXIT_INTERNAL_ERROR:
      return KVM_VCPU_EXIT_INTERNAL_ERROR;

    case KVM_EXIT_FAIL_ENTRY:
      return KVM_VCPU_EXIT_FAIL_ENTRY;

    case KVM_EXIT_SYSTEM_EVENT:
      if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
        return KVM_VCPU_EXIT_SYSTEM_RESET;
      if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
        return KVM_VCPU_EXIT_SYSTEM_OFF;
      return KVM_VCPU_EXIT_UNEXPECTED;

    default:
      return KVM_VCPU_EXIT_UNEXPECTED;
    }
}

/* Safe from any thread: the vCPU comes back out of KVM_RUN soon after. */
void
kvm_vcpu_request_exit (KvmVcpu *vcpu)
{
  __atomic_store_n (&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
  pthread_kill (vcpu->thread, KVM_VCPU_KICK_SIGNAL);
}

static const char *
kvm_vcpu_exit_name (KvmVcpuExit why)
{
  switch (why)
    {
    case KVM_VCPU_EXIT_SHUTDOWN:        return "triple fault";
    case KVM_VCPU_EXIT_INTERNAL_ERROR:  return "KVM internal error";
    case KVM_VCPU_EXIT_FAIL_ENTRY:      return "VM entry failed";
    case KVM_VCPU_EXIT_UNEXPECTED:      return "unexpected exit";
    default:                            return "exit";
    }
}

/* One paragraph a person can paste into a bug report. */
void
kvm_vcpu_describe (KvmVcpu     *vcpu,
                   KvmVcpuExit  why,
                   char        *buf,
                   size_t       size)
{
  struct kvm_regs r = { 0 };
  struct kvm_sregs s = { 0 };
  struct kvm_run *run = vcpu->run;
  int n;

  ioctl (vcpu->fd, KVM_GET_REGS, &r);
  ioctl (vcpu->fd, KVM_GET_SREGS, &s);
  n = snprintf (buf, size, "vCPU %u: %s", vcpu->id, kvm_vcpu_exit_name (why));
  if (why == KVM_VCPU_EXIT_INTERNAL_ERROR && n >= 0 && (size_t) n < size)
    n += snprintf (buf + n, size - n, " (suberror %u)", run->internal.suberror);
  else if (why == KVM_VCPU_EXIT_FAIL_ENTRY && n >= 0 && (size_t) n < size)
    n += snprintf (buf + n, size - n, " (reason 0x%llx)",
                   (unsigned long long) run->fail_entry.hardware_entry_failure_reason);
  else if (why == KVM_VCPU_EXIT_UNEXPECTED && n >= 0 && (size_t) n < size)
    n += snprintf (buf + n, size - n, " (reason %u)", run->exit_reason);
  if (n < 0 || (size_t) n >= size)
    return;
  snprintf (buf + n, size - n,
            "\n  rip=%016llx rsp=%016llx rflags=%08llx\n"
            "  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
            "  rsi=%016llx rdi=%016llx rbp=%016llx\n"
            "  cs=%04x cr0=%08llx cr2=%016llx cr3=%016llx cr4=%08llx efer=%llx",
            r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp,
            s.cs.selector, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}
