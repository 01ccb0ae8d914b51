/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging: one line per event on stderr (journald adds the time), with a
 * level and a subsystem prefix: "edgelbd: warning: xdp: pinned map ...".
 * libbpf's own messages are routed here (subsystem "libbpf").
 */
#ifndef EDGELB_LOG_H
#define EDGELB_LOG_H

enum edgelb_log_level {
	EDGELB_LOG_ERROR = 0,
	EDGELB_LOG_WARN,
	EDGELB_LOG_INFO,
	EDGELB_LOG_DEBUG,
};

/* Messages above level are dropped; default INFO. */
void edgelb_log_set_level(enum edgelb_log_level level);
enum edgelb_log_level edgelb_log_level(void);

__attribute__((format(printf, 3, 4))) void edgelb_log(enum edgelb_log_level level,
						       const char *subsys, const char *fmt, ...);

/* Send libbpf's messages through edgelb_log (warnings and up; debug with -d). */
void edgelb_log_route_libbpf(void);

#define pr_err(sub, ...) edgelb_log(EDGELB_LOG_ERROR, sub, __VA_ARGS__)
#define pr_warn(sub, ...) edgelb_log(EDGELB_LOG_WARN, sub, __VA_ARGS__)
#define pr_info(sub, ...) edgelb_log(EDGELB_LOG_INFO, sub, __VA_ARGS__)
#define pr_debug(sub, ...) edgelb_log(EDGELB_LOG_DEBUG, sub, __VA_ARGS__)

#endif /* EDGELB_LOG_H */
