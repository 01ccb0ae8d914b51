// SPDX-License-Identifier: GPL-2.0-only
/* Gratuitous ARP and unsolicited neighbour advertisements (garp.h). */
#include "garp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETH_HDR 14
#define ARP_LEN 28
#define IP6_HDR 40
#define NA_LEN 32 /* ICMPv6 header 4 + flags 4 + target 16 + option 8 */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int vrrp_garp_build(const uint8_t mac[6], const struct vrrp_vip *vip, uint8_t *buf, size_t len)
{
	if (!mac || !vip || !buf)
		return -EINVAL;
	if (vip->family == EDGELB_AF_INET) {
		uint8_t *arp = buf + ETH_HDR;

		if (len < ETH_HDR + ARP_LEN)
			return -ENOSPC;
		memset(buf, 0xff, 6);
		memcpy(buf + 6, mac, 6);
		put16(buf + 12, ETH_P_ARP);
		put16(arp, 1);		/* Ethernet */
		put16(arp + 2, ETH_P_IP);
		arp[4] = 6;
		arp[5] = 4;
		put16(arp + 6, 1);	/* request */
		memcpy(arp + 8, mac, 6);
		memcpy(arp + 14, vip->addr.bytes, 4);
		memset(arp + 18, 0, 6); /* target MAC unknown */
		memcpy(arp + 24, vip->addr.bytes, 4);
		return ETH_HDR + ARP_LEN;
	}
	if (vip->family == EDGELB_AF_INET6) {
		uint8_t *ip6 = buf + ETH_HDR, *na = ip6 + IP6_HDR;
		uint8_t pseudo[40];
		uint32_t sum = 0;

		if (len < ETH_HDR + IP6_HDR + NA_LEN)
			return -ENOSPC;
		/* 33:33:00:00:00:01, ff02::1 */
		memcpy(buf, "\x33\x33\x00\x00\x00\x01", 6);
		memcpy(buf + 6, mac, 6);
		put16(buf + 12, ETH_P_IPV6);
		memset(ip6, 0, IP6_HDR);
		ip6[0] = 0x60;
		put16(ip6 + 4, NA_LEN);
		ip6[6] = 58; /* ICMPv6 */
		ip6[7] = 255;
		memcpy(ip6 + 8, vip->addr.bytes, 16);
		memcpy(ip6 + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memset(na, 0, NA_LEN);
		na[0] = 136;  /* neighbour advertisement */
		na[4] = 0x20; /* Override; not Solicited (to a group), not Router */
		memcpy(na + 8, vip->addr.bytes, 16);
		na[24] = 2; /* target link-layer address */
		na[25] = 1; /* 8 bytes */
		memcpy(na + 26, mac, 6);
		memcpy(pseudo, ip6 + 8, 32);
		memset(pseudo + 32, 0, 8);
		pseudo[35] = NA_LEN;
		pseudo[39] = 58;
		for (size_t i = 0; i < sizeof(pseudo); i += 2)
			sum += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
		put16(na + 2, csum(na, NA_LEN, sum));
		return ETH_HDR + IP6_HDR + NA_LEN;
	}
	return -EINVAL;
}

int vrrp_garp_open(void)
{
	/* protocol 0: send only, nothing queued for reading */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	return fd < 0 ? -errno : fd;
}

int vrrp_garp_send(int fd, int ifindex, const uint8_t mac[6], const struct vrrp_vip *vips,
		   size_t n)
{
	uint8_t frame[ETH_HDR + IP6_HDR + NA_LEN];
	int sent = 0, first_err = 0;

	if (fd < 0 || ifindex <= 0 || !mac || (!vips && n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_ll ll = {
			.sll_family = AF_PACKET,
			.sll_ifindex = ifindex,
			.sll_halen = 6,
		};
		int len = vrrp_garp_build(mac, &vips[i], frame, sizeof(frame));

		if (len < 0) {
			if (!first_err)
				first_err = len;
			continue;
		}
		ll.sll_protocol = vips[i].family == EDGELB_AF_INET ? htons(ETH_P_ARP)
								   : htons(ETH_P_IPV6);
		memcpy(ll.sll_addr, frame, 6);
		if (sendto(fd, frame, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&ll,
			   sizeof(ll)) < 0) {
			if (!first_err)
				first_err = -errno;
			continue;
		}
		sent++;
	}
	return sent || !first_err ? sent : first_err;
}
