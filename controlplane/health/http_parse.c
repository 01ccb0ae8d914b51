// SPDX-License-Identifier: GPL-2.0-only
/*
 * Verdict on a health check's HTTP response: see http_parse.h. Pure code
 * on top of libhttp-parser (http_parser.h, the parser of Node.js 2.9).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

/* Length of the body text quoted in a message. */
#define HC_HTTP_QUOTE_MAX 40

int hc_http_expect_init(struct hc_http_expect *x, const struct edgelb_config_status_range *status,
			size_t n_status, const char *body)
{
	memset(x, 0, sizeof(*x));
	if (n_status > EDGELB_CONFIG_HTTP_STATUS_MAX)
		n_status = EDGELB_CONFIG_HTTP_STATUS_MAX;
	if (n_status)
		memcpy(x->status, status, n_status * sizeof(*status));
	x->n_status = n_status;
	if (!body || !body[0])
		return 0;
	x->body_len = strlen(body);
	x->body = strdup(body);
	x->kmp = calloc(x->body_len, sizeof(*x->kmp));
	if (!x->body || !x->kmp) {
		hc_http_expect_free(x);
		return -ENOMEM;
	}
	/* kmp[i]: longest proper prefix of body[0..i] that is also its suffix */
	for (size_t i = 1, k = 0; i < x->body_len; i++) {
		while (k && body[i] != body[k])
			k = x->kmp[k - 1];
		if (body[i] == body[k])
			k++;
		x->kmp[i] = (uint32_t)k;
	}
	return 0;
}

void hc_http_expect_free(struct hc_http_expect *x)
{
	free(x->body);
	free(x->kmp);
	memset(x, 0, sizeof(*x));
}

bool hc_http_status_ok(const struct hc_http_expect *x, unsigned int status)
{
	if (!x->n_status)
		return status >= 200 && status <= 399;
	for (size_t i = 0; i < x->n_status; i++)
		if (status >= x->status[i].lo && status <= x->status[i].hi)
			return true;
	return false;
}

__attribute__((format(printf, 3, 4))) static void hc_http_decide(struct hc_http_parse *ps,
								  enum hc_http_verdict v,
								  const char *fmt, ...)
{
	va_list ap;

	if (ps->verdict != HC_HTTP_MORE)
		return;
	ps->verdict = v;
	va_start(ap, fmt);
	vsnprintf(ps->reason, sizeof(ps->reason), fmt, ap);
	va_end(ap);
}

/*
 * "HTTP 200": the reason of nearly every check, written without printf,
 * whose cost on every check of 10 000 a second shows.
 */
static void hc_http_decide_status(struct hc_http_parse *ps, enum hc_http_verdict v)
{
	char *r = ps->reason;
	unsigned int st = ps->status;

	if (ps->verdict != HC_HTTP_MORE)
		return;
	ps->verdict = v;
	memcpy(r, "HTTP ", 5);
	r += 5;
	/* http_parser gives 0..999 */
	if (st >= 100)
		*r++ = (char)('0' + st / 100 % 10);
	if (st >= 10)
		*r++ = (char)('0' + st / 10 % 10);
	*r++ = (char)('0' + st % 10);
	*r = '\0';
}

/* The expected body text for a message: "\"text\"" or "\"text...\"". */
static const char *hc_http_quote(const struct hc_http_expect *x, char *buf, size_t len)
{
	snprintf(buf, len, "\"%.*s%s\"", HC_HTTP_QUOTE_MAX, x->body,
		 x->body_len > HC_HTTP_QUOTE_MAX ? "..." : "");
	return buf;
}

/* 1xx other than 101: an interim answer, the real one follows. */
static bool hc_http_interim(unsigned int status)
{
	return status >= 100 && status < 200 && status != 101;
}

static int hc_http_on_headers_complete(http_parser *p)
{
	struct hc_http_parse *ps = p->data;

	ps->status = (uint16_t)p->status_code;
	if (hc_http_interim(ps->status))
		return 0;
	ps->headers_done = true;
	if (!hc_http_status_ok(ps->x, ps->status))
		hc_http_decide_status(ps, HC_HTTP_FAIL);
	else if (!ps->x->body)
		hc_http_decide_status(ps, HC_HTTP_PASS);
	return 0;
}

static int hc_http_on_body(http_parser *p, const char *at, size_t len)
{
	struct hc_http_parse *ps = p->data;
	const struct hc_http_expect *x = ps->x;
	char q[HC_HTTP_QUOTE_MAX + 8];

	if (ps->verdict != HC_HTTP_MORE || !x->body)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (ps->body_seen >= HC_HTTP_BODY_SCAN_MAX) {
			hc_http_decide(ps, HC_HTTP_FAIL,
				       "HTTP %u but no %s in the first %d bytes of the body",
				       ps->status, hc_http_quote(x, q, sizeof(q)),
				       HC_HTTP_BODY_SCAN_MAX);
			return 0;
		}
		ps->body_seen++;
		while (ps->matched && x->body[ps->matched] != at[i])
			ps->matched = x->kmp[ps->matched - 1];
		if (x->body[ps->matched] == at[i])
			ps->matched++;
		if (ps->matched == x->body_len) {
			hc_http_decide(ps, HC_HTTP_PASS, "HTTP %u, body has %s", ps->status,
				       hc_http_quote(x, q, sizeof(q)));
			return 0;
		}
	}
	return 0;
}

static int hc_http_on_message_complete(http_parser *p)
{
	struct hc_http_parse *ps = p->data;
	char q[HC_HTTP_QUOTE_MAX + 8];

	if (!ps->headers_done) /* the end of an interim 1xx answer */
		return 0;
	ps->complete = true;
	if (ps->x->body)
		hc_http_decide(ps, HC_HTTP_FAIL, "HTTP %u but the body lacks %s", ps->status,
			       hc_http_quote(ps->x, q, sizeof(q)));
	return 0;
}

static const http_parser_settings hc_http_settings = {
	.on_headers_complete = hc_http_on_headers_complete,
	.on_body = hc_http_on_body,
	.on_message_complete = hc_http_on_message_complete,
};

void hc_http_parse_init(struct hc_http_parse *ps, const struct hc_http_expect *x)
{
	memset(ps, 0, sizeof(*ps));
	http_parser_init(&ps->p, HTTP_RESPONSE);
	ps->p.data = ps;
	ps->x = x;
}

static void hc_http_malformed(struct hc_http_parse *ps)
{
	enum http_errno e = HTTP_PARSER_ERRNO(&ps->p);

	if (e == HPE_HEADER_OVERFLOW)
		hc_http_decide(ps, HC_HTTP_FAIL, "response header too large (more than %d bytes)",
			       HC_HTTP_HEADER_MAX);
	else
		hc_http_decide(ps, HC_HTTP_FAIL, "malformed response after %zu bytes: %s", ps->fed,
			       e != HPE_OK ? http_errno_description(e) : "unexpected data");
}

enum hc_http_verdict hc_http_parse_feed(struct hc_http_parse *ps, const char *buf, size_t len)
{
	while (len && ps->verdict == HC_HTTP_MORE) {
		size_t n = len, parsed;

		if (!ps->headers_done) {
			if (ps->fed >= HC_HTTP_HEADER_MAX) {
				hc_http_decide(ps, HC_HTTP_FAIL,
					       "response header too large (more than %d bytes)",
					       HC_HTTP_HEADER_MAX);
				break;
			}
			/* never give the parser more header than we accept */
			if (n > HC_HTTP_HEADER_MAX - ps->fed)
				n = HC_HTTP_HEADER_MAX - ps->fed;
		}
		parsed = http_parser_execute(&ps->p, &hc_http_settings, buf, n);
		ps->fed += parsed;
		if (ps->verdict != HC_HTTP_MORE)
			break;
		if (HTTP_PARSER_ERRNO(&ps->p) != HPE_OK || parsed != n || ps->p.upgrade) {
			hc_http_malformed(ps);
			break;
		}
		buf += n;
		len -= n;
	}
	return ps->verdict;
}

enum hc_http_verdict hc_http_parse_eof(struct hc_http_parse *ps)
{
	if (ps->verdict != HC_HTTP_MORE)
		return ps->verdict;
	if (!ps->fed) {
		hc_http_decide(ps, HC_HTTP_FAIL, "connection closed without a response");
		return ps->verdict;
	}
	/* length 0 tells the parser about the end: completes close-delimited bodies */
	http_parser_execute(&ps->p, &hc_http_settings, NULL, 0);
	hc_http_decide(ps, HC_HTTP_FAIL, "connection closed %s (after %zu bytes)",
		       !ps->headers_done ? "in the response header" : "in the body", ps->fed);
	return ps->verdict;
}

const char *hc_http_parse_reason(const struct hc_http_parse *ps)
{
	return ps->reason[0] ? ps->reason : "no verdict";
}

const char *hc_http_parse_stage(const struct hc_http_parse *ps)
{
	if (!ps->fed)
		return "waiting for the response";
	if (!ps->headers_done)
		return "reading the response header";
	return "reading the body";
}
