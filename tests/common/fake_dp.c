// SPDX-License-Identifier: GPL-2.0-only
/* The tests' in-memory data plane: see fake_dp.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "fake_dp.h"

struct fake_dp fdp;

/* A broken promise of the code under test: no test may go on from here. */
static void fake_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fake_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fake data plane: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static struct fake_dp *fake_of(void *dp)
{
	return dp ? dp : &fdp;
}

static void record(struct fake_dp *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void record(struct fake_dp *f, const char *fmt, ...)
{
	va_list ap;

	if (f->no_log)
		return;
	if (f->n >= FAKE_DP_LOG_MAX)
		fake_fail("more than %d calls recorded since the last reset", FAKE_DP_LOG_MAX);
	va_start(ap, fmt);
	vsnprintf(f->log[f->n++], sizeof(f->log[0]), fmt, ap);
	va_end(ap);
}

void fake_dp_reset(struct fake_dp *f)
{
	f = fake_of(f);
	for (int v = 0; v < EDGELB_MAX_VIPS; v++)
		free(f->ring[v]);
	memset(f, 0, sizeof(*f));
}

static int f_node(void *dp, const struct edgelb_node_config *c)
{
	(void)c;
	record(fake_of(dp), "node");
	return 0;
}

static int f_set_vip(void *dp, const struct edgelb_vip_key *k, const struct edgelb_vip_meta *m)
{
	struct fake_dp *f = fake_of(dp);

	record(f, "vip %u port %u", m->vip_id, ntohs(k->port));
	f->vips++;
	return 0;
}

static int f_del_vip(void *dp, const struct edgelb_vip_key *k)
{
	struct fake_dp *f = fake_of(dp);

	record(f, "delvip port %u", ntohs(k->port));
	f->vips--;
	return 0;
}

static int f_set_backend(void *dp, uint32_t id, const struct edgelb_backend *be)
{
	struct fake_dp *f = fake_of(dp);

	if (id >= EDGELB_MAX_BACKENDS)
		fake_fail("backend id %u out of range", id);
	if (be) {
		record(f, "be %u flags %u", id, be->flags);
		f->be[id] = *be;
	} else {
		record(f, "clear %u", id);
		memset(&f->be[id], 0, sizeof(f->be[id]));
	}
	return 0;
}

static int f_set_ring(void *dp, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	struct fake_dp *f = fake_of(dp);
	uint32_t *copy;

	record(f, "ring %u", vip_id);
	if (vip_id >= EDGELB_MAX_VIPS)
		fake_fail("ring for vip id %u out of range", vip_id);
	/* a ring may only name backends the data plane has */
	for (uint32_t s = 0; s < m; s++)
		if (ring[s] != EDGELB_NO_BACKEND &&
		    (ring[s] >= EDGELB_MAX_BACKENDS || !f->be[ring[s]].family))
			fake_fail("ring %u slot %u names backend %u, not written yet", vip_id, s,
				  ring[s]);
	copy = realloc(f->ring[vip_id], (m ? m : 1) * sizeof(*ring));
	if (!copy)
		fake_fail("out of memory");
	memcpy(copy, ring, m * sizeof(*ring));
	f->ring[vip_id] = copy;
	f->ring_size[vip_id] = m;
	return 0;
}

static void counters_of(struct fake_dp *f, uint32_t id, struct edgelb_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (!f->synthetic_counters)
		return;
	f->reads++;
	c->packets = 1000 * (uint64_t)(id + 1) + 10 * f->reads;
	c->bytes = 100 * c->packets;
	c->new_flows = 10 * (uint64_t)(id + 1) + f->reads;
}

static int f_counters(void *dp, uint32_t id, struct edgelb_counters *c)
{
	counters_of(fake_of(dp), id, c);
	return 0;
}

static int f_counter(void *dp, enum edgelb_counter c, uint64_t *v)
{
	*v = fake_of(dp)->synthetic_counters ? 3 * (uint64_t)c : 0;
	return 0;
}

static int f_flows(void *dp, struct edgelb_flow_key *keys, struct edgelb_flow_state *states,
		   size_t max, size_t *n)
{
	const struct lb *lb = fake_of(dp)->flows_of;
	const struct lb_service *s = lb && lb->n_services ? &lb->services[0] : NULL;

	*n = 0;
	for (size_t i = 0; s && i < s->n_backends && *n < max; i++, (*n)++) {
		memset(&keys[*n], 0, sizeof(keys[*n]));
		keys[*n].family = s->key.family;
		keys[*n].proto = s->key.proto;
		keys[*n].src.bytes[0] = 198; /* 198.51.100.0/24, documentation */
		keys[*n].src.bytes[1] = 51;
		keys[*n].src.bytes[2] = 100;
		keys[*n].src.bytes[3] = (uint8_t)(i + 1);
		keys[*n].dst = s->key.addr;
		keys[*n].sport = htons((uint16_t)(40000 + i));
		keys[*n].dport = s->key.port;
		states[*n] = (struct edgelb_flow_state){ .backend_id = s->backends[i].id,
							 .vip_id = s->vip_id, .created_ms = 0 };
	}
	return 0;
}

/* The listing's flows, of a table of FAKE_DP_FLOW_CAPACITY. */
static int f_flow_fill(void *dp, uint64_t limit, uint64_t *used, uint64_t *capacity,
		       bool *complete)
{
	const struct lb *lb = fake_of(dp)->flows_of;
	size_t n = lb && lb->n_services ? lb->services[0].n_backends : 0;

	*used = n < limit ? n : limit;
	*capacity = FAKE_DP_FLOW_CAPACITY;
	*complete = n <= limit;
	return 0;
}

const struct edgelb_dataplane_ops fake_dp_ops = {
	.set_node_config = f_node,
	.set_vip = f_set_vip,
	.del_vip = f_del_vip,
	.set_backend = f_set_backend,
	.set_ring = f_set_ring,
	.vip_counters = f_counters,
	.backend_counters = f_counters,
	.counter = f_counter,
	.flows = f_flows,
	.flow_fill = f_flow_fill,
};
