// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelbd's VRRP instances on the event loop: see instance.h.
 *
 * Every input of the state machine (advert, timer, operator command,
 * shutdown) returns a struct vrrp_fsm_actions that vrrp_do() carries out
 * in the order fsm.h asks: drop or take the VIPs, send the advert, run the
 * notify program. Nothing here blocks: sockets are non-blocking, the VIPs
 * move with one netlink request each, notify programs are spawned and
 * reaped when their pidfd says they exited.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "addr.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "fsm.h"
#include "garp.h"
#include "instance.h"
#include "child.h"
#include "io.h"
#include "log.h"
#include "loop.h"
#include "netlink.h"
#include "packet.h"

extern char **environ;

/* Our own reasons for refusing a packet that parsed. */
enum vrrp_local_reject {
	VRRP_LREJ_VRID = 0, /* another virtual router */
	VRRP_LREJ_VERSION,  /* not our VRRP version */
	VRRP_LREJ_AUTH,	    /* v2 password mismatch */
	VRRP_LREJ_OWN,	    /* our own advert looped back */
	VRRP_LREJ_PEER,	    /* unicast: not from a configured peer */
	VRRP_LREJ_MAX,
};

static const char *const vrrp_lrej_names[VRRP_LREJ_MAX] = {
	"vrid_mismatch", "version_mismatch", "auth_mismatch", "own_advert", "unknown_peer",
};

#define VRRP_RETRY_MS 1000
#define VRRP_MAX_INSTANCES 256

struct vrrp_child {
	struct vrrp_child *next;
	struct vrrp_instances *vs;
	pid_t pid;
	int pidfd;
};

/* The settings an instance runs with: a copy of its config entry. */
struct vrrp_settings {
	char *name, *interface, *auth_pass;
	char *notify_master, *notify_backup, *notify_fault, *notify_stop;
	uint8_t vrid, version, priority, family;
	uint16_t advert_int_cs;
	bool preempt, accept;
	uint32_t preempt_delay_ms;
	struct edgelb_config_addr unicast_src;
	struct edgelb_config_addr *peers;
	size_t n_peers;
	struct edgelb_config_addr *vips;
	size_t n_vips;
	uint32_t garp_count, garp_interval_ms, garp_refresh_ms;
};

struct vrrp_instance {
	struct vrrp_instances *vs;
	struct vrrp_settings s;
	char tag[96]; /* log prefix "vrrp[NAME/VRID]" */
	struct vrrp_fsm fsm;
	struct vrrp_io *io;
	int ifindex;
	uint8_t mac[6];
	union edgelb_addr src;
	struct vrrp_vip *garp_vips;
	struct loop_timer *timer;      /* fsm deadline, or retry of the setup */
	struct loop_timer *garp_timer; /* burst pacing and refresh */
	uint32_t garp_left;
	bool running;		       /* io open, fsm started */
	bool vips_held;
	bool master_known;
	union edgelb_addr master_addr;
	uint64_t since_ms;
	uint64_t rx, tx;
	uint64_t rej[VRRP_REJECT_MAX];
	uint64_t lrej[VRRP_LREJ_MAX];
	char error[128];
};

struct vrrp_instances {
	struct edgelbd *d;
	struct vrrp_addr_sock *addr;
	struct vrrp_instance **v;
	size_t n;
	struct vrrp_child *children;
	bool maintenance;
};

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
	if (!s->name || !s->interface || (c->auth_pass && !s->auth_pass) ||
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
	       s->preempt != c->preempt || s->accept != c->accept ||
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
	loop_del_fd(c->vs->d->loop, fd);
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
	if (!c || loop_add_fd(in->vs->d->loop, pidfd, EPOLLIN, child_exited, c)) {
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

static const char *addr_str(uint8_t family, const void *a, char *buf, size_t len)
{
	if (!inet_ntop(family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static void vips_set(struct vrrp_instance *in, bool add)
{
	char b[INET6_ADDRSTRLEN];

	if (!in->vs->addr || in->ifindex <= 0)
		return;
	for (size_t i = 0; i < in->s.n_vips; i++) {
		const struct edgelb_config_addr *v = &in->s.vips[i];
		int err = add ? vrrp_addr_add(in->vs->addr, in->ifindex, v->family, &v->addr,
					      v->prefix_len)
			      : vrrp_addr_del(in->vs->addr, in->ifindex, v->family, &v->addr,
					      v->prefix_len);
		if (err)
			pr_err(in->tag, "%s VIP %s/%u on %s: %s", add ? "adding" : "removing",
			       addr_str(v->family, &v->addr, b, sizeof(b)), v->prefix_len,
			       in->s.interface, strerror(-err));
	}
	in->vips_held = add;
}

static void garp_burst_step(struct vrrp_instance *in)
{
	int n = vrrp_garp_send(in->ifindex, in->mac, in->garp_vips, in->s.n_vips);

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

static void vrrp_do(struct vrrp_instance *in, struct vrrp_fsm_actions act)
{
	/* entering BACKUP: a stale copy (left by a kill -9) goes too */
	if (act.become_backup)
		vips_set(in, false);
	if (act.become_master) {
		vips_set(in, true);
		in->master_known = false;
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
		pr_info(in->tag, "%s (priority %u)", act.notify, in->fsm.priority);
		vrrp_notify(in, act.notify);
	}
	rearm(in);
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
		loop_del_fd(in->vs->d->loop, vrrp_io_fd(in->io));
		vrrp_io_close(in->io);
		in->io = NULL;
	}
	in->running = false;
}

/* Open the socket and start the state machine; on failure retry later. */
static int instance_setup(struct vrrp_instance *in)
{
	struct edgelbd *d = in->vs->d;
	int err;

	if (!d->nl)
		return -ENODEV;
	err = edgelb_nl_link(d->nl, in->s.interface, &in->ifindex, in->mac);
	if (err) {
		snprintf(in->error, sizeof(in->error), "interface %s: %s", in->s.interface,
			 strerror(-err));
		return err;
	}
	if (in->s.unicast_src.family != EDGELB_AF_NONE)
		in->src = in->s.unicast_src.addr;
	else if (in->s.family == EDGELB_AF_INET6)
		err = ipv6_link_local(in->s.interface, &in->src);
	else
		err = edgelb_nl_primary_addr(d->nl, in->ifindex, in->s.family, &in->src);
	if (err) {
		snprintf(in->error, sizeof(in->error), "no source address on %s: %s",
			 in->s.interface, strerror(-err));
		return err;
	}
	err = vrrp_io_open(in->s.family, in->ifindex, &in->src, &in->io);
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
		pr_debug(in->tag, "not started: %s; retrying", in->error);
		loop_timer_arm(in->timer, VRRP_RETRY_MS, 0);
		return;
	}
	pr_info(in->tag, "started on %s from %s, priority %u, advert %u0 ms, %s", in->s.interface,
		addr_str(in->s.family, &in->src, b, sizeof(b)), in->s.priority,
		in->s.advert_int_cs, in->s.n_peers ? "unicast" : "multicast");
	if (in->vs->maintenance)
		vrrp_fsm_maintenance(&in->fsm, loop_now_ms(), true);
	vrrp_do(in, vrrp_fsm_start(&in->fsm, loop_now_ms()));
}

static void instance_free(struct vrrp_instance *in)
{
	if (!in)
		return;
	instance_down(in);
	loop_timer_free(in->timer);
	loop_timer_free(in->garp_timer);
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
	err = loop_timer_new(vs->d->loop, instance_timer, in, &in->timer);
	if (!err)
		err = loop_timer_new(vs->d->loop, garp_timer_fired, in, &in->garp_timer);
	if (err) {
		instance_free(in);
		return err;
	}
	in->since_ms = loop_now_ms();
	snprintf(in->error, sizeof(in->error), "starting");
	/* first setup attempt right away (from the loop: never inside a caller's callback) */
	loop_timer_arm(in->timer, 1, 0);
	*out = in;
	return 0;
}

/* Shutdown: resign if master, drop the VIPs, notify STOP. */
static void instance_shutdown(struct vrrp_instance *in)
{
	if (in->running) {
		bool was_master = in->fsm.state == VRRP_STATE_MASTER;
		struct vrrp_fsm_actions act = vrrp_fsm_shutdown(&in->fsm, loop_now_ms());

		act.become_backup = act.become_backup || was_master || in->vips_held;
		vrrp_do(in, act);
		loop_timer_disarm(in->timer);
	} else if (in->vips_held) {
		vips_set(in, false);
	}
	instance_down(in);
}

/* ---- API --------------------------------------------------------------- */

int vrrp_instances_start(struct edgelbd *d, struct vrrp_instances **out)
{
	struct vrrp_instances *vs = calloc(1, sizeof(*vs));
	int err;

	if (!vs)
		return -ENOMEM;
	vs->d = d;
	*out = vs;
	if (!d->cfg.n_vrrp)
		return 0;
	err = vrrp_addr_open(&vs->addr);
	if (err) {
		pr_err("vrrp", "netlink socket for the VIPs: %s", strerror(-err));
		return err;
	}
	return vrrp_instances_apply(vs, &d->cfg);
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

	if (settings_copy(&ns, c))
		return; /* keep the old notify / garp settings */
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
	return ret;
}

void vrrp_instances_stop(struct vrrp_instances *vs)
{
	if (!vs)
		return;
	for (size_t i = 0; i < vs->n; i++) {
		instance_shutdown(vs->v[i]);
		instance_free(vs->v[i]);
	}
	free(vs->v);
	while (vs->children) {
		struct vrrp_child *c = vs->children;

		vs->children = c->next;
		/* not waited for: the stop programs outlive us; init reaps them */
		loop_del_fd(vs->d->loop, c->pidfd);
		close(c->pidfd);
		free(c);
	}
	vrrp_addr_close(vs->addr);
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

static int for_named(struct vrrp_instances *vs, const char *name, int op)
{
	int n = 0;

	if (!vs)
		return -ENOENT;
	for (size_t i = 0; i < vs->n; i++) {
		struct vrrp_instance *in = vs->v[i];
		uint64_t now = loop_now_ms();

		if (name && name[0] && strcmp(name, in->s.name))
			continue;
		n++;
		if (!in->running)
			continue;
		if (op == 0) {
			pr_info(in->tag, "handover requested");
			vrrp_do(in, vrrp_fsm_handover(&in->fsm, now));
		} else {
			pr_info(in->tag, "released");
			vrrp_do(in, vrrp_fsm_release(&in->fsm, now));
		}
	}
	return n ? n : -ENOENT;
}

int vrrp_instance_handover(struct vrrp_instances *vs, const char *name)
{
	return for_named(vs, name, 0);
}

int vrrp_instance_release(struct vrrp_instances *vs, const char *name)
{
	return for_named(vs, name, 1);
}

int vrrp_instances_maintenance(struct vrrp_instances *vs, bool on)
{
	if (!vs)
		return -ENOENT;
	vs->maintenance = on;
	for (size_t i = 0; i < vs->n; i++) {
		struct vrrp_instance *in = vs->v[i];

		pr_info(in->tag, "maintenance %s", on ? "on" : "off");
		if (in->running)
			vrrp_do(in, vrrp_fsm_maintenance(&in->fsm, loop_now_ms(), on));
	}
	return (int)vs->n;
}

/* ---- control socket ---------------------------------------------------- */

static int jadd(struct json_object *o, const char *k, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, k, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static void reject_cb(void *arg, const char *reason, uint64_t n)
{
	jadd(arg, reason, json_object_new_uint64(n));
}

static struct json_object *ctl_err(const char *msg, const char *name)
{
	struct ctl_error e;

	memset(&e, 0, sizeof(e));
	if (name)
		ctl_proto_error(&e, "instance", "%s %s", msg, name);
	else
		ctl_proto_error(&e, NULL, "%s", msg);
	return ctl_proto_reply_error(&e);
}

static struct json_object *vrrp_status_json(struct vrrp_instances *vs, const char *name)
{
	struct json_object *r = ctl_proto_reply_ok(), *a = json_object_new_array();
	uint64_t now = loop_now_ms();
	struct timespec ts;
	int64_t wall_ms;
	size_t found = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	wall_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (!r || !a || jadd(r, "instances", a)) {
		json_object_put(r);
		return NULL;
	}
	jadd(r, "maintenance", json_object_new_boolean(vs && vs->maintenance));
	for (size_t i = 0; i < vrrp_instances_count(vs); i++) {
		struct vrrp_instance_status st;
		struct json_object *o, *rej;
		char b[INET6_ADDRSTRLEN];

		vrrp_instances_status(vs, i, &st);
		if (name && name[0] && strcmp(name, st.name))
			continue;
		found++;
		o = json_object_new_object();
		rej = json_object_new_object();
		if (!o || !rej || json_object_array_add(a, o)) {
			json_object_put(o);
			json_object_put(rej);
			json_object_put(r);
			return NULL;
		}
		jadd(o, "instance", json_object_new_string(st.name));
		jadd(o, "interface", json_object_new_string(st.interface));
		jadd(o, "vrid", json_object_new_int(st.vrid));
		jadd(o, "version", json_object_new_int(st.version));
		jadd(o, "family", json_object_new_string(st.family == EDGELB_AF_INET6 ? "ipv6"
											: "ipv4"));
		jadd(o, "state", json_object_new_string(st.state));
		jadd(o, "priority", json_object_new_int(st.priority));
		jadd(o, "config_priority", json_object_new_int(st.config_priority));
		jadd(o, "master", st.master_known ? json_object_new_string(addr_str(
							    st.family, st.master_addr, b, sizeof(b)))
						  : json_object_new_string("-"));
		jadd(o, "advert_int_ms", json_object_new_int(st.advert_int_cs * 10));
		jadd(o, "since_unix_ms", json_object_new_int64(wall_ms - (int64_t)(now - st.since_ms)));
		jadd(o, "since_age_ms", json_object_new_int64((int64_t)(now - st.since_ms)));
		jadd(o, "transitions", json_object_new_int64(st.transitions));
		jadd(o, "held", json_object_new_boolean(st.held));
		jadd(o, "maintenance", json_object_new_boolean(st.maintenance));
		jadd(o, "vips_held", json_object_new_boolean(st.vips_held));
		jadd(o, "rx", json_object_new_uint64(st.rx));
		jadd(o, "tx", json_object_new_uint64(st.tx));
		jadd(o, "rx_rejected", json_object_new_uint64(st.rx_rejected));
		vrrp_instances_rejects(vs, i, reject_cb, rej);
		jadd(o, "rejects", rej);
		jadd(o, "error", st.error ? json_object_new_string(st.error) : NULL);
	}
	if (name && name[0] && !found) {
		json_object_put(r);
		return ctl_err("vrrp: no instance", name);
	}
	return r;
}

struct json_object *vrrp_instances_ctl(struct edgelbd *d, const struct ctl_request *req)
{
	struct vrrp_instances *vs = d->vrrp;
	int n;

	switch (req->cmd) {
	case CTL_CMD_VRRP_STATUS:
		return vrrp_status_json(vs, req->instance);
	case CTL_CMD_VRRP_HANDOVER:
	case CTL_CMD_VRRP_RELEASE:
		n = req->cmd == CTL_CMD_VRRP_HANDOVER ? vrrp_instance_handover(vs, req->instance)
						       : vrrp_instance_release(vs, req->instance);
		if (n < 0)
			return req->instance[0] ? ctl_err("vrrp: no instance", req->instance)
						: ctl_err("vrrp: no instance configured", NULL);
		return vrrp_status_json(vs, req->instance);
	case CTL_CMD_VRRP_MAINTENANCE:
		vrrp_instances_maintenance(vs, req->on);
		return vrrp_status_json(vs, NULL);
	default:
		return ctl_err("vrrp: unknown command", NULL);
	}
}
