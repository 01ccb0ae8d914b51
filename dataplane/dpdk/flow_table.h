/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-lcore flow table of the DPDK target: fixed size, 8-way set
 * associative, least recently used way evicted. Header-only and without
 * DPDK so that the unit tests drive it alone.
 *
 * Why not rte_hash: it has no eviction (a full table refuses inserts, so
 * it needs an ageing sweep beside it), its lock-free mode costs atomics a
 * single-owner table does not need, and it needs EAL to be tested. The
 * XDP target's table is an LRU hash per CPU; a set-associative table with
 * LRU within each set is the usual fixed-cost approximation: one bucket
 * (8 lines of 64 bytes) per lookup, no allocation, no chains.
 *
 * Eviction rule: an update of a key not in its set takes a free way, else
 * the way used least recently (lookups and updates stamp a way with a
 * per-table tick). A flood of new flows evicts old ones set by set, as an
 * LRU does; an established flow that keeps sending stays. Sets fill
 * unevenly, so evictions start before the table is full: at a quarter of
 * its entries almost no set overflows, at half about 2% of sets do (a
 * Poisson tail): give it (edgelb-dpdk --flows) about four times the flows
 * an lcore must keep. The XDP target's per-CPU LRU evicts early too.
 *
 * The set index comes from a seeded multiply-xorshift of the key, seed
 * chosen per process (edgelb-dpdk: rte_rand()), so that a client cannot
 * aim many flows at one set to evict a chosen flow without knowing it. It
 * is not a keyed cryptographic hash; CRC32 would be faster but its
 * collisions do not depend on any seed.
 */
#ifndef EDGELB_DPDK_FLOW_TABLE_H
#define EDGELB_DPDK_FLOW_TABLE_H

#include <string.h>

#include "abi.h"
#include "compiler.h"

#define EDGELB_FLOW_WAYS 8

struct edgelb_flow_way {
	struct edgelb_flow_key key; /* family 0: free */
	struct edgelb_flow_state st;
	__u64 used; /* tick of the last lookup or update */
};

_Static_assert(sizeof(struct edgelb_flow_way) == 64, "a way is one cache line");

struct edgelb_flow_table {
	struct edgelb_flow_way *ways; /* n_sets * EDGELB_FLOW_WAYS, zeroed */
	__u32 set_mask;		      /* n_sets - 1, n_sets a power of two */
	__u32 pad;
	__u64 seed;
	__u64 tick;
};

/* Ways for about entries flows: n_sets a power of two, at least one set. */
static inline __u32 edgelb_flow_table_sets(__u32 entries)
{
	__u32 sets = 1;

	while (sets * EDGELB_FLOW_WAYS < entries && sets < (1u << 24))
		sets <<= 1;
	return sets;
}

/* ways: n_sets * EDGELB_FLOW_WAYS zeroed ways, 64-byte aligned, owned by the caller. */
static inline void edgelb_flow_table_init(struct edgelb_flow_table *ft,
					  struct edgelb_flow_way *ways, __u32 n_sets, __u64 seed)
{
	ft->ways = ways;
	ft->set_mask = n_sets - 1;
	ft->seed = seed;
	ft->tick = 0;
}

_Static_assert(sizeof(struct edgelb_flow_key) == 40, "flow key: five words");

/* The ways of k's set. */
static inline struct edgelb_flow_way *edgelb_flow_ways(const struct edgelb_flow_table *ft,
						       const struct edgelb_flow_key *k)
{
	__u64 w[5], h = ft->seed;

	__builtin_memcpy(w, k, sizeof(w));
	for (int i = 0; i < 5; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return &ft->ways[(size_t)((__u32)(h >> 32) & ft->set_mask) * EDGELB_FLOW_WAYS];
}

static inline struct edgelb_flow_state *edgelb_flow_table_lookup(struct edgelb_flow_table *ft,
								 const struct edgelb_flow_key *k)
{
	struct edgelb_flow_way *w = edgelb_flow_ways(ft, k);

	for (int i = 0; i < EDGELB_FLOW_WAYS; i++)
		if (w[i].key.family && !memcmp(&w[i].key, k, sizeof(*k))) {
			w[i].used = ++ft->tick;
			return &w[i].st;
		}
	return 0;
}

static inline void edgelb_flow_table_update(struct edgelb_flow_table *ft,
					    const struct edgelb_flow_key *k,
					    const struct edgelb_flow_state *st)
{
	struct edgelb_flow_way *w = edgelb_flow_ways(ft, k), *victim = &w[0];

	for (int i = 0; i < EDGELB_FLOW_WAYS; i++) {
		if (w[i].key.family && !memcmp(&w[i].key, k, sizeof(*k))) {
			victim = &w[i];
			break;
		}
		if (!w[i].key.family) {
			if (victim->key.family)
				victim = &w[i];
		} else if (victim->key.family && w[i].used < victim->used) {
			victim = &w[i];
		}
	}
	victim->key = *k;
	victim->st = *st;
	victim->used = ++ft->tick;
}

#endif /* EDGELB_DPDK_FLOW_TABLE_H */
