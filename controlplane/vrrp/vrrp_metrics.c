// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VRRP instances' metrics for /metrics: an edgelb_metrics_fn (metrics.h)
 * over the public status of vrrp/instance.h, so that alerting sees a node
 * that is MASTER where it should not be, a priority lowered by tracking,
 * flapping (transitions) and refused adverts by reason.
 */
#include <stdio.h>
#include <string.h>

#include "instance.h"
#include "metrics.h"
#include "vrrp_metrics.h"

static const char *const states[] = { "INIT", "BACKUP", "MASTER", "FAULT", "STOP" };

enum field { PRIO, CONFIG_PRIO, VIPS_HELD, HELD, TRANSITIONS, RX, TX };

static const struct {
	const char *name, *type, *help;
	enum field field;
} families[] = {
	{ "edgelb_vrrp_priority", "gauge",
	  "Effective priority (tracking applied); compare with the configured one.", PRIO },
	{ "edgelb_vrrp_config_priority", "gauge", "Configured priority.", CONFIG_PRIO },
	{ "edgelb_vrrp_vips_held", "gauge", "1 while this node holds the VIPs.", VIPS_HELD },
	{ "edgelb_vrrp_held", "gauge", "1 after lbctl vrrp handover, until release.", HELD },
	{ "edgelb_vrrp_transitions_total", "counter", "State changes since start.", TRANSITIONS },
	{ "edgelb_vrrp_rx_adverts_total", "counter", "Adverts accepted.", RX },
	{ "edgelb_vrrp_tx_adverts_total", "counter", "Adverts sent.", TX },
};

static double value(const struct vrrp_instance_status *st, enum field f)
{
	switch (f) {
	case PRIO:
		return st->priority;
	case CONFIG_PRIO:
		return st->config_priority;
	case VIPS_HELD:
		return st->vips_held;
	case HELD:
		return st->held;
	case TRANSITIONS:
		return st->transitions;
	case RX:
		return (double)st->rx;
	case TX:
		return (double)st->tx;
	}
	return 0;
}

struct reject_arg {
	struct edgelb_metrics_buf *b;
	const char *instance;
};

static void reject_sample(void *arg, const char *reason, uint64_t n)
{
	struct reject_arg *r = arg;

	edgelb_metrics_sample(r->b, "edgelb_vrrp_rx_rejected_total", (double)n, "instance",
			      r->instance, "reason", reason, (const char *)NULL);
}

int edgelb_vrrp_metrics(void *arg, struct edgelb_metrics_buf *b)
{
	const struct vrrp_instances *vs = arg;
	size_t n = vrrp_instances_count(vs);

	if (!n)
		return 0;
	edgelb_metrics_family(b, "edgelb_vrrp_state", "gauge",
			      "1 for the state the instance is in, 0 for the others.");
	for (size_t i = 0; i < n; i++) {
		struct vrrp_instance_status st;

		vrrp_instances_status(vs, i, &st);
		for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
			edgelb_metrics_sample(b, "edgelb_vrrp_state", !strcmp(st.state, states[k]),
					      "instance", st.name, "state", states[k],
					      (const char *)NULL);
	}
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		edgelb_metrics_family(b, families[f].name, families[f].type, families[f].help);
		for (size_t i = 0; i < n; i++) {
			struct vrrp_instance_status st;

			vrrp_instances_status(vs, i, &st);
			edgelb_metrics_sample(b, families[f].name, value(&st, families[f].field),
					      "instance", st.name, (const char *)NULL);
		}
	}
	edgelb_metrics_family(b, "edgelb_vrrp_rx_rejected_total", "counter",
			      "Packets refused, by reason (parse errors and our own checks).");
	for (size_t i = 0; i < n; i++) {
		struct vrrp_instance_status st;
		struct reject_arg r = { .b = b };

		vrrp_instances_status(vs, i, &st);
		r.instance = st.name;
		vrrp_instances_rejects(vs, i, reject_sample, &r);
	}
	return 0;
}
