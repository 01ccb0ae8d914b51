// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VRRP advertisement codec (controlplane/vrrp/packet.c): round trips of
 * v3 IPv4, v3 IPv6 and v2 with a password; byte-exact packets laid out by
 * hand from RFC 5798 / RFC 3768; checksums computed here with an RFC 1071
 * sum of our own; every rejection reason from a crafted packet; every
 * truncation of a valid packet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "packet.h"

/* ---- helpers independent of the code under test ---- */

/* RFC 1071, the straightforward way: 16-bit big-endian words, end-around carry. */
static uint16_t rfc1071(const uint8_t *p, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (i % 2) ? p[i] : (uint64_t)p[i] << 8;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static union edgelb_addr v4(const char *s)
{
	union edgelb_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(inet_pton(AF_INET, s, a.bytes), 1);
	return a;
}

static union edgelb_addr v6(const char *s)
{
	union edgelb_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(inet_pton(AF_INET6, s, a.bytes), 1);
	return a;
}

/* The VRRP checksum of the message in an IP packet, recomputed here. */
static uint16_t expected_csum(const uint8_t *pkt, size_t len)
{
	uint8_t buf[2048];
	size_t hlen = (pkt[0] >> 4) == 4 ? (size_t)(pkt[0] & 0xf) * 4 : 40;
	size_t vlen = len - hlen, plen;
	const uint8_t *msg = pkt + hlen;

	assert_true(vlen + 40 <= sizeof(buf));
	if ((msg[0] >> 4) == 2) {
		plen = 0;
	} else if ((pkt[0] >> 4) == 4) {
		/* src, dst, zero, 112, length */
		memcpy(buf, pkt + 12, 8);
		buf[8] = 0;
		buf[9] = 112;
		buf[10] = (uint8_t)(vlen >> 8);
		buf[11] = (uint8_t)vlen;
		plen = 12;
	} else {
		/* src, dst, 32-bit length, 3 zero, 112 */
		memcpy(buf, pkt + 8, 32);
		buf[32] = 0;
		buf[33] = 0;
		buf[34] = (uint8_t)(vlen >> 8);
		buf[35] = (uint8_t)vlen;
		buf[36] = buf[37] = buf[38] = 0;
		buf[39] = 112;
		plen = 40;
	}
	memcpy(buf + plen, msg, vlen);
	buf[plen + 6] = buf[plen + 7] = 0;
	return rfc1071(buf, plen + vlen);
}

/* Re-seal a crafted packet: VRRP checksum (and IPv4 header checksum). */
static void reseal(uint8_t *pkt, size_t len)
{
	size_t hlen = (pkt[0] >> 4) == 4 ? (size_t)(pkt[0] & 0xf) * 4 : 40;
	uint16_t c = expected_csum(pkt, len);

	pkt[hlen + 6] = (uint8_t)(c >> 8);
	pkt[hlen + 7] = (uint8_t)c;
	if ((pkt[0] >> 4) == 4) {
		pkt[10] = pkt[11] = 0;
		c = rfc1071(pkt, hlen);
		pkt[10] = (uint8_t)(c >> 8);
		pkt[11] = (uint8_t)c;
	}
}

/* ---- sample adverts ---- */

static struct vrrp_advert adv_v3_v4(void)
{
	struct vrrp_advert a;

	memset(&a, 0, sizeof(a));
	a.version = 3;
	a.vrid = 51;
	a.priority = 100;
	a.advert_int_cs = 100;
	a.family = EDGELB_AF_INET;
	a.n_addrs = 1;
	a.addrs[0] = v4("192.168.200.1");
	return a;
}

static struct vrrp_advert adv_v3_v6(void)
{
	struct vrrp_advert a;

	memset(&a, 0, sizeof(a));
	a.version = 3;
	a.vrid = 7;
	a.priority = 254;
	a.advert_int_cs = 1; /* 10 ms */
	a.family = EDGELB_AF_INET6;
	a.n_addrs = 2;
	a.addrs[0] = v6("fe80::1");
	a.addrs[1] = v6("2001:db8::1:2:3");
	return a;
}

static struct vrrp_advert adv_v2(void)
{
	struct vrrp_advert a;

	memset(&a, 0, sizeof(a));
	a.version = 2;
	a.vrid = 51;
	a.priority = 100;
	a.advert_int_cs = 100;
	a.family = EDGELB_AF_INET;
	a.n_addrs = 1;
	a.addrs[0] = v4("192.168.200.1");
	a.auth_type = VRRP_AUTH_PASS;
	strcpy(a.auth_pass, "1111");
	return a;
}

/* One valid packet of each kind, with its addresses. */
struct sample {
	const char *name;
	struct vrrp_advert a;
	union edgelb_addr src, dst;
	uint8_t pkt[512];
	size_t len;
};

static void make_sample(struct sample *s, int which)
{
	int n;

	memset(s, 0, sizeof(*s));
	switch (which) {
	case 0:
		s->name = "v3 IPv4";
		s->a = adv_v3_v4();
		s->src = v4("192.168.200.10");
		s->dst = v4("224.0.0.18");
		break;
	case 1:
		s->name = "v3 IPv6";
		s->a = adv_v3_v6();
		s->src = v6("fe80::a");
		s->dst = v6("ff02::12");
		break;
	default:
		s->name = "v2 password";
		s->a = adv_v2();
		s->src = v4("192.168.200.10");
		s->dst = v4("224.0.0.18");
		break;
	}
	n = vrrp_packet_build_ip(&s->a, &s->src, &s->dst, s->pkt, sizeof(s->pkt));
	assert_true(n > 0);
	s->len = (size_t)n;
}

#define N_SAMPLES 3

static void assert_same_advert(const struct vrrp_advert *want, const struct vrrp_advert *got)
{
	assert_int_equal(got->version, want->version);
	assert_int_equal(got->vrid, want->vrid);
	assert_int_equal(got->priority, want->priority);
	assert_int_equal(got->advert_int_cs, want->advert_int_cs);
	assert_int_equal(got->family, want->family);
	assert_int_equal(got->n_addrs, want->n_addrs);
	assert_memory_equal(got->addrs, want->addrs, want->n_addrs * sizeof(want->addrs[0]));
	assert_int_equal(got->auth_type, want->auth_type);
	assert_string_equal(got->auth_pass, want->auth_pass);
}

/* ---- round trips ---- */

static void test_round_trips(void **state)
{
	(void)state;
	for (int i = 0; i < N_SAMPLES; i++) {
		struct sample s;
		struct vrrp_advert out;
		enum vrrp_reject why = VRRP_REJECT_MAX;

		make_sample(&s, i);
		assert_int_equal(vrrp_packet_parse(s.pkt, s.len, s.a.family, &out, &why), 0);
		assert_int_equal(why, VRRP_REJECT_NONE);
		assert_same_advert(&s.a, &out);
		assert_memory_equal(out.src.bytes, s.src.bytes, 16);
		assert_memory_equal(out.dst.bytes, s.dst.bytes, 16);
		assert_int_equal(out.dst_group, 1);
		/* the checksum is the one our own RFC 1071 sum finds */
		{
			size_t hlen = s.a.family == EDGELB_AF_INET ? 20 : 40;
			uint16_t c = expected_csum(s.pkt, s.len);

			assert_int_equal(s.pkt[hlen + 6], c >> 8);
			assert_int_equal(s.pkt[hlen + 7], c & 0xff);
		}
	}
}

static void test_round_trip_v2_no_auth_and_unicast(void **state)
{
	struct vrrp_advert a = adv_v2(), out;
	union edgelb_addr src = v4("10.0.0.1"), dst = v4("10.0.0.2");
	uint8_t pkt[128];
	int n;

	(void)state;
	a.auth_type = VRRP_AUTH_NONE;
	a.auth_pass[0] = 0;
	a.advert_int_cs = 25500; /* 255 s, the v2 maximum */
	n = vrrp_packet_build_ip(&a, &src, &dst, pkt, sizeof(pkt));
	assert_int_equal(n, 20 + 8 + 4 + 8);
	assert_int_equal(vrrp_packet_parse(pkt, (size_t)n, EDGELB_AF_INET, &out, NULL), 0);
	assert_same_advert(&a, &out);
	assert_int_equal(out.dst_group, 0);
	/* Ethernet padding after the IP packet is ignored */
	memset(pkt + n, 0xee, 20);
	assert_int_equal(vrrp_packet_parse(pkt, (size_t)n + 20, EDGELB_AF_INET, &out, NULL), 0);
}

static void test_many_addresses(void **state)
{
	struct vrrp_advert a = adv_v3_v4(), out;
	union edgelb_addr src = v4("10.0.0.1"), dst = v4("224.0.0.18");
	static uint8_t pkt[2048];
	int n;

	(void)state;
	a.n_addrs = 255;
	for (int i = 0; i < 255; i++) {
		a.addrs[i].v4 = htonl(0x0a000000u + (uint32_t)i);
	}
	a.advert_int_cs = VRRP_V3_MAX_INT_CS;
	n = vrrp_packet_build_ip(&a, &src, &dst, pkt, sizeof(pkt));
	assert_int_equal(n, 20 + 8 + 255 * 4);
	assert_int_equal(vrrp_packet_parse(pkt, (size_t)n, EDGELB_AF_INET, &out, NULL), 0);
	assert_same_advert(&a, &out);
}

/* ---- byte-exact packets, laid out by hand ---- */

/*
 * keepalived-style VRRPv3 IPv4 advert: vrid 51, priority 100, interval
 * 100 cs, VIP 192.168.200.1, from 192.168.200.10 to 224.0.0.18.
 * Checksum by hand: pseudo-header words c0a8 c80a e000 0012 0070 000c,
 * message words 3133 6401 0064 c0a8 c801; sum 0x48781, folded 0x8785,
 * complement 0x787a.
 */
static const uint8_t known_v3_v4[] = {
	0x31, 51, 100, 1,	/* version 3, type 1, vrid, prio, count */
	0x00, 100, 0x78, 0x7a,	/* rsvd + 100 cs, checksum */
	192, 168, 200, 1,	/* VIP */
};

/* The same in VRRPv2 with password "1111", interval 1 s; no pseudo-header. */
static const uint8_t known_v2[] = {
	0x21, 51, 100, 1,	/* version 2, type 1, vrid, prio, count */
	1, 1, 0x8e, 0xbd,	/* auth type 1, 1 s, checksum */
	192, 168, 200, 1,
	'1', '1', '1', '1', 0, 0, 0, 0,
};

static const uint8_t known_ip4_hdr[] = {
	0x45, 0xc0, 0, 32, 0, 0, 0, 0, 255, 112, 0, 0, /* checksum below */
	192, 168, 200, 10, 224, 0, 0, 18,
};

static void test_known_v3_v4(void **state)
{
	struct vrrp_advert a = adv_v3_v4(), out;
	union edgelb_addr src = v4("192.168.200.10"), dst = v4("224.0.0.18");
	uint8_t buf[64], pkt[64];
	uint16_t c;

	(void)state;
	/* the hand sum agrees with our RFC 1071 over pseudo-header + message */
	{
		uint8_t ph[12 + sizeof(known_v3_v4)] = { 192, 168, 200, 10, 224, 0, 0, 18,
							 0, 112, 0, sizeof(known_v3_v4) };

		memcpy(ph + 12, known_v3_v4, sizeof(known_v3_v4));
		ph[12 + 6] = ph[12 + 7] = 0;
		assert_int_equal(rfc1071(ph, sizeof(ph)), 0x787a);
	}
	assert_int_equal(vrrp_packet_build(&a, &src, &dst, buf, sizeof(buf)),
			 sizeof(known_v3_v4));
	assert_memory_equal(buf, known_v3_v4, sizeof(known_v3_v4));

	/* and the IP packet around it parses back */
	memcpy(pkt, known_ip4_hdr, 20);
	memcpy(pkt + 20, known_v3_v4, sizeof(known_v3_v4));
	c = rfc1071(pkt, 20);
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	assert_int_equal(vrrp_packet_build_ip(&a, &src, &dst, buf, sizeof(buf)), 32);
	assert_memory_equal(buf, pkt, 32);
	assert_int_equal(vrrp_packet_parse(pkt, 32, EDGELB_AF_INET, &out, NULL), 0);
	assert_same_advert(&a, &out);
}

static void test_known_v2(void **state)
{
	struct vrrp_advert a = adv_v2(), out;
	union edgelb_addr src = v4("192.168.200.10"), dst = v4("224.0.0.18");
	union edgelb_addr other = v4("10.9.8.7");
	uint8_t buf[64], pkt[64];

	(void)state;
	{
		uint8_t m[sizeof(known_v2)];

		memcpy(m, known_v2, sizeof(m));
		m[6] = m[7] = 0;
		assert_int_equal(rfc1071(m, sizeof(m)), 0x8ebd);
	}
	assert_int_equal(vrrp_packet_build(&a, &src, &dst, buf, sizeof(buf)), sizeof(known_v2));
	assert_memory_equal(buf, known_v2, sizeof(known_v2));
	/* v2 ignores the addresses: same bytes for others, or none */
	assert_int_equal(vrrp_packet_build(&a, &other, &other, buf, sizeof(buf)),
			 sizeof(known_v2));
	assert_memory_equal(buf, known_v2, sizeof(known_v2));
	assert_int_equal(vrrp_packet_build(&a, NULL, NULL, buf, sizeof(buf)), sizeof(known_v2));
	assert_memory_equal(buf, known_v2, sizeof(known_v2));

	memcpy(pkt, known_ip4_hdr, 20);
	pkt[3] = 20 + sizeof(known_v2);
	memcpy(pkt + 20, known_v2, sizeof(known_v2));
	assert_int_equal(vrrp_packet_parse(pkt, 20 + sizeof(known_v2), EDGELB_AF_INET, &out, NULL),
			 0);
	assert_same_advert(&a, &out);
	/* an 8-character password fills the field with no NUL */
	memcpy(pkt + 20 + 12, "abcdefgh", 8);
	reseal(pkt, 20 + sizeof(known_v2));
	assert_int_equal(vrrp_packet_parse(pkt, 20 + sizeof(known_v2), EDGELB_AF_INET, &out, NULL),
			 0);
	assert_string_equal(out.auth_pass, "abcdefgh");
}

/* v3 IPv6: pseudo-header of 40 bytes, checked against a hand-made one. */
static void test_known_v3_v6_checksum(void **state)
{
	struct vrrp_advert a = adv_v3_v6();
	union edgelb_addr src = v6("fe80::a"), dst = v6("ff02::12");
	uint8_t buf[64], ph[40 + 40];
	int n;

	(void)state;
	n = vrrp_packet_build(&a, &src, &dst, buf, sizeof(buf));
	assert_int_equal(n, 8 + 2 * 16);
	assert_int_equal(buf[0], 0x31);
	assert_int_equal(buf[1], 7);
	assert_int_equal(buf[2], 254);
	assert_int_equal(buf[3], 2);
	assert_int_equal(buf[4], 0x00);
	assert_int_equal(buf[5], 0x01);
	memset(ph, 0, sizeof(ph));
	memcpy(ph, src.bytes, 16);
	memcpy(ph + 16, dst.bytes, 16);
	ph[35] = 40;
	ph[39] = 112;
	memcpy(ph + 40, buf, 40);
	ph[46] = ph[47] = 0;
	{
		uint16_t c = rfc1071(ph, sizeof(ph));

		assert_int_equal(buf[6], c >> 8);
		assert_int_equal(buf[7], c & 0xff);
	}
}

/* A v3 checksum covers the pseudo-header; a v2 one does not. */
static void test_pseudo_header_coverage(void **state)
{
	(void)state;
	for (int i = 0; i < N_SAMPLES; i++) {
		struct sample s;
		struct vrrp_advert out;
		enum vrrp_reject why;
		size_t off, alen;

		make_sample(&s, i);
		off = s.a.family == EDGELB_AF_INET ? 12 : 8;
		alen = s.a.family == EDGELB_AF_INET ? 4 : 16;
		for (size_t b = off; b < off + 2 * alen; b++) {
			uint8_t save = s.pkt[b];

			s.pkt[b] ^= 0x01;
			if (s.a.version == 3) {
				assert_int_equal(vrrp_packet_parse(s.pkt, s.len, s.a.family, &out,
								   &why),
						 -EINVAL);
				assert_int_equal(why, VRRP_REJECT_BAD_CHECKSUM);
			} else {
				assert_int_equal(vrrp_packet_parse(s.pkt, s.len, s.a.family, &out,
								   &why),
						 0);
			}
			s.pkt[b] = save;
		}
	}
}

/* Any single-bit error in the VRRP message is refused. */
static void test_bit_flips(void **state)
{
	(void)state;
	for (int i = 0; i < N_SAMPLES; i++) {
		struct sample s;
		struct vrrp_advert out;
		size_t hlen;

		make_sample(&s, i);
		hlen = s.a.family == EDGELB_AF_INET ? 20 : 40;
		for (size_t b = hlen; b < s.len; b++) {
			for (int bit = 0; bit < 8; bit++) {
				s.pkt[b] ^= (uint8_t)(1u << bit);
				/* even v3's ignored reserved bits: the checksum covers them */
				assert_int_equal(vrrp_packet_parse(s.pkt, s.len, s.a.family, &out,
								   NULL),
						 -EINVAL);
				s.pkt[b] ^= (uint8_t)(1u << bit);
			}
		}
	}
}

/* v3's 4 reserved bits are sent as zero and ignored on receipt. */
static void test_v3_reserved_bits(void **state)
{
	struct sample s;
	struct vrrp_advert out;

	(void)state;
	make_sample(&s, 0);
	s.pkt[20 + 4] |= 0xf0;
	reseal(s.pkt, s.len);
	assert_int_equal(vrrp_packet_parse(s.pkt, s.len, EDGELB_AF_INET, &out, NULL), 0);
	assert_int_equal(out.advert_int_cs, 100);
}

/* ---- every rejection, from a crafted packet ---- */

struct reject_case {
	const char *name;
	int sample;		/* 0 v3 IPv4, 1 v3 IPv6, 2 v2 */
	uint8_t family;		/* 0 = the sample's */
	int off;		/* byte to set, from the start of the IP packet; -1 none */
	uint8_t val;
	int vrrp_off;		/* byte to set in the VRRP message; -1 none */
	uint8_t vrrp_val;
	int reseal;		/* recompute the checksums afterwards */
	int len_delta;		/* bytes cut (<0) or added (>0) as told by the IP length */
	enum vrrp_reject why;
};

static const struct reject_case rejects[] = {
	{ "short", 0, 0, -1, 0, -1, 0, 0, -1000, VRRP_REJECT_TRUNCATED },
	{ "v6 packet on a v4 socket", 1, EDGELB_AF_INET, -1, 0, -1, 0, 0, 0,
	  VRRP_REJECT_BAD_IP_VERSION },
	{ "v4 packet on a v6 socket", 0, EDGELB_AF_INET6, -1, 0, -1, 0, 0, 0,
	  VRRP_REJECT_BAD_IP_VERSION },
	{ "unknown family", 0, 99, -1, 0, -1, 0, 0, 0, VRRP_REJECT_BAD_IP_VERSION },
	{ "IHL 4", 0, 0, 0, 0x44, -1, 0, 0, 0, VRRP_REJECT_BAD_IP_HEADER },
	{ "IPv4 total length < IHL", 0, 0, 3, 8, -1, 0, 0, 0, VRRP_REJECT_BAD_IP_HEADER },
	{ "IPv4 fragment (MF)", 0, 0, 6, 0x20, -1, 0, 0, 0, VRRP_REJECT_BAD_IP_HEADER },
	{ "IPv4 fragment (offset)", 0, 0, 7, 0x01, -1, 0, 0, 0, VRRP_REJECT_BAD_IP_HEADER },
	{ "IPv6 jumbo", 1, 0, 5, 0, -1, 0, 0, 0, VRRP_REJECT_BAD_IP_HEADER },
	{ "IPv4 protocol 17", 0, 0, 9, 17, -1, 0, 0, 0, VRRP_REJECT_BAD_PROTOCOL },
	{ "IPv6 hop-by-hop header", 1, 0, 6, 0, -1, 0, 0, 0, VRRP_REJECT_BAD_PROTOCOL },
	{ "IPv4 TTL 254", 0, 0, 8, 254, -1, 0, 0, 0, VRRP_REJECT_BAD_TTL },
	{ "IPv6 hop limit 1", 1, 0, 7, 1, -1, 0, 0, 0, VRRP_REJECT_BAD_TTL },
	{ "VRRP shorter than its header", 0, 0, 3, 20 + 7, -1, 0, 0, 0, VRRP_REJECT_TRUNCATED },
	{ "VRRP version 1", 0, 0, -1, 0, 0, 0x11, 1, 0, VRRP_REJECT_BAD_VERSION },
	{ "VRRP version 4", 0, 0, -1, 0, 0, 0x41, 1, 0, VRRP_REJECT_BAD_VERSION },
	{ "VRRPv2 over IPv6", 1, 0, -1, 0, 0, 0x21, 1, 0, VRRP_REJECT_BAD_VERSION },
	{ "type 2", 0, 0, -1, 0, 0, 0x32, 1, 0, VRRP_REJECT_BAD_TYPE },
	{ "v3 count 2 for 1 address", 0, 0, -1, 0, 3, 2, 1, 0, VRRP_REJECT_BAD_LENGTH },
	{ "v3 count 0 for 1 address", 0, 0, -1, 0, 3, 0, 1, 0, VRRP_REJECT_BAD_LENGTH },
	{ "v3 IPv6 count 3 for 2", 1, 0, -1, 0, 3, 3, 1, 0, VRRP_REJECT_BAD_LENGTH },
	{ "v3 trailing bytes", 0, 0, -1, 0, -1, 0, 1, 4, VRRP_REJECT_BAD_LENGTH },
	{ "v2 without auth data", 2, 0, -1, 0, -1, 0, 1, -8, VRRP_REJECT_BAD_LENGTH },
	{ "v3 IPv4 checksum", 0, 0, -1, 0, 7, 0x00, 0, 0, VRRP_REJECT_BAD_CHECKSUM },
	{ "v3 IPv6 checksum", 1, 0, -1, 0, 6, 0x00, 0, 0, VRRP_REJECT_BAD_CHECKSUM },
	{ "v2 checksum", 2, 0, -1, 0, 2, 99, 0, 0, VRRP_REJECT_BAD_CHECKSUM },
	{ "VRID 0", 0, 0, -1, 0, 1, 0, 1, 0, VRRP_REJECT_BAD_VRID },
	{ "v3 interval 0", 0, 0, -1, 0, 5, 0, 1, 0, VRRP_REJECT_BAD_INTERVAL },
	{ "v3 reserved bits set: ignored (0xf064 is 100 cs)", 0, 0, -1, 0, 4, 0xf0, 1, 0,
	  VRRP_REJECT_NONE },
	{ "v2 interval 0", 2, 0, -1, 0, 5, 0, 1, 0, VRRP_REJECT_BAD_INTERVAL },
	{ "v2 auth type 2 (AH)", 2, 0, -1, 0, 4, 2, 1, 0, VRRP_REJECT_BAD_AUTH_TYPE },
	{ "v2 auth type 255", 2, 0, -1, 0, 4, 255, 1, 0, VRRP_REJECT_BAD_AUTH_TYPE },
};

static void test_rejects(void **state)
{
	int seen[VRRP_REJECT_MAX] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		const struct reject_case *c = &rejects[i];
		struct sample s;
		struct vrrp_advert out;
		enum vrrp_reject why = VRRP_REJECT_MAX;
		size_t hlen, len;
		int ret;

		make_sample(&s, c->sample);
		hlen = s.a.family == EDGELB_AF_INET ? 20 : 40;
		len = s.len;
		if (c->len_delta == -1000) {
			len = 10;
		} else if (c->len_delta) {
			len = (size_t)((long)s.len + c->len_delta);
			if (s.a.family == EDGELB_AF_INET) {
				s.pkt[2] = (uint8_t)(len >> 8);
				s.pkt[3] = (uint8_t)len;
			} else {
				s.pkt[4] = (uint8_t)((len - 40) >> 8);
				s.pkt[5] = (uint8_t)(len - 40);
			}
		}
		if (c->vrrp_off >= 0)
			s.pkt[hlen + (size_t)c->vrrp_off] = c->vrrp_val;
		if (c->reseal)
			reseal(s.pkt, len);
		if (c->off >= 0)
			s.pkt[c->off] = c->val;
		ret = vrrp_packet_parse(s.pkt, len, c->family ? c->family : s.a.family, &out,
					&why);
		if (why != c->why)
			fail_msg("%s: got %s, want %s", c->name, vrrp_reject_name(why),
				 vrrp_reject_name(c->why));
		assert_int_equal(ret, c->why == VRRP_REJECT_NONE ? 0 : -EINVAL);
		seen[c->why]++;
	}
	/* each reason has a crafted packet; a new reason needs one */
	for (int r = 0; r < VRRP_REJECT_MAX; r++)
		if (!seen[r])
			fail_msg("no crafted packet for %s", vrrp_reject_name((enum vrrp_reject)r));
}

/* Every cut of a valid packet is "truncated", never a crash or an accept. */
static void test_truncations(void **state)
{
	(void)state;
	for (int i = 0; i < N_SAMPLES; i++) {
		struct sample s;

		make_sample(&s, i);
		for (size_t n = 0; n < s.len; n++) {
			/* a fresh copy of exactly n bytes, so ASan sees overreads */
			uint8_t *cut = malloc(n ? n : 1);
			struct vrrp_advert out;
			enum vrrp_reject why = VRRP_REJECT_MAX;

			assert_non_null(cut);
			memcpy(cut, s.pkt, n);
			assert_int_equal(vrrp_packet_parse(cut, n, s.a.family, &out, &why), -EINVAL);
			if (why != VRRP_REJECT_TRUNCATED)
				fail_msg("%s cut at %zu: %s", s.name, n, vrrp_reject_name(why));
			free(cut);
		}
	}
}

static void test_reject_names(void **state)
{
	(void)state;
	assert_string_equal(vrrp_reject_name(VRRP_REJECT_BAD_TTL), "bad_ttl");
	assert_string_equal(vrrp_reject_name(VRRP_REJECT_BAD_CHECKSUM), "bad_checksum");
	assert_string_equal(vrrp_reject_name(VRRP_REJECT_BAD_VERSION), "bad_version");
	assert_string_equal(vrrp_reject_name(VRRP_REJECT_TRUNCATED), "truncated");
	assert_string_equal(vrrp_reject_name(VRRP_REJECT_MAX), "?");
	assert_string_equal(vrrp_reject_name((enum vrrp_reject)-1), "?");
	for (int r = 0; r < VRRP_REJECT_MAX; r++) {
		const char *n = vrrp_reject_name((enum vrrp_reject)r);

		assert_string_not_equal(n, "?");
		assert_null(strchr(n, ' '));
		for (int q = 0; q < r; q++)
			assert_string_not_equal(n, vrrp_reject_name((enum vrrp_reject)q));
	}
}

/* ---- build refuses what it cannot encode ---- */

static void test_build_errors(void **state)
{
	union edgelb_addr s4 = v4("10.0.0.1"), d4 = v4("224.0.0.18");
	struct vrrp_advert a;
	uint8_t buf[64];

	(void)state;
#define EXPECT_BUILD(mutation, err)                                                  \
	do {                                                                         \
		a = adv_v3_v4();                                                     \
		mutation;                                                            \
		assert_int_equal(vrrp_packet_build(&a, &s4, &d4, buf, sizeof(buf)), err); \
	} while (0)
	EXPECT_BUILD(a.version = 1, -EINVAL);
	EXPECT_BUILD(a.version = 4, -EINVAL);
	EXPECT_BUILD(a.vrid = 0, -EINVAL);
	EXPECT_BUILD(a.advert_int_cs = 0, -EINVAL);
	EXPECT_BUILD(a.advert_int_cs = 4096, -EINVAL);
	EXPECT_BUILD(a.family = 0, -EINVAL);
	EXPECT_BUILD((a.version = 2, a.family = EDGELB_AF_INET6), -EINVAL);
	EXPECT_BUILD((a.version = 2, a.advert_int_cs = 150), -EINVAL);
	EXPECT_BUILD((a.version = 2, a.advert_int_cs = 25600), -EINVAL);
	EXPECT_BUILD((a.version = 2, a.auth_type = 2), -EINVAL);
	EXPECT_BUILD(a.version = 2, 8 + 4 + 8);
	EXPECT_BUILD(a.advert_int_cs = 4095, 8 + 4);
#undef EXPECT_BUILD
	a = adv_v3_v4();
	assert_int_equal(vrrp_packet_build(&a, NULL, &d4, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vrrp_packet_build(&a, &s4, NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vrrp_packet_build(NULL, &s4, &d4, buf, sizeof(buf)), -EINVAL);
	/* every short buffer, for both builders; nothing written past it */
	for (size_t n = 0; n < 12; n++) {
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(vrrp_packet_build(&a, &s4, &d4, buf, n), -ENOSPC);
		assert_int_equal(buf[n], 0xaa);
	}
	for (size_t n = 0; n < 32; n++) {
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(vrrp_packet_build_ip(&a, &s4, &d4, buf, n), -ENOSPC);
		assert_int_equal(buf[n], 0xaa);
	}
	assert_int_equal(vrrp_packet_build(&a, &s4, &d4, buf, 12), 12);
	assert_int_equal(vrrp_packet_build_ip(&a, &s4, &d4, buf, 32), 32);
	assert_int_equal(vrrp_packet_build_ip(&a, NULL, &d4, buf, 32), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_round_trip_v2_no_auth_and_unicast),
		cmocka_unit_test(test_many_addresses),
		cmocka_unit_test(test_known_v3_v4),
		cmocka_unit_test(test_known_v2),
		cmocka_unit_test(test_known_v3_v6_checksum),
		cmocka_unit_test(test_pseudo_header_coverage),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_v3_reserved_bits),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_reject_names),
		cmocka_unit_test(test_build_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
