/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VRRP's operator state, kept across restarts of edgelbd in the "vrrp"
 * section of the state file (state.h): `lbctl vrrp maintenance on` and
 * the instances handed over and not yet released. Without it a restarted
 * edgelbd would take the VIPs back from the peer it had handed them to.
 * Pure: no I/O beyond json-c objects; unit-tested in test_state.c.
 */
#ifndef EDGELB_VRRP_SAVED_H
#define EDGELB_VRRP_SAVED_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "state.h"

#define VRRP_SAVED_NAME_MAX (EDGELB_CONFIG_NAME_MAX + 1) /* an instance name and its NUL */

struct vrrp_saved {
	bool maintenance;
	char (*held)[VRRP_SAVED_NAME_MAX]; /* handed over, not released */
	size_t n_held;
};

bool vrrp_saved_is_held(const struct vrrp_saved *s, const char *name);
/* Mark name held or not; true when that changed (false also when out of memory). */
bool vrrp_saved_hold(struct vrrp_saved *s, const char *name, bool held);
void vrrp_saved_free(struct vrrp_saved *s);

/* The "vrrp" section for s (which must outlive the registration). */
void vrrp_saved_section(struct vrrp_saved *s, struct edgelb_state_section *out);

#endif /* EDGELB_VRRP_SAVED_H */
