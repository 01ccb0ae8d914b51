// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelbd: the edgelb control-plane daemon.
 *
 * For now only the configuration check is built ("edgelbd -t FILE"), so
 * that configs can be written, reviewed and tested in CI before the daemon
 * loop exists.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Exit codes: 0 OK, 1 the configuration is invalid, 2 usage or not built. */
#define EDGELBD_EXIT_INVALID 1
#define EDGELBD_EXIT_USAGE 2

static const struct option edgelbd_options[] = {
	{ "check-config", required_argument, NULL, 't' },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void edgelbd_usage(FILE *out)
{
	fprintf(out,
		"Usage: edgelbd [-c FILE]\n"
		"       edgelbd -t FILE\n"
		"\n"
		"edgelb control-plane daemon: programs the data plane, runs VRRP and\n"
		"health checks, answers lbctl.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE        configuration file (default %s)\n"
		"  -t, --check-config FILE  validate FILE, print every problem, then exit:\n"
		"                           0 valid, 1 invalid\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"See edgelbd(8) and edgelb.conf(5).\n",
		EDGELB_CONFIG_DEFAULT_PATH);
}

static int edgelbd_check_config(const char *path)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	int ret;

	ret = edgelb_config_load(path, &cfg, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "%s\n", errs.items[i].text);
	if (errs.n_dropped)
		fprintf(stderr, "%s: %zu more messages not shown\n", path, errs.n_dropped);
	if (ret == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", path);
	if (!ret)
		printf("%s: configuration OK (%zu services, %zu backends, %zu VRRP instances)\n",
		       path, cfg.n_services, edgelb_config_backend_count(&cfg), cfg.n_vrrp);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
	return ret ? EDGELBD_EXIT_INVALID : 0;
}

int main(int argc, char **argv)
{
	const char *check = NULL;
	int opt;

	/* leading ':' so that a missing argument is told apart from a bad option */
	while ((opt = getopt_long(argc, argv, ":t:c:hV", edgelbd_options, NULL)) != -1) {
		switch (opt) {
		case 't':
			check = optarg;
			break;
		case 'c':
			/* read by the daemon loop, once it exists */
			break;
		case 'h':
			edgelbd_usage(stdout);
			return 0;
		case 'V':
			printf("edgelbd %s\n", EDGELB_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "edgelbd: option %s needs a FILE argument\n",
				argv[optind - 1]);
			edgelbd_usage(stderr);
			return EDGELBD_EXIT_USAGE;
		default:
			fprintf(stderr, "edgelbd: unknown option %s\n", argv[optind - 1]);
			edgelbd_usage(stderr);
			return EDGELBD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "edgelbd: unexpected argument \"%s\"\n", argv[optind]);
		edgelbd_usage(stderr);
		return EDGELBD_EXIT_USAGE;
	}
	if (check)
		return edgelbd_check_config(check);
	fprintf(stderr, "edgelbd: the daemon loop is not built yet; only --check-config works "
			"in this version\n");
	return EDGELBD_EXIT_USAGE;
}
