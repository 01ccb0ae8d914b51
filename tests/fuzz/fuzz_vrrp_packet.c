// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: one IP packet on a raw IPPROTO_VRRP socket
 * (controlplane/vrrp/packet.c), as anyone on the link may send it. The
 * input is parsed as from an IPv4 and from an IPv6 socket. Properties
 * checked beyond "no crash, no sanitizer report":
 *  - a refused packet returns -EINVAL and a named reason other than "none";
 *  - an accepted packet has a version, VRID, interval and auth type the
 *    parser promises, a NUL-terminated password, and rebuilds (with the
 *    source and destination it came with) into a packet that parses back
 *    to the same advertisement.
 *
 * Built two ways:
 *  - with -fsanitize=fuzzer (meson -Dfuzz=true, clang): LLVMFuzzerTestOneInput
 *    is libFuzzer's entry point;
 *  - without (every build): main() below replays the files given as
 *    arguments (the seed corpus), then each seed cut at every length and
 *    with every byte replaced, so the target runs as a plain meson test.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"

#define MAX_PACKET 65535

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct vrrp_advert *a, const struct vrrp_advert *b)
{
	if (a->version != b->version || a->vrid != b->vrid || a->priority != b->priority ||
	    a->advert_int_cs != b->advert_int_cs || a->family != b->family ||
	    a->n_addrs != b->n_addrs || a->auth_type != b->auth_type ||
	    memcmp(a->addrs, b->addrs, a->n_addrs * sizeof(a->addrs[0])) ||
	    strcmp(a->auth_pass, b->auth_pass) || memcmp(&a->src, &b->src, sizeof(a->src)) ||
	    memcmp(&a->dst, &b->dst, sizeof(a->dst)) || a->dst_group != b->dst_group)
		abort();
}

static int accepted;

static void one(const uint8_t *data, size_t size, uint8_t family)
{
	static struct vrrp_advert adv, again;
	static uint8_t buf[MAX_PACKET];
	enum vrrp_reject why = VRRP_REJECT_MAX;
	int ret = vrrp_packet_parse(data, size, family, &adv, &why);
	int n;

	if (ret) {
		if (ret != -EINVAL || why == VRRP_REJECT_NONE || why >= VRRP_REJECT_MAX ||
		    !strcmp(vrrp_reject_name(why), "?"))
			abort();
		return;
	}
	accepted++;
	if (why != VRRP_REJECT_NONE || adv.family != family || adv.vrid == 0 ||
	    adv.advert_int_cs == 0 || strnlen(adv.auth_pass, sizeof(adv.auth_pass)) > 8)
		abort();
	if (adv.version == 3 ? (adv.advert_int_cs > VRRP_V3_MAX_INT_CS || adv.auth_type) :
			       (adv.version != 2 || family != EDGELB_AF_INET ||
				adv.advert_int_cs % 100 || adv.auth_type > VRRP_AUTH_PASS))
		abort();
	n = vrrp_packet_build_ip(&adv, &adv.src, &adv.dst, buf, sizeof(buf));
	if (n <= 0 || vrrp_packet_parse(buf, (size_t)n, family, &again, &why))
		abort();
	check_same(&adv, &again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, EDGELB_AF_INET);
	one(data, size, EDGELB_AF_INET6);
	return 0;
}

#ifndef EDGELB_LIBFUZZER

#include "replay.h"

/* version, type, count and length bytes' interesting values */
static const uint8_t subst[] = { 0x00, 0x01, 0x02, 0x0f, 0x10, 0x21, 0x31, 0x45,
				 0x60, 0x70, 0x7f, 0x80, 0xf0, 0xfe, 0xff };

static void run_mutations(const uint8_t *seed, size_t len)
{
	fuzz_mutate(seed, len, subst, sizeof(subst));
}

static int replay_file(const char *path)
{
	uint8_t *buf = malloc(MAX_PACKET + 1);
	long n = buf ? fuzz_read_file("fuzz_vrrp_packet", path, buf, MAX_PACKET) : -1;

	if (n >= 0)
		run_mutations(buf, (size_t)n);
	free(buf);
	return n < 0 ? -1 : 0;
}

/* Seeds built in, so the driver does something even without files. */
static size_t builtin_seed(int i, uint8_t *buf, size_t len)
{
	struct vrrp_advert a;
	union edgelb_addr src, dst;
	int n;

	memset(&a, 0, sizeof(a));
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	a.version = i == 2 ? 2 : 3;
	a.vrid = 51;
	a.priority = 100;
	a.advert_int_cs = 100;
	a.family = i == 1 ? EDGELB_AF_INET6 : EDGELB_AF_INET;
	a.n_addrs = 2;
	if (i == 1) {
		memcpy(src.bytes, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x0a", 16);
		memcpy(dst.bytes, VRRP_GROUP_V6, 16);
		memcpy(a.addrs[0].bytes, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(a.addrs[1].bytes, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	} else {
		memcpy(src.bytes, "\xc0\xa8\xc8\x0a", 4);
		memcpy(dst.bytes, VRRP_GROUP_V4, 4);
		memcpy(a.addrs[0].bytes, "\xc0\xa8\xc8\x01", 4);
		memcpy(a.addrs[1].bytes, "\xc0\xa8\xc8\x02", 4);
	}
	if (i == 2) {
		a.auth_type = VRRP_AUTH_PASS;
		strcpy(a.auth_pass, "secret");
	}
	n = vrrp_packet_build_ip(&a, &src, &dst, buf, len);
	if (n <= 0)
		abort();
	return (size_t)n;
}

int main(int argc, char **argv)
{
	size_t runs = 0;
	uint8_t seed[256];

	for (int i = 0; i < 3; i++, runs++)
		run_mutations(seed, builtin_seed(i, seed, sizeof(seed)));
	for (int i = 1; i < argc; i++, runs++)
		if (replay_file(argv[i]))
			return 1;
	/* the parser must accept its own seeds at least */
	if (!accepted) {
		fprintf(stderr, "fuzz_vrrp_packet: no packet accepted\n");
		return 1;
	}
	printf("fuzz_vrrp_packet: %zu seeds replayed with their mutations, %d accepted\n", runs,
	       accepted);
	return 0;
}

#endif /* EDGELB_LIBFUZZER */
