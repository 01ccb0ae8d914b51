// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "lb" section of the state file (state_lb.h): the balancer model's
 * runtime layer (what lbctl changed) and its name -> id assignments.
 * Addresses as text, so that an operator can read and edit them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>

#include "state_lb.h"

/* The top-level keys of the section (state.h: it sits at the root). */
static const char *const lb_keys[] = { "ids", "added_services", "deleted_services",
				       "added_backends", "deleted_backends", "overrides", NULL };

/* ---- writing ------------------------------------------------------------ */

static json_object *addr_json(const union edgelb_addr *a, uint8_t family)
{
	char buf[INET6_ADDRSTRLEN] = "";

	inet_ntop(family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET, a->bytes, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static json_object *backend_json(const struct lb_backend *b, const char *service)
{
	json_object *o = json_object_new_object();

	if (service)
		json_object_object_add(o, "service", json_object_new_string(service));
	json_object_object_add(o, "name", json_object_new_string(b->name));
	json_object_object_add(o, "address", addr_json(&b->addr, b->family));
	json_object_object_add(o, "port", json_object_new_int(b->port));
	json_object_object_add(o, "weight", json_object_new_int(b->weight));
	if (b->site[0])
		json_object_object_add(o, "site", json_object_new_string(b->site));
	return o;
}

static json_object *service_json(const struct lb_service *s)
{
	json_object *o = json_object_new_object(), *bes = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "vip", addr_json(&s->key.addr, s->key.family));
	json_object_object_add(o, "port", json_object_new_int(ntohs(s->key.port)));
	json_object_object_add(o, "protocol", json_object_new_int(s->key.proto));
	json_object_object_add(o, "encap", json_object_new_int(s->encap));
	json_object_object_add(o, "flags", json_object_new_int64(s->flags));
	json_object_object_add(o, "mtu", json_object_new_int(s->mtu));
	json_object_object_add(o, "gue_port", json_object_new_int(s->gue_port));
	json_object_object_add(o, "ring_size", json_object_new_int64(s->ring_size));
	for (size_t i = 0; i < s->n_backends; i++)
		json_object_array_add(bes, backend_json(&s->backends[i], NULL));
	json_object_object_add(o, "backends", bes);
	return o;
}

static json_object *ids_json(const struct lb_id_entry *t, size_t n)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, t[i].name, json_object_new_int64(t[i].id));
	return o;
}

static json_object *pair_json(const struct lb_override *o, int full)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "service", json_object_new_string(o->service));
	json_object_object_add(j, "backend", json_object_new_string(o->backend));
	if (full) {
		json_object_object_add(j, "drained", json_object_new_boolean(o->drained));
		if (o->has_weight)
			json_object_object_add(j, "weight", json_object_new_int(o->weight));
	}
	return j;
}

static int lb_save(void *owner, json_object *root)
{
	const struct lb *lb = owner;
	const struct lb_runtime *rt = &lb->runtime;
	json_object *ids = json_object_new_object();
	json_object *a;

	json_object_object_add(ids, "vips", ids_json(lb->ids.vips, lb->ids.n_vips));
	json_object_object_add(ids, "backends", ids_json(lb->ids.backends, lb->ids.n_backends));
	json_object_object_add(ids, "next_vip", json_object_new_int64(lb->ids.next_vip));
	json_object_object_add(ids, "next_backend", json_object_new_int64(lb->ids.next_backend));
	json_object_object_add(root, "ids", ids);

	a = json_object_new_array();
	for (size_t i = 0; i < rt->n_added_services; i++)
		json_object_array_add(a, service_json(&rt->added_services[i]));
	json_object_object_add(root, "added_services", a);
	a = json_object_new_array();
	for (size_t i = 0; i < rt->n_deleted_services; i++)
		json_object_array_add(a, json_object_new_string(rt->deleted_services[i]));
	json_object_object_add(root, "deleted_services", a);
	a = json_object_new_array();
	for (size_t i = 0; i < rt->n_added_backends; i++)
		json_object_array_add(a, backend_json(&rt->added_backends[i], rt->added_in[i]));
	json_object_object_add(root, "added_backends", a);
	a = json_object_new_array();
	for (size_t i = 0; i < rt->n_deleted_backends; i++)
		json_object_array_add(a, pair_json(&rt->deleted_backends[i], 0));
	json_object_object_add(root, "deleted_backends", a);
	a = json_object_new_array();
	for (size_t i = 0; i < rt->n_overrides; i++)
		json_object_array_add(a, pair_json(&rt->overrides[i], 1));
	json_object_object_add(root, "overrides", a);
	return 0;
}

/* ---- reading ------------------------------------------------------------- */

static void get_addr(struct edgelb_state_reader *r, json_object *o, const char *path,
		     const char *key, union edgelb_addr *a, uint8_t *family)
{
	const char *s = edgelb_state_get_str(r, o, path, key, INET6_ADDRSTRLEN);

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		*family = EDGELB_AF_INET;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		*family = EDGELB_AF_INET6;
	else
		edgelb_state_fail(r, "%s.%s: \"%s\" is not an IPv4 or IPv6 address", path, key, s);
}

static void read_backend(struct edgelb_state_reader *r, json_object *o, const char *path, struct lb_backend *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", edgelb_state_get_str(r, o, path, "name", LB_NAME_MAX));
	get_addr(r, o, path, "address", &b->addr, &b->family);
	b->port = (uint16_t)edgelb_state_get_int(r, o, path, "port", 0, 65535, 0, 1);
	b->weight = (uint16_t)edgelb_state_get_int(r, o, path, "weight", 0, 65535, 100, 1);
	if (json_object_object_get_ex(o, "site", NULL))
		snprintf(b->site, sizeof(b->site), "%s", edgelb_state_get_str(r, o, path, "site", LB_NAME_MAX));
	b->alive = true;
	b->runtime = true;
}

static void read_ids(struct edgelb_state_reader *r, json_object *o, const char *key, struct lb_id_entry **t,
		     size_t *n, int64_t limit)
{
	json_object *m;

	*t = NULL;
	*n = 0;
	if (!json_object_object_get_ex(o, key, &m))
		return;
	if (!json_object_is_type(m, json_type_object)) {
		edgelb_state_fail(r, "ids.%s: not an object", key);
		return;
	}
	*t = calloc((size_t)json_object_object_length(m) + 1, sizeof(**t));
	if (!*t) {
		edgelb_state_fail(r, "out of memory");
		return;
	}
	json_object_object_foreach(m, name, v)
	{
		struct lb_id_entry *e = &(*t)[*n];
		bool twice = false;

		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) >= limit || strlen(name) >= sizeof(e->name)) {
			edgelb_state_fail(r, "ids.%s.%s: must be an id below %lld", key, name, (long long)limit);
			continue;
		}
		/* two names on one id would send one's traffic to the other */
		for (size_t k = 0; k < *n && !twice; k++)
			twice = (*t)[k].id == (uint32_t)json_object_get_int64(v);
		if (twice) {
			edgelb_state_fail(r, "ids.%s.%s: id %lld is given to another name too", key, name,
			     (long long)json_object_get_int64(v));
			continue;
		}
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->id = (uint32_t)json_object_get_int64(v);
		(*n)++;
	}
}

static void read_pairs(struct edgelb_state_reader *r, json_object *a, const char *key, struct lb_override **out,
		       size_t *n, int full)
{
	size_t len = a ? json_object_array_length(a) : 0;

	*out = calloc(len + 1, sizeof(**out));
	*n = 0;
	if (!*out) {
		edgelb_state_fail(r, "out of memory");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct lb_override *p = &(*out)[(*n)++];
		char path[64];

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		snprintf(p->service, sizeof(p->service), "%s",
			 edgelb_state_get_str(r, o, path, "service", LB_NAME_MAX));
		snprintf(p->backend, sizeof(p->backend), "%s",
			 edgelb_state_get_str(r, o, path, "backend", LB_NAME_MAX));
		if (full) {
			/* "drained": "false" (a string) must not drain the backend */
			p->drained = edgelb_state_get_bool(r, o, path, "drained", false);
			p->has_weight = json_object_object_get_ex(o, "weight", NULL);
			p->weight = (uint16_t)edgelb_state_get_int(r, o, path, "weight", 0, 65535, 0, 0);
		}
	}
}

/* What lb_load read, taken by lb_commit or freed by lb_discard. */
struct lb_staged {
	struct lb_runtime rt;
	struct lb_ids ids;
};

static void lb_discard(void *staged)
{
	struct lb_staged *st = staged;

	lb_runtime_free(&st->rt);
	free(st->ids.vips);
	free(st->ids.backends);
	free(st);
}

static void lb_commit(void *owner, void *staged)
{
	struct lb *lb = owner;
	struct lb_staged *st = staged;

	lb_runtime_free(&lb->runtime);
	lb->runtime = st->rt;
	free(lb->ids.vips);
	free(lb->ids.backends);
	lb->ids = st->ids;
	free(st);
}

static void read_id_tables(struct edgelb_state_reader *r, json_object *root, struct lb_ids *ids)
{
	json_object *o;

	if (!json_object_object_get_ex(root, "ids", &o)) {
		ids->next_backend = 1;
		return;
	}
	read_ids(r, o, "vips", &ids->vips, &ids->n_vips, EDGELB_MAX_VIPS);
	read_ids(r, o, "backends", &ids->backends, &ids->n_backends, EDGELB_MAX_BACKENDS);
	ids->next_vip = (uint32_t)edgelb_state_get_int(r, o, "ids", "next_vip", 0,
						       EDGELB_MAX_VIPS - 1, 0, false);
	ids->next_backend = (uint32_t)edgelb_state_get_int(r, o, "ids", "next_backend", 1,
							   EDGELB_MAX_BACKENDS - 1, 1, false);
}

static void read_added_services(struct edgelb_state_reader *r, json_object *root,
				struct lb_runtime *rt)
{
	json_object *a = edgelb_state_get_array(r, root, "added_services");
	size_t len = a ? json_object_array_length(a) : 0;

	rt->added_services = calloc(len + 1, sizeof(*rt->added_services));
	for (size_t i = 0; rt->added_services && i < len; i++) {
		struct lb_service *s = &rt->added_services[rt->n_added_services++];
		json_object *o = json_object_array_get_idx(a, i), *bes;
		char path[48];
		size_t nb;

		snprintf(path, sizeof(path), "added_services[%zu]", i);
		snprintf(s->name, sizeof(s->name), "%s",
			 edgelb_state_get_str(r, o, path, "name", LB_NAME_MAX));
		get_addr(r, o, path, "vip", &s->key.addr, &s->key.family);
		s->key.port = htons((uint16_t)edgelb_state_get_int(r, o, path, "port", 0, 65535, 0,
								   true));
		s->key.proto = (uint8_t)edgelb_state_get_int(r, o, path, "protocol", 0, 255, 0, true);
		s->encap = (uint8_t)edgelb_state_get_int(r, o, path, "encap", 0,
							 EDGELB_ENCAP_MAX - 1, 0, true);
		s->flags = (uint32_t)edgelb_state_get_int(r, o, path, "flags", 0, UINT32_MAX, 0,
							  false);
		s->mtu = (uint16_t)edgelb_state_get_int(r, o, path, "mtu", 0, 65535, 1500, false);
		s->gue_port = (uint16_t)edgelb_state_get_int(r, o, path, "gue_port", 0, 65535, 0,
							     false);
		s->ring_size = (uint32_t)edgelb_state_get_int(r, o, path, "ring_size", 7, 1048573,
							      65537, true);
		s->runtime = true;
		bes = edgelb_state_get_array(r, o, "backends");
		nb = bes ? json_object_array_length(bes) : 0;
		s->backends = calloc(nb + 1, sizeof(*s->backends));
		for (size_t k = 0; s->backends && k < nb; k++) {
			char bpath[96];

			snprintf(bpath, sizeof(bpath), "%s.backends[%zu]", path, k);
			read_backend(r, json_object_array_get_idx(bes, k), bpath,
				     &s->backends[s->n_backends++]);
		}
		if (!s->backends)
			edgelb_state_fail(r, "out of memory");
	}
}

static void read_added_backends(struct edgelb_state_reader *r, json_object *root,
				struct lb_runtime *rt)
{
	json_object *a = edgelb_state_get_array(r, root, "added_backends");
	size_t len = a ? json_object_array_length(a) : 0;

	rt->added_backends = calloc(len + 1, sizeof(*rt->added_backends));
	rt->added_in = calloc(len + 1, sizeof(*rt->added_in));
	for (size_t i = 0; rt->added_backends && rt->added_in && i < len; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		char path[48];

		snprintf(path, sizeof(path), "added_backends[%zu]", i);
		snprintf(rt->added_in[i], LB_NAME_MAX, "%s",
			 edgelb_state_get_str(r, o, path, "service", LB_NAME_MAX));
		read_backend(r, o, path, &rt->added_backends[i]);
		rt->n_added_backends++;
	}
}

static int lb_load(void *owner, json_object *root, void **staged, struct edgelb_state_reader *r)
{
	struct lb_staged *st = calloc(1, sizeof(*st));

	(void)owner;
	if (!st)
		return -ENOMEM;
	*staged = st;
	read_id_tables(r, root, &st->ids);
	read_added_services(r, root, &st->rt);
	st->rt.deleted_services = (char(*)[LB_NAME_MAX])edgelb_state_read_names(
		r, root, "deleted_services", "deleted_services", "a service", LB_NAME_MAX,
		&st->rt.n_deleted_services);
	read_added_backends(r, root, &st->rt);
	read_pairs(r, edgelb_state_get_array(r, root, "deleted_backends"), "deleted_backends",
		   &st->rt.deleted_backends, &st->rt.n_deleted_backends, 0);
	read_pairs(r, edgelb_state_get_array(r, root, "overrides"), "overrides",
		   &st->rt.overrides, &st->rt.n_overrides, 1);
	if (!st->rt.added_services || !st->rt.deleted_services || !st->rt.added_backends ||
	    !st->rt.added_in)
		edgelb_state_fail(r, "out of memory");
	return 0;
}

void edgelb_state_lb_section(struct lb *lb, struct edgelb_state_section *out)
{
	*out = (struct edgelb_state_section){
		.name = "lb",
		.at_root = true,
		.root_keys = lb_keys,
		.save = lb_save,
		.load = lb_load,
		.commit = lb_commit,
		.discard = lb_discard,
		.owner = lb,
	};
}
