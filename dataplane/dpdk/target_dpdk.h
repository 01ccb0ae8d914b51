/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DPDK target of the packet-path core: EDGELB_CTX and every
 * edgelb_t_* of dataplane/core/target.h over an rte_mbuf, the shared
 * tables (tables_read.h) and the lcore's own state (lcore.h). Include it
 * once, in target.c, before forward.h.
 *
 * Frames: the core reads headers from the first segment only
 * ([data, data_end) is that segment), and frame_len is the whole chain's
 * pkt_len, as the XDP target does with a multi-buffer frame.
 *
 * Tables: each lookup returns a copy of the entry (VIP meta, backend,
 * node config), a snapshot of one version, in the context or the lcore:
 * the core never holds a pointer into an entry the writer may rewrite
 * mid-packet. Ring slots are read in place; the grace period
 * keeps the ring of a snapshot intact until the lcore's next quiescent
 * point, after the burst.
 */
#ifndef EDGELB_DPDK_TARGET_H
#define EDGELB_DPDK_TARGET_H

#include <rte_mbuf.h>

#include "abi.h"
#include "flow_table.h"
#include "lcore.h"
#include "mbuf_ops.h"
#include "tables_read.h"

struct edgelb_dpdk_ctx {
	struct rte_mbuf *m;
	struct edgelb_dpdk_lcore *lc;
	__u32 ifindex;
	__u32 pad;
	/* snapshot: what the last backend lookup returned */
	struct edgelb_backend be;
};

#define EDGELB_CTX struct edgelb_dpdk_ctx

static inline __attribute__((always_inline)) void *edgelb_t_data(struct edgelb_dpdk_ctx *c)
{
	return rte_pktmbuf_mtod(c->m, void *);
}

static inline __attribute__((always_inline)) void *edgelb_t_data_end(struct edgelb_dpdk_ctx *c)
{
	return rte_pktmbuf_mtod_offset(c->m, char *, c->m->data_len);
}

static inline int edgelb_t_adjust_head(struct edgelb_dpdk_ctx *c, int delta)
{
	return edgelb_mbuf_adjust_head(c->m, delta);
}

static inline int edgelb_t_adjust_tail(struct edgelb_dpdk_ctx *c, int delta)
{
	return edgelb_mbuf_adjust_tail(c->m, delta);
}

static inline __u32 edgelb_t_frame_len(struct edgelb_dpdk_ctx *c)
{
	return c->m->pkt_len;
}

static inline int edgelb_t_csum_frame(struct edgelb_dpdk_ctx *c, __u32 off, __u32 len, __u32 *sum)
{
	return edgelb_mbuf_csum(c->m, off, len, sum);
}

/*
 * VIP and node config: the lcore's last snapshot while the entry's seq
 * has not moved (tables_read.h). Per packet that saves the VIP key's home
 * hash and the latch copies of both entries: about 9 ns of 108 (CPU time
 * per packet of the established row of tools/bench/dpdk, median of 5
 * interleaved runs). The VIP is answered with the snapshot itself, not a
 * copy: it is the lcore's own, and stays as it is until the next
 * edgelb_t_vip() (the core copies what it keeps at once).
 */
static inline struct edgelb_vip_meta *edgelb_t_vip(struct edgelb_dpdk_ctx *c,
						   const struct edgelb_vip_key *k)
{
	return (struct edgelb_vip_meta *)edgelb_tables_vip_lookup_cached(c->lc->tv,
									&c->lc->vip_cache, k);
}

/*
 * No array by id and no VIP summary in the shared tables: the lookup by
 * key with the id compared, and every candidate looked up (target.h). The
 * VIP cache above already spares most of what they save under XDP.
 */
static inline struct edgelb_vip_meta *edgelb_t_vip_by_id(struct edgelb_dpdk_ctx *c,
							 const struct edgelb_vip_key *k, __u32 vip_id)
{
	struct edgelb_vip_meta *m = edgelb_t_vip(c, k);

	return m && m->vip_id == vip_id ? m : NULL;
}

static inline const struct edgelb_vip_summary *edgelb_t_vip_summary(struct edgelb_dpdk_ctx *c)
{
	(void)c;
	return NULL;
}

static inline __attribute__((always_inline)) struct edgelb_backend *
edgelb_t_backend(struct edgelb_dpdk_ctx *c, __u32 id)
{
	return edgelb_tables_backend_read(c->lc->tv, id, &c->be) ? NULL : &c->be;
}

static inline __u32 edgelb_t_ring_slot(struct edgelb_dpdk_ctx *c,
				       const struct edgelb_vip_meta *vip, __u32 slot)
{
	return edgelb_tables_ring_slot(c->lc->tv, (__u64)vip->ring_base + slot);
}

static inline const struct edgelb_node_config *edgelb_t_node_config(struct edgelb_dpdk_ctx *c)
{
	return edgelb_tables_node_read_cached(c->lc->tv, &c->lc->node_cache, c->ifindex);
}

static inline struct edgelb_flow_state *edgelb_t_flow_lookup(struct edgelb_dpdk_ctx *c,
							     const struct edgelb_flow_key *k)
{
	return edgelb_flow_table_lookup(&c->lc->flows, k);
}

static inline void edgelb_t_flow_update(struct edgelb_dpdk_ctx *c, const struct edgelb_flow_key *k,
					const struct edgelb_flow_state *s)
{
	edgelb_flow_table_update(&c->lc->flows, k, s);
}

static inline struct edgelb_counters *edgelb_t_vip_counters(struct edgelb_dpdk_ctx *c, __u32 id)
{
	return id < EDGELB_MAX_VIPS ? &c->lc->shm->vip[id] : NULL;
}

static inline struct edgelb_counters *edgelb_t_backend_counters(struct edgelb_dpdk_ctx *c,
								__u32 id)
{
	return id < EDGELB_MAX_BACKENDS ? &c->lc->shm->backend[id] : NULL;
}

static inline void edgelb_t_count(struct edgelb_dpdk_ctx *c, enum edgelb_counter n)
{
	if ((unsigned int)n < EDGELB_COUNTER_MAX)
		c->lc->shm->counters[n]++;
}

static inline struct edgelb_cpu_state *edgelb_t_cpu_state(struct edgelb_dpdk_ctx *c)
{
	return &c->lc->cpu;
}

static inline __u64 edgelb_t_now_ns(struct edgelb_dpdk_ctx *c)
{
	return c->lc->now_ns;
}

#endif /* EDGELB_DPDK_TARGET_H */
