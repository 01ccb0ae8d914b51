// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelbd: the edgelb control-plane daemon.
 *
 * Start-up: load the config and the state file (runtime changes made with
 * lbctl), open the data plane of dataplane.mode through its life cycle
 * (dataplane.h; XDP: load the program onto the maps pinned by an earlier
 * run, or create and pin them), program VIPs, backends and rings as a
 * diff, and attach to the interfaces (XDP: through pinned links,
 * replacing an earlier run's program atomically). Then one epoll loop
 * serves netlink events, the control socket, /metrics and signals:
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

#include "config.h"
#include "ctl.h"
#include "dataplane.h"
#include "dpdk.h"
#include "health/health.h"
#include "health/tunnel_glue.h"
#include "vrrp/instance.h"
#include "vrrp/vrrp_metrics.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "model.h"
#include "netlink.h"
#include "notify.h"
#include "ring_store.h"
#include "state.h"
#include "vrrp/saved.h"
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
		"edgelb control-plane daemon: programs the data plane (XDP, or the tables\n"
		"of edgelb-dpdk), keeps it in line with the config and lbctl's changes,\n"
		"answers lbctl. Runs in the foreground (for systemd); logs to stderr.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE        configuration file (default %s)\n"
		"  -t, --check-config FILE  validate FILE, print every problem, then exit:\n"
		"                           0 valid, 1 invalid\n"
		"      --cleanup            detach from the configured interfaces, remove\n"
		"                           the pinned maps or the DPDK tables file (drops\n"
		"                           every flow), and exit\n"
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

/* ---- the daemon --------------------------------------------------------- */

/*
 * One running edgelbd: the model (model.h) and the subsystems wired to it.
 * Private to this file: each subsystem gets the loop, netlink and a
 * narrow ops struct at start, never this (DESIGN.md, principle 7).
 */
struct edgelbd {
	struct edgelb_model model;
	struct loop *loop;
	struct edgelb_nl *nl;
	const struct edgelb_dataplane_lifecycle *life; /* of dataplane.mode */
	struct edgelb_dataplane dp;			 /* its tables, once open */
	struct edgelb_health *health;	/* NULL until started */
	struct hc_tunnel_glue *tunnel;	/* checks through the tunnel */
	struct vrrp_instances *vrrp;	/* NULL until created */
	struct edgelb_ctl *ctl;
	struct edgelb_metrics *metrics;
	int ifindex[EDGELB_CONFIG_INTERFACES_MAX];
	struct loop_timer *resync;	/* coalesces netlink changes into one sync */
	struct loop_timer *nh_retry;	/* asks again for unresolved next hops */
	struct loop_timer *pin_check;	/* the pins that let the data plane outlive us */
	struct loop_timer *watchdog;	/* systemd's WatchdogSec, when set */
	int sigfd;
};

/* Where the data plane's tables outlive edgelbd: XDP's pin directory, DPDK's tables file. */
static const char *tables_path(const struct edgelb_config *cfg)
{
	return cfg->dataplane.mode == EDGELB_CONFIG_DP_DPDK ? cfg->dataplane.tables : cfg->pin_dir;
}

/* ---- next hops and node addresses ------------------------------------- */

/*
 * The next hop of a backend as seen from the first data-plane interface:
 * frames leave by XDP_TX through the interface they came in on, so the
 * balancer is one-armed towards its backends (edgelbd(8), LIMITATIONS).
 */
static int nexthop_mac(void *arg, const struct lb_service *svc, const struct lb_backend *be,
		       uint8_t mac[6])
{
	struct edgelbd *p = arg;
	struct edgelb_nl_nexthop nh;

	(void)svc;
	if (!p->nl || edgelb_nl_nexthop(p->nl, p->ifindex[0], be->family, &be->addr, &nh))
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
	struct edgelbd *p = arg;
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
	struct edgelbd *p = arg;
	int err;

	if (p->nl)
		edgelb_nl_process(p->nl);
	err = lb_sync(&p->model.lb); /* asks again for every unresolved backend */
	if (err)
		pr_err("dataplane", "update after a next-hop retry failed: %s", strerror(-err));
	for (size_t i = 0; i < p->model.lb.n_services; i++) {
		const struct lb_service *s = &p->model.lb.services[i];

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
				s->name, be->name, addr, p->model.cfg.dataplane.interfaces[0],
				NEXTHOP_RETRY_MS);
		}
	}
	if (lb_unresolved_count(&p->model.lb))
		loop_timer_arm(p->nh_retry, NEXTHOP_RETRY_MS, 0);
}

#define PIN_CHECK_MS 5000

/*
 * Pins removed under a running edgelbd (rm -rf of the bpffs directory, a
 * careless cleanup) would go unnoticed until the next stop detached XDP:
 * the data plane would no longer outlive the daemon. Put them back.
 * XDP only, and so not in the life cycle of dataplane.h: bpffs pins are
 * what keeps an XDP data plane alive; start() arms this timer for XDP.
 */
static void pin_check(void *arg)
{
	struct edgelbd *p = arg;
	int n = edgelb_xdp_repin(p->dp.dp);

	if (n > 0)
		pr_warn("xdp", "%d pinned object(s) under %s were removed while edgelbd ran; "
			       "pinned again, so the data plane still outlives edgelbd",
			n, p->model.cfg.pin_dir);
	else if (n < 0)
		pr_err("xdp", "pins under %s were removed and cannot be put back: %s; a stop "
			      "of edgelbd would now detach the data plane",
		       p->model.cfg.pin_dir, strerror(-n));
	loop_timer_arm(p->pin_check, PIN_CHECK_MS, 0);
}

/*
 * Outer source addresses from the first data-plane interface. An address
 * the kernel cannot tell right now (netlink still loading, DAD) keeps the
 * value in force, which after a restart is what the pinned data plane
 * holds: a moment of doubt must not stop the tunnels.
 */
static void node_config_from_kernel(struct edgelbd *p)
{
	struct edgelb_node_config node = p->model.lb.node;
	union edgelb_addr a;

	/* the data plane fills in each interface's own MAC and ifindex */
	memset(node.if_mac, 0, sizeof(node.if_mac));
	node.ifindex = 0;
	edgelb_model_icmp_budget(&node, &p->model.cfg);
	if (!edgelb_nl_primary_addr(p->nl, p->ifindex[0], EDGELB_AF_INET, &a))
		node.src_v4 = a;
	else if (!node.src_v4.v4)
		pr_warn("netlink", "%s has no IPv4 address: IPv4 tunnels will be dropped "
				   "(counter drop_no_config) until it has one",
			p->model.cfg.dataplane.interfaces[0]);
	if (!edgelb_nl_primary_addr(p->nl, p->ifindex[0], EDGELB_AF_INET6, &a))
		node.src_v6 = a;
	lb_set_node_config(&p->model.lb, &node);
}

static void resync(void *arg)
{
	struct edgelbd *p = arg;
	int err;

	if (p->nl)
		edgelb_nl_process(p->nl);
	node_config_from_kernel(p);
	lb_nexthops_changed(&p->model.lb);
	err = lb_sync(&p->model.lb);
	if (err)
		pr_err("dataplane", "update after a neighbour or address change failed: %s",
		       strerror(-err));
}

static void netlink_changed(void *arg)
{
	struct edgelbd *p = arg;

	/* a burst of neighbour updates becomes one sync */
	loop_timer_arm(p->resync, 20, 0);
	/* VRRP interface tracking acts at once: a fault must resign now */
	vrrp_instances_track(p->vrrp);
}

static void netlink_readable(void *arg, int fd, uint32_t events)
{
	struct edgelbd *p = arg;
	int err;

	(void)fd;
	(void)events;
	err = edgelb_nl_process(p->nl);
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
	struct edgelbd *p = arg;
	struct lb_backend *b = lb_find_backend(&p->model.lb, service, backend);

	(void)reason;
	if (b)
		b->alive = up;
}

static void health_commit(void *arg)
{
	struct edgelbd *p = arg;
	int err = lb_sync(&p->model.lb);

	if (err) {
		pr_err("dataplane", "applying health changes failed: %s; retrying", strerror(-err));
		loop_timer_arm(p->resync, 200, 0);
	}
	vrrp_instances_track(p->vrrp); /* services tracked by min_healthy */
}


static void health_tunnel_needed(void *arg, uint32_t backend_id,
				 const struct edgelb_health_tunnel *t, bool needed)
{
	struct edgelbd *p = arg;

	hc_tunnel_glue_needed(p->tunnel, backend_id, t, needed);
}

static const struct edgelb_health_ops health_ops = {
	.changed = health_changed,
	.commit = health_commit,
	.tunnel_needed = health_tunnel_needed,
};

/* The checks follow the model's services and backends (structural changes). */
static void health_follow_model(void *arg, bool structural)
{
	struct edgelbd *p = arg;
	int err;

	if (!structural || !p->health)
		return;
	err = edgelb_health_apply(p->health, &p->model.lb, &p->model.cfg);
	if (err)
		pr_err("health", "updating the checks failed: %s; the previous ones still run",
		       strerror(-err));
}

/* ---- VRRP ------------------------------------------------------------------ */

/* Backends that take new connections: up by their checks, not drained. */
static size_t vrrp_service_healthy(void *arg, const char *service)
{
	struct edgelbd *p = arg;
	const struct lb_service *svc = lb_find_service(&p->model.lb, service);
	size_t n = 0;

	for (size_t i = 0; svc && i < svc->n_backends; i++)
		n += svc->backends[i].alive && !svc->backends[i].drained;
	return n;
}

static int vrrp_persist(void *arg)
{
	struct edgelbd *p = arg;

	return edgelb_model_persist(&p->model);
}

/* Tracked services: their backends' health and drains. */
static void vrrp_follow_model(void *arg, bool structural)
{
	struct edgelbd *p = arg;

	(void)structural;
	vrrp_instances_track(p->vrrp);
}

static void vrrp_follow_config(void *arg, const struct edgelb_config *cfg)
{
	struct edgelbd *p = arg;

	if (vrrp_instances_apply(p->vrrp, cfg))
		pr_err("vrrp", "updating the VRRP instances failed in part; see above");
}

/* ---- state, adoption --------------------------------------------------- */

/* What the adopted data plane holds, by backend id (NULL when unreadable). */
static struct edgelb_backend *pinned_backends(struct edgelb_model *d)
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
static void warn_lost_state(struct edgelb_model *d, const struct edgelb_backend *pinned)
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

/* ---- systemd ------------------------------------------------------------- */

/* What `systemctl status edgelbd` shows: what is served, and by which data plane. */
static void status_line(const struct edgelbd *p, char *buf, size_t len)
{
	const struct edgelb_config *cfg = &p->model.cfg;
	int n = snprintf(buf, len, "serving %zu services, %zu backends; data plane %s (%s) on",
			 p->model.lb.n_services, lb_backend_count(&p->model.lb), p->life->name,
			 p->model.adopted ? "adopted" : p->life->created);

	for (size_t i = 0; i < cfg->dataplane.n_interfaces && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%s", i ? ", " : " ",
			      cfg->dataplane.interfaces[i]);
}

/* Services added or removed at run time, or a reload: a new status line. */
static void notify_follow_model(void *arg, bool structural)
{
	struct edgelbd *p = arg;
	char status[256];

	if (!structural)
		return;
	status_line(p, status, sizeof(status));
	edgelb_notify_status(status);
}

/*
 * Either way a reload comes (SIGHUP, lbctl config reload), systemd shows
 * the unit reloading from RELOADING=1 to READY=1; a rejected config leaves
 * the running one, so edgelbd is ready again either way.
 */
static void notify_reloading(void *arg, bool done)
{
	struct edgelbd *p = arg;
	char status[256];

	if (!done) {
		edgelb_notify_reloading();
		return;
	}
	status_line(p, status, sizeof(status));
	edgelb_notify_ready(status);
}

/*
 * The loop turned, so edgelbd is not hung: systemd's watchdog (WatchdogSec)
 * restarts a hung edgelbd, and the pinned data plane forwards meanwhile.
 */
static void watchdog_tick(void *arg)
{
	(void)arg;
	edgelb_notify_watchdog();
}

static int start_systemd(struct edgelbd *p)
{
	struct edgelb_model_observer follow = { .model_changed = notify_follow_model,
						.reloading = notify_reloading,
						.arg = p };
	uint64_t every = edgelb_notify_watchdog_interval_ms();
	int err = edgelb_model_observe(&p->model, &follow);

	if (err || !every)
		return err;
	err = loop_timer_new(p->loop, watchdog_tick, p, &p->watchdog);
	if (!err)
		err = loop_timer_arm(p->watchdog, every, every);
	if (!err)
		pr_info("systemd", "watchdog: telling systemd every %llu ms that edgelbd is alive",
			(unsigned long long)every);
	return err;
}

static void signal_readable(void *arg, int fd, uint32_t events)
{
	struct edgelbd *p = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			pr_info("config", "SIGHUP: reloading %s", p->model.config_path);
			edgelb_model_reload(&p->model, NULL, 0);
		} else {
			pr_info(NULL, "signal %u: stopping; the data plane keeps forwarding "
				      "(its %s in %s)",
				si.ssi_signo, p->life->tables, tables_path(&p->model.cfg));
			loop_stop(p->loop);
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

/* The data plane of dataplane.mode; NULL when this edgelbd has none built in. */
static const struct edgelb_dataplane_lifecycle *dataplane_of(const struct edgelb_config *cfg)
{
	switch (cfg->dataplane.mode) {
	case EDGELB_CONFIG_DP_XDP:
		return &edgelb_xdp_lifecycle;
	case EDGELB_CONFIG_DP_DPDK:
		return &edgelb_dpdk_lifecycle;
	default:
		return NULL;
	}
}

#define EDGELBD_NO_DATAPLANE "dataplane.mode names a data plane not built into this edgelbd"

static int cleanup(const char *config_path)
{
	const struct edgelb_dataplane_lifecycle *life;
	struct edgelb_config cfg;
	int rc = 0, err;

	if (load_config(config_path, &cfg))
		return EDGELBD_EXIT_INVALID;
	life = dataplane_of(&cfg);
	if (!life) {
		fprintf(stderr, "edgelbd: %s\n", EDGELBD_NO_DATAPLANE);
		edgelb_config_free(&cfg);
		return EDGELBD_EXIT_SYSTEM;
	}
	for (size_t i = 0; i < cfg.dataplane.n_interfaces; i++) {
		err = life->remove_attachment(cfg.pin_dir, cfg.dataplane.interfaces[i]);
		if (err == -ENOENT)
			continue;
		if (err)
			rc = EDGELBD_EXIT_SYSTEM;
		else
			printf("edgelbd: detached from %s\n", cfg.dataplane.interfaces[i]);
	}
	err = life->remove_tables(tables_path(&cfg));
	if (err) {
		fprintf(stderr, "edgelbd: could not remove everything in %s: %s\n",
			tables_path(&cfg), strerror(-err));
		rc = EDGELBD_EXIT_SYSTEM;
	} else {
		printf("edgelbd: removed the pinned %s in %s\n", life->tables, tables_path(&cfg));
	}
	edgelb_config_free(&cfg);
	return rc;
}

/* The ring array for the config's services, with a little room (ring_store.h). */
static uint32_t ring_slots_for(const struct edgelb_config *cfg, uint32_t *need)
{
	uint64_t sum = 0;
	uint32_t max = 0;

	for (size_t i = 0; i < cfg->n_services; i++) {
		sum += cfg->services[i].ring_size;
		if (cfg->services[i].ring_size > max)
			max = cfg->services[i].ring_size;
	}
	*need = ring_store_slots_need(sum);
	return ring_store_slots_for(sum, max);
}

/* Netlink: the data-plane interfaces, then change notifications and the timers they drive. */
static int start_netlink(struct edgelbd *p)
{
	const struct edgelb_config *cfg = &p->model.cfg;
	struct edgelb_nl_opts no = { .change_cb = netlink_changed, .log = netlink_log, .arg = p,
				     .debug = edgelb_log_level() >= EDGELB_LOG_DEBUG };
	int err = edgelb_nl_open_opts(&no, &p->nl);

	if (err) {
		pr_err("netlink", "cannot open: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < cfg->dataplane.n_interfaces; i++) {
		uint8_t mac[6];

		err = edgelb_nl_link(p->nl, cfg->dataplane.interfaces[i], &p->ifindex[i], mac);
		if (err) {
			pr_err("netlink", "dataplane.interfaces: interface %s: %s%s",
			       cfg->dataplane.interfaces[i], strerror(-err),
			       cfg->dataplane.mode == EDGELB_CONFIG_DP_DPDK
				       ? " (with mode dpdk, the exception TAPs of edgelb-dpdk: start "
					 "it before edgelbd)"
				       : "");
			return err;
		}
	}
	err = loop_add_fd(p->loop, edgelb_nl_fd(p->nl), EPOLLIN, netlink_readable, p);
	if (!err)
		err = loop_timer_new(p->loop, resync, p, &p->resync);
	if (!err)
		err = loop_timer_new(p->loop, nexthop_retry, p, &p->nh_retry);
	if (!err)
		err = loop_timer_new(p->loop, pin_check, p, &p->pin_check);
	return err;
}

/* The data plane's tables, adopted from an earlier run or new; the model on them. */
static int start_dataplane(struct edgelbd *p)
{
	const struct edgelb_dataplane_lifecycle *life = p->life;
	struct edgelb_model *m = &p->model;
	uint32_t flows_now, slots_now, slots_need;
	struct edgelb_dataplane_opts o = { .flow_table_size = m->cfg.dataplane.flow_table_size,
					   .pin_dir = tables_path(&m->cfg),
					   .ring_slots = ring_slots_for(&m->cfg, &slots_need) };
	int err = life->open(&o, &p->dp);

	if (err) {
		pr_err(life->name, "loading the data plane onto %s failed: %s%s", o.pin_dir,
		       strerror(-err), life->hint(EDGELB_DP_STEP_OPEN, err));
		return err;
	}
	m->adopted = life->adopted(p->dp.dp);
	pr_info(life->name, "%s the %s in %s", m->adopted ? "adopted" : life->created, life->tables,
		o.pin_dir);
	life->sizes(p->dp.dp, &flows_now, &slots_now);
	if (flows_now != m->cfg.dataplane.flow_table_size)
		pr_warn(life->name, "the pinned flow table holds %u entries per CPU, the config "
				    "asks for %u: takes effect after `edgelbd --cleanup` (drops "
				    "every flow)",
			flows_now, m->cfg.dataplane.flow_table_size);
	m->ring_slots = slots_now;
	if (slots_now < slots_need)
		pr_warn(life->name, "the pinned ring array has %u slots; this config needs %u: "
				    "new rings may not fit until `edgelbd --cleanup`",
			slots_now, slots_need);

	lb_init(&m->lb, p->dp, nexthop_mac, p);
	m->lb.nexthop_event = nexthop_event;
	m->lb.clock_ms = wall_ms;
	if (m->adopted) {
		struct edgelb_node_config pinned;

		if (p->dp.ops->get_node_config &&
		    !p->dp.ops->get_node_config(p->dp.dp, &pinned))
			lb_set_node_config(&m->lb, &pinned);
		m->lb.adopt_state = true;
	}
	return 0;
}

/*
 * The state file into every section (the model's, VRRP's), then the
 * config and the runtime layer programmed as a diff. A start needs no
 * write: a full or read-only disk must not stop it.
 */
static int start_model(struct edgelbd *p)
{
	struct edgelb_model *m = &p->model;
	struct vrrp_deps vd = { .loop = p->loop, .nl = p->nl,
				.service_healthy = vrrp_service_healthy,
				.persist = vrrp_persist, .arg = p };
	struct edgelb_state_section vrrp_section;
	char err_msg[512] = "", warn[2048] = "";
	struct edgelb_backend *held;
	int err;

	/* VRRP's state is read with the rest: a handover survives a restart */
	err = vrrp_instances_new(&vd, &p->vrrp);
	if (err)
		return err;
	vrrp_instances_state_section(p->vrrp, &vrrp_section);
	err = edgelb_state_register(&m->state, &vrrp_section);
	if (err)
		return err;
	err = mkdir_parent(m->cfg.state_file);
	if (err)
		pr_warn("state", "cannot create the directory of %s: %s; runtime changes will "
				 "not be saved until it exists",
			m->cfg.state_file, strerror(-err));
	err = edgelb_model_load_state(m, err_msg, sizeof(err_msg));
	if (err && err != -ENOENT) {
		pr_err("state", "%s: %s; fix it, or move it away to start without the "
				"runtime changes it holds",
		       m->cfg.state_file, err_msg[0] ? err_msg : strerror(-err));
		return -EINVAL;
	}
	held = err == -ENOENT && m->adopted ? pinned_backends(m) : NULL;
	node_config_from_kernel(p);
	err = lb_apply(&m->lb, &m->cfg, warn, sizeof(warn));
	if (warn[0])
		pr_warn("state", "%s", warn);
	if (err) {
		free(held);
		pr_err("dataplane", "programming the maps failed: %s", strerror(-err));
		return err;
	}
	if (held)
		warn_lost_state(m, held);
	free(held);
	if (edgelb_model_persist(m))
		pr_warn("state", "runtime changes are applied but not saved until %s can be "
				 "written",
			m->cfg.state_file);
	return 0;
}

/* The health checks, following the model from now on. */
static int start_health(struct edgelbd *p)
{
	struct edgelb_model *m = &p->model;
	struct hc_tunnel_glue_opts to = { .ifindex = p->ifindex[0],
					  .ifname = m->cfg.dataplane.interfaces[0],
					  .pin_dir = m->cfg.pin_dir, .lb = &m->lb };
	struct edgelb_model_observer follow = { .model_changed = health_follow_model, .arg = p };
	int err = hc_tunnel_glue_new(&to, &p->tunnel);

	if (!err)
		err = edgelb_health_open(p->loop, &health_ops, p, &p->health);
	if (err) {
		pr_err("health", "cannot start the health checks: %s", strerror(-err));
		return err;
	}
	if (m->adopted)
		edgelb_health_adopt(p->health); /* a restart under traffic pulls nothing */
	err = edgelb_health_apply(p->health, &m->lb, &m->cfg);
	if (err) {
		pr_err("health", "starting the health checks failed: %s", strerror(-err));
		return err;
	}
	return edgelb_model_observe(m, &follow);
}

/* The data plane onto every data-plane interface, replacing an earlier run's without a gap. */
static int attach_interfaces(struct edgelbd *p)
{
	const struct edgelb_dataplane_lifecycle *life = p->life;
	const struct edgelb_config *cfg = &p->model.cfg;

	for (size_t i = 0; i < cfg->dataplane.n_interfaces; i++) {
		const char *ifname = cfg->dataplane.interfaces[i];
		bool generic = cfg->dataplane.xdp_mode == EDGELB_CONFIG_XDP_GENERIC, replaced;
		int err;

		if (generic)
			pr_warn(life->name, "%s: GENERIC mode requested: runs after the kernel "
					    "built an skb, a fraction of native speed; for labs only",
				ifname);
		err = life->attach(p->dp.dp, ifname, p->ifindex[i],
				   generic ? EDGELB_DP_ATTACH_GENERIC : 0, &replaced);
		if (err) {
			pr_err(life->name, "attaching to %s failed: %s%s", ifname, strerror(-err),
			       life->hint(EDGELB_DP_STEP_ATTACH, err));
			return err;
		}
		pr_info(life->name, "%s: %s", ifname,
			replaced ? "replaced the running program; maps and flows kept"
				 : "attached");
	}
	return 0;
}

/* VRRP moves VIP ownership only; the data plane above forwards in every state. */
static int start_vrrp(struct edgelbd *p)
{
	struct edgelb_model_observer follow = { .model_changed = vrrp_follow_model,
						.config_applied = vrrp_follow_config, .arg = p };
	int err = vrrp_instances_start(p->vrrp, &p->model.cfg);

	if (err) {
		pr_err("vrrp", "cannot start the VRRP instances: %s", strerror(-err));
		return err;
	}
	return edgelb_model_observe(&p->model, &follow);
}

/* The operator's ways in: the control socket and /metrics. */
static int start_operator(struct edgelbd *p)
{
	const struct edgelb_config *cfg = &p->model.cfg;
	struct edgelb_ctl_env env = { .loop = p->loop, .model = &p->model, .health = p->health,
				      .vrrp_ctl = vrrp_instances_ctl, .vrrp_arg = p->vrrp };
	int err = edgelb_ctl_open(&env, cfg->control_socket, cfg->control_group, &p->ctl);

	if (err) {
		pr_err("ctl", "control socket %s: %s", cfg->control_socket, strerror(-err));
		return err;
	}
	if (cfg->metrics_addr.family == EDGELB_AF_NONE)
		return 0;
	err = edgelb_metrics_open(p->loop, &p->model, &cfg->metrics_addr, cfg->metrics_port,
				  &p->metrics);
	if (err) {
		pr_err("metrics", "cannot listen on port %u: %s", cfg->metrics_port,
		       strerror(-err));
		return err;
	}
	edgelb_metrics_register(p->metrics, edgelb_health_metrics, p->health);
	edgelb_metrics_register(p->metrics, edgelb_vrrp_metrics, p->vrrp);
	return 0;
}

static int start_signals(struct edgelbd *p)
{
	sigset_t mask;
	int err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	p->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (p->sigfd < 0)
		return -errno;
	err = loop_add_fd(p->loop, p->sigfd, EPOLLIN, signal_readable, p);
	if (err)
		return err;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int start(struct edgelbd *p)
{
	struct edgelb_model *m = &p->model;
	char status[256];
	int err;

	p->life = dataplane_of(&m->cfg);
	if (!p->life) {
		pr_err(NULL, "%s", EDGELBD_NO_DATAPLANE);
		return -EOPNOTSUPP;
	}
	err = loop_new(&p->loop);
	if (err)
		return err;
	m->started_ms = m->config_loaded_ms = loop_now_ms();
	err = start_netlink(p);
	if (!err)
		err = start_dataplane(p);
	if (!err)
		err = start_model(p);
	if (!err)
		err = start_health(p);
	if (!err)
		err = attach_interfaces(p);
	if (!err)
		err = start_vrrp(p);
	if (!err)
		err = start_operator(p);
	if (!err)
		err = start_signals(p);
	if (!err)
		err = start_systemd(p);
	if (err)
		return err;
	/* the model's counts: lbctl status says the same (runtime changes included) */
	pr_info(NULL, "edgelbd %s running: instance %s, %zu services, %zu backends", EDGELB_VERSION,
		m->cfg.instance, m->lb.n_services, lb_backend_count(&m->lb));
	if (p->life == &edgelb_xdp_lifecycle)
		loop_timer_arm(p->pin_check, PIN_CHECK_MS, 0);
	/*
	 * Only now: the data plane forwards on every interface, the checks
	 * and VRRP run, and lbctl and /metrics are answered. A unit that
	 * orders itself After=edgelbd.service may rely on all of it.
	 */
	status_line(p, status, sizeof(status));
	edgelb_notify_ready(status);
	return 0;
}

static void stop(struct edgelbd *p)
{
	/* first: a master resigns (priority 0) while everything else still runs */
	vrrp_instances_stop(p->vrrp);
	p->vrrp = NULL;
	edgelb_metrics_close(p->metrics);
	edgelb_ctl_close(p->ctl);
	edgelb_health_close(p->health);
	/* the checks are gone: so is their routing (the data plane stays) */
	hc_tunnel_glue_free(p->tunnel);
	if (p->sigfd >= 0) {
		loop_del_fd(p->loop, p->sigfd);
		close(p->sigfd);
	}
	loop_timer_free(p->resync);
	loop_timer_free(p->nh_retry);
	loop_timer_free(p->pin_check);
	loop_timer_free(p->watchdog);
	if (p->nl && p->loop)
		loop_del_fd(p->loop, edgelb_nl_fd(p->nl));
	/* links are pinned: closing our fds leaves the program attached */
	edgelb_model_free(&p->model);
	if (p->life)
		p->life->close(p->dp.dp);
	edgelb_nl_close(p->nl);
	loop_free(p->loop);
}

int main(int argc, char **argv)
{
	static struct edgelbd p = { .sigfd = -1 };
	struct edgelb_config cfg;
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

	if (load_config(config, &cfg))
		return EDGELBD_EXIT_INVALID;
	if (edgelb_model_init(&p.model, config, &cfg)) {
		fprintf(stderr, "edgelbd: out of memory\n");
		edgelb_model_free(&p.model);
		return EDGELBD_EXIT_SYSTEM;
	}
	err = start(&p);
	if (!err)
		err = loop_run(p.loop);
	/* the stop may take seconds (a VRRP master waits for its peer) */
	edgelb_notify_stopping();
	stop(&p);
	if (err == -EINVAL)
		return EDGELBD_EXIT_INVALID;
	return err ? EDGELBD_EXIT_SYSTEM : 0;
}
