// SPDX-License-Identifier: GPL-2.0-only
/*
 * How the edgelb.conf loader reads libconfig's tree (config_priv.h): the
 * messages it collects, the nodes that give every setting the path and
 * line the messages quote, the typed getters with which each part of the
 * schema reads a setting (and reports it missing or of the wrong type),
 * and owned copies of strings. No other file of the loader calls
 * libconfig's setting functions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "quote.h"

/* ---- messages ---------------------------------------------------------- */

void edgelb_config_errors_init(struct edgelb_config_errors *errs)
{
	memset(errs, 0, sizeof(*errs));
}

void edgelb_config_errors_free(struct edgelb_config_errors *errs)
{
	for (size_t i = 0; i < errs->count; i++) {
		free(errs->items[i].path);
		free(errs->items[i].message);
		free(errs->items[i].text);
	}
	free(errs->items);
	memset(errs, 0, sizeof(*errs));
}

static bool edgelb_config_errors_grow(struct edgelb_config_errors *errs)
{
	struct edgelb_config_error *items;
	size_t cap;

	if (errs->count < errs->cap)
		return true;
	cap = errs->cap ? errs->cap * 2 : 16;
	if (cap > EDGELB_CONFIG_ERRORS_MAX)
		cap = EDGELB_CONFIG_ERRORS_MAX;
	items = realloc(errs->items, cap * sizeof(*items));
	if (!items)
		return false;
	errs->items = items;
	errs->cap = cap;
	return true;
}

__attribute__((format(printf, 5, 0))) static void
edgelb_config_vreport(struct edgelb_config_ctx *ctx, enum edgelb_config_severity severity,
		      unsigned int line, const char *path, const char *fmt, va_list ap)
{
	struct edgelb_config_errors *errs = ctx->errs;
	struct edgelb_config_error e = { .severity = severity, .line = line };
	char where[32] = "";
	int ret;

	/* Counted before anything can fail, so validity never depends on memory. */
	if (severity == EDGELB_CONFIG_ERROR)
		errs->n_errors++;
	else
		errs->n_warnings++;
	if (errs->count >= EDGELB_CONFIG_ERRORS_MAX) {
		errs->n_dropped++;
		return;
	}
	if (!edgelb_config_errors_grow(errs))
		goto nomem;
	if (vasprintf(&e.message, fmt, ap) < 0) {
		e.message = NULL;
		goto nomem;
	}
	e.path = strdup(path);
	if (!e.path)
		goto nomem;
	if (line)
		snprintf(where, sizeof(where), ":%u", line);
	ret = asprintf(&e.text, "%s%s: %s%s%s%s", ctx->file, where, path, path[0] ? ": " : "",
		       severity == EDGELB_CONFIG_WARNING ? "warning: " : "", e.message);
	if (ret < 0) {
		e.text = NULL;
		goto nomem;
	}
	errs->items[errs->count++] = e;
	return;
nomem:
	free(e.message);
	free(e.path);
	ctx->nomem = true;
}

__attribute__((format(printf, 3, 4))) void
edgelb_config_error(struct edgelb_config_ctx *ctx, const struct edgelb_config_node *n,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	edgelb_config_vreport(ctx, EDGELB_CONFIG_ERROR, n->line, n->path, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) void
edgelb_config_warning(struct edgelb_config_ctx *ctx, const struct edgelb_config_node *n,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	edgelb_config_vreport(ctx, EDGELB_CONFIG_WARNING, n->line, n->path, fmt, ap);
	va_end(ap);
}

/* A message about the file itself or a line of it, outside any setting. */
__attribute__((format(printf, 3, 4))) void
edgelb_config_error_at(struct edgelb_config_ctx *ctx, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	edgelb_config_vreport(ctx, EDGELB_CONFIG_ERROR, line, "", fmt, ap);
	va_end(ap);
}

/* s between double quotes, escaped and shortened so that it fits one line. */
const char *edgelb_config_quote(const char *s, char *buf, size_t size)
{
	return edgelb_quote(s, strlen(s), buf, size);
}

const char *edgelb_config_family_name(uint8_t family)
{
	return family == EDGELB_AF_INET6 ? "IPv6" : "IPv4";
}

const char *edgelb_config_addr_str(const struct edgelb_config_addr *a, char *buf,
				   size_t size)
{
	int af = a->family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(af, a->addr.bytes, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

bool edgelb_config_addr_equal(const struct edgelb_config_addr *a,
			      const struct edgelb_config_addr *b)
{
	return a->family == b->family && !memcmp(a->addr.bytes, b->addr.bytes, 16);
}

/* ---- nodes --------------------------------------------------------------- */

static void edgelb_config_set_path(struct edgelb_config_node *child, const char *parent,
				   const char *key, long index)
{
	int n;

	if (key && parent[0])
		n = snprintf(child->path, sizeof(child->path), "%s.%s", parent, key);
	else if (key)
		n = snprintf(child->path, sizeof(child->path), "%s", key);
	else
		n = snprintf(child->path, sizeof(child->path), "%s[%ld]", parent, index);
	/* Only absurd nesting or key names get here; a cut path still helps. */
	if (n < 0 || (size_t)n >= sizeof(child->path))
		child->path[sizeof(child->path) - 1] = '\0';
}

static void edgelb_config_node_line(struct edgelb_config_node *child, unsigned int fallback)
{
	unsigned int line = child->s ? config_setting_source_line(child->s) : 0;

	child->line = line ? line : fallback;
}

void edgelb_config_node_root(const config_t *c, struct edgelb_config_node *root)
{
	root->s = config_root_setting(c);
	root->line = 1;
	root->path[0] = '\0';
}

void edgelb_config_node_key(const struct edgelb_config_node *parent, const char *key,
			    struct edgelb_config_node *child)
{
	child->s = NULL;
	if (parent->s && config_setting_is_group(parent->s))
		child->s = config_setting_get_member(parent->s, key);
	edgelb_config_set_path(child, parent->path, key, 0);
	edgelb_config_node_line(child, parent->line);
}

void edgelb_config_node_elem(const struct edgelb_config_node *parent, size_t i,
			     struct edgelb_config_node *child)
{
	child->s = config_setting_get_elem(parent->s, (unsigned int)i);
	edgelb_config_set_path(child, parent->path, NULL, (long)i);
	edgelb_config_node_line(child, parent->line);
}

static size_t edgelb_config_node_length(const struct edgelb_config_node *n)
{
	int len = n->s ? config_setting_length(n->s) : 0;

	return len > 0 ? (size_t)len : 0;
}

static const char *edgelb_config_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number with a fraction";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	default:
		return "nothing";
	}
}

static void edgelb_config_type_error(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *n, const char *expected)
{
	edgelb_config_error(ctx, n, "expected %s, got %s", expected,
			    edgelb_config_type_name(config_setting_type(n->s)));
}

/* Edit distance of two short keys, for "did you mean"; large when long. */
static unsigned int edgelb_config_distance(const char *a, const char *b)
{
	unsigned int row[33];
	size_t la = strlen(a), lb = strlen(b);

	if (la > 32 || lb > 32)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The closest candidate within two edits, or NULL. */
const char *edgelb_config_closest(const char *name, const char *const *candidates,
				  size_t n)
{
	const char *best = NULL;
	unsigned int best_d = 3;

	for (size_t i = 0; i < n; i++) {
		unsigned int d;

		if (!candidates[i])
			continue;
		d = edgelb_config_distance(name, candidates[i]);
		if (d < best_d && d < strlen(name)) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

static size_t edgelb_config_strv_len(const char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

/* Report every member of group that is not in known (NULL-terminated). */
void edgelb_config_check_keys(struct edgelb_config_ctx *ctx,
			      const struct edgelb_config_node *group,
			      const char *const *known)
{
	size_t n = edgelb_config_node_length(group);

	for (size_t i = 0; i < n; i++) {
		struct edgelb_config_node child;
		const char *name, *hint;
		bool found = false;

		child.s = config_setting_get_elem(group->s, (unsigned int)i);
		name = config_setting_name(child.s);
		if (!name)
			continue;
		for (size_t k = 0; known[k] && !found; k++)
			found = !strcmp(name, known[k]);
		if (found)
			continue;
		edgelb_config_set_path(&child, group->path, name, 0);
		edgelb_config_node_line(&child, group->line);
		hint = edgelb_config_closest(name, known, edgelb_config_strv_len(known));
		if (hint)
			edgelb_config_error(ctx, &child, "unknown setting; did you mean \"%s\"?",
					    hint);
		else
			edgelb_config_error(ctx, &child, "unknown setting");
	}
}

/* The setting's line in an earlier list element, for "first defined at". */
unsigned int edgelb_config_elem_line(const struct edgelb_config_node *list, size_t i,
				     const char *key)
{
	struct edgelb_config_node el, n;

	edgelb_config_node_elem(list, i, &el);
	edgelb_config_node_key(&el, key, &n);
	return n.line;
}

/* ---- typed getters -------------------------------------------------------- */

/* 1: child present; 0: absent (reported when required, then -EINVAL). */
int edgelb_config_find(struct edgelb_config_ctx *ctx,
		       const struct edgelb_config_node *parent, const char *key,
		       bool required, struct edgelb_config_node *child)
{
	edgelb_config_node_key(parent, key, child);
	if (child->s)
		return 1;
	if (!required)
		return 0;
	edgelb_config_error(ctx, child, "required setting is missing");
	return -EINVAL;
}

int edgelb_config_node_int(struct edgelb_config_ctx *ctx,
			   const struct edgelb_config_node *n, long long min,
			   long long max, long long *out)
{
	int type = config_setting_type(n->s);
	long long v;

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		edgelb_config_type_error(ctx, n, "an integer");
		return -EINVAL;
	}
	v = config_setting_get_int64(n->s);
	if (v < min || v > max) {
		edgelb_config_error(ctx, n, "%lld is out of range %lld..%lld", v, min, max);
		return -EINVAL;
	}
	*out = v;
	return 1;
}

static int edgelb_config_int(struct edgelb_config_ctx *ctx,
			     const struct edgelb_config_node *parent, const char *key,
			     bool required, long long min, long long max, long long *out)
{
	struct edgelb_config_node n;
	int ret = edgelb_config_find(ctx, parent, key, required, &n);

	if (ret <= 0)
		return ret;
	return edgelb_config_node_int(ctx, &n, min, max, out);
}

int edgelb_config_u32(struct edgelb_config_ctx *ctx,
		      const struct edgelb_config_node *parent, const char *key,
		      bool required, uint32_t min, uint32_t max, uint32_t *out)
{
	long long v;
	int ret = edgelb_config_int(ctx, parent, key, required, min, max, &v);

	if (ret > 0)
		*out = (uint32_t)v;
	return ret;
}

int edgelb_config_u16(struct edgelb_config_ctx *ctx,
		      const struct edgelb_config_node *parent, const char *key,
		      bool required, uint16_t min, uint16_t max, uint16_t *out)
{
	long long v;
	int ret = edgelb_config_int(ctx, parent, key, required, min, max, &v);

	if (ret > 0)
		*out = (uint16_t)v;
	return ret;
}

int edgelb_config_u8(struct edgelb_config_ctx *ctx,
		     const struct edgelb_config_node *parent, const char *key,
		     bool required, uint8_t min, uint8_t max, uint8_t *out)
{
	long long v;
	int ret = edgelb_config_int(ctx, parent, key, required, min, max, &v);

	if (ret > 0)
		*out = (uint8_t)v;
	return ret;
}

/* Track weights: -254..254 keeps a priority of 1..255 reachable. */
int edgelb_config_weight(struct edgelb_config_ctx *ctx,
			 const struct edgelb_config_node *parent, int16_t *out)
{
	long long v;
	int ret = edgelb_config_int(ctx, parent, "weight", false, -254, 254, &v);

	if (ret > 0)
		*out = (int16_t)v;
	return ret;
}

/* An integer or a number with a fraction, in [min, max]. */
int edgelb_config_number(struct edgelb_config_ctx *ctx,
			 const struct edgelb_config_node *parent, const char *key,
			 bool required, double min, double max, double *out)
{
	struct edgelb_config_node n;
	int ret = edgelb_config_find(ctx, parent, key, required, &n);
	bool integer = false;
	long long iv = 0;
	double v;

	if (ret <= 0)
		return ret;
	switch (config_setting_type(n.s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		integer = true;
		iv = config_setting_get_int64(n.s);
		v = (double)iv;
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(n.s);
		break;
	default:
		edgelb_config_type_error(ctx, &n, "a number");
		return -EINVAL;
	}
	/* written this way round so that a NaN fails too */
	if (!(v >= min && v <= max)) {
		/* an integer as written: %g would round 4294967297 to 4.29497e+09 */
		if (integer)
			edgelb_config_error(ctx, &n, "%lld is out of range %g..%g", iv, min, max);
		else
			edgelb_config_error(ctx, &n, "%g is out of range %g..%g", v, min, max);
		return -EINVAL;
	}
	*out = v;
	return 1;
}

/* A duration in seconds, stored as whole milliseconds. */
int edgelb_config_duration(struct edgelb_config_ctx *ctx,
			   const struct edgelb_config_node *parent, const char *key,
			   double min, double max, uint32_t *out_ms)
{
	double s;
	int ret = edgelb_config_number(ctx, parent, key, false, min, max, &s);

	if (ret > 0)
		*out_ms = (uint32_t)(s * 1000.0 + 0.5);
	return ret;
}

int edgelb_config_bool(struct edgelb_config_ctx *ctx,
		       const struct edgelb_config_node *parent, const char *key,
		       bool *out)
{
	struct edgelb_config_node n;
	int ret = edgelb_config_find(ctx, parent, key, false, &n);

	if (ret <= 0)
		return ret;
	if (config_setting_type(n.s) != CONFIG_TYPE_BOOL) {
		edgelb_config_type_error(ctx, &n, "true or false");
		return -EINVAL;
	}
	*out = config_setting_get_bool(n.s);
	return 1;
}

static int edgelb_config_node_string(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *n, const char **out)
{
	if (config_setting_type(n->s) != CONFIG_TYPE_STRING) {
		edgelb_config_type_error(ctx, n, "a string");
		return -EINVAL;
	}
	*out = config_setting_get_string(n->s);
	return 1;
}

int edgelb_config_string(struct edgelb_config_ctx *ctx,
			 const struct edgelb_config_node *parent, const char *key,
			 bool required, const char **out, struct edgelb_config_node *n)
{
	int ret = edgelb_config_find(ctx, parent, key, required, n);

	if (ret <= 0)
		return ret;
	return edgelb_config_node_string(ctx, n, out);
}

int edgelb_config_keyword(struct edgelb_config_ctx *ctx,
			  const struct edgelb_config_node *parent, const char *key,
			  const struct edgelb_config_keyword *kw, int *out)
{
	struct edgelb_config_node n;
	char q[EDGELB_CONFIG_QUOTE_LEN], list[160] = "";
	const char *s;
	size_t used = 0;
	int ret = edgelb_config_string(ctx, parent, key, false, &s, &n);

	if (ret <= 0)
		return ret;
	for (size_t i = 0; kw[i].name; i++) {
		if (!strcmp(s, kw[i].name)) {
			*out = kw[i].value;
			return 1;
		}
	}
	for (size_t i = 0; kw[i].name && used < sizeof(list); i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s\"%s\"", i ? ", " : "",
				 kw[i].name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	edgelb_config_error(ctx, &n, "%s is not one of %s", edgelb_config_quote(s, q, sizeof(q)),
			    list);
	return -EINVAL;
}

int edgelb_config_group(struct edgelb_config_ctx *ctx,
			const struct edgelb_config_node *parent, const char *key,
			bool required, struct edgelb_config_node *n)
{
	int ret = edgelb_config_find(ctx, parent, key, required, n);

	if (ret <= 0)
		return ret;
	if (!config_setting_is_group(n->s)) {
		edgelb_config_type_error(ctx, n, "a group { ... }");
		return -EINVAL;
	}
	return 1;
}

static bool edgelb_config_count_ok(struct edgelb_config_ctx *ctx,
				   const struct edgelb_config_node *n, size_t count, size_t min,
				   size_t max)
{
	if (count < min && count == 0) {
		edgelb_config_error(ctx, n, "must not be empty");
		return false;
	}
	if (count < min) {
		edgelb_config_error(ctx, n, "has %zu entries, at least %zu are needed", count, min);
		return false;
	}
	if (count > max) {
		edgelb_config_error(ctx, n, "has %zu entries, at most %zu are allowed", count, max);
		return false;
	}
	return true;
}

/* A list ( { ... }, ... ) of groups; an empty [ ] is accepted as empty. */
int edgelb_config_group_list(struct edgelb_config_ctx *ctx,
			     const struct edgelb_config_node *parent, const char *key,
			     size_t max, struct edgelb_config_node *n, size_t *count)
{
	int ret = edgelb_config_find(ctx, parent, key, false, n);

	*count = 0;
	if (ret <= 0)
		return ret;
	if (config_setting_is_group(n->s)) {
		edgelb_config_error(ctx, n, "expected a list ( { ... }, ... ), got a group; "
				    "put it between ( and )");
		return -EINVAL;
	}
	if (!config_setting_is_list(n->s) &&
	    !(config_setting_is_array(n->s) && !edgelb_config_node_length(n))) {
		edgelb_config_type_error(ctx, n, "a list ( { ... }, ... )");
		return -EINVAL;
	}
	*count = edgelb_config_node_length(n);
	if (!edgelb_config_count_ok(ctx, n, *count, 0, max)) {
		*count = 0;
		return -EINVAL;
	}
	return 1;
}

bool edgelb_config_list_elem_group(struct edgelb_config_ctx *ctx,
				   const struct edgelb_config_node *list, size_t i,
				   struct edgelb_config_node *el)
{
	edgelb_config_node_elem(list, i, el);
	if (config_setting_is_group(el->s))
		return true;
	edgelb_config_type_error(ctx, el, "a group { ... }");
	return false;
}

/* An array [ ... ] or list ( ... ) of min..max strings. */
int edgelb_config_string_seq(struct edgelb_config_ctx *ctx,
			     const struct edgelb_config_node *parent, const char *key,
			     bool required, size_t min, size_t max,
			     struct edgelb_config_node *n, size_t *count)
{
	int ret = edgelb_config_find(ctx, parent, key, required, n);

	*count = 0;
	if (ret <= 0)
		return ret;
	if (!config_setting_is_array(n->s) && !config_setting_is_list(n->s)) {
		edgelb_config_type_error(ctx, n, "an array [ \"...\", ... ]");
		return -EINVAL;
	}
	*count = edgelb_config_node_length(n);
	if (!edgelb_config_count_ok(ctx, n, *count, min, max)) {
		*count = 0;
		return -EINVAL;
	}
	return 1;
}

bool edgelb_config_seq_string(struct edgelb_config_ctx *ctx,
			      const struct edgelb_config_node *seq, size_t i,
			      struct edgelb_config_node *el, const char **out)
{
	edgelb_config_node_elem(seq, i, el);
	return edgelb_config_node_string(ctx, el, out) > 0;
}

/* ---- owned strings ------------------------------------------------------- */

void edgelb_config_set_str(struct edgelb_config_ctx *ctx, char **dst, const char *src)
{
	char *copy = src ? strdup(src) : NULL;

	if (src && !copy)
		ctx->nomem = true;
	free(*dst);
	*dst = copy;
}

void edgelb_config_argv_free(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

char **edgelb_config_argv_copy(struct edgelb_config_ctx *ctx, char *const *argv,
			       size_t argc)
{
	char **copy;

	if (!argv)
		return NULL;
	copy = calloc(argc + 1, sizeof(*copy));
	if (!copy)
		goto nomem;
	for (size_t i = 0; i < argc; i++) {
		copy[i] = strdup(argv[i]);
		if (!copy[i])
			goto nomem;
	}
	return copy;
nomem:
	edgelb_config_argv_free(copy);
	ctx->nomem = true;
	return NULL;
}
