// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-dpdk: the DPDK data plane. EAL options, then "--", then ours
 * (edgelb-dpdk(8)). It maps the tables edgelbd writes (tables.h), starts
 * the data ports and their exception TAPs, and forwards on every lcore EAL
 * gives it (-l, --lcores) until SIGTERM or SIGINT, each worker publishing
 * its epoch after every round (worker.h: how flows stay on one worker).
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
#include <rte_launch.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "options.h"
#include "ports.h"
#include "tables.h"
#include "worker.h"

#define N_MBUFS 16383
#define MBUF_CACHE 256
/*
 * Frames a dispatcher ring holds per worker and port: a few hundred
 * bursts, so a worker that is busy for a moment loses nothing, while a
 * worker that cannot keep up loses frames (counted) instead of holding
 * the pool's mbufs.
 */
#define DISPATCH_RING 1024

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int stopping(void)
{
	return __atomic_load_n(&quit, __ATOMIC_RELAXED);
}

/* The process's lcores, ports and queues, from main() to the workers. */
struct plan {
	unsigned int n_workers;
	bool dispatcher; /* the main lcore dispatches; workers on the others */
	uint16_t data[EDGELB_DPDK_MAX_PORTS], exception[EDGELB_DPDK_MAX_PORTS];
	uint32_t ifindex[EDGELB_DPDK_MAX_PORTS];
	struct edgelb_dpdk_queues dq[EDGELB_DPDK_MAX_PORTS], eq[EDGELB_DPDK_MAX_PORTS];
	unsigned int n_started; /* ports started, data and exception in order */
};

static struct edgelb_dpdk_worker workers[EDGELB_DPDK_MAX_WORKERS];
static unsigned int n_lc_ready;
static struct edgelb_dpdk_dispatcher disp;
/* [port][0: data, 1: exception][queue]: queues fewer than the workers are shared */
static rte_spinlock_t tx_locks[EDGELB_DPDK_MAX_PORTS][2][EDGELB_DPDK_MAX_WORKERS];

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

/* Find every port; the node-config key of each data port. */
static int find_ports(const struct edgelb_dpdk_options *o, struct plan *pl)
{
	for (unsigned int i = 0; i < o->n_ports; i++) {
		int err;

		pl->exception[i] = UINT16_MAX;
		err = edgelb_dpdk_port_find(o->data[i], &pl->data[i]);
		if (!err && o->exception[i])
			err = edgelb_dpdk_port_find(o->exception[i], &pl->exception[i]);
		if (err)
			return err;
		pl->ifindex[i] = o->ifindex[i];
		if (!pl->ifindex[i] &&
		    (pl->exception[i] == UINT16_MAX ||
		     edgelb_dpdk_port_ifindex(pl->exception[i], &pl->ifindex[i]))) {
			fprintf(stderr, "edgelb-dpdk: --data %s: no exception TAP to take the "
					"ifindex of: give --ifindex\n", o->data[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * How many workers, and who dispatches: every lcore is a worker when each
 * data port spreads flows by RSS over that many queues; else the main
 * lcore dispatches for the ports that cannot, and the others are workers.
 * Two lcores and no RSS: one worker, the main lcore (a dispatcher feeding
 * a single worker only adds a hop).
 */
static int plan_queues(const struct edgelb_dpdk_options *o, struct plan *pl,
		       unsigned int max_lcores)
{
	unsigned int n = rte_lcore_count();
	bool all_rss = true;

	for (int pass = 0; pass < 2; pass++) {
		pl->n_workers = n;
		all_rss = true;
		for (unsigned int i = 0; i < o->n_ports; i++) {
			int err = edgelb_dpdk_port_plan(pl->data[i], n, true, &pl->dq[i]);

			if (err)
				return err;
			all_rss &= pl->dq[i].rss || n == 1;
		}
		if (all_rss || pass)
			break;
		n = n > 2 ? n - 1 : 1;
		pl->dispatcher = n > 1;
	}
	if (pl->n_workers > EDGELB_DPDK_MAX_WORKERS || pl->n_workers > max_lcores) {
		fprintf(stderr, "edgelb-dpdk: %u workers, but at most %u (%u lcore slots in the tables "
				"file)\n", pl->n_workers,
			RTE_MIN((unsigned int)EDGELB_DPDK_MAX_WORKERS, max_lcores), max_lcores);
		return -ERANGE;
	}
	for (unsigned int i = 0; i < o->n_ports; i++) {
		int err;

		if (pl->exception[i] == UINT16_MAX)
			continue;
		err = edgelb_dpdk_port_plan(pl->exception[i], pl->n_workers, false, &pl->eq[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Enough mbufs for every queue and ring full at once, and the lcores' caches. */
static unsigned int pool_size(const struct edgelb_dpdk_options *o, const struct plan *pl)
{
	unsigned long n = 4096 + (unsigned long)rte_lcore_count() * (MBUF_CACHE + 4 * EDGELB_DPDK_BURST);
	unsigned int size = N_MBUFS + 1;

	for (unsigned int i = 0; i < o->n_ports; i++) {
		n += (unsigned long)pl->dq[i].rx * EDGELB_DPDK_RX_DESC +
		     (unsigned long)pl->dq[i].tx * EDGELB_DPDK_TX_DESC;
		n += (unsigned long)pl->eq[i].rx * EDGELB_DPDK_RX_DESC +
		     (unsigned long)pl->eq[i].tx * EDGELB_DPDK_TX_DESC;
		if (pl->dispatcher && !pl->dq[i].rss)
			n += (unsigned long)pl->n_workers * DISPATCH_RING;
	}
	while (size < n + 1)
		size <<= 1;
	return size - 1; /* a mempool's best size: a power of two minus one */
}

/* Start every port with its planned queues. */
static int start_ports(const struct edgelb_dpdk_options *o, struct plan *pl,
		       struct rte_mempool *mp)
{
	for (unsigned int i = 0; i < o->n_ports; i++) {
		int err = edgelb_dpdk_port_start_queues(pl->data[i], mp, true, &pl->dq[i]);

		if (err)
			return err;
		pl->n_started = 2 * i + 1;
		if (pl->exception[i] == UINT16_MAX)
			continue;
		/* before the start: a TAP takes the MAC while down (net_tap) */
		edgelb_dpdk_port_copy_mac(pl->exception[i], pl->data[i]);
		err = edgelb_dpdk_port_start_queues(pl->exception[i], mp, false, &pl->eq[i]);
		if (err)
			return err;
		pl->n_started = 2 * i + 2;
	}
	for (unsigned int i = 0; i < o->n_ports; i++) {
		struct rte_ether_addr mac = { 0 };

		rte_eth_macaddr_get(pl->data[i], &mac);
		printf("edgelb-dpdk: port %s, MAC %02x:%02x:%02x:%02x:%02x:%02x"
		       ": node config of ifindex %u, exception port %s\n",
		       o->data[i], RTE_ETHER_ADDR_BYTES(&mac), pl->ifindex[i],
		       o->exception[i] ? o->exception[i] : "none");
		printf("edgelb-dpdk: port %s: %u RX queue%s (%s), %u TX queue%s%s\n", o->data[i],
		       pl->dq[i].rx, pl->dq[i].rx > 1 ? "s" : "",
		       pl->dq[i].rss ? "RSS" : pl->dispatcher ? "dispatched" : "one worker",
		       pl->dq[i].tx, pl->dq[i].tx > 1 ? "s" : "",
		       pl->dq[i].tx < pl->n_workers ? ", shared under a lock" : "");
	}
	return 0;
}

static void stop_ports(struct plan *pl)
{
	for (unsigned int k = 0; k < pl->n_started; k++) {
		uint16_t port = k & 1 ? pl->exception[k / 2] : pl->data[k / 2];

		if (port != UINT16_MAX)
			edgelb_dpdk_port_stop(port);
	}
	pl->n_started = 0;
}

/* Each worker's view of the ports, and the dispatcher's rings to it. */
static int setup_workers(const struct edgelb_dpdk_options *o, const struct plan *pl,
			 const struct edgelb_tables_view *tv, uint32_t flows)
{
	uint64_t seed = rte_rand();

	for (unsigned int wi = 0; wi < pl->n_workers; wi++) {
		struct edgelb_dpdk_worker *w = &workers[wi];

		/* the seed of the flow table's sets: one per process is enough */
		if (edgelb_dpdk_lcore_init(&w->lc, tv, wi, flows, seed, (int)rte_socket_id())) {
			fprintf(stderr, "edgelb-dpdk: no memory for %u flows\n", flows);
			return -ENOMEM;
		}
		n_lc_ready = wi + 1;
		w->n_ports = o->n_ports;
		for (unsigned int i = 0; i < o->n_ports; i++) {
			struct edgelb_dpdk_port *p = &w->ports[i];

			*p = (struct edgelb_dpdk_port){ .data = pl->data[i],
							.exception = pl->exception[i],
							.ifindex = pl->ifindex[i],
							.queue = (uint16_t)wi };
			p->txq = (uint16_t)(wi % pl->dq[i].tx);
			if (pl->dq[i].tx < pl->n_workers)
				p->data_tx_lock = &tx_locks[i][0][p->txq];
			if (p->exception == UINT16_MAX)
				continue;
			p->exception_txq = (uint16_t)(wi % pl->eq[i].tx);
			if (pl->eq[i].tx < pl->n_workers)
				p->exception_tx_lock = &tx_locks[i][1][p->exception_txq];
			p->no_exception_rx = wi >= pl->eq[i].rx;
		}
	}
	if (!pl->dispatcher)
		return 0;
	disp.n_workers = pl->n_workers;
	for (unsigned int i = 0; i < o->n_ports; i++) {
		if (pl->dq[i].rss)
			continue;
		disp.ports[disp.n_ports].data = pl->data[i];
		for (unsigned int wi = 0; wi < pl->n_workers; wi++) {
			char name[RTE_RING_NAMESIZE];
			struct rte_ring *r;

			/* i < 8, wi < 64: short enough for a ring name */
			snprintf(name, sizeof(name), "edgelb_p%u_w%u", (uint8_t)i, (uint8_t)wi);
			r = rte_ring_create(name, DISPATCH_RING, (int)rte_socket_id(),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!r) {
				fprintf(stderr, "edgelb-dpdk: ring %s: %s\n", name,
					rte_strerror(rte_errno));
				return -ENOMEM;
			}
			disp.ports[disp.n_ports].to[wi] = r;
			workers[wi].ports[i].from_dispatcher = r;
		}
		disp.n_ports++;
	}
	return 0;
}

/* Free the frames the dispatcher's rings still hold, and the rings. */
static void free_rings(void)
{
	for (unsigned int i = 0; i < disp.n_ports; i++)
		for (unsigned int wi = 0; wi < disp.n_workers; wi++) {
			struct rte_ring *r = disp.ports[i].to[wi];
			struct rte_mbuf *m;

			while (r && !rte_ring_dequeue(r, (void **)&m))
				rte_pktmbuf_free(m);
			rte_ring_free(r);
			disp.ports[i].to[wi] = NULL;
		}
}

static int forward(void *arg)
{
	struct edgelb_dpdk_worker *w = arg;
	const struct edgelb_tables_view *tv = w->lc.tv;

	edgelb_tables_lcore_online(tv, w->lc.slot);
	while (!stopping()) {
		edgelb_dpdk_poll(w);
		/* nothing read from the tables is held past this point */
		edgelb_tables_lcore_quiescent(tv, w->lc.slot);
	}
	edgelb_tables_lcore_offline(tv, w->lc.slot);
	return 0;
}

static void dispatch(void)
{
	while (!stopping())
		edgelb_dpdk_dispatch(&disp);
}

/* Every worker on its lcore: the main lcore is worker 0, or the dispatcher. */
static int run(const struct plan *pl)
{
	unsigned int lcore, wi = pl->dispatcher ? 0 : 1;
	int rc = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (wi >= pl->n_workers)
			break; /* two lcores, no RSS: one worker (plan_queues) */
		if (rte_eal_remote_launch(forward, &workers[wi], lcore)) {
			fprintf(stderr, "edgelb-dpdk: lcore %u did not start\n", lcore);
			quit = 1;
			rc = -1;
			break;
		}
		printf("edgelb-dpdk: worker %u on lcore %u\n", wi, lcore);
		wi++;
	}
	if (!rc) {
		if (pl->dispatcher)
			printf("edgelb-dpdk: dispatcher on lcore %u\n", rte_lcore_id());
		else
			printf("edgelb-dpdk: worker 0 on lcore %u\n", rte_lcore_id());
		printf("edgelb-dpdk: forwarding on %u worker%s\n", pl->n_workers,
		       pl->n_workers > 1 ? "s" : "");
		fflush(stdout);
		if (pl->dispatcher)
			dispatch();
		else
			forward(&workers[0]);
	}
	/* every lcore is offline and idle after this */
	rte_eal_mp_wait_lcore();
	return rc;
}

static void add_stats(struct edgelb_dpdk_stats *sum, const struct edgelb_dpdk_stats *s)
{
	sum->rx += s->rx;
	sum->tx += s->tx;
	sum->pass += s->pass;
	sum->drop += s->drop;
	sum->from_kernel += s->from_kernel;
	sum->tx_full += s->tx_full;
	sum->no_exception += s->no_exception;
}

static void print_stats(const struct plan *pl)
{
	struct edgelb_dpdk_stats s = { 0 };
	uint64_t ring_full = 0;

	for (unsigned int wi = 0; wi < pl->n_workers; wi++) {
		const struct edgelb_dpdk_stats *ws = &workers[wi].stats;

		add_stats(&s, ws);
		ring_full += disp.ring_full[wi];
		if (pl->n_workers > 1)
			printf("edgelb-dpdk: worker %u: rx %llu, tx %llu, to the kernel %llu, "
			       "from the kernel %llu, dropped %llu, dispatcher ring full %llu\n", wi,
			       (unsigned long long)ws->rx, (unsigned long long)ws->tx,
			       (unsigned long long)ws->pass, (unsigned long long)ws->from_kernel,
			       (unsigned long long)ws->drop,
			       (unsigned long long)disp.ring_full[wi]);
	}
	if (pl->dispatcher)
		printf("edgelb-dpdk: dispatcher: rx %llu\n", (unsigned long long)disp.rx);
	printf("edgelb-dpdk: stopped: rx %llu, tx %llu, to the kernel %llu, from the kernel %llu, "
	       "dropped %llu, tx queue full %llu, no exception port %llu, "
	       "dispatcher ring full %llu\n",
	       (unsigned long long)s.rx, (unsigned long long)s.tx, (unsigned long long)s.pass,
	       (unsigned long long)s.from_kernel, (unsigned long long)s.drop,
	       (unsigned long long)s.tx_full, (unsigned long long)s.no_exception,
	       (unsigned long long)ring_full);
}

int main(int argc, char **argv)
{
	struct edgelb_dpdk_options o = { .tables = EDGELB_TABLES_DEFAULT_PATH,
			     .flows = EDGELB_FLOW_TABLE_SIZE };
	static struct plan pl;
	struct edgelb_tables *t = NULL;
	struct rte_mempool *mp = NULL;
	int n, rc = 1;

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
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (open_tables(&o, &t))
		goto out;
	if (find_ports(&o, &pl) || plan_queues(&o, &pl, edgelb_tables_view(t)->max_lcores))
		goto out;
	if (rte_lcore_count() > 1 && pl.n_workers + pl.dispatcher < rte_lcore_count())
		printf("edgelb-dpdk: %u lcores given; no port spreads flows by RSS: one worker, "
		       "the others idle\n", rte_lcore_count());
	/* the default data room: a jumbo frame arrives as a chain */
	mp = rte_pktmbuf_pool_create("edgelb_mbufs", pool_size(&o, &pl), MBUF_CACHE, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!mp) {
		fprintf(stderr, "edgelb-dpdk: mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	if (start_ports(&o, &pl, mp) ||
	    setup_workers(&o, &pl, edgelb_tables_view(t), o.flows))
		goto out;
	printf("edgelb-dpdk: tables %s\n", o.tables);
	if (run(&pl))
		goto out;
	print_stats(&pl);
	rc = 0;
out:
	stop_ports(&pl);
	free_rings();
	rte_mempool_free(mp);
	for (unsigned int wi = 0; wi < n_lc_ready; wi++)
		edgelb_dpdk_lcore_fini(&workers[wi].lc);
	edgelb_tables_close(t);
	rte_eal_cleanup();
	return rc;
}
