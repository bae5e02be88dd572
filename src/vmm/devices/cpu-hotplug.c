/* cpu-hotplug.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "cpu-hotplug.h"

#define REG_SELECTOR   0x0   /* write; command data 2 on read */
#define REG_FLAGS      0x4
#define REG_COMMAND    0x5   /* write only */
#define REG_CMD_DATA   0x8

#define STATUS_ENABLED       (1u << 0)
#define STATUS_INSERT_EVENT  (1u << 1)
#define STATUS_REMOVE_EVENT  (1u << 2)

#define CONTROL_CLEAR_INSERT  (1u << 1)
#define CONTROL_CLEAR_REMOVE  (1u << 2)
#define CONTROL_EJECT         (1u << 3)
#define CONTROL_FW_EJECT      (1u << 4)

#define CMD_NEXT_WITH_EVENT  0
#define CMD_OST_EVENT        1
#define CMD_OST_STATUS       2
#define CMD_ARCH_ID          3

typedef struct
{
  bool enabled;
  bool insert_event;
  bool remove_event;
  bool remove_requested;   /* by the host; lasts until the eject */
} CpuSlot;

struct CpuHotplug
{
  pthread_mutex_t lock;
  CpuHotplugOps   ops;
  void           *opaque;

  unsigned        max_cpus;
  CpuSlot        *slots;

  uint32_t        selector;
  uint8_t         command;
  uint32_t        ost_event;
  uint32_t        ost_status;
};

/* Which bytes of the block (bit i for byte i) an access covers, or 0 when
 * it is not one of 1, 2 or 4 bytes within the block. */
static unsigned
access_bytes (uint64_t offset,
              unsigned size)
{
  if ((size != 1 && size != 2 && size != 4)
      || offset >= ACPI_CPU_HOTPLUG_LEN || size > ACPI_CPU_HOTPLUG_LEN - offset)
    return 0;
  return ((1u << size) - 1) << offset;
}

/* A 32-bit register at reg updated with the bytes of a write that fall on
 * it; the others keep their value. */
static uint32_t
merge_register (uint32_t       old,
                unsigned       reg,
                const uint8_t  bytes[ACPI_CPU_HOTPLUG_LEN],
                unsigned       touched)
{
  for (unsigned i = 0; i < 4; i++)
    if (touched & (1u << (reg + i)))
      old = (old & ~(UINT32_C (0xff) << (8 * i))) | (uint32_t) bytes[reg + i] << (8 * i);
  return old;
}

static void
put_register (uint8_t  image[ACPI_CPU_HOTPLUG_LEN],
              unsigned reg,
              uint32_t value)
{
  for (unsigned i = 0; i < 4; i++)
    image[reg + i] = value >> (8 * i);
}

static bool
slot_has_event (const CpuSlot *slot)
{
  return slot->insert_event || slot->remove_event;
}

static uint64_t
cpu_hotplug_read (void     *opaque,
                  uint64_t  offset,
                  unsigned  size)
{
  CpuHotplug *hp = opaque;
  unsigned touched = access_bytes (offset, size);
  uint8_t image[ACPI_CPU_HOTPLUG_LEN] = { 0 };
  uint64_t value = 0;

  if (touched == 0)
    return 0;

  pthread_mutex_lock (&hp->lock);
  if (hp->selector < hp->max_cpus)
    {
      const CpuSlot *slot = &hp->slots[hp->selector];

      /* Command data 2 holds the upper half of a 64-bit arch id, and APIC
       * ids fit in 32 bits: the image already has it as 0. */
      image[REG_FLAGS] = (slot->enabled ? STATUS_ENABLED : 0)
                         | (slot->insert_event ? STATUS_INSERT_EVENT : 0)
                         | (slot->remove_event ? STATUS_REMOVE_EVENT : 0);
      /* After command 0 the data is the selector; after command 3 it is the
       * arch id, the APIC id, which is the CPU index. */
      if (hp->command == CMD_NEXT_WITH_EVENT || hp->command == CMD_ARCH_ID)
        put_register (image, REG_CMD_DATA, hp->selector);
    }
  pthread_mutex_unlock (&hp->lock);

  for (unsigned i = 0; i < size; i++)
    value |= (uint64_t) image[offset + i] << (8 * i);
  return value;
}

/* Moves the selector to the first CPU with an event, looking from the
 * selected one on and wrapping once around. */
static void
cpu_hotplug_select_next_with_event (CpuHotplug *hp)
{
  for (unsigned n = 0; n < hp->max_cpus; n++)
    {
      unsigned cpu = (hp->selector + n) % hp->max_cpus;

      if (slot_has_event (&hp->slots[cpu]))
        {
          hp->selector = cpu;
          return;
        }
    }
}

/* Applies a control byte to the selected CPU; returns whether it ejected
 * it. */
static bool
cpu_hotplug_control (CpuHotplug *hp,
                     uint8_t     control)
{
  CpuSlot *slot = &hp->slots[hp->selector];

  if (control & CONTROL_CLEAR_INSERT)
    slot->insert_event = false;
  if (control & CONTROL_CLEAR_REMOVE)
    slot->remove_event = false;
  if (!(control & (CONTROL_EJECT | CONTROL_FW_EJECT)) || !slot->remove_requested)
    return false;

  *slot = (CpuSlot) { 0 };
  return true;
}

static void
cpu_hotplug_write (void     *opaque,
                   uint64_t  offset,
                   uint64_t  value,
                   unsigned  size)
{
  CpuHotplug *hp = opaque;
  unsigned touched = access_bytes (offset, size);
  uint8_t bytes[ACPI_CPU_HOTPLUG_LEN] = { 0 };
  bool ejected = false, ost = false;
  unsigned ejected_cpu = 0, ost_cpu = 0;
  uint32_t ost_event = 0, ost_status = 0;

  if (touched == 0)
    return;
  for (unsigned i = 0; i < size; i++)
    bytes[offset + i] = value >> (8 * i);

  pthread_mutex_lock (&hp->lock);
  /* Registers in address order, so that one wide write selecting a CPU and
   * controlling it acts on the CPU it selects. */
  if (touched & (0xfu << REG_SELECTOR))
    hp->selector = merge_register (hp->selector, REG_SELECTOR, bytes, touched);
  if (hp->selector < hp->max_cpus)
    {
      ejected_cpu = hp->selector;
      if (touched & (1u << REG_FLAGS))
        ejected = cpu_hotplug_control (hp, bytes[REG_FLAGS]);
      if (touched & (1u << REG_COMMAND))
        {
          hp->command = bytes[REG_COMMAND];
          if (hp->command == CMD_NEXT_WITH_EVENT)
            cpu_hotplug_select_next_with_event (hp);
        }
      if (touched & (0xfu << REG_CMD_DATA))
        {
          if (hp->command == CMD_OST_EVENT)
            hp->ost_event = merge_register (hp->ost_event, REG_CMD_DATA, bytes, touched);
          else if (hp->command == CMD_OST_STATUS)
            {
              hp->ost_status = merge_register (hp->ost_status, REG_CMD_DATA, bytes, touched);
              ost = true;
              ost_cpu = hp->selector;
              ost_event = hp->ost_event;
              ost_status = hp->ost_status;
            }
        }
    }
  pthread_mutex_unlock (&hp->lock);

  if (ejected && hp->ops.eject != NULL)
    hp->ops.eject (hp->opaque, ejected_cpu);
  if (ost && hp->ops.ost != NULL)
    hp->ops.ost (hp->opaque, ost_cpu, ost_event, ost_status);
}

const IoBusOps cpu_hotplug_io_ops = {
  .name  = "acpi-cpu-hotplug",
  .read  = cpu_hotplug_read,
  .write = cpu_hotplug_write,
};

CpuHotplug *
cpu_hotplug_new (unsigned             max_cpus,
                 unsigned             n_enabled,
                 const CpuHotplugOps *ops,
                 void                *opaque)
{
  CpuHotplug *hp;

  if (n_enabled == 0 || n_enabled > max_cpus)
    return NULL;
  hp = calloc (1, sizeof *hp);
  if (hp == NULL)
    return NULL;
  hp->slots = calloc (max_cpus, sizeof *hp->slots);
  if (hp->slots == NULL || pthread_mutex_init (&hp->lock, NULL) != 0)
    {
      free (hp->slots);
      free (hp);
      return NULL;
    }
  if (ops != NULL)
    hp->ops = *ops;
  hp->opaque = opaque;
  hp->max_cpus = max_cpus;
  for (unsigned i = 0; i < n_enabled; i++)
    hp->slots[i].enabled = true;
  return hp;
}

void
cpu_hotplug_free (CpuHotplug *hp)
{
  if (hp == NULL)
    return;
  pthread_mutex_destroy (&hp->lock);
  free (hp->slots);
  free (hp);
}

void
cpu_hotplug_reset (CpuHotplug *hp)
{
  pthread_mutex_lock (&hp->lock);
  for (unsigned i = 0; i < hp->max_cpus; i++)
    hp->slots[i] = (CpuSlot) { .enabled = hp->slots[i].enabled };
  hp->command = CMD_NEXT_WITH_EVENT;
  hp->ost_event = 0;
  hp->ost_status = 0;
  pthread_mutex_unlock (&hp->lock);
}

int
cpu_hotplug_request_insert (CpuHotplug *hp,
                            unsigned    cpu)
{
  CpuSlot *slot;

  if (cpu >= hp->max_cpus)
    return -EINVAL;

  pthread_mutex_lock (&hp->lock);
  slot = &hp->slots[cpu];
  if (slot->enabled && !slot->remove_requested)
    {
      pthread_mutex_unlock (&hp->lock);
      return -EEXIST;
    }
  *slot = (CpuSlot) { .enabled = true, .insert_event = true };
  pthread_mutex_unlock (&hp->lock);

  if (hp->ops.raise_gpe != NULL)
    hp->ops.raise_gpe (hp->opaque);
  return 0;
}

int
cpu_hotplug_request_remove (CpuHotplug *hp,
                            unsigned    cpu)
{
  CpuSlot *slot;

  if (cpu >= hp->max_cpus)
    return -EINVAL;
  if (cpu == 0)
    return -EPERM;

  pthread_mutex_lock (&hp->lock);
  slot = &hp->slots[cpu];
  if (!slot->enabled)
    {
      pthread_mutex_unlock (&hp->lock);
      return -ENOENT;
    }
  slot->remove_event = true;
  slot->remove_requested = true;
  pthread_mutex_unlock (&hp->lock);

  if (hp->ops.raise_gpe != NULL)
    hp->ops.raise_gpe (hp->opaque);
  return 0;
}

CpuHotplugState
cpu_hotplug_state (CpuHotplug *hp,
                   unsigned    cpu)
{
  CpuHotplugState state;
  const CpuSlot *slot;

  if (cpu >= hp->max_cpus)
    return CPU_HOTPLUG_ABSENT;

  pthread_mutex_lock (&hp->lock);
  slot = &hp->slots[cpu];
  if (!slot->enabled)
    state = CPU_HOTPLUG_ABSENT;
  else if (slot->remove_requested)
    state = CPU_HOTPLUG_PENDING_REMOVE;
  else if (slot->insert_event)
    state = CPU_HOTPLUG_PENDING_INSERT;
  else
    state = CPU_HOTPLUG_ENABLED;
  pthread_mutex_unlock (&hp->lock);
  return state;
}
