// SPDX-License-Identifier: GPL-2.0-only
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "test_eal.h"

static struct rte_mempool *pool;
static char prefix[64];
static int started; /* 0 not yet, 1 up, -1 failed */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static void stop(void)
{
	char dir[PATH_MAX];

	rte_mempool_free(pool);
	pool = NULL;
	rte_eal_cleanup();
	/* EAL's runtime directory: /var/run for root, else XDG_RUNTIME_DIR or /tmp */
	if (geteuid() == 0)
		snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	else
		snprintf(dir, sizeof(dir), "%s/dpdk/%s",
			 getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "/tmp", prefix);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int test_eal_start(void)
{
	return test_eal_start_lcores(1);
}

int test_eal_start_lcores(unsigned int n)
{
	char lcore[32];
	char *argv[] = { "edgelb-test", "--no-huge", "-m", "256", "--no-pci", "--file-prefix",
			 prefix, n > 1 ? "--lcores" : "-l", lcore, "--log-level", "lib.eal:error",
			 NULL };
	int cpu = sched_getcpu();

	if (started)
		return started > 0 ? 0 : -1;
	started = -1;
	snprintf(prefix, sizeof(prefix), "edgelb-t%ld", (long)getpid());
	/* the CPU we run on: no idle worker threads, no other test's CPU */
	if (n > 1)
		snprintf(lcore, sizeof(lcore), "(0-%u)@%d", n - 1, cpu < 0 ? 0 : cpu);
	else
		snprintf(lcore, sizeof(lcore), "%d", cpu < 0 ? 0 : cpu);
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "test_eal: EAL: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	atexit(stop);
	pool = rte_pktmbuf_pool_create("edgelb_test", 2047, 0, 0,
				       RTE_PKTMBUF_HEADROOM + TEST_EAL_ALIGN + TEST_EAL_FIRST_BUF,
				       SOCKET_ID_ANY);
	if (!pool) {
		fprintf(stderr, "test_eal: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	started = 1;
	return 0;
}

struct rte_mempool *test_eal_pool(void)
{
	return pool;
}
