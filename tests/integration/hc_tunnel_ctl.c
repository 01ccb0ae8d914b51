// SPDX-License-Identifier: GPL-2.0-only
/*
 * hc-tunnel-ctl: drives controlplane/health/tunnel.c the way edgelbd does,
 * one daemon run per invocation, for test_hc_tunnel.sh.
 *
 *   up IFACE --pin DIR --src A [--src A6] [--vip V]... [--target T]...
 *        open (adopting what an earlier run left), set the VIPs and the
 *        targets, print "mark ID 0x..." per target, then _exit(0) with
 *        everything left in place: what a killed edgelbd leaves behind.
 *   down IFACE --pin DIR
 *        open and close: what a stopping edgelbd does.
 *   stats DIR
 *        the counters pinned in DIR, "name value" per line.
 *
 * T is ID,ENCAP,BACKEND[,MAC][,GUEPORT]: ENCAP ipip | gue | dsr, BACKEND
 * an IPv4 or IPv6 address (the outer source is the --src of its family),
 * MAC "-" or absent to let the kernel resolve the next hop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tunnel.h"

#define MAX_ITEMS 64

static void usage(void)
{
	fprintf(stderr,
		"usage: hc-tunnel-ctl up IFACE --pin DIR --src ADDR [--src ADDR6] [--table N]\n"
		"                        [--vip ADDR]...\n"
		"                        [--target ID,ENCAP,BACKEND[,MAC][,PORT]]...\n"
		"       hc-tunnel-ctl down IFACE --pin DIR\n"
		"       hc-tunnel-ctl stats DIR\n");
	exit(2);
}

/* Returns the edgelb family of s, 0 if it is no address. */
static uint8_t parse_addr(const char *s, union edgelb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		return EDGELB_AF_INET;
	if (inet_pton(AF_INET6, s, a->bytes) == 1)
		return EDGELB_AF_INET6;
	return 0;
}

static int parse_target(char *spec, const struct edgelb_hc_tunnel_opts *o, uint32_t *id,
			struct edgelb_hc_target *t)
{
	char *f[5] = { 0 };
	int n = 0;

	for (char *s = strtok(spec, ","); s && n < 5; s = strtok(NULL, ","))
		f[n++] = s;
	if (n < 3)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	*id = (uint32_t)strtoul(f[0], NULL, 0);
	if (!strcmp(f[1], "ipip"))
		t->encap = EDGELB_ENCAP_IPIP;
	else if (!strcmp(f[1], "gue"))
		t->encap = EDGELB_ENCAP_GUE;
	else if (!strcmp(f[1], "dsr"))
		t->encap = EDGELB_ENCAP_DSR;
	else
		return -EINVAL;
	t->family = parse_addr(f[2], &t->backend);
	if (!t->family)
		return -EINVAL;
	t->src = t->family == EDGELB_AF_INET6 ? o->src_v6 : o->src_v4;
	if (f[3] && strcmp(f[3], "-") &&
	    sscanf(f[3], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &t->mac[0], &t->mac[1], &t->mac[2],
		   &t->mac[3], &t->mac[4], &t->mac[5]) != 6)
		return -EINVAL;
	if (f[4])
		t->gue_dport = htons((uint16_t)atoi(f[4]));
	return 0;
}

static int cmd_stats(const char *dir)
{
	uint64_t c[EDGELB_HC_CNT_MAX];
	int err = edgelb_hc_tunnel_stats_pinned(dir, c);

	if (err) {
		fprintf(stderr, "hc-tunnel-ctl: %s: %s\n", dir, strerror(-err));
		return 1;
	}
	for (unsigned int i = 0; i < EDGELB_HC_CNT_MAX; i++)
		printf("%s %llu\n", edgelb_hc_counter_name(i), (unsigned long long)c[i]);
	return 0;
}

int main(int argc, char **argv)
{
	struct edgelb_hc_tunnel_opts o = { 0 };
	struct edgelb_hc_vip vips[MAX_ITEMS];
	char *targets[MAX_ITEMS];
	size_t nvips = 0, ntargets = 0;
	struct edgelb_hc_tunnel *t;
	bool up;
	int err;

	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(argv[2]);
	up = !strcmp(argv[1], "up");
	if (!up && strcmp(argv[1], "down"))
		usage();
	o.ifname = argv[2];
	for (int i = 3; i < argc; i++) {
		const char *arg = argv[i];
		char *val = i + 1 < argc ? argv[++i] : NULL;
		union edgelb_addr a;
		uint8_t f;

		if (!val)
			usage();
		if (!strcmp(arg, "--pin")) {
			o.pin_dir = val;
		} else if (!strcmp(arg, "--table")) {
			o.table = (uint32_t)strtoul(val, NULL, 0);
		} else if (!strcmp(arg, "--src")) {
			f = parse_addr(val, &a);
			if (f == EDGELB_AF_INET) {
				o.src_v4 = a;
				o.has_src_v4 = 1;
			} else if (f == EDGELB_AF_INET6) {
				o.src_v6 = a;
				o.has_src_v6 = 1;
			} else {
				usage();
			}
		} else if (!strcmp(arg, "--vip") && nvips < MAX_ITEMS) {
			vips[nvips].family = parse_addr(val, &vips[nvips].addr);
			if (!vips[nvips++].family)
				usage();
		} else if (!strcmp(arg, "--target") && ntargets < MAX_ITEMS) {
			targets[ntargets++] = val;
		} else {
			usage();
		}
	}

	edgelb_log_route_libbpf();
	err = edgelb_hc_tunnel_open(&o, &t);
	if (err) {
		fprintf(stderr, "hc-tunnel-ctl: open: %s\n", strerror(-err));
		return 1;
	}
	if (!up) {
		edgelb_hc_tunnel_close(t);
		return 0;
	}
	err = edgelb_hc_tunnel_set_vips(t, vips, nvips);
	for (size_t i = 0; !err && i < ntargets; i++) {
		struct edgelb_hc_target target;
		uint32_t id;

		err = parse_target(targets[i], &o, &id, &target);
		if (err) {
			fprintf(stderr, "hc-tunnel-ctl: bad target %zu\n", i + 1);
			break;
		}
		err = edgelb_hc_tunnel_set(t, id, &target);
		if (!err)
			printf("mark %u 0x%08x\n", id, edgelb_hc_tunnel_mark(id));
	}
	if (err) {
		fprintf(stderr, "hc-tunnel-ctl: %s\n", strerror(-err));
		edgelb_hc_tunnel_close(t);
		return 1;
	}
	fflush(stdout);
	/* like a killed daemon: no close, no exit handlers (LeakSanitizer) */
	_exit(0);
}
