// SPDX-License-Identifier: GPL-2.0-only
/*
 * The XDP balancer. Placeholder until the packet path lands (XDP data plane
 * issue): it declares the map ABI so that the skeleton and the control
 * plane can be built against it, and passes every packet to the kernel.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EDGELB_MAX_VIPS);
	__type(key, struct edgelb_vip_key);
	__type(value, struct edgelb_vip_meta);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EDGELB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct edgelb_backend);
} backends SEC(".maps");

SEC("xdp")
int edgelb_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
