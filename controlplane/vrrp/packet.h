/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VRRP advertisements on the wire: VRRPv3 (RFC 5798) for IPv4 and IPv6,
 * VRRPv2 (RFC 3768) for IPv4 with no or simple-password authentication.
 *
 * Pure code: no I/O, no globals, no logging. The parser takes the whole IP
 * packet a raw IPPROTO_VRRP socket returns and explains every rejection
 * through an enum vrrp_reject, meant to be counted by reason
 * (vrrp_reject_name() gives the counter's label). Policy that needs the
 * configuration (expected VRID, password, source and destination accepted)
 * is the caller's: the parser reports what it saw.
 *
 * Byte order: addresses (union edgelb_addr) are in network order, every
 * other field of struct vrrp_advert in host order.
 *
 * VRRPv3 (RFC 5798 §5.1), after the IPv4 or IPv6 header:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |(rsvd) |     Max Adver Int     |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 IPvX Address(es), 4 or 16 bytes each          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   Version 3, Type 1 (advertisement), Max Adver Int in centiseconds
 *   (12 bits). Checksum: RFC 1071 sum over the IPv4 pseudo-header
 *   (src, dst, 0, 112, VRRP length: 12 bytes) or the IPv6 one (src, dst,
 *   32-bit VRRP length, 3 zero bytes, 112: 40 bytes), then the message.
 *
 * VRRPv2 (RFC 3768 §5.1), IPv4 only:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   Auth Type   |   Adver Int   |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 IP Address(es), 4 bytes each                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Authentication Data (1)                   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Authentication Data (2)                   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   Version 2, Type 1, Adver Int in seconds (8 bits), Auth Type 0 (none)
 *   or 1 (password: the 8 authentication bytes, NUL-padded). Checksum:
 *   RFC 1071 sum over the VRRP message only, no pseudo-header.
 */
#ifndef EDGELB_VRRP_PACKET_H
#define EDGELB_VRRP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

#define VRRP_IPPROTO 112
#define VRRP_TTL 255
#define VRRP_TYPE_ADVERT 1
#define VRRP_HDR_LEN 8
#define VRRP_V2_AUTH_LEN 8
#define VRRP_AUTH_NONE 0
#define VRRP_AUTH_PASS 1
/* The count field is 8 bits: every valid packet fits. */
#define VRRP_MAX_ADDRS 255
#define VRRP_V3_MAX_INT_CS 4095 /* 12 bits */
/* 224.0.0.18 and ff02::12, network order in an edgelb_addr */
#define VRRP_GROUP_V4 "\xe0\x00\x00\x12"
#define VRRP_GROUP_V6 "\xff\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x12"

struct vrrp_advert {
	uint8_t version;	/* 2 or 3 */
	uint8_t vrid;		/* 1..255 */
	uint8_t priority;	/* 0 = resign, 255 = address owner */
	uint16_t advert_int_cs; /* v3: centiseconds (12 bits); v2: seconds * 100 */
	uint8_t family;		/* EDGELB_AF_INET or EDGELB_AF_INET6 */
	uint8_t n_addrs;
	union edgelb_addr addrs[VRRP_MAX_ADDRS]; /* network order */
	uint8_t auth_type;			 /* v2: VRRP_AUTH_*; v3: 0 */
	char auth_pass[9];			 /* v2 password, NUL-terminated */
	/* Filled by vrrp_packet_parse() from the IP header, ignored by build. */
	union edgelb_addr src; /* network order */
	union edgelb_addr dst; /* network order */
	uint8_t dst_group;     /* dst is 224.0.0.18 / ff02::12 (else unicast) */
};

/* Why a packet was refused; one counter each. */
enum vrrp_reject {
	VRRP_REJECT_NONE = 0,	    /* accepted */
	VRRP_REJECT_TRUNCATED,	    /* shorter than an IP header, its length, or 8 */
	VRRP_REJECT_BAD_IP_VERSION, /* not the IP version of the socket's family */
	VRRP_REJECT_BAD_IP_HEADER,  /* IPv4 IHL/total length, fragment; IPv6 jumbo */
	VRRP_REJECT_BAD_PROTOCOL,   /* protocol / next header not 112 */
	VRRP_REJECT_BAD_TTL,	    /* TTL / hop limit not 255 */
	VRRP_REJECT_BAD_VERSION,    /* VRRP version not 3, or 2 over IPv6 */
	VRRP_REJECT_BAD_TYPE,	    /* not an advertisement */
	VRRP_REJECT_BAD_LENGTH,	    /* length does not match the address count */
	VRRP_REJECT_BAD_CHECKSUM,
	VRRP_REJECT_BAD_VRID,	    /* VRID 0 */
	VRRP_REJECT_BAD_INTERVAL,   /* advertisement interval 0 */
	VRRP_REJECT_BAD_AUTH_TYPE,  /* v2 auth type other than none/password */
	VRRP_REJECT_MAX,
};

/* The counter label of a reason ("bad_ttl", ...); "?" when out of range. */
const char *vrrp_reject_name(enum vrrp_reject why);

/*
 * Parse a whole IP packet (IPv4 or IPv6 header, no IPv6 extension headers,
 * then the VRRP message) received on a socket of family (EDGELB_AF_INET or
 * EDGELB_AF_INET6). Bytes past the IP header's length are ignored.
 * Returns 0 with *out filled (and *why = VRRP_REJECT_NONE), or -EINVAL
 * with *why set. why may be NULL. *out is unspecified on failure.
 */
int vrrp_packet_parse(const void *ip_packet, size_t len, uint8_t family,
		      struct vrrp_advert *out, enum vrrp_reject *why);

/*
 * Build the VRRP message of a (not the IP header: a raw socket adds it)
 * into buf, with its checksum. src and dst (family a->family) are the IP
 * addresses the message will travel between; VRRPv3 needs them for its
 * pseudo-header, VRRPv2 ignores them (they may be NULL). a->src, a->dst
 * and a->dst_group are ignored.
 * Returns the message's length, -EINVAL if a is not a valid advertisement
 * (version, family, VRID 0, interval 0 or too large or, for v2, not whole
 * seconds, auth type), or -ENOSPC if len is too small.
 */
int vrrp_packet_build(const struct vrrp_advert *a, const union edgelb_addr *src,
		      const union edgelb_addr *dst, void *buf, size_t len);

/*
 * As vrrp_packet_build(), preceded by an IPv4 (no options, TOS 0xc0,
 * header checksum) or IPv6 header with TTL / hop limit 255: a packet as
 * vrrp_packet_parse() receives it. For tests and round trips.
 * Returns the whole packet's length, -EINVAL or -ENOSPC.
 */
int vrrp_packet_build_ip(const struct vrrp_advert *a, const union edgelb_addr *src,
			 const union edgelb_addr *dst, void *buf, size_t len);

#endif /* EDGELB_VRRP_PACKET_H */
