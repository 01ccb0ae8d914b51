// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"

static enum edgelb_log_level current = EDGELB_LOG_INFO;

static const char *const level_names[] = {
	[EDGELB_LOG_ERROR] = "error: ",
	[EDGELB_LOG_WARN] = "warning: ",
	[EDGELB_LOG_INFO] = "",
	[EDGELB_LOG_DEBUG] = "debug: ",
};

void edgelb_log_set_level(enum edgelb_log_level level)
{
	current = level;
}

enum edgelb_log_level edgelb_log_level(void)
{
	return current;
}

__attribute__((format(printf, 3, 0))) static void vlog(enum edgelb_log_level level,
							const char *subsys, const char *fmt,
							va_list ap)
{
	char line[1024];
	size_t len;

	if (level > current)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = 0;
	fprintf(stderr, "edgelbd: %s%s%s%s\n", level_names[level], subsys ? subsys : "",
		subsys ? ": " : "", line);
}

void edgelb_log(enum edgelb_log_level level, const char *subsys, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, subsys, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum edgelb_log_level l = level == LIBBPF_WARN ? EDGELB_LOG_WARN
				  : level == LIBBPF_INFO ? EDGELB_LOG_DEBUG
							 : EDGELB_LOG_DEBUG;

	if (l > current)
		return 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vlog(l, "libbpf", fmt, ap);
#pragma GCC diagnostic pop
	return 0;
}

void edgelb_log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
