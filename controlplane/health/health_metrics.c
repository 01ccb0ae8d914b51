// SPDX-License-Identifier: GPL-2.0-only
/*
 * The health checks' metrics for /metrics: an edgelb_metrics_fn that
 * edgelbd registers with edgelb_metrics_register() (metrics.h). Built into
 * the operator interface library, next to metrics.c, so that the health
 * library itself does not depend on it.
 */
#include <stdio.h>

#include "health.h"
#include "metrics.h"

static const char *const hc_metric_types[] = { "none", "tcp", "http", "exec" };

int edgelb_health_metrics(void *arg, struct edgelb_metrics_buf *b)
{
	const struct edgelb_health *h = arg;
	struct edgelb_health_totals t;
	size_t n = edgelb_health_count(h);

	if (!h)
		return 0;
	edgelb_health_totals(h, &t);

	edgelb_metrics_family(b, "edgelb_backend_health_up", "gauge",
			      "1 if the backend passes its health checks (rise/fall applied), "
			      "else 0; backends without a check are left out. site: the "
			      "backend's site, \"\" if none.");
	for (size_t i = 0; i < n; i++) {
		struct edgelb_health_status st;

		edgelb_health_get(h, i, &st);
		if (st.checked)
			edgelb_metrics_sample(b, "edgelb_backend_health_up", st.up, "service",
					      st.service, "backend", st.backend, "site", st.site,
					      "type", st.type, (const char *)NULL);
	}

	edgelb_metrics_family(b, "edgelb_health_checks_total", "counter",
			      "Health checks completed, by type and result (pass or fail).");
	for (int k = 1; k < 4; k++) {
		edgelb_metrics_sample(b, "edgelb_health_checks_total", (double)t.passed[k], "type",
				      hc_metric_types[k], "result", "pass", (const char *)NULL);
		edgelb_metrics_sample(b, "edgelb_health_checks_total", (double)t.failed[k], "type",
				      hc_metric_types[k], "result", "fail", (const char *)NULL);
	}

	edgelb_metrics_family(b, "edgelb_health_transitions_total", "counter",
			      "Backends that changed health state, by the state they went to.");
	edgelb_metrics_sample(b, "edgelb_health_transitions_total", (double)t.transitions_up,
			      "to", "up", (const char *)NULL);
	edgelb_metrics_sample(b, "edgelb_health_transitions_total", (double)t.transitions_down,
			      "to", "down", (const char *)NULL);

	edgelb_metrics_family(b, "edgelb_health_check_duration_seconds", "summary",
			      "Duration of completed health checks, by type.");
	for (int k = 1; k < 4; k++) {
		edgelb_metrics_sample(b, "edgelb_health_check_duration_seconds_sum",
				      t.duration_s[k], "type", hc_metric_types[k],
				      (const char *)NULL);
		edgelb_metrics_sample(b, "edgelb_health_check_duration_seconds_count",
				      (double)(t.passed[k] + t.failed[k]), "type",
				      hc_metric_types[k], (const char *)NULL);
	}

	edgelb_metrics_family(b, "edgelb_health_check_late_seconds_max", "gauge",
			      "The latest a health check started after its planned time, since "
			      "edgelbd started.");
	edgelb_metrics_sample(b, "edgelb_health_check_late_seconds_max",
			      (double)t.max_late_ms / 1000.0, (const char *)NULL);

	edgelb_metrics_family(b, "edgelb_health_checks_in_flight", "gauge",
			      "Health checks running now.");
	edgelb_metrics_sample(b, "edgelb_health_checks_in_flight", (double)t.running,
			      (const char *)NULL);

	edgelb_metrics_family(b, "edgelb_health_sites_down_total", "counter",
			      "Sites whose live backends all failed within one interval and were "
			      "taken out together (health.site_fail_fast).");
	edgelb_metrics_sample(b, "edgelb_health_sites_down_total", (double)t.sites_down,
			      (const char *)NULL);
	edgelb_metrics_family(b, "edgelb_health_site_sweeps_total", "counter",
			      "Times a site's backends were checked at once, after a failure of "
			      "one of them or an ICMP unreachable about one.");
	edgelb_metrics_sample(b, "edgelb_health_site_sweeps_total", (double)t.site_sweeps,
			      (const char *)NULL);
	edgelb_metrics_family(b, "edgelb_health_icmp_unreachable_total", "counter",
			      "ICMP and ICMPv6 destination unreachable messages: read, saying a "
			      "destination is unreachable, about a checked backend, and not "
			      "looked at (over the rate limit).");
	edgelb_metrics_sample(b, "edgelb_health_icmp_unreachable_total",
			      (double)t.unreach_received, "result", "received", (const char *)NULL);
	edgelb_metrics_sample(b, "edgelb_health_icmp_unreachable_total", (double)t.unreach_taken,
			      "result", "unreachable", (const char *)NULL);
	edgelb_metrics_sample(b, "edgelb_health_icmp_unreachable_total",
			      (double)t.unreach_matched, "result", "backend", (const char *)NULL);
	edgelb_metrics_sample(b, "edgelb_health_icmp_unreachable_total",
			      (double)t.unreach_limited, "result", "rate_limited",
			      (const char *)NULL);
	edgelb_metrics_family(b, "edgelb_health_sockets_total", "counter",
			      "TCP and HTTP checks' sockets: opened, and taken again for a later "
			      "check (a check's socket is reset and kept, not closed).");
	edgelb_metrics_sample(b, "edgelb_health_sockets_total", (double)t.sockets_created,
			      "result", "opened", (const char *)NULL);
	edgelb_metrics_sample(b, "edgelb_health_sockets_total", (double)t.sockets_reused,
			      "result", "reused", (const char *)NULL);
	edgelb_metrics_family(b, "edgelb_health_sockets_idle", "gauge",
			      "Check sockets kept for the next checks now.");
	edgelb_metrics_sample(b, "edgelb_health_sockets_idle", (double)t.sockets_idle,
			      (const char *)NULL);
	return 0;
}
