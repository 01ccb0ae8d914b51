/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet parsing for the balancer: Ethernet with 0-2 VLAN tags, IPv4 (with
 * options) or IPv6 (with extension headers), TCP/UDP, and the ICMP errors
 * that belong to a VIP flow (fragmentation needed, packet too big).
 *
 * Contract: edgelb_parse() reads only bytes inside [data, data_end), with
 * every access checked first, and fills struct edgelb_pkt with offsets
 * (not pointers: a target that grows the frame must re-derive them) and
 * the flow key in network byte order. It returns
 *   EDGELB_PARSE_CANDIDATE  a TCP/UDP flow (or ICMP error about one) that
 *                           may belong to a VIP: look it up;
 *   EDGELB_PARSE_PASS       not ours to judge (ARP, other protocols,
 *                           headers we do not walk): hand to the kernel,
 *                           pkt->counter says why;
 *   EDGELB_PARSE_DROP       truncated or malformed: pkt->counter is the
 *                           drop reason.
 * Fragments: the first fragment carries ports and is parsed as usual;
 * later fragments have none, so their ports are 0. pkt->flags tells which;
 * forward.h applies the policy.
 *
 * Frames in several buffers (a jumbo frame under multi-buffer XDP): every
 * header must lie in the first buffer, [data, data_end). An IP packet that
 * goes on past data_end is flagged EDGELB_PKT_F_BEYOND_BUF rather than
 * called truncated; the caller, which can ask the target for the whole
 * frame's length, decides which it is.
 *
 * ICMP errors are candidates only when addressed to the quoted flow's VIP
 * (the quoted packet's source): an error sent to any other address that
 * quotes a VIP flow is not ours and passes (pass_not_vip).
 */
#ifndef EDGELB_PARSE_H
#define EDGELB_PARSE_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>

#include "abi.h"
#include "compiler.h"

#ifndef EDGELB_MAX_VLANS
#define EDGELB_MAX_VLANS 2
#endif
#ifndef EDGELB_MAX_EXT_HDRS
#define EDGELB_MAX_EXT_HDRS 4 /* IPv6 extension headers walked before giving up */
#endif

#define EDGELB_ETH_P_8021Q 0x8100
#define EDGELB_ETH_P_8021AD 0x88a8
#define EDGELB_IP_DF 0x4000
#define EDGELB_IP_MF 0x2000
#define EDGELB_IP_OFFSET 0x1fff

/*
 * ICMPv4 header. <linux/icmp.h> drags in libc socket headers, which BPF
 * code cannot include, so the 8 bytes are spelled out here:
 *   | type | code | checksum | unused (16) | next-hop MTU (16) |
 */
struct edgelb_icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 unused;
	__be16 mtu;
};

#define EDGELB_ICMP_DEST_UNREACH 3
#define EDGELB_ICMP_FRAG_NEEDED 4

enum edgelb_parse_result {
	EDGELB_PARSE_DROP = -1,
	EDGELB_PARSE_PASS = 0,
	EDGELB_PARSE_CANDIDATE = 1,
};

/* bits of edgelb_pkt.flags */
#define EDGELB_PKT_F_FRAGMENT (1u << 0)	  /* any fragment */
#define EDGELB_PKT_F_LATER_FRAG (1u << 1) /* not the first: no L4 header */
#define EDGELB_PKT_F_SYN (1u << 2)	  /* TCP SYN without ACK: a new connection */
#define EDGELB_PKT_F_DF (1u << 3)	  /* must not be fragmented (IPv4 DF, all IPv6) */
#define EDGELB_PKT_F_ICMP_ERR (1u << 4)	  /* ICMP error; key is the quoted flow, reversed */
#define EDGELB_PKT_F_BEYOND_BUF (1u << 5) /* IP packet continues past data_end */
#define EDGELB_PKT_F_L2_GROUP (1u << 6)	  /* sent to a broadcast/multicast MAC */

struct edgelb_vlan {
	__be16 proto; /* TPID of this tag */
	__be16 tci;
};

struct edgelb_pkt {
	struct edgelb_flow_key key; /* client -> VIP, network order */
	struct edgelb_vlan vlans[EDGELB_MAX_VLANS];
	__u16 l3_off; /* Ethernet + VLAN tags: where IP starts */
	__u16 l4_off; /* where the L4 (or ICMP) header starts */
	__u16 ip_len; /* whole IP packet: IPv4 tot_len, or 40 + IPv6 payload */
	__u8 n_vlans;
	__u8 flags; /* EDGELB_PKT_F_* */
	__u8 tos;   /* IPv4 TOS / IPv6 traffic class: copied to the outer header */
	__u8 counter; /* enum edgelb_counter: why PASS or DROP */
};

/* Fill the IPv4 parts of a key; the unused 12 address bytes stay zero. */
EDGELB_INLINE void edgelb_key_v4(struct edgelb_flow_key *k, __be32 src, __be32 dst)
{
	__builtin_memset(&k->src, 0, sizeof(k->src));
	__builtin_memset(&k->dst, 0, sizeof(k->dst));
	k->src.v4 = src;
	k->dst.v4 = dst;
	k->family = EDGELB_AF_INET;
}

EDGELB_INLINE void edgelb_key_v6(struct edgelb_flow_key *k, const struct in6_addr *src,
				 const struct in6_addr *dst)
{
	__builtin_memcpy(&k->src, src, 16);
	__builtin_memcpy(&k->dst, dst, 16);
	k->family = EDGELB_AF_INET6;
}

EDGELB_INLINE int edgelb_parse_fail(struct edgelb_pkt *pkt, enum edgelb_counter why)
{
	pkt->counter = (__u8)why;
	return why < EDGELB_DROP_MAX ? EDGELB_PARSE_DROP : EDGELB_PARSE_PASS;
}

/*
 * The ports of a TCP/UDP header at l4 (8 bytes needed, checked by the
 * caller). Also records a bare SYN.
 */
EDGELB_INLINE void edgelb_parse_ports(struct edgelb_pkt *pkt, const void *l4, __u8 proto)
{
	const struct udphdr *uh = l4; /* ports sit at the same place in TCP */

	pkt->key.sport = uh->source;
	pkt->key.dport = uh->dest;
	if (proto == IPPROTO_TCP) {
		const __u8 *flags = (const __u8 *)l4 + 13;

		if ((*flags & 0x12) == 0x02) /* SYN set, ACK clear */
			pkt->flags |= EDGELB_PKT_F_SYN;
	}
}

/*
 * The flow quoted inside an ICMP error: an IPv4 header (at least 20 bytes,
 * with its options) and the first 8 bytes of its TCP/UDP header. The quote
 * is the backend's reply (VIP -> client), so the key is reversed to read
 * client -> VIP like the packets of the flow itself.
 */
EDGELB_INLINE int edgelb_parse_icmp4_quote(struct edgelb_pkt *pkt, const void *q,
					   const void *end, const void *data_end)
{
	const struct iphdr *iph = q;
	const void *l4;
	__u8 hlen;

	if ((const void *)(iph + 1) > end || (const void *)(iph + 1) > data_end)
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
	hlen = (__u8)(iph->ihl * 4);
	if (iph->version != 4 || hlen < sizeof(*iph))
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
	l4 = (const __u8 *)q + hlen;
	if ((const __u8 *)l4 + 8 > (const __u8 *)end ||
	    (const __u8 *)l4 + 8 > (const __u8 *)data_end)
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
	edgelb_key_v4(&pkt->key, iph->daddr, iph->saddr);
	pkt->key.sport = ((const struct udphdr *)l4)->dest;
	pkt->key.dport = ((const struct udphdr *)l4)->source;
	pkt->key.proto = iph->protocol;
	pkt->flags |= EDGELB_PKT_F_ICMP_ERR;
	return EDGELB_PARSE_CANDIDATE;
}

/* As above for an IPv6 quote (no extension headers walked in the quote). */
EDGELB_INLINE int edgelb_parse_icmp6_quote(struct edgelb_pkt *pkt, const void *q,
					   const void *end, const void *data_end)
{
	const struct ipv6hdr *ip6 = q;
	const struct udphdr *l4 = (const struct udphdr *)(ip6 + 1);

	if ((const void *)(l4 + 1) > end || (const void *)(l4 + 1) > data_end)
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
	if (ip6->version != 6 || (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP))
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
	edgelb_key_v6(&pkt->key, &ip6->daddr, &ip6->saddr);
	pkt->key.sport = l4->dest;
	pkt->key.dport = l4->source;
	pkt->key.proto = ip6->nexthdr;
	pkt->flags |= EDGELB_PKT_F_ICMP_ERR;
	return EDGELB_PARSE_CANDIDATE;
}

/*
 * L4 of either family: l4 is the header start, end the end of the IP
 * packet. Every read is checked against both end (the packet's own length)
 * and data_end (the frame): the BPF verifier only trusts the latter.
 */
EDGELB_INLINE int edgelb_parse_l4(struct edgelb_pkt *pkt, const void *l4, const void *end,
				  const void *data_end, __u8 proto)
{
	if (pkt->flags & EDGELB_PKT_F_LATER_FRAG) {
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			return edgelb_parse_fail(pkt, EDGELB_EV_PASS_NOT_VIP);
		pkt->key.proto = proto;
		return EDGELB_PARSE_CANDIDATE;
	}

	/*
	 * One branch per protocol, each with its own constant length: a
	 * length chosen by a select would leave the verifier unable to tie
	 * the TCP flags read to the 20-byte check.
	 */
	if (proto == IPPROTO_TCP) {
		if ((const __u8 *)l4 + sizeof(struct tcphdr) > (const __u8 *)end)
			return edgelb_parse_fail(pkt, EDGELB_DROP_MALFORMED);
		if ((const __u8 *)l4 + sizeof(struct tcphdr) > (const __u8 *)data_end)
			return edgelb_parse_fail(pkt, EDGELB_DROP_TRUNCATED);
		pkt->key.proto = proto;
		edgelb_parse_ports(pkt, l4, proto);
		return EDGELB_PARSE_CANDIDATE;
	}
	if (proto == IPPROTO_UDP) {
		if ((const __u8 *)l4 + sizeof(struct udphdr) > (const __u8 *)end)
			return edgelb_parse_fail(pkt, EDGELB_DROP_MALFORMED);
		if ((const __u8 *)l4 + sizeof(struct udphdr) > (const __u8 *)data_end)
			return edgelb_parse_fail(pkt, EDGELB_DROP_TRUNCATED);
		pkt->key.proto = proto;
		edgelb_parse_ports(pkt, l4, proto);
		return EDGELB_PARSE_CANDIDATE;
	}

	/* ICMP errors about a flow: the path MTU signals a VIP flow needs. */
	if (proto == IPPROTO_ICMP && pkt->key.family == EDGELB_AF_INET &&
	    !(pkt->flags & EDGELB_PKT_F_FRAGMENT)) {
		const struct edgelb_icmphdr *ic = l4;

		if ((const void *)(ic + 1) > end || (const void *)(ic + 1) > data_end)
			return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
		if (ic->type == EDGELB_ICMP_DEST_UNREACH && ic->code == EDGELB_ICMP_FRAG_NEEDED)
			return edgelb_parse_icmp4_quote(pkt, ic + 1, end, data_end);
	} else if (proto == IPPROTO_ICMPV6 && pkt->key.family == EDGELB_AF_INET6 &&
		   !(pkt->flags & EDGELB_PKT_F_FRAGMENT)) {
		const struct icmp6hdr *ic6 = l4;

		if ((const void *)(ic6 + 1) > end || (const void *)(ic6 + 1) > data_end)
			return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
		if (ic6->icmp6_type == ICMPV6_PKT_TOOBIG)
			return edgelb_parse_icmp6_quote(pkt, ic6 + 1, end, data_end);
	}
	return edgelb_parse_fail(pkt, EDGELB_EV_PASS_NOT_VIP);
}

EDGELB_INLINE int edgelb_parse_ipv4(struct edgelb_pkt *pkt, const void *l3, const void *data_end)
{
	const struct iphdr *iph = l3;
	const __u8 *ip_end;
	__u16 tot_len, frag;
	__u8 hlen;
	int rc;

	if ((const void *)(iph + 1) > data_end)
		return edgelb_parse_fail(pkt, EDGELB_DROP_TRUNCATED);
	if (iph->version != 4)
		return edgelb_parse_fail(pkt, EDGELB_DROP_MALFORMED);
	hlen = (__u8)(iph->ihl * 4);
	tot_len = edgelb_ntohs(iph->tot_len);
	if (hlen < sizeof(*iph) || tot_len < hlen)
		return edgelb_parse_fail(pkt, EDGELB_DROP_MALFORMED);
	ip_end = (const __u8 *)iph + tot_len;
	if ((const void *)ip_end > data_end)
		pkt->flags |= EDGELB_PKT_F_BEYOND_BUF;

	pkt->ip_len = tot_len;
	pkt->l4_off = (__u16)(pkt->l3_off + hlen);
	pkt->tos = iph->tos;
	edgelb_key_v4(&pkt->key, iph->saddr, iph->daddr);

	frag = edgelb_ntohs(iph->frag_off);
	if (frag & EDGELB_IP_DF)
		pkt->flags |= EDGELB_PKT_F_DF;
	if (frag & (EDGELB_IP_MF | EDGELB_IP_OFFSET)) {
		pkt->flags |= EDGELB_PKT_F_FRAGMENT;
		if (frag & EDGELB_IP_OFFSET)
			pkt->flags |= EDGELB_PKT_F_LATER_FRAG;
	}
	rc = edgelb_parse_l4(pkt, (const __u8 *)iph + hlen, ip_end, data_end, iph->protocol);
	/* an ICMP error is ours only when sent to the VIP it quotes */
	if (rc == EDGELB_PARSE_CANDIDATE && (pkt->flags & EDGELB_PKT_F_ICMP_ERR) &&
	    pkt->key.dst.v4 != iph->daddr)
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_NOT_VIP);
	return rc;
}

EDGELB_INLINE int edgelb_parse_ipv6(struct edgelb_pkt *pkt, const void *l3, const void *data,
				    const void *data_end)
{
	const struct ipv6hdr *ip6 = l3;
	const __u8 *p, *ip_end;
	__u16 payload;
	__u8 next;
	int rc;

	if ((const void *)(ip6 + 1) > data_end)
		return edgelb_parse_fail(pkt, EDGELB_DROP_TRUNCATED);
	if (ip6->version != 6)
		return edgelb_parse_fail(pkt, EDGELB_DROP_MALFORMED);
	payload = edgelb_ntohs(ip6->payload_len);
	if (payload == 0) /* jumbogram or garbage: the kernel decides */
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
	ip_end = (const __u8 *)(ip6 + 1) + payload;
	if ((const void *)ip_end > data_end)
		pkt->flags |= EDGELB_PKT_F_BEYOND_BUF;

	pkt->ip_len = (__u16)(sizeof(*ip6) + payload);
	pkt->tos = (__u8)((ip6->priority << 4) | (ip6->flow_lbl[0] >> 4));
	pkt->flags |= EDGELB_PKT_F_DF;
	edgelb_key_v6(&pkt->key, &ip6->saddr, &ip6->daddr);

	p = (const __u8 *)(ip6 + 1);
	next = ip6->nexthdr;
	for (int i = 0; i < EDGELB_MAX_EXT_HDRS; i++) {
		__u32 len;

		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
		    next != IPPROTO_DSTOPTS && next != IPPROTO_FRAGMENT && next != IPPROTO_AH)
			break;
		if (p + 8 > ip_end)
			return edgelb_parse_fail(pkt, EDGELB_DROP_MALFORMED);
		if (p + 8 > (const __u8 *)data_end)
			return edgelb_parse_fail(pkt, EDGELB_DROP_TRUNCATED);
		if (next == IPPROTO_FRAGMENT) {
			__u16 off = edgelb_ntohs(*(const __be16 *)(p + 2));

			/* offset (13 bits) << 3 | res (2) | M (1) */
			pkt->flags |= EDGELB_PKT_F_FRAGMENT;
			if (off & 0xfff8)
				pkt->flags |= EDGELB_PKT_F_LATER_FRAG;
			len = 8;
		} else if (next == IPPROTO_AH) {
			len = ((__u32)p[1] + 2) * 4;
		} else {
			len = ((__u32)p[1] + 1) * 8;
		}
		next = p[0];
		p += len;
	}
	if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS ||
	    next == IPPROTO_FRAGMENT || next == IPPROTO_AH)
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_UNPARSED);
	if (p > ip_end)
		return edgelb_parse_fail(pkt, EDGELB_DROP_MALFORMED);
	pkt->l4_off = (__u16)(p - (const __u8 *)data);
	rc = edgelb_parse_l4(pkt, p, ip_end, data_end, next);
	if (rc == EDGELB_PARSE_CANDIDATE && (pkt->flags & EDGELB_PKT_F_ICMP_ERR) &&
	    (pkt->key.dst.v6[0] != ((const __be32 *)&ip6->daddr)[0] ||
	     pkt->key.dst.v6[1] != ((const __be32 *)&ip6->daddr)[1] ||
	     pkt->key.dst.v6[2] != ((const __be32 *)&ip6->daddr)[2] ||
	     pkt->key.dst.v6[3] != ((const __be32 *)&ip6->daddr)[3]))
		return edgelb_parse_fail(pkt, EDGELB_EV_PASS_NOT_VIP);
	return rc;
}

/* Parse one frame; see the contract at the top of this file. */
EDGELB_INLINE int edgelb_parse(const void *data, const void *data_end, struct edgelb_pkt *pkt)
{
	const struct ethhdr *eth = data;
	const __u8 *p;
	__be16 proto;

	__builtin_memset(pkt, 0, sizeof(*pkt));
	if ((const void *)(eth + 1) > data_end)
		return edgelb_parse_fail(pkt, EDGELB_DROP_TRUNCATED);
	proto = eth->h_proto;
	p = (const __u8 *)(eth + 1);
	if (eth->h_dest[0] & 1)
		pkt->flags |= EDGELB_PKT_F_L2_GROUP;

	for (int i = 0; i < EDGELB_MAX_VLANS; i++) {
		if (proto != edgelb_htons(EDGELB_ETH_P_8021Q) &&
		    proto != edgelb_htons(EDGELB_ETH_P_8021AD))
			break;
		if (p + 4 > (const __u8 *)data_end)
			return edgelb_parse_fail(pkt, EDGELB_DROP_TRUNCATED);
		pkt->vlans[i].proto = proto;
		pkt->vlans[i].tci = *(const __be16 *)p;
		proto = *(const __be16 *)(p + 2);
		pkt->n_vlans++;
		p += 4;
	}
	pkt->l3_off = (__u16)(p - (const __u8 *)data);

	if (proto == edgelb_htons(ETH_P_IP))
		return edgelb_parse_ipv4(pkt, p, data_end);
	if (proto == edgelb_htons(ETH_P_IPV6))
		return edgelb_parse_ipv6(pkt, p, data, data_end);
	return edgelb_parse_fail(pkt, EDGELB_EV_PASS_NOT_IP);
}

#endif /* EDGELB_PARSE_H */
