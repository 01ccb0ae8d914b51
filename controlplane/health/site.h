/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Site fate: the backends of one service at one site (edgelb.conf(5),
 * backend `site`) fail together when the site or the path to it goes, and
 * are then taken out together, at once, rather than one by one as each
 * reaches its own `fall` (health.site_fail_fast).
 *
 * Why: when a site's link is cut, every flow Maglev sends to that site's
 * backends is lost until their checks fail `fall` times (fall x interval
 * + timeout: 1.25 s in the two-site lab). Two signals say it sooner:
 *  - a check of one backend of the site fails: its site-mates are checked
 *    at once (a sweep) instead of at their next interval;
 *  - the network says a backend is unreachable (an ICMP or ICMPv6
 *    destination unreachable quoting a packet to it: unreach.h), for the
 *    traffic the data plane sends there or for a check: the same sweep.
 * When every live backend of the site (at least two) has then failed its
 * last check within one interval, the site is out: all go down in one
 * batch, one ring change. One backend failing alone still needs `fall`
 * failures; a signal only ever triggers checks, so a forged ICMP costs a
 * few checks, never a backend.
 *
 * Pure code: no I/O, no clock (health.c passes the time).
 */
#ifndef EDGELB_HC_SITE_H
#define EDGELB_HC_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One backend of a site group, as the site rule sees it. */
struct hc_site_member {
	bool checked;	      /* has a check (type not none) */
	bool up;	      /* the checks' verdict */
	bool has_result, last_pass;
	uint64_t last_ms;     /* when its last result came */
	uint64_t since_ms;    /* its last transition (down since, if down) */
};

/*
 * The tally of a group, member by member (a site may hold any number of
 * backends): hc_site_count() each member, then ask
 * hc_site_failed_together().
 */
struct hc_site_tally {
	size_t live;	/* checked, and up or gone down within the window */
	size_t up;
	bool passing;	/* a live member's last result passed, or is older than the window */
	/*
	 * The caller's: a checked backend of the same service at another
	 * site (or none) is up. Without one, taking the site out gains
	 * nothing (nowhere else to send the flows) and would turn a blip
	 * shorter than `fall` checks into an outage: `fall` decides alone.
	 */
	bool elsewhere_up;
};

/*
 * Add one member at now_ms. Live: checked, and up, or gone down within
 * window_ms (by its own fall a moment ago: part of the same failure).
 */
void hc_site_count(struct hc_site_tally *t, const struct hc_site_member *m, uint64_t now_ms,
		   uint32_t window_ms);

/*
 * Are the site's live members failing together? True when there are at
 * least two, each one's last result is a failure no older than the
 * window, at least one is still up (something left to take down), and
 * the service has an up backend elsewhere to take the flows.
 */
bool hc_site_failed_together(const struct hc_site_tally *t);

/* A sweep of the group may start now: the last one (0 = never) is older than window_ms. */
bool hc_site_sweep_due(uint64_t last_sweep_ms, uint64_t now_ms, uint32_t window_ms);

#endif /* EDGELB_HC_SITE_H */
