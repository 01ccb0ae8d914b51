/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EAL for the DPDK tests: started once per process without hugepages or
 * PCI, on the one CPU the test runs on, under the file prefix
 * edgelb-t<pid>, whose runtime directory (/var/run/dpdk/edgelb-t<pid>
 * for root) is removed at exit. No root needed.
 */
#ifndef EDGELB_TEST_EAL_H
#define EDGELB_TEST_EAL_H

#include <rte_mempool.h>

/* Frames in the test pool: first segments as BPF_PROG_TEST_RUN's (host_dp.c). */
#define TEST_EAL_FIRST_BUF 3520
#define TEST_EAL_ALIGN 2 /* NET_IP_ALIGN */

/* 0, or -1 with a message. Later calls return what the first did. */
int test_eal_start(void);
/* The same with n lcores, all on the CPU the test runs on (lcore 0 the main one). */
int test_eal_start_lcores(unsigned int n);

/* The mbuf pool: data room for TEST_EAL_FIRST_BUF bytes after the headroom and alignment. */
struct rte_mempool *test_eal_pool(void);

#endif
