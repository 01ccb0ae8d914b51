// SPDX-License-Identifier: GPL-2.0-only
/*
 * The new-flow guard (dataplane/core/forward.h: edgelb_flow_guard) against
 * a SYN flood.
 *
 * bpf: the real XDP program through BPF_PROG_TEST_RUN, one run per frame.
 *   1. VIP 192.0.2.10:80/tcp of the scenario with backend 2 at weight 0:
 *      its ring is the known-answer ring "v4_no2" (checked by digest). A
 *      client flow whose known answer there is X, and 2 in ring "v4"
 *      (tools/kat/gen_flow_kat.py: an implementation that shares no code
 *      with production), sends a SYN and an ACK: it goes to X and is saved.
 *   2. Backend 2 joins (weight 100): the ring is "v4" (digest), whose
 *      answer for the flow is 2; its entry keeps it on X.
 *   3. FLOOD SYNs (1 000 000 by default), each from a new client address,
 *      one client in ACK_EVERY also completing its handshake with an ACK,
 *      with the guard at 1 write a second, burst 1, into a flow table of
 *      TABLE_PER_CPU entries per CPU.
 *   4. The flow's next packet still goes to X; its entry is still there;
 *      new_flow_unsaved counted all but a handful of the flood, and every
 *      packet of it was forwarded.
 *   Control (the proof that the test can fail): the same without the
 *   guard. The flood's writes evict the entry and the flow's next packet
 *   goes to 2.
 *
 * Why some ACKs: the kernel's LRU hash keeps two lists per CPU. A new
 * entry goes on the inactive one, and one looked up again (the flow's own
 * ACK) moves to the active one when the inactive list is next shrunk; the
 * active list is cycled only once it outgrows the inactive one. Bare SYNs
 * (one packet per client) therefore only churn the inactive list, and an
 * established flow on the active list outlives any number of them: the
 * control would pass with the guard or without. Clients that complete
 * their handshake fill the active list too, and then it is cycled, as it
 * is under a flood of real connections; the DPDK target's table (one LRU
 * per set, dataplane/dpdk/flow_table.h) is evicted by bare SYNs alone.
 *
 * host: the same core on the host twin with its clock set by hand: the
 *   bucket's refill, its cap and a clock that goes back, against figures
 *   worked out from the token bucket's definition.
 *
 * The runs stay on one CPU: the budgets and the LRU lists are per CPU.
 *
 * usage: test_syn_guard host|bpf [FLOOD]
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
#include <time.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>

#include "golden.h"
#include "host_dp.h"

#define TABLE_PER_CPU 4096
#define ACK_EVERY 4 /* one flood client in this many also sends its ACK */
#define FLOOD_DEFAULT 1000000u
#define FLOOD_CLIENTS 0x0a800000u /* 10.128.0.0 and up: no scenario address */
#define VIP SC_VIP_TCP4_IPIP
#define NS 1000000000ull

static uint32_t flood_syns = FLOOD_DEFAULT;

/* The flow of a client port through the scenario's VIP, as a frame spec. */
static struct flow_spec client(uint16_t sport, uint8_t tcp_flags)
{
	return (struct flow_spec){ .proto = IPPROTO_TCP, .src = SC_CLIENT4, .dst = "192.0.2.10",
				   .sport = sport, .dport = 80, .tcp_flags = tcp_flags,
				   .payload = 32 };
}

/* Which backend did env send this frame to? (IPv4 outer destination; 0: not sent.) */
static uint32_t sent_to(struct lbenv *env, const struct flow_spec *f)
{
	struct pkt in;
	uint8_t out[PKT_MAX];
	size_t len;
	struct in_addr dst;

	assert_int_equal(golden_input(f, &in), 0);
	if (lbenv_run(env, in.data, in.len, out, &len) != XDP_TX)
		return 0;
	memcpy(&dst, out + 14 + 16, 4);
	for (const struct sc_backend_def *d = sc_backends; d->addr; d++) {
		struct in_addr a;

		if (inet_pton(AF_INET, d->addr, &a) == 1 && a.s_addr == dst.s_addr)
			return d->id;
	}
	return 0;
}


/* Has env a flow entry for f? 1 (and its backend) or 0. */
static int saved(struct lbenv *env, const struct flow_spec *f, uint32_t *backend)
{
	struct edgelb_flow_state st;
	struct edgelb_flow_key k;

	golden_flow_key(f, VIP, &k);
	if (lbenv_flow(env, &k, &st))
		return 0;
	if (backend)
		*backend = st.backend_id;
	return 1;
}

static void set_guard(struct lbenv *env, uint32_t rate, uint32_t burst)
{
	struct edgelb_node_config cfg;

	scenario_node_config(&cfg);
	cfg.new_flow_rate = rate;
	cfg.new_flow_burst = burst;
	assert_int_equal(lbenv_node_config(env, &cfg), 0);
}

static void pin_cpu(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
}

/* ---- host: the bucket against its definition ----------------------------- */

/*
 * Rate 2 a second, burst 3: a full bucket saves 3 new flows, then none;
 * half a second refills one (2/s x 0.5 s); 100 s idle refill it to 3, not
 * 200; a clock that went back finds it full. The clock moves by one ns per
 * read besides, far below a write's 0.5 s.
 */
static void test_host_bucket(void **state)
{
	static const struct {
		uint64_t at_ns;	    /* host_dp_set_clock() before the group */
		int syns, saved;    /* new flows sent, of them saved */
	} steps[] = {
		{ 10 * NS, 4, 3 },		  /* full at first use: the burst */
		{ 10 * NS + NS / 2, 2, 1 },	  /* +0.5 s at 2/s: one */
		{ 110 * NS, 4, 3 },		  /* idle: full, capped at the burst */
		{ 5 * NS, 4, 3 },		  /* the clock went back: full */
	};
	struct scenario sc;
	struct lbenv *env = lbenv_new(LBENV_HOST);
	uint16_t port = 60020; /* the known answers' spare ports to 192.0.2.10:80 */

	(void)state;
	assert_non_null(env);
	assert_int_equal(scenario_load(&sc, env), 0);
	set_guard(env, 2, 3);
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		host_dp_set_clock(lbenv_host(env), steps[s].at_ns);
		for (int i = 0; i < steps[s].syns; i++, port++) {
			struct flow_spec f = client(port, PKT_TCP_SYN);
			uint64_t unsaved = lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED);
			int want = i < steps[s].saved;

			/* placed by the ring either way */
			assert_int_equal(sent_to(env, &f), golden_kat_pick4(port, KAT_RING_V4));
			assert_int_equal(saved(env, &f, NULL), want);
			assert_int_equal(lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED),
					 unsaved + !want);
		}
	}
	scenario_free(&sc);
	lbenv_free(env);
}

/* ---- bpf: the flood ------------------------------------------------------- */

struct flood_result {
	uint64_t packets;  /* SYNs and ACKs sent */
	uint64_t not_tx;   /* of them, not forwarded */
	double seconds;	   /* wall time of the flood */
};

/* One run of the program on frame in; the verdict counted in r. */
static void run_once(struct lbenv *env, const struct pkt *in, struct flood_result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->data, .data_size_in = (uint32_t)in->len,
		    .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(lbenv_prog_fd(env), &o), 0);
	r->packets++;
	r->not_tx += o.retval != XDP_TX;
}

/*
 * n SYNs to the VIP, each from the next client address, one in ACK_EVERY
 * followed by its ACK, through the program.
 */
static void flood(struct lbenv *env, uint32_t n, struct flood_result *r)
{
	struct flow_spec f = { .proto = IPPROTO_TCP, .src = "10.128.0.0", .dst = "192.0.2.10",
			       .sport = 40000, .dport = 80, .tcp_flags = PKT_TCP_SYN };
	struct timespec t0, t1;
	struct pkt in;
	uint8_t *ip;

	assert_int_equal(golden_input(&f, &in), 0);
	ip = in.data + 14;
	assert_int_equal(ip[0], 0x45); /* no options, no VLAN: the header is at 14 */
	assert_int_equal(ip[20 + 13], PKT_TCP_SYN); /* TCP flags, at 13 of the TCP header */
	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t src = htonl(FLOOD_CLIENTS + i), sum = 0;

		memcpy(ip + 12, &src, 4);
		/* the IPv4 header checksum (RFC 791), over the 10 words */
		ip[10] = ip[11] = 0;
		for (int w = 0; w < 20; w += 2)
			sum += (uint32_t)(ip[w] << 8 | ip[w + 1]);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
		ip[10] = (uint8_t)(sum >> 8);
		ip[11] = (uint8_t)sum;
		run_once(env, &in, r);
		if (i % ACK_EVERY)
			continue;
		/* the balancer reads no TCP checksum: the flags alone make the ACK */
		ip[20 + 13] = PKT_TCP_ACK;
		run_once(env, &in, r);
		ip[20 + 13] = PKT_TCP_SYN;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* The digest of the VIP's ring is the known-answer ring's called name. */
static void assert_ring(const struct scenario *sc, const char *name)
{
	size_t n;
	const struct kat_ring_def *defs = kat_ring_defs_all(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(defs[i].name, name)) {
			assert_int_equal(kat_ring_digest(sc->rings[VIP], SC_RING_SIZE),
					 defs[i].digest);
			return;
		}
	fail_msg("no known-answer ring %s", name);
}

/* A client port of 192.0.2.10:80 on X in ring v4_no2 and on backend 2 in ring v4. */
static uint16_t moving_port(uint32_t *x)
{
	size_t n;
	const struct kat_flow *all = kat_all(&n);

	for (size_t i = 0; i < n; i++) {
		const struct kat_flow *kf = &all[i];

		if (kf->family != EDGELB_AF_INET || kf->proto != IPPROTO_TCP || kf->dport != 80 ||
		    strcmp(kf->src, SC_CLIENT4) || strcmp(kf->dst, "192.0.2.10") || !kf->sport)
			continue;
		if (kf->backend[KAT_RING_V4] == 2 && kf->backend[KAT_RING_V4_NO2] != 2) {
			*x = kf->backend[KAT_RING_V4_NO2];
			return kf->sport;
		}
	}
	fail_msg("no flow moves to backend 2: %s", KAT_MISSING_HINT);
	return 0;
}

static void set_weight(struct scenario *sc, struct lbenv *env, uint32_t id, uint16_t weight)
{
	sc->be[id].weight = weight;
	assert_int_equal(scenario_set_backend(sc, env, id), 0);
	assert_int_equal(scenario_rebuild_ring(sc, env, VIP), 0);
}

/* Steps 1-4 of the header; guard: on (1/s, burst 1) or off. */
static void established_through_flood(int guard)
{
	struct lbenv *env = lbenv_new_sized(LBENV_BPF, TABLE_PER_CPU);
	struct edgelb_counters v0, v1;
	struct flood_result fr;
	struct scenario sc;
	uint32_t x, be = 0;
	uint16_t port = moving_port(&x);
	struct flow_spec syn = client(port, PKT_TCP_SYN), ack = client(port, 0);
	uint64_t unsaved;

	assert_non_null(env);
	pin_cpu();
	assert_int_equal(scenario_load(&sc, env), 0);
	set_guard(env, guard ? 1 : 0, guard ? 1 : 0);

	/* 1. established on X */
	set_weight(&sc, env, 2, 0);
	assert_ring(&sc, "v4_no2");
	assert_int_equal(sent_to(env, &syn), x);
	assert_int_equal(sent_to(env, &ack), x);
	assert_true(saved(env, &ack, &be));
	assert_int_equal(be, x);

	/* 2. backend 2 joins: the ring now says 2 for this flow */
	set_weight(&sc, env, 2, 100);
	assert_ring(&sc, "v4");
	assert_int_equal(sent_to(env, &ack), x);

	/* 3. the flood */
	unsaved = lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED);
	lbenv_vip_counters(env, VIP, &v0);
	flood(env, flood_syns, &fr);
	lbenv_vip_counters(env, VIP, &v1);
	unsaved = lbenv_counter(env, EDGELB_EV_NEW_FLOW_UNSAVED) - unsaved;
	printf("guard %s: %u SYNs (%llu packets with the ACKs) in %.2f s, %.0f ns per "
	       "BPF_PROG_TEST_RUN; %llu new flows, %llu unsaved\n",
	       guard ? "on (1/s, burst 1)" : "off", flood_syns, (unsigned long long)fr.packets,
	       fr.seconds, fr.seconds * 1e9 / (double)fr.packets,
	       (unsigned long long)(v1.new_flows - v0.new_flows), (unsigned long long)unsaved);
	assert_int_equal(fr.not_tx, 0);
	if (guard) {
		/*
		 * Saved: the burst and what the clock refilled, one a second.
		 * Every other packet is a new flow (an unsaved flow's ACK
		 * misses), and unsaved.
		 */
		uint64_t may_save = 2 + (uint64_t)fr.seconds, nf = v1.new_flows - v0.new_flows;

		assert_true(nf <= fr.packets && nf + may_save >= fr.packets);
		assert_true(unsaved <= nf && unsaved + may_save >= nf);
	} else {
		/* saved: the SYN's entry, which its ACK hits */
		assert_int_equal(v1.new_flows - v0.new_flows, flood_syns);
		assert_int_equal(unsaved, 0);
	}

	/* 4. the established flow */
	if (guard) {
		assert_true(saved(env, &ack, &be));
		assert_int_equal(be, x);
		assert_int_equal(sent_to(env, &ack), x);
	} else {
		/* control: evicted, so it follows the new ring */
		assert_false(saved(env, &ack, NULL));
		assert_int_equal(sent_to(env, &ack), 2);
	}
	scenario_free(&sc);
	lbenv_free(env);
}

static void test_guard_keeps_established_flow(void **state)
{
	(void)state;
	established_through_flood(1);
}

static void test_without_guard_the_flow_moves(void **state)
{
	(void)state;
	established_through_flood(0);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "host";
	char why[128];

	if (argc > 2) {
		flood_syns = (uint32_t)strtoul(argv[2], NULL, 0);
		if (!flood_syns) {
			fprintf(stderr, "usage: %s host|bpf [FLOOD]\n", argv[0]);
			return 2;
		}
	}
	if (!strcmp(what, "host")) {
		const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_host_bucket),
		};

		return cmocka_run_group_tests_name("syn_guard_host", tests, NULL, NULL);
	}
	if (!strcmp(what, "bpf")) {
		const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_guard_keeps_established_flow),
			cmocka_unit_test(test_without_guard_the_flow_moves),
		};

		if (!lbenv_bpf_available(why, sizeof(why))) {
			fprintf(stderr, "SKIP: %s\n", why);
			return 77;
		}
		return cmocka_run_group_tests_name("syn_guard_bpf", tests, NULL, NULL);
	}
	fprintf(stderr, "usage: %s host|bpf [FLOOD]\n", argv[0]);
	return 2;
}
