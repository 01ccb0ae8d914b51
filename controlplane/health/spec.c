// SPDX-License-Identifier: GPL-2.0-only
/*
 * The effective health check of every backend: see spec.h. Pure code.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "hc_mark.h"
#include "spec.h"

/* The environment of exec checks, besides the EDGELB_* variables. */
#define HC_SPEC_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const char *hc_spec_type_name(enum edgelb_config_health_type type)
{
	switch (type) {
	case EDGELB_CONFIG_HEALTH_NONE:
		return "none";
	case EDGELB_CONFIG_HEALTH_TCP:
		return "tcp";
	case EDGELB_CONFIG_HEALTH_HTTP:
		return "http";
	case EDGELB_CONFIG_HEALTH_EXEC:
		return "exec";
	}
	return "?";
}

static const char *hc_addr_str(uint8_t family, const union edgelb_addr *a, char *buf,
			       size_t len)
{
	if (!inet_ntop(family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET,
		       family == EDGELB_AF_INET6 ? (const void *)a->bytes : (const void *)&a->v4,
		       buf, (socklen_t)len))
		snprintf(buf, len, "-");
	return buf;
}

/* "10.0.0.2:80", "[2001:db8::2]:80" */
static void hc_hostport(uint8_t family, const union edgelb_addr *a, uint16_t port, char *buf,
			size_t len)
{
	char s[INET6_ADDRSTRLEN];

	hc_addr_str(family, a, s, sizeof(s));
	snprintf(buf, len, family == EDGELB_AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
}

void hc_spec_free(struct hc_spec *s)
{
	free(s->request);
	hc_http_expect_free(&s->expect);
	for (size_t i = 0; s->argv && s->argv[i]; i++)
		free(s->argv[i]);
	free(s->argv);
	for (size_t i = 0; s->envp && s->envp[i]; i++)
		free(s->envp[i]);
	free(s->envp);
	memset(s, 0, sizeof(*s));
}

void hc_spec_free_array(struct hc_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hc_spec_free(&specs[i]);
	free(specs);
}

int hc_spec_cmp(const struct hc_spec *a, const struct hc_spec *b)
{
	int c = strcmp(a->service, b->service);

	return c ? c : strcmp(a->backend, b->backend);
}

static int hc_spec_qsort_cmp(const void *a, const void *b)
{
	return hc_spec_cmp(a, b);
}

static bool hc_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool hc_argv_eq(char *const *a, char *const *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return !a[i] && !b[i];
}

bool hc_spec_same_server(const struct hc_spec *a, const struct hc_spec *b)
{
	return a->family == b->family && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

bool hc_spec_same(const struct hc_spec *a, const struct hc_spec *b)
{
	return !hc_spec_cmp(a, b) && a->backend_id == b->backend_id && hc_spec_same_server(a, b) &&
	       a->backend_port == b->backend_port && a->type == b->type &&
	       a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
	       a->hold_down_ms == b->hold_down_ms && a->jitter_permille == b->jitter_permille &&
	       a->rise == b->rise && a->fall == b->fall && a->through_tunnel == b->through_tunnel &&
	       !strcmp(a->site, b->site) && a->site_fail_fast == b->site_fail_fast &&
	       a->target_family == b->target_family &&
	       !memcmp(&a->target, &b->target, sizeof(a->target)) &&
	       a->target_port == b->target_port && a->mark == b->mark &&
	       a->vip_family == b->vip_family && !memcmp(&a->vip, &b->vip, sizeof(a->vip)) &&
	       a->vip_port == b->vip_port && a->encap == b->encap && a->gue_port == b->gue_port &&
	       hc_str_eq(a->request, b->request) && a->expect.n_status == b->expect.n_status &&
	       !memcmp(a->expect.status, b->expect.status,
		       a->expect.n_status * sizeof(a->expect.status[0])) &&
	       hc_str_eq(a->expect.body, b->expect.body) && hc_argv_eq(a->argv, b->argv) &&
	       hc_argv_eq(a->envp, b->envp);
}

/* ---- building ---------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static int hc_push(char ***vec, const char *fmt, ...)
{
	size_t n = 0;
	char **grown, *s;
	va_list ap;
	int len;

	while (*vec && (*vec)[n])
		n++;
	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -ENOMEM;
	grown = realloc(*vec, (n + 2) * sizeof(*grown));
	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	grown[n] = s;
	grown[n + 1] = NULL;
	*vec = grown;
	return 0;
}

static int hc_spec_http(struct hc_spec *s, const struct edgelb_config_health *h)
{
	char host[320], a[INET6_ADDRSTRLEN]; /* http.host: up to 255 */
	bool v6 = s->family == EDGELB_AF_INET6;
	int len;

	/* Host: the backend's address (edgelb.conf(5)), with the port unless 80 */
	hc_addr_str(s->family, &s->addr, a, sizeof(a));
	if (h->http_host)
		snprintf(host, sizeof(host), "%s", h->http_host);
	else if (s->target_port == 80 || !s->target_port)
		snprintf(host, sizeof(host), "%s%s%s", v6 ? "[" : "", a, v6 ? "]" : "");
	else
		snprintf(host, sizeof(host), "%s%s%s:%u", v6 ? "[" : "", a, v6 ? "]" : "",
			 s->target_port);
	len = asprintf(&s->request,
		       "GET %s HTTP/1.1\r\n"
		       "Host: %s\r\n"
		       "User-Agent: edgelb-health/" EDGELB_VERSION "\r\n"
		       "Accept: */*\r\n"
		       "Connection: close\r\n"
		       "\r\n",
		       h->http_path ? h->http_path : "/", host);
	if (len < 0) {
		s->request = NULL;
		return -ENOMEM;
	}
	s->request_len = (size_t)len;
	return hc_http_expect_init(&s->expect, h->http_status, h->n_http_status, h->http_body);
}

static int hc_spec_exec(struct hc_spec *s, const struct edgelb_config_health *h)
{
	char addr[INET6_ADDRSTRLEN];

	for (size_t i = 0; h->exec_argv && h->exec_argv[i]; i++)
		if (hc_push(&s->argv, "%s", h->exec_argv[i]))
			return -ENOMEM;
	hc_addr_str(s->family, &s->addr, addr, sizeof(addr));
	if (hc_push(&s->envp, "%s", HC_SPEC_PATH) ||
	    hc_push(&s->envp, "EDGELB_SERVICE=%s", s->service) ||
	    hc_push(&s->envp, "EDGELB_BACKEND=%s", s->backend) ||
	    hc_push(&s->envp, "EDGELB_BACKEND_ADDRESS=%s", addr) ||
	    hc_push(&s->envp, "EDGELB_BACKEND_PORT=%u", s->backend_port))
		return -ENOMEM;
	snprintf(s->target_text, sizeof(s->target_text), "%s",
		 s->argv && s->argv[0] ? s->argv[0] : "-");
	return 0;
}

/*
 * One backend's spec. h is its effective health; port_override is the
 * checked port when h->port is 0 (runtime backends: their own port).
 */
static int hc_spec_fill(struct hc_spec *s, const struct lb_service *svc,
			const struct lb_backend *be, const struct edgelb_config_health *h,
			uint16_t port_override)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->service, sizeof(s->service), "%s", svc->name);
	snprintf(s->backend, sizeof(s->backend), "%s", be->name);
	s->backend_id = be->id;
	s->model_alive = be->alive;
	s->family = be->family;
	s->addr = be->addr;
	s->backend_port = be->port;
	s->vip_family = svc->key.family;
	s->vip = svc->key.addr;
	s->vip_port = ntohs(svc->key.port);
	s->encap = svc->encap;
	s->gue_port = svc->gue_port;
	snprintf(s->target_text, sizeof(s->target_text), "-");
	if (!h || h->type == EDGELB_CONFIG_HEALTH_NONE) {
		s->type = EDGELB_CONFIG_HEALTH_NONE;
		return 0;
	}
	s->type = h->type;
	s->interval_ms = h->interval_ms ? h->interval_ms : 1;
	s->timeout_ms = h->timeout_ms ? h->timeout_ms : 1;
	s->hold_down_ms = h->hold_down_ms;
	s->jitter_permille = h->jitter_permille;
	s->rise = h->rise ? h->rise : 1;
	s->fall = h->fall ? h->fall : 1;
	snprintf(s->site, sizeof(s->site), "%s", be->site);
	s->site_fail_fast = h->site_fail_fast;
	if (h->type == EDGELB_CONFIG_HEALTH_EXEC)
		return hc_spec_exec(s, h);

	s->through_tunnel = h->through_tunnel;
	s->target_port = h->port ? h->port : port_override;
	if (s->through_tunnel) {
		s->target_family = s->vip_family;
		s->target = s->vip;
		s->mark = EDGELB_HC_MARK(be->id);
	} else {
		s->target_family = s->family;
		s->target = s->addr;
	}
	hc_hostport(s->target_family, &s->target, s->target_port, s->target_text,
		    sizeof(s->target_text));
	if (h->type == EDGELB_CONFIG_HEALTH_HTTP)
		return hc_spec_http(s, h);
	return 0;
}

static const struct edgelb_config_service *hc_cfg_service(const struct edgelb_config *cfg,
							  const char *name, size_t hint)
{
	if (!cfg)
		return NULL;
	if (hint < cfg->n_services && !strcmp(cfg->services[hint].name, name))
		return &cfg->services[hint];
	for (size_t i = 0; i < cfg->n_services; i++)
		if (!strcmp(cfg->services[i].name, name))
			return &cfg->services[i];
	return NULL;
}

/*
 * The config backend named like be. The model lists a service's config
 * backends in file order (minus deleted ones), so searching from where
 * the last one was found makes a whole service linear.
 */
static const struct edgelb_config_backend *
hc_cfg_backend(const struct edgelb_config_service *cs, const char *name, size_t *cursor)
{
	for (size_t k = 0; k < cs->n_backends; k++) {
		size_t i = (*cursor + k) % cs->n_backends;

		if (!strcmp(cs->backends[i].name, name)) {
			*cursor = i + 1;
			return &cs->backends[i];
		}
	}
	return NULL;
}

int hc_spec_build(const struct lb *lb, const struct edgelb_config *cfg, struct hc_spec **out,
		  size_t *n_out)
{
	struct hc_spec *specs;
	size_t n = 0, total = 0;

	for (size_t i = 0; i < lb->n_services; i++)
		total += lb->services[i].n_backends;
	specs = calloc(total ? total : 1, sizeof(*specs));
	if (!specs)
		return -ENOMEM;
	for (size_t i = 0; i < lb->n_services; i++) {
		const struct lb_service *s = &lb->services[i];
		const struct edgelb_config_service *cs =
			s->runtime ? NULL : hc_cfg_service(cfg, s->name, i);
		size_t cursor = 0;

		for (size_t k = 0; k < s->n_backends; k++) {
			const struct lb_backend *be = &s->backends[k];
			const struct edgelb_config_backend *cb = NULL;
			const struct edgelb_config_health *h = NULL;

			if (cs && !be->runtime)
				cb = hc_cfg_backend(cs, be->name, &cursor);
			if (cb)
				h = &cb->health;
			else if (cs)
				h = &cs->health; /* added with lbctl: the service's check */
			if (hc_spec_fill(&specs[n++], s, be, h, be->port)) {
				hc_spec_free_array(specs, n);
				return -ENOMEM;
			}
		}
	}
	qsort(specs, n, sizeof(*specs), hc_spec_qsort_cmp);
	*out = specs;
	*n_out = n;
	return 0;
}
