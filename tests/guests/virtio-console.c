/* virtio-console.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Drives a virtio console (virtio 1.2, section 5.3) through the modern PCI transport, port 0
 * only: the guest declines VIRTIO_CONSOLE_F_MULTIPORT, so receiveq 0 and transmitq 0 (queues
 * 0 and 1) are the whole device. QEMU's virtio-serial-pci then treats port 0 as open from
 * DRIVER_OK on, the same as our VMM's single-port device.
 *
 * Writes HELLO on the transmit queue, waits for a line from the host on the receive queue
 * (printable ASCII, at most LINE_MAX bytes, ended by CR or LF) and writes it back as
 * "virtio-console: got LINE" CRLF. The host side is tests/kvm/test-vmm-virtio-console.
 * Command line: timeout=S, how long to wait for the line (default 30 s). Prints
 * "virtio-console: ok" at the end. */

#include "virtio.h"

#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_CONSOLE_F_MULTIPORT (1ull << 1)
#define RECEIVEQ_0  0
#define TRANSMITQ_0 1
#define QUEUE_SIZE  8

#define HELLO "virtio-console: hello from the guest\r\n"
#define LINE_MAX 80
#define RX_CHUNK 64
/* Each used receive buffer that does not end the line holds at least one byte, so this
 * bounds a host that returns empty buffers for ever. */
#define RX_MAX_BUFFERS (LINE_MAX + 8)
#define DEFAULT_TIMEOUT_S 30

static struct virtio_pci dev;
static struct virtq rx;
static struct virtq tx;

static bool
transmit (const char *text,
          size_t      length)
{
  /* The device only reads it; the queue API has no const. */
  struct virtq_buf b = { (void *) text, (uint32_t) length, false };

  return virtq_transfer (&tx, &b, 1, VIRTIO_TIMEOUT_US, NULL);
}

static bool
post_receive_buffer (uint8_t  *chunk,
                     uint16_t *head)
{
  struct virtq_buf b = { chunk, RX_CHUNK, true };

  if (!virtq_add (&rx, &b, 1, head))
    return false;
  virtq_kick (&rx);
  return true;
}

/* Appends what the host sent to line until a CR or LF; bytes after it are dropped. Returns
 * 1 when the line is complete, 0 when more is needed, -1 (having said why) when the host sent
 * something no line may hold. */
static int
take_bytes (const uint8_t *chunk,
            uint32_t       length,
            char          *line,
            size_t        *line_length)
{
  for (uint32_t i = 0; i < length; i++)
    {
      uint8_t c = chunk[i];

      if (c == '\r' || c == '\n')
        {
          line[*line_length] = '\0';
          return 1;
        }
      if (c < 0x20 || c > 0x7e)
        {
          guest_printf ("virtio-console: byte %#x after %zu bytes of the line is not printable\n",
                        c, *line_length);
          return -1;
        }
      if (*line_length == LINE_MAX)
        {
          guest_printf ("virtio-console: the line is longer than %u bytes\n", LINE_MAX);
          return -1;
        }
      line[(*line_length)++] = (char) c;
    }
  return 0;
}

static bool
receive_line (char     *line,
              uint64_t  timeout_s)
{
  uint8_t *chunk = guest_alloc (RX_CHUNK, 64);
  uint64_t deadline = deadline_after_us (timeout_s * 1000000);
  size_t line_length = 0;
  uint16_t posted;

  if (!post_receive_buffer (chunk, &posted))
    return false;
  for (unsigned int buffers = 0;;)
    {
      uint16_t head;
      uint32_t written;
      int reaped = virtq_reap (&rx, &head, &written);
      int complete;

      if (reaped < 0)
        return false;
      if (reaped == 0)
        {
          if (deadline_passed (deadline))
            {
              guest_printf ("virtio-console: no line from the host within %lu s (%zu bytes of "
                            "it so far)\n", timeout_s, line_length);
              return false;
            }
          guest_sleep_until (deadline_after_us (1000));
          continue;
        }
      if (head != posted || written > RX_CHUNK)
        {
          guest_printf ("virtio-console: the device returned descriptor %u with %u bytes for "
                        "descriptor %u of %u bytes\n", head, written, posted, RX_CHUNK);
          return false;
        }
      complete = take_bytes (chunk, written, line, &line_length);
      if (complete != 0)
        return complete > 0;
      if (++buffers == RX_MAX_BUFFERS)
        {
          guest_printf ("virtio-console: no end of line in %u receive buffers\n",
                        RX_MAX_BUFFERS);
          return false;
        }
      if (!post_receive_buffer (chunk, &posted))
        return false;
    }
}

int
guest_main (const struct hvm_start_info *start_info)
{
  char *line = guest_alloc (LINE_MAX + 1, 8);
  char *reply = guest_alloc (LINE_MAX + 32, 8);
  uint64_t timeout_s = DEFAULT_TIMEOUT_S;
  char value[24];
  int reply_length;

  (void) start_info;
  if (cmdline_get (guest_cmdline (), "timeout", value, sizeof value)
      && !cmdline_get_u64 (guest_cmdline (), "timeout", &timeout_s))
    {
      guest_printf ("virtio-console: timeout= is not a number\n");
      return GUEST_EXIT_FAIL;
    }

  if (!virtio_pci_find (VIRTIO_ID_CONSOLE, &dev) || !virtio_start (&dev, 0))
    return GUEST_EXIT_FAIL;
  if (dev.features & VIRTIO_CONSOLE_F_MULTIPORT)
    {
      guest_printf ("virtio-console: MULTIPORT is on although the guest declined it\n");
      return GUEST_EXIT_FAIL;
    }
  if (!virtio_queue_setup (&dev, &rx, RECEIVEQ_0, QUEUE_SIZE)
      || !virtio_queue_setup (&dev, &tx, TRANSMITQ_0, QUEUE_SIZE) || !virtio_driver_ok (&dev))
    return GUEST_EXIT_FAIL;
  virtq_no_interrupts (&rx);
  virtq_no_interrupts (&tx);
  /* Halting between polls of the receive queue costs the host nothing while it takes its
   * time; without the timer (TCG) the guest spins instead. */
  guest_timer_init ();

  if (!transmit (HELLO, sizeof HELLO - 1))
    return GUEST_EXIT_FAIL;
  guest_printf ("virtio-console: sent the greeting\n");

  if (!receive_line (line, timeout_s))
    return GUEST_EXIT_FAIL;
  guest_printf ("virtio-console: received \"%s\"\n", line);

  reply_length = guest_snprintf (reply, LINE_MAX + 32, "virtio-console: got %s\r\n", line);
  if (!transmit (reply, (size_t) reply_length))
    return GUEST_EXIT_FAIL;

  virtio_reset (&dev);
  guest_printf ("virtio-console: ok\n");
  return GUEST_EXIT_PASS;
}
