// SPDX-License-Identifier: GPL-2.0-only
/*
 * The XDP balancer: the packet-path core (dataplane/core/forward.h) bound
 * to BPF maps. Everything that decides lives in the core; this file only
 * says where the tables are (edgelb_maps.bpf.h: the maps and the
 * edgelb_t_* functions, shared with the benchmark wrapper).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "edgelb_maps.bpf.h"
#include "forward.h"
#include "xdp_verdict.h"

SEC("xdp")
int edgelb_xdp(struct xdp_md *ctx)
{
	return edgelb_xdp_action(edgelb_forward(ctx));
}

char LICENSE[] SEC("license") = "GPL";
