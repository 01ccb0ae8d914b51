// SPDX-License-Identifier: GPL-2.0-only
/*
 * Next hops, addresses and links for the data plane, from libnl caches:
 * see netlink.h for the contracts.
 *
 * One libnl cache manager owns the notification socket and four caches
 * (route/link, route/addr, route/route, route/neigh). Its per-cache change
 * callbacks only decide whether a change can alter a lookup's answer and
 * raise a flag; the user's callback runs once libnl has applied the whole
 * batch, so it looks things up in consistent caches.
 *
 * Route lookups walk the route cache instead of asking the kernel
 * (RTM_GETROUTE): the answer comes from the same snapshot whose changes
 * fire the callback, costs no system call, and can be restricted to the
 * ingress interface without the kernel's "no route via this interface:
 * assume on-link" fallback for lookups bound to an interface, which would
 * hide a missing route. The price: policy routing is not followed, and a
 * lookup is linear in the size of the main table (fine for an edge node's
 * few routes, not for a full Internet table).
 *
 * A second socket carries the few requests: neighbour resolution and the
 * dumps that reload the caches after lost notifications. rtnetlink handles
 * a request inside the sending system call, so its answer is queued before
 * we read it; SO_RCVTIMEO bounds the wait anyway.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/utils.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>

#include "netlink.h"
#include "nl_errno.h"

/* Upper bound on waiting for a request's answer (normally already queued). */
#define EDGELB_NL_REQ_TIMEOUT_MS 500
/* Upper bound on datagrams discarded before a reload (see drain). */
#define EDGELB_NL_DRAIN_MAX 100000
/* States whose entry holds a usable MAC (the kernel's NUD_VALID, not exported). */
#define EDGELB_NL_NUD_VALID                                                              \
	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)

/* A neighbour that a lookup reported since the last change callback. */
struct edgelb_nl_watch {
	int ifindex;
	int af;
	uint8_t addr[16];
	bool asked; /* resolution already requested for this one */
};

struct edgelb_nl {
	struct edgelb_nl_opts opts;
	struct nl_sock *ev_sock;  /* notifications, read by the manager */
	struct nl_sock *req_sock; /* our requests and reload dumps */
	struct nl_cache_mngr *mngr;
	struct nl_cache *links;
	struct nl_cache *addrs;
	struct nl_cache *routes;
	struct nl_cache *neighs;
	bool changed;	  /* a lookup may answer differently: call back */
	bool need_resync; /* notifications were lost: reload everything */
	struct edgelb_nl_watch *watch;
	size_t nwatch;
	size_t watch_cap;
	struct edgelb_nl_stats stats;
};

/* Every message goes through here, so rerouting logs is a one-line change. */
__attribute__((format(printf, 3, 4))) static void edgelb_nl_log(const struct edgelb_nl *nl,
								int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (level == LOG_DEBUG && !nl->opts.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (nl->opts.log)
		nl->opts.log(level, msg, nl->opts.arg);
	else
		fprintf(stderr, "netlink: %s\n", msg);
}

static int edgelb_nl_af(uint8_t family)
{
	switch (family) {
	case EDGELB_AF_INET:
		return AF_INET;
	case EDGELB_AF_INET6:
		return AF_INET6;
	default:
		return AF_UNSPEC;
	}
}

static size_t edgelb_nl_alen(int af)
{
	return af == AF_INET ? 4 : 16;
}

/* a as 16 bytes, zero-padded; false unless a is a full address of family af. */
static bool edgelb_nl_addr_get(struct nl_addr *a, int af, uint8_t out[16])
{
	memset(out, 0, 16);
	if (!a || nl_addr_get_family(a) != af || nl_addr_get_len(a) != edgelb_nl_alen(af))
		return false;
	memcpy(out, nl_addr_get_binary_addr(a), edgelb_nl_alen(af));
	return true;
}

static const char *edgelb_nl_ntop(int af, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(af, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static const char *edgelb_nl_ifname(struct edgelb_nl *nl, int ifindex, char *buf, size_t len)
{
	if (!rtnl_link_i2name(nl->links, ifindex, buf, len))
		snprintf(buf, len, "ifindex %d", ifindex);
	return buf;
}

static bool edgelb_nl_same_addr(struct nl_addr *a, struct nl_addr *b)
{
	if (!a || !b)
		return a == b;
	return nl_addr_cmp(a, b) == 0;
}

/* The entry's MAC if it holds a usable one. */
static bool edgelb_nl_neigh_mac(struct rtnl_neigh *n, uint8_t mac[6])
{
	struct nl_addr *ll;

	if (!n || !(rtnl_neigh_get_state(n) & EDGELB_NL_NUD_VALID))
		return false;
	ll = rtnl_neigh_get_lladdr(n);
	if (!ll || nl_addr_get_len(ll) != 6)
		return false;
	memcpy(mac, nl_addr_get_binary_addr(ll), 6);
	return true;
}

static struct edgelb_nl_watch *edgelb_nl_watch_find(struct edgelb_nl *nl, int ifindex, int af,
						    const uint8_t *addr)
{
	/* Linear: next hops are few (off-link backends share gateways). */
	for (size_t i = 0; i < nl->nwatch; i++) {
		struct edgelb_nl_watch *w = &nl->watch[i];

		if (w->ifindex == ifindex && w->af == af && !memcmp(w->addr, addr, 16))
			return w;
	}
	return NULL;
}

static int edgelb_nl_watch_add(struct edgelb_nl *nl, int ifindex, int af, const uint8_t *addr,
			       struct edgelb_nl_watch **out)
{
	struct edgelb_nl_watch *w = edgelb_nl_watch_find(nl, ifindex, af, addr);

	if (!w) {
		if (nl->nwatch == nl->watch_cap) {
			size_t cap = nl->watch_cap ? 2 * nl->watch_cap : 16;
			void *p = reallocarray(nl->watch, cap, sizeof(*nl->watch));

			if (!p)
				return -ENOMEM;
			nl->watch = p;
			nl->watch_cap = cap;
		}
		w = &nl->watch[nl->nwatch++];
		memset(w, 0, sizeof(*w));
		w->ifindex = ifindex;
		w->af = af;
		memcpy(w->addr, addr, 16);
	}
	*out = w;
	return 0;
}

/*
 * Cache change callbacks (libnl "v2": old and new object, either may be
 * NULL). They run inside nl_cache_mngr_data_ready() while libnl is still
 * applying the batch, so they only raise nl->changed.
 */
static void edgelb_nl_link_changed(struct nl_cache *cache, struct nl_object *old_obj,
				   struct nl_object *new_obj, uint64_t diff, int action, void *arg)
{
	struct rtnl_link *o = (struct rtnl_link *)old_obj;
	struct rtnl_link *n = (struct rtnl_link *)new_obj;
	struct edgelb_nl *nl = arg;
	const char *oname, *nname;

	(void)cache;
	(void)diff;
	/* Per-family link info (bridge ports, IPv6 settings) carries nothing we use. */
	if (rtnl_link_get_family(n ? n : o) != AF_UNSPEC)
		return;
	if (action == NL_ACT_CHANGE && o && n) {
		/* Counters and MTU changes do not move a lookup; carrier
		 * (IFF_LOWER_UP / IFF_RUNNING) moves edgelb_nl_link_up(). */
		oname = rtnl_link_get_name(o);
		nname = rtnl_link_get_name(n);
		if (edgelb_nl_same_addr(rtnl_link_get_addr(o), rtnl_link_get_addr(n)) &&
		    oname && nname && !strcmp(oname, nname) &&
		    !((rtnl_link_get_flags(o) ^ rtnl_link_get_flags(n)) &
		      (IFF_UP | IFF_RUNNING | IFF_LOWER_UP)) &&
		    rtnl_link_get_arptype(o) == rtnl_link_get_arptype(n))
			return;
	}
	edgelb_nl_log(nl, LOG_DEBUG, "link %d changed (action %d)",
		      rtnl_link_get_ifindex(n ? n : o), action);
	nl->changed = true;
}

static void edgelb_nl_addr_changed(struct nl_cache *cache, struct nl_object *old_obj,
				   struct nl_object *new_obj, uint64_t diff, int action, void *arg)
{
	struct rtnl_addr *o = (struct rtnl_addr *)old_obj;
	struct rtnl_addr *n = (struct rtnl_addr *)new_obj;
	struct rtnl_addr *any = n ? n : o;
	struct edgelb_nl *nl = arg;
	int af;

	(void)cache;
	(void)diff;
	af = rtnl_addr_get_family(any);
	if (af != AF_INET && af != AF_INET6)
		return;
	/* IPv6 lifetimes are refreshed by every router advertisement. */
	if (action == NL_ACT_CHANGE && o && n &&
	    rtnl_addr_get_flags(o) == rtnl_addr_get_flags(n) &&
	    rtnl_addr_get_prefixlen(o) == rtnl_addr_get_prefixlen(n) &&
	    rtnl_addr_get_scope(o) == rtnl_addr_get_scope(n) &&
	    edgelb_nl_same_addr(rtnl_addr_get_local(o), rtnl_addr_get_local(n)))
		return;
	edgelb_nl_log(nl, LOG_DEBUG, "address on ifindex %d changed (action %d)",
		      rtnl_addr_get_ifindex(any), action);
	nl->changed = true;
}

static void edgelb_nl_route_changed(struct nl_cache *cache, struct nl_object *old_obj,
				    struct nl_object *new_obj, uint64_t diff, int action, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)(new_obj ? new_obj : old_obj);
	struct edgelb_nl *nl = arg;
	int af = rtnl_route_get_family(r);

	(void)cache;
	(void)diff;
	/* Only the main table is looked up; cloned routes are PMTU/redirect exceptions. */
	if ((af != AF_INET && af != AF_INET6) || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    (rtnl_route_get_flags(r) & RTM_F_CLONED))
		return;
	edgelb_nl_log(nl, LOG_DEBUG, "route changed (action %d)", action);
	nl->changed = true;
}

static void edgelb_nl_neigh_changed(struct nl_cache *cache, struct nl_object *old_obj,
				    struct nl_object *new_obj, uint64_t diff, int action, void *arg)
{
	struct rtnl_neigh *o = (struct rtnl_neigh *)old_obj;
	struct rtnl_neigh *n = (struct rtnl_neigh *)new_obj;
	struct rtnl_neigh *any = n ? n : o;
	uint8_t omac[6] = { 0 }, nmac[6] = { 0 }, dst[16];
	char a[INET6_ADDRSTRLEN], ifn[IFNAMSIZ + 16], st[64];
	struct edgelb_nl *nl = arg;
	bool ovalid, nvalid;
	int af, ifindex;

	(void)cache;
	(void)diff;
	(void)action;
	af = rtnl_neigh_get_family(any);
	ifindex = rtnl_neigh_get_ifindex(any);
	if ((af != AF_INET && af != AF_INET6) ||
	    !edgelb_nl_addr_get(rtnl_neigh_get_dst(any), af, dst) ||
	    !edgelb_nl_watch_find(nl, ifindex, af, dst))
		return;
	/* REACHABLE <-> STALE churn keeps the MAC: nothing to do for the data plane. */
	ovalid = edgelb_nl_neigh_mac(o, omac);
	nvalid = edgelb_nl_neigh_mac(n, nmac);
	if (ovalid == nvalid && !memcmp(omac, nmac, 6))
		return;
	edgelb_nl_ntop(af, dst, a, sizeof(a));
	edgelb_nl_ifname(nl, ifindex, ifn, sizeof(ifn));
	if (nvalid)
		edgelb_nl_log(nl, LOG_INFO, "next hop %s on %s is %02x:%02x:%02x:%02x:%02x:%02x", a,
			      ifn, nmac[0], nmac[1], nmac[2], nmac[3], nmac[4], nmac[5]);
	else
		edgelb_nl_log(nl, LOG_INFO, "next hop %s on %s is no longer resolved (%s)", a, ifn,
			      n ? rtnl_neigh_state2str(rtnl_neigh_get_state(n), st, sizeof(st))
				: "entry deleted");
	nl->changed = true;
}

/* Forget answers to earlier requests that came after we stopped waiting. */
static void edgelb_nl_req_flush(struct edgelb_nl *nl)
{
	int fd = nl_socket_get_fd(nl->req_sock);
	char buf[256];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0 || errno == EINTR ||
	       errno == ENOBUFS)
		;
}

/*
 * Discard queued notifications before a reload: applied after the dump,
 * they would roll objects back to older states. The bound stops a kernel
 * that keeps the socket busy from holding the loop.
 */
static void edgelb_nl_drain(struct edgelb_nl *nl)
{
	int fd = nl_socket_get_fd(nl->ev_sock);
	char buf[256];

	for (int i = 0; i < EDGELB_NL_DRAIN_MAX; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) < 0 && errno != EINTR &&
		    errno != ENOBUFS)
			break;
}

static int edgelb_nl_resync(struct edgelb_nl *nl)
{
	struct nl_cache *caches[] = { nl->links, nl->addrs, nl->routes, nl->neighs };
	static const char *const names[] = { "link", "address", "route", "neighbour" };
	int err;

	edgelb_nl_drain(nl);
	edgelb_nl_req_flush(nl);
	for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		err = nl_cache_refill(nl->req_sock, caches[i]);
		if (err < 0) {
			edgelb_nl_log(nl, LOG_ERR, "cannot reload the kernel's %s table: %s",
				      names[i], nl_geterror(err));
			return edgelb_nl_errno(err);
		}
	}
	nl->need_resync = false;
	nl->stats.resyncs++;
	nl->changed = true;
	edgelb_nl_log(nl, LOG_INFO, "reloaded links, addresses, routes and neighbours");
	return 0;
}

static void edgelb_nl_notify(struct edgelb_nl *nl)
{
	if (!nl->changed)
		return;
	nl->changed = false;
	/* The callback looks again at what it still needs, which re-watches it. */
	nl->nwatch = 0;
	nl->stats.changes++;
	if (nl->opts.change_cb)
		nl->opts.change_cb(nl->opts.arg);
}

static int edgelb_nl_set_rcvbuf(struct edgelb_nl *nl, int size)
{
	int fd = nl_socket_get_fd(nl->ev_sock);

	/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN; else take what we may. */
	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		return 0;
	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		return 0;
	edgelb_nl_log(nl, LOG_ERR, "cannot set the notification buffer to %d bytes: %s", size,
		      strerror(errno));
	return -errno;
}

static int edgelb_nl_add_cache(struct edgelb_nl *nl, const char *name, change_func_v2_t cb,
			       struct nl_cache **out)
{
	struct nl_cache *cache = NULL;
	int err;

	err = nl_cache_alloc_name(name, &cache);
	if (err < 0)
		goto fail;
	/* Subscribes, then fills the cache from a dump. */
	err = nl_cache_mngr_add_cache_v2(nl->mngr, cache, cb, nl);
	if (err < 0)
		goto fail;
	*out = cache; /* now owned by the manager */
	return 0;
fail:
	edgelb_nl_log(nl, LOG_ERR, "cannot load the kernel's %s table: %s", name, nl_geterror(err));
	nl_cache_free(cache);
	return edgelb_nl_errno(err);
}

int edgelb_nl_open(edgelb_nl_change_cb cb, void *arg, struct edgelb_nl **out)
{
	struct edgelb_nl_opts opts = { .change_cb = cb, .arg = arg };

	return edgelb_nl_open_opts(&opts, out);
}

int edgelb_nl_open_opts(const struct edgelb_nl_opts *opts, struct edgelb_nl **out)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = EDGELB_NL_REQ_TIMEOUT_MS * 1000 };
	struct edgelb_nl *nl;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	if (opts)
		nl->opts = *opts;
	if (nl->opts.rcvbuf <= 0)
		nl->opts.rcvbuf = EDGELB_NL_RCVBUF_DEFAULT;

	nl->ev_sock = nl_socket_alloc();
	nl->req_sock = nl_socket_alloc();
	if (!nl->ev_sock || !nl->req_sock) {
		err = -ENOMEM;
		goto fail;
	}
	err = nl_connect(nl->req_sock, NETLINK_ROUTE);
	if (err < 0) {
		edgelb_nl_log(nl, LOG_ERR, "cannot open an rtnetlink socket: %s", nl_geterror(err));
		err = edgelb_nl_errno(err);
		goto fail;
	}
	if (setsockopt(nl_socket_get_fd(nl->req_sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		err = -errno;
		goto fail;
	}
	/* No NL_AUTO_PROVIDE: that would publish our caches in libnl's globals. */
	err = nl_cache_mngr_alloc(nl->ev_sock, NETLINK_ROUTE, 0, &nl->mngr);
	if (err < 0) {
		edgelb_nl_log(nl, LOG_ERR, "cannot subscribe to rtnetlink notifications: %s",
			      nl_geterror(err));
		err = edgelb_nl_errno(err);
		goto fail;
	}
	err = edgelb_nl_set_rcvbuf(nl, nl->opts.rcvbuf);
	if (err)
		goto fail;
	err = edgelb_nl_add_cache(nl, "route/link", edgelb_nl_link_changed, &nl->links);
	if (err)
		goto fail;
	err = edgelb_nl_add_cache(nl, "route/addr", edgelb_nl_addr_changed, &nl->addrs);
	if (err)
		goto fail;
	err = edgelb_nl_add_cache(nl, "route/route", edgelb_nl_route_changed, &nl->routes);
	if (err)
		goto fail;
	err = edgelb_nl_add_cache(nl, "route/neigh", edgelb_nl_neigh_changed, &nl->neighs);
	if (err)
		goto fail;
	*out = nl;
	return 0;
fail:
	edgelb_nl_close(nl);
	return err;
}

void edgelb_nl_close(struct edgelb_nl *nl)
{
	if (!nl)
		return;
	/* Frees the caches it was given and closes (not frees) ev_sock. */
	nl_cache_mngr_free(nl->mngr);
	nl_socket_free(nl->ev_sock);
	nl_socket_free(nl->req_sock);
	free(nl->watch);
	free(nl);
}

int edgelb_nl_fd(const struct edgelb_nl *nl)
{
	return nl_socket_get_fd(nl->ev_sock);
}

int edgelb_nl_process(struct edgelb_nl *nl)
{
	int n, err;

	if (!nl->need_resync) {
		n = nl_cache_mngr_data_ready(nl->mngr);
		if (n >= 0) {
			nl->stats.messages += (uint64_t)n;
		} else {
			/*
			 * An overrun (ENOBUFS) arrives as NLE_NOMEM; a message libnl
			 * failed to parse stops the batch with another error. Either
			 * way the caches missed something: reload them.
			 */
			edgelb_nl_log(nl, LOG_WARNING,
				      "lost kernel notifications (%s): reloading the tables",
				      n == -NLE_NOMEM ? "receive buffer full" : nl_geterror(n));
			nl->need_resync = true;
		}
	}
	if (nl->need_resync) {
		err = edgelb_nl_resync(nl);
		if (err)
			return err;
	}
	edgelb_nl_notify(nl);
	return 0;
}

/* Check link is Ethernet and copy its MAC (mac may be NULL); name is for messages. */
static int edgelb_nl_ether(struct edgelb_nl *nl, struct rtnl_link *link, const char *name,
			   uint8_t mac[6])
{
	unsigned int type = rtnl_link_get_arptype(link);
	struct nl_addr *ll = rtnl_link_get_addr(link);
	char t[32];

	if (type != ARPHRD_ETHER || !ll || nl_addr_get_len(ll) != 6) {
		edgelb_nl_log(nl, LOG_ERR, "interface %s is not Ethernet (link type %s)", name,
			      nl_llproto2str((int)type, t, sizeof(t)));
		return -EPROTONOSUPPORT;
	}
	if (mac)
		memcpy(mac, nl_addr_get_binary_addr(ll), 6);
	return 0;
}

int edgelb_nl_link(struct edgelb_nl *nl, const char *ifname, int *ifindex, uint8_t mac[6])
{
	struct rtnl_link *link;
	int err;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
		edgelb_nl_log(nl, LOG_ERR, "invalid interface name \"%s\"", ifname ? ifname : "");
		return -EINVAL;
	}
	link = rtnl_link_get_by_name(nl->links, ifname);
	if (!link) {
		edgelb_nl_log(nl, LOG_ERR, "interface %s not found", ifname);
		return -ENODEV;
	}
	err = edgelb_nl_ether(nl, link, ifname, mac);
	if (!err && ifindex)
		*ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return err;
}

int edgelb_nl_link_up(struct edgelb_nl *nl, const char *ifname)
{
	struct rtnl_link *link;
	unsigned int flags;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	link = rtnl_link_get_by_name(nl->links, ifname);
	if (!link)
		return -ENODEV;
	flags = rtnl_link_get_flags(link);
	rtnl_link_put(link);
	return (flags & IFF_UP) && (flags & IFF_RUNNING) ? 1 : 0;
}

/* The link ifindex, if it can carry the data plane. */
static int edgelb_nl_ether_index(struct edgelb_nl *nl, int ifindex)
{
	char ifn[IFNAMSIZ + 16];
	struct rtnl_link *link;
	int err;

	link = rtnl_link_get(nl->links, ifindex);
	if (!link) {
		edgelb_nl_log(nl, LOG_ERR, "interface index %d not found", ifindex);
		return -ENODEV;
	}
	err = edgelb_nl_ether(nl, link, edgelb_nl_ifname(nl, ifindex, ifn, sizeof(ifn)), NULL);
	rtnl_link_put(link);
	return err;
}

int edgelb_nl_primary_addr(struct edgelb_nl *nl, int ifindex, uint8_t family,
			   union edgelb_addr *out)
{
	int af = edgelb_nl_af(family), best_rank = -1;
	uint8_t best[16] = { 0 }, cand[16];
	char ifn[IFNAMSIZ + 16];
	struct rtnl_link *link;
	struct nl_object *obj;
	bool tentative = false;

	memset(out, 0, sizeof(*out));
	if (af == AF_UNSPEC) {
		edgelb_nl_log(nl, LOG_ERR, "unknown address family %u", family);
		return -EAFNOSUPPORT;
	}
	link = rtnl_link_get(nl->links, ifindex);
	if (!link) {
		edgelb_nl_log(nl, LOG_ERR, "interface index %d not found", ifindex);
		return -ENODEV;
	}
	rtnl_link_put(link);

	for (obj = nl_cache_get_first(nl->addrs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		unsigned int flags = rtnl_addr_get_flags(a);
		int rank;

		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != af ||
		    rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE)
			continue;
		/* IFA_F_SECONDARY is IFA_F_TEMPORARY in IPv6. */
		if (flags & (IFA_F_SECONDARY | IFA_F_DEPRECATED | IFA_F_DADFAILED))
			continue;
		if (!edgelb_nl_addr_get(rtnl_addr_get_local(a), af, cand))
			continue;
		if (flags & IFA_F_TENTATIVE) {
			tentative = true;
			continue;
		}
		rank = (rtnl_addr_get_prefixlen(a) < (int)(8 * edgelb_nl_alen(af)) ? 2 : 0) +
		       ((flags & IFA_F_PERMANENT) ? 1 : 0);
		if (rank > best_rank ||
		    (rank == best_rank && memcmp(cand, best, edgelb_nl_alen(af)) < 0)) {
			best_rank = rank;
			memcpy(best, cand, sizeof(best));
		}
	}
	edgelb_nl_ifname(nl, ifindex, ifn, sizeof(ifn));
	if (best_rank < 0 && tentative) {
		edgelb_nl_log(nl, LOG_INFO, "the IPv6 addresses of %s are still in duplicate "
			      "address detection", ifn);
		return -EAGAIN;
	}
	if (best_rank < 0) {
		/* the caller decides how much that matters (often: not at all) */
		edgelb_nl_log(nl, LOG_DEBUG, "interface %s has no usable global IPv%u address", ifn,
			      family);
		return -EADDRNOTAVAIL;
	}
	memcpy(out->bytes, best, edgelb_nl_alen(af));
	return 0;
}

struct edgelb_nl_route_pick {
	int plen; /* -1 while nothing matched */
	uint32_t prio;
	uint8_t type;
	struct rtnl_nexthop *nh; /* borrowed from the cache; NULL for reject routes */
};

static bool edgelb_nl_prefix_match(const uint8_t *addr, const uint8_t *prefix, int plen)
{
	int bytes = plen / 8, bits = plen % 8;

	if (memcmp(addr, prefix, (size_t)bytes))
		return false;
	return !bits || !((addr[bytes] ^ prefix[bytes]) & (uint8_t)(0xff << (8 - bits)));
}

static bool edgelb_nl_reject_type(uint8_t type)
{
	return type == RTN_BLACKHOLE || type == RTN_UNREACHABLE || type == RTN_PROHIBIT ||
	       type == RTN_THROW;
}

/* First live next hop of r leaving by ifindex (multipath: kernel order). */
static struct rtnl_nexthop *edgelb_nl_route_nh(struct rtnl_route *r, int ifindex)
{
	int n = rtnl_route_get_nnexthops(r);

	for (int i = 0; i < n; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, i);

		if (nh && rtnl_route_nh_get_ifindex(nh) == ifindex &&
		    !(rtnl_route_nh_get_flags(nh) & RTNH_F_DEAD))
			return nh;
	}
	return NULL;
}

/* See edgelb_nl_nexthop() in netlink.h for the policy. */
static void edgelb_nl_route_lookup(struct edgelb_nl *nl, int ifindex, int af, const uint8_t *dst,
				   struct edgelb_nl_route_pick *best)
{
	int maxlen = (int)(8 * edgelb_nl_alen(af));
	struct nl_object *obj;

	memset(best, 0, sizeof(*best));
	best->plen = -1;
	for (obj = nl_cache_get_first(nl->routes); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *r = (struct rtnl_route *)obj;
		struct rtnl_nexthop *nh = NULL;
		uint8_t prefix[16] = { 0 };
		struct nl_addr *d, *s;
		uint32_t prio;
		uint8_t type;
		int plen;

		if (rtnl_route_get_family(r) != af || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    (rtnl_route_get_flags(r) & RTM_F_CLONED) || rtnl_route_get_tos(r))
			continue;
		/* rtnl_route_get_src_len() is declared but not exported by libnl 3.7. */
		s = rtnl_route_get_src(r);
		if (s && nl_addr_get_prefixlen(s) > 0)
			continue;
		d = rtnl_route_get_dst(r);
		if (!d)
			continue;
		/* The default route has an empty address and length 0. */
		plen = (int)nl_addr_get_prefixlen(d);
		if (plen > maxlen || plen > (int)(8 * nl_addr_get_len(d)) || plen < best->plen)
			continue;
		memcpy(prefix, nl_addr_get_binary_addr(d), (size_t)(plen + 7) / 8);
		if (!edgelb_nl_prefix_match(dst, prefix, plen))
			continue;
		type = rtnl_route_get_type(r);
		if (type == RTN_UNICAST) {
			nh = edgelb_nl_route_nh(r, ifindex);
			if (!nh)
				continue;
		} else if (!edgelb_nl_reject_type(type)) {
			continue;
		}
		prio = rtnl_route_get_priority(r);
		if (plen == best->plen && prio >= best->prio)
			continue;
		best->plen = plen;
		best->prio = prio;
		best->type = type;
		best->nh = nh;
	}
}

static struct rtnl_neigh *edgelb_nl_neigh_find(struct edgelb_nl *nl, int ifindex, int af,
					       const uint8_t *addr)
{
	struct nl_object *obj;
	uint8_t dst[16];

	/* By bytes, not nl_addr_cmp(), which also compares prefix lengths. */
	for (obj = nl_cache_get_first(nl->neighs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_neigh *n = (struct rtnl_neigh *)obj;

		if (rtnl_neigh_get_ifindex(n) == ifindex && rtnl_neigh_get_family(n) == af &&
		    edgelb_nl_addr_get(rtnl_neigh_get_dst(n), af, dst) && !memcmp(dst, addr, 16))
			return n;
	}
	return NULL;
}

/*
 * Ask the kernel to resolve addr on ifindex and to keep it resolved.
 *
 * RTM_NEWNEIGH with NTF_USE does what a packet would (the kernel starts
 * resolving, or re-confirms a STALE entry), and NTF_EXT_MANAGED (kernel
 * 5.16+) makes the kernel re-probe the entry by itself from then on:
 * edgelbd sends nothing through the kernel stack towards next hops, so
 * without it an entry would age to STALE and stay there, and a new MAC
 * would go unnoticed. Both keep the entry's current state; neither is sent
 * for static entries, which it would turn dynamic. Chosen over sending a
 * packet: no socket, no traffic of our own, no route through the kernel
 * needed.
 */
static int edgelb_nl_resolve(struct edgelb_nl *nl, int ifindex, int af, const uint8_t *addr)
{
	char a[INET6_ADDRSTRLEN], ifn[IFNAMSIZ + 16];
	struct rtnl_neigh *neigh;
	struct nl_msg *msg = NULL;
	struct nl_addr *dst;
	int err;

	neigh = rtnl_neigh_alloc();
	dst = nl_addr_build(af, addr, edgelb_nl_alen(af));
	if (!neigh || !dst) {
		err = -NLE_NOMEM;
		goto out;
	}
	rtnl_neigh_set_ifindex(neigh, ifindex);
	err = rtnl_neigh_set_dst(neigh, dst);
	if (err < 0)
		goto out;
	/* Not libnl's default PERMANENT, which the kernel refuses with MANAGED. */
	rtnl_neigh_set_state(neigh, NUD_NONE);
	rtnl_neigh_set_flags(neigh, NTF_USE);
	err = rtnl_neigh_build_add_request(neigh, NLM_F_CREATE | NLM_F_REPLACE, &msg);
	if (err < 0)
		goto out;
	/* libnl 3.7 knows no NDA_FLAGS_EXT: append it to the built message. */
	err = nla_put_u32(msg, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	if (err < 0)
		goto out;
	edgelb_nl_req_flush(nl);
	err = nl_send_sync(nl->req_sock, msg); /* frees msg */
	msg = NULL;
	if (err >= 0)
		nl->stats.resolves++;
out:
	nlmsg_free(msg);
	nl_addr_put(dst);
	rtnl_neigh_put(neigh);
	edgelb_nl_ntop(af, addr, a, sizeof(a));
	edgelb_nl_ifname(nl, ifindex, ifn, sizeof(ifn));
	if (err < 0) {
		edgelb_nl_log(nl, LOG_WARNING,
			      "cannot ask the kernel to resolve next hop %s on %s: %s", a, ifn,
			      nl_geterror(err));
		return edgelb_nl_errno(err);
	}
	edgelb_nl_log(nl, LOG_DEBUG, "asked the kernel to resolve next hop %s on %s", a, ifn);
	return 0;
}

int edgelb_nl_nexthop(struct edgelb_nl *nl, int ifindex, uint8_t family,
		      const union edgelb_addr *dst, struct edgelb_nl_nexthop *out)
{
	char a[INET6_ADDRSTRLEN], ifn[IFNAMSIZ + 16], t[32];
	int af = edgelb_nl_af(family), hop_af, state = 0;
	struct edgelb_nl_route_pick best;
	uint8_t d[16] = { 0 }, hop[16];
	struct edgelb_nl_watch *w;
	struct rtnl_neigh *neigh;
	struct nl_addr *gw;
	int err;

	memset(out, 0, sizeof(*out));
	if (af == AF_UNSPEC) {
		edgelb_nl_log(nl, LOG_ERR, "unknown address family %u", family);
		return -EAFNOSUPPORT;
	}
	err = edgelb_nl_ether_index(nl, ifindex);
	if (err)
		return err;
	memcpy(d, dst->bytes, edgelb_nl_alen(af));
	edgelb_nl_route_lookup(nl, ifindex, af, d, &best);
	if (best.plen < 0 || !best.nh) {
		edgelb_nl_ntop(af, d, a, sizeof(a));
		edgelb_nl_ifname(nl, ifindex, ifn, sizeof(ifn));
		if (best.plen < 0)
			edgelb_nl_log(nl, LOG_ERR, "no route to %s leaves by %s", a, ifn);
		else
			edgelb_nl_log(nl, LOG_ERR, "the route to %s is a %s route (/%d)", a,
				      nl_rtntype2str(best.type, t, sizeof(t)), best.plen);
		return -ENETUNREACH;
	}

	/* RTA_VIA: a gateway of the other family (IPv4 routes via IPv6). */
	gw = rtnl_route_nh_get_gateway(best.nh);
	if (!gw)
		gw = rtnl_route_nh_get_via(best.nh);
	if (gw) {
		hop_af = nl_addr_get_family(gw);
		if ((hop_af != AF_INET && hop_af != AF_INET6) ||
		    !edgelb_nl_addr_get(gw, hop_af, hop)) {
			edgelb_nl_ntop(af, d, a, sizeof(a));
			edgelb_nl_log(nl, LOG_ERR, "the route to %s has a gateway of family %d",
				      a, hop_af);
			return -EAFNOSUPPORT;
		}
	} else {
		out->onlink = true;
		hop_af = af;
		memcpy(hop, d, sizeof(hop));
	}
	out->ifindex = ifindex;
	out->family = hop_af == AF_INET ? EDGELB_AF_INET : EDGELB_AF_INET6;
	memcpy(out->gateway.bytes, hop, edgelb_nl_alen(hop_af));

	err = edgelb_nl_watch_add(nl, ifindex, hop_af, hop, &w);
	if (err)
		return err;
	neigh = edgelb_nl_neigh_find(nl, ifindex, hop_af, hop);
	if (neigh) {
		state = rtnl_neigh_get_state(neigh);
		out->nud_state = (uint16_t)state;
		out->resolved = edgelb_nl_neigh_mac(neigh, out->mac);
	}
	/*
	 * Once per watch period: a failed request is logged, and the lookup
	 * still answers; the kernel resolves the entry anyway as soon as
	 * anything sends through it.
	 */
	if (!w->asked && !(state & (NUD_PERMANENT | NUD_NOARP))) {
		w->asked = true;
		edgelb_nl_resolve(nl, ifindex, hop_af, hop);
	}
	return 0;
}

void edgelb_nl_get_stats(const struct edgelb_nl *nl, struct edgelb_nl_stats *out)
{
	*out = nl->stats;
}
