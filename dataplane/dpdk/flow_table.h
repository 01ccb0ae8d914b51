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
 * The set index comes from a keyed hash of the key, keys drawn from a
 * seed chosen per process (edgelb-dpdk: rte_rand()), so that a client
 * cannot aim many flows at one set to evict a chosen flow without knowing
 * them. The hash is NH (the inner hash of UMAC, RFC 4418) over twelve
 * values (the addresses' eight 32-bit words, the two ports, protocol and
 * family) in pairs: the sum of (a + k_i)(b + k_j) in 64 bits, which
 * collides for two given keys with probability about 2^-32 over the
 * random keys, then one multiply-xorshift to spread it into the top bits
 * the set index is taken from. Its six products are independent, where a
 * multiply-xorshift chained word after word waits on each product in
 * turn. Keys are read and compared field by field, each with the width
 * the parser stored it with: the lookup runs right after the parser built
 * the key on the stack, and a load that spans two stores cannot be served
 * from the store buffer (it waits until they reach the cache, ~15
 * cycles). CRC32 would be as fast, but its collisions do not depend on
 * any seed.
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

#define EDGELB_FLOW_NH_KEYS 12

struct edgelb_flow_table {
	struct edgelb_flow_way *ways; /* n_sets * EDGELB_FLOW_WAYS, zeroed */
	__u32 set_mask;		      /* n_sets - 1, n_sets a power of two */
	__u32 pad;
	__u64 tick;
	__u32 nh[EDGELB_FLOW_NH_KEYS]; /* the hash's keys, from the seed */
};

/* Ways for about entries flows: n_sets a power of two, at least one set. */
static inline __u32 edgelb_flow_table_sets(__u32 entries)
{
	__u32 sets = 1;

	while (sets * EDGELB_FLOW_WAYS < entries && sets < (1u << 24))
		sets <<= 1;
	return sets;
}

/* splitmix64: one seed into as many independent-looking words as needed */
static inline __u64 edgelb_flow_splitmix(__u64 *x)
{
	__u64 z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ways: n_sets * EDGELB_FLOW_WAYS zeroed ways, 64-byte aligned, owned by the caller. */
static inline void edgelb_flow_table_init(struct edgelb_flow_table *ft,
					  struct edgelb_flow_way *ways, __u32 n_sets, __u64 seed)
{
	ft->ways = ways;
	ft->set_mask = n_sets - 1;
	ft->pad = 0;
	ft->tick = 0;
	for (int i = 0; i < EDGELB_FLOW_NH_KEYS; i++)
		ft->nh[i] = (__u32)edgelb_flow_splitmix(&seed);
}

_Static_assert(sizeof(struct edgelb_flow_key) == 40, "flow key: eight address words, 8 bytes");

/* Address word i (0-3 source, 4-7 destination) of a key. */
static inline __u32 edgelb_flow_addr_word(const struct edgelb_flow_key *k, int i)
{
	return i < 4 ? k->src.v6[i] : k->dst.v6[i - 4];
}

/* NH's term of one pair of values */
static inline __u64 edgelb_flow_nh(const struct edgelb_flow_table *ft, int i, __u32 a, __u32 b)
{
	return (__u64)(__u32)(a + ft->nh[i]) * (__u32)(b + ft->nh[i + 1]);
}

/* The ways of k's set. */
static inline struct edgelb_flow_way *edgelb_flow_ways(const struct edgelb_flow_table *ft,
						       const struct edgelb_flow_key *k)
{
	__u64 h = edgelb_flow_nh(ft, 0, edgelb_flow_addr_word(k, 0), edgelb_flow_addr_word(k, 1)) +
		  edgelb_flow_nh(ft, 2, edgelb_flow_addr_word(k, 2), edgelb_flow_addr_word(k, 3)) +
		  edgelb_flow_nh(ft, 4, edgelb_flow_addr_word(k, 4), edgelb_flow_addr_word(k, 5)) +
		  edgelb_flow_nh(ft, 6, edgelb_flow_addr_word(k, 6), edgelb_flow_addr_word(k, 7)) +
		  edgelb_flow_nh(ft, 8, k->sport, k->dport) +
		  edgelb_flow_nh(ft, 10, k->proto, k->family);

	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ull;
	return &ft->ways[(size_t)((__u32)(h >> 32) & ft->set_mask) * EDGELB_FLOW_WAYS];
}

/*
 * Do two keys match? Field by field, as edgelb_flow_ways() reads them;
 * the source address's first word and the ports first, where two flows of
 * a set almost always differ (an insert compares with every way).
 */
static inline int edgelb_flow_key_eq(const struct edgelb_flow_key *a,
				     const struct edgelb_flow_key *b)
{
	__u32 d = (a->src.v6[0] ^ b->src.v6[0]) | (__u32)(a->sport ^ b->sport) |
		  (__u32)(a->dport ^ b->dport);

	if (d)
		return 0;
	for (int i = 1; i < 4; i++)
		d |= a->src.v6[i] ^ b->src.v6[i];
	for (int i = 0; i < 4; i++)
		d |= a->dst.v6[i] ^ b->dst.v6[i];
	d |= (__u32)(a->proto ^ b->proto) | (__u32)(a->family ^ b->family) |
	     (__u32)(a->pad ^ b->pad);
	return !d;
}

/* *to = *k, field by field (as above: k may have just been stored) */
static inline void edgelb_flow_key_copy(struct edgelb_flow_key *to, const struct edgelb_flow_key *k)
{
	for (int i = 0; i < 4; i++) {
		to->src.v6[i] = k->src.v6[i];
		to->dst.v6[i] = k->dst.v6[i];
	}
	to->sport = k->sport;
	to->dport = k->dport;
	to->proto = k->proto;
	to->family = k->family;
	to->pad = k->pad;
}

static inline struct edgelb_flow_state *edgelb_flow_table_lookup(struct edgelb_flow_table *ft,
								 const struct edgelb_flow_key *k)
{
	struct edgelb_flow_way *w = edgelb_flow_ways(ft, k);

	for (int i = 0; i < EDGELB_FLOW_WAYS; i++)
		if (w[i].key.family && edgelb_flow_key_eq(&w[i].key, k)) {
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
		if (w[i].key.family && edgelb_flow_key_eq(&w[i].key, k)) {
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
	edgelb_flow_key_copy(&victim->key, k);
	victim->st = *st;
	victim->used = ++ft->tick;
}

#endif /* EDGELB_DPDK_FLOW_TABLE_H */
