// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-xdp: nanoseconds per packet of the XDP balancer under
 * BPF_PROG_TEST_RUN, and Mpps on one core with live frames through a
 * veth pair. A benchmark, not a test -- but it refuses to print a figure
 * for a path it did not take (see "checks").
 *
 * What each figure means
 *   Every program runs REPEAT times per call on one frame, ROUNDS calls
 *   interleaved across all rows (so drift hits every row alike). A figure
 *   is the kernel's own mean per run (BPF_PROG_TEST_RUN's duration, whole
 *   ns); a row prints the median and the minimum over the calls. Wall
 *   time around the syscall is useless here: with repeat > 1 the kernel
 *   swaps the program into the XDP dispatcher and back, and each swap
 *   waits for an RCU grace period (milliseconds, in jiffy steps).
 *
 *   floors (same run):
 *     pass     bpf/pass.bpf.c, XDP_PASS: the harness itself.
 *     wrapper  save 24 bytes, bpf_xdp_adjust_head(0), write them back:
 *              what bench_edgelb adds to the balancer to undo its
 *              rewrite (the kernel reuses one buffer for all repeats).
 *              W = wrapper - pass (median of the per-call pairs) is
 *              subtracted from wrapped rows.
 *     encap    adjust_head(-20), Ethernet + IPv4 header with checksum,
 *              XDP_TX: the least an IPIP balancer does; run with the same
 *              undo, so its net figure is encap - W.
 *   rows: the balancer (edgelb_forward(), the core of bpf/edgelb.bpf.c,
 *   on the balancer's maps) on one path each. "net" is the median - W for
 *   wrapped rows, and "x pass" / "x encap" divide net by the pass floor
 *   and by the encap floor's net figure. The summary judges the targets
 *   both in ns and as ratios to the floors, since the floors (and so the
 *   absolute figures) depend on the machine.
 *   The SYN flood row (1g) is row 1 with the new-flow guard on (1 write
 *   a second per CPU, forward.h): every SYN still placed by Maglev and
 *   forwarded, but not written into the flow table; every other row runs
 *   without the guard.
 *   stages: the established IPv4 path cut after each step, in the order
 *   of a flow-table hit (parse, VIP summary + flow table, VIP by id,
 *   backend, encap): where the time goes.
 *
 * Checks: before timing, one run of the unwrapped balancer must give the
 * expected output (encapsulation, outer addresses, MACs); after every
 * timed call the VIP's counters must have grown by exactly the number of
 * runs (packets; new_flows = runs for SYN, 0 for established), the node
 * counter EDGELB_EV_PASS_NOT_VIP likewise for the pass row,
 * EDGELB_EV_NEW_FLOW_UNSAVED for all but GUARD_SLACK runs of the SYN flood
 * row, no other counter may move, and the frame handed back must be the input (the
 * undo worked). Any miss: a loud error and exit status 1.
 *
 * Live mode (--live TXDEV RXDEV, run inside a namespace by xdp-live.sh):
 * BPF_F_TEST_XDP_LIVE_FRAMES, the balancer's XDP_TX turned by the kernel
 * into a transmit on TXDEV; bench_rx on RXDEV counts what arrives. Rows:
 * the XDP_TX floor, the encap floor, an established flow and new flows
 * (a SYN from a new client each frame), each with the peer dropping and
 * then passing what it receives; Mpps and the share of the XDP_TX row's.
 * Kernels that refuse live frames (the 6.18 VMs these benchmarks run on:
 * EPERM even for a bare "return XDP_DROP", one run, no context, while the
 * same call without the flag works) get the same rows on real traffic
 * instead: a packet socket sends into the veth, the row's program runs as
 * RXDEV's native XDP program (run_socket); --socket asks for that mode.
 *
 * usage: bench-xdp [--repeat N] [--rounds R] [--cpu C] [--only TEXT]
 *        xdp-live.sh path/to/bench-xdp [--repeat N] [--rounds R] [--batch B]
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "abi.h"
#include "bench_util.h"
#include "counters.h"
#include "edgelb.skel.h"
#include "maglev.h"
#include "pass.skel.h"
#include "pktbuild.h"
#include "xdp.h"
#include "xdp_bench.skel.h"

#define NBACKENDS 100
#define RING_SIZE EDGELB_RING_SIZE_DEFAULT
#define VIP_MTU 1500
#define GUE_PORT 6080
#define FRAME_PAYLOAD 10 /* 64-byte IPv4 TCP frames */

/* Backend sets: ids [base, base + NBACKENDS). */
enum be_set {
	BE_TUNNEL4 = 0,	  /* 198.51.100.1..100, reached through the gateway */
	BE_DSR4 = 100,	  /* the same addresses, on-link with their own MACs */
	BE_TUNNEL6 = 200, /* 2001:db8:b::1..100 */
};

/* One VIP per case, so each case's counters are its own. */
enum vip_id {
	VIP_NONE = 0,
	VIP_SYN = 1,
	VIP_SYN_NEW = 2,
	VIP_TCP4 = 3,
	VIP_UDP4 = 4,
	VIP_TCP6 = 5,
	VIP_GUE4 = 6,
	VIP_DSR4 = 7,
	VIP_NOCT4 = 8,
	VIP_SYN_FLOOD = 9,
	VIP_COUNT,
};

struct vip_spec {
	const char *addr;
	uint16_t port;
	uint8_t proto;
	uint8_t encap;
	uint32_t flags;
	enum be_set set;
};

static const struct vip_spec vips[VIP_COUNT] = {
	[VIP_SYN] = { "192.0.2.1", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, BE_TUNNEL4 },
	[VIP_SYN_NEW] = { "192.0.2.2", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, BE_TUNNEL4 },
	[VIP_TCP4] = { "192.0.2.3", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, BE_TUNNEL4 },
	[VIP_UDP4] = { "192.0.2.4", 53, IPPROTO_UDP, EDGELB_ENCAP_IPIP, 0, BE_TUNNEL4 },
	[VIP_TCP6] = { "2001:db8::5", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, BE_TUNNEL6 },
	[VIP_GUE4] = { "192.0.2.6", 80, IPPROTO_TCP, EDGELB_ENCAP_GUE, 0, BE_TUNNEL4 },
	[VIP_DSR4] = { "192.0.2.7", 80, IPPROTO_TCP, EDGELB_ENCAP_DSR, 0, BE_DSR4 },
	[VIP_NOCT4] = { "192.0.2.8", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP,
			EDGELB_VIP_F_NO_CONNTRACK, BE_TUNNEL4 },
	[VIP_SYN_FLOOD] = { "192.0.2.9", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, BE_TUNNEL4 },
};

static const uint8_t lb_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
static const uint8_t client_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xc1 };
#define LB_SRC4 "203.0.113.1"
#define LB_SRC6 "2001:db8:a::1"

/* Test frames. */
enum frame_id {
	F_SYN4,	   /* TCP SYN to VIP_SYN */
	F_SYN4_NEW, /* TCP SYN to VIP_SYN_NEW (client address varies) */
	F_ACK4,	   /* TCP ACK to VIP_TCP4 */
	F_UDP4,	   /* UDP to VIP_UDP4 */
	F_ACK6,	   /* TCP ACK to VIP_TCP6 */
	F_GUE4,	   /* TCP ACK to VIP_GUE4 */
	F_DSR4,	   /* TCP ACK to VIP_DSR4 */
	F_NOCT4,   /* TCP ACK to VIP_NOCT4 */
	F_NOTVIP4, /* TCP ACK to an address that is no VIP */
	F_SYN4_FLOOD, /* TCP SYN to VIP_SYN_FLOOD (client address varies) */
	F_COUNT,
};

struct frame {
	uint8_t data[256];
	size_t len;
};

static struct frame frames[F_COUNT];

/* Programs a row can run. */
enum prog_id {
	P_PASS,		 /* bpf/pass.bpf.c */
	P_RESTORE_FLOOR, /* wrapper alone */
	P_ENCAP_FLOOR,	 /* 20-byte encap + wrapper */
	P_EDGELB,	 /* bpf/edgelb.bpf.c as is (only for paths that do not rewrite) */
	P_WRAP,		 /* bench_edgelb: balancer + undo */
	P_WRAP_NEW,	 /* bench_edgelb_new_clients */
	P_STAGE_PARSE,
	P_STAGE_VIP,
	P_STAGE_HASH,
	P_STAGE_FLOW,
	P_STAGE_ENCAP,
	P_COUNT,
};

/* What a row must see after each timed call. */
enum expect {
	EXP_FLOOR,   /* the verdict only */
	EXP_NEW,     /* VIP: packets += n, new_flows += n */
	EXP_EST,     /* VIP: packets += n, new_flows unchanged */
	EXP_NOT_VIP, /* node: EV_PASS_NOT_VIP += n */
	EXP_STAGE,   /* XDP_PASS (the stage completed), no counter moves */
	EXP_FLOOD,   /* as EXP_NEW, and nearly every run new_flow_unsaved (the guard) */
};

struct row {
	const char *section; /* printed when it changes */
	const char *name;
	const char *encap;
	enum prog_id prog;
	enum frame_id frame;
	enum vip_id vip;
	enum expect expect;
	int verdict;  /* XDP_* every run must return */
	bool wrapped; /* subtract the wrapper overhead */
	bool prime;   /* put the flow in the table first (one untimed run) */
	double *ns;   /* per round */
	bool skip;    /* left out by --only */
	bool guard;   /* the new-flow guard on (GUARD_RATE) while the row runs */
};

static struct row rows[] = {
	{ "floors", "pass: XDP_PASS (bpf/pass.bpf.c)", "-", P_PASS, F_ACK4, VIP_NONE, EXP_FLOOR,
	  XDP_PASS, false, false, NULL },
	{ NULL, "wrapper: save + adjust_head + restore", "-", P_RESTORE_FLOOR, F_ACK4, VIP_NONE,
	  EXP_FLOOR, XDP_TX, false, false, NULL },
	{ NULL, "encap: adjust_head(-20) + eth/IPv4 + TX", "IPIP", P_ENCAP_FLOOR, F_ACK4,
	  VIP_NONE, EXP_FLOOR, XDP_TX, true, false, NULL },
	{ "balancer", "1  new TCP flow, SYN, new client each", "IPIP", P_WRAP_NEW, F_SYN4_NEW,
	  VIP_SYN_NEW, EXP_NEW, XDP_TX, true, false, NULL },
	{ NULL, "1b new TCP flow, SYN, same 5-tuple", "IPIP", P_WRAP, F_SYN4, VIP_SYN, EXP_NEW,
	  XDP_TX, true, false, NULL },
	{ NULL, "1g SYN flood: new client each, guard on", "IPIP", P_WRAP_NEW, F_SYN4_FLOOD,
	  VIP_SYN_FLOOD, EXP_FLOOD, XDP_TX, true, false, NULL, false, true },
	{ NULL, "2  established TCP, IPv4 (flow hit)", "IPIP", P_WRAP, F_ACK4, VIP_TCP4, EXP_EST,
	  XDP_TX, true, true, NULL },
	{ NULL, "3  established UDP, IPv4", "IPIP", P_WRAP, F_UDP4, VIP_UDP4, EXP_EST, XDP_TX,
	  true, true, NULL },
	{ NULL, "4  established TCP, IPv6", "IP6IP6", P_WRAP, F_ACK6, VIP_TCP6, EXP_EST, XDP_TX,
	  true, true, NULL },
	{ NULL, "5  not a VIP: pass (unwrapped)", "-", P_EDGELB, F_NOTVIP4, VIP_NONE,
	  EXP_NOT_VIP, XDP_PASS, false, false, NULL },
	{ NULL, "2g established TCP, IPv4", "GUE", P_WRAP, F_GUE4, VIP_GUE4, EXP_EST, XDP_TX,
	  true, true, NULL },
	{ NULL, "2d established TCP, IPv4", "DSR", P_WRAP, F_DSR4, VIP_DSR4, EXP_EST, XDP_TX,
	  true, true, NULL },
	{ "where the time goes (row 2 cut short)", "parse", "-", P_STAGE_PARSE, F_ACK4,
	  VIP_NONE, EXP_STAGE, XDP_PASS, false, false, NULL },
	{ NULL, "+ VIP summary + flow table (LRU hash)", "-", P_STAGE_FLOW, F_ACK4, VIP_NONE,
	  EXP_STAGE, XDP_PASS, false, true, NULL },
	{ NULL, "+ VIP by id (array)", "-", P_STAGE_VIP, F_ACK4, VIP_NONE, EXP_STAGE, XDP_PASS,
	  false, true, NULL },
	{ NULL, "+ backend (array), hash from the entry", "-", P_STAGE_HASH, F_ACK4, VIP_NONE, EXP_STAGE,
	  XDP_PASS, false, true, NULL },
	{ NULL, "+ node config + encap (no counters)", "IPIP", P_STAGE_ENCAP, F_ACK4, VIP_NONE,
	  EXP_STAGE, XDP_PASS, true, true, NULL },
	{ NULL, "VIP without flow table (ring pick)", "IPIP", P_WRAP, F_NOCT4, VIP_NOCT4,
	  EXP_EST, XDP_TX, true, false, NULL },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))
#define ROW_PASS 0
#define ROW_WRAPPER 1
#define ROW_ENCAP 2
#define ROW_NEW 3 /* the targets' rows */
#define ROW_NEW_SAME 4
#define ROW_FLOOD 5
#define ROW_EST 6
#define ROW_EST6 8
#define ROW_NOT_VIP 9
#define ROW_GUE 10
#define ROW_DSR 11

/*
 * The SYN flood row's guard: 1 flow-table write a second per CPU, a burst
 * of 1, so that all but a handful of a call's runs are over the budget
 * (forward.h: edgelb_flow_guard) and none pays the LRU insert.
 */
#define GUARD_RATE 1
#define GUARD_SLACK 16 /* runs of one call the guard may still save */

/*
 * The targets, and the reference balancer on its floors (pass 5 ns,
 * encap 11 ns). This harness's floors differ from machine to machine, so
 * the ratios to the floors are the figures that travel.
 */
static const struct {
	const char *what;
	int row;
	double target_ns, ref_ns;
	bool pass_only; /* the target is a ratio to the pass floor alone */
} targets[] = {
	/* issue 16: <= 10x the pass floor */
	{ "established IPv4", ROW_EST, 50, 71, false },
	{ "new flow (1b)", ROW_NEW_SAME, 60, 82, false },
	{ "new flow (1)", ROW_NEW, 60, 82, false },
	/* issue 16: <= 18x the pass floor; the reference under its guard: 88-96 ns */
	{ "SYN flood (1g)", ROW_FLOOD, 90, 92, true },
	/* issue 16: <= 5x the pass floor (no reference figure: 0) */
	{ "not a VIP (5)", ROW_NOT_VIP, 25, 0, true },
};

/*
 * Targets relative to the established IPv4 row (issue 16): the other
 * encapsulations and families cost at most max_over ns more than it; DSR,
 * which only rewrites MACs, less (max_over < 0: strictly below).
 */
static const struct {
	const char *what;
	int row;
	double max_over;
} near_targets[] = {
	{ "established IPv6 (4)", ROW_EST6, 5 },
	{ "established GUE (2g)", ROW_GUE, 5 },
	{ "established DSR (2d)", ROW_DSR, 0 },
};
#define REF_PASS_NS 5.0
#define REF_ENCAP_NS 11.0

struct bench {
	struct edgelb_xdp *x;
	struct xdp_bench_bpf *skel;
	struct pass_bpf *pass;
	int prog_fd[P_COUNT];
	uint32_t repeat;
	int rounds;
	int cpu;
	uint32_t batch; /* live frames */
	struct edgelb_node_config node; /* as written for lo */
};

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("\n*** bench-xdp: WRONG PATH OR SETUP FAILURE: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" ***\n*** no figure printed for it is trustworthy; exiting ***\n", stderr);
}

static const char *xdp_action(uint32_t v)
{
	static const char *const names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					     "XDP_REDIRECT" };

	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

static double median(const double *v, int n)
{
	double *s = malloc(sizeof(*s) * (size_t)n), m;

	if (!s)
		return v[0];
	memcpy(s, v, sizeof(*s) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), bench_cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

static double minimum(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/* ---- setup ---------------------------------------------------------- */

static int parse_vip_key(const struct vip_spec *s, struct edgelb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	k->port = htons(s->port);
	k->proto = s->proto;
	if (inet_pton(AF_INET, s->addr, &k->addr.v4) == 1) {
		k->family = EDGELB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s->addr, k->addr.bytes) == 1) {
		k->family = EDGELB_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static void backend_addr(enum be_set set, uint32_t i, struct edgelb_backend *be)
{
	char a[64];

	memset(be, 0, sizeof(*be));
	if (set == BE_TUNNEL6) {
		snprintf(a, sizeof(a), "2001:db8:b::%x", i + 1);
		inet_pton(AF_INET6, a, be->addr.bytes);
		be->family = EDGELB_AF_INET6;
	} else {
		snprintf(a, sizeof(a), "198.51.100.%u", i + 1);
		inet_pton(AF_INET, a, &be->addr.v4);
		be->family = EDGELB_AF_INET;
	}
	if (set == BE_DSR4) {
		uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, (uint8_t)(i + 1) };

		memcpy(be->mac, mac, 6);
	}
	be->flags = EDGELB_BE_F_ALIVE;
	be->weight = 100;
}

static int setup_tables(struct bench *b)
{
	static const enum be_set sets[] = { BE_TUNNEL4, BE_DSR4, BE_TUNNEL6 };
	struct edgelb_node_config cfg = { 0 };
	uint32_t *ring = malloc(sizeof(*ring) * RING_SIZE);
	struct maglev_backend mb[NBACKENDS];
	char names[NBACKENDS][16];
	int err = 0;

	if (!ring)
		return -ENOMEM;
	inet_pton(AF_INET, LB_SRC4, &cfg.src_v4.v4);
	inet_pton(AF_INET6, LB_SRC6, cfg.src_v6.bytes);
	memcpy(cfg.gw_mac, gw_mac, 6);
	memcpy(cfg.if_mac, lb_mac, 6);
	cfg.ifindex = 1; /* BPF_PROG_TEST_RUN's frames come in on lo */
	err = edgelb_xdp_set_node_config(b->x, &cfg);
	if (err)
		goto out;
	b->node = cfg;

	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++)
		for (uint32_t i = 0; i < NBACKENDS; i++) {
			struct edgelb_backend be;

			backend_addr(sets[s], i, &be);
			err = edgelb_xdp_set_backend(b->x, sets[s] + i, &be);
			if (err)
				goto out;
		}

	for (uint32_t v = 1; v < VIP_COUNT; v++) {
		const struct vip_spec *s = &vips[v];
		struct edgelb_vip_meta meta = {
			.vip_id = v,
			.flags = s->flags,
			.ring_size = RING_SIZE,
			.mtu = VIP_MTU,
			.encap = s->encap,
			.gue_dport = htons(GUE_PORT),
		};
		struct edgelb_vip_key key;

		for (uint32_t i = 0; i < NBACKENDS; i++) {
			int n = snprintf(names[i], sizeof(names[i]), "be-%u", s->set + i);

			mb[i] = (struct maglev_backend){ .key = names[i], .key_len = (size_t)n,
							 .weight = 100, .id = s->set + i };
		}
		err = maglev_build(mb, NBACKENDS, RING_SIZE, ring);
		if (!err)
			err = edgelb_xdp_set_ring(b->x, v, ring, RING_SIZE);
		if (!err)
			err = parse_vip_key(s, &key);
		if (!err)
			err = edgelb_xdp_set_vip(b->x, &key, &meta);
		if (err)
			goto out;
	}
out:
	free(ring);
	return err;
}

static int build_frame(enum frame_id id, const char *dst, uint8_t proto, uint8_t tcp_flags,
		       uint16_t dport)
{
	static const uint8_t payload[64];
	bool v6 = strchr(dst, ':') != NULL;
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, lb_mac, client_mac, 0);
	if (v6)
		pkt_ipv6(&p, &(struct pkt_ip6){ .src = "2001:db8:c::1", .dst = dst });
	else
		pkt_ipv4(&p, &(struct pkt_ip4){ .src = "198.18.0.1", .dst = dst,
						.frag_off = PKT_IP4_DF });
	if (proto == IPPROTO_TCP)
		pkt_tcp(&p, 40000, dport, 1, tcp_flags & PKT_TCP_ACK ? 1 : 0, tcp_flags);
	else
		pkt_udp(&p, 40000, dport, 0);
	/* pad IPv4 TCP to a 64-byte frame; the others follow */
	pkt_raw(&p, payload, proto == IPPROTO_TCP ? FRAME_PAYLOAD : FRAME_PAYLOAD + 12);
	if (pkt_finish(&p)) {
		fprintf(stderr, "bench-xdp: frame %d: %s\n", id, p.err);
		return -1;
	}
	memcpy(frames[id].data, p.data, p.len);
	frames[id].len = p.len;
	return 0;
}

static int build_frames(void)
{
	const uint8_t ack = PKT_TCP_ACK, syn = PKT_TCP_SYN;

	return build_frame(F_SYN4, vips[VIP_SYN].addr, IPPROTO_TCP, syn, 80) ||
	       build_frame(F_SYN4_NEW, vips[VIP_SYN_NEW].addr, IPPROTO_TCP, syn, 80) ||
	       build_frame(F_ACK4, vips[VIP_TCP4].addr, IPPROTO_TCP, ack, 80) ||
	       build_frame(F_UDP4, vips[VIP_UDP4].addr, IPPROTO_UDP, 0, 53) ||
	       build_frame(F_ACK6, vips[VIP_TCP6].addr, IPPROTO_TCP, ack, 80) ||
	       build_frame(F_GUE4, vips[VIP_GUE4].addr, IPPROTO_TCP, ack, 80) ||
	       build_frame(F_DSR4, vips[VIP_DSR4].addr, IPPROTO_TCP, ack, 80) ||
	       build_frame(F_NOCT4, vips[VIP_NOCT4].addr, IPPROTO_TCP, ack, 80) ||
	       build_frame(F_NOTVIP4, "192.0.2.99", IPPROTO_TCP, ack, 80) ||
	       build_frame(F_SYN4_FLOOD, vips[VIP_SYN_FLOOD].addr, IPPROTO_TCP, syn, 80) ? -1 : 0;
}

/*
 * Load the benchmark programs onto the balancer's own maps: every map the
 * wrapper declares through edgelb_maps.bpf.h is the loaded one.
 */
static int load_programs(struct bench *b)
{
	struct edgelb_bpf *e = edgelb_xdp_skeleton(b->x);
	struct xdp_bench_bpf *s;
	struct {
		struct bpf_map *mine, *theirs;
	} shared[11];
	int err;

	s = xdp_bench_bpf__open();
	if (!s)
		return -errno;
	b->skel = s;
	shared[0].mine = s->maps.rings, shared[0].theirs = e->maps.rings;
	shared[1].mine = s->maps.vips, shared[1].theirs = e->maps.vips;
	shared[2].mine = s->maps.backends, shared[2].theirs = e->maps.backends;
	shared[3].mine = s->maps.flows, shared[3].theirs = e->maps.flows;
	shared[4].mine = s->maps.vip_counters, shared[4].theirs = e->maps.vip_counters;
	shared[5].mine = s->maps.backend_counters, shared[5].theirs = e->maps.backend_counters;
	shared[6].mine = s->maps.counters, shared[6].theirs = e->maps.counters;
	shared[7].mine = s->maps.node_config, shared[7].theirs = e->maps.node_config;
	shared[8].mine = s->maps.cpu_state, shared[8].theirs = e->maps.cpu_state;
	shared[9].mine = s->maps.vip_ids, shared[9].theirs = e->maps.vip_ids;
	/* the balancer's global data, which edgelbd's code keeps up to date */
	shared[10].mine = s->maps.data_summary, shared[10].theirs = e->maps.data_summary;
	for (int i = 0; i < 11; i++) {
		err = bpf_map__reuse_fd(shared[i].mine, bpf_map__fd(shared[i].theirs));
		if (err)
			return err;
	}
	err = xdp_bench_bpf__load(s);
	if (err)
		return err;

	b->pass = pass_bpf__open_and_load();
	if (!b->pass)
		return -errno;

	b->prog_fd[P_PASS] = bpf_program__fd(b->pass->progs.edgelb_pass);
	b->prog_fd[P_RESTORE_FLOOR] = bpf_program__fd(s->progs.bench_restore_floor);
	b->prog_fd[P_ENCAP_FLOOR] = bpf_program__fd(s->progs.bench_encap_floor);
	b->prog_fd[P_EDGELB] = edgelb_xdp_prog_fd(b->x);
	b->prog_fd[P_WRAP] = bpf_program__fd(s->progs.bench_edgelb);
	b->prog_fd[P_WRAP_NEW] = bpf_program__fd(s->progs.bench_edgelb_new_clients);
	b->prog_fd[P_STAGE_PARSE] = bpf_program__fd(s->progs.bench_stage_parse);
	b->prog_fd[P_STAGE_VIP] = bpf_program__fd(s->progs.bench_stage_vip);
	b->prog_fd[P_STAGE_HASH] = bpf_program__fd(s->progs.bench_stage_hash);
	b->prog_fd[P_STAGE_FLOW] = bpf_program__fd(s->progs.bench_stage_flow);
	b->prog_fd[P_STAGE_ENCAP] = bpf_program__fd(s->progs.bench_stage_encap);
	return 0;
}

/* ---- running and checking ------------------------------------------- */

struct snap {
	struct edgelb_counters vip;
	uint64_t node[EDGELB_COUNTER_MAX];
};

static int take_snap(const struct bench *b, enum vip_id vip, struct snap *s)
{
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (vip != VIP_NONE)
		err = edgelb_xdp_vip_counters(b->x, vip, &s->vip);
	for (int c = 0; c < EDGELB_COUNTER_MAX && !err; c++)
		err = edgelb_xdp_counter(b->x, (enum edgelb_counter)c, &s->node[c]);
	return err;
}

static const char *counter_name(int c)
{
	return c >= 0 && c < EDGELB_COUNTER_MAX && edgelb_counter_names[c]
		       ? edgelb_counter_names[c]
		       : "?";
}

/* Did n runs of row r take the row's path? 0, or -1 after fail(). */
static int check_counters(const struct row *r, const struct snap *a, const struct snap *z,
			  uint64_t n)
{
	uint64_t packets = z->vip.packets - a->vip.packets;
	uint64_t new_flows = z->vip.new_flows - a->vip.new_flows;

	for (int c = 0; c < EDGELB_COUNTER_MAX; c++) {
		uint64_t d = z->node[c] - a->node[c];
		uint64_t want = r->expect == EXP_NOT_VIP && c == EDGELB_EV_PASS_NOT_VIP ? n : 0;

		/* the guard saves its burst and what the clock refills meanwhile */
		if (r->expect == EXP_FLOOD && c == EDGELB_EV_NEW_FLOW_UNSAVED) {
			if (d <= n && d + GUARD_SLACK >= n)
				continue;
			fail("row \"%s\": %llu of %llu runs unsaved: the guard is not holding "
			     "new flows back",
			     r->name, (unsigned long long)d, (unsigned long long)n);
			return -1;
		}
		if (d != want) {
			fail("row \"%s\": counter %s moved by %llu in %llu runs, expected %llu",
			     r->name, counter_name(c), (unsigned long long)d,
			     (unsigned long long)n, (unsigned long long)want);
			return -1;
		}
	}
	switch (r->expect) {
	case EXP_NEW:
	case EXP_EST:
	case EXP_FLOOD:
		if (packets != n) {
			fail("row \"%s\": VIP %d forwarded %llu packets in %llu runs", r->name,
			     r->vip, (unsigned long long)packets, (unsigned long long)n);
			return -1;
		}
		if (new_flows != (r->expect != EXP_EST ? n : 0)) {
			fail("row \"%s\": VIP %d counted %llu new flows in %llu runs (%s)",
			     r->name, r->vip, (unsigned long long)new_flows,
			     (unsigned long long)n,
			     r->expect != EXP_EST ? "every SYN must pick from the ring"
						  : "every packet must hit the flow table");
			return -1;
		}
		break;
	default:
		if (r->vip != VIP_NONE && (packets || new_flows)) {
			fail("row \"%s\": VIP %d counters moved", r->name, r->vip);
			return -1;
		}
		break;
	}
	return 0;
}

/* One BPF_PROG_TEST_RUN call; *ns is the kernel's mean per run (may be NULL). */
static int test_run(const struct bench *b, enum prog_id prog, const struct frame *f,
		    uint32_t repeat, struct frame *out, uint32_t *retval, uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data, .data_size_in = (uint32_t)f->len,
		    .data_out = out->data, .data_size_out = sizeof(out->data),
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(b->prog_fd[prog], &o);

	if (err)
		return -errno;
	out->len = o.data_size_out;
	*retval = o.retval;
	if (ns)
		*ns = o.duration;
	return 0;
}

/* The frame row r must hand back after n runs: its input, undone. */
static void expected_output(const struct row *r, uint64_t n, struct frame *want)
{
	*want = frames[r->frame];
	if (r->prog == P_WRAP_NEW) {
		/* the client address grew by one per run (IPv4 source, offset 26) */
		uint32_t a;

		memcpy(&a, want->data + 26, 4);
		a = htonl(ntohl(a) + (uint32_t)n);
		memcpy(want->data + 26, &a, 4);
	}
}

/* The new-flow guard at rate (burst 1) on lo's node slot; 0 turns it off. */
static int set_guard(struct bench *b, uint32_t rate)
{
	struct edgelb_node_config c = b->node;
	int err;

	c.new_flow_rate = rate;
	c.new_flow_burst = rate ? 1 : 0;
	err = edgelb_xdp_set_node_config(b->x, &c);
	if (err)
		fail("setting the new-flow guard: %s", strerror(-err));
	return err;
}

/* One timed call of row r: ns per packet, with every check done. */
static int measure(struct bench *b, struct row *r, uint32_t repeat, double *ns)
{
	struct frame out, want;
	struct snap a, z;
	uint32_t retval = 0, duration = 0;
	int err;

	if (r->prime) {
		err = test_run(b, P_WRAP, &frames[r->frame], 1, &out, &retval, NULL);
		if (err || retval != XDP_TX) {
			fail("row \"%s\": priming run failed (%d, verdict %s)", r->name, err,
			     err ? "none" : xdp_action(retval));
			return -1;
		}
	}
	if (take_snap(b, r->vip, &a))
		return -1;
	if (r->guard && set_guard(b, GUARD_RATE))
		return -1;
	err = test_run(b, r->prog, &frames[r->frame], repeat, &out, &retval, &duration);
	if (r->guard && set_guard(b, 0))
		return -1;
	if (err) {
		fail("row \"%s\": BPF_PROG_TEST_RUN: %s", r->name, strerror(-err));
		return -1;
	}
	if (retval != (uint32_t)r->verdict) {
		fail("row \"%s\": verdict %s, expected %s", r->name, xdp_action(retval),
		     xdp_action((uint32_t)r->verdict));
		return -1;
	}
	expected_output(r, repeat, &want);
	if (out.len != want.len || memcmp(out.data, want.data, want.len)) {
		fail("row \"%s\": the frame after %u runs is not the input: the undo failed",
		     r->name, repeat);
		pkt_fprint_diff(stderr, want.data, want.len, out.data, out.len);
		return -1;
	}
	if (take_snap(b, r->vip, &z) || check_counters(r, &a, &z, repeat))
		return -1;
	/* the next call goes on with clients the table has not seen */
	frames[r->frame] = want;
	*ns = duration;
	return 0;
}

static bool in_set(const uint8_t *addr, int family, enum be_set set)
{
	for (uint32_t i = 0; i < NBACKENDS; i++) {
		struct edgelb_backend be;

		backend_addr(set, i, &be);
		if (be.family == family && !memcmp(addr, be.addr.bytes, family == 4 ? 4 : 16))
			return true;
	}
	return false;
}

/*
 * One run of the real balancer program on each forwarding frame: the
 * output must be the encapsulation the row's name promises, so the rows
 * time the path they claim (the wrapper is checked by measure()).
 */
static int check_outputs(struct bench *b)
{
	static const struct {
		enum frame_id f;
		int overhead, family, proto;
		enum be_set set;
	} want[] = {
		{ F_SYN4, 20, 4, IPPROTO_IPIP, BE_TUNNEL4 },
		{ F_SYN4_NEW, 20, 4, IPPROTO_IPIP, BE_TUNNEL4 },
		{ F_ACK4, 20, 4, IPPROTO_IPIP, BE_TUNNEL4 },
		{ F_UDP4, 20, 4, IPPROTO_IPIP, BE_TUNNEL4 },
		{ F_ACK6, 40, 6, IPPROTO_IPV6, BE_TUNNEL6 },
		{ F_GUE4, 28, 4, IPPROTO_UDP, BE_TUNNEL4 },
		{ F_DSR4, 0, 4, 0, BE_DSR4 },
		{ F_NOCT4, 20, 4, IPPROTO_IPIP, BE_TUNNEL4 },
		{ F_SYN4_FLOOD, 20, 4, IPPROTO_IPIP, BE_TUNNEL4 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct frame *in = &frames[want[i].f];
		struct snap a, z;
		const uint8_t *o;
		struct frame out;
		uint32_t retval = 0;
		bool ok;

		if (take_snap(b, VIP_NONE, &a))
			return -1;
		if (test_run(b, P_EDGELB, in, 1, &out, &retval, NULL) || retval != XDP_TX) {
			int c = 0;

			/* the counter that moved says why */
			if (!take_snap(b, VIP_NONE, &z))
				while (c < EDGELB_COUNTER_MAX && z.node[c] == a.node[c])
					c++;
			fail("frame %d: the balancer did not forward it (verdict %s, counter %s)",
			     want[i].f, xdp_action(retval),
			     c < EDGELB_COUNTER_MAX ? counter_name(c) : "none");
			return -1;
		}
		o = out.data;
		ok = out.len == in->len + (size_t)want[i].overhead &&
		     !memcmp(o + 6, lb_mac, 6) &&
		     !memcmp(o + want[i].overhead + 14, in->data + 14, in->len - 14);
		if (want[i].set == BE_DSR4) {
			/* only the MACs change: a DSR backend's (02:00:00:00:01:01..64) */
			ok = ok && o[0] == 0x02 && !o[1] && !o[2] && !o[3] && o[4] == 0x01 &&
			     o[5] >= 1 && o[5] <= NBACKENDS && !memcmp(o + 12, in->data + 12, 2);
		} else if (want[i].family == 4) {
			uint32_t src;

			inet_pton(AF_INET, LB_SRC4, &src);
			ok = ok && !memcmp(o, gw_mac, 6) && o[12] == 0x08 && o[13] == 0x00 &&
			     o[14] == 0x45 && o[23] == want[i].proto &&
			     !memcmp(o + 26, &src, 4) && in_set(o + 30, 4, want[i].set);
			if (want[i].proto == IPPROTO_UDP)
				ok = ok && o[36] == GUE_PORT >> 8 && o[37] == (GUE_PORT & 0xff);
		} else {
			uint8_t src[16];

			inet_pton(AF_INET6, LB_SRC6, src);
			ok = ok && !memcmp(o, gw_mac, 6) && o[12] == 0x86 && o[13] == 0xdd &&
			     (o[14] >> 4) == 6 && o[20] == want[i].proto &&
			     !memcmp(o + 22, src, 16) && in_set(o + 38, 6, want[i].set);
		}
		if (!ok) {
			fail("frame %d: the balancer's output is not the expected encapsulation",
			     want[i].f);
			pkt_fprint_diff(stderr, in->data, in->len, out.data, out.len);
			return -1;
		}
	}
	return 0;
}

/* ---- BPF_PROG_TEST_RUN table ---------------------------------------- */

static void print_header(const struct bench *b)
{
	printf("edgelb XDP data plane: BPF_PROG_TEST_RUN, %u runs per call, %d calls per row "
	       "(interleaved), CPU %d\n",
	       b->repeat, b->rounds, b->cpu);
	printf("setup: 1 VIP per row, %d backends, Maglev ring %u, MTU %d, node config "
	       "(source addresses, MACs), flow table on, new-flow guard only in row 1g\n",
	       NBACKENDS, RING_SIZE, VIP_MTU);
	printf("frames: 64-byte IPv4 TCP/UDP, 84-byte IPv6 TCP\n");
	printf("targets: established IPv4 <= 50 ns, new flow <= 60 ns (a well-known XDP "
	       "balancer: ~71 / ~82 ns on this harness, floors 5 / 11 ns); SYN flood under "
	       "the new-flow guard <= 90 ns (18x pass; the same balancer under its own: 88-96 ns); "
	       "IPv6 and GUE within +5 ns of established IPv4, DSR below it; not a VIP <= 25 ns "
	       "(5x pass)\n");
	printf("  as ratios to those floors: established <= %.1fx pass, <= %.1fx encap; new "
	       "flow <= %.1fx pass, <= %.1fx encap\n",
	       50 / REF_PASS_NS, 50 / REF_ENCAP_NS, 60 / REF_PASS_NS, 60 / REF_ENCAP_NS);
	printf("ns/packet: the kernel's mean per run (whole ns), median and min of the calls; "
	       "net = median - wrapper overhead W for wrapped (*) rows; x pass, x encap = "
	       "net / floor\n\n");
}

static void print_table(const struct bench *b)
{
	double pass = median(rows[ROW_PASS].ns, b->rounds), encap, w;
	const char *section = NULL, *printed = NULL;
	double *d = calloc((size_t)b->rounds, sizeof(*d));

	/* W from the pairs of one round: drift between rounds cancels out */
	for (int i = 0; d && i < b->rounds; i++)
		d[i] = rows[ROW_WRAPPER].ns[i] - rows[ROW_PASS].ns[i];
	w = d ? median(d, b->rounds) : median(rows[ROW_WRAPPER].ns, b->rounds) - pass;
	free(d);
	encap = median(rows[ROW_ENCAP].ns, b->rounds) - w;

	printf("%-44s %-7s %7s %7s %7s %7s %7s\n", "", "encap", "median", "min", "net",
	       "x pass", "x encap");
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		double med, net;

		section = r->section ? r->section : section;
		if (r->skip)
			continue;
		med = median(r->ns, b->rounds);
		net = r->wrapped ? med - w : med;
		if (section != printed)
			printf("%s\n", section);
		printed = section;
		printf("  %-42s %-7s %7.1f %7.1f %7.1f %7.2f %7.2f%s\n", r->name, r->encap, med,
		       minimum(r->ns, b->rounds), net, net / pass, net / encap,
		       r->wrapped ? " *" : "");
	}
	printf("\nW = wrapper - pass (median of the per-call pairs) = %.1f ns: 24-byte save "
	       "and restore, one adjust_head (DSR rows skip the adjust_head: W overstates "
	       "their overhead a little)\n",
	       w);
	printf("floors: pass %.1f ns, encap (net) %.1f ns\n\n", pass, encap);

	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		const struct row *r = &rows[targets[t].row];
		double net, tp = targets[t].target_ns / REF_PASS_NS,
			    te = targets[t].target_ns / REF_ENCAP_NS;

		if (r->skip)
			continue;
		net = median(r->ns, b->rounds) - (r->wrapped ? w : 0);
		if (targets[t].pass_only) {
			printf("%-20s net %5.1f ns: %s the %.0f ns target; %5.2fx pass (target "
			       "%.1fx): %s\n",
			       targets[t].what, net,
			       net <= targets[t].target_ns ? "meets" : "MISSES",
			       targets[t].target_ns, net / pass, tp,
			       net / pass <= tp ? "pass ratio met" : "PASS RATIO MISSED");
			continue;
		}
		printf("%-20s net %5.1f ns: %s the %.0f ns target; %5.2fx pass (target %.1fx, "
		       "reference %.1fx), %5.2fx encap (target %.1fx, reference %.1fx): %s\n",
		       targets[t].what, net, net <= targets[t].target_ns ? "meets" : "MISSES",
		       targets[t].target_ns, net / pass, tp, targets[t].ref_ns / REF_PASS_NS,
		       net / encap, te, targets[t].ref_ns / REF_ENCAP_NS,
		       net / pass <= tp && net / encap <= te ? "ratios met" : "RATIOS MISSED");
	}
	if (rows[ROW_EST].skip)
		return;
	for (size_t t = 0; t < sizeof(near_targets) / sizeof(near_targets[0]); t++) {
		const struct row *r = &rows[near_targets[t].row];
		double est = median(rows[ROW_EST].ns, b->rounds) - w, net, over;
		char want[32] = "below it";
		bool met;

		if (r->skip)
			continue;
		net = median(r->ns, b->rounds) - (r->wrapped ? w : 0);
		over = net - est;
		met = near_targets[t].max_over > 0 ? over <= near_targets[t].max_over : over < 0;
		if (near_targets[t].max_over > 0)
			snprintf(want, sizeof(want), "<= %+.0f ns", near_targets[t].max_over);
		printf("%-20s net %5.1f ns: %+5.1f ns against established IPv4 (target %s), "
		       "%5.2fx pass: %s\n",
		       near_targets[t].what, net, over, want, net / pass, met ? "met" : "MISSED");
	}
}

static int run_table(struct bench *b)
{
	uint32_t warm = b->repeat / 10 ? b->repeat / 10 : 1;
	double scratch;

	if (check_outputs(b))
		return -1;
	for (size_t i = 0; i < NROWS; i++) {
		if (rows[i].skip)
			continue;
		rows[i].ns = calloc((size_t)b->rounds, sizeof(double));
		if (!rows[i].ns)
			return -ENOMEM;
		if (measure(b, &rows[i], warm, &scratch))
			return -1;
	}
	for (int round = 0; round < b->rounds; round++)
		for (size_t i = 0; i < NROWS; i++)
			if (!rows[i].skip && measure(b, &rows[i], b->repeat, &rows[i].ns[round]))
				return -1;
	print_table(b);
	return 0;
}

/* ---- live frames ----------------------------------------------------- */

static uint64_t rx_frames(const struct bench *b)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *v = calloc((size_t)ncpus, sizeof(*v)), sum = 0;
	uint32_t zero = 0;

	if (!v)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.rx_count), &zero, v))
		for (int c = 0; c < ncpus; c++)
			sum += v[c];
	free(v);
	return sum;
}

struct live_row {
	const char *name;
	struct bpf_program *prog;
	enum frame_id frame;
	enum vip_id vip;     /* VIP_NONE: a floor, no counter to check */
	enum expect expect;  /* of the balancer rows: EXP_EST or EXP_NEW */
};

/* ROUNDS live calls of one program: ns per frame of each call, frames the peer counted. */
static int live_measure(struct bench *b, const struct live_row *lr, int txif, double *ns,
			uint64_t *rx)
{
	const struct frame *f = &frames[lr->frame];

	/* the bytes a rewrite overwrites, put back before each frame (xdp_bench.bpf.c) */
	memcpy(b->skel->bss->live_l2, f->data, sizeof(b->skel->bss->live_l2));
	*rx = 0;
	for (int round = 0; round < b->rounds; round++) {
		struct xdp_md ctx_in = { .data_end = (uint32_t)f->len,
					 .ingress_ifindex = (uint32_t)txif };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data,
			    .data_size_in = (uint32_t)f->len, .ctx_in = &ctx_in,
			    .ctx_size_in = sizeof(ctx_in), .repeat = b->repeat,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = b->batch);
		struct row r = { .name = lr->name, .vip = lr->vip, .expect = lr->expect };
		uint64_t rx0 = rx_frames(b);
		struct snap a, z;

		if (take_snap(b, lr->vip, &a))
			return -1;
		if (bpf_prog_test_run_opts(bpf_program__fd(lr->prog), &o)) {
			int e = errno;

			/*
			 * Some kernels refuse live frames to every program, a
			 * bare "return XDP_TX" included: say so, not "our bug".
			 */
			fail("--live %s: BPF_PROG_TEST_RUN: %s%s", lr->name, strerror(e),
			     e == EPERM ? " (the kernel refuses BPF_F_TEST_XDP_LIVE_FRAMES; where "
					  "it does so for any program, no live figure can be had)"
					: "");
			return -1;
		}
		ns[round] = o.duration;
		/* the peer's NAPI ran on this CPU before the call returned */
		*rx += rx_frames(b) - rx0;
		if (take_snap(b, lr->vip, &z))
			return -1;
		if (lr->vip != VIP_NONE && check_counters(&r, &a, &z, b->repeat))
			return -1;
	}
	return 0;
}

#define LIVE_ROWS 4

/* The rows both live modes measure, the XDP_TX floor first. */
static void live_rows(struct xdp_bench_bpf *s, struct live_row out[LIVE_ROWS])
{
	const struct live_row r[LIVE_ROWS] = {
		{ "XDP_TX only (harness floor)", s->progs.bench_live_tx, F_ACK4, VIP_NONE,
		  EXP_FLOOR },
		{ "encap floor: adjust_head(-20) + eth/IPv4", s->progs.bench_live_encap, F_ACK4,
		  VIP_NONE, EXP_FLOOR },
		{ "balancer, established TCP IPv4, IPIP", s->progs.bench_live, F_ACK4, VIP_TCP4,
		  EXP_EST },
		{ "balancer, new flows (SYN, new client each)", s->progs.bench_live_new,
		  F_SYN4_NEW, VIP_SYN_NEW, EXP_NEW },
	};

	memcpy(out, r, sizeof(r));
}

/*
 * What both live modes set up first: bench_rx on the interface where the
 * balancer's XDP_TX frames arrive (rx_if, attach flags), the balancer's
 * node slot for the interface the frames reach it on (in_if), and the
 * established flow in this CPU's table (one ordinary run). 0; -1 with
 * nothing attached; -2 with bench_rx attached (the caller detaches it).
 */
static int live_prepare(struct bench *b, int rx_if, const char *rx_dev, __u32 flags, int in_if,
			const char *in_dev)
{
	struct edgelb_node_config c = b->node;
	uint32_t retval = 0;
	struct frame out;
	int err;

	err = bpf_xdp_attach(rx_if, bpf_program__fd(b->skel->progs.bench_rx), flags, NULL);
	if (err) {
		fail("--live: attaching bench_rx to %s: %s", rx_dev, strerror(-err));
		return -1;
	}
	c.ifindex = (uint32_t)in_if;
	err = edgelb_xdp_set_node_config(b->x, &c);
	if (err) {
		fail("--live: node config for %s: %s", in_dev, strerror(-err));
		return -2;
	}
	if (test_run(b, P_WRAP, &frames[F_ACK4], 1, &out, &retval, NULL) || retval != XDP_TX) {
		fail("--live: priming run failed");
		return -2;
	}
	return 0;
}

static int run_live(struct bench *b, const char *txdev, const char *rxdev)
{
	struct xdp_bench_bpf *s = b->skel;
	struct live_row lrows[LIVE_ROWS];
	static const uint32_t verdicts[] = { XDP_DROP, XDP_PASS };
	int txif = (int)if_nametoindex(txdev), rxif = (int)if_nametoindex(rxdev);
	uint64_t sent = (uint64_t)b->repeat * (uint64_t)b->rounds;
	const struct frame *f = &frames[F_ACK4];
	double *ns = calloc((size_t)b->rounds, sizeof(*ns));
	int err, ret = -1;

	if (!ns)
		return -1;
	if (!txif || !rxif) {
		fail("--live: no interface %s", !txif ? txdev : rxdev);
		goto out_free;
	}
	live_rows(s, lrows);
	/* live frames come in on txif, the balancer's XDP_TX goes out to rxif */
	err = live_prepare(b, rxif, rxdev, 0, txif, txdev);
	if (err == -1)
		goto out_free;
	if (err)
		goto out;

	printf("live frames: BPF_F_TEST_XDP_LIVE_FRAMES, %u frames per call (%zu bytes), "
	       "batch %u, %d calls, CPU %d, %s -> %s (bench_rx counts on %s)\n",
	       b->repeat, f->len, b->batch, b->rounds, b->cpu, txdev, rxdev, rxdev);
	printf("  %-42s %-9s %8s %8s %8s %8s  %s\n", "program", "rx peer", "Mpps", "of TX",
	       "ns/frame", "min ns", "received by the peer");
	for (size_t v = 0; v < sizeof(verdicts) / sizeof(verdicts[0]); v++) {
		double floor_mpps = 0;

		s->data->rx_verdict = verdicts[v];
		for (size_t i = 0; i < sizeof(lrows) / sizeof(lrows[0]); i++) {
			uint64_t rx;
			double med;

			if (live_measure(b, &lrows[i], txif, ns, &rx))
				goto out;
			med = median(ns, b->rounds);
			if (!i)
				floor_mpps = 1e3 / med; /* the XDP_TX row: the floor of this verdict */
			printf("  %-42s %-9s %8.2f %7.0f%% %8.1f %8.1f  %llu/%llu%s\n",
			       lrows[i].name, xdp_action(verdicts[v]), 1e3 / med,
			       100 * (1e3 / med) / floor_mpps, med, minimum(ns, b->rounds),
			       (unsigned long long)rx, (unsigned long long)sent,
			       rx < sent ? "  LOST FRAMES" : "");
		}
	}
	printf("  (Mpps = 1000 / median ns per frame, the kernel's own figure; of TX = Mpps "
	       "as a share of the XDP_TX row's with the same peer verdict; the peer's "
	       "NAPI runs on this CPU inside the timed loop, so its cost is included; "
	       "XDP_PASS at the peer adds an skb per frame, dropped at ip_rcv since the "
	       "gateway MAC is not the peer's; the balancer row also rewrites the client's "
	       "Ethernet header first, see xdp_bench.bpf.c)\n");
	ret = 0;
out:
	bpf_xdp_detach(rxif, 0, NULL);
out_free:
	free(ns);
	return ret;
}

/* ---- live traffic through a packet socket --------------------------- */

/*
 * Where the kernel refuses BPF_F_TEST_XDP_LIVE_FRAMES (this VM: EPERM for
 * any program, a bare "return XDP_DROP" included), the same rows run on
 * real veth traffic: an AF_PACKET socket on TXDEV sends the frame, bypassing
 * the qdisc; the veth hands it to RXDEV, where the row's program runs as a
 * native XDP program; its XDP_TX goes back to TXDEV, where bench_rx counts
 * and drops it. Sender, both NAPIs and both programs run on this one CPU
 * (the veth's NAPI runs in the sender's softirq), so Mpps is one core's and
 * the XDP_TX row is the floor of the whole harness: socket, skb, veth.
 */
static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A send-only packet socket on ifindex (protocol 0: it receives nothing). */
static int packet_socket(int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW, 0), err;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* n copies of f on fd, batch at a time; *secs the time taken. Frames sent, or -errno. */
static long long send_frames(int fd, const struct frame *f, uint64_t n, uint32_t batch,
			     double *secs)
{
	struct iovec iov = { .iov_base = (void *)f->data, .iov_len = f->len };
	struct mmsghdr m[256];
	uint64_t sent = 0;
	double t0;

	memset(m, 0, sizeof(m));
	for (uint32_t i = 0; i < batch; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = mono_s();
	while (sent < n) {
		unsigned int want = n - sent < batch ? (unsigned int)(n - sent) : batch;
		int k = sendmmsg(fd, m, want, 0);

		if (k < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		sent += (uint64_t)k;
	}
	*secs = mono_s() - t0;
	return (long long)sent;
}

static int run_socket(struct bench *b, const char *txdev, const char *rxdev)
{
	struct xdp_bench_bpf *s = b->skel;
	struct live_row lrows[LIVE_ROWS];
	enum { NLROWS = LIVE_ROWS };
	int txif = (int)if_nametoindex(txdev), rxif = (int)if_nametoindex(rxdev), fd = -1;
	double *mpps = calloc((size_t)b->rounds * NLROWS, sizeof(*mpps)), floor_mpps = 0;
	uint64_t fwd_total[NLROWS] = { 0 }, sent_total[NLROWS] = { 0 };
	int err, ret = -1;

	if (!mpps)
		return -1;
	if (!txif || !rxif) {
		fail("--live: no interface %s", !txif ? txdev : rxdev);
		goto out_free;
	}
	s->data->rx_verdict = XDP_DROP;
	live_rows(s, lrows);
	/* frames reach the balancer on rxif, its XDP_TX comes back to txif */
	err = live_prepare(b, txif, txdev, XDP_FLAGS_DRV_MODE, rxif, rxdev);
	if (err == -1)
		goto out_free;
	if (err)
		goto out;
	fd = packet_socket(txif);
	if (fd < 0) {
		fail("--live: packet socket on %s: %s", txdev, strerror(-fd));
		goto out;
	}

	/* rounds interleaved across the rows, as in the table: drift hits all alike */
	for (int round = 0; round < b->rounds; round++)
		for (int i = 0; i < NLROWS; i++) {
			const struct live_row *lr = &lrows[i];
			struct row r = { .name = lr->name, .vip = lr->vip, .expect = lr->expect };
			uint64_t rx0, fwd;
			struct snap a, z;
			long long sent;
			double secs;

			err = bpf_xdp_attach(rxif, bpf_program__fd(lr->prog), XDP_FLAGS_DRV_MODE,
					     NULL);
			if (err) {
				fail("--live: attaching %s to %s: %s", lr->name, rxdev,
				     strerror(-err));
				goto out;
			}
			memcpy(s->bss->live_l2, frames[lr->frame].data, sizeof(s->bss->live_l2));
			if (take_snap(b, lr->vip, &a))
				goto out;
			rx0 = rx_frames(b);
			sent = send_frames(fd, &frames[lr->frame], b->repeat, b->batch, &secs);
			if (sent < 0) {
				fail("--live: sendmmsg on %s: %s", txdev, strerror((int)-sent));
				goto out;
			}
			fwd = rx_frames(b) - rx0;
			if (take_snap(b, lr->vip, &z))
				goto out;
			/*
			 * Every frame the balancer forwarded came back (bench_rx):
			 * its VIP counted exactly those, each a new flow or none.
			 */
			if (lr->vip != VIP_NONE && check_counters(&r, &a, &z, fwd))
				goto out;
			mpps[i * b->rounds + round] = (double)fwd / secs / 1e6;
			fwd_total[i] += fwd;
			sent_total[i] += (uint64_t)sent;
		}

	printf("live traffic: AF_PACKET (PACKET_QDISC_BYPASS, sendmmsg x %u) on %s -> veth -> "
	       "native XDP on %s -> XDP_TX -> bench_rx on %s; %u frames per call (%zu bytes), "
	       "%d calls per row (interleaved), CPU %d\n",
	       b->batch, txdev, rxdev, txdev, b->repeat, frames[F_ACK4].len, b->rounds, b->cpu);
	printf("  %-42s %8s %8s %8s %8s  %s\n", "program on the receiving veth", "Mpps", "of TX",
	       "ns/frame", "min ns", "forwarded/sent");
	for (int i = 0; i < NLROWS; i++) {
		double med = median(&mpps[i * b->rounds], b->rounds);
		double best = 0;

		for (int k = 0; k < b->rounds; k++)
			if (mpps[i * b->rounds + k] > best)
				best = mpps[i * b->rounds + k];
		if (!i)
			floor_mpps = med;
		printf("  %-42s %8.2f %7.0f%% %8.1f %8.1f  %llu/%llu\n", lrows[i].name, med,
		       100 * med / floor_mpps, med > 0 ? 1e3 / med : 0, best > 0 ? 1e3 / best : 0,
		       (unsigned long long)fwd_total[i], (unsigned long long)sent_total[i]);
	}
	printf("  (Mpps = frames forwarded back to %s per second of sending, median of the "
	       "calls; of TX = as a share of the XDP_TX row; ns/frame = 1000 / Mpps, the "
	       "whole harness's cost per frame, so differences between rows are what the "
	       "programs add; frames the veth dropped before XDP are sent but not forwarded)\n",
	       txdev);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	bpf_xdp_detach(rxif, XDP_FLAGS_DRV_MODE, NULL);
	bpf_xdp_detach(txif, XDP_FLAGS_DRV_MODE, NULL);
out_free:
	free(mpps);
	return ret;
}

/*
 * May this kernel run live frames? One call of the XDP_TX floor: 0, or
 * the errno of the refusal.
 */
static int live_frames_refused(struct bench *b, int txif)
{
	const struct frame *f = &frames[F_ACK4];
	struct xdp_md ctx_in = { .data_end = (uint32_t)f->len, .ingress_ifindex = (uint32_t)txif };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data, .data_size_in = (uint32_t)f->len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = b->batch);

	return bpf_prog_test_run_opts(bpf_program__fd(b->skel->progs.bench_live_tx), &o) ? errno
											   : 0;
}

/* ---- main ----------------------------------------------------------- */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [--repeat N] [--rounds R] [--cpu C] [--only TEXT]\n"
		"       %s --live TXDEV RXDEV [--socket] [--batch B] [--repeat N] [--rounds R]\n"
		"          [--cpu C]\n"
		"\n"
		"ns per packet of the XDP balancer (bpf/edgelb.bpf.c's core on its own maps)\n"
		"under BPF_PROG_TEST_RUN, next to two floors measured in the same run; with\n"
		"--live, Mpps on one core with BPF_F_TEST_XDP_LIVE_FRAMES from TXDEV to its\n"
		"veth peer RXDEV (use tools/bench/xdp-live.sh, which makes the namespace).\n"
		"Needs root. Exits 1, loudly, if a row did not take the path it names.\n"
		"\n"
		"  --repeat N   runs per BPF_PROG_TEST_RUN call (default 1000000)\n"
		"  --rounds R   calls per row, median reported (default 11)\n"
		"  --cpu C      CPU to run on (default: the current one)\n"
		"  --only TEXT  only the rows whose name contains TEXT (and the floors)\n"
		"  --live TXDEV RXDEV  only the live-frames figures; where the kernel refuses\n"
		"               live frames, frames sent by a packet socket on TXDEV instead\n"
		"               (the rows' programs then run as RXDEV's native XDP program)\n"
		"  --socket     the packet socket even where live frames work\n"
		"  --batch B    live-frames batch size, or frames per sendmmsg (default 64)\n",
		argv0, argv0);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repeat", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "live", required_argument, NULL, 'l' },
		{ "batch", required_argument, NULL, 'b' },
		{ "only", required_argument, NULL, 'o' },
		{ "socket", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .repeat = 1000000, .rounds = 11, .cpu = sched_getcpu(), .batch = 64 };
	const char *txdev = NULL, *rxdev = NULL, *only = NULL;
	bool use_socket = false;
	cpu_set_t set;
	int c, err, ret = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			b.repeat = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			b.rounds = atoi(optarg);
			break;
		case 'c':
			b.cpu = atoi(optarg);
			break;
		case 'l':
			txdev = optarg;
			if (optind >= argc) {
				usage(stderr, argv[0]);
				return 2;
			}
			rxdev = argv[optind++];
			break;
		case 'b':
			b.batch = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'o':
			only = optarg;
			break;
		case 's':
			use_socket = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc || !b.repeat || b.rounds < 1 || b.rounds > 1000 || b.cpu < 0 ||
	    !b.batch || b.batch > 256) {
		usage(stderr, argv[0]);
		return 2;
	}

	for (size_t i = ROW_ENCAP + 1; only && i < NROWS; i++)
		rows[i].skip = !strstr(rows[i].name, only);

	/* one CPU: per-CPU tables and counters stay put, and the figure is one core's */
	CPU_ZERO(&set);
	CPU_SET(b.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "bench-xdp: CPU %d: %s\n", b.cpu, strerror(errno));
		return 2;
	}
	libbpf_set_print(libbpf_quiet);

	if (build_frames())
		return 1;
	err = edgelb_xdp_open(NULL, &b.x);
	if (err) {
		fprintf(stderr, "bench-xdp: loading the balancer: %s (root needed)\n",
			strerror(-err));
		return 1;
	}
	err = load_programs(&b);
	if (err) {
		fprintf(stderr, "bench-xdp: loading the benchmark programs: %s\n",
			strerror(-err));
		goto out;
	}
	err = setup_tables(&b);
	if (err) {
		fprintf(stderr, "bench-xdp: programming the tables: %s\n", strerror(-err));
		goto out;
	}

	if (txdev) {
		int refused = use_socket ? 0 : live_frames_refused(&b, (int)if_nametoindex(txdev));

		if (refused)
			printf("BPF_F_TEST_XDP_LIVE_FRAMES refused by the kernel (%s): live traffic "
			       "through a packet socket instead\n\n",
			       strerror(refused));
		if (use_socket || refused ? run_socket(&b, txdev, rxdev)
					  : run_live(&b, txdev, rxdev))
			goto out;
	} else {
		print_header(&b);
		if (run_table(&b))
			goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < NROWS; i++)
		free(rows[i].ns);
	pass_bpf__destroy(b.pass);
	xdp_bench_bpf__destroy(b.skel);
	edgelb_xdp_close(b.x);
	return ret;
}
