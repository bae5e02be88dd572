/* guest.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The test guests' runtime: everything a guest may call.
 *
 * The runtime enters at the PVH entry point in 32-bit protected mode, switches to long mode on
 * identity-mapped page tables covering the first 4 GiB (2 MiB pages, the top GiB uncached for
 * MMIO), sets up COM1 and an exception handler, checks the start info's magic and then calls
 * guest_main(). What guest_main() returns goes to the debug exit port. Interrupts stay off.
 */

#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-exit.h"
#include "io.h"
#include "start-info.h"

#define GUEST_NORETURN __attribute__ ((noreturn))
#define GUEST_PRINTF(fmt, args) __attribute__ ((format (printf, fmt, args)))
#define GUEST_ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

/* Each guest defines this; it returns GUEST_EXIT_PASS or GUEST_EXIT_FAIL. start_info has been
 * checked for the PVH magic. */
int guest_main (const struct hvm_start_info *start_info);

/* The same pointer, for the helpers below. */
extern const struct hvm_start_info *guest_start_info;

/* Where the image lies in guest memory (from the linker script). */
extern char __image_start[];
extern char __image_end[];

/* Exit and failure. guest_exit() writes value to the debug exit port; if that does not end the
 * VM (no such device), the CPU parks with interrupts off. A PASS is turned into a FAIL if the
 * serial port misbehaved, since then the output cannot be trusted. */
void guest_exit (unsigned int value) GUEST_NORETURN;
void guest_panic (const char *fmt, ...) GUEST_PRINTF (1, 2) GUEST_NORETURN;

#ifdef __FILE_NAME__
#define GUEST_FILE __FILE_NAME__
#else
#define GUEST_FILE __FILE__
#endif

#define GUEST_ASSERT(expr)                                                         \
  do                                                                               \
    {                                                                              \
      if (!(expr))                                                                 \
        guest_panic ("%s:%d: assertion failed: %s", GUEST_FILE, __LINE__, #expr);  \
    }                                                                              \
  while (0)

/* 16550 UART on COM1 (0x3f8), 115200 8N1, polled. serial_putc() writes one raw byte;
 * serial_flush() returns once the UART has sent everything (before a reset, say). */
#define SERIAL_COM1 0x3f8
void serial_init (void);
void serial_putc (char c);
void serial_flush (void);
unsigned int serial_error_count (void);

/* Formatted output: %d %i %u %x %X %p %s %c %%, flags '0' and '-', a width, a precision for %s
 * (e.g. "%.4s" for ACPI signatures), and the length modifiers hh h l ll z. guest_printf() goes to
 * COM1 and turns "\n" into "\r\n"; guest_snprintf() always NUL-terminates and returns the length
 * the whole output would have had. */
int guest_printf (const char *fmt, ...) GUEST_PRINTF (1, 2);
int guest_vprintf (const char *fmt, va_list ap) GUEST_PRINTF (1, 0);
int guest_snprintf (char *buf, size_t size, const char *fmt, ...) GUEST_PRINTF (3, 4);
int guest_vsnprintf (char *buf, size_t size, const char *fmt, va_list ap) GUEST_PRINTF (3, 0);

/* The C library functions the compiler may emit calls to, and a few string helpers. */
void *memcpy (void *dest, const void *src, size_t n);
void *memmove (void *dest, const void *src, size_t n);
void *memset (void *s, int c, size_t n);
int memcmp (const void *a, const void *b, size_t n);
size_t strlen (const char *s);
size_t strnlen (const char *s, size_t max);
int strcmp (const char *a, const char *b);
int strncmp (const char *a, const char *b, size_t n);

/* Time, from the TSC. Its rate is not known without calibration, so these assume the fastest
 * plausible one (GUEST_TSC_MAX_HZ): a delay lasts at least as long as asked, and a deadline is
 * generous — both what an emulated, slow machine needs. */
#define GUEST_TSC_MAX_HZ 4000000000ull
uint64_t deadline_after_us (uint64_t us);
bool deadline_passed (uint64_t deadline);
void udelay (uint64_t us);

/* Memory past the image, from the RAM entry of the memory map that holds it: a bump allocator
 * with no free. The memory is NOT cleared (clearing costs about 0.5 us per 8 bytes on the build
 * machines' /dev/kvm): clear what must be zero. align is a power of two. Panics when the RAM
 * runs out. */
void *guest_alloc (size_t size, size_t align);
/* How many bytes guest_alloc() could still hand out at this alignment. */
size_t guest_alloc_available (size_t align);

/* Sleeping on the local APIC's TSC-deadline timer (runtime/timer.c): guest_timer_init() returns
 * false where the timer does not fire (QEMU's TCG CPU model), and guest_sleep_until() then
 * spins until the deadline instead of halting. */
bool guest_timer_init (void);
void guest_sleep_until (uint64_t deadline);

/* PCI configuration space: through mechanism #1 (ports 0xcf8/0xcfc) until pci_setup() has
 * found an ECAM in the ACPI MCFG table, then through the ECAM for the buses it covers. */
#define PCI_BDF(bus, dev, fn) ((uint16_t) (((bus) << 8) | ((dev) << 3) | (fn)))
#define PCI_VENDOR_ID            0x00
#define PCI_DEVICE_ID            0x02
#define PCI_COMMAND              0x04
#define PCI_COMMAND_IO           0x0001
#define PCI_COMMAND_MEMORY       0x0002
#define PCI_COMMAND_MASTER       0x0004
#define PCI_STATUS               0x06
#define PCI_STATUS_CAP_LIST      0x0010
#define PCI_REVISION_ID          0x08
#define PCI_HEADER_TYPE          0x0e
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_BAR0                 0x10
#define PCI_BAR_IO               0x1
#define PCI_BAR_MEM_TYPE_MASK    0x6
#define PCI_BAR_MEM_TYPE_64      0x4
#define PCI_BAR_MEM_PREFETCH     0x8
#define PCI_SUBSYSTEM_ID         0x2e
#define PCI_CAPABILITY_LIST      0x34
#define PCI_INTERRUPT_LINE       0x3c
#define PCI_INTERRUPT_PIN        0x3d
#define PCI_CAP_ID_VENDOR        0x09

uint8_t pci_config_read8 (uint16_t bdf, uint8_t offset);
uint16_t pci_config_read16 (uint16_t bdf, uint8_t offset);
uint32_t pci_config_read32 (uint16_t bdf, uint8_t offset);
void pci_config_write8 (uint16_t bdf, uint8_t offset, uint8_t value);
void pci_config_write16 (uint16_t bdf, uint8_t offset, uint16_t value);
void pci_config_write32 (uint16_t bdf, uint8_t offset, uint32_t value);
bool pci_device_present (uint16_t bdf);

/* Looks for an ACPI MCFG entry for segment 0 starting at bus 0, below 4 GiB, and from then on
 * uses that ECAM. Says on COM1 which mechanism it picked. Runs once (later calls return the
 * same); the functions below call it. Returns the ECAM base, or 0 for mechanism #1. */
uintptr_t pci_setup (void);

/* Functions on bus 0 with these ids (functions 1-7 only of multi-function devices), in slot
 * order: stores up to max of them and returns how many there are. pci_find_device() gives the
 * first. */
int pci_find_devices (uint16_t vendor_id, uint16_t device_id, uint16_t *bdfs, unsigned int max);
bool pci_find_device (uint16_t vendor_id, uint16_t device_id, uint16_t *bdf);

/* A BAR's address and size, found by sizing it (decoding is off for the few accesses that
 * takes, then as it was). A 64-bit BAR takes index and index + 1. Returns false for a BAR
 * the function does not have (it sizes as 0). */
struct pci_bar
{
  uint64_t addr;
  uint64_t size;
  bool io;
  bool is64;
  bool prefetchable;
};
bool pci_bar_read (uint16_t bdf, unsigned int index, struct pci_bar *bar);
/* The fallback for a memory BAR that reads 0 (firmware-less machines such as QEMU's microvm do
 * not assign BARs): gives it the next naturally aligned address in 0xd8000000-0xdfffffff and
 * updates bar->addr. Says so on COM1. */
bool pci_bar_assign (uint16_t bdf, unsigned int index, struct pci_bar *bar);
/* Sets bits (PCI_COMMAND_MEMORY, PCI_COMMAND_MASTER...) in the command register. */
void pci_enable (uint16_t bdf, uint16_t bits);
/* The offset of the first capability with this id after the one at start (0: from the head of
 * the list), or 0 when there is none. */
uint8_t pci_find_capability (uint16_t bdf, uint8_t id, uint8_t start);

/* ACPI. Tables are used in place (guest physical = virtual below 4 GiB). */
struct acpi_rsdp
{
  char signature[8];
  uint8_t checksum;
  char oem_id[6];
  uint8_t revision;
  uint32_t rsdt_address;
  /* Revision 2 and later only. */
  uint32_t length;
  uint64_t xsdt_address;
  uint8_t extended_checksum;
  uint8_t reserved[3];
} __attribute__ ((packed));

struct acpi_sdt_header
{
  char signature[4];
  uint32_t length;
  uint8_t revision;
  uint8_t checksum;
  char oem_id[6];
  char oem_table_id[8];
  uint32_t oem_revision;
  uint32_t creator_id;
  uint32_t creator_revision;
} __attribute__ ((packed));

/* The RSDP from start_info->rsdp_paddr when set (and then only there: a wrong pointer from
 * the VMM is a bug to report, not to paper over), else from the first KiB of the EBDA or
 * 0xe0000-0xfffff. Checksums verified; NULL if none. Says why on COM1 when it fails. */
const struct acpi_rsdp *acpi_find_rsdp (const struct hvm_start_info *start_info);
/* The first table with this signature listed in the XSDT (or the RSDT for revision 0), with a
 * valid checksum. NULL if none; says why on COM1 when a table is malformed. */
const struct acpi_sdt_header *acpi_find_table (const struct acpi_rsdp *rsdp,
                                               const char *signature);
bool acpi_checksum_ok (const void *data, size_t length);
/* Enabled processors in a MADT: Processor Local APIC (type 0) and Processor Local x2APIC
 * (type 9) entries with flags bit 0 set. Stores up to max APIC ids; returns how many there
 * are (possibly more than max), or -1 if the table is malformed. */
int acpi_madt_cpus (const struct acpi_sdt_header *madt, uint32_t *apic_ids, unsigned int max);

/* The command line ("" when there is none) and key=value lookup. Tokens are separated by
 * spaces; a bare "key" has the empty value. The first match wins. cmdline_get() returns false
 * when the key is absent or its value does not fit in size bytes with the NUL. cmdline_get_u64()
 * takes decimal or 0x-prefixed hexadecimal and returns false when absent or malformed. */
const char *guest_cmdline (void);
bool cmdline_get (const char *cmdline, const char *key, char *value, size_t size);
bool cmdline_get_u64 (const char *cmdline, const char *key, uint64_t *value);

/* The memory map from the start info (version 1 and later); NULL and 0 entries when absent. */
const struct hvm_memmap_entry *guest_memmap (uint32_t *n_entries);

/* Local APIC (xAPIC, MMIO) and bringing up application processors. */
uintptr_t lapic_base (void);
uint32_t lapic_id (void);

/* Runs on each AP that starts, on its own stack, with interrupts off; index is the order in
 * which the APs arrived (0 for the first). When it returns the AP parks. */
typedef void (*smp_ap_fn) (unsigned int index);

/* Sends INIT-SIPI-SIPI to each APIC id in apic_ids except the calling CPU's own, in the order
 * the SDM gives (INIT, 10 ms, SIPI, 200 us, SIPI), with the real-mode trampoline at
 * SMP_TRAMPOLINE_ADDR. Does not wait for the APs: callers count arrivals themselves. Returns
 * false (having said why) when the trampoline page is unusable or an IPI was not accepted. */
bool smp_boot_aps (const uint32_t *apic_ids, unsigned int count, smp_ap_fn fn);

/* The virtio-pci driver has its own header, runtime/virtio.h. */

/* Ring 3 (runtime/user-mode.c), where code runs natively on a /dev/kvm that emulates ring 0.
 * guest_run_user() calls fn (arg) at CPL 3 on a 16 KiB stack of its own and returns when fn
 * returns; one at a time, on the boot CPU only, after guest_timer_init() if both are used.
 * Interrupts stay off and there is no port I/O in ring 3 (kvm_pvm refuses it whatever the
 * IOPL), so no serial output either: return to print. An exception in ring 3 is reported as
 * in ring 0. The image is accessible; anything else fn touches must first be made so with
 * guest_user_map(), which marks the 2 MiB pages covering [addr, addr + size) (below 4 GiB)
 * user-accessible and cached (write-back: right for a framebuffer, not for device
 * registers). */
void guest_run_user (void (*fn) (void *), void *arg);
void guest_user_map (uintptr_t addr, size_t size);
