// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

static const uint8_t ip4_options[8] = { 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00 };

int golden_client_ip(const struct flow_spec *f, struct pkt *ip)
{
	static uint8_t payload[PKT_MAX];
	int later = f->frag & (f->v6 ? 0xfff8 : 0x1fff); /* no L4 header */

	pkt_init(ip);
	if (f->v6) {
		struct pkt_ip6 h = { .src = f->src ? f->src : SC_CLIENT6, .dst = f->dst,
				     .tclass = f->tos };

		pkt_ipv6(ip, &h);
		if (f->ext_headers) {
			pkt_ipv6_ext(ip, 0, 8, 0, 0);
			pkt_ipv6_ext(ip, 60, 16, 0, 0);
		}
		if (f->frag)
			pkt_ipv6_ext(ip, 44, 8, f->frag, 0x1234);
	} else {
		struct pkt_ip4 h = {
			.src = f->src ? f->src : SC_CLIENT4,
			.dst = f->dst,
			.tos = f->tos,
			.id = 0x4242,
			.frag_off = (uint16_t)(f->frag | (f->no_df || f->frag ? 0 : PKT_IP4_DF)),
			.options = f->ip_options ? ip4_options : NULL,
			.options_len = f->ip_options ? sizeof(ip4_options) : 0,
			.proto = later ? f->proto : 0,
		};

		pkt_ipv4(ip, &h);
	}
	/* later fragments carry payload only */
	if (!later) {
		if (f->proto == IPPROTO_TCP)
			pkt_tcp(ip, f->sport, f->dport, 1000, f->tcp_flags ? 0 : 2000,
				f->tcp_flags ? f->tcp_flags : PKT_TCP_ACK);
		else
			pkt_udp(ip, f->sport, f->dport, f->udp_no_csum ? PKT_UDP_NO_CSUM : 0);
	} else if (f->v6) {
		/* the fragment header's next header: say which L4 follows */
		ip->layer[ip->nlayers - 1].next = f->proto;
	}
	for (size_t i = 0; i < f->payload && i < sizeof(payload); i++)
		payload[i] = (uint8_t)('a' + i % 26);
	pkt_raw(ip, payload, f->payload < sizeof(payload) ? f->payload : sizeof(payload));
	if (pkt_finish(ip)) {
		fprintf(stderr, "golden: client packet: %s\n", ip->err);
		return -1;
	}
	return 0;
}

static void add_vlans(const struct flow_spec *f, struct pkt *p)
{
	if (f->nvlan == 2)
		pkt_vlan(p, PKT_TPID_8021AD, (uint16_t)(f->vlan_prio | 100));
	if (f->nvlan >= 1)
		pkt_vlan(p, PKT_TPID_8021Q, (uint16_t)(f->vlan_prio | 200));
}

int golden_frame(const struct flow_spec *f, const struct pkt *ip, struct pkt *frame)
{
	pkt_init(frame);
	pkt_eth(frame, sc_if_mac, sc_client_mac, 0);
	add_vlans(f, frame);
	pkt_inner(frame, ip->data, ip->len);
	if (f->trailer) {
		static uint8_t junk[PKT_MAX];

		for (size_t i = 0; i < f->trailer && i < sizeof(junk); i++)
			junk[i] = (uint8_t)(0xa5 ^ i);
		pkt_raw(frame, junk, f->trailer < sizeof(junk) ? f->trailer : sizeof(junk));
	}
	if (pkt_finish(frame)) {
		fprintf(stderr, "golden: frame: %s\n", frame->err);
		return -1;
	}
	return 0;
}

int golden_input(const struct flow_spec *f, struct pkt *frame)
{
	struct pkt ip;

	return golden_client_ip(f, &ip) || golden_frame(f, &ip, frame) ? -1 : 0;
}

void golden_flow_key(const struct flow_spec *f, enum sc_vip vip, struct edgelb_flow_key *k)
{
	int later = f->frag & (f->v6 ? 0xfff8 : 0x1fff);

	scenario_key(k, f->src ? f->src : (f->v6 ? SC_CLIENT6 : SC_CLIENT4), f->dst,
		     later ? 0 : f->sport, later ? 0 : f->dport, f->proto);
	if (sc_vips[vip].flags & EDGELB_VIP_F_NO_PORT_HASH) {
		k->sport = 0;
		k->dport = 0;
	}
}

enum kat_ring golden_ring(enum sc_vip vip)
{
	switch (sc_vips[vip].backends[0]) {
	case 11:
		return KAT_RING_V6;
	case 21:
		return KAT_RING_DSR;
	case 23:
		return KAT_RING_DSR_NOMAC;
	default:
		return KAT_RING_V4;
	}
}

const struct kat_flow *golden_kat(const struct flow_spec *f, enum sc_vip vip,
				  enum kat_ring ring, uint32_t *backend)
{
	struct edgelb_flow_key key;
	const struct kat_flow *kf;

	golden_flow_key(f, vip, &key);
	kf = kat_find(&key);
	if (!kf) {
		fprintf(stderr, "golden: flow %s:%u -> %s:%u: %s\n",
			f->src ? f->src : (f->v6 ? SC_CLIENT6 : SC_CLIENT4), f->sport, f->dst,
			f->dport, KAT_MISSING_HINT);
		return NULL;
	}
	*backend = kat_backend(kf, ring);
	return kf;
}

int golden_expect_forward(const struct scenario *sc, enum sc_vip vip, const struct flow_spec *f,
			  const struct pkt *ip, uint32_t backend_id, const struct kat_flow *kf,
			  uint16_t outer_id, struct pkt *out)
{
	const struct edgelb_backend *be = &sc->be[backend_id];
	const struct sc_backend_def *bd = NULL;
	int inner_df = f->v6 || (!f->no_df && !f->frag);
	char dst[INET6_ADDRSTRLEN];

	for (const struct sc_backend_def *d = sc_backends; d->addr; d++)
		if (d->id == backend_id)
			bd = d;
	if (!bd || !kf)
		return -1;
	snprintf(dst, sizeof(dst), "%s", bd->addr);

	pkt_init(out);
	if (sc_vips[vip].encap == EDGELB_ENCAP_DSR) {
		pkt_eth(out, bd->mac, sc_if_mac, 0);
		add_vlans(f, out);
		pkt_inner(out, ip->data, ip->len);
		return pkt_finish(out);
	}
	pkt_eth(out, (be->mac[0] | be->mac[5]) ? be->mac : sc_gw_mac, sc_if_mac, 0);
	add_vlans(f, out);
	if (be->family == EDGELB_AF_INET6) {
		struct pkt_ip6 h = { .src = SC_SRC6, .dst = dst, .tclass = f->tos,
				     .flow_label = kf->flow_label };

		pkt_ipv6(out, &h);
	} else {
		struct pkt_ip4 h = { .src = SC_SRC4, .dst = dst, .tos = f->tos,
				     .frag_off = inner_df ? PKT_IP4_DF : 0,
				     .id = inner_df ? 0 : outer_id };

		pkt_ipv4(out, &h);
	}
	/*
	 * GUE: no checksum under IPv4 (RFC 768 allows it); under IPv6 pktbuild
	 * computes it over the whole payload, unless the VIP opted out.
	 */
	if (sc_vips[vip].encap == EDGELB_ENCAP_GUE)
		pkt_udp(out, kf->gue_sport, SC_GUE_PORT,
			be->family == EDGELB_AF_INET6 &&
					!(sc_vips[vip].flags & EDGELB_VIP_F_GUE_ZERO_CSUM6)
				? 0
				: PKT_UDP_NO_CSUM);
	pkt_inner(out, ip->data, ip->len);
	if (pkt_finish(out)) {
		fprintf(stderr, "golden: expected frame: %s\n", out->err);
		return -1;
	}
	return 0;
}

int golden_expect_too_big(const struct flow_spec *f, const struct pkt *ip, uint16_t mtu,
			  struct pkt *out)
{
	size_t hdrs; /* client IP header(s) up to L4 */

	pkt_init(out);
	pkt_eth(out, sc_client_mac, sc_if_mac, 0);
	add_vlans(f, out);
	if (f->v6) {
		struct pkt_ip6 h = { .src = f->dst, .dst = f->src ? f->src : SC_CLIENT6 };

		hdrs = 40 + (f->ext_headers ? 24 : 0);
		pkt_ipv6(out, &h);
		pkt_icmp(out, 2, 0, mtu); /* the table states the clamped values */
	} else {
		struct pkt_ip4 h = { .src = f->dst, .dst = f->src ? f->src : SC_CLIENT4 };

		hdrs = 20 + (f->ip_options ? 8 : 0);
		pkt_ipv4(out, &h);
		pkt_icmp(out, 3, 4, mtu);
	}
	if (hdrs + 8 > 128)
		hdrs = 120;
	pkt_raw(out, ip->data, hdrs + 8);
	if (pkt_finish(out)) {
		fprintf(stderr, "golden: expected ICMP: %s\n", out->err);
		return -1;
	}
	return 0;
}

uint32_t golden_kat_pick4(uint16_t sport, enum kat_ring r)
{
	struct edgelb_flow_key k;
	const struct kat_flow *kf;

	scenario_key(&k, SC_CLIENT4, "192.0.2.10", sport, 80, IPPROTO_TCP);
	kf = kat_find(&k);
	if (!kf) {
		fprintf(stderr, "port %u: %s\n", sport, KAT_MISSING_HINT);
		abort();
	}
	return kat_backend(kf, r);
}
