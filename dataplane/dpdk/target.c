// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packet-path core compiled for DPDK (target_dpdk.h): the one
 * translation unit that includes forward.h, so that every user (the
 * application, the golden and differential tests) runs the same object.
 */
#include "target_dpdk.h"

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
