// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's commands: see ctl_wire.h for what each takes and
 * returns, ctl_cmds.h for the contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "counters.h"
#include "ctl.h"
#include "ctl_cmds.h"
#include "loop.h"
#include "model.h"
#include "health/health.h"
#include "log.h"

/* Room for the messages of a reload or a check. */
#define CTL_CMDS_MSG_MAX (64 * 1024)

/* ---- JSON building ------------------------------------------------------ */

/* Add v to o under key; takes v. -ENOMEM if v is NULL or adding fails. */
static int jset(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* s == NULL: JSON null (which json-c represents as a NULL object) */
static int jstr(struct json_object *o, const char *key, const char *s)
{
	if (!s)
		return json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
	return jset(o, key, json_object_new_string(s));
}

static int jint(struct json_object *o, const char *key, int64_t v)
{
	return jset(o, key, json_object_new_int64(v));
}

static int juint(struct json_object *o, const char *key, uint64_t v)
{
	return jset(o, key, json_object_new_uint64(v));
}

static int jbool(struct json_object *o, const char *key, bool v)
{
	return jset(o, key, json_object_new_boolean(v));
}

static int jpush(struct json_object *array, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(array, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* An error reply; NULL when out of memory. */
__attribute__((format(printf, 2, 3))) static struct json_object *
ctl_fail(const char *field, const char *fmt, ...)
{
	struct ctl_error err;
	va_list ap;
	int n = 0;

	memset(&err, 0, sizeof(err));
	snprintf(err.field, sizeof(err.field), "%s", field ? field : "");
	if (field)
		n = snprintf(err.message, sizeof(err.message), "%s: ", field);
	va_start(ap, fmt);
	vsnprintf(err.message + n, sizeof(err.message) - (size_t)n, fmt, ap);
	va_end(ap);
	return ctl_proto_reply_error(&err);
}

/* Lines of text (one per '\n') as a JSON array under key. */
static int jlines(struct json_object *o, const char *key, const char *text)
{
	struct json_object *a = json_object_new_array();
	int err;

	if (!a)
		return -ENOMEM;
	while (text && *text) {
		size_t n = strcspn(text, "\n");

		if (n && jpush(a, json_object_new_string_len(text, (int)n))) {
			json_object_put(a);
			return -ENOMEM;
		}
		text += n + (text[n] == '\n');
	}
	err = jset(o, key, a);
	return err;
}

/* ---- the model as JSON ------------------------------------------------- */

/*
 * The operator's view: a drain shows even while health says down; a
 * healthy backend whose next hop the kernel cannot resolve is
 * "unresolved" (no new connections: the data plane could not deliver).
 */
static const char *ctl_backend_state(const struct lb_backend *b)
{
	if (b->drained)
		return "drained";
	if (!b->alive)
		return "down";
	return b->unresolved ? "unresolved" : "up";
}

/* The next-hop fields of a backend; 0 or -ENOMEM. */
static int ctl_nexthop_json(struct json_object *o, const struct lb_backend *b)
{
	if (jstr(o, "next_hop", b->unresolved ? "unresolved" : "resolved"))
		return -ENOMEM;
	if (b->unresolved && jint(o, "next_hop_unresolved_since_unix_ms", b->unresolved_since_ms))
		return -ENOMEM;
	return 0;
}

static struct json_object *ctl_service_json(const struct lb_service *s)
{
	struct json_object *o = json_object_new_object();
	char addr[INET6_ADDRSTRLEN];
	size_t up = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < s->n_backends; i++)
		up += lb_backend_eligible(&s->backends[i]);
	if (jstr(o, "name", s->name) ||
	    jstr(o, "vip", ctl_proto_addr_str(s->key.family, &s->key.addr, addr, sizeof(addr))) ||
	    jint(o, "port", ntohs(s->key.port)) ||
	    jstr(o, "protocol", ctl_proto_proto_name(s->key.proto)) ||
	    jstr(o, "encap", ctl_proto_encap_name(s->encap)) || jint(o, "gue_port", s->gue_port) ||
	    jint(o, "ring_size", s->ring_size) || jint(o, "mtu", s->mtu) ||
	    jstr(o, "mtu_policy", s->flags & EDGELB_VIP_F_MTU_DROP ? "drop" : "icmp") ||
	    jstr(o, "hash", s->flags & EDGELB_VIP_F_NO_PORT_HASH ? "addresses" : "5tuple") ||
	    jint(o, "id", s->vip_id) || jbool(o, "runtime", s->runtime) ||
	    jint(o, "backends", (int64_t)s->n_backends) || jint(o, "backends_up", (int64_t)up)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *ctl_backend_json(const struct lb_service *s,
					    const struct lb_backend *b)
{
	struct json_object *o = json_object_new_object();
	char addr[INET6_ADDRSTRLEN];

	if (!o)
		return NULL;
	if (jstr(o, "service", s->name) || jstr(o, "name", b->name) ||
	    jstr(o, "address", ctl_proto_addr_str(b->family, &b->addr, addr, sizeof(addr))) ||
	    jint(o, "port", b->port) || jint(o, "weight", b->weight) ||
	    jstr(o, "site", b->site[0] ? b->site : NULL) ||
	    jstr(o, "state", ctl_backend_state(b)) || jbool(o, "alive", b->alive) ||
	    jbool(o, "drained", b->drained) || jbool(o, "runtime", b->runtime) ||
	    jint(o, "id", b->id) || ctl_nexthop_json(o, b)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Wall-clock seconds of a loop_now_ms() instant. */
static int64_t ctl_unix_time(uint64_t mono_ms)
{
	uint64_t now = loop_now_ms();

	return (int64_t)time(NULL) - (int64_t)((now > mono_ms ? now - mono_ms : 0) / 1000);
}

/* ---- read commands --------------------------------------------------- */

static struct json_object *ctl_status(struct edgelb_model *d)
{
	struct json_object *r = ctl_proto_reply_ok(), *ifs = json_object_new_array();
	const struct edgelb_config *cfg = &d->cfg;
	uint64_t now = loop_now_ms(), live = 0;
	bool xdp = cfg->dataplane.mode == EDGELB_CONFIG_DP_XDP;

	if (!r || !ifs)
		goto nomem;
	for (size_t i = 0; i < cfg->dataplane.n_interfaces; i++)
		if (jpush(ifs, json_object_new_string(cfg->dataplane.interfaces[i])))
			goto nomem;
	if (jstr(r, "instance", cfg->instance) || jstr(r, "version", EDGELB_VERSION) ||
	    jint(r, "pid", getpid()) ||
	    jint(r, "uptime_s", (int64_t)((now - d->started_ms) / 1000)) ||
	    jstr(r, "config_path", d->config_path) ||
	    jint(r, "config_loaded_unix", ctl_unix_time(d->config_loaded_ms)) ||
	    jint(r, "config_age_s", (int64_t)((now - d->config_loaded_ms) / 1000)) ||
	    jint(r, "reloads", d->reloads) || jbool(r, "adopted", d->adopted) ||
	    jint(r, "services", (int64_t)d->lb.n_services) ||
	    jint(r, "backends", (int64_t)lb_backend_count(&d->lb)) ||
	    jstr(r, "dataplane", xdp ? "xdp" : "dpdk") ||
	    jstr(r, "xdp_mode",
		 !xdp ? NULL
		      : cfg->dataplane.xdp_mode == EDGELB_CONFIG_XDP_GENERIC ? "generic"
									     : "native")) {
		json_object_put(ifs);
		goto nomem_r;
	}
	if (jset(r, "interfaces", ifs))
		goto nomem_r;
	for (size_t i = 0; i < d->lb.n_services; i++)
		live += d->lb.services[i].ring_size;
	/* the ring array is mapped whole: most of edgelbd's RSS, none of it private */
	if (jint(r, "ring_slots", d->ring_slots) ||
	    jint(r, "ring_bytes", (int64_t)d->ring_slots * (int64_t)sizeof(uint32_t)) ||
	    jint(r, "ring_slots_live", (int64_t)live))
		goto nomem_r;
	return r;
nomem:
	json_object_put(ifs);
nomem_r:
	json_object_put(r);
	return NULL;
}

static struct json_object *ctl_vip_list(struct edgelb_model *d)
{
	struct json_object *r = ctl_proto_reply_ok(), *a = json_object_new_array();

	if (!r || !a)
		goto nomem;
	for (size_t i = 0; i < d->lb.n_services; i++)
		if (jpush(a, ctl_service_json(&d->lb.services[i])))
			goto nomem;
	if (!jset(r, "services", a))
		return r;
	a = NULL;
nomem:
	json_object_put(a);
	json_object_put(r);
	return NULL;
}

static struct json_object *ctl_backend_list(struct edgelb_model *d, const struct ctl_request *req)
{
	struct json_object *r, *a;

	if (req->service[0] && !lb_find_service(&d->lb, req->service))
		return ctl_fail("service", "no service \"%s\"", req->service);
	r = ctl_proto_reply_ok();
	a = json_object_new_array();
	if (!r || !a)
		goto nomem;
	for (size_t i = 0; i < d->lb.n_services; i++) {
		const struct lb_service *s = &d->lb.services[i];

		if (req->service[0] && strcmp(s->name, req->service))
			continue;
		for (size_t b = 0; b < s->n_backends; b++)
			if (jpush(a, ctl_backend_json(s, &s->backends[b])))
				goto nomem;
	}
	if (!jset(r, "backends", a))
		return r;
	a = NULL;
nomem:
	json_object_put(a);
	json_object_put(r);
	return NULL;
}

static int ctl_counters_json(struct json_object *o, const struct edgelb_counters *c)
{
	return juint(o, "packets", c->packets) || juint(o, "bytes", c->bytes) ||
			       juint(o, "new_flows", c->new_flows)
		       ? -ENOMEM
		       : 0;
}

/* Errors reading counters become an error reply in *fail. */
static int ctl_stats_vips(struct edgelb_model *d, struct json_object *a, struct json_object **fail)
{
	const struct edgelb_dataplane *dp = &d->lb.dp;

	for (size_t i = 0; i < d->lb.n_services; i++) {
		const struct lb_service *s = &d->lb.services[i];
		struct edgelb_counters c;
		struct json_object *o;
		char addr[INET6_ADDRSTRLEN];
		int err = dp->ops->vip_counters(dp->dp, s->vip_id, &c);

		if (err) {
			*fail = ctl_fail(NULL, "stats: reading the counters of service \"%s\": %s",
					 s->name, strerror(-err));
			return -EIO;
		}
		o = json_object_new_object();
		if (jpush(a, o) || jstr(o, "name", s->name) ||
		    jstr(o, "vip",
			 ctl_proto_addr_str(s->key.family, &s->key.addr, addr, sizeof(addr))) ||
		    jint(o, "port", ntohs(s->key.port)) ||
		    jstr(o, "protocol", ctl_proto_proto_name(s->key.proto)) ||
		    jint(o, "id", s->vip_id) || ctl_counters_json(o, &c))
			return -ENOMEM;
	}
	return 0;
}

static int ctl_stats_backends(struct edgelb_model *d, struct json_object *a,
			      struct json_object **fail)
{
	const struct edgelb_dataplane *dp = &d->lb.dp;

	for (size_t i = 0; i < d->lb.n_services; i++) {
		const struct lb_service *s = &d->lb.services[i];

		for (size_t k = 0; k < s->n_backends; k++) {
			const struct lb_backend *b = &s->backends[k];
			struct edgelb_counters c;
			struct json_object *o;
			char addr[INET6_ADDRSTRLEN];
			int err = dp->ops->backend_counters(dp->dp, b->id, &c);

			if (err) {
				*fail = ctl_fail(NULL, "stats: reading the counters of backend "
						       "\"%s/%s\": %s",
						 s->name, b->name, strerror(-err));
				return -EIO;
			}
			o = json_object_new_object();
			if (jpush(a, o) || jstr(o, "service", s->name) || jstr(o, "name", b->name) ||
			    jstr(o, "address",
				 ctl_proto_addr_str(b->family, &b->addr, addr, sizeof(addr))) ||
			    jint(o, "port", b->port) ||
			    jstr(o, "site", b->site[0] ? b->site : NULL) || jint(o, "id", b->id) ||
			    jstr(o, "state", ctl_backend_state(b)) || jint(o, "weight", b->weight) ||
			    ctl_counters_json(o, &c))
				return -ENOMEM;
		}
	}
	return 0;
}

static int ctl_stats_node(struct edgelb_model *d, struct json_object *drops,
			  struct json_object *events, struct json_object **fail)
{
	const struct edgelb_dataplane *dp = &d->lb.dp;

	for (int c = 0; c < EDGELB_COUNTER_MAX; c++) {
		const char *name = edgelb_counter_names[c];
		uint64_t v;
		int err = dp->ops->counter(dp->dp, (enum edgelb_counter)c, &v);

		if (err) {
			*fail = ctl_fail(NULL, "stats: reading counter %s: %s", name,
					 strerror(-err));
			return -EIO;
		}
		if (edgelb_counter_is_drop((enum edgelb_counter)c)) {
			if (!strncmp(name, "drop_", 5))
				name += 5;
			if (juint(drops, name, v))
				return -ENOMEM;
		} else if (juint(events, name, v)) {
			return -ENOMEM;
		}
	}
	return 0;
}

static struct json_object *ctl_stats(struct edgelb_model *d)
{
	struct json_object *r = ctl_proto_reply_ok(), *fail = NULL;
	struct json_object *vips = json_object_new_array(), *bes = json_object_new_array();
	struct json_object *drops = json_object_new_object(), *events = json_object_new_object();
	int err = -ENOMEM;

	if (!r || !vips || !bes || !drops || !events)
		goto out;
	err = ctl_stats_vips(d, vips, &fail);
	if (!err)
		err = ctl_stats_backends(d, bes, &fail);
	if (!err)
		err = ctl_stats_node(d, drops, events, &fail);
	if (err)
		goto out;
	/* jset takes its value even when it fails */
	err = jset(r, "vips", vips);
	vips = NULL;
	if (err)
		goto out;
	err = jset(r, "backends", bes);
	bes = NULL;
	if (err)
		goto out;
	err = jset(r, "drops", drops);
	drops = NULL;
	if (err)
		goto out;
	err = jset(r, "events", events);
	events = NULL;
	if (!err)
		err = juint(r, "time_ms", loop_now_ms());
out:
	json_object_put(vips);
	json_object_put(bes);
	json_object_put(drops);
	json_object_put(events);
	if (!err)
		return r;
	json_object_put(r);
	return fail; /* NULL when out of memory */
}

static const struct lb_service *ctl_service_by_id(const struct lb *lb, uint32_t vip_id)
{
	for (size_t i = 0; i < lb->n_services; i++)
		if (lb->services[i].vip_id == vip_id)
			return &lb->services[i];
	return NULL;
}

static const struct lb_backend *ctl_backend_by_id(const struct lb *lb, uint32_t id)
{
	for (size_t i = 0; i < lb->n_services; i++)
		for (size_t k = 0; k < lb->services[i].n_backends; k++)
			if (lb->services[i].backends[k].id == id)
				return &lb->services[i].backends[k];
	return NULL;
}

static struct json_object *ctl_flow_json(const struct lb *lb, const struct edgelb_flow_key *k,
					 const struct edgelb_flow_state *st, uint64_t now_ns)
{
	const struct lb_service *s = ctl_service_by_id(lb, st->vip_id);
	const struct lb_backend *b = ctl_backend_by_id(lb, st->backend_id);
	struct json_object *o = json_object_new_object();
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	if (!o)
		return NULL;
	if (jstr(o, "src", ctl_proto_addr_str(k->family, &k->src, src, sizeof(src))) ||
	    jint(o, "sport", ntohs(k->sport)) ||
	    jstr(o, "dst", ctl_proto_addr_str(k->family, &k->dst, dst, sizeof(dst))) ||
	    jint(o, "dport", ntohs(k->dport)) ||
	    jstr(o, "protocol", ctl_proto_proto_name(k->proto)) ||
	    jstr(o, "service", s ? s->name : NULL) || jstr(o, "backend", b ? b->name : NULL) ||
	    jint(o, "vip_id", st->vip_id) || jint(o, "backend_id", st->backend_id) ||
	    juint(o, "age_ms",
		  (uint32_t)(now_ns / 1000000) - st->created_ms)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * The flow table's fill level into r as "fill": {entries, capacity,
 * complete}. Counting walks the table (dataplane.h: flow_fill), so only
 * the first page of a listing pays it, and past EDGELB_CTL_FILL_MAX
 * entries it is an estimate. Nothing is added when the data plane cannot
 * tell.
 */
static int ctl_flow_fill(const struct edgelb_dataplane *dp, const struct ctl_request *req,
			 struct json_object *r)
{
	uint64_t used, capacity;
	struct json_object *o;
	bool complete;

	if (!dp->ops->flow_fill || (req->paged && req->offset))
		return 0;
	if (dp->ops->flow_fill(dp->dp, EDGELB_CTL_FILL_MAX, &used, &capacity, &complete))
		return 0; /* the listing stands without it */
	o = json_object_new_object();
	if (!o || juint(o, "entries", used) || juint(o, "capacity", capacity) ||
	    jbool(o, "complete", complete)) {
		json_object_put(o);
		return -ENOMEM;
	}
	return jset(r, "fill", o);
}

static struct json_object *ctl_flows(struct edgelb_model *d, const struct ctl_request *req)
{
	const struct edgelb_dataplane *dp = &d->lb.dp;
	struct edgelb_flow_key *keys = NULL;
	struct edgelb_flow_state *states = NULL;
	struct json_object *r = NULL, *a = NULL;
	struct timespec ts;
	uint64_t now_ns;
	size_t n = 0;
	int err;

	if (!dp->ops->flows)
		return ctl_fail(NULL, "flows: this data plane cannot list its flows");
	/* one more than shown: tells "there are more" from "exactly max" */
	keys = calloc(req->max + 1, sizeof(*keys));
	states = calloc(req->max + 1, sizeof(*states));
	if (!keys || !states)
		goto nomem;
	err = dp->ops->flows(dp->dp, keys, states, req->max + 1, &n);
	if (err) {
		r = ctl_fail(NULL, "flows: reading the flow table: %s", strerror(-err));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	r = ctl_proto_reply_ok();
	a = json_object_new_array();
	if (!r || !a)
		goto nomem;
	for (size_t i = 0; i < n && i < req->max; i++)
		if (jpush(a, ctl_flow_json(&d->lb, &keys[i], &states[i], now_ns)))
			goto nomem;
	if (jset(r, "flows", a)) {
		a = NULL;
		goto nomem;
	}
	a = NULL;
	if (jbool(r, "truncated", n > req->max) || ctl_flow_fill(dp, req, r))
		goto nomem;
	goto out;
nomem:
	json_object_put(r);
	r = NULL;
out:
	json_object_put(a);
	free(keys);
	free(states);
	return r;
}

/* ---- health ----------------------------------------------------------- */

/* Wall-clock milliseconds of a loop_now_ms() instant. */
static int64_t ctl_unix_ms(uint64_t mono_ms, uint64_t now_ms, int64_t wall_ms)
{
	return wall_ms - (int64_t)(now_ms > mono_ms ? now_ms - mono_ms : 0);
}

static int ctl_health_json(struct json_object *o, const struct edgelb_health_status *st,
			   uint64_t now, int64_t wall)
{
	const char *last = !st->has_result ? NULL : st->last_pass ? "pass" : "fail";
	int64_t last_unix = st->has_result ? ctl_unix_ms(st->last_ms, now, wall) : 0;
	int64_t last_age = st->has_result && now > st->last_ms ? (int64_t)(now - st->last_ms) : 0;
	int64_t since_age = now > st->since_ms ? (int64_t)(now - st->since_ms) : 0;
	int64_t held = st->hold_until_ms > now ? (int64_t)(st->hold_until_ms - now) : 0;

	if (jstr(o, "health", st->up ? "up" : "down") || jstr(o, "check", st->type) ||
	    jstr(o, "target", st->target) || jbool(o, "through_tunnel", st->through_tunnel) ||
	    jint(o, "mark", st->mark) || jbool(o, "running", st->running) ||
	    jstr(o, "last_result", last) || jstr(o, "reason", st->has_result ? st->reason : NULL) ||
	    jint(o, "latency_us", st->has_result ? st->latency_us : 0) ||
	    jint(o, "last_check_unix_ms", last_unix) || jint(o, "last_check_age_ms", last_age) ||
	    jint(o, "since_unix_ms", ctl_unix_ms(st->since_ms, now, wall)) ||
	    jint(o, "since_age_ms", since_age) || jstr(o, "change_reason", st->change_reason))
		return -ENOMEM;
	if (jint(o, "transitions", st->transitions) || juint(o, "checks_passed", st->passed) ||
	    juint(o, "checks_failed", st->failed) || jint(o, "passes_in_row", st->passes_in_row) ||
	    jint(o, "fails_in_row", st->fails_in_row) || jint(o, "rise", st->rise) ||
	    jint(o, "fall", st->fall) || jint(o, "interval_ms", st->interval_ms) ||
	    jint(o, "timeout_ms", st->timeout_ms) || jint(o, "held_down_ms", held) ||
	    jint(o, "late_ms", st->late_ms))
		return -ENOMEM;
	return 0;
}

static struct json_object *ctl_health(const struct edgelb_ctl_env *env, const struct ctl_request *req)
{
	struct edgelb_model *d = env->model;
	struct edgelb_health_totals t = { 0 };
	struct json_object *r, *a;
	struct timespec ts;
	uint64_t now = loop_now_ms();
	int64_t wall;

	if (req->service[0] && !lb_find_service(&d->lb, req->service))
		return ctl_fail("service", "no service \"%s\"", req->service);
	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (env->health)
		edgelb_health_totals(env->health, &t);
	r = ctl_proto_reply_ok();
	a = json_object_new_array();
	if (!r || !a)
		goto nomem;
	for (size_t i = 0; i < d->lb.n_services; i++) {
		const struct lb_service *s = &d->lb.services[i];

		if (req->service[0] && strcmp(s->name, req->service))
			continue;
		for (size_t k = 0; k < s->n_backends; k++) {
			const struct lb_backend *b = &s->backends[k];
			struct json_object *o = ctl_backend_json(s, b);
			struct edgelb_health_status st;

			if (jpush(a, o))
				goto nomem;
			/* backend.list's members, then the checks' */
			json_object_object_del(o, "weight");
			json_object_object_del(o, "site");
			if (edgelb_health_find(env->health, s->name, b->name, &st)) {
				/* not checked (yet): what the model says */
				memset(&st, 0, sizeof(st));
				st.type = "none";
				st.target = "-";
				st.up = b->alive;
				st.change_reason = "not checked";
				st.since_ms = d->started_ms;
			}
			if (ctl_health_json(o, &st, now, wall))
				goto nomem;
		}
	}
	if (jset(r, "backends", a)) {
		a = NULL;
		goto nomem;
	}
	a = NULL;
	if (jint(r, "time_unix_ms", wall) || jint(r, "checks", (int64_t)t.checks) ||
	    jint(r, "running", (int64_t)t.running) || jint(r, "max_late_ms", t.max_late_ms))
		goto nomem;
	return r;
nomem:
	json_object_put(a);
	json_object_put(r);
	return NULL;
}

/* edgelb_config_load on a FIFO or a device would block the loop. */
static int ctl_regular_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	close(fd);
	return err;
}

static struct json_object *ctl_config_check(struct edgelb_model *d, const struct ctl_request *req)
{
	const char *path = req->path[0] ? req->path : d->config_path;
	const char *field = req->path[0] ? "path" : NULL;
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	struct json_object *r, *msgs;
	int err;

	if (!path)
		return ctl_fail(NULL, "config.check: edgelbd runs without a config file");
	err = ctl_regular_file(path);
	if (err == -EINVAL)
		return ctl_fail(field, "%s is not a regular file", path);
	if (err)
		return ctl_fail(field, "cannot open %s: %s", path, strerror(-err));
	err = edgelb_config_load(path, &cfg, &errs);
	if (err == -ENOMEM) {
		r = NULL;
		goto out;
	}
	if (err)
		r = ctl_fail(NULL, "config: %s is invalid: %zu error%s%s", path, errs.n_errors,
			     errs.n_errors == 1 ? "" : "s",
			     errs.n_dropped ? " (not every message is shown)" : "");
	else
		r = ctl_proto_reply_ok();
	msgs = json_object_new_array();
	if (!r || !msgs)
		goto nomem;
	for (size_t i = 0; i < errs.count; i++)
		if (jpush(msgs, json_object_new_string(errs.items[i].text)))
			goto nomem;
	if (jset(r, "messages", msgs)) {
		msgs = NULL;
		goto nomem;
	}
	msgs = NULL;
	if (jstr(r, "path", path) || (!err && (jint(r, "services", (int64_t)cfg.n_services) ||
					       jint(r, "backends", (int64_t)edgelb_config_backend_count(&cfg)) ||
					       jint(r, "vrrp", (int64_t)cfg.n_vrrp))))
		goto nomem;
	goto out;
nomem:
	json_object_put(msgs);
	json_object_put(r);
	r = NULL;
out:
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
	return r;
}

/* ---- changes ------------------------------------------------------------- */

/* After a successful change: save it, then describe what is now. */
static struct json_object *ctl_changed(struct edgelb_model *d, const struct ctl_request *req,
				       const char *key, struct json_object *what)
{
	struct json_object *r;
	int err = edgelb_model_persist(d);

	if (err) {
		json_object_put(what);
		return ctl_fail(NULL, "%s is applied but not saved: writing the state file failed "
				      "(%s); a restart of edgelbd would undo it until a later change "
				      "is saved",
				ctl_proto_cmd_name(req->cmd), strerror(-err));
	}
	r = ctl_proto_reply_ok();
	if (!r || (what && jset(r, key, what))) {
		if (!r)
			json_object_put(what);
		json_object_put(r);
		return NULL;
	}
	return r;
}

/* A refused or failed lb operation. */
static struct json_object *ctl_lb_failed(const struct ctl_request *req, int err,
					 const char *msg)
{
	struct ctl_error e;

	if (err == -ENOMEM)
		return NULL;
	if (!msg[0])
		return ctl_fail(NULL, "%s: changing the data plane failed: %s",
				ctl_proto_cmd_name(req->cmd), strerror(-err));
	ctl_proto_error_from_lb(&e, msg);
	return ctl_proto_reply_error(&e);
}

static struct json_object *ctl_backend_now(struct edgelb_model *d, const char *service,
					   const char *backend)
{
	struct lb_backend *b = lb_find_backend(&d->lb, service, backend);

	return b ? ctl_backend_json(lb_find_service(&d->lb, service), b) : NULL;
}

static struct json_object *ctl_backend_change(struct edgelb_model *d, const struct ctl_request *req)
{
	char msg[512] = "";
	int err;

	switch (req->cmd) {
	case CTL_CMD_BACKEND_DRAIN:
	case CTL_CMD_BACKEND_UNDRAIN:
		err = lb_backend_drain(&d->lb, req->service, req->backend,
				       req->cmd == CTL_CMD_BACKEND_DRAIN, msg, sizeof(msg));
		break;
	case CTL_CMD_BACKEND_WEIGHT:
		err = lb_backend_weight(&d->lb, req->service, req->backend, req->weight, msg,
					sizeof(msg));
		break;
	default: /* CTL_CMD_BACKEND_DEL */
		err = lb_backend_del(&d->lb, req->service, req->backend, msg, sizeof(msg));
		break;
	}
	if (err)
		return ctl_lb_failed(req, err, msg);
	edgelb_model_changed(d, req->cmd == CTL_CMD_BACKEND_DEL);
	if (req->cmd == CTL_CMD_BACKEND_DEL)
		return ctl_changed(d, req, NULL, NULL);
	return ctl_changed(d, req, "backend", ctl_backend_now(d, req->service, req->backend));
}

/*
 * The model's objects of a vip.add or backend.add: a parsed request holds
 * plain values (ctl_proto.h), so that the protocol and its parser do not
 * follow lb.h. What the request does not give stays zero, as
 * lb_service_add() and lb_backend_add() expect of a new object.
 */
_Static_assert(CTL_NAME_SIZE <= LB_NAME_MAX, "a request's names fit the model's");
_Static_assert(sizeof(union ctl_addr) == sizeof(union edgelb_addr),
	       "a request's address has the layout of the model's");

static void ctl_service_of(const struct ctl_vip_add *v, struct lb_service *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", v->name);
	memcpy(s->key.addr.bytes, v->vip.bytes, sizeof(s->key.addr.bytes));
	s->key.family = v->family;
	s->key.port = htons(v->port); /* network order, as in the VIP map */
	s->key.proto = v->proto;
	s->encap = v->encap;
	s->gue_port = v->gue_port;
	s->ring_size = v->ring_size;
	s->mtu = v->mtu;
	if (v->mtu_drop)
		s->flags |= EDGELB_VIP_F_MTU_DROP;
	if (v->hash_addresses)
		s->flags |= EDGELB_VIP_F_NO_PORT_HASH;
}

/* site_id is left to the caller: it needs the config's sites. */
static void ctl_backend_of(const struct ctl_backend_add *a, struct lb_backend *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", a->name);
	memcpy(b->addr.bytes, a->address.bytes, sizeof(b->addr.bytes));
	b->family = a->family;
	b->port = a->port;
	b->weight = a->weight;
	snprintf(b->site, sizeof(b->site), "%s", a->site);
	b->alive = true; /* until a health check says otherwise */
}

static struct json_object *ctl_backend_add(struct edgelb_model *d, const struct ctl_request *req)
{
	const struct lb_service *s = lb_find_service(&d->lb, req->service);
	struct lb_backend be;
	char msg[512] = "";
	int err;

	ctl_backend_of(&req->backend_add, &be);
	/* packets are not rewritten: by default the backend serves the VIP's port */
	if (s && !req->backend_add.has_port)
		be.port = ntohs(s->key.port);
	for (size_t i = 0; be.site[0] && i < d->cfg.n_sites; i++)
		if (!strcmp(d->cfg.sites[i], be.site))
			be.site_id = (uint16_t)(i + 1);
	err = lb_backend_add(&d->lb, req->service, &be, msg, sizeof(msg));
	if (err)
		return ctl_lb_failed(req, err, msg);
	edgelb_model_changed(d, true);
	return ctl_changed(d, req, "backend", ctl_backend_now(d, req->service, be.name));
}

static struct json_object *ctl_vip_change(struct edgelb_model *d, const struct ctl_request *req)
{
	char msg[512] = "";
	const struct lb_service *s;
	struct lb_service svc;
	int err;

	if (req->cmd == CTL_CMD_VIP_DEL) {
		err = lb_service_del(&d->lb, req->service, msg, sizeof(msg));
		if (err)
			return ctl_lb_failed(req, err, msg);
		edgelb_model_changed(d, true);
		return ctl_changed(d, req, NULL, NULL);
	}
	ctl_service_of(&req->vip_add, &svc);
	err = lb_service_add(&d->lb, &svc, msg, sizeof(msg));
	if (err)
		return ctl_lb_failed(req, err, msg);
	edgelb_model_changed(d, true);
	s = lb_find_service(&d->lb, svc.name);
	return ctl_changed(d, req, "service", s ? ctl_service_json(s) : NULL);
}

static struct json_object *ctl_config_reload(struct edgelb_model *d, const struct ctl_request *req)
{
	unsigned int reloads = d->reloads;
	char *msg = calloc(1, CTL_CMDS_MSG_MAX);
	struct json_object *r;
	int err;

	if (!msg)
		return NULL;
	err = edgelb_model_reload(d, msg, CTL_CMDS_MSG_MAX);
	if (!err)
		r = ctl_changed(d, req, NULL, NULL);
	else if (err == -EINVAL)
		r = ctl_fail(NULL, "config: %s is invalid; the running config stays",
			     d->config_path);
	else if (d->reloads != reloads) /* applied; only saving the state failed */
		r = ctl_fail(NULL, "config.reload is applied but not saved: writing the state "
				   "file failed (%s)",
			     strerror(-err));
	else
		r = ctl_fail(NULL, "config: applying %s failed: %s; the running config stays",
			     d->config_path, strerror(-err));
	if (r && jlines(r, "messages", msg)) {
		json_object_put(r);
		r = NULL;
	}
	free(msg);
	return r;
}

struct json_object *ctl_cmds_run(const struct edgelb_ctl_env *env, const struct ctl_request *req)
{
	struct edgelb_model *d = env->model;

	switch (req->cmd) {
	case CTL_CMD_STATUS:
		return ctl_status(d);
	case CTL_CMD_VIP_LIST:
		return ctl_vip_list(d);
	case CTL_CMD_VIP_ADD:
	case CTL_CMD_VIP_DEL:
		return ctl_vip_change(d, req);
	case CTL_CMD_BACKEND_LIST:
		return ctl_backend_list(d, req);
	case CTL_CMD_BACKEND_ADD:
		return ctl_backend_add(d, req);
	case CTL_CMD_BACKEND_DEL:
	case CTL_CMD_BACKEND_DRAIN:
	case CTL_CMD_BACKEND_UNDRAIN:
	case CTL_CMD_BACKEND_WEIGHT:
		return ctl_backend_change(d, req);
	case CTL_CMD_STATS:
		return ctl_stats(d);
	case CTL_CMD_CONFIG_CHECK:
		return ctl_config_check(d, req);
	case CTL_CMD_CONFIG_RELOAD:
		return ctl_config_reload(d, req);
	case CTL_CMD_FLOWS:
		return ctl_flows(d, req);
	case CTL_CMD_HEALTH:
		return ctl_health(env, req);
	case CTL_CMD_VRRP_STATUS:
	case CTL_CMD_VRRP_HANDOVER:
	case CTL_CMD_VRRP_RELEASE:
	case CTL_CMD_VRRP_MAINTENANCE:
		if (!env->vrrp_ctl)
			return ctl_fail(NULL, "vrrp: this edgelbd runs no VRRP");
		return env->vrrp_ctl(env->vrrp_arg, req);
	case CTL_CMD_MAX:
		break;
	}
	return ctl_fail("cmd", "unknown command");
}
