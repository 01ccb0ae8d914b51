// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "host_dp.h"
#include "lbenv.h"
#include "pktbuild.h"
#include "xdp.h"

struct lbenv {
	enum lbenv_kind kind;
	struct edgelb_xdp *xdp;
	struct host_dp *host;
	const struct lbenv_target *ext; /* a plugged-in target, on its state */
	void *ext_state;
};

static const struct lbenv_target *plugged[LBENV_KINDS];

void lbenv_plug(enum lbenv_kind kind, const struct lbenv_target *t)
{
	plugged[kind] = t;
}

int lbenv_has(enum lbenv_kind kind)
{
	return kind == LBENV_BPF || kind == LBENV_HOST || plugged[kind];
}

struct lbenv *lbenv_new(enum lbenv_kind kind)
{
	return lbenv_new_sized(kind, 65536);
}

struct lbenv *lbenv_new_sized(enum lbenv_kind kind, uint32_t flows_per_cpu)
{
	struct lbenv *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return NULL;
	e->kind = kind;
	if (kind != LBENV_BPF && kind != LBENV_HOST) {
		e->ext = plugged[kind];
		if (!e->ext)
			fprintf(stderr, "lbenv: target %d is not linked into this program\n", kind);
		else if ((e->ext_state = e->ext->open()))
			return e;
	} else if (kind == LBENV_HOST) {
		e->host = host_dp_new();
		if (e->host)
			return e;
		fprintf(stderr, "lbenv: out of memory\n");
	} else {
		struct edgelb_xdp_opts o = { .flow_table_size = flows_per_cpu };

		err = edgelb_xdp_open(&o, &e->xdp);
		if (!err)
			return e;
		fprintf(stderr, "lbenv: loading the XDP program failed: %s\n", strerror(-err));
	}
	free(e);
	return NULL;
}

void lbenv_free(struct lbenv *e)
{
	if (!e)
		return;
	if (e->ext)
		e->ext->close(e->ext_state);
	edgelb_xdp_close(e->xdp);
	host_dp_free(e->host);
	free(e);
}

struct host_dp *lbenv_host(struct lbenv *e)
{
	return e->host;
}

int lbenv_prog_fd(const struct lbenv *e)
{
	return e->xdp ? edgelb_xdp_prog_fd(e->xdp) : -1;
}

const char *lbenv_name(const struct lbenv *e)
{
	if (e->ext)
		return e->ext->name;
	return e->kind == LBENV_BPF ? "bpf" : "host";
}

int lbenv_node_config(struct lbenv *e, const struct edgelb_node_config *cfg)
{
	if (e->ext)
		return e->ext->node_config(e->ext_state, cfg);
	if (e->host) {
		host_dp_set_node_config(e->host, cfg);
		return 0;
	}
	return edgelb_xdp_set_node_config(e->xdp, cfg);
}

int lbenv_vip(struct lbenv *e, const struct edgelb_vip_key *key, const struct edgelb_vip_meta *meta)
{
	if (e->ext)
		return e->ext->vip(e->ext_state, key, meta);
	return e->host ? host_dp_set_vip(e->host, key, meta) : edgelb_xdp_set_vip(e->xdp, key, meta);
}

int lbenv_backend(struct lbenv *e, uint32_t id, const struct edgelb_backend *be)
{
	if (e->ext)
		return e->ext->backend(e->ext_state, id, be);
	return e->host ? host_dp_set_backend(e->host, id, be) : edgelb_xdp_set_backend(e->xdp, id, be);
}

int lbenv_ring(struct lbenv *e, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	if (e->ext)
		return e->ext->ring(e->ext_state, vip_id, ring, m);
	return e->host ? host_dp_set_ring(e->host, vip_id, ring, m)
		       : edgelb_xdp_set_ring(e->xdp, vip_id, ring, m);
}

int lbenv_run(struct lbenv *e, const void *in, size_t len, void *out, size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	int err;

	if (e->ext)
		return e->ext->run(e->ext_state, in, len, out, out_len);
	if (e->host)
		return host_dp_run(e->host, in, len, out, out_len);
	o.data_in = in;
	o.data_size_in = (uint32_t)len;
	o.data_out = out;
	o.data_size_out = PKT_MAX;
	o.repeat = 1;
	err = bpf_prog_test_run_opts(edgelb_xdp_prog_fd(e->xdp), &o);
	if (err)
		return -errno;
	*out_len = o.data_size_out;
	return (int)o.retval;
}

int lbenv_flow(struct lbenv *e, const struct edgelb_flow_key *k, struct edgelb_flow_state *st)
{
	if (e->ext)
		return e->ext->flow(e->ext_state, k, st);
	if (e->host)
		return host_dp_flow(e->host, k, st);
	return bpf_map_lookup_elem(edgelb_xdp_flows_fd(e->xdp), k, st) ? -errno : 0;
}

uint64_t lbenv_counter(struct lbenv *e, enum edgelb_counter c)
{
	uint64_t v = 0;

	if (e->ext)
		return e->ext->counter(e->ext_state, c);
	if (e->host)
		return host_dp_counter(e->host, c);
	if (edgelb_xdp_counter(e->xdp, c, &v))
		return UINT64_MAX;
	return v;
}

void lbenv_vip_counters(struct lbenv *e, uint32_t vip_id, struct edgelb_counters *c)
{
	if (e->ext)
		e->ext->vip_counters(e->ext_state, vip_id, c);
	else if (e->host)
		host_dp_vip_counters(e->host, vip_id, c);
	else if (edgelb_xdp_vip_counters(e->xdp, vip_id, c))
		memset(c, 0xff, sizeof(*c));
}

void lbenv_backend_counters(struct lbenv *e, uint32_t id, struct edgelb_counters *c)
{
	if (e->ext)
		e->ext->backend_counters(e->ext_state, id, c);
	else if (e->host)
		host_dp_backend_counters(e->host, id, c);
	else if (edgelb_xdp_backend_counters(e->xdp, id, c))
		memset(c, 0xff, sizeof(*c));
}

int lbenv_bpf_available(char *why, size_t len)
{
	if (geteuid() != 0) {
		snprintf(why, len, "BPF tests need root (BPF_PROG_TEST_RUN)");
		return 0;
	}
	return 1;
}
