/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rewrites a parsed client frame for its backend:
 *
 *   IPIP  IPv4-in-IPv4 (protocol 4) or IPv6-in-IPv6 (next header 41)
 *   GUE   GUE variant 1, "direct IP" (draft-ietf-intarea-gue): outer IPv4
 *         or IPv6 + UDP, the payload is the client's IP packet as is
 *   DSR   L2 direct server return: only the Ethernet addresses change
 *
 * Encapsulated frames keep the client frame's VLAN tags (they leave by the
 * interface they came in on) and get as source MAC node_config.if_mac, the
 * interface's own address (never the MAC the client frame was sent to,
 * which may be a group address), and as destination the next hop the
 * caller resolved (edgelb_next_hop_mac()).
 *
 *   outer IPv4 (20 bytes)             outer IPv6 (40 bytes)
 *   +-------+-------+---------------+ +----+--------+-------------------+
 *   |4 | 5  | tos   | total length  | | 6  | tc     | flow label = hash |
 *   | id (see below)|DF?| offset 0  | | payload length | next   | hop 64 |
 *   | ttl 64| 4/41/17 | checksum    | | source: node_config.src_v6 (16)  |
 *   | source: node_config.src_v4    | | destination: backend (16)        |
 *   | destination: backend          | +----------------------------------+
 *   +-------------------------------+
 *   GUE adds UDP: source port from the flow hash (so routers' ECMP and
 *   backends' RSS spread flows), destination port vip.gue_dport, length,
 *   checksum: 0 under IPv4 (RFC 768 allows it); under IPv6 computed
 *   (RFC 8200 8.1), unless the VIP opted in to zero checksums
 *   (EDGELB_VIP_F_GUE_ZERO_CSUM6, RFC 6935/6936: every decapsulator must
 *   accept them on that port).
 *
 * Outer IPv4 identification (RFC 6864): 0 when DF is set (an atomic
 * datagram: nobody reassembles it); when the inner packet allows
 * fragmentation, a router may fragment the tunnel packet, so its id must
 * differ from that of other packets in flight between the same addresses:
 * a per-CPU counter, offset by the flow hash so that CPUs and flows start
 * apart.
 *
 * The IPv6 GUE checksum without reading the payload (the way Linux's local
 * checksum offload, lco_csum, does): a TCP, UDP or ICMPv6 segment whose
 * checksum is right sums, with its pseudo-header, to 0xffff; so the
 * segment's own sum is the complement of its pseudo-header's, and an
 * ICMPv4 message (no pseudo-header) sums to zero. The outer checksum then
 * needs only the outer pseudo-header, the UDP header, the inner IP headers
 * and the inner pseudo-header. Fragments, UDP with a zero checksum and UDP
 * whose length field is not the IP payload's give no such identity: their
 * bytes are summed (within the first buffer). A segment whose own checksum
 * is wrong gets a wrong outer checksum: the decapsulator drops it, as the
 * backend's stack would have dropped the segment.
 */
#ifndef EDGELB_ENCAP_H
#define EDGELB_ENCAP_H

#include "abi.h"
#include "compiler.h"
#include "csum.h"
#include "parse.h"
#include "target.h"

#define EDGELB_OUTER_TTL 64
#define EDGELB_GUE_SPORT_BASE 0x8000 /* outer UDP source ports 32768..65535 */

/* IP overhead the VIP's encapsulation adds for a backend of family f. */
EDGELB_INLINE __u16 edgelb_encap_overhead(__u8 encap, __u8 family)
{
	__u16 ip = family == EDGELB_AF_INET6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);

	if (encap == EDGELB_ENCAP_DSR)
		return 0;
	return encap == EDGELB_ENCAP_GUE ? (__u16)(ip + sizeof(struct udphdr)) : ip;
}

/*
 * MACs are read and written as three 16-bit words: __u8 arrays have no
 * known alignment, so a byte copy is what the compiler would emit
 * otherwise (12 loads and stores per address under BPF: 4 ns of an
 * established IPv4 packet's ~50). Every MAC the core touches is 2-byte
 * aligned: table fields sit at even offsets (abi.h, hc_abi.h), frames
 * start 2 bytes past a 4-byte boundary (target.h), stack copies say so.
 * may_alias: the words alias the __u8 arrays they are read from.
 */
typedef __u16 __attribute__((may_alias, aligned(2))) edgelb_u16a;

EDGELB_INLINE int edgelb_mac_is_zero(const __u8 *mac)
{
	const edgelb_u16a *w = (const edgelb_u16a *)mac;

	return !(w[0] | w[1] | w[2]);
}

EDGELB_INLINE void edgelb_mac_copy(__u8 *dst, const __u8 *src)
{
	edgelb_u16a *d = (edgelb_u16a *)dst;
	const edgelb_u16a *s = (const edgelb_u16a *)src;

	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
}

/*
 * Write the Ethernet header, the pkt's VLAN tags and ethertype at data.
 * Returns the L2 length, or 0 if the frame is too short.
 */
EDGELB_INLINE __u16 edgelb_write_l2(void *data, void *data_end, const struct edgelb_pkt *pkt,
				    const __u8 *dst_mac, const __u8 *src_mac, __be16 ethertype)
{
	struct ethhdr *eth = data;
	__be16 *tag;

	if ((void *)(eth + 1) > data_end)
		return 0;
	edgelb_mac_copy(eth->h_dest, dst_mac);
	edgelb_mac_copy(eth->h_source, src_mac);
	if (!pkt->n_vlans) {
		eth->h_proto = ethertype;
		return sizeof(*eth);
	}
	/* tag i: TPID in the previous "ethertype" field, TCI then next type */
	eth->h_proto = pkt->vlans[0].proto;
	tag = (__be16 *)(eth + 1);
	if ((void *)(tag + 2) > data_end)
		return 0;
	tag[0] = pkt->vlans[0].tci;
	if (pkt->n_vlans == 1) {
		tag[1] = ethertype;
		return sizeof(*eth) + 4;
	}
	tag[1] = pkt->vlans[1].proto;
	if ((void *)(tag + 4) > data_end)
		return 0;
	tag[2] = pkt->vlans[1].tci;
	tag[3] = ethertype;
	return sizeof(*eth) + 8;
}

EDGELB_INLINE void edgelb_write_ip4(struct iphdr *ip, __u16 tot_len, __u8 tos, __u8 proto,
				    __be32 saddr, __be32 daddr, int df, __be16 id)
{
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = tos;
	ip->tot_len = edgelb_htons(tot_len);
	ip->id = id;
	ip->frag_off = df ? edgelb_htons(EDGELB_IP_DF) : 0;
	ip->ttl = EDGELB_OUTER_TTL;
	ip->protocol = proto;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = 0;
	ip->check = edgelb_csum_fold(edgelb_csum_ip4_header(ip));
}

EDGELB_INLINE void edgelb_write_ip6(struct ipv6hdr *ip6, __u16 payload_len, __u8 tc, __u32 flow,
				    __u8 next, const union edgelb_addr *saddr,
				    const union edgelb_addr *daddr)
{
	ip6->version = 6;
	ip6->priority = tc >> 4;
	ip6->flow_lbl[0] = (__u8)(((tc & 0xf) << 4) | ((flow >> 16) & 0xf));
	ip6->flow_lbl[1] = (__u8)(flow >> 8);
	ip6->flow_lbl[2] = (__u8)flow;
	ip6->payload_len = edgelb_htons(payload_len);
	ip6->nexthdr = next;
	ip6->hop_limit = EDGELB_OUTER_TTL;
	__builtin_memcpy(&ip6->saddr, saddr, 16);
	__builtin_memcpy(&ip6->daddr, daddr, 16);
}

/*
 * Where a frame for be goes on the wire: the backend's own MAC for DSR,
 * else the backend's resolved next hop or the node's gateway. NULL when
 * none is known (yet): sending to 00:00:00:00:00:00 helps nobody.
 */
EDGELB_INLINE const __u8 *edgelb_next_hop_mac(const struct edgelb_vip_meta *vip,
					      const struct edgelb_backend *be,
					      const struct edgelb_node_config *cfg)
{
	if (!edgelb_mac_is_zero(be->mac))
		return be->mac;
	if (vip->encap == EDGELB_ENCAP_DSR || edgelb_mac_is_zero(cfg->gw_mac))
		return 0;
	return cfg->gw_mac;
}

/* Only the MAC addresses change; the frame goes back out as is. */
EDGELB_INLINE int edgelb_encap_dsr(EDGELB_CTX *ctx, const __u8 *dst_mac,
				   const struct edgelb_node_config *cfg)
{
	struct ethhdr *eth = edgelb_t_data(ctx);

	if ((void *)(eth + 1) > edgelb_t_data_end(ctx))
		return -1;
	edgelb_mac_copy(eth->h_source, cfg->if_mac);
	edgelb_mac_copy(eth->h_dest, dst_mac);
	return 0;
}

/* Partial sum of an IPv4 (4 words) or IPv6 (16 words) address pair. */
EDGELB_INLINE __u32 edgelb_csum_addr_pair(const union edgelb_addr *a, const union edgelb_addr *b,
					  int v6)
{
	const __u16 *x = (const __u16 *)a, *y = (const __u16 *)b;
	__u32 sum = (__u32)x[0] + x[1] + y[0] + y[1];

	if (v6)
		for (int i = 2; i < 8; i++)
			sum += (__u32)x[i] + y[i];
	return sum;
}

/*
 * Sum of the inner IP packet of length pkt->ip_len at ip, frame offset
 * ip_off (headers from ip to l4), for the outer UDP checksum: see the
 * comment at the top. Returns 0 with *sum updated, or -1 when it cannot
 * be computed (bytes past what the packet path reads).
 */
EDGELB_INLINE int edgelb_csum_inner(EDGELB_CTX *ctx, const struct edgelb_pkt *pkt, const __u8 *ip,
				    const __u8 *l4, const void *data_end, __u32 ip_off,
				    __u32 *sum)
{
	int v6 = pkt->key.family == EDGELB_AF_INET6;
	__u32 hdr_len = (__u32)(pkt->l4_off - pkt->l3_off);
	__u32 l4_len = (__u32)pkt->ip_len - hdr_len;
	__u8 proto = pkt->key.proto;
	__u32 ph;

	if (pkt->flags & EDGELB_PKT_F_ICMP_ERR)
		proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	/*
	 * Fragments carry part of a segment; IPv6 extension headers may hold a
	 * routing header, whose last address (not the IPv6 destination) is in
	 * the segment's pseudo-header: sum those packets whole.
	 */
	if ((pkt->flags & EDGELB_PKT_F_FRAGMENT) || hdr_len != (v6 ? 40u : hdr_len) ||
	    hdr_len > 2 * EDGELB_CSUM_MAX_WORDS)
		return edgelb_t_csum_frame(ctx, ip_off, pkt->ip_len, sum);
	if (proto == IPPROTO_UDP) {
		const struct udphdr *uh = (const struct udphdr *)l4;

		if ((const void *)(uh + 1) > data_end)
			return -1;
		/* no checksum to lean on, or one over another length than ours */
		if (!uh->check || edgelb_ntohs(uh->len) != l4_len)
			return edgelb_t_csum_frame(ctx, ip_off, pkt->ip_len, sum);
	}
	*sum = edgelb_csum_words(ip, data_end, hdr_len, *sum);
	if (proto == IPPROTO_ICMP)
		return 0;
	/* inner pseudo-header; the segment itself sums to its complement */
	if (v6) {
		const struct ipv6hdr *ip6 = (const struct ipv6hdr *)ip;

		if ((const void *)(ip6 + 1) > data_end)
			return -1;
		ph = edgelb_csum_addr_pair((const union edgelb_addr *)&ip6->saddr,
					   (const union edgelb_addr *)&ip6->daddr, 1);
	} else {
		const struct iphdr *ip4 = (const struct iphdr *)ip;

		if ((const void *)(ip4 + 1) > data_end)
			return -1;
		ph = edgelb_csum_addr_pair((const union edgelb_addr *)&ip4->saddr,
					   (const union edgelb_addr *)&ip4->daddr, 0);
	}
	ph += edgelb_htons((__u16)l4_len) + edgelb_htons(proto);
	*sum += edgelb_csum_fold(ph);
	return 0;
}

/*
 * IPIP or GUE towards be, to the next hop dst_mac. The caller checked the
 * MTU and that the encapsulation can carry the packet's family, and cut
 * the frame to the IP packet. Returns 0; -1 with the frame unusable (drop
 * it as drop_encap_failed); -2 when the GUE checksum needs bytes past the
 * first buffer (drop_multi_buffer).
 */
EDGELB_INLINE int edgelb_encap_tunnel(EDGELB_CTX *ctx, const struct edgelb_pkt *pkt,
				      const struct edgelb_vip_meta *vip,
				      const struct edgelb_backend *be, const __u8 *dst_mac,
				      const struct edgelb_node_config *cfg, __u32 hash)
{
	int gue = vip->encap == EDGELB_ENCAP_GUE;
	__u16 overhead = edgelb_encap_overhead(vip->encap, be->family);
	__u8 inner_proto = pkt->key.family == EDGELB_AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	void *data, *data_end;
	__u8 *l3;
	__u16 l2;

	/* dst_mac points into a table, not the frame: growing it leaves it valid */
	if (edgelb_t_adjust_head(ctx, -(int)overhead))
		return -1;
	data = edgelb_t_data(ctx);
	data_end = edgelb_t_data_end(ctx);

	l2 = edgelb_write_l2(data, data_end, pkt, dst_mac, cfg->if_mac,
			     be->family == EDGELB_AF_INET6 ? edgelb_htons(ETH_P_IPV6)
							   : edgelb_htons(ETH_P_IP));
	if (!l2)
		return -1;
	l3 = (__u8 *)data + l2;

	if (be->family == EDGELB_AF_INET6) {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)l3;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		edgelb_write_ip6(ip6, (__u16)(pkt->ip_len + overhead - sizeof(*ip6)), pkt->tos,
				 hash & 0xfffff, gue ? IPPROTO_UDP : inner_proto, &cfg->src_v6,
				 &be->addr);
		l3 = (__u8 *)(ip6 + 1);
	} else {
		struct iphdr *ip = (struct iphdr *)l3;
		__be16 id = 0;

		if ((void *)(ip + 1) > data_end)
			return -1;
		if (!(pkt->flags & EDGELB_PKT_F_DF)) {
			struct edgelb_cpu_state *cs = edgelb_t_cpu_state(ctx);
			__u16 n = cs ? (__u16)cs->ip_id++ : 0;

			id = edgelb_htons((__u16)(n + (hash ^ (hash >> 16))));
		}
		edgelb_write_ip4(ip, (__u16)(pkt->ip_len + overhead), pkt->tos,
				 gue ? IPPROTO_UDP : inner_proto, cfg->src_v4.v4, be->addr.v4,
				 pkt->flags & EDGELB_PKT_F_DF, id);
		l3 = (__u8 *)(ip + 1);
	}

	if (gue) {
		struct udphdr *uh = (struct udphdr *)l3;
		__u16 udp_len = (__u16)(pkt->ip_len + sizeof(*uh));

		if ((void *)(uh + 1) > data_end)
			return -1;
		uh->source = edgelb_htons((__u16)(EDGELB_GUE_SPORT_BASE | (hash & 0x7fff)));
		uh->dest = vip->gue_dport;
		uh->len = edgelb_htons(udp_len);
		uh->check = 0;
		if (be->family == EDGELB_AF_INET6 && !(vip->flags & EDGELB_VIP_F_GUE_ZERO_CSUM6)) {
			__u8 *inner = (__u8 *)(uh + 1);
			__u32 sum;
			__u16 c;

			sum = edgelb_csum_addr_pair(&cfg->src_v6, &be->addr, 1);
			sum += edgelb_htons(udp_len) + edgelb_htons(IPPROTO_UDP);
			sum += (__u32)uh->source + uh->dest + uh->len;
			if (edgelb_csum_inner(ctx, pkt, inner, inner + (pkt->l4_off - pkt->l3_off),
					      data_end, (__u32)pkt->l3_off + overhead, &sum))
				return -2;
			c = edgelb_csum_fold(sum);
			uh->check = c ? c : 0xffff; /* 0 would mean "none" */
		}
	}
	return 0;
}

#endif /* EDGELB_ENCAP_H */
