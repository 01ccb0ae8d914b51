/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state file: the runtime layer of lb.h (what lbctl changed) and the
 * name -> id assignments, as versioned JSON. Written atomically (temp file,
 * fsync, rename, fsync of the directory) so that a crash at any moment
 * leaves either the old or the new file, never a torn one.
 */
#ifndef EDGELB_STATE_H
#define EDGELB_STATE_H

#include <stddef.h>

#include "lb.h"

#define EDGELB_STATE_VERSION 1

/* Serialise lb's runtime layer and ids; returns a malloc'd string or NULL. */
char *edgelb_state_to_json(const struct lb *lb);

/*
 * Replace lb's runtime layer and ids with those in json. On error lb is
 * unchanged and err says what is wrong ("runtime.overrides[2].weight:
 * must be 0..65535"). Returns 0, -EINVAL or -ENOMEM.
 */
int edgelb_state_from_json(struct lb *lb, const char *json, char *err, size_t err_len);

/* Atomically write lb's state to path; 0 or a negative errno. */
int edgelb_state_save(const struct lb *lb, const char *path);

/*
 * Load path into lb. A missing file is not an error (first start): returns
 * -ENOENT and leaves lb alone. Other errors as edgelb_state_from_json, or
 * a negative errno from reading.
 */
int edgelb_state_load(struct lb *lb, const char *path, char *err, size_t err_len);

#endif /* EDGELB_STATE_H */
