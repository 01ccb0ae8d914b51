// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-dpdk: the DPDK data plane. EAL options, then "--", then ours
 * (edgelb-dpdk(8)). It maps the tables edgelbd writes (tables.h), starts
 * the data ports and their exception TAPs, and forwards on the main lcore
 * until SIGTERM or SIGINT, publishing its epoch after every round.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "options.h"
#include "ports.h"
#include "tables.h"
#include "worker.h"

#define N_MBUFS 16383
#define MBUF_CACHE 256

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int open_tables(const struct edgelb_dpdk_options *o, struct edgelb_tables **t)
{
	int err = edgelb_tables_open(o->tables, EDGELB_TABLES_DATAPLANE, t);

	if (err == -ENOENT && o->create) {
		struct edgelb_tables *w;

		/* empty tables: every frame goes to the kernel until edgelbd writes them */
		err = edgelb_tables_create(o->tables, NULL, &w);
		if (!err || err == -EEXIST) {
			edgelb_tables_close(err ? NULL : w);
			err = edgelb_tables_open(o->tables, EDGELB_TABLES_DATAPLANE, t);
		}
	}
	if (err == -EBUSY)
		fprintf(stderr, "edgelb-dpdk: %s: another data plane is attached\n", o->tables);
	else if (err)
		fprintf(stderr, "edgelb-dpdk: %s: %s%s\n", o->tables, strerror(-err),
			err == -ENOENT ? " (edgelbd creates it; or pass --create)" : "");
	return err;
}

/* Find and start every port; the node-config key of each data port. */
static int setup_ports(const struct edgelb_dpdk_options *o, struct rte_mempool *mp,
		       struct edgelb_dpdk_worker *w)
{
	for (unsigned int i = 0; i < o->n_ports; i++) {
		struct edgelb_dpdk_port *p = &w->ports[i];
		int err;

		p->exception = UINT16_MAX;
		err = edgelb_dpdk_port_find(o->data[i], &p->data);
		if (!err && o->exception[i])
			err = edgelb_dpdk_port_find(o->exception[i], &p->exception);
		if (err)
			return err;
		p->ifindex = o->ifindex[i];
		if (!p->ifindex && (p->exception == UINT16_MAX ||
				    edgelb_dpdk_port_ifindex(p->exception, &p->ifindex))) {
			fprintf(stderr, "edgelb-dpdk: --data %s: no exception TAP to take the "
					"ifindex of: give --ifindex\n", o->data[i]);
			return -EINVAL;
		}
		err = edgelb_dpdk_port_start(p->data, mp, true);
		if (err)
			return err;
		w->n_ports = i + 1;
		if (p->exception == UINT16_MAX)
			continue;
		/* before the start: a TAP takes the MAC while down (net_tap) */
		edgelb_dpdk_port_copy_mac(p->exception, p->data);
		err = edgelb_dpdk_port_start(p->exception, mp, false);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < o->n_ports; i++) {
		struct rte_ether_addr mac = { 0 };

		rte_eth_macaddr_get(w->ports[i].data, &mac);
		printf("edgelb-dpdk: port %s, MAC %02x:%02x:%02x:%02x:%02x:%02x"
		       ": node config of ifindex %u, exception port %s\n",
		       o->data[i], RTE_ETHER_ADDR_BYTES(&mac), w->ports[i].ifindex,
		       o->exception[i] ? o->exception[i] : "none");
	}
	return 0;
}

static void stop_ports(struct edgelb_dpdk_worker *w)
{
	for (unsigned int i = 0; i < w->n_ports; i++) {
		edgelb_dpdk_port_stop(w->ports[i].data);
		if (w->ports[i].exception != UINT16_MAX)
			edgelb_dpdk_port_stop(w->ports[i].exception);
	}
	w->n_ports = 0;
}

static void forward(struct edgelb_dpdk_worker *w)
{
	const struct edgelb_tables_view *tv = w->lc.tv;

	edgelb_tables_lcore_online(tv, w->lc.slot);
	while (!quit) {
		edgelb_dpdk_poll(w);
		/* nothing read from the tables is held past this point */
		edgelb_tables_lcore_quiescent(tv, w->lc.slot);
	}
	edgelb_tables_lcore_offline(tv, w->lc.slot);
}

static void print_stats(const struct edgelb_dpdk_stats *s)
{
	printf("edgelb-dpdk: stopped: rx %llu, tx %llu, to the kernel %llu, from the kernel %llu, "
	       "dropped %llu, tx queue full %llu, no exception port %llu\n",
	       (unsigned long long)s->rx, (unsigned long long)s->tx, (unsigned long long)s->pass,
	       (unsigned long long)s->from_kernel, (unsigned long long)s->drop,
	       (unsigned long long)s->tx_full, (unsigned long long)s->no_exception);
}

int main(int argc, char **argv)
{
	struct edgelb_dpdk_options o = { .tables = EDGELB_TABLES_DEFAULT_PATH,
			     .flows = EDGELB_FLOW_TABLE_SIZE };
	static struct edgelb_dpdk_worker w;
	struct edgelb_tables *t = NULL;
	struct rte_mempool *mp = NULL;
	int n, rc = 1, lc_ready = 0;

	if (!edgelb_dpdk_options_early(argc, argv))
		return 0;
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "edgelb-dpdk: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	if (edgelb_dpdk_options_parse(argc, argv, &o))
		goto out;
	if (rte_lcore_count() > 1)
		printf("edgelb-dpdk: %u lcores given; the main lcore forwards, the others idle\n",
		       rte_lcore_count());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (open_tables(&o, &t))
		goto out;
	/* slot 0: one forwarding lcore, one data plane per tables file */
	if (edgelb_dpdk_lcore_init(&w.lc, edgelb_tables_view(t), 0, o.flows, rte_rand(),
				   (int)rte_socket_id())) {
		fprintf(stderr, "edgelb-dpdk: no memory for %u flows\n", o.flows);
		goto out;
	}
	lc_ready = 1;
	/* the default data room: a jumbo frame arrives as a chain */
	mp = rte_pktmbuf_pool_create("edgelb_mbufs", N_MBUFS, MBUF_CACHE, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!mp) {
		fprintf(stderr, "edgelb-dpdk: mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	if (setup_ports(&o, mp, &w))
		goto out;
	printf("edgelb-dpdk: forwarding on lcore %u, tables %s\n", rte_lcore_id(), o.tables);
	fflush(stdout);
	forward(&w);
	print_stats(&w.stats);
	rc = 0;
out:
	stop_ports(&w);
	rte_mempool_free(mp);
	if (lc_ready)
		edgelb_dpdk_lcore_fini(&w.lc);
	edgelb_tables_close(t);
	rte_eal_cleanup();
	return rc;
}
