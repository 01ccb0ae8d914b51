// SPDX-License-Identifier: GPL-2.0-only
/*
 * Differential test: the XDP program, the same core compiled for the
 * host and, in the build that links it (tests/dpdk: test_dpdk_diff), for
 * DPDK must agree, verdict and every output byte, on random packets: valid
 * VIP traffic of every shape, non-VIP traffic, ICMP errors, and all of
 * them mangled (cut short, bytes flipped, length fields rewritten). All
 * see the same sequence, including backend changes and a stretch under the
 * new-flow guard along the way, so their flow tables evolve alike. Without root (no XDP program) the DPDK
 * build compares host and DPDK.
 *
 * usage: test_xdp_diff [COUNT [SEED]]   (default 10000, seed from
 * EDGELB_DIFF_SEED or fixed; printed so a failure can be replayed)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "golden.h"

static uint64_t rng_state;

/* splitmix64: small, seedable, the same everywhere */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static const char *const v4_dsts[] = { "192.0.2.10", "192.0.2.20", "192.0.2.30", "192.0.2.40",
				       "192.0.2.50", "192.0.2.99", "10.9.9.9" };
static const char *const v6_dsts[] = { "2001:db8::10", "2001:db8::20", "2001:db8::30",
				       "2001:db8::99" };
static const char *const v4_srcs[] = { "198.51.100.7", "198.51.100.8", "203.0.113.77" };
static const char *const v6_srcs[] = { "2001:db8:ffff::7", "2001:db8:ffff::8" };
static const uint16_t ports[] = { 80, 53, 443, 8443, 5000, 81 };

static void random_flow(struct flow_spec *f)
{
	memset(f, 0, sizeof(*f));
	f->v6 = below(3) == 0;
	f->proto = below(2) ? IPPROTO_TCP : IPPROTO_UDP;
	f->src = f->v6 ? v6_srcs[below(2)] : v4_srcs[below(3)];
	f->dst = f->v6 ? v6_dsts[below(4)] : v4_dsts[below(7)];
	f->sport = (uint16_t)(1024 + below(64)); /* few ports: flows repeat */
	f->dport = ports[below(6)];
	f->tcp_flags = below(3) == 0 ? PKT_TCP_SYN : 0;
	f->nvlan = below(6) == 0 ? (int)below(3) : 0;
	f->payload = below(4) == 0 ? below(1500) : below(100);
	f->no_df = below(8) == 0;
	f->ip_options = !f->v6 && below(8) == 0;
	f->ext_headers = f->v6 && below(8) == 0;
	if (below(12) == 0)
		f->frag = f->v6 ? (uint16_t)((below(3) << 3) | below(2)) : (uint16_t)(below(3) | (below(2) ? PKT_IP4_MF : 0));
	f->tos = below(4) == 0 ? (uint8_t)below(256) : 0;

	/* two thirds aimed at a VIP, so that most packets take a real path */
	if (below(3)) {
		const struct sc_vip_def *v = &sc_vips[below(SC_VIP_COUNT)];

		f->v6 = strchr(v->addr, ':') != NULL;
		f->src = f->v6 ? v6_srcs[below(2)] : v4_srcs[below(3)];
		f->dst = v->addr;
		f->proto = v->proto;
		f->dport = v->port ? v->port : (uint16_t)(1 + below(65535));
		f->ip_options = !f->v6 && f->ip_options;
		f->ext_headers = f->v6 && below(8) == 0;
		if (f->frag && f->v6)
			f->frag = (uint16_t)((below(3) << 3) | below(2));
	}
}

/* An ICMP error quoting a reply of flow f (VIP -> client). */
static int random_icmp(const struct flow_spec *f, struct pkt *frame)
{
	struct pkt reply, icmp;
	size_t quote = 20 + below(40);

	pkt_init(&reply);
	if (f->v6)
		pkt_ipv6(&reply, &(struct pkt_ip6){ .src = f->dst, .dst = f->src });
	else
		pkt_ipv4(&reply, &(struct pkt_ip4){ .src = f->dst, .dst = f->src });
	if (f->proto == IPPROTO_TCP)
		pkt_tcp(&reply, f->dport, f->sport, 1, 1, PKT_TCP_ACK);
	else
		pkt_udp(&reply, f->dport, f->sport, 0);
	if (pkt_finish(&reply))
		return -1;
	pkt_init(&icmp);
	if (f->v6) {
		pkt_ipv6(&icmp, &(struct pkt_ip6){ .src = "2001:db8:1::1", .dst = f->dst });
		pkt_icmp(&icmp, below(2) ? 2 : 1, 0, 1280 + below(200));
	} else {
		pkt_ipv4(&icmp, &(struct pkt_ip4){ .src = "203.0.113.1", .dst = f->dst });
		pkt_icmp(&icmp, 3, below(2) ? 4 : 3, 1200 + below(300));
	}
	pkt_raw(&icmp, reply.data, quote < reply.len ? quote : reply.len);
	if (pkt_finish(&icmp))
		return -1;
	return golden_frame(f, &icmp, frame);
}

/* Cut, flip bytes, or rewrite a length field. */
static size_t mangle(uint8_t *b, size_t len)
{
	switch (below(4)) {
	case 0:
		return 14 + below((uint32_t)(len - 13));
	case 1:
		for (uint32_t n = 1 + below(3); n; n--)
			b[below((uint32_t)(len < 90 ? len : 90))] ^= (uint8_t)(1 + below(255));
		return len;
	case 2: {
		size_t l3 = 14 + (b[12] == 0x81 || b[12] == 0x88 ? 4 : 0);
		size_t at = l3 + (below(2) ? 2 : 4); /* IPv4 tot_len or IPv6 payload len */

		if (at + 2 <= len) {
			b[at] = (uint8_t)below(256);
			b[at + 1] = (uint8_t)below(256);
		}
		return len;
	}
	default:
		b[14 + below(8)] = (uint8_t)below(256);
		return len;
	}
}

/* The targets compared: the first is the reference (BPF when it can run). */
#define MAX_ENVS 3
static struct lbenv *envs[MAX_ENVS];
static struct scenario scs[MAX_ENVS];
static int n_envs;

static void toggle_backend(void)
{
	static const uint32_t ids[] = { 1, 2, 3, 4, 11, 12, 13, 14, 21, 22 };
	uint32_t id = ids[below(10)];
	struct scenario *sc = &scs[0];
	struct edgelb_backend *be = &sc->be[id];

	switch (below(3)) {
	case 0: /* drain / undrain */
		be->weight = be->weight ? 0 : 100;
		be->flags ^= EDGELB_BE_F_DRAINED;
		break;
	case 1: /* dies / comes back */
		be->flags ^= EDGELB_BE_F_ALIVE;
		be->weight = (be->flags & EDGELB_BE_F_ALIVE) ? 100 : 0;
		break;
	default:
		be->weight = (uint16_t)(1 + below(200));
	}
	for (int e = 0; e < n_envs; e++)
		scenario_set_backend(sc, envs[e], id);
	for (int v = 0; v < SC_VIP_COUNT; v++) {
		/* keep every ring identical: rebuild in one scenario, load in all */
		scenario_rebuild_ring(sc, envs[0], (enum sc_vip)v);
		for (int e = 1; e < n_envs; e++)
			lbenv_ring(envs[e], (uint32_t)v, sc->rings[v], SC_RING_SIZE);
	}
}

/*
 * The new-flow guard on every target for packets [GUARD_FROM, GUARD_TO):
 * 1 flow-table write a second, a burst of GUARD_BURST. The segment takes
 * milliseconds, far less than the second one more write would need, so
 * every target saves the same first GUARD_BURST new flows and none after
 * (the host twin's clock barely moves); the flow tables then differ from
 * a run without the guard, alike on every target.
 */
#define GUARD_FROM 500
#define GUARD_TO 800
#define GUARD_BURST 40

static int set_guard(uint32_t rate, uint32_t burst)
{
	struct edgelb_node_config cfg;

	scenario_node_config(&cfg);
	cfg.new_flow_rate = rate;
	cfg.new_flow_burst = burst;
	for (int e = 0; e < n_envs; e++)
		if (lbenv_node_config(envs[e], &cfg))
			return -1;
	return 0;
}

/* BPF when root can load it, the host twin, DPDK when linked in. */
static int open_envs(void)
{
	static const enum lbenv_kind kinds[] = { LBENV_BPF, LBENV_HOST, LBENV_DPDK };

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (!lbenv_has(kinds[k]))
			continue;
		if (kinds[k] == LBENV_BPF && geteuid() != 0) {
			printf("bpf left out: loading the XDP program needs root\n");
			continue;
		}
		envs[n_envs] = lbenv_new(kinds[k]);
		if (!envs[n_envs] || scenario_load(&scs[n_envs], envs[n_envs])) {
			lbenv_free(envs[n_envs]);
			return -1;
		}
		n_envs++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	const char *seed_env = getenv("EDGELB_DIFF_SEED");
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0)
				 : seed_env ? strtoull(seed_env, NULL, 0) : 0x65646765;
	long verdicts[4] = { 0 }, mismatches = 0, compared = 0;
	int rc = 1;

	if (count < 1 || count > 10000000) {
		fprintf(stderr, "usage: %s [COUNT 1..10000000 [SEED]]\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0 && !lbenv_has(LBENV_DPDK)) {
		fprintf(stderr, "SKIP: the differential test loads the XDP program: needs root\n");
		return 77;
	}
	/*
	 * The program keeps per-CPU state (the outer IPv4 id of non-DF
	 * tunnels), the host twin one copy: run every packet on one CPU, or
	 * a migration (likely while a ring change waits for a grace period)
	 * shows up as a different id.
	 */
	if (sched_getcpu() >= 0) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(sched_getcpu(), &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			perror("sched_setaffinity");
	}
	rng_state = seed;
	if (open_envs())
		goto out;
	if (n_envs < 2) { /* one target alone compares nothing: not a pass */
		fprintf(stderr, "differential test: %d target(s) could run, 2 needed\n", n_envs);
		goto out;
	}
	printf("differential test: %ld packets, seed 0x%llx:", count, (unsigned long long)seed);
	for (int e = 0; e < n_envs; e++)
		printf(" %s", lbenv_name(envs[e]));
	printf("\n");

	for (long i = 0; i < count && mismatches < 5; i++) {
		struct flow_spec f;
		struct pkt frame;
		static uint8_t out[MAX_ENVS][PKT_MAX];
		size_t len, out_len[MAX_ENVS] = { 0 };
		int v[MAX_ENVS];

		if (i && i % 1000 == 0)
			toggle_backend();
		if ((i == GUARD_FROM || i == GUARD_TO) &&
		    set_guard(i == GUARD_FROM ? 1 : 0, i == GUARD_FROM ? GUARD_BURST : 0)) {
			fprintf(stderr, "packet %ld: setting the new-flow guard failed\n", i);
			goto out;
		}
		random_flow(&f);
		if (below(10) == 0 ? random_icmp(&f, &frame) : golden_input(&f, &frame))
			continue; /* a combination the builder refuses: not a packet */
		len = frame.len;
		if (below(3) == 0)
			len = mangle(frame.data, len);

		for (int e = 0; e < n_envs; e++) {
			v[e] = lbenv_run(envs[e], frame.data, len, out[e], &out_len[e]);
			if (v[e] < 0) {
				fprintf(stderr, "packet %ld: %s failed to run it: %s\n", i,
					lbenv_name(envs[e]), strerror(-v[e]));
				goto out;
			}
		}
		if (v[0] < 4)
			verdicts[v[0]]++;
		compared++;
		for (int e = 1; e < n_envs; e++) {
			if (v[0] == v[e] && out_len[0] == out_len[e] &&
			    !memcmp(out[0], out[e], out_len[0]))
				continue;
			mismatches++;
			fprintf(stderr, "packet %ld: %s verdict %d (%zu bytes), %s %d (%zu bytes)\n",
				i, lbenv_name(envs[0]), v[0], out_len[0], lbenv_name(envs[e]), v[e],
				out_len[e]);
			pkt_fprint_diff(stderr, out[0], out_len[0], out[e], out_len[e]);
		}
	}
	for (int c = 0; c < EDGELB_COUNTER_MAX; c++) {
		uint64_t a = lbenv_counter(envs[0], (enum edgelb_counter)c);

		for (int e = 1; e < n_envs; e++) {
			uint64_t b = lbenv_counter(envs[e], (enum edgelb_counter)c);

			if (a != b) {
				fprintf(stderr, "counter %d: %s %llu, %s %llu\n", c,
					lbenv_name(envs[0]), (unsigned long long)a,
					lbenv_name(envs[e]), (unsigned long long)b);
				mismatches++;
			}
		}
	}
	printf("verdicts: %ld drop, %ld pass, %ld tx (aborted %ld)\n", verdicts[XDP_DROP],
	       verdicts[XDP_PASS], verdicts[XDP_TX], verdicts[XDP_ABORTED]);
	/* a generator that stopped producing one kind would make this test weak */
	if (count >= 1000 && (verdicts[XDP_DROP] < count / 50 || verdicts[XDP_PASS] < count / 50 ||
			      verdicts[XDP_TX] < count / 10)) {
		fprintf(stderr, "the packet mix is too narrow to prove anything\n");
		mismatches++;
	}
	/* the guard segment must have had new flows over its budget, or it proved nothing */
	if (count > GUARD_TO && !lbenv_counter(envs[0], EDGELB_EV_NEW_FLOW_UNSAVED)) {
		fprintf(stderr, "the new-flow guard never held a flow back\n");
		mismatches++;
	}
	rc = mismatches ? 1 : 0;
	printf("%ld passed, %ld failed\n", compared - mismatches, mismatches);
out:
	for (int e = 0; e < n_envs; e++) {
		scenario_free(&scs[e]);
		lbenv_free(envs[e]);
	}
	return rc;
}
