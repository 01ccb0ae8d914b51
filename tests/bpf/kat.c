// SPDX-License-Identifier: GPL-2.0-only
/*
 * kat: see kat.h. Deliberately no hash.h or maglev.h here: the table is the
 * independent answer and the lookup only compares keys.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "kat.h"
#include "kat_flows.h"

_Static_assert(sizeof(kat_flow_table) / sizeof(kat_flow_table[0]) == KAT_FLOW_COUNT,
	       "kat_flows.h count");
_Static_assert(KAT_RING_DEF_COUNT >= KAT_RING_COUNT, "kat_flows.h ring variants");

static int kat_parse(const char *s, uint8_t family, union edgelb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == EDGELB_AF_INET)
		return inet_pton(AF_INET, s, &a->v4) == 1 ? 0 : -1;
	if (family == EDGELB_AF_INET6)
		return inet_pton(AF_INET6, s, a->bytes) == 1 ? 0 : -1;
	return -1;
}

int kat_flow_key(const struct kat_flow *f, struct edgelb_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	if (kat_parse(f->src, f->family, &k->src) || kat_parse(f->dst, f->family, &k->dst))
		return -1;
	k->sport = htons(f->sport);
	k->dport = htons(f->dport);
	k->proto = f->proto;
	k->family = f->family;
	return 0;
}

static int kat_same_addr(const union edgelb_addr *a, const union edgelb_addr *b, uint8_t family)
{
	return memcmp(a->bytes, b->bytes, family == EDGELB_AF_INET ? 4 : 16) == 0;
}

const struct kat_flow *kat_find(const struct edgelb_flow_key *k)
{
	uint16_t sport = ntohs(k->sport), dport = ntohs(k->dport);

	if (k->family != EDGELB_AF_INET && k->family != EDGELB_AF_INET6)
		return NULL;
	for (size_t i = 0; i < KAT_FLOW_COUNT; i++) {
		const struct kat_flow *f = &kat_flow_table[i];
		union edgelb_addr src, dst;

		/* Cheap fields first; text addresses parsed only for candidates. */
		if (f->family != k->family || f->proto != k->proto || f->sport != sport ||
		    f->dport != dport)
			continue;
		if (kat_parse(f->src, f->family, &src) || kat_parse(f->dst, f->family, &dst))
			continue;
		if (kat_same_addr(&src, &k->src, f->family) && kat_same_addr(&dst, &k->dst, f->family))
			return f;
	}
	return NULL;
}

uint32_t kat_backend(const struct kat_flow *f, enum kat_ring ring)
{
	if (!f || (unsigned int)ring >= KAT_RING_COUNT)
		return 0;
	return f->backend[ring];
}

const char *kat_ring_name(enum kat_ring ring)
{
	static const char *const names[KAT_RING_COUNT] = {
		[KAT_RING_V4] = "v4",
		[KAT_RING_V4_NO2] = "v4_no2",
		[KAT_RING_V6] = "v6",
		[KAT_RING_DSR] = "dsr",
		[KAT_RING_DSR_NOMAC] = "dsr_nomac",
	};

	return (unsigned int)ring < KAT_RING_COUNT ? names[ring] : "?";
}

uint32_t kat_ring_size(void)
{
	return KAT_RING_SIZE;
}

const struct kat_flow *kat_all(size_t *n)
{
	*n = KAT_FLOW_COUNT;
	return kat_flow_table;
}

const struct kat_ring_def *kat_ring_defs_all(size_t *n)
{
	*n = KAT_RING_DEF_COUNT;
	return kat_ring_defs;
}

uint64_t kat_ring_digest(const uint32_t *ring, uint32_t m)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t s = 0; s < m; s++)
		for (int b = 0; b < 4; b++) {
			h ^= (ring[s] >> (8 * b)) & 0xff;
			h *= 0x100000001b3ull;
		}
	return h;
}
