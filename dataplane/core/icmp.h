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

/*
 * Rewrite the frame into the reply. mtu is the largest client packet the
 * tunnel carries. Returns 0 (send it back: EDGELB_V_TX) or -1 (drop).
 */
EDGELB_INLINE int edgelb_icmp_too_big(EDGELB_CTX *ctx, const struct edgelb_pkt *pkt, __u16 mtu)
{
	int v6 = pkt->key.family == EDGELB_AF_INET6;
	__u16 grow = v6 ? sizeof(struct ipv6hdr) + sizeof(struct icmp6hdr)
			: sizeof(struct iphdr) + sizeof(struct edgelb_icmphdr);
	__u16 quote = (__u16)(pkt->l4_off - pkt->l3_off + 8);
	__u8 old_eth[2 * ETH_ALEN];
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

	/* to the client's MAC (old source) from ours (old destination) */
	l2 = edgelb_write_l2(data, data_end, pkt, old_eth + ETH_ALEN, old_eth,
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
				 orig->saddr, 0);
		ic->type = EDGELB_ICMP_DEST_UNREACH;
		ic->code = EDGELB_ICMP_FRAG_NEEDED;
		ic->checksum = 0;
		ic->unused = 0;
		ic->mtu = edgelb_htons(mtu);
		ic->checksum = edgelb_csum_fold(edgelb_csum_words(ic, data_end, len, 0));
	}

	/* cut everything after the quote */
	return edgelb_t_adjust_tail(ctx, (int)((q + quote) - (__u8 *)data_end)) ? -1 : 0;
}

#endif /* EDGELB_ICMP_H */
