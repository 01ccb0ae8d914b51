/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The forwarding decision, the same on every target:
 *
 *   parse -> VIP summary (abi.h: no VIP at this address -> pass)
 *         -> flow table hit whose VIP is still the packet's (VIP by id),
 *            else VIP lookup (exact port, then port 0 where such VIPs exist)
 *         -> fragment policy
 *         -> backend: flow table hit on a live backend, else Maglev ring
 *         -> next hop known? (else drop: nothing is sent nor answered)
 *         -> MTU check (ICMP too-big to the client, or drop)
 *         -> cut to the IP packet -> encapsulate or rewrite for DSR
 *         -> flow entry (only now: the packet leaves) -> counters -> TX
 *
 * Flow table rules (DESIGN.md, "Data path"):
 *  - a hit keeps the flow on its backend while the backend is alive, even
 *    when the ring has changed and even when the backend is drained;
 *  - a hit on a dead (or removed) backend re-picks from the ring and
 *    overwrites the entry (counted as a rehash);
 *  - a TCP SYN without ACK starts a new connection: it skips the lookup
 *    and takes the ring's current answer, so a reused 5-tuple does not
 *    inherit the backend of a long-gone connection;
 *  - ICMP errors follow their flow but never create an entry;
 *  - an entry is written only for a packet that leaves for its backend
 *    (not for one answered with ICMP too-big or dropped);
 *  - and only within this CPU's new-flow budget (node_config.new_flow_rate,
 *    edgelb_flow_guard()): above it the flow is placed by the ring all the
 *    same, but not written (new_flow_unsaved), so that a flood of new
 *    clients neither evicts established flows from the LRU nor pays its
 *    insert. Such a flow's next packets miss and take the ring again: the
 *    same backend while the ring stands.
 *
 * Fragments: a fragment of a VIP hashed on ports cannot be placed (later
 * fragments carry no ports) and is dropped and counted. A VIP hashed on
 * addresses only (EDGELB_VIP_F_NO_PORT_HASH) forwards every fragment to
 * the same backend as the rest of its datagram; later fragments find such
 * a VIP only when it is an all-ports (port 0) VIP.
 *
 * Frames in several buffers (jumbo frames under multi-buffer XDP): the
 * packet path reads headers only from the first buffer and does not
 * forward such frames: one larger than the VIP's MTU gets the too-big
 * answer like any other (ICMP when DF is set), one that fits is dropped
 * as drop_multi_buffer. Interfaces of a balancer run an MTU that fits one
 * buffer (about 3.5 KB under XDP) unless jumbo frames never reach a VIP.
 */
#ifndef EDGELB_FORWARD_H
#define EDGELB_FORWARD_H

#include "abi.h"
#include "compiler.h"
#include "encap.h"
#include "hash.h"
#include "icmp.h"
#include "parse.h"
#include "target.h"

EDGELB_INLINE int edgelb_drop(EDGELB_CTX *ctx, enum edgelb_counter why)
{
	edgelb_t_count(ctx, why);
	return EDGELB_V_DROP;
}

EDGELB_INLINE void edgelb_vip_key_of(const struct edgelb_pkt *pkt, struct edgelb_vip_key *vk)
{
	vk->addr = pkt->key.dst;
	vk->port = pkt->key.dport;
	vk->proto = pkt->key.proto;
	vk->family = pkt->key.family;
}

/*
 * The VIP of the packet: its exact port, then the all-ports VIP of its
 * address -- retried only where the summary says one may exist, so that a
 * packet to no VIP pays one hash lookup, not two.
 */
EDGELB_INLINE struct edgelb_vip_meta *edgelb_find_vip(EDGELB_CTX *ctx,
						      const struct edgelb_pkt *pkt,
						      const struct edgelb_vip_summary *sum)
{
	struct edgelb_vip_key vk;
	struct edgelb_vip_meta *vip;

	edgelb_vip_key_of(pkt, &vk);
	vip = edgelb_t_vip(ctx, &vk);
	if (vip || !vk.port || (sum && !(sum->flags & EDGELB_SUMMARY_F_PORT0)))
		return vip;
	vk.port = 0;
	return edgelb_t_vip(ctx, &vk);
}

EDGELB_INLINE int edgelb_summary_test(const __u64 *bits, __u32 bit)
{
	return (int)((bits[(bit >> 6) & (EDGELB_SUMMARY_BITS / 64 - 1)] >> (bit & 63)) & 1);
}

#define EDGELB_NS_PER_S 1000000000ull

/*
 * May this CPU write one more new flow into its flow table at now (ns)?
 * 1 or 0. A token bucket per CPU (edgelb_cpu_state), rate and burst from
 * the node config, rate 0 = always. The credit is kept in ns x rate, so
 * that a refill is a multiply and a write costs EDGELB_NS_PER_S: no
 * division per new flow. A bucket is full at its first use, after the
 * clock went back, and after 2^32 ns (4.3 s) unused; the last also keeps
 * elapsed x rate within 64 bits for every rate the config allows
 * (edgelb.conf(5): at most 10^7). Without per-CPU state the guard stays
 * open: the flow table then works as it would without it.
 */
EDGELB_INLINE int edgelb_flow_guard(EDGELB_CTX *ctx, const struct edgelb_node_config *cfg,
				    __u64 now)
{
	struct edgelb_cpu_state *cs;
	__u64 cap, credit, elapsed;

	if (!cfg->new_flow_rate)
		return 1;
	cs = edgelb_t_cpu_state(ctx);
	if (!cs)
		return 1;
	cap = (__u64)(cfg->new_flow_burst ? cfg->new_flow_burst : 1) * EDGELB_NS_PER_S;
	elapsed = now - cs->flow_last_ns;
	if (!cs->flow_last_ns || now < cs->flow_last_ns || elapsed >= (1ull << 32))
		credit = cap;
	else
		credit = cs->flow_credit + elapsed * cfg->new_flow_rate;
	if (credit > cap)
		credit = cap;
	cs->flow_last_ns = now;
	if (credit < EDGELB_NS_PER_S) {
		cs->flow_credit = credit;
		return 0;
	}
	cs->flow_credit = credit - EDGELB_NS_PER_S;
	return 1;
}

EDGELB_INLINE void edgelb_count_flow(struct edgelb_counters *c, __u16 bytes, int new_flow)
{
	if (!c)
		return;
	c->packets++;
	c->bytes += bytes;
	c->new_flows += (__u64)new_flow;
}

/*
 * Cut the frame to its IP packet: Ethernet padding and trailing bytes must
 * not ride into a tunnel (the outer length would not match the frame) nor
 * out by DSR, in any buffer of the frame. 0, or -1 when the target refused.
 */
EDGELB_INLINE int edgelb_trim(EDGELB_CTX *ctx, const struct edgelb_pkt *pkt)
{
	__u32 keep = (__u32)pkt->l3_off + pkt->ip_len, len = edgelb_t_frame_len(ctx);

	if (len <= keep)
		return 0;
	return edgelb_t_adjust_tail(ctx, -(int)(len - keep)) ? -1 : 0;
}

/* Process the frame in ctx; returns an enum edgelb_verdict. */
EDGELB_INLINE int edgelb_forward(EDGELB_CTX *ctx)
{
	const struct edgelb_vip_summary *sum;
	const struct edgelb_node_config *cfg;
	struct edgelb_flow_state *fs = 0;
	struct edgelb_vip_meta *vip = 0, vip_copy;
	struct edgelb_backend *be = 0;
	struct edgelb_pkt pkt;
	const __u8 *next_hop;
	__u32 be_id = EDGELB_NO_BACKEND, hash = 0;
	__u16 overhead;
	int rc, new_flow = 0, rehash = 0, looked_up = 0;

	rc = edgelb_parse(edgelb_t_data(ctx), edgelb_t_data_end(ctx), &pkt);
	if (rc != EDGELB_PARSE_CANDIDATE) {
		edgelb_t_count(ctx, (enum edgelb_counter)pkt.counter);
		return rc == EDGELB_PARSE_DROP ? EDGELB_V_DROP : EDGELB_V_PASS;
	}

	sum = edgelb_t_vip_summary(ctx);
	if (sum) {
		__u32 bit = edgelb_vip_summary_bit(&pkt.key.dst, pkt.key.family);

		if (!edgelb_summary_test(sum->vip_bits, bit)) {
			edgelb_t_count(ctx, EDGELB_EV_PASS_NOT_VIP);
			return EDGELB_V_PASS;
		}
		/*
		 * Flow table first: a hit whose VIP is still the one that
		 * owns the packet's own key needs no VIP hash lookup. What
		 * the entry says is used exactly as below (fs); a miss is not
		 * looked up again. SYNs skip the table (below); fragments go
		 * the long way, their key depends on the VIP's policy.
		 */
		if (edgelb_summary_test(sum->flow_bits, bit) &&
		    !(pkt.flags & (EDGELB_PKT_F_SYN | EDGELB_PKT_F_FRAGMENT))) {
			looked_up = 1;
			fs = edgelb_t_flow_lookup(ctx, &pkt.key);
			if (fs) {
				struct edgelb_vip_key vk;

				edgelb_vip_key_of(&pkt, &vk);
				vip = edgelb_t_vip_by_id(ctx, &vk, fs->vip_id);
			}
		}
	}
	if (!vip)
		vip = edgelb_find_vip(ctx, &pkt, sum);
	if (!vip) {
		edgelb_t_count(ctx, EDGELB_EV_PASS_NOT_VIP);
		return EDGELB_V_PASS;
	}
	/*
	 * One copy, whichever table it came from: the BPF verifier then
	 * walks what follows once, not once per table (pointers into two
	 * maps never merge, and its budget is finite).
	 */
	vip_copy = *vip;
	vip = &vip_copy;
	/*
	 * A VIP packet in a broadcast or multicast frame was not sent to us
	 * alone (a flooding switch, a misconfigured router): the kernel
	 * decides, we neither forward nor answer it.
	 */
	if (pkt.flags & EDGELB_PKT_F_L2_GROUP) {
		edgelb_t_count(ctx, EDGELB_EV_PASS_L2_GROUP);
		return EDGELB_V_PASS;
	}
	/* past the first buffer: a jumbo frame, or a short one that lies */
	if ((pkt.flags & EDGELB_PKT_F_BEYOND_BUF) &&
	    (__u32)pkt.l3_off + pkt.ip_len > edgelb_t_frame_len(ctx))
		return edgelb_drop(ctx, EDGELB_DROP_TRUNCATED);

	if (vip->flags & EDGELB_VIP_F_NO_PORT_HASH) {
		pkt.key.sport = 0;
		pkt.key.dport = 0;
		looked_up = 0; /* another key */
		if (pkt.flags & EDGELB_PKT_F_FRAGMENT)
			edgelb_t_count(ctx, EDGELB_EV_FRAGMENT_FORWARDED);
	} else if (pkt.flags & EDGELB_PKT_F_FRAGMENT) {
		return edgelb_drop(ctx, EDGELB_DROP_FRAGMENT);
	}
	if (!(vip->flags & EDGELB_VIP_F_NO_CONNTRACK) && !(pkt.flags & EDGELB_PKT_F_SYN)) {
		if (!looked_up)
			fs = edgelb_t_flow_lookup(ctx, &pkt.key);
		if (fs) {
			be = edgelb_t_backend(ctx, fs->backend_id);
			if (be && (be->flags & EDGELB_BE_F_ALIVE)) {
				be_id = fs->backend_id;
				/* the entry's key is pkt.key: its hash was kept */
				hash = fs->hash;
			} else {
				rehash = 1;
			}
		}
	}

	if (be_id == EDGELB_NO_BACKEND) {
		if (!vip->ring_size)
			return edgelb_drop(ctx, EDGELB_DROP_NO_BACKEND);
		/*
		 * The flow hash only where something reads it: here and in
		 * the encapsulation (below). A flow-table hit has it from its
		 * entry (above).
		 */
		hash = edgelb_flow_key_hash(&pkt.key);
		be_id = edgelb_t_ring_slot(ctx, vip, hash % vip->ring_size);
		if (be_id == EDGELB_NO_BACKEND)
			return edgelb_drop(ctx, EDGELB_DROP_NO_BACKEND);
		be = edgelb_t_backend(ctx, be_id);
		if (!be || !be->family)
			return edgelb_drop(ctx, EDGELB_DROP_BACKEND_INVALID);
		/* written once the packet leaves for the backend, not before */
		new_flow = !(pkt.flags & EDGELB_PKT_F_ICMP_ERR) &&
			   !(vip->flags & EDGELB_VIP_F_NO_CONNTRACK);
	}
	cfg = edgelb_t_node_config(ctx);
	if (!cfg || edgelb_mac_is_zero(cfg->if_mac))
		return edgelb_drop(ctx, EDGELB_DROP_NO_CONFIG);
	if (vip->encap != EDGELB_ENCAP_GUE && be->family != pkt.key.family)
		return edgelb_drop(ctx, EDGELB_DROP_FAMILY_MISMATCH);
	/* what cannot be delivered is neither sent nor answered */
	next_hop = edgelb_next_hop_mac(vip, be, cfg);
	if (!next_hop)
		return edgelb_drop(ctx, EDGELB_DROP_NO_NEXT_HOP);
	if (vip->encap != EDGELB_ENCAP_DSR &&
	    (be->family == EDGELB_AF_INET6 ? !(cfg->src_v6.v6[0] | cfg->src_v6.v6[1] |
					       cfg->src_v6.v6[2] | cfg->src_v6.v6[3])
					   : !cfg->src_v4.v4))
		return edgelb_drop(ctx, EDGELB_DROP_NO_CONFIG);

	overhead = edgelb_encap_overhead(vip->encap, be->family);
	if (vip->mtu && (__u32)pkt.ip_len + overhead > vip->mtu) {
		if (!(pkt.flags & EDGELB_PKT_F_DF) || (pkt.flags & EDGELB_PKT_F_ICMP_ERR) ||
		    (vip->flags & EDGELB_VIP_F_MTU_DROP) || vip->mtu <= overhead)
			return edgelb_drop(ctx, EDGELB_DROP_TOO_BIG);
		if (!edgelb_icmp_may_answer(&pkt, edgelb_t_data(ctx), edgelb_t_data_end(ctx)))
			return edgelb_drop(ctx, EDGELB_DROP_TOO_BIG_BAD_SOURCE);
		if (!edgelb_icmp_budget(ctx, cfg))
			return edgelb_drop(ctx, EDGELB_DROP_TOO_BIG_RATE_LIMITED);
		if (edgelb_icmp_too_big(ctx, &pkt, (__u16)(vip->mtu - overhead), cfg->if_mac))
			return edgelb_drop(ctx, EDGELB_DROP_ENCAP_FAILED);
		edgelb_t_count(ctx, EDGELB_EV_ICMP_TOO_BIG_SENT);
		return EDGELB_V_TX;
	}
	if (pkt.flags & EDGELB_PKT_F_BEYOND_BUF)
		return edgelb_drop(ctx, EDGELB_DROP_MULTI_BUFFER);

	if (edgelb_trim(ctx, &pkt))
		return edgelb_drop(ctx, EDGELB_DROP_ENCAP_FAILED);
	if (vip->encap == EDGELB_ENCAP_DSR) {
		if (edgelb_encap_dsr(ctx, next_hop, cfg))
			return edgelb_drop(ctx, EDGELB_DROP_ENCAP_FAILED);
	} else {
		/* hash: for the IPv6 flow label, the GUE source port, a non-DF IPv4 id */
		rc = edgelb_encap_tunnel(ctx, &pkt, vip, be, next_hop, cfg, hash);
		if (rc)
			return edgelb_drop(ctx, rc == -2 ? EDGELB_DROP_MULTI_BUFFER
							 : EDGELB_DROP_ENCAP_FAILED);
	}

	if (new_flow) {
		__u64 now = edgelb_t_now_ns(ctx);

		if (edgelb_flow_guard(ctx, cfg, now)) {
			struct edgelb_flow_state st = {
				.backend_id = be_id,
				.vip_id = vip->vip_id,
				.hash = hash, /* set: a ring pick reads it */
				.created_ms = (__u32)(now / 1000000),
			};

			edgelb_t_flow_update(ctx, &pkt.key, &st);
			/* an unsaved rehash is not counted: its next packet would count again */
			if (rehash)
				edgelb_t_count(ctx, EDGELB_EV_FLOW_REHASHED);
		} else {
			edgelb_t_count(ctx, EDGELB_EV_NEW_FLOW_UNSAVED);
		}
	}
	if (pkt.flags & EDGELB_PKT_F_ICMP_ERR)
		edgelb_t_count(ctx, EDGELB_EV_ICMP_FORWARDED);
	edgelb_count_flow(edgelb_t_vip_counters(ctx, vip->vip_id), pkt.ip_len, new_flow);
	edgelb_count_flow(edgelb_t_backend_counters(ctx, be_id), pkt.ip_len, new_flow);
	return EDGELB_V_TX;
}

#endif /* EDGELB_FORWARD_H */
