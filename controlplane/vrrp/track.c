// SPDX-License-Identifier: GPL-2.0-only
/* Tracking and sync groups of VRRP instances: see track.h. */
#include "track.h"

struct vrrp_track_result vrrp_track_eval(uint8_t config_priority, const struct vrrp_track_obj *objs,
					 size_t n)
{
	struct vrrp_track_result r = { .priority = config_priority };
	int prio = config_priority;
	bool moved = false;

	for (size_t i = 0; i < n; i++) {
		const struct vrrp_track_obj *o = &objs[i];

		if (!o->ok)
			r.failing++;
		if (o->weight == 0) {
			if (!o->ok)
				r.fault = true;
		} else if (o->weight < 0 && !o->ok) {
			prio += o->weight;
			moved = true;
		} else if (o->weight > 0 && o->ok) {
			prio += o->weight;
			moved = true;
		}
	}
	if (moved) {
		if (prio < 1)
			prio = 1;
		if (prio > 254)
			prio = 254;
		r.priority = (uint8_t)prio;
	}
	return r;
}

bool vrrp_sync_group_fault(const bool *own_fault, const int *group, size_t n, size_t i)
{
	if (i >= n || group[i] < 0)
		return false;
	for (size_t k = 0; k < n; k++)
		if (k != i && group[k] == group[i] && own_fault[k])
			return true;
	return false;
}
