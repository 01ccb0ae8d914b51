// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb_nl against a real kernel: next hops, addresses and links, and the
 * change callback when the kernel's tables move under it.
 *
 *   netns "lb" (this process)                  netns "peer"
 *   eln0 02:00:00:00:01:01  ================  eln1 02:00:00:00:01:02
 *     10.77.0.1/24, 10.77.0.5/24 (secondary)    10.77.0.2/24, fd77::2/64
 *     10.77.9.9/32, fd77::1/64, fe80::1/64      answers ARP and ND
 *   routes  198.51.100.0/24 via 10.77.0.254     default via 10.77.0.253
 *           blackhole 192.0.2.0/24              100.64.0.0/16 dev lo
 *           2001:db8:100::/48 via fe80::fe
 *   static neighbours 10.77.0.254, .253, .50, fe80::fe
 *
 * Both namespaces are unshared by this process and never named: the
 * kernel destroys them, and the veth pair, when the process exits, however
 * it exits. A failing or crashing test leaves nothing behind.
 *
 * Needs root; exits 77 (skip) without it or without iproute2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/neighbour.h>
#include <cmocka.h>

#include "netlink.h"

#define IF_LB "eln0"
#define IF_PEER "eln1"
#define QUIET_MS 200   /* no notification for this long: settled */
#define NO_CHANGE_MS 300 /* a change that must not call back gets this long */
#define CHANGE_MS 5000	 /* a change that must call back gets this long */

static int ns_lb = -1, ns_peer = -1;
static struct edgelb_nl *nl;
static unsigned int changes; /* callbacks of nl */
static int lb_ifindex;
static char logbuf[16384];

static const uint8_t mac_lb[6] = { 2, 0, 0, 0, 1, 1 };
static const uint8_t mac_peer[6] = { 2, 0, 0, 0, 1, 2 };

static void on_change(void *arg)
{
	(*(unsigned int *)arg)++;
}

/* Keep the messages, as the daemon's logger would print them, for checks. */
static void on_log(int level, const char *msg, void *arg)
{
	size_t len = strlen(logbuf);

	(void)arg;
	fprintf(stderr, "[%d] netlink: %s\n", level, msg);
	if (len + strlen(msg) + 12 >= sizeof(logbuf))
		len = logbuf[0] = 0;
	snprintf(logbuf + len, sizeof(logbuf) - len, "netlink: %s\n", msg);
}

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc)) {
		fprintf(stderr, "test_netlink: command failed (%d): %s\n", rc, cmd);
		return -1;
	}
	return 0;
}

/* Run a command in the peer namespace; children inherit the caller's. */
__attribute__((format(printf, 1, 2))) static int sh_peer(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (setns(ns_peer, CLONE_NEWNET))
		return -1;
	rc = sh("%s", cmd);
	if (setns(ns_lb, CLONE_NEWNET))
		abort(); /* would run every later command in the wrong place */
	return rc;
}

/* First line of a command's output, for checks on kernel state. */
static void sh_read(char *out, size_t len, const char *cmd)
{
	FILE *f = popen(cmd, "r");

	assert_non_null(f);
	if (!fgets(out, (int)len, f))
		out[0] = 0;
	pclose(f);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Process notifications until *counter exceeds before or timeout_ms passes. */
static bool wait_change(struct edgelb_nl *n, unsigned int *counter, unsigned int before,
			int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = edgelb_nl_fd(n), .events = POLLIN };
		int64_t left = deadline - now_ms();
		int r;

		if (*counter > before)
			return true;
		if (left <= 0)
			return false;
		r = poll(&p, 1, (int)left);
		assert_true(r >= 0);
		if (r > 0)
			assert_int_equal(edgelb_nl_process(n), 0);
	}
}

/* Apply everything pending, until QUIET_MS without a notification. */
static void settle(struct edgelb_nl *n)
{
	for (;;) {
		struct pollfd p = { .fd = edgelb_nl_fd(n), .events = POLLIN };
		int r = poll(&p, 1, QUIET_MS);

		assert_true(r >= 0);
		if (!r)
			return;
		assert_int_equal(edgelb_nl_process(n), 0);
	}
}

static union edgelb_addr addr4(const char *s)
{
	union edgelb_addr a = { 0 };

	assert_int_equal(inet_pton(AF_INET, s, &a.v4), 1);
	return a;
}

static union edgelb_addr addr6(const char *s)
{
	union edgelb_addr a = { 0 };

	assert_int_equal(inet_pton(AF_INET6, s, a.bytes), 1);
	return a;
}

static void mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int m[6];

	assert_int_equal(sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]),
			 6);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
}

/* Look up dst on eln0 and check the answer is resolved to gw / mac. */
static void expect_hop(uint8_t family, const char *dst, const char *gw, const char *mac,
		       bool onlink)
{
	union edgelb_addr d = family == EDGELB_AF_INET ? addr4(dst) : addr6(dst);
	union edgelb_addr g = family == EDGELB_AF_INET ? addr4(gw) : addr6(gw);
	struct edgelb_nl_nexthop hop;
	uint8_t m[6];

	mac_parse(mac, m);
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, family, &d, &hop), 0);
	assert_int_equal(hop.ifindex, lb_ifindex);
	assert_int_equal(hop.family, family);
	assert_memory_equal(hop.gateway.bytes, g.bytes, sizeof(g));
	assert_int_equal(hop.onlink, onlink);
	assert_true(hop.resolved);
	assert_memory_equal(hop.mac, m, 6);
}

static int setup_topology(void)
{
	pid_t pid = getpid();

	if (sh("ip link set lo up") ||
	    sh("ip link add " IF_LB " address 02:00:00:00:01:01 type veth peer name " IF_PEER
	       " address 02:00:00:00:01:02 netns /proc/%d/fd/%d",
	       (int)pid, ns_peer) ||
	    /* No automatic link-local address: no DAD or MLD noise during the tests. */
	    sh("ip link set " IF_LB " addrgenmode none") ||
	    sh("ip addr add 10.77.0.1/24 dev " IF_LB) ||
	    sh("ip addr add 10.77.0.5/24 dev " IF_LB) ||
	    sh("ip addr add 10.77.9.9/32 dev " IF_LB) ||
	    sh("ip -6 addr add fd77::1/64 dev " IF_LB " nodad") ||
	    sh("ip -6 addr add fe80::1/64 dev " IF_LB " nodad") ||
	    sh("ip link set " IF_LB " up"))
		return -1;
	if (sh_peer("ip link set lo up") || sh_peer("ip link set " IF_PEER " addrgenmode none") ||
	    sh_peer("ip addr add 10.77.0.2/24 dev " IF_PEER) ||
	    sh_peer("ip -6 addr add fd77::2/64 dev " IF_PEER " nodad") ||
	    sh_peer("ip link set " IF_PEER " up"))
		return -1;
	if (sh("ip neigh add 10.77.0.254 lladdr 02:00:00:00:00:fe dev " IF_LB " nud permanent") ||
	    sh("ip neigh add 10.77.0.253 lladdr 02:00:00:00:00:fd dev " IF_LB " nud permanent") ||
	    sh("ip neigh add 10.77.0.50 lladdr 02:00:00:00:00:50 dev " IF_LB " nud permanent") ||
	    sh("ip -6 neigh add fe80::fe lladdr 02:00:00:00:06:fe dev " IF_LB " nud permanent") ||
	    sh("ip route add 198.51.100.0/24 via 10.77.0.254 dev " IF_LB) ||
	    sh("ip route add default via 10.77.0.253 dev " IF_LB) ||
	    sh("ip route add blackhole 192.0.2.0/24") ||
	    sh("ip route add 100.64.0.0/16 dev lo") ||
	    sh("ip -6 route add 2001:db8:100::/48 via fe80::fe dev " IF_LB))
		return -1;
	return 0;
}

static int group_setup(void **state)
{
	struct edgelb_nl_opts opts = { .change_cb = on_change, .arg = &changes, .log = on_log };
	int err;

	(void)state;
	if (setup_topology())
		return -1;
	err = edgelb_nl_open_opts(&opts, &nl);
	if (err) {
		fprintf(stderr, "test_netlink: edgelb_nl_open: %s\n", strerror(-err));
		return -1;
	}
	err = edgelb_nl_link(nl, IF_LB, &lb_ifindex, NULL);
	if (err)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	edgelb_nl_close(nl);
	return 0;
}

static void test_link(void **state)
{
	int ifindex = 0;
	uint8_t mac[6];

	(void)state;
	assert_int_equal(edgelb_nl_link(nl, IF_LB, &ifindex, mac), 0);
	assert_true(ifindex > 0);
	assert_memory_equal(mac, mac_lb, 6);

	logbuf[0] = 0;
	assert_int_equal(edgelb_nl_link(nl, "edlb-nope", &ifindex, mac), -ENODEV);
	assert_non_null(strstr(logbuf, "netlink: interface edlb-nope not found"));
	assert_int_equal(edgelb_nl_link(nl, "lo", &ifindex, mac), -EPROTONOSUPPORT);
	assert_non_null(strstr(logbuf, "interface lo is not Ethernet"));
	assert_int_equal(edgelb_nl_link(nl, "a-name-much-too-long-for-linux", NULL, NULL),
			 -EINVAL);
}

/* The daemon's short form: no callback options, messages on stderr. */
static void test_open_default(void **state)
{
	struct edgelb_nl *plain;
	uint8_t mac[6];

	(void)state;
	assert_int_equal(edgelb_nl_open(NULL, NULL, &plain), 0);
	assert_true(edgelb_nl_fd(plain) >= 0);
	assert_int_equal(edgelb_nl_link(plain, IF_LB, NULL, mac), 0);
	assert_memory_equal(mac, mac_lb, 6);
	assert_int_equal(edgelb_nl_link(plain, "edlb-nope", NULL, NULL), -ENODEV);
	edgelb_nl_close(plain);
}

static void test_primary_addr(void **state)
{
	union edgelb_addr a, want;

	(void)state;
	/* Not the secondary 10.77.0.5, not the host address 10.77.9.9/32. */
	want = addr4("10.77.0.1");
	assert_int_equal(edgelb_nl_primary_addr(nl, lb_ifindex, EDGELB_AF_INET, &a), 0);
	assert_memory_equal(&a, &want, sizeof(a));
	/* Not the link-local fe80::1. */
	want = addr6("fd77::1");
	assert_int_equal(edgelb_nl_primary_addr(nl, lb_ifindex, EDGELB_AF_INET6, &a), 0);
	assert_memory_equal(&a, &want, sizeof(a));

	/* The lowest subnet address wins, whatever the order they came in. */
	assert_int_equal(sh("ip addr add 10.3.0.1/24 dev " IF_LB), 0);
	settle(nl);
	want = addr4("10.3.0.1");
	assert_int_equal(edgelb_nl_primary_addr(nl, lb_ifindex, EDGELB_AF_INET, &a), 0);
	assert_memory_equal(&a, &want, sizeof(a));
	assert_int_equal(sh("ip addr del 10.3.0.1/24 dev " IF_LB), 0);
	settle(nl);
	want = addr4("10.77.0.1");
	assert_int_equal(edgelb_nl_primary_addr(nl, lb_ifindex, EDGELB_AF_INET, &a), 0);
	assert_memory_equal(&a, &want, sizeof(a));

	/* lo has only 127.0.0.1, scope host; the caller decides whether to complain */
	logbuf[0] = 0;
	assert_int_equal(edgelb_nl_primary_addr(nl, 1, EDGELB_AF_INET, &a), -EADDRNOTAVAIL);
	assert_int_equal(edgelb_nl_primary_addr(nl, 99999, EDGELB_AF_INET, &a), -ENODEV);
	assert_non_null(strstr(logbuf, "interface index 99999 not found"));
	assert_int_equal(edgelb_nl_primary_addr(nl, lb_ifindex, 5, &a), -EAFNOSUPPORT);
}

static void test_nexthop_offlink(void **state)
{
	(void)state;
	/* Longest prefix: the /24 before the default route. */
	expect_hop(EDGELB_AF_INET, "198.51.100.7", "10.77.0.254", "02:00:00:00:00:fe", false);
	expect_hop(EDGELB_AF_INET, "203.0.113.5", "10.77.0.253", "02:00:00:00:00:fd", false);
	/* 100.64.0.0/16 leaves by lo: not a way out of eln0, the default route is. */
	expect_hop(EDGELB_AF_INET, "100.64.1.1", "10.77.0.253", "02:00:00:00:00:fd", false);
	/* IPv6 via a link-local gateway. */
	expect_hop(EDGELB_AF_INET6, "2001:db8:100::1", "fe80::fe", "02:00:00:00:06:fe", false);
}

static void test_nexthop_onlink(void **state)
{
	struct edgelb_nl_nexthop hop;
	union edgelb_addr d = addr4("10.77.0.50");

	(void)state;
	expect_hop(EDGELB_AF_INET, "10.77.0.50", "10.77.0.50", "02:00:00:00:00:50", true);
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, EDGELB_AF_INET, &d, &hop), 0);
	assert_int_equal(hop.nud_state, NUD_PERMANENT);
}

static void test_nexthop_errors(void **state)
{
	struct edgelb_nl_nexthop hop;
	union edgelb_addr d;

	(void)state;
	logbuf[0] = 0;
	d = addr4("192.0.2.1");
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, EDGELB_AF_INET, &d, &hop),
			 -ENETUNREACH);
	assert_non_null(strstr(logbuf, "the route to 192.0.2.1 is a blackhole route"));
	d = addr6("2001:db8:200::1");
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, EDGELB_AF_INET6, &d, &hop),
			 -ENETUNREACH);
	assert_non_null(strstr(logbuf, "no route to 2001:db8:200::1 leaves by " IF_LB));
	assert_false(hop.resolved);
	d = addr4("198.51.100.7");
	assert_int_equal(edgelb_nl_nexthop(nl, 99999, EDGELB_AF_INET, &d, &hop), -ENODEV);
	assert_int_equal(edgelb_nl_nexthop(nl, 1, EDGELB_AF_INET, &d, &hop), -EPROTONOSUPPORT);
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, 0, &d, &hop), -EAFNOSUPPORT);
}

static void test_gateway_mac_change(void **state)
{
	unsigned int before;

	(void)state;
	expect_hop(EDGELB_AF_INET, "198.51.100.7", "10.77.0.254", "02:00:00:00:00:fe", false);
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip neigh replace 10.77.0.254 lladdr 02:00:00:00:00:aa dev " IF_LB
			    " nud permanent"),
			 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	expect_hop(EDGELB_AF_INET, "198.51.100.7", "10.77.0.254", "02:00:00:00:00:aa", false);
}

/* Changes that cannot alter an answer do not call back. */
static void test_irrelevant_changes(void **state)
{
	unsigned int before;

	(void)state;
	expect_hop(EDGELB_AF_INET, "198.51.100.7", "10.77.0.254", "02:00:00:00:00:aa", false);
	settle(nl);
	before = changes;
	/* A neighbour no lookup asked about. */
	assert_int_equal(sh("ip neigh add 10.77.0.60 lladdr 02:00:00:00:00:60 dev " IF_LB
			    " nud permanent"),
			 0);
	assert_false(wait_change(nl, &changes, before, NO_CHANGE_MS));
	/* The gateway's state changes, its MAC does not. */
	assert_int_equal(sh("ip neigh replace 10.77.0.254 lladdr 02:00:00:00:00:aa dev " IF_LB
			    " nud noarp"),
			 0);
	assert_false(wait_change(nl, &changes, before, NO_CHANGE_MS));
	expect_hop(EDGELB_AF_INET, "198.51.100.7", "10.77.0.254", "02:00:00:00:00:aa", false);
	/* Routes of another table. */
	assert_int_equal(sh("ip route add 198.51.100.0/24 via 10.77.0.253 dev " IF_LB
			    " table 100"),
			 0);
	assert_false(wait_change(nl, &changes, before, NO_CHANGE_MS));
}

static void test_unresolved_then_static(void **state)
{
	union edgelb_addr d = addr4("10.77.0.77");
	struct edgelb_nl_stats st0, st1;
	struct edgelb_nl_nexthop hop;
	unsigned int before;
	char line[256];

	(void)state;
	settle(nl);
	edgelb_nl_get_stats(nl, &st0);
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, EDGELB_AF_INET, &d, &hop), 0);
	assert_true(hop.onlink);
	assert_false(hop.resolved);
	edgelb_nl_get_stats(nl, &st1);
	assert_int_equal(st1.resolves, st0.resolves + 1);
	/* The kernel now resolves it on our behalf, and keeps it resolved. */
	sh_read(line, sizeof(line), "ip neigh show 10.77.0.77 dev " IF_LB);
	assert_non_null(strstr(line, "managed"));
	/* Asked once per callback period, not on every lookup. */
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, EDGELB_AF_INET, &d, &hop), 0);
	edgelb_nl_get_stats(nl, &st1);
	assert_int_equal(st1.resolves, st0.resolves + 1);

	before = changes;
	assert_int_equal(sh("ip neigh replace 10.77.0.77 lladdr 02:00:00:00:00:77 dev " IF_LB
			    " nud permanent"),
			 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	expect_hop(EDGELB_AF_INET, "10.77.0.77", "10.77.0.77", "02:00:00:00:00:77", true);

	/* A watched entry that goes away calls back too. */
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip neigh del 10.77.0.77 dev " IF_LB), 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, EDGELB_AF_INET, &d, &hop), 0);
	assert_false(hop.resolved);
}

/* A real neighbour, resolved by the kernel through ARP / ND at our request. */
static void resolve_by_kernel(uint8_t family, const char *dst, const char *show)
{
	union edgelb_addr d = family == EDGELB_AF_INET ? addr4(dst) : addr6(dst);
	struct edgelb_nl_nexthop hop;
	unsigned int before;
	char line[256];

	settle(nl);
	before = changes;
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, family, &d, &hop), 0);
	assert_true(hop.onlink);
	assert_false(hop.resolved);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, family, &d, &hop), 0);
	assert_true(hop.resolved);
	assert_memory_equal(hop.mac, mac_peer, 6);
	assert_true(hop.nud_state & NUD_REACHABLE);
	sh_read(line, sizeof(line), show);
	assert_non_null(strstr(line, "managed"));
}

static void test_resolve_by_kernel_v4(void **state)
{
	(void)state;
	resolve_by_kernel(EDGELB_AF_INET, "10.77.0.2", "ip neigh show 10.77.0.2 dev " IF_LB);
}

static void test_resolve_by_kernel_v6(void **state)
{
	(void)state;
	resolve_by_kernel(EDGELB_AF_INET6, "fd77::2", "ip -6 neigh show fd77::2 dev " IF_LB);
}

static void test_route_change(void **state)
{
	unsigned int before;

	(void)state;
	expect_hop(EDGELB_AF_INET, "198.51.100.200", "10.77.0.254", "02:00:00:00:00:aa", false);
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip route add 198.51.100.128/25 via 10.77.0.253 dev " IF_LB
			    " metric 100"),
			 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	expect_hop(EDGELB_AF_INET, "198.51.100.200", "10.77.0.253", "02:00:00:00:00:fd", false);
	/* Same prefix, lower metric: the new route wins. */
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip route add 198.51.100.128/25 via 10.77.0.254 dev " IF_LB
			    " metric 50"),
			 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	expect_hop(EDGELB_AF_INET, "198.51.100.200", "10.77.0.254", "02:00:00:00:00:aa", false);
	/* Back to the /24 once both are gone. */
	assert_int_equal(sh("ip route del 198.51.100.128/25 metric 50"), 0);
	assert_int_equal(sh("ip route del 198.51.100.128/25 metric 100"), 0);
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip route replace 198.51.100.0/24 via 10.77.0.253 dev " IF_LB), 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	expect_hop(EDGELB_AF_INET, "198.51.100.200", "10.77.0.253", "02:00:00:00:00:fd", false);
	assert_int_equal(sh("ip route replace 198.51.100.0/24 via 10.77.0.254 dev " IF_LB), 0);
	settle(nl);
	expect_hop(EDGELB_AF_INET, "198.51.100.200", "10.77.0.254", "02:00:00:00:00:aa", false);
}

static void test_address_change(void **state)
{
	unsigned int before;

	(void)state;
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip addr add 10.77.5.5/24 dev " IF_LB), 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip addr del 10.77.5.5/24 dev " IF_LB), 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
}

static void test_link_mac_change(void **state)
{
	static const uint8_t mac_new[6] = { 2, 0, 0, 0, 1, 0x99 };
	unsigned int before;
	uint8_t mac[6];

	(void)state;
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip link set " IF_LB " address 02:00:00:00:01:99"), 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	assert_int_equal(edgelb_nl_link(nl, IF_LB, NULL, mac), 0);
	assert_memory_equal(mac, mac_new, 6);
	settle(nl);
	before = changes;
	assert_int_equal(sh("ip link set " IF_LB " address 02:00:00:00:01:01"), 0);
	assert_true(wait_change(nl, &changes, before, CHANGE_MS));
	assert_int_equal(edgelb_nl_link(nl, IF_LB, NULL, mac), 0);
	assert_memory_equal(mac, mac_lb, 6);
}

/*
 * More notifications than a tiny receive buffer holds: the kernel drops
 * some (ENOBUFS); the instance reloads its tables, calls back, and answers
 * from the reloaded tables.
 */
static void test_overrun_resync(void **state)
{
	struct edgelb_nl_opts opts = {
		.change_cb = on_change, .log = on_log, .rcvbuf = 4096,
	};
	union edgelb_addr d = addr4("10.78.5.219");
	struct edgelb_nl_nexthop hop;
	struct edgelb_nl_stats st;
	unsigned int small_changes = 0;
	struct edgelb_nl *small;
	FILE *batch;

	(void)state;
	opts.arg = &small_changes;
	assert_int_equal(sh("ip addr add 10.78.0.1/16 dev " IF_LB), 0);
	assert_int_equal(edgelb_nl_open_opts(&opts, &small), 0);
	settle(small);
	settle(nl);

	batch = popen("ip -batch -", "w");
	assert_non_null(batch);
	for (int i = 0; i < 1500; i++)
		fprintf(batch, "neigh add 10.78.%d.%d lladdr 02:00:00:78:%02x:%02x dev " IF_LB
			       " nud permanent\n",
			i / 250, i % 250, i / 250, i % 250);
	assert_int_equal(pclose(batch), 0);

	assert_true(wait_change(small, &small_changes, 0, CHANGE_MS));
	settle(small);
	edgelb_nl_get_stats(small, &st);
	assert_true(st.resyncs >= 1);
	/* 10.78.5.219 is entry 1469, the last ones of the burst. */
	assert_int_equal(edgelb_nl_nexthop(small, lb_ifindex, EDGELB_AF_INET, &d, &hop), 0);
	assert_true(hop.resolved);
	assert_memory_equal(hop.mac, ((uint8_t[6]){ 2, 0, 0, 0x78, 5, 219 }), 6);
	edgelb_nl_close(small);

	/* The default buffer holds the burst. */
	settle(nl);
	assert_int_equal(edgelb_nl_nexthop(nl, lb_ifindex, EDGELB_AF_INET, &d, &hop), 0);
	assert_true(hop.resolved);
	assert_memory_equal(hop.mac, ((uint8_t[6]){ 2, 0, 0, 0x78, 5, 219 }), 6);
	edgelb_nl_get_stats(nl, &st);
	assert_int_equal(st.resyncs, 0);
}

static int enter_namespaces(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	ns_lb = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_lb < 0)
		return -errno;
	if (unshare(CLONE_NEWNET))
		return -errno;
	ns_peer = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_peer < 0)
		return -errno;
	if (setns(ns_lb, CLONE_NEWNET))
		return -errno;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_open_default),
		cmocka_unit_test(test_primary_addr),
		cmocka_unit_test(test_nexthop_offlink),
		cmocka_unit_test(test_nexthop_onlink),
		cmocka_unit_test(test_nexthop_errors),
		cmocka_unit_test(test_gateway_mac_change),
		cmocka_unit_test(test_irrelevant_changes),
		cmocka_unit_test(test_unresolved_then_static),
		cmocka_unit_test(test_resolve_by_kernel_v4),
		cmocka_unit_test(test_resolve_by_kernel_v6),
		cmocka_unit_test(test_route_change),
		cmocka_unit_test(test_address_change),
		cmocka_unit_test(test_link_mac_change),
		cmocka_unit_test(test_overrun_resync),
	};
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "test_netlink: SKIP: needs root (network namespaces, veth, "
				"neighbour entries)\n");
		return 77;
	}
	if (system("ip -V >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_netlink: SKIP: iproute2 'ip' is not installed\n");
		return 77;
	}
	err = enter_namespaces();
	if (err) {
		fprintf(stderr, "test_netlink: SKIP: cannot create network namespaces: %s\n",
			strerror(-err));
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
