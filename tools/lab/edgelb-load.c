// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-load: a bounded HTTP load client for the lab's demo and tests.
 * It starts --rate requests a second toward a VIP, each on a new TCP
 * connection, counts every failed one by reason, and measures outages by
 * its own clock, period by period: a test marks the instant of a fault
 * injection through the control FIFO ("mark NAME"), and the report of that
 * period says how long the fault was seen from the client (load_stats.h).
 *
 * One process, one epoll loop: a timerfd for pacing, deadlines and the
 * end of the run; a signalfd for SIGTERM/SIGINT; the control FIFO; the
 * request pool (load_conn.c). Nothing blocks and nothing is started per
 * request, so what it measures is the network's, not its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "load_conn.h"
#include "load_opts.h"
#include "load_reply.h"
#include "load_stats.h"

/* epoll data of the loop's own sources: bit 63 set (see load_pool_owns) */
#define EV_TIMER ((1ull << 63) | 1)
#define EV_SIGNAL ((1ull << 63) | 2)
#define EV_CONTROL ((1ull << 63) | 3)

#define CONTROL_LINE_MAX 256

struct run {
	struct load_opts o;
	int epfd, tfd, sfd, cfd;
	struct load_stats *stats;
	struct load_pool pool;
	int64_t pace_t0_us, end_us;
	uint64_t started;
	bool stopping;
	char ctl[CONTROL_LINE_MAX];
	size_t ctl_len;
	bool ctl_skip; /* in a line too long: drop it up to its newline */
	char line[LOAD_REPORT_MAX];
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Enough descriptors for every slot, or a message saying what to lower. */
static int raise_nofile(unsigned long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			fprintf(stderr,
				"edgelb-load: --max-inflight needs %lu open files, the hard limit is %llu: lower --max-inflight\n",
				need, (unsigned long long)rl.rlim_max);
			return -1;
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			perror("edgelb-load: setrlimit(RLIMIT_NOFILE)");
			return -1;
		}
	}
	return 0;
}

static int watch(int epfd, int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int open_control(struct run *r)
{
	struct stat st;

	/* O_RDWR: the FIFO never reports EOF when a writer leaves, and opening
	 * it does not wait for one */
	r->cfd = open(r->o.control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (r->cfd < 0) {
		fprintf(stderr, "edgelb-load: --control %s: %s (create it first: mkfifo %s)\n",
			r->o.control, strerror(errno), r->o.control);
		return -1;
	}
	if (fstat(r->cfd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "edgelb-load: --control %s is not a FIFO (create it with mkfifo)\n",
			r->o.control);
		return -1;
	}
	return watch(r->epfd, r->cfd, EV_CONTROL);
}

static int setup(struct run *r, int64_t start_us)
{
	static char req[1100];
	unsigned long history;
	sigset_t sigs;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	/* signals arrive as reads on sfd: no handler can cut into a syscall */
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
		goto err;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->epfd < 0 || r->sfd < 0 || r->tfd < 0 || watch(r->epfd, r->sfd, EV_SIGNAL) < 0 ||
	    watch(r->epfd, r->tfd, EV_TIMER) < 0)
		goto err;
	if (r->o.control && open_control(r) < 0)
		return -1;
	if (raise_nofile(r->o.max_inflight + 32) < 0)
		return -1;
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: edgelb\r\n\r\n", r->o.path);
	if (load_pool_init(&r->pool, (uint32_t)r->o.max_inflight, r->epfd, &r->o.dst, r->o.dst_len,
			   req, (int64_t)r->o.timeout_ms * 1000) < 0)
		goto err;
	/* replies of the last --timeout: see "history" in load_stats.h; at
	 * most 16 MB (above 10 000 replies a second for 100 s) */
	history = r->o.rate * r->o.timeout_ms / 1000 + r->o.max_inflight + 64;
	r->stats = load_stats_new(start_us, history < (1ul << 20) ? history : 1ul << 20);
	if (!r->stats)
		goto err;
	return 0;
err:
	perror("edgelb-load: setup");
	return -1;
}

static void print_line(const char *line)
{
	fputs(line, stdout);
	fflush(stdout);
}

static void print_due_reports(struct run *r)
{
	int n;

	while ((n = load_stats_next_report(r->stats, r->line, sizeof(r->line))) > 0)
		print_line(r->line);
	if (n < 0) /* cannot happen with LOAD_REPORT_MAX; say so rather than hang */
		fprintf(stderr, "edgelb-load: a report did not fit in %zu bytes\n", sizeof(r->line));
}

static void stop(struct run *r, const char *why)
{
	if (r->stopping)
		return;
	r->stopping = true;
	load_stats_end(r->stats, now_us());
	fprintf(stderr, "edgelb-load: stopping (%s), waiting for %u requests in flight\n", why,
		load_pool_busy(&r->pool));
}

static void control_line(struct run *r, char *line, int64_t at_us)
{
	if (strncmp(line, "mark ", 5) == 0) {
		int err = load_stats_mark(r->stats, line + 5, at_us);

		if (err == -EINVAL)
			fprintf(stderr, "edgelb-load: control: ignored 'mark %s': a name is [A-Za-z0-9._-]+, under 64 bytes\n",
				line + 5);
		else if (err == -ENOSPC)
			fprintf(stderr, "edgelb-load: control: ignored 'mark %s': %d periods await their report\n",
				line + 5, LOAD_MAX_PERIODS);
		else if (err == -ESHUTDOWN)
			fprintf(stderr, "edgelb-load: control: ignored 'mark %s': stopping\n", line + 5);
	} else if (strcmp(line, "stop") == 0) {
		stop(r, "stop on the control FIFO");
	} else if (line[0]) {
		fprintf(stderr, "edgelb-load: control: ignored '%s' (commands: mark NAME, stop)\n",
			line);
	}
}

static void read_control(struct run *r)
{
	char buf[1024];

	for (;;) {
		ssize_t n = read(r->cfd, buf, sizeof(buf));
		/* a mark's instant: when the client reads it, by its own clock */
		int64_t at = now_us();

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* EAGAIN: all read (O_RDWR: never EOF) */
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c == '\n') {
				r->ctl[r->ctl_len] = '\0';
				if (r->ctl_len && r->ctl[r->ctl_len - 1] == '\r')
					r->ctl[r->ctl_len - 1] = '\0';
				if (!r->ctl_skip)
					control_line(r, r->ctl, at);
				r->ctl_len = 0;
				r->ctl_skip = false;
			} else if (r->ctl_len < sizeof(r->ctl) - 1) {
				r->ctl[r->ctl_len++] = c;
			} else if (!r->ctl_skip) {
				fprintf(stderr, "edgelb-load: control: ignored a line over %zu bytes\n",
					sizeof(r->ctl) - 1);
				r->ctl_skip = true;
			}
		}
	}
}

static void read_signal(struct run *r)
{
	struct signalfd_siginfo si;

	while (read(r->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		stop(r, si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Start every request due by now: catching up if the loop was late. */
static void pace(struct run *r, int64_t now)
{
	while (!r->stopping) {
		int64_t due = r->pace_t0_us + (int64_t)(r->started * 1000000 / r->o.rate);

		if (due > now)
			return;
		r->started++;
		load_pool_start(&r->pool, r->stats, now);
	}
}

/*
 * The timer fires at the next start, deadline or end of the run, whichever
 * comes first; once stopping, only at deadlines (the end is past: arming
 * it would fire at once, again and again).
 */
static void arm_timer(struct run *r)
{
	int64_t t = INT64_MAX, d = load_pool_next_deadline(&r->pool);
	struct itimerspec its = { 0 };

	if (!r->stopping) {
		int64_t next = r->pace_t0_us + (int64_t)(r->started * 1000000 / r->o.rate);

		t = next < r->end_us ? next : r->end_us;
	}
	if (d >= 0 && d < t)
		t = d;
	if (t != INT64_MAX) {
		if (t < 1)
			t = 1; /* 0 would disarm it */
		its.it_value.tv_sec = t / 1000000;
		its.it_value.tv_nsec = (t % 1000000) * 1000;
	}
	timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void loop(struct run *r)
{
	struct epoll_event ev[64];

	while (!r->stopping || load_pool_busy(&r->pool)) {
		int64_t now;
		uint64_t ticks;
		int n;

		arm_timer(r);
		n = epoll_wait(r->epfd, ev, 64, -1);
		if (n < 0 && errno != EINTR) {
			perror("edgelb-load: epoll_wait");
			stop(r, "epoll_wait failed");
			/* nothing can end the requests in flight now but this */
			load_pool_abort(&r->pool, r->stats, now_us());
			break;
		}
		for (int i = 0; i < n; i++) {
			uint64_t data = ev[i].data.u64;

			now = now_us();
			if (load_pool_owns(data))
				load_pool_event(&r->pool, r->stats, data, ev[i].events, now);
			else if (data == EV_CONTROL)
				read_control(r);
			else if (data == EV_SIGNAL)
				read_signal(r);
			else if (data == EV_TIMER)
				while (read(r->tfd, &ticks, sizeof(ticks)) < 0 && errno == EINTR)
					;
		}
		/* starts and deadlines after the batch: a slot freed above may be
		 * reused only once no event of this batch can still name it */
		now = now_us();
		if (!r->stopping && now >= r->end_us)
			stop(r, "--duration reached");
		load_pool_expire(&r->pool, r->stats, now);
		pace(r, now);
		print_due_reports(r);
	}
}

int main(int argc, char **argv)
{
	int64_t start_us = now_us();
	struct run r = { .epfd = -1, .tfd = -1, .sfd = -1, .cfd = -1 };
	int n;

	if (load_opts_parse(argc, argv, &r.o) < 0)
		return 1;
	if (setup(&r, start_us) < 0)
		return 1;

	print_line("ready\n");
	r.pace_t0_us = now_us();
	r.end_us = r.pace_t0_us + (int64_t)r.o.duration_s * 1000000;
	pace(&r, r.pace_t0_us);
	print_due_reports(&r);
	loop(&r);

	load_stats_end(r.stats, now_us());
	print_due_reports(&r);
	n = load_stats_total(r.stats, r.line, sizeof(r.line));
	if (n > 0)
		print_line(r.line);
	load_pool_free(&r.pool);
	load_stats_free(r.stats);
	return 0;
}
