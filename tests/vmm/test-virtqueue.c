/* test-virtqueue.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "virtio/virtio.h"
#include "virtio/virtqueue.h"

/* 1 MiB of fake guest RAM at guest-physical 0, and a driver written by hand:
 * rings at fixed addresses, buffers from 0x10000 up. */
#define RAM_SIZE    0x100000u
#define DESC_GPA    0x1000u
#define AVAIL_GPA   0x2000u
#define USED_GPA    0x3000u
#define TABLE_GPA   0x8000u
#define DATA_GPA    0x10000u
#define MAX_SIZE    16

#define F_INDIRECT  VIRTIO_FEATURE (VIRTIO_F_RING_INDIRECT_DESC)
#define F_EVENT_IDX VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)

typedef struct
{
  GuestMemory  mem;
  uint8_t     *ram;
  Virtqueue    vq;
  VirtqChain   chain;
  uint16_t     size;
  uint16_t     avail_idx;
  unsigned     n_errors;
  char         last_error[200];
} Ring;

static void
ring_on_error (void       *opaque,
               Virtqueue  *vq,
               const char *reason)
{
  Ring *r = opaque;

  r->n_errors++;
  g_strlcpy (r->last_error, reason, sizeof r->last_error);
}

static void
put16 (Ring     *r,
       uint64_t  gpa,
       uint16_t  value)
{
  uint8_t b[2] = { (uint8_t) value, (uint8_t) (value >> 8) };
  g_assert_cmpint (guest_memory_write (&r->mem, gpa, b, 2), ==, 0);
}

static uint16_t
get16 (Ring     *r,
       uint64_t  gpa)
{
  uint8_t b[2];
  g_assert_cmpint (guest_memory_read (&r->mem, gpa, b, 2), ==, 0);
  return (uint16_t) (b[0] | b[1] << 8);
}

static uint32_t
get32 (Ring     *r,
       uint64_t  gpa)
{
  uint8_t b[4];
  g_assert_cmpint (guest_memory_read (&r->mem, gpa, b, 4), ==, 0);
  return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
}

static void
put_desc_at (Ring     *r,
             uint64_t  table,
             unsigned  index,
             uint64_t  addr,
             uint32_t  len,
             uint16_t  flags,
             uint16_t  next)
{
  uint8_t d[16];

  for (unsigned i = 0; i < 8; i++)
    d[i] = (uint8_t) (addr >> (8 * i));
  for (unsigned i = 0; i < 4; i++)
    d[8 + i] = (uint8_t) (len >> (8 * i));
  d[12] = (uint8_t) flags;
  d[13] = (uint8_t) (flags >> 8);
  d[14] = (uint8_t) next;
  d[15] = (uint8_t) (next >> 8);
  g_assert_cmpint (guest_memory_write (&r->mem, table + 16 * index, d, 16), ==, 0);
}

static void
put_desc (Ring     *r,
          unsigned  index,
          uint64_t  addr,
          uint32_t  len,
          uint16_t  flags,
          uint16_t  next)
{
  put_desc_at (r, DESC_GPA, index, addr, len, flags, next);
}

/* Makes head available, as a driver does: ring entry, then idx. */
static void
avail_add (Ring     *r,
           uint16_t  head)
{
  put16 (r, AVAIL_GPA + 4 + 2 * (r->avail_idx % r->size), head);
  r->avail_idx++;
  put16 (r, AVAIL_GPA + 2, r->avail_idx);
}

static uint16_t
used_idx (Ring *r)
{
  return get16 (r, USED_GPA + 2);
}

static void
used_elem (Ring     *r,
           uint16_t  n,
           uint32_t *id,
           uint32_t *len)
{
  *id = get32 (r, USED_GPA + 4 + 8 * (n % r->size));
  *len = get32 (r, USED_GPA + 4 + 8 * (n % r->size) + 4);
}

static void
ring_setup_full (Ring     *r,
                 uint16_t  size,
                 uint64_t  features,
                 unsigned  capacity)
{
  memset (r, 0, sizeof *r);
  r->ram = g_malloc0 (RAM_SIZE);
  g_assert_cmpint (guest_memory_add_region (&r->mem, 0, r->ram, RAM_SIZE), ==, 0);
  virtq_init (&r->vq, &r->mem, 0, MAX_SIZE);
  virtq_set_error_handler (&r->vq, ring_on_error, r);
  g_assert_cmpint (virtq_chain_init (&r->chain, capacity), ==, 0);
  r->size = size;
  g_assert_cmpint (virtq_enable (&r->vq, size, DESC_GPA, AVAIL_GPA, USED_GPA, features), ==, 0);
  g_assert_true (virtq_is_ready (&r->vq));
}

static void
ring_setup (Ring     *r,
            uint16_t  size,
            uint64_t  features)
{
  ring_setup_full (r, size, features, MAX_SIZE);
}

static void
ring_destroy (Ring *r)
{
  virtq_chain_destroy (&r->chain);
  virtq_destroy (&r->vq);
  g_free (r->ram);
}

static void
test_simple_chain (void)
{
  Ring r;
  uint8_t out[24], in[64];
  uint32_t id, len;

  ring_setup (&r, 8, 0);
  memset (r.ram + DATA_GPA, 0x11, 16);
  memset (r.ram + DATA_GPA + 0x100, 0x22, 8);
  put_desc (&r, 5, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
  put_desc (&r, 2, DATA_GPA + 0x100, 8, VIRTQ_DESC_F_NEXT, 7);
  put_desc (&r, 7, DATA_GPA + 0x200, 64, VIRTQ_DESC_F_WRITE, 0);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 0);    /* nothing yet */
  avail_add (&r, 5);

  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpuint (r.chain.head, ==, 5);
  g_assert_cmpuint (r.chain.n_segs, ==, 3);
  g_assert_cmpuint (r.chain.n_readable, ==, 2);
  g_assert_cmpuint (r.chain.readable_len, ==, 24);
  g_assert_cmpuint (r.chain.writable_len, ==, 64);
  g_assert_true (r.chain.segs[0].host == r.ram + DATA_GPA);
  g_assert_cmphex (r.chain.segs[1].gpa, ==, DATA_GPA + 0x100);
  g_assert_false (r.chain.segs[1].writable);
  g_assert_true (r.chain.segs[2].writable);

  /* Reading runs across segments; offsets skip into them. */
  g_assert_cmpuint (virtq_chain_read (&r.chain, 0, out, sizeof out), ==, 24);
  g_assert_cmphex (out[15], ==, 0x11);
  g_assert_cmphex (out[16], ==, 0x22);
  g_assert_cmpuint (virtq_chain_read (&r.chain, 20, out, sizeof out), ==, 4);
  g_assert_cmphex (out[0], ==, 0x22);
  memset (in, 0x33, sizeof in);
  g_assert_cmpuint (virtq_chain_write (&r.chain, 4, in, sizeof in), ==, 60);
  g_assert_cmphex (r.ram[DATA_GPA + 0x200 + 3], ==, 0);
  g_assert_cmphex (r.ram[DATA_GPA + 0x200 + 4], ==, 0x33);
  g_assert_cmphex (r.ram[DATA_GPA + 0x200 + 63], ==, 0x33);
  g_assert_cmphex (r.ram[DATA_GPA + 0x200 + 64], ==, 0);

  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 0);
  /* The used length cannot claim more than the chain could take. */
  g_assert_cmpint (virtq_push (&r.vq, &r.chain, 1000), ==, 0);
  g_assert_cmpuint (used_idx (&r), ==, 1);
  used_elem (&r, 0, &id, &len);
  g_assert_cmpuint (id, ==, 5);
  g_assert_cmpuint (len, ==, 64);
  g_assert_true (virtq_should_notify (&r.vq));
  g_assert_cmpuint (r.n_errors, ==, 0);

  /* The driver may ask for no interrupts (without event index). */
  put16 (&r, AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
  avail_add (&r, 7);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpuint (r.chain.n_readable, ==, 0);
  g_assert_cmpint (virtq_push (&r.vq, &r.chain, 0), ==, 0);
  g_assert_false (virtq_should_notify (&r.vq));
  ring_destroy (&r);
}

static void
test_iovec_and_zero_length (void)
{
  Ring r;
  struct iovec iov[4];

  ring_setup (&r, 4, 0);
  put_desc (&r, 0, DATA_GPA, 10, VIRTQ_DESC_F_NEXT, 1);
  put_desc (&r, 1, DATA_GPA + 0x40, 0, VIRTQ_DESC_F_NEXT, 2);   /* dropped */
  put_desc (&r, 2, DATA_GPA + 0x80, 20, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
  put_desc (&r, 3, DATA_GPA + 0xc0, 30, VIRTQ_DESC_F_WRITE, 0);
  avail_add (&r, 0);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpuint (r.chain.n_segs, ==, 3);
  g_assert_cmpuint (virtq_chain_iovec (&r.chain, false, iov, 4), ==, 1);
  g_assert_true (iov[0].iov_base == r.ram + DATA_GPA);
  g_assert_cmpuint (iov[0].iov_len, ==, 10);
  g_assert_cmpuint (virtq_chain_iovec (&r.chain, true, iov, 4), ==, 2);
  g_assert_true (iov[1].iov_base == r.ram + DATA_GPA + 0xc0);
  g_assert_cmpuint (iov[1].iov_len, ==, 30);
  g_assert_cmpuint (virtq_chain_iovec (&r.chain, true, iov, 1), ==, 1);
  ring_destroy (&r);
}

/* A chain exactly as long as the queue is legal. */
static void
test_full_length_chain (void)
{
  Ring r;

  ring_setup (&r, 8, 0);
  for (unsigned i = 0; i < 8; i++)
    put_desc (&r, i, DATA_GPA + 0x10 * i, 0x10, i < 7 ? VIRTQ_DESC_F_NEXT : 0,
              (uint16_t) ((i + 1) % 8));
  avail_add (&r, 0);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpuint (r.chain.n_segs, ==, 8);
  g_assert_cmpuint (r.n_errors, ==, 0);
  ring_destroy (&r);
}

/* 16-bit indices wrap; the ring positions wrap modulo the size. */
static void
test_index_wrap (void)
{
  Ring r;
  uint32_t id, len;

  ring_setup (&r, 4, 0);
  for (unsigned i = 0; i < 4; i++)
    put_desc (&r, i, DATA_GPA + 0x100 * i, 0x10, VIRTQ_DESC_F_WRITE, 0);
  for (unsigned n = 0; n < 70000; n++)
    {
      uint16_t head = (uint16_t) (n % 3);

      avail_add (&r, head);
      g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
      g_assert_cmpuint (r.chain.head, ==, head);
      g_assert_cmpint (virtq_push (&r.vq, &r.chain, (uint32_t) n & 0xf), ==, 0);
    }
  g_assert_cmpuint (used_idx (&r), ==, (uint16_t) 70000);
  used_elem (&r, (uint16_t) 69999, &id, &len);
  g_assert_cmpuint (id, ==, 69999 % 3);
  g_assert_cmpuint (len, ==, 69999 & 0xf);
  g_assert_cmpuint (r.n_errors, ==, 0);
  ring_destroy (&r);
}

static void
test_indirect (void)
{
  Ring r;

  ring_setup (&r, 4, F_INDIRECT);
  put_desc_at (&r, TABLE_GPA, 0, DATA_GPA, 12, VIRTQ_DESC_F_NEXT, 2);
  put_desc_at (&r, TABLE_GPA, 2, DATA_GPA + 0x100, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
  put_desc_at (&r, TABLE_GPA, 1, DATA_GPA + 0x200, 200, VIRTQ_DESC_F_WRITE, 0);
  /* The WRITE flag on the descriptor naming the table means nothing. */
  put_desc (&r, 3, TABLE_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
  avail_add (&r, 3);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpuint (r.chain.head, ==, 3);
  g_assert_cmpuint (r.chain.n_segs, ==, 3);
  g_assert_cmpuint (r.chain.n_readable, ==, 1);
  g_assert_cmpuint (r.chain.writable_len, ==, 300);
  g_assert_cmphex (r.chain.segs[2].gpa, ==, DATA_GPA + 0x200);

  /* An indirect table may end a chain of direct descriptors. */
  put_desc (&r, 0, DATA_GPA + 0x400, 8, VIRTQ_DESC_F_NEXT, 1);
  put_desc (&r, 1, TABLE_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (&r, 0);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpuint (r.chain.n_segs, ==, 4);
  g_assert_cmpuint (r.chain.readable_len, ==, 20);
  g_assert_cmpuint (r.n_errors, ==, 0);
  ring_destroy (&r);
}

static void
test_event_idx (void)
{
  Ring r;
  const uint64_t used_event = AVAIL_GPA + 4 + 2 * 8;
  const uint64_t avail_event = USED_GPA + 4 + 8 * 8;

  ring_setup (&r, 8, F_EVENT_IDX);
  for (unsigned i = 0; i < 8; i++)
    put_desc (&r, i, DATA_GPA + 0x100 * i, 0x10, VIRTQ_DESC_F_WRITE, 0);

  /* Finding the ring empty, the device asks to hear about entry 0. */
  put16 (&r, avail_event, 0xffff);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 0);
  g_assert_cmpuint (get16 (&r, avail_event), ==, 0);

  /* The first decision always interrupts. */
  avail_add (&r, 0);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpint (virtq_push (&r.vq, &r.chain, 1), ==, 0);
  g_assert_true (virtq_should_notify (&r.vq));

  /* The driver wants an interrupt only once used idx passes 5. */
  put16 (&r, used_event, 5);
  for (uint16_t n = 2; n <= 6; n++)
    {
      avail_add (&r, n % 8);
      g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
      g_assert_cmpint (virtq_push (&r.vq, &r.chain, 1), ==, 0);
      /* used idx is n now: notify only when it moves past used_event (5). */
      g_assert_cmpint (virtq_should_notify (&r.vq), ==, n == 6);
    }

  /* A batch of three that crosses used_event: one interrupt. */
  put16 (&r, used_event, 7);
  for (unsigned n = 0; n < 3; n++)
    {
      avail_add (&r, (uint16_t) n);
      g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
      g_assert_cmpint (virtq_push (&r.vq, &r.chain, 1), ==, 0);
    }
  g_assert_true (virtq_should_notify (&r.vq));
  /* Nothing new since: no interrupt. */
  g_assert_false (virtq_should_notify (&r.vq));

  /* Drained again: the device asks for the entry after the last it took. */
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 0);
  g_assert_cmpuint (get16 (&r, avail_event), ==, 9);
  /* With event index the NO_INTERRUPT flag is not what counts. */
  put16 (&r, AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
  put16 (&r, used_event, 9);
  avail_add (&r, 1);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpint (virtq_push (&r.vq, &r.chain, 1), ==, 0);
  g_assert_true (virtq_should_notify (&r.vq));
  g_assert_cmpuint (r.n_errors, ==, 0);
  ring_destroy (&r);
}

static void
test_stale_push_after_reset (void)
{
  Ring r;

  ring_setup (&r, 4, 0);
  put_desc (&r, 0, DATA_GPA, 0x10, VIRTQ_DESC_F_WRITE, 0);
  avail_add (&r, 0);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  virtq_reset (&r.vq);
  g_assert_false (virtq_is_ready (&r.vq));
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 0);
  g_assert_cmpint (virtq_push (&r.vq, &r.chain, 4), ==, -ESTALE);
  g_assert_false (virtq_should_notify (&r.vq));

  /* Enabled anew (the driver zeroed its rings): the old chain stays stale. */
  memset (r.ram + AVAIL_GPA, 0, 0x1000);
  memset (r.ram + USED_GPA, 0, 0x1000);
  r.avail_idx = 0;
  g_assert_cmpint (virtq_enable (&r.vq, 4, DESC_GPA, AVAIL_GPA, USED_GPA, 0), ==, 0);
  g_assert_cmpint (virtq_push (&r.vq, &r.chain, 4), ==, -ESTALE);
  g_assert_cmpuint (used_idx (&r), ==, 0);
  ring_destroy (&r);
}

/* Enabling checks the rings themselves. */
static void
test_enable_checks (void)
{
  static const struct
  {
    uint16_t size;
    uint64_t desc, avail, used;
  } bad[] = {
    { 0, DESC_GPA, AVAIL_GPA, USED_GPA },
    { 6, DESC_GPA, AVAIL_GPA, USED_GPA },              /* not a power of two */
    { 32, DESC_GPA, AVAIL_GPA, USED_GPA },             /* above the maximum */
    { 8, DESC_GPA + 8, AVAIL_GPA, USED_GPA },          /* descriptors: 16-byte alignment */
    { 8, DESC_GPA, AVAIL_GPA + 1, USED_GPA },          /* available ring: 2 */
    { 8, DESC_GPA, AVAIL_GPA, USED_GPA + 2 },          /* used ring: 4 */
    { 8, RAM_SIZE, AVAIL_GPA, USED_GPA },              /* not in RAM */
    { 8, DESC_GPA, RAM_SIZE - 8, USED_GPA },           /* runs off the end of RAM */
    { 8, DESC_GPA, AVAIL_GPA, RAM_SIZE - 64 },
    { 8, DESC_GPA, AVAIL_GPA, UINT64_MAX - 3 },        /* wraps */
  };

  for (unsigned i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      Ring r;

      ring_setup (&r, 8, 0);
      virtq_reset (&r.vq);
      g_assert_cmpint (virtq_enable (&r.vq, bad[i].size, bad[i].desc, bad[i].avail, bad[i].used,
                                     0), ==, -EINVAL);
      g_assert_cmpuint (r.n_errors, ==, 1);
      g_assert_true (virtq_is_broken (&r.vq));
      g_assert_false (virtq_is_ready (&r.vq));
      g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, -EIO);
      ring_destroy (&r);
    }
}

/* Malformed rings. Each case builds one on a queue of 8 and expects the
 * queue to break: pop fails, the error handler runs once, nothing else
 * happens, and a reset makes the queue usable again. */
typedef struct
{
  const char *name;
  uint64_t    features;
  unsigned    capacity;
  void      (*build) (Ring *r);
} MalformedCase;

static void
build_loop (Ring *r)
{
  put_desc (r, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
  put_desc (r, 1, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
  put_desc (r, 2, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
  avail_add (r, 0);
}

static void
build_self_loop (Ring *r)
{
  put_desc (r, 4, DATA_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 4);
  avail_add (r, 4);
}

static void
build_head_out_of_range (Ring *r)
{
  avail_add (r, 8);
}

static void
build_head_huge (Ring *r)
{
  avail_add (r, 0xffff);
}

static void
build_next_out_of_range (Ring *r)
{
  put_desc (r, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 8);
  avail_add (r, 0);
}

static void
build_avail_jump (Ring *r)
{
  put_desc (r, 0, DATA_GPA, 8, 0, 0);
  put16 (r, AVAIL_GPA + 2, 9);          /* nine new entries in a ring of eight */
}

static void
build_avail_jump_back (Ring *r)
{
  put_desc (r, 0, DATA_GPA, 8, 0, 0);
  put16 (r, AVAIL_GPA + 2, 0xffff);     /* "65535 new entries" */
}

static void
build_buffer_past_ram (Ring *r)
{
  put_desc (r, 0, RAM_SIZE - 8, 16, VIRTQ_DESC_F_WRITE, 0);
  avail_add (r, 0);
}

static void
build_buffer_outside_ram (Ring *r)
{
  put_desc (r, 0, 0xfee00000u, 4, VIRTQ_DESC_F_WRITE, 0);
  avail_add (r, 0);
}

static void
build_len_overflow (Ring *r)
{
  put_desc (r, 0, UINT64_MAX - 0xff, 0x200, 0, 0);
  avail_add (r, 0);
}

static void
build_len_huge (Ring *r)
{
  put_desc (r, 0, DATA_GPA, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
  avail_add (r, 0);
}

static void
build_readable_after_writable (Ring *r)
{
  put_desc (r, 0, DATA_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
  put_desc (r, 1, DATA_GPA + 8, 8, 0, 0);
  avail_add (r, 0);
}

static void
build_too_many_segments (Ring *r)
{
  put_desc (r, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
  put_desc (r, 1, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
  put_desc (r, 2, DATA_GPA, 8, 0, 0);
  avail_add (r, 0);
}

static void
build_indirect_not_negotiated (Ring *r)
{
  put_desc_at (r, TABLE_GPA, 0, DATA_GPA, 8, 0, 0);
  put_desc (r, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static void
build_indirect_in_indirect (Ring *r)
{
  put_desc_at (r, TABLE_GPA + 0x100, 0, DATA_GPA, 8, 0, 0);
  put_desc_at (r, TABLE_GPA, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
  put_desc_at (r, TABLE_GPA, 1, TABLE_GPA + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
  put_desc (r, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static void
build_indirect_with_next (Ring *r)
{
  put_desc_at (r, TABLE_GPA, 0, DATA_GPA, 8, 0, 0);
  put_desc (r, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
  put_desc (r, 1, DATA_GPA, 8, 0, 0);
  avail_add (r, 0);
}

static void
build_indirect_bad_len (Ring *r)
{
  put_desc (r, 0, TABLE_GPA, 24, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static void
build_indirect_zero_len (Ring *r)
{
  put_desc (r, 0, TABLE_GPA, 0, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static void
build_indirect_outside_ram (Ring *r)
{
  put_desc (r, 0, RAM_SIZE - 32, 64, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static void
build_indirect_huge (Ring *r)
{
  /* Claims 2^28 - 1 descriptors; checked before anything is read. */
  put_desc (r, 0, TABLE_GPA, 0xfffffff0u, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static void
build_indirect_loop (Ring *r)
{
  put_desc_at (r, TABLE_GPA, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
  put_desc_at (r, TABLE_GPA, 1, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
  put_desc (r, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static void
build_indirect_next_out_of_table (Ring *r)
{
  /* Next points inside the queue but past the two-entry table. */
  put_desc_at (r, TABLE_GPA, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
  put_desc_at (r, TABLE_GPA, 1, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 5);
  put_desc (r, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static void
build_indirect_buffer_outside_ram (Ring *r)
{
  put_desc_at (r, TABLE_GPA, 0, 0x7fffffff0000ull, 8, VIRTQ_DESC_F_WRITE, 0);
  put_desc (r, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
  avail_add (r, 0);
}

static const MalformedCase malformed_cases[] = {
  { "loop", 0, MAX_SIZE, build_loop },
  { "self-loop", 0, MAX_SIZE, build_self_loop },
  { "head-out-of-range", 0, MAX_SIZE, build_head_out_of_range },
  { "head-huge", 0, MAX_SIZE, build_head_huge },
  { "next-out-of-range", 0, MAX_SIZE, build_next_out_of_range },
  { "avail-idx-jump", 0, MAX_SIZE, build_avail_jump },
  { "avail-idx-jump-back", F_EVENT_IDX, MAX_SIZE, build_avail_jump_back },
  { "buffer-past-ram", 0, MAX_SIZE, build_buffer_past_ram },
  { "buffer-outside-ram", 0, MAX_SIZE, build_buffer_outside_ram },
  { "len-overflow", 0, MAX_SIZE, build_len_overflow },
  { "len-huge", 0, MAX_SIZE, build_len_huge },
  { "readable-after-writable", 0, MAX_SIZE, build_readable_after_writable },
  { "too-many-segments", 0, 2, build_too_many_segments },
  { "indirect-not-negotiated", 0, MAX_SIZE, build_indirect_not_negotiated },
  { "indirect-in-indirect", F_INDIRECT, MAX_SIZE, build_indirect_in_indirect },
  { "indirect-with-next", F_INDIRECT, MAX_SIZE, build_indirect_with_next },
  { "indirect-bad-len", F_INDIRECT, MAX_SIZE, build_indirect_bad_len },
  { "indirect-zero-len", F_INDIRECT, MAX_SIZE, build_indirect_zero_len },
  { "indirect-outside-ram", F_INDIRECT, MAX_SIZE, build_indirect_outside_ram },
  { "indirect-huge", F_INDIRECT, MAX_SIZE, build_indirect_huge },
  { "indirect-loop", F_INDIRECT, MAX_SIZE, build_indirect_loop },
  { "indirect-next-out-of-table", F_INDIRECT, MAX_SIZE, build_indirect_next_out_of_table },
  { "indirect-buffer-outside-ram", F_INDIRECT, MAX_SIZE, build_indirect_buffer_outside_ram },
};

static void
test_malformed (gconstpointer data)
{
  const MalformedCase *c = data;
  uint8_t before[0x2000];
  Ring r;

  ring_setup_full (&r, 8, c->features, c->capacity);
  c->build (&r);
  memcpy (before, r.ram + USED_GPA, sizeof before);

  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, -EIO);
  g_assert_cmpuint (r.n_errors, ==, 1);
  g_assert_cmpstr (r.last_error, !=, "");
  g_assert_true (virtq_is_broken (&r.vq));
  /* Broken stays broken, quietly. */
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, -EIO);
  g_assert_cmpint (virtq_push (&r.vq, &r.chain, 0), ==, -ESTALE);
  g_assert_false (virtq_should_notify (&r.vq));
  g_assert_cmpuint (r.n_errors, ==, 1);
  /* The device wrote nothing into the used ring on the way. */
  g_assert_cmpmem (before, sizeof before, r.ram + USED_GPA, sizeof before);

  /* A reset and a well-formed ring bring it back. */
  virtq_reset (&r.vq);
  g_assert_false (virtq_is_broken (&r.vq));
  memset (r.ram + AVAIL_GPA, 0, 0x1000);
  memset (r.ram + USED_GPA, 0, 0x1000);
  r.avail_idx = 0;
  g_assert_cmpint (virtq_enable (&r.vq, 8, DESC_GPA, AVAIL_GPA, USED_GPA, c->features), ==, 0);
  put_desc (&r, 0, DATA_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
  avail_add (&r, 0);
  g_assert_cmpint (virtq_pop (&r.vq, &r.chain), ==, 1);
  g_assert_cmpint (virtq_push (&r.vq, &r.chain, 8), ==, 0);
  g_assert_cmpuint (used_idx (&r), ==, 1);
  ring_destroy (&r);
}

/* Random descriptor tables and rings: whatever the bytes, pop either
 * returns a chain whose every segment lies in RAM, or breaks the queue. */
static void
test_fuzz (void)
{
  GRand *rand = g_rand_new_with_seed (20260101);
  unsigned n_chains = 0, n_broken = 0;

  for (unsigned round = 0; round < 2000; round++)
    {
      Ring r;
      uint64_t features = (round & 1 ? F_INDIRECT : 0) | (round & 2 ? F_EVENT_IDX : 0);

      ring_setup (&r, 8, features);
      for (unsigned i = 0; i < 8; i++)
        {
          /* Mostly plausible values, so that chains get somewhere. */
          uint64_t addr = g_rand_int_range (rand, 0, 4) == 0
                          ? ((uint64_t) g_rand_int (rand) << 32 | g_rand_int (rand))
                          : (uint64_t) g_rand_int_range (rand, 0, RAM_SIZE + 0x100);
          uint32_t len = g_rand_int_range (rand, 0, 3) == 0
                         ? g_rand_int (rand)
                         : (uint32_t) g_rand_int_range (rand, 0, 0x200);
          uint16_t flags = (uint16_t) g_rand_int_range (rand, 0, 8);
          uint16_t next = (uint16_t) g_rand_int_range (rand, 0, 10);

          if (flags & VIRTQ_DESC_F_INDIRECT && g_rand_boolean (rand))
            {
              addr = TABLE_GPA;
              len = 16 * (uint32_t) g_rand_int_range (rand, 1, 6);
            }
          put_desc (&r, i, addr, len, flags, next);
          put_desc_at (&r, TABLE_GPA, i, addr, len, flags, next);
        }
      for (unsigned n = 0; n < 4; n++)
        avail_add (&r, (uint16_t) g_rand_int_range (rand, 0, 9));

      for (unsigned n = 0; n < 5; n++)
        {
          int ret = virtq_pop (&r.vq, &r.chain);

          if (ret < 0)
            {
              g_assert_cmpint (ret, ==, -EIO);
              g_assert_cmpuint (r.n_errors, ==, 1);
              n_broken++;
              break;
            }
          if (ret == 0)
            break;
          n_chains++;
          g_assert_cmpuint (r.chain.n_segs, <=, r.chain.capacity);
          for (unsigned s = 0; s < r.chain.n_segs; s++)
            {
              const VirtqSeg *seg = &r.chain.segs[s];

              g_assert_cmpuint (seg->gpa + seg->len, <=, RAM_SIZE);
              g_assert_true ((uint8_t *) seg->host == r.ram + seg->gpa);
            }
          g_assert_cmpint (virtq_push (&r.vq, &r.chain, (uint32_t) r.chain.writable_len), ==, 0);
        }
      ring_destroy (&r);
    }
  g_rand_free (rand);
  /* Both outcomes happened, many times. */
  g_test_message ("%u chains popped, %u rings found broken", n_chains, n_broken);
  g_assert_cmpuint (n_chains, >, 100);
  g_assert_cmpuint (n_broken, >, 100);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmm/virtqueue/simple-chain", test_simple_chain);
  g_test_add_func ("/vmm/virtqueue/iovec-and-zero-length", test_iovec_and_zero_length);
  g_test_add_func ("/vmm/virtqueue/full-length-chain", test_full_length_chain);
  g_test_add_func ("/vmm/virtqueue/index-wrap", test_index_wrap);
  g_test_add_func ("/vmm/virtqueue/indirect", test_indirect);
  g_test_add_func ("/vmm/virtqueue/event-idx", test_event_idx);
  g_test_add_func ("/vmm/virtqueue/stale-push-after-reset", test_stale_push_after_reset);
  g_test_add_func ("/vmm/virtqueue/enable-checks", test_enable_checks);
  for (unsigned i = 0; i < G_N_ELEMENTS (malformed_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/vmm/virtqueue/malformed/%s",
                                               malformed_cases[i].name);
      g_test_add_data_func (path, &malformed_cases[i], test_malformed);
    }
  g_test_add_func ("/vmm/virtqueue/fuzz", test_fuzz);
  return g_test_run ();
}
