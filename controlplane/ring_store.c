// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ring buffers in the one ring array: see ring_store.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "ring_store.h"

struct rs_buf {
	uint32_t base, size; /* size 0: no region */
	uint64_t retired;    /* grace period to end before reuse; 0 = never live */
};

struct rs_vip {
	struct rs_buf buf[RING_STORE_BUFS];
	int live;     /* the one packets read, -1 = none yet */
	int prepared; /* handed out by prepare, not committed yet; -1 = none */
};

struct ring_store {
	uint32_t n_slots;
	struct ring_grace grace;
	struct rs_vip vip[EDGELB_MAX_VIPS];
};

static uint32_t slots_cap(uint64_t n)
{
	return n > RING_STORE_SLOTS_MAX ? RING_STORE_SLOTS_MAX : (uint32_t)n;
}

uint32_t ring_store_slots_need(uint64_t ring_sum)
{
	/* ring sizes are below 2^32, VIPs a few hundred: no overflow */
	return slots_cap((uint64_t)RING_STORE_BUFS * ring_sum);
}

uint32_t ring_store_slots_for(uint64_t ring_sum, uint32_t ring_max)
{
	uint64_t spare = ring_max > EDGELB_RING_SIZE_DEFAULT ? ring_max : EDGELB_RING_SIZE_DEFAULT;

	return slots_cap((uint64_t)RING_STORE_BUFS * ring_sum +
			 (uint64_t)RING_STORE_SPARE_VIPS * RING_STORE_BUFS * spare);
}

static void vip_reset(struct rs_vip *r)
{
	*r = (struct rs_vip){ .live = -1, .prepared = -1 };
}

int ring_store_new(uint32_t n_slots, const struct ring_grace *grace, struct ring_store **out)
{
	struct ring_store *rs;

	if (!n_slots || !grace || !grace->start || !grace->ended || !grace->wait)
		return -EINVAL;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->n_slots = n_slots;
	rs->grace = *grace;
	for (int v = 0; v < EDGELB_MAX_VIPS; v++)
		vip_reset(&rs->vip[v]);
	*out = rs;
	return 0;
}

void ring_store_free(struct ring_store *rs)
{
	free(rs);
}

uint32_t ring_store_slots(const struct ring_store *rs)
{
	return rs->n_slots;
}

static bool ended(const struct ring_store *rs, uint64_t n)
{
	return !n || rs->grace.ended(rs->grace.arg, n);
}

/* Is [base, base + size) clear of every allocated buffer? */
static bool region_free(const struct ring_store *rs, uint64_t base, uint32_t size)
{
	for (int v = 0; v < EDGELB_MAX_VIPS; v++)
		for (int h = 0; h < RING_STORE_BUFS; h++) {
			const struct rs_buf *b = &rs->vip[v].buf[h];

			if (b->size && base < (uint64_t)b->base + b->size && b->base < base + size)
				return false;
		}
	return true;
}

/*
 * First fit: candidate starts are 0 and the end of every allocated
 * buffer. A few hundred VIPs at most, allocated rarely: quadratic is fine.
 */
static int region_alloc(const struct ring_store *rs, uint32_t size, uint32_t *base)
{
	if (size <= rs->n_slots && region_free(rs, 0, size)) {
		*base = 0;
		return 0;
	}
	for (int v = 0; v < EDGELB_MAX_VIPS; v++)
		for (int h = 0; h < RING_STORE_BUFS; h++) {
			const struct rs_buf *b = &rs->vip[v].buf[h];
			uint64_t cand = (uint64_t)b->base + b->size;

			if (b->size && cand + size <= rs->n_slots && region_free(rs, cand, size)) {
				*base = (uint32_t)cand;
				return 0;
			}
		}
	return -ENOSPC;
}

/* The buffer to write next: the one retired longest ago (never used: at once). */
static int spare(const struct rs_vip *r)
{
	int best = -1;

	for (int h = 0; h < RING_STORE_BUFS; h++)
		if (h != r->live && (best < 0 || r->buf[h].retired < r->buf[best].retired))
			best = h;
	return best;
}

int ring_store_adopt(struct ring_store *rs, uint32_t vip, uint32_t base, uint32_t size)
{
	struct rs_vip *r;

	if (vip >= EDGELB_MAX_VIPS)
		return -ERANGE;
	r = &rs->vip[vip];
	vip_reset(r);
	if (!size || (uint64_t)base + size > rs->n_slots)
		return -ERANGE;
	r->buf[0] = (struct rs_buf){ .base = base, .size = size };
	r->live = 0;
	return 0;
}

int ring_store_live(const struct ring_store *rs, uint32_t vip, uint32_t *base, uint32_t *size)
{
	const struct rs_vip *r = vip < EDGELB_MAX_VIPS ? &rs->vip[vip] : NULL;

	*base = *size = 0;
	if (!r || r->live < 0)
		return -ENOENT;
	*base = r->buf[r->live].base;
	*size = r->buf[r->live].size;
	return 0;
}

bool ring_store_ready(const struct ring_store *rs, uint32_t vip)
{
	return vip < EDGELB_MAX_VIPS && ended(rs, rs->vip[vip].buf[spare(&rs->vip[vip])].retired);
}

int ring_store_prepare(struct ring_store *rs, uint32_t vip, uint32_t size, uint32_t *base)
{
	struct rs_vip *r;
	struct rs_buf *b;
	int h, err;

	if (vip >= EDGELB_MAX_VIPS || !size)
		return -ERANGE;
	r = &rs->vip[vip];
	r->prepared = -1;
	h = spare(r);
	b = &r->buf[h];
	/*
	 * Packets that saw this buffer live before it retired must be gone
	 * before it is written, and before its region is given up: another
	 * VIP's ring placed there would be written at once.
	 */
	if (!ended(rs, b->retired))
		rs->grace.wait(rs->grace.arg, b->retired);
	if (b->size != size) {
		b->size = 0;
		err = region_alloc(rs, size, &b->base);
		if (err)
			return err;
		b->size = size;
	}
	r->prepared = h;
	*base = b->base;
	return 0;
}

int ring_store_commit(struct ring_store *rs, uint32_t vip)
{
	struct rs_vip *r;
	int old;

	if (vip >= EDGELB_MAX_VIPS || rs->vip[vip].prepared < 0)
		return -EINVAL;
	r = &rs->vip[vip];
	old = r->live;
	r->live = r->prepared;
	r->prepared = -1;
	/* after the flip: its grace period covers every packet that saw the old base */
	if (old >= 0)
		r->buf[old].retired = rs->grace.start(rs->grace.arg);
	return 0;
}

void ring_store_vip_meta(const struct edgelb_vip_meta *given, uint32_t base, uint32_t size,
			 struct edgelb_vip_meta *out)
{
	*out = *given;
	if (size && size == given->ring_size) {
		out->ring_base = base;
	} else {
		/* no ring of that size yet: an empty ring, never someone else's */
		out->ring_size = 0;
		out->ring_base = 0;
	}
}
