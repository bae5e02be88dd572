/* bios-image.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bios-image.h"

/* The package to name when one of its files is missing. */
static const char *
firmware_package_hint (const char *path)
{
  if (strncmp (path, FIRMWARE_SEABIOS_DIR "/", strlen (FIRMWARE_SEABIOS_DIR "/")) == 0)
    return " (it comes with Debian's seabios package: apt install seabios)";
  return "";
}

static int
firmware_read_all (int       fd,
                   uint8_t  *buf,
                   size_t    size)
{
  size_t done = 0;

  while (done < size)
    {
      ssize_t n = read (fd, buf + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      if (n == 0)
        return -EIO;   /* the file shrank under us */
      done += (size_t) n;
    }
  return 0;
}

/* Opens path and checks its size against [1, max_size]. */
static int
firmware_open_sized (const char *what,
                     const char *path,
                     size_t      max_size,
                     size_t     *size,
                     VmmError   *err)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      int ret = -errno;
      vmm_error_set (err, "cannot open the %s %s: %s%s", what, path, strerror (errno),
                     errno == ENOENT ? firmware_package_hint (path) : "");
      return ret;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      vmm_error_set (err, "the %s %s is not a regular file", what, path);
      close (fd);
      return -EINVAL;
    }
  if (st.st_size <= 0 || (uint64_t) st.st_size > max_size)
    {
      vmm_error_set (err, "the %s %s is %lld bytes; it must be between 1 and %zu", what, path,
                     (long long) st.st_size, max_size);
      close (fd);
      return -EFBIG;
    }
  *size = (size_t) st.st_size;
  return fd;
}

int
firmware_image_open (FirmwareImage *fw,
                     const char    *path,
                     VmmError      *err)
{
  size_t size;
  int fd, ret;

  memset (fw, 0, sizeof *fw);
  fd = firmware_open_sized ("firmware", path, FIRMWARE_MAX_SIZE, &size, err);
  if (fd < 0)
    return fd;
  if (size % 0x10000 != 0)
    {
      vmm_error_set (err, "the firmware %s is %zu bytes, not a multiple of 64 KiB: "
                     "it is not a BIOS image", path, size);
      close (fd);
      return -EINVAL;
    }
  fw->image = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (fw->image == MAP_FAILED)
    {
      ret = -errno;
      fw->image = NULL;
      vmm_error_set (err, "out of memory for the firmware %s", path);
      close (fd);
      return ret;
    }
  fw->size = size;
  ret = firmware_read_all (fd, fw->image, size);
  close (fd);
  if (ret < 0)
    {
      vmm_error_set (err, "cannot read the firmware %s: %s", path, strerror (-ret));
      firmware_image_close (fw);
    }
  return ret;
}

void
firmware_image_close (FirmwareImage *fw)
{
  if (fw->image != NULL)
    munmap (fw->image, fw->size);
  fw->image = NULL;
  fw->size = 0;
}

uint64_t
firmware_image_rom_base (const FirmwareImage *fw)
{
  return GUEST_MEMORY_HIGH_START - fw->size;
}

int
firmware_image_load_low (const FirmwareImage *fw,
                         const GuestMemory   *mem)
{
  size_t n = fw->size < FIRMWARE_LOW_SIZE ? fw->size : FIRMWARE_LOW_SIZE;

  return guest_memory_write (mem, FIRMWARE_LOW_END - n, fw->image + fw->size - n, n);
}

int
firmware_read_file (const char  *what,
                    const char  *path,
                    size_t       max_size,
                    uint8_t    **data,
                    size_t      *size,
                    VmmError    *err)
{
  int fd = firmware_open_sized (what, path, max_size, size, err);
  int ret;

  *data = NULL;
  if (fd < 0)
    return fd;
  *data = malloc (*size);
  if (*data == NULL)
    {
      close (fd);
      vmm_error_set (err, "out of memory for the %s %s", what, path);
      return -ENOMEM;
    }
  ret = firmware_read_all (fd, *data, *size);
  close (fd);
  if (ret < 0)
    {
      vmm_error_set (err, "cannot read the %s %s: %s", what, path, strerror (-ret));
      free (*data);
      *data = NULL;
    }
  return ret;
}
