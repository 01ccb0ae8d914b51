/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The run-to-completion loop of a forwarding lcore: receive a burst on a
 * data port, run each frame through the core, send what it rewrote back
 * out of that port, hand what is not for a VIP to the port's exception
 * port (a TAP the kernel owns), free what it dropped; then send what the
 * kernel wrote to the TAP out of the data port. Between two rounds the
 * lcore holds nothing of the tables and says so (its epoch).
 *
 * One lcore forwards today. More would each own one RX queue of every
 * data port and one TX queue of every port: RSS on the IP addresses and
 * ports (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) keeps a
 * flow's packets on one queue, hence one lcore and one flow table, as the
 * NIC's RSS does for the XDP target's per-CPU tables; where a port has no
 * RSS (af_packet, pcap, a single-queue af_xdp), one RX lcore would pick
 * the worker by edgelb_flow_hash() and pass the mbuf on an rte_ring. The
 * exception ports stay with one lcore: the kernel's traffic is small.
 */
#ifndef EDGELB_DPDK_WORKER_H
#define EDGELB_DPDK_WORKER_H

#include <stdint.h>

#include "lcore.h"

#define EDGELB_DPDK_MAX_PORTS 8
#define EDGELB_DPDK_BURST 32

/* A data port and what goes with it. */
struct edgelb_dpdk_port {
	uint16_t data;	    /* DPDK port id */
	uint16_t exception; /* DPDK port id of its TAP, or UINT16_MAX: none */
	uint16_t queue;	    /* this lcore's RX and TX queue on both */
	uint16_t pad;
	uint32_t ifindex; /* node-config key of frames from data (edgelb-dpdk(8)) */
};

/* What one lcore did; only it writes these. */
struct edgelb_dpdk_stats {
	uint64_t rx, tx, pass, drop;
	uint64_t from_kernel; /* exception port -> data port */
	uint64_t tx_full;     /* frames a full TX queue refused, freed */
	uint64_t no_exception; /* passes with no exception port, freed */
};

struct edgelb_dpdk_worker {
	struct edgelb_dpdk_lcore lc;
	struct edgelb_dpdk_port ports[EDGELB_DPDK_MAX_PORTS];
	unsigned int n_ports;
	struct edgelb_dpdk_stats stats;
};

/*
 * One round over every port: at most one burst from each data port and
 * each exception port. Returns the frames received. Call
 * edgelb_tables_lcore_quiescent() between rounds.
 */
unsigned int edgelb_dpdk_poll(struct edgelb_dpdk_worker *w);

#endif /* EDGELB_DPDK_WORKER_H */
