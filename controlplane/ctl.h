/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelbd's control socket: the server side of the control protocol.
 *
 * The protocol itself (transport, messages, paging, authorisation, the
 * commands, the limits and where the socket is) is the wire contract of
 * ctl_wire.h, which clients build against alone; included here so the
 * server uses the same definitions. Parsing and replies are ctl_proto.h,
 * the commands ctl_cmds.c.
 */
#ifndef EDGELB_CTL_H
#define EDGELB_CTL_H

#include "ctl_wire.h"

struct edgelb_ctl;
struct edgelb_health;
struct edgelb_model;
struct ctl_request;
struct json_object;
struct loop;

/* What the control socket serves, given by edgelbd at start (copied). */
struct edgelb_ctl_env {
	struct loop *loop;
	struct edgelb_model *model;   /* read and changed by the commands */
	struct edgelb_health *health; /* the checks' state for `lbctl health`; may be NULL */
	/* The vrrp.* commands; NULL: this edgelbd runs no VRRP code. */
	struct json_object *(*vrrp_ctl)(void *arg, const struct ctl_request *req);
	void *vrrp_arg;
};

/*
 * Listen on path: create its directory (0755) if missing, remove a stale
 * socket left by an earlier run (a live one, that answers connect(), is
 * -EADDRINUSE), bind, set mode 0660 and group admin_group (NULL: root's
 * group, so only root can change state) and watch it in env->loop.
 * Messages go to stderr with the prefix "ctl: ". Returns 0 or a negative
 * errno (-ENOENT: the group does not exist).
 */
int edgelb_ctl_open(const struct edgelb_ctl_env *env, const char *path, const char *admin_group,
		    struct edgelb_ctl **out);

/* Close every connection and the socket, and remove the socket file. */
void edgelb_ctl_close(struct edgelb_ctl *ctl);

#endif /* EDGELB_CTL_H */
