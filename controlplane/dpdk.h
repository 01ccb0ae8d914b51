/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DPDK data plane as edgelbd sees it: the tables file in shared
 * memory (dataplane/dpdk/tables_abi.h) that edgelb-dpdk forwards from.
 * edgelbd is its one writer; edgelb-dpdk is started on its own (a service
 * of its own, edgelb-dpdk(8)) and either may be restarted while the other
 * runs: the file outlives both, as pinned maps do for XDP.
 *
 * "Attaching" to an interface attaches nothing: the interface is
 * edgelb-dpdk's exception TAP, whose kernel ifindex is the node-config key
 * of its data port and whose MAC is the data port's. Attach writes that
 * slot and warns when no edgelb-dpdk has the tables mapped.
 *
 * Rings are placed by ring_store.h on the tables' grace periods (the
 * epochs edgelb-dpdk's lcores publish). A grace period that does not end
 * within EDGELB_DPDK_GRACE_MS (an edgelb-dpdk stopped with SIGSTOP, or an
 * lcore stuck) fails the ring change with -ETIMEDOUT rather than stall
 * edgelbd's loop; while the lcores stay still, later changes that would
 * wait fail at once. A data plane that exited ends every period at once
 * (its presence lock is gone).
 */
#ifndef EDGELB_CP_DPDK_H
#define EDGELB_CP_DPDK_H

#include "dataplane.h"

#define EDGELB_DPDK_GRACE_MS 200

extern const struct edgelb_dataplane_ops edgelb_dpdk_ops;
extern const struct edgelb_dataplane_lifecycle edgelb_dpdk_lifecycle;

#endif /* EDGELB_CP_DPDK_H */
