// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two workers behind the software dispatcher (dataplane/dpdk/worker.c),
 * on ports made of rte_rings (net_ring: no RSS, one RX queue), as
 * edgelb-dpdk sets them up when its data port cannot spread flows: the
 * dispatcher reads the data port and hands each frame to the worker of
 * its flow hash; each worker transmits on a TX queue of its own (a ring
 * each here, so the test sees who sent what), and shares the exception
 * port's single TX queue under a lock.
 *
 *  - every frame of many flows is forwarded exactly once, encapsulated as
 *    the golden table expects of one lcore;
 *  - every frame of a flow is handled by one worker (its TX ring, its
 *    flow table, its counters slot), and the flows spread over both;
 *  - an ICMP error quoting a flow reaches that flow's worker;
 *  - what is not a candidate goes to the kernel: from worker 0 without an
 *    IP header (ARP), else from the worker of its address pair, so that
 *    a flood of it is spread; what the kernel sends leaves by the one
 *    worker that polls the TAP;
 *  - a full dispatcher ring loses frames only counted, and every mbuf
 *    comes back to the pool.
 *
 * First the test runs the dispatcher and each worker in turn on its one
 * thread, which is what each lcore's loop does, so that every step can be
 * checked; then on three lcores at once (all on the test's CPU), the
 * workers' loops against the dispatcher's, under the lock of the shared
 * exception queue. test_app.sh runs edgelb-dpdk itself on several lcores.
 * No root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "pktbuild.h"
#include "ports.h"
#include "tables.h"
#include "test_eal.h"
#include "worker.h"

#define IFINDEX 7
#define VIP "192.0.2.10"
#define BACKEND "10.1.0.5"
#define CLIENT "198.51.100.7"
#define RING_M 7
#define N_WORKERS 2
#define N_FLOWS 16
#define N_PKTS 8
#define SPORT0 40000

static const uint8_t if_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0x07 };

static struct edgelb_tables *w, *dp;
static struct edgelb_dpdk_worker wk[N_WORKERS];
static struct edgelb_dpdk_dispatcher disp;
static struct rte_ring *d_rx, *d_tx[N_WORKERS], *e_rx, *e_tx, *to[N_WORKERS];
static uint16_t d_port, e_port;
static rte_spinlock_t e_lock = RTE_SPINLOCK_INITIALIZER;
static int worker_of[N_FLOWS]; /* found by test_flows_stay */
static volatile int stop;

static struct rte_ring *ring(const char *name, unsigned int size)
{
	struct rte_ring *r = rte_ring_create(name, size, SOCKET_ID_ANY,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);

	assert_non_null(r);
	return r;
}

static void tables(void)
{
	struct edgelb_node_config cfg = { .ifindex = IFINDEX };
	struct edgelb_backend be = { .family = EDGELB_AF_INET, .flags = EDGELB_BE_F_ALIVE,
				     .weight = 100 };
	struct edgelb_vip_key k = { .port = htons(80), .proto = IPPROTO_TCP,
				    .family = EDGELB_AF_INET };
	struct edgelb_vip_meta m = { .vip_id = 1, .ring_size = RING_M, .mtu = 1500 };
	uint32_t r[RING_M];
	char path[96];

	snprintf(path, sizeof(path), "/dev/shm/edgelb-test-workers-%ld", (long)getpid());
	unlink(path);
	assert_int_equal(edgelb_tables_create(path, &(struct edgelb_tables_opts){
							    .ring_slots = 1024, .max_lcores = N_WORKERS },
					      &w),
			 0);
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_DATAPLANE, &dp), 0);
	unlink(path);
	inet_pton(AF_INET, "10.0.0.1", &cfg.src_v4.v4);
	memcpy(cfg.if_mac, if_mac, 6);
	memcpy(cfg.gw_mac, gw_mac, 6);
	assert_int_equal(edgelb_tables_set_node_config(w, &cfg), 0);
	inet_pton(AF_INET, BACKEND, &be.addr.v4);
	assert_int_equal(edgelb_tables_set_backend(w, 5, &be), 0);
	for (int i = 0; i < RING_M; i++)
		r[i] = 5;
	assert_int_equal(edgelb_tables_write_ring(w, 0, r, RING_M), 0);
	inet_pton(AF_INET, VIP, &k.addr.v4);
	assert_int_equal(edgelb_tables_set_vip(w, &k, &m), 0);
}

static int setup(void **state)
{
	struct edgelb_dpdk_queues dq, eq;

	(void)state;
	if (test_eal_start_lcores(1 + N_WORKERS))
		return -1;
	tables();
	d_rx = ring("d_rx", 256);
	d_tx[0] = ring("d_tx0", 256);
	d_tx[1] = ring("d_tx1", 256);
	e_rx = ring("e_rx", 64);
	e_tx = ring("e_tx", 64);
	d_port = (uint16_t)rte_eth_from_rings("edgelb_d", &d_rx, 1, d_tx, N_WORKERS,
					      SOCKET_ID_ANY);
	e_port = (uint16_t)rte_eth_from_rings("edgelb_e", &e_rx, 1, &e_tx, 1, SOCKET_ID_ANY);
	/* the plan edgelb-dpdk makes of such ports */
	if (edgelb_dpdk_port_plan(d_port, N_WORKERS, true, &dq) ||
	    edgelb_dpdk_port_plan(e_port, N_WORKERS, false, &eq))
		return -1;
	if (dq.rss || dq.rx != 1 || dq.tx != N_WORKERS || eq.rss || eq.rx != 1 || eq.tx != 1) {
		fprintf(stderr, "unexpected plan: data rss %d rx %u tx %u, exception rx %u tx %u\n",
			dq.rss, dq.rx, dq.tx, eq.rx, eq.tx);
		return -1;
	}
	if (edgelb_dpdk_port_start_queues(d_port, test_eal_pool(), true, &dq) ||
	    edgelb_dpdk_port_start_queues(e_port, test_eal_pool(), false, &eq))
		return -1;
	disp.n_workers = N_WORKERS;
	disp.n_ports = 1;
	disp.ports[0].data = d_port;
	for (uint16_t i = 0; i < N_WORKERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "to%u", i);
		to[i] = ring(name, 256);
		disp.ports[0].to[i] = to[i];
		if (edgelb_dpdk_lcore_init(&wk[i].lc, edgelb_tables_view(dp), i, 1024, 1,
					   SOCKET_ID_ANY))
			return -1;
		wk[i].n_ports = 1;
		wk[i].ports[0] = (struct edgelb_dpdk_port){
			.data = d_port, .exception = e_port, .ifindex = IFINDEX, .queue = i,
			.txq = i, .exception_txq = 0, .no_exception_rx = i >= eq.rx,
			.from_dispatcher = to[i], .exception_tx_lock = &e_lock };
		edgelb_tables_lcore_online(edgelb_tables_view(dp), i);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (uint16_t i = 0; i < N_WORKERS; i++) {
		edgelb_tables_lcore_offline(edgelb_tables_view(dp), i);
		edgelb_dpdk_lcore_fini(&wk[i].lc);
		rte_ring_free(to[i]);
	}
	edgelb_dpdk_port_stop(d_port);
	edgelb_dpdk_port_stop(e_port);
	rte_ring_free(d_rx);
	rte_ring_free(d_tx[0]);
	rte_ring_free(d_tx[1]);
	rte_ring_free(e_rx);
	rte_ring_free(e_tx);
	edgelb_tables_close(dp);
	edgelb_tables_close(w);
	return 0;
}

static void put(struct rte_ring *r, const struct pkt *p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_eal_pool());

	assert_non_null(m);
	m->data_off = RTE_PKTMBUF_HEADROOM + TEST_EAL_ALIGN;
	memcpy(rte_pktmbuf_append(m, (uint16_t)p->len), p->data, p->len);
	assert_int_equal(rte_ring_enqueue(r, m), 0);
}

/* The next frame sent on r, copied into out (freed); its length, or 0. */
static size_t take(struct rte_ring *r, uint8_t *out)
{
	struct rte_mbuf *m;
	size_t len;

	if (rte_ring_dequeue(r, (void **)&m))
		return 0;
	len = rte_pktmbuf_pkt_len(m);
	memcpy(out, rte_pktmbuf_read(m, 0, (uint32_t)len, out), len);
	rte_pktmbuf_free(m);
	return len;
}

/* Packet seq of flow sport: the TCP sequence number says which. */
static void vip_frame(struct pkt *p, uint16_t sport, uint32_t seq)
{
	pkt_init(p);
	pkt_eth(p, if_mac, client_mac, 0);
	pkt_ipv4(p, &(struct pkt_ip4){ .src = CLIENT, .dst = VIP, .frag_off = PKT_IP4_DF });
	pkt_tcp(p, sport, 80, seq, 1, PKT_TCP_ACK);
	assert_int_equal(pkt_finish(p), 0);
}

/* A router's "fragmentation needed" about the backend's reply to flow sport. */
static void icmp_frame(struct pkt *p, uint16_t sport)
{
	struct pkt quote;

	pkt_init(&quote);
	pkt_ipv4(&quote, &(struct pkt_ip4){ .src = VIP, .dst = CLIENT });
	pkt_tcp(&quote, 80, sport, 1, 1, PKT_TCP_ACK);
	assert_int_equal(pkt_finish(&quote), 0);
	pkt_init(p);
	pkt_eth(p, if_mac, client_mac, 0);
	pkt_ipv4(p, &(struct pkt_ip4){ .src = "203.0.113.1", .dst = VIP });
	pkt_icmp(p, 3, 4, 1400);
	pkt_inner(p, quote.data, 28 + 8);
	assert_int_equal(pkt_finish(p), 0);
}

static void arp_frame(struct pkt *p)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t arp[28] = { 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01 };

	pkt_init(p);
	pkt_eth(p, bcast, client_mac, 0x0806);
	pkt_raw(p, arp, sizeof(arp));
	assert_int_equal(pkt_finish(p), 0);
}

/* The dispatcher until the data port is empty, then the workers until they are. */
static void run_all(void)
{
	unsigned int n;

	while (edgelb_dpdk_dispatch(&disp))
		;
	do {
		n = 0;
		for (int i = 0; i < N_WORKERS; i++) {
			n += edgelb_dpdk_poll(&wk[i]);
			edgelb_tables_lcore_quiescent(edgelb_tables_view(dp), (__u32)i);
		}
	} while (n);
}

static uint64_t slot_counter(int slot, enum edgelb_counter c)
{
	return edgelb_tables_lcore(edgelb_tables_view(dp), (__u32)slot)->counters[c];
}

static void test_flows_stay(void **state)
{
	struct pkt p, arp, vip[N_FLOWS];
	uint8_t out[PKT_MAX], seen[N_FLOWS][N_PKTS] = { { 0 } };
	int per_worker[N_WORKERS] = { 0 }, icmp_flow = 3;
	size_t len;

	(void)state;
	for (int f = 0; f < N_FLOWS; f++)
		worker_of[f] = -1;
	/* the flows interleaved, as they arrive on a wire; more than one burst */
	for (uint32_t k = 0; k < N_PKTS; k++)
		for (int f = 0; f < N_FLOWS; f++) {
			vip_frame(&p, (uint16_t)(SPORT0 + f), k);
			put(d_rx, &p);
		}
	arp_frame(&arp);
	put(d_rx, &arp);
	run_all();
	assert_int_equal(disp.rx, N_FLOWS * N_PKTS + 1);

	for (int i = 0; i < N_WORKERS; i++) {
		while ((len = take(d_tx[i], out))) {
			uint16_t sport;
			uint32_t seq;
			struct in_addr dst;

			/* as the golden table wants it of one lcore: IPIP to the backend */
			assert_int_equal(len, 14 + 20 + 20 + 20);
			assert_memory_equal(out, gw_mac, 6);
			assert_memory_equal(out + 6, if_mac, 6);
			assert_int_equal(out[14 + 9], IPPROTO_IPIP);
			memcpy(&dst, out + 14 + 16, 4);
			assert_string_equal(inet_ntoa(dst), BACKEND);
			memcpy(&sport, out + 34 + 20, 2);
			memcpy(&seq, out + 34 + 24, 4);
			sport = ntohs(sport);
			seq = ntohl(seq);
			assert_in_range(sport, SPORT0, SPORT0 + N_FLOWS - 1);
			assert_in_range(seq, 0, N_PKTS - 1);
			vip_frame(&vip[sport - SPORT0], sport, seq);
			assert_memory_equal(out + 34, vip[sport - SPORT0].data + 14, 40);
			/* exactly once, and every frame of a flow from one worker */
			assert_int_equal(seen[sport - SPORT0][seq]++, 0);
			if (worker_of[sport - SPORT0] < 0)
				worker_of[sport - SPORT0] = i;
			assert_int_equal(worker_of[sport - SPORT0], i);
		}
	}
	for (int f = 0; f < N_FLOWS; f++) {
		struct edgelb_flow_key key = { 0 };

		for (int k = 0; k < N_PKTS; k++)
			assert_int_equal(seen[f][k], 1);
		per_worker[worker_of[f]]++;
		/* its entry is in its worker's flow table, not in the other's */
		vip_frame(&p, (uint16_t)(SPORT0 + f), 0);
		key.family = EDGELB_AF_INET;
		key.proto = IPPROTO_TCP;
		memcpy(&key.src.v4, p.data + 14 + 12, 4);
		memcpy(&key.dst.v4, p.data + 14 + 16, 4);
		key.sport = htons((uint16_t)(SPORT0 + f));
		key.dport = htons(80);
		for (int i = 0; i < N_WORKERS; i++)
			assert_int_equal(edgelb_flow_table_lookup(&wk[i].lc.flows, &key) != NULL,
					 i == worker_of[f]);
	}
	/* both workers have flows; each counted its own new flows in its slot */
	for (int i = 0; i < N_WORKERS; i++) {
		assert_true(per_worker[i] > 0);
		assert_int_equal(edgelb_tables_lcore(edgelb_tables_view(dp), (__u32)i)->vip[1].new_flows,
				 per_worker[i]);
		assert_int_equal(wk[i].stats.tx, per_worker[i] * N_PKTS);
	}
	/* not a candidate: worker 0, to the kernel */
	assert_int_equal(wk[0].stats.pass, 1);
	assert_int_equal(slot_counter(0, EDGELB_EV_PASS_NOT_IP), 1);
	len = take(e_tx, out);
	assert_int_equal(len, arp.len);
	assert_memory_equal(out, arp.data, len);
	assert_int_equal(take(e_tx, out), 0);

	/* an ICMP error about a flow meets that flow's worker */
	icmp_frame(&p, (uint16_t)(SPORT0 + icmp_flow));
	put(d_rx, &p);
	run_all();
	assert_int_equal(slot_counter(worker_of[icmp_flow], EDGELB_EV_ICMP_FORWARDED), 1);
	assert_int_equal(slot_counter(!worker_of[icmp_flow], EDGELB_EV_ICMP_FORWARDED), 0);
	len = take(d_tx[worker_of[icmp_flow]], out);
	assert_int_equal(len, p.len + 20);
	assert_int_equal(take(d_tx[!worker_of[icmp_flow]], out), 0);

	/* the kernel's frames: worker 0 polls the TAP's one RX queue */
	arp_frame(&p);
	memcpy(p.data + 6, if_mac, 6);
	put(e_rx, &p);
	run_all();
	assert_int_equal(wk[0].stats.from_kernel, 1);
	assert_int_equal(wk[1].stats.from_kernel, 0);
	assert_int_equal(take(d_tx[0], out), p.len);
	assert_int_equal(rte_mempool_in_use_count(test_eal_pool()), 0);
}

/* A dispatcher ring that is full: the frames it refuses are freed and counted. */
static void test_ring_full(void **state)
{
	struct rte_ring *small = ring("small", 4); /* holds 3 */
	uint8_t out[PKT_MAX];
	struct pkt p;

	(void)state;
	vip_frame(&p, SPORT0, 100);
	for (int k = 0; k < 10; k++)
		put(d_rx, &p);
	disp.ports[0].to[0] = disp.ports[0].to[1] = small;
	memset(disp.ring_full, 0, sizeof(disp.ring_full));
	edgelb_dpdk_dispatch(&disp);
	assert_int_equal(disp.ring_full[0] + disp.ring_full[1], 7);
	assert_int_equal(rte_ring_count(small), 3);
	wk[0].ports[0].from_dispatcher = small;
	run_all();
	wk[0].ports[0].from_dispatcher = to[0];
	disp.ports[0].to[0] = to[0];
	disp.ports[0].to[1] = to[1];
	for (int k = 0; k < 3; k++)
		assert_int_not_equal(take(d_tx[0], out), 0);
	assert_int_equal(take(d_tx[0], out), 0);
	assert_int_equal(rte_mempool_in_use_count(test_eal_pool()), 0);
	rte_ring_free(small);
}

/* A worker lcore's loop, as edgelb-dpdk's (main.c: forward()). */
static int worker_loop(void *arg)
{
	struct edgelb_dpdk_worker *wp = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		edgelb_dpdk_poll(wp);
		edgelb_tables_lcore_quiescent(edgelb_tables_view(dp), wp->lc.slot);
	}
	return 0;
}

/*
 * The same flows again, and a frame per flow for an address that is not
 * a VIP (both workers send those to the one exception queue, under its
 * lock), with the workers running on their lcores while the main lcore
 * dispatches.
 */
static void test_lcores(void **state)
{
	uint8_t out[PKT_MAX], seen[N_FLOWS][N_PKTS] = { { 0 } };
	unsigned int lcore, wi = 0, n_up = 0, n_out = 0;
	struct pkt p;
	size_t len;

	(void)state;
	assert_int_equal(rte_lcore_count(), 1 + N_WORKERS);
	stop = 0;
	memset(disp.ring_full, 0, sizeof(disp.ring_full));
	RTE_LCORE_FOREACH_WORKER(lcore)
		assert_int_equal(rte_eal_remote_launch(worker_loop, &wk[wi++], lcore), 0);
	for (uint32_t k = 0; k < N_PKTS; k++)
		for (int f = 0; f < N_FLOWS; f++) {
			vip_frame(&p, (uint16_t)(SPORT0 + f), k);
			put(d_rx, &p);
			if (k)
				continue;
			pkt_init(&p);
			pkt_eth(&p, if_mac, client_mac, 0);
			pkt_ipv4(&p, &(struct pkt_ip4){ .src = CLIENT, .dst = "192.0.2.99" });
			pkt_tcp(&p, (uint16_t)(SPORT0 + f), 80, 1, 1, PKT_TCP_ACK);
			assert_int_equal(pkt_finish(&p), 0);
			put(d_rx, &p);
		}
	/* until the workers have sent all (10 s at most) */
	for (int t = 0; t < 10000000 && (rte_ring_count(d_tx[0]) + rte_ring_count(d_tx[1]) <
					 N_FLOWS * N_PKTS ||
					 rte_ring_count(e_tx) < N_FLOWS); t++)
		if (!edgelb_dpdk_dispatch(&disp))
			rte_pause();
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();

	for (int i = 0; i < N_WORKERS; i++)
		while ((len = take(d_tx[i], out))) {
			uint16_t sport;
			uint32_t seq;

			assert_int_equal(len, 14 + 20 + 20 + 20);
			memcpy(&sport, out + 34 + 20, 2);
			memcpy(&seq, out + 34 + 24, 4);
			sport = (uint16_t)(ntohs(sport) - SPORT0);
			seq = ntohl(seq);
			assert_in_range(sport, 0, N_FLOWS - 1);
			assert_in_range(seq, 0, N_PKTS - 1);
			assert_int_equal(seen[sport][seq]++, 0);
			assert_int_equal(worker_of[sport], i);
			n_out++;
		}
	assert_int_equal(n_out, N_FLOWS * N_PKTS);
	while (take(e_tx, out))
		n_up++;
	assert_int_equal(n_up, N_FLOWS);
	assert_int_equal(disp.ring_full[0] + disp.ring_full[1], 0);
	assert_int_equal(rte_mempool_in_use_count(test_eal_pool()), 0);
}

/* The dispatch hash of frame p. */
static uint32_t hash_of(const struct pkt *p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_eal_pool());
	uint32_t h;

	assert_non_null(m);
	m->data_off = RTE_PKTMBUF_HEADROOM + TEST_EAL_ALIGN;
	memcpy(rte_pktmbuf_append(m, (uint16_t)p->len), p->data, p->len);
	h = edgelb_dpdk_dispatch_hash(m);
	rte_pktmbuf_free(m);
	return h;
}

/*
 * IP packets that are no candidate (ICMP echo requests to the host here)
 * spread over the workers by address pair, each pair on one; ARP on 0.
 */
static void test_not_candidates_spread(void **state)
{
	unsigned int on[N_WORKERS] = { 0 };
	struct pkt p;

	(void)state;
	for (int i = 0; i < 32; i++) {
		char src[32];
		uint32_t h;

		snprintf(src, sizeof(src), "198.51.100.%d", i + 1);
		pkt_init(&p);
		pkt_eth(&p, if_mac, client_mac, 0);
		pkt_ipv4(&p, &(struct pkt_ip4){ .src = src, .dst = "192.0.2.200" });
		pkt_icmp(&p, 8, 0, 0);
		assert_int_equal(pkt_finish(&p), 0);
		h = hash_of(&p);
		assert_int_equal(hash_of(&p), h);
		on[h % N_WORKERS]++;
	}
	for (int i = 0; i < N_WORKERS; i++)
		assert_true(on[i] > 0);
	arp_frame(&p);
	assert_int_equal(hash_of(&p), 0);
	assert_int_equal(rte_mempool_in_use_count(test_eal_pool()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows_stay),
		cmocka_unit_test(test_ring_full),
		cmocka_unit_test(test_lcores),
		cmocka_unit_test(test_not_candidates_spread),
	};

	return cmocka_run_group_tests_name("dpdk_workers", tests, setup, teardown);
}
