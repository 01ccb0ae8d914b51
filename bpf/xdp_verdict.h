/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The XDP action of a core verdict (enum edgelb_verdict, dataplane/core/
 * target.h). It lives with the XDP target, not in the core: the core
 * says what to do with a frame, each target says it in its own terms
 * (XDP_* here; a DPDK target transmits, frees or hands to its exception
 * path). Users: the balancer (edgelb.bpf.c), the benchmark wrapper
 * (tools/bench/xdp_bench.bpf.c) and the host twin of the XDP target
 * (tests/bpf/host_dp.c), which reports what the XDP program would.
 *
 * Include it after the core (forward.h): it needs the verdicts.
 */
#ifndef EDGELB_XDP_VERDICT_H
#define EDGELB_XDP_VERDICT_H

#include <linux/bpf.h>

#include "target.h"

static inline __attribute__((always_inline)) int edgelb_xdp_action(int verdict)
{
	switch (verdict) {
	case EDGELB_V_TX:
		return XDP_TX;
	case EDGELB_V_DROP:
		return XDP_DROP;
	default:
		return XDP_PASS;
	}
}

#endif /* EDGELB_XDP_VERDICT_H */
