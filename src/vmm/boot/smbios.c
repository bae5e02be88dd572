/* smbios.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "smbios.h"

/* Layouts from the SMBIOS 3.0 specification (DMTF DSP0134), chapters 5 and
 * 7. Fields are little-endian. A structure is its formatted area (type,
 * length, handle, then the fields), followed by its string set: the strings
 * the fields refer to by number (1 for the first, 0 for none), each NUL
 * terminated, then one more NUL; a structure without strings ends in two. */

#define SMBIOS_VENDOR          "Guesthouse"
#define SMBIOS_FAMILY          "Virtual Machine"
/* mm/dd/yyyy, the only form the specification allows. A fixed date rather
 * than the build's: the tables of one release stay byte-identical. */
#define SMBIOS_BIOS_DATE       "01/01/2026"

#define SMBIOS_MAJOR           3
#define SMBIOS_MINOR           0

typedef struct __attribute__ ((packed))
{
  char     anchor[5];         /* "_SM3_" */
  uint8_t  checksum;          /* over the 24 bytes */
  uint8_t  length;            /* 0x18 */
  uint8_t  major, minor, docrev;
  uint8_t  revision;          /* 1: the 3.0 entry point */
  uint8_t  reserved;
  uint32_t table_max_size;
  uint64_t table_address;
} SmbiosEntryPoint64;

typedef struct __attribute__ ((packed))
{
  char     anchor[4];         /* "_SM_" */
  uint8_t  checksum;          /* over the 31 bytes */
  uint8_t  length;            /* 0x1f */
  uint8_t  major, minor;
  uint16_t max_structure_size;
  uint8_t  revision;          /* 0: the 2.1 entry point */
  uint8_t  formatted[5];
  char     intermediate_anchor[5]; /* "_DMI_" */
  uint8_t  intermediate_checksum;  /* over the 15 bytes from the "_DMI_" */
  uint16_t table_length;
  uint32_t table_address;
  uint16_t n_structures;
  uint8_t  bcd_revision;
} SmbiosEntryPoint32;

typedef struct __attribute__ ((packed))
{
  uint8_t  type;
  uint8_t  length;
  uint16_t handle;
} SmbiosHeader;

typedef struct __attribute__ ((packed))
{
  SmbiosHeader header;        /* type 0 */
  uint8_t  vendor;
  uint8_t  version;
  uint16_t start_segment;
  uint8_t  release_date;
  uint8_t  rom_size;
  uint64_t characteristics;
  uint8_t  characteristics_ext[2];
  uint8_t  major_release, minor_release;
  uint8_t  ec_major_release, ec_minor_release;
} SmbiosBios;

typedef struct __attribute__ ((packed))
{
  SmbiosHeader header;        /* type 1 */
  uint8_t  manufacturer;
  uint8_t  product_name;
  uint8_t  version;
  uint8_t  serial_number;
  uint8_t  uuid[16];
  uint8_t  wake_up_type;
  uint8_t  sku_number;
  uint8_t  family;
} SmbiosSystem;

typedef struct __attribute__ ((packed))
{
  SmbiosHeader header;        /* type 3 */
  uint8_t  manufacturer;
  uint8_t  chassis_type;
  uint8_t  version;
  uint8_t  serial_number;
  uint8_t  asset_tag;
  uint8_t  boot_up_state;
  uint8_t  power_supply_state;
  uint8_t  thermal_state;
  uint8_t  security_status;
  uint32_t oem_defined;
  uint8_t  height;
  uint8_t  n_power_cords;
  uint8_t  n_contained_elements;
  uint8_t  contained_element_length;
  uint8_t  sku_number;
} SmbiosChassis;

typedef struct __attribute__ ((packed))
{
  SmbiosHeader header;        /* type 4 */
  uint8_t  socket_designation;
  uint8_t  processor_type;
  uint8_t  processor_family;
  uint8_t  manufacturer;
  uint64_t processor_id;
  uint8_t  version;
  uint8_t  voltage;
  uint16_t external_clock;
  uint16_t max_speed;
  uint16_t current_speed;
  uint8_t  status;
  uint8_t  upgrade;
  uint16_t l1_cache_handle, l2_cache_handle, l3_cache_handle;
  uint8_t  serial_number;
  uint8_t  asset_tag;
  uint8_t  part_number;
  uint8_t  core_count;
  uint8_t  core_enabled;
  uint8_t  thread_count;
  uint16_t characteristics;
  uint16_t processor_family2;
  uint16_t core_count2;
  uint16_t core_enabled2;
  uint16_t thread_count2;
} SmbiosProcessor;

typedef struct __attribute__ ((packed))
{
  SmbiosHeader header;        /* type 16 */
  uint8_t  location;
  uint8_t  use;
  uint8_t  error_correction;
  uint32_t max_capacity;      /* KiB; 0x80000000: see extended_max_capacity */
  uint16_t error_info_handle;
  uint16_t n_devices;
  uint64_t extended_max_capacity; /* bytes */
} SmbiosMemoryArray;

typedef struct __attribute__ ((packed))
{
  SmbiosHeader header;        /* type 17 */
  uint16_t array_handle;
  uint16_t error_info_handle;
  uint16_t total_width;
  uint16_t data_width;
  uint16_t size;              /* MiB; 0x7fff: see extended_size */
  uint8_t  form_factor;
  uint8_t  device_set;
  uint8_t  device_locator;
  uint8_t  bank_locator;
  uint8_t  memory_type;
  uint16_t type_detail;
  uint16_t speed;
  uint8_t  manufacturer;
  uint8_t  serial_number;
  uint8_t  asset_tag;
  uint8_t  part_number;
  uint8_t  attributes;
  uint32_t extended_size;     /* MiB */
  uint16_t configured_speed;
  uint16_t min_voltage, max_voltage, configured_voltage;
} SmbiosMemoryDevice;

typedef struct __attribute__ ((packed))
{
  SmbiosHeader header;        /* type 32 */
  uint8_t  reserved[6];
  uint8_t  boot_status;
} SmbiosBootInfo;

_Static_assert (sizeof (SmbiosEntryPoint64) == 0x18, "64-bit entry point layout");
_Static_assert (sizeof (SmbiosEntryPoint32) == 0x1f, "32-bit entry point layout");
_Static_assert (offsetof (SmbiosEntryPoint32, intermediate_anchor) == 0x10,
                "32-bit entry point layout");
_Static_assert (sizeof (SmbiosBios) == 0x18, "type 0 layout");
_Static_assert (sizeof (SmbiosSystem) == 0x1b, "type 1 layout");
_Static_assert (offsetof (SmbiosSystem, uuid) == 0x08, "type 1 layout");
_Static_assert (sizeof (SmbiosChassis) == 0x16, "type 3 layout");
_Static_assert (sizeof (SmbiosProcessor) == 0x30, "type 4 layout");
_Static_assert (offsetof (SmbiosProcessor, core_count) == 0x23, "type 4 layout");
_Static_assert (sizeof (SmbiosMemoryArray) == 0x17, "type 16 layout");
_Static_assert (sizeof (SmbiosMemoryDevice) == 0x28, "type 17 layout");
_Static_assert (offsetof (SmbiosMemoryDevice, extended_size) == 0x1c, "type 17 layout");
_Static_assert (sizeof (SmbiosBootInfo) == 0x0b, "type 32 layout");

#define SMBIOS_NO_HANDLE                  0xffff  /* no such structure (cache handles) */
#define SMBIOS_HANDLE_NOT_PROVIDED        0xfffe  /* memory error information */
/* BIOS characteristics: "not supported" (bit 3) says the rest mean nothing;
 * extension byte 2 bit 4 says the tables describe a virtual machine. */
#define SMBIOS_BIOS_CHARACTERISTICS_NOT_SUPPORTED (1ull << 3)
#define SMBIOS_BIOS_EXT2_VIRTUAL_MACHINE  (1u << 4)
#define SMBIOS_WAKE_UP_POWER_SWITCH       0x06
#define SMBIOS_CHASSIS_OTHER              0x01
#define SMBIOS_STATE_SAFE                 0x03
#define SMBIOS_SECURITY_UNKNOWN           0x02
#define SMBIOS_PROCESSOR_CENTRAL          0x03
#define SMBIOS_PROCESSOR_FAMILY_OTHER     0x01
#define SMBIOS_PROCESSOR_POPULATED_ENABLED 0x41  /* socket populated, CPU enabled */
#define SMBIOS_PROCESSOR_UPGRADE_OTHER    0x01
#define SMBIOS_PROCESSOR_64BIT_CAPABLE    (1u << 2)
#define SMBIOS_PROCESSOR_MULTI_CORE       (1u << 3)
#define SMBIOS_MEMORY_LOCATION_OTHER      0x01
#define SMBIOS_MEMORY_USE_SYSTEM          0x03
#define SMBIOS_MEMORY_ECC_NONE            0x03
#define SMBIOS_MEMORY_MAX_CAPACITY_EXTENDED 0x80000000u
#define SMBIOS_MEMORY_FORM_FACTOR_DIMM    0x09
#define SMBIOS_MEMORY_TYPE_RAM            0x07
#define SMBIOS_MEMORY_DETAIL_UNKNOWN      0x0004
#define SMBIOS_MEMORY_SIZE_EXTENDED       0x7fff

#define SMBIOS_N_STRINGS(a)    (sizeof (a) / sizeof ((a)[0]))

/* Appends structures to the blob; a structure that does not fit sets
 * overflow instead, so the builder checks once at the end. */
typedef struct
{
  uint8_t *buf;
  size_t   buf_size;
  size_t   pos;
  bool     overflow;
  unsigned n_structures;
  size_t   max_structure_size;   /* formatted area and strings, for the 2.1 entry point */
  uint16_t next_handle;
} SmbiosWriter;

static void
smbios_put (SmbiosWriter *w,
            const void   *bytes,
            size_t        len)
{
  if (w->overflow || len > w->buf_size - w->pos)
    {
      w->overflow = true;
      return;
    }
  memcpy (w->buf + w->pos, bytes, len);
  w->pos += len;
}

/* Writes one structure: fills in its type, length and the next handle, then
 * the strings (in the order their numbers give; none may be empty, since an
 * empty string would end the set). Returns the handle. */
static uint16_t
smbios_add (SmbiosWriter       *w,
            void               *formatted,
            size_t              len,
            uint8_t             type,
            const char * const *strings,
            unsigned            n_strings)
{
  SmbiosHeader *header = formatted;
  size_t start = w->pos;
  uint16_t handle = w->next_handle++;

  header->type = type;
  header->length = (uint8_t) len;
  header->handle = handle;
  smbios_put (w, formatted, len);
  for (unsigned i = 0; i < n_strings; i++)
    smbios_put (w, strings[i], strlen (strings[i]) + 1);
  /* The set's terminating NUL; without strings the formatted area is
   * followed by two. */
  smbios_put (w, "\0", n_strings == 0 ? 2 : 1);

  w->n_structures++;
  if (!w->overflow && w->pos - start > w->max_structure_size)
    w->max_structure_size = w->pos - start;
  return handle;
}

static uint8_t
smbios_checksum (const uint8_t *bytes,
                 size_t         len)
{
  uint8_t sum = 0;

  for (size_t i = 0; i < len; i++)
    sum += bytes[i];
  return (uint8_t) -sum;
}

static void
smbios_add_bios (SmbiosWriter *w)
{
  static const char * const strings[] = { SMBIOS_VENDOR, PACKAGE_VERSION, SMBIOS_BIOS_DATE };
  SmbiosBios s = { 0 };

  s.vendor = 1;
  s.version = 2;
  s.release_date = 3;
  /* There is no BIOS; these say where a legacy one would sit (0xe8000,
   * 96 KiB up to the end of the first MiB, as SeaBIOS-era tables do), since
   * zero would claim a ROM at address 0. The size field counts 64 KiB
   * blocks minus one. */
  s.start_segment = 0xe800;
  s.rom_size = 0;
  s.characteristics = SMBIOS_BIOS_CHARACTERISTICS_NOT_SUPPORTED;
  s.characteristics_ext[1] = SMBIOS_BIOS_EXT2_VIRTUAL_MACHINE;
  s.major_release = 0;
  s.minor_release = 1;
  /* No embedded controller. */
  s.ec_major_release = 0xff;
  s.ec_minor_release = 0xff;
  smbios_add (w, &s, sizeof s, 0, strings, SMBIOS_N_STRINGS (strings));
}

/* The UUID comes in RFC 4122 order. Since SMBIOS 2.6 the first three fields
 * (time_low, time_mid, time_hi_and_version) are stored little-endian, the
 * rest as they are; guests swap them back when they show the UUID. */
static void
smbios_add_system (SmbiosWriter  *w,
                   const uint8_t *uuid)
{
  static const char * const strings[] = {
    SMBIOS_VENDOR, SMBIOS_VENDOR, PACKAGE_VERSION, SMBIOS_FAMILY
  };
  SmbiosSystem s = { 0 };

  s.manufacturer = 1;
  s.product_name = 2;
  s.version = 3;
  s.family = 4;
  if (uuid != NULL)
    {
      static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

      for (unsigned i = 0; i < 16; i++)
        s.uuid[i] = uuid[order[i]];
    }
  s.wake_up_type = SMBIOS_WAKE_UP_POWER_SWITCH;
  smbios_add (w, &s, sizeof s, 1, strings, SMBIOS_N_STRINGS (strings));
}

static void
smbios_add_chassis (SmbiosWriter *w)
{
  static const char * const strings[] = { SMBIOS_VENDOR };
  SmbiosChassis s = { 0 };

  s.manufacturer = 1;
  s.chassis_type = SMBIOS_CHASSIS_OTHER;
  s.boot_up_state = SMBIOS_STATE_SAFE;
  s.power_supply_state = SMBIOS_STATE_SAFE;
  s.thermal_state = SMBIOS_STATE_SAFE;
  s.security_status = SMBIOS_SECURITY_UNKNOWN;
  smbios_add (w, &s, sizeof s, 3, strings, SMBIOS_N_STRINGS (strings));
}

/* One processor with a core per vCPU, one thread each, rather than a socket
 * per vCPU: that is the topology CPUID gives the guest (kvm/cpuid.c: one
 * package of n_vcpus cores), and tools that count sockets should agree. */
static void
smbios_add_processor (SmbiosWriter *w,
                      unsigned      n_vcpus)
{
  static const char * const strings[] = { "CPU 0", SMBIOS_VENDOR };
  SmbiosProcessor s = { 0 };

  s.socket_designation = 1;
  s.processor_type = SMBIOS_PROCESSOR_CENTRAL;
  s.processor_family = SMBIOS_PROCESSOR_FAMILY_OTHER;
  s.processor_family2 = SMBIOS_PROCESSOR_FAMILY_OTHER;
  s.manufacturer = 2;
  s.status = SMBIOS_PROCESSOR_POPULATED_ENABLED;
  s.upgrade = SMBIOS_PROCESSOR_UPGRADE_OTHER;
  s.l1_cache_handle = SMBIOS_NO_HANDLE;
  s.l2_cache_handle = SMBIOS_NO_HANDLE;
  s.l3_cache_handle = SMBIOS_NO_HANDLE;
  /* The 8-bit counts hold 0xff from 256 on, and the 16-bit ones say how
   * many; up to 255 both say the same. */
  s.core_count = n_vcpus > 0xff ? 0xff : (uint8_t) n_vcpus;
  s.core_enabled = s.core_count;
  s.thread_count = s.core_count;
  s.core_count2 = (uint16_t) n_vcpus;
  s.core_enabled2 = (uint16_t) n_vcpus;
  s.thread_count2 = (uint16_t) n_vcpus;
  s.characteristics = SMBIOS_PROCESSOR_64BIT_CAPABLE
                      | (n_vcpus > 1 ? SMBIOS_PROCESSOR_MULTI_CORE : 0);
  smbios_add (w, &s, sizeof s, 4, strings, SMBIOS_N_STRINGS (strings));
}

/* All guest RAM as one array holding one device: the guest has no DIMMs to
 * tell apart, and one device keeps the sum trivially right. */
static void
smbios_add_memory (SmbiosWriter *w,
                   uint64_t      ram_size)
{
  static const char * const strings[] = { "DIMM 0", SMBIOS_VENDOR };
  uint64_t mib = ram_size >> 20;
  SmbiosMemoryArray a = { 0 };
  SmbiosMemoryDevice d = { 0 };
  uint16_t array_handle;

  a.location = SMBIOS_MEMORY_LOCATION_OTHER;
  a.use = SMBIOS_MEMORY_USE_SYSTEM;
  a.error_correction = SMBIOS_MEMORY_ECC_NONE;
  a.error_info_handle = SMBIOS_HANDLE_NOT_PROVIDED;
  a.n_devices = 1;
  /* In KiB while that fits below the "use the extended field" marker. */
  if ((ram_size >> 10) < SMBIOS_MEMORY_MAX_CAPACITY_EXTENDED)
    a.max_capacity = (uint32_t) (ram_size >> 10);
  else
    {
      a.max_capacity = SMBIOS_MEMORY_MAX_CAPACITY_EXTENDED;
      a.extended_max_capacity = ram_size;
    }
  array_handle = smbios_add (w, &a, sizeof a, 16, NULL, 0);

  d.array_handle = array_handle;
  d.error_info_handle = SMBIOS_HANDLE_NOT_PROVIDED;
  d.total_width = 64;
  d.data_width = 64;
  /* The size field takes MiB below 0x7fff (32 GiB - 1 MiB); from there on
   * it holds 0x7fff and the 31-bit extended size has the MiB. */
  if (mib < SMBIOS_MEMORY_SIZE_EXTENDED)
    d.size = (uint16_t) mib;
  else
    {
      d.size = SMBIOS_MEMORY_SIZE_EXTENDED;
      d.extended_size = (uint32_t) mib;
    }
  d.form_factor = SMBIOS_MEMORY_FORM_FACTOR_DIMM;
  d.device_locator = 1;
  d.memory_type = SMBIOS_MEMORY_TYPE_RAM;
  d.type_detail = SMBIOS_MEMORY_DETAIL_UNKNOWN;
  d.manufacturer = 2;
  smbios_add (w, &d, sizeof d, 17, strings, SMBIOS_N_STRINGS (strings));
}

static size_t
smbios_align (size_t offset)
{
  return (offset + 15) & ~(size_t) 15;
}

/* Lays out the 64-bit entry point, the 32-bit one and the structure table,
 * each 16-byte aligned, in buf as they will sit from guest address base on. */
int
smbios_tables_build (uint64_t            base,
                     const SmbiosConfig *cfg,
                     uint8_t            *buf,
                     size_t              buf_size,
                     SmbiosTablesLayout *layout)
{
  SmbiosWriter w = { 0 };
  SmbiosTablesLayout l = { 0 };
  SmbiosEntryPoint64 ep64 = { 0 };
  SmbiosEntryPoint32 ep32 = { 0 };
  SmbiosBootInfo boot = { 0 };
  SmbiosHeader end = { 0 };

  if (cfg->n_vcpus == 0 || cfg->n_vcpus > SMBIOS_MAX_VCPUS || base % 16 != 0)
    return -EINVAL;
  /* The extended size field is 31 bits of MiB. */
  if ((cfg->ram_size >> 20) > INT32_MAX)
    return -EINVAL;

  l.ep64 = 0;
  l.ep32 = smbios_align (l.ep64 + sizeof ep64);
  l.table = smbios_align (l.ep32 + sizeof ep32);
  if (l.table > buf_size)
    return -ENOSPC;
  memset (buf, 0, l.table);

  w.buf = buf;
  w.buf_size = buf_size;
  w.pos = l.table;
  smbios_add_bios (&w);
  smbios_add_system (&w, cfg->uuid);
  smbios_add_chassis (&w);
  smbios_add_processor (&w, cfg->n_vcpus);
  smbios_add_memory (&w, cfg->ram_size);
  /* Boot status 0: no errors detected. */
  smbios_add (&w, &boot, sizeof boot, 32, NULL, 0);
  smbios_add (&w, &end, sizeof end, 127, NULL, 0);
  if (w.overflow)
    return -ENOSPC;

  l.table_size = w.pos - l.table;
  l.n_structures = w.n_structures;
  l.size = w.pos;
  if (base > UINT32_MAX || l.size > UINT32_MAX - base + 1)
    return -ERANGE;

  memcpy (ep64.anchor, "_SM3_", 5);
  ep64.length = sizeof ep64;
  ep64.major = SMBIOS_MAJOR;
  ep64.minor = SMBIOS_MINOR;
  ep64.revision = 1;
  ep64.table_max_size = (uint32_t) l.table_size;
  ep64.table_address = base + l.table;
  ep64.checksum = smbios_checksum ((const uint8_t *) &ep64, sizeof ep64);
  memcpy (buf + l.ep64, &ep64, sizeof ep64);

  /* The same table for tools that know only the 2.1 entry point. Its version
   * is the table's (3.0): readers use it to decide, among other things, the
   * byte order of the UUID. */
  memcpy (ep32.anchor, "_SM_", 4);
  ep32.length = sizeof ep32;
  ep32.major = SMBIOS_MAJOR;
  ep32.minor = SMBIOS_MINOR;
  ep32.max_structure_size = (uint16_t) w.max_structure_size;
  memcpy (ep32.intermediate_anchor, "_DMI_", 5);
  ep32.table_length = (uint16_t) l.table_size;
  ep32.table_address = (uint32_t) (base + l.table);
  ep32.n_structures = (uint16_t) l.n_structures;
  ep32.bcd_revision = (SMBIOS_MAJOR << 4) | SMBIOS_MINOR;
  ep32.intermediate_checksum =
    smbios_checksum ((const uint8_t *) &ep32 + offsetof (SmbiosEntryPoint32, intermediate_anchor),
                     sizeof ep32 - offsetof (SmbiosEntryPoint32, intermediate_anchor));
  ep32.checksum = smbios_checksum ((const uint8_t *) &ep32, sizeof ep32);
  memcpy (buf + l.ep32, &ep32, sizeof ep32);

  *layout = l;
  return 0;
}

int
smbios_build_tables (const GuestMemory  *mem,
                     uint64_t            base,
                     uint64_t            limit,
                     const SmbiosConfig *cfg,
                     VmmError           *err)
{
  uint8_t buf[SMBIOS_TABLES_MAX_SIZE];
  SmbiosTablesLayout layout;
  int ret;

  ret = smbios_tables_build (base, cfg, buf, sizeof buf, &layout);
  if (ret == 0 && (limit < base || layout.size > limit - base))
    ret = -ENOSPC;
  if (ret == 0)
    ret = guest_memory_write (mem, base, buf, layout.size);
  if (ret < 0)
    {
      vmm_error_set (err, "cannot place the SMBIOS tables for %u vCPUs and %" PRIu64
                     " MiB at guest address 0x%" PRIx64 " (limit 0x%" PRIx64 "): %s",
                     cfg->n_vcpus, cfg->ram_size >> 20, base, limit,
                     ret == -EFAULT ? "that is not guest RAM"
                     : ret == -ENOSPC ? "they do not fit"
                     : ret == -EINVAL ? "the address must be 16-byte aligned, the vCPU count "
                                        "and the RAM size within what SMBIOS can describe"
                     : "the address must be below 4 GiB");
      return ret;
    }
  return 0;
}
