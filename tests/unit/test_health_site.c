// SPDX-License-Identifier: GPL-2.0-only
/*
 * Site fate (controlplane/health/site.c), the forced down of the state
 * machine (fsm.c), and the parser of destination unreachable messages
 * (unreach_parse.c), on hand-built inputs: the expected answers are
 * worked out in the comments, from site.h's rule and RFC 792 / RFC 4443
 * layouts, not from the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "health/fsm.h"
#include "health/site.h"
#include "health/unreach_parse.h"

#define W 500 /* the window: one interval of 500 ms */

static struct hc_site_member up_failed(uint64_t last_ms)
{
	return (struct hc_site_member){ .checked = true, .up = true, .has_result = true,
					.last_pass = false, .last_ms = last_ms, .since_ms = 1 };
}

static bool together(const struct hc_site_member *m, size_t n, uint64_t now)
{
	struct hc_site_tally t = { .elsewhere_up = true };

	for (size_t i = 0; i < n; i++)
		hc_site_count(&t, &m[i], now, W);
	return hc_site_failed_together(&t);
}

/* three up backends, each failed its last check in the last 500 ms: out together */
static void test_all_failed_within_window(void **state)
{
	struct hc_site_member m[3] = { up_failed(10000), up_failed(10200), up_failed(10450) };

	(void)state;
	assert_true(together(m, 3, 10500));
}

/* one of them passed last: the site is alive */
static void test_one_passing_keeps_site(void **state)
{
	struct hc_site_member m[3] = { up_failed(10000), up_failed(10200), up_failed(10450) };

	(void)state;
	m[1].last_pass = true;
	assert_false(together(m, 3, 10500));
}

/* a failure 501 ms old is not "at once" (window 500) */
static void test_old_failure_is_not_together(void **state)
{
	struct hc_site_member m[2] = { up_failed(9999), up_failed(10400) };

	(void)state;
	assert_false(together(m, 2, 10500));
	m[0].last_ms = 10000; /* exactly 500 ms: inside */
	assert_true(together(m, 2, 10500));
}

/* a member not checked yet (no result) keeps the site */
static void test_no_result_keeps_site(void **state)
{
	struct hc_site_member m[2] = { up_failed(10400), up_failed(10400) };

	(void)state;
	m[1].has_result = false;
	assert_false(together(m, 2, 10500));
}

/* one live backend alone never takes a "site" out: that is what fall is for */
static void test_single_backend_needs_fall(void **state)
{
	struct hc_site_member m[2] = { up_failed(10400), up_failed(10400) };

	(void)state;
	assert_false(together(m, 1, 10500));
	/* the other one down for 10 s: not live, still one */
	m[1].up = false;
	m[1].since_ms = 500;
	assert_false(together(m, 2, 10500));
}

/*
 * one went down by its own fall 100 ms ago (part of the same failure), the
 * other is up and failed: together, and there is one left to take down
 */
static void test_recently_down_counts_as_live(void **state)
{
	struct hc_site_member m[2] = { up_failed(10400), up_failed(10450) };

	(void)state;
	m[0].up = false;
	m[0].since_ms = 10400;
	assert_true(together(m, 2, 10500));
	/* both down already: nothing left to do */
	m[1].up = false;
	m[1].since_ms = 10450;
	assert_false(together(m, 2, 10500));
}

/* backends without a check (type none) are not part of the site's fate */
static void test_unchecked_ignored(void **state)
{
	struct hc_site_member m[3] = { up_failed(10400), up_failed(10450), up_failed(0) };

	(void)state;
	m[2].checked = false;
	m[2].has_result = false;
	assert_true(together(m, 3, 10500));
}

/*
 * The service's only site failing at once (every backend of the service
 * is at this site, or the others are down): nowhere to move the flows,
 * so `fall` decides alone; a blip shorter than fall must not become an
 * outage
 */
static void test_no_other_site_up_keeps_fall(void **state)
{
	struct hc_site_member m[3] = { up_failed(10000), up_failed(10200), up_failed(10450) };
	struct hc_site_tally t = { .elsewhere_up = false };

	(void)state;
	for (size_t i = 0; i < 3; i++)
		hc_site_count(&t, &m[i], 10500, W);
	assert_false(hc_site_failed_together(&t));
	t.elsewhere_up = true;
	assert_true(hc_site_failed_together(&t));
}

static void test_sweep_due(void **state)
{
	(void)state;
	assert_true(hc_site_sweep_due(0, 5, W));	/* never swept */
	assert_false(hc_site_sweep_due(10000, 10499, W)); /* 499 ms ago */
	assert_true(hc_site_sweep_due(10000, 10500, W));	  /* 500 ms ago */
}

static void test_force_down(void **state)
{
	struct hc_fsm f;

	(void)state;
	hc_fsm_init(&f, true, 2, 3, 2000, 1000);
	/* one failure of three: still up */
	assert_int_equal(hc_fsm_result(&f, false, 1100), HC_FSM_SAME);
	assert_int_equal(hc_fsm_force_down(&f, 1200), HC_FSM_WENT_DOWN);
	assert_false(f.up);
	assert_int_equal(f.since_ms, 1200);
	assert_int_equal(f.transitions, 1);
	assert_int_equal(f.hold_until_ms, 3200); /* 1200 + hold-down 2000 */
	assert_int_equal(hc_fsm_force_down(&f, 1300), HC_FSM_SAME);
	/* rise 2 after the hold-down: up at the second pass after 3200 */
	assert_int_equal(hc_fsm_result(&f, true, 3300), HC_FSM_SAME);
	assert_int_equal(hc_fsm_result(&f, true, 3400), HC_FSM_WENT_UP);
}

/* RFC 792: IPv4 header (20), type 3 code 1, unused, quoted header (IPIP to 192.0.2.11) */
static const uint8_t host_unreach4[] = {
	0x45, 0x00, 0x00, 0x38, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 65, 192, 0, 2, 66,
	3, 1, 0, 0, 0, 0, 0, 0,
	0x45, 0x00, 0x00, 0x50, 0, 0, 0x40, 0, 63, 4, 0, 0, 192, 0, 2, 66, 192, 0, 2, 11,
	0x45, 0, 0, 0x3c, 0, 0, 0x40, 0,
};

static void test_parse4(void **state)
{
	uint8_t p[sizeof(host_unreach4) + 4];
	struct hc_unreach u;

	(void)state;
	assert_int_equal(hc_unreach_parse4(host_unreach4, sizeof(host_unreach4), &u), 1);
	assert_int_equal(u.family, EDGELB_AF_INET);
	assert_int_equal(u.dst.v4, inet_addr("192.0.2.11"));
	assert_int_equal(u.from.v4, inet_addr("192.0.2.65"));
	assert_int_equal(u.code, 1);

	/* port unreachable (code 3) and fragmentation needed (4): the host is there */
	memcpy(p, host_unreach4, sizeof(host_unreach4));
	p[21] = 3;
	assert_int_equal(hc_unreach_parse4(p, sizeof(host_unreach4), &u), 0);
	p[21] = 4;
	assert_int_equal(hc_unreach_parse4(p, sizeof(host_unreach4), &u), 0);
	/* time exceeded (type 11): no */
	memcpy(p, host_unreach4, sizeof(host_unreach4));
	p[20] = 11;
	assert_int_equal(hc_unreach_parse4(p, sizeof(host_unreach4), &u), 0);
	/* quoted header cut short: 20 + 8 + 19 bytes */
	assert_int_equal(hc_unreach_parse4(host_unreach4, 47, &u), 0);
	assert_int_equal(hc_unreach_parse4(host_unreach4, 48, &u), 1);
	/* an outer header with options (ihl 6): the ICMP starts at 24 */
	memset(p, 0, sizeof(p));
	memcpy(p, host_unreach4, 20);
	p[0] = 0x46;
	memcpy(p + 24, host_unreach4 + 20, sizeof(host_unreach4) - 20);
	assert_int_equal(hc_unreach_parse4(p, sizeof(p), &u), 1);
	assert_int_equal(u.dst.v4, inet_addr("192.0.2.11"));
	/* not ICMP in the outer header */
	memcpy(p, host_unreach4, sizeof(host_unreach4));
	p[9] = 17;
	assert_int_equal(hc_unreach_parse4(p, sizeof(host_unreach4), &u), 0);
}

/* RFC 4443: type 1 code 0 (no route), unused, quoted IPv6 header */
static const uint8_t no_route6[] = {
	1, 0, 0, 0, 0, 0, 0, 0,
	0x60, 0, 0, 0, 0, 0x28, 41, 63,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66,
	0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11,
};

static void test_parse6(void **state)
{
	static const uint8_t from[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x65 };
	uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x11 };
	uint8_t p[sizeof(no_route6)];
	struct hc_unreach u;

	(void)state;
	assert_int_equal(hc_unreach_parse6(no_route6, sizeof(no_route6), from, &u), 1);
	assert_int_equal(u.family, EDGELB_AF_INET6);
	assert_memory_equal(u.dst.bytes, want, 16);
	assert_memory_equal(u.from.bytes, from, 16);
	/* port unreachable (4): no */
	memcpy(p, no_route6, sizeof(p));
	p[1] = 4;
	assert_int_equal(hc_unreach_parse6(p, sizeof(p), from, &u), 0);
	/* packet too big (type 2): no */
	memcpy(p, no_route6, sizeof(p));
	p[0] = 2;
	assert_int_equal(hc_unreach_parse6(p, sizeof(p), from, &u), 0);
	/* one byte short of the quoted header */
	assert_int_equal(hc_unreach_parse6(no_route6, sizeof(no_route6) - 1, from, &u), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_failed_within_window),
		cmocka_unit_test(test_one_passing_keeps_site),
		cmocka_unit_test(test_old_failure_is_not_together),
		cmocka_unit_test(test_no_result_keeps_site),
		cmocka_unit_test(test_single_backend_needs_fall),
		cmocka_unit_test(test_recently_down_counts_as_live),
		cmocka_unit_test(test_unchecked_ignored),
		cmocka_unit_test(test_no_other_site_up_keeps_fall),
		cmocka_unit_test(test_sweep_due),
		cmocka_unit_test(test_force_down),
		cmocka_unit_test(test_parse4),
		cmocka_unit_test(test_parse6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
