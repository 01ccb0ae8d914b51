// SPDX-License-Identifier: GPL-2.0-only
/*
 * Golden packets through the balancer: for every path, an input frame, the
 * expected verdict, the expected output frame (built by pktbuild from the
 * RFC layouts) and the counter that must move. The table runs on the real
 * XDP program through BPF_PROG_TEST_RUN (root) and on the same core
 * compiled for the host.
 *
 * usage: test_xdp_golden [bpf|host]   (default: both; bpf skipped, with a
 * message, when not root)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "golden.h"
#include "hash.h"

#define NO_COUNTER EDGELB_COUNTER_MAX

enum expect {
	EXP_FORWARD,   /* encapsulated / DSR towards the ring's (or flow's) backend */
	EXP_UNCHANGED, /* XDP_PASS with the frame untouched */
	EXP_DROP,      /* XDP_DROP */
	EXP_TOO_BIG,   /* ICMP frag-needed / packet-too-big back to the client */
};

struct golden_case {
	const char *name;
	enum sc_vip vip;
	struct flow_spec flow;
	enum expect expect;
	enum edgelb_counter counter; /* must grow by one; NO_COUNTER = none */
	uint16_t mtu;		     /* EXP_TOO_BIG: the MTU the reply announces */
};

/* Each case overrides the defaults of V4()/V6(): that is the point. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define V4(...) { .proto = IPPROTO_TCP, .sport = 40000, .payload = 32, __VA_ARGS__ }
#define V6(...) { .v6 = 1, .proto = IPPROTO_TCP, .sport = 40000, .payload = 32, __VA_ARGS__ }

static const struct golden_case cases[] = {
	/* each forwarding mode, both families */
	{ "tcp4 ipip syn", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.tcp_flags = PKT_TCP_SYN), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp4 ipip ack", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40001), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp4 ipip tos kept", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40002, .tos = 0xb8), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp4 ipip no df", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40003, .no_df = 1), EXP_FORWARD, NO_COUNTER, 0 },
	{ "udp4 gue", SC_VIP_UDP4_GUE, V4(.proto = IPPROTO_UDP, .dst = "192.0.2.10",
		.dport = 53), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp6 ip6ip6", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10", .dport = 443),
		EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp6 ip6ip6 syn tclass", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10", .dport = 443,
		.tcp_flags = PKT_TCP_SYN, .tos = 0x28), EXP_FORWARD, NO_COUNTER, 0 },
	{ "udp6 gue over ipv4", SC_VIP_UDP6_GUE4, V6(.proto = IPPROTO_UDP,
		.dst = "2001:db8::10", .dport = 53), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp4 dsr any port", SC_VIP_TCP4_DSR, V4(.dst = "192.0.2.20", .dport = 8443),
		EXP_FORWARD, NO_COUNTER, 0 },
	/* L2 and L3 variants */
	{ "tcp4 one vlan", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40010, .nvlan = 1), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp4 qinq", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40011, .nvlan = 2), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp6 qinq", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10", .dport = 443,
		.nvlan = 2), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp4 ip options", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40012, .ip_options = 1), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp6 extension headers", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10",
		.dport = 443, .sport = 40013, .ext_headers = 1), EXP_FORWARD, NO_COUNTER, 0 },
	{ "udp4 dsr vlan", SC_VIP_TCP4_DSR, V4(.dst = "192.0.2.20", .dport = 22,
		.nvlan = 1), EXP_FORWARD, NO_COUNTER, 0 },
	/* not ours: to the kernel untouched */
	{ "not a vip address", SC_VIP_COUNT, V4(.dst = "192.0.2.99", .dport = 80),
		EXP_UNCHANGED, EDGELB_EV_PASS_NOT_VIP, 0 },
	{ "vip address, other port", SC_VIP_COUNT, V4(.dst = "192.0.2.10", .dport = 81),
		EXP_UNCHANGED, EDGELB_EV_PASS_NOT_VIP, 0 },
	{ "vip address, other protocol", SC_VIP_COUNT, V4(.proto = IPPROTO_UDP,
		.dst = "192.0.2.10", .dport = 80), EXP_UNCHANGED, EDGELB_EV_PASS_NOT_VIP, 0 },
	{ "ipv6 not a vip", SC_VIP_COUNT, V6(.dst = "2001:db8::99", .dport = 443),
		EXP_UNCHANGED, EDGELB_EV_PASS_NOT_VIP, 0 },
	/* drops */
	{ "vip without backends", SC_VIP_TCP4_EMPTY, V4(.dst = "192.0.2.30", .dport = 80),
		EXP_DROP, EDGELB_DROP_NO_BACKEND, 0 },
	{ "ipip cannot carry v6 to v4 backend", SC_VIP_TCP6_V4BE, V6(.dst = "2001:db8::20",
		.dport = 80), EXP_DROP, EDGELB_DROP_FAMILY_MISMATCH, 0 },
	/* fragments */
	{ "first fragment, port-hashed vip", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10",
		.dport = 80, .frag = PKT_IP4_MF), EXP_DROP, EDGELB_DROP_FRAGMENT, 0 },
	{ "ipv6 first fragment, port-hashed vip", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10",
		.dport = 443, .frag = 1), EXP_DROP, EDGELB_DROP_FRAGMENT, 0 },
	{ "first fragment, address-hashed vip", SC_VIP_UDP4_ADDRHASH, V4(.proto = IPPROTO_UDP,
		.dst = "192.0.2.40", .dport = 5000, .frag = PKT_IP4_MF, .payload = 64),
		EXP_FORWARD, EDGELB_EV_FRAGMENT_FORWARDED, 0 },
	{ "later fragment, address-hashed vip", SC_VIP_UDP4_ADDRHASH, V4(.proto = IPPROTO_UDP,
		.dst = "192.0.2.40", .dport = 5000, .frag = 9, .payload = 40),
		EXP_FORWARD, EDGELB_EV_FRAGMENT_FORWARDED, 0 },
	{ "ipv6 later fragment, address-hashed vip", SC_VIP_UDP6_ADDRHASH, V6(.proto = IPPROTO_UDP,
		.dst = "2001:db8::30", .dport = 5000, .frag = 9 << 3, .payload = 40),
		EXP_FORWARD, EDGELB_EV_FRAGMENT_FORWARDED, 0 },
	/* MTU: 1500 - 20 (ipip) leaves 1480 for the client's packet */
	{ "too big, df: frag needed", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.payload = 1500 - 40 - 19), EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 1480 },
	{ "too big with options and vlan", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10",
		.dport = 80, .payload = 1460, .ip_options = 1, .nvlan = 1), EXP_TOO_BIG,
		EDGELB_EV_ICMP_TOO_BIG_SENT, 1480 },
	{ "just fits", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.payload = 1480 - 40), EXP_FORWARD, NO_COUNTER, 0 },
	{ "too big, no df: dropped", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.payload = 1460, .no_df = 1), EXP_DROP, EDGELB_DROP_TOO_BIG, 0 },
	{ "too big, policy drop", SC_VIP_TCP4_MTUDROP, V4(.dst = "192.0.2.50", .dport = 80,
		.payload = 1000), EXP_DROP, EDGELB_DROP_TOO_BIG, 0 },
	{ "ipv6 too big: packet too big", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10",
		.dport = 443, .payload = 1500 - 60 - 39), EXP_TOO_BIG,
		EDGELB_EV_ICMP_TOO_BIG_SENT, 1460 },
	{ "ipv6 gue too big, ext headers", SC_VIP_UDP6_GUE4, V6(.proto = IPPROTO_UDP,
		.dst = "2001:db8::10", .dport = 53, .payload = 1450, .ext_headers = 1),
		EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 1472 },
};

static struct lbenv *env;
static struct scenario sc;

static void check_frame(const char *name, const struct pkt *want, const uint8_t *got,
			size_t got_len)
{
	if (want->len != got_len || memcmp(want->data, got, got_len)) {
		fprintf(stderr, "%s [%s]: output differs from the golden frame\n", name,
			lbenv_name(env));
		pkt_fprint_diff(stderr, want->data, want->len, got, got_len);
		fail_msg("%s: wrong output frame", name);
	}
}

static uint64_t counters_sum(void)
{
	uint64_t s = 0;

	for (int c = 0; c < EDGELB_COUNTER_MAX; c++)
		s += lbenv_counter(env, (enum edgelb_counter)c);
	return s;
}

static void run_case(const struct golden_case *gc)
{
	struct pkt ip, in, want;
	uint8_t out[4096];
	size_t out_len = 0;
	uint64_t before = gc->counter == NO_COUNTER ? 0 : lbenv_counter(env, gc->counter);
	struct edgelb_counters vc0 = { 0 }, vc1 = { 0 };
	int verdict, want_verdict;

	assert_int_equal(golden_client_ip(&gc->flow, &ip), 0);
	assert_int_equal(golden_frame(&gc->flow, &ip, &in), 0);
	if (gc->vip != SC_VIP_COUNT)
		lbenv_vip_counters(env, gc->vip, &vc0);

	verdict = lbenv_run(env, in.data, in.len, out, &out_len);
	want_verdict = gc->expect == EXP_DROP ? XDP_DROP
		       : gc->expect == EXP_UNCHANGED ? XDP_PASS : XDP_TX;
	if (verdict != want_verdict)
		fail_msg("%s [%s]: verdict %d, want %d", gc->name, lbenv_name(env), verdict,
			 want_verdict);

	switch (gc->expect) {
	case EXP_FORWARD: {
		struct edgelb_flow_key key;
		uint32_t be;

		golden_flow_key(&gc->flow, gc->vip, &key);
		be = scenario_ring_pick(&sc, gc->vip, &key);
		assert_int_equal(golden_expect_forward(&sc, gc->vip, &gc->flow, &ip, be, &want), 0);
		check_frame(gc->name, &want, out, out_len);
		lbenv_vip_counters(env, gc->vip, &vc1);
		assert_int_equal(vc1.packets, vc0.packets + 1);
		assert_int_equal(vc1.bytes, vc0.bytes + ip.len);
		break;
	}
	case EXP_UNCHANGED:
		check_frame(gc->name, &in, out, out_len);
		break;
	case EXP_TOO_BIG:
		assert_int_equal(golden_expect_too_big(&gc->flow, &ip, gc->mtu, &want), 0);
		check_frame(gc->name, &want, out, out_len);
		break;
	case EXP_DROP:
		break;
	}
	if (gc->counter != NO_COUNTER && lbenv_counter(env, gc->counter) != before + 1)
		fail_msg("%s [%s]: counter %d is %llu, want %llu", gc->name, lbenv_name(env),
			 gc->counter, (unsigned long long)lbenv_counter(env, gc->counter),
			 (unsigned long long)before + 1);
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* A SYN counts a new flow; the following ACK hits the table and does not. */
static void test_new_flow_counted_once(void **state)
{
	struct flow_spec syn = V4(.dst = "192.0.2.10", .dport = 80, .sport = 50000,
				  .tcp_flags = PKT_TCP_SYN);
	struct flow_spec ack = syn;
	struct edgelb_counters c0, c1, c2;
	struct pkt in;
	uint8_t out[4096];
	size_t len;

	(void)state;
	ack.tcp_flags = 0;
	lbenv_vip_counters(env, SC_VIP_TCP4_IPIP, &c0);
	assert_int_equal(golden_input(&syn, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	lbenv_vip_counters(env, SC_VIP_TCP4_IPIP, &c1);
	assert_int_equal(c1.new_flows, c0.new_flows + 1);
	assert_int_equal(golden_input(&ack, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	lbenv_vip_counters(env, SC_VIP_TCP4_IPIP, &c2);
	assert_int_equal(c2.new_flows, c1.new_flows);
	assert_int_equal(c2.packets, c1.packets + 1);
}

/* Which backend did this frame go to? (IPv4 outer destination.) */
static uint32_t sent_to(const struct flow_spec *f)
{
	struct pkt in;
	uint8_t out[4096];
	size_t len;
	struct in_addr dst;

	assert_int_equal(golden_input(f, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	memcpy(&dst, out + 14 + 16, 4);
	for (const struct sc_backend_def *d = sc_backends; d->addr; d++) {
		struct in_addr a;

		if (inet_pton(AF_INET, d->addr, &a) == 1 && a.s_addr == dst.s_addr)
			return d->id;
	}
	fail_msg("frame sent to an unknown address %s", inet_ntoa(dst));
	return 0;
}

/* Find a client port whose flow the ring gives to backend `want`. */
static uint16_t port_for(uint32_t want, uint16_t from)
{
	for (uint16_t p = from; p < from + 2000; p++) {
		struct edgelb_flow_key k;

		scenario_key(&k, SC_CLIENT4, "192.0.2.10", p, 80, IPPROTO_TCP);
		if (scenario_ring_pick(&sc, SC_VIP_TCP4_IPIP, &k) == want)
			return p;
	}
	fail_msg("no port maps to backend %u", want);
	return 0;
}

/*
 * Drain: the flow stays on its backend while new flows avoid it. Death: the
 * flow moves to the ring's choice and the move is counted.
 */
static void test_drain_then_death(void **state)
{
	uint16_t port = port_for(2, 41000);
	struct flow_spec f = V4(.dst = "192.0.2.10", .dport = 80, .sport = port,
				.tcp_flags = PKT_TCP_SYN);
	uint64_t rehash0;
	uint32_t moved_to;
	struct edgelb_flow_key k;

	(void)state;
	assert_int_equal(sent_to(&f), 2); /* SYN: ring pick, flow entry written */
	f.tcp_flags = 0;

	sc.be[2].weight = 0;
	sc.be[2].flags |= EDGELB_BE_F_DRAINED;
	assert_int_equal(scenario_set_backend(&sc, env, 2), 0);
	assert_int_equal(scenario_rebuild_ring(&sc, env, SC_VIP_TCP4_IPIP), 0);
	assert_int_equal(sent_to(&f), 2); /* established flow stays */

	/* a new connection on the same tuple follows the new ring */
	f.tcp_flags = PKT_TCP_SYN;
	scenario_key(&k, SC_CLIENT4, "192.0.2.10", port, 80, IPPROTO_TCP);
	moved_to = scenario_ring_pick(&sc, SC_VIP_TCP4_IPIP, &k);
	assert_int_not_equal(moved_to, 2);
	assert_int_equal(sent_to(&f), moved_to);

	/* back on 2: established again, then 2 dies */
	sc.be[2].weight = 100;
	sc.be[2].flags &= (uint8_t)~EDGELB_BE_F_DRAINED;
	assert_int_equal(scenario_set_backend(&sc, env, 2), 0);
	assert_int_equal(scenario_rebuild_ring(&sc, env, SC_VIP_TCP4_IPIP), 0);
	assert_int_equal(sent_to(&f), 2);
	f.tcp_flags = 0;
	sc.be[2].flags &= (uint8_t)~EDGELB_BE_F_ALIVE;
	sc.be[2].weight = 0;
	assert_int_equal(scenario_set_backend(&sc, env, 2), 0);
	assert_int_equal(scenario_rebuild_ring(&sc, env, SC_VIP_TCP4_IPIP), 0);
	rehash0 = lbenv_counter(env, EDGELB_EV_FLOW_REHASHED);
	assert_int_equal(sent_to(&f), moved_to);
	assert_int_equal(lbenv_counter(env, EDGELB_EV_FLOW_REHASHED), rehash0 + 1);
	assert_int_equal(sent_to(&f), moved_to); /* and stays there */

	sc.be[2].flags |= EDGELB_BE_F_ALIVE;
	sc.be[2].weight = 100;
	assert_int_equal(scenario_set_backend(&sc, env, 2), 0);
	assert_int_equal(scenario_rebuild_ring(&sc, env, SC_VIP_TCP4_IPIP), 0);
}

/* ICMP errors about a VIP flow go where the flow goes. */
static void test_icmp_errors_follow_flow(void **state)
{
	struct flow_spec f4 = V4(.dst = "192.0.2.10", .dport = 80, .sport = 42424);
	struct flow_spec f6 = V6(.dst = "2001:db8::10", .dport = 443, .sport = 42425);
	struct pkt reply, icmp, in, want;
	uint8_t out[4096];
	size_t len;
	struct edgelb_flow_key k;
	uint64_t fwd0 = lbenv_counter(env, EDGELB_EV_ICMP_FORWARDED);

	(void)state;
	/* the backend's reply, VIP -> client, as a router quotes it */
	pkt_init(&reply);
	pkt_ipv4(&reply, &(struct pkt_ip4){ .src = "192.0.2.10", .dst = SC_CLIENT4,
					    .frag_off = PKT_IP4_DF });
	pkt_tcp(&reply, 80, 42424, 1, 1, PKT_TCP_ACK);
	assert_int_equal(pkt_finish(&reply), 0);
	pkt_init(&icmp);
	pkt_ipv4(&icmp, &(struct pkt_ip4){ .src = "203.0.113.1", .dst = "192.0.2.10" });
	pkt_icmp(&icmp, 3, 4, 1400);
	pkt_raw(&icmp, reply.data, 28);
	assert_int_equal(pkt_finish(&icmp), 0);
	assert_int_equal(golden_frame(&f4, &icmp, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	scenario_key(&k, SC_CLIENT4, "192.0.2.10", 42424, 80, IPPROTO_TCP);
	{
		/* hashed as the flow; outer DF and TOS from the ICMP packet's header */
		struct flow_spec hf = V4(.dst = "192.0.2.10", .dport = 80, .sport = 42424,
					 .no_df = 1);

		assert_int_equal(golden_expect_forward(&sc, SC_VIP_TCP4_IPIP, &hf, &icmp,
						       scenario_ring_pick(&sc, SC_VIP_TCP4_IPIP, &k),
						       &want),
				 0);
	}
	check_frame("icmp frag needed", &want, out, len);

	pkt_init(&reply);
	pkt_ipv6(&reply, &(struct pkt_ip6){ .src = "2001:db8::10", .dst = SC_CLIENT6 });
	pkt_tcp(&reply, 443, 42425, 1, 1, PKT_TCP_ACK);
	assert_int_equal(pkt_finish(&reply), 0);
	pkt_init(&icmp);
	pkt_ipv6(&icmp, &(struct pkt_ip6){ .src = "2001:db8:1::1", .dst = "2001:db8::10" });
	pkt_icmp(&icmp, 2, 0, 1400);
	pkt_raw(&icmp, reply.data, 48);
	assert_int_equal(pkt_finish(&icmp), 0);
	assert_int_equal(golden_frame(&f6, &icmp, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	scenario_key(&k, SC_CLIENT6, "2001:db8::10", 42425, 443, IPPROTO_TCP);
	assert_int_equal(golden_expect_forward(&sc, SC_VIP_TCP6_IPIP, &f6, &icmp,
					       scenario_ring_pick(&sc, SC_VIP_TCP6_IPIP, &k),
					       &want),
			 0);
	check_frame("icmpv6 packet too big", &want, out, len);
	assert_int_equal(lbenv_counter(env, EDGELB_EV_ICMP_FORWARDED), fwd0 + 2);
}

/*
 * Every truncation of a VIP frame (with VLAN tags, IPv4 options or IPv6
 * extension headers) is dropped or passed, with exactly one counter, and
 * never forwarded.
 */
static void test_every_truncation(void **state)
{
	const struct flow_spec specs[] = {
		V4(.dst = "192.0.2.10", .dport = 80, .nvlan = 2, .ip_options = 1),
		V6(.dst = "2001:db8::10", .dport = 443, .nvlan = 1, .ext_headers = 1),
		V4(.proto = IPPROTO_UDP, .dst = "192.0.2.10", .dport = 53, .payload = 0),
	};

	(void)state;
	for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		struct pkt in;
		uint8_t out[4096];

		assert_int_equal(golden_input(&specs[s], &in), 0);
		/* BPF_PROG_TEST_RUN refuses XDP frames shorter than Ethernet */
		for (size_t len = 14; len < in.len; len++) {
			uint64_t before = counters_sum();
			size_t out_len;
			int v = lbenv_run(env, in.data, len, out, &out_len);

			if (v != XDP_DROP && v != XDP_PASS)
				fail_msg("spec %zu cut at %zu of %zu bytes: verdict %d", s, len,
					 in.len, v);
			if (counters_sum() != before + 1)
				fail_msg("spec %zu cut at %zu: %llu counters moved, want 1", s, len,
					 (unsigned long long)(counters_sum() - before));
			if (v == XDP_PASS)
				assert_memory_equal(out, in.data, len);
		}
	}
}

/* Length fields that lie, each dropped with a named reason. */
static void test_malformed(void **state)
{
	struct flow_spec f = V4(.dst = "192.0.2.10", .dport = 80);
	struct pkt in;
	uint8_t frame[4096], out[4096];
	size_t out_len;
	uint64_t m0;

	(void)state;
	assert_int_equal(golden_input(&f, &in), 0);

	memcpy(frame, in.data, in.len);
	frame[14] = 0x44; /* IHL 4 < 5 */
	m0 = lbenv_counter(env, EDGELB_DROP_MALFORMED);
	assert_int_equal(lbenv_run(env, frame, in.len, out, &out_len), XDP_DROP);
	assert_int_equal(lbenv_counter(env, EDGELB_DROP_MALFORMED), m0 + 1);

	memcpy(frame, in.data, in.len);
	frame[16] = 0;
	frame[17] = 19; /* total length below the header */
	assert_int_equal(lbenv_run(env, frame, in.len, out, &out_len), XDP_DROP);
	assert_int_equal(lbenv_counter(env, EDGELB_DROP_MALFORMED), m0 + 2);

	memcpy(frame, in.data, in.len);
	frame[16] = 0;
	frame[17] = 30; /* IP packet ends inside the TCP header */
	assert_int_equal(lbenv_run(env, frame, in.len, out, &out_len), XDP_DROP);
	assert_int_equal(lbenv_counter(env, EDGELB_DROP_MALFORMED), m0 + 3);

	memcpy(frame, in.data, in.len);
	frame[14] = 0x65; /* version 6 under an IPv4 ethertype */
	assert_int_equal(lbenv_run(env, frame, in.len, out, &out_len), XDP_DROP);
	assert_int_equal(lbenv_counter(env, EDGELB_DROP_MALFORMED), m0 + 4);
}

/* ARP, VRRP, ICMP echo: the kernel's business. */
static void test_control_traffic_passes(void **state)
{
	uint8_t arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0xaa, 0x08, 0x06,
			    0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01 };
	struct pkt vrrp, echo;
	uint8_t out[4096];
	size_t len;
	uint64_t notip = lbenv_counter(env, EDGELB_EV_PASS_NOT_IP);
	uint8_t advert[20] = { 0x31, 51, 100, 1, 0, 100 };

	(void)state;
	assert_int_equal(lbenv_run(env, arp, sizeof(arp), out, &len), XDP_PASS);
	assert_memory_equal(out, arp, sizeof(arp));
	assert_int_equal(lbenv_counter(env, EDGELB_EV_PASS_NOT_IP), notip + 1);

	pkt_init(&vrrp);
	pkt_eth(&vrrp, (const uint8_t[6]){ 0x01, 0, 0x5e, 0, 0, 0x12 }, sc_client_mac, 0);
	pkt_ipv4(&vrrp, &(struct pkt_ip4){ .src = "192.0.2.2", .dst = "224.0.0.18",
					   .ttl = 255, .proto = 112 });
	pkt_raw(&vrrp, advert, sizeof(advert));
	assert_int_equal(pkt_finish(&vrrp), 0);
	assert_int_equal(lbenv_run(env, vrrp.data, vrrp.len, out, &len), XDP_PASS);
	assert_memory_equal(out, vrrp.data, vrrp.len);

	pkt_init(&echo);
	pkt_eth(&echo, sc_if_mac, sc_client_mac, 0);
	pkt_ipv4(&echo, &(struct pkt_ip4){ .src = SC_CLIENT4, .dst = "192.0.2.10" });
	pkt_icmp(&echo, 8, 0, 0x00010001);
	assert_int_equal(pkt_finish(&echo), 0);
	assert_int_equal(lbenv_run(env, echo.data, echo.len, out, &len), XDP_PASS);
	assert_memory_equal(out, echo.data, echo.len);
}

/*
 * Without a configured source MAC the frame leaves from the MAC it was sent
 * to (ours on that interface, or a VRRP virtual MAC); without any next-hop
 * MAC it is dropped and counted, never sent to 00:00:00:00:00:00.
 */
static void test_source_mac_and_missing_next_hop(void **state)
{
	static const uint8_t vmac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33 };
	struct flow_spec f = V4(.dst = "192.0.2.10", .dport = 80, .sport = 43000);
	struct edgelb_node_config cfg;
	struct pkt in;
	uint8_t out[4096];
	size_t len;
	uint64_t nocfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	inet_pton(AF_INET, SC_SRC4, &cfg.src_v4.v4);
	inet_pton(AF_INET6, SC_SRC6, cfg.src_v6.bytes);
	memcpy(cfg.gw_mac, sc_gw_mac, 6);
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
	assert_int_equal(golden_input(&f, &in), 0);
	memcpy(in.data, vmac, 6);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	assert_memory_equal(out, sc_gw_mac, 6);
	assert_memory_equal(out + 6, vmac, 6);

	memset(cfg.gw_mac, 0, 6);
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
	nocfg = lbenv_counter(env, EDGELB_DROP_NO_CONFIG);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_DROP);
	assert_int_equal(lbenv_counter(env, EDGELB_DROP_NO_CONFIG), nocfg + 1);

	memcpy(cfg.gw_mac, sc_gw_mac, 6);
	memcpy(cfg.if_mac, sc_if_mac, 6);
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
}

static int setup(void **state)
{
	(void)state;
	return scenario_load(&sc, env);
}

static int teardown(void **state)
{
	(void)state;
	scenario_free(&sc);
	return 0;
}

static int run_on(enum lbenv_kind kind)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_new_flow_counted_once),
		cmocka_unit_test(test_drain_then_death),
		cmocka_unit_test(test_icmp_errors_follow_flow),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_control_traffic_passes),
		cmocka_unit_test(test_source_mac_and_missing_next_hop),
	};
	int failed;

	env = lbenv_new(kind);
	if (!env)
		return 1;
	failed = kind == LBENV_BPF ? cmocka_run_group_tests_name("golden_bpf", tests, setup, teardown)
				   : cmocka_run_group_tests_name("golden_host", tests, setup, teardown);
	lbenv_free(env);
	return failed;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	char why[128];
	int failed = 0;

	if (!only || !strcmp(only, "host"))
		failed |= run_on(LBENV_HOST);
	if (!only || !strcmp(only, "bpf")) {
		if (lbenv_bpf_available(why, sizeof(why))) {
			failed |= run_on(LBENV_BPF);
		} else if (only) {
			fprintf(stderr, "SKIP: %s\n", why);
			return 77;
		} else {
			fprintf(stderr, "golden_bpf skipped: %s\n", why);
		}
	}
	return failed ? 1 : 0;
}
