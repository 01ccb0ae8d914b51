// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-load's command line (see load_opts.h) and its --help, which is
 * the reference for the report lines (docs/edgelb-load.1 says the same at
 * more length).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "load_opts.h"

static const char usage_text[] =
	"usage: edgelb-load --target ADDR:PORT [--rate N] [--timeout MS] [--duration S]\n"
	"                   [--control FIFO] [--path PATH] [--max-inflight N]\n"
	"\n"
	"Starts HTTP/1.0 GETs toward ADDR:PORT (IPv4, or [IPv6]:PORT), each on a new\n"
	"TCP connection, and reports them period by period on stdout.\n"
	"\n"
	"  --target ADDR:PORT  where to connect (required)\n"
	"  --rate N            requests started per second, evenly paced (default 200,\n"
	"                      1-100000); a late client catches up\n"
	"  --timeout MS        per request, from connect to the end of the reply\n"
	"                      (default 1000, 1-60000)\n"
	"  --duration S        hard bound on the run (default 600, at most 3600)\n"
	"  --control FIFO      read commands from this FIFO (created by the caller):\n"
	"                        mark NAME  close the current period, open NAME\n"
	"                                   ([A-Za-z0-9._-]+) at this instant\n"
	"                        stop       end the run\n"
	"  --path PATH         request path (default /)\n"
	"  --max-inflight N    requests in flight at most (default 2000); a start\n"
	"                      beyond it fails as \"overload\"\n"
	"\n"
	"A request is OK iff the reply's status line is HTTP/1.x 200 and its body is\n"
	"not empty; its body's first line labels it: \"BACKEND [SITE]\". Failures:\n"
	"timeout, refused, reset, unreachable, status (not 200, unparsable, no\n"
	"body, over 64 KiB), overload, other.\n"
	"\n"
	"Output (one line each, flushed): \"ready\" once the first request starts;\n"
	"per period, once all its requests have ended (the first is \"start\"):\n"
	"  period NAME requests=N ok=N failed=N timeout=N refused=N reset=N\n"
	"    unreachable=N status=N overload=N other=N outage_ms=X first_fail_ms=X\n"
	"    last_fail_ms=X max_latency_ms=X p99_latency_ms=X [unresolved=1]\n"
	"    spread BACKEND=N... site SITE=N...\n"
	"and at the end (stop, --duration, SIGTERM/SIGINT; in-flight requests are\n"
	"waited for):\n"
	"  total requests=N failed=N outage_ms=X [unresolved=1] spread ... site ...\n"
	"\n"
	"A request belongs to the period in which it started. outage_ms: 0 if the\n"
	"period had no failure; else R - M, M the period's mark (the program's start\n"
	"for \"start\"), F the start of its last-started failed request, R the first\n"
	"good reply to a request started after F (possibly in a later period): the\n"
	"time from the fault to the first good reply of a request sent after the last\n"
	"failure, by this client's clock. If the run ends before such a reply,\n"
	"outage_ms is M to the end of the run and unresolved=1 is added.\n"
	"first_fail_ms/last_fail_ms: starts of the first/last failed request after M\n"
	"(-1: none). Latencies: OK requests, connect to EOF. Times are whole ms,\n"
	"rounded up. Spread: OK requests by backend and by site, sorted by name,\n"
	"nonzero counts only; beyond 64 names, \"other-labels\".\n"
	"Exit status: 0 after a run, 1 on a usage or setup error.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("edgelb-load: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(edgelb-load --help for the usage)\n", stderr);
	return -1;
}

/* "1.2.3.4:80" or "[2001:db8::1]:80" */
static int parse_target(const char *arg, struct load_opts *o)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hlen;
	bool v6 = arg[0] == '[';

	if (v6) {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':')
			return usage_error("--target %s: write an IPv6 address as [ADDR]:PORT", arg);
		hlen = (size_t)(close - arg - 1);
		colon = close + 1;
		arg++;
	} else {
		colon = strrchr(arg, ':');
		if (!colon)
			return usage_error("--target %s: no :PORT", arg);
		hlen = (size_t)(colon - arg);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return usage_error("--target %s: no address before :PORT", arg);
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || port == 0 || port > 65535)
		return usage_error("--target: port '%s' is not 1-65535", colon + 1);

	memset(&o->dst, 0, sizeof(o->dst));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&o->dst;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return usage_error("--target: '%s' is not an IPv6 address", host);
		o->dst_len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&o->dst;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return usage_error("--target: '%s' is not an IPv4 address (IPv6: [ADDR]:PORT)",
					   host);
		o->dst_len = sizeof(*a);
	}
	return 0;
}

static int parse_ulong(const char *opt, const char *arg, unsigned long min, unsigned long max,
		       unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(arg, &end, 10);
	if (errno || *end || arg[0] == '\0' || arg[0] == '-' || *v < min || *v > max) {
		fprintf(stderr, "edgelb-load: %s %s: give a whole number from %lu to %lu\n", opt,
			arg, min, max);
		return -1;
	}
	return 0;
}

int load_opts_parse(int argc, char **argv, struct load_opts *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, 'd' },
		{ "control", required_argument, NULL, 'c' },
		{ "path", required_argument, NULL, 'p' },
		{ "max-inflight", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_target = false;
	int c;

	*o = (struct load_opts){ .rate = 200, .timeout_ms = 1000, .duration_s = 600,
			    .max_inflight = 2000, .path = "/" };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int err = 0;

		switch (c) {
		case 't':
			err = parse_target(optarg, o);
			have_target = true;
			break;
		case 'r':
			err = parse_ulong("--rate", optarg, 1, 100000, &o->rate);
			break;
		case 'T':
			err = parse_ulong("--timeout", optarg, 1, 60000, &o->timeout_ms);
			break;
		case 'd':
			err = parse_ulong("--duration", optarg, 1, 3600, &o->duration_s);
			break;
		case 'c':
			o->control = optarg;
			break;
		case 'p':
			o->path = optarg;
			break;
		case 'm':
			err = parse_ulong("--max-inflight", optarg, 1, 100000, &o->max_inflight);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs("(edgelb-load --help for the usage)\n", stderr);
			return -1;
		}
		if (err)
			return -1;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!have_target)
		return usage_error("%s", "--target ADDR:PORT is required");
	/* it goes on the request line as it is */
	if (o->path[0] != '/' || strpbrk(o->path, " \t\r\n") || strlen(o->path) > 1024)
		return usage_error("--path '%s': start with '/', no blanks, at most 1024 bytes",
				   o->path);
	return 0;
}

