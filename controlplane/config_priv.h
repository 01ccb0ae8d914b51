/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the edgelb.conf loader (config.h): the walk's context and nodes,
 * and the helpers its files share. config.c's header comment says how the
 * walk works and which file does what. Not for anyone else: the daemon
 * and the tests use config.h.
 */
#ifndef EDGELB_CONFIG_PRIV_H
#define EDGELB_CONFIG_PRIV_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "config.h"

#define EDGELB_CONFIG_PATH_LEN 256
#define EDGELB_CONFIG_QUOTE_LEN 80
#define EDGELB_CONFIG_ADDR_LEN 64 /* "[" INET6_ADDRSTRLEN "]" and a prefix */
#define EDGELB_CONFIG_STR_MAX 1024 /* HTTP path, body, a command argument */

struct edgelb_config_ctx {
	const char *file; /* the name messages give */
	struct edgelb_config_errors *errs;
	bool nomem;
};

struct edgelb_config_node {
	const config_setting_t *s; /* NULL: not in the file */
	unsigned int line;	   /* of s, or of the group lacking it */
	char path[EDGELB_CONFIG_PATH_LEN];
};

struct edgelb_config_keyword {
	const char *name;
	int value;
};

/* Address parsing flags. */
#define EDGELB_CONFIG_ADDR_PREFIX (1u << 0)   /* "addr/len" accepted */
#define EDGELB_CONFIG_ADDR_WILDCARD (1u << 1) /* a listen address: unspecified, loopback */

/* config_read.c: messages */
__attribute__((format(printf, 3, 4))) void
edgelb_config_error(struct edgelb_config_ctx *ctx, const struct edgelb_config_node *n,
		    const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void
edgelb_config_warning(struct edgelb_config_ctx *ctx, const struct edgelb_config_node *n,
		      const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void
edgelb_config_error_at(struct edgelb_config_ctx *ctx, unsigned int line, const char *fmt, ...);
const char *edgelb_config_quote(const char *s, char *buf, size_t size);
const char *edgelb_config_family_name(uint8_t family);
const char *edgelb_config_addr_str(const struct edgelb_config_addr *a, char *buf,
				   size_t size);
bool edgelb_config_addr_equal(const struct edgelb_config_addr *a,
			      const struct edgelb_config_addr *b);

/* config_read.c: nodes */
void edgelb_config_node_root(const config_t *c, struct edgelb_config_node *root);
void edgelb_config_node_key(const struct edgelb_config_node *parent, const char *key,
			    struct edgelb_config_node *child);
void edgelb_config_node_elem(const struct edgelb_config_node *parent, size_t i,
			     struct edgelb_config_node *child);
const char *edgelb_config_closest(const char *name, const char *const *candidates,
				  size_t n);
void edgelb_config_check_keys(struct edgelb_config_ctx *ctx,
			      const struct edgelb_config_node *group,
			      const char *const *known);
unsigned int edgelb_config_elem_line(const struct edgelb_config_node *list, size_t i,
				     const char *key);

/* config_read.c: typed getters */
int edgelb_config_find(struct edgelb_config_ctx *ctx,
		       const struct edgelb_config_node *parent, const char *key,
		       bool required, struct edgelb_config_node *child);
int edgelb_config_node_int(struct edgelb_config_ctx *ctx,
			   const struct edgelb_config_node *n, long long min,
			   long long max, long long *out);
int edgelb_config_u32(struct edgelb_config_ctx *ctx,
		      const struct edgelb_config_node *parent, const char *key,
		      bool required, uint32_t min, uint32_t max, uint32_t *out);
int edgelb_config_u16(struct edgelb_config_ctx *ctx,
		      const struct edgelb_config_node *parent, const char *key,
		      bool required, uint16_t min, uint16_t max, uint16_t *out);
int edgelb_config_u8(struct edgelb_config_ctx *ctx,
		     const struct edgelb_config_node *parent, const char *key,
		     bool required, uint8_t min, uint8_t max, uint8_t *out);
int edgelb_config_weight(struct edgelb_config_ctx *ctx,
			 const struct edgelb_config_node *parent, int16_t *out);
int edgelb_config_number(struct edgelb_config_ctx *ctx,
			 const struct edgelb_config_node *parent, const char *key,
			 bool required, double min, double max, double *out);
int edgelb_config_duration(struct edgelb_config_ctx *ctx,
			   const struct edgelb_config_node *parent, const char *key,
			   double min, double max, uint32_t *out_ms);
int edgelb_config_bool(struct edgelb_config_ctx *ctx,
		       const struct edgelb_config_node *parent, const char *key,
		       bool *out);
int edgelb_config_string(struct edgelb_config_ctx *ctx,
			 const struct edgelb_config_node *parent, const char *key,
			 bool required, const char **out, struct edgelb_config_node *n);
int edgelb_config_keyword(struct edgelb_config_ctx *ctx,
			  const struct edgelb_config_node *parent, const char *key,
			  const struct edgelb_config_keyword *kw, int *out);
int edgelb_config_group(struct edgelb_config_ctx *ctx,
			const struct edgelb_config_node *parent, const char *key,
			bool required, struct edgelb_config_node *n);
int edgelb_config_group_list(struct edgelb_config_ctx *ctx,
			     const struct edgelb_config_node *parent, const char *key,
			     size_t max, struct edgelb_config_node *n, size_t *count);
bool edgelb_config_list_elem_group(struct edgelb_config_ctx *ctx,
				   const struct edgelb_config_node *list, size_t i,
				   struct edgelb_config_node *el);
int edgelb_config_string_seq(struct edgelb_config_ctx *ctx,
			     const struct edgelb_config_node *parent, const char *key,
			     bool required, size_t min, size_t max,
			     struct edgelb_config_node *n, size_t *count);
bool edgelb_config_seq_string(struct edgelb_config_ctx *ctx,
			      const struct edgelb_config_node *seq, size_t i,
			      struct edgelb_config_node *el, const char **out);

/* config_read.c: owned strings */
void edgelb_config_set_str(struct edgelb_config_ctx *ctx, char **dst, const char *src);
void edgelb_config_argv_free(char **argv);
char **edgelb_config_argv_copy(struct edgelb_config_ctx *ctx, char *const *argv,
			       size_t argc);

/* config_check.c */
bool edgelb_config_name_ok(const char *s, size_t max);
int edgelb_config_name(struct edgelb_config_ctx *ctx,
		       const struct edgelb_config_node *parent, const char *key,
		       bool required, size_t max, char **dst);
bool edgelb_config_ifname_check(struct edgelb_config_ctx *ctx,
				const struct edgelb_config_node *n, const char *s,
				bool allow_colon);
int edgelb_config_ifname(struct edgelb_config_ctx *ctx,
			 const struct edgelb_config_node *parent, const char *key,
			 bool required, char **dst);
bool edgelb_config_printable(const char *s);
int edgelb_config_abs_path(struct edgelb_config_ctx *ctx,
			   const struct edgelb_config_node *parent, const char *key,
			   size_t max, char **dst);
const char *edgelb_config_addr_parse(const char *s, unsigned int flags,
				     struct edgelb_config_addr *out);
bool edgelb_config_node_addr(struct edgelb_config_ctx *ctx,
			     const struct edgelb_config_node *n, const char *s,
			     unsigned int flags, struct edgelb_config_addr *out);
int edgelb_config_addr(struct edgelb_config_ctx *ctx,
		       const struct edgelb_config_node *parent, const char *key,
		       bool required, unsigned int flags, struct edgelb_config_addr *out);
int edgelb_config_command(struct edgelb_config_ctx *ctx,
			  const struct edgelb_config_node *parent, bool required,
			  char ***argv, size_t *argc);

/* config_literals.c */
int edgelb_config_widen_integers(struct edgelb_config_ctx *ctx, const char *text,
				 size_t len, char **out);

/* config_dataplane.c */
void edgelb_config_parse_dataplane(struct edgelb_config_ctx *ctx,
				   const struct edgelb_config_node *root, const char *instance,
				   struct edgelb_config_dataplane *out);

/* config_health.c */
const char *edgelb_config_health_name(enum edgelb_config_health_type type);
void edgelb_config_health_free(struct edgelb_config_health *h);
void edgelb_config_parse_health(struct edgelb_config_ctx *ctx,
				const struct edgelb_config_node *parent,
				const struct edgelb_config_health *base, uint8_t proto,
				struct edgelb_config_health *h, bool *type_set);

/* config_services.c */
void edgelb_config_parse_services(struct edgelb_config_ctx *ctx,
				  const struct edgelb_config_node *root,
				  struct edgelb_config *cfg);
void edgelb_config_number_sites(struct edgelb_config_ctx *ctx, struct edgelb_config *cfg);

/* config_vrrp.c */
void edgelb_config_parse_vrrps(struct edgelb_config_ctx *ctx,
			       const struct edgelb_config_node *root,
			       struct edgelb_config *cfg);
void edgelb_config_check_vip_owners(struct edgelb_config_ctx *ctx,
				    const struct edgelb_config_node *root,
				    const struct edgelb_config *cfg);

#endif /* EDGELB_CONFIG_PRIV_H */
