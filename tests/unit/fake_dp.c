// SPDX-License-Identifier: GPL-2.0-only
/* The unit tests' in-memory data plane: see fake_dp.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "fake_dp.h"

struct fake_dp fdp;

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void record(const char *fmt, ...)
{
	va_list ap;

	assert_true(fdp.n < FAKE_DP_LOG_MAX);
	va_start(ap, fmt);
	vsnprintf(fdp.log[fdp.n++], sizeof(fdp.log[0]), fmt, ap);
	va_end(ap);
}

void fake_dp_reset(void)
{
	for (int v = 0; v < FAKE_DP_VIPS; v++)
		free(fdp.ring[v]);
	memset(&fdp, 0, sizeof(fdp));
}

static int f_node(void *dp, const struct edgelb_node_config *c)
{
	(void)dp;
	(void)c;
	record("node");
	return 0;
}

static int f_set_vip(void *dp, const struct edgelb_vip_key *k, const struct edgelb_vip_meta *m)
{
	(void)dp;
	record("vip %u port %u", m->vip_id, ntohs(k->port));
	fdp.vips++;
	return 0;
}

static int f_del_vip(void *dp, const struct edgelb_vip_key *k)
{
	(void)dp;
	record("delvip port %u", ntohs(k->port));
	fdp.vips--;
	return 0;
}

static int f_set_backend(void *dp, uint32_t id, const struct edgelb_backend *be)
{
	(void)dp;
	if (be) {
		record("be %u flags %u", id, be->flags);
		fdp.be[id] = *be;
	} else {
		record("clear %u", id);
		memset(&fdp.be[id], 0, sizeof(fdp.be[id]));
	}
	return 0;
}

static int f_set_ring(void *dp, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	(void)dp;
	record("ring %u", vip_id);
	assert_true(vip_id < FAKE_DP_VIPS);
	/* a ring may only name backends the data plane has */
	for (uint32_t s = 0; s < m; s++)
		if (ring[s] != EDGELB_NO_BACKEND && !fdp.be[ring[s]].family)
			fail_msg("ring %u slot %u names backend %u, not written yet", vip_id, s,
				 ring[s]);
	fdp.ring[vip_id] = realloc(fdp.ring[vip_id], m * sizeof(*ring));
	assert_non_null(fdp.ring[vip_id]);
	memcpy(fdp.ring[vip_id], ring, m * sizeof(*ring));
	fdp.ring_size[vip_id] = m;
	return 0;
}

static int f_counters(void *dp, uint32_t id, struct edgelb_counters *c)
{
	(void)dp;
	(void)id;
	memset(c, 0, sizeof(*c));
	return 0;
}

static int f_counter(void *dp, enum edgelb_counter c, uint64_t *v)
{
	(void)dp;
	(void)c;
	*v = 0;
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
};
