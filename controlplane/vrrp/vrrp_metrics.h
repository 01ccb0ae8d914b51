/* SPDX-License-Identifier: GPL-2.0-only */
/* The VRRP metrics writer for /metrics (edgelb_metrics_register()). */
#ifndef EDGELB_VRRP_METRICS_H
#define EDGELB_VRRP_METRICS_H

struct edgelbd;
struct edgelb_metrics_buf;

/* Writes edgelb_vrrp_* families from d->vrrp; arg unused. Names in edgelbd(8). */
int edgelb_vrrp_metrics(struct edgelbd *d, struct edgelb_metrics_buf *b, void *arg);

#endif
