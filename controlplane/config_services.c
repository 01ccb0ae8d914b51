// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb.conf's "services" list (config_priv.h): each service and its
 * backends, the checks between them (duplicates, address families, the
 * Maglev ring's size, the MTU against the encapsulation), and the
 * numbering of the backends' sites.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "maglev.h"

/* Built-in defaults, documented in edgelb.conf(5). */
#define EDGELB_CONFIG_GUE_PORT_DEFAULT 6080
#define EDGELB_CONFIG_MTU_DEFAULT 1500
#define EDGELB_CONFIG_WEIGHT_DEFAULT 100
/* Maglev imbalance stays around 1 % while the ring has >= 100 slots per backend. */
#define EDGELB_CONFIG_RING_SLOTS_PER_BACKEND 100

static const char *const edgelb_config_service_keys[] = {
	"name", "vip", "port", "protocol", "encap", "gue_port", "gue_ipv6_zero_checksum",
	"ring_size", "mtu", "mtu_policy", "hash", "health", "backends", NULL,
};

static const char *const edgelb_config_backend_keys[] = {
	"name", "address", "port", "weight", "site", "health", NULL,
};

static const struct edgelb_config_keyword edgelb_config_kw_proto[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ NULL, 0 },
};

static const struct edgelb_config_keyword edgelb_config_kw_encap[] = {
	{ "ipip", EDGELB_ENCAP_IPIP },
	{ "gue", EDGELB_ENCAP_GUE },
	{ "dsr", EDGELB_ENCAP_DSR },
	{ NULL, 0 },
};

static const struct edgelb_config_keyword edgelb_config_kw_mtu_policy[] = {
	{ "icmp", EDGELB_CONFIG_MTU_ICMP },
	{ "drop", EDGELB_CONFIG_MTU_DROP },
	{ NULL, 0 },
};

static const struct edgelb_config_keyword edgelb_config_kw_hash[] = {
	{ "5tuple", EDGELB_CONFIG_HASH_5TUPLE },
	{ "addresses", EDGELB_CONFIG_HASH_ADDRESSES },
	{ NULL, 0 },
};

static const char *edgelb_config_encap_name(enum edgelb_encap encap)
{
	for (size_t i = 0; edgelb_config_kw_encap[i].name; i++)
		if (edgelb_config_kw_encap[i].value == (int)encap)
			return edgelb_config_kw_encap[i].name;
	return "?";
}

/* IPIP and DSR keep the VIP's family on the wire; GUE carries either in either. */
static void edgelb_config_check_backend_family(struct edgelb_config_ctx *ctx,
					       const struct edgelb_config_node *bnode,
					       const struct edgelb_config_service *svc,
					       const struct edgelb_config_backend *be)
{
	struct edgelb_config_node n;
	char a[INET6_ADDRSTRLEN];

	if (!be->addr.family || !svc->vip.family || be->addr.family == svc->vip.family ||
	    svc->encap == EDGELB_ENCAP_GUE)
		return;
	edgelb_config_node_key(bnode, "address", &n);
	edgelb_config_error(ctx, &n,
			    "%s backend %s cannot carry %s VIP traffic with encap = \"%s\"; "
			    "use encap = \"gue\"",
			    edgelb_config_family_name(be->addr.family),
			    edgelb_config_addr_str(&be->addr, a, sizeof(a)),
			    edgelb_config_family_name(svc->vip.family),
			    edgelb_config_encap_name(svc->encap));
}

/* The checked port of a backend: health.port, else the backend's port. */
static void edgelb_config_resolve_health_port(struct edgelb_config_ctx *ctx,
					      const struct edgelb_config_node *bnode,
					      struct edgelb_config_backend *be)
{
	struct edgelb_config_node health, n;
	struct edgelb_config_health *h = &be->health;

	if (h->type != EDGELB_CONFIG_HEALTH_TCP && h->type != EDGELB_CONFIG_HEALTH_HTTP)
		return;
	if (!h->port)
		h->port = be->port;
	if (h->port)
		return;
	edgelb_config_node_key(bnode, "health", &health);
	edgelb_config_node_key(&health, "port", &n);
	edgelb_config_error(ctx, &n,
			    "required for a %s check: neither the backend nor the service "
			    "has a port",
			    edgelb_config_health_name(h->type));
}

static void edgelb_config_parse_backend(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *bnode,
					const struct edgelb_config_service *svc,
					struct edgelb_config_backend *be)
{
	bool type_set;

	edgelb_config_check_keys(ctx, bnode, edgelb_config_backend_keys);
	edgelb_config_name(ctx, bnode, "name", true, EDGELB_CONFIG_NAME_MAX, &be->name);
	edgelb_config_addr(ctx, bnode, "address", true, 0, &be->addr);
	/* packets are not rewritten: by default the backend serves the VIP's port */
	be->port = svc->port;
	edgelb_config_u16(ctx, bnode, "port", false, 0, 65535, &be->port);
	be->weight = EDGELB_CONFIG_WEIGHT_DEFAULT;
	edgelb_config_u16(ctx, bnode, "weight", false, 0, MAGLEV_MAX_WEIGHT, &be->weight);
	edgelb_config_name(ctx, bnode, "site", false, EDGELB_CONFIG_NAME_MAX, &be->site);
	edgelb_config_parse_health(ctx, bnode, &svc->health, svc->proto, &be->health, &type_set);
	edgelb_config_resolve_health_port(ctx, bnode, be);
	edgelb_config_check_backend_family(ctx, bnode, svc, be);
}

/* Backend j against backends 0..j-1 of the same service. */
static void edgelb_config_check_backend_dups(struct edgelb_config_ctx *ctx,
					     const struct edgelb_config_node *list,
					     const struct edgelb_config_service *svc, size_t j)
{
	const struct edgelb_config_backend *be = &svc->backends[j];
	struct edgelb_config_node el, n;
	char a[INET6_ADDRSTRLEN];

	edgelb_config_node_elem(list, j, &el);
	for (size_t i = 0; i < j && be->name; i++) {
		if (!svc->backends[i].name || strcmp(svc->backends[i].name, be->name))
			continue;
		edgelb_config_node_key(&el, "name", &n);
		edgelb_config_error(ctx, &n, "duplicate backend name \"%s\" (first at line %u)",
				    be->name, edgelb_config_elem_line(list, i, "name"));
		break;
	}
	for (size_t i = 0; i < j && be->addr.family; i++) {
		const struct edgelb_config_backend *o = &svc->backends[i];

		if (!edgelb_config_addr_equal(&o->addr, &be->addr) || o->port != be->port)
			continue;
		edgelb_config_node_key(&el, "address", &n);
		edgelb_config_error(ctx, &n,
				    "backend %s port %u is already in this service as \"%s\" "
				    "(line %u)",
				    edgelb_config_addr_str(&be->addr, a, sizeof(a)), be->port,
				    o->name ? o->name : "?",
				    edgelb_config_elem_line(list, i, "address"));
		break;
	}
}

static void edgelb_config_parse_backends(struct edgelb_config_ctx *ctx,
					 const struct edgelb_config_node *snode,
					 struct edgelb_config_service *svc)
{
	struct edgelb_config_node list, el;
	size_t n;

	if (edgelb_config_group_list(ctx, snode, "backends", EDGELB_CONFIG_SERVICE_BACKENDS_MAX,
				     &list, &n) <= 0 || !n)
		return;
	svc->backends = calloc(n, sizeof(*svc->backends));
	if (!svc->backends) {
		ctx->nomem = true;
		return;
	}
	svc->n_backends = n;
	for (size_t i = 0; i < n; i++) {
		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_backend(ctx, &el, svc, &svc->backends[i]);
		edgelb_config_check_backend_dups(ctx, &list, svc, i);
	}
}

/*
 * RFC 6935/6936 allow a zero UDP checksum over IPv6 for tunnels only where
 * every decapsulator accepts it, which only the operator knows: opt-in.
 */
static void edgelb_config_parse_gue_csum(struct edgelb_config_ctx *ctx,
					 const struct edgelb_config_node *snode,
					 struct edgelb_config_service *svc, bool encap_ok)
{
	struct edgelb_config_node n;
	bool v = false;

	if (edgelb_config_bool(ctx, snode, "gue_ipv6_zero_checksum", &v) <= 0)
		return;
	if (encap_ok && svc->encap != EDGELB_ENCAP_GUE) {
		edgelb_config_node_key(snode, "gue_ipv6_zero_checksum", &n);
		edgelb_config_error(ctx, &n, "only valid with encap = \"gue\" (encap is \"%s\")",
				    edgelb_config_encap_name(svc->encap));
		return;
	}
	svc->gue_ipv6_zero_checksum = v;
}

static void edgelb_config_parse_encap(struct edgelb_config_ctx *ctx,
				      const struct edgelb_config_node *snode,
				      struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	int encap = EDGELB_ENCAP_IPIP;
	int encap_ret = edgelb_config_keyword(ctx, snode, "encap", edgelb_config_kw_encap, &encap);

	svc->encap = (enum edgelb_encap)encap;
	svc->gue_port = svc->encap == EDGELB_ENCAP_GUE ? EDGELB_CONFIG_GUE_PORT_DEFAULT : 0;
	edgelb_config_parse_gue_csum(ctx, snode, svc, encap_ret >= 0);
	if (edgelb_config_find(ctx, snode, "gue_port", false, &n) <= 0)
		return;
	if (encap_ret >= 0 && svc->encap != EDGELB_ENCAP_GUE) {
		edgelb_config_error(ctx, &n, "only valid with encap = \"gue\" (encap is \"%s\")",
				    edgelb_config_encap_name(svc->encap));
		return;
	}
	edgelb_config_u16(ctx, snode, "gue_port", false, 1, 65535, &svc->gue_port);
}

static void edgelb_config_parse_ring(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *snode,
				     struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	long long m;

	svc->ring_size = EDGELB_RING_SIZE_DEFAULT;
	if (edgelb_config_find(ctx, snode, "ring_size", false, &n) <= 0 ||
	    edgelb_config_node_int(ctx, &n, 0, UINT32_MAX, &m) <= 0)
		return;
	if (!maglev_size_valid((uint32_t)m)) {
		edgelb_config_error(ctx, &n, "%lld is not a prime in %u..%u (e.g. %u or %u)", m,
				    MAGLEV_MIN_SIZE, MAGLEV_MAX_SIZE, EDGELB_RING_SIZE_DEFAULT,
				    EDGELB_RING_SIZE_LARGE);
		return;
	}
	svc->ring_size = (uint32_t)m;
}

/* After the backends are known: a ring too small to share out fairly. */
static void edgelb_config_check_ring(struct edgelb_config_ctx *ctx,
				     const struct edgelb_config_node *snode,
				     const struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	uint64_t want = (uint64_t)svc->n_backends * EDGELB_CONFIG_RING_SLOTS_PER_BACKEND;

	edgelb_config_node_key(snode, "ring_size", &n);
	if (svc->n_backends > svc->ring_size)
		edgelb_config_error(ctx, &n, "ring of %u slots cannot hold %zu backends",
				    svc->ring_size, svc->n_backends);
	else if (want > svc->ring_size)
		edgelb_config_warning(ctx, &n,
				      "%u slots for %zu backends: shares will differ by more "
				      "than 1 %%; use a prime of at least %llu",
				      svc->ring_size, svc->n_backends, (unsigned long long)want);
}

static int edgelb_config_parse_mtu(struct edgelb_config_ctx *ctx,
				   const struct edgelb_config_node *snode,
				   struct edgelb_config_service *svc)
{
	svc->mtu = EDGELB_CONFIG_MTU_DEFAULT;
	return edgelb_config_u16(ctx, snode, "mtu", false, 576, 9216, &svc->mtu);
}

/*
 * Bytes the service's encapsulation puts in front of a client packet for a
 * backend of family: the data plane's edgelb_encap_overhead()
 * (dataplane/core/encap.h), which must agree. GUE is variant 1 ("direct
 * IP"): outer IP and UDP, no GUE header.
 */
static uint16_t edgelb_config_encap_overhead(enum edgelb_encap encap, uint8_t family)
{
	uint16_t ip = family == EDGELB_AF_INET6 ? 40 : 20;

	if (encap == EDGELB_ENCAP_DSR)
		return 0;
	return encap == EDGELB_ENCAP_GUE ? (uint16_t)(ip + 8) : ip;
}

/* RFC 8200: 1280 bytes for IPv6; RFC 791: 68 for IPv4. */
unsigned int edgelb_config_mtu_min(uint8_t vip_family, enum edgelb_encap encap,
				   uint8_t backend_family)
{
	unsigned int min = vip_family == EDGELB_AF_INET6 ? 1280 : 68;

	if (!backend_family)
		return min;
	return min + edgelb_config_encap_overhead(encap, backend_family);
}

/*
 * After the backends are known: the mtu must leave room for the smallest
 * packet every link of the VIP's family carries once the largest
 * encapsulation of the service's backends is added. Otherwise a client is
 * told a "packet too big" MTU below that minimum, which its stack raises
 * back to the minimum (RFC 8201 section 4), so it never sends a packet
 * small enough and the flow hangs.
 */
static void edgelb_config_check_mtu(struct edgelb_config_ctx *ctx,
				    const struct edgelb_config_node *snode,
				    const struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	unsigned int min = edgelb_config_mtu_min(svc->vip.family, svc->encap, EDGELB_AF_NONE);
	unsigned int need = min, overhead;
	uint8_t outer = EDGELB_AF_NONE;

	if (!svc->vip.family)
		return;
	for (size_t i = 0; i < svc->n_backends; i++) {
		const struct edgelb_config_backend *be = &svc->backends[i];
		unsigned int m;

		/* a family IPIP or DSR cannot carry was reported with the backend */
		if (!be->addr.family ||
		    (svc->encap != EDGELB_ENCAP_GUE && be->addr.family != svc->vip.family))
			continue;
		m = edgelb_config_mtu_min(svc->vip.family, svc->encap, be->addr.family);
		if (m > need) {
			need = m;
			outer = be->addr.family;
		}
	}
	if (svc->mtu >= need)
		return;
	edgelb_config_node_key(snode, "mtu", &n);
	overhead = need - min;
	if (!overhead) {
		edgelb_config_error(ctx, &n, "%u is below the %s minimum MTU of %u", svc->mtu,
				    edgelb_config_family_name(svc->vip.family), min);
		return;
	}
	edgelb_config_error(ctx, &n,
			    "mtu %u leaves %u bytes for client packets after %s over %s "
			    "(%u bytes); %s needs %u: set mtu to at least %u",
			    svc->mtu, svc->mtu - overhead,
			    svc->encap == EDGELB_ENCAP_GUE ? "GUE" : "IPIP",
			    edgelb_config_family_name(outer), overhead,
			    edgelb_config_family_name(svc->vip.family), min, need);
}

static void edgelb_config_parse_service(struct edgelb_config_ctx *ctx,
					const struct edgelb_config_node *snode,
					struct edgelb_config_service *svc)
{
	struct edgelb_config_node n;
	int proto = IPPROTO_TCP, policy = EDGELB_CONFIG_MTU_ICMP, hash = EDGELB_CONFIG_HASH_5TUPLE;
	int mtu_ret;
	bool type_set;

	edgelb_config_check_keys(ctx, snode, edgelb_config_service_keys);
	edgelb_config_name(ctx, snode, "name", true, EDGELB_CONFIG_NAME_MAX, &svc->name);
	edgelb_config_addr(ctx, snode, "vip", true, 0, &svc->vip);
	/* required: 0 ("every port") is too wide to be a silent default */
	edgelb_config_u16(ctx, snode, "port", true, 0, 65535, &svc->port);
	edgelb_config_keyword(ctx, snode, "protocol", edgelb_config_kw_proto, &proto);
	svc->proto = (uint8_t)proto;
	edgelb_config_parse_encap(ctx, snode, svc);
	edgelb_config_parse_ring(ctx, snode, svc);
	mtu_ret = edgelb_config_parse_mtu(ctx, snode, svc);
	edgelb_config_keyword(ctx, snode, "mtu_policy", edgelb_config_kw_mtu_policy, &policy);
	svc->mtu_policy = (enum edgelb_config_mtu_policy)policy;
	edgelb_config_keyword(ctx, snode, "hash", edgelb_config_kw_hash, &hash);
	svc->hash = (enum edgelb_config_hash)hash;
	edgelb_config_parse_health(ctx, snode, NULL, svc->proto, &svc->health, &type_set);
	if (svc->proto == IPPROTO_UDP && !type_set) {
		edgelb_config_node_key(snode, "health", &n);
		edgelb_config_warning(ctx, &n,
				      "UDP service without a health check type: backends are "
				      "never marked down; set type = \"exec\" or \"none\"");
	}
	edgelb_config_parse_backends(ctx, snode, svc);
	edgelb_config_check_ring(ctx, snode, svc);
	if (mtu_ret >= 0)
		edgelb_config_check_mtu(ctx, snode, svc);
}

/* Service j against services 0..j-1: names and (VIP, port, protocol). */
static void edgelb_config_check_service_dups(struct edgelb_config_ctx *ctx,
					     const struct edgelb_config_node *list,
					     const struct edgelb_config_service *svcs, size_t j)
{
	const struct edgelb_config_service *s = &svcs[j];
	struct edgelb_config_node el, n;
	char a[INET6_ADDRSTRLEN];

	edgelb_config_node_elem(list, j, &el);
	for (size_t i = 0; i < j && s->name; i++) {
		if (!svcs[i].name || strcmp(svcs[i].name, s->name))
			continue;
		edgelb_config_node_key(&el, "name", &n);
		edgelb_config_error(ctx, &n, "duplicate service name \"%s\" (first at line %u)",
				    s->name, edgelb_config_elem_line(list, i, "name"));
		break;
	}
	for (size_t i = 0; i < j && s->vip.family; i++) {
		const struct edgelb_config_service *o = &svcs[i];

		if (!edgelb_config_addr_equal(&o->vip, &s->vip) || o->port != s->port ||
		    o->proto != s->proto)
			continue;
		edgelb_config_node_key(&el, "vip", &n);
		edgelb_config_error(ctx, &n, "%s port %u/%s is already service \"%s\" (line %u)",
				    edgelb_config_addr_str(&s->vip, a, sizeof(a)), s->port,
				    s->proto == IPPROTO_TCP ? "tcp" : "udp",
				    o->name ? o->name : "?",
				    edgelb_config_elem_line(list, i, "vip"));
		break;
	}
}

size_t edgelb_config_backend_count(const struct edgelb_config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_services; i++)
		n += cfg->services[i].n_backends;
	return n;
}

void edgelb_config_parse_services(struct edgelb_config_ctx *ctx,
				  const struct edgelb_config_node *root,
				  struct edgelb_config *cfg)
{
	struct edgelb_config_node list, el;
	size_t n, total;

	if (edgelb_config_group_list(ctx, root, "services", EDGELB_MAX_VIPS, &list, &n) <= 0 || !n)
		return;
	cfg->services = calloc(n, sizeof(*cfg->services));
	if (!cfg->services) {
		ctx->nomem = true;
		return;
	}
	cfg->n_services = n;
	for (size_t i = 0; i < n; i++) {
		if (!edgelb_config_list_elem_group(ctx, &list, i, &el))
			continue;
		edgelb_config_parse_service(ctx, &el, &cfg->services[i]);
		edgelb_config_check_service_dups(ctx, &list, cfg->services, i);
	}
	/* the data plane has one backend array shared by every VIP */
	total = edgelb_config_backend_count(cfg);
	if (total >= EDGELB_MAX_BACKENDS) /* id 0 is never a backend */
		edgelb_config_error(ctx, &list, "%zu backends in all, the data plane holds %u",
				    total, EDGELB_MAX_BACKENDS - 1);
}

static int edgelb_config_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sites numbered by sorted name, not by order in the file (DESIGN.md principle 2). */
void edgelb_config_number_sites(struct edgelb_config_ctx *ctx, struct edgelb_config *cfg)
{
	size_t n = 0, distinct = 0, total = edgelb_config_backend_count(cfg);
	char **names;

	if (!total)
		return;
	names = calloc(total, sizeof(*names));
	if (!names) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < cfg->n_services; i++)
		for (size_t j = 0; j < cfg->services[i].n_backends; j++)
			if (cfg->services[i].backends[j].site)
				names[n++] = cfg->services[i].backends[j].site;
	qsort(names, n, sizeof(*names), edgelb_config_strcmp_p);
	for (size_t i = 0; i < n; i++) {
		if (distinct && !strcmp(names[distinct - 1], names[i]))
			continue;
		names[distinct++] = names[i];
	}
	cfg->sites = calloc(distinct ? distinct : 1, sizeof(*cfg->sites));
	if (!cfg->sites) {
		free(names);
		ctx->nomem = true;
		return;
	}
	cfg->n_sites = distinct;
	for (size_t i = 0; i < distinct; i++)
		edgelb_config_set_str(ctx, &cfg->sites[i], names[i]);
	free(names);
	for (size_t i = 0; i < cfg->n_services; i++) {
		for (size_t j = 0; j < cfg->services[i].n_backends; j++) {
			struct edgelb_config_backend *be = &cfg->services[i].backends[j];

			for (size_t k = 0; be->site && k < cfg->n_sites; k++)
				if (cfg->sites[k] && !strcmp(cfg->sites[k], be->site))
					be->site_id = (uint16_t)(k + 1);
		}
	}
}
