/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The balancer's BPF maps and the edgelb_t_* target functions that bind
 * the packet-path core (dataplane/core/target.h) to them. A header so
 * that every BPF program running the core -- the balancer
 * (edgelb.bpf.c) and the benchmark wrapper (tools/bench/xdp_bench.bpf.c)
 * -- declares the same maps once; the benchmark loads its copy with
 * bpf_map__reuse_fd() onto the balancer's maps.
 *
 * Include it once per BPF object, before forward.h.
 *
 * Maps (all pinned by edgelbd, shared with lbctl through the skeleton):
 *   vips              hash   vip_key -> vip_meta
 *   backends          array  backend id -> backend (family 0 = unused)
 *   rings             mmap-able array of ring slots: every VIP's buffers
 *   flows             LRU hash, per-CPU LRU lists: flow_key -> flow_state
 *   vip_counters      per-CPU array by vip_id
 *   backend_counters  per-CPU array by backend id
 *   counters          per-CPU array by enum edgelb_counter
 *   node_config       array by ingress ifindex % EDGELB_NODE_SLOTS: outer
 *                     source addresses, MACs, ICMP budget
 *   cpu_state         per-CPU scratch: ICMP and new-flow token buckets,
 *                     outer IPv4 ids
 *   vip_ids           array by vip_id: each VIP's key and entry again
 *                     (abi.h: struct edgelb_vip_entry)
 * and in global data (.data.summary, not pinned: each loaded program has
 * its own, which edgelbd fills before the program sees a packet):
 *   edgelb_summary    abi.h's struct edgelb_vip_summary
 */
#ifndef EDGELB_MAPS_BPF_H
#define EDGELB_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "abi.h"

/*
 * Every VIP's ring buffers (controlplane/ring_store.h); the control plane
 * mmap()s and writes it.
 * Array elements are 8 bytes apart in that mapping whatever the value
 * size, so each element holds two 32-bit slots: slot i is the (i & 1)th
 * __u32 of element i / 2, and the mapping reads as a plain __u32 array.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EDGELB_RING_SLOTS / 2);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
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
	__uint(max_entries, EDGELB_NODE_SLOTS);
	__type(key, __u32);
	__type(value, struct edgelb_node_config);
} node_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct edgelb_cpu_state);
} cpu_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EDGELB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct edgelb_vip_entry);
} vip_ids SEC(".maps");

/*
 * Global data: read with a load from a fixed address, no helper call.
 * A section of its own so that the benchmark wrapper, which has globals
 * of its own, can share this one with the balancer (bpf_map__reuse_fd).
 */
struct edgelb_vip_summary edgelb_summary SEC(".data.summary");

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

/*
 * The program is not declared xdp.frags, so drivers give it every frame in
 * one buffer; only BPF_PROG_TEST_RUN splits a frame, and only after filling
 * a first buffer of 4096 - 256 - 320 bytes. A shorter first buffer is the
 * whole frame: no helper call on the fast path.
 */
#define EDGELB_XDP_FIRST_BUF 3520

static __always_inline __u32 edgelb_t_frame_len(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	return len < EDGELB_XDP_FIRST_BUF ? len : (__u32)bpf_xdp_get_buff_len(ctx);
}

/*
 * The partial sum of len bytes from off (target.h), copied out 64 bytes at a
 * time. A global function, so the verifier checks it once for every
 * caller; inlined, it would walk its loop again for every path that leads
 * to it and exceed its budget. Returns the sum, or ~0 when the bytes are
 * not all there.
 */
#define EDGELB_CSUM_CHUNK 64
#define EDGELB_CSUM_FRAME_MAX 3520 /* one buffer: larger packets are not forwarded */

__attribute__((noinline)) __u64 edgelb_bpf_csum_frame(struct xdp_md *ctx, __u32 off, __u32 len,
						      __u32 seed)
{
	__u16 buf[EDGELB_CSUM_CHUNK / 2];
	__u64 s = seed;

	if (!ctx || len > EDGELB_CSUM_FRAME_MAX)
		return ~0ull;
	for (__u32 i = 0; i < EDGELB_CSUM_FRAME_MAX / EDGELB_CSUM_CHUNK; i++) {
		__u32 done = i * EDGELB_CSUM_CHUNK;
		__u64 n;

		if (done >= len)
			break;
		n = len - done;
		if (n > EDGELB_CSUM_CHUNK)
			n = EDGELB_CSUM_CHUNK;
		/* 1..64 in a form the verifier can bound for the helper's size */
		n = ((n - 1) & (EDGELB_CSUM_CHUNK - 1)) + 1;
		__builtin_memset(buf, 0, sizeof(buf)); /* the zero padding of a short chunk */
		if (bpf_xdp_load_bytes(ctx, off + done, buf, (__u32)n))
			return ~0ull;
		for (int w = 0; w < EDGELB_CSUM_CHUNK / 2; w++)
			s += buf[w];
	}
	/* fold to 32 bits: the callers keep adding 16-bit words */
	s = (s & 0xffffffffull) + (s >> 32);
	return (s & 0xffffffffull) + (s >> 32);
}

static __always_inline int edgelb_t_csum_frame(struct xdp_md *ctx, __u32 off, __u32 len,
					       __u32 *sum)
{
	__u64 s = edgelb_bpf_csum_frame(ctx, off, len, 0);

	if (s == ~0ull)
		return -1;
	s += *sum;
	*sum = (__u32)((s & 0xffff) + ((s >> 16) & 0xffff) + (s >> 32));
	return 0;
}

static __always_inline struct edgelb_vip_meta *edgelb_t_vip(struct xdp_md *ctx,
							   const struct edgelb_vip_key *k)
{
	return bpf_map_lookup_elem(&vips, k);
}

static __always_inline struct edgelb_vip_meta *
edgelb_t_vip_by_id(struct xdp_md *ctx, const struct edgelb_vip_key *k, __u32 vip_id)
{
	struct edgelb_vip_entry *e = bpf_map_lookup_elem(&vip_ids, &vip_id);
	const __u32 *a, *b;

	if (!e)
		return 0;
	/* the five words of the key: the entry is the VIP map's for k, or not k's */
	a = (const __u32 *)&e->key;
	b = (const __u32 *)k;
	if ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]))
		return 0;
	return &e->meta;
}

static __always_inline const struct edgelb_vip_summary *edgelb_t_vip_summary(struct xdp_md *ctx)
{
	return &edgelb_summary;
}

static __always_inline struct edgelb_backend *edgelb_t_backend(struct xdp_md *ctx, __u32 id)
{
	return bpf_map_lookup_elem(&backends, &id);
}

static __always_inline __u32 edgelb_t_ring_slot(struct xdp_md *ctx,
						const struct edgelb_vip_meta *vip, __u32 slot)
{
	__u32 idx = vip->ring_base + slot, pair = idx >> 1;
	__u32 *two = bpf_map_lookup_elem(&rings, &pair);

	return two ? two[idx & 1] : EDGELB_NO_BACKEND;
}

static __always_inline const struct edgelb_node_config *edgelb_t_node_config(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex, slot = ifindex % EDGELB_NODE_SLOTS;
	const struct edgelb_node_config *cfg = bpf_map_lookup_elem(&node_config, &slot);

	return cfg && cfg->ifindex == ifindex ? cfg : 0;
}

static __always_inline struct edgelb_cpu_state *edgelb_t_cpu_state(struct xdp_md *ctx)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_state, &zero);
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
	/*
	 * Tick resolution is plenty for a flow's creation time, and on these
	 * VMs the precise clock costs 30+ ns of a new flow's budget.
	 */
	return bpf_ktime_get_coarse_ns();
}

#endif /* EDGELB_MAPS_BPF_H */
