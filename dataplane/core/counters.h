/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stable names of the node-wide counters (enum edgelb_counter in abi.h),
 * for lbctl and the Prometheus exporter. Userspace only. A name, once
 * released, is never reused for another meaning: dashboards depend on it.
 */
#ifndef EDGELB_COUNTERS_H
#define EDGELB_COUNTERS_H

#include "abi.h"

static const char *const edgelb_counter_names[EDGELB_COUNTER_MAX] = {
	[EDGELB_DROP_TRUNCATED] = "drop_truncated",
	[EDGELB_DROP_MALFORMED] = "drop_malformed",
	[EDGELB_DROP_NO_BACKEND] = "drop_no_backend",
	[EDGELB_DROP_BACKEND_INVALID] = "drop_backend_invalid",
	[EDGELB_DROP_FRAGMENT] = "drop_fragment",
	[EDGELB_DROP_TOO_BIG] = "drop_too_big",
	[EDGELB_DROP_ENCAP_FAILED] = "drop_encap_failed",
	[EDGELB_DROP_FAMILY_MISMATCH] = "drop_family_mismatch",
	[EDGELB_DROP_NO_CONFIG] = "drop_no_config",
	[EDGELB_DROP_NO_NEXT_HOP] = "drop_no_next_hop",
	[EDGELB_DROP_TOO_BIG_BAD_SOURCE] = "drop_too_big_bad_source",
	[EDGELB_DROP_TOO_BIG_RATE_LIMITED] = "drop_too_big_rate_limited",
	[EDGELB_DROP_MULTI_BUFFER] = "drop_multi_buffer",
	[EDGELB_EV_PASS_NOT_IP] = "pass_not_ip",
	[EDGELB_EV_PASS_NOT_VIP] = "pass_not_vip",
	[EDGELB_EV_PASS_UNPARSED] = "pass_unparsed",
	[EDGELB_EV_ICMP_TOO_BIG_SENT] = "icmp_too_big_sent",
	[EDGELB_EV_ICMP_FORWARDED] = "icmp_forwarded",
	[EDGELB_EV_FRAGMENT_FORWARDED] = "fragment_forwarded",
	[EDGELB_EV_FLOW_REHASHED] = "flow_rehashed",
	[EDGELB_EV_PASS_L2_GROUP] = "pass_l2_group",
	[EDGELB_EV_NEW_FLOW_UNSAVED] = "new_flow_unsaved",
};

/* True for the counters that count dropped packets. */
static inline int edgelb_counter_is_drop(enum edgelb_counter c)
{
	return c < EDGELB_DROP_MAX;
}

#endif /* EDGELB_COUNTERS_H */
