// SPDX-License-Identifier: GPL-2.0-only
/*
 * Golden packets through bpf/decap.bpf.c with BPF_PROG_TEST_RUN.
 *
 * Each case is {name, input frame, expected verdict, expected output
 * frame, expected counter}. The expected output of a decapsulation is
 * built on its own: the inner IP packet is constructed first, then
 * wrapped once in the outer headers (input) and once in the bare L2
 * header (expected output), so the test never derives its expectation
 * from the program's own arithmetic. Every run must move exactly one
 * counter, by one. A passed-untouched packet must come out byte-identical.
 *
 * Needs root (BPF program load and test runs); exits 77 (skip) without.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "decap_abi.h"
#include "decap.skel.h"
#include "pktbuild.h"

#define GUE_PORT 6080
#define OTHER_PORT 6081

#define OURS4 "10.0.0.2"
#define OURS6 "fd00::2"
#define BALANCER4 "10.0.0.1"
#define BALANCER6 "fd00::1"
#define OTHER4 "10.0.0.99"
#define OTHER6 "fd00::99"
/* The bytes of OURS4's key with family 6: must not match. */
#define OURS4_AS_V6 "a00:2::"

#define CLIENT4 "192.0.2.10"
#define VIP4 "198.51.100.1"
#define CLIENT6 "2001:db8::10"
#define VIP6 "2001:db8:100::1"

static const uint8_t backend_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t router_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

/* One golden case. */
struct golden {
	char name[96];
	struct pkt in;
	struct pkt out;	  /* expected output when verdict is XDP_PASS */
	int verdict;	  /* XDP_PASS or XDP_DROP */
	int counter;	  /* enum edgelb_decap_counter that moves by one */
	int run_err;	  /* expected test-run error (-EINVAL), 0 = runs */
	bool gue_off;	  /* run on the program loaded with gue_port 0 */
};

static struct decap_bpf *skel;	       /* gue_port = GUE_PORT */
static struct decap_bpf *skel_gue_off; /* gue_port = 0 */

static struct golden *cases;
static size_t ncases, cases_cap;

/* ---- building ------------------------------------------------------- */

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "test_decap: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void finish(struct pkt *p, const char *what)
{
	if (pkt_finish(p))
		die("building %s: %s", what, p->err);
}

static struct golden *add_case(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static struct golden *add_case(const char *fmt, ...)
{
	struct golden *g;
	va_list ap;

	if (ncases == cases_cap) {
		cases_cap = cases_cap ? cases_cap * 2 : 64;
		cases = realloc(cases, cases_cap * sizeof(*cases));
		if (!cases)
			die("out of memory");
	}
	g = &cases[ncases++];
	memset(g, 0, sizeof(*g));
	va_start(ap, fmt);
	vsnprintf(g->name, sizeof(g->name), fmt, ap);
	va_end(ap);
	return g;
}

/*
 * The client packet as the balancer received it: TCP from a client to
 * the VIP with a payload of @payload_len bytes (odd lengths exercise the
 * checksum's odd byte). No L2 header.
 */
static void build_inner_tos(struct pkt *ip, int family, size_t payload_len,
			    uint8_t tos)
{
	uint8_t payload[256];
	size_t i;

	for (i = 0; i < payload_len && i < sizeof(payload); i++)
		payload[i] = (uint8_t)('a' + i % 26);
	pkt_init(ip);
	if (family == 4)
		pkt_ipv4(ip, &(struct pkt_ip4){ .src = CLIENT4, .dst = VIP4,
						.id = 0x1234, .tos = tos,
						.frag_off = PKT_IP4_DF });
	else
		pkt_ipv6(ip, &(struct pkt_ip6){ .src = CLIENT6, .dst = VIP6,
						.tclass = tos,
						.flow_label = 0x12345 });
	pkt_tcp(ip, 40000, 443, 1000, 0, PKT_TCP_SYN);
	pkt_raw(ip, payload, payload_len);
	finish(ip, "inner packet");
}

static void build_inner(struct pkt *ip, int family, size_t payload_len)
{
	build_inner_tos(ip, family, payload_len, 0);
}

/* Ethernet with @vlans tags (0..3), outermost an 802.1ad S-tag. */
static void add_l2(struct pkt *p, int vlans)
{
	static const uint16_t tpid[3] = { PKT_TPID_8021AD, PKT_TPID_8021Q,
					  PKT_TPID_8021Q };
	int first = vlans == 1 ? 1 : 0; /* a single tag is a plain 802.1Q */
	int i;

	pkt_eth(p, backend_mac, router_mac, 0);
	for (i = 0; i < vlans; i++)
		pkt_vlan(p, tpid[first + i < 3 ? first + i : 2],
			 (uint16_t)(100 + i));
}

enum encap {
	ENC_IP,	 /* IP in IP: protocol / next header 4 or 41 */
	ENC_GUE, /* GUE variant 1 */
};

/* How the balancer wrapped the inner packet. */
struct wrap {
	int outer;	     /* 4 or 6 */
	enum encap encap;
	int vlans;
	const char *dst;     /* outer destination, NULL = ours */
	uint16_t gue_dport;  /* 0 = GUE_PORT */
	size_t opts_len;     /* outer IPv4 options */
	bool udp_csum;	     /* GUE with a UDP checksum (default 0) */
	uint8_t tos;	     /* outer TOS / traffic class (ECN bits) */
	uint16_t frag_off;   /* outer IPv4 */
};

/* Frame @p = L2 + outer headers of @w + the inner packet @inner. */
static void wrap(struct pkt *p, const struct wrap *w, const struct pkt *inner)
{
	/* NOP NOP ... EOL: options that a receiver just skips */
	static const uint8_t opts[40] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					  1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					  1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					  1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };

	pkt_init(p);
	add_l2(p, w->vlans);
	if (w->outer == 4) {
		struct pkt_ip4 h = {
			.src = BALANCER4,
			.dst = w->dst ? w->dst : OURS4,
			.frag_off = w->frag_off ? w->frag_off : PKT_IP4_DF,
			.tos = w->tos,
			.options = opts + sizeof(opts) - w->opts_len,
			.options_len = w->opts_len,
		};

		pkt_ipv4(p, &h);
	} else {
		struct pkt_ip6 h = { .src = BALANCER6,
				     .dst = w->dst ? w->dst : OURS6,
				     .tclass = w->tos };

		pkt_ipv6(p, &h);
	}
	if (w->encap == ENC_GUE)
		pkt_udp(p, 50123, w->gue_dport ? w->gue_dport : GUE_PORT,
			w->udp_csum ? 0 : PKT_UDP_NO_CSUM);
	pkt_inner(p, inner->data, inner->len);
	finish(p, "encapsulated frame");
}

/* Expected output of a decapsulation: the same L2 header + inner. */
static void unwrapped(struct pkt *p, int vlans, const struct pkt *inner)
{
	pkt_init(p);
	add_l2(p, vlans);
	pkt_inner(p, inner->data, inner->len);
	finish(p, "expected frame");
}

static void expect_untouched(struct golden *g, int counter)
{
	g->verdict = XDP_PASS;
	g->counter = counter;
	g->out = g->in;
}

static void expect_drop(struct golden *g, int counter)
{
	g->verdict = XDP_DROP;
	g->counter = counter;
}

static const char *family_name(int f)
{
	return f == 4 ? "v4" : "v6";
}

/* Every encapsulation, inner family and VLAN depth: decapsulated. */
static void add_decap_cases(void)
{
	static const struct {
		int outer, inner;
		enum encap encap;
		int counter;
	} kinds[] = {
		{ 4, 4, ENC_IP, EDGELB_DECAP_CNT_IPIP },
		{ 6, 6, ENC_IP, EDGELB_DECAP_CNT_IP6IP6 },
		{ 4, 6, ENC_IP, EDGELB_DECAP_CNT_IP6IP4 },
		{ 6, 4, ENC_IP, EDGELB_DECAP_CNT_IP4IP6 },
		{ 4, 4, ENC_GUE, EDGELB_DECAP_CNT_GUE },
		{ 4, 6, ENC_GUE, EDGELB_DECAP_CNT_GUE },
		{ 6, 6, ENC_GUE, EDGELB_DECAP_CNT_GUE },
		{ 6, 4, ENC_GUE, EDGELB_DECAP_CNT_GUE },
	};
	size_t k;
	int vlans;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (vlans = 0; vlans <= 2; vlans++) {
			struct wrap w = { .outer = kinds[k].outer,
					  .encap = kinds[k].encap,
					  .vlans = vlans };
			struct golden *g;
			struct pkt inner;

			g = add_case("%s %s-in-%s, %d VLAN tag(s)",
				     kinds[k].encap == ENC_GUE ? "GUE" : "IP",
				     family_name(kinds[k].inner),
				     family_name(kinds[k].outer), vlans);
			build_inner(&inner, kinds[k].inner, 17 + vlans);
			wrap(&g->in, &w, &inner);
			unwrapped(&g->out, vlans, &inner);
			g->verdict = XDP_PASS;
			g->counter = kinds[k].counter;
		}
	}
}

/* Outer IPv4 options (IHL > 5) are stripped with the header. */
static void add_option_cases(void)
{
	static const size_t lens[] = { 4, 12, 40 };
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct wrap ipip = { .outer = 4, .opts_len = lens[i],
				     .vlans = 1 };
		struct wrap gue = { .outer = 4, .opts_len = lens[i],
				    .encap = ENC_GUE, .vlans = 2 };
		struct golden *g;
		struct pkt inner;

		build_inner(&inner, 4, 10);
		g = add_case("IPIP, outer IPv4 with %zu bytes of options",
			     lens[i]);
		wrap(&g->in, &ipip, &inner);
		unwrapped(&g->out, ipip.vlans, &inner);
		g->verdict = XDP_PASS;
		g->counter = EDGELB_DECAP_CNT_IPIP;

		build_inner(&inner, 6, 11);
		g = add_case("GUE v6-in-v4, outer IPv4 with %zu bytes of "
			     "options", lens[i]);
		wrap(&g->in, &gue, &inner);
		unwrapped(&g->out, gue.vlans, &inner);
		g->verdict = XDP_PASS;
		g->counter = EDGELB_DECAP_CNT_GUE;
	}
}

/* A correct non-zero GUE UDP checksum is accepted as well. */
static void add_gue_csum_case(void)
{
	struct wrap w = { .outer = 6, .encap = ENC_GUE, .udp_csum = true };
	struct golden *g = add_case("GUE v6-in-v6 with a UDP checksum");
	struct pkt inner;

	build_inner(&inner, 6, 5);
	wrap(&g->in, &w, &inner);
	if (!g->in.data[14 + 40 + 6] && !g->in.data[14 + 40 + 7])
		die("%s: the builder left the UDP checksum 0", g->name);
	unwrapped(&g->out, 0, &inner);
	g->verdict = XDP_PASS;
	g->counter = EDGELB_DECAP_CNT_GUE;
}

#define ECT0 0x02
#define ECT1 0x01
#define CE 0x03

/*
 * RFC 6040: outer CE reaches an ECN-capable inner packet; over Not-ECT
 * it is dropped; otherwise the inner ECN field stays. The expected inner
 * packet is built with its final TOS, so its checksum is computed afresh
 * rather than updated like the program does.
 */
static void add_ecn_cases(void)
{
	static const struct {
		const char *name;
		int outer, inner;
		enum encap encap;
		uint8_t outer_tos, inner_tos, want_tos; /* want 0xff: drop */
		int counter;
	} c[] = {
		{ "IPIP, outer CE over inner ECT(0): inner CE", 4, 4, ENC_IP,
		  0x20 | CE, 0x28 | ECT0, 0x28 | CE, EDGELB_DECAP_CNT_IPIP },
		{ "IPIP, outer CE over inner ECT(1): inner CE", 4, 4, ENC_IP,
		  CE, 0xb8 | ECT1, 0xb8 | CE, EDGELB_DECAP_CNT_IPIP },
		{ "IPv6-in-IPv6, outer CE over inner ECT(0): inner CE", 6, 6,
		  ENC_IP, CE, 0x48 | ECT0, 0x48 | CE, EDGELB_DECAP_CNT_IP6IP6 },
		{ "GUE v4-in-v6, outer CE over inner ECT(1): inner CE", 6, 4,
		  ENC_GUE, 0x10 | CE, ECT1, CE, EDGELB_DECAP_CNT_GUE },
		{ "GUE v6-in-v4, outer CE over inner CE: unchanged", 4, 6,
		  ENC_GUE, CE, CE, CE, EDGELB_DECAP_CNT_GUE },
		{ "IPIP, outer ECT(0) over inner Not-ECT: unchanged", 4, 4,
		  ENC_IP, ECT0, 0x10, 0x10, EDGELB_DECAP_CNT_IPIP },
		{ "IPIP, outer CE over inner Not-ECT: dropped", 4, 4, ENC_IP,
		  CE, 0x10, 0xff, EDGELB_DECAP_CNT_DROP_ECN },
		{ "IPv4-in-IPv6, outer CE over inner Not-ECT: dropped", 6, 4,
		  ENC_IP, CE, 0, 0xff, EDGELB_DECAP_CNT_DROP_ECN },
		{ "GUE v6-in-v6, outer CE over inner Not-ECT: dropped", 6, 6,
		  ENC_GUE, CE, 0xe0, 0xff, EDGELB_DECAP_CNT_DROP_ECN },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct wrap w = { .outer = c[i].outer, .encap = c[i].encap,
				  .tos = c[i].outer_tos, .vlans = (int)i % 3 };
		struct golden *g = add_case("%s", c[i].name);
		struct pkt inner;

		build_inner_tos(&inner, c[i].inner, 7, c[i].inner_tos);
		wrap(&g->in, &w, &inner);
		g->counter = c[i].counter;
		if (c[i].want_tos == 0xff) {
			g->verdict = XDP_DROP;
			continue;
		}
		build_inner_tos(&inner, c[i].inner, 7, c[i].want_tos);
		unwrapped(&g->out, w.vlans, &inner);
		g->verdict = XDP_PASS;
	}
}

/* Traffic that is not ours or not a tunnel: untouched. */
static void add_untouched_cases(void)
{
	struct golden *g;
	struct pkt inner, inner6;

	build_inner(&inner, 4, 8);
	build_inner(&inner6, 6, 8);

	g = add_case("IPIP to an address not in decap_addrs");
	wrap(&g->in, &(struct wrap){ .outer = 4, .dst = OTHER4 }, &inner);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED_NOT_OURS);

	g = add_case("IPv6-in-IPv6 to an address not in decap_addrs");
	wrap(&g->in, &(struct wrap){ .outer = 6, .dst = OTHER6 }, &inner6);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED_NOT_OURS);

	g = add_case("IPv6-in-IPv6 to our IPv4 key's bytes as IPv6");
	wrap(&g->in, &(struct wrap){ .outer = 6, .dst = OURS4_AS_V6 },
	     &inner6);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED_NOT_OURS);

	g = add_case("GUE to an address not in decap_addrs");
	wrap(&g->in, &(struct wrap){ .outer = 4, .encap = ENC_GUE,
				     .dst = OTHER4 }, &inner);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED_NOT_OURS);

	g = add_case("GUE-looking UDP v4 to another port");
	wrap(&g->in, &(struct wrap){ .outer = 4, .encap = ENC_GUE,
				     .gue_dport = OTHER_PORT }, &inner);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	g = add_case("GUE-looking UDP v6 to another port, 2 VLAN tags");
	wrap(&g->in, &(struct wrap){ .outer = 6, .encap = ENC_GUE,
				     .gue_dport = OTHER_PORT, .vlans = 2 },
	     &inner6);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	g = add_case("GUE v4 while GUE is off (gue_port 0)");
	wrap(&g->in, &(struct wrap){ .outer = 4, .encap = ENC_GUE }, &inner);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);
	g->gue_off = true;

	g = add_case("IPIP while GUE is off (gue_port 0)");
	wrap(&g->in, &(struct wrap){ .outer = 4 }, &inner);
	unwrapped(&g->out, 0, &inner);
	g->verdict = XDP_PASS;
	g->counter = EDGELB_DECAP_CNT_IPIP;
	g->gue_off = true;

	/* The client packet itself, sent to our address: plain TCP. */
	g = add_case("plain TCP over IPv4 to our address");
	pkt_init(&g->in);
	add_l2(&g->in, 0);
	pkt_ipv4(&g->in, &(struct pkt_ip4){ .src = CLIENT4, .dst = OURS4 });
	pkt_tcp(&g->in, 40000, 22, 1, 0, PKT_TCP_SYN);
	finish(&g->in, g->name);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	g = add_case("plain TCP over IPv6 to our address, 1 VLAN tag");
	pkt_init(&g->in);
	add_l2(&g->in, 1);
	pkt_ipv6(&g->in, &(struct pkt_ip6){ .src = CLIENT6, .dst = OURS6 });
	pkt_tcp(&g->in, 40000, 22, 1, 0, PKT_TCP_SYN);
	finish(&g->in, g->name);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	g = add_case("plain UDP over IPv4 to our address, other port");
	pkt_init(&g->in);
	add_l2(&g->in, 0);
	pkt_ipv4(&g->in, &(struct pkt_ip4){ .src = CLIENT4, .dst = OURS4 });
	pkt_udp(&g->in, 5353, 53, 0);
	pkt_raw(&g->in, "query", 5);
	finish(&g->in, g->name);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	g = add_case("ARP request");
	pkt_init(&g->in);
	pkt_eth(&g->in, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff }, router_mac, 0x0806);
	pkt_raw(&g->in,
		(const uint8_t[28]){ 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1,
				     10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0,
				     2 }, 28);
	finish(&g->in, g->name);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	/* Documented limits: three tags, IPv6 extension headers. */
	g = add_case("IPIP behind 3 VLAN tags (at most 2 are parsed)");
	wrap(&g->in, &(struct wrap){ .outer = 4, .vlans = 3 }, &inner);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	g = add_case("IPv6-in-IPv6 behind a destination options header");
	pkt_init(&g->in);
	add_l2(&g->in, 0);
	pkt_ipv6(&g->in, &(struct pkt_ip6){ .src = BALANCER6, .dst = OURS6 });
	pkt_ipv6_ext(&g->in, 60, 8, 0, 0);
	pkt_inner(&g->in, inner6.data, inner6.len);
	finish(&g->in, g->name);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	/* A later fragment of a UDP datagram has no ports to look at. */
	g = add_case("non-first IPv4 fragment of UDP to the GUE port");
	wrap(&g->in, &(struct wrap){ .outer = 4, .encap = ENC_GUE,
				     .frag_off = 0x0010 }, &inner);
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);

	g = add_case("IPv4 header with IHL 4 (the stack drops it)");
	wrap(&g->in, &(struct wrap){ .outer = 4 }, &inner);
	g->in.data[14] = 0x44;
	expect_untouched(g, EDGELB_DECAP_CNT_PASSED);
}

/*
 * A tunnel to us whose inner packet @inner (already corrupted as the case
 * wants) is malformed: dropped and counted.
 */
static void add_malformed(const char *name, const struct wrap *w,
			  const void *inner, size_t len, int counter)
{
	struct golden *g = add_case("%s", name);

	pkt_init(&g->in);
	add_l2(&g->in, w->vlans);
	if (w->outer == 4)
		pkt_ipv4(&g->in, &(struct pkt_ip4){
				 .src = BALANCER4, .dst = OURS4,
				 .proto = w->encap == ENC_GUE ? 0 : 4 });
	else
		pkt_ipv6(&g->in, &(struct pkt_ip6){
				 .src = BALANCER6, .dst = OURS6,
				 .next_header = w->encap == ENC_GUE ? 0 : 41 });
	if (w->encap == ENC_GUE)
		pkt_udp(&g->in, 50123, GUE_PORT, PKT_UDP_NO_CSUM);
	pkt_raw(&g->in, inner, len);
	finish(&g->in, name);
	expect_drop(g, counter);
}

static void add_malformed_cases(void)
{
	const struct wrap ipip = { .outer = 4 }, ip6ip6 = { .outer = 6 };
	const struct wrap gue4 = { .outer = 4, .encap = ENC_GUE };
	const struct wrap gue6 = { .outer = 6, .encap = ENC_GUE, .vlans = 1 };
	struct pkt in4, in6, bad;
	struct golden *g;

	build_inner(&in4, 4, 12);
	build_inner(&in6, 6, 12);

	/* Version mismatch: the outer protocol says 4, inner is IPv6. */
	add_malformed("IPIP (proto 4) carrying IPv6", &ipip, in6.data,
		      in6.len, EDGELB_DECAP_CNT_DROP_MALFORMED);
	add_malformed("IPv6-in-IPv6 (nh 41) carrying IPv4", &ip6ip6, in4.data,
		      in4.len, EDGELB_DECAP_CNT_DROP_MALFORMED);
	add_malformed("IPIP with a 10-byte inner packet", &ipip, in4.data, 10,
		      EDGELB_DECAP_CNT_DROP_MALFORMED);
	add_malformed("IPv6-in-IPv6 with a 39-byte inner packet", &ip6ip6,
		      in6.data, 39, EDGELB_DECAP_CNT_DROP_MALFORMED);

	bad = in4;
	bad.data[3] += 1; /* inner total length one past the outer payload */
	add_malformed("IPIP, inner total length too long", &ipip, bad.data,
		      bad.len, EDGELB_DECAP_CNT_DROP_MALFORMED);
	bad = in4;
	bad.data[0] = 0x44; /* IHL 4 */
	add_malformed("IPIP, inner IHL 4", &ipip, bad.data, bad.len,
		      EDGELB_DECAP_CNT_DROP_MALFORMED);
	bad = in4;
	bad.data[2] = 0;
	bad.data[3] = 19; /* total length below the header length */
	add_malformed("IPIP, inner total length 19", &ipip, bad.data, bad.len,
		      EDGELB_DECAP_CNT_DROP_MALFORMED);
	bad = in6;
	bad.data[5] += 1; /* payload length one past the outer payload */
	add_malformed("IPv6-in-IPv6, inner payload length too long", &ip6ip6,
		      bad.data, bad.len, EDGELB_DECAP_CNT_DROP_MALFORMED);
	add_malformed("GUE v4 with an empty payload", &gue4, "", 0,
		      EDGELB_DECAP_CNT_DROP_MALFORMED);
	bad = in4;
	bad.data[0] = 0x05; /* GUE variant 0 header, not an IP version */
	add_malformed("GUE v4, variant 0 (GUE header)", &gue4, bad.data,
		      bad.len, EDGELB_DECAP_CNT_DROP_MALFORMED);
	bad = in6;
	bad.data[0] = 0x50; /* version 5 */
	add_malformed("GUE v6, inner version 5", &gue6, bad.data, bad.len,
		      EDGELB_DECAP_CNT_DROP_MALFORMED);
	add_malformed("GUE v6, inner IPv6 cut to 30 bytes", &gue6, in6.data,
		      30, EDGELB_DECAP_CNT_DROP_MALFORMED);

	/* Outer defects, on a packet addressed to us. */
	g = add_case("IPIP, outer total length past the frame");
	wrap(&g->in, &ipip, &in4);
	g->in.data[14 + 3] += 1;
	pkt_ipv4_fix_csum(g->in.data + 14);
	expect_drop(g, EDGELB_DECAP_CNT_DROP_MALFORMED);

	g = add_case("IPIP, outer total length below the IHL");
	wrap(&g->in, &(struct wrap){ .outer = 4, .opts_len = 8 }, &in4);
	g->in.data[14 + 2] = 0;
	g->in.data[14 + 3] = 24;
	pkt_ipv4_fix_csum(g->in.data + 14);
	expect_drop(g, EDGELB_DECAP_CNT_DROP_MALFORMED);

	g = add_case("IPIP, outer IHL 15 past the frame end");
	pkt_init(&g->in);
	add_l2(&g->in, 0);
	pkt_ipv4(&g->in, &(struct pkt_ip4){ .src = BALANCER4, .dst = OURS4,
					    .proto = 4 });
	pkt_raw(&g->in, in4.data, 20);
	finish(&g->in, g->name);
	g->in.data[14] = 0x4f;
	expect_drop(g, EDGELB_DECAP_CNT_DROP_MALFORMED);

	g = add_case("GUE v4, UDP length one short");
	wrap(&g->in, &gue4, &in4);
	g->in.data[14 + 20 + 5] -= 1;
	expect_drop(g, EDGELB_DECAP_CNT_DROP_MALFORMED);

	g = add_case("GUE v6, UDP length one long");
	wrap(&g->in, &(struct wrap){ .outer = 6, .encap = ENC_GUE }, &in6);
	g->in.data[14 + 40 + 5] += 1;
	expect_drop(g, EDGELB_DECAP_CNT_DROP_MALFORMED);

	g = add_case("IPv6-in-IPv6, outer payload length past the frame");
	wrap(&g->in, &ip6ip6, &in6);
	g->in.data[14 + 5] += 1;
	expect_drop(g, EDGELB_DECAP_CNT_DROP_MALFORMED);

	g = add_case("IPIP, bad outer header checksum");
	wrap(&g->in, &ipip, &in4);
	g->in.data[14 + 10] ^= 0x01;
	expect_drop(g, EDGELB_DECAP_CNT_DROP_BAD_CSUM);

	g = add_case("IPIP with options, bad checksum in the options");
	wrap(&g->in, &(struct wrap){ .outer = 4, .opts_len = 8 }, &in4);
	g->in.data[14 + 20 + 2] = 0; /* a NOP becomes EOL: sum changes */
	expect_drop(g, EDGELB_DECAP_CNT_DROP_BAD_CSUM);

	g = add_case("IPIP, outer first fragment (MF)");
	wrap(&g->in, &(struct wrap){ .outer = 4, .frag_off = PKT_IP4_MF },
	     &in4);
	expect_drop(g, EDGELB_DECAP_CNT_DROP_FRAGMENT);

	g = add_case("IPIP, outer later fragment");
	wrap(&g->in, &(struct wrap){ .outer = 4, .frag_off = 0x0003 }, &in4);
	expect_drop(g, EDGELB_DECAP_CNT_DROP_FRAGMENT);

	g = add_case("GUE v4, outer first fragment (MF)");
	wrap(&g->in, &(struct wrap){ .outer = 4, .encap = ENC_GUE,
				     .frag_off = PKT_IP4_MF }, &in4);
	expect_drop(g, EDGELB_DECAP_CNT_DROP_FRAGMENT);
}

/*
 * Every truncation of a valid frame. What must happen depends only on
 * how much of the outer headers survived: before the outer destination
 * (and, for GUE, the UDP port) can be read the packet is someone else's
 * and passes untouched; after, it is ours and cut short: dropped.
 * Frames shorter than Ethernet are refused by the kernel (-EINVAL).
 */
static void add_truncations(const char *what, const struct wrap *w,
			    int inner_family, size_t ours_from)
{
	struct pkt full, inner;
	size_t len;

	build_inner(&inner, inner_family, 9);
	wrap(&full, w, &inner);
	for (len = 0; len < full.len; len++) {
		struct golden *g = add_case("%s cut to %zu of %zu bytes", what,
					    len, full.len);

		pkt_init(&g->in);
		pkt_raw(&g->in, full.data, len);
		finish(&g->in, g->name);
		if (len < 14)
			g->run_err = -EINVAL;
		else if (len < ours_from)
			expect_untouched(g, EDGELB_DECAP_CNT_PASSED);
		else
			expect_drop(g, EDGELB_DECAP_CNT_DROP_MALFORMED);
	}
}

/*
 * Every truncation of the inner packet inside consistent outer headers:
 * the outer lengths fit, the inner one never does.
 */
static void add_inner_truncations(const char *what, const struct wrap *w,
				  int inner_family)
{
	struct pkt inner;
	size_t len;

	build_inner(&inner, inner_family, 9);
	for (len = 0; len < inner.len; len++) {
		char name[96];

		snprintf(name, sizeof(name), "%s, inner cut to %zu of %zu "
			 "bytes", what, len, inner.len);
		add_malformed(name, w, inner.data, len,
			      EDGELB_DECAP_CNT_DROP_MALFORMED);
	}
}

static void build_cases(void)
{
	add_decap_cases();
	add_option_cases();
	add_gue_csum_case();
	add_ecn_cases();
	add_untouched_cases();
	add_malformed_cases();
	add_truncations("IPIP", &(struct wrap){ .outer = 4 }, 4, 14 + 20);
	add_truncations("GUE v4-in-v6, 2 VLAN tags",
			&(struct wrap){ .outer = 6, .encap = ENC_GUE,
					.vlans = 2 }, 4, 22 + 40 + 8);
	add_inner_truncations("IPIP", &(struct wrap){ .outer = 4 }, 4);
	add_inner_truncations("IPv6-in-IPv6", &(struct wrap){ .outer = 6 }, 6);
	add_inner_truncations("GUE v6-in-v4",
			      &(struct wrap){ .outer = 4, .encap = ENC_GUE },
			      6);
}

/* ---- running -------------------------------------------------------- */

static void read_counters(const struct decap_bpf *s,
			  __u64 sum[EDGELB_DECAP_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals = calloc((size_t)ncpu, sizeof(*vals));
	__u32 i;
	int c;

	assert_non_null(vals);
	for (i = 0; i < EDGELB_DECAP_CNT_MAX; i++) {
		assert_int_equal(bpf_map__lookup_elem(s->maps.decap_stats, &i,
						      sizeof(i), vals,
						      sizeof(*vals) * ncpu, 0),
				 0);
		sum[i] = 0;
		for (c = 0; c < ncpu; c++)
			sum[i] += vals[c];
	}
	free(vals);
}

static const char *verdict_name(int v)
{
	switch (v) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "?";
	}
}

static void run_golden(void **state)
{
	const struct golden *g = *state;
	const struct decap_bpf *s = g->gue_off ? skel_gue_off : skel;
	__u64 before[EDGELB_DECAP_CNT_MAX], after[EDGELB_DECAP_CNT_MAX];
	static uint8_t out[PKT_MAX + 512];
	bool counters_ok = true;
	int err, i;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = g->in.data,
		    .data_size_in = (__u32)g->in.len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	memset(out, 0xee, sizeof(out));
	read_counters(s, before);
	err = bpf_prog_test_run_opts(bpf_program__fd(s->progs.edgelb_decap),
				     &opts);
	read_counters(s, after);

	if (g->run_err) {
		assert_int_equal(err, g->run_err);
		assert_memory_equal(before, after, sizeof(before));
		return;
	}
	assert_int_equal(err, 0);

	for (i = 0; i < EDGELB_DECAP_CNT_MAX; i++) {
		__u64 want = i == g->counter ? 1 : 0;

		if (after[i] - before[i] != want) {
			print_error("counter %s moved by %llu, expected %llu\n",
				    edgelb_decap_counter_name(i),
				    (unsigned long long)(after[i] - before[i]),
				    (unsigned long long)want);
			counters_ok = false;
		}
	}
	if ((int)opts.retval != g->verdict) {
		print_error("verdict %s, expected %s\n",
			    verdict_name((int)opts.retval),
			    verdict_name(g->verdict));
		fail();
	}
	if (!counters_ok)
		fail();
	if (g->verdict != XDP_PASS)
		return;
	if (opts.data_size_out != g->out.len ||
	    memcmp(out, g->out.data, g->out.len)) {
		print_error("output differs from the expected frame:\n");
		pkt_fprint_diff(stderr, g->out.data, g->out.len, out,
				opts.data_size_out);
		fail();
	}
}

/* The name table covers every counter, once. */
static void test_counter_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < EDGELB_DECAP_CNT_MAX; i++) {
		const char *n = edgelb_decap_counter_name(i);

		assert_string_not_equal(n, "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(n,
						edgelb_decap_counter_name(j));
	}
	assert_string_equal(edgelb_decap_counter_name(EDGELB_DECAP_CNT_MAX),
			    "unknown");
	assert_int_equal(bpf_map__max_entries(skel->maps.decap_stats),
			 EDGELB_DECAP_CNT_MAX);
	assert_int_equal(bpf_map__key_size(skel->maps.decap_addrs),
			 sizeof(struct edgelb_decap_key));
}

/*
 * The builder itself, against packets checked by hand: a wrong builder
 * would make every golden case agree with a wrong program.
 */
static void test_pktbuild_known_answer(void **state)
{
	/* RFC 1071-style example header (Wikipedia's IPv4 checksum one). */
	static const uint8_t hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00,
					 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
					 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
					 0x00, 0xc7 };
	struct pkt p;
	uint8_t h[20];

	(void)state;
	memcpy(h, hdr, sizeof(h));
	pkt_ipv4_fix_csum(h);
	assert_int_equal(h[10], 0xb8);
	assert_int_equal(h[11], 0x61);

	/* IPv4 + UDP "hi": lengths, protocol, checksums verified by hand */
	pkt_init(&p);
	pkt_ipv4(&p, &(struct pkt_ip4){ .src = "192.168.0.1",
				       .dst = "192.168.0.199" });
	pkt_udp(&p, 1000, 2000, 0);
	pkt_raw(&p, "hi", 2);
	assert_int_equal(pkt_finish(&p), 0);
	assert_int_equal(p.len, 30);
	assert_int_equal(p.data[3], 30);   /* total length */
	assert_int_equal(p.data[9], 17);   /* protocol */
	assert_int_equal(p.data[25], 10);  /* UDP length */
	/*
	 * UDP checksum by hand: pseudo-header c0a8+0001+c0a8+00c7+0011+000a,
	 * header 03e8+07d0+000a, data 6869: sum 0x1f65e, folded f65f,
	 * complemented 09a0.
	 */
	assert_int_equal(p.data[26], 0x09);
	assert_int_equal(p.data[27], 0xa0);
	/* and any finished IPv4 header sums to 0xffff */
	assert_int_equal(pkt_csum(p.data, 20, 0), 0);
}

static int setup_skel(struct decap_bpf **out, __be16 port)
{
	static const char *const addrs[][2] = {
		{ "4", OURS4 }, { "6", OURS6 }, { "4", "10.0.0.3" },
	};
	struct decap_bpf *s;
	size_t i;
	int err;

	s = decap_bpf__open();
	if (!s) {
		err = -errno;
		fprintf(stderr, "test_decap: opening the skeleton: %s\n",
			strerror(-err));
		return err;
	}
	s->rodata->gue_port = port;
	err = decap_bpf__load(s);
	if (err) {
		fprintf(stderr, "test_decap: loading decap.bpf.o: %s\n",
			strerror(-err));
		decap_bpf__destroy(s);
		return err;
	}
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct edgelb_decap_key key = {};
		__u32 val = 0;

		key.family = addrs[i][0][0] == '4' ? EDGELB_AF_INET :
						     EDGELB_AF_INET6;
		inet_pton(key.family == EDGELB_AF_INET ? AF_INET : AF_INET6,
			  addrs[i][1], &key.addr);
		err = bpf_map__update_elem(s->maps.decap_addrs, &key,
					   sizeof(key), &val, sizeof(val),
					   BPF_ANY);
		if (err) {
			fprintf(stderr, "test_decap: filling decap_addrs: "
				"%s\n", strerror(-err));
			decap_bpf__destroy(s);
			return err;
		}
	}
	*out = s;
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_counter_names),
		cmocka_unit_test(test_pktbuild_known_answer),
	};
	struct CMUnitTest *tests;
	size_t i, n;
	int err, ret;

	if (geteuid() != 0) {
		fprintf(stderr, "test_decap: SKIP: needs root to load BPF "
			"programs and run BPF_PROG_TEST_RUN; run the 'bpf' "
			"suite as root\n");
		return 77;
	}
	libbpf_set_print(libbpf_print);
	err = setup_skel(&skel, htons(GUE_PORT));
	if (err == -EPERM) {
		fprintf(stderr, "test_decap: SKIP: BPF not permitted here "
			"(container without CAP_BPF?)\n");
		return 77;
	}
	if (err || setup_skel(&skel_gue_off, 0))
		return 1;

	build_cases();
	n = sizeof(fixed) / sizeof(fixed[0]) + ncases;
	tests = calloc(n, sizeof(*tests));
	if (!tests)
		die("out of memory");
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < ncases; i++) {
		struct CMUnitTest *t = &tests[n - ncases + i];

		t->name = cases[i].name;
		t->test_func = run_golden;
		t->initial_state = &cases[i];
	}
	ret = _cmocka_run_group_tests("decap", tests, n, NULL, NULL);

	free(tests);
	free(cases);
	decap_bpf__destroy(skel_gue_off);
	decap_bpf__destroy(skel);
	return ret;
}
