/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Between the health checks and their tunnel (tunnel.h): the checks say
 * which backend needs a check through the tunnel and to which VIP
 * (edgelb_health_ops.tunnel_needed); this keeps the tunnel in line. The
 * first such check opens it (tc program, routing) on the first data-plane
 * interface; every backend gets a target (where its marked check packets
 * are encapsulated to, with the next hop the data plane uses, so that a
 * stale one fails the check too); table T holds a route for every VIP
 * that at least one check goes to (reference counted).
 *
 * It reads the balancer model (lb.h) for the outer source addresses and
 * the backends' next hops; it reaches nothing else of edgelbd.
 */
#ifndef EDGELB_HC_TUNNEL_GLUE_H
#define EDGELB_HC_TUNNEL_GLUE_H

#include <stdbool.h>
#include <stdint.h>

struct lb;
struct edgelb_health_tunnel;
struct hc_tunnel_glue;

struct hc_tunnel_glue_opts {
	int ifindex;	    /* the first data-plane interface */
	const char *ifname; /* for messages */
	const char *pin_dir; /* edgelbd's pin_dir; the tunnel's maps go to PIN_DIR/hc */
	struct lb *lb; /* must outlive the glue */
};

/* Nothing is opened until a check needs the tunnel. 0 or -ENOMEM. */
int hc_tunnel_glue_new(const struct hc_tunnel_glue_opts *o, struct hc_tunnel_glue **out);

/* An edgelb_health_ops.tunnel_needed (health.h); arg is the glue. */
void hc_tunnel_glue_needed(void *arg, uint32_t backend_id, const struct edgelb_health_tunnel *t,
			   bool needed);

/* Close the tunnel (its routing and tc program go; the data plane stays). NULL is fine. */
void hc_tunnel_glue_free(struct hc_tunnel_glue *g);

#endif /* EDGELB_HC_TUNNEL_GLUE_H */
