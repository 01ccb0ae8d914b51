// SPDX-License-Identifier: GPL-2.0-only
/*
 * The health checker as edgelbd runs it (controlplane/health/health.c):
 * the balancer model (lb.c) on an in-memory data plane, checks built from
 * a real config, run on a real event loop. The checks are exec checks of
 * a shell that tests for a file named after the environment edgelb.conf(5)
 * promises ($EDGELB_BACKEND-$EDGELB_BACKEND_ADDRESS-$EDGELB_BACKEND_PORT),
 * so a test makes a backend healthy by creating its file: no network, no
 * root. Covered: new backends start down and rise; fall; a reload keeps
 * the state of unchanged checks and of changed ones (same server); a new
 * address starts down; drained and healthy stays drained (out of the
 * ring); adoption starts from the model; lbctl-added backends get the
 * service's check; removed backends' checks stop; the specs (HTTP
 * request, tunnel mark, exec environment).
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fake_dp.h"
#include "health/health.h"
#include "health/spec.h"
#include "lb.h"
#include "loop.h"

#define RING_SIZE 7919

/* ---- the daemon's side: model follows the checks ------------------------ */

static struct edgelb_config cfg;
static struct lb lb;
static struct loop *loop;
static struct edgelb_health *hc;
static char dir[64];

static struct {
	unsigned int changed, commits, tunnels_on, tunnels_off;
	char last[128];
} seen;

static void on_changed(void *arg, const char *service, const char *backend, bool up,
		       const char *reason)
{
	struct lb_backend *b = lb_find_backend(&lb, service, backend);

	(void)arg;
	assert_non_null(b);
	assert_non_null(reason);
	assert_true(reason[0]);
	b->alive = up;
	seen.changed++;
	snprintf(seen.last, sizeof(seen.last), "%s/%s %s", service, backend, up ? "up" : "down");
}

static void on_commit(void *arg)
{
	(void)arg;
	seen.commits++;
	assert_int_equal(lb_sync(&lb), 0);
}

static void on_tunnel(void *arg, uint32_t id, const struct edgelb_health_tunnel *t, bool needed)
{
	(void)arg;
	assert_int_equal(t->backend_id, id);
	assert_int_equal(t->mark, EDGELB_HC_MARK(id));
	if (needed)
		seen.tunnels_on++;
	else
		seen.tunnels_off++;
}

static const struct edgelb_health_ops ops = {
	.changed = on_changed,
	.commit = on_commit,
	.tunnel_needed = on_tunnel,
};

static const char *config_text(const char *extra_health, const char *w2_addr)
{
	static char text[4096];

	snprintf(text, sizeof(text),
		 "instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"eth0\" ]; };\n"
		 "services = (\n"
		 "  { name = \"web\"; vip = \"192.0.2.10\"; port = 80; protocol = \"tcp\";\n"
		 "    ring_size = %d;\n"
		 "    health = { type = \"exec\"; interval = 0.1; timeout = 0.08; rise = 2;\n"
		 "               fall = 2; jitter = 0; %s\n"
		 "               exec = { command = [ \"/bin/sh\", \"-c\",\n"
		 "                 \"test -e %s/$EDGELB_BACKEND-$EDGELB_BACKEND_ADDRESS-"
		 "$EDGELB_BACKEND_PORT\" ]; }; };\n"
		 "    backends = (\n"
		 "      { name = \"w1\"; address = \"10.0.0.1\"; },\n"
		 "      { name = \"w2\"; address = \"%s\"; },\n"
		 "      { name = \"w3\"; address = \"10.0.0.3\"; } ); }\n"
		 ");\n",
		 RING_SIZE, extra_health, dir, w2_addr);
	return text;
}

static void parse(const char *text, struct edgelb_config *out)
{
	struct edgelb_config_errors errs;
	int err;

	edgelb_config_errors_init(&errs);
	err = edgelb_config_parse_string(text, "t.conf", out, &errs);
	for (size_t i = 0; i < errs.count; i++)
		print_error("%s\n", errs.items[i].text);
	edgelb_config_errors_free(&errs);
	assert_int_equal(err, 0);
}

/* Apply text as a reload does: new model, then the checks follow. */
static void reload(const char *text)
{
	struct edgelb_config next, prev;

	parse(text, &next);
	assert_int_equal(lb_apply(&lb, &next, NULL, 0), 0);
	prev = cfg;
	cfg = next;
	lb.cfg = &cfg;
	edgelb_config_free(&prev);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
}

static void healthy(const char *backend, const char *addr, int port, bool on)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s-%s-%d", dir, backend, addr, port);
	if (on) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fclose(f);
	} else {
		unlink(path);
	}
}

static bool alive(const char *backend)
{
	struct lb_backend *b = lb_find_backend(&lb, "web", backend);

	return b && b->alive;
}

/* Slots of the service's ring held by backend (0: not in the ring). */
static int in_ring(const char *backend)
{
	struct lb_backend *b = lb_find_backend(&lb, "web", backend);
	struct lb_service *s = lb_find_service(&lb, "web");
	int n = 0;

	assert_non_null(b);
	assert_int_equal(fdp.ring_size[s->vip_id], RING_SIZE);
	for (int i = 0; i < RING_SIZE; i++)
		n += fdp.ring[s->vip_id][i] == b->id;
	return n;
}

static uint64_t now_ms(void)
{
	return loop_now_ms();
}

/* Drive the checks until cond() holds or max_ms pass; returns the time taken. */
/*
 * The data plane agrees with the model: every backend that is alive and
 * not drained holds slots of the ring, every other none. Health changes
 * reach the data plane in batches (hc_sched_commit_after), so for up to
 * HC_COMMIT_SPACING_MAX_US after a backend changed the ring may lag.
 */
static bool rings_settled(void)
{
	static const char *const names[] = { "w1", "w2", "w3", "w4" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct lb_backend *b = lb_find_backend(&lb, "web", names[i]);

		if (b && (b->alive && !b->drained) != (in_ring(names[i]) > 0))
			return false;
	}
	return true;
}

/* Dispatch until cond holds and the rings agree with it, or max_ms. */
static uint64_t run_until(bool (*cond)(void), uint64_t max_ms)
{
	uint64_t start = now_ms();

	while (!(cond && cond() && rings_settled()) && now_ms() - start < max_ms) {
		struct pollfd p = { .fd = edgelb_health_fd(hc), .events = POLLIN };

		if (poll(&p, 1, 10) > 0)
			edgelb_health_dispatch(hc);
	}
	return now_ms() - start;
}

static bool w1_w2_up(void)
{
	return alive("w1") && alive("w2");
}

static bool w1_down(void)
{
	return !alive("w1");
}

static bool w1_up(void)
{
	return alive("w1");
}

static struct edgelb_health_status status(const char *backend)
{
	struct edgelb_health_status st;

	assert_int_equal(edgelb_health_find(hc, "web", backend, &st), 0);
	return st;
}

static int setup(void **state)
{
	(void)state;
	fake_dp_reset(NULL);
	memset(&seen, 0, sizeof(seen));
	memset(&cfg, 0, sizeof(cfg));
	snprintf(dir, sizeof(dir), "/tmp/test_health_apply.XXXXXX");
	assert_non_null(mkdtemp(dir));
	parse(config_text("", "10.0.0.2"), &cfg);
	lb_init(&lb, (struct edgelb_dataplane){ .ops = &fake_dp_ops, .dp = &fdp }, NULL, NULL);
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(edgelb_health_open(loop, &ops, NULL, &hc), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	edgelb_health_close(hc);
	hc = NULL;
	loop_free(loop);
	lb_free(&lb);
	edgelb_config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_new_backends_start_down_and_rise(void **state)
{
	struct edgelb_health_status st;
	uint64_t took;

	(void)state;
	/* the model had them alive: apply takes them down, in one commit */
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	assert_int_equal(seen.changed, 3);
	assert_int_equal(seen.commits, 1);
	assert_false(alive("w1") || alive("w2") || alive("w3"));
	assert_int_equal(in_ring("w1") + in_ring("w2") + in_ring("w3"), 0);
	st = status("w1");
	assert_false(st.up);
	assert_string_equal(st.type, "exec");
	assert_string_equal(st.change_reason, "new: down until 2 checks pass");

	healthy("w1", "10.0.0.1", 80, true);
	healthy("w2", "10.0.0.2", 80, true);
	took = run_until(w1_w2_up, 3000);
	assert_true(w1_w2_up());
	/* rise = 2 at 100 ms intervals: not before the second check */
	assert_true(took >= 90);
	assert_false(alive("w3"));
	assert_true(in_ring("w1") > 0 && in_ring("w2") > 0);
	assert_int_equal(in_ring("w3"), 0);
	assert_int_equal(in_ring("w1") + in_ring("w2"), RING_SIZE);
	st = status("w1");
	assert_true(st.up && st.has_result && st.last_pass);
	assert_int_equal(st.transitions, 1);
	assert_true(st.passed >= 2);
	assert_string_equal(st.reason, "exit 0");
	assert_string_equal(st.change_reason, "exit 0, 2/2 passed");
	st = status("w3");
	assert_false(st.up);
	assert_string_equal(st.reason, "exit 1");
	assert_int_equal(st.transitions, 0);
}

static void test_fall_takes_a_backend_out(void **state)
{
	struct edgelb_health_status st;
	uint64_t start, took;

	(void)state;
	healthy("w1", "10.0.0.1", 80, true);
	healthy("w2", "10.0.0.2", 80, true);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	run_until(w1_w2_up, 3000);
	assert_true(w1_w2_up());
	healthy("w1", "10.0.0.1", 80, false);
	start = now_ms();
	run_until(w1_down, 3000);
	assert_false(alive("w1"));
	/*
	 * fall x interval + timeout, and some slack for a loaded machine; the
	 * checker's own transition time, not when this loop noticed it
	 */
	took = status("w1").since_ms - start;
	assert_true(took <= 2 * 100 + 80 + 300);
	assert_int_equal(in_ring("w1"), 0);
	assert_int_equal(in_ring("w2"), RING_SIZE);
	st = status("w1");
	assert_int_equal(st.transitions, 2);
	assert_string_equal(st.change_reason, "exit 1, 2/2 failed");
	assert_string_equal(seen.last, "web/w1 down");
}

static void test_reload_keeps_state(void **state)
{
	struct edgelb_health_status before, after;
	unsigned int changed;

	(void)state;
	healthy("w1", "10.0.0.1", 80, true);
	healthy("w2", "10.0.0.2", 80, true);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	run_until(w1_w2_up, 3000);
	assert_true(w1_w2_up());
	run_until(NULL, 150);
	before = status("w1");
	changed = seen.changed;

	/* the same file again: nothing moves, counters go on */
	reload(config_text("", "10.0.0.2"));
	assert_int_equal(seen.changed, changed);
	after = status("w1");
	assert_true(after.up);
	assert_int_equal(after.since_ms, before.since_ms);
	assert_int_equal(after.transitions, before.transitions);
	assert_true(after.passed >= before.passed);
	assert_true(after.passes_in_row >= before.passes_in_row);
	assert_true(w1_w2_up());

	/* a changed check (slower, hold-down): restarted, state kept, no flap */
	reload(config_text("hold_down = 5;", "10.0.0.2"));
	assert_int_equal(seen.changed, changed);
	after = status("w1");
	assert_true(after.up);
	assert_int_equal(after.since_ms, before.since_ms);
	assert_int_equal(after.transitions, before.transitions);
	assert_int_equal(after.passes_in_row, 0);
	run_until(NULL, 300);
	assert_true(w1_w2_up());
	assert_int_equal(seen.changed, changed);

	/* w2 moved to another address: a new server, down until it rises */
	reload(config_text("hold_down = 5;", "10.0.0.22"));
	assert_int_equal(seen.changed, changed + 1);
	assert_string_equal(seen.last, "web/w2 down");
	assert_false(alive("w2"));
	assert_true(alive("w1"));
	assert_int_equal(status("w1").since_ms, before.since_ms);
	healthy("w2", "10.0.0.22", 80, true);
	run_until(w1_w2_up, 3000);
	assert_true(w1_w2_up());
}

static void test_drained_and_healthy_stays_drained(void **state)
{
	char err[256];

	(void)state;
	healthy("w1", "10.0.0.1", 80, true);
	healthy("w2", "10.0.0.2", 80, true);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	run_until(w1_w2_up, 3000);
	assert_int_equal(lb_backend_drain(&lb, "web", "w1", true, err, sizeof(err)), 0);
	assert_int_equal(in_ring("w1"), 0);
	/* healthy all along: still out */
	run_until(NULL, 300);
	assert_true(alive("w1"));
	assert_int_equal(in_ring("w1"), 0);
	/* down and up again while drained: still out */
	healthy("w1", "10.0.0.1", 80, false);
	run_until(w1_down, 3000);
	healthy("w1", "10.0.0.1", 80, true);
	run_until(w1_up, 3000);
	assert_true(alive("w1"));
	assert_int_equal(status("w1").transitions, 3);
	assert_int_equal(in_ring("w1"), 0);
	assert_int_equal(in_ring("w2"), RING_SIZE);
	/* undrained: back */
	assert_int_equal(lb_backend_drain(&lb, "web", "w1", false, err, sizeof(err)), 0);
	assert_true(in_ring("w1") > 0);
}

static bool w3_down_w1_w2_up(void)
{
	return !alive("w3") && w1_w2_up();
}

static void test_adopt_starts_from_the_model(void **state)
{
	struct edgelb_health_status st;

	(void)state;
	/* the data plane serves traffic: nothing is taken out at start */
	assert_int_equal(lb_sync(&lb), 0);
	edgelb_health_adopt(hc);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	assert_int_equal(seen.changed, 0);
	st = status("w3");
	assert_true(st.up);
	assert_string_equal(st.change_reason, "adopted from the running data plane");
	assert_true(in_ring("w3") > 0);
	/* and an adopted backend that fails goes down like any other */
	healthy("w1", "10.0.0.1", 80, true);
	healthy("w2", "10.0.0.2", 80, true);
	run_until(w3_down_w1_w2_up, 3000);
	assert_false(alive("w3"));
	assert_true(w1_w2_up());
	assert_int_equal(status("w1").transitions, 0);
	/* only the first apply adopts */
	reload(config_text("", "10.0.0.23"));
	assert_false(alive("w2"));
}

static bool w4_up(void)
{
	struct lb_backend *b = lb_find_backend(&lb, "web", "w4");

	return b && b->alive;
}

static void test_runtime_backends_and_removal(void **state)
{
	struct lb_backend be;
	struct lb_service svc;
	struct edgelb_health_status st;
	char err[256];

	(void)state;
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	assert_int_equal(edgelb_health_count(hc), 3);
	/* lbctl backend add: the service's check, on the backend's port */
	memset(&be, 0, sizeof(be));
	snprintf(be.name, sizeof(be.name), "w4");
	be.family = EDGELB_AF_INET;
	inet_pton(AF_INET, "10.0.0.4", &be.addr.v4);
	be.port = 8080;
	be.weight = 100;
	be.alive = true;
	assert_int_equal(lb_backend_add(&lb, "web", &be, err, sizeof(err)), 0);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	assert_int_equal(edgelb_health_count(hc), 4);
	st = status("w4");
	assert_string_equal(st.type, "exec");
	assert_false(st.up);
	assert_false(w4_up());
	healthy("w4", "10.0.0.4", 8080, true);
	run_until(w4_up, 3000);
	assert_true(w4_up());

	/* lbctl backend del: its check stops */
	assert_int_equal(lb_backend_del(&lb, "web", "w3", err, sizeof(err)), 0);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	assert_int_equal(edgelb_health_count(hc), 3);
	assert_int_equal(edgelb_health_find(hc, "web", "w3", &st), -ENOENT);

	/* lbctl vip add: no check, always up */
	memset(&svc, 0, sizeof(svc));
	snprintf(svc.name, sizeof(svc.name), "api");
	svc.key.family = EDGELB_AF_INET;
	inet_pton(AF_INET, "192.0.2.20", &svc.key.addr.v4);
	svc.key.port = htons(443);
	svc.key.proto = 6;
	svc.ring_size = RING_SIZE;
	svc.mtu = 1500;
	assert_int_equal(lb_service_add(&lb, &svc, err, sizeof(err)), 0);
	be.port = 443;
	snprintf(be.name, sizeof(be.name), "a1");
	assert_int_equal(lb_backend_add(&lb, "api", &be, err, sizeof(err)), 0);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	assert_int_equal(edgelb_health_find(hc, "api", "a1", &st), 0);
	assert_string_equal(st.type, "none");
	assert_true(st.up);
	assert_false(st.checked);
}

/* ---- specs ------------------------------------------------------------ */

static void test_specs(void **state)
{
	static const char text[] =
		"instance = \"t\";\n"
		"dataplane = { interfaces = [ \"eth0\" ]; };\n"
		"services = (\n"
		"  { name = \"web\"; vip = \"192.0.2.10\"; port = 80; protocol = \"tcp\";\n"
		"    ring_size = 7919; encap = \"gue\";\n"
		"    health = { type = \"http\"; http = { path = \"/healthz\"; status = \"200\";\n"
		"               body = \"ok\"; }; };\n"
		"    backends = (\n"
		"      { name = \"h1\"; address = \"10.0.0.1\"; port = 8080; },\n"
		"      { name = \"h6\"; address = \"2001:db8::6\"; },\n"
		"      { name = \"t1\"; address = \"10.0.0.3\";\n"
		"        health = { type = \"tcp\"; through_tunnel = true; port = 81; }; },\n"
		"      { name = \"x1\"; address = \"10.0.0.4\"; port = 9000;\n"
		"        health = { type = \"exec\";\n"
		"                   exec = { command = [ \"/usr/local/bin/chk\", \"-v\" ]; };\n"
		"        }; }\n"
		"    ); }\n"
		");\n";
	struct hc_spec *specs, *s;
	struct edgelb_config c2;
	size_t n;

	(void)state;
	parse(text, &c2);
	lb_free(&lb);
	lb_init(&lb, (struct edgelb_dataplane){ .ops = &fake_dp_ops, .dp = &fdp }, NULL, NULL);
	assert_int_equal(lb_apply(&lb, &c2, NULL, 0), 0);
	assert_int_equal(hc_spec_build(&lb, &c2, &specs, &n), 0);
	assert_int_equal(n, 4);
	/* sorted by name */
	assert_string_equal(specs[0].backend, "h1");
	assert_string_equal(specs[3].backend, "x1");

	s = &specs[0];
	assert_string_equal(s->target_text, "10.0.0.1:8080");
	assert_string_equal(s->request, "GET /healthz HTTP/1.1\r\n"
					"Host: 10.0.0.1:8080\r\n"
					"User-Agent: edgelb-health/" EDGELB_VERSION "\r\n"
					"Accept: */*\r\n"
					"Connection: close\r\n\r\n");
	assert_int_equal(s->expect.n_status, 1);
	assert_string_equal(s->expect.body, "ok");
	assert_int_equal(s->mark, 0);

	s = &specs[1];
	assert_string_equal(s->target_text, "[2001:db8::6]:80");
	assert_non_null(strstr(s->request, "\r\nHost: [2001:db8::6]\r\n"));

	s = &specs[2];
	assert_true(s->through_tunnel);
	assert_string_equal(s->target_text, "192.0.2.10:81"); /* the VIP */
	assert_int_equal(s->mark, EDGELB_HC_MARK(s->backend_id));
	assert_int_equal(s->mark & EDGELB_HC_MARK_MASK, EDGELB_HC_MARK_BASE);

	s = &specs[3];
	assert_string_equal(s->argv[0], "/usr/local/bin/chk");
	assert_string_equal(s->argv[1], "-v");
	assert_null(s->argv[2]);
	assert_string_equal(s->envp[1], "EDGELB_SERVICE=web");
	assert_string_equal(s->envp[2], "EDGELB_BACKEND=x1");
	assert_string_equal(s->envp[3], "EDGELB_BACKEND_ADDRESS=10.0.0.4");
	assert_string_equal(s->envp[4], "EDGELB_BACKEND_PORT=9000");
	assert_null(s->envp[5]);

	/* the same config gives the same specs; another path does not */
	{
		struct hc_spec *again;
		size_t m;

		assert_int_equal(hc_spec_build(&lb, &c2, &again, &m), 0);
		for (size_t i = 0; i < n; i++)
			assert_true(hc_spec_same(&specs[i], &again[i]));
		free(again[0].request);
		again[0].request = strdup("GET /other HTTP/1.1\r\n\r\n");
		assert_false(hc_spec_same(&specs[0], &again[0]));
		assert_true(hc_spec_same_server(&specs[0], &again[0]));
		hc_spec_free_array(again, m);
	}

	/* through the tunnel: the daemon hears about it, and when it ends */
	assert_int_equal(edgelb_health_apply(hc, &lb, &c2), 0);
	assert_int_equal(seen.tunnels_on, 1);
	lb_free(&lb);
	lb_init(&lb, (struct edgelb_dataplane){ .ops = &fake_dp_ops, .dp = &fdp }, NULL, NULL);
	assert_int_equal(lb_apply(&lb, &cfg, NULL, 0), 0);
	assert_int_equal(edgelb_health_apply(hc, &lb, &cfg), 0);
	assert_int_equal(seen.tunnels_off, 1);
	hc_spec_free_array(specs, n);
	edgelb_config_free(&c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_backends_start_down_and_rise, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fall_takes_a_backend_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drained_and_healthy_stays_drained, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_adopt_starts_from_the_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_backends_and_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_specs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
