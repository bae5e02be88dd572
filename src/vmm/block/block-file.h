/* block-file.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vmm-error.h"

/* A disk image as a guest's disk sees it: a raw image file or a host block
 * device, opened once, locked, and then read and written by offset from the
 * device's I/O thread. No caching here: the host page cache does that, and
 * FLUSH is fdatasync().
 *
 * The image is locked with an open file description lock (F_OFD_SETLK) for
 * as long as it is open: a write lock when the guest may write, a read lock
 * when it may only read. So two guests never write the same image and none
 * reads an image another one writes, while any number may share it
 * read-only. The lock goes with the file descriptor, never with the process,
 * so another thread or a child cannot drop it by accident. */

#define BLOCK_FILE_SECTOR_SIZE 512

typedef struct
{
  int       fd;
  uint64_t  size;              /* bytes; the guest sees size / 512 sectors */
  bool      read_only;
  bool      is_block_device;
  unsigned  block_size;        /* logical block size: 512 for files */
} BlockFile;

/* Opens path (O_RDONLY when read_only, else O_RDWR), checks that it is a
 * regular file or a block device, takes the lock and finds the size. On
 * failure fills err with a sentence naming the file and returns -errno. */
int  block_file_open         (BlockFile          *bf,
                              const char         *path,
                              bool                read_only,
                              VmmError           *err);
void block_file_close        (BlockFile          *bf);

/* Whole transfers at offset: short transfers are continued, EINTR retried.
 * Reading past the end of a file that shrank under us gives zeros. The
 * iovec array is not modified. Return 0 or -errno. */
int  block_file_read         (BlockFile          *bf,
                              const struct iovec *iov,
                              unsigned            n_iov,
                              uint64_t            offset);
int  block_file_write        (BlockFile          *bf,
                              const struct iovec *iov,
                              unsigned            n_iov,
                              uint64_t            offset);
int  block_file_flush        (BlockFile          *bf);
/* Drops the blocks under [offset, offset + len): a hole in a file, a
 * discard on a device. Advisory: 0 when the host cannot do it. */
int  block_file_discard      (BlockFile          *bf,
                              uint64_t            offset,
                              uint64_t            len);
/* Makes [offset, offset + len) read as zeros; may_unmap lets it free the
 * blocks (punch a hole) rather than keep them allocated. */
int  block_file_write_zeroes (BlockFile          *bf,
                              uint64_t            offset,
                              uint64_t            len,
                              bool                may_unmap);
