// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-load's accounting (see load_stats.h for the definitions).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_stats.h"

struct load_stats *load_stats_new(int64_t now_us, size_t history)
{
	struct load_stats *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->hist_cap = history ? history : 1;
	s->hist = calloc(s->hist_cap, sizeof(*s->hist));
	if (!s->hist) {
		free(s);
		return NULL;
	}
	s->start_us = now_us;
	strcpy(s->backends.name[LOAD_MAX_LABELS], LOAD_OTHER_LABELS);
	strcpy(s->sites.name[LOAD_MAX_LABELS], LOAD_OTHER_LABELS);
	/* "start" is always a valid name and the table is empty */
	load_stats_mark(s, "start", now_us);
	return s;
}

void load_stats_free(struct load_stats *s)
{
	if (!s)
		return;
	free(s->hist);
	free(s);
}

static struct load_period *period(struct load_stats *s, uint32_t id)
{
	return &s->periods[id % LOAD_MAX_PERIODS];
}

bool load_period_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= LOAD_PERIOD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int load_stats_mark(struct load_stats *s, const char *name, int64_t now_us)
{
	struct load_period *p;

	if (s->ended)
		return -ESHUTDOWN;
	if (!load_period_name_ok(name))
		return -EINVAL;
	if (s->next - s->first >= LOAD_MAX_PERIODS)
		return -ENOSPC;
	if (s->next != s->first)
		period(s, s->next - 1)->closed = true;
	p = period(s, s->next++);
	memset(p, 0, sizeof(*p));
	strcpy(p->name, name);
	p->mark_us = now_us;
	p->max_latency_us = -1;
	return 0;
}

void load_stats_start(struct load_stats *s, int64_t now_us, struct load_ticket *t)
{
	struct load_period *p = period(s, s->next - 1);

	t->period = s->next - 1;
	t->seq = s->next_seq++;
	t->start_us = now_us;
	p->requests++;
	p->inflight++;
	s->inflight++;
}

static unsigned int hist_bucket(int64_t us)
{
	uint64_t v = us < 0 ? 0 : (uint64_t)us;
	unsigned int msb;

	if (v < 16)
		return (unsigned int)v;
	if (v >= (uint64_t)1 << 41)
		v = ((uint64_t)1 << 41) - 1;
	msb = 63 - (unsigned int)__builtin_clzll(v);
	return 16 + (msb - 4) * 16 + (unsigned int)((v >> (msb - 4)) & 15);
}

/* the largest value that falls in bucket b */
static int64_t hist_upper(unsigned int b)
{
	unsigned int shift, sub;

	if (b < 16)
		return b;
	shift = (b - 16) / 16;
	sub = (b - 16) % 16;
	return ((int64_t)(17 + sub) << shift) - 1;
}

static unsigned int label_index(struct load_names *t, const char *name)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (strcmp(t->name[i], name) == 0)
			return i;
	if (t->n == LOAD_MAX_LABELS)
		return LOAD_MAX_LABELS;
	snprintf(t->name[t->n], LOAD_NAME_MAX, "%s", name);
	return t->n++;
}

/* The first kept OK reply to a request started after seq, or NULL. */
static const struct load_ok_reply *first_ok_after(const struct load_stats *s, uint64_t seq)
{
	size_t lo = 0, hi = s->hist_len;
	size_t oldest = (s->hist_head + s->hist_cap - s->hist_len) % s->hist_cap;

	/* the ring is sorted by seq from its oldest entry on */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->hist[(oldest + mid) % s->hist_cap].seq > seq)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < s->hist_len ? &s->hist[(oldest + lo) % s->hist_cap] : NULL;
}

static void ok_done(struct load_stats *s, struct load_period *p, const struct load_ticket *t,
		    int64_t now_us, const struct load_label *label)
{
	int64_t lat = now_us - t->start_us;

	p->count[LOAD_OK]++;
	if (lat > p->max_latency_us)
		p->max_latency_us = lat;
	p->hist[hist_bucket(lat)]++;
	p->backends[label_index(&s->backends, label->backend)]++;
	if (label->site[0])
		p->sites[label_index(&s->sites, label->site)]++;

	/*
	 * Kept only if no kept reply came to a later request: that one came
	 * earlier and survives every failure this one survives, so this one
	 * could never be the first good reply after a failure.
	 */
	if (!s->hist_len || s->hist[(s->hist_head + s->hist_cap - 1) % s->hist_cap].seq < t->seq) {
		s->hist[s->hist_head] = (struct load_ok_reply){ t->seq, now_us };
		s->hist_head = (s->hist_head + 1) % s->hist_cap;
		if (s->hist_len < s->hist_cap)
			s->hist_len++;
	}
	/* the first good reply after the last failure (so far) of any period */
	for (uint32_t id = s->first; id != s->next; id++) {
		struct load_period *q = period(s, id);

		if (q->failed && !q->resolved && t->seq > q->last_fail_seq) {
			q->resolved = true;
			q->resolved_us = now_us;
			q->resolved_seq = t->seq;
		}
	}
}

static void failed_done(struct load_stats *s, struct load_period *p, const struct load_ticket *t,
			enum load_reason r)
{
	const struct load_ok_reply *ok;
	bool first = p->failed++ == 0;

	p->count[r]++;
	if (first || t->start_us < p->first_fail_us)
		p->first_fail_us = t->start_us;
	if (!first && t->seq < p->last_fail_seq)
		return; /* not the last-started failure: F stands */
	p->last_fail_seq = t->seq;
	p->last_fail_us = t->start_us;
	if (p->resolved && p->resolved_seq > t->seq)
		return;
	/* the good reply counted on was to an earlier request: look again */
	ok = first_ok_after(s, t->seq);
	p->resolved = ok != NULL;
	if (ok) {
		p->resolved_us = ok->done_us;
		p->resolved_seq = ok->seq;
	}
}

void load_stats_done(struct load_stats *s, const struct load_ticket *t, int64_t now_us,
		     enum load_reason r, const struct load_label *label)
{
	struct load_period *p = period(s, t->period);

	if (r == LOAD_OK)
		ok_done(s, p, t, now_us, label);
	else
		failed_done(s, p, t, r < LOAD_N_REASONS ? r : LOAD_OTHER);
	p->inflight--;
	s->inflight--;
}

void load_stats_end(struct load_stats *s, int64_t now_us)
{
	if (s->ended)
		return;
	s->ended = true;
	s->end_us = now_us;
	period(s, s->next - 1)->closed = true;
}

/*
 * An unresolved period waits for the end of the run and for every request
 * in flight then: any of them, of any period, may still resolve it.
 */
static bool due(const struct load_stats *s, const struct load_period *p)
{
	return p->closed && p->inflight == 0 &&
	       (!p->failed || p->resolved || (s->ended && s->inflight == 0));
}

/* A line in a buffer; once it overflows, it stays so. */
struct line {
	char *buf;
	size_t len, off;
	bool overflow;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->off, l->len - l->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->len - l->off)
		l->overflow = true;
	else
		l->off += (size_t)n;
}

/* whole ms, rounded up (a 0.3 ms reply shows as 1: a bound); -1 stays */
static long long ms(int64_t us)
{
	return us < 0 ? -1 : (long long)((us + 999) / 1000);
}

/* " name=count" for each name with a count, sorted by name */
static void put_spread(struct line *l, const struct load_names *t, const uint64_t *count)
{
	unsigned int idx[LOAD_MAX_LABELS + 1], n = 0;

	for (unsigned int i = 0; i <= LOAD_MAX_LABELS; i++)
		if (count[i] && (i < t->n || i == LOAD_MAX_LABELS))
			idx[n++] = i;
	/* at most 65 names: insertion sort */
	for (unsigned int i = 1; i < n; i++) {
		unsigned int v = idx[i], j = i;

		for (; j > 0 && strcmp(t->name[idx[j - 1]], t->name[v]) > 0; j--)
			idx[j] = idx[j - 1];
		idx[j] = v;
	}
	for (unsigned int i = 0; i < n; i++)
		put(l, " %s=%llu", t->name[idx[i]], (unsigned long long)count[idx[i]]);
}

static int64_t p99_us(const struct load_period *p)
{
	uint64_t n = p->count[LOAD_OK], rank, seen = 0;

	if (!n)
		return -1;
	rank = (n * 99 + 99) / 100; /* ceil(0.99 n): 99% are at or below */
	for (unsigned int b = 0; b < LOAD_HIST_BUCKETS; b++) {
		seen += p->hist[b];
		if (seen >= rank)
			return hist_upper(b) < p->max_latency_us ? hist_upper(b) : p->max_latency_us;
	}
	return p->max_latency_us;
}

int load_stats_next_report(struct load_stats *s, char *buf, size_t len)
{
	struct load_period *p;
	struct line l = { buf, len, 0, false };
	uint64_t backends[LOAD_MAX_LABELS + 1], sites[LOAD_MAX_LABELS + 1];
	int64_t outage = 0;
	bool unresolved = false, fail;

	if (s->first == s->next || !due(s, period(s, s->first)))
		return 0;
	p = period(s, s->first);
	fail = p->failed > 0;
	if (fail && p->resolved) {
		outage = p->resolved_us - p->mark_us;
	} else if (fail) {
		outage = s->end_us - p->mark_us;
		unresolved = true;
	}
	put(&l, "period %s requests=%llu ok=%llu failed=%llu", p->name,
	    (unsigned long long)p->requests, (unsigned long long)p->count[LOAD_OK],
	    (unsigned long long)p->failed);
	for (int r = LOAD_OK + 1; r < LOAD_N_REASONS; r++)
		put(&l, " %s=%llu", load_reason_name(r), (unsigned long long)p->count[r]);
	put(&l, " outage_ms=%lld first_fail_ms=%lld last_fail_ms=%lld", ms(outage),
	    fail ? ms(p->first_fail_us - p->mark_us) : -1,
	    fail ? ms(p->last_fail_us - p->mark_us) : -1);
	put(&l, " max_latency_ms=%lld p99_latency_ms=%lld", ms(p->max_latency_us), ms(p99_us(p)));
	if (unresolved)
		put(&l, " unresolved=1");
	for (unsigned int i = 0; i <= LOAD_MAX_LABELS; i++) {
		backends[i] = p->backends[i];
		sites[i] = p->sites[i];
	}
	put(&l, " spread");
	put_spread(&l, &s->backends, backends);
	put(&l, " site");
	put_spread(&l, &s->sites, sites);
	put(&l, "\n");
	if (l.overflow)
		return -ENOSPC;

	s->total_requests += p->requests;
	s->total_failed += p->failed;
	if (outage > s->longest_outage_us) {
		s->longest_outage_us = outage;
		s->longest_unresolved = unresolved;
	}
	for (unsigned int i = 0; i <= LOAD_MAX_LABELS; i++) {
		s->total_backends[i] += p->backends[i];
		s->total_sites[i] += p->sites[i];
	}
	s->first++;
	return (int)l.off;
}

bool load_stats_done_all(const struct load_stats *s)
{
	return s->ended && s->first == s->next;
}

int load_stats_total(const struct load_stats *s, char *buf, size_t len)
{
	struct line l = { buf, len, 0, false };

	put(&l, "total requests=%llu failed=%llu outage_ms=%lld",
	    (unsigned long long)s->total_requests, (unsigned long long)s->total_failed,
	    ms(s->longest_outage_us));
	if (s->longest_unresolved)
		put(&l, " unresolved=1");
	put(&l, " spread");
	put_spread(&l, &s->backends, s->total_backends);
	put(&l, " site");
	put_spread(&l, &s->sites, s->total_sites);
	put(&l, "\n");
	return l.overflow ? -ENOSPC : (int)l.off;
}
