// SPDX-License-Identifier: GPL-2.0-only
/*
 * The health state machine and check schedule (controlplane/health/fsm.c)
 * on a fake clock: rise and fall, hold-down, counters, reconfiguration on
 * reload, and the jittered schedule (bounds, spread, determinism).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "health/fsm.h"

/* Feed n results of one kind, one per second from *t; returns the last change. */
static enum hc_fsm_change feed(struct hc_fsm *f, bool pass, int n, uint64_t *t)
{
	enum hc_fsm_change ch = HC_FSM_SAME;

	for (int i = 0; i < n; i++) {
		*t += 1000;
		ch = hc_fsm_result(f, pass, *t);
	}
	return ch;
}

static void test_fall_takes_an_up_backend_down(void **state)
{
	struct hc_fsm f;
	uint64_t t = 5000;

	(void)state;
	hc_fsm_init(&f, true, 2, 3, 0, t);
	assert_true(f.up);
	assert_int_equal(f.since_ms, 5000);
	/* two failures: still up; a pass in between restarts the run */
	assert_int_equal(feed(&f, false, 2, &t), HC_FSM_SAME);
	assert_int_equal(feed(&f, true, 1, &t), HC_FSM_SAME);
	assert_int_equal(feed(&f, false, 2, &t), HC_FSM_SAME);
	assert_true(f.up);
	assert_int_equal(f.fails, 2);
	/* the third in a row */
	assert_int_equal(feed(&f, false, 1, &t), HC_FSM_WENT_DOWN);
	assert_false(f.up);
	assert_int_equal(f.since_ms, t);
	assert_int_equal(f.transitions, 1);
	/* more failures change nothing */
	assert_int_equal(feed(&f, false, 5, &t), HC_FSM_SAME);
	assert_int_equal(f.transitions, 1);
	assert_int_equal(f.n_fail, 10);
	assert_int_equal(f.n_pass, 1);
}

static void test_rise_brings_a_down_backend_up(void **state)
{
	struct hc_fsm f;
	uint64_t t = 0, went_up;

	(void)state;
	hc_fsm_init(&f, false, 3, 2, 0, t);
	assert_false(f.up);
	assert_int_equal(feed(&f, true, 2, &t), HC_FSM_SAME);
	assert_int_equal(feed(&f, false, 1, &t), HC_FSM_SAME); /* run restarts */
	assert_int_equal(feed(&f, true, 2, &t), HC_FSM_SAME);
	assert_false(f.up);
	assert_int_equal(feed(&f, true, 1, &t), HC_FSM_WENT_UP);
	assert_true(f.up);
	went_up = t;
	assert_int_equal(f.since_ms, went_up);
	assert_int_equal(feed(&f, true, 10, &t), HC_FSM_SAME);
	assert_int_equal(f.since_ms, went_up);
	assert_int_equal(f.transitions, 1);
}

static void test_rise_and_fall_of_one(void **state)
{
	struct hc_fsm f;
	uint64_t t = 0;

	(void)state;
	hc_fsm_init(&f, true, 1, 1, 0, t);
	assert_int_equal(feed(&f, false, 1, &t), HC_FSM_WENT_DOWN);
	assert_int_equal(feed(&f, true, 1, &t), HC_FSM_WENT_UP);
	assert_int_equal(feed(&f, false, 1, &t), HC_FSM_WENT_DOWN);
	assert_int_equal(f.transitions, 3);
	/* 0 is treated as 1, never as "never" */
	hc_fsm_init(&f, false, 0, 0, 0, t);
	assert_int_equal(feed(&f, true, 1, &t), HC_FSM_WENT_UP);
}

static void test_hold_down_keeps_a_flapping_backend_down(void **state)
{
	struct hc_fsm f;
	uint64_t t = 100000, down_at;

	(void)state;
	hc_fsm_init(&f, true, 2, 1, 10000, t);
	assert_int_equal(feed(&f, false, 1, &t), HC_FSM_WENT_DOWN);
	down_at = t;
	assert_int_equal(f.hold_until_ms, down_at + 10000);
	assert_true(hc_fsm_held(&f, down_at + 9999));
	assert_false(hc_fsm_held(&f, down_at + 10000));
	/* passes during the hold count, but do not bring it up */
	assert_int_equal(feed(&f, true, 5, &t), HC_FSM_SAME);
	assert_false(f.up);
	assert_int_equal(f.passes, 5);
	/* a failure during the hold resets the run, does not extend the hold */
	assert_int_equal(feed(&f, false, 1, &t), HC_FSM_SAME);
	assert_int_equal(f.hold_until_ms, down_at + 10000);
	assert_int_equal(feed(&f, true, 2, &t), HC_FSM_SAME); /* t = down + 8 s */
	assert_true(hc_fsm_held(&f, t));
	/* one ms before the end: still down; at the end: up (rise already met) */
	assert_int_equal(hc_fsm_result(&f, true, down_at + 9999), HC_FSM_SAME);
	assert_int_equal(hc_fsm_result(&f, true, down_at + 10000), HC_FSM_WENT_UP);
	assert_int_equal(f.since_ms, down_at + 10000);
	assert_int_equal(f.hold_until_ms, 0);
	assert_int_equal(f.transitions, 2);
}

static void test_hold_down_needs_rise_after_it_ends(void **state)
{
	struct hc_fsm f;
	uint64_t t = 0;

	(void)state;
	hc_fsm_init(&f, true, 3, 1, 2500, t);
	assert_int_equal(feed(&f, false, 1, &t), HC_FSM_WENT_DOWN); /* t = 1000, held to 3500 */
	assert_int_equal(feed(&f, false, 3, &t), HC_FSM_SAME);	   /* t = 4000 */
	assert_false(hc_fsm_held(&f, t));
	/* the hold is over, but rise still applies */
	assert_int_equal(feed(&f, true, 2, &t), HC_FSM_SAME);
	assert_int_equal(feed(&f, true, 1, &t), HC_FSM_WENT_UP);
}

static void test_no_hold_down_by_default(void **state)
{
	struct hc_fsm f;
	uint64_t t = 0;

	(void)state;
	hc_fsm_init(&f, true, 1, 1, 0, t);
	assert_int_equal(hc_fsm_result(&f, false, 10), HC_FSM_WENT_DOWN);
	assert_false(hc_fsm_held(&f, 10));
	assert_int_equal(hc_fsm_result(&f, true, 11), HC_FSM_WENT_UP);
}

static void test_reconfigure_keeps_state_and_counters(void **state)
{
	struct hc_fsm f;
	uint64_t t = 0, since;

	(void)state;
	hc_fsm_init(&f, true, 2, 3, 0, t);
	feed(&f, false, 3, &t); /* down at 3000 */
	since = f.since_ms;
	feed(&f, true, 1, &t);
	hc_fsm_reconfigure(&f, 4, 2, 500);
	assert_false(f.up);
	assert_int_equal(f.since_ms, since);
	assert_int_equal(f.transitions, 1);
	assert_int_equal(f.n_fail, 3);
	assert_int_equal(f.n_pass, 1);
	/* runs restart: the pass before the reload does not count */
	assert_int_equal(f.passes, 0);
	assert_int_equal(f.rise, 4);
	assert_int_equal(feed(&f, true, 3, &t), HC_FSM_SAME);
	assert_int_equal(feed(&f, true, 1, &t), HC_FSM_WENT_UP);
	/* the new hold-down applies to the next fall */
	assert_int_equal(feed(&f, false, 2, &t), HC_FSM_WENT_DOWN);
	assert_int_equal(f.hold_until_ms, t + 500);
}

/* ---- schedule -------------------------------------------------------------- */

static void test_jitter_stays_in_bounds_and_spreads(void **state)
{
	struct hc_rng r;
	uint32_t lo = UINT32_MAX, hi = 0;
	uint64_t sum = 0;
	const int n = 20000;

	(void)state;
	hc_rng_seed(&r, "web", "web1");
	for (int i = 0; i < n; i++) {
		uint32_t v = hc_sched_interval(&r, 2000, 100); /* 2 s +- 10 % */

		assert_in_range(v, 1800, 2200);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += v;
	}
	/* the whole range is used, centred on the interval */
	assert_in_range(lo, 1800, 1805);
	assert_in_range(hi, 2195, 2200);
	assert_in_range(sum / n, 1990, 2010);
}

static void test_jitter_edges(void **state)
{
	struct hc_rng r;

	(void)state;
	hc_rng_seed(&r, "a", "b");
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(hc_sched_interval(&r, 1500, 0), 1500);
		/* 50 %, the config's maximum */
		assert_in_range(hc_sched_interval(&r, 1000, 500), 500, 1500);
		/* above 100 % counts as 100 %, and never 0 ms */
		assert_in_range(hc_sched_interval(&r, 1000, 4000), 1, 2000);
		assert_in_range(hc_sched_interval(&r, 1, 1000), 1, 2);
	}
}

static void test_schedule_is_deterministic_per_backend(void **state)
{
	struct hc_rng a, b, c;
	int same_as_other = 0;

	(void)state;
	hc_rng_seed(&a, "web", "web1");
	hc_rng_seed(&b, "web", "web1");
	hc_rng_seed(&c, "web", "web2");
	for (int i = 0; i < 100; i++) {
		uint32_t va = hc_sched_interval(&a, 1000, 200);
		uint32_t vb = hc_sched_interval(&b, 1000, 200);

		assert_int_equal(va, vb);
		same_as_other += va == hc_sched_interval(&c, 1000, 200);
	}
	assert_true(same_as_other < 10);
	/* the identity is "service/backend": "ab"/"c" is not "a"/"bc" */
	hc_rng_seed(&a, "ab", "c");
	hc_rng_seed(&b, "a", "bc");
	assert_int_not_equal(hc_rng_next(&a), hc_rng_next(&b));
}

static void test_first_checks_spread_over_the_interval(void **state)
{
	int buckets[10] = { 0 };
	char name[32];

	(void)state;
	/* a thousand backends of one service do not all start at once */
	for (int i = 0; i < 1000; i++) {
		struct hc_rng r;
		uint32_t d;

		snprintf(name, sizeof(name), "be%d", i);
		hc_rng_seed(&r, "web", name);
		d = hc_sched_first(&r, 1000);
		assert_in_range(d, 0, 999);
		buckets[d / 100]++;
	}
	for (int i = 0; i < 10; i++)
		assert_in_range(buckets[i], 60, 140);
}

/* The spacing of batches of changes: as long again as the last one took, 100 ms at most. */
static void test_commit_spacing(void **state)
{
	(void)state;
	/* 2 ms of work from t = 1 ms: the next batch from 5 ms on */
	assert_int_equal(hc_sched_commit_after(1000, 3000), 5000);
	/* a batch of half a second (rings rebuilt, grace periods waited for):
	 * the next at most 100 ms after its end */
	assert_int_equal(hc_sched_commit_after(0, 500000), 600000);
	/* instant, or a clock read backwards: no spacing */
	assert_int_equal(hc_sched_commit_after(5, 5), 5);
	assert_int_equal(hc_sched_commit_after(10, 5), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fall_takes_an_up_backend_down),
		cmocka_unit_test(test_rise_brings_a_down_backend_up),
		cmocka_unit_test(test_rise_and_fall_of_one),
		cmocka_unit_test(test_hold_down_keeps_a_flapping_backend_down),
		cmocka_unit_test(test_hold_down_needs_rise_after_it_ends),
		cmocka_unit_test(test_no_hold_down_by_default),
		cmocka_unit_test(test_reconfigure_keeps_state_and_counters),
		cmocka_unit_test(test_jitter_stays_in_bounds_and_spreads),
		cmocka_unit_test(test_jitter_edges),
		cmocka_unit_test(test_schedule_is_deterministic_per_backend),
		cmocka_unit_test(test_first_checks_spread_over_the_interval),
		cmocka_unit_test(test_commit_spacing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
