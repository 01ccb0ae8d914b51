/* SPDX-License-Identifier: GPL-2.0-only */
/* edgelb-dpdk's own options (after EAL's and "--"): edgelb-dpdk(8). */
#ifndef EDGELB_DPDK_OPTIONS_H
#define EDGELB_DPDK_OPTIONS_H

#include <stdint.h>

#include "worker.h"

struct edgelb_dpdk_options {
	const char *tables;
	const char *data[EDGELB_DPDK_MAX_PORTS];
	const char *exception[EDGELB_DPDK_MAX_PORTS];
	uint32_t ifindex[EDGELB_DPDK_MAX_PORTS]; /* 0: the exception port's */
	unsigned int n_ports;
	uint32_t flows;
	int create;
};

/* Fill o (defaults already in it) from argv; 0, or -1 with a message. */
int edgelb_dpdk_options_parse(int argc, char **argv, struct edgelb_dpdk_options *o);

/*
 * --help or --version anywhere on the command line: answered before EAL
 * starts (no root, no memory), returns 0. Else -1.
 */
int edgelb_dpdk_options_early(int argc, char **argv);

#endif /* EDGELB_DPDK_OPTIONS_H */
