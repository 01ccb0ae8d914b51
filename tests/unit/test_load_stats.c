// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-load's accounting (tools/lab/load_stats.c) on a fake clock: the
 * outage of a period by hand (a fault at M, failures, the first good reply
 * to a later request), a failure that is only known late (a timeout) and
 * moves the outage, an outage resolved in a later period, one left
 * unresolved at the end, every reason counted, the spread sorted and
 * bounded, latencies, bad marks, and the whole report lines.
 * Expected lines are written out by hand; the comments show the sums.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "load_stats.h"

#define MS(x) ((int64_t)(x) * 1000)
#define ZERO_REASONS "timeout=0 refused=0 reset=0 unreachable=0 status=0 overload=0 other=0"

static struct load_ticket start(struct load_stats *s, int64_t ms)
{
	struct load_ticket t;

	load_stats_start(s, MS(ms), &t);
	return t;
}

/* end t at us: OK with "backend site", or failed with r */
static void done_us(struct load_stats *s, const struct load_ticket *t, int64_t us,
		    enum load_reason r, const char *backend, const char *site)
{
	struct load_label l = { 0 };

	if (r == LOAD_OK) {
		snprintf(l.backend, sizeof(l.backend), "%s", backend);
		snprintf(l.site, sizeof(l.site), "%s", site ? site : "");
	}
	load_stats_done(s, t, us, r, r == LOAD_OK ? &l : NULL);
}

static void ok(struct load_stats *s, const struct load_ticket *t, int64_t ms, const char *b,
	       const char *site)
{
	done_us(s, t, MS(ms), LOAD_OK, b, site);
}

static void failed_at(struct load_stats *s, const struct load_ticket *t, int64_t ms, enum load_reason r)
{
	done_us(s, t, MS(ms), r, NULL, NULL);
}

static char line[LOAD_REPORT_MAX];

static const char *report(struct load_stats *s)
{
	int n = load_stats_next_report(s, line, sizeof(line));

	assert_true(n >= 0);
	return n ? line : "(none)";
}

static const char *total(struct load_stats *s)
{
	assert_true(load_stats_total(s, line, sizeof(line)) > 0);
	return line;
}

static void test_no_failure(void **state)
{
	struct load_stats *s = load_stats_new(0, 16);
	struct load_ticket a, b, c;

	(void)state;
	a = start(s, 0);
	b = start(s, 5);
	ok(s, &a, 1, "be1", "dc1");
	c = start(s, 10);
	ok(s, &b, 6, "be2", "dc1");
	/* not due: the period is still open */
	assert_string_equal(report(s), "(none)");
	load_stats_end(s, MS(20));
	/* not due: c in flight */
	assert_string_equal(report(s), "(none)");
	done_us(s, &c, MS(10) + 1500, LOAD_OK, "be1", "dc2");
	/* latencies 1, 1, 1.5 ms: the max 1500 us rounds up to 2 ms; p99 is the
	 * 3rd of 3 (ceil(0.99 * 3)), in the bucket 1472..1535 us, cut at the
	 * max 1500: 2 ms */
	assert_string_equal(report(s), "period start requests=3 ok=3 failed=0 " ZERO_REASONS
				       " outage_ms=0 first_fail_ms=-1 last_fail_ms=-1"
				       " max_latency_ms=2 p99_latency_ms=2"
				       " spread be1=2 be2=1 site dc1=2 dc2=1\n");
	assert_string_equal(report(s), "(none)");
	assert_true(load_stats_done_all(s));
	assert_string_equal(total(s), "total requests=3 failed=0 outage_ms=0"
				      " spread be1=2 be2=1 site dc1=2 dc2=1\n");
	load_stats_free(s);
}

/*
 * The example of the definition: a fault at M = 1000 ms; failures started
 * at 1100 (refused at once) and 1350 (a timeout, known only at 2350); an
 * OK request started at 1400 completes at 1420. F = 1350, R = 1420:
 * outage = 1420 - 1000 = 420; first_fail = 1100 - 1000 = 100, last_fail =
 * 350. The reply at 1420 came before the failure at 1350 was known: it
 * still counts, because it answers a request started after F.
 */
static void test_outage_by_hand(void **state)
{
	struct load_stats *s = load_stats_new(0, 16);
	struct load_ticket a, b, c, d, e;

	(void)state;
	a = start(s, 900);
	ok(s, &a, 901, "be1", "dc1");
	assert_int_equal(load_stats_mark(s, "fault", MS(1000)), 0);
	/* "start": 1 request, ok, latency 1 ms */
	assert_string_equal(report(s), "period start requests=1 ok=1 failed=0 " ZERO_REASONS
				       " outage_ms=0 first_fail_ms=-1 last_fail_ms=-1"
				       " max_latency_ms=1 p99_latency_ms=1 spread be1=1 site dc1=1\n");
	b = start(s, 1100);
	failed_at(s, &b, 1100, LOAD_REFUSED);
	c = start(s, 1350);
	d = start(s, 1400);
	ok(s, &d, 1420, "be2", "dc1");
	e = start(s, 1500);
	ok(s, &e, 1502, "be2", "dc1");
	assert_int_equal(load_stats_mark(s, "after", MS(2000)), 0);
	/* closed, but c is in flight */
	assert_string_equal(report(s), "(none)");
	failed_at(s, &c, 2350, LOAD_TIMEOUT);
	/* latencies 20 and 2 ms: max 20; p99 = the 2nd of 2, bucket
	 * 19456..20479 us cut at the max: 20 */
	assert_string_equal(report(s), "period fault requests=4 ok=2 failed=2 timeout=1 refused=1"
				       " reset=0 unreachable=0 status=0 overload=0 other=0"
				       " outage_ms=420 first_fail_ms=100 last_fail_ms=350"
				       " max_latency_ms=20 p99_latency_ms=20 spread be2=2 site dc1=2\n");
	load_stats_end(s, MS(3000));
	/* "after": no request at all */
	assert_string_equal(report(s), "period after requests=0 ok=0 failed=0 " ZERO_REASONS
				       " outage_ms=0 first_fail_ms=-1 last_fail_ms=-1"
				       " max_latency_ms=-1 p99_latency_ms=-1 spread site\n");
	/* 1 + 4 + 0 requests */
	assert_string_equal(total(s), "total requests=5 failed=2 outage_ms=420"
				      " spread be1=1 be2=2 site dc1=3\n");
	load_stats_free(s);
}

/*
 * A failure known late moves R to a reply that came before it was known:
 * M = 10000. p1 (10010) refused at once: no reply after it yet. p2 (10020)
 * OK at 10021: R = 10021 for now. p3 (10030) times out at 11030: F moves
 * to 10030, and the first reply to a request started after it is p4's
 * (10040, done 10045), which came long before 11030. outage = 10045 -
 * 10000 = 45; first_fail 10, last_fail 30. p5's reply (10050, done 10051)
 * is later than p4's and does not count.
 */
static void test_late_failure_moves_outage(void **state)
{
	struct load_stats *s = load_stats_new(0, 16);
	struct load_ticket p1, p2, p3, p4, p5;

	(void)state;
	assert_int_equal(load_stats_mark(s, "flap", MS(10000)), 0);
	assert_string_equal(report(s), "period start requests=0 ok=0 failed=0 " ZERO_REASONS
				       " outage_ms=0 first_fail_ms=-1 last_fail_ms=-1"
				       " max_latency_ms=-1 p99_latency_ms=-1 spread site\n");
	p1 = start(s, 10010);
	failed_at(s, &p1, 10010, LOAD_REFUSED);
	p2 = start(s, 10020);
	ok(s, &p2, 10021, "be1", "dc1");
	p3 = start(s, 10030);
	p4 = start(s, 10040);
	ok(s, &p4, 10045, "be1", "dc1");
	p5 = start(s, 10050);
	ok(s, &p5, 10051, "be1", "dc1");
	load_stats_end(s, MS(10500));
	failed_at(s, &p3, 11030, LOAD_TIMEOUT);
	assert_string_equal(report(s), "period flap requests=5 ok=3 failed=2 timeout=1 refused=1"
				       " reset=0 unreachable=0 status=0 overload=0 other=0"
				       " outage_ms=45 first_fail_ms=10 last_fail_ms=30"
				       " max_latency_ms=5 p99_latency_ms=5 spread be1=3 site dc1=3\n");
	load_stats_free(s);
}

/*
 * Resolved in a later period: "kill" at M = 20000, its only request
 * (20010) refused; "after" opens at 20015; the first reply after the
 * failure is to a request of "after" (20020, done 20022): outage of kill =
 * 20022 - 20000 = 22. Then "dead" at 30000: refused at 30010, nothing good
 * before the end at 31000: outage = 31000 - 30000 = 1000, unresolved=1,
 * and it is the longest, so the total says so too.
 */
static void test_later_period_and_unresolved(void **state)
{
	struct load_stats *s = load_stats_new(0, 16);
	struct load_ticket k1, k2, d1;

	(void)state;
	assert_int_equal(load_stats_mark(s, "kill", MS(20000)), 0);
	assert_int_not_equal(report(s)[0], '(');
	k1 = start(s, 20010);
	failed_at(s, &k1, 20010, LOAD_REFUSED);
	assert_int_equal(load_stats_mark(s, "after", MS(20015)), 0);
	/* kill is closed and idle, but its outage is not known yet */
	assert_string_equal(report(s), "(none)");
	k2 = start(s, 20020);
	ok(s, &k2, 20022, "be4", "dc2");
	assert_string_equal(report(s), "period kill requests=1 ok=0 failed=1 timeout=0 refused=1"
				       " reset=0 unreachable=0 status=0 overload=0 other=0"
				       " outage_ms=22 first_fail_ms=10 last_fail_ms=10"
				       " max_latency_ms=-1 p99_latency_ms=-1 spread site\n");
	assert_int_equal(load_stats_mark(s, "dead", MS(30000)), 0);
	assert_string_equal(report(s), "period after requests=1 ok=1 failed=0 " ZERO_REASONS
				       " outage_ms=0 first_fail_ms=-1 last_fail_ms=-1"
				       " max_latency_ms=2 p99_latency_ms=2 spread be4=1 site dc2=1\n");
	d1 = start(s, 30010);
	failed_at(s, &d1, 30010, LOAD_REFUSED);
	assert_string_equal(report(s), "(none)");
	load_stats_end(s, MS(31000));
	assert_int_equal(load_stats_mark(s, "late", MS(31001)), -ESHUTDOWN);
	assert_string_equal(report(s), "period dead requests=1 ok=0 failed=1 timeout=0 refused=1"
				       " reset=0 unreachable=0 status=0 overload=0 other=0"
				       " outage_ms=1000 first_fail_ms=10 last_fail_ms=10"
				       " max_latency_ms=-1 p99_latency_ms=-1 unresolved=1 spread site\n");
	assert_true(load_stats_done_all(s));
	assert_string_equal(total(s), "total requests=3 failed=2 outage_ms=1000 unresolved=1"
				      " spread be4=1 site dc2=1\n");
	load_stats_free(s);
}

/* An unresolved period at the end waits for every request in flight. */
static void test_end_waits_for_inflight(void **state)
{
	struct load_stats *s = load_stats_new(0, 16);
	struct load_ticket a, b;

	(void)state;
	a = start(s, 10);
	failed_at(s, &a, 10, LOAD_RESET);
	assert_int_equal(load_stats_mark(s, "next", MS(50)), 0);
	b = start(s, 60);
	load_stats_end(s, MS(100));
	/* b may still answer, and would resolve "start" */
	assert_string_equal(report(s), "(none)");
	ok(s, &b, 130, "be1", NULL);
	/* R = 130, M = 0 (the program's start) */
	assert_string_equal(report(s), "period start requests=1 ok=0 failed=1 timeout=0 refused=0"
				       " reset=1 unreachable=0 status=0 overload=0 other=0"
				       " outage_ms=130 first_fail_ms=10 last_fail_ms=10"
				       " max_latency_ms=-1 p99_latency_ms=-1 spread site\n");
	/* no site in the body: the site spread stays empty */
	assert_string_equal(report(s), "period next requests=1 ok=1 failed=0 " ZERO_REASONS
				       " outage_ms=0 first_fail_ms=-1 last_fail_ms=-1"
				       " max_latency_ms=70 p99_latency_ms=70 spread be1=1 site\n");
	load_stats_free(s);
}

/*
 * Every reason in its own counter: 1 timeout, 2 refused, 3 reset, 4
 * unreachable, 5 status, 6 overload, 7 other, all at 1 ms + i; an OK
 * request started after all of them (at 100, done 101) ends the outage:
 * 101 ms after M = 0.
 */
static void test_reasons(void **state)
{
	struct load_stats *s = load_stats_new(0, 64);
	enum load_reason rs[] = { LOAD_TIMEOUT, LOAD_REFUSED, LOAD_RESET, LOAD_UNREACHABLE,
				  LOAD_STATUS, LOAD_OVERLOAD, LOAD_OTHER };
	int64_t at = 1;
	struct load_ticket t;

	(void)state;
	for (unsigned int i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		for (unsigned int k = 0; k <= i; k++, at++) {
			t = start(s, at);
			failed_at(s, &t, at, rs[i]);
		}
	}
	/* 28 failures, started at 1 .. 28 */
	t = start(s, 100);
	ok(s, &t, 101, "be1", "dc1");
	load_stats_end(s, MS(200));
	assert_string_equal(report(s), "period start requests=29 ok=1 failed=28 timeout=1 refused=2"
				       " reset=3 unreachable=4 status=5 overload=6 other=7"
				       " outage_ms=101 first_fail_ms=1 last_fail_ms=28"
				       " max_latency_ms=1 p99_latency_ms=1 spread be1=1 site dc1=1\n");
	load_stats_free(s);
}

/* Names sorted by strcmp (be1 < be10 < be3); beyond 64, other-labels. */
static void test_spread(void **state)
{
	struct load_stats *s = load_stats_new(0, 16);
	static const char *const names[][2] = {
		{ "be3", "dc2" }, { "be10", "dc1" }, { "be1", "dc2" }, { "be3", "dc1" },
	};
	struct load_ticket t;
	char name[16];

	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		t = start(s, i);
		ok(s, &t, i, names[i][0], names[i][1]);
	}
	assert_int_equal(load_stats_mark(s, "many", MS(10)), 0);
	assert_string_equal(report(s), "period start requests=4 ok=4 failed=0 " ZERO_REASONS
				       " outage_ms=0 first_fail_ms=-1 last_fail_ms=-1"
				       " max_latency_ms=0 p99_latency_ms=0"
				       " spread be1=1 be10=1 be3=2 site dc1=2 dc2=2\n");
	/* 3 names known; 61 more fill the table; the 65th and 66th are
	 * "other-labels" (sorted among the names: "b..." < "o...") */
	for (unsigned int i = 0; i < 63; i++) {
		snprintf(name, sizeof(name), "x%02u", i);
		t = start(s, 20);
		ok(s, &t, 21, name, NULL);
	}
	load_stats_end(s, MS(30));
	assert_int_equal(load_stats_next_report(s, line, sizeof(line)) > 0, 1);
	/* only this period's names, with their counts */
	assert_non_null(strstr(line, " spread other-labels=2 x00=1 x01=1 "));
	assert_non_null(strstr(line, " x60=1 site\n"));
	assert_null(strstr(line, "x61"));
	load_stats_free(s);
}

static void test_marks(void **state)
{
	struct load_stats *s = load_stats_new(0, 16);
	char name[80];

	(void)state;
	assert_int_equal(load_stats_mark(s, "", 1), -EINVAL);
	assert_int_equal(load_stats_mark(s, "a b", 1), -EINVAL);
	assert_int_equal(load_stats_mark(s, "x=1", 1), -EINVAL);
	assert_int_equal(load_stats_mark(s, "kill;rm", 1), -EINVAL);
	memset(name, 'a', 64);
	name[64] = '\0';
	assert_int_equal(load_stats_mark(s, name, 1), -EINVAL);
	name[63] = '\0';
	assert_int_equal(load_stats_mark(s, name, 1), 0);
	assert_int_equal(load_stats_mark(s, "drain-be1.v2_x", 2), 0);
	/* "start" (closed, not printed) and these two: 3 in the table; 61
	 * more fit */
	for (int i = 0; i < LOAD_MAX_PERIODS - 3; i++)
		assert_int_equal(load_stats_mark(s, "p", 3 + i), 0);
	assert_int_equal(load_stats_mark(s, "one-too-many", 100), -ENOSPC);
	/* printing one makes room */
	assert_int_equal(strncmp(report(s), "period start ", 13), 0);
	assert_int_equal(load_stats_mark(s, "fits", 101), 0);
	load_stats_free(s);
}

/* p99 of 100 latencies 1..100 ms: the 99th, 99 ms = 99000 us, falls in the
 * bucket 98304..102399 us; cut at the max (100 ms) that gives 100 ms. The
 * histogram is within 1/16: the figure is a bound, never an underestimate. */
static void test_p99(void **state)
{
	struct load_stats *s = load_stats_new(0, 256);

	(void)state;
	for (int i = 1; i <= 100; i++) {
		struct load_ticket t = start(s, 1000 + i);

		ok(s, &t, 1000 + 2 * i, "be1", "dc1");
	}
	load_stats_end(s, MS(2000));
	assert_string_equal(report(s), "period start requests=100 ok=100 failed=0 " ZERO_REASONS
				       " outage_ms=0 first_fail_ms=-1 last_fail_ms=-1"
				       " max_latency_ms=100 p99_latency_ms=100"
				       " spread be1=100 site dc1=100\n");
	load_stats_free(s);
}

/*
 * A history too short for the load errs late, never early: room for 2
 * replies; a (10) times out at 1010; meanwhile b (20, done 21), c (30,
 * 31), d (40, 41) were answered, and b's reply has been pushed out. The
 * true outage is 21 ms (b's reply); with b forgotten it is c's: 31.
 */
static void test_short_history(void **state)
{
	struct load_stats *s = load_stats_new(0, 2);
	struct load_ticket a, b, c, d;

	(void)state;
	a = start(s, 10);
	b = start(s, 20);
	ok(s, &b, 21, "be1", "dc1");
	c = start(s, 30);
	ok(s, &c, 31, "be1", "dc1");
	d = start(s, 40);
	ok(s, &d, 41, "be1", "dc1");
	failed_at(s, &a, 1010, LOAD_TIMEOUT);
	load_stats_end(s, MS(2000));
	assert_string_equal(report(s), "period start requests=4 ok=3 failed=1 timeout=1 refused=0"
				       " reset=0 unreachable=0 status=0 overload=0 other=0"
				       " outage_ms=31 first_fail_ms=10 last_fail_ms=10"
				       " max_latency_ms=1 p99_latency_ms=1 spread be1=3 site dc1=3\n");
	load_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_failure),
		cmocka_unit_test(test_outage_by_hand),
		cmocka_unit_test(test_late_failure_moves_outage),
		cmocka_unit_test(test_later_period_and_unresolved),
		cmocka_unit_test(test_end_waits_for_inflight),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_p99),
		cmocka_unit_test(test_short_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
