// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control protocol's parser and reply builder (controlplane/ctl_proto.c):
 * what a request must look like, the exact message and field of every kind
 * of rejection, the defaults of optional members, and the reply text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "abi.h" /* the numbers a request's family and encap hold */
#include "ctl_proto.h"
#include "ctl_wire.h"

static int parse(const char *text, struct ctl_request *req, struct ctl_error *err)
{
	return ctl_proto_parse(text, strlen(text), req, err);
}

/* ---- table: every rejection names its field and says why ---- */

struct reject_case {
	const char *input;
	int ret;
	const char *field;   /* "" = none */
	const char *message; /* exact */
};

static const struct reject_case rejects[] = {
	/* not a request at all */
	{ "", -EINVAL, "", "request: not valid JSON: it ends too early" },
	{ "{", -EINVAL, "", "request: not valid JSON: it ends too early" },
	{ "{\"v\": 1, \"cmd\": \"status\"", -EINVAL, "", "request: not valid JSON: it ends too early" },
	{ "[1, 2]", -EINVAL, "", "request: must be a JSON object, not an array" },
	{ "\"status\"", -EINVAL, "", "request: must be a JSON object, not a string" },
	/* two requests in one message (json-c's strict mode stops at the second) */
	{ "{\"v\": 1, \"cmd\": \"status\"} {\"v\": 1, \"cmd\": \"status\"}", -EINVAL, "",
	  "request: not valid JSON at byte 26: unexpected character" },
	{ "{'cmd': 'status'}", -EINVAL, "", NULL },
	{ "{\"v\": 1, \"cmd\": \"status\",}", -EINVAL, "", NULL },
	/* invalid UTF-8 in a string */
	{ "{\"v\": 1, \"cmd\": \"st\xff\xfe\"}", -EINVAL, "", NULL },
	/* deeper than any request needs */
	{ "{\"v\": 1, \"cmd\": \"status\", \"x\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", -EINVAL, "",
	  NULL },
	/* version and command */
	{ "{\"v\": 2, \"cmd\": \"status\"}", -EINVAL, "v",
	  "v: protocol version 2 is not supported (this edgelbd speaks 1)" },
	{ "{\"v\": \"1\", \"cmd\": \"status\"}", -EINVAL, "v",
	  "v: must be an integer (the protocol version, 1), not a string" },
	{ "{\"v\": 1, \"cmd\": \"status\", \"\\u0001\": 1}", -EINVAL, "",
	  "request: status takes no member \"\\x01\"" },
	{ "{}", -EINVAL, "v", "v: missing: a request gives the protocol version (\"v\": 1)" },
	{ "{\"cmd\": \"status\"}", -EINVAL, "v",
	  "v: missing: a request gives the protocol version (\"v\": 1)" },
	{ "{\"v\": 1}", -EINVAL, "cmd", "cmd: missing" },
	/* a member given twice: json-c would keep the last one silently */
	{ "{\"v\": 1, \"cmd\": \"status\", \"cmd\": \"backend.del\", \"service\": \"a\", "
	  "\"backend\": \"b\"}",
	  -EINVAL, "cmd", "cmd: \"cmd\" appears twice; a request names each member once" },
	{ "{\"v\": 1, \"cmd\": \"backend.del\", \"service\": \"a\", \"backend\": \"b\", "
	  "\"cmd\": \"status\"}",
	  -EINVAL, "cmd", "cmd: \"cmd\" appears twice; a request names each member once" },
	{ "{\"v\": 1, \"v\": 1, \"cmd\": \"status\"}", -EINVAL, "v",
	  "v: \"v\" appears twice; a request names each member once" },
	{ "{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": \"a\", \"backend\": \"b\", "
	  "\"service\" : \"c\"}",
	  -EINVAL, "service", "service: \"service\" appears twice; a request names each member once" },
	/* the same name written with an escape is the same member */
	{ "{\"v\": 1, \"cmd\": \"status\", \"c\\u006dd\": \"vip.list\"}", -EINVAL, "cmd",
	  "cmd: \"cmd\" appears twice; a request names each member once" },
	{ "{\"v\": 1, \"cmd\": \"status\", \"a b\": 1, \"a b\": 2}", -EINVAL, "a",
	  "a: \"a b\" appears twice; a request names each member once" },
	/* offset and limit: listings only, in range */
	{ "{\"v\": 1, \"cmd\": \"status\", \"offset\": 0}", -EINVAL, "offset",
	  "offset: status takes no member \"offset\"" },
	{ "{\"v\": 1, \"cmd\": \"health\", \"limit\": 0}", -EINVAL, "limit",
	  "limit: must be 1..100000" },
	{ "{\"v\": 1, \"cmd\": \"stats\", \"offset\": -1}", -EINVAL, "offset",
	  "offset: must be 0..4294967295" },
	{ "{\"v\": 1, \"cmd\": \"backend.list\", \"offset\": \"10\"}", -EINVAL, "offset",
	  "offset: must be an integer in 0..4294967295, not a string" },
	{ "{\"v\": 1, \"cmd\": 7}", -EINVAL, "cmd", "cmd: must be a string, not an integer" },
	{ "{\"v\": 1, \"cmd\": \"foo\"}", -EINVAL, "cmd", "cmd: unknown command \"foo\"; see lbctl --help" },
	{ "{\"v\": 1, \"cmd\": \"fo\\\"o\\n\"}", -EINVAL, "cmd",
	  "cmd: unknown command \"fo\\\"o\\x0a\"; see lbctl --help" },
	{ "{\"v\": 1, \"cmd\": \"status\", \"service\": \"web\"}", -EINVAL, "service",
	  "service: status takes no member \"service\"" },
	{ "{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": \"web\", \"backnd\": \"web1\"}", -EINVAL,
	  "backnd", "backnd: backend.drain takes no member \"backnd\"" },
	/* members: presence, type, range, syntax */
	{ "{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": \"web\"}", -EINVAL, "backend",
	  "backend: missing" },
	{ "{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": 5, \"backend\": \"web1\"}", -EINVAL,
	  "service", "service: must be a string, not an integer" },
	{ "{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": null, \"backend\": \"web1\"}", -EINVAL,
	  "service", "service: must be a string, not null" },
	{ "{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": \"we b\", \"backend\": \"web1\"}", -EINVAL,
	  "service", "service: \"we b\" is not a valid name: use 1..63 of A-Z a-z 0-9 _ . -" },
	{ "{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": \"\", \"backend\": \"web1\"}", -EINVAL,
	  "service", "service: \"\" is not a valid name: use 1..63 of A-Z a-z 0-9 _ . -" },
	{ "{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": \"w\\u0000b\", \"backend\": \"web1\"}",
	  -EINVAL, "service", "service: contains a NUL character" },
	{ "{\"v\": 1, \"cmd\": \"backend.weight\", \"service\": \"web\", \"backend\": \"web1\"}", -EINVAL,
	  "weight", "weight: missing" },
	{ "{\"v\": 1, \"cmd\": \"backend.weight\", \"service\": \"web\", \"backend\": \"web1\", "
	  "\"weight\": 65536}",
	  -EINVAL, "weight", "weight: must be 0..65535" },
	{ "{\"v\": 1, \"cmd\": \"backend.weight\", \"service\": \"web\", \"backend\": \"web1\", "
	  "\"weight\": -1}",
	  -EINVAL, "weight", "weight: must be 0..65535" },
	{ "{\"v\": 1, \"cmd\": \"backend.weight\", \"service\": \"web\", \"backend\": \"web1\", "
	  "\"weight\": 99999999999999999999999}",
	  -EINVAL, "weight", NULL },
	{ "{\"v\": 1, \"cmd\": \"backend.weight\", \"service\": \"web\", \"backend\": \"web1\", "
	  "\"weight\": \"10\"}",
	  -EINVAL, "weight", "weight: must be an integer in 0..65535, not a string" },
	{ "{\"v\": 1, \"cmd\": \"backend.weight\", \"service\": \"web\", \"backend\": \"web1\", "
	  "\"weight\": 1.5}",
	  -EINVAL, "weight", "weight: must be an integer in 0..65535, not a fractional number" },
	{ "{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\", "
	  "\"address\": \"10.0.0.300\"}",
	  -EINVAL, "address", "address: \"10.0.0.300\" is not an IPv4 or IPv6 address" },
	{ "{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\", "
	  "\"address\": \"127.0.0.1\"}",
	  -EINVAL, "address", "address: \"127.0.0.1\" is a loopback address" },
	{ "{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\", "
	  "\"address\": \"10.0.0.0/8\"}",
	  -EINVAL, "address",
	  "address: \"10.0.0.0/8\" has a prefix length; write the address alone" },
	{ "{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\", "
	  "\"address\": \"::ffff:10.0.0.1\"}",
	  -EINVAL, "address",
	  "address: \"::ffff:10.0.0.1\" is an IPv4-mapped IPv6 address; write the IPv4 address" },
	{ "{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\"}", -EINVAL,
	  "address", "address: missing" },
	{ "{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\", "
	  "\"address\": \"10.0.0.4\", \"port\": 65536}",
	  -EINVAL, "port", "port: must be 0..65535" },
	{ "{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\", "
	  "\"address\": \"10.0.0.4\", \"site\": \"a/b\"}",
	  -EINVAL, "site", "site: \"a/b\" is not a valid name: use 1..63 of A-Z a-z 0-9 _ . -" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"192.0.2.10\"}", -EINVAL, "port",
	  "port: missing" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"224.0.0.1\", \"port\": 80}",
	  -EINVAL, "vip", "vip: \"224.0.0.1\" is a multicast address" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"192.0.2.10\", \"port\": 80, "
	  "\"protocol\": \"sctp\"}",
	  -EINVAL, "protocol", "protocol: \"sctp\" is not one of tcp, udp" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"192.0.2.10\", \"port\": 80, "
	  "\"encap\": \"vxlan\"}",
	  -EINVAL, "encap", "encap: \"vxlan\" is not one of ipip, gue, dsr" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"192.0.2.10\", \"port\": 80, "
	  "\"gue_port\": 6080}",
	  -EINVAL, "gue_port", "gue_port: only valid with encap \"gue\" (encap is \"ipip\")" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"192.0.2.10\", \"port\": 80, "
	  "\"ring_size\": 100}",
	  -EINVAL, "ring_size",
	  "ring_size: 100 is not a prime in 7..1048573 (e.g. 65537 or 655373)" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"2001:db8::10\", \"port\": 80, "
	  "\"mtu\": 1000}",
	  -EINVAL, "mtu", "mtu: 1000 is below the IPv6 minimum MTU of 1280" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"192.0.2.10\", \"port\": 80, "
	  "\"mtu\": 100}",
	  -EINVAL, "mtu", "mtu: must be 576..9216" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"192.0.2.10\", \"port\": 80, "
	  "\"mtu_policy\": \"fragment\"}",
	  -EINVAL, "mtu_policy", "mtu_policy: \"fragment\" is not one of icmp, drop" },
	{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web\", \"vip\": \"192.0.2.10\", \"port\": 80, "
	  "\"hash\": \"4tuple\"}",
	  -EINVAL, "hash", "hash: \"4tuple\" is not one of 5tuple, addresses" },
	{ "{\"v\": 1, \"cmd\": \"config.check\", \"path\": \"edgelb.conf\"}", -EINVAL, "path",
	  "path: must be absolute: edgelbd does not share the client's working directory" },
	{ "{\"v\": 1, \"cmd\": \"flows\", \"max\": 0}", -EINVAL, "max", "max: must be 1..10000" },
	{ "{\"v\": 1, \"cmd\": \"flows\", \"max\": 10001}", -EINVAL, "max", "max: must be 1..10000" },
};

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		const struct reject_case *c = &rejects[i];
		struct ctl_request req;
		struct ctl_error err;
		int ret = parse(c->input, &req, &err);

		if (ret != c->ret || strcmp(err.field, c->field) ||
		    (c->message && strcmp(err.message, c->message)) || !err.message[0]) {
			print_error("case %zu: %s\n  got %d field \"%s\" message \"%s\"\n"
				    "  want %d field \"%s\" message \"%s\"\n",
				    i, c->input, ret, err.field, err.message, c->ret, c->field,
				    c->message ? c->message : "(any)");
			fail();
		}
		/* a refused request leaves nothing behind */
		assert_int_equal(req.cmd, 0);
		assert_string_equal(req.service, "");
	}
}

/* ---- accepted requests ---- */

static void test_drain(void **state)
{
	struct ctl_request req;
	struct ctl_error err;

	(void)state;
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"backend.drain\", \"service\": \"web\", "
			       "\"backend\": \"web1\"}",
			       &req, &err),
			 0);
	assert_int_equal(req.cmd, CTL_CMD_BACKEND_DRAIN);
	assert_string_equal(req.service, "web");
	assert_string_equal(req.backend, "web1");
	assert_true(ctl_proto_needs_admin(&req));
	assert_string_equal(ctl_proto_cmd_name(req.cmd), "backend.drain");

	/* white space around the object is fine */
	assert_int_equal(parse("\n {\"v\": 1, \"cmd\": \"status\"} \r\n", &req, &err), 0);
	assert_int_equal(req.cmd, CTL_CMD_STATUS);
	assert_false(ctl_proto_needs_admin(&req));
}

static void test_every_command(void **state)
{
	static const struct {
		const char *json;
		enum ctl_cmd cmd;
		bool admin;
	} cases[] = {
		{ "{\"v\": 1, \"cmd\": \"status\"}", CTL_CMD_STATUS, false },
		{ "{\"v\": 1, \"cmd\": \"vip.list\"}", CTL_CMD_VIP_LIST, false },
		{ "{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"a\", \"vip\": \"192.0.2.1\", \"port\": 0}",
		  CTL_CMD_VIP_ADD, true },
		{ "{\"v\": 1, \"cmd\": \"vip.del\", \"service\": \"a\"}", CTL_CMD_VIP_DEL, true },
		{ "{\"v\": 1, \"cmd\": \"backend.list\"}", CTL_CMD_BACKEND_LIST, false },
		{ "{\"v\": 1, \"cmd\": \"backend.list\", \"service\": \"a\"}", CTL_CMD_BACKEND_LIST, false },
		{ "{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"a\", \"name\": \"b\", "
		  "\"address\": \"2001:db8::1\"}",
		  CTL_CMD_BACKEND_ADD, true },
		{ "{\"v\": 1, \"cmd\": \"backend.del\", \"service\": \"a\", \"backend\": \"b\"}",
		  CTL_CMD_BACKEND_DEL, true },
		{ "{\"v\": 1, \"cmd\": \"backend.undrain\", \"service\": \"a\", \"backend\": \"b\"}",
		  CTL_CMD_BACKEND_UNDRAIN, true },
		{ "{\"v\": 1, \"cmd\": \"backend.weight\", \"service\": \"a\", \"backend\": \"b\", "
		  "\"weight\": 0}",
		  CTL_CMD_BACKEND_WEIGHT, true },
		{ "{\"v\": 1, \"cmd\": \"stats\"}", CTL_CMD_STATS, false },
		{ "{\"v\": 1, \"cmd\": \"config.check\"}", CTL_CMD_CONFIG_CHECK, false },
		/* a path of the client's choice is read as root: admins only */
		{ "{\"v\": 1, \"cmd\": \"config.check\", \"path\": \"/etc/edgelb/new.conf\"}",
		  CTL_CMD_CONFIG_CHECK, true },
		{ "{\"v\": 1, \"cmd\": \"config.reload\"}", CTL_CMD_CONFIG_RELOAD, true },
		{ "{\"v\": 1, \"cmd\": \"flows\"}", CTL_CMD_FLOWS, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_request req;
		struct ctl_error err;
		int ret = parse(cases[i].json, &req, &err);

		if (ret)
			print_error("%s: %s\n", cases[i].json, err.message);
		assert_int_equal(ret, 0);
		assert_int_equal(req.cmd, cases[i].cmd);
		assert_int_equal(ctl_proto_needs_admin(&req), cases[i].admin);
	}
}

static void test_vip_add_defaults(void **state)
{
	struct ctl_request req;
	struct ctl_error err;
	uint8_t want[4] = { 192, 0, 2, 10 }, zero[12] = { 0 };
	uint8_t want6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };

	(void)state;
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"web-https\", "
			       "\"vip\": \"192.0.2.10\", \"port\": 443}",
			       &req, &err),
			 0);
	assert_string_equal(req.vip_add.name, "web-https");
	assert_int_equal(req.vip_add.family, EDGELB_AF_INET);
	assert_memory_equal(req.vip_add.vip.bytes, want, 4);
	assert_memory_equal(req.vip_add.vip.bytes + 4, zero, 12); /* keys compare bytes */
	assert_int_equal(req.vip_add.port, 443); /* host order; ctl_cmds.c makes the key */
	assert_int_equal(req.vip_add.proto, IPPROTO_TCP);
	assert_int_equal(req.vip_add.encap, EDGELB_ENCAP_IPIP);
	assert_int_equal(req.vip_add.gue_port, 0);
	assert_int_equal(req.vip_add.ring_size, EDGELB_RING_SIZE_DEFAULT);
	assert_int_equal(req.vip_add.mtu, 1500);
	assert_false(req.vip_add.mtu_drop);
	assert_false(req.vip_add.hash_addresses);

	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"dns\", \"vip\": \"2001:db8::53\", "
			       "\"port\": 53, \"protocol\": \"udp\", \"encap\": \"gue\", "
			       "\"ring_size\": 655373, \"mtu\": 9000, \"mtu_policy\": \"drop\", "
			       "\"hash\": \"addresses\"}",
			       &req, &err),
			 0);
	assert_int_equal(req.vip_add.family, EDGELB_AF_INET6);
	assert_memory_equal(req.vip_add.vip.bytes, want6, 16);
	assert_int_equal(req.vip_add.port, 53);
	assert_int_equal(req.vip_add.proto, IPPROTO_UDP);
	assert_int_equal(req.vip_add.encap, EDGELB_ENCAP_GUE);
	assert_int_equal(req.vip_add.gue_port, 6080); /* the GUE default */
	assert_int_equal(req.vip_add.ring_size, 655373);
	assert_int_equal(req.vip_add.mtu, 9000);
	assert_true(req.vip_add.mtu_drop);
	assert_true(req.vip_add.hash_addresses);

	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"vip.add\", \"name\": \"g\", \"vip\": \"192.0.2.1\", "
			       "\"port\": 80, \"encap\": \"gue\", \"gue_port\": 5555}",
			       &req, &err),
			 0);
	assert_int_equal(req.vip_add.gue_port, 5555);
}

static void test_backend_add(void **state)
{
	struct ctl_request req;
	struct ctl_error err;
	uint8_t want[4] = { 10, 1, 0, 14 };

	(void)state;
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\", "
			       "\"address\": \"10.1.0.14\"}",
			       &req, &err),
			 0);
	assert_string_equal(req.service, "web");
	assert_string_equal(req.backend_add.name, "web4");
	assert_int_equal(req.backend_add.family, EDGELB_AF_INET);
	assert_memory_equal(req.backend_add.address.bytes, want, 4);
	assert_false(req.backend_add.has_port); /* the daemon uses the service's port */
	assert_int_equal(req.backend_add.port, 0);
	assert_int_equal(req.backend_add.weight, 100);
	assert_string_equal(req.backend_add.site, "");

	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"backend.add\", \"service\": \"web\", \"name\": \"web4\", "
			       "\"address\": \"10.1.0.14\", \"port\": 8080, \"weight\": 0, "
			       "\"site\": \"dc2\"}",
			       &req, &err),
			 0);
	assert_true(req.backend_add.has_port);
	assert_int_equal(req.backend_add.port, 8080); /* host order, as lb.h keeps it */
	assert_int_equal(req.backend_add.weight, 0);
	assert_string_equal(req.backend_add.site, "dc2");
}

static void test_other_members(void **state)
{
	struct ctl_request req;
	struct ctl_error err;

	(void)state;
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"flows\"}", &req, &err), 0);
	assert_int_equal(req.max, EDGELB_CTL_FLOWS_DEFAULT);
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"flows\", \"max\": 10000}", &req, &err), 0);
	assert_int_equal(req.max, 10000);
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"config.check\", \"path\": \"/tmp/x.conf\"}", &req, &err),
			 0);
	assert_string_equal(req.path, "/tmp/x.conf");
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"backend.weight\", \"service\": \"a\", \"backend\": "
			       "\"b\", \"weight\": 65535}",
			       &req, &err),
			 0);
	assert_int_equal(req.weight, 65535);
	/* names: 63 characters fit, 64 do not */
	char json[256];
	char name[65];

	memset(name, 'n', 63);
	name[63] = '\0';
	snprintf(json, sizeof(json), "{\"v\": 1, \"cmd\": \"vip.del\", \"service\": \"%s\"}", name);
	assert_int_equal(parse(json, &req, &err), 0);
	assert_string_equal(req.service, name);
	strcat(name, "n");
	snprintf(json, sizeof(json), "{\"v\": 1, \"cmd\": \"vip.del\", \"service\": \"%s\"}", name);
	assert_int_equal(parse(json, &req, &err), -EINVAL);
	assert_string_equal(err.field, "service");
}

/* ---- sizes and bytes ---- */

static void test_sizes(void **state)
{
	const char *head = "{\"v\": 1, \"cmd\": \"status\"}";
	size_t max = EDGELB_CTL_REQUEST_MAX;
	char *buf = malloc(max + 1);
	struct ctl_request req;
	struct ctl_error err;

	(void)state;
	assert_non_null(buf);
	/* exactly the limit: accepted */
	memset(buf, ' ', max + 1);
	memcpy(buf, head, strlen(head));
	assert_int_equal(ctl_proto_parse(buf, max, &req, &err), 0);
	/* one byte more: refused before parsing, with the limit in the message */
	assert_int_equal(ctl_proto_parse(buf, max + 1, &req, &err), -EMSGSIZE);
	assert_string_equal(err.field, "");
	assert_string_equal(err.message,
			    "request: 65537 bytes, more than the 65536 a request may hold");
	/* a NUL byte is not JSON text */
	assert_int_equal(ctl_proto_parse("{\"v\": 1, \"cmd\":\"status\"}\0", 25, &req, &err), -EINVAL);
	assert_string_equal(err.message, "request: contains a NUL byte");
	/* the length is what counts, not a terminator */
	assert_int_equal(ctl_proto_parse("{\"v\": 1, \"cmd\":\"status\"}garbage", 24, &req, &err), 0);
	free(buf);
}

/* ---- errors from lb.c ---- */

static void test_error_from_lb(void **state)
{
	struct ctl_error e;

	(void)state;
	ctl_proto_error_from_lb(&e, "backend: no backend \"web9\" in service \"web\"");
	assert_string_equal(e.field, "backend");
	assert_string_equal(e.message, "backend: no backend \"web9\" in service \"web\"");
	ctl_proto_error_from_lb(&e, "ring_size: must be a prime between 7 and 1048573");
	assert_string_equal(e.field, "ring_size");
	ctl_proto_error_from_lb(&e, "out of luck");
	assert_string_equal(e.field, "");
	ctl_proto_error_from_lb(&e, "data plane failed: EIO");
	assert_string_equal(e.field, "");
	ctl_proto_error_from_lb(&e, ": odd");
	assert_string_equal(e.field, "");
}

/* ---- replies ---- */

static void test_replies(void **state)
{
	struct ctl_error e;
	struct json_object *r;
	char *text;
	size_t len;

	(void)state;
	ctl_proto_error(&e, "backend", "no backend \"%s\" in service \"%s\"", "web9", "web");
	r = ctl_proto_reply_error(&e);
	assert_non_null(r);
	assert_int_equal(ctl_proto_serialize(r, &text, &len), 0);
	assert_string_equal(text, "{\"v\":1,\"ok\":false,\"error\":\"backend: no backend "
				  "\\\"web9\\\" in service \\\"web\\\"\",\"field\":\"backend\"}");
	assert_int_equal(len, strlen(text));
	free(text);
	json_object_put(r);

	/* no field: no "field" member */
	ctl_proto_error(&e, NULL, "reply: too big");
	r = ctl_proto_reply_error(&e);
	assert_int_equal(ctl_proto_serialize(r, &text, &len), 0);
	assert_string_equal(text, "{\"v\":1,\"ok\":false,\"error\":\"reply: too big\"}");
	free(text);
	json_object_put(r);

	r = ctl_proto_reply_ok();
	json_object_object_add(r, "path", json_object_new_string("/etc/edgelb/edgelb.conf"));
	assert_int_equal(ctl_proto_serialize(r, &text, &len), 0);
	/* no "\/": paths stay readable */
	assert_string_equal(text, "{\"v\":1,\"ok\":true,\"path\":\"/etc/edgelb/edgelb.conf\"}");
	free(text);
	json_object_put(r);
}

static void test_reply_too_big(void **state)
{
	size_t big = EDGELB_CTL_REPLY_MAX + 10;
	char *s = malloc(big + 1);
	struct json_object *r = ctl_proto_reply_ok();
	char *text;
	size_t len;

	(void)state;
	assert_non_null(s);
	memset(s, 'x', big);
	s[big] = '\0';
	json_object_object_add(r, "blob", json_object_new_string(s));
	free(s);
	assert_int_equal(ctl_proto_serialize(r, &text, &len), 0);
	json_object_put(r);
	assert_true(len < 1000);
	assert_non_null(strstr(text, "\"ok\":false"));
	assert_non_null(strstr(text, "more than the 4194304 a reply may hold"));
	free(text);
}

static void test_addr_and_names(void **state)
{
	union edgelb_addr a;
	uint8_t family;
	char buf[64];

	(void)state;
	assert_null(ctl_proto_addr_parse("2001:db8::1", &a, &family));
	assert_int_equal(family, EDGELB_AF_INET6);
	assert_string_equal(ctl_proto_addr_str(family, &a, buf, sizeof(buf)), "2001:db8::1");
	assert_null(ctl_proto_addr_parse("10.1.2.3", &a, &family));
	assert_int_equal(family, EDGELB_AF_INET);
	assert_int_equal(a.v6[1] | a.v6[2] | a.v6[3], 0); /* rest zero: keys compare bytes */
	assert_string_equal(ctl_proto_addr_str(family, &a, buf, sizeof(buf)), "10.1.2.3");
	assert_string_equal(ctl_proto_addr_parse("0.0.0.0", &a, &family),
			    "is the unspecified address");
	assert_string_equal(ctl_proto_addr_parse("::1", &a, &family), "is a loopback address");
	assert_string_equal(ctl_proto_addr_parse("255.255.255.255", &a, &family),
			    "is the broadcast address");
	assert_string_equal(ctl_proto_addr_parse("ff02::1", &a, &family),
			    "is a multicast address");
	assert_string_equal(ctl_proto_addr_str(EDGELB_AF_NONE, &a, buf, sizeof(buf)), "-");
	assert_true(ctl_proto_name_ok("web-1.a_b"));
	assert_false(ctl_proto_name_ok(""));
	assert_false(ctl_proto_name_ok("a b"));
	assert_false(ctl_proto_name_ok("a/b"));
	assert_string_equal(ctl_proto_proto_name(IPPROTO_UDP), "udp");
	assert_string_equal(ctl_proto_encap_name(EDGELB_ENCAP_DSR), "dsr");
	assert_string_equal(ctl_proto_cmd_name(CTL_CMD_MAX), "?");
}


/* ---- paging ---- */

static void test_page_members(void **state)
{
	struct ctl_request req;
	struct ctl_error err;

	(void)state;
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"health\"}", &req, &err), 0);
	assert_false(req.paged);
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"health\", \"service\": \"web\", "
			       "\"offset\": 4096}",
			       &req, &err),
			 0);
	assert_true(req.paged);
	assert_int_equal(req.offset, 4096);
	assert_int_equal(req.limit, 0);
	assert_string_equal(req.service, "web");
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"flows\", \"max\": 10000, \"limit\": 500}",
			       &req, &err),
			 0);
	assert_true(req.paged);
	assert_int_equal(req.offset, 0);
	assert_int_equal(req.limit, 500);
	assert_int_equal(req.max, 10000);
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"vip.list\", \"offset\": 4294967295}",
			       &req, &err),
			 0);
	assert_int_equal(req.offset, 4294967295u);
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"backend.list\", \"limit\": 100000}", &req,
			       &err),
			 0);
	assert_int_equal(parse("{\"v\": 1, \"cmd\": \"stats\", \"offset\": 1, \"limit\": 1}",
			       &req, &err),
			 0);
	assert_true(ctl_proto_pages(CTL_CMD_STATS));
	assert_false(ctl_proto_pages(CTL_CMD_STATUS));
	assert_false(ctl_proto_pages(CTL_CMD_BACKEND_DRAIN));
}

/* A reply of the command with n items in each of lists[], item i {"i": i}. */
static struct json_object *page_reply(const char *const *lists, const size_t *n)
{
	struct json_object *r = ctl_proto_reply_ok();
	int i = 0;

	assert_non_null(r);
	for (size_t l = 0; lists[l]; l++) {
		struct json_object *a = json_object_new_array();

		for (size_t k = 0; k < n[l]; k++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "i", json_object_new_int(i++));
			json_object_array_add(a, o);
		}
		json_object_object_add(r, lists[l], a);
	}
	json_object_object_add(r, "time_ms", json_object_new_int(7));
	return r;
}

/* The "i" of a list's items, as "3,4,5"; the list must exist. */
static const char *page_items(struct json_object *r, const char *list, char *buf, size_t len)
{
	struct json_object *a;
	size_t o = 0;

	assert_true(json_object_object_get_ex(r, list, &a));
	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *v;

		json_object_object_get_ex(json_object_array_get_idx(a, i), "i", &v);
		o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? "," : "", json_object_get_int(v));
	}
	return buf;
}

/* "next" as text: its number or "null"; "absent" when missing. */
static const char *page_next(struct json_object *r, char *buf, size_t len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(r, "next", &v))
		return "absent";
	if (!v)
		return "null";
	snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
	return buf;
}

static void test_page(void **state)
{
	static const char *const backends[] = { "backends", NULL };
	static const char *const stats[] = { "vips", "backends", NULL };
	static const struct {
		enum ctl_cmd cmd;
		size_t n[2];
		uint32_t offset, limit;
		size_t budget;
		const char *first, *second; /* items of lists[0], lists[1] */
		const char *next;
		int64_t total;
	} cases[] = {
		{ CTL_CMD_HEALTH, { 10 }, 0, 4, 1 << 20, "0,1,2,3", NULL, "4", 10 },
		{ CTL_CMD_HEALTH, { 10 }, 3, 4, 1 << 20, "3,4,5,6", NULL, "7", 10 },
		{ CTL_CMD_HEALTH, { 10 }, 8, 4, 1 << 20, "8,9", NULL, "null", 10 },
		{ CTL_CMD_HEALTH, { 10 }, 6, 4, 1 << 20, "6,7,8,9", NULL, "null", 10 },
		{ CTL_CMD_HEALTH, { 10 }, 10, 0, 1 << 20, "", NULL, "null", 10 },
		{ CTL_CMD_HEALTH, { 10 }, 99, 0, 1 << 20, "", NULL, "null", 10 },
		{ CTL_CMD_HEALTH, { 0 }, 0, 0, 1 << 20, "", NULL, "null", 0 },
		/* no limit: what fits the budget ({"i":1} is 7 bytes, and a comma) */
		{ CTL_CMD_BACKEND_LIST, { 10 }, 0, 0, 24, "0,1,2", NULL, "3", 10 },
		{ CTL_CMD_BACKEND_LIST, { 10 }, 2, 100, 24, "2,3,4", NULL, "5", 10 },
		/* one item at least, however small the budget */
		{ CTL_CMD_BACKEND_LIST, { 10 }, 5, 0, 1, "5", NULL, "6", 10 },
		/* stats: vips, then backends, one sequence */
		{ CTL_CMD_STATS, { 3, 5 }, 0, 2, 1 << 20, "0,1", "", "2", 8 },
		{ CTL_CMD_STATS, { 3, 5 }, 2, 3, 1 << 20, "2", "3,4", "5", 8 },
		{ CTL_CMD_STATS, { 3, 5 }, 5, 3, 1 << 20, "", "5,6,7", "null", 8 },
		{ CTL_CMD_STATS, { 3, 5 }, 0, 0, 1 << 20, "0,1,2", "3,4,5,6,7", "null", 8 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *lists = cases[i].cmd == CTL_CMD_STATS ? stats : backends;
		struct ctl_request req = { .cmd = cases[i].cmd, .paged = true,
					   .offset = cases[i].offset, .limit = cases[i].limit };
		struct json_object *r = page_reply(lists, cases[i].n), *v;
		char buf[256], nb[32];

		assert_int_equal(ctl_proto_page(r, &req, cases[i].budget), 0);
		assert_string_equal(page_items(r, lists[0], buf, sizeof(buf)), cases[i].first);
		if (cases[i].second)
			assert_string_equal(page_items(r, lists[1], buf, sizeof(buf)),
					    cases[i].second);
		assert_string_equal(page_next(r, nb, sizeof(nb)), cases[i].next);
		assert_true(json_object_object_get_ex(r, "total", &v));
		assert_int_equal(json_object_get_int64(v), cases[i].total);
		/* the rest of the reply stays */
		assert_true(json_object_object_get_ex(r, "time_ms", NULL));
		json_object_put(r);
	}
}

static void test_page_leaves_alone(void **state)
{
	static const char *const backends[] = { "backends", NULL };
	static const size_t n[] = { 5 };
	struct ctl_request req = { .cmd = CTL_CMD_BACKEND_LIST };
	struct ctl_error e;
	struct json_object *r = page_reply(backends, n);
	char buf[64];

	(void)state;
	/* not asked for a page: whole, without total or next */
	assert_int_equal(ctl_proto_page(r, &req, 1), 0);
	assert_string_equal(page_items(r, "backends", buf, sizeof(buf)), "0,1,2,3,4");
	assert_false(json_object_object_get_ex(r, "total", NULL));
	assert_false(json_object_object_get_ex(r, "next", NULL));
	json_object_put(r);
	/* an error reply stays as it is */
	req.paged = true;
	req.limit = 1;
	ctl_proto_error(&e, "service", "no service \"x\"");
	r = ctl_proto_reply_error(&e);
	assert_int_equal(ctl_proto_page(r, &req, 1 << 20), 0);
	assert_false(json_object_object_get_ex(r, "next", NULL));
	json_object_put(r);
	/* a command that does not page */
	req.cmd = CTL_CMD_STATUS;
	r = ctl_proto_reply_ok();
	assert_int_equal(ctl_proto_page(r, &req, 1 << 20), 0);
	assert_false(json_object_object_get_ex(r, "next", NULL));
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_vip_add_defaults),
		cmocka_unit_test(test_backend_add),
		cmocka_unit_test(test_other_members),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_error_from_lb),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_reply_too_big),
		cmocka_unit_test(test_addr_and_names),
		cmocka_unit_test(test_page_members),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_page_leaves_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
