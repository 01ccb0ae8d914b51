// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VRRP state machine (controlplane/vrrp/fsm.c) on a fake clock: every
 * transition of RFC 5798 §6.4 (and RFC 3768 timers), exact timer values
 * with skew, preempt / nopreempt / preempt_delay, priority 0 on resign,
 * and edgelb's handover, maintenance, fault and tracking. Single-node
 * tests feed adverts by hand; two-node tests wire two state machines
 * together through a fake network so that whole exchanges play out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vrrp/fsm.h"

static struct vrrp_fsm_config conf(uint8_t version, uint8_t prio, uint16_t adv_cs, bool preempt)
{
	return (struct vrrp_fsm_config){
		.vrid = 51,
		.priority = prio,
		.advert_int_cs = adv_cs,
		.preempt = preempt,
		.version = version,
	};
}

static void init_ok(struct vrrp_fsm *f, struct vrrp_fsm_config c)
{
	assert_int_equal(vrrp_fsm_init(f, &c), 0);
	assert_int_equal(f->state, VRRP_STATE_INITIALIZE);
	assert_true(vrrp_fsm_next_deadline(f) == UINT64_MAX);
}

static void assert_no_action(struct vrrp_fsm_actions a)
{
	assert_false(a.send_advert);
	assert_false(a.become_master);
	assert_false(a.become_backup);
	assert_null(a.notify);
}

/* ---- configuration ------------------------------------------------------ */

static void test_config_check(void **state)
{
	static const struct {
		struct vrrp_fsm_config c;
		int ret;
	} cases[] = {
		{{.vrid = 1, .priority = 100, .advert_int_cs = 100, .version = 3}, 0},
		{{.vrid = 255, .priority = 255, .advert_int_cs = 1, .version = 3}, 0},
		{{.vrid = 1, .priority = 1, .advert_int_cs = 4095, .version = 3}, 0},
		{{.vrid = 1, .priority = 100, .advert_int_cs = 25500, .version = 2}, 0},
		{{.vrid = 0, .priority = 100, .advert_int_cs = 100, .version = 3}, -EINVAL},
		{{.vrid = 1, .priority = 0, .advert_int_cs = 100, .version = 3}, -EINVAL},
		{{.vrid = 1, .priority = 100, .advert_int_cs = 0, .version = 3}, -EINVAL},
		{{.vrid = 1, .priority = 100, .advert_int_cs = 4096, .version = 3}, -EINVAL},
		{{.vrid = 1, .priority = 100, .advert_int_cs = 150, .version = 2}, -EINVAL},
		{{.vrid = 1, .priority = 100, .advert_int_cs = 50, .version = 2}, -EINVAL},
		{{.vrid = 1, .priority = 100, .advert_int_cs = 100, .version = 4}, -EINVAL},
		{{.vrid = 1, .priority = 100, .advert_int_cs = 100, .version = 0}, -EINVAL},
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrrp_fsm f;

		err[0] = 0;
		assert_int_equal(vrrp_fsm_config_check(&cases[i].c, err, sizeof(err)), cases[i].ret);
		assert_int_equal(vrrp_fsm_init(&f, &cases[i].c), cases[i].ret);
		if (cases[i].ret)
			assert_true(err[0] != 0);
	}
}

/* ---- Initialize (RFC 5798 §6.4.1) -------------------------------------- */

static void test_owner_becomes_master_at_once(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_fsm_actions a;

	(void)state;
	init_ok(&f, conf(3, 255, 100, true));
	a = vrrp_fsm_start(&f, 5000);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_true(a.send_advert);
	assert_int_equal(a.advert_priority, 255);
	assert_true(a.become_master);
	assert_false(a.become_backup);
	assert_string_equal(a.notify, "MASTER");
	assert_true(vrrp_fsm_accepts(&f)); /* the owner always accepts */
	/* Adver_Timer: one advert per interval, exactly */
	assert_int_equal(vrrp_fsm_next_deadline(&f), 6000);
	assert_no_action(vrrp_fsm_timer(&f, 5999));
	for (uint64_t t = 6000; t <= 10000; t += 1000) {
		a = vrrp_fsm_timer(&f, t);
		assert_true(a.send_advert);
		assert_int_equal(a.advert_priority, 255);
		assert_false(a.become_master);
		assert_null(a.notify);
		assert_int_equal(vrrp_fsm_next_deadline(&f), t + 1000);
	}
	/* start again: nothing */
	assert_no_action(vrrp_fsm_start(&f, 10001));
	assert_int_equal(f.transitions, 1);
}

/*
 * Backup with no adverts: MASTER after exactly Master_Down_Interval =
 * 3 * Master_Adver_Interval + Skew_Time (ms, truncated).
 */
static void test_backup_master_down_interval(void **state)
{
	static const struct {
		uint8_t version, prio;
		uint16_t adv_cs;
		uint64_t skew_ms, mdi_ms;
	} cases[] = {
		/* v3: Skew = (256 - prio) * MAI / 256 */
		{3, 100, 100, 609, 3609},	/* 156 * 1000 / 256 = 609.4 */
		{3, 254, 100, 7, 3007},		/* 2 * 1000 / 256 = 7.8 */
		{3, 1, 100, 996, 3996},		/* 255 * 1000 / 256 = 996.1 */
		{3, 200, 10, 21, 321},		/* 100 ms adverts: 56 * 100 / 256 */
		{3, 100, 1, 6, 36},		/* 10 ms adverts: 156 * 10 / 256 */
		{3, 150, 1, 4, 34},
		/* v2: Skew = (256 - prio) / 256 s, whatever the interval */
		{2, 100, 100, 609, 3609},
		{2, 200, 300, 218, 9218},
		{2, 1, 100, 996, 3996},
		{2, 254, 200, 7, 6007},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrrp_fsm f;
		struct vrrp_fsm_actions a;
		const uint64_t t0 = 1000000;

		init_ok(&f, conf(cases[i].version, cases[i].prio, cases[i].adv_cs, true));
		a = vrrp_fsm_start(&f, t0);
		assert_int_equal(f.state, VRRP_STATE_BACKUP);
		assert_false(a.send_advert);
		assert_true(a.become_backup);
		assert_string_equal(a.notify, "BACKUP");
		assert_int_equal(vrrp_fsm_skew_ms(&f), cases[i].skew_ms);
		assert_int_equal(vrrp_fsm_master_down_ms(&f), cases[i].mdi_ms);
		assert_int_equal(vrrp_fsm_next_deadline(&f), t0 + cases[i].mdi_ms);
		/* one ms early: nothing */
		assert_no_action(vrrp_fsm_timer(&f, t0 + cases[i].mdi_ms - 1));
		assert_int_equal(f.state, VRRP_STATE_BACKUP);
		/* on time: §6.4.2 Master_Down_Timer fires */
		a = vrrp_fsm_timer(&f, t0 + cases[i].mdi_ms);
		assert_int_equal(f.state, VRRP_STATE_MASTER);
		assert_true(a.send_advert);
		assert_int_equal(a.advert_priority, cases[i].prio);
		assert_true(a.become_master);
		assert_string_equal(a.notify, "MASTER");
		assert_int_equal(vrrp_fsm_next_deadline(&f),
				 t0 + cases[i].mdi_ms + cases[i].adv_cs * 10);
	}
}

/* ---- Backup (RFC 5798 §6.4.2) ------------------------------------------ */

static void test_backup_adverts_reset_the_timer(void **state)
{
	struct vrrp_fsm f;
	uint64_t t;

	(void)state;
	init_ok(&f, conf(3, 100, 100, true));
	vrrp_fsm_start(&f, 0);
	/* a higher master every second for a minute: stays backup */
	for (t = 1000; t <= 60000; t += 1000) {
		assert_no_action(vrrp_fsm_timer(&f, t - 1));
		assert_no_action(vrrp_fsm_advert_received(&f, t, 200, 100, 1));
		assert_int_equal(vrrp_fsm_next_deadline(&f), t + 3609);
	}
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(f.rx_adverts, 60);
	assert_int_equal(f.rx_discarded, 0);
	/* an equal priority is accepted too (§6.4.2 "greater than or equal") */
	assert_no_action(vrrp_fsm_advert_received(&f, 61000, 100, 100, -1));
	assert_int_equal(vrrp_fsm_next_deadline(&f), 61000 + 3609);
	/* the master goes silent: takeover one Master_Down_Interval later */
	assert_no_action(vrrp_fsm_timer(&f, 64608));
	assert_true(vrrp_fsm_timer(&f, 64609).become_master);
}

static void test_backup_learns_master_adver_interval_v3_only(void **state)
{
	struct vrrp_fsm f;

	(void)state;
	/* v3: §6.4.2 Master_Adver_Interval from the advert: 50 cs */
	init_ok(&f, conf(3, 100, 100, true));
	vrrp_fsm_start(&f, 0);
	vrrp_fsm_advert_received(&f, 1000, 200, 50, 1);
	assert_int_equal(f.master_adver_int_cs, 50);
	assert_int_equal(vrrp_fsm_skew_ms(&f), 304);	/* 156 * 500 / 256 */
	assert_int_equal(vrrp_fsm_master_down_ms(&f), 1804);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 2804);
	/* a zero interval is invalid: ignored */
	vrrp_fsm_advert_received(&f, 1500, 200, 0, 1);
	assert_int_equal(f.rx_discarded, 1);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 2804);

	/* v2: no learning; RFC 3768 §7.1 discards a mismatched interval */
	init_ok(&f, conf(2, 100, 100, true));
	vrrp_fsm_start(&f, 0);
	assert_no_action(vrrp_fsm_advert_received(&f, 1000, 200, 200, 1));
	assert_int_equal(f.rx_discarded, 1);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 3609);
	vrrp_fsm_advert_received(&f, 2000, 200, 100, 1);
	assert_int_equal(f.rx_discarded, 1);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 5609);
}

/* §6.4.2: priority 0 received → Master_Down_Timer = Skew_Time. */
static void test_priority_zero_takeover_after_skew(void **state)
{
	static const struct {
		uint8_t version, prio;
		uint16_t adv_cs;
		uint64_t skew_ms;
	} cases[] = {
		{3, 100, 100, 609}, {3, 254, 100, 7}, {3, 100, 1, 6},
		{3, 200, 10, 21},   {2, 100, 100, 609}, {2, 200, 300, 218},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrrp_fsm f;
		struct vrrp_fsm_actions a;
		uint64_t t = 50000;

		init_ok(&f, conf(cases[i].version, cases[i].prio, cases[i].adv_cs, true));
		vrrp_fsm_start(&f, 0);
		vrrp_fsm_advert_received(&f, t - 100, 255, cases[i].adv_cs, 1);
		assert_no_action(vrrp_fsm_advert_received(&f, t, 0, cases[i].adv_cs, 1));
		assert_int_equal(vrrp_fsm_next_deadline(&f), t + cases[i].skew_ms);
		if (cases[i].skew_ms)
			assert_no_action(vrrp_fsm_timer(&f, t + cases[i].skew_ms - 1));
		a = vrrp_fsm_timer(&f, t + cases[i].skew_ms);
		assert_int_equal(f.state, VRRP_STATE_MASTER);
		assert_true(a.become_master);
		assert_true(a.send_advert);
		assert_int_equal(a.advert_priority, cases[i].prio);
		/* what the log says it waited: the skew time, not the interval */
		assert_true(a.master_down);
		assert_int_equal(a.master_down_waited_ms, cases[i].skew_ms);
	}
}

/* No advertisement at all: the whole Master_Down_Interval, 3 x 1000 + 609 ms (§6.1). */
static void test_master_down_waited_the_interval(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_fsm_actions a;
	uint64_t t = 50000;

	(void)state;
	init_ok(&f, conf(3, 100, 100, true));
	vrrp_fsm_start(&f, 0);
	vrrp_fsm_advert_received(&f, t, 255, 100, 1);
	assert_no_action(vrrp_fsm_timer(&f, t + 3609 - 1));
	a = vrrp_fsm_timer(&f, t + 3609 + 5);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_true(a.master_down);
	assert_int_equal(a.master_down_waited_ms, 3609);
	assert_int_equal(a.master_down_late_ms, 5);
}

/* ---- Master (RFC 5798 §6.4.3) ------------------------------------------ */

/*
 * A master (priority 100, v3, 1 s) gets an advert: who wins. Higher
 * priority, or equal priority and higher address, takes over; anything
 * else is discarded (no advert sent back: the RFC text).
 */
static void test_master_receives_advert(void **state)
{
	static const struct {
		uint8_t prio;
		int src_cmp;
		bool to_backup;
	} cases[] = {
		{101, -1, true},  {255, -1, true},  {101, 1, true},
		{100, 1, true},	  /* tie: sender's address higher */
		{100, -1, false}, /* tie: ours higher */
		{100, 0, false},  /* our own advert looped back */
		{99, 1, false},	  {1, 1, false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrrp_fsm f;
		struct vrrp_fsm_actions a;

		init_ok(&f, conf(3, 100, 100, true));
		vrrp_fsm_start(&f, 0);
		vrrp_fsm_timer(&f, 3609);
		assert_int_equal(f.state, VRRP_STATE_MASTER);
		a = vrrp_fsm_advert_received(&f, 4000, cases[i].prio, 200, cases[i].src_cmp);
		if (cases[i].to_backup) {
			assert_int_equal(f.state, VRRP_STATE_BACKUP);
			assert_true(a.become_backup);
			/* tells the winner it was master too */
			assert_true(a.send_advert);
			assert_int_equal(a.advert_priority, 0);
			assert_string_equal(a.notify, "BACKUP");
			/* learnt 2 s: 3 * 2000 + 156 * 2000 / 256 */
			assert_int_equal(vrrp_fsm_next_deadline(&f), 4000 + 6000 + 1218);
		} else if (cases[i].src_cmp == 0) {
			assert_int_equal(f.state, VRRP_STATE_MASTER);
			assert_no_action(a);
			assert_false(a.reassert);
			assert_int_equal(f.rx_discarded, 1);
			assert_int_equal(vrrp_fsm_next_deadline(&f), 4609);
		} else {
			/* another, lower master (healed split brain): discard it
			 * but advertise and GARP again at once */
			assert_int_equal(f.state, VRRP_STATE_MASTER);
			assert_true(a.send_advert);
			assert_int_equal(a.advert_priority, 100);
			assert_true(a.reassert);
			assert_false(a.become_master);
			assert_false(a.become_backup);
			assert_null(a.notify);
			assert_int_equal(f.rx_discarded, 1);
			assert_int_equal(vrrp_fsm_next_deadline(&f), 5000);
			/* not again within Master_Down_Interval (3609 ms) ... */
			a = vrrp_fsm_advert_received(&f, 7608, cases[i].prio, 200, cases[i].src_cmp);
			assert_no_action(a);
			assert_false(a.reassert);
			/* ... and again after it */
			a = vrrp_fsm_advert_received(&f, 7609, cases[i].prio, 200, cases[i].src_cmp);
			assert_true(a.send_advert && a.reassert);
		}
	}
}

static void test_master_answers_priority_zero(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_fsm_actions a;

	(void)state;
	init_ok(&f, conf(3, 255, 100, true));
	vrrp_fsm_start(&f, 0);
	a = vrrp_fsm_advert_received(&f, 400, 0, 100, 1);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_true(a.send_advert);
	assert_int_equal(a.advert_priority, 255);
	assert_true(a.reassert); /* another master stepped down: announce again */
	assert_false(a.become_master);
	assert_null(a.notify);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 1400);
}

static void test_shutdown(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_fsm_actions a;

	(void)state;
	/* from MASTER: §6.4.3 priority-0 advert, VIPs go */
	init_ok(&f, conf(3, 255, 100, true));
	vrrp_fsm_start(&f, 0);
	a = vrrp_fsm_shutdown(&f, 500);
	assert_int_equal(f.state, VRRP_STATE_STOPPED);
	assert_true(a.send_advert);
	assert_int_equal(a.advert_priority, 0);
	assert_true(a.become_backup);
	assert_false(a.become_master);
	assert_string_equal(a.notify, "STOP");
	assert_true(vrrp_fsm_next_deadline(&f) == UINT64_MAX);
	assert_no_action(vrrp_fsm_timer(&f, 100000));
	assert_no_action(vrrp_fsm_advert_received(&f, 100000, 0, 100, 1));
	assert_no_action(vrrp_fsm_shutdown(&f, 100001));
	/* start again works */
	a = vrrp_fsm_start(&f, 200000);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_true(a.become_master);

	/* from BACKUP: §6.4.2 cancel the timer, no advert */
	init_ok(&f, conf(3, 100, 100, true));
	vrrp_fsm_start(&f, 0);
	a = vrrp_fsm_shutdown(&f, 10);
	assert_int_equal(f.state, VRRP_STATE_STOPPED);
	assert_false(a.send_advert);
	assert_false(a.become_backup);
	assert_string_equal(a.notify, "STOP");
	assert_true(vrrp_fsm_next_deadline(&f) == UINT64_MAX);
}

static void test_accept_mode(void **state)
{
	static const struct {
		uint8_t prio;
		bool accept_mode, master, accepts;
	} cases[] = {
		{255, false, true, true}, {100, true, true, true},  {100, false, true, false},
		{100, true, false, false}, {255, true, false, false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrrp_fsm f;
		struct vrrp_fsm_config c = conf(3, cases[i].prio, 100, true);

		c.accept_mode = cases[i].accept_mode;
		init_ok(&f, c);
		vrrp_fsm_start(&f, 0);
		if (cases[i].master)
			vrrp_fsm_timer(&f, 10000);
		else
			vrrp_fsm_advert_received(&f, 10, 255, 100, 1);
		assert_int_equal(f.state == VRRP_STATE_MASTER, cases[i].master);
		assert_int_equal(vrrp_fsm_accepts(&f), cases[i].accepts);
	}
}

/* ---- two nodes on a fake network ---------------------------------------- */

struct node {
	struct vrrp_fsm f;
	int addr;		/* primary address, for the tie-break */
	bool up;		/* the process runs */
	uint64_t master_since;	/* last become_master, or 0 */
	unsigned int resigns;	/* priority-0 adverts sent */
	unsigned int reasserts;	/* GARP bursts again while master */
};

struct net {
	struct node n[2];
	bool link;		/* adverts pass between the two */
	uint64_t now;
};

static void deliver(struct net *w, int from, struct vrrp_fsm_actions a, int depth)
{
	struct node *src = &w->n[from], *dst = &w->n[!from];

	if (a.become_master)
		src->master_since = w->now;
	if (a.reassert)
		src->reasserts++;
	if (!a.send_advert)
		return;
	if (a.advert_priority == 0)
		src->resigns++;
	assert_true(depth < 4); /* adverts answer adverts only so far */
	if (!w->link || !dst->up)
		return;
	deliver(w, !from,
		vrrp_fsm_advert_received(&dst->f, w->now, a.advert_priority,
					 src->f.cfg.advert_int_cs, src->addr - dst->addr),
		depth + 1);
}

static void net_init(struct net *w, struct vrrp_fsm_config a, struct vrrp_fsm_config b)
{
	memset(w, 0, sizeof(*w));
	w->link = true;
	init_ok(&w->n[0].f, a);
	init_ok(&w->n[1].f, b);
	w->n[0].addr = 1;
	w->n[1].addr = 2;
}

static void net_start(struct net *w, int i)
{
	w->n[i].up = true;
	deliver(w, i, vrrp_fsm_start(&w->n[i].f, w->now), 0);
}

/* Run every timer up to and including `until`, in time order. */
static void net_run(struct net *w, uint64_t until)
{
	for (;;) {
		uint64_t d0 = w->n[0].up ? vrrp_fsm_next_deadline(&w->n[0].f) : UINT64_MAX;
		uint64_t d1 = w->n[1].up ? vrrp_fsm_next_deadline(&w->n[1].f) : UINT64_MAX;
		int i = d1 < d0;
		uint64_t d = i ? d1 : d0;

		if (d > until)
			break;
		assert_true(d >= w->now);
		w->now = d;
		deliver(w, i, vrrp_fsm_timer(&w->n[i].f, d), 0);
	}
	w->now = until;
}

static int masters(const struct net *w)
{
	return (w->n[0].up && w->n[0].f.state == VRRP_STATE_MASTER) +
	       (w->n[1].up && w->n[1].f.state == VRRP_STATE_MASTER);
}

/*
 * Equal priorities. Started together, the first to fire wins and the other
 * accepts its adverts (§6.4.2 "greater than or equal"). Both master (a cut
 * link) then healed: the higher primary address wins the tie (§6.4.3).
 */
static void test_equal_priority_tie(void **state)
{
	struct net w;

	(void)state;
	net_init(&w, conf(3, 100, 100, true), conf(3, 100, 100, true));
	net_start(&w, 0);
	net_start(&w, 1);
	net_run(&w, 60000);
	assert_int_equal(masters(&w), 1);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
	assert_int_equal(w.n[0].master_since, 3609);
	assert_int_equal(w.n[1].f.transitions, 1);

	w.link = false;
	net_run(&w, 70000);
	assert_int_equal(masters(&w), 2);
	assert_int_equal(w.n[1].master_since, 59609 + 3609);
	w.link = true;
	net_run(&w, 71000);
	assert_int_equal(masters(&w), 1);
	assert_int_equal(w.n[1].f.state, VRRP_STATE_MASTER);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_BACKUP);
	net_run(&w, 120000);
	assert_int_equal(w.n[1].f.state, VRRP_STATE_MASTER);
	assert_int_equal(w.n[0].f.transitions, 3); /* BACKUP, MASTER, BACKUP */
}

/*
 * A higher-priority node B (200) joins a running master A (100):
 * preempt off keeps A; preempt on takes over after B's own
 * Master_Down_Interval (it discards A's adverts); preempt_delay makes B
 * accept A for that long first.
 */
static void test_preempt(void **state)
{
	static const struct {
		bool preempt;
		uint32_t delay_ms;
		uint64_t b_master_at;	/* 0: never */
	} cases[] = {
		{false, 0, 0},
		{true, 0, 10000 + 3218},	/* B: 3 s + 56 * 1000 / 256 */
		/* the delay runs from A's first advert seen (10609); B accepts
		 * A's adverts before 15609 and then preempts, like keepalived */
		{true, 5000, 14609 + 3218},
		{false, 5000, 0},		/* the delay alone does not preempt */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net w;
		struct vrrp_fsm_config b = conf(3, 200, 100, cases[i].preempt);

		b.preempt_delay_ms = cases[i].delay_ms;
		net_init(&w, conf(3, 100, 100, true), b);
		net_start(&w, 0);
		net_run(&w, 10000);
		assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER); /* since 3609 */
		net_start(&w, 1);
		net_run(&w, 60000);
		assert_int_equal(masters(&w), 1);
		if (!cases[i].b_master_at) {
			assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
			assert_int_equal(w.n[1].f.state, VRRP_STATE_BACKUP);
			assert_int_equal(w.n[1].f.transitions, 1);
			continue;
		}
		assert_int_equal(w.n[1].f.state, VRRP_STATE_MASTER);
		assert_int_equal(w.n[1].master_since, cases[i].b_master_at);
		/* the old master went backup on B's first advert (§6.4.3) */
		assert_int_equal(w.n[0].f.state, VRRP_STATE_BACKUP);
		assert_int_equal(w.n[0].f.transitions, 3);
	}
}

/* A failed master: the backup takes over after Master_Down_Interval. */
static void test_master_dies(void **state)
{
	struct net w;

	(void)state;
	net_init(&w, conf(3, 200, 100, true), conf(3, 100, 100, true));
	net_start(&w, 0);
	net_start(&w, 1);
	net_run(&w, 10000);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
	/* A's last advert went out at 9218 (3218 + 6 s); it dies silently */
	w.n[0].up = false;
	net_run(&w, 60000);
	assert_int_equal(w.n[1].master_since, 9218 + 3609);
	/* A comes back as backup, discards B's lower adverts, preempts (§6.4.2) */
	net_run(&w, 70000);
	vrrp_fsm_init(&w.n[0].f, &w.n[0].f.cfg);
	net_start(&w, 0);
	net_run(&w, 100000);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
	assert_int_equal(w.n[0].master_since, 70000 + 3218);
	assert_int_equal(w.n[1].f.state, VRRP_STATE_BACKUP);
}

/*
 * Handover: the master A (200) resigns with priority 0, B (100) takes over
 * after its Skew_Time, A stays backup while B's lower adverts arrive (no
 * preemption), until release; then A preempts as usual.
 */
static void test_handover_and_release(void **state)
{
	struct net w;
	struct vrrp_fsm_actions a;

	(void)state;
	net_init(&w, conf(3, 200, 100, true), conf(3, 100, 100, true));
	net_start(&w, 0);
	net_start(&w, 1);
	net_run(&w, 20000);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);

	a = vrrp_fsm_handover(&w.n[0].f, w.now);
	assert_true(a.send_advert);
	assert_int_equal(a.advert_priority, 0);
	assert_true(a.become_backup);
	assert_string_equal(a.notify, "BACKUP");
	assert_int_equal(w.n[0].f.state, VRRP_STATE_BACKUP);
	deliver(&w, 0, a, 0);
	/* B: master after its Skew_Time (156 * 1000 / 256 = 609 ms) */
	net_run(&w, 20608);
	assert_int_equal(masters(&w), 0);
	net_run(&w, 20609);
	assert_int_equal(w.n[1].f.state, VRRP_STATE_MASTER);
	assert_int_equal(w.n[1].master_since, 20609);
	/* A holds back for ten minutes of B's priority-100 adverts */
	net_run(&w, 620000);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_BACKUP);
	assert_int_equal(w.n[1].f.state, VRRP_STATE_MASTER);
	assert_int_equal(w.n[0].f.rx_discarded, 0);
	/* handover again is harmless */
	assert_no_action(vrrp_fsm_handover(&w.n[0].f, w.now));
	/* release: A discards B's adverts again and preempts after its MDI */
	assert_no_action(vrrp_fsm_release(&w.n[0].f, w.now));
	net_run(&w, 630000);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
	assert_int_equal(w.n[1].f.state, VRRP_STATE_BACKUP);
	/* B's last accepted advert: 619609; A's MDI 3218 */
	assert_int_equal(w.n[0].master_since, 619609 + 3218);
}

/* In handover, A still takes over if the new master dies: VIPs need an owner. */
static void test_handover_still_covers_a_dead_peer(void **state)
{
	struct net w;

	(void)state;
	net_init(&w, conf(3, 200, 100, true), conf(3, 100, 100, true));
	net_start(&w, 0);
	net_start(&w, 1);
	net_run(&w, 20000);
	deliver(&w, 0, vrrp_fsm_handover(&w.n[0].f, w.now), 0);
	net_run(&w, 30000);
	assert_int_equal(w.n[1].f.state, VRRP_STATE_MASTER);
	w.n[1].up = false; /* last advert at 29609 */
	net_run(&w, 40000);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
	assert_int_equal(w.n[0].master_since, 29609 + 3218);
}

/*
 * Maintenance: the master resigns (priority 0) and never comes back, even
 * when the peer dies; off: it takes over after its Master_Down_Interval.
 */
/* Sync-group resign: priority 0, BACKUP, normal timer, no hold. */
static void test_resign(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_fsm_actions a;

	(void)state;
	init_ok(&f, conf(3, 150, 100, true));
	vrrp_fsm_start(&f, 0);
	assert_no_action(vrrp_fsm_resign(&f, 10)); /* a backup: nothing */
	vrrp_fsm_timer(&f, 3414);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	a = vrrp_fsm_resign(&f, 5000);
	assert_true(a.send_advert);
	assert_int_equal(a.advert_priority, 0);
	assert_true(a.become_backup);
	assert_string_equal(a.notify, "BACKUP");
	assert_false(f.held);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 5000 + 3000 + 414);
	/* a lower master's adverts are discarded: it preempts as usual */
	a = vrrp_fsm_advert_received(&f, 5100, 100, 100, 1);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 5000 + 3000 + 414);
	a = vrrp_fsm_timer(&f, 8414);
	assert_true(a.become_master);
}

static void test_maintenance(void **state)
{
	struct net w;
	struct vrrp_fsm_actions a;

	(void)state;
	net_init(&w, conf(3, 255, 100, true), conf(3, 100, 100, true));
	net_start(&w, 0);
	net_start(&w, 1);
	net_run(&w, 5000);
	assert_int_equal(w.n[0].master_since, 0); /* owner: at once */
	a = vrrp_fsm_maintenance(&w.n[0].f, w.now, true);
	assert_true(a.send_advert);
	assert_int_equal(a.advert_priority, 0);
	assert_true(a.become_backup);
	assert_string_equal(a.notify, "BACKUP");
	assert_true(vrrp_fsm_next_deadline(&w.n[0].f) == UINT64_MAX);
	deliver(&w, 0, a, 0);
	net_run(&w, 5609);
	assert_int_equal(w.n[1].master_since, 5609);
	/* the peer dies: A still never takes over */
	w.n[1].up = false;
	net_run(&w, 600000);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_BACKUP);
	assert_true(vrrp_fsm_next_deadline(&w.n[0].f) == UINT64_MAX);
	/* nor does a priority-0 advert or a restart make it */
	assert_no_action(vrrp_fsm_advert_received(&w.n[0].f, w.now, 0, 100, 1));
	assert_true(vrrp_fsm_next_deadline(&w.n[0].f) == UINT64_MAX);
	vrrp_fsm_shutdown(&w.n[0].f, w.now);
	a = vrrp_fsm_start(&w.n[0].f, w.now);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_BACKUP);
	assert_false(a.become_master);
	assert_no_action(vrrp_fsm_maintenance(&w.n[0].f, w.now, true));
	/* off: a fresh Master_Down_Interval (255: 3 s + 3 ms) */
	assert_no_action(vrrp_fsm_maintenance(&w.n[0].f, 600000, false));
	assert_int_equal(vrrp_fsm_next_deadline(&w.n[0].f), 603003);
	net_run(&w, 700000);
	assert_int_equal(w.n[0].master_since, 603003);
	/* maintenance on a backup only stops its timer */
	w.n[1].up = true;
	vrrp_fsm_init(&w.n[1].f, &w.n[1].f.cfg);
	net_start(&w, 1);
	assert_no_action(vrrp_fsm_maintenance(&w.n[1].f, w.now, true));
	assert_true(vrrp_fsm_next_deadline(&w.n[1].f) == UINT64_MAX);
	assert_no_action(vrrp_fsm_maintenance(&w.n[1].f, w.now, false));
	assert_int_equal(vrrp_fsm_next_deadline(&w.n[1].f), w.now + 3609);
}

/* Interface tracking: FAULT from MASTER, BACKUP and before start, and back. */
static void test_fault(void **state)
{
	static const struct {
		uint8_t prio;
		bool started;
		enum vrrp_state before, after_clear;
		bool resign;
	} cases[] = {
		{255, true, VRRP_STATE_MASTER, VRRP_STATE_MASTER, true},
		{100, true, VRRP_STATE_BACKUP, VRRP_STATE_BACKUP, false},
		{255, false, VRRP_STATE_INITIALIZE, VRRP_STATE_MASTER, false},
		{100, false, VRRP_STATE_INITIALIZE, VRRP_STATE_BACKUP, false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrrp_fsm f;
		struct vrrp_fsm_actions a;

		init_ok(&f, conf(3, cases[i].prio, 100, true));
		if (cases[i].started)
			vrrp_fsm_start(&f, 0);
		assert_int_equal(f.state, cases[i].before);
		a = vrrp_fsm_fault(&f, 100, true);
		assert_int_equal(a.send_advert, cases[i].resign);
		assert_int_equal(a.become_backup, cases[i].resign);
		if (cases[i].resign)
			assert_int_equal(a.advert_priority, 0);
		if (!cases[i].started) {
			assert_int_equal(f.state, VRRP_STATE_INITIALIZE);
			assert_null(a.notify);
			a = vrrp_fsm_start(&f, 150);
		}
		assert_int_equal(f.state, VRRP_STATE_FAULT);
		assert_string_equal(a.notify, "FAULT");
		assert_false(a.become_master);
		/* nothing moves while in fault */
		assert_true(vrrp_fsm_next_deadline(&f) == UINT64_MAX);
		assert_no_action(vrrp_fsm_timer(&f, 100000));
		assert_no_action(vrrp_fsm_advert_received(&f, 100000, 0, 100, 1));
		assert_no_action(vrrp_fsm_fault(&f, 100000, true));
		/* cleared: Startup again (§6.4.1) */
		a = vrrp_fsm_fault(&f, 200000, false);
		assert_int_equal(f.state, cases[i].after_clear);
		assert_string_equal(a.notify, vrrp_fsm_state_name(cases[i].after_clear));
		if (cases[i].after_clear == VRRP_STATE_MASTER)
			assert_true(a.become_master);
		else
			assert_int_equal(vrrp_fsm_next_deadline(&f), 200000 + 3609);
		assert_no_action(vrrp_fsm_fault(&f, 200001, false));
	}
}

/*
 * Tracking lowers the master A (200) below the backup B (150): A tells at
 * once; with preempt, B discards and takes over after its own
 * Master_Down_Interval; without preempt B keeps A.
 */
static void test_tracking_lowers_master(void **state)
{
	static const bool preempt[] = {true, false};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct net w;
		struct vrrp_fsm_actions a;

		net_init(&w, conf(3, 200, 100, true), conf(3, 150, 100, preempt[i]));
		net_start(&w, 0);
		net_start(&w, 1);
		net_run(&w, 10500);
		assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
		a = vrrp_fsm_set_priority(&w.n[0].f, w.now, 100);
		assert_true(a.send_advert);
		assert_int_equal(a.advert_priority, 100);
		assert_null(a.notify);
		assert_int_equal(vrrp_fsm_next_deadline(&w.n[0].f), 11500);
		deliver(&w, 0, a, 0);
		net_run(&w, 60000);
		assert_int_equal(masters(&w), 1);
		if (preempt[i]) {
			/* B's last accepted advert: A's at 10218; MDI 3 s + 414 ms */
			assert_int_equal(w.n[1].master_since, 10218 + 3414);
			assert_int_equal(w.n[0].f.state, VRRP_STATE_BACKUP);
		} else {
			assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
		}
		/* priority restored: A (preempt) takes it back, or stays */
		assert_no_action(vrrp_fsm_set_priority(&w.n[0].f, w.now, 100));
		deliver(&w, 0, vrrp_fsm_set_priority(&w.n[0].f, w.now, 200), 0);
		net_run(&w, 120000);
		assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
		assert_int_equal(w.n[1].f.state, VRRP_STATE_BACKUP);
	}
}

static void test_set_priority_clamps_zero(void **state)
{
	struct vrrp_fsm f;

	(void)state;
	init_ok(&f, conf(3, 100, 100, true));
	vrrp_fsm_start(&f, 0);
	assert_no_action(vrrp_fsm_set_priority(&f, 10, 0));
	assert_int_equal(f.priority, 1);
	assert_int_equal(vrrp_fsm_skew_ms(&f), 996);
}

/* Split brain: cut link → both master; heal → one master within an interval. */
/*
 * Cut, then heal at heal_at: the phase decides whose advert crosses
 * first after the heal, so the test runs at several.
 */
static void split_brain_heals(uint64_t heal_at)
{
	struct net w;

	net_init(&w, conf(3, 200, 100, true), conf(3, 100, 100, true));
	net_start(&w, 0);
	net_start(&w, 1);
	net_run(&w, 10000);
	w.link = false;
	net_run(&w, heal_at);
	assert_int_equal(masters(&w), 2);
	w.link = true;
	/* one master again at the first advert either sends: within one
	 * advert interval of the heal (the lower master's advert makes the
	 * higher one answer at once; the RFC alone could take two) */
	for (uint64_t t = heal_at; masters(&w) == 2; t++) {
		assert_true(t <= heal_at + 1000);
		net_run(&w, t);
	}
	assert_int_equal(masters(&w), 1);
	assert_int_equal(w.n[0].f.state, VRRP_STATE_MASTER);
	/* the winner announced the VIPs again, whichever advert crossed
	 * first (B's lower one, or A's that made B resign with priority 0) */
	assert_int_equal(w.n[0].reasserts, 1);
	assert_int_equal(w.n[1].reasserts, 0);
	/* and then no more flapping */
	net_run(&w, heal_at + 60000);
	assert_int_equal(w.n[0].f.transitions, 2);
}

static void test_split_brain_heals(void **state)
{
	(void)state;
	for (uint64_t phase = 0; phase < 1000; phase += 50)
		split_brain_heals(30000 + phase);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_owner_becomes_master_at_once),
		cmocka_unit_test(test_backup_master_down_interval),
		cmocka_unit_test(test_backup_adverts_reset_the_timer),
		cmocka_unit_test(test_backup_learns_master_adver_interval_v3_only),
		cmocka_unit_test(test_priority_zero_takeover_after_skew),
		cmocka_unit_test(test_master_down_waited_the_interval),
		cmocka_unit_test(test_master_receives_advert),
		cmocka_unit_test(test_master_answers_priority_zero),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_accept_mode),
		cmocka_unit_test(test_equal_priority_tie),
		cmocka_unit_test(test_preempt),
		cmocka_unit_test(test_master_dies),
		cmocka_unit_test(test_handover_and_release),
		cmocka_unit_test(test_handover_still_covers_a_dead_peer),
		cmocka_unit_test(test_resign),
		cmocka_unit_test(test_maintenance),
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_tracking_lowers_master),
		cmocka_unit_test(test_set_priority_clamps_zero),
		cmocka_unit_test(test_split_brain_heals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
