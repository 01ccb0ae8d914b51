// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the whole packet path (dataplane/core/forward.h) on the
 * host build (tests/bpf/host_dp.c), programmed with the standard test
 * scenario (tests/bpf/scenario.c). The data plane is created once, on the
 * first input, and keeps its flow table between inputs, as a running node
 * does (it is rebuilt only when the flow table fills up).
 *
 * Input: one variant byte, then one raw Ethernet frame.
 *
 *   byte 0:  bit 0  fix lengths: after the steps below, set the IPv4 total
 *                   length (and header checksum) or IPv6 payload length of
 *                   the frame to "all bytes after L2 but the last T", with
 *                   T = byte 0 >> 4 (0..15 trailing bytes)
 *            bit 1  small MTU: every VIP has MTU 576 for this frame
 *            bit 2  ICMP wrap: the rest is an IP packet (a backend's reply
 *                   VIP -> client), sent back to its source inside an ICMP
 *                   "fragmentation needed" (IPv4) or "packet too big"
 *                   (IPv6) from a router, in a frame client MAC -> us
 *            bit 3  new-flow guard: the node's guard is on for this frame
 *                   (1 write a second, burst 1: after the first, every new
 *                   flow is forwarded but not saved, new_flow_unsaved)
 *            bits 7..4 when bit 0 is clear: unused
 *   rest:    the frame (or, with bit 2, the quoted IP packet); frames
 *            longer than host_dp_run() takes are skipped
 *
 * Properties checked after each frame, beyond "no crash, no sanitizer
 * report" (abort() with a message naming the invariant):
 *  - XDP_PASS: the frame leaves byte-identical;
 *  - XDP_TX is exactly one of
 *    (a) a tunnel (IPIP, ip6ip6, GUE over either family) from the node's
 *        MAC and source address to a backend, VLAN tags as in the input,
 *        outer headers consistent and checksummed (GUE over IPv6: a
 *        non-zero, valid UDP checksum, unless the VIP opted into zero with
 *        EDGELB_VIP_F_GUE_ZERO_CSUM6), carrying the input's IP packet cut
 *        to its own length (no trailing bytes, no Ethernet padding), no
 *        longer than the VIP's MTU (sc_vips[]);
 *    (b) DSR: only the MAC addresses changed (to a DSR backend's, from
 *        the node's), payload the input's IP packet cut to its length;
 *    (c) an ICMP too-big reply to the input's unicast source, from the
 *        address it was sent to, checksummed, announcing at least the
 *        family's minimum MTU, quoting the input's IP header;
 *    and what is forwarded ((a) or (b)) was addressed to a VIP address;
 *  - no frame goes out to a group MAC or a non-unicast IP destination;
 *  - every frame moves a node counter or a VIP counter.
 *
 * Built two ways, like the other targets: with -fsanitize=fuzzer (meson
 * -Dfuzz=true, clang), or with the replay main() below (every build).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "host_dp.h"
#include "lbenv.h"
#include "scenario.h"

#define FRAME_MAX 16384 /* more than host_dp_run takes: it refuses the rest */
#define OUT_MAX 65536

#define V_FIX_LEN 0x01
#define V_SMALL_MTU 0x02
#define V_ICMP_WRAP 0x04
#define V_GUARD 0x08

#define SMALL_MTU 576
#define ROUTER4 "203.0.113.1"
#define ROUTER6 "2001:db8:ffff::1"
#define MAX_FLOWS 32768 /* host_dp has 65 536 flow slots and aborts when full */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * lbenv for scenario.c, host target only: lbenv.c would also pull the XDP
 * loader and libbpf into the fuzzer.
 */
struct lbenv {
	struct host_dp *host;
};

int lbenv_node_config(struct lbenv *e, const struct edgelb_node_config *cfg)
{
	host_dp_set_node_config(e->host, cfg);
	return 0;
}

int lbenv_vip(struct lbenv *e, const struct edgelb_vip_key *key, const struct edgelb_vip_meta *meta)
{
	return host_dp_set_vip(e->host, key, meta);
}

int lbenv_backend(struct lbenv *e, uint32_t id, const struct edgelb_backend *be)
{
	return host_dp_set_backend(e->host, id, be);
}

int lbenv_ring(struct lbenv *e, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	return host_dp_set_ring(e->host, vip_id, ring, m);
}

/* ---- the scenario, parsed once ---- */

struct addr {
	int v6;
	uint8_t b[16];
};

static struct lbenv env;
static struct scenario sc;
static struct addr src4, src6, vip_addrs[SC_VIP_COUNT], be_addrs[32];
static const uint8_t *be_macs[32];
static int n_be;

static void parse_addr(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1)
		return;
	a->v6 = 1;
	if (inet_pton(AF_INET6, s, a->b) != 1) {
		fprintf(stderr, "fuzz_packet_path: bad address %s\n", s);
		abort();
	}
}

static void dp_create(void)
{
	env.host = host_dp_new();
	if (!env.host || scenario_load(&sc, &env)) {
		fprintf(stderr, "fuzz_packet_path: cannot set up the scenario\n");
		abort();
	}
}

static void dp_init(void)
{
	parse_addr(SC_SRC4, &src4);
	parse_addr(SC_SRC6, &src6);
	for (int v = 0; v < SC_VIP_COUNT; v++)
		parse_addr(sc_vips[v].addr, &vip_addrs[v]);
	for (const struct sc_backend_def *d = sc_backends; d->addr && n_be < 32; d++, n_be++) {
		parse_addr(d->addr, &be_addrs[n_be]);
		be_macs[n_be] = d->mac;
	}
	dp_create();
}

/* The new-flow guard at 1 write a second (on), or the scenario's node config (off). */
static void set_guard(int on)
{
	struct edgelb_node_config cfg;

	scenario_node_config(&cfg);
	cfg.new_flow_rate = on ? 1 : 0;
	cfg.new_flow_burst = on ? 1 : 0;
	host_dp_set_node_config(env.host, &cfg);
}

/* Set every VIP's MTU to mtu, or back to the scenario's with 0. */
static void set_vip_mtu(uint16_t mtu)
{
	for (int v = 0; v < SC_VIP_COUNT; v++) {
		struct edgelb_vip_key k;
		struct edgelb_vip_meta m = {
			.vip_id = (uint32_t)v,
			.flags = sc_vips[v].flags,
			.ring_size = SC_RING_SIZE,
			.mtu = mtu ? mtu : sc_vips[v].mtu,
			.encap = sc_vips[v].encap,
			.gue_dport = sc_vips[v].encap == EDGELB_ENCAP_GUE ? htons(SC_GUE_PORT) : 0,
		};

		scenario_vip_key((enum sc_vip)v, &k);
		if (host_dp_set_vip(env.host, &k, &m))
			abort();
	}
}

struct totals {
	uint64_t node, vip_packets, new_flows;
};

static void totals(struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (int c = 0; c < EDGELB_COUNTER_MAX; c++)
		t->node += host_dp_counter(env.host, (enum edgelb_counter)c);
	for (int v = 0; v < SC_VIP_COUNT; v++) {
		struct edgelb_counters vc;

		host_dp_vip_counters(env.host, (uint32_t)v, &vc);
		t->vip_packets += vc.packets;
		t->new_flows += vc.new_flows;
	}
}

/* ---- an independent reading of frames (not parse.h: this is the oracle) ---- */

struct l2 {
	size_t l3;	  /* where the L3 header starts */
	int n_tags;	  /* 0..2 */
	uint8_t tags[8];  /* TPID + TCI of each tag, as on the wire */
	uint16_t type;	  /* ethertype after the tags */
	int ip;		  /* 4 or 6 when type says so and the fixed header is there */
	size_t ip_len;	  /* the IP packet's own length (IPv4 total, 40 + IPv6 payload) */
	size_t ip_hdr;	  /* IPv4 IHL * 4, IPv6 40 */
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* 0, or -1 when there is not even an Ethernet header. */
static int read_l2(const uint8_t *f, size_t len, struct l2 *l)
{
	size_t p = 14;

	memset(l, 0, sizeof(*l));
	if (len < 14)
		return -1;
	l->type = rd16(f + 12);
	while (l->n_tags < 2 && (l->type == 0x8100 || l->type == 0x88a8) && p + 4 <= len) {
		memcpy(l->tags + 4 * l->n_tags, f + p - 2, 4);
		l->type = rd16(f + p + 2);
		l->n_tags++;
		p += 4;
	}
	l->l3 = p;
	if (l->type == 0x0800 && p + 20 <= len && f[p] >> 4 == 4) {
		l->ip = 4;
		l->ip_len = rd16(f + p + 2);
		l->ip_hdr = (size_t)(f[p] & 0xf) * 4;
	} else if (l->type == 0x86dd && p + 40 <= len && f[p] >> 4 == 6) {
		l->ip = 6;
		l->ip_len = 40 + (size_t)rd16(f + p + 4);
		l->ip_hdr = 40;
	}
	return 0;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* Folded sum: 0xffff when the checksummed data (checksum included) is valid. */
static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Partial sum of an IPv4 or IPv6 pseudo-header. */
static uint32_t pseudo_sum(const uint8_t *iph, int v6, size_t l4_len, uint8_t proto)
{
	uint32_t s = v6 ? sum16(iph + 8, 32, 0) : sum16(iph + 12, 8, 0);

	return s + (uint32_t)(l4_len >> 16) + (uint32_t)(l4_len & 0xffff) + proto;
}

/*
 * Is the inner packet ip (len bytes) a corrupt segment whose outer GUE
 * checksum the data plane may get wrong? The data plane derives that
 * checksum from the segment's own (encap.h: the lco identity) only for an
 * unfragmented IPv4 packet, or an IPv6 packet without extension headers,
 * carrying TCP, UDP (non-zero checksum, length field = payload), ICMP or
 * ICMPv6; such a segment that fails its own check makes the outer
 * checksum fail too, and the decapsulator drops it as the backend's stack
 * would have. Everything else must get a right outer checksum.
 */
static int inner_segment_corrupt(const uint8_t *ip, size_t len)
{
	size_t hdr;
	uint8_t proto;
	int v6 = len && ip[0] >> 4 == 6;

	if (v6) {
		if (len < 40)
			return 0;
		hdr = 40;
		proto = ip[6];
	} else {
		if (len < 20 || ip[0] >> 4 != 4)
			return 0;
		hdr = (size_t)(ip[0] & 0xf) * 4;
		if (hdr < 20 || hdr > len || (rd16(ip + 6) & 0x3fff))
			return 0; /* a fragment: summed whole, must be right */
		proto = ip[9];
	}
	if (proto == 17) {
		if (len - hdr < 8 || !rd16(ip + hdr + 6) || rd16(ip + hdr + 4) != len - hdr)
			return 0;
	} else if (proto == 1) {
		if (v6)
			return 0;
		return fold(sum16(ip + hdr, len - hdr, 0)) != 0xffff;
	} else if (proto != 6 && !(proto == 58 && v6)) {
		return 0;
	}
	return fold(sum16(ip + hdr, len - hdr, pseudo_sum(ip, v6, len - hdr, proto))) != 0xffff;
}

static int mac_is(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 6);
}

static int v4_unicast(const uint8_t *a)
{
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

static int v6_unicast(const uint8_t *a)
{
	static const uint8_t zero[16], loop[16] = { [15] = 1 };

	return memcmp(a, zero, 16) && memcmp(a, loop, 16) && a[0] != 0xff;
}

static int is_backend(const uint8_t *a, int v6)
{
	for (int i = 0; i < n_be; i++)
		if (be_addrs[i].v6 == v6 && !memcmp(be_addrs[i].b, a, v6 ? 16 : 4))
			return 1;
	return 0;
}

static int is_dsr_mac(const uint8_t *m)
{
	static const uint8_t zero[6];

	for (int i = 0; i < n_be; i++)
		if (memcmp(be_macs[i], zero, 6) && mac_is(be_macs[i], m))
			return 1;
	return 0;
}

/* ---- reporting ---- */

struct run {
	const uint8_t *in, *out;
	size_t in_len, out_len;
	struct l2 il, ol;
	int verdict;
	int small_mtu;
	char why[256]; /* the first failed check of the class being tried */
};

static int fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return -1;
}

static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "%s (%zu bytes):", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", p[i]);
	fprintf(stderr, "\n");
}

static void violation(const struct run *r, const char *msg) __attribute__((noreturn));

static void violation(const struct run *r, const char *msg)
{
	fprintf(stderr, "fuzz_packet_path: invariant violated: %s\n", msg);
	fprintf(stderr, "  verdict %d, input %zu bytes, output %zu bytes%s\n", r->verdict,
		r->in_len, r->out_len, r->small_mtu ? ", VIP MTUs 576" : "");
	hexdump("input frame", r->in, r->in_len);
	hexdump("output frame", r->out, r->out_len);
	abort();
}

/* ---- the three shapes of XDP_TX ---- */

/* Output L2: same VLAN tags as the input. */
static int check_tags(struct run *r)
{
	if (r->ol.n_tags != r->il.n_tags ||
	    memcmp(r->ol.tags, r->il.tags, 4 * (size_t)r->il.n_tags))
		return fail(r, "vlan-tags: %d in the output, %d in the input, or other values",
			    r->ol.n_tags, r->il.n_tags);
	return 0;
}

/* The input's IP packet, cut to its own length; 0 or -1 (not whole). */
static int input_ip(struct run *r, const uint8_t **ip, size_t *len)
{
	if (!r->il.ip || r->il.ip_len < r->il.ip_hdr || r->il.l3 + r->il.ip_len > r->in_len)
		return fail(r, "tx-no-ip: no whole IP packet in the input (IPv%d, %zu bytes, "
			    "%zu after L2)", r->il.ip, r->il.ip_len, r->in_len - r->il.l3);
	*ip = r->in + r->il.l3;
	*len = r->il.ip_len;
	return 0;
}

/*
 * The MTU and flags of the VIP the input was sent to, by its address (the
 * scenario gives the VIPs of one address the same MTU and flags; should
 * they differ, the largest MTU and any flag count). 0 if no VIP has it.
 */
static int input_vip(const struct run *r, size_t *mtu, uint32_t *flags)
{
	const uint8_t *ip = r->in + r->il.l3;
	int v6 = r->il.ip == 6, found = 0;

	*mtu = 0;
	*flags = 0;
	for (int v = 0; v < SC_VIP_COUNT; v++) {
		if (vip_addrs[v].v6 != v6 || memcmp(vip_addrs[v].b, v6 ? ip + 24 : ip + 16,
						    v6 ? 16 : 4))
			continue;
		found = 1;
		if (sc_vips[v].mtu > *mtu)
			*mtu = sc_vips[v].mtu;
		*flags |= sc_vips[v].flags;
	}
	if (r->small_mtu)
		*mtu = SMALL_MTU;
	return found;
}


/* A length mismatch of `excess` bytes: the input's trailing bytes carried? */
static const char *tunnel_length_tag(const struct run *r, size_t excess)
{
	size_t trailing = r->in_len - r->il.l3 - r->il.ip_len; /* input_ip() checked */

	if (excess && excess == trailing)
		return "tunnel-trailing (the input's bytes after its IP packet carried)";
	return "tunnel-length";
}

static int check_tunnel(struct run *r)
{
	const uint8_t *o = r->out, *ip, *inner, *oip;
	size_t ip_len, after_l2, outer_len, inner_len, hdr, mtu;
	uint32_t vip_flags;
	int v6;
	uint8_t proto;

	if (input_ip(r, &ip, &ip_len))
		return -1;
	if (!input_vip(r, &mtu, &vip_flags))
		return fail(r, "forward-not-to-vip: the input's IP destination is no VIP");
	if (!mac_is(o + 6, sc_if_mac))
		return fail(r, "tunnel-src-mac: source MAC %02x:..:%02x is not the node's", o[6],
			    o[11]);
	if (o[0] & 1)
		return fail(r, "tx-group-mac: destination MAC is a group address");
	if (!mac_is(o, sc_gw_mac) && !is_dsr_mac(o))
		return fail(r, "tunnel-dst-mac: not the gateway's MAC nor a backend's");
	if (check_tags(r))
		return -1;
	if (!r->ol.ip)
		return fail(r, "tunnel-outer: no outer IP header (ethertype %04x)", r->ol.type);
	v6 = r->ol.ip == 6;
	oip = o + r->ol.l3;
	after_l2 = r->out_len - r->ol.l3;
	if (!v6) {
		if ((oip[0] & 0xf) != 5)
			return fail(r, "tunnel-outer4: IHL %d, want 5", oip[0] & 0xf);
		if (fold(sum16(oip, 20, 0)) != 0xffff)
			return fail(r, "tunnel-outer4: bad header checksum");
		if (rd16(oip + 2) != after_l2)
			return fail(r, "%s: outer IPv4 total length %u, %zu bytes after L2",
				    tunnel_length_tag(r, after_l2 - rd16(oip + 2)), rd16(oip + 2),
				    after_l2);
		if (memcmp(oip + 12, src4.b, 4))
			return fail(r, "tunnel-outer4: source is not %s", SC_SRC4);
		if (!v4_unicast(oip + 16) || !is_backend(oip + 16, 0))
			return fail(r, "tunnel-outer4: destination is not a backend");
		proto = oip[9];
		hdr = 20;
	} else {
		if ((size_t)rd16(oip + 4) + 40 != after_l2)
			return fail(r, "%s: outer IPv6 payload length %u, %zu bytes after L2",
				    tunnel_length_tag(r, after_l2 - 40 - rd16(oip + 4)),
				    rd16(oip + 4), after_l2);
		if (memcmp(oip + 8, src6.b, 16))
			return fail(r, "tunnel-outer6: source is not %s", SC_SRC6);
		if (!v6_unicast(oip + 24) || !is_backend(oip + 24, 1))
			return fail(r, "tunnel-outer6: destination is not a backend");
		proto = oip[6];
		hdr = 40;
	}
	outer_len = after_l2;
	inner = oip + hdr;
	inner_len = outer_len - hdr;
	if (proto == 17) {
		uint16_t ulen, ck;

		if (inner_len < 8)
			return fail(r, "tunnel-gue: no room for the UDP header");
		ulen = rd16(inner + 4);
		ck = rd16(inner + 6);
		if (ulen != inner_len)
			return fail(r, "tunnel-gue: UDP length %u, %zu bytes after the IP header",
				    ulen, inner_len);
		if (rd16(inner + 2) != SC_GUE_PORT)
			return fail(r, "tunnel-gue: destination port %u, want %u", rd16(inner + 2),
				    SC_GUE_PORT);
		if (v6 && !ck && !(vip_flags & EDGELB_VIP_F_GUE_ZERO_CSUM6))
			return fail(r, "gue6-zero-csum: UDP checksum 0 over IPv6 (no opt-in)");
		if (ck &&
		    fold(sum16(inner, inner_len, pseudo_sum(oip, v6, inner_len, 17))) != 0xffff &&
		    !inner_segment_corrupt(inner + 8, inner_len - 8))
			return fail(r, "gue-bad-csum: UDP checksum %04x is wrong (IPv%d outer)", ck,
				    v6 ? 6 : 4);
		inner += 8;
		inner_len -= 8;
	} else if (proto == 4 || proto == 41) {
		if (!inner_len || inner[0] >> 4 != (proto == 4 ? 4 : 6))
			return fail(r, "tunnel-proto: outer protocol %u, inner version %d", proto,
				    inner_len ? inner[0] >> 4 : -1);
	} else {
		return fail(r, "tunnel-proto: outer protocol %u is not IPIP, IPv6 or UDP", proto);
	}
	if (inner_len != ip_len)
		return fail(r, "tunnel-inner-length: inner packet %zu bytes, input IP packet %zu",
			    inner_len, ip_len);
	if (memcmp(inner, ip, ip_len))
		return fail(r, "tunnel-inner: inner packet differs from the input's IP packet");
	if (outer_len > mtu)
		return fail(r, "tunnel-mtu: outer IP packet %zu bytes, VIP MTU %zu", outer_len,
			    mtu);
	return 0;
}

static int check_dsr(struct run *r)
{
	const uint8_t *ip;
	size_t ip_len, mtu;
	uint32_t vip_flags;

	if (input_ip(r, &ip, &ip_len))
		return -1;
	if (!input_vip(r, &mtu, &vip_flags))
		return fail(r, "forward-not-to-vip: the input's IP destination is no VIP");
	if (r->out[0] & 1)
		return fail(r, "tx-group-mac: destination MAC is a group address");
	if (!is_dsr_mac(r->out))
		return fail(r, "dsr-dst-mac: destination MAC is not a DSR backend's");
	if (!mac_is(r->out + 6, sc_if_mac))
		return fail(r, "dsr-src-mac: source MAC is not the node's");
	if (check_tags(r))
		return -1;
	if (r->ol.type != r->il.type)
		return fail(r, "dsr-ethertype: %04x, input %04x", r->ol.type, r->il.type);
	if (r->out_len - r->ol.l3 != ip_len)
		return fail(r, "dsr-trailing: %zu bytes after L2, the input's IP packet is %zu",
			    r->out_len - r->ol.l3, ip_len);
	if (memcmp(r->out + r->ol.l3, ip, ip_len))
		return fail(r, "dsr-payload: the IP packet changed");
	return 0;
}

static int check_too_big(struct run *r)
{
	const uint8_t *o = r->out, *oip = o + r->ol.l3, *iip = r->in + r->il.l3, *ic, *quote;
	size_t after_l2 = r->out_len - r->ol.l3, icmp_len, quote_len, hdr;
	int v6;

	if (!mac_is(o, r->in + 6))
		return fail(r, "icmp-dst-mac: not the input's source MAC");
	if (o[0] & 1)
		return fail(r, "icmp-group-mac: reply to a group MAC (input source MAC)");
	if (!mac_is(o + 6, sc_if_mac))
		return fail(r, "icmp-src-mac: source MAC is not the node's");
	if (check_tags(r))
		return -1;
	if (!r->ol.ip || r->ol.ip != r->il.ip)
		return fail(r, "icmp-family: reply IPv%d to an IPv%d input", r->ol.ip, r->il.ip);
	v6 = r->ol.ip == 6;
	if (!v6) {
		hdr = (size_t)(oip[0] & 0xf) * 4;
		if (hdr < 20 || hdr + 8 > after_l2)
			return fail(r, "icmp4-header: IHL %zu", hdr / 4);
		if (fold(sum16(oip, hdr, 0)) != 0xffff)
			return fail(r, "icmp4-ip-csum: bad IPv4 header checksum");
		if (rd16(oip + 2) != after_l2)
			return fail(r, "icmp4-length: total length %u, %zu bytes after L2",
				    rd16(oip + 2), after_l2);
		if (oip[9] != 1)
			return fail(r, "icmp4-proto: protocol %u", oip[9]);
		if (memcmp(oip + 16, iip + 12, 4))
			return fail(r, "icmp-ip-dst: not the input's IP source");
		if (!v4_unicast(oip + 16))
			return fail(r, "icmp-to-non-unicast: reply to %u.%u.%u.%u", oip[16],
				    oip[17], oip[18], oip[19]);
		if (memcmp(oip + 12, iip + 16, 4))
			return fail(r, "icmp-ip-src: not the input's IP destination");
		if (!memcmp(oip + 12, oip + 16, 4))
			return fail(r, "icmp-to-self: IP source and destination are the same");
		ic = oip + hdr;
		icmp_len = after_l2 - hdr;
		if (ic[0] != 3 || ic[1] != 4)
			return fail(r, "icmp4-type: type %u code %u", ic[0], ic[1]);
		if (fold(sum16(ic, icmp_len, 0)) != 0xffff)
			return fail(r, "icmp4-csum: bad ICMP checksum");
		if (rd16(ic + 6) < 68)
			return fail(r, "icmp4-mtu: announces %u < 68", rd16(ic + 6));
	} else {
		hdr = 40;
		if (hdr + 8 > after_l2 || (size_t)rd16(oip + 4) + 40 != after_l2)
			return fail(r, "icmp6-length: payload length %u, %zu bytes after L2",
				    rd16(oip + 4), after_l2);
		if (oip[6] != 58)
			return fail(r, "icmp6-next-header: %u", oip[6]);
		if (memcmp(oip + 24, iip + 8, 16))
			return fail(r, "icmp-ip-dst: not the input's IP source");
		if (!v6_unicast(oip + 24))
			return fail(r, "icmp-to-non-unicast: reply to ::, ::1 or ff00::/8");
		if (memcmp(oip + 8, iip + 24, 16))
			return fail(r, "icmp-ip-src: not the input's IP destination");
		if (!memcmp(oip + 8, oip + 24, 16))
			return fail(r, "icmp-to-self: IP source and destination are the same");
		ic = oip + hdr;
		icmp_len = after_l2 - hdr;
		if (ic[0] != 2 || ic[1] != 0)
			return fail(r, "icmp6-type: type %u code %u", ic[0], ic[1]);
		if (fold(sum16(ic, icmp_len, pseudo_sum(oip, 1, icmp_len, 58))) != 0xffff)
			return fail(r, "icmp6-csum: bad ICMPv6 checksum");
		if (((uint32_t)rd16(ic + 4) << 16 | rd16(ic + 6)) < 1280)
			return fail(r, "icmp6-mtu: announces %u < 1280",
				    (uint32_t)rd16(ic + 4) << 16 | rd16(ic + 6));
	}
	quote = ic + 8;
	quote_len = icmp_len - 8;
	if (quote_len < r->il.ip_hdr || r->il.l3 + quote_len > r->in_len ||
	    memcmp(quote, iip, quote_len))
		return fail(r, "icmp-quote: the %zu quoted bytes are not the input's IP header",
			    quote_len);
	if (quote_len > r->il.ip_len)
		return fail(r, "icmp-quote-trailing: %zu bytes quoted of a %zu-byte IP packet",
			    quote_len, r->il.ip_len);
	return 0;
}

/* Which shape the output claims to be: its failure is the one to report. */
static int claimed_shape(const struct run *r)
{
	const uint8_t *oip = r->out + r->ol.l3;

	/* DSR: the input's IP header where the input had it */
	if (r->il.ip && r->ol.l3 == r->il.l3 && r->il.l3 + r->il.ip_hdr <= r->out_len &&
	    r->il.l3 + r->il.ip_hdr <= r->in_len &&
	    !memcmp(oip, r->in + r->il.l3, r->il.ip_hdr))
		return 1;
	if (r->ol.ip == 4 && (oip[9] == 4 || oip[9] == 41 || oip[9] == 17))
		return 0;
	if (r->ol.ip == 6 && (oip[6] == 4 || oip[6] == 41 || oip[6] == 17))
		return 0;
	if ((r->ol.ip == 4 && oip[9] == 1) || (r->ol.ip == 6 && oip[6] == 58))
		return 2;
	return r->out_len > r->in_len ? 0 : 1;
}

static void check_tx(struct run *r)
{
	int (*const shapes[3])(struct run *) = { check_tunnel, check_dsr, check_too_big };
	char why[3][sizeof(r->why)];
	int claim;

	if (r->out_len < 14)
		violation(r, "tx-short: the output has no Ethernet header");
	if (r->out[0] & 1)
		violation(r, "tx-group-mac: frame sent to a group MAC");
	read_l2(r->out, r->out_len, &r->ol);
	for (int s = 0; s < 3; s++) {
		r->why[0] = 0;
		if (!shapes[s](r))
			return;
		memcpy(why[s], r->why, sizeof(why[s]));
	}
	claim = claimed_shape(r);
	violation(r, why[claim]);
}

/* ---- building the frame from the input ---- */

static size_t icmp_wrap(const uint8_t *q, size_t qlen, uint8_t *f, size_t max)
{
	struct addr router;
	size_t hdr, n;
	uint8_t *ip;

	if (qlen >= 20 && q[0] >> 4 == 4) {
		parse_addr(ROUTER4, &router);
		hdr = 20 + 8;
	} else if (qlen >= 40 && q[0] >> 4 == 6) {
		parse_addr(ROUTER6, &router);
		hdr = 40 + 8;
	} else {
		n = qlen < max ? qlen : max;
		memcpy(f, q, n);
		return n;
	}
	if (14 + hdr + qlen > max)
		qlen = max - 14 - hdr;
	memcpy(f, sc_if_mac, 6);
	memcpy(f + 6, sc_client_mac, 6);
	ip = f + 14;
	memset(ip, 0, hdr);
	memcpy(ip + hdr, q, qlen);
	if (!router.v6) {
		uint8_t *ic = ip + 20;

		wr16(f + 12, 0x0800);
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(hdr + qlen));
		ip[8] = 64;
		ip[9] = 1;
		memcpy(ip + 12, router.b, 4);
		memcpy(ip + 16, q + 12, 4); /* to the quoted packet's source */
		wr16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
		ic[0] = 3;
		ic[1] = 4;
		wr16(ic + 6, 1400);
		wr16(ic + 2, (uint16_t)~fold(sum16(ic, 8 + qlen, 0)));
	} else {
		uint8_t *ic = ip + 40;

		wr16(f + 12, 0x86dd);
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(8 + qlen));
		ip[6] = 58;
		ip[7] = 64;
		memcpy(ip + 8, router.b, 16);
		memcpy(ip + 24, q + 8, 16);
		ic[0] = 2;
		wr16(ic + 6, 1280);
		wr16(ic + 2, (uint16_t)~fold(sum16(ic, 8 + qlen, pseudo_sum(ip, 1, 8 + qlen, 58))));
	}
	return 14 + hdr + qlen;
}

/* The IP length fields say: all bytes after L2 but the last trailer. */
static void fix_lengths(uint8_t *f, size_t len, size_t trailer)
{
	struct l2 l;
	uint8_t *ip;

	if (read_l2(f, len, &l) || !l.ip || l.l3 + trailer > len)
		return;
	ip = f + l.l3;
	if (l.ip == 4) {
		size_t tot = len - l.l3 - trailer;

		if (tot < l.ip_hdr || l.l3 + l.ip_hdr > len || tot > 0xffff)
			return;
		wr16(ip + 2, (uint16_t)tot);
		wr16(ip + 10, 0);
		wr16(ip + 10, (uint16_t)~fold(sum16(ip, l.ip_hdr, 0)));
	} else if (len - l.l3 - trailer >= 40) {
		wr16(ip + 4, (uint16_t)(len - l.l3 - trailer - 40));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FRAME_MAX], out[OUT_MAX];
	struct totals t0, t1;
	struct run r;
	uint8_t variant;
	size_t len;

	if (!env.host)
		dp_init();
	if (size < 1 || size - 1 > FRAME_MAX)
		return 0;
	variant = data[0];
	if (variant & V_ICMP_WRAP) {
		len = icmp_wrap(data + 1, size - 1, frame, sizeof(frame));
	} else {
		len = size - 1;
		memcpy(frame, data + 1, len);
	}
	if (variant & V_FIX_LEN)
		fix_lengths(frame, len, (size_t)(variant >> 4));

	memset(&r, 0, sizeof(r));
	r.in = frame;
	r.in_len = len;
	r.out = out;
	r.small_mtu = !!(variant & V_SMALL_MTU);
	read_l2(frame, len, &r.il);

	/* a node forgets idle flows; here the table is only so large */
	totals(&t0);
	if (t0.new_flows > MAX_FLOWS) {
		host_dp_free(env.host);
		scenario_free(&sc);
		dp_create();
		totals(&t0);
	}
	if (r.small_mtu)
		set_vip_mtu(SMALL_MTU);
	if (variant & V_GUARD)
		set_guard(1);
	r.verdict = host_dp_run(env.host, frame, len, out, &r.out_len);
	totals(&t1);
	if (r.small_mtu)
		set_vip_mtu(0);
	if (variant & V_GUARD)
		set_guard(0);

	if (r.verdict == -EMSGSIZE)
		return 0; /* larger than the host target takes */
	if (r.verdict < 0)
		violation(&r, "run-error: host_dp_run refused the frame");
	if (r.out_len > sizeof(out))
		violation(&r, "run-error: output larger than the buffer");
	if (t1.node == t0.node && t1.vip_packets == t0.vip_packets)
		violation(&r, "no-counter: no node or VIP counter moved");
	switch (r.verdict) {
	case XDP_PASS:
		if (r.out_len != len || memcmp(out, frame, len))
			violation(&r, "pass-modified: XDP_PASS with a changed frame");
		break;
	case XDP_DROP:
		break;
	case XDP_TX:
		check_tx(&r);
		break;
	default:
		violation(&r, "verdict: not XDP_PASS, XDP_DROP or XDP_TX");
	}

	return 0;
}

#ifndef EDGELB_LIBFUZZER

#include "replay.h"

/* version, length, type, flag and TPID bytes' interesting values */
static const uint8_t subst[] = { 0x00, 0x01, 0x02, 0x04, 0x06, 0x11, 0x29, 0x3a,
				 0x45, 0x60, 0x81, 0x88, 0xa8, 0xfe, 0xff };

static int replay_file(const char *path)
{
	static uint8_t buf[FRAME_MAX + 2];
	long n = fuzz_read_file("fuzz_packet_path", path, buf, FRAME_MAX + 1);

	if (n < 0)
		return -1;
	fuzz_mutate(buf, (size_t)n, subst, sizeof(subst));
	return 0;
}

int main(int argc, char **argv)
{
	struct totals t;

	for (int i = 1; i < argc; i++)
		if (replay_file(argv[i]))
			return 1;
	if (!env.host)
		dp_init();
	totals(&t);
	printf("fuzz_packet_path: %d seeds replayed with their mutations, %llu node events, "
	       "%llu VIP packets\n",
	       argc - 1, (unsigned long long)t.node, (unsigned long long)t.vip_packets);
	return 0;
}

#endif /* EDGELB_LIBFUZZER */
