/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The deadlines of the health checks: a timer wheel of HC_WHEEL_SLOT_US
 * slots, so that queueing, moving and taking a check is O(1) whatever
 * the number of checks (a binary heap costs log2(10 000) ~ 13 moves of
 * far-apart structs per update, two updates per check).
 *
 * Pure code: no I/O, no clock. Times are microseconds of any monotonic
 * clock, passed by the caller, so the unit tests drive it with a fake one.
 *
 * A deadline d belongs to slot s = ceil(d / HC_WHEEL_SLOT_US), the first
 * slot boundary at or after it: the timer fires at s * HC_WHEEL_SLOT_US
 * and everything queued in slot s is due then. So a check starts at most
 * one slot (4 ms) late, as with the heap behind a timer rounded up to the
 * same 4 ms, and the checks of one slot start in one wake-up. Within a
 * slot the order is unspecified.
 *
 * The wheel covers HC_WHEEL_SLOTS slots from the current one (cur).
 * Deadlines further out wait in an overflow list, which is looked at each
 * time cur crosses a multiple of HC_WHEEL_SLOTS / 2 and hands over those
 * that now fit. Invariant: every node in the overflow list has a slot at
 * least last boundary + HC_WHEEL_SLOTS, so none of them can fall due before
 * the next boundary; every node in the wheel has a slot in
 * [cur, cur + HC_WHEEL_SLOTS) and sits in ring[slot % HC_WHEEL_SLOTS].
 * A long interval (minutes) thus costs a few looks in the overflow list
 * per interval, still O(1) per check.
 */
#ifndef EDGELB_HC_WHEEL_H
#define EDGELB_HC_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HC_WHEEL_SLOT_US 4000u
#define HC_WHEEL_SLOTS 4096u /* 16.384 s ahead; a power of two */

/* Embedded in what is scheduled; zeroed = not queued. */
struct hc_wheel_node {
	struct hc_wheel_node *next, **pprev; /* pprev NULL: not queued */
	uint64_t slot;
	bool far; /* on the overflow list */
};

struct hc_wheel {
	struct hc_wheel_node *ring[HC_WHEEL_SLOTS];
	struct hc_wheel_node *overflow;
	uint64_t cur;	    /* the earliest slot that may hold a node */
	size_t n_ring;	    /* nodes in ring[] */
	size_t n_overflow;  /* nodes in overflow */
};

/* An empty wheel whose current slot is that of now_us. */
void hc_wheel_init(struct hc_wheel *w, uint64_t now_us);

static inline bool hc_wheel_queued(const struct hc_wheel_node *n)
{
	return n->pprev != NULL;
}

/*
 * An empty wheel's current slot catches up with now_us, so that what is
 * queued next is not first walked through every boundary since the wheel
 * emptied. Call before queueing after a pause (nothing when not empty).
 */
void hc_wheel_catch_up(struct hc_wheel *w, uint64_t now_us);

/* Queue n (not queued) for due_us; a deadline in the past is due at once. */
void hc_wheel_add(struct hc_wheel *w, struct hc_wheel_node *n, uint64_t due_us);

/* Take n out of the wheel; nothing when it is not queued. */
void hc_wheel_del(struct hc_wheel *w, struct hc_wheel_node *n);

/* Move n (queued or not) to due_us. */
void hc_wheel_move(struct hc_wheel *w, struct hc_wheel_node *n, uint64_t due_us);

/*
 * A node whose slot's time has come (slot * HC_WHEEL_SLOT_US <= now_us),
 * taken out of the wheel; NULL when none is. Advances cur over the slots
 * it empties, so repeated calls cost O(1) per node plus O(1) per slot
 * passed.
 */
struct hc_wheel_node *hc_wheel_pop(struct hc_wheel *w, uint64_t now_us);

/*
 * When the timer should fire next: the time of the earliest slot that
 * holds a node, or of the next boundary when only the overflow list has
 * nodes (they move in then). Returns false when the wheel is empty.
 * O(HC_WHEEL_SLOTS) at worst, O(1) when checks are dense.
 */
bool hc_wheel_next(const struct hc_wheel *w, uint64_t *at_us);

/* Nodes queued. */
static inline size_t hc_wheel_count(const struct hc_wheel *w)
{
	return w->n_ring + w->n_overflow;
}

#endif /* EDGELB_HC_WHEEL_H */
