// SPDX-License-Identifier: GPL-2.0-only
/*
 * Properties of the Maglev ring that the balancer relies on: full ring,
 * even shares, weights, small disruption on removal, independence from
 * input order, and a pinned ring so that a cross-version change is caught.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "maglev.h"

#define M_DEFAULT 65537u

struct pool {
	size_t n;
	char (*names)[32];
	struct maglev_backend *be;
};

/* Backends named "web-<i>" (the identity); id = i. */
static struct pool pool_make(size_t n, uint32_t weight)
{
	struct pool p = { .n = n };

	p.names = calloc(n, sizeof(*p.names));
	p.be = calloc(n, sizeof(*p.be));
	assert_non_null(p.names);
	assert_non_null(p.be);
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(p.names[i], sizeof(p.names[i]), "web-%zu", i);

		p.be[i] = (struct maglev_backend){ .key = p.names[i], .key_len = (size_t)len,
						   .weight = weight, .id = (uint32_t)i };
	}
	return p;
}

static void pool_free(struct pool *p)
{
	free(p->names);
	free(p->be);
}

static uint32_t *ring_build(const struct maglev_backend *be, size_t n, uint32_t m)
{
	uint32_t *ring = malloc(sizeof(*ring) * m);

	assert_non_null(ring);
	assert_int_equal(maglev_build(be, n, m, ring), 0);
	return ring;
}

/* counts[id] = slots owned; fails on an empty or foreign slot. */
static void ring_count(const uint32_t *ring, uint32_t m, size_t n, uint32_t *counts)
{
	memset(counts, 0, n * sizeof(*counts));
	for (uint32_t s = 0; s < m; s++) {
		assert_true(ring[s] < n);
		counts[ring[s]]++;
	}
}

static void test_size_validity(void **state)
{
	(void)state;
	assert_true(maglev_size_valid(65537));
	assert_true(maglev_size_valid(655373));
	assert_true(maglev_size_valid(7));
	assert_false(maglev_size_valid(65536));
	assert_false(maglev_size_valid(65539 * 3));
	assert_false(maglev_size_valid(655371)); /* = 3 x 218457 */
	assert_false(maglev_size_valid(1));
	assert_false(maglev_size_valid(2));
	assert_false(maglev_size_valid(MAGLEV_MAX_SIZE + 2));
}

static void check_equal_shares(size_t n)
{
	struct pool p = pool_make(n, 1);
	uint32_t *ring = ring_build(p.be, n, M_DEFAULT);
	uint32_t *counts = calloc(n, sizeof(*counts));
	double ideal = (double)M_DEFAULT / (double)n;

	assert_non_null(counts);
	ring_count(ring, M_DEFAULT, n, counts); /* every slot filled */
	for (size_t i = 0; i < n; i++) {
		double dev = ((double)counts[i] - ideal) / ideal;

		if (dev > 0.01 || dev < -0.01)
			fail_msg("N=%zu backend %zu owns %u slots, ideal %.1f", n, i, counts[i],
				 ideal);
	}
	free(counts);
	free(ring);
	pool_free(&p);
}

static void test_equal_shares_10(void **state)
{
	(void)state;
	check_equal_shares(10);
}

static void test_equal_shares_100(void **state)
{
	(void)state;
	check_equal_shares(100);
}

static void test_equal_shares_1000(void **state)
{
	(void)state;
	check_equal_shares(1000);
}

/* Weights 1..10 (repeated for larger pools): shares within +-2 %. */
static void check_weighted_shares(size_t n)
{
	struct pool p = pool_make(n, 1);
	uint32_t *counts = calloc(n, sizeof(*counts)), *ring;
	uint64_t total = 0;

	assert_non_null(counts);
	for (size_t i = 0; i < n; i++) {
		p.be[i].weight = (uint32_t)(i % 10) + 1;
		total += p.be[i].weight;
	}
	ring = ring_build(p.be, n, M_DEFAULT);
	ring_count(ring, M_DEFAULT, n, counts);
	for (size_t i = 0; i < n; i++) {
		double ideal = (double)M_DEFAULT * p.be[i].weight / (double)total;
		double dev = ((double)counts[i] - ideal) / ideal;

		if (dev > 0.02 || dev < -0.02)
			fail_msg("N=%zu backend %zu weight %u owns %u slots, ideal %.1f", n, i,
				 p.be[i].weight, counts[i], ideal);
	}
	free(counts);
	free(ring);
	pool_free(&p);
}

static void test_weighted_shares_10(void **state)
{
	(void)state;
	check_weighted_shares(10);
}

static void test_weighted_shares_100(void **state)
{
	(void)state;
	check_weighted_shares(100);
}

/*
 * Removing one backend moves its own slots (unavoidable) and should move
 * almost nothing else: at most 1 % of the ring.
 */
static void check_removal(size_t n, size_t victim)
{
	struct pool p = pool_make(n, 1);
	uint32_t *before = ring_build(p.be, n, M_DEFAULT), *after;
	uint32_t moved = 0;

	/* Remove by swapping the last one in: the order must not matter anyway. */
	p.be[victim] = p.be[n - 1];
	after = ring_build(p.be, n - 1, M_DEFAULT);
	for (uint32_t s = 0; s < M_DEFAULT; s++) {
		assert_int_not_equal(after[s], victim);
		if (before[s] != victim && before[s] != after[s])
			moved++;
	}
	print_message("N=%zu: removing one backend moved %u other slots (%.3f %%)\n", n, moved,
		      100.0 * moved / M_DEFAULT);
	assert_true(moved <= M_DEFAULT / 100);
	free(before);
	free(after);
	pool_free(&p);
}

static void test_removal_disruption_10(void **state)
{
	(void)state;
	check_removal(10, 3);
}

static void test_removal_disruption_100(void **state)
{
	(void)state;
	check_removal(100, 42);
}

static void test_removal_disruption_1000(void **state)
{
	(void)state;
	check_removal(1000, 517);
}

static void test_shuffled_input_same_ring(void **state)
{
	struct pool p = pool_make(257, 1);
	uint32_t *ring, *shuffled;
	unsigned int seed = 12345;

	(void)state;
	for (size_t i = 0; i < p.n; i++)
		p.be[i].weight = (uint32_t)(i % 7); /* includes drained ones */
	ring = ring_build(p.be, p.n, M_DEFAULT);
	for (int round = 0; round < 5; round++) {
		for (size_t i = p.n - 1; i > 0; i--) {
			size_t j = (size_t)rand_r(&seed) % (i + 1);
			struct maglev_backend t = p.be[i];

			p.be[i] = p.be[j];
			p.be[j] = t;
		}
		shuffled = ring_build(p.be, p.n, M_DEFAULT);
		assert_memory_equal(ring, shuffled, sizeof(*ring) * M_DEFAULT);
		free(shuffled);
	}
	free(ring);
	pool_free(&p);
}

static void test_drained_and_empty(void **state)
{
	struct pool p = pool_make(4, 1);
	uint32_t *ring;

	(void)state;
	p.be[2].weight = 0;
	ring = ring_build(p.be, p.n, 7919);
	for (uint32_t s = 0; s < 7919; s++)
		assert_true(ring[s] != 2 && ring[s] < 4);
	free(ring);

	for (size_t i = 0; i < p.n; i++)
		p.be[i].weight = 0;
	ring = ring_build(p.be, p.n, 7919);
	for (uint32_t s = 0; s < 7919; s++)
		assert_int_equal(ring[s], MAGLEV_EMPTY);
	free(ring);

	ring = ring_build(NULL, 0, 7919);
	assert_int_equal(ring[0], MAGLEV_EMPTY);
	free(ring);
	pool_free(&p);
}

static void test_rejects_bad_input(void **state)
{
	struct pool p = pool_make(3, 1);
	uint32_t ring[7919];
	char long_key[MAGLEV_MAX_KEY + 1];

	(void)state;
	assert_int_equal(maglev_build(p.be, p.n, 65536, ring), -EINVAL);
	p.be[1].key = p.names[0]; /* duplicate identity */
	p.be[1].key_len = p.be[0].key_len;
	assert_int_equal(maglev_build(p.be, p.n, 7919, ring), -EINVAL);
	p.be[1].key = long_key;
	memset(long_key, 'x', sizeof(long_key));
	p.be[1].key_len = sizeof(long_key);
	assert_int_equal(maglev_build(p.be, p.n, 7919, ring), -EINVAL);
	p.be[1].key_len = 4;
	p.be[1].weight = MAGLEV_MAX_WEIGHT + 1;
	assert_int_equal(maglev_build(p.be, p.n, 7919, ring), -EINVAL);
	pool_free(&p);
}

/* Each permutation visits every slot exactly once (skip coprime with m). */
static void test_permutation_is_full(void **state)
{
	const uint32_t m = 7919;
	uint8_t seen[7919];

	(void)state;
	for (int k = 0; k < 50; k++) {
		char name[16];
		uint32_t off, skip;
		int len = snprintf(name, sizeof(name), "b%d", k);

		maglev_permutation(name, (size_t)len, m, &off, &skip);
		assert_true(off < m);
		assert_in_range(skip, 1, m - 1);
		memset(seen, 0, sizeof(seen));
		for (uint32_t j = 0; j < m; j++) {
			uint32_t s = (uint32_t)((off + (uint64_t)j * skip) % m);

			assert_int_equal(seen[s], 0);
			seen[s] = 1;
		}
	}
}

/* FNV-1a over the ring's bytes in a fixed (little-endian) layout. */
static uint64_t ring_checksum(const uint32_t *ring, uint32_t m)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t s = 0; s < m; s++)
		for (int b = 0; b < 4; b++) {
			h ^= (ring[s] >> (8 * b)) & 0xff;
			h *= 0x100000001b3ull;
		}
	return h;
}

/*
 * Pinned: a change here means a new version would build a different ring
 * from the same backends, and a mixed-version pair of balancers would send
 * the same flow to different backends. Do not update the value casually.
 */
static void test_golden_ring(void **state)
{
	struct pool p = pool_make(20, 1);
	uint32_t *ring;
	uint64_t sum;

	(void)state;
	for (size_t i = 0; i < p.n; i++)
		p.be[i].weight = (uint32_t)(i % 4) + 1;
	ring = ring_build(p.be, p.n, M_DEFAULT);
	sum = ring_checksum(ring, M_DEFAULT);
	if (sum != 0xc60552fec50c1218ull)
		print_error("golden ring checksum 0x%016llx\n", (unsigned long long)sum);
	assert_true(sum == 0xc60552fec50c1218ull);
	free(ring);
	pool_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_validity),
		cmocka_unit_test(test_equal_shares_10),
		cmocka_unit_test(test_equal_shares_100),
		cmocka_unit_test(test_equal_shares_1000),
		cmocka_unit_test(test_weighted_shares_10),
		cmocka_unit_test(test_weighted_shares_100),
		cmocka_unit_test(test_removal_disruption_10),
		cmocka_unit_test(test_removal_disruption_100),
		cmocka_unit_test(test_removal_disruption_1000),
		cmocka_unit_test(test_shuffled_input_same_ring),
		cmocka_unit_test(test_drained_and_empty),
		cmocka_unit_test(test_rejects_bad_input),
		cmocka_unit_test(test_permutation_is_full),
		cmocka_unit_test(test_golden_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
