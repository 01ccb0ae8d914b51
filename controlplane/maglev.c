// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maglev ring builder.
 *
 * Filling: backends take turns in the order of their identity bytes. In
 * each round a backend earns credit equal to its weight and takes one slot
 * for every max_weight of credit it holds, so with equal weights this is
 * exactly the round robin of the paper and with unequal weights the shares
 * follow the weights. Taking a slot means finding the first free slot on
 * the backend's permutation (offset + j * skip) mod m, from where it left.
 *
 * Speed. About m * ln(m) probes are needed in all, and two thirds of them
 * go into the last few hundred slots, where a backend walks thousands of
 * taken slots to find a free one. So the build runs in two phases:
 *  - walk: "is this slot free" is a bitmap (8 KiB for 65 537 slots, it
 *    stays in L1) probed four positions at a time, advancing by addition
 *    rather than a modulo per probe;
 *  - end game: once few slots are free, each take computes the permutation
 *    index j = (slot - offset) * skip^-1 mod m of every free slot and takes
 *    the smallest. Both phases pick the same slot (every slot before the
 *    backend's current index is taken for good), so the ring is that of the
 *    plain algorithm; the golden test pins it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

struct maglev_turn {
	const struct maglev_backend *be;
	uint32_t next;		      /* walk: next slot of the permutation to try */
	uint32_t offset, skip;
	uint32_t skip2, skip3, skip4; /* 2, 3 and 4 steps, mod m */
	uint32_t credit;
	uint32_t inv_skip;	      /* end game: skip^-1 mod m, 0 until needed */
};

/* State of one build. */
struct maglev_fill {
	uint32_t m;
	uint64_t reciprocal; /* ceil(2^64 / m), for exact x mod m with x < 2^40 */
	uint64_t *used;	     /* walk phase: bit per slot */
	uint32_t *ring;
	uint32_t *free_slots; /* end game: the slots still free */
	uint32_t n_free;
};

bool maglev_size_valid(uint32_t m)
{
	if (m < MAGLEV_MIN_SIZE || m > MAGLEV_MAX_SIZE || m % 2 == 0)
		return false;
	for (uint32_t d = 3; d <= m / d; d += 2)
		if (m % d == 0)
			return false;
	return true;
}

/* FNV-1a over the identity bytes, then the MurmurHash3 64-bit finaliser so
 * that names differing in one character land far apart. */
static uint64_t identity_hash(const void *key, size_t len, uint64_t seed)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* Fixed seeds: part of the ring definition, like the flow hash seed. */
#define MAGLEV_OFFSET_SEED 0x6d61676c65763031ull /* "maglev01" */
#define MAGLEV_SKIP_SEED 0x736b697073656564ull	 /* "skipseed" */

void maglev_permutation(const void *key, size_t key_len, uint32_t m, uint32_t *offset,
			uint32_t *skip)
{
	*offset = (uint32_t)(identity_hash(key, key_len, MAGLEV_OFFSET_SEED) % m);
	*skip = (uint32_t)(identity_hash(key, key_len, MAGLEV_SKIP_SEED) % (m - 1)) + 1;
}

static int compare_identity(const void *a, const void *b)
{
	const struct maglev_turn *x = a, *y = b;
	size_t len = x->be->key_len < y->be->key_len ? x->be->key_len : y->be->key_len;
	int c = memcmp(x->be->key, y->be->key, len);

	if (c)
		return c;
	return (x->be->key_len > y->be->key_len) - (x->be->key_len < y->be->key_len);
}

static bool same_identity(const struct maglev_turn *x, const struct maglev_turn *y)
{
	return x->be->key_len == y->be->key_len &&
	       memcmp(x->be->key, y->be->key, x->be->key_len) == 0;
}

static inline bool slot_used(const uint64_t *used, uint32_t pos)
{
	return (used[pos >> 6] >> (pos & 63)) & 1;
}

static inline uint32_t add_mod(uint32_t a, uint32_t b, uint32_t m)
{
	uint32_t s = a + b;

	return s >= m ? s - m : s;
}

/*
 * x mod m without a division, exact for x < 2^64 / m (here x < 2^40):
 * the quotient estimate from the rounded-up reciprocal is never too high
 * by a whole unit in that range.
 */
static inline uint32_t fast_mod(const struct maglev_fill *f, uint64_t x)
{
	uint64_t q = (uint64_t)(((unsigned __int128)x * f->reciprocal) >> 64);

	return (uint32_t)(x - q * f->m);
}

static uint32_t mul_mod(const struct maglev_fill *f, uint32_t a, uint32_t b)
{
	return fast_mod(f, (uint64_t)a * b);
}

/* a^-1 mod m for prime m (Fermat: a^(m-2)); a in [1, m-1]. */
static uint32_t inverse_mod(const struct maglev_fill *f, uint32_t a)
{
	uint32_t result = 1, e = f->m - 2;

	while (e) {
		if (e & 1)
			result = mul_mod(f, result, a);
		a = mul_mod(f, a, a);
		e >>= 1;
	}
	return result;
}

static void fill_slot(struct maglev_fill *f, struct maglev_turn *t, uint32_t pos)
{
	f->used[pos >> 6] |= 1ull << (pos & 63);
	f->ring[pos] = t->be->id;
}

/* Walk phase: take the first free slot on t's permutation (one exists). */
static void take_slot_walk(struct maglev_fill *f, struct maglev_turn *t)
{
	const uint64_t *used = f->used;
	uint32_t pos = t->next, m = f->m;

	if (slot_used(used, pos)) {
		for (;;) {
			/* Four loads from one base: they do not wait on each other. */
			uint32_t p[4] = { add_mod(pos, t->skip, m), add_mod(pos, t->skip2, m),
					  add_mod(pos, t->skip3, m), add_mod(pos, t->skip4, m) };
			unsigned int free_mask = (unsigned int)!slot_used(used, p[0]) |
						 (unsigned int)!slot_used(used, p[1]) << 1 |
						 (unsigned int)!slot_used(used, p[2]) << 2 |
						 (unsigned int)!slot_used(used, p[3]) << 3;

			if (free_mask) {
				pos = p[__builtin_ctz(free_mask)];
				break;
			}
			pos = p[3];
		}
	}
	fill_slot(f, t, pos);
	t->next = add_mod(pos, t->skip, m);
}

/* Permutation index of slot pos for backend t. */
static uint32_t permutation_index(const struct maglev_fill *f, const struct maglev_turn *t,
				  uint32_t pos)
{
	uint32_t delta = pos >= t->offset ? pos - t->offset : pos + f->m - t->offset;

	return mul_mod(f, delta, t->inv_skip);
}

/* End game: take the free slot with the smallest permutation index. */
static void take_slot_end_game(struct maglev_fill *f, struct maglev_turn *t)
{
	uint32_t best = 0, best_index = UINT32_MAX;

	if (!t->inv_skip)
		t->inv_skip = inverse_mod(f, t->skip);
	for (uint32_t k = 0; k < f->n_free; k++) {
		uint32_t j = permutation_index(f, t, f->free_slots[k]);

		if (j < best_index) {
			best_index = j;
			best = k;
		}
	}
	fill_slot(f, t, f->free_slots[best]);
	f->free_slots[best] = f->free_slots[--f->n_free];
}

/* Free slots below which the end game is cheaper than walking (measured). */
static uint32_t end_game_threshold(uint32_t m)
{
	uint32_t e = 1;

	while (e * e < m / 2)
		e++;
	return e;
}

static void start_end_game(struct maglev_fill *f)
{
	f->n_free = 0;
	for (uint32_t pos = 0; pos < f->m; pos++)
		if (!slot_used(f->used, pos))
			f->free_slots[f->n_free++] = pos;
}

int maglev_build(const struct maglev_backend *backends, size_t n, uint32_t m, uint32_t *ring)
{
	struct maglev_fill fill = { .m = m, .ring = ring };
	struct maglev_turn *turns = NULL;
	uint32_t max_weight = 0, filled = 0, end_game_at;
	size_t live = 0;
	int err = -EINVAL;

	if (!maglev_size_valid(m) || (n && !backends) || !ring)
		return -EINVAL;

	for (size_t i = 0; i < n; i++) {
		const struct maglev_backend *b = &backends[i];

		if (!b->key || b->key_len == 0 || b->key_len > MAGLEV_MAX_KEY ||
		    b->weight > MAGLEV_MAX_WEIGHT)
			return -EINVAL;
	}

	end_game_at = end_game_threshold(m);
	fill.reciprocal = UINT64_MAX / m + 1;
	turns = calloc(n ? n : 1, sizeof(*turns));
	fill.used = calloc((m + 63) / 64, sizeof(*fill.used));
	fill.free_slots = calloc(end_game_at, sizeof(*fill.free_slots));
	if (!turns || !fill.used || !fill.free_slots) {
		err = -ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < n; i++)
		turns[i].be = &backends[i];
	qsort(turns, n, sizeof(*turns), compare_identity);
	for (size_t i = 1; i < n; i++)
		if (same_identity(&turns[i - 1], &turns[i]))
			goto out;

	/* Keep only backends that take slots, still in identity order. */
	for (size_t i = 0; i < n; i++) {
		struct maglev_turn t = turns[i];

		if (!t.be->weight)
			continue;
		maglev_permutation(t.be->key, t.be->key_len, m, &t.offset, &t.skip);
		t.next = t.offset;
		t.skip2 = add_mod(t.skip, t.skip, m);
		t.skip3 = add_mod(t.skip2, t.skip, m);
		t.skip4 = add_mod(t.skip3, t.skip, m);
		if (t.be->weight > max_weight)
			max_weight = t.be->weight;
		turns[live++] = t;
	}

	if (!live) {
		for (uint32_t s = 0; s < m; s++)
			ring[s] = MAGLEV_EMPTY;
		err = 0;
		goto out;
	}

	while (filled < m) {
		for (size_t i = 0; i < live && filled < m; i++) {
			struct maglev_turn *t = &turns[i];

			t->credit += t->be->weight;
			while (t->credit >= max_weight && filled < m) {
				t->credit -= max_weight;
				if (m - filled > end_game_at) {
					take_slot_walk(&fill, t);
				} else {
					if (m - filled == end_game_at && !fill.n_free)
						start_end_game(&fill);
					take_slot_end_game(&fill, t);
				}
				filled++;
			}
		}
	}
	err = 0;
out:
	free(turns);
	free(fill.used);
	free(fill.free_slots);
	return err;
}
