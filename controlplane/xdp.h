/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The XDP data plane: load the balancer program (bpf/edgelb.bpf.c)
 * through its skeleton, pin its maps, program VIPs, backends, rings and
 * the node config, attach to interfaces through pinned links. edgelbd
 * reaches it through dataplane.h (edgelb_xdp_ops, edgelb_xdp_lifecycle);
 * tests and tools call these functions directly.
 *
 * Every function returns 0 or a negative errno.
 */
#ifndef EDGELB_XDP_H
#define EDGELB_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "dataplane.h"

struct edgelb_xdp;

struct edgelb_xdp_opts {
	uint32_t flow_table_size; /* per CPU; 0 = EDGELB_FLOW_TABLE_SIZE */
	const char *pin_dir;	  /* bpffs directory; NULL = pin nothing */
	uint32_t ring_slots;	  /* all rings' buffers; 0 = EDGELB_RING_SLOTS */
};

/*
 * Load the program and create its maps, or with pin_dir reuse the maps an
 * earlier run pinned there (flows, counters, rings carry on; see
 * edgelb_xdp_adopted()). A pinned map that does not fit this build (other
 * size or layout) fails the load with -EINVAL.
 */
int edgelb_xdp_open(const struct edgelb_xdp_opts *opts, struct edgelb_xdp **out);
void edgelb_xdp_close(struct edgelb_xdp *x);

int edgelb_xdp_prog_fd(const struct edgelb_xdp *x);

/* True when the maps were found pinned by an earlier run. */
bool edgelb_xdp_adopted(const struct edgelb_xdp *x);

/*
 * The sizes in force. Pinned maps keep the size they were made with, which
 * may differ from what opts asked for (see xdp.c, pin_maps()).
 */
void edgelb_xdp_sizes(const struct edgelb_xdp *x, uint32_t *flows_per_cpu, uint32_t *ring_slots);

/*
 * Attach the program to an interface through a BPF link (native mode, or
 * generic). With a pin_dir the link is pinned and outlives us; if a link
 * of an earlier run is pinned for ifname, our program replaces its program
 * atomically instead (*replaced = true).
 */
int edgelb_xdp_attach(struct edgelb_xdp *x, const char *ifname, int ifindex, bool generic,
		      bool *replaced);
/* Detach from ifname and remove its pinned link. */
int edgelb_xdp_detach(struct edgelb_xdp *x, const char *ifname);
/*
 * Pin again whatever was removed from pin_dir under us (maps, and the
 * links of the interfaces attached in this run): without the pins the
 * data plane would not outlive this process. Returns how many objects
 * were pinned again (0: all in place), or a negative errno.
 */
int edgelb_xdp_repin(struct edgelb_xdp *x);

/*
 * Detach the link pinned for ifname under pin_dir and remove its pin,
 * without a loaded program (`edgelbd --cleanup`). -ENOENT when no link
 * can be opened there.
 */
int edgelb_xdp_unpin_link(const char *pin_dir, const char *ifname);
/* Remove every pinned map of pin_dir and the directory (links first!). */
int edgelb_xdp_unpin_all(const char *pin_dir);

/* The data plane interface over these maps; dp is the struct edgelb_xdp. */
extern const struct edgelb_dataplane_ops edgelb_xdp_ops;
/* Its life cycle: open makes a struct edgelb_xdp with edgelb_xdp_ops. */
extern const struct edgelb_dataplane_lifecycle edgelb_xdp_lifecycle;

/* set_backend with be == NULL clears the slot. */

/*
 * Node config. The map holds one slot per interface (abi.h); with
 * cfg->ifindex 0 the config is kept and written into the slot of every
 * interface attached now or later, each with that interface's ifindex
 * and MAC (read from the kernel at each write). With cfg->ifindex set,
 * exactly that slot is written as given (tests and benchmarks, whose
 * frames come in on lo or a veth of their own).
 */
int edgelb_xdp_set_node_config(struct edgelb_xdp *x, const struct edgelb_node_config *cfg);
/* The first slot in use (after adoption: what the previous run wrote); -ENOENT if none. */
int edgelb_xdp_get_node_config(const struct edgelb_xdp *x, struct edgelb_node_config *cfg);
int edgelb_xdp_set_vip(struct edgelb_xdp *x, const struct edgelb_vip_key *key,
		       const struct edgelb_vip_meta *meta);
int edgelb_xdp_del_vip(struct edgelb_xdp *x, const struct edgelb_vip_key *key);
int edgelb_xdp_set_backend(struct edgelb_xdp *x, uint32_t id, const struct edgelb_backend *be);

/*
 * Make ring[0..m-1] the live ring of vip_id. The ring is written into a
 * spare buffer of the rings map (ring_store.h: placement, and the grace
 * period before a retired buffer is written again, which the kernel's RCU
 * tells) and made live by one update of the VIP's entry, whose ring_base
 * then points at it. A packet sees the old ring or the new one, never a
 * mix.
 */
int edgelb_xdp_set_ring(struct edgelb_xdp *x, uint32_t vip_id, const uint32_t *ring, uint32_t m);

/* Sum of the per-CPU values. */
int edgelb_xdp_counter(const struct edgelb_xdp *x, enum edgelb_counter c, uint64_t *value);
int edgelb_xdp_vip_counters(const struct edgelb_xdp *x, uint32_t vip_id,
			    struct edgelb_counters *sum);
int edgelb_xdp_backend_counters(const struct edgelb_xdp *x, uint32_t id,
				struct edgelb_counters *sum);

/* Map fds, for tools that walk a table (flows) themselves. */
int edgelb_xdp_flows_fd(const struct edgelb_xdp *x);

/*
 * The loaded skeleton, for tools that run other programs on the same maps
 * (the benchmark wrapper reuses every map fd). Owned by x.
 */
struct edgelb_bpf;
struct edgelb_bpf *edgelb_xdp_skeleton(struct edgelb_xdp *x);

/*
 * A sample of the flow table (struct edgelb_dataplane_ops.flows): walks
 * the LRU hash with get_next_key + lookup, at most about 2 * max steps.
 * *n = entries written to keys[] / states[].
 */
int edgelb_xdp_flows(const struct edgelb_xdp *x, struct edgelb_flow_key *keys,
		     struct edgelb_flow_state *states, size_t max, size_t *n);

/*
 * Fill level of the flow table (struct edgelb_dataplane_ops.flow_fill):
 * entries counted with batched lookups, about limit at most, then
 * estimated from the buckets walked (*complete false); *capacity is the
 * map's max_entries (every CPU's share). 0 or a negative errno.
 */
int edgelb_xdp_flow_fill(const struct edgelb_xdp *x, uint64_t limit, uint64_t *used,
			 uint64_t *capacity, bool *complete);

#endif /* EDGELB_XDP_H */
