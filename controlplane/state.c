// SPDX-License-Identifier: GPL-2.0-only
/*
 * State file: see state.h. JSON through json-c; addresses as text so that
 * an operator can read and, in an emergency, edit the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "state.h"

#define STATE_MAX_BYTES (16u << 20)

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

char *edgelb_state_to_json(const struct lb *lb)
{
	const struct lb_runtime *rt = &lb->runtime;
	json_object *root = json_object_new_object(), *ids = json_object_new_object();
	json_object *a;
	char *out;

	json_object_object_add(root, "version", json_object_new_int(EDGELB_STATE_VERSION));
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
	a = json_object_new_array();
	for (size_t i = 0; i < rt->n_vrrp_held; i++)
		json_object_array_add(a, json_object_new_string(rt->vrrp_held[i]));
	ids = json_object_new_object(); /* reused: the "vrrp" object */
	json_object_object_add(ids, "maintenance", json_object_new_boolean(rt->vrrp_maintenance));
	json_object_object_add(ids, "held", a);
	json_object_object_add(root, "vrrp", ids);

	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return out;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int edgelb_state_save(const struct lb *lb, const char *path)
{
	char *json = edgelb_state_to_json(lb), *tmp = NULL, *dircopy = NULL;
	int fd = -1, dfd = -1, err;

	if (!json)
		return -ENOMEM;
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = write_all(fd, json, strlen(json));
	if (!err)
		err = write_all(fd, "\n", 1);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	fd = -1;
	if (err)
		goto out;
	if (rename(tmp, path)) {
		err = -errno;
		goto out;
	}
	/* the rename itself must reach the disk before we acknowledge */
	dircopy = strdup(path);
	if (!dircopy) {
		err = -ENOMEM;
		goto out;
	}
	dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd))
		err = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (err && tmp)
		unlink(tmp);
	free(tmp);
	free(dircopy);
	free(json);
	return err;
}

/* ---- reading ------------------------------------------------------------- */

struct reader {
	char *err;
	size_t err_len;
	int failed;
};

__attribute__((format(printf, 2, 3))) static void fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed++)
		return;
	if (!r->err || !r->err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(r->err, r->err_len, fmt, ap);
	va_end(ap);
}

static const char *get_str(struct reader *r, json_object *o, const char *path, const char *key,
			   size_t max)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
		fail(r, "%s.%s: missing or not a string", path, key);
		return "";
	}
	s = json_object_get_string(v);
	if (strlen(s) >= max) {
		fail(r, "%s.%s: longer than %zu bytes", path, key, max - 1);
		return "";
	}
	return s;
}

static int64_t get_int(struct reader *r, json_object *o, const char *path, const char *key,
		       int64_t lo, int64_t hi, int64_t dflt, int required)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			fail(r, "%s.%s: missing", path, key);
		return dflt;
	}
	if (!json_object_is_type(v, json_type_int)) {
		fail(r, "%s.%s: not an integer", path, key);
		return dflt;
	}
	x = json_object_get_int64(v);
	if (x < lo || x > hi) {
		fail(r, "%s.%s: must be %lld..%lld", path, key, (long long)lo, (long long)hi);
		return dflt;
	}
	return x;
}

static void get_addr(struct reader *r, json_object *o, const char *path, const char *key,
		     union edgelb_addr *a, uint8_t *family)
{
	const char *s = get_str(r, o, path, key, INET6_ADDRSTRLEN);

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		*family = EDGELB_AF_INET;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		*family = EDGELB_AF_INET6;
	else
		fail(r, "%s.%s: \"%s\" is not an IPv4 or IPv6 address", path, key, s);
}

static json_object *get_array(struct reader *r, json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL; /* absent = empty */
	if (!json_object_is_type(v, json_type_array)) {
		fail(r, "%s: not an array", key);
		return NULL;
	}
	return v;
}

/*
 * The array key of o as names (each shorter than LB_NAME_MAX); path and
 * what ("a service") name a bad entry. Absent = empty. NULL = no memory.
 */
static char (*read_names(struct reader *r, json_object *o, const char *key, const char *path,
			 const char *what, size_t *n))[LB_NAME_MAX]
{
	json_object *a = get_array(r, o, key);
	size_t len = a ? json_object_array_length(a) : 0;
	char(*names)[LB_NAME_MAX] = calloc(len + 1, sizeof(*names));

	*n = 0;
	for (size_t i = 0; names && i < len; i++) {
		json_object *v = json_object_array_get_idx(a, i);

		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) >= LB_NAME_MAX) {
			fail(r, "%s[%zu]: not %s name", path, i, what);
			continue;
		}
		snprintf(names[(*n)++], LB_NAME_MAX, "%s", json_object_get_string(v));
	}
	return names;
}

static void read_backend(struct reader *r, json_object *o, const char *path, struct lb_backend *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", get_str(r, o, path, "name", LB_NAME_MAX));
	get_addr(r, o, path, "address", &b->addr, &b->family);
	b->port = (uint16_t)get_int(r, o, path, "port", 0, 65535, 0, 1);
	b->weight = (uint16_t)get_int(r, o, path, "weight", 0, 65535, 100, 1);
	if (json_object_object_get_ex(o, "site", NULL))
		snprintf(b->site, sizeof(b->site), "%s", get_str(r, o, path, "site", LB_NAME_MAX));
	b->alive = true;
	b->runtime = true;
}

static void read_ids(struct reader *r, json_object *o, const char *key, struct lb_id_entry **t,
		     size_t *n, int64_t limit)
{
	json_object *m;

	*t = NULL;
	*n = 0;
	if (!json_object_object_get_ex(o, key, &m))
		return;
	if (!json_object_is_type(m, json_type_object)) {
		fail(r, "ids.%s: not an object", key);
		return;
	}
	*t = calloc((size_t)json_object_object_length(m) + 1, sizeof(**t));
	if (!*t) {
		fail(r, "out of memory");
		return;
	}
	json_object_object_foreach(m, name, v)
	{
		struct lb_id_entry *e = &(*t)[*n];
		bool twice = false;

		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) >= limit || strlen(name) >= sizeof(e->name)) {
			fail(r, "ids.%s.%s: must be an id below %lld", key, name, (long long)limit);
			continue;
		}
		/* two names on one id would send one's traffic to the other */
		for (size_t k = 0; k < *n && !twice; k++)
			twice = (*t)[k].id == (uint32_t)json_object_get_int64(v);
		if (twice) {
			fail(r, "ids.%s.%s: id %lld is given to another name too", key, name,
			     (long long)json_object_get_int64(v));
			continue;
		}
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->id = (uint32_t)json_object_get_int64(v);
		(*n)++;
	}
}

static void read_pairs(struct reader *r, json_object *a, const char *key, struct lb_override **out,
		       size_t *n, int full)
{
	size_t len = a ? json_object_array_length(a) : 0;

	*out = calloc(len + 1, sizeof(**out));
	*n = 0;
	if (!*out) {
		fail(r, "out of memory");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct lb_override *p = &(*out)[(*n)++];
		char path[64];

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		snprintf(p->service, sizeof(p->service), "%s",
			 get_str(r, o, path, "service", LB_NAME_MAX));
		snprintf(p->backend, sizeof(p->backend), "%s",
			 get_str(r, o, path, "backend", LB_NAME_MAX));
		if (full) {
			json_object *v;

			p->drained = json_object_object_get_ex(o, "drained", &v) &&
				     json_object_get_boolean(v);
			p->has_weight = json_object_object_get_ex(o, "weight", NULL);
			p->weight = (uint16_t)get_int(r, o, path, "weight", 0, 65535, 0, 0);
		}
	}
}

int edgelb_state_from_json(struct lb *lb, const char *json, char *err, size_t err_len)
{
	struct reader r = { .err = err, .err_len = err_len };
	struct lb_runtime rt;
	struct lb_ids ids;
	json_object *root, *o, *a;
	enum json_tokener_error jerr;
	size_t len;

	memset(&rt, 0, sizeof(rt));
	memset(&ids, 0, sizeof(ids));
	root = json_tokener_parse_verbose(json, &jerr);
	if (!root) {
		fail(&r, "not JSON: %s", json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		fail(&r, "not a JSON object");
		goto out;
	}
	if (get_int(&r, root, "state", "version", 1, 1000, 0, 1) != EDGELB_STATE_VERSION && !r.failed)
		fail(&r, "state.version: this edgelbd reads version %d", EDGELB_STATE_VERSION);

	if (json_object_object_get_ex(root, "ids", &o)) {
		read_ids(&r, o, "vips", &ids.vips, &ids.n_vips, EDGELB_MAX_VIPS);
		read_ids(&r, o, "backends", &ids.backends, &ids.n_backends, EDGELB_MAX_BACKENDS);
		ids.next_vip = (uint32_t)get_int(&r, o, "ids", "next_vip", 0, EDGELB_MAX_VIPS - 1, 0, 0);
		ids.next_backend = (uint32_t)get_int(&r, o, "ids", "next_backend", 1,
						     EDGELB_MAX_BACKENDS - 1, 1, 0);
	} else {
		ids.next_backend = 1;
	}

	a = get_array(&r, root, "added_services");
	len = a ? json_object_array_length(a) : 0;
	rt.added_services = calloc(len + 1, sizeof(*rt.added_services));
	for (size_t i = 0; rt.added_services && i < len; i++) {
		struct lb_service *s = &rt.added_services[rt.n_added_services++];
		char path[48];
		json_object *bes;
		size_t nb;

		o = json_object_array_get_idx(a, i);
		snprintf(path, sizeof(path), "added_services[%zu]", i);
		snprintf(s->name, sizeof(s->name), "%s", get_str(&r, o, path, "name", LB_NAME_MAX));
		get_addr(&r, o, path, "vip", &s->key.addr, &s->key.family);
		s->key.port = htons((uint16_t)get_int(&r, o, path, "port", 0, 65535, 0, 1));
		s->key.proto = (uint8_t)get_int(&r, o, path, "protocol", 0, 255, 0, 1);
		s->encap = (uint8_t)get_int(&r, o, path, "encap", 0, EDGELB_ENCAP_MAX - 1, 0, 1);
		s->flags = (uint32_t)get_int(&r, o, path, "flags", 0, UINT32_MAX, 0, 0);
		s->mtu = (uint16_t)get_int(&r, o, path, "mtu", 0, 65535, 1500, 0);
		s->gue_port = (uint16_t)get_int(&r, o, path, "gue_port", 0, 65535, 0, 0);
		s->ring_size = (uint32_t)get_int(&r, o, path, "ring_size", 7, 1048573, 65537, 1);
		s->runtime = true;
		bes = get_array(&r, o, "backends");
		nb = bes ? json_object_array_length(bes) : 0;
		s->backends = calloc(nb + 1, sizeof(*s->backends));
		for (size_t k = 0; s->backends && k < nb; k++) {
			char bpath[96];

			snprintf(bpath, sizeof(bpath), "%s.backends[%zu]", path, k);
			read_backend(&r, json_object_array_get_idx(bes, k), bpath,
				     &s->backends[s->n_backends++]);
		}
		if (!s->backends)
			fail(&r, "out of memory");
	}

	rt.deleted_services = read_names(&r, root, "deleted_services", "deleted_services",
					 "a service", &rt.n_deleted_services);

	a = get_array(&r, root, "added_backends");
	len = a ? json_object_array_length(a) : 0;
	rt.added_backends = calloc(len + 1, sizeof(*rt.added_backends));
	rt.added_in = calloc(len + 1, sizeof(*rt.added_in));
	for (size_t i = 0; rt.added_backends && rt.added_in && i < len; i++) {
		char path[48];

		o = json_object_array_get_idx(a, i);
		snprintf(path, sizeof(path), "added_backends[%zu]", i);
		snprintf(rt.added_in[i], LB_NAME_MAX, "%s",
			 get_str(&r, o, path, "service", LB_NAME_MAX));
		read_backend(&r, o, path, &rt.added_backends[i]);
		rt.n_added_backends++;
	}

	read_pairs(&r, get_array(&r, root, "deleted_backends"), "deleted_backends",
		   &rt.deleted_backends, &rt.n_deleted_backends, 0);
	read_pairs(&r, get_array(&r, root, "overrides"), "overrides", &rt.overrides,
		   &rt.n_overrides, 1);
	/* "vrrp" is optional: files written before it existed have none */
	if (json_object_object_get_ex(root, "vrrp", &o)) {
		json_object *m;

		if (json_object_object_get_ex(o, "maintenance", &m)) {
			if (json_object_is_type(m, json_type_boolean))
				rt.vrrp_maintenance = json_object_get_boolean(m);
			else
				fail(&r, "vrrp.maintenance: not true or false");
		}
		rt.vrrp_held = read_names(&r, o, "held", "vrrp.held", "an instance",
					  &rt.n_vrrp_held);
		if (!rt.vrrp_held)
			fail(&r, "out of memory");
	}
	if (!rt.added_services || !rt.deleted_services || !rt.added_backends || !rt.added_in)
		fail(&r, "out of memory");
out:
	json_object_put(root);
	if (r.failed) {
		lb_runtime_free(&rt);
		free(ids.vips);
		free(ids.backends);
		return -EINVAL;
	}
	lb_runtime_free(&lb->runtime);
	lb->runtime = rt;
	free(lb->ids.vips);
	free(lb->ids.backends);
	lb->ids = ids;
	return 0;
}

int edgelb_state_load(struct lb *lb, const char *path, char *err, size_t err_len)
{
	/* O_NONBLOCK: a FIFO put in its place must not hang the start */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	FILE *f;
	char *buf;
	size_t n;
	int rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "%s, not a state file (a regular file)",
			 S_ISDIR(st.st_mode)	? "is a directory"
			 : S_ISFIFO(st.st_mode) ? "is a FIFO"
			 : S_ISSOCK(st.st_mode) ? "is a socket"
						: "is a device or special file");
		close(fd);
		return -EINVAL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		rc = -errno;
		close(fd);
		return rc;
	}
	buf = malloc(STATE_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, STATE_MAX_BYTES + 1, f);
	fclose(f);
	if (n > STATE_MAX_BYTES) {
		snprintf(err, err_len, "larger than %u bytes", STATE_MAX_BYTES);
		free(buf);
		return -EFBIG;
	}
	buf[n] = 0;
	rc = edgelb_state_from_json(lb, buf, err, err_len);
	free(buf);
	return rc;
}
