/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The verdict on one HTTP/1.x response to a health check's GET, from its
 * bytes as they arrive, in pieces of any size.
 *
 * Pure code: no I/O. The syntax (status line, headers, chunked and
 * length-delimited bodies) is Debian's libhttp-parser; this file adds the
 * health check's rules and bounds:
 *  - the status must be in one of the accepted ranges (default 200-399);
 *  - if a body text is expected, it must appear in the (de-chunked) body,
 *    searched as it streams (KMP: a match split across reads is found),
 *    within the first HC_HTTP_BODY_SCAN_MAX bytes;
 *  - the status line and headers may take at most HC_HTTP_HEADER_MAX bytes:
 *    a server sending a 1 MB header fails ("response header too large"),
 *    it does not make edgelbd buffer it;
 *  - the verdict comes as early as it is known: once the headers are
 *    complete when no body text is expected, so the checker can close the
 *    connection without reading the body.
 * Nothing is buffered: memory is this struct plus the expectation's table.
 */
#ifndef EDGELB_HC_HTTP_PARSE_H
#define EDGELB_HC_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>

#include "config.h"

#define HC_HTTP_HEADER_MAX 16384   /* status line + headers, bytes */
#define HC_HTTP_BODY_SCAN_MAX 65536 /* body bytes searched for the text */

enum hc_http_verdict {
	HC_HTTP_MORE = 0, /* no verdict yet: feed more, or hc_http_parse_eof() */
	HC_HTTP_PASS,
	HC_HTTP_FAIL,
};

/* What a response must be; shared (read-only) by every parse of a check. */
struct hc_http_expect {
	struct edgelb_config_status_range status[EDGELB_CONFIG_HTTP_STATUS_MAX];
	size_t n_status; /* 0: 200-399 */
	char *body;	 /* NULL: any body */
	size_t body_len;
	uint32_t *kmp;	 /* failure function of body */
};

struct hc_http_parse {
	http_parser p;
	const struct hc_http_expect *x;
	size_t fed;	    /* bytes given so far */
	size_t body_seen;   /* body bytes searched */
	size_t matched;	    /* KMP: length of the body text matched so far */
	uint16_t status;
	bool headers_done;
	bool complete;
	enum hc_http_verdict verdict;
	char reason[128];   /* why, for a human: "HTTP 503", "response header too large" */
};

/*
 * Fill x from the config's ranges (n 0: the default 200-399) and body text
 * (NULL: any). Returns 0 or -ENOMEM; release with hc_http_expect_free().
 */
int hc_http_expect_init(struct hc_http_expect *x, const struct edgelb_config_status_range *status,
			size_t n_status, const char *body);
void hc_http_expect_free(struct hc_http_expect *x);

/* Start on a new response; x must outlive ps. */
void hc_http_parse_init(struct hc_http_parse *ps, const struct hc_http_expect *x);

/*
 * The next len bytes of the response. Returns the verdict, or HC_HTTP_MORE.
 * Once a verdict is given it stays: later calls return it and read nothing.
 */
enum hc_http_verdict hc_http_parse_feed(struct hc_http_parse *ps, const char *buf, size_t len);

/*
 * The server closed the connection. A response delimited by the close
 * completes here; anything else still incomplete fails ("connection
 * closed ..."). Returns the final verdict (never HC_HTTP_MORE).
 */
enum hc_http_verdict hc_http_parse_eof(struct hc_http_parse *ps);

/* Why the verdict (or the state so far, for a timeout): never NULL. */
const char *hc_http_parse_reason(const struct hc_http_parse *ps);

/* Where the response is, for a timeout's message: "waiting for the status line"... */
const char *hc_http_parse_stage(const struct hc_http_parse *ps);

/* True if status is accepted by x. */
bool hc_http_status_ok(const struct hc_http_expect *x, unsigned int status);

#endif /* EDGELB_HC_HTTP_PARSE_H */
