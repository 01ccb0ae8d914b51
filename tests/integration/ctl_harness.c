// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in edgelbd for the operator-interface tests: the real event loop,
 * balancer model and its life cycle (model.c: reload, persist), state file
 * (state.c), control socket (ctl.c, ctl_cmds.c) and /metrics (metrics.c),
 * wired as main.c wires them, on the tests' in-memory data plane
 * (tests/common/fake_dp.h), so test_lbctl.sh can drive lbctl and curl
 * without BPF, interfaces or root powers beyond setpriv. No health checks
 * or VRRP instances run here.
 *
 *   ctl_harness --dir DIR --config FILE [--group GROUP] [--socket-mode MODE]
 *
 * Listens on DIR/ctl.sock and 127.0.0.1:<any port>; writes the port to
 * DIR/metrics.port and creates DIR/ready when both serve. Persists to the
 * config's state_file, as edgelbd does. SIGTERM or SIGINT: clean exit,
 * status 0 (so that ASan's leak check covers a whole run).
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
#include "fake_dp.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "model.h"

static char harness_dir[4096];

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
	static struct fake_dp fake; /* large: not on the stack */
	static struct edgelb_model model;
	struct edgelb_ctl *ctl = NULL;
	struct edgelb_metrics *metrics = NULL;
	struct edgelb_config cfg;
	struct loop *loop = NULL;
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

	err = edgelb_config_load(config, &cfg, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "%s\n", errs.items[i].text);
	edgelb_config_errors_free(&errs);
	if (err) {
		edgelb_config_free(&cfg);
		return 1;
	}
	if (edgelb_model_init(&model, config, &cfg) || loop_new(&loop))
		goto out;
	fake.no_log = true;
	fake.synthetic_counters = true;
	fake.flows_of = &model.lb;
	lb_init(&model.lb, (struct edgelb_dataplane){ .ops = &fake_dp_ops, .dp = &fake }, NULL,
		NULL);
	err = lb_apply(&model.lb, &model.cfg, warn, sizeof(warn));
	if (err) {
		fprintf(stderr, "ctl_harness: lb_apply: %s\n", strerror(-err));
		goto out;
	}
	model.started_ms = model.config_loaded_ms = loop_now_ms();

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigfd < 0 || loop_add_fd(loop, sigfd, EPOLLIN, on_signal, loop))
		goto out;

	snprintf(sock, sizeof(sock), "%s/ctl.sock", harness_dir);
	err = edgelb_ctl_open(&(struct edgelb_ctl_env){ .loop = loop, .model = &model }, sock,
			      group, &ctl);
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
	err = edgelb_metrics_open(loop, &model, &local, 0, &metrics);
	if (err) {
		fprintf(stderr, "ctl_harness: metrics: %s\n", strerror(-err));
		goto out;
	}
	snprintf(port, sizeof(port), "%u\n", edgelb_metrics_port(metrics));
	if (touch(harness_dir, "metrics.port", port) || touch(harness_dir, "ready", ""))
		goto out;
	err = loop_run(loop);
	status = err ? 1 : 0;
out:
	edgelb_metrics_close(metrics);
	edgelb_ctl_close(ctl);
	if (sigfd >= 0) {
		loop_del_fd(loop, sigfd);
		close(sigfd);
	}
	edgelb_model_free(&model);
	fake_dp_reset(&fake);
	loop_free(loop);
	return status;
}
