// SPDX-License-Identifier: GPL-2.0-only
/* edgelb-dpdk's options (options.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_version.h>

#include "options.h"
#include "tables.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgelb-dpdk [EAL options] -- [options]\n"
		"\n"
		"The DPDK data plane of edgelb: forwards VIP traffic with the tables edgelbd\n"
		"writes; whatever is not for a VIP goes to the data port's exception TAP.\n"
		"\n"
		"  --data PORT        a data port (device or --vdev name, or port number)\n"
		"  --exception PORT   the exception port of the last --data (a net_tap vdev)\n"
		"  --ifindex N        node-config key of the last --data (default: the\n"
		"                     kernel ifindex of its exception TAP)\n"
		"  --tables PATH      the tables file (default %s)\n"
		"  --create           create the tables file when it does not exist\n"
		"  --flows N          flow table entries (default %u)\n"
		"  -h, --help         this text;  --version  the version\n"
		"\n"
		"Workers: EAL's -l or --lcores. Every lcore forwards when each data port\n"
		"spreads flows by RSS over that many queues; else the main lcore reads the\n"
		"ports without RSS and hands each frame to the other lcores by flow hash\n"
		"(with two lcores and no RSS: one forwards). At most the tables file's lcore\n"
		"slots (edgelbd makes 16).\n"
		"\n"
		"Example: edgelb-dpdk -l 1 --no-pci --vdev net_af_xdp0,iface=eth1 \\\n"
		"           --vdev net_tap0,iface=edge0 -- --data net_af_xdp0 --exception net_tap0\n",
		EDGELB_TABLES_DEFAULT_PATH, EDGELB_FLOW_TABLE_SIZE);
}

/* A number in [lo, hi], or -1 with a message. */
static long number(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "edgelb-dpdk: %s: \"%s\" is not a number in %ld..%ld\n", opt, s, lo,
			hi);
		return -1;
	}
	return v;
}

int edgelb_dpdk_options_parse(int argc, char **argv, struct edgelb_dpdk_options *o)
{
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "exception", required_argument, NULL, 'e' },
		{ "ifindex", required_argument, NULL, 'i' },
		{ "tables", required_argument, NULL, 't' },
		{ "create", no_argument, NULL, 'c' },
		{ "flows", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	long v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (o->n_ports == EDGELB_DPDK_MAX_PORTS) {
				fprintf(stderr, "edgelb-dpdk: at most %d data ports\n",
					EDGELB_DPDK_MAX_PORTS);
				return -1;
			}
			o->data[o->n_ports++] = optarg;
			break;
		case 'e':
		case 'i':
			if (!o->n_ports) {
				fprintf(stderr, "edgelb-dpdk: --%s belongs to a --data before it\n",
					c == 'e' ? "exception" : "ifindex");
				return -1;
			}
			if (c == 'e') {
				o->exception[o->n_ports - 1] = optarg;
				break;
			}
			v = number("--ifindex", optarg, 1, UINT32_MAX);
			if (v < 0)
				return -1;
			o->ifindex[o->n_ports - 1] = (uint32_t)v;
			break;
		case 't':
			o->tables = optarg;
			break;
		case 'c':
			o->create = 1;
			break;
		case 'f':
			v = number("--flows", optarg, EDGELB_FLOW_WAYS, 1L << 27);
			if (v < 0)
				return -1;
			o->flows = (uint32_t)v;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "edgelb-dpdk: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!o->n_ports) {
		fprintf(stderr, "edgelb-dpdk: no --data port\n");
		return -1;
	}
	return 0;
}

/* --help and --version answer before EAL starts: no root, no memory. */
int edgelb_dpdk_options_early(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("edgelb-dpdk %s (%s)\n", EDGELB_VERSION, rte_version());
			return 0;
		}
	}
	return -1;
}

