/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The balancer model of edgelbd: services (VIPs) and their backends as the
 * config file and the operator's runtime changes together define them, and
 * the code that brings a data plane in line with that model.
 *
 * Pure code: no I/O of its own. It talks to the data plane through
 * struct edgelb_dataplane and asks for next-hop MACs through a callback,
 * so the unit tests drive it with fakes.
 *
 * How the config and runtime changes combine (documented in edgelbd(8)):
 *  - the config file is the base;
 *  - runtime changes made with lbctl form a layer on top of it: services
 *    and backends added, services and backends deleted, and per backend a
 *    drain flag and a weight override. The layer is persisted (state.c)
 *    before a change is acknowledged, survives restarts, and is applied
 *    again on top of every reloaded config. A change that names something
 *    the new config no longer has is dropped with a warning.
 *
 * Identities: every service has a vip_id and every (service, backend) a
 * backend id, allocated once and kept (persisted with the layer), because
 * pinned flow tables that outlive edgelbd refer to them. Freed ids are
 * reused as late as possible.
 */
#ifndef EDGELB_LB_H
#define EDGELB_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "config.h"
#include "dataplane.h"

#define LB_NAME_MAX 64 /* includes the NUL */

struct lb_backend {
	char name[LB_NAME_MAX];
	union edgelb_addr addr;
	uint8_t family;
	uint16_t port;
	uint16_t weight;      /* effective: config, or the runtime override */
	uint16_t site_id;     /* 0 = none */
	char site[LB_NAME_MAX];
	bool drained;	      /* operator drain (runtime layer) */
	bool alive;	      /* health; true while no check says otherwise */
	bool runtime;	      /* added with lbctl */
	uint32_t id;
	uint8_t mac[6];	      /* resolved next hop; zero = not (yet) resolved */
	/*
	 * No next hop known (the kernel cannot resolve it and the data plane
	 * holds none): the backend gets no new flows, as if drained, until it
	 * resolves; it is asked again at every sync.
	 */
	bool unresolved;
	int64_t unresolved_since_ms; /* wall clock (lb.clock) when that began */
	bool unresolved_said;	     /* the daemon logged it; cleared once resolved */
};

struct lb_service {
	char name[LB_NAME_MAX];
	struct edgelb_vip_key key;
	uint8_t encap;	    /* enum edgelb_encap */
	uint32_t flags;	    /* EDGELB_VIP_F_* */
	uint16_t mtu;
	uint16_t gue_port;  /* host order; 0 unless GUE */
	uint32_t ring_size;
	uint32_t vip_id;
	bool runtime;	    /* added with lbctl */
	struct lb_backend *backends;
	size_t n_backends;
};

/* A runtime change of one backend's operator state. */
struct lb_override {
	char service[LB_NAME_MAX];
	char backend[LB_NAME_MAX];
	bool drained;
	bool has_weight;
	uint16_t weight;
};

/* The runtime layer: what lbctl changed on top of the config. */
struct lb_runtime {
	struct lb_service *added_services; /* each with its own backends */
	size_t n_added_services;
	char (*deleted_services)[LB_NAME_MAX];
	size_t n_deleted_services;
	/* backends added to a service; .name of the service in added_in[] */
	struct lb_backend *added_backends;
	char (*added_in)[LB_NAME_MAX];
	size_t n_added_backends;
	/* "service" + "backend" pairs deleted from the config's set */
	struct lb_override *deleted_backends; /* only the two names are used */
	size_t n_deleted_backends;
	struct lb_override *overrides;
	size_t n_overrides;
};

/* Persistent name -> id assignments. */
struct lb_ids {
	struct lb_id_entry {
		char name[2 * LB_NAME_MAX]; /* "service" or "service/backend" */
		uint32_t id;
		bool seen; /* still named by the model (rebuild bookkeeping) */
	} *vips, *backends;
	size_t n_vips, n_backends;
	uint32_t next_vip, next_backend; /* where the next search starts */
	bool sorted, sorted_be;		 /* by name; false after loading */
};

/* Asked for the next-hop MAC of a backend; 0, or -EAGAIN while resolving. */
typedef int (*lb_nexthop_fn)(void *arg, const struct lb_service *svc,
			     const struct lb_backend *be, uint8_t mac[6]);

/*
 * Told when a backend's next hop becomes unresolved or resolved again (once
 * per change, for the log), with the model already updated.
 */
typedef void (*lb_nexthop_event_fn)(void *arg, const struct lb_service *svc,
				    const struct lb_backend *be);

struct lb {
	/* the base, owned by the caller; kept: must stay at this address */
	const struct edgelb_config *cfg;
	struct lb_service *services;	 /* the effective model */
	size_t n_services;
	struct lb_runtime runtime;
	struct lb_ids ids;
	struct edgelb_node_config node;

	struct edgelb_dataplane dp;
	lb_nexthop_fn nexthop;
	void *nexthop_arg;
	lb_nexthop_event_fn nexthop_event; /* may be NULL; gets nexthop_arg */
	int64_t (*clock_ms)(void);	    /* wall clock for "since"; NULL = 0 */
	bool nexthops_stale; /* ask nexthop() again for every backend */
	/*
	 * Set before the first sync after a restart that adopted a running
	 * data plane: backends take the alive flag and MAC it holds for them
	 * (same address), so a backend that was down stays down until its
	 * checks say otherwise. Cleared by that sync.
	 */
	bool adopt_state;

	/* What the data plane holds, by id, to program only differences. */
	struct lb_shadow *shadow;
};

/* Free what a runtime layer holds and zero it. */
void lb_runtime_free(struct lb_runtime *rt);

void lb_init(struct lb *lb, struct edgelb_dataplane dp, lb_nexthop_fn nexthop, void *arg);
void lb_free(struct lb *lb);

/*
 * Rebuild the model from cfg and the runtime layer, then program the data
 * plane with the differences only: untouched VIPs, backends and rings are
 * not written. New backends are written before rings use them, rings stop
 * using removed backends before those are cleared, a new VIP's ring exists
 * before the VIP. Warnings (runtime changes that no longer apply) are
 * written to warn (may be NULL). Returns 0 or a negative errno, with the
 * data plane left consistent (each step is atomic on its own).
 */
int lb_apply(struct lb *lb, const struct edgelb_config *cfg, char *warn, size_t warn_len);

/* Program the differences again (after a next hop or health change). */
int lb_sync(struct lb *lb);

/*
 * The kernel's routes or neighbours changed: the next sync asks nexthop()
 * again for every backend. Otherwise only new or unresolved backends are
 * asked, so that an operator's change costs no lookups for the thousands
 * of backends it does not touch.
 */
void lb_nexthops_changed(struct lb *lb);

void lb_set_node_config(struct lb *lb, const struct edgelb_node_config *node);

/* May b take new flows: alive, not drained, weight > 0, next hop known. */
bool lb_backend_eligible(const struct lb_backend *b);

/* Backends of the model: the config's and those added at run time. */
size_t lb_backend_count(const struct lb *lb);

/* Backends whose next hop is unresolved now. */
size_t lb_unresolved_count(const struct lb *lb);

/*
 * What a data plane adopted after a restart held that the model (config
 * and state file) does not: backends at addresses the model lacks (added
 * at run time, when the state file that recorded them is gone) and drains
 * or weights that differ. pinned[id] for ids 1..n-1, family 0 = no
 * backend. Writes one line per difference (at most max_lines, then a
 * count) into msg; returns the number of differences.
 */
size_t lb_pinned_diff(const struct lb *lb, const struct edgelb_backend *pinned, uint32_t n,
		      size_t max_lines, char *msg, size_t len);

struct lb_service *lb_find_service(struct lb *lb, const char *name);
struct lb_backend *lb_find_backend(struct lb *lb, const char *service, const char *backend);

/*
 * Operator changes. Each validates, updates the runtime layer, rebuilds the
 * model and syncs. On a validation error the layer is unchanged and err
 * (if not NULL) names the field: "backend: no backend \"web9\" in service
 * \"web\"". Returns 0, -ENOENT, -EEXIST, -EINVAL, or a data plane error.
 * The caller persists the layer (state.c) before acknowledging. A data
 * plane error comes after the layer was changed: the layer then holds the
 * change, the data plane may not; the next successful sync completes it.
 */
int lb_backend_drain(struct lb *lb, const char *service, const char *backend, bool drained,
		     char *err, size_t err_len);
int lb_backend_weight(struct lb *lb, const char *service, const char *backend, uint16_t weight,
		      char *err, size_t err_len);
int lb_backend_add(struct lb *lb, const char *service, const struct lb_backend *be, char *err,
		   size_t err_len);
int lb_backend_del(struct lb *lb, const char *service, const char *backend, char *err,
		   size_t err_len);
int lb_service_add(struct lb *lb, const struct lb_service *svc, char *err, size_t err_len);
int lb_service_del(struct lb *lb, const char *service, char *err, size_t err_len);

/* Health (issue: health checks) sets this; syncs when it changes. */
int lb_backend_set_alive(struct lb *lb, const char *service, const char *backend, bool alive);

/* The ring of a service as last built (NULL if none), for tools and tests. */
const uint32_t *lb_ring(const struct lb *lb, uint32_t vip_id, uint32_t *size);

#endif /* EDGELB_LB_H */
