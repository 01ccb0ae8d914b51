// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPDK target's flow table (dataplane/dpdk/flow_table.h): lookups
 * and updates in place, the eviction rule (a set's least recently used
 * way), and set placement that depends on the seed. No DPDK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flow_table.h"

static void key(struct edgelb_flow_key *k, uint32_t n)
{
	memset(k, 0, sizeof(*k));
	k->src.v4 = n;
	k->dst.v4 = 0x0a000001;
	k->sport = (__be16)n;
	k->dport = 80;
	k->proto = 6;
	k->family = EDGELB_AF_INET;
}

static int has(struct edgelb_flow_table *ft, uint32_t n)
{
	struct edgelb_flow_key k;

	key(&k, n);
	return edgelb_flow_table_lookup(ft, &k) != NULL;
}

static void put(struct edgelb_flow_table *ft, uint32_t n, uint32_t backend)
{
	struct edgelb_flow_key k;
	struct edgelb_flow_state st = { .backend_id = backend };

	key(&k, n);
	edgelb_flow_table_update(ft, &k, &st);
}

/* One set of 8 ways: the ninth flow evicts the way used least recently. */
static void test_lru_within_a_set(void **state)
{
	static struct edgelb_flow_way ways[EDGELB_FLOW_WAYS];
	struct edgelb_flow_table ft;
	struct edgelb_flow_key k;

	(void)state;
	assert_int_equal(edgelb_flow_table_sets(EDGELB_FLOW_WAYS), 1);
	edgelb_flow_table_init(&ft, ways, 1, 7);
	for (uint32_t n = 1; n <= 8; n++)
		put(&ft, n, n);
	for (uint32_t n = 1; n <= 8; n++)
		assert_true(has(&ft, n)); /* touches 1..8 in that order */
	assert_true(has(&ft, 1));	  /* 1 is now the most recent, 2 the least */
	put(&ft, 9, 9);
	assert_false(has(&ft, 2));
	assert_true(has(&ft, 1));
	assert_true(has(&ft, 9));

	/* an update of a present key rewrites it in place: nothing is evicted */
	put(&ft, 3, 33);
	for (uint32_t n = 3; n <= 9; n++)
		assert_true(has(&ft, n));
	key(&k, 3);
	assert_int_equal(edgelb_flow_table_lookup(&ft, &k)->backend_id, 33);
}

/* The set of a key depends on the seed: a client cannot aim at one blind. */
static void test_seeded_sets(void **state)
{
	struct edgelb_flow_way *ways = calloc(1024 * EDGELB_FLOW_WAYS, sizeof(*ways));
	struct edgelb_flow_table a, b;
	int moved = 0;

	(void)state;
	assert_non_null(ways);
	assert_int_equal(edgelb_flow_table_sets(65536), 8192);
	edgelb_flow_table_init(&a, ways, 1024, 1);
	edgelb_flow_table_init(&b, ways, 1024, 2);
	for (uint32_t n = 0; n < 64; n++) {
		struct edgelb_flow_key k;

		key(&k, n);
		moved += edgelb_flow_ways(&a, &k) != edgelb_flow_ways(&b, &k);
	}
	assert_true(moved > 48);
	free(ways);
}

/*
 * A quarter full (1024 flows in 512 sets of 8), no set overflows: the
 * sets are evenly used. (At half, a Poisson tail of about 2% of sets
 * would: flow_table.h.)
 */
static void test_quarter_full_keeps_all(void **state)
{
	struct edgelb_flow_way *ways = calloc(512 * EDGELB_FLOW_WAYS, sizeof(*ways));
	struct edgelb_flow_table ft;

	(void)state;
	assert_non_null(ways);
	edgelb_flow_table_init(&ft, ways, 512, 0x65646765);
	for (uint32_t n = 0; n < 1024; n++)
		put(&ft, n, n);
	for (uint32_t n = 0; n < 1024; n++)
		assert_true(has(&ft, n));
	free(ways);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lru_within_a_set),
		cmocka_unit_test(test_seeded_sets),
		cmocka_unit_test(test_quarter_full_keeps_all),
	};

	return cmocka_run_group_tests_name("dpdk_flow_table", tests, NULL, NULL);
}
