/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The replay driver shared by the fuzz targets when they are built without
 * libFuzzer (every build): seeds and their mechanical mutations go through
 * the target's LLVMFuzzerTestOneInput, so the sanitizers see every parser
 * path the seeds reach without a fuzzing engine.
 */
#ifndef EDGELB_FUZZ_REPLAY_H
#define EDGELB_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * seed as it is, every prefix of it (each in a buffer of exactly that
 * size, so that a read past the end is a sanitizer error), and seed with
 * each byte replaced by each of subst[0..n_subst).
 */
void fuzz_mutate(const uint8_t *seed, size_t len, const uint8_t *subst, size_t n_subst);

/*
 * Read at most max bytes of path into buf (max + 1 bytes long, so that a
 * file larger than max still reaches the target as max + 1 bytes).
 * Returns the length, or -1 with a message naming target and file.
 */
long fuzz_read_file(const char *target, const char *path, uint8_t *buf, size_t max);

#endif /* EDGELB_FUZZ_REPLAY_H */
