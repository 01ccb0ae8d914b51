// SPDX-License-Identifier: GPL-2.0-only
/*
 * The XDP balancer: the packet-path core (dataplane/core/forward.h) bound
 * to BPF maps. Everything that decides lives in the core; this file only
 * says where the tables are.
 *
 * Maps (all pinned by edgelbd, shared with lbctl through the skeleton):
 *   vips              hash   vip_key -> vip_meta
 *   backends          array  backend id -> backend (family 0 = unused)
 *   rings             array of maps, by vip_id: the VIP's live Maglev ring
 *   flows             LRU hash, per-CPU LRU lists: flow_key -> flow_state
 *   vip_counters      per-CPU array by vip_id
 *   backend_counters  per-CPU array by backend id
 *   counters          per-CPU array by enum edgelb_counter
 *   node_config       one slot: outer source addresses, MACs
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "abi.h"

struct ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	/* the template's size; BPF_F_INNER_MAP lets each VIP have its own */
	__uint(max_entries, EDGELB_RING_SIZE_DEFAULT);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, EDGELB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct ring);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EDGELB_MAX_VIPS);
	__type(key, struct edgelb_vip_key);
	__type(value, struct edgelb_vip_meta);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EDGELB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct edgelb_backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	/* the loader multiplies by the number of CPUs: this is per CPU */
	__uint(max_entries, EDGELB_FLOW_TABLE_SIZE);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct edgelb_flow_key);
	__type(value, struct edgelb_flow_state);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EDGELB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct edgelb_counters);
} vip_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EDGELB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct edgelb_counters);
} backend_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EDGELB_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct edgelb_node_config);
} node_config SEC(".maps");

#define EDGELB_CTX struct xdp_md

static __always_inline void *edgelb_t_data(struct xdp_md *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *edgelb_t_data_end(struct xdp_md *ctx)
{
	return (void *)(long)ctx->data_end;
}

static __always_inline int edgelb_t_adjust_head(struct xdp_md *ctx, int delta)
{
	return bpf_xdp_adjust_head(ctx, delta);
}

static __always_inline int edgelb_t_adjust_tail(struct xdp_md *ctx, int delta)
{
	return bpf_xdp_adjust_tail(ctx, delta);
}

static __always_inline struct edgelb_vip_meta *edgelb_t_vip(struct xdp_md *ctx,
							   const struct edgelb_vip_key *k)
{
	return bpf_map_lookup_elem(&vips, k);
}

static __always_inline struct edgelb_backend *edgelb_t_backend(struct xdp_md *ctx, __u32 id)
{
	return bpf_map_lookup_elem(&backends, &id);
}

static __always_inline __u32 edgelb_t_ring_slot(struct xdp_md *ctx,
						const struct edgelb_vip_meta *vip, __u32 slot)
{
	__u32 vip_id = vip->vip_id;
	__u32 *id;
	void *ring;

	ring = bpf_map_lookup_elem(&rings, &vip_id);
	if (!ring)
		return EDGELB_NO_BACKEND;
	id = bpf_map_lookup_elem(ring, &slot);
	return id ? *id : EDGELB_NO_BACKEND;
}

static __always_inline const struct edgelb_node_config *edgelb_t_node_config(struct xdp_md *ctx)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&node_config, &zero);
}

static __always_inline struct edgelb_flow_state *edgelb_t_flow_lookup(struct xdp_md *ctx,
								     const struct edgelb_flow_key *k)
{
	return bpf_map_lookup_elem(&flows, k);
}

static __always_inline void edgelb_t_flow_update(struct xdp_md *ctx,
						 const struct edgelb_flow_key *k,
						 const struct edgelb_flow_state *s)
{
	bpf_map_update_elem(&flows, k, s, BPF_ANY);
}

static __always_inline struct edgelb_counters *edgelb_t_vip_counters(struct xdp_md *ctx,
								    __u32 vip_id)
{
	return bpf_map_lookup_elem(&vip_counters, &vip_id);
}

static __always_inline struct edgelb_counters *edgelb_t_backend_counters(struct xdp_md *ctx,
									__u32 id)
{
	return bpf_map_lookup_elem(&backend_counters, &id);
}

static __always_inline void edgelb_t_count(struct xdp_md *ctx, enum edgelb_counter c)
{
	__u32 idx = c;
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline __u64 edgelb_t_now_ns(struct xdp_md *ctx)
{
	return bpf_ktime_get_ns();
}

#include "forward.h"

SEC("xdp")
int edgelb_xdp(struct xdp_md *ctx)
{
	switch (edgelb_forward(ctx)) {
	case EDGELB_V_TX:
		return XDP_TX;
	case EDGELB_V_DROP:
		return XDP_DROP;
	default:
		return XDP_PASS;
	}
}

char LICENSE[] SEC("license") = "GPL";
