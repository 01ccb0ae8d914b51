/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelbd's side of systemd's service notification protocol (sd_notify(3),
 * through libsystemd): READY=1 once edgelbd serves, RELOADING=1 while it
 * reloads, STOPPING=1 when it stops, a STATUS= line for `systemctl
 * status`, and WATCHDOG=1 keep-alives. Every call is a no-op when
 * NOTIFY_SOCKET is not set (edgelbd not started by systemd, or by a unit
 * that is not Type=notify), so edgelbd runs the same everywhere.
 */
#ifndef EDGELB_NOTIFY_H
#define EDGELB_NOTIFY_H

#include <stdint.h>

/* Ready to serve (start done, or a reload over), with the status line. */
void edgelb_notify_ready(const char *status);

/* A reload begins; edgelb_notify_ready() ends it, whatever its outcome. */
void edgelb_notify_reloading(void);

/* A new status line only (the services changed at run time). */
void edgelb_notify_status(const char *status);

/* Stopping: systemd waits for the exit (TimeoutStopSec) without a restart. */
void edgelb_notify_stopping(void);

/*
 * The interval at which to send edgelb_notify_watchdog(), in ms: half the
 * unit's WatchdogSec, or 0 when systemd watches nothing for this process.
 */
uint64_t edgelb_notify_watchdog_interval_ms(void);

/* The event loop turned: systemd's watchdog need not kill edgelbd. */
void edgelb_notify_watchdog(void);

#endif /* EDGELB_NOTIFY_H */
