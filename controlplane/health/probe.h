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

/* Processes killed but not reaped yet (exec.c). */
struct hc_reaper {
	struct hc_reap_item {
		pid_t pid;
		int pidfd;
	} *items;
	size_t n, cap;
};

/* What the checkers share, owned by health.c. */
struct hc_io {
	int epfd;     /* health's epoll set */
	char *buf;    /* scratch for reads; nothing stays in it between calls */
	size_t buf_len;
	struct hc_reaper reaper;
};

#define HC_EXEC_OUT_MAX 120 /* bytes of a program's output kept for the reason */

struct hc_attempt {
	uint64_t tag;	 /* epoll data of fd[0]; fd[1] uses tag | 1 */
	int fd[2];	 /* -1 = none; closed by stop() */
	uint8_t stage;	 /* the checker's own */
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
 * Close a check's socket a->fd[0] (if open) without unwatching it first:
 * closing the last reference to a file takes it out of every epoll set,
 * so the EPOLL_CTL_DEL would be a syscall for nothing. A reference held a
 * moment longer elsewhere (a child between fork and exec, the sockets are
 * close-on-exec) can only yield an event under the ended attempt's tag,
 * which health.c drops (the generation in the tag).
 */
void hc_io_close_socket(struct hc_attempt *a);

/* why = text, cut to len; for fixed reasons, without printf's cost on every check. */
void hc_why(char *why, size_t len, const char *text);

/* A short reason for an errno of connect/send/recv: "connection refused". */
const char *hc_errno_reason(int err);

/*
 * Open a non-blocking TCP socket to s's target (SO_MARK when through the
 * tunnel, SO_LINGER 0 so that close() resets, quick ACKs off: tcp.c),
 * connect it, watch it as fd[0] for events. Returns 1 connected already,
 * 0 in progress, or -1 with why filled (the socket closed).
 */
int hc_tcp_connect(struct hc_attempt *a, const struct hc_spec *s, struct hc_io *io,
		   uint32_t events, char *why, size_t len);

/*
 * The outcome of a connect in progress, given the events that woke it:
 * 0 connected, -1 (why filled). Asks the socket (SO_ERROR) only when
 * events hold EPOLLERR or EPOLLHUP: writable alone means connected.
 */
int hc_tcp_connect_result(int fd, uint32_t events, char *why, size_t len);

/* ---- exec.c: the reaper of killed processes ---- */

/* A pidfd tagged HC_TAG_REAP became readable. */
void hc_reaper_event(struct hc_io *io, int pidfd);
/* Kill and reap everything left (edgelbd stops): waits for SIGKILLed children. */
void hc_reaper_close(struct hc_io *io);

#endif /* EDGELB_HC_PROBE_H */
