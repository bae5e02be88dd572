/* cpuid.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "kvm-vm.h"

int cpuid_setup_vcpu (const KvmVm *vm,
                      int          vcpu_fd,
                      unsigned     apic_id,
                      unsigned     n_vcpus);
