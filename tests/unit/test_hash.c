// SPDX-License-Identifier: GPL-2.0-only
/*
 * The flow hash is part of the wire contract between balancers: two nodes
 * (or two versions) that disagree on it send the same flow to different
 * backends. These tests pin it: the mixing core is checked against the
 * published MurmurHash3 x86_32 vectors, and the flow hash itself against
 * fixed vectors computed once and never changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "hash.h"

/* Reference MurmurHash3_x86_32 over bytes, built from the core's steps. */
static uint32_t murmur3_bytes(const void *data, size_t len, uint32_t seed)
{
	const uint8_t *p = data;
	uint32_t h = seed, k = 0;
	size_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
		    (uint32_t)p[i + 3] << 24;
		h = edgelb_hash_step(h, k);
	}
	k = 0;
	switch (len & 3) {
	case 3:
		k ^= (uint32_t)p[i + 2] << 16;
		/* fallthrough */
	case 2:
		k ^= (uint32_t)p[i + 1] << 8;
		/* fallthrough */
	case 1:
		k ^= p[i];
		k *= 0xcc9e2d51u;
		k = edgelb_rotl32(k, 15);
		k *= 0x1b873593u;
		h ^= k;
	}
	return edgelb_hash_final(h, (uint32_t)len);
}

static void test_murmur3_reference_vectors(void **state)
{
	(void)state;
	assert_int_equal(murmur3_bytes("", 0, 0), 0);
	assert_int_equal(murmur3_bytes("", 0, 1), 0x514e28b7);
	assert_int_equal(murmur3_bytes("", 0, 0xffffffff), 0x81f16f39);
	assert_int_equal(murmur3_bytes("\0\0\0\0", 4, 0), 0x2362f9de);
	assert_int_equal(murmur3_bytes("aaaa", 4, 0x9747b28c), 0x5a97808a);
	assert_int_equal(murmur3_bytes("Hello, world!", 13, 0x9747b28c), 0x24884cba);
	assert_int_equal(murmur3_bytes("The quick brown fox jumps over the lazy dog", 43,
				       0x9747b28c),
			 0x2fa826cd);
}

static union edgelb_addr v4(const char *s)
{
	union edgelb_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(inet_pton(AF_INET, s, &a.v4), 1);
	return a;
}

static union edgelb_addr v6(const char *s)
{
	union edgelb_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, a.bytes), 1);
	return a;
}

struct flow_vector {
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t proto, family;
	uint32_t hash;
};

/*
 * Pinned values. If one of these fails, the flow hash changed: every
 * established flow would move during a mixed-version rollout. Do not update
 * them to make the test pass; fix the hash.
 */
static const struct flow_vector vectors[] = {
	{ "198.51.100.7", "192.0.2.10", 40000, 80, IPPROTO_TCP, EDGELB_AF_INET, 0x6639cb9f },
	{ "198.51.100.7", "192.0.2.10", 40001, 80, IPPROTO_TCP, EDGELB_AF_INET, 0x3ce79c6a },
	{ "198.51.100.7", "192.0.2.10", 40000, 80, IPPROTO_UDP, EDGELB_AF_INET, 0x9d95d37e },
	{ "10.0.0.1", "10.0.0.2", 1, 2, IPPROTO_TCP, EDGELB_AF_INET, 0x6948aa12 },
	{ "0.0.0.0", "0.0.0.0", 0, 0, 0, EDGELB_AF_INET, 0xec5a6ac6 },
	{ "2001:db8::7", "2001:db8:1::10", 40000, 443, IPPROTO_TCP, EDGELB_AF_INET6, 0x6ce338e4 },
	{ "2001:db8::8", "2001:db8:1::10", 40000, 443, IPPROTO_TCP, EDGELB_AF_INET6, 0x21254fcb },
	{ "::", "::", 0, 0, 0, EDGELB_AF_INET6, 0x80d42d9f },
};

static uint32_t vector_hash(const struct flow_vector *v)
{
	union edgelb_addr s, d;

	if (v->family == EDGELB_AF_INET) {
		s = v4(v->src);
		d = v4(v->dst);
	} else {
		s = v6(v->src);
		d = v6(v->dst);
	}
	return edgelb_flow_hash(&s, &d, htons(v->sport), htons(v->dport), v->proto, v->family);
}

static void test_flow_hash_pinned_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint32_t h = vector_hash(&vectors[i]);

		if (h != vectors[i].hash)
			print_error("vector %zu: %s -> %s: got 0x%08x, pinned 0x%08x\n", i,
				    vectors[i].src, vectors[i].dst, h, vectors[i].hash);
		assert_int_equal(h, vectors[i].hash);
	}
}

/* The hash is defined on words read in network order: spell one out. */
static void test_flow_hash_definition(void **state)
{
	union edgelb_addr s = v4("1.2.3.4"), d = v4("5.6.7.8");
	uint32_t h = EDGELB_FLOW_HASH_SEED;

	(void)state;
	h = edgelb_hash_step(h, 0x01020304);
	h = edgelb_hash_step(h, 0x05060708);
	h = edgelb_hash_step(h, (0x1234u << 16) | 0x0050);
	h = edgelb_hash_step(h, IPPROTO_TCP);
	h = edgelb_hash_final(h, 16);
	assert_int_equal(edgelb_flow_hash(&s, &d, htons(0x1234), htons(80), IPPROTO_TCP,
					  EDGELB_AF_INET),
			 h);
}

/* For IPv4 the 12 unused bytes of each address must not matter. */
static void test_flow_hash_ignores_v4_padding(void **state)
{
	union edgelb_addr s = v4("192.0.2.1"), d = v4("192.0.2.2");
	uint32_t clean = edgelb_flow_hash(&s, &d, htons(1000), htons(80), 6, EDGELB_AF_INET);

	(void)state;
	s.v6[1] = 0xdeadbeef;
	d.v6[3] = 0x12345678;
	assert_int_equal(edgelb_flow_hash(&s, &d, htons(1000), htons(80), 6, EDGELB_AF_INET),
			 clean);
}

/* Every field takes part: flipping any bit of the tuple changes the hash. */
static void test_flow_hash_every_field_counts(void **state)
{
	struct edgelb_flow_key k, m;
	uint32_t base;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.src = v6("2001:db8::1");
	k.dst = v6("2001:db8::2");
	k.sport = htons(1234);
	k.dport = htons(443);
	k.proto = IPPROTO_TCP;
	k.family = EDGELB_AF_INET6;
	base = edgelb_flow_key_hash(&k);

	/* src, dst, ports, proto: bytes 0..36 of the key */
	for (size_t byte = 0; byte < offsetof(struct edgelb_flow_key, family); byte++) {
		for (int bit = 0; bit < 8; bit++) {
			m = k;
			((uint8_t *)&m)[byte] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(edgelb_flow_key_hash(&m), base);
		}
	}
}

/* A simple spread check: 2^16 flows over 64 buckets stay near uniform. */
static void test_flow_hash_spreads(void **state)
{
	unsigned int buckets[64] = { 0 };
	union edgelb_addr s = v4("203.0.113.5"), d = v4("192.0.2.10");

	(void)state;
	for (uint32_t p = 0; p < 65536; p++)
		buckets[edgelb_flow_hash(&s, &d, htons((uint16_t)p), htons(443), 6,
					 EDGELB_AF_INET) %
			64]++;
	for (int i = 0; i < 64; i++) {
		assert_in_range(buckets[i], 1024 - 160, 1024 + 160);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_murmur3_reference_vectors),
		cmocka_unit_test(test_flow_hash_definition),
		cmocka_unit_test(test_flow_hash_pinned_vectors),
		cmocka_unit_test(test_flow_hash_ignores_v4_padding),
		cmocka_unit_test(test_flow_hash_every_field_counts),
		cmocka_unit_test(test_flow_hash_spreads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
