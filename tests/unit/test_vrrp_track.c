// SPDX-License-Identifier: GPL-2.0-only
/*
 * VRRP tracking and sync groups (controlplane/vrrp/track.c): the weights
 * of edgelb.conf(5), clamping, the owner's 255, unknown = failing, and the
 * sync-group fault rule; then tracking driving two state machines on a
 * fake clock, so the whole effect (a failed interface hands the VIPs to
 * the peer) is checked, not only the arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vrrp/fsm.h"
#include "vrrp/track.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_no_objects(void **state)
{
	struct vrrp_track_result r;

	(void)state;
	r = vrrp_track_eval(100, NULL, 0);
	assert_int_equal(r.priority, 100);
	assert_false(r.fault);
	assert_int_equal(r.failing, 0);
	r = vrrp_track_eval(255, NULL, 0);
	assert_int_equal(r.priority, 255);
}

static void test_weights(void **state)
{
	static const struct {
		uint8_t prio;
		struct vrrp_track_obj o[3];
		size_t n;
		uint8_t want;
		bool fault;
		size_t failing;
	} cases[] = {
		/* negative: subtracted while failing only */
		{ 150, { { -60, false } }, 1, 90, false, 1 },
		{ 150, { { -60, true } }, 1, 150, false, 0 },
		/* positive: added while fine only */
		{ 100, { { 20, true } }, 1, 120, false, 0 },
		{ 100, { { 20, false } }, 1, 100, false, 1 },
		/* several add up */
		{ 150, { { -60, false }, { -30, false }, { 10, true } }, 3, 70, false, 2 },
		/* weight 0: fault while failing, priority untouched */
		{ 150, { { 0, false } }, 1, 150, true, 1 },
		{ 150, { { 0, true }, { -10, false } }, 2, 140, false, 1 },
		/* clamped to 1..254 */
		{ 100, { { -254, false } }, 1, 1, false, 1 },
		{ 200, { { 254, true } }, 1, 254, false, 0 },
		/* the owner stays 255 while nothing moves it ... */
		{ 255, { { -10, true } }, 1, 255, false, 0 },
		/* ... and is no longer the owner when something does */
		{ 255, { { -10, false } }, 1, 245, false, 1 },
		{ 255, { { 5, true } }, 1, 254, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct vrrp_track_result r = vrrp_track_eval(cases[i].prio, cases[i].o, cases[i].n);

		assert_int_equal(r.priority, cases[i].want);
		assert_int_equal(r.fault, cases[i].fault);
		assert_int_equal(r.failing, cases[i].failing);
	}
}

static void test_sync_group_fault(void **state)
{
	/* 0,1,2 in group 0; 3 in group 1; 4 in none */
	const int group[] = { 0, 0, 0, 1, -1 };
	bool own[5] = { false };

	(void)state;
	for (size_t i = 0; i < 5; i++)
		assert_false(vrrp_sync_group_fault(own, group, 5, i));
	own[1] = true;
	assert_true(vrrp_sync_group_fault(own, group, 5, 0));
	assert_false(vrrp_sync_group_fault(own, group, 5, 1)); /* its own, not the group's */
	assert_true(vrrp_sync_group_fault(own, group, 5, 2));
	assert_false(vrrp_sync_group_fault(own, group, 5, 3));
	assert_false(vrrp_sync_group_fault(own, group, 5, 4));
	own[4] = true; /* no group: nobody follows it */
	own[1] = false;
	for (size_t i = 0; i < 4; i++)
		assert_false(vrrp_sync_group_fault(own, group, 5, i));
	assert_false(vrrp_sync_group_fault(own, group, 5, 9));
}

/*
 * Master A (150) tracks an interface with weight -60; backup B (100)
 * preempts. The interface fails: A advertises 90, B takes over at once
 * (preemption, §6.4.2: B discards the lower advert and its timer runs
 * out); with weight 0 A goes to FAULT and resigns (priority 0) instead.
 */
static void run_pair(int16_t weight, enum vrrp_state a_after)
{
	struct vrrp_fsm_config ca = { .vrid = 7, .priority = 150, .advert_int_cs = 100,
				      .preempt = true, .version = 3 };
	struct vrrp_fsm_config cb = ca;
	struct vrrp_fsm a, b;
	struct vrrp_fsm_actions act;
	struct vrrp_track_obj link = { weight, true };
	struct vrrp_track_result r;
	uint64_t t;

	cb.priority = 100;
	assert_int_equal(vrrp_fsm_init(&a, &ca), 0);
	assert_int_equal(vrrp_fsm_init(&b, &cb), 0);
	vrrp_fsm_start(&a, 0);
	vrrp_fsm_start(&b, 0);
	vrrp_fsm_timer(&a, 3414); /* 3 s + skew(150) */
	assert_int_equal(a.state, VRRP_STATE_MASTER);
	vrrp_fsm_advert_received(&b, 3414, 150, 100, 1);
	assert_int_equal(b.state, VRRP_STATE_BACKUP);

	link.ok = false;
	r = vrrp_track_eval(150, &link, 1);
	t = 4000;
	if (r.fault) {
		act = vrrp_fsm_fault(&a, t, true);
	} else {
		act = vrrp_fsm_set_priority(&a, t, r.priority);
	}
	assert_true(act.send_advert);
	vrrp_fsm_advert_received(&b, t, act.advert_priority, 100, 1);
	/* B takes over within its skew (resign) or one advert + master down */
	for (; b.state != VRRP_STATE_MASTER && t < 4000 + 3700; t++)
		vrrp_fsm_timer(&b, t);
	assert_int_equal(b.state, VRRP_STATE_MASTER);
	if (r.fault)
		assert_true(t <= 4000 + vrrp_fsm_skew_ms(&b) + 1);
	vrrp_fsm_advert_received(&a, t, 100, 100, -1);
	assert_int_equal(a.state, a_after);
}

static void test_tracking_moves_the_master(void **state)
{
	(void)state;
	run_pair(-60, VRRP_STATE_BACKUP);
	run_pair(0, VRRP_STATE_FAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_objects),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_sync_group_fault),
		cmocka_unit_test(test_tracking_moves_the_master),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
