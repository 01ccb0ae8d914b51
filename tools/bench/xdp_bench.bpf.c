// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programs for the XDP benchmark (tools/bench/xdp.c). They run the same
 * packet-path core as the balancer, on the balancer's own maps (the
 * loader reuses every map fd of bpf/edgelb.bpf.c), so the tables the
 * benchmark programs through controlplane/xdp.c are the ones used here.
 *
 * Why a wrapper at all: with BPF_PROG_TEST_RUN and repeat > 1 the kernel
 * runs the program again and again on ONE buffer, keeping the data
 * pointers it moved. The balancer encapsulates, so from the second
 * iteration on it would see its own output (an IPIP packet to a backend,
 * not a VIP packet) and measure the pass path. bench_edgelb undoes the
 * rewrite after each run: it saves the first BENCH_L2_SAVE bytes, runs
 * edgelb_forward() and on TX moves the start back by what the core added
 * and writes the saved bytes back. That costs a few loads and stores and
 * one bpf_xdp_adjust_head(); bench_restore_floor measures exactly that.
 *
 * In live-frames mode the kernel resets the data pointers of each frame
 * but not its bytes, so bench_live writes the client's Ethernet header
 * back (the only bytes an encapsulation overwrites) before forwarding.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "edgelb_maps.bpf.h"
#include "forward.h"
#include "xdp_verdict.h"

/*
 * Bytes of the client frame that a rewrite may overwrite: the Ethernet
 * header and up to two VLAN tags (22 bytes), rounded up to whole words so
 * the copy is three 8-byte loads and stores.
 */
#define BENCH_L2_SAVE 24

struct bench_l2 {
	__u64 w[BENCH_L2_SAVE / 8];
};

/*
 * Live mode: the client frame's first BENCH_L2_SAVE bytes, from the loader
 * (a plain array: a skeleton cannot name a struct type of the BPF side).
 */
__u64 live_l2[BENCH_L2_SAVE / 8];

/* Verdict of the receiving peer's program (XDP_PASS or XDP_DROP). */
__u32 rx_verdict = XDP_PASS;

/* Frames the receiving peer saw, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rx_count SEC(".maps");

/*
 * Frame length. A pointer difference, which the verifier turns into a
 * scalar for a privileged loader; written on pointers so that clang emits
 * a 64-bit subtraction, not 32-bit arithmetic on pkt_end (refused).
 */
static __always_inline long bench_len(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	return data_end - data;
}

/*
 * Word copies, spelled out: __builtin_memcpy() from a packet pointer is
 * compiled byte by byte (its alignment is unknown), which would make the
 * wrapper several times dearer. x86 takes unaligned 8-byte accesses.
 */
static __always_inline void bench_copy(__u64 *dst, const __u64 *src)
{
	dst[0] = src[0];
	dst[1] = src[1];
	dst[2] = src[2];
}

static __always_inline int bench_save(struct xdp_md *ctx, struct bench_l2 *s)
{
	void *data = (void *)(long)ctx->data;

	if (data + BENCH_L2_SAVE > (void *)(long)ctx->data_end)
		return -1;
	bench_copy(s->w, data);
	return 0;
}

/*
 * Undo a rewrite: the frame start moves back by grown bytes (what the
 * encapsulation added, 0 for DSR) and the saved bytes go back in place.
 * always_adjust makes the helper call even for 0, for the floor.
 */
static __always_inline int bench_restore(struct xdp_md *ctx, const __u64 *saved, long grown,
					 int always_adjust)
{
	void *data;

	if ((grown || always_adjust) && bpf_xdp_adjust_head(ctx, (int)grown))
		return -1;
	data = (void *)(long)ctx->data;
	if (data + BENCH_L2_SAVE > (void *)(long)ctx->data_end)
		return -1;
	bench_copy(data, saved);
	return 0;
}

/*
 * A new IPv4 flow for the next iteration: the client address grows by
 * one, so every SYN inserts a key the table has not seen (the table
 * fills, then the LRU evicts), as a stream of new clients would.
 */
static __always_inline void bench_next_client(struct xdp_md *ctx)
{
	struct ethhdr *eth = (void *)(long)ctx->data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > (void *)(long)ctx->data_end)
		return;
	if (eth->h_proto == edgelb_htons(ETH_P_IP))
		ip->saddr = edgelb_htonl(edgelb_ntohl(ip->saddr) + 1);
}

/*
 * The balancer behind a global function: the verifier checks it once, on
 * its own, as it checks bpf/edgelb.bpf.c, and not again inside every path
 * of the wrapper around it, which would take the wrapper past the
 * verifier's budget. It costs the wrapped rows one BPF-to-BPF call (about
 * a nanosecond) that W does not subtract: those rows overstate the
 * balancer by that much.
 */
__attribute__((noinline)) int bench_forward(struct xdp_md *ctx)
{
	return edgelb_forward(ctx);
}

static __always_inline int bench_wrap(struct xdp_md *ctx, int next_client)
{
	struct bench_l2 saved;
	long len0;
	int v;

	if (bench_save(ctx, &saved))
		return XDP_ABORTED;
	len0 = bench_len(ctx);
	v = bench_forward(ctx);
	if (v != EDGELB_V_TX)
		return edgelb_xdp_action(v);
	if (bench_restore(ctx, saved.w, bench_len(ctx) - len0, 0))
		return XDP_ABORTED;
	if (next_client)
		bench_next_client(ctx);
	return XDP_TX;
}

/* The balancer, undone after each run: the figure the benchmark reports. */
SEC("xdp")
int bench_edgelb(struct xdp_md *ctx)
{
	return bench_wrap(ctx, 0);
}

/* As bench_edgelb, and every run is a new client (SYN: a new flow each). */
SEC("xdp")
int bench_edgelb_new_clients(struct xdp_md *ctx)
{
	return bench_wrap(ctx, 1);
}

/* What the wrapper adds: save, one adjust_head, restore. */
SEC("xdp")
int bench_restore_floor(struct xdp_md *ctx)
{
	struct bench_l2 saved;

	if (bench_save(ctx, &saved))
		return XDP_ABORTED;
	if (bench_restore(ctx, saved.w, 0, 1))
		return XDP_ABORTED;
	return XDP_TX;
}

/*
 * The least an encapsulating balancer does: 20 bytes more in front, an
 * Ethernet and an outer IPv4 header (with checksum) written, XDP_TX.
 */
static __always_inline int bench_encap20(struct xdp_md *ctx)
{
	static const __u8 mac_dst[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const __u8 mac_src[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct ethhdr *eth;
	struct iphdr *ip, *inner;
	void *data_end;

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return -1;
	eth = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ip = (void *)(eth + 1);
	inner = ip + 1;
	if ((void *)(inner + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, mac_dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac_src, ETH_ALEN);
	eth->h_proto = edgelb_htons(ETH_P_IP);
	edgelb_write_ip4(ip, (__u16)(edgelb_ntohs(inner->tot_len) + sizeof(*ip)), inner->tos,
			 IPPROTO_IPIP, edgelb_htonl(0xcb007101) /* 203.0.113.1 */,
			 edgelb_htonl(0xc6336401) /* 198.51.100.1 */, 1, 0);
	return 0;
}

/* The encap floor, undone after each run like bench_edgelb. */
SEC("xdp")
int bench_encap_floor(struct xdp_md *ctx)
{
	struct bench_l2 saved;

	if (bench_save(ctx, &saved))
		return XDP_ABORTED;
	if (bench_encap20(ctx))
		return XDP_ABORTED;
	if (bench_restore(ctx, saved.w, sizeof(struct iphdr), 1))
		return XDP_ABORTED;
	return XDP_TX;
}

/*
 * Where the time goes: the established IPv4 path cut after each step
 * (in forward.h's order for a flow-table hit),
 * built from the core's own functions. Each stage returns XDP_PASS when
 * its step succeeded and XDP_ABORTED otherwise, so the loader can tell a
 * measured stage from a short cut. Results are pinned with
 * edgelb_opaque() so the compiler keeps the work.
 */
enum bench_stage {
	BENCH_STAGE_PARSE,	/* edgelb_parse() */
	BENCH_STAGE_FLOW,	/* + VIP summary bits + flow table (LRU hash) */
	BENCH_STAGE_VIP,	/* + VIP by id (array, key compared) */
	BENCH_STAGE_HASH,	/* + backend (array); the flow hash comes from the entry */
	BENCH_STAGE_ENCAP,	/* + node config, IPIP encap, undone: no counters */
};

static __always_inline int bench_stage(struct xdp_md *ctx, enum bench_stage stage)
{
	const struct edgelb_node_config *cfg;
	struct edgelb_flow_state *fs;
	struct edgelb_vip_meta *vip;
	struct edgelb_backend *be;
	struct edgelb_pkt pkt;
	struct bench_l2 saved;
	__u64 sink;
	__u32 hash;
	long len0;

	if (stage == BENCH_STAGE_ENCAP && bench_save(ctx, &saved))
		return XDP_ABORTED;
	len0 = bench_len(ctx);
	if (edgelb_parse(edgelb_t_data(ctx), edgelb_t_data_end(ctx), &pkt) !=
	    EDGELB_PARSE_CANDIDATE)
		return XDP_ABORTED;
	if (stage == BENCH_STAGE_PARSE) {
		sink = pkt.key.src.v4 ^ pkt.key.dst.v4 ^ pkt.key.sport ^ pkt.key.dport ^
		       pkt.key.proto ^ pkt.ip_len;
		edgelb_opaque(sink);
		return XDP_PASS;
	}
	{
		const struct edgelb_vip_summary *sum = edgelb_t_vip_summary(ctx);
		__u32 bit = edgelb_vip_summary_bit(&pkt.key.dst, pkt.key.family);

		if (!edgelb_summary_test(sum->vip_bits, bit) ||
		    !edgelb_summary_test(sum->flow_bits, bit))
			return XDP_ABORTED;
	}
	fs = edgelb_t_flow_lookup(ctx, &pkt.key);
	if (!fs)
		return XDP_ABORTED;
	if (stage == BENCH_STAGE_FLOW) {
		sink = fs->vip_id;
		edgelb_opaque(sink);
		return XDP_PASS;
	}
	{
		struct edgelb_vip_key vk;

		edgelb_vip_key_of(&pkt, &vk);
		vip = edgelb_t_vip_by_id(ctx, &vk, fs->vip_id);
	}
	if (!vip)
		return XDP_ABORTED;
	if (stage == BENCH_STAGE_VIP) {
		sink = vip->vip_id;
		edgelb_opaque(sink);
		return XDP_PASS;
	}
	hash = fs->hash;
	edgelb_opaque(hash);
	be = edgelb_t_backend(ctx, fs->backend_id);
	if (!be || !(be->flags & EDGELB_BE_F_ALIVE))
		return XDP_ABORTED;
	if (stage == BENCH_STAGE_HASH)
		return XDP_PASS;
	cfg = edgelb_t_node_config(ctx);
	if (!cfg || !cfg->src_v4.v4 || be->family != EDGELB_AF_INET)
		return XDP_ABORTED;
	{
		const __u8 *next_hop = edgelb_next_hop_mac(vip, be, cfg);

		if (!next_hop || edgelb_encap_tunnel(ctx, &pkt, vip, be, next_hop, cfg, hash))
			return XDP_ABORTED;
	}
	if (bench_restore(ctx, saved.w, bench_len(ctx) - len0, 0))
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("xdp")
int bench_stage_parse(struct xdp_md *ctx)
{
	return bench_stage(ctx, BENCH_STAGE_PARSE);
}

SEC("xdp")
int bench_stage_vip(struct xdp_md *ctx)
{
	return bench_stage(ctx, BENCH_STAGE_VIP);
}

SEC("xdp")
int bench_stage_hash(struct xdp_md *ctx)
{
	return bench_stage(ctx, BENCH_STAGE_HASH);
}

SEC("xdp")
int bench_stage_flow(struct xdp_md *ctx)
{
	return bench_stage(ctx, BENCH_STAGE_FLOW);
}

SEC("xdp")
int bench_stage_encap(struct xdp_md *ctx)
{
	return bench_stage(ctx, BENCH_STAGE_ENCAP);
}

/* Live mode: the balancer on a frame whose first bytes are put back. */
SEC("xdp")
int bench_live(struct xdp_md *ctx)
{
	if (bench_restore(ctx, live_l2, 0, 0))
		return XDP_ABORTED;
	return edgelb_xdp_action(bench_forward(ctx));
}

/*
 * Live mode, new flows: each frame a new client. The kernel recycles a
 * few pages of frames, so the source address comes from one counter (this
 * program runs on one CPU), not from the bytes each frame kept.
 */
__u32 live_client;

SEC("xdp")
int bench_live_new(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct iphdr *ip;

	if (bench_restore(ctx, live_l2, 0, 0))
		return XDP_ABORTED;
	eth = (void *)(long)ctx->data;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	ip->saddr = edgelb_htonl(0xc6120000u + ++live_client); /* 198.18.0.0 on */
	return edgelb_xdp_action(bench_forward(ctx));
}

/* Live floors: the harness alone, and the 20-byte encapsulation. */
SEC("xdp")
int bench_live_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("xdp")
int bench_live_encap(struct xdp_md *ctx)
{
	return bench_encap20(ctx) ? XDP_ABORTED : XDP_TX;
}

/*
 * The receiving veth peer: counts the benchmark's frames (IPv4; the
 * kernel's own IPv6 chatter on a fresh link is not ours), then passes (or
 * drops) every frame.
 */
SEC("xdp")
int bench_rx(struct xdp_md *ctx)
{
	struct ethhdr *eth = (void *)(long)ctx->data;
	__u32 zero = 0;
	__u64 *n;

	if ((void *)(eth + 1) > (void *)(long)ctx->data_end ||
	    eth->h_proto != edgelb_htons(ETH_P_IP))
		return rx_verdict;
	n = bpf_map_lookup_elem(&rx_count, &zero);
	if (n)
		*n += 1;
	return rx_verdict;
}

char LICENSE[] SEC("license") = "GPL";
