/* vmm.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vmm-private.h"

static void
vmm_gsi_set_level (void *opaque,
                   bool  level)
{
  VmmGsi *line = opaque;

  if (line->vmm->ioapic != NULL)
    ioapic_set_irq (line->vmm->ioapic, line->gsi, level);
  else
    kvm_vm_irq_line (&line->vmm->kvm, line->gsi, level);
}

static void
vmm_on_ioapic_route (void     *opaque,
                     unsigned  pin,
                     uint64_t  msi_address,
                     uint32_t  msi_data,
                     bool      masked)
{
  Vmm *vmm = opaque;

  kvm_vm_set_pin_route (&vmm->kvm, pin, msi_address, msi_data, !masked);
}

static void
vmm_on_ioapic_deliver (void     *opaque,
                       unsigned  pin)
{
  Vmm *vmm = opaque;

  kvm_vm_irq_line (&vmm->kvm, pin, true);
}

static void
vmm_on_msi (void     *opaque,
            uint64_t  address,
            uint32_t  data)
{
  Vmm *vmm = opaque;

  kvm_vm_signal_msi (&vmm->kvm, address, data);
}

static void
vmm_on_ioapic_eoi (void    *opaque,
                   uint8_t  vector)
{
  Vmm *vmm = opaque;

  if (vmm->ioapic != NULL)
    ioapic_eoi (vmm->ioapic, vector);
}

static void
vmm_on_debug_exit (void *opaque,
                   int   status)
{
  vmm_request_exit (opaque, status, "guest-exit");
}

/* From any thread: the machine is reset from the main loop. reason goes
 * into the RESET event ("guest-reset", "host-qmp-system-reset").
 *
 * On a PC the reset is immediate: no instruction runs after the write that
 * asked for it. Firmware counts on that, and goes on to force a triple fault
 * when the machine is still running. So every vCPU leaves the guest now and
 * waits for the main loop. */
void
vmm_request_reset (Vmm        *vmm,
                   const char *reason)
{
  pthread_mutex_lock (&vmm->lock);
  vmm->reset_requested = true;
  vmm->reset_reason = reason;
  pthread_mutex_unlock (&vmm->lock);
  for (unsigned i = 0; i < vmm->n_vcpus_created; i++)
    if (vmm->vcpus[i].thread != 0)
      kvm_vcpu_request_exit (&vmm->vcpus[i]);
  vmm_wake (vmm);
}

static void
vmm_on_i8042_reset (void *opaque)
{
  vmm_request_reset (opaque, "guest-reset");
}

static void
vmm_on_unknown_access (void     *opaque,
                       bool      is_mmio,
                       bool      is_write,
                       uint64_t  addr,
                       unsigned  size)
{
  Vmm *vmm = opaque;
  const char *verb = is_write ? "wrote to" : "read from";

  if (!is_mmio)
    {
      uint64_t bit = 1ull << (addr % 64);
      if (__atomic_fetch_or (&vmm->unknown_ports[(addr & 0xffff) / 64], bit, __ATOMIC_RELAXED) & bit)
        return;
      fprintf (stderr, "guesthouse-vmm: the guest %s I/O port 0x%04llx, where no device is "
               "(reads give all-ones; logged once per port)\n", verb, (unsigned long long) addr);
      return;
    }

  pthread_mutex_lock (&vmm->lock);
  for (unsigned i = 0; i < vmm->n_unknown_mmio; i++)
    if (vmm->unknown_mmio[i] == (addr & ~0xfffull))
      {
        pthread_mutex_unlock (&vmm->lock);
        return;
      }
  if (vmm->n_unknown_mmio < VMM_MMIO_LOG_MAX)
    {
      vmm->unknown_mmio[vmm->n_unknown_mmio++] = addr & ~0xfffull;
      fprintf (stderr, "guesthouse-vmm: the guest %s MMIO address 0x%llx, where no device is "
               "(reads give all-ones; logged once per page%s)\n", verb,
               (unsigned long long) addr,
               vmm->n_unknown_mmio == VMM_MMIO_LOG_MAX ? ", and no more pages from now on" : "");
    }
  pthread_mutex_unlock (&vmm->lock);
}

static void
vmm_report_fatal (Vmm         *vmm,
                  KvmVcpu     *vcpu,
                  KvmVcpuExit  why)
{
  char text[1024];
  bool first;

  pthread_mutex_lock (&vmm->lock);
  first = !vmm->fatal_reported;
  vmm->fatal_reported = true;
  pthread_mutex_unlock (&vmm->lock);
  if (!first)
    return;
  kvm_vcpu_describe (vcpu, why, text, sizeof text);
  fprintf (stderr, "guesthouse-vmm: the guest failed: %s\n", text);
  vmm_request_exit (vmm, 1, "guest-panic");
}

static void *
vmm_vcpu_thread (void *data)
{
  KvmVcpu *vcpu = data;
  Vmm *vmm = vcpu->hooks.opaque;

  pthread_mutex_lock (&vmm->lock);
  vmm->vcpu_tid[vcpu->id] = gettid ();
  pthread_mutex_unlock (&vmm->lock);

  for (;;)
    {
      bool stop;
      KvmVcpuExit why;

      pthread_mutex_lock (&vmm->lock);
      while ((vmm->run_state == VMM_RUN_STATE_PAUSED || !vmm->vcpu_plugged[vcpu->id]
              || vmm->reset_requested)
             && !vmm->stopping)
        {
          vmm->n_parked++;
          pthread_cond_broadcast (&vmm->cond);
          pthread_cond_wait (&vmm->cond, &vmm->lock);
          vmm->n_parked--;
        }
      stop = vmm->stopping;
      pthread_mutex_unlock (&vmm->lock);
      if (stop)
        break;

      why = kvm_vcpu_run (vcpu);
      if (why == KVM_VCPU_EXIT_CONTINUE || why == KVM_VCPU_EXIT_INTERRUPTED)
        continue;
      if (why == KVM_VCPU_EXIT_SYSTEM_RESET)
        {
          vmm_request_reset (vmm, "guest-reset");
          continue;
        }
      if (why == KVM_VCPU_EXIT_SYSTEM_OFF)
        vmm_request_exit (vmm, 0, "guest-shutdown");
      else
        vmm_report_fatal (vmm, vcpu, why);
      break;
    }

  pthread_mutex_lock (&vmm->lock);
  vmm->n_threads_running--;
  pthread_cond_broadcast (&vmm->cond);
  pthread_mutex_unlock (&vmm->lock);
  return NULL;
}

/* ---- the machine, in stages ---------------------------------------------------------------- */

static int
vmm_stage_kvm (Vmm      *vmm,
               VmmError *err)
{
  int ret = kvm_vm_open (&vmm->kvm, vmm->config.irqchip == VMM_IRQCHIP_SPLIT
                                    ? KVM_IRQCHIP_SPLIT : KVM_IRQCHIP_KERNEL);

  if (ret == -ENOENT)
    vmm_error_set (err, "/dev/kvm does not exist: KVM is not available on this machine "
                   "(load the kvm module, or enable virtualization in the firmware)");
  else if (ret == -EACCES || ret == -EPERM)
    vmm_error_set (err, "no permission to open /dev/kvm: add your user to the 'kvm' group");
  else if (ret < 0)
    vmm_error_set (err, "cannot create a virtual machine with /dev/kvm: %s", strerror (-ret));
  else if (vmm->config.max_vcpus > vmm->kvm.max_vcpus)
    {
      vmm_error_set (err, "%s %u is more than KVM allows here (%u)",
                     vmm->config.max_vcpus > vmm->config.n_vcpus ? "--max-vcpus" : "--vcpus",
                     vmm->config.max_vcpus, vmm->kvm.max_vcpus);
      kvm_vm_close (&vmm->kvm);
      ret = -EINVAL;
    }
  return ret;
}

static void
vmm_unstage_kvm (Vmm *vmm)
{
  kvm_vm_close (&vmm->kvm);
}

/* Guest RAM, less the legacy VGA window (0xa0000-0xbffff): with no slot
 * there, the guest's accesses exit to the VGA device as MMIO. The host side
 * keeps the RAM behind it, which loaders and devices never use (e820 marks
 * the whole area reserved). Then video memory, with its dirty log. */
static int
vmm_stage_memory_slots (Vmm      *vmm,
                        VmmError *err)
{
  const uint64_t hole_start = VGA_LEGACY_BASE, hole_end = VGA_LEGACY_BASE + VGA_LEGACY_SIZE;
  unsigned slot = 0;
  int ret = 0;

  for (unsigned i = 0; i < vmm->mem.n_regions && ret == 0; i++)
    {
      const GuestMemoryRegion *r = &vmm->mem.regions[i];

      if (r->gpa <= hole_start && r->gpa + r->size >= hole_end)
        {
          ret = kvm_vm_set_memory (&vmm->kvm, slot++, r->gpa, hole_start - r->gpa, r->host);
          if (ret == 0 && r->gpa + r->size > hole_end)
            ret = kvm_vm_set_memory (&vmm->kvm, slot++, hole_end, r->gpa + r->size - hole_end,
                                     r->host + (hole_end - r->gpa));
        }
      else
        ret = kvm_vm_set_memory (&vmm->kvm, slot++, r->gpa, r->size, r->host);
      if (ret < 0)
        vmm_error_set (err, "cannot give %llu MiB of memory to the guest: %s",
                       (unsigned long long) (r->size >> 20), strerror (-ret));
    }

  if (ret == 0 && vmm->firmware.image != NULL)
    {
      ret = kvm_vm_set_memory_flags (&vmm->kvm, VMM_FIRMWARE_SLOT,
                                     firmware_image_rom_base (&vmm->firmware),
                                     vmm->firmware.size, vmm->firmware.image, KVM_VM_READONLY);
      if (ret < 0)
        vmm_error_set (err, "cannot map the firmware: %s", strerror (-ret));
    }

  pthread_mutex_lock (&vmm->vga_lock);
  if (ret == 0 && vmm->vga_mapped)
    {
      size_t size;
      uint8_t *vram = vga_get_vram (vmm->vga, &size);

      ret = kvm_vm_set_memory_flags (&vmm->kvm, VMM_VGA_SLOT, vmm->vga_gpa, size, vram,
                                     KVM_VM_LOG_DIRTY);
      if (ret < 0)
        vmm_error_set (err, "cannot map video memory: %s", strerror (-ret));
    }
  pthread_mutex_unlock (&vmm->vga_lock);
  return ret;
}

/* The guest (or the BAR assignment at start) moved BAR0: KVM cannot move a
 * slot, so it is deleted and made again. */
static void
vmm_on_vga_vram_moved (void     *opaque,
                       bool      mapped,
                       uint64_t  gpa)
{
  Vmm *vmm = opaque;
  size_t size;
  uint8_t *vram = vga_get_vram (vmm->vga, &size);

  pthread_mutex_lock (&vmm->vga_lock);
  if (vmm->vga_mapped && vmm->kvm.vm_fd >= 0)
    kvm_vm_set_memory_flags (&vmm->kvm, VMM_VGA_SLOT, vmm->vga_gpa, 0, vram, 0);
  vmm->vga_mapped = mapped;
  vmm->vga_gpa = gpa;
  if (mapped && vmm->kvm.vm_fd >= 0)
    kvm_vm_set_memory_flags (&vmm->kvm, VMM_VGA_SLOT, gpa, size, vram, KVM_VM_LOG_DIRTY);
  pthread_mutex_unlock (&vmm->vga_lock);
}

/* From the display thread (VNC refresh, screendump). */
static bool
vmm_vga_dirty_log (void     *opaque,
                   uint64_t *bitmap,
                   size_t    n_pages)
{
  Vmm *vmm = opaque;
  bool ok;

  pthread_mutex_lock (&vmm->vga_lock);
  ok = vmm->vga_mapped && vmm->kvm.vm_fd >= 0
       && kvm_vm_get_dirty_log (&vmm->kvm, VMM_VGA_SLOT, bitmap) == 0;
  pthread_mutex_unlock (&vmm->vga_lock);
  return ok;
}

static void
vmm_arm_rtc_timer (Vmm *vmm)
{
  int64_t deadline = cmos_rtc_next_deadline (vmm->rtc);
  struct itimerspec when = { { 0, 0 }, { 0, 0 } };

  if (deadline >= 0)
    {
      when.it_value.tv_sec = deadline / 1000000000;
      when.it_value.tv_nsec = deadline % 1000000000;
      if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0)
        when.it_value.tv_nsec = 1;   /* all-zero would disarm the timer */
    }
  timerfd_settime (vmm->rtc_timer_fd, TFD_TIMER_ABSTIME, &when, NULL);
}

/* From a vCPU thread: timerfd_settime is safe from any thread. */
static void
vmm_on_rtc_deadline_changed (void *opaque)
{
  vmm_arm_rtc_timer (opaque);
}

static void
vmm_on_rtc_timer (void     *opaque,
                  uint32_t  events)
{
  Vmm *vmm = opaque;
  uint64_t expirations;

  if (read (vmm->rtc_timer_fd, &expirations, sizeof expirations) < 0 && errno == EAGAIN)
    return;
  cmos_rtc_run_timer (vmm->rtc);
  vmm_arm_rtc_timer (vmm);
}

static void
vmm_on_pci_reset (void *opaque)
{
  vmm_request_reset (opaque, "guest-reset");
}

static size_t
vmm_uart_rx_space (void *uart)
{
  return serial_8250_rx_space (uart);
}

static size_t
vmm_uart_receive (void          *uart,
                  const uint8_t *buf,
                  size_t         len)
{
  return serial_8250_receive (uart, buf, len);
}

static const HostLineDeviceOps vmm_uart_line_ops = { vmm_uart_rx_space, vmm_uart_receive };

static size_t
vmm_console_rx_space (void *console)
{
  return virtio_console_rx_space (console);
}

static size_t
vmm_console_receive (void          *console,
                     const uint8_t *buf,
                     size_t         len)
{
  return virtio_console_receive (console, buf, len);
}

static const HostLineDeviceOps vmm_console_line_ops = {
  vmm_console_rx_space, vmm_console_receive
};

/* Puts a virtio back end on the PCI bus behind its own transport, with
 * its queue notifications on ioeventfds. */
static int
vmm_add_virtio (Vmm          *vmm,
                VirtioDevice *vdev,
                const char   *what,
                VmmError     *err)
{
  VirtioPci *vp;
  int slot;

  if (vmm->n_virtio == VMM_MAX_VIRTIO)
    {
      vmm_error_set (err, "too many virtio devices (at most %d)", VMM_MAX_VIRTIO);
      return -ENOSPC;
    }
  vp = virtio_pci_new (vdev);
  if (vp == NULL)
    {
      vmm_error_set (err, "out of memory while creating the %s device", what);
      return -ENOMEM;
    }
  vmm->virtio[vmm->n_virtio++] = vp;
  slot = pci_host_add_device (vmm->pci, virtio_pci_get_pci_device (vp), -1);
  if (slot < 0)
    {
      vmm_error_set (err, "cannot put the %s device on the PCI bus: %s", what, strerror (-slot));
      return slot;
    }
  vmm->notifiers[vmm->n_virtio - 1] = queue_notifier_new (&vmm->kvm, &vmm->loop, vp);
  return slot;
}

static int64_t
vmm_now_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void
vmm_emit_balloon_change (Vmm *vmm)
{
  json_object *data;

  vmm->balloon_event_ms = vmm_now_ms ();
  if (vmm->control == NULL)
    return;
  data = json_object_new_object ();
  json_object_object_add (data, "actual",
                          json_object_new_int64 (virtio_balloon_get_actual (vmm->balloon)));
  control_server_emit_event (vmm->control, "BALLOON_CHANGE", data);
}

/* A Linux driver reports every MiB it moves: clients hear of the first
 * change at once, then at most once a second, and always of the last. */
static void
vmm_throttle_balloon_change (Vmm *vmm)
{
  int64_t wait_ms = vmm->balloon_event_ms + 1000 - vmm_now_ms ();
  struct itimerspec when = { { 0, 0 }, { 0, 0 } };

  if (wait_ms <= 0)
    {
      vmm_emit_balloon_change (vmm);
      return;
    }
  when.it_value.tv_sec = wait_ms / 1000;
  when.it_value.tv_nsec = (wait_ms % 1000) * 1000000 + 1;
  timerfd_settime (vmm->balloon_timer_fd, 0, &when, NULL);
}

static void
vmm_on_balloon_timer (void     *opaque,
                      uint32_t  events)
{
  Vmm *vmm = opaque;
  uint64_t expirations;

  if (read (vmm->balloon_timer_fd, &expirations, sizeof expirations) == sizeof expirations)
    vmm_emit_balloon_change (vmm);
}

/* From the thread that ran the driver's request. */
static void
vmm_on_balloon_actual (void     *opaque,
                       uint64_t  actual_bytes)
{
  Vmm *vmm = opaque;

  __atomic_store_n (&vmm->balloon_changed, true, __ATOMIC_RELEASE);
  vmm_wake (vmm);
}

/* A standard VGA (QEMU's 1234:1111): legacy ports and window, DISPI, and
 * video memory in BAR0; the display console reads it for VNC and for
 * screendumps. */
static int
vmm_setup_vga (Vmm      *vmm,
               VmmError *err)
{
  DisplayConsoleConfig display = { NULL, NULL, NULL, vmm_vga_dirty_log, vmm };
  int ret;

  vmm->vga = vga_new (vmm_on_vga_vram_moved, vmm);
  if (vmm->vga == NULL)
    {
      vmm_error_set (err, "out of memory while creating the VGA device");
      return -ENOMEM;
    }
  if ((ret = pci_host_add_device (vmm->pci, vga_get_pci_device (vmm->vga), -1)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, VGA_IO_BASE, VGA_IO_LEN, &vga_ioport_ops,
                               vmm->vga)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, VGA_DISPI_IO_BASE, VGA_DISPI_IO_LEN,
                               &vga_dispi_ops, vmm->vga)) < 0
      || (ret = io_bus_insert (&vmm->mmio_bus, VGA_LEGACY_BASE, VGA_LEGACY_SIZE,
                               &vga_legacy_ops, vmm->vga)) < 0)
    {
      vmm_error_set (err, "cannot place the VGA device: %s", strerror (-ret));
      return ret;
    }
  /* The virtio-input tablet and keyboard exist with every display (and
   * the app always has one): the tablet keeps the guest's pointer where
   * the viewer's is. They join the bus last, in vmm_setup_pci, so that the
   * other devices keep their slots; until the guest's driver is up the
   * display console uses the PS/2 devices. */
  vmm->tablet = virtio_input_new (&vmm->mem, VIRTIO_INPUT_TABLET);
  vmm->keyboard = virtio_input_new (&vmm->mem, VIRTIO_INPUT_KEYBOARD);
  if (vmm->tablet == NULL || vmm->keyboard == NULL)
    {
      vmm_error_set (err, "out of memory while creating the virtio-input devices");
      return -ENOMEM;
    }
  display.vga = vmm->vga;
  display.kbd = vmm->kbd;
  display.mouse = vmm->mouse;
  display.tablet = vmm->tablet;
  display.keyboard = vmm->keyboard;
  vmm->display = display_console_new (&display);
  if (vmm->display == NULL)
    {
      vmm_error_set (err, "out of memory while creating the display console");
      return -ENOMEM;
    }
  return 0;
}

static void
vmm_on_vnc_log (void       *opaque,
                const char *message)
{
  fprintf (stderr, "guesthouse-vmm: vnc: %s\n", message);
}

/* Loaded only when asked for: libvncserver and what it pulls in (TLS,
 * JPEG, PNG) would cost every guest start-up time and memory. */
static int
vmm_setup_vnc (Vmm      *vmm,
               VmmError *err)
{
  const VmmConfig *cfg = &vmm->config;
  GhVncConfig vnc = {
    .unix_path = cfg->vnc_unix_path,
    .tcp_address = cfg->vnc_tcp_address,
    .tcp_port = cfg->vnc_tcp_port,
    .name = cfg->name,
  };
  GhVncCallbacks callbacks;
  char message[256] = "";

  if (cfg->vnc_unix_path == NULL && cfg->vnc_tcp_port == 0)
    return 0;
  vmm->vnc_module = vnc_module_load (message, sizeof message);
  if (vmm->vnc_module == NULL)
    {
      vmm_error_set (err, "cannot load the VNC server: %s", message);
      return -ENOENT;
    }
  display_console_vnc_callbacks (vmm->display, &callbacks);
  callbacks.log = vmm_on_vnc_log;
  vmm->vnc = vmm->vnc_module->start (&vnc, &callbacks, message, sizeof message);
  if (vmm->vnc == NULL)
    {
      vmm_error_set (err, "cannot start the VNC server: %s", message);
      return -EIO;
    }
  return 0;
}

static void
vmm_nic_to_slirp (void          *opaque,
                  const uint8_t *frame,
                  size_t         len)
{
  VmmNic *nic = opaque;

  nic->vmm->slirp_module->transmit (nic->slirp, frame, len);
}

/* On the slirp thread. What the guest has no buffer for is dropped, as
 * libslirp allows: TCP sends it again. */
static void
vmm_nic_from_slirp (void          *opaque,
                    const uint8_t *frame,
                    size_t         len)
{
  VmmNic *nic = opaque;

  virtio_net_receive (nic->dev, frame, len);
}

static void
vmm_on_slirp_log (void       *opaque,
                  const char *message)
{
  fprintf (stderr, "guesthouse-vmm: %s\n", message);
}

static void
vmm_nic_from_tap (void          *opaque,
                  const uint8_t *frame,
                  size_t         len)
{
  VmmNic *nic = opaque;

  virtio_net_receive (nic->dev, frame, len);
}

/* The main loop: the TAP interface has frames for the guest. */
static void
vmm_on_tap_readable (void     *opaque,
                     uint32_t  events)
{
  VmmNic *nic = opaque;

  net_tap_read (nic->tap, vmm_nic_from_tap, nic);
}

/* The index-th --nic: a virtio-net card and its network. libslirp (and
 * GLib with it) is loaded with the first user-mode card only: a guest
 * without one does not pay for it at start-up. */
static int
vmm_setup_nic (Vmm      *vmm,
               unsigned  index,
               VmmError *err)
{
  const NicSpec *spec = &vmm->config.nics[index];
  VmmNic *nic = &vmm->nics[index];
  NetBackend backend = { NULL, NULL, nic };
  char message[256] = "";
  uint8_t mac[6];

  nic->vmm = vmm;
  nic_spec_get_mac (spec, vmm->config.uuid, index, mac);
  if (spec->net == NIC_NET_TAP)
    {
      nic->tap = net_tap_open (spec->tap, message, sizeof message);
      if (nic->tap == NULL)
        {
          vmm_error_set (err, "--nic tap=%s: %s", spec->tap, message);
          return -EIO;
        }
      backend.transmit = net_tap_transmit;
      backend.opaque = nic->tap;
    }
  else
    backend.transmit = vmm_nic_to_slirp;

  nic->dev = virtio_net_new (&vmm->mem, mac, &backend);
  if (nic->dev == NULL)
    {
      vmm_error_set (err, "out of memory while creating the virtio-net device");
      return -ENOMEM;
    }
  vmm->n_nics = index + 1;

  if (spec->net == NIC_NET_TAP)
    {
      nic->tap_watch = event_loop_add (&vmm->loop, net_tap_get_fd (nic->tap), EPOLLIN,
                                       vmm_on_tap_readable, nic);
      if (nic->tap_watch == NULL)
        {
          vmm_error_set (err, "cannot watch the TAP interface %s: %s", spec->tap, strerror (errno));
          return -EIO;
        }
    }
  else
    {
      GhSlirpConfig config = { .n_hostfwd = spec->n_hostfwd, .hostname = vmm->config.name };
      GhSlirpCallbacks callbacks = {
        .opaque = nic,
        .receive = vmm_nic_from_slirp,
        .log = vmm_on_slirp_log,
      };

      for (unsigned i = 0; i < spec->n_hostfwd; i++)
        config.hostfwd[i] = (GhSlirpHostFwd) { spec->hostfwd[i].host_port,
                                               spec->hostfwd[i].guest_port };
      if (vmm->slirp_module == NULL)
        {
          vmm->slirp_module = slirp_module_load (message, sizeof message);
          if (vmm->slirp_module == NULL)
            {
              vmm_error_set (err, "cannot load user-mode networking: %s", message);
              return -ENOENT;
            }
        }
      nic->slirp = vmm->slirp_module->start (&config, &callbacks, message, sizeof message);
      if (nic->slirp == NULL)
        {
          vmm_error_set (err, "--nic %u: %s", index + 1, message);
          return -EIO;
        }
    }
  return vmm_add_virtio (vmm, virtio_net_get_device (nic->dev), "virtio-net", err);
}

/* On a firmware PC, PCI interrupts go both ways, as a PIIX3 wires them: to
 * the I/O APIC's pins 16-19 and, through the PIRQ routing the firmware
 * programs, to an ISA IRQ on the 8259s, for OSes that stay in PIC mode. */
static void
vmm_on_pci_intx (void *opaque,
                 bool  level)
{
  VmmPirq *pirq = opaque;

  irq_line_set (&pirq->vmm->irqs[PCI_HOST_INTX_GSI_BASE + pirq->pirq], level);
  piix3_set_pirq (pirq->vmm->piix3, pirq->pirq, level);
}

static int
vmm_setup_piix3 (Vmm      *vmm,
                 VmmError *err)
{
  /* The ISA IRQs no other device drives: KVM keeps one level per GSI for
   * all of userspace, so a shared one would go to whoever wrote last.
   * SeaBIOS routes the PIRQs to 10 and 11. */
  static const unsigned free_isa_irqs[] = { 5, 10, 11 };
  Piix3Config config = { .reset_request = vmm_on_pci_reset, .reset_opaque = vmm };
  int ret;

  for (unsigned i = 0; i < sizeof free_isa_irqs / sizeof free_isa_irqs[0]; i++)
    config.isa_irq[free_isa_irqs[i]] = vmm->irqs[free_isa_irqs[i]];
  vmm->piix3 = piix3_new (&config);
  if (vmm->piix3 == NULL)
    {
      vmm_error_set (err, "out of memory while creating the PCI-to-ISA bridge");
      return -ENOMEM;
    }
  if ((ret = io_bus_insert (&vmm->pio_bus, PIIX3_PORT92, PIIX3_PORT92_LEN, &piix3_port92_ops,
                            vmm->piix3)) < 0)
    {
      vmm_error_set (err, "cannot place port 0x92 on the I/O bus: %s", strerror (-ret));
      return ret;
    }
  return 0;
}

/* The PCI bus and the paravirtual devices on it. Directly booted guests
 * find every BAR assigned and decoding on, as firmware would leave it; on a
 * firmware PC (an i440FX with a PIIX3 in slot 1 and no ECAM), the firmware
 * assigns them. */
static int
vmm_setup_pci (Vmm      *vmm,
               VmmError *err)
{
  bool firmware = vmm->config.firmware_path != NULL;
  PciHostConfig config = {
    .pio = &vmm->pio_bus,
    .mmio = &vmm->mmio_bus,
    .ecam_base = firmware ? 0 : PCI_HOST_ECAM_BASE,
    .firmware_assigns = firmware,
    .msi = vmm_on_msi,
    .msi_opaque = vmm,
    .reset_request = vmm_on_pci_reset,
    .reset_opaque = vmm,
  };
  int ret;

  if (firmware && (ret = vmm_setup_piix3 (vmm, err)) < 0)
    return ret;
  for (unsigned i = 0; i < PCI_HOST_N_INTX; i++)
    if (firmware)
      {
        vmm->pirqs[i] = (VmmPirq) { vmm, i };
        config.intx[i] = (IrqLine) { vmm_on_pci_intx, &vmm->pirqs[i] };
      }
    else
      config.intx[i] = vmm->irqs[PCI_HOST_INTX_GSI_BASE + i];
  vmm->pci = pci_host_new (&config);
  if (vmm->pci == NULL)
    {
      vmm_error_set (err, "cannot create the PCI bus: %s", strerror (errno));
      return -errno;
    }
  /* Before anything else, so that it is 00:01.0 and the VGA 00:02.0, as on
   * QEMU's PC machine. */
  if (firmware
      && (ret = pci_host_add_function (vmm->pci, piix3_get_pci_device (vmm->piix3), PIIX3_SLOT,
                                       0)) < 0)
    {
      vmm_error_set (err, "cannot put the PCI-to-ISA bridge on the PCI bus: %s", strerror (-ret));
      return ret;
    }

  if ((ret = vmm_setup_vga (vmm, err)) < 0)
    return ret;

  vmm->rng = virtio_rng_new (&vmm->mem);
  if (vmm->rng == NULL)
    {
      vmm_error_set (err, "out of memory while creating the virtio-rng device");
      return -ENOMEM;
    }
  if ((ret = vmm_add_virtio (vmm, virtio_rng_get_device (vmm->rng), "virtio-rng", err)) < 0)
    return ret;

  if (vmm->console_line.open)
    {
      ByteSink out = host_line_sink (&vmm->console_line);

      vmm->console = virtio_console_new (&vmm->mem, &out);
      if (vmm->console == NULL)
        {
          vmm_error_set (err, "out of memory while creating the virtio console");
          return -ENOMEM;
        }
      virtio_console_set_rx_notify (vmm->console, host_line_rx_ready, &vmm->console_line);
      host_line_attach (&vmm->console_line, &vmm_console_line_ops, vmm->console);
      if ((ret = vmm_add_virtio (vmm, virtio_console_get_device (vmm->console), "virtio-console",
                                 err)) < 0)
        return ret;
    }

  for (unsigned i = 0; i < vmm->config.n_disks; i++)
    {
      if (vmm->config.disks[i].bus != DISK_BUS_VIRTIO)
        continue;
      vmm->disks[i] = virtio_blk_new (&vmm->mem, &vmm->config.disks[i], 1, err);
      if (vmm->disks[i] == NULL)
        return -EINVAL;
      if ((ret = vmm_add_virtio (vmm, virtio_blk_get_device (vmm->disks[i]), "virtio-blk",
                                 err)) < 0)
        return ret;
      vmm->disk_pci_slot[i] = ret;
    }

  for (unsigned i = 0; i < vmm->config.n_nics; i++)
    if ((ret = vmm_setup_nic (vmm, i, err)) < 0)
      return ret;

  /* The guest has max_memory_mib of RAM; the balloon starts out holding
   * what lies above memory_mib, and the driver inflates it at boot. */
  if (vmm->config.max_memory_mib > vmm->config.memory_mib)
    {
      vmm->balloon = virtio_balloon_new (&vmm->mem, vmm->config.memory_mib << 20, err);
      if (vmm->balloon == NULL)
        return -EINVAL;
      vmm->balloon_timer_fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
      if (vmm->balloon_timer_fd < 0
          || event_loop_add (&vmm->loop, vmm->balloon_timer_fd, EPOLLIN, vmm_on_balloon_timer,
                             vmm) == NULL)
        {
          vmm_error_set (err, "cannot create the balloon's event timer: %s", strerror (errno));
          return -errno;
        }
      virtio_balloon_set_actual_notify (vmm->balloon, vmm_on_balloon_actual, vmm);
      if ((ret = vmm_add_virtio (vmm, virtio_balloon_get_device (vmm->balloon),
                                 "virtio-balloon", err)) < 0)
        return ret;
    }

  if ((ret = vmm_add_virtio (vmm, virtio_input_get_device (vmm->tablet), "virtio-input tablet",
                             err)) < 0
      || (ret = vmm_add_virtio (vmm, virtio_input_get_device (vmm->keyboard),
                                "virtio-input keyboard", err)) < 0)
    return ret;
  return 0;
}

static int
vmm_setup_debug_console (Vmm      *vmm,
                         VmmError *err)
{
  int fd, ret;

  if (vmm->config.firmware_log == NULL)
    return 0;
  fd = open (vmm->config.firmware_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      ret = -errno;
      vmm_error_set (err, "cannot open the firmware log %s: %s", vmm->config.firmware_log,
                     strerror (errno));
      return ret;
    }
  vmm->debug_console = debug_console_new (fd);
  if (vmm->debug_console == NULL)
    {
      close (fd);
      vmm_error_set (err, "out of memory while creating the firmware log");
      return -ENOMEM;
    }
  if ((ret = io_bus_insert (&vmm->pio_bus, DEBUG_CONSOLE_PORT, DEBUG_CONSOLE_LEN,
                            &debug_console_ops, vmm->debug_console)) < 0)
    vmm_error_set (err, "cannot place the firmware log port: %s", strerror (-ret));
  return ret;
}

static int
vmm_setup_devices (Vmm      *vmm,
                   VmmError *err)
{
  uint64_t ram_below_4g = guest_memory_low_end (&vmm->mem);
  uint64_t ram_above_4g = guest_memory_ram_size (&vmm->mem) - ram_below_4g;
  ByteSink serial_out = host_line_sink (&vmm->serial_line);
  int ret = 0;

  /* The RTC's update and alarm interrupts follow the wall clock. */
  vmm->rtc_timer_fd = timerfd_create (CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
  if (vmm->rtc_timer_fd < 0
      || event_loop_add (&vmm->loop, vmm->rtc_timer_fd, EPOLLIN, vmm_on_rtc_timer, vmm) == NULL)
    {
      vmm_error_set (err, "cannot create the RTC timer: %s", strerror (errno));
      return -1;
    }
  for (unsigned i = 0; i < VMM_N_GSI; i++)
    {
      vmm->gsis[i] = (VmmGsi) { vmm, i };
      vmm->irqs[i] = (IrqLine) { vmm_gsi_set_level, &vmm->gsis[i] };
    }

  if (vmm->config.irqchip == VMM_IRQCHIP_SPLIT)
    {
      IoapicOutput output = { vmm_on_ioapic_route, vmm_on_ioapic_deliver, vmm };
      /* Id 0, as the MADT says. */
      vmm->ioapic = ioapic_new (0, &output);
      if (vmm->ioapic == NULL)
        return -ENOMEM;
      if ((ret = io_bus_insert (&vmm->mmio_bus, IOAPIC_BASE, IOAPIC_SIZE, &ioapic_ops,
                                vmm->ioapic)) < 0)
        {
          vmm_error_set (err, "cannot place the I/O APIC: %s", strerror (-ret));
          return ret;
        }
    }

  vmm->uart = serial_8250_new (&vmm->irqs[VMM_COM1_GSI], &serial_out);
  vmm->rtc = cmos_rtc_new (&vmm->irqs[CMOS_RTC_IRQ], ram_below_4g, ram_above_4g,
                           vmm->config.n_vcpus);
  vmm->i8042 = i8042_new (&vmm->irqs[I8042_KBD_IRQ], &vmm->irqs[I8042_AUX_IRQ],
                          vmm_on_i8042_reset, vmm);
  vmm->debug_exit = debug_exit_new (vmm_on_debug_exit, vmm);
  if (vmm->uart == NULL || vmm->rtc == NULL || vmm->i8042 == NULL || vmm->debug_exit == NULL)
    {
      vmm_error_set (err, "out of memory while creating devices");
      return -ENOMEM;
    }
  vmm->kbd = ps2_keyboard_new (vmm->i8042);
  vmm->mouse = ps2_mouse_new (vmm->i8042);
  if (vmm->kbd == NULL || vmm->mouse == NULL)
    {
      vmm_error_set (err, "out of memory while creating the PS/2 keyboard and mouse");
      return -ENOMEM;
    }
  serial_8250_set_rx_notify (vmm->uart, host_line_rx_ready, &vmm->serial_line);
  host_line_attach (&vmm->serial_line, &vmm_uart_line_ops, vmm->uart);
  cmos_rtc_set_deadline_notify (vmm->rtc, vmm_on_rtc_deadline_changed, vmm);

  if ((ret = io_bus_insert (&vmm->pio_bus, VMM_COM1_BASE, 8, &serial_8250_ops, vmm->uart)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, CMOS_RTC_BASE, CMOS_RTC_LEN, &cmos_rtc_ops,
                               vmm->rtc)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, I8042_DATA_PORT, I8042_PORT_LEN, &i8042_data_ops,
                               vmm->i8042)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, I8042_COMMAND_PORT, I8042_PORT_LEN,
                               &i8042_command_ops, vmm->i8042)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, VMM_DEBUG_EXIT, 4, &debug_exit_ops,
                               vmm->debug_exit)) < 0)
    {
      vmm_error_set (err, "cannot place the legacy devices on the I/O bus: %s", strerror (-ret));
      return ret;
    }
  if ((ret = vmm_setup_debug_console (vmm, err)) < 0
      || (ret = vmm_setup_acpi_devices (vmm, err)) < 0 || (ret = vmm_setup_pci (vmm, err)) < 0)
    return ret;
  return vmm->config.firmware_path != NULL ? vmm_pc_setup (vmm, err) : 0;
}

static void
vmm_reset_devices (Vmm *vmm)
{
  serial_8250_reset (vmm->uart);
  cmos_rtc_reset (vmm->rtc);
  i8042_reset (vmm->i8042);
  if (vmm->ioapic != NULL)
    ioapic_reset (vmm->ioapic);
  pci_host_reset (vmm->pci);
  vmm_reset_acpi_devices (vmm);
  vmm_pc_reset (vmm);
  vga_reset (vmm->vga);
  ps2_keyboard_reset (vmm->kbd);
  ps2_mouse_reset (vmm->mouse);
}

static void
vmm_free_devices (Vmm *vmm)
{
  if (vmm->vnc != NULL)
    vmm->vnc_module->stop (vmm->vnc);
  vmm->vnc = NULL;
  VMM_CLEAR (display_console_free, vmm->display);
  /* I/O threads stop before the transports they interrupt through. */
  for (unsigned i = 0; i < VMM_MAX_DISKS; i++)
    virtio_blk_stop (vmm->disks[i]);
  /* The networks' threads deliver frames, and so interrupts, through the
   * transports: they stop first. The guest's side is quiet already (vCPUs
   * stopped; the main loop, which runs the queue notifiers and TAP reads,
   * done). */
  for (unsigned i = 0; i < vmm->n_nics; i++)
    {
      if (vmm->nics[i].slirp != NULL)
        vmm->slirp_module->stop (vmm->nics[i].slirp);
      vmm->nics[i].slirp = NULL;
      if (vmm->nics[i].tap_watch != NULL)
        event_loop_remove (&vmm->loop, vmm->nics[i].tap_watch);
      vmm->nics[i].tap_watch = NULL;
    }
  /* The bus lets go of its devices first; their owners free them after. */
  VMM_CLEAR (pci_host_free, vmm->pci);
  if (vmm->piix3 != NULL)
    io_bus_remove (&vmm->pio_bus, PIIX3_PORT92, vmm->piix3);
  VMM_CLEAR (piix3_free, vmm->piix3);
  for (unsigned i = 0; i < vmm->n_virtio; i++)
    {
      VMM_CLEAR (queue_notifier_free, vmm->notifiers[i]);
      VMM_CLEAR (virtio_pci_free, vmm->virtio[i]);
    }
  vmm->n_virtio = 0;
  VMM_CLEAR (virtio_rng_free, vmm->rng);
  for (unsigned i = 0; i < vmm->n_nics; i++)
    {
      VMM_CLEAR (virtio_net_free, vmm->nics[i].dev);
      VMM_CLEAR (net_tap_free, vmm->nics[i].tap);
    }
  vmm->n_nics = 0;
  for (unsigned i = 0; i < VMM_MAX_DISKS; i++)
    VMM_CLEAR (virtio_blk_free, vmm->disks[i]);
  VMM_CLEAR (virtio_balloon_free, vmm->balloon);
  VMM_CLEAR (virtio_console_free, vmm->console);
  VMM_CLEAR (virtio_input_free, vmm->tablet);
  VMM_CLEAR (virtio_input_free, vmm->keyboard);
  VMM_CLEAR (vga_free, vmm->vga);
  VMM_CLEAR (ps2_mouse_free, vmm->mouse);
  VMM_CLEAR (ps2_keyboard_free, vmm->kbd);
  VMM_CLEAR (serial_8250_free, vmm->uart);
  VMM_CLEAR (cmos_rtc_free, vmm->rtc);
  VMM_CLEAR (i8042_free, vmm->i8042);
  VMM_CLEAR (debug_exit_free, vmm->debug_exit);
  VMM_CLEAR (debug_console_free, vmm->debug_console);
  VMM_CLEAR (ioapic_free, vmm->ioapic);
  vmm_pc_free (vmm);
  vmm_free_acpi_devices (vmm);
  io_bus_destroy (&vmm->pio_bus);
  io_bus_destroy (&vmm->mmio_bus);
}

/* The canonical 8-4-4-4-12 text (main.c has checked it) as 16 bytes in
 * RFC 4122 order, for SMBIOS. NULL when there is no UUID or it is not in
 * that form. */
const uint8_t *
vmm_uuid_bytes (const char *text,
                uint8_t     out[16])
{
  unsigned n = 0;

  if (text == NULL)
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    {
      unsigned hi, lo;

      if (*p == '-')
        continue;
      if (n == 16 || sscanf (p, "%1x%1x", &hi, &lo) != 2)
        return NULL;
      out[n++] = (uint8_t) (hi << 4 | lo);
      p++;
    }
  return n == 16 ? out : NULL;
}

/* First, so that a kernel or firmware that cannot boot is reported before
 * anything else is attempted; on reset it is loaded again into the cleared
 * RAM. */
static int
vmm_stage_boot (Vmm      *vmm,
                VmmError *err)
{
  const VmmConfig *cfg = &vmm->config;
  uint8_t uuid[16];
  AcpiMachine acpi;
  KernelBootConfig boot = {
    .kernel_path = cfg->kernel_path,
    .initrd_path = cfg->initrd_path,
    .cmdline = cfg->cmdline,
    .n_vcpus = cfg->n_vcpus,
    .acpi = &acpi,
    .uuid = vmm_uuid_bytes (cfg->uuid, uuid),
  };
  int ret;

  vmm_describe_acpi_machine (vmm, &acpi);
  if (cfg->firmware_path == NULL)
    return kernel_boot_load (&vmm->mem, &boot, &vmm->boot_cpu, err);
  if (vmm->firmware.image == NULL
      && (ret = firmware_image_open (&vmm->firmware, cfg->firmware_path, err)) < 0)
    return ret;
  if ((ret = firmware_image_load_low (&vmm->firmware, &vmm->mem)) < 0)
    vmm_error_set (err, "guest memory is too small for the firmware");
  return ret;
}

static int
vmm_stage_vcpus (Vmm      *vmm,
                 VmmError *err)
{
  const VmmConfig *cfg = &vmm->config;
  int ret;

  vmm->vcpus = calloc (cfg->max_vcpus, sizeof *vmm->vcpus);
  if (vmm->vcpus == NULL)
    return -ENOMEM;
  /* Every possible vCPU exists from the start, in one package of max_vcpus
   * cores; plugging one in only lets its thread run. */
  for (unsigned i = 0; i < cfg->max_vcpus; i++)
    {
      ret = kvm_vcpu_create (&vmm->kvm, i, cfg->max_vcpus, &vmm->vcpus[i]);
      if (ret < 0)
        {
          vmm_error_set (err, "cannot create vCPU %u: %s", i, strerror (-ret));
          return ret;
        }
      vmm->n_vcpus_created++;
      vmm->vcpus[i].pio_bus = &vmm->pio_bus;
      vmm->vcpus[i].mmio_bus = &vmm->mmio_bus;
      vmm->vcpus[i].hooks = (KvmVcpuHooks) {
        vmm_on_unknown_access, vmm_on_ioapic_eoi, vmm
      };
    }
  /* The other vCPUs wait in the kernel for the boot vCPU's INIT-SIPI-SIPI.
   * Firmware starts where a PC does: KVM's reset state, at 0xfffffff0. */
  if (vmm->config.firmware_path != NULL)
    return 0;
  if ((ret = kvm_vcpu_set_boot_state (&vmm->vcpus[0], &vmm->boot_cpu)) < 0)
    vmm_error_set (err, "cannot set up the boot vCPU: %s", strerror (-ret));
  return ret;
}

static int
vmm_stage_notifiers (Vmm      *vmm,
                     VmmError *err)
{
  for (unsigned i = 0; i < vmm->n_virtio; i++)
    if (vmm->notifiers[i] != NULL)
      queue_notifier_attach (vmm->notifiers[i]);
  return 0;
}

static void
vmm_unstage_notifiers (Vmm *vmm)
{
  for (unsigned i = 0; i < vmm->n_virtio; i++)
    if (vmm->notifiers[i] != NULL)
      queue_notifier_forget (vmm->notifiers[i]);
}

static void
vmm_unstage_vcpus (Vmm *vmm)
{
  for (unsigned i = 0; i < vmm->n_vcpus_created; i++)
    kvm_vcpu_destroy (&vmm->vcpus[i]);
  free (vmm->vcpus);
  vmm->vcpus = NULL;
  vmm->n_vcpus_created = 0;
}

typedef struct
{
  const char *name;
  int       (*build)    (Vmm *vmm, VmmError *err);
  void      (*teardown) (Vmm *vmm);
} VmmStage;

/* In build order; torn down in reverse. A reset runs them all again. */
static const VmmStage vmm_machine_stages[] = {
  { "boot",         vmm_stage_boot,         NULL },
  { "kvm",          vmm_stage_kvm,          vmm_unstage_kvm },
  { "memory-slots", vmm_stage_memory_slots, NULL },
  { "notifiers",    vmm_stage_notifiers,    vmm_unstage_notifiers },
  { "vcpus",        vmm_stage_vcpus,        vmm_unstage_vcpus },
};
#define VMM_N_MACHINE_STAGES (sizeof vmm_machine_stages / sizeof vmm_machine_stages[0])

static void
vmm_machine_teardown (Vmm *vmm)
{
  while (vmm->machine_stages_done > 0)
    {
      const VmmStage *stage = &vmm_machine_stages[--vmm->machine_stages_done];
      if (stage->teardown != NULL)
        stage->teardown (vmm);
    }
}

static int
vmm_machine_build (Vmm      *vmm,
                   VmmError *err)
{
  for (unsigned i = 0; i < VMM_N_MACHINE_STAGES; i++)
    {
      int ret = vmm_machine_stages[i].build (vmm, err);
      vmm->machine_stages_done = i + 1;
      if (ret < 0)
        {
          vmm_error_set (err, "cannot build the machine (%s)", vmm_machine_stages[i].name);
          vmm_machine_teardown (vmm);
          return ret;
        }
    }
  return 0;
}

static int
vmm_start_vcpus (Vmm      *vmm,
                 VmmError *err)
{
  pthread_mutex_lock (&vmm->lock);
  vmm->stopping = false;
  pthread_mutex_unlock (&vmm->lock);

  for (unsigned i = 0; i < vmm->n_vcpus_created; i++)
    {
      int ret;

      pthread_mutex_lock (&vmm->lock);
      vmm->n_threads_running++;
      pthread_mutex_unlock (&vmm->lock);
      ret = pthread_create (&vmm->vcpus[i].thread, NULL, vmm_vcpu_thread, &vmm->vcpus[i]);
      if (ret != 0)
        {
          pthread_mutex_lock (&vmm->lock);
          vmm->n_threads_running--;
          pthread_mutex_unlock (&vmm->lock);
          vmm_error_set (err, "cannot start the thread of vCPU %u: %s", i, strerror (ret));
          return -ret;
        }
    }
  return 0;
}

/* Makes every vCPU thread return; only the main thread calls it. */
static void
vmm_stop_vcpus (Vmm *vmm)
{
  pthread_mutex_lock (&vmm->lock);
  vmm->stopping = true;
  pthread_cond_broadcast (&vmm->cond);
  pthread_mutex_unlock (&vmm->lock);

  for (unsigned i = 0; i < vmm->n_vcpus_created; i++)
    if (vmm->vcpus[i].thread != 0)
      kvm_vcpu_request_exit (&vmm->vcpus[i]);
  for (unsigned i = 0; i < vmm->n_vcpus_created; i++)
    if (vmm->vcpus[i].thread != 0)
      {
        pthread_join (vmm->vcpus[i].thread, NULL);
        vmm->vcpus[i].thread = 0;
      }
}

/* A PC's reset button: RAM cleared, devices reset, the kernel loaded again;
 * the same process, serial line and control socket carry on. */
static void
vmm_reset (Vmm        *vmm,
           const char *reason)
{
  VmmError err = { { 0 } };

  /* The request holds the vCPUs out of the guest until they are stopped:
   * none may run a single instruction more after the reset was asked. */
  vmm_stop_vcpus (vmm);
  pthread_mutex_lock (&vmm->lock);
  vmm->reset_requested = false;
  pthread_mutex_unlock (&vmm->lock);
  vmm_machine_teardown (vmm);
  for (unsigned i = 0; i < vmm->mem.n_regions; i++)
    madvise (vmm->mem.regions[i].host, vmm->mem.regions[i].size, MADV_DONTNEED);
  vmm_reset_devices (vmm);

  if (vmm_machine_build (vmm, &err) < 0 || vmm_start_vcpus (vmm, &err) < 0)
    {
      fprintf (stderr, "guesthouse-vmm: the guest asked for a reset, and it failed: %s\n",
               err.message);
      vmm_request_exit (vmm, 1, "guest-reset-failed");
      return;
    }
  if (vmm->control != NULL)
    {
      json_object *data = json_object_new_object ();
      json_object_object_add (data, "reason", json_object_new_string (reason));
      control_server_emit_event (vmm->control, "RESET", data);
    }
}

/* ---- the main thread ----------------------------------------------------------------------- */

void
vmm_wake (Vmm *vmm)
{
  uint64_t one = 1;

  if (write (vmm->wake_fd, &one, sizeof one) < 0)
    {
      /* The counter is saturated: a wake-up is pending already. */
    }
}

static void
vmm_on_wake (void     *opaque,
             uint32_t  events)
{
  Vmm *vmm = opaque;
  uint64_t count;
  bool exit_requested, reset_requested;
  const char *reset_reason;

  if (read (vmm->wake_fd, &count, sizeof count) < 0)
    return;
  pthread_mutex_lock (&vmm->lock);
  exit_requested = vmm->exit_requested;
  reset_requested = vmm->reset_requested && !exit_requested;
  reset_reason = vmm->reset_reason;
  pthread_mutex_unlock (&vmm->lock);

  if (__atomic_exchange_n (&vmm->balloon_changed, false, __ATOMIC_ACQ_REL) && !exit_requested)
    vmm_throttle_balloon_change (vmm);
  if (__atomic_exchange_n (&vmm->vcpus_changed, false, __ATOMIC_ACQ_REL) && !exit_requested)
    vmm_emit_vcpus_changed (vmm);

  if (exit_requested)
    {
      vmm_stop_vcpus (vmm);
      pthread_mutex_lock (&vmm->lock);
      vmm->run_state = VMM_RUN_STATE_SHUTDOWN;
      pthread_mutex_unlock (&vmm->lock);
      if (vmm->control != NULL)
        {
          json_object *data = json_object_new_object ();
          json_object_object_add (data, "reason", json_object_new_string (vmm->exit_reason));
          json_object_object_add (data, "status", json_object_new_int (vmm->exit_status));
          control_server_emit_event (vmm->control, "SHUTDOWN", data);
        }
      vmm->loop.quit = true;
    }
  else if (reset_requested)
    vmm_reset (vmm, reset_reason);
}

static void
vmm_on_signal (void     *opaque,
               uint32_t  events)
{
  Vmm *vmm = opaque;
  struct signalfd_siginfo info;

  if (read (vmm->signal_fd, &info, sizeof info) == sizeof info)
    vmm_request_exit (vmm, 128 + (int) info.ssi_signo, "host-signal");
}

static int
vmm_setup_lines (Vmm      *vmm,
                 VmmError *err)
{
  const VmmConfig *cfg = &vmm->config;

  if (cfg->serial_mode == VMM_SERIAL_STDIO)
    host_line_open_stdio (&vmm->serial_line, &vmm->loop);
  else if (cfg->serial_mode == VMM_SERIAL_PTY
           && host_line_open_pty (&vmm->serial_line, &vmm->loop, cfg->serial_link, err) < 0)
    return -1;
  if (cfg->console_mode == VMM_SERIAL_PTY
      && host_line_open_pty (&vmm->console_line, &vmm->loop, cfg->console_link, err) < 0)
    return -1;
  return 0;
}

static int
vmm_setup_signals (Vmm      *vmm,
                   VmmError *err)
{
  sigset_t set;

  /* Blocked here, in the main thread, before any vCPU thread exists, so
   * that every thread inherits the mask and only the signalfd sees them. */
  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGHUP);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  signal (SIGPIPE, SIG_IGN);
  kvm_vcpu_install_kick_handler ();

  vmm->signal_fd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  vmm->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (vmm->signal_fd < 0 || vmm->wake_fd < 0
      || event_loop_add (&vmm->loop, vmm->signal_fd, EPOLLIN, vmm_on_signal, vmm) == NULL
      || event_loop_add (&vmm->loop, vmm->wake_fd, EPOLLIN, vmm_on_wake, vmm) == NULL)
    {
      vmm_error_set (err, "cannot set up the event loop: %s", strerror (errno));
      return -1;
    }
  return 0;
}

Vmm *
vmm_new (const VmmConfig *config,
         VmmError        *err)
{
  Vmm *vmm = calloc (1, sizeof *vmm);
  int ret;

  if (vmm == NULL)
    {
      vmm_error_set (err, "out of memory");
      return NULL;
    }
  vmm->config = *config;
  vmm->wake_fd = vmm->signal_fd = vmm->rtc_timer_fd = vmm->balloon_timer_fd = -1;
  vmm->kvm.kvm_fd = vmm->kvm.vm_fd = -1;   /* no VM yet: nothing for early IRQs to reach */
  io_bus_init (&vmm->pio_bus);
  io_bus_init (&vmm->mmio_bus);
  vmm->run_state = config->start_paused ? VMM_RUN_STATE_PAUSED : VMM_RUN_STATE_RUNNING;
  pthread_mutex_init (&vmm->lock, NULL);
  pthread_mutex_init (&vmm->vga_lock, NULL);
  pthread_cond_init (&vmm->cond, NULL);

  if (vmm->config.max_vcpus < vmm->config.n_vcpus)
    vmm->config.max_vcpus = vmm->config.n_vcpus;
  vmm->vcpu_plugged = calloc (vmm->config.max_vcpus, sizeof *vmm->vcpu_plugged);
  vmm->vcpu_tid = calloc (vmm->config.max_vcpus, sizeof *vmm->vcpu_tid);
  if (vmm->vcpu_plugged == NULL || vmm->vcpu_tid == NULL)
    {
      vmm_error_set (err, "out of memory");
      goto fail;
    }
  for (unsigned i = 0; i < vmm->config.n_vcpus; i++)
    vmm->vcpu_plugged[i] = true;

  ret = guest_memory_init (&vmm->mem, config->max_memory_mib << 20);
  if (ret < 0)
    {
      vmm_error_set (err, "cannot reserve %llu MiB for guest memory: %s",
                     (unsigned long long) config->memory_mib, strerror (-ret));
      goto fail;
    }
  if (event_loop_init (&vmm->loop) < 0
      || vmm_setup_signals (vmm, err) < 0
      || vmm_setup_lines (vmm, err) < 0
      || vmm_setup_devices (vmm, err) < 0
      || vmm_machine_build (vmm, err) < 0
      || vmm_setup_vnc (vmm, err) < 0)
    goto fail;
  if (config->control_path != NULL)
    {
      vmm->control = control_server_new (vmm, &vmm->loop, config->control_path, err);
      if (vmm->control == NULL)
        goto fail;
    }
  return vmm;

fail:
  vmm_error_set (err, "cannot start the guest");
  vmm_free (vmm);
  return NULL;
}

int
vmm_run (Vmm *vmm)
{
  VmmError err = { { 0 } };

  if (vmm_start_vcpus (vmm, &err) < 0)
    {
      fprintf (stderr, "guesthouse-vmm: %s\n", err.message);
      vmm_request_exit (vmm, 1, "host-error");
    }
  event_loop_run (&vmm->loop);
  return vmm->exit_status;
}

void
vmm_free (Vmm *vmm)
{
  if (vmm == NULL)
    return;
  vmm_stop_vcpus (vmm);
  if (vmm->control != NULL)
    control_server_free (vmm->control);
  vmm_machine_teardown (vmm);
  vmm_free_devices (vmm);
  host_line_close (&vmm->serial_line);
  host_line_close (&vmm->console_line);
  if (vmm->rtc_timer_fd >= 0)
    close (vmm->rtc_timer_fd);
  if (vmm->balloon_timer_fd >= 0)
    close (vmm->balloon_timer_fd);
  if (vmm->wake_fd >= 0)
    close (vmm->wake_fd);
  if (vmm->signal_fd >= 0)
    close (vmm->signal_fd);
  event_loop_destroy (&vmm->loop);
  guest_memory_destroy (&vmm->mem);
  firmware_image_close (&vmm->firmware);
  pthread_mutex_destroy (&vmm->lock);
  pthread_mutex_destroy (&vmm->vga_lock);
  pthread_cond_destroy (&vmm->cond);
  free (vmm->vcpu_plugged);
  free (vmm->vcpu_tid);
  free (vmm);
}

const VmmConfig *
vmm_get_config (Vmm *vmm)
{
  return &vmm->config;
}

VmmRunState
vmm_get_run_state (Vmm *vmm)
{
  VmmRunState state;

  pthread_mutex_lock (&vmm->lock);
  state = vmm->run_state;
  pthread_mutex_unlock (&vmm->lock);
  return state;
}

DisplayConsole *
vmm_get_display (Vmm *vmm)
{
  return vmm->display;
}

Vga *
vmm_get_vga (Vmm *vmm)
{
  return vmm->vga;
}

VirtioBalloon *
vmm_get_balloon (Vmm *vmm)
{
  return vmm->balloon;
}

const char *
vmm_get_serial_pty (Vmm *vmm)
{
  return vmm->serial_line.open ? vmm->serial_line.chardev.pty_path : NULL;
}

const char *
vmm_get_console_pty (Vmm *vmm)
{
  return vmm->console_line.open ? vmm->console_line.chardev.pty_path : NULL;
}

/* From the main thread only; returns once every vCPU has stopped. */
void
vmm_pause (Vmm *vmm)
{
  pthread_mutex_lock (&vmm->lock);
  if (vmm->run_state != VMM_RUN_STATE_RUNNING)
    {
      pthread_mutex_unlock (&vmm->lock);
      return;
    }
  vmm->run_state = VMM_RUN_STATE_PAUSED;
  pthread_mutex_unlock (&vmm->lock);

  for (unsigned i = 0; i < vmm->n_vcpus_created; i++)
    if (vmm->vcpus[i].thread != 0)
      kvm_vcpu_request_exit (&vmm->vcpus[i]);

  pthread_mutex_lock (&vmm->lock);
  while (vmm->n_parked < vmm->n_threads_running && !vmm->stopping)
    pthread_cond_wait (&vmm->cond, &vmm->lock);
  pthread_mutex_unlock (&vmm->lock);
  if (vmm->control != NULL)
    control_server_emit_event (vmm->control, "STOP", NULL);
}

void
vmm_resume (Vmm *vmm)
{
  pthread_mutex_lock (&vmm->lock);
  if (vmm->run_state != VMM_RUN_STATE_PAUSED)
    {
      pthread_mutex_unlock (&vmm->lock);
      return;
    }
  vmm->run_state = VMM_RUN_STATE_RUNNING;
  pthread_cond_broadcast (&vmm->cond);
  pthread_mutex_unlock (&vmm->lock);
  if (vmm->control != NULL)
    control_server_emit_event (vmm->control, "RESUME", NULL);
}

/* From any thread. The first request wins: it holds the real cause. */
void
vmm_request_exit (Vmm        *vmm,
                  int         status,
                  const char *reason)
{
  pthread_mutex_lock (&vmm->lock);
  if (!vmm->exit_requested)
    {
      vmm->exit_requested = true;
      vmm->exit_status = status;
      vmm->exit_reason = reason;
    }
  pthread_mutex_unlock (&vmm->lock);
  vmm_wake (vmm);
}
