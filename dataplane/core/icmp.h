/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Path MTU signals to clients. A client packet that would exceed the VIP's
 * MTU once encapsulated is turned, in place, into an ICMP "fragmentation
 * needed" (IPv4, RFC 792/1191) or ICMPv6 "packet too big" (RFC 4443/8201)
 * sent back to the client from the VIP address, quoting the client's IP
 * header and the first 8 bytes of its transport header. The client then
 * sends smaller segments and the tunnel carries them.
 *
 *   before:  L2 | client IP header | L4 ...                (too big)
 *   after:   L2'| IP VIP->client   | ICMP | client IP header | 8 bytes L4
 *            (L2' = L2 with the MAC addresses swapped, same VLAN tags)
 *
 * The head grows by the new IP + ICMP header and the tail is cut after the
 * quote, so the quote never moves.
 *
 * The balancer must never become a reflector: no reply goes to an address
 * that must not receive ICMP errors (RFC 1122 3.2.2, RFC 4443 2.4(e):
 * unspecified, loopback, multicast, broadcast, reserved; a group or
 * unspecified source MAC; a VIP sending to itself), and replies are paced
 * by a token bucket per CPU (node_config.icmp_rate/icmp_burst), as routers
 * pace what they generate.
 */
#ifndef EDGELB_ICMP_H
#define EDGELB_ICMP_H

#include "abi.h"
#include "compiler.h"
#include "csum.h"
#include "encap.h"
#include "parse.h"
#include "target.h"

#define EDGELB_ICMP6_QUOTE_MAX 128 /* headers up to L4 + 8, at most this */
#define EDGELB_IPV6_MIN_MTU 1280
#define EDGELB_IPV4_MIN_MTU 68

/* May the sender of pkt (frame [data, data_end)) receive an ICMP error from us? 1 or 0. */
EDGELB_INLINE int edgelb_icmp_may_answer(const struct edgelb_pkt *pkt, const void *data,
					 const void *data_end)
{
	const __u8 *src_mac = (const __u8 *)data + ETH_ALEN;
	const union edgelb_addr *s = &pkt->key.src;

	if (src_mac + ETH_ALEN > (const __u8 *)data_end)
		return 0;
	if ((src_mac[0] & 1) || edgelb_mac_is_zero(src_mac))
		return 0;
	if (pkt->key.family == EDGELB_AF_INET) {
		__u32 a = edgelb_ntohl(s->v4);
		__u8 top = (__u8)(a >> 24);

		/* 0/8 this network, 127/8 loopback, 224/4 multicast, 240/4 and broadcast */
		if (top == 0 || top == 127 || top >= 224)
			return 0;
		return s->v4 != pkt->key.dst.v4;
	}
	if (s->bytes[0] == 0xff) /* multicast */
		return 0;
	if (!(s->v6[0] | s->v6[1] | s->v6[2])) {
		__u32 last = edgelb_ntohl(s->v6[3]);

		if (last <= 1) /* :: and ::1 */
			return 0;
	}
	return s->v6[0] != pkt->key.dst.v6[0] || s->v6[1] != pkt->key.dst.v6[1] ||
	       s->v6[2] != pkt->key.dst.v6[2] || s->v6[3] != pkt->key.dst.v6[3];
}

/*
 * Take one reply from this CPU's budget: 1 if a reply may go now, 0 if the
 * bucket is empty. The bucket holds refill time in ns: each reply costs
 * 1 s / rate, and at most burst replies' worth is banked.
 */
EDGELB_INLINE int edgelb_icmp_budget(EDGELB_CTX *ctx, const struct edgelb_node_config *cfg)
{
	struct edgelb_cpu_state *cs;
	__u64 now, cost, cap, credit;

	if (!cfg->icmp_rate)
		return 1;
	cs = edgelb_t_cpu_state(ctx);
	if (!cs)
		return 0;
	now = edgelb_t_now_ns(ctx);
	cost = 1000000000ull / cfg->icmp_rate;
	cap = cost * (cfg->icmp_burst ? cfg->icmp_burst : 1);
	credit = now >= cs->icmp_last_ns ? cs->icmp_credit_ns + (now - cs->icmp_last_ns) : cap;
	if (credit > cap || !cs->icmp_last_ns)
		credit = cap; /* full at first use, and never more than the burst */
	cs->icmp_last_ns = now;
	if (credit < cost) {
		cs->icmp_credit_ns = credit;
		return 0;
	}
	cs->icmp_credit_ns = credit - cost;
	return 1;
}

/*
 * Rewrite the frame into the reply, from our MAC src_mac. mtu is the
 * largest client packet the tunnel carries. The caller has checked
 * edgelb_icmp_may_answer(). Returns 0 (send it back: EDGELB_V_TX) or -1
 * (drop).
 */
EDGELB_INLINE int edgelb_icmp_too_big(EDGELB_CTX *ctx, const struct edgelb_pkt *pkt, __u16 mtu,
				      const __u8 *src_mac)
{
	int v6 = pkt->key.family == EDGELB_AF_INET6;
	__u16 grow = v6 ? sizeof(struct ipv6hdr) + sizeof(struct icmp6hdr)
			: sizeof(struct iphdr) + sizeof(struct edgelb_icmphdr);
	__u16 quote = (__u16)(pkt->l4_off - pkt->l3_off + 8);
	__u8 old_eth[2 * ETH_ALEN] __attribute__((aligned(2))); /* edgelb_mac_copy() */
	void *data, *data_end;
	__u8 *l3, *q;
	__u16 l2;
	__u32 sum;

	/* bounded for the verifier too: IPv4 quotes are at most 60 + 8 */
	if (quote > EDGELB_ICMP6_QUOTE_MAX)
		quote = EDGELB_ICMP6_QUOTE_MAX;
	if (edgelb_t_adjust_head(ctx, -(int)grow))
		return -1;
	data = edgelb_t_data(ctx);
	data_end = edgelb_t_data_end(ctx);
	if ((__u8 *)data + grow + sizeof(old_eth) > (__u8 *)data_end)
		return -1;
	__builtin_memcpy(old_eth, (__u8 *)data + grow, sizeof(old_eth));

	/* to the client's MAC (the old source), from our interface's */
	l2 = edgelb_write_l2(data, data_end, pkt, old_eth + ETH_ALEN, src_mac,
			     v6 ? edgelb_htons(ETH_P_IPV6) : edgelb_htons(ETH_P_IP));
	if (!l2)
		return -1;
	l3 = (__u8 *)data + l2;
	q = l3 + grow; /* the client's IP header, where it was */
	if (q + quote > (__u8 *)data_end)
		return -1;

	if (v6) {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)l3;
		struct icmp6hdr *ic6 = (struct icmp6hdr *)(ip6 + 1);
		const struct ipv6hdr *orig = (const struct ipv6hdr *)q;
		__u16 len = (__u16)(sizeof(*ic6) + quote);

		if ((__u8 *)(orig + 1) > (__u8 *)data_end)
			return -1;
		if (mtu < EDGELB_IPV6_MIN_MTU)
			mtu = EDGELB_IPV6_MIN_MTU;
		edgelb_write_ip6(ip6, len, 0, 0, IPPROTO_ICMPV6,
				 (const union edgelb_addr *)&orig->daddr,
				 (const union edgelb_addr *)&orig->saddr);
		ic6->icmp6_type = ICMPV6_PKT_TOOBIG;
		ic6->icmp6_code = 0;
		ic6->icmp6_cksum = 0;
		ic6->icmp6_mtu = edgelb_htonl((__u32)mtu);
		/* pseudo header: addresses, upper-layer length, next header */
		sum = edgelb_csum_words(&ip6->saddr, data_end, 32, 0);
		sum += edgelb_htons(len) + edgelb_htons(IPPROTO_ICMPV6);
		sum = edgelb_csum_words(ic6, data_end, len, sum);
		ic6->icmp6_cksum = edgelb_csum_fold(sum);
	} else {
		struct iphdr *ip = (struct iphdr *)l3;
		struct edgelb_icmphdr *ic = (struct edgelb_icmphdr *)(ip + 1);
		const struct iphdr *orig = (const struct iphdr *)q;
		__u16 len = (__u16)(sizeof(*ic) + quote);

		if ((__u8 *)(orig + 1) > (__u8 *)data_end)
			return -1;
		if (mtu < EDGELB_IPV4_MIN_MTU)
			mtu = EDGELB_IPV4_MIN_MTU;
		edgelb_write_ip4(ip, (__u16)(sizeof(*ip) + len), 0, IPPROTO_ICMP, orig->daddr,
				 orig->saddr, 0, 0);
		ic->type = EDGELB_ICMP_DEST_UNREACH;
		ic->code = EDGELB_ICMP_FRAG_NEEDED;
		ic->checksum = 0;
		ic->unused = 0;
		ic->mtu = edgelb_htons(mtu);
		ic->checksum = edgelb_csum_fold(edgelb_csum_words(ic, data_end, len, 0));
	}

	/* cut everything after the quote, in every buffer of the frame */
	{
		/* integers only: the verifier refuses a pointer plus the frame length */
		__u32 keep = (__u32)l2 + grow + quote, len = edgelb_t_frame_len(ctx);

		edgelb_opaque(len);
		if (len < keep || len > 0x1ffff)
			return -1;
		return len == keep || !edgelb_t_adjust_tail(ctx, -(int)(len - keep)) ? 0 : -1;
	}
}

#endif /* EDGELB_ICMP_H */
