// SPDX-License-Identifier: GPL-2.0-only
/*
 * Health checks through the tunnel, kept in line with what the checks
 * need: see tunnel_glue.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "health.h"
#include "lb.h"
#include "log.h"
#include "tunnel.h"
#include "tunnel_glue.h"

/* A VIP checks are sent to through the tunnel, and how many backends use it. */
struct tunnel_vip {
	struct edgelb_hc_vip vip;
	unsigned int users;
};

struct hc_tunnel_glue {
	int ifindex;
	char *ifname;
	char *pin_dir;
	struct lb *lb;
	struct edgelb_hc_tunnel *tunnel; /* opened on the first tunnelled check */
	struct tunnel_vip *tvips;
	size_t n_tvips;
	/* per backend id: the VIP its tunnelled check goes to (index + 1, 0 = none) */
	uint16_t tvip_of[EDGELB_MAX_BACKENDS];
};

int hc_tunnel_glue_new(const struct hc_tunnel_glue_opts *o, struct hc_tunnel_glue **out)
{
	struct hc_tunnel_glue *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->ifindex = o->ifindex;
	g->ifname = strdup(o->ifname);
	g->pin_dir = strdup(o->pin_dir);
	g->lb = o->lb;
	if (!g->ifname || !g->pin_dir) {
		hc_tunnel_glue_free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
}

void hc_tunnel_glue_free(struct hc_tunnel_glue *g)
{
	if (!g)
		return;
	edgelb_hc_tunnel_close(g->tunnel);
	free(g->tvips);
	free(g->ifname);
	free(g->pin_dir);
	free(g);
}

static int tunnel_open(struct hc_tunnel_glue *g)
{
	struct edgelb_hc_tunnel_opts o = { .ifindex = g->ifindex };
	const struct edgelb_node_config *n = &g->lb->node;
	char pin[4096];
	int err;

	if (g->tunnel)
		return 0;
	snprintf(pin, sizeof(pin), "%s/hc", g->pin_dir);
	o.pin_dir = pin;
	o.src_v4 = n->src_v4;
	o.has_src_v4 = n->src_v4.v4 != 0;
	o.src_v6 = n->src_v6;
	o.has_src_v6 = !!(n->src_v6.v6[0] | n->src_v6.v6[1] | n->src_v6.v6[2] | n->src_v6.v6[3]);
	err = edgelb_hc_tunnel_open(&o, &g->tunnel);
	if (err)
		pr_err("health", "checks through the tunnel: cannot set up the tc program and "
				 "routing on %s: %s", g->ifname, strerror(-err));
	return err;
}

static void tunnel_sync_vips(struct hc_tunnel_glue *g)
{
	struct edgelb_hc_vip vips[EDGELB_MAX_VIPS];
	size_t n = 0;
	int err;

	for (size_t i = 0; i < g->n_tvips && n < EDGELB_MAX_VIPS; i++)
		if (g->tvips[i].users)
			vips[n++] = g->tvips[i].vip;
	err = edgelb_hc_tunnel_set_vips(g->tunnel, vips, n);
	if (err)
		pr_err("health", "checks through the tunnel: routes to the VIPs: %s", strerror(-err));
}

/* Index + 1 of the VIP in g->tvips, added if new; 0 when out of memory. */
static uint16_t tunnel_vip_ref(struct hc_tunnel_glue *g, const struct edgelb_health_tunnel *t)
{
	struct tunnel_vip *grown;

	for (size_t i = 0; i < g->n_tvips; i++)
		if (g->tvips[i].vip.family == t->vip_family &&
		    !memcmp(&g->tvips[i].vip.addr, &t->vip, sizeof(t->vip))) {
			if (!g->tvips[i].users++)
				tunnel_sync_vips(g);
			return (uint16_t)(i + 1);
		}
	if (g->n_tvips >= EDGELB_MAX_VIPS)
		return 0;
	grown = realloc(g->tvips, (g->n_tvips + 1) * sizeof(*grown));
	if (!grown)
		return 0;
	g->tvips = grown;
	grown[g->n_tvips] = (struct tunnel_vip){ .vip = { .addr = t->vip, .family = t->vip_family },
						 .users = 1 };
	g->n_tvips++;
	tunnel_sync_vips(g);
	return (uint16_t)g->n_tvips;
}

static void tunnel_vip_unref(struct hc_tunnel_glue *g, uint32_t backend_id)
{
	uint16_t ref = g->tvip_of[backend_id];

	g->tvip_of[backend_id] = 0;
	if (ref && ref <= g->n_tvips && !--g->tvips[ref - 1].users)
		tunnel_sync_vips(g);
}

void hc_tunnel_glue_needed(void *arg, uint32_t backend_id, const struct edgelb_health_tunnel *t,
			   bool needed)
{
	struct hc_tunnel_glue *g = arg;
	struct edgelb_hc_target target;
	const struct lb_backend *b;
	int err;

	if (backend_id >= EDGELB_MAX_BACKENDS || backend_id >= EDGELB_HC_MAX_TARGETS)
		return;
	if (!needed) {
		if (g->tunnel) {
			edgelb_hc_tunnel_del(g->tunnel, backend_id);
			tunnel_vip_unref(g, backend_id);
		}
		return;
	}
	if (tunnel_open(g))
		return;
	memset(&target, 0, sizeof(target));
	target.backend = t->backend_addr;
	target.family = t->backend_family;
	target.src = t->backend_family == EDGELB_AF_INET6 ? g->lb->node.src_v6 : g->lb->node.src_v4;
	target.encap = t->encap;
	target.gue_dport = htons(t->gue_port);
	/* the next hop the data plane uses: a stale one then fails the check too */
	b = lb_find_backend(g->lb, t->service, t->backend);
	if (b)
		memcpy(target.mac, b->mac, 6);
	err = edgelb_hc_tunnel_set(g->tunnel, backend_id, &target);
	if (err) {
		pr_err("health", "%s/%s: check through the tunnel not set up: %s", t->service,
		       t->backend, strerror(-err));
		return;
	}
	tunnel_vip_unref(g, backend_id);
	g->tvip_of[backend_id] = tunnel_vip_ref(g, t);
}
