/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The forwarding decision, the same on every target:
 *
 *   parse -> VIP lookup (exact port, then port 0) -> fragment policy
 *         -> backend: flow table hit on a live backend, else Maglev ring
 *         -> MTU check (ICMP too-big to the client, or drop)
 *         -> encapsulate or rewrite for DSR -> counters -> TX
 *
 * Flow table rules (DESIGN.md, "Data path"):
 *  - a hit keeps the flow on its backend while the backend is alive, even
 *    when the ring has changed and even when the backend is drained;
 *  - a hit on a dead (or removed) backend re-picks from the ring and
 *    overwrites the entry (counted as a rehash);
 *  - a TCP SYN without ACK starts a new connection: it skips the lookup
 *    and takes the ring's current answer, so a reused 5-tuple does not
 *    inherit the backend of a long-gone connection;
 *  - ICMP errors follow their flow but never create an entry.
 *
 * Fragments: a fragment of a VIP hashed on ports cannot be placed (later
 * fragments carry no ports) and is dropped and counted. A VIP hashed on
 * addresses only (EDGELB_VIP_F_NO_PORT_HASH) forwards every fragment to
 * the same backend as the rest of its datagram; later fragments find such
 * a VIP only when it is an all-ports (port 0) VIP.
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

EDGELB_INLINE struct edgelb_vip_meta *edgelb_find_vip(EDGELB_CTX *ctx,
						      const struct edgelb_pkt *pkt)
{
	struct edgelb_vip_key vk;
	struct edgelb_vip_meta *vip;

	vk.addr = pkt->key.dst;
	vk.port = pkt->key.dport;
	vk.proto = pkt->key.proto;
	vk.family = pkt->key.family;
	vip = edgelb_t_vip(ctx, &vk);
	if (vip || !vk.port)
		return vip;
	vk.port = 0;
	return edgelb_t_vip(ctx, &vk);
}

EDGELB_INLINE void edgelb_count_flow(struct edgelb_counters *c, __u16 bytes, int new_flow)
{
	if (!c)
		return;
	c->packets++;
	c->bytes += bytes;
	c->new_flows += (__u64)new_flow;
}

/* Process the frame in ctx; returns an enum edgelb_verdict. */
EDGELB_INLINE int edgelb_forward(EDGELB_CTX *ctx)
{
	const struct edgelb_node_config *cfg;
	struct edgelb_flow_state *fs;
	struct edgelb_vip_meta *vip;
	struct edgelb_backend *be = 0;
	struct edgelb_pkt pkt;
	__u32 be_id = EDGELB_NO_BACKEND, hash;
	__u16 overhead;
	int rc, new_flow = 0, rehash = 0;

	rc = edgelb_parse(edgelb_t_data(ctx), edgelb_t_data_end(ctx), &pkt);
	if (rc != EDGELB_PARSE_CANDIDATE) {
		edgelb_t_count(ctx, (enum edgelb_counter)pkt.counter);
		return rc == EDGELB_PARSE_DROP ? EDGELB_V_DROP : EDGELB_V_PASS;
	}

	vip = edgelb_find_vip(ctx, &pkt);
	if (!vip) {
		edgelb_t_count(ctx, EDGELB_EV_PASS_NOT_VIP);
		return EDGELB_V_PASS;
	}

	if (vip->flags & EDGELB_VIP_F_NO_PORT_HASH) {
		pkt.key.sport = 0;
		pkt.key.dport = 0;
		if (pkt.flags & EDGELB_PKT_F_FRAGMENT)
			edgelb_t_count(ctx, EDGELB_EV_FRAGMENT_FORWARDED);
	} else if (pkt.flags & EDGELB_PKT_F_FRAGMENT) {
		return edgelb_drop(ctx, EDGELB_DROP_FRAGMENT);
	}
	hash = edgelb_flow_key_hash(&pkt.key);

	if (!(vip->flags & EDGELB_VIP_F_NO_CONNTRACK) && !(pkt.flags & EDGELB_PKT_F_SYN)) {
		fs = edgelb_t_flow_lookup(ctx, &pkt.key);
		if (fs) {
			be = edgelb_t_backend(ctx, fs->backend_id);
			if (be && (be->flags & EDGELB_BE_F_ALIVE))
				be_id = fs->backend_id;
			else
				rehash = 1;
		}
	}

	if (be_id == EDGELB_NO_BACKEND) {
		if (!vip->ring_size)
			return edgelb_drop(ctx, EDGELB_DROP_NO_BACKEND);
		be_id = edgelb_t_ring_slot(ctx, vip, hash % vip->ring_size);
		if (be_id == EDGELB_NO_BACKEND)
			return edgelb_drop(ctx, EDGELB_DROP_NO_BACKEND);
		be = edgelb_t_backend(ctx, be_id);
		if (!be || !be->family)
			return edgelb_drop(ctx, EDGELB_DROP_BACKEND_INVALID);
		if (!(pkt.flags & EDGELB_PKT_F_ICMP_ERR) &&
		    !(vip->flags & EDGELB_VIP_F_NO_CONNTRACK)) {
			struct edgelb_flow_state st = {
				.backend_id = be_id,
				.vip_id = vip->vip_id,
				.created_ns = edgelb_t_now_ns(ctx),
			};

			edgelb_t_flow_update(ctx, &pkt.key, &st);
			new_flow = 1;
			if (rehash)
				edgelb_t_count(ctx, EDGELB_EV_FLOW_REHASHED);
		}
	}
	cfg = edgelb_t_node_config(ctx);
	if (!cfg)
		return edgelb_drop(ctx, EDGELB_DROP_NO_CONFIG);
	if (vip->encap != EDGELB_ENCAP_GUE && be->family != pkt.key.family)
		return edgelb_drop(ctx, EDGELB_DROP_FAMILY_MISMATCH);

	overhead = edgelb_encap_overhead(vip->encap, be->family);
	if (vip->mtu && (__u32)pkt.ip_len + overhead > vip->mtu) {
		if (!(pkt.flags & EDGELB_PKT_F_DF) || (pkt.flags & EDGELB_PKT_F_ICMP_ERR) ||
		    (vip->flags & EDGELB_VIP_F_MTU_DROP) || vip->mtu <= overhead)
			return edgelb_drop(ctx, EDGELB_DROP_TOO_BIG);
		if (edgelb_icmp_too_big(ctx, &pkt, (__u16)(vip->mtu - overhead)))
			return edgelb_drop(ctx, EDGELB_DROP_ENCAP_FAILED);
		edgelb_t_count(ctx, EDGELB_EV_ICMP_TOO_BIG_SENT);
		return EDGELB_V_TX;
	}

	/* no next hop known (yet): sending to 00:00:00:00:00:00 helps nobody */
	if (edgelb_mac_is_zero(be->mac) &&
	    (vip->encap == EDGELB_ENCAP_DSR || edgelb_mac_is_zero(cfg->gw_mac)))
		return edgelb_drop(ctx, EDGELB_DROP_NO_CONFIG);
	if (vip->encap == EDGELB_ENCAP_DSR) {
		if (edgelb_encap_dsr(ctx, be, cfg))
			return edgelb_drop(ctx, EDGELB_DROP_ENCAP_FAILED);
	} else {
		if (be->family == EDGELB_AF_INET6 ? !cfg->src_v6.v6[0] && !cfg->src_v6.v6[1] &&
							  !cfg->src_v6.v6[2] && !cfg->src_v6.v6[3]
						  : !cfg->src_v4.v4)
			return edgelb_drop(ctx, EDGELB_DROP_NO_CONFIG);
		if (edgelb_encap_tunnel(ctx, &pkt, vip, be, cfg, hash))
			return edgelb_drop(ctx, EDGELB_DROP_ENCAP_FAILED);
	}

	if (pkt.flags & EDGELB_PKT_F_ICMP_ERR)
		edgelb_t_count(ctx, EDGELB_EV_ICMP_FORWARDED);
	edgelb_count_flow(edgelb_t_vip_counters(ctx, vip->vip_id), pkt.ip_len, new_flow);
	edgelb_count_flow(edgelb_t_backend_counters(ctx, be_id), pkt.ip_len, new_flow);
	return EDGELB_V_TX;
}

#endif /* EDGELB_FORWARD_H */
