// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-load's verdict on a reply (tools/lab/load_reply.c): good replies
 * and their labels, status line variants, a missing or empty body, a body
 * without a site, names that would break "name=count", a reply over
 * 64 KiB, and the errno -> reason table. Each reply is fed whole, split at
 * every byte, and one byte at a time: the verdict must not depend on how
 * reads cut it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "load_reply.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Feed len bytes in pieces of step (0: at once), then EOF. */
static enum load_reason run(const char *text, size_t len, size_t step, struct load_label *l)
{
	struct load_reply r;

	load_reply_init(&r);
	for (size_t o = 0; o < len;) {
		size_t n = step && step < len - o ? step : len - o;

		if (!load_reply_feed(&r, text + o, n))
			break;
		o += n;
	}
	return load_reply_eof(&r, l);
}

/* The verdict at once, split in two at every point, and byte by byte. */
static enum load_reason verdict(const char *text, struct load_label *l)
{
	size_t len = strlen(text);
	enum load_reason v = run(text, len, 0, l);
	struct load_label l2;

	assert_int_equal(run(text, len, 1, &l2), v);
	assert_memory_equal(&l2, l, sizeof(l2));
	for (size_t cut = 1; cut < len; cut++) {
		struct load_reply r;

		load_reply_init(&r);
		if (load_reply_feed(&r, text, cut))
			load_reply_feed(&r, text + cut, len - cut);
		assert_int_equal(load_reply_eof(&r, &l2), v);
		assert_memory_equal(&l2, l, sizeof(l2));
	}
	return v;
}

static void test_good(void **state)
{
	static const struct {
		const char *text, *backend, *site;
	} cases[] = {
		/* what the lab's nginx sends */
		{ "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\n"
		  "Content-Length: 8\r\nConnection: close\r\n\r\nbe4 dc2\n",
		  "be4", "dc2" },
		{ "HTTP/1.0 200 OK\r\n\r\nbe1 dc1", "be1", "dc1" },
		/* no reason phrase; several spaces; bare LF line ends */
		{ "HTTP/1.1 200\r\n\r\nbe2 dc1\n", "be2", "dc1" },
		{ "HTTP/1.1   200   Fine\n\nbe3\tdc1\r\n", "be3", "dc1" },
		/* no site: the site stays empty (not counted) */
		{ "HTTP/1.1 200 OK\r\n\r\nbe5\n", "be5", "" },
		/* blanks around, and a third word ignored */
		{ "HTTP/1.1 200 OK\r\n\r\n  be6   dc2  extra \r\nsecond line\n", "be6", "dc2" },
		/* a body whose first line is empty: OK, backend "-" */
		{ "HTTP/1.1 200 OK\r\n\r\n\nbe1 dc1\n", "-", "" },
		/* '=' and bytes outside printable ASCII become '_' */
		{ "HTTP/1.1 200 OK\r\n\r\nb=e\x01 d\xc3\xa9\n", "b_e_", "d__" },
		/* names are cut at LOAD_NAME_MAX - 1 = 31 bytes */
		{ "HTTP/1.1 200 OK\r\n\r\n0123456789abcdef0123456789abcdefXYZ s\n",
		  "0123456789abcdef0123456789abcde", "s" },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct load_label l;

		assert_int_equal(verdict(cases[i].text, &l), LOAD_OK);
		assert_string_equal(l.backend, cases[i].backend);
		assert_string_equal(l.site, cases[i].site);
	}
}

static void test_bad(void **state)
{
	static const char *const cases[] = {
		"",				     /* nothing before EOF */
		"HTTP/1.1 200 OK",		     /* status line never ends */
		"HTTP/1.1 200 OK\r\nServer: x\r\n",  /* header never ends */
		"HTTP/1.1 200 OK\r\n\r\n",	     /* empty body */
		"HTTP/1.1 404 Not Found\r\n\r\nno\n",
		"HTTP/1.1 503\r\n\r\nbusy\n",
		"HTTP/1.1 2000 OK\r\n\r\nbe1\n",     /* four digits */
		"HTTP/1.1 20 OK\r\n\r\nbe1\n",
		"HTTP/1.1 2x0 OK\r\n\r\nbe1\n",
		"HTTP/1.1200 OK\r\n\r\nbe1\n",	     /* no space */
		"HTTP/2 200\r\n\r\nbe1\n",	     /* not HTTP/1.x */
		"HTTP/1.x 200\r\n\r\nbe1\n",
		"http/1.1 200 OK\r\n\r\nbe1\n",
		" HTTP/1.1 200 OK\r\n\r\nbe1\n",     /* leading garbage */
		"SSH-2.0-OpenSSH\r\n",
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct load_label l;

		assert_int_equal(verdict(cases[i], &l), LOAD_STATUS);
	}
}

/* 64 KiB whole is still read; one byte more makes it "status" at once. */
static void test_oversize(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n\r\nbe1 dc1\n";
	size_t len = LOAD_REPLY_MAX + 1;
	char *text = malloc(len);
	struct load_reply r;
	struct load_label l;

	(void)state;
	assert_non_null(text);
	memcpy(text, head, sizeof(head) - 1);
	memset(text + sizeof(head) - 1, 'x', len - (sizeof(head) - 1));

	load_reply_init(&r);
	assert_true(load_reply_feed(&r, text, LOAD_REPLY_MAX));
	assert_int_equal(load_reply_eof(&r, &l), LOAD_OK);
	assert_string_equal(l.backend, "be1");

	load_reply_init(&r);
	assert_true(load_reply_feed(&r, text, LOAD_REPLY_MAX));
	assert_false(load_reply_feed(&r, text + LOAD_REPLY_MAX, 1));
	assert_int_equal(load_reply_eof(&r, &l), LOAD_STATUS);
	assert_string_equal(r.why, "reply larger than 64 KiB");
	/* a verdict stays */
	assert_false(load_reply_feed(&r, "HTTP/1.1 200 OK\r\n\r\nx\n", 21));
	assert_int_equal(load_reply_eof(&r, &l), LOAD_STATUS);
	free(text);
}

/* The status line longer than the kept bytes is judged by its start. */
static void test_long_status_line(void **state)
{
	char text[400];
	struct load_label l;

	(void)state;
	strcpy(text, "HTTP/1.1 200 ");
	memset(text + 13, 'A', 300);
	strcpy(text + 313, "\r\n\r\nbe1 dc1\n");
	assert_int_equal(verdict(text, &l), LOAD_OK);
	assert_string_equal(l.backend, "be1");
}

static void test_errno(void **state)
{
	static const struct {
		int err;
		enum load_reason r;
		const char *name;
	} cases[] = {
		{ ECONNREFUSED, LOAD_REFUSED, "refused" }, { ECONNRESET, LOAD_RESET, "reset" },
		{ EPIPE, LOAD_RESET, "reset" },		    { EHOSTUNREACH, LOAD_UNREACHABLE, "unreachable" },
		{ ENETUNREACH, LOAD_UNREACHABLE, "unreachable" },
		{ ETIMEDOUT, LOAD_TIMEOUT, "timeout" },	    { EMFILE, LOAD_OTHER, "other" },
		{ EADDRNOTAVAIL, LOAD_OTHER, "other" },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		assert_int_equal(load_reason_of_errno(cases[i].err), cases[i].r);
		assert_string_equal(load_reason_name(cases[i].r), cases[i].name);
	}
	assert_string_equal(load_reason_name(LOAD_STATUS), "status");
	assert_string_equal(load_reason_name(LOAD_OVERLOAD), "overload");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_long_status_line),
		cmocka_unit_test(test_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
