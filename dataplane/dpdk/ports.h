/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ports of edgelb-dpdk: finding them by name, starting and stopping them,
 * and the kernel's view of an exception TAP. Every function returning int
 * returns 0 or a negative errno, with a message on stderr.
 */
#ifndef EDGELB_DPDK_PORTS_H
#define EDGELB_DPDK_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

/* spec: a device name (net_tap0, 0000:03:00.0) or a port number. */
int edgelb_dpdk_port_find(const char *spec, uint16_t *port);

#define EDGELB_DPDK_RX_DESC 1024
#define EDGELB_DPDK_TX_DESC 1024

/* The queues of a port, and whether its RX queues are spread by RSS. */
struct edgelb_dpdk_queues {
	uint16_t rx, tx;
	bool rss;
};

/*
 * The queues port gets for n workers. A data port (rss_wanted): one RX
 * queue per worker with RSS when it hashes IP addresses and TCP/UDP
 * ports into that many queues, else one (a dispatcher reads it). Any
 * port: one TX queue per worker, or as many as it has (shared, under a
 * lock); an exception port as many RX queues as TX queues (net_tap pairs
 * them). 0 or a negative errno.
 */
int edgelb_dpdk_port_plan(uint16_t port, unsigned int n_workers, bool rss_wanted,
			  struct edgelb_dpdk_queues *q);

/*
 * Configure q's queues, receiving into mp (frames larger than an mbuf
 * arrive as chains where the driver can scatter), and start. With q->rss,
 * RSS over IPv4/IPv6 addresses and TCP/UDP ports with a symmetric key
 * (both directions of a flow hash alike; and the same key on every run).
 * A data port is promiscuous: frames for a VRRP virtual MAC are ours too.
 */
int edgelb_dpdk_port_start_queues(uint16_t port, struct rte_mempool *mp, bool promiscuous,
				  const struct edgelb_dpdk_queues *q);

/* One RX and one TX queue. */
int edgelb_dpdk_port_start(uint16_t port, struct rte_mempool *mp, bool promiscuous);
void edgelb_dpdk_port_stop(uint16_t port);

/* The kernel interface behind port (a TAP, af_packet, af_xdp): its ifindex, or -ENODEV. */
int edgelb_dpdk_port_ifindex(uint16_t port, uint32_t *ifindex);

/*
 * The TAP takes the data port's MAC: the kernel answers ARP and ND, and
 * sends VRRP, with the address the wire knows.
 */
int edgelb_dpdk_port_copy_mac(uint16_t tap, uint16_t data);

#endif /* EDGELB_DPDK_PORTS_H */
