// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracking and sync groups of edgelbd's VRRP instances: the tracked
 * objects' states (links from netlink, services through vrrp_deps, track
 * scripts) gathered into track.h's pure evaluation, sync-group members
 * weighing each other's objects. It only computes: instance.c hands the
 * result to the state machine, so calls go one way (instance.c here).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "instance_priv.h"
#include "log.h"
#include "loop.h"
#include "netlink.h"
#include "track.h"
#include "track_script.h"

bool vrrp_same_group(const struct vrrp_instance *a, const struct vrrp_instance *b)
{
	return a != b && a->s.sync_group && b->s.sync_group &&
	       !strcmp(a->s.sync_group, b->s.sync_group);
}

static void track_note(struct vrrp_instance *in, size_t k, bool ok, bool known, const char *what,
		       const char *name, const char *detail)
{
	if (known && in->tobjs[k].ok == ok)
		return;
	if (known || !ok)
		pr_info(in->tag, "tracked %s %s %s%s", what, name, ok ? "fine" : "failing", detail);
	in->tobjs[k].ok = ok;
}

/*
 * Gather the tracked objects' states into in->track. The instance's own
 * interface comes first, always tracked with weight 0 (as keepalived
 * does): without carrier the node hears no advert and would stay MASTER
 * through a cut cable, and when the cable is back it would not announce
 * the VIPs again (it never left MASTER), leaving the neighbours on the
 * peer that owned them meanwhile.
 */
static void track_collect(struct vrrp_instance *in)
{
	const struct vrrp_deps *d = &in->vs->deps;
	size_t n = 1 + in->s.n_t_ifaces + in->s.n_t_svcs + in->n_scripts, k = 0;
	int own;
	bool known = in->n_tobjs == n;
	char detail[64];

	if (!known) {
		struct vrrp_track_obj *t = realloc(in->tobjs, (n + 1) * sizeof(*t));

		if (!t)
			return; /* keep the last result */
		in->tobjs = t;
		in->n_tobjs = n;
	}
	own = d->nl ? edgelb_nl_link_up(d->nl, in->s.interface) : -ENODEV;
	in->tobjs[k].weight = 0;
	track_note(in, k++, own == 1, known, "own interface", in->s.interface,
		   own < 0 ? " (no such interface)" : own ? "" : " (down or no carrier)");
	for (size_t i = 0; i < in->s.n_t_ifaces; i++, k++) {
		const struct edgelb_config_track_interface *t = &in->s.t_ifaces[i];
		int up = d->nl ? edgelb_nl_link_up(d->nl, t->name) : -ENODEV;

		in->tobjs[k].weight = t->weight;
		track_note(in, k, up == 1, known, "interface", t->name,
			   up < 0 ? " (no such interface)" : up ? "" : " (down or no carrier)");
	}
	for (size_t i = 0; i < in->s.n_t_svcs; i++, k++) {
		const struct edgelb_config_track_service *t = &in->s.t_svcs[i];
		size_t up = d->service_healthy(d->arg, t->name);

		in->tobjs[k].weight = t->weight;
		snprintf(detail, sizeof(detail), " (%zu backends up, %u needed)", up, t->min_healthy);
		track_note(in, k, up >= t->min_healthy, known, "service", t->name, detail);
	}
	for (size_t i = 0; i < in->n_scripts; i++, k++) {
		in->tobjs[k].weight = in->scripts[i].weight;
		/* the script logs its own changes */
		in->tobjs[k].ok = vrrp_track_script_ok(in->scripts[i].run);
	}
	in->track = vrrp_track_eval(in->s.priority, in->tobjs, n);
}

/*
 * In a sync group every member weighs every member's tracked objects:
 * their priorities move together, so the peer's group takes over all of
 * them or none (with per-member tracking, one member would be preempted
 * and, pulled to BACKUP with it, the others would preempt right back).
 */
static void track_group(struct vrrp_instances *vs, struct vrrp_instance *in)
{
	struct vrrp_track_obj *all;
	size_t n = 0;

	if (!in->s.sync_group)
		return;
	for (size_t k = 0; k < vs->n; k++)
		if (vs->v[k] == in || vrrp_same_group(in, vs->v[k]))
			n += vs->v[k]->n_tobjs;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return; /* its own objects only, this time */
	n = 0;
	for (size_t k = 0; k < vs->n; k++)
		if ((vs->v[k] == in || vrrp_same_group(in, vs->v[k])) && vs->v[k]->n_tobjs) {
			memcpy(&all[n], vs->v[k]->tobjs, vs->v[k]->n_tobjs * sizeof(*all));
			n += vs->v[k]->n_tobjs;
		}
	in->track = vrrp_track_eval(in->s.priority, all, n);
	free(all);
}

void vrrp_track_gather(struct vrrp_instances *vs)
{
	bool *own;
	int *grp;

	for (size_t i = 0; i < vs->n; i++)
		track_collect(vs->v[i]);
	own = calloc(vs->n, sizeof(*own));
	grp = calloc(vs->n, sizeof(*grp));
	for (size_t i = 0; own && grp && i < vs->n; i++) {
		own[i] = vs->v[i]->track.fault;
		grp[i] = -1;
		for (size_t k = 0; vs->v[i]->s.sync_group && k <= i; k++)
			if (k == i || vrrp_same_group(vs->v[i], vs->v[k])) {
				grp[i] = (int)k;
				break;
			}
	}
	for (size_t i = 0; i < vs->n; i++) {
		/* without memory for the group view, keep the last one */
		if (own && grp) {
			vs->v[i]->group_fault = vrrp_sync_group_fault(own, grp, vs->n, i);
			track_group(vs, vs->v[i]);
		}
	}
	free(own);
	free(grp);
}

void vrrp_scripts_free(struct vrrp_script_slot *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		vrrp_track_script_free(v[i].run);
		free(v[i].sig);
	}
	free(v);
}

/* What makes two track scripts the same: command, interval and timeout. */
static char *script_sig(const struct edgelb_config_track_script *c)
{
	size_t len = 32, off;
	char *sig;

	for (size_t i = 0; i < c->argc; i++)
		len += strlen(c->argv[i]) + 1;
	sig = malloc(len);
	if (!sig)
		return NULL;
	off = (size_t)snprintf(sig, len, "%u/%u", c->interval_ms, c->timeout_ms);
	for (size_t i = 0; i < c->argc && off < len; i++)
		off += (size_t)snprintf(sig + off, len - off, "\x1f%s", c->argv[i]);
	return sig;
}

/*
 * Run c's track scripts. One that runs already with the same command and
 * timing keeps running with its state (a reload must not make it
 * "unknown" again: that would lower the priority for one interval).
 */
int vrrp_scripts_follow(struct vrrp_instance *in, const struct edgelb_config_vrrp *c,
			void (*changed)(void *arg))
{
	struct vrrp_script_slot *nv = calloc(c->n_track_scripts + 1, sizeof(*nv));
	int err = nv ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < c->n_track_scripts; i++) {
		nv[i].weight = c->track_scripts[i].weight;
		nv[i].sig = script_sig(&c->track_scripts[i]);
		if (!nv[i].sig) {
			err = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < in->n_scripts; k++)
			if (in->scripts[k].run && !strcmp(in->scripts[k].sig, nv[i].sig)) {
				nv[i].run = in->scripts[k].run;
				in->scripts[k].run = NULL;
				break;
			}
		if (!nv[i].run)
			err = vrrp_track_script_new(in->vs->deps.loop, &c->track_scripts[i], in->tag,
						    changed, in, &nv[i].run);
	}
	if (err) {
		vrrp_scripts_free(nv, c->n_track_scripts);
		return err;
	}
	vrrp_scripts_free(in->scripts, in->n_scripts);
	in->scripts = nv;
	in->n_scripts = c->n_track_scripts;
	return 0;
}
