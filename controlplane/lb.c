// SPDX-License-Identifier: GPL-2.0-only
/*
 * The balancer model: see lb.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lb.h"
#include "maglev.h"

struct lb_shadow {
	struct {
		bool present;
		struct edgelb_vip_key key;
		struct edgelb_vip_meta meta;
		uint64_t ring_sig; /* 0 = no ring written */
		uint32_t *ring;
		uint32_t ring_size;
	} vip[EDGELB_MAX_VIPS];
	struct {
		bool present;
		struct edgelb_backend be;
	} be[EDGELB_MAX_BACKENDS];
	bool node_set;
	struct edgelb_node_config node;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t len,
							   const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ---- names -> ids ---------------------------------------------------- */

/*
 * A table of name -> id, sorted by name (binary search: a rebuild looks up
 * every backend's id, and there may be ten thousand), with a bitmap of the
 * ids in use for allocation. Tables read from the state file come unsorted
 * and are sorted once.
 */
struct id_table {
	struct lb_id_entry **t;
	size_t *n;
	uint32_t *next;
	uint32_t first, limit;
	uint64_t *used; /* limit bits */
};

static int id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lb_id_entry *)a)->name, ((const struct lb_id_entry *)b)->name);
}

static int id_table_open(struct id_table *it, struct lb_id_entry **t, size_t *n, uint32_t *next,
			 uint32_t first, uint32_t limit, bool *sorted)
{
	*it = (struct id_table){ .t = t, .n = n, .next = next, .first = first, .limit = limit };
	it->used = calloc((limit + 63) / 64, sizeof(uint64_t));
	if (!it->used)
		return -ENOMEM;
	if (!*sorted) {
		if (*n)
			qsort(*t, *n, sizeof(**t), id_cmp);
		*sorted = true;
	}
	for (size_t i = 0; i < *n; i++) {
		(*t)[i].seen = false;
		if ((*t)[i].id < limit)
			it->used[(*t)[i].id / 64] |= 1ull << ((*t)[i].id % 64);
	}
	return 0;
}

static void id_table_close(struct id_table *it)
{
	free(it->used);
}

/*
 * The id of name, allocating one if new. Ids start at first (backend id 0
 * stays unused so that a zeroed map value never looks like a backend) and
 * are handed out round robin, so a freed id comes back as late as
 * possible: flows pinned to a deleted backend then rehash instead of
 * landing on a newcomer.
 */
static int id_get(struct id_table *it, const char *name, uint32_t *id)
{
	struct lb_id_entry *t = *it->t, *grown;
	size_t lo = 0, hi = *it->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t[mid].name, name);

		if (!c) {
			t[mid].seen = true;
			*id = t[mid].id;
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t k = 0; k < it->limit - it->first; k++) {
		uint32_t cand = it->first + (*it->next - it->first + k) % (it->limit - it->first);

		if (it->used[cand / 64] & (1ull << (cand % 64)))
			continue;
		grown = realloc(t, (*it->n + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		*it->t = grown;
		memmove(&grown[lo + 1], &grown[lo], (*it->n - lo) * sizeof(*grown));
		memset(&grown[lo], 0, sizeof(grown[lo]));
		snprintf(grown[lo].name, sizeof(grown[lo].name), "%s", name);
		grown[lo].id = cand;
		grown[lo].seen = true;
		(*it->n)++;
		it->used[cand / 64] |= 1ull << (cand % 64);
		*it->next = cand + 1 >= it->limit ? it->first : cand + 1;
		*id = cand;
		return 0;
	}
	return -ENOSPC;
}

/* Forget the ids of names the rebuilt model no longer has. */
static void id_table_prune(struct id_table *it)
{
	size_t keep = 0;

	for (size_t i = 0; i < *it->n; i++)
		if ((*it->t)[i].seen)
			(*it->t)[keep++] = (*it->t)[i];
	*it->n = keep;
}

/* ---- the model ------------------------------------------------------- */

void lb_init(struct lb *lb, struct edgelb_dataplane dp, lb_nexthop_fn nexthop, void *arg)
{
	memset(lb, 0, sizeof(*lb));
	lb->dp = dp;
	lb->nexthop = nexthop;
	lb->nexthop_arg = arg;
	lb->nexthops_stale = true;
	lb->ids.next_backend = 1;
}

static void services_free(struct lb_service *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].backends);
	free(s);
}

void lb_runtime_free(struct lb_runtime *rt)
{
	services_free(rt->added_services, rt->n_added_services);
	free(rt->deleted_services);
	free(rt->added_backends);
	free(rt->added_in);
	free(rt->deleted_backends);
	free(rt->overrides);
	memset(rt, 0, sizeof(*rt));
}

void lb_free(struct lb *lb)
{
	services_free(lb->services, lb->n_services);
	lb_runtime_free(&lb->runtime);
	free(lb->ids.vips);
	free(lb->ids.backends);
	if (lb->shadow)
		for (int v = 0; v < EDGELB_MAX_VIPS; v++)
			free(lb->shadow->vip[v].ring);
	free(lb->shadow);
	memset(lb, 0, sizeof(*lb));
}

struct lb_service *lb_find_service(struct lb *lb, const char *name)
{
	for (size_t i = 0; i < lb->n_services; i++)
		if (!strcmp(lb->services[i].name, name))
			return &lb->services[i];
	return NULL;
}

static struct lb_backend *find_in(struct lb_service *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_backends; i++)
		if (!strcmp(s->backends[i].name, name))
			return &s->backends[i];
	return NULL;
}

struct lb_backend *lb_find_backend(struct lb *lb, const char *service, const char *backend)
{
	return find_in(lb_find_service(lb, service), backend);
}

static bool service_deleted(const struct lb_runtime *rt, const char *name)
{
	for (size_t i = 0; i < rt->n_deleted_services; i++)
		if (!strcmp(rt->deleted_services[i], name))
			return true;
	return false;
}

static bool backend_deleted(const struct lb_runtime *rt, const char *svc, const char *name)
{
	for (size_t i = 0; i < rt->n_deleted_backends; i++)
		if (!strcmp(rt->deleted_backends[i].service, svc) &&
		    !strcmp(rt->deleted_backends[i].backend, name))
			return true;
	return false;
}

static struct lb_override *override_find(struct lb_runtime *rt, const char *svc,
					 const char *name)
{
	for (size_t i = 0; i < rt->n_overrides; i++)
		if (!strcmp(rt->overrides[i].service, svc) && !strcmp(rt->overrides[i].backend, name))
			return &rt->overrides[i];
	return NULL;
}

static int push_backend(struct lb_service *s, const struct lb_backend *b)
{
	struct lb_backend *grown = realloc(s->backends, (s->n_backends + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	s->backends = grown;
	s->backends[s->n_backends++] = *b;
	return 0;
}

static void service_from_config(const struct edgelb_config_service *c, struct lb_service *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", c->name);
	s->key.addr = c->vip.addr;
	s->key.family = c->vip.family;
	s->key.port = htons(c->port);
	s->key.proto = c->proto;
	s->encap = (uint8_t)c->encap;
	s->flags = (c->mtu_policy == EDGELB_CONFIG_MTU_DROP ? EDGELB_VIP_F_MTU_DROP : 0) |
		   (c->hash == EDGELB_CONFIG_HASH_ADDRESSES ? EDGELB_VIP_F_NO_PORT_HASH : 0) |
		   (c->gue_ipv6_zero_checksum ? EDGELB_VIP_F_GUE_ZERO_CSUM6 : 0);
	s->mtu = c->mtu;
	s->gue_port = c->encap == EDGELB_ENCAP_GUE ? c->gue_port : 0;
	s->ring_size = c->ring_size;
}

static void backend_from_config(const struct edgelb_config *cfg,
				const struct edgelb_config_backend *c, struct lb_backend *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", c->name);
	b->addr = c->addr.addr;
	b->family = c->addr.family;
	b->port = c->port;
	b->weight = c->weight;
	b->site_id = c->site_id;
	if (c->site_id && c->site_id <= cfg->n_sites)
		snprintf(b->site, sizeof(b->site), "%s", cfg->sites[c->site_id - 1]);
	b->alive = true;
}

/* Carry health and next-hop state over from the previous model. */
static void carry_over(const struct lb_service *old, size_t n_old, struct lb_service *s)
{
	for (size_t i = 0; i < n_old; i++) {
		if (strcmp(old[i].name, s->name))
			continue;
		for (size_t b = 0; b < s->n_backends; b++) {
			/* usually the same order as before: try the same index first */
			const struct lb_backend *prev =
				b < old[i].n_backends &&
						!strcmp(old[i].backends[b].name, s->backends[b].name)
					? &old[i].backends[b]
					: find_in((struct lb_service *)&old[i], s->backends[b].name);

			if (prev && prev->family == s->backends[b].family &&
			    !memcmp(&prev->addr, &s->backends[b].addr, sizeof(prev->addr))) {
				s->backends[b].alive = prev->alive;
				memcpy(s->backends[b].mac, prev->mac, 6);
				s->backends[b].unresolved = prev->unresolved;
				s->backends[b].unresolved_since_ms = prev->unresolved_since_ms;
				s->backends[b].unresolved_said = prev->unresolved_said;
			}
		}
	}
}

__attribute__((format(printf, 3, 4))) static void warnf(char *warn, size_t len,
							 const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!warn || !len)
		return;
	used = strlen(warn);
	if (used && used + 1 < len)
		warn[used++] = '\n', warn[used] = 0;
	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(warn + used, len - used, fmt, ap);
	va_end(ap);
}

static bool config_has_service(const struct edgelb_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && i < cfg->n_services; i++)
		if (!strcmp(cfg->services[i].name, name))
			return true;
	return false;
}

static bool config_has_backend(const struct edgelb_config *cfg, const char *svc, const char *name)
{
	for (size_t i = 0; cfg && i < cfg->n_services; i++) {
		if (strcmp(cfg->services[i].name, svc))
			continue;
		for (size_t b = 0; b < cfg->services[i].n_backends; b++)
			if (!strcmp(cfg->services[i].backends[b].name, name))
				return true;
	}
	return false;
}

/*
 * Runtime changes that a new config made meaningless leave the layer, so
 * that they neither warn again on every reload nor come back to life when
 * a later config brings the name back.
 */
static void prune_layer(struct lb *lb, char *warn, size_t warn_len)
{
	struct lb_runtime *rt = &lb->runtime;
	size_t keep = 0;

	for (size_t i = 0; i < rt->n_deleted_services; i++) {
		if (config_has_service(lb->cfg, rt->deleted_services[i])) {
			memmove(rt->deleted_services[keep++], rt->deleted_services[i], LB_NAME_MAX);
			continue;
		}
		warnf(warn, warn_len, "deletion of service \"%s\": no longer in the config; dropped",
		      rt->deleted_services[i]);
	}
	rt->n_deleted_services = keep;
	keep = 0;
	for (size_t i = 0; i < rt->n_deleted_backends; i++) {
		const struct lb_override *d = &rt->deleted_backends[i];

		if (config_has_backend(lb->cfg, d->service, d->backend)) {
			rt->deleted_backends[keep++] = *d;
			continue;
		}
		warnf(warn, warn_len, "deletion of backend \"%s/%s\": no longer in the config; dropped",
		      d->service, d->backend);
	}
	rt->n_deleted_backends = keep;
	keep = 0;
	for (size_t i = 0; i < rt->n_added_backends; i++) {
		const char *svc = rt->added_in[i], *name = rt->added_backends[i].name;

		if (config_has_backend(lb->cfg, svc, name)) {
			warnf(warn, warn_len, "backend \"%s/%s\" added with lbctl is now in the config; "
					      "the config's definition wins",
			      svc, name);
			continue;
		}
		if (!lb_find_service(lb, svc)) {
			warnf(warn, warn_len, "backend \"%s/%s\" added with lbctl: service gone; dropped",
			      svc, name);
			continue;
		}
		rt->added_backends[keep] = rt->added_backends[i];
		memmove(rt->added_in[keep], svc, LB_NAME_MAX);
		keep++;
	}
	rt->n_added_backends = keep;
	keep = 0;
	for (size_t i = 0; i < rt->n_overrides; i++) {
		const struct lb_override *o = &rt->overrides[i];

		if (lb_find_backend(lb, o->service, o->backend)) {
			rt->overrides[keep++] = *o;
			continue;
		}
		warnf(warn, warn_len, "drain/weight of backend \"%s/%s\": backend gone; dropped",
		      o->service, o->backend);
	}
	rt->n_overrides = keep;
}

/* The effective model: config, then the runtime layer on top. */
static int rebuild(struct lb *lb, char *warn, size_t warn_len)
{
	const struct edgelb_config *cfg = lb->cfg;
	struct lb_runtime *rt = &lb->runtime;
	struct lb_service *svcs = NULL;
	size_t n = 0, cap = (cfg ? cfg->n_services : 0) + rt->n_added_services;
	struct id_table vip_ids = { 0 }, be_ids = { 0 };
	int err = 0;

	svcs = calloc(cap ? cap : 1, sizeof(*svcs));
	if (!svcs)
		return -ENOMEM;
	for (size_t i = 0; cfg && i < cfg->n_services; i++) {
		const struct edgelb_config_service *c = &cfg->services[i];
		struct lb_service *s = &svcs[n];

		if (service_deleted(rt, c->name))
			continue;
		service_from_config(c, s);
		n++;
		for (size_t b = 0; b < c->n_backends; b++) {
			struct lb_backend be;

			if (backend_deleted(rt, c->name, c->backends[b].name))
				continue;
			backend_from_config(cfg, &c->backends[b], &be);
			err = push_backend(s, &be);
			if (err)
				goto fail;
		}
	}
	for (size_t i = 0; i < rt->n_added_services; i++) {
		struct lb_service *s = &svcs[n++];

		*s = rt->added_services[i];
		s->backends = NULL;
		s->n_backends = 0;
		for (size_t b = 0; b < rt->added_services[i].n_backends; b++) {
			err = push_backend(s, &rt->added_services[i].backends[b]);
			if (err)
				goto fail;
		}
	}
	for (size_t i = 0; i < rt->n_added_backends; i++) {
		struct lb_service *s = NULL;

		for (size_t k = 0; k < n; k++)
			if (!strcmp(svcs[k].name, rt->added_in[i]))
				s = &svcs[k];
		if (!s || find_in(s, rt->added_backends[i].name))
			continue; /* prune_layer() says why */
		err = push_backend(s, &rt->added_backends[i]);
		if (err)
			goto fail;
	}
	/* sites are numbered by the config's sorted list: look runtime ones up again */
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < svcs[i].n_backends; b++) {
			struct lb_backend *be = &svcs[i].backends[b];

			if (!be->runtime)
				continue;
			be->site_id = 0;
			for (size_t k = 0; cfg && be->site[0] && k < cfg->n_sites; k++)
				if (!strcmp(cfg->sites[k], be->site))
					be->site_id = (uint16_t)(k + 1);
		}
	for (size_t i = 0; i < rt->n_overrides; i++) {
		struct lb_backend *b = NULL;

		for (size_t k = 0; k < n && !b; k++)
			if (!strcmp(svcs[k].name, rt->overrides[i].service))
				b = find_in(&svcs[k], rt->overrides[i].backend);
		if (!b)
			continue; /* prune_layer() says why */
		b->drained = rt->overrides[i].drained;
		if (rt->overrides[i].has_weight)
			b->weight = rt->overrides[i].weight;
	}

	err = id_table_open(&vip_ids, &lb->ids.vips, &lb->ids.n_vips, &lb->ids.next_vip, 0,
			    EDGELB_MAX_VIPS, &lb->ids.sorted);
	if (!err)
		err = id_table_open(&be_ids, &lb->ids.backends, &lb->ids.n_backends,
				    &lb->ids.next_backend, 1, EDGELB_MAX_BACKENDS, &lb->ids.sorted_be);
	if (err)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct lb_service *s = &svcs[i];

		carry_over(lb->services, lb->n_services, s);
		err = id_get(&vip_ids, s->name, &s->vip_id);
		if (err)
			goto fail;
		for (size_t b = 0; b < s->n_backends; b++) {
			char key[2 * LB_NAME_MAX];

			snprintf(key, sizeof(key), "%s/%s", s->name, s->backends[b].name);
			err = id_get(&be_ids, key, &s->backends[b].id);
			if (err)
				goto fail;
		}
	}
	services_free(lb->services, lb->n_services);
	lb->services = svcs;
	lb->n_services = n;
	prune_layer(lb, warn, warn_len);
	id_table_prune(&vip_ids);
	id_table_prune(&be_ids);
	id_table_close(&vip_ids);
	id_table_close(&be_ids);
	return 0;
fail:
	id_table_close(&vip_ids);
	id_table_close(&be_ids);
	services_free(svcs, n);
	return err;
}

/* ---- what an adopted data plane held --------------------------------------- */

static const struct lb_backend *find_by_addr(const struct lb *lb, const struct edgelb_backend *p)
{
	for (size_t i = 0; i < lb->n_services; i++)
		for (size_t k = 0; k < lb->services[i].n_backends; k++) {
			const struct lb_backend *b = &lb->services[i].backends[k];

			if (b->family == p->family && !memcmp(&b->addr, &p->addr, sizeof(b->addr)))
				return b;
		}
	return NULL;
}

/* Append one line (newline-separated) to msg; cut at len. */
static void diff_line(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diff_line(char *msg, size_t len, const char *fmt, ...)
{
	size_t used = strlen(msg);
	va_list ap;

	if (used && used + 1 < len)
		msg[used++] = '\n';
	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg + used, len - used, fmt, ap);
	va_end(ap);
}

size_t lb_pinned_diff(const struct lb *lb, const struct edgelb_backend *pinned, uint32_t n,
		      size_t max_lines, char *msg, size_t len)
{
	size_t count = 0;
	char addr[INET6_ADDRSTRLEN];

	if (len)
		msg[0] = 0;
	for (uint32_t id = 1; id < n; id++) {
		const struct edgelb_backend *p = &pinned[id];
		const struct lb_backend *b;
		bool p_drained = p->flags & EDGELB_BE_F_DRAINED;

		if (!p->family)
			continue;
		inet_ntop(p->family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET, &p->addr, addr,
			  sizeof(addr));
		b = find_by_addr(lb, p);
		if (!b) {
			if (count++ < max_lines)
				diff_line(msg, len,
					  "the pinned data plane has a backend at %s that neither "
					  "the config nor the state file names (added at run time?)",
					  addr);
		} else if (p_drained != b->drained) {
			if (count++ < max_lines)
				diff_line(msg, len, "backend %s (%s): the pinned data plane has it %s, "
						    "now it is %s",
					  b->name, addr, p_drained ? "drained" : "not drained",
					  b->drained ? "drained" : "not drained");
		} else if (!p_drained && p->weight != b->weight) {
			if (count++ < max_lines)
				diff_line(msg, len, "backend %s (%s): the pinned data plane has "
						    "weight %u, now it is %u",
					  b->name, addr, p->weight, b->weight);
		}
	}
	if (count > max_lines)
		diff_line(msg, len, "... and %zu more", count - max_lines);
	return count;
}

/* ---- programming the data plane ---------------------------------------- */

bool lb_backend_eligible(const struct lb_backend *b)
{
	return b->alive && !b->drained && b->weight > 0 && !b->unresolved;
}

static bool eligible(const struct lb_backend *b)
{
	return lb_backend_eligible(b);
}

size_t lb_backend_count(const struct lb *lb)
{
	size_t n = 0;

	for (size_t i = 0; i < lb->n_services; i++)
		n += lb->services[i].n_backends;
	return n;
}

size_t lb_unresolved_count(const struct lb *lb)
{
	size_t n = 0;

	for (size_t i = 0; i < lb->n_services; i++)
		for (size_t b = 0; b < lb->services[i].n_backends; b++)
			n += lb->services[i].backends[b].unresolved;
	return n;
}

/* FNV-1a over what the ring depends on: size and eligible (name, weight, id). */
static uint64_t ring_signature(const struct lb_service *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

#define MIX(p, len)                                                  \
	do {                                                         \
		const unsigned char *q_ = (const unsigned char *)(p); \
		for (size_t k_ = 0; k_ < (len); k_++) {              \
			h ^= q_[k_];                                 \
			h *= 0x100000001b3ull;                       \
		}                                                    \
	} while (0)
	MIX(&s->ring_size, sizeof(s->ring_size));
	for (size_t i = 0; i < s->n_backends; i++) {
		const struct lb_backend *b = &s->backends[i];

		if (!eligible(b))
			continue;
		MIX(b->name, strlen(b->name) + 1);
		MIX(&b->weight, sizeof(b->weight));
		MIX(&b->id, sizeof(b->id));
	}
#undef MIX
	return h | 1; /* never 0, which means "no ring" */
}

static int build_ring(const struct lb_service *s, uint32_t *ring)
{
	struct maglev_backend *mb = calloc(s->n_backends ? s->n_backends : 1, sizeof(*mb));
	size_t n = 0;
	int err;

	if (!mb)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_backends; i++) {
		const struct lb_backend *b = &s->backends[i];

		/* identity = name: the same on every node whatever the order */
		mb[n++] = (struct maglev_backend){ .key = b->name, .key_len = strlen(b->name),
						   .weight = eligible(b) ? b->weight : 0,
						   .id = b->id };
	}
	err = maglev_build(mb, n, s->ring_size, ring);
	free(mb);
	return err;
}

/*
 * The next-hop MAC of b. Asked of the kernel (through lb->nexthop) when b
 * is new to the data plane or the kernel's tables changed since the last
 * sync, not on every operator change: ten thousand lookups would make each
 * one slow. While the kernel has no answer (a restart before the
 * neighbour cache is loaded, a neighbour being re-probed) keep what we
 * had, or what the pinned data plane holds for the same address: dropping
 * traffic for a moment of doubt would make a restart visible to clients.
 *
 * A backend with no MAC at all is unresolved: not eligible for new flows
 * (the data plane would drop them as drop_no_next_hop), asked again at
 * every sync until the kernel answers.
 */
static void backend_mac(struct lb *lb, const struct lb_service *s, struct lb_backend *b,
			bool first)
{
	static const uint8_t zero[6];
	struct edgelb_backend cur;
	bool have_cur = false, was = b->unresolved;

	if (first && lb->adopt_state && lb->dp.ops->get_backend &&
	    !lb->dp.ops->get_backend(lb->dp.dp, b->id, &cur) && cur.family == b->family &&
	    !memcmp(&cur.addr, &b->addr, sizeof(cur.addr))) {
		have_cur = true;
		b->alive = !!(cur.flags & EDGELB_BE_F_ALIVE);
	}
	if (!lb->nexthops_stale && !first && !b->unresolved)
		return;
	if (!lb->nexthop || lb->nexthop(lb->nexthop_arg, s, b, b->mac) != 0) {
		if (have_cur && !memcmp(b->mac, zero, 6))
			memcpy(b->mac, cur.mac, 6);
	}
	/* without a lookup function (tests) every backend counts as resolved */
	b->unresolved = lb->nexthop && !memcmp(b->mac, zero, 6);
	if (b->unresolved && !was)
		b->unresolved_since_ms = lb->clock_ms ? lb->clock_ms() : 0;
	if (b->unresolved != was && lb->nexthop_event)
		lb->nexthop_event(lb->nexthop_arg, s, b);
	if (!b->unresolved)
		b->unresolved_said = false; /* the event has seen it: a new episode starts clean */
}

static void backend_value(struct lb *lb, const struct lb_service *s, struct lb_backend *b,
			  bool first, struct edgelb_backend *v)
{
	backend_mac(lb, s, b, first); /* may take alive and MAC over from the data plane */
	memset(v, 0, sizeof(*v));
	v->addr = b->addr;
	v->family = b->family;
	v->flags = (uint8_t)((b->alive ? EDGELB_BE_F_ALIVE : 0) |
			     (b->drained ? EDGELB_BE_F_DRAINED : 0));
	v->weight = b->drained ? 0 : b->weight;
	v->site = b->site_id;
	/* DSR needs the backend's own MAC; tunnels fall back to the gateway */
	memcpy(v->mac, b->mac, 6);
}

static void vip_meta(const struct lb_service *s, struct edgelb_vip_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->vip_id = s->vip_id;
	m->flags = s->flags;
	m->ring_size = s->ring_size;
	m->mtu = s->mtu;
	m->encap = s->encap;
	m->gue_dport = htons(s->gue_port);
	/* ring_base stays 0: where the ring lives is the data plane's choice (dataplane.h) */
}

int lb_sync(struct lb *lb)
{
	const struct edgelb_dataplane_ops *ops = lb->dp.ops;
	struct lb_shadow *sh;
	bool *want_vip = NULL, *want_be = NULL;
	int err = 0;

	if (!lb->shadow) {
		lb->shadow = calloc(1, sizeof(*lb->shadow));
		if (!lb->shadow)
			return -ENOMEM;
	}
	sh = lb->shadow;
	want_vip = calloc(EDGELB_MAX_VIPS, sizeof(*want_vip));
	want_be = calloc(EDGELB_MAX_BACKENDS, sizeof(*want_be));
	if (!want_vip || !want_be) {
		err = -ENOMEM;
		goto out;
	}

	if (!sh->node_set || memcmp(&sh->node, &lb->node, sizeof(lb->node))) {
		err = ops->set_node_config(lb->dp.dp, &lb->node);
		if (err)
			goto out;
		sh->node = lb->node;
		sh->node_set = true;
	}

	/* 1. backends, new or changed, before any ring refers to them */
	for (size_t i = 0; i < lb->n_services; i++) {
		struct lb_service *s = &lb->services[i];

		for (size_t b = 0; b < s->n_backends; b++) {
			struct edgelb_backend v;
			uint32_t id = s->backends[b].id;

			backend_value(lb, s, &s->backends[b], !sh->be[id].present, &v);
			want_be[id] = true;
			if (sh->be[id].present && !memcmp(&sh->be[id].be, &v, sizeof(v)))
				continue;
			err = ops->set_backend(lb->dp.dp, id, &v);
			if (err)
				goto out;
			sh->be[id].present = true;
			sh->be[id].be = v;
		}
	}

	/* 2. rings, then the VIPs that use them */
	for (size_t i = 0; i < lb->n_services; i++) {
		struct lb_service *s = &lb->services[i];
		uint32_t v = s->vip_id;
		uint64_t sig = ring_signature(s);
		struct edgelb_vip_meta meta;

		want_vip[v] = true;
		if (sh->vip[v].ring_sig != sig) {
			if (sh->vip[v].ring_size != s->ring_size) {
				free(sh->vip[v].ring);
				sh->vip[v].ring = malloc(sizeof(uint32_t) * s->ring_size);
				sh->vip[v].ring_size = sh->vip[v].ring ? s->ring_size : 0;
				sh->vip[v].ring_sig = 0;
				if (!sh->vip[v].ring) {
					err = -ENOMEM;
					goto out;
				}
			}
			err = build_ring(s, sh->vip[v].ring);
			if (!err)
				err = ops->set_ring(lb->dp.dp, v, sh->vip[v].ring, s->ring_size);
			if (err) {
				sh->vip[v].ring_sig = 0;
				goto out;
			}
			sh->vip[v].ring_sig = sig;
		}
		vip_meta(s, &meta);
		if (sh->vip[v].present && memcmp(&sh->vip[v].key, &s->key, sizeof(s->key))) {
			err = ops->del_vip(lb->dp.dp, &sh->vip[v].key);
			if (err && err != -ENOENT)
				goto out;
			sh->vip[v].present = false;
		}
		if (!sh->vip[v].present || memcmp(&sh->vip[v].meta, &meta, sizeof(meta))) {
			err = ops->set_vip(lb->dp.dp, &s->key, &meta);
			if (err)
				goto out;
			sh->vip[v].present = true;
			sh->vip[v].key = s->key;
			sh->vip[v].meta = meta;
		}
	}

	/* 3. VIPs that went away */
	for (uint32_t v = 0; v < EDGELB_MAX_VIPS; v++) {
		if (want_vip[v] || !sh->vip[v].present)
			continue;
		err = ops->del_vip(lb->dp.dp, &sh->vip[v].key);
		if (err && err != -ENOENT)
			goto out;
		sh->vip[v].present = false;
		sh->vip[v].ring_sig = 0;
	}

	lb->nexthops_stale = false;
	lb->adopt_state = false;

	/* 4. backends no ring refers to any more */
	for (uint32_t id = 0; id < EDGELB_MAX_BACKENDS; id++) {
		if (want_be[id] || !sh->be[id].present)
			continue;
		err = ops->set_backend(lb->dp.dp, id, NULL);
		if (err)
			goto out;
		sh->be[id].present = false;
	}
	err = 0;
out:
	free(want_vip);
	free(want_be);
	return err;
}

int lb_apply(struct lb *lb, const struct edgelb_config *cfg, char *warn, size_t warn_len)
{
	int err;

	if (warn && warn_len)
		warn[0] = 0;
	lb->cfg = cfg;
	err = rebuild(lb, warn, warn_len);
	return err ? err : lb_sync(lb);
}

void lb_nexthops_changed(struct lb *lb)
{
	lb->nexthops_stale = true;
}

void lb_set_node_config(struct lb *lb, const struct edgelb_node_config *node)
{
	lb->node = *node;
}

const uint32_t *lb_ring(const struct lb *lb, uint32_t vip_id, uint32_t *size)
{
	if (!lb->shadow || vip_id >= EDGELB_MAX_VIPS || !lb->shadow->vip[vip_id].ring_sig)
		return NULL;
	*size = lb->shadow->vip[vip_id].ring_size;
	return lb->shadow->vip[vip_id].ring;
}

/* ---- operator changes --------------------------------------------------- */

static int lookup(struct lb *lb, const char *service, const char *backend, struct lb_service **s,
		  struct lb_backend **b, char *err, size_t err_len)
{
	*s = lb_find_service(lb, service);
	if (!*s) {
		set_err(err, err_len, "service: no service \"%s\"", service);
		return -ENOENT;
	}
	if (!backend)
		return 0;
	*b = find_in(*s, backend);
	if (!*b) {
		set_err(err, err_len, "backend: no backend \"%s\" in service \"%s\"", backend,
			service);
		return -ENOENT;
	}
	return 0;
}

static int override_get(struct lb_runtime *rt, const char *svc, const char *name,
			struct lb_override **o)
{
	struct lb_override *grown;

	*o = override_find(rt, svc, name);
	if (*o)
		return 0;
	grown = realloc(rt->overrides, (rt->n_overrides + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rt->overrides = grown;
	*o = &grown[rt->n_overrides++];
	memset(*o, 0, sizeof(**o));
	snprintf((*o)->service, sizeof((*o)->service), "%s", svc);
	snprintf((*o)->backend, sizeof((*o)->backend), "%s", name);
	return 0;
}

/* Drop overrides that say nothing, so the state file stays readable. */
static void overrides_tidy(struct lb_runtime *rt)
{
	size_t keep = 0;

	for (size_t i = 0; i < rt->n_overrides; i++)
		if (rt->overrides[i].drained || rt->overrides[i].has_weight)
			rt->overrides[keep++] = rt->overrides[i];
	rt->n_overrides = keep;
}

static int commit(struct lb *lb)
{
	int err = rebuild(lb, NULL, 0);

	return err ? err : lb_sync(lb);
}

/* The model's backend and its override entry (made if new), or an error. */
static int override_for(struct lb *lb, const char *service, const char *backend,
			struct lb_backend **b, struct lb_override **o, char *err, size_t err_len)
{
	struct lb_service *s;
	int rc = lookup(lb, service, backend, &s, b, err, err_len);

	return rc ? rc : override_get(&lb->runtime, service, backend, o);
}

/*
 * Drain and weight change one field of the model: patch it in place and
 * sync, rather than rebuild a model of thousands of backends.
 */
int lb_backend_drain(struct lb *lb, const char *service, const char *backend, bool drained,
		     char *err, size_t err_len)
{
	struct lb_backend *b = NULL;
	struct lb_override *o;
	int rc = override_for(lb, service, backend, &b, &o, err, err_len);

	if (rc)
		return rc;
	o->drained = drained;
	overrides_tidy(&lb->runtime);
	b->drained = drained;
	return lb_sync(lb);
}

int lb_backend_weight(struct lb *lb, const char *service, const char *backend, uint16_t weight,
		      char *err, size_t err_len)
{
	struct lb_backend *b = NULL;
	struct lb_override *o;
	int rc = override_for(lb, service, backend, &b, &o, err, err_len);

	if (rc)
		return rc;
	o->has_weight = true;
	o->weight = weight;
	b->weight = weight;
	return lb_sync(lb);
}

static size_t backend_total(const struct lb *lb)
{
	size_t n = 0;

	for (size_t i = 0; i < lb->n_services; i++)
		n += lb->services[i].n_backends;
	return n;
}

static bool encap_carries(uint8_t encap, uint8_t vip_family, uint8_t be_family)
{
	return encap == EDGELB_ENCAP_GUE || vip_family == be_family;
}

int lb_backend_add(struct lb *lb, const char *service, const struct lb_backend *be, char *err,
		   size_t err_len)
{
	struct lb_runtime *rt = &lb->runtime;
	struct lb_service *s;
	struct lb_backend *b = NULL, nb;
	struct lb_backend *grown;
	char(*grown_in)[LB_NAME_MAX];
	int rc = lookup(lb, service, NULL, &s, &b, err, err_len);

	if (rc)
		return rc;
	if (!be->name[0] || strchr(be->name, '/')) {
		set_err(err, err_len, "name: \"%s\" is empty or contains '/'", be->name);
		return -EINVAL;
	}
	if (find_in(s, be->name)) {
		set_err(err, err_len, "name: service \"%s\" already has a backend \"%s\"", service,
			be->name);
		return -EEXIST;
	}
	if (be->family != EDGELB_AF_INET && be->family != EDGELB_AF_INET6) {
		set_err(err, err_len, "address: missing");
		return -EINVAL;
	}
	if (!encap_carries(s->encap, s->key.family, be->family)) {
		set_err(err, err_len,
			"address: service \"%s\" uses %s, which cannot carry its VIP's family to "
			"this backend's family (use gue)",
			service, s->encap == EDGELB_ENCAP_DSR ? "dsr" : "ipip");
		return -EINVAL;
	}
	/* the rule the config loader applies: clients must fit the tunnel */
	if (s->mtu &&
	    s->mtu < edgelb_config_mtu_min(s->key.family, (enum edgelb_encap)s->encap, be->family)) {
		set_err(err, err_len,
			"address: service \"%s\" has mtu %u, which leaves less than the %s minimum "
			"of %u bytes for client packets once encapsulated to this backend; raise "
			"the service's mtu to at least %u",
			service, s->mtu, s->key.family == EDGELB_AF_INET6 ? "IPv6" : "IPv4",
			s->key.family == EDGELB_AF_INET6 ? 1280 : 68,
			edgelb_config_mtu_min(s->key.family, (enum edgelb_encap)s->encap,
					      be->family));
		return -EINVAL;
	}
	for (size_t i = 0; i < s->n_backends; i++)
		if (s->backends[i].family == be->family && s->backends[i].port == be->port &&
		    !memcmp(&s->backends[i].addr, &be->addr, sizeof(be->addr))) {
			set_err(err, err_len, "address: backend \"%s\" of service \"%s\" has this "
					      "address and port already",
				s->backends[i].name, service);
			return -EEXIST;
		}
	if (backend_total(lb) + 1 >= EDGELB_MAX_BACKENDS) {
		set_err(err, err_len, "name: the data plane holds at most %d backends", EDGELB_MAX_BACKENDS - 1);
		return -ENOSPC;
	}

	nb = *be;
	nb.alive = true;
	nb.runtime = true;
	nb.drained = false;
	memset(nb.mac, 0, sizeof(nb.mac));
	if (s->runtime) {
		/* a service added at runtime keeps its backends itself */
		for (size_t i = 0; i < rt->n_added_services; i++)
			if (!strcmp(rt->added_services[i].name, service)) {
				rc = push_backend(&rt->added_services[i], &nb);
				return rc ? rc : commit(lb);
			}
	}
	grown = realloc(rt->added_backends, (rt->n_added_backends + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rt->added_backends = grown;
	grown_in = realloc(rt->added_in, (rt->n_added_backends + 1) * sizeof(*grown_in));
	if (!grown_in)
		return -ENOMEM;
	rt->added_in = grown_in;
	rt->added_backends[rt->n_added_backends] = nb;
	snprintf(rt->added_in[rt->n_added_backends], LB_NAME_MAX, "%s", service);
	rt->n_added_backends++;
	/* a backend deleted earlier and added again: forget the deletion */
	for (size_t i = 0; i < rt->n_deleted_backends; i++)
		if (!strcmp(rt->deleted_backends[i].service, service) &&
		    !strcmp(rt->deleted_backends[i].backend, be->name))
			rt->deleted_backends[i] = rt->deleted_backends[--rt->n_deleted_backends];
	return commit(lb);
}

int lb_backend_del(struct lb *lb, const char *service, const char *backend, char *err,
		   size_t err_len)
{
	struct lb_runtime *rt = &lb->runtime;
	struct lb_service *s;
	struct lb_backend *b;
	struct lb_override *o;
	int rc = lookup(lb, service, backend, &s, &b, err, err_len);
	bool was_runtime = false;

	if (rc)
		return rc;
	for (size_t i = 0; i < rt->n_added_backends; i++)
		if (!strcmp(rt->added_in[i], service) &&
		    !strcmp(rt->added_backends[i].name, backend)) {
			rt->n_added_backends--;
			rt->added_backends[i] = rt->added_backends[rt->n_added_backends];
			memcpy(rt->added_in[i], rt->added_in[rt->n_added_backends], LB_NAME_MAX);
			was_runtime = true;
			break;
		}
	for (size_t i = 0; !was_runtime && i < rt->n_added_services; i++) {
		struct lb_service *as = &rt->added_services[i];

		if (strcmp(as->name, service))
			continue;
		for (size_t k = 0; k < as->n_backends; k++)
			if (!strcmp(as->backends[k].name, backend)) {
				as->backends[k] = as->backends[--as->n_backends];
				was_runtime = true;
				break;
			}
	}
	if (!was_runtime) {
		struct lb_override *grown = realloc(rt->deleted_backends,
						    (rt->n_deleted_backends + 1) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		rt->deleted_backends = grown;
		o = &grown[rt->n_deleted_backends++];
		memset(o, 0, sizeof(*o));
		snprintf(o->service, sizeof(o->service), "%s", service);
		snprintf(o->backend, sizeof(o->backend), "%s", backend);
	}
	o = override_find(rt, service, backend);
	if (o) {
		o->drained = false;
		o->has_weight = false;
		overrides_tidy(rt);
	}
	return commit(lb);
}

int lb_service_add(struct lb *lb, const struct lb_service *svc, char *err, size_t err_len)
{
	struct lb_runtime *rt = &lb->runtime;
	struct lb_service *grown, ns;

	if (!svc->name[0] || strchr(svc->name, '/')) {
		set_err(err, err_len, "name: \"%s\" is empty or contains '/'", svc->name);
		return -EINVAL;
	}
	if (lb_find_service(lb, svc->name)) {
		set_err(err, err_len, "name: a service \"%s\" exists already", svc->name);
		return -EEXIST;
	}
	for (size_t i = 0; i < lb->n_services; i++)
		if (!memcmp(&lb->services[i].key, &svc->key, sizeof(svc->key))) {
			set_err(err, err_len, "vip: service \"%s\" has this address, port and "
					      "protocol already",
				lb->services[i].name);
			return -EEXIST;
		}
	if (!maglev_size_valid(svc->ring_size)) {
		set_err(err, err_len, "ring_size: must be a prime between %u and %u", MAGLEV_MIN_SIZE, MAGLEV_MAX_SIZE);
		return -EINVAL;
	}
	if (svc->key.family != EDGELB_AF_INET && svc->key.family != EDGELB_AF_INET6) {
		set_err(err, err_len, "vip: missing");
		return -EINVAL;
	}
	if (svc->key.proto != IPPROTO_TCP && svc->key.proto != IPPROTO_UDP) {
		set_err(err, err_len, "protocol: must be tcp or udp");
		return -EINVAL;
	}
	if (svc->encap >= EDGELB_ENCAP_MAX) {
		set_err(err, err_len, "encap: must be ipip, gue or dsr");
		return -EINVAL;
	}
	if (lb->n_services >= EDGELB_MAX_VIPS) {
		set_err(err, err_len, "name: the data plane holds at most %d services", EDGELB_MAX_VIPS);
		return -ENOSPC;
	}
	grown = realloc(rt->added_services, (rt->n_added_services + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rt->added_services = grown;
	ns = *svc;
	ns.runtime = true;
	ns.backends = NULL;
	ns.n_backends = 0;
	grown[rt->n_added_services++] = ns;
	for (size_t i = 0; i < rt->n_deleted_services; i++)
		if (!strcmp(rt->deleted_services[i], svc->name))
			memcpy(rt->deleted_services[i],
			       rt->deleted_services[--rt->n_deleted_services], LB_NAME_MAX);
	return commit(lb);
}

int lb_service_del(struct lb *lb, const char *service, char *err, size_t err_len)
{
	struct lb_runtime *rt = &lb->runtime;
	struct lb_service *s;
	struct lb_backend *b = NULL;
	int rc = lookup(lb, service, NULL, &s, &b, err, err_len);
	bool was_runtime = false;
	size_t keep;

	if (rc)
		return rc;
	for (size_t i = 0; i < rt->n_added_services; i++)
		if (!strcmp(rt->added_services[i].name, service)) {
			free(rt->added_services[i].backends);
			rt->added_services[i] = rt->added_services[--rt->n_added_services];
			was_runtime = true;
			break;
		}
	if (!was_runtime) {
		char(*grown)[LB_NAME_MAX] = realloc(rt->deleted_services,
						    (rt->n_deleted_services + 1) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		rt->deleted_services = grown;
		snprintf(grown[rt->n_deleted_services++], LB_NAME_MAX, "%s", service);
	}
	/* what the layer said about its backends goes with it */
	keep = 0;
	for (size_t i = 0; i < rt->n_added_backends; i++)
		if (strcmp(rt->added_in[i], service)) {
			rt->added_backends[keep] = rt->added_backends[i];
			memcpy(rt->added_in[keep], rt->added_in[i], LB_NAME_MAX);
			keep++;
		}
	rt->n_added_backends = keep;
	keep = 0;
	for (size_t i = 0; i < rt->n_overrides; i++)
		if (strcmp(rt->overrides[i].service, service))
			rt->overrides[keep++] = rt->overrides[i];
	rt->n_overrides = keep;
	keep = 0;
	for (size_t i = 0; i < rt->n_deleted_backends; i++)
		if (strcmp(rt->deleted_backends[i].service, service))
			rt->deleted_backends[keep++] = rt->deleted_backends[i];
	rt->n_deleted_backends = keep;
	return commit(lb);
}

int lb_backend_set_alive(struct lb *lb, const char *service, const char *backend, bool alive)
{
	struct lb_backend *b = lb_find_backend(lb, service, backend);

	if (!b)
		return -ENOENT;
	if (b->alive == alive)
		return 0;
	b->alive = alive;
	return lb_sync(lb);
}
