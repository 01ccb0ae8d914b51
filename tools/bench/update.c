// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-update: time from an operator's `lbctl backend drain|undrain` to
 * the change being live in the data plane, i.e. the VIP's live ring (read
 * from the pinned maps, as the XDP program reads it) no longer holds, or
 * holds again, the backend. Prints p50, p90, p99 and max over the changes.
 *
 * Runs against an edgelbd that is already up (tools/bench/update.sh sets
 * one up with 100 services x 100 backends). A benchmark: asserts nothing
 * about the figures, but refuses to report if a change never shows up.
 *
 * usage: bench-update PIN_DIR LBCTL SOCKET CHANGES
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <json-c/json.h>

#include "abi.h"
#include "bench_util.h"

extern char **environ;

struct target {
	char service[64], backend[64];
	struct edgelb_vip_key key;
	uint32_t id;
	int drained;
};

/* Run lbctl with args, wait for it; returns its exit status or -1. */
static int run(char *const argv[], pid_t *pid_out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	/* lbctl's "drained" line is not what we measure */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -1;
	*pid_out = pid;
	return 0;
}

static int wait_exit(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Read lbctl --json backend list and the VIP list into targets. */
static struct target *load_targets(const char *lbctl, const char *sock, size_t *n)
{
	char cmd[1024];
	FILE *f;
	static char buf[8 << 20];
	size_t len;
	json_object *root, *vips, *bes;
	struct target *t;

	snprintf(cmd, sizeof(cmd), "%s -s %s --json vip list", lbctl, sock);
	f = popen(cmd, "r");
	len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		pclose(f);
	buf[len] = 0;
	root = json_tokener_parse(buf);
	if (!root || !json_object_object_get_ex(root, "services", &vips)) {
		fprintf(stderr, "bench-update: lbctl vip list gave no VIPs\n");
		return NULL;
	}
	vips = json_object_get(vips);
	json_object_put(root);

	snprintf(cmd, sizeof(cmd), "%s -s %s --json backend list", lbctl, sock);
	f = popen(cmd, "r");
	len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		pclose(f);
	buf[len] = 0;
	root = json_tokener_parse(buf);
	if (!root || !json_object_object_get_ex(root, "backends", &bes)) {
		fprintf(stderr, "bench-update: lbctl backend list gave no backends\n");
		json_object_put(vips);
		return NULL;
	}
	*n = json_object_array_length(bes);
	t = calloc(*n, sizeof(*t));
	for (size_t i = 0; t && i < *n; i++) {
		json_object *b = json_object_array_get_idx(bes, i), *v;
		const char *svc;

		json_object_object_get_ex(b, "service", &v);
		svc = json_object_get_string(v);
		snprintf(t[i].service, sizeof(t[i].service), "%s", svc);
		json_object_object_get_ex(b, "name", &v);
		snprintf(t[i].backend, sizeof(t[i].backend), "%s", json_object_get_string(v));
		json_object_object_get_ex(b, "id", &v);
		t[i].id = (uint32_t)json_object_get_int(v);
		for (size_t k = 0; k < json_object_array_length(vips); k++) {
			json_object *vp = json_object_array_get_idx(vips, k), *x;
			const char *proto;

			json_object_object_get_ex(vp, "name", &x);
			if (strcmp(json_object_get_string(x), svc))
				continue;
			json_object_object_get_ex(vp, "vip", &x);
			inet_pton(AF_INET, json_object_get_string(x), &t[i].key.addr.v4);
			t[i].key.family = EDGELB_AF_INET;
			json_object_object_get_ex(vp, "port", &x);
			t[i].key.port = htons((uint16_t)json_object_get_int(x));
			json_object_object_get_ex(vp, "protocol", &x);
			proto = json_object_get_string(x);
			t[i].key.proto = !strcmp(proto, "udp") ? 17 : 6;
		}
	}
	json_object_put(root);
	json_object_put(vips);
	return t;
}

/* Does the VIP's live ring hold backend id (as a packet would see it)? */
static int ring_holds(int vips_fd, const uint32_t *slots, size_t n_slots, const struct target *t)
{
	struct edgelb_vip_meta meta;

	if (bpf_map_lookup_elem(vips_fd, &t->key, &meta))
		return -1;
	if ((size_t)meta.ring_base + meta.ring_size > n_slots)
		return -1;
	for (uint32_t s = 0; s < meta.ring_size; s++)
		if (slots[meta.ring_base + s] == t->id)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	int vips_fd, rings_fd, changes;
	size_t n_targets, n_slots;
	struct target *targets;
	uint32_t *slots;
	double *lat, *rtt;
	unsigned int seed = 42;

	if (argc != 5 || (changes = atoi(argv[4])) < 1 || changes > 100000) {
		fprintf(stderr, "usage: %s PIN_DIR LBCTL SOCKET CHANGES\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/vips", argv[1]);
	vips_fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/rings", argv[1]);
	rings_fd = bpf_obj_get(path);
	memset(&info, 0, sizeof(info));
	if (vips_fd < 0 || rings_fd < 0 || bpf_obj_get_info_by_fd(rings_fd, &info, &len)) {
		fprintf(stderr, "bench-update: no pinned maps in %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	n_slots = (size_t)info.max_entries * 2;
	slots = mmap(NULL, n_slots * 4, PROT_READ, MAP_SHARED, rings_fd, 0);
	if (slots == MAP_FAILED) {
		fprintf(stderr, "bench-update: mmap of the rings: %s\n", strerror(errno));
		return 1;
	}
	targets = load_targets(argv[2], argv[3], &n_targets);
	if (!targets || !n_targets)
		return 1;
	lat = calloc((size_t)changes, sizeof(*lat));
	rtt = calloc((size_t)changes, sizeof(*rtt));
	if (!lat || !rtt)
		return 1;

	for (int c = 0; c < changes; c++) {
		struct target *t = &targets[(size_t)rand_r(&seed) % n_targets];
		char *args[] = { argv[2], "-s", argv[3], "backend",
				 t->drained ? "undrain" : "drain", t->service, t->backend, NULL };
		int want = t->drained; /* after undrain the ring holds it again */
		double t0 = bench_now_ms(), t1 = 0;
		pid_t pid;
		int rc;

		if (run(args, &pid)) {
			fprintf(stderr, "bench-update: cannot run %s\n", argv[2]);
			return 1;
		}
		while (bench_now_ms() - t0 < 2000) {
			if (ring_holds(vips_fd, slots, n_slots, t) == want) {
				t1 = bench_now_ms();
				break;
			}
			usleep(20);
		}
		rc = wait_exit(pid);
		rtt[c] = bench_now_ms() - t0;
		if (rc != 0 || !t1) {
			fprintf(stderr, "bench-update: change %d (%s %s/%s): lbctl exit %d, %s\n", c,
				args[4], t->service, t->backend, rc,
				t1 ? "visible" : "never visible within 2 s");
			return 1;
		}
		lat[c] = t1 - t0;
		t->drained = !t->drained;
	}
	qsort(lat, (size_t)changes, sizeof(*lat), bench_cmp_double);
	qsort(rtt, (size_t)changes, sizeof(*rtt), bench_cmp_double);
	printf("%d changes (lbctl backend drain/undrain, random service and backend of %zu)\n",
	       changes, n_targets);
	printf("%-34s %8s %8s %8s %8s\n", "ms", "p50", "p90", "p99", "max");
	printf("%-34s %8.2f %8.2f %8.2f %8.2f\n", "lbctl start -> live in the ring",
	       lat[changes / 2], lat[changes * 9 / 10], lat[changes * 99 / 100], lat[changes - 1]);
	printf("%-34s %8.2f %8.2f %8.2f %8.2f\n", "lbctl start -> lbctl exited (ack)",
	       rtt[changes / 2], rtt[changes * 9 / 10], rtt[changes * 99 / 100], rtt[changes - 1]);
	printf("target: p99 live < 10 ms\n");
	free(lat);
	free(rtt);
	free(targets);
	return 0;
}
