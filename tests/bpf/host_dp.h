/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet-path core compiled for the host, with its tables in plain
 * memory. Same code as the XDP program (dataplane/core/forward.h), the
 * same table layout (one ring array addressed by each VIP entry's
 * ring_base, rings placed by controlplane/ring_store.c), other storage:
 * the differential test runs both on the same packets and compares
 * verdicts and bytes.
 *
 * As with every data plane (controlplane/dataplane.h), ring_base in the
 * meta given to host_dp_set_vip() is ignored: the entry points at the
 * VIP's live ring.
 */
#ifndef EDGELB_TEST_HOST_DP_H
#define EDGELB_TEST_HOST_DP_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

struct host_dp;

struct host_dp *host_dp_new(void);
void host_dp_free(struct host_dp *h);

void host_dp_set_node_config(struct host_dp *h, const struct edgelb_node_config *cfg);

/*
 * Set the packet path's clock (edgelb_t_now_ns) to ns: every read adds
 * one ns first, so the next reads ns + 1. Tests of the per-CPU budgets
 * (ICMP too-big, the new-flow guard) move it by hand; it starts at 0.
 */
void host_dp_set_clock(struct host_dp *h, uint64_t ns);
int host_dp_set_vip(struct host_dp *h, const struct edgelb_vip_key *key,
		    const struct edgelb_vip_meta *meta);
int host_dp_set_backend(struct host_dp *h, uint32_t id, const struct edgelb_backend *be);
int host_dp_set_ring(struct host_dp *h, uint32_t vip_id, const uint32_t *ring, uint32_t m);

/*
 * Run one frame. out receives the frame as the program left it (out_len
 * set), as BPF_PROG_TEST_RUN reports it. Returns the XDP action
 * (XDP_PASS, XDP_DROP, XDP_TX).
 */
int host_dp_run(struct host_dp *h, const void *in, size_t len, void *out, size_t *out_len);

/* The flow table's entry for k: 0, or -ENOENT. */
int host_dp_flow(struct host_dp *h, const struct edgelb_flow_key *k, struct edgelb_flow_state *st);

uint64_t host_dp_counter(const struct host_dp *h, enum edgelb_counter c);
void host_dp_vip_counters(const struct host_dp *h, uint32_t vip_id, struct edgelb_counters *c);
void host_dp_backend_counters(const struct host_dp *h, uint32_t id, struct edgelb_counters *c);

#endif
