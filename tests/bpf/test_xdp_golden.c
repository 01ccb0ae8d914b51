// SPDX-License-Identifier: GPL-2.0-only
/*
 * Golden packets through the balancer: for every path, an input frame, the
 * expected verdict, the expected output frame (built by pktbuild from the
 * RFC layouts) and the counter that must move. The table runs on the real
 * XDP program through BPF_PROG_TEST_RUN (root), on the same core
 * compiled for the host and, in the build that links tests/dpdk/dpdk_env.c
 * (test_dpdk_golden), on the core compiled for DPDK.
 *
 * usage: test_xdp_golden [bpf|host|dpdk]   (default: bpf and host; bpf
 * skipped, with a message, when not root)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
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
	/* MTUs under the minimums: the reply still announces what the family needs */
	{ "ipv6 mtu under 1280 + overhead: PTB says 1280", SC_VIP_TCP6_MINMTU,
		V6(.dst = "2001:db8::50", .dport = 443, .payload = 1300 - 60),
		EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 1280 },
	{ "ipv4 mtu under 68 + overhead: frag needed says 68", SC_VIP_TCP4_MINMTU,
		V4(.dst = "192.0.2.80", .dport = 80, .payload = 40),
		EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 68 },
	/* no ICMP error to an address that must never get one (RFC 1122, 4443) */
	{ "too big from 255.255.255.255", SC_VIP_TCP4_IPIP, V4(.src = "255.255.255.255",
		.dst = "192.0.2.10", .dport = 80, .payload = 1460), EXP_DROP,
		EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "too big from 224.0.0.5", SC_VIP_TCP4_IPIP, V4(.src = "224.0.0.5",
		.dst = "192.0.2.10", .dport = 80, .payload = 1460), EXP_DROP,
		EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "too big from 0.0.0.0", SC_VIP_TCP4_IPIP, V4(.src = "0.0.0.0",
		.dst = "192.0.2.10", .dport = 80, .payload = 1460), EXP_DROP,
		EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "too big from 127.0.0.1", SC_VIP_TCP4_IPIP, V4(.src = "127.0.0.1",
		.dst = "192.0.2.10", .dport = 80, .payload = 1460), EXP_DROP,
		EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "too big from 240.0.0.1", SC_VIP_TCP4_IPIP, V4(.src = "240.0.0.1",
		.dst = "192.0.2.10", .dport = 80, .payload = 1460), EXP_DROP,
		EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "too big from the vip itself", SC_VIP_TCP4_IPIP, V4(.src = "192.0.2.10",
		.dst = "192.0.2.10", .dport = 80, .payload = 1460), EXP_DROP,
		EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "too big from 223.255.255.255: answered", SC_VIP_TCP4_IPIP,
		V4(.src = "223.255.255.255", .dst = "192.0.2.10", .dport = 80, .payload = 1460),
		EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 1480 },
	{ "ipv6 too big from ff02::1", SC_VIP_TCP6_IPIP, V6(.src = "ff02::1",
		.dst = "2001:db8::10", .dport = 443, .payload = 1450), EXP_DROP,
		EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "ipv6 too big from ::", SC_VIP_TCP6_IPIP, V6(.src = "::", .dst = "2001:db8::10",
		.dport = 443, .payload = 1450), EXP_DROP, EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "ipv6 too big from ::1", SC_VIP_TCP6_IPIP, V6(.src = "::1", .dst = "2001:db8::10",
		.dport = 443, .payload = 1450), EXP_DROP, EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	{ "ipv6 too big from the vip itself", SC_VIP_TCP6_IPIP, V6(.src = "2001:db8::10",
		.dst = "2001:db8::10", .dport = 443, .payload = 1450), EXP_DROP,
		EDGELB_DROP_TOO_BIG_BAD_SOURCE, 0 },
	/* bytes after the IP packet never ride along */
	{ "trailing 500 bytes, ipip", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40020, .payload = 1000 - 40, .trailer = 500), EXP_FORWARD, NO_COUNTER, 0 },
	{ "ethernet padding, gue", SC_VIP_UDP4_GUE, V4(.proto = IPPROTO_UDP,
		.dst = "192.0.2.10", .dport = 53, .sport = 40021, .payload = 0, .trailer = 18),
		EXP_FORWARD, NO_COUNTER, 0 },
	{ "trailing bytes, dsr", SC_VIP_TCP4_DSR, V4(.dst = "192.0.2.20", .dport = 8443,
		.sport = 40022, .trailer = 100), EXP_FORWARD, NO_COUNTER, 0 },
	{ "trailing bytes, ip6ip6", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10", .dport = 443,
		.sport = 40023, .trailer = 64), EXP_FORWARD, NO_COUNTER, 0 },
	{ "trailing bytes, gue over ipv6", SC_VIP_TCP6_GUE6, V6(.dst = "2001:db8::40",
		.dport = 443, .sport = 40024, .trailer = 33), EXP_FORWARD, NO_COUNTER, 0 },
	{ "trailing bytes, too big", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.payload = 1460, .trailer = 500), EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 1480 },
	{ "trailing bytes past the first buffer, dsr", SC_VIP_TCP4_DSR, V4(.dst = "192.0.2.20",
		.dport = 8443, .sport = 40029, .payload = 1400, .trailer = 3000), EXP_FORWARD,
		NO_COUNTER, 0 },
	{ "trailing bytes past the first buffer, gue over ipv6", SC_VIP_TCP6_GUE6,
		V6(.dst = "2001:db8::40", .dport = 443, .sport = 40030, .payload = 1300,
		.trailer = 2500), EXP_FORWARD, NO_COUNTER, 0 },
	{ "trailing bytes past the first buffer, too big", SC_VIP_TCP4_IPIP,
		V4(.dst = "192.0.2.10", .dport = 80, .payload = 3000, .trailer = 2000),
		EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 1480 },
	{ "trailing bytes, just fits", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40025, .payload = 1480 - 40, .trailer = 30), EXP_FORWARD, NO_COUNTER, 0 },
	/* GUE over IPv6: the UDP checksum is computed (RFC 8200 8.1) */
	{ "tcp6 gue over ipv6", SC_VIP_TCP6_GUE6, V6(.dst = "2001:db8::40", .dport = 443),
		EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp6 gue over ipv6, syn", SC_VIP_TCP6_GUE6, V6(.dst = "2001:db8::40", .dport = 443,
		.sport = 40001, .tcp_flags = PKT_TCP_SYN, .payload = 0), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp6 gue over ipv6, odd payload", SC_VIP_TCP6_GUE6, V6(.dst = "2001:db8::40",
		.dport = 443, .sport = 40002, .payload = 777), EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp6 gue over ipv6, ext headers", SC_VIP_TCP6_GUE6, V6(.dst = "2001:db8::40",
		.dport = 443, .sport = 40003, .ext_headers = 1, .payload = 101), EXP_FORWARD,
		NO_COUNTER, 0 },
	{ "tcp4 gue over ipv6", SC_VIP_TCP4_GUE6, V4(.dst = "192.0.2.70", .dport = 443),
		EXP_FORWARD, NO_COUNTER, 0 },
	{ "tcp4 gue over ipv6, options, no df", SC_VIP_TCP4_GUE6, V4(.dst = "192.0.2.70",
		.dport = 443, .sport = 40004, .ip_options = 1, .no_df = 1, .payload = 55),
		EXP_FORWARD, NO_COUNTER, 0 },
	{ "udp4 gue over ipv6", SC_VIP_UDP4_GUE6, V4(.proto = IPPROTO_UDP, .dst = "192.0.2.70",
		.dport = 53, .payload = 99), EXP_FORWARD, NO_COUNTER, 0 },
	{ "udp4 without checksum, gue over ipv6: summed whole", SC_VIP_UDP4_GUE6,
		V4(.proto = IPPROTO_UDP, .dst = "192.0.2.70", .dport = 53, .sport = 40005,
		.payload = 333, .udp_no_csum = 1), EXP_FORWARD, NO_COUNTER, 0 },
	{ "udp4 gue over ipv6, zero checksum opted in", SC_VIP_UDP4_GUE6_ZERO,
		V4(.proto = IPPROTO_UDP, .dst = "192.0.2.71", .dport = 53, .payload = 20),
		EXP_FORWARD, NO_COUNTER, 0 },
	/* VLAN priority (PCP) and DEI bits are kept */
	{ "vlan priority and dei kept", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.sport = 40026, .nvlan = 1, .vlan_prio = 0xb000), EXP_FORWARD, NO_COUNTER, 0 },
	{ "qinq priority kept", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10", .dport = 443,
		.sport = 40027, .nvlan = 2, .vlan_prio = 0xf000), EXP_FORWARD, NO_COUNTER, 0 },
	{ "dsr vlan priority kept", SC_VIP_TCP4_DSR, V4(.dst = "192.0.2.20", .dport = 22,
		.sport = 40028, .nvlan = 1, .vlan_prio = 0x7000), EXP_FORWARD, NO_COUNTER, 0 },
	{ "too big, vlan priority kept", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10", .dport = 80,
		.payload = 1460, .nvlan = 2, .vlan_prio = 0x3000), EXP_TOO_BIG,
		EDGELB_EV_ICMP_TOO_BIG_SENT, 1480 },
	/* jumbo frames: the packet path handles one buffer (about 3.5 KB) */
	{ "jumbo 9000, df: frag needed", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10",
		.dport = 80, .payload = 9000 - 40), EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 1480 },
	{ "jumbo 9000, no df: dropped", SC_VIP_TCP4_IPIP, V4(.dst = "192.0.2.10",
		.dport = 80, .payload = 9000 - 40, .no_df = 1), EXP_DROP, EDGELB_DROP_TOO_BIG, 0 },
	{ "ipv6 jumbo 9000: packet too big", SC_VIP_TCP6_IPIP, V6(.dst = "2001:db8::10",
		.dport = 443, .payload = 9000 - 60), EXP_TOO_BIG, EDGELB_EV_ICMP_TOO_BIG_SENT, 1460 },
	{ "jumbo within a jumbo vip's mtu: counted", SC_VIP_TCP4_JUMBO, V4(.dst = "192.0.2.60",
		.dport = 80, .payload = 8000), EXP_DROP, EDGELB_DROP_MULTI_BUFFER, 0 },
	{ "3000 bytes within a jumbo vip's mtu: forwarded", SC_VIP_TCP4_JUMBO,
		V4(.dst = "192.0.2.60", .dport = 80, .payload = 3000), EXP_FORWARD, NO_COUNTER, 0 },
	/* next hop unresolved: neither sent nor answered */
	{ "dsr, backend mac unresolved", SC_VIP_TCP4_DSR_NOMAC, V4(.dst = "192.0.2.90",
		.dport = 80), EXP_DROP, EDGELB_DROP_NO_NEXT_HOP, 0 },
	{ "dsr, backend mac unresolved, too big", SC_VIP_TCP4_DSR_NOMAC, V4(.dst = "192.0.2.90",
		.dport = 80, .payload = 1470), EXP_DROP, EDGELB_DROP_NO_NEXT_HOP, 0 },
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

/*
 * The outer IPv4 identification of a forwarded frame of flow f, which the
 * golden frame copies: only its checksum and the rest are checked here
 * (test_outer_ip_id checks that it varies). 0 for DF packets and IPv6.
 */
static uint16_t outer_id(const struct flow_spec *f, const uint8_t *out, size_t len)
{
	size_t l2 = 14 + 4 * (size_t)f->nvlan;

	if (len < l2 + 20 || out[l2 - 2] != 0x08 || out[l2 - 1] != 0x00)
		return 0;
	return (uint16_t)(out[l2 + 4] << 8 | out[l2 + 5]);
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
	uint8_t out[PKT_MAX];
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
		const struct kat_flow *kf;
		uint32_t be;

		kf = golden_kat(&gc->flow, gc->vip, golden_ring(gc->vip), &be);
		if (!kf)
			fail_msg("%s: no known answer", gc->name);
		assert_int_equal(golden_expect_forward(&sc, gc->vip, &gc->flow, &ip, be, kf,
						       outer_id(&gc->flow, out, out_len), &want),
				 0);
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
	uint8_t out[PKT_MAX];
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
	uint8_t out[PKT_MAX];
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


/* Find a client port whose flow the known answers give to backend `want`. */
static uint16_t port_for(uint32_t want, uint16_t from)
{
	for (uint16_t p = from; p < from + 400; p++)
		if (golden_kat_pick4(p, KAT_RING_V4) == want)
			return p;
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
	moved_to = golden_kat_pick4(port, KAT_RING_V4_NO2);
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
	uint8_t out[PKT_MAX];
	size_t len;
	uint32_t be;
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
	{
		/* hashed as the flow; outer DF and TOS from the ICMP packet's header */
		struct flow_spec hf = V4(.dst = "192.0.2.10", .dport = 80, .sport = 42424,
					 .no_df = 1);
		const struct kat_flow *kf = golden_kat(&hf, SC_VIP_TCP4_IPIP, KAT_RING_V4, &be);

		assert_non_null(kf);
		assert_int_equal(golden_expect_forward(&sc, SC_VIP_TCP4_IPIP, &hf, &icmp, be, kf,
						       outer_id(&hf, out, len), &want),
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
	{
		const struct kat_flow *kf = golden_kat(&f6, SC_VIP_TCP6_IPIP, KAT_RING_V6, &be);

		assert_non_null(kf);
		assert_int_equal(golden_expect_forward(&sc, SC_VIP_TCP6_IPIP, &f6, &icmp, be, kf, 0,
						       &want),
				 0);
	}
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
		uint8_t out[PKT_MAX];

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
	uint8_t out[PKT_MAX];
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

/* The node config the scenario writes, for tests that change it and put it back. */
static void scenario_node(struct edgelb_node_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	inet_pton(AF_INET, SC_SRC4, &cfg->src_v4.v4);
	inet_pton(AF_INET6, SC_SRC6, cfg->src_v6.bytes);
	memcpy(cfg->gw_mac, sc_gw_mac, 6);
	memcpy(cfg->if_mac, sc_if_mac, 6);
	cfg->ifindex = SC_IFINDEX;
}

static void run_expect(const void *frame, size_t len, int verdict, enum edgelb_counter c,
		       const char *what)
{
	uint8_t out[PKT_MAX];
	size_t out_len;
	uint64_t before = lbenv_counter(env, c);
	int v = lbenv_run(env, frame, len, out, &out_len);

	if (v != verdict)
		fail_msg("%s [%s]: verdict %d, want %d", what, lbenv_name(env), v, verdict);
	if (lbenv_counter(env, c) != before + 1)
		fail_msg("%s [%s]: counter %d did not move by one", what, lbenv_name(env), c);
	if (verdict == XDP_PASS)
		assert_memory_equal(out, frame, len);
}

/*
 * Frames leave from the interface's own MAC, never from the MAC the client
 * frame was sent to (a VRRP virtual MAC here, a group address elsewhere);
 * without that MAC, or from an interface whose slot is not ours, nothing
 * leaves; without a next hop nothing leaves either, counted as such.
 */
static void test_source_mac_and_missing_next_hop(void **state)
{
	static const uint8_t vmac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33 };
	struct flow_spec f = V4(.dst = "192.0.2.10", .dport = 80, .sport = 43000);
	struct edgelb_node_config cfg;
	struct pkt in;
	uint8_t out[PKT_MAX];
	size_t len;

	(void)state;
	scenario_node(&cfg);
	assert_int_equal(golden_input(&f, &in), 0);
	memcpy(in.data, vmac, 6);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	assert_memory_equal(out, sc_gw_mac, 6);
	assert_memory_equal(out + 6, sc_if_mac, 6);

	memset(cfg.if_mac, 0, 6);
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
	run_expect(in.data, in.len, XDP_DROP, EDGELB_DROP_NO_CONFIG, "no interface MAC");

	/* a slot written for another interface is not this one's */
	scenario_node(&cfg);
	cfg.ifindex = SC_IFINDEX + EDGELB_NODE_SLOTS;
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
	run_expect(in.data, in.len, XDP_DROP, EDGELB_DROP_NO_CONFIG, "slot of another ifindex");

	scenario_node(&cfg);
	memset(cfg.gw_mac, 0, 6);
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
	run_expect(in.data, in.len, XDP_DROP, EDGELB_DROP_NO_NEXT_HOP, "no gateway MAC");

	scenario_node(&cfg);
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
}

/* A VIP packet in a broadcast or multicast frame goes to the kernel, counted. */
static void test_group_destination_mac_passes(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x05 };
	static const uint8_t mcast6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	struct flow_spec f = V4(.dst = "192.0.2.10", .dport = 80, .payload = 1460);
	struct flow_spec f6 = V6(.dst = "2001:db8::10", .dport = 443);
	struct pkt in;

	(void)state;
	assert_int_equal(golden_input(&f, &in), 0);
	memcpy(in.data, bcast, 6); /* too big too: no reply from ff:ff:ff:ff:ff:ff */
	run_expect(in.data, in.len, XDP_PASS, EDGELB_EV_PASS_L2_GROUP, "broadcast");
	memcpy(in.data, mcast, 6);
	run_expect(in.data, in.len, XDP_PASS, EDGELB_EV_PASS_L2_GROUP, "multicast");
	assert_int_equal(golden_input(&f6, &in), 0);
	memcpy(in.data, mcast6, 6);
	run_expect(in.data, in.len, XDP_PASS, EDGELB_EV_PASS_L2_GROUP, "ipv6 multicast");
}

/* No ICMP reply to a group or zero source MAC either. */
static void test_too_big_from_group_source_mac(void **state)
{
	static const uint8_t group[6] = { 0x03, 0, 0, 0, 0, 0xaa };
	static const uint8_t zero[6] = { 0 };
	struct flow_spec f = V4(.dst = "192.0.2.10", .dport = 80, .payload = 1460);
	struct pkt in;

	(void)state;
	assert_int_equal(golden_input(&f, &in), 0);
	memcpy(in.data + 6, group, 6);
	run_expect(in.data, in.len, XDP_DROP, EDGELB_DROP_TOO_BIG_BAD_SOURCE, "group source");
	memcpy(in.data + 6, zero, 6);
	run_expect(in.data, in.len, XDP_DROP, EDGELB_DROP_TOO_BIG_BAD_SOURCE, "zero source");
}

/* An ICMP error quoting a VIP flow, sent to dst (outer destination). */
static void icmp_error_frame(int v6, const char *dst, struct pkt *in)
{
	struct flow_spec f = v6 ? (struct flow_spec)V6(.dst = "2001:db8::10", .dport = 443)
				: (struct flow_spec)V4(.dst = "192.0.2.10", .dport = 80);
	struct pkt reply, icmp;

	pkt_init(&reply);
	if (v6)
		pkt_ipv6(&reply, &(struct pkt_ip6){ .src = "2001:db8::10", .dst = SC_CLIENT6 });
	else
		pkt_ipv4(&reply, &(struct pkt_ip4){ .src = "192.0.2.10", .dst = SC_CLIENT4,
						    .frag_off = PKT_IP4_DF });
	pkt_tcp(&reply, v6 ? 443 : 80, 42424, 1, 1, PKT_TCP_ACK);
	assert_int_equal(pkt_finish(&reply), 0);
	pkt_init(&icmp);
	if (v6) {
		pkt_ipv6(&icmp, &(struct pkt_ip6){ .src = "2001:db8:1::1", .dst = dst });
		pkt_icmp(&icmp, 2, 0, 1400);
		pkt_raw(&icmp, reply.data, 48);
	} else {
		pkt_ipv4(&icmp, &(struct pkt_ip4){ .src = "203.0.113.1", .dst = dst });
		pkt_icmp(&icmp, 3, 4, 1400);
		pkt_raw(&icmp, reply.data, 28);
	}
	assert_int_equal(pkt_finish(&icmp), 0);
	assert_int_equal(golden_frame(&f, &icmp, in), 0);
}

/*
 * An ICMP error is ours only when it is addressed to the VIP whose flow it
 * quotes: sent to another address (or another VIP), it passes untouched.
 */
static void test_icmp_error_to_other_address_passes(void **state)
{
	struct pkt in;

	(void)state;
	icmp_error_frame(0, "198.51.100.99", &in);
	run_expect(in.data, in.len, XDP_PASS, EDGELB_EV_PASS_NOT_VIP, "frag needed to non-VIP");
	icmp_error_frame(0, "192.0.2.20", &in);
	run_expect(in.data, in.len, XDP_PASS, EDGELB_EV_PASS_NOT_VIP, "frag needed to other VIP");
	icmp_error_frame(1, "2001:db8::99", &in);
	run_expect(in.data, in.len, XDP_PASS, EDGELB_EV_PASS_NOT_VIP, "PTB to non-VIP");
	icmp_error_frame(1, "2001:db8::30", &in);
	run_expect(in.data, in.len, XDP_PASS, EDGELB_EV_PASS_NOT_VIP, "PTB to other VIP");
	/* and to the right VIP it is forwarded (the check above can fail) */
	icmp_error_frame(0, "192.0.2.10", &in);
	run_expect(in.data, in.len, XDP_TX, EDGELB_EV_ICMP_FORWARDED, "frag needed to its VIP");
}

/*
 * A flow entry is written only for a packet that left for its backend: not
 * for one answered with ICMP too-big, nor for one without a next hop.
 */
static void test_flow_entry_only_when_forwarded(void **state)
{
	struct flow_spec big = V4(.dst = "192.0.2.10", .dport = 80, .sport = 60001,
				  .payload = 1460);
	struct flow_spec small = V4(.dst = "192.0.2.10", .dport = 80, .sport = 60001);
	struct flow_spec nomac = V4(.dst = "192.0.2.90", .dport = 80, .sport = 60002);
	struct edgelb_flow_key k;
	struct edgelb_flow_state st;
	struct pkt in;
	uint8_t out[PKT_MAX];
	size_t len;

	(void)state;
	assert_int_equal(golden_input(&big, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	golden_flow_key(&big, SC_VIP_TCP4_IPIP, &k);
	assert_int_equal(lbenv_flow(env, &k, &st), -ENOENT);

	assert_int_equal(golden_input(&nomac, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_DROP);
	golden_flow_key(&nomac, SC_VIP_TCP4_DSR_NOMAC, &k);
	assert_int_equal(lbenv_flow(env, &k, &st), -ENOENT);

	/* the same flow, small enough: it leaves, and now it has an entry */
	assert_int_equal(golden_input(&small, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	golden_flow_key(&small, SC_VIP_TCP4_IPIP, &k);
	assert_int_equal(lbenv_flow(env, &k, &st), 0);
	assert_int_equal(st.backend_id, golden_kat_pick4(60001, KAT_RING_V4));
	assert_int_equal(st.vip_id, SC_VIP_TCP4_IPIP);
}

/*
 * Too-big replies are paced per CPU: with 1 per second and a burst of 3,
 * five large packets in a row get three replies and two counted drops.
 */
static void test_icmp_rate_limit(void **state)
{
	struct flow_spec f = V4(.dst = "192.0.2.10", .dport = 80, .payload = 1460);
	struct edgelb_node_config cfg;
	struct pkt in;

	(void)state;
	scenario_node(&cfg);
	cfg.icmp_rate = 1;
	cfg.icmp_burst = 3;
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
	assert_int_equal(golden_input(&f, &in), 0);
	for (int i = 0; i < 3; i++)
		run_expect(in.data, in.len, XDP_TX, EDGELB_EV_ICMP_TOO_BIG_SENT, "within burst");
	for (int i = 0; i < 2; i++)
		run_expect(in.data, in.len, XDP_DROP, EDGELB_DROP_TOO_BIG_RATE_LIMITED,
			   "over the budget");
	scenario_node(&cfg);
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
	run_expect(in.data, in.len, XDP_TX, EDGELB_EV_ICMP_TOO_BIG_SENT, "no limit");
}

/*
 * The new-flow guard: with 1 flow-table write a second and a burst of 2,
 * three new clients in a row all go to the ring's backend (known
 * answers), the first two are saved in the flow table, the third is not
 * and counts as new_flow_unsaved. A saved flow's packets (hits) take
 * nothing from the budget; the unsaved flow's next packet misses, takes
 * the ring again (same backend) and is still not saved; with the guard
 * off (rate 0) it is. Budgets are per CPU: the test stays on one, so
 * the XDP program's runs all see the same bucket.
 */
static void test_new_flow_guard(void **state)
{
	struct edgelb_node_config cfg;
	struct edgelb_flow_state st;
	struct edgelb_flow_key k;
	struct flow_spec f[3];
	cpu_set_t was, one;
	uint64_t unsaved;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(was), &was), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	scenario_node(&cfg);
	cfg.new_flow_rate = 1;
	cfg.new_flow_burst = 2;
	assert_int_equal(lbenv_node_config(env, &cfg), 0);

	for (int i = 0; i < 3; i++) {
		f[i] = (struct flow_spec)V4(.dst = "192.0.2.10", .dport = 80,
					    .sport = (uint16_t)(60010 + i),
					    .tcp_flags = PKT_TCP_SYN);
		unsaved = lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED);
		assert_int_equal(sent_to(&f[i]), golden_kat_pick4(f[i].sport, KAT_RING_V4));
		assert_int_equal(lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED),
				 unsaved + (i == 2));
		golden_flow_key(&f[i], SC_VIP_TCP4_IPIP, &k);
		assert_int_equal(lbenv_flow(env, &k, &st), i < 2 ? 0 : -ENOENT);
		if (i < 2)
			assert_int_equal(st.backend_id, golden_kat_pick4(f[i].sport, KAT_RING_V4));
	}

	/* a hit costs no budget */
	f[0].tcp_flags = 0;
	unsaved = lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED);
	assert_int_equal(sent_to(&f[0]), golden_kat_pick4(f[0].sport, KAT_RING_V4));
	assert_int_equal(lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED), unsaved);

	/* the unsaved flow goes on to the same backend, unsaved while over the budget */
	f[2].tcp_flags = 0;
	assert_int_equal(sent_to(&f[2]), golden_kat_pick4(f[2].sport, KAT_RING_V4));
	assert_int_equal(lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED), unsaved + 1);
	golden_flow_key(&f[2], SC_VIP_TCP4_IPIP, &k);
	assert_int_equal(lbenv_flow(env, &k, &st), -ENOENT);

	scenario_node(&cfg);
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
	assert_int_equal(sent_to(&f[2]), golden_kat_pick4(f[2].sport, KAT_RING_V4));
	assert_int_equal(lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED), unsaved + 1);
	assert_int_equal(lbenv_flow(env, &k, &st), 0);
	assert_int_equal(st.backend_id, golden_kat_pick4(f[2].sport, KAT_RING_V4));
	assert_int_equal(sched_setaffinity(0, sizeof(was), &was), 0);
}

/*
 * Outer IPv4 identification (RFC 6864): 0 when the inner packet has DF
 * (atomic), else different for consecutive packets, also of one flow.
 */
static void test_outer_ip_id(void **state)
{
	struct flow_spec nodf = V4(.dst = "192.0.2.10", .dport = 80, .sport = 60003, .no_df = 1);
	struct flow_spec df = V4(.dst = "192.0.2.10", .dport = 80, .sport = 60003);
	struct pkt in;
	uint8_t out[PKT_MAX];
	size_t len;
	uint16_t ids[4];

	(void)state;
	assert_int_equal(golden_input(&nodf, &in), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
		ids[i] = outer_id(&nodf, out, len);
		for (int j = 0; j < i; j++)
			if (ids[i] == ids[j])
				fail_msg("[%s] packets %d and %d have outer id %#x", lbenv_name(env),
					 j, i, ids[i]);
	}
	assert_int_equal(golden_input(&df, &in), 0);
	assert_int_equal(lbenv_run(env, in.data, in.len, out, &len), XDP_TX);
	assert_int_equal(out[14 + 4] | out[14 + 5], 0);
	assert_int_equal(out[14 + 6] & 0x40, 0x40); /* DF */
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
		cmocka_unit_test(test_group_destination_mac_passes),
		cmocka_unit_test(test_too_big_from_group_source_mac),
		cmocka_unit_test(test_icmp_error_to_other_address_passes),
		cmocka_unit_test(test_flow_entry_only_when_forwarded),
		cmocka_unit_test(test_icmp_rate_limit),
		cmocka_unit_test(test_new_flow_guard),
		cmocka_unit_test(test_outer_ip_id),
	};
	int failed;

	env = lbenv_new(kind);
	if (!env)
		return 1;
	failed = kind == LBENV_BPF ? cmocka_run_group_tests_name("golden_bpf", tests, setup, teardown)
		 : kind == LBENV_DPDK
			 ? cmocka_run_group_tests_name("golden_dpdk", tests, setup, teardown)
			 : cmocka_run_group_tests_name("golden_host", tests, setup, teardown);
	lbenv_free(env);
	return failed;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	char why[128];
	int failed = 0;

	if (only && !strcmp(only, "dpdk")) {
		if (!lbenv_has(LBENV_DPDK)) {
			fprintf(stderr, "SKIP: this program was built without DPDK (test_dpdk_golden)\n");
			return 77;
		}
		return run_on(LBENV_DPDK) ? 1 : 0;
	}
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
