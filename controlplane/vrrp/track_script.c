// SPDX-License-Identifier: GPL-2.0-only
/* VRRP track scripts on edgelbd's loop: see track_script.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "child.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "track_script.h"

extern char **environ;

struct vrrp_track_script {
	struct loop *loop;
	char tag[128];
	char **argv;
	uint32_t interval_ms, timeout_ms;
	vrrp_track_script_cb changed;
	void *arg;
	struct loop_timer *every;   /* next run */
	struct loop_timer *timeout; /* kill the running one */
	pid_t pid;		    /* 0: none running */
	int pidfd;
	bool ok;
	bool timed_out;
	const char *last; /* why it last failed, for the log */
};

static void set_ok(struct vrrp_track_script *s, bool ok, const char *why)
{
	if (ok == s->ok)
		return;
	s->ok = ok;
	if (ok)
		pr_info(s->tag, "succeeds again");
	else
		pr_warn(s->tag, "fails: %s", why);
	s->changed(s->arg);
}

static void reaped(struct vrrp_track_script *s)
{
	loop_del_fd(s->loop, s->pidfd);
	close(s->pidfd);
	s->pidfd = -1;
	s->pid = 0;
	loop_timer_disarm(s->timeout);
}

static void exited(void *arg, int fd, uint32_t events)
{
	struct vrrp_track_script *s = arg;
	siginfo_t si;
	char why[64];

	(void)events;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) || !si.si_pid)
		return; /* not yet */
	reaped(s);
	if (s->timed_out)
		snprintf(why, sizeof(why), "timed out after %u ms", s->timeout_ms);
	else if (si.si_code == CLD_EXITED)
		snprintf(why, sizeof(why), "exit status %d", si.si_status);
	else
		snprintf(why, sizeof(why), "killed by signal %d", si.si_status);
	set_ok(s, !s->timed_out && si.si_code == CLD_EXITED && si.si_status == 0, why);
}

static void timed_out(void *arg)
{
	struct vrrp_track_script *s = arg;

	if (!s->pid)
		return;
	s->timed_out = true;
	kill(-s->pid, SIGKILL); /* its own process group: whatever it started too */
}

static void run(void *arg)
{
	struct vrrp_track_script *s = arg;
	pid_t pid;
	int pidfd, err;

	if (s->pid)
		return; /* still running: its timeout is shorter than the interval */
	err = edgelb_spawn(s->argv[0], s->argv, environ, -1, true, &pid, &pidfd);
	if (err) {
		set_ok(s, false, strerror(-err));
		return;
	}
	if (loop_add_fd(s->loop, pidfd, EPOLLIN, exited, s)) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0); /* just killed: does not block for long */
		close(pidfd);
		set_ok(s, false, "cannot watch it");
		return;
	}
	s->pid = pid;
	s->pidfd = pidfd;
	s->timed_out = false;
	loop_timer_arm(s->timeout, s->timeout_ms, 0);
}

int vrrp_track_script_new(struct loop *loop, const struct edgelb_config_track_script *c,
			  const char *tag, vrrp_track_script_cb changed, void *arg,
			  struct vrrp_track_script **out)
{
	struct vrrp_track_script *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->pidfd = -1;
	s->changed = changed;
	s->arg = arg;
	s->interval_ms = c->interval_ms ? c->interval_ms : 2000;
	s->timeout_ms = c->timeout_ms ? c->timeout_ms : 1000;
	snprintf(s->tag, sizeof(s->tag), "%s track script %s", tag, c->name);
	s->argv = calloc(c->argc + 1, sizeof(*s->argv));
	err = s->argv ? 0 : -ENOMEM;
	for (size_t i = 0; !err && i < c->argc; i++)
		if (!(s->argv[i] = strdup(c->argv[i])))
			err = -ENOMEM;
	if (!err && !c->argc)
		err = -EINVAL;
	if (!err)
		err = loop_timer_new(loop, run, s, &s->every);
	if (!err)
		err = loop_timer_new(loop, timed_out, s, &s->timeout);
	if (!err)
		err = loop_timer_arm(s->every, 1, s->interval_ms);
	if (err) {
		vrrp_track_script_free(s);
		return err;
	}
	*out = s;
	return 0;
}

bool vrrp_track_script_ok(const struct vrrp_track_script *s)
{
	return s->ok;
}

void vrrp_track_script_free(struct vrrp_track_script *s)
{
	if (!s)
		return;
	if (s->pid) {
		kill(-s->pid, SIGKILL);
		reaped(s); /* the zombie goes to init when edgelbd exits */
	}
	loop_timer_free(s->every);
	loop_timer_free(s->timeout);
	for (size_t i = 0; s->argv && s->argv[i]; i++)
		free(s->argv[i]);
	free(s->argv);
	free(s);
}
