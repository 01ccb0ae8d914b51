// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where production meets the known answers. kat_flows.h is written by an
 * independent implementation (tools/kat/gen_flow_kat.py); here every entry
 * is checked against production: the flow hash of hash.h, the rings
 * scenario.c builds with maglev_build(), and, through the host data plane,
 * the backend, GUE source port and IPv6 flow label of real output frames.
 * A mismatch means production or the generator is wrong; never "fix" it by
 * producing the table with production code.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "hash.h"
#include "kat.h"
#include "lbenv.h"
#include "maglev.h"
#include "pktbuild.h"
#include "scenario.h"

#define KAT_SHOW_MAX 10 /* mismatches printed before the count */

struct kat_env {
	struct lbenv *env;
	struct scenario sc;
};

static int setup(void **state)
{
	struct kat_env *k = calloc(1, sizeof(*k));

	if (!k)
		return -1;
	k->env = lbenv_new(LBENV_HOST);
	if (!k->env || scenario_load(&k->sc, k->env)) {
		lbenv_free(k->env);
		free(k);
		return -1;
	}
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct kat_env *k = *state;

	scenario_free(&k->sc);
	lbenv_free(k->env);
	free(k);
	return 0;
}

static const char *flow_str(const struct kat_flow *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s:%u -> %s:%u", f->proto == IPPROTO_TCP ? "tcp" : "udp", f->src,
		 f->sport, f->dst, f->dport);
	return buf;
}

/* The flow hash of hash.h, and the encap.h values derived from it. */
static void test_hash(void **state)
{
	const struct kat_flow *all;
	size_t n, bad = 0;
	char s[128];

	(void)state;
	all = kat_all(&n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const struct kat_flow *f = &all[i];
		struct edgelb_flow_key key;
		uint32_t h;

		assert_int_equal(kat_flow_key(f, &key), 0);
		h = edgelb_flow_key_hash(&key);
		/* encap.h: GUE source port 0x8000 | hash & 0x7fff, flow label hash & 0xfffff;
		 * the frames themselves are checked in test_frames. */
		if (h == f->hash && f->gue_sport == (0x8000 | (h & 0x7fff)) &&
		    f->flow_label == (h & 0xfffff))
			continue;
		if (bad++ < KAT_SHOW_MAX)
			print_error("kat: %s: production hash %#010x, known answer %#010x "
				    "(gue_sport %#06x, flow_label %#07x)\n",
				    flow_str(f, s, sizeof(s)), h, f->hash, f->gue_sport,
				    f->flow_label);
	}
	if (bad)
		fail_msg("%zu of %zu flows: production's flow hash differs from the known answer",
			 bad, n);
}

/* True if the 0-terminated ids are those of ring definition d, in order. */
static int same_set(const uint32_t *ids, const struct kat_ring_def *d)
{
	uint32_t i = 0;

	for (; ids[i]; i++)
		if (i >= d->n || ids[i] != d->be[i].id)
			return 0;
	return i == d->n;
}

/* The ring variant of the KAT that VIP v uses in the scenario, or -1 (none). */
static int vip_ring(enum sc_vip v)
{
	static const enum kat_ring variants[] = { KAT_RING_V4, KAT_RING_V6, KAT_RING_DSR,
						  KAT_RING_DSR_NOMAC };
	const struct kat_ring_def *defs;
	size_t n;

	defs = kat_ring_defs_all(&n);
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (same_set(sc_vips[v].backends, &defs[variants[i]]))
			return variants[i];
	return -1;
}

/* Every entry's pick in ring (built by scenario.c) against the KAT's; count of misses. */
static size_t check_ring(const uint32_t *ring, enum kat_ring r)
{
	const struct kat_flow *all;
	size_t n, bad = 0;
	char s[128];

	all = kat_all(&n);
	for (size_t i = 0; i < n; i++) {
		const struct kat_flow *f = &all[i];
		/* The known hash, so that this checks the ring alone. */
		uint32_t got = ring[f->hash % SC_RING_SIZE];

		if (got == kat_backend(f, r))
			continue;
		if (bad++ < KAT_SHOW_MAX)
			print_error("kat: ring %s: %s: production ring gives backend %u, "
				    "known answer %u\n",
				    kat_ring_name(r), flow_str(f, s, sizeof(s)), got,
				    kat_backend(f, r));
	}
	return bad;
}

/* The rings scenario.c builds with maglev_build() (weight 100, "be-<id>"). */
static void test_rings(void **state)
{
	struct kat_env *k = *state;
	enum sc_vip by_ring[KAT_RING_COUNT];
	size_t bad = 0, n;

	for (int r = 0; r < KAT_RING_COUNT; r++)
		by_ring[r] = SC_VIP_COUNT;

	kat_all(&n);
	assert_int_equal(kat_ring_size(), SC_RING_SIZE);
	for (int v = 0; v < SC_VIP_COUNT; v++) {
		int r = vip_ring((enum sc_vip)v);

		if (r < 0) {
			if (sc_vips[v].backends[0])
				fail_msg("VIP %d (%s) has a backend set the KAT does not know: add it "
					 "to RINGS in tools/kat/gen_flow_kat.py",
					 v, sc_vips[v].addr);
			continue;
		}
		if (by_ring[r] == SC_VIP_COUNT)
			by_ring[r] = (enum sc_vip)v;
		/* Same set, same ring: the order of VIPs must not matter. */
		assert_memory_equal(k->sc.rings[v], k->sc.rings[by_ring[r]],
				    SC_RING_SIZE * sizeof(uint32_t));
	}
	for (int r = 0; r < KAT_RING_COUNT; r++) {
		if (r == KAT_RING_V4_NO2)
			continue;
		if (by_ring[r] == SC_VIP_COUNT)
			fail_msg("no VIP of the scenario uses ring %s", kat_ring_name(r));
		bad += check_ring(k->sc.rings[by_ring[r]], (enum kat_ring)r);
	}

	/* v4 with backend 2 drained, rebuilt as the tests do it. */
	k->sc.be[2].weight = 0;
	assert_int_equal(scenario_set_backend(&k->sc, k->env, 2), 0);
	assert_int_equal(scenario_rebuild_ring(&k->sc, k->env, by_ring[KAT_RING_V4]), 0);
	bad += check_ring(k->sc.rings[by_ring[KAT_RING_V4]], KAT_RING_V4_NO2);
	k->sc.be[2].weight = 100;
	assert_int_equal(scenario_set_backend(&k->sc, k->env, 2), 0);
	assert_int_equal(scenario_rebuild_ring(&k->sc, k->env, by_ring[KAT_RING_V4]), 0);

	if (bad)
		fail_msg("%zu picks of %zu flows x %d rings: production's Maglev ring differs "
			 "from the known answer",
			 bad, n, KAT_RING_COUNT);
}

/* Ring definition d built directly with maglev_build(): digest and shares. */
static void check_ring_def(const struct kat_ring_def *d)
{
	struct maglev_backend mb[KAT_RING_MAX_BACKENDS];
	uint32_t *ring = malloc(sizeof(uint32_t) * d->size);
	uint64_t digest;

	assert_non_null(ring);
	assert_true(d->n <= KAT_RING_MAX_BACKENDS);
	for (uint32_t i = 0; i < d->n; i++)
		mb[i] = (struct maglev_backend){ .key = d->be[i].identity,
						 .key_len = strlen(d->be[i].identity),
						 .weight = d->be[i].weight,
						 .id = d->be[i].id };
	assert_int_equal(maglev_build(mb, d->n, d->size, ring), 0);
	digest = kat_ring_digest(ring, d->size);
	for (uint32_t i = 0; i < d->n; i++) {
		uint32_t owned = 0;

		for (uint32_t s = 0; s < d->size; s++)
			owned += ring[s] == d->be[i].id;
		if (owned != d->be[i].slots)
			print_error("kat: ring %s: backend %s owns %u slots, known answer %u\n",
				    d->name, d->be[i].identity, owned, d->be[i].slots);
	}
	free(ring);
	if (digest != d->digest)
		fail_msg("ring %s (size %u): production's digest %#018llx, known answer %#018llx",
			 d->name, d->size, (unsigned long long)digest,
			 (unsigned long long)d->digest);
}

/*
 * Whole rings: the scenario's (a wrong slot anywhere, not only under the
 * listed flows), and the rings only the KAT defines, built directly.
 */
static void test_ring_digests(void **state)
{
	struct kat_env *k = *state;
	static const enum sc_vip variant_vip[KAT_RING_COUNT] = {
		[KAT_RING_V4] = SC_VIP_TCP4_IPIP,
		[KAT_RING_V4_NO2] = SC_VIP_TCP4_IPIP,
		[KAT_RING_V6] = SC_VIP_TCP6_IPIP,
		[KAT_RING_DSR] = SC_VIP_TCP4_DSR,
		[KAT_RING_DSR_NOMAC] = SC_VIP_TCP4_DSR_NOMAC,
	};
	const struct kat_ring_def *defs;
	size_t n;

	defs = kat_ring_defs_all(&n);
	assert_true(n >= KAT_RING_COUNT);
	for (int r = 0; r < KAT_RING_COUNT; r++) {
		enum sc_vip v = variant_vip[r];
		uint64_t digest;

		assert_string_equal(defs[r].name, kat_ring_name((enum kat_ring)r));
		assert_int_equal(vip_ring(v), r == KAT_RING_V4_NO2 ? KAT_RING_V4 : r);
		if (r == KAT_RING_V4_NO2) {
			k->sc.be[2].weight = 0;
			assert_int_equal(scenario_rebuild_ring(&k->sc, k->env, v), 0);
		}
		digest = kat_ring_digest(k->sc.rings[v], SC_RING_SIZE);
		if (r == KAT_RING_V4_NO2) {
			k->sc.be[2].weight = 100;
			assert_int_equal(scenario_rebuild_ring(&k->sc, k->env, v), 0);
		}
		if (digest != defs[r].digest)
			fail_msg("ring %s of the scenario: digest %#018llx, known answer %#018llx",
				 defs[r].name, (unsigned long long)digest,
				 (unsigned long long)defs[r].digest);
	}
	for (size_t i = 0; i < n; i++)
		check_ring_def(&defs[i]);
}

/* The VIP of the scenario flow f goes to, or SC_VIP_COUNT. */
static enum sc_vip kat_vip(const struct kat_flow *f, const struct edgelb_flow_key *key)
{
	for (int v = 0; v < SC_VIP_COUNT; v++) {
		struct edgelb_vip_key vk;

		scenario_vip_key((enum sc_vip)v, &vk);
		if (vk.family == key->family && vk.proto == f->proto &&
		    !memcmp(vk.addr.bytes, key->dst.bytes, key->family == EDGELB_AF_INET ? 4 : 16) &&
		    (!vk.port || vk.port == key->dport))
			return (enum sc_vip)v;
	}
	return SC_VIP_COUNT;
}

static const struct sc_backend_def *backend_def(uint32_t id)
{
	for (const struct sc_backend_def *d = sc_backends; d->addr; d++)
		if (d->id == id)
			return d;
	return NULL;
}

/*
 * One client packet of f through the host data plane; checks the backend
 * (outer destination or DSR MAC), the GUE source port and the IPv6 flow
 * label of the frame against want. 0 if it matched, else 1 with why filled.
 */
static int check_frame(struct kat_env *k, const struct kat_flow *f, enum sc_vip v,
		       const struct kat_flow *want, enum kat_ring r, char *why, size_t len)
{
	const struct sc_backend_def *bd = backend_def(kat_backend(want, r));
	uint8_t out[PKT_MAX], addr[16];
	size_t out_len = sizeof(out);
	const uint8_t *h;
	struct pkt ip, fr;
	int outer_v6, verdict;

	pkt_init(&ip);
	if (f->family == EDGELB_AF_INET6)
		pkt_ipv6(&ip, &(struct pkt_ip6){ .src = f->src, .dst = f->dst });
	else
		pkt_ipv4(&ip, &(struct pkt_ip4){ .src = f->src, .dst = f->dst, .frag_off = PKT_IP4_DF });
	if (f->proto == IPPROTO_TCP)
		pkt_tcp(&ip, f->sport, f->dport, 1000, 0, PKT_TCP_SYN);
	else
		pkt_udp(&ip, f->sport, f->dport, 0);
	pkt_raw(&ip, "kat", 3);
	assert_int_equal(pkt_finish(&ip), 0);
	pkt_init(&fr);
	pkt_eth(&fr, sc_if_mac, sc_client_mac, 0);
	pkt_inner(&fr, ip.data, ip.len);
	assert_int_equal(pkt_finish(&fr), 0);
	assert_non_null(bd);

	why[0] = 0;
	verdict = lbenv_run(k->env, fr.data, fr.len, out, &out_len);
	if (verdict != XDP_TX) {
		snprintf(why, len, "verdict %d, want XDP_TX", verdict);
		return 1;
	}
	if (sc_vips[v].encap == EDGELB_ENCAP_DSR) {
		if (out_len < 14 || memcmp(out, bd->mac, 6))
			snprintf(why, len, "DSR frame not to the MAC of backend %u", bd->id);
		return why[0] != 0;
	}
	outer_v6 = strchr(bd->addr, ':') != NULL;
	assert_int_equal(inet_pton(outer_v6 ? AF_INET6 : AF_INET, bd->addr, addr), 1);
	if (out_len < 14 + (outer_v6 ? 40u : 20u) + 8) {
		snprintf(why, len, "frame of %zu bytes", out_len);
		return 1;
	}
	h = out + 14; /* the scenario's frames carry no VLAN tag */
	if (outer_v6) {
		uint32_t label = (uint32_t)(h[1] & 0x0f) << 16 | (uint32_t)h[2] << 8 | h[3];

		if (memcmp(h + 24, addr, 16))
			snprintf(why, len, "outer destination is not backend %u", bd->id);
		else if (label != want->flow_label)
			snprintf(why, len, "flow label %#07x, known answer %#07x", label,
				 want->flow_label);
	} else if (memcmp(h + 16, addr, 4)) {
		snprintf(why, len, "outer destination is not backend %u", bd->id);
	}
	if (!why[0] && sc_vips[v].encap == EDGELB_ENCAP_GUE) {
		const uint8_t *uh = h + (outer_v6 ? 40 : 20);
		uint16_t sport = (uint16_t)(uh[0] << 8 | uh[1]);

		if (sport != want->gue_sport)
			snprintf(why, len, "GUE source port %#06x, known answer %#06x", sport,
				 want->gue_sport);
	}
	return why[0] != 0;
}

/*
 * Every entry that is a flow to a VIP with backends, as a packet through the
 * host data plane (the same core as the XDP program): production's whole
 * path against the known answer.
 */
static void test_frames(void **state)
{
	struct kat_env *k = *state;
	const struct kat_flow *all;
	size_t n, bad = 0, ran = 0;
	char why[160], s[128];

	all = kat_all(&n);
	for (size_t i = 0; i < n; i++) {
		const struct kat_flow *f = &all[i], *want = f;
		struct edgelb_flow_key key;
		enum sc_vip v;
		int r;

		assert_int_equal(kat_flow_key(f, &key), 0);
		v = kat_vip(f, &key);
		if (v == SC_VIP_COUNT || (r = vip_ring(v)) < 0)
			continue; /* not a VIP, or one without backends */
		if (!f->sport && !f->dport)
			continue; /* the port-zeroed key itself: no packet has ports 0 */
		if (r == KAT_RING_DSR_NOMAC)
			continue; /* its backend has no MAC: dropped (test_xdp_golden) */
		/* IPIP needs a backend of the VIP's family (SC_VIP_TCP6_V4BE has not). */
		if (sc_vips[v].encap == EDGELB_ENCAP_IPIP &&
		    (f->family == EDGELB_AF_INET6) != (r == KAT_RING_V6))
			continue;
		if (sc_vips[v].flags & EDGELB_VIP_F_NO_PORT_HASH) {
			key.sport = 0;
			key.dport = 0;
			want = kat_find(&key);
			if (!want)
				fail_msg("%s (%s)", KAT_MISSING_HINT, f->src);
		}
		ran++;
		if (!check_frame(k, f, v, want, (enum kat_ring)r, why, sizeof(why)))
			continue;
		if (bad++ < KAT_SHOW_MAX)
			print_error("kat: frame of %s via VIP %s (ring %s): %s\n",
				    flow_str(f, s, sizeof(s)), sc_vips[v].addr,
				    kat_ring_name((enum kat_ring)r), why);
	}
	assert_true(ran > 1000);
	if (bad)
		fail_msg("%zu of %zu frames of the host data plane differ from the known answers",
			 bad, ran);
}

/* The lookup, and the scenario's flows being in the table at all. */
static void test_find(void **state)
{
	const struct kat_flow *all;
	struct edgelb_flow_key key;
	size_t n;

	(void)state;
	all = kat_all(&n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(kat_flow_key(&all[i], &key), 0);
		assert_ptr_equal(kat_find(&key), &all[i]);
	}

	for (int v = 0; v < SC_VIP_COUNT; v++) {
		const char *client = strchr(sc_vips[v].addr, ':') ? SC_CLIENT6 : SC_CLIENT4;
		uint16_t dport = sc_vips[v].port ? sc_vips[v].port : 80;

		scenario_key(&key, client, sc_vips[v].addr, 40000, dport, sc_vips[v].proto);
		if (!kat_find(&key))
			fail_msg("VIP %s: %s", sc_vips[v].addr, KAT_MISSING_HINT);
		if (sc_vips[v].flags & EDGELB_VIP_F_NO_PORT_HASH) {
			scenario_key(&key, client, sc_vips[v].addr, 0, 0, sc_vips[v].proto);
			if (!kat_find(&key))
				fail_msg("VIP %s, ports 0: %s", sc_vips[v].addr, KAT_MISSING_HINT);
		}
	}

	scenario_key(&key, SC_CLIENT4, "192.0.2.10", 39999, 80, IPPROTO_TCP);
	assert_null(kat_find(&key));
	scenario_key(&key, SC_CLIENT4, "192.0.2.10", 40000, 80, IPPROTO_UDP);
	assert_null(kat_find(&key));
	scenario_key(&key, "198.51.100.8", "192.0.2.10", 40000, 80, IPPROTO_TCP);
	assert_null(kat_find(&key));
	key.family = 0;
	assert_null(kat_find(&key));
	assert_int_equal(kat_backend(NULL, KAT_RING_V4), 0);
	assert_int_equal(kat_backend(&all[0], KAT_RING_COUNT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_find),
		cmocka_unit_test_setup_teardown(test_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_digests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
