// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the writer learns from the lcores: their counters, summed, and
 * their epochs, which end grace periods (tables_abi.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "ring_store.h"
#include "tables_priv.h"

#define GRACE_POLL_NS 50000

static uint64_t load64(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

int edgelb_tables_counter(const struct edgelb_tables *t, enum edgelb_counter c, uint64_t *sum)
{
	if ((unsigned int)c >= EDGELB_COUNTER_MAX)
		return -ERANGE;
	*sum = 0;
	for (__u32 i = 0; i < t->v.max_lcores; i++)
		*sum += load64(&edgelb_tables_lcore(&t->v, i)->counters[c]);
	return 0;
}

static void add_counters(struct edgelb_counters *sum, const struct edgelb_counters *c)
{
	sum->packets += load64(&c->packets);
	sum->bytes += load64(&c->bytes);
	sum->new_flows += load64(&c->new_flows);
}

int edgelb_tables_vip_counters(const struct edgelb_tables *t, uint32_t vip_id,
			       struct edgelb_counters *sum)
{
	if (vip_id >= EDGELB_MAX_VIPS)
		return -ERANGE;
	memset(sum, 0, sizeof(*sum));
	for (__u32 i = 0; i < t->v.max_lcores; i++)
		add_counters(sum, &edgelb_tables_lcore(&t->v, i)->vip[vip_id]);
	return 0;
}

int edgelb_tables_backend_counters(const struct edgelb_tables *t, uint32_t id,
				   struct edgelb_counters *sum)
{
	if (id >= EDGELB_MAX_BACKENDS)
		return -ERANGE;
	memset(sum, 0, sizeof(*sum));
	for (__u32 i = 0; i < t->v.max_lcores; i++)
		add_counters(sum, &edgelb_tables_lcore(&t->v, i)->backend[id]);
	return 0;
}

bool edgelb_tables_dataplane_attached(struct edgelb_tables *t)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = EDGELB_TABLES_LOCK_PRESENCE, .l_len = 1 };

	/* cannot tell: assume one is, waiting is the safe side */
	if (fcntl(t->fd, F_OFD_GETLK, &fl))
		return true;
	return fl.l_type != F_UNLCK;
}

uint64_t edgelb_tables_loops(const struct edgelb_tables *t)
{
	uint64_t sum = 0;

	for (__u32 i = 0; i < t->v.max_lcores; i++)
		sum += load64(&edgelb_tables_lcore(&t->v, i)->loops);
	return sum;
}

static bool lcore_online(const struct edgelb_tables *t, __u32 i)
{
	return __atomic_load_n(&edgelb_tables_lcore(&t->v, i)->epoch, __ATOMIC_ACQUIRE) !=
	       EDGELB_TABLES_OFFLINE;
}

void edgelb_tables_loops_snapshot(const struct edgelb_tables *t, uint64_t *snap)
{
	for (__u32 i = 0; i < EDGELB_TABLES_MAX_LCORES; i++)
		snap[i] = i < t->v.max_lcores && lcore_online(t, i)
				  ? load64(&edgelb_tables_lcore(&t->v, i)->loops)
				  : EDGELB_TABLES_NOT_POLLING;
}

bool edgelb_tables_lcore_stuck(const struct edgelb_tables *t, const uint64_t *snap)
{
	if (!edgelb_tables_dataplane_attached((struct edgelb_tables *)t))
		return false; /* gone: its lcores hold nothing up */
	for (__u32 i = 0; i < t->v.max_lcores && i < EDGELB_TABLES_MAX_LCORES; i++)
		if (snap[i] != EDGELB_TABLES_NOT_POLLING && lcore_online(t, i) &&
		    load64(&edgelb_tables_lcore(&t->v, i)->loops) == snap[i])
			return true;
	return false;
}

uint64_t edgelb_tables_grace_start(struct edgelb_tables *t)
{
	/* after every flip so far (their release stores) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_add_fetch(&t->v.hdr->grace_seq, 1, __ATOMIC_SEQ_CST);
}

bool edgelb_tables_grace_ended(struct edgelb_tables *t, uint64_t n)
{
	/* pairs with the fence of edgelb_tables_lcore_online() */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (n <= 1 || !edgelb_tables_dataplane_attached(t))
		return true;
	for (__u32 i = 0; i < t->v.max_lcores; i++) {
		__u64 e = __atomic_load_n(&edgelb_tables_lcore(&t->v, i)->epoch, __ATOMIC_ACQUIRE);

		if (e != EDGELB_TABLES_OFFLINE && e < n)
			return false;
	}
	return true;
}

void edgelb_tables_grace_wait(struct edgelb_tables *t, uint64_t n)
{
	const struct timespec poll = { .tv_nsec = GRACE_POLL_NS };

	while (!edgelb_tables_grace_ended(t, n))
		nanosleep(&poll, NULL);
}

static uint64_t ring_grace_start(void *t)
{
	return edgelb_tables_grace_start(t);
}

static bool ring_grace_ended(void *t, uint64_t n)
{
	return edgelb_tables_grace_ended(t, n);
}

static void ring_grace_wait(void *t, uint64_t n)
{
	edgelb_tables_grace_wait(t, n);
}

void edgelb_tables_ring_grace(struct edgelb_tables *t, struct ring_grace *out)
{
	*out = (struct ring_grace){ .start = ring_grace_start, .ended = ring_grace_ended,
				    .wait = ring_grace_wait, .arg = t };
}
