// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lcore loop (dataplane/dpdk/worker.c) on ports made of rte_rings
 * (net_ring): a VIP frame leaves its data port encapsulated, ARP goes to
 * the exception port untouched, a malformed frame is freed, what the
 * kernel sends on the exception port leaves by the data port as it is;
 * a full TX queue and a missing exception port lose frames only counted;
 * every mbuf comes back to the pool. Ports are configured and started by
 * edgelb-dpdk's own port code (ports.c). No root.
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
#define RING_M 7

static const uint8_t if_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0x07 };

static struct edgelb_tables *w, *dp;
static struct edgelb_dpdk_worker wk;
static struct rte_ring *d_rx, *d_tx, *e_rx, *e_tx;
static uint16_t d_port, e_port;

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

	snprintf(path, sizeof(path), "/dev/shm/edgelb-test-worker-%ld", (long)getpid());
	unlink(path);
	assert_int_equal(edgelb_tables_create(path, &(struct edgelb_tables_opts){
							    .ring_slots = 1024, .max_lcores = 1 },
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
	(void)state;
	if (test_eal_start())
		return -1;
	tables();
	d_rx = ring("d_rx", 64);
	d_tx = ring("d_tx", 4); /* small: a burst overflows it */
	e_rx = ring("e_rx", 64);
	e_tx = ring("e_tx", 64);
	d_port = (uint16_t)rte_eth_from_rings("edgelb_d", &d_rx, 1, &d_tx, 1, SOCKET_ID_ANY);
	e_port = (uint16_t)rte_eth_from_rings("edgelb_e", &e_rx, 1, &e_tx, 1, SOCKET_ID_ANY);
	if (edgelb_dpdk_port_start(d_port, test_eal_pool(), true) ||
	    edgelb_dpdk_port_start(e_port, test_eal_pool(), false))
		return -1;
	if (edgelb_dpdk_lcore_init(&wk.lc, edgelb_tables_view(dp), 0, 1024, 1, SOCKET_ID_ANY))
		return -1;
	wk.n_ports = 1;
	wk.ports[0] = (struct edgelb_dpdk_port){ .data = d_port, .exception = e_port,
						 .ifindex = IFINDEX };
	edgelb_tables_lcore_online(edgelb_tables_view(dp), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	edgelb_tables_lcore_offline(edgelb_tables_view(dp), 0);
	edgelb_dpdk_lcore_fini(&wk.lc);
	edgelb_dpdk_port_stop(d_port);
	edgelb_dpdk_port_stop(e_port);
	rte_ring_free(d_rx);
	rte_ring_free(d_tx);
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

static void vip_frame(struct pkt *p, uint16_t sport)
{
	pkt_init(p);
	pkt_eth(p, if_mac, client_mac, 0);
	pkt_ipv4(p, &(struct pkt_ip4){ .src = "198.51.100.7", .dst = VIP,
				       .frag_off = PKT_IP4_DF });
	pkt_tcp(p, sport, 80, 1, 1, PKT_TCP_ACK);
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

static void stats_zero(void)
{
	memset(&wk.stats, 0, sizeof(wk.stats));
}

static void test_dispatch(void **state)
{
	struct pkt vip, arp, bad, from_kernel;
	uint8_t out[PKT_MAX];
	struct in_addr dst;
	size_t len;

	(void)state;
	stats_zero();
	vip_frame(&vip, 40000);
	arp_frame(&arp);
	vip_frame(&bad, 40001);
	bad.data[14] = 0x44; /* IHL 4: malformed */
	arp_frame(&from_kernel);
	memcpy(from_kernel.data + 6, if_mac, 6);
	put(d_rx, &vip);
	put(d_rx, &arp);
	put(d_rx, &bad);
	put(e_rx, &from_kernel);

	assert_int_equal(edgelb_dpdk_poll(&wk), 4);
	/* the VIP frame: IPIP to the backend, from our MAC to the gateway */
	len = take(d_tx, out);
	assert_int_equal(len, vip.len + 20);
	assert_memory_equal(out, gw_mac, 6);
	assert_memory_equal(out + 6, if_mac, 6);
	assert_int_equal(out[14 + 9], IPPROTO_IPIP);
	memcpy(&dst, out + 14 + 16, 4);
	assert_string_equal(inet_ntoa(dst), BACKEND);
	assert_memory_equal(out + 34, vip.data + 14, vip.len - 14);
	/* what the kernel sent, as it was */
	len = take(d_tx, out);
	assert_int_equal(len, from_kernel.len);
	assert_memory_equal(out, from_kernel.data, len);
	assert_int_equal(take(d_tx, out), 0);
	/* ARP to the kernel, untouched */
	len = take(e_tx, out);
	assert_int_equal(len, arp.len);
	assert_memory_equal(out, arp.data, len);
	assert_int_equal(take(e_tx, out), 0);

	assert_int_equal(wk.stats.rx, 3);
	assert_int_equal(wk.stats.tx, 1);
	assert_int_equal(wk.stats.pass, 1);
	assert_int_equal(wk.stats.drop, 1);
	assert_int_equal(wk.stats.from_kernel, 1);
	assert_int_equal(rte_mempool_in_use_count(test_eal_pool()), 0);
	/* counted in the shared tables, where edgelbd reads them */
	{
		uint64_t n;

		assert_int_equal(edgelb_tables_counter(w, EDGELB_DROP_MALFORMED, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(edgelb_tables_counter(w, EDGELB_EV_PASS_NOT_IP, &n), 0);
		assert_int_equal(n, 1);
	}
}

/* The TX ring holds 3: of 6 forwarded frames, 3 are sent and 3 freed and counted. */
static void test_tx_full(void **state)
{
	uint8_t out[PKT_MAX];
	struct pkt vip;

	(void)state;
	stats_zero();
	for (uint16_t i = 0; i < 6; i++) {
		vip_frame(&vip, (uint16_t)(41000 + i));
		put(d_rx, &vip);
	}
	assert_int_equal(edgelb_dpdk_poll(&wk), 6);
	assert_int_equal(wk.stats.tx, 3);
	assert_int_equal(wk.stats.tx_full, 3);
	for (int i = 0; i < 3; i++)
		assert_int_not_equal(take(d_tx, out), 0);
	assert_int_equal(rte_mempool_in_use_count(test_eal_pool()), 0);
}

/* Without an exception port, what is not for a VIP is freed and counted. */
static void test_no_exception_port(void **state)
{
	uint8_t out[PKT_MAX];
	struct pkt arp;

	(void)state;
	stats_zero();
	wk.ports[0].exception = UINT16_MAX;
	arp_frame(&arp);
	put(d_rx, &arp);
	put(e_rx, &arp); /* not polled now */
	assert_int_equal(edgelb_dpdk_poll(&wk), 1);
	assert_int_equal(wk.stats.no_exception, 1);
	assert_int_equal(take(e_tx, out), 0);
	wk.ports[0].exception = e_port;
	assert_int_equal(edgelb_dpdk_poll(&wk), 1); /* the kernel's frame, now */
	assert_int_not_equal(take(d_tx, out), 0);
	assert_int_equal(rte_mempool_in_use_count(test_eal_pool()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_tx_full),
		cmocka_unit_test(test_no_exception_port),
	};

	return cmocka_run_group_tests_name("dpdk_worker", tests, setup, teardown);
}
