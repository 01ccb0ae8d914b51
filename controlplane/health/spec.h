/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What to check: the effective health check of every backend of the
 * balancer model, built from the model (lb.h) and the running config.
 *
 * Pure code: no I/O. A spec owns copies of everything it needs (strings,
 * argv, the HTTP request), so it outlives the config it was built from
 * (a reload frees the old config).
 *
 * Where a backend's check comes from:
 *  - a backend of the config file: its effective health (the service's,
 *    with the backend's overrides, port resolved), edgelb.conf(5);
 *  - a backend added with lbctl to a service of the config file: the
 *    service's health, its port being the backend's port unless the
 *    service's health names one;
 *  - a backend of a service added with lbctl: none (always up), as the
 *    control protocol has no way to describe a check yet.
 */
#ifndef EDGELB_HC_SPEC_H
#define EDGELB_HC_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "http_parse.h"
#include "lb.h"

/* "[2001:db8::1]:65535" with room to spare */
#define HC_SPEC_TARGET_MAX 64

struct hc_spec {
	/* identity: the key of the check across reloads */
	char service[LB_NAME_MAX];
	char backend[LB_NAME_MAX];
	uint32_t backend_id;
	/* lb_backend.alive when built; not part of what the check is */
	bool model_alive;

	/* the backend */
	uint8_t family; /* enum edgelb_family */
	union edgelb_addr addr;
	uint16_t backend_port; /* host order */

	/* the check */
	enum edgelb_config_health_type type;
	uint32_t interval_ms, timeout_ms, hold_down_ms;
	uint16_t jitter_permille;
	uint8_t rise, fall;
	bool through_tunnel;
	/* site fate (site.h): the backend's site, "" = none */
	char site[LB_NAME_MAX];
	bool site_fail_fast;

	/* tcp and http: where to connect; the VIP when through_tunnel */
	uint8_t target_family;
	union edgelb_addr target;
	uint16_t target_port; /* host order; 0: nothing to connect to (fails) */
	uint32_t mark;	      /* SO_MARK; 0 = none */
	char target_text[HC_SPEC_TARGET_MAX];

	/* through_tunnel: what the tunnel needs (health.h) */
	uint8_t vip_family;
	union edgelb_addr vip;
	uint16_t vip_port; /* host order, 0 = every port */
	uint8_t encap;	   /* enum edgelb_encap */
	uint16_t gue_port;

	/* http */
	char *request; /* the whole GET, ready to send */
	size_t request_len;
	struct hc_http_expect expect;

	/* exec: NULL-terminated; envp holds PATH and the EDGELB_* variables */
	char **argv;
	char **envp;
};

/*
 * The specs of every backend of lb (whose model was built from cfg),
 * sorted by (service, backend), into a malloc'ed array *out of *n.
 * Returns 0 or -ENOMEM (nothing to free then).
 */
int hc_spec_build(const struct lb *lb, const struct edgelb_config *cfg, struct hc_spec **out,
		  size_t *n);

/* Release what one spec owns (not the spec itself). */
void hc_spec_free(struct hc_spec *s);

/* Release an array from hc_spec_build(). */
void hc_spec_free_array(struct hc_spec *specs, size_t n);

/* Order of specs: by service name, then backend name. */
int hc_spec_cmp(const struct hc_spec *a, const struct hc_spec *b);

/* The same check (everything but model_alive): a reload keeps it running. */
bool hc_spec_same(const struct hc_spec *a, const struct hc_spec *b);

/* The same server (backend address): a changed check keeps its state. */
bool hc_spec_same_server(const struct hc_spec *a, const struct hc_spec *b);

/* "tcp", "http", "exec", "none" */
const char *hc_spec_type_name(enum edgelb_config_health_type type);

#endif /* EDGELB_HC_SPEC_H */
