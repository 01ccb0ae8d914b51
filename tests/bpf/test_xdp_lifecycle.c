// SPDX-License-Identifier: GPL-2.0-only
/*
 * The XDP data plane through controlplane/dataplane.h only, as edgelbd
 * drives it: its life cycle (open, sizes, close, the --cleanup calls; not
 * attach, which needs an interface: the namespace tests run it; pinning
 * only for a pinned map of an older layout, on a bpffs of our own in a
 * mount namespace of our own) and the table contracts main.c, lb.c and
 * ctl rely on: set_vip ignores the caller's ring_base, get_node_config
 * reads back, flow_fill counts the flow table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane.h"
#include "edgelb.skel.h"
#include "lbenv.h"
#include "xdp.h"

static const struct edgelb_dataplane_lifecycle *life = &edgelb_xdp_lifecycle;

static int dp_open(void **state)
{
	static struct edgelb_dataplane dp;
	struct edgelb_dataplane_opts o = { .flow_table_size = 1024, .ring_slots = 4000 };
	int err = life->open(&o, &dp);

	if (err) {
		fprintf(stderr, "open: %s\n", strerror(-err));
		return -1;
	}
	*state = &dp;
	return 0;
}

static int dp_close(void **state)
{
	struct edgelb_dataplane *dp = *state;

	life->close(dp->dp);
	return 0;
}

static void test_open_and_sizes(void **state)
{
	struct edgelb_dataplane *dp = *state;
	uint32_t flows, slots;

	assert_string_equal(life->name, "xdp");
	assert_ptr_equal(dp->ops, &edgelb_xdp_ops);
	assert_false(life->adopted(dp->dp)); /* no pin_dir: nothing to adopt */
	life->sizes(dp->dp, &flows, &slots);
	assert_int_equal(flows, 1024);
	assert_int_equal(slots, 4000);
	life->close(NULL); /* a no-op, as stop() may call it before any open */
}

static void test_node_config_reads_back(void **state)
{
	struct edgelb_dataplane *dp = *state;
	struct edgelb_node_config cfg = { .ifindex = 7, .icmp_rate = 100, .icmp_burst = 5,
					  .if_mac = { 2, 0, 0, 0, 0, 7 } };
	struct edgelb_node_config got;

	assert_int_equal(dp->ops->get_node_config(dp->dp, &got), -ENOENT);
	assert_int_equal(dp->ops->set_node_config(dp->dp, &cfg), 0);
	assert_int_equal(dp->ops->get_node_config(dp->dp, &got), 0);
	assert_memory_equal(&got, &cfg, sizeof(cfg));
}

static void vip_entry(struct edgelb_dataplane *dp, const struct edgelb_vip_key *k,
		      struct edgelb_vip_meta *m)
{
	int fd = bpf_map__fd(edgelb_xdp_skeleton(dp->dp)->maps.vips);

	assert_int_equal(bpf_map_lookup_elem(fd, k, m), 0);
}

/* Ring slot i as the program reads it: two 32-bit slots per element (edgelb_maps.bpf.h). */
static uint32_t ring_slot(struct edgelb_dataplane *dp, uint32_t i)
{
	int fd = bpf_map__fd(edgelb_xdp_skeleton(dp->dp)->maps.rings);
	uint32_t pair = i / 2, two[2];

	assert_int_equal(bpf_map_lookup_elem(fd, &pair, two), 0);
	return two[i & 1];
}

static void test_ring_base_is_the_data_planes(void **state)
{
	struct edgelb_dataplane *dp = *state;
	struct edgelb_vip_key k3 = { .addr.v4 = 0x0a000003, .port = 80, .proto = 6,
				     .family = EDGELB_AF_INET };
	struct edgelb_vip_key k4 = k3;
	struct edgelb_vip_meta m3 = { .vip_id = 3, .ring_size = 5, .ring_base = 999 }, m4, got;
	const uint32_t r3a[5] = { 1, 2, 1, 2, 1 }, r3b[5] = { 7, 8, 7, 8, 7 };
	const uint32_t r4[5] = { 4, 4, 4, 4, 4 };

	k4.addr.v4 = 0x0a000004;
	m4 = (struct edgelb_vip_meta){ .vip_id = 4, .ring_size = 5 };

	/* no ring yet: an empty ring, whatever base the caller wrote */
	assert_int_equal(dp->ops->set_vip(dp->dp, &k3, &m3), 0);
	vip_entry(dp, &k3, &got);
	assert_int_equal(got.ring_size, 0);
	assert_int_equal(got.ring_base, 0);

	/* the first ring of an empty array is placed at slot 0 (ring_store.h) */
	assert_int_equal(dp->ops->set_ring(dp->dp, 3, r3a, 5), 0);
	vip_entry(dp, &k3, &got);
	assert_int_equal(got.ring_size, 5);
	assert_int_equal(got.ring_base, 0);

	/* VIP 4: 0 is taken, VIP 3's end 5 is free */
	assert_int_equal(dp->ops->set_ring(dp->dp, 4, r4, 5), 0);
	assert_int_equal(dp->ops->set_vip(dp->dp, &k4, &m4), 0);
	vip_entry(dp, &k4, &got);
	assert_int_equal(got.ring_base, 5);

	/*
	 * VIP 3 changes: a spare. Candidates 0 (VIP 3's live ring), 5 (VIP
	 * 4's), then VIP 4's end 10: free.
	 */
	assert_int_equal(dp->ops->set_ring(dp->dp, 3, r3b, 5), 0);
	vip_entry(dp, &k3, &got);
	assert_int_equal(got.ring_base, 10);
	for (uint32_t s = 0; s < 5; s++) {
		assert_int_equal(ring_slot(dp, 10 + s), r3b[s]);
		assert_int_equal(ring_slot(dp, 5 + s), r4[s]);
	}

	/* the VIP set again (an MTU change) with a stale base: the base stays */
	m3.mtu = 1400;
	m3.ring_base = 0;
	assert_int_equal(dp->ops->set_vip(dp->dp, &k3, &m3), 0);
	vip_entry(dp, &k3, &got);
	assert_int_equal(got.ring_base, 10);
	assert_int_equal(got.mtu, 1400);
}

/*
 * The fill level counts what is in the table, every CPU's part, up to the
 * limit asked: entries written from here (userspace updates go to this
 * CPU's LRU list), counted against the number written.
 */
static void test_flow_fill(void **state)
{
	struct edgelb_dataplane *dp = *state;
	int fd = edgelb_xdp_flows_fd(dp->dp);
	uint64_t used, cap;
	bool complete;

	assert_non_null(dp->ops->flow_fill);
	assert_int_equal(dp->ops->flow_fill(dp->dp, 1u << 24, &used, &cap, &complete), 0);
	assert_int_equal(used, 0);
	assert_true(complete);
	assert_int_equal(cap, 1024u * (uint64_t)libbpf_num_possible_cpus());
	for (uint32_t i = 0; i < 300; i++) {
		struct edgelb_flow_key k = { .src.v4 = htonl(0x0a000000 + i), .sport = 1,
					     .dport = 80, .proto = 6, .family = EDGELB_AF_INET };
		struct edgelb_flow_state st = { .backend_id = 1 };

		assert_int_equal(bpf_map_update_elem(fd, &k, &st, BPF_NOEXIST), 0);
	}
	assert_int_equal(dp->ops->flow_fill(dp->dp, 1u << 24, &used, &cap, &complete), 0);
	assert_int_equal(used, 300);
	assert_true(complete);
	/*
	 * A limit below the count: the walk stops there, says so, and the
	 * rest is estimated from the buckets walked: 300 entries hashed over
	 * 2048 buckets, 100 of them counted, leave a wide margin.
	 */
	assert_int_equal(dp->ops->flow_fill(dp->dp, 100, &used, &cap, &complete), 0);
	assert_false(complete);
	assert_true(used >= 150 && used <= 600);
}

/*
 * A node_config map pinned by an older build (64-byte entries, before the
 * new-flow guard) is replaced at open, not refused: the data plane opens
 * on the pin dir and its node_config has this build's entries. Needs a
 * bpffs: ours, in a mount namespace of our own (nothing leaks out).
 */
static void test_stale_scratch_map_replaced(void **state)
{
	char dir[] = "/tmp/edgelb-lifecycle-XXXXXX", path[128];
	struct edgelb_dataplane_opts o = { .flow_table_size = 1024, .ring_slots = 4000 };
	struct edgelb_dataplane dp;
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	int old, fd;

	(void)state;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL)) {
		fprintf(stderr, "skip: no bpffs of our own: %s\n", strerror(errno));
		skip();
	}
	o.pin_dir = dir;
	snprintf(path, sizeof(path), "%s/node_config", dir);
	old = bpf_map_create(BPF_MAP_TYPE_ARRAY, "node_config", 4, 64, EDGELB_NODE_SLOTS, NULL);
	assert_true(old >= 0);
	assert_int_equal(bpf_obj_pin(old, path), 0);
	close(old);

	assert_int_equal(life->open(&o, &dp), 0);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	assert_int_equal(info.value_size, sizeof(struct edgelb_node_config));
	close(fd);
	life->close(dp.dp);
	/* the pins go with the bpffs */
	assert_int_equal(umount(dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_cleanup_calls(void **state)
{
	(void)state;
	assert_int_equal(life->remove_attachment("/nonexistent/edgelb", "eth0"), -ENOENT);
	assert_int_equal(life->remove_tables("/nonexistent/edgelb"), 0); /* nothing there */
	assert_string_equal(life->hint(EDGELB_DP_STEP_OPEN, -ENOMEM), "");
	assert_non_null(strstr(life->hint(EDGELB_DP_STEP_OPEN, -EINVAL), "--cleanup"));
	assert_non_null(strstr(life->hint(EDGELB_DP_STEP_ATTACH, -EBUSY), "another XDP"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_and_sizes, dp_open, dp_close),
		cmocka_unit_test_setup_teardown(test_node_config_reads_back, dp_open, dp_close),
		cmocka_unit_test_setup_teardown(test_ring_base_is_the_data_planes, dp_open,
						dp_close),
		cmocka_unit_test_setup_teardown(test_flow_fill, dp_open, dp_close),
		cmocka_unit_test(test_stale_scratch_map_replaced),
		cmocka_unit_test(test_cleanup_calls),
	};
	char why[128];

	if (!lbenv_bpf_available(why, sizeof(why))) {
		fprintf(stderr, "skip: %s\n", why);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
