// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packet-path core compiled for DPDK (target_dpdk.h): the one
 * translation unit that includes forward.h, so that every user (the
 * application, the golden and differential tests) runs the same object.
 */
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

uint32_t edgelb_dpdk_dispatch_hash(const struct rte_mbuf *m)
{
	struct edgelb_pkt pkt;

	if (edgelb_parse(rte_pktmbuf_mtod(m, const void *),
			 rte_pktmbuf_mtod_offset(m, const char *, m->data_len),
			 &pkt) != EDGELB_PARSE_CANDIDATE)
		return 0;
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
