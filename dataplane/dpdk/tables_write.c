// SPDX-License-Identifier: GPL-2.0-only
/*
 * The writer's side of the DPDK tables: node, VIP and backend entries
 * through their latches, the VIP table's open addressing, ring slots.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tables_priv.h"

int edgelb_tables_set_node_config(struct edgelb_tables *t, const struct edgelb_node_config *cfg)
{
	struct edgelb_tables_node *e;

	if (t->role != EDGELB_TABLES_WRITER)
		return -EPERM;
	e = &t->v.node[cfg->ifindex % EDGELB_NODE_SLOTS];
	latch_write(&e->seq, &e->d[0], sizeof(e->d[0]), cfg);
	bump_generation(t);
	return 0;
}

/*
 * Where key is (*at, 1), or where it would go (*at: the first deleted
 * slot of its probe, else the empty slot that ends it; 0). -ENOSPC when
 * the probe ends nowhere. The writer reads d[0]: seq is even between its
 * operations.
 */
static int vip_find(const struct edgelb_tables *t, const struct edgelb_vip_key *key, __u32 *at)
{
	__u32 i = edgelb_tables_vip_home(key), free_at = UINT32_MAX;

	for (__u32 n = 0; n < EDGELB_TABLES_VIP_SLOTS; n++) {
		const struct edgelb_tables_vip_data *d = &t->v.vips[i].d[0];

		if (d->state == EDGELB_TABLES_EMPTY) {
			*at = free_at != UINT32_MAX ? free_at : i;
			return 0;
		}
		if (d->state == EDGELB_TABLES_USED && !memcmp(&d->key, key, sizeof(*key))) {
			*at = i;
			return 1;
		}
		if (d->state == EDGELB_TABLES_DELETED && free_at == UINT32_MAX)
			free_at = i;
		i = (i + 1) & (EDGELB_TABLES_VIP_SLOTS - 1);
	}
	if (free_at == UINT32_MAX)
		return -ENOSPC;
	*at = free_at;
	return 0;
}

static void vip_write(struct edgelb_tables *t, __u32 i, const struct edgelb_tables_vip_data *d)
{
	latch_write(&t->v.vips[i].seq, &t->v.vips[i].d[0], sizeof(*d), d);
}

int edgelb_tables_set_vip(struct edgelb_tables *t, const struct edgelb_vip_key *key,
			  const struct edgelb_vip_meta *meta)
{
	struct edgelb_tables_vip_data d = { .state = EDGELB_TABLES_USED };
	__u32 at;
	int found;

	if (t->role != EDGELB_TABLES_WRITER)
		return -EPERM;
	if (key->family != EDGELB_AF_INET && key->family != EDGELB_AF_INET6)
		return -EINVAL;
	if (meta->vip_id >= EDGELB_MAX_VIPS ||
	    (uint64_t)meta->ring_base + meta->ring_size > t->v.ring_slots)
		return -ERANGE;
	found = vip_find(t, key, &at);
	if (found < 0)
		return found;
	if (!found && t->v.hdr->vip_count >= EDGELB_MAX_VIPS)
		return -ENOSPC;
	d.key = *key;
	d.meta = *meta;
	vip_write(t, at, &d);
	if (!found)
		t->v.hdr->vip_count++;
	bump_generation(t);
	return 0;
}

int edgelb_tables_del_vip(struct edgelb_tables *t, const struct edgelb_vip_key *key)
{
	struct edgelb_tables_vip_data d = { .state = EDGELB_TABLES_DELETED };
	__u32 at, mask = EDGELB_TABLES_VIP_SLOTS - 1;
	int found;

	if (t->role != EDGELB_TABLES_WRITER)
		return -EPERM;
	found = vip_find(t, key, &at);
	if (found <= 0)
		return found < 0 ? found : -ENOENT;
	vip_write(t, at, &d);
	t->v.hdr->vip_count--;
	/*
	 * A deleted slot just before an empty one ends every probe that
	 * reaches it anyway: make it (and the deleted run before it) empty,
	 * so that probes stay short. Readers find the same entries either way.
	 */
	if (t->v.vips[(at + 1) & mask].d[0].state == EDGELB_TABLES_EMPTY) {
		struct edgelb_tables_vip_data empty = { .state = EDGELB_TABLES_EMPTY };

		for (__u32 n = 0; n < EDGELB_TABLES_VIP_SLOTS &&
				  t->v.vips[at].d[0].state == EDGELB_TABLES_DELETED;
		     n++, at = (at - 1) & mask)
			vip_write(t, at, &empty);
	}
	bump_generation(t);
	return 0;
}

int edgelb_tables_get_vip(const struct edgelb_tables *t, const struct edgelb_vip_key *key,
			  struct edgelb_vip_meta *meta)
{
	return edgelb_tables_vip_lookup(&t->v, key, meta) ? 0 : -ENOENT;
}

int edgelb_tables_foreach_vip(const struct edgelb_tables *t,
			      int (*fn)(const struct edgelb_vip_key *, const struct edgelb_vip_meta *,
					void *),
			      void *arg)
{
	for (__u32 i = 0; i < EDGELB_TABLES_VIP_SLOTS; i++) {
		const struct edgelb_tables_vip *e = &t->v.vips[i];
		struct edgelb_tables_vip_data d;
		int err;

		edgelb_latch_read(&e->seq, &e->d[0], sizeof(d), &d);
		if (d.state != EDGELB_TABLES_USED)
			continue;
		err = fn(&d.key, &d.meta, arg);
		if (err)
			return err;
	}
	return 0;
}

int edgelb_tables_set_backend(struct edgelb_tables *t, uint32_t id, const struct edgelb_backend *be)
{
	static const struct edgelb_backend none;
	struct edgelb_tables_backend *e;

	if (t->role != EDGELB_TABLES_WRITER)
		return -EPERM;
	if (id >= EDGELB_MAX_BACKENDS)
		return -ERANGE;
	e = &t->v.backends[id];
	latch_write(&e->seq, &e->d[0], sizeof(e->d[0]), be ? be : &none);
	bump_generation(t);
	return 0;
}

int edgelb_tables_write_ring(struct edgelb_tables *t, uint32_t base, const uint32_t *ring,
			     uint32_t m)
{
	if (t->role != EDGELB_TABLES_WRITER)
		return -EPERM;
	if ((uint64_t)base + m > t->v.ring_slots)
		return -ERANGE;
	/* nobody reads these slots (the caller's promise): plain stores */
	memcpy(&t->v.rings[base], ring, (size_t)m * sizeof(*ring));
	bump_generation(t);
	return 0;
}

