// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

void fuzz_mutate(const uint8_t *seed, size_t len, const uint8_t *subst, size_t n_subst)
{
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		abort();
	LLVMFuzzerTestOneInput(seed, len);
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = malloc(n ? n : 1);

		if (!cut)
			abort();
		memcpy(cut, seed, n);
		LLVMFuzzerTestOneInput(cut, n);
		free(cut);
	}
	for (size_t i = 0; i < len; i++)
		for (size_t k = 0; k < n_subst; k++) {
			memcpy(buf, seed, len);
			buf[i] = subst[k];
			LLVMFuzzerTestOneInput(buf, len);
		}
	free(buf);
}

long fuzz_read_file(const char *target, const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", target, path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	return (long)n;
}
