/* block-file.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block-file.h"

/* The most iovecs one preadv/pwritev takes (IOV_MAX on Linux). */
#define BLOCK_FILE_MAX_IOV   1024
/* Zeros written by hand when the host cannot zero a range any other way. */
#define BLOCK_FILE_ZERO_CHUNK (64 * 1024)

static int
block_file_lock (int  fd,
                 bool read_only)
{
  struct flock lock = {
    .l_type = read_only ? F_RDLCK : F_WRLCK,
    .l_whence = SEEK_SET,
    .l_start = 0,
    .l_len = 0,                 /* the whole file, however it grows */
  };

  if (fcntl (fd, F_OFD_SETLK, &lock) < 0)
    return -errno;
  return 0;
}

int
block_file_open (BlockFile  *bf,
                 const char *path,
                 bool        read_only,
                 VmmError   *err)
{
  struct stat st;
  int fd, flags, ret;

  memset (bf, 0, sizeof *bf);
  bf->fd = -1;
  if (path == NULL || path[0] == '\0')
    {
      vmm_error_set (err, "no disk image given");
      return -EINVAL;
    }

  /* O_NONBLOCK: opening a FIFO someone passed by mistake must fail below,
   * not hang the VMM waiting for a writer. Cleared once we know what it is. */
  fd = open (path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    {
      ret = -errno;
      if (errno == EROFS || (errno == EACCES && !read_only && access (path, R_OK) == 0))
        vmm_error_set (err, "cannot open disk image %s for writing: %s (add readonly=on to "
                       "give the guest a read-only disk)", path, strerror (-ret));
      else
        vmm_error_set (err, "cannot open disk image %s: %s", path, strerror (-ret));
      return ret;
    }
  if (fstat (fd, &st) < 0)
    {
      ret = -errno;
      vmm_error_set (err, "cannot examine disk image %s: %s", path, strerror (-ret));
      goto fail;
    }
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    {
      ret = -EINVAL;
      vmm_error_set (err, "disk image %s is neither a regular file nor a block device", path);
      goto fail;
    }
  flags = fcntl (fd, F_GETFL);
  if (flags < 0 || fcntl (fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
    {
      ret = -errno;
      vmm_error_set (err, "cannot set up disk image %s: %s", path, strerror (-ret));
      goto fail;
    }

  ret = block_file_lock (fd, read_only);
  if (ret == -EAGAIN || ret == -EACCES)
    {
      vmm_error_set (err, read_only
                     ? "disk image %s is in use: another program is writing to it"
                     : "disk image %s is in use: another guest or program has it open "
                       "(two guests may share an image only with readonly=on)", path);
      goto fail;
    }
  else if (ret < 0)
    {
      vmm_error_set (err, "cannot lock disk image %s: %s", path, strerror (-ret));
      goto fail;
    }

  bf->is_block_device = S_ISBLK (st.st_mode);
  bf->block_size = BLOCK_FILE_SECTOR_SIZE;
  if (bf->is_block_device)
    {
      uint64_t size;
      int ssz = 0;

      if (ioctl (fd, BLKGETSIZE64, &size) < 0)
        {
          ret = -errno;
          vmm_error_set (err, "cannot find the size of block device %s: %s", path,
                         strerror (-ret));
          goto fail;
        }
      bf->size = size;
      if (ioctl (fd, BLKSSZGET, &ssz) == 0 && ssz >= BLOCK_FILE_SECTOR_SIZE && ssz <= 65536
          && (ssz & (ssz - 1)) == 0)
        bf->block_size = (unsigned) ssz;
    }
  else
    bf->size = (uint64_t) st.st_size;

  bf->fd = fd;
  bf->read_only = read_only;
  return 0;

fail:
  close (fd);
  return ret;
}

void
block_file_close (BlockFile *bf)
{
  /* Closing the last descriptor of the open file description drops the
   * lock. */
  if (bf->fd >= 0)
    close (bf->fd);
  bf->fd = -1;
}

/* preadv/pwritev until all of iov moved. Works on a copy of the array so
 * that partial transfers can advance it. */
static int
block_file_rw (BlockFile          *bf,
               const struct iovec *iov_in,
               unsigned            n_iov,
               uint64_t            offset,
               bool                write)
{
  struct iovec iov[BLOCK_FILE_MAX_IOV];
  unsigned first = 0;

  if (n_iov > BLOCK_FILE_MAX_IOV)
    return -EINVAL;
  if (write && bf->read_only)
    return -EROFS;
  memcpy (iov, iov_in, n_iov * sizeof *iov);

  while (first < n_iov)
    {
      ssize_t n;

      if (iov[first].iov_len == 0)
        {
          first++;
          continue;
        }
      if (offset > INT64_MAX)
        return -EINVAL;
      n = write ? pwritev (bf->fd, iov + first, (int) (n_iov - first), (off_t) offset)
                : preadv (bf->fd, iov + first, (int) (n_iov - first), (off_t) offset);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -errno;
        }
      if (n == 0)
        {
          /* End of file: a write cannot make progress (a device that is
           * full); a read gets zeros, as a file that shrank reads. */
          if (write)
            return -ENOSPC;
          for (; first < n_iov; first++)
            memset (iov[first].iov_base, 0, iov[first].iov_len);
          return 0;
        }
      offset += (uint64_t) n;
      while (n > 0 && first < n_iov)
        {
          if ((size_t) n >= iov[first].iov_len)
            {
              n -= (ssize_t) iov[first].iov_len;
              first++;
            }
          else
            {
              iov[first].iov_base = (uint8_t *) iov[first].iov_base + n;
              iov[first].iov_len -= (size_t) n;
              n = 0;
            }
        }
    }
  return 0;
}

int
block_file_read (BlockFile          *bf,
                 const struct iovec *iov,
                 unsigned            n_iov,
                 uint64_t            offset)
{
  return block_file_rw (bf, iov, n_iov, offset, false);
}

int
block_file_write (BlockFile          *bf,
                  const struct iovec *iov,
                  unsigned            n_iov,
                  uint64_t            offset)
{
  return block_file_rw (bf, iov, n_iov, offset, true);
}

int
block_file_flush (BlockFile *bf)
{
  if (bf->read_only)
    return 0;
  while (fdatasync (bf->fd) < 0)
    if (errno != EINTR)
      return -errno;
  return 0;
}

static int
block_file_fallocate (BlockFile *bf,
                      int        mode,
                      uint64_t   offset,
                      uint64_t   len)
{
  while (fallocate (bf->fd, mode, (off_t) offset, (off_t) len) < 0)
    if (errno != EINTR)
      return -errno;
  return 0;
}

static bool
block_file_unsupported (int ret)
{
  return ret == -EOPNOTSUPP || ret == -ENOSYS || ret == -EINVAL || ret == -ENOTTY;
}

int
block_file_discard (BlockFile *bf,
                    uint64_t   offset,
                    uint64_t   len)
{
  int ret;

  if (bf->read_only)
    return -EROFS;
  if (len == 0)
    return 0;
  /* On a block device (Linux 4.9 and later) this is a discard that also
   * guarantees zeros, which some devices cannot do: then nothing happens,
   * which is all a discard promises. */
  ret = block_file_fallocate (bf, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
  if (ret < 0 && block_file_unsupported (ret))
    return 0;
  return ret;
}

int
block_file_write_zeroes (BlockFile *bf,
                         uint64_t   offset,
                         uint64_t   len,
                         bool       may_unmap)
{
  static const uint8_t zeros[BLOCK_FILE_ZERO_CHUNK];
  int ret = -EOPNOTSUPP;

  if (bf->read_only)
    return -EROFS;
  if (len == 0)
    return 0;
  if (!may_unmap)
    ret = block_file_fallocate (bf, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, len);
  /* A hole reads as zeros too; when the guest did not allow unmapping it is
   * still better than writing every byte, which is the last resort. */
  if (ret < 0 && block_file_unsupported (ret))
    ret = block_file_fallocate (bf, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
  if (ret < 0 && block_file_unsupported (ret))
    {
      while (len > 0)
        {
          size_t n = len < sizeof zeros ? (size_t) len : sizeof zeros;
          struct iovec iov = { (void *) zeros, n };

          if ((ret = block_file_rw (bf, &iov, 1, offset, true)) < 0)
            return ret;
          offset += n;
          len -= n;
        }
      ret = 0;
    }
  return ret;
}
