// SPDX-License-Identifier: GPL-2.0-only
/*
 * VRRP advertisement codec (packet.h): parse a received IP packet, build
 * the VRRP message. Every field is read and written byte by byte, so no
 * alignment or host byte order is assumed about the buffers.
 */
#include <errno.h>
#include <string.h>

#include "packet.h"

#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40

/* n_addrs is the wire's 8-bit count: every count fits, none to check. */
_Static_assert(VRRP_MAX_ADDRS == UINT8_MAX, "addrs[] holds every count");

static const char *const reject_names[VRRP_REJECT_MAX] = {
	[VRRP_REJECT_NONE] = "none",
	[VRRP_REJECT_TRUNCATED] = "truncated",
	[VRRP_REJECT_BAD_IP_VERSION] = "bad_ip_version",
	[VRRP_REJECT_BAD_IP_HEADER] = "bad_ip_header",
	[VRRP_REJECT_BAD_PROTOCOL] = "bad_protocol",
	[VRRP_REJECT_BAD_TTL] = "bad_ttl",
	[VRRP_REJECT_BAD_VERSION] = "bad_version",
	[VRRP_REJECT_BAD_TYPE] = "bad_type",
	[VRRP_REJECT_BAD_LENGTH] = "bad_length",
	[VRRP_REJECT_BAD_CHECKSUM] = "bad_checksum",
	[VRRP_REJECT_BAD_VRID] = "bad_vrid",
	[VRRP_REJECT_BAD_INTERVAL] = "bad_interval",
	[VRRP_REJECT_BAD_AUTH_TYPE] = "bad_auth_type",
};

const char *vrrp_reject_name(enum vrrp_reject why)
{
	if ((unsigned int)why >= VRRP_REJECT_MAX || !reject_names[why])
		return "?";
	return reject_names[why];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071: add bytes to a running sum as big-endian 16-bit words. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t addr_len(uint8_t family)
{
	return family == EDGELB_AF_INET6 ? 16 : 4;
}

/*
 * The checksum a VRRP message of vlen bytes should carry, computed with
 * its checksum field taken as zero. The message length is at most 64 KiB,
 * so the 32-bit sum cannot overflow.
 */
static uint16_t vrrp_csum(const uint8_t *msg, size_t vlen, uint8_t version, uint8_t family,
			  const union edgelb_addr *src, const union edgelb_addr *dst)
{
	uint8_t pseudo[IPV6_HDR_LEN];
	size_t plen = 0;
	uint32_t sum;

	if (version == 3) {
		size_t alen = addr_len(family);

		memset(pseudo, 0, sizeof(pseudo));
		memcpy(pseudo, src->bytes, alen);
		memcpy(pseudo + alen, dst->bytes, alen);
		if (family == EDGELB_AF_INET6) {
			/* src, dst, 32-bit upper-layer length, 3 zero, next header */
			pseudo[32] = (uint8_t)(vlen >> 24);
			pseudo[33] = (uint8_t)(vlen >> 16);
			put16(pseudo + 34, (uint16_t)vlen);
			pseudo[39] = VRRP_IPPROTO;
			plen = 40;
		} else {
			/* src, dst, zero, protocol, 16-bit length */
			pseudo[9] = VRRP_IPPROTO;
			put16(pseudo + 10, (uint16_t)vlen);
			plen = 12;
		}
	}
	sum = csum_add(0, pseudo, plen);
	sum = csum_add(sum, msg, 6); /* skip the checksum field */
	sum = csum_add(sum, msg + 8, vlen - 8);
	return csum_fold(sum);
}

static int reject(enum vrrp_reject *why, enum vrrp_reject reason)
{
	if (why)
		*why = reason;
	return reason == VRRP_REJECT_NONE ? 0 : -EINVAL;
}

/*
 * Find the VRRP message in an IP packet; fill out's family, src, dst and
 * dst_group. Returns a reason, and the message and its length.
 */
static enum vrrp_reject parse_ip(const uint8_t *p, size_t len, uint8_t family,
				 struct vrrp_advert *out, const uint8_t **msg, size_t *vlen)
{
	size_t ihl, total;

	if (len < 1)
		return VRRP_REJECT_TRUNCATED;
	if (family == EDGELB_AF_INET) {
		if (p[0] >> 4 != 4)
			return VRRP_REJECT_BAD_IP_VERSION;
		if (len < IPV4_HDR_MIN)
			return VRRP_REJECT_TRUNCATED;
		ihl = (size_t)(p[0] & 0x0f) * 4;
		total = get16(p + 2);
		if (ihl < IPV4_HDR_MIN || total < ihl)
			return VRRP_REJECT_BAD_IP_HEADER;
		if (len < total || len < ihl)
			return VRRP_REJECT_TRUNCATED;
		/* MF set or a non-zero offset: the kernel reassembles, so a
		 * fragment here is forged */
		if (get16(p + 6) & 0x3fff)
			return VRRP_REJECT_BAD_IP_HEADER;
		if (p[9] != VRRP_IPPROTO)
			return VRRP_REJECT_BAD_PROTOCOL;
		if (p[8] != VRRP_TTL)
			return VRRP_REJECT_BAD_TTL;
		memset(&out->src, 0, sizeof(out->src));
		memset(&out->dst, 0, sizeof(out->dst));
		memcpy(out->src.bytes, p + 12, 4);
		memcpy(out->dst.bytes, p + 16, 4);
		out->dst_group = !memcmp(out->dst.bytes, VRRP_GROUP_V4, 4);
		*msg = p + ihl;
		*vlen = total - ihl;
	} else if (family == EDGELB_AF_INET6) {
		if (p[0] >> 4 != 6)
			return VRRP_REJECT_BAD_IP_VERSION;
		if (len < IPV6_HDR_LEN)
			return VRRP_REJECT_TRUNCATED;
		total = get16(p + 4); /* payload length */
		if (total == 0)	      /* jumbogram: not VRRP */
			return VRRP_REJECT_BAD_IP_HEADER;
		if (len - IPV6_HDR_LEN < total)
			return VRRP_REJECT_TRUNCATED;
		if (p[6] != VRRP_IPPROTO)
			return VRRP_REJECT_BAD_PROTOCOL;
		if (p[7] != VRRP_TTL)
			return VRRP_REJECT_BAD_TTL;
		memcpy(out->src.bytes, p + 8, 16);
		memcpy(out->dst.bytes, p + 24, 16);
		out->dst_group = !memcmp(out->dst.bytes, VRRP_GROUP_V6, 16);
		*msg = p + IPV6_HDR_LEN;
		*vlen = total;
	} else {
		return VRRP_REJECT_BAD_IP_VERSION;
	}
	out->family = family;
	if (*vlen < VRRP_HDR_LEN)
		return VRRP_REJECT_TRUNCATED;
	return VRRP_REJECT_NONE;
}

int vrrp_packet_parse(const void *ip_packet, size_t len, uint8_t family,
		      struct vrrp_advert *out, enum vrrp_reject *why)
{
	const uint8_t *msg = NULL;
	size_t vlen = 0, want;
	enum vrrp_reject r;
	uint8_t version;

	if (!ip_packet || !out)
		return reject(why, VRRP_REJECT_TRUNCATED);
	r = parse_ip(ip_packet, len, family, out, &msg, &vlen);
	if (r != VRRP_REJECT_NONE)
		return reject(why, r);

	version = msg[0] >> 4;
	if (version != 3 && !(version == 2 && family == EDGELB_AF_INET))
		return reject(why, VRRP_REJECT_BAD_VERSION);
	if ((msg[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return reject(why, VRRP_REJECT_BAD_TYPE);
	want = VRRP_HDR_LEN + (size_t)msg[3] * addr_len(family) +
	       (version == 2 ? VRRP_V2_AUTH_LEN : 0);
	if (vlen != want)
		return reject(why, VRRP_REJECT_BAD_LENGTH);
	if (get16(msg + 6) != vrrp_csum(msg, vlen, version, family, &out->src, &out->dst))
		return reject(why, VRRP_REJECT_BAD_CHECKSUM);
	if (msg[1] == 0)
		return reject(why, VRRP_REJECT_BAD_VRID);

	out->version = version;
	out->vrid = msg[1];
	out->priority = msg[2];
	out->n_addrs = msg[3];
	out->auth_type = VRRP_AUTH_NONE;
	memset(out->auth_pass, 0, sizeof(out->auth_pass));
	if (version == 3) {
		out->advert_int_cs = get16(msg + 4) & 0x0fff; /* 4 reserved bits */
	} else {
		out->advert_int_cs = (uint16_t)(msg[5] * 100);
		if (msg[4] != VRRP_AUTH_NONE && msg[4] != VRRP_AUTH_PASS)
			return reject(why, VRRP_REJECT_BAD_AUTH_TYPE);
		out->auth_type = msg[4];
		/* type 0: authentication data ignored on receipt (RFC 3768) */
		if (out->auth_type == VRRP_AUTH_PASS)
			memcpy(out->auth_pass, msg + want - VRRP_V2_AUTH_LEN, VRRP_V2_AUTH_LEN);
	}
	if (out->advert_int_cs == 0)
		return reject(why, VRRP_REJECT_BAD_INTERVAL);
	for (size_t i = 0; i < out->n_addrs; i++) {
		memset(&out->addrs[i], 0, sizeof(out->addrs[i]));
		memcpy(out->addrs[i].bytes, msg + VRRP_HDR_LEN + i * addr_len(family),
		       addr_len(family));
	}
	return reject(why, VRRP_REJECT_NONE);
}

/* The message length of a valid a, or -EINVAL. */
static int advert_len(const struct vrrp_advert *a, const union edgelb_addr *src,
		      const union edgelb_addr *dst)
{
	if (!a || a->vrid == 0 || a->advert_int_cs == 0)
		return -EINVAL;
	if (a->family != EDGELB_AF_INET && a->family != EDGELB_AF_INET6)
		return -EINVAL;
	if (a->version == 3) {
		if (a->advert_int_cs > VRRP_V3_MAX_INT_CS || !src || !dst)
			return -EINVAL;
		return VRRP_HDR_LEN + a->n_addrs * (int)addr_len(a->family);
	}
	if (a->version != 2 || a->family != EDGELB_AF_INET)
		return -EINVAL;
	if (a->advert_int_cs % 100 || a->advert_int_cs / 100 > 255)
		return -EINVAL;
	if (a->auth_type != VRRP_AUTH_NONE && a->auth_type != VRRP_AUTH_PASS)
		return -EINVAL;
	return VRRP_HDR_LEN + a->n_addrs * 4 + VRRP_V2_AUTH_LEN;
}

int vrrp_packet_build(const struct vrrp_advert *a, const union edgelb_addr *src,
		      const union edgelb_addr *dst, void *buf, size_t len)
{
	size_t alen;
	uint8_t *msg = buf;
	int vlen = advert_len(a, src, dst);

	if (vlen < 0)
		return vlen;
	if (!buf || len < (size_t)vlen)
		return -ENOSPC;
	alen = addr_len(a->family);
	memset(msg, 0, (size_t)vlen);
	msg[0] = (uint8_t)(a->version << 4 | VRRP_TYPE_ADVERT);
	msg[1] = a->vrid;
	msg[2] = a->priority;
	msg[3] = a->n_addrs;
	if (a->version == 3) {
		put16(msg + 4, a->advert_int_cs);
	} else {
		msg[4] = a->auth_type;
		msg[5] = (uint8_t)(a->advert_int_cs / 100);
		if (a->auth_type == VRRP_AUTH_PASS)
			memcpy(msg + vlen - VRRP_V2_AUTH_LEN, a->auth_pass,
			       strnlen(a->auth_pass, VRRP_V2_AUTH_LEN));
	}
	for (size_t i = 0; i < a->n_addrs; i++)
		memcpy(msg + VRRP_HDR_LEN + i * alen, a->addrs[i].bytes, alen);
	put16(msg + 6, vrrp_csum(msg, (size_t)vlen, a->version, a->family, src, dst));
	return vlen;
}

int vrrp_packet_build_ip(const struct vrrp_advert *a, const union edgelb_addr *src,
			 const union edgelb_addr *dst, void *buf, size_t len)
{
	size_t hlen;
	uint8_t *p = buf;
	int vlen = advert_len(a, src, dst);

	if (vlen < 0 || !src || !dst)
		return -EINVAL;
	hlen = a->family == EDGELB_AF_INET6 ? IPV6_HDR_LEN : IPV4_HDR_MIN;
	if (!buf || len < hlen)
		return -ENOSPC;
	vlen = vrrp_packet_build(a, src, dst, p + hlen, len - hlen);
	if (vlen < 0)
		return vlen;
	memset(p, 0, hlen);
	if (a->family == EDGELB_AF_INET) {
		p[0] = 0x45;
		p[1] = 0xc0; /* precedence "internetwork control", as keepalived */
		put16(p + 2, (uint16_t)(hlen + (size_t)vlen));
		p[8] = VRRP_TTL;
		p[9] = VRRP_IPPROTO;
		memcpy(p + 12, src->bytes, 4);
		memcpy(p + 16, dst->bytes, 4);
		put16(p + 10, csum_fold(csum_add(0, p, hlen)));
	} else {
		p[0] = 0x60;
		put16(p + 4, (uint16_t)vlen);
		p[6] = VRRP_IPPROTO;
		p[7] = VRRP_TTL;
		memcpy(p + 8, src->bytes, 16);
		memcpy(p + 24, dst->bytes, 16);
	}
	return (int)hlen + vlen;
}
