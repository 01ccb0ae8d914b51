// SPDX-License-Identifier: GPL-2.0-only
/* The poll loop body of a forwarding lcore (worker.h). */
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "target_dpdk.h" /* the context type target.h asks for */
#include "target.h"	 /* the verdicts */
#include "worker.h"

/*
 * Send n frames out of port/queue, under lock when another worker shares
 * the queue; what the queue refuses is freed and counted. Returns the
 * frames it took.
 */
static uint16_t send_burst(struct edgelb_dpdk_worker *w, uint16_t port, uint16_t queue,
		       rte_spinlock_t *lock, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;

	if (!n)
		return 0;
	if (lock) {
		rte_spinlock_lock(lock);
		sent = rte_eth_tx_burst(port, queue, pkts, n);
		rte_spinlock_unlock(lock);
	} else {
		sent = rte_eth_tx_burst(port, queue, pkts, n);
	}
	if (sent < n) {
		w->stats.tx_full += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, (unsigned int)(n - sent));
	}
	return sent;
}

static unsigned int poll_data(struct edgelb_dpdk_worker *w, const struct edgelb_dpdk_port *p)
{
	struct rte_mbuf *rx[EDGELB_DPDK_BURST], *tx[EDGELB_DPDK_BURST], *up[EDGELB_DPDK_BURST];
	uint8_t verdict[EDGELB_DPDK_BURST];
	uint16_t n, n_tx = 0, n_up = 0;

	if (p->from_dispatcher)
		n = (uint16_t)rte_ring_dequeue_burst(p->from_dispatcher, (void **)rx,
						     EDGELB_DPDK_BURST, NULL);
	else
		n = rte_eth_rx_burst(p->data, p->queue, rx, EDGELB_DPDK_BURST);
	if (!n)
		return 0;
	w->stats.rx += n;
	edgelb_dpdk_process_burst(&w->lc, rx, n, p->ifindex, verdict);
	for (uint16_t i = 0; i < n; i++) {
		switch (verdict[i]) {
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
	w->stats.pass += n_up;
	w->stats.tx += send_burst(w, p->data, p->txq, p->data_tx_lock, tx, n_tx);
	if (p->exception != UINT16_MAX) {
		send_burst(w, p->exception, p->exception_txq, p->exception_tx_lock, up, n_up);
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

	if (p->exception == UINT16_MAX || p->no_exception_rx)
		return 0;
	n = rte_eth_rx_burst(p->exception, p->queue, rx, EDGELB_DPDK_BURST);
	w->stats.from_kernel += n;
	send_burst(w, p->data, p->txq, p->data_tx_lock, rx, n);
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

/* Frames of one port by worker, then one enqueue burst per worker. */
static unsigned int dispatch_port(struct edgelb_dpdk_dispatcher *d, unsigned int i)
{
	struct rte_mbuf *rx[EDGELB_DPDK_BURST], *by[EDGELB_DPDK_MAX_WORKERS][EDGELB_DPDK_BURST];
	uint16_t n, n_by[EDGELB_DPDK_MAX_WORKERS] = { 0 };

	n = rte_eth_rx_burst(d->ports[i].data, 0, rx, EDGELB_DPDK_BURST);
	if (!n)
		return 0;
	d->rx += n;
	for (uint16_t k = 0; k < n; k++) {
		unsigned int wi = edgelb_dpdk_dispatch_hash(rx[k]) % d->n_workers;

		by[wi][n_by[wi]++] = rx[k];
	}
	for (unsigned int wi = 0; wi < d->n_workers; wi++) {
		unsigned int put;

		if (!n_by[wi])
			continue;
		put = rte_ring_enqueue_burst(d->ports[i].to[wi], (void **)by[wi], n_by[wi], NULL);
		if (put < n_by[wi]) {
			d->ring_full[wi] += n_by[wi] - put;
			rte_pktmbuf_free_bulk(by[wi] + put, n_by[wi] - put);
		}
	}
	return n;
}

unsigned int edgelb_dpdk_dispatch(struct edgelb_dpdk_dispatcher *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->n_ports; i++)
		n += dispatch_port(d, i);
	return n;
}
