/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One forwarding lcore of the DPDK target: what it owns (flow table,
 * scratch state, clock) and where it counts (its slot in the shared
 * tables), and the per-packet entry point into the packet-path core.
 */
#ifndef EDGELB_DPDK_LCORE_H
#define EDGELB_DPDK_LCORE_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "abi.h"
#include "flow_table.h"
#include "tables_read.h"

struct edgelb_dpdk_lcore {
	const struct edgelb_tables_view *tv;
	struct edgelb_tables_lcore *shm; /* this lcore's epoch and counters */
	uint32_t slot;			 /* its index in the tables' lcore array */
	uint32_t pad;
	struct edgelb_flow_table flows;
	struct edgelb_cpu_state cpu;
	uint64_t now_ns; /* set once per burst: edgelb_dpdk_lcore_tick() */
	/* last VIP and node config snapshots, reused while their seq stands */
	struct edgelb_tables_vip_cache vip_cache;
	struct edgelb_tables_node_cache node_cache;
};

/*
 * Set up lc as the tables' lcore slot, with a flow table of about
 * flow_entries flows (memory from socket) whose set hash uses seed.
 * 0 or a negative errno.
 */
int edgelb_dpdk_lcore_init(struct edgelb_dpdk_lcore *lc, const struct edgelb_tables_view *tv,
			   uint32_t slot, uint32_t flow_entries, uint64_t seed, int socket);
void edgelb_dpdk_lcore_fini(struct edgelb_dpdk_lcore *lc);

/* Read the clock (TSC, in ns) for the burst about to be processed. */
void edgelb_dpdk_lcore_tick(struct edgelb_dpdk_lcore *lc);

/*
 * Run the core on frame m, which came in on the port whose node config
 * is the slot of ifindex (edgelb-dpdk(8): the exception TAP's ifindex).
 * Returns an enum edgelb_verdict; m may have been rewritten (EDGELB_V_TX),
 * is untouched (EDGELB_V_PASS), or is to be freed (EDGELB_V_DROP). The
 * caller still owns m.
 */
int edgelb_dpdk_process(struct edgelb_dpdk_lcore *lc, struct rte_mbuf *m, uint32_t ifindex);

/*
 * edgelb_dpdk_process() of n frames that came in together: verdict[i] is
 * m[i]'s. The same verdicts and bytes as one call per frame, in order.
 */
void edgelb_dpdk_process_burst(struct edgelb_dpdk_lcore *lc, struct rte_mbuf **m, unsigned int n,
			       uint32_t ifindex, uint8_t *verdict);

#endif /* EDGELB_DPDK_LCORE_H */
