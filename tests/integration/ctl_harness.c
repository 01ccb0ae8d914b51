// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in edgelbd for the operator-interface tests: the real event loop,
 * balancer model (lb.c), state file (state.c), control socket (ctl.c,
 * ctl_cmds.c) and /metrics (metrics.c), on an in-memory data plane, so
 * test_lbctl.sh can drive lbctl and curl without BPF, interfaces or root
 * powers beyond setpriv.
 *
 *   ctl_harness --dir DIR --config FILE [--group GROUP] [--socket-mode MODE]
 *
 * Listens on DIR/ctl.sock and 127.0.0.1:<any port>; writes the port to
 * DIR/metrics.port and creates DIR/ready when both serve. Persists the
 * runtime layer to DIR/state.json; while DIR/persist-fail exists,
 * persisting fails with EIO. SIGTERM or SIGINT: clean exit, status 0 (so
 * that ASan's leak check covers a whole run).
 *
 * Two client modes speak the protocol raw, for what lbctl never sends:
 *   ctl_harness --raw SOCKET       stdin as one message; prints the reply
 *   ctl_harness --flood SOCKET N   N connections held open; sends status
 *                                  on the last and prints its reply
 *   ctl_harness --hold SOCKET N S  N idle connections held open for S
 *                                  seconds; prints "held N" once open
 *
 * --socket-mode stands in for what an operator does with an ACL
 * ("setfacl -m u:monitor:rw ctl.sock"): lets users outside the control
 * group connect, to test that they can read but not change.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "state.h"

/* ---- the in-memory data plane ------------------------------------------- */

struct fake_dp {
	struct lb *lb;
	uint64_t reads; /* counters grow with every read, for rates */
	unsigned int writes;
};

static int fake_node(void *dp, const struct edgelb_node_config *cfg)
{
	(void)cfg;
	((struct fake_dp *)dp)->writes++;
	return 0;
}

static int fake_set_vip(void *dp, const struct edgelb_vip_key *key,
			const struct edgelb_vip_meta *meta)
{
	(void)key;
	(void)meta;
	((struct fake_dp *)dp)->writes++;
	return 0;
}

static int fake_del_vip(void *dp, const struct edgelb_vip_key *key)
{
	(void)key;
	((struct fake_dp *)dp)->writes++;
	return 0;
}

static int fake_set_backend(void *dp, uint32_t id, const struct edgelb_backend *be)
{
	(void)id;
	(void)be;
	((struct fake_dp *)dp)->writes++;
	return 0;
}

static int fake_set_ring(void *dp, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	(void)vip_id;
	(void)ring;
	(void)m;
	((struct fake_dp *)dp)->writes++;
	return 0;
}

static void fake_counters(struct fake_dp *f, uint32_t id, struct edgelb_counters *c)
{
	f->reads++;
	c->packets = 1000 * (uint64_t)(id + 1) + 10 * f->reads;
	c->bytes = 100 * c->packets;
	c->new_flows = 10 * (uint64_t)(id + 1) + f->reads;
}

static int fake_vip_counters(void *dp, uint32_t vip_id, struct edgelb_counters *sum)
{
	fake_counters(dp, vip_id, sum);
	return 0;
}

static int fake_backend_counters(void *dp, uint32_t id, struct edgelb_counters *sum)
{
	fake_counters(dp, id, sum);
	return 0;
}

static int fake_counter(void *dp, enum edgelb_counter c, uint64_t *value)
{
	(void)dp;
	*value = 3 * (uint64_t)c; /* drop_truncated 0, drop_malformed 3, ... */
	return 0;
}

/* One flow per backend of the first service, up to max. */
static int fake_flows(void *dp, struct edgelb_flow_key *keys, struct edgelb_flow_state *states,
		      size_t max, size_t *n)
{
	struct fake_dp *f = dp;
	const struct lb_service *s = f->lb->n_services ? &f->lb->services[0] : NULL;

	*n = 0;
	for (size_t i = 0; s && i < s->n_backends && *n < max; i++, (*n)++) {
		memset(&keys[*n], 0, sizeof(keys[*n]));
		keys[*n].family = s->key.family;
		keys[*n].proto = s->key.proto;
		keys[*n].src.bytes[0] = 198;
		keys[*n].src.bytes[1] = 51;
		keys[*n].src.bytes[2] = 100;
		keys[*n].src.bytes[3] = (uint8_t)(i + 1);
		keys[*n].dst = s->key.addr;
		keys[*n].sport = htons((uint16_t)(40000 + i));
		keys[*n].dport = s->key.port;
		states[*n] = (struct edgelb_flow_state){ .backend_id = s->backends[i].id,
							 .vip_id = s->vip_id, .created_ns = 0 };
	}
	return 0;
}

static const struct edgelb_dataplane_ops fake_ops = {
	.set_node_config = fake_node,
	.set_vip = fake_set_vip,
	.del_vip = fake_del_vip,
	.set_backend = fake_set_backend,
	.set_ring = fake_set_ring,
	.vip_counters = fake_vip_counters,
	.backend_counters = fake_backend_counters,
	.counter = fake_counter,
	.flows = fake_flows,
};

/* ---- what main.c provides in edgelbd ---------------------------------------- */

static char harness_dir[4096];

static void append(char *msg, size_t len, const char *line)
{
	size_t used = strlen(msg);

	if (used + 1 < len)
		snprintf(msg + used, len - used, "%s%s", used ? "\n" : "", line);
}

int edgelbd_reload(struct edgelbd *d, char *msg, size_t msg_len)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config next, prev;
	char warn[2048] = "";
	int err;

	if (msg && msg_len)
		msg[0] = '\0';
	err = edgelb_config_load(d->config_path, &next, &errs);
	for (size_t i = 0; msg && i < errs.count; i++)
		append(msg, msg_len, errs.items[i].text);
	edgelb_config_errors_free(&errs);
	if (err) {
		edgelb_config_free(&next);
		return err;
	}
	err = lb_apply(&d->lb, &next, warn, sizeof(warn));
	if (err) {
		lb_apply(&d->lb, &d->cfg, NULL, 0);
		edgelb_config_free(&next);
		return err;
	}
	if (warn[0] && msg)
		append(msg, msg_len, warn);
	prev = d->cfg;
	d->cfg = next;
	/* lb keeps a pointer to its base config: not to the local copy */
	d->lb.cfg = &d->cfg;
	edgelb_config_free(&prev);
	d->reloads++;
	d->config_loaded_ms = loop_now_ms();
	return edgelbd_persist(d);
}

/* no health checks or VRRP instances run in the harness */
void edgelbd_model_changed(struct edgelbd *d, bool structural)
{
	(void)d;
	(void)structural;
}

int edgelbd_persist(struct edgelbd *d)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/persist-fail", harness_dir);
	if (!access(path, F_OK))
		return -EIO;
	snprintf(path, sizeof(path), "%s/state.json", harness_dir);
	return edgelb_state_save(&d->lb, path);
}


/* ---- raw client modes ------------------------------------------------------ */

static int raw_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		perror("ctl_harness: connect");
		exit(3);
	}
	return fd;
}

/* Send buf as one message, print the one reply; 0 or 1. */
static int raw_exchange(int fd, const char *buf, size_t len)
{
	char probe;
	ssize_t n;
	char *reply;

	/* refused (busy), the server shut down: its reply may be waiting */
	if (send(fd, buf, len, MSG_NOSIGNAL) < 0 &&
	    recv(fd, &probe, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) <= 0) {
		perror("ctl_harness: send");
		return 1;
	}
	n = recv(fd, &probe, 1, MSG_PEEK | MSG_TRUNC);
	if (n <= 0) {
		fprintf(stderr, "ctl_harness: no reply\n");
		return 1;
	}
	reply = malloc((size_t)n + 1);
	if (!reply)
		return 1;
	n = recv(fd, reply, (size_t)n, 0);
	if (n > 0)
		printf("%.*s\n", (int)n, reply);
	free(reply);
	return n > 0 ? 0 : 1;
}

static int raw_mode(const char *path)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	int fd, ret;
	size_t n;

	if (!buf)
		return 1;
	while ((n = fread(buf + len, 1, cap - len, stdin)) > 0)
		len += n;
	fd = raw_connect(path);
	ret = raw_exchange(fd, buf, len);
	close(fd);
	free(buf);
	return ret;
}

static int flood_mode(const char *path, int n)
{
	static const char status[] = "{\"v\": 1, \"cmd\": \"status\"}";
	int *fds = calloc((size_t)n, sizeof(*fds)), ret;

	if (!fds || n < 1)
		return 1;
	for (int i = 0; i < n; i++)
		fds[i] = raw_connect(path);
	ret = raw_exchange(fds[n - 1], status, strlen(status));
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return ret;
}

/* Connections that only take room, as a hostile local user opens them. */
static int hold_mode(const char *path, int n, int seconds)
{
	int *fds = calloc(n > 0 ? (size_t)n : 1, sizeof(*fds));

	if (!fds || n < 1)
		return 1;
	for (int i = 0; i < n; i++)
		fds[i] = raw_connect(path);
	printf("held %d\n", n);
	fflush(stdout);
	sleep((unsigned int)seconds);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

/* ---- main ----------------------------------------------------------------- */

static void on_signal(void *arg, int fd, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si))
		loop_stop(arg);
}

static int touch(const char *dir, const char *name, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "group", required_argument, NULL, 'g' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct edgelb_config_addr local = { .family = EDGELB_AF_INET, .prefix_len = 32 };
	struct edgelb_config_errors errs = { 0 };
	struct fake_dp fake = { 0 };
	struct edgelbd d;
	const char *group = NULL, *config = NULL;
	char sock[4200], port[16], warn[2048];
	long mode = -1;
	sigset_t mask;
	int opt, err, sigfd = -1, status = 1;

	if (argc == 3 && !strcmp(argv[1], "--raw"))
		return raw_mode(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "--flood"))
		return flood_mode(argv[2], atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "--hold"))
		return hold_mode(argv[2], atoi(argv[3]), atoi(argv[4]));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			snprintf(harness_dir, sizeof(harness_dir), "%s", optarg);
			break;
		case 'c':
			config = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'm':
			mode = strtol(optarg, NULL, 8);
			break;
		default:
			fprintf(stderr, "usage: ctl_harness --dir DIR --config FILE [--group GROUP] "
					"[--socket-mode MODE]\n");
			return 2;
		}
	}
	if (!harness_dir[0] || !config) {
		fprintf(stderr, "ctl_harness: --dir and --config are required\n");
		return 2;
	}
	edgelb_log_set_level(EDGELB_LOG_DEBUG);

	memset(&d, 0, sizeof(d));
	d.config_path = strdup(config);
	if (!d.config_path || loop_new(&d.loop))
		return 1;
	err = edgelb_config_load(config, &d.cfg, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "%s\n", errs.items[i].text);
	edgelb_config_errors_free(&errs);
	if (err)
		goto out;
	fake.lb = &d.lb;
	lb_init(&d.lb, (struct edgelb_dataplane){ .ops = &fake_ops, .dp = &fake }, NULL, NULL);
	err = lb_apply(&d.lb, &d.cfg, warn, sizeof(warn));
	if (err) {
		fprintf(stderr, "ctl_harness: lb_apply: %s\n", strerror(-err));
		goto out;
	}
	d.started_ms = d.config_loaded_ms = loop_now_ms();

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigfd < 0 || loop_add_fd(d.loop, sigfd, EPOLLIN, on_signal, d.loop))
		goto out;

	snprintf(sock, sizeof(sock), "%s/ctl.sock", harness_dir);
	err = edgelb_ctl_open(&d, sock, group, &d.ctl);
	if (err) {
		fprintf(stderr, "ctl_harness: control socket: %s\n", strerror(-err));
		goto out;
	}
	if (mode >= 0 && chmod(sock, (mode_t)mode)) {
		perror("ctl_harness: chmod");
		goto out;
	}
	local.addr.bytes[0] = 127;
	local.addr.bytes[3] = 1;
	err = edgelb_metrics_open(&d, &local, 0, &d.metrics);
	if (err) {
		fprintf(stderr, "ctl_harness: metrics: %s\n", strerror(-err));
		goto out;
	}
	snprintf(port, sizeof(port), "%u\n", edgelb_metrics_port(d.metrics));
	if (touch(harness_dir, "metrics.port", port) || touch(harness_dir, "ready", ""))
		goto out;
	err = loop_run(d.loop);
	status = err ? 1 : 0;
out:
	edgelb_metrics_close(d.metrics);
	edgelb_ctl_close(d.ctl);
	if (sigfd >= 0) {
		loop_del_fd(d.loop, sigfd);
		close(sigfd);
	}
	lb_free(&d.lb);
	edgelb_config_free(&d.cfg);
	loop_free(d.loop);
	free(d.config_path);
	return status;
}
