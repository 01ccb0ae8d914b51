/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): builds the lookup
 * ring that maps a flow hash to a backend. Pure code, no I/O, no globals.
 *
 * The ring depends only on the set of (identity, weight, id) triples, never
 * on their order in the input or on the machine: backends are put in the
 * order of their identity bytes before the ring is filled, and every hash
 * reads bytes, not host-order words. Two balancers with the same backends
 * therefore build byte-identical rings (DESIGN.md principle 2).
 */
#ifndef EDGELB_MAGLEV_H
#define EDGELB_MAGLEV_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MAGLEV_MIN_SIZE 7u
#define MAGLEV_MAX_SIZE 1048573u /* largest prime below 2^20 */
#define MAGLEV_MAX_WEIGHT 65535u
#define MAGLEV_EMPTY UINT32_MAX	 /* slot value when no backend has weight */

struct maglev_backend {
	const void *key;   /* identity: its name, or address+port bytes */
	size_t key_len;	   /* 1..MAGLEV_MAX_KEY bytes */
	uint32_t weight;   /* 0 = drained (no slot), up to MAGLEV_MAX_WEIGHT */
	uint32_t id;	   /* written into the slots this backend owns */
};

#define MAGLEV_MAX_KEY 256u

/* True if m is a prime in [MAGLEV_MIN_SIZE, MAGLEV_MAX_SIZE]. */
bool maglev_size_valid(uint32_t m);

/*
 * Fill ring[0..m-1] with the ids of backends[0..n-1].
 *
 * Every slot gets the id of a backend with non-zero weight; a backend's share
 * of the slots is proportional to its weight. When no backend has a non-zero
 * weight every slot is MAGLEV_EMPTY.
 *
 * Returns 0, -EINVAL (m not a valid size, a key empty or too long, a weight
 * too large, or two backends with the same key) or -ENOMEM.
 */
int maglev_build(const struct maglev_backend *backends, size_t n, uint32_t m, uint32_t *ring);

/*
 * The permutation parameters of one identity, exposed for tests and for
 * tools that explain a ring: the backend's preferred slots are
 * (offset + j * skip) mod m for j = 0, 1, ...
 */
void maglev_permutation(const void *key, size_t key_len, uint32_t m, uint32_t *offset,
			uint32_t *skip);

#endif /* EDGELB_MAGLEV_H */
