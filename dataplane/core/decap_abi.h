/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Map ABI of the backend-side decapsulator (bpf/decap.bpf.c) and of its
 * loader (tools/lab/edgelb-decap.c). Same rules as abi.h: <linux/types.h>
 * and C11 only, byte order visible in field types, fixed sizes asserted.
 *
 * Maps of the decap program:
 *
 *   decap_addrs  hash, struct edgelb_decap_key -> __u32 (reserved, write 0)
 *                The outer destination addresses this host accepts tunnels
 *                on. A tunnel packet to any other address passes untouched.
 *   decap_stats  per-CPU array, enum edgelb_decap_counter -> __u64 packets
 *                Every packet the program sees increments exactly one
 *                counter; userspace sums the per-CPU values.
 *
 * Read-only setting (skeleton rodata, set before load):
 *
 *   gue_port     __be16, UDP destination port of GUE in network byte
 *                order; 0 turns GUE decapsulation off.
 */
#ifndef EDGELB_DECAP_ABI_H
#define EDGELB_DECAP_ABI_H

#include <linux/types.h>

#include "abi.h"

#ifndef EDGELB_DECAP_MAX_ADDRS
#define EDGELB_DECAP_MAX_ADDRS 64
#endif

/*
 * Key of decap_addrs. Built like every edgelb address key: IPv4 in
 * addr.v4 with the other 12 bytes zero, pad zero, so one address has
 * exactly one key.
 */
struct edgelb_decap_key {
	union edgelb_addr addr; /* network byte order */
	__u8 family;		/* EDGELB_AF_INET or EDGELB_AF_INET6 */
	__u8 pad[3];
};

/* Index of the per-CPU decap_stats array. */
enum edgelb_decap_counter {
	EDGELB_DECAP_CNT_IPIP = 0,	/* IPv4 in IPv4 (protocol 4) stripped */
	EDGELB_DECAP_CNT_IP6IP6,	/* IPv6 in IPv6 (next header 41) */
	EDGELB_DECAP_CNT_IP6IP4,	/* IPv6 in IPv4 (protocol 41) */
	EDGELB_DECAP_CNT_IP4IP6,	/* IPv4 in IPv6 (next header 4) */
	EDGELB_DECAP_CNT_GUE,		/* GUE variant 1, any family mix */
	EDGELB_DECAP_CNT_PASSED,	/* not a tunnel packet: untouched */
	EDGELB_DECAP_CNT_PASSED_NOT_OURS, /* tunnel to an address not ours */
	EDGELB_DECAP_CNT_DROP_MALFORMED, /* lengths, versions, GUE variant */
	EDGELB_DECAP_CNT_DROP_BAD_CSUM, /* outer IPv4 header checksum */
	EDGELB_DECAP_CNT_DROP_FRAGMENT, /* outer IPv4 fragment: no reassembly */
	EDGELB_DECAP_CNT_DROP_ECN,	/* outer CE, inner Not-ECT (RFC 6040) */
	EDGELB_DECAP_CNT_DROP_ADJUST,	/* bpf_xdp_adjust_head() refused */
	EDGELB_DECAP_CNT_MAX,
};

/*
 * edgelb_decap_counter_name() - stable name of a counter, for stats
 * output and tests ("decapsulated_ipip", ...).
 * Returns a static string; "unknown" for an index out of range.
 */
static inline const char *edgelb_decap_counter_name(unsigned int counter)
{
	static const char *const names[EDGELB_DECAP_CNT_MAX] = {
		[EDGELB_DECAP_CNT_IPIP] = "decapsulated_ipip",
		[EDGELB_DECAP_CNT_IP6IP6] = "decapsulated_ip6ip6",
		[EDGELB_DECAP_CNT_IP6IP4] = "decapsulated_ip6ip4",
		[EDGELB_DECAP_CNT_IP4IP6] = "decapsulated_ip4ip6",
		[EDGELB_DECAP_CNT_GUE] = "decapsulated_gue",
		[EDGELB_DECAP_CNT_PASSED] = "passed",
		[EDGELB_DECAP_CNT_PASSED_NOT_OURS] = "passed_not_ours",
		[EDGELB_DECAP_CNT_DROP_MALFORMED] = "drop_malformed",
		[EDGELB_DECAP_CNT_DROP_BAD_CSUM] = "drop_bad_checksum",
		[EDGELB_DECAP_CNT_DROP_FRAGMENT] = "drop_fragment",
		[EDGELB_DECAP_CNT_DROP_ECN] = "drop_ce_not_ect",
		[EDGELB_DECAP_CNT_DROP_ADJUST] = "drop_adjust_failed",
	};

	if (counter >= EDGELB_DECAP_CNT_MAX || !names[counter])
		return "unknown";
	return names[counter];
}

_Static_assert(sizeof(struct edgelb_decap_key) == 20, "edgelb_decap_key ABI");

#endif /* EDGELB_DECAP_ABI_H */
