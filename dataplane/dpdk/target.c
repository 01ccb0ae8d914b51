// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packet-path core compiled for DPDK (target_dpdk.h): the one
 * translation unit that includes forward.h, so that every user (the
 * application, the golden and differential tests) runs the same object.
 */
#include <string.h>

#include <rte_prefetch.h>

#include "target_dpdk.h"
#include "worker.h"

#include "forward.h"

int edgelb_dpdk_process(struct edgelb_dpdk_lcore *lc, struct rte_mbuf *m, uint32_t ifindex)
{
	struct edgelb_dpdk_ctx ctx;

	/* the snapshots are written by the lookups before any read */
	ctx.m = m;
	ctx.lc = lc;
	ctx.ifindex = ifindex;
	return edgelb_forward(&ctx);
}

/*
 * Start loading the flow-table set that frame m will look up (or insert
 * into), when it is the common case: IPv4 without options or IPv6 without
 * extension headers, TCP or UDP, no VLAN tag, not a fragment. Its key is
 * built as parse.h builds it; anything else (or a key this gets wrong)
 * only goes without the prefetch: the lookup proper is the core's.
 */
static inline void prefetch_flow_set(struct edgelb_dpdk_lcore *lc, const struct rte_mbuf *m)
{
	const __u8 *d = rte_pktmbuf_mtod(m, const __u8 *);
	struct edgelb_flow_key k = { 0 };
	__u16 et, frag;
	__u8 proto;
	__u32 l4;

	if (m->data_len < 14 + 40 + 4)
		return;
	memcpy(&et, d + 12, 2);
	if (et == edgelb_htons(ETH_P_IP)) {
		memcpy(&frag, d + 14 + 6, 2);
		if (d[14] != 0x45 || (frag & edgelb_htons(EDGELB_IP_MF | EDGELB_IP_OFFSET)))
			return;
		proto = d[14 + 9];
		memcpy(&k.src.v4, d + 14 + 12, 4);
		memcpy(&k.dst.v4, d + 14 + 16, 4);
		k.family = EDGELB_AF_INET;
		l4 = 14 + 20;
	} else if (et == edgelb_htons(ETH_P_IPV6)) {
		proto = d[14 + 6];
		memcpy(&k.src, d + 14 + 8, 16);
		memcpy(&k.dst, d + 14 + 24, 16);
		k.family = EDGELB_AF_INET6;
		l4 = 14 + 40;
	} else {
		return;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return;
	memcpy(&k.sport, d + l4, 2);
	memcpy(&k.dport, d + l4 + 2, 2);
	k.proto = proto;
	rte_prefetch0(edgelb_flow_ways(&lc->flows, &k));
}

void edgelb_dpdk_process_burst(struct edgelb_dpdk_lcore *lc, struct rte_mbuf **m, unsigned int n,
			       uint32_t ifindex, uint8_t *verdict)
{
	/* all the burst's sets in flight at once, rather than one miss per frame */
	for (unsigned int i = 0; i < n; i++)
		prefetch_flow_set(lc, m[i]);
	for (unsigned int i = 0; i < n; i++)
		verdict[i] = (uint8_t)edgelb_dpdk_process(lc, m[i], ifindex);
}

uint32_t edgelb_dpdk_dispatch_hash(const struct rte_mbuf *m)
{
	struct edgelb_pkt pkt;

	if (edgelb_parse(rte_pktmbuf_mtod(m, const void *),
			 rte_pktmbuf_mtod_offset(m, const char *, m->data_len),
			 &pkt) != EDGELB_PARSE_CANDIDATE)
		/*
		 * Any worker hands it to the kernel. An IP packet goes by its
		 * address pair (the parser sets both with the family), so that
		 * a flood of ICMP or of another protocol is spread rather than
		 * all on worker 0, and the packets between two hosts keep their
		 * order; what has no IP header (ARP) goes to worker 0.
		 */
		return pkt.key.family ? edgelb_flow_hash(&pkt.key.src, &pkt.key.dst, 0, 0, 0,
							 pkt.key.family)
				      : 0;
	/*
	 * The core drops fragments of port-hashed VIPs and keys those of
	 * address-hashed ones without ports: a first fragment (ports) and
	 * the later ones (none) must meet the same worker.
	 */
	if (pkt.flags & EDGELB_PKT_F_FRAGMENT) {
		pkt.key.sport = 0;
		pkt.key.dport = 0;
	}
	return edgelb_flow_key_hash(&pkt.key);
}
