/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the XDP data plane needs from the kernel's network state, read
 * through libnl caches that follow the kernel as it changes:
 *
 *   links       the MAC of the interface packets leave by (XDP_TX),
 *   addresses   the outer source address of encapsulated packets,
 *   routes and  the MAC of the next hop towards each backend: the
 *   neighbours  backend itself when on-link, else the route's gateway.
 *
 * Event-driven, for edgelbd's single-threaded epoll loop: add
 * edgelb_nl_fd() to the epoll set (EPOLLIN); when it is readable call
 * edgelb_nl_process(). That applies the kernel's notifications to the
 * caches and then, if something a lookup depends on changed, calls the
 * change callback once: "look again". Nothing here blocks on the network;
 * lookups answer from the caches, in memory.
 *
 * Contracts for every function below:
 *  - int results are 0 or a negative errno; a failure that the operator
 *    can act on is also logged (prefix "netlink: ").
 *  - Addresses are union edgelb_addr in network byte order, IPv4 in .v4
 *    with the other bytes zero; families are enum edgelb_family
 *    (EDGELB_AF_INET, EDGELB_AF_INET6). MACs are 6 bytes, wire order.
 *  - An instance belongs to one thread and to the network namespace that
 *    thread was in when it called edgelb_nl_open().
 */
#ifndef EDGELB_NETLINK_H
#define EDGELB_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"

struct edgelb_nl;

/*
 * "Something a lookup depends on changed: look again." Called only from
 * edgelb_nl_process(), after the caches are consistent, at most once per
 * call. It may call any lookup below; it must not call edgelb_nl_process()
 * or edgelb_nl_close().
 */
typedef void (*edgelb_nl_change_cb)(void *arg);

/*
 * One finished message of subsystem "netlink", without prefix or newline
 * (for edgelb_log: pr_warn("netlink", "%s", msg)). level is a syslog level
 * (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG).
 */
typedef void (*edgelb_nl_log_fn)(int level, const char *msg, void *arg);

/* Default receive buffer of the notification socket, in bytes. */
#define EDGELB_NL_RCVBUF_DEFAULT (4 * 1024 * 1024)

struct edgelb_nl_opts {
	edgelb_nl_change_cb change_cb; /* may be NULL */
	edgelb_nl_log_fn log;	       /* NULL: standard error, "netlink: " */
	void *arg;		       /* passed to change_cb and log */
	int rcvbuf;		       /* 0: EDGELB_NL_RCVBUF_DEFAULT */
	bool debug;		       /* also log LOG_DEBUG lines */
};

/* Per-instance counters, for operators and tests. */
struct edgelb_nl_stats {
	uint64_t messages; /* kernel notifications applied to the caches */
	uint64_t changes;  /* change callbacks called */
	uint64_t resyncs;  /* full reloads after notifications were lost */
	uint64_t resolves; /* neighbour resolution requests sent */
};

/*
 * Load the link, address, route and neighbour tables of the current
 * network namespace and subscribe to their changes; cb (may be NULL) is
 * the change callback, arg its argument; logs go to standard error.
 * Needs no privilege to read; resolving neighbours (see edgelb_nl_nexthop)
 * needs CAP_NET_ADMIN.
 */
int edgelb_nl_open(edgelb_nl_change_cb cb, void *arg, struct edgelb_nl **out);

/* The same with every option (log routing, buffer size); opts may be NULL. */
int edgelb_nl_open_opts(const struct edgelb_nl_opts *opts, struct edgelb_nl **out);

/*
 * Free everything. Neighbour entries made "managed" by edgelb_nl_nexthop
 * stay in the kernel on purpose: the kernel keeps them resolved while
 * edgelbd restarts, as the pinned data plane keeps forwarding.
 */
void edgelb_nl_close(struct edgelb_nl *nl);

/* The descriptor to poll for EPOLLIN. Valid until edgelb_nl_close(). */
int edgelb_nl_fd(const struct edgelb_nl *nl);

/*
 * Apply every pending notification (the descriptor is non-blocking) and
 * call the change callback if a lookup's answer may have changed.
 *
 * If the kernel dropped notifications (receive buffer overrun), the
 * caches are reloaded from a full dump and the callback is called. If
 * that reload fails, returns its error and retries it on the next call:
 * until then lookups may answer from stale tables, so call again soon
 * (e.g. from a timer) even if the descriptor is not readable.
 */
int edgelb_nl_process(struct edgelb_nl *nl);

/*
 * Index and MAC of the Ethernet interface ifname; either output may be
 * NULL. -ENODEV: no such interface; -EPROTONOSUPPORT: not Ethernet (e.g.
 * lo, a tunnel), so it cannot carry the data plane.
 */
int edgelb_nl_link(struct edgelb_nl *nl, const char *ifname, int *ifindex, uint8_t mac[6]);

/*
 * Whether ifname can pass packets: 1 when administratively up with
 * carrier (IFF_UP and IFF_RUNNING, i.e. operstate up), 0 when not,
 * -ENODEV when there is no such interface (a tracked one counts as down).
 * A change of either calls the change callback.
 */
int edgelb_nl_link_up(struct edgelb_nl *nl, const char *ifname);

/*
 * The interface's primary address of one family, used as the outer
 * source when none is configured. Candidates are global-scope addresses;
 * IPv4 secondaries and IPv6 temporary, deprecated and DAD-failed ones are
 * not. Among candidates, a subnet address is preferred to a host address
 * (/32, /128: usually VIPs), then (IPv6) a static address to an
 * autoconfigured one, then the lowest address. The rule depends only on
 * the set of addresses, not on the order they were added, so every node
 * and every restart picks alike.
 *
 * -ENODEV: no such interface; -EADDRNOTAVAIL: no candidate; -EAGAIN: the
 * only candidates are still in duplicate address detection (the callback
 * fires when DAD ends); -EAFNOSUPPORT: bad family.
 */
int edgelb_nl_primary_addr(struct edgelb_nl *nl, int ifindex, uint8_t family,
			   union edgelb_addr *out);

struct edgelb_nl_nexthop {
	int ifindex;		   /* the egress interface asked for */
	uint8_t family;		   /* enum edgelb_family of gateway */
	bool onlink;		   /* no gateway: the neighbour is dst itself */
	bool resolved;		   /* mac holds the neighbour's MAC */
	uint8_t mac[6];		   /* zero unless resolved */
	uint16_t nud_state;	   /* kernel NUD_* of the entry, 0 if none */
	union edgelb_addr gateway; /* the neighbour: gateway, or dst if onlink */
};

/*
 * Next hop of packets to dst leaving by ifindex (the data plane can only
 * XDP_TX out of the interface the packet came in on).
 *
 * Route: longest prefix match in the main routing table, then lowest
 * metric, among routes with a next hop on ifindex (as the kernel does for
 * a lookup bound to an interface) and reject routes (blackhole,
 * unreachable, prohibit), which win as they would in the kernel. Not
 * followed: policy routing rules and other tables, source-specific and
 * TOS routes, multipath hashing (the first next hop on ifindex is taken),
 * nexthop objects unless the kernel reports them in routes (the default,
 * nexthop_compat_mode=1).
 *
 * Neighbour: the entry of the gateway (or of dst when on-link) on
 * ifindex. resolved is true while the entry holds a usable MAC (states
 * REACHABLE, STALE, DELAY, PROBE, PERMANENT, NOARP). Unless the entry is
 * static, the kernel is asked once, until the next change callback, to
 * resolve it and keep it resolved (NTF_USE + NTF_EXT_MANAGED), so the
 * callback fires when it resolves or its MAC changes, without any packet
 * from edgelbd.
 *
 * The answer's neighbour is watched until the next change callback:
 * neighbour changes of watched entries fire the callback, others do not;
 * route, address and link changes always do. So: after each callback,
 * look up again every next hop still needed.
 *
 * -ENODEV: no such interface; -EPROTONOSUPPORT: not Ethernet;
 * -ENETUNREACH: no route leaves by ifindex, or a reject route matches;
 * -EAFNOSUPPORT: bad family; -ENOMEM.
 */
int edgelb_nl_nexthop(struct edgelb_nl *nl, int ifindex, uint8_t family,
		      const union edgelb_addr *dst, struct edgelb_nl_nexthop *out);

void edgelb_nl_get_stats(const struct edgelb_nl *nl, struct edgelb_nl_stats *out);

#endif /* EDGELB_NETLINK_H */
