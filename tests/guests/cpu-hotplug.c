/* cpu-hotplug.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Follows vCPUs plugged in and pulled out at run time, acting as an OS and its DSDT's AML do
 * on the "modern" ACPI CPU hotplug interface (QEMU's docs/specs/acpi_cpu_hotplug.rst), which
 * our VMM implements at the same port as QEMU's PIIX machine.
 *
 * At boot: reads the MADT (every possible CPU listed; the ones not running yet disabled and, in
 * a revision 5 MADT, online-capable), switches QEMU's PIIX from its legacy interface to the
 * modern one (a DWORD write of 0 at the block's base, which is also "select CPU 0" there, as
 * QEMU's own AML does in \_SB.PCI0.PRES._INI) and checks it answers, enumerates the CPUs through
 * the block and checks them against the MADT, starts the CPUs enabled at boot, enables GPE 2
 * (GPE0_BLK from the FADT) and prints "cpu-hotplug: ready".
 *
 * Then it polls GPE0_STS bit 2. On an event it clears the bit and does what QEMU's \_GPE._E02
 * (CSCN) does: command 0 finds the next CPU with an event, whose insert or remove bit it
 * clears, until none is left; then it acts on each as the OS would:
 *   - insert: INIT-SIPI-SIPI to the CPU's APIC id (command 3), waits until the CPU checks in,
 *     then _OST (event 1 "device check", status 0);
 *   - remove: _OST (event 3 "eject request", status 0x84 "ejection in progress"), asks the CPU
 *     to park and waits until it says it has (it then halts with interrupts off), writes the
 *     eject bit as _EJ0 does, checks the CPU is no longer enabled, then _OST (3, status 0).
 * After each change it prints "cpu-hotplug: online N" (N counts the boot CPU).
 *
 * It finishes when a 'q' arrives on COM1: it passes if it has gone through the counts given as
 * steps=A,B,... on its command line, in that order (other counts in between are allowed: one
 * request may add or remove several CPUs one by one). max-cpus=M checks the MADT's CPU count;
 * timeout=SECONDS (default 120) bounds each wait for the next event. Every start of a CPU
 * takes one of the runtime's SMP_MAX_APS AP stacks for good, which bounds the starts per boot.
 */

#include "acpi-hw.h"
#include "guest.h"
#include "segments.h"

/* QEMU's PIIX address for the block, which our VMM keeps (src/vmm/acpi/acpi-hw.h). No table
 * gives it but the DSDT's AML. */
#define CPHP_BASE            0xaf00
#define CPHP_SELECTOR        0x0 /* write, DWORD */
#define CPHP_DATA2           0x0 /* read, DWORD: command data 2 */
#define CPHP_FLAGS           0x4 /* read: status, write: control, byte */
#define CPHP_COMMAND         0x5 /* write, byte */
#define CPHP_DATA            0x8 /* DWORD */

#define CPHP_STATUS_ENABLED  0x01
#define CPHP_STATUS_INSERT   0x02
#define CPHP_STATUS_REMOVE   0x04
#define CPHP_CONTROL_CLEAR_INSERT 0x02
#define CPHP_CONTROL_CLEAR_REMOVE 0x04
#define CPHP_CONTROL_EJECT   0x08

#define CPHP_CMD_NEXT_EVENT  0
#define CPHP_CMD_OST_EVENT   1
#define CPHP_CMD_OST_STATUS  2
#define CPHP_CMD_ARCH_ID     3

#define GPE_CPU_HOTPLUG      2

/* _OST source events and status codes (ACPI 6.5, 6.3.5). */
#define OST_EVENT_DEVICE_CHECK   0x01
#define OST_EVENT_EJECT_REQUEST  0x03
#define OST_SUCCESS              0x00
#define OST_FAILURE              0x01
#define OST_EJECT_IN_PROGRESS    0x84

/* MADT entries (5.2.12). */
#define MADT_HEADER_LENGTH   44
#define MADT_LOCAL_APIC      0
#define MADT_LOCAL_X2APIC    9
#define MADT_ENABLED         0x1
#define MADT_ONLINE_CAPABLE  0x2 /* defined from MADT revision 5 */

#define UART_RBR 0
#define UART_LSR 5
#define UART_LSR_DR 0x01

/* xAPIC ids, which is all the runtime can send IPIs to. */
#define MAX_CPUS     256
#define MAX_STEPS    16
#define DEFAULT_TIMEOUT_S 120
/* As smp.c: generous for software-emulated /dev/kvm and for TCG on two host cores. */
#define CHECK_IN_TIMEOUT_US 20000000

enum cpu_state
{
  CPU_OFFLINE = 0,
  CPU_ONLINE,
  CPU_PARKED,
};

struct madt_cpu
{
  uint32_t apic_id;
  bool enabled;
};

/* Shared with the APs, indexed by APIC id. */
static uint32_t cpu_state[MAX_CPUS];
static uint32_t park_request[MAX_CPUS];

static struct madt_cpu madt_cpus[MAX_CPUS];
static unsigned int n_madt_cpus;
static uint32_t bsp_apic_id;
static uint64_t timeout_s = DEFAULT_TIMEOUT_S;

static void
ap_main (unsigned int index)
{
  uint32_t id = lapic_id ();

  (void) index;
  if (id >= MAX_CPUS)
    return;
  __atomic_store_n (&park_request[id], 0, __ATOMIC_SEQ_CST);
  __atomic_store_n (&cpu_state[id], CPU_ONLINE, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n (&park_request[id], __ATOMIC_SEQ_CST))
    cpu_relax ();
  /* Returning parks the CPU (cli; hlt) for good: only INIT-SIPI brings it back. */
  __atomic_store_n (&cpu_state[id], CPU_PARKED, __ATOMIC_SEQ_CST);
}

static unsigned int
online_count (void)
{
  unsigned int n = 1;

  for (unsigned int i = 0; i < MAX_CPUS; i++)
    if (i != bsp_apic_id && __atomic_load_n (&cpu_state[i], __ATOMIC_SEQ_CST) == CPU_ONLINE)
      n++;
  return n;
}

static const struct madt_cpu *
madt_find (uint32_t apic_id)
{
  for (unsigned int i = 0; i < n_madt_cpus; i++)
    if (madt_cpus[i].apic_id == apic_id)
      return &madt_cpus[i];
  return NULL;
}

/* Every processor entry, enabled or not: a hotplug-capable machine lists the CPUs it may add. */
static void
read_madt (const struct hvm_start_info *start_info)
{
  const struct acpi_rsdp *rsdp = acpi_find_rsdp (start_info);
  const struct acpi_sdt_header *madt;
  const uint8_t *p;
  size_t offset = MADT_HEADER_LENGTH;
  unsigned int n_enabled = 0;
  unsigned int n_online_capable = 0;

  if (rsdp == NULL || (madt = acpi_find_table (rsdp, "APIC")) == NULL)
    guest_panic ("cpu-hotplug: no MADT");
  if (madt->length < MADT_HEADER_LENGTH)
    guest_panic ("cpu-hotplug: the MADT is %u bytes", madt->length);
  p = (const uint8_t *) madt;

  while (offset < madt->length)
    {
      uint8_t type;
      uint8_t length;
      uint32_t apic_id;
      uint32_t flags;

      if (madt->length - offset < 2)
        guest_panic ("cpu-hotplug: the MADT ends inside an entry header");
      type = p[offset];
      length = p[offset + 1];
      if (length < 2 || length > madt->length - offset)
        guest_panic ("cpu-hotplug: MADT entry at %zu has a bad length %u", offset, length);

      if (type == MADT_LOCAL_APIC && length >= 8)
        {
          apic_id = p[offset + 3];
          memcpy (&flags, p + offset + 4, 4);
        }
      else if (type == MADT_LOCAL_X2APIC && length >= 16)
        {
          memcpy (&apic_id, p + offset + 4, 4);
          memcpy (&flags, p + offset + 8, 4);
        }
      else if (type == MADT_LOCAL_APIC || type == MADT_LOCAL_X2APIC)
        guest_panic ("cpu-hotplug: MADT processor entry at %zu is %u bytes", offset, length);
      else
        {
          offset += length;
          continue;
        }
      offset += length;

      if (apic_id >= MAX_CPUS)
        guest_panic ("cpu-hotplug: the MADT lists APIC id %u; this guest handles xAPIC ids",
                     apic_id);
      if (madt_find (apic_id) != NULL)
        guest_panic ("cpu-hotplug: the MADT lists APIC id %u twice", apic_id);
      if (!(flags & MADT_ENABLED) && madt->revision >= 5 && !(flags & MADT_ONLINE_CAPABLE))
        guest_panic ("cpu-hotplug: APIC id %u is neither enabled nor online-capable "
                     "(flags %#x): it could never be used", apic_id, flags);
      madt_cpus[n_madt_cpus].apic_id = apic_id;
      madt_cpus[n_madt_cpus].enabled = flags & MADT_ENABLED;
      n_madt_cpus++;
      n_enabled += (flags & MADT_ENABLED) != 0;
      n_online_capable += !(flags & MADT_ENABLED) && (flags & MADT_ONLINE_CAPABLE);
    }

  guest_printf ("cpu-hotplug: the MADT (revision %u) lists %u CPUs: %u enabled, "
                "%u online-capable\n", madt->revision, n_madt_cpus, n_enabled,
                n_online_capable);
  if (madt_find (bsp_apic_id) == NULL || !madt_find (bsp_apic_id)->enabled)
    guest_panic ("cpu-hotplug: the boot CPU (APIC id %u) is not enabled in the MADT",
                 bsp_apic_id);
}

static void
cphp_select (uint32_t selector)
{
  outl (CPHP_BASE + CPHP_SELECTOR, selector);
}

static void
cphp_command (uint8_t command)
{
  outb (CPHP_BASE + CPHP_COMMAND, command);
}

static uint8_t
cphp_status (void)
{
  return inb (CPHP_BASE + CPHP_FLAGS);
}

static void
cphp_control (uint8_t bits)
{
  outb (CPHP_BASE + CPHP_FLAGS, bits);
}

static uint32_t
cphp_data (void)
{
  return inl (CPHP_BASE + CPHP_DATA);
}

static uint32_t
cphp_arch_id (uint32_t selector)
{
  uint32_t high;
  uint32_t id;

  cphp_select (selector);
  cphp_command (CPHP_CMD_ARCH_ID);
  id = cphp_data ();
  high = inl (CPHP_BASE + CPHP_DATA2);
  if (high != 0)
    guest_panic ("cpu-hotplug: CPU %u's arch id has upper half %#x; APIC ids are 32-bit",
                 selector, high);
  return id;
}

/* _OST (Arg0 source event, Arg1 status) for the CPU behind selector, as QEMU's COST does. */
static void
cphp_ost (uint32_t selector,
          uint32_t event,
          uint32_t status)
{
  cphp_select (selector);
  cphp_command (CPHP_CMD_OST_EVENT);
  outl (CPHP_BASE + CPHP_DATA, event);
  cphp_command (CPHP_CMD_OST_STATUS);
  outl (CPHP_BASE + CPHP_DATA, status);
}

/* QEMU's PIIX starts in the legacy interface (a bitmap of present CPUs at the same port); the
 * first DWORD written 0 switches it to the modern one. Then the document's detection: selector
 * 0, command 0, command data 2 reads 0 (the legacy bitmap would read bit 0, the boot CPU). */
static void
cphp_enable_modern (void)
{
  outl (CPHP_BASE + CPHP_SELECTOR, 0);
  cphp_select (0);
  cphp_command (CPHP_CMD_NEXT_EVENT);
  if (inl (CPHP_BASE + CPHP_DATA2) != 0)
    guest_panic ("cpu-hotplug: no modern CPU hotplug interface at %#x (command data 2 reads "
                 "%#x)", CPHP_BASE, inl (CPHP_BASE + CPHP_DATA2));
}

/* The document's enumeration: with command 0, command data reads the selector while it is a
 * possible CPU and 0 past the last. Checks every CPU against the MADT. Returns how many CPUs
 * are possible. */
static unsigned int
cphp_enumerate (void)
{
  unsigned int n_possible = 1;
  unsigned int n_enabled = 0;

  cphp_select (0);
  cphp_command (CPHP_CMD_NEXT_EVENT);
  for (uint32_t selector = 1; selector < MAX_CPUS; selector++)
    {
      cphp_select (selector);
      if (cphp_data () != selector)
        break;
      n_possible++;
    }

  for (uint32_t selector = 0; selector < n_possible; selector++)
    {
      uint32_t apic_id = cphp_arch_id (selector);
      const struct madt_cpu *cpu = madt_find (apic_id);
      bool enabled;

      cphp_select (selector);
      enabled = cphp_status () & CPHP_STATUS_ENABLED;
      n_enabled += enabled;
      if (cpu == NULL)
        guest_panic ("cpu-hotplug: CPU %u (APIC id %u) is not in the MADT", selector, apic_id);
      if (cpu->enabled != enabled)
        guest_panic ("cpu-hotplug: CPU %u (APIC id %u) is %s in the block but %s in the MADT",
                     selector, apic_id, enabled ? "enabled" : "not enabled",
                     cpu->enabled ? "enabled" : "not enabled");
    }
  cphp_select (0);
  cphp_command (CPHP_CMD_NEXT_EVENT);

  guest_printf ("cpu-hotplug: the hotplug block has %u possible CPUs, %u enabled\n",
                n_possible, n_enabled);
  if (n_possible != n_madt_cpus)
    guest_panic ("cpu-hotplug: the MADT lists %u CPUs, the hotplug block %u", n_madt_cpus,
                 n_possible);
  return n_possible;
}

static bool
wait_state (uint32_t apic_id,
            uint32_t state)
{
  uint64_t deadline = deadline_after_us (CHECK_IN_TIMEOUT_US);

  while (__atomic_load_n (&cpu_state[apic_id], __ATOMIC_SEQ_CST) != state)
    {
      if (deadline_passed (deadline))
        return false;
      cpu_relax ();
    }
  return true;
}

static void
start_cpu (uint32_t apic_id)
{
  static unsigned int n_starts;

  /* Each start takes the next of the runtime's AP stacks, for good. */
  if (n_starts++ == SMP_MAX_APS)
    guest_panic ("cpu-hotplug: the runtime has stacks for %d CPU starts per boot",
                 SMP_MAX_APS);
  if (!smp_boot_aps (&apic_id, 1, ap_main))
    guest_panic ("cpu-hotplug: could not send INIT-SIPI-SIPI to APIC id %u", apic_id);
  if (!wait_state (apic_id, CPU_ONLINE))
    guest_panic ("cpu-hotplug: APIC id %u did not check in within %d s", apic_id,
                 CHECK_IN_TIMEOUT_US / 1000000);
}

static void
insert_cpu (uint32_t selector)
{
  uint32_t apic_id = cphp_arch_id (selector);

  cphp_select (selector);
  if (!(cphp_status () & CPHP_STATUS_ENABLED))
    guest_panic ("cpu-hotplug: insert event for CPU %u, which is not enabled", selector);
  if (apic_id >= MAX_CPUS || madt_find (apic_id) == NULL)
    guest_panic ("cpu-hotplug: inserted CPU %u has APIC id %u, which the MADT does not list",
                 selector, apic_id);
  /* A repeated event for a CPU already running: nothing to start, only to acknowledge. */
  if (__atomic_load_n (&cpu_state[apic_id], __ATOMIC_SEQ_CST) != CPU_ONLINE)
    start_cpu (apic_id);
  cphp_ost (selector, OST_EVENT_DEVICE_CHECK, OST_SUCCESS);
  guest_printf ("cpu-hotplug: online %u\n", online_count ());
}

static void
remove_cpu (uint32_t selector)
{
  uint32_t apic_id = cphp_arch_id (selector);

  if (apic_id == bsp_apic_id || apic_id >= MAX_CPUS
      || __atomic_load_n (&cpu_state[apic_id], __ATOMIC_SEQ_CST) != CPU_ONLINE)
    {
      cphp_ost (selector, OST_EVENT_EJECT_REQUEST, OST_FAILURE);
      guest_panic ("cpu-hotplug: eject request for CPU %u (APIC id %u), which %s", selector,
                   apic_id, apic_id == bsp_apic_id ? "is the boot CPU" : "is not running");
    }

  cphp_ost (selector, OST_EVENT_EJECT_REQUEST, OST_EJECT_IN_PROGRESS);
  __atomic_store_n (&park_request[apic_id], 1, __ATOMIC_SEQ_CST);
  if (!wait_state (apic_id, CPU_PARKED))
    guest_panic ("cpu-hotplug: APIC id %u did not park", apic_id);

  /* _EJ0. */
  cphp_select (selector);
  cphp_control (CPHP_CONTROL_EJECT);
  if (cphp_status () & CPHP_STATUS_ENABLED)
    guest_panic ("cpu-hotplug: CPU %u is still enabled after the eject", selector);
  __atomic_store_n (&cpu_state[apic_id], CPU_OFFLINE, __ATOMIC_SEQ_CST);
  cphp_ost (selector, OST_EVENT_EJECT_REQUEST, OST_SUCCESS);
  guest_printf ("cpu-hotplug: online %u\n", online_count ());
}

/* \_GPE._E02: collect the CPUs with events, clearing each event, then act on them. The search
 * wraps around, so a selector lower than the last one means the pass is complete (an event
 * raised since then has set the GPE again). Bounded: a device that never runs out of events
 * cannot keep the guest here. */
static void
scan (unsigned int n_possible)
{
  /* One entry per round at most; static, as 4 KiB is a quarter of the boot stack. */
  static uint32_t inserts[2 * MAX_CPUS];
  static uint32_t removes[2 * MAX_CPUS];
  unsigned int n_inserts = 0;
  unsigned int n_removes = 0;
  uint32_t next = 0;

  for (unsigned int round = 0; round < 2 * n_possible && next < n_possible; round++)
    {
      uint32_t selector;
      uint8_t status;

      cphp_select (next);
      cphp_command (CPHP_CMD_NEXT_EVENT);
      status = cphp_status ();
      if (!(status & (CPHP_STATUS_INSERT | CPHP_STATUS_REMOVE)))
        break;
      selector = cphp_data ();
      if (selector < next)
        break;
      if (selector >= n_possible)
        guest_panic ("cpu-hotplug: command 0 selected CPU %u of %u", selector, n_possible);

      /* One event at a time, as QEMU's AML does (QEMU acts on one control bit per write). */
      if (status & CPHP_STATUS_INSERT)
        {
          inserts[n_inserts++] = selector;
          cphp_control (CPHP_CONTROL_CLEAR_INSERT);
          status = cphp_status ();
          if (status & CPHP_STATUS_INSERT)
            guest_panic ("cpu-hotplug: CPU %u's insert event does not clear", selector);
        }
      else
        {
          removes[n_removes++] = selector;
          cphp_control (CPHP_CONTROL_CLEAR_REMOVE);
          status = cphp_status ();
          if (status & CPHP_STATUS_REMOVE)
            guest_panic ("cpu-hotplug: CPU %u's remove event does not clear", selector);
        }
      /* Both events on one CPU: look at it again for the other one. */
      next = status & CPHP_STATUS_REMOVE ? selector : selector + 1;
    }

  for (unsigned int i = 0; i < n_inserts; i++)
    insert_cpu (inserts[i]);
  for (unsigned int i = 0; i < n_removes; i++)
    remove_cpu (removes[i]);
}

static unsigned int
parse_steps (const char *cmdline,
             unsigned int *steps)
{
  char value[64];
  unsigned int n = 0;
  unsigned int number = 0;
  bool digits = false;

  if (!cmdline_get (cmdline, "steps", value, sizeof value))
    return 0;
  for (const char *p = value;; p++)
    {
      if (*p >= '0' && *p <= '9' && number < MAX_CPUS)
        {
          number = number * 10 + (unsigned int) (*p - '0');
          digits = true;
        }
      else if ((*p == ',' || *p == '\0') && digits && n < MAX_STEPS)
        {
          steps[n++] = number;
          number = 0;
          digits = false;
          if (*p == '\0')
            return n;
        }
      else
        guest_panic ("cpu-hotplug: steps=%s is not a list of up to %d CPU counts", value,
                     MAX_STEPS);
    }
}

int
guest_main (const struct hvm_start_info *start_info)
{
  const char *cmdline = guest_cmdline ();
  struct acpi_fixed_hw hw;
  unsigned int steps[MAX_STEPS];
  unsigned int n_steps;
  unsigned int step = 0;
  unsigned int n_possible;
  unsigned int online;
  uint64_t max_cpus;
  uint64_t deadline;

  n_steps = parse_steps (cmdline, steps);
  cmdline_get_u64 (cmdline, "timeout", &timeout_s);
  bsp_apic_id = lapic_id ();
  if (bsp_apic_id >= MAX_CPUS)
    guest_panic ("cpu-hotplug: the boot CPU's APIC id %u is not an xAPIC id", bsp_apic_id);

  if (!acpi_fixed_hw_find (start_info, &hw))
    guest_panic ("cpu-hotplug: no usable FADT");
  if (hw.gpe0 == 0)
    guest_panic ("cpu-hotplug: the FADT has no GPE0 block");
  guest_printf ("cpu-hotplug: GPE0_BLK %#x (%u bytes)\n", hw.gpe0, hw.gpe0_len);
  if (!acpi_enter_acpi_mode (&hw))
    guest_panic ("cpu-hotplug: could not enter ACPI mode");

  read_madt (start_info);
  if (cmdline_get_u64 (cmdline, "max-cpus", &max_cpus) && max_cpus != n_madt_cpus)
    guest_panic ("cpu-hotplug: the command line says max-cpus=%lu but the MADT lists %u",
                 max_cpus, n_madt_cpus);

  cphp_enable_modern ();
  n_possible = cphp_enumerate ();

  for (unsigned int i = 0; i < n_madt_cpus; i++)
    if (madt_cpus[i].enabled && madt_cpus[i].apic_id != bsp_apic_id)
      start_cpu (madt_cpus[i].apic_id);
  online = online_count ();
  guest_printf ("cpu-hotplug: online %u\n", online);

  /* An event from before we listened sets the status too: clear it, then scan anyway. */
  acpi_gpe0_set_enabled (&hw, GPE_CPU_HOTPLUG, true);
  acpi_gpe0_clear_status (&hw, GPE_CPU_HOTPLUG);
  scan (n_possible);
  guest_printf ("cpu-hotplug: ready\n");
  serial_flush ();

  deadline = deadline_after_us (timeout_s * 1000000);
  for (;;)
    {
      if (acpi_gpe0_status (&hw, GPE_CPU_HOTPLUG))
        {
          /* Clear first: an event during the scan sets it again and is not lost. */
          acpi_gpe0_clear_status (&hw, GPE_CPU_HOTPLUG);
          scan (n_possible);
          online = online_count ();
          if (step < n_steps && online == steps[step])
            step++;
          deadline = deadline_after_us (timeout_s * 1000000);
        }
      if (inb (SERIAL_COM1 + UART_LSR) & UART_LSR_DR)
        {
          char c = (char) inb (SERIAL_COM1 + UART_RBR);

          if (c == 'q')
            break;
        }
      if (deadline_passed (deadline))
        guest_panic ("cpu-hotplug: nothing happened for %lu s", timeout_s);
      cpu_relax ();
    }

  if (step < n_steps)
    {
      guest_printf ("cpu-hotplug: told to finish after %u of %u steps; now online %u, next "
                    "step %u\n", step, n_steps, online, steps[step]);
      return GUEST_EXIT_FAIL;
    }
  guest_printf ("cpu-hotplug: done, %u steps, online %u\n", n_steps, online);
  return GUEST_EXIT_PASS;
}
