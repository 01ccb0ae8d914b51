/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VRRP track script (edgelb.conf(5), vrrp.track.scripts): a program run
 * every interval on edgelbd's loop; exit status 0 within the timeout is
 * success. Never waits: the child is watched through its pidfd and killed
 * (its whole process group) when the timeout runs out, which counts as a
 * failure. The first run starts at once; until it ends the script counts
 * as failing (track.h: unknown = failing).
 */
#ifndef EDGELB_VRRP_TRACK_SCRIPT_H
#define EDGELB_VRRP_TRACK_SCRIPT_H

#include <stdbool.h>

struct loop;
struct edgelb_config_track_script;
struct vrrp_track_script;

/* Called on the loop when ok() changed. */
typedef void (*vrrp_track_script_cb)(void *arg);

/* Start running c (copied) now and every c->interval_ms. tag prefixes logs. */
int vrrp_track_script_new(struct loop *loop, const struct edgelb_config_track_script *c,
			  const char *tag, vrrp_track_script_cb changed, void *arg,
			  struct vrrp_track_script **out);
bool vrrp_track_script_ok(const struct vrrp_track_script *s);
/* Kill a running child (not waited for: init reaps it) and free s. NULL is fine. */
void vrrp_track_script_free(struct vrrp_track_script *s);

#endif /* EDGELB_VRRP_TRACK_SCRIPT_H */
