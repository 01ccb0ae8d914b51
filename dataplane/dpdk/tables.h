/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DPDK data plane's tables in shared memory (layout and concurrency
 * rules: tables_abi.h): create, map and unmap the file, and the writer's
 * operations. No DPDK: edgelbd links this, and so do the tests.
 *
 * Roles of a mapping:
 *   EDGELB_TABLES_WRITER     edgelbd: takes the writer lock (one writer;
 *                            -EBUSY when another holds it), repairs what a
 *                            writer killed halfway through an entry left,
 *                            and may use the writer operations below;
 *   EDGELB_TABLES_DATAPLANE  edgelb-dpdk: marks every lcore offline, then
 *                            takes the presence lock that makes the writer
 *                            wait for its lcores' epochs;
 *   EDGELB_TABLES_OBSERVER   reads only (counters, tests).
 *
 * Every function returning int returns 0 or a negative errno.
 */
#ifndef EDGELB_DPDK_TABLES_H
#define EDGELB_DPDK_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "tables_abi.h"
#include "tables_read.h"

#define EDGELB_TABLES_DEFAULT_PATH "/dev/shm/edgelb-tables"

enum edgelb_tables_role {
	EDGELB_TABLES_OBSERVER,
	EDGELB_TABLES_WRITER,
	EDGELB_TABLES_DATAPLANE,
};

struct edgelb_tables_opts {
	uint32_t ring_slots; /* 0: EDGELB_RING_SLOTS */
	uint32_t max_lcores; /* 0: 16; at most EDGELB_TABLES_MAX_LCORES */
};

struct edgelb_tables;

/*
 * Create the file at path (mode 0600) with every entry empty and map it
 * as the writer. The file appears whole or not at all (built under
 * another name, then linked into place): -EEXIST when path exists.
 */
int edgelb_tables_create(const char *path, const struct edgelb_tables_opts *o,
			 struct edgelb_tables **out);

/*
 * Map an existing file in role. -EPROTO when it is not tables of this
 * build (magic, version, a size or the file length differ), -EBUSY for a
 * second writer, -EPERM when it is not a regular file owned by us and
 * closed to others, -ELOOP for a symlink.
 */
int edgelb_tables_open(const char *path, enum edgelb_tables_role role, struct edgelb_tables **out);

/* Unmap; drops the locks (a data plane marks its lcores offline first). NULL is fine. */
void edgelb_tables_close(struct edgelb_tables *t);

const struct edgelb_tables_view *edgelb_tables_view(const struct edgelb_tables *t);

/* Writer: the entry for ifindex cfg->ifindex (its slot: ifindex % EDGELB_NODE_SLOTS). */
int edgelb_tables_set_node_config(struct edgelb_tables *t, const struct edgelb_node_config *cfg);

/*
 * Writer: add or replace the VIP entry of key, as given (ring_base
 * included: where rings live is the caller's business, ring_store.h).
 * -ERANGE when [ring_base, ring_base + ring_size) is outside the ring
 * array or vip_id is not below EDGELB_MAX_VIPS; -ENOSPC past max_vips.
 */
int edgelb_tables_set_vip(struct edgelb_tables *t, const struct edgelb_vip_key *key,
			  const struct edgelb_vip_meta *meta);
int edgelb_tables_del_vip(struct edgelb_tables *t, const struct edgelb_vip_key *key);

/* The entry of key (-ENOENT); and every entry in slot order, for adoption. */
int edgelb_tables_get_vip(const struct edgelb_tables *t, const struct edgelb_vip_key *key,
			  struct edgelb_vip_meta *meta);
int edgelb_tables_foreach_vip(const struct edgelb_tables *t,
			      int (*fn)(const struct edgelb_vip_key *, const struct edgelb_vip_meta *,
					void *),
			      void *arg);

/* Writer: backend id (be NULL: the slot is cleared, family 0). -ERANGE past EDGELB_MAX_BACKENDS. */
int edgelb_tables_set_backend(struct edgelb_tables *t, uint32_t id, const struct edgelb_backend *be);

/*
 * Writer: ring[0..m-1] into slots [base, base + m). Only into a region no
 * packet reads: a spare, or one whose grace period has ended. Publish it
 * with edgelb_tables_set_vip() afterwards. -ERANGE outside the array.
 */
int edgelb_tables_write_ring(struct edgelb_tables *t, uint32_t base, const uint32_t *ring,
			     uint32_t m);

/* Sums over every lcore. -ERANGE for an id out of range. */
int edgelb_tables_counter(const struct edgelb_tables *t, enum edgelb_counter c, uint64_t *sum);
int edgelb_tables_vip_counters(const struct edgelb_tables *t, uint32_t vip_id,
			       struct edgelb_counters *sum);
int edgelb_tables_backend_counters(const struct edgelb_tables *t, uint32_t id,
				   struct edgelb_counters *sum);

/*
 * Grace periods (tables_abi.h), in the shape of ring_store.h's struct
 * ring_grace: start one after every flip so far and get its number; has
 * period n ended; return once it has (polls every 50 us: periods last a
 * poll loop, microseconds, while a data plane runs).
 */
uint64_t edgelb_tables_grace_start(struct edgelb_tables *t);
bool edgelb_tables_grace_ended(struct edgelb_tables *t, uint64_t n);
void edgelb_tables_grace_wait(struct edgelb_tables *t, uint64_t n);

struct ring_grace;
/* The three above as ring_store.h's provider, for t (edgelbd, tests, benchmarks). */
void edgelb_tables_ring_grace(struct edgelb_tables *t, struct ring_grace *out);

/* Is a data plane attached (holding the presence lock)? */
bool edgelb_tables_dataplane_attached(struct edgelb_tables *t);

/*
 * The sum of every lcore's poll loops: it moves while a data plane
 * forwards, and stands still when its process is stopped or hung (the
 * presence lock alone cannot tell that from a running one).
 */
uint64_t edgelb_tables_loops(const struct edgelb_tables *t);

/*
 * A grace period that timed out: which lcores hold it up? Snapshot each
 * lcore's poll loops into snap[EDGELB_TABLES_MAX_LCORES] (an offline
 * one: EDGELB_TABLES_NOT_POLLING) when it times out; later,
 * edgelb_tables_lcore_stuck() says whether an lcore online then is still
 * online and has not polled since. Such an lcore (stopped, or one hung
 * while the others run) holds up every grace period: a writer can fail
 * at once instead of waiting out its bound again. A sum of the loops
 * would hide one hung lcore behind the others' polls.
 */
#define EDGELB_TABLES_NOT_POLLING UINT64_MAX
void edgelb_tables_loops_snapshot(const struct edgelb_tables *t, uint64_t *snap);
bool edgelb_tables_lcore_stuck(const struct edgelb_tables *t, const uint64_t *snap);

/*
 * Remove the file at path, unless a data plane or a writer has it mapped
 * (-EBUSY): a data plane would go on forwarding from the unlinked file,
 * out of reach of any later writer. -ENOENT when there is none.
 */
int edgelb_tables_remove(const char *path);

#endif /* EDGELB_DPDK_TABLES_H */
