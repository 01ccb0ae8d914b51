/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An in-memory data plane for the unit tests of the model (lb.c) and of
 * what drives it (health checks): edgelb_dataplane_ops that record every
 * call, keep the backends and a copy of each VIP's ring, and fail the test
 * when a ring names a backend not written yet (lb.c's ordering promise).
 */
#ifndef EDGELB_TEST_FAKE_DP_H
#define EDGELB_TEST_FAKE_DP_H

#include <stdint.h>

#include "abi.h"
#include "lb.h"

#define FAKE_DP_LOG_MAX 4096
#define FAKE_DP_VIPS 64

struct fake_dp {
	char log[FAKE_DP_LOG_MAX][48]; /* "vip 3 port 80", "be 7 flags 1", "ring 3" ... */
	int n;
	struct edgelb_backend be[EDGELB_MAX_BACKENDS];
	uint32_t *ring[FAKE_DP_VIPS]; /* by vip_id */
	uint32_t ring_size[FAKE_DP_VIPS];
	int vips; /* set_vip minus del_vip */
};

extern struct fake_dp fdp;
extern const struct edgelb_dataplane_ops fake_dp_ops;

/* Forget everything (before each test). */
void fake_dp_reset(void);

#endif /* EDGELB_TEST_FAKE_DP_H */
