/* virtio-net.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Drives a virtio network card (virtio 1.2, section 5.1) through the modern PCI transport on
 * a user-mode network (libslirp's 10.0.2.0/24, as both QEMU's -netdev user and
 * guesthouse-vmm's --nic net=user have it): reads the MAC (VIRTIO_NET_F_MAC) and the link
 * status (VIRTIO_NET_F_STATUS), posts receive buffers, sends a DHCP DISCOVER and waits for
 * the OFFER. Without mergeable buffers every frame comes in one buffer behind the 12-byte
 * header. Prints "virtio-net: mac …", "virtio-net: offered 10.0.2.15 by …" and
 * "virtio-net: ok". */

#include "virtio.h"

#define VIRTIO_ID_NET         1
#define NET_F_MAC             (1ull << 5)
#define NET_F_STATUS          (1ull << 16)
#define NET_HDR               12
#define RX_BUFS               16
#define RX_BUF_SIZE           (NET_HDR + 1514)
#define XID                   0x47480001u

static uint8_t mac[6];
/* Which receive buffer each posted chain (by its head descriptor) is. */
static uint8_t *rx_by_head[RX_BUFS];

static uint16_t
ip_checksum (const uint8_t *p,
             unsigned int len)
{
  uint32_t sum = 0;

  for (unsigned int i = 0; i + 1 < len; i += 2)
    sum += (uint32_t) (p[i] << 8 | p[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t) ~sum;
}

/* Header, then Ethernet + IPv4 + UDP 68 → 67 + a 300-byte BOOTP DHCPDISCOVER. */
static unsigned int
make_discover (uint8_t *buf)
{
  const unsigned int bootp_len = 300, udp_len = 8 + bootp_len, ip_len = 20 + udp_len;
  uint8_t *eth = buf + NET_HDR, *ip = eth + 14, *udp = ip + 20, *bp = udp + 8;
  uint32_t xid = XID;
  uint16_t sum;

  memset (buf, 0, NET_HDR + 14 + ip_len);
  memset (eth, 0xff, 6);
  memcpy (eth + 6, mac, 6);
  eth[12] = 0x08;
  ip[0] = 0x45;
  ip[2] = (uint8_t) (ip_len >> 8);
  ip[3] = (uint8_t) ip_len;
  ip[8] = 64;
  ip[9] = 17;
  memset (ip + 16, 0xff, 4);
  sum = ip_checksum (ip, 20);
  ip[10] = (uint8_t) (sum >> 8);
  ip[11] = (uint8_t) sum;
  udp[1] = 68;
  udp[3] = 67;
  udp[4] = (uint8_t) (udp_len >> 8);
  udp[5] = (uint8_t) udp_len;
  bp[0] = 1;
  bp[1] = 1;
  bp[2] = 6;
  memcpy (bp + 4, &xid, 4);
  memcpy (bp + 28, mac, 6);
  bp[236] = 99;
  bp[237] = 130;
  bp[238] = 83;
  bp[239] = 99;
  bp[240] = 53;
  bp[241] = 1;
  bp[242] = 1;                  /* DHCPDISCOVER */
  bp[243] = 255;
  return NET_HDR + 14 + ip_len;
}

/* Whether frame (len bytes, header stripped) is our OFFER; prints it. */
static bool
is_offer (const uint8_t *frame,
          uint32_t len)
{
  const uint8_t *ip = frame + 14, *udp, *bp;
  uint32_t xid = XID;

  if (len < 14 + 20 + 8 + 244 || frame[12] != 0x08 || frame[13] != 0x00 || ip[9] != 17)
    return false;
  udp = ip + 4 * (ip[0] & 0xf);
  bp = udp + 8;
  if ((uint32_t) (bp - frame) + 244 > len || udp[1] != 67 || udp[3] != 68 || bp[0] != 2
      || memcmp (bp + 4, &xid, 4) != 0)
    return false;
  for (uint32_t o = (uint32_t) (bp - frame) + 240; o + 2 < len && frame[o] != 255;)
    {
      if (frame[o] == 0)
        {
          o++;
          continue;
        }
      if (frame[o] == 53 && frame[o + 1] == 1 && frame[o + 2] == 2)
        {
          guest_printf ("virtio-net: offered %u.%u.%u.%u by %u.%u.%u.%u\n", bp[16], bp[17],
                        bp[18], bp[19], ip[12], ip[13], ip[14], ip[15]);
          return bp[16] == 10 && bp[17] == 0 && bp[18] == 2 && bp[19] == 15;
        }
      o += 2 + frame[o + 1];
    }
  return false;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  struct virtio_pci dev;
  struct virtq rx, tx;
  uint8_t *rx_bufs, *tx_buf;
  uint16_t status;

  if (!virtio_pci_find (VIRTIO_ID_NET, &dev)
      || !virtio_start (&dev, NET_F_MAC | NET_F_STATUS))
    return GUEST_EXIT_FAIL;
  if ((dev.features & (NET_F_MAC | NET_F_STATUS)) != (NET_F_MAC | NET_F_STATUS))
    {
      guest_printf ("virtio-net: MAC and STATUS not offered (features %llx)\n",
                    (unsigned long long) dev.device_features);
      return GUEST_EXIT_FAIL;
    }
  if (!virtio_queue_setup (&dev, &rx, 0, RX_BUFS) || !virtio_queue_setup (&dev, &tx, 1, 8)
      || !virtio_driver_ok (&dev))
    return GUEST_EXIT_FAIL;
  virtq_no_interrupts (&rx);
  virtq_no_interrupts (&tx);
  for (unsigned int i = 0; i < 6; i++)
    mac[i] = virtio_config_read8 (&dev, i);
  status = virtio_config_read16 (&dev, 6);
  guest_printf ("virtio-net: mac %02x:%02x:%02x:%02x:%02x:%02x link %s\n", mac[0], mac[1],
                mac[2], mac[3], mac[4], mac[5], (status & 1) ? "up" : "down");
  if (!(status & 1) || (mac[0] & 1))
    return GUEST_EXIT_FAIL;

  rx_bufs = guest_alloc (RX_BUFS * RX_BUF_SIZE, 64);
  tx_buf = guest_alloc (RX_BUF_SIZE, 64);
  for (unsigned int i = 0; i < RX_BUFS; i++)
    {
      struct virtq_buf b = { rx_bufs + i * RX_BUF_SIZE, RX_BUF_SIZE, true };
      uint16_t head;

      if (!virtq_add (&rx, &b, 1, &head) || head >= RX_BUFS)
        return GUEST_EXIT_FAIL;
      rx_by_head[head] = b.addr;
    }
  virtq_kick (&rx);

  /* A few tries: a network may drop the first frame while it learns the guest. */
  for (unsigned int attempt = 0; attempt < 3; attempt++)
    {
      struct virtq_buf b = { tx_buf, make_discover (tx_buf), false };
      uint16_t head;
      uint32_t written;

      if (!virtq_transfer (&tx, &b, 1, VIRTIO_TIMEOUT_US, NULL))
        return GUEST_EXIT_FAIL;
      while (virtq_reap_wait (&rx, 2000000, &head, &written))
        {
          uint8_t *buf = head < RX_BUFS ? rx_by_head[head] : NULL;
          struct virtq_buf again = { buf, RX_BUF_SIZE, true };

          if (buf == NULL)
            {
              guest_printf ("virtio-net: used head %u was not posted\n", head);
              return GUEST_EXIT_FAIL;
            }
          rx_by_head[head] = NULL;

          if (written < NET_HDR || written > RX_BUF_SIZE)
            {
              guest_printf ("virtio-net: the device wrote %u bytes into %u\n", written,
                            RX_BUF_SIZE);
              return GUEST_EXIT_FAIL;
            }
          /* One buffer per frame: 1, or 0 from devices (QEMU) that fill the field only
           * with mergeable buffers. */
          if (buf[11] != 0 || buf[10] > 1)
            {
              guest_printf ("virtio-net: num_buffers is %u\n", buf[10] | buf[11] << 8);
              return GUEST_EXIT_FAIL;
            }
          if (is_offer (buf + NET_HDR, written - NET_HDR))
            {
              guest_printf ("virtio-net: ok\n");
              return GUEST_EXIT_PASS;
            }
          if (!virtq_add (&rx, &again, 1, &head) || head >= RX_BUFS)
            return GUEST_EXIT_FAIL;
          rx_by_head[head] = buf;
          virtq_kick (&rx);
        }
    }
  guest_printf ("virtio-net: no DHCP offer\n");
  return GUEST_EXIT_FAIL;
}
