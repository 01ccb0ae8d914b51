// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP sockets kept from one check to the next (probe.h, struct
 * hc_sockpool). A check used to cost a socket(), two setsockopt()s, an
 * epoll_ctl(ADD) and a close() around its connect(): the kernel allocated
 * and freed a socket, a file and an epoll item every time, which was half
 * of edgelbd's CPU at 10 000 checks a second (perf, issue 17).
 *
 * An ended check's socket is dissolved instead of closed: connect() with
 * AF_UNSPEC (tcp_disconnect) resets a connection that got anywhere (RST,
 * so neither side keeps TIME_WAIT, as SO_LINGER 0 did), purges its queues
 * and returns the socket to CLOSE, unbound. The next check of the same
 * family takes it, sets quick ACKs off again (the disconnect forgets
 * them) and connects: two syscalls where there were six, and no
 * allocation. A socket stays in the epoll set for its life, edge-
 * triggered for every event, its data the pool's tag (HC_TAG_SOCK | its
 * index); health.c turns that into the owning attempt's tag. An idle
 * socket's events (the hang-up of its reset) have no owner and are
 * dropped. Epoll reports a socket's state when it delivers, not when it
 * queued the event, so a new owner never sees what the previous check
 * left: the disconnect purged it and connect() clears the pending error.
 * The exception is a batch already fetched: an event in it for a socket
 * that changed hands while the batch is handled is dropped (hc_sock_round).
 *
 * At most HC_SOCK_IDLE_MAX idle sockets per family are kept (a few
 * kilobytes of kernel memory each); beyond that they are closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "probe.h"

#define HC_SOCK_IDLE_MAX 1024u

static unsigned int fam_index(int family)
{
	return family == AF_INET6;
}

static int entry_new(struct hc_sockpool *p, uint32_t *out)
{
	if (p->n_free) {
		*out = p->free[--p->n_free];
		return 0;
	}
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? 2 * p->cap : 64;
		struct hc_psock *e = realloc(p->e, cap * sizeof(*e));
		uint32_t *f;

		if (!e)
			return -ENOMEM;
		p->e = e;
		f = realloc(p->free, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		p->free = f;
		p->cap = cap;
	}
	*out = p->n++;
	return 0;
}

static void entry_close(struct hc_sockpool *p, uint32_t i)
{
	close(p->e[i].fd); /* leaves the epoll set with its last reference */
	p->e[i].fd = -1;
	p->e[i].owner = 0;
	p->free[p->n_free++] = i;
}

/* A new socket for the pool, in the epoll set; -errno with why filled. */
static int sock_create(struct hc_io *io, int family, uint32_t *out, char *why, size_t len)
{
	struct hc_sockpool *p = &io->pool;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct epoll_event ev = { .events = HC_SOCK_EVENTS };
	uint32_t i = 0;
	int fd, err;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "socket: %s", hc_errno_reason(errno));
		return err;
	}
	/* a close() of a socket still connected (edgelbd stopping) resets too */
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg))) {
		err = -errno;
		snprintf(why, len, "SO_LINGER: %s", strerror(errno));
		close(fd);
		return err;
	}
	err = entry_new(p, &i);
	if (err) {
		hc_why(why, len, "out of memory");
		close(fd);
		return err;
	}
	ev.data.u64 = HC_TAG_SOCK | i;
	if (epoll_ctl(io->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		snprintf(why, len, "epoll: %s", strerror(errno));
		close(fd);
		p->e[i] = (struct hc_psock){ .fd = -1 };
		p->free[p->n_free++] = i;
		return err;
	}
	p->e[i] = (struct hc_psock){ .fd = fd, .family = family };
	p->created++;
	*out = i;
	return 0;
}

int hc_sock_take(struct hc_io *io, int family, uint32_t mark, uint64_t owner, uint32_t *out,
		 char *why, size_t len)
{
	struct hc_sockpool *p = &io->pool;
	unsigned int f = fam_index(family);
	uint32_t i = 0;
	int err;

	if (p->n_idle[f]) {
		i = p->idle[f][--p->n_idle[f]];
		p->reused++;
	} else {
		err = sock_create(io, family, &i, why, len);
		if (err)
			return err;
	}
	if (p->e[i].mark != mark) {
		if (setsockopt(p->e[i].fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
			err = -errno;
			snprintf(why, len, "SO_MARK 0x%x (through the tunnel): %s", mark,
				 strerror(errno));
			entry_close(p, i);
			return err;
		}
		p->e[i].mark = mark;
	}
	p->e[i].owner = owner;
	p->e[i].taken = p->round;
	*out = i;
	return 0;
}

void hc_sock_put(struct hc_io *io, uint32_t i)
{
	struct hc_sockpool *p = &io->pool;
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	unsigned int f = fam_index(p->e[i].family);

	p->e[i].owner = 0;
	/* reset and unbind; a socket that cannot be dissolved is closed (with its RST) */
	if (connect(p->e[i].fd, &unspec, sizeof(unspec)) || p->n_idle[f] >= HC_SOCK_IDLE_MAX) {
		entry_close(p, i);
		return;
	}
	if (p->n_idle[f] == p->cap_idle[f]) {
		uint32_t cap = p->cap_idle[f] ? 2 * p->cap_idle[f] : 64;
		uint32_t *s = realloc(p->idle[f], cap * sizeof(*s));

		if (!s) {
			entry_close(p, i);
			return;
		}
		p->idle[f] = s;
		p->cap_idle[f] = cap;
	}
	p->idle[f][p->n_idle[f]++] = i;
}

void hc_sock_drop(struct hc_io *io, uint32_t i)
{
	entry_close(&io->pool, i);
}

void hc_sock_round(struct hc_io *io)
{
	io->pool.round++;
}

uint64_t hc_sock_owner(const struct hc_io *io, uint64_t tag)
{
	const struct hc_sockpool *p = &io->pool;
	uint64_t i = tag & ~HC_TAG_SOCK;

	if (i >= p->n || p->e[i].fd < 0)
		return 0;
	/*
	 * Taken while this batch is handled: the batch's event for it was
	 * fetched before, about the previous owner's connection (a check that
	 * timed out earlier in the batch, its socket taken by the next check).
	 * The new owner's own events wake the epoll set again.
	 */
	if (p->e[i].taken == p->round)
		return 0;
	return p->e[i].owner;
}

void hc_sockpool_close(struct hc_io *io)
{
	struct hc_sockpool *p = &io->pool;

	for (uint32_t i = 0; i < p->n; i++)
		if (p->e[i].fd >= 0)
			close(p->e[i].fd);
	free(p->e);
	free(p->free);
	free(p->idle[0]);
	free(p->idle[1]);
	memset(p, 0, sizeof(*p));
}
