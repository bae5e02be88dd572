/* bios-image.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "memory/guest-memory.h"
#include "vmm-error.h"

/* A BIOS image (SeaBIOS) for guests that boot like a PC, where a real PC has
 * it: as ROM at the top of the 4 GiB space, where the reset vector is, and
 * its last 128 KiB also at 0xe0000-0xfffff below 1 MiB.
 *
 * The low copy is plain RAM, refilled from the image at every machine reset.
 * A real i440FX routes that area to ROM or RAM through its PAM registers, and
 * SeaBIOS copies itself from ROM into shadow RAM; with RAM there from the
 * start, and the host bridge saying so, SeaBIOS skips the copy and runs from
 * it. The area is never write-protected afterwards: no OS relies on that.
 *
 * Debian's seabios package ships the images. We use bios-256k.bin, the build
 * QEMU's PC machine uses, and vgabios-stdvga.bin for the VGA. */

#define FIRMWARE_SEABIOS_DIR      "/usr/share/seabios"
#define FIRMWARE_DEFAULT_BIOS     FIRMWARE_SEABIOS_DIR "/bios-256k.bin"
#define FIRMWARE_DEFAULT_VGA_ROM  FIRMWARE_SEABIOS_DIR "/vgabios-stdvga.bin"

/* KVM's real-mode TSS and identity-map pages sit just below 0xfffc0000, so
 * the ROM may take at most the last 256 KiB of the 4 GiB space. */
#define FIRMWARE_MAX_SIZE         0x40000u
#define FIRMWARE_LOW_SIZE         0x20000u
#define FIRMWARE_LOW_END          0x100000ull

typedef struct
{
  uint8_t *image;     /* page-aligned, so KVM can map it as a slot */
  size_t   size;      /* a multiple of 64 KiB */
} FirmwareImage;

/* Reads the image at path. On failure fills err with a sentence naming the
 * file (and, for the default image, the package that has it) and returns
 * -errno. */
int      firmware_image_open     (FirmwareImage       *fw,
                                  const char          *path,
                                  VmmError            *err);
void     firmware_image_close    (FirmwareImage       *fw);
/* Where the ROM starts: 4 GiB - size. */
uint64_t firmware_image_rom_base (const FirmwareImage *fw);
/* Copies the image's last 128 KiB (all of it when smaller) to just below
 * 1 MiB in guest RAM, as at power-on. */
int      firmware_image_load_low (const FirmwareImage *fw,
                                  const GuestMemory   *mem);

/* Reads a whole small file (an option ROM) into a new buffer of at most
 * max_size bytes. -errno and err as above. */
int      firmware_read_file      (const char          *what,
                                  const char          *path,
                                  size_t               max_size,
                                  uint8_t            **data,
                                  size_t              *size,
                                  VmmError            *err);
