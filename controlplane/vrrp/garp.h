/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Announcing VIPs on becoming master: a gratuitous ARP per IPv4 VIP (an
 * ARP request, sender = target = VIP, broadcast) and an unsolicited
 * neighbour advertisement per IPv6 VIP (ICMPv6 136 with the Override flag,
 * from the VIP to ff02::1, hop limit 255, target link-layer address
 * option), sent from a given MAC on a given interface through one
 * AF_PACKET socket. Repetition and pacing are the caller's.
 */
#ifndef EDGELB_VRRP_GARP_H
#define EDGELB_VRRP_GARP_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

struct vrrp_vip {
	uint8_t family;		/* EDGELB_AF_INET or EDGELB_AF_INET6 */
	union edgelb_addr addr; /* network order */
};

/*
 * The AF_PACKET socket to send them with (non-blocking, close-on-exec,
 * send only). Open it once and keep it: closing a packet socket waits for
 * an RCU grace period in the kernel (8-24 ms measured here), which a
 * socket per burst would spend inside the event loop, late for adverts
 * at 10 ms intervals. Needs CAP_NET_RAW. Returns the fd or -errno.
 */
int vrrp_garp_open(void);

/*
 * Send one GARP / unsolicited NA for each of the n VIPs from mac on
 * ifindex through fd (vrrp_garp_open()). Returns the number of frames
 * sent (n when all went), or -errno if none could be sent (the first
 * error).
 */
int vrrp_garp_send(int fd, int ifindex, const uint8_t mac[6], const struct vrrp_vip *vips,
		   size_t n);

/* The frames, for tests: build into buf (at least 86 bytes). Returns the
 * frame's length, or -EINVAL (unknown family). */
int vrrp_garp_build(const uint8_t mac[6], const struct vrrp_vip *vip, uint8_t *buf, size_t len);

#endif /* EDGELB_VRRP_GARP_H */
