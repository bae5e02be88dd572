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
 * "virtio-net: ok".
 *
 * With echo-port=N on the command line it goes on, at the offered address, to a TCP echo
 * server on the host's loopback, which libslirp makes 10.0.2.2:N: ARP for 10.0.2.2, a
 * three-way handshake, ECHO_LINE out, the same bytes back, and both FINs. The TCP is the
 * least that is correct on a path that loses nothing (RFC 9293): one segment each way, every
 * wait bounded and the unacknowledged segment sent again when it runs out. Every frame is
 * checked (lengths, the IPv4 header and TCP checksums, addresses, ports, sequence numbers)
 * before anything in it is used; what does not belong to the connection is dropped. Prints
 * "virtio-net: tcp echo ok" at the end. */

#include "virtio.h"

#define VIRTIO_ID_NET         1
#define NET_F_MAC             (1ull << 5)
#define NET_F_STATUS          (1ull << 16)
#define NET_HDR               12
#define RX_BUFS               16
#define RX_BUF_SIZE           (NET_HDR + 1514)
#define XID                   0x47480001u

#define ETH_LEN               14
#define ETHERTYPE_IPV4        0x0800
#define ETHERTYPE_ARP         0x0806
#define ARP_LEN               28
#define IPV4_LEN              20
#define IP_PROTO_TCP          6
#define IP_PROTO_UDP          17
#define TCP_LEN               20
#define TCP_FIN               0x01
#define TCP_SYN               0x02
#define TCP_RST               0x04
#define TCP_PSH               0x08
#define TCP_ACK               0x10
#define TCP_WINDOW            4096
/* Each wait is generous for an emulated machine; a lost segment is sent again this often. */
#define NET_WAIT_US           2000000
#define NET_TRIES             3
#define ECHO_LINE             "guesthouse tcp echo 12345\n"

static uint8_t mac[6];
/* Which receive buffer each posted chain (by its head descriptor) is. */
static uint8_t *rx_by_head[RX_BUFS];
static struct virtq rx, tx;
static uint8_t *tx_buf;

static const uint8_t broadcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t host_ip[4] = { 10, 0, 2, 2 };
static uint8_t guest_ip[4];
static uint8_t host_mac[6];
static bool host_mac_known;

/* One connection, client side. snd_una..snd_nxt is what the host has not acknowledged yet. */
static struct
{
  uint16_t local_port;
  uint16_t remote_port;
  uint32_t snd_una;
  uint32_t snd_nxt;
  uint32_t rcv_nxt;
  bool peer_fin;
  uint32_t received;
  uint8_t data[sizeof ECHO_LINE - 1];
} conn;

/* A TCP segment of the connection, its payload copied out of the receive buffer. */
struct tcp_segment
{
  uint32_t seq;
  uint32_t ack;
  uint8_t flags;
  uint32_t len;
  uint8_t payload[RX_BUF_SIZE];
};
static struct tcp_segment segment;

static uint16_t
get16 (const uint8_t *p)
{
  return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t
get32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void
put16 (uint8_t  *p,
       uint16_t  value)
{
  p[0] = (uint8_t) (value >> 8);
  p[1] = (uint8_t) value;
}

static void
put32 (uint8_t  *p,
       uint32_t  value)
{
  put16 (p, (uint16_t) (value >> 16));
  put16 (p + 2, (uint16_t) value);
}

/* The Internet checksum (RFC 1071), in two steps so that TCP can add its pseudo-header. */
static uint32_t
checksum_add (uint32_t       sum,
              const uint8_t *p,
              unsigned int   len)
{
  for (unsigned int i = 0; i + 1 < len; i += 2)
    sum += get16 (p + i);
  if (len & 1)
    sum += (uint32_t) p[len - 1] << 8;
  return sum;
}

static uint16_t
checksum_fold (uint32_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t) ~sum;
}

static uint16_t
tcp_checksum (const uint8_t *src,
              const uint8_t *dst,
              const uint8_t *tcp,
              unsigned int   len)
{
  uint32_t sum = checksum_add (0, src, 4);

  sum = checksum_add (sum, dst, 4);
  sum += IP_PROTO_TCP + len;
  return checksum_fold (checksum_add (sum, tcp, len));
}

/* Clears the virtio-net header and writes the Ethernet header of the frame in tx_buf; returns
 * where its payload goes. */
static uint8_t *
eth_start (const uint8_t *dst,
           uint16_t       type)
{
  uint8_t *eth = tx_buf + NET_HDR;

  memset (tx_buf, 0, NET_HDR);
  memcpy (eth, dst, 6);
  memcpy (eth + 6, mac, 6);
  put16 (eth + 12, type);
  return eth + ETH_LEN;
}

static void
ipv4_fill (uint8_t       *ip,
           uint8_t        protocol,
           const uint8_t *src,
           const uint8_t *dst,
           unsigned int   payload_len)
{
  memset (ip, 0, IPV4_LEN);
  ip[0] = 0x45;
  put16 (ip + 2, (uint16_t) (IPV4_LEN + payload_len));
  ip[8] = 64;
  ip[9] = protocol;
  memcpy (ip + 12, src, 4);
  memcpy (ip + 16, dst, 4);
  put16 (ip + 10, checksum_fold (checksum_add (0, ip, IPV4_LEN)));
}

/* Sends the frame in tx_buf (frame_len bytes after the virtio-net header). */
static bool
tx_send (unsigned int frame_len)
{
  struct virtq_buf b = { tx_buf, NET_HDR + frame_len, false };

  return virtq_transfer (&tx, &b, 1, VIRTIO_TIMEOUT_US, NULL);
}

/* Whether frame (len bytes) is an unfragmented IPv4 packet of this protocol whose header is
 * sound; *ip_len is then the header's length and *total the packet's (the frame may carry
 * padding past it). */
static bool
ipv4_check (const uint8_t *frame,
            uint32_t       len,
            uint8_t        protocol,
            uint32_t      *ip_len,
            uint32_t      *total)
{
  const uint8_t *ip = frame + ETH_LEN;

  if (len < ETH_LEN + IPV4_LEN || get16 (frame + 12) != ETHERTYPE_IPV4 || (ip[0] >> 4) != 4)
    return false;
  *ip_len = 4u * (ip[0] & 0xf);
  *total = get16 (ip + 2);
  return *ip_len >= IPV4_LEN && *total >= *ip_len && ETH_LEN + *total <= len
         && (get16 (ip + 6) & 0x3fff) == 0 && ip[9] == protocol
         && checksum_fold (checksum_add (0, ip, *ip_len)) == 0;
}

/* Ethernet + IPv4 + UDP 68 → 67 + a 300-byte BOOTP DHCPDISCOVER, in tx_buf; its length. */
static unsigned int
make_discover (void)
{
  const unsigned int bootp_len = 300, udp_len = 8 + bootp_len;
  const uint8_t any[4] = { 0, 0, 0, 0 }, all[4] = { 255, 255, 255, 255 };
  uint8_t *ip = eth_start (broadcast_mac, ETHERTYPE_IPV4), *udp = ip + IPV4_LEN, *bp = udp + 8;
  uint32_t xid = XID;

  ipv4_fill (ip, IP_PROTO_UDP, any, all, udp_len);
  memset (udp, 0, udp_len);
  udp[1] = 68;
  udp[3] = 67;
  put16 (udp + 4, (uint16_t) udp_len);
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
  return ETH_LEN + IPV4_LEN + udp_len;
}

/* Whether frame (len bytes, header stripped) is our OFFER; prints it and keeps the address
 * offered. */
static bool
is_offer (const uint8_t *frame,
          uint32_t       len)
{
  const uint8_t *ip = frame + ETH_LEN, *udp, *bp;
  uint32_t ip_len, total, end, xid = XID;

  if (!ipv4_check (frame, len, IP_PROTO_UDP, &ip_len, &total))
    return false;
  udp = ip + ip_len;
  bp = udp + 8;
  end = ETH_LEN + total;
  if ((uint32_t) (bp - frame) + 244 > end || udp[1] != 67 || udp[3] != 68 || bp[0] != 2
      || memcmp (bp + 4, &xid, 4) != 0)
    return false;
  for (uint32_t o = (uint32_t) (bp - frame) + 240; o + 2 < end && frame[o] != 255;)
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
          memcpy (guest_ip, bp + 16, 4);
          return bp[16] == 10 && bp[17] == 0 && bp[18] == 2 && bp[19] == 15;
        }
      o += 2 + frame[o + 1];
    }
  return false;
}

/* Waits until deadline for a frame: 1 with its buffer in *buf and its length (the header
 * stripped) in *len, 0 when the deadline passed, -1 when the device misbehaved (said why).
 * rx_repost() hands the buffer back. */
static int
rx_next (uint64_t   deadline,
         uint8_t  **buf,
         uint32_t  *len)
{
  uint16_t head;
  uint32_t written;
  int reaped;

  while ((reaped = virtq_reap (&rx, &head, &written)) == 0)
    if (deadline_passed (deadline))
      return 0;
  if (reaped < 0)
    return -1;
  *buf = head < RX_BUFS ? rx_by_head[head] : NULL;
  if (*buf == NULL)
    {
      guest_printf ("virtio-net: used head %u was not posted\n", head);
      return -1;
    }
  rx_by_head[head] = NULL;
  if (written < NET_HDR || written > RX_BUF_SIZE)
    {
      guest_printf ("virtio-net: the device wrote %u bytes into %u\n", written, RX_BUF_SIZE);
      return -1;
    }
  /* One buffer per frame: 1, or 0 from devices (QEMU) that fill the field only with
   * mergeable buffers. */
  if ((*buf)[11] != 0 || (*buf)[10] > 1)
    {
      guest_printf ("virtio-net: num_buffers is %u\n", (*buf)[10] | (*buf)[11] << 8);
      return -1;
    }
  *len = written - NET_HDR;
  return 1;
}

/* Puts a receive buffer on the ring; rx_repost() also tells the device. */
static bool
rx_post (uint8_t *buf)
{
  struct virtq_buf b = { buf, RX_BUF_SIZE, true };
  uint16_t head;

  if (!virtq_add (&rx, &b, 1, &head) || head >= RX_BUFS)
    return false;
  rx_by_head[head] = buf;
  return true;
}

static bool
rx_repost (uint8_t *buf)
{
  if (!rx_post (buf))
    return false;
  virtq_kick (&rx);
  return true;
}

/* An ARP request (op 1) for target_ip, broadcast, or a reply (op 2) to target_mac. */
static bool
arp_send (uint16_t       op,
          const uint8_t *target_mac,
          const uint8_t *target_ip)
{
  uint8_t *arp = eth_start (op == 1 ? broadcast_mac : target_mac, ETHERTYPE_ARP);

  put16 (arp, 1);
  put16 (arp + 2, ETHERTYPE_IPV4);
  arp[4] = 6;
  arp[5] = 4;
  put16 (arp + 6, op);
  memcpy (arp + 8, mac, 6);
  memcpy (arp + 14, guest_ip, 4);
  if (op == 1)
    memset (arp + 18, 0, 6);
  else
    memcpy (arp + 18, target_mac, 6);
  memcpy (arp + 24, target_ip, 4);
  return tx_send (ETH_LEN + ARP_LEN);
}

/* Takes an ARP frame: answers requests for our address and learns the host's MAC from its
 * reply. 1 if the frame was ARP, 0 if not, -1 if the answer could not be sent. */
static int
arp_input (const uint8_t *frame,
           uint32_t       len)
{
  const uint8_t *arp = frame + ETH_LEN;

  if (len < ETH_LEN + ARP_LEN || get16 (frame + 12) != ETHERTYPE_ARP)
    return 0;
  if (get16 (arp) != 1 || get16 (arp + 2) != ETHERTYPE_IPV4 || arp[4] != 6 || arp[5] != 4
      || memcmp (arp + 24, guest_ip, 4) != 0 || (arp[8] & 1))
    return 1;
  if (get16 (arp + 6) == 1)
    return arp_send (2, arp + 8, arp + 14) ? 1 : -1;
  if (get16 (arp + 6) == 2 && memcmp (arp + 14, host_ip, 4) == 0
      && memcmp (frame, mac, 6) == 0)
    {
      memcpy (host_mac, arp + 8, 6);
      host_mac_known = true;
    }
  return 1;
}

/* Whether frame is a sound TCP segment from the host's end of the connection to ours; fills
 * *seg. */
static bool
tcp_parse (const uint8_t      *frame,
           uint32_t            len,
           struct tcp_segment *seg)
{
  const uint8_t *ip = frame + ETH_LEN, *tcp;
  uint32_t ip_len, total, tcp_len, data_offset;

  if (memcmp (frame, mac, 6) != 0 || !ipv4_check (frame, len, IP_PROTO_TCP, &ip_len, &total)
      || memcmp (ip + 12, host_ip, 4) != 0 || memcmp (ip + 16, guest_ip, 4) != 0)
    return false;
  tcp = ip + ip_len;
  tcp_len = total - ip_len;
  if (tcp_len < TCP_LEN)
    return false;
  data_offset = 4u * (tcp[12] >> 4);
  if (data_offset < TCP_LEN || data_offset > tcp_len
      || tcp_checksum (ip + 12, ip + 16, tcp, tcp_len) != 0
      || get16 (tcp) != conn.remote_port || get16 (tcp + 2) != conn.local_port)
    return false;
  seg->seq = get32 (tcp + 4);
  seg->ack = get32 (tcp + 8);
  seg->flags = tcp[13];
  seg->len = tcp_len - data_offset;
  memcpy (seg->payload, tcp + data_offset, seg->len);
  return true;
}

static bool
tcp_send (uint8_t     flags,
          uint32_t    seq,
          const void *data,
          uint32_t    len)
{
  uint8_t *ip = eth_start (host_mac, ETHERTYPE_IPV4), *tcp = ip + IPV4_LEN;

  memset (tcp, 0, TCP_LEN);
  put16 (tcp, conn.local_port);
  put16 (tcp + 2, conn.remote_port);
  put32 (tcp + 4, seq);
  if (flags & TCP_ACK)
    put32 (tcp + 8, conn.rcv_nxt);
  tcp[12] = (TCP_LEN / 4) << 4;
  tcp[13] = flags;
  put16 (tcp + 14, TCP_WINDOW);
  if (len > 0)
    memcpy (tcp + TCP_LEN, data, len);
  put16 (tcp + 16, tcp_checksum (guest_ip, host_ip, tcp, TCP_LEN + len));
  ipv4_fill (ip, IP_PROTO_TCP, guest_ip, host_ip, TCP_LEN + len);
  return tx_send (ETH_LEN + IPV4_LEN + TCP_LEN + len);
}

/* What net_wait() got. */
#define NET_GOT_SEGMENT 1
#define NET_GOT_ARP     2

/* Waits until deadline for a segment of the connection or an ARP frame (answered or learned
 * from): NET_GOT_SEGMENT with the segment in *seg, NET_GOT_ARP, 0 when the deadline passed,
 * -1 on a device error. Anything else is dropped. */
static int
net_wait (uint64_t            deadline,
          struct tcp_segment *seg)
{
  for (;;)
    {
      uint8_t *buf;
      uint32_t len;
      int got = rx_next (deadline, &buf, &len), arp;
      bool ours;

      if (got <= 0)
        return got;
      arp = arp_input (buf + NET_HDR, len);
      ours = arp == 0 && tcp_parse (buf + NET_HDR, len, seg);
      if (arp < 0 || !rx_repost (buf))
        return -1;
      if (arp > 0)
        return NET_GOT_ARP;
      if (ours)
        return NET_GOT_SEGMENT;
    }
}

/* Takes a segment on the open connection: its acknowledgement, in-order data and FIN (both
 * acknowledged at once), and a duplicate acknowledgement for anything out of order. False
 * (having said why) on a reset or more data than was sent. */
static bool
tcp_input (const struct tcp_segment *seg)
{
  if (seg->flags & TCP_RST)
    {
      if (seg->seq != conn.rcv_nxt)
        return true;
      guest_printf ("virtio-net: tcp: the host reset the connection\n");
      return false;
    }
  if ((seg->flags & TCP_ACK) && (int32_t) (seg->ack - conn.snd_una) > 0
      && (int32_t) (seg->ack - conn.snd_nxt) <= 0)
    conn.snd_una = seg->ack;
  if (seg->seq != conn.rcv_nxt || (seg->flags & TCP_SYN) || conn.peer_fin)
    return (seg->len == 0 && !(seg->flags & (TCP_SYN | TCP_FIN)))
           || tcp_send (TCP_ACK, conn.snd_nxt, NULL, 0);
  if (seg->len > sizeof conn.data - conn.received)
    {
      guest_printf ("virtio-net: tcp: %u bytes more than were sent\n",
                    seg->len - (uint32_t) (sizeof conn.data - conn.received));
      return false;
    }
  memcpy (conn.data + conn.received, seg->payload, seg->len);
  conn.received += seg->len;
  conn.rcv_nxt += seg->len;
  if (seg->flags & TCP_FIN)
    {
      conn.peer_fin = true;
      conn.rcv_nxt++;
    }
  if (seg->len == 0 && !(seg->flags & TCP_FIN))
    return true;
  return tcp_send (TCP_ACK, conn.snd_nxt, NULL, 0);
}

/* Sends a segment (sequence number seq, with len bytes of data; conn.snd_nxt already counts
 * it) and takes what comes until all that was sent is acknowledged, want_bytes have come in
 * and, with want_fin, the host's FIN; the segment goes again when a wait runs out with it
 * unacknowledged. */
static bool
tcp_exchange (uint8_t     flags,
              uint32_t    seq,
              const void *data,
              uint32_t    len,
              uint32_t    want_bytes,
              bool        want_fin)
{
  struct tcp_segment *seg = &segment;

  for (unsigned int attempt = 0; attempt < NET_TRIES; attempt++)
    {
      uint64_t deadline = deadline_after_us (NET_WAIT_US);
      int got = NET_GOT_SEGMENT;

      if ((attempt == 0 || conn.snd_una != conn.snd_nxt) && !tcp_send (flags, seq, data, len))
        return false;
      while (got > 0)
        {
          if (conn.snd_una == conn.snd_nxt && conn.received >= want_bytes
              && (conn.peer_fin || !want_fin))
            return true;
          got = net_wait (deadline, seg);
          if (got < 0 || (got == NET_GOT_SEGMENT && !tcp_input (seg)))
            return false;
        }
    }
  guest_printf ("virtio-net: tcp: stuck with %u sequence numbers unacknowledged, %u of %u "
                "bytes in, %s\n", conn.snd_nxt - conn.snd_una, conn.received, want_bytes,
                conn.peer_fin ? "the host's FIN in" : "no FIN from the host");
  return false;
}

static bool
arp_resolve_host (void)
{
  struct tcp_segment *seg = &segment;

  for (unsigned int attempt = 0; attempt < NET_TRIES && !host_mac_known; attempt++)
    {
      uint64_t deadline = deadline_after_us (NET_WAIT_US);
      int got = NET_GOT_ARP;

      if (!arp_send (1, NULL, host_ip))
        return false;
      while (got > 0 && !host_mac_known)
        got = net_wait (deadline, seg);
      if (got < 0)
        return false;
    }
  if (!host_mac_known)
    guest_printf ("virtio-net: no ARP reply for 10.0.2.2\n");
  return host_mac_known;
}

/* SYN until the host's SYN-ACK acknowledges it, then the handshake's ACK. */
static bool
tcp_connect (void)
{
  struct tcp_segment *seg = &segment;
  uint64_t tsc = deadline_after_us (0);
  uint32_t iss = (uint32_t) tsc;

  /* From the TSC: a rerun does not meet the last run's connection in slirp's table. */
  conn.local_port = (uint16_t) (49152 + (tsc >> 8) % 16384);
  conn.snd_una = iss;
  conn.snd_nxt = iss + 1;
  for (unsigned int attempt = 0; attempt < NET_TRIES; attempt++)
    {
      uint64_t deadline = deadline_after_us (NET_WAIT_US);
      int got;

      if (!tcp_send (TCP_SYN, iss, NULL, 0))
        return false;
      while ((got = net_wait (deadline, seg)) > 0)
        {
          if (got != NET_GOT_SEGMENT || !(seg->flags & TCP_ACK) || seg->ack != conn.snd_nxt)
            continue;
          if (seg->flags & TCP_RST)
            {
              guest_printf ("virtio-net: tcp: connection to 10.0.2.2:%u refused\n",
                            conn.remote_port);
              return false;
            }
          if (seg->flags & TCP_SYN)
            {
              conn.snd_una = seg->ack;
              conn.rcv_nxt = seg->seq + 1;
              return tcp_send (TCP_ACK, conn.snd_nxt, NULL, 0);
            }
        }
      if (got < 0)
        return false;
    }
  guest_printf ("virtio-net: tcp: no answer to the SYN\n");
  return false;
}

static int
tcp_echo (uint16_t port)
{
  const uint32_t line_len = sizeof ECHO_LINE - 1;
  uint32_t data_seq;

  if (!arp_resolve_host ())
    return GUEST_EXIT_FAIL;
  conn.remote_port = port;
  if (!tcp_connect ())
    return GUEST_EXIT_FAIL;
  guest_printf ("virtio-net: tcp connected to 10.0.2.2:%u from port %u\n", port,
                conn.local_port);
  data_seq = conn.snd_nxt;
  conn.snd_nxt += line_len;
  if (!tcp_exchange (TCP_ACK | TCP_PSH, data_seq, ECHO_LINE, line_len, line_len, false))
    return GUEST_EXIT_FAIL;
  if (memcmp (conn.data, ECHO_LINE, line_len) != 0)
    {
      guest_printf ("virtio-net: tcp: the echo is \"%.*s\"\n", (int) line_len - 1,
                    (const char *) conn.data);
      return GUEST_EXIT_FAIL;
    }
  conn.snd_nxt++;
  if (!tcp_exchange (TCP_FIN | TCP_ACK, data_seq + line_len, NULL, 0, line_len, true))
    return GUEST_EXIT_FAIL;
  guest_printf ("virtio-net: tcp echo ok\n");
  return GUEST_EXIT_PASS;
}

int
guest_main (const struct hvm_start_info *start_info)
{
  struct virtio_pci dev;
  uint8_t *rx_bufs;
  uint16_t status;
  uint64_t echo_port = 0;
  bool echo = cmdline_get_u64 (guest_cmdline (), "echo-port", &echo_port);

  if (echo && (echo_port == 0 || echo_port > 65535))
    {
      guest_printf ("virtio-net: echo-port=%llu is no port\n", (unsigned long long) echo_port);
      return GUEST_EXIT_FAIL;
    }
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
    if (!rx_post (rx_bufs + i * RX_BUF_SIZE))
      return GUEST_EXIT_FAIL;
  virtq_kick (&rx);

  /* A few tries: a network may drop the first frame while it learns the guest. */
  for (unsigned int attempt = 0; attempt < NET_TRIES; attempt++)
    {
      uint64_t deadline = deadline_after_us (NET_WAIT_US);
      uint8_t *buf;
      uint32_t len;
      int got;

      if (!tx_send (make_discover ()))
        return GUEST_EXIT_FAIL;
      while ((got = rx_next (deadline, &buf, &len)) == 1)
        {
          bool offer = is_offer (buf + NET_HDR, len);

          if (!rx_repost (buf))
            return GUEST_EXIT_FAIL;
          if (offer && echo)
            return tcp_echo ((uint16_t) echo_port);
          if (offer)
            {
              guest_printf ("virtio-net: ok\n");
              return GUEST_EXIT_PASS;
            }
        }
      if (got < 0)
        return GUEST_EXIT_FAIL;
    }
  guest_printf ("virtio-net: no DHCP offer\n");
  return GUEST_EXIT_FAIL;
}
