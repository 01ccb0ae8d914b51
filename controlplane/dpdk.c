// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPDK data plane's tables, written by edgelbd: see dpdk.h. The file
 * and its concurrency rules are dataplane/dpdk/tables.h's; this file adds
 * what edgelbd needs on top: ring placement (ring_store.h) on the tables'
 * grace periods, the VIP entries as the model gave them (to re-point them
 * at a new ring), the node config of each exception TAP, adoption.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>

#include "dpdk.h"
#include "flow_table.h"
#include "if_mac.h"
#include "log.h"
#include "ring_store.h"
#include "tables.h"

#define DPDK_MAX_LINKS 16
#define GRACE_POLL_NS 50000

struct dpdk_vip {
	bool present;
	struct edgelb_vip_key key;
	struct edgelb_vip_meta meta; /* as the model gave it */
};

struct dpdk_link {
	char ifname[IF_NAMESIZE];
	uint32_t ifindex;
};

struct edgelb_dpdk {
	struct edgelb_tables *t;
	char *path;
	bool adopted;
	uint32_t flows_per_cpu; /* what the config asked: the flow tables are edgelb-dpdk's */
	struct ring_store *rs;
	struct dpdk_vip vips[EDGELB_MAX_VIPS];
	struct dpdk_link links[DPDK_MAX_LINKS];
	int n_links;
	struct edgelb_node_config node; /* what every TAP's slot gets */
	bool node_set;
	/* a grace period timed out; each lcore's loops then (tables.h) */
	bool stalled;
	uint64_t stall_loops[EDGELB_TABLES_MAX_LCORES];
};

/* ---- grace periods (the tables' own: edgelb_tables_ring_grace) --------- */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait, at most EDGELB_DPDK_GRACE_MS, until a ring of vip may be written
 * without waiting. Periods last one poll loop of the lcores (microseconds)
 * while edgelb-dpdk runs and end at once when none runs; what is left is
 * an edgelb-dpdk that holds the tables but does not loop (SIGSTOP, a hung
 * lcore). edgelbd's loop must not hang with it: fail the change, and
 * fail the next ones at once while an lcore that held it up has not
 * moved (one hung lcore is enough: the others' polls do not end periods).
 */
static int dpdk_ring_ready(struct edgelb_dpdk *d, uint32_t vip)
{
	const struct timespec poll = { .tv_nsec = GRACE_POLL_NS };
	int64_t deadline;

	if (ring_store_ready(d->rs, vip))
		goto ready;
	if (d->stalled && edgelb_tables_lcore_stuck(d->t, d->stall_loops))
		return -ETIMEDOUT;
	deadline = mono_ms() + EDGELB_DPDK_GRACE_MS;
	while (!ring_store_ready(d->rs, vip)) {
		if (mono_ms() >= deadline) {
			d->stalled = true;
			edgelb_tables_loops_snapshot(d->t, d->stall_loops);
			pr_err("dpdk", "a ring change waits for the lcores of the edgelb-dpdk that "
				       "has %s mapped, and they have not polled for %d ms: is it "
				       "stopped (SIGSTOP) or hung? Ring changes fail until it "
				       "polls again or exits; the data plane keeps the rings it has",
			       d->path, EDGELB_DPDK_GRACE_MS);
			return -ETIMEDOUT;
		}
		nanosleep(&poll, NULL);
	}
ready:
	if (d->stalled)
		pr_info("dpdk", "ring changes go through again: edgelb-dpdk polls again, or has "
				"exited");
	d->stalled = false;
	return 0;
}

/* ---- open, adopt --------------------------------------------------------- */

static int adopt_vip(const struct edgelb_vip_key *key, const struct edgelb_vip_meta *meta,
		     void *arg)
{
	struct edgelb_dpdk *d = arg;

	if (meta->vip_id >= EDGELB_MAX_VIPS)
		return 0;
	d->vips[meta->vip_id] = (struct dpdk_vip){ .present = true, .key = *key, .meta = *meta };
	/* a ring outside the array (none yet): no live ring */
	ring_store_adopt(d->rs, meta->vip_id, meta->ring_base, meta->ring_size);
	return 0;
}

static void dpdk_close(void *dp)
{
	struct edgelb_dpdk *d = dp;

	if (!d)
		return;
	ring_store_free(d->rs);
	edgelb_tables_close(d->t); /* the file stays: edgelb-dpdk forwards from it */
	free(d->path);
	free(d);
}

/*
 * The tables at path as their writer: an earlier run's (adopted when a
 * writer ever wrote them: edgelb-dpdk --create makes empty ones), or new.
 */
static int tables_open(struct edgelb_dpdk *d, uint32_t ring_slots)
{
	struct edgelb_tables_opts to = { .ring_slots = ring_slots };
	int err = edgelb_tables_open(d->path, EDGELB_TABLES_WRITER, &d->t);

	if (err == -ENOENT) {
		err = edgelb_tables_create(d->path, &to, &d->t);
		/* edgelb-dpdk --create made it meanwhile */
		if (err == -EEXIST)
			err = edgelb_tables_open(d->path, EDGELB_TABLES_WRITER, &d->t);
		if (!err)
			return 0;
	}
	if (err == -EPROTO)
		return -EINVAL; /* dataplane.h: tables that do not fit this build */
	if (err)
		return err;
	d->adopted = __atomic_load_n(&edgelb_tables_view(d->t)->hdr->generation,
				     __ATOMIC_ACQUIRE) != 0;
	return 0;
}

/*
 * One line at start: the flow tables are edgelb-dpdk's own (its --flows,
 * per lcore: flow_table.h), not in the file; say what the config's size
 * costs there, sets rounded up to a power of two as edgelb-dpdk does.
 */
static void log_flow_table(uint32_t per_lcore)
{
	uint64_t ways = (uint64_t)edgelb_flow_table_sets(per_lcore) * EDGELB_FLOW_WAYS;

	pr_info("dpdk", "flow table: edgelb-dpdk's own, per lcore, sized by its --flows; "
			"dataplane.flow_table_size = %u there is %llu entries x %zu bytes = "
			"%.1f MiB per lcore",
		per_lcore, (unsigned long long)ways, sizeof(struct edgelb_flow_way),
		(double)(ways * sizeof(struct edgelb_flow_way)) / (1024.0 * 1024.0));
}

static int dpdk_open(const struct edgelb_dataplane_opts *o, struct edgelb_dataplane *dp)
{
	struct edgelb_dpdk *d;
	int err;

	if (!o->pin_dir)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->flows_per_cpu = o->flow_table_size ? o->flow_table_size : EDGELB_FLOW_TABLE_SIZE;
	d->path = strdup(o->pin_dir);
	err = d->path ? tables_open(d, o->ring_slots) : -ENOMEM;
	if (!err) {
		struct ring_grace grace;

		edgelb_tables_ring_grace(d->t, &grace);
		err = ring_store_new(edgelb_tables_view(d->t)->ring_slots, &grace, &d->rs);
	}
	if (!err && d->adopted)
		err = edgelb_tables_foreach_vip(d->t, adopt_vip, d);
	if (err) {
		dpdk_close(d);
		return err;
	}
	log_flow_table(d->flows_per_cpu);
	*dp = (struct edgelb_dataplane){ .ops = &edgelb_dpdk_ops, .dp = d };
	return 0;
}

/* ---- node config: one slot per exception TAP ---------------------------- */

/*
 * A TAP's slot: the node config with its ifindex and MAC. Without a MAC
 * the slot has none (edgelb-dpdk drops as drop_no_config) rather than
 * send from a wrong address.
 */
static int write_link_slot(struct edgelb_dpdk *d, const struct dpdk_link *l)
{
	struct edgelb_node_config c = d->node;
	int err = edgelb_if_mac(l->ifname, c.if_mac);

	if (err)
		memset(c.if_mac, 0, sizeof(c.if_mac));
	c.ifindex = l->ifindex;
	return edgelb_tables_set_node_config(d->t, &c) ?: err;
}

static int op_node(void *dp, const struct edgelb_node_config *cfg)
{
	struct edgelb_dpdk *d = dp;
	int err = 0;

	if (cfg->ifindex)
		return edgelb_tables_set_node_config(d->t, cfg);
	d->node = *cfg;
	d->node_set = true;
	for (int i = 0; i < d->n_links; i++) {
		int e = write_link_slot(d, &d->links[i]);

		err = err ?: e;
	}
	return err;
}

static int op_get_node_config(void *dp, struct edgelb_node_config *cfg)
{
	const struct edgelb_tables_view *v = edgelb_tables_view(((struct edgelb_dpdk *)dp)->t);

	for (uint32_t slot = 0; slot < EDGELB_NODE_SLOTS; slot++) {
		edgelb_latch_read(&v->node[slot].seq, &v->node[slot].d[0], sizeof(*cfg), cfg);
		if (cfg->ifindex)
			return 0;
	}
	return -ENOENT;
}

/* ---- VIPs, backends, rings ------------------------------------------------ */

/* The VIP's entry as given, pointing at the ring [base, base + size) (ring_store.h). */
static int write_vip(struct edgelb_dpdk *d, uint32_t vip_id, uint32_t base, uint32_t size)
{
	struct dpdk_vip *v = &d->vips[vip_id];
	struct edgelb_vip_meta meta;

	ring_store_vip_meta(&v->meta, base, size, &meta);
	return edgelb_tables_set_vip(d->t, &v->key, &meta);
}

static int op_del_vip(void *dp, const struct edgelb_vip_key *key)
{
	struct edgelb_dpdk *d = dp;

	for (int i = 0; i < EDGELB_MAX_VIPS; i++)
		if (d->vips[i].present && !memcmp(&d->vips[i].key, key, sizeof(*key)))
			d->vips[i].present = false;
	return edgelb_tables_del_vip(d->t, key);
}

static int op_set_vip(void *dp, const struct edgelb_vip_key *key,
		      const struct edgelb_vip_meta *meta)
{
	struct edgelb_dpdk *d = dp;
	uint32_t base, size;
	struct dpdk_vip *v;
	int err;

	if (meta->vip_id >= EDGELB_MAX_VIPS)
		return -ERANGE;
	v = &d->vips[meta->vip_id];
	if (v->present && memcmp(&v->key, key, sizeof(*key))) {
		err = op_del_vip(d, &v->key);
		if (err && err != -ENOENT)
			return err;
	}
	*v = (struct dpdk_vip){ .present = true, .key = *key, .meta = *meta };
	ring_store_live(d->rs, meta->vip_id, &base, &size);
	return write_vip(d, meta->vip_id, base, size);
}

static int op_set_backend(void *dp, uint32_t id, const struct edgelb_backend *be)
{
	return edgelb_tables_set_backend(((struct edgelb_dpdk *)dp)->t, id, be);
}

static int op_get_backend(void *dp, uint32_t id, struct edgelb_backend *be)
{
	const struct edgelb_tables_view *v = edgelb_tables_view(((struct edgelb_dpdk *)dp)->t);

	return edgelb_tables_backend_read(v, id, be) ? -ERANGE : 0;
}

static int op_set_ring(void *dp, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	struct edgelb_dpdk *d = dp;
	uint32_t base;
	int err;

	if (vip_id >= EDGELB_MAX_VIPS || !m)
		return -ERANGE;
	err = dpdk_ring_ready(d, vip_id);
	/* a spare no packet reads any more: prepare does not wait now */
	if (!err)
		err = ring_store_prepare(d->rs, vip_id, m, &base);
	if (!err)
		err = edgelb_tables_write_ring(d->t, base, ring, m);
	if (err)
		return err;
	if (d->vips[vip_id].present) {
		err = write_vip(d, vip_id, base, m); /* the flip: the latch orders the ring first */
		if (err)
			return err;
	}
	return ring_store_commit(d->rs, vip_id);
}

/* ---- counters: per lcore in the file, summed ---------------------------- */

static int op_vip_counters(void *dp, uint32_t id, struct edgelb_counters *c)
{
	return edgelb_tables_vip_counters(((struct edgelb_dpdk *)dp)->t, id, c);
}

static int op_backend_counters(void *dp, uint32_t id, struct edgelb_counters *c)
{
	return edgelb_tables_backend_counters(((struct edgelb_dpdk *)dp)->t, id, c);
}

static int op_counter(void *dp, enum edgelb_counter c, uint64_t *v)
{
	return edgelb_tables_counter(((struct edgelb_dpdk *)dp)->t, c, v);
}

/*
 * No flows: each lcore's flow table is in edgelb-dpdk's own memory, not in
 * the file (a shared one would put the writer's reads on the lcores' cache
 * lines at every packet).
 */
const struct edgelb_dataplane_ops edgelb_dpdk_ops = {
	.set_node_config = op_node,
	.set_vip = op_set_vip,
	.del_vip = op_del_vip,
	.set_backend = op_set_backend,
	.set_ring = op_set_ring,
	.vip_counters = op_vip_counters,
	.backend_counters = op_backend_counters,
	.counter = op_counter,
	.flows = NULL,
	.get_backend = op_get_backend,
	.get_node_config = op_get_node_config,
};

/* ---- the life cycle ------------------------------------------------------ */

static bool dpdk_adopted(const void *dp)
{
	return ((const struct edgelb_dpdk *)dp)->adopted;
}

static void dpdk_sizes(const void *dp, uint32_t *flows_per_cpu, uint32_t *ring_slots)
{
	const struct edgelb_dpdk *d = dp;

	*flows_per_cpu = d->flows_per_cpu;
	*ring_slots = edgelb_tables_view(d->t)->ring_slots;
}

static int dpdk_attach(void *dp, const char *ifname, int ifindex, uint32_t flags, bool *replaced)
{
	struct edgelb_dpdk *d = dp;
	struct dpdk_link *l;

	(void)flags;
	*replaced = false;
	if (d->n_links == DPDK_MAX_LINKS)
		return -ENOSPC;
	if (ifindex <= 0)
		return -ENODEV;
	l = &d->links[d->n_links++];
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	l->ifindex = (uint32_t)ifindex;
	/* nothing to hook: edgelb-dpdk forwards from the file whether we run or not */
	if (!edgelb_tables_dataplane_attached(d->t))
		pr_warn("dpdk", "%s: no edgelb-dpdk has %s mapped: nothing forwards until one "
				"starts with --tables %s and %s as the exception TAP of its data "
				"port", ifname, d->path, d->path, ifname);
	/* an adopted slot stays as the previous run wrote it until we know better */
	return d->node_set ? write_link_slot(d, l) : 0;
}

static int dpdk_detach(void *dp, const char *ifname)
{
	struct edgelb_dpdk *d = dp;

	for (int i = 0; i < d->n_links; i++) {
		/* ifindex kept, the rest zero: the port's frames drop as drop_no_config */
		struct edgelb_node_config none = { .ifindex = d->links[i].ifindex };

		if (strcmp(d->links[i].ifname, ifname))
			continue;
		d->links[i] = d->links[--d->n_links];
		return edgelb_tables_set_node_config(d->t, &none);
	}
	return -ENOENT;
}

/* --cleanup: nothing is attached in the kernel; the tables go with remove_tables. */
static int dpdk_remove_attachment(const char *path, const char *ifname)
{
	(void)path;
	(void)ifname;
	return -ENOENT;
}

static int dpdk_remove_tables(const char *path)
{
	int err = edgelb_tables_remove(path);

	if (err == -EBUSY)
		pr_err("dpdk", "%s is mapped by a running edgelb-dpdk or edgelbd: stop them "
			       "first (an edgelb-dpdk would forward on from the removed file, "
			       "out of reach of every later edgelbd)", path);
	return err == -ENOENT ? 0 : err;
}

static const char *dpdk_hint(enum edgelb_dataplane_step step, int err)
{
	switch (step) {
	case EDGELB_DP_STEP_OPEN:
		if (err == -EINVAL)
			return " (tables made by an incompatible edgelb? stop edgelb-dpdk, then "
			       "`edgelbd --cleanup` removes them)";
		if (err == -EBUSY)
			return " (another edgelbd writes these tables)";
		return err == -ENOENT ? " (does the directory of dataplane.tables exist?)" : "";
	case EDGELB_DP_STEP_ATTACH:
		return " (dataplane.interfaces names edgelb-dpdk's exception TAPs)";
	}
	return "";
}

const struct edgelb_dataplane_lifecycle edgelb_dpdk_lifecycle = {
	.name = "dpdk",
	.tables = "tables",
	.created = "created",
	.open = dpdk_open,
	.adopted = dpdk_adopted,
	.sizes = dpdk_sizes,
	.attach = dpdk_attach,
	.detach = dpdk_detach,
	.close = dpdk_close,
	.remove_attachment = dpdk_remove_attachment,
	.remove_tables = dpdk_remove_tables,
	.hint = dpdk_hint,
};
