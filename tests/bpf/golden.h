/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Client packets and the frames the balancer must make of them, built with
 * pktbuild from a short description. Expected frames are built from the
 * RFC layouts by pktbuild, never by the code under test.
 */
#ifndef EDGELB_TEST_GOLDEN_H
#define EDGELB_TEST_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

#include "kat.h"
#include "pktbuild.h"
#include "scenario.h"

struct flow_spec {
	int v6;
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t tcp_flags; /* PKT_TCP_*; 0 = ACK */
	int nvlan;	   /* 0, 1 or 2 tags */
	size_t payload;	   /* bytes of payload */
	int no_df;	   /* IPv4 without DF */
	int ip_options;	   /* IPv4: 8 bytes of options (IHL 7) */
	int ext_headers;   /* IPv6: hop-by-hop + destination options */
	uint16_t frag;	   /* IPv4 frag_off field / IPv6 fragment field; 0 = none */
	uint8_t tos;
	size_t trailer;	   /* bytes after the IP packet in the frame (padding, junk) */
	uint16_t vlan_prio; /* PCP and DEI bits set in every VLAN tag's TCI */
	int udp_no_csum;   /* UDP with checksum 0 (IPv4: "none computed") */
};

/* The client's IP packet alone (no L2). 0 or -1. */
int golden_client_ip(const struct flow_spec *f, struct pkt *ip);

/* A frame from the client's router to us carrying ip. */
int golden_frame(const struct flow_spec *f, const struct pkt *ip, struct pkt *frame);

/* Both steps. */
int golden_input(const struct flow_spec *f, struct pkt *frame);

/* The flow key the balancer hashes for f (ports zeroed for address-hash VIPs). */
void golden_flow_key(const struct flow_spec *f, enum sc_vip vip, struct edgelb_flow_key *k);

/* The ring variant of the known-answer table that VIP vip's backends make. */
enum kat_ring golden_ring(enum sc_vip vip);

/*
 * The known answers for flow f through vip: the table's entry (hash, GUE
 * port, flow label) and in *backend the backend its ring picks. NULL, with
 * a message, when the flow is not in the table.
 */
const struct kat_flow *golden_kat(const struct flow_spec *f, enum sc_vip vip,
				  enum kat_ring ring, uint32_t *backend);

/*
 * The frame the balancer must send for the client IP packet ip of flow f
 * (f gives the VLAN tags), towards backend_id via VIP vip, with the outer
 * GUE source port and IPv6 flow label of the known answer kf, and outer
 * IPv4 identification outer_id (only non-DF packets have one).
 */
int golden_expect_forward(const struct scenario *sc, enum sc_vip vip, const struct flow_spec *f,
			  const struct pkt *ip, uint32_t backend_id, const struct kat_flow *kf,
			  uint16_t outer_id, struct pkt *out);

/* The ICMP too-big reply the balancer must send for flow f with this MTU. */
int golden_expect_too_big(const struct flow_spec *f, const struct pkt *ip, uint16_t mtu,
			  struct pkt *out);

/*
 * The known answer (kat_flows.h, from the independent Python model): the
 * backend that ring r gives the TCP flow from SC_CLIENT4 port sport to
 * 192.0.2.10:80. A flow missing from the table aborts with the hint.
 */
uint32_t golden_kat_pick4(uint16_t sport, enum kat_ring r);

#endif
