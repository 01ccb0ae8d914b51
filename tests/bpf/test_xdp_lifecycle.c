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
#include <netinet/in.h>
#include <sys/mount.h>
#include <linux/bpf.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane.h"
#include "edgelb.skel.h"
#include "lbenv.h"
#include "pktbuild.h"
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

static bool summary_has(const __u64 *bits, const struct edgelb_vip_key *k)
{
	uint32_t bit = edgelb_vip_summary_bit(&k->addr, k->family);

	return bits[bit / 64] >> (bit % 64) & 1;
}

static void vip_id_entry(struct edgelb_dataplane *dp, uint32_t id, struct edgelb_vip_entry *e)
{
	struct edgelb_bpf *skel = edgelb_xdp_skeleton(dp->dp);

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.vip_ids), &id, e), 0);
}

/*
 * What lets a packet skip the VIP map (abi.h: the summary in the program's
 * global data, vip_ids by id) follows every VIP change: a VIP's address
 * and flow bits and its vip_ids entry with the ring it points at, the
 * port-0 flag while an all-ports VIP exists, all gone with the VIP.
 */
static void test_vip_summary_and_ids(void **state)
{
	struct edgelb_dataplane *dp = *state;
	struct edgelb_vip_summary *sum = &edgelb_xdp_skeleton(dp->dp)->data_summary->edgelb_summary;
	struct edgelb_vip_key k = { .addr.v4 = 0x0a000007, .port = 80, .proto = 6,
				    .family = EDGELB_AF_INET };
	struct edgelb_vip_key k0 = k;
	struct edgelb_vip_meta m = { .vip_id = 7, .ring_size = 5 }, m0 = { .vip_id = 8,
							   .flags = EDGELB_VIP_F_NO_CONNTRACK };
	const uint32_t ring[5] = { 1, 2, 1, 2, 1 };
	struct edgelb_vip_entry e, got_e;

	k0.addr.v4 = 0x0a000008;
	k0.port = 0;
	assert_false(summary_has(sum->vip_bits, &k));
	assert_int_equal(dp->ops->set_vip(dp->dp, &k, &m), 0);
	assert_int_equal(dp->ops->set_ring(dp->dp, 7, ring, 5), 0);
	assert_true(summary_has(sum->vip_bits, &k));
	assert_true(summary_has(sum->flow_bits, &k));
	assert_int_equal(sum->flags & EDGELB_SUMMARY_F_PORT0, 0);
	vip_id_entry(dp, 7, &e);
	assert_memory_equal(&e.key, &k, sizeof(k));
	vip_entry(dp, &k, &got_e.meta);
	assert_memory_equal(&e.meta, &got_e.meta, sizeof(e.meta)); /* the ring flip too */
	assert_int_equal(e.meta.ring_size, 5);

	/* an all-ports VIP without flow table: its address bit, no flow bit, the flag */
	assert_int_equal(dp->ops->set_vip(dp->dp, &k0, &m0), 0);
	assert_true(summary_has(sum->vip_bits, &k0));
	assert_false(summary_has(sum->flow_bits, &k0));
	assert_int_equal(sum->flags & EDGELB_SUMMARY_F_PORT0, EDGELB_SUMMARY_F_PORT0);

	assert_int_equal(dp->ops->del_vip(dp->dp, &k0), 0);
	assert_int_equal(sum->flags & EDGELB_SUMMARY_F_PORT0, 0);
	assert_false(summary_has(sum->vip_bits, &k0));
	assert_int_equal(dp->ops->del_vip(dp->dp, &k), 0);
	assert_false(summary_has(sum->vip_bits, &k));
	assert_false(summary_has(sum->flow_bits, &k));
	vip_id_entry(dp, 7, &e);
	assert_int_equal(e.key.family, 0);
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

/* One ACK from 198.18.0.1:40000 to dst:80 through the program: its verdict. */
static uint32_t run_ack(struct edgelb_dataplane *dp, const char *dst)
{
	static const uint8_t mac_lb[6] = { 2, 0, 0, 0, 0, 1 }, mac_client[6] = { 2, 0, 0, 0, 0, 2 };
	uint8_t out[256];
	struct pkt p;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out, .data_size_out = sizeof(out));

	pkt_init(&p);
	pkt_eth(&p, mac_lb, mac_client, 0);
	pkt_ipv4(&p, &(struct pkt_ip4){ .src = "198.18.0.1", .dst = dst, .frag_off = PKT_IP4_DF });
	pkt_tcp(&p, 40000, 80, 1, 1, PKT_TCP_ACK);
	assert_int_equal(pkt_finish(&p), 0);
	o.data_in = p.data;
	o.data_size_in = (uint32_t)p.len;
	assert_int_equal(bpf_prog_test_run_opts(edgelb_xdp_prog_fd(dp->dp), &o), 0);
	return o.retval;
}

/*
 * A flow-table hit finds its VIP by id only while that id is still the
 * VIP of the packet's own key (forward.h): the VIP gone, the flow's
 * packets pass as no VIP's; its id given to another port of the address,
 * they pass too (an exact-port miss, no all-ports VIP); an all-ports VIP
 * added there takes them, on the backend their flow entry names.
 */
static void test_flow_first_follows_vip_changes(void **state)
{
	struct edgelb_dataplane *dp = *state;
	struct edgelb_node_config cfg = { .ifindex = 1, /* BPF_PROG_TEST_RUN: lo */
					  .gw_mac = { 2, 0, 0, 0, 0, 0xfe },
					  .if_mac = { 2, 0, 0, 0, 0, 1 } };
	struct edgelb_backend be = { .family = EDGELB_AF_INET, .flags = EDGELB_BE_F_ALIVE };
	struct edgelb_vip_key k = { .port = htons(80), .proto = IPPROTO_TCP,
				    .family = EDGELB_AF_INET };
	struct edgelb_vip_key k81, k0;
	struct edgelb_vip_meta m = { .vip_id = 3, .ring_size = 5 }, m0 = m;
	const uint32_t ring[5] = { 1, 1, 1, 1, 1 };
	uint64_t not_vip0, not_vip;

	inet_pton(AF_INET, "203.0.113.1", &cfg.src_v4.v4);
	inet_pton(AF_INET, "198.51.100.1", &be.addr.v4);
	inet_pton(AF_INET, "10.0.0.10", &k.addr.v4);
	k81 = k;
	k81.port = htons(81);
	k0 = k;
	k0.port = 0;
	m0.vip_id = 4;
	assert_int_equal(dp->ops->set_node_config(dp->dp, &cfg), 0);
	assert_int_equal(dp->ops->set_backend(dp->dp, 1, &be), 0);
	assert_int_equal(dp->ops->set_vip(dp->dp, &k, &m), 0);
	assert_int_equal(dp->ops->set_ring(dp->dp, 3, ring, 5), 0);

	assert_int_equal(run_ack(dp, "10.0.0.10"), XDP_TX); /* the flow is written */
	assert_int_equal(run_ack(dp, "10.0.0.10"), XDP_TX); /* and hit */

	assert_int_equal(edgelb_xdp_counter(dp->dp, EDGELB_EV_PASS_NOT_VIP, &not_vip0), 0);
	assert_int_equal(dp->ops->del_vip(dp->dp, &k), 0);
	assert_int_equal(run_ack(dp, "10.0.0.10"), XDP_PASS);
	assert_int_equal(dp->ops->set_vip(dp->dp, &k81, &m), 0);
	assert_int_equal(run_ack(dp, "10.0.0.10"), XDP_PASS);
	assert_int_equal(edgelb_xdp_counter(dp->dp, EDGELB_EV_PASS_NOT_VIP, &not_vip), 0);
	assert_int_equal(not_vip - not_vip0, 2);

	assert_int_equal(dp->ops->set_vip(dp->dp, &k0, &m0), 0);
	assert_int_equal(dp->ops->set_ring(dp->dp, 4, ring, 5), 0);
	assert_int_equal(run_ack(dp, "10.0.0.10"), XDP_TX);
}

/*
 * An upgrade from a build without vip_ids (none pinned): the new program's
 * summary and its vip_ids are filled from the adopted VIP map at open,
 * before it is attached anywhere, so its first packets find every VIP.
 */
static void test_vip_index_on_adoption(void **state)
{
	char dir[] = "/tmp/edgelb-lifecycle-XXXXXX", path[128];
	struct edgelb_dataplane_opts o = { .flow_table_size = 1024, .ring_slots = 4000 };
	struct edgelb_vip_key k = { .addr.v4 = 0x0a000009, .port = 443, .proto = 6,
				    .family = EDGELB_AF_INET };
	struct edgelb_vip_meta m = { .vip_id = 9 };
	struct edgelb_vip_summary *sum;
	struct edgelb_dataplane dp;
	struct edgelb_vip_entry e;

	(void)state;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL)) {
		fprintf(stderr, "skip: no bpffs of our own: %s\n", strerror(errno));
		skip();
	}
	o.pin_dir = dir;
	assert_int_equal(life->open(&o, &dp), 0);
	assert_int_equal(dp.ops->set_vip(dp.dp, &k, &m), 0);
	life->close(dp.dp);
	snprintf(path, sizeof(path), "%s/vip_ids", dir);
	assert_int_equal(unlink(path), 0);

	assert_int_equal(life->open(&o, &dp), 0);
	assert_true(life->adopted(dp.dp));
	sum = &edgelb_xdp_skeleton(dp.dp)->data_summary->edgelb_summary;
	assert_true(summary_has(sum->vip_bits, &k));
	assert_true(summary_has(sum->flow_bits, &k));
	vip_id_entry(&dp, 9, &e);
	assert_memory_equal(&e.key, &k, sizeof(k));
	life->close(dp.dp);
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
		cmocka_unit_test_setup_teardown(test_vip_summary_and_ids, dp_open, dp_close),
		cmocka_unit_test(test_vip_index_on_adoption),
		cmocka_unit_test_setup_teardown(test_flow_first_follows_vip_changes, dp_open,
						dp_close),
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
