// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelbd's VRRP instances on the event loop: see instance.h.
 *
 * Every input of the state machine (advert, timer, operator command,
 * shutdown) returns a struct vrrp_fsm_actions that vrrp_do() carries out
 * in the order fsm.h asks: drop or take the VIPs, send the advert, run the
 * notify program. Nothing here blocks: sockets are non-blocking, the VIPs
 * move with one netlink request each, notify programs are spawned and
 * reaped when their pidfd says they exited. The one wait is at edgelbd's
 * stop, bounded (linger_wait()). Tracking and sync groups live in
 * instance_track.c, the vrrp.* control commands in instance_ctl.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "addr.h"
#include "fsm.h"
#include "garp.h"
#include "instance.h"
#include "instance_priv.h"
#include "child.h"
#include "io.h"
#include "log.h"
#include "loop.h"
#include "netlink.h"
#include "packet.h"
#include "track.h"
#include "track_script.h"
#include "vmac.h"

extern char **environ;

static const char *const vrrp_lrej_names[VRRP_LREJ_MAX] = {
	"vrid_mismatch", "version_mismatch", "auth_mismatch", "own_advert", "unknown_peer",
};
#define VRRP_RETRY_MS 1000
#define VRRP_RETRY_SOON_MS 20
#define VRRP_RETRY_SOON_MAX 100

/* ---- settings ---------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void settings_free(struct vrrp_settings *s)
{
	free(s->name);
	free(s->interface);
	free(s->auth_pass);
	free(s->notify_master);
	free(s->notify_backup);
	free(s->notify_fault);
	free(s->notify_stop);
	free(s->peers);
	free(s->vips);
	for (size_t i = 0; i < s->n_t_ifaces; i++)
		free(s->t_ifaces[i].name);
	free(s->t_ifaces);
	for (size_t i = 0; i < s->n_t_svcs; i++)
		free(s->t_svcs[i].name);
	free(s->t_svcs);
	free(s->sync_group);
	memset(s, 0, sizeof(*s));
}

static int settings_copy(struct vrrp_settings *s, const struct edgelb_config_vrrp *c)
{
	memset(s, 0, sizeof(*s));
	s->name = strdup(c->name);
	s->interface = strdup(c->interface);
	s->auth_pass = dup_or_null(c->auth_pass);
	s->notify_master = dup_or_null(c->notify_master);
	s->notify_backup = dup_or_null(c->notify_backup);
	s->notify_fault = dup_or_null(c->notify_fault);
	s->notify_stop = dup_or_null(c->notify_stop);
	s->vrid = c->vrid;
	s->version = c->version;
	s->priority = c->priority;
	s->family = c->family;
	s->advert_int_cs = c->advert_int_cs;
	s->preempt = c->preempt;
	s->accept = c->accept;
	s->use_vmac = c->use_vmac;
	s->preempt_delay_ms = c->preempt_delay_ms;
	s->unicast_src = c->unicast_src;
	s->garp_count = c->garp_count ? c->garp_count : 5;
	s->garp_interval_ms = c->garp_interval_ms;
	s->garp_refresh_ms = c->garp_refresh_ms;
	s->n_peers = c->n_unicast_peers;
	s->n_vips = c->n_vips;
	if (s->n_peers) {
		s->peers = calloc(s->n_peers, sizeof(*s->peers));
		if (s->peers)
			memcpy(s->peers, c->unicast_peers, s->n_peers * sizeof(*s->peers));
	}
	if (s->n_vips) {
		s->vips = calloc(s->n_vips, sizeof(*s->vips));
		if (s->vips)
			memcpy(s->vips, c->vips, s->n_vips * sizeof(*s->vips));
	}
	s->sync_group = dup_or_null(c->sync_group);
	s->t_ifaces = calloc(c->n_track_interfaces + 1, sizeof(*s->t_ifaces));
	for (size_t i = 0; s->t_ifaces && i < c->n_track_interfaces; i++) {
		s->t_ifaces[i] = c->track_interfaces[i];
		s->t_ifaces[i].name = strdup(c->track_interfaces[i].name);
		s->n_t_ifaces++;
		if (!s->t_ifaces[i].name) {
			settings_free(s);
			return -ENOMEM;
		}
	}
	s->t_svcs = calloc(c->n_track_services + 1, sizeof(*s->t_svcs));
	for (size_t i = 0; s->t_svcs && i < c->n_track_services; i++) {
		s->t_svcs[i] = c->track_services[i];
		s->t_svcs[i].name = strdup(c->track_services[i].name);
		s->n_t_svcs++;
		if (!s->t_svcs[i].name) {
			settings_free(s);
			return -ENOMEM;
		}
	}
	if (!s->name || !s->interface || (c->auth_pass && !s->auth_pass) ||
	    !s->t_ifaces || !s->t_svcs || (c->sync_group && !s->sync_group) ||
	    (s->n_peers && !s->peers) || (s->n_vips && !s->vips) ||
	    (c->notify_master && !s->notify_master) || (c->notify_backup && !s->notify_backup) ||
	    (c->notify_fault && !s->notify_fault) || (c->notify_stop && !s->notify_stop)) {
		settings_free(s);
		return -ENOMEM;
	}
	return 0;
}

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool addrs_same(const struct edgelb_config_addr *a, size_t na,
		       const struct edgelb_config_addr *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].family != b[i].family || a[i].prefix_len != b[i].prefix_len ||
		    memcmp(&a[i].addr, &b[i].addr, sizeof(a[i].addr)))
			return false;
	return true;
}

/* Whether c differs from s in something that needs a restart. */
static bool settings_need_restart(const struct vrrp_settings *s,
				  const struct edgelb_config_vrrp *c)
{
	return strcmp(s->interface, c->interface) || s->vrid != c->vrid ||
	       s->version != c->version || s->priority != c->priority ||
	       s->family != c->family || s->advert_int_cs != c->advert_int_cs ||
	       s->preempt != c->preempt || s->accept != c->accept || s->use_vmac != c->use_vmac ||
	       s->preempt_delay_ms != c->preempt_delay_ms || !str_same(s->auth_pass, c->auth_pass) ||
	       !addrs_same(&s->unicast_src, 1, &c->unicast_src, 1) ||
	       !addrs_same(s->peers, s->n_peers, c->unicast_peers, c->n_unicast_peers) ||
	       !addrs_same(s->vips, s->n_vips, c->vips, c->n_vips);
}

/* ---- notify programs --------------------------------------------------- */

static void child_exited(void *arg, int fd, uint32_t events)
{
	struct vrrp_child *c = arg, **pp;
	siginfo_t si;

	(void)events;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) == 0 && !si.si_pid)
		return; /* not yet */
	loop_del_fd(c->vs->deps.loop, fd);
	close(fd);
	for (pp = &c->vs->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	free(c);
}

static void vrrp_notify(struct vrrp_instance *in, const char *state)
{
	const char *prog = NULL;
	char prio[8], *argv[6];
	struct vrrp_child *c;
	pid_t pid;
	int err, pidfd;

	if (!strcmp(state, "MASTER"))
		prog = in->s.notify_master;
	else if (!strcmp(state, "BACKUP"))
		prog = in->s.notify_backup;
	else if (!strcmp(state, "FAULT"))
		prog = in->s.notify_fault;
	else if (!strcmp(state, "STOP"))
		prog = in->s.notify_stop;
	if (!prog)
		return;
	/* keepalived's arguments, so operators' scripts keep working when
	 * edgelbd replaces it: "INSTANCE", name, new state, priority */
	snprintf(prio, sizeof(prio), "%u", in->fsm.priority);
	argv[0] = (char *)prog;
	argv[1] = (char *)"INSTANCE";
	argv[2] = in->s.name;
	argv[3] = (char *)state;
	argv[4] = prio;
	argv[5] = NULL;
	/* output goes to edgelbd's own stderr: the log */
	err = edgelb_spawn(prog, argv, environ, -1, false, &pid, &pidfd);
	if (err) {
		pr_warn(in->tag, "notify %s: cannot run %s: %s", state, prog, strerror(-err));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || loop_add_fd(in->vs->deps.loop, pidfd, EPOLLIN, child_exited, c)) {
		/* cannot watch it: reap it when it is done, without blocking the loop now */
		pr_warn(in->tag, "notify %s: cannot watch pid %d; it stays a zombie until "
				 "edgelbd exits", state, (int)pid);
		free(c);
		close(pidfd);
		return;
	}
	c->vs = in->vs;
	c->pid = pid;
	c->pidfd = pidfd;
	c->next = in->vs->children;
	in->vs->children = c;
	pr_debug(in->tag, "notify %s: %s (pid %d)", state, prog, (int)pid);
}

/* ---- actions ----------------------------------------------------------- */

const char *vrrp_addr_str(uint8_t family, const void *a, char *buf, size_t len)
{
	if (!inet_ntop(family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static void vips_set(struct vrrp_instance *in, bool add)
{
	char b[INET6_ADDRSTRLEN];

	if (!in->vs->addr || in->vip_ifindex <= 0)
		return;
	for (size_t i = 0; i < in->s.n_vips; i++) {
		const struct edgelb_config_addr *v = &in->s.vips[i];
		int err = add ? vrrp_addr_add(in->vs->addr, in->vip_ifindex, v->family, &v->addr,
					      v->prefix_len)
			      : vrrp_addr_del(in->vs->addr, in->vip_ifindex, v->family, &v->addr,
					      v->prefix_len);
		if (err)
			pr_err(in->tag, "%s VIP %s/%u on %s: %s", add ? "adding" : "removing",
			       vrrp_addr_str(v->family, &v->addr, b, sizeof(b)), v->prefix_len,
			       in->s.interface, strerror(-err));
	}
	in->vips_held = add;
}

static void garp_burst_step(struct vrrp_instance *in)
{
	int n = vrrp_garp_send(in->vs->garp_fd, in->vip_ifindex, in->mac, in->garp_vips,
			       in->s.n_vips);

	if (n < 0)
		pr_warn(in->tag, "GARP/NA: %s", strerror(-n));
	if (in->garp_left)
		in->garp_left--;
}

static void garp_timer_fired(void *arg)
{
	struct vrrp_instance *in = arg;

	if (in->fsm.state != VRRP_STATE_MASTER)
		return;
	if (!in->garp_left) /* refresh: a new burst */
		in->garp_left = in->s.garp_count;
	while (in->garp_left) {
		garp_burst_step(in);
		if (in->s.garp_interval_ms)
			break;
	}
	if (in->garp_left)
		loop_timer_arm(in->garp_timer, in->s.garp_interval_ms, 0);
	else if (in->s.garp_refresh_ms)
		loop_timer_arm(in->garp_timer, in->s.garp_refresh_ms, 0);
}

static void garp_start(struct vrrp_instance *in)
{
	in->garp_left = in->s.garp_count;
	garp_timer_fired(in);
}

static void send_advert(struct vrrp_instance *in, uint8_t prio)
{
	struct vrrp_advert *a = calloc(1, sizeof(*a));
	int err = 0;

	if (!a || !in->io) {
		free(a);
		return;
	}
	a->version = in->s.version;
	a->vrid = in->s.vrid;
	a->priority = prio;
	a->advert_int_cs = in->s.advert_int_cs;
	a->family = in->s.family;
	a->n_addrs = (uint8_t)in->s.n_vips;
	for (size_t i = 0; i < in->s.n_vips; i++)
		a->addrs[i] = in->s.vips[i].addr;
	if (in->s.version == 2) {
		a->auth_type = in->s.auth_pass ? VRRP_AUTH_PASS : VRRP_AUTH_NONE;
		if (in->s.auth_pass)
			snprintf(a->auth_pass, sizeof(a->auth_pass), "%s", in->s.auth_pass);
	}
	if (!in->s.n_peers) {
		err = vrrp_io_send(in->io, a, NULL);
		if (!err)
			in->tx++;
	}
	for (size_t i = 0; i < in->s.n_peers; i++) {
		int e = vrrp_io_send(in->io, a, &in->s.peers[i].addr);

		if (!e)
			in->tx++;
		else
			err = e;
	}
	if (err)
		pr_warn(in->tag, "sending an advert (priority %u): %s", prio, strerror(-err));
	free(a);
}

static void rearm(struct vrrp_instance *in)
{
	uint64_t at = vrrp_fsm_next_deadline(&in->fsm), now = loop_now_ms();

	if (!in->running)
		return; /* the timer retries the setup */
	if (at == UINT64_MAX)
		loop_timer_disarm(in->timer);
	else
		loop_timer_arm(in->timer, at > now ? at - now : 1, 0);
}

/* ---- lingering VIPs after a voluntary resign ----------------------------- */

static void linger_stop(struct vrrp_instance *in)
{
	in->lingering = false;
	in->linger_peer_seen = false;
	loop_timer_disarm(in->linger_timer);
}

static void linger_fired(void *arg)
{
	struct vrrp_instance *in = arg;

	if (!in->lingering)
		return;
	if (!in->linger_peer_seen)
		pr_warn(in->tag, "no new master advertised within %llu ms of resigning: "
				 "dropping the VIPs anyway",
			(unsigned long long)vrrp_fsm_master_down_ms(&in->fsm));
	linger_stop(in);
	if (in->fsm.state != VRRP_STATE_MASTER)
		vips_set(in, false);
}

static void linger_start(struct vrrp_instance *in)
{
	in->lingering = true;
	in->linger_peer_seen = false;
	loop_timer_arm(in->linger_timer, vrrp_fsm_master_down_ms(&in->fsm), 0);
}

/*
 * The new master advertised: it holds the VIPs and has sent its GARP / NA
 * burst (keepalived and edgelbd send it with the advert). Give that burst
 * a moment to reach the neighbours, then drop ours.
 */
static void linger_peer_took_over(struct vrrp_instance *in)
{
	uint64_t grace = in->s.advert_int_cs * 10ULL;

	if (!in->lingering || in->linger_peer_seen || in->fsm.state == VRRP_STATE_MASTER)
		return;
	in->linger_peer_seen = true;
	loop_timer_arm(in->linger_timer, grace < 20 ? grace : 20, 0);
}

/* Carry out what the state machine asked, in fsm.h's order. */
static void vrrp_do(struct vrrp_instance *in, struct vrrp_fsm_actions act);

/* A partner went from MASTER to BACKUP: the group's masters follow. */
static void sync_partners_resign(struct vrrp_instance *in)
{
	struct vrrp_instances *vs = in->vs;

	if (!in->s.sync_group)
		return;
	for (size_t i = 0; i < vs->n; i++) {
		struct vrrp_instance *o = vs->v[i];

		if (!o || !vrrp_same_group(in, o) || o->fsm.state != VRRP_STATE_MASTER)
			continue;
		pr_info(o->tag, "sync group %s: %s went to BACKUP; following", in->s.sync_group,
			in->s.name);
		vrrp_do(o, vrrp_fsm_resign(&o->fsm, loop_now_ms()));
	}
}

static void vrrp_do(struct vrrp_instance *in, struct vrrp_fsm_actions act)
{
	enum vrrp_state prev = in->last_state;

	in->last_state = in->fsm.state;
	if (act.become_backup) {
		/*
		 * Resigned on purpose (priority 0 sent, not in fault): keep
		 * the VIPs until the peer has them. Otherwise drop them now;
		 * entering BACKUP removes a stale copy left by a kill -9 too.
		 */
		if (act.send_advert && act.advert_priority == VRRP_PRIO_RESIGN && in->vips_held &&
		    in->fsm.state != VRRP_STATE_FAULT && in->running) {
			linger_start(in);
		} else {
			linger_stop(in);
			vips_set(in, false);
		}
	}
	if (in->fsm.state == VRRP_STATE_FAULT && in->vips_held) {
		linger_stop(in); /* a node in fault cannot serve the VIPs */
		vips_set(in, false);
	}
	if (act.become_master) {
		linger_stop(in);
		vips_set(in, true);
		in->master_known = false;
		if (in->s.n_vips)
			garp_start(in);
	} else if (act.reassert) {
		pr_info(in->tag, "another master of lower priority heard (preempted it, or a "
				 "split brain healed): advertising and sending GARP/NA again");
		if (in->s.n_vips)
			garp_start(in);
	} else if (in->fsm.state != VRRP_STATE_MASTER) {
		in->garp_left = 0;
		loop_timer_disarm(in->garp_timer);
	}
	if (act.send_advert)
		send_advert(in, act.advert_priority);
	if (act.notify) {
		in->since_ms = loop_now_ms();
		if (act.master_down && act.master_down_waited_ms < vrrp_fsm_master_down_ms(&in->fsm))
			/* §6.4.2: a priority-0 advert set the timer to the skew time */
			pr_info(in->tag, "%s (priority %u): the master resigned (priority 0), "
					 "taken over after the skew time, %llu ms; its timer ran "
					 "%llu ms late",
				act.notify, in->fsm.priority,
				(unsigned long long)act.master_down_waited_ms,
				(unsigned long long)act.master_down_late_ms);
		else if (act.master_down)
			pr_info(in->tag, "%s (priority %u): no advertisement for the master down "
					 "interval, %llu ms; its timer ran %llu ms late",
				act.notify, in->fsm.priority,
				(unsigned long long)act.master_down_waited_ms,
				(unsigned long long)act.master_down_late_ms);
		else
			pr_info(in->tag, "%s (priority %u)", act.notify, in->fsm.priority);
		vrrp_notify(in, act.notify);
	}
	rearm(in);
	if (prev == VRRP_STATE_MASTER && in->fsm.state == VRRP_STATE_BACKUP)
		sync_partners_resign(in);
}

/* ---- tracking: tracked objects (instance_track.c) into the state machine ---- */

/* Hand the tracking result to the state machine. */
static void track_apply(struct vrrp_instance *in)
{
	uint64_t now = loop_now_ms();
	bool fault = in->track.fault; /* in a sync group: any member's */

	if (in->track.priority != in->fsm.priority) {
		pr_info(in->tag, "priority %u -> %u (%zu tracked objects failing)", in->fsm.priority,
			in->track.priority, in->track.failing);
		vrrp_do(in, vrrp_fsm_set_priority(&in->fsm, now, in->track.priority));
	}
	if (fault != in->fsm.fault) {
		if (fault)
			pr_warn(in->tag, "fault: %s", in->group_fault
							    ? "a sync-group partner is in fault"
							    : "a tracked object with weight 0 fails");
		else
			pr_info(in->tag, "fault over");
		vrrp_do(in, vrrp_fsm_fault(&in->fsm, now, fault));
	}
}

void vrrp_instances_track(struct vrrp_instances *vs)
{
	if (!vs || vs->tracking || !vs->n)
		return;
	vs->tracking = true; /* the actions below must not call back in */
	vrrp_track_gather(vs);
	for (size_t i = 0; i < vs->n; i++)
		track_apply(vs->v[i]);
	vs->tracking = false;
}

static void script_changed(void *arg)
{
	struct vrrp_instance *in = arg;

	vrrp_instances_track(in->vs);
}

/* ---- receive ----------------------------------------------------------- */

static size_t alen(uint8_t family)
{
	return family == EDGELB_AF_INET6 ? 16 : 4;
}

static bool from_peer(const struct vrrp_instance *in, const union edgelb_addr *src)
{
	for (size_t i = 0; i < in->s.n_peers; i++)
		if (!memcmp(&in->s.peers[i].addr, src, alen(in->s.family)))
			return true;
	return false;
}

static void io_readable(void *arg, int fd, uint32_t events)
{
	struct vrrp_instance *in = arg;
	struct vrrp_advert *a = malloc(sizeof(*a));

	(void)fd;
	(void)events;
	if (!a)
		return;
	for (int budget = 64; budget > 0 && in->io; budget--) {
		enum vrrp_reject why = VRRP_REJECT_NONE;
		int err = vrrp_io_recv(in->io, a, &why), cmp;

		if (err == -EAGAIN)
			break;
		if (err == -EINVAL) {
			if (why < VRRP_REJECT_MAX)
				in->rej[why]++;
			continue;
		}
		if (err) {
			pr_debug(in->tag, "receive: %s", strerror(-err));
			break;
		}
		if (a->vrid != in->s.vrid) {
			in->lrej[VRRP_LREJ_VRID]++;
			continue;
		}
		if (a->version != in->s.version) {
			in->lrej[VRRP_LREJ_VERSION]++;
			continue;
		}
		if (in->s.version == 2 &&
		    (in->s.auth_pass ? a->auth_type != VRRP_AUTH_PASS ||
					       strncmp(a->auth_pass, in->s.auth_pass, 8)
				     : a->auth_type != VRRP_AUTH_NONE)) {
			in->lrej[VRRP_LREJ_AUTH]++;
			continue;
		}
		if (!memcmp(&a->src, &in->src, alen(in->s.family))) {
			in->lrej[VRRP_LREJ_OWN]++;
			continue;
		}
		if (in->s.n_peers && !from_peer(in, &a->src)) {
			in->lrej[VRRP_LREJ_PEER]++;
			continue;
		}
		in->rx++;
		cmp = memcmp(&a->src, &in->src, alen(in->s.family));
		if (a->priority) {
			in->master_known = true;
			in->master_addr = a->src;
			linger_peer_took_over(in);
		} else {
			in->master_known = false;
		}
		vrrp_do(in, vrrp_fsm_advert_received(&in->fsm, loop_now_ms(), a->priority,
						     a->advert_int_cs, cmp));
	}
	free(a);
}

/* ---- setup ------------------------------------------------------------- */

static int ipv6_link_local(const char *ifname, union edgelb_addr *out)
{
	struct ifaddrs *ifa, *i;
	int ret = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_in6 *s6 = (const void *)i->ifa_addr;

		if (!s6 || s6->sin6_family != AF_INET6 || strcmp(i->ifa_name, ifname) ||
		    !IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			continue;
		memcpy(out->bytes, &s6->sin6_addr, 16);
		ret = 0;
		break;
	}
	freeifaddrs(ifa);
	return ret;
}

static void instance_down(struct vrrp_instance *in)
{
	if (in->io) {
		loop_del_fd(in->vs->deps.loop, vrrp_io_fd(in->io));
		vrrp_io_close(in->io);
		in->io = NULL;
	}
	in->running = false;
}

/* Open the socket and start the state machine; on failure retry later. */
static int instance_setup(struct vrrp_instance *in)
{
	const struct vrrp_deps *d = &in->vs->deps;
	int err, io_ifindex;

	if (!d->nl)
		return -ENODEV;
	err = edgelb_nl_link(d->nl, in->s.interface, &in->ifindex, in->mac);
	if (err) {
		snprintf(in->error, sizeof(in->error), "interface %s: %s", in->s.interface,
			 strerror(-err));
		return err;
	}
	in->vip_ifindex = in->ifindex;
	io_ifindex = in->ifindex;
	if (in->s.use_vmac) {
		int af = in->s.family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET;

		err = vrrp_vmac_ensure(vrrp_addr_nl(in->vs->addr), in->ifindex, in->s.vrid,
				       (uint8_t)af, in->vmac_name, &in->vip_ifindex);
		if (err) {
			snprintf(in->error, sizeof(in->error), "virtual MAC interface on %s: %s",
				 in->s.interface, strerror(-err));
			in->vmac_name[0] = '\0';
			return err;
		}
		vrrp_vmac_mac(in->s.vrid, (uint8_t)af, in->mac);
		/*
		 * Multicast adverts leave from the macvlan, so that switches
		 * learn the virtual MAC where the master is (as keepalived
		 * does), and arrive there too (the parent hands multicast to
		 * every macvlan). Unicast ones are addressed to the parent's
		 * address and arrive on the parent: the socket stays there.
		 */
		if (!in->s.n_peers)
			io_ifindex = in->vip_ifindex;
	}
	if (in->s.unicast_src.family != EDGELB_AF_NONE)
		in->src = in->s.unicast_src.addr;
	else if (in->s.family == EDGELB_AF_INET6)
		err = ipv6_link_local(io_ifindex == in->ifindex ? in->s.interface : in->vmac_name,
				      &in->src);
	else
		err = edgelb_nl_primary_addr(d->nl, in->ifindex, in->s.family, &in->src);
	if (err && io_ifindex != in->ifindex) {
		/* the new macvlan's link-local address: milliseconds away */
		snprintf(in->error, sizeof(in->error), "waiting for the link-local address of %s",
			 in->vmac_name);
		return -EAGAIN;
	}
	if (err) {
		snprintf(in->error, sizeof(in->error), "no source address on %s: %s",
			 in->s.interface, strerror(-err));
		return err;
	}
	err = vrrp_io_open(in->s.family, io_ifindex, &in->src, &in->io);
	if (err) {
		snprintf(in->error, sizeof(in->error), "socket: %s", strerror(-err));
		return err;
	}
	err = loop_add_fd(d->loop, vrrp_io_fd(in->io), EPOLLIN, io_readable, in);
	if (err) {
		vrrp_io_close(in->io);
		in->io = NULL;
		snprintf(in->error, sizeof(in->error), "loop: %s", strerror(-err));
		return err;
	}
	in->error[0] = '\0';
	in->running = true;
	return 0;
}

static void instance_timer(void *arg)
{
	struct vrrp_instance *in = arg;
	char b[INET6_ADDRSTRLEN];
	int err;

	if (in->running) {
		vrrp_do(in, vrrp_fsm_timer(&in->fsm, loop_now_ms()));
		return;
	}
	err = instance_setup(in);
	if (err) {
		/* soon for what comes in milliseconds, for a while; then as any */
		bool soon = err == -EAGAIN && in->soon_retries < VRRP_RETRY_SOON_MAX;

		in->soon_retries += soon;
		pr_debug(in->tag, "not started: %s; retrying", in->error);
		loop_timer_arm(in->timer, soon ? VRRP_RETRY_SOON_MS : VRRP_RETRY_MS, 0);
		return;
	}
	in->soon_retries = 0;
	pr_info(in->tag, "started on %s from %s, priority %u, advert %u0 ms, %s", in->s.interface,
		vrrp_addr_str(in->s.family, &in->src, b, sizeof(b)), in->s.priority,
		in->s.advert_int_cs, in->s.n_peers ? "unicast" : "multicast");
	if (in->vs->saved.maintenance)
		vrrp_fsm_maintenance(&in->fsm, loop_now_ms(), true);
	/* start with the tracked priority and fault, not the configured ones */
	vrrp_instances_track(in->vs);
	vrrp_do(in, vrrp_fsm_start(&in->fsm, loop_now_ms()));
}

static void instance_free(struct vrrp_instance *in)
{
	if (!in)
		return;
	linger_stop(in);
	if (in->vips_held) /* lingering, or left by a kill -9 before this run */
		vips_set(in, false);
	instance_down(in);
	if (in->vmac_name[0] && in->vs->addr) {
		/* the VIPs are gone already; a kill -9 leaves it for the next run to adopt */
		int err = vrrp_vmac_remove(vrrp_addr_nl(in->vs->addr), in->vmac_name);

		if (err)
			pr_warn(in->tag, "removing %s: %s", in->vmac_name, strerror(-err));
	}
	loop_timer_free(in->timer);
	loop_timer_free(in->garp_timer);
	loop_timer_free(in->linger_timer);
	vrrp_scripts_free(in->scripts, in->n_scripts);
	free(in->tobjs);
	free(in->garp_vips);
	settings_free(&in->s);
	free(in);
}

static int instance_new(struct vrrp_instances *vs, const struct edgelb_config_vrrp *c,
			struct vrrp_instance **out)
{
	struct vrrp_instance *in = calloc(1, sizeof(*in));
	struct vrrp_fsm_config fc;
	char err_msg[128] = "";
	int err;

	if (!in)
		return -ENOMEM;
	in->vs = vs;
	err = settings_copy(&in->s, c);
	if (err) {
		free(in);
		return err;
	}
	snprintf(in->tag, sizeof(in->tag), "vrrp[%s/%u]", in->s.name, in->s.vrid);
	memset(&fc, 0, sizeof(fc));
	fc.vrid = c->vrid;
	fc.priority = c->priority;
	fc.advert_int_cs = c->advert_int_cs;
	fc.preempt = c->preempt;
	fc.preempt_delay_ms = c->preempt_delay_ms;
	fc.accept_mode = c->accept;
	fc.version = c->version;
	err = vrrp_fsm_init(&in->fsm, &fc);
	if (err) {
		vrrp_fsm_config_check(&fc, err_msg, sizeof(err_msg));
		pr_err(in->tag, "invalid settings: %s", err_msg);
		settings_free(&in->s);
		free(in);
		return err;
	}
	in->garp_vips = calloc(in->s.n_vips ? in->s.n_vips : 1, sizeof(*in->garp_vips));
	if (!in->garp_vips) {
		instance_free(in);
		return -ENOMEM;
	}
	for (size_t i = 0; i < in->s.n_vips; i++) {
		in->garp_vips[i].family = in->s.vips[i].family;
		in->garp_vips[i].addr = in->s.vips[i].addr;
	}
	err = loop_timer_new(vs->deps.loop, instance_timer, in, &in->timer);
	if (!err)
		err = loop_timer_new(vs->deps.loop, garp_timer_fired, in, &in->garp_timer);
	if (!err)
		err = loop_timer_new(vs->deps.loop, linger_fired, in, &in->linger_timer);
	if (!err)
		err = vrrp_scripts_follow(in, c, script_changed);
	if (err) {
		instance_free(in);
		return err;
	}
	in->since_ms = loop_now_ms();
	in->track.priority = in->s.priority;
	if (vrrp_saved_is_held(&vs->saved, in->s.name)) {
		pr_info(in->tag, "handed over before a restart: stays BACKUP until "
				 "`lbctl vrrp release`");
		vrrp_fsm_handover(&in->fsm, loop_now_ms()); /* INITIALIZE: only holds */
	}
	snprintf(in->error, sizeof(in->error), "starting");
	/* first setup attempt right away (from the loop: never inside a caller's callback) */
	loop_timer_arm(in->timer, 1, 0);
	*out = in;
	return 0;
}

/*
 * Shutdown: resign if master (priority 0) and notify STOP. A master's
 * VIPs linger, with its socket open for linger_wait(), until
 * instance_free() drops them.
 */
static void instance_shutdown(struct vrrp_instance *in)
{
	if (!in->running)
		return;
	vrrp_do(in, vrrp_fsm_shutdown(&in->fsm, loop_now_ms()));
	loop_timer_disarm(in->timer);
}

/*
 * edgelbd stops: wait (bounded by the longest Master_Down_Interval, at
 * most 5 s) until every instance that resigned sees its successor's
 * advert, reading the sockets directly since the loop no longer runs.
 */
static void linger_wait(struct vrrp_instances *vs)
{
	uint64_t start = loop_now_ms(), until = start, now;
	struct pollfd *pf = calloc(vs->n + 1, sizeof(*pf));
	struct vrrp_instance **who = calloc(vs->n + 1, sizeof(*who));
	bool seen = false;

	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i]->lingering) {
			uint64_t t = start + vrrp_fsm_master_down_ms(&vs->v[i]->fsm);

			until = t > until ? t : until;
		}
	if (until > start + 5000)
		until = start + 5000;
	if (until > start)
		pr_info("vrrp", "waiting up to %llu ms for the peers to take the VIPs over",
			(unsigned long long)(until - start));
	while (pf && who && (now = loop_now_ms()) < until) {
		size_t n = 0;

		for (size_t i = 0; i < vs->n; i++) {
			struct vrrp_instance *in = vs->v[i];

			if (in->lingering && !in->linger_peer_seen && in->io) {
				pf[n].fd = vrrp_io_fd(in->io);
				pf[n].events = POLLIN;
				who[n++] = in;
			}
		}
		if (!n)
			break;
		if (poll(pf, n, (int)(until - now)) < 0 && errno != EINTR)
			break;
		for (size_t k = 0; k < n; k++)
			if (pf[k].revents & POLLIN) {
				io_readable(who[k], pf[k].fd, EPOLLIN);
				seen = seen || who[k]->linger_peer_seen;
			}
	}
	if (seen) /* the successors' GARP / NA bursts reach the neighbours */
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i]->lingering && !vs->v[i]->linger_peer_seen)
			pr_warn(vs->v[i]->tag, "no new master seen before stopping; "
					       "dropping the VIPs anyway");
	free(pf);
	free(who);
}

/* ---- API --------------------------------------------------------------- */

int vrrp_instances_new(const struct vrrp_deps *deps, struct vrrp_instances **out)
{
	struct vrrp_instances *vs = calloc(1, sizeof(*vs));

	if (!vs)
		return -ENOMEM;
	vs->deps = *deps;
	vs->garp_fd = -1;
	*out = vs;
	return 0;
}

void vrrp_instances_state_section(struct vrrp_instances *vs, struct edgelb_state_section *out)
{
	vrrp_saved_section(&vs->saved, out);
}

int vrrp_instances_start(struct vrrp_instances *vs, const struct edgelb_config *cfg)
{
	int err;

	if (vs->saved.maintenance)
		pr_info("vrrp", "maintenance (set before a restart): no instance becomes master "
				"until `lbctl vrrp maintenance off`");
	if (!cfg->n_vrrp)
		return 0;
	err = vrrp_addr_open(&vs->addr);
	if (err) {
		pr_err("vrrp", "netlink socket for the VIPs: %s", strerror(-err));
		return err;
	}
	return vrrp_instances_apply(vs, cfg);
}

static struct vrrp_instance *take_by_name(struct vrrp_instance **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && !strcmp(v[i]->s.name, name)) {
			struct vrrp_instance *in = v[i];

			v[i] = NULL;
			return in;
		}
	return NULL;
}

static void settings_update_in_place(struct vrrp_instance *in, const struct edgelb_config_vrrp *c)
{
	struct vrrp_settings ns;

	if (settings_copy(&ns, c) || vrrp_scripts_follow(in, c, script_changed)) {
		pr_err(in->tag, "out of memory: keeping the previous notify, garp and track settings");
		return;
	}
	settings_free(&in->s);
	in->s = ns;
}

int vrrp_instances_apply(struct vrrp_instances *vs, const struct edgelb_config *cfg)
{
	struct vrrp_instance **old = vs->v, **nv;
	size_t n_old = vs->n;
	int ret = 0;

	if (cfg->n_vrrp && !vs->addr) {
		int err = vrrp_addr_open(&vs->addr);

		if (err)
			return err;
	}
	if (cfg->n_vrrp && vs->garp_fd < 0) {
		vs->garp_fd = vrrp_garp_open();
		if (vs->garp_fd < 0) {
			pr_err("vrrp", "socket for gratuitous ARP / NA: %s", strerror(-vs->garp_fd));
			return vs->garp_fd;
		}
	}
	nv = calloc(cfg->n_vrrp ? cfg->n_vrrp : 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_vrrp; i++) {
		const struct edgelb_config_vrrp *c = &cfg->vrrp[i];
		struct vrrp_instance *in = take_by_name(old, n_old, c->name);

		if (in && !settings_need_restart(&in->s, c)) {
			settings_update_in_place(in, c);
			nv[i] = in;
			continue;
		}
		if (in) {
			pr_info(in->tag, "settings changed: restarting");
			instance_shutdown(in);
			instance_free(in);
		}
		if (instance_new(vs, c, &nv[i])) {
			pr_err("vrrp", "instance %s not started", c->name);
			ret = -ENOMEM;
		}
	}
	for (size_t i = 0; i < n_old; i++)
		if (old[i]) {
			pr_info(old[i]->tag, "removed from the config: stopping");
			instance_shutdown(old[i]);
			instance_free(old[i]);
		}
	free(old);
	/* compact: an instance that failed to start is left out */
	vs->n = 0;
	for (size_t i = 0; i < cfg->n_vrrp; i++)
		if (nv[i])
			nv[vs->n++] = nv[i];
	vs->v = nv;
	vrrp_instances_track(vs); /* weights and tracked objects may have changed */
	return ret;
}

void vrrp_instances_stop(struct vrrp_instances *vs)
{
	if (!vs)
		return;
	for (size_t i = 0; i < vs->n; i++)
		instance_shutdown(vs->v[i]);
	linger_wait(vs);
	for (size_t i = 0; i < vs->n; i++)
		instance_free(vs->v[i]);
	free(vs->v);
	while (vs->children) {
		struct vrrp_child *c = vs->children;

		vs->children = c->next;
		/* not waited for: the stop programs outlive us; init reaps them */
		loop_del_fd(vs->deps.loop, c->pidfd);
		close(c->pidfd);
		free(c);
	}
	vrrp_addr_close(vs->addr);
	if (vs->garp_fd >= 0)
		close(vs->garp_fd);
	vrrp_saved_free(&vs->saved);
	free(vs);
}

size_t vrrp_instances_count(const struct vrrp_instances *vs)
{
	return vs ? vs->n : 0;
}

int vrrp_instances_status(const struct vrrp_instances *vs, size_t i,
			  struct vrrp_instance_status *st)
{
	const struct vrrp_instance *in;

	if (!vs || i >= vs->n)
		return -ENOENT;
	in = vs->v[i];
	memset(st, 0, sizeof(*st));
	st->name = in->s.name;
	st->interface = in->s.interface;
	st->vrid = in->s.vrid;
	st->version = in->s.version;
	st->family = in->s.family;
	st->state = vrrp_fsm_state_name(in->fsm.state);
	st->priority = in->fsm.priority;
	st->config_priority = in->s.priority;
	st->advert_int_cs = in->fsm.state == VRRP_STATE_BACKUP && in->fsm.master_adver_int_cs
				    ? in->fsm.master_adver_int_cs
				    : in->s.advert_int_cs;
	st->master_known = in->fsm.state == VRRP_STATE_BACKUP && in->master_known;
	memcpy(st->master_addr, &in->master_addr, 16);
	st->held = in->fsm.held;
	st->maintenance = in->fsm.maintenance;
	st->vips_held = in->vips_held;
	st->since_ms = in->since_ms;
	st->transitions = in->fsm.transitions;
	st->rx = in->rx;
	st->tx = in->tx;
	for (size_t r = 0; r < VRRP_REJECT_MAX; r++)
		st->rx_rejected += in->rej[r];
	for (size_t r = 0; r < VRRP_LREJ_MAX; r++)
		st->rx_rejected += in->lrej[r];
	st->error = in->running ? NULL : in->error;
	return 0;
}

void vrrp_instances_rejects(const struct vrrp_instances *vs, size_t i,
			    void (*cb)(void *arg, const char *reason, uint64_t n), void *arg)
{
	const struct vrrp_instance *in;

	if (!vs || i >= vs->n)
		return;
	in = vs->v[i];
	for (int r = 1; r < VRRP_REJECT_MAX; r++)
		if (in->rej[r])
			cb(arg, vrrp_reject_name((enum vrrp_reject)r), in->rej[r]);
	for (int r = 0; r < VRRP_LREJ_MAX; r++)
		if (in->lrej[r])
			cb(arg, vrrp_lrej_names[r], in->lrej[r]);
}

/* Whether the command for name reaches in: by name, or as its sync-group partner. */
static bool named(const struct vrrp_instances *vs, const struct vrrp_instance *in, const char *name)
{
	if (!name || !name[0] || !strcmp(name, in->s.name))
		return true;
	for (size_t i = 0; i < vs->n; i++)
		if (!strcmp(name, vs->v[i]->s.name) && vrrp_same_group(vs->v[i], in))
			return true;
	return false;
}

static int for_named(struct vrrp_instances *vs, const char *name, bool handover)
{
	bool changed = false;
	int n = 0;

	if (!vs)
		return -ENOENT;
	for (size_t i = 0; i < vs->n; i++) {
		struct vrrp_instance *in = vs->v[i];
		uint64_t now = loop_now_ms();

		if (!named(vs, in, name))
			continue;
		n++;
		changed |= vrrp_saved_hold(&vs->saved, in->s.name, handover);
		if (handover) {
			pr_info(in->tag, "handover requested");
			vrrp_do(in, vrrp_fsm_handover(&in->fsm, now));
		} else {
			pr_info(in->tag, "released");
			vrrp_do(in, vrrp_fsm_release(&in->fsm, now));
		}
	}
	if (!n)
		return -ENOENT;
	return changed && vs->deps.persist(vs->deps.arg) ? -EIO : n; /* persist logs why */
}

int vrrp_instance_handover(struct vrrp_instances *vs, const char *name)
{
	return for_named(vs, name, true);
}

int vrrp_instance_release(struct vrrp_instances *vs, const char *name)
{
	return for_named(vs, name, false);
}

int vrrp_instances_maintenance(struct vrrp_instances *vs, bool on)
{
	if (!vs)
		return -ENOENT;
	bool changed = vs->saved.maintenance != on;

	vs->saved.maintenance = on;
	for (size_t i = 0; i < vs->n; i++) {
		struct vrrp_instance *in = vs->v[i];

		pr_info(in->tag, "maintenance %s", on ? "on" : "off");
		if (in->running)
			vrrp_do(in, vrrp_fsm_maintenance(&in->fsm, loop_now_ms(), on));
	}
	return changed && vs->deps.persist(vs->deps.arg) ? -EIO : (int)vs->n; /* persist logs why */
}
