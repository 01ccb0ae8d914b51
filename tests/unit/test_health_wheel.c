// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checks' timer wheel (controlplane/health/wheel.c) on a fake clock.
 * Every expected time is worked out by hand from wheel.h's rules: a
 * deadline d is due in slot ceil(d / 4000 us), at that slot's time; the
 * wheel reaches 4096 slots (16.384 s) ahead, and the overflow list is
 * looked at every 2048 slots (8.192 s).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "health/wheel.h"

static struct hc_wheel *wheel_new(uint64_t now_us)
{
	struct hc_wheel *w = malloc(sizeof(*w));

	assert_non_null(w);
	hc_wheel_init(w, now_us);
	return w;
}

static uint64_t next_at(const struct hc_wheel *w)
{
	uint64_t at = 0;

	assert_true(hc_wheel_next(w, &at));
	return at;
}

static void test_deadlines_round_up_to_their_slot(void **state)
{
	struct hc_wheel *w = wheel_new(0);
	struct hc_wheel_node a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, *x, *y;
	uint64_t at;

	(void)state;
	assert_false(hc_wheel_next(w, &at));
	hc_wheel_add(w, &a, 0);	   /* slot 0, due at 0 */
	hc_wheel_add(w, &b, 1);	   /* ceil(1 / 4000) = slot 1, at 4000 */
	hc_wheel_add(w, &c, 4000); /* slot 1 */
	hc_wheel_add(w, &d, 4001); /* slot 2, at 8000 */
	assert_true(hc_wheel_queued(&a));
	assert_int_equal(hc_wheel_count(w), 4);
	assert_int_equal(next_at(w), 0);
	assert_ptr_equal(hc_wheel_pop(w, 0), &a);
	assert_false(hc_wheel_queued(&a));
	assert_null(hc_wheel_pop(w, 0));
	assert_int_equal(next_at(w), 4000);
	assert_null(hc_wheel_pop(w, 3999));
	x = hc_wheel_pop(w, 4000);
	y = hc_wheel_pop(w, 4000);
	/* b and c share slot 1, in either order */
	assert_true((x == &b && y == &c) || (x == &c && y == &b));
	assert_null(hc_wheel_pop(w, 4000));
	assert_int_equal(next_at(w), 8000);
	assert_ptr_equal(hc_wheel_pop(w, 9000), &d);
	assert_int_equal(hc_wheel_count(w), 0);
	assert_false(hc_wheel_next(w, &at));
	free(w);
}

static void test_a_past_deadline_is_due_in_the_next_slot(void **state)
{
	struct hc_wheel *w = wheel_new(10000); /* slot 2 (8000 <= 10000 < 12000) */
	struct hc_wheel_node e = { 0 };

	(void)state;
	/* slot 2's time has come and it is empty: the wheel moves to slot 3 */
	assert_null(hc_wheel_pop(w, 10000));
	hc_wheel_add(w, &e, 5000); /* slot 2 has passed: slot 3, at 12000 */
	assert_int_equal(next_at(w), 12000);
	assert_null(hc_wheel_pop(w, 11999));
	assert_ptr_equal(hc_wheel_pop(w, 12000), &e);
	free(w);
}

static void test_delete_and_move(void **state)
{
	struct hc_wheel *w = wheel_new(0);
	struct hc_wheel_node h = { 0 }, i = { 0 }, j = { 0 };

	(void)state;
	hc_wheel_add(w, &h, 100000); /* slot 25 */
	hc_wheel_add(w, &i, 99000);  /* slot 25 (ceil(24.75)) */
	hc_wheel_del(w, &h);
	hc_wheel_del(w, &h); /* not queued: nothing */
	assert_int_equal(hc_wheel_count(w), 1);
	assert_ptr_equal(hc_wheel_pop(w, 100000), &i);
	assert_null(hc_wheel_pop(w, 100000));

	/* a check moved earlier (a site sweep): 10 s (slot 2500) -> 1 s (slot 250) */
	hc_wheel_add(w, &j, 10000000);
	assert_int_equal(next_at(w), 10000000);
	hc_wheel_move(w, &j, 1000000);
	assert_int_equal(next_at(w), 1000000);
	assert_ptr_equal(hc_wheel_pop(w, 1000000), &j);
	/* move of a node not queued queues it */
	hc_wheel_move(w, &j, 1004000);
	assert_int_equal(next_at(w), 1004000);
	free(w);
}

static void test_a_far_deadline_waits_in_the_overflow_list(void **state)
{
	struct hc_wheel *w = wheel_new(0);
	struct hc_wheel_node f = { 0 };
	uint64_t now = 0;

	(void)state;
	/* 20 s = slot 5000, beyond the ring's 4096: overflow; the timer then
	 * fires at the next boundary, slot 2048 = 8.192 s */
	hc_wheel_add(w, &f, 20000000);
	assert_true(f.far);
	assert_int_equal(next_at(w), 8192000);
	now = 8192000;
	/* at slot 2048, 5000 < 2048 + 4096: f moves into the ring */
	assert_null(hc_wheel_pop(w, now));
	assert_false(f.far);
	assert_int_equal(next_at(w), 20000000);
	assert_ptr_equal(hc_wheel_pop(w, 20000000), &f);
	free(w);
}

static void test_a_long_interval_costs_a_few_wake_ups(void **state)
{
	struct hc_wheel *w = wheel_new(0);
	struct hc_wheel_node g = { 0 };
	int empty = 0;
	uint64_t at;

	(void)state;
	/* 100 s = slot 25000. Boundaries every 2048 slots; g moves in at the
	 * first boundary b with 25000 < b + 4096, b = 22528 (the 11th): 11
	 * wake-ups for nothing, then g on time */
	hc_wheel_add(w, &g, 100000000);
	for (;;) {
		struct hc_wheel_node *n;

		at = next_at(w);
		n = hc_wheel_pop(w, at);
		if (n) {
			assert_ptr_equal(n, &g);
			break;
		}
		empty++;
		assert_int_equal(at, (uint64_t)empty * 2048 * 4000);
	}
	assert_int_equal(empty, 11);
	assert_int_equal(at, 100000000);
	free(w);
}

static void test_a_late_loop_still_finds_a_far_node(void **state)
{
	struct hc_wheel *w = wheel_new(0);
	struct hc_wheel_node k = { 0 }, l = { 0 };

	(void)state;
	/* 60 s = slot 15000, in the overflow list; the loop wakes only at 59 s
	 * (slot 14750): the wheel walks the boundaries (2048, 4096, ...) and k
	 * moves in at 14336 (7 x 2048, 15000 < 14336 + 4096) */
	hc_wheel_add(w, &k, 60000000);
	hc_wheel_add(w, &l, 1000); /* slot 1 */
	assert_ptr_equal(hc_wheel_pop(w, 59000000), &l);
	assert_null(hc_wheel_pop(w, 59000000));
	assert_false(k.far);
	assert_int_equal(next_at(w), 60000000);
	assert_ptr_equal(hc_wheel_pop(w, 60000000), &k);
	free(w);
}

static void test_an_empty_wheel_catches_up(void **state)
{
	struct hc_wheel *w = wheel_new(0);
	struct hc_wheel_node m = { 0 };

	(void)state;
	/* an hour idle: without catching up, 1 h + 1 s (slot 900250) would
	 * be far from slot 0; after it, within the ring */
	hc_wheel_catch_up(w, 3600000000ull);
	assert_int_equal(w->cur, 900000);
	hc_wheel_add(w, &m, 3601000000ull);
	assert_false(m.far);
	assert_int_equal(next_at(w), 3601000000ull);
	/* not empty: nothing moves */
	hc_wheel_catch_up(w, 3700000000ull);
	assert_int_equal(w->cur, 900000);
	free(w);
}

static void test_ten_thousand_checks_a_second(void **state)
{
	struct hc_wheel *w = wheel_new(0);
	struct hc_wheel_node *n = calloc(10000, sizeof(*n));
	uint64_t now = 0, at;
	size_t popped = 0, wakes = 0;

	(void)state;
	assert_non_null(n);
	/* check i due at i * 100 us: 40 per 4 ms slot, 250 slots in 1 s */
	for (size_t i = 0; i < 10000; i++)
		hc_wheel_add(w, &n[i], i * 100);
	while (hc_wheel_next(w, &at)) {
		struct hc_wheel_node *x;

		now = at;
		wakes++;
		while ((x = hc_wheel_pop(w, now))) {
			size_t i = (size_t)(x - n);

			/* never early, at most one slot late */
			assert_true(i * 100 <= now);
			assert_true(now - i * 100 < 4000);
			popped++;
		}
	}
	assert_int_equal(popped, 10000);
	/* slots 0..250: slot 0 holds check 0, slot 250 checks 9961..9999 */
	assert_int_equal(wakes, 251);
	free(n);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadlines_round_up_to_their_slot),
		cmocka_unit_test(test_a_past_deadline_is_due_in_the_next_slot),
		cmocka_unit_test(test_delete_and_move),
		cmocka_unit_test(test_a_far_deadline_waits_in_the_overflow_list),
		cmocka_unit_test(test_a_long_interval_costs_a_few_wake_ups),
		cmocka_unit_test(test_a_late_loop_still_finds_a_far_node),
		cmocka_unit_test(test_an_empty_wheel_catches_up),
		cmocka_unit_test(test_ten_thousand_checks_a_second),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
