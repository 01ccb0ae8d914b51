// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control protocol as pure functions: see ctl_proto.h and, for the
 * wire contract, ctl_wire.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <json-c/json.h>

#include "abi.h" /* the numbers of families and encaps, ring sizes */
#include "addr_check.h"
#include "ctl_proto.h"
#include "ctl_wire.h"
#include "quote.h"
#include "maglev.h"

/* Defaults of the optional members, the same as edgelb.conf(5)'s. */
#define CTL_PROTO_WEIGHT_DEFAULT 100
#define CTL_PROTO_MTU_DEFAULT 1500
#define CTL_PROTO_GUE_PORT_DEFAULT 6080

/* Parsed addresses are copied from union edgelb_addr (ctl_get_addr()). */
_Static_assert(sizeof(union ctl_addr) == sizeof(union edgelb_addr),
	       "union ctl_addr has the layout of union edgelb_addr");

/* JSON nesting a request may use; requests are flat, this stops abuse. */
#define CTL_PROTO_DEPTH_MAX 8

/* Length of a value quoted in a message, with the quotes and "...". */
#define CTL_PROTO_QUOTE_LEN 72

struct ctl_keyword {
	const char *name;
	int value;
};

static const struct ctl_keyword ctl_kw_proto[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ NULL, 0 },
};

static const struct ctl_keyword ctl_kw_encap[] = {
	{ "ipip", EDGELB_ENCAP_IPIP },
	{ "gue", EDGELB_ENCAP_GUE },
	{ "dsr", EDGELB_ENCAP_DSR },
	{ NULL, 0 },
};

/* value: ctl_vip_add.mtu_drop */
static const struct ctl_keyword ctl_kw_mtu_policy[] = {
	{ "icmp", 0 },
	{ "drop", 1 },
	{ NULL, 0 },
};

/* value: ctl_vip_add.hash_addresses */
static const struct ctl_keyword ctl_kw_hash[] = {
	{ "5tuple", 0 },
	{ "addresses", 1 },
	{ NULL, 0 },
};

/* Each command: its name, whether it changes state, the members it takes. */
static const struct ctl_cmd_def {
	const char *name;
	bool admin;
	const char *const members[12];
} ctl_cmds[CTL_CMD_MAX] = {
	[CTL_CMD_STATUS] = { "status", false, { NULL } },
	[CTL_CMD_VIP_LIST] = { "vip.list", false, { "offset", "limit", NULL } },
	[CTL_CMD_VIP_ADD] = { "vip.add", true,
			      { "name", "vip", "port", "protocol", "encap", "gue_port",
				"ring_size", "mtu", "mtu_policy", "hash", NULL } },
	[CTL_CMD_VIP_DEL] = { "vip.del", true, { "service", NULL } },
	[CTL_CMD_BACKEND_LIST] = { "backend.list", false, { "service", "offset", "limit", NULL } },
	[CTL_CMD_BACKEND_ADD] = { "backend.add", true,
				  { "service", "name", "address", "port", "weight", "site",
				    NULL } },
	[CTL_CMD_BACKEND_DEL] = { "backend.del", true, { "service", "backend", NULL } },
	[CTL_CMD_BACKEND_DRAIN] = { "backend.drain", true, { "service", "backend", NULL } },
	[CTL_CMD_BACKEND_UNDRAIN] = { "backend.undrain", true, { "service", "backend", NULL } },
	[CTL_CMD_BACKEND_WEIGHT] = { "backend.weight", true,
				     { "service", "backend", "weight", NULL } },
	[CTL_CMD_STATS] = { "stats", false, { "offset", "limit", NULL } },
	[CTL_CMD_CONFIG_CHECK] = { "config.check", false, { "path", NULL } },
	[CTL_CMD_CONFIG_RELOAD] = { "config.reload", true, { NULL } },
	[CTL_CMD_FLOWS] = { "flows", false, { "max", "offset", "limit", NULL } },
	[CTL_CMD_HEALTH] = { "health", false, { "service", "offset", "limit", NULL } },
	[CTL_CMD_VRRP_STATUS] = { "vrrp.status", false, { "instance", NULL } },
	[CTL_CMD_VRRP_HANDOVER] = { "vrrp.handover", true, { "instance", NULL } },
	[CTL_CMD_VRRP_RELEASE] = { "vrrp.release", true, { "instance", NULL } },
	[CTL_CMD_VRRP_MAINTENANCE] = { "vrrp.maintenance", true, { "mode", NULL } },
};

/*
 * The lists of a reply that offset and limit page through, in the order
 * they are counted: items of the second follow the last of the first.
 */
static const char *const ctl_page_lists[CTL_CMD_MAX][3] = {
	[CTL_CMD_VIP_LIST] = { "services", NULL },
	[CTL_CMD_BACKEND_LIST] = { "backends", NULL },
	[CTL_CMD_STATS] = { "vips", "backends", NULL },
	[CTL_CMD_FLOWS] = { "flows", NULL },
	[CTL_CMD_HEALTH] = { "backends", NULL },
};

const char *ctl_proto_cmd_name(enum ctl_cmd cmd)
{
	return cmd < CTL_CMD_MAX ? ctl_cmds[cmd].name : "?";
}

bool ctl_proto_needs_admin(const struct ctl_request *req)
{
	if (req->cmd >= CTL_CMD_MAX)
		return true;
	if (req->cmd == CTL_CMD_CONFIG_CHECK)
		return req->path[0] != '\0';
	return ctl_cmds[req->cmd].admin;
}

/* ---- errors --------------------------------------------------------------- */

void ctl_proto_error(struct ctl_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	if (field)
		n = snprintf(err->message, sizeof(err->message), "%s: ", field);
	if (n < 0 || (size_t)n >= sizeof(err->message))
		return;
	va_start(ap, fmt);
	vsnprintf(err->message + n, sizeof(err->message) - (size_t)n, fmt, ap);
	va_end(ap);
}

void ctl_proto_error_from_lb(struct ctl_error *err, const char *lb_message)
{
	size_t n = strcspn(lb_message, ":");

	snprintf(err->message, sizeof(err->message), "%s", lb_message);
	err->field[0] = '\0';
	if (!lb_message[n] || !n || n >= sizeof(err->field) ||
	    strspn(lb_message, "abcdefghijklmnopqrstuvwxyz_") != n)
		return;
	memcpy(err->field, lb_message, n);
	err->field[n] = '\0';
}

/* ---- values ---------------------------------------------------------------- */

bool ctl_proto_name_ok(const char *s)
{
	size_t len = strlen(s);

	return len && len <= EDGELB_CTL_NAME_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == len;
}

const char *ctl_proto_addr_parse(const char *s, union edgelb_addr *a, uint8_t *family)
{
	uint8_t f;
	const char *why;

	memset(a, 0, sizeof(*a));
	*family = EDGELB_AF_NONE;
	if (strchr(s, '/'))
		return "has a prefix length; write the address alone";
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		f = EDGELB_AF_INET;
	} else if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		f = EDGELB_AF_INET6;
	} else {
		memset(a, 0, sizeof(*a));
		return "is not an IPv4 or IPv6 address";
	}
	/* the same set as edgelb.conf refuses for vip and address */
	why = edgelb_addr_check(f, a, 0);
	if (!why)
		*family = f;
	return why;
}

const char *ctl_proto_addr_str(uint8_t family, const union edgelb_addr *a, char *buf,
			       size_t len)
{
	if (family == EDGELB_AF_INET && inet_ntop(AF_INET, &a->v4, buf, (socklen_t)len))
		return buf;
	if (family == EDGELB_AF_INET6 && inet_ntop(AF_INET6, a->bytes, buf, (socklen_t)len))
		return buf;
	snprintf(buf, len, "-");
	return buf;
}

static const char *ctl_kw_name(const struct ctl_keyword *kw, int value)
{
	for (size_t i = 0; kw[i].name; i++)
		if (kw[i].value == value)
			return kw[i].name;
	return "?";
}

const char *ctl_proto_proto_name(uint8_t proto)
{
	return ctl_kw_name(ctl_kw_proto, proto);
}

const char *ctl_proto_encap_name(uint8_t encap)
{
	return ctl_kw_name(ctl_kw_encap, encap);
}

/* ---- members --------------------------------------------------------------- */

static const char *ctl_json_type(const struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a fractional number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "?";
}

/* A string member: 1 found, 0 absent (err set if required), -EINVAL. */
static int ctl_get_string(struct json_object *req, const char *key, bool required,
			  const char **out, struct ctl_error *err)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(req, key, &v)) {
		if (!required)
			return 0;
		ctl_proto_error(err, key, "missing");
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		ctl_proto_error(err, key, "must be a string, not %s", ctl_json_type(v));
		return -EINVAL;
	}
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		ctl_proto_error(err, key, "contains a NUL character");
		return -EINVAL;
	}
	*out = s;
	return 1;
}

static int ctl_get_name(struct json_object *req, const char *key, bool required, char *dst,
			struct ctl_error *err)
{
	char q[CTL_PROTO_QUOTE_LEN];
	const char *s;
	int ret = ctl_get_string(req, key, required, &s, err);

	if (ret <= 0)
		return ret;
	if (!ctl_proto_name_ok(s)) {
		ctl_proto_error(err, key, "%s is not a valid name: use 1..%d of A-Z a-z 0-9 _ . -",
				edgelb_quote(s, strlen(s), q, sizeof(q)), EDGELB_CTL_NAME_MAX);
		return -EINVAL;
	}
	/* ctl_proto_name_ok(): always fits */
	snprintf(dst, CTL_NAME_SIZE, "%s", s);
	return 1;
}

static int ctl_get_int(struct json_object *req, const char *key, bool required, int64_t min,
		       int64_t max, int64_t *out, struct ctl_error *err)
{
	struct json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(req, key, &v)) {
		if (!required)
			return 0;
		ctl_proto_error(err, key, "missing");
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_int)) {
		ctl_proto_error(err, key, "must be an integer in %lld..%lld, not %s",
				(long long)min, (long long)max, ctl_json_type(v));
		return -EINVAL;
	}
	errno = 0;
	x = json_object_get_int64(v);
	/* json-c clamps what does not fit an int64 and says so in errno */
	if (errno || x < min || x > max) {
		ctl_proto_error(err, key, "must be %lld..%lld", (long long)min, (long long)max);
		return -EINVAL;
	}
	*out = x;
	return 1;
}

static int ctl_get_keyword(struct json_object *req, const char *key,
			   const struct ctl_keyword *kw, int *out, struct ctl_error *err)
{
	char q[CTL_PROTO_QUOTE_LEN], list[128] = "";
	const char *s;
	size_t o = 0;
	int ret = ctl_get_string(req, key, false, &s, err);

	if (ret <= 0)
		return ret;
	for (size_t i = 0; kw[i].name; i++) {
		if (!strcmp(kw[i].name, s)) {
			*out = kw[i].value;
			return 1;
		}
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
				      kw[i].name);
		if (o >= sizeof(list))
			break;
	}
	ctl_proto_error(err, key, "%s is not one of %s", edgelb_quote(s, strlen(s), q, sizeof(q)),
			list);
	return -EINVAL;
}

static int ctl_get_addr(struct json_object *req, const char *key, union ctl_addr *a,
			uint8_t *family, struct ctl_error *err)
{
	char q[CTL_PROTO_QUOTE_LEN];
	union edgelb_addr parsed;
	const char *s, *why;
	int ret = ctl_get_string(req, key, true, &s, err);

	if (ret <= 0)
		return ret;
	why = ctl_proto_addr_parse(s, &parsed, family);
	if (why) {
		ctl_proto_error(err, key, "%s %s", edgelb_quote(s, strlen(s), q, sizeof(q)), why);
		return -EINVAL;
	}
	memcpy(a->bytes, parsed.bytes, sizeof(a->bytes));
	return 1;
}

/* ---- commands -------------------------------------------------------------- */

static int ctl_parse_vip_add(struct json_object *o, struct ctl_request *req,
			     struct ctl_error *err)
{
	struct ctl_vip_add *s = &req->vip_add;
	int64_t v;
	int kw, ret;

	if (ctl_get_name(o, "name", true, s->name, err) < 0 ||
	    ctl_get_addr(o, "vip", &s->vip, &s->family, err) < 0 ||
	    ctl_get_int(o, "port", true, 0, 65535, &v, err) < 0)
		return -EINVAL;
	s->port = (uint16_t)v;
	kw = IPPROTO_TCP;
	if (ctl_get_keyword(o, "protocol", ctl_kw_proto, &kw, err) < 0)
		return -EINVAL;
	s->proto = (uint8_t)kw;
	kw = EDGELB_ENCAP_IPIP;
	if (ctl_get_keyword(o, "encap", ctl_kw_encap, &kw, err) < 0)
		return -EINVAL;
	s->encap = (uint8_t)kw;
	s->gue_port = s->encap == EDGELB_ENCAP_GUE ? CTL_PROTO_GUE_PORT_DEFAULT : 0;
	ret = ctl_get_int(o, "gue_port", false, 1, 65535, &v, err);
	if (ret < 0)
		return -EINVAL;
	if (ret > 0 && s->encap != EDGELB_ENCAP_GUE) {
		ctl_proto_error(err, "gue_port", "only valid with encap \"gue\" (encap is \"%s\")",
				ctl_proto_encap_name(s->encap));
		return -EINVAL;
	}
	if (ret > 0)
		s->gue_port = (uint16_t)v;
	s->ring_size = EDGELB_RING_SIZE_DEFAULT;
	ret = ctl_get_int(o, "ring_size", false, 0, UINT32_MAX, &v, err);
	if (ret < 0)
		return -EINVAL;
	if (ret > 0 && !maglev_size_valid((uint32_t)v)) {
		ctl_proto_error(err, "ring_size", "%lld is not a prime in %u..%u (e.g. %u or %u)",
				(long long)v, MAGLEV_MIN_SIZE, MAGLEV_MAX_SIZE,
				EDGELB_RING_SIZE_DEFAULT, EDGELB_RING_SIZE_LARGE);
		return -EINVAL;
	}
	if (ret > 0)
		s->ring_size = (uint32_t)v;
	s->mtu = CTL_PROTO_MTU_DEFAULT;
	ret = ctl_get_int(o, "mtu", false, 576, 9216, &v, err);
	if (ret < 0)
		return -EINVAL;
	if (ret > 0)
		s->mtu = (uint16_t)v;
	/* RFC 8200: every IPv6 link carries 1280 bytes */
	if (s->family == EDGELB_AF_INET6 && s->mtu < 1280) {
		ctl_proto_error(err, "mtu", "%u is below the IPv6 minimum MTU of 1280", s->mtu);
		return -EINVAL;
	}
	kw = 0;
	if (ctl_get_keyword(o, "mtu_policy", ctl_kw_mtu_policy, &kw, err) < 0)
		return -EINVAL;
	s->mtu_drop = kw;
	kw = 0;
	if (ctl_get_keyword(o, "hash", ctl_kw_hash, &kw, err) < 0)
		return -EINVAL;
	s->hash_addresses = kw;
	return 0;
}

static int ctl_parse_backend_add(struct json_object *o, struct ctl_request *req,
				 struct ctl_error *err)
{
	struct ctl_backend_add *b = &req->backend_add;
	int64_t v;
	int ret;

	if (ctl_get_name(o, "service", true, req->service, err) < 0 ||
	    ctl_get_name(o, "name", true, b->name, err) < 0 ||
	    ctl_get_addr(o, "address", &b->address, &b->family, err) < 0)
		return -EINVAL;
	ret = ctl_get_int(o, "port", false, 0, 65535, &v, err);
	if (ret < 0)
		return -EINVAL;
	b->has_port = ret > 0;
	b->port = ret > 0 ? (uint16_t)v : 0;
	b->weight = CTL_PROTO_WEIGHT_DEFAULT;
	ret = ctl_get_int(o, "weight", false, 0, MAGLEV_MAX_WEIGHT, &v, err);
	if (ret < 0)
		return -EINVAL;
	if (ret > 0)
		b->weight = (uint16_t)v;
	if (ctl_get_name(o, "site", false, b->site, err) < 0)
		return -EINVAL;
	return 0;
}

/* offset and limit of the commands that page (ctl_page_lists). */
static int ctl_parse_page(struct json_object *o, struct ctl_request *req, struct ctl_error *err)
{
	int64_t v;
	int ret;

	if (req->cmd >= CTL_CMD_MAX || !ctl_page_lists[req->cmd][0])
		return 0;
	ret = ctl_get_int(o, "offset", false, 0, UINT32_MAX, &v, err);
	if (ret < 0)
		return -EINVAL;
	req->offset = ret > 0 ? (uint32_t)v : 0;
	req->paged = ret > 0;
	ret = ctl_get_int(o, "limit", false, 1, EDGELB_CTL_PAGE_ITEMS_MAX, &v, err);
	if (ret < 0)
		return -EINVAL;
	req->limit = ret > 0 ? (uint32_t)v : 0;
	req->paged |= ret > 0;
	return 0;
}

static int ctl_parse_args(struct json_object *o, struct ctl_request *req, struct ctl_error *err)
{
	const char *s;
	int64_t v;
	int ret;

	if (ctl_parse_page(o, req, err))
		return -EINVAL;
	switch (req->cmd) {
	case CTL_CMD_VIP_ADD:
		return ctl_parse_vip_add(o, req, err);
	case CTL_CMD_BACKEND_ADD:
		return ctl_parse_backend_add(o, req, err);
	case CTL_CMD_VIP_DEL:
		return ctl_get_name(o, "service", true, req->service, err) < 0 ? -EINVAL : 0;
	case CTL_CMD_BACKEND_LIST:
	case CTL_CMD_HEALTH:
		return ctl_get_name(o, "service", false, req->service, err) < 0 ? -EINVAL : 0;
	case CTL_CMD_BACKEND_DEL:
	case CTL_CMD_BACKEND_DRAIN:
	case CTL_CMD_BACKEND_UNDRAIN:
	case CTL_CMD_BACKEND_WEIGHT:
		if (ctl_get_name(o, "service", true, req->service, err) < 0 ||
		    ctl_get_name(o, "backend", true, req->backend, err) < 0)
			return -EINVAL;
		if (req->cmd != CTL_CMD_BACKEND_WEIGHT)
			return 0;
		if (ctl_get_int(o, "weight", true, 0, MAGLEV_MAX_WEIGHT, &v, err) < 0)
			return -EINVAL;
		req->weight = (uint16_t)v;
		return 0;
	case CTL_CMD_CONFIG_CHECK:
		ret = ctl_get_string(o, "path", false, &s, err);
		if (ret <= 0)
			return ret;
		if (s[0] != '/') {
			ctl_proto_error(err, "path", "must be absolute: edgelbd does not share "
						     "the client's working directory");
			return -EINVAL;
		}
		if (strlen(s) >= sizeof(req->path)) {
			ctl_proto_error(err, "path", "longer than %zu bytes", sizeof(req->path) - 1);
			return -EINVAL;
		}
		snprintf(req->path, sizeof(req->path), "%s", s);
		return 0;
	case CTL_CMD_VRRP_STATUS:
	case CTL_CMD_VRRP_HANDOVER:
	case CTL_CMD_VRRP_RELEASE:
		return ctl_get_name(o, "instance", false, req->instance, err) < 0 ? -EINVAL : 0;
	case CTL_CMD_VRRP_MAINTENANCE:
		if (ctl_get_string(o, "mode", true, &s, err) < 0)
			return -EINVAL;
		if (strcmp(s, "on") && strcmp(s, "off")) {
			ctl_proto_error(err, "mode", "must be \"on\" or \"off\"");
			return -EINVAL;
		}
		req->on = !strcmp(s, "on");
		return 0;
	case CTL_CMD_FLOWS:
		req->max = EDGELB_CTL_FLOWS_DEFAULT;
		ret = ctl_get_int(o, "max", false, 1, EDGELB_CTL_FLOWS_MAX, &v, err);
		if (ret > 0)
			req->max = (uint32_t)v;
		return ret < 0 ? -EINVAL : 0;
	default:
		return 0;
	}
}

/* The field of a member: its name as far as it is printable (fits err->field). */
static void ctl_field_of(const char *key, char *field, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && key[i] > 0x20 && key[i] < 0x7f; i++)
		field[i] = key[i];
	field[i] = '\0';
}

/* Every member is "v", "cmd" or one the command takes. */
static int ctl_check_members(struct json_object *o, const struct ctl_cmd_def *def,
			     struct ctl_error *err)
{
	json_object_object_foreach(o, key, val) {
		bool known = !strcmp(key, "v") || !strcmp(key, "cmd");
		char q[CTL_PROTO_QUOTE_LEN], field[sizeof(err->field)];
		size_t i;

		(void)val;
		for (i = 0; !known && def->members[i]; i++)
			known = !strcmp(key, def->members[i]);
		if (known)
			continue;
		edgelb_quote(key, strlen(key), q, sizeof(q));
		ctl_field_of(key, field, sizeof(field));
		ctl_proto_error(err, NULL, "%s: %s takes no member %s",
				field[0] ? field : "request", def->name, q);
		snprintf(err->field, sizeof(err->field), "%s", field);
		return -EINVAL;
	}
	return 0;
}

static int ctl_parse_object(struct json_object *o, struct ctl_request *req,
			    struct ctl_error *err)
{
	char q[CTL_PROTO_QUOTE_LEN];
	struct json_object *jv;
	const char *cmd;
	int64_t v;

	if (!json_object_is_type(o, json_type_object)) {
		ctl_proto_error(err, NULL, "request: must be a JSON object, not %s",
				ctl_json_type(o));
		return -EINVAL;
	}
	/* required: a client that does not say its version cannot be told apart later */
	if (!json_object_object_get_ex(o, "v", &jv)) {
		ctl_proto_error(err, "v", "missing: a request gives the protocol version "
					  "(\"v\": %d)",
				EDGELB_CTL_VERSION);
		return -EINVAL;
	}
	if (!json_object_is_type(jv, json_type_int)) {
		ctl_proto_error(err, "v", "must be an integer (the protocol version, %d), not %s",
				EDGELB_CTL_VERSION, ctl_json_type(jv));
		return -EINVAL;
	}
	v = json_object_get_int64(jv);
	if (v != EDGELB_CTL_VERSION) {
		ctl_proto_error(err, "v", "protocol version %lld is not supported (this "
					  "edgelbd speaks %d)",
				(long long)v, EDGELB_CTL_VERSION);
		return -EINVAL;
	}
	if (ctl_get_string(o, "cmd", true, &cmd, err) < 0)
		return -EINVAL;
	for (req->cmd = 0; req->cmd < CTL_CMD_MAX; req->cmd++)
		if (!strcmp(ctl_cmds[req->cmd].name, cmd))
			break;
	if (req->cmd == CTL_CMD_MAX) {
		ctl_proto_error(err, "cmd", "unknown command %s; see lbctl --help",
				edgelb_quote(cmd, strlen(cmd), q, sizeof(q)));
		return -EINVAL;
	}
	if (ctl_check_members(o, &ctl_cmds[req->cmd], err))
		return -EINVAL;
	return ctl_parse_args(o, req, err);
}

/*
 * json-c keeps the last of two members with the same name: a request
 * {"cmd": "status", "cmd": "backend.del", ...} would run what a reader
 * of the first line does not expect. buf[0..len-1] is valid JSON text
 * (json-c parsed it into o, an object): count the members of the
 * top-level object in the text; when the text has more than o, name the
 * first one seen twice. 0 or -EINVAL (err filled), -ENOMEM.
 */
static int ctl_check_duplicates(const char *buf, size_t len, struct json_object *o,
				struct ctl_error *err)
{
	struct json_tokener *tok = NULL;
	struct json_object *seen = NULL;
	size_t keys = 0;
	int depth = 0, ret = 0;

	for (int pass = 0; pass < 2 && !ret; pass++) {
		if (pass == 1) {
			if (keys == (size_t)json_object_object_length(o))
				break;
			tok = json_tokener_new();
			seen = json_object_new_object();
			if (!tok || !seen) {
				ret = -ENOMEM;
				break;
			}
		}
		depth = 0;
		for (size_t i = 0; i < len && !ret; i++) {
			size_t start = i, after;
			struct json_object *k;
			char field[sizeof(err->field)], q[CTL_PROTO_QUOTE_LEN];
			const char *name;

			if (buf[i] == '{' || buf[i] == '[') {
				depth++;
				continue;
			}
			if (buf[i] == '}' || buf[i] == ']') {
				depth--;
				continue;
			}
			if (buf[i] != '"')
				continue;
			for (i++; i < len && buf[i] != '"'; i++)
				if (buf[i] == '\\')
					i++;
			for (after = i + 1; after < len && strchr(" \t\r\n", buf[after]); after++)
				;
			if (depth != 1 || after >= len || buf[after] != ':')
				continue;
			if (pass == 0) {
				keys++;
				continue;
			}
			/* the name as json-c decodes it (escapes, and cut at a NUL) */
			json_tokener_reset(tok);
			k = json_tokener_parse_ex(tok, buf + start, (int)(i + 1 - start));
			if (!k) {
				ret = -ENOMEM;
				break;
			}
			name = json_object_get_string(k);
			if (!json_object_object_get_ex(seen, name, NULL)) {
				if (json_object_object_add(seen, name, NULL))
					ret = -ENOMEM;
				json_object_put(k);
				continue;
			}
			ctl_field_of(name, field, sizeof(field));
			ctl_proto_error(err, NULL, "%s: %s appears twice; a request names each "
						   "member once",
					field[0] ? field : "request",
					edgelb_quote(name, strlen(name), q, sizeof(q)));
			snprintf(err->field, sizeof(err->field), "%s", field);
			json_object_put(k);
			ret = -EINVAL;
		}
	}
	if (tok) /* json-c's free does not take NULL */
		json_tokener_free(tok);
	json_object_put(seen);
	return ret;
}

int ctl_proto_parse(const char *buf, size_t len, struct ctl_request *req, struct ctl_error *err)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;
	int ret;

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	if (len > EDGELB_CTL_REQUEST_MAX) {
		ctl_proto_error(err, NULL, "request: %zu bytes, more than the %d a request may hold",
				len, EDGELB_CTL_REQUEST_MAX);
		return -EMSGSIZE;
	}
	if (memchr(buf, '\0', len)) {
		ctl_proto_error(err, NULL, "request: contains a NUL byte");
		return -EINVAL;
	}
	tok = json_tokener_new_ex(CTL_PROTO_DEPTH_MAX);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			ctl_proto_error(err, NULL, "request: not valid JSON: it ends too early");
		else
			ctl_proto_error(err, NULL, "request: not valid JSON at byte %zu: %s", end,
					json_tokener_error_desc(jerr));
		json_object_put(o);
		return -EINVAL;
	}
	for (; end < len; end++)
		if (!strchr(" \t\r\n", buf[end])) {
			ctl_proto_error(err, NULL,
					"request: data after the JSON object (one request per "
					"message)");
			json_object_put(o);
			return -EINVAL;
		}
	ret = json_object_is_type(o, json_type_object) ? ctl_check_duplicates(buf, len, o, err) : 0;
	if (!ret)
		ret = ctl_parse_object(o, req, err);
	json_object_put(o);
	if (ret)
		memset(req, 0, sizeof(*req));
	return ret;
}

/* ---- replies --------------------------------------------------------------- */

static struct json_object *ctl_reply_base(bool ok)
{
	struct json_object *r = json_object_new_object();

	if (!r)
		return NULL;
	if (json_object_object_add(r, "v", json_object_new_int(EDGELB_CTL_VERSION)) ||
	    json_object_object_add(r, "ok", json_object_new_boolean(ok))) {
		json_object_put(r);
		return NULL;
	}
	return r;
}

struct json_object *ctl_proto_reply_ok(void)
{
	return ctl_reply_base(true);
}

struct json_object *ctl_proto_reply_error(const struct ctl_error *err)
{
	struct json_object *r = ctl_reply_base(false);

	if (!r)
		return NULL;
	if (json_object_object_add(r, "error", json_object_new_string(err->message)) ||
	    (err->field[0] &&
	     json_object_object_add(r, "field", json_object_new_string(err->field)))) {
		json_object_put(r);
		return NULL;
	}
	return r;
}

static int ctl_text(struct json_object *reply, char **text, size_t *len)
{
	size_t n;
	const char *s = json_object_to_json_string_length(
		reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

	if (!s)
		return -ENOMEM;
	*text = malloc(n + 1);
	if (!*text)
		return -ENOMEM;
	memcpy(*text, s, n + 1);
	*len = n;
	return 0;
}

int ctl_proto_serialize(struct json_object *reply, char **text, size_t *len)
{
	struct json_object *r;
	struct ctl_error err;
	int ret = ctl_text(reply, text, len);

	if (ret || *len <= EDGELB_CTL_REPLY_MAX)
		return ret;
	ctl_proto_error(&err, NULL,
			"reply: %zu bytes, more than the %d a reply may hold; ask for less "
			"(one page: offset, limit)",
			*len, EDGELB_CTL_REPLY_MAX);
	free(*text);
	*text = NULL;
	r = ctl_proto_reply_error(&err);
	if (!r)
		return -ENOMEM;
	ret = ctl_text(r, text, len);
	json_object_put(r);
	return ret;
}

/* ---- paging ---------------------------------------------------------------- */

bool ctl_proto_pages(enum ctl_cmd cmd)
{
	return cmd < CTL_CMD_MAX && ctl_page_lists[cmd][0];
}

int ctl_proto_page(struct json_object *reply, const struct ctl_request *req, size_t budget)
{
	const char *const *lists;
	struct json_object *ok, *a;
	uint64_t total = 0, index = 0, end, limit;
	size_t used = 0;
	bool full = false;

	if (!req->paged || !ctl_proto_pages(req->cmd) || !reply ||
	    !json_object_object_get_ex(reply, "ok", &ok) || !json_object_get_boolean(ok))
		return 0;
	lists = ctl_page_lists[req->cmd];
	limit = req->limit ? req->limit : UINT64_MAX;
	for (size_t l = 0; lists[l]; l++)
		if (json_object_object_get_ex(reply, lists[l], &a) &&
		    json_object_is_type(a, json_type_array))
			total += json_object_array_length(a);
	end = req->offset;
	for (size_t l = 0; lists[l]; l++) {
		size_t n, first = 0, keep = 0;

		if (!json_object_object_get_ex(reply, lists[l], &a) ||
		    !json_object_is_type(a, json_type_array))
			continue;
		n = json_object_array_length(a);
		/* this list holds items index .. index + n - 1 of the whole */
		if (req->offset > index)
			first = req->offset - index < n ? (size_t)(req->offset - index) : n;
		for (size_t i = first; i < n && !full; i++) {
			size_t len = 0;

			if (end - req->offset >= limit) {
				full = true;
				break;
			}
			if (!json_object_to_json_string_length(json_object_array_get_idx(a, i),
							       JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE,
							       &len))
				return -ENOMEM;
			/* at least one item a page, so that paging always moves on */
			if (end > req->offset && used + len + 1 > budget) {
				full = true;
				break;
			}
			used += len + 1;
			keep++;
			end++;
		}
		if (first + keep < n && json_object_array_del_idx(a, first + keep, n - first - keep))
			return -ENOMEM;
		if (first && json_object_array_del_idx(a, 0, first))
			return -ENOMEM;
		index += n;
	}
	if (json_object_object_add(reply, "total", json_object_new_uint64(total)))
		return -ENOMEM;
	if (end < total) {
		struct json_object *next = json_object_new_uint64(end);

		if (!next || json_object_object_add(reply, "next", next)) {
			json_object_put(next);
			return -ENOMEM;
		}
	} else if (json_object_object_add(reply, "next", NULL)) {
		return -ENOMEM;
	}
	return 0;
}
