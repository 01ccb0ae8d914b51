/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelb-load's requests on the wire: a fixed pool of --max-inflight
 * slots, each one non-blocking TCP connection through its life
 *
 *	connect -> send the GET -> read until EOF -> close
 *
 * driven by the caller's epoll. Every end of a request (its reply judged by
 * load_reply, a socket error, its deadline) goes to load_stats_done() at
 * once, so the accounting never waits for the loop.
 *
 * Closing: the server closes first (HTTP/1.0), so the TIME_WAIT is its own
 * and nothing piles up here; when the client must close first (deadline,
 * bad reply, end of the run) it resets (SO_LINGER 0) for the same reason.
 */
#ifndef EDGELB_LOAD_CONN_H
#define EDGELB_LOAD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "load_reply.h"
#include "load_stats.h"

struct load_conn {
	int fd;		  /* -1: slot free */
	uint32_t gen;	  /* bumped at each use: stale epoll events are ignored */
	bool connected;
	size_t sent;	  /* bytes of the request written */
	struct load_ticket ticket;
	int64_t deadline_us;
	int32_t prev, next; /* in-flight list, in order of start (and deadline) */
	struct load_reply reply;
};

struct load_pool {
	struct load_conn *conn;
	int32_t *free_slots;
	uint32_t cap, n_free;
	int32_t head, tail; /* oldest and newest in flight, -1: none */
	int epfd;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	const char *req; /* the GET, sent whole on every connection */
	size_t req_len;
	int64_t timeout_us;
	char *rbuf; /* one read buffer for all: a read is judged at once */
	/* say why an "other" failure happened, at most once a second */
	int64_t last_warn_us;
	uint64_t unwarned;
};

/*
 * cap slots on epoll instance epfd, toward dst, each sending req (kept by
 * the caller) and given timeout_us. Returns 0 or -ENOMEM.
 */
int load_pool_init(struct load_pool *p, uint32_t cap, int epfd, const struct sockaddr_storage *dst,
		   socklen_t dst_len, const char *req, int64_t timeout_us);
void load_pool_free(struct load_pool *p);

/*
 * Start one request at now_us in the current period of s. Without a free
 * slot it is counted as failed (LOAD_OVERLOAD) and false is returned.
 */
bool load_pool_start(struct load_pool *p, struct load_stats *s, int64_t now_us);

/* An epoll event whose data.u64 came from this pool (load_pool_owns()). */
void load_pool_event(struct load_pool *p, struct load_stats *s, uint64_t data, uint32_t events,
		     int64_t now_us);
bool load_pool_owns(uint64_t data);

/* End every request whose deadline is at or before now_us (timeout). */
void load_pool_expire(struct load_pool *p, struct load_stats *s, int64_t now_us);

/* End every request in flight as a timeout: the loop cannot wait on them. */
void load_pool_abort(struct load_pool *p, struct load_stats *s, int64_t now_us);

/* The earliest deadline in flight, or -1 if nothing is in flight. */
int64_t load_pool_next_deadline(const struct load_pool *p);

static inline uint32_t load_pool_busy(const struct load_pool *p)
{
	return p->cap - p->n_free;
}

#endif
