// SPDX-License-Identifier: GPL-2.0-only
/*
 * The balancer model against a recording data plane: what is written, in
 * which order, and what is left alone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "config.h"
#include "fake_dp.h"
#include "lb.h"

static const char base_cfg[] =
	"instance = \"t\";\n"
	"dataplane = { interfaces = [ \"eth0\" ]; };\n"
	"services = (\n"
	"  { name = \"web\"; vip = \"192.0.2.10\"; port = 80; protocol = \"tcp\";\n"
	"    ring_size = 65537;\n"
	"    health = { type = \"none\"; };\n"
	"    backends = (\n"
	"      { name = \"w1\"; address = \"10.0.0.1\"; },\n"
	"      { name = \"w2\"; address = \"10.0.0.2\"; },\n"
	"      { name = \"w3\"; address = \"10.0.0.3\"; } ); },\n"
	"  { name = \"dns\"; vip = \"192.0.2.10\"; port = 53; protocol = \"udp\";\n"
	"    encap = \"gue\"; ring_size = 7919; health = { type = \"none\"; };\n"
	"    backends = ( { name = \"d1\"; address = \"10.0.1.1\"; } ); }\n"
	");\n";

static struct edgelb_config cfg;
static struct lb lb;

static int load(const char *text)
{
	struct edgelb_config_errors errs;
	int err;

	edgelb_config_free(&cfg);
	edgelb_config_errors_init(&errs);
	err = edgelb_config_parse_string(text, "t.conf", &cfg, &errs);
	for (size_t i = 0; i < errs.count; i++)
		if (errs.items[i].severity == EDGELB_CONFIG_ERROR)
			print_error("%s\n", errs.items[i].text);
	edgelb_config_errors_free(&errs);
	return err;
}

static int setup(void **state)
{
	(void)state;
	fake_dp_reset(NULL);
	memset(&cfg, 0, sizeof(cfg));
	lb_init(&lb, (struct edgelb_dataplane){ .ops = &fake_dp_ops, .dp = &fdp }, NULL, NULL);
	return load(base_cfg);
}

static int teardown(void **state)
{
	(void)state;
	lb_free(&lb);
	edgelb_config_free(&cfg);
	return 0;
}

static int count_prefix(const char *prefix)
{
	int c = 0;

	for (int i = 0; i < fdp.n; i++)
		c += !strncmp(fdp.log[i], prefix, strlen(prefix));
	return c;
}

static int index_of(const char *entry)
{
	for (int i = 0; i < fdp.n; i++)
		if (!strcmp(fdp.log[i], entry))
			return i;
	return -1;
}

static void test_first_apply_orders_writes(void **state)
{
	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	assert_int_equal(count_prefix("be "), 4);
	assert_int_equal(count_prefix("ring "), 2);
	assert_int_equal(count_prefix("vip "), 2);
	/* backends before rings, a VIP's ring before the VIP */
	assert_true(index_of("ring 0") > index_of("be 1 flags 1"));
	assert_true(index_of("vip 0 port 80") > index_of("ring 0"));
	assert_true(index_of("vip 1 port 53") > index_of("ring 1"));
}

static void test_reapply_writes_nothing(void **state)
{
	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	fdp.n = 0;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	assert_int_equal(fdp.n, 0);
}

/* Reload: only the changed service is touched. */
static void test_reload_is_a_diff(void **state)
{
	char *text = strdup(base_cfg);
	char *p;

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	p = strstr(text, "10.0.0.3");
	memcpy(p, "10.0.0.9", 8);
	assert_int_equal(load(text), 0);
	fdp.n = 0;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	/* w3's address changed: its backend entry only; the ring stays (same names) */
	assert_int_equal(fdp.n, 1);
	assert_int_equal(count_prefix("be "), 1);
	free(text);
}

static void test_drain_keeps_backend_removes_from_ring(void **state)
{
	struct lb_backend *b;
	const uint32_t *ring;
	uint32_t m;
	char err[256];

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	fdp.n = 0;
	assert_int_equal(lb_backend_drain(&lb, "web", "w2", true, err, sizeof(err)), 0);
	b = lb_find_backend(&lb, "web", "w2");
	assert_non_null(b);
	assert_true(b->drained);
	/* flags: alive + drained; the ring is rebuilt without it; dns untouched */
	assert_int_equal(count_prefix("be "), 1);
	assert_int_equal(fdp.be[b->id].flags, EDGELB_BE_F_ALIVE | EDGELB_BE_F_DRAINED);
	assert_int_equal(count_prefix("ring "), 1);
	assert_int_equal(index_of("ring 1"), -1);
	ring = lb_ring(&lb, 0, &m);
	assert_non_null(ring);
	for (uint32_t s = 0; s < m; s++)
		assert_int_not_equal(ring[s], b->id);

	assert_int_equal(lb_backend_drain(&lb, "web", "w2", false, err, sizeof(err)), 0);
	assert_false(lb_find_backend(&lb, "web", "w2")->drained);
	assert_int_equal(lb.runtime.n_overrides, 0);
}

static void test_errors_name_the_field(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	assert_int_equal(lb_backend_drain(&lb, "web", "w9", true, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "backend: no backend \"w9\" in service \"web\"");
	assert_int_equal(lb_backend_drain(&lb, "www", "w1", true, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "service: no service \"www\"");
}

static void test_add_and_delete_backend(void **state)
{
	struct lb_backend nb;
	char err[256];
	uint32_t id;
	int ring_before;

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	memset(&nb, 0, sizeof(nb));
	snprintf(nb.name, sizeof(nb.name), "w4");
	nb.family = EDGELB_AF_INET;
	inet_pton(AF_INET, "10.0.0.4", &nb.addr.v4);
	nb.port = 80;
	nb.weight = 100;
	fdp.n = 0;
	assert_int_equal(lb_backend_add(&lb, "web", &nb, err, sizeof(err)), 0);
	id = lb_find_backend(&lb, "web", "w4")->id;
	assert_int_equal(index_of("ring 0") > index_of("be 5 flags 1"), 1);
	assert_int_equal(lb_backend_add(&lb, "web", &nb, err, sizeof(err)), -EEXIST);

	/* deleting a config backend: ring first, then the slot is cleared */
	fdp.n = 0;
	assert_int_equal(lb_backend_del(&lb, "web", "w1", err, sizeof(err)), 0);
	assert_null(lb_find_backend(&lb, "web", "w1"));
	ring_before = index_of("ring 0");
	assert_true(ring_before >= 0);
	assert_true(index_of("clear 1") > ring_before);

	/* a runtime backend disappears from the layer entirely */
	assert_int_equal(lb_backend_del(&lb, "web", "w4", err, sizeof(err)), 0);
	assert_int_equal(lb.runtime.n_added_backends, 0);
	assert_int_equal(fdp.be[id].family, 0);
	assert_int_equal(lb.runtime.n_deleted_backends, 1);
}

/* The runtime layer survives a reload; ids stay. */
static void test_layer_survives_reload(void **state)
{
	char err[256], warn[256];
	uint32_t id_w2;

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	id_w2 = lb_find_backend(&lb, "web", "w2")->id;
	assert_int_equal(lb_backend_drain(&lb, "web", "w2", true, err, sizeof(err)), 0);
	assert_int_equal(lb_backend_weight(&lb, "web", "w3", 7, err, sizeof(err)), 0);
	assert_int_equal(load(base_cfg), 0);
	assert_int_equal(lb_apply(&lb, &cfg, warn, sizeof(warn)), 0);
	assert_string_equal(warn, "");
	assert_true(lb_find_backend(&lb, "web", "w2")->drained);
	assert_int_equal(lb_find_backend(&lb, "web", "w3")->weight, 7);
	assert_int_equal(lb_find_backend(&lb, "web", "w2")->id, id_w2);
}

/* A change that the new config makes meaningless is dropped with a warning. */
static void test_stale_override_warns(void **state)
{
	char err[256], warn[512];
	char *text = strdup(base_cfg);

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	assert_int_equal(lb_backend_drain(&lb, "web", "w3", true, err, sizeof(err)), 0);
	*strstr(text, "      { name = \"w3\"") = 0;
	strcat(text, "      { name = \"w2b\"; address = \"10.0.0.8\"; } ); } );\n");
	assert_int_equal(load(text), 0);
	assert_int_equal(lb_apply(&lb, &cfg, warn, sizeof(warn)), 0);
	assert_non_null(strstr(warn, "web/w3"));
	/* dropped from the layer: no warning the next time */
	assert_int_equal(lb.runtime.n_overrides, 0);
	assert_int_equal(lb_apply(&lb, &cfg, warn, sizeof(warn)), 0);
	assert_string_equal(warn, "");
	free(text);
}

static void test_dead_backend_leaves_ring(void **state)
{
	uint32_t m, id;
	const uint32_t *ring;

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	id = lb_find_backend(&lb, "web", "w1")->id;
	assert_int_equal(lb_backend_set_alive(&lb, "web", "w1", false), 0);
	assert_int_equal(fdp.be[id].flags & EDGELB_BE_F_ALIVE, 0);
	ring = lb_ring(&lb, 0, &m);
	for (uint32_t s = 0; s < m; s++)
		assert_int_not_equal(ring[s], id);
}

static void test_service_add_del(void **state)
{
	struct lb_service s;
	char err[256];

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "api");
	s.key.family = EDGELB_AF_INET;
	inet_pton(AF_INET, "192.0.2.11", &s.key.addr.v4);
	s.key.port = htons(443);
	s.key.proto = 6;
	s.ring_size = 65536; /* not prime */
	s.mtu = 1500;
	assert_int_equal(lb_service_add(&lb, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ring_size:"));
	s.ring_size = 7919;
	assert_int_equal(lb_service_add(&lb, &s, err, sizeof(err)), 0);
	assert_int_equal(fdp.vips, 3);
	assert_int_equal(lb_service_add(&lb, &s, err, sizeof(err)), -EEXIST);
	assert_int_equal(lb_service_del(&lb, "api", err, sizeof(err)), 0);
	assert_int_equal(fdp.vips, 2);
	assert_int_equal(lb_service_del(&lb, "web", err, sizeof(err)), 0);
	assert_int_equal(fdp.vips, 1);
	assert_int_equal(lb.runtime.n_deleted_services, 1);
}

/* A next-hop lookup that cannot resolve 10.0.0.2 until told to. */
static bool w2_answers;
static int events, w2_unresolved_events;

static int nexthop_w2(void *arg, const struct lb_service *svc, const struct lb_backend *be,
		      uint8_t mac[6])
{
	static const uint8_t m[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	struct in_addr w2;

	(void)arg;
	(void)svc;
	inet_pton(AF_INET, "10.0.0.2", &w2);
	if (be->addr.v4 == w2.s_addr && !w2_answers)
		return -EAGAIN;
	memcpy(mac, m, 6);
	return 0;
}

static void nexthop_seen(void *arg, const struct lb_service *svc, const struct lb_backend *be)
{
	(void)arg;
	(void)svc;
	events++;
	w2_unresolved_events += !strcmp(be->name, "w2") && be->unresolved;
}

static int64_t fixed_clock(void)
{
	return 1700000000123;
}

static bool ring_has(uint32_t id)
{
	uint32_t m;
	const uint32_t *ring = lb_ring(&lb, 0, &m);

	for (uint32_t s = 0; s < m; s++)
		if (ring[s] == id)
			return true;
	return false;
}

/*
 * A backend whose next hop never resolves gets no slot (the data plane
 * would drop its share as drop_no_next_hop); it is asked again at every
 * sync without a netlink change, and takes its share once it resolves.
 */
static void test_unresolved_next_hop_leaves_ring(void **state)
{
	struct lb_backend *w2;
	uint32_t id;

	(void)state;
	lb_free(&lb);
	lb_init(&lb, (struct edgelb_dataplane){ .ops = &fake_dp_ops, .dp = &fdp }, nexthop_w2,
		NULL);
	lb.nexthop_event = nexthop_seen;
	lb.clock_ms = fixed_clock;
	w2_answers = false;
	events = w2_unresolved_events = 0;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	w2 = lb_find_backend(&lb, "web", "w2");
	assert_non_null(w2);
	id = w2->id;
	assert_true(w2->unresolved);
	assert_int_equal(w2->unresolved_since_ms, 1700000000123);
	assert_false(lb_backend_eligible(w2));
	assert_int_equal(lb_unresolved_count(&lb), 1);
	assert_int_equal(w2_unresolved_events, 1);
	assert_false(ring_has(id));
	assert_true(ring_has(lb_find_backend(&lb, "web", "w1")->id));

	/* still unresolved: no second event, still out */
	assert_int_equal(lb_sync(&lb), 0);
	assert_int_equal(events, 1);
	assert_false(ring_has(id));

	/* the host answers: the next sync (no netlink change) resolves it */
	w2_answers = true;
	assert_int_equal(lb_sync(&lb), 0);
	w2 = lb_find_backend(&lb, "web", "w2");
	assert_false(w2->unresolved);
	assert_int_equal(events, 2);
	assert_int_equal(lb_unresolved_count(&lb), 0);
	assert_true(ring_has(id));
	assert_int_equal(fdp.be[id].mac[5], 0x42);
}

/*
 * After a restart without the state file, what the adopted data plane held
 * beyond the config is named: a backend added at run time, a drain, a
 * weight; the backends the config describes as they were are not.
 */
static void test_pinned_diff_names_lost_runtime_changes(void **state)
{
	static struct edgelb_backend held[EDGELB_MAX_BACKENDS];
	uint32_t w1, w3;
	char msg[1024];

	(void)state;
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	memcpy(held, fdp.be, sizeof(held));
	assert_int_equal(lb_pinned_diff(&lb, held, EDGELB_MAX_BACKENDS, 10, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");

	w1 = lb_find_backend(&lb, "web", "w1")->id;
	w3 = lb_find_backend(&lb, "web", "w3")->id;
	held[w1].flags |= EDGELB_BE_F_DRAINED;
	held[w1].weight = 0;
	held[w3].weight = 7;
	held[900] = held[w3];
	inet_pton(AF_INET, "10.0.0.99", &held[900].addr.v4);
	assert_int_equal(lb_pinned_diff(&lb, held, EDGELB_MAX_BACKENDS, 10, msg, sizeof(msg)), 3);
	assert_non_null(strstr(msg, "w1 (10.0.0.1): the pinned data plane has it drained"));
	assert_non_null(strstr(msg, "w3 (10.0.0.3): the pinned data plane has weight 7, now it "
				    "is 100"));
	assert_non_null(strstr(msg, "a backend at 10.0.0.99 that neither"));
	/* a cap on lines, with the rest counted */
	assert_int_equal(lb_pinned_diff(&lb, held, EDGELB_MAX_BACKENDS, 1, msg, sizeof(msg)), 3);
	assert_non_null(strstr(msg, "... and 2 more"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_apply_orders_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reapply_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_is_a_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_keeps_backend_removes_from_ring, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_the_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_and_delete_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layer_survives_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_override_warns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_backend_leaves_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_add_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unresolved_next_hop_leaves_ring, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pinned_diff_names_lost_runtime_changes, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
