/* vmm-pc.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/smbios.h"
#include "firmware/boot-order.h"
#include "vmm-private.h"

/* What a firmware-booted guest gets besides the devices every guest has:
 * the PIIX IDE controller at 00:01.1 with the bus=ide drives, the PIIX4
 * power management function at 00:01.3 (for SeaBIOS), and the fw_cfg
 * interface SeaBIOS reads its configuration from. What fw_cfg holds is fixed
 * for the guest's life, so it is built once; a reset only rewinds the
 * device.
 *
 * IDE drives take the positions in --disk order: primary master, primary
 * slave, secondary master, secondary slave. */

#define VMM_PC_IDE_FUNCTION 1

/* The IDE position of --disk number disk, or false for a virtio one. */
static bool
vmm_pc_ide_position (Vmm      *vmm,
                     unsigned  disk,
                     unsigned *channel,
                     unsigned *unit)
{
  unsigned n = 0;

  if (vmm->config.disks[disk].bus != DISK_BUS_IDE)
    return false;
  for (unsigned i = 0; i < disk; i++)
    n += vmm->config.disks[i].bus == DISK_BUS_IDE;
  *channel = n / 2;
  *unit = n % 2;
  return true;
}

static BlockFile *
vmm_pc_open_image (const char *path,
                   bool        read_only,
                   VmmError   *err)
{
  BlockFile *file = malloc (sizeof *file);

  if (file == NULL)
    {
      vmm_error_set (err, "out of memory");
      return NULL;
    }
  if (block_file_open (file, path, read_only, err) < 0)
    {
      free (file);
      return NULL;
    }
  return file;
}

static int
vmm_pc_setup_ide (Vmm      *vmm,
                  VmmError *err)
{
  IdeDriveConfig drives[2][2] = { { { 0 } } };
  const IrqLine irqs[2] = { vmm->irqs[PIIX_IDE_IRQ (0)], vmm->irqs[PIIX_IDE_IRQ (1)] };
  int ret = 0;

  for (unsigned i = 0; i < vmm->config.n_disks && ret == 0; i++)
    {
      const DiskSpec *spec = &vmm->config.disks[i];
      unsigned ch, unit;

      if (!vmm_pc_ide_position (vmm, i, &ch, &unit))
        continue;
      drives[ch][unit].kind = spec->media == DISK_MEDIA_CDROM ? IDE_DRIVE_CDROM : IDE_DRIVE_DISK;
      if (spec->path != NULL && (vmm->medium_path[i] = strdup (spec->path)) == NULL)
        {
          vmm_error_set (err, "out of memory");
          ret = -ENOMEM;
          break;
        }
      drives[ch][unit].serial = spec->serial[0] != '\0' ? spec->serial : NULL;
      if (spec->path != NULL
          && (drives[ch][unit].file = vmm_pc_open_image (spec->path, spec->read_only,
                                                         err)) == NULL)
        ret = -EINVAL;
    }
  if (ret == 0)
    vmm->ide = piix_ide_new (&vmm->mem, (const IdeDriveConfig (*)[2]) drives, irqs, err);
  if (vmm->ide == NULL)
    {
      for (unsigned ch = 0; ch < 2; ch++)
        for (unsigned unit = 0; unit < 2; unit++)
          if (drives[ch][unit].file != NULL)
            {
              block_file_close (drives[ch][unit].file);
              free (drives[ch][unit].file);
            }
      return ret < 0 ? ret : -EINVAL;
    }

  if ((ret = pci_host_add_function (vmm->pci, piix_ide_pci_device (vmm->ide), PIIX3_SLOT,
                                    VMM_PC_IDE_FUNCTION)) < 0)
    {
      vmm_error_set (err, "cannot put the IDE controller on the PCI bus: %s", strerror (-ret));
      return ret;
    }
  ret = 0;   /* pci_host_add_function gave the slot */
  if ((vmm->piix4_pm = piix4_pm_new ()) == NULL)
    {
      vmm_error_set (err, "out of memory while creating the power management function");
      return -ENOMEM;
    }
  if ((ret = pci_host_add_function (vmm->pci, vmm->piix4_pm, PIIX3_SLOT, PIIX4_PM_FUNCTION)) < 0)
    {
      vmm_error_set (err, "cannot put the power management function on the PCI bus: %s",
                     strerror (-ret));
      return ret;
    }
  ret = 0;
  for (unsigned ch = 0; ch < 2 && ret == 0; ch++)
    if ((ret = io_bus_insert (&vmm->pio_bus, PIIX_IDE_CMD_PORT (ch), IDE_COMMAND_BLOCK_LEN,
                              &ide_command_block_ops, piix_ide_channel (vmm->ide, ch))) < 0
        || (ret = io_bus_insert (&vmm->pio_bus, PIIX_IDE_CTRL_PORT (ch), IDE_CONTROL_BLOCK_LEN,
                                 &ide_control_block_ops, piix_ide_channel (vmm->ide, ch))) < 0)
      vmm_error_set (err, "cannot place the IDE channels on the I/O bus: %s", strerror (-ret));
  return ret;
}

/* With no bootable device SeaBIOS waits this long and reboots to try again;
 * QEMU's minute is long for someone watching an empty screen. */
#define VMM_PC_BOOT_FAIL_WAIT_MS 5000u

/* The RAM SeaBIOS is told about: plain RAM ranges, as QEMU gives them.
 * SeaBIOS reserves its own areas (the EBDA, the BIOS, option ROMs) on top. */
static void
vmm_pc_e820 (const GuestMemory *mem,
             E820Map           *map)
{
  map->n_entries = 0;
  for (unsigned i = 0; i < mem->n_regions && map->n_entries < E820_MAX_ENTRIES; i++)
    map->entries[map->n_entries++] = (E820Entry) {
      mem->regions[i].gpa, mem->regions[i].size, E820_TYPE_RAM
    };
}

static int
vmm_pc_add_smbios (Vmm      *vmm,
                   VmmError *err)
{
  uint8_t uuid[16];
  uint8_t *blob = calloc (1, SMBIOS_TABLES_MAX_SIZE);
  SmbiosConfig cfg = {
    .uuid = vmm_uuid_bytes (vmm->config.uuid, uuid),
    .n_vcpus = vmm->config.max_vcpus,
    .ram_size = guest_memory_ram_size (&vmm->mem),
  };
  SmbiosTablesLayout layout;
  int ret;

  if (blob == NULL)
    return -ENOMEM;
  /* SeaBIOS places the structures itself and patches the entry point's
   * address and checksums; it takes QEMU's default, the 32-bit entry point. */
  ret = smbios_tables_build (0, &cfg, blob, SMBIOS_TABLES_MAX_SIZE, &layout);
  if (ret == 0)
    ret = fw_cfg_add_file (vmm->fw_cfg, "etc/smbios/smbios-anchor", blob + layout.ep32, 0x1f);
  if (ret == 0)
    ret = fw_cfg_add_file (vmm->fw_cfg, "etc/smbios/smbios-tables", blob + layout.table,
                           layout.table_size);
  if (ret < 0)
    vmm_error_set (err, "cannot build the SMBIOS tables for the firmware: %s", strerror (-ret));
  free (blob);
  return ret;
}

/* Where SeaBIOS finds --disk number disk. */
bool
vmm_pc_disk_boot_device (Vmm             *vmm,
                         unsigned         disk,
                         BootOrderDevice *out)
{
  const DiskSpec *spec = &vmm->config.disks[disk];

  unsigned ch, unit;

  if (vmm_pc_ide_position (vmm, disk, &ch, &unit))
    {
      *out = (BootOrderDevice) {
        .kind = BOOT_ORDER_IDE, .pci_slot = PIIX3_SLOT, .pci_function = VMM_PC_IDE_FUNCTION,
        .ide_channel = (uint8_t) ch, .ide_unit = (uint8_t) unit,
      };
      return true;
    }
  if (spec->bus == DISK_BUS_VIRTIO)
    {
      if (vmm->disks[disk] == NULL)
        return false;
      *out = (BootOrderDevice) {
        .kind = BOOT_ORDER_VIRTIO_BLK, .pci_slot = (uint8_t) vmm->disk_pci_slot[disk],
      };
      return true;
    }
  return false;
}

/* --boot as SeaBIOS's "bootorder": each kind's drives in command-line
 * order. Drives not listed still boot after the listed ones. */
static int
vmm_pc_add_boot_order (Vmm      *vmm,
                       VmmError *err)
{
  BootOrderDevice devices[VMM_MAX_DISKS];
  unsigned n = 0;
  char *text = NULL;
  int ret;

  if (vmm->config.n_boot == 0)
    return 0;
  for (unsigned b = 0; b < vmm->config.n_boot; b++)
    for (unsigned i = 0; i < vmm->config.n_disks; i++)
      {
        const DiskSpec *disk = &vmm->config.disks[i];
        bool cdrom = disk->media == DISK_MEDIA_CDROM;

        if (cdrom != (vmm->config.boot_order[b] == VMM_BOOT_CDROM))
          continue;
        if (vmm_pc_disk_boot_device (vmm, i, &devices[n]))
          n++;
      }
  ret = boot_order_build (devices, n, &text);
  if (ret == 0)
    ret = fw_cfg_add_file (vmm->fw_cfg, "bootorder", text, strlen (text) + 1);
  if (ret < 0)
    vmm_error_set (err, "cannot set the boot order: %s", strerror (-ret));
  free (text);
  return ret;
}

static int
vmm_pc_add_vga_rom (Vmm      *vmm,
                    VmmError *err)
{
  char name[FW_CFG_FILE_NAME_SIZE];
  uint8_t *rom;
  size_t size;
  int ret;

  /* The VGA BIOS's own limit: the C0000-C7FFF option ROM window and more. */
  ret = firmware_read_file ("VGA BIOS", FIRMWARE_DEFAULT_VGA_ROM, 0x20000, &rom, &size, err);
  if (ret < 0)
    return ret;
  /* Under the name SeaBIOS looks up for a PCI device's ROM ("pciVVVV,DDDD.rom"),
   * so that it runs as the VGA function's own ROM and knows where its
   * linear framebuffer (BAR0) is; from "vgaroms/" it would not. */
  snprintf (name, sizeof name, "pci%04x,%04x.rom", VGA_PCI_VENDOR_ID, VGA_PCI_DEVICE_ID);
  ret = fw_cfg_add_file (vmm->fw_cfg, name, rom, size);
  if (ret < 0)
    vmm_error_set (err, "cannot hand the VGA BIOS to the firmware: %s", strerror (-ret));
  free (rom);
  return ret;
}

static int
vmm_pc_setup_fw_cfg (Vmm      *vmm,
                     VmmError *err)
{
  const VmmConfig *cfg = &vmm->config;
  uint8_t uuid[16] = { 0 };
  E820Map e820;
  int ret;

  vmm->fw_cfg = fw_cfg_new (&vmm->mem);
  if (vmm->fw_cfg == NULL)
    {
      vmm_error_set (err, "out of memory while creating fw_cfg");
      return -ENOMEM;
    }
  if ((ret = io_bus_insert (&vmm->pio_bus, FW_CFG_IO_PORT, FW_CFG_IO_LEN, &fw_cfg_io_ops,
                            vmm->fw_cfg)) < 0
      || (ret = io_bus_insert (&vmm->pio_bus, FW_CFG_DMA_PORT, FW_CFG_DMA_LEN, &fw_cfg_dma_ops,
                               vmm->fw_cfg)) < 0)
    {
      vmm_error_set (err, "cannot place fw_cfg on the I/O bus: %s", strerror (-ret));
      return ret;
    }

  vmm_uuid_bytes (cfg->uuid, uuid);
  vmm_pc_e820 (&vmm->mem, &e820);
  if ((ret = fw_cfg_add_item (vmm->fw_cfg, FW_CFG_UUID, uuid, sizeof uuid)) < 0
      || (ret = fw_cfg_add_u64 (vmm->fw_cfg, FW_CFG_RAM_SIZE,
                                guest_memory_ram_size (&vmm->mem))) < 0
      || (ret = fw_cfg_add_u16 (vmm->fw_cfg, FW_CFG_NB_CPUS, (uint16_t) cfg->n_vcpus)) < 0
      || (ret = fw_cfg_add_u16 (vmm->fw_cfg, FW_CFG_MAX_CPUS, (uint16_t) cfg->max_vcpus)) < 0
      /* No "Press ESC for boot menu" and its 2.5 s wait at every boot, as on
       * QEMU unless asked: --boot says what to boot. */
      || (ret = fw_cfg_add_u16 (vmm->fw_cfg, FW_CFG_BOOT_MENU, 0)) < 0
      /* The MADT says so too: the PIT's IRQ 0 arrives at the I/O APIC's pin 2. */
      || (ret = fw_cfg_add_u32 (vmm->fw_cfg, FW_CFG_IRQ0_OVERRIDE, 1)) < 0
      || (ret = fw_cfg_add_e820 (vmm->fw_cfg, &e820)) < 0)
    {
      vmm_error_set (err, "cannot fill fw_cfg: %s", strerror (-ret));
      return ret;
    }
  {
    uint32_t wait = VMM_PC_BOOT_FAIL_WAIT_MS;
    if ((ret = fw_cfg_add_file (vmm->fw_cfg, "etc/boot-fail-wait", &wait, sizeof wait)) < 0)
      {
        vmm_error_set (err, "cannot fill fw_cfg: %s", strerror (-ret));
        return ret;
      }
  }
  if ((ret = vmm_pc_add_smbios (vmm, err)) < 0
      || (ret = vmm_pc_add_boot_order (vmm, err)) < 0
      || (ret = vmm_pc_add_vga_rom (vmm, err)) < 0)
    return ret;
  return 0;
}

/* The same tables as a directly booted guest gets, for SeaBIOS to place
 * (etc/table-loader says how). Built once: the MADT lists the vCPUs
 * enabled at power-on. */
static int
vmm_pc_add_acpi_tables (Vmm      *vmm,
                        VmmError *err)
{
  AcpiMachine machine;
  AcpiFirmwareTables tables;
  int ret;

  vmm_describe_acpi_machine (vmm, &machine);
  if ((ret = acpi_firmware_tables_build (&machine, &tables, err)) < 0)
    return ret;
  if ((ret = fw_cfg_add_file (vmm->fw_cfg, ACPI_FW_CFG_RSDP_FILE, tables.rsdp,
                              tables.rsdp_size)) < 0
      || (ret = fw_cfg_add_file (vmm->fw_cfg, ACPI_FW_CFG_TABLES_FILE, tables.tables,
                                 tables.tables_size)) < 0
      || (ret = fw_cfg_add_file (vmm->fw_cfg, ACPI_FW_CFG_LOADER_FILE, tables.loader,
                                 tables.loader_size)) < 0)
    vmm_error_set (err, "cannot hand the ACPI tables to the firmware: %s", strerror (-ret));
  acpi_firmware_tables_clear (&tables);
  return ret;
}

int
vmm_pc_setup (Vmm      *vmm,
              VmmError *err)
{
  int ret;

  if ((ret = vmm_pc_setup_ide (vmm, err)) < 0 || (ret = vmm_pc_setup_fw_cfg (vmm, err)) < 0)
    return ret;
  return vmm_pc_add_acpi_tables (vmm, err);
}

void
vmm_pc_reset (Vmm *vmm)
{
  if (vmm->fw_cfg != NULL)
    fw_cfg_reset (vmm->fw_cfg);
}

/* After the PCI host has let go of the IDE function. */
void
vmm_pc_free (Vmm *vmm)
{
  VMM_CLEAR (fw_cfg_free, vmm->fw_cfg);
  VMM_CLEAR (piix_ide_free, vmm->ide);
  VMM_CLEAR (pci_device_free, vmm->piix4_pm);
  for (unsigned i = 0; i < VMM_MAX_DISKS; i++)
    VMM_CLEAR (free, vmm->medium_path[i]);
}

/* ---- media, for the control socket ---------------------------------------------------- */

#define VMM_BLOCK_NAME_MAX 16

/* Devices are named by kind and rank: cdrom0, cdrom1… and disk0, disk1…,
 * each in --disk order. */
static void
vmm_block_device_name (Vmm      *vmm,
                       unsigned  disk,
                       char      name[VMM_BLOCK_NAME_MAX])
{
  bool cdrom = vmm->config.disks[disk].media == DISK_MEDIA_CDROM;
  unsigned rank = 0;

  for (unsigned i = 0; i < disk; i++)
    rank += (vmm->config.disks[i].media == DISK_MEDIA_CDROM) == cdrom;
  snprintf (name, VMM_BLOCK_NAME_MAX, "%s%u", cdrom ? "cdrom" : "disk", rank);
}

static void
vmm_pc_emit_tray_moved (Vmm        *vmm,
                        const char *device,
                        bool        open)
{
  json_object *data;

  if (vmm->control == NULL)
    return;
  data = json_object_new_object ();
  json_object_object_add (data, "device", json_object_new_string (device));
  json_object_object_add (data, "tray-open", json_object_new_boolean (open));
  control_server_emit_event (vmm->control, "DEVICE_TRAY_MOVED", data);
}

/* The file of what is in a CD-ROM drive now, for query-block. */
static void
vmm_pc_set_medium_path (Vmm        *vmm,
                        unsigned    disk,
                        const char *path)
{
  free (vmm->medium_path[disk]);
  vmm->medium_path[disk] = path != NULL ? strdup (path) : NULL;
}

/* The CD-ROM drive called name: its --disk index and IDE position, or
 * -ENODEV (no such device) or -ENOTTY (a device, but not a CD-ROM drive). */
static int
vmm_find_cdrom (Vmm        *vmm,
                const char *name,
                unsigned   *ch,
                unsigned   *unit,
                VmmError   *err)
{
  for (unsigned disk = 0; disk < vmm->config.n_disks; disk++)
    {
      char id[VMM_BLOCK_NAME_MAX];

      vmm_block_device_name (vmm, disk, id);
      if (strcmp (id, name) != 0)
        continue;
      if (vmm->config.disks[disk].media != DISK_MEDIA_CDROM || vmm->ide == NULL
          || !vmm_pc_ide_position (vmm, disk, ch, unit))
        {
          vmm_error_set (err, "%s is not a CD-ROM drive: only CD-ROM media can be changed",
                         name);
          return -ENOTTY;
        }
      return (int) disk;
    }
  vmm_error_set (err, "the guest has no drive called '%s'", name);
  return -ENODEV;
}

int
vmm_eject_medium (Vmm        *vmm,
                  const char *device,
                  bool        force,
                  VmmError   *err)
{
  unsigned ch, unit;
  int disk = vmm_find_cdrom (vmm, device, &ch, &unit, err);
  int ret;

  if (disk < 0)
    return disk;
  ret = piix_ide_eject (vmm->ide, ch, unit, force);
  if (ret == -EBUSY)
    vmm_error_set (err, "the guest has locked the tray of %s (it is using the disc); "
                   "eject with force to take it out anyway", device);
  else if (ret < 0)
    vmm_error_set (err, "cannot eject %s: %s", device, strerror (-ret));
  else
    {
      vmm_pc_set_medium_path (vmm, (unsigned) disk, NULL);
      vmm_pc_emit_tray_moved (vmm, device, true);
    }
  return ret;
}

int
vmm_change_medium (Vmm        *vmm,
                   const char *device,
                   const char *path,
                   VmmError   *err)
{
  unsigned ch, unit;
  BlockFile *medium;
  int disk = vmm_find_cdrom (vmm, device, &ch, &unit, err);
  int ret;

  if (disk < 0)
    return disk;
  /* Opened first: a file that cannot be used leaves the old disc in. */
  if ((medium = vmm_pc_open_image (path, true, err)) == NULL)
    return -EINVAL;
  if ((ret = piix_ide_eject (vmm->ide, ch, unit, true)) < 0
      || (ret = piix_ide_insert (vmm->ide, ch, unit, medium)) < 0)
    {
      block_file_close (medium);
      free (medium);
      vmm_error_set (err, "cannot change the disc in %s: %s", device, strerror (-ret));
    }
  else
    {
      vmm_pc_set_medium_path (vmm, (unsigned) disk, path);
      vmm_pc_emit_tray_moved (vmm, device, false);
    }
  return ret;
}

json_object *
vmm_query_block (Vmm *vmm)
{
  json_object *list = json_object_new_array ();

  for (unsigned i = 0; i < vmm->config.n_disks; i++)
    {
      const DiskSpec *spec = &vmm->config.disks[i];
      bool cdrom = spec->media == DISK_MEDIA_CDROM;
      json_object *dev = json_object_new_object ();
      char id[VMM_BLOCK_NAME_MAX];
      unsigned ch, unit;

      vmm_block_device_name (vmm, i, id);
      json_object_object_add (dev, "device", json_object_new_string (id));
      json_object_object_add (dev, "type", json_object_new_string (cdrom ? "cdrom" : "disk"));
      json_object_object_add (dev, "bus", json_object_new_string (spec->bus == DISK_BUS_IDE
                                                                  ? "ide" : "virtio"));
      json_object_object_add (dev, "read-only", json_object_new_boolean (spec->read_only));
      if (cdrom && vmm->ide != NULL && vmm_pc_ide_position (vmm, i, &ch, &unit))
        {
          IdeMediumState state = { 0 };
          const char *path;

          piix_ide_medium_state (vmm->ide, ch, unit, &state);
          path = state.has_medium ? vmm->medium_path[i] : NULL;
          json_object_object_add (dev, "file", path != NULL ? json_object_new_string (path) : NULL);
          json_object_object_add (dev, "inserted", json_object_new_boolean (state.has_medium));
          json_object_object_add (dev, "tray-open", json_object_new_boolean (state.tray_open));
          json_object_object_add (dev, "locked", json_object_new_boolean (state.locked));
        }
      else
        json_object_object_add (dev, "file", json_object_new_string (spec->path));
      json_object_array_add (list, dev);
    }
  return list;
}

