// SPDX-License-Identifier: GPL-2.0-only
/*
 * Health checks through the tunnel (tc egress, clsact, on the data-plane
 * interface). A check connected to VIP:port with the mark of backend N
 * leaves this host as a client packet for the VIP would leave the
 * balancer: wrapped for backend N with the service's encapsulation. A
 * backend whose decapsulation or VIP on lo is broken then fails its check,
 * while a check to its own address would still pass. Map ABI and the mark
 * layout: dataplane/core/hc_abi.h; loader: controlplane/health/tunnel.c.
 *
 * Why tc and not XDP: the check packets are the host's own, so they are
 * seen only on the way out, and bpf_skb_adjust_room() tells the kernel
 * where the inner headers now are (checksum offload and GSO of the inner
 * TCP segment keep working: csum_start still points at the inner TCP
 * header, the outer headers need none but the IPv4 header's, written
 * here).
 *
 * How the packet gets here: the policy rule sends marked packets to a
 * routing table whose route to the VIP leaves by this interface through a
 * placeholder next hop (tunnel.c explains why). So the Ethernet header the
 * kernel wrote has our source MAC (right) and a meaningless destination,
 * which is always rewritten: with the target's MAC, the same next hop the
 * balancer uses for that backend, or, when the control plane has none,
 * by bpf_redirect_neigh() after a FIB lookup of the outer destination.
 *
 *   in:  | Ethernet (dst: placeholder) | IPv4/IPv6 to VIP | TCP ...
 *   out: | Ethernet (dst: next hop) | outer IP to backend [| UDP |]
 *        | IPv4/IPv6 to VIP | TCP ...
 *
 * The interface has no VLAN tag in the frame here (a VLAN device's tc sees
 * untagged frames; hardware tagging keeps the tag out of the data).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "abi.h"
#include "compiler.h"
#include "hc_abi.h"
#include "hash.h"

/*
 * encap.h is written against the XDP-shaped target interface
 * (dataplane/core/target.h); only its header writers are used here, but
 * its frame helpers refer to these three.
 */
#define EDGELB_CTX struct __sk_buff

EDGELB_INLINE void *edgelb_t_data(struct __sk_buff *skb)
{
	return (void *)(long)skb->data;
}

EDGELB_INLINE void *edgelb_t_data_end(struct __sk_buff *skb)
{
	return (void *)(long)skb->data_end;
}

/* Growing in front would hide the inner headers from the kernel: unused. */
EDGELB_INLINE int edgelb_t_adjust_head(struct __sk_buff *skb, int delta)
{
	return -1;
}

/* Only edgelb_encap_tunnel() (not used here) sums the payload. */
EDGELB_INLINE int edgelb_t_csum_frame(struct __sk_buff *skb, __u32 off, __u32 len, __u32 *sum)
{
	return -1;
}

/* No per-CPU scratch: checks are DF (TCP and HTTP), their outer id is 0. */
EDGELB_INLINE struct edgelb_cpu_state *edgelb_t_cpu_state(struct __sk_buff *skb)
{
	return 0;
}

#include "encap.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EDGELB_HC_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct edgelb_hc_target);
} hc_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EDGELB_HC_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} hc_stats SEC(".maps");

/* Set by the loader before load; these defaults match no mark at all. */
const volatile __u32 hc_mark_base = 0xffffffff;
const volatile __u32 hc_mark_mask = 0;

/* What the outer headers need to know about the inner packet. */
struct inner {
	union edgelb_addr src, dst;
	__u16 ip_len; /* whole inner IP packet */
	__u8 family;  /* EDGELB_AF_INET or EDGELB_AF_INET6 */
	__u8 tos;     /* IPv4 TOS / IPv6 traffic class, copied outside */
	__u8 proto;   /* TCP, UDP, or anything (then no ports) */
	__u8 df;      /* IPv4 DF, always for IPv6 */
	__be16 sport, dport;
};

/* The largest outer header: IPv6 and UDP. */
struct outer {
	union {
		struct iphdr ip4;
		struct ipv6hdr ip6;
	};
	struct udphdr udp_after_ip6;
};

_Static_assert(sizeof(struct outer) == 48, "outer header buffer");

EDGELB_INLINE int count(__u32 counter)
{
	__u64 *c = bpf_map_lookup_elem(&hc_stats, &counter);

	if (c)
		*c += 1;
	return 0;
}

EDGELB_INLINE int drop(__u32 counter)
{
	count(counter);
	return TC_ACT_SHOT;
}

/*
 * Reads the inner IP header at ETH_HLEN through bpf_skb_load_bytes(), which
 * works whatever part of the skb is linear. Returns 0, or -1 if it is not
 * a whole IPv4/IPv6 header.
 */
EDGELB_INLINE int inner_read(struct __sk_buff *skb, struct inner *in)
{
	__u32 l4 = ETH_HLEN;

	__builtin_memset(in, 0, sizeof(*in));
	if (skb->protocol == edgelb_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.version != 4 ||
		    ip.ihl < 5)
			return -1;
		in->family = EDGELB_AF_INET;
		in->src.v4 = ip.saddr;
		in->dst.v4 = ip.daddr;
		in->ip_len = edgelb_ntohs(ip.tot_len);
		in->tos = ip.tos;
		in->proto = ip.protocol;
		in->df = !!(ip.frag_off & edgelb_htons(EDGELB_IP_DF));
		l4 += (__u32)ip.ihl * 4;
		if (ip.frag_off & edgelb_htons(EDGELB_IP_MF | EDGELB_IP_OFFSET))
			return 0; /* a fragment: hashed on addresses only */
	} else if (skb->protocol == edgelb_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) || ip6.version != 6)
			return -1;
		in->family = EDGELB_AF_INET6;
		__builtin_memcpy(&in->src, &ip6.saddr, 16);
		__builtin_memcpy(&in->dst, &ip6.daddr, 16);
		in->ip_len = (__u16)(sizeof(ip6) + edgelb_ntohs(ip6.payload_len));
		in->tos = (__u8)((ip6.priority << 4) | (ip6.flow_lbl[0] >> 4));
		in->proto = ip6.nexthdr; /* checks carry no extension headers */
		in->df = 1;
		l4 += sizeof(ip6);
	} else {
		return -1;
	}
	if (in->proto == IPPROTO_TCP || in->proto == IPPROTO_UDP) {
		__be16 ports[2];

		if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)))
			return -1;
		in->sport = ports[0];
		in->dport = ports[1];
	}
	return 0;
}

/* DSR: the frame goes as it is, to the backend's MAC. */
EDGELB_INLINE int send_dsr(struct __sk_buff *skb, const struct edgelb_hc_target *t)
{
	struct bpf_redir_neigh nh = {};

	if (!edgelb_mac_is_zero(t->mac)) {
		if (bpf_skb_store_bytes(skb, 0, t->mac, ETH_ALEN, 0))
			return drop(EDGELB_HC_CNT_DROP_ADJUST);
		count(EDGELB_HC_CNT_DSR);
		return TC_ACT_OK;
	}
	/* the route to the VIP is no use here: resolve the backend itself */
	if (t->family == EDGELB_AF_INET6) {
		nh.nh_family = 10; /* AF_INET6 */
		__builtin_memcpy(nh.ipv6_nh, &t->backend, 16);
	} else {
		nh.nh_family = 2; /* AF_INET */
		nh.ipv4_nh = t->backend.v4;
	}
	skb->mark = 0;
	count(EDGELB_HC_CNT_DSR);
	return bpf_redirect_neigh(skb->ifindex, &nh, sizeof(nh), 0);
}

SEC("tc")
int edgelb_hc_encap(struct __sk_buff *skb)
{
	const struct edgelb_hc_target *t;
	struct outer hdr = {};
	struct inner in;
	__u64 flags;
	__u32 id, hash;
	__u16 overhead;
	__u8 next;
	int gue;

	if ((skb->mark & hc_mark_mask) != hc_mark_base) {
		count(EDGELB_HC_CNT_PASSED);
		return TC_ACT_UNSPEC; /* not ours: other filters may decide */
	}
	id = skb->mark & ~hc_mark_mask;
	t = bpf_map_lookup_elem(&hc_targets, &id);
	if (!t)
		return drop(EDGELB_HC_CNT_DROP_NO_TARGET);
	if (inner_read(skb, &in))
		return drop(EDGELB_HC_CNT_DROP_MALFORMED);
	/* as the balancer: only GUE carries one family inside the other */
	if (t->encap != EDGELB_ENCAP_GUE && t->family != in.family)
		return drop(EDGELB_HC_CNT_DROP_FAMILY);
	if (t->encap == EDGELB_ENCAP_DSR)
		return send_dsr(skb, t);

	gue = t->encap == EDGELB_ENCAP_GUE;
	overhead = edgelb_encap_overhead(t->encap, t->family);
	hash = edgelb_flow_hash(&in.src, &in.dst, in.sport, in.dport, in.proto, in.family);
	next = in.family == EDGELB_AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	if (gue)
		next = IPPROTO_UDP;

	if (t->family == EDGELB_AF_INET6) {
		struct udphdr *udp = &hdr.udp_after_ip6;

		flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV6;
		edgelb_write_ip6(&hdr.ip6, (__u16)(in.ip_len + overhead - sizeof(hdr.ip6)), in.tos,
				 hash & 0xfffff, next, &t->src, &t->backend);
		if (gue) {
			udp->source = edgelb_htons(
				(__u16)(EDGELB_GUE_SPORT_BASE | (hash & 0x7fff)));
			udp->dest = t->gue_dport;
			udp->len = edgelb_htons((__u16)(in.ip_len + sizeof(*udp)));
			udp->check = 0; /* RFC 6935; the decapsulator ignores it */
		}
	} else {
		/* the UDP header sits right after the 20-byte IPv4 header */
		struct udphdr *udp = (struct udphdr *)(&hdr.ip4 + 1);

		flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4;
		edgelb_write_ip4(&hdr.ip4, (__u16)(in.ip_len + overhead), in.tos, next,
				 t->src.v4, t->backend.v4, in.df, 0);
		if (gue) {
			udp->source = edgelb_htons(
				(__u16)(EDGELB_GUE_SPORT_BASE | (hash & 0x7fff)));
			udp->dest = t->gue_dport;
			udp->len = edgelb_htons((__u16)(in.ip_len + sizeof(*udp)));
			udp->check = 0;
		}
	}
	if (gue)
		flags |= BPF_F_ADJ_ROOM_ENCAP_L4_UDP;

	if (bpf_skb_adjust_room(skb, overhead, BPF_ADJ_ROOM_MAC, flags))
		return drop(EDGELB_HC_CNT_DROP_ADJUST);
	/* overhead is one of 20, 28, 40, 48: within hdr */
	if (overhead > sizeof(hdr) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &hdr, overhead, 0))
		return drop(EDGELB_HC_CNT_DROP_ADJUST);
	if (t->family != in.family) {
		__be16 proto = edgelb_htons(t->family == EDGELB_AF_INET6 ? ETH_P_IPV6 : ETH_P_IP);

		if (bpf_skb_store_bytes(skb, 2 * ETH_ALEN, &proto, sizeof(proto), 0))
			return drop(EDGELB_HC_CNT_DROP_ADJUST);
	}

	if (!edgelb_mac_is_zero(t->mac)) {
		if (bpf_skb_store_bytes(skb, 0, t->mac, ETH_ALEN, 0))
			return drop(EDGELB_HC_CNT_DROP_ADJUST);
		count(EDGELB_HC_CNT_ENCAP);
		return TC_ACT_OK;
	}
	/*
	 * No MAC from the control plane: the kernel finds the next hop of the
	 * outer destination. The frame comes by this program once more on its
	 * way out, unmarked now, and passes (counted as "passed" too).
	 */
	skb->mark = 0;
	count(EDGELB_HC_CNT_ENCAP_NEIGH);
	return bpf_redirect_neigh(skb->ifindex, NULL, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
