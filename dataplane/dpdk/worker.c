// SPDX-License-Identifier: GPL-2.0-only
/* The poll loop body of a forwarding lcore (worker.h). */
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "target_dpdk.h" /* the context type target.h asks for */
#include "target.h"	 /* the verdicts */
#include "worker.h"

/* Send n frames out of port/queue; what the queue refuses is freed and counted. */
static void send_burst(struct edgelb_dpdk_worker *w, uint16_t port, uint16_t queue,
		       struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;

	if (!n)
		return;
	sent = rte_eth_tx_burst(port, queue, pkts, n);
	if (sent < n) {
		w->stats.tx_full += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, (unsigned int)(n - sent));
	}
}

static unsigned int poll_data(struct edgelb_dpdk_worker *w, const struct edgelb_dpdk_port *p)
{
	struct rte_mbuf *rx[EDGELB_DPDK_BURST], *tx[EDGELB_DPDK_BURST], *up[EDGELB_DPDK_BURST];
	uint16_t n, n_tx = 0, n_up = 0;

	n = rte_eth_rx_burst(p->data, p->queue, rx, EDGELB_DPDK_BURST);
	if (!n)
		return 0;
	w->stats.rx += n;
	for (uint16_t i = 0; i < n; i++) {
		switch (edgelb_dpdk_process(&w->lc, rx[i], p->ifindex)) {
		case EDGELB_V_TX:
			tx[n_tx++] = rx[i];
			break;
		case EDGELB_V_PASS:
			up[n_up++] = rx[i];
			break;
		default:
			w->stats.drop++;
			rte_pktmbuf_free(rx[i]);
		}
	}
	w->stats.tx += n_tx;
	w->stats.pass += n_up;
	send_burst(w, p->data, p->queue, tx, n_tx);
	if (p->exception != UINT16_MAX) {
		send_burst(w, p->exception, p->queue, up, n_up);
	} else if (n_up) {
		w->stats.no_exception += n_up;
		rte_pktmbuf_free_bulk(up, n_up);
	}
	return n;
}

/* What the kernel sends through the TAP (ARP and ND replies, VRRP, health checks) leaves as is. */
static unsigned int poll_exception(struct edgelb_dpdk_worker *w, const struct edgelb_dpdk_port *p)
{
	struct rte_mbuf *rx[EDGELB_DPDK_BURST];
	uint16_t n;

	if (p->exception == UINT16_MAX)
		return 0;
	n = rte_eth_rx_burst(p->exception, p->queue, rx, EDGELB_DPDK_BURST);
	w->stats.from_kernel += n;
	send_burst(w, p->data, p->queue, rx, n);
	return n;
}

unsigned int edgelb_dpdk_poll(struct edgelb_dpdk_worker *w)
{
	unsigned int n = 0;

	edgelb_dpdk_lcore_tick(&w->lc);
	for (unsigned int i = 0; i < w->n_ports; i++) {
		n += poll_data(w, &w->ports[i]);
		n += poll_exception(w, &w->ports[i]);
	}
	return n;
}
