// SPDX-License-Identifier: GPL-2.0-only
/*
 * pktbuild: see pktbuild.h. Headers are written byte by byte in network
 * order rather than through the libc structs, so the builder shares no
 * code (and no bug) with the programs under test.
 */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IP4_HLEN 20
#define IP6_HLEN 40
#define UDP_HLEN 8
#define TCP_HLEN 20
#define ICMP_HLEN 8

#define PROTO_ICMP 1
#define PROTO_IPIP 4
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_IPV6 41
#define PROTO_FRAGMENT 44
#define PROTO_ICMPV6 58

__attribute__((format(printf, 2, 3))) static int pkt_error(struct pkt *p,
							   const char *fmt,
							   ...)
{
	va_list ap;

	if (p->err[0])
		return -1; /* keep the first error: it is the cause */
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
}

/* Appends a layer of @len zero bytes; returns its start or NULL. */
static uint8_t *pkt_push(struct pkt *p, enum pkt_layer_type type, size_t len)
{
	struct pkt_layer *l;

	if (p->err[0])
		return NULL;
	if (p->nlayers >= PKT_MAX_LAYERS) {
		pkt_error(p, "more than %d layers", PKT_MAX_LAYERS);
		return NULL;
	}
	if (len > PKT_MAX - p->len) {
		pkt_error(p, "packet longer than PKT_MAX (%d bytes)", PKT_MAX);
		return NULL;
	}
	l = &p->layer[p->nlayers++];
	memset(l, 0, sizeof(*l));
	l->type = type;
	l->off = (uint16_t)p->len;
	memset(p->data + p->len, 0, len);
	p->len += len;
	return p->data + l->off;
}

static struct pkt_layer *pkt_last(struct pkt *p)
{
	return &p->layer[p->nlayers - 1];
}

int pkt_eth(struct pkt *p, const uint8_t dst[6], const uint8_t src[6],
	    uint16_t ethertype)
{
	uint8_t *b = pkt_push(p, PKT_L_ETH, ETH_HLEN);

	if (!b)
		return -1;
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	pkt_last(p)->next = ethertype;
	return 0;
}

int pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t tci)
{
	uint8_t *b = pkt_push(p, PKT_L_VLAN, VLAN_HLEN);

	if (!b)
		return -1;
	put16(b, tci);
	pkt_last(p)->aux = tpid;
	return 0;
}

static int parse_addr(struct pkt *p, int af, const char *s, uint8_t *out)
{
	if (!s || inet_pton(af, s, out) != 1)
		return pkt_error(p, "bad IPv%d address \"%s\"",
				 af == AF_INET ? 4 : 6, s ? s : "(null)");
	return 0;
}

int pkt_ipv4(struct pkt *p, const struct pkt_ip4 *h)
{
	size_t hlen = IP4_HLEN + h->options_len;
	uint8_t *b;

	if (h->options_len % 4 || h->options_len > 40)
		return pkt_error(p, "IPv4 options of %zu bytes: need a "
				 "multiple of 4, at most 40", h->options_len);
	b = pkt_push(p, PKT_L_IPV4, hlen);
	if (!b)
		return -1;
	b[0] = 0x40 | (uint8_t)(hlen / 4);
	b[1] = h->tos;
	put16(b + 4, h->id);
	put16(b + 6, h->frag_off);
	b[8] = h->ttl ? h->ttl : 64;
	b[9] = h->proto;
	pkt_last(p)->next = h->proto;
	if (h->options_len)
		memcpy(b + IP4_HLEN, h->options, h->options_len);
	if (parse_addr(p, AF_INET, h->src, b + 12) ||
	    parse_addr(p, AF_INET, h->dst, b + 16))
		return -1;
	return 0;
}

int pkt_ipv6(struct pkt *p, const struct pkt_ip6 *h)
{
	uint8_t *b = pkt_push(p, PKT_L_IPV6, IP6_HLEN);

	if (!b)
		return -1;
	put32(b, 6u << 28 | (uint32_t)h->tclass << 20 |
			 (h->flow_label & 0xfffff));
	b[6] = h->next_header;
	b[7] = h->hop_limit ? h->hop_limit : 64;
	pkt_last(p)->next = h->next_header;
	if (parse_addr(p, AF_INET6, h->src, b + 8) ||
	    parse_addr(p, AF_INET6, h->dst, b + 24))
		return -1;
	return 0;
}

int pkt_ipv6_ext(struct pkt *p, uint8_t type, size_t len, uint16_t frag_off,
		 uint32_t frag_id)
{
	uint8_t *b;

	if (type == PROTO_FRAGMENT) {
		if (len != 8)
			return pkt_error(p, "fragment header is 8 bytes, "
					 "not %zu", len);
	} else if (type != 0 && type != 43 && type != 60) {
		return pkt_error(p, "extension header type %u: use 0, 43, "
				 "44 or 60", type);
	} else if (len < 8 || len > 2048 || len % 8) {
		return pkt_error(p, "extension header of %zu bytes: need a "
				 "multiple of 8 in 8..2048", len);
	}
	b = pkt_push(p, PKT_L_IPV6_EXT, len);
	if (!b)
		return -1;
	pkt_last(p)->aux = type;
	if (type == PROTO_FRAGMENT) {
		put16(b + 2, frag_off);
		put32(b + 4, frag_id);
		return 0;
	}
	/*
	 * Hdr Ext Len counts 8-byte units after the first; the 6 bytes
	 * after it are one PadN option (type 1, length) covering the rest.
	 * A routing header is left type 0 with segments left 0, which a
	 * receiver skips.
	 */
	b[1] = (uint8_t)(len / 8 - 1);
	if (type != 43) {
		b[2] = 1;
		b[3] = (uint8_t)(len - 4);
	}
	return 0;
}

int pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport,
	    unsigned int flags)
{
	uint8_t *b = pkt_push(p, PKT_L_UDP, UDP_HLEN);

	if (!b)
		return -1;
	put16(b, sport);
	put16(b + 2, dport);
	pkt_last(p)->flags = flags;
	return 0;
}

int pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint32_t seq,
	    uint32_t ack, uint8_t flags)
{
	uint8_t *b = pkt_push(p, PKT_L_TCP, TCP_HLEN);

	if (!b)
		return -1;
	put16(b, sport);
	put16(b + 2, dport);
	put32(b + 4, seq);
	put32(b + 8, ack);
	b[12] = (TCP_HLEN / 4) << 4;
	b[13] = flags;
	put16(b + 14, 65535);
	return 0;
}

int pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, uint32_t rest)
{
	uint8_t *b = pkt_push(p, PKT_L_ICMP, ICMP_HLEN);

	if (!b)
		return -1;
	b[0] = type;
	b[1] = code;
	put32(b + 4, rest);
	return 0;
}

int pkt_inner(struct pkt *p, const void *ip_packet, size_t len)
{
	const uint8_t *ip = ip_packet;
	uint8_t *b;

	if (len < 1 || (ip[0] >> 4 != 4 && ip[0] >> 4 != 6))
		return pkt_error(p, "inner packet is not IPv4 or IPv6 "
				 "(first nibble %u)", len ? ip[0] >> 4 : 0);
	b = pkt_push(p, PKT_L_INNER, len);
	if (!b)
		return -1;
	memcpy(b, ip, len);
	return 0;
}

int pkt_raw(struct pkt *p, const void *bytes, size_t len)
{
	uint8_t *b = pkt_push(p, PKT_L_RAW, len);

	if (!b)
		return -1;
	if (len)
		memcpy(b, bytes, len);
	return 0;
}

uint8_t *pkt_layer_ptr(struct pkt *p, int i)
{
	if (i < 0 || i >= p->nlayers)
		return NULL;
	return p->data + p->layer[i].off;
}

static uint32_t csum_add(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(b + i);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t pkt_csum(const void *buf, size_t len, uint32_t sum)
{
	return htons(csum_fold(csum_add(buf, len, sum)));
}

void pkt_ipv4_fix_csum(void *iph)
{
	uint8_t *b = iph;
	size_t hlen = (size_t)(b[0] & 0xf) * 4;

	put16(b + 10, 0);
	put16(b + 10, csum_fold(csum_add(b, hlen, 0)));
}

/* The family of a layer that carries an IP packet: 4, 6 or 0. */
static int layer_ip_version(const struct pkt *p, const struct pkt_layer *l)
{
	switch (l->type) {
	case PKT_L_IPV4:
		return 4;
	case PKT_L_IPV6:
		return 6;
	case PKT_L_INNER:
		return p->data[l->off] >> 4;
	default:
		return 0;
	}
}

/* The nearest IP layer enclosing layer @i (skipping IPv6 ext headers). */
static int enclosing_ip(const struct pkt *p, int i)
{
	while (--i >= 0) {
		if (p->layer[i].type == PKT_L_IPV4 ||
		    p->layer[i].type == PKT_L_IPV6)
			return i;
		if (p->layer[i].type != PKT_L_IPV6_EXT)
			return -1;
	}
	return -1;
}

/* Ethertype that announces layer @i, or 0 if it cannot be told. */
static uint16_t ethertype_of(const struct pkt *p, int i)
{
	const struct pkt_layer *l = &p->layer[i];

	if (l->type == PKT_L_VLAN)
		return l->aux;
	switch (layer_ip_version(p, l)) {
	case 4:
		return 0x0800;
	case 6:
		return 0x86dd;
	default:
		return 0;
	}
}

/* IP protocol / next header that announces layer @i, or -1. */
static int proto_of(const struct pkt *p, int i)
{
	const struct pkt_layer *l = &p->layer[i];
	int ip;

	switch (l->type) {
	case PKT_L_IPV6_EXT:
		return l->aux;
	case PKT_L_UDP:
		return PROTO_UDP;
	case PKT_L_TCP:
		return PROTO_TCP;
	case PKT_L_ICMP:
		ip = enclosing_ip(p, i);
		if (ip < 0)
			return -1;
		return p->layer[ip].type == PKT_L_IPV6 ? PROTO_ICMPV6 :
							 PROTO_ICMP;
	default:
		break;
	}
	switch (layer_ip_version(p, l)) {
	case 4:
		return PROTO_IPIP;
	case 6:
		return PROTO_IPV6;
	default:
		return -1;
	}
}

/* Sets the next-protocol field of layer @i from layer @i + 1. */
static int fill_next(struct pkt *p, int i)
{
	struct pkt_layer *l = &p->layer[i];
	uint8_t *b = p->data + l->off;
	int proto;

	if (l->type == PKT_L_ETH || l->type == PKT_L_VLAN) {
		uint16_t type = l->next;
		int field = l->type == PKT_L_ETH ? 12 : 2;

		if (!type && i + 1 < p->nlayers)
			type = ethertype_of(p, i + 1);
		if (!type)
			return pkt_error(p, "layer %d: cannot tell the "
					 "ethertype, give it", i);
		put16(b + field, type);
		return 0;
	}
	if (l->type == PKT_L_IPV6_EXT) {
		if (l->next)
			proto = l->next;
		else if (i + 1 < p->nlayers)
			proto = proto_of(p, i + 1);
		else
			proto = 59; /* no next header */
		if (proto < 0)
			return pkt_error(p, "layer %d: extension header "
					 "before opaque bytes", i);
		b[0] = (uint8_t)proto;
		return 0;
	}
	if (l->next)
		return 0; /* explicit, already written */
	if (i + 1 < p->nlayers)
		proto = proto_of(p, i + 1);
	else
		proto = l->type == PKT_L_IPV6 ? 59 : -1; /* no next header */
	if (proto < 0)
		return pkt_error(p, "layer %d: cannot tell the IP protocol, "
				 "give it", i);
	b[l->type == PKT_L_IPV4 ? 9 : 6] = (uint8_t)proto;
	return 0;
}

/* Sum of the pseudo-header of IP layer @ip for @proto and @len bytes. */
static uint32_t pseudo_sum(const struct pkt *p, int ip, uint8_t proto,
			   size_t len)
{
	const uint8_t *b = p->data + p->layer[ip].off;
	uint32_t sum;

	if (p->layer[ip].type == PKT_L_IPV4)
		sum = csum_add(b + 12, 8, 0);
	else
		sum = csum_add(b + 8, 32, 0);
	sum += proto;
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	return sum;
}

static int fill_l4(struct pkt *p, int i)
{
	struct pkt_layer *l = &p->layer[i];
	uint8_t *b = p->data + l->off;
	size_t len = p->len - l->off;
	int ip = enclosing_ip(p, i);
	int csum_off, proto;
	uint32_t sum = 0;
	uint16_t c;

	if (ip < 0 && l->type != PKT_L_ICMP)
		return pkt_error(p, "layer %d: UDP/TCP outside IP", i);
	switch (l->type) {
	case PKT_L_UDP:
		if (len > 0xffff)
			return pkt_error(p, "UDP datagram too long");
		put16(b + 4, (uint16_t)len);
		csum_off = 6;
		proto = PROTO_UDP;
		break;
	case PKT_L_TCP:
		csum_off = 16;
		proto = PROTO_TCP;
		break;
	default: /* ICMP: only ICMPv6 has a pseudo-header */
		csum_off = 2;
		proto = ip >= 0 && p->layer[ip].type == PKT_L_IPV6 ?
				PROTO_ICMPV6 : 0;
		break;
	}
	put16(b + csum_off, 0);
	if (l->type == PKT_L_UDP && (l->flags & PKT_UDP_NO_CSUM))
		return 0;
	if (proto)
		sum = pseudo_sum(p, ip, (uint8_t)proto, len);
	c = csum_fold(csum_add(b, len, sum));
	if (l->type == PKT_L_UDP && c == 0)
		c = 0xffff; /* 0 means "no checksum" in UDP */
	put16(b + csum_off, c);
	return 0;
}

int pkt_finish(struct pkt *p)
{
	int i;

	if (p->err[0])
		return -1;
	/* Innermost first: an outer checksum covers the inner bytes. */
	for (i = p->nlayers - 1; i >= 0; i--) {
		struct pkt_layer *l = &p->layer[i];
		uint8_t *b = p->data + l->off;
		size_t len = p->len - l->off;

		switch (l->type) {
		case PKT_L_ETH:
		case PKT_L_VLAN:
		case PKT_L_IPV6_EXT:
			fill_next(p, i);
			break;
		case PKT_L_IPV4:
			if (len > 0xffff)
				return pkt_error(p, "IPv4 packet too long");
			fill_next(p, i);
			put16(b + 2, (uint16_t)len);
			pkt_ipv4_fix_csum(b);
			break;
		case PKT_L_IPV6:
			if (len - IP6_HLEN > 0xffff)
				return pkt_error(p, "IPv6 payload too long");
			fill_next(p, i);
			put16(b + 4, (uint16_t)(len - IP6_HLEN));
			break;
		case PKT_L_UDP:
		case PKT_L_TCP:
		case PKT_L_ICMP:
			fill_l4(p, i);
			break;
		case PKT_L_INNER:
		case PKT_L_RAW:
			break;
		}
	}
	return p->err[0] ? -1 : 0;
}

static void hexdump_line(FILE *f, const char *tag, const uint8_t *b,
			 size_t len, size_t off)
{
	size_t i;

	fprintf(f, "  %s %04zx:", tag, off);
	for (i = off; i < off + 16 && i < len; i++)
		fprintf(f, " %02x", b[i]);
	fputc('\n', f);
}

void pkt_fprint_diff(FILE *f, const void *a, size_t alen, const void *b,
		     size_t blen)
{
	const uint8_t *x = a, *y = b;
	size_t n = alen < blen ? alen : blen;
	size_t first = n, off;

	for (off = 0; off < n; off++) {
		if (x[off] != y[off]) {
			first = off;
			break;
		}
	}
	if (first == n && alen == blen) {
		fprintf(f, "  packets are identical (%zu bytes)\n", alen);
		return;
	}
	fprintf(f, "  expected %zu bytes, got %zu; first difference at "
		   "offset %zu (0x%zx)\n", alen, blen, first, first);
	for (off = 0; off < alen || off < blen; off += 16) {
		int mark = first >= off && first < off + 16;

		hexdump_line(f, mark ? "exp>" : "exp ", x, alen, off);
		hexdump_line(f, mark ? "got>" : "got ", y, blen, off);
	}
}
