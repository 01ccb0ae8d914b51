/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one in-memory data plane of the tests: edgelb_dataplane_ops
 * (lb.h) that keep the backends and a copy of each VIP's ring, record
 * every call, and stop the test (a message, then abort) when a ring names
 * a backend not written yet (lb.c's ordering promise). Used by the unit
 * tests of the model and of what drives it, and by the ctl test harness
 * (tests/integration/ctl_harness.c), which also wants counters that move
 * and a flow listing.
 *
 * dp may be NULL in lb_init(): the calls then go to the global fdp.
 */
#ifndef EDGELB_TEST_FAKE_DP_H
#define EDGELB_TEST_FAKE_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "lb.h"

#define FAKE_DP_LOG_MAX 4096

struct fake_dp {
	/* "vip 3 port 80", "be 7 flags 1", "ring 3" ...; overflow stops the test */
	char log[FAKE_DP_LOG_MAX][48];
	int n;
	bool no_log; /* a long-running user (the harness): record nothing */
	struct edgelb_backend be[EDGELB_MAX_BACKENDS];
	uint32_t *ring[EDGELB_MAX_VIPS]; /* by vip_id */
	uint32_t ring_size[EDGELB_MAX_VIPS];
	int vips; /* set_vip minus del_vip */
	/*
	 * Counters: zero, or with synthetic_counters values that grow with
	 * every read (for rates): packets 1000 * (id + 1) + 10 * reads, bytes
	 * 100 * packets, new flows 10 * (id + 1) + reads; global counter c is
	 * 3 * c.
	 */
	bool synthetic_counters;
	uint64_t reads;
	/*
	 * The flow listing: one flow per backend of flows_of's first service;
	 * NULL: none. The fill level: those flows, of FAKE_DP_FLOW_CAPACITY.
	 */
	const struct lb *flows_of;
};

#define FAKE_DP_FLOW_CAPACITY 131072

extern struct fake_dp fdp;
extern const struct edgelb_dataplane_ops fake_dp_ops;

/* Forget everything in f (NULL: fdp), before each test. */
void fake_dp_reset(struct fake_dp *f);

#endif /* EDGELB_TEST_FAKE_DP_H */
