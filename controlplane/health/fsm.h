/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The health state of one backend and the schedule of its checks.
 *
 * Pure code: no I/O, no clock. Callers pass the time (milliseconds of any
 * monotonic clock), so the unit tests drive it with a fake one.
 *
 * State machine (haproxy's and keepalived's rise/fall):
 *
 *   up   --- `fall` failed checks in a row ---------------------------> down
 *   down --- `rise` passed checks in a row, and hold-down over -------> up
 *
 * Every result updates the two run counters (passes in a row, failures in
 * a row); a result of the other kind resets a run. Hold-down: a backend
 * that went down stays down for at least hold_down_ms after it went down,
 * whatever its checks say, so that a flapping backend does not pull flows
 * back and forth. Checks continue meanwhile and their passes count towards
 * `rise`: the backend comes up at the first pass after the hold-down ends,
 * provided the last `rise` checks passed. A failure during the hold-down
 * does not extend it (it only resets the run of passes).
 *
 * Initial state: chosen by the caller (hc_fsm_init). edgelbd starts a
 * backend down, as edgelb.conf(5) promises ("a backend starts as down"),
 * except when it adopted a running data plane: then from the state the
 * model holds (up), so that a restart under traffic pulls nothing out of
 * the rings (health.h, edgelb_health_adopt()).
 *
 * Schedule: a check starts every interval_ms, each interval randomly
 * longer or shorter by up to jitter_permille / 1000 of itself, so that the
 * checks of many backends do not run in step. The first check of a
 * backend starts at a random point of its first interval. The random
 * numbers come from a small PRNG seeded from the backend's identity, so a
 * run is reproducible (and the tests are).
 */
#ifndef EDGELB_HC_FSM_H
#define EDGELB_HC_FSM_H

#include <stdbool.h>
#include <stdint.h>

struct hc_fsm {
	bool up;
	uint8_t rise, fall;	/* 1..100 */
	uint32_t passes;	/* passed checks in a row (saturates) */
	uint32_t fails;		/* failed checks in a row (saturates) */
	uint32_t hold_down_ms;
	uint64_t since_ms;	/* last transition, or hc_fsm_init() */
	uint64_t hold_until_ms; /* down at least until then; 0 = no hold */
	uint32_t transitions;	/* up -> down and down -> up, since init */
	uint64_t n_pass, n_fail; /* results since init */
};

enum hc_fsm_change {
	HC_FSM_SAME = 0,
	HC_FSM_WENT_UP,
	HC_FSM_WENT_DOWN,
};

/* Start in state up (or down) at now_ms, with empty runs and counters. */
void hc_fsm_init(struct hc_fsm *f, bool up, uint8_t rise, uint8_t fall, uint32_t hold_down_ms,
		 uint64_t now_ms);

/*
 * The check of the backend changed (a reload): keep the state, since and
 * the counters, take the new rise, fall and hold-down, and restart both
 * runs, so the new check must fail `fall` times in a row before it takes
 * an up backend down. A hold-down in progress keeps its end.
 */
void hc_fsm_reconfigure(struct hc_fsm *f, uint8_t rise, uint8_t fall, uint32_t hold_down_ms);

/* One check result at now_ms. Returns the transition it caused, if any. */
enum hc_fsm_change hc_fsm_result(struct hc_fsm *f, bool pass, uint64_t now_ms);

/*
 * Take an up backend down now, whatever its run of failures (its site
 * failed as a whole: site.h). Counts a transition and starts the
 * hold-down like a fall would. Returns HC_FSM_WENT_DOWN, or HC_FSM_SAME
 * when it was down already.
 */
enum hc_fsm_change hc_fsm_force_down(struct hc_fsm *f, uint64_t now_ms);

/* True while a hold-down keeps the backend down (whatever its checks say). */
bool hc_fsm_held(const struct hc_fsm *f, uint64_t now_ms);

/* ---- schedule ---------------------------------------------------------- */

/* splitmix64: tiny, statistically sound for spreading timers, seedable. */
struct hc_rng {
	uint64_t s;
};

/* Seed from a backend's identity (service and backend names). */
void hc_rng_seed(struct hc_rng *r, const char *service, const char *backend);
uint64_t hc_rng_next(struct hc_rng *r);

/*
 * The next interval: interval_ms +- up to interval_ms * jitter_permille /
 * 1000, uniformly; at least 1 ms. jitter_permille above 1000 counts as 1000.
 */
uint32_t hc_sched_interval(struct hc_rng *r, uint32_t interval_ms, uint16_t jitter_permille);

/* The delay of a backend's first check: uniformly in [0, interval_ms). */
uint32_t hc_sched_first(struct hc_rng *r, uint32_t interval_ms);

/*
 * Health changes reach the data plane in batches (health.h, commit()).
 * A batch that took from start_us to end_us is followed by the next one
 * no earlier than as long again after its end, at most
 * HC_COMMIT_SPACING_MAX_US: when ten thousand backends come up at start,
 * rebuilding rings takes at most about half of the loop and the checks
 * keep their schedule; a batch of a few milliseconds (one service's ring)
 * delays the next one by as much. Returns the earliest start of the next.
 */
#define HC_COMMIT_SPACING_MAX_US 100000u
uint64_t hc_sched_commit_after(uint64_t start_us, uint64_t end_us);

#endif /* EDGELB_HC_FSM_H */
