/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the tables library share (tables.c: the file and its
 * roles; tables_write.c: the writer's entries; tables_grace.c: grace
 * periods and counters). Not for users: tables.h is the interface.
 */
#ifndef EDGELB_DPDK_TABLES_PRIV_H
#define EDGELB_DPDK_TABLES_PRIV_H

#include <stddef.h>
#include <string.h>

#include "tables.h"

struct edgelb_tables {
	int fd;
	enum edgelb_tables_role role;
	void *base;
	size_t size;
	struct edgelb_tables_view v;
};

/*
 * Latch write (tables_abi.h): readers move to d[1], d[0] is rewritten,
 * readers move back to d[0], d[1] follows. The fences keep each copy's
 * stores after the seq store that sends readers away from it.
 */
static inline void latch_write(__u32 *seq, void *d0, size_t size, const void *val)
{
	__u32 s = __atomic_load_n(seq, __ATOMIC_RELAXED);
	unsigned char *d = d0;

	__atomic_store_n(seq, s + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(d, val, size);
	__atomic_store_n(seq, s + 2, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(d + size, val, size);
}

/*
 * A writer killed inside latch_write() left one copy half written: the
 * other is whole and is what readers use. Make both whole again, with seq
 * even, without ever exposing the half-written one.
 */
static inline void latch_repair(__u32 *seq, void *d0, size_t size)
{
	__u32 s = __atomic_load_n(seq, __ATOMIC_RELAXED);
	unsigned char *d = d0;

	if (s & 1) {
		memcpy(d, d + size, size);
		__atomic_store_n(seq, s + 1, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_RELEASE);
	}
	memcpy(d + size, d, size);
}

static inline void bump_generation(struct edgelb_tables *t)
{
	__atomic_fetch_add(&t->v.hdr->generation, 1, __ATOMIC_RELEASE);
}

#endif /* EDGELB_DPDK_TABLES_PRIV_H */
