// SPDX-License-Identifier: GPL-2.0-only
/*
 * Health checks against hostile servers (issue 6, point 5), with the real
 * checkers in a real event loop; needs no namespace and no root.
 *
 * A child process serves on 127.0.0.1: servers that answer well (HTTP,
 * chunked HTTP, TCP) and servers that accept and never answer, reset,
 * send garbage, send a 1 MB header, close in the middle of the response,
 * drip one byte every 50 ms, answer 503 or the wrong body; plus a closed
 * port. Exec checks run scripts that exit 0, exit 1 with a message, check
 * the environment edgelb.conf(5) promises, sleep past the timeout, leave a
 * process behind, write 200 KB, or do not exist.
 *
 * Every backend starts up (as after an adoption) and is checked every
 * 400 ms (timeout 250 ms, fall 1) for 5 s. Then:
 *  - each hostile one is down, taken down by its first check, which
 *    failed within the timeout, with the expected reason;
 *  - the good ones never went down and were checked on schedule all along
 *    (number of checks; no check of any backend started more than 100 ms
 *    late: the loop was never blocked);
 *  - no zombie lived longer than one round of checks, no process of a
 *    killed script is left, the same file descriptors are open before
 *    and after (/proc/self/fd), no check connection sits in TIME_WAIT
 *    (they end with an RST); the sanitizer build adds leaks and UB.
 * Exit status 0 pass, 1 fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "health/health.h"
#include "lb.h"
#include "log.h"
#include "loop.h"

#define INTERVAL_MS 400
#define TIMEOUT_MS 250
#define RUN_MS 5000
#define LATE_MAX_MS 100
#define SLACK_MS 100

enum server {
	SRV_NONE = 0,
	SRV_HTTP,	/* 200, Content-Length body "ok" */
	SRV_CHUNKED,	/* 200, chunked "sta" + "tus: ok" in two writes */
	SRV_TCP,	/* accept, close */
	SRV_SILENT,	/* accept, never answer */
	SRV_RST,	/* accept, reset */
	SRV_GARBAGE,	/* binary garbage */
	SRV_BIGHDR,	/* a 1 MB header */
	SRV_MIDCLOSE,	/* closes in the middle of the body */
	SRV_DRIP,	/* one byte every 50 ms */
	SRV_503,
	SRV_WRONGBODY,	/* 200 without the text */
	SRV_REFUSED,	/* nobody listens */
	SRV_MAX,
};

struct target {
	const char *name;
	enum edgelb_config_health_type type;
	enum server server;
	const char *body;   /* http: expected text */
	const char *script; /* exec: file name in the temporary directory, or a path */
	bool good;
	const char *reason; /* hostile: a part of the expected reason */
	/* results */
	int downs;
	uint64_t down_after_ms;
	uint32_t down_latency_us;
	char down_reason[256];
};

static struct target targets[] = {
	{ "http-good", EDGELB_CONFIG_HEALTH_HTTP, SRV_HTTP, "ok", NULL, true, NULL },
	{ "http-chunked", EDGELB_CONFIG_HEALTH_HTTP, SRV_CHUNKED, "status: ok", NULL, true, NULL },
	{ "tcp-good", EDGELB_CONFIG_HEALTH_TCP, SRV_TCP, NULL, NULL, true, NULL },
	{ "exec-ok", EDGELB_CONFIG_HEALTH_EXEC, SRV_NONE, NULL, "ok.sh", true, NULL },
	{ "exec-env", EDGELB_CONFIG_HEALTH_EXEC, SRV_NONE, NULL, "env.sh", true, NULL },
	{ "exec-leaves-child", EDGELB_CONFIG_HEALTH_EXEC, SRV_NONE, NULL, "bg.sh", true, NULL },
	{ "exec-noisy", EDGELB_CONFIG_HEALTH_EXEC, SRV_NONE, NULL, "noisy.sh", true, NULL },
	{ "silent", EDGELB_CONFIG_HEALTH_HTTP, SRV_SILENT, NULL, NULL, false,
	  "timeout after 250 ms (waiting for the response)" },
	{ "reset", EDGELB_CONFIG_HEALTH_HTTP, SRV_RST, NULL, NULL, false, "connection " },
	{ "garbage", EDGELB_CONFIG_HEALTH_HTTP, SRV_GARBAGE, NULL, NULL, false, "malformed" },
	{ "big-header", EDGELB_CONFIG_HEALTH_HTTP, SRV_BIGHDR, NULL, NULL, false,
	  "response header too large" },
	{ "mid-close", EDGELB_CONFIG_HEALTH_HTTP, SRV_MIDCLOSE, "ok", NULL, false,
	  "connection closed in the body" },
	{ "drip", EDGELB_CONFIG_HEALTH_HTTP, SRV_DRIP, NULL, NULL, false, "timeout after 250 ms" },
	{ "http-503", EDGELB_CONFIG_HEALTH_HTTP, SRV_503, NULL, NULL, false, "HTTP 503" },
	{ "wrong-body", EDGELB_CONFIG_HEALTH_HTTP, SRV_WRONGBODY, "ok", NULL, false,
	  "the body lacks \"ok\"" },
	{ "refused-http", EDGELB_CONFIG_HEALTH_HTTP, SRV_REFUSED, NULL, NULL, false,
	  "connection refused" },
	{ "refused-tcp", EDGELB_CONFIG_HEALTH_TCP, SRV_REFUSED, NULL, NULL, false,
	  "connection refused" },
	{ "exec-fail", EDGELB_CONFIG_HEALTH_EXEC, SRV_NONE, NULL, "fail.sh", false,
	  "exit 1: disk full" },
	{ "exec-sleeps", EDGELB_CONFIG_HEALTH_EXEC, SRV_NONE, NULL, "sleep.sh", false,
	  "timeout after 250 ms (the program still runs: killed)" },
	{ "exec-missing", EDGELB_CONFIG_HEALTH_EXEC, SRV_NONE, NULL, "/nonexistent/check.sh",
	  false, "cannot run /nonexistent/check.sh: No such file or directory" },
};
#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))

static int failures;

__attribute__((format(printf, 2, 3))) static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures += !ok;
}

/* ---- the hostile servers (a child process) ---------------------------- */

static const char ok_response[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

static void srv_send(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void srv_text(int fd, const char *s)
{
	srv_send(fd, s, strlen(s));
}

static void srv_read_request(int fd)
{
	char buf[4096];
	size_t have = 0;

	while (have < sizeof(buf) - 1) {
		ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);

		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = 0;
		if (strstr(buf, "\r\n\r\n"))
			return;
	}
}

struct conn {
	int fd;
	enum server kind;
};

static void *srv_conn(void *arg)
{
	struct conn c = *(struct conn *)arg;
	static const char garbage[] = "\x00\x01\x02garbage\xff\xfe\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
	struct linger lg = { 1, 0 };
	static char big[64 * 1024];
	char buf[256];

	free(arg);
	switch (c.kind) {
	case SRV_TCP:
		break;
	case SRV_SILENT:
		while (recv(c.fd, buf, sizeof(buf), 0) > 0)
			;
		break;
	case SRV_RST:
		setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	default:
		srv_read_request(c.fd);
		break;
	}
	switch (c.kind) {
	case SRV_HTTP:
		srv_send(c.fd, ok_response, strlen(ok_response));
		break;
	case SRV_CHUNKED:
		srv_text(c.fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsta\r\n");
		usleep(5000);
		srv_text(c.fd, "7\r\ntus: ok\r\n0\r\n\r\n");
		break;
	case SRV_GARBAGE:
		srv_send(c.fd, garbage, sizeof(garbage) - 1);
		break;
	case SRV_BIGHDR:
		memset(big, 'a', sizeof(big));
		srv_text(c.fd, "HTTP/1.1 200 OK\r\nX-Big: ");
		for (int i = 0; i < 16; i++)
			srv_send(c.fd, big, sizeof(big));
		break;
	case SRV_MIDCLOSE:
		srv_text(c.fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
		break;
	case SRV_DRIP:
		for (size_t i = 0; i < strlen(ok_response); i++) {
			if (send(c.fd, ok_response + i, 1, MSG_NOSIGNAL) != 1)
				break;
			usleep(50000);
		}
		break;
	case SRV_503:
		srv_text(c.fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
		break;
	case SRV_WRONGBODY:
		srv_text(c.fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnope");
		break;
	default:
		break;
	}
	close(c.fd);
	return NULL;
}

struct listener {
	int fd;
	enum server kind;
};

static void *srv_accept(void *arg)
{
	struct listener *l = arg;

	for (;;) {
		struct conn *c = malloc(sizeof(*c));
		pthread_t t;

		c->fd = accept(l->fd, NULL, NULL);
		if (c->fd < 0) {
			free(c);
			continue;
		}
		c->kind = l->kind;
		if (pthread_create(&t, NULL, srv_conn, c)) {
			close(c->fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

static int srv_socket(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl))
		exit(2);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Serve every kind; write their ports to out, indexed by enum server. */
static void srv_main(int out)
{
	static struct listener ls[SRV_MAX];
	uint16_t ports[SRV_MAX] = { 0 };

	signal(SIGPIPE, SIG_IGN);
	for (int k = SRV_HTTP; k < SRV_MAX; k++) {
		pthread_t t;

		ls[k].kind = (enum server)k;
		ls[k].fd = srv_socket(&ports[k]);
		if (k == SRV_REFUSED) {
			close(ls[k].fd); /* the port is free: nobody listens */
			continue;
		}
		if (listen(ls[k].fd, 512) || pthread_create(&t, NULL, srv_accept, &ls[k]))
			exit(2);
	}
	if (write(out, ports, sizeof(ports)) != sizeof(ports))
		exit(2);
	close(out);
	for (;;)
		pause();
}

/* ---- processes and descriptors ------------------------------------------ */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1; /* the DIR's own */
}

/* Our children (besides the server) and how many are zombies. */
static void children(pid_t server, int *all, int *zombies, pid_t *zombie)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	*all = *zombies = 0;
	while (d && (e = readdir(d))) {
		char path[64], buf[512], *p, state;
		int ppid, pid = atoi(e->d_name);
		FILE *f;

		if (pid <= 0 || pid == server)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f)) {
			fclose(f);
			continue;
		}
		fclose(f);
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 2, "%c %d", &state, &ppid) != 2 || ppid != getpid())
			continue;
		(*all)++;
		if (state == 'Z') {
			(*zombies)++;
			*zombie = pid;
		}
	}
	if (d)
		closedir(d);
}

/* Processes whose command line contains s (the scripts' sleeps). */
static int processes_with(const char *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[64], buf[256];
		int pid = atoi(e->d_name);
		ssize_t len;
		int fd;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			buf[i] = buf[i] ? buf[i] : ' ';
		buf[len] = 0;
		n += strstr(buf, s) != NULL;
	}
	if (d)
		closedir(d);
	return n;
}

/* TCP connections in TIME_WAIT from or to one of ports (/proc/net/tcp). */
static int time_wait(const uint16_t *ports, size_t n)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512];
	int count = 0;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned int la, lp, ra, rp, st;

		if (sscanf(line, " %*u: %x:%x %x:%x %x", &la, &lp, &ra, &rp, &st) != 5 ||
		    st != 0x06)
			continue;
		for (size_t i = 0; i < n; i++)
			if (ports[i] && (lp == ports[i] || rp == ports[i])) {
				count++;
				break;
			}
	}
	if (f)
		fclose(f);
	return count;
}

/* ---- the checker's side --------------------------------------------------- */

static struct lb_service svc;
static struct lb_backend bes[N_TARGETS];
static struct lb lb;
static struct edgelb_health *hc;
static struct loop *loop;
static uint64_t t0;
static pid_t server;
static char marker[64]; /* in the command line of the scripts' sleeps */

static struct {
	pid_t zombie;
	uint64_t zombie_since;
	uint64_t zombie_longest;
	int sleepers_max;
	int samples;
} watch;

static struct target *target_named(const char *name)
{
	for (size_t i = 0; i < N_TARGETS; i++)
		if (!strcmp(targets[i].name, name))
			return &targets[i];
	return NULL;
}

static void on_changed(void *arg, const char *service, const char *backend, bool up,
		       const char *reason)
{
	struct lb_backend *b = lb_find_backend(&lb, service, backend);
	struct target *t = target_named(backend);
	struct edgelb_health_status st;

	(void)arg;
	if (!b || !t) {
		check(false, "changed() for an unknown backend %s/%s", service, backend);
		return;
	}
	b->alive = up;
	if (up)
		return;
	if (!t->downs++) {
		t->down_after_ms = loop_now_ms() - t0;
		snprintf(t->down_reason, sizeof(t->down_reason), "%s", reason);
		if (!edgelb_health_find(hc, service, backend, &st))
			t->down_latency_us = st.latency_us;
	}
}

static const struct edgelb_health_ops ops = { .changed = on_changed };

static void sample(void *arg)
{
	int all, zombies;
	pid_t z = 0;
	uint64_t now = loop_now_ms();
	int sleepers = processes_with(marker);

	(void)arg;
	watch.samples++;
	children(server, &all, &zombies, &z);
	if (zombies && z == watch.zombie) {
		if (now - watch.zombie_since > watch.zombie_longest)
			watch.zombie_longest = now - watch.zombie_since;
	} else {
		watch.zombie = zombies ? z : 0;
		watch.zombie_since = now;
	}
	if (sleepers > watch.sleepers_max)
		watch.sleepers_max = sleepers;
}

static void stop(void *arg)
{
	(void)arg;
	loop_stop(loop);
}

static void write_script(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || chmod(path, 0755)) {
		perror(path);
		exit(1);
	}
}

int main(void)
{
	static struct edgelb_config_backend cbes[N_TARGETS];
	static char *argvs[N_TARGETS][2];
	static char paths[N_TARGETS][256];
	struct edgelb_config_service csvc;
	struct edgelb_config cfg;
	struct edgelb_health_totals tot;
	struct loop_timer *sampler, *stopper;
	uint16_t ports[SRV_MAX];
	char dir[] = "/tmp/test_health_hostile.XXXXXX", cmd[128], script[128];
	int pfd[2], fds_before, fds_after, all, zombies;
	pid_t z;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir) || pipe(pfd))
		return 1;
	write_script(dir, "ok.sh", "#!/bin/sh\necho fine\nexit 0\n");
	write_script(dir, "fail.sh", "#!/bin/sh\necho 'disk full' >&2\nexit 1\n");
	/* "sleep 31.<our pid>": the scripts' processes, told apart from any other */
	snprintf(marker, sizeof(marker), "sleep 31.%d", (int)getpid());
	snprintf(script, sizeof(script), "#!/bin/sh\n%s\n", marker);
	write_script(dir, "sleep.sh", script);
	snprintf(script, sizeof(script), "#!/bin/sh\n%s1 &\nexit 0\n", marker);
	write_script(dir, "bg.sh", script);
	write_script(dir, "noisy.sh", "#!/bin/sh\nhead -c 200000 /dev/zero\nexit 0\n");
	write_script(dir, "env.sh",
		     "#!/bin/sh\n"
		     "[ \"$EDGELB_SERVICE\" = hostile ] && [ \"$EDGELB_BACKEND\" = exec-env ] &&\n"
		     "[ \"$EDGELB_BACKEND_ADDRESS\" = 127.0.0.1 ] &&\n"
		     "[ \"$EDGELB_BACKEND_PORT\" = 4242 ] && [ -n \"$PATH\" ] || {\n"
		     "  echo \"bad environment: $EDGELB_SERVICE $EDGELB_BACKEND "
		     "$EDGELB_BACKEND_ADDRESS $EDGELB_BACKEND_PORT\"; exit 1; }\n");

	server = fork();
	if (server < 0)
		return 1;
	if (!server) {
		close(pfd[0]);
		srv_main(pfd[1]);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], ports, sizeof(ports)) != sizeof(ports)) {
		fprintf(stderr, "test_health_hostile: the servers did not start\n");
		return 1;
	}
	close(pfd[0]);

	/* the model and the config, as lb.c and config.c would make them */
	memset(&svc, 0, sizeof(svc));
	memset(&csvc, 0, sizeof(csvc));
	memset(&cfg, 0, sizeof(cfg));
	snprintf(svc.name, sizeof(svc.name), "hostile");
	svc.key.family = EDGELB_AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &svc.key.addr.v4);
	svc.key.port = htons(80);
	svc.key.proto = IPPROTO_TCP;
	svc.backends = bes;
	svc.n_backends = N_TARGETS;
	csvc.name = svc.name;
	csvc.backends = cbes;
	csvc.n_backends = N_TARGETS;
	cfg.services = &csvc;
	cfg.n_services = 1;
	lb.services = &svc;
	lb.n_services = 1;
	for (size_t i = 0; i < N_TARGETS; i++) {
		struct target *t = &targets[i];
		struct edgelb_config_health *h = &cbes[i].health;

		snprintf(bes[i].name, sizeof(bes[i].name), "%s", t->name);
		bes[i].family = EDGELB_AF_INET;
		inet_pton(AF_INET, "127.0.0.1", &bes[i].addr.v4);
		bes[i].port = t->server ? ports[t->server] : 4242;
		bes[i].weight = 100;
		bes[i].alive = true;
		bes[i].id = (uint32_t)i + 1;
		cbes[i].name = bes[i].name;
		h->type = t->type;
		h->interval_ms = INTERVAL_MS;
		h->timeout_ms = TIMEOUT_MS;
		h->jitter_permille = 100;
		h->rise = 1;
		h->fall = 1;
		h->http_body = (char *)t->body;
		if (t->script) {
			if (t->script[0] == '/')
				snprintf(paths[i], sizeof(paths[i]), "%s", t->script);
			else
				snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, t->script);
			argvs[i][0] = paths[i];
			h->exec_argv = argvs[i];
			h->exec_argc = 1;
		}
	}

	if (loop_new(&loop))
		return 1;
	fds_before = count_fds();
	if (edgelb_health_open(loop, &ops, NULL, &hc))
		return 1;
	/* as after an adoption: every backend up, the checks must take them down */
	edgelb_health_adopt(hc);
	if (edgelb_health_apply(hc, &lb, &cfg))
		return 1;
	t0 = loop_now_ms();
	if (loop_timer_new(loop, sample, NULL, &sampler) || loop_timer_arm(sampler, 20, 20) ||
	    loop_timer_new(loop, stop, NULL, &stopper) || loop_timer_arm(stopper, RUN_MS, 0))
		return 1;
	loop_run(loop);

	edgelb_health_totals(hc, &tot);
	for (size_t i = 0; i < N_TARGETS; i++) {
		struct target *t = &targets[i];
		struct edgelb_health_status st;

		if (edgelb_health_find(hc, "hostile", t->name, &st)) {
			check(false, "%s: no status", t->name);
			continue;
		}
		if (t->good) {
			check(st.up && !t->downs && st.transitions == 0 && bes[i].alive,
			      "%s stayed up (%llu checks passed, %llu failed, last: %s)", t->name,
			      (unsigned long long)st.passed, (unsigned long long)st.failed,
			      st.reason);
			check(st.passed >= RUN_MS / INTERVAL_MS - 2,
			      "%s was checked on schedule all along: %llu checks in %d ms at %d ms "
			      "intervals",
			      t->name, (unsigned long long)st.passed, RUN_MS, INTERVAL_MS);
			continue;
		}
		check(!st.up && !bes[i].alive && t->downs == 1 && st.passed == 0,
		      "%s is down (%d transition, %llu checks failed, %llu passed)", t->name,
		      t->downs, (unsigned long long)st.failed, (unsigned long long)st.passed);
		check(t->downs && t->down_after_ms <= INTERVAL_MS + TIMEOUT_MS + SLACK_MS &&
			      t->down_latency_us <= (TIMEOUT_MS + 30) * 1000u,
		      "%s went down %llu ms after the start, by a check that took %.1f ms (timeout "
		      "%d)",
		      t->name, (unsigned long long)t->down_after_ms,
		      (double)t->down_latency_us / 1000.0, TIMEOUT_MS);
		check(strstr(t->down_reason, t->reason) != NULL, "%s: reason \"%s\" has \"%s\"",
		      t->name, t->down_reason, t->reason);
		check(st.failed >= RUN_MS / INTERVAL_MS - 2,
		      "%s kept being checked: %llu checks failed", t->name,
		      (unsigned long long)st.failed);
	}
	check(tot.max_late_ms <= LATE_MAX_MS,
	      "no check started more than %d ms late (the latest: %u ms); the loop never blocked",
	      LATE_MAX_MS, tot.max_late_ms);
	check(watch.samples >= RUN_MS / 40, "%d samples of processes taken", watch.samples);
	check(watch.zombie_longest <= 2 * INTERVAL_MS,
	      "no zombie lived longer than %d ms (the longest: %llu ms)", 2 * INTERVAL_MS,
	      (unsigned long long)watch.zombie_longest);
	/*
	 * A new check starts 150 ms after the previous one was killed; on a
	 * loaded machine the killed process may still be on its way out then.
	 * Scripts that were not killed would pile up (one more every 400 ms).
	 */
	check(watch.sleepers_max <= 2,
	      "sleeping scripts never pile up (at most %d at a time): each was killed at its "
	      "timeout",
	      watch.sleepers_max);

	/* closed with an RST (SO_LINGER 0): 10 000 checks a second fill no table */
	check(time_wait(ports, SRV_MAX) == 0,
	      "no check connection in TIME_WAIT on either side (%d)", time_wait(ports, SRV_MAX));

	edgelb_health_close(hc);
	loop_timer_free(sampler);
	loop_timer_free(stopper);
	fds_after = count_fds();
	check(fds_before == fds_after, "open file descriptors before and after: %d, %d",
	      fds_before, fds_after);
	children(server, &all, &zombies, &z);
	check(all == 0, "no child process left (%d, %d zombies)", all, zombies);
	usleep(100000);
	check(processes_with(marker) == 0,
	      "no process left by the scripts (a sleep killed with its process group)");
	loop_free(loop);

	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		failures++;
	printf("%s: %d failure%s\n", failures ? "FAIL" : "PASS", failures,
	       failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
