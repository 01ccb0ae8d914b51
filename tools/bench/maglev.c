// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maglev ring build time for N = 10, 100, 1000 backends at the two ring
 * sizes. Prints the median and the fastest of several builds (the machine
 * is shared: the minimum is the least disturbed figure, the median the
 * typical one). A benchmark, not a test: it asserts nothing.
 *
 * usage: bench-maglev [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "maglev.h"

int main(int argc, char **argv)
{
	static const size_t counts[] = { 10, 100, 1000 };
	static const uint32_t sizes[] = { 65537, 655373 };
	int rounds = argc > 1 ? atoi(argv[1]) : 21;

	if (rounds < 1 || rounds > 10000) {
		fprintf(stderr, "usage: %s [ROUNDS 1..10000]\n", argv[0]);
		return 2;
	}
	printf("%-8s %-6s %12s %12s\n", "M", "N", "median_ms", "min_ms");
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint32_t m = sizes[si];
		uint32_t *ring = malloc(sizeof(*ring) * m);
		double *t = calloc((size_t)rounds, sizeof(*t));

		if (!ring || !t)
			return 1;
		for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
			size_t n = counts[ci];
			struct maglev_backend *be = calloc(n, sizeof(*be));
			char(*names)[24] = calloc(n, sizeof(*names));

			if (!be || !names)
				return 1;
			for (size_t i = 0; i < n; i++) {
				int len = snprintf(names[i], sizeof(names[i]), "10.1.%zu.%zu:80",
						   i / 250, i % 250 + 1);
				be[i] = (struct maglev_backend){
					.key = names[i], .key_len = (size_t)len, .weight = 100,
					.id = (uint32_t)i
				};
			}
			for (int r = 0; r < rounds; r++) {
				double t0 = bench_now_ms();

				if (maglev_build(be, n, m, ring)) {
					fprintf(stderr, "maglev_build failed\n");
					return 1;
				}
				t[r] = bench_now_ms() - t0;
			}
			qsort(t, (size_t)rounds, sizeof(*t), bench_cmp_double);
			printf("%-8u %-6zu %12.3f %12.3f\n", m, n, t[rounds / 2], t[0]);
			free(be);
			free(names);
		}
		free(ring);
		free(t);
	}
	return 0;
}
