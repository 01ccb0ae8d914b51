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

/*
 * Configure one RX and one TX queue, receiving into mp (frames larger
 * than an mbuf arrive as chains where the driver can scatter), and start.
 * A data port is promiscuous: frames for a VRRP virtual MAC are ours too.
 */
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
