/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state of one running edgelbd, shared by its parts (main loop, control
 * socket, metrics). Only the event loop's thread touches it.
 */
#ifndef EDGELB_DAEMON_H
#define EDGELB_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "lb.h"
#include "loop.h"

struct edgelb_xdp;
struct edgelb_nl;
struct edgelb_ctl;
struct edgelb_metrics;
struct edgelb_health;
struct vrrp_instances;
struct ctl_request;
struct json_object;

struct edgelbd {
	struct loop *loop;
	char *config_path;
	struct edgelb_config cfg; /* the running config */
	struct lb lb;
	struct edgelb_xdp *xdp;
	struct edgelb_nl *nl;
	struct edgelb_ctl *ctl;
	struct edgelb_metrics *metrics;
	struct edgelb_health *health; /* NULL until started (health/health.h) */
	uint64_t started_ms;	   /* loop_now_ms() at start */
	uint64_t config_loaded_ms; /* last successful (re)load */
	unsigned int reloads;	   /* successful reloads since start */
	bool adopted;		   /* found pinned maps of an earlier run */
	struct vrrp_instances *vrrp; /* NULL until started (vrrp/instance.h) */
	/* the vrrp.* control commands; NULL: edgelbd runs no VRRP code */
	struct json_object *(*vrrp_ctl)(struct edgelbd *d, const struct ctl_request *req);
};

/*
 * Load config_path again and apply it as a diff. On a bad config the
 * running one stays; the errors (FILE:LINE: PATH: message lines) are
 * written to msg. Returns 0, -EINVAL (bad config) or another negative
 * errno (data plane).
 */
int edgelbd_reload(struct edgelbd *d, char *msg, size_t msg_len);

/*
 * Write the runtime layer (lbctl changes) and the id assignments to the
 * state file: temp file, fsync, rename, fsync of the directory. Called
 * after every change and before it is acknowledged.
 */
int edgelbd_persist(struct edgelbd *d);

/*
 * The model changed: the health checks follow its services and backends
 * (structural: added or deleted ones; not for drain or weight), and VRRP's
 * service tracking its backends up and not drained. Called after every
 * lbctl change and reload.
 */
void edgelbd_model_changed(struct edgelbd *d, bool structural);

#endif /* EDGELB_DAEMON_H */
