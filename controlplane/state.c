// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state file: see state.h. JSON through json-c, pretty-printed so that
 * an operator can read and, in an emergency, edit it. This file owns the
 * envelope (version, the sections' keys, what no section claims) and the
 * atomic write; the sections own their members.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "state.h"

#define STATE_MAX_BYTES (16u << 20)

void edgelb_state_init(struct edgelb_state *st)
{
	memset(st, 0, sizeof(*st));
}

void edgelb_state_free(struct edgelb_state *st)
{
	if (st->carried)
		json_object_put(st->carried);
	memset(st, 0, sizeof(*st));
}

int edgelb_state_register(struct edgelb_state *st, const struct edgelb_state_section *s)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->sections[i].name, s->name))
			return -EEXIST;
	if (st->n >= EDGELB_STATE_SECTIONS_MAX)
		return -ENOSPC;
	st->sections[st->n++] = *s;
	return 0;
}

/* Whether a section of st owns the top-level key. */
static bool key_owned(const struct edgelb_state *st, const char *key)
{
	if (!strcmp(key, "version"))
		return true;
	for (size_t i = 0; i < st->n; i++) {
		const struct edgelb_state_section *s = &st->sections[i];

		if (!s->at_root && !strcmp(s->name, key))
			return true;
		for (const char *const *k = s->at_root ? s->root_keys : NULL; k && *k; k++)
			if (!strcmp(*k, key))
				return true;
	}
	return false;
}

/* ---- writing ------------------------------------------------------------ */

char *edgelb_state_to_json(const struct edgelb_state *st)
{
	json_object *root = json_object_new_object();
	char *out = NULL;

	if (!root)
		return NULL;
	json_object_object_add(root, "version", json_object_new_int(EDGELB_STATE_VERSION));
	for (size_t i = 0; i < st->n; i++) {
		const struct edgelb_state_section *s = &st->sections[i];
		json_object *o = s->at_root ? root : json_object_new_object();

		if (!o)
			goto out;
		if (!s->at_root) /* added first: root frees it when save fails */
			json_object_object_add(root, s->name, o);
		if (s->save(s->owner, o))
			goto out;
	}
	if (st->carried) {
		json_object_object_foreach(st->carried, key, v)
		{
			/* never over what a section just wrote (a key root_keys misses) */
			if (!key_owned(st, key) && !json_object_object_get_ex(root, key, NULL))
				json_object_object_add(root, key, json_object_get(v));
		}
	}
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
out:
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

int edgelb_state_save(const struct edgelb_state *st, const char *path)
{
	char *json = edgelb_state_to_json(st), *tmp = NULL, *dircopy = NULL;
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

void edgelb_state_fail(struct edgelb_state_reader *r, const char *fmt, ...)
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

const char *edgelb_state_get_str(struct edgelb_state_reader *r, json_object *o, const char *path,
				 const char *key, size_t max)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
		edgelb_state_fail(r, "%s.%s: missing or not a string", path, key);
		return "";
	}
	s = json_object_get_string(v);
	if (strlen(s) >= max) {
		edgelb_state_fail(r, "%s.%s: longer than %zu bytes", path, key, max - 1);
		return "";
	}
	return s;
}

bool edgelb_state_get_bool(struct edgelb_state_reader *r, json_object *o, const char *path,
			   const char *key, bool dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return dflt;
	if (!json_object_is_type(v, json_type_boolean)) {
		edgelb_state_fail(r, "%s.%s: not true or false", path, key);
		return dflt;
	}
	return json_object_get_boolean(v);
}

int64_t edgelb_state_get_int(struct edgelb_state_reader *r, json_object *o, const char *path,
			     const char *key, int64_t lo, int64_t hi, int64_t dflt, bool required)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			edgelb_state_fail(r, "%s.%s: missing", path, key);
		return dflt;
	}
	if (!json_object_is_type(v, json_type_int)) {
		edgelb_state_fail(r, "%s.%s: not an integer", path, key);
		return dflt;
	}
	x = json_object_get_int64(v);
	if (x < lo || x > hi) {
		edgelb_state_fail(r, "%s.%s: must be %lld..%lld", path, key, (long long)lo,
				  (long long)hi);
		return dflt;
	}
	return x;
}

json_object *edgelb_state_get_array(struct edgelb_state_reader *r, json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL; /* absent = empty */
	if (!json_object_is_type(v, json_type_array)) {
		edgelb_state_fail(r, "%s: not an array", key);
		return NULL;
	}
	return v;
}

char *edgelb_state_read_names(struct edgelb_state_reader *r, json_object *o, const char *key,
			      const char *path, const char *what, size_t name_max, size_t *n)
{
	json_object *a = edgelb_state_get_array(r, o, key);
	size_t len = a ? json_object_array_length(a) : 0;
	char *names = calloc(len + 1, name_max);

	*n = 0;
	for (size_t i = 0; names && i < len; i++) {
		json_object *v = json_object_array_get_idx(a, i);

		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) >= name_max) {
			edgelb_state_fail(r, "%s[%zu]: not %s name", path, i, what);
			continue;
		}
		snprintf(names + (*n)++ * name_max, name_max, "%s", json_object_get_string(v));
	}
	return names;
}

int edgelb_state_from_json(struct edgelb_state *st, const char *json, char *err, size_t err_len)
{
	struct edgelb_state_reader r = { .err = err, .err_len = err_len };
	void *staged[EDGELB_STATE_SECTIONS_MAX] = { 0 };
	enum json_tokener_error jerr;
	json_object *root, *carried = NULL;
	size_t loaded = 0;
	int ret = 0;

	root = json_tokener_parse_verbose(json, &jerr);
	if (!root) {
		edgelb_state_fail(&r, "not JSON: %s", json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		edgelb_state_fail(&r, "not a JSON object");
		goto out;
	}
	if (edgelb_state_get_int(&r, root, "state", "version", 1, 1000, 0, true) !=
		    EDGELB_STATE_VERSION &&
	    !r.failed)
		edgelb_state_fail(&r, "state.version: this edgelbd reads version %d",
				  EDGELB_STATE_VERSION);
	for (; !r.failed && !ret && loaded < st->n; loaded++) {
		struct edgelb_state_section *s = &st->sections[loaded];
		json_object *o = root;

		if (!s->at_root) {
			if (!json_object_object_get_ex(root, s->name, &o))
				o = NULL; /* written before this section existed */
			else if (!json_object_is_type(o, json_type_object)) {
				edgelb_state_fail(&r, "%s: not an object", s->name);
				break;
			}
		}
		ret = s->load(s->owner, o, &staged[loaded], &r);
	}
	if (!r.failed && !ret) {
		carried = json_object_new_object();
		if (!carried)
			ret = -ENOMEM;
	}
	if (carried) {
		json_object_object_foreach(root, key, v)
		{
			if (!key_owned(st, key))
				json_object_object_add(carried, key, json_object_get(v));
		}
	}
out:
	json_object_put(root);
	if (r.failed || ret) {
		for (size_t i = 0; i < loaded; i++)
			if (staged[i])
				st->sections[i].discard(staged[i]);
		if (carried)
			json_object_put(carried);
		return ret ? ret : -EINVAL;
	}
	for (size_t i = 0; i < st->n; i++)
		st->sections[i].commit(st->sections[i].owner, staged[i]);
	if (st->carried)
		json_object_put(st->carried);
	st->carried = carried;
	return 0;
}

int edgelb_state_load(struct edgelb_state *st, const char *path, char *err, size_t err_len)
{
	/* O_NONBLOCK: a FIFO put in its place must not hang the start */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat sb;
	FILE *f;
	char *buf;
	size_t n;
	int rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, err_len, "%s, not a state file (a regular file)",
			 S_ISDIR(sb.st_mode)	? "is a directory"
			 : S_ISFIFO(sb.st_mode) ? "is a FIFO"
			 : S_ISSOCK(sb.st_mode) ? "is a socket"
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
	rc = edgelb_state_from_json(st, buf, err, err_len);
	free(buf);
	return rc;
}
