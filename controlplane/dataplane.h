/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one interface between edgelbd and a data plane. xdp.c implements
 * it over pinned BPF maps; a DPDK data plane will implement it over
 * shared memory; the unit tests implement the tables in memory.
 *
 * Two halves: the tables (struct edgelb_dataplane_ops), which the model
 * (lb.c) writes and the operator's tools read, and the life cycle
 * (struct edgelb_dataplane_lifecycle: open or adopt, attach, close,
 * clean up), which only main.c uses.
 *
 * Every operation returns 0 or a negative errno. Ordering is the caller's
 * job (lb.c): a backend is written before a ring points at it, and a ring
 * stops pointing at a backend before the backend is cleared.
 */
#ifndef EDGELB_DATAPLANE_H
#define EDGELB_DATAPLANE_H

#include <stdbool.h>
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
	 * How full the flow table is: *used entries of *capacity, every CPU's
	 * table together. Counting walks the table (XDP: batched lookups of
	 * the LRU hash, docs/lbctl.8 says the cost), so it stops after about
	 * limit entries: *complete is then false and *used an estimate from
	 * the part walked. NULL when the data plane cannot tell.
	 */
	int (*flow_fill)(void *dp, uint64_t limit, uint64_t *used, uint64_t *capacity,
			 bool *complete);
	/*
	 * What the data plane holds for backend id now (after a restart: what
	 * the previous edgelbd left). NULL when it cannot tell.
	 */
	int (*get_backend)(void *dp, uint32_t id, struct edgelb_backend *be);
	/*
	 * The node config in force (after a restart: what the previous
	 * edgelbd left), as set_node_config was given it; -ENOENT when there
	 * is none. NULL when the data plane cannot tell.
	 */
	int (*get_node_config)(void *dp, struct edgelb_node_config *cfg);
};

struct edgelb_dataplane {
	const struct edgelb_dataplane_ops *ops;
	void *dp;
};

/* What a data plane is opened with (the config's dataplane section). */
struct edgelb_dataplane_opts {
	uint32_t flow_table_size; /* entries per CPU (lcore); 0 = EDGELB_FLOW_TABLE_SIZE */
	uint32_t ring_slots;	  /* the ring array, every buffer; 0 = EDGELB_RING_SLOTS */
	/* where the tables outlive edgelbd (XDP: a bpffs directory; DPDK: the tables file) */
	const char *pin_dir;	  /* NULL = nowhere */
};

/* Flags of attach. */
#define EDGELB_DP_ATTACH_GENERIC (1u << 0) /* XDP: generic (skb) mode, for labs */

/* What a failure was in, for hint(). */
enum edgelb_dataplane_step {
	EDGELB_DP_STEP_OPEN,
	EDGELB_DP_STEP_ATTACH,
};

/*
 * A data plane's life cycle (DESIGN.md, principle 4: the data plane
 * outlives the daemon). One per target, chosen by dataplane.mode.
 */
struct edgelb_dataplane_lifecycle {
	const char *name; /* "xdp": what edgelbd's log lines about it start with */
	const char *tables;  /* what they call its tables: "maps", "tables" */
	const char *created; /* what open did when it adopted nothing: "created and pinned" */
	/*
	 * Open the tables: adopt those an earlier run left under pin_dir
	 * (flows, counters, rings carry on), or create them there. Fills
	 * dp (its tables' ops and handle). Tables that do not fit this build
	 * fail with -EINVAL.
	 */
	int (*open)(const struct edgelb_dataplane_opts *o, struct edgelb_dataplane *dp);
	/* Did open adopt an earlier run's tables? */
	bool (*adopted)(const void *dp);
	/*
	 * The sizes in force: adopted tables keep the sizes they were made
	 * with, which may differ from what the opts asked for.
	 */
	void (*sizes)(const void *dp, uint32_t *flows_per_cpu, uint32_t *ring_slots);
	/*
	 * Forward the packets of interface ifname (EDGELB_DP_ATTACH_*
	 * flags). When an earlier run's data path is on it, take its place
	 * without a gap and say so (*replaced = true).
	 */
	int (*attach)(void *dp, const char *ifname, int ifindex, uint32_t flags, bool *replaced);
	/* Stop forwarding on ifname, also when an earlier run attached it. */
	int (*detach)(void *dp, const char *ifname);
	/* Let go of the handle (NULL: nothing); what is pinned keeps forwarding. */
	void (*close)(void *dp);
	/*
	 * `edgelbd --cleanup`, without opening anything: stop forwarding on
	 * ifname (-ENOENT when nothing of ours is there), then remove the
	 * tables and pin_dir.
	 */
	int (*remove_attachment)(const char *pin_dir, const char *ifname);
	int (*remove_tables)(const char *pin_dir);
	/* A hint for the operator on a failure of step: "" or " (...)". */
	const char *(*hint)(enum edgelb_dataplane_step step, int err);
};

#endif /* EDGELB_DATAPLANE_H */
