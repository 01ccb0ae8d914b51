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
static inline void edgelb_latch_read(const __u32 *seq, const void *d0, size_t size, void *out)
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

/* Backend id into *out: 0, or -1 when id is out of range. */
static inline int edgelb_tables_backend_read(const struct edgelb_tables_view *v, __u32 id,
					     struct edgelb_backend *out)
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
