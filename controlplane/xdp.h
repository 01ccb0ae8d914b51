/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The XDP data plane's tables, as the control plane writes them: load the
 * balancer program (bpf/edgelb.bpf.c) through its skeleton and program
 * VIPs, backends, rings and the node config. Attaching to interfaces and
 * pinning come with edgelbd.
 *
 * Every function returns 0 or a negative errno.
 */
#ifndef EDGELB_XDP_H
#define EDGELB_XDP_H

#include <stdint.h>

#include "abi.h"

struct edgelb_xdp;

struct edgelb_xdp_opts {
	uint32_t flow_table_size; /* per CPU; 0 = EDGELB_FLOW_TABLE_SIZE */
};

/* Load the program and create its maps. */
int edgelb_xdp_open(const struct edgelb_xdp_opts *opts, struct edgelb_xdp **out);
void edgelb_xdp_close(struct edgelb_xdp *x);

int edgelb_xdp_prog_fd(const struct edgelb_xdp *x);

int edgelb_xdp_set_node_config(struct edgelb_xdp *x, const struct edgelb_node_config *cfg);
int edgelb_xdp_set_vip(struct edgelb_xdp *x, const struct edgelb_vip_key *key,
		       const struct edgelb_vip_meta *meta);
int edgelb_xdp_del_vip(struct edgelb_xdp *x, const struct edgelb_vip_key *key);
int edgelb_xdp_set_backend(struct edgelb_xdp *x, uint32_t id, const struct edgelb_backend *be);

/*
 * Make ring[0..m-1] the live ring of vip_id. The ring is written into the
 * VIP's spare array and swapped in with one update of the outer map; the
 * kernel returns from that update only when no program still runs on the
 * old ring, which then becomes the spare. A packet sees the old ring or the
 * new one, never a mix.
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

#endif /* EDGELB_XDP_H */
