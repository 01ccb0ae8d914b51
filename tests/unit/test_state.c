// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state file: what lbctl changed must come back after a restart,
 * exactly, in every section ("lb", "vrrp"); a damaged file must be
 * refused with a precise message rather than half-loaded (no section
 * changes); a file written by an earlier edgelbd (state_v1.json, written
 * by the state.c of commit 1cc1292, before the sections) must load; and
 * what no section of this edgelbd claims is kept and written back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "config.h"
#include "lb.h"
#include "state.h"
#include "state_lb.h"
#include "saved.h"

static int nop_node(void *dp, const struct edgelb_node_config *c)
{
	(void)dp;
	(void)c;
	return 0;
}
static int nop_vip(void *dp, const struct edgelb_vip_key *k, const struct edgelb_vip_meta *m)
{
	(void)dp;
	(void)k;
	(void)m;
	return 0;
}
static int nop_del(void *dp, const struct edgelb_vip_key *k)
{
	(void)dp;
	(void)k;
	return 0;
}
static int nop_be(void *dp, uint32_t id, const struct edgelb_backend *b)
{
	(void)dp;
	(void)id;
	(void)b;
	return 0;
}
static int nop_ring(void *dp, uint32_t v, const uint32_t *r, uint32_t m)
{
	(void)dp;
	(void)v;
	(void)r;
	(void)m;
	return 0;
}

static const struct edgelb_dataplane_ops nop_ops = {
	.set_node_config = nop_node,
	.set_vip = nop_vip,
	.del_vip = nop_del,
	.set_backend = nop_be,
	.set_ring = nop_ring,
};

static const char cfg_text[] =
	"instance = \"t\";\n"
	"dataplane = { interfaces = [ \"eth0\" ]; };\n"
	"services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80; protocol = \"tcp\";\n"
	"    ring_size = 7919; health = { type = \"none\"; };\n"
	"    backends = ( { name = \"w1\"; address = \"10.0.0.1\"; },\n"
	"                 { name = \"w2\"; address = \"10.0.0.2\"; } ); } );\n";

static struct edgelb_config cfg;

/* What edgelbd keeps in the state file: the model's and VRRP's sections. */
struct kept {
	struct lb lb;
	struct vrrp_saved vrrp;
	struct edgelb_state st;
};

static void make_kept(struct kept *k)
{
	struct edgelb_config_errors errs;
	struct edgelb_state_section sec;

	memset(k, 0, sizeof(*k));
	lb_init(&k->lb, (struct edgelb_dataplane){ .ops = &nop_ops }, NULL, NULL);
	edgelb_state_init(&k->st);
	edgelb_state_lb_section(&k->lb, &sec);
	assert_int_equal(edgelb_state_register(&k->st, &sec), 0);
	vrrp_saved_section(&k->vrrp, &sec);
	assert_int_equal(edgelb_state_register(&k->st, &sec), 0);
	assert_int_equal(edgelb_state_register(&k->st, &sec), -EEXIST);
	edgelb_config_errors_init(&errs);
	if (!cfg.instance)
		assert_int_equal(edgelb_config_parse_string(cfg_text, "t.conf", &cfg, &errs), 0);
	edgelb_config_errors_free(&errs);
}

static void free_kept(struct kept *k)
{
	lb_free(&k->lb);
	vrrp_saved_free(&k->vrrp);
	edgelb_state_free(&k->st);
}

/* Changes of every kind, saved, loaded into a fresh model: same model. */
static void test_round_trip(void **state)
{
	struct kept ka, kb;
	struct lb *a = &ka.lb, *b = &kb.lb;
	struct lb_backend nb;
	struct lb_service ns;
	char err[256], path[] = "/tmp/edgelb-state-XXXXXX";
	char *ja, *jb;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	make_kept(&ka);
	assert_int_equal(lb_apply(a, &cfg, NULL, 0), 0);
	assert_int_equal(lb_backend_drain(a, "web", "w1", true, err, sizeof(err)), 0);
	assert_int_equal(lb_backend_weight(a, "web", "w2", 3, err, sizeof(err)), 0);
	memset(&nb, 0, sizeof(nb));
	snprintf(nb.name, sizeof(nb.name), "w3");
	nb.family = EDGELB_AF_INET;
	inet_pton(AF_INET, "10.0.0.3", &nb.addr.v4);
	nb.port = 8080;
	nb.weight = 9;
	snprintf(nb.site, sizeof(nb.site), "dc2");
	assert_int_equal(lb_backend_add(a, "web", &nb, err, sizeof(err)), 0);
	memset(&ns, 0, sizeof(ns));
	snprintf(ns.name, sizeof(ns.name), "api6");
	ns.key.family = EDGELB_AF_INET6;
	inet_pton(AF_INET6, "2001:db8::11", ns.key.addr.bytes);
	ns.key.port = htons(443);
	ns.key.proto = 6;
	ns.ring_size = 7919;
	ns.mtu = 1500;
	ns.encap = EDGELB_ENCAP_GUE;
	ns.gue_port = 6080;
	assert_int_equal(lb_service_add(a, &ns, err, sizeof(err)), 0);
	assert_int_equal(lb_backend_add(a, "api6", &nb, err, sizeof(err)), 0);
	assert_int_equal(lb_backend_del(a, "web", "w2", err, sizeof(err)), 0);
	/* VRRP's operator state */
	ka.vrrp.maintenance = true;
	assert_true(vrrp_saved_hold(&ka.vrrp, "front4", true));
	assert_true(vrrp_saved_hold(&ka.vrrp, "front6", true));
	assert_false(vrrp_saved_hold(&ka.vrrp, "front6", true));
	assert_true(vrrp_saved_hold(&ka.vrrp, "gone", true));
	assert_true(vrrp_saved_hold(&ka.vrrp, "gone", false));

	assert_int_equal(edgelb_state_save(&ka.st, path), 0);
	make_kept(&kb);
	assert_int_equal(edgelb_state_load(&kb.st, path, err, sizeof(err)), 0);
	assert_int_equal(lb_apply(b, &cfg, NULL, 0), 0);

	ja = edgelb_state_to_json(&ka.st);
	jb = edgelb_state_to_json(&kb.st);
	assert_string_equal(ja, jb);
	assert_true(lb_find_backend(b, "web", "w1")->drained);
	assert_null(lb_find_backend(b, "web", "w2"));
	assert_int_equal(lb_find_backend(b, "web", "w3")->port, 8080);
	assert_int_equal(lb_find_backend(b, "api6", "w3")->id,
			 lb_find_backend(a, "api6", "w3")->id);
	assert_int_equal(lb_find_service(b, "api6")->vip_id, lb_find_service(a, "api6")->vip_id);
	assert_true(kb.vrrp.maintenance);
	assert_int_equal(kb.vrrp.n_held, 2);
	assert_string_equal(kb.vrrp.held[1], "front6");
	assert_true(vrrp_saved_is_held(&kb.vrrp, "front4"));
	assert_false(vrrp_saved_is_held(&kb.vrrp, "gone"));
	free(ja);
	free(jb);
	free_kept(&ka);
	free_kept(&kb);
	unlink(path);
}

static void test_missing_file_is_first_start(void **state)
{
	struct kept k;
	char err[128];

	(void)state;
	make_kept(&k);
	assert_int_equal(edgelb_state_load(&k.st, "/nonexistent/edgelb.state", err, sizeof(err)),
			 -ENOENT);
	free_kept(&k);
}

static void test_bad_files_refused(void **state)
{
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{", "not JSON" },
		{ "[]", "not a JSON object" },
		{ "{\"version\": 2}", "state.version: this edgelbd reads version 1" },
		{ "{\"version\": 1, \"overrides\": [ {\"service\": \"web\", \"backend\": \"w1\", "
		  "\"weight\": 70000} ]}",
		  "overrides[0].weight: must be 0..65535" },
		{ "{\"version\": 1, \"added_backends\": [ {\"service\": \"web\", \"name\": \"x\", "
		  "\"address\": \"10.0.0.300\", \"port\": 1, \"weight\": 1} ]}",
		  "added_backends[0].address: \"10.0.0.300\" is not an IPv4 or IPv6 address" },
		{ "{\"version\": 1, \"ids\": {\"backends\": {\"web/w1\": 99999}}}",
		  "ids.backends.web/w1: must be an id below 16384" },
		{ "{\"version\": 1, \"ids\": {\"backends\": {\"web/w1\": 3, \"web/w2\": 3}}}",
		  "ids.backends.web/w2: id 3 is given to another name too" },
		{ "{\"version\": 1, \"deleted_services\": [ 7 ]}",
		  "deleted_services[0]: not a service name" },
		{ "{\"version\": 1, \"vrrp\": {\"maintenance\": 1}}",
		  "vrrp.maintenance: not true or false" },
		{ "{\"version\": 1, \"vrrp\": {\"held\": [ \"a\", null ]}}",
		  "vrrp.held[1]: not an instance name" },
		{ "{\"version\": 1, \"vrrp\": [ ]}", "vrrp: not an object" },
		{ "{\"version\": 1, \"overrides\": [ {\"service\": \"web\", \"backend\": \"w1\", "
		  "\"drained\": \"false\"} ]}",
		  "overrides[0].drained: not true or false" },
		/* all or nothing: the "lb" section was fine, "vrrp" was not */
		{ "{\"version\": 1, \"overrides\": [ {\"service\": \"web\", \"backend\": \"w1\", "
		  "\"drained\": true} ], \"vrrp\": {\"maintenance\": \"yes\"}}",
		  "vrrp.maintenance: not true or false" },
		{ "{\"version\": 1, \"vrrp\": {\"maintenance\": true}, \"overrides\": 3}",
		  "overrides: not an array" },
	};
	struct kept k;
	char err[256];

	(void)state;
	make_kept(&k);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(edgelb_state_from_json(&k.st, bad[i].json, err, sizeof(err)),
				 -EINVAL);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, bad[i].msg);
		assert_int_equal(k.lb.runtime.n_overrides, 0); /* untouched */
		assert_false(k.vrrp.maintenance);
	}
	free_kept(&k);
}

/* Something else where the state file should be: said what it is, at once. */
static void test_not_a_regular_file(void **state)
{
	char dir[] = "/tmp/edgelb-state-XXXXXX", path[64], err[256];
	struct kept k;

	(void)state;
	assert_non_null(mkdtemp(dir));
	make_kept(&k);
	snprintf(path, sizeof(path), "%s/as-dir", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	err[0] = 0;
	assert_int_equal(edgelb_state_load(&k.st, path, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "is a directory, not a state file (a regular file)");
	rmdir(path);

	snprintf(path, sizeof(path), "%s/as-fifo", dir); /* would block a plain read */
	assert_int_equal(mkfifo(path, 0600), 0);
	err[0] = 0;
	assert_int_equal(edgelb_state_load(&k.st, path, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "is a FIFO, not a state file (a regular file)");
	unlink(path);
	rmdir(dir);
	free_kept(&k);
}

/*
 * A file that the edgelbd before the sections wrote (tests/unit/
 * state_v1.json: the round trip above, saved by commit 1cc1292) loads
 * into both sections, and saving it again gives the same JSON: the
 * layout did not move.
 */
static void test_v1_file_loads(void **state)
{
	const char *path = getenv("EDGELB_STATE_V1");
	char err[256] = "", *again, *orig;
	struct kept k;
	FILE *f;
	long len;

	(void)state;
	assert_non_null(path);
	make_kept(&k);
	assert_int_equal(edgelb_state_load(&k.st, path, err, sizeof(err)), 0);
	assert_int_equal(lb_apply(&k.lb, &cfg, NULL, 0), 0);
	assert_true(lb_find_backend(&k.lb, "web", "w1")->drained);
	assert_null(lb_find_backend(&k.lb, "web", "w2"));
	assert_int_equal(lb_find_backend(&k.lb, "web", "w3")->id, 3);
	assert_int_equal(lb_find_backend(&k.lb, "api6", "w3")->id, 4);
	assert_int_equal(lb_find_backend(&k.lb, "api6", "w3")->port, 8080);
	assert_int_equal(lb_find_service(&k.lb, "api6")->vip_id, 1);
	assert_true(k.vrrp.maintenance);
	assert_int_equal(k.vrrp.n_held, 2);
	assert_string_equal(k.vrrp.held[0], "front4");

	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	orig = calloc(1, (size_t)len + 1);
	assert_non_null(orig);
	assert_int_equal(fread(orig, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	again = edgelb_state_to_json(&k.st);
	assert_non_null(again);
	orig[strcspn(orig, "\0")] = 0;
	if (len && orig[len - 1] == '\n')
		orig[len - 1] = 0; /* the file ends with a newline, the JSON does not */
	assert_string_equal(again, orig);
	free(again);
	free(orig);
	free_kept(&k);
}

/*
 * Sections this edgelbd does not know (a newer edgelbd's, after a
 * rollback) survive a load and a save; one it knows but that a file
 * lacks (an older file) loads as empty.
 */
static void test_unknown_sections_kept(void **state)
{
	static const char json[] = "{\"version\": 1, \"bgp\": {\"withdrawn\": [\"v4\"]}, "
				   "\"site\": \"dc2\"}";
	char err[256] = "", *out;
	struct kept k;

	(void)state;
	make_kept(&k);
	k.vrrp.maintenance = true;
	assert_int_equal(edgelb_state_from_json(&k.st, json, err, sizeof(err)), 0);
	assert_false(k.vrrp.maintenance); /* no "vrrp" in the file: the default */
	out = edgelb_state_to_json(&k.st);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"bgp\":{\n    \"withdrawn\":[\n      \"v4\""));
	assert_non_null(strstr(out, "\"site\":\"dc2\""));
	assert_non_null(strstr(out, "\"vrrp\":{"));
	free(out);
	free_kept(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_missing_file_is_first_start),
		cmocka_unit_test(test_bad_files_refused),
		cmocka_unit_test(test_not_a_regular_file),
		cmocka_unit_test(test_v1_file_loads),
		cmocka_unit_test(test_unknown_sections_kept),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	edgelb_config_free(&cfg);
	return rc;
}
