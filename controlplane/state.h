/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state file: what must survive a restart of edgelbd, as versioned
 * JSON, in sections that their owners register and serialise: the
 * balancer model's runtime layer and ids ("lb", state_lb.h), VRRP's
 * operator state ("vrrp", vrrp/saved.h); later BGP's and a site's. This
 * file knows none of them: it reads and writes the file, and loads all
 * or nothing.
 *
 * Written atomically (temp file, fsync, rename, fsync of the directory)
 * so that a crash at any moment leaves either the old or the new file,
 * never a torn one.
 *
 * Compatibility: version 1 keeps the layout of the first state files,
 * which had the model's members at the top level and a "vrrp" object;
 * "lb" therefore registers at the root. Top-level keys that no section
 * claims (a section of a newer edgelbd, after a rollback) are kept as
 * found and written back, so a downgrade and upgrade lose nothing.
 */
#ifndef EDGELB_STATE_H
#define EDGELB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDGELB_STATE_VERSION 1
#define EDGELB_STATE_SECTIONS_MAX 8

struct json_object;

/* Where a section's reader reports the first problem ("vrrp.held[1]: ..."). */
struct edgelb_state_reader {
	char *err;
	size_t err_len;
	int failed;
};

struct edgelb_state_section {
	const char *name;	     /* its top-level key, and its name in messages */
	bool at_root;		     /* members at the top level (the v1 layout of "lb") */
	const char *const *root_keys; /* at_root: the top-level keys it owns, NULL-ended */
	/* Add the section's members to obj (its own object, or the root). */
	int (*save)(void *owner, struct json_object *obj);
	/*
	 * Read obj (NULL: the file has no such section; an older file) into
	 * *staged without touching the owner; report problems through
	 * edgelb_state_fail(). Returns 0 or a negative errno.
	 */
	int (*load)(void *owner, struct json_object *obj, void **staged,
		    struct edgelb_state_reader *r);
	/* Take what load staged, once every section has loaded. */
	void (*commit)(void *owner, void *staged);
	/* Free what load staged when another section failed. */
	void (*discard)(void *staged);
	void *owner;
};

struct edgelb_state {
	struct edgelb_state_section sections[EDGELB_STATE_SECTIONS_MAX];
	size_t n;
	struct json_object *carried; /* top-level keys no section owns, as found */
};

void edgelb_state_init(struct edgelb_state *st);
void edgelb_state_free(struct edgelb_state *st);

/* Add a section (saved and loaded in the order registered); -EEXIST, -ENOSPC. */
int edgelb_state_register(struct edgelb_state *st, const struct edgelb_state_section *s);

/* Every section serialised; a malloc'd string or NULL (out of memory). */
char *edgelb_state_to_json(const struct edgelb_state *st);

/*
 * Load json into every section, all or nothing: on error no owner has
 * changed and err says what is wrong ("overrides[2].weight: must be
 * 0..65535"). Returns 0, -EINVAL or -ENOMEM.
 */
int edgelb_state_from_json(struct edgelb_state *st, const char *json, char *err,
			   size_t err_len);

/* Atomically write every section to path; 0 or a negative errno. */
int edgelb_state_save(const struct edgelb_state *st, const char *path);

/*
 * Load path. A missing file is not an error (first start): returns
 * -ENOENT and changes nothing. Other errors as edgelb_state_from_json, or
 * a negative errno from reading (not a regular file: -EINVAL, said in err).
 */
int edgelb_state_load(struct edgelb_state *st, const char *path, char *err, size_t err_len);

/* ---- for the sections' readers ------------------------------------------- */

/* The first problem wins; later ones only count. */
void edgelb_state_fail(struct edgelb_state_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* o.key as a string shorter than max; "" and a failure otherwise. */
const char *edgelb_state_get_str(struct edgelb_state_reader *r, struct json_object *o,
				 const char *path, const char *key, size_t max);
/* o.key as true or false; dflt when absent, a failure when another type. */
bool edgelb_state_get_bool(struct edgelb_state_reader *r, struct json_object *o, const char *path,
			   const char *key, bool dflt);
/* o.key as an integer in lo..hi; dflt when absent (a failure if required). */
int64_t edgelb_state_get_int(struct edgelb_state_reader *r, struct json_object *o,
			     const char *path, const char *key, int64_t lo, int64_t hi,
			     int64_t dflt, bool required);
/* o.key as an array; NULL when absent (= empty) or not an array (a failure). */
struct json_object *edgelb_state_get_array(struct edgelb_state_reader *r, struct json_object *o,
					   const char *key);
/*
 * The array o.key as *n names of at most name_max - 1 bytes, packed every
 * name_max bytes in a calloc'd buffer; path and what ("a service") name a
 * bad entry. Absent = empty. NULL = out of memory.
 */
char *edgelb_state_read_names(struct edgelb_state_reader *r, struct json_object *o,
			      const char *key, const char *path, const char *what,
			      size_t name_max, size_t *n);

#endif /* EDGELB_STATE_H */
