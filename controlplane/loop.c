// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event loop: see loop.h. Watches live in a small array searched by fd;
 * edgelbd watches tens of fds, not thousands (health checks bring their
 * own batching when they come).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "loop.h"

struct loop_watch {
	int fd;
	loop_fd_cb cb;
	void *arg;
	struct loop_watch *next_dead;
};

struct loop {
	int epfd;
	int stop;
	struct loop_watch **watches; /* stable pointers: epoll data points at them */
	size_t n, cap;
	/* deleted while events for them may still be in the current batch */
	struct loop_watch *dead;
};

struct loop_timer {
	struct loop *loop;
	int fd;
	loop_timer_cb cb;
	void *arg;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = -errno;

		free(l);
		return err;
	}
	*out = l;
	return 0;
}

static void bury(struct loop *l)
{
	while (l->dead) {
		struct loop_watch *w = l->dead;

		l->dead = w->next_dead;
		free(w);
	}
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	bury(l);
	for (size_t i = 0; i < l->n; i++)
		free(l->watches[i]);
	free(l->watches);
	close(l->epfd);
	free(l);
}

static struct loop_watch *find(struct loop *l, int fd, size_t *idx)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->watches[i]->fd == fd) {
			if (idx)
				*idx = i;
			return l->watches[i];
		}
	return NULL;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct loop_watch *w;

	if (find(l, fd, NULL))
		return -EEXIST;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct loop_watch **grown = realloc(l->watches, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->watches = grown;
		l->cap = cap;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct loop_watch){ .fd = fd, .cb = cb, .arg = arg };
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		free(w);
		return err;
	}
	l->watches[l->n++] = w;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct loop_watch *w = find(l, fd, NULL);
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOENT;
	ev.data.ptr = w;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

int loop_del_fd(struct loop *l, int fd)
{
	size_t i;
	struct loop_watch *w = find(l, fd, &i);

	if (!w)
		return -ENOENT;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	/* an event for w may still sit in this round's batch: free it later */
	w->cb = NULL;
	w->fd = -1;
	l->watches[i] = l->watches[--l->n];
	w->next_dead = l->dead;
	l->dead = w;
	return 0;
}

static void timer_fired(void *arg, int fd, uint32_t events)
{
	struct loop_timer *t = arg;
	uint64_t expirations;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) == sizeof(expirations))
		t->cb(t->arg);
}

int loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg, struct loop_timer **out)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->loop = l;
	t->cb = cb;
	t->arg = arg;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0) {
		err = -errno;
		free(t);
		return err;
	}
	err = loop_add_fd(l, t->fd, EPOLLIN, timer_fired, t);
	if (err) {
		close(t->fd);
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

static struct timespec ms_to_ts(uint64_t ms)
{
	return (struct timespec){ .tv_sec = (time_t)(ms / 1000),
				  .tv_nsec = (long)(ms % 1000) * 1000000 };
}

int loop_timer_arm(struct loop_timer *t, uint64_t delay_ms, uint64_t interval_ms)
{
	struct itimerspec its = { .it_value = ms_to_ts(delay_ms ? delay_ms : 1),
				  .it_interval = ms_to_ts(interval_ms) };

	return timerfd_settime(t->fd, 0, &its, NULL) ? -errno : 0;
}

int loop_timer_disarm(struct loop_timer *t)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	return timerfd_settime(t->fd, 0, &its, NULL) ? -errno : 0;
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	loop_del_fd(t->loop, t->fd);
	close(t->fd);
	free(t);
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[64];

	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 64, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			struct loop_watch *w = evs[i].data.ptr;

			if (w->cb)
				w->cb(w->arg, w->fd, evs[i].events);
		}
		bury(l);
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}
