/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The socket mark of a health check sent "through the tunnel"
 * (health.through_tunnel, edgelb.conf(5)).
 *
 * Such a check connects to the service's VIP, not to the backend, with
 * SO_MARK = EDGELB_HC_MARK(backend id). A tc egress program matches the
 * mark and encapsulates the packet towards backend `id`, as the data plane
 * does with client traffic, so the check also proves that the backend
 * decapsulates and owns the VIP. The low 16 bits carry the id
 * (EDGELB_MAX_BACKENDS fits), the high 16 bits say "edgelb health" ("LB").
 * Shared by edgelbd (health/) and the tc program: change both together.
 */
#ifndef EDGELB_HC_MARK_H
#define EDGELB_HC_MARK_H

#define EDGELB_HC_MARK_BASE 0x4c420000u
#define EDGELB_HC_MARK_MASK 0xffff0000u
#define EDGELB_HC_MARK(id) (EDGELB_HC_MARK_BASE | (id))
/* The backend id of a mark, for marks with (m & MASK) == BASE. */
#define EDGELB_HC_MARK_ID(m) ((m) & ~EDGELB_HC_MARK_MASK)

#endif /* EDGELB_HC_MARK_H */
