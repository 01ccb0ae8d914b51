/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The run-to-completion loop of a forwarding lcore: receive a burst on a
 * data port, run each frame through the core, send what it rewrote back
 * out of that port, hand what is not for a VIP to the port's exception
 * port (a TAP the kernel owns), free what it dropped; then send what the
 * kernel wrote to the TAP out of the data port. Between two rounds the
 * lcore holds nothing of the tables and says so (its epoch).
 *
 * Several lcores (edgelb-dpdk(8), "Lcores"): each worker owns one
 * struct edgelb_dpdk_worker, its lcore slot in the tables (epoch and
 * counters) and its flow table, and a flow must always meet the same
 * worker. A data port with RSS gives each worker an RX queue of its own
 * (RSS on addresses and ports keeps a flow on one queue, as a NIC's RSS
 * does for the XDP target's per-CPU tables); a port without (af_packet,
 * pcap, ring, single-queue af_xdp) is read by one dispatcher lcore, which
 * hands each frame to the worker of the core's flow hash over an rte_ring
 * (struct edgelb_dpdk_dispatcher). TX queues: one per worker and port
 * where the PMD has them; a worker whose queue another one shares takes
 * that queue's lock (a PMD's TX burst is not thread-safe). The exception
 * TAP's RX queues are polled by the workers that have one (the kernel
 * spreads its frames over a multi-queue TAP); what a worker reads from
 * the TAP leaves on its own TX queue of the data port.
 */
#ifndef EDGELB_DPDK_WORKER_H
#define EDGELB_DPDK_WORKER_H

#include <stdint.h>

#include <rte_ring.h>
#include <rte_spinlock.h>

#include "lcore.h"

#define EDGELB_DPDK_MAX_PORTS 8
#define EDGELB_DPDK_BURST 32
#define EDGELB_DPDK_MAX_WORKERS 64

/*
 * A data port and what goes with it, as one worker sees it. Zeroed
 * fields (but exception) are the single-lcore case: queue 0 of
 * everything, read from the port itself, no lock.
 */
struct edgelb_dpdk_port {
	uint16_t data;	    /* DPDK port id */
	uint16_t exception; /* DPDK port id of its TAP, or UINT16_MAX: none */
	uint16_t queue;	    /* this worker's RX queue on data and exception */
	uint16_t txq;	    /* this worker's TX queue on data */
	uint32_t ifindex; /* node-config key of frames from data (edgelb-dpdk(8)) */
	uint16_t exception_txq;	 /* this worker's TX queue on exception */
	uint8_t no_exception_rx; /* the TAP has no RX queue for this worker */
	uint8_t pad;
	struct rte_ring *from_dispatcher; /* set: data's frames come from here, not RX */
	rte_spinlock_t *data_tx_lock;	  /* set: txq of data is shared with another worker */
	rte_spinlock_t *exception_tx_lock; /* the same for exception */
};

/* What one lcore did; only it writes these. */
struct edgelb_dpdk_stats {
	uint64_t rx;
	uint64_t tx;   /* rewritten frames the data port's TX queue took */
	uint64_t pass; /* frames for the kernel, sent or not (tx_full, no_exception) */
	uint64_t drop;
	uint64_t from_kernel; /* exception port -> data port */
	uint64_t tx_full;     /* frames a full TX queue refused, freed */
	uint64_t no_exception; /* passes with no exception port, freed */
};

/*
 * The dispatcher of data ports without RSS: reads queue 0 of each, and
 * puts each frame on the ring of worker edgelb_dpdk_dispatch_hash() %
 * n_workers. A ring holds a bounded number of frames (a worker that falls
 * behind loses frames, counted, rather than exhausting the mbuf pool).
 */
struct edgelb_dpdk_dispatcher {
	unsigned int n_ports, n_workers;
	struct {
		uint16_t data;
		uint16_t pad[3];
		struct rte_ring *to[EDGELB_DPDK_MAX_WORKERS]; /* single producer and consumer */
	} ports[EDGELB_DPDK_MAX_PORTS];
	uint64_t rx;
	uint64_t ring_full[EDGELB_DPDK_MAX_WORKERS]; /* frames a full ring refused, freed */
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

/*
 * The hash that picks a frame's worker: the core's flow hash of the key
 * the parser makes (an ICMP error's key is the flow it quotes, so it
 * meets that flow's worker), ports zeroed for a fragment (later fragments
 * have none: every fragment of a datagram meets one worker); for an IP
 * packet that is not a candidate, the hash of its addresses alone; 0 for
 * a frame without an IP header (ARP).
 */
uint32_t edgelb_dpdk_dispatch_hash(const struct rte_mbuf *m);

/* One burst from each port of d to the workers' rings. Returns the frames received. */
unsigned int edgelb_dpdk_dispatch(struct edgelb_dpdk_dispatcher *d);

#endif /* EDGELB_DPDK_WORKER_H */
