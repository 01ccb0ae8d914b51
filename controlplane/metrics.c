// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prometheus metrics over HTTP: see metrics.h; the names are documented
 * in docs/edgelbd.8 (METRICS): change both together.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "counters.h"
#include "ctl_proto.h"
#include "loop.h"
#include "model.h"
#include "log.h"
#include "metrics.h"

#define METRICS_WRITERS_MAX 16
/*
 * Connections kept open: one more closes the longest idle one, so idle
 * connections never keep a scrape out. MHD's own limit, which leaves new
 * ones waiting in the listen queue, is only a backstop for connections
 * that are all busy answering.
 */
#define METRICS_CONNS_MAX 32
#define METRICS_CONNS_HARD 256
/* of inactivity, per connection (a scrape sends its request at once) */
#define METRICS_TIMEOUT_S 3
#define METRICS_WARN_INTERVAL_MS 10000

struct metrics_writer {
	edgelb_metrics_fn fn;
	void *arg;
};

/* One HTTP connection, as MHD's socket context. */
struct metrics_conn {
	struct metrics_conn *prev, *next;
	int fd;		  /* MHD's; only shut down here, never closed */
	bool busy;	  /* a request is being answered */
	bool evicted;	  /* shut down: MHD closes it on its next run */
	uint64_t last_ms; /* accepted, or its last answer sent */
};

struct edgelb_metrics {
	struct loop *loop;
	const struct edgelb_model *model;
	struct MHD_Daemon *mhd;
	int epfd;
	struct loop_timer *timer;
	uint16_t port;
	struct metrics_writer extra[METRICS_WRITERS_MAX];
	size_t n_extra;
	struct metrics_conn *conns;
	size_t n_live;	/* connections not evicted */
	bool warned;
	uint64_t warned_ms;
	unsigned int warn_quiet; /* warnings held back since warned_ms */
};

struct edgelb_metrics_buf {
	char *text;
	size_t len, cap;
	int err; /* sticky: -ENOMEM */
	unsigned int scrape_errors;
};

/* ---- text building ------------------------------------------------------ */

__attribute__((format(printf, 2, 3))) static void buf_printf(struct edgelb_metrics_buf *b,
							     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->text ? b->text + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 16384;

		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *grown = realloc(b->text, cap);

		if (!grown) {
			b->err = -ENOMEM;
			return;
		}
		b->text = grown;
		b->cap = cap;
	}
}

/* A label value: backslash, double quote and newline escaped. */
static void buf_label_value(struct edgelb_metrics_buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			buf_printf(b, "\\\\");
		else if (*v == '"')
			buf_printf(b, "\\\"");
		else if (*v == '\n')
			buf_printf(b, "\\n");
		else
			buf_printf(b, "%c", *v);
	}
}

void edgelb_metrics_family(struct edgelb_metrics_buf *b, const char *name, const char *type,
			   const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void edgelb_metrics_sample(struct edgelb_metrics_buf *b, const char *name, double value, ...)
{
	const char *key;
	va_list ap;
	bool first = true;

	buf_printf(b, "%s", name);
	va_start(ap, value);
	while ((key = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		buf_printf(b, "%s%s=\"", first ? "{" : ",", key);
		buf_label_value(b, v ? v : "");
		buf_printf(b, "\"");
		first = false;
	}
	va_end(ap);
	/* integers exactly as long as a double holds them exactly */
	if (value == (double)(int64_t)value && value > -9007199254740992.0 &&
	    value < 9007199254740992.0)
		buf_printf(b, "%s %lld\n", first ? "" : "}", (long long)value);
	else
		buf_printf(b, "%s %.17g\n", first ? "" : "}", value);
}

void edgelb_metrics_error(struct edgelb_metrics_buf *b)
{
	b->scrape_errors++;
}

/* ---- the built-in metrics ------------------------------------------------- */

/* Wall-clock seconds of a loop_now_ms() instant. */
static double metrics_unix_time(uint64_t mono_ms)
{
	struct timespec ts;
	uint64_t now = loop_now_ms();

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 -
	       (double)(now > mono_ms ? now - mono_ms : 0) / 1e3;
}

static int metrics_process(void *arg, struct edgelb_metrics_buf *b)
{
	const struct edgelb_model *d = arg;
	edgelb_metrics_family(b, "edgelb_build_info", "gauge",
			      "Always 1; the version of the running edgelbd as a label.");
	edgelb_metrics_sample(b, "edgelb_build_info", 1, "version", EDGELB_VERSION,
			      "instance", d->cfg.instance, (const char *)NULL);
	edgelb_metrics_family(b, "edgelb_up", "gauge",
			      "1 while edgelbd runs and serves its data plane.");
	edgelb_metrics_sample(b, "edgelb_up", 1, (const char *)NULL);
	edgelb_metrics_family(b, "edgelb_start_time_seconds", "gauge",
			      "When edgelbd started, in seconds since the epoch.");
	edgelb_metrics_sample(b, "edgelb_start_time_seconds", metrics_unix_time(d->started_ms),
			      (const char *)NULL);
	edgelb_metrics_family(b, "edgelb_dataplane_adopted", "gauge",
			      "1 if edgelbd took over the pinned data plane of an earlier run.");
	edgelb_metrics_sample(b, "edgelb_dataplane_adopted", d->adopted, (const char *)NULL);
	return 0;
}

static int metrics_config(void *arg, struct edgelb_metrics_buf *b)
{
	const struct edgelb_model *d = arg;
	edgelb_metrics_family(b, "edgelb_config_reloads_total", "counter",
			      "Successful config reloads since edgelbd started.");
	edgelb_metrics_sample(b, "edgelb_config_reloads_total", d->reloads, (const char *)NULL);
	edgelb_metrics_family(b, "edgelb_config_last_reload_timestamp_seconds", "gauge",
			      "When the running config was loaded, in seconds since the epoch.");
	edgelb_metrics_sample(b, "edgelb_config_last_reload_timestamp_seconds",
			      metrics_unix_time(d->config_loaded_ms), (const char *)NULL);
	return 0;
}

struct metrics_vip_sample {
	const struct lb_service *s;
	struct edgelb_counters c;
	char vip[INET6_ADDRSTRLEN];
	char port[8];
	unsigned int up;
};

static void metrics_vip_family(struct edgelb_metrics_buf *b, const struct metrics_vip_sample *v,
			       size_t n, const char *name, const char *type, const char *help,
			       size_t member)
{
	edgelb_metrics_family(b, name, type, help);
	for (size_t i = 0; i < n; i++) {
		uint64_t value;

		if (!v[i].s)
			continue;
		if (member == SIZE_MAX)
			value = v[i].up;
		else
			memcpy(&value, (const char *)&v[i].c + member, sizeof(value));
		edgelb_metrics_sample(b, name, (double)value, "service", v[i].s->name, "vip",
				      v[i].vip, "port", v[i].port, "proto",
				      ctl_proto_proto_name(v[i].s->key.proto), (const char *)NULL);
	}
}

static int metrics_vips(void *arg, struct edgelb_metrics_buf *b)
{
	const struct edgelb_model *d = arg;
	const struct edgelb_dataplane *dp = &d->lb.dp;
	size_t n = d->lb.n_services;
	struct metrics_vip_sample *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct lb_service *s = &d->lb.services[i];

		if (dp->ops->vip_counters(dp->dp, s->vip_id, &v[i].c)) {
			edgelb_metrics_error(b);
			continue;
		}
		v[i].s = s;
		ctl_proto_addr_str(s->key.family, &s->key.addr, v[i].vip, sizeof(v[i].vip));
		snprintf(v[i].port, sizeof(v[i].port), "%u", ntohs(s->key.port));
		for (size_t k = 0; k < s->n_backends; k++) {
			const struct lb_backend *be = &s->backends[k];

			v[i].up += be->alive && !be->drained && be->weight > 0;
		}
	}
	metrics_vip_family(b, v, n, "edgelb_vip_packets_total", "counter",
			   "Packets received for the VIP.",
			   offsetof(struct edgelb_counters, packets));
	metrics_vip_family(b, v, n, "edgelb_vip_bytes_total", "counter",
			   "Bytes received for the VIP (before encapsulation).",
			   offsetof(struct edgelb_counters, bytes));
	metrics_vip_family(b, v, n, "edgelb_vip_new_flows_total", "counter",
			   "Flows of the VIP assigned to a backend.",
			   offsetof(struct edgelb_counters, new_flows));
	metrics_vip_family(b, v, n, "edgelb_vip_backends_eligible", "gauge",
			   "Backends of the VIP that take new flows (up, not drained, weight > 0).",
			   SIZE_MAX);
	free(v);
	return 0;
}

struct metrics_be_sample {
	const struct lb_service *s;
	const struct lb_backend *be;
	struct edgelb_counters c;
	bool have_counters;
	char addr[INET6_ADDRSTRLEN];
};

enum metrics_be_value {
	METRICS_BE_PACKETS,
	METRICS_BE_BYTES,
	METRICS_BE_NEW_FLOWS,
	METRICS_BE_UP,
	METRICS_BE_DRAINED,
	METRICS_BE_WEIGHT,
	METRICS_BE_UNRESOLVED,
	METRICS_BE_UNRESOLVED_SINCE,
};

static void metrics_be_family(struct edgelb_metrics_buf *b, const struct metrics_be_sample *v,
			      size_t n, const char *name, const char *type, const char *help,
			      enum metrics_be_value what)
{
	edgelb_metrics_family(b, name, type, help);
	for (size_t i = 0; i < n; i++) {
		double value = 0;

		switch (what) {
		case METRICS_BE_PACKETS:
			value = (double)v[i].c.packets;
			break;
		case METRICS_BE_BYTES:
			value = (double)v[i].c.bytes;
			break;
		case METRICS_BE_NEW_FLOWS:
			value = (double)v[i].c.new_flows;
			break;
		case METRICS_BE_UP:
			value = v[i].be->alive;
			break;
		case METRICS_BE_DRAINED:
			value = v[i].be->drained;
			break;
		case METRICS_BE_WEIGHT:
			value = v[i].be->weight;
			break;
		case METRICS_BE_UNRESOLVED:
			value = v[i].be->unresolved;
			break;
		case METRICS_BE_UNRESOLVED_SINCE:
			value = (double)v[i].be->unresolved_since_ms / 1000.0;
			break;
		}
		if (what <= METRICS_BE_NEW_FLOWS && !v[i].have_counters)
			continue;
		if (what == METRICS_BE_UNRESOLVED_SINCE && !v[i].be->unresolved)
			continue;
		edgelb_metrics_sample(b, name, value, "service", v[i].s->name, "backend",
				      v[i].be->name, "address", v[i].addr, "site", v[i].be->site,
				      (const char *)NULL);
	}
}

static int metrics_backends(void *arg, struct edgelb_metrics_buf *b)
{
	const struct edgelb_model *d = arg;
	const struct edgelb_dataplane *dp = &d->lb.dp;
	struct metrics_be_sample *v;
	size_t n = 0;

	for (size_t i = 0; i < d->lb.n_services; i++)
		n += d->lb.services[i].n_backends;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < d->lb.n_services; i++) {
		const struct lb_service *s = &d->lb.services[i];

		for (size_t k = 0; k < s->n_backends; k++, n++) {
			v[n].s = s;
			v[n].be = &s->backends[k];
			ctl_proto_addr_str(v[n].be->family, &v[n].be->addr, v[n].addr,
					   sizeof(v[n].addr));
			v[n].have_counters =
				!dp->ops->backend_counters(dp->dp, v[n].be->id, &v[n].c);
			if (!v[n].have_counters)
				edgelb_metrics_error(b);
		}
	}
	metrics_be_family(b, v, n, "edgelb_backend_packets_total", "counter",
			  "Packets sent to the backend.", METRICS_BE_PACKETS);
	metrics_be_family(b, v, n, "edgelb_backend_bytes_total", "counter",
			  "Bytes sent to the backend (before encapsulation).", METRICS_BE_BYTES);
	metrics_be_family(b, v, n, "edgelb_backend_new_flows_total", "counter",
			  "Flows assigned to the backend.", METRICS_BE_NEW_FLOWS);
	metrics_be_family(b, v, n, "edgelb_backend_up", "gauge",
			  "1 if the backend passes its health checks, else 0.", METRICS_BE_UP);
	metrics_be_family(b, v, n, "edgelb_backend_drained", "gauge",
			  "1 if an operator drained the backend (lbctl backend drain), else 0.",
			  METRICS_BE_DRAINED);
	metrics_be_family(b, v, n, "edgelb_backend_weight", "gauge",
			  "Maglev weight of the backend in effect (0 takes no new flows).",
			  METRICS_BE_WEIGHT);
	metrics_be_family(b, v, n, "edgelb_backend_next_hop_unresolved", "gauge",
			  "1 while the kernel cannot resolve the MAC of the backend's next hop "
			  "(no new flows go to it), else 0.",
			  METRICS_BE_UNRESOLVED);
	metrics_be_family(b, v, n, "edgelb_backend_next_hop_unresolved_since_seconds", "gauge",
			  "When the backend's next hop became unresolved, in seconds since the "
			  "epoch (only while it is).",
			  METRICS_BE_UNRESOLVED_SINCE);
	free(v);
	return 0;
}

static int metrics_dataplane(void *arg, struct edgelb_metrics_buf *b)
{
	const struct edgelb_model *d = arg;
	const struct edgelb_dataplane *dp = &d->lb.dp;
	uint64_t values[EDGELB_COUNTER_MAX];
	bool ok[EDGELB_COUNTER_MAX];

	for (int c = 0; c < EDGELB_COUNTER_MAX; c++) {
		ok[c] = !dp->ops->counter(dp->dp, (enum edgelb_counter)c, &values[c]);
		if (!ok[c])
			edgelb_metrics_error(b);
	}
	edgelb_metrics_family(b, "edgelb_dataplane_drops_total", "counter",
			      "Packets the data plane dropped, by reason.");
	for (int c = 0; c < EDGELB_COUNTER_MAX; c++) {
		const char *name = edgelb_counter_names[c];

		if (!ok[c] || !edgelb_counter_is_drop((enum edgelb_counter)c))
			continue;
		if (!strncmp(name, "drop_", 5))
			name += 5;
		edgelb_metrics_sample(b, "edgelb_dataplane_drops_total", (double)values[c],
				      "reason", name, (const char *)NULL);
	}
	edgelb_metrics_family(b, "edgelb_dataplane_events_total", "counter",
			      "Packets passed to the kernel, ICMP handled, flows rehashed, "
			      "by event.");
	for (int c = 0; c < EDGELB_COUNTER_MAX; c++) {
		if (!ok[c] || edgelb_counter_is_drop((enum edgelb_counter)c))
			continue;
		edgelb_metrics_sample(b, "edgelb_dataplane_events_total", (double)values[c],
				      "event", edgelb_counter_names[c], (const char *)NULL);
	}
	return 0;
}

/* The built-in writers, in the order of the exposition. */
static const struct metrics_writer metrics_builtin[] = {
	{ metrics_process, NULL },
	{ metrics_config, NULL },
	{ metrics_vips, NULL },
	{ metrics_backends, NULL },
	{ metrics_dataplane, NULL }, /* arg: the model, at render */
};

int edgelb_metrics_render(const struct edgelb_model *model, const struct edgelb_metrics *m,
			  char **text, size_t *len)
{
	struct edgelb_metrics_buf b = { 0 };
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(metrics_builtin) / sizeof(metrics_builtin[0]); i++)
		err = metrics_builtin[i].fn((void *)model, &b);
	for (size_t i = 0; !err && m && i < m->n_extra; i++)
		err = m->extra[i].fn(m->extra[i].arg, &b);
	edgelb_metrics_family(&b, "edgelb_metrics_scrape_errors", "gauge",
			      "Samples left out of this scrape because they could not be read.");
	edgelb_metrics_sample(&b, "edgelb_metrics_scrape_errors", b.scrape_errors,
			      (const char *)NULL);
	if (!err)
		err = b.err;
	if (err) {
		free(b.text);
		return err;
	}
	*text = b.text;
	*len = b.len;
	return 0;
}

int edgelb_metrics_register(struct edgelb_metrics *m, edgelb_metrics_fn fn, void *arg)
{
	if (m->n_extra >= METRICS_WRITERS_MAX)
		return -ENOSPC;
	m->extra[m->n_extra++] = (struct metrics_writer){ .fn = fn, .arg = arg };
	return 0;
}

/* ---- HTTP ----------------------------------------------------------------- */

static enum MHD_Result metrics_respond(struct MHD_Connection *conn, unsigned int status,
				       const char *type, char *body, size_t len,
				       enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Whether to log a warning now: at most one per METRICS_WARN_INTERVAL_MS, so
 * that a peer opening connections in a loop does not flood the log. Returns
 * false after counting the one held back; *quiet gets the count to report.
 */
static bool metrics_warn_now(struct edgelb_metrics *m, unsigned int *quiet)
{
	uint64_t now = loop_now_ms();

	if (m->warned && now - m->warned_ms < METRICS_WARN_INTERVAL_MS) {
		m->warn_quiet++;
		return false;
	}
	*quiet = m->warn_quiet;
	m->warned = true;
	m->warned_ms = now;
	m->warn_quiet = 0;
	return true;
}

/*
 * Make room for one more connection: while METRICS_CONNS_MAX are open,
 * shut the longest idle one down (one not answering a request). MHD sees
 * the end of the stream on its next run and closes it.
 */
static void metrics_make_room(struct edgelb_metrics *m)
{
	uint64_t now = loop_now_ms();
	unsigned int quiet;

	while (m->n_live >= METRICS_CONNS_MAX) {
		struct metrics_conn *c, *oldest = NULL;

		for (c = m->conns; c; c = c->next)
			if (!c->busy && !c->evicted && c->fd >= 0 &&
			    (!oldest || c->last_ms <= oldest->last_ms))
				oldest = c;
		if (!oldest)
			return; /* all busy: MHD's own limit holds the rest */
		shutdown(oldest->fd, SHUT_RDWR);
		oldest->evicted = true;
		m->n_live--;
		if (metrics_warn_now(m, &quiet))
			pr_warn("metrics", "%d connections open: closing one idle for %llu ms (%u "
					   "warnings held back before)",
				METRICS_CONNS_MAX, (unsigned long long)(now - oldest->last_ms),
				quiet);
	}
}

static void metrics_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			   enum MHD_ConnectionNotificationCode toe)
{
	struct edgelb_metrics *m = cls;
	struct metrics_conn *c = *socket_context;
	const union MHD_ConnectionInfo *info;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		metrics_make_room(m);
		c = calloc(1, sizeof(*c));
		if (!c)
			return; /* served, but never evicted */
		info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		c->fd = info ? info->connect_fd : -1;
		c->last_ms = loop_now_ms();
		c->next = m->conns;
		if (c->next)
			c->next->prev = c;
		m->conns = c;
		m->n_live++;
		*socket_context = c;
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED || !c)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		m->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (!c->evicted)
		m->n_live--;
	free(c);
	*socket_context = NULL;
}

static struct metrics_conn *metrics_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/* A request answered (or given up): the connection is idle again. */
static void metrics_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct metrics_conn *c = metrics_conn_of(conn);

	(void)cls;
	(void)con_cls;
	(void)toe;
	if (c) {
		c->busy = false;
		c->last_ms = loop_now_ms();
	}
}

static enum MHD_Result metrics_request(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	static char not_found[] = "not found; the metrics are at /metrics\n";
	static char not_allowed[] = "method not allowed; use GET\n";
	static char failed[] = "edgelbd could not build the metrics; see its log\n";
	struct edgelb_metrics *m = cls;
	struct metrics_conn *c = metrics_conn_of(conn);
	char *text;
	size_t len;
	int err;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	/* answering: not to be evicted until metrics_completed() */
	if (c)
		c->busy = true;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return metrics_respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
				       strlen(not_allowed), MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return metrics_respond(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
				       strlen(not_found), MHD_RESPMEM_PERSISTENT);
	err = edgelb_metrics_render(m->model, m, &text, &len);
	if (err) {
		pr_warn("metrics", "building /metrics: %s", strerror(-err));
		return metrics_respond(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", failed,
				       strlen(failed), MHD_RESPMEM_PERSISTENT);
	}
	return metrics_respond(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text,
			       len, MHD_RESPMEM_MUST_FREE);
}

__attribute__((format(printf, 2, 0))) static void metrics_mhd_log(void *cls, const char *fmt,
								  va_list ap)
{
	struct edgelb_metrics *m = cls;
	unsigned int quiet = 0;
	char line[512];
	size_t n;

	/* MHD says so for every connection that closes early, evicted ones too */
	if (!metrics_warn_now(m, &quiet))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (quiet)
		pr_warn("metrics", "libmicrohttpd: %s (%u warnings held back before)", line, quiet);
	else
		pr_warn("metrics", "libmicrohttpd: %s", line);
}

/* After every MHD_run(): wake up again when MHD wants to (timeouts, buffered data). */
static void metrics_rearm(struct edgelb_metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES)
		loop_timer_arm(m->timer, ms ? ms : 1, 0);
	else
		loop_timer_disarm(m->timer);
}

static void metrics_ready(void *arg, int fd, uint32_t events)
{
	struct edgelb_metrics *m = arg;

	(void)fd;
	(void)events;
	MHD_run(m->mhd);
	metrics_rearm(m);
}

static void metrics_timeout(void *arg)
{
	metrics_ready(arg, -1, 0);
}

int edgelb_metrics_open(struct loop *loop, const struct edgelb_model *model,
			const struct edgelb_config_addr *addr, uint16_t port,
			struct edgelb_metrics **out)
{
	static const uint8_t any6[16];
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct edgelb_metrics *m;
	int err;

	memset(&ss, 0, sizeof(ss));
	if (addr->family == EDGELB_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = addr->addr.v4;
	} else if (addr->family == EDGELB_AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr->addr.bytes, 16);
		/* "[::]:port" means every address, IPv4 included */
		flags |= memcmp(addr->addr.bytes, any6, 16) ? MHD_USE_IPv6 : MHD_USE_DUAL_STACK;
	} else {
		return -EAFNOSUPPORT;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->loop = loop;
	m->model = model;
	m->epfd = -1;
	errno = 0;
	m->mhd = MHD_start_daemon(flags, port, NULL, NULL, metrics_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, metrics_mhd_log, m,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNS_HARD,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S,
				  MHD_OPTION_NOTIFY_CONNECTION, metrics_notify, m,
				  MHD_OPTION_NOTIFY_COMPLETED, metrics_completed, m,
				  MHD_OPTION_END);
	if (!m->mhd) {
		/* MHD does not say why; the usual reason is a port in use */
		err = errno ? -errno : -EADDRINUSE;
		goto fail;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		err = -ENOTSUP;
		goto fail;
	}
	m->epfd = info->epoll_fd;
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info && info->port ? info->port : port;
	err = loop_timer_new(loop, metrics_timeout, m, &m->timer);
	if (err)
		goto fail;
	err = loop_add_fd(loop, m->epfd, EPOLLIN, metrics_ready, m);
	if (err) {
		m->epfd = -1;
		goto fail;
	}
	metrics_rearm(m);
	*out = m;
	return 0;
fail:
	edgelb_metrics_close(m);
	return err;
}

void edgelb_metrics_close(struct edgelb_metrics *m)
{
	if (!m)
		return;
	if (m->epfd >= 0)
		loop_del_fd(m->loop, m->epfd);
	loop_timer_free(m->timer);
	if (m->mhd)
		MHD_stop_daemon(m->mhd); /* closes its epoll fd */
	free(m);
}

uint16_t edgelb_metrics_port(const struct edgelb_metrics *m)
{
	return m->port;
}
