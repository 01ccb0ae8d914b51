// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "maglev.h"
#include "scenario.h"

const uint8_t sc_if_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t sc_gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
const uint8_t sc_client_mac[6] = { 0x02, 0, 0, 0, 0, 0xaa };

static const uint32_t v4_set[] = { 1, 2, 3, 4, 0 };
static const uint32_t v6_set[] = { 11, 12, 13, 14, 0 };
static const uint32_t dsr_set[] = { 21, 22, 0 };
static const uint32_t empty_set[] = { 0 };
static const uint32_t nomac_set[] = { 23, 0 };

const struct sc_vip_def sc_vips[SC_VIP_COUNT] = {
	[SC_VIP_TCP4_IPIP] = { "192.0.2.10", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, 1500, v4_set },
	[SC_VIP_UDP4_GUE] = { "192.0.2.10", 53, IPPROTO_UDP, EDGELB_ENCAP_GUE, 0, 1500, v4_set },
	[SC_VIP_TCP6_IPIP] = { "2001:db8::10", 443, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, 1500, v6_set },
	[SC_VIP_UDP6_GUE4] = { "2001:db8::10", 53, IPPROTO_UDP, EDGELB_ENCAP_GUE, 0, 1500, v4_set },
	[SC_VIP_TCP4_DSR] = { "192.0.2.20", 0, IPPROTO_TCP, EDGELB_ENCAP_DSR, 0, 1500, dsr_set },
	[SC_VIP_TCP4_EMPTY] = { "192.0.2.30", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, 1500, empty_set },
	[SC_VIP_UDP4_ADDRHASH] = { "192.0.2.40", 0, IPPROTO_UDP, EDGELB_ENCAP_IPIP,
				   EDGELB_VIP_F_NO_PORT_HASH, 1500, v4_set },
	[SC_VIP_TCP4_MTUDROP] = { "192.0.2.50", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP,
				  EDGELB_VIP_F_MTU_DROP, 1000, v4_set },
	[SC_VIP_TCP6_V4BE] = { "2001:db8::20", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, 1500, v4_set },
	[SC_VIP_UDP6_ADDRHASH] = { "2001:db8::30", 0, IPPROTO_UDP, EDGELB_ENCAP_GUE,
				   EDGELB_VIP_F_NO_PORT_HASH, 1500, v6_set },
	[SC_VIP_TCP6_GUE6] = { "2001:db8::40", 443, IPPROTO_TCP, EDGELB_ENCAP_GUE, 0, 1500, v6_set },
	[SC_VIP_TCP4_GUE6] = { "192.0.2.70", 443, IPPROTO_TCP, EDGELB_ENCAP_GUE, 0, 1500, v6_set },
	[SC_VIP_UDP4_GUE6] = { "192.0.2.70", 53, IPPROTO_UDP, EDGELB_ENCAP_GUE, 0, 1500, v6_set },
	[SC_VIP_UDP4_GUE6_ZERO] = { "192.0.2.71", 53, IPPROTO_UDP, EDGELB_ENCAP_GUE,
				    EDGELB_VIP_F_GUE_ZERO_CSUM6, 1500, v6_set },
	[SC_VIP_TCP6_MINMTU] = { "2001:db8::50", 443, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, 1300,
				 v6_set },
	[SC_VIP_TCP4_MINMTU] = { "192.0.2.80", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, 80, v4_set },
	[SC_VIP_TCP4_JUMBO] = { "192.0.2.60", 80, IPPROTO_TCP, EDGELB_ENCAP_IPIP, 0, 9216, v4_set },
	[SC_VIP_TCP4_DSR_NOMAC] = { "192.0.2.90", 80, IPPROTO_TCP, EDGELB_ENCAP_DSR, 0, 1500,
				    nomac_set },
};

const struct sc_backend_def sc_backends[] = {
	{ 1, "10.1.0.1", { 0 } },
	{ 2, "10.1.0.2", { 0 } },
	{ 3, "10.2.0.3", { 0 } },
	{ 4, "10.2.0.4", { 0 } },
	{ 11, "fd01::11", { 0 } },
	{ 12, "fd01::12", { 0 } },
	{ 13, "fd02::13", { 0 } },
	{ 14, "fd02::14", { 0 } },
	{ 21, "192.0.2.121", { 0x02, 0, 0, 0, 0x01, 0x21 } },
	{ 22, "192.0.2.122", { 0x02, 0, 0, 0, 0x01, 0x22 } },
	{ 23, "192.0.2.123", { 0 } },
	{ 0, NULL, { 0 } },
};

static int parse_addr(const char *s, union edgelb_addr *a, uint8_t *family)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		*family = EDGELB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		*family = EDGELB_AF_INET6;
		return 0;
	}
	return -1;
}

void scenario_vip_key(enum sc_vip vip, struct edgelb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	parse_addr(sc_vips[vip].addr, &k->addr, &k->family);
	k->port = htons(sc_vips[vip].port);
	k->proto = sc_vips[vip].proto;
}

void scenario_key(struct edgelb_flow_key *k, const char *src, const char *dst, uint16_t sport,
		  uint16_t dport, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	parse_addr(src, &k->src, &k->family);
	parse_addr(dst, &k->dst, &k->family);
	k->sport = htons(sport);
	k->dport = htons(dport);
	k->proto = proto;
}

int scenario_rebuild_ring(struct scenario *sc, struct lbenv *e, enum sc_vip vip)
{
	struct maglev_backend mb[16];
	char names[16][16];
	size_t n = 0;
	int err;

	if (!sc->rings[vip]) {
		sc->rings[vip] = malloc(sizeof(uint32_t) * SC_RING_SIZE);
		if (!sc->rings[vip])
			return -1;
	}
	for (const uint32_t *id = sc_vips[vip].backends; *id; id++) {
		const struct edgelb_backend *b = &sc->be[*id];

		snprintf(names[n], sizeof(names[n]), "be-%u", *id);
		mb[n] = (struct maglev_backend){ .key = names[n], .key_len = strlen(names[n]),
						 .weight = b->weight, .id = *id };
		n++;
	}
	err = maglev_build(mb, n, SC_RING_SIZE, sc->rings[vip]);
	if (!err)
		err = lbenv_ring(e, vip, sc->rings[vip], SC_RING_SIZE);
	if (err)
		fprintf(stderr, "scenario: ring of VIP %d: error %d\n", vip, err);
	return err ? -1 : 0;
}

static int place_decoy(struct lbenv *e)
{
	uint32_t *ring = malloc(sizeof(uint32_t) * SC_RING_SIZE);
	int err;

	if (!ring)
		return -1;
	for (uint32_t s = 0; s < SC_RING_SIZE; s++)
		ring[s] = SC_DECOY_BACKEND;
	err = lbenv_ring(e, SC_DECOY_VIP, ring, SC_RING_SIZE);
	if (err)
		fprintf(stderr, "scenario: decoy ring: error %d\n", err);
	free(ring);
	return err ? -1 : 0;
}

int scenario_set_backend(struct scenario *sc, struct lbenv *e, uint32_t id)
{
	return lbenv_backend(e, id, &sc->be[id]) ? -1 : 0;
}

void scenario_node_config(struct edgelb_node_config *cfg)
{
	uint8_t fam;

	memset(cfg, 0, sizeof(*cfg));
	parse_addr(SC_SRC4, &cfg->src_v4, &fam);
	parse_addr(SC_SRC6, &cfg->src_v6, &fam);
	memcpy(cfg->gw_mac, sc_gw_mac, 6);
	memcpy(cfg->if_mac, sc_if_mac, 6);
	cfg->ifindex = SC_IFINDEX;
}

int scenario_load(struct scenario *sc, struct lbenv *e)
{
	struct edgelb_node_config cfg;

	memset(sc, 0, sizeof(*sc));
	scenario_node_config(&cfg);
	if (lbenv_node_config(e, &cfg))
		return -1;

	for (const struct sc_backend_def *d = sc_backends; d->addr; d++) {
		struct edgelb_backend *b = &sc->be[d->id];

		parse_addr(d->addr, &b->addr, &b->family);
		b->flags = EDGELB_BE_F_ALIVE;
		b->weight = 100;
		memcpy(b->mac, d->mac, 6);
		if (scenario_set_backend(sc, e, d->id))
			return -1;
	}

	if (place_decoy(e))
		return -1;

	for (int v = 0; v < SC_VIP_COUNT; v++) {
		struct edgelb_vip_key k;
		struct edgelb_vip_meta m = {
			.vip_id = (uint32_t)v,
			.flags = sc_vips[v].flags,
			.ring_size = SC_RING_SIZE,
			.mtu = sc_vips[v].mtu,
			.encap = sc_vips[v].encap,
			.gue_dport = sc_vips[v].encap == EDGELB_ENCAP_GUE ? htons(SC_GUE_PORT) : 0,
		};

		scenario_vip_key((enum sc_vip)v, &k);
		if (lbenv_vip(e, &k, &m) || scenario_rebuild_ring(sc, e, (enum sc_vip)v))
			return -1;
	}
	return 0;
}

void scenario_free(struct scenario *sc)
{
	for (int v = 0; v < SC_VIP_COUNT; v++)
		free(sc->rings[v]);
	memset(sc, 0, sizeof(*sc));
}

uint32_t scenario_ring_pick(const struct scenario *sc, enum sc_vip vip,
			    const struct edgelb_flow_key *key)
{
	return sc->rings[vip][edgelb_flow_key_hash(key) % SC_RING_SIZE];
}
