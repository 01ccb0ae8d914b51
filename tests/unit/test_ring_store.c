// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ring store (controlplane/ring_store.c) on a fake grace provider:
 * where rings are placed (first fit, no compaction), that the live buffer
 * is never handed out and a retired one only after its grace period,
 * that a region given up is not reused before then either, adoption of
 * an earlier run's layout, and the VIP entry a data plane writes.
 *
 * Every expected base below is worked out in the comments from the
 * placement rule of ring_store.h: candidates are slot 0, then the end of
 * every allocated buffer in VIP order, buffer order; the first candidate
 * whose range is clear of every allocated buffer wins.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "ring_store.h"

/* Grace periods that end only when someone waits for them (or the test says so). */
struct fake_grace {
	uint64_t started;   /* the last period started */
	uint64_t completed; /* every period up to this one has ended */
	int waits;
	uint64_t last_wait;
};

static uint64_t fg_start(void *arg)
{
	struct fake_grace *g = arg;

	return ++g->started;
}

static bool fg_ended(void *arg, uint64_t n)
{
	struct fake_grace *g = arg;

	return n <= g->completed;
}

static void fg_wait(void *arg, uint64_t n)
{
	struct fake_grace *g = arg;

	/* nobody waits for a period that was never started */
	assert_true(n >= 1 && n <= g->started);
	g->waits++;
	g->last_wait = n;
	if (g->completed < n)
		g->completed = n;
}

static struct fake_grace fg;

static struct ring_store *store(uint32_t n_slots)
{
	struct ring_grace g = { .start = fg_start, .ended = fg_ended, .wait = fg_wait, .arg = &fg };
	struct ring_store *rs = NULL;

	memset(&fg, 0, sizeof(fg));
	assert_int_equal(ring_store_new(n_slots, &g, &rs), 0);
	assert_int_equal(ring_store_slots(rs), n_slots);
	return rs;
}

/* One ring change that the data plane flipped: the base it was written at. */
static uint32_t change(struct ring_store *rs, uint32_t vip, uint32_t size)
{
	uint32_t base = 0xdead, live_base, live_size;
	bool had_live = !ring_store_live(rs, vip, &live_base, &live_size);

	assert_int_equal(ring_store_prepare(rs, vip, size, &base), 0);
	/* never the buffer packets read now */
	if (had_live)
		assert_true(base + size <= live_base || live_base + live_size <= base);
	assert_int_equal(ring_store_commit(rs, vip), 0);
	assert_int_equal(ring_store_live(rs, vip, &live_base, &live_size), 0);
	assert_int_equal(live_base, base);
	assert_int_equal(live_size, size);
	return base;
}

static void test_new_rejects(void **state)
{
	struct ring_grace g = { .start = fg_start, .ended = fg_ended, .wait = fg_wait, .arg = &fg };
	struct ring_grace no_wait = { .start = fg_start, .ended = fg_ended, .arg = &fg };
	struct ring_store *rs = NULL;

	(void)state;
	assert_int_equal(ring_store_new(0, &g, &rs), -EINVAL);
	assert_int_equal(ring_store_new(100, NULL, &rs), -EINVAL);
	assert_int_equal(ring_store_new(100, &no_wait, &rs), -EINVAL);
	assert_null(rs);
}

static void test_first_rings_packed(void **state)
{
	struct ring_store *rs = store(100);
	uint32_t base = 1, size = 1;

	(void)state;
	assert_int_equal(change(rs, 0, 10), 0);	 /* slot 0 is free */
	assert_int_equal(change(rs, 1, 10), 10); /* 0 taken; the end of VIP 0's ring */
	assert_int_equal(change(rs, 5, 7), 20);	 /* 0 and 10 taken; the end of VIP 1's */
	assert_int_equal(ring_store_live(rs, 2, &base, &size), -ENOENT);
	assert_int_equal(base, 0);
	assert_int_equal(size, 0);
	/* nothing retired yet: no grace period was needed */
	assert_int_equal(fg.started, 0);
	ring_store_free(rs);
}

/*
 * One VIP, one size: the first three changes take three fresh buffers;
 * from then on each change reuses the buffer retired longest ago, once
 * the grace period begun at its retirement has ended.
 */
static void test_buffers_rotate(void **state)
{
	struct ring_store *rs = store(1000);

	(void)state;
	assert_int_equal(change(rs, 0, 10), 0);	 /* b0 */
	assert_int_equal(change(rs, 0, 10), 10); /* b1; b0 retires: period 1 */
	assert_true(ring_store_ready(rs, 0));	 /* b2 was never used */
	assert_int_equal(change(rs, 0, 10), 20); /* b2; b1 retires: period 2 */
	assert_int_equal(fg.started, 2);
	assert_int_equal(fg.waits, 0);

	/* b0 (period 1) is next, and period 1 has not ended */
	assert_false(ring_store_ready(rs, 0));
	assert_int_equal(change(rs, 0, 10), 0);	 /* b2 retires: period 3 */
	assert_int_equal(fg.waits, 1);
	assert_int_equal(fg.last_wait, 1);

	assert_false(ring_store_ready(rs, 0)); /* b1, period 2 */
	assert_int_equal(change(rs, 0, 10), 10); /* b0 retires: period 4 */
	assert_int_equal(fg.last_wait, 2);

	/* the periods of b2 (3) and b0 (4) end on their own: no wait */
	fg.completed = 4;
	assert_true(ring_store_ready(rs, 0));
	assert_int_equal(change(rs, 0, 10), 20);
	assert_int_equal(fg.waits, 2);
	ring_store_free(rs);
}

/* A flip that failed (no commit): the same spare again, the live ring unchanged. */
static void test_failed_flip(void **state)
{
	struct ring_store *rs = store(100);
	uint32_t a, b, base, size;

	(void)state;
	assert_int_equal(ring_store_commit(rs, 0), -EINVAL); /* nothing prepared */
	change(rs, 0, 10);
	assert_int_equal(ring_store_prepare(rs, 0, 10, &a), 0);
	assert_int_equal(a, 10);
	assert_int_equal(ring_store_prepare(rs, 0, 10, &b), 0);
	assert_int_equal(b, a);
	assert_int_equal(ring_store_live(rs, 0, &base, &size), 0);
	assert_int_equal(base, 0);
	assert_int_equal(fg.started, 0); /* nothing retired */
	assert_int_equal(ring_store_commit(rs, 0), 0);
	assert_int_equal(ring_store_commit(rs, 0), -EINVAL); /* once */
	assert_int_equal(fg.started, 1);
	ring_store_free(rs);
}

/*
 * A spare that changes size gives its region up. Packets may still read
 * it until its period ends, so it is given up only then, even when no
 * new region can be found: another VIP's ring placed there is written at
 * once.
 */
static void test_region_given_up_after_grace(void **state)
{
	struct ring_store *rs = store(40);
	uint32_t base;

	(void)state;
	change(rs, 0, 10); /* b0 [0,10) */
	change(rs, 0, 10); /* b1 [10,20); b0 retires: period 1 */
	change(rs, 0, 10); /* b2 [20,30); b1 retires: period 2 */
	assert_int_equal(fg.completed, 0);

	/*
	 * b0 is the spare. 35 slots: 0 would overlap b1, b1's end 20 and
	 * b2's end 30 run past 40 -- no room, and b0 has lost [0,10).
	 */
	assert_int_equal(ring_store_prepare(rs, 0, 35, &base), -ENOSPC);
	assert_int_equal(fg.waits, 1);
	assert_int_equal(fg.last_wait, 1);

	/* VIP 1 now gets [0,10): period 1 ended before it was handed out */
	assert_int_equal(change(rs, 1, 10), 0);
	assert_true(fg.completed >= 1);
	ring_store_free(rs);
}

/* First fit in candidate order, holes reused, and no compaction. */
static void test_fragmentation(void **state)
{
	struct ring_store *rs = store(50);
	uint32_t base;

	(void)state;
	/* VIP 0 (A): three buffers of 10 */
	assert_int_equal(change(rs, 0, 10), 0);	 /* A.b0 [0,10) */
	assert_int_equal(change(rs, 0, 10), 10); /* A.b1 [10,20); A.b0 retires: 1 */
	assert_int_equal(change(rs, 0, 10), 20); /* A.b2 [20,30); A.b1 retires: 2 */
	/* VIP 1 (B): 0, 10, 20 are taken; A.b2's end 30 is free */
	assert_int_equal(change(rs, 1, 10), 30); /* B.b0 [30,40); [40,50) free */

	/* same size: a spare keeps its region */
	assert_int_equal(change(rs, 0, 10), 0);	 /* A.b0 after period 1; A.b2 retires: 3 */
	assert_int_equal(change(rs, 0, 10), 10); /* A.b1 after period 2; A.b0 retires: 4 */

	/*
	 * A shrinks to 8: the spare A.b2 (period 3) leaves [20,30). 0 and
	 * A.b0's end 10 overlap A.b0 and A.b1; A.b1's end 20 is clear.
	 */
	assert_int_equal(change(rs, 0, 8), 20); /* A.b2 [20,28); A.b1 retires: 5 */
	/* A.b0 (period 4) leaves [0,10); slot 0 is clear for 8 */
	assert_int_equal(change(rs, 0, 8), 0); /* A.b0 [0,8); A.b2 retires: 6 */
	assert_int_equal(fg.waits, 4);	       /* periods 1, 2, 3, 4 */

	/*
	 * Holes: [8,10), [28,30), [40,50): 14 free slots, none 12 long.
	 * Candidates 0, 8, 20, 28, 40 (A.b0, A.b1, A.b2, B.b0 ends) all
	 * overlap or run past 50: no compaction, no room.
	 */
	assert_int_equal(ring_store_prepare(rs, 1, 12, &base), -ENOSPC);
	/* a small ring takes the first hole in candidate order: A.b0's end */
	assert_int_equal(change(rs, 2, 2), 8);
	/* 10 fits only at B.b0's end */
	assert_int_equal(change(rs, 1, 10), 40);
	ring_store_free(rs);
}

static void test_adopt(void **state)
{
	struct ring_store *rs = store(200);
	uint32_t base, size;

	(void)state;
	assert_int_equal(ring_store_adopt(rs, 3, 100, 10), 0);
	assert_int_equal(ring_store_live(rs, 3, &base, &size), 0);
	assert_int_equal(base, 100);
	assert_int_equal(size, 10);

	/* nothing goes over the adopted ring */
	assert_int_equal(change(rs, 0, 100), 0); /* [0,100) is clear of [100,110) */
	/* 0 and VIP 0's end 100 overlap; VIP 3's end 110 is clear */
	assert_int_equal(change(rs, 1, 50), 110);
	/*
	 * VIP 3's first change goes to a spare. Candidates in VIP order:
	 * 0, 100 (VIP 0's end: the adopted ring), 160 (VIP 1's end): free.
	 */
	assert_int_equal(change(rs, 3, 10), 160);
	assert_int_equal(fg.started, 1); /* the adopted ring retired */

	/* layouts that do not fit this store are not adopted */
	assert_int_equal(ring_store_adopt(rs, 4, 195, 10), -ERANGE);
	assert_int_equal(ring_store_live(rs, 4, &base, &size), -ENOENT);
	assert_int_equal(ring_store_adopt(rs, 4, 0xffffffffu, 2), -ERANGE); /* no 32-bit wrap */
	assert_int_equal(ring_store_adopt(rs, 4, 0, 0), -ERANGE);
	assert_int_equal(ring_store_adopt(rs, EDGELB_MAX_VIPS, 0, 1), -ERANGE);
	assert_int_equal(ring_store_adopt(rs, 4, 190, 10), 0); /* exactly to the end */
	ring_store_free(rs);
}

static void test_sizes_that_do_not_fit(void **state)
{
	struct ring_store *rs = store(100);
	uint32_t base, size;

	(void)state;
	assert_int_equal(ring_store_prepare(rs, 0, 101, &base), -ENOSPC);
	assert_int_equal(ring_store_prepare(rs, 0, 0, &base), -ERANGE);
	assert_int_equal(ring_store_prepare(rs, EDGELB_MAX_VIPS, 1, &base), -ERANGE);
	assert_false(ring_store_ready(rs, EDGELB_MAX_VIPS));
	assert_int_equal(change(rs, 0, 100), 0);
	assert_int_equal(ring_store_prepare(rs, 1, 1, &base), -ENOSPC); /* full */
	assert_int_equal(ring_store_live(rs, 1, &base, &size), -ENOENT);
	ring_store_free(rs);
}

/* What the data plane writes for the control plane's VIP entry. */
static void test_vip_meta(void **state)
{
	struct edgelb_vip_meta given = { .vip_id = 7, .flags = EDGELB_VIP_F_MTU_DROP,
					 .ring_size = 65537, .mtu = 1500,
					 .encap = EDGELB_ENCAP_GUE, .gue_dport = 0x1234,
					 .ring_base = 12345 /* the caller's: ignored */ };
	struct edgelb_vip_meta want = given, out;

	(void)state;
	ring_store_vip_meta(&given, 200, 65537, &out);
	want.ring_base = 200;
	assert_memory_equal(&out, &want, sizeof(out));

	/* the live ring has another size (or there is none): an empty ring */
	want.ring_size = 0;
	want.ring_base = 0;
	ring_store_vip_meta(&given, 200, 1021, &out);
	assert_memory_equal(&out, &want, sizeof(out));
	ring_store_vip_meta(&given, 0, 0, &out);
	assert_memory_equal(&out, &want, sizeof(out));
}

/*
 * The array's size from the config: 100 services of 65537 slots (the
 * issue's 10 000 backends) need 3 x 6 553 700 = 19 661 100 slots, plus 8
 * spare VIPs of 3 x 65537 = 1 572 888: 21 233 988 slots (81 MiB), where
 * twice the need took 39 322 200 (150 MiB).
 */
static void test_slots_for_a_config(void **state)
{
	(void)state;
	assert_int_equal(ring_store_slots_need(6553700), 19661100);
	assert_int_equal(ring_store_slots_for(6553700, 65537), 21233988);
	/* no VIP yet: room for the 8 spare ones of the default size */
	assert_int_equal(ring_store_slots_need(0), 0);
	assert_int_equal(ring_store_slots_for(0, 0), 1572888);
	/* small rings: spares still of the default size, 3 x 2 x 7 + 1 572 888 */
	assert_int_equal(ring_store_slots_for(14, 7), 1572930);
	/* one large ring (655 373): 3 x 655 373 + 8 x 3 x 655 373 = 17 695 071 */
	assert_int_equal(ring_store_slots_for(655373, 655373), 17695071);
	/* 200 large rings: 3 x 131 074 600 is past 2^28, capped */
	assert_int_equal(ring_store_slots_need(131074600), 268435456);
	assert_int_equal(ring_store_slots_for(131074600, 655373), 268435456);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects),
		cmocka_unit_test(test_first_rings_packed),
		cmocka_unit_test(test_buffers_rotate),
		cmocka_unit_test(test_failed_flip),
		cmocka_unit_test(test_region_given_up_after_grace),
		cmocka_unit_test(test_fragmentation),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_sizes_that_do_not_fit),
		cmocka_unit_test(test_vip_meta),
		cmocka_unit_test(test_slots_for_a_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
