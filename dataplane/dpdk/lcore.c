// SPDX-License-Identifier: GPL-2.0-only
/*
 * An lcore's own state (lcore.h): its flow table in DPDK memory of its
 * socket, and its clock.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "lcore.h"

/* ns per TSC tick, 32.32 fixed point: set before any lcore runs (lcore_init) */
static uint64_t ns_per_tick_q32;

int edgelb_dpdk_lcore_init(struct edgelb_dpdk_lcore *lc, const struct edgelb_tables_view *tv,
			   uint32_t slot, uint32_t flow_entries, uint64_t seed, int socket)
{
	uint32_t sets = edgelb_flow_table_sets(flow_entries);
	struct edgelb_flow_way *ways;

	if (slot >= tv->max_lcores)
		return -ERANGE;
	if (!ns_per_tick_q32)
		ns_per_tick_q32 = (uint64_t)(((unsigned __int128)NS_PER_S << 32) / rte_get_tsc_hz());
	memset(lc, 0, sizeof(*lc));
	ways = rte_zmalloc_socket("edgelb_flows", (size_t)sets * EDGELB_FLOW_WAYS * sizeof(*ways),
				  RTE_CACHE_LINE_SIZE, socket);
	if (!ways)
		return -ENOMEM;
	edgelb_flow_table_init(&lc->flows, ways, sets, seed);
	lc->tv = tv;
	lc->slot = slot;
	lc->shm = edgelb_tables_lcore(tv, slot);
	edgelb_dpdk_lcore_tick(lc);
	return 0;
}

void edgelb_dpdk_lcore_fini(struct edgelb_dpdk_lcore *lc)
{
	rte_free(lc->flows.ways);
	lc->flows.ways = NULL;
}

void edgelb_dpdk_lcore_tick(struct edgelb_dpdk_lcore *lc)
{
	lc->now_ns = (uint64_t)(((unsigned __int128)rte_get_tsc_cycles() * ns_per_tick_q32) >> 32);
}
