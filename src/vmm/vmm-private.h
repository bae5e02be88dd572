/* vmm-private.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* The Vmm object's insides, shared by vmm.c (the machine's life cycle and the
 * paravirtual platform) and vmm-pc.c (the PC chipset that firmware-booted
 * guests get). */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "firmware/bios-image.h"
#include "firmware/boot-order.h"
#include "firmware/fw-cfg.h"
#include "acpi/dsdt.h"
#include "boot/acpi.h"
#include "boot/kernel-boot.h"
#include "bus/io-bus.h"
#include "bus/irq.h"
#include "chardev/host-line.h"
#include "control/control-server.h"
#include "devices/acpi-pm.h"
#include "devices/cmos-rtc.h"
#include "devices/cpu-hotplug.h"
#include "devices/debug-console.h"
#include "devices/debug-exit.h"
#include "devices/i8042.h"
#include "devices/ioapic.h"
#include "devices/ps2-keyboard.h"
#include "devices/ps2-mouse.h"
#include "devices/vga.h"
#include "display/display-console.h"
#include "display/vnc-module.h"
#include "devices/serial-8250.h"
#include "event-loop.h"
#include "kvm/kvm-vcpu.h"
#include "kvm/kvm-vm.h"
#include "memory/guest-memory.h"
#include "net/net-tap.h"
#include "net/slirp-module.h"
#include "queue-notifier.h"
#include "pci/pci-host.h"
#include "ide/piix-ide.h"
#include "pci/piix3.h"
#include "pci/piix4-pm.h"
#include "virtio/virtio-balloon.h"
#include "virtio/virtio-blk.h"
#include "virtio/virtio-console.h"
#include "virtio/virtio-input.h"
#include "virtio/virtio-net.h"
#include "virtio/virtio-pci.h"
#include "virtio/virtio-rng.h"
#include "vmm.h"

#define VMM_N_GSI          24     /* pins of the in-kernel IOAPIC */
#define VMM_COM1_BASE      0x3f8
#define VMM_COM1_GSI       4
#define VMM_DEBUG_EXIT     0xf4
#define VMM_MMIO_LOG_MAX   16
#define VMM_MAX_VIRTIO     16
#define VMM_VGA_SLOT       8      /* after the RAM slots */
#define VMM_FIRMWARE_SLOT  9

#define VMM_CLEAR(free_func, ptr) do { if ((ptr) != NULL) free_func (ptr); (ptr) = NULL; } while (0)

typedef struct
{
  Vmm      *vmm;
  unsigned  gsi;
} VmmGsi;

/* PCI INTx line pirq (after the swizzle) of a firmware PC. */
typedef struct
{
  Vmm      *vmm;
  unsigned  pirq;
} VmmPirq;

/* A --nic card and what is behind it: a user-mode network in the slirp
 * module, or a TAP interface read by the main loop. */
typedef struct
{
  Vmm             *vmm;
  VirtioNet       *dev;
  GhSlirp         *slirp;
  NetTap          *tap;
  EventLoopWatch  *tap_watch;
} VmmNic;

struct Vmm
{
  VmmConfig        config;
  GuestMemory      mem;
  EventLoop        loop;
  int              wake_fd;
  int              signal_fd;
  HostLine         serial_line;
  HostLine         console_line;   /* virtio-console, with --console */
  ControlServer   *control;
  int              rtc_timer_fd;

  /* Devices live as long as the process; a reset resets them. */
  IoBus            pio_bus;
  IoBus            mmio_bus;
  VmmGsi           gsis[VMM_N_GSI];
  IrqLine          irqs[VMM_N_GSI];
  Serial8250      *uart;
  CmosRtc         *rtc;
  I8042           *i8042;
  DebugExit       *debug_exit;
  DebugConsole    *debug_console;  /* with --firmware-log */
  Ioapic          *ioapic;       /* VMM_IRQCHIP_SPLIT only */
  AcpiPm          *acpi_pm;
  CpuHotplug      *cpu_hotplug;
  bool             vcpus_changed;        /* atomic: set by vCPU threads, taken by the main loop */
  Ps2Keyboard     *kbd;
  Ps2Mouse        *mouse;
  Vga             *vga;
  pthread_mutex_t  vga_lock;       /* the video memory's KVM slot */
  bool             vga_mapped;
  uint64_t         vga_gpa;
  DisplayConsole  *display;
  const GhVncModule *vnc_module;
  GhVncServer     *vnc;
  PciHost         *pci;
  Piix3           *piix3;          /* firmware PCs only */
  VmmPirq          pirqs[PCI_HOST_N_INTX];
  VirtioPci       *virtio[VMM_MAX_VIRTIO];
  QueueNotifier   *notifiers[VMM_MAX_VIRTIO];
  unsigned         n_virtio;
  VirtioBlk       *disks[VMM_MAX_DISKS];     /* bus=virtio ones, by --disk index */
  int              disk_pci_slot[VMM_MAX_DISKS];
  VirtioBalloon   *balloon;
  VirtioConsole   *console;
  VirtioInput     *tablet;
  VirtioInput     *keyboard;
  int              balloon_timer_fd;
  bool             balloon_changed;      /* atomic: set by any thread, taken by the main loop */
  int64_t          balloon_event_ms;     /* when the last BALLOON_CHANGE went out */
  VirtioRng       *rng;
  VmmNic           nics[NIC_MAX_NICS];
  unsigned         n_nics;
  const GhSlirpModule *slirp_module;   /* loaded for the first net=user card only */

  FirmwareImage    firmware;       /* with --firmware: read once, mapped as ROM */
  FwCfg           *fw_cfg;         /* with --firmware: what SeaBIOS reads (vmm-pc.c) */
  PiixIde         *ide;            /* with --firmware */
  PciDevice       *piix4_pm;       /* with --firmware */
  char            *medium_path[VMM_MAX_DISKS];   /* in each IDE CD-ROM drive; main thread */

  /* The machine: torn down and built again on reset. */
  KvmVm            kvm;
  BootCpuState     boot_cpu;
  KvmVcpu         *vcpus;
  unsigned         n_vcpus_created;
  /* Per possible vCPU, under lock: whether its thread may enter the guest
   * (a vCPU that is not plugged in waits, parked, without spinning), and its
   * thread's id for query-vcpus. Kept across resets, as a PC keeps its
   * hot-plugged processors. */
  bool            *vcpu_plugged;
  pid_t           *vcpu_tid;
  unsigned         machine_stages_done;

  /* Shared with the vCPU threads, under lock. */
  pthread_mutex_t  lock;
  pthread_cond_t   cond;
  VmmRunState      run_state;
  bool             stopping;
  unsigned         n_threads_running;
  unsigned         n_parked;
  bool             exit_requested;
  int              exit_status;
  const char      *exit_reason;
  bool             reset_requested;
  const char      *reset_reason;
  bool             fatal_reported;

  uint64_t         unknown_ports[65536 / 64];
  uint64_t         unknown_mmio[VMM_MMIO_LOG_MAX];
  unsigned         n_unknown_mmio;
};

/* vmm-pc.c: the PC platform of firmware-booted guests. */
int  vmm_pc_setup     (Vmm      *vmm,
                       VmmError *err);
void vmm_pc_reset     (Vmm      *vmm);
void vmm_pc_free      (Vmm      *vmm);
bool vmm_pc_disk_boot_device (Vmm             *vmm,
                              unsigned         disk,
                              BootOrderDevice *out);
const uint8_t *vmm_uuid_bytes (const char *text,
                               uint8_t     out[16]);

/* vmm.c, for the files above */
void vmm_wake (Vmm *vmm);

/* vmm-acpi.c: the ACPI hardware and what it does to the machine. */
int          vmm_setup_acpi_devices  (Vmm      *vmm,
                                      VmmError *err);
void         vmm_reset_acpi_devices  (Vmm      *vmm);
void         vmm_free_acpi_devices   (Vmm      *vmm);
unsigned     vmm_count_enabled_vcpus (Vmm      *vmm);
void         vmm_describe_acpi_machine (Vmm         *vmm,
                                        AcpiMachine *machine);
void         vmm_emit_vcpus_changed  (Vmm      *vmm);
