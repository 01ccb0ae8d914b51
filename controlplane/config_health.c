// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb.conf's "health" groups (config_priv.h): the check of a service,
 * and of each backend with its overrides applied over the service's; the
 * settings of HTTP and exec checks.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

static const char *const edgelb_config_health_keys[] = {
	"type", "port", "interval", "timeout", "rise", "fall", "jitter",
	"through_tunnel", "hold_down", "site_fail_fast", "http", "exec", NULL,
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

const char *edgelb_config_health_name(enum edgelb_config_health_type type)
{
	for (size_t i = 0; edgelb_config_kw_health[i].name; i++)
		if (edgelb_config_kw_health[i].value == (int)type)
			return edgelb_config_kw_health[i].name;
	return "?";
}

void edgelb_config_health_free(struct edgelb_config_health *h)
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
	h->site_fail_fast = true;
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
void edgelb_config_parse_health(struct edgelb_config_ctx *ctx,
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
	edgelb_config_bool(ctx, &health, "site_fail_fast", &h->site_fail_fast);
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
