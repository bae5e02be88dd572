/* main.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "firmware/bios-image.h"
#include "vmm.h"

#define VMM_MIN_MEMORY_MIB  8
#define VMM_MAX_MEMORY_MIB  (1024 * 1024)
#define VMM_MAX_VCPUS       255   /* xAPIC ids are 8 bits and 0xff is broadcast */

static const char usage_text[] =
  "Usage: guesthouse-vmm [OPTION…]\n"
  "Runs one guest on KVM. Everything comes from the command line.\n"
  "\n"
  "  --name NAME            the guest's name, for messages (default: guest)\n"
  "  --uuid UUID            the guest's UUID (default: a random one)\n"
  "  --memory MIB           guest memory in MiB (default: 256)\n"
  "  --max-memory MIB       memory the guest may grow to (default: --memory); above\n"
  "                         --memory, a virtio balloon holds the difference\n"
  "  --vcpus N              number of vCPUs (default: 1)\n"
  "  --max-vcpus N          vCPUs the guest may grow to, plugged in and out live through\n"
  "                         ACPI (default: --vcpus)\n"
  "  --irqchip split|kernel interrupt controllers: split keeps only the local APICs in\n"
  "                         KVM (fast to start; no PIC or PIT); kernel puts PIC, I/O APIC\n"
  "                         and PIT in KVM too, for firmware and old guests (default: split)\n"
  "  --kernel FILE          kernel to boot: an ELF with a PVH entry note, or a bzImage\n"
  "  --firmware FILE        BIOS image for guests that boot like a PC, from a disk or\n"
  "                         CD-ROM; used whenever there is no --kernel (default:\n"
  "                         " FIRMWARE_DEFAULT_BIOS ")\n"
  "  --boot cdrom,disk      what the firmware tries first (default: CD-ROM, then disk)\n"
  "  --firmware-log FILE    write the firmware's debug log (port 0x402) to FILE\n"
  "  --initrd FILE          initial ramdisk\n"
  "  --cmdline STRING       kernel command line\n"
  "  --disk path=FILE[,readonly=on][,serial=ID][,bus=virtio|ide][,media=disk|cdrom]\n"
  "                         a disk: a raw image file or a block device (repeatable, up\n"
  "                         to 8; the image is locked while in use); virtio-blk unless\n"
  "                         bus=ide. media=cdrom is an IDE CD-ROM drive, which may be\n"
  "                         empty (no path). IDE drives need firmware boot\n"
  "  --nic [mac=MAC][,net=user[,hostfwd=tcp:HOSTPORT-:GUESTPORT]…]|[mac=MAC,]tap=IFNAME\n"
  "                         a virtio-net card (repeatable, up to 4): user-mode networking\n"
  "                         (DHCP 10.0.2.15, host 10.0.2.2, DNS 10.0.2.3; each hostfwd\n"
  "                         forwards 127.0.0.1:HOSTPORT to the guest) or a TAP interface;\n"
  "                         the MAC defaults to one derived from --uuid (0a:67:68:…)\n"
  "  --display none|vnc=unix:PATH|vnc=[ADDRESS]:PORT\n"
  "                         serve the graphical console over VNC on a Unix socket (0600)\n"
  "                         or on TCP (IPv4; ADDRESS defaults to 127.0.0.1; default: none)\n"
  "  --serial stdio|pty[:LINK]|none\n"
  "                         where the first serial port goes (default: stdio); pty makes\n"
  "                         a pseudo-terminal, and LINK a symbolic link to it\n"
  "  --console pty[:LINK]|none\n"
  "                         a second console, virtio-console, on a pseudo-terminal\n"
  "                         (default: none)\n"
  "  --control unix:PATH    serve the JSON control protocol on a Unix socket\n"
  "  --paused               start with the vCPUs stopped, until the \"cont\" command\n"
  "  --help                 show this help and exit\n"
  "  --version              show the version and exit\n"
  "\n"
  "Exit status: 0 when the guest powers off or is told to quit; (V << 1) | 1 when the\n"
  "guest writes V to the debug-exit port 0xf4; 1 on errors; 128+N on signal N.\n";

enum
{
  OPT_NAME = 256,
  OPT_UUID,
  OPT_MEMORY,
  OPT_MAX_MEMORY,
  OPT_VCPUS,
  OPT_MAX_VCPUS,
  OPT_IRQCHIP,
  OPT_KERNEL,
  OPT_FIRMWARE,
  OPT_BOOT,
  OPT_FIRMWARE_LOG,
  OPT_INITRD,
  OPT_CMDLINE,
  OPT_DISPLAY,
  OPT_SERIAL,
  OPT_CONSOLE,
  OPT_CONTROL,
  OPT_PAUSED,
  OPT_DISK,
  OPT_NIC,
  OPT_HELP,
  OPT_VERSION,
};

static const struct option long_options[] = {
  { "name",    required_argument, NULL, OPT_NAME },
  { "uuid",    required_argument, NULL, OPT_UUID },
  { "memory",     required_argument, NULL, OPT_MEMORY },
  { "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
  { "vcpus",      required_argument, NULL, OPT_VCPUS },
  { "max-vcpus",  required_argument, NULL, OPT_MAX_VCPUS },
  { "display",    required_argument, NULL, OPT_DISPLAY },
  { "irqchip", required_argument, NULL, OPT_IRQCHIP },
  { "kernel",  required_argument, NULL, OPT_KERNEL },
  { "firmware", required_argument, NULL, OPT_FIRMWARE },
  { "boot",    required_argument, NULL, OPT_BOOT },
  { "firmware-log", required_argument, NULL, OPT_FIRMWARE_LOG },
  { "initrd",  required_argument, NULL, OPT_INITRD },
  { "cmdline", required_argument, NULL, OPT_CMDLINE },
  { "serial",  required_argument, NULL, OPT_SERIAL },
  { "console", required_argument, NULL, OPT_CONSOLE },
  { "control", required_argument, NULL, OPT_CONTROL },
  { "paused",  no_argument,       NULL, OPT_PAUSED },
  { "disk",    required_argument, NULL, OPT_DISK },
  { "nic",     required_argument, NULL, OPT_NIC },
  { "help",    no_argument,       NULL, OPT_HELP },
  { "version", no_argument,       NULL, OPT_VERSION },
  { NULL, 0, NULL, 0 },
};

static int
fail (const char *format,
      ...) __attribute__ ((format (printf, 1, 2)));

#define IDE_MAX_DRIVES 4

static unsigned
count_ide_drives (const VmmConfig *config)
{
  unsigned n = 0;

  for (unsigned i = 0; i < config->n_disks; i++)
    n += config->disks[i].bus == DISK_BUS_IDE;
  return n;
}

/* "cdrom,disk": each kind at most once. */
static bool
parse_boot_order (const char *text,
                  VmmConfig  *config)
{
  static const char *const names[] = { [VMM_BOOT_CDROM] = "cdrom", [VMM_BOOT_DISK] = "disk" };
  const char *p = text;

  config->n_boot = 0;
  while (*p != '\0')
    {
      size_t len = strcspn (p, ",");
      unsigned kind;

      for (kind = 0; kind < 2; kind++)
        if (strlen (names[kind]) == len && strncmp (p, names[kind], len) == 0)
          break;
      if (kind == 2 || config->n_boot == VMM_MAX_BOOT_DEVICES)
        return false;
      for (unsigned i = 0; i < config->n_boot; i++)
        if (config->boot_order[i] == (VmmBootDevice) kind)
          return false;
      config->boot_order[config->n_boot++] = kind;
      p += len;
      if (*p == ',' && *++p == '\0')
        return false;
    }
  return config->n_boot > 0;
}

static int
fail (const char *format,
      ...)
{
  va_list args;

  fputs ("guesthouse-vmm: ", stderr);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  return 1;
}

static bool
parse_uint (const char *text,
            uint64_t    min,
            uint64_t    max,
            uint64_t   *out)
{
  char *end;
  unsigned long long value;

  if (!isdigit ((unsigned char) text[0]))
    return false;
  errno = 0;
  value = strtoull (text, &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max)
    return false;
  *out = value;
  return true;
}

/* Accepts the 8-4-4-4-12 hex form in either case; stores it lower-case. */
static bool
parse_uuid (const char *text,
            char        out[37])
{
  if (strlen (text) != 36)
    return false;
  for (int i = 0; i < 36; i++)
    {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? text[i] != '-' : !isxdigit ((unsigned char) text[i]))
        return false;
      out[i] = (char) tolower ((unsigned char) text[i]);
    }
  out[36] = '\0';
  return true;
}

static void
random_uuid (char out[37])
{
  unsigned char b[16] = { 0 };

  if (getrandom (b, sizeof b, 0) != sizeof b)
    {
      /* A UUID for messages only; the core always passes a persistent one. */
    }
  b[6] = (b[6] & 0x0f) | 0x40;   /* version 4 */
  b[8] = (b[8] & 0x3f) | 0x80;   /* RFC 4122 variant */
  snprintf (out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* none, vnc=unix:PATH, vnc=[ADDRESS]:PORT. TCP listens on loopback unless
 * the person names another address. */
static bool
parse_display (const char *text,
               VmmConfig  *config)
{
  const char *colon;
  uint64_t port;
  static char address[64];

  config->vnc_unix_path = NULL;
  config->vnc_tcp_address = NULL;
  config->vnc_tcp_port = 0;
  if (strcmp (text, "none") == 0)
    return true;
  if (strncmp (text, "vnc=", 4) != 0)
    return false;
  text += 4;
  if (strncmp (text, "unix:", 5) == 0)
    {
      config->vnc_unix_path = text + 5;
      return text[5] != '\0';
    }
  colon = strrchr (text, ':');
  if (colon == NULL || (size_t) (colon - text) >= sizeof address
      || !parse_uint (colon + 1, 1, 65535, &port))
    return false;
  memcpy (address, text, colon - text);
  address[colon - text] = '\0';
  config->vnc_tcp_address = address[0] != '\0' ? address : "127.0.0.1";
  config->vnc_tcp_port = (int) port;
  return true;
}

static int
check_readable (const char *what,
                const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return fail ("cannot read the %s %s: %s", what, path, strerror (errno));
  close (fd);
  return 0;
}

/* With fd 0, 1 or 2 closed, the next open() would take its number and the
 * serial port would write into whatever that is. */
static void
ensure_standard_fds (void)
{
  for (int fd = 0; fd < 3; fd++)
    if (fcntl (fd, F_GETFD) < 0)
      open ("/dev/null", O_RDWR);
}

int
main (int   argc,
      char *argv[])
{
  VmmConfig config = {
    .name = "guest",
    .memory_mib = 256,
    .n_vcpus = 1,
    .irqchip = VMM_IRQCHIP_SPLIT,
    .serial_mode = VMM_SERIAL_STDIO,
    .console_mode = VMM_SERIAL_NONE,
  };
  char uuid[37] = "";
  uint64_t max_memory_mib = 0;
  unsigned max_vcpus = 0;
  bool irqchip_given = false;
  VmmError err = { { 0 } };
  uint64_t value;
  Vmm *vmm;
  int opt, status;

  ensure_standard_fds ();
  opterr = 0;
  while ((opt = getopt_long (argc, argv, "", long_options, NULL)) != -1)
    {
      switch (opt)
        {
        case OPT_NAME:
          if (optarg[0] == '\0')
            return fail ("--name must not be empty");
          config.name = optarg;
          break;
        case OPT_UUID:
          if (!parse_uuid (optarg, uuid))
            return fail ("--uuid %s is not a UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                         optarg);
          break;
        case OPT_MEMORY:
          if (!parse_uint (optarg, VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, &value))
            return fail ("--memory %s is not a size in MiB between %d and %d", optarg,
                         VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB);
          config.memory_mib = value;
          break;
        case OPT_MAX_MEMORY:
          if (!parse_uint (optarg, VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, &value))
            return fail ("--max-memory %s is not a size in MiB between %d and %d", optarg,
                         VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB);
          max_memory_mib = value;
          break;
        case OPT_VCPUS:
          if (!parse_uint (optarg, 1, VMM_MAX_VCPUS, &value))
            return fail ("--vcpus %s is not a number between 1 and %d", optarg, VMM_MAX_VCPUS);
          config.n_vcpus = value;
          break;
        case OPT_MAX_VCPUS:
          if (!parse_uint (optarg, 1, VMM_MAX_VCPUS, &value))
            return fail ("--max-vcpus %s is not a number between 1 and %d", optarg,
                         VMM_MAX_VCPUS);
          max_vcpus = value;
          break;
        case OPT_DISPLAY:
          if (!parse_display (optarg, &config))
            return fail ("--display %s is not one of none, vnc=unix:PATH, vnc=ADDRESS:PORT",
                         optarg);
          break;
        case OPT_IRQCHIP:
          if (strcmp (optarg, "split") == 0)
            config.irqchip = VMM_IRQCHIP_SPLIT;
          else if (strcmp (optarg, "kernel") == 0)
            config.irqchip = VMM_IRQCHIP_KERNEL;
          else
            return fail ("--irqchip %s is not one of split, kernel", optarg);
          irqchip_given = true;
          break;
        case OPT_KERNEL:
          config.kernel_path = optarg;
          break;
        case OPT_FIRMWARE:
          config.firmware_path = optarg;
          break;
        case OPT_FIRMWARE_LOG:
          config.firmware_log = optarg;
          break;
        case OPT_BOOT:
          if (!parse_boot_order (optarg, &config))
            return fail ("--boot %s is not a list of cdrom and disk, each at most once "
                         "(e.g. --boot cdrom,disk)", optarg);
          break;
        case OPT_INITRD:
          config.initrd_path = optarg;
          break;
        case OPT_CMDLINE:
          config.cmdline = optarg;
          break;
        case OPT_SERIAL:
          if (strcmp (optarg, "stdio") == 0)
            config.serial_mode = VMM_SERIAL_STDIO;
          else if (strcmp (optarg, "none") == 0)
            config.serial_mode = VMM_SERIAL_NONE;
          else if (strcmp (optarg, "pty") == 0)
            config.serial_mode = VMM_SERIAL_PTY;
          else if (strncmp (optarg, "pty:", 4) == 0 && optarg[4] != '\0')
            {
              config.serial_mode = VMM_SERIAL_PTY;
              config.serial_link = optarg + 4;
            }
          else
            return fail ("--serial %s is not one of stdio, pty, pty:LINK, none", optarg);
          break;
        case OPT_CONSOLE:
          if (strcmp (optarg, "none") == 0)
            config.console_mode = VMM_SERIAL_NONE;
          else if (strcmp (optarg, "pty") == 0)
            config.console_mode = VMM_SERIAL_PTY;
          else if (strncmp (optarg, "pty:", 4) == 0 && optarg[4] != '\0')
            {
              config.console_mode = VMM_SERIAL_PTY;
              config.console_link = optarg + 4;
            }
          else
            return fail ("--console %s is not one of pty, pty:LINK, none", optarg);
          break;
        case OPT_CONTROL:
          if (strncmp (optarg, "unix:", 5) != 0 || optarg[5] == '\0')
            return fail ("--control %s is not of the form unix:PATH", optarg);
          config.control_path = optarg + 5;
          break;
        case OPT_PAUSED:
          config.start_paused = true;
          break;
        case OPT_DISK:
          if (config.n_disks == VMM_MAX_DISKS)
            return fail ("at most %d --disk options", VMM_MAX_DISKS);
          if (disk_spec_parse (optarg, &config.disks[config.n_disks], &err) < 0)
            return fail ("%s", err.message);
          config.n_disks++;
          break;
        case OPT_NIC:
          {
            char message[256];

            if (config.n_nics == NIC_MAX_NICS)
              return fail ("at most %d --nic options", NIC_MAX_NICS);
            if (nic_spec_parse (optarg, &config.nics[config.n_nics], message, sizeof message) < 0)
              return fail ("--nic %s: %s", optarg, message);
            config.n_nics++;
            break;
          }
        case OPT_HELP:
          fputs (usage_text, stdout);
          return 0;
        case OPT_VERSION:
          printf ("guesthouse-vmm %s\n", PACKAGE_VERSION);
          return 0;
        default:
          if (optopt >= OPT_NAME)
            return fail ("%s needs a value (see --help)", argv[optind - 1]);
          return fail ("unknown option %s (see --help)", argv[optind - 1]);
        }
    }
  if (optind < argc)
    return fail ("unexpected argument %s (see --help)", argv[optind]);
  if (max_memory_mib != 0 && max_memory_mib < config.memory_mib)
    return fail ("--max-memory %llu is below --memory %llu", (unsigned long long) max_memory_mib,
                 (unsigned long long) config.memory_mib);
  config.max_memory_mib = max_memory_mib > config.memory_mib ? max_memory_mib
                                                             : config.memory_mib;
  if (max_vcpus != 0 && max_vcpus < config.n_vcpus)
    return fail ("--max-vcpus %u is below --vcpus %u", max_vcpus, config.n_vcpus);
  config.max_vcpus = max_vcpus > config.n_vcpus ? max_vcpus : config.n_vcpus;
  if (config.start_paused && config.control_path == NULL)
    return fail ("--paused needs --control: nothing could ever resume the guest");
  if (config.kernel_path != NULL)
    {
      if (config.firmware_path != NULL)
        return fail ("--firmware and --kernel exclude each other: the kernel is booted "
                     "directly, without firmware");
      if (config.n_boot > 0)
        return fail ("--boot is for firmware boot; with --kernel there is nothing to choose");
      for (unsigned i = 0; i < config.n_disks; i++)
        if (config.disks[i].bus == DISK_BUS_IDE)
          return fail ("--disk %u: IDE drives are for firmware boot; a directly booted "
                       "kernel gets virtio disks (bus=virtio)", i + 1);
      if (check_readable ("kernel", config.kernel_path) != 0)
        return 1;
      if (config.initrd_path != NULL && check_readable ("initrd", config.initrd_path) != 0)
        return 1;
    }
  else
    {
      if (config.initrd_path != NULL || config.cmdline != NULL)
        return fail ("--initrd and --cmdline need --kernel");
      /* SeaBIOS needs the PIC for its interrupts and the PIT for its timing. */
      if (irqchip_given && config.irqchip != VMM_IRQCHIP_KERNEL)
        return fail ("firmware boot needs --irqchip kernel: the BIOS uses the PIC and PIT");
      config.irqchip = VMM_IRQCHIP_KERNEL;
      if (config.firmware_path == NULL)
        config.firmware_path = FIRMWARE_DEFAULT_BIOS;
      if (count_ide_drives (&config) > IDE_MAX_DRIVES)
        return fail ("at most %d IDE drives (two channels of two)", IDE_MAX_DRIVES);
    }

  if (uuid[0] == '\0')
    random_uuid (uuid);
  config.uuid = uuid;

  vmm = vmm_new (&config, &err);
  if (vmm == NULL)
    return fail ("%s", err.message);
  status = vmm_run (vmm);
  vmm_free (vmm);
  return status;
}
