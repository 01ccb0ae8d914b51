/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internet checksum (RFC 1071) pieces for headers the data plane writes:
 * the outer IPv4 header and the ICMP replies. Sums are kept as 32-bit
 * partial sums of 16-bit words in network order, folded at the end.
 */
#ifndef EDGELB_CSUM_H
#define EDGELB_CSUM_H

#include <linux/types.h>

#include "compiler.h"

EDGELB_INLINE __u16 edgelb_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Partial sum of the 20-byte IPv4 header at p (no options). */
EDGELB_INLINE __u32 edgelb_csum_ip4_header(const void *p)
{
	const __u16 *w = p;
	__u32 sum = 0;

	for (int i = 0; i < 10; i++)
		sum += w[i];
	return sum;
}

/*
 * Partial sum of len bytes at p, len even and at most max_words * 2; end
 * bounds every read (BPF needs it). Returns the sum plus seed.
 */
#define EDGELB_CSUM_MAX_WORDS 96

EDGELB_INLINE __u32 edgelb_csum_words(const void *p, const void *end, __u32 len, __u32 seed)
{
	const __u16 *w = p;
	__u32 sum = seed;

	edgelb_opaque(len);
	for (int i = 0; i < EDGELB_CSUM_MAX_WORDS; i++) {
		if ((__u32)i * 2 >= len)
			break;
		if ((const void *)(w + i + 1) > end)
			break;
		sum += w[i];
	}
	return sum;
}

#endif /* EDGELB_CSUM_H */
