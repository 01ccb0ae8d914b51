// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb.conf's "dataplane" group (config_priv.h): the data plane's mode,
 * the XDP mode, interfaces, flow table size, ICMP "too big" limits, the
 * new-flow guard and DPDK's tables file and arguments.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

/*
 * Built-in defaults, documented in edgelb.conf(5): ICMP "too big" replies
 * per second and per CPU, and the bucket's depth.
 */
#define EDGELB_CONFIG_ICMP_TOO_BIG_RATE_DEFAULT 1000
#define EDGELB_CONFIG_ICMP_TOO_BIG_BURST_DEFAULT 50

/*
 * The new-flow guard: flow-table writes per second and per CPU, and the
 * bucket's depth. 125 000/s is the reference balancer's default (Katran's
 * max_conn_rate); the burst defaults to a tenth of a second of the rate,
 * so that a CPU takes a short spike of real clients at once. The maximum
 * keeps the data plane's arithmetic (forward.h: elapsed ns x rate, and
 * burst x 10^9) within 64 bits.
 */
#define EDGELB_CONFIG_NEW_FLOW_RATE_DEFAULT 125000
#define EDGELB_CONFIG_NEW_FLOW_BURST_DIVISOR 10
#define EDGELB_CONFIG_NEW_FLOW_MAX 10000000
/*
 * The XDP clock the guard reads ticks every 1 to 4 ms (CONFIG_HZ): a
 * bucket shallower than 4 ms of its rate would cap what it lets through
 * below the rate.
 */
#define EDGELB_CONFIG_CLOCK_TICK_DIVISOR 250

static const char *const edgelb_config_dataplane_keys[] = {
	"mode", "xdp_mode", "interfaces", "flow_table_size", "dpdk_args",
	"icmp_too_big_rate", "icmp_too_big_burst", "new_flow_rate", "new_flow_burst", "tables",
	NULL,
};

static const struct edgelb_config_keyword edgelb_config_kw_dp_mode[] = {
	{ "xdp", EDGELB_CONFIG_DP_XDP },
	{ "dpdk", EDGELB_CONFIG_DP_DPDK },
	{ NULL, 0 },
};

static const struct edgelb_config_keyword edgelb_config_kw_xdp_mode[] = {
	{ "native", EDGELB_CONFIG_XDP_NATIVE },
	{ "generic", EDGELB_CONFIG_XDP_GENERIC },
	{ NULL, 0 },
};

static void edgelb_config_parse_interfaces(struct edgelb_config_ctx *ctx,
					   const struct edgelb_config_node *dp,
					   struct edgelb_config_dataplane *out)
{
	struct edgelb_config_node seq, el;
	size_t n;

	if (edgelb_config_string_seq(ctx, dp, "interfaces", true, 1, EDGELB_CONFIG_INTERFACES_MAX,
				     &seq, &n) <= 0)
		return;
	out->interfaces = calloc(n + 1, sizeof(*out->interfaces));
	if (!out->interfaces) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s;
		char q[EDGELB_CONFIG_QUOTE_LEN];
		bool dup = false;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s) ||
		    !edgelb_config_ifname_check(ctx, &el, s, out->mode == EDGELB_CONFIG_DP_DPDK))
			continue;
		for (size_t j = 0; j < out->n_interfaces && !dup; j++)
			dup = !strcmp(out->interfaces[j], s);
		if (dup) {
			edgelb_config_error(ctx, &el, "%s is listed twice",
					    edgelb_config_quote(s, q, sizeof(q)));
			continue;
		}
		edgelb_config_set_str(ctx, &out->interfaces[out->n_interfaces], s);
		if (out->interfaces[out->n_interfaces])
			out->n_interfaces++;
	}
}

static void edgelb_config_parse_dpdk_args(struct edgelb_config_ctx *ctx,
					  const struct edgelb_config_node *dp,
					  struct edgelb_config_dataplane *out, bool mode_ok)
{
	struct edgelb_config_node seq, el;
	size_t n;

	if (edgelb_config_string_seq(ctx, dp, "dpdk_args", false, 0, EDGELB_CONFIG_DPDK_ARGS_MAX,
				     &seq, &n) <= 0)
		return;
	if (mode_ok && out->mode != EDGELB_CONFIG_DP_DPDK) {
		edgelb_config_error(ctx, &seq, "only valid with mode = \"dpdk\"");
		return;
	}
	/* kept for configs written for it; a setting that silently does nothing would mislead */
	edgelb_config_warning(ctx, &seq, "has no effect: edgelbd does not start edgelb-dpdk, "
					 "which takes its EAL arguments on its own command line "
					 "(edgelb-dpdk(8))");
	out->dpdk_args = calloc(n + 1, sizeof(*out->dpdk_args));
	if (!out->dpdk_args) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s;

		if (!edgelb_config_seq_string(ctx, &seq, i, &el, &s))
			continue;
		edgelb_config_set_str(ctx, &out->dpdk_args[out->n_dpdk_args], s);
		if (out->dpdk_args[out->n_dpdk_args])
			out->n_dpdk_args++;
	}
}

/*
 * dpdk: the tables file edgelbd writes and edgelb-dpdk maps. One per
 * instance by default, so that two instances on a host never share one.
 * Beside the path checks of every file key: not a directory.
 */
static void edgelb_config_parse_tables(struct edgelb_config_ctx *ctx,
				       const struct edgelb_config_node *dp, const char *instance,
				       struct edgelb_config_dataplane *out, bool mode_ok)
{
	struct edgelb_config_node n;
	size_t len;

	if (edgelb_config_abs_path(ctx, dp, "tables", PATH_MAX - 1, &out->tables) <= 0) {
		if (out->mode == EDGELB_CONFIG_DP_DPDK && instance && !out->tables &&
		    asprintf(&out->tables, "%s/edgelb-%s", EDGELB_CONFIG_TABLES_DIR, instance) < 0) {
			out->tables = NULL;
			ctx->nomem = true;
		}
		return;
	}
	if (!out->tables) /* out of memory, flagged */
		return;
	edgelb_config_node_key(dp, "tables", &n);
	len = strlen(out->tables);
	if (mode_ok && out->mode != EDGELB_CONFIG_DP_DPDK)
		edgelb_config_error(ctx, &n, "only valid with mode = \"dpdk\"");
	else if (out->tables[len - 1] == '/')
		edgelb_config_error(ctx, &n, "names a directory: give the file's path, such as "
					     "\"%s/edgelb-%s\"",
				    EDGELB_CONFIG_TABLES_DIR, instance ? instance : "INSTANCE");
}

/*
 * The new-flow guard: rate 0 turns it off, and a burst then means nothing
 * (a warning: the operator may think the guard is on); a burst under one
 * clock tick of the rate is a warning too.
 */
static void edgelb_config_parse_new_flow(struct edgelb_config_ctx *ctx,
					 const struct edgelb_config_node *dp,
					 struct edgelb_config_dataplane *out)
{
	struct edgelb_config_node n;
	int burst_ret;

	edgelb_config_u32(ctx, dp, "new_flow_rate", false, 0, EDGELB_CONFIG_NEW_FLOW_MAX,
			  &out->new_flow_rate);
	out->new_flow_burst = out->new_flow_rate / EDGELB_CONFIG_NEW_FLOW_BURST_DIVISOR;
	if (!out->new_flow_burst)
		out->new_flow_burst = 1;
	burst_ret = edgelb_config_u32(ctx, dp, "new_flow_burst", false, 1,
				      EDGELB_CONFIG_NEW_FLOW_MAX, &out->new_flow_burst);
	if (burst_ret <= 0)
		return;
	edgelb_config_node_key(dp, "new_flow_burst", &n);
	if (!out->new_flow_rate)
		edgelb_config_warning(ctx, &n, "has no effect: new_flow_rate = 0 turns the "
					       "new-flow guard off");
	else if (out->new_flow_burst < out->new_flow_rate / EDGELB_CONFIG_CLOCK_TICK_DIVISOR)
		edgelb_config_warning(ctx, &n,
				      "%u is under 4 ms of new_flow_rate (%u): the data plane's "
				      "clock ticks every 1-4 ms, so fewer than new_flow_rate new "
				      "flows a second would be saved",
				      out->new_flow_burst,
				      out->new_flow_rate / EDGELB_CONFIG_CLOCK_TICK_DIVISOR);
}

void edgelb_config_parse_dataplane(struct edgelb_config_ctx *ctx,
				   const struct edgelb_config_node *root, const char *instance,
				   struct edgelb_config_dataplane *out)
{
	struct edgelb_config_node dp, n;
	int mode = EDGELB_CONFIG_DP_XDP, xdp_mode = EDGELB_CONFIG_XDP_NATIVE;
	int mode_ret;

	out->mode = EDGELB_CONFIG_DP_XDP;
	out->xdp_mode = EDGELB_CONFIG_XDP_NATIVE;
	out->flow_table_size = EDGELB_FLOW_TABLE_SIZE;
	out->icmp_too_big_rate = EDGELB_CONFIG_ICMP_TOO_BIG_RATE_DEFAULT;
	out->icmp_too_big_burst = EDGELB_CONFIG_ICMP_TOO_BIG_BURST_DEFAULT;
	out->new_flow_rate = EDGELB_CONFIG_NEW_FLOW_RATE_DEFAULT;
	out->new_flow_burst = EDGELB_CONFIG_NEW_FLOW_RATE_DEFAULT /
			      EDGELB_CONFIG_NEW_FLOW_BURST_DIVISOR;
	if (edgelb_config_group(ctx, root, "dataplane", true, &dp) <= 0)
		return;
	edgelb_config_check_keys(ctx, &dp, edgelb_config_dataplane_keys);
	mode_ret = edgelb_config_keyword(ctx, &dp, "mode", edgelb_config_kw_dp_mode, &mode);
	out->mode = (enum edgelb_config_dp_mode)mode;
	if (edgelb_config_keyword(ctx, &dp, "xdp_mode", edgelb_config_kw_xdp_mode, &xdp_mode) > 0) {
		edgelb_config_node_key(&dp, "xdp_mode", &n);
		out->xdp_mode = (enum edgelb_config_xdp_mode)xdp_mode;
		if (mode_ret >= 0 && out->mode != EDGELB_CONFIG_DP_XDP)
			edgelb_config_error(ctx, &n, "only valid with mode = \"xdp\"");
		else if (out->xdp_mode == EDGELB_CONFIG_XDP_GENERIC)
			edgelb_config_warning(ctx, &n,
					      "generic XDP runs after the kernel allocated "
					      "an skb: a fraction of native speed, for labs "
					      "and tests only");
	}
	edgelb_config_parse_interfaces(ctx, &dp, out);
	edgelb_config_u32(ctx, &dp, "flow_table_size", false, 1024, 16777216,
			  &out->flow_table_size);
	/* 0 = no limit; a burst of 0 would be "never", which mtu_policy = "drop" says */
	edgelb_config_u32(ctx, &dp, "icmp_too_big_rate", false, 0, 1000000,
			  &out->icmp_too_big_rate);
	edgelb_config_u32(ctx, &dp, "icmp_too_big_burst", false, 1, 100000,
			  &out->icmp_too_big_burst);
	edgelb_config_parse_new_flow(ctx, &dp, out);
	edgelb_config_parse_dpdk_args(ctx, &dp, out, mode_ret >= 0);
	edgelb_config_parse_tables(ctx, &dp, instance, out, mode_ret >= 0);
}
