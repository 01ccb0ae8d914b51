// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPDK target as a test environment (lbenv.h's LBENV_DPDK): the
 * golden and differential tests of tests/bpf run on it unchanged.
 *
 * EAL starts once per process (test_eal.h). Frames are copied into mbufs shaped as BPF_PROG_TEST_RUN shapes
 * an XDP frame (tests/bpf/host_dp.c): the frame 2 bytes past a 4-byte
 * boundary, at most 3520 bytes in the first segment, the rest chained.
 * Tables are the real shared-memory file (created, mapped as writer and
 * as data plane, and unlinked at once: nothing is left in /dev/shm), with
 * rings placed by the control plane's ring store on the tables' grace
 * periods, as edgelbd will place them. The test thread is the lcore: it
 * is online only while it runs a frame, so that a ring change between two
 * frames never waits for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "lbenv.h"
#include "lcore.h"
#include "ring_store.h"
#include "tables.h"
#include "target_dpdk.h"
#include "test_eal.h"
#include "bpf/xdp_verdict.h"

#define ENV_IFINDEX 1	     /* scenario.h's SC_IFINDEX: BPF_PROG_TEST_RUN's lo */
#define ENV_MAX_VIPS 64
#define ENV_FLOW_SEED 0x65646765ull

struct dpdk_env {
	struct edgelb_tables *w;  /* edgelbd's mapping */
	struct edgelb_tables *dp; /* edgelb-dpdk's */
	struct ring_store *rs;
	struct edgelb_dpdk_lcore lc;
	struct {
		int used;
		struct edgelb_vip_key key;
		struct edgelb_vip_meta given;
	} vips[ENV_MAX_VIPS];
};

static void env_close(void *arg)
{
	struct dpdk_env *e = arg;

	if (!e)
		return;
	if (e->lc.flows.ways)
		edgelb_dpdk_lcore_fini(&e->lc);
	ring_store_free(e->rs);
	edgelb_tables_close(e->dp);
	edgelb_tables_close(e->w);
	free(e);
}

static void *env_open(void)
{
	static unsigned int n;
	struct dpdk_env *e;
	char path[96];
	int err;

	if (test_eal_start())
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(path, sizeof(path), "/dev/shm/edgelb-test-dpdk-%ld-%u", (long)getpid(), n++);
	unlink(path);
	err = edgelb_tables_create(path, &(struct edgelb_tables_opts){ .max_lcores = 1 }, &e->w);
	if (!err)
		err = edgelb_tables_open(path, EDGELB_TABLES_DATAPLANE, &e->dp);
	unlink(path); /* the mappings and their locks stay */
	if (!err) {
		struct ring_grace grace;

		edgelb_tables_ring_grace(e->w, &grace);
		err = ring_store_new(edgelb_tables_view(e->w)->ring_slots, &grace, &e->rs);
	}
	if (!err)
		err = edgelb_dpdk_lcore_init(&e->lc, edgelb_tables_view(e->dp), 0,
					     EDGELB_FLOW_TABLE_SIZE, ENV_FLOW_SEED, SOCKET_ID_ANY);
	if (err) {
		fprintf(stderr, "dpdk_env: tables: %s\n", strerror(-err));
		env_close(e);
		return NULL;
	}
	return e;
}

static int env_node_config(void *arg, const struct edgelb_node_config *cfg)
{
	struct dpdk_env *e = arg;

	return edgelb_tables_set_node_config(e->w, cfg);
}

/* The entry of VIP i as the data plane writes it: at its live ring (ring_store.h). */
static int write_vip(struct dpdk_env *e, int i)
{
	struct edgelb_vip_meta m;
	uint32_t base = 0, size = 0;

	ring_store_live(e->rs, e->vips[i].given.vip_id, &base, &size);
	ring_store_vip_meta(&e->vips[i].given, base, size, &m);
	return edgelb_tables_set_vip(e->w, &e->vips[i].key, &m);
}

static int env_vip(void *arg, const struct edgelb_vip_key *key, const struct edgelb_vip_meta *meta)
{
	struct dpdk_env *e = arg;
	int i, free_at = -1;

	for (i = 0; i < ENV_MAX_VIPS; i++) {
		if (e->vips[i].used && !memcmp(&e->vips[i].key, key, sizeof(*key)))
			break;
		if (!e->vips[i].used && free_at < 0)
			free_at = i;
	}
	if (i == ENV_MAX_VIPS) {
		if (free_at < 0)
			return -ENOSPC;
		i = free_at;
	}
	e->vips[i].used = 1;
	e->vips[i].key = *key;
	e->vips[i].given = *meta;
	return write_vip(e, i);
}

static int env_backend(void *arg, uint32_t id, const struct edgelb_backend *be)
{
	struct dpdk_env *e = arg;

	return edgelb_tables_set_backend(e->w, id, be);
}

static int env_ring(void *arg, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	struct dpdk_env *e = arg;
	uint32_t base;
	int err;

	err = ring_store_prepare(e->rs, vip_id, m, &base);
	if (!err)
		err = edgelb_tables_write_ring(e->w, base, ring, m);
	if (err)
		return err;
	/* the flip: each entry of this VIP now points at the new ring */
	for (int i = 0; i < ENV_MAX_VIPS; i++) {
		struct edgelb_vip_meta meta;

		if (!e->vips[i].used || e->vips[i].given.vip_id != vip_id)
			continue;
		ring_store_vip_meta(&e->vips[i].given, base, m, &meta);
		err = edgelb_tables_set_vip(e->w, &e->vips[i].key, &meta);
		if (err)
			return err;
	}
	return ring_store_commit(e->rs, vip_id);
}

/* len bytes of in as a chain: TEST_EAL_FIRST_BUF in the first segment, the rest after it. */
static struct rte_mbuf *to_mbuf(const uint8_t *in, size_t len)
{
	struct rte_mbuf *head = NULL;
	size_t done = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(test_eal_pool());
		uint16_t n;

		if (!m)
			goto fail;
		if (!head)
			m->data_off = RTE_PKTMBUF_HEADROOM + TEST_EAL_ALIGN;
		n = (uint16_t)RTE_MIN(len - done, (size_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, n), in + done, n);
		done += n;
		if (!head) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m)) {
			rte_pktmbuf_free(m);
			goto fail;
		}
	} while (done < len);
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

static int env_run(void *arg, const void *in, size_t len, void *out, size_t *out_len)
{
	struct dpdk_env *e = arg;
	const struct edgelb_tables_view *tv = edgelb_tables_view(e->dp);
	struct rte_mbuf *m;
	const void *data;
	int v;

	if (len > 16384 - 258) /* host_dp.c's limit */
		return -EMSGSIZE;
	m = to_mbuf(in, len);
	if (!m)
		return -ENOMEM;
	edgelb_tables_lcore_online(tv, 0);
	edgelb_dpdk_lcore_tick(&e->lc);
	v = edgelb_dpdk_process(&e->lc, m, ENV_IFINDEX);
	edgelb_tables_lcore_offline(tv, 0);
	*out_len = rte_pktmbuf_pkt_len(m);
	/* the frame as the core left it, whatever the verdict (as BPF_PROG_TEST_RUN) */
	data = rte_pktmbuf_read(m, 0, (uint32_t)*out_len, out);
	if (data != out)
		memcpy(out, data, *out_len);
	rte_pktmbuf_free(m);
	/* every mbuf back in the pool: the chain was freed whole */
	if (rte_mempool_in_use_count(test_eal_pool())) {
		fprintf(stderr, "dpdk_env: %u mbufs leaked by one frame\n",
			rte_mempool_in_use_count(test_eal_pool()));
		return -EFAULT;
	}
	return edgelb_xdp_action(v);
}

static int env_flow(void *arg, const struct edgelb_flow_key *k, struct edgelb_flow_state *st)
{
	struct dpdk_env *e = arg;
	const struct edgelb_flow_state *s = edgelb_flow_table_lookup(&e->lc.flows, k);

	if (!s)
		return -ENOENT;
	*st = *s;
	return 0;
}

static uint64_t env_counter(void *arg, enum edgelb_counter c)
{
	struct dpdk_env *e = arg;
	uint64_t v;

	return edgelb_tables_counter(e->w, c, &v) ? UINT64_MAX : v;
}

static void env_vip_counters(void *arg, uint32_t vip_id, struct edgelb_counters *c)
{
	struct dpdk_env *e = arg;

	if (edgelb_tables_vip_counters(e->w, vip_id, c))
		memset(c, 0xff, sizeof(*c));
}

static void env_backend_counters(void *arg, uint32_t id, struct edgelb_counters *c)
{
	struct dpdk_env *e = arg;

	if (edgelb_tables_backend_counters(e->w, id, c))
		memset(c, 0xff, sizeof(*c));
}

static const struct lbenv_target dpdk_target = {
	.name = "dpdk",
	.open = env_open,
	.close = env_close,
	.node_config = env_node_config,
	.vip = env_vip,
	.backend = env_backend,
	.ring = env_ring,
	.run = env_run,
	.flow = env_flow,
	.counter = env_counter,
	.vip_counters = env_vip_counters,
	.backend_counters = env_backend_counters,
};

/* Linked into a test program, the DPDK target is there for lbenv_new(LBENV_DPDK). */
__attribute__((constructor)) static void dpdk_env_plug(void)
{
	lbenv_plug(LBENV_DPDK, &dpdk_target);
}
