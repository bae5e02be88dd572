/* io.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Port I/O, MMIO and a few privileged instructions, all inline: each is one instruction and
 * the guests are meant to show the VMM exactly the accesses they make.
 */

#pragma once

#include <stdint.h>

static inline void
outb (uint16_t port, uint8_t value)
{
  __asm__ volatile ("outb %0, %1" : : "a" (value), "Nd" (port));
}

static inline void
outw (uint16_t port, uint16_t value)
{
  __asm__ volatile ("outw %0, %1" : : "a" (value), "Nd" (port));
}

static inline void
outl (uint16_t port, uint32_t value)
{
  __asm__ volatile ("outl %0, %1" : : "a" (value), "Nd" (port));
}

static inline uint8_t
inb (uint16_t port)
{
  uint8_t value;

  __asm__ volatile ("inb %1, %0" : "=a" (value) : "Nd" (port));
  return value;
}

static inline uint16_t
inw (uint16_t port)
{
  uint16_t value;

  __asm__ volatile ("inw %1, %0" : "=a" (value) : "Nd" (port));
  return value;
}

static inline uint32_t
inl (uint16_t port)
{
  uint32_t value;

  __asm__ volatile ("inl %1, %0" : "=a" (value) : "Nd" (port));
  return value;
}

/* MMIO goes through volatile pointers of the exact width so that the compiler neither merges,
 * splits nor elides accesses: device registers have side effects. The "memory" clobber keeps
 * ordinary memory accesses (e.g. a buffer handed to a device) on their side of the access. */
static inline uint8_t
mmio_read8 (uintptr_t addr)
{
  uint8_t value = *(volatile uint8_t *) addr;

  __asm__ volatile ("" : : : "memory");
  return value;
}

static inline uint16_t
mmio_read16 (uintptr_t addr)
{
  uint16_t value = *(volatile uint16_t *) addr;

  __asm__ volatile ("" : : : "memory");
  return value;
}

static inline uint32_t
mmio_read32 (uintptr_t addr)
{
  uint32_t value = *(volatile uint32_t *) addr;

  __asm__ volatile ("" : : : "memory");
  return value;
}

static inline uint64_t
mmio_read64 (uintptr_t addr)
{
  uint64_t value = *(volatile uint64_t *) addr;

  __asm__ volatile ("" : : : "memory");
  return value;
}

static inline void
mmio_write8 (uintptr_t addr, uint8_t value)
{
  __asm__ volatile ("" : : : "memory");
  *(volatile uint8_t *) addr = value;
}

static inline void
mmio_write16 (uintptr_t addr, uint16_t value)
{
  __asm__ volatile ("" : : : "memory");
  *(volatile uint16_t *) addr = value;
}

static inline void
mmio_write32 (uintptr_t addr, uint32_t value)
{
  __asm__ volatile ("" : : : "memory");
  *(volatile uint32_t *) addr = value;
}

static inline void
mmio_write64 (uintptr_t addr, uint64_t value)
{
  __asm__ volatile ("" : : : "memory");
  *(volatile uint64_t *) addr = value;
}

static inline void
cpu_relax (void)
{
  __asm__ volatile ("pause" : : : "memory");
}

static inline void
cpuid (uint32_t leaf,
       uint32_t subleaf,
       uint32_t *eax,
       uint32_t *ebx,
       uint32_t *ecx,
       uint32_t *edx)
{
  __asm__ volatile ("cpuid"
                    : "=a" (*eax), "=b" (*ebx), "=c" (*ecx), "=d" (*edx)
                    : "a" (leaf), "c" (subleaf));
}

static inline uint64_t
rdtsc (void)
{
  uint32_t lo, hi;

  __asm__ volatile ("rdtsc" : "=a" (lo), "=d" (hi));
  return ((uint64_t) hi << 32) | lo;
}

static inline uint64_t
rdmsr (uint32_t msr)
{
  uint32_t lo, hi;

  __asm__ volatile ("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
  return ((uint64_t) hi << 32) | lo;
}

static inline void
wrmsr (uint32_t msr,
       uint64_t value)
{
  __asm__ volatile ("wrmsr" : : "c" (msr), "a" ((uint32_t) value), "d" ((uint32_t) (value >> 32)));
}

static inline void __attribute__ ((noreturn))
cpu_park (void)
{
  /* With interrupts off only NMI, SMI or INIT can wake the CPU, so loop in case one does. */
  for (;;)
    __asm__ volatile ("cli; hlt" : : : "memory");
}
