// SPDX-License-Identifier: GPL-2.0-only
/*
 * Backend-side decapsulator (XDP). The balancer sends each client packet
 * to a backend inside a tunnel; this program strips the tunnel so the
 * inner packet, addressed to the VIP that the backend holds on `lo`,
 * reaches the local stack, and the reply goes straight to the client
 * (direct server return). It replaces the ipip/ip6tnl/fou modules, which
 * the lab machines (and some backends) do not have.
 *
 * Accepted, when the OUTER destination is in decap_addrs:
 *
 *   outer IPv4 (options allowed) protocol 4  -> inner IPv4   (IPIP)
 *   outer IPv4 (options allowed) protocol 41 -> inner IPv6
 *   outer IPv6 next header 41                -> inner IPv6
 *   outer IPv6 next header 4                 -> inner IPv4
 *   outer IPv4/IPv6 + UDP to gue_port        -> inner IPv4 or IPv6 (GUE v1)
 *
 * behind an Ethernet header with 0, 1 or 2 VLAN tags (0x8100 / 0x88a8).
 * The outer IPv6 extension headers are NOT walked: the tunnel protocol
 * must be the fixed header's next header. The balancer never adds any,
 * and walking them costs verifier complexity for no traffic; such a
 * packet passes to the stack untouched (which drops it, having no tunnel
 * module), counted as "passed".
 *
 *   +----------+-----------+------------------------+--------------------+
 *   | Ethernet | 0-2 VLAN  | outer IPv4 (20-60)     | inner IPv4 or IPv6 |
 *   | 14 bytes | tags, 4 B | or IPv6 (40) [+ UDP 8] | header and payload |
 *   +----------+-----------+------------------------+--------------------+
 *                           \______ stripped _______/
 *
 * After the strip the Ethernet header and its tags are moved forward onto
 * the inner packet and the innermost ethertype names the inner family:
 *
 *   +----------+-----------+--------------------+
 *   | Ethernet | 0-2 VLAN  | inner IPv4 or IPv6 |
 *   +----------+-----------+--------------------+
 *
 * GUE variant 1 (draft-ietf-intarea-gue, "direct IP encapsulation") has
 * no GUE header: the UDP payload is the inner IP packet, whose first two
 * bits (01) double as the GUE variant. Variant 0 (a GUE header) is not
 * used by edgelb and is dropped as malformed.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  outer IPv4 (protocol 17) or IPv6 (next header 17) header     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  source port (flow entropy)   |  destination port = gue_port |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  length (= outer payload)     |  checksum (0 accepted)        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |0 1 0 0| inner IPv4 ...  or  |0 1 1 0| inner IPv6 ...          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The UDP checksum is not verified, zero or not: the balancer sends zero
 * (allowed for tunnels over IPv6 by RFC 6935), and the inner packet keeps
 * its own IPv4 header and TCP/UDP checksums, which the stack verifies
 * after XDP_PASS. The outer IPv4 header checksum is verified, as ip_rcv()
 * would. Outer IPv4 fragments cannot be decapsulated without reassembly:
 * they are dropped and counted (the balancer sets DF). Congestion marks
 * (ECN CE) on the outer header are carried to the inner one (RFC 6040).
 *
 * Every packet increments exactly one counter of decap_stats (see
 * dataplane/core/decap_abi.h).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

#include "abi.h"
#include "compiler.h"
#include "decap_abi.h"

/* Not in the UAPI headers (linux/if_vlan.h and net/ip.h are kernel-only). */
#define ETH_P_8021Q_BE edgelb_htons(0x8100)
#define ETH_P_8021AD_BE edgelb_htons(0x88a8)
#define IPV4_MF 0x2000
#define IPV4_OFFSET 0x1fff

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto; /* ethertype of what follows the tag */
};

/* The largest L2 header handled: Ethernet and two VLAN tags. */
struct l2hdr {
	struct ethhdr eth;
	struct vlan_hdr vlan[2];
};

_Static_assert(sizeof(struct l2hdr) == 22, "l2hdr has no padding");

/* Outer destination addresses accepted; filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EDGELB_DECAP_MAX_ADDRS);
	__type(key, struct edgelb_decap_key);
	__type(value, __u32);
} decap_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EDGELB_DECAP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} decap_stats SEC(".maps");

/* GUE destination port, network byte order; 0 = GUE off. Set before load. */
const volatile __be16 gue_port = 0;

/* What to do with a tunnel packet once its outer headers check out. */
struct decap_plan {
	__u32 strip;	    /* bytes from the outer L3 start to the inner one */
	__be16 inner_proto; /* ethertype of the inner packet */
	__u8 outer_ecn;	    /* ECN field of the outer header */
};

#define ECN_MASK 0x03
#define ECN_NOT_ECT 0x00
#define ECN_CE 0x03

EDGELB_INLINE void count(__u32 counter)
{
	__u64 *c = bpf_map_lookup_elem(&decap_stats, &counter);

	if (c)
		*c += 1;
}

EDGELB_INLINE int is_ours(const struct edgelb_decap_key *key)
{
	return bpf_map_lookup_elem(&decap_addrs, key) != NULL;
}

/*
 * The one's complement sum of the outer IPv4 header must be 0xffff.
 * @hlen is IHL * 4 (20..60). The fixed 20 bytes are in range already; the
 * option words are read at constant offsets (unrolled) because the
 * verifier cannot follow a pointer that walks with the loop counter.
 */
EDGELB_INLINE int ipv4_csum_ok(const struct iphdr *iph, __u32 hlen,
			       const void *data_end)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += w[i];
#pragma unroll
	for (i = 0; i < 10; i++) {
		const __u16 *opt = (const __u16 *)(iph + 1) + 2 * i;

		if (hlen <= sizeof(*iph) + 4 * i)
			break;
		if ((const void *)(opt + 2) > data_end)
			return 0;
		sum += opt[0];
		sum += opt[1];
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * Checks the inner packet at @inner: @len bytes of outer payload hold it,
 * @family (4 or 6) is what the outer header announced. The packet must be
 * a whole IP header of that version whose length field fits in @len; the
 * stack trims anything after it. Returns 0 if so, -1 if malformed.
 */
EDGELB_INLINE int inner_ok(void *inner, __u32 len, int family,
			   const void *data_end)
{
	if (family == 4) {
		struct iphdr *in4 = inner;
		__u32 tot;

		if (len < sizeof(*in4) || (void *)(in4 + 1) > data_end)
			return -1;
		if (in4->version != 4 || in4->ihl < 5)
			return -1;
		tot = edgelb_ntohs(in4->tot_len);
		if (tot < (__u32)in4->ihl * 4 || tot > len)
			return -1;
		return 0;
	}

	struct ipv6hdr *in6 = inner;

	if (len < sizeof(*in6) || (void *)(in6 + 1) > data_end)
		return -1;
	if (in6->version != 6)
		return -1;
	if (edgelb_ntohs(in6->payload_len) > len - sizeof(*in6))
		return -1;
	return 0;
}

/*
 * The GUE part common to both outer families: @udp follows the outer
 * header, @len is the outer payload length (UDP header included). Fills
 * @plan (strip relative to @udp) and returns the counter to bump.
 */
EDGELB_INLINE int gue_classify(struct udphdr *udp, __u32 len,
			       const void *data_end, struct decap_plan *plan)
{
	__u8 *first = (__u8 *)(udp + 1);
	int family;

	if ((void *)(udp + 1) > data_end || len < sizeof(*udp) ||
	    edgelb_ntohs(udp->len) != len)
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	len -= sizeof(*udp);
	if (len < 1 || (void *)(first + 1) > data_end)
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	family = *first >> 4; /* variant 1: the inner IP version */
	if (family != 4 && family != 6)
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	if (inner_ok(first, len, family, data_end))
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	plan->strip = sizeof(*udp);
	plan->inner_proto = edgelb_htons(family == 4 ? ETH_P_IP : ETH_P_IPV6);
	return EDGELB_DECAP_CNT_GUE;
}

/* Outer IPv4 at @l3. Returns the counter to bump; fills @plan to strip. */
EDGELB_INLINE int classify_ipv4(struct iphdr *iph, const void *data_end,
				struct decap_plan *plan)
{
	struct edgelb_decap_key key = {};
	struct udphdr *udp = NULL;
	__u32 hlen, tot, frag;
	int ret, family;

	if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
		return EDGELB_DECAP_CNT_PASSED; /* the stack drops it */
	hlen = (__u32)iph->ihl * 4;
	frag = edgelb_ntohs(iph->frag_off);

	switch (iph->protocol) {
	case IPPROTO_IPIP:
		family = 4;
		break;
	case IPPROTO_IPV6:
		family = 6;
		break;
	case IPPROTO_UDP:
		/*
		 * Only a first fragment has ports; any other UDP (wrong
		 * port, GUE off, header cut short) is plain traffic.
		 */
		if (!gue_port || (frag & IPV4_OFFSET))
			return EDGELB_DECAP_CNT_PASSED;
		udp = (void *)iph + hlen;
		if ((void *)(udp + 1) > data_end || udp->dest != gue_port)
			return EDGELB_DECAP_CNT_PASSED;
		family = 0; /* told by the inner version nibble */
		break;
	default:
		return EDGELB_DECAP_CNT_PASSED;
	}

	key.family = EDGELB_AF_INET;
	key.addr.v4 = iph->daddr;
	if (!is_ours(&key))
		return EDGELB_DECAP_CNT_PASSED_NOT_OURS;

	/* Ours from here: every defect is a drop with a reason. */
	if ((void *)iph + hlen > data_end)
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	if (!ipv4_csum_ok(iph, hlen, data_end))
		return EDGELB_DECAP_CNT_DROP_BAD_CSUM;
	if (frag & (IPV4_MF | IPV4_OFFSET))
		return EDGELB_DECAP_CNT_DROP_FRAGMENT;
	tot = edgelb_ntohs(iph->tot_len);
	if (tot < hlen || (void *)iph + tot > data_end)
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	plan->outer_ecn = iph->tos & ECN_MASK;

	if (udp) {
		ret = gue_classify(udp, tot - hlen, data_end, plan);
		plan->strip += hlen;
		return ret;
	}
	if (inner_ok((void *)iph + hlen, tot - hlen, family, data_end))
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	plan->strip = hlen;
	if (family == 4) {
		plan->inner_proto = edgelb_htons(ETH_P_IP);
		return EDGELB_DECAP_CNT_IPIP;
	}
	plan->inner_proto = edgelb_htons(ETH_P_IPV6);
	return EDGELB_DECAP_CNT_IP6IP4;
}

/* Outer IPv6 at @ip6 (no extension headers walked, see the top). */
EDGELB_INLINE int classify_ipv6(struct ipv6hdr *ip6, const void *data_end,
				struct decap_plan *plan)
{
	struct edgelb_decap_key key = {};
	struct udphdr *udp = NULL;
	__u32 plen;
	int ret, family;

	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return EDGELB_DECAP_CNT_PASSED;

	switch (ip6->nexthdr) {
	case IPPROTO_IPIP:
		family = 4;
		break;
	case IPPROTO_IPV6:
		family = 6;
		break;
	case IPPROTO_UDP:
		if (!gue_port)
			return EDGELB_DECAP_CNT_PASSED;
		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end || udp->dest != gue_port)
			return EDGELB_DECAP_CNT_PASSED;
		family = 0;
		break;
	default:
		return EDGELB_DECAP_CNT_PASSED;
	}

	key.family = EDGELB_AF_INET6;
	__builtin_memcpy(&key.addr, &ip6->daddr, sizeof(key.addr));
	if (!is_ours(&key))
		return EDGELB_DECAP_CNT_PASSED_NOT_OURS;

	plen = edgelb_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + plen > data_end)
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	/* traffic class = priority:4 | flow_lbl[0] >> 4; ECN its low bits */
	plan->outer_ecn = (ip6->flow_lbl[0] >> 4) & ECN_MASK;

	if (udp) {
		ret = gue_classify(udp, plen, data_end, plan);
		plan->strip += sizeof(*ip6);
		return ret;
	}
	if (inner_ok(ip6 + 1, plen, family, data_end))
		return EDGELB_DECAP_CNT_DROP_MALFORMED;
	plan->strip = sizeof(*ip6);
	if (family == 6) {
		plan->inner_proto = edgelb_htons(ETH_P_IPV6);
		return EDGELB_DECAP_CNT_IP6IP6;
	}
	plan->inner_proto = edgelb_htons(ETH_P_IP);
	return EDGELB_DECAP_CNT_IP4IP6;
}

/*
 * RFC 6040 decapsulation, as the kernel's tunnels do it: the balancer
 * copies the client's ECN field to the outer header, so a router on the
 * way may have marked congestion (CE) there only. Outer CE over an
 * ECN-capable inner packet becomes inner CE; over a Not-ECT inner packet
 * the mark cannot be passed on and the packet is dropped. Any other
 * combination leaves the inner packet as it is.
 * @inner was validated by the classifier. Returns 0, or -1 to drop.
 */
EDGELB_INLINE int ecn_decap(void *inner, const void *data_end,
			    const struct decap_plan *plan)
{
	if (plan->outer_ecn != ECN_CE)
		return 0;
	if (plan->inner_proto == edgelb_htons(ETH_P_IP)) {
		struct iphdr *in4 = inner;
		__u16 old, new;
		__u32 sum;

		if ((void *)(in4 + 1) > data_end)
			return -1;
		if ((in4->tos & ECN_MASK) == ECN_NOT_ECT)
			return -1;
		/* RFC 1624 update of the word holding version/IHL/TOS */
		old = *(__u16 *)in4;
		in4->tos |= ECN_CE;
		new = *(__u16 *)in4;
		sum = (__u16)~in4->check + (__u16)~old + new;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		in4->check = (__sum16)~sum;
		return 0;
	}

	struct ipv6hdr *in6 = inner;

	if ((void *)(in6 + 1) > data_end)
		return -1;
	if (((in6->flow_lbl[0] >> 4) & ECN_MASK) == ECN_NOT_ECT)
		return -1;
	in6->flow_lbl[0] |= ECN_CE << 4;
	return 0;
}

/*
 * Removes @plan->strip bytes after the @vlans-tagged L2 header: the L2
 * header is saved, the head moves forward, the header is written back in
 * front of the inner packet with its innermost ethertype replaced.
 * Returns 0, or -1 if the kernel refused to move the head.
 */
EDGELB_INLINE int strip(struct xdp_md *ctx, int vlans,
			const struct decap_plan *plan)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct l2hdr l2;

	/*
	 * A stack copy, because old and new L2 positions may overlap (a
	 * 20-byte strip under a 22-byte double-tagged header). Copying 22
	 * bytes is safe for any tag count: the packet holds at least an
	 * L2 header, a 20-byte outer and a 20-byte inner header.
	 */
	if (data + sizeof(l2) > data_end)
		return -1;
	__builtin_memcpy(&l2, data, sizeof(l2));
	if (vlans == 0)
		l2.eth.h_proto = plan->inner_proto;
	else if (vlans == 1)
		l2.vlan[0].encap_proto = plan->inner_proto;
	else
		l2.vlan[1].encap_proto = plan->inner_proto;

	if (bpf_xdp_adjust_head(ctx, (int)plan->strip))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(l2) > data_end)
		return -1;
	if (vlans == 0)
		__builtin_memcpy(data, &l2, sizeof(struct ethhdr));
	else if (vlans == 1)
		__builtin_memcpy(data, &l2, sizeof(struct ethhdr) + 4);
	else
		__builtin_memcpy(data, &l2, sizeof(l2));
	return 0;
}

/*
 * Skips the Ethernet header and up to two VLAN tags. Returns the number of
 * tags and sets *@l2len and *@proto (the innermost ethertype), or -1 when
 * the L2 header is cut short.
 */
EDGELB_INLINE int parse_l2(void *data, const void *data_end, __u32 *l2len,
			   __be16 *proto)
{
	struct ethhdr *eth = data;
	int vlans;

	if ((void *)(eth + 1) > data_end)
		return -1;
	*l2len = sizeof(*eth);
	*proto = eth->h_proto;
	for (vlans = 0; vlans < 2; vlans++) {
		struct vlan_hdr *vh = data + *l2len;

		if (*proto != ETH_P_8021Q_BE && *proto != ETH_P_8021AD_BE)
			break;
		if ((void *)(vh + 1) > data_end)
			return -1;
		*proto = vh->encap_proto;
		*l2len += sizeof(*vh);
	}
	return vlans;
}

SEC("xdp")
int edgelb_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct decap_plan plan = {};
	int vlans, counter;
	__u32 l2len = 0;
	__be16 proto = 0;

	vlans = parse_l2(data, data_end, &l2len, &proto);
	if (vlans < 0)
		counter = EDGELB_DECAP_CNT_PASSED;
	else if (proto == edgelb_htons(ETH_P_IP))
		counter = classify_ipv4(data + l2len, data_end, &plan);
	else if (proto == edgelb_htons(ETH_P_IPV6))
		counter = classify_ipv6(data + l2len, data_end, &plan);
	else
		counter = EDGELB_DECAP_CNT_PASSED; /* incl. a third VLAN tag */

	switch (counter) {
	case EDGELB_DECAP_CNT_IPIP:
	case EDGELB_DECAP_CNT_IP6IP6:
	case EDGELB_DECAP_CNT_IP6IP4:
	case EDGELB_DECAP_CNT_IP4IP6:
	case EDGELB_DECAP_CNT_GUE:
		if (ecn_decap(data + l2len + plan.strip, data_end, &plan)) {
			count(EDGELB_DECAP_CNT_DROP_ECN);
			return XDP_DROP;
		}
		if (strip(ctx, vlans, &plan)) {
			count(EDGELB_DECAP_CNT_DROP_ADJUST);
			return XDP_DROP;
		}
		count(counter);
		return XDP_PASS;
	case EDGELB_DECAP_CNT_PASSED:
	case EDGELB_DECAP_CNT_PASSED_NOT_OURS:
		count(counter);
		return XDP_PASS;
	default:
		count(counter);
		return XDP_DROP;
	}
}

char LICENSE[] SEC("license") = "GPL";
