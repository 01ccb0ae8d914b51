// SPDX-License-Identifier: GPL-2.0-only
/*
 * Site fate: see site.h. Pure code.
 */
#include "site.h"

/* Age of an instant; one from a clock read later in the same round is 0. */
static uint64_t hc_site_age(uint64_t t, uint64_t now_ms)
{
	return now_ms > t ? now_ms - t : 0;
}

static bool hc_site_live(const struct hc_site_member *m, uint64_t now_ms, uint32_t window_ms)
{
	if (!m->checked)
		return false;
	return m->up || hc_site_age(m->since_ms, now_ms) <= window_ms;
}

void hc_site_count(struct hc_site_tally *t, const struct hc_site_member *m, uint64_t now_ms,
		   uint32_t window_ms)
{
	if (!hc_site_live(m, now_ms, window_ms))
		return;
	t->live++;
	t->up += m->up;
	if (!m->has_result || m->last_pass || hc_site_age(m->last_ms, now_ms) > window_ms)
		t->passing = true;
}

bool hc_site_failed_together(const struct hc_site_tally *t)
{
	return t->live >= 2 && t->up > 0 && !t->passing && t->elsewhere_up;
}

bool hc_site_sweep_due(uint64_t last_sweep_ms, uint64_t now_ms, uint32_t window_ms)
{
	return !last_sweep_ms || hc_site_age(last_sweep_ms, now_ms) >= window_ms;
}
