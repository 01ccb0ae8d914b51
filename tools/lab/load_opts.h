/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelb-load's command line: what to load and how hard, checked whole
 * before anything is opened, so a bad option is a usage error (exit 1)
 * with a message saying what to fix.
 */
#ifndef EDGELB_LOAD_OPTS_H
#define EDGELB_LOAD_OPTS_H

#include <sys/socket.h>

struct load_opts {
	struct sockaddr_storage dst;
	socklen_t dst_len;
	unsigned long rate, timeout_ms, duration_s, max_inflight;
	const char *control, *path;
};

/*
 * Fill o from argv (defaults: rate 200, timeout 1000 ms, duration 600 s,
 * max-inflight 2000, path "/"). --help prints the usage and exits 0.
 * Returns 0, or -1 after a message on stderr.
 */
int load_opts_parse(int argc, char **argv, struct load_opts *o);

#endif
