/* vmm.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "block/disk-spec.h"
#include "net/nic-spec.h"
#include "vmm-error.h"

#define VMM_MAX_DISKS 8

typedef enum
{
  VMM_SERIAL_STDIO,
  VMM_SERIAL_PTY,
  VMM_SERIAL_NONE,
} VmmSerialMode;

typedef enum
{
  VMM_IRQCHIP_SPLIT,    /* LAPICs in KVM, our IOAPIC, no PIC or PIT: fast to build */
  VMM_IRQCHIP_KERNEL,   /* all of it in KVM, with PIC and PIT: for firmware and old guests */
} VmmIrqchip;

/* What --boot lists, in order: all drives of that kind, in command-line
 * order. */
typedef enum
{
  VMM_BOOT_CDROM,
  VMM_BOOT_DISK,
} VmmBootDevice;

#define VMM_MAX_BOOT_DEVICES 2

typedef enum
{
  VMM_RUN_STATE_RUNNING,
  VMM_RUN_STATE_PAUSED,
  VMM_RUN_STATE_SHUTDOWN,
} VmmRunState;

/* Everything comes from the command line: the VMM reads no configuration. */
typedef struct
{
  const char    *name;
  const char    *uuid;           /* canonical lower-case text form */
  uint64_t       memory_mib;
  uint64_t       max_memory_mib; /* the guest's RAM; above memory_mib, the balloon holds the rest */
  unsigned       n_vcpus;        /* enabled at power-on */
  unsigned       max_vcpus;      /* possible: n_vcpus..max_vcpus can be plugged in live */
  VmmIrqchip     irqchip;
  const char    *firmware_path;  /* BIOS image; NULL: direct kernel boot */
  const char    *firmware_log;   /* debug output on port 0x402 goes here; NULL: nowhere */
  VmmBootDevice  boot_order[VMM_MAX_BOOT_DEVICES];
  unsigned       n_boot;         /* 0: the firmware's own order (CD-ROM, then disk) */
  const char    *kernel_path;
  const char    *initrd_path;
  const char    *cmdline;
  VmmSerialMode  serial_mode;
  const char    *serial_link;    /* VMM_SERIAL_PTY: symlink to the pty, or NULL */
  VmmSerialMode  console_mode;   /* virtio-console: VMM_SERIAL_PTY or VMM_SERIAL_NONE */
  const char    *console_link;
  const char    *control_path;   /* NULL: no control socket */
  bool           start_paused;   /* vCPUs wait for "cont" */
  const char    *vnc_unix_path;  /* --display vnc=unix:PATH */
  const char    *vnc_tcp_address;
  int            vnc_tcp_port;   /* --display vnc=ADDRESS:PORT; 0: none */
  DiskSpec       disks[VMM_MAX_DISKS];
  unsigned       n_disks;
  NicSpec        nics[NIC_MAX_NICS];   /* virtio-net cards, MACs from uuid unless given */
  unsigned       n_nics;
} VmmConfig;

typedef struct Vmm Vmm;
typedef struct VirtioBalloon VirtioBalloon;
typedef struct DisplayConsole DisplayConsole;
typedef struct Vga Vga;

Vmm             *vmm_new            (const VmmConfig *config,
                                     VmmError        *err);
int              vmm_run            (Vmm             *vmm);
void             vmm_free           (Vmm             *vmm);

const VmmConfig *vmm_get_config     (Vmm             *vmm);
VmmRunState      vmm_get_run_state  (Vmm             *vmm);
const char      *vmm_get_serial_pty (Vmm             *vmm);
const char      *vmm_get_console_pty (Vmm            *vmm);
void             vmm_pause          (Vmm             *vmm);
void             vmm_resume         (Vmm             *vmm);
VirtioBalloon   *vmm_get_balloon    (Vmm             *vmm);
DisplayConsole  *vmm_get_display    (Vmm             *vmm);
Vga             *vmm_get_vga        (Vmm             *vmm);
void             vmm_request_reset  (Vmm             *vmm,
                                     const char      *reason);
/* ACPI: the power button (true when the guest's OS listens to it), live
 * vCPUs (set-vcpus, query-vcpus). */
bool             vmm_system_powerdown (Vmm           *vmm);
int              vmm_set_vcpus      (Vmm             *vmm,
                                     unsigned         count,
                                     VmmError        *err);
struct json_object *vmm_query_vcpus (Vmm             *vmm);
/* Drives (query-block) and CD-ROM media, by device name: cdrom0, disk0… */
struct json_object *vmm_query_block (Vmm             *vmm);
int              vmm_eject_medium   (Vmm             *vmm,
                                     const char      *device,
                                     bool             force,
                                     VmmError        *err);
int              vmm_change_medium  (Vmm             *vmm,
                                     const char      *device,
                                     const char      *path,
                                     VmmError        *err);
void             vmm_request_exit   (Vmm             *vmm,
                                     int              status,
                                     const char      *reason);
