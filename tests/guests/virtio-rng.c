/* virtio-rng.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Drives a virtio entropy device (virtio 1.2, section 5.4) through the modern PCI transport:
 * two requests of 64 bytes each, which must come back filled (the device may return fewer
 * bytes per request; the guest then asks again for the rest), not all zero and different
 * from each other. The first completion must also have raised the queue interrupt in the ISR
 * (bit 0), which reading clears. Prints "virtio-rng: ok". */

#include "virtio.h"

#define RNG_BYTES 64
#define RNG_MAX_REQUESTS 16

static bool
fill (struct virtq *q,
      uint8_t *buf,
      const char *name)
{
  uint32_t have = 0;

  for (unsigned int request = 0; have < RNG_BYTES; request++)
    {
      struct virtq_buf b = { buf + have, RNG_BYTES - have, true };
      uint32_t written;

      if (request == RNG_MAX_REQUESTS)
        {
          guest_printf ("virtio-rng: %s: only %u of %u bytes after %u requests\n", name, have,
                        RNG_BYTES, RNG_MAX_REQUESTS);
          return false;
        }
      if (!virtq_transfer (q, &b, 1, VIRTIO_TIMEOUT_US, &written))
        return false;
      if (written > RNG_BYTES - have)
        {
          guest_printf ("virtio-rng: %s: the device says it wrote %u bytes into %u\n", name,
                        written, RNG_BYTES - have);
          return false;
        }
      have += written;
    }
  return true;
}

static bool
all_zero (const uint8_t *buf)
{
  const uint64_t *words = (const uint64_t *) buf;

  for (unsigned int i = 0; i < RNG_BYTES / 8; i++)
    if (words[i] != 0)
      return false;
  return true;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  struct virtio_pci dev;
  struct virtq q;
  uint8_t *a, *b;
  uint8_t isr;

  if (!virtio_pci_find (VIRTIO_ID_RNG, &dev) || !virtio_start (&dev, 0)
      || !virtio_queue_setup (&dev, &q, 0, 8) || !virtio_driver_ok (&dev))
    return GUEST_EXIT_FAIL;

  /* Not zeroed by the allocator: clear them so that "all zero" means the device wrote
   * zeros, not nothing. */
  a = guest_alloc (2 * RNG_BYTES, 64);
  b = a + RNG_BYTES;
  memset (a, 0, 2 * RNG_BYTES);

  if (!fill (&q, a, "first"))
    return GUEST_EXIT_FAIL;
  isr = virtio_isr (&dev);
  if (!(isr & 1))
    {
      guest_printf ("virtio-rng: the ISR reads %#x after a used buffer, without the queue "
                    "bit\n", isr);
      return GUEST_EXIT_FAIL;
    }
  isr = virtio_isr (&dev);
  if (isr != 0)
    {
      guest_printf ("virtio-rng: the ISR reads %#x again: reading did not clear it\n", isr);
      return GUEST_EXIT_FAIL;
    }
  if (!fill (&q, b, "second"))
    return GUEST_EXIT_FAIL;

  guest_printf ("virtio-rng: %02x%02x%02x%02x... %02x%02x%02x%02x...\n", a[0], a[1], a[2], a[3],
                b[0], b[1], b[2], b[3]);
  if (all_zero (a) || all_zero (b))
    {
      guest_printf ("virtio-rng: %s 64 bytes are all zero\n", all_zero (a) ? "the first" : "the second");
      return GUEST_EXIT_FAIL;
    }
  if (memcmp (a, b, RNG_BYTES) == 0)
    {
      guest_printf ("virtio-rng: the two reads returned the same 64 bytes\n");
      return GUEST_EXIT_FAIL;
    }

  virtio_reset (&dev);
  guest_printf ("virtio-rng: ok\n");
  return GUEST_EXIT_PASS;
}
