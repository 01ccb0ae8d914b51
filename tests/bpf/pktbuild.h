/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pktbuild: a small packet builder for golden-packet tests.
 *
 * A packet is a stack of layers appended outermost first:
 *
 *	struct pkt p;
 *
 *	pkt_init(&p);
 *	pkt_eth(&p, dst_mac, src_mac, 0);
 *	pkt_ipv4(&p, &(struct pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2" });
 *	pkt_udp(&p, 1234, 80, 0);
 *	pkt_raw(&p, "hello", 5);
 *	if (pkt_finish(&p))
 *		fail(p.err);
 *
 * pkt_finish() then fills in, from the innermost layer outwards, every
 * field that depends on what follows: ethertypes, IPv4 protocol and IPv6
 * next header (also of extension headers), IPv4 total length and header
 * checksum, IPv6 payload length, UDP length, and UDP/TCP/ICMP checksums
 * (pseudo-header of the nearest enclosing IP layer). A field given
 * explicitly (non-zero) is kept, so tests can build wrong packets on
 * purpose; bytes can also be edited after pkt_finish().
 *
 * Encapsulation: build the inner IP packet on its own (no L2) first, then
 * append it to the outer one with pkt_inner(), which names the family to
 * the enclosing layer by the version nibble. The inner packet then exists
 * on its own as well, e.g. as the expected output of a decapsulator.
 *
 * Conventions: every number argument is in host byte order; addresses are
 * strings for inet_pton(). Functions return 0, or -1 with p->err set; the
 * first error sticks and makes pkt_finish() fail, so a test may check
 * only pkt_finish(). Userspace only (libc).
 */
#ifndef EDGELB_PKTBUILD_H
#define EDGELB_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef PKT_MAX
#define PKT_MAX 16384 /* jumbo frames: BPF_PROG_TEST_RUN puts the rest in fragments */
#endif
#define PKT_MAX_LAYERS 16

#define PKT_TPID_8021Q 0x8100
#define PKT_TPID_8021AD 0x88a8

/* pkt_udp() flags */
#define PKT_UDP_NO_CSUM (1u << 0) /* leave the checksum 0 (tunnels, RFC 6935) */

/* TCP flags for pkt_tcp() */
#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

enum pkt_layer_type {
	PKT_L_ETH,
	PKT_L_VLAN,
	PKT_L_IPV4,
	PKT_L_IPV6,
	PKT_L_IPV6_EXT, /* hop-by-hop, routing, destination options, fragment */
	PKT_L_UDP,
	PKT_L_TCP,
	PKT_L_ICMP,  /* ICMP or ICMPv6, by the enclosing IP layer */
	PKT_L_INNER, /* a complete IP packet built separately */
	PKT_L_RAW,   /* opaque bytes: payload */
};

struct pkt_layer {
	enum pkt_layer_type type;
	uint16_t off;  /* where the layer starts in data */
	uint16_t aux;  /* VLAN: TPID; EXT: header type */
	uint16_t next; /* explicit ethertype / protocol, 0 = derive */
	unsigned int flags;
};

struct pkt {
	uint8_t data[PKT_MAX];
	size_t len;
	struct pkt_layer layer[PKT_MAX_LAYERS];
	int nlayers;
	char err[128]; /* first error, "" if none */
};

/* IPv4 header; zero fields get the defaults in brackets. */
struct pkt_ip4 {
	const char *src;
	const char *dst;
	uint8_t ttl;		/* [64] */
	uint8_t tos;		/* [0] */
	uint16_t id;		/* [0] */
	uint16_t frag_off;	/* flags | offset in 8-byte units [0] */
	uint8_t proto;		/* [from the next layer] */
	const uint8_t *options; /* IHL > 5: a multiple of 4, at most 40 */
	size_t options_len;
};

#define PKT_IP4_DF 0x4000
#define PKT_IP4_MF 0x2000

/* IPv6 fixed header; zero fields get the defaults in brackets. */
struct pkt_ip6 {
	const char *src;
	const char *dst;
	uint8_t hop_limit;   /* [64] */
	uint8_t tclass;	     /* [0] */
	uint32_t flow_label; /* 20 bits [0] */
	uint8_t next_header; /* [from the next layer] */
};

void pkt_init(struct pkt *p);

/* Ethernet; @ethertype 0 = from the next layer. */
int pkt_eth(struct pkt *p, const uint8_t dst[6], const uint8_t src[6],
	    uint16_t ethertype);

/* An 802.1Q / 802.1ad tag; @tpid goes into the previous layer's type. */
int pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t tci);

int pkt_ipv4(struct pkt *p, const struct pkt_ip4 *h);
int pkt_ipv6(struct pkt *p, const struct pkt_ip6 *h);

/*
 * An IPv6 extension header: @type 0 (hop-by-hop), 43 (routing) or 60
 * (destination options) of @len bytes (multiple of 8, 8..2048) filled
 * with PadN; or 44 (fragment, @len 8) with @frag_off (offset in 8-byte
 * units << 3 | M flag, as on the wire) and @frag_id.
 */
int pkt_ipv6_ext(struct pkt *p, uint8_t type, size_t len, uint16_t frag_off,
		 uint32_t frag_id);

/* UDP; flags PKT_UDP_NO_CSUM. */
int pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport,
	    unsigned int flags);

/* TCP with a 20-byte header, window 65535; @flags PKT_TCP_*. */
int pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint32_t seq,
	    uint32_t ack, uint8_t flags);

/*
 * ICMP (under IPv4) or ICMPv6 (under IPv6): @rest is the 4 bytes after
 * the checksum (e.g. the MTU of "packet too big").
 */
int pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, uint32_t rest);

/* A complete IP packet (first nibble 4 or 6) built separately. */
int pkt_inner(struct pkt *p, const void *ip_packet, size_t len);

/* Opaque payload bytes. */
int pkt_raw(struct pkt *p, const void *bytes, size_t len);

/* Fills in lengths, next-protocol fields and checksums; 0 or -1. */
int pkt_finish(struct pkt *p);

/* Start of layer @i in p->data (NULL if out of range). */
uint8_t *pkt_layer_ptr(struct pkt *p, int i);

/*
 * The Internet checksum (RFC 1071) of @len bytes, starting from the
 * partial sum @sum; returned folded and complemented, in network order
 * as stored in a header.
 */
uint16_t pkt_csum(const void *buf, size_t len, uint32_t sum);

/* Recomputes the header checksum of the IPv4 header at @iph. */
void pkt_ipv4_fix_csum(void *iph);

/*
 * Writes to @f a hexdump of @a and @b (expected, got) marking the first
 * difference; for test failure messages.
 */
void pkt_fprint_diff(FILE *f, const void *a, size_t alen, const void *b,
		     size_t blen);

#endif /* EDGELB_PKTBUILD_H */
