// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPDK tables file (dataplane/dpdk/tables.c, tables_read.h): creation
 * and the checks of a mapping, the roles and their locks, the VIP table's
 * probing and deletion, latches repaired after a writer died halfway,
 * counters, grace periods, and a reader thread that never sees a torn
 * entry or a half-written ring while a writer flips rings in a loop
 * (placed by the control plane's ring store, which waits on the tables'
 * grace periods). No DPDK, no root.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "ring_store.h"
#include "tables.h"

#define RING_SLOTS (1u << 20)

static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/dev/shm/edgelb-test-tables-%ld", (long)getpid());
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static struct edgelb_tables *create(void)
{
	struct edgelb_tables_opts o = { .ring_slots = RING_SLOTS, .max_lcores = 4 };
	struct edgelb_tables *t = NULL;

	assert_int_equal(edgelb_tables_create(path, &o, &t), 0);
	return t;
}

static void vip_key(struct edgelb_vip_key *k, uint32_t n)
{
	memset(k, 0, sizeof(*k));
	k->addr.v4 = __builtin_bswap32(0xc0000200u + n); /* 192.0.2.n */
	k->port = __builtin_bswap16(80);
	k->proto = 6;
	k->family = EDGELB_AF_INET;
}

/* Keys numbered from n whose home slot is home. */
static uint32_t next_key_at(uint32_t home, uint32_t n, struct edgelb_vip_key *k)
{
	for (;; n++) {
		vip_key(k, n);
		if (edgelb_tables_vip_home(k) == home)
			return n;
	}
}

static void test_create_and_roles(void **state)
{
	struct edgelb_tables *w = create(), *w2 = NULL, *dp = NULL, *dp2 = NULL, *obs = NULL;
	struct edgelb_tables_opts o = { .ring_slots = RING_SLOTS };

	(void)state;
	assert_int_equal(edgelb_tables_create(path, &o, &w2), -EEXIST);
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_WRITER, &w2), -EBUSY);
	assert_false(edgelb_tables_dataplane_attached(w));
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_DATAPLANE, &dp), 0);
	assert_true(edgelb_tables_dataplane_attached(w));
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_DATAPLANE, &dp2), -EBUSY);
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_OBSERVER, &obs), 0);
	assert_int_equal(edgelb_tables_view(obs)->ring_slots, RING_SLOTS);
	assert_int_equal(edgelb_tables_view(obs)->max_lcores, 4);
	/* only the writer writes */
	assert_int_equal(edgelb_tables_set_backend(dp, 1, NULL), -EPERM);
	edgelb_tables_close(dp);
	assert_false(edgelb_tables_dataplane_attached(w));
	edgelb_tables_close(obs);
	edgelb_tables_close(w);
	/* the writer lock went with it */
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_WRITER, &w2), 0);
	edgelb_tables_close(w2);
}

/* Files that are not tables of this build are refused, whatever is wrong. */
static void test_foreign_files_refused(void **state)
{
	struct edgelb_tables *t = create(), *o = NULL;
	const size_t at[] = { offsetof(struct edgelb_tables_hdr, magic),
			      offsetof(struct edgelb_tables_hdr, version),
			      offsetof(struct edgelb_tables_hdr, max_backends),
			      offsetof(struct edgelb_tables_hdr, off_rings),
			      offsetof(struct edgelb_tables_hdr, lcore_size) };
	int fd;

	(void)state;
	edgelb_tables_close(t);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		uint32_t v, bad;

		assert_int_equal(pread(fd, &v, 4, (off_t)at[i]), 4);
		bad = v ^ 0x10;
		assert_int_equal(pwrite(fd, &bad, 4, (off_t)at[i]), 4);
		assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_OBSERVER, &o), -EPROTO);
		assert_int_equal(pwrite(fd, &v, 4, (off_t)at[i]), 4);
	}
	/* a file others may write (planted in /dev/shm), and a symlink to ours */
	assert_int_equal(fchmod(fd, 0644), 0);
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_OBSERVER, &o), -EPERM);
	assert_int_equal(fchmod(fd, 0600), 0);
	{
		char link[160];

		snprintf(link, sizeof(link), "%s.link", path);
		assert_int_equal(symlink(path, link), 0);
		assert_int_equal(edgelb_tables_open(link, EDGELB_TABLES_OBSERVER, &o), -ELOOP);
		unlink(link);
	}
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_OBSERVER, &o), 0);
	edgelb_tables_close(o);
	/* cut short */
	assert_int_equal(ftruncate(fd, 8192), 0);
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_OBSERVER, &o), -EPROTO);
	close(fd);
	assert_int_equal(edgelb_tables_open("/dev/shm/edgelb-test-none", EDGELB_TABLES_OBSERVER, &o),
			 -ENOENT);
}

static void test_vips(void **state)
{
	struct edgelb_tables *t = create();
	const struct edgelb_tables_view *v = edgelb_tables_view(t);
	struct edgelb_vip_meta m = { .vip_id = 3, .ring_size = 7, .ring_base = 100 }, got;
	struct edgelb_vip_key k, k2;

	(void)state;
	vip_key(&k, 1);
	assert_int_equal(edgelb_tables_get_vip(t, &k, &got), -ENOENT);
	assert_int_equal(edgelb_tables_set_vip(t, &k, &m), 0);
	assert_int_equal(edgelb_tables_get_vip(t, &k, &got), 0);
	assert_memory_equal(&got, &m, sizeof(m));
	m.mtu = 1500;
	assert_int_equal(edgelb_tables_set_vip(t, &k, &m), 0); /* replaced in place */
	assert_int_equal(v->hdr->vip_count, 1);
	assert_int_equal(edgelb_tables_get_vip(t, &k, &got), 0);
	assert_int_equal(got.mtu, 1500);

	/* the ring must lie inside the array, the id inside the counters */
	m.ring_base = RING_SLOTS - 6;
	assert_int_equal(edgelb_tables_set_vip(t, &k, &m), -ERANGE);
	m.ring_base = 0;
	m.vip_id = EDGELB_MAX_VIPS;
	assert_int_equal(edgelb_tables_set_vip(t, &k, &m), -ERANGE);
	m.vip_id = 3;
	k2 = k;
	k2.family = 0;
	assert_int_equal(edgelb_tables_set_vip(t, &k2, &m), -EINVAL);

	/* other port: another VIP */
	k2 = k;
	k2.port = 0;
	assert_int_equal(edgelb_tables_get_vip(t, &k2, &got), -ENOENT);
	assert_int_equal(edgelb_tables_del_vip(t, &k2), -ENOENT);
	assert_int_equal(edgelb_tables_del_vip(t, &k), 0);
	assert_int_equal(edgelb_tables_get_vip(t, &k, &got), -ENOENT);
	assert_int_equal(v->hdr->vip_count, 0);

	/* full at max_vips */
	for (uint32_t i = 0; i < EDGELB_MAX_VIPS; i++) {
		vip_key(&k, 1000 + i);
		assert_int_equal(edgelb_tables_set_vip(t, &k, &m), 0);
	}
	vip_key(&k, 5000);
	assert_int_equal(edgelb_tables_set_vip(t, &k, &m), -ENOSPC);
	vip_key(&k, 1000);
	assert_int_equal(edgelb_tables_set_vip(t, &k, &m), 0); /* replacing is fine */
	assert_int_equal(edgelb_tables_del_vip(t, &k), 0);
	vip_key(&k, 5000);
	assert_int_equal(edgelb_tables_set_vip(t, &k, &m), 0);
	edgelb_tables_close(t);
}

/*
 * Three keys with one home slot: deleting the first keeps the others
 * found (a deleted slot continues probes), a new key takes the deleted
 * slot, and deleting the run's tail empties it back to its last entry.
 */
static void test_vip_probing(void **state)
{
	struct edgelb_tables *t = create();
	const struct edgelb_tables_view *v = edgelb_tables_view(t);
	struct edgelb_vip_meta m = { .vip_id = 1 }, got;
	struct edgelb_vip_key k[4];
	uint32_t home = 77, n = 0;

	(void)state;
	for (int i = 0; i < 4; i++)
		n = next_key_at(home, n, &k[i]) + 1;
	for (int i = 0; i < 3; i++) {
		m.vip_id = (uint32_t)i;
		assert_int_equal(edgelb_tables_set_vip(t, &k[i], &m), 0);
		assert_int_equal(v->vips[home + i].d[0].state, EDGELB_TABLES_USED);
	}
	assert_int_equal(edgelb_tables_del_vip(t, &k[0]), 0);
	assert_int_equal(v->vips[home].d[0].state, EDGELB_TABLES_DELETED);
	assert_int_equal(edgelb_tables_get_vip(t, &k[2], &got), 0);
	assert_int_equal(got.vip_id, 2);
	m.vip_id = 3;
	assert_int_equal(edgelb_tables_set_vip(t, &k[3], &m), 0);
	assert_int_equal(v->vips[home].d[0].state, EDGELB_TABLES_USED);
	assert_int_equal(edgelb_tables_get_vip(t, &k[3], &got), 0);
	assert_int_equal(got.vip_id, 3);

	/* delete the middle one, then the last: the run shrinks back to k[3] */
	assert_int_equal(edgelb_tables_del_vip(t, &k[1]), 0);
	assert_int_equal(v->vips[home + 1].d[0].state, EDGELB_TABLES_DELETED);
	assert_int_equal(edgelb_tables_del_vip(t, &k[2]), 0);
	assert_int_equal(v->vips[home + 2].d[0].state, EDGELB_TABLES_EMPTY);
	assert_int_equal(v->vips[home + 1].d[0].state, EDGELB_TABLES_EMPTY);
	assert_int_equal(edgelb_tables_get_vip(t, &k[3], &got), 0);
	assert_int_equal(v->hdr->vip_count, 1);
	edgelb_tables_close(t);
}

static int count_vip(const struct edgelb_vip_key *k, const struct edgelb_vip_meta *m, void *arg)
{
	(void)k;
	*(uint32_t *)arg += m->vip_id;
	return 0;
}

static void test_backends_node_foreach(void **state)
{
	struct edgelb_tables *t = create();
	const struct edgelb_tables_view *v = edgelb_tables_view(t);
	struct edgelb_backend be = { .family = EDGELB_AF_INET, .flags = EDGELB_BE_F_ALIVE,
				     .weight = 9, .mac = { 2, 0, 0, 0, 0, 1 } }, got;
	struct edgelb_node_config cfg = { .ifindex = 7 + EDGELB_NODE_SLOTS, .icmp_rate = 5 }, c;
	struct edgelb_vip_meta m = { 0 };
	struct edgelb_vip_key k;
	uint32_t sum = 0;

	(void)state;
	be.addr.v4 = 0x01020304;
	assert_int_equal(edgelb_tables_set_backend(t, 5, &be), 0);
	assert_int_equal(edgelb_tables_backend_read(v, 5, &got), 0);
	assert_memory_equal(&got, &be, sizeof(be));
	assert_int_equal(edgelb_tables_set_backend(t, 5, NULL), 0);
	assert_int_equal(edgelb_tables_backend_read(v, 5, &got), 0);
	assert_int_equal(got.family, 0);
	assert_int_equal(edgelb_tables_set_backend(t, EDGELB_MAX_BACKENDS, &be), -ERANGE);
	assert_int_equal(edgelb_tables_backend_read(v, EDGELB_MAX_BACKENDS, &got), -1);

	assert_int_equal(edgelb_tables_set_node_config(t, &cfg), 0);
	assert_int_equal(edgelb_tables_node_read(v, cfg.ifindex, &c), 0);
	assert_int_equal(c.icmp_rate, 5);
	/* same slot, another interface: not its config */
	assert_int_equal(edgelb_tables_node_read(v, 7, &c), -1);
	assert_int_equal(edgelb_tables_node_read(v, 8, &c), -1);

	for (uint32_t i = 1; i <= 10; i++) {
		vip_key(&k, i);
		m.vip_id = i;
		assert_int_equal(edgelb_tables_set_vip(t, &k, &m), 0);
	}
	assert_int_equal(edgelb_tables_foreach_vip(t, count_vip, &sum), 0);
	assert_int_equal(sum, 55);
	edgelb_tables_close(t);
}

static void test_counters(void **state)
{
	struct edgelb_tables *t = create();
	const struct edgelb_tables_view *v = edgelb_tables_view(t);
	struct edgelb_counters c;
	uint64_t n;

	(void)state;
	for (uint32_t l = 0; l < 4; l++) {
		struct edgelb_tables_lcore *lc = edgelb_tables_lcore(v, l);

		lc->counters[EDGELB_DROP_FRAGMENT] += l + 1;
		lc->vip[EDGELB_MAX_VIPS - 1].packets += 10;
		lc->backend[EDGELB_MAX_BACKENDS - 1].bytes += 100;
	}
	assert_int_equal(edgelb_tables_counter(t, EDGELB_DROP_FRAGMENT, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(edgelb_tables_vip_counters(t, EDGELB_MAX_VIPS - 1, &c), 0);
	assert_int_equal(c.packets, 40);
	assert_int_equal(edgelb_tables_backend_counters(t, EDGELB_MAX_BACKENDS - 1, &c), 0);
	assert_int_equal(c.bytes, 400);
	assert_int_equal(edgelb_tables_counter(t, EDGELB_COUNTER_MAX, &n), -ERANGE);
	assert_int_equal(edgelb_tables_vip_counters(t, EDGELB_MAX_VIPS, &c), -ERANGE);
	assert_int_equal(edgelb_tables_backend_counters(t, EDGELB_MAX_BACKENDS, &c), -ERANGE);
	edgelb_tables_close(t);
}

static void test_grace_periods(void **state)
{
	struct edgelb_tables *t = create(), *dp = NULL;
	const struct edgelb_tables_view *v;
	uint64_t g;

	(void)state;
	/* no data plane: every period ends at once */
	g = edgelb_tables_grace_start(t);
	assert_true(g >= 2);
	assert_true(edgelb_tables_grace_ended(t, g));

	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_DATAPLANE, &dp), 0);
	v = edgelb_tables_view(dp);
	/* attached, lcores offline: nothing to wait for */
	g = edgelb_tables_grace_start(t);
	assert_true(edgelb_tables_grace_ended(t, g));

	edgelb_tables_lcore_online(v, 2);
	g = edgelb_tables_grace_start(t);
	assert_false(edgelb_tables_grace_ended(t, g));
	assert_true(edgelb_tables_grace_ended(t, g - 1)); /* lcore 2 came online after it */
	edgelb_tables_lcore_quiescent(v, 2);
	assert_true(edgelb_tables_grace_ended(t, g));
	edgelb_tables_grace_wait(t, g);

	g = edgelb_tables_grace_start(t);
	assert_false(edgelb_tables_grace_ended(t, g));
	edgelb_tables_lcore_offline(v, 2);
	assert_true(edgelb_tables_grace_ended(t, g));

	/* a data plane that dies with an lcore online holds nothing up */
	edgelb_tables_lcore_online(v, 1);
	g = edgelb_tables_grace_start(t);
	assert_false(edgelb_tables_grace_ended(t, g));
	edgelb_tables_close(dp); /* what exit does to the lock */
	assert_true(edgelb_tables_grace_ended(t, g));
	edgelb_tables_close(t);
}

/*
 * A writer killed between the two halves of an entry update: readers keep
 * the whole copy, and the next writer makes both whole before writing.
 */
static void test_latch_repair(void **state)
{
	struct edgelb_tables *t = create(), *t2 = NULL;
	struct edgelb_backend be = { .family = EDGELB_AF_INET6, .weight = 1 }, got;
	struct edgelb_tables_backend *e;

	(void)state;
	assert_int_equal(edgelb_tables_set_backend(t, 9, &be), 0);
	edgelb_tables_close(t);

	/* killed after the first seq bump, in the middle of d[0] */
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_DATAPLANE, &t2), 0);
	e = &edgelb_tables_view(t2)->backends[9];
	e->seq++;
	memset(&e->d[0], 0xee, sizeof(e->d[0]) / 2);
	assert_int_equal(edgelb_tables_backend_read(edgelb_tables_view(t2), 9, &got), 0);
	assert_memory_equal(&got, &be, sizeof(be));

	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_WRITER, &t), 0);
	assert_int_equal(e->seq & 1, 0);
	assert_memory_equal(&e->d[0], &be, sizeof(be));
	assert_memory_equal(&e->d[1], &be, sizeof(be));

	/* killed after the second bump, in the middle of d[1] */
	memset(&e->d[1], 0xee, sizeof(e->d[1]));
	edgelb_tables_close(t);
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_WRITER, &t), 0);
	assert_memory_equal(&e->d[1], &be, sizeof(be));
	be.weight = 2;
	assert_int_equal(edgelb_tables_set_backend(t, 9, &be), 0);
	assert_int_equal(edgelb_tables_backend_read(edgelb_tables_view(t2), 9, &got), 0);
	assert_int_equal(got.weight, 2);
	edgelb_tables_close(t2);
	edgelb_tables_close(t);
}

/*
 * The concurrent test. Writer: for version x = 1, 2, ... rewrites a ring
 * of M slots all equal to x into a spare (ring store), flips the VIP entry
 * to it (flags = x, and fields derived from x), rewrites a backend whose
 * every field is derived from x, and adds and removes VIPs sharing the
 * watched VIP's probe run. Reader (an lcore on its own mapping): looks
 * the VIP up, checks the entry is of one version and every ring slot it
 * points at holds that version, checks the backend likewise, then ends
 * its burst (quiescent). Bounded by count and time.
 */
#define CONC_RING 4099u
#define CONC_FLIPS 4000u
#define CONC_SECONDS 10
#define CONC_HOME 300u

struct conc {
	struct edgelb_tables *dp;
	struct edgelb_vip_key key;
	int stop, seen;
	uint64_t reads, bad, missing;
	char why[160];
};

static void be_of(uint32_t x, struct edgelb_backend *be)
{
	memset(be, 0, sizeof(*be));
	for (int i = 0; i < 4; i++)
		be->addr.v6[i] = x;
	be->family = EDGELB_AF_INET6;
	be->flags = (uint8_t)x;
	be->weight = (uint16_t)x;
	memset(be->mac, (uint8_t)x, 6);
	be->site = (uint16_t)x;
}

static void *reader(void *arg)
{
	struct conc *c = arg;
	const struct edgelb_tables_view *v = edgelb_tables_view(c->dp);

	edgelb_tables_lcore_online(v, 0);
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		struct edgelb_vip_meta m;
		struct edgelb_backend be, want;
		uint32_t x;

		c->reads++;
		if (!edgelb_tables_vip_lookup(v, &c->key, &m)) {
			/* before the first flip it is not there yet; after, always */
			if (c->seen) {
				c->bad++;
				snprintf(c->why, sizeof(c->why), "the VIP went missing");
			}
			c->missing++;
			edgelb_tables_lcore_quiescent(v, 0);
			continue;
		}
		c->seen = 1;
		x = m.flags;
		if (m.mtu != (uint16_t)x || m.gue_dport != (uint16_t)~x || m.ring_size != CONC_RING ||
		    m.vip_id != 1) {
			c->bad++;
			snprintf(c->why, sizeof(c->why), "torn VIP entry: flags %u mtu %u", x, m.mtu);
		}
		for (uint32_t s = 0; s < m.ring_size; s += 7) {
			uint32_t got = edgelb_tables_ring_slot(v, (uint64_t)m.ring_base + s);

			if (got != x) {
				c->bad++;
				snprintf(c->why, sizeof(c->why),
					 "ring at %u, version %u: slot %u holds %u", m.ring_base, x, s,
					 got);
				break;
			}
		}
		edgelb_tables_backend_read(v, 3, &be);
		be_of(be.addr.v6[0], &want);
		if (memcmp(&be, &want, sizeof(be))) {
			c->bad++;
			snprintf(c->why, sizeof(c->why), "torn backend of version %u", be.addr.v6[0]);
		}
		edgelb_tables_lcore_quiescent(v, 0);
	}
	edgelb_tables_lcore_offline(v, 0);
	return NULL;
}

static void test_concurrent_flips(void **state)
{
	static uint32_t ring[CONC_RING];
	struct edgelb_tables *t = create();
	struct ring_grace g;
	struct edgelb_vip_key before[2];
	struct ring_store *rs = NULL;
	struct conc c = { 0 };
	struct timespec t0, now;
	pthread_t th;
	uint32_t x, n;

	(void)state;
	edgelb_tables_ring_grace(t, &g);
	assert_int_equal(ring_store_new(RING_SLOTS, &g, &rs), 0);
	/* two keys ahead of the watched one in its probe run, which come and go */
	n = next_key_at(CONC_HOME, 0, &before[0]) + 1;
	n = next_key_at(CONC_HOME, n, &before[1]) + 1;
	next_key_at(CONC_HOME, n, &c.key);
	for (int i = 0; i < 2; i++)
		assert_int_equal(edgelb_tables_set_vip(t, &before[i],
						       &(struct edgelb_vip_meta){ .vip_id = 9 }),
				 0);
	assert_int_equal(edgelb_tables_open(path, EDGELB_TABLES_DATAPLANE, &c.dp), 0);
	assert_int_equal(pthread_create(&th, NULL, reader, &c), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (x = 1; x <= CONC_FLIPS; x++) {
		struct edgelb_vip_meta given = { .vip_id = 1, .flags = x, .ring_size = CONC_RING,
						 .mtu = (uint16_t)x, .gue_dport = (uint16_t)~x };
		struct edgelb_vip_meta m;
		struct edgelb_backend be;
		uint32_t base;

		assert_int_equal(ring_store_prepare(rs, 1, CONC_RING, &base), 0);
		for (uint32_t s = 0; s < CONC_RING; s++)
			ring[s] = x;
		assert_int_equal(edgelb_tables_write_ring(t, base, ring, CONC_RING), 0);
		ring_store_vip_meta(&given, base, CONC_RING, &m);
		assert_int_equal(edgelb_tables_set_vip(t, &c.key, &m), 0);
		assert_int_equal(ring_store_commit(rs, 1), 0);
		be_of(x, &be);
		assert_int_equal(edgelb_tables_set_backend(t, 3, &be), 0);
		if (x % 3 == 0)
			assert_int_equal(edgelb_tables_del_vip(t, &before[x % 2]), 0);
		if (x % 3 == 1 && x > 1)
			assert_int_equal(edgelb_tables_set_vip(t, &before[(x - 1) % 2],
							       &(struct edgelb_vip_meta){ .vip_id = 9 }),
					 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= CONC_SECONDS)
			break;
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	printf("concurrent: %u flips, %llu reads, %llu before the first flip\n", x - 1,
	       (unsigned long long)c.reads, (unsigned long long)c.missing);
	if (c.bad)
		fail_msg("%llu bad reads; last: %s", (unsigned long long)c.bad, c.why);
	assert_true(x > 100);
	assert_true(c.reads - c.missing > 100); /* reads that checked something */
	edgelb_tables_close(c.dp);
	ring_store_free(rs);
	edgelb_tables_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_files_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vip_probing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backends_node_foreach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grace_periods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latch_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_flips, setup, teardown),
	};

	return cmocka_run_group_tests_name("dpdk_tables", tests, NULL, NULL);
}
