/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Map ABI of the health-check tunnel: bpf/hc_encap.bpf.c (a tc egress
 * program on the data-plane interface) and its loader
 * (controlplane/health/tunnel.c). Same rules as abi.h: <linux/types.h> and
 * C11 only, byte order visible in field types, fixed sizes asserted.
 *
 * A check "through the tunnel" is a socket connected to VIP:port whose
 * SO_MARK names a backend (controlplane/health/hc_mark.h). A policy rule
 * routes marked packets out of the data-plane interface; the program
 * wraps each one the way the balancer wraps client packets to that
 * backend, so the check fails if the backend's decapsulation or its VIP on
 * lo is broken, not only if its port is closed:
 *
 *   skb->mark     31            16 15             0
 *                +----------------+----------------+
 *                | hc_mark_base   |   backend id   |  -> hc_targets[id]
 *                +----------------+----------------+
 *
 *   before: | Ethernet | IP to VIP | TCP ... |
 *   after:  | Ethernet | outer IP to target.backend [| UDP to gue_dport |]
 *           | IP to VIP | TCP ... |
 *
 * The outer headers are the data plane's (dataplane/core/encap.h: same
 * TTL, DF and TOS copied from the inner packet, GUE source port and IPv6
 * flow label from the flow hash). DSR targets get no outer header, only
 * the backend's MAC, as the balancer does.
 *
 * Maps of the program:
 *
 *   hc_targets   hash, __u32 backend id -> struct edgelb_hc_target
 *   hc_stats     per-CPU array, enum edgelb_hc_counter -> __u64 packets;
 *                every packet the program sees increments exactly one.
 *
 * Read-only settings (skeleton rodata, set before load; the defaults
 * match no mark, so an unconfigured program only counts "passed"):
 *
 *   hc_mark_base  __u32, EDGELB_HC_MARK_BASE
 *   hc_mark_mask  __u32, EDGELB_HC_MARK_MASK: the bits that must equal
 *                 hc_mark_base; the others are the backend id
 *
 * Both come from controlplane/health/hc_mark.h, the one definition of the
 * mark, which the loader includes; the program takes them as settings so
 * that it cannot disagree with the sockets.
 */
#ifndef EDGELB_HC_ABI_H
#define EDGELB_HC_ABI_H

#include <linux/types.h>

#include "abi.h"

#ifndef EDGELB_HC_MAX_TARGETS
#define EDGELB_HC_MAX_TARGETS EDGELB_MAX_BACKENDS
#endif

/*
 * Value of hc_targets: where the checks of one backend go, written by the
 * control plane from the same data as the balancer's backend entry, so the
 * check takes the path client traffic takes.
 */
struct edgelb_hc_target {
	union edgelb_addr backend; /* outer destination (DSR: unused) */
	union edgelb_addr src;	   /* outer source: node_config.src_v4/v6 */
	__u8 family;		   /* enum edgelb_family of backend and src */
	__u8 encap;		   /* enum edgelb_encap of the service */
	__be16 gue_dport;	   /* GUE destination port, network order */
	/*
	 * Destination MAC of the encapsulated frame: the backend's when
	 * on-link, else the gateway's (what the balancer uses). All zero:
	 * let the kernel resolve it (FIB lookup on the outer destination,
	 * then the neighbour table).
	 */
	__u8 mac[6];
	__u16 pad; /* zero */
};

/* Index of the per-CPU hc_stats array. */
enum edgelb_hc_counter {
	EDGELB_HC_CNT_ENCAP = 0,	/* wrapped, destination MAC from the target */
	EDGELB_HC_CNT_ENCAP_NEIGH,	/* wrapped, MAC left to the kernel's neighbour table */
	EDGELB_HC_CNT_DSR,		/* DSR target: MAC rewritten only */
	EDGELB_HC_CNT_PASSED,		/* not a check packet: untouched */
	EDGELB_HC_CNT_DROP_NO_TARGET,	/* check mark of a backend without target */
	EDGELB_HC_CNT_DROP_MALFORMED,	/* not IPv4/IPv6, or headers cut short */
	EDGELB_HC_CNT_DROP_FAMILY,	/* IPIP cannot carry this family mix */
	EDGELB_HC_CNT_DROP_ADJUST,	/* bpf_skb_adjust_room() or a store refused */
	EDGELB_HC_CNT_MAX,
};

/*
 * edgelb_hc_counter_name() - stable name of a counter, for stats output
 * and tests ("encapsulated", ...).
 * Returns a static string; "unknown" for an index out of range.
 */
static inline const char *edgelb_hc_counter_name(unsigned int counter)
{
	static const char *const names[EDGELB_HC_CNT_MAX] = {
		[EDGELB_HC_CNT_ENCAP] = "encapsulated",
		[EDGELB_HC_CNT_ENCAP_NEIGH] = "encapsulated_neigh",
		[EDGELB_HC_CNT_DSR] = "dsr",
		[EDGELB_HC_CNT_PASSED] = "passed",
		[EDGELB_HC_CNT_DROP_NO_TARGET] = "drop_no_target",
		[EDGELB_HC_CNT_DROP_MALFORMED] = "drop_malformed",
		[EDGELB_HC_CNT_DROP_FAMILY] = "drop_family",
		[EDGELB_HC_CNT_DROP_ADJUST] = "drop_adjust_failed",
	};

	if (counter >= EDGELB_HC_CNT_MAX || !names[counter])
		return "unknown";
	return names[counter];
}

_Static_assert(sizeof(struct edgelb_hc_target) == 44, "edgelb_hc_target ABI");
_Static_assert(EDGELB_HC_MAX_TARGETS <= 0x10000, "every backend id fits in the mark's 16 id bits");

#endif /* EDGELB_HC_ABI_H */
