// SPDX-License-Identifier: GPL-2.0-only
/*
 * The health checker's glue: see health.h. Owns the checks, their
 * schedule (a timer wheel of deadlines behind one timerfd, wheel.h), the epoll set of
 * their sockets and pidfds, and their state machines (fsm.c); the
 * checkers themselves are tcp.c, http.c and exec.c (probe.h).
 *
 * Each checked backend is in the wheel exactly once, at its next
 * deadline: the start of its next check when idle, the timeout of the
 * check in flight otherwise. Checks start at fixed rates: the next start
 * is the planned start of the previous one plus a jittered interval, so
 * a late loop does not make the schedule drift, and a check that starts
 * late says so (late_ms, the benchmark's "no check late by more than one
 * interval").
 *
 * Epoll data of an attempt's fds: (generation << 32) | (slot << 1) | fd
 * index. A slot names a check for its whole life; the generation changes
 * with every attempt, so an event left over from an attempt that already
 * ended (in the same batch of events) is recognised and dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>

#include "fsm.h"
#include "health.h"
#include "lb.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "site.h"
#include "spec.h"
#include "unreach.h"
#include "wheel.h"

_Static_assert(EDGELB_MAX_BACKENDS <= 0x10000, "backend ids must fit the low 16 bits of a mark");

#define HC_SCRATCH 16384      /* read buffer shared by every check */
#define HC_EVENTS 256	      /* epoll events per round of the loop */
#define HC_STARTS_PER_ROUND 1024 /* due checks started per round; the rest next round */
#define HC_REASON_MAX 160

struct hc_check {
	struct hc_spec spec;
	struct hc_fsm fsm;
	struct hc_rng rng;
	const struct hc_probe *probe; /* NULL: type none */
	struct hc_attempt att;
	bool running;
	uint32_t slot;
	uint32_t gen;
	struct hc_wheel_node tn; /* queued at due_us */
	uint64_t due_us;     /* next start, or the timeout of the running check */
	uint64_t planned_us; /* when the running (or last) check was due */
	uint64_t started_us;
	/* site fate (site.h): the next backend of the same service and site,
	 * round a ring (itself when it has none); the last sweep of the site */
	struct hc_check *site_next;
	uint64_t sweep_ms;
	/* the last result */
	bool has_result, last_pass;
	uint32_t latency_us;
	uint32_t late_us;
	uint64_t last_us;
	char reason[HC_REASON_MAX];
	char change_reason[HC_REASON_MAX + 256]; /* reason + counts + hold-down, or site */
};

struct edgelb_health {
	struct loop *loop;
	const struct edgelb_health_ops *ops;
	void *arg;
	int tfd;
	struct hc_io io;
	bool adopt;
	bool busy;  /* dispatching: apply() is refused */
	bool dirty; /* changed() called since the last commit() */
	uint64_t commit_after_us; /* the next commit not before (hc_commit) */

	struct hc_check **checks; /* sorted by (service, backend) */
	size_t n_checks;

	struct hc_check **slots; /* by slot; NULL = free */
	size_t n_slots, cap_slots;
	uint32_t *free_slots;
	size_t n_free;

	struct hc_wheel wheel; /* every checked backend, at its due_us */
	uint64_t armed_us; /* the timerfd's deadline; 0 = disarmed */

	uint32_t next_gen;
	struct hc_unreach_listener unreach;
	bool unreach_tried; /* opened, or failed to: said once */
	struct edgelb_health_totals totals;
	char scratch[HC_SCRATCH];
};

static uint64_t hc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const struct hc_probe *hc_probe_for(enum edgelb_config_health_type type)
{
	switch (type) {
	case EDGELB_CONFIG_HEALTH_TCP:
		return &hc_probe_tcp;
	case EDGELB_CONFIG_HEALTH_HTTP:
		return &hc_probe_http;
	case EDGELB_CONFIG_HEALTH_EXEC:
		return &hc_probe_exec;
	default:
		return NULL;
	}
}

/* "health[web/be2]" for log lines */
static const char *hc_sub(const struct hc_check *c, char *buf, size_t len)
{
	snprintf(buf, len, "health[%s/%s]", c->spec.service, c->spec.backend);
	return buf;
}

/* ---- the deadlines (wheel.h) ---------------------------------------------- */

static void hc_due_set(struct edgelb_health *h, struct hc_check *c)
{
	hc_wheel_move(&h->wheel, &c->tn, c->due_us);
}

/*
 * The timerfd fires at the time of the wheel's earliest slot: its 4 ms
 * slots (HC_WHEEL_SLOT_US) make the checks due within one slot start
 * together, so 10 000 checks a second cost a couple of hundred wake-ups
 * and timer writes instead of ten thousand of each. A check is at most
 * one slot late.
 */
static void hc_rearm(struct edgelb_health *h)
{
	struct itimerspec its;
	uint64_t due;

	memset(&its, 0, sizeof(its));
	if (!hc_wheel_next(&h->wheel, &due))
		due = UINT64_MAX;
	/* changes waiting for their batch (hc_commit) */
	if (h->dirty && h->commit_after_us < due)
		due = h->commit_after_us;
	if (due == UINT64_MAX) {
		if (h->armed_us)
			timerfd_settime(h->tfd, TFD_TIMER_ABSTIME, &its, NULL);
		h->armed_us = 0;
		return;
	}
	if (!due)
		due = 1; /* 0 would disarm */
	if (due == h->armed_us)
		return;
	its.it_value.tv_sec = (time_t)(due / 1000000u);
	its.it_value.tv_nsec = (long)(due % 1000000u) * 1000;
	if (timerfd_settime(h->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		pr_err("health", "arming the check timer: %s", strerror(errno));
	h->armed_us = due;
}

/* ---- attempts ------------------------------------------------------------- */

/*
 * The changes so far to the data plane (ops->commit), now when forced
 * (apply) or when the spacing after the last batch has passed
 * (hc_sched_commit_after); else they wait, and hc_rearm() wakes the loop
 * for them.
 */
static void hc_commit(struct edgelb_health *h, bool force)
{
	uint64_t t0;

	if (!h->dirty)
		return;
	if (!h->ops->commit) {
		h->dirty = false;
		return;
	}
	t0 = hc_now_us();
	if (!force && t0 < h->commit_after_us)
		return;
	h->ops->commit(h->arg);
	h->dirty = false;
	h->commit_after_us = hc_sched_commit_after(t0, hc_now_us());
}

static void hc_changed(struct edgelb_health *h, const struct hc_check *c, bool up,
		       const char *reason)
{
	h->ops->changed(h->arg, c->spec.service, c->spec.backend, up, reason);
	h->dirty = true;
}

static void hc_end_attempt(struct edgelb_health *h, struct hc_check *c)
{
	if (!c->running)
		return;
	c->probe->stop(&c->att, &h->io);
	c->running = false;
	h->totals.running--;
}

/* The transition's log line and reason: "down (connection refused, 3/3 failed)" */
static void hc_transition(struct edgelb_health *h, struct hc_check *c, enum hc_fsm_change ch,
			  uint64_t now_ms)
{
	const struct hc_fsm *f = &c->fsm;
	char sub[2 * LB_NAME_MAX + 16], hold[64] = "";
	bool up = ch == HC_FSM_WENT_UP;

	if (up) {
		h->totals.transitions_up++;
		snprintf(c->change_reason, sizeof(c->change_reason), "%s, %u/%u passed", c->reason,
			 f->passes, f->rise);
	} else {
		h->totals.transitions_down++;
		if (f->hold_until_ms > now_ms)
			snprintf(hold, sizeof(hold), "; held down for at least %" PRIu64 " ms",
				 f->hold_until_ms - now_ms);
		snprintf(c->change_reason, sizeof(c->change_reason), "%s, %u/%u failed%s",
			 c->reason, f->fails, f->fall, hold);
	}
	pr_info(hc_sub(c, sub, sizeof(sub)), "%s (%s)", up ? "up" : "down", c->change_reason);
	hc_changed(h, c, up, c->change_reason);
}

/* ---- site fate (site.h) --------------------------------------------------- */

/* Check c's site-mates now rather than at their next interval (and c too if self). */
static void hc_site_sweep(struct edgelb_health *h, struct hc_check *c, bool self, uint64_t now_us)
{
	char sub[2 * LB_NAME_MAX + 16];
	size_t n = 0;

	for (struct hc_check *m = c->site_next;; m = m->site_next) {
		m->sweep_ms = now_us / 1000;
		if ((m != c || self) && m->probe && m->fsm.up && !m->running) {
			/* due now: the timer, rearmed after this round, starts it */
			m->due_us = now_us;
			hc_due_set(h, m);
			n++;
		}
		if (m == c)
			break;
	}
	if (!n)
		return;
	h->totals.site_sweeps++;
	pr_debug(hc_sub(c, sub, sizeof(sub)), "site %s: %zu backend%s checked at once",
		 c->spec.site[0] ? c->spec.site : "-", n, n == 1 ? "" : "s");
}

static void hc_site_member_of(const struct hc_check *c, struct hc_site_member *m)
{
	m->checked = c->probe != NULL;
	m->up = c->fsm.up;
	m->has_result = c->has_result;
	m->last_pass = c->last_pass;
	m->last_ms = c->last_us / 1000;
	m->since_ms = c->fsm.since_ms;
}

/* Every live backend of c's site failed: all of them down now, in this batch. */
static void hc_site_down(struct edgelb_health *h, struct hc_check *c, size_t live,
			 uint64_t now_ms)
{
	char sub[2 * LB_NAME_MAX + 16];
	size_t n = 0;

	for (struct hc_check *m = c->site_next;; m = m->site_next) {
		if (m->probe && hc_fsm_force_down(&m->fsm, now_ms) == HC_FSM_WENT_DOWN) {
			h->totals.transitions_down++;
			snprintf(m->change_reason, sizeof(m->change_reason),
				 "site %s failed together: %zu of its backends failed their last "
				 "check within %u ms (this one: %s)",
				 c->spec.site, live, c->spec.interval_ms,
				 m->has_result ? m->reason : "no result");
			pr_info(hc_sub(m, sub, sizeof(sub)), "down (%s)", m->change_reason);
			hc_changed(h, m, false, m->change_reason);
			n++;
		}
		if (m == c)
			break;
	}
	h->totals.sites_down++;
	pr_warn("health", "%s: site %s lost: all %zu live backends failed within %u ms; %zu taken "
			  "out together, not waiting for fall",
		c->spec.service, c->spec.site, live, c->spec.interval_ms, n);
}

/* Is a checked backend of c's service at another site (or at none) up? */
static bool hc_site_elsewhere_up(const struct edgelb_health *h, const struct hc_check *c)
{
	for (size_t i = 0; i < h->n_checks; i++) {
		const struct hc_check *o = h->checks[i];

		if (o->probe && o->fsm.up && strcmp(o->spec.site, c->spec.site) &&
		    !strcmp(o->spec.service, c->spec.service))
			return true;
	}
	return false;
}

/* c's check failed, and c was up: is its site failing as a whole? */
static void hc_site_failed(struct edgelb_health *h, struct hc_check *c, uint64_t now_us)
{
	struct hc_site_tally t = { 0 };
	uint64_t now_ms = now_us / 1000;
	struct hc_site_member m;

	if (c->site_next == c)
		return;
	for (struct hc_check *s = c->site_next;; s = s->site_next) {
		hc_site_member_of(s, &m);
		hc_site_count(&t, &m, now_ms, c->spec.interval_ms);
		if (s == c)
			break;
	}
	/* only when the rest holds: a walk of the service's backends */
	if (t.live >= 2 && t.up && !t.passing)
		t.elsewhere_up = hc_site_elsewhere_up(h, c);
	if (hc_site_failed_together(&t))
		hc_site_down(h, c, t.live, now_ms);
	else if (hc_site_sweep_due(c->sweep_ms, now_ms, c->spec.interval_ms))
		hc_site_sweep(h, c, false, now_us);
}

/* The network says u->dst is unreachable: check the backends there, and their sites, now. */
static void hc_unreachable(void *arg, const struct hc_unreach *u)
{
	struct edgelb_health *h = arg;
	uint64_t now_us = hc_now_us();
	char sub[2 * LB_NAME_MAX + 16];

	for (size_t i = 0; i < h->n_checks; i++) {
		struct hc_check *c = h->checks[i];

		if (c->spec.family != u->family || !c->probe || !c->spec.site_fail_fast ||
		    memcmp(&c->spec.addr, &u->dst, u->family == EDGELB_AF_INET ? 4 : 16))
			continue;
		h->totals.unreach_matched++;
		if (!c->fsm.up || !hc_site_sweep_due(c->sweep_ms, now_us / 1000, c->spec.interval_ms))
			continue;
		pr_debug(hc_sub(c, sub, sizeof(sub)), "the network says it is unreachable (ICMP "
						     "code %u)",
			 u->code);
		hc_site_sweep(h, c, true, now_us);
	}
}

/* The attempt in flight ended with verdict v; schedule the next one. */
static void hc_finish(struct edgelb_health *h, struct hc_check *c, enum hc_verdict v,
		      const char *why)
{
	uint64_t now = hc_now_us(), next;
	bool pass = v == HC_PASS;
	enum hc_fsm_change ch;
	int t = c->spec.type;

	hc_end_attempt(h, c);
	c->has_result = true;
	c->last_pass = pass;
	c->last_us = now;
	c->latency_us = (uint32_t)(now - c->started_us > UINT32_MAX ? UINT32_MAX
								 : now - c->started_us);
	/* every check passes here: a copy, not printf */
	hc_why(c->reason, sizeof(c->reason), why && why[0] ? why : pass ? "ok" : "failed");
	if (pass)
		h->totals.passed[t]++;
	else
		h->totals.failed[t]++;
	h->totals.duration_s[t] += (double)c->latency_us / 1e6;

	ch = hc_fsm_result(&c->fsm, pass, now / 1000);
	if (ch != HC_FSM_SAME)
		hc_transition(h, c, ch, now / 1000);
	/* a failure of a backend that was up: its site may be going */
	if (!pass && (c->fsm.up || ch == HC_FSM_WENT_DOWN) && c->spec.site_fail_fast)
		hc_site_failed(h, c, now);

	next = c->planned_us +
	       (uint64_t)hc_sched_interval(&c->rng, c->spec.interval_ms, c->spec.jitter_permille) *
		       1000u;
	/* a check that missed its slot starts in the next round, not in this one */
	c->due_us = next > now ? next : now + 1;
	hc_due_set(h, c);
}

static void hc_start(struct edgelb_health *h, struct hc_check *c, uint64_t now)
{
	char why[HC_REASON_MAX] = "";
	enum hc_verdict v;

	c->late_us = (uint32_t)(now - c->due_us > UINT32_MAX ? UINT32_MAX : now - c->due_us);
	if (c->late_us / 1000 > h->totals.max_late_ms)
		h->totals.max_late_ms = c->late_us / 1000;
	c->planned_us = c->due_us;
	c->started_us = now;
	c->gen = ++h->next_gen & 0x7fffffffu;
	memset(&c->att, 0, sizeof(c->att));
	c->att.tag = ((uint64_t)c->gen << 32) | ((uint64_t)c->slot << 1);
	c->att.fd[0] = c->att.fd[1] = -1;
	c->running = true;
	h->totals.running++;
	v = c->probe->start(&c->att, &c->spec, &h->io, why, sizeof(why));
	if (v != HC_PENDING) {
		hc_finish(h, c, v, why);
		return;
	}
	c->due_us = now + (uint64_t)c->spec.timeout_ms * 1000u;
	hc_due_set(h, c);
}

static void hc_timeout(struct edgelb_health *h, struct hc_check *c)
{
	char why[HC_REASON_MAX];

	snprintf(why, sizeof(why), "timeout after %u ms (%s)", c->spec.timeout_ms,
		 c->probe->stage(&c->att));
	hc_finish(h, c, HC_FAIL, why);
}

/* Start the checks that are due, and fail those past their timeout. */
static void hc_run_due(struct edgelb_health *h)
{
	uint64_t now = hc_now_us();

	for (int n = 0; n < HC_STARTS_PER_ROUND; n++) {
		struct hc_wheel_node *tn = hc_wheel_pop(&h->wheel, now);
		struct hc_check *c;

		if (!tn)
			break;
		c = (struct hc_check *)((char *)tn - offsetof(struct hc_check, tn));
		if (c->running)
			hc_timeout(h, c);
		else
			hc_start(h, c, now);
	}
}

static void hc_event(struct edgelb_health *h, uint64_t tag, uint32_t events)
{
	uint32_t gen = (uint32_t)(tag >> 32), slot = (uint32_t)(tag & 0xffffffffu) >> 1;
	unsigned int which = (unsigned int)(tag & 1);
	char why[HC_REASON_MAX] = "";
	struct hc_check *c;
	enum hc_verdict v;

	if (slot >= h->n_slots)
		return;
	c = h->slots[slot];
	/* an event of an attempt that already ended */
	if (!c || !c->running || c->gen != gen)
		return;
	v = c->probe->event(&c->att, &c->spec, &h->io, which, events, why, sizeof(why));
	if (v != HC_PENDING)
		hc_finish(h, c, v, why);
}

static void hc_readable(void *arg, int fd, uint32_t events)
{
	struct edgelb_health *h = arg;
	struct epoll_event evs[HC_EVENTS];
	int n;

	(void)fd;
	(void)events;
	n = epoll_wait(h->io.epfd, evs, HC_EVENTS, 0);
	hc_sock_round(&h->io);
	h->busy = true;
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;

		if (tag == HC_TAG_TIMER) {
			uint64_t expirations;

			if (read(h->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
				pr_warn("health", "reading the check timer: %s", strerror(errno));
			h->armed_us = 0;
			hc_run_due(h);
		} else if ((tag & ~1ull) == HC_TAG_UNREACH) {
			hc_unreach_read(&h->unreach, (unsigned int)(tag & 1), hc_now_us() / 1000,
					hc_unreachable, h);
		} else if ((tag & HC_TAG_KIND) == HC_TAG_SOCK) {
			/* a pooled socket: its owner's event, or an idle one's (dropped) */
			uint64_t owner = hc_sock_owner(&h->io, tag);

			if (owner)
				hc_event(h, owner, evs[i].events);
		} else if (tag & HC_TAG_SPECIAL) {
			hc_reaper_event(&h->io, (int)(uint32_t)tag);
		} else {
			hc_event(h, tag, evs[i].events);
		}
	}
	h->busy = false;
	hc_commit(h, false);
	hc_rearm(h);
}

/* ---- checks --------------------------------------------------------------- */

static int hc_slot_alloc(struct edgelb_health *h, struct hc_check *c)
{
	uint32_t s = h->n_free ? h->free_slots[--h->n_free] : (uint32_t)h->n_slots++;

	h->slots[s] = c;
	c->slot = s;
	return 0;
}

static void hc_slot_free(struct edgelb_health *h, struct hc_check *c)
{
	h->slots[c->slot] = NULL;
	h->free_slots[h->n_free++] = c->slot;
}

static void hc_tunnel(struct edgelb_health *h, const struct hc_spec *s, bool needed)
{
	struct edgelb_health_tunnel t;

	if (!s->through_tunnel || s->type == EDGELB_CONFIG_HEALTH_NONE || !h->ops->tunnel_needed)
		return;
	memset(&t, 0, sizeof(t));
	t.service = s->service;
	t.backend = s->backend;
	t.backend_id = s->backend_id;
	t.mark = s->mark;
	t.vip_family = s->vip_family;
	t.vip = s->vip;
	t.port = s->target_port;
	t.backend_family = s->family;
	t.backend_addr = s->addr;
	t.encap = s->encap;
	t.gue_port = s->gue_port;
	h->ops->tunnel_needed(h->arg, s->backend_id, &t, needed);
}

/* Initial state and schedule of a new server's check (spec set). */
static void hc_check_begin(struct edgelb_health *h, struct hc_check *c, uint64_t now)
{
	const struct hc_spec *s = &c->spec;
	bool checked = s->type != EDGELB_CONFIG_HEALTH_NONE;
	bool up = !checked || (h->adopt && s->model_alive);

	c->probe = hc_probe_for(s->type);
	hc_rng_seed(&c->rng, s->service, s->backend);
	hc_fsm_init(&c->fsm, up, s->rise, s->fall, s->hold_down_ms, now / 1000);
	c->has_result = false;
	c->reason[0] = '\0';
	if (!checked)
		snprintf(c->change_reason, sizeof(c->change_reason), "not checked (type none)");
	else if (up)
		snprintf(c->change_reason, sizeof(c->change_reason),
			 "adopted from the running data plane");
	else
		snprintf(c->change_reason, sizeof(c->change_reason),
			 "new: down until %u check%s pass", s->rise, s->rise == 1 ? "" : "s");
}

/* Queue the first check somewhere in its first interval. */
static void hc_check_schedule(struct edgelb_health *h, struct hc_check *c, uint64_t now)
{
	hc_wheel_del(&h->wheel, &c->tn);
	if (!c->probe)
		return;
	c->due_us = now + (uint64_t)hc_sched_first(&c->rng, c->spec.interval_ms) * 1000u;
	c->planned_us = c->due_us;
	hc_wheel_add(&h->wheel, &c->tn, c->due_us);
}

static void hc_check_free(struct edgelb_health *h, struct hc_check *c)
{
	hc_end_attempt(h, c);
	hc_wheel_del(&h->wheel, &c->tn);
	hc_slot_free(h, c);
	hc_spec_free(&c->spec);
	free(c);
}

/* The check of an existing backend changed (spec moved in). */
static void hc_check_change(struct edgelb_health *h, struct hc_check *c, struct hc_spec *spec,
			    uint64_t now)
{
	bool same_server = hc_spec_same_server(&c->spec, spec);
	char sub[2 * LB_NAME_MAX + 16];

	hc_end_attempt(h, c);
	hc_tunnel(h, &c->spec, false);
	hc_spec_free(&c->spec);
	c->spec = *spec;
	memset(spec, 0, sizeof(*spec));
	if (!same_server) {
		hc_check_begin(h, c, now);
		pr_info(hc_sub(c, sub, sizeof(sub)), "address changed: %s", c->change_reason);
	} else {
		c->probe = hc_probe_for(c->spec.type);
		hc_fsm_reconfigure(&c->fsm, c->spec.rise, c->spec.fall, c->spec.hold_down_ms);
		if (!c->probe && !c->fsm.up) {
			/* no check any more: always up */
			c->fsm.up = true;
			c->fsm.since_ms = now / 1000;
			c->fsm.transitions++;
			h->totals.transitions_up++;
			snprintf(c->change_reason, sizeof(c->change_reason),
				 "health check removed (type none)");
		}
		pr_debug(hc_sub(c, sub, sizeof(sub)), "check changed (%s %s): restarted, state "
						     "%s kept",
			 hc_spec_type_name(c->spec.type), c->spec.target_text,
			 c->fsm.up ? "up" : "down");
	}
	hc_tunnel(h, &c->spec, true);
	hc_check_schedule(h, c, now);
}

/* Order for site rings: service, site, backend. */
static int hc_site_order(const void *a, const void *b)
{
	const struct hc_check *x = *(struct hc_check *const *)a, *y = *(struct hc_check *const *)b;
	int c = strcmp(x->spec.service, y->spec.service);

	if (!c)
		c = strcmp(x->spec.site, y->spec.site);
	return c ? c : strcmp(x->spec.backend, y->spec.backend);
}

/*
 * Link the backends of each (service, site) into a ring (site.h). Without
 * memory for the sort every backend stays alone: the checks work as
 * before, only the site rule is lost (said).
 */
static void hc_site_link(struct edgelb_health *h)
{
	struct hc_check **v;
	size_t i, j;

	for (i = 0; i < h->n_checks; i++)
		h->checks[i]->site_next = h->checks[i];
	if (!h->n_checks)
		return;
	v = malloc(h->n_checks * sizeof(*v));
	if (!v) {
		pr_warn("health", "out of memory: sites are not grouped until the next change");
		return;
	}
	memcpy(v, h->checks, h->n_checks * sizeof(*v));
	qsort(v, h->n_checks, sizeof(*v), hc_site_order);
	for (i = 0; i < h->n_checks; i = j) {
		for (j = i + 1; j < h->n_checks && v[i]->spec.site[0] &&
				!strcmp(v[i]->spec.service, v[j]->spec.service) &&
				!strcmp(v[i]->spec.site, v[j]->spec.site);
		     j++)
			v[j - 1]->site_next = v[j];
		v[j - 1]->site_next = v[i];
	}
	free(v);
}

/* The unreachable listener, opened once some check may use it. */
static void hc_unreach_start(struct edgelb_health *h)
{
	char why[128];
	bool wanted = false;

	for (size_t i = 0; i < h->n_checks && !wanted; i++)
		wanted = h->checks[i]->probe && h->checks[i]->spec.site_fail_fast;
	if (!wanted || h->unreach_tried)
		return;
	h->unreach_tried = true;
	if (hc_unreach_open(&h->unreach, h->io.epfd, why, sizeof(why)))
		pr_warn("health", "no listener of ICMP unreachables (%s): a lost site is noticed "
				  "by its checks alone (site_fail_fast in edgelb.conf(5))",
			why);
}

/* Make room so that the merge of apply() cannot fail. */
static int hc_reserve(struct edgelb_health *h, size_t slots)
{
	if (slots > h->cap_slots) {
		struct hc_check **s = realloc(h->slots, slots * sizeof(*s));
		uint32_t *f;

		if (!s)
			return -ENOMEM;
		h->slots = s;
		f = realloc(h->free_slots, slots * sizeof(*f));
		if (!f)
			return -ENOMEM;
		h->free_slots = f;
		h->cap_slots = slots;
	}
	return 0;
}

static void hc_warn_nofile(size_t checks)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return;
	/* a check holds one socket, or a pidfd and a pipe; edgelbd needs some more */
	if (checks + 64 > rl.rlim_cur)
		pr_warn("health", "%zu checks may each hold an open file at once but the open "
				  "files limit is %llu: checks will fail with \"too many open "
				  "files\"; raise it (LimitNOFILE= in the unit)",
			checks, (unsigned long long)rl.rlim_cur);
}

int edgelb_health_apply(struct edgelb_health *h, const struct lb *lb,
			const struct edgelb_config *cfg)
{
	struct hc_spec *specs = NULL;
	struct hc_check **next = NULL, **fresh = NULL;
	size_t n = 0, n_fresh = 0, i, j, k;
	size_t added = 0, changed = 0, removed = 0, kept = 0, start_down = 0, synced = 0;
	uint64_t now = hc_now_us();
	int err;

	if (h->busy)
		return -EBUSY;
	err = hc_spec_build(lb, cfg, &specs, &n);
	if (err)
		return err;
	/* pass 1: how many new checks */
	for (i = 0, j = 0; j < n;) {
		int c = i < h->n_checks ? hc_spec_cmp(&h->checks[i]->spec, &specs[j]) : 1;

		if (c < 0) {
			i++;
		} else if (c > 0) {
			n_fresh++;
			j++;
		} else {
			i++;
			j++;
		}
	}
	err = -ENOMEM;
	next = calloc(n ? n : 1, sizeof(*next));
	fresh = calloc(n_fresh ? n_fresh : 1, sizeof(*fresh));
	if (!next || !fresh)
		goto fail;
	for (k = 0; k < n_fresh; k++) {
		fresh[k] = calloc(1, sizeof(**fresh));
		if (!fresh[k])
			goto fail;
	}
	if (hc_reserve(h, h->n_slots + n_fresh))
		goto fail;
	/* after a pause without checks, the wheel's slots from now on */
	hc_wheel_catch_up(&h->wheel, now);

	/* pass 2: the merge; nothing below can fail */
	for (i = 0, j = 0, k = 0; i < h->n_checks || j < n;) {
		int c = i >= h->n_checks ? 1
			: j >= n	 ? -1
					 : hc_spec_cmp(&h->checks[i]->spec, &specs[j]);
		struct hc_check *ck;

		if (c < 0) {
			ck = h->checks[i++];
			hc_tunnel(h, &ck->spec, false);
			hc_check_free(h, ck);
			removed++;
			continue;
		}
		if (c > 0) {
			ck = fresh[k++];
			ck->spec = specs[j];
			memset(&specs[j++], 0, sizeof(specs[0]));
			hc_slot_alloc(h, ck);
			hc_check_begin(h, ck, now);
			start_down += !ck->fsm.up;
			hc_tunnel(h, &ck->spec, true);
			hc_check_schedule(h, ck, now);
			next[j - 1] = ck;
			added++;
			continue;
		}
		ck = h->checks[i++];
		if (hc_spec_same(&ck->spec, &specs[j])) {
			ck->spec.model_alive = specs[j].model_alive;
			hc_spec_free(&specs[j]);
			kept++;
		} else {
			hc_check_change(h, ck, &specs[j], now);
			start_down += !ck->fsm.up && !ck->fsm.transitions;
			changed++;
		}
		next[j++] = ck;
	}
	free(h->checks);
	h->checks = next;
	h->n_checks = n;
	h->adopt = false;
	free(fresh);
	free(specs);
	hc_site_link(h);
	hc_unreach_start(h);

	/* the model follows the checks */
	h->totals.checks = 0;
	for (i = 0; i < n; i++) {
		struct hc_check *ck = next[i];

		h->totals.checks += ck->probe != NULL;
		if (ck->fsm.up == ck->spec.model_alive)
			continue;
		hc_changed(h, ck, ck->fsm.up, ck->change_reason);
		ck->spec.model_alive = ck->fsm.up;
		synced++;
	}
	if (added || changed || removed)
		pr_info("health",
			"%zu backends (%zu checked): %zu added, %zu changed, %zu removed, %zu "
			"unchanged%s",
			n, h->totals.checks, added, changed, removed, kept,
			start_down ? "; new backends start down until they pass their checks" : "");
	if (synced)
		pr_debug("health", "%zu backends brought in line with their health", synced);
	if (added)
		hc_warn_nofile(h->totals.checks);
	hc_commit(h, true);
	hc_rearm(h);
	return 0;
fail:
	for (k = 0; fresh && k < n_fresh; k++)
		free(fresh[k]);
	free(fresh);
	free(next);
	hc_spec_free_array(specs, n);
	return -ENOMEM;
}

/* ---- open and close ------------------------------------------------------ */

static void hc_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_warn("health", "cannot raise the open files limit to %llu: %s",
			(unsigned long long)rl.rlim_max, strerror(errno));
	else
		pr_info("health", "open files limit raised to %llu",
			(unsigned long long)rl.rlim_max);
}

int edgelb_health_open(struct loop *loop, const struct edgelb_health_ops *ops, void *arg,
		       struct edgelb_health **out)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = HC_TAG_TIMER };
	struct edgelb_health *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->ops = ops;
	h->arg = arg;
	h->tfd = -1;
	hc_wheel_init(&h->wheel, hc_now_us());
	hc_unreach_init(&h->unreach);
	h->io.buf = h->scratch;
	h->io.buf_len = sizeof(h->scratch);
	h->io.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->io.epfd < 0)
		goto fail_errno;
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->tfd < 0 || epoll_ctl(h->io.epfd, EPOLL_CTL_ADD, h->tfd, &ev))
		goto fail_errno;
	err = loop_add_fd(loop, h->io.epfd, EPOLLIN, hc_readable, h);
	if (err)
		goto fail;
	hc_raise_nofile();
	*out = h;
	return 0;
fail_errno:
	err = -errno;
fail:
	if (h->tfd >= 0)
		close(h->tfd);
	if (h->io.epfd >= 0)
		close(h->io.epfd);
	free(h);
	return err;
}

void edgelb_health_close(struct edgelb_health *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_checks; i++) {
		hc_end_attempt(h, h->checks[i]);
		hc_spec_free(&h->checks[i]->spec);
		free(h->checks[i]);
	}
	hc_reaper_close(&h->io);
	hc_sockpool_close(&h->io);
	hc_unreach_close(&h->unreach);
	loop_del_fd(h->loop, h->io.epfd);
	close(h->tfd);
	close(h->io.epfd);
	free(h->checks);
	free(h->slots);
	free(h->free_slots);
	free(h);
}

int edgelb_health_fd(const struct edgelb_health *h)
{
	return h->io.epfd;
}

void edgelb_health_dispatch(struct edgelb_health *h)
{
	hc_readable(h, h->io.epfd, EPOLLIN);
}

void edgelb_health_adopt(struct edgelb_health *h)
{
	h->adopt = true;
}

/* ---- status ---------------------------------------------------------------- */

size_t edgelb_health_count(const struct edgelb_health *h)
{
	return h ? h->n_checks : 0;
}

void edgelb_health_get(const struct edgelb_health *h, size_t i, struct edgelb_health_status *st)
{
	const struct hc_check *c = h->checks[i];
	const struct hc_spec *s = &c->spec;

	memset(st, 0, sizeof(*st));
	st->service = s->service;
	st->backend = s->backend;
	st->backend_id = s->backend_id;
	st->type = hc_spec_type_name(s->type);
	st->target = s->target_text;
	st->checked = c->probe != NULL;
	st->through_tunnel = s->through_tunnel;
	st->site = s->site;
	st->mark = s->mark;
	st->up = c->fsm.up;
	st->running = c->running;
	st->has_result = c->has_result;
	st->last_pass = c->last_pass;
	st->reason = c->reason;
	st->change_reason = c->change_reason;
	st->latency_us = c->latency_us;
	st->last_ms = c->last_us / 1000;
	st->since_ms = c->fsm.since_ms;
	st->hold_until_ms = hc_fsm_held(&c->fsm, hc_now_us() / 1000) ? c->fsm.hold_until_ms : 0;
	st->transitions = c->fsm.transitions;
	st->passed = c->fsm.n_pass;
	st->failed = c->fsm.n_fail;
	st->passes_in_row = c->fsm.passes;
	st->fails_in_row = c->fsm.fails;
	st->rise = c->fsm.rise;
	st->fall = c->fsm.fall;
	st->interval_ms = s->interval_ms;
	st->timeout_ms = s->timeout_ms;
	st->late_ms = c->late_us / 1000;
}

int edgelb_health_find(const struct edgelb_health *h, const char *service, const char *backend,
		       struct edgelb_health_status *st)
{
	size_t lo = 0, hi = h ? h->n_checks : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hc_spec *s = &h->checks[mid]->spec;
		int c = strcmp(s->service, service);

		if (!c)
			c = strcmp(s->backend, backend);
		if (!c) {
			edgelb_health_get(h, mid, st);
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

void edgelb_health_totals(const struct edgelb_health *h, struct edgelb_health_totals *t)
{
	*t = h->totals;
	t->processes = h->io.reaper.n;
	t->sockets_created = h->io.pool.created;
	t->sockets_reused = h->io.pool.reused;
	t->sockets_idle = h->io.pool.n_idle[0] + h->io.pool.n_idle[1];
	t->unreach_received = h->unreach.received;
	t->unreach_taken = h->unreach.unreachable;
	t->unreach_limited = h->unreach.limited;
}
