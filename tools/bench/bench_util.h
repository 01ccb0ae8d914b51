/* SPDX-License-Identifier: GPL-2.0-only */
/* What every benchmark here needs: a monotonic clock in ms, sorting doubles. */
#ifndef EDGELB_BENCH_UTIL_H
#define EDGELB_BENCH_UTIL_H

#include <time.h>

static inline double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* qsort() comparator for doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif /* EDGELB_BENCH_UTIL_H */
