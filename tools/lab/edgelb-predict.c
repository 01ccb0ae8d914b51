// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-predict: which backend a flow goes to, computed from first
 * principles (the Maglev ring of the backends' names and weights, the
 * flow hash), without asking edgelbd or the data plane. The lab's tests
 * compare it with where connections really went.
 *
 * usage: edgelb-predict --ring-size M --client IP --vip IP --port P
 *                       [--proto tcp|udp] --sports FIRST-LAST
 *                       NAME[=WEIGHT] ...
 * prints one line "SPORT NAME" per source port.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "maglev.h"

static int parse_addr(const char *s, union edgelb_addr *a, uint8_t *family)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		*family = EDGELB_AF_INET;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		*family = EDGELB_AF_INET6;
	else
		return -1;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: edgelb-predict --ring-size M --client IP --vip IP --port P\n"
		     "                      [--proto tcp|udp] --sports FIRST-LAST NAME[=WEIGHT]...\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ring-size", required_argument, NULL, 'm' }, { "client", required_argument, NULL, 'c' },
		{ "vip", required_argument, NULL, 'v' },       { "port", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'P' },     { "sports", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },	       { NULL, 0, NULL, 0 },
	};
	uint32_t m = 0, *ring;
	union edgelb_addr client, vip;
	uint8_t fc = 0, fv = 0, proto = IPPROTO_TCP;
	unsigned int port = 0, first = 0, last = 0;
	struct maglev_backend *be;
	char **names;
	int opt, n;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			m = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			if (parse_addr(optarg, &client, &fc))
				return fprintf(stderr, "--client: bad address %s\n", optarg), 2;
			break;
		case 'v':
			if (parse_addr(optarg, &vip, &fv))
				return fprintf(stderr, "--vip: bad address %s\n", optarg), 2;
			break;
		case 'p':
			port = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			proto = !strcmp(optarg, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
			break;
		case 's':
			if (sscanf(optarg, "%u-%u", &first, &last) != 2 || first > last || last > 65535)
				return fprintf(stderr, "--sports: want FIRST-LAST\n"), 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	n = argc - optind;
	if (!maglev_size_valid(m) || !fc || fc != fv || !port || !last || n < 1) {
		usage(stderr);
		return 2;
	}
	be = calloc((size_t)n, sizeof(*be));
	names = calloc((size_t)n, sizeof(*names));
	ring = malloc(sizeof(*ring) * m);
	if (!be || !names || !ring)
		return 1;
	for (int i = 0; i < n; i++) {
		char *eq;

		names[i] = strdup(argv[optind + i]);
		eq = strchr(names[i], '=');
		be[i].weight = 100;
		if (eq) {
			*eq = 0;
			be[i].weight = (uint32_t)strtoul(eq + 1, NULL, 10);
		}
		be[i].key = names[i];
		be[i].key_len = strlen(names[i]);
		be[i].id = (uint32_t)i;
	}
	if (maglev_build(be, (size_t)n, m, ring)) {
		fprintf(stderr, "edgelb-predict: bad backend list\n");
		return 1;
	}
	for (unsigned int sp = first; sp <= last; sp++) {
		uint32_t h = edgelb_flow_hash(&client, &vip, htons((uint16_t)sp), htons((uint16_t)port),
					      proto, fc);
		uint32_t id = ring[h % m];

		printf("%u %s\n", sp, id < (uint32_t)n ? names[id] : "-");
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(be);
	free(ring);
	return 0;
}
