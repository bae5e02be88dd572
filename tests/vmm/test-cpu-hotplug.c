/* test-cpu-hotplug.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>

#include <glib.h>

#include "devices/acpi-pm.h"
#include "devices/cpu-hotplug.h"

/* The register layout of QEMU's docs/specs/acpi_cpu_hotplug.rst, as a
 * guest's AML uses it. */
#define REG_SELECTOR   0x0
#define REG_CMD_DATA2  0x0
#define REG_FLAGS      0x4
#define REG_COMMAND    0x5
#define REG_CMD_DATA   0x8

#define FLAG_ENABLED       0x01
#define FLAG_INSERT_EVENT  0x02
#define FLAG_REMOVE_EVENT  0x04
#define CTL_CLEAR_INSERT   0x02
#define CTL_CLEAR_REMOVE   0x04
#define CTL_EJECT          0x08
#define CTL_FW_EJECT       0x10

#define CMD_NEXT_WITH_EVENT  0
#define CMD_OST_EVENT        1
#define CMD_OST_STATUS       2
#define CMD_ARCH_ID          3

#define MAX_CPUS  4

typedef struct
{
  CpuHotplug *hp;
  AcpiPm     *pm;          /* when set, raise_gpe goes to its GPE0 */
  unsigned    gpes;
  unsigned    ejects;
  unsigned    ejected_cpu;
  unsigned    osts;
  unsigned    ost_cpu;
  uint32_t    ost_event;
  uint32_t    ost_status;
  int         state_seen;  /* read back from inside a callback */
} Host;

static void
host_raise_gpe (void *opaque)
{
  Host *host = opaque;

  host->gpes++;
  if (host->pm != NULL)
    acpi_pm_raise_gpe (host->pm, ACPI_GPE_CPU_HOTPLUG);
}

static void
host_eject (void     *opaque,
            unsigned  cpu)
{
  Host *host = opaque;

  host->ejects++;
  host->ejected_cpu = cpu;
  /* The VMM looks at the device again from the callback. */
  host->state_seen = cpu_hotplug_state (host->hp, cpu);
}

static void
host_ost (void     *opaque,
          unsigned  cpu,
          uint32_t  event,
          uint32_t  status)
{
  Host *host = opaque;

  host->osts++;
  host->ost_cpu = cpu;
  host->ost_event = event;
  host->ost_status = status;
}

static const CpuHotplugOps host_ops = {
  .raise_gpe = host_raise_gpe,
  .eject     = host_eject,
  .ost       = host_ost,
};

static void
host_init (Host     *host,
           unsigned  max_cpus,
           unsigned  n_enabled)
{
  *host = (Host) { 0 };
  host->hp = cpu_hotplug_new (max_cpus, n_enabled, &host_ops, host);
  g_assert_nonnull (host->hp);
}

static void
select_cpu (Host     *host,
            uint32_t  cpu)
{
  cpu_hotplug_io_ops.write (host->hp, REG_SELECTOR, cpu, 4);
}

static void
command (Host    *host,
         uint8_t  cmd)
{
  cpu_hotplug_io_ops.write (host->hp, REG_COMMAND, cmd, 1);
}

static uint8_t
read_flags (Host *host)
{
  return cpu_hotplug_io_ops.read (host->hp, REG_FLAGS, 1);
}

static void
control (Host    *host,
         uint8_t  bits)
{
  cpu_hotplug_io_ops.write (host->hp, REG_FLAGS, bits, 1);
}

static uint32_t
read_cmd_data (Host *host)
{
  return cpu_hotplug_io_ops.read (host->hp, REG_CMD_DATA, 4);
}

static uint32_t
read_cmd_data2 (Host *host)
{
  return cpu_hotplug_io_ops.read (host->hp, REG_CMD_DATA2, 4);
}

static void
write_cmd_data (Host     *host,
                uint32_t  value)
{
  cpu_hotplug_io_ops.write (host->hp, REG_CMD_DATA, value, 4);
}

typedef struct
{
  unsigned n;
  unsigned cpu[2 * MAX_CPUS];
  uint8_t  flags[2 * MAX_CPUS];
} ScanResult;

/* What the AML's scan method does on the hotplug GPE: find each CPU with an
 * event, notify the OS (recorded here) and clear the event. Bounded, as AML
 * should be: a device that kept reporting events could not hang it. */
static ScanResult
aml_scan (Host *host)
{
  ScanResult result = { 0 };

  select_cpu (host, 0);
  for (unsigned i = 0; i < G_N_ELEMENTS (result.cpu); i++)
    {
      uint8_t flags;

      command (host, CMD_NEXT_WITH_EVENT);
      flags = read_flags (host);
      if (!(flags & (FLAG_INSERT_EVENT | FLAG_REMOVE_EVENT)))
        break;
      result.cpu[result.n] = read_cmd_data (host);
      result.flags[result.n] = flags;
      result.n++;
      control (host, flags & FLAG_INSERT_EVENT ? CTL_CLEAR_INSERT : CTL_CLEAR_REMOVE);
    }
  return result;
}

/* The OS's _OST for a CPU, through the command interface. */
static void
aml_ost (Host     *host,
         uint32_t  cpu,
         uint32_t  event,
         uint32_t  status)
{
  select_cpu (host, cpu);
  command (host, CMD_OST_EVENT);
  write_cmd_data (host, event);
  command (host, CMD_OST_STATUS);
  write_cmd_data (host, status);
}

static void
test_detect_and_enumerate (void)
{
  Host host;
  unsigned present = 0, iterator = 0;

  host_init (&host, MAX_CPUS, 2);

  /* The document's detection sequence. */
  select_cpu (&host, 0);
  command (&host, CMD_NEXT_WITH_EVENT);
  g_assert_cmphex (read_cmd_data2 (&host), ==, 0);

  /* Its enumeration sequence, which ends when command data reads 0 at an
   * invalid selector. */
  select_cpu (&host, 0);
  command (&host, CMD_NEXT_WITH_EVENT);
  do
    {
      if (read_flags (&host) & FLAG_ENABLED)
        present++;
      iterator++;
      select_cpu (&host, iterator);
    }
  while (read_cmd_data (&host) != 0 && iterator < 100);
  select_cpu (&host, 0);
  g_assert_cmpuint (present, ==, 2);
  g_assert_cmpuint (iterator, ==, MAX_CPUS);

  for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
    g_assert_cmpint (cpu_hotplug_state (host.hp, cpu), ==,
                     cpu < 2 ? CPU_HOTPLUG_ENABLED : CPU_HOTPLUG_ABSENT);
  g_assert_cmpint (cpu_hotplug_state (host.hp, MAX_CPUS), ==, CPU_HOTPLUG_ABSENT);
  g_assert_cmpint (cpu_hotplug_state (host.hp, G_MAXUINT), ==, CPU_HOTPLUG_ABSENT);
  g_assert_cmpuint (host.gpes, ==, 0);
  cpu_hotplug_free (host.hp);
}

static void
test_insert (void)
{
  Host host;
  ScanResult scan;

  host_init (&host, MAX_CPUS, 2);

  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 2), ==, 0);
  g_assert_cmpuint (host.gpes, ==, 1);
  g_assert_cmpint (cpu_hotplug_state (host.hp, 2), ==, CPU_HOTPLUG_PENDING_INSERT);

  scan = aml_scan (&host);
  g_assert_cmpuint (scan.n, ==, 1);
  g_assert_cmpuint (scan.cpu[0], ==, 2);
  g_assert_cmphex (scan.flags[0], ==, FLAG_ENABLED | FLAG_INSERT_EVENT);
  g_assert_cmpint (cpu_hotplug_state (host.hp, 2), ==, CPU_HOTPLUG_ENABLED);
  select_cpu (&host, 2);
  g_assert_cmphex (read_flags (&host), ==, FLAG_ENABLED);

  /* A second scan finds nothing and leaves the selector where it was. */
  scan = aml_scan (&host);
  g_assert_cmpuint (scan.n, ==, 0);
  command (&host, CMD_NEXT_WITH_EVENT);
  g_assert_cmpuint (read_cmd_data (&host), ==, 0);

  /* The OS reports the CPU online (_OST device check, success). */
  aml_ost (&host, 2, 0x01, 0x00);
  g_assert_cmpuint (host.osts, ==, 1);
  g_assert_cmpuint (host.ost_cpu, ==, 2);
  g_assert_cmphex (host.ost_event, ==, 0x01);
  g_assert_cmphex (host.ost_status, ==, 0x00);
  /* Only a status write reports. */
  command (&host, CMD_OST_EVENT);
  write_cmd_data (&host, 0x03);
  g_assert_cmpuint (host.osts, ==, 1);

  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 2), ==, -EEXIST);
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 0), ==, -EEXIST);
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, MAX_CPUS), ==, -EINVAL);
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, G_MAXUINT), ==, -EINVAL);
  g_assert_cmpuint (host.gpes, ==, 1);

  cpu_hotplug_free (host.hp);
}

static void
test_remove_and_eject (void)
{
  Host host;
  ScanResult scan;

  host_init (&host, MAX_CPUS, MAX_CPUS);

  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 0), ==, -EPERM);
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, MAX_CPUS), ==, -EINVAL);
  g_assert_cmpuint (host.gpes, ==, 0);

  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 1), ==, 0);
  g_assert_cmpuint (host.gpes, ==, 1);
  g_assert_cmpint (cpu_hotplug_state (host.hp, 1), ==, CPU_HOTPLUG_PENDING_REMOVE);

  scan = aml_scan (&host);
  g_assert_cmpuint (scan.n, ==, 1);
  g_assert_cmpuint (scan.cpu[0], ==, 1);
  g_assert_cmphex (scan.flags[0], ==, FLAG_ENABLED | FLAG_REMOVE_EVENT);
  /* The event is gone, the CPU stays until the OS lets go of it. */
  g_assert_cmpint (cpu_hotplug_state (host.hp, 1), ==, CPU_HOTPLUG_PENDING_REMOVE);
  g_assert_cmpuint (host.ejects, ==, 0);

  /* _EJ0 once the OS has taken it offline. */
  select_cpu (&host, 1);
  control (&host, CTL_EJECT);
  g_assert_cmpuint (host.ejects, ==, 1);
  g_assert_cmpuint (host.ejected_cpu, ==, 1);
  g_assert_cmpint (host.state_seen, ==, CPU_HOTPLUG_ABSENT);
  g_assert_cmphex (read_flags (&host), ==, 0);

  /* A second eject is ignored, and a removed CPU cannot be removed. */
  control (&host, CTL_EJECT);
  g_assert_cmpuint (host.ejects, ==, 1);
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 1), ==, -ENOENT);

  /* Eject handed to "firmware" (bit 4) works the same. */
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 3), ==, 0);
  select_cpu (&host, 3);
  control (&host, CTL_FW_EJECT);
  g_assert_cmpuint (host.ejects, ==, 2);
  g_assert_cmpuint (host.ejected_cpu, ==, 3);
  g_assert_cmpint (cpu_hotplug_state (host.hp, 3), ==, CPU_HOTPLUG_ABSENT);
  g_assert_cmphex (read_flags (&host), ==, 0);

  /* And the CPU can come back. */
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 1), ==, 0);
  g_assert_cmpint (cpu_hotplug_state (host.hp, 1), ==, CPU_HOTPLUG_PENDING_INSERT);

  cpu_hotplug_free (host.hp);
}

static void
test_guest_cannot_eject_unasked (void)
{
  Host host;

  host_init (&host, MAX_CPUS, MAX_CPUS);
  for (uint32_t cpu = 0; cpu < MAX_CPUS; cpu++)
    {
      select_cpu (&host, cpu);
      control (&host, CTL_EJECT);
      control (&host, CTL_FW_EJECT);
      control (&host, 0xff);
      g_assert_cmpint (cpu_hotplug_state (host.hp, cpu), ==, CPU_HOTPLUG_ENABLED);
    }
  g_assert_cmpuint (host.ejects, ==, 0);
  cpu_hotplug_free (host.hp);
}

static void
test_repeat_and_cancel_remove (void)
{
  Host host;
  ScanResult scan;

  host_init (&host, MAX_CPUS, 3);

  /* A guest that missed or refused the request gets it again. */
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 2), ==, 0);
  g_assert_cmpuint (aml_scan (&host).n, ==, 1);
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 2), ==, 0);
  g_assert_cmpuint (host.gpes, ==, 2);
  g_assert_cmpuint (aml_scan (&host).n, ==, 1);

  /* Plugging it back cancels the removal: an eject after that is the
   * guest's own and ignored, and the guest hears of the CPU again. */
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 2), ==, 0);
  g_assert_cmpuint (host.gpes, ==, 3);
  select_cpu (&host, 2);
  control (&host, CTL_EJECT);
  g_assert_cmpuint (host.ejects, ==, 0);
  scan = aml_scan (&host);
  g_assert_cmpuint (scan.n, ==, 1);
  g_assert_cmphex (scan.flags[0], ==, FLAG_ENABLED | FLAG_INSERT_EVENT);
  g_assert_cmpint (cpu_hotplug_state (host.hp, 2), ==, CPU_HOTPLUG_ENABLED);

  /* Removing a CPU whose insertion the guest has not seen yet: both events
   * are reported, insertion first. */
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 3), ==, 0);
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 3), ==, 0);
  g_assert_cmpint (cpu_hotplug_state (host.hp, 3), ==, CPU_HOTPLUG_PENDING_REMOVE);
  scan = aml_scan (&host);
  g_assert_cmpuint (scan.n, ==, 2);
  g_assert_cmpuint (scan.cpu[0], ==, 3);
  g_assert_cmphex (scan.flags[0], ==, FLAG_ENABLED | FLAG_INSERT_EVENT | FLAG_REMOVE_EVENT);
  g_assert_cmpuint (scan.cpu[1], ==, 3);
  g_assert_cmphex (scan.flags[1], ==, FLAG_ENABLED | FLAG_REMOVE_EVENT);

  cpu_hotplug_free (host.hp);
}

static void
test_next_with_event_wraps (void)
{
  Host host;

  host_init (&host, MAX_CPUS, 1);
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 1), ==, 0);
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 3), ==, 0);

  /* From the selector on... */
  select_cpu (&host, 2);
  command (&host, CMD_NEXT_WITH_EVENT);
  g_assert_cmpuint (read_cmd_data (&host), ==, 3);
  control (&host, CTL_CLEAR_INSERT);

  /* ...wrapping around the end. */
  command (&host, CMD_NEXT_WITH_EVENT);
  g_assert_cmpuint (read_cmd_data (&host), ==, 1);
  control (&host, CTL_CLEAR_INSERT);

  /* Nothing left: the selector stays put. */
  select_cpu (&host, 2);
  command (&host, CMD_NEXT_WITH_EVENT);
  g_assert_cmpuint (read_cmd_data (&host), ==, 2);
  g_assert_cmphex (read_flags (&host), ==, 0);

  cpu_hotplug_free (host.hp);
}

static void
test_arch_id (void)
{
  Host host;

  host_init (&host, MAX_CPUS, 2);
  command (&host, CMD_ARCH_ID);
  for (uint32_t cpu = 0; cpu < MAX_CPUS; cpu++)
    {
      select_cpu (&host, cpu);
      g_assert_cmpuint (read_cmd_data (&host), ==, cpu);
      g_assert_cmpuint (read_cmd_data2 (&host), ==, 0);
    }
  cpu_hotplug_free (host.hp);
}

static void
test_invalid_selector (void)
{
  const uint32_t bad[] = { MAX_CPUS, MAX_CPUS + 1, 0x100, G_MAXUINT32 };
  Host host;

  host_init (&host, MAX_CPUS, MAX_CPUS);
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 2), ==, 0);
  select_cpu (&host, 2);
  command (&host, CMD_ARCH_ID);

  for (unsigned i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      select_cpu (&host, bad[i]);

      /* Every read of every width reads 0. */
      for (uint64_t offset = 0; offset < ACPI_CPU_HOTPLUG_LEN; offset++)
        for (unsigned size = 1; size <= 4 && offset + size <= ACPI_CPU_HOTPLUG_LEN; size *= 2)
          g_assert_cmphex (cpu_hotplug_io_ops.read (host.hp, offset, size), ==, 0);

      /* Writes elsewhere than the selector are ignored. */
      control (&host, CTL_EJECT | CTL_CLEAR_REMOVE);
      command (&host, CMD_OST_STATUS);
      write_cmd_data (&host, 0x80);
      cpu_hotplug_io_ops.write (host.hp, REG_FLAGS, G_MAXUINT32, 4);
    }
  g_assert_cmpuint (host.ejects, ==, 0);
  g_assert_cmpuint (host.osts, ==, 0);

  /* A valid selector brings back the state from before. */
  select_cpu (&host, 2);
  g_assert_cmphex (read_flags (&host), ==, FLAG_ENABLED | FLAG_REMOVE_EVENT);
  g_assert_cmpuint (read_cmd_data (&host), ==, 2);   /* still command 3 */
  g_assert_cmpint (cpu_hotplug_state (host.hp, 2), ==, CPU_HOTPLUG_PENDING_REMOVE);

  cpu_hotplug_free (host.hp);
}

static void
test_hostile_accesses (void)
{
  const unsigned sizes[] = { 0, 1, 2, 3, 4, 8, 16 };
  const uint64_t far_offsets[] = { 12, 13, 16, 0x100, G_MAXUINT32, G_MAXUINT64 - 3, G_MAXUINT64 };
  Host host;

  host_init (&host, MAX_CPUS, 2);
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 3), ==, 0);
  select_cpu (&host, 3);

  /* Accesses that are not 1, 2 or 4 bytes inside the block read 0 and
   * write nothing. */
  for (unsigned s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      unsigned size = sizes[s];
      bool valid_size = size == 1 || size == 2 || size == 4;

      for (uint64_t offset = 0; offset < ACPI_CPU_HOTPLUG_LEN + 2; offset++)
        if (!valid_size || offset + size > ACPI_CPU_HOTPLUG_LEN)
          {
            g_assert_cmphex (cpu_hotplug_io_ops.read (host.hp, offset, size), ==, 0);
            cpu_hotplug_io_ops.write (host.hp, offset, G_MAXUINT64, size);
          }
      for (unsigned f = 0; f < G_N_ELEMENTS (far_offsets); f++)
        {
          g_assert_cmphex (cpu_hotplug_io_ops.read (host.hp, far_offsets[f], size), ==, 0);
          cpu_hotplug_io_ops.write (host.hp, far_offsets[f], G_MAXUINT64, size);
        }
    }
  g_assert_cmphex (read_flags (&host), ==, FLAG_ENABLED | FLAG_INSERT_EVENT);

  /* Reserved bytes read 0, whatever was written to them. */
  cpu_hotplug_io_ops.write (host.hp, 6, 0xffff, 2);
  g_assert_cmphex (cpu_hotplug_io_ops.read (host.hp, 5, 1), ==, 0);
  g_assert_cmphex (cpu_hotplug_io_ops.read (host.hp, 6, 2), ==, 0);
  /* Reserved control bits change nothing. */
  control (&host, 0xe1);
  g_assert_cmphex (read_flags (&host), ==, FLAG_ENABLED | FLAG_INSERT_EVENT);

  /* Unknown commands: command data reads 0 and writes report nothing. */
  for (unsigned cmd = CMD_ARCH_ID + 1; cmd <= 0xff; cmd++)
    {
      command (&host, cmd);
      g_assert_cmphex (read_cmd_data (&host), ==, 0);
      g_assert_cmphex (read_cmd_data2 (&host), ==, 0);
      write_cmd_data (&host, G_MAXUINT32);
    }
  g_assert_cmpuint (host.osts, ==, 0);

  /* Every offset and width of a valid access, as reads, sees the bytes it
   * covers: all 0 but the status byte and command data (the selector). */
  command (&host, CMD_NEXT_WITH_EVENT);
  {
    uint8_t image[ACPI_CPU_HOTPLUG_LEN] = { 0 };

    image[REG_FLAGS] = FLAG_ENABLED | FLAG_INSERT_EVENT;
    image[REG_CMD_DATA] = 3;
    for (uint64_t offset = 0; offset < ACPI_CPU_HOTPLUG_LEN; offset++)
      for (unsigned size = 1; size <= 4 && offset + size <= ACPI_CPU_HOTPLUG_LEN; size *= 2)
        {
          uint64_t expected = 0;

          for (unsigned i = 0; i < size; i++)
            expected |= (uint64_t) image[offset + i] << (8 * i);
          g_assert_cmphex (cpu_hotplug_io_ops.read (host.hp, offset, size), ==, expected);
        }
  }

  /* The selector takes byte writes, keeping its other bytes. */
  select_cpu (&host, 0x100);
  cpu_hotplug_io_ops.write (host.hp, 1, 0, 1);
  command (&host, CMD_NEXT_WITH_EVENT);
  g_assert_cmpuint (read_cmd_data (&host), ==, 3);   /* from 0, the event on 3 */
  select_cpu (&host, 1);
  cpu_hotplug_io_ops.write (host.hp, 0, 2, 1);
  g_assert_cmpuint (read_cmd_data (&host), ==, 2);

  /* One dword write at offset 2 selects (high selector bytes) and then
   * controls the CPU it selected: it clears 3's insert event. */
  select_cpu (&host, 3);
  cpu_hotplug_io_ops.write (host.hp, 2, (uint32_t) CTL_CLEAR_INSERT << 16, 4);
  g_assert_cmpint (cpu_hotplug_state (host.hp, 3), ==, CPU_HOTPLUG_ENABLED);

  cpu_hotplug_free (host.hp);
  cpu_hotplug_free (NULL);
}

static void
test_reset (void)
{
  Host host;

  host_init (&host, MAX_CPUS, 2);
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 2), ==, 0);
  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 3), ==, 0);
  g_assert_cmpuint (aml_scan (&host).n, ==, 2);
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 3), ==, 0);
  g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 1), ==, 0);
  g_assert_cmpuint (aml_scan (&host).n, ==, 2);
  select_cpu (&host, 3);
  command (&host, CMD_ARCH_ID);

  cpu_hotplug_reset (host.hp);

  /* Plugged CPUs stay; pending removals are forgotten with their events. */
  for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
    g_assert_cmpint (cpu_hotplug_state (host.hp, cpu), ==, CPU_HOTPLUG_ENABLED);
  /* The selector survives, the command does not. */
  g_assert_cmpuint (read_cmd_data (&host), ==, 3);
  g_assert_cmphex (read_flags (&host), ==, FLAG_ENABLED);
  g_assert_cmpuint (aml_scan (&host).n, ==, 0);
  select_cpu (&host, 3);
  control (&host, CTL_EJECT);
  g_assert_cmpuint (host.ejects, ==, 0);

  cpu_hotplug_free (host.hp);
}

static void
test_new_arguments (void)
{
  g_assert_null (cpu_hotplug_new (4, 0, NULL, NULL));
  g_assert_null (cpu_hotplug_new (4, 5, NULL, NULL));
  g_assert_null (cpu_hotplug_new (0, 0, NULL, NULL));

  /* Without callbacks, every path still works. */
  {
    Host host = { 0 };

    host.hp = cpu_hotplug_new (1, 1, NULL, NULL);
    g_assert_nonnull (host.hp);
    g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 0), ==, -EPERM);
    aml_ost (&host, 0, 1, 0);
    cpu_hotplug_free (host.hp);

    host.hp = cpu_hotplug_new (2, 1, NULL, NULL);
    g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 1), ==, 0);
    g_assert_cmpint (cpu_hotplug_request_remove (host.hp, 1), ==, 0);
    select_cpu (&host, 1);
    control (&host, CTL_EJECT);
    g_assert_cmpint (cpu_hotplug_state (host.hp, 1), ==, CPU_HOTPLUG_ABSENT);
    cpu_hotplug_free (host.hp);
  }
}

/* The whole path with acpi-pm: request, GPE, SCI, the guest's handler
 * clearing the GPE and scanning. */
static void
sci_record (void *opaque,
            bool  level)
{
  *(bool *) opaque = level;
}

static void
test_gpe_to_sci (void)
{
  bool sci = false;
  IrqLine line = { sci_record, &sci };
  Host host;
  ScanResult scan;

  host_init (&host, MAX_CPUS, 1);
  host.pm = acpi_pm_new (&line, NULL, NULL);
  g_assert_nonnull (host.pm);

  /* The OS enables the hotplug GPE. */
  acpi_pm_gpe0_ops.write (host.pm, 2, 1u << ACPI_GPE_CPU_HOTPLUG, 2);
  g_assert_false (sci);

  g_assert_cmpint (cpu_hotplug_request_insert (host.hp, 1), ==, 0);
  g_assert_true (sci);

  /* An edge GPE (_E02): the OS clears the status, then runs the method. */
  acpi_pm_gpe0_ops.write (host.pm, 0, 1u << ACPI_GPE_CPU_HOTPLUG, 2);
  g_assert_false (sci);
  scan = aml_scan (&host);
  g_assert_cmpuint (scan.n, ==, 1);
  g_assert_cmpuint (scan.cpu[0], ==, 1);
  g_assert_false (sci);

  acpi_pm_free (host.pm);
  cpu_hotplug_free (host.hp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vmm/cpu-hotplug/detect-and-enumerate", test_detect_and_enumerate);
  g_test_add_func ("/vmm/cpu-hotplug/insert", test_insert);
  g_test_add_func ("/vmm/cpu-hotplug/remove-and-eject", test_remove_and_eject);
  g_test_add_func ("/vmm/cpu-hotplug/guest-cannot-eject-unasked", test_guest_cannot_eject_unasked);
  g_test_add_func ("/vmm/cpu-hotplug/repeat-and-cancel-remove", test_repeat_and_cancel_remove);
  g_test_add_func ("/vmm/cpu-hotplug/next-with-event-wraps", test_next_with_event_wraps);
  g_test_add_func ("/vmm/cpu-hotplug/arch-id", test_arch_id);
  g_test_add_func ("/vmm/cpu-hotplug/invalid-selector", test_invalid_selector);
  g_test_add_func ("/vmm/cpu-hotplug/hostile-accesses", test_hostile_accesses);
  g_test_add_func ("/vmm/cpu-hotplug/reset", test_reset);
  g_test_add_func ("/vmm/cpu-hotplug/new-arguments", test_new_arguments);
  g_test_add_func ("/vmm/cpu-hotplug/gpe-to-sci", test_gpe_to_sci);

  return g_test_run ();
}
