/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus metrics of edgelbd over HTTP: GET /metrics answers the text
 * exposition format 0.0.4; any other path is 404, any other method 405.
 * The metric names are documented in edgelbd(8), METRICS (written in
 * docs/edgelbd.8, METRICS); once released, a name keeps its meaning:
 * dashboards and alerts depend on it.
 *
 * libmicrohttpd runs inside edgelbd's loop, without threads of its own
 * (MHD_USE_EPOLL: its epoll fd is watched by the loop, MHD_run() is called
 * on readiness and when MHD's timeout, armed on a loop timer, expires),
 * because the handlers read the balancer model, which only the loop's
 * thread may touch.
 *
 * Extension point: a part of edgelbd with metrics of its own (health
 * checks, VRRP) registers a writer with edgelb_metrics_register(); each
 * scrape calls the built-in writers, then the registered ones in order.
 */
#ifndef EDGELB_METRICS_H
#define EDGELB_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct edgelb_model;
struct edgelb_config_addr;
struct edgelb_metrics;
struct edgelb_metrics_buf;

/*
 * Writes whole metric families into b with the helpers below. Returns 0;
 * a negative errno fails the scrape with 500 (a writer that only misses
 * one sample should skip it and count it, see edgelb_metrics_error()).
 */
typedef int (*edgelb_metrics_fn)(void *arg, struct edgelb_metrics_buf *b);

/*
 * Listen on addr:port (port 0 = any free port, see edgelb_metrics_port())
 * and serve from loop; the built-in metrics read model. Returns 0 or a
 * negative errno.
 */
int edgelb_metrics_open(struct loop *loop, const struct edgelb_model *model,
			const struct edgelb_config_addr *addr, uint16_t port,
			struct edgelb_metrics **out);
void edgelb_metrics_close(struct edgelb_metrics *m);

/* The port listened on. */
uint16_t edgelb_metrics_port(const struct edgelb_metrics *m);

/* Add a writer (up to 16); 0, -ENOSPC. */
int edgelb_metrics_register(struct edgelb_metrics *m, edgelb_metrics_fn fn, void *arg);

/*
 * The whole exposition as /metrics serves it, into a malloc'ed *text of
 * *len bytes (NUL-terminated). m may be NULL: the built-in metrics only.
 * Returns 0 or a negative errno.
 */
int edgelb_metrics_render(const struct edgelb_model *model, const struct edgelb_metrics *m,
			  char **text, size_t *len);

/* ---- for writers ---- */

/* "# HELP name help" and "# TYPE name type" (counter, gauge). */
void edgelb_metrics_family(struct edgelb_metrics_buf *b, const char *name, const char *type,
			   const char *help);

/*
 * One sample: name{labels} value. labels are key, value pairs ended by a
 * NULL key; values are escaped here. A family's samples must follow its
 * edgelb_metrics_family() line without another family in between.
 */
void edgelb_metrics_sample(struct edgelb_metrics_buf *b, const char *name, double value, ...);

/* A sample that could not be read: counted in edgelb_metrics_scrape_errors. */
void edgelb_metrics_error(struct edgelb_metrics_buf *b);

#endif /* EDGELB_METRICS_H */
