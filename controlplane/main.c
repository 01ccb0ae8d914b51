// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelbd: the edgelb control-plane daemon.
 *
 * Start-up: load the config and the state file (runtime changes made with
 * lbctl), load the XDP program onto the maps pinned by an earlier run (or
 * create and pin them), program VIPs, backends and rings as a diff, and
 * attach to the interfaces through pinned links, replacing an earlier
 * run's program atomically. Then one epoll loop serves netlink events,
 * the control socket, /metrics and signals:
 *   SIGHUP           reload the config (a bad one is rejected, the old stays)
 *   SIGTERM, SIGINT  exit; the data plane keeps forwarding (DESIGN.md,
 *                    principle 4) and the next edgelbd adopts it
 * `edgelbd --cleanup` detaches and unpins everything, for decommissioning.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>

#include <bpf/bpf.h>

#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "health/health.h"
#include "health/tunnel.h"
#include "vrrp/instance.h"
#include "vrrp/vrrp_metrics.h"
#include "log.h"
#include "metrics.h"
#include "netlink.h"
#include "state.h"
#include "xdp.h"

/* Exit codes: 0 OK, 1 the configuration (or state) is invalid, 2 usage,
 * 3 the data plane or the system refused. */
#define EDGELBD_EXIT_INVALID 1
#define EDGELBD_EXIT_USAGE 2
#define EDGELBD_EXIT_SYSTEM 3

static const struct option edgelbd_options[] = {
	{ "check-config", required_argument, NULL, 't' },
	{ "config", required_argument, NULL, 'c' },
	{ "cleanup", no_argument, NULL, 'C' },
	{ "debug", no_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void edgelbd_usage(FILE *out)
{
	fprintf(out,
		"Usage: edgelbd [-d] [-c FILE]\n"
		"       edgelbd -t FILE\n"
		"       edgelbd --cleanup [-c FILE]\n"
		"\n"
		"edgelb control-plane daemon: programs the XDP data plane, keeps it in\n"
		"line with the config and lbctl's changes, answers lbctl. Runs in the\n"
		"foreground (for systemd); logs to stderr.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE        configuration file (default %s)\n"
		"  -t, --check-config FILE  validate FILE, print every problem, then exit:\n"
		"                           0 valid, 1 invalid\n"
		"      --cleanup            detach from the configured interfaces, remove\n"
		"                           the pinned maps (drops every flow), and exit\n"
		"  -d, --debug              debug messages (also libbpf's)\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"Signals: HUP reloads the config; TERM and INT stop edgelbd while the data\n"
		"plane keeps forwarding. See edgelbd(8), edgelb.conf(5), lbctl(8).\n",
		EDGELB_CONFIG_DEFAULT_PATH);
}

static void print_config_errors(const struct edgelb_config_errors *errs, const char *path,
				int ret)
{
	for (size_t i = 0; i < errs->count; i++)
		fprintf(stderr, "%s\n", errs->items[i].text);
	if (errs->n_dropped)
		fprintf(stderr, "%s: %zu more messages not shown\n", path, errs->n_dropped);
	if (ret == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", path);
}

static int edgelbd_check_config(const char *path)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	int ret;

	ret = edgelb_config_load(path, &cfg, &errs);
	print_config_errors(&errs, path, ret);
	if (!ret)
		printf("%s: configuration OK (%zu services, %zu backends, %zu VRRP instances)\n",
		       path, cfg.n_services, edgelb_config_backend_count(&cfg), cfg.n_vrrp);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
	return ret ? EDGELBD_EXIT_INVALID : 0;
}

/* ---- next hops and node addresses ------------------------------------- */

/* The VIPs checks are sent to through the tunnel, and which backends use each. */
struct tunnel_vip {
	struct edgelb_hc_vip vip;
	unsigned int users;
};

struct edgelbd_priv {
	struct edgelbd d;
	struct edgelb_hc_tunnel *tunnel; /* opened on the first tunnelled check */
	struct tunnel_vip *tvips;
	size_t n_tvips;
	/* per backend id: the VIP its tunnelled check goes to (index + 1, 0 = none) */
	uint16_t tvip_of[EDGELB_MAX_BACKENDS];
	int ifindex[EDGELB_CONFIG_INTERFACES_MAX];
	struct loop_timer *resync; /* coalesces netlink changes into one sync */
	struct loop_timer *nh_retry; /* asks again for unresolved next hops */
	struct loop_timer *pin_check; /* the pins that let the data plane outlive us */
	int sigfd;
};

/*
 * The next hop of a backend as seen from the first data-plane interface:
 * frames leave by XDP_TX through the interface they came in on, so the
 * balancer is one-armed towards its backends (edgelbd(8), LIMITATIONS).
 */
static int nexthop_mac(void *arg, const struct lb_service *svc, const struct lb_backend *be,
		       uint8_t mac[6])
{
	struct edgelbd_priv *p = arg;
	struct edgelb_nl_nexthop nh;

	(void)svc;
	if (!p->d.nl || edgelb_nl_nexthop(p->d.nl, p->ifindex[0], be->family, &be->addr, &nh))
		return -EAGAIN;
	if (!nh.resolved)
		return -EAGAIN;
	memcpy(mac, nh.mac, 6);
	return 0;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define NEXTHOP_RETRY_MS 1000

static void nexthop_addr(const struct lb_backend *be, char *addr, size_t len)
{
	inet_ntop(be->family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET, &be->addr, addr,
		  (socklen_t)len);
}

/*
 * A backend's next hop became unresolved (out of new flows until it
 * resolves) or resolved again. While any is unresolved, a timer asks the
 * kernel again every second, beside the change notifications of the
 * neighbours edgelbd watches. The log says it once, and only for a next
 * hop still unresolved at the first retry: at a cold start every neighbour
 * is unknown for a few milliseconds, which is no news.
 */
static void nexthop_event(void *arg, const struct lb_service *svc, const struct lb_backend *be)
{
	struct edgelbd_priv *p = arg;
	char addr[INET6_ADDRSTRLEN];

	if (be->unresolved) {
		if (p->nh_retry)
			loop_timer_arm(p->nh_retry, NEXTHOP_RETRY_MS, 0);
		return;
	}
	if (!be->unresolved_said) /* never logged: nothing to take back */
		return;
	nexthop_addr(be, addr, sizeof(addr));
	pr_info("dataplane", "%s/%s (%s): next hop resolved; it takes new connections again",
		svc->name, be->name, addr);
}

static void nexthop_retry(void *arg)
{
	struct edgelbd_priv *p = arg;
	int err;

	if (p->d.nl)
		edgelb_nl_process(p->d.nl);
	err = lb_sync(&p->d.lb); /* asks again for every unresolved backend */
	if (err)
		pr_err("dataplane", "update after a next-hop retry failed: %s", strerror(-err));
	for (size_t i = 0; i < p->d.lb.n_services; i++) {
		const struct lb_service *s = &p->d.lb.services[i];

		for (size_t k = 0; k < s->n_backends; k++) {
			struct lb_backend *be = &s->backends[k];
			char addr[INET6_ADDRSTRLEN];

			if (!be->unresolved || be->unresolved_said)
				continue;
			be->unresolved_said = true;
			nexthop_addr(be, addr, sizeof(addr));
			pr_warn("dataplane", "%s/%s (%s): no next hop: the kernel cannot resolve the "
					     "MAC of its next hop on %s; it gets no new connections "
					     "until it does (asked again every %d ms)",
				s->name, be->name, addr, p->d.cfg.dataplane.interfaces[0],
				NEXTHOP_RETRY_MS);
		}
	}
	if (lb_unresolved_count(&p->d.lb))
		loop_timer_arm(p->nh_retry, NEXTHOP_RETRY_MS, 0);
}

#define PIN_CHECK_MS 5000

/*
 * Pins removed under a running edgelbd (rm -rf of the bpffs directory, a
 * careless cleanup) would go unnoticed until the next stop detached XDP:
 * the data plane would no longer outlive the daemon. Put them back.
 */
static void pin_check(void *arg)
{
	struct edgelbd_priv *p = arg;
	int n = edgelb_xdp_repin(p->d.xdp);

	if (n > 0)
		pr_warn("xdp", "%d pinned object(s) under %s were removed while edgelbd ran; "
			       "pinned again, so the data plane still outlives edgelbd",
			n, p->d.cfg.pin_dir);
	else if (n < 0)
		pr_err("xdp", "pins under %s were removed and cannot be put back: %s; a stop "
			      "of edgelbd would now detach the data plane",
		       p->d.cfg.pin_dir, strerror(-n));
	loop_timer_arm(p->pin_check, PIN_CHECK_MS, 0);
}

/* The ICMP too-big budget of the data plane, from the config. */
static void node_icmp_budget(struct edgelb_node_config *node, const struct edgelb_config *cfg)
{
	node->icmp_rate = cfg->dataplane.icmp_too_big_rate;
	node->icmp_burst = cfg->dataplane.icmp_too_big_burst;
}

static void lb_icmp_budget(struct lb *lb, const struct edgelb_config *cfg)
{
	struct edgelb_node_config node = lb->node;

	node_icmp_budget(&node, cfg);
	lb_set_node_config(lb, &node);
}

/*
 * Outer source addresses from the first data-plane interface. An address
 * the kernel cannot tell right now (netlink still loading, DAD) keeps the
 * value in force, which after a restart is what the pinned data plane
 * holds: a moment of doubt must not stop the tunnels.
 */
static void node_config_from_kernel(struct edgelbd_priv *p)
{
	struct edgelb_node_config node = p->d.lb.node;
	union edgelb_addr a;

	/* the data plane fills in each interface's own MAC and ifindex */
	memset(node.if_mac, 0, sizeof(node.if_mac));
	node.ifindex = 0;
	node_icmp_budget(&node, &p->d.cfg);
	if (!edgelb_nl_primary_addr(p->d.nl, p->ifindex[0], EDGELB_AF_INET, &a))
		node.src_v4 = a;
	else if (!node.src_v4.v4)
		pr_warn("netlink", "%s has no IPv4 address: IPv4 tunnels will be dropped "
				   "(counter drop_no_config) until it has one",
			p->d.cfg.dataplane.interfaces[0]);
	if (!edgelb_nl_primary_addr(p->d.nl, p->ifindex[0], EDGELB_AF_INET6, &a))
		node.src_v6 = a;
	lb_set_node_config(&p->d.lb, &node);
}

static void resync(void *arg)
{
	struct edgelbd_priv *p = arg;
	int err;

	if (p->d.nl)
		edgelb_nl_process(p->d.nl);
	node_config_from_kernel(p);
	lb_nexthops_changed(&p->d.lb);
	err = lb_sync(&p->d.lb);
	if (err)
		pr_err("dataplane", "update after a neighbour or address change failed: %s",
		       strerror(-err));
}

static void netlink_changed(void *arg)
{
	struct edgelbd_priv *p = arg;

	/* a burst of neighbour updates becomes one sync */
	loop_timer_arm(p->resync, 20, 0);
	/* VRRP interface tracking acts at once: a fault must resign now */
	vrrp_instances_track(p->d.vrrp);
}

static void netlink_readable(void *arg, int fd, uint32_t events)
{
	struct edgelbd_priv *p = arg;
	int err;

	(void)fd;
	(void)events;
	err = edgelb_nl_process(p->d.nl);
	if (err) {
		pr_warn("netlink", "processing kernel notifications: %s; retrying",
			strerror(-err));
		/* a failed reload after lost notifications is retried from here */
		loop_timer_arm(p->resync, 200, 0);
	}
}

static void netlink_log(int level, const char *msg, void *arg)
{
	(void)arg;
	edgelb_log(level <= LOG_ERR	   ? EDGELB_LOG_ERROR
		   : level <= LOG_WARNING ? EDGELB_LOG_WARN
		   : level <= LOG_INFO	   ? EDGELB_LOG_INFO
					   : EDGELB_LOG_DEBUG,
		   "netlink", "%s", msg);
}

/* ---- health checks --------------------------------------------------- */

/*
 * A backend's health changed: the model takes it now, the data plane once
 * per batch (health_commit), so that ten thousand backends coming up at
 * start cost one sync, not ten thousand. health.c has logged it.
 */
static void health_changed(void *arg, const char *service, const char *backend, bool up,
			   const char *reason)
{
	struct edgelbd_priv *p = arg;
	struct lb_backend *b = lb_find_backend(&p->d.lb, service, backend);

	(void)reason;
	if (b)
		b->alive = up;
}

static void health_commit(void *arg)
{
	struct edgelbd_priv *p = arg;
	int err = lb_sync(&p->d.lb);

	if (err) {
		pr_err("dataplane", "applying health changes failed: %s; retrying", strerror(-err));
		loop_timer_arm(p->resync, 200, 0);
	}
	vrrp_instances_track(p->d.vrrp); /* services tracked by min_healthy */
}

/*
 * Checks through the tunnel (health/tunnel.h): the first one opens the tc
 * program and its routing on the first data-plane interface; each backend
 * gets a target (where its marked check packets are encapsulated to), and
 * table T holds a route for every VIP such checks go to.
 */
static int tunnel_open(struct edgelbd_priv *p)
{
	struct edgelb_hc_tunnel_opts o = { .ifindex = p->ifindex[0] };
	const struct edgelb_node_config *n = &p->d.lb.node;
	char pin[4096];
	int err;

	if (p->tunnel)
		return 0;
	snprintf(pin, sizeof(pin), "%s/hc", p->d.cfg.pin_dir);
	o.pin_dir = pin;
	o.src_v4 = n->src_v4;
	o.has_src_v4 = n->src_v4.v4 != 0;
	o.src_v6 = n->src_v6;
	o.has_src_v6 = !!(n->src_v6.v6[0] | n->src_v6.v6[1] | n->src_v6.v6[2] | n->src_v6.v6[3]);
	err = edgelb_hc_tunnel_open(&o, &p->tunnel);
	if (err)
		pr_err("health", "checks through the tunnel: cannot set up the tc program and "
				 "routing on %s: %s", p->d.cfg.dataplane.interfaces[0], strerror(-err));
	return err;
}

static void tunnel_sync_vips(struct edgelbd_priv *p)
{
	struct edgelb_hc_vip vips[EDGELB_MAX_VIPS];
	size_t n = 0;
	int err;

	for (size_t i = 0; i < p->n_tvips && n < EDGELB_MAX_VIPS; i++)
		if (p->tvips[i].users)
			vips[n++] = p->tvips[i].vip;
	err = edgelb_hc_tunnel_set_vips(p->tunnel, vips, n);
	if (err)
		pr_err("health", "checks through the tunnel: routes to the VIPs: %s", strerror(-err));
}

/* Index + 1 of the VIP in p->tvips, added if new; 0 when out of memory. */
static uint16_t tunnel_vip_ref(struct edgelbd_priv *p, const struct edgelb_health_tunnel *t)
{
	struct tunnel_vip *grown;

	for (size_t i = 0; i < p->n_tvips; i++)
		if (p->tvips[i].vip.family == t->vip_family &&
		    !memcmp(&p->tvips[i].vip.addr, &t->vip, sizeof(t->vip))) {
			if (!p->tvips[i].users++)
				tunnel_sync_vips(p);
			return (uint16_t)(i + 1);
		}
	if (p->n_tvips >= EDGELB_MAX_VIPS)
		return 0;
	grown = realloc(p->tvips, (p->n_tvips + 1) * sizeof(*grown));
	if (!grown)
		return 0;
	p->tvips = grown;
	grown[p->n_tvips] = (struct tunnel_vip){ .vip = { .addr = t->vip, .family = t->vip_family },
						 .users = 1 };
	p->n_tvips++;
	tunnel_sync_vips(p);
	return (uint16_t)p->n_tvips;
}

static void tunnel_vip_unref(struct edgelbd_priv *p, uint32_t backend_id)
{
	uint16_t ref = p->tvip_of[backend_id];

	p->tvip_of[backend_id] = 0;
	if (ref && ref <= p->n_tvips && !--p->tvips[ref - 1].users)
		tunnel_sync_vips(p);
}

static void health_tunnel_needed(void *arg, uint32_t backend_id,
				 const struct edgelb_health_tunnel *t, bool needed)
{
	struct edgelbd_priv *p = arg;
	struct edgelb_hc_target target;
	const struct lb_backend *b;
	int err;

	if (backend_id >= EDGELB_MAX_BACKENDS || backend_id >= EDGELB_HC_MAX_TARGETS)
		return;
	if (!needed) {
		if (p->tunnel) {
			edgelb_hc_tunnel_del(p->tunnel, backend_id);
			tunnel_vip_unref(p, backend_id);
		}
		return;
	}
	if (tunnel_open(p))
		return;
	memset(&target, 0, sizeof(target));
	target.backend = t->backend_addr;
	target.family = t->backend_family;
	target.src = t->backend_family == EDGELB_AF_INET6 ? p->d.lb.node.src_v6 : p->d.lb.node.src_v4;
	target.encap = t->encap;
	target.gue_dport = htons(t->gue_port);
	/* the next hop the data plane uses: a stale one then fails the check too */
	b = lb_find_backend(&p->d.lb, t->service, t->backend);
	if (b)
		memcpy(target.mac, b->mac, 6);
	err = edgelb_hc_tunnel_set(p->tunnel, backend_id, &target);
	if (err) {
		pr_err("health", "%s/%s: check through the tunnel not set up: %s", t->service,
		       t->backend, strerror(-err));
		return;
	}
	tunnel_vip_unref(p, backend_id);
	p->tvip_of[backend_id] = tunnel_vip_ref(p, t);
}

static const struct edgelb_health_ops health_ops = {
	.changed = health_changed,
	.commit = health_commit,
	.tunnel_needed = health_tunnel_needed,
};

void edgelbd_model_changed(struct edgelbd *d, bool structural)
{
	int err;

	if (structural && d->health) {
		err = edgelb_health_apply(d->health, &d->lb, &d->cfg);
		if (err)
			pr_err("health", "updating the checks failed: %s; the previous ones "
					 "still run", strerror(-err));
	}
	vrrp_instances_track(d->vrrp);
}

/* ---- persistence and reload --------------------------------------------- */

/* What the adopted data plane holds, by backend id (NULL when unreadable). */
static struct edgelb_backend *pinned_backends(struct edgelbd *d)
{
	const struct edgelb_dataplane *dp = &d->lb.dp;
	struct edgelb_backend *v;

	if (!dp->ops->get_backend)
		return NULL;
	v = calloc(EDGELB_MAX_BACKENDS, sizeof(*v));
	if (!v)
		return NULL;
	for (uint32_t id = 1; id < EDGELB_MAX_BACKENDS; id++)
		if (dp->ops->get_backend(dp->dp, id, &v[id]))
			memset(&v[id], 0, sizeof(v[id]));
	return v;
}

/*
 * The state file is gone but the data plane ran on: what it held that the
 * config does not (backends added, drains and weights set at run time) is
 * lost with this start. Say so, naming each, rather than let it vanish.
 */
static void warn_lost_state(struct edgelbd *d, const struct edgelb_backend *pinned)
{
	char msg[4096];
	size_t n = lb_pinned_diff(&d->lb, pinned, EDGELB_MAX_BACKENDS, 20, msg, sizeof(msg));

	if (!n)
		return;
	pr_warn("state", "%s is missing, but the pinned data plane ran with %zu runtime "
			 "change(s) it does not hold; they are gone now, redo them with lbctl:",
		d->cfg.state_file, n);
	for (char *line = strtok(msg, "\n"); line; line = strtok(NULL, "\n"))
		pr_warn("state", "  %s", line);
}

int edgelbd_persist(struct edgelbd *d)
{
	int err = edgelb_state_save(&d->lb, d->cfg.state_file);

	if (err)
		pr_err("state", "writing %s: %s", d->cfg.state_file, strerror(-err));
	return err;
}

static void append(char *msg, size_t len, const char *line)
{
	size_t used = strlen(msg);

	if (used + 1 < len)
		snprintf(msg + used, len - used, "%s%s", used ? "\n" : "", line);
}

/* Settings a reload cannot change: they shape maps and attachments. */
static void warn_restart_only(const struct edgelb_config *a, const struct edgelb_config *b,
			      char *msg, size_t len)
{
	bool same_ifs = a->dataplane.n_interfaces == b->dataplane.n_interfaces;

	for (size_t i = 0; same_ifs && i < a->dataplane.n_interfaces; i++)
		same_ifs = !strcmp(a->dataplane.interfaces[i], b->dataplane.interfaces[i]);
	if (!same_ifs)
		append(msg, len, "warning: dataplane.interfaces changed: takes effect on restart");
	if (a->dataplane.flow_table_size != b->dataplane.flow_table_size)
		append(msg, len, "warning: dataplane.flow_table_size changed: takes effect only "
				 "with fresh maps (edgelbd --cleanup, then start)");
	if (strcmp(a->pin_dir, b->pin_dir) || strcmp(a->state_file, b->state_file) ||
	    strcmp(a->control_socket, b->control_socket))
		append(msg, len, "warning: pin_dir, state_file or control_socket changed: takes "
				 "effect on restart");
}

int edgelbd_reload(struct edgelbd *d, char *msg, size_t msg_len)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config next, prev;
	char warn[2048] = "";
	int err;

	if (msg && msg_len)
		msg[0] = 0;
	err = edgelb_config_load(d->config_path, &next, &errs);
	for (size_t i = 0; i < errs.count; i++) {
		if (msg)
			append(msg, msg_len, errs.items[i].text);
		/* a rejected reload is an error in the log, not a warning */
		if (errs.items[i].severity == EDGELB_CONFIG_ERROR)
			pr_err("config", "%s", errs.items[i].text);
		else
			pr_warn("config", "%s", errs.items[i].text);
	}
	edgelb_config_errors_free(&errs);
	if (err) {
		pr_err("config", "reload of %s rejected; the running config stays",
		       d->config_path);
		edgelb_config_free(&next);
		return err;
	}
	if (msg)
		warn_restart_only(&d->cfg, &next, msg, msg_len);
	lb_icmp_budget(&d->lb, &next);
	err = lb_apply(&d->lb, &next, warn, sizeof(warn));
	if (err) {
		/*
		 * Back to the running config. Runtime changes that only the new
		 * file made meaningless are already dropped from the layer.
		 */
		lb_icmp_budget(&d->lb, &d->cfg);
		lb_apply(&d->lb, &d->cfg, NULL, 0);
		edgelbd_model_changed(d, true);
		edgelb_config_free(&next);
		pr_err("dataplane", "reload failed while programming: %s; the running config "
				    "stays", strerror(-err));
		if (msg)
			append(msg, msg_len, "error: programming the data plane failed");
		return err;
	}
	if (warn[0]) {
		pr_warn("state", "%s", warn);
		if (msg)
			append(msg, msg_len, warn);
	}
	prev = d->cfg;
	d->cfg = next;
	d->lb.cfg = &d->cfg; /* lb keeps the pointer: never leave it on our stack */
	edgelb_config_free(&prev);
	edgelbd_model_changed(d, true);
	if (d->vrrp && vrrp_instances_apply(d->vrrp, &d->cfg))
		pr_err("vrrp", "updating the VRRP instances failed in part; see above");
	d->reloads++;
	d->config_loaded_ms = loop_now_ms();
	pr_info("config", "reloaded %s (%zu services, %zu backends)", d->config_path,
		d->lb.n_services, lb_backend_count(&d->lb));
	return edgelbd_persist(d);
}

static void signal_readable(void *arg, int fd, uint32_t events)
{
	struct edgelbd_priv *p = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			pr_info("config", "SIGHUP: reloading %s", p->d.config_path);
			edgelbd_reload(&p->d, NULL, 0);
		} else {
			pr_info(NULL, "signal %u: stopping; the data plane keeps forwarding "
				      "(pinned in %s)",
				si.ssi_signo, p->d.cfg.pin_dir);
			loop_stop(p->d.loop);
		}
	}
}

/* ---- start and stop ---------------------------------------------------- */

static int mkdir_parent(const char *path)
{
	char *copy = strdup(path), *dir;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	for (char *s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(dir, 0755) && errno != EEXIST)
			err = -errno;
		*s = '/';
	}
	if (!err && mkdir(dir, 0750) && errno != EEXIST)
		err = -errno;
	free(copy);
	return err;
}

static int load_config(const char *path, struct edgelb_config *cfg)
{
	struct edgelb_config_errors errs = { 0 };
	int err = edgelb_config_load(path, cfg, &errs);

	print_config_errors(&errs, path, err);
	edgelb_config_errors_free(&errs);
	return err;
}

static int cleanup(const char *config_path)
{
	struct edgelb_config cfg;
	char path[4096];
	int rc = 0;

	if (load_config(config_path, &cfg))
		return EDGELBD_EXIT_INVALID;
	for (size_t i = 0; i < cfg.dataplane.n_interfaces; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/link-%s", cfg.pin_dir,
			 cfg.dataplane.interfaces[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		bpf_link_detach(fd);
		close(fd);
		if (unlink(path))
			rc = EDGELBD_EXIT_SYSTEM;
		else
			printf("edgelbd: detached from %s\n", cfg.dataplane.interfaces[i]);
	}
	if (edgelb_xdp_unpin_all(cfg.pin_dir)) {
		fprintf(stderr, "edgelbd: could not remove everything in %s: %s\n", cfg.pin_dir,
			strerror(errno));
		rc = EDGELBD_EXIT_SYSTEM;
	} else {
		printf("edgelbd: removed the pinned maps in %s\n", cfg.pin_dir);
	}
	edgelb_config_free(&cfg);
	return rc;
}

/*
 * Room for every service's ring buffers (three: xdp.c), with headroom
 * for services added at runtime and ring size changes: twice the need, at
 * least the default. A pinned map keeps its size (xdp.c), so be generous up front.
 */
static uint32_t ring_slots_for(const struct edgelb_config *cfg)
{
	uint64_t need = 0;

	for (size_t i = 0; i < cfg->n_services; i++)
		need += 3ull * cfg->services[i].ring_size;
	need *= 2;
	if (need < EDGELB_RING_SLOTS)
		need = EDGELB_RING_SLOTS;
	return need > (1ull << 28) ? 1u << 28 : (uint32_t)need;
}

static int start(struct edgelbd_priv *p)
{
	struct edgelbd *d = &p->d;
	struct edgelb_xdp_opts xo = { .flow_table_size = d->cfg.dataplane.flow_table_size,
				      .pin_dir = d->cfg.pin_dir,
				      .ring_slots = ring_slots_for(&d->cfg) };
	uint32_t flows_now, slots_now;
	struct edgelb_nl_opts no = { .change_cb = netlink_changed, .log = netlink_log, .arg = p,
				     .debug = edgelb_log_level() >= EDGELB_LOG_DEBUG };
	char err_msg[512] = "", warn[2048] = "";
	struct edgelb_backend *held;
	sigset_t mask;
	int err;

	if (d->cfg.dataplane.mode != EDGELB_CONFIG_DP_XDP) {
		pr_err(NULL, "dataplane.mode = \"dpdk\" is not built into this edgelbd yet");
		return -EOPNOTSUPP;
	}
	err = loop_new(&d->loop);
	if (err)
		return err;
	d->started_ms = d->config_loaded_ms = loop_now_ms();

	err = edgelb_nl_open_opts(&no, &d->nl);
	if (err) {
		pr_err("netlink", "cannot open: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < d->cfg.dataplane.n_interfaces; i++) {
		uint8_t mac[6];

		err = edgelb_nl_link(d->nl, d->cfg.dataplane.interfaces[i], &p->ifindex[i], mac);
		if (err) {
			pr_err("netlink", "dataplane.interfaces: interface %s: %s",
			       d->cfg.dataplane.interfaces[i], strerror(-err));
			return err;
		}
	}
	err = loop_add_fd(d->loop, edgelb_nl_fd(d->nl), EPOLLIN, netlink_readable, p);
	if (!err)
		err = loop_timer_new(d->loop, resync, p, &p->resync);
	if (!err)
		err = loop_timer_new(d->loop, nexthop_retry, p, &p->nh_retry);
	if (!err)
		err = loop_timer_new(d->loop, pin_check, p, &p->pin_check);
	if (err)
		return err;

	err = edgelb_xdp_open(&xo, &d->xdp);
	if (err) {
		pr_err("xdp", "loading the program onto %s failed: %s%s", d->cfg.pin_dir,
		       strerror(-err),
		       err == -EINVAL ? " (maps pinned by an incompatible edgelb or another "
					"flow_table_size? `edgelbd --cleanup` resets them, "
					"dropping every flow)"
				      : "");
		return err;
	}
	d->adopted = edgelb_xdp_adopted(d->xdp);
	pr_info("xdp", "%s the maps in %s", d->adopted ? "adopted" : "created and pinned",
		d->cfg.pin_dir);
	edgelb_xdp_sizes(d->xdp, &flows_now, &slots_now);
	if (flows_now != d->cfg.dataplane.flow_table_size)
		pr_warn("xdp", "the pinned flow table holds %u entries per CPU, the config asks "
			       "for %u: takes effect after `edgelbd --cleanup` (drops every flow)",
			flows_now, d->cfg.dataplane.flow_table_size);
	if (slots_now < xo.ring_slots / 2)
		pr_warn("xdp", "the pinned ring array has %u slots; this config needs about %u: "
			       "new rings may not fit until `edgelbd --cleanup`",
			slots_now, xo.ring_slots / 2);

	lb_init(&d->lb, (struct edgelb_dataplane){ .ops = &edgelb_xdp_ops, .dp = d->xdp },
		nexthop_mac, p);
	d->lb.nexthop_event = nexthop_event;
	d->lb.clock_ms = wall_ms;
	if (d->adopted) {
		struct edgelb_node_config pinned;

		if (!edgelb_xdp_get_node_config(d->xdp, &pinned))
			lb_set_node_config(&d->lb, &pinned);
		d->lb.adopt_state = true;
	}
	/* a start needs no write: a full or read-only disk must not stop it */
	err = mkdir_parent(d->cfg.state_file);
	if (err)
		pr_warn("state", "cannot create the directory of %s: %s; runtime changes will "
				 "not be saved until it exists",
			d->cfg.state_file, strerror(-err));
	err = edgelb_state_load(&d->lb, d->cfg.state_file, err_msg, sizeof(err_msg));
	if (err && err != -ENOENT) {
		pr_err("state", "%s: %s; fix it, or move it away to start without the "
				"runtime changes it holds",
		       d->cfg.state_file, err_msg[0] ? err_msg : strerror(-err));
		return -EINVAL;
	}
	held = err == -ENOENT && d->adopted ? pinned_backends(d) : NULL;
	node_config_from_kernel(p);
	err = lb_apply(&d->lb, &d->cfg, warn, sizeof(warn));
	if (warn[0])
		pr_warn("state", "%s", warn);
	if (err) {
		free(held);
		pr_err("dataplane", "programming the maps failed: %s", strerror(-err));
		return err;
	}
	if (held)
		warn_lost_state(d, held);
	free(held);
	if (edgelbd_persist(d))
		pr_warn("state", "runtime changes are applied but not saved until %s can be "
				 "written",
			d->cfg.state_file);

	err = edgelb_health_open(d->loop, &health_ops, p, &d->health);
	if (err) {
		pr_err("health", "cannot start the health checks: %s", strerror(-err));
		return err;
	}
	if (d->adopted)
		edgelb_health_adopt(d->health); /* a restart under traffic pulls nothing */
	err = edgelb_health_apply(d->health, &d->lb, &d->cfg);
	if (err) {
		pr_err("health", "starting the health checks failed: %s", strerror(-err));
		return err;
	}

	for (size_t i = 0; i < d->cfg.dataplane.n_interfaces; i++) {
		const char *ifname = d->cfg.dataplane.interfaces[i];
		bool generic = d->cfg.dataplane.xdp_mode == EDGELB_CONFIG_XDP_GENERIC, replaced;

		if (generic)
			pr_warn("xdp", "%s: GENERIC mode requested: runs after the kernel built "
				       "an skb, a fraction of native speed; for labs only",
				ifname);
		err = edgelb_xdp_attach(d->xdp, ifname, p->ifindex[i], generic, &replaced);
		if (err) {
			pr_err("xdp", "attaching to %s failed: %s%s", ifname, strerror(-err),
			       err == -EOPNOTSUPP || err == -EINVAL
				       ? " (no native XDP in this driver? set dataplane.xdp_mode = "
					 "\"generic\" only if you accept the cost)"
				       : err == -EBUSY ? " (another XDP program is attached)" : "");
			return err;
		}
		pr_info("xdp", "%s: %s", ifname,
			replaced ? "replaced the running program; maps and flows kept"
				 : "attached");
	}

	/* VRRP moves VIP ownership only; the data plane above forwards in every state */
	d->vrrp_ctl = vrrp_instances_ctl;
	err = vrrp_instances_start(d, &d->vrrp);
	if (err) {
		pr_err("vrrp", "cannot start the VRRP instances: %s", strerror(-err));
		return err;
	}

	err = edgelb_ctl_open(d, d->cfg.control_socket, d->cfg.control_group, &d->ctl);
	if (err) {
		pr_err("ctl", "control socket %s: %s", d->cfg.control_socket, strerror(-err));
		return err;
	}
	if (d->cfg.metrics_addr.family != EDGELB_AF_NONE) {
		err = edgelb_metrics_open(d, &d->cfg.metrics_addr, d->cfg.metrics_port,
					  &d->metrics);
		if (err) {
			pr_err("metrics", "cannot listen on port %u: %s", d->cfg.metrics_port,
			       strerror(-err));
			return err;
		}
		edgelb_metrics_register(d->metrics, edgelb_health_metrics, d->health);
		edgelb_metrics_register(d->metrics, edgelb_vrrp_metrics, NULL);
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	p->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (p->sigfd < 0)
		return -errno;
	err = loop_add_fd(d->loop, p->sigfd, EPOLLIN, signal_readable, p);
	if (err)
		return err;
	signal(SIGPIPE, SIG_IGN);
	/* the model's counts: lbctl status says the same (runtime changes included) */
	pr_info(NULL, "edgelbd %s running: instance %s, %zu services, %zu backends", EDGELB_VERSION,
		d->cfg.instance, d->lb.n_services, lb_backend_count(&d->lb));
	loop_timer_arm(p->pin_check, PIN_CHECK_MS, 0);
	return 0;
}

static void stop(struct edgelbd_priv *p)
{
	struct edgelbd *d = &p->d;

	/* first: a master resigns (priority 0) while everything else still runs */
	vrrp_instances_stop(d->vrrp);
	d->vrrp = NULL;
	edgelb_metrics_close(d->metrics);
	edgelb_ctl_close(d->ctl);
	edgelb_health_close(d->health);
	/* the checks are gone: so is their routing (the data plane stays) */
	edgelb_hc_tunnel_close(p->tunnel);
	free(p->tvips);
	if (p->sigfd >= 0) {
		loop_del_fd(d->loop, p->sigfd);
		close(p->sigfd);
	}
	loop_timer_free(p->resync);
	loop_timer_free(p->nh_retry);
	loop_timer_free(p->pin_check);
	if (d->nl && d->loop)
		loop_del_fd(d->loop, edgelb_nl_fd(d->nl));
	lb_free(&d->lb);
	/* links are pinned: closing our fds leaves the program attached */
	edgelb_xdp_close(d->xdp);
	edgelb_nl_close(d->nl);
	loop_free(d->loop);
	edgelb_config_free(&d->cfg);
	free(d->config_path);
}

int main(int argc, char **argv)
{
	static struct edgelbd_priv p = { .sigfd = -1 };
	const char *check = NULL, *config = EDGELB_CONFIG_DEFAULT_PATH;
	bool do_cleanup = false;
	sigset_t mask;
	int opt, err;

	/* leading ':' so that a missing argument is told apart from a bad option */
	while ((opt = getopt_long(argc, argv, ":t:c:dhV", edgelbd_options, NULL)) != -1) {
		switch (opt) {
		case 't':
			check = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'C':
			do_cleanup = true;
			break;
		case 'd':
			edgelb_log_set_level(EDGELB_LOG_DEBUG);
			break;
		case 'h':
			edgelbd_usage(stdout);
			return 0;
		case 'V':
			printf("edgelbd %s\n", EDGELB_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "edgelbd: option %s needs a FILE argument\n",
				argv[optind - 1]);
			edgelbd_usage(stderr);
			return EDGELBD_EXIT_USAGE;
		default:
			fprintf(stderr, "edgelbd: unknown option %s\n", argv[optind - 1]);
			edgelbd_usage(stderr);
			return EDGELBD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "edgelbd: unexpected argument \"%s\"\n", argv[optind]);
		edgelbd_usage(stderr);
		return EDGELBD_EXIT_USAGE;
	}
	if (check)
		return edgelbd_check_config(check);
	edgelb_log_route_libbpf();
	if (do_cleanup)
		return cleanup(config);

	/*
	 * Blocked before any thread exists (the XDP layer starts one), so
	 * that every thread inherits the mask and these signals reach only
	 * the signalfd, never a default action.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);

	p.d.config_path = strdup(config);
	if (!p.d.config_path || load_config(config, &p.d.cfg)) {
		free(p.d.config_path);
		return EDGELBD_EXIT_INVALID;
	}
	err = start(&p);
	if (!err)
		err = loop_run(p.d.loop);
	stop(&p);
	if (err == -EINVAL)
		return EDGELBD_EXIT_INVALID;
	return err ? EDGELBD_EXIT_SYSTEM : 0;
}
