// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP check: the server's listener answers. Non-blocking connect, the
 * verdict when the socket becomes writable (or fails), then an abortive
 * end: the socket is reset (an RST instead of a FIN, so neither side
 * keeps the connection in TIME_WAIT: 10 000 checks a second would fill
 * the kernel's table) and kept for the next check (sockpool.c).
 *
 * Quick ACKs are off before connect (TCP_QUICKACK 0), as HAProxy does:
 * the last ACK of the handshake is delayed, so the RST reaches the server
 * while the connection is still in its SYN queue. The server's kernel
 * drops it there and the server process never accepts it: the listener
 * answered (SYN-ACK), which is what a TCP check asks, at a fraction of
 * the server's cost (no accept, no established pair torn down). An HTTP
 * check does the same: its request, sent at once, carries the ACK.
 *
 * Also the socket helpers of http.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "probe.h"

enum { HC_TCP_CONNECTING = 0 };

int hc_io_watch(struct hc_io *io, struct hc_attempt *a, unsigned int which, int fd,
		uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = a->tag | which };

	if (epoll_ctl(io->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	a->fd[which] = fd;
	return 0;
}

int hc_io_rewatch(struct hc_io *io, struct hc_attempt *a, unsigned int which, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = a->tag | which };

	/* a pool's socket keeps the pool's tag (sockpool.c) */
	if (which == 0 && a->sock)
		ev.data.u64 = HC_TAG_SOCK | (a->sock - 1);
	return epoll_ctl(io->epfd, EPOLL_CTL_MOD, a->fd[which], &ev) ? -errno : 0;
}

void hc_io_close(struct hc_io *io, struct hc_attempt *a, unsigned int which)
{
	if (a->fd[which] < 0)
		return;
	epoll_ctl(io->epfd, EPOLL_CTL_DEL, a->fd[which], NULL);
	close(a->fd[which]);
	a->fd[which] = -1;
}

void hc_io_close_socket(struct hc_io *io, struct hc_attempt *a)
{
	if (a->fd[0] < 0)
		return;
	if (a->sock)
		hc_sock_put(io, a->sock - 1);
	else
		close(a->fd[0]);
	a->fd[0] = -1;
	a->sock = 0;
}

const char *hc_errno_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset by the server";
	case EPIPE:
		return "connection closed by the server";
	case ETIMEDOUT:
		return "connection timed out";
	case EHOSTUNREACH:
		return "host unreachable";
	case ENETUNREACH:
		return "network unreachable";
	case EADDRNOTAVAIL:
		return "no local address or port available";
	case EMFILE:
	case ENFILE:
		return "too many open files";
	default:
		return strerror(err);
	}
}

int hc_tcp_connect(struct hc_attempt *a, const struct hc_spec *s, struct hc_io *io, char *why,
		   size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	uint32_t idx;
	int err;

	memset(&ss, 0, sizeof(ss));
	if (!s->target_port) {
		snprintf(why, len, "no port to check (set health.port)");
		return -1;
	}
	if (s->target_family == EDGELB_AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, s->target.bytes, 16);
		sin6->sin6_port = htons(s->target_port);
		sl = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = s->target.v4;
		sin->sin_port = htons(s->target_port);
		sl = sizeof(*sin);
	}
	/* a socket that a reset could not bring back to CLOSE: a fresh one, once */
	for (int tries = 0; tries < 2; tries++) {
		if (hc_sock_take(io, ss.ss_family, s->mark, a->tag, &idx, why, len))
			return -1;
		a->sock = idx + 1;
		a->fd[0] = io->pool.e[idx].fd;
		/* not fatal: without it the check costs the server more, and means the
		 * same; a disconnect forgets it, so every time */
		setsockopt(a->fd[0], IPPROTO_TCP, TCP_QUICKACK, &(int){ 0 }, sizeof(int));
		if (!connect(a->fd[0], (struct sockaddr *)&ss, sl))
			return 1;
		err = errno;
		if (err == EINPROGRESS)
			return 0;
		if (err != EISCONN && err != EALREADY)
			break;
		hc_sock_drop(io, idx);
		a->sock = 0;
		a->fd[0] = -1;
	}
	snprintf(why, len, "%s", hc_errno_reason(err));
	hc_io_close_socket(io, a);
	return -1;
}

int hc_tcp_connect_result(int fd, uint32_t events, char *why, size_t len)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	/* writable without an error or hang-up: connected, no need to ask */
	if (!(events & (EPOLLERR | EPOLLHUP)))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl))
		err = errno;
	if (!err)
		return 0;
	snprintf(why, len, "%s", hc_errno_reason(err));
	return -1;
}

void hc_why(char *why, size_t len, const char *text)
{
	size_t n = strlen(text);

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(why, text, n);
	why[n] = '\0';
}

static enum hc_verdict hc_tcp_start(struct hc_attempt *a, const struct hc_spec *s,
				    struct hc_io *io, char *why, size_t len)
{
	int r = hc_tcp_connect(a, s, io, why, len);

	a->stage = HC_TCP_CONNECTING;
	if (r < 0)
		return HC_FAIL;
	if (r > 0) {
		hc_why(why, len, "connected");
		return HC_PASS;
	}
	return HC_PENDING;
}

static enum hc_verdict hc_tcp_event(struct hc_attempt *a, const struct hc_spec *s,
				    struct hc_io *io, unsigned int which, uint32_t events,
				    char *why, size_t len)
{
	(void)s;
	(void)io;
	(void)which;
	if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return HC_PENDING;
	if (hc_tcp_connect_result(a->fd[0], events, why, len))
		return HC_FAIL;
	hc_why(why, len, "connected");
	return HC_PASS;
}

static const char *hc_tcp_stage(const struct hc_attempt *a)
{
	(void)a;
	return "connecting";
}

static void hc_tcp_stop(struct hc_attempt *a, struct hc_io *io)
{
	hc_io_close_socket(io, a);
}

const struct hc_probe hc_probe_tcp = {
	.start = hc_tcp_start,
	.event = hc_tcp_event,
	.stage = hc_tcp_stage,
	.stop = hc_tcp_stop,
};
