// SPDX-License-Identifier: GPL-2.0-only
/*
 * Health state machine and check schedule: see fsm.h. Pure code.
 */
#include <string.h>

#include "fsm.h"

void hc_fsm_init(struct hc_fsm *f, bool up, uint8_t rise, uint8_t fall, uint32_t hold_down_ms,
		 uint64_t now_ms)
{
	memset(f, 0, sizeof(*f));
	f->up = up;
	f->rise = rise ? rise : 1;
	f->fall = fall ? fall : 1;
	f->hold_down_ms = hold_down_ms;
	f->since_ms = now_ms;
}

void hc_fsm_reconfigure(struct hc_fsm *f, uint8_t rise, uint8_t fall, uint32_t hold_down_ms)
{
	f->rise = rise ? rise : 1;
	f->fall = fall ? fall : 1;
	f->hold_down_ms = hold_down_ms;
	f->passes = 0;
	f->fails = 0;
}

bool hc_fsm_held(const struct hc_fsm *f, uint64_t now_ms)
{
	return !f->up && f->hold_until_ms && now_ms < f->hold_until_ms;
}

enum hc_fsm_change hc_fsm_force_down(struct hc_fsm *f, uint64_t now_ms)
{
	if (!f->up)
		return HC_FSM_SAME;
	f->up = false;
	f->since_ms = now_ms;
	f->transitions++;
	f->hold_until_ms = f->hold_down_ms ? now_ms + f->hold_down_ms : 0;
	return HC_FSM_WENT_DOWN;
}

enum hc_fsm_change hc_fsm_result(struct hc_fsm *f, bool pass, uint64_t now_ms)
{
	if (pass) {
		f->n_pass++;
		f->fails = 0;
		if (f->passes < UINT32_MAX)
			f->passes++;
	} else {
		f->n_fail++;
		f->passes = 0;
		if (f->fails < UINT32_MAX)
			f->fails++;
	}
	if (f->up && f->fails >= f->fall)
		return hc_fsm_force_down(f, now_ms);
	if (!f->up && f->passes >= f->rise && !hc_fsm_held(f, now_ms)) {
		f->up = true;
		f->since_ms = now_ms;
		f->transitions++;
		f->hold_until_ms = 0;
		return HC_FSM_WENT_UP;
	}
	return HC_FSM_SAME;
}

/* ---- schedule ---------------------------------------------------------- */

/* FNV-1a of "service/backend": the seed depends on the identity only. */
void hc_rng_seed(struct hc_rng *r, const char *service, const char *backend)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = service; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	h = (h ^ '/') * 0x100000001b3ull;
	for (const char *p = backend; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	r->s = h;
}

uint64_t hc_rng_next(struct hc_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias worth the name (n < 2^32). */
static uint64_t hc_rng_below(struct hc_rng *r, uint64_t n)
{
	return n ? (uint64_t)(((unsigned __int128)hc_rng_next(r) * n) >> 64) : 0;
}

uint32_t hc_sched_interval(struct hc_rng *r, uint32_t interval_ms, uint16_t jitter_permille)
{
	uint64_t spread, v;

	if (jitter_permille > 1000)
		jitter_permille = 1000;
	spread = (uint64_t)interval_ms * jitter_permille / 1000;
	/* interval - spread .. interval + spread, both ends included */
	v = (uint64_t)interval_ms - spread + hc_rng_below(r, 2 * spread + 1);
	if (v < 1)
		v = 1;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

uint32_t hc_sched_first(struct hc_rng *r, uint32_t interval_ms)
{
	return (uint32_t)hc_rng_below(r, interval_ms);
}

uint64_t hc_sched_commit_after(uint64_t start_us, uint64_t end_us)
{
	uint64_t took = end_us > start_us ? end_us - start_us : 0;

	return end_us + (took < HC_COMMIT_SPACING_MAX_US ? took : HC_COMMIT_SPACING_MAX_US);
}
