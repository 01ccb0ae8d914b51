// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks of edgelb.conf values that several parts of the schema share
 * (config_priv.h): names, interface names, absolute paths, addresses with
 * or without a prefix length, commands to run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr_check.h"
#include "config_priv.h"

bool edgelb_config_name_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (!len || len > max)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == len;
}

/* A name of [A-Za-z0-9_.-]{1,max}; copied into *dst when valid. */
int edgelb_config_name(struct edgelb_config_ctx *ctx,
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
bool edgelb_config_ifname_check(struct edgelb_config_ctx *ctx,
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

int edgelb_config_ifname(struct edgelb_config_ctx *ctx,
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

bool edgelb_config_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

/* An absolute file system path of at most max bytes. */
int edgelb_config_abs_path(struct edgelb_config_ctx *ctx,
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
const char *edgelb_config_addr_parse(const char *s, unsigned int flags,
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

bool edgelb_config_node_addr(struct edgelb_config_ctx *ctx,
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

int edgelb_config_addr(struct edgelb_config_ctx *ctx,
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
int edgelb_config_command(struct edgelb_config_ctx *ctx,
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
