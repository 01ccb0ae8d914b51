/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What tracking makes of a VRRP instance (edgelb.conf(5), vrrp.track):
 * the effective priority and whether the instance is in fault, from the
 * configured priority and the state of every tracked object (interfaces,
 * services, scripts alike). Pure code: instance.c gathers the states.
 *
 * A tracked object with weight 0 puts the instance into fault while it
 * fails; a negative weight is subtracted while it fails; a positive one
 * added while it is fine. An object whose state is not known yet (a
 * script that has not run) counts as failing: a node that just started
 * must not preempt on the strength of checks it has not made.
 *
 * Sync groups (instances that change state together) are pure as well:
 * vrrp_sync_*() below say what the other members must do.
 */
#ifndef EDGELB_VRRP_TRACK_H
#define EDGELB_VRRP_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vrrp_track_obj {
	int16_t weight; /* -254..254; 0 = fault */
	bool ok;	/* false also while unknown */
};

struct vrrp_track_result {
	uint8_t priority; /* effective, 1..255 */
	bool fault;
	size_t failing;	  /* objects failing, for status output */
};

/*
 * The configured priority moved by the weights. With no weight in effect
 * the configured priority stays (so 255, the address owner, stays 255);
 * otherwise the result is clamped to 1..254: an owner that lost a tracked
 * object is no longer the owner, and priority 0 means "resigned".
 */
struct vrrp_track_result vrrp_track_eval(uint8_t config_priority, const struct vrrp_track_obj *objs,
					 size_t n);

/*
 * Sync groups: when a member goes to FAULT, every member is held in
 * fault (group_fault); a member that went to BACKUP pulls the masters of
 * its group to BACKUP. group_fault for member i: another member of the
 * group is in fault by its own tracking. own_fault[k] and group[k] (group
 * index, or -1 for none) describe the n instances.
 */
bool vrrp_sync_group_fault(const bool *own_fault, const int *group, size_t n, size_t i);

#endif /* EDGELB_VRRP_TRACK_H */
