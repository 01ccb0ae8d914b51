// SPDX-License-Identifier: GPL-2.0-only
/*
 * XDP_PASS and nothing else. Two uses: attached to the receiving peer of
 * a veth so that XDP_TX'd or redirected frames are delivered (a veth drops
 * them otherwise, see LAB-FACTS.md), and as the floor of the XDP benchmark.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int edgelb_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
