// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb.conf's "vrrp" list (config_priv.h): each VRRP instance (VIPs,
 * advertisement interval, authentication, unicast peers, GARP, tracking,
 * notify programs, sync group), the checks between instances, and the
 * service VIPs that no instance owns.
 */
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

/* Built-in defaults, documented in edgelb.conf(5). */
#define EDGELB_CONFIG_PRIORITY_DEFAULT 100
#define EDGELB_CONFIG_GARP_COUNT_DEFAULT 5

static const char *const edgelb_config_vrrp_keys[] = {
	"name", "vrid", "interface", "version", "priority", "advert_int", "preempt",
	"preempt_delay", "accept", "auth_pass", "unicast_src", "unicast_peers", "vips",
	"use_vmac", "garp", "track", "notify", "sync_group", NULL,
};

static const char *const edgelb_config_garp_keys[] = { "count", "interval", "refresh", NULL };
static const char *const edgelb_config_track_keys[] = { "interfaces", "services", "scripts", NULL };
static const char *const edgelb_config_track_if_keys[] = { "name", "weight", NULL };
static const char *const edgelb_config_track_svc_keys[] = { "name", "min_healthy", "weight", NULL };
static const char *const edgelb_config_track_script_keys[] = {
	"name", "command", "interval", "timeout", "weight", NULL,
};
static const char *const edgelb_config_notify_keys[] = {
	"master", "backup", "fault", "stop", NULL,
};

/* VRRP carries one family per instance (RFC 5798 5.2.9), so every VIP shares the first's. */
static void edgelb_config_parse_vips(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *vnode,
				     struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node seq, el;
	char a[INET6_ADDRSTRLEN];
	size_t n;

	if (edgelb_config_string_seq(ctx, vnode, "vips", true, 1, EDGELB_CONFIG_VRRP_VIPS_MAX, &seq,
				     &n) <= 0)
		return;
	v->vips = calloc(n, sizeof(*v->vips));
	if (!v->vips) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct edgelb_config_addr addr;
		const char *s;
		bool dup = false;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s) ||
		    !edgelb_config_node_addr(ctx, &el, s, EDGELB_CONFIG_ADDR_PREFIX, &addr))
			continue;
		if (!v->family)
			v->family = addr.family;
		if (addr.family != v->family) {
			edgelb_config_error(ctx, &el,
					    "%s address in an instance of %s VIPs: VRRP carries "
					    "one address family per instance, use a second "
					    "instance",
					    edgelb_config_family_name(addr.family),
					    edgelb_config_family_name(v->family));
			continue;
		}
		for (size_t j = 0; j < v->n_vips && !dup; j++)
			dup = edgelb_config_addr_equal(&v->vips[j], &addr);
		if (dup) {
			edgelb_config_error(ctx, &el, "%s is listed twice",
					    edgelb_config_addr_str(&addr, a, sizeof(a)));
			continue;
		}
		v->vips[v->n_vips++] = addr;
	}
}

/* RFC 5798 advertises centiseconds in 12 bits; RFC 3768 whole seconds in 8. */
static void edgelb_config_parse_advert_int(struct edgelb_config_ctx *ctx,
					   const struct edgelb_config_node *vnode,
					   struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node n;
	double s, cs;
	long long whole;

	v->advert_int_cs = 100;
	if (v->version == 2) {
		if (edgelb_config_number(ctx, vnode, "advert_int", false, 1, 255, &s) <= 0)
			return;
		whole = (long long)s;
		if ((double)whole != s) {
			edgelb_config_node_key(vnode, "advert_int", &n);
			edgelb_config_error(ctx, &n, "%g: VRRPv2 advertises whole seconds", s);
			return;
		}
		v->advert_int_cs = (uint16_t)(whole * 100);
		return;
	}
	if (edgelb_config_number(ctx, vnode, "advert_int", false, 0.01, 40.95, &s) <= 0)
		return;
	cs = s * 100.0;
	whole = (long long)(cs + 0.5);
	if (cs - (double)whole > 1e-6 || (double)whole - cs > 1e-6) {
		edgelb_config_node_key(vnode, "advert_int", &n);
		edgelb_config_error(ctx, &n, "%g is not a multiple of 0.01 s", s);
		return;
	}
	v->advert_int_cs = (uint16_t)whole;
}

static void edgelb_config_parse_auth(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *vnode,
				     struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node n;
	const char *s;

	if (edgelb_config_string(ctx, vnode, "auth_pass", false, &s, &n) <= 0)
		return;
	if (v->version != 2) {
		edgelb_config_error(ctx, &n,
				    "VRRPv3 has no authentication (RFC 5798); remove auth_pass "
				    "or set version = 2");
		return;
	}
	if (!s[0] || strlen(s) > 8 || !edgelb_config_printable(s)) {
		edgelb_config_error(ctx, &n, "must be 1..8 printable characters");
		return;
	}
	edgelb_config_set_str(ctx, &v->auth_pass, s);
}

static bool edgelb_config_family_matches(struct edgelb_config_ctx *ctx,
					 const struct edgelb_config_node *n,
					 const struct edgelb_config_vrrp *v,
					 const struct edgelb_config_addr *a)
{
	if (!v->family || a->family == v->family)
		return true;
	edgelb_config_error(ctx, n, "%s address for an instance of %s VIPs",
			    edgelb_config_family_name(a->family),
			    edgelb_config_family_name(v->family));
	return false;
}

static void edgelb_config_parse_unicast(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *vnode,
					struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node seq, el, n;
	char a[INET6_ADDRSTRLEN];
	size_t count;

	if (edgelb_config_addr(ctx, vnode, "unicast_src", false, 0, &v->unicast_src) > 0) {
		edgelb_config_node_key(vnode, "unicast_src", &n);
		if (!edgelb_config_family_matches(ctx, &n, v, &v->unicast_src))
			memset(&v->unicast_src, 0, sizeof(v->unicast_src));
	}
	if (edgelb_config_string_seq(ctx, vnode, "unicast_peers", false, 0,
				     EDGELB_CONFIG_VRRP_PEERS_MAX, &seq, &count) <= 0)
		goto no_peers;
	v->unicast_peers = calloc(count ? count : 1, sizeof(*v->unicast_peers));
	if (!v->unicast_peers) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < count; i++) {
		struct edgelb_config_addr addr;
		const char *s;
		bool dup = false;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s) ||
		    !edgelb_config_node_addr(ctx, &el, s, 0, &addr) ||
		    !edgelb_config_family_matches(ctx, &el, v, &addr))
			continue;
		for (size_t j = 0; j < v->n_unicast_peers && !dup; j++)
			dup = edgelb_config_addr_equal(&v->unicast_peers[j], &addr);
		if (dup || edgelb_config_addr_equal(&v->unicast_src, &addr)) {
			edgelb_config_error(ctx, &el, "%s is %s",
					    edgelb_config_addr_str(&addr, a, sizeof(a)),
					    dup ? "listed twice" : "unicast_src itself");
			continue;
		}
		v->unicast_peers[v->n_unicast_peers++] = addr;
	}
no_peers:
	if (v->unicast_src.family && !v->n_unicast_peers) {
		edgelb_config_node_key(vnode, "unicast_src", &n);
		edgelb_config_warning(ctx, &n, "has no effect without unicast_peers");
	}
}

static void edgelb_config_parse_garp(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *vnode,
				     struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node garp;

	v->garp_count = EDGELB_CONFIG_GARP_COUNT_DEFAULT;
	if (edgelb_config_group(ctx, vnode, "garp", false, &garp) <= 0)
		return;
	edgelb_config_check_keys(ctx, &garp, edgelb_config_garp_keys);
	edgelb_config_u32(ctx, &garp, "count", false, 1, 100, &v->garp_count);
	edgelb_config_duration(ctx, &garp, "interval", 0, 10, &v->garp_interval_ms);
	edgelb_config_duration(ctx, &garp, "refresh", 0, 86400, &v->garp_refresh_ms);
}

static void edgelb_config_parse_track_interfaces(struct edgelb_config_ctx *ctx,
						 const struct edgelb_config_node *track,
						 struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node list, el, n;
	size_t count;

	if (edgelb_config_group_list(ctx, track, "interfaces", EDGELB_CONFIG_TRACK_MAX, &list,
				     &count) <= 0 || !count)
		return;
	v->track_interfaces = calloc(count, sizeof(*v->track_interfaces));
	if (!v->track_interfaces) {
		ctx->nomem = true;
		return;
	}
	v->n_track_interfaces = count;
	for (size_t i = 0; i < count; i++) {
		struct edgelb_config_track_interface *t = &v->track_interfaces[i];

		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_check_keys(ctx, &el, edgelb_config_track_if_keys);
		edgelb_config_ifname(ctx, &el, "name", true, &t->name);
		edgelb_config_weight(ctx, &el, &t->weight);
		for (size_t j = 0; j < i && t->name; j++) {
			const char *other = v->track_interfaces[j].name;

			if (!other || strcmp(other, t->name))
				continue;
			edgelb_config_node_key(&el, "name", &n);
			edgelb_config_error(ctx, &n, "interface \"%s\" is tracked twice", t->name);
			break;
		}
	}
}

static void edgelb_config_service_not_found(struct edgelb_config_ctx *ctx,
					    const struct edgelb_config_node *n,
					    const struct edgelb_config *cfg, const char *name)
{
	const char **names = calloc(cfg->n_services + 1, sizeof(*names));
	const char *hint = NULL;

	if (names) {
		for (size_t i = 0; i < cfg->n_services; i++)
			names[i] = cfg->services[i].name;
		hint = edgelb_config_closest(name, names, cfg->n_services);
		free(names);
	}
	if (hint)
		edgelb_config_error(ctx, n, "no service is named \"%s\"; did you mean \"%s\"?",
				    name, hint);
	else
		edgelb_config_error(ctx, n, "no service is named \"%s\"", name);
}

static void edgelb_config_parse_track_service(struct edgelb_config_ctx *ctx,
					      const struct edgelb_config_node *el,
					      const struct edgelb_config *cfg,
					      struct edgelb_config_track_service *t)
{
	struct edgelb_config_node n;
	const struct edgelb_config_service *svc = NULL;
	bool min_set;

	edgelb_config_check_keys(ctx, el, edgelb_config_track_svc_keys);
	t->min_healthy = 1;
	min_set = edgelb_config_u32(ctx, el, "min_healthy", false, 1,
				    EDGELB_CONFIG_SERVICE_BACKENDS_MAX, &t->min_healthy) > 0;
	edgelb_config_weight(ctx, el, &t->weight);
	if (edgelb_config_name(ctx, el, "name", true, EDGELB_CONFIG_NAME_MAX, &t->name) <= 0)
		return;
	for (size_t i = 0; i < cfg->n_services && !svc; i++) {
		if (cfg->services[i].name && !strcmp(cfg->services[i].name, t->name)) {
			svc = &cfg->services[i];
			t->service = i;
		}
	}
	edgelb_config_node_key(el, "name", &n);
	if (!svc) {
		edgelb_config_service_not_found(ctx, &n, cfg, t->name);
		return;
	}
	/* a threshold no backend set can reach would keep the instance failed */
	if (t->min_healthy > svc->n_backends) {
		if (min_set)
			edgelb_config_node_key(el, "min_healthy", &n);
		edgelb_config_error(ctx, &n,
				    "min_healthy is %u but service \"%s\" has %zu backends",
				    t->min_healthy, svc->name, svc->n_backends);
	}
}

static void edgelb_config_parse_track_services(struct edgelb_config_ctx *ctx,
					       const struct edgelb_config_node *track,
					       const struct edgelb_config *cfg,
					       struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node list, el, n;
	size_t count;

	if (edgelb_config_group_list(ctx, track, "services", EDGELB_CONFIG_TRACK_MAX, &list,
				     &count) <= 0 || !count)
		return;
	v->track_services = calloc(count, sizeof(*v->track_services));
	if (!v->track_services) {
		ctx->nomem = true;
		return;
	}
	v->n_track_services = count;
	for (size_t i = 0; i < count; i++) {
		struct edgelb_config_track_service *t = &v->track_services[i];

		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_track_service(ctx, &el, cfg, t);
		for (size_t j = 0; j < i && t->name; j++) {
			const char *other = v->track_services[j].name;

			if (!other || strcmp(other, t->name))
				continue;
			edgelb_config_node_key(&el, "name", &n);
			edgelb_config_error(ctx, &n, "service \"%s\" is tracked twice", t->name);
			break;
		}
	}
}

static void edgelb_config_parse_track_script(struct edgelb_config_ctx *ctx,
					     const struct edgelb_config_node *el,
					     struct edgelb_config_track_script *t)
{
	struct edgelb_config_node n;
	int r_interval, r_timeout;

	edgelb_config_check_keys(ctx, el, edgelb_config_track_script_keys);
	edgelb_config_name(ctx, el, "name", true, EDGELB_CONFIG_NAME_MAX, &t->name);
	edgelb_config_command(ctx, el, true, &t->argv, &t->argc);
	t->interval_ms = 2000;
	t->timeout_ms = 1000;
	r_interval = edgelb_config_duration(ctx, el, "interval", 0.1, 3600, &t->interval_ms);
	r_timeout = edgelb_config_duration(ctx, el, "timeout", 0.01, 3600, &t->timeout_ms);
	edgelb_config_weight(ctx, el, &t->weight);
	if (r_interval < 0 || r_timeout < 0 || t->timeout_ms < t->interval_ms)
		return;
	edgelb_config_node_key(el, r_timeout > 0 ? "timeout" : "interval", &n);
	edgelb_config_error(ctx, &n,
			    "timeout (%u.%03u s) must be shorter than interval (%u.%03u s)",
			    t->timeout_ms / 1000, t->timeout_ms % 1000, t->interval_ms / 1000,
			    t->interval_ms % 1000);
}

static void edgelb_config_parse_track_scripts(struct edgelb_config_ctx *ctx,
					      const struct edgelb_config_node *track,
					      struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node list, el, n;
	size_t count;

	if (edgelb_config_group_list(ctx, track, "scripts", EDGELB_CONFIG_TRACK_MAX, &list,
				     &count) <= 0 || !count)
		return;
	v->track_scripts = calloc(count, sizeof(*v->track_scripts));
	if (!v->track_scripts) {
		ctx->nomem = true;
		return;
	}
	v->n_track_scripts = count;
	for (size_t i = 0; i < count; i++) {
		struct edgelb_config_track_script *t = &v->track_scripts[i];

		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_track_script(ctx, &el, t);
		for (size_t j = 0; j < i && t->name; j++) {
			if (!v->track_scripts[j].name || strcmp(v->track_scripts[j].name, t->name))
				continue;
			edgelb_config_node_key(&el, "name", &n);
			edgelb_config_error(ctx, &n, "duplicate script name \"%s\"", t->name);
			break;
		}
	}
}

static void edgelb_config_parse_track(struct edgelb_config_ctx *ctx,
				      const struct edgelb_config_node *vnode,
				      const struct edgelb_config *cfg,
				      struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node track;

	if (edgelb_config_group(ctx, vnode, "track", false, &track) <= 0)
		return;
	edgelb_config_check_keys(ctx, &track, edgelb_config_track_keys);
	edgelb_config_parse_track_interfaces(ctx, &track, v);
	edgelb_config_parse_track_services(ctx, &track, cfg, v);
	edgelb_config_parse_track_scripts(ctx, &track, v);
}

static void edgelb_config_parse_notify(struct edgelb_config_ctx *ctx,
				       const struct edgelb_config_node *vnode,
				       struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node notify;

	if (edgelb_config_group(ctx, vnode, "notify", false, &notify) <= 0)
		return;
	edgelb_config_check_keys(ctx, &notify, edgelb_config_notify_keys);
	edgelb_config_abs_path(ctx, &notify, "master", PATH_MAX - 1, &v->notify_master);
	edgelb_config_abs_path(ctx, &notify, "backup", PATH_MAX - 1, &v->notify_backup);
	edgelb_config_abs_path(ctx, &notify, "fault", PATH_MAX - 1, &v->notify_fault);
	edgelb_config_abs_path(ctx, &notify, "stop", PATH_MAX - 1, &v->notify_stop);
}

static void edgelb_config_parse_preempt(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *vnode,
					struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node n;
	int ret;

	v->preempt = true;
	edgelb_config_bool(ctx, vnode, "preempt", &v->preempt);
	ret = edgelb_config_duration(ctx, vnode, "preempt_delay", 0, 1000, &v->preempt_delay_ms);
	if (ret <= 0 || v->preempt || !v->preempt_delay_ms)
		return;
	edgelb_config_node_key(vnode, "preempt_delay", &n);
	edgelb_config_warning(ctx, &n, "has no effect with preempt = false");
}

static void edgelb_config_parse_vrrp(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *vnode,
				     const struct edgelb_config *cfg,
				     struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node n;

	edgelb_config_check_keys(ctx, vnode, edgelb_config_vrrp_keys);
	edgelb_config_name(ctx, vnode, "name", true, EDGELB_CONFIG_NAME_MAX, &v->name);
	edgelb_config_u8(ctx, vnode, "vrid", true, 1, 255, &v->vrid);
	edgelb_config_ifname(ctx, vnode, "interface", true, &v->interface);
	edgelb_config_parse_vips(ctx, vnode, v);
	v->version = 3;
	if (edgelb_config_u8(ctx, vnode, "version", false, 2, 3, &v->version) < 0)
		v->version = 0; /* unknown: skip the checks that depend on it */
	if (v->version == 2 && v->family == EDGELB_AF_INET6) {
		edgelb_config_node_key(vnode, "version", &n);
		edgelb_config_error(ctx, &n, "VRRPv2 carries only IPv4; use version = 3 for IPv6");
	}
	v->priority = EDGELB_CONFIG_PRIORITY_DEFAULT;
	edgelb_config_u8(ctx, vnode, "priority", false, 1, 255, &v->priority);
	if (v->version)
		edgelb_config_parse_advert_int(ctx, vnode, v);
	edgelb_config_parse_preempt(ctx, vnode, v);
	edgelb_config_bool(ctx, vnode, "accept", &v->accept);
	if (v->version)
		edgelb_config_parse_auth(ctx, vnode, v);
	edgelb_config_parse_unicast(ctx, vnode, v);
	edgelb_config_bool(ctx, vnode, "use_vmac", &v->use_vmac);
	edgelb_config_parse_garp(ctx, vnode, v);
	edgelb_config_parse_track(ctx, vnode, cfg, v);
	edgelb_config_parse_notify(ctx, vnode, v);
	edgelb_config_name(ctx, vnode, "sync_group", false, EDGELB_CONFIG_NAME_MAX, &v->sync_group);
}

/*
 * Instance j against 0..j-1: names; VRIDs, which must differ per interface
 * and family (IPv4 and IPv6 VRRP use separate groups and virtual MACs);
 * VIPs, which only one instance may own.
 */
static void edgelb_config_check_vrrp_dups(struct edgelb_config_ctx *ctx,
					  const struct edgelb_config_node *list,
					  const struct edgelb_config_vrrp *vs, size_t j)
{
	const struct edgelb_config_vrrp *v = &vs[j];
	struct edgelb_config_node el, n, seq;
	char a[INET6_ADDRSTRLEN];

	edgelb_config_node_elem(list, j, &el);
	for (size_t i = 0; i < j && v->name; i++) {
		if (!vs[i].name || strcmp(vs[i].name, v->name))
			continue;
		edgelb_config_node_key(&el, "name", &n);
		edgelb_config_error(ctx, &n,
				    "duplicate vrrp instance name \"%s\" (first at line %u)",
				    v->name, edgelb_config_elem_line(list, i, "name"));
		break;
	}
	for (size_t i = 0; i < j && v->vrid && v->interface && v->family; i++) {
		const struct edgelb_config_vrrp *o = &vs[i];

		if (o->vrid != v->vrid || o->family != v->family || !o->interface ||
		    strcmp(o->interface, v->interface))
			continue;
		edgelb_config_node_key(&el, "vrid", &n);
		edgelb_config_error(ctx, &n,
				    "VRID %u on %s (%s) is already used by \"%s\" (line %u)",
				    v->vrid, v->interface, edgelb_config_family_name(v->family),
				    o->name ? o->name : "?",
				    edgelb_config_elem_line(list, i, "vrid"));
		break;
	}
	edgelb_config_node_key(&el, "vips", &seq);
	for (size_t k = 0; k < v->n_vips; k++) {
		for (size_t i = 0; i < j; i++) {
			bool dup = false;

			for (size_t m = 0; m < vs[i].n_vips && !dup; m++)
				dup = edgelb_config_addr_equal(&vs[i].vips[m], &v->vips[k]);
			if (!dup)
				continue;
			edgelb_config_error(ctx, &seq, "%s is already a VIP of \"%s\" (line %u)",
					    edgelb_config_addr_str(&v->vips[k], a, sizeof(a)),
					    vs[i].name ? vs[i].name : "?",
					    edgelb_config_elem_line(list, i, "vips"));
			break;
		}
	}
}

/* A sync group exists to move several instances together; one alone is a typo. */
static void edgelb_config_check_sync_groups(struct edgelb_config_ctx *ctx,
					    const struct edgelb_config_node *list,
					    const struct edgelb_config *cfg)
{
	for (size_t j = 0; j < cfg->n_vrrp; j++) {
		const char *g = cfg->vrrp[j].sync_group;
		struct edgelb_config_node el, n;
		size_t members = 0;

		if (!g)
			continue;
		for (size_t i = 0; i < cfg->n_vrrp; i++)
			members += cfg->vrrp[i].sync_group && !strcmp(cfg->vrrp[i].sync_group, g);
		if (members > 1)
			continue;
		edgelb_config_node_elem(list, j, &el);
		edgelb_config_node_key(&el, "sync_group", &n);
		edgelb_config_warning(ctx, &n, "\"%s\" has no other member", g);
	}
}

void edgelb_config_parse_vrrps(struct edgelb_config_ctx *ctx,
			       const struct edgelb_config_node *root,
			       struct edgelb_config *cfg)
{
	struct edgelb_config_node list, el;
	size_t n;

	if (edgelb_config_group_list(ctx, root, "vrrp", EDGELB_CONFIG_VRRP_MAX, &list, &n) <= 0 ||
	    !n)
		return;
	cfg->vrrp = calloc(n, sizeof(*cfg->vrrp));
	if (!cfg->vrrp) {
		ctx->nomem = true;
		return;
	}
	cfg->n_vrrp = n;
	for (size_t i = 0; i < n; i++) {
		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_vrrp(ctx, &el, cfg, &cfg->vrrp[i]);
		edgelb_config_check_vrrp_dups(ctx, &list, cfg->vrrp, i);
	}
	edgelb_config_check_sync_groups(ctx, &list, cfg);
}

/* With VRRP in use, a service VIP that no instance owns gets no ARP/ND answer. */
void edgelb_config_check_vip_owners(struct edgelb_config_ctx *ctx,
				    const struct edgelb_config_node *root,
				    const struct edgelb_config *cfg)
{
	struct edgelb_config_node list, el, n;
	char a[INET6_ADDRSTRLEN];

	if (!cfg->n_vrrp)
		return;
	edgelb_config_node_key(root, "services", &list);
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct edgelb_config_service *s = &cfg->services[i];
		bool owned = false;

		for (size_t j = 0; j < cfg->n_vrrp && !owned; j++)
			for (size_t k = 0; k < cfg->vrrp[j].n_vips && !owned; k++)
				owned = edgelb_config_addr_equal(&cfg->vrrp[j].vips[k], &s->vip);
		if (owned || !s->vip.family)
			continue;
		edgelb_config_node_elem(&list, i, &el);
		edgelb_config_node_key(&el, "vip", &n);
		edgelb_config_warning(ctx, &n,
				      "%s is in no vrrp instance's vips: nothing here answers "
				      "ARP/ND for it (fine if BGP announces it)",
				      edgelb_config_addr_str(&s->vip, a, sizeof(a)));
	}
}
