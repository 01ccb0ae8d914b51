// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-load: the request pool (see load_conn.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "load_conn.h"

/*
 * epoll data of a slot: its generation above bit 32, its index below; bit
 * 63 stays clear, the caller's own sources set it.
 */
#define GEN_MASK 0x7fffffffu

static uint64_t slot_data(const struct load_pool *p, int32_t i)
{
	return ((uint64_t)(p->conn[i].gen & GEN_MASK) << 32) | (uint32_t)i;
}

bool load_pool_owns(uint64_t data)
{
	return !(data >> 63);
}

int load_pool_init(struct load_pool *p, uint32_t cap, int epfd, const struct sockaddr_storage *dst,
		   socklen_t dst_len, const char *req, int64_t timeout_us)
{
	memset(p, 0, sizeof(*p));
	p->conn = calloc(cap, sizeof(*p->conn));
	p->free_slots = calloc(cap, sizeof(*p->free_slots));
	p->rbuf = malloc(LOAD_REPLY_MAX + 1);
	if (!p->conn || !p->free_slots || !p->rbuf) {
		load_pool_free(p);
		return -ENOMEM;
	}
	p->cap = cap;
	for (uint32_t i = 0; i < cap; i++) {
		p->conn[i].fd = -1;
		/* handed out from the top: slot 0 first */
		p->free_slots[i] = (int32_t)(cap - 1 - i);
	}
	p->n_free = cap;
	p->head = p->tail = -1;
	p->epfd = epfd;
	p->dst = *dst;
	p->dst_len = dst_len;
	p->req = req;
	p->req_len = strlen(req);
	p->timeout_us = timeout_us;
	return 0;
}

void load_pool_free(struct load_pool *p)
{
	for (uint32_t i = 0; p->conn && i < p->cap; i++)
		if (p->conn[i].fd >= 0)
			close(p->conn[i].fd);
	free(p->conn);
	free(p->free_slots);
	free(p->rbuf);
	memset(p, 0, sizeof(*p));
}

static void warn_other(struct load_pool *p, int err, int64_t now_us)
{
	if (p->last_warn_us && now_us - p->last_warn_us < 1000000) {
		p->unwarned++;
		return;
	}
	fprintf(stderr, "edgelb-load: a request failed with %s (%s), counted as other",
		strerrorname_np(err) ? strerrorname_np(err) : "?", strerror(err));
	if (p->unwarned)
		fprintf(stderr, "; %llu more failures not shown in the last second",
			(unsigned long long)p->unwarned);
	fputc('\n', stderr);
	p->last_warn_us = now_us;
	p->unwarned = 0;
}

/* Close slot i's socket; reset it if the server has not closed first. */
static void finish(struct load_pool *p, struct load_stats *s, int32_t i, int64_t now_us,
		   enum load_reason r, const struct load_label *label, bool server_closed, int err)
{
	struct load_conn *c = &p->conn[i];

	if (!server_closed && c->connected) {
		/* RST instead of FIN: no TIME_WAIT left behind by the client */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(c->fd); /* also takes it out of epoll */
	c->fd = -1;
	c->gen++;
	if (c->prev >= 0)
		p->conn[c->prev].next = c->next;
	else
		p->head = c->next;
	if (c->next >= 0)
		p->conn[c->next].prev = c->prev;
	else
		p->tail = c->prev;
	p->free_slots[p->n_free++] = i;
	if (r == LOAD_OTHER)
		warn_other(p, err, now_us);
	load_stats_done(s, &c->ticket, now_us, r, label);
}

static void fail_errno(struct load_pool *p, struct load_stats *s, int32_t i, int64_t now_us,
		       int err)
{
	finish(p, s, i, now_us, load_reason_of_errno(err), NULL, false, err);
}

/* Write what is left of the GET; then wait for the reply. */
static void send_request(struct load_pool *p, struct load_stats *s, int32_t i, int64_t now_us)
{
	struct load_conn *c = &p->conn[i];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = slot_data(p, i) };

	while (c->sent < p->req_len) {
		ssize_t n = send(c->fd, p->req + c->sent, p->req_len - c->sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return; /* still EPOLLOUT: called again when writable */
		if (n < 0) {
			fail_errno(p, s, i, now_us, errno);
			return;
		}
		c->sent += (size_t)n;
	}
	if (epoll_ctl(p->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		fail_errno(p, s, i, now_us, errno);
}

bool load_pool_start(struct load_pool *p, struct load_stats *s, int64_t now_us)
{
	struct load_ticket t;
	struct load_conn *c;
	struct epoll_event ev;
	int32_t i;
	int fd;

	load_stats_start(s, now_us, &t);
	if (!p->n_free) {
		load_stats_done(s, &t, now_us, LOAD_OVERLOAD, NULL);
		return false;
	}
	fd = socket(p->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;
		enum load_reason r = load_reason_of_errno(err);

		if (r == LOAD_OTHER) /* EMFILE, ENOBUFS: worth a word */
			warn_other(p, err, now_us);
		load_stats_done(s, &t, now_us, r, NULL);
		return true;
	}
	i = p->free_slots[--p->n_free];
	c = &p->conn[i];
	c->fd = fd;
	c->ticket = t;
	c->deadline_us = now_us + p->timeout_us;
	c->connected = false;
	c->sent = 0;
	load_reply_init(&c->reply);
	/* in flight from here on, so finish() can always unlink it */
	c->prev = p->tail;
	c->next = -1;
	if (p->tail >= 0)
		p->conn[p->tail].next = i;
	else
		p->head = i;
	p->tail = i;

	if (connect(c->fd, (const struct sockaddr *)&p->dst, p->dst_len) == 0) {
		c->connected = true;
	} else if (errno != EINPROGRESS && errno != EINTR) {
		fail_errno(p, s, i, now_us, errno);
		return true;
	}
	ev.events = EPOLLOUT;
	ev.data.u64 = slot_data(p, i);
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		fail_errno(p, s, i, now_us, errno);
		return true;
	}
	if (c->connected)
		send_request(p, s, i, now_us);
	return true;
}

/* Read what has come; judge the reply at EOF or as soon as it is bad. */
static void read_reply(struct load_pool *p, struct load_stats *s, int32_t i, int64_t now_us)
{
	struct load_conn *c = &p->conn[i];
	struct load_label label;

	for (;;) {
		ssize_t n = recv(c->fd, p->rbuf, LOAD_REPLY_MAX + 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			fail_errno(p, s, i, now_us, errno);
			return;
		}
		if (n == 0) {
			enum load_reason r = load_reply_eof(&c->reply, &label);

			finish(p, s, i, now_us, r, r == LOAD_OK ? &label : NULL, true, 0);
			return;
		}
		if (!load_reply_feed(&c->reply, p->rbuf, (size_t)n)) {
			finish(p, s, i, now_us, LOAD_STATUS, NULL, false, 0);
			return;
		}
	}
}

void load_pool_event(struct load_pool *p, struct load_stats *s, uint64_t data, uint32_t events,
		     int64_t now_us)
{
	int32_t i = (int32_t)(data & 0xffffffffu);
	struct load_conn *c;
	int err = 0;
	socklen_t len = sizeof(err);

	if ((uint32_t)i >= p->cap)
		return;
	c = &p->conn[i];
	/* an event queued for a socket closed earlier in the same batch */
	if (c->fd < 0 || (c->gen & GEN_MASK) != (uint32_t)(data >> 32))
		return;
	if (!c->connected) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			fail_errno(p, s, i, now_us, err);
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLIN))) {
			/* hung up without an error: would wake us until the deadline */
			if (events & (EPOLLHUP | EPOLLERR))
				fail_errno(p, s, i, now_us, ECONNRESET);
			return;
		}
		c->connected = true;
	}
	if (c->sent < p->req_len) {
		send_request(p, s, i, now_us);
		return;
	}
	/* EPOLLERR/HUP included: recv() reports the error, or EOF */
	read_reply(p, s, i, now_us);
}

void load_pool_expire(struct load_pool *p, struct load_stats *s, int64_t now_us)
{
	while (p->head >= 0 && p->conn[p->head].deadline_us <= now_us)
		finish(p, s, p->head, now_us, LOAD_TIMEOUT, NULL, false, 0);
}

void load_pool_abort(struct load_pool *p, struct load_stats *s, int64_t now_us)
{
	while (p->head >= 0)
		finish(p, s, p->head, now_us, LOAD_TIMEOUT, NULL, false, 0);
}

int64_t load_pool_next_deadline(const struct load_pool *p)
{
	return p->head >= 0 ? p->conn[p->head].deadline_us : -1;
}
