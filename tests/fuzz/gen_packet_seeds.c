// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the seed corpus of fuzz_packet_path: frames of the golden flows
 * (tests/bpf/golden.h, built by pktbuild) for each forwarding mode and
 * both families, VLAN and QinQ, IPv4 options, IPv6 extension headers,
 * fragments, too-big packets, ICMP errors quoting a VIP flow, frames with
 * trailing bytes, and a few of each input variant (see fuzz_packet_path.c:
 * each file is one variant byte, then the frame).
 *
 * usage: gen_packet_seeds DIR     (writes DIR/<name>.bin, prints the names)
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "golden.h"

#pragma GCC diagnostic ignored "-Woverride-init"
#define V4(...) { .proto = IPPROTO_TCP, .sport = 40000, .payload = 32, __VA_ARGS__ }
#define V6(...) { .v6 = 1, .proto = IPPROTO_TCP, .sport = 40000, .payload = 32, __VA_ARGS__ }
#define U4(...) V4(.proto = IPPROTO_UDP, __VA_ARGS__)
#define U6(...) V6(.proto = IPPROTO_UDP, __VA_ARGS__)

#define V_FIX_LEN 0x01
#define V_SMALL_MTU 0x02
#define V_ICMP_WRAP 0x04

/* what to do with the golden frame */
enum shape {
	S_FRAME,      /* as built */
	S_TRAILER,    /* + `extra` bytes after the IP packet */
	S_PAD60,      /* Ethernet padding up to 60 bytes */
	S_GROUP_MAC,  /* source MAC 01:00:5e:00:00:01 */
	S_ICMP_ERROR, /* an ICMP error from a router quoting the reply of this flow */
	S_REPLY_IP,   /* the reply's IP packet alone (for the ICMP wrap variant) */
	S_THREE_TAGS, /* a third VLAN tag: not parsed, passed */
	S_ARP,	      /* an ARP request, whatever the flow */
};

struct seed {
	const char *name;
	uint8_t variant;
	struct flow_spec flow;
	enum shape shape;
	size_t extra;	    /* S_TRAILER: trailing bytes */
	const char *icmp_dst; /* S_ICMP_ERROR: where the ICMP goes, NULL = the VIP */
};

static const struct seed seeds[] = {
	/* each forwarding mode, both families */
	{ "tcp4-ipip-syn", 0, V4(.dst = "192.0.2.10", .dport = 80, .tcp_flags = PKT_TCP_SYN) },
	{ "tcp4-ipip-ack", 0, V4(.dst = "192.0.2.10", .dport = 80, .sport = 40001) },
	{ "tcp4-ipip-tos-nodf", 0, V4(.dst = "192.0.2.10", .dport = 80, .tos = 0xb8, .no_df = 1) },
	{ "udp4-gue", 0, U4(.dst = "192.0.2.10", .dport = 53) },
	{ "tcp6-ip6ip6", 0, V6(.dst = "2001:db8::10", .dport = 443) },
	{ "tcp6-ip6ip6-syn-tclass", 0, V6(.dst = "2001:db8::10", .dport = 443,
		.tcp_flags = PKT_TCP_SYN, .tos = 0x28) },
	{ "udp6-gue4", 0, U6(.dst = "2001:db8::10", .dport = 53) },
	{ "udp6-gue6-addrhash", 0, U6(.dst = "2001:db8::30", .dport = 5000) },
	{ "udp4-ipip-addrhash", 0, U4(.dst = "192.0.2.40", .dport = 5000) },
	{ "tcp4-dsr", 0, V4(.dst = "192.0.2.20", .dport = 8443) },
	{ "tcp4-mtudrop-small", 0, V4(.dst = "192.0.2.50", .dport = 80) },
	/* L2 and L3 variants */
	{ "tcp4-vlan", 0, V4(.dst = "192.0.2.10", .dport = 80, .nvlan = 1) },
	{ "tcp4-qinq", 0, V4(.dst = "192.0.2.10", .dport = 80, .nvlan = 2) },
	{ "tcp6-qinq", 0, V6(.dst = "2001:db8::10", .dport = 443, .nvlan = 2) },
	{ "tcp4-dsr-vlan", 0, V4(.dst = "192.0.2.20", .dport = 22, .nvlan = 1) },
	{ "tcp4-ip-options", 0, V4(.dst = "192.0.2.10", .dport = 80, .ip_options = 1) },
	{ "tcp6-ext-headers", 0, V6(.dst = "2001:db8::10", .dport = 443, .ext_headers = 1) },
	{ "udp6-gue6-ext-qinq", 0, U6(.dst = "2001:db8::30", .dport = 7, .ext_headers = 1,
		.nvlan = 2) },
	{ "tcp4-three-tags", 0, V4(.dst = "192.0.2.10", .dport = 80, .nvlan = 2), S_THREE_TAGS },
	{ "arp", 0, V4(.dst = "192.0.2.10", .dport = 80), S_ARP },
	/* not ours, drops */
	{ "tcp4-not-vip", 0, V4(.dst = "192.0.2.99", .dport = 80) },
	{ "udp4-vip-other-proto", 0, U4(.dst = "192.0.2.10", .dport = 80) },
	{ "tcp6-not-vip", 0, V6(.dst = "2001:db8::99", .dport = 443) },
	{ "tcp4-empty-vip", 0, V4(.dst = "192.0.2.30", .dport = 80) },
	{ "tcp6-v4-backends", 0, V6(.dst = "2001:db8::20", .dport = 80) },
	/* fragments */
	{ "frag4-first-porthash", 0, V4(.dst = "192.0.2.10", .dport = 80, .frag = PKT_IP4_MF) },
	{ "frag6-first-porthash", 0, V6(.dst = "2001:db8::10", .dport = 443, .frag = 1) },
	{ "frag4-first-addrhash", 0, U4(.dst = "192.0.2.40", .dport = 5000, .frag = PKT_IP4_MF,
		.payload = 64) },
	{ "frag4-later-addrhash", 0, U4(.dst = "192.0.2.40", .dport = 5000, .frag = 9,
		.payload = 40) },
	{ "frag6-later-addrhash", 0, U6(.dst = "2001:db8::30", .dport = 5000, .frag = 9 << 3,
		.payload = 40) },
	/* MTU */
	{ "toobig4", 0, V4(.dst = "192.0.2.10", .dport = 80, .payload = 1441) },
	{ "toobig4-options-vlan", 0, V4(.dst = "192.0.2.10", .dport = 80, .payload = 1460,
		.ip_options = 1, .nvlan = 1) },
	{ "justfits4", 0, V4(.dst = "192.0.2.10", .dport = 80, .payload = 1440) },
	{ "toobig4-nodf", 0, V4(.dst = "192.0.2.10", .dport = 80, .payload = 1460, .no_df = 1) },
	{ "toobig4-mtudrop", 0, V4(.dst = "192.0.2.50", .dport = 80, .payload = 1000) },
	{ "toobig6", 0, V6(.dst = "2001:db8::10", .dport = 443, .payload = 1401) },
	{ "toobig6-gue4-ext", 0, U6(.dst = "2001:db8::10", .dport = 53, .payload = 1450,
		.ext_headers = 1) },
	{ "toobig6-gue6", 0, U6(.dst = "2001:db8::30", .dport = 53, .payload = 1450) },
	/* too big, from sources that must get no reply */
	{ "toobig4-src-broadcast", 0, V4(.src = "255.255.255.255", .dst = "192.0.2.10",
		.dport = 80, .payload = 1460) },
	{ "toobig4-src-multicast", 0, V4(.src = "224.0.0.5", .dst = "192.0.2.10", .dport = 80,
		.payload = 1460) },
	{ "toobig4-src-zero", 0, V4(.src = "0.0.0.0", .dst = "192.0.2.10", .dport = 80,
		.payload = 1460) },
	{ "toobig4-src-vip", 0, V4(.src = "192.0.2.10", .dst = "192.0.2.10", .dport = 80,
		.payload = 1460) },
	{ "toobig6-src-multicast", 0, V6(.src = "ff02::1", .dst = "2001:db8::10", .dport = 443,
		.payload = 1460) },
	{ "toobig6-src-unspecified", 0, V6(.src = "::", .dst = "2001:db8::10", .dport = 443,
		.payload = 1460) },
	{ "toobig4-group-mac", 0, V4(.dst = "192.0.2.10", .dport = 80, .payload = 1460),
		S_GROUP_MAC },
	{ "tcp4-ipip-group-mac", 0, V4(.dst = "192.0.2.10", .dport = 80), S_GROUP_MAC },
	/* trailing bytes and Ethernet padding */
	{ "tcp4-ipip-trailer", 0, V4(.dst = "192.0.2.10", .dport = 80), S_TRAILER, 12 },
	{ "udp4-gue-trailer", 0, U4(.dst = "192.0.2.10", .dport = 53), S_TRAILER, 7 },
	{ "tcp6-ip6ip6-trailer", 0, V6(.dst = "2001:db8::10", .dport = 443), S_TRAILER, 4 },
	{ "udp6-gue6-trailer", 0, U6(.dst = "2001:db8::30", .dport = 53), S_TRAILER, 9 },
	{ "tcp4-dsr-trailer", 0, V4(.dst = "192.0.2.20", .dport = 80), S_TRAILER, 6 },
	{ "udp4-addrhash-pad60", 0, U4(.dst = "192.0.2.40", .dport = 9, .payload = 0), S_PAD60 },
	{ "toobig4-trailer", 0, V4(.dst = "192.0.2.10", .dport = 80, .payload = 1441),
		S_TRAILER, 20 },
	/* ICMP errors quoting a VIP flow (the backend's reply VIP -> client) */
	{ "icmp4-frag-needed-ipip", 0, V4(.dst = "192.0.2.10", .dport = 80), S_ICMP_ERROR },
	{ "icmp4-frag-needed-dsr", 0, V4(.dst = "192.0.2.20", .dport = 443), S_ICMP_ERROR },
	{ "icmp4-frag-needed-addrhash", 0, U4(.dst = "192.0.2.40", .dport = 5000), S_ICMP_ERROR },
	{ "icmp6-too-big-ip6ip6", 0, V6(.dst = "2001:db8::10", .dport = 443), S_ICMP_ERROR },
	{ "icmp6-too-big-gue6", 0, U6(.dst = "2001:db8::30", .dport = 53), S_ICMP_ERROR },
	{ "icmp4-to-non-vip", 0, V4(.dst = "192.0.2.10", .dport = 80), S_ICMP_ERROR, 0,
		"192.0.2.99" },
	{ "icmp6-to-non-vip", 0, V6(.dst = "2001:db8::10", .dport = 443), S_ICMP_ERROR, 0,
		"2001:db8::99" },
	/* the input variants */
	{ "wrap4-ipip", V_ICMP_WRAP, V4(.dst = "192.0.2.10", .dport = 80), S_REPLY_IP },
	{ "wrap6-gue6", V_ICMP_WRAP, U6(.dst = "2001:db8::30", .dport = 53), S_REPLY_IP },
	{ "smallmtu4-ipip", V_SMALL_MTU, V4(.dst = "192.0.2.10", .dport = 80, .payload = 600) },
	{ "smallmtu6-ip6ip6", V_SMALL_MTU, V6(.dst = "2001:db8::10", .dport = 443,
		.payload = 600) },
	{ "smallmtu4-gue-fits", V_SMALL_MTU, U4(.dst = "192.0.2.10", .dport = 53,
		.payload = 400) },
	{ "fixlen4-trailer3", V_FIX_LEN | 0x30, V4(.dst = "192.0.2.10", .dport = 80), S_TRAILER,
		3 },
	{ "fixlen6-gue6", V_FIX_LEN, U6(.dst = "2001:db8::30", .dport = 53) },
};

static int write_seed(const char *dir, const char *name, uint8_t variant, const uint8_t *b,
		      size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&variant, 1, 1, f) != 1 || fwrite(b, 1, len, f) != len) {
		fprintf(stderr, "gen_packet_seeds: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f)) {
		fprintf(stderr, "gen_packet_seeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("%s.bin\n", name);
	return 0;
}

/* The backend's reply to f (VIP -> client), as an IP packet. */
static int reply_ip(const struct flow_spec *f, struct pkt *ip)
{
	struct flow_spec r = *f;

	r.src = f->dst;
	r.dst = f->src ? f->src : (f->v6 ? SC_CLIENT6 : SC_CLIENT4);
	r.sport = f->dport;
	r.dport = f->sport;
	r.payload = 200;
	return golden_client_ip(&r, ip);
}

/* An ICMP error from a router to dst, quoting the reply's first 28 or 48 bytes. */
static int icmp_error(const struct seed *s, struct pkt *frame)
{
	struct pkt ip, reply;
	size_t quote = s->flow.v6 ? 48 : 28;

	if (reply_ip(&s->flow, &reply))
		return -1;
	pkt_init(&ip);
	if (s->flow.v6) {
		pkt_ipv6(&ip, &(struct pkt_ip6){ .src = "2001:db8:ffff::1",
						 .dst = s->icmp_dst ? s->icmp_dst : s->flow.dst });
		pkt_icmp(&ip, 2, 0, 1280);
	} else {
		pkt_ipv4(&ip, &(struct pkt_ip4){ .src = "203.0.113.1",
						 .dst = s->icmp_dst ? s->icmp_dst : s->flow.dst });
		pkt_icmp(&ip, 3, 4, 1400);
	}
	pkt_raw(&ip, reply.data, quote);
	if (pkt_finish(&ip)) {
		fprintf(stderr, "gen_packet_seeds: %s: %s\n", s->name, ip.err);
		return -1;
	}
	return golden_frame(&s->flow, &ip, frame);
}

static int build(const struct seed *s, uint8_t *b, size_t max, size_t *len)
{
	static const uint8_t group_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	struct pkt frame;

	if (s->shape == S_ICMP_ERROR) {
		if (icmp_error(s, &frame))
			return -1;
	} else if (s->shape == S_REPLY_IP) {
		if (reply_ip(&s->flow, &frame))
			return -1;
	} else if (golden_input(&s->flow, &frame)) {
		return -1;
	}
	if (frame.len + 64 > max)
		return -1;
	memcpy(b, frame.data, frame.len);
	*len = frame.len;
	switch (s->shape) {
	case S_TRAILER:
		for (size_t i = 0; i < s->extra; i++)
			b[(*len)++] = (uint8_t)(0xe0 + i);
		break;
	case S_PAD60:
		while (*len < 60)
			b[(*len)++] = 0;
		break;
	case S_GROUP_MAC:
		memcpy(b + 6, group_mac, 6);
		break;
	case S_THREE_TAGS:
		/* after the two tags, a third 802.1Q tag before the ethertype */
		memmove(b + 24, b + 20, *len - 20);
		b[20] = 0x81;
		b[21] = 0x00;
		b[22] = 0x01;
		b[23] = 0x2c;
		*len += 4;
		break;
	case S_ARP: {
		static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 0xaa,
						 198, 51, 100, 7, 0, 0, 0, 0, 0, 0, 192, 0, 2, 10 };

		memset(b, 0xff, 6);
		b[12] = 0x08;
		b[13] = 0x06;
		memcpy(b + 14, arp, sizeof(arp));
		*len = 14 + sizeof(arp);
		break;
	}
	default:
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t b[PKT_MAX + 64];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_packet_seeds DIR\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		size_t len;

		if (build(&seeds[i], b, sizeof(b), &len)) {
			fprintf(stderr, "gen_packet_seeds: cannot build %s\n", seeds[i].name);
			return 1;
		}
		if (write_seed(argv[1], seeds[i].name, seeds[i].variant, b, len))
			return 1;
	}
	return 0;
}
