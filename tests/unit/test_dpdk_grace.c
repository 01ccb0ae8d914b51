// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelbd's DPDK data plane (controlplane/dpdk.c) must never hang its
 * event loop on a stopped edgelb-dpdk: a ring change that has to wait for
 * the lcores gives up after EDGELB_DPDK_GRACE_MS with -ETIMEDOUT, later
 * ones fail at once while the lcores stay still, and changes go through
 * again as soon as an lcore polls or the data plane is gone.
 *
 * The "data plane" here is this test holding the tables in the data-plane
 * role (the presence lock) with lcore 0 online and never quiescent: what a
 * SIGSTOPped edgelb-dpdk looks like. Expected counts come from the ring
 * buffers' life (ring_store.h: RING_STORE_BUFS per VIP, a retired one is
 * reusable only after its grace period), not from running the code.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane.h"
#include "dpdk.h"
#include "ring_store.h"
#include "tables.h"

#define RING_M 7

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct env {
	char path[64];
	struct edgelb_dataplane dp;
	struct edgelb_tables *lcores; /* the stand-in edgelb-dpdk */
	uint32_t ring[RING_M];
};

static void env_open(struct env *e)
{
	const struct edgelb_dataplane_opts o = { .ring_slots = 1024, .pin_dir = e->path };
	const struct edgelb_backend be = { .family = EDGELB_AF_INET, .flags = EDGELB_BE_F_ALIVE };
	struct edgelb_vip_key key = { .port = htons(80), .proto = 6, .family = EDGELB_AF_INET };
	struct edgelb_vip_meta meta = { .vip_id = 1 };

	snprintf(e->path, sizeof(e->path), "/dev/shm/edgelb-ut-grace-%d", (int)getpid());
	edgelb_tables_remove(e->path);
	assert_int_equal(edgelb_dpdk_lifecycle.open(&o, &e->dp), 0);
	assert_int_equal(edgelb_tables_open(e->path, EDGELB_TABLES_DATAPLANE, &e->lcores), 0);
	edgelb_tables_lcore_online(edgelb_tables_view(e->lcores), 0);
	key.addr.v4 = htonl(0xc000020a); /* 192.0.2.10 */
	assert_int_equal(e->dp.ops->set_backend(e->dp.dp, 3, &be), 0);
	assert_int_equal(e->dp.ops->set_vip(e->dp.dp, &key, &meta), 0);
	for (int i = 0; i < RING_M; i++)
		e->ring[i] = 3;
}

static void env_close(struct env *e)
{
	edgelb_tables_close(e->lcores);
	edgelb_dpdk_lifecycle.close(e->dp.dp);
	edgelb_tables_remove(e->path);
}

static int set_ring(struct env *e)
{
	return e->dp.ops->set_ring(e->dp.dp, 1, e->ring, RING_M);
}

static void test_stopped_lcores_bound_the_wait(void **state)
{
	const struct edgelb_tables_view *v;
	struct env e;
	int64_t t0, took;
	int n = 0, err = 0;

	(void)state;
	env_open(&e);
	v = edgelb_tables_view(e.lcores);
	/*
	 * The VIP's buffers are fresh: each change takes one, retiring the
	 * one before; the change after them needs the first one back, whose
	 * period lcore 0 holds up.
	 */
	while (n < RING_STORE_BUFS && !(err = set_ring(&e)))
		n++;
	assert_int_equal(n, RING_STORE_BUFS);
	t0 = now_ms();
	assert_int_equal(set_ring(&e), -ETIMEDOUT);
	took = now_ms() - t0;
	assert_true(took >= EDGELB_DPDK_GRACE_MS - 2 && took < 5 * EDGELB_DPDK_GRACE_MS);

	/* that failure came after the bound, not long after; the next one at once */
	t0 = now_ms();
	assert_int_equal(set_ring(&e), -ETIMEDOUT);
	took = now_ms() - t0;
	assert_true(took < EDGELB_DPDK_GRACE_MS / 2);

	/*
	 * One poll of lcore 0 ends every period started so far: the two
	 * retired buffers come back, so two changes go through; the third
	 * needs the buffer retired after that poll, and waits out the bound.
	 */
	edgelb_tables_lcore_quiescent(v, 0);
	assert_int_equal(set_ring(&e), 0);
	assert_int_equal(set_ring(&e), 0);
	t0 = now_ms();
	assert_int_equal(set_ring(&e), -ETIMEDOUT);
	took = now_ms() - t0;
	assert_true(took >= EDGELB_DPDK_GRACE_MS - 2);
	assert_true(took < 5 * EDGELB_DPDK_GRACE_MS);
	env_close(&e);
}

/*
 * Two lcores, one hung (never quiescent), one polling: the periods stay
 * held up by the hung one, so after the first timeout every change fails
 * at once even though the other lcore's loops keep moving (a sum of the
 * loops would have made each one wait out the bound again).
 */
static void test_one_hung_lcore_fails_fast(void **state)
{
	const struct edgelb_tables_view *v;
	struct env e;
	int64_t t0, took;

	(void)state;
	env_open(&e);
	v = edgelb_tables_view(e.lcores);
	edgelb_tables_lcore_online(v, 1);
	for (int i = 0; i < RING_STORE_BUFS; i++)
		assert_int_equal(set_ring(&e), 0);
	t0 = now_ms();
	assert_int_equal(set_ring(&e), -ETIMEDOUT);
	took = now_ms() - t0;
	assert_true(took >= EDGELB_DPDK_GRACE_MS - 2 && took < 5 * EDGELB_DPDK_GRACE_MS);
	for (int i = 0; i < 3; i++) {
		edgelb_tables_lcore_quiescent(v, 1); /* lcore 1 polls on */
		t0 = now_ms();
		assert_int_equal(set_ring(&e), -ETIMEDOUT);
		took = now_ms() - t0;
		assert_true(took < EDGELB_DPDK_GRACE_MS / 2);
	}
	/* the hung lcore polls once: the retired buffers come back */
	edgelb_tables_lcore_quiescent(v, 0);
	edgelb_tables_lcore_quiescent(v, 1);
	assert_int_equal(set_ring(&e), 0);
	env_close(&e);
}

static void test_gone_data_plane_waits_for_nothing(void **state)
{
	struct env e;
	int64_t t0;

	(void)state;
	env_open(&e);
	for (int i = 0; i < RING_STORE_BUFS; i++)
		assert_int_equal(set_ring(&e), 0);
	assert_int_equal(set_ring(&e), -ETIMEDOUT);
	/* edgelb-dpdk exits (or is killed): its presence lock goes with it */
	edgelb_tables_close(e.lcores);
	e.lcores = NULL;
	t0 = now_ms();
	for (int i = 0; i < 2 * RING_STORE_BUFS; i++)
		assert_int_equal(set_ring(&e), 0);
	assert_true(now_ms() - t0 < EDGELB_DPDK_GRACE_MS);
	env_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stopped_lcores_bound_the_wait),
		cmocka_unit_test(test_one_hung_lcore_fails_fast),
		cmocka_unit_test(test_gone_data_plane_waits_for_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
