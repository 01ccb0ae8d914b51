/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VRRP socket I/O: one raw IPPROTO_VRRP (112) socket per (family,
 * interface), bound to the interface, member of 224.0.0.18 / ff02::12 on
 * it, sending with TTL / hop limit 255 (multicast and unicast) and no
 * multicast loopback; non-blocking and close-on-exec, for the caller's
 * event loop (vrrp_io_fd()).
 *
 * Adverts are built and parsed by packet.h. IPv4 raw sockets return the IP
 * header; IPv6 ones do not, so vrrp_io_recv() rebuilds the 40-byte header
 * vrrp_packet_parse() wants from the ancillary data (source from the
 * socket address, destination from IPV6_PKTINFO, hop limit from
 * IPV6_HOPLIMIT): the TTL / hop-limit-255 check applies to both families.
 *
 * Sent packets carry the source address given to vrrp_io_open() (the
 * interface's primary IPv4 address, or its IPv6 link-local address as
 * RFC 5798 §5.1.2.1 asks), set per packet with IP_PKTINFO / IPV6_PKTINFO
 * so that it matches the VRRPv3 checksum's pseudo-header.
 */
#ifndef EDGELB_VRRP_IO_H
#define EDGELB_VRRP_IO_H

#include <stdint.h>

#include "abi.h"
#include "packet.h"

struct vrrp_io;

/*
 * Open the socket of family (EDGELB_AF_INET or EDGELB_AF_INET6) on
 * ifindex, sending from src (network order; copied). Needs CAP_NET_RAW.
 * Returns 0 with *out set, or -errno.
 */
int vrrp_io_open(uint8_t family, int ifindex, const union edgelb_addr *src,
		 struct vrrp_io **out);

/* The socket, to poll for reading. */
int vrrp_io_fd(const struct vrrp_io *io);

/*
 * Build a (family must be the socket's) and send it to dst, or to the
 * VRRP multicast group when dst is NULL. Returns 0, -EINVAL (a not a valid
 * advert, or the wrong family), -EAGAIN (socket buffer full), or -errno.
 */
int vrrp_io_send(struct vrrp_io *io, const struct vrrp_advert *a,
		 const union edgelb_addr *dst);

/*
 * Read one packet, without blocking, and parse it into *out.
 * Returns 0 (accepted, *why = VRRP_REJECT_NONE), -EINVAL (refused, reason
 * in *why: count it), -EAGAIN when nothing is waiting, or -errno. why may
 * be NULL.
 */
int vrrp_io_recv(struct vrrp_io *io, struct vrrp_advert *out, enum vrrp_reject *why);

/* Close the socket (leaving the group) and free io; NULL is fine. */
void vrrp_io_close(struct vrrp_io *io);

#endif /* EDGELB_VRRP_IO_H */
