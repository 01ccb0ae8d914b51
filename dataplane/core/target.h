/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a target (the XDP program, the DPDK application, the host test
 * harness) provides before it includes encap.h, icmp.h and forward.h.
 * The core is written against these names only; each target defines
 * EDGELB_CTX (its per-packet context type) and these functions, all
 * static and inlinable:
 *
 * Packet (the frame should start 2 bytes past a 4-byte boundary, as NIC
 * drivers place it (NET_IP_ALIGN), so that IP headers are aligned: the
 * core reads them through struct pointers)
 *   void *edgelb_t_data(EDGELB_CTX *ctx);       first byte of the frame
 *   void *edgelb_t_data_end(EDGELB_CTX *ctx);   one past the last byte
 *   int edgelb_t_adjust_head(EDGELB_CTX *ctx, int delta);
 *         move the frame start by delta bytes (negative: grow in front);
 *         0 or negative on failure. Invalidates data pointers.
 *   int edgelb_t_adjust_tail(EDGELB_CTX *ctx, int delta);
 *         move the frame end (negative: shrink); same contract. A frame
 *         in several buffers shrinks from its last buffer.
 *   __u32 edgelb_t_frame_len(EDGELB_CTX *ctx);
 *         the whole frame's length, all buffers (data_end - data for a
 *         frame in one buffer). Called only for frames whose IP packet
 *         goes on past data_end.
 *   int edgelb_t_csum_frame(EDGELB_CTX *ctx, __u32 off, __u32 len, __u32 *sum);
 *         add to *sum the 16-bit one's complement partial sum (RFC 1071,
 *         words in memory order, an odd last byte padded with zero) of
 *         len bytes of the frame from offset off; 0, or negative when
 *         the bytes cannot all be read. Only for rare packets (the GUE
 *         over IPv6 checksum of fragments and of UDP without checksum):
 *         the XDP target runs it as a separately verified function.
 *
 * Tables (read-mostly; written by the control plane)
 *   struct edgelb_vip_meta *edgelb_t_vip(EDGELB_CTX *, const struct edgelb_vip_key *);
 *   struct edgelb_vip_meta *edgelb_t_vip_by_id(EDGELB_CTX *, const struct edgelb_vip_key *,
 *                                              __u32 vip_id);
 *         the VIP of that key when it is vip_id, else NULL (another VIP,
 *         or none): what edgelb_t_vip() gives, when a target can answer
 *         it cheaper from the id (XDP: an array, no hash); a target
 *         without that answers it with edgelb_t_vip() and a compare.
 *   const struct edgelb_vip_summary *edgelb_t_vip_summary(EDGELB_CTX *);
 *         the control plane's summary of the VIP map (abi.h), or NULL
 *         when the target keeps none: every candidate is then looked up
 *         in the VIP map first, on its port and then on port 0.
 *   struct edgelb_backend *edgelb_t_backend(EDGELB_CTX *, __u32 backend_id);
 *         NULL when the id is out of range; a slot with family 0 is unused.
 *   __u32 edgelb_t_ring_slot(EDGELB_CTX *, const struct edgelb_vip_meta *, __u32 slot);
 *         the backend id in that slot of the VIP's live ring, or
 *         EDGELB_NO_BACKEND.
 *   const struct edgelb_node_config *edgelb_t_node_config(EDGELB_CTX *);
 *         the slot of the interface the frame came in on, NULL when that
 *         interface has none (abi.h: struct edgelb_node_config).
 *
 * Flow table (per CPU, LRU)
 *   struct edgelb_flow_state *edgelb_t_flow_lookup(EDGELB_CTX *, const struct edgelb_flow_key *);
 *   void edgelb_t_flow_update(EDGELB_CTX *, const struct edgelb_flow_key *,
 *                             const struct edgelb_flow_state *);
 *
 * Counters (per CPU; plain increments, no atomics)
 *   struct edgelb_counters *edgelb_t_vip_counters(EDGELB_CTX *, __u32 vip_id);
 *   struct edgelb_counters *edgelb_t_backend_counters(EDGELB_CTX *, __u32 backend_id);
 *   void edgelb_t_count(EDGELB_CTX *, enum edgelb_counter);
 *
 * Per-CPU scratch (ICMP budget, new-flow guard, outer IPv4 ids)
 *   struct edgelb_cpu_state *edgelb_t_cpu_state(EDGELB_CTX *);  may be NULL
 *
 * Clock
 *   __u64 edgelb_t_now_ns(EDGELB_CTX *);        monotonic nanoseconds
 */
#ifndef EDGELB_TARGET_H
#define EDGELB_TARGET_H

#ifndef EDGELB_CTX
#error "define EDGELB_CTX and the edgelb_t_* functions before including the core"
#endif

/*
 * What the core asks the target to do with the frame. Each target turns
 * it into its own action (the XDP target: bpf/xdp_verdict.h); the core
 * knows no target's constants, and compiles without <linux/bpf.h>.
 */
enum edgelb_verdict {
	EDGELB_V_PASS = 0, /* to the local stack, unchanged */
	EDGELB_V_DROP = 1,
	EDGELB_V_TX = 2,   /* out of the interface it came in, rewritten */
};

#endif /* EDGELB_TARGET_H */
