/* cpuid.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "cpuid.h"

#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_HTT        (1u << 28)
#define CPUID_B_LEVEL_SMT      1u
#define CPUID_B_LEVEL_CORE     2u

/* Bits needed to number n things: the APIC-id shift of a topology level. */
static unsigned
cpuid_order (unsigned n)
{
  unsigned bits = 0;

  while ((1u << bits) < n)
    bits++;
  return bits;
}

/* One package of n_vcpus cores with one thread each: what the guest's
 * scheduler should see, whatever the host's topology is. */
static void
cpuid_fix_entry (struct kvm_cpuid_entry2 *e,
                 unsigned                 apic_id,
                 unsigned                 n_vcpus)
{
  switch (e->function)
    {
    case 0x1:
      e->ecx |= CPUID_1_ECX_HYPERVISOR;
      e->ebx = (e->ebx & 0x0000ffffu) | (apic_id << 24) | ((n_vcpus & 0xffu) << 16);
      if (n_vcpus > 1)
        e->edx |= CPUID_1_EDX_HTT;
      else
        e->edx &= ~CPUID_1_EDX_HTT;
      break;

    case 0x4:
      /* cores per package - 1 in 31:26; caches are private to one thread */
      e->eax = (e->eax & 0x3fffu) | ((n_vcpus - 1) << 26);
      break;

    case 0xb:
    case 0x1f:
      e->edx = apic_id;
      if (e->index == 0)
        {
          e->eax = 0;
          e->ebx = 1;
          e->ecx = (CPUID_B_LEVEL_SMT << 8) | 0;
        }
      else if (e->index == 1)
        {
          e->eax = cpuid_order (n_vcpus);
          e->ebx = n_vcpus;
          e->ecx = (CPUID_B_LEVEL_CORE << 8) | 1;
        }
      else
        {
          e->eax = e->ebx = 0;
          e->ecx = e->index;
        }
      break;

    case 0x80000008:
      /* AMD: cores per package - 1 and the APIC-id width they take */
      e->ecx = (cpuid_order (n_vcpus) << 12) | ((n_vcpus - 1) & 0xffu);
      break;

    case 0x8000001e:
      e->eax = apic_id;
      e->ebx = apic_id & 0xffu;  /* core id, one thread per core */
      e->ecx = 0;                /* node 0, one node per package */
      break;

    default:
      break;
    }
}

int
cpuid_setup_vcpu (const KvmVm *vm,
                  int          vcpu_fd,
                  unsigned     apic_id,
                  unsigned     n_vcpus)
{
  const struct kvm_cpuid2 *supported = vm->supported_cpuid;
  size_t size = sizeof *supported + supported->nent * sizeof supported->entries[0];
  struct kvm_cpuid2 *cpuid = malloc (size);
  int ret = 0;

  if (cpuid == NULL)
    return -ENOMEM;
  memcpy (cpuid, supported, size);
  for (unsigned i = 0; i < cpuid->nent; i++)
    cpuid_fix_entry (&cpuid->entries[i], apic_id, n_vcpus);
  if (ioctl (vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
    ret = -errno;
  free (cpuid);
  return ret;
}
