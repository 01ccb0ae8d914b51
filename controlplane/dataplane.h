/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one interface between edgelbd's model and a data plane. xdp.c
 * implements it over pinned BPF maps; a DPDK data plane will implement it
 * over shared memory; the unit tests implement it in memory.
 *
 * Every operation returns 0 or a negative errno. Ordering is the caller's
 * job (lb.c): a backend is written before a ring points at it, and a ring
 * stops pointing at a backend before the backend is cleared.
 */
#ifndef EDGELB_DATAPLANE_H
#define EDGELB_DATAPLANE_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

struct edgelb_dataplane_ops {
	int (*set_node_config)(void *dp, const struct edgelb_node_config *cfg);
	/*
	 * meta->ring_base belongs to the data plane: where a VIP's ring lives
	 * in its ring array is its choice (ring_store.h), so the caller's
	 * value is ignored (lb.c leaves it 0). The entry points at the ring
	 * set_ring last made live for meta->vip_id when that ring has
	 * meta->ring_size slots, else at an empty ring (drop_no_backend)
	 * until set_ring gives it one of that size.
	 */
	int (*set_vip)(void *dp, const struct edgelb_vip_key *key,
		       const struct edgelb_vip_meta *meta);
	int (*del_vip)(void *dp, const struct edgelb_vip_key *key);
	/* be == NULL clears the slot (family 0) */
	int (*set_backend)(void *dp, uint32_t id, const struct edgelb_backend *be);
	/*
	 * atomic: a packet sees the old ring or the new one. May wait for a
	 * grace period when the same VIP changed twice within one (a few ms).
	 */
	int (*set_ring)(void *dp, uint32_t vip_id, const uint32_t *ring, uint32_t m);
	int (*vip_counters)(void *dp, uint32_t vip_id, struct edgelb_counters *sum);
	int (*backend_counters)(void *dp, uint32_t id, struct edgelb_counters *sum);
	int (*counter)(void *dp, enum edgelb_counter c, uint64_t *value);
	/*
	 * A sample of the flow table: up to max entries into keys[] and
	 * states[], *n set to how many. Bounded work (about max lookups), so
	 * the event loop may call it. NULL when the data plane cannot list.
	 */
	int (*flows)(void *dp, struct edgelb_flow_key *keys, struct edgelb_flow_state *states,
		     size_t max, size_t *n);
	/*
	 * What the data plane holds for backend id now (after a restart: what
	 * the previous edgelbd left). NULL when it cannot tell.
	 */
	int (*get_backend)(void *dp, uint32_t id, struct edgelb_backend *be);
};

struct edgelb_dataplane {
	const struct edgelb_dataplane_ops *ops;
	void *dp;
};

#endif /* EDGELB_DATAPLANE_H */
