// SPDX-License-Identifier: GPL-2.0-only
/*
 * The map ABI as other programs see it: field offsets that the XDP program,
 * edgelbd and lbctl of different builds must agree on, and a stable name
 * for every counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "abi.h"
#include "counters.h"

static void test_every_counter_has_a_unique_name(void **state)
{
	(void)state;
	for (int i = 0; i < EDGELB_COUNTER_MAX; i++) {
		assert_non_null(edgelb_counter_names[i]);
		assert_true(strlen(edgelb_counter_names[i]) > 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(edgelb_counter_names[i], edgelb_counter_names[j]);
		assert_int_equal(edgelb_counter_is_drop((enum edgelb_counter)i),
				 !strncmp(edgelb_counter_names[i], "drop_", 5));
	}
}

/* Offsets are part of the ABI: pinned maps outlive the program that made them. */
static void test_layouts(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct edgelb_vip_key, port), 16);
	assert_int_equal(offsetof(struct edgelb_vip_key, proto), 18);
	assert_int_equal(offsetof(struct edgelb_vip_key, family), 19);
	assert_int_equal(offsetof(struct edgelb_vip_meta, ring_size), 8);
	assert_int_equal(offsetof(struct edgelb_vip_meta, encap), 14);
	assert_int_equal(offsetof(struct edgelb_vip_meta, gue_dport), 16);
	assert_int_equal(offsetof(struct edgelb_vip_meta, ring_base), 20);
	assert_int_equal(offsetof(struct edgelb_backend, flags), 17);
	assert_int_equal(offsetof(struct edgelb_backend, mac), 20);
	assert_int_equal(offsetof(struct edgelb_flow_key, sport), 32);
	assert_int_equal(offsetof(struct edgelb_flow_key, family), 37);
	assert_int_equal(offsetof(struct edgelb_flow_state, hash), 8);
	assert_int_equal(offsetof(struct edgelb_flow_state, created_ms), 12);
	assert_int_equal(offsetof(struct edgelb_node_config, gw_mac), 32);
	assert_int_equal(offsetof(struct edgelb_node_config, if_mac), 38);
	assert_int_equal(offsetof(struct edgelb_node_config, ifindex), 48);
	assert_int_equal(offsetof(struct edgelb_node_config, icmp_rate), 52);
	assert_int_equal(offsetof(struct edgelb_node_config, icmp_burst), 56);
	assert_int_equal(offsetof(struct edgelb_node_config, new_flow_rate), 60);
	assert_int_equal(offsetof(struct edgelb_node_config, new_flow_burst), 64);
	assert_int_equal(offsetof(struct edgelb_cpu_state, flow_credit), 24);
	assert_int_equal(offsetof(struct edgelb_cpu_state, flow_last_ns), 32);
	assert_int_equal(offsetof(struct edgelb_cpu_state, ip_id), 16);
	assert_int_equal(EDGELB_DROP_MAX, 13);
	assert_int_equal(EDGELB_COUNTER_MAX, 22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_counter_has_a_unique_name),
		cmocka_unit_test(test_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
