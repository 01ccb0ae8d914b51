/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Health checks of edgelbd: every backend of the balancer model is checked
 * as edgelb.conf(5) (HEALTH CHECKS) says, and each change of its health
 * state is reported to edgelbd, which takes the backend out of its
 * service's ring (down) or puts it back (up).
 *
 * Everything runs in edgelbd's event loop and nothing blocks: connects
 * are non-blocking, programs are spawned and watched through pidfds, every
 * check has a timeout. The checks live in an epoll set and a timer of
 * their own, watched by the loop as one descriptor, so that ten thousand
 * checks cost the loop one file descriptor and a wheel of deadlines.
 *
 * Initial state of a backend the checks see for the first time:
 *  - checked (tcp, http, exec): down, up after `rise` passed checks, as
 *    edgelb.conf(5) promises ("a backend starts as down");
 *  - except in the first apply after edgelb_health_adopt(): edgelbd took
 *    over a data plane that serves traffic, so each backend starts in the
 *    state the model holds (up), and goes down after `fall` failures like
 *    any up backend. A restart of edgelbd under traffic moves nothing.
 *  - type none: up, never checked.
 * A reload keeps the state, counters and running timers of every check
 * it does not change; a changed check (another path, interval...) is
 * restarted with its state kept and its runs of passes/failures reset; a
 * backend whose address changed is a new server and starts down.
 *
 * Through the tunnel (health.through_tunnel): the tcp or http check
 * connects to the service's VIP and port with SO_MARK =
 * EDGELB_HC_MARK(backend id) (hc_mark.h); ops->tunnel_needed() tells
 * edgelbd which marks must be encapsulated towards which backend.
 */
#ifndef EDGELB_HEALTH_H
#define EDGELB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "config.h"
#include "hc_mark.h"

struct loop;
struct lb;
struct edgelb_health;
struct edgelb_metrics_buf;

/* What a check through the tunnel needs from the data path. */
struct edgelb_health_tunnel {
	const char *service, *backend;
	uint32_t backend_id;
	uint32_t mark; /* EDGELB_HC_MARK(backend_id) */
	uint8_t vip_family; /* enum edgelb_family */
	union edgelb_addr vip;
	uint16_t port; /* host order: the checked port of the VIP */
	uint8_t backend_family;
	union edgelb_addr backend_addr;
	uint8_t encap; /* enum edgelb_encap of the service */
	uint16_t gue_port;
};

struct edgelb_health_ops {
	/*
	 * A backend's health changed (up or down), reason for humans
	 * ("connection refused, 3/3 failed"). Only on transitions, and in
	 * apply() where the model's alive flag disagrees with the checks
	 * (a new backend starts down). The change may be kept in the model
	 * until commit().
	 */
	void (*changed)(void *arg, const char *service, const char *backend, bool up,
			const char *reason);
	/*
	 * Optional: after a batch of changed() calls (one apply, or the
	 * checks completed in one round of the loop), so the data plane is
	 * programmed once per batch, not once per backend. Without it,
	 * changed() must program the data plane itself.
	 */
	void (*commit)(void *arg);
	/*
	 * Optional: a check through the tunnel starts (needed) or stops (not
	 * needed): packets marked t->mark must be encapsulated towards the
	 * backend. Called in apply() only.
	 */
	void (*tunnel_needed)(void *arg, uint32_t backend_id, const struct edgelb_health_tunnel *t,
			      bool needed);
};

/*
 * Create the checker in loop, with no checks. Raises the soft limit of
 * open files to the hard one (every running check holds a socket or
 * two). ops is kept (must outlive the checker). Returns 0 or a negative
 * errno.
 */
int edgelb_health_open(struct loop *loop, const struct edgelb_health_ops *ops, void *arg,
		       struct edgelb_health **out);

/*
 * Stop every check: close sockets, kill programs (and wait for those
 * just killed: the only wait, as edgelbd stops). Calls no ops. NULL is
 * fine.
 */
void edgelb_health_close(struct edgelb_health *h);

/* The next apply() takes each new backend's state from the model (see above). */
void edgelb_health_adopt(struct edgelb_health *h);

/*
 * Bring the checks in line with lb's model, whose base is cfg (the
 * running config): add the checks of new backends, stop those of removed
 * ones, restart changed ones, keep the others untouched. Then calls
 * changed() for every backend whose alive flag in lb differs from its
 * health, and commit(). Call after every lb_apply() and every structural
 * lbctl change (backend and vip add/del); never from an ops callback.
 * Returns 0, or -ENOMEM with the checks as they were.
 */
int edgelb_health_apply(struct edgelb_health *h, const struct lb *lb,
			const struct edgelb_config *cfg);

/*
 * The one descriptor the loop watches, and what the loop calls when it is
 * readable: for tests that drive the checks with poll() instead of
 * loop_run().
 */
int edgelb_health_fd(const struct edgelb_health *h);
void edgelb_health_dispatch(struct edgelb_health *h);

/* ---- status, for lbctl health and /metrics -------------------------------- */

/* One backend's checks; pointers stay valid until the next apply or close. */
struct edgelb_health_status {
	const char *service, *backend;
	uint32_t backend_id;
	const char *type;	   /* "tcp", "http", "exec", "none" */
	const char *target;	   /* "10.0.0.2:80", "[2001:db8::2]:80", the program; "-" */
	bool checked;		   /* type is not none */
	bool through_tunnel;
	const char *site;	   /* "" = none */
	uint32_t mark;		   /* SO_MARK, 0 unless through the tunnel */
	bool up;		   /* the checks' verdict (true for type none) */
	bool running;		   /* a check is in flight */
	bool has_result;	   /* at least one check completed */
	bool last_pass;
	const char *reason;	   /* of the last result ("HTTP 200"); "" before any */
	const char *change_reason; /* of the last transition, or of the initial state */
	uint32_t latency_us;	   /* duration of the last check */
	uint64_t last_ms;	   /* when it completed (loop_now_ms clock); 0 before any */
	uint64_t since_ms;	   /* last transition, or when the backend got its state */
	uint64_t hold_until_ms;	   /* held down until then; 0 = not held */
	uint32_t transitions;	   /* up <-> down since the check started */
	uint64_t passed, failed;   /* check results since the check started */
	uint32_t passes_in_row, fails_in_row;
	uint8_t rise, fall;
	uint32_t interval_ms, timeout_ms;
	uint32_t late_ms;	   /* how late the last check started */
};

/* Number of backends known (checked or not), sorted by service, backend. */
size_t edgelb_health_count(const struct edgelb_health *h);

/* The i-th backend's status (i < count). */
void edgelb_health_get(const struct edgelb_health *h, size_t i,
		       struct edgelb_health_status *st);

/* One backend's status: 0, or -ENOENT. */
int edgelb_health_find(const struct edgelb_health *h, const char *service, const char *backend,
		       struct edgelb_health_status *st);

/* Totals since edgelb_health_open(). Index by enum edgelb_config_health_type. */
struct edgelb_health_totals {
	uint64_t passed[4], failed[4];	  /* check results by type */
	double duration_s[4];		  /* sum of check durations, by type */
	uint64_t transitions_up, transitions_down;
	uint32_t max_late_ms;		  /* the latest any check started */
	size_t checks;			  /* backends with a check (type not none) */
	size_t running;			  /* checks in flight now */
	size_t processes;		  /* killed programs not reaped yet */
	/* site fate (health/site.h) */
	uint64_t site_sweeps;	  /* site-mates checked at once after a failure or an ICMP */
	uint64_t sites_down;	  /* sites taken out as a whole */
	uint64_t unreach_received; /* ICMP(v6) destination unreachable messages read */
	uint64_t unreach_taken;	  /* ... of a kind that says a destination is unreachable */
	uint64_t unreach_limited;  /* ... not looked at: over the rate (unreach.h) */
	uint64_t unreach_matched;  /* ... about a checked backend's address */
	/* TCP sockets of the checks (sockpool.c) */
	uint64_t sockets_created;  /* opened */
	uint64_t sockets_reused;   /* taken again after an earlier check */
	size_t sockets_idle;	   /* kept for the next checks now */
};

void edgelb_health_totals(const struct edgelb_health *h, struct edgelb_health_totals *t);

/*
 * The health metrics for /metrics (an edgelb_metrics_fn, arg = the
 * struct edgelb_health *; health_metrics.c, part of the operator
 * interface library): edgelb_backend_health_up, edgelb_health_checks_total,
 * edgelb_health_transitions_total, edgelb_health_check_duration_seconds,
 * edgelb_health_check_late_seconds_max.
 */
int edgelb_health_metrics(void *arg, struct edgelb_metrics_buf *b);

#endif /* EDGELB_HEALTH_H */
