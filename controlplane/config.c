// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb.conf loader: libconfig tree -> plain structs, with every rejection
 * collected as "FILE:LINE: PATH: message".
 *
 * The walk keeps a "node" per setting it looks at: the libconfig setting
 * (NULL when absent), its path as the operator would write it
 * ("services[0].backends[2].address") and a line. An absent setting takes
 * the line of the group that lacks it, so "required setting is missing"
 * points at the group the operator has to edit.
 *
 * Getters return 1 (set and valid), 0 (absent and optional: the caller's
 * default stays) or -EINVAL (reported). Nothing stops at the first error:
 * a bad value leaves the default in place and the walk goes on, so one run
 * of "edgelbd -t" lists everything that is wrong. Cross checks (duplicates,
 * references) skip entries that already failed, to avoid echo errors.
 *
 * Only ASCII is expected in names and paths; any byte outside printable
 * ASCII is shown escaped so that every message stays on one line.
 *
 * This file holds the entry points (config.h), the top-level settings and
 * the loading: reading the file, @include, the order of the walk and of
 * the messages. The rest is behind config_priv.h: config_read.c (messages,
 * nodes, typed getters, owned strings), config_check.c (value checks),
 * config_literals.c (integer literals), and one file per part of the
 * schema: config_dataplane.c, config_health.c, config_services.c and
 * config_vrrp.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "config_priv.h"

#define EDGELB_CONFIG_SOCKET_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* ---- top level ----------------------------------------------------------- */

static const char *const edgelb_config_top_keys[] = {
	"instance", "pin_dir", "state_file", "control_socket", "control_group",
	"metrics_listen", "dataplane", "vrrp", "services", NULL,
};

/* "<dir>/<instance><suffix>" when the key is absent and the instance valid. */
static void edgelb_config_default_path(struct edgelb_config_ctx *ctx, const char *instance,
				       const char *dir, const char *suffix, char **dst)
{
	if (*dst || !instance)
		return;
	if (asprintf(dst, "%s/%s%s", dir, instance, suffix) < 0) {
		*dst = NULL;
		ctx->nomem = true;
	}
}

/* POSIX portable group names, as groupadd accepts them. */
static void edgelb_config_parse_group_name(struct edgelb_config_ctx *ctx,
					   const struct edgelb_config_node *root,
					   struct edgelb_config *cfg)
{
	struct edgelb_config_node n;
	char q[EDGELB_CONFIG_QUOTE_LEN];
	const char *s;

	if (edgelb_config_string(ctx, root, "control_group", false, &s, &n) <= 0)
		return;
	if (!edgelb_config_name_ok(s, 32) || s[0] == '-') {
		edgelb_config_error(ctx, &n, "%s is not a valid group name",
				    edgelb_config_quote(s, q, sizeof(q)));
		return;
	}
	edgelb_config_set_str(ctx, &cfg->control_group, s);
}

static bool edgelb_config_port_parse(const char *s, uint16_t *out)
{
	unsigned long v = 0;

	if (!s[0] || strlen(s) > 5)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (!v || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* "addr:port" or "[v6addr]:port"; "" turns the metrics endpoint off. */
static void edgelb_config_parse_metrics(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *root,
					struct edgelb_config *cfg)
{
	struct edgelb_config_node n;
	char q[EDGELB_CONFIG_QUOTE_LEN], host[EDGELB_CONFIG_ADDR_LEN];
	const char *s, *port, *why;

	if (edgelb_config_string(ctx, root, "metrics_listen", false, &s, &n) <= 0 || !s[0])
		return;
	edgelb_config_quote(s, q, sizeof(q));
	if (s[0] == '[') {
		const char *end = strstr(s, "]:");

		if (!end || (size_t)(end - s - 1) >= sizeof(host)) {
			edgelb_config_error(ctx, &n, "%s is not \"[address]:port\"", q);
			return;
		}
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		port = end + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon || (size_t)(colon - s) >= sizeof(host)) {
			edgelb_config_error(ctx, &n, "%s is not \"address:port\"", q);
			return;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = colon + 1;
		if (strchr(host, ':')) {
			edgelb_config_error(ctx, &n, "%s: write an IPv6 address as [address]:port",
					    q);
			return;
		}
	}
	why = edgelb_config_addr_parse(host, EDGELB_CONFIG_ADDR_WILDCARD, &cfg->metrics_addr);
	if (why) {
		memset(&cfg->metrics_addr, 0, sizeof(cfg->metrics_addr));
		edgelb_config_error(ctx, &n, "%s: the address %s", q, why);
		return;
	}
	if (!edgelb_config_port_parse(port, &cfg->metrics_port)) {
		memset(&cfg->metrics_addr, 0, sizeof(cfg->metrics_addr));
		edgelb_config_error(ctx, &n, "%s: the port is not a number in 1..65535", q);
	}
}

static void edgelb_config_parse_top(struct edgelb_config_ctx *ctx,
				    const struct edgelb_config_node *root,
				    struct edgelb_config *cfg)
{
	edgelb_config_check_keys(ctx, root, edgelb_config_top_keys);
	edgelb_config_name(ctx, root, "instance", true, EDGELB_CONFIG_INSTANCE_MAX,
			   &cfg->instance);
	edgelb_config_abs_path(ctx, root, "pin_dir", PATH_MAX - 1, &cfg->pin_dir);
	edgelb_config_abs_path(ctx, root, "state_file", PATH_MAX - 1, &cfg->state_file);
	edgelb_config_abs_path(ctx, root, "control_socket", EDGELB_CONFIG_SOCKET_MAX,
			       &cfg->control_socket);
	edgelb_config_default_path(ctx, cfg->instance, EDGELB_CONFIG_PIN_ROOT, "", &cfg->pin_dir);
	edgelb_config_default_path(ctx, cfg->instance, EDGELB_CONFIG_STATE_DIR, ".state",
				   &cfg->state_file);
	edgelb_config_default_path(ctx, cfg->instance, EDGELB_CONFIG_RUN_DIR, ".sock",
				   &cfg->control_socket);
	edgelb_config_parse_group_name(ctx, root, cfg);
	edgelb_config_parse_metrics(ctx, root, cfg);
}

/* ---- loading ---------------------------------------------------------------- */

static void edgelb_config_service_free(struct edgelb_config_service *s)
{
	for (size_t i = 0; i < s->n_backends; i++) {
		free(s->backends[i].name);
		free(s->backends[i].site);
		edgelb_config_health_free(&s->backends[i].health);
	}
	free(s->backends);
	free(s->name);
	edgelb_config_health_free(&s->health);
}

static void edgelb_config_vrrp_free(struct edgelb_config_vrrp *v)
{
	for (size_t i = 0; i < v->n_track_interfaces; i++)
		free(v->track_interfaces[i].name);
	for (size_t i = 0; i < v->n_track_services; i++)
		free(v->track_services[i].name);
	for (size_t i = 0; i < v->n_track_scripts; i++) {
		free(v->track_scripts[i].name);
		edgelb_config_argv_free(v->track_scripts[i].argv);
	}
	free(v->track_interfaces);
	free(v->track_services);
	free(v->track_scripts);
	free(v->name);
	free(v->interface);
	free(v->auth_pass);
	free(v->unicast_peers);
	free(v->vips);
	free(v->notify_master);
	free(v->notify_backup);
	free(v->notify_fault);
	free(v->notify_stop);
	free(v->sync_group);
}

void edgelb_config_free(struct edgelb_config *cfg)
{
	for (size_t i = 0; i < cfg->n_services; i++)
		edgelb_config_service_free(&cfg->services[i]);
	for (size_t i = 0; i < cfg->n_vrrp; i++)
		edgelb_config_vrrp_free(&cfg->vrrp[i]);
	for (size_t i = 0; i < cfg->n_sites; i++)
		free(cfg->sites[i]);
	free(cfg->sites);
	free(cfg->services);
	free(cfg->vrrp);
	edgelb_config_argv_free(cfg->dataplane.interfaces);
	edgelb_config_argv_free(cfg->dataplane.dpdk_args);
	free(cfg->dataplane.tables);
	free(cfg->instance);
	free(cfg->pin_dir);
	free(cfg->state_file);
	free(cfg->control_socket);
	free(cfg->control_group);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * The walk reports in schema order; the operator reads top to bottom. A
 * stable insertion sort of this load's messages by line (a few hundred at
 * most) keeps the order of messages about one line.
 */
static void edgelb_config_sort_messages(struct edgelb_config_errors *errs, size_t first)
{
	for (size_t i = first + 1; i < errs->count; i++) {
		struct edgelb_config_error e = errs->items[i];
		size_t j = i;

		while (j > first && errs->items[j - 1].line > e.line) {
			errs->items[j] = errs->items[j - 1];
			j--;
		}
		errs->items[j] = e;
	}
}

static unsigned int edgelb_config_line_at(const char *text, size_t off)
{
	unsigned int line = 1;

	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/*
 * libconfig would follow "@include" to other files (relative to the
 * working directory) and then report errors in them under the wrong name
 * and line. edgelb reads exactly one file: each such line is reported and
 * blanked so that the rest of the file is still checked.
 */
static void edgelb_config_blank_includes(struct edgelb_config_ctx *ctx, char *text)
{
	unsigned int line = 1;

	for (char *p = text; *p;) {
		char *q = p + strspn(p, " \t");
		char *eol = strchr(p, '\n');

		if (!strncmp(q, "@include", 8)) {
			edgelb_config_error_at(ctx, line,
					       "@include is not supported: keep the whole "
					       "configuration in one file");
			memset(p, ' ', eol ? (size_t)(eol - p) : strlen(p));
		}
		if (!eol)
			break;
		p = eol + 1;
		line++;
	}
}

/* text is ours to modify; len excludes the terminating NUL. */
static int edgelb_config_parse_buffer(struct edgelb_config_ctx *ctx, char *text, size_t len,
				      struct edgelb_config *cfg)
{
	struct edgelb_config_node root;
	size_t errors_before = ctx->errs->n_errors, first = ctx->errs->count;
	const char *nul = memchr(text, '\0', len);
	char *wide = NULL;
	config_t lc;
	int ret = 0;

	/* libconfig would silently stop reading at the first NUL */
	if (nul) {
		edgelb_config_error_at(ctx, edgelb_config_line_at(text, (size_t)(nul - text)),
				       "contains a NUL byte; is this a text file?");
		return -EINVAL;
	}
	edgelb_config_blank_includes(ctx, text);
	ret = edgelb_config_widen_integers(ctx, text, len, &wide);
	if (ret) {
		edgelb_config_sort_messages(ctx->errs, first);
		return ret;
	}
	config_init(&lc);
	if (config_read_string(&lc, wide) != CONFIG_TRUE) {
		const char *why = config_error_text(&lc);
		int line = config_error_line(&lc);

		edgelb_config_error_at(ctx, line > 0 ? (unsigned int)line : 1, "%s",
				       why ? why : "syntax error");
		ret = -EINVAL;
		goto out;
	}
	edgelb_config_node_root(&lc, &root);
	/* services before vrrp: track.services refers to them */
	edgelb_config_parse_top(ctx, &root, cfg);
	edgelb_config_parse_dataplane(ctx, &root, cfg->instance, &cfg->dataplane);
	edgelb_config_parse_services(ctx, &root, cfg);
	edgelb_config_parse_vrrps(ctx, &root, cfg);
	edgelb_config_check_vip_owners(ctx, &root, cfg);
	edgelb_config_number_sites(ctx, cfg);
	if (ctx->nomem)
		ret = -ENOMEM;
	else if (ctx->errs->n_errors != errors_before)
		ret = -EINVAL;
out:
	config_destroy(&lc);
	free(wide);
	edgelb_config_sort_messages(ctx->errs, first);
	if (ret)
		edgelb_config_free(cfg);
	return ret;
}

int edgelb_config_parse_string(const char *text, const char *display_name,
			       struct edgelb_config *cfg, struct edgelb_config_errors *errs)
{
	struct edgelb_config_ctx ctx = { .file = display_name, .errs = errs };
	size_t len = strlen(text);
	char *copy;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len + 1);
	ret = edgelb_config_parse_buffer(&ctx, copy, len, cfg);
	free(copy);
	return ret;
}

/* The whole file into a NUL-terminated buffer; problems are reported. */
static int edgelb_config_read_file(struct edgelb_config_ctx *ctx, const char *path,
				   char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t used = 0;
	int fd, ret;

	/*
	 * Refuse a FIFO or a device before opening it: open() would wait for
	 * a FIFO's writer, and opening some devices acts on them (a watchdog
	 * starts). O_NONBLOCK and fstat() below cover a swap in between;
	 * reads from a regular file ignore O_NONBLOCK.
	 */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		edgelb_config_error_at(ctx, 0, "not a regular file");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		edgelb_config_error_at(ctx, 0, "cannot open: %s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		edgelb_config_error_at(ctx, 0, "cannot stat: %s", strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		edgelb_config_error_at(ctx, 0, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > EDGELB_CONFIG_FILE_MAX) {
		ret = -EFBIG;
		edgelb_config_error_at(ctx, 0, "larger than %u MiB", EDGELB_CONFIG_FILE_MAX >> 20);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* a file that grows while we read is cut at its size from fstat() */
	while (used < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + used, (size_t)st.st_size - used);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			edgelb_config_error_at(ctx, 0, "cannot read: %s", strerror(-ret));
			goto out;
		}
		if (!r)
			break;
		used += (size_t)r;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int edgelb_config_load(const char *path, struct edgelb_config *cfg,
		       struct edgelb_config_errors *errs)
{
	struct edgelb_config_ctx ctx = { .file = path, .errs = errs };
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	ret = edgelb_config_read_file(&ctx, path, &text, &len);
	if (ret < 0)
		return ret;
	ret = edgelb_config_parse_buffer(&ctx, text, len, cfg);
	free(text);
	return ret;
}
