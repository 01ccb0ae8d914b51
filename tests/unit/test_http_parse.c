// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdict on a health check's HTTP response
 * (controlplane/health/http_parse.c): good answers, accepted status
 * ranges, a body text found across reads and chunks, and everything a
 * hostile or broken server sends: truncation, garbage, a header too large.
 * Each response is fed whole, split at every byte, and one byte at a time:
 * the verdict must not depend on how the bytes arrive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "health/http_parse.h"

static const struct edgelb_config_status_range r2xx[] = { { 200, 299 } };

/* Feed text in pieces of `step` bytes (0: at once), then EOF if eof. */
static enum hc_http_verdict run(const struct hc_http_expect *x, const char *text, size_t len,
				size_t step, bool eof, char *reason, size_t rlen)
{
	struct hc_http_parse ps;
	enum hc_http_verdict v = HC_HTTP_MORE;

	hc_http_parse_init(&ps, x);
	for (size_t o = 0; o < len && v == HC_HTTP_MORE;) {
		size_t n = step && step < len - o ? step : len - o;

		v = hc_http_parse_feed(&ps, text + o, n);
		o += n;
	}
	if (v == HC_HTTP_MORE && eof)
		v = hc_http_parse_eof(&ps);
	if (reason)
		snprintf(reason, rlen, "%s", hc_http_parse_reason(&ps));
	/* a verdict stays */
	if (v != HC_HTTP_MORE) {
		assert_int_equal(hc_http_parse_feed(&ps, "HTTP/1.1 200 OK\r\n\r\n", 19), v);
		assert_int_equal(hc_http_parse_eof(&ps), v);
	}
	return v;
}

/* The verdict fed at once, split at every point into two, and byte by byte. */
static enum hc_http_verdict verdict(const struct hc_http_expect *x, const char *text, bool eof,
				    char *reason, size_t rlen)
{
	size_t len = strlen(text);
	enum hc_http_verdict v = run(x, text, len, 0, eof, reason, rlen);

	assert_int_equal(run(x, text, len, 1, eof, NULL, 0), v);
	for (size_t cut = 1; cut < len; cut++) {
		struct hc_http_parse ps;
		enum hc_http_verdict w;

		hc_http_parse_init(&ps, x);
		w = hc_http_parse_feed(&ps, text, cut);
		if (w == HC_HTTP_MORE)
			w = hc_http_parse_feed(&ps, text + cut, len - cut);
		if (w == HC_HTTP_MORE && eof)
			w = hc_http_parse_eof(&ps);
		assert_int_equal(w, v);
	}
	return v;
}

static void expect(struct hc_http_expect *x, const struct edgelb_config_status_range *r,
		   size_t n, const char *body)
{
	assert_int_equal(hc_http_expect_init(x, r, n, body), 0);
}

static void test_good_responses(void **state)
{
	struct hc_http_expect x;
	char why[128];

	(void)state;
	expect(&x, NULL, 0, NULL);
	assert_int_equal(verdict(&x, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, why,
				 sizeof(why)),
			 HC_HTTP_PASS);
	assert_string_equal(why, "HTTP 200");
	/* the verdict comes with the headers: the body is not needed */
	assert_int_equal(verdict(&x, "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", false, NULL,
				 0),
			 HC_HTTP_PASS);
	assert_int_equal(verdict(&x, "HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\n", false, NULL, 0),
			 HC_HTTP_PASS);
	/* an interim 100 is skipped; the answer after it counts */
	assert_int_equal(verdict(&x, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\n\r\n",
				 false, why, sizeof(why)),
			 HC_HTTP_FAIL);
	assert_string_equal(why, "HTTP 503");
	hc_http_expect_free(&x);
}

static void test_status_ranges(void **state)
{
	static const struct edgelb_config_status_range list[] = { { 200, 200 }, { 301, 302 } };
	struct hc_http_expect x;
	char why[128];

	(void)state;
	/* the default: 200-399 */
	expect(&x, NULL, 0, NULL);
	assert_true(hc_http_status_ok(&x, 200));
	assert_true(hc_http_status_ok(&x, 399));
	assert_false(hc_http_status_ok(&x, 199));
	assert_false(hc_http_status_ok(&x, 400));
	assert_int_equal(verdict(&x, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false,
				 why, sizeof(why)),
			 HC_HTTP_FAIL);
	assert_string_equal(why, "HTTP 404");
	hc_http_expect_free(&x);

	expect(&x, list, 2, NULL);
	assert_true(hc_http_status_ok(&x, 200));
	assert_false(hc_http_status_ok(&x, 201));
	assert_true(hc_http_status_ok(&x, 301));
	assert_true(hc_http_status_ok(&x, 302));
	assert_false(hc_http_status_ok(&x, 303));
	assert_int_equal(verdict(&x, "HTTP/1.1 201 Created\r\n\r\n", false, NULL, 0), HC_HTTP_FAIL);
	assert_int_equal(verdict(&x, "HTTP/1.1 302 Found\r\n\r\n", false, NULL, 0), HC_HTTP_PASS);
	hc_http_expect_free(&x);
}

static void test_body_text(void **state)
{
	struct hc_http_expect x;
	char why[160];

	(void)state;
	expect(&x, r2xx, 1, "status: ok");
	/* found, also when split across reads (verdict() splits everywhere) */
	assert_int_equal(verdict(&x,
				 "HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n"
				 "db: up\nstatus: ok\ncache: 1\n",
				 false, why, sizeof(why)),
			 HC_HTTP_PASS);
	assert_string_equal(why, "HTTP 200, body has \"status: ok\"");
	/* a near miss that restarts the match ("status: status: ok") */
	assert_int_equal(verdict(&x,
				 "HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\nstatus: status: ok",
				 false, NULL, 0),
			 HC_HTTP_PASS);
	hc_http_expect_free(&x);
	/* a partial match that must fall back, not restart: "aab" in "aaab" */
	expect(&x, NULL, 0, "aab");
	assert_int_equal(verdict(&x, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\naaab", false,
				 NULL, 0),
			 HC_HTTP_PASS);
	assert_int_equal(verdict(&x, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabab", false,
				 NULL, 0),
			 HC_HTTP_FAIL);
	hc_http_expect_free(&x);
	expect(&x, r2xx, 1, "status: ok");
	/* missing from a complete body */
	assert_int_equal(verdict(&x, "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nstatus: failed",
				 false, why, sizeof(why)),
			 HC_HTTP_FAIL);
	assert_string_equal(why, "HTTP 200 but the body lacks \"status: ok\"");
	/* a body delimited by the close: the verdict at EOF */
	assert_int_equal(verdict(&x, "HTTP/1.1 200 OK\r\n\r\nall fine", true, NULL, 0),
			 HC_HTTP_FAIL);
	assert_int_equal(verdict(&x, "HTTP/1.1 200 OK\r\n\r\nall fine, status: ok", false, NULL, 0),
			 HC_HTTP_PASS);
	/* the status is judged first */
	assert_int_equal(verdict(&x, "HTTP/1.1 500 Oops\r\nContent-Length: 10\r\n\r\nstatus: ok",
				 false, why, sizeof(why)),
			 HC_HTTP_FAIL);
	assert_string_equal(why, "HTTP 500");
	hc_http_expect_free(&x);
}

static void test_chunked(void **state)
{
	struct hc_http_expect x;

	(void)state;
	expect(&x, NULL, 0, "healthy");
	/* the text split across chunks, chunk framing in between */
	assert_int_equal(verdict(&x,
				 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "4\r\nheal\r\n3\r\nthy\r\n0\r\n\r\n",
				 false, NULL, 0),
			 HC_HTTP_PASS);
	/* the framing is not part of the body: "hea" "\r\n4\r\n" "lthy" never matches raw */
	assert_int_equal(verdict(&x,
				 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "5\r\nnot h\r\n6\r\nealthy\r\n0\r\n\r\n",
				 false, NULL, 0),
			 HC_HTTP_PASS);
	assert_int_equal(verdict(&x,
				 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "4\r\nsick\r\n0\r\n\r\n",
				 false, NULL, 0),
			 HC_HTTP_FAIL);
	/* a bad chunk size */
	assert_int_equal(verdict(&x,
				 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "zz\r\nhealthy",
				 false, NULL, 0),
			 HC_HTTP_FAIL);
	hc_http_expect_free(&x);
}

static void test_truncated(void **state)
{
	struct hc_http_expect x, xb;
	char why[160];

	(void)state;
	expect(&x, NULL, 0, NULL);
	expect(&xb, NULL, 0, "ok");
	assert_int_equal(verdict(&x, "", true, why, sizeof(why)), HC_HTTP_FAIL);
	assert_string_equal(why, "connection closed without a response");
	assert_int_equal(verdict(&x, "HTTP/1.1 200", true, why, sizeof(why)), HC_HTTP_FAIL);
	assert_string_equal(why, "connection closed in the response header (after 12 bytes)");
	assert_int_equal(verdict(&x, "HTTP/1.1 200 OK\r\nContent-Le", true, NULL, 0), HC_HTTP_FAIL);
	/* without EOF: no verdict yet */
	assert_int_equal(run(&x, "HTTP/1.1 200 OK\r\n", 17, 0, false, NULL, 0), HC_HTTP_MORE);
	/* closed in the middle of the announced body */
	assert_int_equal(verdict(&xb, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", true,
				 why, sizeof(why)),
			 HC_HTTP_FAIL);
	assert_string_equal(why, "connection closed in the body (after 47 bytes)");
	assert_int_equal(verdict(&xb,
				 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nno",
				 true, NULL, 0),
			 HC_HTTP_FAIL);
	hc_http_expect_free(&x);
	hc_http_expect_free(&xb);
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"garbage\r\n\r\n",
		"\x00\x01\x02\x03 binary",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/9.9.9 200 OK\r\n\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Header Line\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	};
	struct hc_http_expect x;
	char why[160];

	(void)state;
	expect(&x, NULL, 0, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = i == 1 ? 11 : strlen(bad[i]);

		assert_int_equal(run(&x, bad[i], len, 0, true, why, sizeof(why)), HC_HTTP_FAIL);
		assert_non_null(strstr(why, "malformed") ? why : strstr(why, "closed"));
		assert_int_equal(run(&x, bad[i], len, 1, true, NULL, 0), HC_HTTP_FAIL);
	}
	hc_http_expect_free(&x);
}

static void test_oversized_header(void **state)
{
	struct hc_http_expect x;
	struct hc_http_parse ps;
	size_t big = 1 << 20, fed = 0;
	char *text = malloc(big), why[160];
	enum hc_http_verdict v = HC_HTTP_MORE;
	int n;

	(void)state;
	assert_non_null(text);
	expect(&x, NULL, 0, NULL);
	n = snprintf(text, big, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(text + n, 'a', big - (size_t)n);
	/* fed as a server sends it, 4 KiB at a time: fails after 16 KiB */
	hc_http_parse_init(&ps, &x);
	while (fed < big && v == HC_HTTP_MORE) {
		v = hc_http_parse_feed(&ps, text + fed, 4096);
		fed += 4096;
	}
	assert_int_equal(v, HC_HTTP_FAIL);
	assert_true(fed <= HC_HTTP_HEADER_MAX + 4096);
	assert_true(ps.fed <= HC_HTTP_HEADER_MAX);
	snprintf(why, sizeof(why), "%s", hc_http_parse_reason(&ps));
	assert_string_equal(why, "response header too large (more than 16384 bytes)");
	/* at once: the same */
	assert_int_equal(run(&x, text, big, 0, false, NULL, 0), HC_HTTP_FAIL);
	/* many small headers add up the same way */
	for (size_t i = (size_t)n; i + 8 < big; i += 8)
		memcpy(text + i, "\r\nA: bb", 7), text[i + 7] = 'c';
	assert_int_equal(run(&x, text, big, 1000, false, NULL, 0), HC_HTTP_FAIL);
	/* just under the limit passes */
	memset(text, 0, big);
	n = snprintf(text, big, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(text + n, 'a', HC_HTTP_HEADER_MAX - 4 - (size_t)n);
	memcpy(text + HC_HTTP_HEADER_MAX - 4, "\r\n\r\n", 4);
	assert_int_equal(run(&x, text, HC_HTTP_HEADER_MAX, 0, false, NULL, 0), HC_HTTP_PASS);
	assert_int_equal(run(&x, text, HC_HTTP_HEADER_MAX, 333, false, NULL, 0), HC_HTTP_PASS);
	free(text);
	hc_http_expect_free(&x);
}

static void test_body_scan_is_bounded(void **state)
{
	struct hc_http_expect x;
	size_t body = 200000;
	char *text = malloc(body + 100), why[160];
	int n;

	(void)state;
	assert_non_null(text);
	expect(&x, NULL, 0, "needle");
	n = snprintf(text, 100, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", body);
	memset(text + n, 'x', body);
	memcpy(text + n + body - 6, "needle", 6); /* beyond the scanned part */
	assert_int_equal(run(&x, text, (size_t)n + body, 8192, false, why, sizeof(why)),
			 HC_HTTP_FAIL);
	assert_string_equal(why, "HTTP 200 but no \"needle\" in the first 65536 bytes of the body");
	memcpy(text + n + 1000, "needle", 6);
	assert_int_equal(run(&x, text, (size_t)n + body, 8192, false, NULL, 0), HC_HTTP_PASS);
	free(text);
	hc_http_expect_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_responses),
		cmocka_unit_test(test_status_ranges),
		cmocka_unit_test(test_body_text),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_oversized_header),
		cmocka_unit_test(test_body_scan_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
