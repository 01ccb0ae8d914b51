/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelb-load's verdict on one reply, from its bytes as they arrive, in
 * pieces of any size, and the failure reason of a socket error.
 *
 * Pure code: no I/O. The lab's backends answer a plain HTTP/1.0 GET with
 * one line naming themselves ("be4 dc2\n") and close; so a reply is good
 * iff
 *  - its status line is "HTTP/1.<digit> 200" (reason phrase optional);
 *  - its header ends (an empty line, CRLF or bare LF) and a body follows
 *    with at least one byte;
 *  - it ends (EOF) within LOAD_REPLY_MAX bytes, headers included.
 * The label is the body's first line without surrounding blanks: its first
 * word names the backend, its second (if any) the site.
 * Nothing is buffered beyond the status line and the label's first bytes:
 * a slot of the client's request pool holds one struct load_reply.
 */
#ifndef EDGELB_LOAD_REPLY_H
#define EDGELB_LOAD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_REPLY_MAX 65536 /* bytes of a whole reply, before it is "status" */
#define LOAD_LINE_MAX 128    /* status line / label bytes kept (the rest is cut) */
#define LOAD_NAME_MAX 32     /* a backend or site name, with its NUL */

/* Why a request failed; LOAD_OK is success. The report's order. */
enum load_reason {
	LOAD_OK = 0,
	LOAD_TIMEOUT,	  /* no complete reply within --timeout */
	LOAD_REFUSED,	  /* ECONNREFUSED: nothing listens (RST to the SYN) */
	LOAD_RESET,	  /* ECONNRESET / EPIPE after the connection was up */
	LOAD_UNREACHABLE, /* EHOSTUNREACH / ENETUNREACH (ICMP, or no route) */
	LOAD_STATUS,	  /* a reply, but not a good one (see above) */
	LOAD_OVERLOAD,	  /* not started: --max-inflight were in flight */
	LOAD_OTHER,	  /* any other errno */
	LOAD_N_REASONS,
};

/* "ok", "timeout", ... "other": the report's key for a reason */
const char *load_reason_name(enum load_reason r);

/* The reason for a socket error (a positive errno): LOAD_OTHER if none fits. */
enum load_reason load_reason_of_errno(int err);

enum load_reply_state {
	LOAD_REPLY_STATUS_LINE = 0,
	LOAD_REPLY_HEADERS,
	LOAD_REPLY_LABEL, /* in the body's first line */
	LOAD_REPLY_BODY,  /* past it: only counted */
	LOAD_REPLY_BAD,	  /* verdict known: LOAD_STATUS */
};

struct load_reply {
	enum load_reply_state state;
	size_t fed;		  /* bytes so far */
	size_t line_len;	  /* bytes in line[] */
	size_t body_len;	  /* body bytes so far */
	unsigned int newlines;	  /* HEADERS: line ends in a row (CR ignored) */
	char line[LOAD_LINE_MAX]; /* the status line, then the label's start */
	const char *why;	  /* LOAD_REPLY_BAD: for a human */
};

/* The label of a good reply: NUL-terminated names, site "" if none. */
struct load_label {
	char backend[LOAD_NAME_MAX];
	char site[LOAD_NAME_MAX];
};

void load_reply_init(struct load_reply *r);

/*
 * The next len bytes of the reply. Returns false once the reply is known
 * to be bad (the caller may stop reading), true while it may still be good.
 */
bool load_reply_feed(struct load_reply *r, const char *buf, size_t len);

/*
 * At EOF: returns LOAD_OK and fills label, or LOAD_STATUS (r->why says
 * why). Names are cut at LOAD_NAME_MAX - 1 bytes; bytes other than
 * printable ASCII, and '=', become '_' so a name fits "name=count".
 * An empty first line gives the backend "-".
 */
enum load_reason load_reply_eof(struct load_reply *r, struct load_label *label);

#endif
