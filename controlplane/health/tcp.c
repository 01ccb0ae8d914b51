// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP check: the server's listener answers. Non-blocking connect, the
 * verdict when the socket becomes writable (or fails), then an abortive
 * close: SO_LINGER 0 sends an RST instead of a FIN, so neither side keeps
 * the connection in TIME_WAIT (10 000 checks a second would fill the
 * kernel's table).
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

void hc_io_close_socket(struct hc_attempt *a)
{
	if (a->fd[0] < 0)
		return;
	close(a->fd[0]);
	a->fd[0] = -1;
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

int hc_tcp_connect(struct hc_attempt *a, const struct hc_spec *s, struct hc_io *io,
		   uint32_t events, char *why, size_t len)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, err;

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
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, len, "socket: %s", hc_errno_reason(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg))) {
		snprintf(why, len, "SO_LINGER: %s", strerror(errno));
		goto fail;
	}
	/* not fatal: without it the check costs the server more, and means the same */
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int){ 0 }, sizeof(int));
	if (s->mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &s->mark, sizeof(s->mark))) {
		snprintf(why, len, "SO_MARK 0x%x (through the tunnel): %s", s->mark,
			 strerror(errno));
		goto fail;
	}
	if (!connect(fd, (struct sockaddr *)&ss, sl)) {
		err = hc_io_watch(io, a, 0, fd, events);
		if (err) {
			snprintf(why, len, "epoll: %s", strerror(-err));
			goto fail;
		}
		return 1;
	}
	if (errno != EINPROGRESS) {
		snprintf(why, len, "%s", hc_errno_reason(errno));
		goto fail;
	}
	err = hc_io_watch(io, a, 0, fd, events);
	if (err) {
		snprintf(why, len, "epoll: %s", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	close(fd);
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
	int r = hc_tcp_connect(a, s, io, EPOLLOUT, why, len);

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
	(void)io;
	hc_io_close_socket(a);
}

const struct hc_probe hc_probe_tcp = {
	.start = hc_tcp_start,
	.event = hc_tcp_event,
	.stage = hc_tcp_stage,
	.stop = hc_tcp_stop,
};
