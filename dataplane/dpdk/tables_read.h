/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reading side of the DPDK tables (tables_abi.h), for the forwarding
 * lcores: lock-free, never waiting for the writer. Header-only, no DPDK:
 * the unit tests read the tables with exactly this code while a writer
 * thread rewrites them.
 *
 * Every lookup copies the entry out (a snapshot), so the packet path
 * never holds a pointer into an entry the writer may rewrite; rings are
 * read in place, protected by the grace period the lcore ends with
 * edgelb_tables_lcore_quiescent() between bursts.
 */
#ifndef EDGELB_TABLES_READ_H
#define EDGELB_TABLES_READ_H

#include <stddef.h>
#include <string.h>

#include "tables_abi.h"

/* Pointers into one mapping of the tables, resolved once (tables.h: edgelb_tables_view()). */
struct edgelb_tables_view {
	struct edgelb_tables_hdr *hdr;
	struct edgelb_tables_node *node;
	struct edgelb_tables_vip *vips;
	struct edgelb_tables_backend *backends;
	struct edgelb_ring_slot *rings;
	unsigned char *lcores;
	__u32 ring_slots;
	__u32 max_lcores;
	__u32 lcore_size;
};

/*
 * Copy the current copy of a latched entry: d0 is its first copy, the
 * second follows it (size bytes apart). Retries only when the writer
 * moved seq during the copy.
 */
static inline __attribute__((always_inline)) void
edgelb_latch_read(const __u32 *seq, const void *d0, size_t size, void *out)
{
	__u32 s;

	do {
		s = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
		memcpy(out, (const unsigned char *)d0 + (s & 1) * size, size);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(seq, __ATOMIC_RELAXED) != s);
}

/* The entry of key k into *out: 1, or 0 when there is none. */
static inline int edgelb_tables_vip_lookup(const struct edgelb_tables_view *v,
					   const struct edgelb_vip_key *k,
					   struct edgelb_vip_meta *out)
{
	__u32 i = edgelb_tables_vip_home(k);

	for (__u32 n = 0; n < EDGELB_TABLES_VIP_SLOTS; n++) {
		const struct edgelb_tables_vip *e = &v->vips[i];
		struct edgelb_tables_vip_data d;

		edgelb_latch_read(&e->seq, &e->d[0], sizeof(d), &d);
		if (d.state == EDGELB_TABLES_EMPTY)
			return 0;
		if (d.state == EDGELB_TABLES_USED && !memcmp(&d.key, k, sizeof(*k))) {
			*out = d.meta;
			return 1;
		}
		i = (i + 1) & (EDGELB_TABLES_VIP_SLOTS - 1);
	}
	return 0;
}

/*
 * A reader's last snapshot of one latched entry, reused while the entry's
 * seq has not moved. Sound because the writer (latch_write(),
 * latch_repair() in tables_priv.h: the only stores to entries) never
 * stores into copy d[s & 1] while seq == s: it bumps seq before
 * rewriting the copy readers were told to use. So a snapshot taken whole
 * at seq s is, while seq still reads s, exactly what a new latch read
 * would copy (up to seq wrapping all 2^32 values between two packets, the
 * latch read's own assumption). Rings a cached VIP points to stay live
 * too: a ring is retired only after a VIP update moved ring_base away,
 * which moves seq, and reclaimed only after the grace period the lcore
 * ends after its burst, as for a fresh snapshot. The load is an acquire,
 * as the latch read's first, so that what a later copy reads is ordered
 * the same way.
 */
struct edgelb_tables_vip_cache {
	const struct edgelb_tables_vip *e; /* NULL: nothing cached */
	__u32 seq;
	struct edgelb_vip_key key;
	struct edgelb_vip_meta meta;
};

struct edgelb_tables_node_cache {
	const struct edgelb_tables_node *e; /* NULL: nothing cached */
	__u32 seq;
	__u32 ifindex;
	struct edgelb_node_config cfg;
};

/*
 * Are two VIP keys equal? Field by field: the packet path's key was
 * stored field by field just before (forward.h), and a load across two
 * of those stores is not forwarded from the store buffer.
 */
static inline __attribute__((always_inline)) int
edgelb_tables_vip_key_eq(const struct edgelb_vip_key *a, const struct edgelb_vip_key *b)
{
	return !((a->addr.v6[0] ^ b->addr.v6[0]) | (a->addr.v6[1] ^ b->addr.v6[1]) |
		 (a->addr.v6[2] ^ b->addr.v6[2]) | (a->addr.v6[3] ^ b->addr.v6[3]) |
		 (__u32)(a->port ^ b->port) | (__u32)(a->proto ^ b->proto) |
		 (__u32)(a->family ^ b->family));
}

/* The probe of edgelb_tables_vip_lookup_cached(), which fills c on a hit. */
static __attribute__((noinline)) const struct edgelb_vip_meta *
edgelb_tables_vip_lookup_fill(const struct edgelb_tables_view *v,
			      struct edgelb_tables_vip_cache *c, const struct edgelb_vip_key *k)
{
	__u32 i = edgelb_tables_vip_home(k);

	for (__u32 n = 0; n < EDGELB_TABLES_VIP_SLOTS; n++) {
		const struct edgelb_tables_vip *e = &v->vips[i];
		struct edgelb_tables_vip_data d;
		__u32 s;

		do {
			s = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			memcpy(&d, &e->d[s & 1], sizeof(d));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
		} while (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s);
		if (d.state == EDGELB_TABLES_EMPTY)
			return NULL;
		if (d.state == EDGELB_TABLES_USED && !memcmp(&d.key, k, sizeof(*k))) {
			c->e = e;
			c->seq = s;
			c->key = *k;
			c->meta = d.meta;
			return &c->meta;
		}
		i = (i + 1) & (EDGELB_TABLES_VIP_SLOTS - 1);
	}
	return NULL;
}

/*
 * edgelb_tables_vip_lookup() through c: the entry of k, or NULL. The
 * last key found is answered from c while its slot's seq stands still
 * (no home hash, no copy: inline, the rest is not); a miss is not cached
 * (it depends on every slot of the probe). The result stays valid until
 * the next call.
 */
static inline __attribute__((always_inline)) const struct edgelb_vip_meta *
edgelb_tables_vip_lookup_cached(const struct edgelb_tables_view *v,
				struct edgelb_tables_vip_cache *c, const struct edgelb_vip_key *k)
{
	if (c->e && edgelb_tables_vip_key_eq(&c->key, k) &&
	    __atomic_load_n(&c->e->seq, __ATOMIC_ACQUIRE) == c->seq)
		return &c->meta;
	return edgelb_tables_vip_lookup_fill(v, c, k);
}

/* edgelb_tables_node_read() through c: the config of ifindex, or NULL. */
static inline const struct edgelb_node_config *
edgelb_tables_node_read_cached(const struct edgelb_tables_view *v,
			       struct edgelb_tables_node_cache *c, __u32 ifindex)
{
	const struct edgelb_tables_node *e = &v->node[ifindex % EDGELB_NODE_SLOTS];
	__u32 s;

	if (c->e == e && c->ifindex == ifindex &&
	    __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) == c->seq)
		return ifindex && c->cfg.ifindex == ifindex ? &c->cfg : NULL;
	do {
		s = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		memcpy(&c->cfg, &e->d[s & 1], sizeof(c->cfg));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s);
	c->e = e;
	c->seq = s;
	c->ifindex = ifindex;
	return ifindex && c->cfg.ifindex == ifindex ? &c->cfg : NULL;
}

/* Backend id into *out: 0, or -1 when id is out of range. */
static inline __attribute__((always_inline)) int
edgelb_tables_backend_read(const struct edgelb_tables_view *v, __u32 id, struct edgelb_backend *out)
{
	const struct edgelb_tables_backend *e;

	if (id >= EDGELB_MAX_BACKENDS)
		return -1;
	e = &v->backends[id];
	edgelb_latch_read(&e->seq, &e->d[0], sizeof(*out), out);
	return 0;
}

/* Node config slot of ifindex into *out: 0, or -1 when the slot is another interface's. */
static inline int edgelb_tables_node_read(const struct edgelb_tables_view *v, __u32 ifindex,
					  struct edgelb_node_config *out)
{
	const struct edgelb_tables_node *e = &v->node[ifindex % EDGELB_NODE_SLOTS];

	edgelb_latch_read(&e->seq, &e->d[0], sizeof(*out), out);
	return out->ifindex == ifindex && ifindex ? 0 : -1;
}

/* Slot idx of the ring array (ring_base + slot), or EDGELB_NO_BACKEND past its end. */
static inline __u32 edgelb_tables_ring_slot(const struct edgelb_tables_view *v, __u64 idx)
{
	if (idx >= v->ring_slots)
		return EDGELB_NO_BACKEND;
	return __atomic_load_n(&v->rings[idx].backend_id, __ATOMIC_RELAXED);
}

static inline struct edgelb_tables_lcore *edgelb_tables_lcore(const struct edgelb_tables_view *v,
							      __u32 i)
{
	return (struct edgelb_tables_lcore *)(v->lcores + (size_t)i * v->lcore_size);
}

/*
 * Lcore i starts reading. The full fence pairs with the writer's between
 * a flip and its look at the epochs: either the writer sees this epoch
 * (and waits for it to pass) or this lcore's first lookup sees the flip.
 */
static inline void edgelb_tables_lcore_online(const struct edgelb_tables_view *v, __u32 i)
{
	struct edgelb_tables_lcore *l = edgelb_tables_lcore(v, i);

	__atomic_store_n(&l->epoch, __atomic_load_n(&v->hdr->grace_seq, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Lcore i holds nothing read from the tables (between bursts): every
 * grace period started so far has ended as far as it is concerned. The
 * release keeps its earlier reads before the store.
 */
static inline void edgelb_tables_lcore_quiescent(const struct edgelb_tables_view *v, __u32 i)
{
	struct edgelb_tables_lcore *l = edgelb_tables_lcore(v, i);

	__atomic_store_n(&l->epoch, __atomic_load_n(&v->hdr->grace_seq, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&l->loops, l->loops + 1, __ATOMIC_RELAXED);
}

/* Lcore i stops reading (shutdown): it holds up no grace period any more. */
static inline void edgelb_tables_lcore_offline(const struct edgelb_tables_view *v, __u32 i)
{
	__atomic_store_n(&edgelb_tables_lcore(v, i)->epoch, EDGELB_TABLES_OFFLINE,
			 __ATOMIC_RELEASE);
}

#endif /* EDGELB_TABLES_READ_H */
