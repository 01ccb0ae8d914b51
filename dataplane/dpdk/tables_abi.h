/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DPDK data plane's tables: one file in shared memory (/dev/shm) that
 * edgelbd creates and writes and edgelb-dpdk maps and reads. A DPDK
 * secondary process cannot attach to a --no-huge primary, and the tables
 * must outlive either process (DESIGN.md principle 4), so they live in a
 * plain file both map. The entries are abi.h's structs, unchanged.
 *
 *   offset 0       struct edgelb_tables_hdr (one page)
 *   off_node       struct edgelb_tables_node   [node_slots]   latched
 *   off_vips       struct edgelb_tables_vip    [vip_slots]    latched, open addressing
 *   off_backends   struct edgelb_tables_backend[max_backends] latched
 *   off_rings      struct edgelb_ring_slot     [ring_slots]   grace periods
 *   off_lcores     struct edgelb_tables_lcore  [max_lcores]   epochs and counters
 *
 * Concurrency: one writer (edgelbd, holding the writer lock) and the
 * forwarding lcores, which never wait for the writer.
 *
 * - Node, VIP and backend entries are latches (Linux's seqcount latch):
 *   two copies and a sequence number. The writer bumps seq (now odd:
 *   readers use d[1]), rewrites d[0], bumps seq (even: readers use d[0]),
 *   rewrites d[1]. A reader loads seq (acquire), copies d[seq & 1], and
 *   retries only if seq moved meanwhile; it never reads a copy being
 *   written and never spins on a writer that was preempted or killed
 *   halfway (the other copy stays whole). Every seq store is a release
 *   after the data it publishes; readers put an acquire fence between
 *   their copy and the second seq load.
 * - Rings are written only into regions no packet reads (a spare, or one
 *   retired before a grace period that has ended), then made live by a
 *   VIP entry update: the seq release orders the ring's slots before the
 *   ring_base that points at them.
 * - Grace periods: grace_seq counts the periods started (from 1). Each
 *   lcore stores, between two bursts (holding no entry or ring), the
 *   grace_seq it loaded into its epoch (release); 0 means offline. Period n
 *   has ended when no online lcore shows an epoch below n, or when no data
 *   plane holds the presence lock (below). An lcore goes online by storing
 *   its epoch, then a full fence, before its first lookup; the writer
 *   fences between a flip and reading epochs: one of the two sees the other.
 * - Locks (open file description locks, gone with the process that held
 *   them, whatever killed it): byte 0 write-locked by the attached data
 *   plane (presence; one per file: a second one would reset the first's
 *   epochs), byte 1 write-locked by the writer (one edgelbd). The writer
 *   only tests byte 0 (F_OFD_GETLK): a data plane that attaches after the
 *   test took its lock, and sees the flip, after it.
 * - Counters are per lcore, plain increments by their lcore; readers sum
 *   them with relaxed 64-bit loads.
 */
#ifndef EDGELB_TABLES_ABI_H
#define EDGELB_TABLES_ABI_H

#include <linux/types.h>

#include "abi.h"
#include "hash.h"

#define EDGELB_TABLES_MAGIC 0x424c5444424c4745ull /* "EGLBDTLB" */
/*
 * 2: VIP home slot by MurmurHash3 words; 3: node config of 72 bytes (the
 * new-flow guard) and the new_flow_unsaved counter. An older file is
 * refused (edgelbd --cleanup removes it), never misread.
 */
#define EDGELB_TABLES_VERSION 3u
#define EDGELB_TABLES_VIP_SEED 0x76697073u /* "vips" */

/* Open addressing stays short with at least half the slots free. */
#define EDGELB_TABLES_VIP_SLOTS (2 * EDGELB_MAX_VIPS)
#define EDGELB_TABLES_MAX_LCORES 128 /* RTE_MAX_LCORE of Debian's DPDK */
#define EDGELB_TABLES_HDR_SIZE 4096u
#define EDGELB_TABLES_ALIGN 64u

/* Lock bytes of the file (fcntl F_OFD_SETLK). */
#define EDGELB_TABLES_LOCK_PRESENCE 0
#define EDGELB_TABLES_LOCK_WRITER 1

/* An lcore epoch that says "reads nothing". */
#define EDGELB_TABLES_OFFLINE 0ull

struct edgelb_tables_hdr {
	__u64 magic;   /* stored last at creation: a file with it is whole */
	__u32 version; /* EDGELB_TABLES_VERSION */
	__u32 hdr_size;
	__u64 total_size;
	/* the sizes the file was made with; a mapper must agree with each */
	__u32 node_slots;
	__u32 vip_slots;
	__u32 max_vips;
	__u32 max_backends;
	__u32 ring_slots;
	__u32 max_lcores;
	__u32 counter_max;
	__u32 lcore_size; /* bytes per struct edgelb_tables_lcore */
	__u64 off_node;
	__u64 off_vips;
	__u64 off_backends;
	__u64 off_rings;
	__u64 off_lcores;
	/* changed by the writer */
	__u64 generation; /* +1 after every write (release): "something changed" */
	__u32 vip_count;  /* entries in use, at most max_vips */
	__u32 pad;
	__u8 reserved[16];
	/* grace periods: a cache line of its own, the lcores read it every loop */
	__u64 grace_seq;
	__u8 reserved2[EDGELB_TABLES_ALIGN - 8];
};

struct edgelb_tables_node {
	__u32 seq;
	__u32 pad;
	struct edgelb_node_config d[2];
};

enum edgelb_tables_slot_state {
	EDGELB_TABLES_EMPTY = 0,   /* ends every probe */
	EDGELB_TABLES_USED = 1,
	EDGELB_TABLES_DELETED = 2, /* probes go on past it */
};

struct edgelb_tables_vip_data {
	__u32 state; /* enum edgelb_tables_slot_state */
	struct edgelb_vip_key key;
	struct edgelb_vip_meta meta;
};

struct edgelb_tables_vip {
	__u32 seq;
	__u32 pad;
	struct edgelb_tables_vip_data d[2];
	__u8 reserved[24]; /* two cache lines */
};

struct edgelb_tables_backend {
	__u32 seq;
	__u32 pad;
	struct edgelb_backend d[2];
};

/*
 * One forwarding lcore: its epoch on a line of its own (the writer polls
 * it), then its counters, which only it writes.
 */
struct edgelb_tables_lcore {
	__u64 epoch; /* grace_seq seen at its last quiescent point; 0 = offline */
	__u64 loops; /* poll loops done: shows the lcore is alive */
	__u8 pad0[EDGELB_TABLES_ALIGN - 16];
	__u64 counters[EDGELB_COUNTER_MAX] __attribute__((aligned(EDGELB_TABLES_ALIGN)));
	struct edgelb_counters vip[EDGELB_MAX_VIPS] __attribute__((aligned(EDGELB_TABLES_ALIGN)));
	struct edgelb_counters backend[EDGELB_MAX_BACKENDS];
} __attribute__((aligned(EDGELB_TABLES_ALIGN)));

_Static_assert(__builtin_offsetof(struct edgelb_tables_hdr, grace_seq) == 2 * EDGELB_TABLES_ALIGN,
	       "tables header: grace_seq on its own line");
_Static_assert(sizeof(struct edgelb_tables_hdr) <= EDGELB_TABLES_HDR_SIZE, "tables header");
_Static_assert(sizeof(struct edgelb_tables_vip_data) == 48, "tables vip data");
_Static_assert(sizeof(struct edgelb_tables_vip) == 128, "tables vip slot");
_Static_assert(sizeof(struct edgelb_tables_backend) == 64, "tables backend slot");
_Static_assert(sizeof(struct edgelb_tables_node) == 152, "tables node slot");
_Static_assert((EDGELB_TABLES_VIP_SLOTS & (EDGELB_TABLES_VIP_SLOTS - 1)) == 0,
	       "vip slots: a power of two");

/*
 * Home slot of a VIP key (fixed: the writer places and the readers probe
 * with it): MurmurHash3's steps (hash.h) over the key's five 32-bit words.
 * Every packet to a candidate address pays this, so it goes a word at a
 * time (FNV-1a byte by byte was a chain of 20 dependent multiplies, ~20 ns
 * per packet in tools/bench/dpdk). The probe lengths are bounded by the
 * table (at most half full), whatever the key.
 */
_Static_assert(sizeof(struct edgelb_vip_key) == 5 * sizeof(__u32), "vip key: five words");

static inline __u32 edgelb_tables_vip_home(const struct edgelb_vip_key *k)
{
	__u32 w[5], h = EDGELB_TABLES_VIP_SEED;

	__builtin_memcpy(w, k, sizeof(w)); /* the key may sit at any alignment */
	for (unsigned int i = 0; i < 5; i++)
		h = edgelb_hash_step(h, w[i]);
	return edgelb_hash_final(h, sizeof(w)) & (EDGELB_TABLES_VIP_SLOTS - 1);
}

#endif /* EDGELB_TABLES_ABI_H */
