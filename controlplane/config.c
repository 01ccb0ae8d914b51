// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb.conf loader: libconfig tree -> plain structs, with every rejection
 * collected as "FILE:LINE: PATH: message".
 *
 * The walk keeps a "node" per setting it looks at: the libconfig setting
 * (NULL when absent), its path as the operator would write it
 * ("services[0].backends[2].address") and a line. An absent setting takes
 * the line of the group that lacks it, so "required setting is missing"
 * points at the group the operator has to edit.
 *
 * Getters return 1 (set and valid), 0 (absent and optional: the caller's
 * default stays) or -EINVAL (reported). Nothing stops at the first error:
 * a bad value leaves the default in place and the walk goes on, so one run
 * of "edgelbd -t" lists everything that is wrong. Cross checks (duplicates,
 * references) skip entries that already failed, to avoid echo errors.
 *
 * Only ASCII is expected in names and paths; any byte outside printable
 * ASCII is shown escaped so that every message stays on one line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr_check.h"
#include "config.h"
#include "quote.h"
#include "maglev.h"

#define EDGELB_CONFIG_PATH_LEN 256
#define EDGELB_CONFIG_QUOTE_LEN 80
#define EDGELB_CONFIG_ADDR_LEN 64 /* "[" INET6_ADDRSTRLEN "]" and a prefix */
#define EDGELB_CONFIG_STR_MAX 1024 /* HTTP path, body, a command argument */
#define EDGELB_CONFIG_SOCKET_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* Built-in defaults, documented in edgelb.conf(5). */
#define EDGELB_CONFIG_GUE_PORT_DEFAULT 6080
#define EDGELB_CONFIG_MTU_DEFAULT 1500
#define EDGELB_CONFIG_WEIGHT_DEFAULT 100
#define EDGELB_CONFIG_PRIORITY_DEFAULT 100
#define EDGELB_CONFIG_GARP_COUNT_DEFAULT 5
/* ICMP "too big" replies per second and per CPU, and the bucket's depth */
#define EDGELB_CONFIG_ICMP_TOO_BIG_RATE_DEFAULT 1000
#define EDGELB_CONFIG_ICMP_TOO_BIG_BURST_DEFAULT 50
/* Maglev imbalance stays around 1 % while the ring has >= 100 slots per backend. */
#define EDGELB_CONFIG_RING_SLOTS_PER_BACKEND 100

struct edgelb_config_ctx {
	const char *file; /* the name messages give */
	struct edgelb_config_errors *errs;
	bool nomem;
};

struct edgelb_config_node {
	const config_setting_t *s; /* NULL: not in the file */
	unsigned int line;	   /* of s, or of the group lacking it */
	char path[EDGELB_CONFIG_PATH_LEN];
};

struct edgelb_config_keyword {
	const char *name;
	int value;
};

/* Address parsing flags. */
#define EDGELB_CONFIG_ADDR_PREFIX (1u << 0)   /* "addr/len" accepted */
#define EDGELB_CONFIG_ADDR_WILDCARD (1u << 1) /* a listen address: unspecified, loopback */

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

__attribute__((format(printf, 3, 4))) static void
edgelb_config_error(struct edgelb_config_ctx *ctx, const struct edgelb_config_node *n,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	edgelb_config_vreport(ctx, EDGELB_CONFIG_ERROR, n->line, n->path, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void
edgelb_config_warning(struct edgelb_config_ctx *ctx, const struct edgelb_config_node *n,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	edgelb_config_vreport(ctx, EDGELB_CONFIG_WARNING, n->line, n->path, fmt, ap);
	va_end(ap);
}

/* A message about the file itself or a line of it, outside any setting. */
__attribute__((format(printf, 3, 4))) static void
edgelb_config_error_at(struct edgelb_config_ctx *ctx, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	edgelb_config_vreport(ctx, EDGELB_CONFIG_ERROR, line, "", fmt, ap);
	va_end(ap);
}

/* s between double quotes, escaped and shortened so that it fits one line. */
static const char *edgelb_config_quote(const char *s, char *buf, size_t size)
{
	return edgelb_quote(s, strlen(s), buf, size);
}

static const char *edgelb_config_family_name(uint8_t family)
{
	return family == EDGELB_AF_INET6 ? "IPv6" : "IPv4";
}

static const char *edgelb_config_addr_str(const struct edgelb_config_addr *a, char *buf,
					  size_t size)
{
	int af = a->family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(af, a->addr.bytes, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

static bool edgelb_config_addr_equal(const struct edgelb_config_addr *a,
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

static void edgelb_config_node_root(const config_t *c, struct edgelb_config_node *root)
{
	root->s = config_root_setting(c);
	root->line = 1;
	root->path[0] = '\0';
}

static void edgelb_config_node_key(const struct edgelb_config_node *parent, const char *key,
				   struct edgelb_config_node *child)
{
	child->s = NULL;
	if (parent->s && config_setting_is_group(parent->s))
		child->s = config_setting_get_member(parent->s, key);
	edgelb_config_set_path(child, parent->path, key, 0);
	edgelb_config_node_line(child, parent->line);
}

static void edgelb_config_node_elem(const struct edgelb_config_node *parent, size_t i,
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
static const char *edgelb_config_closest(const char *name, const char *const *candidates,
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
static void edgelb_config_check_keys(struct edgelb_config_ctx *ctx,
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

/* ---- typed getters -------------------------------------------------------- */

/* 1: child present; 0: absent (reported when required, then -EINVAL). */
static int edgelb_config_find(struct edgelb_config_ctx *ctx,
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

static int edgelb_config_node_int(struct edgelb_config_ctx *ctx,
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

static int edgelb_config_u32(struct edgelb_config_ctx *ctx,
			     const struct edgelb_config_node *parent, const char *key,
			     bool required, uint32_t min, uint32_t max, uint32_t *out)
{
	long long v;
	int ret = edgelb_config_int(ctx, parent, key, required, min, max, &v);

	if (ret > 0)
		*out = (uint32_t)v;
	return ret;
}

static int edgelb_config_u16(struct edgelb_config_ctx *ctx,
			     const struct edgelb_config_node *parent, const char *key,
			     bool required, uint16_t min, uint16_t max, uint16_t *out)
{
	long long v;
	int ret = edgelb_config_int(ctx, parent, key, required, min, max, &v);

	if (ret > 0)
		*out = (uint16_t)v;
	return ret;
}

static int edgelb_config_u8(struct edgelb_config_ctx *ctx,
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
static int edgelb_config_weight(struct edgelb_config_ctx *ctx,
				const struct edgelb_config_node *parent, int16_t *out)
{
	long long v;
	int ret = edgelb_config_int(ctx, parent, "weight", false, -254, 254, &v);

	if (ret > 0)
		*out = (int16_t)v;
	return ret;
}

/* An integer or a number with a fraction, in [min, max]. */
static int edgelb_config_number(struct edgelb_config_ctx *ctx,
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
static int edgelb_config_duration(struct edgelb_config_ctx *ctx,
				  const struct edgelb_config_node *parent, const char *key,
				  double min, double max, uint32_t *out_ms)
{
	double s;
	int ret = edgelb_config_number(ctx, parent, key, false, min, max, &s);

	if (ret > 0)
		*out_ms = (uint32_t)(s * 1000.0 + 0.5);
	return ret;
}

static int edgelb_config_bool(struct edgelb_config_ctx *ctx,
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

static int edgelb_config_string(struct edgelb_config_ctx *ctx,
				const struct edgelb_config_node *parent, const char *key,
				bool required, const char **out, struct edgelb_config_node *n)
{
	int ret = edgelb_config_find(ctx, parent, key, required, n);

	if (ret <= 0)
		return ret;
	return edgelb_config_node_string(ctx, n, out);
}

static int edgelb_config_keyword(struct edgelb_config_ctx *ctx,
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

static int edgelb_config_group(struct edgelb_config_ctx *ctx,
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
static int edgelb_config_group_list(struct edgelb_config_ctx *ctx,
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

static bool edgelb_config_list_elem_group(struct edgelb_config_ctx *ctx,
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
static int edgelb_config_string_seq(struct edgelb_config_ctx *ctx,
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

static bool edgelb_config_seq_string(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *seq, size_t i,
				     struct edgelb_config_node *el, const char **out)
{
	edgelb_config_node_elem(seq, i, el);
	return edgelb_config_node_string(ctx, el, out) > 0;
}

/* ---- owned strings ------------------------------------------------------- */

static void edgelb_config_set_str(struct edgelb_config_ctx *ctx, char **dst, const char *src)
{
	char *copy = src ? strdup(src) : NULL;

	if (src && !copy)
		ctx->nomem = true;
	free(*dst);
	*dst = copy;
}

static void edgelb_config_argv_free(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static char **edgelb_config_argv_copy(struct edgelb_config_ctx *ctx, char *const *argv,
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

/* ---- value checks -------------------------------------------------------- */

static bool edgelb_config_name_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (!len || len > max)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == len;
}

/* A name of [A-Za-z0-9_.-]{1,max}; copied into *dst when valid. */
static int edgelb_config_name(struct edgelb_config_ctx *ctx,
			      const struct edgelb_config_node *parent, const char *key,
			      bool required, size_t max, char **dst)
{
	struct edgelb_config_node n;
	char q[EDGELB_CONFIG_QUOTE_LEN];
	const char *s;
	int ret = edgelb_config_string(ctx, parent, key, required, &s, &n);

	if (ret <= 0)
		return ret;
	if (!edgelb_config_name_ok(s, max)) {
		edgelb_config_error(ctx, &n,
				    "%s is not a valid name: use 1..%zu of A-Z a-z 0-9 _ . -",
				    edgelb_config_quote(s, q, sizeof(q)), max);
		return -EINVAL;
	}
	edgelb_config_set_str(ctx, dst, s);
	return 1;
}

/*
 * Kernel rules for interface names (dev_valid_name()): 1..15 bytes, not
 * "." or "..", no '/', ':' or white space. DPDK ports may be PCI addresses
 * ("0000:03:00.0"), hence allow_colon.
 */
static bool edgelb_config_ifname_check(struct edgelb_config_ctx *ctx,
				       const struct edgelb_config_node *n, const char *s,
				       bool allow_colon)
{
	char q[EDGELB_CONFIG_QUOTE_LEN];
	size_t len = strlen(s);
	bool ok = len && len <= EDGELB_CONFIG_IFNAME_MAX && strcmp(s, ".") && strcmp(s, "..");

	for (size_t i = 0; ok && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		ok = c > 0x20 && c < 0x7f && c != '/' && (c != ':' || allow_colon);
	}
	if (!ok)
		edgelb_config_error(ctx, n,
				    "%s is not a valid interface name "
				    "(1..%d characters, no /, : or spaces)",
				    edgelb_config_quote(s, q, sizeof(q)), EDGELB_CONFIG_IFNAME_MAX);
	return ok;
}

static int edgelb_config_ifname(struct edgelb_config_ctx *ctx,
				const struct edgelb_config_node *parent, const char *key,
				bool required, char **dst)
{
	struct edgelb_config_node n;
	const char *s;
	int ret = edgelb_config_string(ctx, parent, key, required, &s, &n);

	if (ret <= 0)
		return ret;
	if (!edgelb_config_ifname_check(ctx, &n, s, false))
		return -EINVAL;
	edgelb_config_set_str(ctx, dst, s);
	return 1;
}

static bool edgelb_config_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

/* An absolute file system path of at most max bytes. */
static int edgelb_config_abs_path(struct edgelb_config_ctx *ctx,
				  const struct edgelb_config_node *parent, const char *key,
				  size_t max, char **dst)
{
	struct edgelb_config_node n;
	char q[EDGELB_CONFIG_QUOTE_LEN];
	const char *s;
	int ret = edgelb_config_string(ctx, parent, key, false, &s, &n);

	if (ret <= 0)
		return ret;
	edgelb_config_quote(s, q, sizeof(q));
	/* the daemon runs from /, a relative path would silently mean /path */
	if (s[0] != '/') {
		edgelb_config_error(ctx, &n, "%s is not an absolute path", q);
		return -EINVAL;
	}
	if (!edgelb_config_printable(s)) {
		edgelb_config_error(ctx, &n, "%s contains control characters", q);
		return -EINVAL;
	}
	if (strlen(s) > max) {
		edgelb_config_error(ctx, &n, "longer than %zu bytes: %s", max, q);
		return -EINVAL;
	}
	edgelb_config_set_str(ctx, dst, s);
	return 1;
}

static bool edgelb_config_prefix_parse(const char *s, unsigned int *out)
{
	unsigned int v = 0;

	if (!s[0] || strlen(s) > 3)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned int)(*s - '0');
	}
	*out = v;
	return true;
}

/*
 * Parse "addr" or, with EDGELB_CONFIG_ADDR_PREFIX, "addr/len". Returns NULL
 * or the reason the text is not acceptable (to follow the quoted text).
 */
static const char *edgelb_config_addr_parse(const char *s, unsigned int flags,
					    struct edgelb_config_addr *out)
{
	char buf[EDGELB_CONFIG_ADDR_LEN];
	char *slash;
	unsigned int prefix = 0, max;
	bool has_prefix;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf))
		return "is not an IPv4 or IPv6 address";
	strcpy(buf, s);
	slash = strchr(buf, '/');
	has_prefix = slash != NULL;
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &out->addr.v4) == 1)
		out->family = EDGELB_AF_INET;
	else if (inet_pton(AF_INET6, buf, out->addr.bytes) == 1)
		out->family = EDGELB_AF_INET6;
	else
		return "is not an IPv4 or IPv6 address";
	max = out->family == EDGELB_AF_INET ? 32 : 128;
	if (has_prefix && !(flags & EDGELB_CONFIG_ADDR_PREFIX))
		return "has a prefix length; write the address alone";
	if (has_prefix && (!edgelb_config_prefix_parse(slash, &prefix) || !prefix || prefix > max))
		return out->family == EDGELB_AF_INET ? "has a bad prefix length (1..32 for IPv4)"
						     : "has a bad prefix length (1..128 for IPv6)";
	out->prefix_len = (uint8_t)(has_prefix ? prefix : max);
	if (flags & EDGELB_CONFIG_ADDR_WILDCARD)
		return edgelb_addr_check(out->family, &out->addr, EDGELB_ADDR_CHECK_LISTEN);
	return edgelb_addr_check(out->family, &out->addr, 0);
}

static bool edgelb_config_node_addr(struct edgelb_config_ctx *ctx,
				    const struct edgelb_config_node *n, const char *s,
				    unsigned int flags, struct edgelb_config_addr *out)
{
	char q[EDGELB_CONFIG_QUOTE_LEN];
	const char *why = edgelb_config_addr_parse(s, flags, out);

	if (!why)
		return true;
	edgelb_config_error(ctx, n, "%s %s", edgelb_config_quote(s, q, sizeof(q)), why);
	memset(out, 0, sizeof(*out));
	return false;
}

static int edgelb_config_addr(struct edgelb_config_ctx *ctx,
			      const struct edgelb_config_node *parent, const char *key,
			      bool required, unsigned int flags, struct edgelb_config_addr *out)
{
	struct edgelb_config_node n;
	const char *s;
	int ret = edgelb_config_string(ctx, parent, key, required, &s, &n);

	if (ret <= 0)
		return ret;
	return edgelb_config_node_addr(ctx, &n, s, flags, out) ? 1 : -EINVAL;
}

/* A command = [ "/abs/program", "arg", ... ] as a NULL-terminated argv. */
static int edgelb_config_command(struct edgelb_config_ctx *ctx,
				 const struct edgelb_config_node *parent, bool required,
				 char ***argv, size_t *argc)
{
	struct edgelb_config_node seq, el;
	char q[EDGELB_CONFIG_QUOTE_LEN];
	char **v;
	size_t n;
	bool ok = true;
	int ret = edgelb_config_string_seq(ctx, parent, "command", required, 1,
					   EDGELB_CONFIG_ARGV_MAX, &seq, &n);

	if (ret <= 0)
		return ret;
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		ctx->nomem = true;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s)) {
			ok = false;
			continue;
		}
		/* no $PATH search: what runs as root must be named exactly */
		if (i == 0 && s[0] != '/') {
			edgelb_config_error(ctx, &el, "%s is not an absolute path",
					    edgelb_config_quote(s, q, sizeof(q)));
			ok = false;
		} else if (strlen(s) > EDGELB_CONFIG_STR_MAX) {
			edgelb_config_error(ctx, &el, "is longer than %d bytes",
					    EDGELB_CONFIG_STR_MAX);
			ok = false;
		}
		v[i] = strdup(s);
		if (!v[i])
			ctx->nomem = true;
	}
	if (!ok || ctx->nomem) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return -EINVAL;
	}
	edgelb_config_argv_free(*argv);
	*argv = v;
	*argc = n;
	return 1;
}

/* ---- top level ----------------------------------------------------------- */

static const char *const edgelb_config_top_keys[] = {
	"instance", "pin_dir", "state_file", "control_socket", "control_group",
	"metrics_listen", "dataplane", "vrrp", "services", NULL,
};

/* "<dir>/<instance><suffix>" when the key is absent and the instance valid. */
static void edgelb_config_default_path(struct edgelb_config_ctx *ctx, const char *instance,
				       const char *dir, const char *suffix, char **dst)
{
	if (*dst || !instance)
		return;
	if (asprintf(dst, "%s/%s%s", dir, instance, suffix) < 0) {
		*dst = NULL;
		ctx->nomem = true;
	}
}

/* POSIX portable group names, as groupadd accepts them. */
static void edgelb_config_parse_group_name(struct edgelb_config_ctx *ctx,
					   const struct edgelb_config_node *root,
					   struct edgelb_config *cfg)
{
	struct edgelb_config_node n;
	char q[EDGELB_CONFIG_QUOTE_LEN];
	const char *s;

	if (edgelb_config_string(ctx, root, "control_group", false, &s, &n) <= 0)
		return;
	if (!edgelb_config_name_ok(s, 32) || s[0] == '-') {
		edgelb_config_error(ctx, &n, "%s is not a valid group name",
				    edgelb_config_quote(s, q, sizeof(q)));
		return;
	}
	edgelb_config_set_str(ctx, &cfg->control_group, s);
}

static bool edgelb_config_port_parse(const char *s, uint16_t *out)
{
	unsigned long v = 0;

	if (!s[0] || strlen(s) > 5)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (!v || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* "addr:port" or "[v6addr]:port"; "" turns the metrics endpoint off. */
static void edgelb_config_parse_metrics(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *root,
					struct edgelb_config *cfg)
{
	struct edgelb_config_node n;
	char q[EDGELB_CONFIG_QUOTE_LEN], host[EDGELB_CONFIG_ADDR_LEN];
	const char *s, *port, *why;

	if (edgelb_config_string(ctx, root, "metrics_listen", false, &s, &n) <= 0 || !s[0])
		return;
	edgelb_config_quote(s, q, sizeof(q));
	if (s[0] == '[') {
		const char *end = strstr(s, "]:");

		if (!end || (size_t)(end - s - 1) >= sizeof(host)) {
			edgelb_config_error(ctx, &n, "%s is not \"[address]:port\"", q);
			return;
		}
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		port = end + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon || (size_t)(colon - s) >= sizeof(host)) {
			edgelb_config_error(ctx, &n, "%s is not \"address:port\"", q);
			return;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = colon + 1;
		if (strchr(host, ':')) {
			edgelb_config_error(ctx, &n, "%s: write an IPv6 address as [address]:port",
					    q);
			return;
		}
	}
	why = edgelb_config_addr_parse(host, EDGELB_CONFIG_ADDR_WILDCARD, &cfg->metrics_addr);
	if (why) {
		memset(&cfg->metrics_addr, 0, sizeof(cfg->metrics_addr));
		edgelb_config_error(ctx, &n, "%s: the address %s", q, why);
		return;
	}
	if (!edgelb_config_port_parse(port, &cfg->metrics_port)) {
		memset(&cfg->metrics_addr, 0, sizeof(cfg->metrics_addr));
		edgelb_config_error(ctx, &n, "%s: the port is not a number in 1..65535", q);
	}
}

static void edgelb_config_parse_top(struct edgelb_config_ctx *ctx,
				    const struct edgelb_config_node *root,
				    struct edgelb_config *cfg)
{
	edgelb_config_check_keys(ctx, root, edgelb_config_top_keys);
	edgelb_config_name(ctx, root, "instance", true, EDGELB_CONFIG_INSTANCE_MAX,
			   &cfg->instance);
	edgelb_config_abs_path(ctx, root, "pin_dir", PATH_MAX - 1, &cfg->pin_dir);
	edgelb_config_abs_path(ctx, root, "state_file", PATH_MAX - 1, &cfg->state_file);
	edgelb_config_abs_path(ctx, root, "control_socket", EDGELB_CONFIG_SOCKET_MAX,
			       &cfg->control_socket);
	edgelb_config_default_path(ctx, cfg->instance, EDGELB_CONFIG_PIN_ROOT, "", &cfg->pin_dir);
	edgelb_config_default_path(ctx, cfg->instance, EDGELB_CONFIG_STATE_DIR, ".state",
				   &cfg->state_file);
	edgelb_config_default_path(ctx, cfg->instance, EDGELB_CONFIG_RUN_DIR, ".sock",
				   &cfg->control_socket);
	edgelb_config_parse_group_name(ctx, root, cfg);
	edgelb_config_parse_metrics(ctx, root, cfg);
}

/* ---- dataplane ------------------------------------------------------------ */

static const char *const edgelb_config_dataplane_keys[] = {
	"mode", "xdp_mode", "interfaces", "flow_table_size", "dpdk_args",
	"icmp_too_big_rate", "icmp_too_big_burst", NULL,
};

static const struct edgelb_config_keyword edgelb_config_kw_dp_mode[] = {
	{ "xdp", EDGELB_CONFIG_DP_XDP },
	{ "dpdk", EDGELB_CONFIG_DP_DPDK },
	{ NULL, 0 },
};

static const struct edgelb_config_keyword edgelb_config_kw_xdp_mode[] = {
	{ "native", EDGELB_CONFIG_XDP_NATIVE },
	{ "generic", EDGELB_CONFIG_XDP_GENERIC },
	{ NULL, 0 },
};

static void edgelb_config_parse_interfaces(struct edgelb_config_ctx *ctx,
					   const struct edgelb_config_node *dp,
					   struct edgelb_config_dataplane *out)
{
	struct edgelb_config_node seq, el;
	size_t n;

	if (edgelb_config_string_seq(ctx, dp, "interfaces", true, 1, EDGELB_CONFIG_INTERFACES_MAX,
				     &seq, &n) <= 0)
		return;
	out->interfaces = calloc(n + 1, sizeof(*out->interfaces));
	if (!out->interfaces) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s;
		char q[EDGELB_CONFIG_QUOTE_LEN];
		bool dup = false;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s) ||
		    !edgelb_config_ifname_check(ctx, &el, s, out->mode == EDGELB_CONFIG_DP_DPDK))
			continue;
		for (size_t j = 0; j < out->n_interfaces && !dup; j++)
			dup = !strcmp(out->interfaces[j], s);
		if (dup) {
			edgelb_config_error(ctx, &el, "%s is listed twice",
					    edgelb_config_quote(s, q, sizeof(q)));
			continue;
		}
		edgelb_config_set_str(ctx, &out->interfaces[out->n_interfaces], s);
		if (out->interfaces[out->n_interfaces])
			out->n_interfaces++;
	}
}

static void edgelb_config_parse_dpdk_args(struct edgelb_config_ctx *ctx,
					  const struct edgelb_config_node *dp,
					  struct edgelb_config_dataplane *out, bool mode_ok)
{
	struct edgelb_config_node seq, el;
	size_t n;

	if (edgelb_config_string_seq(ctx, dp, "dpdk_args", false, 0, EDGELB_CONFIG_DPDK_ARGS_MAX,
				     &seq, &n) <= 0)
		return;
	if (mode_ok && out->mode != EDGELB_CONFIG_DP_DPDK) {
		edgelb_config_error(ctx, &seq, "only valid with mode = \"dpdk\"");
		return;
	}
	out->dpdk_args = calloc(n + 1, sizeof(*out->dpdk_args));
	if (!out->dpdk_args) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s))
			continue;
		edgelb_config_set_str(ctx, &out->dpdk_args[out->n_dpdk_args], s);
		if (out->dpdk_args[out->n_dpdk_args])
			out->n_dpdk_args++;
	}
}

static void edgelb_config_parse_dataplane(struct edgelb_config_ctx *ctx,
					  const struct edgelb_config_node *root,
					  struct edgelb_config_dataplane *out)
{
	struct edgelb_config_node dp, n;
	int mode = EDGELB_CONFIG_DP_XDP, xdp_mode = EDGELB_CONFIG_XDP_NATIVE;
	int mode_ret;

	out->mode = EDGELB_CONFIG_DP_XDP;
	out->xdp_mode = EDGELB_CONFIG_XDP_NATIVE;
	out->flow_table_size = EDGELB_FLOW_TABLE_SIZE;
	out->icmp_too_big_rate = EDGELB_CONFIG_ICMP_TOO_BIG_RATE_DEFAULT;
	out->icmp_too_big_burst = EDGELB_CONFIG_ICMP_TOO_BIG_BURST_DEFAULT;
	if (edgelb_config_group(ctx, root, "dataplane", true, &dp) <= 0)
		return;
	edgelb_config_check_keys(ctx, &dp, edgelb_config_dataplane_keys);
	mode_ret = edgelb_config_keyword(ctx, &dp, "mode", edgelb_config_kw_dp_mode, &mode);
	out->mode = (enum edgelb_config_dp_mode)mode;
	if (edgelb_config_keyword(ctx, &dp, "xdp_mode", edgelb_config_kw_xdp_mode, &xdp_mode) > 0) {
		edgelb_config_node_key(&dp, "xdp_mode", &n);
		out->xdp_mode = (enum edgelb_config_xdp_mode)xdp_mode;
		if (mode_ret >= 0 && out->mode != EDGELB_CONFIG_DP_XDP)
			edgelb_config_error(ctx, &n, "only valid with mode = \"xdp\"");
		else if (out->xdp_mode == EDGELB_CONFIG_XDP_GENERIC)
			edgelb_config_warning(ctx, &n,
					      "generic XDP runs after the kernel allocated "
					      "an skb: a fraction of native speed, for labs "
					      "and tests only");
	}
	edgelb_config_parse_interfaces(ctx, &dp, out);
	edgelb_config_u32(ctx, &dp, "flow_table_size", false, 1024, 16777216,
			  &out->flow_table_size);
	/* 0 = no limit; a burst of 0 would be "never", which mtu_policy = "drop" says */
	edgelb_config_u32(ctx, &dp, "icmp_too_big_rate", false, 0, 1000000,
			  &out->icmp_too_big_rate);
	edgelb_config_u32(ctx, &dp, "icmp_too_big_burst", false, 1, 100000,
			  &out->icmp_too_big_burst);
	edgelb_config_parse_dpdk_args(ctx, &dp, out, mode_ret >= 0);
}

/* ---- health checks -------------------------------------------------------- */

static const char *const edgelb_config_health_keys[] = {
	"type", "port", "interval", "timeout", "rise", "fall", "jitter",
	"through_tunnel", "hold_down", "http", "exec", NULL,
};

static const char *const edgelb_config_http_keys[] = {
	"path", "host", "status", "body", NULL,
};

static const char *const edgelb_config_exec_keys[] = { "command", NULL };

static const struct edgelb_config_keyword edgelb_config_kw_health[] = {
	{ "none", EDGELB_CONFIG_HEALTH_NONE },
	{ "tcp", EDGELB_CONFIG_HEALTH_TCP },
	{ "http", EDGELB_CONFIG_HEALTH_HTTP },
	{ "exec", EDGELB_CONFIG_HEALTH_EXEC },
	{ NULL, 0 },
};

static const char *edgelb_config_health_name(enum edgelb_config_health_type type)
{
	for (size_t i = 0; edgelb_config_kw_health[i].name; i++)
		if (edgelb_config_kw_health[i].value == (int)type)
			return edgelb_config_kw_health[i].name;
	return "?";
}

static void edgelb_config_health_free(struct edgelb_config_health *h)
{
	free(h->http_path);
	free(h->http_host);
	free(h->http_body);
	edgelb_config_argv_free(h->exec_argv);
	memset(h, 0, sizeof(*h));
}

/* UDP has no connect() to test, so only TCP services check by default. */
static void edgelb_config_health_defaults(struct edgelb_config_health *h, uint8_t proto)
{
	memset(h, 0, sizeof(*h));
	h->type = proto == IPPROTO_TCP ? EDGELB_CONFIG_HEALTH_TCP : EDGELB_CONFIG_HEALTH_NONE;
	h->interval_ms = 2000;
	h->timeout_ms = 1000;
	h->rise = 2;
	h->fall = 3;
	h->jitter_permille = 100;
	/* 2xx and 3xx, as HAProxy's httpchk: a redirect is a live application */
	h->http_status[0] = (struct edgelb_config_status_range){ 200, 399 };
	h->n_http_status = 1;
}

static void edgelb_config_health_copy(struct edgelb_config_ctx *ctx,
				      struct edgelb_config_health *dst,
				      const struct edgelb_config_health *src)
{
	*dst = *src;
	dst->http_path = NULL;
	dst->http_host = NULL;
	dst->http_body = NULL;
	edgelb_config_set_str(ctx, &dst->http_path, src->http_path);
	edgelb_config_set_str(ctx, &dst->http_host, src->http_host);
	edgelb_config_set_str(ctx, &dst->http_body, src->http_body);
	dst->exec_argv = edgelb_config_argv_copy(ctx, src->exec_argv, src->exec_argc);
	if (!dst->exec_argv)
		dst->exec_argc = 0;
}

/* "200", "200-299" or a comma separated list of those, codes 100..599. */
static bool edgelb_config_status_parse(const char *s, struct edgelb_config_health *h)
{
	struct edgelb_config_status_range r[EDGELB_CONFIG_HTTP_STATUS_MAX];
	size_t n = 0;

	for (;;) {
		char *end;
		unsigned long lo, hi;

		while (*s == ' ')
			s++;
		if (*s < '0' || *s > '9' || n == EDGELB_CONFIG_HTTP_STATUS_MAX)
			return false;
		lo = strtoul(s, &end, 10);
		hi = lo;
		s = end;
		if (*s == '-') {
			s++;
			if (*s < '0' || *s > '9')
				return false;
			hi = strtoul(s, &end, 10);
			s = end;
		}
		if (lo < 100 || hi > 599 || lo > hi)
			return false;
		r[n++] = (struct edgelb_config_status_range){ (uint16_t)lo, (uint16_t)hi };
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (*s++ != ',')
			return false;
	}
	memcpy(h->http_status, r, n * sizeof(r[0]));
	h->n_http_status = n;
	return true;
}

/* A string of printable ASCII without spaces (HTTP path, Host header). */
static bool edgelb_config_token_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (!len || len > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void edgelb_config_parse_http(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *health,
				     struct edgelb_config_health *h)
{
	struct edgelb_config_node http, n;
	char q[EDGELB_CONFIG_QUOTE_LEN];
	const char *s;

	if (edgelb_config_group(ctx, health, "http", false, &http) <= 0)
		return;
	edgelb_config_check_keys(ctx, &http, edgelb_config_http_keys);
	if (h->type != EDGELB_CONFIG_HEALTH_HTTP)
		edgelb_config_error(ctx, &http, "only valid with type = \"http\" (type is \"%s\")",
				    edgelb_config_health_name(h->type));
	if (edgelb_config_string(ctx, &http, "path", false, &s, &n) > 0) {
		if (s[0] != '/' || !edgelb_config_token_ok(s, EDGELB_CONFIG_STR_MAX))
			edgelb_config_error(ctx, &n, "%s is not an HTTP path (\"/...\", no spaces)",
					    edgelb_config_quote(s, q, sizeof(q)));
		else
			edgelb_config_set_str(ctx, &h->http_path, s);
	}
	if (edgelb_config_string(ctx, &http, "host", false, &s, &n) > 0) {
		if (!edgelb_config_token_ok(s, 255))
			edgelb_config_error(ctx, &n, "%s is not a valid Host header value",
					    edgelb_config_quote(s, q, sizeof(q)));
		else
			edgelb_config_set_str(ctx, &h->http_host, s);
	}
	if (edgelb_config_string(ctx, &http, "status", false, &s, &n) > 0 &&
	    !edgelb_config_status_parse(s, h))
		edgelb_config_error(ctx, &n,
				    "%s is not a status list like \"200-299\" or \"200,301\" "
				    "(codes 100..599, at most %d ranges)",
				    edgelb_config_quote(s, q, sizeof(q)),
				    EDGELB_CONFIG_HTTP_STATUS_MAX);
	if (edgelb_config_string(ctx, &http, "body", false, &s, &n) > 0) {
		if (!s[0] || strlen(s) > EDGELB_CONFIG_STR_MAX || !edgelb_config_printable(s))
			edgelb_config_error(ctx, &n, "must be 1..%d printable characters",
					    EDGELB_CONFIG_STR_MAX);
		else
			edgelb_config_set_str(ctx, &h->http_body, s);
	}
}

static void edgelb_config_parse_exec(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *health,
				     struct edgelb_config_health *h, bool type_set)
{
	struct edgelb_config_node ex, n;
	int ret = edgelb_config_group(ctx, health, "exec", false, &ex);

	if (ret > 0) {
		bool is_exec = h->type == EDGELB_CONFIG_HEALTH_EXEC;

		edgelb_config_check_keys(ctx, &ex, edgelb_config_exec_keys);
		if (!is_exec)
			edgelb_config_error(ctx, &ex,
					    "only valid with type = \"exec\" (type is \"%s\")",
					    edgelb_config_health_name(h->type));
		edgelb_config_command(ctx, &ex, is_exec, &h->exec_argv, &h->exec_argc);
		return;
	}
	/* checked only where the type is written, not again in every backend */
	if (ret == 0 && type_set && h->type == EDGELB_CONFIG_HEALTH_EXEC && !h->exec_argv) {
		edgelb_config_node_key(health, "exec", &ex);
		edgelb_config_node_key(&ex, "command", &n);
		edgelb_config_error(ctx, &n, "required when type = \"exec\"");
	}
}

static void edgelb_config_check_timing(struct edgelb_config_ctx *ctx,
				       const struct edgelb_config_node *health,
				       const struct edgelb_config_health *h)
{
	struct edgelb_config_node n;

	if (h->timeout_ms < h->interval_ms)
		return;
	edgelb_config_node_key(health, "timeout", &n);
	if (!n.s)
		edgelb_config_node_key(health, "interval", &n);
	edgelb_config_error(ctx, &n,
			    "timeout (%u.%03u s) must be shorter than interval (%u.%03u s)",
			    h->timeout_ms / 1000, h->timeout_ms % 1000, h->interval_ms / 1000,
			    h->interval_ms % 1000);
}

/*
 * The "health" group of parent (a service or a backend) applied over base
 * (the service's health for a backend, built-in defaults for a service).
 */
static void edgelb_config_parse_health(struct edgelb_config_ctx *ctx,
				       const struct edgelb_config_node *parent,
				       const struct edgelb_config_health *base, uint8_t proto,
				       struct edgelb_config_health *h, bool *type_set)
{
	struct edgelb_config_node health;
	double jitter;
	int type, r_interval, r_timeout;

	*type_set = false;
	if (base)
		edgelb_config_health_copy(ctx, h, base);
	else
		edgelb_config_health_defaults(h, proto);
	if (edgelb_config_group(ctx, parent, "health", false, &health) <= 0)
		goto out;
	edgelb_config_check_keys(ctx, &health, edgelb_config_health_keys);
	if (edgelb_config_keyword(ctx, &health, "type", edgelb_config_kw_health, &type) > 0) {
		h->type = (enum edgelb_config_health_type)type;
		*type_set = true;
	}
	edgelb_config_u16(ctx, &health, "port", false, 1, 65535, &h->port);
	r_interval = edgelb_config_duration(ctx, &health, "interval", 0.1, 3600, &h->interval_ms);
	r_timeout = edgelb_config_duration(ctx, &health, "timeout", 0.01, 3600, &h->timeout_ms);
	edgelb_config_u8(ctx, &health, "rise", false, 1, 100, &h->rise);
	edgelb_config_u8(ctx, &health, "fall", false, 1, 100, &h->fall);
	if (edgelb_config_number(ctx, &health, "jitter", false, 0.0, 0.5, &jitter) > 0)
		h->jitter_permille = (uint16_t)(jitter * 1000.0 + 0.5);
	edgelb_config_bool(ctx, &health, "through_tunnel", &h->through_tunnel);
	edgelb_config_duration(ctx, &health, "hold_down", 0, 3600, &h->hold_down_ms);
	edgelb_config_parse_http(ctx, &health, h);
	edgelb_config_parse_exec(ctx, &health, h, *type_set);
	/* only where one of them is written: inherited values were checked there */
	if (r_interval > 0 || r_timeout > 0)
		edgelb_config_check_timing(ctx, &health, h);
out:
	if (h->type == EDGELB_CONFIG_HEALTH_HTTP && !h->http_path)
		edgelb_config_set_str(ctx, &h->http_path, "/");
}

/* ---- services ------------------------------------------------------------- */

static const char *const edgelb_config_service_keys[] = {
	"name", "vip", "port", "protocol", "encap", "gue_port", "gue_ipv6_zero_checksum",
	"ring_size", "mtu", "mtu_policy", "hash", "health", "backends", NULL,
};

static const char *const edgelb_config_backend_keys[] = {
	"name", "address", "port", "weight", "site", "health", NULL,
};

static const struct edgelb_config_keyword edgelb_config_kw_proto[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ NULL, 0 },
};

static const struct edgelb_config_keyword edgelb_config_kw_encap[] = {
	{ "ipip", EDGELB_ENCAP_IPIP },
	{ "gue", EDGELB_ENCAP_GUE },
	{ "dsr", EDGELB_ENCAP_DSR },
	{ NULL, 0 },
};

static const struct edgelb_config_keyword edgelb_config_kw_mtu_policy[] = {
	{ "icmp", EDGELB_CONFIG_MTU_ICMP },
	{ "drop", EDGELB_CONFIG_MTU_DROP },
	{ NULL, 0 },
};

static const struct edgelb_config_keyword edgelb_config_kw_hash[] = {
	{ "5tuple", EDGELB_CONFIG_HASH_5TUPLE },
	{ "addresses", EDGELB_CONFIG_HASH_ADDRESSES },
	{ NULL, 0 },
};

static const char *edgelb_config_encap_name(enum edgelb_encap encap)
{
	for (size_t i = 0; edgelb_config_kw_encap[i].name; i++)
		if (edgelb_config_kw_encap[i].value == (int)encap)
			return edgelb_config_kw_encap[i].name;
	return "?";
}

/* The setting's line in an earlier list element, for "first defined at". */
static unsigned int edgelb_config_elem_line(const struct edgelb_config_node *list, size_t i,
					    const char *key)
{
	struct edgelb_config_node el, n;

	edgelb_config_node_elem(list, i, &el);
	edgelb_config_node_key(&el, key, &n);
	return n.line;
}

/* IPIP and DSR keep the VIP's family on the wire; GUE carries either in either. */
static void edgelb_config_check_backend_family(struct edgelb_config_ctx *ctx,
					       const struct edgelb_config_node *bnode,
					       const struct edgelb_config_service *svc,
					       const struct edgelb_config_backend *be)
{
	struct edgelb_config_node n;
	char a[INET6_ADDRSTRLEN];

	if (!be->addr.family || !svc->vip.family || be->addr.family == svc->vip.family ||
	    svc->encap == EDGELB_ENCAP_GUE)
		return;
	edgelb_config_node_key(bnode, "address", &n);
	edgelb_config_error(ctx, &n,
			    "%s backend %s cannot carry %s VIP traffic with encap = \"%s\"; "
			    "use encap = \"gue\"",
			    edgelb_config_family_name(be->addr.family),
			    edgelb_config_addr_str(&be->addr, a, sizeof(a)),
			    edgelb_config_family_name(svc->vip.family),
			    edgelb_config_encap_name(svc->encap));
}

/* The checked port of a backend: health.port, else the backend's port. */
static void edgelb_config_resolve_health_port(struct edgelb_config_ctx *ctx,
					      const struct edgelb_config_node *bnode,
					      struct edgelb_config_backend *be)
{
	struct edgelb_config_node health, n;
	struct edgelb_config_health *h = &be->health;

	if (h->type != EDGELB_CONFIG_HEALTH_TCP && h->type != EDGELB_CONFIG_HEALTH_HTTP)
		return;
	if (!h->port)
		h->port = be->port;
	if (h->port)
		return;
	edgelb_config_node_key(bnode, "health", &health);
	edgelb_config_node_key(&health, "port", &n);
	edgelb_config_error(ctx, &n,
			    "required for a %s check: neither the backend nor the service "
			    "has a port",
			    edgelb_config_health_name(h->type));
}

static void edgelb_config_parse_backend(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *bnode,
					const struct edgelb_config_service *svc,
					struct edgelb_config_backend *be)
{
	bool type_set;

	edgelb_config_check_keys(ctx, bnode, edgelb_config_backend_keys);
	edgelb_config_name(ctx, bnode, "name", true, EDGELB_CONFIG_NAME_MAX, &be->name);
	edgelb_config_addr(ctx, bnode, "address", true, 0, &be->addr);
	/* packets are not rewritten: by default the backend serves the VIP's port */
	be->port = svc->port;
	edgelb_config_u16(ctx, bnode, "port", false, 0, 65535, &be->port);
	be->weight = EDGELB_CONFIG_WEIGHT_DEFAULT;
	edgelb_config_u16(ctx, bnode, "weight", false, 0, MAGLEV_MAX_WEIGHT, &be->weight);
	edgelb_config_name(ctx, bnode, "site", false, EDGELB_CONFIG_NAME_MAX, &be->site);
	edgelb_config_parse_health(ctx, bnode, &svc->health, svc->proto, &be->health, &type_set);
	edgelb_config_resolve_health_port(ctx, bnode, be);
	edgelb_config_check_backend_family(ctx, bnode, svc, be);
}

/* Backend j against backends 0..j-1 of the same service. */
static void edgelb_config_check_backend_dups(struct edgelb_config_ctx *ctx,
					     const struct edgelb_config_node *list,
					     const struct edgelb_config_service *svc, size_t j)
{
	const struct edgelb_config_backend *be = &svc->backends[j];
	struct edgelb_config_node el, n;
	char a[INET6_ADDRSTRLEN];

	edgelb_config_node_elem(list, j, &el);
	for (size_t i = 0; i < j && be->name; i++) {
		if (!svc->backends[i].name || strcmp(svc->backends[i].name, be->name))
			continue;
		edgelb_config_node_key(&el, "name", &n);
		edgelb_config_error(ctx, &n, "duplicate backend name \"%s\" (first at line %u)",
				    be->name, edgelb_config_elem_line(list, i, "name"));
		break;
	}
	for (size_t i = 0; i < j && be->addr.family; i++) {
		const struct edgelb_config_backend *o = &svc->backends[i];

		if (!edgelb_config_addr_equal(&o->addr, &be->addr) || o->port != be->port)
			continue;
		edgelb_config_node_key(&el, "address", &n);
		edgelb_config_error(ctx, &n,
				    "backend %s port %u is already in this service as \"%s\" "
				    "(line %u)",
				    edgelb_config_addr_str(&be->addr, a, sizeof(a)), be->port,
				    o->name ? o->name : "?",
				    edgelb_config_elem_line(list, i, "address"));
		break;
	}
}

static void edgelb_config_parse_backends(struct edgelb_config_ctx *ctx,
					 const struct edgelb_config_node *snode,
					 struct edgelb_config_service *svc)
{
	struct edgelb_config_node list, el;
	size_t n;

	if (edgelb_config_group_list(ctx, snode, "backends", EDGELB_CONFIG_SERVICE_BACKENDS_MAX,
				     &list, &n) <= 0 || !n)
		return;
	svc->backends = calloc(n, sizeof(*svc->backends));
	if (!svc->backends) {
		ctx->nomem = true;
		return;
	}
	svc->n_backends = n;
	for (size_t i = 0; i < n; i++) {
		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_backend(ctx, &el, svc, &svc->backends[i]);
		edgelb_config_check_backend_dups(ctx, &list, svc, i);
	}
}

/*
 * RFC 6935/6936 allow a zero UDP checksum over IPv6 for tunnels only where
 * every decapsulator accepts it, which only the operator knows: opt-in.
 */
static void edgelb_config_parse_gue_csum(struct edgelb_config_ctx *ctx,
					 const struct edgelb_config_node *snode,
					 struct edgelb_config_service *svc, bool encap_ok)
{
	struct edgelb_config_node n;
	bool v = false;

	if (edgelb_config_bool(ctx, snode, "gue_ipv6_zero_checksum", &v) <= 0)
		return;
	if (encap_ok && svc->encap != EDGELB_ENCAP_GUE) {
		edgelb_config_node_key(snode, "gue_ipv6_zero_checksum", &n);
		edgelb_config_error(ctx, &n, "only valid with encap = \"gue\" (encap is \"%s\")",
				    edgelb_config_encap_name(svc->encap));
		return;
	}
	svc->gue_ipv6_zero_checksum = v;
}

static void edgelb_config_parse_encap(struct edgelb_config_ctx *ctx,
				      const struct edgelb_config_node *snode,
				      struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	int encap = EDGELB_ENCAP_IPIP;
	int encap_ret = edgelb_config_keyword(ctx, snode, "encap", edgelb_config_kw_encap, &encap);

	svc->encap = (enum edgelb_encap)encap;
	svc->gue_port = svc->encap == EDGELB_ENCAP_GUE ? EDGELB_CONFIG_GUE_PORT_DEFAULT : 0;
	edgelb_config_parse_gue_csum(ctx, snode, svc, encap_ret >= 0);
	if (edgelb_config_find(ctx, snode, "gue_port", false, &n) <= 0)
		return;
	if (encap_ret >= 0 && svc->encap != EDGELB_ENCAP_GUE) {
		edgelb_config_error(ctx, &n, "only valid with encap = \"gue\" (encap is \"%s\")",
				    edgelb_config_encap_name(svc->encap));
		return;
	}
	edgelb_config_u16(ctx, snode, "gue_port", false, 1, 65535, &svc->gue_port);
}

static void edgelb_config_parse_ring(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *snode,
				     struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	long long m;

	svc->ring_size = EDGELB_RING_SIZE_DEFAULT;
	if (edgelb_config_find(ctx, snode, "ring_size", false, &n) <= 0 ||
	    edgelb_config_node_int(ctx, &n, 0, UINT32_MAX, &m) <= 0)
		return;
	if (!maglev_size_valid((uint32_t)m)) {
		edgelb_config_error(ctx, &n, "%lld is not a prime in %u..%u (e.g. %u or %u)", m,
				    MAGLEV_MIN_SIZE, MAGLEV_MAX_SIZE, EDGELB_RING_SIZE_DEFAULT,
				    EDGELB_RING_SIZE_LARGE);
		return;
	}
	svc->ring_size = (uint32_t)m;
}

/* After the backends are known: a ring too small to share out fairly. */
static void edgelb_config_check_ring(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *snode,
				     const struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	uint64_t want = (uint64_t)svc->n_backends * EDGELB_CONFIG_RING_SLOTS_PER_BACKEND;

	edgelb_config_node_key(snode, "ring_size", &n);
	if (svc->n_backends > svc->ring_size)
		edgelb_config_error(ctx, &n, "ring of %u slots cannot hold %zu backends",
				    svc->ring_size, svc->n_backends);
	else if (want > svc->ring_size)
		edgelb_config_warning(ctx, &n,
				      "%u slots for %zu backends: shares will differ by more "
				      "than 1 %%; use a prime of at least %llu",
				      svc->ring_size, svc->n_backends, (unsigned long long)want);
}

static int edgelb_config_parse_mtu(struct edgelb_config_ctx *ctx,
				   const struct edgelb_config_node *snode,
				   struct edgelb_config_service *svc)
{
	svc->mtu = EDGELB_CONFIG_MTU_DEFAULT;
	return edgelb_config_u16(ctx, snode, "mtu", false, 576, 9216, &svc->mtu);
}

/*
 * Bytes the service's encapsulation puts in front of a client packet for a
 * backend of family: the data plane's edgelb_encap_overhead()
 * (dataplane/core/encap.h), which must agree. GUE is variant 1 ("direct
 * IP"): outer IP and UDP, no GUE header.
 */
static uint16_t edgelb_config_encap_overhead(enum edgelb_encap encap, uint8_t family)
{
	uint16_t ip = family == EDGELB_AF_INET6 ? 40 : 20;

	if (encap == EDGELB_ENCAP_DSR)
		return 0;
	return encap == EDGELB_ENCAP_GUE ? (uint16_t)(ip + 8) : ip;
}

/* RFC 8200: 1280 bytes for IPv6; RFC 791: 68 for IPv4. */
unsigned int edgelb_config_mtu_min(uint8_t vip_family, enum edgelb_encap encap,
				   uint8_t backend_family)
{
	unsigned int min = vip_family == EDGELB_AF_INET6 ? 1280 : 68;

	if (!backend_family)
		return min;
	return min + edgelb_config_encap_overhead(encap, backend_family);
}

/*
 * After the backends are known: the mtu must leave room for the smallest
 * packet every link of the VIP's family carries once the largest
 * encapsulation of the service's backends is added. Otherwise a client is
 * told a "packet too big" MTU below that minimum, which its stack raises
 * back to the minimum (RFC 8201 section 4), so it never sends a packet
 * small enough and the flow hangs.
 */
static void edgelb_config_check_mtu(struct edgelb_config_ctx *ctx,
				    const struct edgelb_config_node *snode,
				    const struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	unsigned int min = edgelb_config_mtu_min(svc->vip.family, svc->encap, EDGELB_AF_NONE);
	unsigned int need = min, overhead;
	uint8_t outer = EDGELB_AF_NONE;

	if (!svc->vip.family)
		return;
	for (size_t i = 0; i < svc->n_backends; i++) {
		const struct edgelb_config_backend *be = &svc->backends[i];
		unsigned int m;

		/* a family IPIP or DSR cannot carry was reported with the backend */
		if (!be->addr.family ||
		    (svc->encap != EDGELB_ENCAP_GUE && be->addr.family != svc->vip.family))
			continue;
		m = edgelb_config_mtu_min(svc->vip.family, svc->encap, be->addr.family);
		if (m > need) {
			need = m;
			outer = be->addr.family;
		}
	}
	if (svc->mtu >= need)
		return;
	edgelb_config_node_key(snode, "mtu", &n);
	overhead = need - min;
	if (!overhead) {
		edgelb_config_error(ctx, &n, "%u is below the %s minimum MTU of %u", svc->mtu,
				    edgelb_config_family_name(svc->vip.family), min);
		return;
	}
	edgelb_config_error(ctx, &n,
			    "mtu %u leaves %u bytes for client packets after %s over %s "
			    "(%u bytes); %s needs %u: set mtu to at least %u",
			    svc->mtu, svc->mtu - overhead,
			    svc->encap == EDGELB_ENCAP_GUE ? "GUE" : "IPIP",
			    edgelb_config_family_name(outer), overhead,
			    edgelb_config_family_name(svc->vip.family), min, need);
}

static void edgelb_config_parse_service(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *snode,
					struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	int proto = IPPROTO_TCP, policy = EDGELB_CONFIG_MTU_ICMP, hash = EDGELB_CONFIG_HASH_5TUPLE;
	int mtu_ret;
	bool type_set;

	edgelb_config_check_keys(ctx, snode, edgelb_config_service_keys);
	edgelb_config_name(ctx, snode, "name", true, EDGELB_CONFIG_NAME_MAX, &svc->name);
	edgelb_config_addr(ctx, snode, "vip", true, 0, &svc->vip);
	/* required: 0 ("every port") is too wide to be a silent default */
	edgelb_config_u16(ctx, snode, "port", true, 0, 65535, &svc->port);
	edgelb_config_keyword(ctx, snode, "protocol", edgelb_config_kw_proto, &proto);
	svc->proto = (uint8_t)proto;
	edgelb_config_parse_encap(ctx, snode, svc);
	edgelb_config_parse_ring(ctx, snode, svc);
	mtu_ret = edgelb_config_parse_mtu(ctx, snode, svc);
	edgelb_config_keyword(ctx, snode, "mtu_policy", edgelb_config_kw_mtu_policy, &policy);
	svc->mtu_policy = (enum edgelb_config_mtu_policy)policy;
	edgelb_config_keyword(ctx, snode, "hash", edgelb_config_kw_hash, &hash);
	svc->hash = (enum edgelb_config_hash)hash;
	edgelb_config_parse_health(ctx, snode, NULL, svc->proto, &svc->health, &type_set);
	if (svc->proto == IPPROTO_UDP && !type_set) {
		edgelb_config_node_key(snode, "health", &n);
		edgelb_config_warning(ctx, &n,
				      "UDP service without a health check type: backends are "
				      "never marked down; set type = \"exec\" or \"none\"");
	}
	edgelb_config_parse_backends(ctx, snode, svc);
	edgelb_config_check_ring(ctx, snode, svc);
	if (mtu_ret >= 0)
		edgelb_config_check_mtu(ctx, snode, svc);
}

/* Service j against services 0..j-1: names and (VIP, port, protocol). */
static void edgelb_config_check_service_dups(struct edgelb_config_ctx *ctx,
					     const struct edgelb_config_node *list,
					     const struct edgelb_config_service *svcs, size_t j)
{
	const struct edgelb_config_service *s = &svcs[j];
	struct edgelb_config_node el, n;
	char a[INET6_ADDRSTRLEN];

	edgelb_config_node_elem(list, j, &el);
	for (size_t i = 0; i < j && s->name; i++) {
		if (!svcs[i].name || strcmp(svcs[i].name, s->name))
			continue;
		edgelb_config_node_key(&el, "name", &n);
		edgelb_config_error(ctx, &n, "duplicate service name \"%s\" (first at line %u)",
				    s->name, edgelb_config_elem_line(list, i, "name"));
		break;
	}
	for (size_t i = 0; i < j && s->vip.family; i++) {
		const struct edgelb_config_service *o = &svcs[i];

		if (!edgelb_config_addr_equal(&o->vip, &s->vip) || o->port != s->port ||
		    o->proto != s->proto)
			continue;
		edgelb_config_node_key(&el, "vip", &n);
		edgelb_config_error(ctx, &n, "%s port %u/%s is already service \"%s\" (line %u)",
				    edgelb_config_addr_str(&s->vip, a, sizeof(a)), s->port,
				    s->proto == IPPROTO_TCP ? "tcp" : "udp",
				    o->name ? o->name : "?",
				    edgelb_config_elem_line(list, i, "vip"));
		break;
	}
}

static void edgelb_config_parse_services(struct edgelb_config_ctx *ctx,
					 const struct edgelb_config_node *root,
					 struct edgelb_config *cfg)
{
	struct edgelb_config_node list, el;
	size_t n, total;

	if (edgelb_config_group_list(ctx, root, "services", EDGELB_MAX_VIPS, &list, &n) <= 0 || !n)
		return;
	cfg->services = calloc(n, sizeof(*cfg->services));
	if (!cfg->services) {
		ctx->nomem = true;
		return;
	}
	cfg->n_services = n;
	for (size_t i = 0; i < n; i++) {
		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_service(ctx, &el, &cfg->services[i]);
		edgelb_config_check_service_dups(ctx, &list, cfg->services, i);
	}
	/* the data plane has one backend array shared by every VIP */
	total = edgelb_config_backend_count(cfg);
	if (total >= EDGELB_MAX_BACKENDS) /* id 0 is never a backend */
		edgelb_config_error(ctx, &list, "%zu backends in all, the data plane holds %u",
				    total, EDGELB_MAX_BACKENDS - 1);
}

/* ---- VRRP ------------------------------------------------------------------ */

static const char *const edgelb_config_vrrp_keys[] = {
	"name", "vrid", "interface", "version", "priority", "advert_int", "preempt",
	"preempt_delay", "accept", "auth_pass", "unicast_src", "unicast_peers", "vips",
	"use_vmac", "garp", "track", "notify", "sync_group", NULL,
};

static const char *const edgelb_config_garp_keys[] = { "count", "interval", "refresh", NULL };
static const char *const edgelb_config_track_keys[] = { "interfaces", "services", "scripts", NULL };
static const char *const edgelb_config_track_if_keys[] = { "name", "weight", NULL };
static const char *const edgelb_config_track_svc_keys[] = { "name", "min_healthy", "weight", NULL };
static const char *const edgelb_config_track_script_keys[] = {
	"name", "command", "interval", "timeout", "weight", NULL,
};
static const char *const edgelb_config_notify_keys[] = {
	"master", "backup", "fault", "stop", NULL,
};

/* VRRP carries one family per instance (RFC 5798 5.2.9), so every VIP shares the first's. */
static void edgelb_config_parse_vips(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *vnode,
				     struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node seq, el;
	char a[INET6_ADDRSTRLEN];
	size_t n;

	if (edgelb_config_string_seq(ctx, vnode, "vips", true, 1, EDGELB_CONFIG_VRRP_VIPS_MAX, &seq,
				     &n) <= 0)
		return;
	v->vips = calloc(n, sizeof(*v->vips));
	if (!v->vips) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct edgelb_config_addr addr;
		const char *s;
		bool dup = false;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s) ||
		    !edgelb_config_node_addr(ctx, &el, s, EDGELB_CONFIG_ADDR_PREFIX, &addr))
			continue;
		if (!v->family)
			v->family = addr.family;
		if (addr.family != v->family) {
			edgelb_config_error(ctx, &el,
					    "%s address in an instance of %s VIPs: VRRP carries "
					    "one address family per instance, use a second "
					    "instance",
					    edgelb_config_family_name(addr.family),
					    edgelb_config_family_name(v->family));
			continue;
		}
		for (size_t j = 0; j < v->n_vips && !dup; j++)
			dup = edgelb_config_addr_equal(&v->vips[j], &addr);
		if (dup) {
			edgelb_config_error(ctx, &el, "%s is listed twice",
					    edgelb_config_addr_str(&addr, a, sizeof(a)));
			continue;
		}
		v->vips[v->n_vips++] = addr;
	}
}

/* RFC 5798 advertises centiseconds in 12 bits; RFC 3768 whole seconds in 8. */
static void edgelb_config_parse_advert_int(struct edgelb_config_ctx *ctx,
					   const struct edgelb_config_node *vnode,
					   struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node n;
	double s, cs;
	long long whole;

	v->advert_int_cs = 100;
	if (v->version == 2) {
		if (edgelb_config_number(ctx, vnode, "advert_int", false, 1, 255, &s) <= 0)
			return;
		whole = (long long)s;
		if ((double)whole != s) {
			edgelb_config_node_key(vnode, "advert_int", &n);
			edgelb_config_error(ctx, &n, "%g: VRRPv2 advertises whole seconds", s);
			return;
		}
		v->advert_int_cs = (uint16_t)(whole * 100);
		return;
	}
	if (edgelb_config_number(ctx, vnode, "advert_int", false, 0.01, 40.95, &s) <= 0)
		return;
	cs = s * 100.0;
	whole = (long long)(cs + 0.5);
	if (cs - (double)whole > 1e-6 || (double)whole - cs > 1e-6) {
		edgelb_config_node_key(vnode, "advert_int", &n);
		edgelb_config_error(ctx, &n, "%g is not a multiple of 0.01 s", s);
		return;
	}
	v->advert_int_cs = (uint16_t)whole;
}

static void edgelb_config_parse_auth(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *vnode,
				     struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node n;
	const char *s;

	if (edgelb_config_string(ctx, vnode, "auth_pass", false, &s, &n) <= 0)
		return;
	if (v->version != 2) {
		edgelb_config_error(ctx, &n,
				    "VRRPv3 has no authentication (RFC 5798); remove auth_pass "
				    "or set version = 2");
		return;
	}
	if (!s[0] || strlen(s) > 8 || !edgelb_config_printable(s)) {
		edgelb_config_error(ctx, &n, "must be 1..8 printable characters");
		return;
	}
	edgelb_config_set_str(ctx, &v->auth_pass, s);
}

static bool edgelb_config_family_matches(struct edgelb_config_ctx *ctx,
					 const struct edgelb_config_node *n,
					 const struct edgelb_config_vrrp *v,
					 const struct edgelb_config_addr *a)
{
	if (!v->family || a->family == v->family)
		return true;
	edgelb_config_error(ctx, n, "%s address for an instance of %s VIPs",
			    edgelb_config_family_name(a->family),
			    edgelb_config_family_name(v->family));
	return false;
}

static void edgelb_config_parse_unicast(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *vnode,
					struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node seq, el, n;
	char a[INET6_ADDRSTRLEN];
	size_t count;

	if (edgelb_config_addr(ctx, vnode, "unicast_src", false, 0, &v->unicast_src) > 0) {
		edgelb_config_node_key(vnode, "unicast_src", &n);
		if (!edgelb_config_family_matches(ctx, &n, v, &v->unicast_src))
			memset(&v->unicast_src, 0, sizeof(v->unicast_src));
	}
	if (edgelb_config_string_seq(ctx, vnode, "unicast_peers", false, 0,
				     EDGELB_CONFIG_VRRP_PEERS_MAX, &seq, &count) <= 0)
		goto no_peers;
	v->unicast_peers = calloc(count ? count : 1, sizeof(*v->unicast_peers));
	if (!v->unicast_peers) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < count; i++) {
		struct edgelb_config_addr addr;
		const char *s;
		bool dup = false;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s) ||
		    !edgelb_config_node_addr(ctx, &el, s, 0, &addr) ||
		    !edgelb_config_family_matches(ctx, &el, v, &addr))
			continue;
		for (size_t j = 0; j < v->n_unicast_peers && !dup; j++)
			dup = edgelb_config_addr_equal(&v->unicast_peers[j], &addr);
		if (dup || edgelb_config_addr_equal(&v->unicast_src, &addr)) {
			edgelb_config_error(ctx, &el, "%s is %s",
					    edgelb_config_addr_str(&addr, a, sizeof(a)),
					    dup ? "listed twice" : "unicast_src itself");
			continue;
		}
		v->unicast_peers[v->n_unicast_peers++] = addr;
	}
no_peers:
	if (v->unicast_src.family && !v->n_unicast_peers) {
		edgelb_config_node_key(vnode, "unicast_src", &n);
		edgelb_config_warning(ctx, &n, "has no effect without unicast_peers");
	}
}

static void edgelb_config_parse_garp(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *vnode,
				     struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node garp;

	v->garp_count = EDGELB_CONFIG_GARP_COUNT_DEFAULT;
	if (edgelb_config_group(ctx, vnode, "garp", false, &garp) <= 0)
		return;
	edgelb_config_check_keys(ctx, &garp, edgelb_config_garp_keys);
	edgelb_config_u32(ctx, &garp, "count", false, 1, 100, &v->garp_count);
	edgelb_config_duration(ctx, &garp, "interval", 0, 10, &v->garp_interval_ms);
	edgelb_config_duration(ctx, &garp, "refresh", 0, 86400, &v->garp_refresh_ms);
}

static void edgelb_config_parse_track_interfaces(struct edgelb_config_ctx *ctx,
						 const struct edgelb_config_node *track,
						 struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node list, el, n;
	size_t count;

	if (edgelb_config_group_list(ctx, track, "interfaces", EDGELB_CONFIG_TRACK_MAX, &list,
				     &count) <= 0 || !count)
		return;
	v->track_interfaces = calloc(count, sizeof(*v->track_interfaces));
	if (!v->track_interfaces) {
		ctx->nomem = true;
		return;
	}
	v->n_track_interfaces = count;
	for (size_t i = 0; i < count; i++) {
		struct edgelb_config_track_interface *t = &v->track_interfaces[i];

		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_check_keys(ctx, &el, edgelb_config_track_if_keys);
		edgelb_config_ifname(ctx, &el, "name", true, &t->name);
		edgelb_config_weight(ctx, &el, &t->weight);
		for (size_t j = 0; j < i && t->name; j++) {
			const char *other = v->track_interfaces[j].name;

			if (!other || strcmp(other, t->name))
				continue;
			edgelb_config_node_key(&el, "name", &n);
			edgelb_config_error(ctx, &n, "interface \"%s\" is tracked twice", t->name);
			break;
		}
	}
}

static void edgelb_config_service_not_found(struct edgelb_config_ctx *ctx,
					    const struct edgelb_config_node *n,
					    const struct edgelb_config *cfg, const char *name)
{
	const char **names = calloc(cfg->n_services + 1, sizeof(*names));
	const char *hint = NULL;

	if (names) {
		for (size_t i = 0; i < cfg->n_services; i++)
			names[i] = cfg->services[i].name;
		hint = edgelb_config_closest(name, names, cfg->n_services);
		free(names);
	}
	if (hint)
		edgelb_config_error(ctx, n, "no service is named \"%s\"; did you mean \"%s\"?",
				    name, hint);
	else
		edgelb_config_error(ctx, n, "no service is named \"%s\"", name);
}

static void edgelb_config_parse_track_service(struct edgelb_config_ctx *ctx,
					      const struct edgelb_config_node *el,
					      const struct edgelb_config *cfg,
					      struct edgelb_config_track_service *t)
{
	struct edgelb_config_node n;
	const struct edgelb_config_service *svc = NULL;
	bool min_set;

	edgelb_config_check_keys(ctx, el, edgelb_config_track_svc_keys);
	t->min_healthy = 1;
	min_set = edgelb_config_u32(ctx, el, "min_healthy", false, 1,
				    EDGELB_CONFIG_SERVICE_BACKENDS_MAX, &t->min_healthy) > 0;
	edgelb_config_weight(ctx, el, &t->weight);
	if (edgelb_config_name(ctx, el, "name", true, EDGELB_CONFIG_NAME_MAX, &t->name) <= 0)
		return;
	for (size_t i = 0; i < cfg->n_services && !svc; i++) {
		if (cfg->services[i].name && !strcmp(cfg->services[i].name, t->name)) {
			svc = &cfg->services[i];
			t->service = i;
		}
	}
	edgelb_config_node_key(el, "name", &n);
	if (!svc) {
		edgelb_config_service_not_found(ctx, &n, cfg, t->name);
		return;
	}
	/* a threshold no backend set can reach would keep the instance failed */
	if (t->min_healthy > svc->n_backends) {
		if (min_set)
			edgelb_config_node_key(el, "min_healthy", &n);
		edgelb_config_error(ctx, &n,
				    "min_healthy is %u but service \"%s\" has %zu backends",
				    t->min_healthy, svc->name, svc->n_backends);
	}
}

static void edgelb_config_parse_track_services(struct edgelb_config_ctx *ctx,
					       const struct edgelb_config_node *track,
					       const struct edgelb_config *cfg,
					       struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node list, el, n;
	size_t count;

	if (edgelb_config_group_list(ctx, track, "services", EDGELB_CONFIG_TRACK_MAX, &list,
				     &count) <= 0 || !count)
		return;
	v->track_services = calloc(count, sizeof(*v->track_services));
	if (!v->track_services) {
		ctx->nomem = true;
		return;
	}
	v->n_track_services = count;
	for (size_t i = 0; i < count; i++) {
		struct edgelb_config_track_service *t = &v->track_services[i];

		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_track_service(ctx, &el, cfg, t);
		for (size_t j = 0; j < i && t->name; j++) {
			const char *other = v->track_services[j].name;

			if (!other || strcmp(other, t->name))
				continue;
			edgelb_config_node_key(&el, "name", &n);
			edgelb_config_error(ctx, &n, "service \"%s\" is tracked twice", t->name);
			break;
		}
	}
}

static void edgelb_config_parse_track_script(struct edgelb_config_ctx *ctx,
					     const struct edgelb_config_node *el,
					     struct edgelb_config_track_script *t)
{
	struct edgelb_config_node n;
	int r_interval, r_timeout;

	edgelb_config_check_keys(ctx, el, edgelb_config_track_script_keys);
	edgelb_config_name(ctx, el, "name", true, EDGELB_CONFIG_NAME_MAX, &t->name);
	edgelb_config_command(ctx, el, true, &t->argv, &t->argc);
	t->interval_ms = 2000;
	t->timeout_ms = 1000;
	r_interval = edgelb_config_duration(ctx, el, "interval", 0.1, 3600, &t->interval_ms);
	r_timeout = edgelb_config_duration(ctx, el, "timeout", 0.01, 3600, &t->timeout_ms);
	edgelb_config_weight(ctx, el, &t->weight);
	if (r_interval < 0 || r_timeout < 0 || t->timeout_ms < t->interval_ms)
		return;
	edgelb_config_node_key(el, r_timeout > 0 ? "timeout" : "interval", &n);
	edgelb_config_error(ctx, &n,
			    "timeout (%u.%03u s) must be shorter than interval (%u.%03u s)",
			    t->timeout_ms / 1000, t->timeout_ms % 1000, t->interval_ms / 1000,
			    t->interval_ms % 1000);
}

static void edgelb_config_parse_track_scripts(struct edgelb_config_ctx *ctx,
					      const struct edgelb_config_node *track,
					      struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node list, el, n;
	size_t count;

	if (edgelb_config_group_list(ctx, track, "scripts", EDGELB_CONFIG_TRACK_MAX, &list,
				     &count) <= 0 || !count)
		return;
	v->track_scripts = calloc(count, sizeof(*v->track_scripts));
	if (!v->track_scripts) {
		ctx->nomem = true;
		return;
	}
	v->n_track_scripts = count;
	for (size_t i = 0; i < count; i++) {
		struct edgelb_config_track_script *t = &v->track_scripts[i];

		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_track_script(ctx, &el, t);
		for (size_t j = 0; j < i && t->name; j++) {
			if (!v->track_scripts[j].name || strcmp(v->track_scripts[j].name, t->name))
				continue;
			edgelb_config_node_key(&el, "name", &n);
			edgelb_config_error(ctx, &n, "duplicate script name \"%s\"", t->name);
			break;
		}
	}
}

static void edgelb_config_parse_track(struct edgelb_config_ctx *ctx,
				      const struct edgelb_config_node *vnode,
				      const struct edgelb_config *cfg,
				      struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node track;

	if (edgelb_config_group(ctx, vnode, "track", false, &track) <= 0)
		return;
	edgelb_config_check_keys(ctx, &track, edgelb_config_track_keys);
	edgelb_config_parse_track_interfaces(ctx, &track, v);
	edgelb_config_parse_track_services(ctx, &track, cfg, v);
	edgelb_config_parse_track_scripts(ctx, &track, v);
}

static void edgelb_config_parse_notify(struct edgelb_config_ctx *ctx,
				       const struct edgelb_config_node *vnode,
				       struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node notify;

	if (edgelb_config_group(ctx, vnode, "notify", false, &notify) <= 0)
		return;
	edgelb_config_check_keys(ctx, &notify, edgelb_config_notify_keys);
	edgelb_config_abs_path(ctx, &notify, "master", PATH_MAX - 1, &v->notify_master);
	edgelb_config_abs_path(ctx, &notify, "backup", PATH_MAX - 1, &v->notify_backup);
	edgelb_config_abs_path(ctx, &notify, "fault", PATH_MAX - 1, &v->notify_fault);
	edgelb_config_abs_path(ctx, &notify, "stop", PATH_MAX - 1, &v->notify_stop);
}

static void edgelb_config_parse_preempt(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *vnode,
					struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node n;
	int ret;

	v->preempt = true;
	edgelb_config_bool(ctx, vnode, "preempt", &v->preempt);
	ret = edgelb_config_duration(ctx, vnode, "preempt_delay", 0, 1000, &v->preempt_delay_ms);
	if (ret <= 0 || v->preempt || !v->preempt_delay_ms)
		return;
	edgelb_config_node_key(vnode, "preempt_delay", &n);
	edgelb_config_warning(ctx, &n, "has no effect with preempt = false");
}

static void edgelb_config_parse_vrrp(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *vnode,
				     const struct edgelb_config *cfg,
				     struct edgelb_config_vrrp *v)
{
	struct edgelb_config_node n;

	edgelb_config_check_keys(ctx, vnode, edgelb_config_vrrp_keys);
	edgelb_config_name(ctx, vnode, "name", true, EDGELB_CONFIG_NAME_MAX, &v->name);
	edgelb_config_u8(ctx, vnode, "vrid", true, 1, 255, &v->vrid);
	edgelb_config_ifname(ctx, vnode, "interface", true, &v->interface);
	edgelb_config_parse_vips(ctx, vnode, v);
	v->version = 3;
	if (edgelb_config_u8(ctx, vnode, "version", false, 2, 3, &v->version) < 0)
		v->version = 0; /* unknown: skip the checks that depend on it */
	if (v->version == 2 && v->family == EDGELB_AF_INET6) {
		edgelb_config_node_key(vnode, "version", &n);
		edgelb_config_error(ctx, &n, "VRRPv2 carries only IPv4; use version = 3 for IPv6");
	}
	v->priority = EDGELB_CONFIG_PRIORITY_DEFAULT;
	edgelb_config_u8(ctx, vnode, "priority", false, 1, 255, &v->priority);
	if (v->version)
		edgelb_config_parse_advert_int(ctx, vnode, v);
	edgelb_config_parse_preempt(ctx, vnode, v);
	edgelb_config_bool(ctx, vnode, "accept", &v->accept);
	if (v->version)
		edgelb_config_parse_auth(ctx, vnode, v);
	edgelb_config_parse_unicast(ctx, vnode, v);
	edgelb_config_bool(ctx, vnode, "use_vmac", &v->use_vmac);
	edgelb_config_parse_garp(ctx, vnode, v);
	edgelb_config_parse_track(ctx, vnode, cfg, v);
	edgelb_config_parse_notify(ctx, vnode, v);
	edgelb_config_name(ctx, vnode, "sync_group", false, EDGELB_CONFIG_NAME_MAX, &v->sync_group);
}

/*
 * Instance j against 0..j-1: names; VRIDs, which must differ per interface
 * and family (IPv4 and IPv6 VRRP use separate groups and virtual MACs);
 * VIPs, which only one instance may own.
 */
static void edgelb_config_check_vrrp_dups(struct edgelb_config_ctx *ctx,
					  const struct edgelb_config_node *list,
					  const struct edgelb_config_vrrp *vs, size_t j)
{
	const struct edgelb_config_vrrp *v = &vs[j];
	struct edgelb_config_node el, n, seq;
	char a[INET6_ADDRSTRLEN];

	edgelb_config_node_elem(list, j, &el);
	for (size_t i = 0; i < j && v->name; i++) {
		if (!vs[i].name || strcmp(vs[i].name, v->name))
			continue;
		edgelb_config_node_key(&el, "name", &n);
		edgelb_config_error(ctx, &n,
				    "duplicate vrrp instance name \"%s\" (first at line %u)",
				    v->name, edgelb_config_elem_line(list, i, "name"));
		break;
	}
	for (size_t i = 0; i < j && v->vrid && v->interface && v->family; i++) {
		const struct edgelb_config_vrrp *o = &vs[i];

		if (o->vrid != v->vrid || o->family != v->family || !o->interface ||
		    strcmp(o->interface, v->interface))
			continue;
		edgelb_config_node_key(&el, "vrid", &n);
		edgelb_config_error(ctx, &n,
				    "VRID %u on %s (%s) is already used by \"%s\" (line %u)",
				    v->vrid, v->interface, edgelb_config_family_name(v->family),
				    o->name ? o->name : "?",
				    edgelb_config_elem_line(list, i, "vrid"));
		break;
	}
	edgelb_config_node_key(&el, "vips", &seq);
	for (size_t k = 0; k < v->n_vips; k++) {
		for (size_t i = 0; i < j; i++) {
			bool dup = false;

			for (size_t m = 0; m < vs[i].n_vips && !dup; m++)
				dup = edgelb_config_addr_equal(&vs[i].vips[m], &v->vips[k]);
			if (!dup)
				continue;
			edgelb_config_error(ctx, &seq, "%s is already a VIP of \"%s\" (line %u)",
					    edgelb_config_addr_str(&v->vips[k], a, sizeof(a)),
					    vs[i].name ? vs[i].name : "?",
					    edgelb_config_elem_line(list, i, "vips"));
			break;
		}
	}
}

/* A sync group exists to move several instances together; one alone is a typo. */
static void edgelb_config_check_sync_groups(struct edgelb_config_ctx *ctx,
					    const struct edgelb_config_node *list,
					    const struct edgelb_config *cfg)
{
	for (size_t j = 0; j < cfg->n_vrrp; j++) {
		const char *g = cfg->vrrp[j].sync_group;
		struct edgelb_config_node el, n;
		size_t members = 0;

		if (!g)
			continue;
		for (size_t i = 0; i < cfg->n_vrrp; i++)
			members += cfg->vrrp[i].sync_group && !strcmp(cfg->vrrp[i].sync_group, g);
		if (members > 1)
			continue;
		edgelb_config_node_elem(list, j, &el);
		edgelb_config_node_key(&el, "sync_group", &n);
		edgelb_config_warning(ctx, &n, "\"%s\" has no other member", g);
	}
}

static void edgelb_config_parse_vrrps(struct edgelb_config_ctx *ctx,
				      const struct edgelb_config_node *root,
				      struct edgelb_config *cfg)
{
	struct edgelb_config_node list, el;
	size_t n;

	if (edgelb_config_group_list(ctx, root, "vrrp", EDGELB_CONFIG_VRRP_MAX, &list, &n) <= 0 ||
	    !n)
		return;
	cfg->vrrp = calloc(n, sizeof(*cfg->vrrp));
	if (!cfg->vrrp) {
		ctx->nomem = true;
		return;
	}
	cfg->n_vrrp = n;
	for (size_t i = 0; i < n; i++) {
		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_vrrp(ctx, &el, cfg, &cfg->vrrp[i]);
		edgelb_config_check_vrrp_dups(ctx, &list, cfg->vrrp, i);
	}
	edgelb_config_check_sync_groups(ctx, &list, cfg);
}

/* With VRRP in use, a service VIP that no instance owns gets no ARP/ND answer. */
static void edgelb_config_check_vip_owners(struct edgelb_config_ctx *ctx,
					   const struct edgelb_config_node *root,
					   const struct edgelb_config *cfg)
{
	struct edgelb_config_node list, el, n;
	char a[INET6_ADDRSTRLEN];

	if (!cfg->n_vrrp)
		return;
	edgelb_config_node_key(root, "services", &list);
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct edgelb_config_service *s = &cfg->services[i];
		bool owned = false;

		for (size_t j = 0; j < cfg->n_vrrp && !owned; j++)
			for (size_t k = 0; k < cfg->vrrp[j].n_vips && !owned; k++)
				owned = edgelb_config_addr_equal(&cfg->vrrp[j].vips[k], &s->vip);
		if (owned || !s->vip.family)
			continue;
		edgelb_config_node_elem(&list, i, &el);
		edgelb_config_node_key(&el, "vip", &n);
		edgelb_config_warning(ctx, &n,
				      "%s is in no vrrp instance's vips: nothing here answers "
				      "ARP/ND for it (fine if BGP announces it)",
				      edgelb_config_addr_str(&s->vip, a, sizeof(a)));
	}
}

static int edgelb_config_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sites numbered by sorted name, not by order in the file (DESIGN.md principle 2). */
static void edgelb_config_number_sites(struct edgelb_config_ctx *ctx, struct edgelb_config *cfg)
{
	size_t n = 0, distinct = 0, total = edgelb_config_backend_count(cfg);
	char **names;

	if (!total)
		return;
	names = calloc(total, sizeof(*names));
	if (!names) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < cfg->n_services; i++)
		for (size_t j = 0; j < cfg->services[i].n_backends; j++)
			if (cfg->services[i].backends[j].site)
				names[n++] = cfg->services[i].backends[j].site;
	qsort(names, n, sizeof(*names), edgelb_config_strcmp_p);
	for (size_t i = 0; i < n; i++) {
		if (distinct && !strcmp(names[distinct - 1], names[i]))
			continue;
		names[distinct++] = names[i];
	}
	cfg->sites = calloc(distinct ? distinct : 1, sizeof(*cfg->sites));
	if (!cfg->sites) {
		free(names);
		ctx->nomem = true;
		return;
	}
	cfg->n_sites = distinct;
	for (size_t i = 0; i < distinct; i++)
		edgelb_config_set_str(ctx, &cfg->sites[i], names[i]);
	free(names);
	for (size_t i = 0; i < cfg->n_services; i++) {
		for (size_t j = 0; j < cfg->services[i].n_backends; j++) {
			struct edgelb_config_backend *be = &cfg->services[i].backends[j];

			for (size_t k = 0; be->site && k < cfg->n_sites; k++)
				if (cfg->sites[k] && !strcmp(cfg->sites[k], be->site))
					be->site_id = (uint16_t)(k + 1);
		}
	}
}

/* ---- loading ---------------------------------------------------------------- */

static void edgelb_config_service_free(struct edgelb_config_service *s)
{
	for (size_t i = 0; i < s->n_backends; i++) {
		free(s->backends[i].name);
		free(s->backends[i].site);
		edgelb_config_health_free(&s->backends[i].health);
	}
	free(s->backends);
	free(s->name);
	edgelb_config_health_free(&s->health);
}

static void edgelb_config_vrrp_free(struct edgelb_config_vrrp *v)
{
	for (size_t i = 0; i < v->n_track_interfaces; i++)
		free(v->track_interfaces[i].name);
	for (size_t i = 0; i < v->n_track_services; i++)
		free(v->track_services[i].name);
	for (size_t i = 0; i < v->n_track_scripts; i++) {
		free(v->track_scripts[i].name);
		edgelb_config_argv_free(v->track_scripts[i].argv);
	}
	free(v->track_interfaces);
	free(v->track_services);
	free(v->track_scripts);
	free(v->name);
	free(v->interface);
	free(v->auth_pass);
	free(v->unicast_peers);
	free(v->vips);
	free(v->notify_master);
	free(v->notify_backup);
	free(v->notify_fault);
	free(v->notify_stop);
	free(v->sync_group);
}

void edgelb_config_free(struct edgelb_config *cfg)
{
	for (size_t i = 0; i < cfg->n_services; i++)
		edgelb_config_service_free(&cfg->services[i]);
	for (size_t i = 0; i < cfg->n_vrrp; i++)
		edgelb_config_vrrp_free(&cfg->vrrp[i]);
	for (size_t i = 0; i < cfg->n_sites; i++)
		free(cfg->sites[i]);
	free(cfg->sites);
	free(cfg->services);
	free(cfg->vrrp);
	edgelb_config_argv_free(cfg->dataplane.interfaces);
	edgelb_config_argv_free(cfg->dataplane.dpdk_args);
	free(cfg->instance);
	free(cfg->pin_dir);
	free(cfg->state_file);
	free(cfg->control_socket);
	free(cfg->control_group);
	memset(cfg, 0, sizeof(*cfg));
}

size_t edgelb_config_backend_count(const struct edgelb_config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_services; i++)
		n += cfg->services[i].n_backends;
	return n;
}

/*
 * The walk reports in schema order; the operator reads top to bottom. A
 * stable insertion sort of this load's messages by line (a few hundred at
 * most) keeps the order of messages about one line.
 */
static void edgelb_config_sort_messages(struct edgelb_config_errors *errs, size_t first)
{
	for (size_t i = first + 1; i < errs->count; i++) {
		struct edgelb_config_error e = errs->items[i];
		size_t j = i;

		while (j > first && errs->items[j - 1].line > e.line) {
			errs->items[j] = errs->items[j - 1];
			j--;
		}
		errs->items[j] = e;
	}
}

static unsigned int edgelb_config_line_at(const char *text, size_t off)
{
	unsigned int line = 1;

	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/*
 * libconfig would follow "@include" to other files (relative to the
 * working directory) and then report errors in them under the wrong name
 * and line. edgelb reads exactly one file: each such line is reported and
 * blanked so that the rest of the file is still checked.
 */
static void edgelb_config_blank_includes(struct edgelb_config_ctx *ctx, char *text)
{
	unsigned int line = 1;

	for (char *p = text; *p;) {
		char *q = p + strspn(p, " \t");
		char *eol = strchr(p, '\n');

		if (!strncmp(q, "@include", 8)) {
			edgelb_config_error_at(ctx, line,
					       "@include is not supported: keep the whole "
					       "configuration in one file");
			memset(p, ' ', eol ? (size_t)(eol - p) : strlen(p));
		}
		if (!eol)
			break;
		p = eol + 1;
		line++;
	}
}

/* ---- integer literals ----------------------------------------------------- */

/* Longest literal quoted in full in a message. */
#define EDGELB_CONFIG_LITERAL_SHOWN 40

static bool edgelb_config_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '*' || c == '-';
}

static bool edgelb_config_all_digits(const char *p, const char *end, int base)
{
	if (p == end)
		return false;
	for (; p < end; p++) {
		char c = *p;

		if (!(c >= '0' && c <= '9') &&
		    !(base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))))
			return false;
	}
	return true;
}

/* One past a number-like token at p: digits, letters, dots, an exponent's sign. */
static const char *edgelb_config_number_end(const char *p)
{
	const char *q = p + (*p == '+' || *p == '-');
	bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');

	while ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
	       *q == '.' || (!hex && (*q == '+' || *q == '-') && (q[-1] == 'e' || q[-1] == 'E')))
		q++;
	return q;
}

/*
 * Whether the literal [p, end) is an integer that needs an "L" to reach
 * libconfig whole: 1 yes, 0 no (it fits in int, has its "L" already, or is
 * no integer), -1 it does not fit in 64 bits at all.
 */
static int edgelb_config_literal_wide(const char *p, const char *end)
{
	const char *body = p + (*p == '+' || *p == '-');
	const char *digits_end = end;
	bool hex = body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
	const char *first = hex ? body + 2 : body;
	char digits[24]; /* a sign, 19 decimal or 16 hex digits, NUL */
	unsigned long long u;
	long long v;
	size_t n;

	if (end - first > 2 && end[-1] == 'L' && end[-2] == 'L')
		digits_end = end - 2;
	else if (end - first > 1 && end[-1] == 'L')
		digits_end = end - 1;
	/* libconfig takes no sign before a hex literal */
	if (hex ? body != p || !edgelb_config_all_digits(first, digits_end, 16)
		: !edgelb_config_all_digits(first, digits_end, 10))
		return 0;
	while (first < digits_end - 1 && *first == '0')
		first++;
	n = (size_t)(digits_end - first);
	if (n > (hex ? 16u : 19u))
		return -1;
	digits[0] = *p == '-' ? '-' : '+';
	memcpy(digits + 1, first, n);
	digits[n + 1] = '\0';
	errno = 0;
	if (hex) {
		u = strtoull(digits + 1, NULL, 16);
		/* libconfig keeps a 64-bit hex literal in a signed long long */
		if (u > (unsigned long long)LLONG_MAX)
			return -1;
		return digits_end == end && u > (unsigned long long)INT_MAX;
	}
	v = strtoll(digits, NULL, 10);
	if (errno == ERANGE)
		return -1;
	return digits_end == end && (v < INT_MIN || v > INT_MAX);
}

/*
 * libconfig 1.5 reads a decimal literal through atoi() and a hex one into
 * an int: 4294967296 arrives as 0, 4294967376 as 80, 0xFFFFFFFF as -1, with
 * no error, and a weight that wrapped to 0 passes every range check. Each
 * integer literal outside int is copied with an "L" suffix, which makes
 * libconfig (1.5 and 1.7 alike) keep it as a 64-bit integer, so that the
 * range checks see, and quote, the number the file says. A literal beyond
 * 64 bits is reported here as written. Strings and comments are copied
 * untouched; only "L"s are added, so line numbers stay.
 *
 * Returns 0 and the new text in *out (to free), -EINVAL (reported) or
 * -ENOMEM.
 */
static int edgelb_config_widen_integers(struct edgelb_config_ctx *ctx, const char *text,
					size_t len, char **out)
{
	/* a widened literal has at least 10 characters: one "L" per 10 is enough */
	char *buf = malloc(len + len / 10 + 1), *o = buf;
	const char *p = text, *counted = text;
	unsigned int line = 1;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (*p) {
		const char *start = p;
		int wide;

		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *close = strstr(p + 2, "*/");

			p = close ? close + 2 : p + strlen(p);
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			   *p == '*') {
			while (edgelb_config_is_name_char(*p))
				p++;
		} else if ((*p >= '0' && *p <= '9') ||
			   ((*p == '+' || *p == '-' || *p == '.') && p[1] >= '0' && p[1] <= '9')) {
			p = edgelb_config_number_end(p);
			wide = edgelb_config_literal_wide(start, p);
			if (wide < 0) {
				bool cut = p - start > EDGELB_CONFIG_LITERAL_SHOWN;

				/* counted from the last report on, not from the top */
				for (; counted < start; counted++)
					line += *counted == '\n';
				edgelb_config_error_at(ctx, line, "%.*s%s does not fit in 64 bits",
						       cut ? EDGELB_CONFIG_LITERAL_SHOWN
							   : (int)(p - start),
						       start, cut ? "..." : "");
				ret = -EINVAL;
			}
			memcpy(o, start, (size_t)(p - start));
			o += p - start;
			if (wide > 0)
				*o++ = 'L';
			continue;
		} else {
			p++;
		}
		memcpy(o, start, (size_t)(p - start));
		o += p - start;
	}
	*o = '\0';
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

/* text is ours to modify; len excludes the terminating NUL. */
static int edgelb_config_parse_buffer(struct edgelb_config_ctx *ctx, char *text, size_t len,
				      struct edgelb_config *cfg)
{
	struct edgelb_config_node root;
	size_t errors_before = ctx->errs->n_errors, first = ctx->errs->count;
	const char *nul = memchr(text, '\0', len);
	char *wide = NULL;
	config_t lc;
	int ret = 0;

	/* libconfig would silently stop reading at the first NUL */
	if (nul) {
		edgelb_config_error_at(ctx, edgelb_config_line_at(text, (size_t)(nul - text)),
				       "contains a NUL byte; is this a text file?");
		return -EINVAL;
	}
	edgelb_config_blank_includes(ctx, text);
	ret = edgelb_config_widen_integers(ctx, text, len, &wide);
	if (ret) {
		edgelb_config_sort_messages(ctx->errs, first);
		return ret;
	}
	config_init(&lc);
	if (config_read_string(&lc, wide) != CONFIG_TRUE) {
		const char *why = config_error_text(&lc);
		int line = config_error_line(&lc);

		edgelb_config_error_at(ctx, line > 0 ? (unsigned int)line : 1, "%s",
				       why ? why : "syntax error");
		ret = -EINVAL;
		goto out;
	}
	edgelb_config_node_root(&lc, &root);
	/* services before vrrp: track.services refers to them */
	edgelb_config_parse_top(ctx, &root, cfg);
	edgelb_config_parse_dataplane(ctx, &root, &cfg->dataplane);
	edgelb_config_parse_services(ctx, &root, cfg);
	edgelb_config_parse_vrrps(ctx, &root, cfg);
	edgelb_config_check_vip_owners(ctx, &root, cfg);
	edgelb_config_number_sites(ctx, cfg);
	if (ctx->nomem)
		ret = -ENOMEM;
	else if (ctx->errs->n_errors != errors_before)
		ret = -EINVAL;
out:
	config_destroy(&lc);
	free(wide);
	edgelb_config_sort_messages(ctx->errs, first);
	if (ret)
		edgelb_config_free(cfg);
	return ret;
}

int edgelb_config_parse_string(const char *text, const char *display_name,
			       struct edgelb_config *cfg, struct edgelb_config_errors *errs)
{
	struct edgelb_config_ctx ctx = { .file = display_name, .errs = errs };
	size_t len = strlen(text);
	char *copy;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len + 1);
	ret = edgelb_config_parse_buffer(&ctx, copy, len, cfg);
	free(copy);
	return ret;
}

/* The whole file into a NUL-terminated buffer; problems are reported. */
static int edgelb_config_read_file(struct edgelb_config_ctx *ctx, const char *path,
				   char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t used = 0;
	int fd, ret;

	/*
	 * Refuse a FIFO or a device before opening it: open() would wait for
	 * a FIFO's writer, and opening some devices acts on them (a watchdog
	 * starts). O_NONBLOCK and fstat() below cover a swap in between;
	 * reads from a regular file ignore O_NONBLOCK.
	 */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		edgelb_config_error_at(ctx, 0, "not a regular file");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		edgelb_config_error_at(ctx, 0, "cannot open: %s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		edgelb_config_error_at(ctx, 0, "cannot stat: %s", strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		edgelb_config_error_at(ctx, 0, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > EDGELB_CONFIG_FILE_MAX) {
		ret = -EFBIG;
		edgelb_config_error_at(ctx, 0, "larger than %u MiB", EDGELB_CONFIG_FILE_MAX >> 20);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* a file that grows while we read is cut at its size from fstat() */
	while (used < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + used, (size_t)st.st_size - used);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			edgelb_config_error_at(ctx, 0, "cannot read: %s", strerror(-ret));
			goto out;
		}
		if (!r)
			break;
		used += (size_t)r;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int edgelb_config_load(const char *path, struct edgelb_config *cfg,
		       struct edgelb_config_errors *errs)
{
	struct edgelb_config_ctx ctx = { .file = path, .errs = errs };
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	ret = edgelb_config_read_file(&ctx, path, &text, &len);
	if (ret < 0)
		return ret;
	ret = edgelb_config_parse_buffer(&ctx, text, len, cfg);
	free(text);
	return ret;
}
