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
 * interface they came in on) and get as source MAC node_config.if_mac, or
 * when that is zero the MAC the client frame was sent to (ours on the
 * interface it arrived on: right with several interfaces and with a VRRP
 * virtual MAC), and as destination the backend's MAC (on-link backend) or
 * the gateway's.
 *
 *   outer IPv4 (20 bytes)             outer IPv6 (40 bytes)
 *   +-------+-------+---------------+ +----+--------+-------------------+
 *   |4 | 5  | tos   | total length  | | 6  | tc     | flow label = hash |
 *   | id = 0        |DF?| offset 0  | | payload length | next   | hop 64 |
 *   | ttl 64| 4/41/17 | checksum    | | source: node_config.src_v6 (16)  |
 *   | source: node_config.src_v4    | | destination: backend (16)        |
 *   | destination: backend          | +----------------------------------+
 *   +-------------------------------+
 *   GUE adds UDP: source port from the flow hash (so routers' ECMP and
 *   backends' RSS spread flows), destination port vip.gue_dport, length,
 *   checksum 0 (IPv4; IPv6 per RFC 6935/6936 for tunnels).
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

EDGELB_INLINE int edgelb_mac_is_zero(const __u8 *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
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
	__builtin_memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src_mac, ETH_ALEN);
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
				    __be32 saddr, __be32 daddr, int df)
{
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = tos;
	ip->tot_len = edgelb_htons(tot_len);
	ip->id = 0;
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

/* Only the MAC addresses change; the frame goes back out as is. */
EDGELB_INLINE int edgelb_encap_dsr(EDGELB_CTX *ctx, const struct edgelb_backend *be,
				   const struct edgelb_node_config *cfg)
{
	struct ethhdr *eth = edgelb_t_data(ctx);

	if ((void *)(eth + 1) > edgelb_t_data_end(ctx))
		return -1;
	if (!edgelb_mac_is_zero(cfg->if_mac))
		__builtin_memcpy(eth->h_source, cfg->if_mac, ETH_ALEN);
	else
		__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
	return 0;
}

/*
 * IPIP or GUE towards be. The caller checked the MTU and that the
 * encapsulation can carry the packet's family. Returns 0, or -1 with the
 * frame unusable (drop it).
 */
EDGELB_INLINE int edgelb_encap_tunnel(EDGELB_CTX *ctx, const struct edgelb_pkt *pkt,
				      const struct edgelb_vip_meta *vip,
				      const struct edgelb_backend *be,
				      const struct edgelb_node_config *cfg, __u32 hash)
{
	int gue = vip->encap == EDGELB_ENCAP_GUE;
	__u16 overhead = edgelb_encap_overhead(vip->encap, be->family);
	__u8 inner_proto = pkt->key.family == EDGELB_AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	const __u8 *dst_mac = edgelb_mac_is_zero(be->mac) ? cfg->gw_mac : be->mac;
	__u8 src_mac[ETH_ALEN];
	void *data, *data_end;
	__u8 *l3;
	__u16 l2;

	data = edgelb_t_data(ctx);
	if ((__u8 *)data + ETH_ALEN > (__u8 *)edgelb_t_data_end(ctx))
		return -1;
	__builtin_memcpy(src_mac, edgelb_mac_is_zero(cfg->if_mac) ? data : cfg->if_mac, ETH_ALEN);
	if (edgelb_t_adjust_head(ctx, -(int)overhead))
		return -1;
	data = edgelb_t_data(ctx);
	data_end = edgelb_t_data_end(ctx);

	l2 = edgelb_write_l2(data, data_end, pkt, dst_mac, src_mac,
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

		if ((void *)(ip + 1) > data_end)
			return -1;
		edgelb_write_ip4(ip, (__u16)(pkt->ip_len + overhead), pkt->tos,
				 gue ? IPPROTO_UDP : inner_proto, cfg->src_v4.v4, be->addr.v4,
				 pkt->flags & EDGELB_PKT_F_DF);
		l3 = (__u8 *)(ip + 1);
	}

	if (gue) {
		struct udphdr *uh = (struct udphdr *)l3;

		if ((void *)(uh + 1) > data_end)
			return -1;
		uh->source = edgelb_htons((__u16)(EDGELB_GUE_SPORT_BASE | (hash & 0x7fff)));
		uh->dest = vip->gue_dport;
		uh->len = edgelb_htons((__u16)(pkt->ip_len + sizeof(*uh)));
		uh->check = 0;
	}
	return 0;
}

#endif /* EDGELB_ENCAP_H */
