/* SPDX-License-Identifier: GPL-2.0-only */
/* The VRRP metrics writer for /metrics (edgelb_metrics_register()). */
#ifndef EDGELB_VRRP_METRICS_H
#define EDGELB_VRRP_METRICS_H

struct edgelb_metrics_buf;

/* Writes edgelb_vrrp_* families; arg is the vrrp_instances. Names in edgelbd(8). */
int edgelb_vrrp_metrics(void *arg, struct edgelb_metrics_buf *b);

#endif
