/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Health checks through the tunnel: the kernel state that makes a check
 * socket marked EDGELB_HC_MARK(backend id) (hc_mark.h) and connected to
 * VIP:port travel like client traffic, encapsulated towards that backend.
 *
 *   check socket --SO_MARK--> rule "fwmark 0x4c420000/0xffff0000 lookup T"
 *     --> table T: "VIP via <placeholder> dev IF onlink src <ours> mtu .."
 *     --> IF egress: bpf/hc_encap.bpf.c wraps it for hc_targets[id]
 *
 * What an open tunnel owns in the network namespace it was opened in:
 *
 *  - a tc filter (clsact egress of the interface, priority
 *    EDGELB_HC_TC_PRIO, handle EDGELB_HC_TC_HANDLE) running hc_encap;
 *  - the policy rule above, for IPv4 and IPv6, at opts.rule_pref;
 *  - every route of table T (one /32 or /128 per VIP: the table is ours);
 *  - a permanent neighbour entry for the placeholder next hop
 *    (EDGELB_HC_NEXTHOP4 / EDGELB_HC_NEXTHOP6) on the interface;
 *  - the "lookup local" rule, moved from preference 0 to opts.local_pref,
 *    so that a VIP this node holds (VRRP master) is not delivered locally
 *    before the fwmark rule is seen (a rule cannot precede preference 0);
 *  - net.ipv4.conf.IF.accept_local = 1: the backend's answer comes from
 *    the VIP, which is one of our own addresses on a master, and would be
 *    dropped as a martian otherwise;
 *  - with opts.pin_dir, the maps pinned there (hc_targets, hc_stats).
 *
 * Every open replaces what an earlier run left (killed daemon): the filter
 * with BPF_TC_F_REPLACE, rules and neighbour entries without duplicates,
 * routes reconciled by edgelb_hc_tunnel_set_vips(). close() removes all of
 * it and puts the local rule back at preference 0.
 *
 * Contracts: int results are 0 or a negative errno, failures are logged
 * (prefix "hc-tunnel: "). Addresses are union edgelb_addr in network byte
 * order, IPv4 in .v4 with the other bytes zero; families are enum
 * edgelb_family. Needs CAP_NET_ADMIN and CAP_BPF (root). One tunnel per
 * network namespace; it is not thread-safe.
 */
#ifndef EDGELB_HC_TUNNEL_H
#define EDGELB_HC_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "hc_abi.h"

/* Defaults; each can be overridden in struct edgelb_hc_tunnel_opts. */
#define EDGELB_HC_TABLE_DEFAULT 0x4c42 /* routing table 19522 */
#define EDGELB_HC_RULE_PREF_DEFAULT 64 /* the fwmark rule... */
#define EDGELB_HC_LOCAL_PREF_DEFAULT 65 /* ...then "lookup local" */

/* Identity of our tc filter on the interface's clsact egress hook. */
#define EDGELB_HC_TC_PRIO 1
#define EDGELB_HC_TC_HANDLE 0x4c42

/*
 * Placeholder next hops of the VIP routes: link-local addresses that only
 * table T uses, each with a permanent neighbour entry (our own MAC), so the
 * kernel never has to resolve anything before the program runs. An
 * on-link route to the VIP would make the kernel ask who has the VIP, and
 * nobody answers that question for a VIP this node holds (the backends
 * hold it on lo with arp_ignore). The program rewrites the destination MAC
 * of every packet it takes; one it drops never leaves.
 */
#define EDGELB_HC_NEXTHOP4 "169.254.76.66"
#define EDGELB_HC_NEXTHOP6 "fe80::4c:42"

struct edgelb_hc_tunnel;

struct edgelb_hc_tunnel_opts {
	const char *ifname; /* the data-plane interface, or NULL and ... */
	int ifindex;	    /* ... its index */
	uint32_t table;	    /* 0: EDGELB_HC_TABLE_DEFAULT */
	uint32_t rule_pref; /* 0: EDGELB_HC_RULE_PREF_DEFAULT */
	uint32_t local_pref; /* 0: EDGELB_HC_LOCAL_PREF_DEFAULT; > rule_pref */
	/*
	 * Our addresses on the interface, the source of the checks (route
	 * prefsrc): the kernel would otherwise pick the VIP itself when this
	 * node holds it, and the backend's answer would stay on the backend.
	 * Family NONE: no check of that family can be routed (set_vips refuses
	 * VIPs of it).
	 */
	union edgelb_addr src_v4, src_v6;
	uint8_t has_src_v4, has_src_v6;
	const char *pin_dir; /* bpffs directory for the maps; NULL: none */
};

/* One VIP that checks are sent to. */
struct edgelb_hc_vip {
	union edgelb_addr addr;
	uint8_t family; /* EDGELB_AF_INET or EDGELB_AF_INET6 */
};

/*
 * Load and attach the program and install the rules, replacing whatever an
 * earlier run left. No route yet: see edgelb_hc_tunnel_set_vips().
 * With opts->pin_dir the targets of an earlier run are kept.
 */
int edgelb_hc_tunnel_open(const struct edgelb_hc_tunnel_opts *opts, struct edgelb_hc_tunnel **out);

/*
 * Make table T hold exactly one route per VIP in vips (n may be 0):
 * missing ones are added, others (a previous run's, a removed VIP's)
 * deleted. -EINVAL for a VIP whose family has no source address.
 */
int edgelb_hc_tunnel_set_vips(struct edgelb_hc_tunnel *t, const struct edgelb_hc_vip *vips,
			      size_t n);

/*
 * Where the checks of backend_id (1..EDGELB_HC_MAX_TARGETS-1) go; replaces
 * an earlier target. target->pad must be zero. -EINVAL for an id out of
 * range or an encapsulation the program does not know.
 */
int edgelb_hc_tunnel_set(struct edgelb_hc_tunnel *t, uint32_t backend_id,
			 const struct edgelb_hc_target *target);

/* Forget backend_id's target: its marked packets are dropped. -ENOENT if none. */
int edgelb_hc_tunnel_del(struct edgelb_hc_tunnel *t, uint32_t backend_id);

/* The mark a check socket of backend_id sets (SO_MARK). */
uint32_t edgelb_hc_tunnel_mark(uint32_t backend_id);

/* Sum of the per-CPU counters, indexed by enum edgelb_hc_counter. */
int edgelb_hc_tunnel_stats(const struct edgelb_hc_tunnel *t, uint64_t counts[EDGELB_HC_CNT_MAX]);

/*
 * The same from the maps pinned in pin_dir, without opening a tunnel (for
 * tools and tests). -ENOENT when nothing is pinned there.
 */
int edgelb_hc_tunnel_stats_pinned(const char *pin_dir, uint64_t counts[EDGELB_HC_CNT_MAX]);

/*
 * Detach the program, delete the routes, rules and neighbour entries, put
 * the local rule back at preference 0 and unpin the maps. Best effort:
 * every step is tried, failures are logged. t may be NULL.
 */
void edgelb_hc_tunnel_close(struct edgelb_hc_tunnel *t);

#endif /* EDGELB_HC_TUNNEL_H */
