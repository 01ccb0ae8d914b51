// SPDX-License-Identifier: GPL-2.0-only
/*
 * The listener of destination unreachable messages: see unreach.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/icmp.h>

#include "probe.h"
#include "unreach.h"

void hc_unreach_init(struct hc_unreach_listener *l)
{
	memset(l, 0, sizeof(*l));
	l->fd[0] = l->fd[1] = -1;
	l->tokens = HC_UNREACH_RATE;
}

static int hc_unreach_socket(int family, int epfd, unsigned int which)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = HC_TAG_UNREACH | which };
	int fd, err;

	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		/* the bits of the types the kernel must NOT queue for us */
		struct icmp_filter f = { .data = ~(1u << ICMP_DEST_UNREACH) };

		err = setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		err = setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	if (err || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int hc_unreach_open(struct hc_unreach_listener *l, int epfd, char *why, size_t len)
{
	int fd4 = hc_unreach_socket(AF_INET, epfd, 0);
	int fd6 = hc_unreach_socket(AF_INET6, epfd, 1);

	l->fd[0] = fd4 >= 0 ? fd4 : -1;
	l->fd[1] = fd6 >= 0 ? fd6 : -1;
	if (fd4 >= 0 || fd6 >= 0)
		return 0;
	snprintf(why, len, "raw ICMP sockets: %s", strerror(-fd4));
	return fd4;
}

void hc_unreach_close(struct hc_unreach_listener *l)
{
	for (int i = 0; i < 2; i++) {
		if (l->fd[i] >= 0)
			close(l->fd[i]);
		l->fd[i] = -1;
	}
}

/* A token per message: HC_UNREACH_RATE a second, as many in a burst. */
static int hc_unreach_take(struct hc_unreach_listener *l, uint64_t now_ms)
{
	uint64_t add;

	if (now_ms < l->refill_ms)
		l->refill_ms = now_ms;
	add = (now_ms - l->refill_ms) * HC_UNREACH_RATE / 1000;
	if (add) {
		l->tokens = l->tokens + add >= HC_UNREACH_RATE ? HC_UNREACH_RATE
							      : (uint32_t)(l->tokens + add);
		/* keep the remainder of a partial token for the next call */
		l->refill_ms = l->tokens == HC_UNREACH_RATE ? now_ms
							    : l->refill_ms + add * 1000 / HC_UNREACH_RATE;
	}
	if (!l->tokens)
		return 0;
	l->tokens--;
	return 1;
}

void hc_unreach_read(struct hc_unreach_listener *l, unsigned int which, uint64_t now_ms,
		     hc_unreach_fn fn, void *arg)
{
	uint8_t buf[576]; /* the start of the message is all that is parsed */
	struct sockaddr_in6 from;

	if (which > 1 || l->fd[which] < 0)
		return;
	for (int i = 0; i < HC_UNREACH_BATCH; i++) {
		socklen_t flen = sizeof(from);
		struct hc_unreach u;
		ssize_t n;
		int ok;

		n = recvfrom(l->fd[which], buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from,
			     &flen);
		if (n < 0)
			return; /* EAGAIN: all read; anything else: next wake-up */
		l->received++;
		if (!hc_unreach_take(l, now_ms)) {
			l->limited++;
			continue;
		}
		if ((size_t)n > sizeof(buf))
			n = sizeof(buf);
		ok = which == 0 ? hc_unreach_parse4(buf, (size_t)n, &u)
				: flen >= sizeof(from) &&
					  hc_unreach_parse6(buf, (size_t)n,
							    from.sin6_addr.s6_addr, &u);
		if (!ok)
			continue;
		l->unreachable++;
		fn(arg, &u);
	}
}
