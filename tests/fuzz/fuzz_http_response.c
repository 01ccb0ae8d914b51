// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: an HTTP response to a health check
 * (controlplane/health/http_parse.c), as any backend, or whatever answers
 * on its address, may send it. Input: byte 0 chooses the expectation
 * (status ranges, body text), byte 1 the size of the reads, the rest is
 * the response. Properties checked beyond "no crash, no sanitizer report":
 *  - the verdict does not depend on how the bytes arrive: fed at once,
 *    in reads of the chosen size, and one byte at a time, it is the same;
 *  - after EOF there is always a verdict, with a reason;
 *  - a verdict stays (feeding more or EOF again changes nothing);
 *  - never more than HC_HTTP_HEADER_MAX bytes are given to the parser
 *    before the headers are complete.
 *
 * Built two ways, as fuzz_ctl_request.c: with -fsanitize=fuzzer (meson
 * -Dfuzz=true, clang) LLVMFuzzerTestOneInput is libFuzzer's entry point;
 * otherwise main() below replays the files given as arguments and
 * built-in seeds, each cut at every length and with bytes replaced, as a
 * plain meson test.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct edgelb_config_status_range fuzz_ranges[][2] = {
	{ { 200, 399 } },
	{ { 200, 200 }, { 301, 302 } },
	{ { 100, 599 } },
};

static enum hc_http_verdict fuzz_run(const struct hc_http_expect *x, const char *buf,
				     size_t len, size_t step, char *reason, size_t rlen)
{
	struct hc_http_parse ps;
	enum hc_http_verdict v = HC_HTTP_MORE, again;

	hc_http_parse_init(&ps, x);
	for (size_t o = 0; o < len && v == HC_HTTP_MORE;) {
		size_t n = step && step < len - o ? step : len - o;

		v = hc_http_parse_feed(&ps, buf + o, n);
		o += n;
		if (!ps.headers_done && ps.fed > HC_HTTP_HEADER_MAX)
			abort();
	}
	if (v == HC_HTTP_MORE)
		v = hc_http_parse_eof(&ps);
	if (v == HC_HTTP_MORE || !hc_http_parse_reason(&ps)[0] ||
	    !hc_http_parse_stage(&ps)[0])
		abort();
	/* a verdict stays */
	again = hc_http_parse_feed(&ps, "HTTP/1.1 200 OK\r\n\r\n", 19);
	if (again != v || hc_http_parse_eof(&ps) != v)
		abort();
	if (reason)
		snprintf(reason, rlen, "%s", hc_http_parse_reason(&ps));
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bodies[] = { NULL, "ok", "status: ok", "aab" };
	struct hc_http_expect x;
	const char *buf;
	size_t len, step;
	enum hc_http_verdict v;
	char r1[160], r2[160];
	unsigned int sel;

	if (size < 2)
		return 0;
	sel = data[0];
	step = data[1] ? data[1] : 1;
	buf = (const char *)data + 2;
	len = size - 2;
	if (hc_http_expect_init(&x, fuzz_ranges[sel % 3], sel % 3 == 1 ? 2 : 1,
				bodies[(sel / 3) % 4]) == -ENOMEM)
		return 0;
	v = fuzz_run(&x, buf, len, 0, r1, sizeof(r1));
	if (fuzz_run(&x, buf, len, step, r2, sizeof(r2)) != v || strcmp(r1, r2))
		abort();
	if (len < 4096 && fuzz_run(&x, buf, len, 1, NULL, 0) != v)
		abort();
	hc_http_expect_free(&x);
	return 0;
}

#ifndef EDGELB_LIBFUZZER

#include "replay.h"

/* Seeds built in (selector, read size, response). */
static const char *const builtin_seeds[] = {
	"\x00\x07HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"\x03\x03HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	"1\r\no\r\n1\r\nk\r\n0\r\n\r\n",
	"\x07\x05HTTP/1.1 200 OK\r\n\r\nstatus: status: ok",
	"\x0a\x02HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\naaaab",
	"\x01\x01HTTP/1.1 302 Found\r\n\r\n",
	"\x02\x09HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
};

static void run_mutations(const uint8_t *seed, size_t len)
{
	static const uint8_t subst[] = { 0x00, '\r', '\n', ':', ' ', '0', '9', 'f', 0xff, 'H' };

	fuzz_mutate(seed, len, subst, sizeof(subst));
}

/* A seed file holds a response; each is tried with every expectation. */
static int replay_file(const char *path)
{
	size_t cap = 256 * 1024;
	uint8_t *buf = malloc(2 + cap + 1);
	long n = buf ? fuzz_read_file("fuzz_http_response", path, buf + 2, cap) : -1;

	for (unsigned int sel = 0; n >= 0 && sel < 12; sel++) {
		buf[0] = (uint8_t)sel;
		buf[1] = (uint8_t)(3 + sel);
		run_mutations(buf, (size_t)n + 2);
	}
	free(buf);
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	size_t runs = 0, big = 1 << 20;
	uint8_t *huge;

	for (size_t i = 0; i < sizeof(builtin_seeds) / sizeof(builtin_seeds[0]); i++, runs++)
		run_mutations((const uint8_t *)builtin_seeds[i], strlen(builtin_seeds[i] + 2) + 2);
	for (int i = 1; i < argc; i++, runs++)
		if (replay_file(argv[i]))
			return 1;
	/* a 1 MB header, in 16 KiB reads */
	huge = malloc(big);
	if (!huge)
		return 1;
	memset(huge, 'a', big);
	huge[0] = 0;
	huge[1] = 0xff;
	memcpy(huge + 2, "HTTP/1.1 200 OK\r\nX: ", 20);
	LLVMFuzzerTestOneInput(huge, big);
	free(huge);
	printf("fuzz_http_response: %zu seeds replayed with their mutations\n", runs);
	return 0;
}

#endif /* EDGELB_LIBFUZZER */
