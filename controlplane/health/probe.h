/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One attempt of a health check in flight: the interface between the glue
 * (health.c: schedule, timeouts, state) and the checkers (tcp.c, http.c,
 * exec.c), internal to controlplane/health/.
 *
 * A checker opens its file descriptors non-blocking and watches them in
 * health's own epoll set (struct hc_io), under the attempt's tag: epoll
 * data = tag | index of the fd in hc_attempt.fd. It never waits: every
 * call does what can be done now and returns a verdict or HC_PENDING.
 * Timeouts are health.c's: it calls stop() and declares the failure.
 */
#ifndef EDGELB_HC_PROBE_H
#define EDGELB_HC_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "http_parse.h"
#include "spec.h"

enum hc_verdict {
	HC_PENDING = 0,
	HC_PASS,
	HC_FAIL,
};

/* Epoll tags outside any attempt (attempt tags have bit 63 clear). */
#define HC_TAG_SPECIAL (1ull << 63)
#define HC_TAG_TIMER (HC_TAG_SPECIAL | (1ull << 62))
#define HC_TAG_REAP HC_TAG_SPECIAL /* | the pidfd */
#define HC_TAG_UNREACH (HC_TAG_SPECIAL | (1ull << 61)) /* | 0 (ICMP) or 1 (ICMPv6): unreach.h */
#define HC_TAG_SOCK (HC_TAG_SPECIAL | (1ull << 60))    /* | the socket's index: sockpool.c */
#define HC_TAG_KIND (HC_TAG_SPECIAL | (7ull << 60))

/* Processes killed but not reaped yet (exec.c). */
struct hc_reaper {
	struct hc_reap_item {
		pid_t pid;
		int pidfd;
	} *items;
	size_t n, cap;
};

/* TCP sockets kept from one check to the next (sockpool.c), watched for these. */
#define HC_SOCK_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)
struct hc_sockpool {
	struct hc_psock {
		int fd;	       /* -1: a free entry */
		int family;
		uint32_t mark; /* its SO_MARK */
		uint64_t owner; /* the attempt's tag; 0 = idle */
		uint64_t taken; /* the round it was taken in */
	} *e;
	uint32_t n, cap;
	uint32_t *free, n_free;		       /* free entries */
	uint32_t *idle[2], n_idle[2], cap_idle[2]; /* idle sockets: IPv4, IPv6 */
	uint64_t created, reused;
	uint64_t round; /* epoll_wait batches so far (hc_sock_round) */
};

/* What the checkers share, owned by health.c. */
struct hc_io {
	int epfd;     /* health's epoll set */
	char *buf;    /* scratch for reads; nothing stays in it between calls */
	size_t buf_len;
	struct hc_reaper reaper;
	struct hc_sockpool pool;
};

#define HC_EXEC_OUT_MAX 120 /* bytes of a program's output kept for the reason */

struct hc_attempt {
	uint64_t tag;	 /* epoll data of fd[0]; fd[1] uses tag | 1 */
	int fd[2];	 /* -1 = none; closed by stop() */
	uint8_t stage;	 /* the checker's own */
	uint32_t sock;	 /* fd[0] is the pool's socket sock - 1; 0: none (sockpool.c) */
	/* http */
	size_t sent;
	struct hc_http_parse http;
	/* exec */
	pid_t pid; /* 0 once reaped */
	size_t out_len;
	char out[HC_EXEC_OUT_MAX];
};

struct hc_probe {
	/*
	 * Begin the attempt a (tag set, fds -1). Returns HC_PENDING, or the
	 * verdict at once with why filled (e.g. the program does not exist).
	 */
	enum hc_verdict (*start)(struct hc_attempt *a, const struct hc_spec *s, struct hc_io *io,
				 char *why, size_t len);
	/* fd[which] is ready; events as epoll reports them. */
	enum hc_verdict (*event)(struct hc_attempt *a, const struct hc_spec *s, struct hc_io *io,
				 unsigned int which, uint32_t events, char *why, size_t len);
	/* Where a pending attempt is, for a timeout's message ("connecting"). */
	const char *(*stage)(const struct hc_attempt *a);
	/*
	 * End the attempt, whatever its state: unwatch and close every fd
	 * (sockets with an RST, so no TIME_WAIT), kill a program's process
	 * group and reap it now or later (reaper). Never blocks.
	 */
	void (*stop)(struct hc_attempt *a, struct hc_io *io);
};

extern const struct hc_probe hc_probe_tcp;
extern const struct hc_probe hc_probe_http;
extern const struct hc_probe hc_probe_exec;

/* ---- shared by the checkers (tcp.c) ---- */

/* Watch fd as a->fd[which] for events; on failure fd is left to the caller. */
int hc_io_watch(struct hc_io *io, struct hc_attempt *a, unsigned int which, int fd,
		uint32_t events);
int hc_io_rewatch(struct hc_io *io, struct hc_attempt *a, unsigned int which, uint32_t events);
/* Unwatch and close a->fd[which] (if open). */
void hc_io_close(struct hc_io *io, struct hc_attempt *a, unsigned int which);

/*
 * End a check's socket a->fd[0] (if open): reset its connection and give
 * it back to the pool (sockpool.c). Its later events have no owner, or
 * the next attempt's, and say that attempt's state: health.c drops the
 * ended attempt's (the generation in the tag).
 */
void hc_io_close_socket(struct hc_io *io, struct hc_attempt *a);

/* why = text, cut to len; for fixed reasons, without printf's cost on every check. */
void hc_why(char *why, size_t len, const char *text);

/* A short reason for an errno of connect/send/recv: "connection refused". */
const char *hc_errno_reason(int err);

/*
 * Take a TCP socket from the pool for s's target (SO_MARK when through the
 * tunnel, quick ACKs off: tcp.c) and connect it; it is watched as fd[0],
 * edge-triggered for every event (sockpool.c). Returns 1 connected
 * already, 0 in progress, or -1 with why filled (the socket given back).
 */
int hc_tcp_connect(struct hc_attempt *a, const struct hc_spec *s, struct hc_io *io, char *why,
		   size_t len);

/*
 * The outcome of a connect in progress, given the events that woke it:
 * 0 connected, -1 (why filled). Asks the socket (SO_ERROR) only when
 * events hold EPOLLERR or EPOLLHUP: writable alone means connected.
 */
int hc_tcp_connect_result(int fd, uint32_t events, char *why, size_t len);

/* ---- sockpool.c ---- */

/*
 * A TCP socket of family for the attempt tagged owner, SO_MARK mark:
 * an idle one, or a new one in the epoll set (edge-triggered for every
 * event, under HC_TAG_SOCK | *idx). 0, or -errno with why filled.
 */
int hc_sock_take(struct hc_io *io, int family, uint32_t mark, uint64_t owner, uint32_t *idx,
		 char *why, size_t len);
/* The attempt is over: reset the connection, keep the socket idle (or close it). */
void hc_sock_put(struct hc_io *io, uint32_t idx);
/* Close it (its connect went wrong in a way a reset may not mend). */
void hc_sock_drop(struct hc_io *io, uint32_t idx);
/*
 * A new batch of events was fetched from the epoll set. An event of that
 * batch for a socket taken while the batch is handled was the previous
 * owner's: hc_sock_owner() drops it (the new owner's come in a later batch).
 */
void hc_sock_round(struct hc_io *io);
/* The tag of the attempt that owns the socket of an HC_TAG_SOCK tag; 0 if idle. */
uint64_t hc_sock_owner(const struct hc_io *io, uint64_t tag);
void hc_sockpool_close(struct hc_io *io);

/* ---- exec.c: the reaper of killed processes ---- */

/* A pidfd tagged HC_TAG_REAP became readable. */
void hc_reaper_event(struct hc_io *io, int pidfd);
/* Kill and reap everything left (edgelbd stops): waits for SIGKILLed children. */
void hc_reaper_close(struct hc_io *io);

#endif /* EDGELB_HC_PROBE_H */
