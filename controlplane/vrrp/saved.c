// SPDX-License-Identifier: GPL-2.0-only
/*
 * VRRP's operator state and its section of the state file: see saved.h.
 * Same JSON as the first state files wrote: {"maintenance": bool,
 * "held": [names]}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "saved.h"

static int held_index(const struct vrrp_saved *s, const char *name)
{
	for (size_t i = 0; i < s->n_held; i++)
		if (!strcmp(s->held[i], name))
			return (int)i;
	return -1;
}

bool vrrp_saved_is_held(const struct vrrp_saved *s, const char *name)
{
	return held_index(s, name) >= 0;
}

bool vrrp_saved_hold(struct vrrp_saved *s, const char *name, bool held)
{
	int i = held_index(s, name);

	if (held && i < 0) {
		char(*v)[VRRP_SAVED_NAME_MAX] = realloc(s->held, (s->n_held + 1) * sizeof(*v));

		if (!v)
			return false;
		s->held = v;
		snprintf(v[s->n_held++], VRRP_SAVED_NAME_MAX, "%s", name);
		return true;
	}
	if (!held && i >= 0) {
		memmove(&s->held[i], &s->held[i + 1],
			(s->n_held - (size_t)i - 1) * sizeof(*s->held));
		s->n_held--;
		return true;
	}
	return false;
}

void vrrp_saved_free(struct vrrp_saved *s)
{
	free(s->held);
	memset(s, 0, sizeof(*s));
}

static int saved_save(void *owner, json_object *o)
{
	const struct vrrp_saved *s = owner;
	json_object *a = json_object_new_array();

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_held; i++)
		json_object_array_add(a, json_object_new_string(s->held[i]));
	json_object_object_add(o, "maintenance", json_object_new_boolean(s->maintenance));
	json_object_object_add(o, "held", a);
	return 0;
}

static void saved_discard(void *staged)
{
	vrrp_saved_free(staged);
	free(staged);
}

static void saved_commit(void *owner, void *staged)
{
	vrrp_saved_free(owner);
	*(struct vrrp_saved *)owner = *(struct vrrp_saved *)staged;
	free(staged);
}

static int saved_load(void *owner, json_object *o, void **staged, struct edgelb_state_reader *r)
{
	struct vrrp_saved *s = calloc(1, sizeof(*s));
	(void)owner;
	if (!s)
		return -ENOMEM;
	*staged = s;
	if (!o) /* written before VRRP kept state: nothing held, no maintenance */
		return 0;
	s->maintenance = edgelb_state_get_bool(r, o, "vrrp", "maintenance", false);
	s->held = (char(*)[VRRP_SAVED_NAME_MAX])edgelb_state_read_names(
		r, o, "held", "vrrp.held", "an instance", VRRP_SAVED_NAME_MAX, &s->n_held);
	if (!s->held)
		edgelb_state_fail(r, "out of memory");
	return 0;
}

void vrrp_saved_section(struct vrrp_saved *s, struct edgelb_state_section *out)
{
	*out = (struct edgelb_state_section){
		.name = "vrrp",
		.save = saved_save,
		.load = saved_load,
		.commit = saved_commit,
		.discard = saved_discard,
		.owner = s,
	};
}
