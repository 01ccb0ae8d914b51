// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: an ICMP or ICMPv6 message as the health checker's raw
 * sockets receive it (controlplane/health/unreach_parse.c): anyone on the
 * path may send one. Input: byte 0 chooses the family (even: IPv4, the
 * IP header included as a raw IPPROTO_ICMP socket gives it; odd: ICMPv6
 * without its IPv6 header), the rest is the packet. Properties beyond "no
 * crash, no sanitizer report":
 *  - a message taken is a destination unreachable of a taken code, its
 *    destination copied from inside the input, at the quoted header;
 *  - a message not taken leaves *u untouched.
 *
 * Built like the other targets (fuzz_http_response.c): libFuzzer with
 * -Dfuzz=true, else a replay of built-in seeds, cut at every length and
 * with bytes replaced, and of files given as arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health/unreach_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t from[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct hc_unreach u, before;
	const uint8_t *p;
	size_t len;
	int r;

	if (!size)
		return 0;
	/* an exact-size copy: a read past the end is a sanitizer error */
	len = size - 1;
	p = malloc(len ? len : 1);
	if (!p)
		abort();
	memcpy((uint8_t *)p, data + 1, len);
	memset(&u, 0xa5, sizeof(u));
	before = u;
	if (!(data[0] & 1)) {
		r = hc_unreach_parse4(p, len, &u);
		if (r) {
			size_t ihl = (size_t)(p[0] & 0xf) * 4;

			if (u.family != EDGELB_AF_INET || p[ihl] != 3 ||
			    memcmp(&u.dst.v4, p + ihl + 8 + 16, 4) || memcmp(&u.from.v4, p + 12, 4))
				abort();
		}
	} else {
		r = hc_unreach_parse6(p, len, from, &u);
		if (r && (u.family != EDGELB_AF_INET6 || p[0] != 1 ||
			  memcmp(u.dst.bytes, p + 8 + 24, 16) || memcmp(u.from.bytes, from, 16)))
			abort();
	}
	if (!r && memcmp(&u, &before, sizeof(u)))
		abort();
	free((void *)p);
	return 0;
}

#ifndef EDGELB_LIBFUZZER
#include "replay.h"

/* selector, then the packet */
static const uint8_t seed_v4[] = {
	0x00,
	/* IPv4: 192.0.2.65 -> 192.0.2.66, ICMP */
	0x45, 0xc0, 0x00, 0x38, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
	192, 0, 2, 65, 192, 0, 2, 66,
	/* ICMP destination unreachable, net unreachable */
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* quoted: IPIP 192.0.2.66 -> 192.0.2.11 */
	0x45, 0x00, 0x00, 0x50, 0x00, 0x00, 0x40, 0x00, 0x3f, 0x04, 0x00, 0x00,
	192, 0, 2, 66, 192, 0, 2, 11,
	0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00,
};
static const uint8_t seed_v6[] = {
	0x01,
	/* ICMPv6 destination unreachable, address unreachable */
	0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* quoted IPv6: 2001:db8::66 -> 2001:db8:1::11, IPv6-in-IPv6 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x29, 0x3f,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66,
	0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11,
};

int main(int argc, char **argv)
{
	static const uint8_t subst[] = { 0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x0f, 0x45, 0x60, 0xff };
	static uint8_t buf[4097];

	fuzz_mutate(seed_v4, sizeof(seed_v4), subst, sizeof(subst));
	fuzz_mutate(seed_v6, sizeof(seed_v6), subst, sizeof(subst));
	for (int i = 1; i < argc; i++) {
		long n = fuzz_read_file("fuzz_unreach", argv[i], buf, sizeof(buf) - 1);

		if (n < 0)
			return 1;
		fuzz_mutate(buf, (size_t)n, subst, sizeof(subst));
	}
	printf("fuzz_unreach: 2 built-in seeds and %d files replayed with their mutations\n",
	       argc - 1);
	return 0;
}
#endif
