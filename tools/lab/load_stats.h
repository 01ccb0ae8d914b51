/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelb-load's accounting: periods, failure reasons, outages, the spread
 * over backends and sites, and the report lines.
 *
 * Pure code: no I/O, no clock. Times are CLOCK_MONOTONIC microseconds
 * given by the caller; every request gets a sequence number at its start,
 * so "started after" is exact even for requests started in the same
 * microsecond.
 *
 * Periods. The run is cut into periods: "start" from the beginning, then
 * one per load_stats_mark(), which closes the current one at that instant
 * (its mark, M). A request belongs to the period in which it started. A
 * period's report is due once every request started in it has finished
 * and its outage is known (or the run has ended); reports come out in the
 * order of the periods.
 *
 * Outage of a period. No failure: 0 (first/last_fail_ms -1). Otherwise,
 * with F the start of the period's last-started failed request and R the
 * earliest completion of an OK request started after F (in this period or
 * a later one): outage = R - M, the time from the fault to the first good
 * reply to a request sent after the last failure, by the client's clock.
 * If the run ends before any such reply, outage = end - M and the report
 * carries "unresolved=1".
 * Finding R needs the OK replies of the recent past, because a failure is
 * only known when it happens (a timeout, up to --timeout after its start)
 * and replies to later requests may have come before: the last `history`
 * OK replies are kept (load_stats_new()), enough for --rate x --timeout
 * plus --max-inflight. Were it ever too short, R could only come out late
 * (an outage too long), never too early.
 *
 * Bounds: at most LOAD_MAX_PERIODS periods await their report (a further
 * mark is refused); at most LOAD_MAX_LABELS backend names and as many site
 * names are told apart, the rest counted as "other-labels".
 */
#ifndef EDGELB_LOAD_STATS_H
#define EDGELB_LOAD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_reply.h"

#define LOAD_MAX_PERIODS 64
#define LOAD_MAX_LABELS 64
#define LOAD_PERIOD_NAME_MAX 64 /* with its NUL */
#define LOAD_OTHER_LABELS "other-labels"
/* latency histogram: 16 exact buckets below 16 us, then 16 per power of
 * two (p99 within 1/16 of the true value) up to 2^40 us */
#define LOAD_HIST_BUCKETS (16 + 37 * 16)
/* a report line fits: 65 backends and 65 sites of 31 bytes + counts */
#define LOAD_REPORT_MAX 8192

struct load_period {
	char name[LOAD_PERIOD_NAME_MAX];
	int64_t mark_us;
	bool closed;
	uint64_t requests, inflight;
	uint64_t count[LOAD_N_REASONS]; /* [LOAD_OK]: ok requests */
	uint64_t failed;		/* sum of the other counts */
	int64_t first_fail_us, last_fail_us;
	uint64_t last_fail_seq;
	bool resolved; /* R below is known */
	int64_t resolved_us;
	uint64_t resolved_seq;
	int64_t max_latency_us; /* -1: no ok request */
	uint32_t hist[LOAD_HIST_BUCKETS];
	uint32_t backends[LOAD_MAX_LABELS + 1]; /* by label index */
	uint32_t sites[LOAD_MAX_LABELS + 1];
};

struct load_names {
	char name[LOAD_MAX_LABELS + 1][LOAD_NAME_MAX]; /* last: other-labels */
	unsigned int n;
};

struct load_ok_reply {
	uint64_t seq;
	int64_t done_us;
};

struct load_stats {
	int64_t start_us, end_us;
	bool ended;
	uint64_t next_seq;
	uint64_t inflight; /* started, not done, all periods */
	uint32_t first, next; /* pending periods: ids first .. next - 1 */
	struct load_period periods[LOAD_MAX_PERIODS];
	struct load_names backends, sites;
	/* totals of the reported periods */
	uint64_t total_requests, total_failed;
	int64_t longest_outage_us;
	bool longest_unresolved;
	uint64_t total_backends[LOAD_MAX_LABELS + 1], total_sites[LOAD_MAX_LABELS + 1];
	/* recent OK replies, seq and done_us increasing: a ring */
	struct load_ok_reply *hist;
	size_t hist_cap, hist_head, hist_len;
};

/* What a request carries from its start to its end. */
struct load_ticket {
	uint32_t period;
	uint64_t seq;
	int64_t start_us;
};

/*
 * A run starting at now_us, in period "start", keeping the last `history`
 * OK replies (at least 1). Returns NULL on ENOMEM; free with
 * load_stats_free().
 */
struct load_stats *load_stats_new(int64_t now_us, size_t history);
void load_stats_free(struct load_stats *s);

/* true iff name is a valid period name: [A-Za-z0-9._-]+, < 64 bytes */
bool load_period_name_ok(const char *name);

/*
 * Close the current period at now_us and open `name`. Returns 0, -EINVAL
 * (a bad name), -ENOSPC (LOAD_MAX_PERIODS periods await their report) or
 * -ESHUTDOWN (the run has ended).
 */
int load_stats_mark(struct load_stats *s, const char *name, int64_t now_us);

/* A request starts at now_us in the current period. Not after the end. */
void load_stats_start(struct load_stats *s, int64_t now_us, struct load_ticket *t);

/*
 * The request of ticket t finished at now_us: r is LOAD_OK (label: its
 * reply's) or the failure's reason (label unused, may be NULL). A request
 * refused by --max-inflight is started and finished at once as
 * LOAD_OVERLOAD.
 */
void load_stats_done(struct load_stats *s, const struct load_ticket *t, int64_t now_us,
		     enum load_reason r, const struct load_label *label);

/* The run ends at now_us: the current period closes; no start after this. */
void load_stats_end(struct load_stats *s, int64_t now_us);

/*
 * Write the oldest period's report into buf (one line, with its '\n') if it
 * is due, and forget the period. Returns the line's length, 0 if no report
 * is due, or -ENOSPC if len is too small (the period stays).
 */
int load_stats_next_report(struct load_stats *s, char *buf, size_t len);

/* true iff every period has been reported (after load_stats_end()) */
bool load_stats_done_all(const struct load_stats *s);

/*
 * The "total" line over the reported periods: requests, failed, the
 * longest outage, the spread. Returns its length or -ENOSPC.
 */
int load_stats_total(const struct load_stats *s, char *buf, size_t len);

#endif
