// SPDX-License-Identifier: GPL-2.0-only
/*
 * HTTP check: an HTTP/1.1 GET (path, Host header, "Connection: close")
 * gets an accepted answer. Non-blocking connect and send, then the answer
 * is read in pieces into health's shared scratch buffer and handed to the
 * pure parser (http_parse.c), which keeps nothing but counters: a 1 MB
 * header costs 16 KiB of reading, then fails. The verdict comes as soon as
 * it is known (usually with the headers) and the connection is reset
 * (tcp.c, sockpool.c) without reading the rest.
 *
 * The socket is watched for its whole life, edge-triggered for both
 * directions (HC_SOCK_EVENTS, sockpool.c): writable once connected, readable
 * once answered, with no epoll_ctl between the stages. Edge-triggered
 * means an event is reported when readiness changes, so every stage works
 * until the socket says EAGAIN, or asks epoll to look again (rewatch)
 * when it stops early (HC_HTTP_READS_PER_EVENT).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "probe.h"

enum {
	HC_HTTP_CONNECTING = 0,
	HC_HTTP_SENDING,
	HC_HTTP_RECEIVING,
};

/* Reads per readiness event: the rest waits for the next round of the loop. */
#define HC_HTTP_READS_PER_EVENT 8

static enum hc_verdict hc_http_send(struct hc_attempt *a, const struct hc_spec *s, char *why,
				    size_t len)
{
	while (a->sent < s->request_len) {
		ssize_t n = send(a->fd[0], s->request + a->sent, s->request_len - a->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* the next EPOLLOUT edge says there is room again */
			a->stage = HC_HTTP_SENDING;
			return HC_PENDING;
		}
		if (n < 0) {
			snprintf(why, len, "sending the request: %s", hc_errno_reason(errno));
			return HC_FAIL;
		}
		a->sent += (size_t)n;
	}
	/* no answer can be there before the request: wait for the EPOLLIN edge */
	a->stage = HC_HTTP_RECEIVING;
	return HC_PENDING;
}

static enum hc_verdict hc_http_verdict(struct hc_attempt *a, enum hc_http_verdict v, char *why,
				       size_t len)
{
	if (v == HC_HTTP_MORE)
		return HC_PENDING;
	hc_why(why, len, hc_http_parse_reason(&a->http));
	return v == HC_HTTP_PASS ? HC_PASS : HC_FAIL;
}

static enum hc_verdict hc_http_receive(struct hc_attempt *a, struct hc_io *io, char *why,
				       size_t len)
{
	for (int i = 0; i < HC_HTTP_READS_PER_EVENT; i++) {
		ssize_t n = recv(a->fd[0], io->buf, io->buf_len, MSG_DONTWAIT);

		if (n > 0) {
			enum hc_http_verdict v = hc_http_parse_feed(&a->http, io->buf, (size_t)n);

			if (v != HC_HTTP_MORE)
				return hc_http_verdict(a, v, why, len);
			continue;
		}
		if (n == 0)
			return hc_http_verdict(a, hc_http_parse_eof(&a->http), why, len);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return HC_PENDING;
		snprintf(why, len, "%s (%s, after %zu bytes)", hc_errno_reason(errno),
			 hc_http_parse_stage(&a->http), a->http.fed);
		return HC_FAIL;
	}
	/* stopped before EAGAIN: no new edge would come, so ask epoll to look again */
	if (hc_io_rewatch(io, a, 0, HC_SOCK_EVENTS)) {
		snprintf(why, len, "epoll: %s", strerror(errno));
		return HC_FAIL;
	}
	return HC_PENDING;
}

static enum hc_verdict hc_http_start(struct hc_attempt *a, const struct hc_spec *s,
				     struct hc_io *io, char *why, size_t len)
{
	int r;

	a->stage = HC_HTTP_CONNECTING;
	a->sent = 0;
	hc_http_parse_init(&a->http, &s->expect);
	r = hc_tcp_connect(a, s, io, why, len);
	if (r < 0)
		return HC_FAIL;
	if (r > 0)
		return hc_http_send(a, s, why, len);
	return HC_PENDING;
}

static enum hc_verdict hc_http_event(struct hc_attempt *a, const struct hc_spec *s,
				     struct hc_io *io, unsigned int which, uint32_t events,
				     char *why, size_t len)
{
	(void)which;
	switch (a->stage) {
	case HC_HTTP_CONNECTING:
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return HC_PENDING;
		if (hc_tcp_connect_result(a->fd[0], events, why, len))
			return HC_FAIL;
		return hc_http_send(a, s, why, len);
	case HC_HTTP_SENDING:
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return HC_PENDING;
		return hc_http_send(a, s, why, len);
	default:
		/* an EPOLLOUT edge alone (our request acknowledged): nothing to read */
		if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
			return HC_PENDING;
		return hc_http_receive(a, io, why, len);
	}
}

static const char *hc_http_stage(const struct hc_attempt *a)
{
	switch (a->stage) {
	case HC_HTTP_CONNECTING:
		return "connecting";
	case HC_HTTP_SENDING:
		return "sending the request";
	default:
		return hc_http_parse_stage(&a->http);
	}
}

static void hc_http_stop(struct hc_attempt *a, struct hc_io *io)
{
	hc_io_close_socket(io, a);
}

const struct hc_probe hc_probe_http = {
	.start = hc_http_start,
	.event = hc_http_event,
	.stage = hc_http_stage,
	.stop = hc_http_stop,
};
