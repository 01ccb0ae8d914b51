// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checks' timer wheel: see wheel.h. Pure code.
 */
#include "wheel.h"

#define HC_WHEEL_MASK (HC_WHEEL_SLOTS - 1)
#define HC_WHEEL_HALF (HC_WHEEL_SLOTS / 2)

_Static_assert((HC_WHEEL_SLOTS & HC_WHEEL_MASK) == 0, "HC_WHEEL_SLOTS is a power of two");

static void hc_wheel_push(struct hc_wheel_node **head, struct hc_wheel_node *n)
{
	n->next = *head;
	if (n->next)
		n->next->pprev = &n->next;
	*head = n;
	n->pprev = head;
}

static void hc_wheel_unlink(struct hc_wheel_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

/* Into the ring when its slot is within reach of cur, else onto the overflow list. */
static void hc_wheel_place(struct hc_wheel *w, struct hc_wheel_node *n)
{
	n->far = n->slot >= w->cur + HC_WHEEL_SLOTS;
	if (n->far) {
		hc_wheel_push(&w->overflow, n);
		w->n_overflow++;
	} else {
		hc_wheel_push(&w->ring[n->slot & HC_WHEEL_MASK], n);
		w->n_ring++;
	}
}

void hc_wheel_init(struct hc_wheel *w, uint64_t now_us)
{
	*w = (struct hc_wheel){ .cur = now_us / HC_WHEEL_SLOT_US };
}

void hc_wheel_catch_up(struct hc_wheel *w, uint64_t now_us)
{
	if (!w->n_ring && !w->n_overflow && w->cur < now_us / HC_WHEEL_SLOT_US)
		w->cur = now_us / HC_WHEEL_SLOT_US;
}

void hc_wheel_add(struct hc_wheel *w, struct hc_wheel_node *n, uint64_t due_us)
{
	uint64_t slot = due_us / HC_WHEEL_SLOT_US + (due_us % HC_WHEEL_SLOT_US != 0);

	/* a deadline in the past: the earliest slot still to come */
	n->slot = slot < w->cur ? w->cur : slot;
	hc_wheel_place(w, n);
}

void hc_wheel_del(struct hc_wheel *w, struct hc_wheel_node *n)
{
	if (!n->pprev)
		return;
	hc_wheel_unlink(n);
	if (n->far)
		w->n_overflow--;
	else
		w->n_ring--;
}

void hc_wheel_move(struct hc_wheel *w, struct hc_wheel_node *n, uint64_t due_us)
{
	hc_wheel_del(w, n);
	hc_wheel_add(w, n, due_us);
}

/* cur reached a boundary: hand the overflow nodes that now fit to the ring. */
static void hc_wheel_migrate(struct hc_wheel *w)
{
	struct hc_wheel_node *n = w->overflow, *next;

	for (; n; n = next) {
		next = n->next;
		if (n->slot >= w->cur + HC_WHEEL_SLOTS)
			continue;
		hc_wheel_unlink(n);
		w->n_overflow--;
		hc_wheel_place(w, n);
	}
}

static uint64_t hc_wheel_next_boundary(const struct hc_wheel *w)
{
	return (w->cur / HC_WHEEL_HALF + 1) * HC_WHEEL_HALF;
}

/*
 * Set cur to `to` (> cur). Boundaries crossed on the way must each see the
 * overflow list, so with nodes there `to` stops at the first of them.
 */
static void hc_wheel_advance(struct hc_wheel *w, uint64_t to)
{
	uint64_t b = hc_wheel_next_boundary(w);

	if (w->n_overflow && to > b)
		to = b;
	w->cur = to;
	if (w->n_overflow && w->cur == b)
		hc_wheel_migrate(w);
}

struct hc_wheel_node *hc_wheel_pop(struct hc_wheel *w, uint64_t now_us)
{
	uint64_t last = now_us / HC_WHEEL_SLOT_US; /* the latest slot whose time has come */

	while (w->cur <= last) {
		struct hc_wheel_node *n = w->ring[w->cur & HC_WHEEL_MASK];

		if (n) {
			hc_wheel_unlink(n);
			w->n_ring--;
			return n;
		}
		/* an empty ring: no slot to look at on the way */
		hc_wheel_advance(w, w->n_ring ? w->cur + 1 : last + 1);
	}
	return NULL;
}

bool hc_wheel_next(const struct hc_wheel *w, uint64_t *at_us)
{
	uint64_t at = UINT64_MAX;

	if (w->n_ring)
		/* every ring node has a slot in [cur, cur + HC_WHEEL_SLOTS): this ends */
		for (uint64_t s = w->cur;; s++)
			if (w->ring[s & HC_WHEEL_MASK]) {
				at = s * HC_WHEEL_SLOT_US;
				break;
			}
	if (w->n_overflow && hc_wheel_next_boundary(w) * HC_WHEEL_SLOT_US < at)
		at = hc_wheel_next_boundary(w) * HC_WHEEL_SLOT_US;
	*at_us = at;
	return at != UINT64_MAX;
}
