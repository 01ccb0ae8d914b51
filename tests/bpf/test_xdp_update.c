// SPDX-License-Identifier: GPL-2.0-only
/*
 * Atomic ring updates (DESIGN.md principle 5): while a second thread runs
 * packets through the XDP program without pause, the main thread changes a
 * VIP's backend set 1000 times. Every packet must be forwarded (no drop)
 * and to a backend of the set before or after the change in progress.
 *
 * The sets rotate through {1,2} {2,3} {3,4} {4,1}: the set two steps back
 * always holds a backend that neither the current nor the next set has.
 * Writing a new ring into the array packets are reading (or reusing the
 * spare buffer before the kernel's grace period) would show up as a packet
 * sent to that backend.
 *
 * usage: test_xdp_update [CHANGES]   (default 1000)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "golden.h"

static struct lbenv *env;
static struct scenario sc;
static atomic_int change;   /* index of the set being installed */
static atomic_int stop;
static atomic_long packets;
static long bad_verdicts, outside;

static unsigned int set_of(int k)
{
	/* bit b set = backend b + 1 in the set */
	int a = k % 4, b = (k + 1) % 4;

	return (1u << a) | (1u << b);
}

static uint32_t backend_of(const uint8_t *frame)
{
	struct in_addr dst;

	memcpy(&dst, frame + 14 + 16, 4);
	for (const struct sc_backend_def *d = sc_backends; d->addr; d++) {
		struct in_addr a;

		if (inet_pton(AF_INET, d->addr, &a) == 1 && a.s_addr == dst.s_addr)
			return d->id;
	}
	return 0;
}

static void *traffic(void *arg)
{
	uint16_t port = 1024;

	(void)arg;
	while (!atomic_load(&stop)) {
		/* SYNs skip the flow table: every packet is a ring lookup */
		struct flow_spec f = { .proto = IPPROTO_TCP, .dst = "192.0.2.10", .dport = 80,
				       .sport = port, .tcp_flags = PKT_TCP_SYN, .payload = 0 };
		struct pkt in;
		uint8_t out[PKT_MAX];
		size_t len;
		int before, after, v;
		uint32_t be;
		unsigned int allowed = 0;

		port = port == 65535 ? 1024 : port + 1;
		if (golden_input(&f, &in))
			continue;
		before = atomic_load(&change);
		v = lbenv_run(env, in.data, in.len, out, &len);
		after = atomic_load(&change);
		atomic_fetch_add(&packets, 1);
		if (v != XDP_TX) {
			bad_verdicts++;
			continue;
		}
		/* the ring in use at any instant of the run: sets before..after+1 */
		for (int k = before; k <= after + 1; k++)
			allowed |= set_of(k);
		be = backend_of(out);
		if (be < 1 || be > 4 || !(allowed & (1u << (be - 1)))) {
			if (outside++ < 5)
				fprintf(stderr, "packet to backend %u during change %d..%d\n", be,
					before, after);
		}
	}
	return NULL;
}

static void install(int k)
{
	unsigned int set = set_of(k);

	for (uint32_t id = 1; id <= 4; id++)
		sc.be[id].weight = (set & (1u << (id - 1))) ? 100 : 0;
	if (scenario_rebuild_ring(&sc, env, SC_VIP_TCP4_IPIP)) {
		fprintf(stderr, "ring update %d failed\n", k);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int changes = argc > 1 ? atoi(argv[1]) : 1000;
	pthread_t t;

	if (changes < 1 || changes > 1000000) {
		fprintf(stderr, "usage: %s [CHANGES]\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: loads the XDP program: needs root\n");
		return 77;
	}
	env = lbenv_new(LBENV_BPF);
	if (!env || scenario_load(&sc, env))
		return 1;
	install(0);
	if (pthread_create(&t, NULL, traffic, NULL))
		return 1;
	while (packets < 100)
		usleep(1000);
	for (int k = 1; k <= changes; k++) {
		atomic_store(&change, k - 1); /* installing set k: from k-1 to k */
		install(k);
		atomic_store(&change, k);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("%d ring changes under %ld packets: %ld not forwarded, %ld to a backend "
	       "outside the old and new sets\n",
	       changes, packets, bad_verdicts, outside);
	printf("%ld passed, %ld failed\n", packets - bad_verdicts - outside,
	       bad_verdicts + outside);
	scenario_free(&sc);
	lbenv_free(env);
	return bad_verdicts || outside || packets < changes ? 1 : 0;
}
