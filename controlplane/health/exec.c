// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exec check: a program exits with status 0. edgelb.conf(5) promises:
 * argv from health.exec.command (absolute path, no shell, no PATH search),
 * an environment with EDGELB_SERVICE, EDGELB_BACKEND,
 * EDGELB_BACKEND_ADDRESS and EDGELB_BACKEND_PORT (and a standard PATH for
 * the programs a script runs), and a kill at the timeout.
 *
 * Without blocking edgelbd:
 *  - posix_spawn (glibc: clone(CLONE_VFORK), returns once the child has
 *    exec'ed, and reports a program that cannot run, e.g. missing, as an
 *    error) into a process group of its own, with the signal mask and the
 *    dispositions edgelbd changed (blocked HUP/TERM/INT, ignored PIPE)
 *    back to the defaults, stdin from /dev/null, stdout and stderr into a
 *    pipe (the start of the output goes into the reason of a failure),
 *    and no other file descriptor;
 *  - a pidfd (pidfd_open) watched in the loop says when it exited, and
 *    waitid(P_PIDFD, WNOHANG) reaps exactly that child;
 *  - at the timeout, or when the check is removed, SIGKILL goes to the
 *    whole process group (a script's children too); the child is reaped
 *    when its pidfd says so (the reaper below), never waited for, except
 *    when edgelbd stops.
 * When the program exits, its process group gets a SIGKILL as well before
 * the reaping (the pgid is still reserved by the unreaped leader), so a
 * check leaves no process behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "probe.h"
#include "child.h"

#ifndef P_PIDFD
#define P_PIDFD 3 /* linux/wait.h; glibc 2.36 does not define it */
#endif

/* Signals edgelbd blocks or ignores, back to default in the program. */
static void hc_exec_keep_output(struct hc_attempt *a, const char *buf, size_t n)
{
	size_t room = sizeof(a->out) - 1 - a->out_len;

	if (n > room)
		n = room;
	memcpy(a->out + a->out_len, buf, n);
	a->out_len += n;
	a->out[a->out_len] = '\0';
}

/* Read what the pipe holds now; close it at its end. */
static void hc_exec_read_output(struct hc_attempt *a, struct hc_io *io)
{
	while (a->fd[1] >= 0) {
		ssize_t n = read(a->fd[1], io->buf, io->buf_len);

		if (n > 0) {
			hc_exec_keep_output(a, io->buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		hc_io_close(io, a, 1); /* end of output, or an error */
	}
}

/* "exit 1: first line of the output" */
static void hc_exec_reason(const struct hc_attempt *a, const char *what, char *why, size_t len)
{
	char line[HC_EXEC_OUT_MAX];
	size_t n = 0;

	for (size_t i = 0; i < a->out_len && a->out[i] != '\n' && n + 1 < sizeof(line); i++)
		line[n++] = (a->out[i] >= 0x20 && a->out[i] < 0x7f) || a->out[i] == '\t'
				    ? a->out[i]
				    : '?';
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\r' || line[n - 1] == '\t'))
		n--;
	line[n] = '\0';
	snprintf(why, len, "%s%s%s", what, n ? ": " : "", line);
}

static enum hc_verdict hc_exec_start(struct hc_attempt *a, const struct hc_spec *s,
				     struct hc_io *io, char *why, size_t len)
{
	int pipefd[2], pidfd, err;
	pid_t pid;

	a->pid = 0;
	a->out_len = 0;
	a->out[0] = '\0';
	if (!s->argv || !s->argv[0]) {
		snprintf(why, len, "no command");
		return HC_FAIL;
	}
	/* only our end non-blocking: the program writes to a normal pipe */
	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(why, len, "pipe: %s", hc_errno_reason(errno));
		return HC_FAIL;
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	/* its own process group: a timeout kills what it started too */
	err = edgelb_spawn(s->argv[0], s->argv, s->envp, pipefd[1], true, &pid, &pidfd);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		snprintf(why, len, "cannot run %s: %s", s->argv[0], strerror(-err));
		return HC_FAIL;
	}
	a->pid = pid;
	if (hc_io_watch(io, a, 0, pidfd, EPOLLIN)) {
		err = errno;
		close(pidfd);
		close(pipefd[0]);
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		a->pid = 0;
		snprintf(why, len, "epoll: %s", strerror(err));
		return HC_FAIL;
	}
	/* without its output the check still works */
	if (hc_io_watch(io, a, 1, pipefd[0], EPOLLIN))
		close(pipefd[0]);
	return HC_PENDING;
}

static enum hc_verdict hc_exec_event(struct hc_attempt *a, const struct hc_spec *s,
				     struct hc_io *io, unsigned int which, uint32_t events,
				     char *why, size_t len)
{
	siginfo_t si;
	char what[64];

	(void)s;
	(void)events;
	if (which == 1) {
		hc_exec_read_output(a, io);
		return HC_PENDING;
	}
	/* the program exited: its pidfd is readable */
	hc_exec_read_output(a, io);
	memset(&si, 0, sizeof(si));
	kill(-a->pid, SIGKILL); /* what it left behind in its group */
	if (waitid((idtype_t)P_PIDFD, (id_t)a->fd[0], &si, WEXITED | WNOHANG)) {
		if (errno == EINTR)
			return HC_PENDING;
		a->pid = 0;
		snprintf(why, len, "exit status lost: %s", strerror(errno));
		return HC_FAIL;
	}
	if (!si.si_pid)
		return HC_PENDING; /* not yet */
	a->pid = 0;
	if (si.si_code == CLD_EXITED && si.si_status == 0) {
		hc_exec_reason(a, "exit 0", why, len);
		return HC_PASS;
	}
	if (si.si_code == CLD_EXITED)
		snprintf(what, sizeof(what), "exit %d", si.si_status);
	else
		snprintf(what, sizeof(what), "killed by signal %d (%s)", si.si_status,
			 strsignal(si.si_status));
	hc_exec_reason(a, what, why, len);
	return HC_FAIL;
}

static const char *hc_exec_stage(const struct hc_attempt *a)
{
	(void)a;
	return "the program still runs: killed";
}

/* ---- the reaper --------------------------------------------------------- */

static bool hc_reap_now(int pidfd)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG))
		return errno != EINTR; /* ECHILD: nothing left to reap */
	return si.si_pid != 0;
}

static int hc_reaper_add(struct hc_io *io, pid_t pid, int pidfd)
{
	struct hc_reaper *r = &io->reaper;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = HC_TAG_REAP | (uint32_t)pidfd };

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct hc_reap_item *grown = realloc(r->items, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		r->items = grown;
		r->cap = cap;
	}
	if (epoll_ctl(io->epfd, EPOLL_CTL_MOD, pidfd, &ev) &&
	    epoll_ctl(io->epfd, EPOLL_CTL_ADD, pidfd, &ev))
		return -errno;
	r->items[r->n++] = (struct hc_reap_item){ .pid = pid, .pidfd = pidfd };
	return 0;
}

void hc_reaper_event(struct hc_io *io, int pidfd)
{
	struct hc_reaper *r = &io->reaper;

	for (size_t i = 0; i < r->n; i++) {
		if (r->items[i].pidfd != pidfd)
			continue;
		if (!hc_reap_now(pidfd))
			return;
		epoll_ctl(io->epfd, EPOLL_CTL_DEL, pidfd, NULL);
		close(pidfd);
		r->items[i] = r->items[--r->n];
		return;
	}
}

void hc_reaper_close(struct hc_io *io)
{
	struct hc_reaper *r = &io->reaper;

	for (size_t i = 0; i < r->n; i++) {
		siginfo_t si;

		kill(-r->items[i].pid, SIGKILL);
		while (waitid((idtype_t)P_PIDFD, (id_t)r->items[i].pidfd, &si, WEXITED) &&
		       errno == EINTR)
			;
		epoll_ctl(io->epfd, EPOLL_CTL_DEL, r->items[i].pidfd, NULL);
		close(r->items[i].pidfd);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static void hc_exec_stop(struct hc_attempt *a, struct hc_io *io)
{
	int pidfd = a->fd[0];

	hc_io_close(io, a, 1);
	if (!a->pid) {
		hc_io_close(io, a, 0);
		return;
	}
	kill(-a->pid, SIGKILL);
	a->fd[0] = -1;
	if (hc_reap_now(pidfd) || hc_reaper_add(io, a->pid, pidfd)) {
		/* reaped, or no room to remember it: SIGKILLed, so the wait is short */
		if (!hc_reap_now(pidfd))
			while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED) &&
			       errno == EINTR)
				;
		epoll_ctl(io->epfd, EPOLL_CTL_DEL, pidfd, NULL);
		close(pidfd);
	}
	a->pid = 0;
}

const struct hc_probe hc_probe_exec = {
	.start = hc_exec_start,
	.event = hc_exec_event,
	.stage = hc_exec_stage,
	.stop = hc_exec_stop,
};
