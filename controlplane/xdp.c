// SPDX-License-Identifier: GPL-2.0-only
/*
 * XDP data plane tables: see xdp.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "edgelb.skel.h"
#include "xdp.h"

struct xdp_ring {
	int fd[2];	  /* the two halves; -1 until created */
	uint32_t size[2]; /* max_entries of each half */
	int live;	  /* which half the outer map points at, -1 = none */
};

struct edgelb_xdp {
	struct edgelb_bpf *skel;
	int ncpus;
	struct xdp_ring rings[EDGELB_MAX_VIPS];
};

int edgelb_xdp_open(const struct edgelb_xdp_opts *opts, struct edgelb_xdp **out)
{
	uint32_t per_cpu = opts && opts->flow_table_size ? opts->flow_table_size
							 : EDGELB_FLOW_TABLE_SIZE;
	struct edgelb_xdp *x;
	int err;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (int i = 0; i < EDGELB_MAX_VIPS; i++) {
		x->rings[i].fd[0] = x->rings[i].fd[1] = -1;
		x->rings[i].live = -1;
	}
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		err = x->ncpus ? x->ncpus : -EINVAL;
		goto fail;
	}
	x->skel = edgelb_bpf__open();
	if (!x->skel) {
		err = -errno;
		goto fail;
	}
	/* per-CPU LRU lists share one table: size it for all CPUs */
	err = bpf_map__set_max_entries(x->skel->maps.flows, per_cpu * (uint32_t)x->ncpus);
	if (err)
		goto fail;
	err = edgelb_bpf__load(x->skel);
	if (err)
		goto fail;
	*out = x;
	return 0;
fail:
	edgelb_xdp_close(x);
	return err;
}

void edgelb_xdp_close(struct edgelb_xdp *x)
{
	if (!x)
		return;
	for (int i = 0; i < EDGELB_MAX_VIPS; i++)
		for (int h = 0; h < 2; h++)
			if (x->rings[i].fd[h] >= 0)
				close(x->rings[i].fd[h]);
	edgelb_bpf__destroy(x->skel);
	free(x);
}

int edgelb_xdp_prog_fd(const struct edgelb_xdp *x)
{
	return bpf_program__fd(x->skel->progs.edgelb_xdp);
}

int edgelb_xdp_flows_fd(const struct edgelb_xdp *x)
{
	return bpf_map__fd(x->skel->maps.flows);
}

static int update(const struct bpf_map *map, const void *key, const void *value)
{
	return bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY) ? -errno : 0;
}

int edgelb_xdp_set_node_config(struct edgelb_xdp *x, const struct edgelb_node_config *cfg)
{
	uint32_t zero = 0;

	return update(x->skel->maps.node_config, &zero, cfg);
}

int edgelb_xdp_set_vip(struct edgelb_xdp *x, const struct edgelb_vip_key *key,
		       const struct edgelb_vip_meta *meta)
{
	if (meta->vip_id >= EDGELB_MAX_VIPS)
		return -ERANGE;
	return update(x->skel->maps.vips, key, meta);
}

int edgelb_xdp_del_vip(struct edgelb_xdp *x, const struct edgelb_vip_key *key)
{
	return bpf_map_delete_elem(bpf_map__fd(x->skel->maps.vips), key) ? -errno : 0;
}

int edgelb_xdp_set_backend(struct edgelb_xdp *x, uint32_t id, const struct edgelb_backend *be)
{
	if (id >= EDGELB_MAX_BACKENDS)
		return -ERANGE;
	return update(x->skel->maps.backends, &id, be);
}

static int ring_half_create(uint32_t m)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_INNER_MAP);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "edgelb_ring", sizeof(uint32_t),
				sizeof(uint32_t), m, &o);

	return fd < 0 ? -errno : fd;
}

/* Write the whole ring with one batched update. */
static int ring_half_fill(int fd, const uint32_t *ring, uint32_t m)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t *keys = malloc(sizeof(*keys) * m), count = m;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (uint32_t i = 0; i < m; i++)
		keys[i] = i;
	if (bpf_map_update_batch(fd, keys, ring, &count, &o))
		err = -errno;
	free(keys);
	return err;
}

int edgelb_xdp_set_ring(struct edgelb_xdp *x, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	struct xdp_ring *r;
	int spare, err;

	if (vip_id >= EDGELB_MAX_VIPS || !m)
		return -ERANGE;
	r = &x->rings[vip_id];
	spare = r->live == 0 ? 1 : 0;
	if (r->fd[spare] >= 0 && r->size[spare] != m) {
		close(r->fd[spare]);
		r->fd[spare] = -1;
	}
	if (r->fd[spare] < 0) {
		int fd = ring_half_create(m);

		if (fd < 0)
			return fd;
		r->fd[spare] = fd;
		r->size[spare] = m;
	}
	err = ring_half_fill(r->fd[spare], ring, m);
	if (err)
		return err;
	err = update(x->skel->maps.rings, &vip_id, &r->fd[spare]);
	if (err)
		return err;
	r->live = spare;
	return 0;
}

static int percpu_sum(const struct bpf_map *map, uint32_t key, int ncpus, size_t words,
		      uint64_t *sum)
{
	uint64_t *values = calloc((size_t)ncpus * words, sizeof(uint64_t));
	int err = 0;

	if (!values)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, values)) {
		err = -errno;
		goto out;
	}
	memset(sum, 0, words * sizeof(uint64_t));
	for (int c = 0; c < ncpus; c++)
		for (size_t w = 0; w < words; w++)
			sum[w] += values[(size_t)c * words + w];
out:
	free(values);
	return err;
}

int edgelb_xdp_counter(const struct edgelb_xdp *x, enum edgelb_counter c, uint64_t *value)
{
	return percpu_sum(x->skel->maps.counters, (uint32_t)c, x->ncpus, 1, value);
}

int edgelb_xdp_vip_counters(const struct edgelb_xdp *x, uint32_t vip_id,
			    struct edgelb_counters *sum)
{
	return percpu_sum(x->skel->maps.vip_counters, vip_id, x->ncpus, 3, (uint64_t *)sum);
}

int edgelb_xdp_backend_counters(const struct edgelb_xdp *x, uint32_t id,
				struct edgelb_counters *sum)
{
	return percpu_sum(x->skel->maps.backend_counters, id, x->ncpus, 3, (uint64_t *)sum);
}
