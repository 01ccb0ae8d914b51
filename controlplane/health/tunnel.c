// SPDX-License-Identifier: GPL-2.0-only
/*
 * Health checks through the tunnel: loads bpf/hc_encap.bpf.c on the
 * data-plane interface's tc egress hook and installs the policy routing
 * that brings marked check packets to it (tunnel.h has the whole picture).
 *
 * Everything here is idempotent against what a killed run left behind,
 * because edgelbd may die at any point and its successor calls open()
 * again: the tc filter is replaced in place, rules are added with
 * NLM_F_EXCL after removing stale variants, neighbour entries and routes
 * with NLM_F_REPLACE, and table T is reconciled with the wanted VIPs.
 *
 * Blocking netlink requests are fine: they run at start, on reload and at
 * stop, never per check.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "hc_encap.skel.h"
#include "hc_mark.h"
#include "log.h"
#include "tunnel.h"
#include "nl_errno.h"

#define SUBSYS "hc-tunnel"

/* Largest encapsulation overhead: outer IPv6 + UDP (GUE). */
#define HC_MAX_OVERHEAD 48

_Static_assert((EDGELB_HC_MARK_BASE & ~EDGELB_HC_MARK_MASK) == 0,
	       "the mark's tag must leave the id bits free");
_Static_assert(((EDGELB_HC_MAX_TARGETS - 1) & EDGELB_HC_MARK_MASK) == 0,
	       "every backend id must fit in the mark's id bits");
_Static_assert(EDGELB_HC_MARK_ID(EDGELB_HC_MARK(EDGELB_HC_MAX_TARGETS - 1)) ==
		       EDGELB_HC_MAX_TARGETS - 1,
	       "EDGELB_HC_MARK_ID() undoes EDGELB_HC_MARK()");

struct edgelb_hc_tunnel {
	struct hc_encap_bpf *skel;
	struct nl_sock *sk;
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint8_t mac[6];
	uint32_t mtu;
	uint32_t table, rule_pref, local_pref;
	union edgelb_addr src_v4, src_v6;
	bool has_v4, has_v6;
	bool attached;
	int accept_local_old; /* value found at open; -1: unknown */
	char *pin_dir;
};

static int hc_af(uint8_t family)
{
	return family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET;
}

static const char *hc_af_name(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

/* An edgelb address as a libnl address with a full-length prefix. */
static struct nl_addr *hc_nl_addr(uint8_t family, const union edgelb_addr *a)
{
	if (family == EDGELB_AF_INET6)
		return nl_addr_build(AF_INET6, a->bytes, 16);
	return nl_addr_build(AF_INET, &a->v4, 4);
}

static struct nl_addr *hc_nexthop_addr(int af)
{
	struct nl_addr *a = NULL;

	if (nl_addr_parse(af == AF_INET6 ? EDGELB_HC_NEXTHOP6 : EDGELB_HC_NEXTHOP4, af, &a) < 0)
		return NULL;
	return a;
}

static const char *hc_ntop(uint8_t family, const union edgelb_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(hc_af(family), family == EDGELB_AF_INET6 ? (const void *)a->bytes
								 : (const void *)&a->v4,
		       buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

uint32_t edgelb_hc_tunnel_mark(uint32_t backend_id)
{
	return EDGELB_HC_MARK(backend_id & ~EDGELB_HC_MARK_MASK);
}

/* ---- sysctl ---------------------------------------------------------------- */

static int hc_accept_local(const char *ifname, int set, int *old)
{
	char path[128], buf[16];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/accept_local", ifname);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (old) {
		n = read(fd, buf, sizeof(buf) - 1);
		*old = n > 0 ? atoi(buf) : -1;
	}
	if (set >= 0) {
		n = snprintf(buf, sizeof(buf), "%d\n", set);
		if (pwrite(fd, buf, (size_t)n, 0) != n)
			err = -errno;
	}
	close(fd);
	return err;
}

/* ---- rules ----------------------------------------------------------------- */

static struct rtnl_rule *hc_rule_new(int af, uint32_t pref, uint32_t table)
{
	struct rtnl_rule *r = rtnl_rule_alloc();

	if (!r)
		return NULL;
	rtnl_rule_set_family(r, af);
	rtnl_rule_set_prio(r, pref);
	rtnl_rule_set_table(r, table);
	rtnl_rule_set_action(r, FR_ACT_TO_TBL);
	return r;
}

/* Add a rule; one that exists already (an earlier run's) is fine. */
static int hc_rule_add(struct edgelb_hc_tunnel *t, struct rtnl_rule *r)
{
	int err = edgelb_nl_errno(rtnl_rule_add(t->sk, r, NLM_F_CREATE | NLM_F_EXCL));

	return err == -EEXIST ? 0 : err;
}

/* "from all lookup local", with no selector at all. */
static bool hc_rule_is_local(struct rtnl_rule *r)
{
	return rtnl_rule_get_table(r) == RT_TABLE_LOCAL &&
	       rtnl_rule_get_action(r) == FR_ACT_TO_TBL && !rtnl_rule_get_mark(r) &&
	       !rtnl_rule_get_mask(r) && !rtnl_rule_get_src(r) && !rtnl_rule_get_dst(r) &&
	       !rtnl_rule_get_iif(r) && !rtnl_rule_get_oif(r);
}

static bool hc_rule_is_ours(struct rtnl_rule *r)
{
	return rtnl_rule_get_mark(r) == EDGELB_HC_MARK_BASE &&
	       rtnl_rule_get_mask(r) == EDGELB_HC_MARK_MASK;
}

/*
 * The fwmark rule at rule_pref and the local rule after it, for one
 * family. Stale fwmark rules (other preference or table: an earlier run
 * with another configuration) are removed first.
 */
static int hc_rules_install(struct edgelb_hc_tunnel *t, int af)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	struct rtnl_rule *r;
	bool local_at_0 = false;
	uint32_t first_local = UINT32_MAX;
	int err;

	err = edgelb_nl_errno(rtnl_rule_alloc_cache(t->sk, af, &cache));
	if (err) {
		pr_err(SUBSYS, "%s rules: cannot read them: %s", hc_af_name(af), strerror(-err));
		return err;
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		r = (struct rtnl_rule *)o;
		if (rtnl_rule_get_family(r) != af)
			continue; /* the dump may hold every family */
		if (hc_rule_is_local(r)) {
			if (rtnl_rule_get_prio(r) == 0)
				local_at_0 = true;
			else if (rtnl_rule_get_prio(r) < first_local)
				first_local = rtnl_rule_get_prio(r);
		} else if (hc_rule_is_ours(r) && (rtnl_rule_get_prio(r) != t->rule_pref ||
						  rtnl_rule_get_table(r) != t->table)) {
			pr_info(SUBSYS, "%s: removing a stale check rule (pref %u, table %u)",
				hc_af_name(af), rtnl_rule_get_prio(r), rtnl_rule_get_table(r));
			rtnl_rule_delete(t->sk, r, 0);
		}
	}
	nl_cache_free(cache);
	if (!local_at_0 && first_local <= t->rule_pref) {
		pr_err(SUBSYS, "%s: a \"lookup local\" rule at preference %u precedes ours (%u)",
		       hc_af_name(af), first_local, t->rule_pref);
		return -EBUSY;
	}

	r = hc_rule_new(af, t->rule_pref, t->table);
	if (!r)
		return -ENOMEM;
	rtnl_rule_set_mark(r, EDGELB_HC_MARK_BASE);
	rtnl_rule_set_mask(r, EDGELB_HC_MARK_MASK);
	err = hc_rule_add(t, r);
	rtnl_rule_put(r);
	if (err) {
		pr_err(SUBSYS, "%s: cannot add the check rule: %s", hc_af_name(af), strerror(-err));
		return err;
	}
	if (!local_at_0)
		return 0;

	/* add the new local rule before removing the old: never without one */
	r = hc_rule_new(af, t->local_pref, RT_TABLE_LOCAL);
	if (!r)
		return -ENOMEM;
	err = hc_rule_add(t, r);
	rtnl_rule_put(r);
	if (!err) {
		r = hc_rule_new(af, 0, RT_TABLE_LOCAL);
		if (!r)
			return -ENOMEM;
		err = edgelb_nl_errno(rtnl_rule_delete(t->sk, r, 0));
		rtnl_rule_put(r);
	}
	if (err) {
		pr_err(SUBSYS, "%s: cannot move the local rule to preference %u: %s",
		       hc_af_name(af), t->local_pref, strerror(-err));
		return err;
	}
	pr_info(SUBSYS, "%s: \"lookup local\" moved from preference 0 to %u", hc_af_name(af),
		t->local_pref);
	return 0;
}

/* Remove every check rule of af and give preference 0 back to local. */
static void hc_rules_remove(struct edgelb_hc_tunnel *t, int af)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	struct rtnl_rule *r;
	bool local_at_0 = false, local_moved = false;
	int err;

	if (rtnl_rule_alloc_cache(t->sk, af, &cache) < 0)
		return;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		r = (struct rtnl_rule *)o;
		if (rtnl_rule_get_family(r) != af)
			continue;
		if (hc_rule_is_ours(r)) {
			err = edgelb_nl_errno(rtnl_rule_delete(t->sk, r, 0));
			if (err)
				pr_warn(SUBSYS, "%s: cannot delete the check rule: %s",
					hc_af_name(af), strerror(-err));
		} else if (hc_rule_is_local(r)) {
			local_at_0 |= rtnl_rule_get_prio(r) == 0;
			local_moved |= rtnl_rule_get_prio(r) == t->local_pref;
		}
	}
	nl_cache_free(cache);
	if (!local_moved)
		return;
	if (!local_at_0) {
		r = hc_rule_new(af, 0, RT_TABLE_LOCAL);
		if (!r)
			return;
		err = hc_rule_add(t, r);
		rtnl_rule_put(r);
		if (err) {
			pr_warn(SUBSYS, "%s: cannot put the local rule back at 0: %s",
				hc_af_name(af), strerror(-err));
			return;
		}
	}
	r = hc_rule_new(af, t->local_pref, RT_TABLE_LOCAL);
	if (!r)
		return;
	rtnl_rule_delete(t->sk, r, 0);
	rtnl_rule_put(r);
}

/* ---- placeholder neighbours ------------------------------------------------ */

static struct rtnl_neigh *hc_neigh_new(struct edgelb_hc_tunnel *t, int af)
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *dst = hc_nexthop_addr(af);
	struct nl_addr *ll = nl_addr_build(AF_LLC, t->mac, 6);

	if (!n || !dst || !ll) {
		if (n)
			rtnl_neigh_put(n);
		n = NULL;
		goto out;
	}
	rtnl_neigh_set_family(n, af);
	rtnl_neigh_set_ifindex(n, t->ifindex);
	rtnl_neigh_set_dst(n, dst);
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
out:
	nl_addr_put(dst);
	nl_addr_put(ll);
	return n;
}

static int hc_neigh_install(struct edgelb_hc_tunnel *t, int af)
{
	struct rtnl_neigh *n = hc_neigh_new(t, af);
	int err;

	if (!n)
		return -ENOMEM;
	err = edgelb_nl_errno(rtnl_neigh_add(t->sk, n, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_neigh_put(n);
	if (err)
		pr_err(SUBSYS, "%s: cannot add the placeholder next hop on %s: %s", hc_af_name(af),
		       t->ifname, strerror(-err));
	return err;
}

static void hc_neigh_remove(struct edgelb_hc_tunnel *t, int af)
{
	struct rtnl_neigh *n = hc_neigh_new(t, af);

	if (!n)
		return;
	rtnl_neigh_delete(t->sk, n, 0);
	rtnl_neigh_put(n);
}

/* ---- routes of table T ----------------------------------------------------- */

static struct rtnl_route *hc_route_new(struct edgelb_hc_tunnel *t, const struct edgelb_hc_vip *v)
{
	int af = hc_af(v->family);
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = hc_nl_addr(v->family, &v->addr);
	struct nl_addr *gw = hc_nexthop_addr(af);
	struct nl_addr *src = hc_nl_addr(v->family, af == AF_INET6 ? &t->src_v6 : &t->src_v4);

	if (!r || !nh || !dst || !gw || !src) {
		if (r)
			rtnl_route_put(r);
		if (nh)
			rtnl_route_nh_free(nh);
		r = NULL;
		goto out;
	}
	rtnl_route_set_family(r, af);
	rtnl_route_set_table(r, t->table);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_pref_src(r, src);
	/* room for the outer headers: the check's MSS then fits the tunnel */
	if (t->mtu > HC_MAX_OVERHEAD + 576)
		rtnl_route_set_metric(r, RTAX_MTU, t->mtu - HC_MAX_OVERHEAD);
	rtnl_route_nh_set_ifindex(nh, t->ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	if (af == AF_INET)
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	rtnl_route_add_nexthop(r, nh);
out:
	nl_addr_put(dst);
	nl_addr_put(gw);
	nl_addr_put(src);
	return r;
}

static bool hc_vip_wanted(struct nl_addr *dst, int af, const struct edgelb_hc_vip *vips, size_t n)
{
	unsigned int len = af == AF_INET6 ? 16 : 4;

	if (!dst || nl_addr_get_prefixlen(dst) != len * 8 || nl_addr_get_len(dst) != len)
		return false;
	for (size_t i = 0; i < n; i++) {
		const void *a = vips[i].family == EDGELB_AF_INET6 ? (const void *)vips[i].addr.bytes
								  : (const void *)&vips[i].addr.v4;

		if (hc_af(vips[i].family) == af && !memcmp(nl_addr_get_binary_addr(dst), a, len))
			return true;
	}
	return false;
}

/* Delete the routes of table T of af that vips does not want (all: n = 0). */
static int hc_routes_prune(struct edgelb_hc_tunnel *t, int af, const struct edgelb_hc_vip *vips,
			   size_t n)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int err;

	err = edgelb_nl_errno(rtnl_route_alloc_cache(t->sk, af, 0, &cache));
	if (err)
		return err;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;

		if (rtnl_route_get_family(r) != af || rtnl_route_get_table(r) != t->table ||
		    hc_vip_wanted(rtnl_route_get_dst(r), af, vips, n))
			continue;
		err = edgelb_nl_errno(rtnl_route_delete(t->sk, r, 0));
		if (err && err != -ENOENT && err != -ESRCH)
			pr_warn(SUBSYS, "cannot delete a route of table %u: %s", t->table,
				strerror(-err));
	}
	nl_cache_free(cache);
	return 0;
}

int edgelb_hc_tunnel_set_vips(struct edgelb_hc_tunnel *t, const struct edgelb_hc_vip *vips,
			      size_t n)
{
	char buf[64];
	int err;

	for (size_t i = 0; i < n; i++) {
		uint8_t f = vips[i].family;

		if ((f != EDGELB_AF_INET && f != EDGELB_AF_INET6) ||
		    (f == EDGELB_AF_INET && !t->has_v4) || (f == EDGELB_AF_INET6 && !t->has_v6)) {
			pr_err(SUBSYS, "VIP %zu: no %s source address for its checks", i,
			       f == EDGELB_AF_INET6 ? "IPv6" : "IPv4");
			return -EINVAL;
		}
	}
	err = hc_routes_prune(t, AF_INET, vips, n);
	if (!err)
		err = hc_routes_prune(t, AF_INET6, vips, n);
	if (err) {
		pr_err(SUBSYS, "cannot read table %u: %s", t->table, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		struct rtnl_route *r = hc_route_new(t, &vips[i]);

		if (!r)
			return -ENOMEM;
		err = edgelb_nl_errno(rtnl_route_add(t->sk, r, NLM_F_CREATE | NLM_F_REPLACE));
		rtnl_route_put(r);
		if (err) {
			pr_err(SUBSYS, "VIP %s: cannot add its route to table %u: %s",
			       hc_ntop(vips[i].family, &vips[i].addr, buf, sizeof(buf)), t->table,
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

/* ---- the program ----------------------------------------------------------- */

static int hc_mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int hc_pin_path(const char *dir, const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

static void hc_unpin(const char *dir)
{
	static const char *const names[] = { "hc_targets", "hc_stats" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!hc_pin_path(dir, names[i], path, sizeof(path)))
			unlink(path);
}

static int hc_prog_load(struct edgelb_hc_tunnel *t)
{
	char path[PATH_MAX];
	int err;

	t->skel = hc_encap_bpf__open();
	if (!t->skel)
		return -errno;
	t->skel->rodata->hc_mark_base = EDGELB_HC_MARK_BASE;
	t->skel->rodata->hc_mark_mask = EDGELB_HC_MARK_MASK;
	if (t->pin_dir) {
		err = hc_pin_path(t->pin_dir, "hc_targets", path, sizeof(path));
		if (!err)
			err = bpf_map__set_pin_path(t->skel->maps.hc_targets, path);
		if (!err)
			err = hc_pin_path(t->pin_dir, "hc_stats", path, sizeof(path));
		if (!err)
			err = bpf_map__set_pin_path(t->skel->maps.hc_stats, path);
		if (err)
			return err;
	}
	return hc_encap_bpf__load(t->skel);
}

static void hc_hook(const struct edgelb_hc_tunnel *t, struct bpf_tc_hook *hook)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = t->ifindex;
	hook->attach_point = BPF_TC_EGRESS;
}

/*
 * True if the interface has a clsact qdisc already (an earlier run's, or
 * someone else's): asking libbpf to create it again works but logs the
 * kernel's refusal as a warning.
 */
static bool hc_has_clsact(struct edgelb_hc_tunnel *t)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	bool found = false;

	if (rtnl_qdisc_alloc_cache(t->sk, &cache) < 0)
		return false;
	for (o = nl_cache_get_first(cache); o && !found; o = nl_cache_get_next(o)) {
		struct rtnl_tc *tc = (struct rtnl_tc *)o;
		const char *kind = rtnl_tc_get_kind(tc);

		found = rtnl_tc_get_ifindex(tc) == t->ifindex && kind && !strcmp(kind, "clsact");
	}
	nl_cache_free(cache);
	return found;
}

static int hc_attach(struct edgelb_hc_tunnel *t)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EDGELB_HC_TC_HANDLE, .priority = EDGELB_HC_TC_PRIO,
		    .flags = BPF_TC_F_REPLACE);
	struct bpf_tc_hook hook;
	int err;

	hc_hook(t, &hook);
	err = hc_has_clsact(t) ? 0 : bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_err(SUBSYS, "%s: cannot add the clsact qdisc: %s", t->ifname, strerror(-err));
		return err;
	}
	opts.prog_fd = bpf_program__fd(t->skel->progs.edgelb_hc_encap);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_err(SUBSYS, "%s: cannot attach to tc egress: %s", t->ifname, strerror(-err));
		return err;
	}
	t->attached = true;
	return 0;
}

/* Number of tc filters under parent of the interface, or -errno. */
static int hc_count_filters(struct edgelb_hc_tunnel *t, uint32_t parent)
{
	struct nl_cache *cache = NULL;
	int n, err;

	err = edgelb_nl_errno(rtnl_cls_alloc_cache(t->sk, t->ifindex, parent, &cache));
	if (err)
		return err;
	n = nl_cache_nitems(cache);
	nl_cache_free(cache);
	return n;
}

/*
 * Detach our filter (this run's or a killed run's: same handle and
 * priority), and remove the clsact qdisc if nobody else has a filter on it.
 */
static void hc_detach(struct edgelb_hc_tunnel *t)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EDGELB_HC_TC_HANDLE,
		    .priority = EDGELB_HC_TC_PRIO);
	struct bpf_tc_hook hook;
	int err, in, out;

	hc_hook(t, &hook);
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT && err != -EINVAL)
		pr_warn(SUBSYS, "%s: cannot detach from tc egress: %s", t->ifname, strerror(-err));
	t->attached = false;
	in = hc_count_filters(t, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	out = hc_count_filters(t, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	if (in == 0 && out == 0) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

/* ---- open / close ---------------------------------------------------------- */

static int hc_link_info(struct edgelb_hc_tunnel *t, const struct edgelb_hc_tunnel_opts *opts)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *ll;
	int err;

	err = edgelb_nl_errno(rtnl_link_get_kernel(t->sk, opts->ifname ? 0 : opts->ifindex,
					       opts->ifname, &link));
	if (err) {
		pr_err(SUBSYS, "interface %s: %s",
		       opts->ifname ? opts->ifname : "(by index)", strerror(-err));
		return err;
	}
	t->ifindex = rtnl_link_get_ifindex(link);
	snprintf(t->ifname, sizeof(t->ifname), "%s", rtnl_link_get_name(link));
	t->mtu = rtnl_link_get_mtu(link);
	ll = rtnl_link_get_addr(link);
	if (!ll || nl_addr_get_len(ll) != 6) {
		pr_err(SUBSYS, "interface %s has no Ethernet address", t->ifname);
		err = -EINVAL;
	} else {
		memcpy(t->mac, nl_addr_get_binary_addr(ll), 6);
	}
	rtnl_link_put(link);
	return err;
}

int edgelb_hc_tunnel_open(const struct edgelb_hc_tunnel_opts *opts, struct edgelb_hc_tunnel **out)
{
	struct edgelb_hc_tunnel *t;
	int err;

	*out = NULL;
	if (!opts || (!opts->ifname && opts->ifindex <= 0))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->accept_local_old = -1;
	t->table = opts->table ? opts->table : EDGELB_HC_TABLE_DEFAULT;
	t->rule_pref = opts->rule_pref ? opts->rule_pref : EDGELB_HC_RULE_PREF_DEFAULT;
	t->local_pref = opts->local_pref ? opts->local_pref : EDGELB_HC_LOCAL_PREF_DEFAULT;
	t->src_v4 = opts->src_v4;
	t->src_v6 = opts->src_v6;
	t->has_v4 = opts->has_src_v4;
	t->has_v6 = opts->has_src_v6;
	if (t->local_pref <= t->rule_pref || t->table == RT_TABLE_LOCAL ||
	    t->table == RT_TABLE_MAIN || t->table == RT_TABLE_DEFAULT ||
	    t->table == RT_TABLE_UNSPEC) {
		pr_err(SUBSYS, "table %u, rule preference %u, local preference %u: not usable",
		       t->table, t->rule_pref, t->local_pref);
		free(t);
		return -EINVAL;
	}

	t->sk = nl_socket_alloc();
	if (!t->sk) {
		free(t);
		return -ENOMEM;
	}
	err = edgelb_nl_errno(nl_connect(t->sk, NETLINK_ROUTE));
	if (err)
		goto fail;
	err = hc_link_info(t, opts);
	if (err)
		goto fail;

	if (opts->pin_dir) {
		t->pin_dir = strdup(opts->pin_dir);
		err = t->pin_dir ? hc_mkdir_p(t->pin_dir) : -ENOMEM;
		if (err)
			goto fail;
	}
	err = hc_prog_load(t);
	if (err && t->pin_dir) {
		/* maps of another build: their targets are not worth a failed start */
		pr_warn(SUBSYS, "pinned maps in %s do not fit (%s): replacing them", t->pin_dir,
			strerror(-err));
		hc_encap_bpf__destroy(t->skel);
		hc_unpin(t->pin_dir);
		err = hc_prog_load(t);
	}
	if (err) {
		pr_err(SUBSYS, "cannot load the program: %s", strerror(-err));
		goto fail;
	}

	/* routing first: the program only ever sees what the rules send */
	for (int af = AF_INET; af; af = af == AF_INET ? AF_INET6 : 0) {
		if (af == AF_INET ? !t->has_v4 : !t->has_v6)
			continue;
		err = hc_neigh_install(t, af);
		if (!err)
			err = hc_rules_install(t, af);
		if (err)
			goto fail;
	}
	if (t->has_v4) {
		err = hc_accept_local(t->ifname, 1, &t->accept_local_old);
		if (err) {
			pr_err(SUBSYS, "%s: cannot set accept_local: %s", t->ifname,
			       strerror(-err));
			goto fail;
		}
	}
	err = hc_attach(t);
	if (err)
		goto fail;
	pr_info(SUBSYS, "%s: checks marked 0x%08x/0x%08x go through table %u", t->ifname,
		EDGELB_HC_MARK_BASE, EDGELB_HC_MARK_MASK, t->table);
	*out = t;
	return 0;
fail:
	edgelb_hc_tunnel_close(t);
	return err;
}

void edgelb_hc_tunnel_close(struct edgelb_hc_tunnel *t)
{
	if (!t)
		return;
	if (t->ifindex > 0 && t->sk) {
		hc_detach(t);
		for (int af = AF_INET; af; af = af == AF_INET ? AF_INET6 : 0) {
			hc_rules_remove(t, af);
			hc_routes_prune(t, af, NULL, 0);
			hc_neigh_remove(t, af);
		}
		if (t->accept_local_old == 0)
			hc_accept_local(t->ifname, 0, NULL);
	}
	hc_encap_bpf__destroy(t->skel);
	if (t->pin_dir) {
		hc_unpin(t->pin_dir);
		rmdir(t->pin_dir);
	}
	if (t->sk)
		nl_socket_free(t->sk);
	free(t->pin_dir);
	free(t);
}

/* ---- targets and counters -------------------------------------------------- */

int edgelb_hc_tunnel_set(struct edgelb_hc_tunnel *t, uint32_t backend_id,
			 const struct edgelb_hc_target *target)
{
	int err;

	if (!backend_id || backend_id >= EDGELB_HC_MAX_TARGETS || target->pad ||
	    target->encap >= EDGELB_ENCAP_MAX ||
	    (target->family != EDGELB_AF_INET && target->family != EDGELB_AF_INET6))
		return -EINVAL;
	if (bpf_map__update_elem(t->skel->maps.hc_targets, &backend_id, sizeof(backend_id), target,
				 sizeof(*target), BPF_ANY)) {
		err = -errno;
		pr_err(SUBSYS, "backend %u: cannot set its target: %s", backend_id,
		       strerror(-err));
		return err;
	}
	return 0;
}

int edgelb_hc_tunnel_del(struct edgelb_hc_tunnel *t, uint32_t backend_id)
{
	if (bpf_map__delete_elem(t->skel->maps.hc_targets, &backend_id, sizeof(backend_id), 0))
		return -errno;
	return 0;
}

static int hc_stats_fd(int fd, uint64_t counts[EDGELB_HC_CNT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *v;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	v = calloc((size_t)ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < EDGELB_HC_CNT_MAX; i++) {
		counts[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, v))
			continue;
		for (int c = 0; c < ncpus; c++)
			counts[i] += v[c];
	}
	free(v);
	return 0;
}

int edgelb_hc_tunnel_stats(const struct edgelb_hc_tunnel *t, uint64_t counts[EDGELB_HC_CNT_MAX])
{
	return hc_stats_fd(bpf_map__fd(t->skel->maps.hc_stats), counts);
}

int edgelb_hc_tunnel_stats_pinned(const char *pin_dir, uint64_t counts[EDGELB_HC_CNT_MAX])
{
	char path[PATH_MAX];
	int fd, err;

	err = hc_pin_path(pin_dir, "hc_stats", path, sizeof(path));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = hc_stats_fd(fd, counts);
	close(fd);
	return err;
}
