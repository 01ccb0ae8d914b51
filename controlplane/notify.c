// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

/*
 * A send that fails (the socket went away under a running edgelbd, or
 * systemd refused the datagram) is said once: the service still runs, and
 * a failure per watchdog tick would flood the log.
 */
static void notify_send(const char *what, int ret)
{
	static bool said;

	if (ret >= 0 || said)
		return;
	said = true;
	pr_warn("systemd", "cannot notify systemd (%s): %s; systemd may think edgelbd is "
			   "not ready or hung (said once)",
		what, strerror(-ret));
}

void edgelb_notify_ready(const char *status)
{
	notify_send("READY=1", sd_notifyf(0, "READY=1\nSTATUS=%s", status));
}

void edgelb_notify_reloading(void)
{
	struct timespec ts;

	/*
	 * MONOTONIC_USEC: systemd 253 and later match it to the reload they
	 * asked for; earlier ones ignore it.
	 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_send("RELOADING=1",
		    sd_notifyf(0, "RELOADING=1\nSTATUS=reloading the configuration\n"
				  "MONOTONIC_USEC=%llu",
			       (unsigned long long)ts.tv_sec * 1000000ull +
				       (unsigned long long)ts.tv_nsec / 1000));
}

void edgelb_notify_status(const char *status)
{
	notify_send("STATUS=", sd_notifyf(0, "STATUS=%s", status));
}

void edgelb_notify_stopping(void)
{
	notify_send("STOPPING=1",
		    sd_notify(0, "STOPPING=1\nSTATUS=stopping; the data plane keeps forwarding"));
}

uint64_t edgelb_notify_watchdog_interval_ms(void)
{
	uint64_t usec = 0;

	/* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID is this process */
	if (sd_watchdog_enabled(0, &usec) <= 0 || !usec)
		return 0;
	/* twice per period, as sd_watchdog_enabled(3) advises; at least every ms */
	return usec / 2000 ? usec / 2000 : 1;
}

void edgelb_notify_watchdog(void)
{
	notify_send("WATCHDOG=1", sd_notify(0, "WATCHDOG=1"));
}
